/* Tests of the enrollment service: every handler through hc_service_invoke
   on a temporary store, its errors (code and field), the waitlist, the
   tuition cap, erasure of past events, the CSV import and the event log. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ht_local.h"
#include "hc_config.h"
#include "hc_id.h"
#include "hc_msg.h"
#include "hc_idempotency.h"
#include "hc_service.h"
#include "hc_time.h"
#include "enrollment_server.h"

static ht_local s_local;

static void s_setup(void)
{
    ht_local_open(&s_local, &enr_service);
}

static void s_teardown(void)
{
    ht_local_close(&s_local);
}

TestSuite(enrollment, .init = s_setup, .fini = s_teardown, .timeout = 120);

#define S_OK(method, in, out)            ht_local_ok(&s_local, method, &(in).base, out)
#define S_FAILS(method, in, code, field) ht_local_fails(&s_local, method, &(in).base, code, field)

/* --- the event log --- */

typedef struct {
    uint64_t seq;
    char type[64];
    char subject[48];
    uint8_t *body;
    size_t size;
} s_event;

typedef struct {
    s_event *items;
    size_t count;
    size_t capacity;
} s_events;

static void s_collect(void *arg, uint64_t seq, const char *type, const char *subject,
                      const uint8_t *body, size_t size)
{
    s_events *events = arg;
    if (events->count == events->capacity) {
        events->capacity = events->capacity ? 2 * events->capacity : 64;
        events->items = realloc(events->items, events->capacity * sizeof *events->items);
    }
    s_event *e = &events->items[events->count++];
    e->seq = seq;
    snprintf(e->type, sizeof e->type, "%s", type);
    snprintf(e->subject, sizeof e->subject, "%s", subject ? subject : "");
    e->body = malloc(size ? size : 1);
    memcpy(e->body, body, size);
    e->size = size;
}

static s_events s_log(void)
{
    s_events events = {NULL, 0, 0};
    hc_error err;
    cr_assert_eq(enr_store_events_each(hc_service_store(s_local.svc), s_collect, &events, &err),
                 HC_OK);
    return events;
}

static void s_log_free(s_events *events)
{
    for (size_t i = 0; i < events->count; i++)
        free(events->items[i].body);
    free(events->items);
    events->items = NULL;
    events->count = events->capacity = 0;
}

static size_t s_log_count(const s_events *events, const char *type)
{
    size_t n = 0;
    for (size_t i = 0; i < events->count; i++)
        n += strcmp(events->items[i].type, type) == 0;
    return n;
}

static size_t s_log_head(void)
{
    s_events events = s_log();
    size_t n = events.count;
    s_log_free(&events);
    return n;
}

/* --- fixtures --- */

static char *s_employer(const char *name)
{
    Hcap__CreateEmployerRequest req = HCAP__CREATE_EMPLOYER_REQUEST__INIT;
    Hcap__Employer *e = NULL;
    req.name = (char *)name;
    req.sector = HCAP__SECTOR__SECTOR_COMMUNITY_CLINIC;
    S_OK("CreateEmployer", req, &e);
    return e->id;
}

static Hcap__CreateWorkerRequest s_worker_req(const char *given, const char *family,
                                              const char *external)
{
    Hcap__CreateWorkerRequest req = HCAP__CREATE_WORKER_REQUEST__INIT;
    req.given_name = (char *)given;
    req.family_name = (char *)family;
    req.external_id = (char *)external;
    req.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
    return req;
}

static Hcap__Worker *s_worker(const char *given, const char *family, const char *external)
{
    Hcap__CreateWorkerRequest req = s_worker_req(given, family, external);
    Hcap__Worker *w = NULL;
    S_OK("CreateWorker", req, &w);
    return w;
}

static char *s_program(const char *code)
{
    Hcap__CreateProgramRequest req = HCAP__CREATE_PROGRAM_REQUEST__INIT;
    Hcap__Program *p = NULL;
    req.code = (char *)code;
    req.name = "Medical Assistant";
    req.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING;
    S_OK("CreateProgram", req, &p);
    return p->id;
}

static char *s_cohort(const char *program_id, uint32_t capacity)
{
    Hcap__CreateCohortRequest req = HCAP__CREATE_COHORT_REQUEST__INIT;
    Hcap__Cohort *c = NULL;
    req.program_id = (char *)program_id;
    req.name = "Spring MA";
    req.start_date = "2026-03-02";
    req.capacity = capacity;
    S_OK("CreateCohort", req, &c);
    return c->id;
}

static Hcap__Enrollment *s_enroll(const char *worker_id, const char *cohort_id)
{
    Hcap__CreateEnrollmentRequest req = HCAP__CREATE_ENROLLMENT_REQUEST__INIT;
    Hcap__Enrollment *e = NULL;
    req.worker_id = (char *)worker_id;
    req.cohort_id = (char *)cohort_id;
    S_OK("CreateEnrollment", req, &e);
    return e;
}

static Hcap__Enrollment *s_get_enrollment(const char *id)
{
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__Enrollment *e = NULL;
    get.id = (char *)id;
    S_OK("GetEnrollment", get, &e);
    return e;
}

static int s_set_status(const char *id, Hcap__EnrollmentStatus status)
{
    Hcap__ChangeEnrollmentStatusRequest req = HCAP__CHANGE_ENROLLMENT_STATUS_REQUEST__INIT;
    req.id = (char *)id;
    req.status = status;
    return ht_local_call(&s_local, "ChangeEnrollmentStatus", &req.base, NULL);
}

/* --- employers --- */

Test(enrollment, employers_create_get_list_and_errors)
{
    Hcap__CreateEmployerRequest req = HCAP__CREATE_EMPLOYER_REQUEST__INIT;
    Hcap__Employer *e = NULL;
    req.name = "Asian Health Services";
    req.sector = HCAP__SECTOR__SECTOR_COMMUNITY_CLINIC;
    req.union_local = "SEIU-UHW";
    req.state = "ca";
    S_OK("CreateEmployer", req, &e);
    cr_assert(strncmp(e->id, "emp_", 4) == 0, "%s", e->id);
    cr_assert_str_eq(e->state, "CA");
    cr_assert_not_null(e->created_at);

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__Employer *got = NULL;
    get.id = e->id;
    S_OK("GetEmployer", get, &got);
    cr_assert_str_eq(got->name, "Asian Health Services");
    cr_assert_str_eq(got->union_local, "SEIU-UHW");
    cr_assert_eq(got->sector, HCAP__SECTOR__SECTOR_COMMUNITY_CLINIC);
    get.id = "emp_nope";
    S_FAILS("GetEmployer", get, HC_NOT_FOUND, "id");

    req.state = "C";
    S_FAILS("CreateEmployer", req, HC_INVALID_ARGUMENT, "state");
    req.state = "C1";
    S_FAILS("CreateEmployer", req, HC_INVALID_ARGUMENT, "state");
    req.state = NULL;
    req.name = "";
    S_FAILS("CreateEmployer", req, HC_INVALID_ARGUMENT, "name");
    req.name = "Gardner Health Services";
    req.sector = HCAP__SECTOR__SECTOR_UNSPECIFIED;
    S_FAILS("CreateEmployer", req, HC_INVALID_ARGUMENT, "sector");
    cr_assert_eq(s_log_head(), 1, "only the successful create is an event");
}

Test(enrollment, lists_page_by_cursor_and_check_limit)
{
    char *ids[5];
    for (int i = 0; i < 5; i++)
        ids[i] = s_employer("Clinic");
    Hcap__ListRequest req = HCAP__LIST_REQUEST__INIT;
    Hcap__EmployerList *list = NULL;
    req.has_limit = 1;
    req.limit = 2;
    S_OK("ListEmployers", req, &list);
    cr_assert_eq(list->n_items, 2);
    cr_assert_str_eq(list->items[0]->id, ids[0]);
    cr_assert_str_eq(list->next, ids[1]);
    req.after = list->next;
    S_OK("ListEmployers", req, &list);
    cr_assert_str_eq(list->items[0]->id, ids[2]);
    req.after = ids[3];
    S_OK("ListEmployers", req, &list);
    cr_assert_eq(list->n_items, 1);
    cr_assert_str_eq(list->items[0]->id, ids[4]);
    cr_assert_null(list->next, "no next page after the last row");

    Hcap__ListRequest all = HCAP__LIST_REQUEST__INIT;
    S_OK("ListEmployers", all, &list);
    cr_assert_eq(list->n_items, 5);
    cr_assert_null(list->next);
    req.after = NULL;
    req.limit = 0;
    S_FAILS("ListEmployers", req, HC_INVALID_ARGUMENT, "limit");
    req.limit = 501;
    S_FAILS("ListEmployers", req, HC_INVALID_ARGUMENT, "limit");
    req.limit = 500;
    S_OK("ListEmployers", req, &list);
}

/* --- workers --- */

Test(enrollment, worker_create_and_get)
{
    char *emp = s_employer("St. John's Community Health");
    Hcap__CreateWorkerRequest req = s_worker_req("Lucía", "Cortés", "SJ-0001");
    Hcap__RaceEthnicity race[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_WHITE,
                                  HCAP__RACE_ETHNICITY__RACE_ETHNICITY_HISPANIC_LATINO};
    req.n_race_ethnicity = 2;
    req.race_ethnicity = race;
    req.email = "lucia@example.org";
    req.birth_date = "1990-02-28";
    req.employer_id = emp;
    req.has_hourly_wage_cents = 1;
    req.hourly_wage_cents = 2450;
    req.has_gender = 1;
    req.gender = HCAP__GENDER__GENDER_FEMALE;
    Hcap__Worker *w = NULL;
    S_OK("CreateWorker", req, &w);
    cr_assert(strncmp(w->id, "wkr_", 4) == 0);

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__Worker *got = NULL;
    get.id = w->id;
    S_OK("GetWorker", get, &got);
    cr_assert_str_eq(got->given_name, "Lucía");
    cr_assert_str_eq(got->external_id, "SJ-0001");
    cr_assert_str_eq(got->employer_id, emp);
    cr_assert_eq(got->hourly_wage_cents, 2450);
    cr_assert_eq(got->n_race_ethnicity, 2);
    cr_assert_eq(got->race_ethnicity[0], HCAP__RACE_ETHNICITY__RACE_ETHNICITY_HISPANIC_LATINO);
    cr_assert_eq(got->race_ethnicity[1], HCAP__RACE_ETHNICITY__RACE_ETHNICITY_WHITE);
    cr_assert(got->has_gender && got->gender == HCAP__GENDER__GENDER_FEMALE);
    cr_assert_null(got->phone);
    get.id = "wkr_missing";
    S_FAILS("GetWorker", get, HC_NOT_FOUND, "id");

    s_events log = s_log();
    cr_assert_eq(log.count, 2);
    cr_assert_str_eq(log.items[1].type, "enrollment.worker_registered.v1");
    cr_assert_str_eq(log.items[1].subject, w->id);
    Hcap__Worker *body = hcap__worker__unpack(NULL, log.items[1].size, log.items[1].body);
    cr_assert_not_null(body);
    cr_assert_str_eq(body->family_name, "Cortés");
    hcap__worker__free_unpacked(body, NULL);
    s_log_free(&log);
}

Test(enrollment, worker_validation_names_the_field)
{
    Hcap__CreateWorkerRequest req = s_worker_req("Ana", "Reyes", NULL);
    req.given_name = "";
    S_FAILS("CreateWorker", req, HC_INVALID_ARGUMENT, "given_name");
    req = s_worker_req("Ana", "", NULL);
    S_FAILS("CreateWorker", req, HC_INVALID_ARGUMENT, "family_name");
    const char *bad_emails[] = {"ana",      "ana@example",  "a@b@c.org",       "@example.org",
                                "ana@.org", "ana@example.", "an a@example.org"};
    for (size_t i = 0; i < sizeof bad_emails / sizeof *bad_emails; i++) {
        req = s_worker_req("Ana", "Reyes", NULL);
        req.email = (char *)bad_emails[i];
        S_FAILS("CreateWorker", req, HC_INVALID_ARGUMENT, "email");
    }
    req = s_worker_req("Ana", "Reyes", NULL);
    req.birth_date = "1990-02-30";
    S_FAILS("CreateWorker", req, HC_INVALID_ARGUMENT, "birth_date");
    req.birth_date = "2190-01-01";
    S_FAILS("CreateWorker", req, HC_INVALID_ARGUMENT, "birth_date");
    req = s_worker_req("Ana", "Reyes", NULL);
    req.hire_date = "yesterday";
    S_FAILS("CreateWorker", req, HC_INVALID_ARGUMENT, "hire_date");
    req = s_worker_req("Ana", "Reyes", NULL);
    req.has_hourly_wage_cents = 1;
    req.hourly_wage_cents = -1;
    S_FAILS("CreateWorker", req, HC_INVALID_ARGUMENT, "hourly_wage_cents");
    req = s_worker_req("Ana", "Reyes", NULL);
    req.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_UNSPECIFIED;
    S_FAILS("CreateWorker", req, HC_INVALID_ARGUMENT, "employment_status");
    req = s_worker_req("Ana", "Reyes", NULL);
    Hcap__RaceEthnicity twice[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_ASIAN,
                                   HCAP__RACE_ETHNICITY__RACE_ETHNICITY_ASIAN};
    req.n_race_ethnicity = 2;
    req.race_ethnicity = twice;
    S_FAILS("CreateWorker", req, HC_INVALID_ARGUMENT, "race_ethnicity");
    Hcap__RaceEthnicity declined[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_DECLINED,
                                      HCAP__RACE_ETHNICITY__RACE_ETHNICITY_ASIAN};
    req.race_ethnicity = declined;
    S_FAILS("CreateWorker", req, HC_INVALID_ARGUMENT, "race_ethnicity");
    req = s_worker_req("Ana", "Reyes", NULL);
    req.employer_id = "emp_unknown";
    S_FAILS("CreateWorker", req, HC_NOT_FOUND, "employer_id");

    s_worker("Ana", "Reyes", "X-1");
    req = s_worker_req("Other", "Person", "X-1");
    S_FAILS("CreateWorker", req, HC_ALREADY_EXISTS, "external_id");
    cr_assert_eq(s_log_head(), 1, "failed creates write no event");
}

Test(enrollment, worker_search_by_name_prefix_external_id_and_employer)
{
    char *emp = s_employer("HealthRight 360");
    Hcap__Worker *ana = s_worker("Ana", "Reyes", "E-100");
    Hcap__Worker *andre = s_worker("André", "Okafor", "E-200");
    Hcap__Worker *bo = s_worker("Bo", "Anand", "E-300");
    s_worker("Carla", "Diaz", "ANA-9");
    Hcap__UpdateWorkerRequest up = HCAP__UPDATE_WORKER_REQUEST__INIT;
    up.id = bo->id;
    up.employer_id = emp;
    S_OK("UpdateWorker", up, NULL);

    Hcap__ListWorkersRequest req = HCAP__LIST_WORKERS_REQUEST__INIT;
    Hcap__WorkerList *list = NULL;
    req.q = "AN";
    S_OK("ListWorkers", req, &list);
    cr_assert_eq(list->n_items, 3, "Ana, André and Anand (family name), not ANA-9");
    cr_assert_str_eq(list->items[0]->id, ana->id);
    cr_assert_str_eq(list->items[1]->id, andre->id);
    cr_assert_str_eq(list->items[2]->id, bo->id);
    req.q = "okaf";
    S_OK("ListWorkers", req, &list);
    cr_assert_eq(list->n_items, 1);
    cr_assert_str_eq(list->items[0]->id, andre->id);
    req.q = "E-200";
    S_OK("ListWorkers", req, &list);
    cr_assert_eq(list->n_items, 1, "the whole external_id matches");
    req.q = "E-2";
    S_OK("ListWorkers", req, &list);
    cr_assert_eq(list->n_items, 0, "a part of an external_id does not");
    req.q = "an";
    req.employer_id = emp;
    S_OK("ListWorkers", req, &list);
    cr_assert_eq(list->n_items, 1);
    cr_assert_str_eq(list->items[0]->id, bo->id);
    req.q = NULL;
    S_OK("ListWorkers", req, &list);
    cr_assert_eq(list->n_items, 1);
    req.employer_id = "emp_unknown";
    S_FAILS("ListWorkers", req, HC_NOT_FOUND, "employer_id");
    req.employer_id = NULL;
    req.has_limit = 1;
    req.limit = 3;
    S_OK("ListWorkers", req, &list);
    cr_assert_eq(list->n_items, 3);
    cr_assert_str_eq(list->next, bo->id);
}

Test(enrollment, worker_update_is_a_patch)
{
    Hcap__CreateWorkerRequest create = s_worker_req("Mai", "Tran", "P-1");
    Hcap__RaceEthnicity asian[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_ASIAN};
    create.n_race_ethnicity = 1;
    create.race_ethnicity = asian;
    create.email = "mai@example.org";
    create.phone = "510-555-0100";
    Hcap__Worker *w = NULL;
    S_OK("CreateWorker", create, &w);
    size_t head = s_log_head();

    Hcap__UpdateWorkerRequest req = HCAP__UPDATE_WORKER_REQUEST__INIT;
    Hcap__Worker *after = NULL;
    req.id = w->id;
    req.family_name = "Nguyen-Tran";
    req.email = "";
    req.has_hourly_wage_cents = 1;
    req.hourly_wage_cents = 3100;
    S_OK("UpdateWorker", req, &after);
    cr_assert_str_eq(after->family_name, "Nguyen-Tran");
    cr_assert_str_eq(after->given_name, "Mai", "absent fields stay");
    cr_assert_null(after->email, "an empty string clears");
    cr_assert_str_eq(after->phone, "510-555-0100");
    cr_assert_eq(after->n_race_ethnicity, 1, "an empty list leaves race_ethnicity");
    cr_assert_eq(after->hourly_wage_cents, 3100);
    cr_assert_eq(s_log_head(), head + 1);

    S_OK("UpdateWorker", req, &after);
    cr_assert_eq(s_log_head(), head + 1, "an update that changes nothing emits nothing");

    Hcap__UpdateWorkerRequest bad = HCAP__UPDATE_WORKER_REQUEST__INIT;
    bad.id = w->id;
    bad.given_name = "";
    S_FAILS("UpdateWorker", bad, HC_INVALID_ARGUMENT, "given_name");
    bad.given_name = NULL;
    bad.email = "nope";
    S_FAILS("UpdateWorker", bad, HC_INVALID_ARGUMENT, "email");
    bad.email = NULL;
    bad.employer_id = "emp_unknown";
    S_FAILS("UpdateWorker", bad, HC_NOT_FOUND, "employer_id");
    s_worker("Other", "Worker", "P-2");
    bad.employer_id = NULL;
    bad.external_id = "P-2";
    S_FAILS("UpdateWorker", bad, HC_ALREADY_EXISTS, "external_id");
    bad.external_id = "P-1";
    S_OK("UpdateWorker", bad, NULL);
    bad.id = "wkr_missing";
    S_FAILS("UpdateWorker", bad, HC_NOT_FOUND, "id");
}

/* --- erasure --- */

Test(enrollment, erasure_removes_personal_data_from_store_and_log)
{
    char *emp = s_employer("Baywell Health");
    Hcap__CreateWorkerRequest create = s_worker_req("Zenobia", "Quillfeather", "BW-77");
    Hcap__RaceEthnicity black[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_BLACK};
    create.n_race_ethnicity = 1;
    create.race_ethnicity = black;
    create.email = "zenobia@example.org";
    create.phone = "415-555-0199";
    create.birth_date = "1984-07-04";
    create.employer_id = emp;
    create.job_title = "Phlebotomist";
    Hcap__Worker *w = NULL;
    S_OK("CreateWorker", create, &w);
    Hcap__UpdateWorkerRequest up = HCAP__UPDATE_WORKER_REQUEST__INIT;
    up.id = w->id;
    up.given_name = "Zenobiah";
    S_OK("UpdateWorker", up, NULL);
    Hcap__RecordEmploymentRequest rec = HCAP__RECORD_EMPLOYMENT_REQUEST__INIT;
    rec.id = w->id;
    rec.kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PROMOTION;
    rec.job_title = "Lead Phlebotomist";
    rec.effective_date = "2026-01-05";
    S_OK("RecordEmployment", rec, NULL);
    Hcap__Enrollment *e = s_enroll(w->id, s_cohort(s_program("MA"), 5));

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__EraseWorkerReply *reply = NULL;
    get.id = w->id;
    S_OK("EraseWorker", get, &reply);
    cr_assert(reply->erased);
    cr_assert_str_eq(reply->id, w->id);
    S_FAILS("GetWorker", get, HC_NOT_FOUND, "id");
    S_FAILS("EraseWorker", get, HC_NOT_FOUND, "id");
    Hcap__ListWorkersRequest search = HCAP__LIST_WORKERS_REQUEST__INIT;
    Hcap__WorkerList *found = NULL;
    search.q = "zen";
    S_OK("ListWorkers", search, &found);
    cr_assert_eq(found->n_items, 0);
    search.q = NULL;
    S_OK("ListWorkers", search, &found);
    cr_assert_eq(found->n_items, 0);
    cr_assert_eq(s_get_enrollment(e->id)->status,
                 HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED, "enrollments stay");

    const char *personal[] = {"Zenobia",      "Quillfeather", "BW-77",       "zenobia@example.org",
                              "415-555-0199", "1984-07-04",   "Phlebotomist"};
    s_events log = s_log();
    for (size_t i = 0; i < log.count; i++)
        for (size_t j = 0; j < sizeof personal / sizeof *personal; j++)
            cr_assert(!ht_bytes_in(log.items[i].body, log.items[i].size, personal[j]),
                      "event %llu (%s) still holds %s", (unsigned long long)log.items[i].seq,
                      log.items[i].type, personal[j]);
    cr_assert_eq(s_log_count(&log, "enrollment.worker_erased.v1"), 1);
    s_event *last = &log.items[log.count - 1];
    cr_assert_str_eq(last->type, "enrollment.worker_erased.v1");
    cr_assert_str_eq(last->subject, w->id);
    /* The registration keeps what counts need: id, demographics, employer. */
    s_event *first = NULL;
    for (size_t i = 0; i < log.count && !first; i++)
        if (strcmp(log.items[i].type, "enrollment.worker_registered.v1") == 0)
            first = &log.items[i];
    cr_assert_not_null(first);
    Hcap__Worker *kept = hcap__worker__unpack(NULL, first->size, first->body);
    cr_assert_not_null(kept);
    cr_assert_str_eq(kept->id, w->id);
    cr_assert_null(kept->given_name);
    cr_assert_str_eq(kept->employer_id, emp);
    cr_assert_eq(kept->n_race_ethnicity, 1);
    cr_assert_eq(kept->employment_status, HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT);
    hcap__worker__free_unpacked(kept, NULL);
    s_log_free(&log);
}

Test(enrollment, erasure_scrubs_replies_recorded_for_idempotency_keys)
{
    Hcap__CreateWorkerRequest create = s_worker_req("Philippa", "Trelawney-Oduya", "IK-1");
    create.email = "philippa@example.org";
    Hcap__Worker *w = NULL;
    S_OK("CreateWorker", create, &w);
    /* What the runtime records for a keyed CreateWorker: the packed reply. */
    size_t size = 0;
    uint8_t *body = hc_msg_pack(&w->base, s_local.arena, &size);
    hc_store *store = hc_service_store(s_local.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK, "%s", err.message);
    cr_assert_eq(hc_idempotency_record(store, "tok:k1", "CreateWorker", body, size, &err), HC_OK);
    cr_assert_eq(
        hc_idempotency_record(store, "tok:k2", "CreateEmployer", (const uint8_t *)"", 1, &err),
        HC_OK);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK, "%s", err.message);
    cr_assert_eq(ht_local_replies_holding(&s_local, "Philippa"), 1,
                 "the recorded reply holds the name");

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = w->id;
    S_OK("EraseWorker", get, NULL);
    cr_assert_eq(ht_local_replies_holding(&s_local, "Philippa"), 0);
    cr_assert_eq(ht_local_replies_holding(&s_local, "Trelawney-Oduya"), 0);
    cr_assert_eq(ht_local_replies_holding(&s_local, "philippa@example.org"), 0);
    cr_assert_eq(ht_local_replies_holding(&s_local, "IK-1"), 0);
    cr_assert_eq(ht_local_replies_holding(&s_local, w->id), 1,
                 "the reply still names the (erased) worker id");
}

/* --- employment records --- */

Test(enrollment, employment_records_update_the_worker)
{
    char *emp = s_employer("Clínica Monseñor Oscar A. Romero");
    Hcap__CreateWorkerRequest create = s_worker_req("Rosa", "Mejía", "CR-1");
    create.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_NEW_ENTRANT;
    Hcap__Worker *w = NULL;
    S_OK("CreateWorker", create, &w);
    size_t head = s_log_head();

    Hcap__RecordEmploymentRequest req = HCAP__RECORD_EMPLOYMENT_REQUEST__INIT;
    Hcap__EmploymentRecord *r = NULL;
    req.id = w->id;
    req.kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT;
    req.employer_id = emp;
    req.job_title = "Medical Assistant";
    req.has_hourly_wage_cents = 1;
    req.hourly_wage_cents = 2600;
    req.effective_date = "2026-06-01";
    S_OK("RecordEmployment", req, &r);
    cr_assert(strncmp(r->id, "emr_", 4) == 0);
    cr_assert_str_eq(r->worker_id, w->id);
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__Worker *after = NULL;
    get.id = w->id;
    S_OK("GetWorker", get, &after);
    cr_assert_str_eq(after->employer_id, emp);
    cr_assert_str_eq(after->job_title, "Medical Assistant");
    cr_assert_eq(after->hourly_wage_cents, 2600);
    cr_assert_eq(after->employment_status, HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT);
    s_events log = s_log();
    cr_assert_eq(log.count, head + 2);
    cr_assert_str_eq(log.items[head].type, "enrollment.employment_recorded.v1");
    cr_assert_str_eq(log.items[head + 1].type, "enrollment.worker_updated.v1");
    s_log_free(&log);

    Hcap__RecordEmploymentRequest sep = HCAP__RECORD_EMPLOYMENT_REQUEST__INIT;
    sep.id = w->id;
    sep.kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_SEPARATION;
    sep.effective_date = "2026-09-30";
    S_OK("RecordEmployment", sep, NULL);
    S_OK("GetWorker", get, &after);
    cr_assert_eq(after->employment_status, HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_UNEMPLOYED);

    Hcap__ListByWorkerRequest list_req = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    Hcap__EmploymentList *list = NULL;
    list_req.worker_id = w->id;
    S_OK("ListEmployment", list_req, &list);
    cr_assert_eq(list->n_items, 2);
    cr_assert_eq(list->items[1]->kind, HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_SEPARATION);
    list_req.worker_id = "wkr_missing";
    S_FAILS("ListEmployment", list_req, HC_NOT_FOUND, "worker_id");
    list_req.worker_id = "";
    S_FAILS("ListEmployment", list_req, HC_INVALID_ARGUMENT, "worker_id");

    req.kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_UNSPECIFIED;
    S_FAILS("RecordEmployment", req, HC_INVALID_ARGUMENT, "kind");
    req.kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_WAGE_CHANGE;
    req.effective_date = "2026-02-31";
    S_FAILS("RecordEmployment", req, HC_INVALID_ARGUMENT, "effective_date");
    req.effective_date = "2026-07-01";
    req.hourly_wage_cents = -5;
    S_FAILS("RecordEmployment", req, HC_INVALID_ARGUMENT, "hourly_wage_cents");
    req.hourly_wage_cents = 2800;
    req.employer_id = "emp_unknown";
    S_FAILS("RecordEmployment", req, HC_NOT_FOUND, "employer_id");
    req.employer_id = NULL;
    req.id = "wkr_missing";
    S_FAILS("RecordEmployment", req, HC_NOT_FOUND, "id");
}

/* --- programs and cohorts --- */

Test(enrollment, programs_and_cohorts)
{
    char *prg = s_program("CHW-101");
    Hcap__CreateProgramRequest dup = HCAP__CREATE_PROGRAM_REQUEST__INIT;
    dup.code = "CHW-101";
    dup.name = "Community Health Worker";
    dup.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING;
    S_FAILS("CreateProgram", dup, HC_ALREADY_EXISTS, "code");
    dup.code = "";
    S_FAILS("CreateProgram", dup, HC_INVALID_ARGUMENT, "code");
    dup.code = "EHR-1";
    dup.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_UNSPECIFIED;
    S_FAILS("CreateProgram", dup, HC_INVALID_ARGUMENT, "kind");
    dup.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CONTINUING_EDUCATION;
    dup.has_hours = 1;
    dup.hours = -2;
    S_FAILS("CreateProgram", dup, HC_INVALID_ARGUMENT, "hours");
    dup.hours = 12.5;
    Hcap__Program *ehr = NULL;
    S_OK("CreateProgram", dup, &ehr);
    cr_assert(ehr->has_hours && ehr->hours == 12.5);

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__Program *p = NULL;
    get.id = prg;
    S_OK("GetProgram", get, &p);
    cr_assert_str_eq(p->code, "CHW-101");
    get.id = "prg_missing";
    S_FAILS("GetProgram", get, HC_NOT_FOUND, "id");
    Hcap__ListRequest all = HCAP__LIST_REQUEST__INIT;
    Hcap__ProgramList *programs = NULL;
    S_OK("ListPrograms", all, &programs);
    cr_assert_eq(programs->n_items, 2);

    Hcap__CreateCohortRequest req = HCAP__CREATE_COHORT_REQUEST__INIT;
    req.program_id = prg;
    req.name = "CHW fall";
    req.start_date = "2026-09-01";
    req.end_date = "2026-08-01";
    req.capacity = 10;
    S_FAILS("CreateCohort", req, HC_INVALID_ARGUMENT, "end_date");
    req.end_date = "2026-12-15";
    req.capacity = 0;
    S_FAILS("CreateCohort", req, HC_INVALID_ARGUMENT, "capacity");
    req.capacity = 10;
    req.start_date = "2026-9-1";
    S_FAILS("CreateCohort", req, HC_INVALID_ARGUMENT, "start_date");
    req.start_date = "2026-09-01";
    req.program_id = "prg_missing";
    S_FAILS("CreateCohort", req, HC_NOT_FOUND, "program_id");
    req.program_id = prg;
    Hcap__Cohort *c = NULL;
    S_OK("CreateCohort", req, &c);
    cr_assert(strncmp(c->id, "coh_", 4) == 0);
    cr_assert_eq(c->enrolled_count, 0);
    s_cohort(ehr->id, 3);

    Hcap__ListCohortsRequest list_req = HCAP__LIST_COHORTS_REQUEST__INIT;
    Hcap__CohortList *list = NULL;
    S_OK("ListCohorts", list_req, &list);
    cr_assert_eq(list->n_items, 2);
    list_req.program_id = prg;
    S_OK("ListCohorts", list_req, &list);
    cr_assert_eq(list->n_items, 1);
    cr_assert_str_eq(list->items[0]->id, c->id);
    list_req.program_id = "prg_missing";
    S_FAILS("ListCohorts", list_req, HC_NOT_FOUND, "program_id");
    get.id = "coh_missing";
    S_FAILS("GetCohort", get, HC_NOT_FOUND, "id");
}

/* --- enrollments --- */

Test(enrollment, waitlist_is_fifo_and_a_freed_seat_promotes)
{
    char *coh = s_cohort(s_program("MA-1"), 2);
    Hcap__Worker *w[4];
    Hcap__Enrollment *e[4];
    for (int i = 0; i < 4; i++) {
        char ext[16];
        snprintf(ext, sizeof ext, "W-%d", i);
        w[i] = s_worker("Pat", "Lee", hc_arena_strdup(s_local.arena, ext));
        e[i] = s_enroll(w[i]->id, coh);
    }
    cr_assert_eq(e[0]->status, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED);
    cr_assert_eq(e[1]->status, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED);
    cr_assert_eq(e[2]->status, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WAITLISTED);
    cr_assert_eq(e[2]->waitlist_position, 1);
    cr_assert_eq(e[3]->waitlist_position, 2);
    cr_assert_not_null(e[0]->status_date);

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__Cohort *c = NULL;
    get.id = coh;
    S_OK("GetCohort", get, &c);
    cr_assert_eq(c->enrolled_count, 2);
    cr_assert_eq(c->waitlist_count, 2);

    Hcap__CreateEnrollmentRequest again = HCAP__CREATE_ENROLLMENT_REQUEST__INIT;
    again.worker_id = w[3]->id;
    again.cohort_id = coh;
    S_FAILS("CreateEnrollment", again, HC_ALREADY_EXISTS, "worker_id");
    again.worker_id = "wkr_missing";
    S_FAILS("CreateEnrollment", again, HC_NOT_FOUND, "worker_id");
    again.worker_id = w[0]->id;
    again.cohort_id = "coh_missing";
    S_FAILS("CreateEnrollment", again, HC_NOT_FOUND, "cohort_id");

    size_t head = s_log_head();
    Hcap__ChangeEnrollmentStatusRequest req = HCAP__CHANGE_ENROLLMENT_STATUS_REQUEST__INIT;
    Hcap__Enrollment *changed = NULL;
    req.id = e[1]->id;
    req.status = HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN;
    req.date = "2026-03-10";
    req.reason = "moved away";
    S_OK("ChangeEnrollmentStatus", req, &changed);
    cr_assert_eq(changed->status, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN);
    cr_assert_str_eq(changed->reason, "moved away");
    cr_assert_str_eq(changed->status_date, "2026-03-10");

    Hcap__Enrollment *promoted = s_get_enrollment(e[2]->id);
    cr_assert_eq(promoted->status, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED,
                 "the first waitlisted takes the seat");
    cr_assert(!promoted->has_waitlist_position);
    cr_assert_eq(s_get_enrollment(e[3]->id)->waitlist_position, 1, "the next moves up");
    s_events log = s_log();
    cr_assert_eq(log.count, head + 2, "one event for the withdrawal, one for the promotion");
    cr_assert_str_eq(log.items[head + 1].type, "enrollment.enrollment_status_changed.v1");
    cr_assert_str_eq(log.items[head + 1].subject, w[2]->id);
    s_log_free(&log);

    /* A waitlisted withdrawal frees no seat. */
    cr_assert_eq(s_set_status(e[3]->id, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN),
                 HC_OK);
    S_OK("GetCohort", get, &c);
    cr_assert_eq(c->enrolled_count, 2);
    cr_assert_eq(c->waitlist_count, 0);
    /* A withdrawn worker may enroll again; the cohort is full. */
    again.worker_id = w[1]->id;
    again.cohort_id = coh;
    Hcap__Enrollment *back = NULL;
    S_OK("CreateEnrollment", again, &back);
    cr_assert_eq(back->status, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WAITLISTED);
}

Test(enrollment, enrollment_transitions)
{
    char *coh = s_cohort(s_program("DA-1"), 5);
    Hcap__Worker *w = s_worker("Kim", "Park", NULL);
    Hcap__Enrollment *e = s_enroll(w->id, coh);
    cr_assert(strncmp(e->id, "enr_", 4) == 0);
    cr_assert_eq(s_set_status(e->id, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED),
                 HC_FAILED_PRECONDITION);
    cr_assert_str_eq(s_local.err.field, "status");
    cr_assert(strstr(s_local.err.message, "enrolled") && strstr(s_local.err.message, "completed"),
              "%s", s_local.err.message);

    Hcap__ChangeEnrollmentStatusRequest req = HCAP__CHANGE_ENROLLMENT_STATUS_REQUEST__INIT;
    req.id = e->id;
    req.status = HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE;
    req.date = "2026-13-01";
    S_FAILS("ChangeEnrollmentStatus", req, HC_INVALID_ARGUMENT, "date");
    req.date = NULL;
    req.has_hours_attended = 1;
    req.hours_attended = -1;
    S_FAILS("ChangeEnrollmentStatus", req, HC_INVALID_ARGUMENT, "hours_attended");
    req.has_hours_attended = 0;
    req.status = HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_UNSPECIFIED;
    S_FAILS("ChangeEnrollmentStatus", req, HC_INVALID_ARGUMENT, "status");
    req.id = "enr_missing";
    req.status = HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE;
    S_FAILS("ChangeEnrollmentStatus", req, HC_NOT_FOUND, "id");

    cr_assert_eq(s_set_status(e->id, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE), HC_OK);
    req.id = e->id;
    req.status = HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED;
    req.has_hours_attended = 1;
    req.hours_attended = 96.5;
    Hcap__Enrollment *done = NULL;
    S_OK("ChangeEnrollmentStatus", req, &done);
    cr_assert_eq(done->hours_attended, 96.5);
    cr_assert_eq(s_set_status(e->id, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE),
                 HC_FAILED_PRECONDITION);
    cr_assert_str_eq(s_local.err.message, "cannot change enrollment from completed to active");
    cr_assert_eq(s_set_status(e->id, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN),
                 HC_FAILED_PRECONDITION);

    /* completed keeps its seat; a new enrollment in the cohort is allowed. */
    Hcap__Enrollment *again = s_enroll(w->id, coh);
    cr_assert_eq(again->status, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED);
    cr_assert_eq(s_set_status(again->id, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_FAILED),
                 HC_FAILED_PRECONDITION, "enrolled -> failed is not allowed");

    Hcap__ListEnrollmentsRequest list_req = HCAP__LIST_ENROLLMENTS_REQUEST__INIT;
    Hcap__EnrollmentList *list = NULL;
    list_req.worker_id = w->id;
    S_OK("ListEnrollments", list_req, &list);
    cr_assert_eq(list->n_items, 2);
    list_req.has_status = 1;
    list_req.status = HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED;
    S_OK("ListEnrollments", list_req, &list);
    cr_assert_eq(list->n_items, 1);
    cr_assert_str_eq(list->items[0]->id, e->id);
    list_req.worker_id = NULL;
    list_req.cohort_id = coh;
    S_OK("ListEnrollments", list_req, &list);
    cr_assert_eq(list->n_items, 1);
    list_req.cohort_id = NULL;
    S_OK("ListEnrollments", list_req, &list);
    cr_assert_eq(list->n_items, 1, "status alone filters too");
    cr_assert_str_eq(list->items[0]->id, e->id);
    list_req.has_status = 0;
    S_OK("ListEnrollments", list_req, &list);
    cr_assert_eq(list->n_items, 2);
    list_req.cohort_id = "coh_missing";
    S_FAILS("ListEnrollments", list_req, HC_NOT_FOUND, "cohort_id");
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "enr_missing";
    S_FAILS("GetEnrollment", get, HC_NOT_FOUND, "id");
}

/* --- tuition claims --- */

static Hcap__TuitionClaim *s_claim(const char *worker_id, int64_t cents)
{
    Hcap__SubmitTuitionClaimRequest req = HCAP__SUBMIT_TUITION_CLAIM_REQUEST__INIT;
    Hcap__TuitionClaim *c = NULL;
    req.worker_id = (char *)worker_id;
    req.institution = "Laney College";
    req.course = "NURS 201";
    req.amount_cents = cents;
    S_OK("SubmitTuitionClaim", req, &c);
    return c;
}

static int s_decide(const char *id, Hcap__ClaimStatus status, int64_t approved, const char *date)
{
    Hcap__DecideTuitionClaimRequest req = HCAP__DECIDE_TUITION_CLAIM_REQUEST__INIT;
    req.id = (char *)id;
    req.status = status;
    req.has_approved_cents = approved > 0;
    req.approved_cents = approved;
    req.date = (char *)date;
    return ht_local_call(&s_local, "DecideTuitionClaim", &req.base, NULL);
}

Test(enrollment, tuition_claims_and_the_annual_cap)
{
    Hcap__Worker *w = s_worker("Joy", "Santos", NULL);
    Hcap__TuitionClaim *a = s_claim(w->id, 300000);
    cr_assert(strncmp(a->id, "tcl_", 4) == 0);
    cr_assert_eq(a->status, HCAP__CLAIM_STATUS__CLAIM_STATUS_SUBMITTED);
    Hcap__TuitionClaim *b = s_claim(w->id, 300000);
    Hcap__TuitionClaim *c = s_claim(w->id, 100000);

    cr_assert_eq(s_decide(a->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED, 0, "2026-02-01"),
                 HC_OK);
    cr_assert_eq(s_decide(b->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED, 0, "2026-05-01"),
                 HC_FAILED_PRECONDITION, "300000 + 300000 passes 525000");
    cr_assert_str_eq(s_local.err.field, "approved_cents");
    cr_assert(strstr(s_local.err.message, "225000"), "says what remains: %s", s_local.err.message);
    cr_assert_eq(s_decide(b->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED, 300001, "2026-05-01"),
                 HC_INVALID_ARGUMENT);
    cr_assert_str_eq(s_local.err.field, "approved_cents");
    cr_assert_eq(s_decide(b->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED, 225000, "2026-05-01"),
                 HC_OK);
    cr_assert_eq(s_decide(c->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED, 1, "2026-12-31"),
                 HC_FAILED_PRECONDITION, "the cap is used up for 2026");
    cr_assert_eq(s_decide(c->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED, 0, "2027-01-04"), HC_OK,
                 "a new year has a new cap: %s", s_local.err.message);

    cr_assert_eq(s_decide(a->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_PAID, 0, "2026-03-01"), HC_OK);
    cr_assert_eq(s_decide(a->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_DENIED, 0, NULL),
                 HC_FAILED_PRECONDITION);
    cr_assert_str_eq(s_local.err.field, "status");
    cr_assert_eq(s_decide(a->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_SUBMITTED, 0, NULL),
                 HC_FAILED_PRECONDITION);
    Hcap__TuitionClaim *d = s_claim(w->id, 5000);
    cr_assert_eq(s_decide(d->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_PAID, 0, NULL),
                 HC_FAILED_PRECONDITION, "submitted -> paid skips approval");
    cr_assert_eq(s_decide(d->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_DENIED, 0, "2026-06-01"), HC_OK);
    cr_assert_eq(s_decide("tcl_missing", HCAP__CLAIM_STATUS__CLAIM_STATUS_DENIED, 0, NULL),
                 HC_NOT_FOUND);
    cr_assert_str_eq(s_local.err.field, "id");

    Hcap__ListByWorkerRequest list_req = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    Hcap__TuitionClaimList *list = NULL;
    list_req.worker_id = w->id;
    S_OK("ListTuitionClaims", list_req, &list);
    cr_assert_eq(list->n_items, 4);
    cr_assert_eq(list->items[0]->status, HCAP__CLAIM_STATUS__CLAIM_STATUS_PAID);
    cr_assert_eq(list->items[0]->approved_cents, 300000);
    cr_assert_str_eq(list->items[0]->decided_on, "2026-03-01");
    cr_assert_eq(list->items[1]->approved_cents, 225000);
    cr_assert_eq(list->items[3]->status, HCAP__CLAIM_STATUS__CLAIM_STATUS_DENIED);

    Hcap__SubmitTuitionClaimRequest bad = HCAP__SUBMIT_TUITION_CLAIM_REQUEST__INIT;
    bad.worker_id = w->id;
    bad.institution = "Laney College";
    bad.amount_cents = 0;
    S_FAILS("SubmitTuitionClaim", bad, HC_INVALID_ARGUMENT, "amount_cents");
    bad.amount_cents = 100;
    bad.institution = "";
    S_FAILS("SubmitTuitionClaim", bad, HC_INVALID_ARGUMENT, "institution");
    bad.institution = "Laney College";
    bad.worker_id = "wkr_missing";
    S_FAILS("SubmitTuitionClaim", bad, HC_NOT_FOUND, "worker_id");
}

Test(enrollment, tuition_cap_comes_from_config)
{
    hc_config_set(hc_service_config(s_local.svc), ENR_TUITION_CAP_KEY, "10000");
    Hcap__Worker *w = s_worker("Ivy", "Chen", NULL);
    Hcap__TuitionClaim *a = s_claim(w->id, 8000);
    Hcap__TuitionClaim *b = s_claim(w->id, 8000);
    cr_assert_eq(s_decide(a->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED, 0, "2026-01-10"),
                 HC_OK);
    cr_assert_eq(s_decide(b->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED, 0, "2026-01-11"),
                 HC_FAILED_PRECONDITION);
    cr_assert(strstr(s_local.err.message, "2000"), "%s", s_local.err.message);
}

/* --- import --- */

static Hcap__ImportReport *s_import(const char *csv, bool dry_run)
{
    Hcap__ImportWorkersRequest req = HCAP__IMPORT_WORKERS_REQUEST__INIT;
    Hcap__ImportReport *report = NULL;
    req.csv = (char *)csv;
    req.has_dry_run = dry_run;
    req.dry_run = dry_run;
    S_OK("ImportWorkers", req, &report);
    return report;
}

static bool s_has_rejection(const Hcap__ImportReport *r, uint32_t line, const char *field)
{
    for (size_t i = 0; i < r->n_rejected; i++)
        if (r->rejected[i]->line == line && r->rejected[i]->field &&
            strcmp(r->rejected[i]->field, field) == 0)
            return true;
    return false;
}

Test(enrollment, import_creates_updates_and_leaves_unchanged)
{
    char *emp = s_employer("Gardner Health Services");
    char *csv = hc_arena_printf(
        s_local.arena,
        "external_id,given_name,family_name,employment_status,race_ethnicity,employer_id,"
        "hourly_wage_cents\r\n"
        "G-1,Ana,Reyes,incumbent,hispanic_latino; white,%s,2500\r\n"
        "G-2,Bo,Anand,new_entrant,,,\r\n"
        "G-3,\"O'Neil, Jr.\",Smith,unemployed,declined,,\r\n",
        emp);
    Hcap__ImportReport *dry = s_import(csv, true);
    cr_assert_eq(dry->n_rejected, 0, "%s", dry->n_rejected ? dry->rejected[0]->message : "");
    cr_assert_eq(dry->rows, 3);
    cr_assert_eq(dry->created, 3);
    cr_assert(dry->dry_run);
    cr_assert_eq(s_log_head(), 1, "a dry run writes nothing");

    Hcap__ImportReport *r = s_import(csv, false);
    cr_assert_eq(r->created, 3);
    cr_assert_eq(r->updated + r->unchanged, 0);
    Hcap__ListWorkersRequest q = HCAP__LIST_WORKERS_REQUEST__INIT;
    Hcap__WorkerList *list = NULL;
    q.q = "G-1";
    S_OK("ListWorkers", q, &list);
    cr_assert_eq(list->n_items, 1);
    cr_assert_eq(list->items[0]->n_race_ethnicity, 2);
    cr_assert_eq(list->items[0]->hourly_wage_cents, 2500);
    cr_assert_str_eq(list->items[0]->employer_id, emp);
    q.q = "o'neil";
    S_OK("ListWorkers", q, &list);
    cr_assert_eq(list->n_items, 1);
    cr_assert_str_eq(list->items[0]->given_name, "O'Neil, Jr.");
    cr_assert_eq(s_log_head(), 4);

    const char *again = "family_name,external_id\n"
                        "Reyes,G-1\n"
                        "Anand-Patel,G-2\n"
                        "Smith,G-3\n"
                        "Okafor,G-4\n";
    r = s_import(again, false);
    cr_assert_eq(r->n_rejected, 2, "G-4 is new: no given name, no employment status");
    cr_assert(s_has_rejection(r, 5, "given_name"));
    cr_assert(s_has_rejection(r, 5, "employment_status"));
    cr_assert_eq(s_log_head(), 4, "a rejected import writes nothing");
    r = s_import("family_name,external_id\nReyes,G-1\nAnand-Patel,G-2\nSmith,G-3\n", false);
    cr_assert_eq(r->n_rejected, 0);
    cr_assert_eq(r->rows, 3);
    cr_assert_eq(r->created, 0);
    cr_assert_eq(r->updated, 1);
    cr_assert_eq(r->unchanged, 2);
    s_events log = s_log();
    cr_assert_eq(log.count, 5);
    cr_assert_str_eq(log.items[4].type, "enrollment.worker_updated.v1");
    s_log_free(&log);
    q.q = "anand";
    S_OK("ListWorkers", q, &list);
    cr_assert_str_eq(list->items[0]->family_name, "Anand-Patel");
    cr_assert_str_eq(list->items[0]->given_name, "Bo", "columns not in the file stay");
}

Test(enrollment, import_lists_every_rejection_and_writes_nothing)
{
    const char *csv = "external_id,given_name,family_name,employment_status,email,birth_date,"
                      "race_ethnicity,hourly_wage_cents,employer_id\n"
                      "R-1,Ana,Reyes,incumbent,ana@example.org,1990-01-01,asian,100,\n"
                      "R-2,,Reyes,incumbent,,,,,\n"
                      "R-3,Bo,Lee,retired,,,,,\n"
                      "R-4,Cy,Lee,incumbent,not-an-email,1990-02-30,,,\n"
                      "R-1,Di,Lee,incumbent,,,,,\n"
                      ",Ed,Lee,incumbent,,,,,\n"
                      "R-6,Fa,Lee,incumbent,,,martian,abc,emp_nope\n"
                      "R-7,Gu,Lee\n";
    Hcap__ImportReport *r = s_import(csv, false);
    cr_assert_eq(r->rows, 8);
    cr_assert(s_has_rejection(r, 3, "given_name"));
    cr_assert(s_has_rejection(r, 4, "employment_status"));
    cr_assert(s_has_rejection(r, 5, "email"));
    cr_assert(s_has_rejection(r, 5, "birth_date"), "all problems of a row are listed");
    cr_assert(s_has_rejection(r, 6, "external_id"), "R-1 repeats line 2");
    cr_assert(s_has_rejection(r, 7, "external_id"), "external_id is required");
    cr_assert(s_has_rejection(r, 8, "race_ethnicity"));
    cr_assert(s_has_rejection(r, 8, "hourly_wage_cents"));
    cr_assert(s_has_rejection(r, 8, "employer_id"));
    bool short_row = false;
    for (size_t i = 0; i < r->n_rejected; i++)
        short_row = short_row || (r->rejected[i]->line == 9 && !r->rejected[i]->field);
    cr_assert(short_row, "a row with too few fields is rejected");
    cr_assert_eq(r->n_rejected, 10);
    cr_assert_eq(s_log_head(), 0, "nothing written");
    Hcap__ListWorkersRequest all = HCAP__LIST_WORKERS_REQUEST__INIT;
    Hcap__WorkerList *list = NULL;
    S_OK("ListWorkers", all, &list);
    cr_assert_eq(list->n_items, 0);

    r = s_import("external_id,given_name,nickname,given_name\nX,Ana,Annie,Ann\n", false);
    cr_assert(s_has_rejection(r, 1, "nickname"), "unknown column");
    cr_assert(s_has_rejection(r, 1, "given_name"), "repeated column");
    cr_assert_eq(r->rows, 1);
    r = s_import("given_name,family_name\nAna,Reyes\n", false);
    cr_assert(s_has_rejection(r, 1, "external_id"), "the upsert key is required");
    r = s_import("external_id,id\nX,wkr_1\n", false);
    cr_assert(s_has_rejection(r, 1, "id"), "only CreateWorkerRequest fields");
    r = s_import("external_id,given_name\n\"X,Ana\n", false);
    cr_assert_gt(r->n_rejected, 0, "malformed CSV is rejected");
    cr_assert_eq(s_log_head(), 0);
}

/* Rows are written as soon as they are checked: a rejection after many
   written rows must take every one of them (and their events) back, and
   leave the store ready for the next import. */
Test(enrollment, import_rejected_at_the_end_takes_back_the_rows_before)
{
    const char *good = "external_id,given_name,family_name,employment_status\n"
                       "L-1,Ana,Reyes,incumbent\n"
                       "L-2,Bo,Anand,new_entrant\n";
    cr_assert_eq(s_import(good, false)->created, 2);
    const char *csv = "external_id,given_name,family_name,employment_status\n"
                      "L-1,Ana,Reyes-Ortiz,incumbent\n"
                      "L-2,Bo,Anand,new_entrant\n"
                      "L-3,Cy,Lee,incumbent\n"
                      "L-4,Di,Lee,incumbent\n"
                      "L-5,Ed,Lee,retired\n";
    Hcap__ImportReport *r = s_import(csv, false);
    cr_assert_eq(r->n_rejected, 1);
    cr_assert(s_has_rejection(r, 6, "employment_status"));
    cr_assert_eq(r->created, 2, "what the rows would have done is still counted");
    cr_assert_eq(r->updated, 1);
    cr_assert_eq(r->unchanged, 1);
    cr_assert_eq(s_log_head(), 2, "no event of the rows before the rejected one");
    Hcap__ListWorkersRequest q = HCAP__LIST_WORKERS_REQUEST__INIT;
    Hcap__WorkerList *list = NULL;
    q.q = "L-3";
    S_OK("ListWorkers", q, &list);
    cr_assert_eq(list->n_items, 0, "L-3 was taken back");
    q.q = "L-1";
    S_OK("ListWorkers", q, &list);
    cr_assert_str_eq(list->items[0]->family_name, "Reyes", "the update of L-1 was taken back");

    r = s_import(csv, true);
    cr_assert_eq(r->n_rejected, 1);
    cr_assert_eq(s_log_head(), 2, "a dry run writes nothing");
    r = s_import("external_id,employment_status\nL-5,incumbent\nL-3,incumbent\n", false);
    cr_assert_eq(r->n_rejected, 4, "new workers need both names");
    cr_assert_eq(s_log_head(), 2);
    r = s_import("external_id,family_name\nL-1,Reyes-Ortiz\nL-2,Anand\n", false);
    cr_assert_eq(r->n_rejected, 0);
    cr_assert_eq(r->updated, 1);
    cr_assert_eq(r->unchanged, 1);
    cr_assert_eq(s_log_head(), 3, "the next import writes and commits");
}

/* A roster of n rows with distinct external ids and a few employers. */
static char *s_roster(int n, const char *employer_id)
{
    size_t size = (size_t)n * 160 + 256;
    char *csv = malloc(size), *p = csv;
    p += sprintf(p, "external_id,given_name,family_name,email,employment_status,race_ethnicity,"
                    "employer_id,hourly_wage_cents,hire_date\n");
    for (int i = 0; i < n; i++)
        p += sprintf(p,
                     "R%07d,Given%d,Family%d,w%d@example.org,incumbent,asian;white,%s,%d,"
                     "2020-01-15\n",
                     i, i, i % 977, i, employer_id, 2000 + i % 500);
    return csv;
}

Test(enrollment, import_of_3000_rows_is_fast)
{
    char *emp = s_employer("SEIU 1021 employers");
    char *csv = s_roster(3000, emp);
    int64_t start = hc_clock_ms();
    Hcap__ImportReport *r = s_import(csv, false);
    int64_t took = hc_clock_ms() - start;
    cr_assert_eq(r->n_rejected, 0, "%s", r->n_rejected ? r->rejected[0]->message : "");
    cr_assert_eq(r->created, 3000);
    start = hc_clock_ms();
    r = s_import(csv, false);
    int64_t again = hc_clock_ms() - start;
    cr_assert_eq(r->unchanged, 3000);
    cr_log_info("import of 3000 rows: %lld ms new, %lld ms unchanged", (long long)took,
                (long long)again);
    /* Sanitizer builds run several times slower than release builds. */
    cr_assert_lt(took, 3000, "3000-row import took %lld ms", (long long)took);
    cr_assert_eq(s_log_head(), 3001);
    free(csv);
}

/* --- the log as a whole --- */

Test(enrollment, one_event_per_change_with_gapless_seqs)
{
    char *emp = s_employer("WERC");
    Hcap__Worker *w = s_worker("Lee", "Wong", "L-1");
    char *prg = s_program("RN-1");
    char *coh = s_cohort(prg, 1);
    Hcap__Enrollment *e = s_enroll(w->id, coh);
    cr_assert_eq(s_set_status(e->id, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE), HC_OK);
    Hcap__TuitionClaim *c = s_claim(w->id, 1000);
    cr_assert_eq(s_decide(c->id, HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED, 0, NULL), HC_OK);
    Hcap__RecordEmploymentRequest rec = HCAP__RECORD_EMPLOYMENT_REQUEST__INIT;
    rec.id = w->id;
    rec.kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT;
    rec.employer_id = emp;
    rec.effective_date = "2026-04-01";
    S_OK("RecordEmployment", rec, NULL);
    /* The same placement again changes the worker no further. */
    S_OK("RecordEmployment", rec, NULL);
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = w->id;
    S_OK("GetWorker", get, NULL);
    S_OK("EraseWorker", get, NULL);

    const char *expected[] = {
        "enrollment.employer_created.v1",        "enrollment.worker_registered.v1",
        "enrollment.program_created.v1",         "enrollment.cohort_created.v1",
        "enrollment.enrollment_created.v1",      "enrollment.enrollment_status_changed.v1",
        "enrollment.tuition_claim_submitted.v1", "enrollment.tuition_claim_decided.v1",
        "enrollment.employment_recorded.v1",     "enrollment.worker_updated.v1",
        "enrollment.employment_recorded.v1",     "enrollment.worker_erased.v1",
    };
    s_events log = s_log();
    cr_assert_eq(log.count, sizeof expected / sizeof *expected);
    for (size_t i = 0; i < log.count; i++) {
        cr_assert_eq(log.items[i].seq, i + 1, "gapless from 1");
        cr_assert_str_eq(log.items[i].type, expected[i]);
    }
    cr_assert_str_eq(log.items[4].subject, w->id, "events about a worker name the worker");
    cr_assert_str_eq(log.items[0].subject, "");
    Hcap__Enrollment *body = hcap__enrollment__unpack(NULL, log.items[5].size, log.items[5].body);
    cr_assert_not_null(body);
    cr_assert_eq(body->status, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE,
                 "bodies carry the state after the change");
    hcap__enrollment__free_unpacked(body, NULL);
    s_log_free(&log);
}
