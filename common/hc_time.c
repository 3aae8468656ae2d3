/* hc_time: proleptic Gregorian date arithmetic on YYYY-MM-DD text, RFC 3339
   timestamps and the monotonic clock. */
#include "hc_time.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool s_leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int s_month_days(int64_t year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && s_leap(year) ? 29 : days[month - 1];
}

/* Reads n decimal digits at text; -1 when any is not a digit. */
static int s_digits(const char *text, int n)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

/* Parses a valid date into its parts; false when text is not one. */
static bool s_parse(const char *text, int *year, int *month, int *day)
{
    if (text == NULL || strnlen(text, 11) != 10 || text[4] != '-' || text[7] != '-')
        return false;
    *year = s_digits(text, 4);
    *month = s_digits(text + 5, 2);
    *day = s_digits(text + 8, 2);
    if (*year < 1900 || *year > 2199 || *month < 1 || *month > 12 || *day < 1)
        return false;
    return *day <= s_month_days(*year, *month);
}

/* Days from 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static int64_t s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Writes value as exactly n digits (value must fit). */
static void s_put_digits(char *out, int64_t value, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

static void s_format(int64_t y, int m, int d, char out[HC_DATE_SIZE])
{
    s_put_digits(out, y, 4);
    out[4] = '-';
    s_put_digits(out + 5, m, 2);
    out[7] = '-';
    s_put_digits(out + 8, d, 2);
    out[10] = '\0';
}

bool hc_date_valid(const char *text)
{
    int y, m, d;
    return s_parse(text, &y, &m, &d);
}

int64_t hc_date_days(const char *text)
{
    int y, m, d;
    if (!s_parse(text, &y, &m, &d))
        return -1;
    return s_days_from_civil(y, m, d);
}

/* Clamped to 0000-01-01 .. 9999-12-31 so the text always has four year digits.
 */
void hc_date_from_days(int64_t days, char out[HC_DATE_SIZE])
{
    const int64_t lo = -719528, hi = 2932896;
    days = days < lo ? lo : days > hi ? hi : days;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    s_format(y, m, d, out);
}

int hc_date_add_months(const char *date, int months, char out[HC_DATE_SIZE])
{
    int y, m, d;
    if (!s_parse(date, &y, &m, &d))
        return -1;
    int64_t index = (int64_t)y * 12 + (m - 1) + months;
    if (index < 0 || index >= 10000 * 12)
        return -1;
    int64_t year = index / 12;
    int month = (int)(index % 12) + 1;
    int last = s_month_days(year, month);
    s_format(year, month, d > last ? last : d, out);
    return 0;
}

/* The date part of text: a date, or the first ten characters of an RFC
   3339 timestamp. False when there is none. */
static bool s_date_part(const char *text, int *year, int *month, int *day)
{
    char date[HC_DATE_SIZE];
    if (text == NULL || strnlen(text, 11) < 10 || (text[10] != '\0' && text[10] != 'T'))
        return false;
    memcpy(date, text, 10);
    date[10] = '\0';
    return s_parse(date, year, month, day);
}

int hc_age_band(const char *birth_date, const char *on_date, char *out, size_t size)
{
    static const char *bands[] = {"under_25", "25_34", "35_44", "45_54", "55_64", "65_plus"};
    assert(out && size >= HC_AGE_BAND_SIZE);
    int by, bm, bd, oy, om, od;
    int age = -1;
    if (s_parse(birth_date, &by, &bm, &bd) && s_date_part(on_date, &oy, &om, &od))
        age = oy - by - (om < bm || (om == bm && od < bd));
    if (age < 0) {
        snprintf(out, size, "unknown");
        return -1;
    }
    snprintf(out, size, "%s", bands[age < 25 ? 0 : age >= 65 ? 5 : (age - 25) / 10 + 1]);
    return 0;
}

void hc_today(char out[HC_DATE_SIZE])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t secs = (int64_t)ts.tv_sec;
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    hc_date_from_days(days, out);
}

void hc_now_rfc3339(char out[HC_TIMESTAMP_SIZE])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, HC_TIMESTAMP_SIZE, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n != 19) {
        strcpy(out, "1970-01-01T00:00:00.000Z");
        return;
    }
    out[19] = '.';
    s_put_digits(out + 20, ts.tv_nsec / 1000000, 3);
    out[23] = 'Z';
    out[24] = '\0';
}

int64_t hc_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
