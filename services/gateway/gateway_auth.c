/* gateway_auth: Authorization header parsing, token -> principal, and the
   first admin token written atomically with mode 0600. */
#include "gateway_auth.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hc_log.h"

bool gw_auth_bearer(const char *header, char *out, size_t out_size)
{
    assert(out && out_size > 0);
    out[0] = '\0';
    if (!header)
        return false;
    while (*header == ' ' || *header == '\t')
        header++;
    if (strncasecmp(header, "Bearer", 6) != 0 || (header[6] != ' ' && header[6] != '\t'))
        return false;
    const char *start = header + 6;
    while (*start == ' ' || *start == '\t')
        start++;
    size_t length = strlen(start);
    while (length > 0 && (start[length - 1] == ' ' || start[length - 1] == '\t'))
        length--;
    if (length == 0 || length >= out_size)
        return false;
    memcpy(out, start, length);
    out[length] = '\0';
    return true;
}

void gw_auth_principal(const gw_token *token, Hcap__Principal *principal)
{
    assert(token);
    assert(principal);
    hcap__principal__init(principal);
    principal->name = (char *)token->name;
    principal->role = (Hcap__Role)token->role;
    principal->token_id = (char *)token->id;
}

/* Writes all of text to fd; false on any short write. */
static bool s_write_all(int fd, const char *text, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, text, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        text += n;
        size -= (size_t)n;
    }
    return true;
}

int gw_auth_file_write(const char *path, const char *text, hc_error *err)
{
    assert(path);
    assert(text);
    size_t length = strlen(path);
    char *temp = malloc(length + 8);
    if (!temp)
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    snprintf(temp, length + 8, "%s.XXXXXX", path);
    int fd = mkstemp(temp); /* mode 0600 */
    if (fd < 0) {
        hc_error_set(err, HC_INTERNAL, NULL, "cannot create %s: %s", temp, strerror(errno));
        free(temp);
        return HC_INTERNAL;
    }
    bool ok = fchmod(fd, 0600) == 0 && s_write_all(fd, text, strlen(text)) &&
              s_write_all(fd, "\n", 1) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (ok && rename(temp, path) != 0)
        ok = false;
    if (!ok) {
        hc_error_set(err, HC_INTERNAL, NULL, "cannot write %s: %s", path, strerror(errno));
        unlink(temp);
    }
    free(temp);
    return ok ? HC_OK : HC_INTERNAL;
}

int gw_auth_mint_admin(gw_store *store, const char *path, bool *minted, hc_error *err)
{
    assert(store);
    assert(minted);
    *minted = false;
    if (!path || gw_store_admin_exists(store))
        return HC_OK;
    int code = gw_store_begin(store, err);
    if (code != HC_OK)
        return code;
    char token[HC_TOKEN_SIZE];
    gw_token record;
    code = gw_store_token_create(store, HCAP__ROLE__ROLE_ADMIN, "admin", token, &record, err);
    if (code == HC_OK)
        code = gw_auth_file_write(path, token, err);
    if (code == HC_OK)
        code = gw_store_commit(store, err);
    else
        gw_store_rollback(store);
    memset(token, 0, sizeof token);
    if (code == HC_OK) {
        *minted = true;
        char quoted[512];
        hc_log_info("admin_token_minted", "token_id=%s file=%s", record.id,
                    hc_log_quote(path, quoted, sizeof quoted));
    }
    return code;
}
