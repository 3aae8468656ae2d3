/* reporting_index: the grant deliverables, the apprenticeship report and
   the indicators counted over the model; the outcomes are in
   reporting_index_outcomes.c. Each is a pass or two over the fact rows
   with a bit or a day per worker, then per-worker buckets of the few facts
   a rule looks at again (placements, credentials, employment records). */
#include "reporting_index.h"

#include <stdlib.h>
#include <string.h>
#include "hc_json.h"
#include "hc_time.h"
#include "reporting_index_util.h"
#include "reporting_server.h"

#define S_KIND(k)          ((uint64_t)1 << (k))
#define S_DELIVERABLES_MAX 64 /* of a grant (reporting_grants.c) */

/* --- deliverables --- */

/* What one deliverable counts: facts of kinds whose code (and sub) is
   allowed, NULL sets allowing any. */
typedef struct {
    uint64_t kinds;
    uint8_t *codes; /* by code id; NULL: any */
    uint8_t *subs;  /* by sub id; NULL: any */
    bool rate;      /* placement_rate: completers, then those placed */
    rep_bits seen, placed;
    uint32_t count, placed_count;
} s_deliverable;

/* The allowed ids of texts in dict, as a set of UINT16_MAX + 1 flags. */
static uint8_t *s_text_set(const rep_dict *dict, char **texts, size_t n)
{
    uint8_t *set = calloc(UINT16_MAX + 1, 1);
    for (size_t i = 0; set && i < n; i++) {
        uint32_t id = rep_dict_find(dict, texts[i] ? texts[i] : "");
        if (id && id <= UINT16_MAX)
            set[id] = 1;
    }
    return set;
}

static uint8_t *s_enum_set(const rep_dict *dict, const ProtobufCEnumDescriptor *desc,
                           const int *values, size_t n)
{
    uint8_t *set = calloc(UINT16_MAX + 1, 1);
    for (size_t i = 0; set && i < n; i++) {
        const char *name = hc_json_enum_name(desc, values[i]);
        uint32_t id = rep_dict_find(dict, name ? name : "");
        if (id && id <= UINT16_MAX)
            set[id] = 1;
    }
    return set;
}

/* Participants or completions of given program codes or kinds: the steps
   whose program is an enrollment program (in programs) passing both. */
static uint8_t *s_program_set(const rep_model *m, const Hcap__DeliverableFilter *f)
{
    uint8_t *codes =
        f->n_program_codes ? s_text_set(&m->code, f->program_codes, f->n_program_codes) : NULL;
    uint8_t *kinds = f->n_program_kinds
                         ? s_enum_set(&m->pkind, &hcap__program_kind__descriptor,
                                      (const int *)f->program_kinds, f->n_program_kinds)
                         : NULL;
    uint8_t *set = calloc(UINT16_MAX + 1, 1);
    bool failed = !set || (f->n_program_codes && !codes) || (f->n_program_kinds && !kinds);
    for (size_t i = 0; !failed && i < m->n_programs; i++) {
        const rep_model_program *p = &m->programs[i];
        if (!p->apprenticeship && (!codes || codes[p->code]) && (!kinds || kinds[p->kind]))
            set[p->code] = 1;
    }
    free(codes);
    free(kinds);
    if (failed) {
        free(set);
        return NULL;
    }
    return set;
}

/* Sets up d for deliverable in; false out of memory. */
static bool s_deliverable_new(const rep_model *m, const Hcap__Deliverable *in, s_deliverable *d)
{
    const Hcap__DeliverableFilter *f = in->filter;
    bool codes = f && f->n_program_codes, keys = f && f->n_program_kinds;
    switch (in->metric) {
    case HCAP__METRIC__METRIC_PARTICIPANTS:
    case HCAP__METRIC__METRIC_COMPLETIONS:
        d->kinds = in->metric == HCAP__METRIC__METRIC_COMPLETIONS
                       ? S_KIND(3)
                       : S_KIND(1) | S_KIND(2) | S_KIND(3);
        if ((codes || keys) && !(d->codes = s_program_set(m, f)))
            return false;
        break;
    case HCAP__METRIC__METRIC_CREDENTIALS:
        d->kinds = S_KIND(REP_FACT_CREDENTIAL);
        if (f && f->n_credential_codes &&
            !(d->codes = s_text_set(&m->code, f->credential_codes, f->n_credential_codes)))
            return false;
        if (f && f->n_sources &&
            !(d->subs = s_enum_set(&m->source, &hcap__credential_source__descriptor,
                                   (const int *)f->sources, f->n_sources)))
            return false;
        break;
    case HCAP__METRIC__METRIC_APPRENTICES:
    case HCAP__METRIC__METRIC_APPRENTICES_COMPLETED:
    case HCAP__METRIC__METRIC_PLACEMENT_RATE:
        d->kinds = in->metric == HCAP__METRIC__METRIC_APPRENTICES ? S_KIND(20) : S_KIND(21);
        d->rate = in->metric == HCAP__METRIC__METRIC_PLACEMENT_RATE;
        if (codes && !(d->codes = s_text_set(&m->code, f->program_codes, f->n_program_codes)))
            return false;
        break;
    case HCAP__METRIC__METRIC_TUITION_REIMBURSEMENTS:
        d->kinds = S_KIND(30) | S_KIND(31);
        break;
    case HCAP__METRIC__METRIC_PLACEMENTS:
        d->kinds = S_KIND(40);
        break;
    default:
        break;
    }
    return rep_bits_init(&d->seen, m->n_workers) && rep_bits_init(&d->placed, m->n_workers);
}

static void s_deliverable_free(s_deliverable *d)
{
    free(d->codes);
    free(d->subs);
    rep_bits_free(&d->seen);
    rep_bits_free(&d->placed);
}

/* A dated fact of a worker, for placement_rate's second look. */
typedef struct {
    uint32_t wkey;
    int32_t day;
    uint32_t which; /* the deliverable of a completion */
} s_dated;

typedef struct {
    s_dated *items;
    size_t n, capacity;
} s_list;

static bool s_list_push(s_list *l, s_dated item)
{
    if (l->n == l->capacity) {
        size_t capacity = l->capacity ? l->capacity * 2 : 1024;
        s_dated *items = realloc(l->items, capacity * sizeof *items);
        if (!items)
            return false;
        l->items = items;
        l->capacity = capacity;
    }
    l->items[l->n++] = item;
    return true;
}

/* The deliverables counting each kind (kinds below 64), as index lists. */
typedef struct {
    uint8_t n[64];
    uint8_t which[64][S_DELIVERABLES_MAX];
} s_by_kind;

static bool s_passes(const s_deliverable *d, const rep_model_fact *f)
{
    return (!d->codes || d->codes[f->code]) && (!d->subs || d->subs[f->sub]);
}

/* One pass: each fact in the period marks its worker in every deliverable
   of its kind it passes; placement_rate's completions and every placement
   are set aside for s_placed. */
static bool s_deliverables_pass(const rep_model *m, s_deliverable *ds, const s_by_kind *k,
                                rep_period p, s_list *completions, s_list *placements)
{
    bool rate = completions != NULL, ok = true;
    for (size_t i = 0; ok && i < m->n_facts; i++) {
        const rep_model_fact *f = &m->facts[i];
        if (rate && f->kind == REP_FACT_PLACEMENT)
            ok = s_list_push(placements, (s_dated){f->wkey, f->day, 0});
        if (!f->kind || f->kind >= 64 || f->day < p.from || f->day > p.to)
            continue;
        for (uint8_t j = 0; ok && j < k->n[f->kind]; j++) {
            s_deliverable *d = &ds[k->which[f->kind][j]];
            if (!s_passes(d, f))
                continue;
            d->count += rep_bits_set(&d->seen, f->wkey);
            if (d->rate)
                ok = s_list_push(completions, (s_dated){f->wkey, f->day, k->which[f->kind][j]});
        }
    }
    return ok;
}

static int s_dated_cmp(const void *a, const void *b)
{
    const s_dated *x = a, *y = b;
    if (x->wkey != y->wkey)
        return x->wkey < y->wkey ? -1 : 1;
    return (x->day > y->day) - (x->day < y->day);
}

/* Whether sorted placements hold one of wkey dated from..from + 90. */
static bool s_placed_after(const s_list *placements, uint32_t wkey, int32_t from)
{
    size_t lo = 0, hi = placements->n;
    s_dated key = {wkey, from, 0};
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s_dated_cmp(&placements->items[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < placements->n && placements->items[lo].wkey == wkey &&
           placements->items[lo].day <= from + 90;
}

/* placement_rate: of the workers completing in the period (passing the
   filter), those with a placement 0..90 days after a completion. */
static void s_placed(s_deliverable *ds, const s_list *completions, s_list *placements)
{
    if (placements->n > 1)
        qsort(placements->items, placements->n, sizeof *placements->items, s_dated_cmp);
    for (size_t i = 0; i < completions->n; i++) {
        const s_dated *c = &completions->items[i];
        s_deliverable *d = &ds[c->which];
        if (s_placed_after(placements, c->wkey, c->day))
            d->placed_count += rep_bits_set(&d->placed, c->wkey);
    }
}

static bool s_known_metric(Hcap__Metric metric)
{
    return metric >= HCAP__METRIC__METRIC_PARTICIPANTS &&
           metric <= HCAP__METRIC__METRIC_PLACEMENT_RATE;
}

/* Sets up ds and their lists by kind; false out of memory. */
static bool s_deliverables_new(const rep_model *m, Hcap__Deliverable *const *in, size_t n,
                               s_deliverable *ds, s_by_kind *k, bool *rate)
{
    for (size_t i = 0; i < n; i++) {
        if (!s_deliverable_new(m, in[i], &ds[i]))
            return false;
        *rate = *rate || ds[i].rate;
        for (int kind = 1; kind < 64; kind++)
            if (ds[i].kinds >> kind & 1)
                k->which[kind][k->n[kind]++] = (uint8_t)i;
    }
    return true;
}

int rep_index_deliverables(const rep_model *model, Hcap__Deliverable *const *deliverables, size_t n,
                           const char *from, const char *to, uint32_t *actual, uint32_t *placed,
                           hc_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!s_known_metric(deliverables[i]->metric))
            return hc_error_set(err, HC_INTERNAL, NULL, "metric %d has no count",
                                (int)deliverables[i]->metric);
    if (n > S_DELIVERABLES_MAX)
        return hc_error_set(err, HC_INTERNAL, NULL, "more than %d deliverables",
                            S_DELIVERABLES_MAX);
    s_deliverable *ds = calloc(n ? n : 1, sizeof *ds);
    s_by_kind *k = calloc(1, sizeof *k);
    s_list completions = {0}, placements = {0};
    bool rate = false, ok = ds && k && s_deliverables_new(model, deliverables, n, ds, k, &rate);
    ok = ok && s_deliverables_pass(model, ds, k, rep_period_of(from, to),
                                   rate ? &completions : NULL, &placements);
    if (ok && rate)
        s_placed(ds, &completions, &placements);
    for (size_t i = 0; ok && i < n; i++) {
        actual[i] = ds[i].count;
        placed[i] = ds[i].placed_count;
    }
    for (size_t i = 0; ds && i < n; i++)
        s_deliverable_free(&ds[i]);
    free(ds);
    free(k);
    free(completions.items);
    free(placements.items);
    return ok ? HC_OK : hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
}

/* --- apprenticeship --- */

int rep_index_apprenticeship(const rep_model *model, const char *program, const char *from,
                             const char *to, Hcap__ApprenticeshipReport *out, hc_error *err)
{
    uint32_t code = program ? rep_dict_find(&model->code, program) : 0;
    rep_period p = rep_period_of(from, to);
    s_list placements = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < model->n_facts; i++)
        if (model->facts[i].kind == REP_FACT_PLACEMENT)
            ok = s_list_push(&placements, (s_dated){model->facts[i].wkey, model->facts[i].day, 0});
    if (!ok) {
        free(placements.items);
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    }
    if (placements.n > 1)
        qsort(placements.items, placements.n, sizeof *placements.items, s_dated_cmp);
    uint32_t counts[REP_APPR_OTHER + 1] = {0}, registered = 0, placed = 0;
    for (size_t i = 0; i < model->n_apprentices; i++) {
        const rep_model_apprentice *a = &model->apprentices[i];
        if (a->status == REP_APPR_FREE || a->start < p.from || a->start > p.to ||
            (program && a->program != code))
            continue;
        registered++;
        counts[a->status]++;
        placed += a->status == REP_APPR_COMPLETED && a->completed_on != REP_DAY_NONE &&
                  s_placed_after(&placements, a->wkey, a->completed_on);
    }
    free(placements.items);
    out->has_registered = out->has_active = out->has_suspended = 1;
    out->has_completed = out->has_cancelled = out->has_placed = 1;
    out->registered = registered;
    out->active = counts[REP_APPR_ACTIVE];
    out->suspended = counts[REP_APPR_SUSPENDED];
    out->completed = counts[REP_APPR_COMPLETED];
    out->cancelled = counts[REP_APPR_CANCELLED];
    out->placed = placed;
    return HC_OK;
}
