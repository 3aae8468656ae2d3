/* reporting_suppress: small-cell suppression of the reports for the
   analyst role, exactly the three rules of docs/indicators.md: a count
   from 1 to 9 is hidden; where groups add up to a shown total, a column
   with one hidden cell also hides its smallest shown non-zero cell; a rate,
   percent, median or on_pace computed from a hidden count is hidden. A
   hidden field is left unset (has_ false: JSON null) and its row gets
   suppressed = true. Each function takes a report as the handlers build
   it (every field present) and hides in place. */
#ifndef REPORTING_SUPPRESS_H
#define REPORTING_SUPPRESS_H

#include <stdbool.h>
#include "reporting.pb-c.h"

/* True when the principal's reports are suppressed (the analyst role). */
bool rep_suppress_applies(const Hcap__Principal *principal);

/* True when a present count is one that rule 1 hides (1..9). */
bool rep_suppress_small(protobuf_c_boolean has, uint32_t value);

/* Rules 1 and 3 on every deliverable: an `actual` counting 1..9 workers,
   or a placement_rate whose numerator or denominator is 1..9, hides
   actual, pct_of_target and on_pace (and numerator and denominator). */
void rep_suppress_grant(Hcap__GrantReport *report);

/* Rule 1 on every cell of the rows and the total; rule 2 per column when
   add_up (the groups add up to the total: every dimension but program)
   and the column's total is shown. */
void rep_suppress_outcomes(Hcap__OutcomesReport *report, bool add_up);

/* Rule 1 on the counts, rule 2 on the four statuses (they add up to
   registered), rule 1's rates: completion_rate (completed / registered),
   placement_rate (placed / completed). */
void rep_suppress_apprenticeship(Hcap__ApprenticeshipReport *report);

/* Rule 1 on the counts; each rate hidden with its numerator or
   denominator, the median with earners_q2. */
void rep_suppress_indicators(Hcap__IndicatorsReport *report);

#endif
