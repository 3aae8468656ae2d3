/* gateway_metrics: the gateway's counters, latency histograms and gauges,
   rendered in the Prometheus text format 0.0.4 for GET /metrics. */
#ifndef GATEWAY_METRICS_H
#define GATEWAY_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _gw_metrics gw_metrics;

/* New empty registry; aborts on out-of-memory like CZMQ's constructors. */
gw_metrics *gw_metrics_new(void);

/* Destroys; accepts NULL, nulls *self_p. */
void gw_metrics_destroy(gw_metrics **self_p);

/* Counts one HTTP request of route (a label such as "POST /v1/workers",
   from the route table, never client text) answered with status after
   seconds. */
void gw_metrics_http(gw_metrics *self, const char *route, int status, double seconds);

/* Counts one frontend request of method ("enrollment.CreateWorker", or
   "unknown") answered with code (an API code name such as "ok"). */
void gw_metrics_frontend(gw_metrics *self, const char *method, const char *code);

/* Sets the live instance count of a service (forgets services not set
   since the last gw_metrics_services_reset). */
void gw_metrics_services_reset(gw_metrics *self);
void gw_metrics_service(gw_metrics *self, const char *service, size_t instances);

/* Sets a service's event log head (hcap_event_log_head{service}), and one
   follower's lag (hcap_follower_events_behind, _seconds_behind and
   _dead_letters{service,source}); forgotten, like the instance counts, at
   the next gw_metrics_services_reset. */
void gw_metrics_log_head(gw_metrics *self, const char *service, uint64_t head);
void gw_metrics_follower(gw_metrics *self, const char *service, const char *source,
                         uint64_t events_behind, double seconds_behind, uint32_t dead_letters);

/* Sets what the central hub says of one node: hcap_central_node_events,
   _duplicates and _allowed (1 or 0){node}, and _seconds_since_seen{node}
   unless seconds_since_seen is negative (a node never seen); forgotten at
   the next gw_metrics_services_reset. */
void gw_metrics_node(gw_metrics *self, const char *node, bool allowed, uint64_t events,
                     uint64_t duplicates, double seconds_since_seen);

/* Adds delta to the in-flight gauge. */
void gw_metrics_inflight(gw_metrics *self, int delta);

/* The current in-flight count. */
long gw_metrics_inflight_count(gw_metrics *self);

/* The whole exposition text, malloc'd (free()); sets *size. NULL when out
   of memory. */
char *gw_metrics_render(gw_metrics *self, size_t *size);

#endif
