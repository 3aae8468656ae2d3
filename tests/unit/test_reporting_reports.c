/* Tests of reporting's grants and reports through an in-process service
   whose read model is filled with plain SQL: a small hand-made fund whose
   every figure is worked out by hand below (docs/indicators.md), each
   metric and filter, period edges, placements within 90 days, outcomes
   per dimension, the apprenticeship report, the indicators with their
   maturity rules and median, analyst suppression (also of the suppression
   functions directly) and the errors of every request, naming fields. */
#include <criterion/criterion.h>
#include <string.h>
#include "ht_data.h"
#include "ht_local.h"
#include "hc_msg.h"
#include "hc_query.h"
#include "credentialing.pb-c.h"
#include "reporting_server.h"
#include "reporting_suppress.h"

#define S_PART      HCAP__METRIC__METRIC_PARTICIPANTS
#define S_COMP      HCAP__METRIC__METRIC_COMPLETIONS
#define S_CRED      HCAP__METRIC__METRIC_CREDENTIALS
#define S_APPR      HCAP__METRIC__METRIC_APPRENTICES
#define S_APPR_DONE HCAP__METRIC__METRIC_APPRENTICES_COMPLETED
#define S_TUITION   HCAP__METRIC__METRIC_TUITION_REIMBURSEMENTS
#define S_PLACE     HCAP__METRIC__METRIC_PLACEMENTS
#define S_RATE      HCAP__METRIC__METRIC_PLACEMENT_RATE
#define S_HIDDEN    (-1)
#define S_EPS       1e-9

static ht_local s_local;

static void s_setup(void)
{
    ht_local_open(&s_local, &rep_service);
}

static void s_teardown(void)
{
    ht_local_close(&s_local);
}

TestSuite(reporting_reports, .init = s_setup, .fini = s_teardown, .timeout = 120);

#define S_OK(method, in, out)            ht_local_ok(&s_local, method, &(in).base, out)
#define S_FAILS(method, in, code, field) ht_local_fails(&s_local, method, &(in).base, code, field)

static void s_sql(const char *sql)
{
    hc_error err;
    cr_assert_eq(hc_store_exec(hc_service_store(s_local.svc), sql, &err), HC_OK, "%s: %s",
                 err.message, sql);
}

/* Runs method as a principal of role; the reply in *out_p. */
static int s_call_as(Hcap__Role role, const char *method, const ProtobufCMessage *in, void *out_p)
{
    Hcap__Principal who = HCAP__PRINCIPAL__INIT;
    who.name = "someone";
    who.role = role;
    ProtobufCMessage *out = NULL;
    int rc = hc_service_invoke(s_local.svc, method, in, &who, s_local.arena, &out, &s_local.err);
    cr_assert_eq(rc, HC_OK, "%s: %s", method, s_local.err.message);
    *(ProtobufCMessage **)out_p = out;
    return rc;
}

/* --- the fund ---

   Employers emp_a "Acme Hospital" (acute) and emp_b "Bay Clinic"
   (community_clinic). Enrollment programs CNA (credential_training,
   CNA-CERT), EHR (continuing_education), RN (no events); apprenticeship
   CHW-APP (completion credential CHW-CERT).

   worker  race             gender     age       lang  employer status
   w1 (1)  hispanic_latino  female     25_34     es    emp_a    incumbent
   w2 (2)  black            female     35_44     en    emp_a    new_entrant
   w3 (3)  white            male       under_25  en    emp_b    unemployed
   w4 (4)  two_or_more      nonbinary  45_54     en    -        unemployed
   w5 (5)  asian            female     25_34     zh    emp_b    incumbent
   w6 (6)  (never registered: every group unknown)
   w7 (7)  declined         male       55_64     en    emp_a    incumbent

   Facts (2024 is the grant period):
   w1  enr1 CNA enrolled 2023-12-31, active 2024-01-01 (first day),
       completed 2024-03-01; enr6 EHR enrolled 2024-04-01; CNA-CERT
       earned 2024-04-01; CHW-APP registered 2024-05-01 (cancelled);
       placement 2024-11-01; claims approved 2024-03-03, paid 2024-04-04
   w2  enr2 CNA enrolled 2024-12-31 (last day); BLS transfer 2024-05-05;
       CHW-APP registered 2024-02-15, completed 2025-01-10; promotion
       2024-06-01; placement 2025-01-20 (10 days after completing)
   w3  enr3 EHR enrolled 2025-01-01 (after); BLS earned 2023-12-31
       (before); CHW-APP registered 2024-02-01, completed 2024-07-01;
       placement 2024-09-30 (day 91 after completing)
   w4  enr4 EHR enrolled 2024-02-01, active 2024-02-10, withdrawn
       2024-05-01; CHW-APP registered 2024-03-01 (active); claim paid
       2024-12-31
   w5  enr5 CNA enrolled 2024-06-01, active 2024-06-02, completed
       2024-09-30; CNA-CERT earned 2024-10-15; CHW-APP registered
       2023-06-01 (suspended); claim approved 2025-01-01 (after)
   w6  placement 2024-07-07
   w7  CHW-CERT (apprenticeship) 2024-08-01; CHW-APP registered
       2024-01-15, completed 2024-06-30; placement 2024-09-28 (day 90)

   Distinct workers with a fact in 2024:
   participation w1 w2 w4 w5 (4); completion w1 w5 (2); credential
   w1 w2 w5 w7 (4); registration w1 w2 w3 w4 w7 (5); apprenticeship
   completion w3 w7 (2); placement w1 w3 w6 w7 (4); tuition w1 w4 (2). */
static const char s_fund_sql[] =
    "INSERT INTO employers VALUES ('emp_a', 'Acme Hospital', 'acute'),"
    " ('emp_b', 'Bay Clinic', 'community_clinic');"
    "INSERT INTO programs VALUES"
    " ('enrollment', 'CNA', 'prg_cna', 'Nursing Assistant', 'credential_training', 'CNA-CERT'),"
    " ('enrollment', 'EHR', 'prg_ehr', 'EHR Training', 'continuing_education', NULL),"
    " ('enrollment', 'RN', 'prg_rn', 'Registered Nurse', 'credential_training', 'RN-LIC'),"
    " ('apprenticeship', 'CHW-APP', 'CHW-APP', 'CHW Apprenticeship', 'apprenticeship',"
    " 'CHW-CERT');"
    "INSERT INTO credential_types VALUES ('CNA-CERT', 'CNA'), ('CHW-CERT', 'CHW'),"
    " ('BLS', 'Basic Life Support'), ('RN-LIC', 'RN');"
    "INSERT INTO workers (wkey, id, race_group, gender, age_band, language, employer_id,"
    " employment_status) VALUES"
    " (1, 'w1', 'hispanic_latino', 'female', '25_34', 'es', 'emp_a', 'incumbent'),"
    " (2, 'w2', 'black', 'female', '35_44', 'en', 'emp_a', 'new_entrant'),"
    " (3, 'w3', 'white', 'male', 'under_25', 'en', 'emp_b', 'unemployed'),"
    " (4, 'w4', 'two_or_more', 'nonbinary', '45_54', 'en', NULL, 'unemployed'),"
    " (5, 'w5', 'asian', 'female', '25_34', 'zh', 'emp_b', 'incumbent'),"
    " (7, 'w7', 'declined', 'male', '55_64', 'en', 'emp_a', 'incumbent');"
    "INSERT INTO workers (wkey, id) VALUES (6, 'w6');"
    "INSERT INTO facts (entity, kind, wkey, day, program, program_kind) VALUES"
    " ('enr1', 1, 1, '2023-12-31', 'CNA', 'credential_training'),"
    " ('enr1', 2, 1, '2024-01-01', 'CNA', 'credential_training'),"
    " ('enr1', 3, 1, '2024-03-01', 'CNA', 'credential_training'),"
    " ('enr2', 1, 2, '2024-12-31', 'CNA', 'credential_training'),"
    " ('enr3', 1, 3, '2025-01-01', 'EHR', 'continuing_education'),"
    " ('enr4', 1, 4, '2024-02-01', 'EHR', 'continuing_education'),"
    " ('enr4', 2, 4, '2024-02-10', 'EHR', 'continuing_education'),"
    " ('enr4', 4, 4, '2024-05-01', 'EHR', 'continuing_education'),"
    " ('enr5', 1, 5, '2024-06-01', 'CNA', 'credential_training'),"
    " ('enr5', 2, 5, '2024-06-02', 'CNA', 'credential_training'),"
    " ('enr5', 3, 5, '2024-09-30', 'CNA', 'credential_training'),"
    " ('enr6', 1, 1, '2024-04-01', 'EHR', 'continuing_education');"
    "INSERT INTO facts (entity, kind, wkey, day, credential, source) VALUES"
    " ('crd1', 10, 1, '2024-04-01', 'CNA-CERT', 'earned'),"
    " ('crd2', 10, 5, '2024-10-15', 'CNA-CERT', 'earned'),"
    " ('crd3', 10, 2, '2024-05-05', 'BLS', 'transfer'),"
    " ('crd4', 10, 3, '2023-12-31', 'BLS', 'earned'),"
    " ('crd6', 10, 7, '2024-08-01', 'CHW-CERT', 'apprenticeship');"
    "INSERT INTO facts (entity, kind, wkey, day, program) VALUES"
    " ('app1', 20, 7, '2024-01-15', 'CHW-APP'), ('app1', 21, 7, '2024-06-30', 'CHW-APP'),"
    " ('app2', 20, 3, '2024-02-01', 'CHW-APP'), ('app2', 21, 3, '2024-07-01', 'CHW-APP'),"
    " ('app3', 20, 4, '2024-03-01', 'CHW-APP'), ('app4', 20, 5, '2023-06-01', 'CHW-APP'),"
    " ('app5', 20, 1, '2024-05-01', 'CHW-APP'),"
    " ('app6', 20, 2, '2024-02-15', 'CHW-APP'), ('app6', 21, 2, '2025-01-10', 'CHW-APP');"
    "INSERT INTO apprentices (id, wkey, program, start_date, status, status_date, completed_on)"
    " VALUES ('app1', 7, 'CHW-APP', '2024-01-15', 'completed', '2024-06-30', '2024-06-30'),"
    " ('app2', 3, 'CHW-APP', '2024-02-01', 'completed', '2024-07-01', '2024-07-01'),"
    " ('app3', 4, 'CHW-APP', '2024-03-01', 'active', NULL, NULL),"
    " ('app4', 5, 'CHW-APP', '2023-06-01', 'suspended', '2023-09-01', NULL),"
    " ('app5', 1, 'CHW-APP', '2024-05-01', 'cancelled', '2024-06-01', NULL),"
    " ('app6', 2, 'CHW-APP', '2024-02-15', 'completed', '2025-01-10', '2025-01-10');"
    "INSERT INTO facts (entity, kind, wkey, day, wage_cents) VALUES"
    " ('emr1', 40, 7, '2024-09-28', 2300), ('emr2', 40, 3, '2024-09-30', 2100),"
    " ('emr3', 40, 1, '2024-11-01', 2500), ('emr4', 41, 2, '2024-06-01', 2600),"
    " ('emr5', 40, 2, '2025-01-20', 2400), ('emr6', 40, 6, '2024-07-07', NULL),"
    " ('clm1', 30, 1, '2024-03-03', NULL), ('clm2', 31, 1, '2024-04-04', NULL),"
    " ('clm3', 31, 4, '2024-12-31', NULL), ('clm4', 30, 5, '2025-01-01', NULL);";

static void s_fund(void)
{
    s_sql(s_fund_sql);
}

/* n workers from wkey first on, of gender, with no other group. */
static void s_bulk_workers(int first, int n, const char *gender)
{
    s_sql(ht_fmt("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < %d)"
                 " INSERT INTO workers (wkey, id, gender) SELECT %d + i, 'b' || (%d + i), '%s'"
                 " FROM n;",
                 n, first, first, gender));
}

/* A fact of kind on day for workers first..first+n-1, in program CNA (a
   credential: CNA-CERT, earned). */
static void s_bulk_facts(int first, int n, int kind, const char *day, const char *program)
{
    s_sql(ht_fmt("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < %d)"
                 " INSERT INTO facts (entity, kind, wkey, day, program, program_kind, credential,"
                 " source) SELECT 'f%d-%s-' || (%d + i), %d, %d + i, '%s', '%s',"
                 " 'credential_training', 'CNA-CERT', 'earned' FROM n;",
                 n, kind, program, first, kind, first, day, program));
}

/* --- grants --- */

static char *s_cna[] = {"CNA"};
static char *s_ehr[] = {"EHR"};
static char *s_chw[] = {"CHW-APP"};
static char *s_cna_cert[] = {"CNA-CERT"};
static char *s_bls[] = {"BLS"};
static char *s_unknown[] = {"NOPE"};
static Hcap__ProgramKind s_training[] = {HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING};
static Hcap__ProgramKind s_continuing[] = {HCAP__PROGRAM_KIND__PROGRAM_KIND_CONTINUING_EDUCATION};
static Hcap__CredentialSource s_transfer[] = {HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_TRANSFER};
static Hcap__CredentialSource s_earned[] = {HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_EARNED};

static Hcap__Deliverable *s_deliv(const char *code, Hcap__Metric metric, double target)
{
    Hcap__Deliverable *d =
        (Hcap__Deliverable *)hc_arena_message(s_local.arena, &hcap__deliverable__descriptor);
    d->code = (char *)code;
    d->name = (char *)code;
    d->metric = metric;
    d->target = target;
    return d;
}

static Hcap__DeliverableFilter *s_filter(Hcap__Deliverable *d)
{
    if (!d->filter)
        d->filter = (Hcap__DeliverableFilter *)hc_arena_message(
            s_local.arena, &hcap__deliverable_filter__descriptor);
    return d->filter;
}

static Hcap__CreateGrantRequest s_grant_req(const char *code, const char *start, const char *end,
                                            Hcap__Deliverable **items, size_t n)
{
    Hcap__CreateGrantRequest req = HCAP__CREATE_GRANT_REQUEST__INIT;
    req.code = (char *)code;
    req.name = "Healthcare Careers 2024";
    req.start_date = (char *)start;
    req.end_date = (char *)end;
    req.deliverables = items;
    req.n_deliverables = n;
    req.funder = "State Workforce Board";
    return req;
}

/* A grant of one deliverable. */
static void s_grant_one(const char *code, const char *start, const char *end, Hcap__Deliverable *d)
{
    Hcap__CreateGrantRequest req = s_grant_req(code, start, end, &d, 1);
    S_OK("CreateGrant", req, NULL);
}

static Hcap__GrantReport *s_report(const char *code)
{
    Hcap__GetRequest req = HCAP__GET_REQUEST__INIT;
    req.id = (char *)code;
    Hcap__GrantReport *r = NULL;
    S_OK("GetGrantReport", req, &r);
    return r;
}

static Hcap__DeliverableReport *s_find(const Hcap__GrantReport *r, const char *code)
{
    for (size_t i = 0; i < r->n_deliverables; i++)
        if (strcmp(r->deliverables[i]->code, code) == 0)
            return r->deliverables[i];
    cr_assert_fail("no deliverable %s", code);
    return NULL;
}

/* The 2024 grant: every metric and filter over the fund. */
static void s_grant_2024(void)
{
    Hcap__Deliverable *d[16];
    size_t n = 0;
    d[n++] = s_deliv("PART", S_PART, 8);
    d[n] = s_deliv("PART-CT", S_PART, 3);
    s_filter(d[n])->program_kinds = s_training;
    s_filter(d[n++])->n_program_kinds = 1;
    d[n] = s_deliv("PART-EHR", S_PART, 4);
    s_filter(d[n])->program_codes = s_ehr;
    s_filter(d[n++])->n_program_codes = 1;
    d[n] = s_deliv("PART-NONE", S_PART, 1);
    s_filter(d[n])->program_kinds = s_continuing;
    s_filter(d[n])->n_program_kinds = 1;
    s_filter(d[n])->program_codes = s_cna;
    s_filter(d[n++])->n_program_codes = 1;
    d[n++] = s_deliv("COMP", S_COMP, 4);
    d[n] = s_deliv("COMP-EHR", S_COMP, 1);
    s_filter(d[n])->program_codes = s_ehr;
    s_filter(d[n++])->n_program_codes = 1;
    d[n++] = s_deliv("CRED", S_CRED, 4);
    d[n] = s_deliv("CRED-CNA", S_CRED, 3);
    s_filter(d[n])->credential_codes = s_cna_cert;
    s_filter(d[n++])->n_credential_codes = 1;
    d[n] = s_deliv("CRED-TR", S_CRED, 1);
    s_filter(d[n])->sources = s_transfer;
    s_filter(d[n++])->n_sources = 1;
    d[n] = s_deliv("CRED-BLS-E", S_CRED, 1);
    s_filter(d[n])->credential_codes = s_bls;
    s_filter(d[n])->n_credential_codes = 1;
    s_filter(d[n])->sources = s_earned;
    s_filter(d[n++])->n_sources = 1;
    d[n] = s_deliv("APPR", S_APPR, 10);
    s_filter(d[n])->program_codes = s_chw;
    s_filter(d[n++])->n_program_codes = 1;
    d[n++] = s_deliv("APPR-DONE", S_APPR_DONE, 2);
    d[n++] = s_deliv("TUIT", S_TUITION, 3);
    d[n++] = s_deliv("PLACE", S_PLACE, 4);
    d[n++] = s_deliv("RATE", S_RATE, 80);
    Hcap__CreateGrantRequest req = s_grant_req("HC-2024", "2024-01-01", "2024-12-31", d, n);
    S_OK("CreateGrant", req, NULL);
}

static void s_actual_is(const Hcap__GrantReport *r, const char *code, double actual, double pct,
                        bool on_pace)
{
    Hcap__DeliverableReport *d = s_find(r, code);
    cr_assert(d->has_actual && d->has_pct_of_target && d->has_on_pace, "%s has figures", code);
    cr_assert_float_eq(d->actual, actual, S_EPS, "%s actual %g, not %g", code, d->actual, actual);
    cr_assert_float_eq(d->pct_of_target, pct, S_EPS, "%s pct %g, not %g", code, d->pct_of_target,
                       pct);
    cr_assert_eq(d->on_pace, on_pace, "%s on_pace", code);
    cr_assert_not(d->has_suppressed && d->suppressed, "%s not suppressed", code);
}

typedef struct {
    int grants;
    const char *subject;
} s_tally;

static void s_count_grants(void *arg, uint64_t seq, const char *type, const char *subject,
                           const uint8_t *body, size_t size)
{
    (void)seq;
    s_tally *t = arg;
    if (strcmp(type, REP_EV_GRANT) != 0)
        return;
    Hcap__Grant *g =
        (Hcap__Grant *)hc_msg_unpack(&hcap__grant__descriptor, body, size, s_local.arena);
    cr_assert_not_null(g);
    cr_assert_str_eq(g->code, subject);
    cr_assert_eq(g->n_deliverables, 1);
    t->grants++;
    t->subject = hc_arena_strdup(s_local.arena, subject);
}

Test(reporting_reports, create_grant_returns_it_with_created_at_and_logs_it)
{
    s_fund();
    Hcap__Deliverable *d = s_deliv("CNA-PART", S_PART, 100);
    s_filter(d)->program_codes = s_cna;
    s_filter(d)->n_program_codes = 1;
    Hcap__CreateGrantRequest req = s_grant_req("HC-2024", "2024-01-01", "2024-12-31", &d, 1);
    Hcap__Grant *g = NULL;
    S_OK("CreateGrant", req, &g);
    cr_assert_str_eq(g->code, "HC-2024");
    cr_assert_str_eq(g->funder, "State Workforce Board");
    cr_assert(g->created_at && strlen(g->created_at) == 24, "an RFC 3339 created_at");
    cr_assert_eq(g->n_deliverables, 1);
    cr_assert_str_eq(g->deliverables[0]->filter->program_codes[0], "CNA");

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "HC-2024";
    Hcap__Grant *read = NULL;
    S_OK("GetGrant", get, &read);
    cr_assert_str_eq(read->name, "Healthcare Careers 2024");
    cr_assert_str_eq(read->created_at, g->created_at);
    cr_assert_str_eq(read->deliverables[0]->code, "CNA-PART");

    s_tally t = {0, NULL};
    hc_error err;
    cr_assert_eq(hc_query_events_each(hc_service_store(s_local.svc), s_count_grants, &t, &err),
                 HC_OK);
    cr_assert_eq(t.grants, 1, "one grant event");
    cr_assert_str_eq(t.subject, "HC-2024");

    get.id = "HC-1999";
    S_FAILS("GetGrant", get, HC_NOT_FOUND, "id");
    S_FAILS("GetGrantReport", get, HC_NOT_FOUND, "id");
}

Test(reporting_reports, a_taken_grant_code_is_409_and_lists_page_by_code)
{
    s_fund();
    s_grant_one("B", "2024-01-01", "2024-12-31", s_deliv("P", S_PART, 1));
    s_grant_one("A", "2024-01-01", "2024-12-31", s_deliv("P", S_PART, 1));
    s_grant_one("C", "2024-01-01", "2024-12-31", s_deliv("P", S_PART, 1));
    Hcap__Deliverable *d = s_deliv("P", S_PART, 1);
    Hcap__CreateGrantRequest again = s_grant_req("B", "2025-01-01", "2025-12-31", &d, 1);
    S_FAILS("CreateGrant", again, HC_ALREADY_EXISTS, "code");

    Hcap__ListRequest list = HCAP__LIST_REQUEST__INIT;
    list.has_limit = 1;
    list.limit = 2;
    Hcap__GrantList *page = NULL;
    S_OK("ListGrants", list, &page);
    cr_assert_eq(page->n_items, 2);
    cr_assert_str_eq(page->items[0]->code, "A");
    cr_assert_str_eq(page->items[1]->code, "B");
    cr_assert_str_eq(page->next, "B");
    list.after = page->next;
    S_OK("ListGrants", list, &page);
    cr_assert_eq(page->n_items, 1);
    cr_assert_str_eq(page->items[0]->code, "C");
    cr_assert_null(page->next);
    list.limit = 0;
    S_FAILS("ListGrants", list, HC_INVALID_ARGUMENT, "limit");
}

/* Asserts a grant of the one deliverable d fails with code naming field. */
static void s_grant_fails(Hcap__Deliverable *d, int code, const char *field)
{
    Hcap__Deliverable *items[] = {s_deliv("OK", S_PART, 1), d};
    Hcap__CreateGrantRequest req = s_grant_req("BAD", "2024-01-01", "2024-12-31", items, 2);
    S_FAILS("CreateGrant", req, code, field);
}

Test(reporting_reports, grant_validation_names_the_field)
{
    s_fund();
    Hcap__Deliverable *one = s_deliv("P", S_PART, 1);
    Hcap__CreateGrantRequest req = s_grant_req("", "2024-01-01", "2024-12-31", &one, 1);
    S_FAILS("CreateGrant", req, HC_INVALID_ARGUMENT, "code");
    req = s_grant_req("G", "2024-01-01", "2024-12-31", &one, 1);
    req.name = "";
    S_FAILS("CreateGrant", req, HC_INVALID_ARGUMENT, "name");
    req = s_grant_req("G", "", "2024-12-31", &one, 1);
    S_FAILS("CreateGrant", req, HC_INVALID_ARGUMENT, "start_date");
    req = s_grant_req("G", "2024-02-30", "2024-12-31", &one, 1);
    S_FAILS("CreateGrant", req, HC_INVALID_ARGUMENT, "start_date");
    req = s_grant_req("G", "2024-01-01", "2024-13-01", &one, 1);
    S_FAILS("CreateGrant", req, HC_INVALID_ARGUMENT, "end_date");
    req = s_grant_req("G", "2024-01-01", "2023-12-31", &one, 1);
    S_FAILS("CreateGrant", req, HC_INVALID_ARGUMENT, "end_date");
    req = s_grant_req("G", "2024-01-01", "2024-01-01", NULL, 0);
    S_FAILS("CreateGrant", req, HC_INVALID_ARGUMENT, "deliverables");

    s_grant_fails(s_deliv("", S_PART, 1), HC_INVALID_ARGUMENT, "deliverables[1].code");
    s_grant_fails(s_deliv("OK", S_PART, 1), HC_INVALID_ARGUMENT, "deliverables[1].code");
    Hcap__Deliverable *three[] = {s_deliv("A", S_PART, 1), s_deliv("B", S_PART, 1),
                                  s_deliv("A", S_COMP, 1)};
    req = s_grant_req("G", "2024-01-01", "2024-12-31", three, 3);
    S_FAILS("CreateGrant", req, HC_INVALID_ARGUMENT, "deliverables[2].code");
    Hcap__Deliverable *nameless = s_deliv("N", S_PART, 1);
    nameless->name = "";
    s_grant_fails(nameless, HC_INVALID_ARGUMENT, "deliverables[1].name");
    s_grant_fails(s_deliv("M", HCAP__METRIC__METRIC_UNSPECIFIED, 1), HC_INVALID_ARGUMENT,
                  "deliverables[1].metric");
    s_grant_fails(s_deliv("M", (Hcap__Metric)99, 1), HC_INVALID_ARGUMENT, "deliverables[1].metric");
    s_grant_fails(s_deliv("T", S_PART, 0), HC_INVALID_ARGUMENT, "deliverables[1].target");
    s_grant_fails(s_deliv("T", S_PLACE, -3), HC_INVALID_ARGUMENT, "deliverables[1].target");
    s_grant_fails(s_deliv("T", S_RATE, 100.5), HC_INVALID_ARGUMENT, "deliverables[1].target");

    Hcap__Deliverable *d = s_deliv("F", S_CRED, 1);
    s_filter(d)->program_codes = s_cna;
    s_filter(d)->n_program_codes = 1;
    s_grant_fails(d, HC_INVALID_ARGUMENT, "deliverables[1].filter.program_codes");
    d = s_deliv("F", S_PART, 1);
    s_filter(d)->sources = s_earned;
    s_filter(d)->n_sources = 1;
    s_grant_fails(d, HC_INVALID_ARGUMENT, "deliverables[1].filter.sources");
    d = s_deliv("F", S_APPR, 1);
    s_filter(d)->program_kinds = s_training;
    s_filter(d)->n_program_kinds = 1;
    s_grant_fails(d, HC_INVALID_ARGUMENT, "deliverables[1].filter.program_kinds");
    d = s_deliv("F", S_PART, 1);
    s_filter(d)->credential_codes = s_cna_cert;
    s_filter(d)->n_credential_codes = 1;
    s_grant_fails(d, HC_INVALID_ARGUMENT, "deliverables[1].filter.credential_codes");
    d = s_deliv("F", S_TUITION, 1);
    s_filter(d)->program_codes = s_cna;
    s_filter(d)->n_program_codes = 1;
    s_grant_fails(d, HC_INVALID_ARGUMENT, "deliverables[1].filter.program_codes");
    static Hcap__ProgramKind bad_kind[] = {(Hcap__ProgramKind)42};
    d = s_deliv("F", S_COMP, 1);
    s_filter(d)->program_kinds = bad_kind;
    s_filter(d)->n_program_kinds = 1;
    s_grant_fails(d, HC_INVALID_ARGUMENT, "deliverables[1].filter.program_kinds");
    static char *empty[] = {""};
    d = s_deliv("F", S_APPR_DONE, 1);
    s_filter(d)->program_codes = empty;
    s_filter(d)->n_program_codes = 1;
    s_grant_fails(d, HC_INVALID_ARGUMENT, "deliverables[1].filter.program_codes");

    Hcap__ListRequest list = HCAP__LIST_REQUEST__INIT;
    Hcap__GrantList *all = NULL;
    S_OK("ListGrants", list, &all);
    cr_assert_eq(all->n_items, 0, "no failed request wrote a grant");
}

Test(reporting_reports, grant_references_must_be_known_to_the_read_model)
{
    s_fund();
    Hcap__Deliverable *d = s_deliv("F", S_PART, 1);
    s_filter(d)->program_codes = s_unknown;
    s_filter(d)->n_program_codes = 1;
    s_grant_fails(d, HC_NOT_FOUND, "deliverables[1].filter.program_codes");
    d = s_deliv("F", S_COMP, 1);
    s_filter(d)->program_codes = s_chw; /* an apprenticeship program */
    s_filter(d)->n_program_codes = 1;
    s_grant_fails(d, HC_NOT_FOUND, "deliverables[1].filter.program_codes");
    d = s_deliv("F", S_APPR, 1);
    s_filter(d)->program_codes = s_cna; /* an enrollment program */
    s_filter(d)->n_program_codes = 1;
    s_grant_fails(d, HC_NOT_FOUND, "deliverables[1].filter.program_codes");
    d = s_deliv("F", S_RATE, 50);
    s_filter(d)->program_codes = s_unknown;
    s_filter(d)->n_program_codes = 1;
    s_grant_fails(d, HC_NOT_FOUND, "deliverables[1].filter.program_codes");
    d = s_deliv("F", S_CRED, 1);
    s_filter(d)->credential_codes = s_unknown;
    s_filter(d)->n_credential_codes = 1;
    s_grant_fails(d, HC_NOT_FOUND, "deliverables[1].filter.credential_codes");

    d = s_deliv("F", S_APPR_DONE, 1);
    s_filter(d)->program_codes = s_chw;
    s_filter(d)->n_program_codes = 1;
    s_grant_one("KNOWN", "2024-01-01", "2024-12-31", d);
}

/* --- deliverables --- */

Test(reporting_reports, deliverables_count_distinct_workers_per_metric_and_filter)
{
    s_fund();
    s_grant_2024();
    Hcap__GrantReport *r = s_report("HC-2024");
    cr_assert_str_eq(r->name, "Healthcare Careers 2024");
    cr_assert_str_eq(r->start_date, "2024-01-01");
    cr_assert_float_eq(r->elapsed_pct, 100, S_EPS, "a past grant has elapsed");
    cr_assert_str_eq(r->as_of, ht_days_ago(0));
    cr_assert_eq(r->n_deliverables, 15);
    /* w1 w2 w4 w5 of nine facts in 2024: 4 of 8, 50% */
    s_actual_is(r, "PART", 4, 50, false);
    /* CNA facts: w1 w2 w5 */
    s_actual_is(r, "PART-CT", 3, 100, true);
    /* EHR: w1 (enr6) and w4; w3's is in 2025 */
    s_actual_is(r, "PART-EHR", 2, 50, false);
    /* continuing education AND code CNA: nobody */
    s_actual_is(r, "PART-NONE", 0, 0, false);
    s_actual_is(r, "COMP", 2, 50, false);
    s_actual_is(r, "COMP-EHR", 0, 0, false);
    /* w1 w5 CNA-CERT, w2 BLS, w7 CHW-CERT; w3's BLS is 2023 */
    s_actual_is(r, "CRED", 4, 100, true);
    s_actual_is(r, "CRED-CNA", 2, 66.67, false);
    s_actual_is(r, "CRED-TR", 1, 100, true);
    s_actual_is(r, "CRED-BLS-E", 0, 0, false);
    /* registrations in 2024: w7 w3 w4 w1 w2; w5's is 2023 */
    s_actual_is(r, "APPR", 5, 50, false);
    s_actual_is(r, "APPR-DONE", 2, 100, true);
    /* w1's two claims, w4's; w5's is 2025 */
    s_actual_is(r, "TUIT", 2, 66.67, false);
    s_actual_is(r, "PLACE", 4, 100, true);
    cr_assert_not(s_find(r, "PLACE")->has_numerator, "counts carry no numerator");
}

Test(reporting_reports, placement_rate_counts_a_placement_up_to_day_90_not_91)
{
    s_fund();
    s_grant_2024();
    Hcap__GrantReport *r = s_report("HC-2024");
    /* completers in 2024: w7 (placed on day 90) and w3 (on day 91); w2
       completed in 2025 */
    s_actual_is(r, "RATE", 50, 62.5, false);
    Hcap__DeliverableReport *d = s_find(r, "RATE");
    cr_assert(d->has_numerator && d->has_denominator);
    cr_assert_eq(d->numerator, 1);
    cr_assert_eq(d->denominator, 2);

    /* w3's placement a day earlier is day 90: both placed */
    s_sql("UPDATE facts SET day = '2024-09-29' WHERE entity = 'emr2';");
    d = s_find(s_report("HC-2024"), "RATE");
    cr_assert_eq(d->numerator, 2);
    cr_assert_float_eq(d->actual, 100, S_EPS);
    cr_assert(d->on_pace, "100%% of an 80%% target is met");

    /* a placement before completing does not count */
    s_sql("UPDATE facts SET day = '2024-06-29' WHERE entity = 'emr1';");
    d = s_find(s_report("HC-2024"), "RATE");
    cr_assert_eq(d->numerator, 1);

    /* nobody completed: 0 */
    Hcap__Deliverable *none = s_deliv("RATE-0", S_RATE, 50);
    s_grant_one("EMPTY", "2020-01-01", "2020-12-31", none);
    d = s_find(s_report("EMPTY"), "RATE-0");
    cr_assert_eq(d->denominator, 0);
    cr_assert_float_eq(d->actual, 0, S_EPS);
}

Test(reporting_reports, the_grant_period_is_inclusive_at_both_ends)
{
    s_fund();
    s_grant_one("FIRST", "2024-01-01", "2024-01-01", s_deliv("P", S_PART, 1));
    s_grant_one("LAST", "2024-12-31", "2024-12-31", s_deliv("P", S_PART, 1));
    s_grant_one("BEFORE", "2023-01-01", "2023-12-31", s_deliv("P", S_PART, 1));
    s_grant_one("AFTER", "2025-01-01", "2025-12-31", s_deliv("P", S_PART, 1));
    /* w1's active step on the first day */
    cr_assert_float_eq(s_find(s_report("FIRST"), "P")->actual, 1, S_EPS);
    /* w2's enrollment on the last day */
    cr_assert_float_eq(s_find(s_report("LAST"), "P")->actual, 1, S_EPS);
    /* w1's 2023-12-31 enrollment */
    cr_assert_float_eq(s_find(s_report("BEFORE"), "P")->actual, 1, S_EPS);
    /* w3's 2025-01-01 enrollment */
    cr_assert_float_eq(s_find(s_report("AFTER"), "P")->actual, 1, S_EPS);
}

/* Applies a credentialing event through reporting's projection. */
static void s_project(const char *type, const Hcap__Credential *c)
{
    static uint64_t seq;
    hc_store *store = hc_service_store(s_local.svc);
    Hcap__Event e = HCAP__EVENT__INIT;
    e.source = "local/credentialing";
    e.epoch = "e1";
    e.seq = ++seq;
    e.occurred_at = "2024-06-01T00:00:00.000Z";
    e.type = (char *)type;
    e.body.data = hc_msg_pack(&c->base, s_local.arena, &e.body.len);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    int rc = rep_project_credentialing(hc_service_state(s_local.svc), store, &e, &err);
    cr_assert_eq(rc, HC_OK, "%s", err.message);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
}

Test(reporting_reports, a_revoked_credential_is_not_counted)
{
    s_fund();
    s_grant_2024();
    Hcap__Credential c = HCAP__CREDENTIAL__INIT;
    c.id = "crd9";
    c.worker_id = "w4";
    c.credential_code = "CNA-CERT";
    c.issued_on = "2024-06-01";
    c.source = HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_EARNED;
    c.status = HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_ACTIVE;
    s_project("credentialing.credential_awarded.v1", &c);
    Hcap__GrantReport *r = s_report("HC-2024");
    cr_assert_float_eq(s_find(r, "CRED")->actual, 5, S_EPS, "w4's award counts");
    cr_assert_float_eq(s_find(r, "CRED-CNA")->actual, 3, S_EPS);
    c.status = HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_REVOKED;
    c.revoked_on = "2024-07-01";
    s_project("credentialing.credential_revoked.v1", &c);
    r = s_report("HC-2024");
    cr_assert_float_eq(s_find(r, "CRED")->actual, 4, S_EPS, "revoked: gone");
    cr_assert_float_eq(s_find(r, "CRED-CNA")->actual, 2, S_EPS);
}

Test(reporting_reports, elapsed_pct_and_on_pace_follow_today)
{
    s_fund();
    /* 20 days from 9 days ago: 10 of them passed, 50% */
    s_grant_one("NOW", ht_days_ago(9), ht_days_ago(-10), s_deliv("P", S_PART, 4));
    s_grant_one("SOON", ht_days_ago(-1), ht_days_ago(-5), s_deliv("P", S_PART, 4));
    Hcap__GrantReport *r = s_report("NOW");
    cr_assert_float_eq(r->elapsed_pct, 50, S_EPS, "elapsed %g", r->elapsed_pct);
    cr_assert_float_eq(s_find(r, "P")->actual, 0, S_EPS);
    cr_assert_not(s_find(r, "P")->on_pace, "0%% behind 50%%");
    /* two participants of four: 50% >= 50% */
    s_sql(ht_fmt("INSERT INTO facts (entity, kind, wkey, day) VALUES ('n1', 1, 1, '%s'),"
                 " ('n2', 2, 2, '%s');",
                 ht_days_ago(9), ht_days_ago(0)));
    r = s_report("NOW");
    cr_assert_float_eq(s_find(r, "P")->pct_of_target, 50, S_EPS);
    cr_assert(s_find(r, "P")->on_pace, "50%% keeps pace with 50%%");
    r = s_report("SOON");
    cr_assert_float_eq(r->elapsed_pct, 0, S_EPS, "not started");
    cr_assert(s_find(r, "P")->on_pace, "0%% keeps pace with 0%%");
}

/* --- outcomes --- */

static Hcap__OutcomesReport *s_outcomes_as(Hcap__Role role, Hcap__Dimension by, const char *from,
                                           const char *to)
{
    Hcap__OutcomesRequest req = HCAP__OUTCOMES_REQUEST__INIT;
    req.by = by;
    req.from = (char *)from;
    req.to = (char *)to;
    Hcap__OutcomesReport *r = NULL;
    s_call_as(role, "GetOutcomes", &req.base, &r);
    cr_assert_eq(r->by, by);
    return r;
}

static Hcap__OutcomesReport *s_outcomes(Hcap__Dimension by, const char *from, const char *to)
{
    return s_outcomes_as(HCAP__ROLE__ROLE_STAFF, by, from, to);
}

/* Asserts a count, or S_HIDDEN for an absent one. */
static void s_cell_is(protobuf_c_boolean has, uint32_t value, int expected, const char *what,
                      const char *group)
{
    if (expected == S_HIDDEN) {
        cr_assert_not(has, "%s of %s hidden, not %u", what, group, value);
        return;
    }
    cr_assert(has, "%s of %s present", what, group);
    cr_assert_eq(value, (uint32_t)expected, "%s of %s: %u, not %d", what, group, value, expected);
}

static void s_row_is(const Hcap__OutcomeRow *row, const char *group, int p, int c, int cr, int a,
                     int ac, int pl)
{
    cr_assert_str_eq(row->group, group);
    s_cell_is(row->has_participants, row->participants, p, "participants", group);
    s_cell_is(row->has_completed, row->completed, c, "completed", group);
    s_cell_is(row->has_credentials, row->credentials, cr, "credentials", group);
    s_cell_is(row->has_apprentices, row->apprentices, a, "apprentices", group);
    s_cell_is(row->has_apprentices_completed, row->apprentices_completed, ac,
              "apprentices_completed", group);
    s_cell_is(row->has_placements, row->placements, pl, "placements", group);
}

/* The total of the fund in 2024 (see the fund's comment). */
static void s_total_2024(const Hcap__OutcomesReport *r)
{
    cr_assert_not_null(r->total);
    s_row_is(r->total, "total", 4, 2, 4, 5, 2, 4);
}

Test(reporting_reports, outcomes_by_gender_race_and_age_add_up_to_the_total)
{
    s_fund();
    Hcap__OutcomesReport *r =
        s_outcomes(HCAP__DIMENSION__DIMENSION_GENDER, "2024-01-01", "2024-12-31");
    cr_assert_str_eq(r->from, "2024-01-01");
    cr_assert_eq(r->n_rows, 4);
    s_row_is(r->rows[0], "female", 3, 2, 3, 2, 0, 1);    /* w1 w2 w5 */
    s_row_is(r->rows[1], "male", 0, 0, 1, 2, 2, 2);      /* w3 w7 */
    s_row_is(r->rows[2], "nonbinary", 1, 0, 0, 1, 0, 0); /* w4 */
    s_row_is(r->rows[3], "unknown", 0, 0, 0, 0, 0, 1);   /* w6 */
    s_total_2024(r);

    /* IPEDS groups in enum order, then two_or_more, unknown last */
    r = s_outcomes(HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY, "2024-01-01", "2024-12-31");
    cr_assert_eq(r->n_rows, 7);
    s_row_is(r->rows[0], "asian", 1, 1, 1, 0, 0, 0);
    s_row_is(r->rows[1], "black", 1, 0, 1, 1, 0, 0);
    s_row_is(r->rows[2], "hispanic_latino", 1, 1, 1, 1, 0, 1);
    s_row_is(r->rows[3], "white", 0, 0, 0, 1, 1, 1);
    s_row_is(r->rows[4], "declined", 0, 0, 1, 1, 1, 1);
    s_row_is(r->rows[5], "two_or_more", 1, 0, 0, 1, 0, 0);
    s_row_is(r->rows[6], "unknown", 0, 0, 0, 0, 0, 1);
    s_total_2024(r);

    r = s_outcomes(HCAP__DIMENSION__DIMENSION_AGE_BAND, "2024-01-01", "2024-12-31");
    cr_assert_eq(r->n_rows, 6);
    s_row_is(r->rows[0], "under_25", 0, 0, 0, 1, 1, 1); /* w3 */
    s_row_is(r->rows[1], "25_34", 2, 2, 2, 1, 0, 1);    /* w1 w5 */
    s_row_is(r->rows[2], "35_44", 1, 0, 1, 1, 0, 0);    /* w2 */
    s_row_is(r->rows[3], "45_54", 1, 0, 0, 1, 0, 0);    /* w4 */
    s_row_is(r->rows[4], "55_64", 0, 0, 1, 1, 1, 1);    /* w7 */
    s_row_is(r->rows[5], "unknown", 0, 0, 0, 0, 0, 1);  /* w6 */
}

Test(reporting_reports, outcomes_by_employer_sector_language_and_status)
{
    s_fund();
    Hcap__OutcomesReport *r =
        s_outcomes(HCAP__DIMENSION__DIMENSION_EMPLOYER, "2024-01-01", "2024-12-31");
    cr_assert_eq(r->n_rows, 3);
    s_row_is(r->rows[0], "emp_a", 2, 1, 3, 3, 1, 2); /* w1 w2 w7 */
    cr_assert_str_eq(r->rows[0]->label, "Acme Hospital");
    s_row_is(r->rows[1], "emp_b", 1, 1, 1, 1, 1, 1); /* w3 w5 */
    cr_assert_str_eq(r->rows[1]->label, "Bay Clinic");
    s_row_is(r->rows[2], "unknown", 1, 0, 0, 1, 0, 1); /* w4 w6 */
    cr_assert_null(r->rows[2]->label);
    s_total_2024(r);

    r = s_outcomes(HCAP__DIMENSION__DIMENSION_SECTOR, "2024-01-01", "2024-12-31");
    cr_assert_eq(r->n_rows, 3);
    s_row_is(r->rows[0], "acute", 2, 1, 3, 3, 1, 2);
    s_row_is(r->rows[1], "community_clinic", 1, 1, 1, 1, 1, 1);
    s_row_is(r->rows[2], "unknown", 1, 0, 0, 1, 0, 1);

    r = s_outcomes(HCAP__DIMENSION__DIMENSION_PREFERRED_LANGUAGE, "2024-01-01", "2024-12-31");
    cr_assert_eq(r->n_rows, 4);
    s_row_is(r->rows[0], "en", 2, 0, 2, 4, 2, 2); /* w2 w3 w4 w7 */
    s_row_is(r->rows[1], "es", 1, 1, 1, 1, 0, 1); /* w1 */
    s_row_is(r->rows[2], "zh", 1, 1, 1, 0, 0, 0); /* w5 */
    s_row_is(r->rows[3], "unknown", 0, 0, 0, 0, 0, 1);

    r = s_outcomes(HCAP__DIMENSION__DIMENSION_EMPLOYMENT_STATUS, "2024-01-01", "2024-12-31");
    cr_assert_eq(r->n_rows, 4);
    s_row_is(r->rows[0], "incumbent", 2, 2, 3, 2, 1, 2);   /* w1 w5 w7 */
    s_row_is(r->rows[1], "new_entrant", 1, 0, 1, 1, 0, 0); /* w2 */
    s_row_is(r->rows[2], "unemployed", 1, 0, 0, 2, 1, 1);  /* w3 w4 */
    s_row_is(r->rows[3], "unknown", 0, 0, 0, 0, 0, 1);
    s_total_2024(r);
}

Test(reporting_reports, outcomes_by_program_count_each_programs_own_events)
{
    s_fund();
    Hcap__OutcomesReport *r =
        s_outcomes(HCAP__DIMENSION__DIMENSION_PROGRAM, "2024-01-01", "2024-12-31");
    /* RN has no events: left out */
    cr_assert_eq(r->n_rows, 3);
    /* registrations w7 w3 w4 w1 w2; completions w7 w3; CHW-CERT to w7;
       placements in 2024 of its completers: w7, w3 (w2 completed in 2025,
       placed in 2025) */
    s_row_is(r->rows[0], "CHW-APP", 0, 0, 1, 5, 2, 2);
    cr_assert_str_eq(r->rows[0]->label, "CHW Apprenticeship");
    /* w1 w2 w5; completed w1 w5; CNA-CERT w1 w5; placed: w1 */
    s_row_is(r->rows[1], "CNA", 3, 2, 2, 0, 0, 1);
    cr_assert_str_eq(r->rows[1]->label, "Nursing Assistant");
    /* w1 (enr6) and w4; no credential code; nobody completed */
    s_row_is(r->rows[2], "EHR", 2, 0, 0, 0, 0, 0);
    s_total_2024(r);

    /* a CNA-CERT to someone who never took CNA is not CNA's */
    s_sql("INSERT INTO facts (entity, kind, wkey, day, credential, source)"
          " VALUES ('crd8', 10, 3, '2024-02-02', 'CNA-CERT', 'transfer');");
    r = s_outcomes(HCAP__DIMENSION__DIMENSION_PROGRAM, "2024-01-01", "2024-12-31");
    s_row_is(r->rows[1], "CNA", 3, 2, 2, 0, 0, 1);
    cr_assert_eq(r->total->credentials, 5, "but it is a credential in the total");
}

Test(reporting_reports, outcomes_periods_are_inclusive_and_open_ends_take_everything)
{
    s_fund();
    Hcap__OutcomesReport *r =
        s_outcomes(HCAP__DIMENSION__DIMENSION_GENDER, "2024-01-01", "2024-01-01");
    cr_assert_eq(r->n_rows, 1, "w1's active step alone");
    s_row_is(r->rows[0], "female", 1, 0, 0, 0, 0, 0);
    r = s_outcomes(HCAP__DIMENSION__DIMENSION_GENDER, "2024-12-31", NULL);
    /* w2 enrolled 2024-12-31; 2025: w3 enrolled, w2 completed CHW-APP and
       was placed */
    s_row_is(r->total, "total", 2, 0, 0, 0, 1, 1);
    r = s_outcomes(HCAP__DIMENSION__DIMENSION_GENDER, NULL, NULL);
    /* every time: w1..w5 participated; w3 holds a 2023 BLS; w5 registered
       in 2023; w2's completion and placement in 2025 */
    s_row_is(r->total, "total", 5, 2, 5, 6, 3, 5);
    cr_assert_null(r->from);
    cr_assert_null(r->to);
}

Test(reporting_reports, outcomes_validation_names_the_field)
{
    Hcap__OutcomesRequest req = HCAP__OUTCOMES_REQUEST__INIT;
    S_FAILS("GetOutcomes", req, HC_INVALID_ARGUMENT, "by");
    req.by = (Hcap__Dimension)77;
    S_FAILS("GetOutcomes", req, HC_INVALID_ARGUMENT, "by");
    req.by = HCAP__DIMENSION__DIMENSION_NODE;
    S_FAILS("GetOutcomes", req, HC_INVALID_ARGUMENT, "by");
    req.by = HCAP__DIMENSION__DIMENSION_GENDER;
    req.from = "2024-02-30";
    S_FAILS("GetOutcomes", req, HC_INVALID_ARGUMENT, "from");
    req.from = "2024-01-01";
    req.to = "20241231";
    S_FAILS("GetOutcomes", req, HC_INVALID_ARGUMENT, "to");
    req.from = "2024-06-01";
    req.to = "2024-05-31";
    S_FAILS("GetOutcomes", req, HC_INVALID_ARGUMENT, "to");
    req.to = "2024-06-01";
    Hcap__OutcomesReport *r = NULL;
    S_OK("GetOutcomes", req, &r);
    cr_assert_eq(r->n_rows, 0, "an empty fund has no rows");
    s_row_is(r->total, "total", 0, 0, 0, 0, 0, 0);
}

/* --- apprenticeship --- */

static Hcap__ApprenticeshipReport *s_apprenticeship_as(Hcap__Role role, const char *program,
                                                       const char *from, const char *to)
{
    Hcap__ApprenticeshipReportRequest req = HCAP__APPRENTICESHIP_REPORT_REQUEST__INIT;
    req.program_code = (char *)program;
    req.from = (char *)from;
    req.to = (char *)to;
    Hcap__ApprenticeshipReport *r = NULL;
    s_call_as(role, "GetApprenticeshipReport", &req.base, &r);
    return r;
}

Test(reporting_reports, apprenticeship_report_counts_statuses_rates_and_placements)
{
    s_fund();
    /* started in 2024: app1 (completed, placed on day 90), app2 (completed,
       placed on day 91), app3 (active), app5 (cancelled), app6 (completed
       2025-01-10, placed 10 days later) */
    Hcap__ApprenticeshipReport *r =
        s_apprenticeship_as(HCAP__ROLE__ROLE_ADMIN, "CHW-APP", "2024-01-01", "2024-12-31");
    cr_assert_eq(r->registered, 5);
    cr_assert_eq(r->active, 1);
    cr_assert_eq(r->suspended, 0);
    cr_assert_eq(r->completed, 3);
    cr_assert_eq(r->cancelled, 1);
    cr_assert_float_eq(r->completion_rate, 60, S_EPS);
    cr_assert_eq(r->placed, 2);
    cr_assert_float_eq(r->placement_rate, 66.67, S_EPS);
    cr_assert_str_eq(r->program_code, "CHW-APP");
    cr_assert_not(r->has_suppressed && r->suppressed);

    /* every registration: app4 (2023, suspended) too */
    r = s_apprenticeship_as(HCAP__ROLE__ROLE_ADMIN, NULL, NULL, NULL);
    cr_assert_eq(r->registered, 6);
    cr_assert_eq(r->suspended, 1);
    cr_assert_float_eq(r->completion_rate, 50, S_EPS);
    /* the period's first day only */
    r = s_apprenticeship_as(HCAP__ROLE__ROLE_ADMIN, NULL, "2024-01-15", "2024-01-15");
    cr_assert_eq(r->registered, 1);
    cr_assert_eq(r->placed, 1);
    /* none: rates 0 */
    r = s_apprenticeship_as(HCAP__ROLE__ROLE_ADMIN, NULL, "2020-01-01", "2020-12-31");
    cr_assert_eq(r->registered, 0);
    cr_assert(r->has_completion_rate && r->completion_rate == 0);
    cr_assert(r->has_placement_rate && r->placement_rate == 0);

    Hcap__ApprenticeshipReportRequest req = HCAP__APPRENTICESHIP_REPORT_REQUEST__INIT;
    req.program_code = "CNA";
    S_FAILS("GetApprenticeshipReport", req, HC_NOT_FOUND, "program_code");
    req.program_code = NULL;
    req.from = "2024-1-1";
    S_FAILS("GetApprenticeshipReport", req, HC_INVALID_ARGUMENT, "from");
}

/* --- indicators ---

   Exits in 2023 (the period):
   i1  CNA enrolled 2023-01-10, active 01-20, completed 03-15; CNA-CERT
       2024-03-15 (the window's last day); placement 2023-05-01 $20.00,
       promotion 09-15 $22.00, wage change 12-01 $99.99
   i2  CNA enrolled 02-01, completed 06-30; CNA-CERT 2024-07-01 (a day
       late); placement 08-01 $30.00, separation 11-15
   i3  EHR enrolled 04-01, withdrawn 05-10; incumbent; wage change
       2022-01-01 $15.00
   i4  CNA enrolled 05-01, failed 09-09, but EHR active since 08-05 until
       2024-02-01: not exited; a sign-off 10-10
   i5  CNA enrolled 06-01, completed 12-31; CNA-CERT 2023-05-15 (before
       the start); wage change 10-01 $25.00
   i6  CNA enrolled 01-05, completed 02-01; EHR enrolled 03-01, completed
       04-01 (exit date); CNA-CERT 01-20; unemployed
   i7  exited in 2022 only

   Exiters: i1 i2 i3 i5 i6 (5). Credential: of i1 i2 i5 i6 (training
   exits), i1 and i6 attained: 2 of 4. Skill gains: participants i1..i6,
   gainers i1 i2 i4 i5 i6: 5 of 6. Q2 (the 2nd quarter after exit): i1
   (Q3 2023), i2 (Q4: separated after), i3 (record), i5 (Q2 2024)
   employed, not i6: 4 of 5; wages $22.00 (promotion), $30.00, $15.00,
   $25.00: the lower middle of four is $22.00. Q4: i2 separated before
   Q2 2024: 3 of 5. */
static const char s_indicators_sql[] =
    "INSERT INTO workers (wkey, id, employment_status) VALUES (101, 'i1', 'new_entrant'),"
    " (102, 'i2', 'new_entrant'), (103, 'i3', 'incumbent'), (104, 'i4', 'unemployed'),"
    " (105, 'i5', 'new_entrant'), (106, 'i6', 'unemployed'), (107, 'i7', 'new_entrant');"
    "UPDATE workers SET registered_status = employment_status WHERE wkey > 100;"
    "INSERT INTO facts (entity, kind, wkey, day, program, program_kind) VALUES"
    " ('e1', 1, 101, '2023-01-10', 'CNA', 'credential_training'),"
    " ('e1', 2, 101, '2023-01-20', 'CNA', 'credential_training'),"
    " ('e1', 3, 101, '2023-03-15', 'CNA', 'credential_training'),"
    " ('e2', 1, 102, '2023-02-01', 'CNA', 'credential_training'),"
    " ('e2', 3, 102, '2023-06-30', 'CNA', 'credential_training'),"
    " ('e3', 1, 103, '2023-04-01', 'EHR', 'continuing_education'),"
    " ('e3', 4, 103, '2023-05-10', 'EHR', 'continuing_education'),"
    " ('e4', 1, 104, '2023-05-01', 'CNA', 'credential_training'),"
    " ('e4', 5, 104, '2023-09-09', 'CNA', 'credential_training'),"
    " ('e5', 1, 104, '2023-08-01', 'EHR', 'continuing_education'),"
    " ('e5', 2, 104, '2023-08-05', 'EHR', 'continuing_education'),"
    " ('e5', 3, 104, '2024-02-01', 'EHR', 'continuing_education'),"
    " ('e6', 1, 105, '2023-06-01', 'CNA', 'credential_training'),"
    " ('e6', 3, 105, '2023-12-31', 'CNA', 'credential_training'),"
    " ('e7', 1, 106, '2023-01-05', 'CNA', 'credential_training'),"
    " ('e7', 3, 106, '2023-02-01', 'CNA', 'credential_training'),"
    " ('e8', 1, 106, '2023-03-01', 'EHR', 'continuing_education'),"
    " ('e8', 3, 106, '2023-04-01', 'EHR', 'continuing_education'),"
    " ('e9', 1, 107, '2022-01-01', 'CNA', 'credential_training'),"
    " ('e9', 3, 107, '2022-06-01', 'CNA', 'credential_training'),"
    " ('s1/C1', 22, 104, '2023-10-10', 'CHW-APP', NULL);"
    "INSERT INTO facts (entity, kind, wkey, day, credential, source) VALUES"
    " ('c1', 10, 101, '2024-03-15', 'CNA-CERT', 'earned'),"
    " ('c2', 10, 102, '2024-07-01', 'CNA-CERT', 'earned'),"
    " ('c3', 10, 105, '2023-05-15', 'CNA-CERT', 'earned'),"
    " ('c4', 10, 106, '2023-01-20', 'CNA-CERT', 'earned');"
    "INSERT INTO facts (entity, kind, wkey, day, wage_cents) VALUES"
    " ('m1', 40, 101, '2023-05-01', 2000), ('m2', 41, 101, '2023-09-15', 2200),"
    " ('m3', 42, 101, '2023-12-01', 9999), ('m4', 40, 102, '2023-08-01', 3000),"
    " ('m5', 43, 102, '2023-11-15', NULL), ('m6', 42, 103, '2022-01-01', 1500),"
    " ('m7', 42, 105, '2023-10-01', 2500);";

static Hcap__IndicatorsReport *s_indicators_as(Hcap__Role role, const char *from, const char *to)
{
    Hcap__IndicatorsRequest req = HCAP__INDICATORS_REQUEST__INIT;
    req.from = (char *)from;
    req.to = (char *)to;
    Hcap__IndicatorsReport *r = NULL;
    s_call_as(role, "GetIndicators", &req.base, &r);
    return r;
}

Test(reporting_reports, indicators_follow_their_definitions)
{
    s_sql(s_indicators_sql);
    Hcap__IndicatorsReport *r = s_indicators_as(HCAP__ROLE__ROLE_STAFF, "2023-01-01", "2023-12-31");
    cr_assert_str_eq(r->as_of, ht_days_ago(0));
    cr_assert_eq(r->credential_exiters, 4);
    cr_assert_eq(r->credential_attainers, 2);
    cr_assert_float_eq(r->credential_attainment_rate, 50, S_EPS);
    cr_assert_eq(r->skill_participants, 6);
    cr_assert_eq(r->skill_gainers, 5);
    cr_assert_float_eq(r->measurable_skill_gains, 83.33, S_EPS);
    cr_assert_eq(r->exiters_q2, 5);
    cr_assert_eq(r->employed_q2, 4);
    cr_assert_float_eq(r->employment_rate_q2, 80, S_EPS);
    cr_assert_eq(r->exiters_q4, 5);
    cr_assert_eq(r->employed_q4, 3);
    cr_assert_float_eq(r->employment_rate_q4, 60, S_EPS);
    cr_assert_eq(r->earners_q2, 4);
    cr_assert(r->has_median_earnings_q2_cents);
    cr_assert_eq(r->median_earnings_q2_cents, 2200);

    /* an odd count takes the middle: without i3's wage, $25.00 */
    s_sql("DELETE FROM facts WHERE entity = 'm6';");
    r = s_indicators_as(HCAP__ROLE__ROLE_STAFF, "2023-01-01", "2023-12-31");
    cr_assert_eq(r->earners_q2, 3);
    cr_assert_eq(r->employed_q2, 4, "i3 is still employed: an incumbent");
    cr_assert_eq(r->median_earnings_q2_cents, 2500);

    /* no exits: rates 0, no median */
    r = s_indicators_as(HCAP__ROLE__ROLE_STAFF, "2020-01-01", "2020-12-31");
    cr_assert_eq(r->exiters_q2, 0);
    cr_assert(r->has_employment_rate_q2 && r->employment_rate_q2 == 0);
    cr_assert_not(r->has_median_earnings_q2_cents);

    Hcap__IndicatorsRequest bad = HCAP__INDICATORS_REQUEST__INIT;
    bad.from = "2023-12-31";
    bad.to = "2023-01-01";
    S_FAILS("GetIndicators", bad, HC_INVALID_ARGUMENT, "to");
}

Test(reporting_reports, indicators_count_only_exits_whose_window_has_closed)
{
    /* r1 exited 10 days ago (its quarters are ahead, its year open); r3
       330 days ago (Q2 after it has ended, Q4 not, its year open); r2 800
       days ago (everything closed), credentialed 850 days ago */
    s_sql(ht_fmt("INSERT INTO workers (wkey, id) VALUES (201, 'r1'), (202, 'r2'), (203, 'r3');"
                 "INSERT INTO facts (entity, kind, wkey, day, program, program_kind) VALUES"
                 " ('x1', 1, 201, '%s', 'CNA', 'credential_training'),"
                 " ('x1', 3, 201, '%s', 'CNA', 'credential_training'),"
                 " ('x2', 1, 202, '%s', 'CNA', 'credential_training'),"
                 " ('x2', 3, 202, '%s', 'CNA', 'credential_training'),"
                 " ('x3', 1, 203, '%s', 'CNA', 'credential_training'),"
                 " ('x3', 3, 203, '%s', 'CNA', 'credential_training');"
                 "INSERT INTO facts (entity, kind, wkey, day, credential) VALUES"
                 " ('k1', 10, 201, '%s', 'CNA-CERT'), ('k2', 10, 202, '%s', 'CNA-CERT'),"
                 " ('k3', 10, 203, '%s', 'CNA-CERT');",
                 ht_days_ago(100), ht_days_ago(10), ht_days_ago(900), ht_days_ago(800),
                 ht_days_ago(400), ht_days_ago(330), ht_days_ago(5), ht_days_ago(850),
                 ht_days_ago(100)));
    Hcap__IndicatorsReport *r = s_indicators_as(HCAP__ROLE__ROLE_STAFF, NULL, NULL);
    cr_assert_eq(r->credential_exiters, 1, "only r2's year has passed");
    cr_assert_eq(r->credential_attainers, 1);
    cr_assert_eq(r->exiters_q2, 2, "r2 and r3");
    cr_assert_eq(r->exiters_q4, 1, "r2");
    cr_assert_eq(r->skill_participants, 3);
}

/* --- suppression for the analyst --- */

Test(reporting_reports, analyst_grant_report_hides_small_counts_and_what_derives_from_them)
{
    s_fund();
    s_grant_2024();
    /* 12 more CNA participants in 2024: PART 16, PART-CT 15 */
    s_bulk_workers(1001, 12, "female");
    s_bulk_facts(1001, 12, 1, "2024-05-01", "CNA");
    Hcap__GetRequest req = HCAP__GET_REQUEST__INIT;
    req.id = "HC-2024";
    Hcap__GrantReport *r = NULL;
    s_call_as(HCAP__ROLE__ROLE_ANALYST, "GetGrantReport", &req.base, &r);
    s_actual_is(r, "PART", 16, 200, true);
    s_actual_is(r, "PART-CT", 15, 500, true);
    s_actual_is(r, "PART-NONE", 0, 0, false);
    Hcap__DeliverableReport *d = s_find(r, "COMP");
    cr_assert_not(d->has_actual || d->has_pct_of_target || d->has_on_pace, "2 is hidden");
    cr_assert(d->has_suppressed && d->suppressed);
    cr_assert_float_eq(d->target, 4, S_EPS, "the target stays");
    d = s_find(r, "RATE");
    cr_assert_not(d->has_actual || d->has_pct_of_target || d->has_on_pace || d->has_numerator ||
                      d->has_denominator,
                  "1 of 2 hides the rate and both counts");
    cr_assert(d->suppressed);
    cr_assert_float_eq(r->elapsed_pct, 100, S_EPS);

    /* staff sees every figure */
    s_call_as(HCAP__ROLE__ROLE_STAFF, "GetGrantReport", &req.base, &r);
    s_actual_is(r, "COMP", 2, 50, false);
    cr_assert_eq(s_find(r, "RATE")->numerator, 1);
}

/* female 20, male 12, nonbinary 3 participants; credentials female 15,
   male 2, nonbinary 3; placements male 5; EHR participation of the three
   nonbinary workers too. */
static void s_small_cells(void)
{
    s_sql("INSERT INTO programs VALUES"
          " ('enrollment', 'CNA', 'prg_cna', 'Nursing Assistant', 'credential_training', NULL),"
          " ('enrollment', 'EHR', 'prg_ehr', 'EHR Training', 'continuing_education', NULL);");
    s_bulk_workers(1001, 20, "female");
    s_bulk_workers(2001, 12, "male");
    s_bulk_workers(3001, 3, "nonbinary");
    s_bulk_facts(1001, 20, 1, "2024-05-01", "CNA");
    s_bulk_facts(2001, 12, 1, "2024-05-01", "CNA");
    s_bulk_facts(3001, 3, 1, "2024-05-01", "CNA");
    s_bulk_facts(3001, 3, 1, "2024-06-01", "EHR");
    s_bulk_facts(1001, 15, 10, "2024-07-01", "CNA");
    s_bulk_facts(2001, 2, 10, "2024-07-01", "CNA");
    s_bulk_facts(3001, 3, 10, "2024-07-01", "CNA");
    s_bulk_facts(2001, 5, 40, "2024-08-01", "CNA");
}

Test(reporting_reports, analyst_outcomes_hide_small_and_complementary_cells)
{
    s_small_cells();
    Hcap__OutcomesReport *r = s_outcomes_as(HCAP__ROLE__ROLE_ANALYST,
                                            HCAP__DIMENSION__DIMENSION_GENDER, "2024-01-01", NULL);
    cr_assert_eq(r->n_rows, 3);
    /* participants: nonbinary 3 hidden, so male 12 (the smallest shown)
       too; credentials: two hidden already, female 15 stays; placements:
       the total 5 is hidden itself, so nothing to complement */
    s_row_is(r->rows[0], "female", 20, 0, 15, 0, 0, 0);
    cr_assert_not(r->rows[0]->has_suppressed && r->rows[0]->suppressed);
    s_row_is(r->rows[1], "male", S_HIDDEN, 0, S_HIDDEN, 0, 0, S_HIDDEN);
    cr_assert(r->rows[1]->suppressed);
    s_row_is(r->rows[2], "nonbinary", S_HIDDEN, 0, S_HIDDEN, 0, 0, 0);
    cr_assert(r->rows[2]->suppressed);
    s_row_is(r->total, "total", 35, 0, 20, 0, 0, S_HIDDEN);
    cr_assert(r->total->suppressed);

    /* staff: every count */
    r = s_outcomes(HCAP__DIMENSION__DIMENSION_GENDER, "2024-01-01", NULL);
    s_row_is(r->rows[1], "male", 12, 0, 2, 0, 0, 5);
    cr_assert_not(r->rows[1]->has_suppressed);
}

Test(reporting_reports, analyst_program_outcomes_have_no_complementary_cells)
{
    s_small_cells();
    Hcap__OutcomesReport *r =
        s_outcomes_as(HCAP__ROLE__ROLE_ANALYST, HCAP__DIMENSION__DIMENSION_PROGRAM, NULL, NULL);
    cr_assert_eq(r->n_rows, 2);
    /* program rows do not add up to the total: EHR's hidden 3 leaves CNA */
    s_row_is(r->rows[0], "CNA", 35, 0, 0, 0, 0, 0);
    cr_assert_not(r->rows[0]->has_suppressed);
    s_row_is(r->rows[1], "EHR", S_HIDDEN, 0, 0, 0, 0, 0);
    cr_assert(r->rows[1]->suppressed);
}

Test(reporting_reports, analyst_apprenticeship_report_hides_a_complementary_status)
{
    s_bulk_workers(1001, 25, "female");
    s_sql("INSERT INTO apprentices (id, wkey, program, start_date, status, completed_on)"
          " SELECT 'a' || wkey, wkey, 'CHW-APP', '2024-03-01',"
          " CASE WHEN wkey <= 1012 THEN 'active' WHEN wkey <= 1022 THEN 'completed'"
          " ELSE 'cancelled' END, CASE WHEN wkey BETWEEN 1013 AND 1022 THEN '2024-09-01' END"
          " FROM workers WHERE wkey BETWEEN 1001 AND 1025;");
    Hcap__ApprenticeshipReport *r = s_apprenticeship_as(HCAP__ROLE__ROLE_ANALYST, NULL, NULL, NULL);
    /* 12 active, 10 completed, 3 cancelled: cancelled hidden, and so the
       smallest shown status (completed 10), with both rates */
    cr_assert(r->has_registered && r->registered == 25);
    cr_assert(r->has_active && r->active == 12);
    cr_assert(r->has_suspended && r->suspended == 0);
    cr_assert_not(r->has_completed, "complementary");
    cr_assert_not(r->has_cancelled, "3 is small");
    cr_assert_not(r->has_completion_rate);
    cr_assert_not(r->has_placement_rate);
    cr_assert(r->has_placed && r->placed == 0);
    cr_assert(r->suppressed);

    r = s_apprenticeship_as(HCAP__ROLE__ROLE_ADMIN, NULL, NULL, NULL);
    cr_assert(r->has_completed && r->completed == 10);
    cr_assert_float_eq(r->completion_rate, 40, S_EPS);
}

Test(reporting_reports, analyst_indicators_hide_small_counts_rates_and_the_median)
{
    s_sql(s_indicators_sql);
    Hcap__IndicatorsReport *r =
        s_indicators_as(HCAP__ROLE__ROLE_ANALYST, "2023-01-01", "2023-12-31");
    cr_assert_not(r->has_credential_exiters || r->has_credential_attainers ||
                  r->has_credential_attainment_rate);
    cr_assert_not(r->has_exiters_q2 || r->has_employed_q2 || r->has_employment_rate_q2);
    cr_assert_not(r->has_earners_q2 || r->has_median_earnings_q2_cents);
    cr_assert_not(r->has_skill_participants || r->has_measurable_skill_gains);
    cr_assert(r->suppressed);
    cr_assert_str_eq(r->as_of, ht_days_ago(0), "dates stay");
}

/* --- the suppression functions --- */

Test(reporting_reports, suppress_small_is_one_to_nine)
{
    cr_assert_not(rep_suppress_small(1, 0));
    cr_assert(rep_suppress_small(1, 1));
    cr_assert(rep_suppress_small(1, 9));
    cr_assert_not(rep_suppress_small(1, 10));
    cr_assert_not(rep_suppress_small(0, 5), "an absent count is not shown anyway");
    Hcap__Principal p = HCAP__PRINCIPAL__INIT;
    p.role = HCAP__ROLE__ROLE_ANALYST;
    cr_assert(rep_suppress_applies(&p));
    p.role = HCAP__ROLE__ROLE_STAFF;
    cr_assert_not(rep_suppress_applies(&p));
    p.role = HCAP__ROLE__ROLE_UNSPECIFIED;
    cr_assert_not(rep_suppress_applies(&p), "internal callers see everything");
}

static Hcap__OutcomeRow *s_cells(const char *group, uint32_t participants, uint32_t completed)
{
    Hcap__OutcomeRow *r =
        (Hcap__OutcomeRow *)hc_arena_message(s_local.arena, &hcap__outcome_row__descriptor);
    r->group = (char *)group;
    r->has_participants = r->has_completed = r->has_credentials = 1;
    r->has_apprentices = r->has_apprentices_completed = r->has_placements = 1;
    r->participants = participants;
    r->completed = completed;
    return r;
}

Test(reporting_reports, suppress_outcomes_complements_the_first_smallest_cell)
{
    Hcap__OutcomeRow *rows[] = {s_cells("a", 30, 0), s_cells("b", 11, 10), s_cells("c", 11, 0),
                                s_cells("d", 4, 0)};
    Hcap__OutcomesReport r = HCAP__OUTCOMES_REPORT__INIT;
    r.rows = rows;
    r.n_rows = 4;
    r.total = s_cells("total", 56, 10);
    rep_suppress_outcomes(&r, true);
    cr_assert(rows[0]->has_participants && !rows[0]->has_suppressed);
    cr_assert_not(rows[1]->has_participants, "b: the first of two smallest (11)");
    cr_assert(rows[1]->suppressed);
    cr_assert(rows[2]->has_participants && rows[2]->participants == 11);
    cr_assert_not(rows[3]->has_participants);
    cr_assert(rows[1]->has_completed && rows[1]->completed == 10, "no hidden cell: kept");
    cr_assert(r.total->has_participants && !r.total->has_suppressed);

    Hcap__OutcomeRow *apart[] = {s_cells("a", 30, 0), s_cells("b", 11, 0), s_cells("d", 4, 0)};
    r.rows = apart;
    r.n_rows = 3;
    r.total = s_cells("total", 40, 0);
    rep_suppress_outcomes(&r, false);
    cr_assert(apart[1]->has_participants, "rows that do not add up: no complement");
    cr_assert_not(apart[2]->has_participants);
}

Test(reporting_reports, suppress_grant_and_apprenticeship_and_indicators_directly)
{
    Hcap__DeliverableReport count = HCAP__DELIVERABLE_REPORT__INIT, rate = count, many = count;
    count.metric = S_PART;
    count.has_actual = count.has_pct_of_target = count.has_on_pace = 1;
    count.actual = 9;
    many = count;
    many.actual = 10;
    rate = count;
    rate.metric = S_RATE;
    rate.actual = 15;
    rate.has_numerator = rate.has_denominator = 1;
    rate.numerator = 3;
    rate.denominator = 20;
    Hcap__DeliverableReport *items[] = {&count, &many, &rate};
    Hcap__GrantReport g = HCAP__GRANT_REPORT__INIT;
    g.deliverables = items;
    g.n_deliverables = 3;
    rep_suppress_grant(&g);
    cr_assert_not(count.has_actual || count.has_pct_of_target || count.has_on_pace);
    cr_assert(count.suppressed);
    cr_assert(many.has_actual && many.has_on_pace && !many.has_suppressed);
    cr_assert_not(rate.has_actual || rate.has_numerator || rate.has_denominator);

    Hcap__ApprenticeshipReport a = HCAP__APPRENTICESHIP_REPORT__INIT;
    a.has_registered = a.has_active = a.has_suspended = a.has_completed = a.has_cancelled = 1;
    a.has_placed = a.has_completion_rate = a.has_placement_rate = 1;
    a.registered = 8;
    a.active = 8;
    rep_suppress_apprenticeship(&a);
    cr_assert_not(a.has_registered || a.has_active || a.has_completion_rate);
    cr_assert(a.has_completed && a.has_suspended && a.has_cancelled,
              "zeros stay: the total is hidden, nothing to complement");
    cr_assert(a.has_placement_rate, "0 placed of 0 completed is shown");

    Hcap__IndicatorsReport i = HCAP__INDICATORS_REPORT__INIT;
    i.has_exiters_q2 = i.has_employed_q2 = i.has_earners_q2 = i.has_employment_rate_q2 = 1;
    i.has_median_earnings_q2_cents = 1;
    i.exiters_q2 = 40;
    i.employed_q2 = 12;
    i.earners_q2 = 7;
    rep_suppress_indicators(&i);
    cr_assert(i.has_exiters_q2 && i.has_employed_q2 && i.has_employment_rate_q2);
    cr_assert_not(i.has_earners_q2 || i.has_median_earnings_q2_cents);
    cr_assert(i.suppressed);
}
