/* bench_raw: the reference loop the gateway path is measured against: a
   ZeroMQ DEALER->ROUTER pair over ipc and SQLite group commit, with nothing
   else (no broker, no protobuf decoding, no events). The only bench file
   that speaks SQL. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>
#include "bench.h"
#include "hc_id.h"
#include "hc_msg.h"

#define S_BATCH_MAX 256

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *insert;
    zsock_t *router;
    zmsg_t *batch[S_BATCH_MAX];
    size_t count;
} s_server;

static int s_exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int s_open(s_server *self, const char *path)
{
    if (sqlite3_open(path, &self->db) != SQLITE_OK ||
        s_exec(self->db, "PRAGMA journal_mode=WAL") != 0 ||
        s_exec(self->db, "PRAGMA synchronous=FULL") != 0 ||
        s_exec(self->db, "CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, "
                         "body BLOB NOT NULL)") != 0)
        return -1;
    return sqlite3_prepare_v2(self->db, "INSERT INTO requests (id, body) VALUES (?, ?)", -1,
                              &self->insert, NULL) == SQLITE_OK
               ? 0
               : -1;
}

static void s_insert(s_server *self, zframe_t *body)
{
    char id[HC_ID_SIZE];
    hc_id_new("req", id);
    sqlite3_bind_text(self->insert, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(self->insert, 2, zframe_data(body), (int)zframe_size(body), SQLITE_STATIC);
    sqlite3_step(self->insert);
    sqlite3_reset(self->insert);
}

/* One group commit: the batch in one transaction, then every reply. */
static void s_commit_batch(s_server *self)
{
    s_exec(self->db, "BEGIN IMMEDIATE");
    for (size_t i = 0; i < self->count; i++)
        s_insert(self, zmsg_last(self->batch[i]));
    s_exec(self->db, "COMMIT");
    for (size_t i = 0; i < self->count; i++) {
        zframe_t *body = zmsg_last(self->batch[i]);
        zframe_reset(body, "ok", 2);
        zmsg_send(&self->batch[i], self->router);
    }
    self->count = 0;
}

/* Drains what waits on the socket (up to a batch) after one message. */
static void s_drain(s_server *self, zmsg_t *first)
{
    self->batch[self->count++] = first;
    void *handle = zsock_resolve(self->router);
    while (self->count < S_BATCH_MAX) {
        zmq_pollitem_t item = {handle, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 0) <= 0)
            break;
        zmsg_t *msg = zmsg_recv(self->router);
        if (!msg)
            break;
        self->batch[self->count++] = msg;
    }
    s_commit_batch(self);
}

/* The ROUTER side, as an actor: binds the endpoint it is given, serves
   until the pipe says $TERM. */
static void s_server_actor(zsock_t *pipe, void *arg)
{
    const char *dir = arg;
    s_server self = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/raw.db", dir);
    self.router = zsock_new(ZMQ_ROUTER);
    hc_sock_setup(self.router);
    bool ok = s_open(&self, path) == 0 && zsock_bind(self.router, "ipc://%s/raw.ipc", dir) == 0;
    zsock_signal(pipe, 0); /* zactor_new waits for this one */
    zsock_signal(pipe, ok ? 0 : 1);
    zpoller_t *poller = zpoller_new(pipe, self.router, NULL);
    while (ok) {
        void *which = zpoller_wait(poller, -1);
        if (which == pipe || !which)
            break;
        zmsg_t *msg = zmsg_recv(self.router);
        if (msg)
            s_drain(&self, msg);
    }
    zpoller_destroy(&poller);
    if (ok) {
        zmsg_t *term = zmsg_recv(pipe);
        zmsg_destroy(&term);
    }
    sqlite3_finalize(self.insert);
    sqlite3_close(self.db);
    zsock_destroy(&self.router);
}

static int s_send(zsock_t *dealer, const uint8_t *payload, size_t size)
{
    zframe_t *frame = zframe_new(payload, size);
    return zframe_send(&frame, dealer, 0);
}

static bool s_recv(zsock_t *dealer)
{
    zframe_t *frame = zframe_recv(dealer);
    bool ok = frame && zframe_size(frame) == 2;
    zframe_destroy(&frame);
    return ok;
}

/* BENCH_IN_FLIGHT requests outstanding for limits->seconds. */
static void s_throughput(zsock_t *dealer, const bench_limits *limits, bench_result *out)
{
    size_t size;
    uint8_t *payload = bench_worker_payload(0, &size);
    size_t in_flight = 0;
    int64_t start = bench_now_us(), until = start + (int64_t)limits->seconds * 1000000;
    while (in_flight < BENCH_IN_FLIGHT && s_send(dealer, payload, size) == 0)
        in_flight++;
    while (in_flight > 0) {
        if (!s_recv(dealer)) {
            snprintf(out->error, sizeof out->error, "raw loop: no reply");
            break;
        }
        in_flight--;
        out->writes++;
        bool more = bench_now_us() < until &&
                    (limits->max_writes == 0 || out->writes + in_flight < limits->max_writes);
        if (more && s_send(dealer, payload, size) == 0)
            in_flight++;
    }
    out->rate = (double)out->writes * 1e6 / (double)(bench_now_us() - start);
    free(payload);
}

static void s_latency(zsock_t *dealer, const bench_limits *limits, bench_result *out)
{
    size_t size;
    uint8_t *payload = bench_worker_payload(1, &size);
    int64_t *samples = calloc(limits->latency_n, sizeof *samples);
    size_t n = 0;
    for (; samples && n < limits->latency_n; n++) {
        int64_t t0 = bench_now_us();
        if (s_send(dealer, payload, size) != 0 || !s_recv(dealer))
            break;
        samples[n] = bench_now_us() - t0;
    }
    out->p50_us = samples ? bench_median(samples, n) : 0;
    free(samples);
    free(payload);
}

int bench_raw(const char *dir, const bench_limits *limits, bench_result *out)
{
    memset(out, 0, sizeof *out);
    zactor_t *server = zactor_new(s_server_actor, (void *)dir);
    if (zsock_wait(server) != 0) {
        snprintf(out->error, sizeof out->error, "raw loop: cannot open %s/raw.db or bind", dir);
        zactor_destroy(&server);
        return -1;
    }
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    hc_sock_setup(dealer);
    zsock_set_rcvtimeo(dealer, 10000);
    zsock_connect(dealer, "ipc://%s/raw.ipc", dir);
    s_throughput(dealer, limits, out);
    if (!out->error[0])
        s_latency(dealer, limits, out);
    zsock_destroy(&dealer);
    zactor_destroy(&server);
    return out->error[0] ? -1 : 0;
}
