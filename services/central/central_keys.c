/* central_keys: the allow-list of node keys in DIR/nodes, read again when
   the directory changes. */
#include "central_keys.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <czmq.h>
#include "hc_keys.h"
#include "hc_log.h"

#define S_SUFFIX   ".pub"
#define S_RACY_SEC 2 /* file times this close to now may hide a second write */

typedef struct {
    char *id;
    uint8_t key[CEN_KEY_SIZE];
    char text[CEN_KEY_TEXT];
} s_entry;

struct _cen_keys {
    char *dir;
    char *signature; /* what the directory looked like at the last read */
    bool racy;       /* a time in it was too recent to trust */
    s_entry *entries;
    size_t count;
};

/* scandir filter: names ending in .pub, not hidden, longer than the suffix. */
static int s_is_pub(const struct dirent *entry)
{
    size_t len = strlen(entry->d_name);
    size_t suffix = strlen(S_SUFFIX);
    return entry->d_name[0] != '.' && len > suffix &&
           strcmp(entry->d_name + len - suffix, S_SUFFIX) == 0;
}

/* The *.pub names, in strcmp order, of dir (*names malloc'd, each entry too); -1 when
   the directory cannot be read. */
static int s_order(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int s_scan(const char *dir, struct dirent ***names)
{
    return scandir(dir, names, s_is_pub, s_order);
}

static void s_names_free(struct dirent **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static bool s_recent(const struct timespec *ts, time_t now)
{
    return ts->tv_sec + S_RACY_SEC >= now;
}

/* Appends path's times, size and inode to out; true when a time is recent. */
static bool s_stat_line(FILE *out, const char *path, const char *name, time_t now)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(out, "%s -\n", name);
        return false;
    }
    fprintf(out, "%s %lld.%ld %lld.%ld %lld %llu\n", name, (long long)st.st_mtim.tv_sec,
            st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
            (long long)st.st_size, (unsigned long long)st.st_ino);
    return s_recent(&st.st_mtim, now) || s_recent(&st.st_ctim, now);
}

/* A text describing the directory as it is now (malloc'd); *racy when a
   time in it is too recent to rule out a second write in the same tick. */
static char *s_signature(const char *dir, bool *racy)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert(out);
    time_t now = time(NULL);
    *racy = s_stat_line(out, dir, ".", now);
    struct dirent **names = NULL;
    int n = s_scan(dir, &names);
    for (int i = 0; i < n; i++) {
        char *path = zsys_sprintf("%s/%s", dir, names[i]->d_name);
        *racy |= s_stat_line(out, path, names[i]->d_name, now);
        zstr_free(&path);
    }
    s_names_free(names, n);
    fclose(out);
    return text;
}

static void s_entries_free(s_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(entries[i].id);
    free(entries);
}

/* Loads dir/name into entry; false (warned) when it is not a certificate. */
static bool s_entry_load(const char *dir, const char *name, s_entry *entry)
{
    char *path = zsys_sprintf("%s/%s", dir, name);
    hc_error err;
    hc_error_clear(&err);
    zcert_t *cert = hc_keys_load_public(path, &err);
    if (cert) {
        entry->id = strndup(name, strlen(name) - strlen(S_SUFFIX));
        memcpy(entry->key, zcert_public_key(cert), CEN_KEY_SIZE);
        snprintf(entry->text, sizeof entry->text, "%s", zcert_public_txt(cert));
    } else {
        char quoted[600];
        hc_log_warn("key_skipped", "path=%s reason=%s", path,
                    hc_log_quote(err.code ? err.message : "not a CURVE certificate file", quoted,
                                 sizeof quoted));
    }
    zcert_destroy(&cert);
    zstr_free(&path);
    return entry->id != NULL;
}

/* The key files of dir now, in name order (*count of them, malloc'd). */
static s_entry *s_read(const char *dir, size_t *count)
{
    struct dirent **names = NULL;
    int n = s_scan(dir, &names);
    s_entry *entries = calloc(n > 0 ? (size_t)n : 1, sizeof *entries);
    assert(entries);
    *count = 0;
    for (int i = 0; i < n; i++)
        if (s_entry_load(dir, names[i]->d_name, &entries[*count]))
            (*count)++;
    s_names_free(names, n);
    return entries;
}

static bool s_same(const s_entry *a, size_t a_count, const s_entry *b, size_t b_count)
{
    if (a_count != b_count)
        return false;
    for (size_t i = 0; i < a_count; i++)
        if (strcmp(a[i].id, b[i].id) != 0 || memcmp(a[i].key, b[i].key, CEN_KEY_SIZE) != 0)
            return false;
    return true;
}

cen_keys *cen_keys_new(const char *dir)
{
    assert(dir);
    cen_keys *self = zmalloc(sizeof *self);
    self->dir = strdup(dir);
    assert(self->dir);
    cen_keys_refresh(self);
    return self;
}

void cen_keys_destroy(cen_keys **self_p)
{
    assert(self_p);
    cen_keys *self = *self_p;
    if (!self)
        return;
    s_entries_free(self->entries, self->count);
    free(self->signature);
    free(self->dir);
    free(self);
    *self_p = NULL;
}

const char *cen_keys_dir(cen_keys *self)
{
    assert(self);
    return self->dir;
}

void cen_keys_refresh(cen_keys *self)
{
    assert(self);
    bool racy = false;
    char *signature = s_signature(self->dir, &racy);
    if (!self->racy && self->signature && strcmp(signature, self->signature) == 0) {
        free(signature);
        return;
    }
    size_t count = 0;
    s_entry *entries = s_read(self->dir, &count);
    bool changed = !self->signature || !s_same(entries, count, self->entries, self->count);
    s_entries_free(self->entries, self->count);
    self->entries = entries;
    self->count = count;
    free(self->signature);
    self->signature = signature;
    self->racy = racy;
    if (changed)
        hc_log_info("keys_reloaded", "dir=%s nodes=%zu", self->dir, count);
}

const char *cen_keys_node_of(cen_keys *self, const uint8_t *key)
{
    assert(self && key);
    for (size_t i = 0; i < self->count; i++)
        if (memcmp(self->entries[i].key, key, CEN_KEY_SIZE) == 0)
            return self->entries[i].id;
    return NULL;
}

bool cen_keys_allows(cen_keys *self, const char *node, const char *key_text)
{
    assert(self && node);
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->entries[i].id, node) == 0)
            return !key_text || strcmp(self->entries[i].text, key_text) == 0;
    return false;
}

size_t cen_keys_size(cen_keys *self)
{
    assert(self);
    return self->count;
}

const char *cen_keys_id(cen_keys *self, size_t index)
{
    assert(self && index < self->count);
    return self->entries[index].id;
}
