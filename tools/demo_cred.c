/* demo_cred: the demonstration fund's credentials: competencies, the seven
   credential types of its programs and of nursing, a nursing ladder,
   awards to the workers who completed credential programs and to licensed
   incumbents, two revocations and prior-learning assessments. */
#include <stdio.h>
#include <string.h>
#include "credentialing.pb-c.h"
#include "demo_plan.h"
#include "hc_time.h"

/* Idempotency key numbers, past demo.c's (which end below 8000). */
enum {
    S_KEY_COMPETENCY = 8001,
    S_KEY_TYPE = 8101,
    S_KEY_LADDER = 8151,
    S_KEY_EARNED = 8201, /* + enrollment pick (< 512) */
    S_KEY_CNA = 8801,    /* + worker */
    S_KEY_LVN = 9101,    /* + worker */
    S_KEY_REVOKE = 9401, /* + revocation */
    S_KEY_PRIOR = 9501,  /* + assessment */
    S_KEY_RENEW = 9601,  /* + enrollment pick (< 512) */
    S_MAX_AWARDS = 1200, /* two per pick + two per licensed incumbent */
    S_TRANSFER_CAP = 10, /* licensed incumbents given their earlier credentials */
    S_PRIOR_COUNT = 5,
};

#define S_SERVICE "credentialing"
#define KIND(x)   HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_##x
#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

typedef struct {
    const char *code, *name, *framework;
} s_competency;

static const s_competency s_competencies[] = {
    {"PATIENT-CARE", "Basic patient care, comfort and safety", "H-CAP clinical core"},
    {"VITALS", "Vital signs measurement and reporting", "H-CAP clinical core"},
    {"INFECTION", "Infection prevention and control", "H-CAP clinical core"},
    {"PHLEB", "Phlebotomy and specimen collection", "H-CAP clinical core"},
    {"MED-ADMIN", "Medication administration", "H-CAP nursing"},
    {"CLIN-JUDG", "Clinical judgment and care planning", "H-CAP nursing"},
    {"DENTAL-RAD", "Dental radiography and infection control", "H-CAP dental"},
    {"OUTREACH", "Community outreach and health education", "California CHW core"},
    {"CARE-COORD", "Care coordination and resource navigation", "California CHW core"},
    {"CODING", "ICD-10-CM and CPT coding", "H-CAP revenue cycle"},
    {"EHR", "Electronic health record documentation", "H-CAP digital skills"},
};
#define S_COMPETENCY_COUNT (sizeof s_competencies / sizeof s_competencies[0])

typedef struct {
    const char *code, *name;
    Hcap__CredentialKind kind;
    const char *issuer;
    unsigned validity_months;
    const char *level;
    const char *const *competencies;
} s_type;

static const s_type s_types[] = {
    {"CNA", "Certified Nursing Assistant", KIND(CERTIFICATION),
     "California Department of Public Health", 24, "entry",
     LIST("PATIENT-CARE", "VITALS", "INFECTION")},
    {"CCMA", "Certified Clinical Medical Assistant", KIND(CERTIFICATION),
     "National Healthcareer Association", 24, "entry", LIST("VITALS", "PHLEB", "INFECTION", "EHR")},
    {"RDA", "Registered Dental Assistant", KIND(LICENSE), "Dental Board of California", 24, "entry",
     LIST("DENTAL-RAD", "INFECTION")},
    {"CHW-CERT", "Community Health Worker Certificate", KIND(CERTIFICATE),
     "Los Angeles Trade-Technical College", 0, "entry", LIST("OUTREACH", "CARE-COORD")},
    {"LVN", "Licensed Vocational Nurse", KIND(LICENSE),
     "Board of Vocational Nursing and Psychiatric Technicians", 24, "intermediate",
     LIST("PATIENT-CARE", "MED-ADMIN", "CLIN-JUDG")},
    {"RN", "Registered Nurse", KIND(LICENSE), "Board of Registered Nursing", 24, "advanced",
     LIST("MED-ADMIN", "CLIN-JUDG", "CARE-COORD")},
    {"CPC", "Certified Professional Coder", KIND(CERTIFICATION), "AAPC", 12, "entry",
     LIST("CODING", "EHR")},
};
#define S_TYPE_COUNT (sizeof s_types / sizeof s_types[0])

/* Awards revoked, by their place among the earned ones, and why. */
static const struct {
    size_t award;
    const char *reason;
} s_revocations[] = {
    {7, "exam result invalidated by the issuer after an audit of the testing site"},
    {31, "recorded for the wrong worker; the correct award was entered separately"},
};
#define S_REVOCATION_COUNT (sizeof s_revocations / sizeof s_revocations[0])

static char *s_dup(const demo_fund *f, const char *text)
{
    return text ? hc_arena_strdup(f->arena, text) : NULL;
}

static char *s_date_add(const demo_fund *f, const char *date, int64_t days)
{
    char out[HC_DATE_SIZE];
    hc_date_from_days(hc_date_days(date) + days, out);
    return s_dup(f, out);
}

/* A NULL-terminated list as a protobuf repeated string (arena copies). */
static char **s_strings(const demo_fund *f, const char *const *list, size_t *count)
{
    for (*count = 0; list[*count];)
        (*count)++;
    char **out = hc_arena_alloc(f->arena, (*count + 1) * sizeof *out);
    for (size_t i = 0; i < *count; i++)
        out[i] = s_dup(f, list[i]);
    return out;
}

static ProtobufCMessage *s_message(const demo_fund *f, const ProtobufCMessageDescriptor *desc)
{
    return hc_arena_message(f->arena, desc);
}

static int s_competencies_load(const demo_fund *f, demo_stats *stats, hc_error *err)
{
    demo_call calls[S_COMPETENCY_COUNT];
    for (size_t i = 0; i < S_COMPETENCY_COUNT; i++) {
        Hcap__CreateCompetencyRequest *in = (Hcap__CreateCompetencyRequest *)s_message(
            f, &hcap__create_competency_request__descriptor);
        in->code = s_dup(f, s_competencies[i].code);
        in->name = s_dup(f, s_competencies[i].name);
        in->framework = s_dup(f, s_competencies[i].framework);
        calls[i] = (demo_call){&in->base, S_KEY_COMPETENCY + (unsigned)i, NULL, DEMO_WAITING, 0};
    }
    int rc = demo_run(f->loader, S_SERVICE, "CreateCompetency", &hcap__competency__descriptor,
                      calls, S_COMPETENCY_COUNT, err);
    stats->competencies = rc == HC_OK ? S_COMPETENCY_COUNT : 0;
    return rc;
}

static int s_types_load(const demo_fund *f, demo_stats *stats, hc_error *err)
{
    demo_call calls[S_TYPE_COUNT];
    for (size_t i = 0; i < S_TYPE_COUNT; i++) {
        const s_type *t = &s_types[i];
        Hcap__CreateCredentialTypeRequest *in = (Hcap__CreateCredentialTypeRequest *)s_message(
            f, &hcap__create_credential_type_request__descriptor);
        in->code = s_dup(f, t->code);
        in->name = s_dup(f, t->name);
        in->kind = t->kind;
        in->issuer = s_dup(f, t->issuer);
        in->has_validity_months = true;
        in->validity_months = t->validity_months;
        in->level = s_dup(f, t->level);
        in->competencies = s_strings(f, t->competencies, &in->n_competencies);
        calls[i] = (demo_call){&in->base, S_KEY_TYPE + (unsigned)i, NULL, DEMO_WAITING, 0};
    }
    int rc = demo_run(f->loader, S_SERVICE, "CreateCredentialType",
                      &hcap__credential_type__descriptor, calls, S_TYPE_COUNT, err);
    stats->credential_types = rc == HC_OK ? S_TYPE_COUNT : 0;
    return rc;
}

static int s_ladder_load(const demo_fund *f, demo_stats *stats, hc_error *err)
{
    Hcap__CreateLadderRequest *in =
        (Hcap__CreateLadderRequest *)s_message(f, &hcap__create_ladder_request__descriptor);
    in->code = s_dup(f, "NURSING");
    in->name = s_dup(f, "Nursing: CNA to LVN to RN");
    in->rungs = s_strings(f, LIST("CNA", "LVN", "RN"), &in->n_rungs);
    demo_call call = {&in->base, S_KEY_LADDER, NULL, DEMO_WAITING, 0};
    int rc =
        demo_run(f->loader, S_SERVICE, "CreateLadder", &hcap__ladder__descriptor, &call, 1, err);
    stats->ladders = rc == HC_OK ? 1 : 0;
    return rc;
}

static Hcap__AwardCredentialRequest *s_award(const demo_fund *f, size_t worker, const char *code,
                                             char *issued_on, Hcap__CredentialSource source,
                                             const char *evidence)
{
    Hcap__AwardCredentialRequest *in =
        (Hcap__AwardCredentialRequest *)s_message(f, &hcap__award_credential_request__descriptor);
    in->worker_id = f->worker_ids[worker];
    in->credential_code = s_dup(f, code);
    in->issued_on = issued_on;
    in->has_source = true;
    in->source = source;
    in->evidence = s_dup(f, evidence);
    return in;
}

/* An annual certification renewed (two in three holders) ten days before
   it lapsed; the others let it expire. */
static size_t s_renewal(const demo_fund *f, size_t e, const Hcap__AwardCredentialRequest *first,
                        demo_call *calls)
{
    const s_type *t = NULL;
    for (size_t i = 0; i < S_TYPE_COUNT; i++)
        t = strcmp(s_types[i].code, first->credential_code) == 0 ? &s_types[i] : t;
    if (!t || t->validity_months != 12 || e % 3 == 0)
        return 0;
    Hcap__AwardCredentialRequest *in =
        s_award(f, f->picks[e].worker, t->code, s_date_add(f, first->issued_on, 355),
                HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_EARNED,
                "annual renewal: continuing education units on file");
    calls[0] = (demo_call){&in->base, S_KEY_RENEW + (unsigned)e, NULL, DEMO_WAITING, 0};
    return 1;
}

/* Earned: a completed credential program's credential, issued two to eight
   weeks after the cohort ended; about one in ten did not pass the exam.
   Renewals follow all first awards (revocations pick among the first). */
static size_t s_earned(const demo_fund *f, demo_call *calls, size_t *renewals)
{
    size_t first = 0;
    for (size_t e = 0; e < f->pick_count; e++) {
        const demo_cohort *c = &demo_cohorts[f->picks[e].cohort];
        const demo_program *p = &demo_programs[c->program];
        if (!f->completed[e] || !p->credential_code || e % 10 == 9)
            continue;
        char evidence[160];
        snprintf(evidence, sizeof evidence, "completed %s; passed the credentialing exam", c->name);
        Hcap__AwardCredentialRequest *in =
            s_award(f, f->picks[e].worker, p->credential_code,
                    s_date_add(f, c->end_date, 14 + (int64_t)(e % 43)),
                    HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_EARNED, evidence);
        calls[first++] = (demo_call){&in->base, S_KEY_EARNED + (unsigned)e, NULL, DEMO_WAITING, 0};
    }
    size_t count = first;
    for (size_t i = 0; i < first; i++)
        count += s_renewal(f, calls[i].key - S_KEY_EARNED,
                           (const Hcap__AwardCredentialRequest *)calls[i].in, calls + count);
    *renewals = count - first;
    return first;
}

/* Licensed vocational nurses on staff bring their license (renewed in the
   last two years); every other one also the CNA they started with, long
   expired. */
static size_t s_transfers(const demo_fund *f, demo_call *calls)
{
    size_t count = 0, nurses = 0;
    for (size_t w = 0; w < DEMO_WORKERS && nurses < S_TRANSFER_CAP; w++) {
        const demo_worker *wk = &f->workers[w];
        if (!wk->job_title || strcmp(wk->job_title, "Licensed Vocational Nurse") != 0)
            continue;
        nurses++;
        const char *evidence = "license verified with the issuing board";
        Hcap__AwardCredentialRequest *lvn =
            s_award(f, w, "LVN", s_date_add(f, "2025-01-15", (int64_t)(w * 37 % 500)),
                    HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_TRANSFER, evidence);
        calls[count++] = (demo_call){&lvn->base, S_KEY_LVN + (unsigned)w, NULL, DEMO_WAITING, 0};
        if (nurses % 2 == 0)
            continue;
        Hcap__AwardCredentialRequest *cna =
            s_award(f, w, "CNA", s_date_add(f, "2014-03-01", (int64_t)(w * 53 % 1400)),
                    HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_TRANSFER,
                    "certificate on file from the nurse aide registry");
        calls[count++] = (demo_call){&cna->base, S_KEY_CNA + (unsigned)w, NULL, DEMO_WAITING, 0};
    }
    return count;
}

static int s_revoke(const demo_fund *f, demo_call *awards, size_t earned, demo_stats *stats,
                    hc_error *err)
{
    demo_call calls[S_REVOCATION_COUNT];
    size_t count = 0;
    for (size_t r = 0; r < S_REVOCATION_COUNT; r++) {
        if (s_revocations[r].award >= earned)
            continue;
        Hcap__RevokeCredentialRequest *in = (Hcap__RevokeCredentialRequest *)s_message(
            f, &hcap__revoke_credential_request__descriptor);
        in->id = ((Hcap__Credential *)awards[s_revocations[r].award].out)->id;
        in->reason = s_dup(f, s_revocations[r].reason);
        calls[count++] = (demo_call){&in->base, S_KEY_REVOKE + (unsigned)r, NULL, DEMO_WAITING, 0};
    }
    int rc = demo_run(f->loader, S_SERVICE, "RevokeCredential", &hcap__credential__descriptor,
                      calls, count, err);
    stats->revoked = rc == HC_OK ? count : 0;
    return rc;
}

static int s_awards_load(const demo_fund *f, demo_stats *stats, hc_error *err)
{
    demo_call *calls = hc_arena_alloc(f->arena, S_MAX_AWARDS * sizeof *calls);
    size_t renewals = 0;
    size_t earned = s_earned(f, calls, &renewals);
    size_t count = earned + renewals;
    count += s_transfers(f, calls + count);
    int rc = demo_run(f->loader, S_SERVICE, "AwardCredential", &hcap__credential__descriptor, calls,
                      count, err);
    stats->credentials = rc == HC_OK ? count : 0;
    return rc == HC_OK ? s_revoke(f, calls, earned, stats, err) : rc;
}

/* Prior learning: new entrants certified as nurse assistants in another
   state get the CNA; experienced medical assistants get competencies and
   credit hours toward an apprenticeship. */
static Hcap__AssessPriorLearningRequest *s_assessment(const demo_fund *f, size_t w, bool cna,
                                                      size_t n)
{
    Hcap__AssessPriorLearningRequest *in = (Hcap__AssessPriorLearningRequest *)s_message(
        f, &hcap__assess_prior_learning_request__descriptor);
    in->worker_id = f->worker_ids[w];
    in->evidence = s_dup(f, cna ? "out-of-state nurse aide certification verified; skills "
                                  "demonstration passed"
                                : "portfolio of five years as a back-office medical assistant; "
                                  "supervisor attestation");
    in->competencies = s_strings(
        f, cna ? LIST("PATIENT-CARE", "VITALS", "INFECTION") : LIST("VITALS", "PHLEB", "EHR"),
        &in->n_competencies);
    in->credential_code = cna ? s_dup(f, "CNA") : NULL;
    in->has_ojl_credit_hours = true;
    in->ojl_credit_hours = cna ? 160 : 1000 + 250 * (double)(n % 2);
    in->has_rti_credit_hours = true;
    in->rti_credit_hours = cna ? 24 : 40;
    in->assessed_on = s_date_add(f, "2026-09-14", 7 * (int64_t)n);
    return in;
}

static int s_prior_load(const demo_fund *f, demo_stats *stats, hc_error *err)
{
    demo_call calls[S_PRIOR_COUNT];
    size_t count = 0;
    for (size_t w = 3; w < DEMO_WORKERS && count < S_PRIOR_COUNT; w += 7) {
        const demo_worker *wk = &f->workers[w];
        bool entrant = wk->status != HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
        bool assistant = wk->job_title && strcmp(wk->job_title, "Medical Assistant") == 0;
        if ((count < 3 && !entrant) || (count >= 3 && !assistant))
            continue;
        calls[count] = (demo_call){&s_assessment(f, w, count < 3, count)->base,
                                   S_KEY_PRIOR + (unsigned)count, NULL, DEMO_WAITING, 0};
        count++;
    }
    int rc = demo_run(f->loader, S_SERVICE, "AssessPriorLearning",
                      &hcap__prior_learning__descriptor, calls, count, err);
    stats->prior_learning = rc == HC_OK ? count : 0;
    return rc;
}

int demo_credentials_load(const demo_fund *f, demo_stats *stats, hc_error *err)
{
    int (*const phases[])(const demo_fund *, demo_stats *, hc_error *) = {
        s_competencies_load, s_types_load, s_ladder_load, s_awards_load, s_prior_load,
    };
    int rc = HC_OK;
    for (size_t i = 0; rc == HC_OK && i < sizeof phases / sizeof phases[0]; i++)
        rc = phases[i](f, stats, err);
    return rc;
}
