/* ctl_restore: `hcapctl restore DIR`, offline: puts a backup's stores and
   files into a node's data directory. Everything that could refuse is
   checked before anything is written: the node is stopped (its locks are
   free), the directory holds no store, the key files there are the
   backup's or absent, every file matches the manifest's sha256. Each
   restored log then gets a new epoch: the followers of the restored node
   (and central, through the uplink) reset and read it again from seq 0
   rather than trust seqs that may now name other events. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ctl.h"
#include "ctl_backup.h"
#include "hc_eventlog.h"
#include "hc_store.h"

#define S_MAX_LOCKS 64

typedef struct {
    const char *node_dir;
    const char *dir;
    json_t *manifest;
    json_t *keep;    /* files already in node_dir with the backup's content */
    json_t *written; /* paths written into node_dir, for a failure to take back */
    json_t *epochs;  /* per restored log: [store, head, old, new] */
    bool made_dir;
    int locks[S_MAX_LOCKS];
    size_t n_locks;
} s_restore;

/* --- the manifest ---------------------------------------------------------- */

static bool s_known_store(const char *name)
{
    for (size_t i = 0; name && ctl_backup_stores[i]; i++)
        if (strcmp(ctl_backup_stores[i], name) == 0)
            return true;
    return false;
}

/* A file the manifest may name: one of ctl_backup_files, or nodes/X.pub
   with X a plain name. secret: restored 0600 whatever the manifest says. */
static bool s_known_file(const char *name, bool *secret)
{
    *secret = false;
    for (size_t i = 0; name && ctl_backup_files[i].name; i++)
        if (strcmp(ctl_backup_files[i].name, name) == 0) {
            *secret = ctl_backup_files[i].secret;
            return true;
        }
    size_t len = name ? strlen(name) : 0;
    return len > 10 && strncmp(name, "nodes/", 6) == 0 && name[6] != '.' &&
           !strchr(name + 6, '/') && strcmp(name + len - 4, ".pub") == 0;
}

static int s_check_stores(json_t *stores, const char *path, hc_error *err)
{
    size_t i;
    json_t *s;
    json_array_foreach(stores, i, s)
    {
        const char *name = json_string_value(json_object_get(s, "name"));
        const char *file = json_string_value(json_object_get(s, "file"));
        char want[64];
        snprintf(want, sizeof want, "%s.db", name ? name : "");
        if (!s_known_store(name) || !file || strcmp(file, want) != 0 ||
            !json_is_string(json_object_get(s, "sha256")))
            return hc_error_set(err, HC_INVALID_ARGUMENT, "stores",
                                "%s: stores[%zu] is not a store", path, i);
    }
    return HC_OK;
}

static int s_check_files(json_t *files, const char *path, hc_error *err)
{
    size_t i;
    json_t *f;
    bool secret;
    json_array_foreach(files, i, f)
    {
        if (!s_known_file(json_string_value(json_object_get(f, "file")), &secret) ||
            !json_is_string(json_object_get(f, "sha256")))
            return hc_error_set(err, HC_INVALID_ARGUMENT, "files",
                                "%s: files[%zu] is not a file a backup holds", path, i);
    }
    return HC_OK;
}

static int s_load_manifest(s_restore *self, hc_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", self->dir, CTL_BACKUP_MANIFEST);
    json_error_t jerr;
    if (access(path, F_OK) != 0)
        return hc_error_set(err, HC_NOT_FOUND, NULL,
                            "%s is missing: %s is no backup, or a backup that did not finish", path,
                            self->dir);
    self->manifest = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!self->manifest)
        return hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "%s: line %d: %s", path, jerr.line,
                            jerr.text);
    const char *format = json_string_value(json_object_get(self->manifest, "format"));
    json_t *stores = json_object_get(self->manifest, "stores");
    json_t *files = json_object_get(self->manifest, "files");
    if (!format || strcmp(format, CTL_BACKUP_FORMAT) != 0 ||
        json_integer_value(json_object_get(self->manifest, "version")) != CTL_BACKUP_VERSION)
        return hc_error_set(err, HC_FAILED_PRECONDITION, "version",
                            "%s is not a manifest this hcapctl reads (format %s version %d)", path,
                            CTL_BACKUP_FORMAT, CTL_BACKUP_VERSION);
    if (!json_is_array(stores) || json_array_size(stores) == 0 || !json_is_array(files))
        return hc_error_set(err, HC_INVALID_ARGUMENT, "stores", "%s lists no store", path);
    int rc = s_check_stores(stores, path, err);
    return rc == HC_OK ? s_check_files(files, path, err) : rc;
}

/* --- what must hold before anything is written ---------------------------- */

/* Takes the flock on path without waiting (kept until the restore ends,
   so no node starts meanwhile). HC_OK when free or absent. */
static int s_lock(s_restore *self, const char *path, const char *who, hc_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return HC_OK;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 || self->n_locks == S_MAX_LOCKS) {
        close(fd);
        return hc_error_set(err, HC_FAILED_PRECONDITION, NULL,
                            "%s is running on %s (it holds %s): stop the node first; restore "
                            "runs offline",
                            who, self->node_dir, path);
    }
    self->locks[self->n_locks++] = fd;
    return HC_OK;
}

static bool s_ends_with(const char *name, const char *end)
{
    size_t len = strlen(name), n = strlen(end);
    return len > n && strcmp(name + len - n, end) == 0;
}

/* The node's lock and every store's (held by the leader of each service). */
static int s_check_locks(s_restore *self, hc_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/node.lock", self->node_dir);
    int rc = s_lock(self, path, "hcap-node", err);
    DIR *d = rc == HC_OK ? opendir(self->node_dir) : NULL;
    struct dirent *entry;
    while (d && rc == HC_OK && (entry = readdir(d))) {
        if (!s_ends_with(entry->d_name, ".db.lock"))
            continue;
        char who[300];
        snprintf(who, sizeof who, "a service (hcap-%.*s)",
                 (int)(strlen(entry->d_name) - strlen(".db.lock")), entry->d_name);
        snprintf(path, sizeof path, "%s/%s", self->node_dir, entry->d_name);
        rc = s_lock(self, path, who, err);
    }
    if (d)
        closedir(d);
    return rc;
}

/* node_dir must hold no store of any kind (a replica's included). */
static int s_check_no_stores(s_restore *self, hc_error *err)
{
    DIR *d = opendir(self->node_dir);
    if (!d)
        return errno == ENOENT ? HC_OK
                               : hc_error_set(err, HC_FAILED_PRECONDITION, NULL, "%s: %s",
                                              self->node_dir, strerror(errno));
    char found[512] = "";
    size_t n = 0;
    struct dirent *entry;
    while ((entry = readdir(d)))
        if (s_ends_with(entry->d_name, ".db") || s_ends_with(entry->d_name, ".db-wal") ||
            s_ends_with(entry->d_name, ".db-shm")) {
            size_t at = strlen(found);
            if (n++ < 4)
                snprintf(found + at, sizeof found - at, "%s%s", at ? ", " : "", entry->d_name);
        }
    closedir(d);
    if (n == 0)
        return HC_OK;
    return hc_error_set(err, HC_FAILED_PRECONDITION, NULL,
                        "%s already holds stores (%s%s): restore writes only into a data "
                        "directory without stores; stop the node and move them (or the whole "
                        "directory) aside first",
                        self->node_dir, found, n > 4 ? ", ..." : "");
}

/* A key file already in node_dir is kept when it is the backup's, and
   refused otherwise (restoring would replace the node's identity). */
static int s_check_present(s_restore *self, json_t *entry, hc_error *err)
{
    const char *file = json_string_value(json_object_get(entry, "file"));
    char path[PATH_MAX], sha[CTL_SHA256_HEX];
    snprintf(path, sizeof path, "%s/%s", self->node_dir, file);
    uint64_t size = 0;
    if (access(path, F_OK) != 0)
        return HC_OK;
    int rc = ctl_sha256_file(path, sha, &size, err);
    if (rc != HC_OK)
        return rc;
    if (strcmp(sha, json_string_value(json_object_get(entry, "sha256"))) != 0)
        return hc_error_set(err, HC_FAILED_PRECONDITION, NULL,
                            "%s differs from the backup's %s: move it aside (or restore into an "
                            "empty directory)",
                            path, file);
    json_array_append_new(self->keep, json_string(file));
    return HC_OK;
}

/* The file of entry in the backup has the manifest's size and sha256. */
static int s_verify_one(s_restore *self, json_t *entry, hc_error *err)
{
    const char *file = json_string_value(json_object_get(entry, "file"));
    const char *want = json_string_value(json_object_get(entry, "sha256"));
    char path[PATH_MAX], sha[CTL_SHA256_HEX];
    snprintf(path, sizeof path, "%s/%s", self->dir, file);
    uint64_t size = 0;
    int rc = ctl_sha256_file(path, sha, &size, err);
    if (rc != HC_OK)
        return rc;
    if (!want || strcmp(sha, want) != 0 ||
        (json_int_t)size != json_integer_value(json_object_get(entry, "size")))
        return hc_error_set(err, HC_DATA_LOSS, NULL,
                            "%s does not match the manifest (sha256 %s, %" PRIu64
                            " bytes; the manifest says %s): the backup is damaged, nothing was "
                            "restored",
                            path, sha, size, want ? want : "-");
    return HC_OK;
}

static int s_verify(s_restore *self, hc_error *err)
{
    const char *lists[] = {"stores", "files"};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        json_t *entry;
        json_array_foreach(json_object_get(self->manifest, lists[l]), i, entry)
        {
            int rc = s_verify_one(self, entry, err);
            if (rc == HC_OK && l == 1)
                rc = s_check_present(self, entry, err);
            if (rc != HC_OK)
                return rc;
        }
    }
    json_t *config = json_object_get(self->manifest, "config");
    return json_is_object(config) ? s_verify_one(self, config, err) : HC_OK;
}

/* --- writing --------------------------------------------------------------- */

static bool s_kept(const s_restore *self, const char *file)
{
    size_t i;
    json_t *kept;
    json_array_foreach(self->keep, i, kept)
    {
        if (strcmp(json_string_value(kept), file) == 0)
            return true;
    }
    return false;
}

/* Copies the backup's file to a temporary name beside its place, checks
   what was copied against the manifest, lets prepare (may be NULL) work
   on the copy, then renames it into place. */
static int s_put(s_restore *self, json_t *entry, mode_t mode,
                 int (*prepare)(s_restore *, json_t *, const char *, hc_error *), hc_error *err)
{
    const char *file = json_string_value(json_object_get(entry, "file"));
    char from[PATH_MAX], tmp[PATH_MAX + 16], to[PATH_MAX], sha[CTL_SHA256_HEX];
    snprintf(from, sizeof from, "%s/%s", self->dir, file);
    snprintf(to, sizeof to, "%s/%s", self->node_dir, file);
    snprintf(tmp, sizeof tmp, "%s.restoring", to);
    uint64_t size = 0;
    unlink(tmp); /* left by a restore that was killed */
    int rc = ctl_copy_file(from, tmp, mode, sha, &size, err);
    if (rc == HC_OK && strcmp(sha, json_string_value(json_object_get(entry, "sha256"))) != 0)
        rc = hc_error_set(err, HC_DATA_LOSS, NULL, "%s changed while it was restored", from);
    if (rc == HC_OK && prepare)
        rc = prepare(self, entry, tmp, err);
    if (rc == HC_OK && rename(tmp, to) != 0)
        rc = hc_error_set(err, HC_INTERNAL, NULL, "cannot rename %s to %s: %s", tmp, to,
                          strerror(errno));
    if (rc != HC_OK)
        unlink(tmp);
    else
        json_array_append_new(self->written, json_string(to));
    return rc;
}

/* A restored store with a log gets a new epoch before it takes its place. */
static int s_new_epoch(s_restore *self, json_t *entry, const char *tmp, hc_error *err)
{
    json_t *log = json_object_get(entry, "log");
    if (!json_is_object(log))
        return HC_OK;
    hc_store *store = hc_store_open_existing(tmp, err);
    if (!store)
        return err->code;
    char old[HC_EPOCH_SIZE], fresh[HC_EPOCH_SIZE];
    int rc = hc_eventlog_renew_epoch(store, old, fresh, err);
    hc_store_destroy(&store);
    if (rc != HC_OK)
        return rc;
    /* The copy holds no epoch (a backup leaves it out): the old one is the
       manifest's. */
    const char *was = json_string_value(json_object_get(log, "epoch"));
    json_array_append_new(self->epochs,
                          json_pack("[s I s s]", json_string_value(json_object_get(entry, "name")),
                                    json_integer_value(json_object_get(log, "head")),
                                    old[0] ? old : (was && *was ? was : "-"), fresh));
    return HC_OK;
}

static int s_make_dirs(s_restore *self, hc_error *err)
{
    if (mkdir(self->node_dir, 0700) == 0)
        self->made_dir = true;
    else if (errno != EEXIST)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot create %s: %s", self->node_dir,
                            strerror(errno));
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(self->manifest, "files"), i, f)
    {
        if (strncmp(json_string_value(json_object_get(f, "file")), "nodes/", 6) != 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/nodes", self->node_dir);
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return hc_error_set(err, HC_INTERNAL, NULL, "cannot create %s: %s", path,
                                strerror(errno));
        break;
    }
    return HC_OK;
}

/* The mode a file is restored with: 0600 for a secret, else the
   manifest's (public files), never more than 0644. */
static mode_t s_file_mode(json_t *entry)
{
    bool secret = false;
    s_known_file(json_string_value(json_object_get(entry, "file")), &secret);
    const char *text = json_string_value(json_object_get(entry, "mode"));
    mode_t mode = text ? (mode_t)strtol(text, NULL, 8) & 0644 : 0644;
    return secret ? 0600 : mode;
}

static int s_write(s_restore *self, hc_error *err)
{
    int rc = s_make_dirs(self, err);
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(self->manifest, "stores"), i, entry)
    {
        if (rc == HC_OK)
            rc = s_put(self, entry, 0600, s_new_epoch, err);
    }
    json_array_foreach(json_object_get(self->manifest, "files"), i, entry)
    {
        const char *file = json_string_value(json_object_get(entry, "file"));
        if (rc == HC_OK && !s_kept(self, file))
            rc = s_put(self, entry, s_file_mode(entry), NULL, err);
    }
    char nodes[PATH_MAX];
    snprintf(nodes, sizeof nodes, "%s/nodes", self->node_dir);
    if (rc == HC_OK && (ctl_sync_dir(self->node_dir) != 0 ||
                        (access(nodes, F_OK) == 0 && ctl_sync_dir(nodes) != 0)))
        rc = hc_error_set(err, HC_INTERNAL, NULL, "cannot sync %s: %s", self->node_dir,
                          strerror(errno));
    return rc;
}

/* --- the command ----------------------------------------------------------- */

static void s_take_back(s_restore *self)
{
    for (size_t i = json_array_size(self->written); i > 0; i--)
        unlink(json_string_value(json_array_get(self->written, i - 1)));
    if (self->made_dir) {
        char nodes[PATH_MAX];
        snprintf(nodes, sizeof nodes, "%s/nodes", self->node_dir);
        rmdir(nodes);
        rmdir(self->node_dir);
    }
}

static void s_summary(const s_restore *self, FILE *out)
{
    json_t *m = self->manifest;
    fprintf(out, "restored %s (node %s, backup of %s) into %s\n", self->dir,
            json_string_value(json_object_get(m, "node")),
            json_string_value(json_object_get(m, "created_at")), self->node_dir);
    fprintf(out, "  %-16s %10s  %s\n", "log", "head", "epoch: old -> new");
    size_t i;
    json_t *row;
    json_array_foreach(self->epochs, i, row)
    {
        fprintf(
            out, "  %-16s %10" JSON_INTEGER_FORMAT "  %s -> %s\n",
            json_string_value(json_array_get(row, 0)), json_integer_value(json_array_get(row, 1)),
            json_string_value(json_array_get(row, 2)), json_string_value(json_array_get(row, 3)));
    }
    fprintf(out, "%zu stores, %zu files (%zu already in place)\n",
            json_array_size(json_object_get(m, "stores")),
            json_array_size(json_object_get(m, "files")), json_array_size(self->keep));
    json_t *config = json_object_get(m, "config");
    if (json_is_object(config))
        fprintf(out,
                "the node's config file (%s) is in the backup as %s/%s: put it back where "
                "hcap-node --config reads it\n",
                json_string_value(json_object_get(config, "from")), self->dir,
                json_string_value(json_object_get(config, "file")));
    fprintf(out, "start the node: each follower sees its producer's new epoch, resets and reads "
                 "the log again from seq 0 (reporting rebuilds its read model)\n");
}

int ctl_restore(const char *node_dir, const char *dir, FILE *out)
{
    assert(node_dir && dir && out);
    s_restore self = {.node_dir = node_dir, .dir = dir};
    self.keep = json_array();
    self.written = json_array();
    self.epochs = json_array();
    hc_error err;
    hc_error_clear(&err);
    int rc = s_load_manifest(&self, &err);
    if (rc == HC_OK)
        rc = s_check_locks(&self, &err);
    if (rc == HC_OK)
        rc = s_check_no_stores(&self, &err);
    if (rc == HC_OK)
        rc = s_verify(&self, &err);
    if (rc == HC_OK && (rc = s_write(&self, &err)) != HC_OK)
        s_take_back(&self);
    if (rc == HC_OK)
        s_summary(&self, out);
    else
        ctl_print_error(&err);
    for (size_t i = 0; i < self.n_locks; i++)
        close(self.locks[i]);
    json_decref(self.manifest);
    json_decref(self.keep);
    json_decref(self.written);
    json_decref(self.epochs);
    return rc == HC_OK ? 0 : 1;
}
