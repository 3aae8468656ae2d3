/* reporting_grants: creating and reading the fund's grants and their
   deliverables (API.md, Reporting service). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "hc_field.h"
#include "hc_time.h"
#include "reporting_query.h"
#include "reporting_server.h"

#define S_CODES_MAX        64 /* codes or values in one filter key */
#define S_DELIVERABLES_MAX 64
#define S_FIELD_SIZE       96

/* Which filter keys a metric takes (API.md's table). */
enum { S_KINDS = 1, S_PROGRAMS = 2, S_CREDENTIALS = 4, S_SOURCES = 8 };

static int s_keys_allowed(Hcap__Metric metric)
{
    switch (metric) {
    case HCAP__METRIC__METRIC_PARTICIPANTS:
    case HCAP__METRIC__METRIC_COMPLETIONS:
        return S_KINDS | S_PROGRAMS;
    case HCAP__METRIC__METRIC_CREDENTIALS:
        return S_CREDENTIALS | S_SOURCES;
    case HCAP__METRIC__METRIC_APPRENTICES:
    case HCAP__METRIC__METRIC_APPRENTICES_COMPLETED:
    case HCAP__METRIC__METRIC_PLACEMENT_RATE:
        return S_PROGRAMS;
    default:
        return 0;
    }
}

/* "deliverables[i].<name>" in the call's arena. */
static const char *s_field(hc_call *call, size_t i, const char *name)
{
    return hc_arena_printf(hc_call_arena(call), "deliverables[%zu].%s", i, name);
}

/* A filter key: allowed for the metric when given, at most S_CODES_MAX
   entries, none empty. */
static int s_key_check(hc_call *call, size_t i, const char *key, bool allowed, size_t n,
                       char **codes)
{
    char name[S_FIELD_SIZE];
    snprintf(name, sizeof name, "filter.%s", key);
    if (n == 0)
        return HC_OK;
    if (!allowed)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, s_field(call, i, name),
                            "%s does not apply to this deliverable's metric", key);
    if (n > S_CODES_MAX)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, s_field(call, i, name),
                            "%s lists more than %d values", key, S_CODES_MAX);
    for (size_t j = 0; codes && j < n; j++)
        if (!codes[j] || !*codes[j])
            return hc_call_fail(call, HC_INVALID_ARGUMENT, s_field(call, i, name),
                                "%s holds an empty code", key);
    return HC_OK;
}

static int s_enums_check(hc_call *call, size_t i, const char *key,
                         const ProtobufCEnumDescriptor *desc, const int *values, size_t n)
{
    char name[S_FIELD_SIZE];
    snprintf(name, sizeof name, "filter.%s", key);
    for (size_t j = 0; j < n; j++)
        if (!hc_field_enum_valid(desc, values[j]))
            return hc_call_fail(call, HC_INVALID_ARGUMENT, s_field(call, i, name),
                                "%s holds an unknown value", key);
    return HC_OK;
}

static int s_filter_check(hc_call *call, size_t i, const Hcap__Deliverable *d)
{
    const Hcap__DeliverableFilter *f = d->filter;
    int keys = s_keys_allowed(d->metric), rc;
    if (!f)
        return HC_OK;
    if ((rc = s_key_check(call, i, "program_kinds", keys & S_KINDS, f->n_program_kinds, NULL)) !=
            HC_OK ||
        (rc = s_key_check(call, i, "program_codes", keys & S_PROGRAMS, f->n_program_codes,
                          f->program_codes)) != HC_OK ||
        (rc = s_key_check(call, i, "credential_codes", keys & S_CREDENTIALS, f->n_credential_codes,
                          f->credential_codes)) != HC_OK ||
        (rc = s_key_check(call, i, "sources", keys & S_SOURCES, f->n_sources, NULL)) != HC_OK ||
        (rc = s_enums_check(call, i, "program_kinds", &hcap__program_kind__descriptor,
                            (const int *)f->program_kinds, f->n_program_kinds)) != HC_OK)
        return rc;
    return s_enums_check(call, i, "sources", &hcap__credential_source__descriptor,
                         (const int *)f->sources, f->n_sources);
}

static int s_deliverable_check(hc_call *call, const Hcap__CreateGrantRequest *req, size_t i)
{
    const Hcap__Deliverable *d = req->deliverables[i];
    int rc;
    if ((rc = hc_call_required(call, d->code, s_field(call, i, "code"))) != HC_OK ||
        (rc = hc_call_required(call, d->name, s_field(call, i, "name"))) != HC_OK)
        return rc;
    for (size_t j = 0; j < i; j++)
        if (strcmp(req->deliverables[j]->code, d->code) == 0)
            return hc_call_fail(call, HC_INVALID_ARGUMENT, s_field(call, i, "code"),
                                "deliverable code %s is used twice", d->code);
    if (!hc_field_enum_valid(&hcap__metric__descriptor, d->metric))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, s_field(call, i, "metric"),
                            "metric is required");
    if (!isfinite(d->target) || d->target <= 0 ||
        (d->metric == HCAP__METRIC__METRIC_PLACEMENT_RATE && d->target > 100))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, s_field(call, i, "target"),
                            d->metric == HCAP__METRIC__METRIC_PLACEMENT_RATE
                                ? "target must be a percent above 0, at most 100"
                                : "target must be above 0");
    return s_filter_check(call, i, d);
}

static int s_date_check(hc_call *call, const char *date, const char *field)
{
    int rc = hc_call_required(call, date, field);
    if (rc == HC_OK && !hc_date_valid(date))
        rc = hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s must be a date YYYY-MM-DD", field);
    return rc;
}

static int s_grant_check(hc_call *call, const Hcap__CreateGrantRequest *req)
{
    int rc = hc_call_required(call, req->code, "code");
    if (rc != HC_OK || (rc = hc_call_required(call, req->name, "name")) != HC_OK ||
        (rc = s_date_check(call, req->start_date, "start_date")) != HC_OK ||
        (rc = s_date_check(call, req->end_date, "end_date")) != HC_OK)
        return rc;
    if (strcmp(req->end_date, req->start_date) < 0)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "end_date",
                            "end_date must not be before start_date");
    if (req->n_deliverables == 0 || req->n_deliverables > S_DELIVERABLES_MAX)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "deliverables",
                            "a grant needs 1 to %d deliverables", S_DELIVERABLES_MAX);
    for (size_t i = 0; i < req->n_deliverables; i++)
        if ((rc = s_deliverable_check(call, req, i)) != HC_OK)
            return rc;
    return HC_OK;
}

/* Every code of a filter must be known to the read model: enrollment
   programs for participants and completions, apprenticeship programs for
   the apprenticeship metrics, credential types for credentials. */
static int s_references_check(rep_state *st, hc_call *call, size_t i, const Hcap__Deliverable *d)
{
    const Hcap__DeliverableFilter *f = d->filter;
    bool enrollment = d->metric == HCAP__METRIC__METRIC_PARTICIPANTS ||
                      d->metric == HCAP__METRIC__METRIC_COMPLETIONS;
    hc_error err;
    for (size_t j = 0; f && j < f->n_program_codes; j++)
        if (rep_query_program_exists(st->store, enrollment ? "enrollment" : "apprenticeship",
                                     f->program_codes[j], s_field(call, i, "filter.program_codes"),
                                     &err) != HC_OK)
            return hc_call_fail_with(call, &err);
    for (size_t j = 0; f && j < f->n_credential_codes; j++)
        if (rep_query_credential_type_exists(st->store, f->credential_codes[j],
                                             s_field(call, i, "filter.credential_codes"),
                                             &err) != HC_OK)
            return hc_call_fail_with(call, &err);
    return HC_OK;
}

int rep_create_grant(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    rep_state *st = state;
    const Hcap__CreateGrantRequest *req = (const Hcap__CreateGrantRequest *)in;
    int rc = s_grant_check(call, req);
    for (size_t i = 0; rc == HC_OK && i < req->n_deliverables; i++)
        rc = s_references_check(st, call, i, req->deliverables[i]);
    if (rc != HC_OK)
        return rc;
    Hcap__Grant *g = (Hcap__Grant *)hc_call_new(call, &hcap__grant__descriptor);
    g->code = req->code;
    g->name = req->name;
    g->start_date = req->start_date;
    g->end_date = req->end_date;
    g->deliverables = req->deliverables;
    g->n_deliverables = req->n_deliverables;
    g->funder = hc_arena_text(hc_call_arena(call), req->funder);
    g->created_at = hc_call_now(call);
    hc_error err;
    if ((rc = rep_query_grant_insert(st->store, g, &err)) == HC_ALREADY_EXISTS)
        return hc_call_fail(call, rc, "code", "grant %s exists", g->code);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &g->base;
    return hc_call_emit(call, REP_EV_GRANT, g->code, &g->base);
}

int rep_get_grant(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    rep_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__Grant *g = NULL;
    hc_error err;
    if (rep_query_grant_get(st->store, req->id, "id", hc_call_arena(call), &g, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &g->base;
    return HC_OK;
}

int rep_list_grants(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    rep_state *st = state;
    const Hcap__ListRequest *req = (const Hcap__ListRequest *)in;
    hc_page page;
    hc_error err;
    Hcap__GrantList *list = (Hcap__GrantList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__grant_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    if (rep_query_grant_list(st->store, &page, hc_call_arena(call), list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

int rep_replica_apply(void *state, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    (void)state;
    const char *type = event->type ? event->type : "";
    if (strcmp(type, REP_EV_GRANT) != 0)
        return hc_error_set(err, HC_UNIMPLEMENTED, "type", "event type %s is not known", type);
    Hcap__Grant *g = hcap__grant__unpack(NULL, event->body.len, event->body.data);
    int rc = HC_OK;
    if (!g || !g->code || !*g->code || !g->created_at || !*g->created_at)
        rc = hc_error_set(err, HC_INVALID_ARGUMENT, "body",
                          "%s body is not a grant with a code and created_at", type);
    else
        rc = rep_query_grant_put(store, g->code, event->body.data, event->body.len, g->created_at,
                                 err);
    if (g)
        hcap__grant__free_unpacked(g, NULL);
    return rc;
}

int rep_replica_reset(void *state, hc_store *store, const char *source, hc_error *err)
{
    (void)state;
    (void)source;
    return rep_query_grant_clear(store, err);
}
