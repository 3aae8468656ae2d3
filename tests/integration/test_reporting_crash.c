/* kill -9 of hcap-reporting, again and again, while writers keep creating
   workers, enrollments, status changes and credentials through HTTP:
   afterwards reporting has every acknowledged write exactly once (its
   reports equal the totals the writers know) and agrees byte for byte
   with a rebuild of itself. */
#include "ht.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_WRITERS      2
#define S_KILLS        5
#define S_KILL_GAP_MS  400   /* reporting runs this long between kills */
#define S_BACK_MS      20000 /* a killed reporting back (restart backoff under sanitizers) */
#define S_CATCH_UP_MS  60000
#define S_WRITE_TRY_MS 20000 /* a keyed write retried this long at most */

static ht_node *s_node;
static atomic_bool s_stop;
static pthread_t s_threads[S_WRITERS];
static int s_started;

static void s_fini(void)
{
    atomic_store(&s_stop, true);
    for (int i = 0; i < s_started; i++)
        pthread_join(s_threads[i], NULL);
    s_started = 0;
    ht_node_destroy(&s_node);
}

TestSuite(reporting_crash, .fini = s_fini);

/* What one writer had acknowledged, per gender: [0] female, [1] male. */
typedef struct {
    int index;
    const char *cohort;
    int workers[2], completed[2], credentials[2];
    int rounds;
    int failed_status; /* the status of a write that never succeeded */
    char failed_path[96];
} s_writer;

/* POSTs body to path with an Idempotency-Key, retried with the same key
   until 2xx (a key makes a retry apply once). Returns the final status
   and copies the reply's id into id (when not NULL). */
static int s_write(s_writer *w, const char *path, const char *body, const char *key, char *id)
{
    int64_t until = ht_now_ms() + S_WRITE_TRY_MS;
    int status;
    do {
        ht_req req = {.method = "POST",
                      .path = path,
                      .token = s_node->token,
                      .idempotency_key = key,
                      .body = body,
                      .timeout_ms = 10000};
        ht_resp resp;
        status = ht_http(s_node, &req, &resp);
        if (id && status / 100 == 2)
            snprintf(id, 64, "%s", ht_jstr(resp.json, "id") ? ht_jstr(resp.json, "id") : "");
        ht_resp_free(&resp);
        if (status / 100 != 2)
            ht_sleep_ms(50);
    } while (status / 100 != 2 && (status == 0 || status >= 500) && ht_now_ms() < until);
    if (status / 100 != 2 && !w->failed_status) {
        w->failed_status = status;
        snprintf(w->failed_path, sizeof w->failed_path, "%s", path);
    }
    return status;
}

/* One worker: registered, enrolled (today), active 2024-05-01; every
   second one completed 2024-06-01; every third one awarded CR-CERT on
   2024-07-01. Returns false when a write failed. */
static bool s_round(s_writer *w)
{
    int n = w->rounds, g = n % 2;
    char key[64], body[256], path[96], worker[64], enrollment[64];
    snprintf(key, sizeof key, "crash-%d-%d-w", w->index, n);
    snprintf(body, sizeof body,
             "{\"given_name\":\"Crash\",\"family_name\":\"W%d-%d\",\"gender\":\"%s\","
             "\"employment_status\":\"incumbent\"}",
             w->index, n, g ? "male" : "female");
    if (s_write(w, "/v1/workers", body, key, worker) != 201)
        return false;
    w->workers[g]++;
    snprintf(key, sizeof key, "crash-%d-%d-e", w->index, n);
    snprintf(body, sizeof body, "{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", worker, w->cohort);
    if (s_write(w, "/v1/enrollments", body, key, enrollment) != 201)
        return false;
    snprintf(path, sizeof path, "/v1/enrollments/%s/status", enrollment);
    snprintf(key, sizeof key, "crash-%d-%d-a", w->index, n);
    if (s_write(w, path, "{\"status\":\"active\",\"date\":\"2024-05-01\"}", key, NULL) != 200)
        return false;
    snprintf(key, sizeof key, "crash-%d-%d-c", w->index, n);
    if (n % 2 == 0) {
        if (s_write(w, path, "{\"status\":\"completed\",\"date\":\"2024-06-01\"}", key, NULL) !=
            200)
            return false;
        w->completed[g]++;
    }
    snprintf(key, sizeof key, "crash-%d-%d-r", w->index, n);
    snprintf(body, sizeof body,
             "{\"worker_id\":\"%s\",\"credential_code\":\"CR-CERT\",\"issued_on\":\"2024-07-01\"}",
             worker);
    if (n % 3 == 0) {
        if (s_write(w, "/v1/credentials", body, key, NULL) != 201)
            return false;
        w->credentials[g]++;
    }
    return true;
}

static void *s_writer_main(void *arg)
{
    s_writer *w = arg;
    while (!atomic_load(&s_stop) && s_round(w))
        w->rounds++;
    return NULL;
}

/* kill -9 of hcap-reporting; waits for its successor. */
static void s_kill_reporting(int round)
{
    pid_t victim = ht_node_child(s_node, "hcap-reporting");
    cr_assert(victim > 0, "no hcap-reporting for %s", s_node->dir);
    cr_assert_eq(kill(victim, SIGKILL), 0);
    int64_t killed_at = ht_now_ms();
    pid_t successor = 0;
    while (ht_now_ms() - killed_at < S_BACK_MS) {
        successor = ht_node_child(s_node, "hcap-reporting");
        if (successor > 0 && successor != victim)
            break;
        ht_sleep_ms(20);
    }
    cr_assert(successor > 0 && successor != victim, "hcap-reporting not restarted (kill %d)",
              round);
    cr_log_info("kill %d: hcap-reporting %d -> %d in %ld ms", round, (int)victim, (int)successor,
                (long)(ht_now_ms() - killed_at));
}

static void s_setup(char **cohort)
{
    json_decref(ht_expect(s_node, 201, "POST", "/v1/credential-types",
                          "{\"code\":\"CR-CERT\",\"name\":\"Crash Certificate\","
                          "\"kind\":\"certificate\",\"issuer\":\"Test Board\"}"));
    char *program = ht_create(s_node, "/v1/programs",
                              "{\"code\":\"CR-PROG\",\"name\":\"Crash Course\","
                              "\"kind\":\"credential_training\",\"credential_code\":\"CR-CERT\"}");
    *cohort = ht_new_cohort(s_node, program, 100000);
    free(program);
    /* The grant's codes are checked against the read model: let it learn them. */
    ht_reports_wait(s_node, S_CATCH_UP_MS);
    json_decref(ht_expect(s_node, 201, "POST", "/v1/grants",
                          "{\"code\":\"CR-GRANT\",\"name\":\"Crash grant\",\"start_date\":"
                          "\"2024-01-01\",\"end_date\":\"2024-12-31\",\"deliverables\":["
                          "{\"code\":\"P\",\"name\":\"P\",\"metric\":\"participants\","
                          "\"target\":1},"
                          "{\"code\":\"C\",\"name\":\"C\",\"metric\":\"completions\","
                          "\"target\":1},"
                          "{\"code\":\"R\",\"name\":\"R\",\"metric\":\"credentials\","
                          "\"target\":1,\"filter\":{\"credential_codes\":[\"CR-CERT\"]}}]}"));
}

static void s_assert_count(json_t *row, const char *key, int want, const char *what)
{
    cr_assert_eq(ht_jint(row, "%s", key), want, "%s %s: want %d: %s", what, key, want,
                 ht_jtext(row));
}

/* The gender row (female/male) or the total, asserted against the sums. */
static void s_assert_outcomes(const s_writer *writers)
{
    int workers[2] = {0}, completed[2] = {0}, credentials[2] = {0};
    for (int i = 0; i < S_WRITERS; i++)
        for (int g = 0; g < 2; g++) {
            workers[g] += writers[i].workers[g];
            completed[g] += writers[i].completed[g];
            credentials[g] += writers[i].credentials[g];
        }
    json_t *report = ht_expect(s_node, 200, "GET", "/v1/reports/outcomes?by=gender", NULL);
    const char *groups[] = {"female", "male"};
    cr_assert_eq(ht_jlen(report, "rows"), 2, "%s", ht_jtext(report));
    for (int g = 0; g < 2; g++) {
        json_t *row = ht_jget(report, "rows.%d", g);
        cr_assert_str_eq(ht_jstr(row, "group"), groups[g], "%s", ht_jtext(report));
        /* every worker enrolled (today) and went active: a participant */
        s_assert_count(row, "participants", workers[g], groups[g]);
        s_assert_count(row, "completed", completed[g], groups[g]);
        s_assert_count(row, "credentials", credentials[g], groups[g]);
        s_assert_count(row, "placements", 0, groups[g]);
    }
    json_t *total = json_object_get(report, "total");
    s_assert_count(total, "participants", workers[0] + workers[1], "total");
    s_assert_count(total, "completed", completed[0] + completed[1], "total");
    s_assert_count(total, "credentials", credentials[0] + credentials[1], "total");
    json_decref(report);
    report = ht_expect(s_node, 200, "GET", "/v1/reports/grants/CR-GRANT", NULL);
    /* all active 2024-05-01, completed 2024-06-01, awarded 2024-07-01 */
    const int want[] = {workers[0] + workers[1], completed[0] + completed[1],
                        credentials[0] + credentials[1]};
    for (int i = 0; i < 3; i++)
        cr_assert_float_eq(json_number_value(ht_jget(report, "deliverables.%d.actual", i)), want[i],
                           1e-9, "deliverable %d: want %d: %s", i, want[i], ht_jtext(report));
    json_decref(report);
}

static const char *const s_paths[] = {
    "/v1/reports/outcomes?by=gender",
    "/v1/reports/outcomes?by=program",
    "/v1/reports/outcomes?by=employer",
    "/v1/reports/grants/CR-GRANT",
    "/v1/reports/indicators",
    "/v1/reports/apprenticeship",
    "/v1/reports/outcomes?by=age_band&format=csv",
    NULL,
};

Test(reporting_crash, kill_9_of_reporting_under_writes_loses_and_doubles_nothing)
{
    s_node = ht_node_start(NULL, false);
    cr_assert(s_node);
    char *cohort = NULL;
    s_setup(&cohort);
    static s_writer writers[S_WRITERS];
    for (int i = 0; i < S_WRITERS; i++) {
        writers[i] = (s_writer){.index = i, .cohort = cohort};
        cr_assert_eq(pthread_create(&s_threads[i], NULL, s_writer_main, &writers[i]), 0);
        s_started = i + 1;
    }
    for (int round = 1; round <= S_KILLS; round++) {
        ht_sleep_ms(S_KILL_GAP_MS);
        s_kill_reporting(round);
    }
    ht_sleep_ms(S_KILL_GAP_MS);
    atomic_store(&s_stop, true);
    for (int i = 0; i < S_WRITERS; i++)
        pthread_join(s_threads[i], NULL);
    s_started = 0;
    int rounds = 0;
    for (int i = 0; i < S_WRITERS; i++) {
        cr_assert_eq(writers[i].failed_status, 0, "writer %d: %s -> %d", i, writers[i].failed_path,
                     writers[i].failed_status);
        rounds += writers[i].rounds;
    }
    cr_assert(rounds >= 20, "only %d workers written while reporting was killed", rounds);
    int64_t took = ht_reports_wait(s_node, S_CATCH_UP_MS);
    cr_log_info("%d workers written; reporting caught up %ld ms after the writers stopped", rounds,
                (long)took);
    s_assert_outcomes(writers);

    char *before[8] = {0};
    for (int i = 0; s_paths[i]; i++)
        before[i] = ht_reports_body(s_node, NULL, s_paths[i]);
    json_decref(ht_expect(s_node, 200, "POST", "/v1/reports/rebuild", NULL));
    ht_reports_wait(s_node, S_CATCH_UP_MS);
    for (int i = 0; s_paths[i]; i++) {
        char *after = ht_reports_body(s_node, NULL, s_paths[i]);
        cr_assert_str_eq(after, before[i], "%s differs from a rebuild's", s_paths[i]);
        free(after), free(before[i]);
    }
    free(cohort);
    cr_assert_eq(ht_node_stop(s_node), 0, "the node did not stop cleanly");
    ht_node_destroy(&s_node);
}
