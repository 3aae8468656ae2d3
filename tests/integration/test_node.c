/* hcap-node as an operator sees it: first start (token 0600, endpoint),
   /healthz, the demo fund loaded once (its apprentices and their
   completion credentials too), SIGTERM, and durability: writes in
   flight while the enrollment process is kill -9'd are, when acknowledged,
   present exactly once afterwards, with a gapless event log. */
#include "ht.h"
#include "ht_local.h"

#include <czmq.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "enrollment.pb-c.h"
#include "gateway.pb-c.h"
#include "hc_client.h"
#include "hc_keys.h"
#include "hc_time.h"

#define S_WRITERS   4
#define S_MAX_WRITE 2000

/* The test's node and writer threads, released in the fini even when an
   assertion ends the test early. */
static ht_node *s_node;
static atomic_bool s_stop, s_abort;
static pthread_t s_threads[S_WRITERS];
static int s_started;

static char *s_other_dir; /* a second node's directory */

static void s_fini(void)
{
    if (s_other_dir) {
        ht_kill_matching(s_other_dir);
        ht_rmtree(s_other_dir);
        free(s_other_dir);
        s_other_dir = NULL;
    }
    atomic_store(&s_abort, true);
    atomic_store(&s_stop, true);
    for (int i = 0; i < s_started; i++)
        pthread_join(s_threads[i], NULL);
    ht_node_destroy(&s_node);
}

TestSuite(node, .fini = s_fini);

static void s_assert_healthz(const ht_node *node)
{
    json_t *health = NULL;
    int status = ht_json_call(node, "GET", "/healthz", NULL, NULL, &health);
    cr_assert_eq(status, 200, "/healthz -> %d %s", status, ht_jtext(health));
    cr_assert(ht_jstr(health, "status"), "%s", ht_jtext(health));
    bool enrollment = false;
    for (long i = 0; i < ht_jlen(health, "services"); i++)
        if (ht_jstr(health, "services.%ld.name", i) &&
            strcmp(ht_jstr(health, "services.%ld.name", i), "enrollment") == 0)
            enrollment = ht_jint(health, "services.%ld.instances", i) >= 1;
    cr_assert(enrollment, "/healthz does not list enrollment with an instance: %s",
              ht_jtext(health));
    json_decref(health);
}

static void s_assert_nothing_left(const ht_node *node)
{
    pid_t pids[8];
    int64_t deadline = ht_now_ms() + 5000;
    int left = 0;
    while ((left = ht_find_pids(NULL, node->dir, pids, 8)) > 0 && ht_now_ms() < deadline)
        ht_sleep_ms(50);
    cr_assert_eq(left, 0, "a process for %s outlived the node (pid %d)", node->dir,
                 left ? (int)pids[0] : 0);
}

/* Calls the gateway's Health over ZeroMQ at the endpoint the node wrote. */
static void s_assert_zmq_health(const ht_node *node)
{
    char *endpoint = ht_read_file(ht_fmt("%s/gateway.endpoint", node->dir), NULL);
    cr_assert(endpoint &&
                  (strncmp(endpoint, "ipc://", 6) == 0 || strncmp(endpoint, "tcp://", 6) == 0),
              "gateway.endpoint: %s", endpoint ? endpoint : "(missing)");
    endpoint[strcspn(endpoint, "\r\n")] = 0;
    hc_error err;
    hc_client *client = hc_client_new(endpoint, node->token, &err);
    cr_assert(client, "hc_client_new %s: %s", endpoint, err.message);
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *out = NULL;
    int rc = hc_client_call(client, "gateway", "Health", NULL, NULL,
                            &hcap__health_reply__descriptor, arena, &out, 10000, &err);
    cr_assert_eq(rc, HC_OK, "Health over %s: %s", endpoint, err.message);
    Hcap__HealthReply *health = (Hcap__HealthReply *)out;
    cr_assert(health->n_services >= 1);
    hc_arena_destroy(&arena);
    hc_client_destroy(&client);
    free(endpoint);
}

/* The node's CurveZMQ pair from its first start: node.key 0600 holding
   both keys, node.pub its public half. Returns node.key's text. */
static char *s_assert_node_keys(const ht_node *node)
{
    struct stat st;
    const char *key_path = ht_fmt("%s/node.key", node->dir);
    cr_assert_eq(stat(key_path, &st), 0, "no %s", key_path);
    cr_assert_eq(st.st_mode & 0777, 0600, "node.key mode %o", st.st_mode & 0777);
    hc_error err;
    zcert_t *secret = hc_keys_load_secret(key_path, &err);
    cr_assert(secret, "node.key: %s", err.message);
    zcert_t *public = hc_keys_load_public(ht_fmt("%s/node.pub", node->dir), &err);
    cr_assert(public, "node.pub: %s", err.message);
    cr_assert_str_eq(zcert_public_txt(public), zcert_public_txt(secret));
    cr_assert_str_eq(zcert_secret_txt(public), "0000000000000000000000000000000000000000",
                     "node.pub holds a secret key");
    zcert_destroy(&secret);
    zcert_destroy(&public);
    return ht_read_file(key_path, NULL);
}

Test(node, first_start_token_endpoint_health_and_sigterm)
{
    ht_node *node = s_node = ht_node_start(NULL, false);
    cr_assert(node, "hcap-node did not start");
    struct stat st;
    cr_assert_eq(stat(ht_fmt("%s/admin.token", node->dir), &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "admin.token mode %o", st.st_mode & 0777);
    cr_assert(strlen(node->token) >= 20, "admin token too short: %s", node->token);
    char *out = ht_read_file(ht_fmt("%s/node.out", node->dir), NULL);
    cr_assert(out && strstr(out, ht_fmt("hcap-node ready: http://%s", node->http)),
              "ready line: %s", out ? out : "");
    free(out);
    s_assert_healthz(node);
    s_assert_zmq_health(node);
    json_t *reply = NULL;
    cr_assert_eq(ht_json_get(node, "/v1/employers", &reply), 200, "the admin token works: %s",
                 ht_jtext(reply));
    json_decref(reply);

    const char *body = "{\"given_name\":\"Kept\",\"family_name\":\"Acrossrestart\","
                       "\"employment_status\":\"incumbent\"}";
    ht_req req = {.method = "POST",
                  .path = "/v1/workers",
                  .token = node->token,
                  .idempotency_key = "before-restart",
                  .body = body};
    ht_resp first, again;
    cr_assert_eq(ht_http(node, &req, &first), 201, "%s", first.body);

    char *key = s_assert_node_keys(node);

    char token[160];
    snprintf(token, sizeof token, "%s", node->token);
    cr_assert_eq(ht_node_stop(node), 0, "SIGTERM must end hcap-node with exit 0");
    s_assert_nothing_left(node);

    /* a second start keeps the token, the data and the idempotency keys */
    cr_assert_eq(ht_node_restart(node, false), 0);
    cr_assert_str_eq(node->token, token, "a restart replaced the admin token");
    char *key_again = ht_read_file(ht_fmt("%s/node.key", node->dir), NULL);
    cr_assert(key_again && strcmp(key, key_again) == 0, "a restart replaced node.key");
    free(key);
    free(key_again);
    req.token = node->token;
    cr_assert_eq(ht_http(node, &req, &again), 201, "%s", again.body);
    cr_assert(json_equal(first.json, again.json), "replay after restart:\n%s\n%s", first.body,
              again.body);
    json_t *found = ht_expect(node, 200, "GET", "/v1/workers?q=acrossrestart", NULL);
    cr_assert_eq(ht_jlen(found, "items"), 1, "%s", ht_jtext(found));
    json_decref(found);
    ht_resp_free(&first);
    ht_resp_free(&again);

    /* SIGINT stops it as orderly as SIGTERM */
    cr_assert_eq(kill(node->pid, SIGINT), 0);
    cr_assert_eq(ht_node_stop(node), 0, "SIGINT must end hcap-node with exit 0");
    s_assert_nothing_left(node);
    ht_node_destroy(&s_node);
}

/* Waits until the enrollment log's head holds still for 2 s; returns it. */
static int64_t s_settled_head(const ht_node *node, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms, head = -1, since = ht_now_ms();
    while (ht_now_ms() < deadline) {
        int64_t now_head = ht_events_head(node->dir, "enrollment", 5000);
        if (now_head != head) {
            head = now_head;
            since = ht_now_ms();
        } else if (head > 0 && ht_now_ms() - since >= 2000)
            return head;
        ht_sleep_ms(250);
    }
    cr_assert_fail("the enrollment log did not settle within %d ms (head %ld)", timeout_ms,
                   (long)head);
    return -1;
}

static size_t s_total(const ht_node *node, const char *path)
{
    json_t *all = ht_list_all(node, path, 500, 2000);
    size_t n = json_array_size(all);
    json_decref(all);
    return n;
}

/* What a demo fund holds, as the lists count it. */
typedef struct {
    size_t employers, workers, programs, cohorts, enrollments;
} s_fund;

static s_fund s_count_fund(const ht_node *node)
{
    return (s_fund){s_total(node, "/v1/employers"), s_total(node, "/v1/workers"),
                    s_total(node, "/v1/programs"), s_total(node, "/v1/cohorts"),
                    s_total(node, "/v1/enrollments")};
}

static void s_assert_same_fund(s_fund got, s_fund want, const char *what)
{
    cr_assert(got.employers == want.employers && got.workers == want.workers &&
                  got.programs == want.programs && got.cohorts == want.cohorts &&
                  got.enrollments == want.enrollments,
              "%s: %zu/%zu employers %zu/%zu workers %zu/%zu programs %zu/%zu cohorts "
              "%zu/%zu enrollments",
              what, got.employers, want.employers, got.workers, want.workers, got.programs,
              want.programs, got.cohorts, want.cohorts, got.enrollments, want.enrollments);
}

/* Waits for DIR/demo.loaded, which hcap-node writes when the load ended. */
static void s_wait_demo_loaded(const ht_node *node, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    const char *marker = ht_fmt("%s/demo.loaded", node->dir);
    while (access(marker, F_OK) != 0 && ht_now_ms() < deadline)
        ht_sleep_ms(100);
    cr_assert_eq(access(marker, F_OK), 0, "the demo did not finish loading within %d ms",
                 timeout_ms);
}

/* The credential of worker_id with code and source apprenticeship, from
   apprentice_id, appears within timeout_ms (credentialing follows
   apprenticeship's log). */
static void s_assert_completion_credential(const ht_node *node, const char *worker_id,
                                           const char *apprentice_id, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    for (;;) {
        json_t *list =
            ht_expect(node, 200, "GET", ht_fmt("/v1/credentials?worker_id=%s", worker_id), NULL);
        size_t found = 0;
        for (long i = 0; i < ht_jlen(list, "items"); i++)
            found += strcmp(ht_jstr(list, "items.%ld.credential_code", i), "CHW-CERT") == 0 &&
                     strcmp(ht_jstr(list, "items.%ld.source", i), "apprenticeship") == 0 &&
                     ht_jstr(list, "items.%ld.apprentice_id", i) &&
                     strcmp(ht_jstr(list, "items.%ld.apprentice_id", i), apprentice_id) == 0;
        bool done = found > 0 || ht_now_ms() >= deadline;
        if (done)
            cr_assert_eq(found, 1, "worker %s: CHW-CERT from %s held %zu times: %s", worker_id,
                         apprentice_id, found, ht_jtext(list));
        json_decref(list);
        if (done)
            return;
        ht_sleep_ms(100);
    }
}

/* Worker worker_id got exactly one placement, as a community health
   worker, within 90 days after completed_on. */
static void s_assert_placed(const ht_node *node, const char *worker_id, const char *completed_on)
{
    cr_assert(completed_on, "a completed apprentice without completed_on");
    json_t *list =
        ht_expect(node, 200, "GET", ht_fmt("/v1/workers/%s/employment", worker_id), NULL);
    size_t placements = 0;
    for (long i = 0; i < ht_jlen(list, "items"); i++) {
        if (strcmp(ht_jstr(list, "items.%ld.kind", i), "placement") != 0)
            continue;
        placements++;
        const char *on = ht_jstr(list, "items.%ld.effective_date", i);
        cr_assert(strcmp(on, completed_on) >= 0, "placed %s before completing %s", on,
                  completed_on);
        cr_assert_lt(hc_date_days(on) - hc_date_days(completed_on), 90, "placed %s", on);
        cr_assert_str_eq(ht_jstr(list, "items.%ld.job_title", i), "Community Health Worker");
    }
    cr_assert_eq(placements, 1, "%s: %s", worker_id, ht_jtext(list));
    json_decref(list);
}

/* The SEIU-Community Clinics grant, once, with its seven deliverables;
   its report counts the ten CHW apprentices and both completers placed. */
static void s_assert_demo_grant(const ht_node *node)
{
    json_t *grants = ht_expect(node, 200, "GET", "/v1/grants", NULL);
    cr_assert_eq(ht_jlen(grants, "items"), 1, "%s", ht_jtext(grants));
    json_decref(grants);
    json_t *grant = ht_expect(node, 200, "GET", "/v1/grants/SEIU-CC", NULL);
    cr_assert_eq(ht_jlen(grant, "deliverables"), 7, "%s", ht_jtext(grant));
    cr_assert_str_eq(ht_jstr(grant, "start_date"), "2025-01-01");
    json_decref(grant);
    json_t *report = ht_expect(node, 200, "GET", "/v1/reports/grants/SEIU-CC", NULL);
    bool apprentices = false, placed = false;
    for (long i = 0; i < ht_jlen(report, "deliverables"); i++) {
        const char *code = ht_jstr(report, "deliverables.%ld.code", i);
        double actual = json_number_value(ht_jget(report, "deliverables.%ld.actual", i));
        if (strcmp(code, "CHW-APPRENTICES") == 0)
            apprentices = actual == 10;
        if (strcmp(code, "CHW-PLACEMENT") == 0)
            placed = actual == 100 && ht_jint(report, "deliverables.%ld.numerator", i) == 2 &&
                     ht_jint(report, "deliverables.%ld.denominator", i) == 2;
    }
    cr_assert(apprentices && placed, "%s", ht_jtext(report));
    json_decref(report);
}

/* The demo's apprentices: ten in CHW-APP at every stage, each completed
   one holding the CHW certificate its completion awarded and placed as a
   community health worker. */
static void s_assert_demo_apprentices(const ht_node *node)
{
    json_t *all = ht_list_all(node, "/v1/apprentices?program_code=CHW-APP", 500, 4);
    cr_assert_eq(json_array_size(all), 10, "%s", ht_jtext(all));
    size_t completed = 0, active = 0, suspended = 0, cancelled = 0;
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *a = json_array_get(all, i);
        const char *status = ht_jstr(a, "status");
        completed += strcmp(status, "completed") == 0;
        active += strcmp(status, "active") == 0;
        suspended += strcmp(status, "suspended") == 0;
        cancelled += strcmp(status, "cancelled") == 0;
        if (strcmp(status, "cancelled") == 0)
            cr_assert(ht_jstr(a, "status_reason"), "cancelled without a reason");
        if (strcmp(status, "completed") != 0)
            continue;
        cr_assert(json_number_value(ht_jget(a, "ojl_hours")) >= 2000, "%s", ht_jtext(a));
        cr_assert_eq(ht_jlen(a, "competencies_remaining"), 0);
        cr_assert_str_eq(ht_jstr(a, "completion_credential_code"), "CHW-CERT");
        s_assert_completion_credential(node, ht_jstr(a, "worker_id"), ht_jstr(a, "id"), 5000);
        s_assert_placed(node, ht_jstr(a, "worker_id"), ht_jstr(a, "completed_on"));
    }
    cr_assert(completed == 2 && active == 6 && suspended == 1 && cancelled == 1,
              "%zu completed %zu active %zu suspended %zu cancelled", completed, active, suspended,
              cancelled);
    json_decref(all);
}

Test(node, demo_fund_loads_once_even_when_interrupted)
{
    ht_node *node = s_node = ht_node_start(NULL, true);
    cr_assert(node);
    int64_t head = s_settled_head(node, 120000);
    s_wait_demo_loaded(node, 120000);
    s_assert_demo_apprentices(node);
    s_assert_demo_grant(node);
    s_fund full = s_count_fund(node);
    cr_assert(full.employers > 0 && full.workers > 0 && full.programs > 0 && full.cohorts > 0 &&
                  full.enrollments > 0,
              "the demo fund is empty");
    cr_assert_eq(ht_node_stop(node), 0);

    cr_assert_eq(ht_node_restart(node, true), 0);
    ht_sleep_ms(3000); /* room for a second load to (wrongly) begin */
    cr_assert_eq(s_settled_head(node, 60000), head, "a second --demo start wrote events");
    s_assert_same_fund(s_count_fund(node), full, "after a second --demo start");
    ht_events log;
    cr_assert_eq(ht_events_fetch(node->dir, "enrollment", &log, 10000), 0);
    cr_assert(ht_events_gapless(&log));
    ht_events_free(&log);
    cr_assert_eq(ht_node_stop(node), 0);
    ht_node_destroy(&s_node);

    /* an operator stops the first start halfway through the demo, then
       starts again with --demo: the same fund, nothing twice */
    node = s_node = ht_node_start(NULL, true);
    cr_assert(node);
    int64_t deadline = ht_now_ms() + 60000;
    while (ht_events_head(node->dir, "enrollment", 5000) < head / 3 && ht_now_ms() < deadline)
        ht_sleep_ms(20);
    int64_t stopped_at = ht_events_head(node->dir, "enrollment", 5000);
    cr_assert_eq(ht_node_stop(node), 0, "SIGTERM during the demo load");
    cr_log_info("demo load stopped at event %ld of %ld", (long)stopped_at, (long)head);
    cr_assert_eq(ht_node_restart(node, true), 0);
    s_settled_head(node, 120000);
    s_wait_demo_loaded(node, 120000);
    s_assert_same_fund(s_count_fund(node), full, "after an interrupted demo load");
    s_assert_demo_apprentices(node);
    s_assert_demo_grant(node);
    cr_assert_eq(ht_node_stop(node), 0);
    ht_node_destroy(&s_node);
}

/* --- durability under kill -9 --- */

typedef struct {
    char family[48];
    char id[64];  /* when acknowledged */
    int status;   /* the final HTTP status (0: no response) */
    int attempts; /* > 1 only for keyed writes retried after a failure */
} s_write;

typedef struct {
    const ht_node *node;
    int index;
    bool keyed; /* keyed writers retry with the same Idempotency-Key until 2xx */
    s_write writes[S_MAX_WRITE];
    int count;
    atomic_int acked;
    int odd_status; /* the first status that is neither 201 nor 503/504/0 */
} s_writer;

static int s_post_worker(const ht_node *node, const char *family, const char *key, char *id)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"given_name\":\"Durable\",\"family_name\":\"%s\","
             "\"employment_status\":\"incumbent\"}",
             family);
    ht_req req = {.method = "POST",
                  .path = "/v1/workers",
                  .token = node->token,
                  .idempotency_key = key,
                  .body = body,
                  .timeout_ms = 15000};
    ht_resp resp;
    int status = ht_http(node, &req, &resp);
    const char *got = status == 201 ? ht_jstr(resp.json, "id") : NULL;
    snprintf(id, 64, "%s", got ? got : "");
    ht_resp_free(&resp);
    return status;
}

static void *s_writer_main(void *arg)
{
    s_writer *w = arg;
    while (!atomic_load(&s_stop) && w->count < S_MAX_WRITE) {
        s_write *write = &w->writes[w->count++];
        snprintf(write->family, sizeof write->family, "Dur%c%c%c%c", 'a' + w->index,
                 'a' + (w->count / 676) % 26, 'a' + (w->count / 26) % 26, 'a' + w->count % 26);
        char key[64];
        snprintf(key, sizeof key, "durable-%s", write->family);
        int64_t give_up = ht_now_ms() + 60000;
        do {
            write->attempts++;
            write->status = s_post_worker(w->node, write->family, w->keyed ? key : NULL, write->id);
            if (write->status != 201 && write->status != 503 && write->status != 504 &&
                write->status != 0 && !w->odd_status)
                w->odd_status = write->status;
            if (write->status != 201)
                ht_sleep_ms(w->keyed ? 100 : 20);
        } while (w->keyed && write->status != 201 && ht_now_ms() < give_up &&
                 !atomic_load(&s_abort));
        if (write->status == 201)
            atomic_fetch_add(&w->acked, 1);
    }
    return NULL;
}

static int s_acked(s_writer *writers)
{
    int total = 0;
    for (int i = 0; i < S_WRITERS; i++)
        total += atomic_load(&writers[i].acked);
    return total;
}

static void s_wait_acked(s_writer *writers, int count, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    while (s_acked(writers) < count && ht_now_ms() < deadline)
        ht_sleep_ms(20);
    cr_assert(s_acked(writers) >= count, "only %d writes acknowledged, want %d", s_acked(writers),
              count);
}

/* Registered workers in the log: asserts every id and family name appears
   once, and returns how many there are. */
static size_t s_check_registered(const ht_events *log, zhashx_t *by_family)
{
    size_t registered = 0;
    for (size_t i = 0; i < log->count; i++) {
        if (!strstr(log->items[i].type, "worker_registered"))
            continue;
        Hcap__Worker *worker = hcap__worker__unpack(NULL, log->items[i].size, log->items[i].body);
        cr_assert(worker, "event %lu does not decode as a Worker",
                  (unsigned long)log->items[i].seq);
        cr_assert(worker->family_name, "registered without a family name");
        cr_assert(zhashx_insert(by_family, worker->family_name, strdup(worker->id)) == 0,
                  "worker %s registered twice (seq %lu)", worker->family_name,
                  (unsigned long)log->items[i].seq);
        hcap__worker__free_unpacked(worker, NULL);
        registered++;
    }
    return registered;
}

static void s_free_string(void **item)
{
    free(*item);
    *item = NULL;
}

static void s_verify_writes(const ht_node *node, s_writer *writers, zhashx_t *by_family)
{
    for (int t = 0; t < S_WRITERS; t++) {
        for (int i = 0; i < writers[t].count; i++) {
            s_write *write = &writers[t].writes[i];
            const char *logged = zhashx_lookup(by_family, write->family);
            if (write->status != 201) {
                cr_assert(!writers[t].keyed, "keyed write %s never succeeded (%d after %d tries)",
                          write->family, write->status, write->attempts);
                continue; /* failed: may or may not exist, never twice (checked above) */
            }
            cr_assert(logged, "acknowledged %s (%s) has no registered event", write->family,
                      write->id);
            cr_assert_str_eq(logged, write->id, "acknowledged id differs from the logged one");
            json_t *got = NULL;
            int status = ht_json_get(node, ht_fmt("/v1/workers/%s", write->id), &got);
            cr_assert_eq(status, 200, "acknowledged worker %s is gone: %d", write->id, status);
            cr_assert_str_eq(ht_jstr(got, "family_name"), write->family);
            json_decref(got);
        }
    }
}

/* kill -9 of the node's child `name`; waits for its successor and a healthy
   node, asserting it is back within 15 s; returns how long it took. */
static int64_t s_kill_child(const ht_node *node, const char *name)
{
    pid_t victim = ht_node_child(node, name);
    cr_assert(victim > 0, "no %s process for %s", name, node->dir);
    cr_assert_eq(kill(victim, SIGKILL), 0);
    int64_t killed_at = ht_now_ms();
    pid_t successor = 0;
    while (ht_now_ms() - killed_at < 20000) {
        successor = ht_node_child(node, name);
        if (successor > 0 && successor != victim && ht_node_wait_healthy(node, 200))
            break;
        ht_sleep_ms(50);
    }
    int64_t back_ms = ht_now_ms() - killed_at;
    cr_assert(successor > 0 && successor != victim, "%s was not restarted", name);
    cr_assert(back_ms <= 15000, "%s back after %ld ms", name, (long)back_ms);
    return back_ms;
}

Test(node, acknowledged_writes_survive_kill_9_of_enrollment_and_gateway)
{
    ht_node *node = s_node = ht_node_start(NULL, false);
    cr_assert(node);
    static s_writer writers[S_WRITERS];
    for (int i = 0; i < S_WRITERS; i++) {
        writers[i] = (s_writer){.node = node, .index = i, .keyed = i % 2 == 1};
        cr_assert_eq(pthread_create(&s_threads[i], NULL, s_writer_main, &writers[i]), 0);
        s_started = i + 1;
    }
    const char *victims[] = {"hcap-enrollment", "hcap-gateway", "hcap-enrollment"};
    for (int round = 0; round < 3; round++) {
        s_wait_acked(writers, s_acked(writers) + 30, 60000);
        int64_t back_ms = s_kill_child(node, victims[round]);
        cr_log_info("kill -9 %s: healthy again after %ld ms", victims[round], (long)back_ms);
    }
    s_wait_acked(writers, s_acked(writers) + 30, 60000);
    atomic_store(&s_stop, true);
    for (int i = 0; i < S_WRITERS; i++)
        pthread_join(s_threads[i], NULL);
    s_started = 0;
    int failed = 0, retried = 0;
    for (int t = 0; t < S_WRITERS; t++)
        for (int i = 0; i < writers[t].count; i++) {
            failed += writers[t].writes[i].status != 201;
            retried += writers[t].writes[i].attempts > 1;
        }
    cr_log_info("%d writes acknowledged, %d failed (unkeyed), %d keyed ones retried",
                s_acked(writers), failed, retried);
    for (int i = 0; i < S_WRITERS; i++)
        cr_assert_eq(writers[i].odd_status, 0, "writer %d got HTTP %d", i, writers[i].odd_status);

    ht_events log;
    cr_assert_eq(ht_events_fetch(node->dir, "enrollment", &log, 10000), 0);
    cr_assert(ht_events_gapless(&log), "seqs are not 1..%lu gapless (%zu events)",
              (unsigned long)log.head, log.count);
    zhashx_t *by_family = zhashx_new();
    zhashx_set_destructor(by_family, s_free_string);
    size_t registered = s_check_registered(&log, by_family);
    cr_assert(registered >= (size_t)s_acked(writers), "%zu registered < %d acknowledged",
              registered, s_acked(writers));
    s_verify_writes(node, writers, by_family);
    zhashx_destroy(&by_family);
    ht_events_free(&log);
    cr_assert_eq(ht_node_stop(node), 0);
    ht_node_destroy(&s_node);
}

Test(node, gateway_kill_9_comes_back_with_its_tokens)
{
    ht_node *node = s_node = ht_node_start(NULL, false);
    cr_assert(node);
    json_t *staff =
        ht_expect(node, 201, "POST", "/v1/tokens", "{\"role\":\"staff\",\"name\":\"s\"}");
    char token[160];
    snprintf(token, sizeof token, "%s", ht_jstr(staff, "token"));
    json_decref(staff);
    pid_t victim = ht_node_child(node, "hcap-gateway");
    cr_assert(victim > 0);
    cr_assert_eq(kill(victim, SIGKILL), 0);
    int64_t killed_at = ht_now_ms();
    ht_sleep_ms(100);
    cr_assert(ht_node_wait_healthy(node, 15000), "the gateway did not come back");
    cr_log_info("gateway back after %ld ms", (long)(ht_now_ms() - killed_at));
    json_t *reply = NULL;
    int status = ht_json_call(node, "GET", "/v1/workers", token, NULL, &reply);
    cr_assert_eq(status, 200, "a token minted before the crash: %d %s", status, ht_jtext(reply));
    json_decref(reply);
    cr_assert_eq(ht_node_stop(node), 0);
    ht_node_destroy(&s_node);
}

/* Runs a second hcap-node on dir and http, which must give up by itself
   (non-zero exit within 20 s, a reason on stderr); returns nothing. */
static void s_assert_refused(const char *dir, const char *http, const char *why)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/hcap-node", HCAP_BIN_DIR);
    char *argv[] = {bin, "--data", (char *)dir, "--http", (char *)http, NULL};
    ht_run_result run;
    int code = ht_run(&run, NULL, 20000, argv);
    if (dir == s_other_dir) /* never the first node's processes */
        ht_kill_matching(dir);
    cr_assert(code > 0 && code < 128, "a second node on %s exited %d (want a refusal)\n%s", why,
              code, run.out);
    cr_assert(run.err_len > 0, "the refusal of %s is explained on stderr", why);
    cr_assert(!strstr(run.out, "hcap-node ready"), "the second node on %s claims ready", why);
    ht_run_free(&run);
}

Test(node, a_second_node_on_the_same_directory_or_port_is_refused)
{
    ht_node *node = s_node = ht_node_start(NULL, false);
    cr_assert(node);
    s_assert_refused(node->dir, ht_fmt("127.0.0.1:%d", ht_free_port()), "the same directory");
    s_other_dir = ht_tempdir();
    s_assert_refused(s_other_dir, node->http, "the same HTTP port");
    for (int i = 0; i < 20; i++) {
        json_t *reply = NULL;
        int status = ht_json_get(node, "/v1/workers?limit=1", &reply);
        cr_assert_eq(status, 200, "request %d to the first node got %d %s", i, status,
                     ht_jtext(reply));
        json_decref(reply);
    }
    s_assert_healthz(node);
    cr_assert_eq(ht_node_stop(node), 0);
    ht_node_destroy(&s_node);
}

/* --- federation flags --- */

/* Runs hcap-node with args (after --data DIR --http ADDR) in a new
   directory, which must refuse with exit 2 at once, naming `names` on
   stderr, before making anything in DIR. */
static void s_assert_flag_refused(const char *const *args, const char *names)
{
    s_other_dir = ht_tempdir();
    const char *dir = ht_fmt("%s/node", s_other_dir);
    char bin[512];
    snprintf(bin, sizeof bin, "%s/hcap-node", HCAP_BIN_DIR);
    char *argv[16] = {bin, "--data", (char *)dir, "--http", "127.0.0.1:1"};
    size_t n = 5;
    for (size_t i = 0; args[i] && n + 1 < 16; i++)
        argv[n++] = (char *)args[i];
    ht_run_result run;
    int code = ht_run(&run, NULL, 20000, argv);
    cr_assert_eq(code, 2, "hcap-node %s %s ... exited %d (want 2): %s", args[0], args[1], code,
                 run.err);
    cr_assert(strstr(run.err, names), "stderr does not name %s: %s", names, run.err);
    cr_assert(!strstr(run.out, "hcap-node ready"));
    cr_assert_neq(access(dir, F_OK), 0, "%s was made before the flags were checked", dir);
    ht_run_free(&run);
    ht_rmtree(s_other_dir);
    free(s_other_dir);
    s_other_dir = NULL;
}

#define S_REFUSED(names, ...) s_assert_flag_refused((const char *const[]){__VA_ARGS__, NULL}, names)

Test(node, federation_flags_are_checked_before_anything_starts)
{
    S_REFUSED("--central-key", "--uplink", "tcp://127.0.0.1:7700");
    S_REFUSED("--uplink", "--central-key", "/etc/hostname");
    S_REFUSED("/nonexistent/central.pub", "--uplink", "tcp://127.0.0.1:7700", "--central-key",
              "/nonexistent/central.pub");
    S_REFUSED("holds no CURVE public key", "--uplink", "tcp://127.0.0.1:7700", "--central-key",
              "/etc/hostname");
    S_REFUSED("--uplink", "--uplink", "central:7700", "--central-key", "/etc/hostname");
    S_REFUSED("--listen", "--role", "central");
    S_REFUSED("--demo", "--role", "central", "--listen", "tcp://127.0.0.1:7700", "--demo");
    S_REFUSED("--uplink", "--role", "central", "--listen", "tcp://127.0.0.1:7700", "--uplink",
              "tcp://127.0.0.1:7701");
    S_REFUSED("--role", "--role", "hub");
}

/* A config file in its own directory (removed with s_other_dir), for
   settings that have no flag. */
static const char *s_config_file(const char *text)
{
    s_other_dir = ht_tempdir();
    const char *path = ht_fmt("%s/hcap.cfg", s_other_dir);
    cr_assert_eq(ht_write_file(path, text, strlen(text)), 0);
    return path;
}

/* Refused like a flag, naming the config key: a scale the node cannot
   run, at a region or (central) at the central node. */
static void s_assert_scale_refused(const char *config, const char *names, bool central)
{
    char *path = strdup(s_config_file(config)); /* ht_fmt's buffers are reused */
    char *dir = s_other_dir;
    s_other_dir = NULL;
    if (central)
        S_REFUSED(names, "--role", "central", "--listen", "tcp://127.0.0.1:7700", "--config", path);
    else
        S_REFUSED(names, "--config", path);
    ht_rmtree(dir);
    free(dir);
    free(path);
}

Test(node, scale_settings_are_checked_before_anything_starts)
{
    s_assert_scale_refused("enrollment\n    instances = 0\n", "enrollment/instances", false);
    s_assert_scale_refused("reporting\n    replicas = 17\n", "reporting/replicas", false);
    s_assert_scale_refused("enrollment\n    instances = two\n", "enrollment/instances", false);
    s_assert_scale_refused("central\n    replicas = 1\n", "central/replicas", true);
}

/* A region with an uplink runs hcap-uplink with central's endpoint and
   key; a central node runs the hub, a central reporting and a gateway,
   with DIR/nodes (0700) for the allow-list, and no regional service. */
Test(node, central_and_region_roles_run_their_children)
{
    int port = ht_free_port();
    const char *listen = ht_fmt("tcp://127.0.0.1:%d", port);
    const char *central_args[] = {"--role", "central", "--listen", listen, NULL};
    ht_node *central = s_node = ht_node_start_argv(NULL, NULL, central_args);
    cr_assert(central, "the central node did not start");
    struct stat st;
    cr_assert_eq(stat(ht_fmt("%s/nodes", central->dir), &st), 0);
    cr_assert(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700, "nodes/ mode %o",
              st.st_mode & 0777);
    free(s_assert_node_keys(central));
    cr_assert(ht_node_child(central, "hcap-central") > 0);
    pid_t reporting = ht_node_child(central, "hcap-reporting");
    cr_assert(reporting > 0);
    char *cmdline = ht_read_file(ht_fmt("/proc/%d/cmdline", (int)reporting), NULL);
    cr_assert(cmdline && strcmp(cmdline + strlen(cmdline) + 1, "--central") == 0,
              "central's reporting runs without --central as its first argument");
    free(cmdline);
    cr_assert_eq(ht_node_child(central, "hcap-enrollment"), 0, "central runs enrollment");
    json_t *health = ht_expect(central, 200, "GET", "/healthz", NULL);
    cr_assert(strstr(ht_jtext(health), "\"central\"") &&
                  !strstr(ht_jtext(health), "\"enrollment\""),
              "%s", ht_jtext(health));
    json_decref(health);

    const char *region_args[] = {"--node-id", "west",          "--uplink",
                                 listen,      "--central-key", ht_fmt("%s/node.pub", central->dir),
                                 NULL};
    s_other_dir = ht_tempdir();
    ht_node *region = ht_node_start_argv(s_other_dir, NULL, region_args);
    cr_assert(region, "the region did not start");
    pid_t uplink = ht_node_child(region, "hcap-uplink");
    cr_assert(uplink > 0, "the region runs no hcap-uplink");
    size_t size = 0;
    char *env = ht_read_file(ht_fmt("/proc/%d/environ", (int)uplink), &size);
    cr_assert(env &&
              ht_bytes_in((const uint8_t *)env, size, ht_fmt("HCAP_UPLINK_CENTRAL=%s", listen)));
    cr_assert(ht_bytes_in((const uint8_t *)env, size,
                          ht_fmt("HCAP_UPLINK_CENTRAL_KEY=%s/node.pub", central->dir)));
    free(env);
    cr_assert_eq(ht_node_stop(region), 0);
    ht_node_destroy(&region);
    cr_assert_eq(ht_node_stop(central), 0);
    ht_node_destroy(&s_node);
}

/* --- event log heads and follower lag in /healthz and /metrics --- */

/* The follower (service, source) in a /healthz reply, or NULL. */
static json_t *s_follower(json_t *health, const char *service, const char *source)
{
    for (long i = 0; i < ht_jlen(health, "followers"); i++)
        if (strcmp(ht_jstr(health, "followers.%ld.service", i), service) == 0 &&
            strcmp(ht_jstr(health, "followers.%ld.source", i), source) == 0)
            return ht_jget(health, "followers.%ld", i);
    return NULL;
}

static json_int_t s_service_head(json_t *health, const char *service)
{
    for (long i = 0; i < ht_jlen(health, "services"); i++)
        if (strcmp(ht_jstr(health, "services.%ld.name", i), service) == 0)
            return ht_jint(health, "services.%ld.log_head", i);
    return HT_JNONE;
}

/* Polls /healthz until reporting's follower of enrollment is behind by at
   least (behind) or at most (!behind) `events`; the last reply or NULL. */
static json_t *s_wait_lag(const ht_node *node, bool behind, json_int_t events, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    while (ht_now_ms() < deadline) {
        json_t *health = NULL;
        ht_json_call(node, "GET", "/healthz", NULL, NULL, &health);
        json_t *f = health ? s_follower(health, "reporting", "enrollment") : NULL;
        json_int_t got = f ? ht_jint(f, "events_behind") : HT_JNONE;
        if (got != HT_JNONE && (behind ? got >= events : got <= events))
            return health;
        json_decref(health);
        ht_sleep_ms(50);
    }
    return NULL;
}

static void s_post_workers(const ht_node *node, int count)
{
    for (int i = 0; i < count; i++) {
        char *id = ht_create(node, "/v1/workers",
                             "{\"given_name\":\"Lag\",\"family_name\":\"%s\","
                             "\"employment_status\":\"new_entrant\"}",
                             ht_uniq("Lag"));
        free(id);
    }
}

Test(node, healthz_and_metrics_show_log_heads_and_follower_lag)
{
    ht_node *node = s_node = ht_node_start(NULL, false);
    cr_assert(node);
    s_post_workers(node, 3);
    int64_t head = ht_events_head(node->dir, "enrollment", 5000);
    cr_assert_geq(head, 3);
    json_t *health = s_wait_lag(node, false, 0, 20000);
    cr_assert(health, "reporting never caught up with enrollment");
    /* the producers' heads come with their heartbeats, each service's
       followers once they have started */
    for (int64_t until = ht_now_ms() + 10000;
         s_service_head(health, "enrollment") < head ||
         !s_follower(health, "credentialing", "apprenticeship") ||
         !s_follower(health, "apprenticeship", "credentialing");) {
        cr_assert_lt(ht_now_ms(), until, "enrollment's head %ld and every follower: %s", (long)head,
                     ht_jtext(health));
        json_decref(health);
        ht_sleep_ms(100);
        ht_json_call(node, "GET", "/healthz", NULL, NULL, &health);
    }
    const char *sources[] = {"enrollment", "credentialing", "apprenticeship"};
    for (size_t i = 0; i < 3; i++) {
        json_t *f = s_follower(health, "reporting", sources[i]);
        cr_assert(f, "no reporting follower of %s: %s", sources[i], ht_jtext(health));
        cr_assert_eq(ht_jint(f, "dead_letters"), 0);
        cr_assert(json_is_number(ht_jget(f, "seconds_behind")));
    }
    json_decref(health);

    ht_req req = {.method = "GET", .path = "/metrics", .token = node->token};
    ht_resp resp;
    cr_assert_eq(ht_http(node, &req, &resp), 200);
    cr_assert(
        strstr(resp.body, ht_fmt("hcap_event_log_head{service=\"enrollment\"} %ld\n", (long)head)),
        "%s", resp.body);
    cr_assert(strstr(resp.body, "hcap_follower_events_behind{service=\"reporting\","
                                "source=\"enrollment\"} 0\n"),
              "%s", resp.body);
    cr_assert(strstr(resp.body, "hcap_follower_dead_letters{service=\"reporting\","
                                "source=\"credentialing\"} 0\n"));
    ht_resp_free(&resp);

    /* reporting stopped (SIGSTOP) while enrollment goes on: the lag shows
       from enrollment's own head until the broker forgets the silent
       instance (3 s); a few tries, as a loaded machine may be slow */
    pid_t reporting = ht_node_child(node, "hcap-reporting");
    cr_assert(reporting > 0);
    json_t *lagging = NULL;
    for (int attempt = 0; attempt < 3 && !lagging; attempt++) {
        cr_assert_eq(kill(reporting, SIGSTOP), 0);
        s_post_workers(node, 4);
        lagging = s_wait_lag(node, true, 4, 2500);
        kill(reporting, SIGCONT);
        if (!lagging)
            cr_assert(s_wait_lag(node, false, 0, 20000), "reporting did not catch up again");
    }
    cr_assert(lagging, "/healthz never showed reporting behind enrollment");
    json_t *f = s_follower(lagging, "reporting", "enrollment");
    cr_assert_eq(ht_jint(f, "head") - ht_jint(f, "seq"), ht_jint(f, "events_behind"));
    json_decref(lagging);
    health = s_wait_lag(node, false, 0, 20000);
    cr_assert(health, "reporting did not catch up after SIGCONT");
    json_decref(health);
    cr_assert_eq(ht_node_stop(node), 0);
    ht_node_destroy(&s_node);
}

/* --- instances sharing a store --- */

/* The pid holding an flock on path (from /proc/locks, by inode), or 0. */
static pid_t s_lock_holder(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    FILE *locks = fopen("/proc/locks", "re");
    cr_assert(locks);
    char line[256];
    pid_t holder = 0;
    while (!holder && fgets(line, sizeof line, locks)) {
        long pid;
        unsigned long inode;
        if (strstr(line, "FLOCK") && !strstr(line, "->") &&
            sscanf(line, "%*d: FLOCK %*s %*s %ld %*x:%*x:%lu", &pid, &inode) == 2 &&
            inode == (unsigned long)st.st_ino)
            holder = (pid_t)pid;
    }
    fclose(locks);
    return holder;
}

/* Waits until reporting has applied the enrollment log up to head. */
static void s_wait_reporting_at(const ht_node *node, json_int_t head, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    json_int_t seq = -1;
    while (ht_now_ms() < deadline) {
        json_t *health = ht_expect(node, 200, "GET", "/healthz", NULL);
        json_t *row = s_follower(health, "reporting", "enrollment");
        seq = row ? json_integer_value(json_object_get(row, "seq")) : -1;
        json_decref(health);
        if (seq >= head)
            return;
        ht_sleep_ms(100);
    }
    cr_assert_fail("reporting stayed at enrollment seq %ld, want %ld", (long)seq, (long)head);
}

/* Waits until /healthz counts want live enrollment instances. */
static void s_wait_instances(const ht_node *node, json_int_t want, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    json_int_t live = -1;
    while (ht_now_ms() < deadline && live != want) {
        json_t *health = ht_expect(node, 200, "GET", "/healthz", NULL);
        live = ht_jint(health, "services.0.instances");
        json_decref(health);
        if (live != want)
            ht_sleep_ms(100);
    }
    cr_assert_eq(live, want, "enrollment has %ld live instances, want %ld", (long)live, (long)want);
}

/* enrollment/instances = 2: two processes of hcap-enrollment on the one
   store, both registered, each named by its instance. The store's leader
   killed -9 (twice: the restarted one leads the second time), the other
   takes the lead: its log is served, reporting still sees new workers. */
Test(node, two_instances_share_a_store_and_the_lead_moves_on_kill_9)
{
    const char *prefix[] = {"/usr/bin/env", "HCAP_ENROLLMENT_INSTANCES=2", NULL};
    const char *args[] = {NULL};
    ht_node *node = s_node = ht_node_start_argv(NULL, prefix, args);
    cr_assert(node, "the node did not start");
    pid_t pids[4];
    cr_assert_eq(ht_find_pids("hcap-enrollment", ht_fmt("--data %s ", node->dir), pids, 4), 2);
    cr_assert(ht_find_pid("hcap-enrollment", "--instance enrollment-1") > 0);
    cr_assert(ht_find_pid("hcap-enrollment", "--instance enrollment-2") > 0);
    json_t *health = ht_expect(node, 200, "GET", "/healthz", NULL);
    cr_assert_eq(ht_jint(health, "services.0.instances"), 2, "%s", ht_jtext(health));
    json_decref(health);
    for (int round = 0; round < 2; round++) {
        pid_t leader = s_lock_holder(ht_fmt("%s/enrollment.db.lock", node->dir));
        cr_assert(leader > 0, "no instance holds the store's lock");
        kill(leader, SIGKILL);
        char id[64];
        for (int i = 0; i < 5; i++) {
            const char *key = ht_fmt("scale-%d-%d", round, i);
            cr_assert_eq(s_post_worker(node, ht_fmt("Scale%d-%d", round, i), key, id), 201);
        }
        s_wait_reporting_at(node, 5 * (round + 1), 10000);
        cr_assert_neq(s_lock_holder(ht_fmt("%s/enrollment.db.lock", node->dir)), leader);
        s_wait_instances(node, 2, 10000);
    }
    cr_assert_eq(ht_node_stop(node), 0);
    ht_node_destroy(&s_node);
}
