/* hc_query: statement helpers shared by every <svc>_store.c (contracts in
   hc_query.h). */
#include "hc_query.h"

#include <assert.h>
#include <jansson.h>
#include <sqlite3.h>
#include <string.h>

sqlite3_stmt *hc_query_prepare(hc_store *store, const char *sql, hc_error *err)
{
    sqlite3_stmt *stmt = hc_store_stmt(store, sql);
    if (!stmt)
        hc_error_set(err, HC_INTERNAL, NULL, "statement does not compile");
    return stmt;
}

void hc_query_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    if (text)
        sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, index);
}

int hc_query_write(hc_store *store, sqlite3_stmt *stmt, const char *field, const char *not_found,
                   hc_error *err)
{
    int rc = sqlite3_step(stmt);
    int code = HC_OK;
    if (rc != SQLITE_DONE)
        code = hc_store_error(store, rc, field, err);
    else if (not_found && sqlite3_changes(hc_store_db(store)) == 0)
        code = hc_error_set(err, HC_NOT_FOUND, not_found, "not found");
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

int hc_query_found(hc_store *store, sqlite3_stmt *stmt, bool *found, hc_error *err)
{
    int rc = sqlite3_step(stmt);
    int code = HC_OK;
    *found = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        code = hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

int hc_query_exists(hc_store *store, const char *sql, const char *id, const char *field,
                    const char *what, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store, sql, err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, id);
    bool found = false;
    int code = hc_query_found(store, stmt, &found, err);
    if (code == HC_OK && !found)
        code = hc_error_set(err, HC_NOT_FOUND, field, "%s %s not found", what, id ? id : "");
    return code;
}

static int s_one(hc_store *store, sqlite3_stmt *stmt, hc_query_row_fn *row, hc_arena *arena,
                 void **out, const char *field, const char *id, hc_error *err)
{
    int rc = sqlite3_step(stmt);
    int code = HC_OK;
    if (rc == SQLITE_ROW)
        *out = row(stmt, arena);
    else if (rc != SQLITE_DONE)
        code = hc_store_error(store, rc, NULL, err);
    else if (field)
        code = hc_error_set(err, HC_NOT_FOUND, field, "%s %s not found", field, id ? id : "");
    else
        code = HC_NOT_FOUND;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

static int s_many(hc_store *store, sqlite3_stmt *stmt, hc_query_row_fn *row, uint32_t limit,
                  hc_arena *arena, void ***items, size_t *count, char **next, hc_error *err)
{
    void **list = hc_arena_alloc(arena, sizeof(void *) * (limit + 1));
    const char *last = NULL;
    size_t n = 0;
    int rc, code = HC_OK;
    *next = NULL;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n == limit) {
            *next = hc_arena_strdup(arena, last);
            break;
        }
        list[n] = row(stmt, arena);
        last = (const char *)sqlite3_column_text(stmt, 0);
        last = hc_arena_strdup(arena, last);
        n++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        code = hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    *items = list;
    *count = n;
    return code;
}

void hc_query_bind_page(sqlite3_stmt *stmt, int after_index, const hc_page *page)
{
    hc_query_bind_text(stmt, after_index, page->after ? page->after : "");
    sqlite3_bind_int64(stmt, after_index + 1, (int64_t)page->limit + 1);
}

int hc_query_get(hc_store *store, const char *sql, hc_query_row_fn *row, const char *id,
                 const char *field, hc_arena *arena, void **out, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store, sql, err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, id);
    return s_one(store, stmt, row, arena, out, field, id, err);
}

/* sql prepared with the page bound to ?1 and ?2 and key to ?3; NULL (err
   set) when it does not compile. */
static sqlite3_stmt *s_page_stmt(hc_store *store, const char *sql, const hc_page *page,
                                 const char *key, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store, sql, err);
    if (stmt) {
        hc_query_bind_page(stmt, 1, page);
        hc_query_bind_text(stmt, 3, key);
    }
    return stmt;
}

/* Sets the list message's items, n_items and next, found by name so one
   function serves every <Entity>List. */
static void s_list_set(ProtobufCMessage *list, void **items, size_t count, char *next)
{
    const ProtobufCMessageDescriptor *desc = list->descriptor;
    const ProtobufCFieldDescriptor *f_items =
        protobuf_c_message_descriptor_get_field_by_name(desc, "items");
    const ProtobufCFieldDescriptor *f_next =
        protobuf_c_message_descriptor_get_field_by_name(desc, "next");
    assert(f_items && f_items->label == PROTOBUF_C_LABEL_REPEATED &&
           f_items->type == PROTOBUF_C_TYPE_MESSAGE);
    assert(f_next && f_next->label != PROTOBUF_C_LABEL_REPEATED &&
           f_next->type == PROTOBUF_C_TYPE_STRING);
    char *base = (char *)list;
    *(size_t *)(base + f_items->quantifier_offset) = count;
    *(void ***)(base + f_items->offset) = items;
    *(char **)(base + f_next->offset) = next;
}

int hc_query_list(hc_store *store, sqlite3_stmt *stmt, hc_query_row_fn *row, const hc_page *page,
                  hc_arena *arena, ProtobufCMessage *list, hc_error *err)
{
    void **items = NULL;
    size_t count = 0;
    char *next = NULL;
    int code = s_many(store, stmt, row, page->limit, arena, &items, &count, &next, err);
    s_list_set(list, items, count, next);
    return code;
}

int hc_query_page_list(hc_store *store, const char *sql, hc_query_row_fn *row, const hc_page *page,
                       const char *key, hc_arena *arena, ProtobufCMessage *list, hc_error *err)
{
    sqlite3_stmt *stmt = s_page_stmt(store, sql, page, key, err);
    if (!stmt)
        return HC_INTERNAL;
    return hc_query_list(store, stmt, row, page, arena, list, err);
}

int hc_query_write_message(hc_store *store, const char *sql, const ProtobufCMessage *msg,
                           const char *columns, const char *field, const char *not_found,
                           hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store, sql, err);
    if (!stmt)
        return HC_INTERNAL;
    hc_store_bind_message(stmt, 1, msg, columns);
    return hc_query_write(store, stmt, field, not_found, err);
}

ProtobufCMessage *hc_query_row(sqlite3_stmt *stmt, const ProtobufCMessageDescriptor *desc,
                               const char *columns, hc_arena *arena)
{
    ProtobufCMessage *msg = hc_arena_message(arena, desc);
    hc_store_read_message(stmt, 0, msg, columns, arena);
    return msg;
}

int hc_query_events_each(hc_store *store, hc_query_event_fn *fn, void *arg, hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_query_prepare(store, "SELECT seq, type, subject, body FROM events ORDER BY seq", err);
    if (!stmt)
        return HC_INTERNAL;
    int rc, code = HC_OK;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        fn(arg, (uint64_t)sqlite3_column_int64(stmt, 0), (const char *)sqlite3_column_text(stmt, 1),
           (const char *)sqlite3_column_text(stmt, 2), sqlite3_column_blob(stmt, 3),
           (size_t)sqlite3_column_bytes(stmt, 3));
    if (rc != SQLITE_DONE)
        code = hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    return code;
}

void hc_query_read_codes(sqlite3_stmt *stmt, int col, hc_arena *arena, char ***codes, size_t *n)
{
    *codes = NULL;
    *n = 0;
    const char *text = (const char *)sqlite3_column_text(stmt, col);
    json_t *array = text ? json_loads(text, 0, NULL) : NULL;
    if (json_is_array(array) && json_array_size(array) > 0) {
        *codes = hc_arena_alloc(arena, json_array_size(array) * sizeof **codes);
        for (size_t i = 0; i < json_array_size(array); i++) {
            const char *code = json_string_value(json_array_get(array, i));
            if (code)
                (*codes)[(*n)++] = hc_arena_strdup(arena, code);
        }
    }
    json_decref(array);
}

int hc_query_texts(hc_store *store, sqlite3_stmt *stmt, hc_arena *arena, char ***out, size_t *count,
                   hc_error *err)
{
    size_t capacity = 0;
    int rc, code = HC_OK;
    *out = NULL;
    *count = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*count == capacity) {
            capacity = capacity ? 2 * capacity : 8;
            char **grown = hc_arena_alloc(arena, capacity * sizeof *grown);
            if (*count)
                memcpy(grown, *out, *count * sizeof *grown);
            *out = grown;
        }
        (*out)[(*count)++] = hc_arena_strdup(arena, (const char *)sqlite3_column_text(stmt, 0));
    }
    if (rc != SQLITE_DONE)
        code = hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}
