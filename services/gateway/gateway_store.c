/* gateway_store: tokens and idempotent replies in DIR/gateway.db; the only
   file of the gateway that speaks SQL. Tokens are only ever inserted (never
   changed or deleted), so the ones found are kept in memory by hash: a
   request's token costs a hash, not a read transaction. */
#include "gateway_store.h"

#include <assert.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>
#include "hc_log.h"
#include "hc_store.h"
#include "hc_time.h"
#include "hcap.pb-c.h"

extern const hc_migration gateway_migrations[];

#define S_TOKENS_KEPT 4096 /* found tokens kept; past that the cache starts over */

struct _gw_store {
    hc_store *store;
    zhashx_t *tokens; /* token hash -> gw_token (malloc'd) */
};

static void s_token_free(void **item)
{
    free(*item);
    *item = NULL;
}

gw_store *gw_store_open(const char *path, hc_error *err)
{
    assert(path);
    hc_store *store = hc_store_open(path, gateway_migrations, err);
    if (!store)
        return NULL;
    gw_store *self = calloc(1, sizeof *self);
    if (!self) {
        hc_store_destroy(&store);
        hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    self->store = store;
    self->tokens = zhashx_new();
    assert(self->tokens);
    zhashx_set_destructor(self->tokens, s_token_free);
    return self;
}

void gw_store_destroy(gw_store **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_store *self = *self_p;
    hc_store_destroy(&self->store);
    zhashx_destroy(&self->tokens);
    free(self);
    *self_p = NULL;
}

int gw_store_begin(gw_store *self, hc_error *err)
{
    assert(self);
    return hc_store_begin(self->store, err);
}

int gw_store_commit(gw_store *self, hc_error *err)
{
    assert(self);
    return hc_store_commit(self->store, err);
}

void gw_store_rollback(gw_store *self)
{
    assert(self);
    hc_store_rollback(self->store);
}

/* Steps a write statement once; HC_OK or the mapped error. */
static int s_step_done(gw_store *self, sqlite3_stmt *stmt, const char *field, hc_error *err)
{
    if (!stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "statement did not compile");
    int rc = sqlite3_step(stmt);
    int code = rc == SQLITE_DONE ? HC_OK : hc_store_error(self->store, rc, field, err);
    sqlite3_reset(stmt);
    return code;
}

static bool s_role_valid(int role)
{
    return role == HCAP__ROLE__ROLE_ADMIN || role == HCAP__ROLE__ROLE_STAFF ||
           role == HCAP__ROLE__ROLE_MENTOR || role == HCAP__ROLE__ROLE_ANALYST;
}

int gw_store_token_create(gw_store *self, int role, const char *name, char token[HC_TOKEN_SIZE],
                          gw_token *out, hc_error *err)
{
    assert(self);
    if (!s_role_valid(role))
        return hc_error_set(err, HC_INVALID_ARGUMENT, "role",
                            "role must be one of admin, staff, "
                            "mentor, analyst");
    size_t length = name ? strlen(name) : 0;
    if (length == 0 || length > GW_TOKEN_NAME_MAX)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "name", "name must be 1 to %d bytes",
                            GW_TOKEN_NAME_MAX);
    char hash[HC_TOKEN_HASH_SIZE], now[HC_TIMESTAMP_SIZE];
    hc_auth_token_new(token);
    hc_auth_token_hash(token, hash);
    hc_now_rfc3339(now);
    memset(out, 0, sizeof *out);
    hc_id_new("tok", out->id);
    memcpy(out->name, name, length + 1);
    out->role = role;
    memcpy(out->created_at, now, sizeof out->created_at);
    sqlite3_stmt *stmt = hc_store_stmt(self->store, "INSERT INTO tokens (id, hash, name, role, "
                                                    "created_at) VALUES (?, ?, ?, ?, ?)");
    if (stmt) {
        sqlite3_bind_text(stmt, 1, out->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_int(stmt, 4, role);
        sqlite3_bind_text(stmt, 5, now, -1, SQLITE_STATIC);
    }
    int code = s_step_done(self, stmt, NULL, err);
    if (code != HC_OK)
        memset(token, 0, HC_TOKEN_SIZE);
    return code;
}

/* Keeps a found token; out of memory only means it is read again. */
static void s_token_keep(gw_store *self, const char *hash, const gw_token *token)
{
    if (zhashx_size(self->tokens) >= S_TOKENS_KEPT)
        zhashx_purge(self->tokens);
    gw_token *copy = malloc(sizeof *copy);
    if (!copy)
        return;
    *copy = *token;
    if (zhashx_insert(self->tokens, hash, copy) != 0)
        free(copy);
}

#define S_TOKEN_COLS "id, name, role, created_at, coalesce(revoked_at, '')"

/* A row of S_TOKEN_COLS into out. */
static void s_token_row(sqlite3_stmt *stmt, gw_token *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(stmt, 0));
    snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(stmt, 1));
    out->role = sqlite3_column_int(stmt, 2);
    snprintf(out->created_at, sizeof out->created_at, "%s",
             (const char *)sqlite3_column_text(stmt, 3));
    snprintf(out->revoked_at, sizeof out->revoked_at, "%s",
             (const char *)sqlite3_column_text(stmt, 4));
}

int gw_store_token_find(gw_store *self, const char *token, gw_token *out)
{
    assert(self);
    if (!token || !*token)
        return HC_NOT_FOUND;
    char hash[HC_TOKEN_HASH_SIZE];
    hc_auth_token_hash(token, hash);
    const gw_token *kept = zhashx_lookup(self->tokens, hash);
    if (kept) {
        *out = *kept;
        return HC_OK;
    }
    sqlite3_stmt *stmt = hc_store_stmt(
        self->store, "SELECT " S_TOKEN_COLS " FROM tokens WHERE hash = ? AND revoked_at IS NULL");
    if (!stmt)
        return HC_INTERNAL;
    sqlite3_bind_text(stmt, 1, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    int code = rc == SQLITE_ROW ? HC_OK : rc == SQLITE_DONE ? HC_NOT_FOUND : HC_INTERNAL;
    if (code == HC_OK) {
        s_token_row(stmt, out);
        s_token_keep(self, hash, out);
    } else if (code == HC_INTERNAL)
        hc_log_error("token_lookup_failed", "rc=%d", rc);
    sqlite3_reset(stmt);
    return code;
}

/* The token row of id into out: HC_OK, HC_NOT_FOUND naming "id", or a
   database error. */
static int s_token_by_id(gw_store *self, const char *id, gw_token *out, hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_store_stmt(self->store, "SELECT " S_TOKEN_COLS " FROM tokens WHERE id = ?");
    if (!stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "statement did not compile");
    sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    int code = HC_OK;
    if (rc == SQLITE_ROW)
        s_token_row(stmt, out);
    else if (rc == SQLITE_DONE)
        code = hc_error_set(err, HC_NOT_FOUND, "id", "no token %.64s", id);
    else
        code = hc_store_error(self->store, rc, NULL, err);
    sqlite3_reset(stmt);
    return code;
}

/* Live admin tokens other than id. */
static int s_other_admins(gw_store *self, const char *id)
{
    sqlite3_stmt *stmt = hc_store_stmt(self->store, "SELECT count(*) FROM tokens WHERE role = ? "
                                                    "AND revoked_at IS NULL AND id <> ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int(stmt, 1, HCAP__ROLE__ROLE_ADMIN);
    sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
    int count = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_reset(stmt);
    return count;
}

int gw_store_token_revoke(gw_store *self, const char *id, gw_token *out, hc_error *err)
{
    assert(self && id && out);
    int rc = s_token_by_id(self, id, out, err);
    if (rc != HC_OK || out->revoked_at[0])
        return rc;
    if (out->role == HCAP__ROLE__ROLE_ADMIN && s_other_admins(self, id) == 0)
        return hc_error_set(err, HC_FAILED_PRECONDITION, "id",
                            "%s is the last admin token: create another admin token first", id);
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    sqlite3_stmt *stmt =
        hc_store_stmt(self->store, "UPDATE tokens SET revoked_at = ? WHERE id = ?");
    if (stmt) {
        sqlite3_bind_text(stmt, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
    }
    if ((rc = s_step_done(self, stmt, NULL, err)) != HC_OK)
        return rc;
    memcpy(out->revoked_at, now, sizeof out->revoked_at);
    /* kept by hash, which the id does not give: forget them all, they are
       read again on their next use */
    zhashx_purge(self->tokens);
    return HC_OK;
}

int gw_store_token_each(gw_store *self, const char *after, uint32_t limit,
                        void (*fn)(void *arg, const gw_token *token), void *arg, hc_error *err)
{
    assert(self && fn);
    sqlite3_stmt *stmt = hc_store_stmt(
        self->store, "SELECT " S_TOKEN_COLS " FROM tokens WHERE id > ? ORDER BY id LIMIT ?");
    if (!stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "statement did not compile");
    sqlite3_bind_text(stmt, 1, after ? after : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, limit);
    int rc;
    gw_token token;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        s_token_row(stmt, &token);
        fn(arg, &token);
    }
    int code = rc == SQLITE_DONE ? HC_OK : hc_store_error(self->store, rc, NULL, err);
    sqlite3_reset(stmt);
    return code;
}

bool gw_store_admin_exists(gw_store *self)
{
    assert(self);
    sqlite3_stmt *stmt = hc_store_stmt(
        self->store, "SELECT 1 FROM tokens WHERE role = ? AND revoked_at IS NULL LIMIT 1");
    if (!stmt)
        return false;
    sqlite3_bind_int(stmt, 1, HCAP__ROLE__ROLE_ADMIN);
    bool exists = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_reset(stmt);
    return exists;
}

int gw_store_reply_find(gw_store *self, const char *key, gw_stored_reply *out)
{
    assert(self);
    assert(key);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt =
        hc_store_stmt(self->store, "SELECT route, status, body FROM idempotency WHERE key = ?");
    if (!stmt)
        return HC_INTERNAL;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    int code = rc == SQLITE_ROW ? HC_OK : rc == SQLITE_DONE ? HC_NOT_FOUND : HC_INTERNAL;
    if (code == HC_OK) {
        snprintf(out->route, sizeof out->route, "%s", (const char *)sqlite3_column_text(stmt, 0));
        out->status = sqlite3_column_int(stmt, 1);
        const void *blob = sqlite3_column_blob(stmt, 2);
        out->size = (size_t)sqlite3_column_bytes(stmt, 2);
        out->body = malloc(out->size + 1);
        if (!out->body)
            code = HC_INTERNAL;
        else {
            if (out->size)
                memcpy(out->body, blob, out->size);
            out->body[out->size] = '\0';
        }
    }
    sqlite3_reset(stmt);
    return code;
}

int gw_store_reply_save(gw_store *self, const char *key, const char *route, int status,
                        const char *body, size_t size, hc_error *err)
{
    assert(self);
    assert(key);
    assert(route);
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    sqlite3_stmt *stmt = hc_store_stmt(self->store, "INSERT OR IGNORE INTO idempotency (key, "
                                                    "route, status, body, created_at) VALUES (?, "
                                                    "?, ?, ?, ?)");
    if (stmt) {
        sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, route, -1, SQLITE_STATIC);
        sqlite3_bind_int(stmt, 3, status);
        sqlite3_bind_blob(stmt, 4, body ? body : "", (int)size, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 5, now, -1, SQLITE_STATIC);
    }
    return s_step_done(self, stmt, NULL, err);
}

int gw_store_reply_forget(gw_store *self, const char *text)
{
    assert(self);
    if (!text || !*text)
        return 0;
    sqlite3_stmt *stmt =
        hc_store_stmt(self->store, "DELETE FROM idempotency WHERE instr(body, ?) > 0");
    if (!stmt)
        return -1;
    sqlite3_bind_blob(stmt, 1, text, (int)strlen(text), SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return -1;
    return sqlite3_changes(hc_store_db(self->store));
}

void gw_store_reply_clear(gw_stored_reply *reply)
{
    if (!reply)
        return;
    free(reply->body);
    reply->body = NULL;
    reply->size = 0;
}

int gw_store_reply_prune(gw_store *self, const char *before)
{
    assert(self);
    assert(before);
    sqlite3_stmt *stmt = hc_store_stmt(self->store, "DELETE FROM idempotency WHERE created_at < ?");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, before, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return -1;
    return sqlite3_changes(hc_store_db(self->store));
}
