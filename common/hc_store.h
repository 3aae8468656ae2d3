/* hc_store: a service's SQLite database: WAL, synchronous=FULL, busy
   timeout, foreign keys, numbered migrations tracked by user_version,
   cached prepared statements, BEGIN IMMEDIATE and savepoints. Only this
   file and <svc>_store.c include sqlite3.h. */
#ifndef HC_STORE_H
#define HC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "hc_arena.h"
#include "hc_error.h"

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef struct _hc_store hc_store;

/* A numbered migration: name "001_init.sql", sql one or more statements.
   Tables end with {NULL, NULL}. */
typedef struct {
    const char *name;
    const char *sql;
} hc_migration;

/* Opens (creating) path, sets the pragmas (WAL, synchronous=FULL,
   busy_timeout, foreign keys, and secure_delete: a service store may hold
   personal data, and what erasure deletes is overwritten on disk, not just
   unlinked from the b-tree), applies every migration past
   PRAGMA user_version in one transaction each. migrations may be NULL.
   Returns NULL and fills err (HC_INTERNAL, or HC_FAILED_PRECONDITION when
   the file's user_version is newer than this binary knows). */
hc_store *hc_store_open(const char *path, const hc_migration *migrations, hc_error *err);

/* Finalizes cached statements, closes; accepts NULL, nulls *self_p. */
void hc_store_destroy(hc_store **self_p);

/* The connection, for <svc>_store.c and common modules only. */
sqlite3 *hc_store_db(hc_store *self);

/* The file path the store was opened with. */
const char *hc_store_path(hc_store *self);

/* A cached prepared statement for sql, reset with bindings cleared. The
   cache is keyed by the text, so pass string literals. Returns NULL (logged)
   when sql does not compile. */
sqlite3_stmt *hc_store_stmt(hc_store *self, const char *sql);

/* Runs sql (no parameters, may hold several statements). HC_OK or HC_INTERNAL. */
int hc_store_exec(hc_store *self, const char *sql, hc_error *err);

/* BEGIN IMMEDIATE (waits busy_timeout for other writers). HC_OK, or
   HC_UNAVAILABLE when the database stayed locked, HC_INTERNAL otherwise. */
int hc_store_begin(hc_store *self, hc_error *err);

/* BEGIN DEFERRED: a read transaction, for batches that write nothing. In
   WAL mode it runs beside other readers and one writer, on the snapshot
   of its first read. HC_OK or HC_INTERNAL. */
int hc_store_begin_read(hc_store *self, hc_error *err);

/* COMMIT. HC_OK, or an error after which the transaction was rolled back. */
int hc_store_commit(hc_store *self, hc_error *err);

/* BEGIN IMMEDIATE of a transaction whose COMMIT does not wait for the disk
   (synchronous=NORMAL until it ends; SQLite refuses to change that inside
   a transaction, so it is chosen here): in WAL mode the database stays
   consistent, and the next durable commit makes this one durable too, but
   a power loss before it may roll it back. Only for state that can be
   derived again, such as a follower's batch together with its cursor.
   Returns as hc_store_begin. */
int hc_store_begin_relaxed(hc_store *self, hc_error *err);

/* ROLLBACK; safe when no transaction is open. */
void hc_store_rollback(hc_store *self);

/* SAVEPOINT / RELEASE / ROLLBACK TO + RELEASE of a fixed savepoint used for
   one request or event inside a batch. HC_OK or HC_INTERNAL. */
int hc_store_savepoint(hc_store *self, hc_error *err);
int hc_store_release(hc_store *self, hc_error *err);
void hc_store_rollback_savepoint(hc_store *self);

/* True while a transaction is open. */
bool hc_store_in_transaction(hc_store *self);

/* Maps a failed sqlite3 result of the last step to an hc code and fills
   err: SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY -> HC_ALREADY_EXISTS, FOREIGNKEY
   -> HC_NOT_FOUND, BUSY/LOCKED -> HC_UNAVAILABLE, else HC_INTERNAL. field
   is copied into err. */
int hc_store_error(hc_store *self, int rc, const char *field, hc_error *err);

/* Reads / writes a value of the store's hc_meta key-value table (created by
   hc_store_open). get returns a malloc'd copy or NULL when absent. */
char *hc_store_meta_get(hc_store *self, const char *key);
int hc_store_meta_set(hc_store *self, const char *key, const char *value, hc_error *err);

/* Opens the existing database file at path as it is, for tools that copy
   or inspect a store another process may be using: no pragmas but the
   busy timeout, no migrations, nothing written by the open itself, the
   file never created. NULL + err (HC_NOT_FOUND when there is no such
   file, naming it; HC_INTERNAL otherwise). */
hc_store *hc_store_open_existing(const char *path, hc_error *err);

/* BEGIN DEFERRED and a first read, so the read transaction's snapshot is
   taken now rather than at the caller's first read: several stores
   pinned one after the other hold the state of one moment. End it with
   hc_store_rollback. HC_OK, HC_UNAVAILABLE (busy), or HC_INTERNAL. */
int hc_store_begin_snapshot(hc_store *self, hc_error *err);

/* Whether the database holds a table named name. */
bool hc_store_has_table(hc_store *self, const char *name);

/* Runs sql (a literal without parameters: it is cached as a statement)
   and calls row for each result row with its n columns as text (NULL for
   an SQL NULL), valid during the call. row returns 0 to go on, anything
   else to stop. For tools that read a store without sqlite3.h. HC_OK, or
   HC_INTERNAL when sql does not compile or run. */
typedef int(hc_store_row_fn)(void *arg, int n, const char *const *columns);
int hc_store_each_row(hc_store *self, const char *sql, hc_store_row_fn *row, void *arg,
                      hc_error *err);

/* Online copy of the database to path (a new file) with SQLite's backup
   API, in ONE backup step: the copy is the snapshot of one read
   transaction of the source (the caller's, when one is open: see
   hc_store_begin_snapshot), while writers go on beside it in WAL mode. A
   source busy for a moment is tried again for up to 30 s. The copy
   leaves out the event log's epoch, so a log opened on a restored copy
   gets a new one (followers then rebuild instead of trusting old seqs),
   is left in rollback-journal mode (one self-contained file; a store
   opened on it goes back to WAL) and is checked with PRAGMA quick_check. HC_OK; or HC_INTERNAL
   (cannot write path, the source stayed busy), or HC_DATA_LOSS (the copy failed its check), with
   the file at path removed. */
int hc_store_backup(hc_store *self, const char *path, hc_error *err);

/* Binds the fields of msg named in columns (a comma-separated list of
   .proto field names, the same string the SQL's column list uses) to
   parameters first, first+1, ... in order: string -> text (NULL pointer ->
   SQL NULL), the integer types and enums -> integer, double/float -> real,
   bool -> 0/1; an optional scalar whose has_ flag is false -> NULL. Text is
   bound SQLITE_STATIC, so msg must outlive the step. A column naming no
   field of msg, or a repeated, bytes or message field, is a programmer
   error (assert). */
void hc_store_bind_message(sqlite3_stmt *stmt, int first, const ProtobufCMessage *msg,
                           const char *columns);

/* Reads result columns first, first+1, ... into the fields of msg named in
   columns (as for hc_store_bind_message, same types): a NULL column leaves
   the field unset (has_ false, pointer NULL); text is copied into arena. */
void hc_store_read_message(sqlite3_stmt *stmt, int first, ProtobufCMessage *msg,
                           const char *columns, hc_arena *arena);

#endif
