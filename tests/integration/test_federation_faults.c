/* Federation under faults: two regions keep writing workers and
   enrollments while the central node is stopped with SIGTERM and started
   again, then killed with kill -9 (hub first) and started again on the
   same directory and port, and while one region's hcap-uplink is kill -9'd
   with batches in flight (once after central committed a batch whose ack
   a relay held back, so that batch comes again). Afterwards central holds every event of both
   regions exactly once: its per-node counts equal the regions' log heads,
   the hub's log holds each (source, epoch, seq) once and gapless per
   source, the batch sent again shows as duplicates, and by=node
   participants equal the enrollments acknowledged. */
#include "ht.h"

#include <czmq.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "hcap.pb-c.h"

#define S_REGIONS      2
#define S_FLOW_MS      90000 /* forwarded, committed, acked: sanitizer builds on 2 busy cores */
#define S_GROWTH       12    /* events each region logs while central is away */
#define S_PACE_MS      40    /* between a writer's enrollments: leave the nodes some CPU */
#define S_TRIES        100   /* a write retried (same idempotency key) this often at most */
#define S_UPLINK_KILLS 3

typedef struct {
    const char *id;
    ht_node *node;
    char *cohort;
    pthread_t thread;
    bool running;
    atomic_int acked;   /* enrollments acknowledged (each a new participant) */
    atomic_bool failed; /* a write never succeeded: error holds why */
    char error[512];
} s_region;

static ht_node *s_central;
static ht_proxy *s_proxy; /* r1's uplink goes through it */
static s_region s_regions[S_REGIONS] = {{.id = "r1"}, {.id = "r2"}};
static atomic_bool s_stop;

static void s_stop_writers(void)
{
    atomic_store(&s_stop, true);
    for (int i = 0; i < S_REGIONS; i++)
        if (s_regions[i].running) {
            pthread_join(s_regions[i].thread, NULL);
            s_regions[i].running = false;
        }
}

static void s_fini(void)
{
    s_stop_writers();
    for (int i = 0; i < S_REGIONS; i++) {
        ht_node_destroy(&s_regions[i].node);
        free(s_regions[i].cohort);
    }
    ht_proxy_destroy(&s_proxy);
    ht_node_destroy(&s_central);
}

TestSuite(federation_faults, .fini = s_fini, .timeout = 170);

/* The last lines of a node's log, for a failure's message. */
static const char *s_log_tail(const ht_node *node)
{
    char *log = ht_node_log(node);
    size_t len = strlen(log);
    const char *tail = ht_fmt("%s", log + (len > 6000 ? len - 6000 : 0));
    free(log);
    return tail;
}

/* --- writers: a worker and its enrollment, each POST retried with its
   idempotency key until acknowledged --- */

/* POSTs body to path until 201; copies the reply's id into id. False
   (region->error set) when it never succeeded. */
static bool s_post(s_region *r, const char *path, const char *body, const char *key, char *id,
                   size_t size)
{
    int status = 0;
    for (int attempt = 0; attempt < S_TRIES && !atomic_load(&s_stop); attempt++) {
        ht_req req = {.method = "POST",
                      .path = path,
                      .token = r->node->token,
                      .idempotency_key = key,
                      .body = body,
                      .timeout_ms = 10000};
        ht_resp resp;
        status = ht_http(r->node, &req, &resp);
        const char *got =
            status == 201 ? json_string_value(json_object_get(resp.json, "id")) : NULL;
        if (got)
            snprintf(id, size, "%s", got);
        ht_resp_free(&resp);
        if (status == 201)
            return true;
        ht_sleep_ms(100);
    }
    if (!atomic_load(&s_stop))
        snprintf(r->error, sizeof r->error, "POST %s (key %s) never succeeded, last %d", path, key,
                 status);
    return false;
}

static void *s_writer_main(void *arg)
{
    s_region *r = arg;
    for (int i = 0; !atomic_load(&s_stop); i++) {
        char body[512], key[64], worker[128] = "", enrollment[128] = "";
        snprintf(body, sizeof body,
                 "{\"given_name\":\"Faultwriter\",\"family_name\":\"%s%d\","
                 "\"employment_status\":\"new_entrant\"}",
                 r->id, i);
        snprintf(key, sizeof key, "w-%s-%d", r->id, i);
        if (!s_post(r, "/v1/workers", body, key, worker, sizeof worker))
            break;
        snprintf(body, sizeof body, "{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", worker,
                 r->cohort);
        snprintf(key, sizeof key, "e-%s-%d", r->id, i);
        if (!s_post(r, "/v1/enrollments", body, key, enrollment, sizeof enrollment))
            break;
        atomic_fetch_add(&r->acked, 1);
        ht_sleep_ms(S_PACE_MS);
    }
    if (r->error[0])
        atomic_store(&r->failed, true);
    return NULL;
}

/* --- the nodes --- */

static void s_start(int listen_port)
{
    const char *args[] = {"--role", "central", "--listen",
                          ht_fmt("tcp://127.0.0.1:%d", listen_port), NULL};
    s_central = ht_node_start_argv(NULL, NULL, args);
    cr_assert(s_central, "the central node did not start");
    const char *key = ht_fmt("%s/node.pub", s_central->dir);
    s_proxy = ht_proxy_start(listen_port);
    cr_assert(s_proxy, "the relay did not start");
    for (int i = 0; i < S_REGIONS; i++) {
        int port = i == 0 ? ht_proxy_port(s_proxy) : listen_port;
        const char *uplink = ht_fmt("tcp://127.0.0.1:%d", port);
        const char *region[] = {
            "--node-id", s_regions[i].id, "--uplink", uplink, "--central-key", key, NULL};
        s_regions[i].node = ht_node_launch(NULL, NULL, region);
        cr_assert(s_regions[i].node, "region %s was not launched", s_regions[i].id);
        ht_fed_allow(s_central->dir, s_regions[i].node->dir, s_regions[i].id, 30000);
    }
    for (int i = 0; i < S_REGIONS; i++)
        cr_assert_eq(ht_node_await(s_regions[i].node), 0, "region %s did not start",
                     s_regions[i].id);
}

/* An employer, a program and one cohort with room for every writer. */
static void s_fund(s_region *r)
{
    char *employer = ht_new_employer(r->node, ht_uniq("Faultclinic "));
    char *program = ht_new_program(r->node, ht_uniq("FAULT-"));
    r->cohort = ht_new_cohort(r->node, program, 100000);
    free(employer);
    free(program);
}

static void s_start_writers(void)
{
    for (int i = 0; i < S_REGIONS; i++) {
        cr_assert_eq(pthread_create(&s_regions[i].thread, NULL, s_writer_main, &s_regions[i]), 0);
        s_regions[i].running = true;
    }
}

static void s_assert_writers_ok(void)
{
    for (int i = 0; i < S_REGIONS; i++)
        cr_assert(!atomic_load(&s_regions[i].failed), "the writer at %s: %s\n%s", s_regions[i].id,
                  s_regions[i].error, s_log_tail(s_regions[i].node));
}

/* --- waiting on progress --- */

/* Waits until central's events of region grew past `than`; returns them. */
static int64_t s_wait_central_past(const s_region *r, int64_t than)
{
    int64_t got = 0;
    for (int64_t until = ht_now_ms() + S_FLOW_MS; (got = ht_fed_events(s_central, r->id)) <= than;
         ht_sleep_ms(100)) {
        s_assert_writers_ok();
        cr_assert_lt(ht_now_ms(), until, "central's events of %s stayed at %lld", r->id,
                     (long long)got);
    }
    return got;
}

/* Waits until every region logged `more` events beyond what it had. */
static void s_wait_regions_grow(int64_t more)
{
    int64_t base[S_REGIONS];
    for (int i = 0; i < S_REGIONS; i++)
        base[i] = ht_fed_log_sum(s_regions[i].node->dir);
    for (int i = 0; i < S_REGIONS; i++)
        for (int64_t until = ht_now_ms() + 30000;
             ht_fed_log_sum(s_regions[i].node->dir) < base[i] + more; ht_sleep_ms(50)) {
            s_assert_writers_ok();
            cr_assert_lt(ht_now_ms(), until, "%s did not go on writing", s_regions[i].id);
        }
}

/* Both regions' events flow to central (each grows). */
static void s_wait_flowing(void)
{
    for (int i = 0; i < S_REGIONS; i++)
        s_wait_central_past(&s_regions[i], ht_fed_events(s_central, s_regions[i].id));
}

/* --- the faults --- */

static void s_central_sigterm(void)
{
    s_wait_flowing();
    int code = ht_node_stop(s_central);
    cr_assert_eq(code, 0, "SIGTERM must end the central node with exit 0, not %d:\n%s", code,
                 s_log_tail(s_central));
    s_wait_regions_grow(S_GROWTH);
    cr_assert_eq(ht_node_restart(s_central, false), 0, "central did not start again");
}

static void s_central_kill_9(void)
{
    s_wait_flowing();
    pid_t hub = ht_node_child(s_central, "hcap-central");
    cr_assert(hub > 0, "no hcap-central for %s", s_central->dir);
    cr_assert_eq(kill(hub, SIGKILL), 0);
    ht_node_kill(s_central);
    s_wait_regions_grow(S_GROWTH);
    cr_assert_eq(ht_node_restart(s_central, false), 0, "central did not start after kill -9");
}

/* Waits until the region's uplink has events in flight or waiting. */
static void s_wait_pending(const s_region *r)
{
    for (int64_t until = ht_now_ms() + 30000;; ht_sleep_ms(20)) {
        json_t *status = NULL;
        ht_json_get(r->node, "/v1/uplink", &status);
        json_int_t pending = ht_jint(status, "pending");
        json_decref(status);
        if (pending != HT_JNONE && pending > 0)
            return;
        cr_assert_lt(ht_now_ms(), until, "%s's uplink never had pending events", r->id);
    }
}

/* Waits for the region's node to start an uplink other than `old`. */
static void s_wait_new_uplink(const s_region *r, pid_t old)
{
    pid_t next = 0;
    for (int64_t until = ht_now_ms() + 30000;
         (next = ht_node_child(r->node, "hcap-uplink")) == 0 || next == old; ht_sleep_ms(50))
        cr_assert_lt(ht_now_ms(), until, "%s's node did not restart its uplink", r->id);
}

/* The region uplink's `forwarded` (outbox rows central acked), or -1. */
static int64_t s_forwarded(const s_region *r)
{
    json_t *status = NULL;
    ht_json_get(r->node, "/v1/uplink", &status);
    json_int_t forwarded = ht_jint(status, "forwarded");
    json_decref(status);
    return forwarded == HT_JNONE ? -1 : forwarded;
}

/* With central's acks held back: waits (at most 15 s) until central has
   committed rows the uplink has not heard of (central's events above the
   uplink's forwarded, which holds still while no ack can come). */
static bool s_wait_unacked(const s_region *r)
{
    for (int64_t until = ht_now_ms() + 15000; ht_now_ms() < until; ht_sleep_ms(50)) {
        int64_t before = s_forwarded(r);
        int64_t events = ht_fed_events(s_central, r->id);
        if (before >= 0 && s_forwarded(r) == before && events > before)
            return true;
    }
    return false;
}

/* kill -9 of the region's uplink while events wait in its outbox. With
   held (r1's uplink goes through the relay), central's acks are held back
   first until central has committed rows the uplink never hears of: they
   stay in the outbox and must come back as duplicates, not as events.
   Returns true when that happened. */
static bool s_uplink_kill(const s_region *r, bool held)
{
    s_wait_central_past(r, ht_fed_events(s_central, r->id));
    s_wait_pending(r);
    pid_t uplink = ht_node_child(r->node, "hcap-uplink");
    cr_assert(uplink > 0, "no hcap-uplink for %s", r->node->dir);
    bool unacked = false;
    if (held) {
        ht_proxy_hold_replies(s_proxy, true);
        unacked = s_wait_unacked(r);
    }
    cr_assert_eq(kill(uplink, SIGKILL), 0);
    ht_proxy_hold_replies(s_proxy, false);
    s_wait_new_uplink(r, uplink);
    return unacked;
}

/* Three kills, the middle one with central's acks held back; true when
   that one left a batch committed at central in the outbox. */
static bool s_uplink_kills(const s_region *r)
{
    bool resend = false;
    for (int k = 0; k < S_UPLINK_KILLS; k++)
        resend |= s_uplink_kill(r, k == 1);
    return resend;
}

/* --- exactly once --- */

/* The hub's log holds one central.event_received.v1 per region event:
   per source (region/service) the forwarded seqs are 1..head, each once. */
static void s_assert_hub_log_exact(void)
{
    ht_events log;
    cr_assert_eq(ht_events_fetch(s_central->dir, "central", &log, 10000), 0);
    zhashx_t *seen = zhashx_new();
    zhashx_t *max = zhashx_new();
    for (size_t i = 0; i < log.count; i++) {
        Hcap__Event *ev = hcap__event__unpack(NULL, log.items[i].size, log.items[i].body);
        cr_assert(ev, "hub event %llu: body is no Event", (unsigned long long)log.items[i].seq);
        const char *key = ht_fmt("%s %s %llu", ev->source, ev->epoch, (unsigned long long)ev->seq);
        cr_assert_null(zhashx_lookup(seen, key), "the hub logged %s twice", key);
        zhashx_insert(seen, key, (void *)1);
        uintptr_t top = (uintptr_t)zhashx_lookup(max, ev->source);
        zhashx_update(max, ev->source, (void *)(uintptr_t)(ev->seq > top ? ev->seq : top));
        hcap__event__free_unpacked(ev, NULL);
    }
    size_t sources = 0;
    for (int i = 0; i < S_REGIONS; i++)
        for (size_t k = 0; k < HT_FED_SOURCES; k++) {
            const char *source = ht_fmt("%s/%s", s_regions[i].id, ht_fed_sources[k]);
            int64_t head = ht_events_head(s_regions[i].node->dir, ht_fed_sources[k], 5000);
            uintptr_t top = (uintptr_t)zhashx_lookup(max, source);
            cr_assert_eq((int64_t)top, head, "%s: the hub's last seq %llu, the region's head %lld",
                         source, (unsigned long long)top, (long long)head);
            sources += head > 0;
        }
    cr_assert_eq(zhashx_size(max), sources, "the hub's log has sources of no region");
    zhashx_destroy(&seen);
    zhashx_destroy(&max);
    ht_events_free(&log);
}

static void s_assert_participants(void)
{
    int64_t head = ht_events_head(s_central->dir, "central", 5000);
    for (int64_t until = ht_now_ms() + S_FLOW_MS;; ht_sleep_ms(100)) {
        json_t *status = NULL;
        ht_json_get(s_central, "/v1/reports/status", &status);
        bool at = ht_jint(status, "followers.0.seq") >= head;
        json_decref(status);
        if (at)
            break;
        cr_assert_lt(ht_now_ms(), until, "central reporting did not reach %lld", (long long)head);
    }
    json_t *outcomes = ht_expect(s_central, 200, "GET", "/v1/reports/outcomes?by=node", NULL);
    for (int i = 0; i < S_REGIONS; i++) {
        json_int_t got = HT_JNONE;
        for (long k = 0; k < ht_jlen(outcomes, "rows"); k++)
            if (strcmp(ht_jstr(outcomes, "rows.%ld.group", k), s_regions[i].id) == 0)
                got = ht_jint(outcomes, "rows.%ld.participants", k);
        cr_assert_eq(got, atomic_load(&s_regions[i].acked), "participants of %s: %s",
                     s_regions[i].id, ht_jtext(outcomes));
    }
    json_decref(outcomes);
}

Test(federation_faults, central_stopped_killed_and_an_uplink_killed_lose_and_double_nothing)
{
    int listen_port = ht_free_port();
    s_start(listen_port);
    for (int i = 0; i < S_REGIONS; i++)
        s_fund(&s_regions[i]);
    s_start_writers();
    s_central_sigterm();
    s_central_kill_9();
    bool resend = s_uplink_kills(&s_regions[0]);
    s_wait_flowing();
    s_stop_writers();
    s_assert_writers_ok();
    for (int i = 0; i < S_REGIONS; i++) {
        cr_assert_geq(atomic_load(&s_regions[i].acked), 10, "%s's writer acknowledged only %d",
                      s_regions[i].id, atomic_load(&s_regions[i].acked));
        int64_t want = -1;
        int64_t got = ht_fed_wait_events(s_central, s_regions[i].id, s_regions[i].node->dir,
                                         S_FLOW_MS, &want);
        cr_assert_eq(got, want, "central has %lld events of %s, its logs hold %lld", (long long)got,
                     s_regions[i].id, (long long)want);
    }
    s_assert_hub_log_exact();
    s_assert_participants();
    json_t *r1 = ht_fed_node(s_central, s_regions[0].id);
    cr_assert(resend, "central never committed while its acks to r1 were held back");
    cr_assert_gt(ht_jint(r1, "duplicates"), 0,
                 "r1 sent again a batch central had committed, yet no duplicates: %s",
                 ht_jtext(r1));
    json_decref(r1);
}
