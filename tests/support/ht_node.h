/* ht_node: runs a real hcap-node for integration tests: in a temporary data
   directory, on a free loopback port, waiting (bounded) for its ready line;
   stops it with SIGTERM and reports its exit code; kills it or one of its
   children; shares one node among all tests of a binary (HT_SHARED_NODE). */
#ifndef HT_NODE_H
#define HT_NODE_H

#include <stdbool.h>
#include <sys/types.h>

#define HT_READY_TIMEOUT_MS 90000 /* sanitizer builds on a busy 2-core machine */
#define HT_STOP_TIMEOUT_MS  30000
#define HT_NODE_MAX_ARGS    16

typedef struct {
    char dir[128];   /* the node's data directory (absolute) */
    char http[64];   /* "127.0.0.1:PORT" */
    int port;        /* HTTP port */
    char token[160]; /* DIR/admin.token */
    pid_t pid;       /* hcap-node */
    pid_t keeper;    /* our helper process that drains the node's stdout and reaps it */
    int ctl_fd;      /* closing it asks the keeper to stop the node */
    int status_fd;   /* the keeper's reports: "pid N", "ready", "exit N" */
    bool owns_dir;   /* remove dir on destroy */
    bool shared;     /* the binary's shared node: tests may not stop it */
    char *prefix[HT_NODE_MAX_ARGS]; /* run hcap-node under this ("ip netns exec NS"), or none */
    char *args[HT_NODE_MAX_ARGS];   /* more flags of hcap-node ("--role" "central" ...) */
} ht_node;

/* Starts `hcap-node --data DIR --http 127.0.0.1:PORT [--demo]` with stdout
   drained (copied to DIR/node.out) and stderr appended to DIR/node.log,
   and waits for its `hcap-node ready:` line and DIR/admin.token. dir NULL:
   a new temporary directory, removed by ht_node_destroy. NULL on failure
   (the reason and the node's log on stderr; nothing left running). */
ht_node *ht_node_start(const char *dir, bool demo);

/* As ht_node_start with more flags for hcap-node (args, NULL-terminated,
   e.g. {"--role", "central", "--listen", EP, NULL}) and, when prefix is
   not NULL, under the command prefix (NULL-terminated, e.g. {"ip",
   "netns", "exec", NS, NULL}: it must exec hcap-node in its own pid).
   Both are copied and used again by ht_node_restart. */
ht_node *ht_node_start_argv(const char *dir, const char *const *prefix, const char *const *args);

/* ht_node_start_argv in two halves, to start several nodes at once:
   launch returns as soon as hcap-node runs (NULL when it could not be
   forked), await waits for its ready line (0, or -1 after printing its
   log; the node is then left for ht_node_destroy). */
ht_node *ht_node_launch(const char *dir, const char *const *prefix, const char *const *args);
int ht_node_await(ht_node *self);

/* Starts hcap-node again in the same directory after ht_node_stop or
   ht_node_kill (on a new port). 0, or -1 as ht_node_start. */
int ht_node_restart(ht_node *self, bool demo);

/* SIGTERM to hcap-node, waits (at most HT_STOP_TIMEOUT_MS, then SIGKILL).
   Returns its exit code, 128+signal when a signal ended it, -1 when it
   could not be stopped. */
int ht_node_stop(ht_node *self);

/* SIGKILL to hcap-node alone (its children are left to fend for themselves). */
void ht_node_kill(ht_node *self);

/* Kills whatever is still running (node, children, any process whose
   command line has `--data DIR`), removes the directory when it was
   ours, frees; accepts NULL, nulls *self_p. */
void ht_node_destroy(ht_node **self_p);

/* Pid of the live child `name` (e.g. "hcap-enrollment") running with
   `--data DIR` of this node, or 0. */
pid_t ht_node_child(const ht_node *self, const char *name);

/* As ht_node_child, the live child `name` whose command line also holds
   arg ("--replica ", "--instance enrollment-1 "; arguments end in a
   space), or 0. */
pid_t ht_node_child_arg(const ht_node *self, const char *name, const char *arg);

/* Starts `HCAP_BIN_DIR/program --data DIR args...` (args NULL-terminated,
   may be NULL) beside the node, as a child of the caller, with stdout and
   stderr appended to DIR/spawned.log: another instance or a replica of a
   service. Its pid (reap it with ht_proc_end; ht_node_destroy kills it
   too), or -1 when it could not be forked. */
pid_t ht_node_spawn(const ht_node *self, const char *program, const char *const *args);

/* Polls GET /healthz until it answers 200, at most timeout_ms; true if it did. */
bool ht_node_wait_healthy(const ht_node *self, int timeout_ms);

/* The node's stderr log (malloc'd, "" when none). */
char *ht_node_log(const ht_node *self);

/* Shared node: HT_SHARED_NODE(demo) at file scope starts one node before
   all tests of the binary (in Criterion's runner); a POST_ALL hook in
   ht_node.c stops it after them, failing the binary when it does not
   exit 0. ht_shared() gives it to a
   test (asserting it started). */
void ht_shared_start(bool demo);
void ht_shared_stop(void);
ht_node *ht_shared(void);

#define HT_SHARED_NODE(demo)                                                                       \
    ReportHook(PRE_ALL)(struct criterion_test_set * ht_set_)                                       \
    {                                                                                              \
        (void)ht_set_;                                                                             \
        ht_shared_start(demo);                                                                     \
    }

#endif
