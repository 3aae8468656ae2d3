/* bench_node: a real node for the measurements (hcap-node in a directory
   on a free loopback port, ready line awaited, stopped with SIGTERM) and
   the gateway path measured on it: CreateWorker through hc_client. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "enrollment.pb-c.h"
#include "hc_client.h"

#define S_READY_MS 60000
#define S_STOP_MS  30000
#define S_CALL_MS  10000

/* A free loopback TCP port (the kernel's choice), or 0. */
static int s_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Reads the node's stdout until its ready line; 0, or -1 on exit/timeout. */
static int s_wait_ready(int fd, int ready_ms)
{
    char buf[4096];
    size_t len = 0;
    int64_t until = bench_now_us() + (int64_t)ready_ms * 1000;
    while (bench_now_us() < until) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, "hcap-node ready:"))
            return 0;
        if (len == sizeof buf - 1)
            len = 0;
    }
    return -1;
}

static int s_read_token(const char *dir, char *out, size_t size)
{
    char path[600];
    snprintf(path, sizeof path, "%s/admin.token", dir);
    FILE *file = fopen(path, "r");
    bool ok = file && fgets(out, (int)size, file);
    if (file)
        fclose(file);
    out[ok ? strcspn(out, "\r\n") : 0] = '\0';
    return ok && out[0] ? 0 : -1;
}

void bench_stop_pid(int pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    int64_t until = bench_now_us() + (int64_t)S_STOP_MS * 1000;
    int status;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (bench_now_us() > until) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(20000);
    }
}

void bench_node_stop(bench_node *node)
{
    bench_stop_pid(node->pid);
    node->pid = 0;
}

int bench_spawn(const char *bin, const char *log, const char *const *argv)
{
    int pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        execvp(bin, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int bench_node_start(bench_node *node, const char *bin_dir, const char *dir, int ready_ms,
                     char *error, size_t size)
{
    memset(node, 0, sizeof *node);
    snprintf(node->dir, sizeof node->dir, "%s", dir);
    char bin[600], http[64], log[600];
    snprintf(bin, sizeof bin, "%s/hcap-node", bin_dir);
    snprintf(http, sizeof http, "127.0.0.1:%d", s_free_port());
    snprintf(log, sizeof log, "%s/node.log", dir);
    int out[2];
    if (pipe(out) != 0)
        return snprintf(error, size, "pipe failed"), -1;
    node->pid = fork();
    if (node->pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(out[1], STDOUT_FILENO);
        if (fd >= 0)
            dup2(fd, STDERR_FILENO);
        close(out[0]);
        execl(bin, bin, "--data", dir, "--http", http, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    int ready = node->pid > 0 ? s_wait_ready(out[0], ready_ms > 0 ? ready_ms : S_READY_MS) : -1;
    close(out[0]);
    if (ready != 0 || s_read_token(dir, node->token, sizeof node->token) != 0) {
        snprintf(error, size, "hcap-node did not get ready (see %s)", log);
        bench_node_stop(node);
        return -1;
    }
    snprintf(node->endpoint, sizeof node->endpoint, "ipc://%s/gateway.ipc", dir);
    return 0;
}

/* The command line of pid with its NULs as spaces; false when unreadable. */
static bool s_cmdline(int pid, char *out, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, out, size - 1);
    close(fd);
    if (n <= 0)
        return false;
    for (ssize_t i = 0; i < n; i++)
        out[i] = out[i] ? out[i] : ' ';
    out[n] = '\0';
    return true;
}

int bench_node_child(const bench_node *node, const char *name)
{
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    int found = 0;
    while (proc && !found && (entry = readdir(proc))) {
        int pid = atoi(entry->d_name);
        char cmd[2048];
        if (pid <= 0 || !s_cmdline(pid, cmd, sizeof cmd))
            continue;
        char *space = strchr(cmd, ' ');
        size_t len = space ? (size_t)(space - cmd) : strlen(cmd);
        const char *base = memrchr(cmd, '/', len);
        base = base ? base + 1 : cmd;
        if ((size_t)(cmd + len - base) == strlen(name) && strncmp(base, name, strlen(name)) == 0 &&
            strstr(cmd, node->dir))
            found = pid;
    }
    if (proc)
        closedir(proc);
    return found;
}

void bench_rss(int pid, long *rss_kb, long *peak_kb)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    *rss_kb = *peak_kb = -1;
    FILE *file = pid > 0 ? fopen(path, "r") : NULL;
    while (file && fgets(line, sizeof line, file)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss_kb = atol(line + 6);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            *peak_kb = atol(line + 6);
    }
    if (file)
        fclose(file);
}

static int s_send(hc_client *client, uint64_t tag, hc_arena *arena)
{
    size_t size;
    uint8_t *payload = bench_worker_payload(tag, &size);
    ProtobufCMessage *in = protobuf_c_message_unpack(&hcap__create_worker_request__descriptor,
                                                     hc_arena_allocator(arena), size, payload);
    free(payload);
    hc_error err;
    return in ? hc_client_send(client, tag, "enrollment", "CreateWorker", in, NULL, &err) : -1;
}

/* BENCH_IN_FLIGHT CreateWorker outstanding for limits->seconds. */
static void s_throughput(hc_client *client, const bench_limits *limits, bench_result *out)
{
    hc_arena *arena = hc_arena_new();
    uint64_t tag = 0;
    size_t in_flight = 0;
    int64_t start = bench_now_us(), until = start + (int64_t)limits->seconds * 1000000;
    while (in_flight < BENCH_IN_FLIGHT && s_send(client, tag++, arena) == HC_OK)
        in_flight++;
    while (in_flight > 0) {
        uint64_t got = UINT64_MAX;
        hc_error err;
        hc_arena_reset(arena);
        int rc = hc_client_recv(client, &got, NULL, arena, NULL, S_CALL_MS, &err);
        if (got == UINT64_MAX) {
            snprintf(out->error, sizeof out->error, "gateway: %s", err.message);
            break;
        }
        in_flight--;
        out->writes += rc == HC_OK;
        out->errors += rc != HC_OK;
        if (rc != HC_OK && !out->error[0])
            snprintf(out->error, sizeof out->error, "CreateWorker: %s: %s", hc_code_name(rc),
                     err.message);
        bool more = bench_now_us() < until &&
                    (limits->max_writes == 0 || out->writes + in_flight < limits->max_writes);
        if (more && s_send(client, tag++, arena) == HC_OK)
            in_flight++;
    }
    out->rate = (double)out->writes * 1e6 / (double)(bench_now_us() - start);
    hc_arena_destroy(&arena);
}

static void s_latency(hc_client *client, const bench_limits *limits, bench_result *out)
{
    hc_arena *arena = hc_arena_new();
    int64_t *samples = calloc(limits->latency_n, sizeof *samples);
    size_t n = 0;
    for (; samples && n < limits->latency_n; n++) {
        size_t size;
        uint8_t *payload = bench_worker_payload(1000000 + n, &size);
        ProtobufCMessage *in = protobuf_c_message_unpack(&hcap__create_worker_request__descriptor,
                                                         hc_arena_allocator(arena), size, payload);
        free(payload);
        hc_error err;
        int64_t t0 = bench_now_us();
        int rc = in ? hc_client_call(client, "enrollment", "CreateWorker", in, NULL, NULL, arena,
                                     NULL, S_CALL_MS, &err)
                    : -1;
        samples[n] = bench_now_us() - t0;
        hc_arena_reset(arena);
        if (rc != HC_OK)
            break;
    }
    out->p50_us = samples ? bench_median(samples, n) : 0;
    free(samples);
    hc_arena_destroy(&arena);
}

int bench_gateway(const bench_node *node, const bench_limits *limits, bench_result *out)
{
    memset(out, 0, sizeof *out);
    hc_error err;
    hc_client *client = hc_client_new(node->endpoint, node->token, &err);
    if (!client)
        return snprintf(out->error, sizeof out->error, "%s", err.message), -1;
    s_throughput(client, limits, out);
    if (!out->error[0])
        s_latency(client, limits, out);
    hc_client_destroy(&client);
    return out->error[0] ? -1 : 0;
}
