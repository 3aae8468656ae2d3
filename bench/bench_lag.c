/* bench_lag: commit -> visible in reporting under load. A load thread
   keeps BENCH_IN_FLIGHT CreateWorker requests in flight; meanwhile each
   probe writes one worker, finds that write's seq in enrollment's event
   log (FETCH), and polls reporting's GetStatus until its enrollment
   follower has applied the seq. The lag is timed from the probe's reply
   (the write is committed by then) to the poll that sees it applied. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <czmq.h>
#include "bench.h"
#include "enrollment.pb-c.h"
#include "hc_client.h"
#include "hc_msg.h"
#include "reporting.pb-c.h"

#define S_CALL_MS    10000
#define S_VISIBLE_MS 30000 /* a probe not visible by then fails the run */
#define S_WARMUP_MS  1000
#define S_GAP_US     10000 /* between probes */
#define S_POLL_US    250
#define S_WINDOW     512 /* events before the head searched for a probe's seq */

typedef struct {
    const bench_node *node;
    atomic_bool stop;
    size_t writes;
    double rate;
    char error[600];
} s_load;

static ProtobufCMessage *s_worker_request(uint64_t n, hc_arena *arena)
{
    size_t size;
    uint8_t *payload = bench_worker_payload(n, &size);
    ProtobufCMessage *in = payload
                               ? protobuf_c_message_unpack(&hcap__create_worker_request__descriptor,
                                                           hc_arena_allocator(arena), size, payload)
                               : NULL;
    free(payload);
    return in;
}

static int s_load_send(hc_client *client, uint64_t tag, hc_arena *arena)
{
    ProtobufCMessage *in = s_worker_request(tag, arena);
    hc_error err;
    return in ? hc_client_send(client, tag, "enrollment", "CreateWorker", in, NULL, &err) : -1;
}

/* Keeps BENCH_IN_FLIGHT writes outstanding until told to stop. */
static void *s_load_main(void *arg)
{
    s_load *load = arg;
    hc_error err;
    hc_client *client = hc_client_new(load->node->endpoint, load->node->token, &err);
    hc_arena *arena = hc_arena_new();
    uint64_t tag = 10000000;
    size_t in_flight = 0;
    int64_t start = bench_now_us();
    while (client && in_flight < BENCH_IN_FLIGHT && s_load_send(client, tag++, arena) == HC_OK)
        in_flight++;
    while (client && in_flight > 0) {
        uint64_t got = UINT64_MAX;
        hc_arena_reset(arena);
        int rc = hc_client_recv(client, &got, NULL, arena, NULL, S_CALL_MS, &err);
        if (got == UINT64_MAX) {
            snprintf(load->error, sizeof load->error, "load: %s", err.message);
            break;
        }
        in_flight--;
        load->writes += rc == HC_OK;
        if (!atomic_load(&load->stop) && s_load_send(client, tag++, arena) == HC_OK)
            in_flight++;
    }
    load->rate = (double)load->writes * 1e6 / (double)(bench_now_us() - start);
    hc_arena_destroy(&arena);
    hc_client_destroy(&client);
    return NULL;
}

static Hcap__FetchReply *s_fetch(zsock_t *sock, uint64_t after, uint32_t max)
{
    Hcap__FetchRequest req = HCAP__FETCH_REQUEST__INIT;
    req.after_seq = after;
    req.has_max = 1;
    req.max = max;
    zframe_t *frame = hc_msg_frame(&req.base);
    if (!frame || zframe_send(&frame, sock, 0) != 0) {
        zframe_destroy(&frame);
        return NULL;
    }
    zframe_t *answer = zframe_recv(sock);
    Hcap__FetchReply *reply =
        answer ? hcap__fetch_reply__unpack(NULL, zframe_size(answer), zframe_data(answer)) : NULL;
    zframe_destroy(&answer);
    return reply;
}

/* The seq of the event that registered worker id: searched in the
   S_WINDOW events up to the log's head; the head itself when not found
   (an upper bound). 0 on failure. */
static uint64_t s_seq_of(zsock_t *sock, const char *id)
{
    Hcap__FetchReply *reply = s_fetch(sock, UINT64_MAX / 2, 1);
    uint64_t head = reply ? reply->head : 0, seq = head;
    if (reply)
        hcap__fetch_reply__free_unpacked(reply, NULL);
    reply = head ? s_fetch(sock, head > S_WINDOW ? head - S_WINDOW : 0, S_WINDOW) : NULL;
    for (size_t i = 0; reply && i < reply->n_events; i++) {
        const Hcap__Event *event = reply->events[i];
        if (strstr(event->type, "worker_registered") &&
            memmem(event->body.data, event->body.len, id, strlen(id)))
            seq = event->seq;
    }
    if (reply)
        hcap__fetch_reply__free_unpacked(reply, NULL);
    return seq;
}

/* The seq reporting's enrollment follower has applied, or -1. */
static int64_t s_applied(hc_client *client, hc_arena *arena)
{
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__ReportingStatus *status = NULL;
    hc_error err;
    if (hc_client_call(client, "reporting", "GetStatus", &empty.base, NULL,
                       &hcap__reporting_status__descriptor, arena, (ProtobufCMessage **)&status,
                       S_CALL_MS, &err) != HC_OK)
        return -1;
    for (size_t i = 0; i < status->n_followers; i++)
        if (strcmp(status->followers[i]->source, "enrollment") == 0)
            return (int64_t)status->followers[i]->seq;
    return -1;
}

/* One probe: its lag in us, or -1 with error set. */
static int64_t s_probe(hc_client *client, zsock_t *fetch, hc_arena *arena, uint64_t n, char *error,
                       size_t size)
{
    Hcap__Worker *worker = NULL;
    hc_error err;
    ProtobufCMessage *in = s_worker_request(n, arena);
    if (!in ||
        hc_client_call(client, "enrollment", "CreateWorker", in, NULL, &hcap__worker__descriptor,
                       arena, (ProtobufCMessage **)&worker, S_CALL_MS, &err) != HC_OK)
        return snprintf(error, size, "probe write: %s", in ? err.message : "no payload"), -1;
    int64_t acked = bench_now_us();
    uint64_t seq = s_seq_of(fetch, worker->id);
    if (seq == 0)
        return snprintf(error, size, "probe: no FETCH reply from enrollment's log"), -1;
    while (bench_now_us() - acked < (int64_t)S_VISIBLE_MS * 1000) {
        int64_t applied = s_applied(client, arena);
        if (applied >= (int64_t)seq)
            return bench_now_us() - acked;
        usleep(S_POLL_US);
    }
    snprintf(error, size, "probe seq %llu not visible in reporting after %d ms",
             (unsigned long long)seq, S_VISIBLE_MS);
    return -1;
}

static void s_probes(const bench_node *node, size_t probes, bench_lag_result *out)
{
    hc_error err;
    hc_client *client = hc_client_new(node->endpoint, node->token, &err);
    zsock_t *fetch = zsock_new(ZMQ_DEALER);
    hc_sock_setup(fetch);
    zsock_set_rcvtimeo(fetch, S_CALL_MS);
    zsock_connect(fetch, "ipc://%s/enrollment-events.ipc", node->dir);
    hc_arena *arena = hc_arena_new();
    int64_t *samples = calloc(probes, sizeof *samples);
    for (size_t i = 0; client && samples && i < probes; i++) {
        int64_t lag = s_probe(client, fetch, arena, 20000000 + i, out->error, sizeof out->error);
        hc_arena_reset(arena);
        if (lag < 0)
            break;
        samples[out->probes++] = lag;
        usleep(S_GAP_US);
    }
    if (!client)
        snprintf(out->error, sizeof out->error, "%s", err.message);
    if (out->probes > 0) {
        out->p50_ms = bench_percentile(samples, out->probes, 0.50) / 1000;
        out->p99_ms = bench_percentile(samples, out->probes, 0.99) / 1000;
        out->max_ms = bench_percentile(samples, out->probes, 1.0) / 1000;
    }
    free(samples);
    hc_arena_destroy(&arena);
    zsock_destroy(&fetch);
    hc_client_destroy(&client);
}

int bench_lag(const char *bin_dir, const char *dir, size_t probes, bench_lag_result *out)
{
    memset(out, 0, sizeof *out);
    bench_node node;
    if (bench_node_start(&node, bin_dir, dir, 0, out->error, sizeof out->error) != 0)
        return -1;
    s_load load = {.node = &node};
    pthread_t thread;
    if (pthread_create(&thread, NULL, s_load_main, &load) != 0) {
        snprintf(out->error, sizeof out->error, "cannot start the load thread");
        bench_node_stop(&node);
        return -1;
    }
    usleep(S_WARMUP_MS * 1000);
    s_probes(&node, probes, out);
    atomic_store(&load.stop, true);
    pthread_join(thread, NULL);
    out->load_rate = load.rate;
    if (!out->error[0] && load.error[0])
        snprintf(out->error, sizeof out->error, "%s", load.error);
    bench_node_stop(&node);
    return out->error[0] ? -1 : 0;
}
