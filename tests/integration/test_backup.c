/* hcapctl backup and restore on a real node, as docs/backup.md tells an
   operator: a fund written to every service, a backup taken while a
   client goes on writing, the node stopped and its data directory wiped,
   the backup restored and the node started again. Every record written
   before the backup is found, the reports read as before, each follower
   resets on its producer's new epoch, and the node takes new writes. The
   refusals: restore while the node runs, into a directory with stores,
   from a damaged or unfinished backup; a backup into a directory that is
   not empty. */
#include "ht.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_CATCH_UP_MS   60000
#define S_AWARD_MS      30000
#define S_MAX_WRITES    3000
#define S_SLOW_WRITE_MS 5000 /* a write slower than this while the backup ran: the node stalled */

/* ---- running hcapctl on any data directory ---------------------------- */

/* `hcapctl --node DIR args...`: asserts the exit code (0, or non-zero for
   want < 0) and returns the result (free with ht_run_free). */
static ht_run_result s_ctl(int want, const char *dir, const char *a, const char *b)
{
    char *argv[] = {HCAP_BIN_DIR "/hcapctl", "--node", (char *)dir, (char *)a, (char *)b, NULL};
    ht_run_result run;
    int code = ht_run(&run, NULL, HT_RUN_TIMEOUT_MS, argv);
    if (want < 0)
        cr_assert(code > 0, "hcapctl --node %s %s %s exited %d (want failure)\n%s%s", dir, a, b,
                  code, run.out, run.err);
    else
        cr_assert_eq(code, want, "hcapctl --node %s %s %s exited %d\n%s%s", dir, a, b, code,
                     run.out, run.err);
    return run;
}

static void s_refused(const char *dir, const char *a, const char *b, const char *says)
{
    ht_run_result run = s_ctl(-1, dir, a, b);
    cr_assert(strstr(run.err, says), "hcapctl %s %s: stderr lacks \"%s\": %s", a, b, says, run.err);
    cr_log_info("refused as it should: %s", run.err);
    ht_run_free(&run);
}

/* ---- the fund: every service's records ---------------------------------- */

typedef struct {
    char *employer, *program, *cohort, *w[7], *a5, *a6, *token;
} s_fund;

static char *s_post(const ht_node *node, const char *path, const char *body)
{
    return ht_create(node, path, "%s", body);
}

static void s_ok(const ht_node *node, const char *path, const char *body)
{
    json_decref(ht_expect(node, 200, "POST", path, body));
}

static void s_enroll(const ht_node *node, const char *worker, const char *cohort,
                     const char *outcome, const char *date)
{
    char *id = s_post(node, "/v1/enrollments",
                      ht_fmt("{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", worker, cohort));
    s_ok(node, ht_fmt("/v1/enrollments/%s/status", id),
         "{\"status\":\"active\",\"date\":\"2024-02-01\"}");
    if (outcome)
        s_ok(node, ht_fmt("/v1/enrollments/%s/status", id),
             ht_fmt("{\"status\":\"%s\",\"date\":\"%s\"}", outcome, date));
    free(id);
}

static void s_catalog(const ht_node *node, s_fund *f)
{
    f->employer = ht_new_employer(node, "Backup General");
    json_decref(ht_expect(node, 201, "POST", "/v1/credential-types",
                          "{\"code\":\"BK-CNA-CERT\",\"name\":\"Nurse Aide\","
                          "\"kind\":\"certification\",\"issuer\":\"State Board\"}"));
    json_decref(ht_expect(node, 201, "POST", "/v1/credential-types",
                          "{\"code\":\"BK-CHW-CERT\",\"name\":\"Community Health Worker\","
                          "\"kind\":\"certificate\",\"issuer\":\"State Agency\"}"));
    json_decref(ht_expect(node, 201, "POST", "/v1/apprenticeship-programs",
                          "{\"code\":\"BK-CHW\",\"name\":\"Community Health Worker\","
                          "\"occupation\":\"Community Health Worker\",\"approach\":\"time_based\","
                          "\"ojl_hours\":100,\"rti_hours\":10,"
                          "\"completion_credential_code\":\"BK-CHW-CERT\"}"));
    f->program = s_post(node, "/v1/programs",
                        "{\"code\":\"BK-CNA\",\"name\":\"Nursing Assistant\","
                        "\"kind\":\"credential_training\",\"credential_code\":\"BK-CNA-CERT\"}");
    f->cohort = ht_new_cohort(node, f->program, 30);
}

static void s_workers(const ht_node *node, s_fund *f)
{
    const char *genders[] = {"female", "male", "female", "nonbinary", "female", "male"};
    for (int i = 1; i <= 6; i++)
        f->w[i] = s_post(node, "/v1/workers",
                         ht_fmt("{\"given_name\":\"Bk%d\",\"family_name\":\"Fund\","
                                "\"gender\":\"%s\",\"employer_id\":\"%s\","
                                "\"employment_status\":\"incumbent\"}",
                                i, genders[i - 1], f->employer));
    s_enroll(node, f->w[1], f->cohort, "completed", "2024-03-15");
    s_enroll(node, f->w[2], f->cohort, "completed", "2024-03-15");
    s_enroll(node, f->w[3], f->cohort, "failed", "2024-03-10");
    s_enroll(node, f->w[4], f->cohort, NULL, NULL);
    free(s_post(node, ht_fmt("/v1/workers/%s/employment", f->w[1]),
                ht_fmt("{\"kind\":\"placement\",\"effective_date\":\"2024-04-01\","
                       "\"employer_id\":\"%s\",\"hourly_wage_cents\":2300}",
                       f->employer)));
}

static void s_credentials(const ht_node *node, s_fund *f)
{
    free(s_post(node, "/v1/credentials",
                ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"BK-CNA-CERT\","
                       "\"issued_on\":\"2024-04-01\",\"source\":\"earned\"}",
                       f->w[1])));
    char *revoked = s_post(node, "/v1/credentials",
                           ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"BK-CNA-CERT\","
                                  "\"issued_on\":\"2024-03-20\",\"source\":\"earned\"}",
                                  f->w[2]));
    s_ok(node, ht_fmt("/v1/credentials/%s/revoke", revoked), "{\"reason\":\"issued in error\"}");
    free(revoked);
    /* prior learning with credit: apprenticeship takes the credit from
       credentialing's log (a follower with no reset of its own) */
    free(s_post(node, "/v1/prior-learning",
                ht_fmt("{\"worker_id\":\"%s\",\"evidence\":\"ten years as a home aide\","
                       "\"ojl_credit_hours\":40,\"assessed_on\":\"2024-01-02\"}",
                       f->w[5])));
}

/* A5 gets the prior credit and logs a day; A6 completes, and
   credentialing awards its completion credential from apprenticeship's
   log (again a follower with no reset of its own). */
static void s_apprentices(const ht_node *node, s_fund *f)
{
    const char *body = "{\"worker_id\":\"%s\",\"program_code\":\"BK-CHW\",\"employer_id\":\"%s\","
                       "\"mentor\":\"Maria Mentor\",\"start_date\":\"2024-01-08\"}";
    f->a5 = s_post(node, "/v1/apprentices", ht_fmt(body, f->w[5], f->employer));
    f->a6 = s_post(node, "/v1/apprentices", ht_fmt(body, f->w[6], f->employer));
    s_ok(node, ht_fmt("/v1/apprentices/%s/hours", f->a5),
         "{\"kind\":\"ojl\",\"date\":\"2024-01-09\",\"hours\":8}");
    const char *days[] = {"2024-02-05", "2024-02-06", "2024-02-07", "2024-02-08", "2024-02-09"};
    for (int i = 0; i < 5; i++)
        s_ok(node, ht_fmt("/v1/apprentices/%s/hours", f->a6),
             ht_fmt("{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":20}", days[i]));
    s_ok(node, ht_fmt("/v1/apprentices/%s/hours", f->a6),
         "{\"kind\":\"rti\",\"date\":\"2024-02-12\",\"hours\":10}");
}

/* The credentials of worker with code: how many (waits for one at most
   timeout_ms when want_one). */
static long s_held(const ht_node *node, const char *worker, const char *code, bool want_one)
{
    int64_t until = ht_now_ms() + (want_one ? S_AWARD_MS : 0);
    for (;;) {
        json_t *list =
            ht_expect(node, 200, "GET", ht_fmt("/v1/credentials?worker_id=%s", worker), NULL);
        long held = 0;
        for (long i = 0; i < ht_jlen(list, "items"); i++)
            held += strcmp(ht_jstr(list, "items.%ld.credential_code", i), code) == 0;
        json_decref(list);
        if (held > 0 || !want_one || ht_now_ms() > until)
            return held;
        ht_sleep_ms(50);
    }
}

static void s_grant_and_token(const ht_node *node, s_fund *f)
{
    json_decref(ht_expect(
        node, 201, "POST", "/v1/grants",
        "{\"code\":\"BK-GRANT\",\"name\":\"Backup fund\",\"start_date\":\"2024-01-01\","
        "\"end_date\":\"2024-12-31\",\"deliverables\":["
        "{\"code\":\"D-PART\",\"name\":\"Participants\",\"metric\":\"participants\",\"target\":10},"
        "{\"code\":\"D-COMP\",\"name\":\"Completers\",\"metric\":\"completions\",\"target\":5},"
        "{\"code\":\"D-CRED\",\"name\":\"Credentials\",\"metric\":\"credentials\",\"target\":5},"
        "{\"code\":\"D-APPR\",\"name\":\"Apprentices\",\"metric\":\"apprentices\",\"target\":4},"
        "{\"code\":\"D-DONE\",\"name\":\"Journeyworkers\",\"metric\":\"apprentices_completed\","
        "\"target\":2},"
        "{\"code\":\"D-PLACE\",\"name\":\"Placements\",\"metric\":\"placements\",\"target\":2}]}"));
    json_t *token =
        ht_expect(node, 201, "POST", "/v1/tokens", "{\"role\":\"analyst\",\"name\":\"backup\"}");
    f->token = strdup(ht_jstr(token, "token"));
    json_decref(token);
}

static void s_build(const ht_node *node, s_fund *f)
{
    s_catalog(node, f);
    s_workers(node, f);
    s_credentials(node, f);
    s_apprentices(node, f);
    cr_assert_eq(s_held(node, f->w[6], "BK-CHW-CERT", true), 1,
                 "no completion credential for the completed apprentice");
    s_grant_and_token(node, f);
}

static void s_fund_free(s_fund *f)
{
    free(f->employer), free(f->program), free(f->cohort), free(f->a5), free(f->a6);
    free(f->token);
    for (int i = 1; i <= 6; i++)
        free(f->w[i]);
}

/* ---- what must read the same after the restore ---------------------------- */

#define S_MAX_PATHS 48

typedef struct {
    char *path[S_MAX_PATHS];
    char *body[S_MAX_PATHS];
    int n;
} s_reads;

static void s_read_add(s_reads *r, const char *path)
{
    cr_assert_lt(r->n, S_MAX_PATHS);
    r->path[r->n++] = strdup(path);
}

/* Every record of the fund, each list (nothing else writes them), and
   reports the concurrent client's bare workers cannot change. */
static void s_reads_of(s_reads *r, const s_fund *f)
{
    const char *fixed[] = {
        "/v1/employers",
        "/v1/programs",
        "/v1/cohorts",
        "/v1/enrollments",
        "/v1/credentials",
        "/v1/credential-types",
        "/v1/apprenticeship-programs",
        "/v1/apprentices",
        "/v1/grants/BK-GRANT",
        "/v1/reports/grants/BK-GRANT",
        "/v1/reports/outcomes?by=program",
        "/v1/reports/outcomes?by=employer",
        "/v1/reports/apprenticeship",
        NULL,
    };
    for (int i = 0; fixed[i]; i++)
        s_read_add(r, fixed[i]);
    for (int i = 1; i <= 6; i++) {
        s_read_add(r, ht_fmt("/v1/workers/%s", f->w[i]));
        s_read_add(r, ht_fmt("/v1/workers/%s/employment", f->w[i]));
        s_read_add(r, ht_fmt("/v1/prior-learning?worker_id=%s", f->w[i]));
    }
    s_read_add(r, ht_fmt("/v1/workers/%s/profile", f->w[6]));
    s_read_add(r, ht_fmt("/v1/apprentices/%s", f->a5));
    s_read_add(r, ht_fmt("/v1/apprentices/%s", f->a6));
    s_read_add(r, ht_fmt("/v1/apprentices/%s/hours", f->a6));
}

/* GET path, with the node's address (in verification URLs; the port
   changes when the node starts again) written as {node}. */
static char *s_body(const ht_node *node, const char *path)
{
    char *body = ht_reports_body(node, NULL, path);
    size_t len = strlen(node->http);
    for (char *at = strstr(body, node->http); at; at = strstr(at, node->http)) {
        memcpy(at, "{node}", 6);
        memmove(at + 6, at + len, strlen(at + len) + 1);
    }
    return body;
}

static void s_reads_take(s_reads *r, const ht_node *node)
{
    for (int i = 0; i < r->n; i++)
        r->body[i] = s_body(node, r->path[i]);
}

static void s_reads_compare(s_reads *r, const ht_node *node)
{
    for (int i = 0; i < r->n; i++) {
        char *now = s_body(node, r->path[i]);
        cr_expect_str_eq(now, r->body[i],
                         "GET %s differs after the restore:\nbefore %.2000s\nafter  %.2000s",
                         r->path[i], r->body[i], now);
        free(now);
        free(r->body[i]);
        free(r->path[i]);
    }
}

/* ---- a client that goes on writing ---------------------------------------- */

typedef struct {
    char id[48];
    int64_t sent, acked;
} s_write;

typedef struct {
    const ht_node *node;
    volatile int stop;
    volatile int n;
    int failures;
    char failure[256];
    s_write writes[S_MAX_WRITES];
} s_writer;

static void *s_writer_main(void *arg)
{
    s_writer *w = arg;
    while (!w->stop && w->n < S_MAX_WRITES) {
        s_write *one = &w->writes[w->n];
        char body[128];
        snprintf(body, sizeof body,
                 "{\"given_name\":\"Concurrent%d\",\"family_name\":\"Writer\",\"employment_"
                 "status\":\"unemployed\"}",
                 w->n);
        json_t *out = NULL;
        one->sent = ht_now_ms();
        int status = ht_json_post(w->node, "/v1/workers", body, &out);
        one->acked = ht_now_ms();
        const char *id = status == 201 ? ht_jstr(out, "id") : NULL;
        if (id) {
            snprintf(one->id, sizeof one->id, "%s", id);
            w->n++;
        } else if (w->failures++ == 0) {
            snprintf(w->failure, sizeof w->failure, "POST /v1/workers: %d", status);
        }
        json_decref(out);
    }
    return NULL;
}

/* The backup, taken while w writes: *t0 and *t1 bracket it. */
static void s_backup_under_writes(ht_node *node, s_writer *w, const char *bk, int64_t *t0,
                                  int64_t *t1)
{
    pthread_t thread;
    w->node = node;
    cr_assert_eq(pthread_create(&thread, NULL, s_writer_main, w), 0);
    while (w->n < 20 && !w->failures)
        ht_sleep_ms(5);
    *t0 = ht_now_ms();
    ht_run_result run = s_ctl(0, node->dir, "backup", bk);
    *t1 = ht_now_ms();
    cr_log_info("backup in %ld ms:\n%s", (long)(*t1 - *t0), run.out);
    cr_expect(strstr(run.out, "enrollment") && strstr(run.out, "manifest"), "%s", run.out);
    ht_run_free(&run);
    int at_end = w->n;
    while (w->n < at_end + 20 && !w->failures && w->n < S_MAX_WRITES)
        ht_sleep_ms(5);
    w->stop = 1;
    pthread_join(thread, NULL);
    cr_assert_eq(w->failures, 0, "the node stopped answering writes: %s", w->failure);
}

/* Writes acknowledged before the backup began are in it, those sent
   after it ended are not; none waited on the backup. */
static void s_assert_writes(const ht_node *node, const s_writer *w, int64_t t0, int64_t t1)
{
    int before = 0, after = 0, during = 0, found_during = 0;
    int64_t slowest = 0;
    for (int i = 0; i < w->n; i++) {
        const s_write *one = &w->writes[i];
        int status = ht_json_get(node, ht_fmt("/v1/workers/%s", one->id), NULL);
        if (one->acked <= t0) {
            before++;
            cr_expect_eq(status, 200, "worker %s, acknowledged before the backup, is lost",
                         one->id);
        } else if (one->sent > t1) {
            after++;
            cr_expect_eq(status, 404, "worker %s, written after the backup, is in it", one->id);
        } else {
            during++;
            found_during += status == 200;
            if (one->acked - one->sent > slowest)
                slowest = one->acked - one->sent;
        }
    }
    cr_log_info("concurrent writes: %d before the backup (all found), %d during it (%d in it, "
                "slowest %ld ms), %d after it (none in it)",
                before, during, found_during, (long)slowest, after);
    cr_expect_geq(before, 20);
    cr_expect_geq(after, 1);
    cr_expect_lt(slowest, S_SLOW_WRITE_MS, "a write waited %ld ms on the backup", (long)slowest);
}

/* ---- the backup's files ---------------------------------------------------- */

/* Copies the backup in from into the new directory to, leaving out the
   file named skip and flipping a byte in the middle of the file named
   flip (either may be NULL). */
static void s_copy_backup(const char *from, const char *to, const char *skip, const char *flip)
{
    cr_assert_eq(mkdir(to, 0700), 0, "mkdir %s", to);
    const char *files[] = {"manifest.json",     "gateway.db",   "enrollment.db", "credentialing.db",
                           "apprenticeship.db", "reporting.db", "node.key",      "node.pub",
                           "signing.key",       "signing.pub",  "admin.token",   NULL};
    for (int i = 0; files[i]; i++) {
        if (skip && strcmp(files[i], skip) == 0)
            continue;
        size_t size = 0;
        char *data = ht_read_file(ht_fmt("%s/%s", from, files[i]), &size);
        cr_assert_not_null(data, "the backup has no %s", files[i]);
        if (flip && strcmp(files[i], flip) == 0)
            data[size / 2] ^= 0x01;
        cr_assert_eq(ht_write_file(ht_fmt("%s/%s", to, files[i]), data, size), 0);
        free(data);
    }
}

static void s_assert_mode(const char *dir, const char *file, unsigned want)
{
    struct stat st;
    cr_assert_eq(stat(ht_fmt("%s/%s", dir, file), &st), 0, "%s/%s is missing", dir, file);
    cr_expect_eq(st.st_mode & 0777, want, "%s/%s has mode %04o, want %04o", dir, file,
                 st.st_mode & 0777, want);
}

/* The epoch a store's log has now (malloc'd). */
static char *s_epoch(const char *dir, const char *store)
{
    ht_db *db = ht_db_open(dir, ht_fmt("%s.db", store));
    cr_assert_not_null(db);
    char **rows =
        ht_db_strings(db, "SELECT value FROM hc_meta WHERE key = 'eventlog_epoch'", NULL, NULL);
    cr_assert(rows && rows[0], "%s.db has no epoch", store);
    char *epoch = strdup(rows[0]);
    ht_db_strings_free(rows);
    ht_db_close(&db);
    return epoch;
}

/* The epoch the follower `follower` in store's cursor holds (malloc'd). */
static char *s_cursor_epoch(const char *dir, const char *store, const char *follower)
{
    ht_db *db = ht_db_open(dir, ht_fmt("%s.db", store));
    cr_assert_not_null(db);
    char **rows =
        ht_db_strings(db, "SELECT epoch FROM hc_cursors WHERE follower = ?1", follower, NULL);
    cr_assert(rows && rows[0], "%s.db has no cursor of %s", store, follower);
    char *epoch = strdup(rows[0]);
    ht_db_strings_free(rows);
    ht_db_close(&db);
    return epoch;
}

static const char *s_manifest_epoch(json_t *manifest, const char *store)
{
    for (long i = 0; i < ht_jlen(manifest, "stores"); i++)
        if (strcmp(ht_jstr(manifest, "stores.%ld.name", i), store) == 0)
            return ht_jstr(manifest, "stores.%ld.log.epoch", i);
    cr_assert_fail("the manifest lists no store %s", store);
    return NULL;
}

/* ---- after the restore ----------------------------------------------------- */

/* Each store's log has a new epoch, printed as old -> new. */
static void s_assert_new_epochs(const ht_node *node, json_t *manifest, const char *printed)
{
    const char *logs[] = {"enrollment", "credentialing", "apprenticeship", "reporting", NULL};
    for (int i = 0; logs[i]; i++) {
        const char *old = s_manifest_epoch(manifest, logs[i]);
        char *now = s_epoch(node->dir, logs[i]);
        cr_assert(old && strlen(old) == 32, "the manifest's %s epoch: %s", logs[i], old);
        cr_expect_str_neq(now, old, "%s kept its epoch", logs[i]);
        cr_expect(strstr(printed, ht_fmt("%s -> %s", old, now)), "%s: no %s -> %s in: %s", logs[i],
                  old, now, printed);
        free(now);
    }
}

/* Every follower of the node: the store it lives in, the log it follows. */
static const char *const s_follows[][2] = {
    {"reporting", "enrollment"},         {"reporting", "credentialing"},
    {"reporting", "apprenticeship"},     {"credentialing", "enrollment"},
    {"credentialing", "apprenticeship"}, {"apprenticeship", "credentialing"},
};
#define S_FOLLOWS (sizeof s_follows / sizeof s_follows[0])

/* How many followers' cursors hold their producer's epoch now. */
static size_t s_on_new_epochs(const ht_node *node, bool expect)
{
    size_t on = 0;
    for (size_t i = 0; i < S_FOLLOWS; i++) {
        char *want = s_epoch(node->dir, s_follows[i][1]);
        char *got = s_cursor_epoch(node->dir, s_follows[i][0], s_follows[i][1]);
        on += strcmp(got, want) == 0;
        if (expect)
            cr_expect_str_eq(got, want, "%s follows %s on another epoch", s_follows[i][0],
                             s_follows[i][1]);
        free(want);
        free(got);
    }
    return on;
}

/* A follower still on the old epoch whose seq equals the head it saw
   looks caught up in /v1/reports/status until its first FETCH reply
   comes: wait for every cursor to take the new epoch before trusting
   the reports. Returns how long it took (ms). */
static int64_t s_wait_new_epochs(const ht_node *node)
{
    int64_t start = ht_now_ms();
    while (s_on_new_epochs(node, false) < S_FOLLOWS) {
        cr_assert_lt(ht_now_ms() - start, S_CATCH_UP_MS, "the followers kept the old epochs");
        ht_sleep_ms(20);
    }
    return ht_now_ms() - start;
}

/* Every follower took its producer's new epoch and logged the reset. */
static void s_assert_followers_reset(const ht_node *node)
{
    s_on_new_epochs(node, true);
    char *log = ht_node_log(node);
    for (size_t i = 0; i < S_FOLLOWS; i++) {
        const char *line = ht_fmt("proc=%s event=follower_epoch_changed follower=%s",
                                  s_follows[i][0], s_follows[i][1]);
        cr_expect(strstr(log, line), "the node's log has no \"%s\"", line);
    }
    const char *resets[] = {"event=reporting_reset source=enrollment",
                            "event=reporting_reset source=credentialing",
                            "event=reporting_reset source=apprenticeship",
                            "event=holders_reset source=",
                            "event=completion_credential_held",
                            NULL};
    for (int i = 0; resets[i]; i++)
        cr_expect(strstr(log, resets[i]), "the node's log has no \"%s\"", resets[i]);
    free(log);
}

static double s_actual(const char *report, const char *code)
{
    json_t *json = json_loads(report, 0, NULL);
    cr_assert_not_null(json, "%s", report);
    double actual = -1;
    for (long i = 0; i < ht_jlen(json, "deliverables"); i++)
        if (strcmp(ht_jstr(json, "deliverables.%ld.code", i), code) == 0)
            actual = json_number_value(ht_jget(json, "deliverables.%ld.actual", i));
    json_decref(json);
    return actual;
}

/* A new completer after the restore shows in the grant report. */
static void s_assert_new_writes(const ht_node *node, const s_fund *f)
{
    char *before = ht_reports_body(node, NULL, "/v1/reports/grants/BK-GRANT");
    char *worker = s_post(node, "/v1/workers",
                          "{\"given_name\":\"After\",\"family_name\":\"Restore\","
                          "\"employment_status\":\"incumbent\"}");
    s_enroll(node, worker, f->cohort, "completed", "2024-06-01");
    ht_reports_wait(node, S_CATCH_UP_MS);
    char *after = ht_reports_body(node, NULL, "/v1/reports/grants/BK-GRANT");
    cr_expect_eq(s_actual(after, "D-COMP"), s_actual(before, "D-COMP") + 1,
                 "a completion after the restore is not counted:\nbefore %s\nafter %s", before,
                 after);
    cr_expect_eq(s_actual(after, "D-PART"), s_actual(before, "D-PART") + 1);
    free(worker), free(before), free(after);
}

/* ---- the tests --------------------------------------------------------------- */

/* Before the node stops: restore refuses a running node, backup a
   directory that holds a backup. */
static void s_refusals_while_running(ht_node *node, const char *bk)
{
    s_refused(node->dir, "restore", bk, "stop the node first");
    char *manifest = ht_read_file(ht_fmt("%s/manifest.json", bk), NULL);
    s_refused(node->dir, "backup", bk, "is not empty");
    char *still = ht_read_file(ht_fmt("%s/manifest.json", bk), NULL);
    cr_expect(manifest && still && strcmp(manifest, still) == 0, "the refused backup changed %s",
              bk);
    free(manifest), free(still);
}

/* With the node stopped: restore refuses a directory with stores, a
   damaged backup and a backup without its manifest, writing nothing. */
static void s_refusals_offline(ht_node *node, const char *bk, const char *scratch)
{
    s_refused(node->dir, "restore", bk, "already holds stores");
    const char *damaged = ht_fmt("%s/damaged", scratch);
    s_copy_backup(bk, damaged, NULL, "enrollment.db");
    const char *target = ht_fmt("%s/target", scratch);
    s_refused(target, "restore", damaged, "does not match the manifest");
    cr_expect_neq(access(target, F_OK), 0, "a refused restore created %s", target);
    const char *unfinished = ht_fmt("%s/unfinished", scratch);
    s_copy_backup(bk, unfinished, "manifest.json", NULL);
    s_refused(target, "restore", unfinished, "manifest.json is missing");
    cr_expect_neq(access(target, F_OK), 0, "a refused restore created %s", target);
}

/* The wiped node's directory restored: new epochs, files' modes. */
static void s_restore_wiped(const ht_node *node, const char *bk)
{
    int64_t start = ht_now_ms();
    ht_run_result run = s_ctl(0, node->dir, "restore", bk);
    cr_log_info("restore in %ld ms:\n%s", (long)(ht_now_ms() - start), run.out);
    json_t *manifest = json_load_file(ht_fmt("%s/manifest.json", bk), 0, NULL);
    cr_assert_not_null(manifest);
    s_assert_new_epochs(node, manifest, run.out);
    ht_run_free(&run);
    json_decref(manifest);
    s_assert_mode(node->dir, "node.key", 0600);
    s_assert_mode(node->dir, "signing.key", 0600);
    s_assert_mode(node->dir, "admin.token", 0600);
    s_assert_mode(node->dir, "enrollment.db", 0600);
    s_assert_mode(node->dir, "node.pub", 0644);
}

/* The node started on the restored directory, healthy, every follower
   on the new epochs and reporting caught up. */
static void s_restart(ht_node *node)
{
    int64_t start = ht_now_ms();
    cr_assert_eq(ht_node_restart(node, false), 0);
    cr_assert(ht_node_wait_healthy(node, 30000), "/healthz is not ok after the restore");
    int64_t epochs = s_wait_new_epochs(node);
    int64_t caught = ht_reports_wait(node, S_CATCH_UP_MS);
    cr_log_info("started and rebuilt in %ld ms (every follower on the new epochs %ld ms after "
                "/healthz, reporting caught up %ld ms later)",
                (long)(ht_now_ms() - start), (long)epochs, (long)caught);
}

Test(backup, a_backup_under_writes_restored_into_a_wiped_node_finds_every_record, .timeout = 600)
{
    ht_node *node = ht_node_start(NULL, false);
    cr_assert_not_null(node);
    char *scratch = ht_tempdir();
    const char *bk = strdup(ht_fmt("%s/bk", scratch));
    s_fund f = {0};
    s_build(node, &f);
    ht_reports_wait(node, S_CATCH_UP_MS);
    s_reads reads = {0};
    s_reads_of(&reads, &f);
    s_reads_take(&reads, node);
    static s_writer writer;
    int64_t t0 = 0, t1 = 0;
    s_backup_under_writes(node, &writer, bk, &t0, &t1);
    s_refusals_while_running(node, bk);
    cr_assert_eq(ht_node_stop(node), 0, "the node did not stop cleanly");
    s_refusals_offline(node, bk, scratch);
    cr_assert_eq(ht_rmtree(node->dir), 0, "cannot wipe %s", node->dir);
    s_restore_wiped(node, bk);
    s_restart(node);
    s_reads_compare(&reads, node);
    s_assert_writes(node, &writer, t0, t1);
    cr_expect_eq(s_held(node, f.w[6], "BK-CHW-CERT", false), 1,
                 "the completion credential was awarded again");
    cr_expect_eq(ht_json_call(node, "GET", "/v1/reports/outcomes?by=gender", f.token, NULL, NULL),
                 200, "the analyst token of the gateway's store does not work");
    s_assert_followers_reset(node);
    s_assert_new_writes(node, &f);
    cr_assert_eq(ht_node_stop(node), 0);
    s_fund_free(&f);
    ht_node_destroy(&node);
    ht_rmtree(scratch);
    free(scratch);
    free((char *)bk);
}

/* Without a node: nothing to back up is said, and a half-written backup
   directory is never left behind. */
Test(backup, a_directory_without_stores_is_no_node_and_leaves_no_backup)
{
    char *scratch = ht_tempdir();
    const char *bk = ht_fmt("%s/bk", scratch);
    s_refused(scratch, "backup", bk, "holds no store");
    cr_expect_neq(access(bk, F_OK), 0, "a refused backup created %s", bk);
    ht_run_result run = s_ctl(-1, scratch, "backup", NULL);
    cr_expect(strstr(run.err, "usage"), "%s", run.err);
    ht_run_free(&run);
    ht_rmtree(scratch);
    free(scratch);
}

/* A lone service's store lock stops a restore as hcap-node's does: the
   locks are checked before any file is read or written. */
Test(backup, restore_refuses_while_a_service_holds_its_store_lock)
{
    char *scratch = ht_tempdir();
    const char *bk = strdup(ht_fmt("%s/bk", scratch));
    const char *target = strdup(ht_fmt("%s/var", scratch));
    cr_assert_eq(mkdir(bk, 0700), 0);
    cr_assert_eq(mkdir(target, 0700), 0);
    const char *manifest = "{\"format\":\"hcap-backup\",\"version\":1,\"node\":\"local\","
                           "\"stores\":[{\"name\":\"enrollment\",\"file\":\"enrollment.db\","
                           "\"size\":5,\"sha256\":\"00\",\"log\":null,\"cursors\":[]}],"
                           "\"files\":[]}";
    cr_assert_eq(ht_write_file(ht_fmt("%s/manifest.json", bk), manifest, strlen(manifest)), 0);
    cr_assert_eq(ht_write_file(ht_fmt("%s/enrollment.db", bk), "store", 5), 0);
    int fd = open(ht_fmt("%s/enrollment.db.lock", target), O_RDWR | O_CREAT, 0600);
    cr_assert(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
    s_refused(target, "restore", bk, "a service (hcap-enrollment) is running");
    close(fd);
    s_refused(target, "restore", bk, "does not match the manifest");
    cr_expect_neq(access(ht_fmt("%s/enrollment.db", target), F_OK), 0, "a refused restore wrote");
    ht_rmtree(scratch);
    free(scratch), free((char *)bk), free((char *)target);
}
