/* Tests for gateway_lag: log heads, follower lag and the hub's nodes
   merged from the instances' own reports, as /healthz and /metrics show
   them. */
#include <criterion/criterion.h>
#include <string.h>
#include "gateway_lag.h"

static hc_arena *s_arena;

static void s_setup(void)
{
    s_arena = hc_arena_new();
}

static void s_teardown(void)
{
    hc_arena_destroy(&s_arena);
}

TestSuite(gateway_lag, .init = s_setup, .fini = s_teardown, .timeout = 30);

static Hcap__FollowerStatus s_status(const char *source, uint64_t seq, uint64_t head,
                                     double seconds, uint32_t dead)
{
    Hcap__FollowerStatus status = HCAP__FOLLOWER_STATUS__INIT;
    status.source = (char *)source;
    status.seq = seq;
    status.head = head;
    status.seconds_behind = seconds;
    status.has_dead_letters = true;
    status.dead_letters = dead;
    return status;
}

Test(gateway_lag, heads_are_the_highest_per_service_and_sorted)
{
    hc_broker_instance instances[] = {
        {"enrollment", "enr-1", true, 120, NULL, 0, NULL, 0},
        {"apprenticeship", "appr-1", true, 8, NULL, 0, NULL, 0},
        {"enrollment", "enr-2", true, 118, NULL, 0, NULL, 0},
        {"legacy", "old-1", false, 0, NULL, 0, NULL, 0},
    };
    gw_lag lag;
    gw_lag_compute(instances, 4, s_arena, &lag);
    cr_assert_eq(lag.n_heads, 2, "a service that reports no head has none");
    cr_assert_str_eq(lag.heads[0].service, "apprenticeship");
    cr_assert_eq(lag.heads[0].head, 8);
    cr_assert_str_eq(lag.heads[1].service, "enrollment");
    cr_assert_eq(lag.heads[1].head, 120);
    uint64_t head = 0;
    cr_assert(gw_lag_head(&lag, "enrollment", &head));
    cr_assert_eq(head, 120);
    cr_assert_not(gw_lag_head(&lag, "legacy", &head));
    cr_assert_eq(lag.n_followers, 0);
}

Test(gateway_lag, a_follower_is_behind_the_head_its_producer_reported)
{
    Hcap__FollowerStatus reporting[] = {s_status("enrollment", 100, 100, 0, 0),
                                        s_status("credentialing", 30, 35, 1.5, 2)};
    hc_broker_instance instances[] = {
        {"reporting", "rep-1", true, 4, reporting, 2, NULL, 0},
        {"enrollment", "enr-1", true, 112, NULL, 0, NULL, 0},
        {"credentialing", "cred-1", true, 33, NULL, 0, NULL, 0},
    };
    gw_lag lag;
    gw_lag_compute(instances, 3, s_arena, &lag);
    cr_assert_eq(lag.n_followers, 2);
    const Hcap__FollowerLag *cred = lag.followers[0], *enr = lag.followers[1];
    cr_assert_str_eq(cred->service, "reporting");
    cr_assert_str_eq(cred->source, "credentialing");
    cr_assert_eq(cred->seq, 30);
    cr_assert_eq(cred->head, 35, "the follower saw a later head than its producer's heartbeat");
    cr_assert_eq(cred->events_behind, 5);
    cr_assert_float_eq(cred->seconds_behind, 1.5, 1e-9);
    cr_assert_eq(cred->dead_letters, 2);
    cr_assert_str_eq(enr->source, "enrollment");
    cr_assert_eq(enr->head, 112, "the producer's own head beats what the follower last saw");
    cr_assert_eq(enr->events_behind, 12);
}

Test(gateway_lag, replicas_are_reported_as_the_worst_of_them)
{
    Hcap__FollowerStatus one[] = {s_status("enrollment", 90, 100, 0.5, 0)};
    Hcap__FollowerStatus two[] = {s_status("enrollment", 70, 95, 3.0, 4)};
    Hcap__FollowerStatus ahead[] = {s_status("enrollment", 150, 10, 0, 0)};
    hc_broker_instance instances[] = {
        {"reporting", "rep-1", true, 1, one, 1, NULL, 0},
        {"reporting", "rep-2", true, 1, two, 1, NULL, 0},
    };
    gw_lag lag;
    gw_lag_compute(instances, 2, s_arena, &lag);
    cr_assert_eq(lag.n_followers, 1);
    cr_assert_eq(lag.followers[0]->seq, 70);
    cr_assert_eq(lag.followers[0]->head, 100);
    cr_assert_eq(lag.followers[0]->events_behind, 30);
    cr_assert_float_eq(lag.followers[0]->seconds_behind, 3.0, 1e-9);
    cr_assert_eq(lag.followers[0]->dead_letters, 4);

    hc_broker_instance odd[] = {{"reporting", "rep-3", true, 1, ahead, 1, NULL, 0}};
    gw_lag_compute(odd, 1, s_arena, &lag);
    cr_assert_eq(lag.followers[0]->head, 150, "never a head below the seq applied");
    cr_assert_eq(lag.followers[0]->events_behind, 0);
}

static Hcap__NodeStatus s_node(const char *node, bool allowed, const char *last_seen,
                               uint64_t events)
{
    Hcap__NodeStatus status = HCAP__NODE_STATUS__INIT;
    status.node = (char *)node;
    status.allowed = allowed;
    status.last_seen = (char *)last_seen;
    status.has_seconds_since_seen = last_seen != NULL;
    status.seconds_since_seen = last_seen ? 4.5 : 0;
    status.has_events = status.has_duplicates = status.has_batches = true;
    status.events = events;
    status.duplicates = events / 10;
    status.batches = events ? 1 : 0;
    return status;
}

Test(gateway_lag, the_hubs_nodes_are_sorted_and_a_node_is_its_fullest_report)
{
    Hcap__NodeStatus hub[] = {s_node("west", true, "2026-11-01T10:00:00.000Z", 120),
                              s_node("north", false, NULL, 0),
                              s_node("east", true, "2026-11-01T09:00:00.000Z", 40)};
    Hcap__NodeStatus replica[] = {s_node("east", true, "2026-11-01T09:30:00.000Z", 45)};
    hc_broker_instance instances[] = {
        {"reporting", "rep-1", true, 4, NULL, 0, NULL, 0},
        {"central", "cen-1", true, 160, NULL, 0, hub, 3},
        {"central", "cen-2", true, 165, NULL, 0, replica, 1},
    };
    gw_lag lag;
    gw_lag_compute(instances, 3, s_arena, &lag);
    cr_assert_eq(lag.n_nodes, 3);
    cr_assert_str_eq(lag.nodes[0]->node, "east");
    cr_assert_eq(lag.nodes[0]->events, 45, "the report that counts more of its events");
    cr_assert_str_eq(lag.nodes[0]->last_seen, "2026-11-01T09:30:00.000Z");
    cr_assert_str_eq(lag.nodes[1]->node, "north");
    cr_assert_not(lag.nodes[1]->allowed);
    cr_assert_null(lag.nodes[1]->last_seen);
    cr_assert_str_eq(lag.nodes[2]->node, "west");
    cr_assert_eq(lag.nodes[2]->duplicates, 12);
    cr_assert_float_eq(lag.nodes[2]->seconds_since_seen, 4.5, 1e-9);

    gw_lag_compute(instances, 1, s_arena, &lag);
    cr_assert_eq(lag.n_nodes, 0, "no hub, no nodes");
}
