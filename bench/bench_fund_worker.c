/* bench_fund_worker: one generated worker's events, in the proportions of
   a large fund: registration with self-identified demographics; about
   seven in ten enrolled once or twice (most go active, most of those
   complete, a credential for most credential-training completers); some
   other credentials, a few revoked; tuition claims; employment records
   (each with the worker's update); one in eighteen an apprentice with
   hours, sign-offs and, for a third, completion with its credential and
   often a placement. */
#include <string.h>
#include "bench_fund.h"
#include "hc_time.h"

#define S_TYPE_REGISTERED "enrollment.worker_registered.v1"
#define S_TYPE_UPDATED    "enrollment.worker_updated.v1"
#define S_TYPE_STEP       "enrollment.enrollment_status_changed.v1"

/* The worker as the enrollment service last wrote them. */
typedef struct {
    Hcap__Worker w;
    Hcap__RaceEthnicity races[2];
    int64_t day; /* registration */
} s_person;

static Hcap__RaceEthnicity s_race(gf_gen *g)
{
    static const Hcap__RaceEthnicity races[] = {
        HCAP__RACE_ETHNICITY__RACE_ETHNICITY_WHITE,
        HCAP__RACE_ETHNICITY__RACE_ETHNICITY_BLACK,
        HCAP__RACE_ETHNICITY__RACE_ETHNICITY_HISPANIC_LATINO,
        HCAP__RACE_ETHNICITY__RACE_ETHNICITY_ASIAN,
        HCAP__RACE_ETHNICITY__RACE_ETHNICITY_AMERICAN_INDIAN_ALASKA_NATIVE,
        HCAP__RACE_ETHNICITY__RACE_ETHNICITY_NATIVE_HAWAIIAN_PACIFIC_ISLANDER,
        HCAP__RACE_ETHNICITY__RACE_ETHNICITY_MIDDLE_EASTERN_NORTH_AFRICAN,
    };
    static const uint32_t cumulative[] = {350, 570, 820, 940, 960, 980, 1000};
    uint32_t r = gf_below(g, 1000);
    int i = 0;
    while (r >= cumulative[i])
        i++;
    return races[i];
}

/* 2% no answer, 2.5% declined, else one race and for 8% a second one. */
static void s_demographics(gf_gen *g, s_person *p)
{
    static const char *languages[] = {"en", "es", "tl", "zh", "vi"};
    static const uint32_t language_cut[] = {680, 900, 930, 960, 980};
    uint32_t r = gf_below(g, 1000);
    if (r >= 20 && r < 45) {
        p->races[p->w.n_race_ethnicity++] = HCAP__RACE_ETHNICITY__RACE_ETHNICITY_DECLINED;
    } else if (r >= 45) {
        p->races[p->w.n_race_ethnicity++] = s_race(g);
        Hcap__RaceEthnicity second = s_race(g);
        if (gf_chance(g, 80) && second != p->races[0])
            p->races[p->w.n_race_ethnicity++] = second;
    }
    p->w.race_ethnicity = p->races;
    uint32_t gender = gf_below(g, 1000);
    p->w.has_gender = gender < 985;
    p->w.gender = gender < 760   ? HCAP__GENDER__GENDER_FEMALE
                  : gender < 950 ? HCAP__GENDER__GENDER_MALE
                  : gender < 970 ? HCAP__GENDER__GENDER_NONBINARY
                  : gender < 975 ? HCAP__GENDER__GENDER_ANOTHER
                                 : HCAP__GENDER__GENDER_DECLINED;
    uint32_t language = gf_below(g, 1000);
    for (int i = 0; i < 5 && !p->w.preferred_language; i++)
        if (language < language_cut[i])
            p->w.preferred_language = (char *)languages[i];
}

/* An employer, the big ones more often. */
static const char *s_employer(gf_gen *g)
{
    uint32_t a = gf_below(g, GF_EMPLOYERS), b = gf_below(g, GF_EMPLOYERS);
    return g->employers[(uint64_t)a * b / GF_EMPLOYERS];
}

static void s_register(gf_gen *g, uint64_t n, s_person *p)
{
    Hcap__Worker *w = &p->w;
    hcap__worker__init(w);
    w->id = gf_id(g, "wkr");
    w->given_name = hc_arena_printf(g->arena, "Given%llu", (unsigned long long)n);
    w->family_name = hc_arena_printf(g->arena, "Family%llu", (unsigned long long)(n % 9973));
    w->external_id = hc_arena_printf(g->arena, "EXT-%08llu", (unsigned long long)n);
    w->birth_date = gf_date(g, hc_date_days("1955-01-01") + gf_below(g, 52 * 365));
    s_demographics(g, p);
    uint32_t status = gf_below(g, 1000);
    w->has_employment_status = 1;
    w->employment_status = status < 800   ? HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT
                           : status < 920 ? HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_NEW_ENTRANT
                                          : HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_UNEMPLOYED;
    if (status < 800 || (status < 920 && gf_chance(g, 500))) {
        w->employer_id = (char *)s_employer(g);
        w->job_title = "Certified Nursing Assistant";
        w->has_hourly_wage_cents = 1;
        w->hourly_wage_cents = 1800 + gf_below(g, 2400);
    }
    p->day = g->day0 + gf_below(g, (uint32_t)(g->horizon - g->day0 - 200));
    w->created_at = w->updated_at = gf_stamp(g, p->day);
    gf_emit(g, GF_ENR, S_TYPE_REGISTERED, w->id, &w->base);
}

static int64_t s_cap(gf_gen *g, int64_t day)
{
    return day > g->horizon ? g->horizon : day;
}

/* A credential awarded to p (and, for one in a hundred, revoked later). */
static void s_credential(gf_gen *g, const s_person *p, const char *code, int64_t day,
                         Hcap__CredentialSource source, const char *apprentice)
{
    Hcap__Credential c = HCAP__CREDENTIAL__INIT;
    c.id = gf_id(g, "cred");
    c.worker_id = p->w.id;
    c.credential_code = (char *)code;
    c.issued_on = gf_date(g, s_cap(g, day));
    c.source = source;
    c.status = HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_ACTIVE;
    c.apprentice_id = (char *)apprentice;
    c.created_at = c.updated_at = gf_stamp(g, s_cap(g, day));
    gf_emit(g, GF_CRED, "credentialing.credential_awarded.v1", c.worker_id, &c.base);
    if (!gf_chance(g, 10))
        return;
    c.status = HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_REVOKED;
    c.revoked_on = gf_date(g, s_cap(g, day + 1 + gf_below(g, 200)));
    c.revocation_reason = "issued in error";
    gf_emit(g, GF_CRED, "credentialing.credential_revoked.v1", c.worker_id, &c.base);
}

static void s_step(gf_gen *g, Hcap__Enrollment *e, Hcap__EnrollmentStatus status, int64_t day)
{
    e->status = status;
    e->status_date = gf_date(g, day);
    e->updated_at = gf_stamp(g, day);
    gf_emit(g, GF_ENR, S_TYPE_STEP, e->worker_id, &e->base);
}

/* An enrollment: 90% go active; of those 60% complete, 15% withdraw, 5%
   fail, the rest stay active; most credential-training completers earn
   the program's credential. */
static void s_enrollment(gf_gen *g, const s_person *p)
{
    int pi = (int)((uint64_t)gf_below(g, GF_PROGRAMS) * gf_below(g, GF_PROGRAMS) / GF_PROGRAMS);
    const gf_program *program = &g->programs[pi];
    Hcap__Enrollment e = HCAP__ENROLLMENT__INIT;
    e.id = gf_id(g, "enr");
    e.worker_id = p->w.id;
    e.cohort_id = (char *)g->cohorts[pi][gf_below(g, GF_COHORTS)];
    e.program_id = (char *)program->id;
    int64_t day = s_cap(g, p->day + gf_below(g, 90));
    e.created_at = gf_stamp(g, day);
    s_step(g, &e, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED, day);
    if (!gf_chance(g, 900) || (day = day + gf_below(g, 30)) > g->horizon)
        return;
    s_step(g, &e, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE, day);
    uint32_t outcome = gf_below(g, 100);
    int64_t end = day + 30 + gf_below(g, 180);
    if (outcome >= 80 || end > g->horizon)
        return;
    Hcap__EnrollmentStatus status =
        outcome < 60   ? HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED
        : outcome < 75 ? HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN
                       : HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_FAILED;
    e.has_hours_attended = 1;
    e.hours_attended = 10 + gf_below(g, 200);
    s_step(g, &e, status, end);
    if (status == HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED && program->credential &&
        gf_chance(g, 850))
        s_credential(g, p, program->credential, end + gf_below(g, 60),
                     HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_EARNED, NULL);
}

/* A claim submitted, then approved (70%; 60% of those paid) or denied. */
static void s_claim(gf_gen *g, const s_person *p)
{
    Hcap__TuitionClaim c = HCAP__TUITION_CLAIM__INIT;
    int64_t day = s_cap(g, p->day + gf_below(g, 400));
    c.id = gf_id(g, "tcl");
    c.worker_id = p->w.id;
    c.institution = "Valley Community College";
    c.amount_cents = 50000 + gf_below(g, 200000);
    c.status = HCAP__CLAIM_STATUS__CLAIM_STATUS_SUBMITTED;
    c.submitted_on = gf_date(g, day);
    c.created_at = c.updated_at = gf_stamp(g, day);
    gf_emit(g, GF_ENR, "enrollment.tuition_claim_submitted.v1", c.worker_id, &c.base);
    bool approved = gf_chance(g, 700);
    c.status = approved ? HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED
                        : HCAP__CLAIM_STATUS__CLAIM_STATUS_DENIED;
    c.has_approved_cents = approved;
    c.approved_cents = c.amount_cents;
    c.decided_on = gf_date(g, s_cap(g, day + gf_below(g, 30)));
    gf_emit(g, GF_ENR, "enrollment.tuition_claim_decided.v1", c.worker_id, &c.base);
    if (!approved || !gf_chance(g, 600))
        return;
    c.status = HCAP__CLAIM_STATUS__CLAIM_STATUS_PAID;
    c.decided_on = gf_date(g, s_cap(g, day + 30 + gf_below(g, 60)));
    gf_emit(g, GF_ENR, "enrollment.tuition_claim_decided.v1", c.worker_id, &c.base);
}

/* An employment record and the worker's update it causes. */
static void s_employment(gf_gen *g, s_person *p, Hcap__EmploymentKind kind, int64_t day)
{
    Hcap__EmploymentRecord r = HCAP__EMPLOYMENT_RECORD__INIT;
    day = s_cap(g, day);
    r.id = gf_id(g, "emr");
    r.worker_id = p->w.id;
    r.kind = kind;
    r.effective_date = gf_date(g, day);
    r.created_at = gf_stamp(g, day);
    p->w.has_employment_status = 1;
    if (kind == HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_SEPARATION) {
        p->w.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_UNEMPLOYED;
    } else {
        r.employer_id =
            kind == HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT || !p->w.employer_id
                ? (char *)s_employer(g)
                : p->w.employer_id;
        r.has_hourly_wage_cents = 1;
        r.hourly_wage_cents = 1900 + gf_below(g, 2600);
        p->w.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
        p->w.employer_id = r.employer_id;
        p->w.has_hourly_wage_cents = 1;
        p->w.hourly_wage_cents = r.hourly_wage_cents;
    }
    gf_emit(g, GF_ENR, "enrollment.employment_recorded.v1", r.worker_id, &r.base);
    p->w.updated_at = r.created_at;
    gf_emit(g, GF_ENR, S_TYPE_UPDATED, p->w.id, &p->w.base);
}

static void s_hours(gf_gen *g, Hcap__Apprentice *a, int64_t day)
{
    Hcap__HoursEntry h = HCAP__HOURS_ENTRY__INIT;
    h.id = gf_id(g, "hrs");
    h.apprentice_id = a->id;
    h.kind = HCAP__HOURS_KIND__HOURS_KIND_OJL;
    h.date = gf_date(g, day);
    h.hours = 8;
    a->ojl_hours += 8;
    Hcap__HoursLogged logged = HCAP__HOURS_LOGGED__INIT;
    logged.entry = &h;
    logged.apprentice = a;
    gf_emit(g, GF_APPR, "apprenticeship.hours_logged.v1", a->worker_id, &logged.base);
}

static void s_signoff(gf_gen *g, Hcap__Apprentice *a, const char *competency, int64_t day)
{
    Hcap__Signoff s = HCAP__SIGNOFF__INIT;
    s.apprentice_id = a->id;
    s.competency = (char *)competency;
    s.signed_by = "Maria Mentor";
    s.date = gf_date(g, day);
    Hcap__CompetencySignedOff signed_off = HCAP__COMPETENCY_SIGNED_OFF__INIT;
    signed_off.signoff = &s;
    signed_off.apprentice = a;
    gf_emit(g, GF_APPR, "apprenticeship.competency_signed_off.v1", a->worker_id, &signed_off.base);
}

/* Completion (with its credential and, for 60%, a placement within about
   four months), suspension or cancellation, or still active. */
static void s_apprentice_end(gf_gen *g, s_person *p, Hcap__Apprentice *a,
                             const gf_appr_program *program, int64_t start)
{
    uint32_t outcome = gf_below(g, 100);
    int64_t day = start + 365 + gf_below(g, 400);
    if (outcome >= 43 || day > g->horizon)
        return;
    a->status_date = gf_date(g, day);
    a->updated_at = gf_stamp(g, day);
    if (outcome >= 33) {
        a->status = outcome < 38 ? HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_SUSPENDED
                                 : HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_CANCELLED;
        gf_emit(g, GF_APPR, "apprenticeship.apprentice_status_changed.v1", a->worker_id, &a->base);
        return;
    }
    a->status = HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED;
    a->completed_on = a->status_date;
    gf_emit(g, GF_APPR, "apprenticeship.apprentice_completed.v1", a->worker_id, &a->base);
    s_credential(g, p, program->credential, day,
                 HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_APPRENTICESHIP, a->id);
    if (gf_chance(g, 600))
        s_employment(g, p, HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT,
                     day + gf_below(g, 120));
}

static void s_apprentice(gf_gen *g, s_person *p)
{
    const gf_appr_program *program = &g->appr[gf_below(g, GF_APPR_PROGS)];
    int64_t start = s_cap(g, p->day + gf_below(g, 365));
    Hcap__Apprentice a = HCAP__APPRENTICE__INIT;
    a.id = gf_id(g, "apr");
    a.worker_id = p->w.id;
    a.program_code = (char *)program->code;
    a.employer_id = p->w.employer_id ? p->w.employer_id : (char *)s_employer(g);
    a.mentor = "Maria Mentor";
    a.start_date = a.status_date = gf_date(g, start);
    a.status = HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_ACTIVE;
    a.created_at = a.updated_at = gf_stamp(g, start);
    gf_emit(g, GF_APPR, "apprenticeship.apprentice_registered.v1", a.worker_id, &a.base);
    for (int i = 0; i < 2; i++)
        s_hours(g, &a, s_cap(g, start + 7 * (i + 1)));
    bool competencies =
        program->approach != HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_TIME_BASED;
    for (int i = 0; competencies && i < 2 && gf_chance(g, 600); i++)
        s_signoff(g, &a, program->competencies[i], s_cap(g, start + 60 * (i + 1)));
    s_apprentice_end(g, p, &a, program, start);
}

void gf_worker(gf_gen *g, uint64_t n)
{
    s_person p;
    memset(&p, 0, sizeof p);
    s_register(g, n, &p);
    uint32_t enrollments = gf_below(g, 1000);
    for (int i = 0; i < (enrollments < 340 ? 0 : enrollments < 940 ? 1 : 2); i++)
        s_enrollment(g, &p);
    if (gf_chance(g, 80))
        s_credential(g, &p, g->cred_codes[24 + gf_below(g, 6)], p.day + gf_below(g, 700),
                     (Hcap__CredentialSource)(1 + gf_below(g, 3)), NULL);
    if (gf_chance(g, 60))
        s_claim(g, &p);
    static const struct {
        Hcap__EmploymentKind kind;
        uint32_t per_mille;
    } records[] = {
        {HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT, 80},
        {HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_WAGE_CHANGE, 100},
        {HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PROMOTION, 20},
        {HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_SEPARATION, 20},
    };
    for (int i = 0; i < 4; i++)
        if (gf_chance(g, records[i].per_mille))
            s_employment(g, &p, records[i].kind, p.day + 30 + gf_below(g, 900));
    if (gf_chance(g, 55))
        s_apprentice(g, &p);
}
