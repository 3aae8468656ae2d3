/* bench: hcap-bench's measurements, each path measured against a reference
   loop in the same run (DESIGN.md section 9). */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    double rate;     /* acknowledged writes per second, 64 in flight */
    double p50_us;   /* one request with nothing else in flight */
    size_t writes;   /* acknowledged in the throughput run */
    size_t errors;   /* replies that were not OK */
    char error[768]; /* why the measurement failed, when it did */
} bench_result;

typedef struct {
    int seconds;       /* length of each throughput run */
    size_t max_writes; /* stop a throughput run after this many (0: no limit) */
    size_t latency_n;  /* single requests timed for the p50 */
} bench_limits;

#define BENCH_IN_FLIGHT 64

/* The best case: a DEALER->ROUTER pair over ipc in dir (the ROUTER in a
   thread) with SQLite group commit (WAL, synchronous=FULL, a batch drained
   from the socket, one transaction per batch, one insert per request).
   Returns 0, or -1 with out->error set. */
int bench_raw(const char *dir, const bench_limits *limits, bench_result *out);

/* Worker creation through a real node: hcap-node (from bin_dir) on a free
   loopback port with dir as its data directory, CreateWorker via hc_client.
   The node's log goes to dir/node.log. Returns 0, or -1 with out->error. */
int bench_gateway(const char *bin_dir, const char *dir, const bench_limits *limits,
                  bench_result *out);

/* A running hcap-node of the bench. */
typedef struct {
    int pid;
    char dir[512];
    char endpoint[600]; /* the gateway's ZeroMQ frontend */
    char token[256];    /* the admin token */
} bench_node;

/* Starts hcap-node (from bin_dir) on dir and a free loopback port, its log
   in dir/node.log, and waits at most ready_ms (0: 60 s) for its ready
   line. 0, or -1 with error set (nothing left running). */
int bench_node_start(bench_node *node, const char *bin_dir, const char *dir, int ready_ms,
                     char *error, size_t size);

/* SIGTERM, then SIGKILL after 30 s; accepts a stopped node. */
void bench_node_stop(bench_node *node);

/* Pid of the node's child process `name` ("hcap-reporting"), or 0. */
int bench_node_child(const bench_node *node, const char *name);

/* The resident set of pid now and at its peak, in KiB (-1 when unknown). */
void bench_rss(int pid, long *rss_kb, long *peak_kb);

/* Commit -> visible in reporting, under load (DESIGN.md section 9). */
typedef struct {
    double p50_ms, p99_ms, max_ms; /* from a probe write's reply to reporting having it */
    size_t probes;
    double load_rate; /* writes per second of the load meanwhile */
    char error[768];
} bench_lag_result;

/* On a fresh node in dir: one thread keeps BENCH_IN_FLIGHT CreateWorker
   in flight while probes (one at a time) write a worker, find its seq in
   enrollment's log and poll reporting's GetStatus until its enrollment
   follower has applied that seq. 0, or -1 with out->error. */
int bench_lag(const char *bin_dir, const char *dir, size_t probes, bench_lag_result *out);

/* The events a generated fund holds, per log. */
typedef struct {
    uint64_t enrollment, credentialing, apprenticeship;
    uint64_t workers;
    uint64_t digest; /* FNV-1a of every event's type and body, in order: same seed, same fund */
    double seconds;
} bench_fund_stats;

/* Writes a fund of `workers` workers (employers, programs, cohorts,
   enrollments and their steps, tuition claims, employment records,
   credentials, apprentices with hours, sign-offs and completions) from
   the seed straight into the event logs of dir/enrollment.db,
   credentialing.db and apprenticeship.db (sources "<node_id>/<service>"),
   as the services would have appended them. Only the logs' own epoch and
   occurred_at differ between two runs of one seed. 0, or -1 with error. */
int bench_fund_generate(const char *dir, const char *node_id, uint64_t seed, size_t workers,
                        bench_fund_stats *out, char *error, size_t size);

/* One timed report. */
typedef struct {
    const char *name;
    double p50_ms, p99_ms;
    size_t calls;
} bench_timing;

#define BENCH_REPORTS 5

typedef struct {
    bench_fund_stats fund;
    double project_s;    /* node start to reporting caught up with every log */
    double project_rate; /* events per second of that */
    bench_timing reports[BENCH_REPORTS];
    long rss_kb, peak_kb; /* hcap-reporting after the reports */
    char error[768];
} bench_reports_result;

/* Generates the fund in dir, starts a node on it, waits for reporting to
   project every event, creates a grant and times GetGrantReport and
   GetOutcomes by gender, race_ethnicity, employer and program. 0, or -1
   with out->error. */
int bench_reports(const char *bin_dir, const char *dir, uint64_t seed, size_t workers,
                  bench_reports_result *out);

/* The p-th percentile (0 < p <= 1, nearest rank) of count samples (sorts
   them). */
double bench_percentile(int64_t *samples, size_t count, double p);

/* A CreateWorkerRequest packed (malloc'd, *size set), the payload both
   measurements send; n varies the names. */
uint8_t *bench_worker_payload(size_t n, size_t *size);

/* Monotonic microseconds. */
int64_t bench_now_us(void);

/* The median of count samples (sorts them). */
double bench_median(int64_t *samples, size_t count);

#endif
