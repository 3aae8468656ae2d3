/* reporting_index_indicators: the WIOA-style indicators (docs/indicators.md)
   over the model, equal to S_INDICATORS and S_MARK_SKILLS in
   reporting_query.c: a pass finds each worker's last exit in the period
   and the skill marks, a second drops the workers still enrolled on that
   day and notes each one's earliest credential_training start, then each
   exiter's credentials and employment records are read from buckets. */
#include <stdlib.h>
#include "hc_time.h"
#include "reporting_index.h"
#include "reporting_index_util.h"
#include "reporting_server.h"

#define S_KIND(k)      ((uint64_t)1 << (k))
#define S_EMPLOYMENT   (S_KIND(40) | S_KIND(41) | S_KIND(42) | S_KIND(43))
#define S_STEP(k)      ((k) >= REP_FACT_ENROLLED && (k) <= REP_FACT_FAILED)
#define S_EXIT(k)      ((k) >= REP_FACT_COMPLETED && (k) <= REP_FACT_FAILED)
#define S_RECORD(k)    ((k) >= REP_FACT_PLACEMENT && (k) <= REP_FACT_WAGE_CHANGE)
#define S_SKILL_PART   1
#define S_SKILL_GAINED 2

/* --- calendar --- */

static int32_t s_days(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static void s_civil(int32_t days, int *y, int *m, int *d)
{
    int64_t z = (int64_t)days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The first day of the month months after year-month (month 1..12). */
static int32_t s_month_first(int year, int month, int months)
{
    int index = year * 12 + (month - 1) + months;
    return s_days(index / 12, index % 12 + 1, 1);
}

/* A year after day, clamped to the month's end (as the SQL's MIN of
   +1 year and the month's last day). */
static int32_t s_year_after(int32_t day)
{
    int y, m, d;
    s_civil(day, &y, &m, &d);
    int32_t last = s_month_first(y + 1, m, 1) - 1, same = s_days(y + 1, m, d);
    return same < last ? same : last;
}

/* The measured quarters of an exit day and the end of its credential
   window, memoized per day: exits fall on a few thousand days. */
typedef struct {
    int32_t day; /* REP_DAY_NONE: empty */
    int32_t f2, l2, f4, l4, year_after;
} s_quarters;

#define S_MEMO 4096

static const s_quarters *s_quarters_of(s_quarters *memo, int32_t day)
{
    s_quarters *q = &memo[(uint32_t)day % S_MEMO];
    if (q->day == day)
        return q;
    int y, m, d;
    s_civil(day, &y, &m, &d);
    int quarter = (m - 1) / 3 * 3 + 1;
    *q = (s_quarters){.day = day,
                      .f2 = s_month_first(y, quarter, 6),
                      .l2 = s_month_first(y, quarter, 9) - 1,
                      .f4 = s_month_first(y, quarter, 12),
                      .l4 = s_month_first(y, quarter, 15) - 1,
                      .year_after = s_year_after(day)};
    return q;
}

/* --- the passes --- */

typedef struct {
    const rep_model *m;
    rep_period p;
    /* per-worker arrays in the model's scratch */
    int32_t *exit_day;    /* by worker: the last exit in the period */
    int32_t *train_start; /* by worker: earliest start of a credential_training exit */
    uint8_t *skills;      /* by worker: S_SKILL_* */
    rep_bits still;       /* exiters still enrolled on their exit day */
    rep_bits exiters;
    uint32_t n_exiters;
    rep_buckets facts; /* each exiter's credentials and employment records */
    s_quarters *memo;  /* S_MEMO entries (scratch) */
    int64_t *wages;    /* of the earners (scratch) */
    uint32_t n_wages;
} s_run;

static bool s_in(const s_run *r, int32_t day)
{
    return day >= r->p.from && day <= r->p.to;
}

static void s_first_pass(s_run *r)
{
    for (size_t i = 0; i < r->m->n_facts; i++) {
        const rep_model_fact *f = &r->m->facts[i];
        if (!f->kind || !s_in(r, f->day))
            continue;
        if (S_EXIT(f->kind) &&
            (r->exit_day[f->wkey] == REP_DAY_NONE || f->day > r->exit_day[f->wkey]))
            r->exit_day[f->wkey] = f->day;
        if (f->kind <= REP_FACT_COMPLETED)
            r->skills[f->wkey] |= S_SKILL_PART;
        if (f->kind == REP_FACT_COMPLETED || f->kind == REP_FACT_CREDENTIAL ||
            f->kind == REP_FACT_SIGNOFF)
            r->skills[f->wkey] |= S_SKILL_GAINED;
    }
}

/* A step 1 or 2 of an enrollment not exited by d keeps the worker in;
   a credential_training exit in the period sets the earliest start. */
static void s_second_pass(s_run *r, uint32_t training)
{
    for (size_t i = 0; i < r->m->n_facts; i++) {
        const rep_model_fact *f = &r->m->facts[i];
        int32_t d = f->kind && S_STEP(f->kind) ? r->exit_day[f->wkey] : REP_DAY_NONE;
        if (d == REP_DAY_NONE)
            continue;
        if (f->kind <= REP_FACT_ACTIVE && f->day <= d && f->link > d)
            rep_bits_set(&r->still, f->wkey);
        if (S_EXIT(f->kind) && training && f->sub == training && s_in(r, f->day) &&
            f->link < r->train_start[f->wkey])
            r->train_start[f->wkey] = f->link;
    }
    for (size_t k = 0; k < r->m->n_workers; k++)
        if (r->exit_day[k] != REP_DAY_NONE && !rep_bits_has(&r->still, (uint32_t)k))
            r->n_exiters += rep_bits_set(&r->exiters, (uint32_t)k);
}

/* --- per exiter --- */

/* Employed during f..l: the latest record by l with no separation after
   it before f, or an incumbent not separated before f. */
static bool s_employed(const s_run *r, uint32_t w, int32_t f, int32_t l)
{
    const rep_buckets *b = &r->facts;
    int32_t latest = REP_DAY_NONE;
    for (uint32_t i = b->start[w]; i < b->start[w + 1]; i++) {
        const rep_model_fact *x = &r->m->facts[b->items[i]];
        if (S_RECORD(x->kind) && x->day <= l && x->day > latest)
            latest = x->day;
    }
    bool employed = latest != REP_DAY_NONE,
         incumbent = r->m->workers[w].flags & REP_WORKER_INCUMBENT;
    for (uint32_t i = b->start[w]; i < b->start[w + 1]; i++) {
        const rep_model_fact *x = &r->m->facts[b->items[i]];
        if (x->kind != REP_FACT_SEPARATION || x->day >= f)
            continue;
        incumbent = false;
        if (x->day > latest)
            employed = false;
    }
    return employed || incumbent;
}

/* The wage of the latest record with one by l; ties on that day are
   ordered by entity, which only the store knows. */
static int s_wage(const s_run *r, hc_store *store, uint32_t w, int32_t l, bool *has, int64_t *wage,
                  hc_error *err)
{
    const rep_buckets *b = &r->facts;
    int32_t latest = REP_DAY_NONE;
    bool tie = false;
    *has = false;
    for (uint32_t i = b->start[w]; i < b->start[w + 1]; i++) {
        const rep_model_fact *x = &r->m->facts[b->items[i]];
        if (!S_RECORD(x->kind) || x->link == REP_NO_WAGE || x->day > l || x->day < latest)
            continue;
        if (x->day > latest) {
            latest = x->day;
            *wage = x->link;
            tie = false;
        } else if (x->link != *wage) {
            tie = true;
        }
        *has = true;
    }
    return tie ? rep_model_wage_latest(store, w, l, has, wage, err) : HC_OK;
}

/* Whether exiter w attained a credential from its training start to a
   year after its exit. */
static bool s_attained(s_run *r, uint32_t w)
{
    int32_t last = s_quarters_of(r->memo, r->exit_day[w])->year_after;
    const rep_buckets *b = &r->facts;
    for (uint32_t i = b->start[w]; i < b->start[w + 1]; i++) {
        const rep_model_fact *f = &r->m->facts[b->items[i]];
        if (f->kind == REP_FACT_CREDENTIAL && f->day >= r->train_start[w] && f->day <= last)
            return true;
    }
    return false;
}

typedef struct {
    int32_t year_ago, today;
    uint32_t exiters, attainers, ended2, employed2, ended4, employed4;
} s_counts;

/* Exiter w's part of the employment measures (an exiter with a row). */
static int s_measure(s_run *r, hc_store *store, uint32_t w, s_counts *c, hc_error *err)
{
    const s_quarters *q = s_quarters_of(r->memo, r->exit_day[w]);
    int32_t f2 = q->f2, l2 = q->l2, f4 = q->f4, l4 = q->l4;
    bool employed2 = l2 < c->today && s_employed(r, w, f2, l2);
    c->ended2 += l2 < c->today;
    c->employed2 += employed2;
    c->ended4 += l4 < c->today;
    c->employed4 += l4 < c->today && s_employed(r, w, f4, l4);
    bool has = false;
    int64_t wage = 0;
    int rc = employed2 ? s_wage(r, store, w, l2, &has, &wage, err) : HC_OK;
    if (rc == HC_OK && has)
        r->wages[r->n_wages++] = wage;
    return rc;
}

static int s_exiters(s_run *r, hc_store *store, s_counts *c, hc_error *err)
{
    int rc = HC_OK;
    for (uint32_t w = 0; rc == HC_OK && w < r->m->n_workers; w++) {
        if (!rep_bits_has(&r->exiters, w))
            continue;
        if (r->train_start[w] != REP_DAY_LAST && r->exit_day[w] <= c->year_ago) {
            c->exiters++;
            c->attainers += s_attained(r, w);
        }
        if (r->m->workers[w].flags & REP_WORKER_ROW)
            rc = s_measure(r, store, w, c, err);
    }
    return rc;
}

/* --- the report --- */

static int s_cmp_wage(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void s_report(s_run *r, const s_counts *c, Hcap__IndicatorsReport *out)
{
    out->has_credential_exiters = out->has_credential_attainers = 1;
    out->credential_exiters = c->exiters;
    out->credential_attainers = c->attainers;
    out->has_exiters_q2 = out->has_employed_q2 = out->has_earners_q2 = 1;
    out->exiters_q2 = c->ended2;
    out->employed_q2 = c->employed2;
    out->earners_q2 = r->n_wages;
    out->has_exiters_q4 = out->has_employed_q4 = 1;
    out->exiters_q4 = c->ended4;
    out->employed_q4 = c->employed4;
    if (r->n_wages > 1)
        qsort(r->wages, r->n_wages, sizeof *r->wages, s_cmp_wage);
    out->has_median_earnings_q2_cents = r->n_wages > 0;
    out->median_earnings_q2_cents = r->n_wages ? r->wages[(r->n_wages - 1) / 2] : 0;
    uint32_t participants = 0, gainers = 0;
    for (size_t k = 0; k < r->m->n_workers; k++) {
        participants += (r->skills[k] & S_SKILL_PART) != 0;
        gainers +=
            (r->skills[k] & (S_SKILL_PART | S_SKILL_GAINED)) == (S_SKILL_PART | S_SKILL_GAINED);
    }
    out->has_skill_participants = out->has_skill_gainers = 1;
    out->skill_participants = participants;
    out->skill_gainers = gainers;
}

static bool s_run_new(s_run *r, const rep_model *m, const char *from, const char *to)
{
    size_t n = m->n_workers + 1;
    *r = (s_run){.m = m, .p = rep_period_of(from, to)};
    r->skills = rep_model_scratch(m, 0, n, true);
    r->exit_day = rep_model_scratch(m, 1, n * sizeof *r->exit_day, false);
    r->train_start = rep_model_scratch(m, 2, n * sizeof *r->train_start, false);
    r->memo = rep_model_scratch(m, 6, S_MEMO * sizeof *r->memo, false);
    for (size_t i = 0; r->memo && i < S_MEMO; i++)
        r->memo[i].day = REP_DAY_NONE;
    if (!r->exit_day || !r->train_start || !r->skills || !r->memo || !rep_bits_init(&r->still, n) ||
        !rep_bits_init(&r->exiters, n))
        return false;
    for (size_t k = 0; k < n; k++) {
        r->exit_day[k] = REP_DAY_NONE;
        r->train_start[k] = REP_DAY_LAST;
    }
    return true;
}

static void s_run_free(s_run *r)
{
    rep_bits_free(&r->still);
    rep_bits_free(&r->exiters);
}

int rep_index_indicators(const rep_model *model, hc_store *store, const char *from, const char *to,
                         const char *today, Hcap__IndicatorsReport *out, hc_error *err)
{
    char year_ago[HC_DATE_SIZE];
    if (hc_date_add_months(today, -12, year_ago) != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "today %s is not a date", today);
    s_counts c = {.year_ago = (int32_t)hc_date_days(year_ago),
                  .today = (int32_t)hc_date_days(today)};
    s_run r;
    bool ok = s_run_new(&r, model, from, to);
    if (ok) {
        s_first_pass(&r);
        s_second_pass(&r, rep_dict_find(&model->pkind, "credential_training"));
        ok = rep_buckets_build(model, S_KIND(REP_FACT_CREDENTIAL) | S_EMPLOYMENT, &r.exiters,
                               &r.facts) &&
             (r.wages = rep_model_scratch(model, 5, r.n_exiters * sizeof *r.wages, false));
    }
    int rc =
        ok ? s_exiters(&r, store, &c, err) : hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    if (rc == HC_OK)
        s_report(&r, &c, out);
    s_run_free(&r);
    return rc;
}
