/* central_store: every SQL statement of the hub: the dedup table of
   forwarded events (received) and the per-node tallies (nodes). */
#ifndef CENTRAL_STORE_H
#define CENTRAL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hc_store.h"
#include "hcap.pb-c.h"

/* Records (source, epoch, seq) in the caller's transaction: *added is true
   when it was new, false when the hub already had it. HC_OK or the mapped
   SQLite error. */
int cen_store_received_add(hc_store *store, const char *source, const char *epoch, uint64_t seq,
                           bool *added, hc_error *err);

/* The highest seq of (source, epoch) in received into *seq (0 when none).
   HC_OK or the mapped SQLite error. */
int cen_store_received_max(hc_store *store, const char *source, const char *epoch, uint64_t *seq,
                           hc_error *err);

/* Counts one committed batch of node, in the caller's transaction: sets
   last_seen to seen_at and adds events and duplicates (the row is made at
   the node's first batch). HC_OK or the mapped SQLite error. */
int cen_store_node_count(hc_store *store, const char *node, const char *seen_at, uint64_t events,
                         uint64_t duplicates, hc_error *err);

/* Every node that sent a batch, ordered by node id, as NodeStatus messages
   in arena (allowed false: the caller knows the keys), seconds_since_seen
   computed now. Sets *items and *count. HC_OK or the mapped SQLite error. */
int cen_store_nodes(hc_store *store, hc_arena *arena, Hcap__NodeStatus ***items, size_t *count,
                    hc_error *err);

#endif
