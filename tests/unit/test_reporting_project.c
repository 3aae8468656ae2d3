/* Tests of reporting's projection: real events of in-process enrollment,
   credentialing and apprenticeship services, applied to a local reporting
   store the way its followers do (one transaction, a savepoint each), and
   the read-model rows reports rely on: groups, steps and their days,
   credentials until revoked, apprenticeships, idempotent redelivery,
   refused events and a reset per source. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ht_data.h"
#include "ht_local.h"
#include "hc_msg.h"
#include "hc_query.h"
#include "hc_time.h"
#include "apprenticeship_server.h"
#include "credentialing_server.h"
#include "enrollment_server.h"
#include "reporting_server.h"
#include "reporting_store.h"

/* Every event here happened on this date: age bands are taken on it. */
#define S_OCCURRED   "2026-03-01T12:00:00.000Z"
#define S_MAX_EVENTS 512

static ht_local s_enr, s_cred, s_appr, s_rep;
static uint64_t s_enr_seq, s_cred_seq, s_appr_seq; /* applied so far */

static void s_setup(void)
{
    ht_local_open(&s_enr, &enr_service);
    ht_local_open(&s_cred, &cred_service);
    ht_local_open(&s_appr, &appr_service);
    ht_local_open(&s_rep, &rep_service);
    s_enr_seq = s_cred_seq = s_appr_seq = 0;
}

static void s_teardown(void)
{
    ht_local_close(&s_rep);
    ht_local_close(&s_appr);
    ht_local_close(&s_cred);
    ht_local_close(&s_enr);
}

TestSuite(reporting_project, .init = s_setup, .fini = s_teardown, .timeout = 120);

#define S_OK(local, method, in, out) ht_local_ok(&(local), method, &(in).base, out)

/* --- events, as a follower receives them --- */

typedef struct {
    const char *source;
    uint64_t after;
    Hcap__Event **items;
    size_t count;
} s_batch;

static void s_collect(void *arg, uint64_t seq, const char *type, const char *subject,
                      const uint8_t *body, size_t size)
{
    (void)subject;
    s_batch *b = arg;
    if (seq <= b->after)
        return;
    cr_assert_lt(b->count, S_MAX_EVENTS);
    Hcap__Event *e = (Hcap__Event *)hc_arena_message(s_rep.arena, &hcap__event__descriptor);
    e->source = hc_arena_printf(s_rep.arena, "local/%s", b->source);
    e->epoch = "e1";
    e->seq = seq;
    e->occurred_at = S_OCCURRED;
    e->type = hc_arena_strdup(s_rep.arena, type);
    e->body.data = hc_arena_alloc(s_rep.arena, size ? size : 1);
    memcpy(e->body.data, body, size);
    e->body.len = size;
    b->items[b->count++] = e;
}

/* The events of producer's log after seq `after`. */
static s_batch s_events(ht_local *producer, uint64_t after)
{
    s_batch b = {producer->def->name, after, NULL, 0};
    b.items = hc_arena_alloc(s_rep.arena, S_MAX_EVENTS * sizeof *b.items);
    hc_error err;
    cr_assert_eq(hc_query_events_each(hc_service_store(producer->svc), s_collect, &b, &err), HC_OK);
    return b;
}

/* Applies events[0..n) as the follower does: one transaction, each event
   in its own savepoint, rolled back when apply fails, and the relaxed
   commit of a batch that emitted nothing. codes[i] (when given) gets each
   result, err (when given) the last failure. */
static void s_apply(hc_follower_apply_fn *apply, Hcap__Event *const *events, size_t n, int *codes,
                    hc_error *err)
{
    hc_store *store = hc_service_store(s_rep.svc);
    hc_error tx;
    cr_assert_eq(hc_store_begin_relaxed(store, &tx), HC_OK, "%s", tx.message);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(hc_store_savepoint(store, &tx), HC_OK, "%s", tx.message);
        hc_error applied;
        hc_error_clear(&applied);
        int rc = apply(hc_service_state(s_rep.svc), store, events[i], &applied);
        cr_assert(hc_store_in_transaction(store));
        if (rc == HC_OK) {
            cr_assert_eq(hc_store_release(store, &tx), HC_OK, "%s", tx.message);
        } else {
            hc_store_rollback_savepoint(store);
            if (err)
                *err = applied;
        }
        if (codes)
            codes[i] = rc;
        else
            cr_assert_eq(rc, HC_OK, "%s seq %llu: %s", events[i]->type,
                         (unsigned long long)events[i]->seq, applied.message);
    }
    cr_assert_eq(hc_store_commit(store, &tx), HC_OK, "%s", tx.message);
}

/* Applies what producer logged since the last pump; every event must apply. */
static void s_pump(ht_local *producer, hc_follower_apply_fn *apply, uint64_t *seq)
{
    s_batch b = s_events(producer, *seq);
    s_apply(apply, b.items, b.count, NULL, NULL);
    if (b.count)
        *seq = b.items[b.count - 1]->seq;
}

static void s_sync(void)
{
    s_pump(&s_enr, rep_project_enrollment, &s_enr_seq);
    s_pump(&s_cred, rep_project_credentialing, &s_cred_seq);
    s_pump(&s_appr, rep_project_apprenticeship, &s_appr_seq);
}

/* One crafted event of source's log. */
static Hcap__Event *s_event(const char *source, const char *type, const ProtobufCMessage *body)
{
    Hcap__Event *e = (Hcap__Event *)hc_arena_message(s_rep.arena, &hcap__event__descriptor);
    e->source = hc_arena_printf(s_rep.arena, "local/%s", source);
    e->epoch = "e1";
    e->seq = 1000;
    e->occurred_at = S_OCCURRED;
    e->type = (char *)type;
    e->body.data = hc_msg_pack(body, s_rep.arena, &e->body.len);
    return e;
}

/* --- reading the read model --- */

static sqlite3 *s_db(void)
{
    return hc_store_db(hc_service_store(s_rep.svc));
}

/* Column 0 of the first row of sql (?1 = arg when given) as text in the
   arena: "NULL" for a NULL value, NULL when there is no row. */
static const char *s_one(const char *sql, const char *arg)
{
    sqlite3_stmt *stmt = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s_db(), sql, -1, &stmt, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(s_db()));
    if (arg)
        sqlite3_bind_text(stmt, 1, arg, -1, SQLITE_STATIC);
    const char *out = NULL;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(stmt, 0);
        out = hc_arena_strdup(s_rep.arena, text ? text : "NULL");
    }
    sqlite3_finalize(stmt);
    return out;
}

static int s_count(const char *sql, const char *arg)
{
    const char *n = s_one(sql, arg);
    cr_assert_not_null(n, "%s returned no row", sql);
    return atoi(n);
}

/* A worker's column, by the worker's id. */
static const char *s_worker_col(const char *id, const char *column)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s FROM workers WHERE id = ?1", column);
    return s_one(sql, id);
}

/* The day of a fact, "<none>" when there is none. */
static const char *s_fact_day(const char *entity, int kind)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT day FROM facts WHERE entity = ?1 AND kind = %d", kind);
    const char *day = s_one(sql, entity);
    return day ? day : "<none>";
}

static const char *s_fact_col(const char *entity, int kind, const char *column)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT %s FROM facts WHERE entity = ?1 AND kind = %d", column, kind);
    return s_one(sql, entity);
}

/* Every row of every read-model table, as one text. */
static char *s_dump(void)
{
    static const char *tables[] = {"workers",          "employers", "programs",
                                   "credential_types", "facts",     "apprentices"};
    char *out = hc_arena_strdup(s_rep.arena, "");
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        char sql[80];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1, 2", tables[t]);
        sqlite3_stmt *stmt = NULL;
        cr_assert_eq(sqlite3_prepare_v2(s_db(), sql, -1, &stmt, NULL), SQLITE_OK);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            out = hc_arena_printf(s_rep.arena, "%s\n%s:", out, tables[t]);
            for (int c = 0; c < sqlite3_column_count(stmt); c++) {
                const char *v = (const char *)sqlite3_column_text(stmt, c);
                out = hc_arena_printf(s_rep.arena, "%s|%s", out, v ? v : "NULL");
            }
        }
        sqlite3_finalize(stmt);
    }
    return out;
}

/* How many values of any column of any table of reporting.db hold needle. */
static int s_cells_holding(const char *needle)
{
    sqlite3_stmt *tables = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s_db(), "SELECT name FROM sqlite_master WHERE type = 'table'",
                                    -1, &tables, NULL),
                 SQLITE_OK);
    int hits = 0;
    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *table = (const char *)sqlite3_column_text(tables, 0);
        char sql[300];
        snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s')", table);
        sqlite3_stmt *cols = NULL;
        cr_assert_eq(sqlite3_prepare_v2(s_db(), sql, -1, &cols, NULL), SQLITE_OK);
        while (sqlite3_step(cols) == SQLITE_ROW) {
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM \"%s\" WHERE instr(CAST(\"%s\" AS TEXT), ?1) > 0", table,
                     (const char *)sqlite3_column_text(cols, 0));
            hits += s_count(sql, needle);
        }
        sqlite3_finalize(cols);
    }
    sqlite3_finalize(tables);
    return hits;
}

/* --- enrollment fixtures --- */

static char *s_employer(const char *name, int sector)
{
    Hcap__CreateEmployerRequest req = HCAP__CREATE_EMPLOYER_REQUEST__INIT;
    req.name = (char *)name;
    req.sector = sector;
    Hcap__Employer *e = NULL;
    S_OK(s_enr, "CreateEmployer", req, &e);
    return e->id;
}

static char *s_worker(const Hcap__RaceEthnicity *races, size_t n, const char *employer)
{
    Hcap__CreateWorkerRequest req = HCAP__CREATE_WORKER_REQUEST__INIT;
    req.given_name = "Philippa";
    req.family_name = "Oduyaqz";
    req.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_NEW_ENTRANT;
    req.race_ethnicity = (Hcap__RaceEthnicity *)races;
    req.n_race_ethnicity = n;
    req.employer_id = (char *)employer;
    Hcap__Worker *w = NULL;
    S_OK(s_enr, "CreateWorker", req, &w);
    return w->id;
}

static char *s_program(const char *code, int kind, const char *credential)
{
    Hcap__CreateProgramRequest req = HCAP__CREATE_PROGRAM_REQUEST__INIT;
    req.code = (char *)code;
    req.name = "Certified Nursing Assistant";
    req.kind = kind;
    req.credential_code = (char *)credential;
    Hcap__Program *p = NULL;
    S_OK(s_enr, "CreateProgram", req, &p);
    return p->id;
}

static char *s_cohort(const char *program_id, unsigned capacity)
{
    Hcap__CreateCohortRequest req = HCAP__CREATE_COHORT_REQUEST__INIT;
    req.program_id = (char *)program_id;
    req.name = "Spring";
    req.start_date = (char *)ht_days_ago(30);
    req.capacity = capacity;
    Hcap__Cohort *c = NULL;
    S_OK(s_enr, "CreateCohort", req, &c);
    return c->id;
}

static Hcap__Enrollment *s_enroll(const char *worker, const char *cohort)
{
    Hcap__CreateEnrollmentRequest req = HCAP__CREATE_ENROLLMENT_REQUEST__INIT;
    req.worker_id = (char *)worker;
    req.cohort_id = (char *)cohort;
    Hcap__Enrollment *e = NULL;
    S_OK(s_enr, "CreateEnrollment", req, &e);
    return e;
}

static void s_step(const char *enrollment, int status, const char *date)
{
    Hcap__ChangeEnrollmentStatusRequest req = HCAP__CHANGE_ENROLLMENT_STATUS_REQUEST__INIT;
    req.id = (char *)enrollment;
    req.status = status;
    req.date = (char *)date;
    S_OK(s_enr, "ChangeEnrollmentStatus", req, NULL);
}

/* --- demographics --- */

#define S_RACE(x) HCAP__RACE_ETHNICITY__RACE_ETHNICITY_##x

Test(reporting_project, workers_are_grouped_by_the_ipeds_rule_and_carry_no_identity)
{
    char *acute = s_employer("Mercy General", HCAP__SECTOR__SECTOR_ACUTE);
    char *ltc = s_employer("Oak Manor", HCAP__SECTOR__SECTOR_LONG_TERM_CARE);
    const Hcap__RaceEthnicity black[] = {S_RACE(BLACK)};
    const Hcap__RaceEthnicity hispanic_white[] = {S_RACE(HISPANIC_LATINO), S_RACE(WHITE)};
    const Hcap__RaceEthnicity asian_white[] = {S_RACE(ASIAN), S_RACE(WHITE)};
    const Hcap__RaceEthnicity declined[] = {S_RACE(DECLINED)};
    char *w_black = s_worker(black, 1, NULL);
    char *w_hispanic = s_worker(hispanic_white, 2, NULL);
    char *w_two = s_worker(asian_white, 2, NULL);
    char *w_declined = s_worker(declined, 1, NULL);
    char *w_none = s_worker(NULL, 0, NULL);

    Hcap__CreateWorkerRequest req = HCAP__CREATE_WORKER_REQUEST__INIT;
    req.given_name = "Marguerite";
    req.family_name = "Vantongerloo";
    req.external_id = "EXT-99812";
    req.birth_date = "1990-05-10";
    req.email = "m.vantongerloo@example.org";
    req.phone = "+1 415 555 0199";
    req.preferred_language = "es";
    req.gender = HCAP__GENDER__GENDER_FEMALE;
    req.has_gender = 1;
    req.employer_id = acute;
    req.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
    req.race_ethnicity = (Hcap__RaceEthnicity *)black;
    req.n_race_ethnicity = 1;
    Hcap__Worker *full = NULL;
    S_OK(s_enr, "CreateWorker", req, &full);
    s_sync();

    cr_assert_str_eq(s_worker_col(w_black, "race_group"), "black");
    cr_assert_str_eq(s_worker_col(w_hispanic, "race_group"), "hispanic_latino",
                     "hispanic of any race");
    cr_assert_str_eq(s_worker_col(w_two, "race_group"), "two_or_more");
    cr_assert_str_eq(s_worker_col(w_declined, "race_group"), "declined");
    cr_assert_str_eq(s_worker_col(w_none, "race_group"), "unknown");
    cr_assert_str_eq(s_worker_col(w_none, "gender"), "unknown");
    cr_assert_str_eq(s_worker_col(w_none, "age_band"), "unknown");
    cr_assert_str_eq(s_worker_col(w_none, "language"), "unknown");
    cr_assert_str_eq(s_worker_col(w_none, "employer_id"), "NULL");
    cr_assert_str_eq(s_worker_col(w_none, "employment_status"), "new_entrant");

    cr_assert_str_eq(s_worker_col(full->id, "gender"), "female");
    cr_assert_str_eq(s_worker_col(full->id, "age_band"), "35_44", "35 on 2026-03-01");
    cr_assert_str_eq(s_worker_col(full->id, "language"), "es");
    cr_assert_str_eq(s_worker_col(full->id, "employer_id"), acute);
    cr_assert_str_eq(s_worker_col(full->id, "employment_status"), "incumbent");
    cr_assert_str_eq(s_one("SELECT sector FROM employers WHERE id = ?1", acute), "acute");
    cr_assert_str_eq(s_one("SELECT name FROM employers WHERE id = ?1", ltc), "Oak Manor");
    cr_assert_eq(s_count("SELECT count(*) FROM workers", NULL), 6, "each worker in one row");

    /* A worker's groups are their current ones. */
    Hcap__UpdateWorkerRequest up = HCAP__UPDATE_WORKER_REQUEST__INIT;
    up.id = full->id;
    up.employer_id = ltc;
    up.race_ethnicity = (Hcap__RaceEthnicity *)asian_white;
    up.n_race_ethnicity = 2;
    up.has_employment_status = true;
    up.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_UNEMPLOYED;
    S_OK(s_enr, "UpdateWorker", up, NULL);
    s_sync();
    cr_assert_str_eq(s_worker_col(full->id, "employer_id"), ltc);
    cr_assert_str_eq(s_worker_col(full->id, "race_group"), "two_or_more");
    cr_assert_str_eq(s_worker_col(full->id, "employment_status"), "unemployed");
    cr_assert_str_eq(s_worker_col(full->id, "registered_status"), "incumbent",
                     "the status it was registered with stays");

    const char *identity[] = {"Marguerite",  "Vantongerloo", "EXT-99812", "1990-05-10",
                              "example.org", "555 0199",     "Philippa",  "Oduyaqz"};
    char path[128];
    for (size_t i = 0; i < sizeof identity / sizeof identity[0]; i++) {
        cr_assert_eq(s_cells_holding(identity[i]), 0, "%s is in the read model", identity[i]);
        snprintf(path, sizeof path, "%s/reporting.db", s_rep.dir);
        cr_assert_not(ht_file_holds(path, identity[i]), "%s is in reporting.db", identity[i]);
        snprintf(path, sizeof path, "%s/reporting.db-wal", s_rep.dir);
        cr_assert_not(ht_file_holds(path, identity[i]), "%s is in the WAL", identity[i]);
    }
    cr_assert_gt(s_cells_holding("Mercy General"), 0, "the scan finds what is there");

    /* Erasure keeps the groups and counts; only the identity goes. */
    Hcap__GetRequest erase = HCAP__GET_REQUEST__INIT;
    erase.id = full->id;
    S_OK(s_enr, "EraseWorker", erase, NULL);
    s_sync();
    cr_assert_str_eq(s_worker_col(full->id, "erased"), "1");
    cr_assert_str_eq(s_worker_col(full->id, "race_group"), "two_or_more");
    cr_assert_str_eq(s_worker_col(full->id, "gender"), "female");
}

/* --- enrollment steps, claims, employment --- */

#define S_STATUS(x) HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_##x

Test(reporting_project, enrollment_steps_claims_and_employment_are_facts_on_their_own_days)
{
    char *program =
        s_program("CNA-101", HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING, "CNA");
    char *cohort = s_cohort(program, 1);
    char *ana = s_worker(NULL, 0, NULL);
    char *ben = s_worker(NULL, 0, NULL);
    Hcap__Enrollment *e = s_enroll(ana, cohort);
    Hcap__Enrollment *waiting = s_enroll(ben, cohort);
    cr_assert_eq(waiting->status, S_STATUS(WAITLISTED));
    s_step(e->id, S_STATUS(ACTIVE), "2026-01-12");
    s_step(e->id, S_STATUS(COMPLETED), "2026-02-20");

    Hcap__SubmitTuitionClaimRequest claim = HCAP__SUBMIT_TUITION_CLAIM_REQUEST__INIT;
    claim.worker_id = ana;
    claim.institution = "City College";
    claim.amount_cents = 50000;
    Hcap__TuitionClaim *c = NULL;
    S_OK(s_enr, "SubmitTuitionClaim", claim, &c);
    Hcap__DecideTuitionClaimRequest decide = HCAP__DECIDE_TUITION_CLAIM_REQUEST__INIT;
    decide.id = c->id;
    decide.status = HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED;
    decide.date = "2026-02-01";
    S_OK(s_enr, "DecideTuitionClaim", decide, NULL);

    Hcap__RecordEmploymentRequest job = HCAP__RECORD_EMPLOYMENT_REQUEST__INIT;
    job.id = ana;
    job.kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT;
    job.effective_date = "2026-02-25";
    job.hourly_wage_cents = 2150;
    job.has_hourly_wage_cents = 1;
    Hcap__EmploymentRecord *r = NULL;
    S_OK(s_enr, "RecordEmployment", job, &r);
    s_sync();

    cr_assert_str_eq(s_fact_day(e->id, REP_FACT_ENROLLED), e->status_date);
    cr_assert_str_eq(s_fact_day(e->id, REP_FACT_ACTIVE), "2026-01-12");
    cr_assert_str_eq(s_fact_day(e->id, REP_FACT_COMPLETED), "2026-02-20");
    cr_assert_str_eq(s_fact_day(e->id, REP_FACT_WITHDRAWN), "<none>");
    cr_assert_str_eq(s_fact_col(e->id, REP_FACT_COMPLETED, "program"), "CNA-101");
    cr_assert_str_eq(s_fact_col(e->id, REP_FACT_COMPLETED, "program_kind"), "credential_training");
    cr_assert_str_eq(
        s_one("SELECT w.id FROM facts f JOIN workers w USING (wkey) WHERE f.entity = ?1", e->id),
        ana);
    cr_assert_eq(s_count("SELECT count(*) FROM facts WHERE entity = ?1", waiting->id), 0,
                 "waitlisted is not a step");
    cr_assert_str_eq(s_fact_day(c->id, REP_FACT_CLAIM_APPROVED), "2026-02-01");
    cr_assert_str_eq(s_fact_day(r->id, REP_FACT_PLACEMENT), "2026-02-25");
    cr_assert_str_eq(s_fact_col(r->id, REP_FACT_PLACEMENT, "wage_cents"), "2150");
    cr_assert_str_eq(s_one("SELECT kind || '/' || name || '/' || credential_code FROM programs "
                           "WHERE origin = 'enrollment' AND code = 'CNA-101'",
                           NULL),
                     "credential_training/Certified Nursing Assistant/CNA");

    /* The first day of a step stays: a later event naming it again does
       not move it. */
    Hcap__Enrollment again = *e;
    again.status = S_STATUS(ACTIVE);
    again.status_date = "2026-02-10";
    Hcap__Event *ev = s_event("enrollment", "enrollment.enrollment_status_changed.v1", &again.base);
    s_apply(rep_project_enrollment, &ev, 1, NULL, NULL);
    cr_assert_str_eq(s_fact_day(e->id, REP_FACT_ACTIVE), "2026-01-12");

    /* Withdrawing the waitlisted one is an exit step of its own. */
    s_step(waiting->id, S_STATUS(WITHDRAWN), "2026-02-21");
    s_sync();
    cr_assert_str_eq(s_fact_day(waiting->id, REP_FACT_WITHDRAWN), "2026-02-21");
    cr_assert_str_eq(s_fact_day(waiting->id, REP_FACT_ENROLLED), "<none>");
}

/* --- credentials --- */

static void s_credential_type(const char *code, uint32_t validity_months)
{
    Hcap__CreateCredentialTypeRequest req = HCAP__CREATE_CREDENTIAL_TYPE_REQUEST__INIT;
    req.code = (char *)code;
    req.name = "Certified Nursing Assistant";
    req.kind = HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_CERTIFICATION;
    req.issuer = "State Board";
    req.validity_months = validity_months;
    req.has_validity_months = validity_months > 0;
    S_OK(s_cred, "CreateCredentialType", req, NULL);
}

static Hcap__Credential *s_award(const char *worker, const char *code, const char *issued_on)
{
    Hcap__AwardCredentialRequest req = HCAP__AWARD_CREDENTIAL_REQUEST__INIT;
    req.worker_id = (char *)worker;
    req.credential_code = (char *)code;
    req.issued_on = (char *)issued_on;
    Hcap__Credential *c = NULL;
    S_OK(s_cred, "AwardCredential", req, &c);
    return c;
}

Test(reporting_project, credentials_count_until_revoked_and_expired_ones_stay)
{
    s_credential_type("CNA", 12);
    char *worker = s_worker(NULL, 0, NULL);
    Hcap__Credential *kept = s_award(worker, "CNA", ht_days_ago(10));
    Hcap__Credential *revoked = s_award("wkr_elsewhere", "CNA", ht_days_ago(20));
    Hcap__Credential *old = s_award(worker, "CNA", ht_days_ago(800));
    s_pump(&s_cred, rep_project_credentialing, &s_cred_seq);

    cr_assert_str_eq(s_fact_day(kept->id, REP_FACT_CREDENTIAL), ht_days_ago(10));
    cr_assert_str_eq(s_fact_col(kept->id, REP_FACT_CREDENTIAL, "credential"), "CNA");
    cr_assert_str_eq(s_fact_col(kept->id, REP_FACT_CREDENTIAL, "source"), "earned");
    cr_assert_str_eq(s_one("SELECT name FROM credential_types WHERE code = 'CNA'", NULL),
                     "Certified Nursing Assistant");
    /* A worker enrollment has not told about yet: a row with unknown
       groups, its key kept when the registration arrives. */
    cr_assert_str_eq(s_worker_col(worker, "race_group"), "unknown");
    const char *wkey = s_worker_col(worker, "wkey");
    s_pump(&s_enr, rep_project_enrollment, &s_enr_seq);
    cr_assert_str_eq(s_worker_col(worker, "wkey"), wkey);
    cr_assert_str_eq(s_worker_col(worker, "employment_status"), "new_entrant");
    cr_assert_str_eq(s_worker_col("wkr_elsewhere", "race_group"), "unknown");

    Hcap__RevokeCredentialRequest revoke = HCAP__REVOKE_CREDENTIAL_REQUEST__INIT;
    revoke.id = revoked->id;
    revoke.reason = "issued in error";
    S_OK(s_cred, "RevokeCredential", revoke, NULL);
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__SweepReply *swept = NULL;
    S_OK(s_cred, "SweepExpired", empty, &swept);
    cr_assert_eq(swept->expired, 1, "the 800-day-old award expired");
    s_pump(&s_cred, rep_project_credentialing, &s_cred_seq);

    cr_assert_str_eq(s_fact_day(revoked->id, REP_FACT_CREDENTIAL), "<none>", "revoked: gone");
    cr_assert_str_eq(s_fact_day(old->id, REP_FACT_CREDENTIAL), ht_days_ago(800),
                     "expired: still earned");
    cr_assert_str_eq(s_fact_day(kept->id, REP_FACT_CREDENTIAL), ht_days_ago(10));
}

/* --- apprenticeship --- */

static char *s_competencies[] = {"CHW-OUTREACH", "CHW-ADVOCACY"};

static Hcap__Apprentice *s_apprentice(const char *worker)
{
    Hcap__CreateApprenticeshipProgramRequest p = HCAP__CREATE_APPRENTICESHIP_PROGRAM_REQUEST__INIT;
    p.code = "CHW-APP";
    p.name = "Community Health Worker";
    p.occupation = "Community Health Worker";
    p.approach = HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_COMPETENCY_BASED;
    p.competencies = s_competencies;
    p.n_competencies = 2;
    p.completion_credential_code = "CHW-CERT";
    S_OK(s_appr, "CreateApprenticeshipProgram", p, NULL);
    Hcap__RegisterApprenticeRequest r = HCAP__REGISTER_APPRENTICE_REQUEST__INIT;
    r.worker_id = (char *)worker;
    r.program_code = "CHW-APP";
    r.employer_id = "emp_1";
    r.mentor = "Rosa Diaz";
    r.start_date = (char *)ht_days_ago(60);
    Hcap__Apprentice *a = NULL;
    S_OK(s_appr, "RegisterApprentice", r, &a);
    return a;
}

static void s_signoff(const char *apprentice, const char *competency, int days_ago)
{
    Hcap__SignOffRequest req = HCAP__SIGN_OFF_REQUEST__INIT;
    req.id = (char *)apprentice;
    req.competency = (char *)competency;
    req.signed_by = "Rosa Diaz";
    req.date = (char *)ht_days_ago(days_ago);
    S_OK(s_appr, "SignOff", req, NULL);
}

Test(reporting_project, apprentices_registration_signoffs_and_completion)
{
    Hcap__Apprentice *a = s_apprentice("wkr_app");
    s_signoff(a->id, "CHW-OUTREACH", 20);
    s_pump(&s_appr, rep_project_apprenticeship, &s_appr_seq);
    cr_assert_str_eq(s_one("SELECT status FROM apprentices WHERE id = ?1", a->id), "active");
    cr_assert_str_eq(s_one("SELECT start_date FROM apprentices WHERE id = ?1", a->id),
                     ht_days_ago(60));
    cr_assert_str_eq(s_fact_day(a->id, REP_FACT_APPR_REGISTERED), ht_days_ago(60));
    cr_assert_str_eq(s_fact_col(a->id, REP_FACT_APPR_REGISTERED, "program"), "CHW-APP");
    const char *outreach = hc_arena_printf(s_rep.arena, "%s/CHW-OUTREACH", a->id);
    cr_assert_str_eq(s_fact_day(outreach, REP_FACT_SIGNOFF), ht_days_ago(20));
    cr_assert_str_eq(s_fact_day(a->id, REP_FACT_APPR_COMPLETED), "<none>");

    s_signoff(a->id, "CHW-ADVOCACY", 5);
    s_pump(&s_appr, rep_project_apprenticeship, &s_appr_seq);
    cr_assert_str_eq(s_one("SELECT status FROM apprentices WHERE id = ?1", a->id), "completed");
    cr_assert_str_eq(s_one("SELECT completed_on FROM apprentices WHERE id = ?1", a->id),
                     ht_days_ago(5));
    cr_assert_str_eq(s_fact_day(a->id, REP_FACT_APPR_COMPLETED), ht_days_ago(5));
    cr_assert_str_eq(s_one("SELECT id || '/' || kind || '/' || credential_code FROM programs "
                           "WHERE origin = 'apprenticeship' AND code = 'CHW-APP'",
                           NULL),
                     "CHW-APP/apprenticeship/CHW-CERT");
    cr_assert_str_eq(s_worker_col("wkr_app", "gender"), "unknown",
                     "a worker seen first here has unknown groups");
    cr_assert_eq(s_cells_holding("Rosa Diaz"), 0, "mentors are people: not kept");
}

/* --- idempotency, refusals, resets --- */

/* A fund's worth of every kind of event in all three logs, applied. */
static void s_fund(void)
{
    char *acute = s_employer("Mercy General", HCAP__SECTOR__SECTOR_ACUTE);
    const Hcap__RaceEthnicity black[] = {S_RACE(BLACK)};
    char *worker = s_worker(black, 1, acute);
    char *program =
        s_program("CNA-101", HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING, "CNA");
    Hcap__Enrollment *e = s_enroll(worker, s_cohort(program, 5));
    s_step(e->id, S_STATUS(ACTIVE), "2026-01-12");
    s_credential_type("CNA", 0);
    s_award(worker, "CNA", "2026-02-01");
    Hcap__Apprentice *a = s_apprentice(worker);
    s_signoff(a->id, "CHW-OUTREACH", 3);
    s_sync();
}

Test(reporting_project, a_redelivered_batch_changes_nothing)
{
    s_fund();
    char *before = s_dump();
    cr_assert_gt(s_count("SELECT count(*) FROM facts", NULL), 4);
    s_batch enr = s_events(&s_enr, 0), cred = s_events(&s_cred, 0), appr = s_events(&s_appr, 0);
    s_apply(rep_project_enrollment, enr.items, enr.count, NULL, NULL);
    s_apply(rep_project_credentialing, cred.items, cred.count, NULL, NULL);
    s_apply(rep_project_apprenticeship, appr.items, appr.count, NULL, NULL);
    cr_assert_str_eq(s_dump(), before);
}

/* Applies one event alone; returns its code, err its error. */
static int s_apply_one(hc_follower_apply_fn *apply, Hcap__Event *event, hc_error *err)
{
    int rc = HC_OK;
    s_apply(apply, &event, 1, &rc, err);
    return rc;
}

Test(reporting_project, unknown_types_and_corrupt_bodies_are_refused_naming_them)
{
    Hcap__Worker w = HCAP__WORKER__INIT;
    w.id = "wkr_v2";
    hc_error err;
    Hcap__Event *v2 = s_event("enrollment", "enrollment.worker_registered.v2", &w.base);
    cr_assert_neq(s_apply_one(rep_project_enrollment, v2, &err), HC_OK);
    cr_assert(strstr(err.message, "enrollment.worker_registered.v2"), "%s", err.message);
    cr_assert_null(s_worker_col("wkr_v2", "id"), "nothing of it was written");

    struct {
        hc_follower_apply_fn *apply;
        const char *source, *type;
    } logs[] = {
        {rep_project_enrollment, "enrollment", "enrollment.worker_registered.v1"},
        {rep_project_credentialing, "credentialing", "credentialing.credential_awarded.v1"},
        {rep_project_apprenticeship, "apprenticeship", "apprenticeship.apprentice_completed.v1"},
    };
    for (size_t i = 0; i < 3; i++) {
        Hcap__Event *bad = s_event(logs[i].source, logs[i].type, &w.base);
        bad->body.data = (uint8_t *)"\xff\xff\xff";
        bad->body.len = 3;
        cr_assert_neq(s_apply_one(logs[i].apply, bad, &err), HC_OK, "%s", logs[i].type);
        cr_assert(strstr(err.message, logs[i].type), "%s", err.message);
        Hcap__Event *other = s_event(logs[i].source, "reporting.grant_created.v1", &w.base);
        cr_assert_neq(s_apply_one(logs[i].apply, other, &err), HC_OK, "another log's type");
    }

    /* Types known and not needed apply as nothing. */
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__Event *cohort = s_event("enrollment", "enrollment.cohort_created.v1", &empty.base);
    cr_assert_eq(s_apply_one(rep_project_enrollment, cohort, &err), HC_OK);
    Hcap__Event *ladder = s_event("credentialing", "credentialing.ladder_created.v1", &empty.base);
    cr_assert_eq(s_apply_one(rep_project_credentialing, ladder, &err), HC_OK);

    /* A step of a program the model does not hold, or without its date. */
    Hcap__Enrollment e = HCAP__ENROLLMENT__INIT;
    e.id = "enr_x";
    e.worker_id = "wkr_x";
    e.cohort_id = "coh_x";
    e.program_id = "prg_missing";
    e.status = S_STATUS(ENROLLED);
    e.status_date = "2026-01-05";
    Hcap__Event *orphan = s_event("enrollment", "enrollment.enrollment_created.v1", &e.base);
    cr_assert_eq(s_apply_one(rep_project_enrollment, orphan, &err), HC_NOT_FOUND);
    cr_assert_str_eq(err.field, "program_id");
    e.status_date = NULL;
    Hcap__Event *undated = s_event("enrollment", "enrollment.enrollment_created.v1", &e.base);
    cr_assert_eq(s_apply_one(rep_project_enrollment, undated, &err), HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "status_date");
    cr_assert_eq(s_count("SELECT count(*) FROM facts", NULL), 0);
}

static void s_reset(const char *source)
{
    hc_store *store = hc_service_store(s_rep.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_assert_eq(rep_project_reset(hc_service_state(s_rep.svc), store, source, &err), HC_OK, "%s",
                 err.message);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
}

static int s_facts_of(int low, int high)
{
    char sql[100];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM facts WHERE kind BETWEEN %d AND %d", low, high);
    return s_count(sql, NULL);
}

Test(reporting_project, a_reset_removes_only_what_that_log_derived)
{
    s_fund();
    int enrollment = s_facts_of(1, 5), appr = s_facts_of(20, 22);
    cr_assert_eq(enrollment, 2, "enrolled and active");
    cr_assert_eq(s_facts_of(10, 10), 1);
    cr_assert_eq(appr, 2, "registered and one sign-off");

    s_reset("local/credentialing");
    cr_assert_eq(s_facts_of(10, 10), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM credential_types", NULL), 0);
    cr_assert_eq(s_facts_of(1, 5), enrollment);
    cr_assert_eq(s_facts_of(20, 22), appr);
    cr_assert_eq(s_count("SELECT count(*) FROM apprentices", NULL), 1);
    cr_assert_eq(s_count("SELECT count(*) FROM programs", NULL), 2);
    cr_assert_eq(s_count("SELECT count(*) FROM employers", NULL), 1);
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE race_group = 'black'", NULL), 1);

    s_reset("local/apprenticeship");
    cr_assert_eq(s_facts_of(20, 22), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM apprentices", NULL), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM programs WHERE origin = 'apprenticeship'", NULL), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM programs WHERE origin = 'enrollment'", NULL), 1);
    cr_assert_eq(s_facts_of(1, 5), enrollment);
    cr_assert_eq(s_count("SELECT count(*) FROM employers", NULL), 1);
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE race_group = 'black'", NULL), 1);

    s_reset("enrollment");
    cr_assert_eq(s_facts_of(1, 5), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM programs", NULL), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM employers", NULL), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE race_group != 'unknown' OR "
                         "employer_id IS NOT NULL OR employment_status != 'unknown'",
                         NULL),
                 0, "groups back to unknown");

    /* Replaying the three logs builds the same model again. */
    s_enr_seq = s_cred_seq = s_appr_seq = 0;
    s_sync();
    cr_assert_eq(s_facts_of(1, 5), enrollment);
    cr_assert_eq(s_facts_of(20, 22), appr);
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE race_group = 'black'", NULL), 1);

    hc_store *store = hc_service_store(s_rep.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_assert_neq(rep_project_reset(NULL, store, "local/payroll", &err), HC_OK);
    hc_store_rollback(store);
}

Test(reporting_project, rebuild_clears_the_whole_read_model)
{
    s_fund();
    cr_assert_gt(s_count("SELECT count(*) FROM credential_types", NULL), 0);
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    S_OK(s_rep, "Rebuild", empty, NULL);
    cr_assert_str_eq(s_dump(), "", "nothing derived is left");
}

/* --- the rate --- */

/* Synthetic events of a large fund: a registration, an enrollment and two
   steps per worker, applied in follower-sized batches of 256. */
Test(reporting_project, projects_thousands_of_events_a_second)
{
    enum { WORKERS = 4000, BATCH = 256 };
    hc_arena *arena = hc_arena_new();
    Hcap__Event **events = hc_arena_alloc(arena, 4 * WORKERS * sizeof *events);
    size_t n = 0;
    Hcap__Program p = HCAP__PROGRAM__INIT;
    p.id = "prg_1";
    p.code = "CNA-101";
    p.name = "CNA";
    p.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING;
    Hcap__Event *program = s_event("enrollment", "enrollment.program_created.v1", &p.base);
    s_apply(rep_project_enrollment, &program, 1, NULL, NULL);
    const Hcap__RaceEthnicity asian[] = {S_RACE(ASIAN)};
    for (int i = 0; i < WORKERS; i++) {
        Hcap__Worker w = HCAP__WORKER__INIT;
        w.id = hc_arena_printf(arena, "wkr_%06d", i);
        w.birth_date = "1985-04-02";
        w.race_ethnicity = (Hcap__RaceEthnicity *)asian;
        w.n_race_ethnicity = 1;
        events[n++] = s_event("enrollment", "enrollment.worker_registered.v1", &w.base);
        Hcap__Enrollment e = HCAP__ENROLLMENT__INIT;
        e.id = hc_arena_printf(arena, "enr_%06d", i);
        e.worker_id = w.id;
        e.cohort_id = "coh_1";
        e.program_id = "prg_1";
        const int steps[] = {S_STATUS(ENROLLED), S_STATUS(ACTIVE), S_STATUS(COMPLETED)};
        for (int s = 0; s < 3; s++) {
            e.status = steps[s];
            e.status_date = "2026-01-05";
            events[n++] = s_event("enrollment", "enrollment.enrollment_status_changed.v1", &e.base);
        }
    }
    int64_t start = hc_clock_ms();
    for (size_t at = 0; at < n; at += BATCH)
        s_apply(rep_project_enrollment, events + at, n - at < BATCH ? n - at : BATCH, NULL, NULL);
    int64_t ms = hc_clock_ms() - start;
    double rate = (double)n * 1000.0 / (double)(ms > 0 ? ms : 1);
    cr_log_info("projected %zu events in %lld ms: %.0f events/s", n, (long long)ms, rate);
    cr_assert_eq(s_facts_of(REP_FACT_COMPLETED, REP_FACT_COMPLETED), WORKERS);
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE age_band = '35_44'", NULL), WORKERS,
                 "40 on 2026-03-01");
    cr_assert_gt(rate, 1000.0, "%.0f events/s", rate);
    hc_arena_destroy(&arena);
}
