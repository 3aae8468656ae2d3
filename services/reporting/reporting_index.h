/* reporting_index: every report of docs/indicators.md counted over the
   in-memory model (reporting_model.h) in a few passes over its rows, equal
   to what reporting_query.c's SQL counts over the store (the tests
   compare the two on generated funds). Each takes a model rep_model_sync
   has just brought to the store's state; a period is from..to inclusive
   (YYYY-MM-DD, validated by the caller), NULL or empty ends open. Every
   function returns HC_OK or fills err (HC_INTERNAL out of memory, or the
   mapped SQLite error of the one query an indicator may need). */
#ifndef REPORTING_INDEX_H
#define REPORTING_INDEX_H

#include "hc_arena.h"
#include "hc_error.h"
#include "hc_store.h"
#include "reporting.pb-c.h"
#include "reporting_model.h"

/* The counts of deliverables[0..n) over from..to, as
   rep_query_deliverable gives each (actual[i], placed[i]), in one pass. */
int rep_index_deliverables(const rep_model *model, Hcap__Deliverable *const *deliverables, size_t n,
                           const char *from, const char *to, uint32_t *actual, uint32_t *placed,
                           hc_error *err);

/* As rep_query_outcomes. */
int rep_index_outcomes(const rep_model *model, Hcap__Dimension by, const char *from, const char *to,
                       hc_arena *arena, Hcap__OutcomeRow ***rows, size_t *n_rows,
                       Hcap__OutcomeRow **total, hc_error *err);

/* As rep_query_apprenticeship. */
int rep_index_apprenticeship(const rep_model *model, const char *program, const char *from,
                             const char *to, Hcap__ApprenticeshipReport *out, hc_error *err);

/* As rep_query_indicators. store answers the one thing the model does
   not order: which of two wage records of a worker on one day is the
   latest (the larger entity), read in the caller's transaction. */
int rep_index_indicators(const rep_model *model, hc_store *store, const char *from, const char *to,
                         const char *today, Hcap__IndicatorsReport *out, hc_error *err);

#endif
