/* ht_db: reads a node's SQLite stores directly, read-only, while the node
   runs: counts of rows holding a test's marker, and the check that a
   store's events table is gapless. */
#ifndef HT_DB_H
#define HT_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _ht_db ht_db;

/* Opens DIR/file (e.g. "enrollment.db") read-only with a busy timeout.
   NULL (the reason on stderr) when it cannot be opened. */
ht_db *ht_db_open(const char *dir, const char *file);

/* Closes; accepts NULL, nulls *self_p. */
void ht_db_close(ht_db **self_p);

/* The first column of the first row of sql as an integer, with arg bound
   to ?1 when it is not NULL. -1 on any error (reason on stderr). */
int64_t ht_db_int(ht_db *self, const char *sql, const char *arg);

/* The rows of sql's first column (text), with arg bound to ?1 when not
   NULL: a malloc'd NULL-terminated array of malloc'd strings (free with
   ht_db_strings_free); *count rows when count is not NULL. NULL on error. */
char **ht_db_strings(ht_db *self, const char *sql, const char *arg, size_t *count);
void ht_db_strings_free(char **rows);

/* Calls fn with the bytes of sql's first column (text or blob; arg bound
   to ?1 when not NULL) for every row. Returns how many rows, or -1 on
   error (reason on stderr). */
typedef void(ht_db_row_fn)(void *arg, const void *data, size_t size);
long ht_db_scan(ht_db *self, const char *sql, const char *arg, ht_db_row_fn *fn, void *fn_arg);

/* True when the store's events table holds exactly seqs 1..head, each
   once (head 0: empty); *head gets its highest seq. False with the
   reason in why (count, lowest, highest) otherwise. */
bool ht_db_log_gapless(ht_db *self, int64_t *head, char *why, size_t size);

#endif
