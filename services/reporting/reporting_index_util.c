/* reporting_index_util: periods, worker sets and per-worker buckets for
   the report passes. */
#include "reporting_index_util.h"

#include <stdlib.h>
#include "hc_time.h"

rep_period rep_period_of(const char *from, const char *to)
{
    rep_period p = {REP_DAY_NONE, REP_DAY_LAST};
    if (from && *from)
        p.from = (int32_t)hc_date_days(from);
    if (to && *to)
        p.to = (int32_t)hc_date_days(to);
    return p;
}

bool rep_bits_init(rep_bits *bits, size_t n)
{
    bits->n = n;
    bits->words = calloc(n / 64 + 1, sizeof *bits->words);
    return bits->words != NULL;
}

void rep_bits_free(rep_bits *bits)
{
    free(bits->words);
    bits->words = NULL;
}

static bool s_wanted(const rep_model *m, const rep_model_fact *f, uint64_t kinds,
                     const rep_bits *want)
{
    return f->kind && f->kind < 64 && (kinds >> f->kind & 1) && f->wkey < m->n_workers &&
           (!want || rep_bits_has(want, f->wkey));
}

/* Two passes: counts per worker, summed into each worker's start, then
   each fact at its worker's next place (start moving to the end), and the
   starts shifted back. */
bool rep_buckets_build(const rep_model *model, uint64_t kinds, const rep_bits *want,
                       rep_buckets *buckets)
{
    size_t n = model->n_workers;
    uint32_t *start = rep_model_scratch(model, REP_BUCKET_SLOT, (n + 1) * sizeof *start, true);
    if (!start)
        return false;
    for (size_t i = 0; i < model->n_facts; i++)
        if (s_wanted(model, &model->facts[i], kinds, want))
            start[model->facts[i].wkey + 1]++;
    for (size_t k = 0; k < n; k++)
        start[k + 1] += start[k];
    uint32_t *items =
        rep_model_scratch(model, REP_BUCKET_SLOT + 1, start[n] * sizeof *items, false);
    if (!items)
        return false;
    for (size_t i = 0; i < model->n_facts; i++)
        if (s_wanted(model, &model->facts[i], kinds, want))
            items[start[model->facts[i].wkey]++] = (uint32_t)i;
    for (size_t k = n; k > 0; k--)
        start[k] = start[k - 1];
    start[0] = 0;
    buckets->start = start;
    buckets->items = items;
    return true;
}
