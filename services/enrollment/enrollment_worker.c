/* enrollment_worker: the worker handlers (create, get, list, update, erase,
   employment records) and THE worker validation they and the import share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hc_field.h"
#include "hc_idempotency.h"
#include "hc_log.h"
#include "hc_msg.h"
#include "hc_time.h"
#include "enrollment_server.h"

#define S_INCUMBENT  HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT
#define S_UNEMPLOYED HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_UNEMPLOYED
#define S_SEPARATION HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_SEPARATION
#define S_DECLINED   HCAP__RACE_ETHNICITY__RACE_ETHNICITY_DECLINED

#define S_TYPE_REGISTERED "enrollment.worker_registered.v1"
#define S_TYPE_UPDATED    "enrollment.worker_updated.v1"
#define S_TYPE_EMPLOYMENT "enrollment.employment_recorded.v1"

/* --- validation --- */

static int s_problem(enr_report_fn *report, void *arg, int code, const char *field, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));

static int s_problem(enr_report_fn *report, void *arg, int code, const char *field, const char *fmt,
                     ...)
{
    char message[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    report(arg, code, field, message);
    return 1;
}

/* One '@' with something before it, and a dot after it with something on
   both sides; no spaces or control characters. */
static bool s_email_valid(const char *email)
{
    const char *at = strchr(email, '@');
    if (!at || at == email || strchr(at + 1, '@'))
        return false;
    for (const char *p = email; *p; p++)
        if ((unsigned char)*p <= ' ')
            return false;
    const char *dot = strrchr(at + 1, '.');
    return dot && dot > at + 1 && dot[1] != '\0';
}

static bool s_past_date(const char *date)
{
    char today[HC_DATE_SIZE];
    hc_today(today);
    return hc_date_valid(date) && strcmp(date, today) <= 0;
}

void enr_worker_canonical(Hcap__Worker *w)
{
    Hcap__RaceEthnicity *v = w->race_ethnicity;
    for (size_t i = 1; i < w->n_race_ethnicity; i++)
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            Hcap__RaceEthnicity t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* Reports an unknown value, a repeat, or "declined" next to another answer
   (declining is an answer of its own) in the sorted list. */
static int s_race_check(const Hcap__Worker *w, enr_report_fn *report, void *arg)
{
    const Hcap__RaceEthnicity *v = w->race_ethnicity;
    for (size_t i = 0; i < w->n_race_ethnicity; i++) {
        if (!hc_field_enum_valid(&hcap__race_ethnicity__descriptor, v[i]))
            return s_problem(report, arg, HC_INVALID_ARGUMENT, "race_ethnicity",
                             "unknown race_ethnicity value %d", (int)v[i]);
        if (i > 0 && v[i] == v[i - 1])
            return s_problem(report, arg, HC_INVALID_ARGUMENT, "race_ethnicity",
                             "race_ethnicity lists a value twice");
    }
    if (w->n_race_ethnicity > 1 && v[w->n_race_ethnicity - 1] == S_DECLINED)
        return s_problem(report, arg, HC_INVALID_ARGUMENT, "race_ethnicity",
                         "declined cannot be combined with other answers");
    return 0;
}

/* The text-shaped fields: names, dates, email. */
static int s_worker_text_check(const Hcap__Worker *w, enr_report_fn *report, void *arg)
{
    int n = 0;
    if (!w->given_name || !*w->given_name)
        n += s_problem(report, arg, HC_INVALID_ARGUMENT, "given_name", "given_name is required");
    if (!w->family_name || !*w->family_name)
        n += s_problem(report, arg, HC_INVALID_ARGUMENT, "family_name", "family_name is required");
    if (w->birth_date && !s_past_date(w->birth_date))
        n += s_problem(report, arg, HC_INVALID_ARGUMENT, "birth_date",
                       "birth_date must be a past date YYYY-MM-DD");
    if (w->email && !s_email_valid(w->email))
        n += s_problem(report, arg, HC_INVALID_ARGUMENT, "email",
                       "email must look like name@example.org");
    if (w->hire_date && !hc_date_valid(w->hire_date))
        n += s_problem(report, arg, HC_INVALID_ARGUMENT, "hire_date",
                       "hire_date must be YYYY-MM-DD");
    return n;
}

int enr_worker_check(enr_state *st, Hcap__Worker *w, enr_report_fn *report, void *arg)
{
    enr_worker_canonical(w);
    int n = s_worker_text_check(w, report, arg);
    n += s_race_check(w, report, arg);
    if (w->has_gender && !hc_field_enum_valid(&hcap__gender__descriptor, w->gender))
        n += s_problem(report, arg, HC_INVALID_ARGUMENT, "gender", "unknown gender");
    if (!w->has_employment_status ||
        !hc_field_enum_valid(&hcap__employment_status__descriptor, w->employment_status))
        n += s_problem(report, arg, HC_INVALID_ARGUMENT, "employment_status",
                       "employment_status is required");
    if (w->has_hourly_wage_cents && w->hourly_wage_cents < 0)
        n += s_problem(report, arg, HC_INVALID_ARGUMENT, "hourly_wage_cents",
                       "hourly_wage_cents must be >= 0");
    hc_error err;
    if (w->employer_id &&
        enr_store_exists(st->store, ENR_EMPLOYER, w->employer_id, "employer_id", &err) != HC_OK)
        n += s_problem(report, arg, err.code, "employer_id", "%s", err.message);
    return n;
}

bool enr_worker_same(hc_arena *arena, const Hcap__Worker *a, const Hcap__Worker *b)
{
    Hcap__Worker x = *a, y = *b;
    size_t nx = 0, ny = 0;
    x.created_at = y.created_at = NULL;
    x.updated_at = y.updated_at = NULL;
    uint8_t *px = hc_msg_pack(&x.base, arena, &nx);
    uint8_t *py = hc_msg_pack(&y.base, arena, &ny);
    return nx == ny && memcmp(px, py, nx) == 0;
}

/* Keeps the first problem in the hc_error at arg. */
static void s_keep_first(void *arg, int code, const char *field, const char *message)
{
    hc_error *err = arg;
    if (err->code == HC_OK)
        hc_error_set(err, code, field, "%s", message);
}

/* Validates w for create or update (w->id NULL for a new worker): the
   shared check, then a unique external_id. */
static int s_worker_validate(enr_state *st, hc_call *call, Hcap__Worker *w)
{
    hc_error err;
    hc_error_clear(&err);
    if (enr_worker_check(st, w, s_keep_first, &err) > 0)
        return hc_call_fail_with(call, &err);
    if (!w->external_id)
        return HC_OK;
    Hcap__Worker *holder = NULL;
    int rc =
        enr_store_worker_by_external(st->store, w->external_id, hc_call_arena(call), &holder, &err);
    if (rc == HC_NOT_FOUND || (rc == HC_OK && w->id && strcmp(holder->id, w->id) == 0))
        return HC_OK;
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    return hc_call_fail(call, HC_ALREADY_EXISTS, "external_id", "external_id %s is taken",
                        w->external_id);
}

/* --- create, get, list, update --- */

static Hcap__RaceEthnicity *s_race_copy(hc_arena *arena, const Hcap__RaceEthnicity *v, size_t n)
{
    Hcap__RaceEthnicity *copy = hc_arena_alloc(arena, (n ? n : 1) * sizeof *copy);
    if (n)
        memcpy(copy, v, n * sizeof *copy);
    return copy;
}

static Hcap__Worker *s_worker_from_create(hc_call *call, const Hcap__CreateWorkerRequest *req)
{
    hc_arena *a = hc_call_arena(call);
    Hcap__Worker *w = (Hcap__Worker *)hc_call_new(call, &hcap__worker__descriptor);
    w->given_name = hc_arena_text(a, req->given_name);
    w->family_name = hc_arena_text(a, req->family_name);
    w->external_id = hc_arena_text(a, req->external_id);
    w->birth_date = hc_arena_text(a, req->birth_date);
    w->email = hc_arena_text(a, req->email);
    w->phone = hc_arena_text(a, req->phone);
    w->preferred_language = hc_arena_text(a, req->preferred_language);
    w->n_race_ethnicity = req->n_race_ethnicity;
    w->race_ethnicity = s_race_copy(a, req->race_ethnicity, req->n_race_ethnicity);
    w->has_gender = req->has_gender;
    w->gender = req->gender;
    w->employer_id = hc_arena_text(a, req->employer_id);
    w->job_title = hc_arena_text(a, req->job_title);
    w->has_employment_status = 1;
    w->employment_status = req->employment_status;
    w->has_hourly_wage_cents = req->has_hourly_wage_cents;
    w->hourly_wage_cents = req->hourly_wage_cents;
    w->hire_date = hc_arena_text(a, req->hire_date);
    return w;
}

int enr_create_worker(void *state, hc_call *call, const ProtobufCMessage *in,
                      ProtobufCMessage **out)
{
    enr_state *st = state;
    Hcap__Worker *w = s_worker_from_create(call, (const Hcap__CreateWorkerRequest *)in);
    int rc = s_worker_validate(st, call, w);
    if (rc != HC_OK)
        return rc;
    w->id = hc_call_id(call, "wkr");
    w->created_at = w->updated_at = hc_call_now(call);
    hc_error err;
    if (enr_store_worker_insert(st->store, w, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &w->base;
    return hc_call_emit(call, S_TYPE_REGISTERED, w->id, &w->base);
}

int enr_get_worker(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__Worker *w = NULL;
    hc_error err;
    if (enr_store_worker_get(st->store, req->id, "id", hc_call_arena(call), &w, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &w->base;
    return HC_OK;
}

int enr_list_workers(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__ListWorkersRequest *req = (const Hcap__ListWorkersRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    char *q = hc_arena_text(arena, req->q), *employer_id = hc_arena_text(arena, req->employer_id);
    hc_page page;
    hc_error err;
    Hcap__WorkerList *list = (Hcap__WorkerList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__worker_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    if (employer_id &&
        enr_store_exists(st->store, ENR_EMPLOYER, employer_id, "employer_id", &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (enr_store_worker_list(st->store, q, employer_id, &page, arena, list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* PATCH: a text field present is set ("" clears it); an empty race list
   leaves the list alone. */
static void s_patch_text(hc_arena *arena, char **field, const char *value)
{
    if (value)
        *field = hc_arena_text(arena, value);
}

static void s_worker_patch(hc_arena *a, Hcap__Worker *w, const Hcap__UpdateWorkerRequest *req)
{
    s_patch_text(a, &w->given_name, req->given_name);
    s_patch_text(a, &w->family_name, req->family_name);
    s_patch_text(a, &w->external_id, req->external_id);
    s_patch_text(a, &w->birth_date, req->birth_date);
    s_patch_text(a, &w->email, req->email);
    s_patch_text(a, &w->phone, req->phone);
    s_patch_text(a, &w->preferred_language, req->preferred_language);
    if (req->n_race_ethnicity > 0) {
        w->n_race_ethnicity = req->n_race_ethnicity;
        w->race_ethnicity = s_race_copy(a, req->race_ethnicity, req->n_race_ethnicity);
    }
    if (req->has_gender) {
        w->has_gender = 1;
        w->gender = req->gender;
    }
    s_patch_text(a, &w->employer_id, req->employer_id);
    s_patch_text(a, &w->job_title, req->job_title);
    if (req->has_employment_status) {
        w->has_employment_status = 1;
        w->employment_status = req->employment_status;
    }
    if (req->has_hourly_wage_cents) {
        w->has_hourly_wage_cents = 1;
        w->hourly_wage_cents = req->hourly_wage_cents;
    }
    s_patch_text(a, &w->hire_date, req->hire_date);
}

/* Stores w (validated) as the new state of old when it differs, with its
   worker_updated event; sets *out to the state after. */
static int s_worker_save(enr_state *st, hc_call *call, const Hcap__Worker *old, Hcap__Worker *w,
                         ProtobufCMessage **out)
{
    hc_error err;
    if (enr_worker_same(hc_call_arena(call), old, w)) {
        *out = (ProtobufCMessage *)&old->base;
        return HC_OK;
    }
    w->updated_at = hc_call_now(call);
    if (enr_store_worker_update(st->store, w, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &w->base;
    return hc_call_emit(call, S_TYPE_UPDATED, w->id, &w->base);
}

int enr_update_worker(void *state, hc_call *call, const ProtobufCMessage *in,
                      ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__UpdateWorkerRequest *req = (const Hcap__UpdateWorkerRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    Hcap__Worker *old = NULL;
    hc_error err;
    if (enr_store_worker_get(st->store, req->id, "id", arena, &old, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    Hcap__Worker *w = hc_arena_alloc(arena, sizeof *w);
    *w = *old;
    s_worker_patch(arena, w, req);
    int rc = s_worker_validate(st, call, w);
    return rc != HC_OK ? rc : s_worker_save(st, call, old, w, out);
}

/* --- erasure --- */

/* A worker body without personal data; one that does not decode becomes
   the bare id, so nothing unreadable survives. */
static int s_scrub_worker(const char *worker_id, const uint8_t *body, size_t size,
                          uint8_t **new_body, size_t *new_size)
{
    Hcap__Worker *w = hcap__worker__unpack(NULL, size, body);
    Hcap__Worker copy = HCAP__WORKER__INIT;
    if (w)
        copy = *w;
    else
        copy.id = (char *)worker_id;
    copy.given_name = copy.family_name = copy.external_id = NULL;
    copy.birth_date = copy.email = copy.phone = copy.job_title = NULL;
    int rc = hc_msg_pack_malloc(&copy.base, new_body, new_size);
    hcap__worker__free_unpacked(w, NULL);
    return rc;
}

/* An EmploymentRecord body without the job title; -1 when it does not
   decode. */
static int s_scrub_employment(const uint8_t *body, size_t size, uint8_t **new_body,
                              size_t *new_size)
{
    return hc_msg_repack_without(&hcap__employment_record__descriptor, body, size, "job_title",
                                 new_body, new_size);
}

/* hc_eventlog_rewrite_fn: removes the erased worker's personal data from
   one past event; bodies of other types hold none and stay as they were. */
static int s_scrub(void *arg, const char *type, const uint8_t *body, size_t size,
                   uint8_t **new_body, size_t *new_size)
{
    if (strcmp(type, S_TYPE_REGISTERED) == 0 || strcmp(type, S_TYPE_UPDATED) == 0)
        return s_scrub_worker(arg, body, size, new_body, new_size);
    if (strcmp(type, S_TYPE_EMPLOYMENT) == 0)
        return s_scrub_employment(body, size, new_body, new_size);
    return hc_msg_copy_malloc(body, size, new_body, new_size);
}

/* hc_idempotency_rewrite_fn: scrubs a recorded reply that is a Worker or
   an EmploymentRecord (the only replies holding personal data), so a
   replayed key cannot return the erased person. */
static int s_scrub_reply(void *arg, const char *method, const uint8_t *body, size_t size,
                         uint8_t **new_body, size_t *new_size)
{
    *new_body = NULL;
    if (strcmp(method, "CreateWorker") == 0 || strcmp(method, "UpdateWorker") == 0 ||
        strcmp(method, "GetWorker") == 0)
        return s_scrub_worker(arg, body, size, new_body, new_size);
    if (strcmp(method, "RecordEmployment") == 0)
        return s_scrub_employment(body, size, new_body, new_size);
    return 0;
}

int enr_erase_worker(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    char *now = hc_call_now(call);
    hc_error err;
    if (enr_store_worker_erase(st->store, req->id, now, &err) != HC_OK ||
        hc_eventlog_rewrite_subject(st->log, req->id, s_scrub, req->id, &err) != HC_OK ||
        hc_idempotency_rewrite(st->store, req->id, s_scrub_reply, req->id, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    Hcap__WorkerErased *erased =
        (Hcap__WorkerErased *)hc_call_new(call, &hcap__worker_erased__descriptor);
    erased->id = hc_arena_strdup(hc_call_arena(call), req->id);
    erased->erased_at = now;
    int rc = hc_call_emit(call, "enrollment.worker_erased.v1", erased->id, &erased->base);
    if (rc != HC_OK)
        return rc;
    const char *who = hc_call_principal(call)->name;
    char quoted[160];
    hc_log_info("worker_erased", "worker=%s by=%s", erased->id,
                hc_log_quote(who ? who : "", quoted, sizeof quoted));
    Hcap__EraseWorkerReply *reply =
        (Hcap__EraseWorkerReply *)hc_call_new(call, &hcap__erase_worker_reply__descriptor);
    reply->id = erased->id;
    reply->erased = 1;
    *out = &reply->base;
    return HC_OK;
}

/* --- employment records --- */

static int s_employment_check(enr_state *st, hc_call *call,
                              const Hcap__RecordEmploymentRequest *req)
{
    hc_error err;
    if (!hc_field_enum_valid(&hcap__employment_kind__descriptor, req->kind))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "kind", "kind is required");
    if (!req->effective_date || !hc_date_valid(req->effective_date))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "effective_date",
                            "effective_date must be YYYY-MM-DD");
    if (req->has_hourly_wage_cents && req->hourly_wage_cents < 0)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "hourly_wage_cents",
                            "hourly_wage_cents must be >= 0");
    if (req->employer_id && *req->employer_id &&
        enr_store_exists(st->store, ENR_EMPLOYER, req->employer_id, "employer_id", &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    return HC_OK;
}

/* The worker after record r: a placement, promotion or wage change makes
   them incumbent at the record's employer, title and wage (when given); a
   separation makes them unemployed. */
static void s_worker_after(Hcap__Worker *w, const Hcap__EmploymentRecord *r)
{
    w->has_employment_status = 1;
    if (r->kind == S_SEPARATION) {
        w->employment_status = S_UNEMPLOYED;
        return;
    }
    w->employment_status = S_INCUMBENT;
    if (r->employer_id)
        w->employer_id = r->employer_id;
    if (r->job_title)
        w->job_title = r->job_title;
    if (r->has_hourly_wage_cents) {
        w->has_hourly_wage_cents = 1;
        w->hourly_wage_cents = r->hourly_wage_cents;
    }
}

int enr_record_employment(void *state, hc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__RecordEmploymentRequest *req = (const Hcap__RecordEmploymentRequest *)in;
    hc_arena *a = hc_call_arena(call);
    Hcap__Worker *old = NULL;
    ProtobufCMessage *after = NULL;
    hc_error err;
    int rc = s_employment_check(st, call, req);
    if (rc != HC_OK)
        return rc;
    if (enr_store_worker_get(st->store, req->id, "id", a, &old, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    Hcap__EmploymentRecord *r =
        (Hcap__EmploymentRecord *)hc_call_new(call, &hcap__employment_record__descriptor);
    r->id = hc_call_id(call, "emr");
    r->worker_id = old->id;
    r->kind = req->kind;
    r->employer_id = hc_arena_text(a, req->employer_id);
    r->job_title = hc_arena_text(a, req->job_title);
    r->has_hourly_wage_cents = req->has_hourly_wage_cents;
    r->hourly_wage_cents = req->hourly_wage_cents;
    r->effective_date = hc_arena_strdup(a, req->effective_date);
    r->created_at = hc_call_now(call);
    if (enr_store_employment_insert(st->store, r, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if ((rc = hc_call_emit(call, S_TYPE_EMPLOYMENT, r->worker_id, &r->base)) != HC_OK)
        return rc;
    Hcap__Worker *w = hc_arena_alloc(a, sizeof *w);
    *w = *old;
    s_worker_after(w, r);
    if ((rc = s_worker_validate(st, call, w)) != HC_OK ||
        (rc = s_worker_save(st, call, old, w, &after)) != HC_OK)
        return rc;
    *out = &r->base;
    return HC_OK;
}

int enr_list_employment(void *state, hc_call *call, const ProtobufCMessage *in,
                        ProtobufCMessage **out)
{
    enr_state *st = state;
    const Hcap__ListByWorkerRequest *req = (const Hcap__ListByWorkerRequest *)in;
    hc_page page;
    hc_error err;
    int rc = hc_call_required(call, req->worker_id, "worker_id");
    if (rc != HC_OK)
        return rc;
    Hcap__EmploymentList *list = (Hcap__EmploymentList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__employment_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    if (enr_store_exists(st->store, ENR_WORKER, req->worker_id, "worker_id", &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (enr_store_employment_list(st->store, req->worker_id, &page, hc_call_arena(call), list,
                                  &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}
