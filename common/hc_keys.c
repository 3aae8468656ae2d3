/* hc_keys: CurveZMQ certificate files for nodes and operators. */
#include "hc_keys.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hc_log.h"

#define S_Z85_KEY  40          /* a key in Z85 text */
#define S_MAX_FILE (64 * 1024) /* a certificate file is a few hundred bytes */

static bool s_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Saves cert's public half to pub_path and, when key_path is set, both
   halves to key_path, readable by the owner only. */
static int s_save(zcert_t *cert, const char *pub_path, const char *key_path, hc_error *err)
{
    if (key_path && (zcert_save_secret(cert, key_path) != 0 || chmod(key_path, 0600) != 0))
        return hc_error_set(err, HC_INTERNAL, "key", "cannot write %s", key_path);
    if (zcert_save_public(cert, pub_path) != 0)
        return hc_error_set(err, HC_INTERNAL, "pub", "cannot write %s", pub_path);
    return HC_OK;
}

int hc_keys_create(const char *pub_path, const char *key_path, const char *name, hc_error *err)
{
    assert(pub_path && key_path);
    const char *taken = s_exists(key_path) ? key_path : s_exists(pub_path) ? pub_path : NULL;
    if (taken)
        return hc_error_set(err, HC_ALREADY_EXISTS, taken, "%s already exists", taken);
    zcert_t *cert = zcert_new();
    if (!cert)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot make a key pair");
    if (name)
        zcert_set_meta(cert, "name", "%s", name);
    int rc = s_save(cert, pub_path, key_path, err);
    zcert_destroy(&cert);
    return rc;
}

int hc_keys_ensure_node(const char *dir, const char *node_id, hc_error *err)
{
    assert(dir);
    char *pub = zsys_sprintf("%s/node.pub", dir);
    char *key = zsys_sprintf("%s/node.key", dir);
    int rc = HC_OK;
    if (!s_exists(key)) {
        unlink(pub);
        rc = hc_keys_create(pub, key, node_id, err);
        if (rc == HC_OK)
            hc_log_info("node_key_created", "public=%s", pub);
    } else if (!s_exists(pub)) {
        zcert_t *cert = hc_keys_load_secret(key, err);
        rc = cert ? s_save(cert, pub, NULL, err) : err->code;
        zcert_destroy(&cert);
    }
    zstr_free(&pub);
    zstr_free(&key);
    return rc;
}

/* The Z85 alphabet (ZeroMQ RFC 32). */
static const char s_z85[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            ".-:+=^!/*?&<>()[]{}@%$#";

/* Decodes the key at key_path of root into key: false unless it is 40
   Z85 characters (zmq_z85_decode would take other text as some key). */
static bool s_key(zconfig_t *root, const char *key_path, uint8_t key[32])
{
    const char *text = root ? zconfig_get(root, key_path, "") : "";
    return strlen(text) == S_Z85_KEY && strspn(text, s_z85) == S_Z85_KEY &&
           zmq_z85_decode(key, text) != NULL;
}

/* The certificate in path; with_secret: it must hold the secret key too.
   The file is read whole first: zconfig_load leaks its handle on a file
   that does not parse. */
static zcert_t *s_load(const char *path, bool with_secret, hc_error *err)
{
    assert(path);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        hc_error_set(err, HC_NOT_FOUND, path, "%s does not exist", path);
        return NULL;
    }
    zchunk_t *chunk = zchunk_slurp(path, S_MAX_FILE);
    zconfig_t *root = chunk ? zconfig_chunk_load(chunk) : NULL;
    uint8_t pub[32], secret[32] = {0};
    bool ok = s_key(root, "/curve/public-key", pub) &&
              (!with_secret || s_key(root, "/curve/secret-key", secret));
    zconfig_destroy(&root);
    zchunk_destroy(&chunk);
    zcert_t *cert = ok ? zcert_new_from(pub, secret) : NULL;
    sodium_memzero(secret, sizeof secret);
    if (!cert)
        hc_error_set(err, HC_INVALID_ARGUMENT, path, "%s holds no CURVE %s key", path,
                     with_secret ? "secret" : "public");
    return cert;
}

zcert_t *hc_keys_load_secret(const char *path, hc_error *err)
{
    return s_load(path, true, err);
}

zcert_t *hc_keys_load_public(const char *path, hc_error *err)
{
    return s_load(path, false, err);
}
