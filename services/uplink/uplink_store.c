/* uplink_store: the outbox's SQL. Rows are appended by the followers and
   leave only from the front, on central's ack: ids are contiguous from
   the oldest pending row to the newest, so counts are id differences. */
#include "uplink_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "hc_query.h"

#define S_FORWARDED_KEY "uplink_forwarded"
#define S_LAST_ACK_KEY  "uplink_last_ack_at"

int upl_store_outbox_add(hc_store *store, const Hcap__Event *event, double queued_at, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        "INSERT INTO outbox (source, epoch, seq, occurred_at, type, body, queued_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, event->source);
    hc_query_bind_text(stmt, 2, event->epoch);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64)event->seq);
    hc_query_bind_text(stmt, 4, event->occurred_at);
    hc_query_bind_text(stmt, 5, event->type);
    sqlite3_bind_blob(stmt, 6, event->body.len ? event->body.data : (const void *)"",
                      (int)event->body.len, SQLITE_STATIC);
    sqlite3_bind_double(stmt, 7, queued_at);
    return hc_query_write(store, stmt, "outbox", NULL, err);
}

/* The event of the statement's row (columns 1..6) in arena; NULL when
   memory is exhausted. */
static Hcap__Event *s_event_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    Hcap__Event *e = (Hcap__Event *)hc_arena_message(arena, &hcap__event__descriptor);
    if (!e)
        return NULL;
    e->source = hc_arena_strdup(arena, (const char *)sqlite3_column_text(stmt, 1));
    e->epoch = hc_arena_strdup(arena, (const char *)sqlite3_column_text(stmt, 2));
    e->seq = (uint64_t)sqlite3_column_int64(stmt, 3);
    e->occurred_at = hc_arena_strdup(arena, (const char *)sqlite3_column_text(stmt, 4));
    e->type = hc_arena_strdup(arena, (const char *)sqlite3_column_text(stmt, 5));
    size_t len = (size_t)sqlite3_column_bytes(stmt, 6);
    e->body.data = hc_arena_alloc(arena, len ? len : 1);
    if (!e->source || !e->epoch || !e->occurred_at || !e->type || !e->body.data)
        return NULL;
    if (len)
        memcpy(e->body.data, sqlite3_column_blob(stmt, 6), len);
    e->body.len = len;
    return e;
}

/* The bytes e takes as one element of a repeated field: a one-byte tag,
   its length as a varint, its body. */
static size_t s_framed_size(const Hcap__Event *e)
{
    size_t len = protobuf_c_message_get_packed_size(&e->base), varint = 1;
    for (size_t v = len; v >= 0x80; v >>= 7)
        varint++;
    return 1 + varint + len;
}

int upl_store_outbox_read(hc_store *store, size_t max_events, size_t max_bytes, hc_arena *arena,
                          Hcap__Event ***events, size_t *count, uint64_t *last_id, hc_error *err)
{
    *events = NULL;
    *count = 0;
    *last_id = 0;
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        "SELECT id, source, epoch, seq, occurred_at, type, body FROM outbox ORDER BY id LIMIT ?1",
        err);
    if (!stmt)
        return HC_INTERNAL;
    Hcap__Event **list = hc_arena_alloc(arena, (max_events ? max_events : 1) * sizeof *list);
    if (!list)
        return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)max_events);
    size_t bytes = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        Hcap__Event *e = s_event_row(stmt, arena);
        if (!e) {
            sqlite3_reset(stmt);
            return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        }
        size_t size = s_framed_size(e);
        if (*count && bytes + size > max_bytes)
            break;
        bytes += size;
        list[(*count)++] = e;
        *last_id = (uint64_t)sqlite3_column_int64(stmt, 0);
    }
    int code = rc == SQLITE_ROW || rc == SQLITE_DONE ? HC_OK : hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    *events = list;
    return code;
}

/* value + delta as the text of hc_meta key. */
static int s_meta_add(hc_store *store, const char *key, uint64_t delta, hc_error *err)
{
    char *old = hc_store_meta_get(store, key);
    uint64_t value = old ? strtoull(old, NULL, 10) : 0;
    free(old);
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, value + delta);
    return hc_store_meta_set(store, key, text, err);
}

/* Raises each log's acked seq by the rows up to last_id (a log on a new
   epoch starts again from its rows). Rows go in id order, so a log's
   newest epoch is written last. */
static int s_acked_raise(hc_store *store, uint64_t last_id, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        "INSERT INTO acked (source, epoch, seq) SELECT source, epoch, max(seq) FROM outbox"
        " WHERE id <= ?1 GROUP BY source, epoch ORDER BY max(id)"
        " ON CONFLICT (source) DO UPDATE SET epoch = excluded.epoch,"
        " seq = iif(epoch = excluded.epoch, max(seq, excluded.seq), excluded.seq)",
        err);
    if (!stmt)
        return HC_INTERNAL;
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)last_id);
    return hc_query_write(store, stmt, "batch", NULL, err);
}

int upl_store_acked_seq(hc_store *store, const char *source, const char *epoch, uint64_t *seq,
                        hc_error *err)
{
    *seq = 0;
    sqlite3_stmt *stmt =
        hc_query_prepare(store, "SELECT seq FROM acked WHERE source = ?1 AND epoch = ?2", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, source);
    hc_query_bind_text(stmt, 2, epoch);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *seq = (uint64_t)sqlite3_column_int64(stmt, 0);
    int code = rc == SQLITE_ROW || rc == SQLITE_DONE ? HC_OK : hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    return code;
}

int upl_store_acked_forget(hc_store *store, hc_error *err)
{
    return hc_store_exec(store, "DELETE FROM acked", err);
}

int upl_store_outbox_acked(hc_store *store, uint64_t last_id, const char *acked_at,
                           uint64_t *deleted, hc_error *err)
{
    *deleted = 0;
    int rc = hc_store_begin(store, err);
    if (rc == HC_OK && (rc = s_acked_raise(store, last_id, err)) != HC_OK)
        hc_store_rollback(store);
    if (rc != HC_OK)
        return rc;
    sqlite3_stmt *stmt = hc_query_prepare(store, "DELETE FROM outbox WHERE id <= ?1", err);
    if (!stmt) {
        hc_store_rollback(store);
        return HC_INTERNAL;
    }
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)last_id);
    rc = hc_query_write(store, stmt, "batch", NULL, err);
    if (rc == HC_OK)
        *deleted = (uint64_t)sqlite3_changes(hc_store_db(store));
    if (rc == HC_OK && (rc = s_meta_add(store, S_FORWARDED_KEY, *deleted, err)) == HC_OK &&
        (rc = hc_store_meta_set(store, S_LAST_ACK_KEY, acked_at, err)) == HC_OK)
        rc = hc_store_commit(store, err);
    if (rc != HC_OK) {
        hc_store_rollback(store);
        *deleted = 0;
    }
    return rc;
}

/* Column 0 (and 1) of the one row of sql, left 0 when there is none. */
static int s_row(hc_store *store, const char *sql, int64_t *a, double *b, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store, sql, err);
    if (!stmt)
        return HC_INTERNAL;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *a = sqlite3_column_int64(stmt, 0);
        if (b)
            *b = sqlite3_column_double(stmt, 1);
    }
    int code = rc == SQLITE_ROW || rc == SQLITE_DONE ? HC_OK : hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    return code;
}

int upl_store_outbox_stats(hc_store *store, upl_outbox_stats *stats, hc_error *err)
{
    memset(stats, 0, sizeof *stats);
    int64_t head = 0, oldest = 0;
    int rc =
        s_row(store, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'", &head, NULL, err);
    if (rc == HC_OK)
        rc = s_row(store, "SELECT id, queued_at FROM outbox ORDER BY id LIMIT 1", &oldest,
                   &stats->oldest_queued_at, err);
    if (rc != HC_OK)
        return rc;
    stats->head = (uint64_t)head;
    stats->acked = oldest ? (uint64_t)oldest - 1 : stats->head;
    stats->pending = stats->head - stats->acked;
    char *forwarded = hc_store_meta_get(store, S_FORWARDED_KEY);
    char *last_ack = hc_store_meta_get(store, S_LAST_ACK_KEY);
    stats->forwarded = forwarded ? strtoull(forwarded, NULL, 10) : 0;
    snprintf(stats->last_ack_at, sizeof stats->last_ack_at, "%s", last_ack ? last_ack : "");
    free(forwarded);
    free(last_ack);
    return HC_OK;
}
