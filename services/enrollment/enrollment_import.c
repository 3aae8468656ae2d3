/* enrollment_import: ImportWorkers, the CSV roster upsert on external_id.
   One pass reads and validates every row (THE worker validation), collects
   every rejection and, unless it is a dry run, writes each row as soon as it
   is checked, inside a savepoint that is rolled back when any row was
   rejected: nothing is written then, and the file is read only once. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hc_csv.h"
#include "hc_id.h"
#include "hc_json.h"
#include "enrollment_server.h"

#define S_MAX_COLUMNS    32    /* more header fields than that is not a roster */
#define S_MAX_REJECTIONS 10000 /* listed; the rest are counted in one last entry */

typedef struct {
    enr_state *st;
    hc_call *call;
    hc_arena *row; /* one row's allocations, reset per row */
    Hcap__ImportReport *report;
    size_t capacity;  /* of report->rejected */
    size_t unlisted;  /* rejections past S_MAX_REJECTIONS */
    uint32_t line;    /* of the row being read, for rejections */
    size_t row_first; /* index of the row's first rejection */
    const ProtobufCFieldDescriptor *columns[S_MAX_COLUMNS]; /* Worker field per column */
    size_t n_columns;
    size_t external_column;
    bool header_bad;
    zhashx_t *seen; /* external_id -> line */
    char *now;
} s_import;

/* --- rejections --- */

static void s_reject(s_import *im, uint32_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_reject(s_import *im, uint32_t line, const char *field, const char *fmt, ...)
{
    Hcap__ImportReport *r = im->report;
    if (r->n_rejected == S_MAX_REJECTIONS) {
        im->unlisted++;
        return;
    }
    char message[300];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    hc_call_reject(im->call, &r->rejected, &r->n_rejected, &im->capacity, line, field, message);
}

/* enr_report_fn: a validation problem of the current row, unless a cell of
   the same field was already rejected (an unknown enum name is also a
   missing value to the validation). */
static void s_row_problem(void *arg, int code, const char *field, const char *message)
{
    s_import *im = arg;
    Hcap__ImportReport *r = im->report;
    (void)code;
    for (size_t i = im->row_first; i < r->n_rejected; i++)
        if (field && r->rejected[i]->field && strcmp(r->rejected[i]->field, field) == 0)
            return;
    s_reject(im, im->line, field, "%s", message);
}

/* --- header --- */

/* The Worker field kinds s_cell reads: text, an optional whole number or
   enum, and the race_ethnicity list. */
static bool s_importable(const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return strcmp(f->name, "race_ethnicity") == 0;
    return f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_INT64 ||
           f->type == PROTOBUF_C_TYPE_ENUM;
}

/* Maps each header name to the Worker field of the same name; every name
   must be a field of CreateWorkerRequest, once, and external_id must be one.
   Sets im->header_bad when rows cannot be read with this header. */
static void s_header(s_import *im, char **names, size_t count)
{
    bool external = false;
    im->header_bad = true;
    if (count > S_MAX_COLUMNS) {
        s_reject(im, 1, NULL, "%zu columns: at most %d", count, S_MAX_COLUMNS);
        return;
    }
    size_t before = im->report->n_rejected;
    for (size_t i = 0; i < count; i++) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(
            &hcap__create_worker_request__descriptor, names[i]);
        bool repeated = false;
        for (size_t j = 0; j < i; j++)
            repeated = repeated || strcmp(names[j], names[i]) == 0;
        if (!f)
            s_reject(im, 1, names[i], "unknown column \"%s\"", names[i]);
        else if (repeated)
            s_reject(im, 1, names[i], "column %s appears twice", names[i]);
        if (f && strcmp(f->name, "external_id") == 0) {
            external = true;
            im->external_column = i;
        }
        im->columns[i] =
            f ? protobuf_c_message_descriptor_get_field_by_name(&hcap__worker__descriptor, f->name)
              : NULL;
        if (f && (!im->columns[i] || !s_importable(im->columns[i])))
            s_reject(im, 1, names[i], "column %s cannot be imported", names[i]);
    }
    im->n_columns = count;
    if (!external)
        s_reject(im, 1, "external_id", "an external_id column is required (the upsert key)");
    im->header_bad = im->report->n_rejected != before;
}

/* --- cells --- */

/* race_ethnicity: names joined by ';' (spaces around them ignored). */
static int s_cell_race(s_import *im, Hcap__Worker *w, const char *cell)
{
    size_t n = 1;
    for (const char *p = cell; *p; p++)
        n += *p == ';';
    w->n_race_ethnicity = 0;
    w->race_ethnicity = hc_arena_alloc(im->row, n * sizeof *w->race_ethnicity);
    if (!*cell)
        return 0;
    char *copy = hc_arena_strdup(im->row, cell), *save = NULL;
    for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ')
            tok++;
        for (char *end = tok + strlen(tok); end > tok && end[-1] == ' ';)
            *--end = '\0';
        int value = 0;
        if (hc_json_enum_value(&hcap__race_ethnicity__descriptor, tok, &value) != 0) {
            s_reject(im, im->line, "race_ethnicity", "unknown race_ethnicity \"%s\"", tok);
            return 1;
        }
        w->race_ethnicity[w->n_race_ethnicity++] = (Hcap__RaceEthnicity)value;
    }
    return 0;
}

static int s_cell_int(s_import *im, const ProtobufCFieldDescriptor *f, const char *cell,
                      int64_t *value)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(cell, &end, 10);
    if (errno || end == cell || *end) {
        s_reject(im, im->line, f->name, "%s must be a whole number", f->name);
        return 1;
    }
    *value = v;
    return 0;
}

/* Sets the Worker field f from cell; an empty cell means no value. Returns
   the number of problems (0 or 1). */
static int s_cell(s_import *im, Hcap__Worker *w, const ProtobufCFieldDescriptor *f,
                  const char *cell)
{
    char *at = (char *)w + f->offset;
    protobuf_c_boolean *has = (protobuf_c_boolean *)((char *)w + f->quantifier_offset);
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        *(char **)at = hc_arena_text(im->row, cell);
        return 0;
    }
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return s_cell_race(im, w, cell);
    *has = *cell != '\0';
    if (!*has)
        return 0;
    if (f->type == PROTOBUF_C_TYPE_INT64)
        return s_cell_int(im, f, cell, (int64_t *)at);
    if (hc_json_enum_value(f->descriptor, cell, (int *)at) != 0) {
        s_reject(im, im->line, f->name, "unknown %s \"%s\"", f->name, cell);
        return 1;
    }
    return 0;
}

/* --- rows --- */

/* The worker a row describes: old (NULL: a new worker) with the row's
   cells over it, in the row arena. Returns the number of cell problems. */
static int s_build(s_import *im, char **fields, const Hcap__Worker *old, Hcap__Worker **out)
{
    Hcap__Worker *w = (Hcap__Worker *)hc_arena_message(im->row, &hcap__worker__descriptor);
    if (old)
        *w = *old;
    int problems = 0;
    for (size_t i = 0; i < im->n_columns; i++)
        problems += s_cell(im, w, im->columns[i], fields[i]);
    *out = w;
    return problems;
}

/* The shape of a row: its field count, a present external_id not seen on
   an earlier line. Returns the number of problems (0 or 1). */
static int s_row_shape(s_import *im, char **fields, size_t count)
{
    if (count != im->n_columns) {
        s_reject(im, im->line, NULL, "%zu fields where the header has %zu", count, im->n_columns);
        return 1;
    }
    const char *external = fields[im->external_column];
    if (!*external) {
        s_reject(im, im->line, "external_id", "external_id is required");
        return 1;
    }
    uintptr_t first = (uintptr_t)zhashx_lookup(im->seen, external);
    if (first) {
        s_reject(im, im->line, "external_id", "external_id %s repeats line %u", external,
                 (unsigned)first);
        return 1;
    }
    zhashx_insert(im->seen, external, (void *)(uintptr_t)im->line);
    return 0;
}

/* Writes a checked worker with its event: an update of old, or a new
   worker. HC_OK or the store's error. */
static int s_write(s_import *im, Hcap__Worker *w, bool old, hc_error *err)
{
    w->updated_at = im->now;
    if (old) {
        if (enr_store_worker_update(im->st->store, w, err) != HC_OK)
            return err->code;
        return hc_eventlog_append(im->st->log, "enrollment.worker_updated.v1", w->id, &w->base,
                                  NULL, err);
    }
    char id[HC_ID_SIZE];
    hc_id_new("wkr", id);
    w->id = id;
    w->created_at = im->now;
    if (enr_store_worker_insert(im->st->store, w, err) != HC_OK)
        return err->code;
    return hc_eventlog_append(im->st->log, "enrollment.worker_registered.v1", w->id, &w->base, NULL,
                              err);
}

/* A data row: THE worker validation of the state the row asks for, counted
   as what it would do, and written while nothing has been rejected (once a
   row is rejected the savepoint is rolled back at the end, so the rest are
   only checked). HC_OK or the store's error. */
static int s_row(s_import *im, char **fields, size_t count, hc_error *err)
{
    Hcap__Worker *w = NULL, *old = NULL;
    im->row_first = im->report->n_rejected;
    if (s_row_shape(im, fields, count) != 0)
        return HC_OK;
    int rc = enr_store_worker_by_external(im->st->store, fields[im->external_column], im->row, &old,
                                          err);
    if (rc != HC_OK && rc != HC_NOT_FOUND)
        return rc;
    if (rc != HC_OK)
        old = NULL;
    int problems = s_build(im, fields, old, &w);
    if (problems + enr_worker_check(im->st, w, s_row_problem, im) > 0)
        return HC_OK;
    if (old && enr_worker_same(im->row, old, w)) {
        im->report->unchanged++;
        return HC_OK;
    }
    im->report->created += !old;
    im->report->updated += old != NULL;
    if (im->report->dry_run || im->report->n_rejected)
        return HC_OK;
    return s_write(im, w, old != NULL, err);
}

/* Reads the file: the header, then s_row on every data row. HC_OK, or
   the store's error. */
static int s_pass(s_import *im, const char *csv_text, size_t size, hc_error *err)
{
    hc_csv *csv = hc_csv_new(csv_text, size);
    char **fields = NULL;
    size_t count = 0;
    int rc = hc_csv_next(csv, &fields, &count, err);
    if (rc == 1)
        s_header(im, fields, count);
    else if (rc == 0)
        s_reject(im, 1, "csv", "no header row");
    while (rc == 1 && (rc = hc_csv_next(csv, &fields, &count, err)) == 1) {
        hc_arena_reset(im->row);
        im->line = (uint32_t)hc_csv_line(csv);
        im->report->rows++;
        if (im->header_bad)
            continue;
        int code = s_row(im, fields, count, err);
        if (code != HC_OK) {
            hc_csv_destroy(&csv);
            return code;
        }
    }
    if (rc < 0)
        s_reject(im, (uint32_t)hc_csv_line(csv), NULL, "%s", err->message);
    hc_csv_destroy(&csv);
    return HC_OK;
}

/* The pass, its writes kept only when no row was rejected; HC_OK with the
   report filled, or the store's error (the request's savepoint then rolls
   back whatever was written). */
static int s_run(s_import *im, const Hcap__ImportWorkersRequest *req, hc_error *err)
{
    bool dry_run = im->report->dry_run;
    if (!dry_run && enr_store_import_begin(im->st->store, err) != HC_OK)
        return err->code;
    int rc = s_pass(im, req->csv, strlen(req->csv), err);
    if (im->unlisted)
        s_reject(im, 0, NULL, "%zu more rejections not listed", im->unlisted);
    if (dry_run)
        return rc;
    hc_error end_err;
    bool keep = rc == HC_OK && im->report->n_rejected == 0;
    int end = enr_store_import_end(im->st->store, keep, &end_err);
    if (rc == HC_OK && end != HC_OK)
        return hc_error_set(err, end, NULL, "%s", end_err.message);
    return rc;
}

int enr_import_workers(void *state, hc_call *call, const ProtobufCMessage *in,
                       ProtobufCMessage **out)
{
    const Hcap__ImportWorkersRequest *req = (const Hcap__ImportWorkersRequest *)in;
    s_import im = {.st = state, .call = call};
    im.report = (Hcap__ImportReport *)hc_call_new(call, &hcap__import_report__descriptor);
    im.report->has_dry_run = 1;
    im.report->dry_run = req->has_dry_run && req->dry_run;
    im.row = hc_arena_new();
    im.seen = zhashx_new();
    im.now = hc_call_now(call);
    hc_error err;
    hc_error_clear(&err);
    int rc = s_run(&im, req, &err);
    zhashx_destroy(&im.seen);
    hc_arena_destroy(&im.row);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &im.report->base;
    return HC_OK;
}
