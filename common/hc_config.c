/* hc_config: ZPL file values under environment overrides under explicit
   sets; every lookup names its own default. */
#include "hc_config.h"

#include "hc_log.h"
#include <ctype.h>
#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct _hc_config {
    zconfig_t *root; /* the file's tree, or an empty root */
    zhash_t *sets;   /* path -> value from hc_config_set */
    zhash_t *env;    /* path -> copy of the environment value last returned */
    zlist_t *stale;  /* replaced environment copies, freed at destroy */
};

#define S_FILE_MAX (1024 * 1024)

/* Reads the whole file into a chunk; NULL when it cannot be read. */
static zchunk_t *s_slurp(const char *path, hc_error *err)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        hc_error_set(err, HC_NOT_FOUND, "config", "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    zchunk_t *chunk = zchunk_new(NULL, S_FILE_MAX + 1);
    assert(chunk);
    size_t size = fread(zchunk_data(chunk), 1, S_FILE_MAX + 1, file);
    bool failed = ferror(file) != 0;
    fclose(file);
    if (failed || size > S_FILE_MAX) {
        hc_error_set(err, HC_INVALID_ARGUMENT, "config", "cannot read %s: %s", path,
                     failed ? "read error" : "larger than 1 MiB");
        zchunk_destroy(&chunk);
        return NULL;
    }
    zchunk_set(chunk, zchunk_data(chunk), size);
    return chunk;
}

/* Returns HC_OK with *root loaded, or an error naming what went wrong.
   (zconfig_load leaks its file record on a syntax error, hence the chunk.) */
static int s_load_file(const char *path, zconfig_t **root, hc_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return hc_error_set(err, HC_NOT_FOUND, "config", "cannot read %s: %s", path,
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return hc_error_set(err, HC_INVALID_ARGUMENT, "config", "%s is not a file", path);
    zchunk_t *chunk = s_slurp(path, err);
    if (chunk == NULL)
        return err ? err->code : HC_INVALID_ARGUMENT;
    *root = zchunk_size(chunk) ? zconfig_chunk_load(chunk) : zconfig_new("root", NULL);
    zchunk_destroy(&chunk);
    if (*root == NULL)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "config",
                            "cannot parse %s (ZPL syntax error)", path);
    return HC_OK;
}

hc_config *hc_config_load(const char *path, hc_error *err)
{
    zconfig_t *root = NULL;
    if (path == NULL)
        root = zconfig_new("root", NULL);
    else if (s_load_file(path, &root, err) != HC_OK)
        return NULL;
    hc_config *self = calloc(1, sizeof *self);
    assert(self && root);
    self->root = root;
    self->sets = zhash_new();
    self->env = zhash_new();
    self->stale = zlist_new();
    assert(self->sets && self->env && self->stale);
    zhash_autofree(self->sets);
    return self;
}

static void s_free_env(zhash_t *env)
{
    for (char *value = zhash_first(env); value; value = zhash_next(env))
        free(value);
    zhash_destroy(&env);
}

void hc_config_destroy(hc_config **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    hc_config *self = *self_p;
    zconfig_destroy(&self->root);
    zhash_destroy(&self->sets);
    s_free_env(self->env);
    for (char *old = zlist_first(self->stale); old; old = zlist_next(self->stale))
        free(old);
    zlist_destroy(&self->stale);
    free(self);
    *self_p = NULL;
}

void hc_config_set(hc_config *self, const char *path, const char *value)
{
    assert(self && path);
    if (value == NULL)
        zhash_delete(self->sets, path);
    else
        zhash_update(self->sets, path, (void *)value);
}

/* "gateway/http-port" -> "HCAP_GATEWAY_HTTP_PORT"; false when too long. */
static bool s_env_name(const char *path, char *name, size_t size)
{
    int n = snprintf(name, size, "HCAP_%s", path);
    if (n < 0 || (size_t)n >= size)
        return false;
    for (char *p = name + 5; *p; p++) {
        if (*p == '/' || *p == '-')
            *p = '_';
        else
            *p = (char)toupper((unsigned char)*p);
    }
    return true;
}

/* The environment value of path as a copy the config owns, or NULL. */
static const char *s_env_get(hc_config *self, const char *path)
{
    char name[256];
    if (!s_env_name(path, name, sizeof name))
        return NULL;
    const char *value = getenv(name);
    if (value == NULL)
        return NULL;
    char *cached = zhash_lookup(self->env, path);
    if (cached && strcmp(cached, value) == 0)
        return cached;
    if (cached) {
        zhash_delete(self->env, path);
        zlist_append(self->stale, cached);
    }
    char *copy = strdup(value);
    assert(copy);
    zhash_insert(self->env, path, copy);
    return copy;
}

const char *hc_config_get(hc_config *self, const char *path, const char *default_value)
{
    assert(self && path);
    const char *value = zhash_lookup(self->sets, path);
    if (value)
        return value;
    if ((value = s_env_get(self, path)) != NULL)
        return value;
    zconfig_t *item = zconfig_locate(self->root, path);
    if (item && zconfig_value(item))
        return zconfig_value(item);
    return default_value;
}

int64_t hc_config_int(hc_config *self, const char *path, int64_t default_value)
{
    const char *text = hc_config_get(self, path, NULL);
    if (text == NULL)
        return default_value;
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE) {
        char quoted[128];
        hc_log_warn("config_not_a_number", "key=%s value=%s default=%lld", path,
                    hc_log_quote(text, quoted, sizeof quoted), (long long)default_value);
        return default_value;
    }
    return value;
}

/* The value of flag `--name` at argv[*i] ("--name=V" or "--name V"):
   1 matched (value set, *i advanced), 0 not this flag, -1 value missing. */
static int s_flag_value(char **argv, int argc, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i] + 2;
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

/* Applies argv[*i] (a flag of the table, --config or --help) to config. */
static int s_apply_arg(hc_config *config, const hc_flag *flags, int argc, char **argv, int *i,
                       bool *help, hc_error *err)
{
    const char *arg = argv[*i], *value = NULL;
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
        *help = true;
        return HC_OK;
    }
    if (strncmp(arg, "--", 2) != 0)
        return hc_error_set(err, HC_INVALID_ARGUMENT, arg, "unexpected argument %s", arg);
    int found = s_flag_value(argv, argc, i, "config", &value);
    for (const hc_flag *f = flags; !found && f->name; f++)
        if ((found = s_flag_value(argv, argc, i, f->name, &value)) == 1)
            hc_config_set(config, f->key, value);
    if (found == 0)
        return hc_error_set(err, HC_INVALID_ARGUMENT, arg, "unknown flag %s", arg);
    if (found < 0)
        return hc_error_set(err, HC_INVALID_ARGUMENT, arg, "%s needs a value", arg);
    return HC_OK;
}

/* The --config path, needed before the other flags are applied. */
static const char *s_config_path(int argc, char **argv)
{
    const char *value = NULL;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--", 2) == 0 && s_flag_value(argv, argc, &i, "config", &value) == 1)
            return value;
    return NULL;
}

hc_config *hc_config_from_args(int argc, char **argv, const hc_flag *flags, bool *help,
                               hc_error *err)
{
    *help = false;
    hc_config *self = hc_config_load(s_config_path(argc, argv), err);
    for (int i = 1; self && i < argc; i++)
        if (s_apply_arg(self, flags, argc, argv, &i, help, err) != HC_OK)
            hc_config_destroy(&self);
    return self;
}

char *hc_config_data_dir(hc_config *self, hc_error *err)
{
    const char *dir = hc_config_get(self, "node/data", "./var");
    if (zsys_dir_create("%s", dir) != 0) {
        hc_error_set(err, HC_UNAVAILABLE, "data", "cannot create data directory %s", dir);
        return NULL;
    }
    char *absolute = realpath(dir, NULL);
    if (!absolute)
        hc_error_set(err, HC_UNAVAILABLE, "data", "cannot resolve data directory %s: %s", dir,
                     strerror(errno));
    return absolute;
}
