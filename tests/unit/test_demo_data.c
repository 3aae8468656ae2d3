/* test_demo_data: the demonstration fund's roster and enrollment picks are
   the same on every run and hold what the demo promises (self-identified
   demographics with `declined`, many languages, waitlists); its
   apprentices cover every stage and their hours are ones the
   apprenticeship service takes (a day at most 24 hours, two decimals,
   after the start, not past the as-of date, within the program's totals,
   the completed ones exactly at them). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../../tools/demo.h"
#include "../../tools/demo_plan.h"
#include "hc_csv.h"
#include "hc_time.h"

#define S_MAX_PICKS 512

static demo_worker s_a[DEMO_WORKERS], s_b[DEMO_WORKERS];

Test(demo_data, the_roster_is_the_same_on_every_run)
{
    demo_workers_make(s_a, DEMO_WORKERS, 4);
    demo_workers_make(s_b, DEMO_WORKERS, 4);
    cr_assert_eq(memcmp(s_a, s_b, sizeof s_a), 0);
    demo_workers_make(s_b, DEMO_WORKERS, 5);
    cr_assert_neq(memcmp(s_a, s_b, sizeof s_a), 0, "the seed matters");
}

Test(demo_data, workers_have_unique_external_ids_and_valid_fields)
{
    demo_workers_make(s_a, DEMO_WORKERS, 4);
    for (size_t i = 0; i < DEMO_WORKERS; i++) {
        const demo_worker *w = &s_a[i];
        cr_assert(w->given_name[0] && w->family_name[0]);
        cr_assert_eq(strncmp(w->external_id, DEMO_EXTERNAL_PREFIX, 4), 0);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(w->external_id, s_a[j].external_id);
        cr_assert(w->n_race >= 1 && w->n_race <= 2);
        if (w->status == HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT)
            cr_assert(w->employer >= 0 && w->job_title && w->wage_cents > 0 && w->hire_date[0]);
        else
            cr_assert(w->employer < 0 && w->wage_cents == 0);
    }
}

Test(demo_data, demographics_include_declined_and_many_languages)
{
    demo_workers_make(s_a, DEMO_WORKERS, 4);
    bool race_declined = false, gender_declined = false, two_races = false;
    const char *languages[16];
    size_t n_languages = 0, incumbents = 0, new_entrants = 0;
    for (size_t i = 0; i < DEMO_WORKERS; i++) {
        const demo_worker *w = &s_a[i];
        race_declined |= w->race[0] == HCAP__RACE_ETHNICITY__RACE_ETHNICITY_DECLINED;
        gender_declined |= w->gender == HCAP__GENDER__GENDER_DECLINED;
        two_races |= w->n_race == 2;
        incumbents += w->status == HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
        new_entrants += w->status == HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_NEW_ENTRANT;
        bool seen = false;
        for (size_t l = 0; l < n_languages; l++)
            seen |= strcmp(languages[l], w->language) == 0;
        if (!seen && n_languages < 16)
            languages[n_languages++] = w->language;
    }
    cr_assert(race_declined && gender_declined && two_races);
    cr_assert_geq(n_languages, 6, "%zu languages", n_languages);
    cr_assert(incumbents > DEMO_WORKERS / 2 && new_entrants > 0);
}

Test(demo_data, picks_fill_small_cohorts_past_capacity_without_repeats)
{
    static demo_pick picks[S_MAX_PICKS], again[S_MAX_PICKS];
    demo_workers_make(s_a, DEMO_WORKERS, 4);
    size_t count = demo_picks_make(s_a, DEMO_WORKERS, picks, S_MAX_PICKS, 5);
    cr_assert_eq(demo_picks_make(s_a, DEMO_WORKERS, again, S_MAX_PICKS, 5), count);
    cr_assert_eq(memcmp(picks, again, count * sizeof picks[0]), 0);
    size_t over = 0;
    for (size_t c = 0; c < demo_cohort_count; c++) {
        size_t asked = 0;
        for (size_t p = 0; p < count; p++) {
            if (picks[p].cohort != c)
                continue;
            asked++;
            for (size_t q = 0; q < p; q++)
                cr_assert(picks[q].cohort != c || picks[q].worker != picks[p].worker);
            const char *lang = demo_cohorts[c].language;
            if (lang && strcmp(lang, "English") != 0)
                cr_assert_str_eq(s_a[picks[p].worker].language, lang);
        }
        over += asked > demo_cohorts[c].capacity;
    }
    cr_assert_geq(over, 3, "waitlists need cohorts asked for by more than they seat");
}

/* The apprentices as the demo loads them (its seeds: 4 and 5). */
static size_t s_apprentices(demo_apprentice *out)
{
    static demo_pick picks[S_MAX_PICKS];
    demo_workers_make(s_a, DEMO_WORKERS, 4);
    size_t count = demo_picks_make(s_a, DEMO_WORKERS, picks, S_MAX_PICKS, 5);
    return demo_apprentices_make(s_a, picks, count, out);
}

Test(demo_data, apprentices_are_distinct_incumbents_at_every_stage)
{
    demo_apprentice a[DEMO_APPRENTICES], again[DEMO_APPRENTICES];
    cr_assert_eq(s_apprentices(a), DEMO_APPRENTICES);
    cr_assert_eq(s_apprentices(again), DEMO_APPRENTICES);
    cr_assert_eq(memcmp(a, again, sizeof a), 0, "the same on every run");
    size_t stages[DEMO_APPR_COMPLETED + 1] = {0};
    for (size_t i = 0; i < DEMO_APPRENTICES; i++) {
        const demo_worker *w = &s_a[a[i].worker];
        cr_assert(w->status == HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT &&
                      w->employer >= 0,
                  "apprentice %zu needs an employer", i);
        cr_assert_neq(a[i].worker % 7, 3, "no prior-learning credit to blur the hours");
        for (size_t j = 0; j < i; j++)
            cr_assert_neq(a[i].worker, a[j].worker, "one registration per worker");
        stages[a[i].stage]++;
        bool stopped = a[i].stage == DEMO_APPR_SUSPENDED || a[i].stage == DEMO_APPR_CANCELLED;
        cr_assert_eq(stopped, a[i].reason != NULL, "a reason exactly for a stop");
        cr_assert_eq(a[i].stage == DEMO_APPR_COMPLETED, a[i].signoffs == demo_appr_competency_count,
                     "every competency signed off exactly for the completed");
        if (a[i].signoffs)
            cr_assert(hc_date_days(a[i].signoff_on) > hc_date_days(a[i].start_date) &&
                      hc_date_days(a[i].signoff_on) <= hc_date_days(DEMO_AS_OF));
    }
    cr_assert_geq(stages[DEMO_APPR_COMPLETED], 2);
    cr_assert_geq(stages[DEMO_APPR_NEW], 1);
    cr_assert_geq(stages[DEMO_APPR_ACTIVE], 1);
    cr_assert_geq(stages[DEMO_APPR_SUSPENDED], 1);
    cr_assert_geq(stages[DEMO_APPR_CANCELLED], 1);
}

/* Checks one apprentice's CSV as the service would; returns the OJL and
   RTI it logs. */
static void s_check_hours(const demo_apprentice *a, const char *csv, size_t rows, double *ojl,
                          double *rti)
{
    hc_csv *reader = hc_csv_new(csv, strlen(csv));
    char **f;
    size_t n, seen = 0;
    hc_error err;
    cr_assert_eq(hc_csv_next(reader, &f, &n, &err), 1);
    cr_assert_eq(n, 5);
    cr_assert_str_eq(f[0], "apprentice_id");
    cr_assert_str_eq(f[3], "hours");
    int64_t start = hc_date_days(a->start_date), prev = 0;
    double day_total = 0;
    *ojl = *rti = 0;
    while (hc_csv_next(reader, &f, &n, &err) == 1) {
        seen++;
        cr_assert_eq(n, 5);
        cr_assert_str_eq(f[0], "apr_x");
        int64_t day = hc_date_days(f[2]);
        cr_assert(day > start && day <= hc_date_days(DEMO_AS_OF) &&
                      day <= hc_date_days(a->stop_date),
                  "date %s outside the apprenticeship", f[2]);
        double h = strtod(f[3], NULL);
        cr_assert(h > 0 && h <= 24 && fabs(h * 100 - round(h * 100)) < 1e-9, "hours %s", f[3]);
        day_total = day == prev ? day_total + h : h;
        cr_assert_leq(day_total, 24, "%s: more than 24 hours", f[2]);
        cr_assert_geq(day, prev, "dates in order");
        prev = day;
        *(strcmp(f[1], "ojl") == 0 ? ojl : rti) += h;
        cr_assert(strcmp(f[1], "ojl") == 0 || strcmp(f[1], "rti") == 0);
    }
    cr_assert_eq(seen, rows);
    hc_csv_destroy(&reader);
}

Test(demo_data, apprentice_hours_are_what_the_service_takes)
{
    demo_apprentice a[DEMO_APPRENTICES];
    cr_assert_eq(s_apprentices(a), DEMO_APPRENTICES);
    size_t with_hours = 0;
    for (size_t i = 0; i < DEMO_APPRENTICES; i++) {
        size_t rows = 0;
        double ojl = 0, rti = 0, got_ojl, got_rti;
        char *csv = demo_hours_csv(&a[i], "apr_x", &rows, &ojl, &rti);
        cr_assert_not_null(csv);
        s_check_hours(&a[i], csv, rows, &got_ojl, &got_rti);
        free(csv);
        cr_assert_float_eq(got_ojl, ojl, 1e-9);
        cr_assert_float_eq(got_rti, rti, 1e-9);
        with_hours += rows > 0;
        if (a[i].stage == DEMO_APPR_COMPLETED)
            cr_assert(ojl == DEMO_APPR_OJL && rti == DEMO_APPR_RTI,
                      "completed %zu: %.2f OJL %.2f RTI", i, ojl, rti);
        else
            cr_assert(ojl < DEMO_APPR_OJL && rti <= DEMO_APPR_RTI, "%zu: %.2f OJL", i, ojl);
        if (a[i].stage == DEMO_APPR_ACTIVE)
            cr_assert_gt(ojl, 500, "midway: past the first wage step");
    }
    cr_assert_geq(with_hours, DEMO_APPRENTICES - 1, "all but the newest log hours");
}

/* The completed apprentices complete on their last hours (after their
   sign-offs), early enough that a placement a month later is in the
   demo's past; the others have no completion day. */
Test(demo_data, completed_apprentices_complete_in_time_to_be_placed)
{
    demo_apprentice a[DEMO_APPRENTICES];
    cr_assert_eq(s_apprentices(a), DEMO_APPRENTICES);
    size_t completed = 0;
    for (size_t i = 0; i < DEMO_APPRENTICES; i++) {
        char on[HC_DATE_SIZE];
        demo_appr_completed_on(&a[i], on);
        if (a[i].stage != DEMO_APPR_COMPLETED) {
            cr_assert_str_eq(on, "", "apprentice %zu does not complete", i);
            continue;
        }
        completed++;
        size_t rows = 0;
        double ojl = 0, rti = 0;
        char *csv = demo_hours_csv(&a[i], "apr_x", &rows, &ojl, &rti);
        char last[HC_DATE_SIZE];
        const char *tail = csv + strlen(csv) - 1;
        while (tail > csv && tail[-1] != '\n')
            tail--;
        snprintf(last, sizeof last, "%.10s", strchr(strchr(tail, ',') + 1, ',') + 1);
        free(csv);
        cr_assert_eq(hc_date_days(on),
                     hc_date_days(last) > hc_date_days(a[i].signoff_on)
                         ? hc_date_days(last)
                         : hc_date_days(a[i].signoff_on),
                     "%s: the later of the last hours (%s) and the sign-offs (%s)", on, last,
                     a[i].signoff_on);
        cr_assert_lt(hc_date_days(on) + 30, hc_date_days(DEMO_AS_OF), "completed %s", on);
    }
    cr_assert_eq(completed, 2);
}
