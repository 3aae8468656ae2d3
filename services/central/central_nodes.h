/* central_nodes: what the hub knows of each node (NodeStatus), for
   ListNodes and the heartbeats: its key file now and its tallies. */
#ifndef CENTRAL_NODES_H
#define CENTRAL_NODES_H

#include <stddef.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hc_store.h"
#include "hcap.pb-c.h"
#include "central_keys.h"

/* Every node with a key file in keys (read again when changed) or a row
   in the store, ordered by node id (strcmp), in arena: allowed when its key
   file is there now; a node that never sent a batch has zero tallies and
   no last_seen. Sets *items and *count. HC_OK or the store's error. */
int cen_nodes_all(hc_store *store, cen_keys *keys, hc_arena *arena, Hcap__NodeStatus ***items,
                  size_t *count, hc_error *err);

#endif
