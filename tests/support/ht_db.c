/* ht_db: read-only SQLite access to a node's stores for assertions. */
#include "ht_db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BUSY_MS 10000

struct _ht_db {
    sqlite3 *db;
    char path[256];
};

ht_db *ht_db_open(const char *dir, const char *file)
{
    ht_db *self = calloc(1, sizeof *self);
    snprintf(self->path, sizeof self->path, "%s/%s", dir, file);
    int rc = sqlite3_open_v2(self->path, &self->db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "ht_db: cannot open %s: %s\n", self->path,
                self->db ? sqlite3_errmsg(self->db) : sqlite3_errstr(rc));
        ht_db_close(&self);
        return NULL;
    }
    sqlite3_busy_timeout(self->db, S_BUSY_MS);
    return self;
}

void ht_db_close(ht_db **self_p)
{
    if (!self_p || !*self_p)
        return;
    sqlite3_close((*self_p)->db);
    free(*self_p);
    *self_p = NULL;
}

static sqlite3_stmt *s_prepare(ht_db *self, const char *sql, const char *arg)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(self->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        fprintf(stderr, "ht_db: %s: %s: %s\n", self->path, sql, sqlite3_errmsg(self->db));
        return NULL;
    }
    if (arg)
        sqlite3_bind_text(stmt, 1, arg, -1, SQLITE_TRANSIENT);
    return stmt;
}

int64_t ht_db_int(ht_db *self, const char *sql, const char *arg)
{
    sqlite3_stmt *stmt = s_prepare(self, sql, arg);
    if (!stmt)
        return -1;
    int64_t value = -1;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    else
        fprintf(stderr, "ht_db: %s: %s: no row (%s)\n", self->path, sql, sqlite3_errstr(rc));
    sqlite3_finalize(stmt);
    return value;
}

char **ht_db_strings(ht_db *self, const char *sql, const char *arg, size_t *count)
{
    sqlite3_stmt *stmt = s_prepare(self, sql, arg);
    if (!stmt)
        return NULL;
    size_t n = 0, cap = 16;
    char **rows = malloc(cap * sizeof *rows);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n + 1 >= cap)
            rows = realloc(rows, (cap *= 2) * sizeof *rows);
        const unsigned char *text = sqlite3_column_text(stmt, 0);
        rows[n++] = strdup(text ? (const char *)text : "");
    }
    rows[n] = NULL;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "ht_db: %s: %s: %s\n", self->path, sql, sqlite3_errstr(rc));
        ht_db_strings_free(rows);
        return NULL;
    }
    if (count)
        *count = n;
    return rows;
}

void ht_db_strings_free(char **rows)
{
    for (size_t i = 0; rows && rows[i]; i++)
        free(rows[i]);
    free(rows);
}

long ht_db_scan(ht_db *self, const char *sql, const char *arg, ht_db_row_fn *fn, void *fn_arg)
{
    sqlite3_stmt *stmt = s_prepare(self, sql, arg);
    if (!stmt)
        return -1;
    long rows = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const void *data = sqlite3_column_blob(stmt, 0);
        fn(fn_arg, data ? data : "", (size_t)sqlite3_column_bytes(stmt, 0));
        rows++;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "ht_db: %s: %s: %s\n", self->path, sql, sqlite3_errstr(rc));
        return -1;
    }
    return rows;
}

bool ht_db_log_gapless(ht_db *self, int64_t *head, char *why, size_t size)
{
    sqlite3_stmt *stmt = s_prepare(
        self,
        "SELECT count(*), count(DISTINCT seq), coalesce(min(seq), 0), coalesce(max(seq), 0) "
        "FROM events",
        NULL);
    if (!stmt || sqlite3_step(stmt) != SQLITE_ROW) {
        snprintf(why, size, "%s: events cannot be read", self->path);
        sqlite3_finalize(stmt);
        return false;
    }
    int64_t count = sqlite3_column_int64(stmt, 0), distinct = sqlite3_column_int64(stmt, 1);
    int64_t low = sqlite3_column_int64(stmt, 2), high = sqlite3_column_int64(stmt, 3);
    sqlite3_finalize(stmt);
    *head = high;
    bool gapless = count == distinct && count == high && (count == 0 || low == 1);
    snprintf(why, size, "%s: %lld events (%lld distinct seqs), seq %lld..%lld", self->path,
             (long long)count, (long long)distinct, (long long)low, (long long)high);
    return gapless;
}
