/* bench: hcap-bench's measurements, each path measured against a reference
   loop in the same run (DESIGN.md section 9). */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* The same for one process of ours (pid <= 0: nothing). */
void bench_stop_pid(int pid);

/* Runs bin (looked up in PATH when it has no slash) with argv (NULL
   ended), stdout and stderr appended to log. Its pid, or -1. */
int bench_spawn(const char *bin, const char *log, const char *const *argv);

/* Pid of the node's child process `name` ("hcap-reporting"), or 0. */
int bench_node_child(const bench_node *node, const char *name);

/* The resident set of pid now and at its peak, in KiB (-1 when unknown). */
void bench_rss(int pid, long *rss_kb, long *peak_kb);

/* Worker creation through the node's gateway: CreateWorker via hc_client,
   BENCH_IN_FLIGHT in flight, then one at a time. 0, or -1 with out->error. */
int bench_gateway(const bench_node *node, const bench_limits *limits, bench_result *out);

/* Reads through the gateway (bench_reads.c). */
typedef struct {
    size_t calls;
    double profile_p50_us, profile_p99_us; /* gateway GetProfile (the fan-out) */
    double single_p50_us, single_p99_us;   /* enrollment GetWorker */
    double one_rate, two_rate; /* GetWorker/s, BENCH_IN_FLIGHT in flight, one and two instances */
    char error[768];
} bench_reads_result;

/* A new worker's profile and the worker alone, calls times each, one at a
   time, interleaved in rounds. 0, or -1 with out->error. */
int bench_profile(const bench_node *node, size_t calls, bench_reads_result *out);

/* GetWorker throughput for seconds with the node's one enrollment, then
   again with a second hcap-enrollment (from bin_dir) on the same --data
   and another --instance, stopped afterwards. 0, or -1 with out->error. */
int bench_scaling(const bench_node *node, const char *bin_dir, int seconds,
                  bench_reads_result *out);

/* The roster import (bench_import.c). */
typedef struct {
    size_t rows;
    double product_s; /* hcapctl's import through the gateway */
    double sqlite_s;  /* sqlite3 .import of the same file */
    char error[768];
} bench_import_result;

/* Writes a CSV of rows new workers in dir, imports it with the sqlite3
   command line into a fresh dir/sqlite-import.db, then through the node
   (ctl_import_workers). 0, or -1 with out->error. */
int bench_import(const bench_node *node, const char *dir, size_t rows, bench_import_result *out);

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

#define BENCH_PROCS_MAX 8

typedef struct {
    const char *name; /* "hcap-reporting" */
    long rss_kb, peak_kb;
} bench_proc_memory;

typedef struct {
    bench_fund_stats fund;
    char fund_dir[600];
    bool reused;         /* a cached, already projected fund */
    char built[32];      /* when it was projected (UTC) */
    double project_s;    /* node start to reporting caught up (0 when reused) */
    double project_rate; /* events per second of that */
    bench_timing reports[BENCH_REPORTS];
    bench_proc_memory procs[BENCH_PROCS_MAX]; /* after the reports */
    size_t n_procs;
    char error[768];
} bench_reports_result;

/* What to build and how long to time it. */
typedef struct {
    const char *cache_dir; /* funds are kept in cache_dir/fund-<workers>-<seed> */
    size_t workers;
    uint64_t seed;
    bool fresh;   /* build the fund again even when a cached one matches */
    size_t calls; /* timed calls per report (at most 64) */
    int seconds;  /* or fewer calls (at least 3) when they take longer */
} bench_report_plan;

/* Reuses the cached fund when its stamp matches (workers, seed, the
   generator's format, reporting's user_version and migrations' hash), or
   generates it, starts a node on it and waits for reporting to project
   every event; then creates a grant (once per fund) and times
   GetGrantReport and GetOutcomes by gender, race_ethnicity, employer and
   program, and reads every process's memory. 0, or -1 with out->error. */
int bench_reports(const char *bin_dir, const bench_report_plan *plan, bench_reports_result *out);

/* --- the figures of the run (bench_out.c) --- */

typedef enum { BENCH_AT_LEAST, BENCH_AT_MOST, BENCH_NO_TARGET } bench_goal;

/* One figure against its limit: ratio = value / limit, met when the ratio
   is on goal's side of target. */
typedef struct {
    const char *name, *unit;
    double value, limit;
    bench_goal goal;
    double target;
    const char *how; /* where the limit comes from */
    bool table_only; /* a row of the table, not a key of the JSON */
} bench_figure;

/* Records a figure with a note (what exactly was measured). */
void bench_metric(const bench_figure *figure, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records a metric that could not be measured, and why. */
void bench_metric_failed(const char *name, const char *unit, const char *why);

/* The table (DESIGN.md section 9) / one JSON object. Each returns how many
   figures missed their target or failed. */
int bench_print_table(FILE *out);
int bench_print_json(FILE *out);

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
