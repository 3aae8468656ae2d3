/* ht_run: runs a program (hcapctl) to completion with a timeout, feeding
   stdin and capturing its exit code, stdout and stderr. */
#ifndef HT_RUN_H
#define HT_RUN_H

#include <stddef.h>
#include "ht_node.h"

#define HT_RUN_TIMEOUT_MS 60000

typedef struct {
    int code;  /* exit code; 128+signal when killed; -1 when it timed out */
    char *out; /* stdout, NUL-terminated */
    size_t out_len;
    char *err; /* stderr, NUL-terminated */
    size_t err_len;
} ht_run_result;

/* Runs argv (argv[0] a path) with input on stdin (NULL: /dev/null), waiting
   at most timeout_ms (then SIGKILL). Always fills result; returns its code. */
int ht_run(ht_run_result *result, const char *input, int timeout_ms, char *const argv[]);

/* Runs `HCAP_BIN_DIR/hcapctl --node DIR args...` (args NULL-terminated),
   within HT_RUN_TIMEOUT_MS. Returns the exit code. */
int ht_hcapctl(const ht_node *node, ht_run_result *result, const char *arg, ...)
    __attribute__((sentinel));

/* As ht_hcapctl with an argument vector (argc entries). */
int ht_hcapctl_argv(const ht_node *node, ht_run_result *result, int argc, const char *const *args);

void ht_run_free(ht_run_result *result);

#endif
