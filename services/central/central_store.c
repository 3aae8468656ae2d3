/* central_store: the hub's only SQL. Statements are string literals cached
   by hc_store_stmt; every value is a bound parameter. */
#include "central_store.h"

#include <string.h>
#include <sqlite3.h>
#include "hc_query.h"

int cen_store_received_add(hc_store *store, const char *source, const char *epoch, uint64_t seq,
                           bool *added, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "INSERT INTO received (source, epoch, seq) "
                                          "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, source);
    hc_query_bind_text(stmt, 2, epoch);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64)seq);
    int rc = hc_query_write(store, stmt, "events", NULL, err);
    *added = rc == HC_OK && sqlite3_changes(hc_store_db(store)) == 1;
    return rc;
}

int cen_store_received_max(hc_store *store, const char *source, const char *epoch, uint64_t *seq,
                           hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "SELECT coalesce(max(seq), 0) FROM received WHERE source = ?1 AND epoch = ?2", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, source);
    hc_query_bind_text(stmt, 2, epoch);
    int rc = sqlite3_step(stmt);
    *seq = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(stmt, 0) : 0;
    int code = rc == SQLITE_ROW ? HC_OK : hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    return code;
}

int cen_store_node_count(hc_store *store, const char *node, const char *seen_at, uint64_t events,
                         uint64_t duplicates, hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_query_prepare(store,
                         "INSERT INTO nodes (node, last_seen, events, duplicates, batches) "
                         "VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (node) DO UPDATE SET "
                         "last_seen = excluded.last_seen, events = events + excluded.events, "
                         "duplicates = duplicates + excluded.duplicates, batches = batches + 1",
                         err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, node);
    hc_query_bind_text(stmt, 2, seen_at);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64)events);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)duplicates);
    return hc_query_write(store, stmt, "node", NULL, err);
}

/* The columns of a nodes row, named as the NodeStatus fields they fill. */
#define S_NODE_COLS "node, last_seen, events, duplicates, batches, seconds_since_seen"

int cen_store_nodes(hc_store *store, hc_arena *arena, Hcap__NodeStatus ***items, size_t *count,
                    hc_error *err)
{
    *items = NULL;
    *count = 0;
    sqlite3_stmt *stmt =
        hc_query_prepare(store,
                         "SELECT node, last_seen, events, duplicates, batches, "
                         "MAX(0.0, (julianday('now') - julianday(last_seen)) * 86400.0) "
                         "FROM nodes ORDER BY node",
                         err);
    if (!stmt)
        return HC_INTERNAL;
    size_t capacity = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            Hcap__NodeStatus **grown = hc_arena_alloc(arena, capacity * sizeof *grown);
            if (!grown)
                break;
            if (*count)
                memcpy(grown, *items, *count * sizeof *grown);
            *items = grown;
        }
        (*items)[(*count)++] = (Hcap__NodeStatus *)hc_query_row(
            stmt, &hcap__node_status__descriptor, S_NODE_COLS, arena);
    }
    int code = rc == SQLITE_DONE  ? HC_OK
               : rc == SQLITE_ROW ? hc_error_set(err, HC_INTERNAL, NULL, "out of memory")
                                  : hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    return code;
}
