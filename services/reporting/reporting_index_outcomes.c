/* reporting_index_outcomes: the outcomes report over the model. One pass
   marks each worker with the outcome facts it has in the period (a byte of
   column bits, as S_MARK_OUTCOMES in reporting_query.c); a dimension then
   tallies the marked workers with a row by their group, while by program
   pairs each worker with the programs its facts name. */
#include <stdlib.h>
#include <string.h>
#include "hc_msg.h"
#include "reporting_index.h"
#include "reporting_index_util.h"
#include "reporting_server.h"

/* A worker's columns, as bits of its mark. */
enum {
    S_PARTICIPATION = 1,
    S_COMPLETION = 2,
    S_CREDENTIAL = 4,
    S_REGISTRATION = 8,
    S_APPR_COMPLETION = 16,
    S_PLACEMENT = 32,
    S_COLUMNS = 6,
};

static uint8_t s_mask(uint8_t kind)
{
    switch (kind) {
    case REP_FACT_ENROLLED:
    case REP_FACT_ACTIVE:
        return S_PARTICIPATION;
    case REP_FACT_COMPLETED:
        return S_PARTICIPATION | S_COMPLETION;
    case REP_FACT_CREDENTIAL:
        return S_CREDENTIAL;
    case REP_FACT_APPR_REGISTERED:
        return S_REGISTRATION;
    case REP_FACT_APPR_COMPLETED:
        return S_APPR_COMPLETION;
    case REP_FACT_PLACEMENT:
        return S_PLACEMENT;
    default:
        return 0;
    }
}

/* Marks worker f->wkey with the columns of f when it is in the period. */
static inline void s_mark(uint8_t *marks, const rep_model_fact *f, rep_period p)
{
    if (f->kind && f->day >= p.from && f->day <= p.to)
        marks[f->wkey] |= s_mask(f->kind);
}

/* marks[wkey]: the columns of the worker's facts in the period; with
   program, the marks come out of the pass s_entries_fill makes. */
static uint8_t *s_marks(const rep_model *m, rep_period p, bool program)
{
    uint8_t *marks = rep_model_scratch(m, 0, m->n_workers + 1, true);
    for (size_t i = 0; marks && !program && i < m->n_facts; i++)
        s_mark(marks, &m->facts[i], p);
    return marks;
}

/* A row of counts per group, groups numbered by the dimension. */
typedef struct {
    uint32_t (*counts)[S_COLUMNS];
    size_t n;
} s_tally;

static void s_count(uint32_t counts[S_COLUMNS], uint8_t bits)
{
    for (int c = 0; c < S_COLUMNS; c++)
        counts[c] += bits >> c & 1;
}

/* The group of worker w by dimension by, below the dimension's count of
   groups (s_groups); sector's "unknown" is the last. */
static size_t s_group(const rep_model *m, Hcap__Dimension by, const rep_model_worker *w,
                      size_t unknown_sector)
{
    switch (by) {
    case HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY:
        return w->race;
    case HCAP__DIMENSION__DIMENSION_GENDER:
        return w->gender;
    case HCAP__DIMENSION__DIMENSION_AGE_BAND:
        return w->age;
    case HCAP__DIMENSION__DIMENSION_PREFERRED_LANGUAGE:
        return w->language;
    case HCAP__DIMENSION__DIMENSION_EMPLOYMENT_STATUS:
        return w->status;
    case HCAP__DIMENSION__DIMENSION_NODE:
        return w->node;
    case HCAP__DIMENSION__DIMENSION_EMPLOYER:
        return w->employer;
    default: /* sector: the employer row's, else unknown (a LEFT JOIN's NULL) */
        return w->employer && w->employer < m->n_employer_rows && m->employer_names[w->employer]
                   ? m->employer_sector[w->employer]
                   : unknown_sector;
    }
}

static const rep_dict *s_dict(const rep_model *m, Hcap__Dimension by)
{
    switch (by) {
    case HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY:
        return &m->race;
    case HCAP__DIMENSION__DIMENSION_GENDER:
        return &m->gender;
    case HCAP__DIMENSION__DIMENSION_AGE_BAND:
        return &m->age;
    case HCAP__DIMENSION__DIMENSION_PREFERRED_LANGUAGE:
        return &m->language;
    case HCAP__DIMENSION__DIMENSION_EMPLOYMENT_STATUS:
        return &m->status;
    case HCAP__DIMENSION__DIMENSION_NODE:
        return &m->node;
    case HCAP__DIMENSION__DIMENSION_EMPLOYER:
        return &m->employer;
    default:
        return &m->sector;
    }
}

/* A row of group (NULL: "unknown") and label with counts; NULL out of
   memory. */
static Hcap__OutcomeRow *s_row(hc_arena *arena, const char *group, const char *label,
                               const uint32_t counts[S_COLUMNS])
{
    Hcap__OutcomeRow *r =
        (Hcap__OutcomeRow *)hc_arena_message(arena, &hcap__outcome_row__descriptor);
    if (!r)
        return NULL;
    r->group = hc_arena_strdup(arena, group ? group : "unknown");
    r->label = label ? hc_arena_strdup(arena, label) : NULL;
    r->has_participants = r->has_completed = r->has_credentials = 1;
    r->has_apprentices = r->has_apprentices_completed = r->has_placements = 1;
    r->participants = counts[0];
    r->completed = counts[1];
    r->credentials = counts[2];
    r->apprentices = counts[3];
    r->apprentices_completed = counts[4];
    r->placements = counts[5];
    return r->group && (!label || r->label) ? r : NULL;
}

static bool s_zero(const uint32_t counts[S_COLUMNS])
{
    for (int c = 0; c < S_COLUMNS; c++)
        if (counts[c])
            return false;
    return true;
}

/* The rows of the groups with a count, into *rows (arena). */
static bool s_group_rows(const rep_model *m, Hcap__Dimension by, const s_tally *t, hc_arena *arena,
                         Hcap__OutcomeRow ***rows, size_t *n_rows)
{
    const rep_dict *dict = s_dict(m, by);
    *rows = hc_arena_alloc(arena, (t->n + 1) * sizeof **rows);
    *n_rows = 0;
    for (size_t g = 0; *rows && g < t->n; g++) {
        if (s_zero(t->counts[g]))
            continue;
        const char *group = g < dict->n ? dict->texts[g] : "unknown";
        const char *label = by == HCAP__DIMENSION__DIMENSION_EMPLOYER && g < m->n_employer_rows
                                ? m->employer_names[g]
                                : NULL;
        if (!((*rows)[(*n_rows)++] = s_row(arena, group, label, t->counts[g])))
            return false;
    }
    return *rows != NULL;
}

/* The workers with a row and a mark, tallied by their group. */
static bool s_by_group(const rep_model *m, Hcap__Dimension by, const uint8_t *marks,
                       hc_arena *arena, Hcap__OutcomeRow ***rows, size_t *n_rows)
{
    const rep_dict *dict = s_dict(m, by);
    size_t unknown = rep_dict_find(&m->sector, "unknown");
    s_tally t = {.n = dict->n + 1};
    if (!unknown)
        unknown = dict->n;
    if (!(t.counts = calloc(t.n, sizeof *t.counts)))
        return false;
    for (size_t k = 0; k < m->n_workers; k++) {
        const rep_model_worker *w = &m->workers[k];
        if (marks[k] && (w->flags & REP_WORKER_ROW))
            s_count(t.counts[s_group(m, by, w, unknown)], marks[k]);
    }
    bool ok = s_group_rows(m, by, &t, arena, rows, n_rows);
    free(t.counts);
    return ok;
}

/* The total row: the marked workers of each column, with a row or not. */
static Hcap__OutcomeRow *s_total(const rep_model *m, const uint8_t *marks, hc_arena *arena)
{
    uint32_t counts[S_COLUMNS] = {0};
    for (size_t k = 0; k < m->n_workers; k++)
        s_count(counts, marks[k]);
    return s_row(arena, "total", NULL, counts);
}

/* --- by program --- */

/* Each step and apprenticeship fact, and each credential in the period
   that completes a program, as one entry of its worker: a program key
   (code * 2 + apprenticeship) and what the fact makes the worker of it,
   or a credential's code with S_ENTRY_CREDENTIAL. Grouped per worker, the
   entries give each (worker, program) pair once. */
enum {
    S_ENTRY_MEMBER = 64,     /* a step (enrollment) or registration, any day */
    S_ENTRY_COMPLETER = 128, /* completed the program, any day */
    S_ENTRY_CREDENTIAL = 1u << 31,
    S_PAIR_CREDENTIAL = 32, /* seen[]: the pair's credential counted */
};

/* The programs each credential completes (their credential_code): for
   credential id c, programs first[c] - 1, then next[i] - 1 ... (0 ends). */
typedef struct {
    uint32_t *first;
    uint32_t *next;
} s_completes;

static bool s_completes_new(const rep_model *m, s_completes *c)
{
    c->first = calloc(m->code.n + 1, sizeof *c->first);
    c->next = calloc(m->n_programs + 1, sizeof *c->next);
    for (size_t i = 0; c->first && c->next && i < m->n_programs; i++) {
        uint32_t code = m->programs[i].credential_code;
        if (code) {
            c->next[i] = c->first[code];
            c->first[code] = (uint32_t)i + 1;
        }
    }
    return c->first && c->next;
}

/* f's entry, or 0 when it makes none. */
static uint32_t s_entry(const rep_model_fact *f, const s_completes *c, rep_period p)
{
    bool in = f->day >= p.from && f->day <= p.to;
    bool steps = f->kind >= REP_FACT_ENROLLED && f->kind <= REP_FACT_COMPLETED;
    bool appr = f->kind == REP_FACT_APPR_REGISTERED || f->kind == REP_FACT_APPR_COMPLETED;
    if (f->kind == REP_FACT_CREDENTIAL)
        return in && c->first[f->code] ? S_ENTRY_CREDENTIAL | f->code : 0;
    if ((!steps && !appr) || !f->code)
        return 0;
    uint32_t bits =
        (in ? s_mask(f->kind) : 0) |
        (steps || f->kind == REP_FACT_APPR_REGISTERED ? S_ENTRY_MEMBER : 0) |
        (f->kind == REP_FACT_COMPLETED || f->kind == REP_FACT_APPR_COMPLETED ? S_ENTRY_COMPLETER
                                                                             : 0);
    return ((uint32_t)f->code * 2 + appr) << 8 | bits;
}

typedef struct {
    uint32_t *start; /* worker k's entries: items[start[k] .. start[k + 1]) (scratch) */
    uint32_t *items;
    uint32_t *last; /* by key: the worker (+ 1) whose pair seen[key] holds */
    uint8_t *seen;
    uint32_t (*counts)[S_COLUMNS];
} s_entries;

/* Counts per worker (marking the workers too), then each entry at its
   worker's next place. */
static bool s_entries_fill(const rep_model *m, const s_completes *c, rep_period p, s_entries *e,
                           uint8_t *marks)
{
    size_t n = m->n_workers;
    if (!(e->start = rep_model_scratch(m, 1, (n + 1) * sizeof *e->start, true)))
        return false;
    for (size_t i = 0; i < m->n_facts; i++) {
        s_mark(marks, &m->facts[i], p);
        if (m->facts[i].kind && s_entry(&m->facts[i], c, p))
            e->start[m->facts[i].wkey + 1]++;
    }
    for (size_t k = 0; k < n; k++)
        e->start[k + 1] += e->start[k];
    if (!(e->items = rep_model_scratch(m, 2, e->start[n] * sizeof *e->items, false)))
        return false;
    for (size_t i = 0; i < m->n_facts; i++) {
        uint32_t entry = m->facts[i].kind ? s_entry(&m->facts[i], c, p) : 0;
        if (entry)
            e->items[e->start[m->facts[i].wkey]++] = entry;
    }
    for (size_t k = n; k > 0; k--)
        e->start[k] = e->start[k - 1];
    e->start[0] = 0;
    return true;
}

/* Worker w's pairs: each column's bit counted the first time the pair
   shows it; then its credentials, for the programs it is a member of. */
static void s_entries_worker(const rep_model *m, const s_completes *c, s_entries *e, uint32_t w,
                             bool placed)
{
    for (uint32_t i = e->start[w]; i < e->start[w + 1]; i++) {
        uint32_t entry = e->items[i], key = entry >> 8;
        if (entry & S_ENTRY_CREDENTIAL)
            continue;
        if (e->last[key] != w + 1) {
            e->last[key] = w + 1;
            e->seen[key] = 0;
        }
        uint8_t fresh = (uint8_t)(entry & ~e->seen[key]);
        e->seen[key] |= (uint8_t)entry;
        s_count(e->counts[key],
                fresh & (S_PARTICIPATION | S_COMPLETION | S_REGISTRATION | S_APPR_COMPLETION));
        e->counts[key][5] += placed && (fresh & S_ENTRY_COMPLETER);
    }
    for (uint32_t i = e->start[w]; i < e->start[w + 1]; i++) {
        if (!(e->items[i] & S_ENTRY_CREDENTIAL))
            continue;
        for (uint32_t j = c->first[e->items[i] & 0xFFFF]; j; j = c->next[j - 1]) {
            uint32_t key = m->programs[j - 1].code * 2 + m->programs[j - 1].apprenticeship;
            if (e->last[key] == w + 1 && (e->seen[key] & S_ENTRY_MEMBER) &&
                !(e->seen[key] & S_PAIR_CREDENTIAL)) {
                e->seen[key] |= S_PAIR_CREDENTIAL;
                e->counts[key][2]++;
            }
        }
    }
}

static void s_entries_free(s_entries *e)
{
    free(e->last);
    free(e->seen);
    free(e->counts);
}

/* Per program key, the six columns (docs/indicators.md, by program). */
static bool s_program_counts(const rep_model *m, uint8_t *marks, rep_period p, s_entries *e)
{
    s_completes c = {0};
    size_t keys = ((size_t)m->code.n + 1) * 2;
    e->last = calloc(keys, sizeof *e->last);
    e->seen = calloc(keys, sizeof *e->seen);
    e->counts = calloc(keys, sizeof *e->counts);
    bool ok = e->last && e->seen && e->counts && s_completes_new(m, &c) &&
              s_entries_fill(m, &c, p, e, marks);
    for (uint32_t w = 0; ok && w < m->n_workers; w++)
        if (e->start[w] != e->start[w + 1])
            s_entries_worker(m, &c, e, w, marks[w] & S_PLACEMENT);
    free(c.first);
    free(c.next);
    return ok;
}

static bool s_by_program(const rep_model *m, uint8_t *marks, rep_period p, hc_arena *arena,
                         Hcap__OutcomeRow ***rows, size_t *n_rows)
{
    s_entries e = {0};
    bool ok = s_program_counts(m, marks, p, &e);
    *n_rows = 0;
    *rows = ok ? hc_arena_alloc(arena, (m->n_programs + 1) * sizeof **rows) : NULL;
    for (size_t i = 0; *rows && i < m->n_programs; i++) {
        const rep_model_program *prog = &m->programs[i];
        const uint32_t *c = e.counts[prog->code * 2 + prog->apprenticeship];
        if (!s_zero(c) &&
            !((*rows)[(*n_rows)++] = s_row(arena, m->code.texts[prog->code], prog->name, c)))
            *rows = NULL;
    }
    s_entries_free(&e);
    return *rows != NULL;
}

/* The dimensions reporting_query.c counts by. */
static bool s_known(Hcap__Dimension by)
{
    switch (by) {
    case HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY:
    case HCAP__DIMENSION__DIMENSION_GENDER:
    case HCAP__DIMENSION__DIMENSION_AGE_BAND:
    case HCAP__DIMENSION__DIMENSION_SECTOR:
    case HCAP__DIMENSION__DIMENSION_EMPLOYER:
    case HCAP__DIMENSION__DIMENSION_PREFERRED_LANGUAGE:
    case HCAP__DIMENSION__DIMENSION_EMPLOYMENT_STATUS:
    case HCAP__DIMENSION__DIMENSION_NODE:
    case HCAP__DIMENSION__DIMENSION_PROGRAM:
        return true;
    default:
        return false;
    }
}

int rep_index_outcomes(const rep_model *model, Hcap__Dimension by, const char *from, const char *to,
                       hc_arena *arena, Hcap__OutcomeRow ***rows, size_t *n_rows,
                       Hcap__OutcomeRow **total, hc_error *err)
{
    rep_period p = rep_period_of(from, to);
    *rows = NULL;
    *n_rows = 0;
    *total = NULL;
    if (!s_known(by))
        return hc_error_set(err, HC_INVALID_ARGUMENT, "by", "no outcomes by dimension %d", by);
    uint8_t *marks = s_marks(model, p, by == HCAP__DIMENSION__DIMENSION_PROGRAM);
    bool ok = marks != NULL;
    if (ok && by == HCAP__DIMENSION__DIMENSION_PROGRAM)
        ok = s_by_program(model, marks, p, arena, rows, n_rows);
    else if (ok)
        ok = s_by_group(model, by, marks, arena, rows, n_rows);
    if (ok)
        ok = (*total = s_total(model, marks, arena)) != NULL;
    return ok ? HC_OK : hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
}
