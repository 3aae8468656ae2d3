/* Tests of enrollment's read replica: writes at a primary (employers,
   workers created, updated and imported, employment records, programs,
   cohorts with a waitlist, status changes, tuition claims, erasure) carried
   by its log into a replica through enr_service.replica_apply; every read
   answers byte for byte as at the primary, writes are refused, a reset and
   a replay give the same, an erased worker leaves nothing in the file. */
#include <criterion/criterion.h>
#include "replica_pair.h"
#include "enrollment_server.h"

#define S_ENROLLED  HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED
#define S_WAITING   HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WAITLISTED
#define S_ACTIVE    HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE
#define S_WITHDRAWN HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN
#define S_APPROVED  HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED
#define S_DENIED    HCAP__CLAIM_STATUS__CLAIM_STATUS_DENIED
#define S_PAID      HCAP__CLAIM_STATUS__CLAIM_STATUS_PAID

static rp_pair s_pair;

static void s_setup(void)
{
    rp_open(&s_pair, &enr_service);
}

static void s_teardown(void)
{
    rp_close(&s_pair);
}

TestSuite(replica_enrollment, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* --- writes at the primary --- */

static void *s_write(const char *method, const ProtobufCMessage *in)
{
    void *out = NULL;
    ht_local_ok(&s_pair.primary, method, in, &out);
    return out;
}

static char *s_employer(const char *name)
{
    Hcap__CreateEmployerRequest req = HCAP__CREATE_EMPLOYER_REQUEST__INIT;
    req.name = (char *)name;
    req.sector = HCAP__SECTOR__SECTOR_ACUTE;
    req.state = "wa";
    return ((Hcap__Employer *)s_write("CreateEmployer", &req.base))->id;
}

static char *s_worker(const char *given, const char *family, const char *external,
                      const char *birth_date, const char *employer_id)
{
    Hcap__CreateWorkerRequest req = HCAP__CREATE_WORKER_REQUEST__INIT;
    Hcap__RaceEthnicity race[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_WHITE,
                                  HCAP__RACE_ETHNICITY__RACE_ETHNICITY_ASIAN};
    req.given_name = (char *)given;
    req.family_name = (char *)family;
    req.external_id = (char *)external;
    req.birth_date = (char *)birth_date;
    req.email = hc_arena_printf(s_pair.primary.arena, "%s@example.org", external);
    req.race_ethnicity = race;
    req.n_race_ethnicity = 2;
    req.employer_id = (char *)employer_id;
    req.job_title = "CNA";
    req.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
    return ((Hcap__Worker *)s_write("CreateWorker", &req.base))->id;
}

static char *s_cohort(const char *program_id, const char *name, uint32_t capacity)
{
    Hcap__CreateCohortRequest req = HCAP__CREATE_COHORT_REQUEST__INIT;
    req.program_id = (char *)program_id;
    req.name = (char *)name;
    req.start_date = "2026-02-01";
    req.capacity = capacity;
    return ((Hcap__Cohort *)s_write("CreateCohort", &req.base))->id;
}

static char *s_enroll(const char *worker_id, const char *cohort_id)
{
    Hcap__CreateEnrollmentRequest req = HCAP__CREATE_ENROLLMENT_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    req.cohort_id = (char *)cohort_id;
    return ((Hcap__Enrollment *)s_write("CreateEnrollment", &req.base))->id;
}

static void s_status(const char *enrollment_id, Hcap__EnrollmentStatus status)
{
    Hcap__ChangeEnrollmentStatusRequest req = HCAP__CHANGE_ENROLLMENT_STATUS_REQUEST__INIT;
    req.id = (char *)enrollment_id;
    req.status = status;
    req.reason = status == S_WITHDRAWN ? "moved away" : NULL;
    req.has_hours_attended = 1;
    req.hours_attended = 12.5;
    s_write("ChangeEnrollmentStatus", &req.base);
}

static char *s_claim(const char *worker_id, int64_t cents)
{
    Hcap__SubmitTuitionClaimRequest req = HCAP__SUBMIT_TUITION_CLAIM_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    req.institution = "Seattle Central College";
    req.course = "NURS 101";
    req.amount_cents = cents;
    return ((Hcap__TuitionClaim *)s_write("SubmitTuitionClaim", &req.base))->id;
}

static void s_decide(const char *claim_id, Hcap__ClaimStatus status)
{
    Hcap__DecideTuitionClaimRequest req = HCAP__DECIDE_TUITION_CLAIM_REQUEST__INIT;
    req.id = (char *)claim_id;
    req.status = status;
    req.date = "2026-03-02";
    s_write("DecideTuitionClaim", &req.base);
}

static void s_employment(const char *worker_id, Hcap__EmploymentKind kind, const char *title)
{
    Hcap__RecordEmploymentRequest req = HCAP__RECORD_EMPLOYMENT_REQUEST__INIT;
    req.id = (char *)worker_id;
    req.kind = kind;
    req.job_title = (char *)title;
    req.has_hourly_wage_cents = title != NULL;
    req.hourly_wage_cents = 3150;
    req.effective_date = "2026-01-15";
    s_write("RecordEmployment", &req.base);
}

typedef struct {
    char *employers[2];
    char *workers[3]; /* [0] is erased in the erasure test */
    char *imported;
    char *program;
    char *cohorts[2];
    char *enrollments[4];
    char *claims[3];
} s_ids;

/* The roster import: one new worker, one changed (an update event). */
static char *s_import(void)
{
    Hcap__ImportWorkersRequest req = HCAP__IMPORT_WORKERS_REQUEST__INIT;
    req.csv = "external_id,given_name,family_name,employment_status,job_title\r\n"
              "EXT-ROSA,Rosa,Mejia,incumbent,Unit Secretary\r\n"
              "EXT-NEW,Tomas,Okafor,new_entrant,\r\n";
    Hcap__ImportReport *report = s_write("ImportWorkers", &req.base);
    cr_assert_eq(report->created, 1);
    cr_assert_eq(report->updated, 1);
    Hcap__ListWorkersRequest find = HCAP__LIST_WORKERS_REQUEST__INIT;
    find.q = "EXT-NEW";
    Hcap__WorkerList *found = s_write("ListWorkers", &find.base);
    cr_assert_eq(found->n_items, 1);
    return found->items[0]->id;
}

static void s_people(s_ids *ids)
{
    ids->employers[0] = s_employer("Harborview Medical Center");
    ids->employers[1] = s_employer("Evergreen Home Care");
    ids->workers[0] =
        s_worker("Zebulonia", "Quintrell", "EXT-ZQ77", "1987-04-12", ids->employers[0]);
    ids->workers[1] = s_worker("Rosa", "Mejia", "EXT-ROSA", "1990-01-01", ids->employers[1]);
    ids->workers[2] = s_worker("Amadou", "Diallo", "EXT-AD", NULL, ids->employers[0]);
    Hcap__UpdateWorkerRequest update = HCAP__UPDATE_WORKER_REQUEST__INIT;
    update.id = ids->workers[2];
    update.phone = "+1 206 555 0100";
    s_write("UpdateWorker", &update.base);
    ids->imported = s_import();
    s_employment(ids->workers[0], HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PROMOTION,
                 "Charge Nurse Quintrell");
    s_employment(ids->workers[2], HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_SEPARATION, NULL);
}

/* A cohort of one seat: the second and third wait; a withdrawal promotes. */
static void s_training(s_ids *ids)
{
    Hcap__CreateProgramRequest program = HCAP__CREATE_PROGRAM_REQUEST__INIT;
    program.code = "CNA-1";
    program.name = "Certified Nursing Assistant";
    program.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING;
    program.has_hours = 1;
    program.hours = 120;
    ids->program = ((Hcap__Program *)s_write("CreateProgram", &program.base))->id;
    ids->cohorts[0] = s_cohort(ids->program, "Spring", 1);
    ids->cohorts[1] = s_cohort(ids->program, "Summer", 5);
    ids->enrollments[0] = s_enroll(ids->workers[0], ids->cohorts[0]);
    ids->enrollments[1] = s_enroll(ids->workers[1], ids->cohorts[0]);
    ids->enrollments[2] = s_enroll(ids->imported, ids->cohorts[0]);
    ids->enrollments[3] = s_enroll(ids->workers[2], ids->cohorts[1]);
    s_status(ids->enrollments[0], S_ACTIVE);
    s_status(ids->enrollments[0], S_WITHDRAWN);
    s_status(ids->enrollments[3], S_ACTIVE);
    ids->claims[0] = s_claim(ids->workers[0], 120000);
    ids->claims[1] = s_claim(ids->workers[1], 80000);
    ids->claims[2] = s_claim(ids->workers[0], 5000);
    s_decide(ids->claims[0], S_APPROVED);
    s_decide(ids->claims[0], S_PAID);
    s_decide(ids->claims[1], S_DENIED);
}

/* --- reads at both --- */

static void s_get(const char *method, const char *id)
{
    Hcap__GetRequest req = HCAP__GET_REQUEST__INIT;
    req.id = (char *)id;
    rp_same(&s_pair, method, &req.base);
}

/* A page of limit rows after after (0: the default page). */
static void s_list(const char *method, uint32_t limit, const char *after)
{
    Hcap__ListRequest req = HCAP__LIST_REQUEST__INIT;
    req.has_limit = limit > 0;
    req.limit = limit;
    req.after = (char *)after;
    rp_same(&s_pair, method, &req.base);
}

static void s_by_worker(const char *method, const char *worker_id, uint32_t limit)
{
    Hcap__ListByWorkerRequest req = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    req.has_limit = limit > 0;
    req.limit = limit;
    rp_same(&s_pair, method, &req.base);
}

static void s_workers(const char *q, const char *employer_id, uint32_t limit, const char *after)
{
    Hcap__ListWorkersRequest req = HCAP__LIST_WORKERS_REQUEST__INIT;
    req.q = (char *)q;
    req.employer_id = (char *)employer_id;
    req.has_limit = limit > 0;
    req.limit = limit;
    req.after = (char *)after;
    rp_same(&s_pair, "ListWorkers", &req.base);
}

static void s_enrollments(const char *worker_id, const char *cohort_id, int status)
{
    Hcap__ListEnrollmentsRequest req = HCAP__LIST_ENROLLMENTS_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    req.cohort_id = (char *)cohort_id;
    req.has_status = status != 0;
    req.status = status;
    rp_same(&s_pair, "ListEnrollments", &req.base);
}

static void s_cohorts(const char *program_id, uint32_t limit)
{
    Hcap__ListCohortsRequest req = HCAP__LIST_COHORTS_REQUEST__INIT;
    req.program_id = (char *)program_id;
    req.has_limit = limit > 0;
    req.limit = limit;
    rp_same(&s_pair, "ListCohorts", &req.base);
}

static void s_compare_people(const s_ids *ids)
{
    for (int i = 0; i < 2; i++)
        s_get("GetEmployer", ids->employers[i]);
    s_get("GetEmployer", "emp_missing");
    s_list("ListEmployers", 0, NULL);
    s_list("ListEmployers", 1, ids->employers[0]);
    for (int i = 0; i < 3; i++) {
        s_get("GetWorker", ids->workers[i]);
        s_by_worker("ListEmployment", ids->workers[i], 0);
        s_by_worker("ListTuitionClaims", ids->workers[i], 0);
        s_enrollments(ids->workers[i], NULL, 0);
        s_get("GetWorkerProfile", ids->workers[i]);
    }
    s_get("GetWorker", ids->imported);
    s_get("GetWorkerProfile", "wkr_missing");
    s_workers(NULL, NULL, 0, NULL);
    s_workers(NULL, NULL, 2, ids->workers[0]);
    s_workers("zeb", NULL, 0, NULL);
    s_workers("MEJ", NULL, 0, NULL);
    s_workers("EXT-ZQ77", NULL, 0, NULL);
    s_workers(NULL, ids->employers[0], 0, NULL);
    s_by_worker("ListTuitionClaims", ids->workers[0], 1);
}

static void s_compare_training(const s_ids *ids)
{
    s_get("GetProgram", ids->program);
    s_list("ListPrograms", 0, NULL);
    for (int i = 0; i < 2; i++) {
        s_get("GetCohort", ids->cohorts[i]);
        s_enrollments(NULL, ids->cohorts[i], 0);
    }
    s_cohorts(NULL, 0);
    s_cohorts(ids->program, 1);
    for (int i = 0; i < 4; i++)
        s_get("GetEnrollment", ids->enrollments[i]);
    s_enrollments(NULL, NULL, 0);
    s_enrollments(NULL, ids->cohorts[0], S_WAITING);
    s_enrollments(NULL, NULL, S_ENROLLED);
}

static void s_compare(const s_ids *ids)
{
    s_compare_people(ids);
    s_compare_training(ids);
}

/* --- tests --- */

Test(replica_enrollment, every_read_answers_as_the_primary_does)
{
    s_ids ids;
    s_people(&ids);
    cr_assert_gt(rp_sync(&s_pair), 0);
    s_compare_people(&ids);
    s_training(&ids);
    cr_assert_gt(rp_sync(&s_pair), 0);
    s_compare(&ids);
    rp_all_reads_probed(&s_pair);

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = ids.cohorts[0];
    Hcap__Cohort *cohort = NULL;
    ht_local_ok(&s_pair.replica, "GetCohort", &get.base, &cohort);
    cr_assert_eq(cohort->enrolled_count, 1, "the withdrawal promoted the first waiting");
    cr_assert_eq(cohort->waitlist_count, 1);
    get.id = ids.enrollments[1];
    Hcap__Enrollment *promoted = NULL;
    ht_local_ok(&s_pair.replica, "GetEnrollment", &get.base, &promoted);
    cr_assert_eq(promoted->status, S_ENROLLED);
}

Test(replica_enrollment, refuses_every_write_and_writes_nothing)
{
    s_ids ids;
    s_people(&ids);
    rp_sync(&s_pair);
    rp_writes_refused(&s_pair);
    rp_bad_events_refused(&s_pair, "enrollment.worker_renamed.v2",
                          "enrollment.worker_registered.v1");
    Hcap__CreateEmployerRequest req = HCAP__CREATE_EMPLOYER_REQUEST__INIT;
    req.name = "Written at the replica";
    req.sector = HCAP__SECTOR__SECTOR_HOME_CARE;
    ht_local_fails(&s_pair.replica, "CreateEmployer", &req.base, HC_FAILED_PRECONDITION, "replica");
    cr_assert(strstr(s_pair.replica.err.message, "primary"), "%s", s_pair.replica.err.message);
    s_list("ListEmployers", 0, NULL);
    cr_assert_eq(rp_sync(&s_pair), 0, "the primary wrote nothing either");
}

Test(replica_enrollment, reset_then_replay_gives_the_same)
{
    s_ids ids;
    s_people(&ids);
    s_training(&ids);
    uint64_t head = rp_sync(&s_pair);
    rp_reset(&s_pair);
    Hcap__ListWorkersRequest all = HCAP__LIST_WORKERS_REQUEST__INIT;
    Hcap__WorkerList *none = NULL;
    ht_local_ok(&s_pair.replica, "ListWorkers", &all.base, &none);
    cr_assert_eq(none->n_items, 0, "a reset deletes what the log put there");
    cr_assert_eq(rp_sync(&s_pair), head, "the replay starts at seq 1");
    s_compare(&ids);
}

Test(replica_enrollment, an_erased_worker_leaves_no_personal_data_at_the_replica)
{
    s_ids ids;
    s_people(&ids);
    s_training(&ids);
    rp_sync(&s_pair);
    cr_assert(rp_replica_holds(&s_pair, "Zebulonia"), "the scan sees what is there");
    Hcap__GetRequest erase = HCAP__GET_REQUEST__INIT;
    erase.id = ids.workers[0];
    s_write("EraseWorker", &erase.base);
    cr_assert_eq(rp_sync(&s_pair), 1, "one tombstone event");
    s_compare(&ids);
    const char *personal[] = {"Zebulonia", "zebulonia",  "Quintrell",   "quintrell",
                              "EXT-ZQ77",  "1987-04-12", "Charge Nurse"};
    for (size_t i = 0; i < sizeof personal / sizeof *personal; i++)
        cr_assert_not(rp_replica_holds(&s_pair, personal[i]), "%s is still in the replica's store",
                      personal[i]);
    cr_assert(rp_replica_holds(&s_pair, "Amadou"), "other workers stay");

    /* A replica started after the erasure replays the scrubbed log. */
    rp_reset(&s_pair);
    rp_sync(&s_pair);
    s_compare(&ids);
    cr_assert_not(rp_replica_holds(&s_pair, "Zebulonia"));
}
