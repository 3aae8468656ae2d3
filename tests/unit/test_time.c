/* Tests for hc_time: date validation and arithmetic, timestamps, clock. */
#include "hc_time.h"
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

Test(time, valid_dates)
{
    cr_assert(hc_date_valid("2026-11-22"));
    cr_assert(hc_date_valid("2024-02-29"));
    cr_assert(hc_date_valid("2000-02-29"));
    cr_assert(hc_date_valid("1900-01-01"));
    cr_assert(hc_date_valid("2199-12-31"));
}

Test(time, invalid_dates)
{
    const char *bad[] = {"2023-02-29",  "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
                         "2026-01-00",  "1899-12-31", "2200-01-01", "2026-1-01",  "2026/01/01",
                         "2026-01-01x", "",           "20260101",   "2026-0a-01", " 2026-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(hc_date_valid(bad[i]), "%s accepted", bad[i]);
    cr_assert_not(hc_date_valid(NULL));
    cr_assert_eq(hc_date_days("2023-02-29"), -1);
}

Test(time, days_round_trip)
{
    cr_assert_eq(hc_date_days("1970-01-01"), 0);
    cr_assert_eq(hc_date_days("1970-01-02"), 1);
    cr_assert_eq(hc_date_days("1969-12-31"), -1);
    cr_assert_eq(hc_date_days("2000-03-01"), 11017);
    char out[HC_DATE_SIZE];
    for (int64_t d = hc_date_days("1900-01-01"); d <= hc_date_days("2199-12-31"); d += 37) {
        hc_date_from_days(d, out);
        cr_assert_eq(hc_date_days(out), d, "%s", out);
    }
    hc_date_from_days(11017, out);
    cr_assert_str_eq(out, "2000-03-01");
    hc_date_from_days(-25567, out);
    cr_assert_str_eq(out, "1900-01-01");
}

Test(time, from_days_clamps_extremes)
{
    char out[HC_DATE_SIZE];
    hc_date_from_days(INT64_MAX, out);
    cr_assert_str_eq(out, "9999-12-31");
    hc_date_from_days(INT64_MIN, out);
    cr_assert_str_eq(out, "0000-01-01");
}

Test(time, add_months_clamps_day)
{
    char out[HC_DATE_SIZE];
    cr_assert_eq(hc_date_add_months("2024-01-31", 1, out), 0);
    cr_assert_str_eq(out, "2024-02-29");
    cr_assert_eq(hc_date_add_months("2023-01-31", 1, out), 0);
    cr_assert_str_eq(out, "2023-02-28");
    cr_assert_eq(hc_date_add_months("2024-11-15", 14, out), 0);
    cr_assert_str_eq(out, "2026-01-15");
    cr_assert_eq(hc_date_add_months("2024-03-31", -1, out), 0);
    cr_assert_str_eq(out, "2024-02-29");
    cr_assert_eq(hc_date_add_months("2024-05-10", 0, out), 0);
    cr_assert_str_eq(out, "2024-05-10");
    cr_assert_eq(hc_date_add_months("2024-02-30", 1, out), -1);
    cr_assert_eq(hc_date_add_months("2024-01-01", -3000000, out), -1);
    cr_assert_eq(hc_date_add_months("2024-01-01", 2000000000, out), -1);
}

Test(time, today_and_now_agree_with_the_system_clock)
{
    char today[HC_DATE_SIZE], now[HC_TIMESTAMP_SIZE], expect[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(expect, sizeof expect, "%Y-%m-%d", &tm);
    hc_today(today);
    hc_now_rfc3339(now);
    cr_assert_str_eq(today, expect);
    cr_assert_eq(strlen(now), 24);
    cr_assert_eq(strncmp(now, today, 10), 0);
    cr_assert_eq(now[10], 'T');
    cr_assert_eq(now[19], '.');
    cr_assert_eq(now[23], 'Z');
}

Test(time, clock_is_monotonic)
{
    int64_t a = hc_clock_ms();
    struct timespec ts = {0, 20 * 1000000};
    nanosleep(&ts, NULL);
    int64_t b = hc_clock_ms();
    cr_assert_geq(b - a, 19);
    cr_assert_lt(b - a, 2000);
}

Test(time, age_band_counts_full_years_on_the_date)
{
    char band[HC_AGE_BAND_SIZE];
    struct {
        const char *birth, *on, *want;
    } cases[] = {
        {"2001-06-15", "2026-06-14", "under_25"}, /* the day before the 25th birthday */
        {"2001-06-15", "2026-06-15", "25_34"},    /* on it */
        {"1992-01-01", "2026-12-31", "25_34"},    /* 34 until the last day */
        {"1991-12-31", "2026-12-31", "35_44"},
        {"1982-03-01", "2026-03-01", "35_44"},
        {"1981-03-01", "2026-03-01", "45_54"},
        {"1971-07-04", "2026-07-04", "55_64"},
        {"1962-07-05", "2026-07-04", "55_64"},
        {"1961-07-04", "2026-07-04", "65_plus"},
        {"1920-01-01", "2026-07-04", "65_plus"},
        {"2026-07-04", "2026-07-04", "under_25"},
        {"2000-02-29", "2025-02-28", "under_25"}, /* a leap-day birthday: not yet */
        {"2000-02-29", "2025-03-01", "25_34"},
        {"1990-05-10", "2026-05-09T23:59:59.000Z", "35_44"}, /* a timestamp's date */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(hc_age_band(cases[i].birth, cases[i].on, band, sizeof band), 0, "%s on %s",
                     cases[i].birth, cases[i].on);
        cr_assert_str_eq(band, cases[i].want, "%s on %s", cases[i].birth, cases[i].on);
    }
}

Test(time, age_band_unknown_without_usable_dates)
{
    char band[HC_AGE_BAND_SIZE];
    const char *bad[][2] = {
        {NULL, "2026-01-01"},         {"1990-01-01", NULL},      {"", "2026-01-01"},
        {"1990-02-30", "2026-01-01"}, {"1990-01-01", "2026-13"}, {"1990-01-01", "2026-01-01x"},
        {"2026-01-02", "2026-01-01"}, /* born after the date */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(band, "x");
        cr_assert_eq(hc_age_band(bad[i][0], bad[i][1], band, sizeof band), -1, "case %zu", i);
        cr_assert_str_eq(band, "unknown", "case %zu", i);
    }
}
