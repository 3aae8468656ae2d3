/* hc_query: the statement helpers every <svc>_store.c shares: prepare a
   cached statement, bind text and pages, step a write, read one row or one
   page of rows through a row function. Only stores include it (it speaks
   sqlite3 types). */
#ifndef HC_QUERY_H
#define HC_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hc_store.h"

/* One page of a list: rows with id > after (NULL: from the start), at most
   limit of them. A list reply's `next` is the last id returned when more
   rows exist, else NULL. */
typedef struct {
    const char *after;
    uint32_t limit;
} hc_page;

/* Builds the message of the statement's current row in arena. */
typedef void *(hc_query_row_fn)(sqlite3_stmt *stmt, hc_arena *arena);

/* hc_store_stmt, or NULL with err HC_INTERNAL when sql does not compile. */
sqlite3_stmt *hc_query_prepare(hc_store *store, const char *sql, hc_error *err);

/* Binds text, or NULL for a NULL pointer (static: the text must outlive
   the step). A statement may leave an index unused (a list without one of
   its filters); that bind is then refused harmlessly, so nothing is
   returned. */
void hc_query_bind_text(sqlite3_stmt *stmt, int index, const char *text);

/* Binds page->after (or "") to after_index and limit + 1 to the next index:
   the extra row tells whether another page exists. */
void hc_query_bind_page(sqlite3_stmt *stmt, int after_index, const hc_page *page);

/* Steps a write to completion and resets stmt. HC_OK; HC_NOT_FOUND naming
   not_found when not_found is given and no row changed; or the mapped
   SQLite error naming field (hc_store_error). */
int hc_query_write(hc_store *store, sqlite3_stmt *stmt, const char *field, const char *not_found,
                   hc_error *err);

/* Steps stmt once and resets it: HC_OK with *found telling whether it
   returned a row, or the mapped SQLite error. */
int hc_query_found(hc_store *store, sqlite3_stmt *stmt, bool *found, hc_error *err);

/* Prepares sql, binds id to ?1 and steps it: HC_OK when it returns a row,
   else HC_NOT_FOUND naming field ("<what> <id> not found"), or the mapped
   SQLite error. */
int hc_query_exists(hc_store *store, const char *sql, const char *id, const char *field,
                    const char *what, hc_error *err);

/* Prepares sql, binds id to ?1 and reads one row with row() into *out
   (arena). HC_OK; HC_NOT_FOUND (err filled, naming field, only when field
   is given); or the mapped SQLite error. */
int hc_query_get(hc_store *store, const char *sql, hc_query_row_fn *row, const char *id,
                 const char *field, hc_arena *arena, void **out, hc_error *err);

/* Reads up to page->limit rows of stmt (which asks for one more, see
   hc_query_bind_page; column 0 of every row is the id) into list, a list
   message: sets its repeated message field `items` (arena), n_items, and
   its string field `next` to the last id returned when more rows exist,
   else NULL. Resets stmt. A list message without those fields is a programmer error
   (assert). HC_OK or the mapped SQLite error. */
int hc_query_list(hc_store *store, sqlite3_stmt *stmt, hc_query_row_fn *row, const hc_page *page,
                  hc_arena *arena, ProtobufCMessage *list, hc_error *err);

/* Prepares sql, binds the page to ?1 (after) and ?2 (limit + 1) and key to
   ?3 (statements without ?3 ignore it) and reads the page into list (see
   hc_query_list). */
int hc_query_page_list(hc_store *store, const char *sql, hc_query_row_fn *row, const hc_page *page,
                       const char *key, hc_arena *arena, ProtobufCMessage *list, hc_error *err);

/* Prepares sql, binds the fields of msg named in columns to ?1, ?2, ...
   (hc_store_bind_message) and steps it (see hc_query_write). */
int hc_query_write_message(hc_store *store, const char *sql, const ProtobufCMessage *msg,
                           const char *columns, const char *field, const char *not_found,
                           hc_error *err);

/* Receives one event of a service's log: seq, type, subject (NULL when
   none) and body bytes, valid during the call. */
typedef void(hc_query_event_fn)(void *arg, uint64_t seq, const char *type, const char *subject,
                                const uint8_t *body, size_t size);

/* Calls fn for every event of the service's log (the `events` table that
   hc_eventlog keeps in store) in seq order, as this connection sees them.
   For tests and tools that check what the log holds. HC_OK or the mapped
   SQLite error. */
int hc_query_events_each(hc_store *store, hc_query_event_fn *fn, void *arg, hc_error *err);

/* Steps stmt (bound) to the end, collecting column 0 of each row as text
   into *texts (arena) and *count; resets stmt. HC_OK or the mapped SQLite
   error. */
int hc_query_texts(hc_store *store, sqlite3_stmt *stmt, hc_arena *arena, char ***texts,
                   size_t *count, hc_error *err);

/* Reads column col, a JSON array of text (or NULL), into *codes (arena)
   and *n: a list of codes stored in one column. Anything but an array of
   strings reads as an empty list. */
void hc_query_read_codes(sqlite3_stmt *stmt, int col, hc_arena *arena, char ***codes, size_t *n);

/* A new message of desc in arena holding the current row's columns, from
   column 0, read into the fields columns names (hc_store_read_message). */
ProtobufCMessage *hc_query_row(sqlite3_stmt *stmt, const ProtobufCMessageDescriptor *desc,
                               const char *columns, hc_arena *arena);

#endif
