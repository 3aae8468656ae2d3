/* Tests of hc_follower against a real hc_eventlog over ipc:// (and a fake
   producer for replies a correct log never sends): polling without any
   doorbell, exactly-once across a restart, dead letters and retry, epoch
   change, a producer that goes down and comes back, holes and repeats. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include "hc_eventlog.h"
#include "hc_follower.h"
#include "hc_msg.h"
#include "hc_time.h"

static char s_dir[64];
static char s_fetch_ep[128];
static char s_bell_ep[128];
static zloop_t *s_loop;
static hc_store *s_producer_store; /* the producer's database */
static hc_eventlog *s_log;
static hc_store *s_store; /* the follower's database */
static hc_follower *s_follower;

typedef struct {
    int calls;         /* apply callbacks, committed or not */
    uint64_t fail_seq; /* apply refuses this seq (0: none) */
    int resets;
} s_sink;

static s_sink s_state;

static const hc_migration s_follower_schema[] = {
    {"001_seen.sql", "CREATE TABLE seen (n INTEGER PRIMARY KEY AUTOINCREMENT,"
                     " seq INTEGER NOT NULL, epoch TEXT NOT NULL, id TEXT NOT NULL);"},
    {NULL, NULL},
};

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char *s_file(const char *name)
{
    static char path[160];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    return path;
}

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/hcap-follow-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_fetch_ep, sizeof s_fetch_ep, "ipc://%s/p-events.ipc", s_dir);
    snprintf(s_bell_ep, sizeof s_bell_ep, "ipc://%s/p-bell.ipc", s_dir);
    memset(&s_state, 0, sizeof s_state);
    hc_error err;
    s_producer_store = hc_store_open(s_file("producer.db"), NULL, &err);
    cr_assert_not_null(s_producer_store);
    s_log = hc_eventlog_new(s_producer_store, "local/producer", &err);
    cr_assert_not_null(s_log);
    s_store = hc_store_open(s_file("follower.db"), s_follower_schema, &err);
    cr_assert_not_null(s_store);
    s_loop = zloop_new();
}

static void s_teardown(void)
{
    hc_follower_destroy(&s_follower);
    hc_eventlog_destroy(&s_log);
    zloop_destroy(&s_loop);
    hc_store_destroy(&s_store);
    hc_store_destroy(&s_producer_store);
    nftw(s_dir, s_remove, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(follower, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* --- the follower's side --- */

static int s_apply(void *arg, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    s_sink *sink = arg;
    sink->calls++;
    Hcap__GetRequest *body = hcap__get_request__unpack(NULL, event->body.len, event->body.data);
    if (!body)
        return hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "body does not decode");
    sqlite3_stmt *stmt =
        hc_store_stmt(store, "INSERT INTO seen (seq, epoch, id) VALUES (?1, ?2, ?3)");
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)event->seq);
    sqlite3_bind_text(stmt, 2, event->epoch, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, body->id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    hcap__get_request__free_unpacked(body, NULL);
    if (rc != SQLITE_DONE)
        return hc_store_error(store, rc, NULL, err);
    /* Fails after writing, so only the savepoint keeps the write out. */
    if (event->seq == sink->fail_seq)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "seq", "refusing seq %" PRIu64, event->seq);
    return HC_OK;
}

static int s_reset(void *arg, hc_store *store, const char *source, hc_error *err)
{
    s_sink *sink = arg;
    sink->resets++;
    cr_expect_str_eq(source, "local/producer");
    return hc_store_exec(store, "DELETE FROM seen", err);
}

static int64_t s_int(hc_store *store, const char *sql)
{
    sqlite3_stmt *stmt = hc_store_stmt(store, sql);
    cr_assert_not_null(stmt);
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return value;
}

static void s_follow(const char *bell_endpoint)
{
    s_follower =
        hc_follower_new(s_store, "producer", s_fetch_ep, bell_endpoint, s_apply, s_reset, &s_state);
    cr_assert_not_null(s_follower);
    cr_assert_eq(hc_follower_start(s_follower, s_loop), HC_OK);
}

/* --- the producer's side --- */

static void s_serve(void)
{
    hc_error err;
    cr_assert_eq(hc_eventlog_serve(s_log, s_loop, s_fetch_ep, s_bell_ep, &err), HC_OK, "%s",
                 err.message);
}

/* Takes the producer down; its endpoints are free again shortly after. */
static void s_producer_down(void)
{
    hc_eventlog_destroy(&s_log);
    zclock_sleep(200);
}

static void s_produce(int count)
{
    hc_error err;
    cr_assert_eq(hc_store_begin(s_producer_store, &err), HC_OK);
    for (int i = 0; i < count; i++) {
        char id[32];
        snprintf(id, sizeof id, "e%" PRIu64, hc_eventlog_head(s_log) + 1);
        Hcap__GetRequest body = HCAP__GET_REQUEST__INIT;
        body.id = id;
        cr_assert_eq(hc_eventlog_append(s_log, "test.happened.v1", NULL, &body.base, NULL, &err),
                     HC_OK);
    }
    cr_assert_eq(hc_store_commit(s_producer_store, &err), HC_OK);
    hc_eventlog_ring(s_log);
}

/* --- driving the loop --- */

typedef bool(s_cond_fn)(void *arg);

typedef struct {
    s_cond_fn *cond;
    void *arg;
    int64_t deadline;
    bool met;
    int ticks;
} s_wait;

static int s_on_check(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_wait *wait = arg;
    wait->ticks++;
    wait->met = wait->cond(wait->arg);
    return wait->met || hc_clock_ms() >= wait->deadline ? -1 : 0;
}

/* Runs the loop until cond holds or timeout_ms passed; returns cond. */
static bool s_run_until(s_cond_fn *cond, void *arg, int timeout_ms, int *ticks)
{
    s_wait wait = {cond, arg, hc_clock_ms() + timeout_ms, false, 0};
    int timer = zloop_timer(s_loop, 1, 0, s_on_check, &wait);
    zloop_start(s_loop);
    zloop_timer_end(s_loop, timer);
    if (ticks)
        *ticks = wait.ticks;
    return wait.met;
}

static bool s_never(void *arg)
{
    (void)arg;
    return false;
}

static bool s_reached(void *arg)
{
    return hc_follower_seq(s_follower) >= *(uint64_t *)arg;
}

static bool s_reach(uint64_t seq, int timeout_ms)
{
    return s_run_until(s_reached, &seq, timeout_ms, NULL);
}

/* Every applied event is there once, in seq order from first. */
static void s_expect_seen(uint64_t first, uint64_t count)
{
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM seen"), (int64_t)count);
    cr_expect_eq(s_int(s_store, "SELECT count(DISTINCT seq) FROM seen"), (int64_t)count,
                 "an event was applied twice");
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM seen AS a JOIN seen AS b"
                                " ON b.n = a.n + 1 WHERE b.seq != a.seq + 1"),
                 0, "events applied out of order");
    cr_expect_eq(s_int(s_store, "SELECT coalesce(min(seq), 0) FROM seen"),
                 count ? (int64_t)first : 0);
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM seen WHERE id != 'e' || seq"), 0,
                 "a body does not match its seq");
}

Test(follower, reads_10000_writes_in_order_from_seq_0_when_every_doorbell_is_dropped)
{
    /* The follower listens for the doorbell where nobody rings; the producer
       rings where nobody listens. Only the 1 s poll can find new events. */
    s_serve();
    for (int i = 0; i < 5; i++)
        s_produce(1000);
    char silent[200];
    snprintf(silent, sizeof silent, "ipc://%s", s_file("nobody-rings-here.ipc"));
    s_follow(silent);
    cr_assert_eq(hc_follower_seq(s_follower), 0);
    cr_assert(s_reach(5000, 10000), "caught up to %" PRIu64, hc_follower_seq(s_follower));
    for (int i = 0; i < 5; i++)
        s_produce(1000);
    cr_assert(s_reach(10000, 15000), "polling stopped at %" PRIu64, hc_follower_seq(s_follower));
    cr_expect_eq(hc_follower_seq(s_follower), 10000);
    cr_expect_eq(hc_follower_head(s_follower), 10000);
    s_expect_seen(1, 10000);
    cr_expect_eq(s_int(s_store, "SELECT seq FROM hc_cursors WHERE follower = 'producer'"), 10000);
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM hc_dead_letters"), 0);
    cr_expect_eq(s_state.calls, 10000, "an event was applied more than once");
}

Test(follower, resumes_exactly_once_after_being_recreated_mid_stream)
{
    s_serve();
    for (int i = 0; i < 10; i++)
        s_produce(1000);
    s_follow(s_bell_ep);
    cr_assert(s_reach(1, 10000));
    uint64_t stopped = hc_follower_seq(s_follower);
    cr_assert(stopped > 0 && stopped < 10000, "not mid-stream: %" PRIu64, stopped);
    hc_follower_destroy(&s_follower);

    s_follower =
        hc_follower_new(s_store, "producer", s_fetch_ep, s_bell_ep, s_apply, s_reset, &s_state);
    cr_assert_not_null(s_follower);
    cr_expect_eq(hc_follower_seq(s_follower), stopped, "cursor not resumed");
    cr_assert_eq(hc_follower_start(s_follower, s_loop), HC_OK);
    cr_assert(s_reach(10000, 15000), "stopped at %" PRIu64, hc_follower_seq(s_follower));
    s_expect_seen(1, 10000);
    cr_expect_eq(s_state.calls, 10000, "duplicate applies after the restart");
}

Test(follower, wakes_on_the_doorbell_before_the_poll)
{
    s_serve();
    s_produce(3);
    s_follow(s_bell_ep);
    cr_assert(s_reach(3, 5000));
    int64_t worst = 0;
    for (uint64_t round = 1; round <= 5; round++) {
        int64_t start = hc_clock_ms();
        s_produce(1);
        cr_assert(s_reach(3 + round, 5000));
        int64_t took = hc_clock_ms() - start;
        worst = took > worst ? took : worst;
    }
    /* A poll-only follower needs up to 1 s; five rounds all under 300 ms
       by chance would be rare (0.3^5). */
    cr_expect_lt(worst, 300, "slowest wake-up %lld ms", (long long)worst);
    s_expect_seen(1, 8);
}

/* Retries the dead letters in one transaction, as a handler would. */
static int s_retry(uint32_t *remaining)
{
    hc_error err;
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    int applied = hc_follower_retry_dead(s_follower, remaining, &err);
    cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);
    return applied;
}

Test(follower, dead_letters_what_it_cannot_apply_and_retries_it)
{
    uint32_t remaining = 0;
    s_serve();
    s_produce(5);
    s_state.fail_seq = 3;
    s_follow(s_bell_ep);
    cr_assert(s_reach(5, 5000));
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM seen"), 4);
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM seen WHERE seq = 3"), 0);
    cr_expect_eq(s_int(s_store, "SELECT seq FROM hc_cursors"), 5);
    cr_assert_eq(s_int(s_store, "SELECT count(*) FROM hc_dead_letters"), 1);
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM hc_dead_letters WHERE follower = 'producer'"
                                " AND source = 'local/producer' AND seq = 3"
                                " AND type = 'test.happened.v1' AND length(body) > 0"
                                " AND reason LIKE 'invalid_argument: refusing seq 3%'"
                                " AND failed_at LIKE '20%' AND occurred_at LIKE '20%'"),
                 1);

    cr_expect_eq(s_retry(&remaining), 0, "still broken, yet applied");
    cr_expect_eq(remaining, 1);
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM hc_dead_letters"), 1);
    cr_expect_eq(
        s_int(s_store, "SELECT count(*) FROM hc_dead_letters WHERE reason LIKE '%refusing seq 3%'"),
        1);
    s_state.fail_seq = 0;
    cr_expect_eq(s_retry(&remaining), 1);
    cr_expect_eq(remaining, 0);
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM hc_dead_letters"), 0);
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM seen WHERE seq = 3 AND id = 'e3'"), 1);
    cr_expect_eq(s_retry(&remaining), 0);
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM seen"), 5);
}

static bool s_on_epoch(void *arg)
{
    const char *epoch = arg;
    sqlite3_stmt *stmt = hc_store_stmt(s_store, "SELECT epoch, seq FROM hc_cursors");
    bool met = sqlite3_step(stmt) == SQLITE_ROW &&
               strcmp((const char *)sqlite3_column_text(stmt, 0), epoch) == 0 &&
               sqlite3_column_int64(stmt, 1) == 3;
    sqlite3_reset(stmt);
    return met;
}

Test(follower, a_new_epoch_resets_and_follows_the_new_log)
{
    s_serve();
    s_produce(7);
    s_follow(s_bell_ep);
    cr_assert(s_reach(7, 5000));
    s_expect_seen(1, 7);

    /* The producer comes back rebuilt: a new store, a new epoch, 3 events. */
    s_producer_down();
    hc_store_destroy(&s_producer_store);
    hc_error err;
    s_producer_store = hc_store_open(s_file("rebuilt.db"), NULL, &err);
    s_log = hc_eventlog_new(s_producer_store, "local/producer", &err);
    cr_assert_not_null(s_log);
    s_produce(3);
    s_serve();
    char epoch[64];
    snprintf(epoch, sizeof epoch, "%s", hc_eventlog_epoch(s_log));
    cr_assert(s_run_until(s_on_epoch, epoch, 10000, NULL), "did not follow the new epoch");
    cr_expect_eq(s_state.resets, 1);
    cr_expect_eq(hc_follower_seq(s_follower), 3);
    s_expect_seen(1, 3);
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM seen WHERE epoch != (SELECT epoch FROM"
                                " hc_cursors)"),
                 0, "state from the old epoch survived the reset");
}

Test(follower, a_producer_down_then_up_is_picked_up_again)
{
    s_follow(s_bell_ep); /* nothing serves yet */
    int ticks = 0;
    cr_expect_not(s_run_until(s_never, NULL, 1500, &ticks));
    cr_expect_gt(ticks, 100, "the loop was blocked: %d checks", ticks);
    cr_expect_eq(hc_follower_seq(s_follower), 0);

    s_produce(20);
    s_serve();
    cr_assert(s_reach(20, 8000), "not picked up: %" PRIu64, hc_follower_seq(s_follower));

    s_producer_down();
    hc_error err;
    s_log = hc_eventlog_new(s_producer_store, "local/producer", &err);
    s_produce(10); /* written while nothing serves */
    cr_expect_not(s_run_until(s_never, NULL, 3500, &ticks));
    cr_expect_gt(ticks, 200, "the loop was blocked: %d checks", ticks);
    cr_expect_eq(hc_follower_seq(s_follower), 20);
    s_serve();
    cr_assert(s_reach(30, 8000), "not picked up again: %" PRIu64, hc_follower_seq(s_follower));
    s_expect_seen(1, 30);
}

/* --- a fake producer for replies a correct log never sends --- */

typedef struct {
    zframe_t *replies[8]; /* scripted, in order; then empty replies */
    int next;
    uint64_t after[16];
    int requests;
    int swallow;            /* leave this many first requests unanswered */
    zframe_t *first_sender; /* identity of the first request */
    bool new_sender;        /* a later request came from another socket */
} s_fake;

static zframe_t *s_reply(uint64_t head, uint64_t first, uint64_t last)
{
    Hcap__FetchReply reply = HCAP__FETCH_REPLY__INIT;
    reply.source = "local/producer";
    reply.epoch = "0123456789abcdef0123456789abcdef";
    reply.head = head;
    Hcap__Event events[8];
    Hcap__Event *pointers[8];
    Hcap__GetRequest bodies[8];
    char ids[8][16];
    uint8_t packed[8][32];
    for (uint64_t seq = first; first && seq <= last; seq++) {
        size_t i = reply.n_events++;
        hcap__event__init(&events[i]);
        hcap__get_request__init(&bodies[i]);
        snprintf(ids[i], sizeof ids[i], "e%" PRIu64, seq);
        bodies[i].id = ids[i];
        events[i].source = reply.source;
        events[i].epoch = reply.epoch;
        events[i].seq = seq;
        events[i].occurred_at = "2026-01-01T00:00:00.000Z";
        events[i].type = "test.happened.v1";
        events[i].body.len = hcap__get_request__pack(&bodies[i], packed[i]);
        events[i].body.data = packed[i];
        pointers[i] = &events[i];
    }
    reply.events = pointers;
    return hc_msg_frame(&reply.base);
}

static int s_on_fake_fetch(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    s_fake *fake = arg;
    zmsg_t *msg = zmsg_recv(router);
    zframe_t *identity = zmsg_pop(msg);
    zframe_t *frame = zmsg_pop(msg);
    Hcap__FetchRequest *request =
        hcap__fetch_request__unpack(NULL, zframe_size(frame), zframe_data(frame));
    cr_assert_not_null(request);
    if (fake->requests < 16)
        fake->after[fake->requests++] = request->after_seq;
    hcap__fetch_request__free_unpacked(request, NULL);
    if (!fake->first_sender)
        fake->first_sender = zframe_dup(identity);
    else if (!zframe_eq(identity, fake->first_sender))
        fake->new_sender = true;
    if (fake->swallow > 0) {
        fake->swallow--;
        zframe_destroy(&identity);
        zframe_destroy(&frame);
        zmsg_destroy(&msg);
        return 0;
    }
    zframe_t *reply = fake->next < 8 && fake->replies[fake->next] ? fake->replies[fake->next++]
                                                                  : s_reply(3, 0, 0);
    zframe_send(&identity, router, ZFRAME_MORE);
    zframe_send(&reply, router, 0);
    zframe_destroy(&frame);
    zmsg_destroy(&msg);
    return 0;
}

Test(follower, skips_repeats_and_never_applies_across_a_hole_or_garbage)
{
    s_fake fake = {.replies = {zframe_new("\xff\xff\xff", 3), s_reply(3, 2, 3), s_reply(3, 1, 2),
                               s_reply(3, 1, 3)}};
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    cr_assert_eq(zsock_bind(router, "%s", s_fetch_ep), 0);
    zloop_reader(s_loop, router, s_on_fake_fetch, &fake);
    s_follow(s_bell_ep);
    bool reached = s_reach(3, 8000);
    zloop_reader_end(s_loop, router);
    zsock_destroy(&router);
    cr_assert(reached, "stopped at %" PRIu64, hc_follower_seq(s_follower));
    /* garbage, then a hole (2..3 after 0): both refetched from 0; then 1..2,
       then 1..3 of which only 3 is new. */
    cr_assert_geq(fake.requests, 4);
    cr_expect_eq(fake.after[0], 0);
    cr_expect_eq(fake.after[1], 0);
    cr_expect_eq(fake.after[2], 0, "applied across the hole");
    cr_expect_eq(fake.after[3], 2);
    s_expect_seen(1, 3);
    cr_expect_eq(s_state.calls, 3, "a repeated event was applied again");
    for (int i = fake.next; i < 8; i++)
        zframe_destroy(&fake.replies[i]);
    zframe_destroy(&fake.first_sender);
}

Test(follower, an_unanswered_fetch_is_given_up_and_asked_again_on_a_new_socket)
{
    s_fake fake = {.replies = {s_reply(3, 1, 3)}, .swallow = 1};
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    cr_assert_eq(zsock_bind(router, "%s", s_fetch_ep), 0);
    zloop_reader(s_loop, router, s_on_fake_fetch, &fake);
    int64_t start = hc_clock_ms();
    s_follow(s_bell_ep);
    bool reached = s_reach(3, 8000);
    int64_t took = hc_clock_ms() - start;
    zloop_reader_end(s_loop, router);
    zsock_destroy(&router);
    cr_assert(reached, "stuck at %" PRIu64 " after an unanswered FETCH",
              hc_follower_seq(s_follower));
    cr_expect_geq(took, 2900, "gave up after %lld ms", (long long)took);
    cr_expect(fake.new_sender, "asked again on the same socket");
    s_expect_seen(1, 3);
    for (int i = fake.next; i < 8; i++)
        zframe_destroy(&fake.replies[i]);
    zframe_destroy(&fake.first_sender);
}

Test(follower, an_unusable_endpoint_fails_to_start)
{
    s_follower =
        hc_follower_new(s_store, "producer", "no-such-transport", s_bell_ep, s_apply, NULL, NULL);
    cr_assert_not_null(s_follower);
    cr_expect_eq(hc_follower_start(s_follower, s_loop), HC_INTERNAL);
}

static bool s_seen_at_least(void *arg)
{
    return s_int(s_store, "SELECT count(*) FROM seen") >= *(int64_t *)arg;
}

Test(follower, a_rewind_replays_the_log_from_seq_one)
{
    s_serve();
    s_produce(4);
    s_follow(s_bell_ep);
    cr_assert(s_reach(4, 5000));
    /* What a rebuild does: derived rows and cursor go in one transaction,
       then the running follower is told. */
    hc_error err;
    uint32_t cursors = 0;
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    cr_assert_eq(hc_store_exec(s_store, "DELETE FROM seen", &err), HC_OK);
    cr_assert_eq(hc_followers_rewind(s_store, &cursors, &err), HC_OK);
    cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);
    cr_expect_eq(cursors, 1);
    hc_follower_reload(s_follower);
    s_produce(1);
    int64_t want = 5;
    cr_assert(s_run_until(s_seen_at_least, &want, 5000, NULL));
    zclock_sleep(50);
    s_run_until(s_never, NULL, 100, NULL);
    cr_expect_eq(s_int(s_store, "SELECT count(*) FROM seen"), 5,
                 "each event once after the rewind");
    cr_expect_eq(s_int(s_store, "SELECT count(DISTINCT seq) FROM seen"), 5);
    cr_expect_eq(hc_follower_seq(s_follower), 5);
}

Test(follower, status_tells_how_far_behind_it_is)
{
    s_serve();
    s_produce(3);
    s_state.fail_seq = 2;
    s_follow(s_bell_ep);
    cr_assert(s_reach(3, 5000));
    Hcap__FollowerStatus status;
    hc_follower_status(s_follower, &status);
    cr_expect_str_eq(status.source, "producer");
    cr_expect_eq(status.seq, 3);
    cr_expect_eq(status.head, 3);
    cr_expect_eq(status.seconds_behind, 0.0);
    cr_expect_eq(status.dead_letters, 1);

    s_producer_down(); /* the follower hears of a head it cannot reach */
    hc_store_exec(s_store, "UPDATE hc_cursors SET seq = 1", NULL);
    hc_follower_reload(s_follower);
    s_run_until(s_never, NULL, 1200, NULL);
    hc_follower_status(s_follower, &status);
    cr_expect_eq(status.seq, 1);
    cr_expect_eq(status.head, 3, "the head it last saw");
    cr_expect_gt(status.seconds_behind, 0.0);
}

/* The follower is on epoch at seq 5 and says it is caught up. */
static bool s_on_restored(void *arg)
{
    Hcap__FollowerStatus status;
    hc_follower_status(s_follower, &status);
    return status.epoch && strcmp(status.epoch, arg) == 0 && status.seq == 5 &&
           status.seconds_behind == 0.0;
}

/* A follower started on a cursor its producer has not confirmed yet (a
   restored node whose producer is not up) is not caught up, whatever its
   seq says; once the producer answers it is on the producer's epoch. */
Test(follower, status_is_behind_until_the_producer_confirms_the_epoch)
{
    s_serve();
    s_produce(5);
    s_follow(s_bell_ep);
    cr_assert(s_reach(5, 5000));
    Hcap__FollowerStatus status;
    hc_follower_status(s_follower, &status);
    char old[64];
    snprintf(old, sizeof old, "%s", hc_eventlog_epoch(s_log));
    cr_expect_str_eq(status.epoch, old);
    cr_expect_str_eq(status.producer_epoch, old);
    cr_expect_eq(status.seconds_behind, 0.0);

    hc_follower_destroy(&s_follower); /* the node stops; its producer is restored */
    s_producer_down();
    hc_store_destroy(&s_producer_store);
    hc_error err;
    s_producer_store = hc_store_open(s_file("restored.db"), NULL, &err);
    s_log = hc_eventlog_new(s_producer_store, "local/producer", &err);
    s_produce(5);
    s_follow(s_bell_ep);
    s_run_until(s_never, NULL, 150, NULL);
    hc_follower_status(s_follower, &status);
    cr_expect_str_eq(status.epoch, old, "the cursor still holds the old epoch");
    cr_expect_null(status.producer_epoch, "the producer has not answered");
    cr_expect_eq(status.seq, 5);
    cr_expect_gt(status.seconds_behind, 0.0, "not caught up before the producer answered");

    s_serve();
    char epoch[64];
    snprintf(epoch, sizeof epoch, "%s", hc_eventlog_epoch(s_log));
    cr_assert(s_run_until(s_on_restored, epoch, 5000, NULL), "did not read the restored log");
    hc_follower_status(s_follower, &status);
    cr_expect_str_eq(status.epoch, epoch);
    cr_expect_str_eq(status.producer_epoch, epoch);
    cr_expect_eq(status.seconds_behind, 0.0);
    cr_expect_eq(s_state.resets, 1);
}

/* Told of a new epoch by a doorbell before any FETCH reply, the follower
   says seq 0 and the producer's head: it reads the new epoch from seq 1. */
Test(follower, a_doorbell_of_another_epoch_shows_the_whole_log_behind)
{
    s_serve();
    s_produce(4);
    hc_error err;
    cr_assert_eq(hc_followers_schema(s_store, &err), HC_OK);
    cr_assert_eq(hc_store_exec(s_store,
                               "INSERT INTO hc_cursors VALUES"
                               " ('producer', 'local/producer', 'old-epoch', 9)",
                               &err),
                 HC_OK);
    /* FETCH goes where nothing answers; the doorbell is the producer's */
    snprintf(s_fetch_ep, sizeof s_fetch_ep, "ipc://%s/nobody.ipc", s_dir);
    s_follow(s_bell_ep);
    s_run_until(s_never, NULL, 300, NULL);
    Hcap__FollowerStatus status;
    hc_follower_status(s_follower, &status);
    cr_expect_eq(status.seq, 9);
    cr_expect_gt(status.seconds_behind, 0.0);
    s_produce(1);
    s_run_until(s_never, NULL, 200, NULL);
    hc_follower_status(s_follower, &status);
    cr_expect_str_eq(status.epoch, "old-epoch");
    cr_expect_str_eq(status.producer_epoch, hc_eventlog_epoch(s_log));
    cr_expect_eq(status.seq, 0, "the new epoch is read from seq 1");
    cr_expect_eq(status.head, 5);
    cr_expect_gt(status.seconds_behind, 0.0);
}
