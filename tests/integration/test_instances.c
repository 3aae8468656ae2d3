/* Two instances of enrollment on one store: the node's own and a second
   hcap-enrollment started by hand with the same --data. Both take
   requests and many clients' writes through both keep the log gapless
   with every acknowledged write once; kill -9 of the store's leader hands
   the log, the doorbell and the followers to the other; an instance
   killed with requests in flight at it: reads are answered by the other,
   writes without an idempotency key get 503, keyed ones succeed once. */
#include "ht.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_INSTANCE    "enrollment-extra"
#define S_REGISTER_MS 30000 /* the second instance registered (sanitizers) */
#define S_TAKEOVER_MS 3000  /* the other instance holds the store's lock */
#define S_VISIBLE_MS  1000  /* a write seen by reporting */
#define S_CATCH_UP_MS 30000
#define S_CLIENTS     32
#define S_ROUNDS      4
#define S_BUSY_BYTES  (64 * 1024) /* what serving a share of the writes makes an instance write */

static ht_node *s_node;
static pid_t s_extra; /* our second instance */

static void s_fini(void)
{
    if (s_extra > 0)
        ht_proc_end(s_extra, SIGKILL, 10000);
    s_extra = 0;
    ht_node_destroy(&s_node);
}

TestSuite(instances, .fini = s_fini);

/* Live instances of service per /healthz, or -1. */
static int s_health_instances(const char *service)
{
    json_t *health = NULL;
    ht_json_call(s_node, "GET", "/healthz", NULL, NULL, &health);
    int live = -1;
    for (long i = 0; i < ht_jlen(health, "services"); i++) {
        const char *name = ht_jstr(health, "services.%ld.name", i);
        if (name && strcmp(name, service) == 0)
            live = (int)ht_jint(health, "services.%ld.instances", i);
    }
    json_decref(health);
    return live;
}

static bool s_wait_instances(int want, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    while (ht_now_ms() < deadline) {
        if (s_health_instances("enrollment") == want)
            return true;
        ht_sleep_ms(50);
    }
    return false;
}

/* The node with a second enrollment instance registered beside its own;
 *own gets the node's instance. */
static void s_start(pid_t *own)
{
    s_node = ht_node_start(NULL, false);
    cr_assert(s_node);
    *own = ht_node_child(s_node, "hcap-enrollment");
    cr_assert(*own > 0);
    const char *args[] = {"--instance", S_INSTANCE, NULL};
    s_extra = ht_node_spawn(s_node, "hcap-enrollment", args);
    cr_assert(s_extra > 0);
    cr_assert(s_wait_instances(2, S_REGISTER_MS),
              "/healthz does not show 2 enrollment instances within %d ms (it shows %d)",
              S_REGISTER_MS, s_health_instances("enrollment"));
}

static const char *s_lock_path(void)
{
    return ht_fmt("%s/enrollment.db.lock", s_node->dir);
}

/* Rows of enrollment's workers with family_name mark, and events holding it. */
static void s_stored(const char *mark, int64_t *rows, int64_t *events)
{
    ht_db *db = ht_db_open(s_node->dir, "enrollment.db");
    cr_assert(db);
    *rows = ht_db_int(db, "SELECT count(*) FROM workers WHERE family_name = ?1", mark);
    *events =
        ht_db_int(db, "SELECT count(*) FROM events WHERE instr(body, CAST(?1 AS BLOB)) > 0", mark);
    ht_db_close(&db);
}

/* enrollment's log: gapless in its store and over FETCH (from whichever
   instance leads), the same head both ways. */
static void s_assert_log(void)
{
    ht_db *db = ht_db_open(s_node->dir, "enrollment.db");
    cr_assert(db);
    int64_t head = 0;
    char why[512];
    bool gapless = ht_db_log_gapless(db, &head, why, sizeof why);
    ht_db_close(&db);
    cr_assert(gapless, "%s", why);
    ht_events events;
    cr_assert_eq(ht_events_fetch(s_node->dir, "enrollment", &events, 5000), 0);
    bool same = ht_events_gapless(&events) && (int64_t)events.head == head;
    ht_events_free(&events);
    cr_assert(same, "FETCH of enrollment's log differs from the store's: %s", why);
}

static char *s_worker_body(const char *mark)
{
    return strdup(ht_fmt("{\"given_name\":\"Inst\",\"family_name\":\"%s\","
                         "\"employment_status\":\"incumbent\"}",
                         mark));
}

Test(instances, two_instances_take_requests_and_keep_one_gapless_log, .timeout = 300)
{
    pid_t own = 0;
    s_start(&own);
    int64_t wrote_own = ht_proc_wchar(own), wrote_extra = ht_proc_wchar(s_extra);
    cr_assert(wrote_own >= 0 && wrote_extra >= 0);
    static ht_req reqs[S_CLIENTS];
    static ht_resp resps[S_CLIENTS];
    static char marks[S_ROUNDS][S_CLIENTS][32];
    char *bodies[S_CLIENTS];
    for (int round = 0; round < S_ROUNDS; round++) {
        for (int i = 0; i < S_CLIENTS; i++) {
            snprintf(marks[round][i], sizeof marks[round][i], "inst-%d-%02d", round, i);
            bodies[i] = s_worker_body(marks[round][i]);
            reqs[i] = (ht_req){.method = "POST",
                               .path = "/v1/workers",
                               .token = s_node->token,
                               .idempotency_key = i % 2 ? marks[round][i] : NULL,
                               .body = bodies[i]};
        }
        ht_http_parallel(s_node, reqs, resps, S_CLIENTS);
        for (int i = 0; i < S_CLIENTS; i++) {
            cr_assert_eq(resps[i].status, 201, "POST %s -> %d %s", marks[round][i], resps[i].status,
                         resps[i].body);
            ht_resp_free(&resps[i]);
            free(bodies[i]);
        }
    }
    wrote_own = ht_proc_wchar(own) - wrote_own;
    wrote_extra = ht_proc_wchar(s_extra) - wrote_extra;
    cr_log_info("%d writes: the node's instance wrote %ld bytes, %s %ld", S_ROUNDS * S_CLIENTS,
                (long)wrote_own, S_INSTANCE, (long)wrote_extra);
    cr_assert(wrote_own > S_BUSY_BYTES && wrote_extra > S_BUSY_BYTES,
              "both instances take requests: the node's wrote %ld bytes, %s %ld", (long)wrote_own,
              S_INSTANCE, (long)wrote_extra);
    for (int round = 0; round < S_ROUNDS; round++)
        for (int i = 0; i < S_CLIENTS; i++) {
            int64_t rows = 0, events = 0;
            s_stored(marks[round][i], &rows, &events);
            cr_assert(rows == 1 && events == 1, "%s: %ld rows, %ld events", marks[round][i],
                      (long)rows, (long)events);
        }
    s_assert_log();
    cr_assert_eq(ht_proc_end(s_extra, SIGTERM, 20000), 0, "%s did not stop cleanly", S_INSTANCE);
    s_extra = 0;
    cr_assert(s_wait_instances(1, 10000), "%s still listed after it stopped", S_INSTANCE);
    cr_assert_eq(ht_node_stop(s_node), 0);
}

/* POSTs a worker with a key, retried on 5xx or no answer until 201. */
static void s_write_worker(const char *mark)
{
    char *body = s_worker_body(mark);
    int64_t until = ht_now_ms() + 15000;
    int status;
    do {
        ht_req req = {.method = "POST",
                      .path = "/v1/workers",
                      .token = s_node->token,
                      .idempotency_key = mark,
                      .body = body};
        ht_resp resp;
        status = ht_http(s_node, &req, &resp);
        ht_resp_free(&resp);
    } while ((status == 0 || status >= 500) && ht_now_ms() < until);
    free(body);
    cr_assert_eq(status, 201, "POST worker %s -> %d", mark, status);
}

/* Writes a worker and returns how long reporting took to apply it (the
   log's head as its leader serves it over FETCH), asserting it did
   within S_VISIBLE_MS. */
static int64_t s_visible_ms(const char *mark)
{
    s_write_worker(mark);
    int64_t at = ht_now_ms();
    int64_t heads[HT_REPORTS_SOURCES];
    for (int i = 0; i < HT_REPORTS_SOURCES; i++)
        heads[i] = ht_events_head(s_node->dir, ht_reports_sources[i], 3000);
    cr_assert(heads[0] > 0, "enrollment's log is not served");
    while (!ht_reports_at(s_node, heads, NULL) && ht_now_ms() - at < S_VISIBLE_MS)
        ht_sleep_ms(5);
    int64_t took = ht_now_ms() - at;
    cr_assert(ht_reports_at(s_node, heads, NULL),
              "reporting did not apply enrollment's seq %ld within %d ms", (long)heads[0],
              S_VISIBLE_MS);
    return took;
}

Test(instances, the_store_leader_dies_and_the_other_instance_leads, .timeout = 300)
{
    pid_t own = 0;
    s_start(&own);
    pid_t leader = ht_flock_holder(s_lock_path());
    cr_assert(leader == own || leader == s_extra, "the lock's holder %d is neither instance",
              (int)leader);
    pid_t other = leader == own ? s_extra : own;
    ht_reports_wait(s_node, S_CATCH_UP_MS);
    cr_log_info("before: seen by reporting in %ld ms", (long)s_visible_ms("lead-before"));
    cr_assert_eq(kill(leader, SIGKILL), 0);
    int64_t killed_at = ht_now_ms();
    if (leader == s_extra) {
        ht_wait_pid(s_extra, 5000);
        s_extra = 0;
    }
    while (ht_flock_holder(s_lock_path()) != other && ht_now_ms() - killed_at < S_TAKEOVER_MS)
        ht_sleep_ms(10);
    cr_assert_eq(ht_flock_holder(s_lock_path()), other,
                 "the store's lock went to %d, not to the other instance %d, within %d ms",
                 (int)ht_flock_holder(s_lock_path()), (int)other, S_TAKEOVER_MS);
    cr_log_info("%s (%d) killed, %d leads after %ld ms", leader == own ? "the node's" : S_INSTANCE,
                (int)leader, (int)other, (long)(ht_now_ms() - killed_at));
    for (int i = 0; i < 5; i++) {
        int64_t took = s_visible_ms(ht_fmt("lead-after-%d", i));
        cr_log_info("after: write %d seen by reporting in %ld ms", i, (long)took);
    }
    for (int i = 0; i < 5; i++) {
        int64_t rows = 0, events = 0;
        s_stored(ht_fmt("lead-after-%d", i), &rows, &events);
        cr_assert(rows == 1 && events == 1, "lead-after-%d: %ld rows, %ld events", i, (long)rows,
                  (long)events);
    }
    s_assert_log();
    if (leader == own) {
        cr_assert(s_wait_instances(2, S_REGISTER_MS), "hcap-node's restarted instance missing");
        cr_assert_eq(ht_flock_holder(s_lock_path()), other, "a restarted instance took the lead");
    }
    cr_assert_eq(ht_node_stop(s_node), 0);
}

/* kill -9 of pid after delay_ms, from a thread while requests are in flight. */
typedef struct {
    pid_t pid;
    int delay_ms;
} s_killer;

static void *s_killer_main(void *arg)
{
    s_killer *killer = arg;
    ht_sleep_ms(killer->delay_ms);
    kill(killer->pid, SIGKILL);
    return NULL;
}

#define S_MID     10 /* reads, unkeyed writes and keyed writes, each */
#define S_STAGGER 20 /* ms between requests: the broker alternates them between instances */

typedef struct {
    const ht_req *req;
    ht_resp *resp;
    int delay_ms;
    int64_t took_ms;
} s_job;

static void *s_job_main(void *arg)
{
    s_job *job = arg;
    ht_sleep_ms(job->delay_ms);
    int64_t at = ht_now_ms();
    ht_http(s_node, job->req, job->resp);
    job->took_ms = ht_now_ms() - at;
    return NULL;
}

/* Sends reqs[i] S_STAGGER * i ms after the start, each from its own
   thread without waiting for the others' replies; returns when all
   answered. Requests in that order alternate between two instances, so
   reads, unkeyed and keyed writes interleaved reach both. took_ms[i]:
   how long reqs[i] waited for its answer. */
static void s_staggered(const ht_req *reqs, ht_resp *resps, int64_t *took_ms, int n)
{
    pthread_t threads[3 * S_MID];
    s_job jobs[3 * S_MID];
    cr_assert(n <= 3 * S_MID);
    for (int i = 0; i < n; i++) {
        jobs[i] = (s_job){.req = &reqs[i], .resp = &resps[i], .delay_ms = S_STAGGER * i};
        cr_assert_eq(pthread_create(&threads[i], NULL, s_job_main, &jobs[i]), 0);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(threads[i], NULL);
        took_ms[i] = jobs[i].took_ms;
    }
}

Test(instances, an_instance_killed_mid_request_loses_nothing_silently, .timeout = 300)
{
    pid_t own = 0;
    s_start(&own);
    char *ids[S_MID];
    for (int i = 0; i < S_MID; i++)
        ids[i] = ht_new_worker(s_node, "Mid", ht_fmt("Read%d", i));
    cr_assert_eq(kill(s_extra, SIGSTOP), 0);
    ht_sleep_ms(50);
    static ht_req reqs[3 * S_MID];
    static ht_resp resps[3 * S_MID];
    static char marks[3 * S_MID][32], paths[S_MID][96];
    char *bodies[3 * S_MID] = {0};
    for (int i = 0; i < S_MID; i++) {
        snprintf(paths[i], sizeof paths[i], "/v1/workers/%s", ids[i]);
        reqs[3 * i] = (ht_req){.method = "GET", .path = paths[i], .token = s_node->token};
        for (int k = 1; k <= 2; k++) {
            int j = 3 * i + k;
            snprintf(marks[j], sizeof marks[j], "mid-%s-%d", k == 1 ? "free" : "keyed", i);
            bodies[j] = s_worker_body(marks[j]);
            reqs[j] = (ht_req){.method = "POST",
                               .path = "/v1/workers",
                               .token = s_node->token,
                               .idempotency_key = k == 2 ? marks[j] : NULL,
                               .body = bodies[j]};
        }
    }
    s_killer killer = {.pid = s_extra, .delay_ms = 1000};
    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, s_killer_main, &killer), 0);
    int64_t took[3 * S_MID];
    s_staggered(reqs, resps, took, 3 * S_MID);
    pthread_join(thread, NULL);
    cr_assert_eq(ht_wait_pid(s_extra, 5000), 128 + SIGKILL);
    s_extra = 0;
    int unavailable = 0, retried = 0;
    for (int i = 0; i < S_MID; i++) {
        ht_resp *read = &resps[3 * i], *free_w = &resps[3 * i + 1], *keyed = &resps[3 * i + 2];
        cr_assert_eq(read->status, 200, "GET %s -> %d %s", paths[i], read->status, read->body);
        cr_assert_str_eq(ht_jstr(read->json, "id"), ids[i]);
        /* a read at the stopped instance waits for its death, then the other answers */
        retried += took[3 * i] >= 300;
        cr_assert_eq(keyed->status, 201, "keyed %s -> %d %s", marks[3 * i + 2], keyed->status,
                     keyed->body);
        cr_assert(free_w->status == 201 || free_w->status == 503, "unkeyed %s -> %d %s",
                  marks[3 * i + 1], free_w->status, free_w->body);
        if (free_w->status == 503) {
            unavailable++;
            ht_assert_error(marks[3 * i + 1], free_w->status, free_w->json, 503, "unavailable",
                            NULL);
        }
    }
    cr_log_info("%d of %d unkeyed writes were in flight at the killed instance: 503", unavailable,
                S_MID);
    cr_log_info("%d of %d reads were in flight at it, answered by the other", retried, S_MID);
    cr_assert(unavailable > 0, "no unkeyed write was in flight at the stopped instance");
    cr_assert(retried > 0, "no read was in flight at the stopped instance");
    for (int j = 0; j < 3 * S_MID; j++) {
        if (j % 3 == 0)
            continue;
        int64_t rows = 0, events = 0;
        s_stored(marks[j], &rows, &events);
        int want = resps[j].status == 201 ? 1 : 0;
        /* a 503 write never reached a running instance: nothing of it */
        cr_assert(rows == want && events == want, "%s (HTTP %d): %ld rows, %ld events", marks[j],
                  resps[j].status, (long)rows, (long)events);
    }
    for (int j = 0; j < 3 * S_MID; j++) {
        ht_resp_free(&resps[j]);
        free(bodies[j]);
    }
    for (int i = 0; i < S_MID; i++)
        free(ids[i]);
    s_assert_log();
    cr_assert(s_wait_instances(1, 10000), "the killed instance is still listed");
    cr_assert_eq(ht_node_stop(s_node), 0);
}
