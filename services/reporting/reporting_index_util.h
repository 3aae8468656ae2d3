/* reporting_index_util: what the report passes of reporting_index*.c
   share: periods as day numbers, sets of workers as bits, and the facts
   of some kinds grouped per worker. */
#ifndef REPORTING_INDEX_UTIL_H
#define REPORTING_INDEX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "reporting_model.h"

/* A period from..to in days, open ends as the first and last day. */
typedef struct {
    int32_t from, to;
} rep_period;

/* from and to as the handlers pass them (valid dates, NULL or empty). */
rep_period rep_period_of(const char *from, const char *to);

/* A set of worker keys below n. */
typedef struct {
    uint64_t *words;
    size_t n;
} rep_bits;

/* An empty set for keys below n; false out of memory. */
bool rep_bits_init(rep_bits *bits, size_t n);
void rep_bits_free(rep_bits *bits);

/* Adds key; 1 when it was not in the set, else 0. */
static inline uint32_t rep_bits_set(rep_bits *bits, uint32_t key)
{
    uint64_t mask = (uint64_t)1 << (key & 63), *word = &bits->words[key >> 6];
    uint32_t added = !(*word & mask);
    *word |= mask;
    return added;
}

static inline bool rep_bits_has(const rep_bits *bits, uint32_t key)
{
    return (bits->words[key >> 6] >> (key & 63)) & 1;
}

/* The facts (their fids, in fid order) of kinds (a mask of 1 << kind) per
   worker: worker k's are items[start[k] .. start[k + 1]). */
typedef struct {
    uint32_t *start;
    uint32_t *items;
} rep_buckets;

/* Groups the facts of kinds of the workers in want (NULL: every worker)
   in the model's scratch slots REP_BUCKET_SLOT and the next; false out
   of memory. */
#define REP_BUCKET_SLOT 3
bool rep_buckets_build(const rep_model *model, uint64_t kinds, const rep_bits *want,
                       rep_buckets *buckets);

#endif
