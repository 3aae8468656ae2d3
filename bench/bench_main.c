/* hcap-bench: each figure of DESIGN.md section 9 beside its limit, the
   limit measured in the same run or fixed there: durable writes through
   the gateway against the raw ZeroMQ + SQLite group-commit loop, one
   request's p50 against one raw round trip with its commit, the profile
   fan-out's p99 against one single-service read's, the roster import
   against sqlite3 .import of the same file, two instances' reads against
   one's, commit -> visible in reporting under load against 50 ms, the
   reports of a 550,000-worker fund against 50 ms and every process's
   memory against 64 MiB. A table, or with --json one JSON object. */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "enrollment.pb-c.h"

#define S_WRITE_TARGET   0.25 /* gateway >= 25% of raw */
#define S_LATENCY_TARGET 3.0  /* gateway p50 <= 3x raw */
#define S_PROFILE_TARGET 2.0  /* fan-out p99 <= 2x a single read's */
#define S_IMPORT_TARGET  0.25 /* >= 25% of sqlite3 .import */
#define S_BUDGET_MS      50.0 /* commit -> visible p99; a report at 550,000 workers */
#define S_RSS_MIB        64.0

/* What to run and how big (the command line). */
typedef struct {
    bench_limits limits;
    bool keep, json, quick, fresh;
    const char *only; /* NULL: everything; "writes", "lag" or "reports" */
    const char *cache_dir;
    const char *node_dir; /* a node started elsewhere: only its gateway's writes */
    size_t probes;
    size_t workers;
    size_t rows; /* of the roster import */
    size_t profile_calls;
    size_t report_calls;
    int report_seconds;
    int scaling_seconds;
    uint64_t seed;
    FILE *table; /* stdout, or stderr when stdout carries the JSON */
} s_options;

int64_t bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int s_compare(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

double bench_median(int64_t *samples, size_t count)
{
    if (count == 0)
        return 0;
    qsort(samples, count, sizeof *samples, s_compare);
    return count % 2 ? (double)samples[count / 2]
                     : (double)(samples[count / 2 - 1] + samples[count / 2]) / 2;
}

double bench_percentile(int64_t *samples, size_t count, double p)
{
    if (count == 0)
        return 0;
    qsort(samples, count, sizeof *samples, s_compare);
    size_t rank = (size_t)(p * (double)count + 0.999999);
    return (double)samples[rank == 0 ? 0 : rank > count ? count - 1 : rank - 1];
}

uint8_t *bench_worker_payload(size_t n, size_t *size)
{
    static Hcap__RaceEthnicity race[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_HISPANIC_LATINO};
    char given[32], family[32];
    snprintf(given, sizeof given, "Bench%zu", n);
    snprintf(family, sizeof family, "García-%zu", n % 997);
    Hcap__CreateWorkerRequest req = HCAP__CREATE_WORKER_REQUEST__INIT;
    req.given_name = given;
    req.family_name = family;
    req.birth_date = "1988-04-12";
    req.phone = "(510) 555-0142";
    req.preferred_language = "Spanish";
    req.n_race_ethnicity = 1;
    req.race_ethnicity = race;
    req.has_gender = 1;
    req.gender = HCAP__GENDER__GENDER_FEMALE;
    req.job_title = "Medical Assistant";
    req.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
    req.has_hourly_wage_cents = 1;
    req.hourly_wage_cents = 2650;
    *size = protobuf_c_message_get_packed_size(&req.base);
    uint8_t *out = malloc(*size ? *size : 1);
    if (out)
        protobuf_c_message_pack(&req.base, out);
    return out;
}

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes dir, or says where it was kept. */
static void s_cleanup(const char *dir, bool keep)
{
    if (keep)
        fprintf(stderr, "hcap-bench: kept %s\n", dir);
    else
        nftw(dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
}

static void s_usage(void)
{
    fprintf(stderr,
            "usage: hcap-bench [--quick] [--json] [--fresh] [--only writes|lag|reports]\n"
            "                  [--seconds N] [--requests M] [--samples K] [--probes P]\n"
            "                  [--rows R] [--workers W] [--seed S] [--cache DIR] [--keep]\n"
            "  --quick  shorter runs (about a minute in all); the 550,000-worker fund is\n"
            "           reused from --cache when its stamp matches (built first otherwise)\n"
            "  --json   one JSON object on stdout {metric: {value, limit, ratio, unit}}\n"
            "  --fresh  build the fund again even when a cached one matches\n"
            "  --node DIR  only the gateway's writes, on a node already running on DIR\n"
            "           (one started by hand, say under valgrind): figures without limits\n");
}

/* Sets the option arg names to value; -1 when there is no such option. */
static int s_option(s_options *o, const char *arg, const char *value)
{
    long number = value ? atol(value) : 0;
    if (strcmp(arg, "--only") == 0)
        o->only = value;
    else if (strcmp(arg, "--cache") == 0)
        o->cache_dir = value;
    else if (strcmp(arg, "--node") == 0)
        o->node_dir = value;
    else if (number <= 0)
        return -1;
    else if (strcmp(arg, "--seconds") == 0)
        o->limits.seconds = (int)number;
    else if (strcmp(arg, "--requests") == 0)
        o->limits.max_writes = (size_t)number;
    else if (strcmp(arg, "--samples") == 0)
        o->limits.latency_n = o->profile_calls = (size_t)number;
    else if (strcmp(arg, "--probes") == 0)
        o->probes = (size_t)number;
    else if (strcmp(arg, "--rows") == 0)
        o->rows = (size_t)number;
    else if (strcmp(arg, "--workers") == 0)
        o->workers = (size_t)number;
    else if (strcmp(arg, "--seed") == 0)
        o->seed = strtoull(value, NULL, 0);
    else
        return -1;
    return 0;
}

/* The shorter runs of --quick (before the other options, which override). */
static void s_quick(s_options *o)
{
    o->quick = true;
    o->limits.seconds = 2;
    o->limits.latency_n = 200;
    o->profile_calls = 200;
    o->probes = 100;
    o->report_calls = 10;
    o->report_seconds = 3;
    o->scaling_seconds = 2;
}

static bool s_flag(s_options *o, const char *arg)
{
    if (strcmp(arg, "--keep") == 0)
        o->keep = true;
    else if (strcmp(arg, "--json") == 0)
        o->json = true;
    else if (strcmp(arg, "--fresh") == 0)
        o->fresh = true;
    else if (strcmp(arg, "--quick") == 0)
        ; /* applied before the rest */
    else
        return false;
    return true;
}

static int s_args(int argc, char **argv, s_options *o)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0)
            s_quick(o);
    for (int i = 1; i < argc; i++) {
        if (s_flag(o, argv[i]))
            continue;
        if (i + 1 >= argc || s_option(o, argv[i], argv[i + 1]) != 0)
            return -1;
        i++;
    }
    if (o->only && strcmp(o->only, "writes") != 0 && strcmp(o->only, "lag") != 0 &&
        strcmp(o->only, "reports") != 0)
        return -1;
    return 0;
}

/* Directory of this executable: hcap-node is built beside it. */
static void s_bin_dir(char *out, size_t size, const char *argv0)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    if (n <= 0)
        snprintf(out, size, "%s", argv0);
    else
        out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(out, size, ".");
}

static void s_writes_figures(const bench_result *raw, const bench_result *gw)
{
    bench_metric(&(bench_figure){"write_throughput", "writes/s", gw->rate, raw->rate,
                                 BENCH_AT_LEAST, S_WRITE_TARGET,
                                 "raw ZeroMQ+SQLite group-commit "
                                 "loop, this run",
                                 false},
                 "CreateWorker through hcap-node's gateway, %d in flight, %zu acknowledged, %zu "
                 "errors",
                 BENCH_IN_FLIGHT, gw->writes, gw->errors);
    bench_metric(&(bench_figure){"write_latency_p50", "ms", gw->p50_us / 1000, raw->p50_us / 1000,
                                 BENCH_AT_MOST, S_LATENCY_TARGET,
                                 "raw single-hop round trip + commit, this run", false},
                 "one CreateWorker at a time, nothing else in flight");
}

static void s_reads_figures(const bench_reads_result *r)
{
    bench_metric(&(bench_figure){"profile_p99", "ms", r->profile_p99_us / 1000,
                                 r->single_p99_us / 1000, BENCH_AT_MOST, S_PROFILE_TARGET,
                                 "enrollment GetWorker p99, this run", false},
                 "gateway GetProfile (one read each at enrollment, credentialing, apprenticeship), "
                 "%zu calls each, p50 %.2f ms vs %.2f ms",
                 r->calls, r->profile_p50_us / 1000, r->single_p50_us / 1000);
}

static void s_import_figures(const bench_import_result *r)
{
    bench_metric(&(bench_figure){"import_rate", "rows/s", (double)r->rows / r->product_s,
                                 (double)r->rows / r->sqlite_s, BENCH_AT_LEAST, S_IMPORT_TARGET,
                                 "sqlite3 .import of the same CSV (WAL, synchronous=FULL), this "
                                 "run",
                                 false},
                 "%zu workers: hcapctl import (dry run + write, through the gateway) %.2f s vs "
                 "sqlite3 %.2f s",
                 r->rows, r->product_s, r->sqlite_s);
}

static void s_scaling_figures(const bench_reads_result *r)
{
    bench_metric(&(bench_figure){"read_scaling_2x", "reads/s", r->two_rate, r->one_rate,
                                 BENCH_NO_TARGET, 0, "one enrollment instance, this run", false},
                 "GetWorker, %d in flight, two hcap-enrollment processes on one store (no target "
                 "in DESIGN.md 9; %ld cores here)",
                 BENCH_IN_FLIGHT, sysconf(_SC_NPROCESSORS_ONLN));
}

/* The requests' path on one node: writes, reads, import, scaling. */
static void s_node_steps(const char *bin_dir, const char *dir, const s_options *o,
                         const bench_result *raw)
{
    bench_node node;
    char error[768];
    if (bench_node_start(&node, bin_dir, dir, 0, error, sizeof error) != 0) {
        bench_metric_failed("write_throughput", "writes/s", error);
        return;
    }
    bench_result gw;
    bench_reads_result reads;
    bench_import_result import;
    if (bench_gateway(&node, &o->limits, &gw) == 0)
        s_writes_figures(raw, &gw);
    else
        bench_metric_failed("write_throughput", "writes/s", gw.error);
    fprintf(stderr, "hcap-bench: writes done\n");
    if (bench_profile(&node, o->profile_calls, &reads) == 0)
        s_reads_figures(&reads);
    else
        bench_metric_failed("profile_p99", "ms", reads.error);
    if (bench_import(&node, dir, o->rows, &import) == 0)
        s_import_figures(&import);
    else
        bench_metric_failed("import_rate", "rows/s", import.error);
    fprintf(stderr, "hcap-bench: reads and import done\n");
    if (bench_scaling(&node, bin_dir, o->scaling_seconds, &reads) == 0)
        s_scaling_figures(&reads);
    else
        bench_metric_failed("read_scaling_2x", "reads/s", reads.error);
    bench_node_stop(&node);
}

static void s_writes(const char *bin_dir, const s_options *o)
{
    char raw_dir[] = "/tmp/hcap-bench-raw-XXXXXX", node_dir[] = "/tmp/hcap-bench-node-XXXXXX";
    if (!mkdtemp(raw_dir) || !mkdtemp(node_dir)) {
        bench_metric_failed("write_throughput", "writes/s", "mkdtemp failed");
        return;
    }
    bench_result raw;
    if (bench_raw(raw_dir, &o->limits, &raw) == 0)
        s_node_steps(bin_dir, node_dir, o, &raw);
    else
        bench_metric_failed("write_throughput", "writes/s", raw.error);
    s_cleanup(raw_dir, o->keep);
    s_cleanup(node_dir, o->keep);
}

static void s_lag(const char *bin_dir, const s_options *o)
{
    char dir[] = "/tmp/hcap-bench-lag-XXXXXX";
    if (!mkdtemp(dir)) {
        bench_metric_failed("report_lag_p99", "ms", "mkdtemp failed");
        return;
    }
    bench_lag_result lag;
    if (bench_lag(bin_dir, dir, o->probes, &lag) == 0)
        bench_metric(&(bench_figure){"report_lag_p99", "ms", lag.p99_ms, S_BUDGET_MS, BENCH_AT_MOST,
                                     1.0, "fixed, DESIGN.md 9", false},
                     "commit -> visible in reporting, %zu probes under %.0f writes/s (%d in "
                     "flight): p50 %.2f ms, max %.2f ms",
                     lag.probes, lag.load_rate, BENCH_IN_FLIGHT, lag.p50_ms, lag.max_ms);
    else
        bench_metric_failed("report_lag_p99", "ms", lag.error);
    fprintf(stderr, "hcap-bench: lag done\n");
    s_cleanup(dir, o->keep);
}

/* The gateway's writes on a node someone else started on dir. */
static void s_existing(const s_options *o)
{
    bench_node node = {.pid = 0};
    snprintf(node.dir, sizeof node.dir, "%s", o->node_dir);
    snprintf(node.endpoint, sizeof node.endpoint, "ipc://%s/gateway.ipc", o->node_dir);
    char path[700];
    snprintf(path, sizeof path, "%s/admin.token", o->node_dir);
    FILE *file = fopen(path, "r");
    if (!file || !fgets(node.token, sizeof node.token, file)) {
        bench_metric_failed("write_throughput", "writes/s", "no admin.token in --node DIR");
        if (file)
            fclose(file);
        return;
    }
    fclose(file);
    node.token[strcspn(node.token, "\r\n")] = '\0';
    bench_result gw;
    if (bench_gateway(&node, &o->limits, &gw) != 0) {
        bench_metric_failed("write_throughput", "writes/s", gw.error);
        return;
    }
    bench_metric(&(bench_figure){"write_throughput", "writes/s", gw.rate, 0, BENCH_NO_TARGET, 0,
                                 "none: a node of --node", false},
                 "%zu acknowledged, %zu errors", gw.writes, gw.errors);
    bench_metric(&(bench_figure){"write_latency_p50", "ms", gw.p50_us / 1000, 0, BENCH_NO_TARGET, 0,
                                 "none: a node of --node", false},
                 "one CreateWorker at a time");
}

/* Which fund the reports ran on, on the log. */
static void s_fund_line(const bench_reports_result *r, const s_options *o)
{
    const bench_fund_stats *f = &r->fund;
    unsigned long long events = f->enrollment + f->credentialing + f->apprenticeship;
    fprintf(o->table,
            "fund: %zu workers, seed %llu, %llu events (enrollment %llu, credentialing %llu, "
            "apprenticeship %llu), digest %016llx, in %s\n",
            o->workers, (unsigned long long)o->seed, events, (unsigned long long)f->enrollment,
            (unsigned long long)f->credentialing, (unsigned long long)f->apprenticeship,
            (unsigned long long)f->digest, r->fund_dir);
    if (r->reused)
        fprintf(o->table,
                "fund: REUSED, projected by reporting at %s with this build's reporting schema "
                "(--fresh builds it again)\n",
                r->built);
    else
        fprintf(o->table,
                "fund: BUILT in this run: logs written in %.1f s, projected in %.1f s (%.0f "
                "events/s), cached for later runs\n",
                f->seconds, r->project_s, r->project_rate);
}

static void s_report_figures(const bench_reports_result *r, const s_options *o)
{
    double worst = 0;
    const char *worst_name = "";
    for (int i = 0; i < BENCH_REPORTS; i++) {
        const bench_timing *t = &r->reports[i];
        bench_metric(&(bench_figure){t->name, "ms", t->p99_ms, S_BUDGET_MS, BENCH_AT_MOST, 1.0,
                                     "fixed, DESIGN.md 9", true},
                     "p99 of %zu calls at %zu workers, p50 %.2f ms", t->calls, o->workers,
                     t->p50_ms);
        if (t->p99_ms >= worst) {
            worst = t->p99_ms;
            worst_name = t->name;
        }
    }
    bench_metric(&(bench_figure){"report_latency", "ms", worst, S_BUDGET_MS, BENCH_AT_MOST, 1.0,
                                 "fixed, DESIGN.md 9", false},
                 "the slowest p99 of the grant report and outcomes by 4 dimensions: %s",
                 worst_name);
    double worst_mib = 0;
    worst_name = "";
    for (size_t i = 0; i < r->n_procs; i++) {
        const bench_proc_memory *p = &r->procs[i];
        char name[40];
        snprintf(name, sizeof name, "rss_%s", p->name + strlen("hcap-"));
        bench_metric(&(bench_figure){name, "MiB", p->peak_kb / 1024.0, S_RSS_MIB, BENCH_AT_MOST,
                                     1.0, "fixed, DESIGN.md 9", true},
                     "VmHWM (now %.1f MiB)%s", p->rss_kb / 1024.0,
                     r->reused ? "" : ", its run included the projection");
        if (p->peak_kb / 1024.0 >= worst_mib) {
            worst_mib = p->peak_kb / 1024.0;
            worst_name = p->name;
        }
    }
    bench_metric(&(bench_figure){"rss_max", "MiB", worst_mib, S_RSS_MIB, BENCH_AT_MOST, 1.0,
                                 "fixed, DESIGN.md 9", false},
                 "the largest VmHWM of the node's %zu processes at %zu workers: %s%s", r->n_procs,
                 o->workers, worst_name,
                 r->reused ? " (fund reused: the projection's peak is not in this run)" : "");
}

static void s_reports(const char *bin_dir, const s_options *o)
{
    char cache[PATH_MAX + 32];
    if (o->cache_dir)
        snprintf(cache, sizeof cache, "%s", o->cache_dir);
    else
        snprintf(cache, sizeof cache, "%.*s/bench-cache",
                 (int)(strrchr(bin_dir, '/') ? strrchr(bin_dir, '/') - bin_dir : 1),
                 strrchr(bin_dir, '/') ? bin_dir : ".");
    bench_report_plan plan = {.cache_dir = cache,
                              .workers = o->workers,
                              .seed = o->seed,
                              .fresh = o->fresh,
                              .calls = o->report_calls,
                              .seconds = o->report_seconds};
    bench_reports_result *r = calloc(1, sizeof *r);
    if (!r || bench_reports(bin_dir, &plan, r) != 0) {
        bench_metric_failed("report_latency", "ms", r ? r->error : "out of memory");
        bench_metric_failed("rss_max", "MiB", r ? r->error : "out of memory");
    } else
        s_report_figures(r, o);
    if (r && (r->fund.enrollment > 0))
        s_fund_line(r, o);
    free(r);
}

int main(int argc, char **argv)
{
    s_options o = {.limits = {.seconds = 5, .max_writes = 0, .latency_n = 400},
                   .probes = 300,
                   .workers = 550000,
                   .rows = 100000,
                   .profile_calls = 400,
                   .report_calls = 30,
                   .report_seconds = 20,
                   .scaling_seconds = 5,
                   .seed = 20240101};
    if (s_args(argc, argv, &o) != 0) {
        s_usage();
        return 2;
    }
    o.table = o.json ? stderr : stdout;
    char bin_dir[PATH_MAX];
    s_bin_dir(bin_dir, sizeof bin_dir, argv[0]);
    int64_t start = bench_now_us();
    if (o.node_dir)
        s_existing(&o);
    if (!o.node_dir && (!o.only || strcmp(o.only, "writes") == 0))
        s_writes(bin_dir, &o);
    if (!o.node_dir && (!o.only || strcmp(o.only, "lag") == 0))
        s_lag(bin_dir, &o);
    if (!o.node_dir && (!o.only || strcmp(o.only, "reports") == 0))
        s_reports(bin_dir, &o);
    int missed = bench_print_table(o.table);
    fprintf(o.table, "%s run in %.1f s\n", o.quick ? "quick" : "full",
            (double)(bench_now_us() - start) / 1e6);
    if (o.json)
        bench_print_json(stdout);
    return missed > 0 ? 1 : 0;
}
