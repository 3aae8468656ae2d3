/* apprenticeship_progress: an apprentice's progress (hours, competencies,
   wage step) and what moves it: hours entries, sign-offs and the
   completion they may bring. */
#include <math.h>
#include <string.h>
#include "hc_field.h"
#include "hc_json.h"
#include "hc_time.h"
#include "apprenticeship_server.h"

#define S_TIME_BASED       HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_TIME_BASED
#define S_COMPETENCY_BASED HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_COMPETENCY_BASED
#define S_DAY_CENTIHOURS   2400

/* --- hours, wage steps and requirements --- */

int appr_centihours(hc_call *call, double hours, double min, bool min_open, double max,
                    const char *field, int64_t *out)
{
    if (!isfinite(hours) || hours < min || (min_open && hours == min) || hours > max)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s must be %s %g and at most %g",
                            field, min_open ? "above" : "at least", min, max);
    double scaled = hours * 100.0;
    if (fabs(scaled - round(scaled)) > 1e-6)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s has more than two decimals",
                            field);
    *out = llround(scaled);
    return HC_OK;
}

static int64_t s_centi(double hours)
{
    return llround(hours * 100.0);
}

static bool s_has(char **codes, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(codes[i], code) == 0)
            return true;
    return false;
}

void appr_progress_fill(hc_arena *arena, Hcap__Apprentice *a, const Hcap__ApprenticeshipProgram *p)
{
    a->completion_credential_code = p->completion_credential_code;
    a->competencies_remaining =
        hc_arena_alloc(arena, (p->n_competencies ? p->n_competencies : 1) * sizeof(char *));
    a->n_competencies_remaining = 0;
    for (size_t i = 0; i < p->n_competencies; i++)
        if (!s_has(a->competencies_completed, a->n_competencies_completed, p->competencies[i]))
            a->competencies_remaining[a->n_competencies_remaining++] = p->competencies[i];
    int64_t ojl = s_centi(a->ojl_hours) + s_centi(a->credited_ojl_hours);
    a->has_wage_step = a->has_hourly_wage_cents = 0;
    for (size_t i = 0; i < p->n_wage_steps; i++)
        if (s_centi(p->wage_steps[i]->after_ojl_hours) <= ojl) {
            a->has_wage_step = a->has_hourly_wage_cents = 1;
            a->wage_step = (uint32_t)(i + 1);
            a->hourly_wage_cents = p->wage_steps[i]->hourly_wage_cents;
        }
}

/* Whether a meets the requirements of p's approach. */
static bool s_requirements_met(const Hcap__ApprenticeshipProgram *p, const Hcap__Apprentice *a)
{
    bool hours = s_centi(a->ojl_hours) + s_centi(a->credited_ojl_hours) >= s_centi(p->ojl_hours) &&
                 s_centi(a->rti_hours) + s_centi(a->credited_rti_hours) >= s_centi(p->rti_hours);
    bool competencies = a->n_competencies_remaining == 0;
    if (p->approach == S_TIME_BASED)
        return hours;
    if (p->approach == S_COMPETENCY_BASED)
        return competencies;
    return hours && competencies;
}

/* --- reading --- */

int appr_apprentice_read(appr_state *st, hc_call *call, const char *id, const char *field,
                         Hcap__Apprentice **out, Hcap__ApprenticeshipProgram **program)
{
    hc_arena *arena = hc_call_arena(call);
    Hcap__ApprenticeshipProgram *p = NULL;
    hc_error err;
    if (appr_store_apprentice_get(st->store, id, field, arena, out, &err) != HC_OK ||
        appr_store_program_get(st->store, (*out)->program_code, NULL, arena, &p, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    appr_progress_fill(arena, *out, p);
    if (program)
        *program = p;
    return HC_OK;
}

int appr_require_active(hc_call *call, const Hcap__Apprentice *a)
{
    if (a->status == APPR_ACTIVE)
        return HC_OK;
    const char *status = hc_json_enum_name(&hcap__apprentice_status__descriptor, (int)a->status);
    return hc_call_fail(call, HC_FAILED_PRECONDITION, "status", "apprentice %s is %s", a->id,
                        status ? status : "not active");
}

int appr_complete_if_met(appr_state *st, hc_call *call, const char *on,
                         const Hcap__ApprenticeshipProgram *p, Hcap__Apprentice *a, bool *completed)
{
    char *last = NULL;
    hc_error err;
    *completed = false;
    if (a->status != APPR_ACTIVE || !s_requirements_met(p, a))
        return HC_OK;
    if (appr_store_last_date(st->store, a->id, hc_call_arena(call), &last, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    a->status = APPR_COMPLETED;
    a->completed_on = a->status_date = on && strcmp(on, last) > 0 ? (char *)on : last;
    a->status_reason = NULL;
    a->updated_at = hc_call_now(call);
    if (appr_store_apprentice_update(st->store, a, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *completed = true;
    return hc_call_emit(call, APPR_EV_COMPLETED, a->worker_id, &a->base);
}

/* --- hours --- */

/* The checks of an hours entry that need no stored state. */
static int s_hours_check(hc_call *call, const Hcap__LogHoursRequest *req, int64_t *centi)
{
    int rc = hc_call_required(call, req->id, "id");
    if (rc != HC_OK)
        return rc;
    if (!hc_field_enum_valid(&hcap__hours_kind__descriptor, req->kind))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "kind", "kind must be ojl or rti");
    if ((rc = hc_call_date_not_future(call, req->date, "date")) != HC_OK)
        return rc;
    return appr_centihours(call, req->hours, 0, true, 24, "hours", centi);
}

/* The checks against the apprentice, its program and the day's hours. */
static int s_hours_fit(appr_state *st, hc_call *call, const Hcap__LogHoursRequest *req,
                       int64_t centi, const Hcap__Apprentice *a,
                       const Hcap__ApprenticeshipProgram *p)
{
    int64_t day = 0;
    hc_error err;
    int rc = appr_require_active(call, a);
    if (rc != HC_OK)
        return rc;
    if (strcmp(req->date, a->start_date) < 0)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "date",
                            "date %s is before the apprentice's start_date %s", req->date,
                            a->start_date);
    if (req->competency && *req->competency &&
        !s_has(p->competencies, p->n_competencies, req->competency))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "competency",
                            "%s is not a competency of program %s", req->competency, p->code);
    if (appr_store_day_centihours(st->store, a->id, req->date, &day, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (day + centi > S_DAY_CENTIHOURS)
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "hours",
                            "%s already has %.2f hours on %s; %.2f more would pass 24", a->id,
                            (double)day / 100.0, req->date, (double)centi / 100.0);
    return HC_OK;
}

/* A new hours entry of req in the call's arena. */
static Hcap__HoursEntry *s_entry(hc_call *call, const Hcap__LogHoursRequest *req, int64_t centi)
{
    hc_arena *arena = hc_call_arena(call);
    Hcap__HoursEntry *h = (Hcap__HoursEntry *)hc_call_new(call, &hcap__hours_entry__descriptor);
    h->id = hc_call_id(call, "hrs");
    h->apprentice_id = hc_arena_strdup(arena, req->id);
    h->kind = req->kind;
    h->date = hc_arena_strdup(arena, req->date);
    h->hours = (double)centi / 100.0;
    h->competency = hc_arena_text(arena, req->competency);
    h->approved_by = hc_arena_text(arena, req->approved_by);
    h->recorded_by = hc_arena_text(arena, hc_call_principal(call)->name);
    h->created_at = hc_call_now(call);
    return h;
}

int appr_hours_log(appr_state *st, hc_call *call, const Hcap__LogHoursRequest *req,
                   Hcap__Apprentice **out, bool *completed)
{
    Hcap__ApprenticeshipProgram *p = NULL;
    Hcap__Apprentice *a = NULL;
    int64_t centi = 0;
    hc_error err;
    int rc = s_hours_check(call, req, &centi);
    if (rc != HC_OK || (rc = appr_apprentice_read(st, call, req->id, "id", &a, &p)) != HC_OK ||
        (rc = s_hours_fit(st, call, req, centi, a, p)) != HC_OK)
        return rc;
    Hcap__HoursEntry *h = s_entry(call, req, centi);
    if (appr_store_hours_insert(st->store, h, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if ((rc = appr_apprentice_read(st, call, a->id, "id", &a, NULL)) != HC_OK)
        return rc;
    Hcap__HoursLogged logged = HCAP__HOURS_LOGGED__INIT;
    logged.entry = h;
    logged.apprentice = a;
    if ((rc = hc_call_emit(call, APPR_EV_HOURS, a->worker_id, &logged.base)) != HC_OK)
        return rc;
    rc = appr_complete_if_met(st, call, h->date, p, a, completed);
    *out = a;
    return rc;
}

int appr_log_hours(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    Hcap__Apprentice *a = NULL;
    bool completed = false;
    int rc = appr_hours_log(state, call, (const Hcap__LogHoursRequest *)in, &a, &completed);
    if (rc == HC_OK)
        *out = &a->base;
    return rc;
}

int appr_list_hours(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__ListHoursRequest *req = (const Hcap__ListHoursRequest *)in;
    hc_page page;
    hc_error err;
    Hcap__HoursEntryList *list = (Hcap__HoursEntryList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__hours_entry_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    Hcap__Apprentice *a = NULL;
    if (appr_store_apprentice_get(st->store, req->id, "id", hc_call_arena(call), &a, &err) !=
            HC_OK ||
        appr_store_hours_list(st->store, a->id, &page, hc_call_arena(call), list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* --- sign-offs --- */

static int s_signoff_check(hc_call *call, const Hcap__SignOffRequest *req,
                           const Hcap__Apprentice *a, const Hcap__ApprenticeshipProgram *p)
{
    int rc = appr_require_active(call, a);
    if (rc != HC_OK)
        return rc;
    if (!s_has(p->competencies, p->n_competencies, req->competency))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "competency",
                            "%s is not a competency of program %s", req->competency, p->code);
    if (strcmp(req->date, a->start_date) < 0)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "date",
                            "date %s is before the apprentice's start_date %s", req->date,
                            a->start_date);
    return HC_OK;
}

int appr_sign_off(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__SignOffRequest *req = (const Hcap__SignOffRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    Hcap__ApprenticeshipProgram *p = NULL;
    Hcap__Apprentice *a = NULL;
    hc_error err;
    int rc = hc_call_required(call, req->id, "id");
    if (rc != HC_OK || (rc = hc_call_required(call, req->competency, "competency")) != HC_OK ||
        (rc = hc_call_required(call, req->signed_by, "signed_by")) != HC_OK ||
        (rc = hc_call_date_not_future(call, req->date, "date")) != HC_OK ||
        (rc = appr_apprentice_read(st, call, req->id, "id", &a, &p)) != HC_OK ||
        (rc = s_signoff_check(call, req, a, p)) != HC_OK)
        return rc;
    Hcap__Signoff *s = (Hcap__Signoff *)hc_call_new(call, &hcap__signoff__descriptor);
    s->apprentice_id = a->id;
    s->competency = hc_arena_strdup(arena, req->competency);
    s->signed_by = hc_arena_strdup(arena, req->signed_by);
    s->date = hc_arena_strdup(arena, req->date);
    s->recorded_by = hc_arena_text(arena, hc_call_principal(call)->name);
    s->created_at = hc_call_now(call);
    if ((rc = appr_store_signoff_insert(st->store, s, &err)) == HC_ALREADY_EXISTS)
        return hc_call_fail(call, rc, "competency", "%s is already signed off for %s",
                            s->competency, a->id);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    if ((rc = appr_apprentice_read(st, call, a->id, "id", &a, NULL)) != HC_OK)
        return rc;
    Hcap__CompetencySignedOff signed_off = HCAP__COMPETENCY_SIGNED_OFF__INIT;
    signed_off.signoff = s;
    signed_off.apprentice = a;
    bool completed = false;
    if ((rc = hc_call_emit(call, APPR_EV_SIGNOFF, a->worker_id, &signed_off.base)) != HC_OK ||
        (rc = appr_complete_if_met(st, call, s->date, p, a, &completed)) != HC_OK)
        return rc;
    *out = &a->base;
    return HC_OK;
}

/* --- reads --- */

int appr_get_apprentice(void *state, hc_call *call, const ProtobufCMessage *in,
                        ProtobufCMessage **out)
{
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__Apprentice *a = NULL;
    int rc = appr_apprentice_read(state, call, req->id, "id", &a, NULL);
    if (rc == HC_OK)
        *out = &a->base;
    return rc;
}

int appr_program_cached(appr_state *st, hc_call *call, const char *code,
                        Hcap__ApprenticeshipProgram **program)
{
    hc_error err;
    if (*program && strcmp((*program)->code, code) == 0)
        return HC_OK;
    if (appr_store_program_get(st->store, code, NULL, hc_call_arena(call), program, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    return HC_OK;
}

/* Fills the progress of each apprentice of a list. */
static int s_list_fill(appr_state *st, hc_call *call, Hcap__Apprentice **items, size_t n)
{
    Hcap__ApprenticeshipProgram *p = NULL;
    for (size_t i = 0; i < n; i++) {
        int rc = appr_program_cached(st, call, items[i]->program_code, &p);
        if (rc != HC_OK)
            return rc;
        appr_progress_fill(hc_call_arena(call), items[i], p);
    }
    return HC_OK;
}

int appr_filter_read(hc_call *call, const Hcap__ListApprenticesRequest *req, appr_filter *f)
{
    hc_arena *arena = hc_call_arena(call);
    if (req->has_status && !hc_field_enum_valid(&hcap__apprentice_status__descriptor, req->status))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "status",
                            "status must be active, suspended, completed or cancelled");
    f->worker_id = hc_arena_text(arena, req->worker_id);
    f->program_code = hc_arena_text(arena, req->program_code);
    f->mentor = hc_arena_text(arena, req->mentor);
    f->status = req->has_status ? (int)req->status : 0;
    return HC_OK;
}

int appr_list_apprentices(void *state, hc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__ListApprenticesRequest *req = (const Hcap__ListApprenticesRequest *)in;
    appr_filter filter;
    hc_page page;
    hc_error err;
    Hcap__ApprenticeList *list = (Hcap__ApprenticeList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__apprentice_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    int rc = appr_filter_read(call, req, &filter);
    if (rc != HC_OK)
        return rc;
    if (appr_store_apprentice_list(st->store, &filter, &page, hc_call_arena(call), list, &err) !=
        HC_OK)
        return hc_call_fail_with(call, &err);
    if ((rc = s_list_fill(st, call, list->items, list->n_items)) != HC_OK)
        return rc;
    *out = &list->base;
    return HC_OK;
}
