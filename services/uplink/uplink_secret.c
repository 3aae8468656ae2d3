/* uplink_secret: creates the pseudonym key once, then only ever reads it. */
#include "uplink_secret.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "hc_log.h"

/* Writes a new secret to path, which must not exist (O_EXCL: two starts
   never both write one). */
static int s_create(const char *path, uint8_t out[UPL_SECRET_SIZE], hc_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return hc_error_set(err, HC_INTERNAL, path, "cannot create %s: %s", path, strerror(errno));
    randombytes_buf(out, UPL_SECRET_SIZE);
    bool ok = write(fd, out, UPL_SECRET_SIZE) == UPL_SECRET_SIZE && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        unlink(path);
        return hc_error_set(err, HC_INTERNAL, path, "cannot write %s", path);
    }
    hc_log_info("uplink_secret_created", "path=%s", path);
    return HC_OK;
}

static int s_read(const char *path, uint8_t out[UPL_SECRET_SIZE], hc_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hc_error_set(err, HC_INTERNAL, path, "cannot read %s: %s", path, strerror(errno));
    uint8_t buf[UPL_SECRET_SIZE + 1];
    ssize_t got = read(fd, buf, sizeof buf);
    close(fd);
    if (got != UPL_SECRET_SIZE)
        return hc_error_set(err, HC_FAILED_PRECONDITION, path,
                            "%s holds %zd bytes, not a %d-byte secret", path, got, UPL_SECRET_SIZE);
    memcpy(out, buf, UPL_SECRET_SIZE);
    sodium_memzero(buf, sizeof buf);
    return HC_OK;
}

int upl_secret_load(const char *path, uint8_t out[UPL_SECRET_SIZE], hc_error *err)
{
    assert(path && out);
    if (sodium_init() < 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "libsodium cannot start");
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return s_create(path, out, err);
    return s_read(path, out, err);
}
