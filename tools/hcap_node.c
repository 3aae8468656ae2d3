/* hcap-node: the supervisor of one node. Starts the gateway and the
   services of its role (a region's, with an uplink when it has a central
   to feed, or the central node's hub and central reporting) as child
   processes on ipc endpoints under the data directory, restarts a crashed
   one with backoff, loads the demo fund on request and stops them all in
   order on SIGTERM/SIGINT. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "demo.h"
#include "node.h"
#include "gateway.pb-c.h"
#include "hc_client.h"
#include "hc_config.h"
#include "hc_log.h"
#include "hc_msg.h"
#include "hc_time.h"

#define S_BACKOFF_MIN_MS 100
#define S_BACKOFF_MAX_MS 5000
#define S_STABLE_MS      30000 /* up this long: the next crash starts from the minimum again */
#define S_STOP_GRACE_MS  10000
#define S_TICK_MS        100
#define S_HEALTH_MS      1000 /* no answer to Health this long: ask again */
#define S_EARLY_EXITS    5    /* exits before the node was ever ready: give up */
#define S_MAX_ARGS       24

typedef struct {
    const node_process *proc;
    pid_t pid;            /* 0 while not running */
    int64_t started_ms;   /* when the running process was started */
    int64_t restart_at;   /* while not running: when to start it again */
    int64_t backoff_ms;   /* the next restart's delay */
    unsigned early_exits; /* exits while the node was not yet ready */
} s_child;

typedef struct {
    const char *config_path; /* absolute, or NULL */
    char config_abs[PATH_MAX];
    char dir[PATH_MAX];
    const char *http;
    const char *node_id;
    bool demo;
    node_role role;
    char bin_dir[PATH_MAX];
    int lock_fd;
    const node_child_def *defs[NODE_MAX_CHILDREN];
    size_t n_defs;
    node_process procs[NODE_MAX_PROCESSES];
    s_child children[NODE_MAX_PROCESSES]; /* one per procs entry */
    size_t n_children;
    hc_client *health;
    bool ready;
    int64_t health_sent_ms; /* when the pending Health was sent, 0: none */
    uint64_t health_tag;
    /* the demo loader runs in its own thread so supervision goes on */
    pthread_t demo_thread;
    bool demo_started;
    atomic_bool demo_stop;
    atomic_bool demo_finished;
    int demo_rc;
    hc_error demo_err;
    demo_stats demo_stats;
} s_node;

static void s_usage(FILE *out)
{
    fprintf(out, "usage: hcap-node [--config FILE] [--data DIR] [--http ADDR:PORT] "
                 "[--node-id ID] [--demo]\n"
                 "                 [--role region|central] [--listen tcp://ADDR:PORT]\n"
                 "                 [--uplink tcp://ADDR:PORT --central-key FILE]\n"
                 "  --role central --listen EP: the hub regions feed (with a central "
                 "reporting and a gateway)\n"
                 "  --uplink EP --central-key FILE: a region forwarding pseudonymized events "
                 "to that hub\n");
}

/* The flags that set a config key. */
static const struct {
    const char *flag, *key;
} s_keys[] = {
    {"--data", "node/data"},
    {"--http", "node/http"},
    {"--node-id", "node/id"},
    {"--role", "node/role"},
    {"--listen", "central/listen"},
    {"--uplink", "uplink/central"},
    {"--central-key", "uplink/central_key"},
};
#define S_KEYS (sizeof s_keys / sizeof s_keys[0])

/* Sets the key of the flag arg (len characters) to value; false when arg
   is no such flag. */
static bool s_key_flag(hc_config *flags, const char *arg, size_t len, const char *value)
{
    for (size_t k = 0; k < S_KEYS; k++)
        if (strlen(s_keys[k].flag) == len && strncmp(arg, s_keys[k].flag, len) == 0) {
            if (value)
                hc_config_set(flags, s_keys[k].key, value);
            return true;
        }
    return false;
}

/* Parses the flags into config (flags win over file and environment).
   Returns 0, 1 for --help, -1 on a bad flag. */
static int s_args(int argc, char **argv, const char **config_path, hc_config *flags, bool *demo)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return 1;
        if (strcmp(arg, "--demo") == 0) {
            *demo = true;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
        bool matched = s_key_flag(flags, arg, len, value);
        if (!matched && len == 8 && strncmp(arg, "--config", 8) == 0) {
            *config_path = value;
            matched = true;
        }
        if (!matched || !value) {
            fprintf(stderr, "hcap-node: %s: %s\n", arg, matched ? "needs a value" : "unknown flag");
            return -1;
        }
        i += eq ? 0 : 1;
    }
    return 0;
}

/* mkdir -p with mode 0700 for what it creates; 0 or -1 with errno. */
static int s_mkdirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* Writes text to path atomically (a temp file renamed over it). */
static int s_write_file(const char *path, const char *text, mode_t mode)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Takes DIR/node.lock (flock, held for the node's life, not inherited by
   the children). Returns 0, or -1 after telling the user why. */
static int s_lock(s_node *self)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/node.lock", self->dir);
    self->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->lock_fd < 0) {
        fprintf(stderr, "hcap-node: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(self->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(self->lock_fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        fprintf(stderr, "hcap-node: %s is in use by another hcap-node%s%s%s (lock %s)\n", self->dir,
                pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "", path);
        close(self->lock_fd);
        self->lock_fd = -1;
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(self->lock_fd, 0) != 0 || pwrite(self->lock_fd, pid, (size_t)len, 0) != len)
        hc_log_warn("lock_pid_unwritten", "path=%s", path);
    return 0;
}

/* Directory of this executable, where the other binaries are. */
static int s_find_bin_dir(s_node *self)
{
    ssize_t n = readlink("/proc/self/exe", self->bin_dir, sizeof self->bin_dir - 1);
    if (n <= 0)
        return -1;
    self->bin_dir[n] = '\0';
    char *slash = strrchr(self->bin_dir, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    for (size_t i = 0; i < self->n_defs; i++) {
        char path[PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", self->bin_dir, self->defs[i]->binary);
        if (access(path, X_OK) != 0) {
            fprintf(stderr, "hcap-node: cannot run %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* The ipc endpoints live in DIR: their paths must fit a unix socket. */
static int s_check_ipc_paths(const s_node *self)
{
    size_t longest = strlen("gateway.ipc");
    for (size_t i = 0; i < self->n_defs; i++)
        if (strlen(self->defs[i]->name) + strlen("-events.ipc") > longest)
            longest = strlen(self->defs[i]->name) + strlen("-events.ipc");
    size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
    if (strlen(self->dir) + 1 + longest <= max)
        return 0;
    fprintf(stderr,
            "hcap-node: data directory %s is too long for its ipc endpoints "
            "(at most %zu characters)\n",
            self->dir, max - 1 - longest);
    return -1;
}

/* The HTTP address must be free: the gateway listens with SO_REUSEPORT
   (quick restarts), which would let a second node share a port in use.
   Returns 0, or -1 after telling the user. */
static int s_check_http_free(const char *http)
{
    char host[256];
    const char *colon = strrchr(http, ':');
    if (!colon || colon == http || (size_t)(colon - http) >= sizeof host || !colon[1]) {
        fprintf(stderr, "hcap-node: --http %s: want ADDR:PORT\n", http);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - http), http);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *found = NULL;
    int gai = getaddrinfo(host, colon + 1, &hints, &found);
    if (gai != 0) {
        fprintf(stderr, "hcap-node: --http %s: %s\n", http, gai_strerror(gai));
        return -1;
    }
    int rc = 0;
    for (struct addrinfo *ai = found; ai && rc == 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (fd >= 0 && (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1) != 0)) {
            fprintf(stderr, "hcap-node: cannot listen on %s: %s\n", http, strerror(errno));
            rc = -1;
        }
        if (fd >= 0)
            close(fd);
    }
    freeaddrinfo(found);
    return rc;
}

/* Creates DIR (0700), makes it absolute, locks it, finds the binaries and
   writes DIR/gateway.endpoint. Returns 0 or -1 after telling the user. */
static int s_prepare(s_node *self, const char *data)
{
    char resolved[PATH_MAX];
    if (s_mkdirs(data) != 0 || !realpath(data, resolved)) {
        fprintf(stderr, "hcap-node: cannot create data directory %s: %s\n", data, strerror(errno));
        return -1;
    }
    snprintf(self->dir, sizeof self->dir, "%s", resolved);
    if (s_check_ipc_paths(self) != 0 || s_lock(self) != 0 || s_find_bin_dir(self) != 0 ||
        s_check_http_free(self->http) != 0)
        return -1;
    char path[PATH_MAX + 32], endpoint[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/gateway.endpoint", self->dir);
    snprintf(endpoint, sizeof endpoint, "ipc://%s/gateway.ipc\n", self->dir);
    if (s_write_file(path, endpoint, 0644) != 0) {
        fprintf(stderr, "hcap-node: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The services of the table, comma-separated: what the gateway's health
   expects to see registered. */
static void s_service_names(const s_node *self, char *out, size_t size)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < self->n_defs; i++)
        if (self->defs[i]->kind == NODE_SERVICE && at < size)
            at += (size_t)snprintf(out + at, size - at, "%s%s", at ? "," : "", self->defs[i]->name);
}

/* argv for a child, strings in buf (each a fixed slot). */
static void s_child_argv(const s_node *self, const node_process *proc, char buf[][PATH_MAX + 64],
                         char **argv)
{
    const node_child_def *def = proc->def;
    size_t n = 0;
#define S_ARG(...) (snprintf(buf[n], sizeof buf[n], __VA_ARGS__), argv[n] = buf[n], n++)
    S_ARG("%s/%s", self->bin_dir, def->binary);
    if (def->first_arg)
        S_ARG("%s", def->first_arg);
    if (self->config_path) {
        S_ARG("--config");
        S_ARG("%s", self->config_path);
    }
    S_ARG("--data");
    S_ARG("%s", self->dir);
    S_ARG("--node-id");
    S_ARG("%s", self->node_id);
    S_ARG("--broker");
    S_ARG("ipc://%s/broker.ipc", self->dir);
    if (def->kind == NODE_GATEWAY) {
        S_ARG("--http");
        S_ARG("%s", self->http);
        S_ARG("--frontend");
        S_ARG("ipc://%s/gateway.ipc", self->dir);
        S_ARG("--admin-token-file");
        S_ARG("%s/admin.token", self->dir);
        S_ARG("--services");
        s_service_names(self, buf[n], sizeof buf[n]);
        argv[n] = buf[n];
        n++;
    } else {
        S_ARG("--events");
        S_ARG("ipc://%s/%s-events.ipc", self->dir, def->name);
        S_ARG("--bell");
        S_ARG("ipc://%s/%s-bell.ipc", self->dir, def->name);
        S_ARG("--instance");
        S_ARG("%s", proc->instance);
        if (proc->replica)
            S_ARG("--replica");
    }
#undef S_ARG
    argv[n] = NULL;
}

/* In the forked child: its own process group (a terminal's Ctrl-C reaches
   only the node, which stops the children in order), dies with the node,
   stdout joins stderr so the node's stdout carries only its own lines. */
static void s_exec_child(char **argv, pid_t parent)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
        _exit(126);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    close_range(3, ~0U, 0);
    execv(argv[0], argv);
    _exit(127);
}

/* The child's name in the node's log: its instance, or "gateway". */
static const char *s_label(const s_child *child)
{
    return child->proc->instance[0] ? child->proc->instance : child->proc->def->name;
}

static void s_child_start(s_node *self, s_child *child)
{
    char buf[S_MAX_ARGS][PATH_MAX + 64];
    char *argv[S_MAX_ARGS + 1];
    s_child_argv(self, child->proc, buf, argv);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        s_exec_child(argv, parent);
    if (pid < 0) {
        hc_log_error("child_fork_failed", "name=%s error=%d", s_label(child), errno);
        child->restart_at = hc_clock_ms() + child->backoff_ms;
        return;
    }
    child->pid = pid;
    child->started_ms = hc_clock_ms();
    hc_log_info("child_started", "name=%s pid=%ld", s_label(child), (long)pid);
}

static void s_status_text(int status, char *out, size_t size)
{
    if (WIFEXITED(status))
        snprintf(out, size, "exit:%d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, size, "signal:%d", WTERMSIG(status));
    else
        snprintf(out, size, "unknown:%d", status);
}

/* A child ended: schedule its restart with backoff (100 ms doubling to
   5 s; back to 100 ms once it had stayed up 30 s). */
static void s_child_exited(s_node *self, s_child *child, int status)
{
    int64_t now = hc_clock_ms();
    if (now - child->started_ms >= S_STABLE_MS)
        child->backoff_ms = S_BACKOFF_MIN_MS;
    child->pid = 0;
    child->restart_at = now + child->backoff_ms;
    char text[32];
    s_status_text(status, text, sizeof text);
    hc_log_warn("child_exited", "name=%s status=%s restart_in_ms=%lld", s_label(child), text,
                (long long)child->backoff_ms);
    child->backoff_ms =
        child->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : child->backoff_ms * 2;
    if (!self->ready)
        child->early_exits++;
}

/* Reaps every ended child. Returns -1 when one keeps dying before the node
   was ever ready (a port in use, a broken store): no use going on. */
static int s_reap(s_node *self)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (size_t i = 0; i < self->n_children; i++)
            if (self->children[i].pid == pid)
                s_child_exited(self, &self->children[i], status);
    for (size_t i = 0; i < self->n_children; i++)
        if (self->children[i].early_exits >= S_EARLY_EXITS) {
            fprintf(stderr,
                    "hcap-node: %s exited %u times before the node was ready; "
                    "see its log above\n",
                    s_label(&self->children[i]), self->children[i].early_exits);
            return -1;
        }
    return 0;
}

static void s_start_due(s_node *self)
{
    int64_t now = hc_clock_ms();
    for (size_t i = 0; i < self->n_children; i++) {
        s_child *child = &self->children[i];
        if (child->pid == 0 && now >= child->restart_at)
            s_child_start(self, child);
    }
}

/* True when a Health reply lists every service with a live instance. */
static bool s_all_live(const s_node *self, const Hcap__HealthReply *reply)
{
    for (size_t i = 0; i < self->n_defs; i++) {
        if (self->defs[i]->kind == NODE_GATEWAY)
            continue;
        bool live = false;
        for (size_t s = 0; s < reply->n_services; s++)
            live |= strcmp(reply->services[s]->name, self->defs[i]->name) == 0 &&
                    reply->services[s]->instances > 0;
        if (!live)
            return false;
    }
    return true;
}

/* Asks the gateway's Health (no token) until every service has an
   instance, then prints the ready lines. Waits at most S_TICK_MS, so a
   gateway that is not up yet never holds back the restarts. */
static void s_check_ready(s_node *self)
{
    int64_t now = hc_clock_ms();
    hc_error err;
    if (self->health_sent_ms == 0 || now - self->health_sent_ms > S_HEALTH_MS) {
        self->health_sent_ms = now;
        hc_client_send(self->health, ++self->health_tag, "gateway", "Health", NULL, NULL, &err);
    }
    hc_arena *arena = hc_arena_new();
    Hcap__HealthReply *reply = NULL;
    uint64_t tag = 0;
    int rc = hc_client_recv(self->health, &tag, &hcap__health_reply__descriptor, arena,
                            (ProtobufCMessage **)&reply, S_TICK_MS, &err);
    bool answered = tag == self->health_tag; /* tags start at 1: 0 is "nothing came" */
    self->ready = rc == HC_OK && answered && s_all_live(self, reply);
    hc_arena_destroy(&arena);
    if (answered && !self->ready) {
        zclock_sleep(S_TICK_MS); /* not yet: ask again after a tick */
        self->health_sent_ms = 0;
    }
    if (!self->ready)
        return;
    hc_client_destroy(&self->health);
    printf("hcap-node ready: http://%s\n", self->http);
    printf("admin token: %s/admin.token (the dashboard at that URL asks for it)\n", self->dir);
    fflush(stdout);
    hc_log_info("node_ready", "data=%s http=%s", self->dir, self->http);
}

/* Reads the first line of path into out; 0 or -1. */
static int s_read_line(const char *path, char *out, size_t size)
{
    FILE *file = fopen(path, "re");
    if (!file)
        return -1;
    bool ok = fgets(out, (int)size, file) != NULL;
    fclose(file);
    out[strcspn(out, "\r\n")] = '\0';
    return ok && out[0] ? 0 : -1;
}

static void *s_demo_main(void *arg)
{
    s_node *self = arg;
    char path[PATH_MAX + 16], token[256];
    snprintf(path, sizeof path, "%s/admin.token", self->dir);
    self->demo_rc = HC_OK;
    if (s_read_line(path, token, sizeof token) != 0)
        self->demo_rc = hc_error_set(&self->demo_err, HC_FAILED_PRECONDITION, NULL,
                                     "cannot read the admin token %s", path);
    char endpoint[PATH_MAX + 32];
    snprintf(endpoint, sizeof endpoint, "ipc://%s/gateway.ipc", self->dir);
    hc_client *client =
        self->demo_rc == HC_OK ? hc_client_new(endpoint, token, &self->demo_err) : NULL;
    if (self->demo_rc == HC_OK && !client)
        self->demo_rc = self->demo_err.code;
    if (client)
        self->demo_rc = demo_load(client, &self->demo_stop, &self->demo_stats, &self->demo_err);
    hc_client_destroy(&client);
    atomic_store(&self->demo_finished, true);
    return NULL;
}

/* Starts the demo loader once the node is ready (and the fund not loaded
   before), and records the result when it finished. */
static void s_demo_step(s_node *self)
{
    char marker[PATH_MAX + 16];
    snprintf(marker, sizeof marker, "%s/demo.loaded", self->dir);
    if (self->demo && self->ready && !self->demo_started) {
        self->demo = false;
        if (access(marker, F_OK) == 0)
            return;
        hc_log_info("demo_loading", "data=%s", self->dir);
        if (pthread_create(&self->demo_thread, NULL, s_demo_main, self) != 0) {
            hc_log_error("demo_failed", "reason=thread");
            return;
        }
        self->demo_started = true;
    }
    if (!self->demo_started || !atomic_load(&self->demo_finished))
        return;
    pthread_join(self->demo_thread, NULL);
    self->demo_started = false;
    const demo_stats *st = &self->demo_stats;
    if (self->demo_rc != HC_OK) {
        hc_log_error("demo_failed", "code=%s field=%s message=\"%s\"", hc_code_name(self->demo_rc),
                     self->demo_err.field[0] ? self->demo_err.field : "-", self->demo_err.message);
        return;
    }
    char text[256];
    snprintf(text, sizeof text, "requests %zu workers %zu enrollments %zu\n", st->requests,
             st->workers, st->enrollments);
    if (s_write_file(marker, text, 0644) != 0)
        hc_log_error("demo_marker_unwritten", "path=%s error=%d", marker, errno);
    hc_log_info("demo_loaded",
                "requests=%zu employers=%zu programs=%zu cohorts=%zu workers=%zu "
                "enrollments=%zu waitlisted=%zu status_changes=%zu claims=%zu employment=%zu "
                "competencies=%zu credential_types=%zu ladders=%zu credentials=%zu revoked=%zu "
                "prior_learning=%zu apprentices=%zu signoffs=%zu hours_rows=%zu "
                "apprentice_status_changes=%zu apprentice_placements=%zu grants=%zu",
                st->requests, st->employers, st->programs, st->cohorts, st->workers,
                st->enrollments, st->waitlisted, st->status_changes, st->claims, st->employment,
                st->competencies, st->credential_types, st->ladders, st->credentials, st->revoked,
                st->prior_learning, st->apprentices, st->signoffs, st->hours_rows,
                st->apprentice_status_changes, st->apprentice_placements, st->grants);
    /* said again after the loader's log lines, which scroll the first one away */
    printf("demo fund loaded (%zu workers): http://%s, token in %s/admin.token\n", st->workers,
           self->http, self->dir);
    fflush(stdout);
}

static size_t s_running(const s_node *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->n_children; i++)
        n += self->children[i].pid != 0;
    return n;
}

static void s_signal_all(s_node *self, int signum)
{
    for (size_t i = 0; i < self->n_children; i++)
        if (self->children[i].pid != 0)
            kill(self->children[i].pid, signum);
}

/* Orderly stop: the demo loader first, then SIGTERM to every child, up to
   S_STOP_GRACE_MS for them to exit, SIGKILL for the rest. */
static void s_stop(s_node *self)
{
    hc_log_info("node_stopping", "running=%zu", s_running(self));
    if (self->demo_started) {
        atomic_store(&self->demo_stop, true);
        pthread_join(self->demo_thread, NULL);
        self->demo_started = false;
        hc_log_info("demo_interrupted", "requests=%zu resume=\"start again with --demo\"",
                    self->demo_stats.requests);
    }
    s_signal_all(self, SIGTERM);
    int64_t until = hc_clock_ms() + S_STOP_GRACE_MS;
    while (s_running(self) > 0) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        for (size_t i = 0; pid > 0 && i < self->n_children; i++)
            if (self->children[i].pid == pid)
                self->children[i].pid = 0;
        if (pid > 0)
            continue;
        if (hc_clock_ms() >= until) {
            for (size_t i = 0; i < self->n_children; i++)
                if (self->children[i].pid != 0)
                    hc_log_warn("child_killed", "name=%s pid=%ld", s_label(&self->children[i]),
                                (long)self->children[i].pid);
            s_signal_all(self, SIGKILL);
            until = INT64_MAX;
        }
        zclock_sleep(20);
    }
}

/* Supervises until SIGTERM/SIGINT. Returns the exit code. */
static int s_supervise(s_node *self)
{
    int signal_fd = hc_signal_fd();
    char endpoint[PATH_MAX + 32];
    snprintf(endpoint, sizeof endpoint, "ipc://%s/gateway.ipc", self->dir);
    hc_error err;
    self->health = hc_client_new(endpoint, NULL, &err);
    if (!self->health) {
        fprintf(stderr, "hcap-node: %s\n", err.message);
        return 1;
    }
    int rc = 0;
    while (!hc_signal_received()) {
        if (s_reap(self) != 0) {
            rc = 1;
            break;
        }
        s_start_due(self);
        if (!self->ready) {
            s_check_ready(self); /* waits up to a tick for the gateway */
            continue;
        }
        s_demo_step(self);
        struct pollfd pfd = {signal_fd, POLLIN, 0};
        poll(&pfd, signal_fd >= 0 ? 1 : 0, S_TICK_MS);
    }
    hc_client_destroy(&self->health);
    s_stop(self);
    return rc;
}

/* The children inherit HCAP_NODE_PUBLIC_URL (credentialing builds each
   credential's verification_url from it): the node's own HTTP address
   unless the operator set a public one. */
static void s_export_public_url(const char *http)
{
    const char *set = getenv("HCAP_NODE_PUBLIC_URL");
    if (set && *set)
        return;
    char url[512];
    snprintf(url, sizeof url, "http://%s", http);
    if (setenv("HCAP_NODE_PUBLIC_URL", url, 1) != 0)
        hc_log_warn("public_url_unset", "error=%d", errno);
}

/* The config file (or none) with the flags set above it and the
   environment. NULL after telling the user. */
static hc_config *s_config(s_node *self, const char *config_path, hc_config *flags)
{
    hc_error err;
    hc_config *config = hc_config_load(config_path, &err);
    if (!config || (config_path && !realpath(config_path, self->config_abs))) {
        fprintf(stderr, "hcap-node: %s: %s\n", config_path, config ? strerror(errno) : err.message);
        hc_config_destroy(&config);
        return NULL;
    }
    self->config_path = config_path ? self->config_abs : NULL;
    for (size_t k = 0; k < S_KEYS; k++) {
        const char *value = hc_config_get(flags, s_keys[k].key, NULL);
        if (value)
            hc_config_set(config, s_keys[k].key, value);
    }
    return config;
}

/* Runs the node the config describes until it is stopped. Returns the
   exit code. */
static int s_run(s_node *self, hc_config *config)
{
    self->lock_fd = -1;
    self->n_defs = node_role_children(&self->role, self->defs);
    int n = node_scale_plan(config, self->defs, self->n_defs, self->procs);
    if (n < 0)
        return 2;
    self->n_children = (size_t)n;
    for (size_t i = 0; i < self->n_children; i++)
        self->children[i] = (s_child){&self->procs[i], 0, 0, 0, S_BACKOFF_MIN_MS, 0};
    const char *data = hc_config_get(config, "node/data", "var");
    self->http = hc_config_get(config, "node/http", "127.0.0.1:8080");
    self->node_id = hc_config_get(config, "node/id", node_role_default_id(&self->role));
    s_export_public_url(self->http);
    if (node_role_export(&self->role) != 0) {
        fprintf(stderr, "hcap-node: cannot set the children's environment: %s\n", strerror(errno));
        return 1;
    }
    int rc = 1;
    if (s_prepare(self, data) == 0 && node_role_prepare(&self->role, self->dir, self->node_id) == 0)
        rc = s_supervise(self);
    if (self->lock_fd >= 0)
        close(self->lock_fd);
    return rc;
}

int main(int argc, char **argv)
{
    hc_log_init("hcap-node");
    signal(SIGPIPE, SIG_IGN); /* whoever reads our stdout may go away: the node stays */
    hc_config *flags = hc_config_load(NULL, NULL);
    const char *config_path = NULL;
    s_node *self = calloc(1, sizeof *self);
    int rc = flags && self ? s_args(argc, argv, &config_path, flags, &self->demo) : -1;
    if (rc != 0)
        s_usage(rc > 0 ? stdout : stderr);
    hc_config *config = rc == 0 ? s_config(self, config_path, flags) : NULL;
    if (config && node_role_parse(&self->role, config, self->demo) == 0)
        rc = s_run(self, config);
    else
        rc = rc > 0 ? 0 : 2;
    hc_config_destroy(&config);
    hc_config_destroy(&flags);
    free(self);
    return rc;
}
