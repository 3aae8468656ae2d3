/* gateway_lag: heads, follower lag and nodes from the instances' own
   reports, merged per service, per (service, source) and per node, and
   sorted by name. */
#include "gateway_lag.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static int s_head_compare(const void *a, const void *b)
{
    return strcmp(((const gw_log_head *)a)->service, ((const gw_log_head *)b)->service);
}

static int s_lag_compare(const void *a, const void *b)
{
    const Hcap__FollowerLag *x = *(Hcap__FollowerLag *const *)a;
    const Hcap__FollowerLag *y = *(Hcap__FollowerLag *const *)b;
    int by_service = strcmp(x->service, y->service);
    return by_service ? by_service : strcmp(x->source, y->source);
}

/* The highest head per service, sorted; sets out->heads. */
static void s_heads(const hc_broker_instance *instances, size_t n, hc_arena *arena, gw_lag *out)
{
    out->heads = hc_arena_alloc(arena, (n + 1) * sizeof *out->heads);
    out->n_heads = 0;
    for (size_t i = 0; i < n; i++) {
        if (!instances[i].has_log_head)
            continue;
        gw_log_head *found = NULL;
        for (size_t h = 0; h < out->n_heads && !found; h++)
            if (strcmp(out->heads[h].service, instances[i].service) == 0)
                found = &out->heads[h];
        if (!found) {
            found = &out->heads[out->n_heads++];
            found->service = hc_arena_strdup(arena, instances[i].service);
            found->head = 0;
        }
        if (instances[i].log_head > found->head)
            found->head = instances[i].log_head;
    }
    if (out->n_heads > 1)
        qsort(out->heads, out->n_heads, sizeof *out->heads, s_head_compare);
}

bool gw_lag_head(const gw_lag *lag, const char *service, uint64_t *head)
{
    assert(lag && head);
    for (size_t i = 0; service && i < lag->n_heads; i++)
        if (strcmp(lag->heads[i].service, service) == 0) {
            *head = lag->heads[i].head;
            return true;
        }
    return false;
}

static uint64_t s_max(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* The entry of (service, source) in out, added when new. */
static Hcap__FollowerLag *s_entry(gw_lag *out, const char *service, const char *source,
                                  const Hcap__FollowerStatus *first, hc_arena *arena)
{
    for (size_t i = 0; i < out->n_followers; i++)
        if (strcmp(out->followers[i]->service, service) == 0 &&
            strcmp(out->followers[i]->source, source) == 0)
            return out->followers[i];
    Hcap__FollowerLag *lag = hc_arena_alloc(arena, sizeof *lag);
    hcap__follower_lag__init(lag);
    lag->service = hc_arena_strdup(arena, service);
    lag->source = hc_arena_strdup(arena, source);
    lag->seq = first->seq;
    lag->has_dead_letters = true;
    out->followers[out->n_followers++] = lag;
    return lag;
}

/* Merges one follower's report into out. */
static void s_merge(gw_lag *out, const char *service, const Hcap__FollowerStatus *status,
                    hc_arena *arena)
{
    uint64_t producer = 0;
    gw_lag_head(out, status->source, &producer);
    Hcap__FollowerLag *lag = s_entry(out, service, status->source, status, arena);
    lag->seq = status->seq < lag->seq ? status->seq : lag->seq;
    lag->head = s_max(lag->head, s_max(s_max(status->head, status->seq), producer));
    lag->events_behind = lag->head - lag->seq;
    if (status->seconds_behind > lag->seconds_behind)
        lag->seconds_behind = status->seconds_behind;
    if (status->has_dead_letters && status->dead_letters > lag->dead_letters)
        lag->dead_letters = status->dead_letters;
}

static int s_node_compare(const void *a, const void *b)
{
    const Hcap__NodeStatus *x = *(Hcap__NodeStatus *const *)a;
    const Hcap__NodeStatus *y = *(Hcap__NodeStatus *const *)b;
    return strcmp(x->node, y->node);
}

/* Merges one instance's node into out: a node already there is replaced
   by a report that counts more of its events. */
static void s_node_merge(gw_lag *out, const Hcap__NodeStatus *node)
{
    for (size_t i = 0; i < out->n_nodes; i++)
        if (strcmp(out->nodes[i]->node, node->node) == 0) {
            if (node->events > out->nodes[i]->events)
                out->nodes[i] = (Hcap__NodeStatus *)node;
            return;
        }
    out->nodes[out->n_nodes++] = (Hcap__NodeStatus *)node;
}

/* Every instance's nodes, merged and sorted; sets out->nodes. */
static void s_nodes(const hc_broker_instance *instances, size_t n, hc_arena *arena, gw_lag *out)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += instances[i].n_nodes;
    out->nodes = hc_arena_alloc(arena, (total + 1) * sizeof *out->nodes);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < instances[i].n_nodes; k++)
            s_node_merge(out, &instances[i].nodes[k]);
    if (out->n_nodes > 1)
        qsort(out->nodes, out->n_nodes, sizeof *out->nodes, s_node_compare);
}

void gw_lag_compute(const hc_broker_instance *instances, size_t n, hc_arena *arena, gw_lag *out)
{
    assert((instances || n == 0) && arena && out);
    memset(out, 0, sizeof *out);
    s_heads(instances, n, arena, out);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += instances[i].n_followers;
    out->followers = hc_arena_alloc(arena, (total + 1) * sizeof *out->followers);
    for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < instances[i].n_followers; f++)
            s_merge(out, instances[i].service, &instances[i].followers[f], arena);
    if (out->n_followers > 1)
        qsort(out->followers, out->n_followers, sizeof *out->followers, s_lag_compare);
    s_nodes(instances, n, arena, out);
}

typedef struct {
    hc_arena *arena;
    hc_broker_instance *items;
    size_t count, capacity;
} s_gather;

/* Copies one instance's report into the arena (the broker's is valid only
   during the callback). */
static void s_on_instance(void *arg, const hc_broker_instance *instance)
{
    s_gather *gather = arg;
    if (gather->count == gather->capacity) {
        size_t capacity = gather->capacity ? gather->capacity * 2 : 16;
        hc_broker_instance *items = hc_arena_alloc(gather->arena, capacity * sizeof *items);
        if (gather->count)
            memcpy(items, gather->items, gather->count * sizeof *items);
        gather->items = items;
        gather->capacity = capacity;
    }
    hc_broker_instance *copy = &gather->items[gather->count++];
    *copy = *instance;
    copy->service = hc_arena_strdup(gather->arena, instance->service);
    copy->instance = hc_arena_strdup(gather->arena, instance->instance);
    Hcap__FollowerStatus *followers =
        hc_arena_alloc(gather->arena, (instance->n_followers + 1) * sizeof *followers);
    for (size_t i = 0; i < instance->n_followers; i++) {
        followers[i] = instance->followers[i];
        followers[i].source = hc_arena_strdup(gather->arena, instance->followers[i].source);
    }
    copy->followers = followers;
    Hcap__NodeStatus *nodes =
        hc_arena_alloc(gather->arena, (instance->n_nodes + 1) * sizeof *nodes);
    for (size_t i = 0; i < instance->n_nodes; i++) {
        nodes[i] = instance->nodes[i];
        nodes[i].node = hc_arena_strdup(gather->arena, instance->nodes[i].node);
        nodes[i].last_seen = hc_arena_text(gather->arena, instance->nodes[i].last_seen);
    }
    copy->nodes = nodes;
}

void gw_lag_collect(hc_broker *broker, hc_arena *arena, gw_lag *out)
{
    assert(broker && arena && out);
    s_gather gather = {arena, NULL, 0, 0};
    hc_broker_foreach_instance(broker, s_on_instance, &gather);
    gw_lag_compute(gather.items, gather.count, arena, out);
}
