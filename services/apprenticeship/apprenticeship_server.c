/* apprenticeship_server: the service definition and the handlers of
   programs, registration and status changes (progress, hours and sign-offs
   live in apprenticeship_progress.c, CSV in apprenticeship_import.c, credit
   in apprenticeship_credits.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "hc_field.h"
#include "hc_json.h"
#include "hc_time.h"
#include "apprenticeship_server.h"

#define S_TIME_BASED       HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_TIME_BASED
#define S_COMPETENCY_BASED HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_COMPETENCY_BASED
#define S_COMPETENCIES_MAX 64
#define S_WAGE_STEPS_MAX   32

/* --- programs --- */

/* "NN-NNNN" or "NN-NNNN.NN": an O*NET-SOC code. */
static bool s_onet_soc_valid(const char *code)
{
    static const char shape[] = "99-9999.99";
    size_t len = strlen(code);
    if (len != 7 && len != 10)
        return false;
    for (size_t i = 0; i < len; i++)
        if (shape[i] == '9' ? !isdigit((unsigned char)code[i]) : code[i] != shape[i])
            return false;
    return true;
}

static int s_codes_check(hc_call *call, char **codes, size_t n)
{
    if (n > S_COMPETENCIES_MAX)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "competencies",
                            "competencies lists more than %d codes", S_COMPETENCIES_MAX);
    for (size_t i = 0; i < n; i++) {
        if (!codes[i] || !*codes[i])
            return hc_call_fail(call, HC_INVALID_ARGUMENT, "competencies",
                                "competencies holds an empty code");
        for (size_t j = 0; j < i; j++)
            if (strcmp(codes[i], codes[j]) == 0)
                return hc_call_fail(call, HC_INVALID_ARGUMENT, "competencies",
                                    "competencies lists %s twice", codes[i]);
    }
    return HC_OK;
}

static int s_wage_steps_check(hc_call *call, Hcap__WageStep **steps, size_t n)
{
    int64_t previous = -1, centi = 0;
    if (n > S_WAGE_STEPS_MAX)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "wage_steps",
                            "wage_steps lists more than %d steps", S_WAGE_STEPS_MAX);
    for (size_t i = 0; i < n; i++) {
        int rc = appr_centihours(call, steps[i]->after_ojl_hours, 0, false, APPR_PROGRAM_HOURS_MAX,
                                 "wage_steps", &centi);
        if (rc != HC_OK)
            return rc;
        if (centi <= previous)
            return hc_call_fail(call, HC_INVALID_ARGUMENT, "wage_steps",
                                "wage_steps must be in ascending after_ojl_hours");
        if (steps[i]->hourly_wage_cents <= 0)
            return hc_call_fail(call, HC_INVALID_ARGUMENT, "wage_steps",
                                "each wage step needs hourly_wage_cents above 0");
        previous = centi;
    }
    return HC_OK;
}

/* What the approach requires: OJL hours for time-based and hybrid,
   competencies for competency-based and hybrid. */
static int s_approach_check(hc_call *call, const Hcap__CreateApprenticeshipProgramRequest *req)
{
    if (!hc_field_enum_valid(&hcap__apprenticeship_approach__descriptor, req->approach))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "approach",
                            "approach must be time_based, competency_based or hybrid");
    if (req->approach != S_COMPETENCY_BASED && (!req->has_ojl_hours || req->ojl_hours <= 0))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "ojl_hours",
                            "ojl_hours above 0 is required for a %s program",
                            req->approach == S_TIME_BASED ? "time_based" : "hybrid");
    if (req->approach != S_TIME_BASED && req->n_competencies == 0)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "competencies",
                            "competencies are required for a %s program",
                            req->approach == S_COMPETENCY_BASED ? "competency_based" : "hybrid");
    return HC_OK;
}

static int s_program_check(hc_call *call, const Hcap__CreateApprenticeshipProgramRequest *req)
{
    int64_t centi = 0;
    int rc = hc_call_required(call, req->code, "code");
    if (rc != HC_OK || (rc = hc_call_required(call, req->name, "name")) != HC_OK ||
        (rc = hc_call_required(call, req->occupation, "occupation")) != HC_OK ||
        (rc = s_approach_check(call, req)) != HC_OK)
        return rc;
    if (req->onet_soc && *req->onet_soc && !s_onet_soc_valid(req->onet_soc))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "onet_soc",
                            "onet_soc must look like 21-1094.00");
    if ((req->has_ojl_hours &&
         (rc = appr_centihours(call, req->ojl_hours, 0, false, APPR_PROGRAM_HOURS_MAX, "ojl_hours",
                               &centi)) != HC_OK) ||
        (req->has_rti_hours &&
         (rc = appr_centihours(call, req->rti_hours, 0, false, APPR_PROGRAM_HOURS_MAX, "rti_hours",
                               &centi)) != HC_OK))
        return rc;
    if ((rc = s_codes_check(call, req->competencies, req->n_competencies)) != HC_OK)
        return rc;
    return s_wage_steps_check(call, req->wage_steps, req->n_wage_steps);
}

/* The program of req in the call's arena (the request outlives the call). */
static Hcap__ApprenticeshipProgram *s_program(hc_call *call,
                                              const Hcap__CreateApprenticeshipProgramRequest *req)
{
    hc_arena *arena = hc_call_arena(call);
    Hcap__ApprenticeshipProgram *p =
        (Hcap__ApprenticeshipProgram *)hc_call_new(call, &hcap__apprenticeship_program__descriptor);
    p->code = req->code;
    p->name = req->name;
    p->occupation = req->occupation;
    p->onet_soc = hc_arena_text(arena, req->onet_soc);
    p->rapids_code = hc_arena_text(arena, req->rapids_code);
    p->sponsor = hc_arena_text(arena, req->sponsor);
    p->approach = req->approach;
    p->has_ojl_hours = p->has_rti_hours = 1;
    p->ojl_hours = req->has_ojl_hours ? req->ojl_hours : 0;
    p->rti_hours = req->has_rti_hours ? req->rti_hours : 0;
    p->competencies = req->competencies;
    p->n_competencies = req->n_competencies;
    p->wage_steps = req->wage_steps;
    p->n_wage_steps = req->n_wage_steps;
    p->completion_credential_code = hc_arena_text(arena, req->completion_credential_code);
    p->created_at = hc_call_now(call);
    return p;
}

static int s_create_program(void *state, hc_call *call, const ProtobufCMessage *in,
                            ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__CreateApprenticeshipProgramRequest *req =
        (const Hcap__CreateApprenticeshipProgramRequest *)in;
    int rc = s_program_check(call, req);
    if (rc != HC_OK)
        return rc;
    Hcap__ApprenticeshipProgram *p = s_program(call, req);
    hc_error err;
    if ((rc = appr_store_program_insert(st->store, p, &err)) == HC_ALREADY_EXISTS)
        return hc_call_fail(call, rc, "code", "apprenticeship program %s exists", p->code);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &p->base;
    return hc_call_emit(call, APPR_EV_PROGRAM, NULL, &p->base);
}

static int s_get_program(void *state, hc_call *call, const ProtobufCMessage *in,
                         ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__ApprenticeshipProgram *p = NULL;
    hc_error err;
    if (appr_store_program_get(st->store, req->id, "id", hc_call_arena(call), &p, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &p->base;
    return HC_OK;
}

static int s_list_programs(void *state, hc_call *call, const ProtobufCMessage *in,
                           ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__ListRequest *req = (const Hcap__ListRequest *)in;
    hc_page page;
    hc_error err;
    Hcap__ApprenticeshipProgramList *list = (Hcap__ApprenticeshipProgramList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after,
        &hcap__apprenticeship_program_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    if (appr_store_program_list(st->store, &page, hc_call_arena(call), list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* --- registration --- */

static int s_register_check(appr_state *st, hc_call *call,
                            const Hcap__RegisterApprenticeRequest *req)
{
    Hcap__ApprenticeshipProgram *p = NULL;
    hc_error err;
    int rc = hc_call_required(call, req->worker_id, "worker_id");
    if (rc != HC_OK || (rc = hc_call_required(call, req->program_code, "program_code")) != HC_OK ||
        (rc = hc_call_required(call, req->employer_id, "employer_id")) != HC_OK ||
        (rc = hc_call_required(call, req->start_date, "start_date")) != HC_OK)
        return rc;
    if (!hc_date_valid(req->start_date))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "start_date",
                            "start_date must be YYYY-MM-DD");
    if (appr_store_program_get(st->store, req->program_code, "program_code", hc_call_arena(call),
                               &p, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    return HC_OK;
}

/* Records the registration of req with the worker's prior credit. */
static int s_register_insert(appr_state *st, hc_call *call,
                             const Hcap__RegisterApprenticeRequest *req, char **id)
{
    hc_arena *arena = hc_call_arena(call);
    Hcap__Apprentice *a = (Hcap__Apprentice *)hc_call_new(call, &hcap__apprentice__descriptor);
    a->id = *id = hc_call_id(call, "appr");
    a->worker_id = req->worker_id;
    a->program_code = req->program_code;
    a->employer_id = req->employer_id;
    a->mentor = hc_arena_text(arena, req->mentor);
    a->start_date = req->start_date;
    a->status = APPR_ACTIVE;
    a->status_date = req->start_date;
    a->created_at = a->updated_at = hc_call_now(call);
    hc_error err;
    bool granted = false;
    int rc = appr_store_apprentice_insert(st->store, a, &err);
    if (rc == HC_ALREADY_EXISTS)
        return hc_call_fail(call, rc, "program_code",
                            "worker %s already has an open registration in %s", a->worker_id,
                            a->program_code);
    if (rc != HC_OK ||
        appr_store_credit_grant(st->store, a->id, a->worker_id, &granted, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    return HC_OK;
}

static int s_register(void *state, hc_call *call, const ProtobufCMessage *in,
                      ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__RegisterApprenticeRequest *req = (const Hcap__RegisterApprenticeRequest *)in;
    Hcap__ApprenticeshipProgram *p = NULL;
    Hcap__Apprentice *a = NULL;
    char *id = NULL;
    bool completed = false;
    int rc = s_register_check(st, call, req);
    if (rc != HC_OK || (rc = s_register_insert(st, call, req, &id)) != HC_OK ||
        (rc = appr_apprentice_read(st, call, id, "id", &a, &p)) != HC_OK ||
        (rc = hc_call_emit(call, APPR_EV_REGISTERED, a->worker_id, &a->base)) != HC_OK ||
        (rc = appr_complete_if_met(st, call, a->start_date, p, a, &completed)) != HC_OK)
        return rc;
    *out = &a->base;
    return HC_OK;
}

/* --- status changes --- */

static const char *s_status_name(int status)
{
    const char *name = hc_json_enum_name(&hcap__apprentice_status__descriptor, status);
    return name ? name : "unknown";
}

/* Whether status may follow a's: active <-> suspended, either -> cancelled. */
static int s_transition_check(hc_call *call, const Hcap__Apprentice *a, int status)
{
    if (a->status == APPR_COMPLETED || a->status == APPR_CANCELLED)
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "status", "apprentice %s is %s", a->id,
                            s_status_name((int)a->status));
    if ((int)a->status == status)
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "status", "apprentice %s is already %s",
                            a->id, s_status_name(status));
    return HC_OK;
}

static int s_status_check(hc_call *call, const Hcap__ChangeApprenticeStatusRequest *req,
                          char **date)
{
    int rc = hc_call_required(call, req->id, "id");
    if (rc != HC_OK)
        return rc;
    if (!hc_field_enum_valid(&hcap__apprentice_status__descriptor, req->status))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "status",
                            "status must be suspended, active or cancelled");
    if (req->status == APPR_COMPLETED)
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "status",
                            "completion is recorded when the program's requirements are met");
    if (req->status == APPR_CANCELLED && (!req->reason || !*req->reason))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "reason", "reason is required to cancel");
    if ((rc = hc_call_date_or_today(call, req->date, "date", date)) != HC_OK)
        return rc;
    return hc_call_date_not_future(call, *date, "date");
}

static int s_change_status(void *state, hc_call *call, const ProtobufCMessage *in,
                           ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__ChangeApprenticeStatusRequest *req =
        (const Hcap__ChangeApprenticeStatusRequest *)in;
    Hcap__ApprenticeshipProgram *p = NULL;
    Hcap__Apprentice *a = NULL;
    char *date = NULL;
    hc_error err;
    bool completed = false;
    int rc = s_status_check(call, req, &date);
    if (rc != HC_OK || (rc = appr_apprentice_read(st, call, req->id, "id", &a, NULL)) != HC_OK ||
        (rc = s_transition_check(call, a, (int)req->status)) != HC_OK)
        return rc;
    a->status = req->status;
    a->status_date = date;
    a->status_reason = hc_arena_text(hc_call_arena(call), req->reason);
    a->updated_at = hc_call_now(call);
    if (appr_store_apprentice_update(st->store, a, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if ((rc = appr_apprentice_read(st, call, a->id, "id", &a, &p)) != HC_OK ||
        (rc = hc_call_emit(call, APPR_EV_STATUS, a->worker_id, &a->base)) != HC_OK ||
        (rc = appr_complete_if_met(st, call, date, p, a, &completed)) != HC_OK)
        return rc;
    *out = &a->base;
    return HC_OK;
}

/* --- the service --- */

static void s_state_destroy(void **state_p)
{
    if (state_p && *state_p) {
        free(*state_p);
        *state_p = NULL;
    }
}

static void *s_state_new(hc_service *service, hc_error *err)
{
    appr_state *st = calloc(1, sizeof *st);
    if (!st) {
        hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    st->service = service;
    st->store = hc_service_store(service);
    st->log = hc_service_log(service);
    return st;
}

/* ListDeadLetters writes nothing but stays with the primary: dead letters
   are each store's own, and RetryDeadLetters acts on the primary's. */
static const hc_handler s_handlers[] = {
    {"CreateApprenticeshipProgram", s_create_program, 0},
    {"GetApprenticeshipProgram", s_get_program, HC_HANDLER_READ},
    {"ListApprenticeshipPrograms", s_list_programs, HC_HANDLER_READ},
    {"RegisterApprentice", s_register, 0},
    {"GetApprentice", appr_get_apprentice, HC_HANDLER_READ},
    {"ListApprentices", appr_list_apprentices, HC_HANDLER_READ},
    {"LogHours", appr_log_hours, 0},
    {"ListHours", appr_list_hours, HC_HANDLER_READ},
    {"SignOff", appr_sign_off, 0},
    {"ChangeApprenticeStatus", s_change_status, 0},
    {"ImportHours", appr_import_hours, 0},
    {"ExportApprentices", appr_export_apprentices, HC_HANDLER_READ},
    {"ApplyPriorCredit", appr_apply_prior_credit, 0},
    {"ListDeadLetters", hc_service_list_dead_letters, 0},
    {"RetryDeadLetters", hc_service_retry_dead_letters, 0},
    {NULL, NULL, 0},
};

static const hc_service_follow s_follows[] = {
    {"credentialing", appr_credits_apply, NULL, true},
    {NULL, NULL, NULL, false},
};

const hc_service_def appr_service = {
    .name = "apprenticeship",
    .descriptor = &hcap__apprenticeship_service__descriptor,
    .handlers = s_handlers,
    .migrations = apprenticeship_migrations,
    .state_new = s_state_new,
    .state_destroy = s_state_destroy,
    .follows = s_follows,
    .replica_apply = appr_replica_apply,
    .replica_reset = appr_replica_reset,
};
