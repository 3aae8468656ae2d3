/* Chaos: writers keep writing through the gateway's HTTP API into every
   service (workers, credentials, apprenticeship hours, grants, tokens)
   while hcap-node's service children are kill -9'd ten times at random
   (the gateway and reporting among them). Afterwards every acknowledged
   write exists exactly once in its owner's store with its one event,
   every write that failed exists at most once, every event log is
   gapless, and reporting equals a rebuild of itself. */
#include "ht.h"

#include <czmq.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_WRITERS      3
#define S_KILLS        10
#define S_GAP_MIN_MS   300 /* under load this long at least between kills */
#define S_GAP_MAX_MS   1200
#define S_BACK_MS      30000 /* a killed child restarted (backoff doubles to 5 s) */
#define S_HEALTHY_MS   30000
#define S_PROGRESS_MS  20000 /* writes acknowledged again after a kill */
#define S_CATCH_UP_MS  60000
#define S_KEYED_TRY_MS 60000 /* a keyed write retried this long at most */
#define S_MAX_WRITES   20000
#define S_MARK_LEN     14 /* "chaos-K1-00012" */

static ht_node *s_node;
static atomic_bool s_stop;
static atomic_int s_acked;
static pthread_t s_threads[S_WRITERS];
static int s_started;

static void s_join(void)
{
    atomic_store(&s_stop, true);
    for (int i = 0; i < s_started; i++)
        pthread_join(s_threads[i], NULL);
    s_started = 0;
}

static void s_fini(void)
{
    s_join();
    ht_node_destroy(&s_node);
}

TestSuite(chaos, .fini = s_fini);

/* The kinds of write, each owned by one service. */
enum { S_WORKER, S_CREDENTIAL, S_HOURS, S_GRANT, S_TOKEN, S_KINDS };

static const char s_kind_letter[S_KINDS] = {'W', 'C', 'H', 'G', 'T'};

/* Where a kind's marker lands: the owner's store and the column holding it. */
static const struct {
    const char *db;
    const char *rows; /* the marker of every row holding one */
    bool evented;     /* its owner's log carries it */
} s_owner[S_KINDS] = {
    {"enrollment.db", "SELECT family_name FROM workers WHERE family_name LIKE 'chaos-%'", true},
    {"credentialing.db", "SELECT evidence FROM credentials WHERE evidence LIKE 'chaos-%'", true},
    {"apprenticeship.db", "SELECT approved_by FROM hours WHERE approved_by LIKE 'chaos-%'", true},
    {"reporting.db", "SELECT code FROM grants WHERE code LIKE 'chaos-%'", true},
    {"gateway.db", "SELECT name FROM tokens WHERE name LIKE 'chaos-%'", false},
};

typedef struct {
    int kind;
    bool keyed;
    int status; /* the final HTTP status; 0: no response */
    char mark[S_MARK_LEN + 1];
    char id[64]; /* the created object's id when acknowledged */
} s_write;

typedef struct {
    int index;
    const char *apprentice; /* this writer's own, for its hours */
    s_write *writes;
    int count;
    int rounds;
    char trouble[256]; /* an unexpected reply that stopped the writer */
} s_writer;

/* Whether an answer may be retried with the same key: no response, a 5xx,
   or the gateway still holding the key's first attempt in flight. */
static bool s_retryable(const ht_resp *resp)
{
    if (resp->status == 0 || resp->status >= 500)
        return true;
    const char *field = ht_jstr(resp->json, "error.field");
    return resp->status == 409 && field && strcmp(field, "Idempotency-Key") == 0;
}

/* POSTs body once (unkeyed) or until acknowledged (keyed, with the same
   key each time); records the outcome in w's next write. Returns it. */
static s_write *s_post(s_writer *w, int kind, bool keyed, const char *path, const char *body,
                       const char *mark)
{
    s_write *rec = &w->writes[w->count++];
    *rec = (s_write){.kind = kind, .keyed = keyed};
    snprintf(rec->mark, sizeof rec->mark, "%s", mark);
    int64_t until = ht_now_ms() + S_KEYED_TRY_MS;
    for (;;) {
        ht_req req = {.method = "POST",
                      .path = path,
                      .token = s_node->token,
                      .idempotency_key = keyed ? mark : NULL,
                      .body = body,
                      .timeout_ms = 15000};
        ht_resp resp;
        rec->status = ht_http(s_node, &req, &resp);
        const char *id = ht_jstr(resp.json, "id");
        if (rec->status / 100 == 2 && id)
            snprintf(rec->id, sizeof rec->id, "%s", id);
        bool again = keyed && s_retryable(&resp) && ht_now_ms() < until && !w->trouble[0];
        if (rec->status / 100 != 2 && rec->status != 0 && rec->status < 500 && !again)
            snprintf(w->trouble, sizeof w->trouble, "POST %s %s -> %d %.160s", path, mark,
                     rec->status, resp.body ? resp.body : "");
        ht_resp_free(&resp);
        if (rec->status / 100 == 2 || !again)
            break;
        ht_sleep_ms(50);
    }
    if (rec->status / 100 == 2)
        atomic_fetch_add(&s_acked, 1);
    return rec;
}

/* The write's marker, S_MARK_LEN characters: "chaos-", the kind, the
   writer, the round. */
static void s_mark(char out[32], int kind, const s_writer *w, int n)
{
    snprintf(out, 32, "chaos-%c%d-%05d", s_kind_letter[kind], w->index % 10, n % 100000);
}

/* 2016-01-01 plus n days: a distinct day for each round's hours (an
   apprentice logs at most 24 h a day). */
static void s_day(int n, char *out, size_t size)
{
    time_t t = 1451606400 + (time_t)n * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%d", &tm);
}

/* One round: a worker (keyed every other round), a credential for it,
   hours, and now and then a grant or a token. Keys on some, none on the
   others. */
static void s_round(s_writer *w)
{
    int n = w->rounds;
    char mark[32], body[512], path[128], day[16];
    s_mark(mark, S_WORKER, w, n);
    snprintf(body, sizeof body,
             "{\"given_name\":\"Chaos\",\"family_name\":\"%s\",\"employment_status\":"
             "\"incumbent\",\"gender\":\"%s\"}",
             mark, n % 2 ? "male" : "female");
    const s_write *worker = s_post(w, S_WORKER, n % 2 == 0, "/v1/workers", body, mark);
    if (worker->status == 201 && worker->id[0]) {
        s_mark(mark, S_CREDENTIAL, w, n);
        snprintf(body, sizeof body,
                 "{\"worker_id\":\"%s\",\"credential_code\":\"CH-CERT\",\"issued_on\":"
                 "\"2024-07-01\",\"evidence\":\"%s\"}",
                 worker->id, mark);
        s_post(w, S_CREDENTIAL, n % 3 != 0, "/v1/credentials", body, mark);
    }
    s_mark(mark, S_HOURS, w, n);
    s_day(n, day, sizeof day);
    snprintf(path, sizeof path, "/v1/apprentices/%s/hours", w->apprentice);
    snprintf(body, sizeof body,
             "{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":0.5,\"approved_by\":\"%s\"}", day, mark);
    s_post(w, S_HOURS, n % 2 == 1, path, body, mark);
    if (n % 4 == 1) {
        s_mark(mark, S_GRANT, w, n);
        snprintf(body, sizeof body,
                 "{\"code\":\"%s\",\"name\":\"Chaos grant\",\"start_date\":\"2024-01-01\","
                 "\"end_date\":\"2024-12-31\",\"deliverables\":[{\"code\":\"P\",\"name\":\"P\","
                 "\"metric\":\"participants\",\"target\":10}]}",
                 mark);
        s_post(w, S_GRANT, n % 8 == 1, "/v1/grants", body, mark);
    }
    if (n % 4 == 3) {
        s_mark(mark, S_TOKEN, w, n);
        snprintf(body, sizeof body, "{\"role\":\"analyst\",\"name\":\"%s\"}", mark);
        s_post(w, S_TOKEN, n % 8 == 3, "/v1/tokens", body, mark);
    }
}

static void *s_writer_main(void *arg)
{
    s_writer *w = arg;
    while (!atomic_load(&s_stop) && !w->trouble[0] && w->count + 8 < S_MAX_WRITES) {
        s_round(w);
        w->rounds++;
    }
    return NULL;
}

static const char *const s_victims[] = {"hcap-gateway", "hcap-enrollment", "hcap-credentialing",
                                        "hcap-apprenticeship", "hcap-reporting"};
#define S_VICTIMS 5

/* Ten victims: each of the five once, the other five at random, shuffled. */
static void s_plan(int plan[S_KILLS], unsigned seed)
{
    srand(seed);
    for (int i = 0; i < S_KILLS; i++)
        plan[i] = i < S_VICTIMS ? i : rand() % S_VICTIMS;
    for (int i = S_KILLS - 1; i > 0; i--) {
        int j = rand() % (i + 1), t = plan[i];
        plan[i] = plan[j];
        plan[j] = t;
    }
}

/* kill -9 of one child; waits for hcap-node's restart of it, the node's
   health, and then for writes being acknowledged again. */
static void s_kill(int round, const char *name)
{
    pid_t victim = ht_node_child(s_node, name);
    cr_assert(victim > 0, "kill %d: no %s running in %s", round, name, s_node->dir);
    cr_assert_eq(kill(victim, SIGKILL), 0);
    int64_t killed_at = ht_now_ms();
    pid_t successor = 0;
    while (ht_now_ms() - killed_at < S_BACK_MS) {
        successor = ht_node_child(s_node, name);
        if (successor > 0 && successor != victim)
            break;
        ht_sleep_ms(20);
    }
    cr_assert(successor > 0 && successor != victim, "kill %d: %s not restarted within %d ms", round,
              name, S_BACK_MS);
    cr_assert(ht_node_wait_healthy(s_node, S_HEALTHY_MS), "kill %d: %s: node not healthy again",
              round, name);
    int acked = atomic_load(&s_acked);
    int64_t back_at = ht_now_ms();
    while (atomic_load(&s_acked) < acked + 3 && ht_now_ms() - back_at < S_PROGRESS_MS)
        ht_sleep_ms(20);
    cr_assert(atomic_load(&s_acked) >= acked + 3,
              "kill %d: %s: no writes acknowledged within %d ms of its restart", round, name,
              S_PROGRESS_MS);
    cr_log_info("kill %d: %s %d -> %d, healthy and writing after %ld ms", round, name, (int)victim,
                (int)successor, (long)(ht_now_ms() - killed_at));
}

/* A credential type, an employer, an apprenticeship program that never
   completes, and one apprentice per writer. */
static void s_setup(s_writer *writers)
{
    json_decref(ht_expect(s_node, 201, "POST", "/v1/credential-types",
                          "{\"code\":\"CH-CERT\",\"name\":\"Chaos Certificate\","
                          "\"kind\":\"certificate\",\"issuer\":\"Test Board\"}"));
    char *employer = ht_new_employer(s_node, "Chaos Care");
    json_decref(ht_expect(s_node, 201, "POST", "/v1/apprenticeship-programs",
                          "{\"code\":\"CH-APPR\",\"name\":\"Chaos apprenticeship\","
                          "\"occupation\":\"CHW\",\"approach\":\"time_based\","
                          "\"ojl_hours\":20000,\"rti_hours\":2000}"));
    for (int i = 0; i < S_WRITERS; i++) {
        char *worker = ht_new_worker(s_node, "Chaos", ht_fmt("Apprentice%d", i));
        writers[i].apprentice =
            ht_create(s_node, "/v1/apprentices",
                      "{\"worker_id\":\"%s\",\"program_code\":\"CH-APPR\",\"employer_id\":\"%s\","
                      "\"start_date\":\"2015-06-01\"}",
                      worker, employer);
        free(worker);
    }
    free(employer);
}

/* Counts the markers found in each value (a row's column, an event's
   body) into counts: marker -> how many times. */
static void s_count_marks(zhashx_t *counts, const void *data, size_t size)
{
    const char *p = data, *end = p + size;
    while ((p = memmem(p, (size_t)(end - p), "chaos-", 6)) != NULL && end - p >= S_MARK_LEN) {
        char mark[S_MARK_LEN + 1];
        memcpy(mark, p, S_MARK_LEN);
        mark[S_MARK_LEN] = 0;
        uintptr_t n = (uintptr_t)zhashx_lookup(counts, mark);
        zhashx_update(counts, mark, (void *)(n + 1));
        p += S_MARK_LEN;
    }
}

static void s_scan_fn(void *arg, const void *data, size_t size)
{
    s_count_marks(arg, data, size);
}

static int s_count(zhashx_t *counts, const char *mark)
{
    return (int)(uintptr_t)zhashx_lookup(counts, mark);
}

/* Every write against its owner's rows and log: acknowledged exactly
   once, failed at most once, and an event for each row. */
static void s_assert_owners(const s_writer *writers, int acked[S_KINDS], int failed[S_KINDS])
{
    for (int kind = 0; kind < S_KINDS; kind++) {
        ht_db *db = ht_db_open(s_node->dir, s_owner[kind].db);
        cr_assert(db, "cannot open %s", s_owner[kind].db);
        zhashx_t *rows = zhashx_new(), *events = zhashx_new();
        cr_assert(ht_db_scan(db, s_owner[kind].rows, NULL, s_scan_fn, rows) >= 0);
        if (s_owner[kind].evented)
            cr_assert(ht_db_scan(db, "SELECT body FROM events", NULL, s_scan_fn, events) >= 0);
        ht_db_close(&db);
        for (int i = 0; i < S_WRITERS; i++)
            for (int k = 0; k < writers[i].count; k++) {
                const s_write *rec = &writers[i].writes[k];
                if (rec->kind != kind)
                    continue;
                int n = s_count(rows, rec->mark);
                bool ok = rec->status / 100 == 2;
                (ok ? acked : failed)[kind]++;
                cr_assert(ok ? n == 1 : n <= 1, "%s (%s, HTTP %d) is in %s %d times", rec->mark,
                          rec->keyed ? "keyed" : "unkeyed", rec->status, s_owner[kind].db, n);
                if (s_owner[kind].evented)
                    cr_assert_eq(s_count(events, rec->mark), n, "%s: %d rows in %s but %d events",
                                 rec->mark, n, s_owner[kind].db, s_count(events, rec->mark));
            }
        zhashx_destroy(&rows);
        zhashx_destroy(&events);
    }
}

/* Every acknowledged worker reads back through the API as written. */
static void s_assert_workers_read_back(const s_writer *writers)
{
    for (int i = 0; i < S_WRITERS; i++)
        for (int k = 0; k < writers[i].count; k++) {
            const s_write *rec = &writers[i].writes[k];
            if (rec->kind != S_WORKER || rec->status != 201)
                continue;
            json_t *worker = NULL;
            int status = ht_json_get(s_node, ht_fmt("/v1/workers/%s", rec->id), &worker);
            cr_assert_eq(status, 200, "GET worker %s (%s) -> %d", rec->id, rec->mark, status);
            cr_assert_str_eq(ht_jstr(worker, "family_name"), rec->mark, "%s", ht_jtext(worker));
            json_decref(worker);
        }
}

/* Each apprentice's OJL hours through the API: half an hour per row in
   the store, which holds every acknowledged entry. */
static void s_assert_hours(const s_writer *writers)
{
    ht_db *db = ht_db_open(s_node->dir, "apprenticeship.db");
    cr_assert(db);
    for (int i = 0; i < S_WRITERS; i++) {
        int64_t rows = ht_db_int(db, "SELECT count(*) FROM hours WHERE apprentice_id = ?1",
                                 writers[i].apprentice);
        json_t *appr = ht_expect(s_node, 200, "GET",
                                 ht_fmt("/v1/apprentices/%s", writers[i].apprentice), NULL);
        double hours = json_number_value(json_object_get(appr, "ojl_hours"));
        cr_assert_float_eq(hours, 0.5 * (double)rows, 1e-6, "apprentice %d: %s vs %ld rows", i,
                           ht_jtext(appr), (long)rows);
        json_decref(appr);
    }
    ht_db_close(&db);
}

static const char *const s_logs[] = {"enrollment", "credentialing", "apprenticeship", "reporting"};

/* Each store's events table holds 1..head once each, and the log served
   over FETCH is the same gapless sequence. */
static void s_assert_logs(void)
{
    for (size_t i = 0; i < sizeof s_logs / sizeof *s_logs; i++) {
        ht_db *db = ht_db_open(s_node->dir, ht_fmt("%s.db", s_logs[i]));
        cr_assert(db);
        int64_t head = 0;
        char why[512];
        bool gapless = ht_db_log_gapless(db, &head, why, sizeof why);
        ht_db_close(&db);
        cr_assert(gapless, "%s", why);
        ht_events events;
        cr_assert_eq(ht_events_fetch(s_node->dir, s_logs[i], &events, 5000), 0, "FETCH %s",
                     s_logs[i]);
        bool fetched = ht_events_gapless(&events) && (int64_t)events.head == head;
        cr_log_info("%s: %s; FETCH: %zu events, head %lu", s_logs[i], why, events.count,
                    (unsigned long)events.head);
        ht_events_free(&events);
        cr_assert(fetched, "%s: the log served over FETCH differs from %s", s_logs[i], why);
    }
}

static const char *const s_reports[] = {
    "/v1/reports/outcomes?by=gender",
    "/v1/reports/outcomes?by=employer",
    "/v1/reports/outcomes?by=program",
    "/v1/reports/apprenticeship",
    "/v1/reports/indicators",
    "/v1/reports/grants/chaos-G0-00001",
    NULL,
};

/* Reporting, caught up, reads the same as after a rebuild from the logs. */
static void s_assert_rebuild_equal(void)
{
    ht_reports_wait(s_node, S_CATCH_UP_MS);
    char *before[8] = {0};
    for (int i = 0; s_reports[i]; i++)
        before[i] = ht_reports_body(s_node, NULL, s_reports[i]);
    json_decref(ht_expect(s_node, 200, "POST", "/v1/reports/rebuild", NULL));
    ht_reports_wait(s_node, S_CATCH_UP_MS);
    for (int i = 0; s_reports[i]; i++) {
        char *after = ht_reports_body(s_node, NULL, s_reports[i]);
        cr_assert_str_eq(after, before[i], "%s differs from a rebuild's", s_reports[i]);
        free(after);
        free(before[i]);
    }
}

static void s_start_writers(s_writer *writers)
{
    for (int i = 0; i < S_WRITERS; i++) {
        writers[i].index = i;
        writers[i].writes = calloc(S_MAX_WRITES, sizeof *writers[i].writes);
        cr_assert_eq(pthread_create(&s_threads[i], NULL, s_writer_main, &writers[i]), 0);
        s_started = i + 1;
    }
}

Test(chaos, kill_9_of_random_services_under_writes_loses_and_doubles_nothing, .timeout = 600)
{
    s_node = ht_node_start(NULL, false);
    cr_assert(s_node);
    static s_writer writers[S_WRITERS];
    s_setup(writers);
    s_start_writers(writers);
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    int plan[S_KILLS];
    s_plan(plan, seed);
    cr_log_info("kill plan seed %u", seed);
    ht_sleep_ms(S_GAP_MAX_MS);
    for (int round = 0; round < S_KILLS; round++) {
        s_kill(round + 1, s_victims[plan[round]]);
        ht_sleep_ms(S_GAP_MIN_MS + rand() % (S_GAP_MAX_MS - S_GAP_MIN_MS));
    }
    s_join();
    for (int i = 0; i < S_WRITERS; i++)
        cr_assert_eq(writers[i].trouble[0], 0, "writer %d: %s", i, writers[i].trouble);
    cr_assert(ht_node_wait_healthy(s_node, S_HEALTHY_MS));

    int acked[S_KINDS] = {0}, failed[S_KINDS] = {0};
    s_assert_owners(writers, acked, failed);
    for (int kind = 0; kind < S_KINDS; kind++) {
        cr_log_info("%c: %d acknowledged, %d failed", s_kind_letter[kind], acked[kind],
                    failed[kind]);
        cr_assert(acked[kind] > 0, "no write of kind %c was acknowledged", s_kind_letter[kind]);
    }
    s_assert_workers_read_back(writers);
    s_assert_hours(writers);
    s_assert_logs();
    s_assert_rebuild_equal();
    for (int i = 0; i < S_WRITERS; i++) {
        free(writers[i].writes);
        free((char *)writers[i].apprentice);
    }
    cr_assert_eq(ht_node_stop(s_node), 0, "the node did not stop cleanly");
    ht_node_destroy(&s_node);
}
