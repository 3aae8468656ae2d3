/* ht_node: a real hcap-node under test. A small keeper process (forked from
   the test) starts the node, drains its stdout, reports "ready" and the
   exit code, and never exits before the test lets it go: Criterion's
   runner must not see a foreign child die while tests run. */
#include "ht_node.h"
#include "ht_http.h"
#include "ht_os.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_READY_LINE "hcap-node ready:"

/* Writes a short report line to fd (async-signal-safe enough for a fork). */
static void s_report(int fd, const char *fmt, ...)
{
    char line[64];
    va_list args;
    va_start(args, fmt);
    int len = vsnprintf(line, sizeof line, fmt, args);
    va_end(args);
    if (len > 0 && write(fd, line, (size_t)len) < 0)
        return;
}

static void s_exec_node(int out_wr, const char *dir, char *const argv[])
{
    setpgid(0, 0);
    char path[256];
    snprintf(path, sizeof path, "%s/node.log", dir);
    int log = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (log < 0 || null < 0 || dup2(out_wr, 1) < 0 || dup2(log, 2) < 0 || dup2(null, 0) < 0)
        _exit(127);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    _exit(127);
}

/* Appends stdout bytes to the copy and reports the ready line once. */
static void s_scan_output(const char *data, size_t size, int copy, int report, char *line,
                          size_t *line_len, bool *ready)
{
    if (copy >= 0 && write(copy, data, size) < 0)
        copy = -1;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n' || *line_len + 1 >= 512) {
            line[*line_len] = 0;
            if (!*ready && strstr(line, S_READY_LINE)) {
                *ready = true;
                s_report(report, "ready\n");
            }
            *line_len = 0;
        } else
            line[(*line_len)++] = data[i];
    }
}

typedef struct {
    pid_t node;
    bool alive;
    int code;
    bool stopping;
    int64_t kill_at;
} s_keep;

static void s_keeper_check(s_keep *keep, int report)
{
    int status = 0;
    if (keep->alive && waitpid(keep->node, &status, WNOHANG) == keep->node) {
        keep->alive = false;
        keep->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        s_report(report, "exit %d\n", keep->code);
    }
    if (keep->alive && keep->stopping && ht_now_ms() >= keep->kill_at) {
        kill(-keep->node, SIGKILL);
        kill(keep->node, SIGKILL);
        keep->kill_at = ht_now_ms() + 1000;
    }
}

/* The keeper's whole life; never returns. */
static void s_keeper(int ctl, int report, const char *dir, char *const argv[])
{
    int out[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        _exit(126);
    s_keep keep = {.alive = true, .code = -1};
    keep.node = fork();
    if (keep.node == 0)
        s_exec_node(out[1], dir, argv);
    close(out[1]);
    s_report(report, "pid %d\n", (int)keep.node);
    char path[256], line[512], buf[4096];
    snprintf(path, sizeof path, "%s/node.out", dir);
    int copy = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    size_t line_len = 0;
    bool ready = false;
    int out_rd = out[0];
    while (keep.alive || !keep.stopping) {
        struct pollfd fds[2] = {{.fd = ctl, .events = POLLIN}, {.fd = out_rd, .events = POLLIN}};
        poll(fds, 2, 50);
        if (fds[1].revents) {
            ssize_t n = read(out_rd, buf, sizeof buf);
            if (n > 0)
                s_scan_output(buf, (size_t)n, copy, report, line, &line_len, &ready);
            else if (n == 0 || errno != EINTR)
                out_rd = -1;
        }
        if (fds[0].revents && ctl >= 0) {
            ctl = -1; /* EOF: the test wants the node stopped */
            keep.stopping = true;
            keep.kill_at = ht_now_ms() + HT_STOP_TIMEOUT_MS;
            if (keep.alive)
                kill(keep.node, SIGTERM);
        }
        s_keeper_check(&keep, report);
    }
    _exit(keep.code < 0 ? 255 : keep.code);
}

/* Reads the keeper's reports until "ready", "exit" or the deadline. */
static int s_await_ready(ht_node *self, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    char buf[256];
    size_t len = 0;
    while (ht_now_ms() < deadline) {
        struct pollfd pfd = {.fd = self->status_fd, .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t n = read(self->status_fd, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = 0;
        char *pid = strstr(buf, "pid ");
        if (pid && self->pid == 0)
            self->pid = (pid_t)atoi(pid + 4);
        if (strstr(buf, "exit "))
            return -1;
        if (strstr(buf, "ready\n"))
            return 0;
        if (len >= sizeof buf - 1)
            len = 0;
    }
    fprintf(stderr, "ht_node: no ready line within %d ms\n", timeout_ms);
    return -1;
}

static int s_read_token(ht_node *self)
{
    char path[256];
    snprintf(path, sizeof path, "%s/admin.token", self->dir);
    for (int i = 0; i < 200; i++) {
        char *text = ht_read_file(path, NULL);
        if (text) {
            size_t len = strcspn(text, " \t\r\n");
            if (len > 0 && len < sizeof self->token) {
                memcpy(self->token, text, len);
                self->token[len] = 0;
                free(text);
                return 0;
            }
            free(text);
        }
        ht_sleep_ms(10);
    }
    fprintf(stderr, "ht_node: no token in %s\n", path);
    return -1;
}

/* argv of the node: the prefix, hcap-node, --data, --http, the extra
   flags, --demo. Strings in bin (the binary's path) and self. */
static void s_node_argv(ht_node *self, bool demo, char *bin, size_t size, char **argv)
{
    size_t n = 0;
    for (size_t i = 0; i < HT_NODE_MAX_ARGS && self->prefix[i]; i++)
        argv[n++] = self->prefix[i];
    snprintf(bin, size, "%s/hcap-node", HCAP_BIN_DIR);
    argv[n++] = bin;
    argv[n++] = "--data";
    argv[n++] = self->dir;
    argv[n++] = "--http";
    argv[n++] = self->http;
    for (size_t i = 0; i < HT_NODE_MAX_ARGS && self->args[i]; i++)
        argv[n++] = self->args[i];
    if (demo)
        argv[n++] = "--demo";
    argv[n] = NULL;
}

/* In a new keeper: closes every descriptor but stdio and its two pipe
   ends, above all the ends of other nodes' control pipes, whose EOF must
   reach their own keepers when the test closes them. */
static void s_close_others(int a, int b)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo > 3)
        close_range(3, (unsigned)lo - 1, 0);
    if (hi > lo + 1)
        close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
    close_range((unsigned)hi + 1, ~0U, 0);
}

/* Forks the keeper, which starts the node; does not wait for it. */
static int s_launch(ht_node *self, bool demo)
{
    self->port = ht_free_port();
    snprintf(self->http, sizeof self->http, "127.0.0.1:%d", self->port);
    char bin[512];
    char *argv[2 * HT_NODE_MAX_ARGS + 8];
    s_node_argv(self, demo, bin, sizeof bin, argv);
    int ctl[2], status[2];
    if (pipe2(ctl, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(status, O_CLOEXEC) < 0) {
        close(ctl[0]);
        close(ctl[1]);
        return -1;
    }
    fflush(NULL);
    self->keeper = fork();
    if (self->keeper == 0) {
        s_close_others(ctl[0], status[1]);
        s_keeper(ctl[0], status[1], self->dir, argv);
    }
    close(ctl[0]);
    close(status[1]);
    self->ctl_fd = ctl[1];
    self->status_fd = status[0];
    self->pid = 0;
    return self->keeper < 0 ? -1 : 0;
}

static int s_spawn(ht_node *self, bool demo)
{
    if (s_launch(self, demo) != 0 || s_await_ready(self, HT_READY_TIMEOUT_MS) != 0 ||
        s_read_token(self) != 0)
        return -1;
    return 0;
}

static void s_print_log(const ht_node *self)
{
    char *log = ht_node_log(self);
    size_t len = strlen(log);
    const char *tail = len > 4000 ? log + len - 4000 : log;
    fprintf(stderr, "---- %s/node.log (tail) ----\n%s\n----\n", self->dir, tail);
    free(log);
}

/* What the command line of the node and of each of its children holds
   ("--data DIR "), and another node's does not even when it names a file
   in DIR (a region's --central-key DIR/node.pub). */
static void s_data_needle(const ht_node *self, char *out, size_t size)
{
    snprintf(out, size, "--data %s ", self->dir);
}

/* Ends the keeper (and so the node) by force and forgets both. */
static void s_reap_all(ht_node *self)
{
    if (self->pid > 0) {
        kill(-self->pid, SIGKILL);
        kill(self->pid, SIGKILL);
    }
    if (self->ctl_fd >= 0)
        close(self->ctl_fd);
    if (self->keeper > 0 && ht_wait_pid(self->keeper, 10000) < 0) {
        kill(self->keeper, SIGKILL);
        ht_wait_pid(self->keeper, 5000);
    }
    if (self->status_fd >= 0)
        close(self->status_fd);
    self->ctl_fd = self->status_fd = -1;
    self->keeper = self->pid = 0;
    char needle[sizeof self->dir + 16];
    s_data_needle(self, needle, sizeof needle);
    for (int i = 0; i < 3 && ht_kill_matching(needle) > 0; i++)
        ht_sleep_ms(50);
}

/* A node on dir (NULL: a new temporary directory) with copies of prefix
   and args; NULL when the directory cannot be made. */
static ht_node *s_node_new(const char *dir, const char *const *prefix, const char *const *args)
{
    ht_node *self = calloc(1, sizeof *self);
    self->ctl_fd = self->status_fd = -1;
    char *temp = dir ? NULL : ht_tempdir();
    if (!dir && !temp) {
        free(self);
        return NULL;
    }
    snprintf(self->dir, sizeof self->dir, "%s", dir ? dir : temp);
    self->owns_dir = !dir;
    free(temp);
    for (size_t i = 0; prefix && prefix[i] && i + 1 < HT_NODE_MAX_ARGS; i++)
        self->prefix[i] = strdup(prefix[i]);
    for (size_t i = 0; args && args[i] && i + 1 < HT_NODE_MAX_ARGS; i++)
        self->args[i] = strdup(args[i]);
    return self;
}

ht_node *ht_node_launch(const char *dir, const char *const *prefix, const char *const *args)
{
    ht_node *self = s_node_new(dir, prefix, args);
    if (self && s_launch(self, false) != 0) {
        fprintf(stderr, "ht_node: cannot launch hcap-node in %s\n", self->dir);
        ht_node_destroy(&self);
    }
    return self;
}

int ht_node_await(ht_node *self)
{
    if (s_await_ready(self, HT_READY_TIMEOUT_MS) == 0 && s_read_token(self) == 0)
        return 0;
    fprintf(stderr, "ht_node: hcap-node did not start in %s\n", self->dir);
    s_print_log(self);
    return -1;
}

ht_node *ht_node_start_argv(const char *dir, const char *const *prefix, const char *const *args)
{
    ht_node *self = s_node_new(dir, prefix, args);
    if (self && s_spawn(self, false) != 0) {
        fprintf(stderr, "ht_node: hcap-node did not start in %s\n", self->dir);
        s_print_log(self);
        ht_node_destroy(&self);
    }
    return self;
}

ht_node *ht_node_start(const char *dir, bool demo)
{
    ht_node *self = s_node_new(dir, NULL, NULL);
    if (self && s_spawn(self, demo) != 0) {
        fprintf(stderr, "ht_node: hcap-node did not start in %s\n", self->dir);
        s_print_log(self);
        ht_node_destroy(&self);
    }
    return self;
}

int ht_node_restart(ht_node *self, bool demo)
{
    s_reap_all(self);
    if (s_spawn(self, demo) != 0) {
        fprintf(stderr, "ht_node: hcap-node did not restart in %s\n", self->dir);
        s_print_log(self);
        return -1;
    }
    return 0;
}

int ht_node_stop(ht_node *self)
{
    if (self->keeper <= 0)
        return -1;
    close(self->ctl_fd);
    self->ctl_fd = -1;
    int code = ht_wait_pid(self->keeper, HT_STOP_TIMEOUT_MS + 10000);
    if (code < 0) {
        s_reap_all(self);
        return -1;
    }
    close(self->status_fd);
    self->status_fd = -1;
    self->keeper = self->pid = 0;
    return code == 255 ? -1 : code;
}

void ht_node_kill(ht_node *self)
{
    if (self->pid > 0)
        kill(self->pid, SIGKILL);
}

void ht_node_destroy(ht_node **self_p)
{
    if (!self_p || !*self_p)
        return;
    ht_node *self = *self_p;
    s_reap_all(self);
    if (self->owns_dir)
        ht_rmtree(self->dir);
    for (size_t i = 0; i < HT_NODE_MAX_ARGS; i++) {
        free(self->prefix[i]);
        free(self->args[i]);
    }
    free(self);
    *self_p = NULL;
}

pid_t ht_node_child(const ht_node *self, const char *name)
{
    char needle[sizeof self->dir + 16];
    s_data_needle(self, needle, sizeof needle);
    return ht_find_pid(name, needle);
}

pid_t ht_node_child_arg(const ht_node *self, const char *name, const char *arg)
{
    char needle[sizeof self->dir + 16];
    s_data_needle(self, needle, sizeof needle);
    pid_t pids[64];
    int count = ht_find_pids(name, needle, pids, 64);
    for (int i = 0; i < count; i++) {
        char *cmdline = ht_proc_cmdline(pids[i]);
        bool match = cmdline && strstr(cmdline, arg);
        free(cmdline);
        if (match)
            return pids[i];
    }
    return 0;
}

pid_t ht_node_spawn(const ht_node *self, const char *program, const char *const *args)
{
    char bin[512], log_path[256];
    snprintf(bin, sizeof bin, "%s/%s", HCAP_BIN_DIR, program);
    snprintf(log_path, sizeof log_path, "%s/spawned.log", self->dir);
    char *argv[HT_NODE_MAX_ARGS + 4];
    size_t n = 0;
    argv[n++] = bin;
    argv[n++] = "--data";
    argv[n++] = (char *)self->dir;
    for (size_t i = 0; args && args[i] && n + 1 < sizeof argv / sizeof *argv; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDONLY);
        if (log < 0 || null < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0 || dup2(null, 0) < 0)
            _exit(127);
        close_range(3, ~0U, 0);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        execv(bin, argv);
        _exit(127);
    }
    return pid;
}

bool ht_node_wait_healthy(const ht_node *self, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    while (ht_now_ms() < deadline) {
        ht_req req = {.method = "GET", .path = "/healthz", .timeout_ms = 2000};
        ht_resp resp;
        int status = ht_http(self, &req, &resp);
        ht_resp_free(&resp);
        if (status == 200)
            return true;
        ht_sleep_ms(100);
    }
    return false;
}

char *ht_node_log(const ht_node *self)
{
    char path[256];
    snprintf(path, sizeof path, "%s/node.log", self->dir);
    char *log = ht_read_file(path, NULL);
    return log ? log : strdup("");
}

/* --- the shared node: started in Criterion's runner, found by tests through
   the environment (the runner's children inherit it) --- */

#define S_SHARED_ENV "HT_SHARED_NODE"

static ht_node *s_runner_node;

void ht_shared_start(bool demo)
{
    s_runner_node = ht_node_start(NULL, demo);
    if (!s_runner_node) {
        setenv(S_SHARED_ENV, "failed", 1);
        return;
    }
    char value[400];
    snprintf(value, sizeof value, "%d %d %s", s_runner_node->port, (int)s_runner_node->pid,
             s_runner_node->dir);
    setenv(S_SHARED_ENV, value, 1);
}

void ht_shared_stop(void)
{
    if (!s_runner_node)
        return;
    int code = ht_node_stop(s_runner_node);
    if (code != 0) {
        fprintf(stderr, "ht_node: the shared hcap-node exited with %d, not 0\n", code);
        s_print_log(s_runner_node);
    }
    ht_node_destroy(&s_runner_node);
    if (code != 0) {
        fflush(NULL);
        _exit(1);
    }
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    ht_shared_stop();
}

ht_node *ht_shared(void)
{
    static ht_node node;
    const char *value = getenv(S_SHARED_ENV);
    cr_assert(value && strcmp(value, "failed") != 0, "the shared hcap-node did not start");
    if (node.port == 0) {
        int pid = 0, used = 0;
        cr_assert(sscanf(value, "%d %d %n", &node.port, &pid, &used) == 2);
        node.pid = (pid_t)pid;
        snprintf(node.dir, sizeof node.dir, "%s", value + used);
        snprintf(node.http, sizeof node.http, "127.0.0.1:%d", node.port);
        node.ctl_fd = node.status_fd = -1;
        node.shared = true;
        cr_assert(s_read_token(&node) == 0, "no admin token in %s", node.dir);
    }
    return &node;
}
