/* Tests of apprenticeship's read replica: programs of each approach,
   registrations with prior-learning credit (followed from credentialing's
   log at the primary only), hours logged and imported, sign-offs,
   completions and status changes written at a primary, carried by its log
   into a replica through appr_service.replica_apply. Every read (progress,
   wage step, hours, the RAPIDS export) answers byte for byte as at the
   primary, writes are refused, a reset and a replay give the same. */
#include <criterion/criterion.h>
#include "replica_pair.h"
#include "apprenticeship_server.h"
#include "credentialing.pb-c.h"

#define S_TIME_BASED  HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_TIME_BASED
#define S_COMPETENCY  HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_COMPETENCY_BASED
#define S_HYBRID      HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_HYBRID
#define S_OJL         HCAP__HOURS_KIND__HOURS_KIND_OJL
#define S_RTI         HCAP__HOURS_KIND__HOURS_KIND_RTI
#define S_A_ACTIVE    HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_ACTIVE
#define S_A_SUSPENDED HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_SUSPENDED
#define S_A_COMPLETED HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED
#define S_A_CANCELLED HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_CANCELLED

static rp_pair s_pair;

static void s_setup(void)
{
    rp_open(&s_pair, &appr_service);
}

static void s_teardown(void)
{
    rp_close(&s_pair);
}

TestSuite(replica_apprenticeship, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* --- writes at the primary --- */

static void *s_write(const char *method, const ProtobufCMessage *in)
{
    void *out = NULL;
    ht_local_ok(&s_pair.primary, method, in, &out);
    return out;
}

static void s_program(const char *code, Hcap__ApprenticeshipApproach approach, double ojl,
                      double rti, char **competencies, size_t n)
{
    Hcap__WageStep first = HCAP__WAGE_STEP__INIT, second = HCAP__WAGE_STEP__INIT;
    Hcap__WageStep *steps[] = {&first, &second};
    first.hourly_wage_cents = 1800;
    second.after_ojl_hours = 20;
    second.hourly_wage_cents = 2050;
    Hcap__CreateApprenticeshipProgramRequest req =
        HCAP__CREATE_APPRENTICESHIP_PROGRAM_REQUEST__INIT;
    req.code = (char *)code;
    req.name = hc_arena_printf(s_pair.primary.arena, "%s apprenticeship", code);
    req.occupation = "Nursing Assistant";
    req.onet_soc = "31-1131.00";
    req.approach = approach;
    req.has_ojl_hours = ojl > 0;
    req.ojl_hours = ojl;
    req.has_rti_hours = rti > 0;
    req.rti_hours = rti;
    req.competencies = competencies;
    req.n_competencies = n;
    req.wage_steps = steps;
    req.n_wage_steps = 2;
    req.completion_credential_code = "CNA";
    s_write("CreateApprenticeshipProgram", &req.base);
}

static char *s_register(const char *worker_id, const char *program_code, const char *mentor)
{
    Hcap__RegisterApprenticeRequest req = HCAP__REGISTER_APPRENTICE_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    req.program_code = (char *)program_code;
    req.employer_id = "emp_harborview";
    req.mentor = (char *)mentor;
    req.start_date = "2025-01-06";
    return ((Hcap__Apprentice *)s_write("RegisterApprentice", &req.base))->id;
}

static void s_hours(const char *id, Hcap__HoursKind kind, const char *date, double hours)
{
    Hcap__LogHoursRequest req = HCAP__LOG_HOURS_REQUEST__INIT;
    req.id = (char *)id;
    req.kind = kind;
    req.date = (char *)date;
    req.hours = hours;
    req.approved_by = "Dana Whitfield";
    s_write("LogHours", &req.base);
}

static void s_sign_off(const char *id, const char *competency)
{
    Hcap__SignOffRequest req = HCAP__SIGN_OFF_REQUEST__INIT;
    req.id = (char *)id;
    req.competency = (char *)competency;
    req.signed_by = "Lee Park";
    req.date = "2025-02-03";
    s_write("SignOff", &req.base);
}

static void s_status(const char *id, Hcap__ApprenticeStatus status, const char *reason)
{
    Hcap__ChangeApprenticeStatusRequest req = HCAP__CHANGE_APPRENTICE_STATUS_REQUEST__INIT;
    req.id = (char *)id;
    req.status = status;
    req.reason = (char *)reason;
    req.date = "2025-03-01";
    s_write("ChangeApprenticeStatus", &req.base);
}

/* credentialing's prior_learning_assessed, applied by the primary's
   follower (the replica gets the credit from the primary's own log). */
static void s_prior(const char *id, const char *worker_id, double ojl, double rti)
{
    Hcap__PriorLearning p = HCAP__PRIOR_LEARNING__INIT;
    p.id = (char *)id;
    p.worker_id = (char *)worker_id;
    p.has_ojl_credit_hours = ojl > 0;
    p.ojl_credit_hours = ojl;
    p.has_rti_credit_hours = rti > 0;
    p.rti_credit_hours = rti;
    p.assessed_on = "2025-01-20";
    p.created_at = "2025-01-20T10:00:00.000Z";
    size_t size = 0;
    Hcap__Event event = HCAP__EVENT__INIT;
    event.source = "local/credentialing";
    event.epoch = "test-epoch";
    event.seq = 1;
    event.occurred_at = p.created_at;
    event.type = "credentialing.prior_learning_assessed.v1";
    event.body.data = hc_msg_pack(&p.base, s_pair.primary.arena, &size);
    event.body.len = size;
    hc_store *store = hc_service_store(s_pair.primary.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK, "%s", err.message);
    cr_assert_eq(appr_credits_apply(hc_service_state(s_pair.primary.svc), store, &event, &err),
                 HC_OK, "%s", err.message);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK, "%s", err.message);
}

static void s_import(const char *a1, const char *a3)
{
    Hcap__ImportHoursRequest req = HCAP__IMPORT_HOURS_REQUEST__INIT;
    req.csv = hc_arena_printf(s_pair.primary.arena,
                              "apprentice_id,kind,date,hours,competency,approved_by\r\n"
                              "%s,ojl,2025-01-13,8,,Dana Whitfield\r\n"
                              "%s,ojl,2025-01-14,8,,Dana Whitfield\r\n"
                              "%s,ojl,2025-01-15,8,,Dana Whitfield\r\n"
                              "%s,ojl,2025-01-16,6.25,GAIT,Sam Oyelaran\r\n",
                              a1, a1, a1, a3);
    Hcap__ImportHoursReport *report = s_write("ImportHours", &req.base);
    cr_assert_eq(report->logged, 4, "%s", report->n_rejected ? report->rejected[0]->message : "");
}

/* Four registrations: a1 time-based, completed by credit, hours and an
   import; a2 competency-based, completed by sign-offs; a3 hybrid, still
   active; a4 suspended, resumed and cancelled. */
static void s_history(char *ids[4])
{
    char *cna[] = {"VS"}, *ma[] = {"ROOM", "VITALS"}, *pt[] = {"GAIT"};
    s_program("CNA-RA", S_TIME_BASED, 40, 8, cna, 1);
    s_program("MA-CB", S_COMPETENCY, 0, 0, ma, 2);
    s_program("PT-HY", S_HYBRID, 10, 0, pt, 1);
    s_prior("prl_before", "wkr_1", 10, 0);
    ids[0] = s_register("wkr_1", "CNA-RA", "Dana Whitfield");
    ids[1] = s_register("wkr_2", "MA-CB", "Lee Park");
    ids[2] = s_register("wkr_3", "PT-HY", NULL);
    ids[3] = s_register("wkr_4", "CNA-RA", "Dana Whitfield");
    s_hours(ids[0], S_OJL, "2025-01-07", 8);
    s_hours(ids[0], S_RTI, "2025-01-08", 4);
    s_import(ids[0], ids[2]);
    s_prior("prl_after", "wkr_1", 0, 4.5);
    s_sign_off(ids[1], "ROOM");
    s_sign_off(ids[1], "VITALS");
    s_sign_off(ids[2], "GAIT");
    s_status(ids[3], S_A_SUSPENDED, "leave of absence");
    s_status(ids[3], S_A_ACTIVE, NULL);
    s_status(ids[3], S_A_CANCELLED, "left the employer");
}

/* --- reads at both --- */

static void s_get(const char *method, const char *id)
{
    Hcap__GetRequest req = HCAP__GET_REQUEST__INIT;
    req.id = (char *)id;
    rp_same(&s_pair, method, &req.base);
}

static void s_programs(uint32_t limit, const char *after)
{
    Hcap__ListRequest req = HCAP__LIST_REQUEST__INIT;
    req.has_limit = limit > 0;
    req.limit = limit;
    req.after = (char *)after;
    rp_same(&s_pair, "ListApprenticeshipPrograms", &req.base);
}

static void s_hours_list(const char *id, uint32_t limit)
{
    Hcap__ListHoursRequest req = HCAP__LIST_HOURS_REQUEST__INIT;
    req.id = (char *)id;
    req.has_limit = limit > 0;
    req.limit = limit;
    rp_same(&s_pair, "ListHours", &req.base);
}

/* ListApprentices and ExportApprentices with the same filter. */
static void s_apprentices(const char *worker_id, const char *program_code, const char *mentor,
                          int status, uint32_t limit)
{
    Hcap__ListApprenticesRequest req = HCAP__LIST_APPRENTICES_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    req.program_code = (char *)program_code;
    req.mentor = (char *)mentor;
    req.has_status = status != 0;
    req.status = status;
    req.has_limit = limit > 0;
    req.limit = limit;
    rp_same(&s_pair, "ListApprentices", &req.base);
    rp_same(&s_pair, "ExportApprentices", &req.base);
}

static void s_compare(char *ids[4])
{
    const char *programs[] = {"CNA-RA", "MA-CB", "PT-HY", "NONE"};
    for (int i = 0; i < 4; i++) {
        s_get("GetApprenticeshipProgram", programs[i]);
        s_get("GetApprentice", ids[i]);
        s_hours_list(ids[i], 0);
    }
    s_get("GetApprentice", "appr_missing");
    s_hours_list(ids[0], 2);
    s_programs(0, NULL);
    s_programs(1, "CNA-RA");
    s_apprentices(NULL, NULL, NULL, 0, 0);
    s_apprentices(NULL, NULL, NULL, 0, 2);
    s_apprentices("wkr_1", NULL, NULL, 0, 0);
    s_apprentices(NULL, "CNA-RA", NULL, 0, 0);
    s_apprentices(NULL, NULL, "Dana Whitfield", 0, 0);
    s_apprentices(NULL, NULL, NULL, S_A_COMPLETED, 0);
    s_apprentices(NULL, NULL, NULL, S_A_CANCELLED, 0);
}

/* --- tests --- */

Test(replica_apprenticeship, every_read_answers_as_the_primary_does)
{
    char *ids[4];
    s_history(ids);
    cr_assert_gt(rp_sync(&s_pair), 0);
    s_compare(ids);
    rp_all_reads_probed(&s_pair);

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = ids[0];
    Hcap__Apprentice *a = NULL;
    ht_local_ok(&s_pair.replica, "GetApprentice", &get.base, &a);
    cr_assert_eq(a->status, S_A_COMPLETED);
    cr_assert_float_eq(a->credited_ojl_hours, 10.0, 1e-9);
    cr_assert_float_eq(a->credited_rti_hours, 4.5, 1e-9);
    cr_assert_float_eq(a->ojl_hours, 32.0, 1e-9);
    cr_assert_eq(a->wage_step, 2);
    get.id = ids[2];
    ht_local_ok(&s_pair.replica, "GetApprentice", &get.base, &a);
    cr_assert_eq(a->status, S_A_ACTIVE, "6.25 of 10 hours");
    cr_assert_eq(a->n_competencies_completed, 1);
}

Test(replica_apprenticeship, refuses_every_write_and_writes_nothing)
{
    char *ids[4];
    s_history(ids);
    rp_sync(&s_pair);
    rp_writes_refused(&s_pair);
    rp_bad_events_refused(&s_pair, "apprenticeship.mentor_changed.v1",
                          "apprenticeship.hours_logged.v1");
    Hcap__LogHoursRequest req = HCAP__LOG_HOURS_REQUEST__INIT;
    req.id = ids[2];
    req.kind = S_OJL;
    req.date = "2025-02-10";
    req.hours = 4;
    ht_local_fails(&s_pair.replica, "LogHours", &req.base, HC_FAILED_PRECONDITION, "replica");
    s_get("GetApprentice", ids[2]);
    s_hours_list(ids[2], 0);
    cr_assert_eq(rp_sync(&s_pair), 0, "the primary wrote nothing either");
}

Test(replica_apprenticeship, reset_then_replay_gives_the_same)
{
    char *ids[4];
    s_history(ids);
    uint64_t head = rp_sync(&s_pair);
    rp_reset(&s_pair);
    Hcap__ListApprenticesRequest all = HCAP__LIST_APPRENTICES_REQUEST__INIT;
    Hcap__ApprenticeList *none = NULL;
    ht_local_ok(&s_pair.replica, "ListApprentices", &all.base, &none);
    cr_assert_eq(none->n_items, 0, "a reset deletes what the log put there");
    cr_assert_eq(rp_sync(&s_pair), head, "the replay starts at seq 1");
    s_compare(ids);
}
