/* hc_csv: RFC 4180 reader (quotes, doubled quotes, embedded newlines, CRLF
   or LF, a UTF-8 BOM skipped) over a buffer in memory, and a writer that
   quotes only when needed. */
#ifndef HC_CSV_H
#define HC_CSV_H

#include <stddef.h>
#include <stdio.h>
#include "hc_error.h"

typedef struct _hc_csv hc_csv;

/* Reader over data[0..size) (not copied: it must outlive the reader). */
hc_csv *hc_csv_new(const char *data, size_t size);

/* Destroys *self_p and sets it to NULL; accepts NULL. */
void hc_csv_destroy(hc_csv **self_p);

/* Reads the next record. Returns 1 with *fields (NUL-terminated strings owned
   by the reader, valid until the next call) and *count set; 0 at the end; -1
   on malformed input (an unterminated quote, text after a closing quote, a
   NUL byte, invalid UTF-8) with err naming the line. Blank lines are skipped. */
int hc_csv_next(hc_csv *self, char ***fields, size_t *count, hc_error *err);

/* 1-based line on which the last record returned began. */
size_t hc_csv_line(hc_csv *self);

/* Byte offset in data at which the last record returned began, so a caller
   can cut a file into pieces of whole records. */
size_t hc_csv_offset(hc_csv *self);

/* Writes one record of count fields to out, quoting a field that holds a
   comma, quote, CR or LF (and a leading =,+,-,@ is prefixed with ' so a
   spreadsheet does not run it), ending with CRLF. NULL fields write empty. */
void hc_csv_write_row(FILE *out, const char *const *fields, size_t count);

#endif
