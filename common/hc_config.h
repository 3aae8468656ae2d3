/* hc_config: one ZPL file (CZMQ zconfig), every key with a default given at
   the call site; environment variables override the file and explicit sets
   override both. Key "gateway/http" maps to HCAP_GATEWAY_HTTP. */
#ifndef HC_CONFIG_H
#define HC_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include "hc_error.h"

typedef struct _hc_config hc_config;

/* Loads path (NULL: no file, defaults and environment only). Returns NULL and
   fills err when the file cannot be read or parsed. */
hc_config *hc_config_load(const char *path, hc_error *err);

/* Destroys *self_p and sets it to NULL; accepts NULL. */
void hc_config_destroy(hc_config **self_p);

/* Sets path to value, above file and environment (command-line flags). */
void hc_config_set(hc_config *self, const char *path, const char *value);

/* The value of path: set > environment > file > default_value. The string
   is owned by the config and valid until the next set of the same key. */
const char *hc_config_get(hc_config *self, const char *path, const char *default_value);

/* The value of path as an integer; default_value when absent. Returns
   default_value and logs a warning when the text is not a number. */
int64_t hc_config_int(hc_config *self, const char *path, int64_t default_value);

/* A command-line flag that takes a value and sets a config key:
   {"data", "node/data"} turns `--data DIR` into node/data. Tables end with
   {NULL, NULL}. */
typedef struct {
    const char *name;
    const char *key;
} hc_flag;

/* A process's configuration from its command line: loads the file named by
   --config (or none), then sets every flag of the table given, above file
   and environment. Sets *help when --help was given. Returns NULL and fills
   err on an unknown flag, a missing value or a stray argument
   (HC_INVALID_ARGUMENT naming it), or a bad config file. */
hc_config *hc_config_from_args(int argc, char **argv, const hc_flag *flags, bool *help,
                               hc_error *err);

/* The data directory (node/data, default ./var), created when missing and
   made absolute: malloc'd, or NULL with err filled. */
char *hc_config_data_dir(hc_config *self, hc_error *err);

#endif
