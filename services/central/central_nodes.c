/* central_nodes: the nodes with a key file merged with those that sent
   batches, in node id order. */
#include "central_nodes.h"

#include <string.h>
#include "central_store.h"

/* A node with a key file that never sent a batch. */
static Hcap__NodeStatus *s_key_only(hc_arena *arena, const char *node)
{
    Hcap__NodeStatus *status =
        (Hcap__NodeStatus *)hc_arena_message(arena, &hcap__node_status__descriptor);
    status->node = hc_arena_strdup(arena, node);
    status->allowed = true;
    status->has_events = status->has_duplicates = status->has_batches = true;
    return status;
}

int cen_nodes_all(hc_store *store, cen_keys *keys, hc_arena *arena, Hcap__NodeStatus ***items,
                  size_t *count, hc_error *err)
{
    Hcap__NodeStatus **rows = NULL;
    size_t n_rows = 0;
    *items = NULL;
    *count = 0;
    int rc = cen_store_nodes(store, arena, &rows, &n_rows, err);
    if (rc != HC_OK)
        return rc;
    cen_keys_refresh(keys);
    size_t n_keys = cen_keys_size(keys);
    Hcap__NodeStatus **all = hc_arena_alloc(arena, (n_rows + n_keys + 1) * sizeof *all);
    if (!all)
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    size_t r = 0, k = 0, n = 0;
    while (r < n_rows || k < n_keys) {
        int order = r == n_rows   ? 1
                    : k == n_keys ? -1
                                  : strcmp(rows[r]->node, cen_keys_id(keys, k));
        if (order > 0) {
            all[n++] = s_key_only(arena, cen_keys_id(keys, k++));
            continue;
        }
        rows[r]->allowed = order == 0;
        k += order == 0;
        all[n++] = rows[r++];
    }
    *items = all;
    *count = n;
    return HC_OK;
}
