/* Tests for gateway.db (tokens, stored replies), the Idempotency-Key
   tracker, the Authorization header and the admin token file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gateway_auth.h"
#include "gateway_idem.h"
#include "gateway_store.h"

static char s_dir[64];
static char s_db[128];
static gw_store *s_store;

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/gw_store_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_db, sizeof s_db, "%s/gateway.db", s_dir);
    hc_error err;
    s_store = gw_store_open(s_db, &err);
    cr_assert_not_null(s_store, "%s", err.message);
}

static void s_teardown(void)
{
    gw_store_destroy(&s_store);
    char command[160];
    snprintf(command, sizeof command, "rm -rf '%s'", s_dir);
    cr_assert_eq(system(command), 0);
}

TestSuite(gateway_store, .init = s_setup, .fini = s_teardown, .timeout = 30);

Test(gateway_store, token_is_found_by_its_text_only)
{
    char token[HC_TOKEN_SIZE];
    gw_token made, found;
    hc_error err;
    cr_assert_eq(
        gw_store_token_create(s_store, HCAP__ROLE__ROLE_STAFF, "case manager", token, &made, &err),
        HC_OK, "%s", err.message);
    cr_assert_eq(strncmp(token, "hct_", 4), 0);
    cr_assert_eq(strncmp(made.id, "tok_", 4), 0);
    cr_assert_eq(gw_store_token_find(s_store, token, &found), HC_OK);
    cr_assert_str_eq(found.id, made.id);
    cr_assert_str_eq(found.name, "case manager");
    cr_assert_eq(found.role, HCAP__ROLE__ROLE_STAFF);
    char wrong[HC_TOKEN_SIZE];
    strcpy(wrong, token);
    wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
    cr_assert_eq(gw_store_token_find(s_store, wrong, &found), HC_NOT_FOUND);
    cr_assert_eq(gw_store_token_find(s_store, "", &found), HC_NOT_FOUND);
    cr_assert_eq(gw_store_token_find(s_store, NULL, &found), HC_NOT_FOUND);
    cr_assert_not(gw_store_admin_exists(s_store), "a staff token is not an admin");
}

Test(gateway_store, token_create_validates_role_and_name)
{
    char token[HC_TOKEN_SIZE];
    gw_token made;
    hc_error err;
    cr_assert_eq(gw_store_token_create(s_store, 0, "x", token, &made, &err), HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "role");
    cr_assert_eq(gw_store_token_create(s_store, 99, "x", token, &made, &err), HC_INVALID_ARGUMENT);
    cr_assert_eq(gw_store_token_create(s_store, HCAP__ROLE__ROLE_ADMIN, "", token, &made, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "name");
    char name[GW_TOKEN_NAME_MAX + 2];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    cr_assert_eq(gw_store_token_create(s_store, HCAP__ROLE__ROLE_ADMIN, name, token, &made, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_eq(gw_store_token_create(s_store, HCAP__ROLE__ROLE_ADMIN, NULL, token, &made, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_not(gw_store_admin_exists(s_store));
}

Test(gateway_store, tokens_survive_reopening)
{
    char token[HC_TOKEN_SIZE];
    gw_token made, found;
    hc_error err;
    cr_assert_eq(gw_store_token_create(s_store, HCAP__ROLE__ROLE_ADMIN, "root", token, &made, &err),
                 HC_OK);
    gw_store_destroy(&s_store);
    s_store = gw_store_open(s_db, &err);
    cr_assert_not_null(s_store);
    cr_assert(gw_store_admin_exists(s_store));
    cr_assert_eq(gw_store_token_find(s_store, token, &found), HC_OK);
    cr_assert_eq(found.role, HCAP__ROLE__ROLE_ADMIN);
}

/* A revoked token opens nothing at once, even after it was found (and
   kept in memory); the last live admin token cannot be revoked. */
Test(gateway_store, a_revoked_token_opens_nothing_and_the_last_admin_stays)
{
    char admin_text[HC_TOKEN_SIZE], staff_text[HC_TOKEN_SIZE];
    gw_token admin, staff, found, revoked;
    hc_error err;
    cr_assert_eq(
        gw_store_token_create(s_store, HCAP__ROLE__ROLE_ADMIN, "root", admin_text, &admin, &err),
        HC_OK);
    cr_assert_eq(
        gw_store_token_create(s_store, HCAP__ROLE__ROLE_STAFF, "desk", staff_text, &staff, &err),
        HC_OK);
    cr_assert_eq(gw_store_token_find(s_store, staff_text, &found), HC_OK);
    cr_assert_eq(gw_store_token_revoke(s_store, staff.id, &revoked, &err), HC_OK, "%s",
                 err.message);
    cr_assert_str_eq(revoked.id, staff.id);
    cr_assert_neq(revoked.revoked_at[0], '\0');
    cr_assert_eq(gw_store_token_find(s_store, staff_text, &found), HC_NOT_FOUND,
                 "the kept copy is forgotten");
    char first[HC_TIMESTAMP_SIZE];
    strcpy(first, revoked.revoked_at);
    cr_assert_eq(gw_store_token_revoke(s_store, staff.id, &revoked, &err), HC_OK);
    cr_assert_str_eq(revoked.revoked_at, first, "revoking again changes nothing");

    cr_assert_eq(gw_store_token_revoke(s_store, admin.id, &revoked, &err), HC_FAILED_PRECONDITION);
    cr_assert_str_eq(err.field, "id");
    cr_assert_eq(gw_store_token_find(s_store, admin_text, &found), HC_OK);
    cr_assert_eq(gw_store_token_revoke(s_store, "tok_nope", &revoked, &err), HC_NOT_FOUND);
    cr_assert_str_eq(err.field, "id");

    /* with a second admin the first can go; the store then still has one */
    char other_text[HC_TOKEN_SIZE];
    gw_token other;
    cr_assert_eq(
        gw_store_token_create(s_store, HCAP__ROLE__ROLE_ADMIN, "root2", other_text, &other, &err),
        HC_OK);
    cr_assert_eq(gw_store_token_revoke(s_store, admin.id, &revoked, &err), HC_OK);
    cr_assert(gw_store_admin_exists(s_store));
    cr_assert_eq(gw_store_token_revoke(s_store, other.id, &revoked, &err), HC_FAILED_PRECONDITION);
}

static void s_collect(void *arg, const gw_token *token)
{
    char *ids = arg;
    strcat(ids, token->revoked_at[0] ? "-" : "+");
    strcat(ids, token->name);
    strcat(ids, " ");
}

Test(gateway_store, tokens_are_listed_in_creation_order_with_revocations)
{
    char text[HC_TOKEN_SIZE];
    gw_token made[3], revoked;
    const char *names[] = {"a", "b", "c"};
    hc_error err;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(
            gw_store_token_create(s_store, HCAP__ROLE__ROLE_MENTOR, names[i], text, &made[i], &err),
            HC_OK);
    cr_assert_eq(gw_store_token_revoke(s_store, made[1].id, &revoked, &err), HC_OK);
    char ids[64] = "";
    cr_assert_eq(gw_store_token_each(s_store, NULL, 10, s_collect, ids, &err), HC_OK);
    cr_assert_str_eq(ids, "+a -b +c ");
    ids[0] = '\0';
    cr_assert_eq(gw_store_token_each(s_store, made[0].id, 1, s_collect, ids, &err), HC_OK);
    cr_assert_str_eq(ids, "-b ", "one row after the cursor");
}

Test(gateway_store, stored_reply_comes_back_byte_for_byte)
{
    const char body[] = "{\"id\":\"wkr_1\",\"x\":\"\\u00e9\"}\0tail";
    hc_error err;
    cr_assert_eq(gw_store_reply_save(s_store, "tok_1:k1", "POST /v1/workers", 201, body,
                                     sizeof body - 1, &err),
                 HC_OK, "%s", err.message);
    gw_stored_reply reply;
    cr_assert_eq(gw_store_reply_find(s_store, "tok_1:k1", &reply), HC_OK);
    cr_assert_eq(reply.status, 201);
    cr_assert_str_eq(reply.route, "POST /v1/workers");
    cr_assert_eq(reply.size, sizeof body - 1);
    cr_assert_eq(memcmp(reply.body, body, reply.size), 0);
    gw_store_reply_clear(&reply);
    gw_store_reply_clear(&reply);
    cr_assert_eq(gw_store_reply_find(s_store, "tok_2:k1", &reply), HC_NOT_FOUND,
                 "keys are scoped by token");
    cr_assert_eq(gw_store_reply_save(s_store, "tok_1:k1", "POST /v1/workers", 409, "{}", 2, &err),
                 HC_OK);
    cr_assert_eq(gw_store_reply_find(s_store, "tok_1:k1", &reply), HC_OK);
    cr_assert_eq(reply.status, 201, "the first reply stays");
    gw_store_reply_clear(&reply);
}

Test(gateway_store, erasure_forgets_replies_naming_the_person)
{
    hc_error err;
    const char *made = "{\"id\":\"wkr_9\",\"given_name\":\"Wilhelmina\"}";
    const char *enrolled = "{\"id\":\"enr_1\",\"worker_id\":\"wkr_9\"}";
    const char *other = "{\"id\":\"wkr_10\",\"given_name\":\"Otto\"}";
    cr_assert_eq(
        gw_store_reply_save(s_store, "t:1", "POST /v1/workers", 201, made, strlen(made), &err),
        HC_OK);
    cr_assert_eq(gw_store_reply_save(s_store, "t:2", "POST /v1/enrollments", 201, enrolled,
                                     strlen(enrolled), &err),
                 HC_OK);
    cr_assert_eq(
        gw_store_reply_save(s_store, "t:3", "POST /v1/workers", 201, other, strlen(other), &err),
        HC_OK);
    cr_assert_eq(gw_store_reply_forget(s_store, "wkr_9\""), 2);
    gw_stored_reply reply;
    cr_assert_eq(gw_store_reply_find(s_store, "t:1", &reply), HC_NOT_FOUND);
    cr_assert_eq(gw_store_reply_find(s_store, "t:2", &reply), HC_NOT_FOUND);
    cr_assert_eq(gw_store_reply_find(s_store, "t:3", &reply), HC_OK);
    gw_store_reply_clear(&reply);
    cr_assert_eq(gw_store_reply_forget(s_store, ""), 0);
}

Test(gateway_store, prune_forgets_old_replies)
{
    hc_error err;
    cr_assert_eq(gw_store_reply_save(s_store, "a:1", "POST /x", 200, "{}", 2, &err), HC_OK);
    cr_assert_eq(gw_store_reply_prune(s_store, "2000-01-01T00:00:00.000Z"), 0);
    cr_assert_eq(gw_store_reply_prune(s_store, "2999-01-01T00:00:00.000Z"), 1);
    gw_stored_reply reply;
    cr_assert_eq(gw_store_reply_find(s_store, "a:1", &reply), HC_NOT_FOUND);
}

/* --- the Idempotency-Key tracker --- */

static gw_http_reply s_reply(int status, const char *text)
{
    gw_http_reply reply = {.status = status, .body = strdup(text), .size = strlen(text)};
    reply.content_type = GW_CONTENT_JSON;
    return reply;
}

Test(gateway_store, idempotency_first_runs_repeat_replays)
{
    gw_idem *idem = gw_idem_new(s_store);
    gw_http_reply replay;
    cr_assert_eq(gw_idem_begin(idem, "tok:k", "POST /v1/workers", &replay), GW_IDEM_NEW);
    cr_assert_eq(gw_idem_begin(idem, "tok:k", "POST /v1/workers", &replay), GW_IDEM_BUSY,
                 "a repeat while the first is in flight is refused");
    gw_http_reply first = s_reply(201, "{\"id\":\"w1\"}");
    gw_idem_finish(idem, "tok:k", "POST /v1/workers", &first);
    cr_assert_eq(gw_idem_begin(idem, "tok:k", "POST /v1/workers", &replay), GW_IDEM_REPLAY);
    cr_assert_eq(replay.status, 201);
    cr_assert_eq(replay.size, first.size);
    cr_assert_eq(memcmp(replay.body, first.body, first.size), 0);
    gw_http_reply_clear(&replay);
    cr_assert_eq(gw_idem_begin(idem, "tok:k", "POST /v1/programs", &replay), GW_IDEM_CONFLICT,
                 "the same key on another request");
    gw_http_reply_clear(&first);
    gw_idem_destroy(&idem);
    cr_assert_null(idem);
}

Test(gateway_store, idempotency_keeps_4xx_but_not_5xx)
{
    gw_idem *idem = gw_idem_new(s_store);
    gw_http_reply replay;
    cr_assert_eq(gw_idem_begin(idem, "t:a", "POST /x", &replay), GW_IDEM_NEW);
    gw_http_reply unavailable = s_reply(503, "{\"error\":{}}");
    gw_idem_finish(idem, "t:a", "POST /x", &unavailable);
    cr_assert_eq(gw_idem_begin(idem, "t:a", "POST /x", &replay), GW_IDEM_NEW,
                 "a 503 is not final: the retry runs");
    gw_http_reply conflict = s_reply(409, "{\"error\":{\"code\":\"already_exists\"}}");
    gw_idem_finish(idem, "t:a", "POST /x", &conflict);
    cr_assert_eq(gw_idem_begin(idem, "t:a", "POST /x", &replay), GW_IDEM_REPLAY);
    cr_assert_eq(replay.status, 409);
    gw_http_reply_clear(&replay);
    cr_assert_eq(gw_idem_begin(idem, "t:b", "POST /x", &replay), GW_IDEM_NEW);
    gw_idem_abandon(idem, "t:b");
    cr_assert_eq(gw_idem_begin(idem, "t:b", "POST /x", &replay), GW_IDEM_NEW);
    gw_idem_abandon(idem, "t:b");
    gw_http_reply_clear(&unavailable);
    gw_http_reply_clear(&conflict);
    gw_idem_destroy(&idem);
}

Test(gateway_store, idempotency_key_shape)
{
    cr_assert(gw_idem_key_valid("abc-123_XYZ:."));
    cr_assert_not(gw_idem_key_valid(""));
    cr_assert_not(gw_idem_key_valid(NULL));
    cr_assert_not(gw_idem_key_valid("tab\there"));
    cr_assert_not(gw_idem_key_valid("caf\xc3\xa9"));
    char key[GW_IDEM_KEY_MAX + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    cr_assert_not(gw_idem_key_valid(key));
    key[GW_IDEM_KEY_MAX] = '\0';
    cr_assert(gw_idem_key_valid(key));
}

/* --- Authorization header and admin token minting --- */

Test(gateway_store, bearer_header_parsing)
{
    char out[64];
    cr_assert(gw_auth_bearer("Bearer hct_abc", out, sizeof out));
    cr_assert_str_eq(out, "hct_abc");
    cr_assert(gw_auth_bearer("  bearer\t hct_x  ", out, sizeof out));
    cr_assert_str_eq(out, "hct_x");
    cr_assert_not(gw_auth_bearer("Basic dXNlcjpwYXNz", out, sizeof out));
    cr_assert_not(gw_auth_bearer("Bearer", out, sizeof out));
    cr_assert_not(gw_auth_bearer("Bearer    ", out, sizeof out));
    cr_assert_not(gw_auth_bearer("Bearerhct_x", out, sizeof out));
    cr_assert_not(gw_auth_bearer(NULL, out, sizeof out));
    cr_assert_str_eq(out, "");
    char tiny[4];
    cr_assert_not(gw_auth_bearer("Bearer toolong", tiny, sizeof tiny));
}

static char *s_slurp(const char *path)
{
    FILE *file = fopen(path, "r");
    cr_assert_not_null(file, "cannot open %s", path);
    static char text[256];
    size_t size = fread(text, 1, sizeof text - 1, file);
    text[size] = '\0';
    fclose(file);
    return text;
}

Test(gateway_store, admin_token_minted_once_into_a_private_file)
{
    char path[160];
    snprintf(path, sizeof path, "%s/admin.token", s_dir);
    bool minted = false;
    hc_error err;
    cr_assert_eq(gw_auth_mint_admin(s_store, path, &minted, &err), HC_OK, "%s", err.message);
    cr_assert(minted);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
    char *text = s_slurp(path);
    char *newline = strchr(text, '\n');
    cr_assert_not_null(newline);
    *newline = '\0';
    gw_token found;
    cr_assert_eq(gw_store_token_find(s_store, text, &found), HC_OK);
    cr_assert_eq(found.role, HCAP__ROLE__ROLE_ADMIN);
    char copy[128];
    snprintf(copy, sizeof copy, "%s", text);

    cr_assert_eq(gw_auth_mint_admin(s_store, path, &minted, &err), HC_OK);
    cr_assert_not(minted, "an admin exists: nothing new");
    cr_assert_str_eq(strtok(s_slurp(path), "\n"), copy, "the file is left alone");
}

Test(gateway_store, admin_token_needs_a_path_and_a_writable_place)
{
    bool minted = true;
    hc_error err;
    cr_assert_eq(gw_auth_mint_admin(s_store, NULL, &minted, &err), HC_OK);
    cr_assert_not(minted);
    char path[160];
    snprintf(path, sizeof path, "%s/no/such/dir/admin.token", s_dir);
    cr_assert_neq(gw_auth_mint_admin(s_store, path, &minted, &err), HC_OK);
    cr_assert_not(minted);
    cr_assert_not(gw_store_admin_exists(s_store), "a token nobody can read is not kept");
}

Test(gateway_store, principal_from_token)
{
    gw_token token = {.id = "tok_1", .name = "ana", .role = HCAP__ROLE__ROLE_STAFF};
    Hcap__Principal principal;
    gw_auth_principal(&token, &principal);
    cr_assert_str_eq(principal.name, "ana");
    cr_assert_str_eq(principal.token_id, "tok_1");
    cr_assert_eq(principal.role, HCAP__ROLE__ROLE_STAFF);
}
