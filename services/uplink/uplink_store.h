/* uplink_store: the outbox (sql/001_init.sql) of pseudonymized events
   waiting for central's ack, and what the uplink remembers of its acks
   (hc_meta, and per log in sql/002_acked.sql). The only SQL of the uplink. */
#ifndef UPLINK_STORE_H
#define UPLINK_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hc_store.h"
#include "hc_time.h"
#include "hcap.pb-c.h"

/* Where the outbox stands. */
typedef struct {
    uint64_t pending;                    /* rows waiting for an ack */
    uint64_t head;                       /* the last id ever queued; 0 before the first */
    uint64_t acked;                      /* the last id acked (every id up to it left) */
    double oldest_queued_at;             /* unix seconds of the oldest pending row; 0 when none */
    uint64_t forwarded;                  /* rows acked since the outbox began */
    char last_ack_at[HC_TIMESTAMP_SIZE]; /* RFC 3339 of the last ack; "" before one */
} upl_outbox_stats;

/* Appends event (its body already rewritten) with queued_at (unix
   seconds), inside the caller's transaction. HC_OK or the mapped SQLite
   error. */
int upl_store_outbox_add(hc_store *store, const Hcap__Event *event, double queued_at,
                         hc_error *err);

/* The oldest rows, at most max_events of them and no more than max_bytes
   as the events of an UplinkBatch (but at least one row when there is
   any), as events in arena (*events, *count; *last_id the last row's id,
   0 when the outbox is empty). HC_OK, HC_RESOURCE_EXHAUSTED, or the
   mapped SQLite error. */
int upl_store_outbox_read(hc_store *store, size_t max_events, size_t max_bytes, hc_arena *arena,
                          Hcap__Event ***events, size_t *count, uint64_t *last_id, hc_error *err);

/* Central acked every row up to last_id, at acked_at: in one transaction
   of its own, raises each log's acked seq (table acked) by those rows,
   deletes them and adds them to the forwarded count and the last ack time
   in hc_meta. *deleted: how many rows left. HC_OK or an error after which
   nothing changed. */
int upl_store_outbox_acked(hc_store *store, uint64_t last_id, const char *acked_at,
                           uint64_t *deleted, hc_error *err);

/* The highest seq of log source under epoch that central acked into
   *seq: 0 when none (or when the latest ack of source was of another
   epoch). HC_OK or the mapped SQLite error. */
int upl_store_acked_seq(hc_store *store, const char *source, const char *epoch, uint64_t *seq,
                        hc_error *err);

/* Forgets every log's acked seq, inside the caller's transaction: a
   resend sends every log again from seq 1, and the acks of those events
   (which the hub held, or takes now) raise them again. Until then a hub
   that holds less than was acked before is what the resend is for, not a
   new loss. HC_OK or the mapped SQLite error. */
int upl_store_acked_forget(hc_store *store, hc_error *err);

/* Fills stats. HC_OK or the mapped SQLite error. */
int upl_store_outbox_stats(hc_store *store, upl_outbox_stats *stats, hc_error *err);

#endif
