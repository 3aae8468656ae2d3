/* reporting_suppress: hides the small cells of a report for the analyst
   role (docs/indicators.md, Suppression). */
#include "reporting_suppress.h"

#include <stddef.h>

#define S_METRIC_PLACEMENT_RATE HCAP__METRIC__METRIC_PLACEMENT_RATE
#define S_OUTCOME_COLUMNS       6

bool rep_suppress_applies(const Hcap__Principal *principal)
{
    return principal && principal->role == HCAP__ROLE__ROLE_ANALYST;
}

bool rep_suppress_small(protobuf_c_boolean has, uint32_t value)
{
    return has && value >= 1 && value <= 9;
}

/* Hides a count of 1..9; true when it did. */
static bool s_hide_small(protobuf_c_boolean *has, uint32_t value)
{
    if (!rep_suppress_small(*has, value))
        return false;
    *has = 0;
    return true;
}

/* --- grants --- */

static void s_deliverable(Hcap__DeliverableReport *d)
{
    bool hide;
    if (d->metric == S_METRIC_PLACEMENT_RATE)
        hide = rep_suppress_small(d->has_numerator, d->numerator) ||
               rep_suppress_small(d->has_denominator, d->denominator);
    else
        hide = d->has_actual && d->actual >= 1 && d->actual <= 9;
    if (!hide)
        return;
    d->has_actual = d->has_pct_of_target = d->has_on_pace = 0;
    d->has_numerator = d->has_denominator = 0;
    d->has_suppressed = d->suppressed = 1;
}

void rep_suppress_grant(Hcap__GrantReport *report)
{
    for (size_t i = 0; i < report->n_deliverables; i++)
        s_deliverable(report->deliverables[i]);
}

/* --- outcomes --- */

/* The presence flag and value of column col of row. */
static protobuf_c_boolean *s_cell(Hcap__OutcomeRow *row, int col, uint32_t **value)
{
    switch (col) {
    case 0:
        *value = &row->participants;
        return &row->has_participants;
    case 1:
        *value = &row->completed;
        return &row->has_completed;
    case 2:
        *value = &row->credentials;
        return &row->has_credentials;
    case 3:
        *value = &row->apprentices;
        return &row->has_apprentices;
    case 4:
        *value = &row->apprentices_completed;
        return &row->has_apprentices_completed;
    default:
        *value = &row->placements;
        return &row->has_placements;
    }
}

static void s_row_small(Hcap__OutcomeRow *row)
{
    for (int col = 0; col < S_OUTCOME_COLUMNS; col++) {
        uint32_t *value;
        protobuf_c_boolean *has = s_cell(row, col, &value);
        if (s_hide_small(has, *value))
            row->has_suppressed = row->suppressed = 1;
    }
}

/* Rule 2 on one column: with exactly one hidden cell (rule 1 hid it from
   a value it had), hides the smallest shown non-zero cell, the first in
   row order on a tie. */
static void s_column_complement(Hcap__OutcomeRow **rows, size_t n, int col)
{
    size_t hidden = 0;
    Hcap__OutcomeRow *smallest = NULL;
    uint32_t least = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t *value;
        protobuf_c_boolean *has = s_cell(rows[i], col, &value);
        if (!*has)
            hidden++;
        else if (*value > 0 && (!smallest || *value < least)) {
            smallest = rows[i];
            least = *value;
        }
    }
    if (hidden != 1 || !smallest)
        return;
    uint32_t *value;
    *s_cell(smallest, col, &value) = 0;
    smallest->has_suppressed = smallest->suppressed = 1;
}

void rep_suppress_outcomes(Hcap__OutcomesReport *report, bool add_up)
{
    for (size_t i = 0; i < report->n_rows; i++)
        s_row_small(report->rows[i]);
    if (report->total)
        s_row_small(report->total);
    if (!add_up || !report->total)
        return;
    for (int col = 0; col < S_OUTCOME_COLUMNS; col++) {
        uint32_t *value;
        if (*s_cell(report->total, col, &value))
            s_column_complement(report->rows, report->n_rows, col);
    }
}

/* --- apprenticeship --- */

/* Rule 2 on the four statuses, which add up to registered. */
static void s_status_complement(Hcap__ApprenticeshipReport *r)
{
    protobuf_c_boolean *has[] = {&r->has_active, &r->has_suspended, &r->has_completed,
                                 &r->has_cancelled};
    const uint32_t values[] = {r->active, r->suspended, r->completed, r->cancelled};
    int hidden = 0, smallest = -1;
    for (int i = 0; i < 4; i++) {
        if (!*has[i])
            hidden++;
        else if (values[i] > 0 && (smallest < 0 || values[i] < values[smallest]))
            smallest = i;
    }
    if (hidden == 1 && smallest >= 0)
        *has[smallest] = 0;
}

void rep_suppress_apprenticeship(Hcap__ApprenticeshipReport *r)
{
    bool hid = s_hide_small(&r->has_registered, r->registered);
    hid = s_hide_small(&r->has_active, r->active) || hid;
    hid = s_hide_small(&r->has_suspended, r->suspended) || hid;
    hid = s_hide_small(&r->has_completed, r->completed) || hid;
    hid = s_hide_small(&r->has_cancelled, r->cancelled) || hid;
    hid = s_hide_small(&r->has_placed, r->placed) || hid;
    if (r->has_registered)
        s_status_complement(r);
    if (!r->has_completed || !r->has_registered)
        r->has_completion_rate = 0;
    if (!r->has_placed || !r->has_completed)
        r->has_placement_rate = 0;
    if (hid)
        r->has_suppressed = r->suppressed = 1;
}

/* --- indicators --- */

void rep_suppress_indicators(Hcap__IndicatorsReport *r)
{
    bool hid = s_hide_small(&r->has_credential_exiters, r->credential_exiters);
    hid = s_hide_small(&r->has_credential_attainers, r->credential_attainers) || hid;
    hid = s_hide_small(&r->has_skill_participants, r->skill_participants) || hid;
    hid = s_hide_small(&r->has_skill_gainers, r->skill_gainers) || hid;
    hid = s_hide_small(&r->has_exiters_q2, r->exiters_q2) || hid;
    hid = s_hide_small(&r->has_employed_q2, r->employed_q2) || hid;
    hid = s_hide_small(&r->has_exiters_q4, r->exiters_q4) || hid;
    hid = s_hide_small(&r->has_employed_q4, r->employed_q4) || hid;
    hid = s_hide_small(&r->has_earners_q2, r->earners_q2) || hid;
    if (!r->has_credential_exiters || !r->has_credential_attainers)
        r->has_credential_attainment_rate = 0;
    if (!r->has_skill_participants || !r->has_skill_gainers)
        r->has_measurable_skill_gains = 0;
    if (!r->has_exiters_q2 || !r->has_employed_q2)
        r->has_employment_rate_q2 = 0;
    if (!r->has_exiters_q4 || !r->has_employed_q4)
        r->has_employment_rate_q4 = 0;
    if (!r->has_earners_q2)
        r->has_median_earnings_q2_cents = 0;
    if (hid)
        r->has_suppressed = r->suppressed = 1;
}
