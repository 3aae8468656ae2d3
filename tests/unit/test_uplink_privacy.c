/* Tests of the uplink's privacy rewrite: every event type the real
   enrollment, credentialing and apprenticeship handlers log, rewritten
   as the uplink forwards it: it still unpacks as its message, holds none
   of the personal data written, bands the birth date, pseudonymizes ids
   consistently per secret, and refuses unknown types and bad bodies. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <string.h>
#include "ht_data.h"
#include "ht_local.h"
#include "hc_msg.h"
#include "hc_query.h"
#include "apprenticeship_server.h"
#include "credentialing_server.h"
#include "enrollment_server.h"
#include "uplink_privacy.h"

/* Every event here happened on this date: age bands are taken on it. */
#define S_OCCURRED   "2026-03-01T12:00:00.000Z"
#define S_MAX_EVENTS 128

static ht_local s_enr, s_cred, s_appr;
static hc_arena *s_arena;
static uint8_t s_secret_a[UPL_SECRET_SIZE], s_secret_b[UPL_SECRET_SIZE];

/* What the fund wrote that central may see only as pseudonyms, or not at all. */
typedef struct {
    char *worker, *worker_created_at, *erased, *enrollment, *claim, *employment;
    char *credential, *expired, *prior_learning, *pla_credential, *apprentice;
    char *employer, *program, *cohort;
} s_ids;

static s_ids s_fund_ids;

/* Personal data written at the region: none of it may leave. */
static const char *s_personal[] = {
    "Marguerite",
    "Vantongerloo",
    "EXT-99812",
    "1987-04-19",
    "vantongerloo@",
    "example.org",
    "415 555 0199",
    "415 555 0142",
    "Charge Nurse Quor",
    "2019-08-05",
    "Local Zq1199",
    "Alamedazq",
    "Secretcorp",
    "Cohort Wintersecr",
    "hardship zq",
    "Vexholm College",
    "Anatomy Zq101",
    "Fallzq",
    "Nightshift Quorra",
    "transcript zq",
    "issued in error zq",
    "Portfolio evidence",
    "Quenby Ashdown",
    "Ottoline Quarrie",
    "Philbert Zanetti",
    "Recorder Quill",
    "family leave qz",
    "Erasmus",
    "Quillby",
};

#define S_OK(local, method, in, out) ht_local_ok(&(local), method, &(in).base, out)

static void s_setup(void)
{
    ht_local_open(&s_enr, &enr_service);
    ht_local_open(&s_cred, &cred_service);
    ht_local_open(&s_appr, &appr_service);
    s_arena = hc_arena_new();
    memset(s_secret_a, 0xa5, sizeof s_secret_a);
    memset(s_secret_b, 0x5a, sizeof s_secret_b);
    memset(&s_fund_ids, 0, sizeof s_fund_ids);
}

static void s_teardown(void)
{
    hc_arena_destroy(&s_arena);
    ht_local_close(&s_appr);
    ht_local_close(&s_cred);
    ht_local_close(&s_enr);
}

TestSuite(uplink_privacy, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* --- a fund with every kind of event --- */

static void s_enrollment_fund(s_ids *ids)
{
    Hcap__CreateEmployerRequest er = HCAP__CREATE_EMPLOYER_REQUEST__INIT;
    er.name = "Mercy General";
    er.sector = HCAP__SECTOR__SECTOR_ACUTE;
    er.union_local = "Local Zq1199";
    er.county = "Alamedazq County";
    er.state = "CA";
    Hcap__Employer *employer = NULL;
    S_OK(s_enr, "CreateEmployer", er, &employer);
    ids->employer = employer->id;

    static const Hcap__RaceEthnicity black[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_BLACK};
    Hcap__CreateWorkerRequest wr = HCAP__CREATE_WORKER_REQUEST__INIT;
    wr.given_name = "Marguerite";
    wr.family_name = "Vantongerloo";
    wr.external_id = "EXT-99812";
    wr.birth_date = "1987-04-19";
    wr.email = "m.vantongerloo@example.org";
    wr.phone = "+1 415 555 0199";
    wr.preferred_language = "es";
    wr.race_ethnicity = (Hcap__RaceEthnicity *)black;
    wr.n_race_ethnicity = 1;
    wr.has_gender = true;
    wr.gender = HCAP__GENDER__GENDER_FEMALE;
    wr.employer_id = employer->id;
    wr.job_title = "Charge Nurse Quorvel";
    wr.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
    wr.has_hourly_wage_cents = true;
    wr.hourly_wage_cents = 3150;
    wr.hire_date = "2019-08-05";
    Hcap__Worker *w = NULL;
    S_OK(s_enr, "CreateWorker", wr, &w);
    ids->worker = w->id;
    ids->worker_created_at = w->created_at;

    Hcap__UpdateWorkerRequest up = HCAP__UPDATE_WORKER_REQUEST__INIT;
    up.id = w->id;
    up.phone = "+1 415 555 0142";
    S_OK(s_enr, "UpdateWorker", up, NULL);
}

static void s_program_fund(s_ids *ids)
{
    Hcap__CreateProgramRequest pr = HCAP__CREATE_PROGRAM_REQUEST__INIT;
    pr.code = "CNA-101";
    pr.name = "Certified Nursing Assistant";
    pr.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING;
    pr.credential_code = "CNA";
    pr.provider = "Provider Secretcorp";
    Hcap__Program *p = NULL;
    S_OK(s_enr, "CreateProgram", pr, &p);
    ids->program = p->id;

    Hcap__CreateCohortRequest cr = HCAP__CREATE_COHORT_REQUEST__INIT;
    cr.program_id = p->id;
    cr.name = "Cohort Wintersecret";
    cr.start_date = "2026-01-05";
    cr.capacity = 5;
    Hcap__Cohort *c = NULL;
    S_OK(s_enr, "CreateCohort", cr, &c);
    ids->cohort = c->id;

    Hcap__CreateEnrollmentRequest en = HCAP__CREATE_ENROLLMENT_REQUEST__INIT;
    en.worker_id = ids->worker;
    en.cohort_id = c->id;
    Hcap__Enrollment *e = NULL;
    S_OK(s_enr, "CreateEnrollment", en, &e);
    ids->enrollment = e->id;

    Hcap__ChangeEnrollmentStatusRequest st = HCAP__CHANGE_ENROLLMENT_STATUS_REQUEST__INIT;
    st.id = e->id;
    st.status = HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN;
    st.date = "2026-02-02";
    st.reason = "family hardship zq";
    S_OK(s_enr, "ChangeEnrollmentStatus", st, NULL);
}

static void s_claims_fund(s_ids *ids)
{
    Hcap__SubmitTuitionClaimRequest sr = HCAP__SUBMIT_TUITION_CLAIM_REQUEST__INIT;
    sr.worker_id = ids->worker;
    sr.institution = "Vexholm College";
    sr.course = "Anatomy Zq101";
    sr.term = "Fallzq";
    sr.amount_cents = 120000;
    Hcap__TuitionClaim *claim = NULL;
    S_OK(s_enr, "SubmitTuitionClaim", sr, &claim);
    ids->claim = claim->id;
    Hcap__DecideTuitionClaimRequest dr = HCAP__DECIDE_TUITION_CLAIM_REQUEST__INIT;
    dr.id = claim->id;
    dr.status = HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED;
    dr.has_approved_cents = true;
    dr.approved_cents = 100000;
    S_OK(s_enr, "DecideTuitionClaim", dr, NULL);

    Hcap__RecordEmploymentRequest rr = HCAP__RECORD_EMPLOYMENT_REQUEST__INIT;
    rr.id = ids->worker;
    rr.kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT;
    rr.employer_id = ids->employer;
    rr.job_title = "Nightshift Quorra";
    rr.has_hourly_wage_cents = true;
    rr.hourly_wage_cents = 2550;
    rr.effective_date = "2026-02-10";
    Hcap__EmploymentRecord *r = NULL;
    S_OK(s_enr, "RecordEmployment", rr, &r);
    ids->employment = r->id;

    Hcap__CreateWorkerRequest wr = HCAP__CREATE_WORKER_REQUEST__INIT;
    wr.given_name = "Erasmus";
    wr.family_name = "Quillby";
    wr.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_UNEMPLOYED;
    Hcap__Worker *gone = NULL;
    S_OK(s_enr, "CreateWorker", wr, &gone);
    ids->erased = gone->id;
    Hcap__GetRequest erase = HCAP__GET_REQUEST__INIT;
    erase.id = gone->id;
    S_OK(s_enr, "EraseWorker", erase, NULL);
}

static void s_credential_type(const char *code, uint32_t validity_months)
{
    Hcap__CreateCredentialTypeRequest req = HCAP__CREATE_CREDENTIAL_TYPE_REQUEST__INIT;
    req.code = (char *)code;
    req.name = "Certified Nursing Assistant";
    req.kind = HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_CERTIFICATION;
    req.issuer = "State Board";
    req.has_validity_months = validity_months > 0;
    req.validity_months = validity_months;
    S_OK(s_cred, "CreateCredentialType", req, NULL);
}

static char *s_award(const char *worker, const char *code, const char *issued_on)
{
    Hcap__AwardCredentialRequest req = HCAP__AWARD_CREDENTIAL_REQUEST__INIT;
    req.worker_id = (char *)worker;
    req.credential_code = (char *)code;
    req.issued_on = (char *)issued_on;
    req.evidence = "Evidence: transcript zq";
    Hcap__Credential *c = NULL;
    S_OK(s_cred, "AwardCredential", req, &c);
    return c->id;
}

static void s_credential_fund(s_ids *ids)
{
    Hcap__CreateCompetencyRequest comp = HCAP__CREATE_COMPETENCY_REQUEST__INIT;
    comp.code = "CHW-OUTREACH";
    comp.name = "Outreach";
    comp.framework = "CHW core";
    S_OK(s_cred, "CreateCompetency", comp, NULL);
    s_credential_type("CNA", 0);
    s_credential_type("BLS", 12);
    ids->credential = s_award(ids->worker, "CNA", "2026-02-01");
    ids->expired = s_award(ids->worker, "BLS", ht_days_ago(800));
    Hcap__RevokeCredentialRequest rv = HCAP__REVOKE_CREDENTIAL_REQUEST__INIT;
    rv.id = ids->credential;
    rv.reason = "issued in error zq";
    S_OK(s_cred, "RevokeCredential", rv, NULL);
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    S_OK(s_cred, "SweepExpired", empty, NULL);

    static char *rungs[] = {"CNA", "BLS"};
    Hcap__CreateLadderRequest lr = HCAP__CREATE_LADDER_REQUEST__INIT;
    lr.code = "NURSING";
    lr.name = "Nursing ladder";
    lr.rungs = rungs;
    lr.n_rungs = 2;
    S_OK(s_cred, "CreateLadder", lr, NULL);

    static char *competencies[] = {"CHW-OUTREACH"};
    Hcap__AssessPriorLearningRequest pr = HCAP__ASSESS_PRIOR_LEARNING_REQUEST__INIT;
    pr.worker_id = ids->worker;
    pr.evidence = "Portfolio evidence of 400 hours";
    pr.competencies = competencies;
    pr.n_competencies = 1;
    pr.credential_code = "CNA";
    pr.has_ojl_credit_hours = true;
    pr.ojl_credit_hours = 40;
    pr.assessed_on = "2026-02-03";
    Hcap__PriorLearning *pl = NULL;
    S_OK(s_cred, "AssessPriorLearning", pr, &pl);
    ids->prior_learning = pl->id;
    ids->pla_credential = pl->credential_id;
    cr_assert_not_null(pl->credential_id, "the assessment awarded CNA");
}

static void s_appr_program(void)
{
    static char *competencies[] = {"CHW-OUTREACH", "CHW-ADVOCACY"};
    static Hcap__WageStep step1 = HCAP__WAGE_STEP__INIT, step2 = HCAP__WAGE_STEP__INIT;
    static Hcap__WageStep *steps[] = {&step1, &step2};
    step1.after_ojl_hours = 0;
    step1.hourly_wage_cents = 1800;
    step2.after_ojl_hours = 500;
    step2.hourly_wage_cents = 2100;
    Hcap__CreateApprenticeshipProgramRequest p = HCAP__CREATE_APPRENTICESHIP_PROGRAM_REQUEST__INIT;
    p.code = "CHW-APP";
    p.name = "Community Health Worker";
    p.occupation = "Community Health Worker";
    p.sponsor = "Bay Area Health Sponsor";
    p.approach = HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_COMPETENCY_BASED;
    p.competencies = competencies;
    p.n_competencies = 2;
    p.wage_steps = steps;
    p.n_wage_steps = 2;
    p.completion_credential_code = "CHW-CERT";
    S_OK(s_appr, "CreateApprenticeshipProgram", p, NULL);
}

/* Runs method as a named staff member: recorded_by is a person too. */
static void s_as_staff(const char *method, const ProtobufCMessage *in)
{
    Hcap__Principal who = HCAP__PRINCIPAL__INIT;
    who.name = "Recorder Quillfeather";
    who.role = HCAP__ROLE__ROLE_STAFF;
    ProtobufCMessage *out = NULL;
    hc_error err;
    cr_assert_eq(hc_service_invoke(s_appr.svc, method, in, &who, s_appr.arena, &out, &err), HC_OK,
                 "%s: %s", method, err.message);
}

static void s_appr_status(const char *id, Hcap__ApprenticeStatus status, const char *reason)
{
    Hcap__ChangeApprenticeStatusRequest req = HCAP__CHANGE_APPRENTICE_STATUS_REQUEST__INIT;
    req.id = (char *)id;
    req.status = status;
    req.reason = (char *)reason;
    req.date = "2026-02-15";
    S_OK(s_appr, "ChangeApprenticeStatus", req, NULL);
}

static void s_signoff(const char *id, const char *competency)
{
    Hcap__SignOffRequest so = HCAP__SIGN_OFF_REQUEST__INIT;
    so.id = (char *)id;
    so.competency = (char *)competency;
    so.signed_by = "Philbert Zanetti";
    so.date = "2026-02-20";
    s_as_staff("SignOff", &so.base);
}

static void s_apprenticeship_fund(s_ids *ids)
{
    s_appr_program();
    Hcap__RegisterApprenticeRequest r = HCAP__REGISTER_APPRENTICE_REQUEST__INIT;
    r.worker_id = ids->worker;
    r.program_code = "CHW-APP";
    r.employer_id = ids->employer;
    r.mentor = "Quenby Ashdown";
    r.start_date = "2026-01-10";
    Hcap__Apprentice *a = NULL;
    S_OK(s_appr, "RegisterApprentice", r, &a);
    ids->apprentice = a->id;

    Hcap__LogHoursRequest lh = HCAP__LOG_HOURS_REQUEST__INIT;
    lh.id = a->id;
    lh.kind = HCAP__HOURS_KIND__HOURS_KIND_OJL;
    lh.date = "2026-01-12";
    lh.hours = 8;
    lh.competency = "CHW-OUTREACH";
    lh.approved_by = "Ottoline Quarrie";
    s_as_staff("LogHours", &lh.base);
    s_signoff(a->id, "CHW-OUTREACH");
    s_appr_status(a->id, HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_SUSPENDED, "family leave qz");
    s_appr_status(a->id, HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_ACTIVE, NULL);

    Hcap__PriorCredit pc = HCAP__PRIOR_CREDIT__INIT;
    pc.prior_learning_id = ids->prior_learning;
    pc.worker_id = ids->worker;
    pc.has_ojl_credit_hours = true;
    pc.ojl_credit_hours = 40;
    pc.assessed_on = "2026-02-03";
    S_OK(s_appr, "ApplyPriorCredit", pc, NULL);
    s_signoff(a->id, "CHW-ADVOCACY");
}

static void s_fund(void)
{
    s_enrollment_fund(&s_fund_ids);
    s_program_fund(&s_fund_ids);
    s_claims_fund(&s_fund_ids);
    s_credential_fund(&s_fund_ids);
    s_apprenticeship_fund(&s_fund_ids);
}

/* --- the events, as the uplink's followers receive them --- */

typedef struct {
    const char *source;
    Hcap__Event **items;
    size_t count;
} s_log;

static void s_collect(void *arg, uint64_t seq, const char *type, const char *subject,
                      const uint8_t *body, size_t size)
{
    (void)subject;
    s_log *log = arg;
    cr_assert_lt(log->count, S_MAX_EVENTS);
    Hcap__Event *e = (Hcap__Event *)hc_arena_message(s_arena, &hcap__event__descriptor);
    e->source = hc_arena_printf(s_arena, "west/%s", log->source);
    e->epoch = "e1";
    e->seq = seq;
    e->occurred_at = S_OCCURRED;
    e->type = hc_arena_strdup(s_arena, type);
    e->body.data = hc_arena_alloc(s_arena, size ? size : 1);
    memcpy(e->body.data, body, size);
    e->body.len = size;
    log->items[log->count++] = e;
}

/* Every event of the three logs, in one list. */
static s_log s_all_events(void)
{
    s_log all = {NULL, hc_arena_alloc(s_arena, S_MAX_EVENTS * sizeof(Hcap__Event *)), 0};
    ht_local *producers[] = {&s_enr, &s_cred, &s_appr};
    for (size_t i = 0; i < 3; i++) {
        all.source = producers[i]->def->name;
        hc_error err;
        cr_assert_eq(
            hc_query_events_each(hc_service_store(producers[i]->svc), s_collect, &all, &err),
            HC_OK);
    }
    return all;
}

/* The rewritten body of e under secret, asserting success. */
static ProtobufCBinaryData s_forward(const Hcap__Event *e, const uint8_t *secret)
{
    ProtobufCBinaryData out = {0, NULL};
    hc_error err;
    hc_error_clear(&err);
    int rc = upl_privacy_rewrite(secret, e, s_arena, &out.data, &out.len, &err);
    cr_assert_eq(rc, HC_OK, "%s: %s", e->type, err.message);
    return out;
}

/* The rewritten body of e, unpacked as its message. */
static ProtobufCMessage *s_forwarded(const Hcap__Event *e, const uint8_t *secret)
{
    ProtobufCBinaryData body = s_forward(e, secret);
    const ProtobufCMessageDescriptor *desc = upl_privacy_body(e->type);
    cr_assert_not_null(desc, "%s has a rule", e->type);
    ProtobufCMessage *msg = hc_msg_unpack(desc, body.data, body.len, s_arena);
    cr_assert_not_null(msg, "%s: the rewritten body unpacks as %s", e->type, desc->name);
    return msg;
}

/* The first event of type whose original body holds needle. */
static const Hcap__Event *s_find(const s_log *all, const char *type, const char *needle)
{
    for (size_t i = 0; i < all->count; i++)
        if (strcmp(all->items[i]->type, type) == 0 &&
            (!needle || ht_bytes_in(all->items[i]->body.data, all->items[i]->body.len, needle)))
            return all->items[i];
    cr_assert_fail("no %s event holding %s", type, needle ? needle : "anything");
    return NULL;
}

static const char *s_p(const uint8_t *secret, const char *id)
{
    char *out = hc_arena_alloc(s_arena, UPL_PSEUDONYM_SIZE);
    upl_pseudonym(secret, id, out);
    return out;
}

/* --- tests --- */

static const char *s_types[] = {
    "enrollment.worker_registered.v1",
    "enrollment.worker_updated.v1",
    "enrollment.worker_erased.v1",
    "enrollment.employer_created.v1",
    "enrollment.program_created.v1",
    "enrollment.cohort_created.v1",
    "enrollment.enrollment_created.v1",
    "enrollment.enrollment_status_changed.v1",
    "enrollment.tuition_claim_submitted.v1",
    "enrollment.tuition_claim_decided.v1",
    "enrollment.employment_recorded.v1",
    "credentialing.competency_created.v1",
    "credentialing.credential_type_created.v1",
    "credentialing.credential_awarded.v1",
    "credentialing.credential_expired.v1",
    "credentialing.credential_revoked.v1",
    "credentialing.ladder_created.v1",
    "credentialing.prior_learning_assessed.v1",
    "apprenticeship.program_created.v1",
    "apprenticeship.apprentice_registered.v1",
    "apprenticeship.apprentice_status_changed.v1",
    "apprenticeship.apprentice_credited.v1",
    "apprenticeship.apprentice_completed.v1",
    "apprenticeship.hours_logged.v1",
    "apprenticeship.competency_signed_off.v1",
};

Test(uplink_privacy, the_rules_match_their_messages)
{
    hc_error err;
    hc_error_clear(&err);
    cr_assert_eq(upl_privacy_check(&err), HC_OK, "%s", err.message);
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        cr_assert_not_null(upl_privacy_body(s_types[i]), "%s has a rule", s_types[i]);
    cr_assert_null(upl_privacy_body("reporting.grant_created.v1"), "grants stay at the region");
}

Test(uplink_privacy, every_event_type_unpacks_and_carries_no_personal_data)
{
    s_fund();
    s_log all = s_all_events();
    for (size_t t = 0; t < sizeof s_types / sizeof s_types[0]; t++)
        s_find(&all, s_types[t], NULL); /* the fund logged every type */
    const char *ids[] = {
        s_fund_ids.worker,     s_fund_ids.erased,           s_fund_ids.enrollment,
        s_fund_ids.claim,      s_fund_ids.employment,       s_fund_ids.credential,
        s_fund_ids.expired,    s_fund_ids.prior_learning,   s_fund_ids.pla_credential,
        s_fund_ids.apprentice, s_fund_ids.worker_created_at};
    size_t personal_seen = 0;
    for (size_t i = 0; i < all.count; i++) {
        const Hcap__Event *e = all.items[i];
        s_forwarded(e, s_secret_a);
        ProtobufCBinaryData body = s_forward(e, s_secret_a);
        for (size_t k = 0; k < sizeof s_personal / sizeof s_personal[0]; k++) {
            personal_seen += ht_bytes_in(e->body.data, e->body.len, s_personal[k]);
            cr_assert_not(ht_bytes_in(body.data, body.len, s_personal[k]), "%s carries \"%s\"",
                          e->type, s_personal[k]);
        }
        for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++)
            cr_assert_not(ht_bytes_in(body.data, body.len, ids[k]), "%s carries the raw %s",
                          e->type, ids[k]);
    }
    cr_assert_gt(personal_seen, 25, "the logs held the personal data the scan looks for");
}

Test(uplink_privacy, a_worker_leaves_with_an_age_band_and_the_allowed_fields)
{
    s_fund();
    s_log all = s_all_events();
    const Hcap__Event *e = s_find(&all, "enrollment.worker_registered.v1", "Marguerite");
    Hcap__Worker *w = (Hcap__Worker *)s_forwarded(e, s_secret_a);
    cr_assert_str_eq(w->id, s_p(s_secret_a, s_fund_ids.worker));
    cr_assert_eq(strlen(w->id), 32);
    cr_assert_str_eq(w->age_band, "35_44", "38 on 2026-03-01");
    cr_assert_null(w->birth_date);
    cr_assert_null(w->given_name);
    cr_assert_null(w->email);
    cr_assert_null(w->created_at);
    cr_assert_not(w->has_hourly_wage_cents);
    cr_assert_str_eq(w->preferred_language, "es");
    cr_assert_eq(w->n_race_ethnicity, 1);
    cr_assert_eq(w->race_ethnicity[0], HCAP__RACE_ETHNICITY__RACE_ETHNICITY_BLACK);
    cr_assert_eq(w->gender, HCAP__GENDER__GENDER_FEMALE);
    cr_assert_str_eq(w->employer_id, s_fund_ids.employer, "employers are not people");
    cr_assert_eq(w->employment_status, HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT);

    Hcap__Worker *nobody = (Hcap__Worker *)s_forwarded(
        s_find(&all, "enrollment.worker_registered.v1", s_fund_ids.erased), s_secret_a);
    cr_assert_str_eq(nobody->age_band, "unknown", "no birth date");
    Hcap__WorkerErased *erased = (Hcap__WorkerErased *)s_forwarded(
        s_find(&all, "enrollment.worker_erased.v1", NULL), s_secret_a);
    cr_assert_str_eq(erased->id, s_p(s_secret_a, s_fund_ids.erased), "the tombstone is forwarded");
    cr_assert_str_eq(nobody->id, erased->id);
}

Test(uplink_privacy, dropped_required_fields_are_sent_empty)
{
    s_fund();
    s_log all = s_all_events();
    Hcap__Cohort *c =
        (Hcap__Cohort *)s_forwarded(s_find(&all, "enrollment.cohort_created.v1", NULL), s_secret_a);
    cr_assert_str_eq(c->name, "");
    cr_assert_str_eq(c->id, s_fund_ids.cohort);
    cr_assert_eq(c->capacity, 5);
    cr_assert_not(c->has_enrolled_count);
    Hcap__TuitionClaim *t = (Hcap__TuitionClaim *)s_forwarded(
        s_find(&all, "enrollment.tuition_claim_decided.v1", NULL), s_secret_a);
    cr_assert_str_eq(t->institution, "");
    cr_assert_null(t->course);
    cr_assert_eq(t->approved_cents, 100000);
    Hcap__CompetencySignedOff *so = (Hcap__CompetencySignedOff *)s_forwarded(
        s_find(&all, "apprenticeship.competency_signed_off.v1", NULL), s_secret_a);
    cr_assert_str_eq(so->signoff->signed_by, "");
    cr_assert_null(so->signoff->recorded_by);
    cr_assert_null(so->apprentice->mentor);
    Hcap__ApprenticeshipProgram *p = (Hcap__ApprenticeshipProgram *)s_forwarded(
        s_find(&all, "apprenticeship.program_created.v1", NULL), s_secret_a);
    cr_assert_eq(p->n_wage_steps, 2);
    cr_assert_eq(p->wage_steps[1]->hourly_wage_cents, 2100);
    cr_assert_eq(p->wage_steps[1]->after_ojl_hours, 500);
    cr_assert_str_eq(p->sponsor, "Bay Area Health Sponsor");
    cr_assert_null(p->created_at);
}

Test(uplink_privacy, references_to_one_record_agree)
{
    s_fund();
    s_log all = s_all_events();
    const char *worker = s_p(s_secret_a, s_fund_ids.worker);
    Hcap__Enrollment *en = (Hcap__Enrollment *)s_forwarded(
        s_find(&all, "enrollment.enrollment_created.v1", NULL), s_secret_a);
    cr_assert_str_eq(en->worker_id, worker);
    cr_assert_str_eq(en->id, s_p(s_secret_a, s_fund_ids.enrollment));
    cr_assert_str_eq(en->cohort_id, s_fund_ids.cohort);
    Hcap__PriorLearning *pl = (Hcap__PriorLearning *)s_forwarded(
        s_find(&all, "credentialing.prior_learning_assessed.v1", NULL), s_secret_a);
    cr_assert_str_eq(pl->worker_id, worker);
    Hcap__Credential *c = (Hcap__Credential *)s_forwarded(
        s_find(&all, "credentialing.credential_awarded.v1", s_fund_ids.prior_learning), s_secret_a);
    cr_assert_str_eq(c->prior_learning_id, pl->id);
    cr_assert_str_eq(c->id, pl->credential_id);
    cr_assert_str_eq(c->worker_id, worker);
    cr_assert_null(c->evidence);
    Hcap__Apprentice *a = (Hcap__Apprentice *)s_forwarded(
        s_find(&all, "apprenticeship.apprentice_registered.v1", NULL), s_secret_a);
    cr_assert_str_eq(a->worker_id, worker);
    Hcap__HoursLogged *h = (Hcap__HoursLogged *)s_forwarded(
        s_find(&all, "apprenticeship.hours_logged.v1", NULL), s_secret_a);
    cr_assert_str_eq(h->entry->apprentice_id, a->id);
    cr_assert_str_eq(h->apprentice->id, a->id);
    cr_assert_eq(strlen(h->entry->id), 32, "an entry id is about the worker: pseudonymized");
    cr_assert_eq(h->entry->hours, 8);
    cr_assert_null(h->entry->approved_by);
    Hcap__Apprentice *done = (Hcap__Apprentice *)s_forwarded(
        s_find(&all, "apprenticeship.apprentice_completed.v1", NULL), s_secret_a);
    cr_assert_str_eq(done->id, a->id);
    cr_assert_eq(done->status, HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED);
    cr_assert_eq(done->credited_ojl_hours, 40);
}

Test(uplink_privacy, pseudonyms_are_deterministic_per_secret)
{
    s_fund();
    s_log all = s_all_events();
    const Hcap__Event *e = s_find(&all, "enrollment.worker_registered.v1", "Marguerite");
    ProtobufCBinaryData one = s_forward(e, s_secret_a), two = s_forward(e, s_secret_a);
    cr_assert_eq(one.len, two.len);
    cr_assert_arr_eq(one.data, two.data, one.len, "the same body twice");
    Hcap__Worker *a = (Hcap__Worker *)s_forwarded(e, s_secret_a);
    Hcap__Worker *b = (Hcap__Worker *)s_forwarded(e, s_secret_b);
    cr_assert_str_neq(a->id, b->id, "two nodes' pseudonyms never meet");
    cr_assert_str_eq(b->id, s_p(s_secret_b, s_fund_ids.worker));
    cr_assert_str_neq(s_p(s_secret_a, "wkr_1"), s_p(s_secret_a, "wkr_2"));
    /* HMAC-SHA256, key 32 bytes of 0xa5, of "wkr_1": its first 16 bytes
       (worked out with Python's hmac module). */
    cr_assert_str_eq(s_p(s_secret_a, "wkr_1"), "a561bbbe1802ea14457bc0595b1194e7");
}

Test(uplink_privacy, unknown_types_and_bad_bodies_fail_naming_the_type)
{
    Hcap__Worker w = HCAP__WORKER__INIT;
    w.id = "wkr_1";
    Hcap__Event e = HCAP__EVENT__INIT;
    e.source = "west/enrollment";
    e.epoch = "e1";
    e.seq = 1;
    e.occurred_at = S_OCCURRED;
    e.type = "enrollment.worker_exported.v1";
    e.body.data = hc_msg_pack(&w.base, s_arena, &e.body.len);
    uint8_t *body = NULL;
    size_t size = 0;
    hc_error err;
    cr_assert_eq(upl_privacy_rewrite(s_secret_a, &e, s_arena, &body, &size, &err), HC_NOT_FOUND);
    cr_assert_str_eq(err.field, "type");
    cr_assert(strstr(err.message, "enrollment.worker_exported.v1"), "%s", err.message);
    cr_assert(strstr(err.message, "no privacy rule"), "%s", err.message);

    static uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    static uint8_t truncated[] = {0x0a, 0x20, 'w', 'k'}; /* id says 32 bytes follow */
    struct {
        uint8_t *data;
        size_t len;
    } bodies[] = {{garbage, sizeof garbage}, {truncated, sizeof truncated}, {garbage, 0}};
    e.type = "enrollment.worker_registered.v1";
    for (size_t i = 0; i < 3; i++) {
        e.body.data = bodies[i].data;
        e.body.len = bodies[i].len;
        cr_assert_eq(upl_privacy_rewrite(s_secret_a, &e, s_arena, &body, &size, &err),
                     HC_INVALID_ARGUMENT, "body %zu", i);
        cr_assert(strstr(err.message, "enrollment.worker_registered.v1"), "%s", err.message);
    }
}

Test(uplink_privacy, unknown_field_numbers_are_dropped)
{
    Hcap__Worker w = HCAP__WORKER__INIT;
    w.id = "wkr_1";
    w.preferred_language = "fr";
    size_t size = 0;
    uint8_t *known = hc_msg_pack(&w.base, s_arena, &size);
    /* field 99, length-delimited: tag (99 << 3 | 2) = 794 as a varint */
    static const char extra[] = "Unknownfield Secretvalue";
    uint8_t *body = hc_arena_alloc(s_arena, size + 3 + sizeof extra);
    memcpy(body, known, size);
    body[size] = 0x9a;
    body[size + 1] = 0x06;
    body[size + 2] = (uint8_t)(sizeof extra - 1);
    memcpy(body + size + 3, extra, sizeof extra - 1);
    Hcap__Event e = HCAP__EVENT__INIT;
    e.source = "west/enrollment";
    e.epoch = "e1";
    e.seq = 1;
    e.occurred_at = S_OCCURRED;
    e.type = "enrollment.worker_updated.v1";
    e.body.data = body;
    e.body.len = size + 2 + sizeof extra;
    Hcap__Worker *in =
        (Hcap__Worker *)hc_msg_unpack(&hcap__worker__descriptor, e.body.data, e.body.len, s_arena);
    cr_assert_not_null(in);
    cr_assert_eq(in->base.n_unknown_fields, 1, "the crafted body carries field 99");
    ProtobufCBinaryData out = s_forward(&e, s_secret_a);
    cr_assert_not(ht_bytes_in(out.data, out.len, "Secretvalue"));
    Hcap__Worker *sent = (Hcap__Worker *)s_forwarded(&e, s_secret_a);
    cr_assert_eq(sent->base.n_unknown_fields, 0);
    cr_assert_str_eq(sent->preferred_language, "fr");
}
