/* Tests of hc_idempotency: recorded replies found again, keys bound to one
   method, records rolled back with their transaction, erasure rewrites. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hc_idempotency.h"

static char s_dir[] = "/tmp/hc_idem_XXXXXX";
static hc_store *s_store;
static hc_arena *s_arena;

static void s_setup(void)
{
    cr_assert(mkdtemp(s_dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.db", s_dir);
    hc_error err;
    s_store = hc_store_open(path, NULL, &err);
    cr_assert(s_store, "%s", err.message);
    cr_assert_eq(hc_idempotency_open(s_store, &err), HC_OK);
    s_arena = hc_arena_new();
}

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void s_teardown(void)
{
    hc_arena_destroy(&s_arena);
    hc_store_destroy(&s_store);
    nftw(s_dir, s_remove, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(idempotency, .init = s_setup, .fini = s_teardown, .timeout = 30);

static void s_record(const char *key, const char *method, const char *body, bool commit)
{
    hc_error err;
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    cr_assert_eq(
        hc_idempotency_record(s_store, key, method, (const uint8_t *)body, strlen(body), &err),
        HC_OK, "%s", err.message);
    if (commit)
        cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);
    else
        hc_store_rollback(s_store);
}

static int s_find(const char *key, const char *method, char **text, hc_error *err)
{
    const uint8_t *body = NULL;
    size_t size = 0;
    int found = hc_idempotency_find(s_store, key, method, s_arena, &body, &size, err);
    *text = found == 1 ? hc_arena_printf(s_arena, "%.*s", (int)size, (const char *)body) : NULL;
    return found;
}

Test(idempotency, a_recorded_reply_is_found_again_for_its_method_only)
{
    char *text;
    hc_error err;
    cr_assert_eq(s_find("t:k", "CreateWorker", &text, &err), 0, "a new key");
    s_record("t:k", "CreateWorker", "reply-bytes", true);
    cr_assert_eq(s_find("t:k", "CreateWorker", &text, &err), 1);
    cr_assert_str_eq(text, "reply-bytes");
    cr_assert_eq(s_find("t:k", "CreateEmployer", &text, &err), -1);
    cr_assert_eq(err.code, HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "idempotency_key");
    cr_assert(strstr(err.message, "CreateWorker"), "%s", err.message);
}

Test(idempotency, a_rolled_back_request_leaves_no_record)
{
    char *text;
    hc_error err;
    s_record("t:gone", "CreateWorker", "x", false);
    cr_assert_eq(s_find("t:gone", "CreateWorker", &text, &err), 0);
    s_record("t:twice", "CreateWorker", "x", true);
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    cr_assert_eq(
        hc_idempotency_record(s_store, "t:twice", "CreateWorker", (const uint8_t *)"y", 1, &err),
        HC_ALREADY_EXISTS);
    hc_store_rollback(s_store);
}

/* Rewrites bodies holding "Ana" to "[erased]"; leaves the others. */
static int s_erase_ana(void *arg, const char *method, const uint8_t *body, size_t size,
                       uint8_t **new_body, size_t *new_size)
{
    (*(int *)arg)++;
    *new_body = NULL;
    if (strcmp(method, "CreateWorker") != 0 || !memmem(body, size, "Ana", 3))
        return 0;
    *new_body = (uint8_t *)strdup("[erased]");
    *new_size = 8;
    return 0;
}

Test(idempotency, erasure_rewrites_only_what_holds_the_needle)
{
    s_record("t:1", "CreateWorker", "wkr_1 Ana Ruiz", true);
    s_record("t:2", "CreateWorker", "wkr_2 Bo Chen", true);
    s_record("t:3", "ListWorkers", "wkr_1 Ana Ruiz", true);
    int asked = 0;
    hc_error err;
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    cr_assert_eq(hc_idempotency_rewrite(s_store, "wkr_1", s_erase_ana, &asked, &err), HC_OK);
    cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);
    cr_assert_eq(asked, 2, "only replies holding the needle are offered");
    char *text;
    cr_assert_eq(s_find("t:1", "CreateWorker", &text, &err), 1);
    cr_assert_str_eq(text, "[erased]");
    cr_assert_eq(s_find("t:2", "CreateWorker", &text, &err), 1);
    cr_assert_str_eq(text, "wkr_2 Bo Chen");
    cr_assert_eq(s_find("t:3", "ListWorkers", &text, &err), 1);
    cr_assert_str_eq(text, "wkr_1 Ana Ruiz", "a reply the rewrite kept stays");
}
