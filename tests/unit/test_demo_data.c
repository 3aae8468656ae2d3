/* test_demo_data: the demonstration fund's roster and enrollment picks are
   the same on every run and hold what the demo promises (self-identified
   demographics with `declined`, many languages, waitlists). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "../../tools/demo.h"
#include "../../tools/demo_plan.h"

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
