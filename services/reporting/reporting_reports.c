/* reporting_reports: the grant, outcomes, apprenticeship and indicators
   reports (docs/indicators.md), suppressed for the analyst role and, at
   central, for everyone. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hc_field.h"
#include "hc_json.h"
#include "hc_time.h"
#include "hc_log.h"
#include "reporting_index.h"
#include "reporting_query.h"
#include "reporting_server.h"
#include "reporting_suppress.h"

/* x rounded to two decimals. */
static double s_round2(double x)
{
    return round(x * 100.0) / 100.0;
}

/* part / whole as a percent with two decimals; 0 when whole is 0. */
static double s_percent(uint32_t part, uint32_t whole)
{
    return whole ? s_round2((double)part / (double)whole * 100.0) : 0;
}

/* A period's ends: each empty or a real date, from not after to. */
static int s_period_check(hc_call *call, const char *from, const char *to)
{
    if (from && *from && !hc_date_valid(from))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "from", "from must be a date YYYY-MM-DD");
    if (to && *to && !hc_date_valid(to))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "to", "to must be a date YYYY-MM-DD");
    if (from && *from && to && *to && strcmp(from, to) > 0)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "to", "to must not be before from");
    return HC_OK;
}

/* Central suppresses every report; a region the analyst's. */
static bool s_suppressed(const rep_state *st, hc_call *call)
{
    return st->central || rep_suppress_applies(hc_call_principal(call));
}

/* --- the model --- */

/* Reports read in one transaction (a batch of reads runs in one; a call
   outside any opens its own), so the model and any SQL agree. */
static bool s_read_begin(rep_state *st)
{
    hc_error err;
    return !hc_store_in_transaction(st->store) && hc_store_begin_read(st->store, &err) == HC_OK;
}

static void s_read_end(rep_state *st, bool own)
{
    hc_error err;
    if (own && hc_store_commit(st->store, &err) != HC_OK)
        hc_log_warn("report_read_end", "error=\"%s\"", err.message);
}

/* The model brought to the store's state; NULL when it cannot hold the
   store (a text, date or wage beyond its fields, memory): the SQL
   answers then, exactly but slowly. */
static const rep_model *s_model(rep_state *st)
{
    hc_error err;
    if (rep_model_sync(st->model, st->store, &err) == HC_OK)
        return st->model;
    hc_log_warn("report_model_unusable", "code=%d error=\"%s\"", err.code, err.message);
    return NULL;
}

/* --- grants --- */

/* The days of start..end passed by today (inclusive, at most all of them)
   over the period's days, as a percent. */
static double s_elapsed_pct(const char *start, const char *end, const char *today)
{
    int64_t first = hc_date_days(start), total = hc_date_days(end) - first + 1;
    int64_t passed = hc_date_days(today) - first + 1;
    if (total <= 0)
        return 0;
    passed = passed < 0 ? 0 : passed > total ? total : passed;
    return s_round2((double)passed / (double)total * 100.0);
}

static Hcap__DeliverableReport *s_deliverable(hc_call *call, const Hcap__Deliverable *d,
                                              double elapsed, uint32_t actual, uint32_t placed)
{
    Hcap__DeliverableReport *r =
        (Hcap__DeliverableReport *)hc_call_new(call, &hcap__deliverable_report__descriptor);
    r->code = d->code;
    r->name = d->name;
    r->metric = d->metric;
    r->target = d->target;
    r->has_actual = r->has_pct_of_target = r->has_on_pace = 1;
    r->actual = actual;
    if (d->metric == HCAP__METRIC__METRIC_PLACEMENT_RATE) {
        r->has_numerator = r->has_denominator = 1;
        r->numerator = placed;
        r->denominator = actual;
        r->actual = s_percent(placed, actual);
    }
    r->pct_of_target = s_round2(r->actual / d->target * 100.0);
    r->on_pace = r->pct_of_target >= elapsed || r->actual >= d->target;
    return r;
}

/* Every deliverable's counts over the grant's period into actual[] and
   placed[]: from the model in one pass, else one query each. */
static int s_grant_counts(rep_state *st, const Hcap__Grant *g, uint32_t *actual, uint32_t *placed,
                          hc_error *err)
{
    const rep_model *model = s_model(st);
    if (model)
        return rep_index_deliverables(model, g->deliverables, g->n_deliverables, g->start_date,
                                      g->end_date, actual, placed, err);
    int rc = HC_OK;
    for (size_t i = 0; rc == HC_OK && i < g->n_deliverables; i++)
        rc = rep_query_deliverable(st->store, g->deliverables[i], g->start_date, g->end_date,
                                   &actual[i], &placed[i], err);
    return rc;
}

/* The report of grant g as of today. */
static int s_grant_report(rep_state *st, hc_call *call, Hcap__Grant *g, Hcap__GrantReport **out)
{
    hc_arena *arena = hc_call_arena(call);
    char today[HC_DATE_SIZE];
    hc_today(today);
    Hcap__GrantReport *r = (Hcap__GrantReport *)hc_call_new(call, &hcap__grant_report__descriptor);
    r->code = g->code;
    r->name = g->name;
    r->start_date = g->start_date;
    r->end_date = g->end_date;
    r->elapsed_pct = s_elapsed_pct(g->start_date, g->end_date, today);
    r->as_of = hc_arena_strdup(arena, today);
    size_t n = g->n_deliverables;
    r->deliverables = hc_arena_alloc(arena, (n + 1) * sizeof *r->deliverables);
    uint32_t *counts = hc_arena_alloc(arena, (2 * n + 1) * sizeof *counts);
    if (!r->deliverables || !counts)
        return hc_call_fail(call, HC_INTERNAL, NULL, "out of memory");
    hc_error err;
    if (s_grant_counts(st, g, counts, counts + n, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    for (r->n_deliverables = 0; r->n_deliverables < n; r->n_deliverables++)
        r->deliverables[r->n_deliverables] =
            s_deliverable(call, g->deliverables[r->n_deliverables], r->elapsed_pct,
                          counts[r->n_deliverables], counts[n + r->n_deliverables]);
    *out = r;
    return HC_OK;
}

int rep_grant_report(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    rep_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__Grant *g = NULL;
    Hcap__GrantReport *r = NULL;
    hc_error err;
    bool own = s_read_begin(st);
    int rc = rep_query_grant_get(st->store, req->id, "id", hc_call_arena(call), &g, &err);
    if (rc != HC_OK)
        rc = hc_call_fail_with(call, &err);
    else
        rc = s_grant_report(st, call, g, &r);
    s_read_end(st, own);
    if (rc != HC_OK)
        return rc;
    if (s_suppressed(st, call))
        rep_suppress_grant(r);
    *out = &r->base;
    return HC_OK;
}

/* --- outcomes --- */

const char *const rep_age_bands[] = {"under_25", "25_34",   "35_44", "45_54",
                                     "55_64",    "65_plus", NULL};

/* Where group comes in its dimension: an enum value's number (the age
   bands' order), then the others (two_or_more, ids, codes), unknown last. */
static int s_rank(Hcap__Dimension by, const char *group)
{
    const ProtobufCEnumDescriptor *desc = NULL;
    int value = 0;
    if (strcmp(group, "unknown") == 0)
        return INT_MAX;
    switch (by) {
    case HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY:
        desc = &hcap__race_ethnicity__descriptor;
        break;
    case HCAP__DIMENSION__DIMENSION_GENDER:
        desc = &hcap__gender__descriptor;
        break;
    case HCAP__DIMENSION__DIMENSION_SECTOR:
        desc = &hcap__sector__descriptor;
        break;
    case HCAP__DIMENSION__DIMENSION_EMPLOYMENT_STATUS:
        desc = &hcap__employment_status__descriptor;
        break;
    case HCAP__DIMENSION__DIMENSION_AGE_BAND:
        for (int i = 0; rep_age_bands[i]; i++)
            if (strcmp(group, rep_age_bands[i]) == 0)
                return i;
        return INT_MAX - 1;
    default:
        return INT_MAX - 1;
    }
    return hc_json_enum_value(desc, group, &value) == 0 ? value : INT_MAX - 1;
}

typedef struct {
    int rank;
    Hcap__OutcomeRow *row;
} s_ranked;

static int s_ranked_cmp(const void *a, const void *b)
{
    const s_ranked *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    int c = strcmp(x->row->group, y->row->group);
    if (c)
        return c;
    return strcmp(x->row->label ? x->row->label : "", y->row->label ? y->row->label : "");
}

/* Sorts the rows in the dimension's group order, then by group. */
static int s_sort_rows(hc_call *call, Hcap__Dimension by, Hcap__OutcomeRow **rows, size_t n)
{
    if (n < 2)
        return HC_OK;
    s_ranked *ranked = hc_arena_alloc(hc_call_arena(call), n * sizeof *ranked);
    if (!ranked)
        return hc_call_fail(call, HC_INTERNAL, NULL, "out of memory");
    for (size_t i = 0; i < n; i++)
        ranked[i] = (s_ranked){s_rank(by, rows[i]->group), rows[i]};
    qsort(ranked, n, sizeof *ranked, s_ranked_cmp);
    for (size_t i = 0; i < n; i++)
        rows[i] = ranked[i].row;
    return HC_OK;
}

int rep_outcomes(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    rep_state *st = state;
    const Hcap__OutcomesRequest *req = (const Hcap__OutcomesRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    if (!hc_field_enum_valid(&hcap__dimension__descriptor, req->by))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "by", "by must name a dimension");
    if (req->by == HCAP__DIMENSION__DIMENSION_NODE && !st->central)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "by", "by=node is for the central node");
    int rc = s_period_check(call, req->from, req->to);
    if (rc != HC_OK)
        return rc;
    Hcap__OutcomesReport *r =
        (Hcap__OutcomesReport *)hc_call_new(call, &hcap__outcomes_report__descriptor);
    hc_error err;
    bool own = s_read_begin(st);
    const rep_model *model = s_model(st);
    rc = model ? rep_index_outcomes(model, req->by, req->from, req->to, arena, &r->rows, &r->n_rows,
                                    &r->total, &err)
               : rep_query_outcomes(st->store, req->by, req->from, req->to, arena, &r->rows,
                                    &r->n_rows, &r->total, &err);
    s_read_end(st, own);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    if ((rc = s_sort_rows(call, req->by, r->rows, r->n_rows)) != HC_OK)
        return rc;
    r->by = req->by;
    r->from = hc_arena_text(arena, req->from);
    r->to = hc_arena_text(arena, req->to);
    if (s_suppressed(st, call))
        rep_suppress_outcomes(r, req->by != HCAP__DIMENSION__DIMENSION_PROGRAM);
    *out = &r->base;
    return HC_OK;
}

/* --- apprenticeship --- */

int rep_apprenticeship_report(void *state, hc_call *call, const ProtobufCMessage *in,
                              ProtobufCMessage **out)
{
    rep_state *st = state;
    const Hcap__ApprenticeshipReportRequest *req = (const Hcap__ApprenticeshipReportRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    const char *program = req->program_code && *req->program_code ? req->program_code : NULL;
    int rc = s_period_check(call, req->from, req->to);
    if (rc != HC_OK)
        return rc;
    hc_error err;
    if (program && rep_query_program_exists(st->store, "apprenticeship", program, "program_code",
                                            &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    Hcap__ApprenticeshipReport *r =
        (Hcap__ApprenticeshipReport *)hc_call_new(call, &hcap__apprenticeship_report__descriptor);
    bool own = s_read_begin(st);
    const rep_model *model = s_model(st);
    rc = model ? rep_index_apprenticeship(model, program, req->from, req->to, r, &err)
               : rep_query_apprenticeship(st->store, program, req->from, req->to, r, &err);
    s_read_end(st, own);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    r->has_completion_rate = r->has_placement_rate = 1;
    r->completion_rate = s_percent(r->completed, r->registered);
    r->placement_rate = s_percent(r->placed, r->completed);
    r->program_code = hc_arena_text(arena, program);
    r->from = hc_arena_text(arena, req->from);
    r->to = hc_arena_text(arena, req->to);
    if (s_suppressed(st, call))
        rep_suppress_apprenticeship(r);
    *out = &r->base;
    return HC_OK;
}

/* --- indicators --- */

int rep_indicators(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    rep_state *st = state;
    const Hcap__IndicatorsRequest *req = (const Hcap__IndicatorsRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    int rc = s_period_check(call, req->from, req->to);
    if (rc != HC_OK)
        return rc;
    char today[HC_DATE_SIZE];
    hc_today(today);
    Hcap__IndicatorsReport *r =
        (Hcap__IndicatorsReport *)hc_call_new(call, &hcap__indicators_report__descriptor);
    hc_error err;
    bool own = s_read_begin(st);
    const rep_model *model = s_model(st);
    rc = model ? rep_index_indicators(model, st->store, req->from, req->to, today, r, &err)
               : rep_query_indicators(st->store, req->from, req->to, today, r, &err);
    s_read_end(st, own);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    r->has_credential_attainment_rate = r->has_measurable_skill_gains = 1;
    r->has_employment_rate_q2 = r->has_employment_rate_q4 = 1;
    r->credential_attainment_rate = s_percent(r->credential_attainers, r->credential_exiters);
    r->measurable_skill_gains = s_percent(r->skill_gainers, r->skill_participants);
    r->employment_rate_q2 = s_percent(r->employed_q2, r->exiters_q2);
    r->employment_rate_q4 = s_percent(r->employed_q4, r->exiters_q4);
    r->from = hc_arena_text(arena, req->from);
    r->to = hc_arena_text(arena, req->to);
    r->as_of = hc_arena_strdup(arena, today);
    if (s_suppressed(st, call))
        rep_suppress_indicators(r);
    *out = &r->base;
    return HC_OK;
}
