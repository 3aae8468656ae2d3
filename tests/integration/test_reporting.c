/* The reporting service through HTTP on a real node: a scripted fund
   (employers in two sectors, workers with chosen demographics, programs of
   several kinds, enrollments stepped on chosen past dates, credentials,
   tuition claims, employment records, apprentices) and every figure of the
   grant report, the outcomes, the apprenticeship report and the
   indicators, each computed by hand from docs/indicators.md beside its
   assertion; the analyst's suppressed view, CSV, validation and rebuild. */
#include "ht.h"

#include <stdlib.h>
#include <string.h>

HT_SHARED_NODE(false)

#define NODE ht_shared()

#define S_CATCH_UP_MS 60000 /* sanitizer builds on a busy 2-core machine */
#define S_AWARD_MS    10000 /* completion credentials arrive by event */
#define S_BULK        11    /* workers whose only fact is a 2022 placement */
/* Birth dates so many days before today: ages 39, 29 and 70 (in full
   years, leap days included) on any day the test runs. */
#define S_AGE_39 (39 * 365 + 150)
#define S_AGE_29 (29 * 365 + 150)
#define S_AGE_70 (70 * 365 + 150)

/* The fund's employers, known to every test of this binary through a file
   in the node's directory (each test runs in its own process). */
typedef struct {
    char ea[64]; /* Mercy General, acute */
    char el[64]; /* Sunrise Care, long_term_care */
} s_fund_ids;

/* ---- building the fund ---------------------------------------------------

   Grant year Y = 2024. Enrollments cannot be created on a past date, so
   every enrollment's `enrolled` step is dated today (T); its later steps
   carry the dates below.

   worker gender     race (group)                 employer  status*      lang  age
   W1     female     hispanic_latino+white (h_l)  EA        incumbent    en    39
   W2     female     black                        EA        unemployed   en
   W3     male       asian+white (two_or_more)    EA        unemployed   en    29
   W4     female     declined                     EL        incumbent    en
   W5     nonbinary  none (unknown)               EL        incumbent    es
   W6     male       white                        EL        incumbent    en
   W7     female     white                        EL        incumbent    en    70
   W8     (none)     black                        none      unemployed   -
   W9     female     hispanic_latino              EA        incumbent    es
   W10    male       black+aian (two_or_more)     EL        incumbent    es
   W11    female     asian                        EL        incumbent    en
   W12    male       white                        none      unemployed   -
   B1-11  female     white                        none      incumbent    tl
   (* after the employment records: W2, W3 separated; W5 placed at EL;
   W9 placed at EA; W10 placed at EL, moving from EA.)

   enrollments (enrolled T for all): W1 CNA active 2024-02-01 completed
   2024-03-15; W2 CNA the same; W3 CNA active 2024-02-01 failed 2024-03-10;
   W4 CE active 2024-05-01 completed 2024-06-30; W4 BS active 2024-05-01
   (still active); W5 CE active 2024-05-01 withdrawn 2024-05-20; W6 BS
   enrolled only; W7 CNA active 2023-11-01 completed 2023-12-15; W8 BS
   active 2024-09-01 completed 2024-10-15.
   credentials: W1 CNA-CERT 2024-04-01; W2 CNA-CERT 2024-03-20 (revoked);
   W7 CNA-CERT 2024-01-10; W11 BLS 2024-08-01 (transfer; expired by now);
   W8 BLS 2025-02-01; W2 BLS 2025-04-01; W9, W10 CHW-CERT 2024-02-12
   (source apprenticeship, awarded on completion).
   apprentices: CHW (time_based 100 OJL + 10 RTI): W9, W10 from 2024-01-08,
   completed 2024-02-12; W11 from 2024-03-01 active; W12 from 2024-03-01
   cancelled; W3 from 2024-04-01 suspended. MA (competency_based): W1 from
   2024-06-01, W2 from 2023-12-01, W5 from 2024-06-01 (RPT-COMP-A signed
   off 2024-07-01); all active.
   tuition: W2 approved 2024-03-01, paid 2024-04-01; W6 approved
   2025-01-15; W7 denied 2024-05-01.
   employment: W9 placement EA 2400c 2024-05-12 (completion + 90 days);
   W10 placement EL 2500c 2024-05-13 (+91); W5 placement EL 2200c
   2024-07-01; W1 wage_change 2600c 2024-05-01 and 2900c 2024-11-01; W3
   separation 2024-06-01; W2 separation 2024-12-01; B1-11 placement
   2022-03-01. */

static char *s_post(const char *path, const char *body)
{
    return ht_create(NODE, path, "%s", body);
}

static void s_ok(const char *path, const char *body)
{
    json_decref(ht_expect(NODE, 200, "POST", path, body));
}

static char *s_worker(const char *given, const char *fields)
{
    return s_post("/v1/workers",
                  ht_fmt("{\"given_name\":\"%s\",\"family_name\":\"Fund\",%s}", given, fields));
}

/* An enrollment of worker in cohort, stepped through steps: pairs of
   status and date, NULL-terminated. */
static void s_enroll(const char *worker, const char *cohort, const char *const *steps)
{
    char *id = s_post("/v1/enrollments",
                      ht_fmt("{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", worker, cohort));
    for (int i = 0; steps[i]; i += 2)
        s_ok(ht_fmt("/v1/enrollments/%s/status", id),
             ht_fmt("{\"status\":\"%s\",\"date\":\"%s\"}", steps[i], steps[i + 1]));
    free(id);
}

static char *s_credential(const char *worker, const char *code, const char *issued,
                          const char *source)
{
    return s_post("/v1/credentials", ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"%s\","
                                            "\"issued_on\":\"%s\",\"source\":\"%s\"}",
                                            worker, code, issued, source));
}

/* A tuition claim decided on the given steps (status, date, NULL-ended). */
static void s_claim(const char *worker, const char *const *steps)
{
    char *id = s_post("/v1/tuition-claims",
                      ht_fmt("{\"worker_id\":\"%s\",\"institution\":\"Valley College\","
                             "\"amount_cents\":150000}",
                             worker));
    for (int i = 0; steps[i]; i += 2)
        s_ok(ht_fmt("/v1/tuition-claims/%s/decision", id),
             ht_fmt("{\"status\":\"%s\",\"date\":\"%s\"}", steps[i], steps[i + 1]));
    free(id);
}

/* An employment record; employer NULL for none, wage 0 for none. */
static void s_employment(const char *worker, const char *kind, const char *employer, int wage,
                         const char *date)
{
    char extra[160] = "";
    if (employer)
        snprintf(extra, sizeof extra, ",\"employer_id\":\"%s\"", employer);
    if (wage)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ",\"hourly_wage_cents\":%d",
                 wage);
    free(s_post(ht_fmt("/v1/workers/%s/employment", worker),
                ht_fmt("{\"kind\":\"%s\",\"effective_date\":\"%s\"%s}", kind, date, extra)));
}

static char *s_apprentice(const char *worker, const char *program, const char *employer,
                          const char *start)
{
    return s_post("/v1/apprentices",
                  ht_fmt("{\"worker_id\":\"%s\",\"program_code\":\"%s\",\"employer_id\":\"%s\","
                         "\"mentor\":\"Maria Mentor\",\"start_date\":\"%s\"}",
                         worker, program, employer, start));
}

static void s_hours(const char *apprentice, const char *kind, const char *date, int hours)
{
    s_ok(ht_fmt("/v1/apprentices/%s/hours", apprentice),
         ht_fmt("{\"kind\":\"%s\",\"date\":\"%s\",\"hours\":%d}", kind, date, hours));
}

/* 100 OJL hours on 2024-02-05..09 and 10 RTI hours on 2024-02-12: the
   time_based CHW program completes on 2024-02-12. */
static void s_complete_chw(const char *apprentice)
{
    const char *days[] = {"2024-02-05", "2024-02-06", "2024-02-07", "2024-02-08", "2024-02-09"};
    for (int i = 0; i < 5; i++)
        s_hours(apprentice, "ojl", days[i], 20);
    s_hours(apprentice, "rti", "2024-02-12", 10);
    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/apprentices/%s", apprentice), NULL);
    cr_assert_str_eq(ht_jstr(got, "status"), "completed", "%s", ht_jtext(got));
    cr_assert_str_eq(ht_jstr(got, "completed_on"), "2024-02-12", "%s", ht_jtext(got));
    json_decref(got);
}

static void s_catalog(void)
{
    const char *types[] = {
        "{\"code\":\"RPT-CNA-CERT\",\"name\":\"Nurse Aide Certification\","
        "\"kind\":\"certification\",\"issuer\":\"State Board of Nursing\"}",
        "{\"code\":\"RPT-CHW-CERT\",\"name\":\"Community Health Worker Certificate\","
        "\"kind\":\"certificate\",\"issuer\":\"State Apprenticeship Agency\"}",
        "{\"code\":\"RPT-BLS\",\"name\":\"Basic Life Support\",\"kind\":\"certificate\","
        "\"issuer\":\"Heart Association\",\"validity_months\":24}",
        NULL};
    for (int i = 0; types[i]; i++)
        json_decref(ht_expect(NODE, 201, "POST", "/v1/credential-types", types[i]));
    json_decref(ht_expect(NODE, 201, "POST", "/v1/competencies",
                          "{\"code\":\"RPT-COMP-A\",\"name\":\"Vital signs\"}"));
    json_decref(ht_expect(NODE, 201, "POST", "/v1/competencies",
                          "{\"code\":\"RPT-COMP-B\",\"name\":\"Phlebotomy\"}"));
    json_decref(ht_expect(NODE, 201, "POST", "/v1/apprenticeship-programs",
                          "{\"code\":\"RPT-CHW\",\"name\":\"Community Health Worker\","
                          "\"occupation\":\"Community Health Worker\",\"approach\":\"time_based\","
                          "\"ojl_hours\":100,\"rti_hours\":10,"
                          "\"completion_credential_code\":\"RPT-CHW-CERT\"}"));
    json_decref(ht_expect(NODE, 201, "POST", "/v1/apprenticeship-programs",
                          "{\"code\":\"RPT-MA\",\"name\":\"Medical Assistant\","
                          "\"occupation\":\"Medical Assistant\",\"approach\":\"competency_based\","
                          "\"competencies\":[\"RPT-COMP-A\",\"RPT-COMP-B\"]}"));
}

/* An enrollment program and one cohort of it; the cohort's id (malloc'd). */
static char *s_program_cohort(const char *code, const char *name, const char *kind,
                              const char *credential)
{
    char extra[96] = "";
    if (credential)
        snprintf(extra, sizeof extra, ",\"credential_code\":\"%s\"", credential);
    char *program = s_post("/v1/programs", ht_fmt("{\"code\":\"%s\",\"name\":\"%s\","
                                                  "\"kind\":\"%s\"%s}",
                                                  code, name, kind, extra));
    char *cohort = ht_new_cohort(NODE, program, 30);
    free(program);
    return cohort;
}

typedef struct {
    char *w[13]; /* W1..W12 at [1..12] */
    char *cna, *ce, *bs;
} s_people;

static void s_workers(s_people *p, const s_fund_ids *ids)
{
    const char *ea = ids->ea, *el = ids->el;
    p->w[1] = s_worker("W1", ht_fmt("\"gender\":\"female\",\"race_ethnicity\":[\"hispanic_latino\","
                                    "\"white\"],\"employer_id\":\"%s\",\"employment_status\":"
                                    "\"incumbent\",\"preferred_language\":\"en\","
                                    "\"birth_date\":\"%s\"",
                                    ea, ht_days_ago(S_AGE_39)));
    p->w[2] = s_worker("W2", ht_fmt("\"gender\":\"female\",\"race_ethnicity\":[\"black\"],"
                                    "\"employer_id\":\"%s\",\"employment_status\":\"incumbent\","
                                    "\"preferred_language\":\"en\"",
                                    ea));
    p->w[3] = s_worker("W3", ht_fmt("\"gender\":\"male\",\"race_ethnicity\":[\"asian\",\"white\"],"
                                    "\"employer_id\":\"%s\",\"employment_status\":\"incumbent\","
                                    "\"preferred_language\":\"en\",\"birth_date\":\"%s\"",
                                    ea, ht_days_ago(S_AGE_29)));
    p->w[4] = s_worker("W4", ht_fmt("\"gender\":\"female\",\"race_ethnicity\":[\"declined\"],"
                                    "\"employer_id\":\"%s\",\"employment_status\":\"incumbent\","
                                    "\"preferred_language\":\"en\"",
                                    el));
    p->w[5] = s_worker("W5", ht_fmt("\"gender\":\"nonbinary\",\"employer_id\":\"%s\","
                                    "\"employment_status\":\"new_entrant\","
                                    "\"preferred_language\":\"es\"",
                                    el));
    p->w[6] = s_worker("W6", ht_fmt("\"gender\":\"male\",\"race_ethnicity\":[\"white\"],"
                                    "\"employer_id\":\"%s\",\"employment_status\":\"incumbent\","
                                    "\"preferred_language\":\"en\"",
                                    el));
    p->w[7] = s_worker("W7", ht_fmt("\"gender\":\"female\",\"race_ethnicity\":[\"white\"],"
                                    "\"employer_id\":\"%s\",\"employment_status\":\"incumbent\","
                                    "\"preferred_language\":\"en\",\"birth_date\":\"%s\"",
                                    el, ht_days_ago(S_AGE_70)));
    p->w[8] = s_worker("W8", "\"race_ethnicity\":[\"black\"],\"employment_status\":\"unemployed\"");
    p->w[9] = s_worker("W9", "\"gender\":\"female\",\"race_ethnicity\":[\"hispanic_latino\"],"
                             "\"employment_status\":\"new_entrant\",\"preferred_language\":\"es\"");
    p->w[10] = s_worker("W10", ht_fmt("\"gender\":\"male\",\"race_ethnicity\":[\"black\","
                                      "\"american_indian_alaska_native\"],\"employer_id\":\"%s\","
                                      "\"employment_status\":\"incumbent\","
                                      "\"preferred_language\":\"es\"",
                                      ea));
    p->w[11] = s_worker("W11", ht_fmt("\"gender\":\"female\",\"race_ethnicity\":[\"asian\"],"
                                      "\"employer_id\":\"%s\",\"employment_status\":\"incumbent\","
                                      "\"preferred_language\":\"en\"",
                                      el));
    p->w[12] = s_worker("W12", "\"gender\":\"male\",\"race_ethnicity\":[\"white\"],"
                               "\"employment_status\":\"unemployed\"");
}

static void s_enrollments(const s_people *p)
{
    char *const *w = p->w;
    s_enroll(w[1], p->cna,
             (const char *[]){"active", "2024-02-01", "completed", "2024-03-15", NULL});
    s_enroll(w[2], p->cna,
             (const char *[]){"active", "2024-02-01", "completed", "2024-03-15", NULL});
    s_enroll(w[3], p->cna, (const char *[]){"active", "2024-02-01", "failed", "2024-03-10", NULL});
    s_enroll(w[4], p->ce,
             (const char *[]){"active", "2024-05-01", "completed", "2024-06-30", NULL});
    s_enroll(w[4], p->bs, (const char *[]){"active", "2024-05-01", NULL});
    s_enroll(w[5], p->ce,
             (const char *[]){"active", "2024-05-01", "withdrawn", "2024-05-20", NULL});
    s_enroll(w[6], p->bs, (const char *[]){NULL});
    s_enroll(w[7], p->cna,
             (const char *[]){"active", "2023-11-01", "completed", "2023-12-15", NULL});
    s_enroll(w[8], p->bs,
             (const char *[]){"active", "2024-09-01", "completed", "2024-10-15", NULL});
}

static void s_credentials_and_claims(const s_people *p)
{
    char *const *w = p->w;
    free(s_credential(w[1], "RPT-CNA-CERT", "2024-04-01", "earned"));
    char *revoked = s_credential(w[2], "RPT-CNA-CERT", "2024-03-20", "earned");
    s_ok(ht_fmt("/v1/credentials/%s/revoke", revoked), "{\"reason\":\"issued in error\"}");
    free(revoked);
    free(s_credential(w[7], "RPT-CNA-CERT", "2024-01-10", "earned"));
    free(s_credential(w[11], "RPT-BLS", "2024-08-01", "transfer"));
    free(s_credential(w[8], "RPT-BLS", "2025-02-01", "earned"));
    free(s_credential(w[2], "RPT-BLS", "2025-04-01", "earned"));
    s_claim(w[2], (const char *[]){"approved", "2024-03-01", "paid", "2024-04-01", NULL});
    s_claim(w[6], (const char *[]){"approved", "2025-01-15", NULL});
    s_claim(w[7], (const char *[]){"denied", "2024-05-01", NULL});
}

static void s_apprentices(const s_people *p, const s_fund_ids *ids)
{
    char *const *w = p->w;
    char *a9 = s_apprentice(w[9], "RPT-CHW", ids->ea, "2024-01-08");
    char *a10 = s_apprentice(w[10], "RPT-CHW", ids->ea, "2024-01-08");
    s_complete_chw(a9);
    s_complete_chw(a10);
    char *a11 = s_apprentice(w[11], "RPT-CHW", ids->el, "2024-03-01");
    s_hours(a11, "ojl", "2024-03-04", 8);
    char *a12 = s_apprentice(w[12], "RPT-CHW", ids->el, "2024-03-01");
    s_ok(ht_fmt("/v1/apprentices/%s/status", a12),
         "{\"status\":\"cancelled\",\"reason\":\"moved away\",\"date\":\"2024-04-15\"}");
    char *a3 = s_apprentice(w[3], "RPT-CHW", ids->ea, "2024-04-01");
    s_ok(ht_fmt("/v1/apprentices/%s/status", a3),
         "{\"status\":\"suspended\",\"reason\":\"leave\",\"date\":\"2024-05-01\"}");
    free(s_apprentice(w[1], "RPT-MA", ids->ea, "2024-06-01"));
    free(s_apprentice(w[2], "RPT-MA", ids->ea, "2023-12-01"));
    char *a5 = s_apprentice(w[5], "RPT-MA", ids->el, "2024-06-01");
    s_ok(ht_fmt("/v1/apprentices/%s/signoffs", a5),
         "{\"competency\":\"RPT-COMP-A\",\"signed_by\":\"Maria Mentor\",\"date\":\"2024-07-01\"}");
    free(a9), free(a10), free(a11), free(a12), free(a3), free(a5);
}

static void s_employment_records(const s_people *p, const s_fund_ids *ids)
{
    char *const *w = p->w;
    s_employment(w[9], "placement", ids->ea, 2400, "2024-05-12");
    s_employment(w[10], "placement", ids->el, 2500, "2024-05-13");
    s_employment(w[5], "placement", ids->el, 2200, "2024-07-01");
    s_employment(w[1], "wage_change", NULL, 2600, "2024-05-01");
    s_employment(w[1], "wage_change", NULL, 2900, "2024-11-01");
    s_employment(w[3], "separation", NULL, 0, "2024-06-01");
    s_employment(w[2], "separation", NULL, 0, "2024-12-01");
    for (int i = 1; i <= S_BULK; i++) {
        char *b = s_worker(ht_fmt("B%d", i), "\"gender\":\"female\",\"race_ethnicity\":[\"white\"],"
                                             "\"employment_status\":\"unemployed\","
                                             "\"preferred_language\":\"tl\"");
        s_employment(b, "placement", NULL, 0, "2022-03-01");
        free(b);
    }
}

/* Waits until worker holds credential code (awarded by event). */
static void s_wait_credential(const char *worker, const char *code)
{
    int64_t until = ht_now_ms() + S_AWARD_MS;
    for (;;) {
        json_t *list =
            ht_expect(NODE, 200, "GET", ht_fmt("/v1/credentials?worker_id=%s", worker), NULL);
        const char *got = ht_jstr(list, "items.0.credential_code");
        bool held = got && strcmp(got, code) == 0;
        json_decref(list);
        if (held)
            return;
        cr_assert(ht_now_ms() < until, "%s has no %s after %d ms", worker, code, S_AWARD_MS);
        ht_sleep_ms(50);
    }
}

/* ---- the grants ---------------------------------------------------------- */

#define S_GRANT_2024 "RPT-2024"
#define S_GRANT_NOW  "RPT-NOW"

static void s_grants(void)
{
    json_decref(ht_expect(
        NODE, 201, "POST", "/v1/grants",
        "{\"code\":\"" S_GRANT_2024 "\",\"name\":\"Care Careers 2024\",\"funder\":\"State "
        "Workforce Board\",\"start_date\":\"2024-01-01\",\"end_date\":\"2024-12-31\","
        "\"deliverables\":["
        "{\"code\":\"D-PART-CT\",\"name\":\"Credential trainees\",\"metric\":\"participants\","
        "\"target\":4,\"filter\":{\"program_kinds\":[\"credential_training\"]}},"
        "{\"code\":\"D-PART\",\"name\":\"Participants\",\"metric\":\"participants\",\"target\":20},"
        "{\"code\":\"D-PART-CE\",\"name\":\"CE participants\",\"metric\":\"participants\","
        "\"target\":4,\"filter\":{\"program_codes\":[\"RPT-CE\"]}},"
        "{\"code\":\"D-COMP\",\"name\":\"CE and BS completers\",\"metric\":\"completions\","
        "\"target\":2,\"filter\":{\"program_codes\":[\"RPT-CE\",\"RPT-BS\"]}},"
        "{\"code\":\"D-COMP-CT\",\"name\":\"CT completers\",\"metric\":\"completions\","
        "\"target\":1,\"filter\":{\"program_kinds\":[\"credential_training\"]}},"
        "{\"code\":\"D-CRED-CNA\",\"name\":\"CNA certified\",\"metric\":\"credentials\","
        "\"target\":2,\"filter\":{\"credential_codes\":[\"RPT-CNA-CERT\"]}},"
        "{\"code\":\"D-CRED-APP\",\"name\":\"Credentials by apprenticeship\","
        "\"metric\":\"credentials\",\"target\":4,\"filter\":{\"sources\":[\"apprenticeship\"]}},"
        "{\"code\":\"D-CRED-BLS\",\"name\":\"BLS transferred\",\"metric\":\"credentials\","
        "\"target\":1,\"filter\":{\"credential_codes\":[\"RPT-BLS\"],\"sources\":[\"transfer\"]}},"
        "{\"code\":\"D-APPR\",\"name\":\"CHW apprentices\",\"metric\":\"apprentices\","
        "\"target\":5,\"filter\":{\"program_codes\":[\"RPT-CHW\"]}},"
        "{\"code\":\"D-APPR-ALL\",\"name\":\"Apprentices\",\"metric\":\"apprentices\","
        "\"target\":10},"
        "{\"code\":\"D-APPR-DONE\",\"name\":\"Journeyworkers\","
        "\"metric\":\"apprentices_completed\",\"target\":2},"
        "{\"code\":\"D-TUITION\",\"name\":\"Tuition\",\"metric\":\"tuition_reimbursements\","
        "\"target\":4},"
        "{\"code\":\"D-PLACE\",\"name\":\"Placements\",\"metric\":\"placements\",\"target\":10},"
        "{\"code\":\"D-RATE\",\"name\":\"CHW placement rate\",\"metric\":\"placement_rate\","
        "\"target\":80,\"filter\":{\"program_codes\":[\"RPT-CHW\"]}}]}"));
    /* 200 days from T-99 to T+100: day 100 of them is today */
    json_decref(ht_expect(
        NODE, 201, "POST", "/v1/grants",
        ht_fmt("{\"code\":\"" S_GRANT_NOW "\",\"name\":\"Current year\",\"start_date\":\"%s\","
               "\"end_date\":\"%s\",\"deliverables\":["
               "{\"code\":\"N-PART\",\"name\":\"Participants\",\"metric\":\"participants\","
               "\"target\":10},"
               "{\"code\":\"N-COMP\",\"name\":\"Completers\",\"metric\":\"completions\","
               "\"target\":1},"
               "{\"code\":\"N-RATE\",\"name\":\"Placement rate\",\"metric\":\"placement_rate\","
               "\"target\":50}]}",
               ht_days_ago(99), ht_days_ago(-100))));
}

static void s_build(s_fund_ids *ids)
{
    char *ea = s_post("/v1/employers", "{\"name\":\"Mercy General\",\"sector\":\"acute\"}");
    char *el = s_post("/v1/employers", "{\"name\":\"Sunrise Care\",\"sector\":\"long_term_care\"}");
    snprintf(ids->ea, sizeof ids->ea, "%s", ea);
    snprintf(ids->el, sizeof ids->el, "%s", el);
    free(ea), free(el);
    s_catalog();
    s_people p = {0};
    p.cna = s_program_cohort("RPT-CNA", "Certified Nursing Assistant", "credential_training",
                             "RPT-CNA-CERT");
    p.ce = s_program_cohort("RPT-CE", "Infection Control Update", "continuing_education", NULL);
    p.bs = s_program_cohort("RPT-BS", "Workplace English", "basic_skills", NULL);
    s_workers(&p, ids);
    s_enrollments(&p);
    s_credentials_and_claims(&p);
    s_apprentices(&p, ids);
    s_employment_records(&p, ids);
    s_wait_credential(p.w[9], "RPT-CHW-CERT");
    s_wait_credential(p.w[10], "RPT-CHW-CERT");
    s_grants();
    for (int i = 1; i <= 12; i++)
        free(p.w[i]);
    free(p.cna), free(p.ce), free(p.bs);
}

/* The fund, built by the first test that needs it; every caller then
   waits for reporting to have applied all of it. */
static s_fund_ids s_fund(void)
{
    s_fund_ids ids = {{0}, {0}};
    char path[256];
    snprintf(path, sizeof path, "%s/rep-fund.json", NODE->dir);
    json_t *saved = json_load_file(path, 0, NULL);
    if (saved) {
        snprintf(ids.ea, sizeof ids.ea, "%s", ht_jstr(saved, "ea"));
        snprintf(ids.el, sizeof ids.el, "%s", ht_jstr(saved, "el"));
        json_decref(saved);
    } else {
        int64_t start = ht_now_ms();
        s_build(&ids);
        saved = json_pack("{ssss}", "ea", ids.ea, "el", ids.el);
        cr_assert_eq(json_dump_file(saved, path, 0), 0);
        json_decref(saved);
        cr_log_info("fund written in %ld ms", (long)(ht_now_ms() - start));
    }
    int64_t took = ht_reports_wait(NODE, S_CATCH_UP_MS);
    cr_log_info("reporting caught up in %ld ms", (long)took);
    return ids;
}

/* ---- assertions ------------------------------------------------------------ */

#define S_NULL (-1) /* a suppressed count: JSON null */

static void s_assert_count(json_t *obj, const char *key, long want, const char *what)
{
    json_t *got = json_object_get(obj, key);
    if (want == S_NULL) {
        cr_assert(json_is_null(got), "%s: %s should be null (suppressed): %s", what, key,
                  ht_jtext(obj));
        return;
    }
    cr_assert(json_is_integer(got), "%s: %s is not an integer: %s", what, key, ht_jtext(obj));
    cr_assert_eq(json_integer_value(got), want, "%s: %s = %lld, want %ld: %s", what, key,
                 (long long)json_integer_value(got), want, ht_jtext(obj));
}

/* A number rounded to two decimals (tolerance 0.001), or null for S_NULL. */
static void s_assert_pct(json_t *obj, const char *key, double want, const char *what)
{
    json_t *got = json_object_get(obj, key);
    if (want == S_NULL) {
        cr_assert(json_is_null(got), "%s: %s should be null: %s", what, key, ht_jtext(obj));
        return;
    }
    cr_assert(json_is_number(got), "%s: %s is not a number: %s", what, key, ht_jtext(obj));
    cr_assert_float_eq(json_number_value(got), want, 0.001, "%s: %s = %g, want %.2f: %s", what, key,
                       json_number_value(got), want, ht_jtext(obj));
}

static void s_assert_suppressed(json_t *obj, bool want, const char *what)
{
    json_t *got = json_object_get(obj, "suppressed");
    if (want)
        cr_assert(json_is_true(got), "%s: should be suppressed: %s", what, ht_jtext(obj));
    else
        cr_assert(!json_is_true(got), "%s: should not be suppressed: %s", what, ht_jtext(obj));
}

typedef struct {
    const char *group; /* "EA"/"EL" stand for the employers' ids */
    long participants, completed, credentials, apprentices, apprentices_completed, placements;
    bool suppressed;
    const char *label; /* NULL: not checked */
} s_row;

static void s_assert_row(json_t *row, const s_row *want, const char *what)
{
    s_assert_count(row, "participants", want->participants, what);
    s_assert_count(row, "completed", want->completed, what);
    s_assert_count(row, "credentials", want->credentials, what);
    s_assert_count(row, "apprentices", want->apprentices, what);
    s_assert_count(row, "apprentices_completed", want->apprentices_completed, what);
    s_assert_count(row, "placements", want->placements, what);
    s_assert_suppressed(row, want->suppressed, what);
    if (want->label)
        cr_assert_str_eq(ht_jstr(row, "label") ? ht_jstr(row, "label") : "(none)", want->label,
                         "%s: label: %s", what, ht_jtext(row));
}

static const char *s_group(const s_fund_ids *ids, const char *group)
{
    if (strcmp(group, "EA") == 0)
        return ids->ea;
    return strcmp(group, "EL") == 0 ? ids->el : group;
}

/* Asserts GET /v1/reports/outcomes?QUERY (with token) has exactly the
   rows of want (n of them, in any order) and the total row. */
static json_t *s_assert_outcomes(const s_fund_ids *ids, const char *token, const char *query,
                                 const s_row *want, size_t n, const s_row *total)
{
    json_t *report = NULL;
    const char *path = ht_fmt("/v1/reports/outcomes?%s", query);
    int status = ht_json_call(NODE, "GET", path, token ? token : NODE->token, NULL, &report);
    cr_assert_eq(status, 200, "GET %s -> %d %s", path, status, ht_jtext(report));
    json_t *rows = json_object_get(report, "rows");
    cr_assert_eq(json_array_size(rows), n, "%s: %zu rows, want %zu: %s", query,
                 json_array_size(rows), n, ht_jtext(report));
    for (size_t i = 0; i < n; i++) {
        const char *group = s_group(ids, want[i].group);
        json_t *found = NULL, *row;
        size_t k;
        json_array_foreach(rows, k, row)
        {
            const char *name = ht_jstr(row, "group");
            if (name && strcmp(name, group) == 0)
                found = row;
        }
        cr_assert(found, "%s: no row for %s: %s", query, want[i].group, ht_jtext(report));
        s_assert_row(found, &want[i], ht_fmt("%s row %s", query, want[i].group));
    }
    json_t *got_total = json_object_get(report, "total");
    cr_assert_str_eq(ht_jstr(got_total, "group") ? ht_jstr(got_total, "group") : "(none)", "total",
                     "%s: %s", query, ht_jtext(report));
    s_assert_row(got_total, total, ht_fmt("%s total", query));
    return report;
}

/* The rows' groups appear in the order of `order` (relative order only). */
static void s_assert_order(json_t *report, const char *const *order)
{
    long last = -1;
    for (int i = 0; order[i]; i++) {
        json_t *row;
        size_t k;
        long at = -1;
        json_array_foreach(json_object_get(report, "rows"), k, row)
        {
            const char *group = ht_jstr(row, "group");
            if (group && strcmp(group, order[i]) == 0)
                at = (long)k;
        }
        cr_assert(at > last, "%s is out of enum order: %s", order[i], ht_jtext(report));
        last = at;
    }
}

/* Rows that are no enum value come ordered by group (except "unknown"). */
static void s_assert_sorted(json_t *report)
{
    const char *last = "";
    json_t *row;
    size_t k;
    json_array_foreach(json_object_get(report, "rows"), k, row)
    {
        const char *group = ht_jstr(row, "group");
        cr_assert(group, "a row without a group: %s", ht_jtext(report));
        if (strcmp(group, "unknown") == 0)
            continue;
        cr_assert(strcmp(group, last) > 0, "%s after %s: %s", group, last, ht_jtext(report));
        last = group;
    }
}

typedef struct {
    const char *code;
    double target, actual, pct;
    int on_pace;                 /* 1 true, 0 false, S_NULL null */
    long numerator, denominator; /* placement_rate only; S_NULL null */
    bool suppressed;
} s_deliverable;

static void s_assert_deliverable(json_t *report, const s_deliverable *want)
{
    json_t *found = NULL, *item;
    size_t k;
    json_array_foreach(json_object_get(report, "deliverables"), k, item)
    {
        const char *code = ht_jstr(item, "code");
        if (code && strcmp(code, want->code) == 0)
            found = item;
    }
    cr_assert(found, "no deliverable %s: %s", want->code, ht_jtext(report));
    s_assert_pct(found, "target", want->target, want->code);
    s_assert_pct(found, "actual", want->actual, want->code);
    s_assert_pct(found, "pct_of_target", want->pct, want->code);
    json_t *pace = json_object_get(found, "on_pace");
    if (want->on_pace == S_NULL)
        cr_assert(json_is_null(pace), "%s: on_pace should be null: %s", want->code,
                  ht_jtext(found));
    else
        cr_assert(json_is_boolean(pace) && json_is_true(pace) == (want->on_pace == 1),
                  "%s: on_pace should be %s: %s", want->code, want->on_pace ? "true" : "false",
                  ht_jtext(found));
    if (want->numerator || want->denominator) {
        s_assert_count(found, "numerator", want->numerator, want->code);
        s_assert_count(found, "denominator", want->denominator, want->code);
    }
    s_assert_suppressed(found, want->suppressed, want->code);
}

/* ---- the grant report -------------------------------------------------------- */

Test(reporting, the_grant_report_counts_each_deliverable)
{
    s_fund();
    json_t *grant = ht_expect(NODE, 200, "GET", "/v1/grants/" S_GRANT_2024, NULL);
    cr_assert_str_eq(ht_jstr(grant, "code"), S_GRANT_2024, "%s", ht_jtext(grant));
    cr_assert_str_eq(ht_jstr(grant, "funder"), "State Workforce Board", "%s", ht_jtext(grant));
    cr_assert_str_eq(ht_jstr(grant, "start_date"), "2024-01-01");
    cr_assert_eq(ht_jlen(grant, "deliverables"), 14, "%s", ht_jtext(grant));
    cr_assert_str_eq(ht_jstr(grant, "deliverables.13.metric"), "placement_rate");
    cr_assert_str_eq(ht_jstr(grant, "deliverables.7.filter.sources.0"), "transfer");
    cr_assert(ht_jstr(grant, "created_at"), "%s", ht_jtext(grant));
    json_decref(grant);

    json_t *report = ht_expect(NODE, 200, "GET", "/v1/reports/grants/" S_GRANT_2024, NULL);
    cr_assert_str_eq(ht_jstr(report, "name"), "Care Careers 2024", "%s", ht_jtext(report));
    cr_assert_str_eq(ht_jstr(report, "end_date"), "2024-12-31");
    /* the period is over: all 366 days of it passed */
    s_assert_pct(report, "elapsed_pct", 100, "RPT-2024");
    cr_assert_eq(ht_jlen(report, "deliverables"), 14, "%s", ht_jtext(report));
    cr_assert_str_eq(ht_jstr(report, "deliverables.0.code"), "D-PART-CT", "%s", ht_jtext(report));
    cr_assert_str_eq(ht_jstr(report, "deliverables.0.metric"), "participants");
    cr_assert_str_eq(ht_jstr(report, "deliverables.0.name"), "Credential trainees");
    const s_deliverable want[] = {
        /* enrolled/active/completed in 2024 in a credential_training
           program: W1, W2, W3 (active 2024-02-01); W7's steps are 2023 and
           everyone's enrolled step is today -> 3 of 4 = 75% */
        {"D-PART-CT", 4, 3, 75, 0, 0, 0, false},
        /* any program in 2024: W1, W2, W3, W4, W5 (active 2024-05-01), W8
           (active 2024-09-01); not W6 (enrolled today), W7 -> 6 of 20 */
        {"D-PART", 20, 6, 30, 0, 0, 0, false},
        /* RPT-CE: W4, W5 -> 2 of 4 */
        {"D-PART-CE", 4, 2, 50, 0, 0, 0, false},
        /* completed in RPT-CE or RPT-BS in 2024: W4 (06-30), W8 (10-15) */
        {"D-COMP", 2, 2, 100, 1, 0, 0, false},
        /* completed credential_training in 2024: W1, W2 (W7 in 2023) -> 200% */
        {"D-COMP-CT", 1, 2, 200, 1, 0, 0, false},
        /* RPT-CNA-CERT issued in 2024, not revoked: W1 (04-01), W7 (01-10);
           W2's was revoked */
        {"D-CRED-CNA", 2, 2, 100, 1, 0, 0, false},
        /* source apprenticeship in 2024: W9, W10 (CHW-CERT 02-12) -> 2 of 4 */
        {"D-CRED-APP", 4, 2, 50, 0, 0, 0, false},
        /* RPT-BLS and transfer: W11 (2024-08-01, expired since: still
           counts); W8's and W2's BLS are 2025 and earned */
        {"D-CRED-BLS", 1, 1, 100, 1, 0, 0, false},
        /* CHW registrations starting in 2024: W9, W10, W11, W12, W3 */
        {"D-APPR", 5, 5, 100, 1, 0, 0, false},
        /* any program: + W1, W5 (MA 2024-06-01); W2's MA start is 2023 -> 7 */
        {"D-APPR-ALL", 10, 7, 70, 0, 0, 0, false},
        /* apprenticeships completed in 2024: W9, W10 */
        {"D-APPR-DONE", 2, 2, 100, 1, 0, 0, false},
        /* claims approved or paid in 2024: W2 only (W6's approval is 2025,
           W7's was denied) -> 1 of 4 */
        {"D-TUITION", 4, 1, 25, 0, 0, 0, false},
        /* placements in 2024: W9, W10, W5; the bulk's are 2022 -> 3 of 10 */
        {"D-PLACE", 10, 3, 30, 0, 0, 0, false},
        /* CHW completers in 2024: W9, W10; placed within 90 days: W9 (day
           90); W10's is day 91 -> 1/2 = 50%, of the 80% target 62.5% */
        {"D-RATE", 80, 50, 62.5, 0, 1, 2, false},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        s_assert_deliverable(report, &want[i]);
    json_decref(report);
}

Test(reporting, a_current_grant_is_on_pace_by_its_elapsed_days)
{
    s_fund();
    json_t *report = ht_expect(NODE, 200, "GET", "/v1/reports/grants/" S_GRANT_NOW, NULL);
    /* T-99..T+100 is 200 days; 100 of them passed by today inclusive */
    s_assert_pct(report, "elapsed_pct", 50, S_GRANT_NOW);
    cr_assert_str_eq(ht_jstr(report, "start_date"), ht_days_ago(99));
    const s_deliverable want[] = {
        /* every enrollment's enrolled step is today: W1-W8 -> 8 of 10 = 80%
           >= 50% elapsed: on pace */
        {"N-PART", 10, 8, 80, 1, 0, 0, false},
        /* nothing completed in the period: 0% < 50% */
        {"N-COMP", 1, 0, 0, 0, 0, 0, false},
        /* nobody completed an apprenticeship in the period: 0 of 0 -> 0 */
        {"N-RATE", 50, 0, 0, 0, 0, 0, false},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        s_assert_deliverable(report, &want[i]);
    json_t *rate = ht_jget(report, "deliverables.2");
    s_assert_count(rate, "numerator", 0, "N-RATE");
    s_assert_count(rate, "denominator", 0, "N-RATE");
    json_decref(report);
}

/* ---- outcomes ---------------------------------------------------------------- */

/* All time. Per worker (P participation, C completion, Cr credential not
   revoked, A registration, AC apprenticeship completion, Pl placement):
   W1 P C Cr A; W2 P C Cr(BLS 2025) A; W3 P A; W4 P C; W5 P A Pl; W6 P;
   W7 P C Cr; W8 P C Cr; W9 Cr A AC Pl; W10 Cr A AC Pl; W11 Cr A; W12 A;
   B1-11 Pl. Totals: P 8, C 5, Cr 7, A 8, AC 2, Pl 14. */
static const s_row s_total = {"total", 8, 5, 7, 8, 2, 14, false, NULL};

Test(reporting, outcomes_by_gender)
{
    s_fund_ids ids = s_fund();
    const s_row rows[] = {
        /* W1 W2 W4 W7 W9 W11 + B1-11: P W1 W2 W4 W7; C the same; Cr W1 W2
           W7 W9 W11; A W1 W2 W9 W11; AC W9; Pl W9 + 11 */
        {"female", 4, 4, 5, 4, 1, 12, false, NULL},
        /* W3 W6 W10 W12: P W3 W6; Cr W10; A W3 W10 W12; AC W10; Pl W10 */
        {"male", 2, 0, 1, 3, 1, 1, false, NULL},
        {"nonbinary", 1, 0, 0, 1, 0, 1, false, NULL}, /* W5 */
        {"unknown", 1, 1, 1, 0, 0, 0, false, NULL},   /* W8 */
    };
    json_t *report = s_assert_outcomes(&ids, NULL, "by=gender", rows, 4, &s_total);
    cr_assert_str_eq(ht_jstr(report, "by"), "gender", "%s", ht_jtext(report));
    s_assert_order(report, (const char *const[]){"female", "male", "nonbinary", NULL});
    json_decref(report);
}

Test(reporting, outcomes_by_race_ethnicity)
{
    s_fund_ids ids = s_fund();
    const s_row rows[] = {
        /* W1 (hispanic_latino + white), W9 */
        {"hispanic_latino", 1, 1, 2, 2, 1, 1, false, NULL},
        /* W2, W8: Cr W2 (BLS 2025), W8; A W2 */
        {"black", 2, 2, 2, 1, 0, 0, false, NULL},
        /* W3 (asian + white), W10 (black + american_indian_alaska_native) */
        {"two_or_more", 1, 0, 1, 2, 1, 1, false, NULL},
        {"declined", 1, 1, 0, 0, 0, 0, false, NULL}, /* W4 */
        /* W6, W7, W12, B1-11: P W6 W7; C W7; Cr W7; A W12; Pl 11 */
        {"white", 2, 1, 1, 1, 0, 11, false, NULL},
        {"asian", 0, 0, 1, 1, 0, 0, false, NULL},   /* W11 */
        {"unknown", 1, 0, 0, 1, 0, 1, false, NULL}, /* W5: no answer */
    };
    json_t *report = s_assert_outcomes(&ids, NULL, "by=race_ethnicity", rows, 7, &s_total);
    s_assert_order(report,
                   (const char *const[]){"asian", "black", "hispanic_latino", "white", NULL});
    json_decref(report);
}

Test(reporting, outcomes_by_employer_and_sector)
{
    s_fund_ids ids = s_fund();
    const s_row employers[] = {
        /* W1 W2 W3 W9 (W9 placed here; W10 moved away): P W1 W2 W3; C W1
           W2; Cr W1 W2 W9; A W1 W2 W3 W9; AC W9; Pl W9 */
        {"EA", 3, 2, 3, 4, 1, 1, false, "Mercy General"},
        /* W4 W5 W6 W7 W10 W11: P W4 W5 W6 W7; C W4 W7; Cr W7 W10 W11; A W5
           W10 W11; AC W10; Pl W5 W10 */
        {"EL", 4, 2, 3, 3, 1, 2, false, "Sunrise Care"},
        /* W8 W12 B1-11 */
        {"unknown", 1, 1, 1, 1, 0, 11, false, NULL},
    };
    json_t *report = s_assert_outcomes(&ids, NULL, "by=employer", employers, 3, &s_total);
    s_assert_sorted(report);
    json_decref(report);
    const s_row sectors[] = {
        {"acute", 3, 2, 3, 4, 1, 1, false, NULL},
        {"long_term_care", 4, 2, 3, 3, 1, 2, false, NULL},
        {"unknown", 1, 1, 1, 1, 0, 11, false, NULL},
    };
    report = s_assert_outcomes(&ids, NULL, "by=sector", sectors, 3, &s_total);
    s_assert_order(report, (const char *const[]){"acute", "long_term_care", NULL});
    json_decref(report);
}

Test(reporting, outcomes_by_age_band_and_employment_status)
{
    s_fund_ids ids = s_fund();
    const s_row ages[] = {
        {"25_34", 1, 0, 0, 1, 0, 0, false, NULL},   /* W3 */
        {"35_44", 1, 1, 1, 1, 0, 0, false, NULL},   /* W1 */
        {"65_plus", 1, 1, 1, 0, 0, 0, false, NULL}, /* W7 */
        /* no birth date: W2 W4 W5 W6 W8 W9 W10 W11 W12 B1-11: P W2 W4 W5 W6
           W8; C W2 W4 W8; Cr W2 W8 W9 W10 W11; A W2 W5 W9 W10 W11 W12 */
        {"unknown", 5, 3, 5, 6, 2, 14, false, NULL},
    };
    json_t *report = s_assert_outcomes(&ids, NULL, "by=age_band", ages, 4, &s_total);
    s_assert_order(report, (const char *const[]){"25_34", "35_44", "65_plus", NULL});
    json_decref(report);
    const s_row statuses[] = {
        /* now (after the employment records): W1 W4 W5 W6 W7 W9 W10 W11 and
           the placed B1-11 incumbent; W5 and W9 no longer new entrants */
        {"incumbent", 5, 3, 5, 5, 2, 14, false, NULL},
        /* W2 W3 separated, W8 W12 as registered */
        {"unemployed", 3, 2, 2, 3, 0, 0, false, NULL},
    };
    report = s_assert_outcomes(&ids, NULL, "by=employment_status", statuses, 2, &s_total);
    s_assert_order(report, (const char *const[]){"incumbent", "unemployed", NULL});
    json_decref(report);
}

Test(reporting, outcomes_by_program_are_each_programs_own_events)
{
    s_fund_ids ids = s_fund();
    const s_row rows[] = {
        /* W4 (active), W6 (enrolled), W8 (completed); no credential code;
           W8 completed it but has no placement */
        {"RPT-BS", 3, 1, 0, 0, 0, 0, false, "Workplace English"},
        /* W4 completed, W5 withdrew (so W5's placement is not this
           program's) */
        {"RPT-CE", 2, 1, 0, 0, 0, 0, false, "Infection Control Update"},
        /* registrations W3 W9 W10 W11 W12; completed W9 W10 with their
           CHW-CERT; both placed at some time */
        {"RPT-CHW", 0, 0, 2, 5, 2, 2, false, "Community Health Worker"},
        /* P W1 W2 W3 W7; C W1 W2 W7; CNA-CERT held by W1 W7 (W2's revoked) */
        {"RPT-CNA", 4, 3, 2, 0, 0, 0, false, "Certified Nursing Assistant"},
        /* registrations W1 W2 W5; no completion credential */
        {"RPT-MA", 0, 0, 0, 3, 0, 0, false, "Medical Assistant"},
    };
    /* The total is the fund's, as for every dimension: program rows count
       only each program's own credentials and placements. */
    json_t *report = s_assert_outcomes(&ids, NULL, "by=program", rows, 5, &s_total);
    s_assert_sorted(report);
    json_decref(report);
}

Test(reporting, outcomes_in_a_period_count_events_by_their_own_dates)
{
    s_fund_ids ids = s_fund();
    const s_row rows[] = {
        /* 2024 only: P W1 W2 W4; C W1 W2 W4; Cr W1 W7 W9 W11 (W2's BLS is
           2025); A W1 W9 W11 (W2's MA start is 2023); AC W9; Pl W9 (the
           bulk's placements are 2022) */
        {"female", 3, 3, 4, 3, 1, 1, false, NULL},
        /* P W3; Cr W10; A W3 W10 W12; AC W10; Pl W10 (W6 only enrolled today) */
        {"male", 1, 0, 1, 3, 1, 1, false, NULL},
        {"nonbinary", 1, 0, 0, 1, 0, 1, false, NULL},
        /* W8: active and completed in 2024, BLS in 2025 */
        {"unknown", 1, 1, 0, 0, 0, 0, false, NULL},
    };
    const s_row total = {"total", 6, 4, 5, 7, 2, 3, false, NULL};
    json_t *report =
        s_assert_outcomes(&ids, NULL, "by=gender&from=2024-01-01&to=2024-12-31", rows, 4, &total);
    cr_assert_str_eq(ht_jstr(report, "from"), "2024-01-01", "%s", ht_jtext(report));
    cr_assert_str_eq(ht_jstr(report, "to"), "2024-12-31", "%s", ht_jtext(report));
    json_decref(report);
}

/* ---- apprenticeship report and indicators -------------------------------------- */

typedef struct {
    const char *query;
    long registered, active, suspended, completed, cancelled;
    double completion_rate;
    long placed;
    double placement_rate;
} s_appr_want;

static void s_assert_apprenticeship(const s_appr_want *want)
{
    json_t *report =
        ht_expect(NODE, 200, "GET", ht_fmt("/v1/reports/apprenticeship%s", want->query), NULL);
    s_assert_count(report, "registered", want->registered, want->query);
    s_assert_count(report, "active", want->active, want->query);
    s_assert_count(report, "suspended", want->suspended, want->query);
    s_assert_count(report, "completed", want->completed, want->query);
    s_assert_count(report, "cancelled", want->cancelled, want->query);
    s_assert_pct(report, "completion_rate", want->completion_rate, want->query);
    s_assert_count(report, "placed", want->placed, want->query);
    s_assert_pct(report, "placement_rate", want->placement_rate, want->query);
    s_assert_suppressed(report, false, want->query);
    json_decref(report);
}

Test(reporting, the_apprenticeship_report)
{
    s_fund();
    const s_appr_want want[] = {
        /* all 8: CHW W9 W10 completed, W11 active, W12 cancelled, W3
           suspended; MA W1 W2 W5 active. 2/8 = 25%; placed within 90 days
           of completion: W9 (day 90), not W10 (day 91) -> 1/2 */
        {"", 8, 4, 1, 2, 1, 25, 1, 50},
        /* CHW: 5 registrations, 2/5 = 40% */
        {"?program_code=RPT-CHW", 5, 1, 1, 2, 1, 40, 1, 50},
        /* CHW starting 2024-03-01..2024-12-31: W11, W12, W3 */
        {"?program_code=RPT-CHW&from=2024-03-01&to=2024-12-31", 3, 1, 1, 0, 1, 0, 0, 0},
        /* MA starting up to 2023-12-31: W2 */
        {"?program_code=RPT-MA&to=2023-12-31", 1, 1, 0, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        s_assert_apprenticeship(&want[i]);
}

typedef struct {
    const char *query;
    long cred_exiters, cred_attainers;
    double cred_rate;
    long skill_participants, skill_gainers;
    double skill_rate;
    long exiters_q2, employed_q2;
    double q2_rate;
    long exiters_q4, employed_q4;
    double q4_rate;
    long earners_q2, median_q2;
} s_ind_want;

static void s_assert_indicators(const s_ind_want *w)
{
    json_t *r = ht_expect(NODE, 200, "GET", ht_fmt("/v1/reports/indicators%s", w->query), NULL);
    const char *q = w->query;
    s_assert_count(r, "credential_exiters", w->cred_exiters, q);
    s_assert_count(r, "credential_attainers", w->cred_attainers, q);
    s_assert_pct(r, "credential_attainment_rate", w->cred_rate, q);
    s_assert_count(r, "skill_participants", w->skill_participants, q);
    s_assert_count(r, "skill_gainers", w->skill_gainers, q);
    s_assert_pct(r, "measurable_skill_gains", w->skill_rate, q);
    s_assert_count(r, "exiters_q2", w->exiters_q2, q);
    s_assert_count(r, "employed_q2", w->employed_q2, q);
    s_assert_pct(r, "employment_rate_q2", w->q2_rate, q);
    s_assert_count(r, "exiters_q4", w->exiters_q4, q);
    s_assert_count(r, "employed_q4", w->employed_q4, q);
    s_assert_pct(r, "employment_rate_q4", w->q4_rate, q);
    s_assert_count(r, "earners_q2", w->earners_q2, q);
    s_assert_count(r, "median_earnings_q2_cents", w->median_q2, q);
    cr_assert(ht_jstr(r, "as_of"), "%s: as_of: %s", q, ht_jtext(r));
    json_decref(r);
}

Test(reporting, the_indicators)
{
    s_fund();
    /* Exits in 2024 (last exit each; all windows closed by now): W1
       2024-03-15 (Q1), W2 2024-03-15 (Q1), W3 2024-03-10 (Q1, failed), W5
       2024-05-20 (Q2, withdrawn), W8 2024-10-15 (Q4). W4 completed CE on
       2024-06-30 but was still active in BS that day: no exit.
       Credential attainment: credential_training exiters W1 W2 W3; W1's
       CNA-CERT 2024-04-01 is inside start..exit+1y; W2's CNA-CERT was
       revoked and the BLS of 2025-04-01 is after 2025-03-15 -> 1/3.
       Skill gains: participants in 2024 W1 W2 W3 W4 W5 W8; gains W1 W2 W4
       W8 (completion), W5 (sign-off 2024-07-01); W3 none -> 5/6.
       Q2 after exit (Q3 2024 for the Q1 exits, Q4 2024 for W5, Q2 2025
       for W8): W1 incumbent; W2 incumbent, separated only 2024-12-01; W3
       separated 2024-06-01; W5 placed 2024-07-01; W8 nothing -> W1 W2 W5
       = 3/5. Q4 after (Q1 2025, Q2 2025, Q4 2025): W2's separation now
       precedes -> W1 W5 = 2/5. Wage in Q2: W1 2600 (the 2900 is
       2024-11-01, after Q3 ended), W5 2200, W2 none -> median of two is
       the lower, 2200. */
    const s_ind_want y2024 = {
        "?from=2024-01-01&to=2024-12-31", 3, 1, 33.33, 6, 5, 83.33, 5, 3, 60, 5, 2, 40, 2, 2200};
    s_assert_indicators(&y2024);
    /* All time adds W7: exit 2023-12-15 from CNA, CNA-CERT 2024-01-10
       (2/4); incumbent in Q2 2024 and Q4 2024 (4/6, 3/6); no wage.
       Skill: participants W1-W8, gains W1 W2 W4 W5 W7 W8 -> 6/8. */
    const s_ind_want all = {"", 4, 2, 50, 8, 6, 75, 6, 4, 66.67, 6, 3, 50, 2, 2200};
    s_assert_indicators(&all);
}

/* ---- analyst, CSV ---------------------------------------------------------------- */

static char *s_analyst_token(void)
{
    json_t *made =
        ht_expect(NODE, 201, "POST", "/v1/tokens", "{\"role\":\"analyst\",\"name\":\"reports\"}");
    char *token = strdup(ht_jstr(made, "token"));
    json_decref(made);
    return token;
}

Test(reporting, the_analyst_sees_small_cells_suppressed)
{
    s_fund_ids ids = s_fund();
    char *token = s_analyst_token();
    /* by gender (all time): counts 1-9 hidden, 0 and 12 shown; no column
       has exactly one hidden cell */
    const s_row gender[] = {
        {"female", S_NULL, S_NULL, S_NULL, S_NULL, S_NULL, 12, true, NULL},
        {"male", S_NULL, 0, S_NULL, S_NULL, S_NULL, S_NULL, true, NULL},
        {"nonbinary", S_NULL, 0, 0, S_NULL, 0, S_NULL, true, NULL},
        {"unknown", S_NULL, S_NULL, S_NULL, 0, 0, 0, true, NULL},
    };
    const s_row total = {"total", S_NULL, S_NULL, S_NULL, S_NULL, S_NULL, 14, true, NULL};
    json_decref(s_assert_outcomes(&ids, token, "by=gender", gender, 4, &total));
    /* by language: en W1 W2 W3 W4 W6 W7 W11 (P6 C4 Cr4 A4), es W5 W9 W10
       (P1 Cr2 A3 AC2 Pl3), tl B1-11 (Pl 11), unknown W8 W12 (P1 C1 Cr1
       A1). The placements column hides es's 3 alone, so tl's 11 (the
       smallest shown non-zero cell) goes too: 14 - 11 would give it away. */
    const s_row language[] = {
        {"en", S_NULL, S_NULL, S_NULL, S_NULL, 0, 0, true, NULL},
        {"es", S_NULL, 0, S_NULL, S_NULL, S_NULL, S_NULL, true, NULL},
        {"tl", 0, 0, 0, 0, 0, S_NULL, true, NULL},
        {"unknown", S_NULL, S_NULL, S_NULL, S_NULL, 0, 0, true, NULL},
    };
    json_decref(s_assert_outcomes(&ids, token, "by=preferred_language", language, 4, &total));
    /* the admin sees the same language rows whole */
    const s_row plain[] = {
        {"en", 6, 4, 4, 4, 0, 0, false, NULL},
        {"es", 1, 0, 2, 3, 2, 3, false, NULL},
        {"tl", 0, 0, 0, 0, 0, 11, false, NULL},
        {"unknown", 1, 1, 1, 1, 0, 0, false, NULL},
    };
    json_decref(s_assert_outcomes(&ids, NULL, "by=preferred_language", plain, 4, &s_total));
    free(token);
}

Test(reporting, the_analyst_gets_suppressed_grant_apprenticeship_and_indicator_figures)
{
    s_fund();
    char *token = s_analyst_token();
    json_t *report = NULL;
    int status =
        ht_json_call(NODE, "GET", "/v1/reports/grants/" S_GRANT_2024, token, NULL, &report);
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    s_assert_pct(report, "elapsed_pct", 100, "analyst RPT-2024");
    /* 6 participants: hidden with pct and pace; the placement rate rests
       on 1 of 2: hidden with its counts */
    s_assert_deliverable(report,
                         &(s_deliverable){"D-PART", 20, S_NULL, S_NULL, S_NULL, 0, 0, true});
    s_assert_deliverable(
        report, &(s_deliverable){"D-RATE", 80, S_NULL, S_NULL, S_NULL, S_NULL, S_NULL, true});
    json_decref(report);
    status = ht_json_call(NODE, "GET", "/v1/reports/grants/" S_GRANT_NOW, token, NULL, &report);
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    /* 8 hidden; 0 completions shown with their 0% */
    s_assert_deliverable(report,
                         &(s_deliverable){"N-PART", 10, S_NULL, S_NULL, S_NULL, 0, 0, true});
    s_assert_deliverable(report, &(s_deliverable){"N-COMP", 1, 0, 0, 0, 0, 0, false});
    json_decref(report);
    status = ht_json_call(NODE, "GET", "/v1/reports/apprenticeship", token, NULL, &report);
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    /* 8 registered, 4 active, 1, 2, 1: all hidden, and the rates from them */
    const char *counts[] = {"registered", "active",    "suspended",
                            "completed",  "cancelled", "placed"};
    for (int i = 0; i < 6; i++)
        s_assert_count(report, counts[i], S_NULL, "analyst apprenticeship");
    s_assert_pct(report, "completion_rate", S_NULL, "analyst apprenticeship");
    s_assert_pct(report, "placement_rate", S_NULL, "analyst apprenticeship");
    s_assert_suppressed(report, true, "analyst apprenticeship");
    json_decref(report);
    status = ht_json_call(NODE, "GET", "/v1/reports/indicators?from=2024-01-01&to=2024-12-31",
                          token, NULL, &report);
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    s_assert_count(report, "credential_exiters", S_NULL, "analyst indicators");
    s_assert_pct(report, "credential_attainment_rate", S_NULL, "analyst indicators");
    s_assert_count(report, "median_earnings_q2_cents", S_NULL, "analyst indicators");
    s_assert_suppressed(report, true, "analyst indicators");
    json_decref(report);
    free(token);
}

Test(reporting, the_analyst_may_not_create_grants_or_rebuild)
{
    s_fund();
    char *token = s_analyst_token();
    json_t *reply = NULL;
    int status = ht_json_call(NODE, "POST", "/v1/grants", token,
                              "{\"code\":\"RPT-ANALYST\",\"name\":\"No\",\"start_date\":"
                              "\"2024-01-01\",\"end_date\":\"2024-12-31\",\"deliverables\":["
                              "{\"code\":\"D\",\"name\":\"D\",\"metric\":\"placements\","
                              "\"target\":1}]}",
                              &reply);
    ht_assert_error("analyst creating a grant", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);
    status = ht_json_call(NODE, "POST", "/v1/reports/rebuild", token, NULL, &reply);
    ht_assert_error("analyst rebuilding", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);
    status = ht_json_call(NODE, "GET", "/v1/workers", token, NULL, &reply);
    ht_assert_error("analyst listing workers", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);
    ht_json_get(NODE, "/v1/grants/RPT-ANALYST", &reply);
    cr_assert_str_eq(ht_jstr(reply, "error.code"), "not_found", "%s", ht_jtext(reply));
    json_decref(reply);
    free(token);
}

/* The cell of a CSV line under column (0-based), copied to out. */
static void s_csv_cell(const char *line, int column, char *out, size_t size)
{
    for (int i = 0; i < column && line; i++) {
        line = strchr(line, ',');
        line = line ? line + 1 : NULL;
    }
    size_t len = line ? strcspn(line, ",\r\n") : 0;
    snprintf(out, size, "%.*s", (int)len, line ? line : "");
}

static int s_csv_column(const char *header, const char *name)
{
    char cell[64];
    for (int i = 0; i < 32; i++) {
        s_csv_cell(header, i, cell, sizeof cell);
        if (strcmp(cell, name) == 0)
            return i;
    }
    cr_assert_fail("no column %s in %s", name, header);
    return -1;
}

/* The line of lines[1..n) whose cell under column is value, or NULL. */
static const char *s_csv_row(char **lines, int n, int column, const char *value)
{
    char cell[64];
    for (int i = 1; i < n; i++) {
        s_csv_cell(lines[i], column, cell, sizeof cell);
        if (strcmp(cell, value) == 0)
            return lines[i];
    }
    return NULL;
}

/* The cell under column name of the row whose group is group. */
static const char *s_csv_value(char **lines, int n, const char *group, const char *name)
{
    const char *row = s_csv_row(lines, n, s_csv_column(lines[0], "group"), group);
    cr_assert(row, "no CSV row for %s", group);
    static char cell[64];
    s_csv_cell(row, s_csv_column(lines[0], name), cell, sizeof cell);
    return cell;
}

/* Splits body into lines (at most max); returns how many. */
static int s_lines(char *body, char **lines, int max)
{
    int n = 0;
    for (char *save = NULL, *line = strtok_r(body, "\n", &save); line && n < max;
         line = strtok_r(NULL, "\n", &save))
        lines[n++] = line;
    return n;
}

Test(reporting, a_report_as_csv_has_a_header_and_a_row_per_group)
{
    s_fund();
    ht_req req = {
        .method = "GET", .path = "/v1/reports/outcomes?by=gender&format=csv", .token = NODE->token};
    ht_resp resp;
    cr_assert_eq(ht_http(NODE, &req, &resp), 200, "%s", resp.body);
    char type[64];
    cr_assert(ht_resp_header(&resp, "Content-Type", type, sizeof type), "%s", resp.head);
    cr_assert(strncmp(type, "text/csv", 8) == 0, "Content-Type %s", type);
    char *lines[16] = {0};
    int n = s_lines(resp.body, lines, 16);
    /* header, female, male, nonbinary, unknown (a total line may follow) */
    cr_assert(n == 5 || n == 6, "%d lines: %s", n, resp.body);
    char first[64];
    s_csv_cell(lines[1], s_csv_column(lines[0], "group"), first, sizeof first);
    cr_assert_str_eq(first, "female", "rows in enum order: %s", lines[1]);
    cr_assert_str_eq(s_csv_value(lines, n, "female", "placements"), "12");
    cr_assert_str_eq(s_csv_value(lines, n, "female", "credentials"), "5");
    cr_assert_str_eq(s_csv_value(lines, n, "male", "apprentices"), "3");
    cr_assert_str_eq(s_csv_value(lines, n, "unknown", "completed"), "1");
    ht_resp_free(&resp);

    req.path = "/v1/reports/apprenticeship?program_code=RPT-CHW";
    req.accept = "text/csv";
    cr_assert_eq(ht_http(NODE, &req, &resp), 200, "%s", resp.body);
    n = s_lines(resp.body, lines, 16);
    cr_assert_eq(n, 2, "a header and one row: %s", resp.body);
    char cell[64];
    s_csv_cell(lines[1], s_csv_column(lines[0], "registered"), cell, sizeof cell);
    cr_assert_str_eq(cell, "5", "CHW registered: %s", lines[1]);
    s_csv_cell(lines[1], s_csv_column(lines[0], "cancelled"), cell, sizeof cell);
    cr_assert_str_eq(cell, "1", "CHW cancelled: %s", lines[1]);
    ht_resp_free(&resp);
}

/* ---- validation ------------------------------------------------------------------ */

static void s_grant_error(const char *what, const char *body, int want_status,
                          const char *want_code, const char *want_field)
{
    json_t *reply = NULL;
    int status = ht_json_post(NODE, "/v1/grants", body, &reply);
    ht_assert_error(what, status, reply, want_status, want_code, want_field);
    json_decref(reply);
}

#define S_GRANT_HEAD "\"name\":\"G\",\"start_date\":\"2024-01-01\",\"end_date\":\"2024-12-31\""
#define S_ONE_DELIVERABLE                                                                          \
    "\"deliverables\":[{\"code\":\"D\",\"name\":\"D\",\"metric\":\"placements\",\"target\":1}]"

Test(reporting, grant_creation_rejects_bad_grants)
{
    s_fund();
    s_grant_error("no name",
                  "{\"code\":\"RPT-V1\",\"start_date\":\"2024-01-01\",\"end_date\":\"2024-12-"
                  "31\"," S_ONE_DELIVERABLE "}",
                  400, "invalid_argument", "name");
    s_grant_error("no deliverables", "{\"code\":\"RPT-V2\"," S_GRANT_HEAD ",\"deliverables\":[]}",
                  400, "invalid_argument", "deliverables*");
    s_grant_error("a bad date",
                  "{\"code\":\"RPT-V3\",\"name\":\"G\",\"start_date\":\"2024-02-30\","
                  "\"end_date\":\"2024-12-31\"," S_ONE_DELIVERABLE "}",
                  400, "invalid_argument", "start_date");
    s_grant_error("an end before the start",
                  "{\"code\":\"RPT-V4\",\"name\":\"G\",\"start_date\":\"2024-06-01\","
                  "\"end_date\":\"2024-05-31\"," S_ONE_DELIVERABLE "}",
                  400, "invalid_argument", "end_date");
    s_grant_error("a bad metric",
                  "{\"code\":\"RPT-V5\"," S_GRANT_HEAD ",\"deliverables\":[{\"code\":\"D\","
                  "\"name\":\"D\",\"metric\":\"happiness\",\"target\":1}]}",
                  400, "invalid_argument", "deliverables*");
    s_grant_error("a negative target",
                  "{\"code\":\"RPT-V6\"," S_GRANT_HEAD ",\"deliverables\":[{\"code\":\"D\","
                  "\"name\":\"D\",\"metric\":\"placements\",\"target\":-1}]}",
                  400, "invalid_argument", "deliverables*");
    s_grant_error("two deliverables with one code",
                  "{\"code\":\"RPT-V7\"," S_GRANT_HEAD ",\"deliverables\":["
                  "{\"code\":\"D\",\"name\":\"D\",\"metric\":\"placements\",\"target\":1},"
                  "{\"code\":\"D\",\"name\":\"E\",\"metric\":\"participants\",\"target\":1}]}",
                  400, "invalid_argument", "deliverables*");
    s_grant_error("an unknown program code",
                  "{\"code\":\"RPT-V8\"," S_GRANT_HEAD ",\"deliverables\":[{\"code\":\"D\","
                  "\"name\":\"D\",\"metric\":\"participants\",\"target\":1,"
                  "\"filter\":{\"program_codes\":[\"NO-SUCH-PROGRAM\"]}}]}",
                  404, "not_found", "deliverables*");
    s_grant_error("an unknown credential code",
                  "{\"code\":\"RPT-V9\"," S_GRANT_HEAD ",\"deliverables\":[{\"code\":\"D\","
                  "\"name\":\"D\",\"metric\":\"credentials\",\"target\":1,"
                  "\"filter\":{\"credential_codes\":[\"NO-SUCH-CREDENTIAL\"]}}]}",
                  404, "not_found", "deliverables*");
    s_grant_error("an existing code",
                  "{\"code\":\"" S_GRANT_2024 "\"," S_GRANT_HEAD "," S_ONE_DELIVERABLE "}", 409,
                  "already_exists", NULL);
    for (int i = 1; i <= 9; i++) {
        json_t *reply = NULL;
        int status = ht_json_get(NODE, ht_fmt("/v1/grants/RPT-V%d", i), &reply);
        ht_assert_error("a rejected grant", status, reply, 404, "not_found", NULL);
        json_decref(reply);
    }
}

Test(reporting, reports_reject_bad_queries)
{
    s_fund();
    const struct {
        const char *path;
        int status;
        const char *code, *field;
    } cases[] = {
        {"/v1/reports/grants/NO-SUCH-GRANT", 404, "not_found", NULL},
        {"/v1/grants/NO-SUCH-GRANT", 404, "not_found", NULL},
        {"/v1/reports/outcomes", 400, "invalid_argument", "by"},
        {"/v1/reports/outcomes?by=shoe_size", 400, "invalid_argument", "by"},
        {"/v1/reports/outcomes?by=gender&from=2024-13-01", 400, "invalid_argument", "from"},
        {"/v1/reports/indicators?to=yesterday", 400, "invalid_argument", "to"},
        {"/v1/reports/apprenticeship?program_code=NO-SUCH-PROGRAM", 404, "not_found",
         "program_code"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *reply = NULL;
        int status = ht_json_get(NODE, cases[i].path, &reply);
        ht_assert_error(cases[i].path, status, reply, cases[i].status, cases[i].code,
                        cases[i].field);
        json_decref(reply);
    }
}

/* ---- rebuild ----------------------------------------------------------------------- */

static const char *const s_report_paths[] = {
    "/v1/reports/grants/" S_GRANT_2024,
    "/v1/reports/grants/" S_GRANT_NOW,
    "/v1/reports/outcomes?by=gender",
    "/v1/reports/outcomes?by=race_ethnicity",
    "/v1/reports/outcomes?by=employer",
    "/v1/reports/outcomes?by=program",
    "/v1/reports/outcomes?by=age_band",
    "/v1/reports/outcomes?by=employment_status",
    "/v1/reports/outcomes?by=preferred_language&from=2024-01-01&to=2024-12-31",
    "/v1/reports/apprenticeship",
    "/v1/reports/indicators?from=2024-01-01&to=2024-12-31",
    "/v1/reports/indicators",
    "/v1/reports/outcomes?by=sector&format=csv",
    NULL,
};

/* Its own suite, which Criterion runs after the reporting suite: a
   rebuild replays the read model, which the other tests read. */
Test(reporting_rebuild, gives_every_report_byte_for_byte)
{
    s_fund();
    char *before[16] = {0};
    for (int i = 0; s_report_paths[i]; i++)
        before[i] = ht_reports_body(NODE, NULL, s_report_paths[i]);
    json_t *reply = ht_expect(NODE, 200, "POST", "/v1/reports/rebuild", NULL);
    /* the cursors of enrollment, credentialing and apprenticeship */
    cr_assert_eq(ht_jint(reply, "followers"), 3, "%s", ht_jtext(reply));
    json_decref(reply);
    /* from here GetStatus must not call the followers caught up before
       they have replayed: the wait below trusts it */
    reply = ht_expect(NODE, 200, "GET", "/v1/reports/status", NULL);
    cr_log_info("status right after the rebuild: %s", ht_jtext(reply));
    json_decref(reply);
    int64_t took = ht_reports_wait(NODE, S_CATCH_UP_MS);
    cr_log_info("rebuilt in %ld ms", (long)took);
    for (int i = 0; s_report_paths[i]; i++) {
        char *after = ht_reports_body(NODE, NULL, s_report_paths[i]);
        cr_assert_str_eq(after, before[i],
                         "%s differs after the rebuild:\nbefore %.3000s\nafter  %.3000s",
                         s_report_paths[i], before[i], after);
        free(after);
        free(before[i]);
    }
    /* grants are the service's own state: still there */
    json_t *grant = ht_expect(NODE, 200, "GET", "/v1/grants/" S_GRANT_NOW, NULL);
    cr_assert_eq(ht_jlen(grant, "deliverables"), 3, "%s", ht_jtext(grant));
    json_decref(grant);
}

Test(reporting, status_lists_a_follower_per_log)
{
    s_fund();
    json_t *status = ht_expect(NODE, 200, "GET", "/v1/reports/status", NULL);
    cr_assert_eq(ht_jlen(status, "followers"), 3, "%s", ht_jtext(status));
    for (int i = 0; i < HT_REPORTS_SOURCES; i++) {
        int64_t head = ht_events_head(NODE->dir, ht_reports_sources[i], 5000);
        cr_assert(head > 0, "%s log head %ld", ht_reports_sources[i], (long)head);
        json_t *follower = NULL, *item;
        size_t k;
        json_array_foreach(json_object_get(status, "followers"), k, item)
        {
            if (strcmp(ht_jstr(item, "source"), ht_reports_sources[i]) == 0)
                follower = item;
        }
        cr_assert(follower, "no follower of %s: %s", ht_reports_sources[i], ht_jtext(status));
        cr_assert_eq(ht_jint(follower, "seq"), head, "%s: %s", ht_reports_sources[i],
                     ht_jtext(follower));
        cr_assert_float_eq(json_number_value(json_object_get(follower, "seconds_behind")), 0, 1e-9,
                           "%s", ht_jtext(follower));
    }
    cr_assert_eq(ht_jint(status, "dead_letters"), 0, "%s", ht_jtext(status));
    json_decref(status);
}
