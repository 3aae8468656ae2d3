/* Tests of the apprenticeship service: every handler through an
   in-process service on a temporary store and its errors (code and field),
   the completion rule of each approach, wage steps, status changes, prior
   credit (directly and through the follower of credentialing's log), the
   hours import and the RAPIDS export. */
#include <criterion/criterion.h>
#include <string.h>
#include "ht_data.h"
#include "ht_local.h"
#include "hc_msg.h"
#include "credentialing.pb-c.h"
#include "apprenticeship_server.h"

#define S_TIME       HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_TIME_BASED
#define S_COMPETENCY HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_COMPETENCY_BASED
#define S_HYBRID     HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_HYBRID
#define S_OJL        HCAP__HOURS_KIND__HOURS_KIND_OJL
#define S_RTI        HCAP__HOURS_KIND__HOURS_KIND_RTI

static ht_local s_local;

static void s_setup(void)
{
    ht_local_open(&s_local, &appr_service);
}

static void s_teardown(void)
{
    ht_local_close(&s_local);
}

TestSuite(apprenticeship, .init = s_setup, .fini = s_teardown, .timeout = 120);

#define S_OK(method, in, out)            ht_local_ok(&s_local, method, &(in).base, out)
#define S_FAILS(method, in, code, field) ht_local_fails(&s_local, method, &(in).base, code, field)

/* --- the event log --- */

typedef struct {
    size_t count;
    const char *type;
} s_tally;

static void s_count(void *arg, uint64_t seq, const char *type, const char *subject,
                    const uint8_t *body, size_t size)
{
    (void)seq;
    (void)subject;
    (void)body;
    (void)size;
    s_tally *t = arg;
    if (strcmp(type, t->type) == 0)
        t->count++;
}

static size_t s_events(const char *type)
{
    s_tally t = {0, type};
    hc_error err;
    cr_assert_eq(appr_store_events_each(hc_service_store(s_local.svc), s_count, &t, &err), HC_OK);
    return t.count;
}

/* --- fixtures --- */

static char *s_competencies[] = {"CHW-OUTREACH", "CHW-ADVOCACY", "CHW-EDUCATION"};
static Hcap__WageStep s_step0 = {PROTOBUF_C_MESSAGE_INIT(&hcap__wage_step__descriptor), 0, 2000};
static Hcap__WageStep s_step1 = {PROTOBUF_C_MESSAGE_INIT(&hcap__wage_step__descriptor), 8, 2100};
static Hcap__WageStep s_step2 = {PROTOBUF_C_MESSAGE_INIT(&hcap__wage_step__descriptor), 12.5, 2250};
static Hcap__WageStep *s_steps[] = {&s_step0, &s_step1, &s_step2};

/* A program request: 16 OJL and 8 RTI hours, three competencies, three
   wage steps (0, 8 and 12.5 hours). */
static Hcap__CreateApprenticeshipProgramRequest s_program_req(const char *code, int approach)
{
    Hcap__CreateApprenticeshipProgramRequest req =
        HCAP__CREATE_APPRENTICESHIP_PROGRAM_REQUEST__INIT;
    req.code = (char *)code;
    req.name = "Community Health Worker";
    req.occupation = "Community Health Worker";
    req.onet_soc = "21-1094.00";
    req.rapids_code = "1065HY";
    req.approach = approach;
    req.has_ojl_hours = req.has_rti_hours = 1;
    req.ojl_hours = 16;
    req.rti_hours = 8;
    req.competencies = s_competencies;
    req.n_competencies = 3;
    req.wage_steps = s_steps;
    req.n_wage_steps = 3;
    req.completion_credential_code = "CHW-CERT";
    return req;
}

static void s_program(const char *code, int approach)
{
    Hcap__CreateApprenticeshipProgramRequest req = s_program_req(code, approach);
    S_OK("CreateApprenticeshipProgram", req, NULL);
}

static Hcap__RegisterApprenticeRequest s_register_req(const char *worker, const char *program)
{
    Hcap__RegisterApprenticeRequest req = HCAP__REGISTER_APPRENTICE_REQUEST__INIT;
    req.worker_id = (char *)worker;
    req.program_code = (char *)program;
    req.employer_id = "emp_1";
    req.mentor = "Rosa Diaz";
    req.start_date = (char *)ht_days_ago(60);
    return req;
}

static Hcap__Apprentice *s_register(const char *worker, const char *program)
{
    Hcap__RegisterApprenticeRequest req = s_register_req(worker, program);
    Hcap__Apprentice *a = NULL;
    S_OK("RegisterApprentice", req, &a);
    return a;
}

static Hcap__LogHoursRequest s_hours_req(const char *id, int kind, int days_ago, double hours)
{
    Hcap__LogHoursRequest req = HCAP__LOG_HOURS_REQUEST__INIT;
    req.id = (char *)id;
    req.kind = kind;
    req.date = (char *)ht_days_ago(days_ago);
    req.hours = hours;
    req.approved_by = "Rosa Diaz";
    return req;
}

static Hcap__Apprentice *s_hours(const char *id, int kind, int days_ago, double hours)
{
    Hcap__LogHoursRequest req = s_hours_req(id, kind, days_ago, hours);
    Hcap__Apprentice *a = NULL;
    S_OK("LogHours", req, &a);
    return a;
}

static Hcap__Apprentice *s_sign(const char *id, const char *competency, int days_ago)
{
    Hcap__SignOffRequest req = HCAP__SIGN_OFF_REQUEST__INIT;
    Hcap__Apprentice *a = NULL;
    req.id = (char *)id;
    req.competency = (char *)competency;
    req.signed_by = "Rosa Diaz";
    req.date = (char *)ht_days_ago(days_ago);
    S_OK("SignOff", req, &a);
    return a;
}

static Hcap__Apprentice *s_status(const char *id, int status, const char *reason)
{
    Hcap__ChangeApprenticeStatusRequest req = HCAP__CHANGE_APPRENTICE_STATUS_REQUEST__INIT;
    Hcap__Apprentice *a = NULL;
    req.id = (char *)id;
    req.status = status;
    req.reason = (char *)reason;
    S_OK("ChangeApprenticeStatus", req, &a);
    return a;
}

static Hcap__Apprentice *s_get(const char *id)
{
    Hcap__GetRequest req = HCAP__GET_REQUEST__INIT;
    Hcap__Apprentice *a = NULL;
    req.id = (char *)id;
    S_OK("GetApprentice", req, &a);
    return a;
}

/* --- programs --- */

Test(apprenticeship, program_is_stored_and_read_back)
{
    Hcap__CreateApprenticeshipProgramRequest req = s_program_req("CHW-APP", S_HYBRID);
    Hcap__ApprenticeshipProgram *p = NULL;
    S_OK("CreateApprenticeshipProgram", req, &p);
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "CHW-APP";
    S_OK("GetApprenticeshipProgram", get, &p);
    cr_assert_str_eq(p->onet_soc, "21-1094.00");
    cr_assert_eq(p->n_competencies, 3);
    cr_assert_eq(p->n_wage_steps, 3);
    cr_assert_float_eq(p->wage_steps[2]->after_ojl_hours, 12.5, 1e-9);
    cr_assert_str_eq(p->completion_credential_code, "CHW-CERT");
    cr_assert_eq(s_events(APPR_EV_PROGRAM), 1);
    S_FAILS("CreateApprenticeshipProgram", req, HC_ALREADY_EXISTS, "code");
    get.id = "NOPE";
    S_FAILS("GetApprenticeshipProgram", get, HC_NOT_FOUND, "id");
}

Test(apprenticeship, program_refuses_what_its_approach_cannot_complete)
{
    Hcap__CreateApprenticeshipProgramRequest req = s_program_req("P1", S_TIME);
    req.has_ojl_hours = 0;
    S_FAILS("CreateApprenticeshipProgram", req, HC_INVALID_ARGUMENT, "ojl_hours");
    req = s_program_req("P1", S_COMPETENCY);
    req.n_competencies = 0;
    S_FAILS("CreateApprenticeshipProgram", req, HC_INVALID_ARGUMENT, "competencies");
    req = s_program_req("P1", 9);
    S_FAILS("CreateApprenticeshipProgram", req, HC_INVALID_ARGUMENT, "approach");
    req = s_program_req("P1", S_TIME);
    req.onet_soc = "21.1094";
    S_FAILS("CreateApprenticeshipProgram", req, HC_INVALID_ARGUMENT, "onet_soc");
    req = s_program_req("P1", S_TIME);
    req.ojl_hours = 2000.001;
    S_FAILS("CreateApprenticeshipProgram", req, HC_INVALID_ARGUMENT, "ojl_hours");
    Hcap__WageStep *backwards[] = {&s_step1, &s_step0};
    req = s_program_req("P1", S_TIME);
    req.wage_steps = backwards;
    req.n_wage_steps = 2;
    S_FAILS("CreateApprenticeshipProgram", req, HC_INVALID_ARGUMENT, "wage_steps");
    char *twice[] = {"A", "A"};
    req = s_program_req("P1", S_COMPETENCY);
    req.competencies = twice;
    req.n_competencies = 2;
    S_FAILS("CreateApprenticeshipProgram", req, HC_INVALID_ARGUMENT, "competencies");
    cr_assert_eq(s_events(APPR_EV_PROGRAM), 0, "a refused program writes nothing");
}

/* --- registration --- */

Test(apprenticeship, one_open_registration_per_worker_and_program)
{
    s_program("CHW-APP", S_TIME);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    cr_assert_eq(a->status, APPR_ACTIVE);
    cr_assert_float_eq(a->ojl_hours, 0, 1e-9);
    cr_assert_eq(a->wage_step, 1, "the first step starts at 0 hours");
    cr_assert_eq(a->hourly_wage_cents, 2000);
    Hcap__RegisterApprenticeRequest req = s_register_req("wkr_1", "CHW-APP");
    S_FAILS("RegisterApprentice", req, HC_ALREADY_EXISTS, "program_code");
    s_status(a->id, APPR_SUSPENDED, "leave");
    S_FAILS("RegisterApprentice", req, HC_ALREADY_EXISTS, "program_code");
    s_status(a->id, APPR_CANCELLED, "moved away");
    Hcap__Apprentice *again = s_register("wkr_1", "CHW-APP");
    cr_assert_str_neq(again->id, a->id, "after cancellation a new registration is allowed");
    req.program_code = "NOPE";
    S_FAILS("RegisterApprentice", req, HC_NOT_FOUND, "program_code");
    req = s_register_req("wkr_2", "CHW-APP");
    req.start_date = "2025-02-30";
    S_FAILS("RegisterApprentice", req, HC_INVALID_ARGUMENT, "start_date");
    req.start_date = (char *)ht_days_ago(1);
    req.employer_id = NULL;
    S_FAILS("RegisterApprentice", req, HC_INVALID_ARGUMENT, "employer_id");
    cr_assert_eq(s_events(APPR_EV_REGISTERED), 2);
}

/* --- hours --- */

Test(apprenticeship, hours_are_checked_before_anything_is_written)
{
    s_program("CHW-APP", S_HYBRID);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    Hcap__LogHoursRequest req = s_hours_req(a->id, S_OJL, 3, 0);
    S_FAILS("LogHours", req, HC_INVALID_ARGUMENT, "hours");
    req.hours = 24.01;
    S_FAILS("LogHours", req, HC_INVALID_ARGUMENT, "hours");
    req.hours = 1.005;
    S_FAILS("LogHours", req, HC_INVALID_ARGUMENT, "hours");
    req.hours = 2;
    req.kind = 7;
    S_FAILS("LogHours", req, HC_INVALID_ARGUMENT, "kind");
    req.kind = S_OJL;
    req.date = "2025-02-30";
    S_FAILS("LogHours", req, HC_INVALID_ARGUMENT, "date");
    req.date = (char *)ht_days_ago(-1);
    S_FAILS("LogHours", req, HC_INVALID_ARGUMENT, "date");
    req.date = (char *)ht_days_ago(61);
    S_FAILS("LogHours", req, HC_INVALID_ARGUMENT, "date");
    req.date = (char *)ht_days_ago(3);
    req.competency = "CNA-VITALS";
    S_FAILS("LogHours", req, HC_INVALID_ARGUMENT, "competency");
    req.competency = NULL;
    req.id = "appr_nope";
    S_FAILS("LogHours", req, HC_NOT_FOUND, "id");
    cr_assert_eq(s_events(APPR_EV_HOURS), 0);
    cr_assert_float_eq(s_get(a->id)->ojl_hours, 0, 1e-9);
}

Test(apprenticeship, a_day_holds_at_most_24_hours_across_kinds)
{
    s_program("CHW-APP", S_HYBRID);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    s_hours(a->id, S_OJL, 5, 8.1);
    s_hours(a->id, S_OJL, 5, 8.1);
    a = s_hours(a->id, S_RTI, 5, 7.8);
    cr_assert_float_eq(a->ojl_hours, 16.2, 1e-9, "hundredths add up exactly");
    cr_assert_float_eq(a->rti_hours, 7.8, 1e-9);
    Hcap__LogHoursRequest req = s_hours_req(a->id, S_RTI, 5, 0.01);
    S_FAILS("LogHours", req, HC_FAILED_PRECONDITION, "hours");
    s_hours(a->id, S_RTI, 4, 0.01);
}

Test(apprenticeship, no_hours_while_suspended_cancelled_or_completed)
{
    s_program("CHW-APP", S_TIME);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    s_status(a->id, APPR_SUSPENDED, NULL);
    Hcap__LogHoursRequest req = s_hours_req(a->id, S_OJL, 3, 2);
    S_FAILS("LogHours", req, HC_FAILED_PRECONDITION, "status");
    s_status(a->id, APPR_ACTIVE, NULL);
    s_hours(a->id, S_OJL, 3, 2);
    s_status(a->id, APPR_CANCELLED, "left the program");
    S_FAILS("LogHours", req, HC_FAILED_PRECONDITION, "status");
}

/* --- completion, per approach --- */

Test(apprenticeship, time_based_completes_on_both_kinds_of_hours)
{
    s_program("CHW-APP", S_TIME);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    a = s_hours(a->id, S_OJL, 10, 16);
    cr_assert_eq(a->status, APPR_ACTIVE, "OJL alone is not enough");
    a = s_hours(a->id, S_RTI, 12, 7.99);
    cr_assert_eq(a->status, APPR_ACTIVE);
    a = s_hours(a->id, S_RTI, 12, 0.01);
    cr_assert_eq(a->status, APPR_COMPLETED, "competencies do not count for time_based");
    cr_assert_str_eq(a->completed_on, ht_days_ago(10), "the latest date recorded");
    cr_assert_str_eq(a->completion_credential_code, "CHW-CERT");
    cr_assert_eq(s_events(APPR_EV_COMPLETED), 1);
    Hcap__LogHoursRequest req = s_hours_req(a->id, S_OJL, 2, 1);
    S_FAILS("LogHours", req, HC_FAILED_PRECONDITION, "status");
    Hcap__ChangeApprenticeStatusRequest st = HCAP__CHANGE_APPRENTICE_STATUS_REQUEST__INIT;
    st.id = a->id;
    st.status = APPR_SUSPENDED;
    S_FAILS("ChangeApprenticeStatus", st, HC_FAILED_PRECONDITION, "status");
    cr_assert_eq(s_events(APPR_EV_COMPLETED), 1, "completion is recorded once");
}

Test(apprenticeship, competency_based_completes_on_the_last_signoff)
{
    s_program("CHW-APP", S_COMPETENCY);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    cr_assert_eq(a->n_competencies_remaining, 3);
    a = s_sign(a->id, "CHW-OUTREACH", 9);
    cr_assert_eq(a->n_competencies_completed, 1);
    cr_assert_eq(a->n_competencies_remaining, 2);
    Hcap__SignOffRequest req = HCAP__SIGN_OFF_REQUEST__INIT;
    req.id = a->id;
    req.competency = "CHW-OUTREACH";
    req.signed_by = "Rosa Diaz";
    req.date = (char *)ht_days_ago(8);
    S_FAILS("SignOff", req, HC_ALREADY_EXISTS, "competency");
    req.competency = "CNA-VITALS";
    S_FAILS("SignOff", req, HC_INVALID_ARGUMENT, "competency");
    req.competency = "CHW-ADVOCACY";
    req.signed_by = NULL;
    S_FAILS("SignOff", req, HC_INVALID_ARGUMENT, "signed_by");
    s_sign(a->id, "CHW-ADVOCACY", 8);
    a = s_sign(a->id, "CHW-EDUCATION", 7);
    cr_assert_eq(a->status, APPR_COMPLETED, "no hours needed for competency_based");
    cr_assert_str_eq(a->completed_on, ht_days_ago(7));
    cr_assert_eq(a->n_competencies_remaining, 0);
}

Test(apprenticeship, hybrid_needs_hours_and_competencies)
{
    s_program("CHW-APP", S_HYBRID);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    s_hours(a->id, S_OJL, 20, 16);
    a = s_hours(a->id, S_RTI, 20, 8);
    cr_assert_eq(a->status, APPR_ACTIVE, "hours alone do not complete a hybrid program");
    s_sign(a->id, "CHW-OUTREACH", 19);
    s_sign(a->id, "CHW-ADVOCACY", 19);
    a = s_sign(a->id, "CHW-EDUCATION", 25);
    cr_assert_eq(a->status, APPR_COMPLETED);
    cr_assert_str_eq(a->completed_on, ht_days_ago(19), "the latest date recorded, not the last");
}

Test(apprenticeship, reinstatement_completes_when_credit_arrived_meanwhile)
{
    s_program("CHW-APP", S_TIME);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    s_hours(a->id, S_RTI, 5, 8);
    s_status(a->id, APPR_SUSPENDED, "leave");
    Hcap__PriorCredit credit = HCAP__PRIOR_CREDIT__INIT;
    credit.prior_learning_id = "pla_1";
    credit.worker_id = "wkr_1";
    credit.has_ojl_credit_hours = 1;
    credit.ojl_credit_hours = 16;
    credit.assessed_on = (char *)ht_days_ago(2);
    S_OK("ApplyPriorCredit", credit, NULL);
    a = s_get(a->id);
    cr_assert_eq(a->status, APPR_SUSPENDED, "a suspended apprentice does not complete");
    cr_assert_float_eq(a->credited_ojl_hours, 16, 1e-9);
    a = s_status(a->id, APPR_ACTIVE, NULL);
    cr_assert_eq(a->status, APPR_COMPLETED);
}

/* --- wage steps --- */

Test(apprenticeship, wage_step_follows_logged_plus_credited_ojl)
{
    s_program("CHW-APP", S_HYBRID);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    a = s_hours(a->id, S_OJL, 30, 7.99);
    cr_assert_eq(a->wage_step, 1);
    a = s_hours(a->id, S_OJL, 29, 0.01);
    cr_assert_eq(a->wage_step, 2, "exactly at after_ojl_hours reaches the step");
    cr_assert_eq(a->hourly_wage_cents, 2100);
    a = s_hours(a->id, S_RTI, 29, 4);
    cr_assert_eq(a->wage_step, 2, "RTI hours do not move the wage");
    Hcap__PriorCredit credit = HCAP__PRIOR_CREDIT__INIT;
    credit.prior_learning_id = "pla_1";
    credit.worker_id = "wkr_1";
    credit.has_ojl_credit_hours = 1;
    credit.ojl_credit_hours = 4.5;
    credit.assessed_on = (char *)ht_days_ago(2);
    S_OK("ApplyPriorCredit", credit, NULL);
    a = s_get(a->id);
    cr_assert_eq(a->wage_step, 3, "credited OJL counts: 8 + 4.5 = 12.5");
    cr_assert_eq(a->hourly_wage_cents, 2250);
}

/* --- status --- */

Test(apprenticeship, status_changes_follow_the_rules)
{
    s_program("CHW-APP", S_TIME);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    Hcap__ChangeApprenticeStatusRequest req = HCAP__CHANGE_APPRENTICE_STATUS_REQUEST__INIT;
    req.id = a->id;
    req.status = APPR_ACTIVE;
    S_FAILS("ChangeApprenticeStatus", req, HC_FAILED_PRECONDITION, "status");
    req.status = APPR_COMPLETED;
    S_FAILS("ChangeApprenticeStatus", req, HC_FAILED_PRECONDITION, "status");
    req.status = 0;
    S_FAILS("ChangeApprenticeStatus", req, HC_INVALID_ARGUMENT, "status");
    req.status = APPR_CANCELLED;
    S_FAILS("ChangeApprenticeStatus", req, HC_INVALID_ARGUMENT, "reason");
    a = s_status(a->id, APPR_SUSPENDED, "medical leave");
    cr_assert_str_eq(a->status_reason, "medical leave");
    a = s_status(a->id, APPR_CANCELLED, "moved away");
    cr_assert_eq(a->status, APPR_CANCELLED);
    req.status = APPR_ACTIVE;
    S_FAILS("ChangeApprenticeStatus", req, HC_FAILED_PRECONDITION, "status");
    cr_assert_eq(s_events(APPR_EV_STATUS), 2);
}

/* --- prior credit --- */

static const Hcap__Event *s_prior_event(uint64_t seq, const char *id, const char *worker,
                                        double ojl, double rti)
{
    Hcap__PriorLearning p = HCAP__PRIOR_LEARNING__INIT;
    p.id = (char *)id;
    p.worker_id = (char *)worker;
    p.evidence = "portfolio";
    p.has_ojl_credit_hours = ojl > 0;
    p.ojl_credit_hours = ojl;
    p.has_rti_credit_hours = rti > 0;
    p.rti_credit_hours = rti;
    p.assessed_on = (char *)ht_days_ago(3);
    Hcap__Event *event = (Hcap__Event *)hc_arena_message(s_local.arena, &hcap__event__descriptor);
    event->source = "local/credentialing";
    event->epoch = "e1";
    event->seq = seq;
    event->occurred_at = "2026-01-01T00:00:00.000Z";
    event->type = "credentialing.prior_learning_assessed.v1";
    event->body.data = hc_msg_pack(&p.base, s_local.arena, &event->body.len);
    return event;
}

/* Applies event the way the follower does: in a transaction, in a
   savepoint. Returns the apply's code. */
static int s_feed(const Hcap__Event *event)
{
    hc_store *store = hc_service_store(s_local.svc);
    hc_error tx, err;
    cr_assert_eq(hc_store_begin(store, &tx), HC_OK);
    cr_assert_eq(hc_store_savepoint(store, &tx), HC_OK);
    int rc = appr_credits_apply(hc_service_state(s_local.svc), store, event, &err);
    if (rc == HC_OK)
        cr_assert_eq(hc_store_release(store, &tx), HC_OK);
    else
        hc_store_rollback_savepoint(store);
    cr_assert_eq(hc_store_commit(store, &tx), HC_OK);
    return rc;
}

Test(apprenticeship, credit_from_credentialing_applies_once_before_and_after_registration)
{
    s_program("CHW-APP", S_TIME);
    s_program("MA-APP", S_TIME);
    cr_assert_eq(s_feed(s_prior_event(1, "pla_1", "wkr_1", 6, 2)), HC_OK);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    cr_assert_float_eq(a->credited_ojl_hours, 6, 1e-9, "credit assessed before registering");
    cr_assert_float_eq(a->credited_rti_hours, 2, 1e-9);
    cr_assert_eq(s_feed(s_prior_event(1, "pla_1", "wkr_1", 6, 2)), HC_OK);
    cr_assert_eq(s_events(APPR_EV_CREDITED), 0, "a re-delivered event changes nothing");
    cr_assert_eq(s_feed(s_prior_event(2, "pla_2", "wkr_1", 10, 6)), HC_OK);
    a = s_get(a->id);
    cr_assert_float_eq(a->credited_ojl_hours, 16, 1e-9);
    cr_assert_eq(a->status, APPR_COMPLETED, "credit alone can complete a time-based program");
    cr_assert_eq(s_events(APPR_EV_CREDITED), 1);
    cr_assert_eq(s_events(APPR_EV_COMPLETED), 1);
    cr_assert_eq(s_feed(s_prior_event(3, "pla_3", "wkr_2", 0, 0)), HC_OK, "no credit: ignored");
    Hcap__Event garbage = *s_prior_event(4, "pla_4", "wkr_1", 1, 1);
    garbage.body.data = (uint8_t *)"\xff\xff";
    garbage.body.len = 2;
    cr_assert_neq(s_feed(&garbage), HC_OK, "an undecodable body is dead-lettered, never a crash");
}

/* --- import and export --- */

static Hcap__ImportHoursReport *s_import(const char *csv, bool dry_run)
{
    Hcap__ImportHoursRequest req = HCAP__IMPORT_HOURS_REQUEST__INIT;
    Hcap__ImportHoursReport *report = NULL;
    req.csv = (char *)csv;
    req.has_dry_run = dry_run;
    req.dry_run = dry_run;
    S_OK("ImportHours", req, &report);
    return report;
}

Test(apprenticeship, import_logs_every_row_or_none)
{
    s_program("CHW-APP", S_TIME);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    const char *good = ht_fmt("apprentice_id,kind,date,hours,approved_by\n"
                              "%s,ojl,%s,8,Rosa Diaz\n%s,ojl,%s,8,Rosa Diaz\n%s,rti,%s,8,\n",
                              a->id, ht_days_ago(4), a->id, ht_days_ago(3), a->id, ht_days_ago(3));
    Hcap__ImportHoursReport *r = s_import(good, true);
    cr_assert_eq(r->logged, 3);
    cr_assert_eq(r->n_completed, 1);
    cr_assert_float_eq(s_get(a->id)->ojl_hours, 0, 1e-9, "a dry run writes nothing");
    const char *bad = ht_fmt("apprentice_id,kind,date,hours\n%s,ojl,%s,8\n%s,ojl,%s,20\n"
                             "%s,pto,%s,1\n",
                             a->id, ht_days_ago(4), a->id, ht_days_ago(4), a->id, ht_days_ago(2));
    r = s_import(bad, false);
    cr_assert_eq(r->n_rejected, 2);
    cr_assert_eq(r->rejected[0]->line, 3, "the second row passes 24 hours on its date");
    cr_assert_str_eq(r->rejected[0]->field, "hours");
    cr_assert_eq(r->rejected[1]->line, 4);
    cr_assert_str_eq(r->rejected[1]->field, "kind");
    cr_assert_float_eq(s_get(a->id)->ojl_hours, 0, 1e-9, "a rejected file writes nothing");
    cr_assert_eq(s_events(APPR_EV_HOURS), 0);
    r = s_import(good, false);
    cr_assert_eq(r->n_rejected, 0);
    cr_assert_float_eq(r->hours, 24, 1e-9);
    a = s_get(a->id);
    cr_assert_eq(a->status, APPR_COMPLETED);
    cr_assert_eq(s_events(APPR_EV_HOURS), 3);
    r = s_import("kind,date,hours,shoe_size\n", false);
    cr_assert_eq(r->n_rejected, 1);
    cr_assert_eq(r->rejected[0]->line, 1);
    cr_assert_str_eq(r->rejected[0]->field, "shoe_size");
}

Test(apprenticeship, rapids_export_carries_program_codes_and_totals)
{
    s_program("CHW-APP", S_HYBRID);
    Hcap__Apprentice *a = s_register("wkr_1", "CHW-APP");
    s_hours(a->id, S_OJL, 4, 9);
    s_hours(a->id, S_RTI, 4, 3);
    s_register("wkr_2", "CHW-APP");
    Hcap__ListApprenticesRequest req = HCAP__LIST_APPRENTICES_REQUEST__INIT;
    Hcap__RapidsExport *export = NULL;
    S_OK("ExportApprentices", req, &export);
    cr_assert_eq(export->n_items, 2);
    Hcap__RapidsRecord *r = export->items[0];
    cr_assert_str_eq(r->apprentice_id, a->id);
    cr_assert_str_eq(r->program_number, "CHW-APP");
    cr_assert_str_eq(r->rapids_code, "1065HY");
    cr_assert_str_eq(r->onet_soc, "21-1094.00");
    cr_assert_str_eq(r->start_date, ht_days_ago(60));
    cr_assert_float_eq(r->ojl_hours, 9, 1e-9);
    cr_assert_float_eq(r->rti_hours, 3, 1e-9);
    cr_assert_eq(r->hourly_wage_cents, 2100);
    req.worker_id = "wkr_2";
    S_OK("ExportApprentices", req, &export);
    cr_assert_eq(export->n_items, 1);
    req.has_limit = 1;
    req.limit = 10001;
    S_FAILS("ExportApprentices", req, HC_INVALID_ARGUMENT, "limit");
}
