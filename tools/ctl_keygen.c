/* ctl_keygen: `hcapctl keygen NAME [--dir D]`, offline: a CurveZMQ key pair
   for a node or an operator as D/NAME.pub and D/NAME.key (hc_keys), never
   replacing a file. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include "ctl.h"
#include "hc_keys.h"

#define S_MAX_NAME 64

/* A name that is one plain file name: letters, digits, '.', '_', '-',
   not starting with '.'. */
static bool s_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > S_MAX_NAME || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return false;
    return true;
}

static int s_fail(const hc_error *err)
{
    ctl_print_error(err);
    return 1;
}

int ctl_keygen(const char *name, const char *dir, ctl_format format, FILE *out)
{
    hc_error err;
    hc_error_clear(&err);
    if (!s_name_ok(name)) {
        hc_error_set(&err, HC_INVALID_ARGUMENT, "name",
                     "%s: a key's name is letters, digits, '.', '_' or '-' (at most %d, not "
                     "starting with '.')",
                     name, S_MAX_NAME);
        return s_fail(&err);
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        const char *why = stat(dir, &st) != 0 ? strerror(errno) : "not a directory";
        hc_error_set(&err, HC_NOT_FOUND, "dir", "--dir %s: %s", dir, why);
        return s_fail(&err);
    }
    char pub[PATH_MAX], key[PATH_MAX];
    snprintf(pub, sizeof pub, "%s/%s.pub", dir, name);
    snprintf(key, sizeof key, "%s/%s.key", dir, name);
    if (hc_keys_create(pub, key, name, &err) != HC_OK)
        return s_fail(&err);
    zcert_t *cert = hc_keys_load_public(pub, &err);
    if (!cert)
        return s_fail(&err);
    json_t *reply = json_pack("{ss ss ss ss}", "name", name, "public_file", pub, "secret_file", key,
                              "public_key", zcert_public_txt(cert));
    zcert_destroy(&cert);
    ctl_print(out, reply, NULL, format);
    json_decref(reply);
    return 0;
}
