/* enrollment_server: the service definition, the shared handler helpers and
   the handlers for employers, programs, cohorts, enrollments and tuition
   claims (workers live in enrollment_worker.c, the import in
   enrollment_import.c). Each handler validates, calls the store, appends
   its event and builds the reply. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hc_field.h"
#include "hc_json.h"
#include "hc_log.h"
#include "hc_time.h"
#include "enrollment_server.h"

#define S_ENROLLED   HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED
#define S_WAITLISTED HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WAITLISTED
#define S_ACTIVE     HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE
#define S_COMPLETED  HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED
#define S_WITHDRAWN  HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN
#define S_FAILED     HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_FAILED
#define S_SUBMITTED  HCAP__CLAIM_STATUS__CLAIM_STATUS_SUBMITTED
#define S_APPROVED   HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED
#define S_DENIED     HCAP__CLAIM_STATUS__CLAIM_STATUS_DENIED
#define S_PAID       HCAP__CLAIM_STATUS__CLAIM_STATUS_PAID

/* --- shared helpers --- */

static const char *s_enum_name(const ProtobufCEnumDescriptor *desc, int value)
{
    const char *name = hc_json_enum_name(desc, value);
    return name ? name : "unspecified";
}

/* --- employers --- */

static int s_create_employer(void *state, hc_call *call, const ProtobufCMessage *in,
                             ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__CreateEmployerRequest *req = (const Hcap__CreateEmployerRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    int rc = hc_call_required(call, req->name, "name");
    if (rc != HC_OK)
        return rc;
    if (!hc_field_enum_valid(&hcap__sector__descriptor, req->sector))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "sector", "sector is required");
    char *us_state = hc_arena_text(arena, req->state);
    if (us_state && (strlen(us_state) != 2 || !isalpha((unsigned char)us_state[0]) ||
                     !isalpha((unsigned char)us_state[1])))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "state", "state must be 2 letters");
    Hcap__Employer *e = (Hcap__Employer *)hc_call_new(call, &hcap__employer__descriptor);
    e->id = hc_call_id(call, "emp");
    e->name = hc_arena_strdup(arena, req->name);
    e->sector = req->sector;
    e->union_local = hc_arena_text(arena, req->union_local);
    e->county = hc_arena_text(arena, req->county);
    if (us_state)
        for (char *p = us_state; *p; p++)
            *p = (char)toupper((unsigned char)*p);
    e->state = us_state;
    e->created_at = hc_call_now(call);
    hc_error err;
    if (enr_store_employer_insert(st->store, e, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &e->base;
    return hc_call_emit(call, "enrollment.employer_created.v1", NULL, &e->base);
}

static int s_get_employer(void *state, hc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__Employer *e = NULL;
    hc_error err;
    if (enr_store_employer_get(st->store, req->id, "id", hc_call_arena(call), &e, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &e->base;
    return HC_OK;
}

static int s_list_employers(void *state, hc_call *call, const ProtobufCMessage *in,
                            ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__ListRequest *req = (const Hcap__ListRequest *)in;
    hc_page page;
    Hcap__EmployerList *list = (Hcap__EmployerList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__employer_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    hc_error err;
    if (enr_store_employer_list(st->store, &page, hc_call_arena(call), list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* --- programs --- */

static int s_program_check(hc_call *call, const Hcap__CreateProgramRequest *req)
{
    int rc = hc_call_required(call, req->code, "code");
    if (rc != HC_OK || (rc = hc_call_required(call, req->name, "name")) != HC_OK)
        return rc;
    if (!hc_field_enum_valid(&hcap__program_kind__descriptor, req->kind))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "kind", "kind is required");
    if (req->has_hours && (!isfinite(req->hours) || req->hours < 0))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "hours", "hours must be >= 0");
    if (req->has_delivery && !hc_field_enum_valid(&hcap__delivery__descriptor, req->delivery))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "delivery", "unknown delivery");
    return HC_OK;
}

static int s_create_program(void *state, hc_call *call, const ProtobufCMessage *in,
                            ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__CreateProgramRequest *req = (const Hcap__CreateProgramRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    int rc = s_program_check(call, req);
    if (rc != HC_OK)
        return rc;
    Hcap__Program *p = (Hcap__Program *)hc_call_new(call, &hcap__program__descriptor);
    p->id = hc_call_id(call, "prg");
    p->code = hc_arena_strdup(arena, req->code);
    p->name = hc_arena_strdup(arena, req->name);
    p->kind = req->kind;
    p->occupation = hc_arena_text(arena, req->occupation);
    p->credential_code = hc_arena_text(arena, req->credential_code);
    p->has_hours = req->has_hours;
    p->hours = req->hours;
    p->has_delivery = req->has_delivery;
    p->delivery = req->delivery;
    p->provider = hc_arena_text(arena, req->provider);
    p->created_at = hc_call_now(call);
    hc_error err;
    if ((rc = enr_store_program_insert(st->store, p, &err)) == HC_ALREADY_EXISTS)
        return hc_call_fail(call, rc, "code", "program code %s exists", p->code);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &p->base;
    return hc_call_emit(call, "enrollment.program_created.v1", NULL, &p->base);
}

static int s_get_program(void *state, hc_call *call, const ProtobufCMessage *in,
                         ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__Program *p = NULL;
    hc_error err;
    if (enr_store_program_get(st->store, req->id, "id", hc_call_arena(call), &p, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &p->base;
    return HC_OK;
}

static int s_list_programs(void *state, hc_call *call, const ProtobufCMessage *in,
                           ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__ListRequest *req = (const Hcap__ListRequest *)in;
    hc_page page;
    Hcap__ProgramList *list = (Hcap__ProgramList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__program_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    hc_error err;
    if (enr_store_program_list(st->store, &page, hc_call_arena(call), list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* --- cohorts --- */

static int s_cohort_check(enr_state *st, hc_call *call, const Hcap__CreateCohortRequest *req)
{
    hc_error err;
    int rc = hc_call_required(call, req->program_id, "program_id");
    if (rc != HC_OK || (rc = hc_call_required(call, req->name, "name")) != HC_OK)
        return rc;
    if (!req->start_date || !hc_date_valid(req->start_date))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "start_date",
                            "start_date must be YYYY-MM-DD");
    if (req->end_date && *req->end_date &&
        (!hc_date_valid(req->end_date) || strcmp(req->end_date, req->start_date) < 0))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "end_date",
                            "end_date must be YYYY-MM-DD, not before start_date");
    if (req->capacity < 1)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "capacity", "capacity must be >= 1");
    if (enr_store_exists(st->store, ENR_PROGRAM, req->program_id, "program_id", &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    return HC_OK;
}

static int s_create_cohort(void *state, hc_call *call, const ProtobufCMessage *in,
                           ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__CreateCohortRequest *req = (const Hcap__CreateCohortRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    int rc = s_cohort_check(st, call, req);
    if (rc != HC_OK)
        return rc;
    Hcap__Cohort *c = (Hcap__Cohort *)hc_call_new(call, &hcap__cohort__descriptor);
    c->id = hc_call_id(call, "coh");
    c->program_id = hc_arena_strdup(arena, req->program_id);
    c->name = hc_arena_strdup(arena, req->name);
    c->start_date = hc_arena_strdup(arena, req->start_date);
    c->end_date = hc_arena_text(arena, req->end_date);
    c->capacity = req->capacity;
    c->language = hc_arena_text(arena, req->language);
    c->has_enrolled_count = c->has_waitlist_count = 1;
    c->created_at = hc_call_now(call);
    hc_error err;
    if (enr_store_cohort_insert(st->store, c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &c->base;
    return hc_call_emit(call, "enrollment.cohort_created.v1", NULL, &c->base);
}

static int s_get_cohort(void *state, hc_call *call, const ProtobufCMessage *in,
                        ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__Cohort *c = NULL;
    hc_error err;
    if (enr_store_cohort_get(st->store, req->id, "id", hc_call_arena(call), &c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &c->base;
    return HC_OK;
}

static int s_list_cohorts(void *state, hc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__ListCohortsRequest *req = (const Hcap__ListCohortsRequest *)in;
    const char *program_id = req->program_id && *req->program_id ? req->program_id : NULL;
    hc_page page;
    hc_error err;
    Hcap__CohortList *list = (Hcap__CohortList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__cohort_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    if (program_id &&
        enr_store_exists(st->store, ENR_PROGRAM, program_id, "program_id", &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (enr_store_cohort_list(st->store, program_id, &page, hc_call_arena(call), list, &err) !=
        HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* --- enrollments --- */

/* The transitions API.md allows. */
static bool s_enrollment_may(int from, int to)
{
    switch (from) {
    case S_ENROLLED:
        return to == S_ACTIVE || to == S_WITHDRAWN;
    case S_ACTIVE:
        return to == S_COMPLETED || to == S_WITHDRAWN || to == S_FAILED;
    case S_WAITLISTED:
        return to == S_WITHDRAWN;
    default:
        return false;
    }
}

static bool s_holds_seat(int status)
{
    return status == S_ENROLLED || status == S_ACTIVE || status == S_COMPLETED ||
           status == S_FAILED;
}

static int s_create_enrollment(void *state, hc_call *call, const ProtobufCMessage *in,
                               ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__CreateEnrollmentRequest *req = (const Hcap__CreateEnrollmentRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    Hcap__Cohort *cohort = NULL;
    Hcap__Enrollment *e = NULL;
    bool taken = false;
    hc_error err;
    int rc = hc_call_required(call, req->worker_id, "worker_id");
    if (rc != HC_OK || (rc = hc_call_required(call, req->cohort_id, "cohort_id")) != HC_OK)
        return rc;
    if (enr_store_exists(st->store, ENR_WORKER, req->worker_id, "worker_id", &err) != HC_OK ||
        enr_store_cohort_get(st->store, req->cohort_id, "cohort_id", arena, &cohort, &err) !=
            HC_OK ||
        enr_store_enrollment_open(st->store, req->worker_id, req->cohort_id, &taken, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (taken)
        return hc_call_fail(call, HC_ALREADY_EXISTS, "worker_id",
                            "worker %s is already enrolled or waitlisted in cohort %s",
                            req->worker_id, req->cohort_id);
    e = (Hcap__Enrollment *)hc_call_new(call, &hcap__enrollment__descriptor);
    e->id = hc_call_id(call, "enr");
    e->worker_id = hc_arena_strdup(arena, req->worker_id);
    e->cohort_id = cohort->id;
    e->program_id = cohort->program_id;
    e->status = cohort->enrolled_count < cohort->capacity ? S_ENROLLED : S_WAITLISTED;
    hc_call_date_or_today(call, NULL, "date", &e->status_date);
    e->created_at = e->updated_at = hc_call_now(call);
    if (enr_store_enrollment_insert(st->store, e, &err) != HC_OK ||
        enr_store_enrollment_get(st->store, e->id, "id", arena, &e, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &e->base;
    return hc_call_emit(call, "enrollment.enrollment_created.v1", e->worker_id, &e->base);
}

/* After a seat was freed in cohort_id: the first waitlisted enrollment, if
   a seat is free, becomes enrolled on date (with its own event). */
static int s_promote_waiting(enr_state *st, hc_call *call, const char *cohort_id, char *date)
{
    hc_arena *arena = hc_call_arena(call);
    Hcap__Cohort *cohort = NULL;
    Hcap__Enrollment *next = NULL;
    hc_error err;
    if (enr_store_cohort_get(st->store, cohort_id, "cohort_id", arena, &cohort, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (cohort->enrolled_count >= cohort->capacity)
        return HC_OK;
    int rc = enr_store_enrollment_first_waiting(st->store, cohort_id, arena, &next, &err);
    if (rc == HC_NOT_FOUND)
        return HC_OK;
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    next->status = S_ENROLLED;
    next->has_waitlist_position = 0;
    next->status_date = date;
    next->updated_at = hc_call_now(call);
    if (enr_store_enrollment_update(st->store, next, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    hc_log_info("enrollment.promoted", "enrollment=%s cohort=%s", next->id, cohort_id);
    return hc_call_emit(call, "enrollment.enrollment_status_changed.v1", next->worker_id,
                        &next->base);
}

static int s_status_check(hc_call *call, const Hcap__ChangeEnrollmentStatusRequest *req)
{
    if (!hc_field_enum_valid(&hcap__enrollment_status__descriptor, req->status))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "status", "status is required");
    if (req->has_hours_attended && (!isfinite(req->hours_attended) || req->hours_attended < 0))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "hours_attended",
                            "hours_attended must be >= 0");
    return HC_OK;
}

static int s_change_enrollment_status(void *state, hc_call *call, const ProtobufCMessage *in,
                                      ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__ChangeEnrollmentStatusRequest *req =
        (const Hcap__ChangeEnrollmentStatusRequest *)in;
    Hcap__Enrollment *e = NULL;
    char *date = NULL;
    hc_error err;
    int rc = s_status_check(call, req);
    if (rc != HC_OK || (rc = hc_call_date_or_today(call, req->date, "date", &date)) != HC_OK)
        return rc;
    if (enr_store_enrollment_get(st->store, req->id, "id", hc_call_arena(call), &e, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (!s_enrollment_may(e->status, req->status))
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "status",
                            "cannot change enrollment from %s to %s",
                            s_enum_name(&hcap__enrollment_status__descriptor, e->status),
                            s_enum_name(&hcap__enrollment_status__descriptor, req->status));
    bool freed = s_holds_seat(e->status) && !s_holds_seat(req->status);
    e->status = req->status;
    e->has_waitlist_position = 0;
    e->status_date = date;
    if (req->reason && *req->reason)
        e->reason = hc_arena_strdup(hc_call_arena(call), req->reason);
    if (req->has_hours_attended) {
        e->has_hours_attended = 1;
        e->hours_attended = req->hours_attended;
    }
    e->updated_at = hc_call_now(call);
    if (enr_store_enrollment_update(st->store, e, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &e->base;
    rc = hc_call_emit(call, "enrollment.enrollment_status_changed.v1", e->worker_id, &e->base);
    return rc == HC_OK && freed ? s_promote_waiting(st, call, e->cohort_id, date) : rc;
}

static int s_get_enrollment(void *state, hc_call *call, const ProtobufCMessage *in,
                            ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__Enrollment *e = NULL;
    hc_error err;
    if (enr_store_enrollment_get(st->store, req->id, "id", hc_call_arena(call), &e, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &e->base;
    return HC_OK;
}

static int s_list_enrollments(void *state, hc_call *call, const ProtobufCMessage *in,
                              ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__ListEnrollmentsRequest *req = (const Hcap__ListEnrollmentsRequest *)in;
    enr_enrollment_filter filter = {hc_arena_text(hc_call_arena(call), req->worker_id),
                                    hc_arena_text(hc_call_arena(call), req->cohort_id), 0};
    hc_page page;
    hc_error err;
    Hcap__EnrollmentList *list = (Hcap__EnrollmentList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__enrollment_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    if (req->has_status && !hc_field_enum_valid(&hcap__enrollment_status__descriptor, req->status))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "status", "unknown status");
    filter.status = req->has_status ? (int)req->status : 0;
    if ((filter.worker_id &&
         enr_store_exists(st->store, ENR_WORKER, filter.worker_id, "worker_id", &err) != HC_OK) ||
        (filter.cohort_id &&
         enr_store_exists(st->store, ENR_COHORT, filter.cohort_id, "cohort_id", &err) != HC_OK))
        return hc_call_fail_with(call, &err);
    if (enr_store_enrollment_list(st->store, &filter, &page, hc_call_arena(call), list, &err) !=
        HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* --- tuition claims --- */

static int s_submit_tuition_claim(void *state, hc_call *call, const ProtobufCMessage *in,
                                  ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__SubmitTuitionClaimRequest *req = (const Hcap__SubmitTuitionClaimRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    hc_error err;
    int rc = hc_call_required(call, req->worker_id, "worker_id");
    if (rc != HC_OK || (rc = hc_call_required(call, req->institution, "institution")) != HC_OK)
        return rc;
    if (req->amount_cents <= 0)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "amount_cents", "amount_cents must be > 0");
    if (enr_store_exists(st->store, ENR_WORKER, req->worker_id, "worker_id", &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    Hcap__TuitionClaim *c =
        (Hcap__TuitionClaim *)hc_call_new(call, &hcap__tuition_claim__descriptor);
    c->id = hc_call_id(call, "tcl");
    c->worker_id = hc_arena_strdup(arena, req->worker_id);
    c->institution = hc_arena_strdup(arena, req->institution);
    c->course = hc_arena_text(arena, req->course);
    c->term = hc_arena_text(arena, req->term);
    c->amount_cents = req->amount_cents;
    c->status = S_SUBMITTED;
    hc_call_date_or_today(call, NULL, "date", &c->submitted_on);
    c->created_at = c->updated_at = hc_call_now(call);
    if (enr_store_claim_insert(st->store, c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &c->base;
    return hc_call_emit(call, "enrollment.tuition_claim_submitted.v1", c->worker_id, &c->base);
}

static bool s_claim_may(int from, int to)
{
    return (from == S_SUBMITTED && (to == S_APPROVED || to == S_DENIED)) ||
           (from == S_APPROVED && to == S_PAID);
}

/* Approval: approved_cents (default the amount) within 1..amount and within
   what the annual cap leaves for the worker in year. */
static int s_claim_approve(enr_state *st, hc_call *call, Hcap__TuitionClaim *c,
                           const Hcap__DecideTuitionClaimRequest *req, const char *year)
{
    int64_t approved = req->has_approved_cents ? req->approved_cents : c->amount_cents;
    int64_t cap =
        hc_config_int(hc_service_config(st->service), ENR_TUITION_CAP_KEY, ENR_TUITION_CAP_DEFAULT);
    int64_t total = 0;
    hc_error err;
    if (approved < 1 || approved > c->amount_cents)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "approved_cents",
                            "approved_cents must be 1..%lld", (long long)c->amount_cents);
    if (enr_store_claim_year_total(st->store, c->worker_id, year, &total, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    /* compared as a difference: approved may be near INT64_MAX */
    if (approved > cap - total)
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "approved_cents",
                            "annual tuition cap of %lld cents for %s: %lld cents remain",
                            (long long)cap, year, (long long)(cap > total ? cap - total : 0));
    c->has_approved_cents = 1;
    c->approved_cents = approved;
    return HC_OK;
}

static int s_decide_tuition_claim(void *state, hc_call *call, const ProtobufCMessage *in,
                                  ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__DecideTuitionClaimRequest *req = (const Hcap__DecideTuitionClaimRequest *)in;
    Hcap__TuitionClaim *c = NULL;
    char *date = NULL, *year = NULL;
    hc_error err;
    if (!hc_field_enum_valid(&hcap__claim_status__descriptor, req->status))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "status", "status is required");
    int rc = hc_call_date_or_today(call, req->date, "date", &date);
    if (rc != HC_OK)
        return rc;
    if (enr_store_claim_get(st->store, req->id, "id", hc_call_arena(call), &c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (!s_claim_may(c->status, req->status))
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "status",
                            "cannot change tuition claim from %s to %s",
                            s_enum_name(&hcap__claim_status__descriptor, c->status),
                            s_enum_name(&hcap__claim_status__descriptor, req->status));
    /* With paid, approved_cents may restate the approved amount; with
       denied it means nothing and is ignored. */
    if (req->status == S_PAID && req->has_approved_cents &&
        req->approved_cents != c->approved_cents)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "approved_cents",
                            "approved_cents of a payment must be the approved %lld",
                            (long long)c->approved_cents);
    if (req->status == S_APPROVED) {
        year = hc_arena_printf(hc_call_arena(call), "%.4s", date);
        if ((rc = s_claim_approve(st, call, c, req, year)) != HC_OK)
            return rc;
    }
    c->status = req->status;
    c->decided_on = date;
    c->updated_at = hc_call_now(call);
    if (enr_store_claim_update(st->store, c, year, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &c->base;
    return hc_call_emit(call, "enrollment.tuition_claim_decided.v1", c->worker_id, &c->base);
}

static int s_list_tuition_claims(void *state, hc_call *call, const ProtobufCMessage *in,
                                 ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__ListByWorkerRequest *req = (const Hcap__ListByWorkerRequest *)in;
    hc_page page;
    hc_error err;
    int rc = hc_call_required(call, req->worker_id, "worker_id");
    if (rc != HC_OK)
        return rc;
    Hcap__TuitionClaimList *list = (Hcap__TuitionClaimList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__tuition_claim_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    if (enr_store_exists(st->store, ENR_WORKER, req->worker_id, "worker_id", &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (enr_store_claim_list(st->store, req->worker_id, &page, hc_call_arena(call), list, &err) !=
        HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* --- the service --- */

static void *s_state_new(hc_service *service, hc_error *err)
{
    enr_state *st = calloc(1, sizeof *st);
    if (!st) {
        hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    st->service = service;
    st->store = hc_service_store(service);
    st->log = hc_service_log(service);
    return st;
}

static void s_state_destroy(void **state_p)
{
    if (state_p && *state_p) {
        free(*state_p);
        *state_p = NULL;
    }
}

static const hc_handler s_handlers[] = {
    {"CreateEmployer", s_create_employer, 0},
    {"GetEmployer", s_get_employer, HC_HANDLER_READ},
    {"ListEmployers", s_list_employers, HC_HANDLER_READ},
    {"CreateWorker", enr_create_worker, 0},
    {"GetWorker", enr_get_worker, HC_HANDLER_READ},
    {"ListWorkers", enr_list_workers, HC_HANDLER_READ},
    {"UpdateWorker", enr_update_worker, 0},
    {"EraseWorker", enr_erase_worker, 0},
    {"RecordEmployment", enr_record_employment, 0},
    {"ListEmployment", enr_list_employment, HC_HANDLER_READ},
    {"CreateProgram", s_create_program, 0},
    {"GetProgram", s_get_program, HC_HANDLER_READ},
    {"ListPrograms", s_list_programs, HC_HANDLER_READ},
    {"CreateCohort", s_create_cohort, 0},
    {"GetCohort", s_get_cohort, HC_HANDLER_READ},
    {"ListCohorts", s_list_cohorts, HC_HANDLER_READ},
    {"CreateEnrollment", s_create_enrollment, 0},
    {"GetEnrollment", s_get_enrollment, HC_HANDLER_READ},
    {"ChangeEnrollmentStatus", s_change_enrollment_status, 0},
    {"ListEnrollments", s_list_enrollments, HC_HANDLER_READ},
    {"SubmitTuitionClaim", s_submit_tuition_claim, 0},
    {"DecideTuitionClaim", s_decide_tuition_claim, 0},
    {"ListTuitionClaims", s_list_tuition_claims, HC_HANDLER_READ},
    {"ImportWorkers", enr_import_workers, 0},
    {"GetWorkerProfile", enr_get_worker_profile, HC_HANDLER_READ},
    {NULL, NULL, 0},
};

const hc_service_def enr_service = {
    .name = "enrollment",
    .descriptor = &hcap__enrollment_service__descriptor,
    .handlers = s_handlers,
    .migrations = enrollment_migrations,
    .state_new = s_state_new,
    .state_destroy = s_state_destroy,
    .replica_apply = enr_replica_apply,
    .replica_reset = enr_replica_reset,
};
