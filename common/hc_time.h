/* hc_time: calendar dates (YYYY-MM-DD) and RFC 3339 UTC timestamps as the
   API writes them. */
#ifndef HC_TIME_H
#define HC_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HC_DATE_SIZE      11 /* "2026-11-22" + NUL */
#define HC_TIMESTAMP_SIZE 25 /* "2026-11-22T15:56:01.123Z" + NUL */

/* True when text is a real calendar date in YYYY-MM-DD form (leap years
   checked, year 1900..2199). */
bool hc_date_valid(const char *text);

/* Days since 1970-01-01 for a valid date; -1 when text is not valid. */
int64_t hc_date_days(const char *text);

/* Writes the date `days` after 1970-01-01 into out. */
void hc_date_from_days(int64_t days, char out[HC_DATE_SIZE]);

/* Adds months to a valid date, clamping the day to the month's end
   (2024-01-31 + 1 = 2024-02-29). Returns 0, or -1 when date is not valid. */
int hc_date_add_months(const char *date, int months, char out[HC_DATE_SIZE]);

/* The age band of someone born on birth_date as of on_date (YYYY-MM-DD,
   or an RFC 3339 timestamp whose date is used), in full years:
   "under_25", "25_34", "35_44", "45_54", "55_64" or "65_plus". Writes
   "unknown" when either date is missing or not valid, or birth_date is
   after on_date. out must hold HC_AGE_BAND_SIZE bytes (programmer error
   otherwise). Returns 0 for a band, -1 for "unknown". */
#define HC_AGE_BAND_SIZE 9 /* "under_25" + NUL */
int hc_age_band(const char *birth_date, const char *on_date, char *out, size_t size);

/* Today's date in UTC. */
void hc_today(char out[HC_DATE_SIZE]);

/* Now as RFC 3339 UTC with milliseconds. */
void hc_now_rfc3339(char out[HC_TIMESTAMP_SIZE]);

/* Monotonic milliseconds, for deadlines and latency. */
int64_t hc_clock_ms(void);

#endif
