/* apprenticeship_import: hours from a CSV file (ImportHours: every row
   through the same checks as LogHours, all rows or none) and the
   registration agency's RAPIDS-aligned export. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hc_csv.h"
#include "hc_json.h"
#include "apprenticeship_server.h"

#define S_REJECTIONS_MAX 1000 /* listed; the import stops there */
#define S_EXPORT_MAX     10000

/* The columns of an hours file, in LogHoursRequest terms. */
enum {
    S_COL_APPRENTICE,
    S_COL_KIND,
    S_COL_DATE,
    S_COL_HOURS,
    S_COL_COMPETENCY,
    S_COL_APPROVED,
    S_COLS
};
static const char *const s_col_names[S_COLS] = {"apprentice_id", "kind",       "date",
                                                "hours",         "competency", "approved_by"};

typedef struct {
    appr_state *st;
    hc_call *call;
    Hcap__ImportHoursReport *report;
    size_t capacity;    /* of report->rejected */
    int column[S_COLS]; /* the file's column of each, or -1 */
} s_import;

static void s_reject(s_import *im, size_t line, const char *field, const char *message)
{
    Hcap__ImportHoursReport *r = im->report;
    hc_call_reject(im->call, &r->rejected, &r->n_rejected, &im->capacity, (uint32_t)line, field,
                   message);
}

/* Maps the header's names to columns; false (rejected) when one is unknown,
   repeated or a required one is missing. */
static bool s_header(s_import *im, char **fields, size_t count)
{
    char message[200];
    for (int c = 0; c < S_COLS; c++)
        im->column[c] = -1;
    for (size_t i = 0; i < count; i++) {
        int c = 0;
        while (c < S_COLS && strcmp(fields[i], s_col_names[c]) != 0)
            c++;
        if (c == S_COLS || im->column[c] >= 0) {
            snprintf(message, sizeof message, "%s column %.100s",
                     c == S_COLS ? "unknown" : "repeated", fields[i]);
            s_reject(im, 1, fields[i], message);
            return false;
        }
        im->column[c] = (int)i;
    }
    for (int c = 0; c <= S_COL_HOURS; c++)
        if (im->column[c] < 0) {
            snprintf(message, sizeof message, "the header has no %s column", s_col_names[c]);
            s_reject(im, 1, s_col_names[c], message);
            return false;
        }
    return true;
}

static const char *s_cell(const s_import *im, char **fields, size_t count, int c)
{
    int i = im->column[c];
    return i >= 0 && (size_t)i < count && *fields[i] ? fields[i] : NULL;
}

/* The LogHoursRequest of one row; false (rejected) when kind or hours do
   not parse. */
static bool s_row_request(s_import *im, size_t line, char **fields, size_t count,
                          Hcap__LogHoursRequest *req)
{
    const char *kind = s_cell(im, fields, count, S_COL_KIND);
    const char *hours = s_cell(im, fields, count, S_COL_HOURS);
    int value = 0;
    char *end = NULL;
    if (!kind || hc_json_enum_value(&hcap__hours_kind__descriptor, kind, &value) != 0) {
        s_reject(im, line, "kind", "kind must be ojl or rti");
        return false;
    }
    errno = 0;
    req->hours = hours ? strtod(hours, &end) : 0;
    if (!hours || errno || *end) {
        s_reject(im, line, "hours", "hours must be a number");
        return false;
    }
    req->id = (char *)s_cell(im, fields, count, S_COL_APPRENTICE);
    req->kind = value;
    req->date = (char *)s_cell(im, fields, count, S_COL_DATE);
    req->competency = (char *)s_cell(im, fields, count, S_COL_COMPETENCY);
    req->approved_by = (char *)s_cell(im, fields, count, S_COL_APPROVED);
    return true;
}

/* Logs one row in its own savepoint; a failing row rolls back alone. */
static void s_row(s_import *im, size_t line, char **fields, size_t count)
{
    Hcap__LogHoursRequest req = HCAP__LOG_HOURS_REQUEST__INIT;
    Hcap__Apprentice *a = NULL;
    bool completed = false;
    hc_error err;
    im->report->rows++;
    if (!s_row_request(im, line, fields, count, &req))
        return;
    if (hc_store_savepoint(im->st->store, &err) != HC_OK) {
        s_reject(im, line, NULL, err.message);
        return;
    }
    if (appr_hours_log(im->st, im->call, &req, &a, &completed) != HC_OK) {
        hc_store_rollback_savepoint(im->st->store);
        const hc_error *why = hc_call_error(im->call);
        bool is_id = strcmp(why->field, "id") == 0; /* the apprentice's, in LogHours */
        s_reject(im, line,
                 is_id           ? "apprentice_id"
                 : why->field[0] ? why->field
                                 : NULL,
                 why->message);
        return;
    }
    if (hc_store_release(im->st->store, &err) != HC_OK) {
        s_reject(im, line, NULL, err.message);
        return;
    }
    im->report->logged++;
    im->report->hours += req.hours;
    if (completed) {
        Hcap__ImportHoursReport *r = im->report;
        char **grown =
            hc_arena_alloc(hc_call_arena(im->call), (r->n_completed + 1) * sizeof *grown);
        if (r->n_completed)
            memcpy(grown, r->completed, r->n_completed * sizeof *grown);
        grown[r->n_completed++] = a->id;
        r->completed = grown;
    }
}

/* Reads the header and every row; stops at malformed CSV or too many
   rejections. */
static void s_rows(s_import *im, const char *csv)
{
    hc_csv *reader = hc_csv_new(csv, strlen(csv));
    char **fields = NULL;
    size_t count = 0;
    hc_error err;
    int got = reader ? hc_csv_next(reader, &fields, &count, &err) : -1;
    if (got == 0)
        s_reject(im, 1, NULL, "the file is empty");
    else if (got < 0)
        s_reject(im, 1, NULL, reader ? err.message : "out of memory");
    else if (s_header(im, fields, count))
        while (im->report->n_rejected < S_REJECTIONS_MAX &&
               (got = hc_csv_next(reader, &fields, &count, &err)) != 0) {
            if (got < 0) {
                s_reject(im, hc_csv_line(reader), NULL, err.message);
                break;
            }
            s_row(im, hc_csv_line(reader), fields, count);
        }
    hc_csv_destroy(&reader);
}

int appr_import_hours(void *state, hc_call *call, const ProtobufCMessage *in,
                      ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__ImportHoursRequest *req = (const Hcap__ImportHoursRequest *)in;
    s_import im = {.st = st, .call = call};
    im.report =
        (Hcap__ImportHoursReport *)hc_call_new(call, &hcap__import_hours_report__descriptor);
    im.report->has_dry_run = 1;
    im.report->dry_run = req->has_dry_run && req->dry_run;
    hc_error err;
    if (hc_store_savepoint(st->store, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    s_rows(&im, req->csv ? req->csv : "");
    if (im.report->n_rejected > 0 || im.report->dry_run)
        hc_store_rollback_savepoint(st->store);
    else if (hc_store_release(st->store, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &im.report->base;
    return HC_OK;
}

/* --- the RAPIDS export --- */

static Hcap__RapidsRecord *s_record(hc_call *call, const Hcap__Apprentice *a,
                                    const Hcap__ApprenticeshipProgram *p)
{
    Hcap__RapidsRecord *r =
        (Hcap__RapidsRecord *)hc_call_new(call, &hcap__rapids_record__descriptor);
    r->apprentice_id = a->id;
    r->program_number = a->program_code;
    r->rapids_code = p->rapids_code;
    r->onet_soc = p->onet_soc;
    r->start_date = a->start_date;
    r->status = a->status;
    r->status_date = a->status_date;
    r->ojl_hours = a->ojl_hours + a->credited_ojl_hours;
    r->rti_hours = a->rti_hours + a->credited_rti_hours;
    r->has_hourly_wage_cents = a->has_hourly_wage_cents;
    r->hourly_wage_cents = a->hourly_wage_cents;
    return r;
}

/* The export's page: up to S_EXPORT_MAX rows. */
static int s_export_page(hc_call *call, const Hcap__ListApprenticesRequest *req, hc_page *page)
{
    if (req->has_limit && (req->limit == 0 || req->limit > S_EXPORT_MAX))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "limit", "limit must be 1..%d",
                            S_EXPORT_MAX);
    page->limit = req->has_limit ? req->limit : S_EXPORT_MAX;
    page->after = req->after && *req->after ? req->after : NULL;
    return HC_OK;
}

int appr_export_apprentices(void *state, hc_call *call, const ProtobufCMessage *in,
                            ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__ListApprenticesRequest *req = (const Hcap__ListApprenticesRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    Hcap__ApprenticeList list = HCAP__APPRENTICE_LIST__INIT;
    Hcap__ApprenticeshipProgram *p = NULL;
    appr_filter filter;
    hc_page page;
    hc_error err;
    int rc = s_export_page(call, req, &page);
    if (rc != HC_OK || (rc = appr_filter_read(call, req, &filter)) != HC_OK)
        return rc;
    if (appr_store_apprentice_list(st->store, &filter, &page, arena, &list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    Hcap__RapidsExport *export =
        (Hcap__RapidsExport *)hc_call_new(call, &hcap__rapids_export__descriptor);
    export->items = hc_arena_alloc(arena, (list.n_items ? list.n_items : 1) * sizeof(void *));
    for (size_t i = 0; i < list.n_items; i++) {
        Hcap__Apprentice *a = list.items[i];
        if ((rc = appr_program_cached(st, call, a->program_code, &p)) != HC_OK)
            return rc;
        appr_progress_fill(arena, a, p);
        export->items[export->n_items++] = s_record(call, a, p);
    }
    export->next = list.next;
    *out = &export->base;
    return HC_OK;
}
