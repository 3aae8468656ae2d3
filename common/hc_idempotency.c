/* hc_idempotency: recorded replies for idempotency keys, in the service's
   own store, written inside the request's savepoint. */
#include "hc_idempotency.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include "hc_time.h"

#define S_SQL_CREATE                                                                               \
    "CREATE TABLE IF NOT EXISTS hc_idempotency (key TEXT PRIMARY KEY, method TEXT NOT NULL,"       \
    " body BLOB, created_at TEXT NOT NULL)"
#define S_SQL_FIND "SELECT method, body FROM hc_idempotency WHERE key = ?1"
#define S_SQL_RECORD                                                                               \
    "INSERT INTO hc_idempotency (key, method, body, created_at) VALUES (?1, ?2, ?3, ?4)"
#define S_SQL_HOLDING "SELECT key, method, body FROM hc_idempotency WHERE instr(body, ?1) > 0"
#define S_SQL_REPLACE "UPDATE hc_idempotency SET body = ?2 WHERE key = ?1"

int hc_idempotency_open(hc_store *store, hc_error *err)
{
    return hc_store_exec(store, S_SQL_CREATE, err);
}

static sqlite3_stmt *s_stmt(hc_store *store, const char *sql, hc_error *err)
{
    sqlite3_stmt *stmt = hc_store_stmt(store, sql);
    if (!stmt)
        hc_error_set(err, HC_INTERNAL, NULL, "cannot prepare an idempotency statement");
    return stmt;
}

/* Copies the current row's body column into arena. -1 on out-of-memory. */
static int s_copy_body(sqlite3_stmt *stmt, int column, hc_arena *arena, const uint8_t **body,
                       size_t *size, hc_error *err)
{
    *size = (size_t)sqlite3_column_bytes(stmt, column);
    uint8_t *copy = hc_arena_alloc(arena, *size + 1);
    if (!copy) {
        hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory replaying a reply");
        return -1;
    }
    if (*size)
        memcpy(copy, sqlite3_column_blob(stmt, column), *size);
    *body = copy;
    return 1;
}

int hc_idempotency_find(hc_store *store, const char *key, const char *method, hc_arena *arena,
                        const uint8_t **body, size_t *size, hc_error *err)
{
    sqlite3_stmt *stmt = s_stmt(store, S_SQL_FIND, err);
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt), found;
    if (rc == SQLITE_DONE)
        found = 0;
    else if (rc != SQLITE_ROW) {
        hc_store_error(store, rc, NULL, err);
        found = -1;
    } else {
        const char *used = (const char *)sqlite3_column_text(stmt, 0);
        if (!used || strcmp(used, method) != 0) {
            hc_error_set(err, HC_INVALID_ARGUMENT, "idempotency_key",
                         "idempotency key already used for %s", used ? used : "another method");
            found = -1;
        } else
            found = s_copy_body(stmt, 1, arena, body, size, err);
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return found;
}

int hc_idempotency_record(hc_store *store, const char *key, const char *method, const uint8_t *body,
                          size_t size, hc_error *err)
{
    sqlite3_stmt *stmt = s_stmt(store, S_SQL_RECORD, err);
    if (!stmt)
        return HC_INTERNAL;
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, method, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(stmt, 3, size ? (const void *)body : "", size, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc == SQLITE_DONE ? HC_OK : hc_store_error(store, rc, "idempotency_key", err);
}

/* One reply found by a scan, kept until the scan's statement is done. */
typedef struct s_found {
    char *key;
    uint8_t *body;
    size_t size;
    struct s_found *next;
} s_found;

static void s_found_free(s_found *found)
{
    while (found) {
        s_found *next = found->next;
        free(found->key);
        free(found->body);
        free(found);
        found = next;
    }
}

/* Asks rewrite about the current row; prepends what changes to *list. */
static int s_consider(sqlite3_stmt *stmt, hc_idempotency_rewrite_fn *rewrite, void *arg,
                      s_found **list)
{
    s_found *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    const char *method = (const char *)sqlite3_column_text(stmt, 1);
    if (rewrite(arg, method ? method : "", sqlite3_column_blob(stmt, 2),
                (size_t)sqlite3_column_bytes(stmt, 2), &f->body, &f->size) != 0) {
        free(f);
        return -1;
    }
    if (!f->body) {
        free(f);
        return 0;
    }
    f->key = strdup((const char *)sqlite3_column_text(stmt, 0));
    f->next = *list;
    *list = f;
    return f->key ? 0 : -1;
}

/* Writes the new bodies. */
static int s_replace(hc_store *store, s_found *list, hc_error *err)
{
    for (; list; list = list->next) {
        sqlite3_stmt *stmt = s_stmt(store, S_SQL_REPLACE, err);
        if (!stmt)
            return HC_INTERNAL;
        sqlite3_bind_text(stmt, 1, list->key, -1, SQLITE_STATIC);
        sqlite3_bind_blob64(stmt, 2, list->size ? (const void *)list->body : "", list->size,
                            SQLITE_STATIC);
        int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        if (rc != SQLITE_DONE)
            return hc_store_error(store, rc, NULL, err);
    }
    return HC_OK;
}

int hc_idempotency_rewrite(hc_store *store, const char *needle, hc_idempotency_rewrite_fn *rewrite,
                           void *arg, hc_error *err)
{
    sqlite3_stmt *stmt = s_stmt(store, S_SQL_HOLDING, err);
    if (!stmt)
        return HC_INTERNAL;
    /* a blob needle makes instr compare bytes: the bodies are protobuf */
    sqlite3_bind_blob(stmt, 1, needle, (int)strlen(needle), SQLITE_STATIC);
    s_found *list = NULL;
    int rc, code = HC_OK;
    while (code == HC_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        if (s_consider(stmt, rewrite, arg, &list) != 0)
            code = hc_error_set(err, HC_INTERNAL, NULL, "cannot rewrite a recorded reply");
    if (code == HC_OK && rc != SQLITE_DONE)
        code = hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (code == HC_OK)
        code = s_replace(store, list, err);
    s_found_free(list);
    return code;
}
