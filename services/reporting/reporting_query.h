/* reporting_query: the reporting service's reads and its own writes: grants
   (stored as packed hcap.Grant messages) and the counts behind every report
   of docs/indicators.md, over the read model of sql/001_init.sql. Every
   count of workers is of distinct workers. A period is from..to inclusive
   (YYYY-MM-DD); a NULL or empty end is open. */
#ifndef REPORTING_QUERY_H
#define REPORTING_QUERY_H

#include <stdint.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hc_query.h"
#include "hc_store.h"
#include "reporting.pb-c.h"

/* Every function returns HC_OK, or fills err: HC_NOT_FOUND naming field
   where said, HC_ALREADY_EXISTS where said, else the mapped SQLite error
   (HC_INTERNAL, HC_UNAVAILABLE). */

/* --- grants --- */

/* Stores grant (its code, the packed message, created_at). A taken code:
   HC_ALREADY_EXISTS naming "code". */
int rep_query_grant_insert(hc_store *store, const Hcap__Grant *grant, hc_error *err);

/* Writes a grant's row from its packed message (body, size bytes, as
   rep_query_grant_insert packs it) over any row of its code: how a
   replica stores its primary's grant events. */
int rep_query_grant_put(hc_store *store, const char *code, const uint8_t *body, size_t size,
                        const char *created_at, hc_error *err);

/* Deletes every grant (a replica whose primary's log was rebuilt). */
int rep_query_grant_clear(hc_store *store, hc_error *err);

/* The grant of code into *out (arena); HC_NOT_FOUND naming field. */
int rep_query_grant_get(hc_store *store, const char *code, const char *field, hc_arena *arena,
                        Hcap__Grant **out, hc_error *err);

/* One page of grants in code order into list. */
int rep_query_grant_list(hc_store *store, const hc_page *page, hc_arena *arena,
                         Hcap__GrantList *list, hc_error *err);

/* HC_OK when the read model knows program code of origin ("enrollment" or
   "apprenticeship"), else HC_NOT_FOUND naming field. */
int rep_query_program_exists(hc_store *store, const char *origin, const char *code,
                             const char *field, hc_error *err);

/* HC_OK when the read model knows credential type code, else HC_NOT_FOUND
   naming field. */
int rep_query_credential_type_exists(hc_store *store, const char *code, const char *field,
                                     hc_error *err);

/* --- reports --- */

/* A deliverable's count over the period from..to (docs/indicators.md,
   Grant deliverables): *actual = the distinct workers with a fact of its
   metric that passes its filter. For placement_rate *actual is the
   denominator (apprenticeship completers) and *placed the numerator
   (those placed within 90 days); *placed is 0 for other metrics. */
int rep_query_deliverable(hc_store *store, const Hcap__Deliverable *deliverable, const char *from,
                          const char *to, uint32_t *actual, uint32_t *placed, hc_error *err);

/* The outcome rows of dimension by over the period (NODE: the workers'
   node, NULL at a region, so one row "unknown" there), with every
   count present, rows with all counts zero left out, in no particular
   order (*rows, *n_rows in arena), and the total row (group "total":
   distinct workers with each fact in the period). Counted in SQL: the
   reference the report index (reporting_index.h) must equal, and its
   fallback. */
int rep_query_outcomes(hc_store *store, Hcap__Dimension by, const char *from, const char *to,
                       hc_arena *arena, Hcap__OutcomeRow ***rows, size_t *n_rows,
                       Hcap__OutcomeRow **total, hc_error *err);

/* The counts of the apprenticeship report (registered, the four statuses,
   placed) for the registrations of program (NULL: every program) whose
   start_date is in the period; the rates are the caller's. */
int rep_query_apprenticeship(hc_store *store, const char *program, const char *from, const char *to,
                             Hcap__ApprenticeshipReport *out, hc_error *err);

/* The numerators, denominators and median of the indicators over the
   period of exits (skill gains: of participation) as of today
   (YYYY-MM-DD); the rates are the caller's. */
int rep_query_indicators(hc_store *store, const char *from, const char *to, const char *today,
                         Hcap__IndicatorsReport *out, hc_error *err);

#endif
