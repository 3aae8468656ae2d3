/* hc_keys: a node's key pair at first start, operators' key pairs, and
   certificate files that are missing, damaged or not keys. */
#include <criterion/criterion.h>
#include <sys/stat.h>
#include "hc_keys.h"
#include "ht_os.h"

static char *s_dir;

static void s_setup(void)
{
    s_dir = ht_tempdir();
    cr_assert_not_null(s_dir);
}

static void s_teardown(void)
{
    ht_rmtree(s_dir);
    free(s_dir);
}

TestSuite(keys, .init = s_setup, .fini = s_teardown);

static char *s_path(const char *name)
{
    return zsys_sprintf("%s/%s", s_dir, name);
}

static void s_write(const char *name, const char *text)
{
    char *path = s_path(name);
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs(text, file);
    fclose(file);
    zstr_free(&path);
}

Test(keys, a_node_gets_its_pair_once_with_the_secret_kept_private)
{
    hc_error err;
    cr_assert_eq(hc_keys_ensure_node(s_dir, "west", &err), HC_OK, "%s", err.message);
    char *pub = s_path("node.pub"), *key = s_path("node.key");
    struct stat st;
    cr_assert_eq(stat(key, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    zcert_t *first = hc_keys_load_secret(key, &err);
    cr_assert_not_null(first, "%s", err.message);
    cr_assert_eq(hc_keys_ensure_node(s_dir, "west", &err), HC_OK);
    unlink(pub);
    cr_assert_eq(hc_keys_ensure_node(s_dir, "west", &err), HC_OK);
    zcert_t *again = hc_keys_load_secret(key, &err);
    zcert_t *public = hc_keys_load_public(pub, &err);
    cr_assert_not_null(public, "the public file is written again from the key");
    cr_assert_str_eq(zcert_public_txt(again), zcert_public_txt(first), "the pair is kept");
    cr_assert_str_eq(zcert_public_txt(public), zcert_public_txt(first));
    cr_assert_null(hc_keys_load_secret(pub, &err), "a public file holds no secret key");
    cr_assert_eq(err.code, HC_INVALID_ARGUMENT);
    zcert_destroy(&first);
    zcert_destroy(&again);
    zcert_destroy(&public);
    zstr_free(&pub);
    zstr_free(&key);
}

Test(keys, create_never_replaces_a_file)
{
    hc_error err;
    char *pub = s_path("ops.pub"), *key = s_path("ops.key");
    cr_assert_eq(hc_keys_create(pub, key, "ops", &err), HC_OK, "%s", err.message);
    zcert_t *cert = hc_keys_load_secret(key, &err);
    cr_assert_eq(hc_keys_create(pub, key, "ops", &err), HC_ALREADY_EXISTS);
    cr_assert_str_eq(err.field, key);
    unlink(key);
    cr_assert_eq(hc_keys_create(pub, key, "ops", &err), HC_ALREADY_EXISTS);
    cr_assert_str_eq(err.field, pub);
    zcert_t *public = hc_keys_load_public(pub, &err);
    cr_assert_str_eq(zcert_public_txt(public), zcert_public_txt(cert), "the public file stays");
    zcert_destroy(&cert);
    zcert_destroy(&public);
    zstr_free(&pub);
    zstr_free(&key);
}

Test(keys, files_that_hold_no_key_are_refused_naming_the_path)
{
    hc_error err;
    char *missing = s_path("missing.pub");
    cr_assert_null(hc_keys_load_public(missing, &err));
    cr_assert_eq(err.code, HC_NOT_FOUND);
    cr_assert_str_eq(err.field, missing);
    const char *bad[] = {
        "not zpl at all\n\t\t= = =\n",
        "curve\n    public-key = \"short\"\n",
        /* 40 characters, but '~' is not Z85: it must not become some key */
        "curve\n    public-key = \"~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\"\n",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_write("bad.pub", bad[i]);
        char *path = s_path("bad.pub");
        hc_error_clear(&err);
        cr_assert_null(hc_keys_load_public(path, &err), "file %zu", i);
        cr_assert_eq(err.code, HC_INVALID_ARGUMENT, "file %zu", i);
        zstr_free(&path);
    }
    cr_assert_null(hc_keys_load_public(s_dir, &err), "a directory is not a key file");
    zstr_free(&missing);
}
