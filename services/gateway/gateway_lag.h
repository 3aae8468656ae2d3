/* gateway_lag: event log heads, follower lag and the central hub's nodes,
   gathered from what the live service instances say of themselves in
   READY and HEARTBEAT (hc_broker), for GET /healthz and GET /metrics. */
#ifndef GATEWAY_LAG_H
#define GATEWAY_LAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gateway.pb-c.h"
#include "hc_arena.h"
#include "hc_broker.h"

/* A service's event log head: the highest its live instances reported. */
typedef struct {
    const char *service;
    uint64_t head;
} gw_log_head;

/* Heads by service name and follower lag by (service, source), both
   sorted by name; everything in the arena given. */
typedef struct {
    gw_log_head *heads;
    size_t n_heads;
    Hcap__FollowerLag **followers;
    size_t n_followers;
    Hcap__NodeStatus **nodes; /* the hub's nodes, sorted by node id; 0 without a hub */
    size_t n_nodes;
} gw_lag;

/* Computes heads and lag from n instance reports. A follower's head is
   the highest of what it last saw, its own seq and the head its producer
   (the live service named by its source) reported itself; events_behind
   is head - seq. Several instances of one service following one source
   (replicas, each with its own store) are reported as the worst of them:
   the lowest seq, the highest head, seconds behind and dead letters. A
   node that several instances report (hub replicas) is the report that
   counts the most events of it. */
void gw_lag_compute(const hc_broker_instance *instances, size_t n, hc_arena *arena, gw_lag *out);

/* gw_lag_compute over every live instance of broker. */
void gw_lag_collect(hc_broker *broker, hc_arena *arena, gw_lag *out);

/* The head out holds for service; false when no instance reported one. */
bool gw_lag_head(const gw_lag *lag, const char *service, uint64_t *head);

#endif
