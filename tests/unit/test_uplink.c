/* Tests of the uplink's outbox and sender against a fake hub in this
   process (a CURVE server ROUTER on the same loop): batches in order and
   drained on ack, acks of other batches ignored, a resend after the ack
   timeout on a new connection, the back-off after a refused batch, a hub
   that comes up late, an ack showing the hub lost acked events; the
   followers' apply, Resend, the secret file, the health row, GetStatus
   across a restart, and the binary refusing to start without central. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include "ht_local.h"
#include "ht_os.h"
#include "ht_run.h"
#include "hc_keys.h"
#include "hc_msg.h"
#include "hc_time.h"
#include "enrollment.pb-c.h"
#include "uplink_sender.h"
#include "uplink_server.h"
#include "uplink_store.h"

#define S_MAX_BATCHES 64

typedef enum { S_ACK, S_REFUSE, S_SILENT, S_WRONG_BATCH } s_policy;

/* What the fake hub saw of one batch. */
typedef struct {
    uint64_t batch;
    size_t events;
    uint64_t first_seq, last_seq;
    int64_t at_ms;
    char identity[64]; /* the connection's routing id, in hex */
    char node[32];
} s_seen;

typedef struct {
    zsock_t *router;
    s_policy policy;
    int refusals; /* S_REFUSE: how many more batches to refuse before acking */
    int silences; /* S_SILENT: how many more batches to leave unanswered */
    s_seen seen[S_MAX_BATCHES];
    size_t n_seen;
    uint64_t seqs_seen; /* events received, duplicates included */
    bool report_held;   /* acks say held_seq of the batch's log (one log per batch) */
    uint64_t held_seq;  /* the highest seq the hub holds; raised by each batch */
} s_hub;

static ht_local s_up;
static zloop_t *s_loop;
static s_hub s_hub_state;
static zcert_t *s_node_cert, *s_hub_cert;
static upl_sender *s_sender;
static char s_endpoint[128];
static const char *s_epoch; /* of the events s_queue makes */
static int s_lost_calls;    /* the sender's lost callback */

static int s_on_check(zloop_t *loop, int timer_id, void *arg);

static char *s_path(const char *file)
{
    return hc_arena_printf(s_up.arena, "%s/%s", s_up.dir, file);
}

static void s_setup(void)
{
    ht_local_open(&s_up, &upl_service);
    s_loop = zloop_new();
    memset(&s_hub_state, 0, sizeof s_hub_state);
    hc_error err;
    cr_assert_eq(hc_keys_create(s_path("node.pub"), s_path("node.key"), "west", &err), HC_OK);
    cr_assert_eq(hc_keys_create(s_path("hub.pub"), s_path("hub.key"), "central", &err), HC_OK);
    s_node_cert = hc_keys_load_secret(s_path("node.key"), &err);
    s_hub_cert = hc_keys_load_secret(s_path("hub.key"), &err);
    cr_assert(s_node_cert && s_hub_cert);
    snprintf(s_endpoint, sizeof s_endpoint, "ipc://%s/hub.ipc", s_up.dir);
    s_epoch = "e1";
    s_lost_calls = 0;
    cr_assert_geq(zloop_timer(s_loop, 5, 0, s_on_check, NULL), 0);
}

static void s_teardown(void)
{
    upl_sender_destroy(&s_sender);
    zsock_destroy(&s_hub_state.router);
    zloop_destroy(&s_loop);
    zcert_destroy(&s_node_cert);
    zcert_destroy(&s_hub_cert);
    ht_local_close(&s_up);
}

TestSuite(uplink, .init = s_setup, .fini = s_teardown, .timeout = 50);

/* --- the fake hub --- */

/* Acks batch (of b when not NULL, its first event's log held as the hub
   says), or refuses it. */
static void s_hub_reply(s_hub *hub, zframe_t *identity, uint64_t batch, bool refuse,
                        const Hcap__UplinkBatch *b)
{
    Hcap__UplinkAck ack = HCAP__UPLINK_ACK__INIT;
    Hcap__Status error = HCAP__STATUS__INIT;
    Hcap__LogPosition at = HCAP__LOG_POSITION__INIT, *held[] = {&at};
    ack.batch = batch;
    if (!refuse && b && b->n_events && hub->report_held) {
        at.source = b->events[0]->source;
        at.epoch = b->events[0]->epoch;
        at.seq = hub->held_seq;
        ack.held = held;
        ack.n_held = 1;
    }
    if (refuse) {
        error.code = HCAP__CODE__CODE_PERMISSION_DENIED;
        error.message = "node west is not allowed";
        error.field = "node";
        ack.error = &error;
    }
    zframe_t *frame = hc_msg_frame(&ack.base);
    zframe_send(&identity, hub->router, ZFRAME_MORE | ZFRAME_REUSE);
    zframe_send(&frame, hub->router, 0);
}

/* Records a batch, then answers it as the policy says. */
static void s_hub_answer(s_hub *hub, zframe_t *identity, const Hcap__UplinkBatch *b)
{
    cr_assert_lt(hub->n_seen, S_MAX_BATCHES);
    s_seen *seen = &hub->seen[hub->n_seen++];
    seen->batch = b->batch;
    seen->events = b->n_events;
    seen->first_seq = b->n_events ? b->events[0]->seq : 0;
    seen->last_seq = b->n_events ? b->events[b->n_events - 1]->seq : 0;
    seen->at_ms = ht_now_ms();
    snprintf(seen->node, sizeof seen->node, "%s", b->node);
    char *hex = zframe_strhex(identity);
    snprintf(seen->identity, sizeof seen->identity, "%s", hex);
    free(hex);
    hub->seqs_seen += b->n_events;
    if (hub->policy == S_SILENT && hub->silences-- > 0)
        return;
    if (hub->policy == S_WRONG_BATCH) {
        s_hub_reply(hub, identity, b->batch + 7, false, NULL);
        s_hub_reply(hub, identity, b->batch - 1, false, NULL);
        return;
    }
    s_hub_reply(hub, identity, b->batch, hub->policy == S_REFUSE && hub->refusals-- > 0, b);
    if (seen->last_seq > hub->held_seq)
        hub->held_seq = seen->last_seq;
}

static int s_on_hub(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    zmsg_t *msg = zmsg_recv(sock);
    cr_assert_eq(zmsg_size(msg), 2, "[identity][UplinkBatch]");
    zframe_t *identity = zmsg_pop(msg), *body = zmsg_pop(msg);
    hc_arena *arena = hc_arena_new();
    Hcap__UplinkBatch *b = (Hcap__UplinkBatch *)hc_msg_unpack(
        &hcap__uplink_batch__descriptor, zframe_data(body), zframe_size(body), arena);
    cr_assert_not_null(b, "the hub gets an UplinkBatch");
    s_hub_answer(arg, identity, b);
    hc_arena_destroy(&arena);
    zframe_destroy(&identity);
    zframe_destroy(&body);
    zmsg_destroy(&msg);
    return 0;
}

/* The hub's CURVE server ROUTER, bound and read by the loop. */
static void s_hub_up(void)
{
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    hc_sock_setup(router);
    zcert_apply(s_hub_cert, router);
    zsock_set_curve_server(router, 1);
    cr_assert_eq(zsock_bind(router, "%s", s_endpoint), 0);
    cr_assert_eq(zloop_reader(s_loop, router, s_on_hub, &s_hub_state), 0);
    s_hub_state.router = router;
}

/* --- the uplink side --- */

/* As the uplink's own callback does: Resend, as the internal caller. */
static void s_on_lost(void *arg)
{
    cr_assert_eq(arg, &s_lost_calls);
    s_lost_calls++;
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    ht_local_ok(&s_up, "Resend", &empty.base, NULL);
}

static void s_sender_start(int ack_timeout_ms)
{
    upl_sender_config config = {
        .node = "west",
        .central = s_endpoint,
        .cert = s_node_cert,
        .central_key = zcert_public_key(s_hub_cert),
        .ack_timeout_ms = ack_timeout_ms,
        .lost = s_on_lost,
        .lost_arg = &s_lost_calls,
    };
    hc_error err;
    s_sender = upl_sender_new(hc_service_store(s_up.svc), s_loop, &config, &err);
    cr_assert_not_null(s_sender, "%s", err.message);
}

/* Queues n worker events of source's log, seqs first.., through the
   followers' apply in one batch transaction. */
static void s_queue(const char *source, uint64_t first, size_t n)
{
    hc_store *store = hc_service_store(s_up.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    for (size_t i = 0; i < n; i++) {
        Hcap__Worker w = HCAP__WORKER__INIT;
        w.id = hc_arena_printf(s_up.arena, "wkr_%zu", (size_t)first + i);
        w.given_name = "Marguerite";
        Hcap__Event e = HCAP__EVENT__INIT;
        e.source = hc_arena_printf(s_up.arena, "west/%s", source);
        e.epoch = (char *)s_epoch;
        e.seq = first + i;
        e.occurred_at = "2026-03-01T12:00:00.000Z";
        e.type = "enrollment.worker_registered.v1";
        e.body.data = hc_msg_pack(&w.base, s_up.arena, &e.body.len);
        cr_assert_eq(upl_outbox_apply(hc_service_state(s_up.svc), store, &e, &err), HC_OK, "%s",
                     err.message);
    }
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
}

static upl_outbox_stats s_stats(void)
{
    upl_outbox_stats stats;
    hc_error err;
    cr_assert_eq(upl_store_outbox_stats(hc_service_store(s_up.svc), &stats, &err), HC_OK);
    return stats;
}

/* --- running the loop until something holds --- */

typedef bool(s_pred)(void);

/* What the loop's check timer (made once per test) stops the loop on. */
static struct {
    s_pred *pred;
    int64_t deadline;
} s_until;

static int s_on_check(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    (void)arg;
    return (s_until.pred && s_until.pred()) || ht_now_ms() >= s_until.deadline ? -1 : 0;
}

/* Runs the loop until pred holds (NULL: for ms); returns whether it held. */
static bool s_run(s_pred *pred, int ms)
{
    s_until.pred = pred;
    s_until.deadline = ht_now_ms() + ms;
    zloop_start(s_loop);
    return pred ? pred() : true;
}

static bool s_drained(void)
{
    return s_stats().pending == 0;
}

static size_t s_seen_until;
static bool s_batches_seen(void)
{
    return s_hub_state.n_seen >= s_seen_until;
}

/* --- tests --- */

Test(uplink, batches_arrive_in_order_and_drain_on_ack)
{
    s_queue("enrollment", 1, 700);
    s_queue("credentialing", 1, 400);
    s_hub_up();
    s_sender_start(5000);
    cr_assert(s_run(s_drained, 20000), "the outbox drained");
    cr_assert_eq(s_hub_state.n_seen, 3, "500 + 500 + 100 events");
    size_t sizes[] = {500, 500, 100};
    uint64_t batches[] = {500, 1000, 1100};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(s_hub_state.seen[i].events, sizes[i], "batch %zu", i);
        cr_assert_eq(s_hub_state.seen[i].batch, batches[i], "the last outbox id");
        cr_assert_str_eq(s_hub_state.seen[i].node, "west");
    }
    cr_assert_eq(s_hub_state.seen[0].first_seq, 1);
    cr_assert_eq(s_hub_state.seen[1].first_seq, 501);
    cr_assert_eq(s_hub_state.seen[1].last_seq, 300, "credentialing's rows follow enrollment's");
    cr_assert_eq(s_hub_state.seen[2].last_seq, 400);
    cr_assert_eq(s_hub_state.seqs_seen, 1100, "nothing sent twice");
    upl_outbox_stats st = s_stats();
    cr_assert_eq(st.forwarded, 1100);
    cr_assert_eq(st.acked, 1100);
    cr_assert_eq(st.head, 1100);
    cr_assert_neq(st.last_ack_at[0], '\0');
    cr_assert(upl_sender_connected(s_sender));
    cr_assert_str_eq(upl_sender_last_error(s_sender), "");

    s_queue("apprenticeship", 1, 3);
    cr_assert(s_run(s_drained, 5000), "a row queued later goes at the next poll");
    cr_assert_eq(s_hub_state.n_seen, 4);
    cr_assert_eq(s_hub_state.seen[3].batch, 1103);
}

Test(uplink, an_ack_for_another_batch_is_ignored)
{
    s_queue("enrollment", 1, 10);
    s_hub_state.policy = S_WRONG_BATCH;
    s_hub_up();
    s_sender_start(1000);
    s_seen_until = 1;
    cr_assert(s_run(s_batches_seen, 5000));
    s_run(NULL, 400);
    cr_assert_eq(s_stats().pending, 10, "acks of batches 17 and 9 left batch 10's rows");
    cr_assert_eq(s_hub_state.n_seen, 1, "still waiting for batch 10's ack");
    cr_assert_not(upl_sender_connected(s_sender));
    s_hub_state.policy = S_ACK;
    cr_assert(s_run(s_drained, 5000), "resent after the timeout and acked");
    cr_assert_eq(s_hub_state.n_seen, 2);
    cr_assert_eq(s_hub_state.seen[1].batch, 10);
    cr_assert_eq(s_stats().forwarded, 10);
}

Test(uplink, no_ack_means_a_new_connection_and_the_same_batch_again)
{
    s_queue("enrollment", 1, 20);
    s_hub_state.policy = S_SILENT;
    s_hub_state.silences = 1;
    s_hub_up();
    s_sender_start(300);
    cr_assert(s_run(s_drained, 5000));
    cr_assert_eq(s_hub_state.n_seen, 2);
    s_seen *first = &s_hub_state.seen[0], *again = &s_hub_state.seen[1];
    cr_assert_eq(again->batch, first->batch);
    cr_assert_eq(again->events, 20);
    cr_assert_eq(again->first_seq, 1);
    cr_assert_geq(again->at_ms - first->at_ms, 280, "not before the ack timeout");
    cr_assert_lt(again->at_ms - first->at_ms, 2000);
    cr_assert_str_neq(again->identity, first->identity, "the socket was made again");
    cr_assert_eq(s_stats().forwarded, 20);
}

Test(uplink, a_refused_batch_goes_again_after_a_doubling_back_off)
{
    s_queue("enrollment", 1, 5);
    s_hub_state.policy = S_REFUSE;
    s_hub_state.refusals = 2;
    s_hub_up();
    s_sender_start(5000);
    s_seen_until = 1;
    cr_assert(s_run(s_batches_seen, 5000));
    s_run(NULL, 100);
    cr_assert_eq(s_stats().pending, 5, "nothing deleted on a refusal");
    cr_assert_not(upl_sender_connected(s_sender));
    cr_assert(strstr(upl_sender_last_error(s_sender), "node west is not allowed"), "%s",
              upl_sender_last_error(s_sender));
    cr_assert(s_run(s_drained, 8000));
    cr_assert_eq(s_hub_state.n_seen, 3);
    int64_t wait1 = s_hub_state.seen[1].at_ms - s_hub_state.seen[0].at_ms;
    int64_t wait2 = s_hub_state.seen[2].at_ms - s_hub_state.seen[1].at_ms;
    cr_assert(wait1 >= 950 && wait1 < 1900, "1 s back-off, waited %lld ms", (long long)wait1);
    cr_assert(wait2 >= 1950 && wait2 < 2900, "then 2 s, waited %lld ms", (long long)wait2);
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(s_hub_state.seen[i].batch, 5, "the same batch each time");
    cr_assert(upl_sender_connected(s_sender));
    cr_assert_str_eq(upl_sender_last_error(s_sender), "");
    cr_assert_eq(s_stats().forwarded, 5);
}

Test(uplink, a_hub_that_comes_up_late_gets_everything)
{
    s_queue("enrollment", 1, 600);
    s_sender_start(300);
    s_run(NULL, 800);
    cr_assert_eq(s_stats().pending, 600, "nothing acked without a hub");
    cr_assert_not(upl_sender_connected(s_sender));
    cr_assert(strstr(upl_sender_last_error(s_sender), "no ack within 300 ms"));
    s_queue("apprenticeship", 1, 50);
    s_hub_up();
    cr_assert(s_run(s_drained, 10000));
    upl_outbox_stats st = s_stats();
    cr_assert_eq(st.forwarded, 650);
    cr_assert_eq(st.head, 650);
    uint64_t last = 0;
    for (size_t i = 0; i < s_hub_state.n_seen; i++) {
        cr_assert_geq(s_hub_state.seen[i].batch, last, "batches in order");
        last = s_hub_state.seen[i].batch;
    }
    cr_assert_eq(last, 650);
    cr_assert_geq(s_hub_state.seqs_seen, 650);
}

static uint64_t s_acked(const char *source, const char *epoch)
{
    uint64_t seq = 99;
    hc_error err;
    cr_assert_eq(upl_store_acked_seq(hc_service_store(s_up.svc), source, epoch, &seq, &err), HC_OK);
    return seq;
}

/* Central restored from a backup holds less than it had acked: the ack
   of the next batch says so and the uplink calls for its logs again,
   once; a log on a new epoch is remembered from its new acks. */
Test(uplink, an_ack_showing_the_hub_lost_acked_events_calls_for_a_resend)
{
    s_hub_state.report_held = true;
    s_queue("enrollment", 1, 5);
    s_hub_up();
    s_sender_start(5000);
    cr_assert(s_run(s_drained, 5000));
    cr_assert_eq(s_lost_calls, 0, "the hub held what it acked");
    cr_assert_eq(s_acked("west/enrollment", "e1"), 5);
    cr_assert_eq(s_acked("west/credentialing", "e1"), 0, "nothing of a log never sent");

    s_hub_state.held_seq = 2; /* the hub's store came back from a backup */
    s_queue("enrollment", 6, 3);
    cr_assert(s_run(s_drained, 5000));
    cr_assert_eq(s_lost_calls, 1, "held 2 where 5 were acked");
    cr_assert_eq(s_acked("west/enrollment", "e1"), 0, "the resend forgot what was acked");
    s_queue("enrollment", 1, 9); /* what the rewound followers queue again */
    cr_assert(s_run(s_drained, 5000));
    cr_assert_eq(s_lost_calls, 1, "the resend itself is no new loss");
    cr_assert_eq(s_acked("west/enrollment", "e1"), 9);

    s_epoch = "e2"; /* the region restored: its log's new epoch from seq 1 */
    s_queue("enrollment", 1, 2);
    cr_assert(s_run(s_drained, 5000));
    cr_assert_eq(s_lost_calls, 1, "no ack of e2 before");
    cr_assert_eq(s_acked("west/enrollment", "e2"), 2);
    cr_assert_eq(s_acked("west/enrollment", "e1"), 0, "the log's latest epoch is e2");
}

/* An operator's resend while central holds less than was acked: the
   events sent again from seq 1 are not taken for a new loss, batch after
   batch. */
Test(uplink, a_resend_under_way_is_not_taken_for_a_loss)
{
    s_hub_state.report_held = true;
    s_queue("enrollment", 1, 5);
    s_hub_up();
    s_sender_start(5000);
    cr_assert(s_run(s_drained, 5000));
    s_hub_state.held_seq = 2; /* central restored; the operator resends */
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    ht_local_ok(&s_up, "Resend", &empty.base, NULL);
    for (uint64_t seq = 1; seq <= 5; seq++) {
        s_queue("enrollment", seq, 1); /* one batch per event */
        cr_assert(s_run(s_drained, 5000));
    }
    cr_assert_eq(s_hub_state.n_seen, 6);
    cr_assert_eq(s_lost_calls, 0, "the hub held 2 of the 5 acked before: the resend's own doing");
    cr_assert_eq(s_acked("west/enrollment", "e1"), 5);
}

/* --- the service around the outbox --- */

Test(uplink, resend_sets_every_cursor_back_to_seq_0_keeping_its_epoch)
{
    hc_store *store = hc_service_store(s_up.svc);
    hc_error err;
    cr_assert_eq(hc_followers_schema(store, &err), HC_OK);
    cr_assert_eq(hc_store_exec(store,
                               "INSERT INTO hc_cursors VALUES"
                               " ('enrollment', 'west/enrollment', 'e1', 40),"
                               " ('credentialing', 'west/credentialing', 'e7', 9)",
                               &err),
                 HC_OK);
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__UplinkResendReply *reply = NULL;
    ht_local_ok(&s_up, "Resend", &empty.base, &reply);
    cr_assert_eq(reply->followers, 2);
    sqlite3_stmt *stmt =
        hc_store_stmt(store, "SELECT group_concat(follower || ' ' || epoch || ' ' || seq, ', ')"
                             " FROM (SELECT * FROM hc_cursors ORDER BY follower)");
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(stmt, 0),
                     "credentialing e7 0, enrollment e1 0");
    sqlite3_reset(stmt);
}

Test(uplink, status_health_and_counts_survive_a_restart)
{
    s_queue("enrollment", 1, 30);
    s_hub_up();
    s_sender_start(5000);
    cr_assert(s_run(s_drained, 5000));
    upl_sender_destroy(&s_sender);
    s_queue("enrollment", 31, 4);
    ht_local_reopen(&s_up);

    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__UplinkStatus *st = NULL;
    ht_local_ok(&s_up, "GetStatus", &empty.base, &st);
    cr_assert_str_eq(st->node, "local");
    cr_assert_eq(st->forwarded, 30);
    cr_assert_eq(st->pending, 4);
    cr_assert_not_null(st->last_ack_at);
    cr_assert_not(st->connected);
    cr_assert_geq(st->seconds_behind, 0);

    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.followers = hc_service_followers(s_up.svc, s_up.arena, &msg.n_followers);
    size_t before = msg.n_followers;
    upl_service.health(hc_service_state(s_up.svc), s_up.arena, &msg);
    cr_assert_eq(msg.n_followers, before + 1);
    Hcap__FollowerStatus *central = msg.followers[before];
    cr_assert_str_eq(central->source, "central");
    cr_assert_eq(central->seq, 30, "the last acked outbox id");
    cr_assert_eq(central->head, 34, "the last queued one");
    cr_assert_geq(central->seconds_behind, 0);
}

Test(uplink, an_event_without_a_rule_is_refused_naming_its_type)
{
    Hcap__Empty body = HCAP__EMPTY__INIT;
    Hcap__Event e = HCAP__EVENT__INIT;
    e.source = "west/enrollment";
    e.epoch = "e1";
    e.seq = 1;
    e.occurred_at = "2026-03-01T12:00:00.000Z";
    e.type = "enrollment.worker_teleported.v1";
    e.body.data = hc_msg_pack(&body.base, s_up.arena, &e.body.len);
    hc_store *store = hc_service_store(s_up.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_assert_eq(upl_outbox_apply(hc_service_state(s_up.svc), store, &e, &err), HC_NOT_FOUND);
    hc_store_rollback(store);
    cr_assert(strstr(err.message, "no privacy rule for event type enrollment.worker_teleported.v1"),
              "%s", err.message);
    cr_assert_eq(s_stats().head, 0, "nothing queued");
}

Test(uplink, the_secret_is_made_once_and_a_wrong_one_refuses_to_start)
{
    struct stat st;
    const char *path = s_path("uplink.secret");
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    cr_assert_eq(st.st_size, 32);
    size_t size = 0;
    char *before = ht_read_file(path, &size);
    ht_local_reopen(&s_up);
    char *after = ht_read_file(path, &size);
    cr_assert_arr_eq(before, after, 32, "kept across restarts");
    free(before);
    free(after);

    cr_assert_eq(ht_write_file(path, "short", 5), 0);
    hc_error err;
    hc_service *svc = hc_service_new_local(&upl_service, s_up.dir, "west", &err);
    cr_assert_null(svc);
    cr_assert_eq(err.code, HC_FAILED_PRECONDITION);
    cr_assert(strstr(err.message, "uplink.secret"), "%s", err.message);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 5, "never replaced");
}

Test(uplink, the_binary_refuses_to_start_without_central)
{
    ht_run_result r;
    char *const argv[] = {HCAP_BIN_DIR "/hcap-uplink", "--data", s_up.dir, NULL};
    cr_assert_eq(ht_run(&r, NULL, 20000, argv), 1, "%s", r.err);
    cr_assert(strstr(r.err, "uplink/central"), "%s", r.err);
    ht_run_free(&r);
}
