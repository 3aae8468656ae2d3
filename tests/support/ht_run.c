/* ht_run: fork/exec with pipes for stdin, stdout and stderr, pumped with
   poll until the child closes them or the deadline passes. */
#include "ht_run.h"
#include "ht_os.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    int fd;
    char *data;
    size_t len, cap;
} s_sink;

static void s_child(int in_rd, int out_wr, int err_wr, char *const argv[])
{
    if (dup2(in_rd, 0) < 0 || dup2(out_wr, 1) < 0 || dup2(err_wr, 2) < 0)
        _exit(127);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Reads what is there; closes the sink's fd at EOF. */
static void s_drain(s_sink *sink)
{
    char buf[16384];
    ssize_t n = read(sink->fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        close(sink->fd);
        sink->fd = -1;
        return;
    }
    if (sink->len + (size_t)n + 1 > sink->cap) {
        sink->cap = (sink->len + (size_t)n + 1) * 2;
        sink->data = realloc(sink->data, sink->cap);
    }
    memcpy(sink->data + sink->len, buf, (size_t)n);
    sink->len += (size_t)n;
}

/* Pumps input into in_fd and the outputs into sinks until all are closed. */
static void s_pump(int in_fd, const char *input, s_sink sinks[2], int64_t deadline)
{
    size_t input_len = input ? strlen(input) : 0, sent = 0;
    if (in_fd >= 0 && input_len == 0) {
        close(in_fd);
        in_fd = -1;
    }
    while ((sinks[0].fd >= 0 || sinks[1].fd >= 0) && ht_now_ms() < deadline) {
        struct pollfd fds[3] = {{.fd = sinks[0].fd, .events = POLLIN},
                                {.fd = sinks[1].fd, .events = POLLIN},
                                {.fd = in_fd, .events = POLLOUT}};
        if (poll(fds, 3, 50) <= 0)
            continue;
        for (int i = 0; i < 2; i++)
            if (fds[i].revents)
                s_drain(&sinks[i]);
        if (fds[2].revents) {
            ssize_t n = write(in_fd, input + sent, input_len - sent);
            if (n > 0)
                sent += (size_t)n;
            if ((n < 0 && errno != EINTR && errno != EAGAIN) || sent == input_len) {
                close(in_fd);
                in_fd = -1;
            }
        }
    }
    if (in_fd >= 0)
        close(in_fd);
}

static char *s_take(s_sink *sink, size_t *len)
{
    if (sink->fd >= 0)
        close(sink->fd);
    *len = sink->len;
    char *text = sink->data ? sink->data : malloc(1);
    text[sink->len] = 0;
    return text;
}

int ht_run(ht_run_result *result, const char *input, int timeout_ms, char *const argv[])
{
    memset(result, 0, sizeof *result);
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
        abort();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        s_child(in[0], out[1], err[1], argv);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    int64_t deadline = ht_now_ms() + timeout_ms;
    s_sink sinks[2] = {{.fd = out[0]}, {.fd = err[0]}};
    s_pump(in[1], input, sinks, deadline);
    int64_t left = deadline - ht_now_ms();
    result->code = ht_wait_pid(pid, left > 0 ? (int)left : 0);
    if (result->code < 0) {
        kill(pid, SIGKILL);
        ht_wait_pid(pid, 5000);
        result->code = -1;
    }
    result->out = s_take(&sinks[0], &result->out_len);
    result->err = s_take(&sinks[1], &result->err_len);
    return result->code;
}

int ht_hcapctl_argv(const ht_node *node, ht_run_result *result, int argc, const char *const *args)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/hcapctl", HCAP_BIN_DIR);
    char **argv = calloc((size_t)argc + 4, sizeof *argv);
    argv[0] = bin;
    argv[1] = "--node";
    argv[2] = (char *)node->dir;
    for (int i = 0; i < argc; i++)
        argv[3 + i] = (char *)args[i];
    int code = ht_run(result, NULL, HT_RUN_TIMEOUT_MS, argv);
    free(argv);
    return code;
}

int ht_hcapctl(const ht_node *node, ht_run_result *result, const char *arg, ...)
{
    const char *args[64];
    int argc = 0;
    va_list list;
    va_start(list, arg);
    for (const char *a = arg; a && argc < 64; a = va_arg(list, const char *))
        args[argc++] = a;
    va_end(list);
    return ht_hcapctl_argv(node, result, argc, args);
}

void ht_run_free(ht_run_result *result)
{
    free(result->out);
    free(result->err);
    memset(result, 0, sizeof *result);
}
