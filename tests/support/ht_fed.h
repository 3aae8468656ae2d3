/* ht_fed: federation tests' helpers: admitting a region at central, the
   sum of a region's forwarded logs, central's per-node counts (over HTTP,
   or over ZeroMQ when the test cannot reach central's HTTP port), and a
   byte scan of a whole directory. */
#ifndef HT_FED_H
#define HT_FED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ht_node.h"

/* The logs a region's uplink forwards (docs/federation.md). */
#define HT_FED_SOURCES 3
extern const char *const ht_fed_sources[HT_FED_SOURCES];

/* Copies DIR/node.pub of the region in region_dir (waiting for it, at most
   timeout_ms) to CENTRAL_DIR/nodes/<node_id>.pub: the operator's step that
   admits a region. Asserts. */
void ht_fed_allow(const char *central_dir, const char *region_dir, const char *node_id,
                  int timeout_ms);

/* The sum of the heads of the region's three forwarded logs, read from the
   logs themselves (ipc in dir); -1 when one did not answer. */
int64_t ht_fed_log_sum(const char *dir);

/* The item of central's GET /v1/nodes (admin token) for node_id (a new
   reference), or NULL when central does not list it; asserts a 200. */
json_t *ht_fed_node(const ht_node *central, const char *node_id);

/* central's "events" for node_id: 0 when it is not listed. */
int64_t ht_fed_events(const ht_node *central, const char *node_id);

/* The same over `hcapctl --node DIR --format json nodes` (unix socket:
   works from another network namespace); -1 when hcapctl failed. */
int64_t ht_fed_events_ctl(const char *central_dir, const char *node_id);

/* Polls until central's events for node_id equal the sum of the region's
   log heads (read again each round), at most timeout_ms. Returns the
   last events count seen; *want (when not NULL) gets the last sum. */
int64_t ht_fed_wait_events(const ht_node *central, const char *node_id, const char *region_dir,
                           int timeout_ms, int64_t *want);

/* Searches every regular file under dir (recursively) for each of the n
   needles. Returns NULL when none occurs, else "<file>: <needle>" of the
   first found (in ht_fmt's buffers). */
const char *ht_tree_find(const char *dir, const char *const *needles, size_t n);

#endif
