/* ctl_import: `hcapctl import workers FILE`: splits a roster into chunks of
   whole CSV records that fit the gateway's message limit, checks them all
   (dry run) before writing any, and reports lines of the whole file. */
#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"
#include "enrollment.pb-c.h"
#include "hc_csv.h"
#include "hc_id.h"
#include "hc_json.h"
#include "hc_msg.h"

/* Chunks stay well under HC_MAX_MSG_SIZE (the envelope and the header
   travel too) and small enough for a smooth progress bar. */
#define S_CHUNK_BYTES (1024 * 1024)
#define S_RECORD_MAX  (HC_MAX_MSG_SIZE - 64 * 1024)
#define S_CALL_MS     120000
#define S_RETRIES     3
#define S_FILE_MAX    ((size_t)1 << 31)

typedef struct {
    size_t begin, end; /* bytes of its records in the file */
    size_t first_line; /* file line of its first record */
    size_t rows;       /* records */
} s_chunk;

typedef struct {
    char *data;
    size_t size;
    size_t header_begin, header_end; /* header bytes, sent with every chunk */
    size_t header_line;
    size_t header_lines; /* line ends within the header bytes */
    s_chunk *chunks;
    size_t chunk_count;
    size_t rows;
    char key_prefix[40]; /* idempotency keys of this run's writes */
    json_t *duplicates;  /* repeated external_ids, found across the whole file */
} s_import;

typedef struct {
    uint32_t rows, created, updated, unchanged;
    json_t *rejected; /* [{line, field, message}] in file lines */
} s_totals;

static int s_read_file(s_import *self, const char *path, hc_error *err)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return hc_error_set(err, HC_NOT_FOUND, NULL, "cannot read %s: %m", path);
    size_t cap = 1 << 16;
    self->data = malloc(cap);
    while (self->data) {
        self->size += fread(self->data + self->size, 1, cap - self->size, file);
        if (self->size < cap || cap >= S_FILE_MAX)
            break;
        char *bigger = realloc(self->data, cap * 2);
        if (!bigger)
            free(self->data);
        self->data = bigger;
        cap *= 2;
    }
    bool failed = ferror(file) || self->size >= S_FILE_MAX;
    fclose(file);
    if (!self->data)
        return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "%s: out of memory", path);
    if (failed)
        return hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "cannot read %s (or over 2 GiB)", path);
    return HC_OK;
}

/* Where a record starts: its first file line and its byte offset. */
typedef struct {
    size_t line, offset;
} s_record;

static int s_add_chunk(s_import *self, size_t *cap)
{
    if (self->chunk_count == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        s_chunk *bigger = realloc(self->chunks, *cap * sizeof *bigger);
        if (!bigger)
            return -1;
        self->chunks = bigger;
    }
    self->chunk_count++;
    return 0;
}

/* Groups the records into chunks of at most S_CHUNK_BYTES with the header,
   a record alone when it is larger. */
static int s_chunk_up(s_import *self, const s_record *starts, size_t count, hc_error *err)
{
    size_t header = self->header_end - self->header_begin, cap = 0;
    if (count == 0) { /* the header alone is still checked */
        if (s_add_chunk(self, &cap) != 0)
            return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        self->chunks[0] = (s_chunk){self->size, self->size, 0, 0};
    }
    for (size_t i = 0; i < count; i++) {
        size_t begin = starts[i].offset;
        size_t end = i + 1 < count ? starts[i + 1].offset : self->size;
        if (header + end - begin > S_RECORD_MAX)
            return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL,
                                "line %zu: record too large for one request", starts[i].line);
        s_chunk *last = self->chunk_count ? &self->chunks[self->chunk_count - 1] : NULL;
        if (!last || header + end - last->begin > S_CHUNK_BYTES) {
            if (s_add_chunk(self, &cap) != 0)
                return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
            last = &self->chunks[self->chunk_count - 1];
            *last = (s_chunk){begin, begin, starts[i].line, 0};
        }
        last->end = end;
        last->rows++;
    }
    self->rows = count;
    return HC_OK;
}

static void s_reject(json_t *list, size_t line, const char *field, const char *message)
{
    json_array_append_new(list, json_pack("{s:I, s:s?, s:s}", "line", (json_int_t)line, "field",
                                          field, "message", message));
}

/* An external_id seen before anywhere in the file (chunks are checked
   apart, so the service would see only repeats within one). */
static void s_check_repeat(s_import *self, zhashx_t *seen, const char *external, size_t line)
{
    uintptr_t first = (uintptr_t)zhashx_lookup(seen, external);
    if (!first) {
        zhashx_insert(seen, external, (void *)(uintptr_t)line);
        return;
    }
    char message[256];
    snprintf(message, sizeof message, "external_id %s repeats line %zu", external, (size_t)first);
    s_reject(self->duplicates, line, "external_id", message);
}

/* Finds the header and every record's first line with hc_csv; a malformed
   file stops here, before anything is sent. */
static int s_find_records(s_import *self, s_record **starts, size_t *count, hc_error *err)
{
    hc_csv *csv = hc_csv_new(self->data, self->size);
    zhashx_t *seen = zhashx_new();
    char **fields;
    size_t n, cap = 0, external = SIZE_MAX;
    int got;
    *count = 0;
    while ((got = hc_csv_next(csv, &fields, &n, err)) == 1) {
        size_t line = hc_csv_line(csv);
        if (self->header_line == 0) {
            self->header_line = line;
            self->header_begin = hc_csv_offset(csv);
            for (size_t i = 0; i < n; i++)
                external = strcmp(fields[i], "external_id") == 0 ? i : external;
            continue;
        }
        if (external < n && fields[external][0])
            s_check_repeat(self, seen, fields[external], line);
        if (*count == cap) {
            cap = cap ? cap * 2 : 1024;
            s_record *bigger = realloc(*starts, cap * sizeof *bigger);
            if (!bigger) {
                got = -1;
                hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
                break;
            }
            *starts = bigger;
        }
        (*starts)[(*count)++] = (s_record){line, hc_csv_offset(csv)};
    }
    hc_csv_destroy(&csv);
    zhashx_destroy(&seen);
    if (got < 0)
        return err->code != HC_OK ? err->code : HC_INVALID_ARGUMENT;
    if (self->header_line == 0)
        return hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "no header row");
    return HC_OK;
}

static int s_split(s_import *self, hc_error *err)
{
    s_record *starts = NULL;
    size_t count = 0;
    int rc = s_find_records(self, &starts, &count, err);
    if (rc == HC_OK) {
        self->header_end = count ? starts[0].offset : self->size;
        self->header_lines = count ? starts[0].line - self->header_line : 1;
        rc = s_chunk_up(self, starts, count, err);
    }
    free(starts);
    return rc;
}

/* File line of line `line` of chunk `index` (0 stays 0: not about a line). */
static size_t s_file_line(const s_import *self, const s_chunk *chunk, size_t line)
{
    size_t header = self->header_lines ? self->header_lines : 1;
    if (line == 0)
        return 0;
    if (line <= header)
        return self->header_line + line - 1;
    return chunk->first_line + (line - header - 1);
}

/* Adds a chunk's report to the totals, lines moved to the whole file. A
   header problem is reported by every chunk: kept once. Repeats of an
   external_id are left to the whole-file check. */
static void s_add_report(const s_import *self, const s_chunk *chunk, bool first_chunk,
                         const Hcap__ImportReport *report, s_totals *totals)
{
    totals->rows += report->rows;
    totals->created += report->created;
    totals->updated += report->updated;
    totals->unchanged += report->unchanged;
    for (size_t i = 0; i < report->n_rejected; i++) {
        const Hcap__ImportRejection *r = report->rejected[i];
        bool header = r->line != 0 && r->line <= (self->header_lines ? self->header_lines : 1);
        bool repeat = r->field && strcmp(r->field, "external_id") == 0 &&
                      strstr(r->message, " repeats line ");
        if ((header && !first_chunk) || repeat)
            continue;
        s_reject(totals->rejected, s_file_line(self, chunk, r->line), r->field, r->message);
    }
}

static char *s_chunk_text(const s_import *self, const s_chunk *chunk)
{
    size_t header = self->header_end - self->header_begin, body = chunk->end - chunk->begin;
    char *text = malloc(header + body + 1);
    if (!text)
        return NULL;
    memcpy(text, self->data + self->header_begin, header);
    memcpy(text + header, self->data + chunk->begin, body);
    text[header + body] = '\0';
    return text;
}

/* Sends one chunk (a dry run, or for real under this run's idempotency
   key for it, so a retry after a lost reply writes nothing twice). */
static int s_send_chunk(hc_client *client, const s_import *self, size_t index, bool dry_run,
                        s_totals *totals, hc_error *err)
{
    const s_chunk *chunk = &self->chunks[index];
    Hcap__ImportWorkersRequest req = HCAP__IMPORT_WORKERS_REQUEST__INIT;
    req.csv = s_chunk_text(self, chunk);
    if (!req.csv)
        return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    req.has_dry_run = true;
    req.dry_run = dry_run;
    char key[64];
    snprintf(key, sizeof key, "%s-%zu", self->key_prefix, index);
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *out = NULL;
    int rc = HC_UNAVAILABLE;
    for (int attempt = 0;
         attempt < S_RETRIES && (rc == HC_UNAVAILABLE || rc == HC_DEADLINE_EXCEEDED); attempt++)
        rc = hc_client_call(client, "enrollment", "ImportWorkers", &req.base, dry_run ? NULL : key,
                            &hcap__import_report__descriptor, arena, &out, S_CALL_MS, err);
    if (rc == HC_OK)
        s_add_report(self, chunk, index == 0, (Hcap__ImportReport *)out, totals);
    hc_arena_destroy(&arena);
    free(req.csv);
    return rc;
}

static void s_progress(const char *phase, size_t done, size_t total)
{
    if (!isatty(STDERR_FILENO))
        return;
    int width = 30, filled = total ? (int)(done * (size_t)width / total) : width;
    fprintf(stderr, "\r%-9s [%.*s%*s] %3d%%  %zu/%zu rows", phase, filled,
            "##############################", width - filled, "",
            total ? (int)(done * 100 / total) : 100, done, total);
    if (done >= total)
        fprintf(stderr, "\r\033[K");
    fflush(stderr);
}

/* One pass over every chunk; totals gets the sum of their reports. */
static int s_pass(hc_client *client, const s_import *self, bool dry_run, s_totals *totals,
                  hc_error *err)
{
    size_t done = 0;
    const char *phase = dry_run ? "checking" : "importing";
    s_progress(phase, 0, self->rows);
    for (size_t i = 0; i < self->chunk_count; i++) {
        int rc = s_send_chunk(client, self, i, dry_run, totals, err);
        if (rc != HC_OK) {
            s_progress(phase, self->rows, self->rows);
            return rc;
        }
        done += self->chunks[i].rows;
        s_progress(phase, done, self->rows);
    }
    return HC_OK;
}

static void s_print_summary(FILE *out, const s_totals *totals, bool dry_run, ctl_format format)
{
    if (format != CTL_FORMAT_TABLE) {
        json_t *report =
            json_pack("{s:i, s:i, s:i, s:i, s:O, s:b}", "rows", totals->rows, "created",
                      totals->created, "updated", totals->updated, "unchanged", totals->unchanged,
                      "rejected", totals->rejected, "dry_run", dry_run);
        ctl_print(out, report, NULL, format);
        json_decref(report);
        return;
    }
    size_t index;
    json_t *r;
    json_array_foreach(totals->rejected, index, r)
    {
        json_int_t line = json_integer_value(json_object_get(r, "line"));
        const char *field = json_string_value(json_object_get(r, "field"));
        const char *message = json_string_value(json_object_get(r, "message"));
        if (line > 0)
            fprintf(out, "line %" JSON_INTEGER_FORMAT ": ", line);
        fprintf(out, "%s%s%s\n", field ? field : "", field ? ": " : "", message);
    }
    fprintf(out, "rows %u created %u updated %u unchanged %u\n", totals->rows, totals->created,
            totals->updated, totals->unchanged);
    if (dry_run)
        fprintf(out, "dry run: nothing written\n");
}

static int s_by_line(const void *a, const void *b)
{
    json_int_t la = json_integer_value(json_object_get(*(json_t *const *)a, "line"));
    json_int_t lb = json_integer_value(json_object_get(*(json_t *const *)b, "line"));
    return la < lb ? -1 : la > lb;
}

/* The whole file's repeats joined to the service's rejections, by line. */
static void s_merge_rejections(s_import *self, s_totals *totals)
{
    json_array_extend(totals->rejected, self->duplicates);
    size_t count = json_array_size(totals->rejected);
    json_t **items = calloc(count + 1, sizeof *items);
    if (!items)
        return;
    for (size_t i = 0; i < count; i++)
        items[i] = json_incref(json_array_get(totals->rejected, i));
    qsort(items, count, sizeof *items, s_by_line);
    json_array_clear(totals->rejected);
    for (size_t i = 0; i < count; i++)
        json_array_append_new(totals->rejected, items[i]);
    free(items);
}

static void s_import_free(s_import *self, s_totals *totals)
{
    free(self->data);
    free(self->chunks);
    json_decref(self->duplicates);
    json_decref(totals->rejected);
}

int ctl_import_workers(hc_client *client, const char *path, bool dry_run, ctl_format format,
                       FILE *out, hc_error *err)
{
    s_import self = {.duplicates = json_array()};
    s_totals totals = {.rejected = json_array()};
    unsigned char random[8];
    char hex[sizeof random * 2 + 1];
    hc_random_bytes(random, sizeof random);
    hc_hex(random, sizeof random, hex);
    snprintf(self.key_prefix, sizeof self.key_prefix, "import-%s", hex);
    int rc = s_read_file(&self, path, err);
    if (rc == HC_OK)
        rc = s_split(&self, err);
    if (rc == HC_OK)
        rc = s_pass(client, &self, true, &totals, err);
    if (rc == HC_OK)
        s_merge_rejections(&self, &totals);
    size_t rejected = json_array_size(totals.rejected);
    bool written = false;
    if (rc == HC_OK && rejected == 0 && !dry_run) {
        totals = (s_totals){.rejected = totals.rejected};
        rc = s_pass(client, &self, false, &totals, err);
        rejected = json_array_size(totals.rejected);
        written = true;
    }
    if (rc == HC_OK)
        s_print_summary(out, &totals, dry_run, format);
    if (rc == HC_OK && rejected > 0)
        rc = hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "%zu line%s rejected; %s", rejected,
                          rejected == 1 ? "" : "s",
                          written ? "the file changed while importing" : "nothing imported");
    s_import_free(&self, &totals);
    return rc;
}
