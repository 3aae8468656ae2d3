/* demo_appr: the demonstration fund's registered apprenticeship: a hybrid
   Community Health Worker program with wage steps and ten apprentices at
   every stage, their sign-offs, their hours (ImportHours, one batch each)
   and their suspensions and cancellations. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apprenticeship.pb-c.h"
#include "demo_plan.h"
#include "enrollment.pb-c.h"
#include "hc_time.h"

/* Idempotency key numbers, past demo_cred.c's (which end below 10200). */
enum {
    S_KEY_PROGRAM = 11001,
    S_KEY_REGISTER = 11011, /* + apprentice */
    S_KEY_SIGNOFF = 11101,  /* + 4 * apprentice + competency */
    S_KEY_HOURS = 11201,    /* + apprentice */
    S_KEY_STATUS = 11301,   /* + apprentice */
    S_KEY_PLACED = 11401,   /* + apprentice */
};

#define S_PLACED_AFTER_DAYS 30   /* completion to the first day as a CHW */
#define S_CHW_WAGE_CENTS    2450 /* a step above the apprenticeship's last */

#define S_SERVICE  "apprenticeship"
#define S_PROVIDER "Worker Resource & Education Center"
#define S_ROW_MAX  96

const char *const demo_appr_competencies[] = {"OUTREACH", "CARE-COORD"};
const size_t demo_appr_competency_count =
    sizeof demo_appr_competencies / sizeof demo_appr_competencies[0];

/* The plans, given to the picked workers in order. */
static const demo_apprentice s_plans[DEMO_APPRENTICES] = {
    {0, DEMO_APPR_COMPLETED, "2025-02-03", 8, 4, DEMO_AS_OF, NULL, "Rosa Delgado", 2, "2025-12-15"},
    {0, DEMO_APPR_COMPLETED, "2025-04-07", 8, 4, DEMO_AS_OF, NULL, "Kevin Wong", 2, "2026-02-23"},
    {0, DEMO_APPR_ACTIVE, "2025-09-02", 4, 3, DEMO_AS_OF, NULL, "Rosa Delgado", 1, "2026-03-16"},
    {0, DEMO_APPR_ACTIVE, "2025-11-03", 6, 2, DEMO_AS_OF, NULL, "Maribel Ortiz", 1, "2026-06-08"},
    {0, DEMO_APPR_ACTIVE, "2026-01-05", 4, 2, DEMO_AS_OF, NULL, "Kevin Wong", 0, NULL},
    {0, DEMO_APPR_ACTIVE, "2026-04-06", 6, 3, DEMO_AS_OF, NULL, "Maribel Ortiz", 0, NULL},
    {0, DEMO_APPR_NEW, "2026-10-19", 8, 0, DEMO_AS_OF, NULL, "Rosa Delgado", 0, NULL},
    {0, DEMO_APPR_NEW, "2026-10-27", 0, 0, DEMO_AS_OF, NULL, "Kevin Wong", 0, NULL},
    {0, DEMO_APPR_SUSPENDED, "2025-10-06", 6, 3, "2026-09-11",
     "family medical leave; expected back in January", "Maribel Ortiz", 1, "2026-05-04"},
    {0, DEMO_APPR_CANCELLED, "2025-06-02", 8, 4, "2025-09-12",
     "left the clinic for a position outside health care", "Rosa Delgado", 0, NULL},
};

/* Job titles that lead into community health work, most fitting first. */
static const char *const s_titles[] = {"Community Health Worker", "Patient Services Representative",
                                       "Front Office Coordinator", "Medical Assistant"};
#define S_TITLE_COUNT (sizeof s_titles / sizeof s_titles[0])

/* True when worker w asked for a seat in a CHW certificate cohort. */
static bool s_in_chw_cohort(size_t w, const demo_pick *picks, size_t pick_count)
{
    for (size_t e = 0; e < pick_count; e++) {
        const demo_program *p = &demo_programs[demo_cohorts[picks[e].cohort].program];
        if (picks[e].worker == w && p->credential_code &&
            strcmp(p->credential_code, "CHW-CERT") == 0)
            return true;
    }
    return false;
}

/* Whether worker w may be an apprentice: employed, no CHW certificate
   already on its way, no prior-learning credit (demo_cred.c assesses
   workers 3 + 7k) and no separation (demo.c: 17 + 50k). */
static bool s_eligible(const demo_worker *workers, size_t w, const demo_pick *picks,
                       size_t pick_count)
{
    const demo_worker *wk = &workers[w];
    return wk->status == HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT &&
           wk->employer >= 0 && wk->job_title && w % 7 != 3 && w % 50 != 17 &&
           !s_in_chw_cohort(w, picks, pick_count);
}

size_t demo_apprentices_make(const demo_worker *workers, const demo_pick *picks, size_t pick_count,
                             demo_apprentice *out)
{
    size_t count = 0;
    for (size_t t = 0; t < S_TITLE_COUNT && count < DEMO_APPRENTICES; t++)
        for (size_t w = 0; w < DEMO_WORKERS && count < DEMO_APPRENTICES; w++) {
            if (strcmp(workers[w].job_title ? workers[w].job_title : "", s_titles[t]) != 0 ||
                !s_eligible(workers, w, picks, pick_count))
                continue;
            out[count] = s_plans[count];
            out[count].worker = w;
            count++;
        }
    return count;
}

/* Weekday of a day number, Monday = 0 (1970-01-01 was a Thursday). */
static int s_weekday(int64_t day)
{
    return (int)((day % 7 + 7 + 3) % 7);
}

/* Between Christmas Eve and New Year's Day the clinics' training pauses. */
static bool s_holiday(const char *date)
{
    return strcmp(date + 5, "12-24") >= 0 || strcmp(date + 5, "01-01") <= 0;
}

/* A quarter hour at most: h rounded to the nearest 0.25. */
static double s_quarter(double h)
{
    return round(h * 4) / 4;
}

typedef struct {
    char *text;
    size_t size, capacity, rows;
} s_text;

static bool s_append(s_text *t, const char *row)
{
    size_t length = strlen(row);
    if (t->size + length + 1 > t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 8192;
        while (capacity < t->size + length + 1)
            capacity *= 2;
        char *bigger = realloc(t->text, capacity);
        if (!bigger)
            return false;
        t->text = bigger;
        t->capacity = capacity;
    }
    memcpy(t->text + t->size, row, length + 1);
    t->size += length;
    return true;
}

/* Appends one row of hours h (> 0) of kind on date. */
static bool s_row(s_text *t, const char *id, const char *kind, const char *date, double h,
                  const char *approved_by)
{
    char row[S_ROW_MAX + 64];
    snprintf(row, sizeof row, "%s,%s,%s,%.2f,%s\n", id, kind, date, h, approved_by);
    t->rows++;
    return s_append(t, row);
}

/* The day's OJL: a five-day week around the pace (a short Wednesday, a
   long Thursday), in quarter hours. */
static double s_ojl_of(const demo_apprentice *a, int weekday)
{
    static const double factor[5] = {1, 1, 0.9375, 1.0625, 1};
    return s_quarter(a->ojl_per_day * factor[weekday]);
}

char *demo_hours_csv(const demo_apprentice *a, const char *id, size_t *rows, double *ojl,
                     double *rti)
{
    s_text t = {0};
    bool ok = s_append(&t, "apprentice_id,kind,date,hours,approved_by\n");
    int64_t last = hc_date_days(a->stop_date), as_of = hc_date_days(DEMO_AS_OF);
    last = last < as_of ? last : as_of;
    *ojl = *rti = 0;
    for (int64_t day = hc_date_days(a->start_date) + 1; ok && day <= last; day++) {
        char date[HC_DATE_SIZE];
        hc_date_from_days(day, date);
        int weekday = s_weekday(day);
        if (weekday > 4 || s_holiday(date))
            continue;
        double h = fmin(s_ojl_of(a, weekday), DEMO_APPR_OJL - *ojl);
        if (h > 0) {
            ok = s_row(&t, id, "ojl", date, h, a->mentor);
            *ojl += h;
        }
        h = weekday == 1 ? fmin(a->rti_per_week, DEMO_APPR_RTI - *rti) : 0;
        if (ok && h > 0) {
            ok = s_row(&t, id, "rti", date, h, S_PROVIDER);
            *rti += h;
        }
    }
    *rows = t.rows;
    if (!ok) {
        free(t.text);
        return NULL;
    }
    return t.text;
}

void demo_appr_completed_on(const demo_apprentice *a, char *out)
{
    out[0] = '\0';
    if (a->stage != DEMO_APPR_COMPLETED)
        return;
    size_t rows = 0;
    double ojl = 0, rti = 0;
    char *csv = demo_hours_csv(a, "x", &rows, &ojl, &rti);
    if (!csv)
        return;
    /* the last row: "x,kind,YYYY-MM-DD,..." */
    size_t length = strlen(csv);
    while (length > 0 && csv[length - 1] == '\n')
        csv[--length] = '\0';
    const char *last = strrchr(csv, '\n');
    const char *date = last ? strchr(strchr(last, ',') + 1, ',') + 1 : NULL;
    bool complete = ojl >= DEMO_APPR_OJL && rti >= DEMO_APPR_RTI;
    if (complete && date && strlen(date) >= HC_DATE_SIZE - 1)
        snprintf(out, HC_DATE_SIZE, "%.10s", date);
    if (out[0] && a->signoff_on && strcmp(a->signoff_on, out) > 0)
        snprintf(out, HC_DATE_SIZE, "%s", a->signoff_on);
    free(csv);
}

/* --- loading --- */

static char *s_dup(const demo_fund *f, const char *text)
{
    return text ? hc_arena_strdup(f->arena, text) : NULL;
}

static ProtobufCMessage *s_message(const demo_fund *f, const ProtobufCMessageDescriptor *desc)
{
    return hc_arena_message(f->arena, desc);
}

static Hcap__WageStep *s_wage_step(const demo_fund *f, double after, int64_t cents)
{
    Hcap__WageStep *step = (Hcap__WageStep *)s_message(f, &hcap__wage_step__descriptor);
    step->after_ojl_hours = after;
    step->hourly_wage_cents = cents;
    return step;
}

static int s_program(const demo_fund *f, demo_stats *stats, hc_error *err)
{
    Hcap__CreateApprenticeshipProgramRequest *in =
        (Hcap__CreateApprenticeshipProgramRequest *)s_message(
            f, &hcap__create_apprenticeship_program_request__descriptor);
    in->code = s_dup(f, DEMO_APPR_PROGRAM);
    in->name = s_dup(f, "Community Health Worker Registered Apprenticeship");
    in->occupation = s_dup(f, "Community Health Worker");
    in->onet_soc = s_dup(f, "21-1094.00");
    in->rapids_code = s_dup(f, "2002HY"); /* the DOL framework's hybrid CHW occupation */
    in->sponsor = s_dup(f, "SEIU-Community Clinics Training Partnership");
    in->approach = HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_HYBRID;
    in->has_ojl_hours = in->has_rti_hours = true;
    in->ojl_hours = DEMO_APPR_OJL;
    in->rti_hours = DEMO_APPR_RTI;
    in->n_competencies = demo_appr_competency_count;
    in->competencies = hc_arena_alloc(f->arena, demo_appr_competency_count * sizeof(char *));
    for (size_t i = 0; i < demo_appr_competency_count; i++)
        in->competencies[i] = s_dup(f, demo_appr_competencies[i]);
    in->n_wage_steps = 4;
    in->wage_steps = hc_arena_alloc(f->arena, 4 * sizeof *in->wage_steps);
    in->wage_steps[0] = s_wage_step(f, 0, 2000);
    in->wage_steps[1] = s_wage_step(f, 500, 2100);
    in->wage_steps[2] = s_wage_step(f, 1000, 2200);
    in->wage_steps[3] = s_wage_step(f, 1500, 2350);
    in->completion_credential_code = s_dup(f, "CHW-CERT");
    demo_call call = {&in->base, S_KEY_PROGRAM, NULL, DEMO_WAITING, 0};
    int rc = demo_run(f->loader, S_SERVICE, "CreateApprenticeshipProgram",
                      &hcap__apprenticeship_program__descriptor, &call, 1, err);
    stats->apprenticeship_programs = rc == HC_OK ? 1 : 0;
    return rc;
}

/* The apprentices' plans and, once registered, their ids. */
typedef struct {
    demo_apprentice plans[DEMO_APPRENTICES];
    size_t count;
    char *ids[DEMO_APPRENTICES];
} s_cohort;

static int s_register(const demo_fund *f, s_cohort *c, demo_stats *stats, hc_error *err)
{
    demo_call calls[DEMO_APPRENTICES];
    for (size_t i = 0; i < c->count; i++) {
        const demo_apprentice *a = &c->plans[i];
        Hcap__RegisterApprenticeRequest *in = (Hcap__RegisterApprenticeRequest *)s_message(
            f, &hcap__register_apprentice_request__descriptor);
        in->worker_id = f->worker_ids[a->worker];
        in->program_code = s_dup(f, DEMO_APPR_PROGRAM);
        in->employer_id = f->employer_ids[f->workers[a->worker].employer];
        in->mentor = s_dup(f, a->mentor);
        in->start_date = s_dup(f, a->start_date);
        calls[i] = (demo_call){&in->base, S_KEY_REGISTER + (unsigned)i, NULL, DEMO_WAITING, 0};
    }
    int rc = demo_run(f->loader, S_SERVICE, "RegisterApprentice", &hcap__apprentice__descriptor,
                      calls, c->count, err);
    for (size_t i = 0; rc == HC_OK && i < c->count; i++)
        c->ids[i] = ((Hcap__Apprentice *)calls[i].out)->id;
    stats->apprentices = rc == HC_OK ? c->count : 0;
    return rc;
}

/* Sign-offs come before the hours: the last batch of hours is what
   completes an apprentice who has every competency. */
static int s_signoffs(const demo_fund *f, const s_cohort *c, demo_stats *stats, hc_error *err)
{
    demo_call calls[DEMO_APPRENTICES * 2];
    size_t count = 0;
    for (size_t i = 0; i < c->count; i++)
        for (size_t k = 0; k < c->plans[i].signoffs && k < demo_appr_competency_count; k++) {
            Hcap__SignOffRequest *in =
                (Hcap__SignOffRequest *)s_message(f, &hcap__sign_off_request__descriptor);
            in->id = c->ids[i];
            in->competency = s_dup(f, demo_appr_competencies[k]);
            in->signed_by = s_dup(f, c->plans[i].mentor);
            in->date = s_dup(f, c->plans[i].signoff_on);
            calls[count++] = (demo_call){&in->base, S_KEY_SIGNOFF + 4 * (unsigned)i + (unsigned)k,
                                         NULL, DEMO_WAITING, 0};
        }
    int rc =
        demo_run(f->loader, S_SERVICE, "SignOff", &hcap__apprentice__descriptor, calls, count, err);
    stats->signoffs = rc == HC_OK ? count : 0;
    return rc;
}

/* A batch the service answered with rejected rows is a broken plan. */
static int s_check_reports(const demo_call *calls, size_t count, hc_error *err)
{
    for (size_t i = 0; i < count; i++) {
        const Hcap__ImportHoursReport *report = (const Hcap__ImportHoursReport *)calls[i].out;
        if (report->n_rejected > 0)
            return hc_error_set(err, HC_INVALID_ARGUMENT, report->rejected[0]->field,
                                "ImportHours demo-%u: line %u: %s", calls[i].key,
                                report->rejected[0]->line, report->rejected[0]->message);
    }
    return HC_OK;
}

static int s_hours(const demo_fund *f, const s_cohort *c, demo_stats *stats, hc_error *err)
{
    demo_call calls[DEMO_APPRENTICES];
    size_t count = 0, rows_total = 0;
    for (size_t i = 0; i < c->count; i++) {
        size_t rows = 0;
        double ojl = 0, rti = 0;
        char *csv = demo_hours_csv(&c->plans[i], c->ids[i], &rows, &ojl, &rti);
        if (!csv)
            return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        Hcap__ImportHoursRequest *in =
            (Hcap__ImportHoursRequest *)s_message(f, &hcap__import_hours_request__descriptor);
        in->csv = s_dup(f, csv);
        free(csv);
        if (rows == 0)
            continue;
        rows_total += rows;
        calls[count++] = (demo_call){&in->base, S_KEY_HOURS + (unsigned)i, NULL, DEMO_WAITING, 0};
    }
    int rc = demo_run(f->loader, S_SERVICE, "ImportHours", &hcap__import_hours_report__descriptor,
                      calls, count, err);
    if (rc == HC_OK)
        rc = s_check_reports(calls, count, err);
    stats->hours_rows = rc == HC_OK ? rows_total : 0;
    return rc;
}

static int s_status(const demo_fund *f, const s_cohort *c, demo_stats *stats, hc_error *err)
{
    demo_call calls[DEMO_APPRENTICES];
    size_t count = 0;
    for (size_t i = 0; i < c->count; i++) {
        const demo_apprentice *a = &c->plans[i];
        if (a->stage != DEMO_APPR_SUSPENDED && a->stage != DEMO_APPR_CANCELLED)
            continue;
        Hcap__ChangeApprenticeStatusRequest *in = (Hcap__ChangeApprenticeStatusRequest *)s_message(
            f, &hcap__change_apprentice_status_request__descriptor);
        in->id = c->ids[i];
        in->status = a->stage == DEMO_APPR_SUSPENDED
                         ? HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_SUSPENDED
                         : HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_CANCELLED;
        in->reason = s_dup(f, a->reason);
        in->date = s_dup(f, a->stop_date);
        calls[count++] = (demo_call){&in->base, S_KEY_STATUS + (unsigned)i, NULL, DEMO_WAITING, 0};
    }
    int rc = demo_run(f->loader, S_SERVICE, "ChangeApprenticeStatus", &hcap__apprentice__descriptor,
                      calls, count, err);
    stats->apprentice_status_changes = rc == HC_OK ? count : 0;
    return rc;
}

/* Each apprentice who completed is placed as a community health worker at
   their clinic a month after completing (what the grant's placement rate
   counts). */
static int s_placements(const demo_fund *f, const s_cohort *c, demo_stats *stats, hc_error *err)
{
    demo_call calls[DEMO_APPRENTICES];
    size_t count = 0;
    for (size_t i = 0; i < c->count; i++) {
        char completed[HC_DATE_SIZE], placed[HC_DATE_SIZE];
        demo_appr_completed_on(&c->plans[i], completed);
        if (!completed[0])
            continue;
        hc_date_from_days(hc_date_days(completed) + S_PLACED_AFTER_DAYS, placed);
        const demo_worker *w = &f->workers[c->plans[i].worker];
        Hcap__RecordEmploymentRequest *in = (Hcap__RecordEmploymentRequest *)s_message(
            f, &hcap__record_employment_request__descriptor);
        in->id = f->worker_ids[c->plans[i].worker];
        in->kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT;
        in->employer_id = f->employer_ids[w->employer];
        in->job_title = s_dup(f, "Community Health Worker");
        in->has_hourly_wage_cents = true;
        in->hourly_wage_cents = S_CHW_WAGE_CENTS;
        in->effective_date = s_dup(f, placed);
        calls[count++] = (demo_call){&in->base, S_KEY_PLACED + (unsigned)i, NULL, DEMO_WAITING, 0};
    }
    int rc = demo_run(f->loader, "enrollment", "RecordEmployment",
                      &hcap__employment_record__descriptor, calls, count, err);
    stats->apprentice_placements = rc == HC_OK ? count : 0;
    return rc;
}

int demo_apprenticeship_load(const demo_fund *f, demo_stats *stats, hc_error *err)
{
    s_cohort *c = hc_arena_alloc(f->arena, sizeof *c);
    memset(c, 0, sizeof *c);
    c->count = demo_apprentices_make(f->workers, f->picks, f->pick_count, c->plans);
    int rc = s_program(f, stats, err);
    if (rc == HC_OK)
        rc = s_register(f, c, stats, err);
    if (rc == HC_OK)
        rc = s_signoffs(f, c, stats, err);
    if (rc == HC_OK)
        rc = s_hours(f, c, stats, err);
    if (rc == HC_OK)
        rc = s_status(f, c, stats, err);
    if (rc == HC_OK)
        rc = s_placements(f, c, stats, err);
    return rc;
}
