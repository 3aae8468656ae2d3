/* hc_csv: RFC 4180 reader over a memory buffer, strict about what it cannot
   represent (NUL, invalid UTF-8, broken quoting) and lenient about line
   ends; and a writer that quotes only when needed. */
#include "hc_csv.h"

#include "hc_utf8.h"
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct _hc_csv {
    const char *data;
    size_t size;
    size_t pos;
    size_t line;          /* line of data[pos], 1-based */
    size_t record_line;   /* line the last record began on; 0 before any */
    size_t record_offset; /* byte of data where the last record began */
    char *buf;            /* field texts, each NUL-terminated, back to back */
    size_t buf_len, buf_cap;
    size_t *starts; /* offset of each field in buf */
    char **fields;  /* pointers handed to the caller */
    size_t count, cap;
    hc_error failure; /* sticky: once malformed, always malformed */
};

hc_csv *hc_csv_new(const char *data, size_t size)
{
    hc_csv *self = calloc(1, sizeof *self);
    assert(self);
    self->data = data;
    self->size = data ? size : 0;
    self->line = 1;
    if (self->size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        self->pos = 3;
    hc_error_clear(&self->failure);
    return self;
}

void hc_csv_destroy(hc_csv **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    hc_csv *self = *self_p;
    free(self->buf);
    free(self->starts);
    free(self->fields);
    free(self);
    *self_p = NULL;
}

size_t hc_csv_line(hc_csv *self)
{
    return self->record_line;
}

size_t hc_csv_offset(hc_csv *self)
{
    return self->record_offset;
}

/* Appends one byte to the current field; false when memory is exhausted. */
static bool s_put(hc_csv *self, char c)
{
    if (self->buf_len == self->buf_cap) {
        size_t cap = self->buf_cap ? self->buf_cap * 2 : 256;
        char *buf = realloc(self->buf, cap);
        if (buf == NULL)
            return false;
        self->buf = buf;
        self->buf_cap = cap;
    }
    self->buf[self->buf_len++] = c;
    return true;
}

/* Starts a new field at the end of buf; false when memory is exhausted. */
static bool s_field_begin(hc_csv *self)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        size_t *starts = realloc(self->starts, cap * sizeof *starts);
        if (starts == NULL)
            return false;
        self->starts = starts;
        char **fields = realloc(self->fields, cap * sizeof *fields);
        if (fields == NULL)
            return false;
        self->fields = fields;
        self->cap = cap;
    }
    self->starts[self->count++] = self->buf_len;
    return true;
}

/* Length of the line end at pos (CRLF 2, CR or LF 1), 0 when none. */
static size_t s_eol(const hc_csv *self, size_t pos)
{
    if (pos >= self->size)
        return 0;
    if (self->data[pos] == '\n')
        return 1;
    if (self->data[pos] == '\r')
        return pos + 1 < self->size && self->data[pos + 1] == '\n' ? 2 : 1;
    return 0;
}

static int s_fail(hc_csv *self, hc_error *err, size_t line, const char *what)
{
    hc_error_set(&self->failure, HC_INVALID_ARGUMENT, NULL, "line %zu: %s", line, what);
    if (err)
        *err = self->failure;
    return -1;
}

static int s_oom(hc_csv *self, hc_error *err)
{
    hc_error_set(&self->failure, HC_RESOURCE_EXHAUSTED, NULL, "line %zu: out of memory",
                 self->line);
    if (err)
        *err = self->failure;
    return -1;
}

/* Reads a quoted field starting at its opening quote; 0 or -1. Line ends
   inside the quotes are kept as they are written. */
static int s_quoted(hc_csv *self, hc_error *err)
{
    size_t open_line = self->line;
    self->pos++;
    while (self->pos < self->size) {
        char c = self->data[self->pos];
        size_t eol = s_eol(self, self->pos);
        if (c == '"' && self->pos + 1 < self->size && self->data[self->pos + 1] == '"') {
            c = '"';
            self->pos++;
        } else if (c == '"') {
            self->pos++;
            if (self->pos == self->size || self->data[self->pos] == ',' || s_eol(self, self->pos))
                return 0;
            return s_fail(self, err, self->line, "text after a closing quote");
        } else if (c == '\0') {
            return s_fail(self, err, self->line, "NUL byte");
        } else if (eol) {
            if (eol == 2 && !s_put(self, '\r'))
                return s_oom(self, err);
            c = self->data[self->pos + eol - 1];
            self->pos += eol - 1;
            self->line++;
        }
        if (!s_put(self, c))
            return s_oom(self, err);
        self->pos++;
    }
    return s_fail(self, err, open_line, "unterminated quoted field");
}

/* Reads an unquoted field up to a comma or line end; 0 or -1. */
static int s_plain(hc_csv *self, hc_error *err)
{
    while (self->pos < self->size && self->data[self->pos] != ',' && !s_eol(self, self->pos)) {
        if (self->data[self->pos] == '\0')
            return s_fail(self, err, self->line, "NUL byte");
        if (!s_put(self, self->data[self->pos++]))
            return s_oom(self, err);
    }
    return 0;
}

/* Reads the fields of one record into buf; 0 or -1. */
static int s_record(hc_csv *self, hc_error *err)
{
    self->count = 0;
    self->buf_len = 0;
    for (;;) {
        if (!s_field_begin(self))
            return s_oom(self, err);
        bool quoted = self->pos < self->size && self->data[self->pos] == '"';
        int rc = quoted ? s_quoted(self, err) : s_plain(self, err);
        if (rc != 0)
            return rc;
        if (!s_put(self, '\0'))
            return s_oom(self, err);
        if (self->pos < self->size && self->data[self->pos] == ',') {
            self->pos++;
            continue;
        }
        size_t eol = s_eol(self, self->pos);
        self->pos += eol;
        self->line += eol ? 1 : 0;
        return 0;
    }
}

/* Checks each field's UTF-8 and points fields at the texts; 0 or -1. */
static int s_finish(hc_csv *self, hc_error *err)
{
    for (size_t i = 0; i < self->count; i++) {
        const char *text = self->buf + self->starts[i];
        size_t len =
            (i + 1 < self->count ? self->starts[i + 1] : self->buf_len) - 1 - self->starts[i];
        if (!hc_utf8_valid(text, len)) {
            char what[64];
            snprintf(what, sizeof what, "invalid UTF-8 in field %zu", i + 1);
            return s_fail(self, err, self->record_line, what);
        }
        self->fields[i] = (char *)text;
    }
    return 0;
}

int hc_csv_next(hc_csv *self, char ***fields, size_t *count, hc_error *err)
{
    assert(self && fields && count);
    if (self->failure.code != HC_OK) {
        if (err)
            *err = self->failure;
        return -1;
    }
    size_t eol;
    while ((eol = s_eol(self, self->pos)) != 0) {
        self->pos += eol;
        self->line++;
    }
    if (self->pos >= self->size)
        return 0;
    self->record_line = self->line;
    self->record_offset = self->pos;
    if (s_record(self, err) != 0 || s_finish(self, err) != 0)
        return -1;
    *fields = self->fields;
    *count = self->count;
    return 1;
}

/* A field needs quotes when it holds a separator, a quote or a line end. */
static bool s_needs_quotes(const char *text)
{
    return strpbrk(text, ",\"\r\n") != NULL;
}

static void s_write_field(FILE *out, const char *text)
{
    bool quote = s_needs_quotes(text);
    if (quote)
        fputc('"', out);
    if (text[0] != '\0' && strchr("=+-@", text[0]) != NULL)
        fputc('\'', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    if (quote)
        fputc('"', out);
}

void hc_csv_write_row(FILE *out, const char *const *fields, size_t count)
{
    /* A lone empty field written bare would be a blank line, which a
       reader skips: the record would vanish. */
    if (count == 1 && (fields[0] == NULL || fields[0][0] == '\0')) {
        fputs("\"\"\r\n", out);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            fputc(',', out);
        s_write_field(out, fields[i] ? fields[i] : "");
    }
    fputs("\r\n", out);
}
