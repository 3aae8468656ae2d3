/* demo_data: the demonstration fund's tables (seed 004: the SEIU-Community
   Clinics partnership) and its deterministic worker roster. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "demo_plan.h"

#define RACE(x) HCAP__RACE_ETHNICITY__RACE_ETHNICITY_##x

const demo_employer demo_employers[] = {
    {"Asian Health Services", "Alameda", "SEIU United Healthcare Workers West", "510"},
    {"Clínica Monseñor Oscar A. Romero", "Los Angeles", "SEIU Local 721", "213"},
    {"Gardner Health Services", "Santa Clara", "SEIU Local 521", "408"},
    {"HealthRight 360", "San Francisco", "SEIU Local 1021", "415"},
    {"St. John's Community Health", "Los Angeles", "SEIU Local 721", "323"},
    {"Baywell Health", "Alameda", "SEIU Local 1021", "510"},
};
const size_t demo_employer_count = sizeof demo_employers / sizeof demo_employers[0];

#define KIND(x) HCAP__PROGRAM_KIND__PROGRAM_KIND_##x
#define DLV(x)  HCAP__DELIVERY__DELIVERY_##x

const demo_program demo_programs[] = {
    {"MA", "Medical Assistant", KIND(CREDENTIAL_TRAINING), "Medical Assistant", "CCMA", 720,
     DLV(HYBRID), "The Education Fund"},
    {"DA", "Dental Assistant", KIND(CREDENTIAL_TRAINING), "Dental Assistant", "RDA", 600,
     DLV(IN_PERSON), "The Education Fund"},
    {"CHW", "Community Health Worker Certificate", KIND(CREDENTIAL_TRAINING),
     "Community Health Worker", "CHW-CERT", 160, DLV(HYBRID), "Worker Resource & Education Center"},
    {"LVN", "Licensed Vocational Nurse", KIND(CREDENTIAL_TRAINING), "Licensed Vocational Nurse",
     "LVN", 1560, DLV(IN_PERSON), "The Education Fund"},
    {"RN", "Registered Nurse (LVN to RN bridge)", KIND(CREDENTIAL_TRAINING), "Registered Nurse",
     "RN", 1200, DLV(IN_PERSON), "The Education Fund"},
    {"MBC", "Medical Billing and Coding", KIND(CREDENTIAL_TRAINING), "Medical Biller and Coder",
     "CPC", 400, DLV(ONLINE), "The Education Fund"},
    {"EHR-CE", "Electronic Health Records Essentials", KIND(CONTINUING_EDUCATION), NULL, NULL, 16,
     DLV(ONLINE), "Worker Resource & Education Center"},
    {"PD-LEAD", "Professional Development: Communication and Leadership",
     KIND(PROFESSIONAL_DEVELOPMENT), NULL, NULL, 24, DLV(HYBRID), "UC Labor Center"},
    {"PRECEPT", "Clinical Supervision and Preceptorship", KIND(PRECEPTORSHIP), NULL, NULL, 80,
     DLV(IN_PERSON), "The Education Fund"},
};
const size_t demo_program_count = sizeof demo_programs / sizeof demo_programs[0];

/* Small cohorts (LVN, RN, preceptorships) are asked for by more workers
   than they seat, so their waitlists fill. */
const demo_cohort demo_cohorts[] = {
    {0, "MA Spring 2025, Oakland", "2025-02-03", "2025-08-29", 20, "English", 24},
    {0, "MA Fall 2025, Los Angeles (bilingual)", "2025-09-08", "2026-03-27", 18, "Spanish", 18},
    {1, "DA 2025, San José", "2025-03-03", "2025-12-12", 12, "English", 15},
    {2, "CHW Certificate 2025 (Spanish)", "2025-04-07", "2025-07-25", 15, "Spanish", 17},
    {2, "CHW Certificate 2026 (Cantonese)", "2026-01-12", "2026-05-01", 8, "Cantonese", 8},
    {3, "LVN 2026-2027", "2026-02-02", "2027-03-26", 6, "English", 10},
    {4, "RN Bridge 2026-2027", "2026-08-24", "2027-06-11", 4, "English", 8},
    {5, "Medical Billing and Coding 2025 (online)", "2025-03-10", "2025-09-26", 25, "English", 22},
    {6, "EHR Essentials, January 2025", "2025-01-13", "2025-02-07", 40, "English", 40},
    {6, "EHR Essentials, June 2026", "2026-06-01", "2026-06-26", 40, "English", 33},
    {7, "Lead Worker Communication 2025", "2025-10-06", "2025-12-15", 30, "English", 30},
    {7, "Trauma-Informed Care, December 2026", "2026-12-07", "2027-01-29", 30, "English", 26},
    {8, "Nursing Preceptorship 2025", "2025-05-05", "2025-10-31", 5, "English", 7},
    {8, "Dental Preceptorship 2026", "2026-03-02", "2026-08-28", 3, "English", 5},
};
const size_t demo_cohort_count = sizeof demo_cohorts / sizeof demo_cohorts[0];

const char *const demo_withdraw_reasons[] = {
    "schedule conflict with work shifts",
    "family care responsibilities",
    "moved out of the area",
    "transportation",
    "health reasons",
};
const size_t demo_withdraw_reason_count =
    sizeof demo_withdraw_reasons / sizeof demo_withdraw_reasons[0];

const char *const demo_institutions[] = {
    "Merritt College",           "East Los Angeles College",
    "San José State University", "City College of San Francisco",
    "Samuel Merritt University", "California State University, Los Angeles",
};
const size_t demo_institution_count = sizeof demo_institutions / sizeof demo_institutions[0];

const char *const demo_courses[] = {
    "NURS 101 Fundamentals of Nursing",
    "SW 200 Social Work Practice",
    "DENT 120 Dental Radiography",
    "PSY 150 Introduction to Behavioral Health",
    "NURS 210 Pharmacology",
    "BIO 40 Human Anatomy",
};
const size_t demo_course_count = sizeof demo_courses / sizeof demo_courses[0];

typedef struct {
    const char *language;
    unsigned weight;      /* share of the roster, out of 100 */
    int home_employer;    /* where half of the group works */
    unsigned english_pct; /* bilinguals who prefer English */
    Hcap__RaceEthnicity race[3];
    Hcap__RaceEthnicity extra; /* sometimes also identified */
    unsigned extra_pct;
    const char *const *given;
    const char *const *family;
} s_group;

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

static const s_group s_groups[] = {
    {"Spanish",
     30,
     1,
     25,
     {RACE(HISPANIC_LATINO)},
     RACE(AMERICAN_INDIAN_ALASKA_NATIVE),
     10,
     NAMES("María", "José", "Guadalupe", "Juan Carlos", "Ana", "Luis", "Rosa", "Verónica", "Jesús",
           "Lucía", "Miguel", "Sofía", "Yesenia", "Óscar", "Marisol", "Héctor"),
     NAMES("García", "Hernández", "López", "Martínez", "González", "Ramírez", "Flores", "Cruz",
           "Morales", "Gutiérrez", "Chávez", "Ortiz", "Mendoza", "Núñez", "Xol", "Cuc")},
    {"English",
     22,
     4,
     100,
     {RACE(BLACK), RACE(BLACK), RACE(WHITE)},
     RACE(HISPANIC_LATINO),
     15,
     NAMES("Keisha", "Darnell", "Tamika", "Andre", "Jasmine", "Marcus", "Aaliyah", "Terrence",
           "Emily", "Sarah", "Michael", "Jennifer", "Brianna", "DeShawn"),
     NAMES("Johnson", "Williams", "Brown", "Jackson", "Davis", "Robinson", "Thompson", "Harris",
           "Walker", "Miller", "Washington", "O'Neal")},
    {"Cantonese",
     12,
     0,
     20,
     {RACE(ASIAN)},
     RACE(UNSPECIFIED),
     0,
     NAMES("Wai Ling", "Ka Ming", "Mei Yee", "Siu Fong", "Kwok Wing", "Lai Chun", "Wing Yan",
           "Chi Keung", "Yuk Lan", "Man Kit"),
     NAMES("Chan", "Wong", "Lee", "Leung", "Cheung", "Lau", "Ng", "Ho", "Yuen", "Tam")},
    {"Vietnamese",
     10,
     0,
     25,
     {RACE(ASIAN)},
     RACE(UNSPECIFIED),
     0,
     NAMES("Thanh", "Linh", "Hương", "Minh", "Tuấn", "Lan", "Phương", "Hoa", "Đức", "Ngọc"),
     NAMES("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ")},
    {"Tagalog",
     10,
     5,
     45,
     {RACE(ASIAN)},
     RACE(NATIVE_HAWAIIAN_PACIFIC_ISLANDER),
     10,
     NAMES("Maricel", "Jocelyn", "Rodel", "Arlene", "Jonathan", "Rowena", "Ma. Cristina",
           "Ferdinand", "Lorna", "Rhea"),
     NAMES("Santos", "Reyes", "Bautista", "Dela Cruz", "Villanueva", "Aquino", "Castro", "Manalo",
           "Pascual")},
    {"Korean",
     3,
     2,
     40,
     {RACE(ASIAN)},
     RACE(UNSPECIFIED),
     0,
     NAMES("Ji-woo", "Min-jun", "Seo-yeon", "Hyun-woo", "Eun-ji"),
     NAMES("Kim", "Park", "Choi", "Jung", "Kang")},
    {"Amharic",
     4,
     3,
     35,
     {RACE(BLACK)},
     RACE(UNSPECIFIED),
     0,
     NAMES("Selam", "Dawit", "Hana", "Yonas", "Meron", "Tigist"),
     NAMES("Tesfaye", "Bekele", "Gebremedhin", "Haile", "Alemu")},
    {"Arabic",
     3,
     3,
     35,
     {RACE(MIDDLE_EASTERN_NORTH_AFRICAN)},
     RACE(UNSPECIFIED),
     0,
     NAMES("Layla", "Omar", "Yasmin", "Khalid", "Noor"),
     NAMES("Haddad", "Nasser", "Saleh", "Khoury", "Mansour")},
    {"Samoan",
     3,
     5,
     60,
     {RACE(NATIVE_HAWAIIAN_PACIFIC_ISLANDER)},
     RACE(UNSPECIFIED),
     0,
     NAMES("Lupe", "Sione", "Malia", "Tavita", "Losa"),
     NAMES("Faleolo", "Taufa", "Tuiasosopo", "Leota", "Fuimaono")},
    {"Punjabi",
     3,
     2,
     40,
     {RACE(ASIAN)},
     RACE(UNSPECIFIED),
     0,
     NAMES("Harpreet", "Gurpreet", "Manpreet", "Jaspreet", "Amandeep"),
     NAMES("Kaur", "Singh", "Gill", "Sandhu", "Dhillon")},
};
#define S_GROUP_COUNT (sizeof s_groups / sizeof s_groups[0])

typedef struct {
    const char *title;
    int64_t wage_lo, wage_hi;
} s_job;

static const s_job s_jobs[] = {
    {"Medical Assistant", 2300, 2900},
    {"Dental Assistant", 2200, 2700},
    {"Patient Services Representative", 2100, 2500},
    {"Community Health Worker", 2400, 3000},
    {"Medical Records Clerk", 2100, 2500},
    {"Behavioral Health Associate", 2500, 3100},
    {"Licensed Vocational Nurse", 3300, 4000},
    {"Environmental Services Worker", 1900, 2300},
    {"Front Office Coordinator", 2200, 2600},
    {"Billing Specialist", 2400, 2900},
};
#define S_JOB_COUNT (sizeof s_jobs / sizeof s_jobs[0])

void demo_rng_seed(demo_rng *rng, uint64_t seed)
{
    rng->state = seed;
}

uint64_t demo_rng_next(demo_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int64_t demo_rng_range(demo_rng *rng, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(demo_rng_next(rng) % (uint64_t)(hi - lo + 1));
}

bool demo_rng_pct(demo_rng *rng, unsigned pct)
{
    return demo_rng_next(rng) % 100 < pct;
}

static const char *s_pick_name(demo_rng *rng, const char *const *names)
{
    size_t count = 0;
    while (names[count])
        count++;
    return names[demo_rng_next(rng) % count];
}

static const s_group *s_pick_group(demo_rng *rng)
{
    unsigned roll = (unsigned)(demo_rng_next(rng) % 101), sum = 0;
    for (size_t i = 0; i < S_GROUP_COUNT; i++) {
        sum += s_groups[i].weight;
        if (roll < sum)
            return &s_groups[i];
    }
    return &s_groups[0];
}

/* Self-identification: the group's usual answer, sometimes a second race,
   and an explicit `declined` from about one in sixteen. */
static void s_worker_race(demo_worker *w, const s_group *g, demo_rng *rng)
{
    size_t options = 1;
    while (options < 3 && g->race[options] != RACE(UNSPECIFIED))
        options++;
    w->race[0] = g->race[demo_rng_next(rng) % options];
    w->n_race = 1;
    if (g->extra != RACE(UNSPECIFIED) && demo_rng_pct(rng, g->extra_pct))
        w->race[w->n_race++] = g->extra;
    if (demo_rng_pct(rng, 6)) {
        w->race[0] = RACE(DECLINED);
        w->n_race = 1;
    }
}

static Hcap__Gender s_worker_gender(demo_rng *rng)
{
    unsigned roll = (unsigned)(demo_rng_next(rng) % 100);
    if (roll < 74)
        return HCAP__GENDER__GENDER_FEMALE;
    if (roll < 93)
        return HCAP__GENDER__GENDER_MALE;
    if (roll < 95)
        return HCAP__GENDER__GENDER_NONBINARY;
    if (roll < 96)
        return HCAP__GENDER__GENDER_ANOTHER;
    if (roll < 99)
        return HCAP__GENDER__GENDER_DECLINED;
    return HCAP__GENDER__GENDER_UNSPECIFIED;
}

/* Employment: most are incumbents at a partner clinic (half of a group at
   its home clinic), some new entrants and a few unemployed. */
static void s_worker_job(demo_worker *w, const s_group *g, demo_rng *rng)
{
    unsigned roll = (unsigned)(demo_rng_next(rng) % 100);
    w->employer = -1;
    w->job_title = NULL;
    w->wage_cents = 0;
    w->hire_date[0] = 0;
    if (roll >= 78) {
        w->status = roll < 94 ? HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_NEW_ENTRANT
                              : HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_UNEMPLOYED;
        return;
    }
    w->status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
    w->employer =
        demo_rng_pct(rng, 50) ? g->home_employer : (int)(demo_rng_next(rng) % demo_employer_count);
    const s_job *job = &s_jobs[demo_rng_next(rng) % S_JOB_COUNT];
    w->job_title = job->title;
    w->wage_cents = demo_rng_range(rng, job->wage_lo, job->wage_hi) / 25 * 25;
    snprintf(w->hire_date, sizeof w->hire_date, "%04d-%02d-%02d",
             (int)demo_rng_range(rng, 2006, 2024), (int)demo_rng_range(rng, 1, 12),
             (int)demo_rng_range(rng, 1, 28));
}

static void s_worker_contact(demo_worker *w, size_t index, demo_rng *rng)
{
    w->email[0] = 0;
    w->phone[0] = 0;
    if (demo_rng_pct(rng, 70))
        snprintf(w->email, sizeof w->email, "member%04zu@example.org", index + 1);
    if (demo_rng_pct(rng, 80)) {
        const char *area = w->employer >= 0
                               ? demo_employers[w->employer].area_code
                               : demo_employers[demo_rng_next(rng) % demo_employer_count].area_code;
        /* 555-0100..0199 are reserved for fiction */
        snprintf(w->phone, sizeof w->phone, "(%s) 555-01%02d", area,
                 (int)demo_rng_range(rng, 0, 99));
    }
}

static void s_worker_make(demo_worker *w, size_t index, demo_rng *rng)
{
    const s_group *g = s_pick_group(rng);
    snprintf(w->given_name, sizeof w->given_name, "%s", s_pick_name(rng, g->given));
    snprintf(w->family_name, sizeof w->family_name, "%s", s_pick_name(rng, g->family));
    snprintf(w->external_id, sizeof w->external_id, "SCC-%04zu", index + 1);
    snprintf(w->birth_date, sizeof w->birth_date, "%04d-%02d-%02d",
             (int)demo_rng_range(rng, 1962, 2004), (int)demo_rng_range(rng, 1, 12),
             (int)demo_rng_range(rng, 1, 28));
    w->language = g->language;
    w->preferred_language = demo_rng_pct(rng, g->english_pct) ? "English" : g->language;
    s_worker_race(w, g, rng);
    w->gender = s_worker_gender(rng);
    s_worker_job(w, g, rng);
    s_worker_contact(w, index, rng);
}

void demo_workers_make(demo_worker *workers, size_t count, uint64_t seed)
{
    demo_rng rng;
    demo_rng_seed(&rng, seed);
    for (size_t i = 0; i < count; i++)
        s_worker_make(&workers[i], i, &rng);
}

/* A cohort taught in a language other than English draws from the
   workers whose first language it is; the others from everyone. */
static bool s_eligible(const demo_worker *w, const demo_cohort *c)
{
    if (!c->language || strcmp(c->language, "English") == 0)
        return true;
    return strcmp(w->language, c->language) == 0;
}

size_t demo_picks_make(const demo_worker *workers, size_t count, demo_pick *picks, size_t max,
                       uint64_t seed)
{
    demo_rng rng;
    demo_rng_seed(&rng, seed);
    size_t made = 0;
    bool *taken = calloc(count ? count : 1, sizeof *taken);
    if (!taken)
        return 0;
    for (size_t c = 0; c < demo_cohort_count; c++) {
        const demo_cohort *cohort = &demo_cohorts[c];
        size_t eligible = 0;
        for (size_t i = 0; i < count; i++) {
            taken[i] = false;
            eligible += s_eligible(&workers[i], cohort);
        }
        unsigned want = cohort->demand < eligible ? cohort->demand : (unsigned)eligible;
        for (unsigned n = 0; n < want && made < max;) {
            size_t i = demo_rng_next(&rng) % count;
            if (taken[i] || !s_eligible(&workers[i], cohort))
                continue;
            taken[i] = true;
            picks[made++] = (demo_pick){i, c};
            n++;
        }
    }
    free(taken);
    return made;
}
