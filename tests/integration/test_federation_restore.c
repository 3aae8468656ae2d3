/* Federation across restores (docs/backup.md, "Federation"), a region
   "west" and a central node on loopback, every figure compared in the two
   read models themselves (central's reports are suppressed): facts kind by
   kind, workers with facts by their groups, registrations.

   A region restored: west writes 12 workers, is backed up, writes 3 more
   (central counts 15), is restored and started again. Its logs arrive at
   central under new epochs; central takes back what west's old epochs
   derived and then holds what west holds (12, not 15), says so in its log
   for each of west's logs, and a Rebuild of central reporting, replaying
   both epochs in order, comes back to the same figures.

   Central restored: central is backed up after 12 workers, west writes 4
   more, central is restored and started: it counts 12 again and nothing
   comes by itself (west's outbox is empty). `hcapctl uplink resend` at
   west sends everything again: central counts 16 as before, taking the
   events it had lost and dropping those it held. Restored once more, the
   ack of west's next batch tells west's uplink that central lost events,
   and it resends by itself. */
#include "ht.h"

#include <stdlib.h>
#include <string.h>

#define S_FLOW_MS 120000 /* forwarded, applied, restored: sanitizer builds on 2 busy cores */

typedef struct {
    char *employer, *program, *cohort;
    char credential[64], appr[64];
    int workers; /* written so far */
} s_fund;

static ht_node *s_central, *s_west;
static s_fund s_f;
static char *s_scratch;

static void s_fini(void)
{
    ht_node_destroy(&s_west);
    ht_node_destroy(&s_central);
    free(s_f.employer), free(s_f.program), free(s_f.cohort);
    memset(&s_f, 0, sizeof s_f);
    if (s_scratch)
        ht_rmtree(s_scratch);
    free(s_scratch);
    s_scratch = NULL;
}

TestSuite(federation_restore, .fini = s_fini, .timeout = 900);

/* ---- the two nodes ------------------------------------------------------ */

static void s_start(void)
{
    s_scratch = ht_tempdir();
    int port = ht_free_port();
    const char *listen = ht_fmt("tcp://127.0.0.1:%d", port);
    const char *central_args[] = {"--role", "central", "--listen", listen, NULL};
    s_central = ht_node_start_argv(NULL, NULL, central_args);
    cr_assert(s_central, "the central node did not start");
    const char *key = ht_fmt("%s/node.pub", s_central->dir);
    const char *west_args[] = {"--node-id", "west", "--uplink", listen, "--central-key", key, NULL};
    s_west = ht_node_launch(NULL, NULL, west_args);
    cr_assert(s_west, "west was not launched");
    ht_fed_allow(s_central->dir, s_west->dir, "west", 30000);
    cr_assert_eq(ht_node_await(s_west), 0, "west did not start");
}

/* `hcapctl --node DIR what arg`: asserts it exits 0; returns its stdout. */
static char *s_ctl(const char *dir, const char *what, const char *arg)
{
    char *argv[] = {
        HCAP_BIN_DIR "/hcapctl", "--node", (char *)dir, (char *)what, (char *)arg, NULL};
    ht_run_result run;
    int code = ht_run(&run, NULL, HT_RUN_TIMEOUT_MS, argv);
    cr_assert_eq(code, 0, "hcapctl --node %s %s %s: %d\n%s%s", dir, what, arg ? arg : "", code,
                 run.out, run.err);
    char *out = strdup(run.out);
    ht_run_free(&run);
    return out;
}

/* How many times the node's log holds needle. */
static int s_logged(const ht_node *node, const char *needle)
{
    char *log = ht_node_log(node);
    int count = 0;
    for (const char *at = log; (at = strstr(at, needle)); at += strlen(needle))
        count++;
    free(log);
    return count;
}

/* Stops node; it and its services ended cleanly (a sanitizer build's
   services report what they found into the node's log as they exit). */
static void s_stop_clean(ht_node *node)
{
    cr_assert_eq(ht_node_stop(node), 0, "%s did not stop cleanly", node->dir);
    cr_assert_eq(s_logged(node, "Sanitizer"), 0, "a sanitizer report in %s/node.log", node->dir);
}

/* Stops node, wipes its directory, restores bk into it and starts it. */
static void s_restore(ht_node *node, const char *bk)
{
    s_stop_clean(node);
    cr_assert_eq(ht_rmtree(node->dir), 0, "cannot wipe %s", node->dir);
    free(s_ctl(node->dir, "restore", bk));
    cr_assert_eq(ht_node_restart(node, false), 0, "%s did not start again", node->dir);
}

/* ---- west's fund -------------------------------------------------------- */

static void s_catalog(void)
{
    snprintf(s_f.credential, sizeof s_f.credential, "%s", ht_uniq("RSTCERT-"));
    snprintf(s_f.appr, sizeof s_f.appr, "%s", ht_uniq("RSTAPPR-"));
    s_f.employer = ht_new_employer(s_west, "Restore General");
    json_decref(ht_expect(s_west, 201, "POST", "/v1/credential-types",
                          ht_fmt("{\"code\":\"%s\",\"name\":\"Nurse aide\",\"kind\":"
                                 "\"certification\",\"issuer\":\"State board\"}",
                                 s_f.credential)));
    s_f.program = ht_create(s_west, "/v1/programs",
                            "{\"code\":\"%s\",\"name\":\"Nursing assistant\",\"kind\":"
                            "\"credential_training\",\"credential_code\":\"%s\"}",
                            ht_uniq("RSTCNA-"), s_f.credential);
    s_f.cohort = ht_new_cohort(s_west, s_f.program, 60);
    json_decref(ht_expect(s_west, 201, "POST", "/v1/apprenticeship-programs",
                          ht_fmt("{\"code\":\"%s\",\"name\":\"Aide apprenticeship\","
                                 "\"occupation\":\"Nursing assistant\",\"approach\":"
                                 "\"time_based\",\"ojl_hours\":200,\"rti_hours\":20}",
                                 s_f.appr)));
}

/* Worker i: registered with groups, enrolled, completed, credentialed;
   every third one placed, every fourth one an apprentice. */
static void s_worker(int i)
{
    char *worker = ht_create(s_west, "/v1/workers",
                             "{\"given_name\":\"Rst%d\",\"family_name\":\"Fund\","
                             "\"birth_date\":\"19%02d-03-04\",\"gender\":\"%s\","
                             "\"race_ethnicity\":[\"%s\"],\"employer_id\":\"%s\","
                             "\"employment_status\":\"%s\"}",
                             i, 60 + i, i % 2 ? "male" : "female", i % 3 ? "asian" : "white",
                             s_f.employer, i % 2 ? "incumbent" : "unemployed");
    char *enrollment = ht_create(s_west, "/v1/enrollments",
                                 "{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", worker, s_f.cohort);
    const char *path = ht_fmt("/v1/enrollments/%s/status", enrollment);
    json_decref(
        ht_expect(s_west, 200, "POST", path, "{\"status\":\"active\",\"date\":\"2025-02-03\"}"));
    json_decref(
        ht_expect(s_west, 200, "POST", path, "{\"status\":\"completed\",\"date\":\"2025-06-27\"}"));
    free(ht_create(s_west, "/v1/credentials",
                   "{\"worker_id\":\"%s\",\"credential_code\":\"%s\",\"issued_on\":\"2025-06-30\"}",
                   worker, s_f.credential));
    if (i % 3 == 0)
        free(ht_create(s_west, ht_fmt("/v1/workers/%s/employment", worker),
                       "{\"kind\":\"placement\",\"effective_date\":\"2025-07-14\","
                       "\"employer_id\":\"%s\",\"hourly_wage_cents\":2150}",
                       s_f.employer));
    if (i % 4 == 0)
        free(ht_create(s_west, "/v1/apprentices",
                       "{\"worker_id\":\"%s\",\"program_code\":\"%s\",\"employer_id\":\"%s\","
                       "\"start_date\":\"2025-03-03\"}",
                       worker, s_f.appr, s_f.employer));
    free(enrollment);
    free(worker);
}

static void s_workers(int n)
{
    for (int i = 0; i < n; i++)
        s_worker(s_f.workers++);
}

/* ---- the two read models ----------------------------------------------- */

/* What a read model counts: facts by kind, the workers with facts and
   their groups, the registrations. Equal in central's and west's stores
   when central counts exactly what west holds (west is its only region). */
#define S_SIGNATURE                                                                                \
    "SELECT 'facts ' || coalesce((SELECT group_concat(k, ' ') FROM (SELECT kind || ':' ||"         \
    " count(*) AS k FROM facts GROUP BY kind ORDER BY kind)), '') || ' | workers ' ||"             \
    " (SELECT count(DISTINCT wkey) FROM facts) || ' | apprentices ' ||"                            \
    " (SELECT count(*) FROM apprentices) || ' | groups ' || coalesce((SELECT group_concat(g, ' ')" \
    " FROM (SELECT gender || '/' || race_group || '/' || age_band || '/' || registered_status ||"  \
    " '/' || employment_status AS g FROM workers w WHERE EXISTS (SELECT 1 FROM facts f"            \
    " WHERE f.wkey = w.wkey) ORDER BY g)), '')"

/* The signature of the read model in dir's reporting.db (malloc'd). */
static char *s_signature(const char *dir)
{
    ht_db *db = ht_db_open(dir, "reporting.db");
    cr_assert_not_null(db, "cannot read %s/reporting.db", dir);
    char **rows = ht_db_strings(db, S_SIGNATURE, NULL, NULL);
    cr_assert(rows && rows[0], "no signature of %s", dir);
    char *signature = strdup(rows[0]);
    ht_db_strings_free(rows);
    ht_db_close(&db);
    return signature;
}

/* Whether central reporting applied the hub's whole log, on its epoch. */
static bool s_central_applied(void)
{
    int64_t head = ht_events_head(s_central->dir, "central", 5000);
    json_t *status = NULL;
    ht_json_get(s_central, "/v1/reports/status", &status);
    json_t *f = status ? ht_jget(status, "followers.0") : NULL;
    const char *epoch = f ? ht_jstr(f, "epoch") : NULL;
    const char *producer = f ? ht_jstr(f, "producer_epoch") : NULL;
    bool done =
        head >= 0 && epoch && producer && strcmp(epoch, producer) == 0 && ht_jint(f, "seq") >= head;
    json_decref(status);
    return done;
}

/* Polls until central's read model is want and central reporting applied
   its whole log; asserts. */
static void s_central_holds(const char *want, const char *what)
{
    char *got = NULL;
    for (int64_t until = ht_now_ms() + S_FLOW_MS; ht_now_ms() < until; ht_sleep_ms(200)) {
        free(got);
        got = s_signature(s_central->dir);
        if (strcmp(got, want) == 0 && s_central_applied())
            break;
    }
    cr_assert_str_eq(got, want, "%s: central's read model is\n  %s\nwest's\n  %s", what, got, want);
    cr_log_info("%s: %s", what, got);
    free(got);
}

/* West's read model once its reporting has caught up (malloc'd). */
static char *s_west_signature(void)
{
    ht_reports_wait(s_west, S_FLOW_MS);
    return s_signature(s_west->dir);
}

/* central's by=node row of west: its participants, as an analyst sees them. */
static int64_t s_central_participants(void)
{
    json_t *r = ht_expect(s_central, 200, "GET", "/v1/reports/outcomes?by=node", NULL);
    int64_t participants = -1;
    for (long i = 0; i < ht_jlen(r, "rows"); i++) {
        const char *group = ht_jstr(r, "rows.%ld.group", i);
        if (group && strcmp(group, "west") == 0)
            participants = ht_jint(r, "rows.%ld.participants", i);
    }
    json_decref(r);
    return participants;
}

/* ---- the tests ----------------------------------------------------------- */

Test(federation_restore, a_region_restored_is_counted_at_central_as_it_now_is)
{
    s_start();
    s_catalog();
    s_workers(12);
    char *at_backup = s_west_signature();
    s_central_holds(at_backup, "before west's backup");
    const char *bk = strdup(ht_fmt("%s/west-bk", s_scratch));
    free(s_ctl(s_west->dir, "backup", bk));
    s_workers(3);
    char *with_15 = s_west_signature();
    s_central_holds(with_15, "west's 3 workers after its backup");
    cr_assert_eq(s_central_participants(), 15);

    int64_t start = ht_now_ms();
    s_restore(s_west, bk);
    char *restored = s_west_signature();
    cr_assert_str_eq(restored, at_backup, "west restored is west at its backup");
    s_central_holds(restored, "west restored");
    cr_log_info("central counted west as restored %ld ms after west's restore began",
                (long)(ht_now_ms() - start));
    cr_assert_eq(s_central_participants(), 12, "the 3 workers west lost still count at central");
    for (size_t i = 0; i < HT_FED_SOURCES; i++) {
        const char *line =
            ht_fmt("event=central_epoch_changed node=west service=%s epoch=", ht_fed_sources[i]);
        cr_assert_eq(s_logged(s_central, line), 1, "central's log: \"%s\"", line);
    }

    json_decref(ht_expect(s_central, 200, "POST", "/v1/reports/rebuild", NULL));
    s_central_holds(restored, "central reporting rebuilt from both epochs");
    s_workers(1);
    char *after = s_west_signature();
    s_central_holds(after, "a worker written after the restore");
    s_stop_clean(s_west);
    s_stop_clean(s_central);
    free(at_backup), free(with_15), free(restored), free(after), free((char *)bk);
}

Test(federation_restore, central_restored_gets_what_it_lost_from_the_regions_uplink)
{
    s_start();
    s_catalog();
    s_workers(12);
    char *at_backup = s_west_signature();
    s_central_holds(at_backup, "before central's backup");
    const char *bk = strdup(ht_fmt("%s/central-bk", s_scratch));
    free(s_ctl(s_central->dir, "backup", bk));
    s_workers(4);
    char *with_16 = s_west_signature();
    s_central_holds(with_16, "west's 4 workers after central's backup");

    s_restore(s_central, bk);
    s_central_holds(at_backup, "central restored");
    ht_sleep_ms(1500); /* nothing comes by itself: west's outbox is empty */
    char *still = s_signature(s_central->dir);
    cr_assert_str_eq(still, at_backup);
    free(still);
    char *out = s_ctl(s_west->dir, "uplink", "resend");
    cr_log_info("hcapctl uplink resend: %s", out);
    free(out);
    s_central_holds(with_16, "west's logs sent again");
    cr_assert_eq(s_central_participants(), 16);
    json_t *node = ht_fed_node(s_central, "west");
    cr_assert_gt(ht_jint(node, "duplicates"), 0, "what central held came again: %s",
                 ht_jtext(node));
    json_decref(node);
    cr_assert_eq(s_logged(s_west, "event=uplink_resend followers=3"), 1,
                 "one resend: the events sent again are no new loss");
    cr_assert_eq(s_logged(s_west, "event=uplink_central_lost_events"), 0);

    s_restore(s_central, bk); /* once more; west's next batch tells its uplink */
    s_central_holds(at_backup, "central restored again");
    s_workers(1);
    char *with_17 = s_west_signature();
    s_central_holds(with_17, "west's uplink resent by itself");
    cr_assert_geq(s_logged(s_west, "event=uplink_central_lost_events"), 1);
    cr_assert_eq(s_logged(s_west, "event=uplink_resend followers=3"), 2,
                 "the operator's resend and the uplink's own, once");
    s_stop_clean(s_west);
    s_stop_clean(s_central);
    free(at_backup), free(with_16), free(with_17), free((char *)bk);
}
