/* bench_reads: reads through the gateway. The worker profile's fan-out
   (gateway GetProfile over enrollment, credentialing and apprenticeship)
   against one single-service read (enrollment GetWorker), each timed one
   at a time; and read throughput (GetWorker, BENCH_IN_FLIGHT in flight)
   with one instance of enrollment, then with a second process of the same
   binary sharing its store (same --data, another --instance). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "enrollment.pb-c.h"
#include "gateway.pb-c.h"
#include "hc_client.h"

#define S_CALL_MS     10000
#define S_REGISTER_MS 20000 /* for the second instance to register */

/* A new worker's id (malloc'd), or NULL with error set. */
static char *s_new_worker(hc_client *client, char *error, size_t size)
{
    hc_arena *arena = hc_arena_new();
    size_t bytes;
    uint8_t *payload = bench_worker_payload(777, &bytes);
    ProtobufCMessage *in =
        payload ? protobuf_c_message_unpack(&hcap__create_worker_request__descriptor,
                                            hc_arena_allocator(arena), bytes, payload)
                : NULL;
    free(payload);
    Hcap__Worker *worker = NULL;
    hc_error err;
    char *id = NULL;
    if (in &&
        hc_client_call(client, "enrollment", "CreateWorker", in, NULL, &hcap__worker__descriptor,
                       arena, (ProtobufCMessage **)&worker, S_CALL_MS, &err) == HC_OK)
        id = strdup(worker->id);
    else
        snprintf(error, size, "CreateWorker for the reads: %s", in ? err.message : "no payload");
    hc_arena_destroy(&arena);
    return id;
}

/* Times calls of service.method(GetRequest id) one at a time. */
static int s_time_calls(hc_client *client, const char *service, const char *method, const char *id,
                        size_t calls, int64_t *samples, char *error, size_t size)
{
    hc_arena *arena = hc_arena_new();
    Hcap__GetRequest req = HCAP__GET_REQUEST__INIT;
    req.id = (char *)id;
    int rc = 0;
    for (size_t i = 0; i < calls; i++) {
        hc_error err;
        int64_t t0 = bench_now_us();
        if (hc_client_call(client, service, method, &req.base, NULL, NULL, arena, NULL, S_CALL_MS,
                           &err) != HC_OK) {
            snprintf(error, size, "%s.%s: %s", service, method, err.message);
            rc = -1;
            break;
        }
        samples[i] = bench_now_us() - t0;
        hc_arena_reset(arena);
    }
    hc_arena_destroy(&arena);
    return rc;
}

int bench_profile(const bench_node *node, size_t calls, bench_reads_result *out)
{
    memset(out, 0, sizeof *out);
    hc_error err;
    hc_client *client = hc_client_new(node->endpoint, node->token, &err);
    int64_t *profile = calloc(calls + 1, sizeof *profile),
            *single = calloc(calls + 1, sizeof *single);
    char *id = client ? s_new_worker(client, out->error, sizeof out->error) : NULL;
    int rc = -1;
    /* Interleaved in rounds, so that the machine's load falls on both alike. */
    for (size_t done = 0; id && profile && single && done < calls; done += 10) {
        size_t n = calls - done < 10 ? calls - done : 10;
        rc = s_time_calls(client, "gateway", "GetProfile", id, n, profile + done, out->error,
                          sizeof out->error);
        if (rc == 0)
            rc = s_time_calls(client, "enrollment", "GetWorker", id, n, single + done, out->error,
                              sizeof out->error);
        if (rc != 0)
            break;
        out->calls = done + n;
    }
    if (!client)
        snprintf(out->error, sizeof out->error, "%s", err.message);
    if (rc == 0) {
        out->profile_p50_us = bench_percentile(profile, out->calls, 0.50);
        out->profile_p99_us = bench_percentile(profile, out->calls, 0.99);
        out->single_p50_us = bench_percentile(single, out->calls, 0.50);
        out->single_p99_us = bench_percentile(single, out->calls, 0.99);
    }
    free(id);
    free(profile);
    free(single);
    hc_client_destroy(&client);
    return rc;
}

/* GetWorker(id) with BENCH_IN_FLIGHT in flight for seconds: reads/s, or -1. */
static double s_read_rate(hc_client *client, const char *id, int seconds, char *error, size_t size)
{
    hc_arena *arena = hc_arena_new();
    Hcap__GetRequest req = HCAP__GET_REQUEST__INIT;
    req.id = (char *)id;
    hc_error err;
    size_t in_flight = 0, reads = 0;
    uint64_t tag = 0;
    int64_t start = bench_now_us(), until = start + (int64_t)seconds * 1000000;
    while (in_flight < BENCH_IN_FLIGHT &&
           hc_client_send(client, tag++, "enrollment", "GetWorker", &req.base, NULL, &err) == HC_OK)
        in_flight++;
    while (in_flight > 0) {
        uint64_t got = UINT64_MAX;
        hc_arena_reset(arena);
        int rc = hc_client_recv(client, &got, NULL, arena, NULL, S_CALL_MS, &err);
        if (got == UINT64_MAX || rc != HC_OK) {
            snprintf(error, size, "GetWorker under load: %s", err.message);
            hc_arena_destroy(&arena);
            return -1;
        }
        in_flight--;
        reads++;
        if (bench_now_us() < until && hc_client_send(client, tag++, "enrollment", "GetWorker",
                                                     &req.base, NULL, &err) == HC_OK)
            in_flight++;
    }
    hc_arena_destroy(&arena);
    return (double)reads * 1e6 / (double)(bench_now_us() - start);
}

/* Live instances of service as the gateway's Health says, or -1. */
static int s_instances(hc_client *client, const char *service)
{
    hc_arena *arena = hc_arena_new();
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__HealthReply *health = NULL;
    hc_error err;
    int live = -1;
    if (hc_client_call(client, "gateway", "Health", &empty.base, NULL,
                       &hcap__health_reply__descriptor, arena, (ProtobufCMessage **)&health,
                       S_CALL_MS, &err) == HC_OK)
        for (size_t i = 0; i < health->n_services; i++)
            if (strcmp(health->services[i]->name, service) == 0)
                live = (int)health->services[i]->instances;
    hc_arena_destroy(&arena);
    return live;
}

/* Starts a second hcap-enrollment on the node's store, its log in
   dir/enrollment-2.log; waits until the gateway counts two instances.
   Its pid, or -1 with error set (nothing left running). */
static int s_second_instance(const bench_node *node, const char *bin_dir, hc_client *client,
                             char *error, size_t size)
{
    char bin[600], log[600];
    snprintf(bin, sizeof bin, "%s/hcap-enrollment", bin_dir);
    snprintf(log, sizeof log, "%s/enrollment-2.log", node->dir);
    int pid = bench_spawn(
        bin, log,
        (const char *[]){bin, "--data", node->dir, "--instance", "enrollment-bench-2", NULL});
    int64_t until = bench_now_us() + (int64_t)S_REGISTER_MS * 1000;
    while (pid > 0 && bench_now_us() < until) {
        if (s_instances(client, "enrollment") >= 2)
            return pid;
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            snprintf(error, size, "a second hcap-enrollment on the store exited (see %s)", log);
            return -1;
        }
        usleep(50000);
    }
    snprintf(error, size, "a second hcap-enrollment did not register within %d s (see %s)",
             S_REGISTER_MS / 1000, log);
    bench_stop_pid(pid);
    return -1;
}

int bench_scaling(const bench_node *node, const char *bin_dir, int seconds, bench_reads_result *out)
{
    memset(out, 0, sizeof *out);
    hc_error err;
    hc_client *client = hc_client_new(node->endpoint, node->token, &err);
    if (!client)
        return snprintf(out->error, sizeof out->error, "%s", err.message), -1;
    char *id = s_new_worker(client, out->error, sizeof out->error);
    int rc = -1;
    if (id &&
        (out->one_rate = s_read_rate(client, id, seconds, out->error, sizeof out->error)) > 0) {
        int pid = s_second_instance(node, bin_dir, client, out->error, sizeof out->error);
        if (pid > 0) {
            out->two_rate = s_read_rate(client, id, seconds, out->error, sizeof out->error);
            rc = out->two_rate > 0 ? 0 : -1;
            bench_stop_pid(pid);
        }
    }
    free(id);
    hc_client_destroy(&client);
    return rc;
}
