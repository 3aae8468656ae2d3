/* bench_reports: the reporting service at a large fund: the fund written
   into the logs (bench_fund.c), a node started on it, the projection timed
   until reporting's followers have applied every event, then the grant
   report and the outcomes by gender, race_ethnicity, employer and program
   timed over repeated calls, and every process's memory. A projected fund
   is kept in a cache directory with a stamp naming its seed, size and the
   reporting schema it was projected with (user_version and a hash of the
   migrations' text); a later run reuses it only when all of these match. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "hc_client.h"
#include "reporting.pb-c.h"
#include "reporting_server.h"

#define S_READY_MS    120000
#define S_PROJECT_MS  1800000 /* the projection's limit (a loaded 2-core machine is slow) */
#define S_CALL_MS     120000
#define S_CALLS_MAX   64 /* timed calls per report at most */
#define S_PROGRESS_US 15000000
#define S_GRANT       "BENCH-2024"
#define S_STAMP       "bench-fund.stamp"
#define S_FUND_FORMAT 1 /* of bench_fund*.c: a change of the generator makes a new fund */

static bool s_follower_done(const Hcap__FollowerStatus *f, const bench_fund_stats *fund)
{
    uint64_t want = strcmp(f->source, "enrollment") == 0      ? fund->enrollment
                    : strcmp(f->source, "credentialing") == 0 ? fund->credentialing
                                                              : fund->apprenticeship;
    return f->seq >= want && f->seq == f->head;
}

/* Polls GetStatus until every follower has applied the generated logs. */
static int s_wait_projected(hc_client *client, const bench_fund_stats *fund, char *error,
                            size_t size)
{
    hc_arena *arena = hc_arena_new();
    int64_t start = bench_now_us(), shown = start;
    int rc = -1;
    while (bench_now_us() - start < (int64_t)S_PROJECT_MS * 1000) {
        Hcap__Empty empty = HCAP__EMPTY__INIT;
        Hcap__ReportingStatus *status = NULL;
        hc_error err;
        hc_arena_reset(arena);
        bool answered = hc_client_call(client, "reporting", "GetStatus", &empty.base, NULL,
                                       &hcap__reporting_status__descriptor, arena,
                                       (ProtobufCMessage **)&status, S_CALL_MS, &err) == HC_OK;
        size_t done = 0;
        for (size_t i = 0; answered && i < status->n_followers; i++)
            done += s_follower_done(status->followers[i], fund);
        if (answered && status->n_followers == 3 && done == 3) {
            rc = 0;
            break;
        }
        if (answered && bench_now_us() - shown > S_PROGRESS_US) {
            shown = bench_now_us();
            for (size_t i = 0; i < status->n_followers; i++)
                fprintf(stderr, "hcap-bench: projecting %s %llu/%llu\n",
                        status->followers[i]->source, (unsigned long long)status->followers[i]->seq,
                        (unsigned long long)status->followers[i]->head);
        }
        usleep(200000);
    }
    if (rc != 0)
        snprintf(error, size, "reporting did not project the fund within %d s",
                 S_PROJECT_MS / 1000);
    hc_arena_destroy(&arena);
    return rc;
}

static int s_create_grant(hc_client *client, char *error, size_t size)
{
    static Hcap__ProgramKind training[] = {HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING};
    static Hcap__CredentialSource earned[] = {HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_EARNED};
    static const struct {
        const char *code;
        Hcap__Metric metric;
        double target;
        int filter; /* 0 none, 1 credential_training, 2 earned */
    } defs[] = {
        {"PART", HCAP__METRIC__METRIC_PARTICIPANTS, 100000, 0},
        {"PART-CT", HCAP__METRIC__METRIC_PARTICIPANTS, 50000, 1},
        {"COMP", HCAP__METRIC__METRIC_COMPLETIONS, 60000, 0},
        {"CRED", HCAP__METRIC__METRIC_CREDENTIALS, 20000, 2},
        {"APPR", HCAP__METRIC__METRIC_APPRENTICES, 5000, 0},
        {"APPR-DONE", HCAP__METRIC__METRIC_APPRENTICES_COMPLETED, 2000, 0},
        {"TUITION", HCAP__METRIC__METRIC_TUITION_REIMBURSEMENTS, 5000, 0},
        {"PLACE", HCAP__METRIC__METRIC_PLACEMENTS, 10000, 0},
        {"RATE", HCAP__METRIC__METRIC_PLACEMENT_RATE, 60, 0},
    };
    enum { N = sizeof defs / sizeof defs[0] };
    Hcap__Deliverable items[N], *list[N];
    Hcap__DeliverableFilter filters[N];
    for (size_t i = 0; i < N; i++) {
        hcap__deliverable__init(&items[i]);
        hcap__deliverable_filter__init(&filters[i]);
        items[i].code = items[i].name = (char *)defs[i].code;
        items[i].metric = defs[i].metric;
        items[i].target = defs[i].target;
        filters[i].n_program_kinds = defs[i].filter == 1;
        filters[i].program_kinds = training;
        filters[i].n_sources = defs[i].filter == 2;
        filters[i].sources = earned;
        items[i].filter = defs[i].filter ? &filters[i] : NULL;
        list[i] = &items[i];
    }
    Hcap__CreateGrantRequest req = HCAP__CREATE_GRANT_REQUEST__INIT;
    req.code = S_GRANT;
    req.name = "Bench grant";
    req.start_date = "2024-01-01";
    req.end_date = "2024-12-31";
    req.n_deliverables = N;
    req.deliverables = list;
    hc_arena *arena = hc_arena_new();
    hc_error err;
    int rc = hc_client_call(client, "reporting", "CreateGrant", &req.base, NULL, NULL, arena, NULL,
                            S_CALL_MS, &err);
    if (rc == HC_ALREADY_EXISTS) /* a cached fund has it from its first run */
        rc = HC_OK;
    if (rc != HC_OK)
        snprintf(error, size, "CreateGrant: %s", err.message);
    hc_arena_destroy(&arena);
    return rc == HC_OK ? 0 : -1;
}

/* Times method with in: calls times, or fewer (at least three) when they
   take longer than seconds together. */
static int s_time(hc_client *client, const char *method, const ProtobufCMessage *in,
                  const ProtobufCMessageDescriptor *desc, const bench_report_plan *plan,
                  bench_timing *out, char *error, size_t size)
{
    int64_t samples[S_CALLS_MAX];
    size_t calls = plan->calls < S_CALLS_MAX ? plan->calls : S_CALLS_MAX;
    hc_arena *arena = hc_arena_new();
    int64_t start = bench_now_us(), budget = (int64_t)plan->seconds * 1000000;
    int rc = 0;
    out->calls = 0;
    while (out->calls < calls && (out->calls < 3 || bench_now_us() - start < budget)) {
        hc_error err;
        int64_t t0 = bench_now_us();
        ProtobufCMessage *reply = NULL;
        if (hc_client_call(client, "reporting", method, in, NULL, desc, arena, &reply, S_CALL_MS,
                           &err) != HC_OK) {
            snprintf(error, size, "%s (%s): %s", method, out->name, err.message);
            rc = -1;
            break;
        }
        samples[out->calls++] = bench_now_us() - t0;
        hc_arena_reset(arena);
    }
    out->p50_ms = bench_percentile(samples, out->calls, 0.50) / 1000;
    out->p99_ms = bench_percentile(samples, out->calls, 0.99) / 1000;
    hc_arena_destroy(&arena);
    return rc;
}

/* The first report of a reporting process loads its in-memory model of
   the read model (once per start, rebuild or reset): timed on its own and
   printed, so the figures are those of every report after it. */
static int s_warm(hc_client *client, const ProtobufCMessage *grant, bench_reports_result *out)
{
    hc_arena *arena = hc_arena_new();
    hc_error err;
    ProtobufCMessage *reply = NULL;
    int64_t t0 = bench_now_us();
    int rc = hc_client_call(client, "reporting", "GetGrantReport", grant, NULL,
                            &hcap__grant_report__descriptor, arena, &reply, S_CALL_MS, &err);
    if (rc == HC_OK)
        fprintf(stderr, "hcap-bench: first report (loads reporting's model): %.0f ms\n",
                (double)(bench_now_us() - t0) / 1000);
    else
        snprintf(out->error, sizeof out->error, "GetGrantReport (first): %s", err.message);
    hc_arena_destroy(&arena);
    return rc == HC_OK ? 0 : -1;
}

static int s_time_reports(hc_client *client, const bench_report_plan *plan,
                          bench_reports_result *out)
{
    static const struct {
        const char *name;
        Hcap__Dimension by;
    } outcomes[] = {
        {"outcomes_gender", HCAP__DIMENSION__DIMENSION_GENDER},
        {"outcomes_race", HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY},
        {"outcomes_employer", HCAP__DIMENSION__DIMENSION_EMPLOYER},
        {"outcomes_program", HCAP__DIMENSION__DIMENSION_PROGRAM},
    };
    Hcap__GetRequest grant = HCAP__GET_REQUEST__INIT;
    grant.id = S_GRANT;
    if (s_warm(client, &grant.base, out) != 0)
        return -1;
    out->reports[0].name = "grant_report";
    if (s_time(client, "GetGrantReport", &grant.base, &hcap__grant_report__descriptor, plan,
               &out->reports[0], out->error, sizeof out->error) != 0)
        return -1;
    for (int i = 0; i < 4; i++) {
        Hcap__OutcomesRequest req = HCAP__OUTCOMES_REQUEST__INIT;
        req.by = outcomes[i].by;
        out->reports[i + 1].name = outcomes[i].name;
        if (s_time(client, "GetOutcomes", &req.base, &hcap__outcomes_report__descriptor, plan,
                   &out->reports[i + 1], out->error, sizeof out->error) != 0)
            return -1;
    }
    return 0;
}

/* Every process of the node: its resident set now and at its peak. */
static void s_memory(const bench_node *node, bench_reports_result *out)
{
    static const char *names[] = {"hcap-node",          "hcap-gateway",        "hcap-enrollment",
                                  "hcap-credentialing", "hcap-apprenticeship", "hcap-reporting"};
    out->n_procs = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && i < BENCH_PROCS_MAX; i++) {
        bench_proc_memory *p = &out->procs[out->n_procs];
        int pid = i == 0 ? node->pid : bench_node_child(node, names[i]);
        bench_rss(pid, &p->rss_kb, &p->peak_kb);
        if (p->peak_kb < 0)
            continue;
        p->name = names[i];
        out->n_procs++;
    }
}

static int s_measure(const bench_node *node, const bench_report_plan *plan,
                     bench_reports_result *out, int64_t started)
{
    hc_error err;
    hc_client *client = hc_client_new(node->endpoint, node->token, &err);
    if (!client)
        return snprintf(out->error, sizeof out->error, "%s", err.message), -1;
    int rc = s_wait_projected(client, &out->fund, out->error, sizeof out->error);
    if (rc == 0) {
        out->project_s = (double)(bench_now_us() - started) / 1e6;
        uint64_t total = out->fund.enrollment + out->fund.credentialing + out->fund.apprenticeship;
        out->project_rate = (double)total / out->project_s;
        rc = s_create_grant(client, out->error, sizeof out->error);
    }
    if (rc == 0)
        rc = s_time_reports(client, plan, out);
    s_memory(node, out);
    hc_client_destroy(&client);
    return rc;
}

/* The reporting schema this build projects into: user_version (the count
   of its migrations) and an FNV-1a hash of their names and text. */
static void s_schema(int *version, uint64_t *hash)
{
    *version = 0;
    *hash = 0xCBF29CE484222325ULL;
    for (const hc_migration *m = reporting_migrations; m->name; m++, (*version)++)
        for (const char *text = m->name; text; text = text == m->name ? m->sql : NULL)
            for (const char *c = text; *c; c++)
                *hash = (*hash ^ (uint8_t)*c) * 0x100000001B3ULL;
}

/* The stamp's first line: what a fund must match to be reused. */
static void s_key(const bench_report_plan *plan, char *out, size_t size)
{
    int version;
    uint64_t hash;
    s_schema(&version, &hash);
    snprintf(out, size, "workers=%zu seed=%llu format=%d reporting_user_version=%d schema=%016llx",
             plan->workers, (unsigned long long)plan->seed, S_FUND_FORMAT, version,
             (unsigned long long)hash);
}

/* Reads dir's stamp: true when its key is key (fund and built set). */
static bool s_stamp_read(const char *dir, const char *key, bench_reports_result *out)
{
    char path[700], line[512];
    snprintf(path, sizeof path, "%s/%s", dir, S_STAMP);
    FILE *file = fopen(path, "r");
    if (!file)
        return false;
    bool match = fgets(line, sizeof line, file) && strncmp(line, key, strlen(key)) == 0 &&
                 line[strlen(key)] == '\n';
    unsigned long long e, c, a, digest;
    match = match && fscanf(file, "events %llu %llu %llu digest %llx built %31s", &e, &c, &a,
                            &digest, out->built) == 5;
    fclose(file);
    if (match) {
        out->fund.enrollment = e;
        out->fund.credentialing = c;
        out->fund.apprenticeship = a;
        out->fund.digest = digest;
        out->fund.workers = 0;
    }
    return match;
}

static int s_stamp_write(const char *dir, const char *key, bench_reports_result *out)
{
    char path[700];
    time_t now = time(NULL);
    strftime(out->built, sizeof out->built, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    snprintf(path, sizeof path, "%s/%s", dir, S_STAMP);
    FILE *file = fopen(path, "w");
    if (!file)
        return -1;
    fprintf(file, "%s\nevents %llu %llu %llu digest %016llx built %s\n", key,
            (unsigned long long)out->fund.enrollment, (unsigned long long)out->fund.credentialing,
            (unsigned long long)out->fund.apprenticeship, (unsigned long long)out->fund.digest,
            out->built);
    return fclose(file) == 0 ? 0 : -1;
}

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* An empty dir (what was there removed). */
static int s_fresh_dir(const char *dir, char *error, size_t size)
{
    nftw(dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
    if (mkdir(dir, 0700) != 0)
        return snprintf(error, size, "cannot make %s: %s", dir, strerror(errno)), -1;
    return 0;
}

int bench_reports(const char *bin_dir, const bench_report_plan *plan, bench_reports_result *out)
{
    memset(out, 0, sizeof *out);
    char dir[600], key[256];
    snprintf(dir, sizeof dir, "%s/fund-%zu-%llu", plan->cache_dir, plan->workers,
             (unsigned long long)plan->seed);
    snprintf(out->fund_dir, sizeof out->fund_dir, "%s", dir);
    s_key(plan, key, sizeof key);
    out->reused = !plan->fresh && s_stamp_read(dir, key, out);
    mkdir(plan->cache_dir, 0700);
    if (!out->reused && (s_fresh_dir(dir, out->error, sizeof out->error) != 0 ||
                         bench_fund_generate(dir, "local", plan->seed, plan->workers, &out->fund,
                                             out->error, sizeof out->error) != 0))
        return -1;
    out->fund.workers = plan->workers;
    int64_t started = bench_now_us();
    bench_node node;
    if (bench_node_start(&node, bin_dir, dir, S_READY_MS, out->error, sizeof out->error) != 0)
        return -1;
    int rc = s_measure(&node, plan, out, started);
    bench_node_stop(&node);
    if (rc == 0 && !out->reused && s_stamp_write(dir, key, out) != 0)
        fprintf(stderr, "hcap-bench: cannot write %s/%s: the fund will be built again\n", dir,
                S_STAMP);
    if (out->reused)
        out->project_s = out->project_rate = 0; /* projected by an earlier run */
    return rc;
}
