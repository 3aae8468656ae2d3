/* Tests of enrollment's GetWorkerProfile, the enrollment share of the
   gateway's worker profile in one read: the same rows its List methods
   give, only this worker's, none for a new worker, NOT_FOUND for a missing
   or erased one, the same answer whatever the principal's role (the
   gateway checks roles) and the first 500 rows of a long list. A read
   replica's answer is compared with the primary's in test_replica_enrollment. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ht_local.h"
#include "hc_msg.h"
#include "hc_service.h"
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

TestSuite(enrollment_profile, .init = s_setup, .fini = s_teardown, .timeout = 120);

#define S_OK(method, in, out) ht_local_ok(&s_local, method, &(in).base, out)

static char *s_worker(const char *given)
{
    Hcap__CreateWorkerRequest req = HCAP__CREATE_WORKER_REQUEST__INIT;
    req.given_name = (char *)given;
    req.family_name = "Profile";
    req.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
    Hcap__Worker *w = NULL;
    S_OK("CreateWorker", req, &w);
    return w->id;
}

static char *s_cohort(void)
{
    Hcap__CreateProgramRequest program = HCAP__CREATE_PROGRAM_REQUEST__INIT;
    program.code = "MA";
    program.name = "Medical Assistant";
    program.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING;
    Hcap__Program *p = NULL;
    S_OK("CreateProgram", program, &p);
    Hcap__CreateCohortRequest cohort = HCAP__CREATE_COHORT_REQUEST__INIT;
    cohort.program_id = p->id;
    cohort.name = "Spring MA";
    cohort.start_date = "2026-03-02";
    cohort.capacity = 10;
    Hcap__Cohort *c = NULL;
    S_OK("CreateCohort", cohort, &c);
    return c->id;
}

static void s_enroll(const char *worker_id, const char *cohort_id)
{
    Hcap__CreateEnrollmentRequest req = HCAP__CREATE_ENROLLMENT_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    req.cohort_id = (char *)cohort_id;
    S_OK("CreateEnrollment", req, NULL);
}

static void s_claim(const char *worker_id, int64_t cents)
{
    Hcap__SubmitTuitionClaimRequest req = HCAP__SUBMIT_TUITION_CLAIM_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    req.institution = "Laney College";
    req.amount_cents = cents;
    S_OK("SubmitTuitionClaim", req, NULL);
}

static void s_employment(const char *worker_id, const char *date)
{
    Hcap__RecordEmploymentRequest req = HCAP__RECORD_EMPLOYMENT_REQUEST__INIT;
    req.id = (char *)worker_id;
    req.kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PROMOTION;
    req.job_title = "Lead Medical Assistant";
    req.effective_date = (char *)date;
    S_OK("RecordEmployment", req, NULL);
}

static Hcap__WorkerProfile *s_profile(const char *id)
{
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = (char *)id;
    Hcap__WorkerProfile *profile = NULL;
    S_OK("GetWorkerProfile", get, &profile);
    return profile;
}

/* Clears a list's cursor to the next page: the profile has its rows only. */
static void s_drop_next(ProtobufCMessage *list)
{
    const ProtobufCFieldDescriptor *next =
        protobuf_c_message_descriptor_get_field_by_name(list->descriptor, "next");
    *(char **)((char *)list + next->offset) = NULL;
}

/* The packed rows of method's first page of 500 for worker_id. */
static uint8_t *s_list_packed(const char *method, const char *worker_id, size_t *size)
{
    Hcap__ListByWorkerRequest by_worker = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    Hcap__ListEnrollmentsRequest enrollments = HCAP__LIST_ENROLLMENTS_REQUEST__INIT;
    by_worker.worker_id = enrollments.worker_id = (char *)worker_id;
    by_worker.has_limit = enrollments.has_limit = 1;
    by_worker.limit = enrollments.limit = 500;
    bool by_enrollee = strcmp(method, "ListEnrollments") == 0;
    ProtobufCMessage *out = NULL;
    ht_local_ok(&s_local, method, by_enrollee ? &enrollments.base : &by_worker.base, &out);
    s_drop_next(out);
    return hc_msg_pack(out, s_local.arena, size);
}

/* items as a list message of desc, packed. */
static uint8_t *s_items_packed(const ProtobufCMessageDescriptor *desc, void *items, size_t n,
                               size_t *size)
{
    ProtobufCMessage *list = hc_arena_message(s_local.arena, desc);
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(desc, "items");
    *(size_t *)((char *)list + field->quantifier_offset) = n;
    *(void **)((char *)list + field->offset) = items;
    return hc_msg_pack(list, s_local.arena, size);
}

static void s_assert_same_list(const char *method, const char *worker_id,
                               const ProtobufCMessageDescriptor *desc, void *items, size_t n)
{
    size_t want_size = 0, got_size = 0;
    uint8_t *want = s_list_packed(method, worker_id, &want_size);
    uint8_t *got = s_items_packed(desc, items, n, &got_size);
    cr_assert(want_size == got_size && memcmp(want, got, want_size) == 0,
              "%s: the profile's %zu rows differ from the list's", method, n);
}

Test(enrollment_profile, holds_the_rows_the_lists_give_for_this_worker_only)
{
    char *worker = s_worker("Pia"), *other = s_worker("Oli");
    char *cohort = s_cohort();
    s_enroll(worker, cohort);
    s_enroll(other, cohort);
    s_claim(worker, 120000);
    s_claim(worker, 5000);
    s_claim(other, 100);
    s_employment(worker, "2026-05-01");

    Hcap__WorkerProfile *profile = s_profile(worker);
    cr_assert_str_eq(profile->worker->id, worker);
    cr_assert_str_eq(profile->worker->given_name, "Pia");
    cr_assert_eq(profile->n_employment, 1);
    cr_assert_str_eq(profile->employment[0]->job_title, "Lead Medical Assistant");
    cr_assert_eq(profile->n_enrollments, 1);
    cr_assert_str_eq(profile->enrollments[0]->worker_id, worker);
    cr_assert_eq(profile->n_tuition_claims, 2);
    for (size_t i = 0; i < profile->n_tuition_claims; i++)
        cr_assert_str_eq(profile->tuition_claims[i]->worker_id, worker);
    s_assert_same_list("ListEmployment", worker, &hcap__employment_list__descriptor,
                       profile->employment, profile->n_employment);
    s_assert_same_list("ListEnrollments", worker, &hcap__enrollment_list__descriptor,
                       profile->enrollments, profile->n_enrollments);
    s_assert_same_list("ListTuitionClaims", worker, &hcap__tuition_claim_list__descriptor,
                       profile->tuition_claims, profile->n_tuition_claims);
}

Test(enrollment_profile, a_new_worker_has_the_record_and_empty_lists)
{
    char *worker = s_worker("Nia");
    Hcap__WorkerProfile *profile = s_profile(worker);
    cr_assert_str_eq(profile->worker->id, worker);
    cr_assert_eq(profile->n_employment, 0);
    cr_assert_eq(profile->n_enrollments, 0);
    cr_assert_eq(profile->n_tuition_claims, 0);
}

Test(enrollment_profile, a_missing_or_erased_worker_is_not_found_naming_id)
{
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "wkr_00000000000000000000000000";
    ht_local_fails(&s_local, "GetWorkerProfile", &get.base, HC_NOT_FOUND, "id");
    get.id = s_worker("Gone");
    s_claim(get.id, 700);
    S_OK("EraseWorker", get, NULL);
    ht_local_fails(&s_local, "GetWorkerProfile", &get.base, HC_NOT_FOUND, "id");
    get.id = "";
    ht_local_fails(&s_local, "GetWorkerProfile", &get.base, HC_NOT_FOUND, "id");
}

/* Services answer every principal alike, as GetWorker and the lists did
   when they were the profile's parts; the gateway's route allows the
   fund's roles only. */
Test(enrollment_profile, every_role_gets_the_same_answer)
{
    char *worker = s_worker("Role");
    s_claim(worker, 4200);
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = worker;
    const Hcap__Role roles[] = {HCAP__ROLE__ROLE_ADMIN, HCAP__ROLE__ROLE_STAFF,
                                HCAP__ROLE__ROLE_MENTOR, HCAP__ROLE__ROLE_ANALYST};
    uint8_t *first = NULL;
    size_t first_size = 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        Hcap__Principal who = HCAP__PRINCIPAL__INIT;
        who.name = "someone";
        who.role = roles[i];
        ProtobufCMessage *out = NULL;
        hc_error err;
        cr_assert_eq(hc_service_invoke(s_local.svc, "GetWorkerProfile", &get.base, &who,
                                       s_local.arena, &out, &err),
                     HC_OK, "role %d: %s", roles[i], err.message);
        size_t size = 0;
        uint8_t *packed = hc_msg_pack(out, s_local.arena, &size);
        if (!first) {
            first = packed, first_size = size;
            continue;
        }
        cr_assert(size == first_size && memcmp(packed, first, size) == 0, "role %d", roles[i]);
    }
}

Test(enrollment_profile, a_long_list_gives_its_first_500_rows, .timeout = 240)
{
    char *worker = s_worker("Many");
    for (int i = 0; i < 501; i++)
        s_claim(worker, 100 + i);
    Hcap__ListByWorkerRequest page = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    page.worker_id = worker;
    page.has_limit = 1;
    page.limit = 500;
    Hcap__TuitionClaimList *list = NULL;
    S_OK("ListTuitionClaims", page, &list);
    cr_assert_not_null(list->next, "the list has a second page");
    Hcap__WorkerProfile *profile = s_profile(worker);
    cr_assert_eq(profile->n_tuition_claims, 500);
    s_assert_same_list("ListTuitionClaims", worker, &hcap__tuition_claim_list__descriptor,
                       profile->tuition_claims, profile->n_tuition_claims);
}
