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

/* A CreateWorkerRequest packed (malloc'd, *size set), the payload both
   measurements send; n varies the names. */
uint8_t *bench_worker_payload(size_t n, size_t *size);

/* Monotonic microseconds. */
int64_t bench_now_us(void);

/* The median of count samples (sorts them). */
double bench_median(int64_t *samples, size_t count);

#endif
