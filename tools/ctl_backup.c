/* ctl_backup: `hcapctl backup DIR`: an online copy of a node's data
   directory. Every primary store's snapshot is pinned (a read transaction
   each, one right after the other) before any is copied, so the copies
   hold the node as it was at one moment; each is copied in one step of
   SQLite's backup API while the services go on writing (WAL), checked
   with quick_check, hashed; the key files follow; manifest.json is
   written last, so a backup without one never passes for a good one. */
#include "ctl_backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ctl.h"
#include "hc_eventlog.h"
#include "hc_id.h"
#include "hc_keys.h"
#include "hc_store.h"
#include "hc_time.h"

const char *const ctl_backup_stores[] = {"reporting",  "uplink",  "apprenticeship", "credentialing",
                                         "enrollment", "gateway", "central",        NULL};

const ctl_backup_file ctl_backup_files[] = {
    {"node.key", true},      {"node.pub", false},   {"signing.key", true},  {"signing.pub", false},
    {"uplink.secret", true}, {"admin.token", true}, {"demo.loaded", false}, {NULL, false},
};

#define S_MAX_STORES 8
#define S_CONFIG     "node.config" /* the config file's name in a backup */

/* --- files and their sha256 ------------------------------------------------ */

static int s_write_all(int fd, const uint8_t *data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

/* Reads in to its end, hashing, and writes it to out unless out is -1
   (then it only hashes); 0 or -1 (errno). */
static int s_copy_fd(int in, int out, char hex[CTL_SHA256_HEX], uint64_t *size)
{
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    static uint8_t buf[1 << 16];
    uint64_t total = 0;
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (out >= 0 && s_write_all(out, buf, (size_t)n) != 0)
            return -1;
        crypto_hash_sha256_update(&state, buf, (unsigned long long)n);
        total += (uint64_t)n;
    }
    if (n < 0 || (out >= 0 && fsync(out) != 0))
        return -1;
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state, digest);
    hc_hex(digest, sizeof digest, hex);
    *size = total;
    return 0;
}

int ctl_sha256_file(const char *path, char hex[CTL_SHA256_HEX], uint64_t *size, hc_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hc_error_set(err, errno == ENOENT ? HC_NOT_FOUND : HC_INTERNAL, NULL,
                            "cannot read %s: %s", path, strerror(errno));
    int rc = s_copy_fd(fd, -1, hex, size);
    int saved = errno;
    close(fd);
    if (rc != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot read %s: %s", path, strerror(saved));
    return HC_OK;
}

int ctl_copy_file(const char *from, const char *to, mode_t mode, char hex[CTL_SHA256_HEX],
                  uint64_t *size, hc_error *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot read %s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (out < 0) {
        int saved = errno;
        close(in);
        return hc_error_set(err, saved == EEXIST ? HC_ALREADY_EXISTS : HC_INTERNAL, NULL,
                            "cannot create %s: %s", to, strerror(saved));
    }
    /* The umask may have taken bits away; a public file keeps its mode. */
    int rc = fchmod(out, mode) == 0 ? s_copy_fd(in, out, hex, size) : -1;
    int saved = errno;
    close(in);
    if (close(out) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0)
        return HC_OK;
    unlink(to);
    return hc_error_set(err, HC_INTERNAL, NULL, "cannot copy %s to %s: %s", from, to,
                        strerror(saved));
}

int ctl_sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* --- the backup ---------------------------------------------------------- */

typedef struct {
    const char *name;
    hc_store *store;
    bool pinned; /* its snapshot's read transaction is open */
    int user_version;
    hc_eventlog_info log;
    json_t *cursors;
    char sha256[CTL_SHA256_HEX];
    uint64_t size;
} s_store;

typedef struct {
    const char *node_dir;
    const char *dir;
    bool made_dir;
    bool writing; /* dir was taken: a failure now says no backup was written */
    char node_abs[PATH_MAX];
    s_store stores[S_MAX_STORES];
    size_t n_stores;
    json_t *files;   /* the manifest's "files" */
    json_t *config;  /* the manifest's "config", or NULL */
    json_t *written; /* paths written into dir, for a failure to take back */
    char node[HC_SOURCE_SIZE];
    char created_at[HC_TIMESTAMP_SIZE];
    int64_t started_ms;
} s_backup;

/* dir must be new (made 0700) or an empty directory (set to 0700: it
   will hold secrets). HC_OK, or HC_FAILED_PRECONDITION naming it. */
static int s_prepare_dir(s_backup *self, hc_error *err)
{
    if (mkdir(self->dir, 0700) == 0) {
        self->made_dir = true;
        return HC_OK;
    }
    if (errno != EEXIST)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot create %s: %s", self->dir,
                            strerror(errno));
    DIR *d = opendir(self->dir);
    if (!d)
        return hc_error_set(err, HC_FAILED_PRECONDITION, NULL, "%s: %s", self->dir,
                            strerror(errno));
    struct dirent *entry;
    char first[256] = "";
    while (!first[0] && (entry = readdir(d)))
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            snprintf(first, sizeof first, "%s", entry->d_name);
    closedir(d);
    if (first[0])
        return hc_error_set(err, HC_FAILED_PRECONDITION, NULL,
                            "%s is not empty (it holds %s): a backup goes into a new or empty "
                            "directory",
                            self->dir, first);
    if (chmod(self->dir, 0700) != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot chmod %s: %s", self->dir,
                            strerror(errno));
    return HC_OK;
}

/* Opens every primary store the node directory holds. */
static int s_open_stores(s_backup *self, hc_error *err)
{
    for (size_t i = 0; ctl_backup_stores[i]; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.db", self->node_dir, ctl_backup_stores[i]);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        s_store *s = &self->stores[self->n_stores++];
        s->name = ctl_backup_stores[i];
        if (!(s->store = hc_store_open_existing(path, err)))
            return err->code;
    }
    if (self->n_stores == 0)
        return hc_error_set(err, HC_NOT_FOUND, NULL,
                            "%s holds no store (enrollment.db, gateway.db, ...): is it a node's "
                            "data directory? (hcapctl --node DIR backup ...)",
                            self->node_dir);
    return HC_OK;
}

/* Pins every store's snapshot, one right after the other. */
static int s_pin(s_backup *self, hc_error *err)
{
    for (size_t i = 0; i < self->n_stores; i++) {
        int rc = hc_store_begin_snapshot(self->stores[i].store, err);
        if (rc != HC_OK)
            return rc;
        self->stores[i].pinned = true;
    }
    return HC_OK;
}

static int s_user_version_row(void *arg, int n, const char *const *columns)
{
    if (n > 0 && columns[0])
        *(int *)arg = atoi(columns[0]);
    return 0;
}

static int s_cursor_row(void *arg, int n, const char *const *columns)
{
    if (n < 4)
        return 1;
    json_array_append_new((json_t *)arg,
                          json_pack("{ss ss ss sI}", "follower", columns[0] ? columns[0] : "",
                                    "source", columns[1] ? columns[1] : "", "epoch",
                                    columns[2] ? columns[2] : "", "seq",
                                    (json_int_t)(columns[3] ? strtoll(columns[3], NULL, 10) : 0)));
    return 0;
}

/* What the manifest says of a store, read in its pinned snapshot: the
   same state the copy holds. */
static int s_read_store(s_store *s, hc_error *err)
{
    int rc = hc_store_each_row(s->store, "PRAGMA user_version", s_user_version_row,
                               &s->user_version, err);
    if (rc == HC_OK)
        rc = hc_eventlog_inspect(s->store, &s->log, err);
    s->cursors = json_array();
    if (rc == HC_OK && hc_store_has_table(s->store, "hc_cursors"))
        rc = hc_store_each_row(s->store,
                               "SELECT follower, source, epoch, seq FROM hc_cursors"
                               " ORDER BY follower",
                               s_cursor_row, s->cursors, err);
    return rc;
}

static void s_written(s_backup *self, const char *path)
{
    json_array_append_new(self->written, json_string(path));
}

/* Copies a pinned store into dir, then lets its snapshot go. */
static int s_copy_store(s_backup *self, s_store *s, hc_error *err)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s/%s.db", self->dir, s->name);
    int rc = s_read_store(s, err);
    if (rc == HC_OK && (rc = hc_store_backup(s->store, copy, err)) == HC_OK)
        s_written(self, copy);
    /* A store holds personal data: only the owner reads the copy. */
    if (rc == HC_OK && chmod(copy, 0600) != 0)
        rc = hc_error_set(err, HC_INTERNAL, NULL, "cannot chmod %s: %s", copy, strerror(errno));
    hc_store_rollback(s->store);
    s->pinned = false;
    if (rc == HC_OK)
        rc = ctl_sha256_file(copy, s->sha256, &s->size, err);
    return rc;
}

/* The node's id: the first source a log recorded ("<node>/<service>"),
   else the name in node.pub, else "local". */
static void s_node_id(s_backup *self)
{
    snprintf(self->node, sizeof self->node, "%s", "local");
    for (size_t i = 0; i < self->n_stores; i++) {
        const char *source = self->stores[i].log.source;
        const char *slash = strrchr(source, '/');
        if (slash && slash > source) {
            snprintf(self->node, sizeof self->node, "%.*s", (int)(slash - source), source);
            return;
        }
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/node.pub", self->node_dir);
    hc_error err;
    zcert_t *cert = access(path, F_OK) == 0 ? hc_keys_load_public(path, &err) : NULL;
    const char *name = cert ? zcert_meta(cert, "name") : NULL;
    if (name && *name)
        snprintf(self->node, sizeof self->node, "%s", name);
    zcert_destroy(&cert);
}

/* Copies one file of the node (relative name) into dir with the entry
   for the manifest appended to self->files. */
static int s_copy_node_file(s_backup *self, const char *name, bool secret, hc_error *err)
{
    char from[PATH_MAX], to[PATH_MAX];
    snprintf(from, sizeof from, "%s/%s", self->node_dir, name);
    snprintf(to, sizeof to, "%s/%s", self->dir, name);
    struct stat st;
    if (stat(from, &st) != 0 || !S_ISREG(st.st_mode))
        return HC_OK;
    mode_t mode = secret ? 0600 : (st.st_mode & 0777);
    char sha[CTL_SHA256_HEX], octal[8];
    uint64_t size = 0;
    int rc = ctl_copy_file(from, to, mode, sha, &size, err);
    if (rc != HC_OK)
        return rc;
    s_written(self, to);
    snprintf(octal, sizeof octal, "%04o", (unsigned)mode);
    json_array_append_new(self->files, json_pack("{ss sI ss ss}", "file", name, "size",
                                                 (json_int_t)size, "mode", octal, "sha256", sha));
    return HC_OK;
}

/* A central node's allow-list: nodes/ *.pub. */
static int s_copy_nodes(s_backup *self, hc_error *err)
{
    char from[PATH_MAX], to[PATH_MAX];
    snprintf(from, sizeof from, "%s/nodes", self->node_dir);
    DIR *d = opendir(from);
    if (!d)
        return HC_OK;
    snprintf(to, sizeof to, "%s/nodes", self->dir);
    int rc = mkdir(to, 0700) == 0 ? HC_OK
                                  : hc_error_set(err, HC_INTERNAL, NULL, "cannot create %s: %s", to,
                                                 strerror(errno));
    struct dirent *entry;
    while (rc == HC_OK && (entry = readdir(d))) {
        size_t len = strlen(entry->d_name);
        if (entry->d_name[0] == '.' || len < 5 || strcmp(entry->d_name + len - 4, ".pub") != 0)
            continue;
        char name[PATH_MAX];
        snprintf(name, sizeof name, "nodes/%s", entry->d_name);
        rc = s_copy_node_file(self, name, false, err);
    }
    closedir(d);
    return rc;
}

static int s_copy_files(s_backup *self, hc_error *err)
{
    int rc = HC_OK;
    for (size_t i = 0; rc == HC_OK && ctl_backup_files[i].name; i++)
        rc = s_copy_node_file(self, ctl_backup_files[i].name, ctl_backup_files[i].secret, err);
    return rc == HC_OK ? s_copy_nodes(self, err) : rc;
}

/* The config file the node runs with lives outside its data directory:
   it comes when named, as node.config, and restore leaves it for the
   operator to put back. */
static int s_copy_config(s_backup *self, const char *config_path, hc_error *err)
{
    char to[PATH_MAX], abs[PATH_MAX], sha[CTL_SHA256_HEX];
    snprintf(to, sizeof to, "%s/%s", self->dir, S_CONFIG);
    if (!realpath(config_path, abs))
        return hc_error_set(err, HC_NOT_FOUND, "config", "--config %s: %s", config_path,
                            strerror(errno));
    uint64_t size = 0;
    int rc = ctl_copy_file(abs, to, 0600, sha, &size, err);
    if (rc != HC_OK)
        return rc;
    s_written(self, to);
    self->config = json_pack("{ss ss sI ss}", "file", S_CONFIG, "from", abs, "size",
                             (json_int_t)size, "sha256", sha);
    return HC_OK;
}

/* --- the manifest ---------------------------------------------------------- */

static json_t *s_store_json(const s_backup *self, const s_store *s)
{
    char file[64];
    snprintf(file, sizeof file, "%s.db", s->name);
    json_t *store =
        json_pack("{ss ss sI ss si}", "name", s->name, "file", file, "size", (json_int_t)s->size,
                  "sha256", s->sha256, "user_version", s->user_version);
    json_t *log = json_null();
    if (s->log.present) {
        char source[HC_SOURCE_SIZE + 64];
        if (s->log.source[0])
            snprintf(source, sizeof source, "%s", s->log.source);
        else
            snprintf(source, sizeof source, "%s/%s", self->node, s->name);
        log = json_pack("{ss ss sI}", "source", source, "epoch", s->log.epoch, "head",
                        (json_int_t)s->log.head);
    }
    json_object_set_new(store, "log", log);
    json_object_set(store, "cursors", s->cursors);
    return store;
}

static json_t *s_manifest(const s_backup *self, double seconds)
{
    json_t *stores = json_array();
    for (size_t i = 0; i < self->n_stores; i++)
        json_array_append_new(stores, s_store_json(self, &self->stores[i]));
    json_t *manifest = json_pack("{ss si ss ss ss sf so sO}", "format", CTL_BACKUP_FORMAT,
                                 "version", CTL_BACKUP_VERSION, "node", self->node, "created_at",
                                 self->created_at, "node_dir", self->node_abs, "seconds", seconds,
                                 "stores", stores, "files", self->files);
    json_object_set(manifest, "config", self->config ? self->config : json_null());
    return manifest;
}

/* Writes the manifest to a temporary file, syncs it and renames it into
   place, then syncs dir: it appears whole or not at all. */
static int s_write_manifest(s_backup *self, json_t *manifest, hc_error *err)
{
    char tmp[PATH_MAX], path[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", self->dir, CTL_BACKUP_MANIFEST);
    snprintf(path, sizeof path, "%s/%s", self->dir, CTL_BACKUP_MANIFEST);
    char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    int fd = text ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    bool ok = fd >= 0 && s_write_all(fd, (const uint8_t *)text, strlen(text)) == 0 &&
              s_write_all(fd, (const uint8_t *)"\n", 1) == 0 && fsync(fd) == 0;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    free(text);
    if (ok && rename(tmp, path) == 0 && ctl_sync_dir(self->dir) == 0)
        return HC_OK;
    saved = errno ? errno : saved;
    unlink(tmp);
    unlink(path);
    return hc_error_set(err, HC_INTERNAL, NULL, "cannot write %s: %s", path, strerror(saved));
}

/* --- the command ----------------------------------------------------------- */

/* A failure takes back what was written (never leaving a manifest). */
static void s_take_back(s_backup *self)
{
    for (size_t i = json_array_size(self->written); i > 0; i--)
        unlink(json_string_value(json_array_get(self->written, i - 1)));
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/nodes", self->dir);
    rmdir(path);
    if (self->made_dir)
        rmdir(self->dir);
}

static void s_close(s_backup *self)
{
    for (size_t i = 0; i < self->n_stores; i++) {
        if (self->stores[i].pinned)
            hc_store_rollback(self->stores[i].store);
        hc_store_destroy(&self->stores[i].store);
        json_decref(self->stores[i].cursors);
    }
    json_decref(self->files);
    json_decref(self->config);
    json_decref(self->written);
}

static void s_summary(const s_backup *self, FILE *out, double seconds)
{
    uint64_t bytes = 0;
    fprintf(out, "backup of %s (node %s) into %s at %s\n", self->node_dir, self->node, self->dir,
            self->created_at);
    fprintf(out, "  %-16s %12s %10s  %s\n", "store", "bytes", "log head", "epoch");
    for (size_t i = 0; i < self->n_stores; i++) {
        const s_store *s = &self->stores[i];
        char head[32] = "-";
        if (s->log.present)
            snprintf(head, sizeof head, "%" PRIu64, s->log.head);
        fprintf(out, "  %-16s %12" PRIu64 " %10s  %s\n", s->name, s->size, head,
                s->log.present && s->log.epoch[0] ? s->log.epoch : "-");
        bytes += s->size;
    }
    fprintf(out, "%zu stores, %zu files%s, %.1f MB in %.2f s; manifest %s/%s\n", self->n_stores,
            json_array_size(self->files), self->config ? " and the config" : "",
            (double)bytes / 1e6, seconds, self->dir, CTL_BACKUP_MANIFEST);
}

static int s_run(s_backup *self, const char *config_path, hc_error *err)
{
    if (!realpath(self->node_dir, self->node_abs))
        return hc_error_set(err, HC_NOT_FOUND, NULL, "--node %s: %s", self->node_dir,
                            strerror(errno));
    int rc = s_open_stores(self, err);
    if (rc == HC_OK)
        rc = s_prepare_dir(self, err);
    self->writing = rc == HC_OK;
    if (rc == HC_OK) {
        hc_now_rfc3339(self->created_at);
        rc = s_pin(self, err);
    }
    for (size_t i = 0; rc == HC_OK && i < self->n_stores; i++)
        rc = s_copy_store(self, &self->stores[i], err);
    if (rc == HC_OK)
        rc = s_copy_files(self, err);
    if (rc == HC_OK && config_path)
        rc = s_copy_config(self, config_path, err);
    return rc;
}

int ctl_backup(const char *node_dir, const char *dir, const char *config_path, FILE *out)
{
    assert(node_dir && dir && out);
    s_backup self = {.node_dir = node_dir, .dir = dir, .started_ms = hc_clock_ms()};
    self.files = json_array();
    self.written = json_array();
    hc_error err;
    hc_error_clear(&err);
    int rc = s_run(&self, config_path, &err);
    double seconds = (double)(hc_clock_ms() - self.started_ms) / 1000.0;
    if (rc == HC_OK) {
        s_node_id(&self);
        json_t *manifest = s_manifest(&self, seconds);
        rc = s_write_manifest(&self, manifest, &err);
        json_decref(manifest);
    }
    if (rc == HC_OK)
        s_summary(&self, out, seconds);
    else
        s_take_back(&self);
    s_close(&self);
    if (rc != HC_OK)
        ctl_print_error(&err);
    if (rc != HC_OK && self.writing)
        fprintf(stderr,
                "hcapctl: the backup failed: what it had copied into %s is removed and no "
                "manifest was written\n",
                dir);
    return rc == HC_OK ? 0 : 1;
}
