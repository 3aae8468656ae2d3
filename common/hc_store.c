/* hc_store: one SQLite connection per thread with the house pragmas, numbered
   migrations, a prepared-statement cache, transactions and savepoints. */
#include "hc_store.h"

#include <ctype.h>
#include <czmq.h>
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hc_field.h"
#include "hc_log.h"
#include "hc_time.h"

#define S_BUSY_TIMEOUT_MS 5000
#define S_SAVEPOINT       "hc_sp"

#define S_RECENT 64 /* slots of the by-address statement cache */

struct _hc_store {
    sqlite3 *db;
    char *path;
    zhashx_t *stmts; /* SQL text -> sqlite3_stmt */
    bool relaxed;    /* the open transaction was begun relaxed */
    /* Callers pass string literals, so the text's address finds its
       statement without hashing the text (a hot path: several per
       request); a slot is checked against the statement's own text. */
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } recent[S_RECENT];
};

static void s_stmt_finalize(void **item)
{
    if (item && *item) {
        sqlite3_finalize((sqlite3_stmt *)*item);
        *item = NULL;
    }
}

/* Runs a cached, parameterless statement to completion; returns the
   sqlite3 result (SQLITE_DONE on success). */
static int s_run(hc_store *self, const char *sql)
{
    sqlite3_stmt *stmt = hc_store_stmt(self, sql);
    if (!stmt)
        return sqlite3_errcode(self->db) != SQLITE_OK ? sqlite3_errcode(self->db) : SQLITE_ERROR;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        ;
    sqlite3_reset(stmt);
    return rc;
}

static int s_user_version(hc_store *self, int *version)
{
    sqlite3_stmt *stmt = hc_store_stmt(self, "PRAGMA user_version");
    if (!stmt || sqlite3_step(stmt) != SQLITE_ROW)
        return -1;
    *version = sqlite3_column_int(stmt, 0);
    sqlite3_reset(stmt);
    return 0;
}

/* journal_mode answers with the mode it ended in; anything but "wal" means
   the file cannot be used the way the house expects. */
static int s_pragmas(hc_store *self, hc_error *err)
{
    sqlite3_stmt *stmt = hc_store_stmt(self, "PRAGMA journal_mode=WAL");
    const char *mode = stmt && sqlite3_step(stmt) == SQLITE_ROW
                           ? (const char *)sqlite3_column_text(stmt, 0)
                           : NULL;
    bool wal = mode && strcmp(mode, "wal") == 0;
    if (stmt)
        sqlite3_reset(stmt);
    if (!wal)
        return hc_error_set(err, HC_INTERNAL, NULL, "%s: cannot use WAL: %s", self->path,
                            sqlite3_errmsg(self->db));
    return hc_store_exec(self,
                         "PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;"
                         " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;",
                         err);
}

/* Applies migration number `version` (0-based) unless another process did
   it first: the version is read again under the write lock. */
static int s_migrate_one(hc_store *self, const hc_migration *migration, int version, hc_error *err)
{
    int rc = hc_store_begin(self, err);
    if (rc != HC_OK)
        return rc;
    int current = 0;
    if (s_user_version(self, &current) != 0) {
        hc_store_rollback(self);
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot read user_version");
    }
    if (current > version)
        return hc_store_commit(self, err);
    char set[64];
    snprintf(set, sizeof set, "PRAGMA user_version=%d", version + 1);
    hc_error failed;
    if (hc_store_exec(self, migration->sql, &failed) != HC_OK ||
        hc_store_exec(self, set, &failed) != HC_OK) {
        hc_store_rollback(self);
        hc_log_error("store_migration_failed", "path=%s migration=%s", self->path, migration->name);
        return hc_error_set(err, HC_INTERNAL, NULL, "migration %s: %s", migration->name,
                            failed.message);
    }
    if ((rc = hc_store_commit(self, err)) == HC_OK)
        hc_log_info("store_migrated", "path=%s migration=%s", self->path, migration->name);
    return rc;
}

static int s_migrate(hc_store *self, const hc_migration *migrations, hc_error *err)
{
    int count = 0;
    while (migrations && migrations[count].name)
        count++;
    int version = 0;
    if (s_user_version(self, &version) != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "%s: cannot read user_version: %s", self->path,
                            sqlite3_errmsg(self->db));
    if (version > count)
        return hc_error_set(err, HC_FAILED_PRECONDITION, NULL,
                            "%s has schema version %d, this binary knows %d", self->path, version,
                            count);
    int rc = hc_store_exec(self,
                           "CREATE TABLE IF NOT EXISTS hc_meta"
                           " (key TEXT PRIMARY KEY, value TEXT)",
                           err);
    for (int i = version; rc == HC_OK && i < count; i++)
        rc = s_migrate_one(self, &migrations[i], i, err);
    return rc;
}

/* A store on a new connection to path with flags (busy timeout and
   extended codes set), or NULL + err. */
static hc_store *s_connect(const char *path, int flags, hc_error *err)
{
    hc_store *self = (hc_store *)zmalloc(sizeof(hc_store));
    assert(self);
    self->path = strdup(path);
    self->stmts = zhashx_new();
    assert(self->path && self->stmts);
    zhashx_set_destructor(self->stmts, s_stmt_finalize);
    if (sqlite3_open_v2(path, &self->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        hc_error_set(err, HC_INTERNAL, NULL, "cannot open %s: %s", path,
                     self->db ? sqlite3_errmsg(self->db) : "out of memory");
        hc_store_destroy(&self);
        return NULL;
    }
    sqlite3_extended_result_codes(self->db, 1);
    sqlite3_busy_timeout(self->db, S_BUSY_TIMEOUT_MS);
    return self;
}

hc_store *hc_store_open(const char *path, const hc_migration *migrations, hc_error *err)
{
    assert(path);
    hc_store *self = s_connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err);
    if (self && (s_pragmas(self, err) != HC_OK || s_migrate(self, migrations, err) != HC_OK))
        hc_store_destroy(&self);
    if (!self)
        hc_log_error("store_open_failed", "path=%s code=%s", path,
                     hc_code_name(err ? err->code : HC_INTERNAL));
    return self;
}

void hc_store_destroy(hc_store **self_p)
{
    assert(self_p);
    hc_store *self = *self_p;
    if (!self)
        return;
    if (self->db && !sqlite3_get_autocommit(self->db))
        sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
    zhashx_destroy(&self->stmts);
    sqlite3_close_v2(self->db);
    free(self->path);
    free(self);
    *self_p = NULL;
}

sqlite3 *hc_store_db(hc_store *self)
{
    assert(self);
    return self->db;
}

const char *hc_store_path(hc_store *self)
{
    assert(self);
    return self->path;
}

sqlite3_stmt *hc_store_stmt(hc_store *self, const char *sql)
{
    assert(self);
    assert(sql);
    size_t slot = ((uintptr_t)sql >> 3) % S_RECENT;
    sqlite3_stmt *stmt = self->recent[slot].sql == sql ? self->recent[slot].stmt : NULL;
    if (!stmt || strcmp(sqlite3_sql(stmt), sql) != 0)
        stmt = (sqlite3_stmt *)zhashx_lookup(self->stmts, sql);
    if (stmt) {
        self->recent[slot].sql = sql;
        self->recent[slot].stmt = stmt;
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return stmt;
    }
    int rc = sqlite3_prepare_v3(self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK || !stmt) {
        char quoted[256];
        hc_log_error("store_prepare_failed", "path=%s error=%s sql=%s", self->path,
                     hc_log_quote(sqlite3_errmsg(self->db), quoted, sizeof quoted), sql);
        sqlite3_finalize(stmt);
        return NULL;
    }
    zhashx_insert(self->stmts, sql, stmt);
    return stmt;
}

int hc_store_exec(hc_store *self, const char *sql, hc_error *err)
{
    assert(self);
    assert(sql);
    char *message = NULL;
    int rc = sqlite3_exec(self->db, sql, NULL, NULL, &message);
    if (rc == SQLITE_OK)
        return HC_OK;
    hc_error_set(err, HC_INTERNAL, NULL, "%s", message ? message : sqlite3_errstr(rc));
    sqlite3_free(message);
    return HC_INTERNAL;
}

/* After a relaxed transaction ends, commits wait for the disk again. */
static void s_durable_again(hc_store *self)
{
    if (self->relaxed && sqlite3_get_autocommit(self->db)) {
        s_run(self, "PRAGMA synchronous=FULL");
        self->relaxed = false;
    }
}

int hc_store_begin(hc_store *self, hc_error *err)
{
    assert(self);
    /* The busy handler waits up to busy_timeout for the write lock. */
    int rc = s_run(self, "BEGIN IMMEDIATE");
    if (rc == SQLITE_DONE)
        return HC_OK;
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return hc_error_set(err, HC_UNAVAILABLE, NULL, "%s is locked by another writer",
                            self->path);
    return hc_error_set(err, HC_INTERNAL, NULL, "BEGIN: %s", sqlite3_errmsg(self->db));
}

int hc_store_begin_read(hc_store *self, hc_error *err)
{
    assert(self);
    if (s_run(self, "BEGIN DEFERRED") == SQLITE_DONE)
        return HC_OK;
    return hc_error_set(err, HC_INTERNAL, NULL, "BEGIN: %s", sqlite3_errmsg(self->db));
}

int hc_store_begin_relaxed(hc_store *self, hc_error *err)
{
    assert(self);
    s_run(self, "PRAGMA synchronous=NORMAL");
    self->relaxed = true;
    int rc = hc_store_begin(self, err);
    if (rc != HC_OK)
        s_durable_again(self);
    return rc;
}

int hc_store_commit(hc_store *self, hc_error *err)
{
    assert(self);
    int rc = s_run(self, "COMMIT");
    if (rc == SQLITE_DONE)
        s_durable_again(self);
    if (rc == SQLITE_DONE)
        return HC_OK;
    int code = hc_store_error(self, rc, NULL, err);
    hc_log_error("store_commit_failed", "path=%s rc=%d", self->path, rc);
    hc_store_rollback(self);
    return code;
}

void hc_store_rollback(hc_store *self)
{
    assert(self);
    if (!sqlite3_get_autocommit(self->db))
        s_run(self, "ROLLBACK");
    s_durable_again(self);
}

int hc_store_savepoint(hc_store *self, hc_error *err)
{
    assert(self);
    if (s_run(self, "SAVEPOINT " S_SAVEPOINT) == SQLITE_DONE)
        return HC_OK;
    return hc_error_set(err, HC_INTERNAL, NULL, "SAVEPOINT: %s", sqlite3_errmsg(self->db));
}

int hc_store_release(hc_store *self, hc_error *err)
{
    assert(self);
    if (s_run(self, "RELEASE " S_SAVEPOINT) == SQLITE_DONE)
        return HC_OK;
    return hc_error_set(err, HC_INTERNAL, NULL, "RELEASE: %s", sqlite3_errmsg(self->db));
}

void hc_store_rollback_savepoint(hc_store *self)
{
    assert(self);
    s_run(self, "ROLLBACK TO " S_SAVEPOINT);
    s_run(self, "RELEASE " S_SAVEPOINT);
}

bool hc_store_in_transaction(hc_store *self)
{
    assert(self);
    return !sqlite3_get_autocommit(self->db);
}

int hc_store_error(hc_store *self, int rc, const char *field, hc_error *err)
{
    assert(self);
    /* rc may be a primary code; the connection knows the extended one. */
    int extended = sqlite3_extended_errcode(self->db);
    if ((extended & 0xff) == (rc & 0xff))
        rc = extended;
    const char *message = sqlite3_errmsg(self->db);
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return hc_error_set(err, HC_ALREADY_EXISTS, field, "already exists: %s", message);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return hc_error_set(err, HC_NOT_FOUND, field, "not found: %s", message);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return hc_error_set(err, HC_UNAVAILABLE, field, "database busy: %s", message);
    hc_log_error("store_error", "path=%s rc=%d", self->path, rc);
    return hc_error_set(err, HC_INTERNAL, field, "database error: %s", message);
}

char *hc_store_meta_get(hc_store *self, const char *key)
{
    assert(self);
    assert(key);
    sqlite3_stmt *stmt = hc_store_stmt(self, "SELECT value FROM hc_meta WHERE key = ?1");
    if (!stmt)
        return NULL;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    char *value = NULL;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
        value = strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_reset(stmt);
    return value;
}

int hc_store_meta_set(hc_store *self, const char *key, const char *value, hc_error *err)
{
    assert(self);
    assert(key);
    sqlite3_stmt *stmt = hc_store_stmt(self, "INSERT INTO hc_meta (key, value) VALUES (?1, ?2)"
                                             " ON CONFLICT (key) DO UPDATE SET value = ?2");
    if (!stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot prepare hc_meta write");
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return hc_store_error(self, rc, key, err);
    return HC_OK;
}

/* --- tools: copying and inspecting a store in use ------------------------ */

#define S_BACKUP_BUSY_MS 30000

hc_store *hc_store_open_existing(const char *path, hc_error *err)
{
    assert(path);
    struct stat st;
    if (stat(path, &st) != 0) {
        hc_error_set(err, errno == ENOENT ? HC_NOT_FOUND : HC_INTERNAL, NULL, "cannot open %s: %s",
                     path, strerror(errno));
        return NULL;
    }
    /* Read-write without create: a read-only connection could not make
       the -wal and -shm files of a store whose node is stopped. */
    return s_connect(path, SQLITE_OPEN_READWRITE, err);
}

int hc_store_begin_snapshot(hc_store *self, hc_error *err)
{
    assert(self);
    int rc = hc_store_begin_read(self, err);
    if (rc != HC_OK)
        return rc;
    sqlite3_stmt *stmt = hc_store_stmt(self, "SELECT count(*) FROM sqlite_master");
    int step = stmt ? sqlite3_step(stmt) : SQLITE_ERROR;
    if (stmt)
        sqlite3_reset(stmt);
    if (step == SQLITE_ROW)
        return HC_OK;
    rc = hc_store_error(self, step, NULL, err);
    hc_store_rollback(self);
    return rc;
}

static bool s_db_has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1,
                           &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return false;
    }
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return found;
}

bool hc_store_has_table(hc_store *self, const char *name)
{
    assert(self);
    assert(name);
    return s_db_has_table(self->db, name);
}

#define S_ROW_COLUMNS 16

int hc_store_each_row(hc_store *self, const char *sql, hc_store_row_fn *row, void *arg,
                      hc_error *err)
{
    assert(self && sql && row);
    sqlite3_stmt *stmt = hc_store_stmt(self, sql);
    if (!stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "%s: cannot prepare %s", self->path, sql);
    int n = sqlite3_column_count(stmt);
    assert(n <= S_ROW_COLUMNS && "more columns than hc_store_each_row hands out");
    const char *columns[S_ROW_COLUMNS];
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            columns[i] = (const char *)sqlite3_column_text(stmt, i);
        if (row(arg, n, columns) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE)
        return HC_OK;
    return hc_error_set(err, HC_INTERNAL, NULL, "%s: %s", self->path, sqlite3_errmsg(self->db));
}

/* One step of all pages: the whole copy reads one snapshot. A busy source
   (a lock held for a moment by recovery or a checkpoint) is tried again;
   in WAL mode writers never make a reader wait. The sqlite3 result. */
static int s_backup_copy(hc_store *self, sqlite3 *dest)
{
    sqlite3_backup *backup = sqlite3_backup_init(dest, "main", self->db, "main");
    if (!backup)
        return sqlite3_errcode(dest);
    int64_t deadline = hc_clock_ms() + S_BACKUP_BUSY_MS;
    int rc;
    while (((rc = sqlite3_backup_step(backup, -1)) & 0xff) == SQLITE_BUSY ||
           (rc & 0xff) == SQLITE_LOCKED) {
        if (hc_clock_ms() > deadline)
            break;
        sqlite3_sleep(20);
    }
    int finished = sqlite3_backup_finish(backup);
    return rc == SQLITE_DONE ? finished : rc;
}

/* PRAGMA quick_check of db: true when it answers the single row "ok". */
static bool s_quick_check(sqlite3 *db, char *why, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    snprintf(why, size, "%s", "no answer");
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, NULL) != SQLITE_OK)
        snprintf(why, size, "%s", sqlite3_errmsg(db));
    int rc = stmt ? sqlite3_step(stmt) : SQLITE_ERROR;
    const char *first = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
    bool ok = first && strcmp(first, "ok") == 0;
    if (first && !ok)
        snprintf(why, size, "%s", first);
    else if (stmt && rc != SQLITE_ROW)
        snprintf(why, size, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return ok;
}

static void s_remove_copy(const char *path)
{
    char side[PATH_MAX + 8];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

int hc_store_backup(hc_store *self, const char *path, hc_error *err)
{
    assert(self);
    assert(path);
    sqlite3 *dest = NULL;
    int rc = sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        hc_error_set(err, HC_INTERNAL, NULL, "cannot open %s: %s", path,
                     dest ? sqlite3_errmsg(dest) : "out of memory");
        sqlite3_close(dest);
        return HC_INTERNAL;
    }
    rc = s_backup_copy(self, dest);
    /* A restored copy is another history of the log: without the epoch, an
       event log opened on it chooses a new one and followers rebuild. */
    if (rc == SQLITE_OK && s_db_has_table(dest, "hc_meta"))
        rc = sqlite3_exec(dest, "DELETE FROM hc_meta WHERE key = 'eventlog_epoch'", NULL, NULL,
                          NULL);
    /* One self-contained file: no -wal beside it once closed, and one that
       inspecting it read-only leaves none either. A store opened on it
       goes back to WAL (hc_store_open). */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    int code = HC_OK;
    char why[256];
    if (rc != SQLITE_OK)
        code = hc_error_set(err, HC_INTERNAL, NULL, "backup of %s to %s: %s", self->path, path,
                            (rc & 0xff) == SQLITE_BUSY ? "the source stayed busy"
                                                       : sqlite3_errmsg(dest));
    else if (!s_quick_check(dest, why, sizeof why))
        code = hc_error_set(err, HC_DATA_LOSS, NULL, "backup of %s to %s fails quick_check: %s",
                            self->path, path, why);
    if (sqlite3_close(dest) != SQLITE_OK && code == HC_OK)
        code = hc_error_set(err, HC_INTERNAL, NULL, "cannot close %s", path);
    if (code != HC_OK)
        s_remove_copy(path);
    return code;
}

/* --- messages <-> rows ---------------------------------------------------- */

/* Longest field name a column list may hold, with its terminator. */
#define S_COLUMN_MAX 64

/* Copies the next name of a column list at *at, spaces trimmed, into name
   (S_COLUMN_MAX bytes) and moves *at past its comma. False at the end. */
static bool s_column_next(const char **at, char *name)
{
    const char *start = *at;
    while (isspace((unsigned char)*start))
        start++;
    if (*start == '\0')
        return false;
    const char *comma = strchr(start, ',');
    size_t len = comma ? (size_t)(comma - start) : strlen(start);
    *at = comma ? comma + 1 : start + len;
    while (len > 0 && isspace((unsigned char)start[len - 1]))
        len--;
    assert(len > 0 && len < S_COLUMN_MAX && "empty or overlong column name");
    if (len >= S_COLUMN_MAX)
        len = S_COLUMN_MAX - 1;
    memcpy(name, start, len);
    name[len] = '\0';
    return true;
}

/* The field of desc that a column names; anything but a singular scalar or
   string is a programmer error. */
static const ProtobufCFieldDescriptor *s_column_field(const ProtobufCMessageDescriptor *desc,
                                                      const char *name)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(desc, name);
    assert(field && "column names no field of the message");
    assert(field->label != PROTOBUF_C_LABEL_REPEATED && "column names a repeated field");
    assert(field->type != PROTOBUF_C_TYPE_MESSAGE && field->type != PROTOBUF_C_TYPE_BYTES &&
           "column names a message or bytes field");
    return field;
}

/* The value of an integer or enum field at member, as SQLite stores it
   (uint64 above INT64_MAX wraps, as a cast does). */
static int64_t s_integer_get(const ProtobufCFieldDescriptor *field, const void *member)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return *(const uint32_t *)member;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return *(const int64_t *)member;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return (int64_t) * (const uint64_t *)member;
    case PROTOBUF_C_TYPE_ENUM:
        return *(const int *)member;
    default: /* int32, sint32, sfixed32 */
        return *(const int32_t *)member;
    }
}

static void s_integer_set(const ProtobufCFieldDescriptor *field, void *member, int64_t value)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        *(uint32_t *)member = (uint32_t)value;
        return;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *(int64_t *)member = value;
        return;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        *(uint64_t *)member = (uint64_t)value;
        return;
    case PROTOBUF_C_TYPE_ENUM:
        *(int *)member = (int)value;
        return;
    default: /* int32, sint32, sfixed32 */
        *(int32_t *)member = (int32_t)value;
        return;
    }
}

/* Bind results are not checked: a statement may leave a parameter index
   unused, and SQLite's SQLITE_RANGE for it is harmless. */
static void s_bind_field(sqlite3_stmt *stmt, int index, const ProtobufCMessage *msg,
                         const ProtobufCFieldDescriptor *field)
{
    const char *member = (const char *)msg + field->offset;
    if (!hc_field_present(msg, field)) {
        sqlite3_bind_null(stmt, index);
        return;
    }
    switch (field->type) {
    case PROTOBUF_C_TYPE_STRING:
        sqlite3_bind_text(stmt, index, *(char *const *)member, -1, SQLITE_STATIC);
        return;
    case PROTOBUF_C_TYPE_DOUBLE:
        sqlite3_bind_double(stmt, index, *(const double *)member);
        return;
    case PROTOBUF_C_TYPE_FLOAT:
        sqlite3_bind_double(stmt, index, *(const float *)member);
        return;
    case PROTOBUF_C_TYPE_BOOL:
        sqlite3_bind_int(stmt, index, *(const protobuf_c_boolean *)member ? 1 : 0);
        return;
    default:
        sqlite3_bind_int64(stmt, index, s_integer_get(field, member));
        return;
    }
}

/* Reads column col (not NULL) into the member of a scalar field. */
static void s_read_scalar(sqlite3_stmt *stmt, int col, const ProtobufCFieldDescriptor *field,
                          void *member)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_DOUBLE:
        *(double *)member = sqlite3_column_double(stmt, col);
        return;
    case PROTOBUF_C_TYPE_FLOAT:
        *(float *)member = (float)sqlite3_column_double(stmt, col);
        return;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)member = sqlite3_column_int64(stmt, col) != 0;
        return;
    default:
        s_integer_set(field, member, sqlite3_column_int64(stmt, col));
        return;
    }
}

/* A NULL column clears a string's pointer only when the field owns its
   storage: a oneof member shares it with the case that is set. */
static void s_read_field(sqlite3_stmt *stmt, int col, ProtobufCMessage *msg,
                         const ProtobufCFieldDescriptor *field, hc_arena *arena)
{
    char *member = (char *)msg + field->offset;
    bool present = sqlite3_column_type(stmt, col) != SQLITE_NULL;
    bool owned = !(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
                 *(const uint32_t *)((const char *)msg + field->quantifier_offset) == field->id;
    if (field->type == PROTOBUF_C_TYPE_STRING && present)
        *(char **)member = hc_arena_strdup(arena, (const char *)sqlite3_column_text(stmt, col));
    else if (field->type == PROTOBUF_C_TYPE_STRING && owned)
        *(char **)member = NULL;
    else if (present)
        s_read_scalar(stmt, col, field, member);
    hc_field_mark(msg, field, present);
}

void hc_store_bind_message(sqlite3_stmt *stmt, int first, const ProtobufCMessage *msg,
                           const char *columns)
{
    assert(stmt && msg && msg->descriptor && columns);
    char name[S_COLUMN_MAX];
    const char *at = columns;
    for (int index = first; s_column_next(&at, name); index++)
        s_bind_field(stmt, index, msg, s_column_field(msg->descriptor, name));
}

void hc_store_read_message(sqlite3_stmt *stmt, int first, ProtobufCMessage *msg,
                           const char *columns, hc_arena *arena)
{
    assert(stmt && msg && msg->descriptor && columns && arena);
    char name[S_COLUMN_MAX];
    const char *at = columns;
    for (int col = first; s_column_next(&at, name); col++)
        s_read_field(stmt, col, msg, s_column_field(msg->descriptor, name), arena);
}
