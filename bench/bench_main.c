/* hcap-bench: each figure beside its limit, the limit measured in the same
   run (DESIGN.md section 9): durable writes through the gateway against the
   raw ZeroMQ + SQLite group-commit loop, and one request's p50 against one
   raw round trip with its commit. */
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

static void s_usage(void)
{
    fprintf(stderr, "usage: hcap-bench [--seconds N] [--requests M] [--samples K] [--keep]\n");
}

static int s_args(int argc, char **argv, bench_limits *limits, bool *keep)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--keep") == 0) {
            *keep = true;
            continue;
        }
        long value = i + 1 < argc ? atol(argv[i + 1]) : 0;
        if (value <= 0)
            return -1;
        if (strcmp(arg, "--seconds") == 0)
            limits->seconds = (int)value;
        else if (strcmp(arg, "--requests") == 0)
            limits->max_writes = (size_t)value;
        else if (strcmp(arg, "--samples") == 0)
            limits->latency_n = (size_t)value;
        else
            return -1;
        i++;
    }
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

int main(int argc, char **argv)
{
    bench_limits limits = {.seconds = 5, .max_writes = 0, .latency_n = 400};
    bool keep = false;
    if (s_args(argc, argv, &limits, &keep) != 0) {
        s_usage();
        return 2;
    }
    char bin_dir[PATH_MAX], raw_dir[] = "/tmp/hcap-bench-raw-XXXXXX",
                            node_dir[] = "/tmp/hcap-bench-node-XXXXXX";
    s_bin_dir(bin_dir, sizeof bin_dir, argv[0]);
    if (!mkdtemp(raw_dir) || !mkdtemp(node_dir)) {
        perror("hcap-bench: mkdtemp");
        return 1;
    }
    bench_result raw, gw;
    int rc = bench_raw(raw_dir, &limits, &raw);
    if (rc == 0)
        rc = bench_gateway(bin_dir, node_dir, &limits, &gw);
    if (rc != 0)
        fprintf(stderr, "hcap-bench: %s\n", raw.error[0] ? raw.error : gw.error);
    else
        rc = s_report(&raw, &gw);
    if (!keep) {
        nftw(raw_dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
        nftw(node_dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
    } else {
        fprintf(stderr, "hcap-bench: kept %s and %s\n", raw_dir, node_dir);
    }
    return rc < 0 ? 1 : rc;
}
