/* demo_plan: the demonstration fund as data (employers, programs, cohorts)
   and the deterministic roster and enrollment picks built from it; private
   to demo.c and demo_data.c. */
#ifndef DEMO_PLAN_H
#define DEMO_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "demo.h"
#include "enrollment.pb-c.h"
#include "hc_arena.h"

/* Fixed "as of" date: cohorts are past, running or upcoming relative to it,
   so the fund is the same whatever day it is loaded. */
#define DEMO_AS_OF "2026-11-01"

/* splitmix64: small, fast, the same sequence on every machine. */
typedef struct {
    uint64_t state;
} demo_rng;

void demo_rng_seed(demo_rng *rng, uint64_t seed);
uint64_t demo_rng_next(demo_rng *rng);
/* Uniform in [lo, hi]. */
int64_t demo_rng_range(demo_rng *rng, int64_t lo, int64_t hi);
/* True with probability pct/100. */
bool demo_rng_pct(demo_rng *rng, unsigned pct);

typedef struct {
    const char *name;
    const char *county;
    const char *union_local;
    const char *area_code;
} demo_employer;

typedef struct {
    const char *code;
    const char *name;
    Hcap__ProgramKind kind;
    const char *occupation;
    const char *credential_code;
    double hours;
    Hcap__Delivery delivery;
    const char *provider;
} demo_program;

typedef struct {
    size_t program;
    const char *name;
    const char *start_date;
    const char *end_date;
    unsigned capacity;
    const char *language; /* taught in; also who is picked (NULL: anyone) */
    unsigned demand;      /* workers who ask for a seat */
} demo_cohort;

typedef struct {
    char given_name[48];
    char family_name[48];
    char external_id[24];
    char birth_date[12];
    char email[40];
    char phone[24];
    char hire_date[12];
    const char *language;           /* the worker's first language */
    const char *preferred_language; /* may be English for bilinguals */
    Hcap__RaceEthnicity race[2];
    size_t n_race;
    Hcap__Gender gender; /* UNSPECIFIED: not answered */
    Hcap__EmploymentStatus status;
    int employer; /* index into the employers, -1 for none */
    const char *job_title;
    int64_t wage_cents; /* 0 when not employed */
} demo_worker;

typedef struct {
    size_t worker;
    size_t cohort;
} demo_pick;

extern const demo_employer demo_employers[];
extern const size_t demo_employer_count;
extern const demo_program demo_programs[];
extern const size_t demo_program_count;
extern const demo_cohort demo_cohorts[];
extern const size_t demo_cohort_count;

/* Reasons for withdrawal, picked by index modulo the count. */
extern const char *const demo_withdraw_reasons[];
extern const size_t demo_withdraw_reason_count;

/* Colleges for tuition claims, courses, by index modulo their counts. */
extern const char *const demo_institutions[];
extern const size_t demo_institution_count;
extern const char *const demo_courses[];
extern const size_t demo_course_count;

/* Fills workers[0..count) from seed: the same roster on every run. */
void demo_workers_make(demo_worker *workers, size_t count, uint64_t seed);

/* Picks who asks for a seat in which cohort, cohort by cohort in table
   order (a worker at most once per cohort). Returns the number of picks
   written (at most max); 0 when out of memory. */
size_t demo_picks_make(const demo_worker *workers, size_t count, demo_pick *picks, size_t max,
                       uint64_t seed);

/* One write of a batch: its input, the number n of its Idempotency-Key
   "demo-<n>" (fixed by what the write is) and, once done, its reply. */
typedef enum { DEMO_WAITING, DEMO_SENT, DEMO_DONE } demo_call_state;
typedef struct {
    ProtobufCMessage *in;
    unsigned key;
    ProtobufCMessage *out; /* in the loader's arena */
    demo_call_state state;
    unsigned attempts;
} demo_call;

/* demo.c's loader: the client, the arena and what was loaded so far. */
typedef struct demo_loader demo_loader;

/* Runs count independent writes of service.method (calls DEMO_WAITING),
   64 in flight, retrying unavailable ones under the same key. Returns
   HC_OK with every call's out set, or the first failure (err names the
   method and key), HC_CANCELLED when the load was asked to stop. */
int demo_run(demo_loader *self, const char *service, const char *method,
             const ProtobufCMessageDescriptor *out_desc, demo_call *calls, size_t count,
             hc_error *err);

/* Waits until the reporting service has applied every event of the logs
   it follows (GetStatus: each follower's seq at its head and at the head
   its producer reports in /healthz, read after the producers' next
   heartbeat), polling; HC_DEADLINE_EXCEEDED after a minute, HC_CANCELLED
   when the load is asked to stop, or the error of a call. */
int demo_wait_reporting(demo_loader *self, hc_error *err);

/* Creates the SEIU-Community Clinics grant (demo_grant.c), after
   demo_wait_reporting, keyed as demo_run. Counts into stats. */
int demo_grant_load(demo_loader *loader, hc_arena *arena, demo_stats *stats, hc_error *err);

/* What the credential and apprenticeship sides of the fund are built
   from: the roster, its ids, the employers' ids, the enrollment picks and
   which of them were completed. */
typedef struct {
    demo_loader *loader;
    hc_arena *arena;
    const demo_worker *workers; /* DEMO_WORKERS */
    char *const *worker_ids;
    char *const *employer_ids; /* demo_employer_count */
    const demo_pick *picks;
    size_t pick_count;
    const bool *completed; /* per pick */
} demo_fund;

/* Loads competencies, credential types, the nursing ladder, awards for
   completed credential programs and earlier credentials, a few
   revocations and prior-learning assessments (demo_cred.c). Deterministic,
   keyed as demo_run. Counts into stats. HC_OK or the first failure. */
int demo_credentials_load(const demo_fund *fund, demo_stats *stats, hc_error *err);

/* --- the CHW registered apprenticeship (demo_appr.c) --- */

#define DEMO_APPR_PROGRAM "CHW-APP"
#define DEMO_APPR_OJL     2000.0 /* the program's OJL hours */
#define DEMO_APPR_RTI     144.0  /* and RTI hours */
#define DEMO_APPRENTICES  10

/* Where an apprentice stands as of DEMO_AS_OF. */
typedef enum {
    DEMO_APPR_NEW,       /* registered in the last weeks */
    DEMO_APPR_ACTIVE,    /* part of the way */
    DEMO_APPR_SUSPENDED, /* on leave */
    DEMO_APPR_CANCELLED, /* left, with a reason */
    DEMO_APPR_COMPLETED, /* every hour and competency: the CHW certificate follows */
} demo_appr_stage;

typedef struct {
    size_t worker; /* roster index: an incumbent */
    demo_appr_stage stage;
    const char *start_date;
    double ojl_per_day;     /* a weekday's OJL hours (a week of 5 varies around it) */
    double rti_per_week;    /* class hours on Tuesdays */
    const char *stop_date;  /* the last day with hours; the status change's date */
    const char *reason;     /* why suspended or cancelled */
    const char *mentor;     /* also who approves the OJL hours */
    size_t signoffs;        /* the program's competencies signed off, in order */
    const char *signoff_on; /* the date of each sign-off (all on one day) */
} demo_apprentice;

/* The program's competencies, in order (codes of demo_cred.c). */
extern const char *const demo_appr_competencies[];
extern const size_t demo_appr_competency_count;

/* Picks DEMO_APPRENTICES incumbents (community health workers and patient
   services representatives first) who took no CHW certificate cohort among
   picks[0..pick_count), got no prior-learning credit and did not leave
   their clinic, and gives each a plan: two completed, new, midway,
   suspended and cancelled ones. The same on every run. Returns the number
   written to out (fewer only when the roster holds too few). */
size_t demo_apprentices_make(const demo_worker *workers, const demo_pick *picks, size_t pick_count,
                             demo_apprentice *out);

/* The hours of a (whose id is id) as an ImportHours CSV with the header
   apprentice_id,kind,date,hours,approved_by: OJL on weekdays and RTI on
   Tuesdays from the day after its start to its stop date (never past
   DEMO_AS_OF), none between Christmas Eve and New Year's Day, in quarter
   hours, stopping at the program's totals. Returns the malloc'd text and
   sets *rows, *ojl and *rti (the totals); NULL when out of memory. */
char *demo_hours_csv(const demo_apprentice *a, const char *id, size_t *rows, double *ojl,
                     double *rti);

/* The day apprentice a completes: the later of its last hours row
   (demo_hours_csv stops at the program's totals) and its sign-offs; ""
   when it does not complete by DEMO_AS_OF. out holds HC_DATE_SIZE. */
void demo_appr_completed_on(const demo_apprentice *a, char *out);

/* Loads the apprenticeship program, registers the apprentices, signs off
   their competencies, imports their hours (one ImportHours batch each),
   suspends or cancels those planned so, and places each who completed as
   a community health worker at their clinic a month later (an employment
   record of kind placement). Keyed as demo_run. Counts into stats. HC_OK
   or the first failure. */
int demo_apprenticeship_load(const demo_fund *fund, demo_stats *stats, hc_error *err);

#endif
