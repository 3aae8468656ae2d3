/* hcap-bench: each figure beside its limit, the limit measured in the same
   run or fixed by DESIGN.md section 9: durable writes through the gateway
   against the raw ZeroMQ + SQLite group-commit loop, one request's p50
   against one raw round trip with its commit, commit -> visible in
   reporting under load against 50 ms, and the reports of a generated fund
   of 550,000 workers against 50 ms (with the projection's rate and the
   reporting process's memory against 64 MiB). */
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
#define S_BUDGET_MS      50.0 /* commit -> visible p99; a report at 550,000 workers */
#define S_RSS_KB         (64 * 1024)

/* What to run and how big (the command line). */
typedef struct {
    bench_limits limits;
    bool keep;
    const char *only; /* NULL: everything; "writes", "lag" or "reports" */
    size_t probes;
    size_t workers;
    uint64_t seed;
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
    fprintf(stderr, "usage: hcap-bench [--seconds N] [--requests M] [--samples K] [--probes P]\n"
                    "                  [--workers W] [--seed S] [--only writes|lag|reports] "
                    "[--keep]\n");
}

/* Sets the option arg names to value; -1 when there is no such option. */
static int s_option(s_options *o, const char *arg, const char *value)
{
    long number = value ? atol(value) : 0;
    if (strcmp(arg, "--only") == 0)
        o->only = value;
    else if (number <= 0)
        return -1;
    else if (strcmp(arg, "--seconds") == 0)
        o->limits.seconds = (int)number;
    else if (strcmp(arg, "--requests") == 0)
        o->limits.max_writes = (size_t)number;
    else if (strcmp(arg, "--samples") == 0)
        o->limits.latency_n = (size_t)number;
    else if (strcmp(arg, "--probes") == 0)
        o->probes = (size_t)number;
    else if (strcmp(arg, "--workers") == 0)
        o->workers = (size_t)number;
    else if (strcmp(arg, "--seed") == 0)
        o->seed = strtoull(value, NULL, 0);
    else
        return -1;
    return 0;
}

static int s_args(int argc, char **argv, s_options *o)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--keep") == 0) {
            o->keep = true;
            continue;
        }
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

static int s_report(const bench_result *raw, const bench_result *gw)
{
    double ratio = raw->rate > 0 ? gw->rate / raw->rate : 0;
    double lat = raw->p50_us > 0 ? gw->p50_us / raw->p50_us : 0;
    bool write_ok = ratio >= S_WRITE_TARGET, lat_ok = lat > 0 && lat <= S_LATENCY_TARGET;
    printf("write_throughput    gateway %.0f/s  raw %.0f/s  ratio %.2f  target >= %.2f  %s\n",
           gw->rate, raw->rate, ratio, S_WRITE_TARGET, write_ok ? "ok" : "MISSED");
    printf("single_request_p50  gateway %.3fms  raw %.3fms  ratio %.2f  target <= %.1f  %s\n",
           gw->p50_us / 1000, raw->p50_us / 1000, lat, S_LATENCY_TARGET, lat_ok ? "ok" : "MISSED");
    if (gw->errors)
        printf("gateway errors: %zu (%s)\n", gw->errors, gw->error);
    return write_ok && lat_ok ? 0 : 1;
}

static int s_writes(const char *bin_dir, const s_options *o)
{
    char raw_dir[] = "/tmp/hcap-bench-raw-XXXXXX", node_dir[] = "/tmp/hcap-bench-node-XXXXXX";
    if (!mkdtemp(raw_dir) || !mkdtemp(node_dir))
        return perror("hcap-bench: mkdtemp"), -1;
    bench_result raw, gw;
    int rc = bench_raw(raw_dir, &o->limits, &raw);
    if (rc == 0)
        rc = bench_gateway(bin_dir, node_dir, &o->limits, &gw);
    if (rc != 0)
        fprintf(stderr, "hcap-bench: %s\n", raw.error[0] ? raw.error : gw.error);
    else
        rc = s_report(&raw, &gw);
    s_cleanup(raw_dir, o->keep);
    s_cleanup(node_dir, o->keep);
    return rc;
}

static int s_lag(const char *bin_dir, const s_options *o)
{
    char dir[] = "/tmp/hcap-bench-lag-XXXXXX";
    if (!mkdtemp(dir))
        return perror("hcap-bench: mkdtemp"), -1;
    bench_lag_result lag;
    int rc = bench_lag(bin_dir, dir, o->probes, &lag);
    if (lag.probes > 0) {
        bool ok = lag.p99_ms <= S_BUDGET_MS;
        printf("commit_to_visible   p50 %.2fms  p99 %.2fms  max %.2fms  (%zu probes, load %.0f "
               "writes/s, %d in flight)  p99/budget %.2f  target <= 1.00 (%.0fms)  %s\n",
               lag.p50_ms, lag.p99_ms, lag.max_ms, lag.probes, lag.load_rate, BENCH_IN_FLIGHT,
               lag.p99_ms / S_BUDGET_MS, S_BUDGET_MS, ok ? "ok" : "MISSED");
        rc = rc == 0 && !ok ? 1 : rc;
    }
    if (lag.error[0])
        fprintf(stderr, "hcap-bench: %s\n", lag.error);
    s_cleanup(dir, o->keep);
    return rc;
}

static int s_print_reports(const bench_reports_result *r, const s_options *o)
{
    int rc = 0;
    for (int i = 0; i < BENCH_REPORTS; i++) {
        const bench_timing *t = &r->reports[i];
        if (t->calls == 0)
            continue;
        bool ok = t->p99_ms <= S_BUDGET_MS;
        printf("%-19s p50 %.2fms  p99 %.2fms  (%zu calls, %zu workers)  p99/budget %.2f  "
               "target <= 1.00 (%.0fms)  %s\n",
               t->name, t->p50_ms, t->p99_ms, t->calls, o->workers, t->p99_ms / S_BUDGET_MS,
               S_BUDGET_MS, ok ? "ok" : "MISSED");
        rc |= !ok;
    }
    if (r->peak_kb > 0) {
        bool ok = r->peak_kb <= S_RSS_KB;
        printf("reporting_memory    rss %.1fMiB  peak %.1fMiB  peak/budget %.2f  target <= 1.00 "
               "(64MiB)  %s\n",
               r->rss_kb / 1024.0, r->peak_kb / 1024.0, (double)r->peak_kb / S_RSS_KB,
               ok ? "ok" : "MISSED");
        rc |= !ok;
    }
    return rc;
}

static int s_reports(const char *bin_dir, const s_options *o)
{
    char dir[] = "/tmp/hcap-bench-fund-XXXXXX";
    if (!mkdtemp(dir))
        return perror("hcap-bench: mkdtemp"), -1;
    bench_reports_result r;
    int rc = bench_reports(bin_dir, dir, o->seed, o->workers, &r);
    const bench_fund_stats *f = &r.fund;
    uint64_t events = f->enrollment + f->credentialing + f->apprenticeship;
    if (events > 0)
        printf("fund                %zu workers, seed %llu: %llu events (enrollment %llu, "
               "credentialing %llu, apprenticeship %llu) written in %.1fs, digest %016llx\n",
               o->workers, (unsigned long long)o->seed, (unsigned long long)events,
               (unsigned long long)f->enrollment, (unsigned long long)f->credentialing,
               (unsigned long long)f->apprenticeship, f->seconds, (unsigned long long)f->digest);
    if (r.project_s > 0)
        printf(
            "projection          %llu events in %.1fs (node start to caught up): %.0f events/s\n",
            (unsigned long long)events, r.project_s, r.project_rate);
    int printed = s_print_reports(&r, o);
    if (rc != 0)
        fprintf(stderr, "hcap-bench: %s\n", r.error);
    s_cleanup(dir, o->keep);
    return rc != 0 ? rc : printed;
}

int main(int argc, char **argv)
{
    s_options o = {.limits = {.seconds = 5, .max_writes = 0, .latency_n = 400},
                   .probes = 300,
                   .workers = 550000,
                   .seed = 20240101};
    if (s_args(argc, argv, &o) != 0) {
        s_usage();
        return 2;
    }
    char bin_dir[PATH_MAX];
    s_bin_dir(bin_dir, sizeof bin_dir, argv[0]);
    int rc = 0, step;
    if (!o.only || strcmp(o.only, "writes") == 0)
        rc = (step = s_writes(bin_dir, &o)) < 0 ? step : rc | step;
    if (rc >= 0 && (!o.only || strcmp(o.only, "lag") == 0))
        rc = (step = s_lag(bin_dir, &o)) < 0 ? step : rc | step;
    if (rc >= 0 && (!o.only || strcmp(o.only, "reports") == 0))
        rc = (step = s_reports(bin_dir, &o)) < 0 ? step : rc | step;
    return rc < 0 ? 1 : rc;
}
