/* hc_jcs: RFC 8785 canonical JSON: sorted members, minimal escapes,
   ECMAScript number text. */
#include "hc_jcs.h"
#include "hc_utf8.h"
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* out of memory: everything after is dropped */
} s_buf;

typedef struct {
    const char *name;
    size_t len;
    json_t *value;
} s_member;

/* The walk's output, error record and the JSON path of the value being
   written ("credentialSubject.names[1]"), for error messages. */
typedef struct {
    s_buf *out;
    hc_error *err;
    char path[128];
} s_walk;

static void s_put(s_buf *buf, const char *data, size_t len)
{
    if (buf->failed)
        return;
    if (buf->len + len + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap < buf->len + len + 1)
            cap *= 2;
        char *data_new = realloc(buf->data, cap);
        if (!data_new) {
            buf->failed = true;
            return;
        }
        buf->data = data_new;
        buf->cap = cap;
    }
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

static void s_putc(s_buf *buf, char c)
{
    s_put(buf, &c, 1);
}

/* The p-digit decimal mantissa (as an integer) and decimal exponent of the
   scientific form of x > 0 rounded to p significant digits. */
static void s_round_digits(double x, int p, uint64_t *mantissa, int *exp10)
{
    char text[40];
    snprintf(text, sizeof text, "%.*e", p - 1, x);
    char *e = strchr(text, 'e');
    *exp10 = atoi(e + 1);
    uint64_t m = 0;
    for (const char *c = text; c < e; c++) {
        if (*c >= '0' && *c <= '9')
            m = m * 10 + (uint64_t)(*c - '0');
    }
    *mantissa = m;
}

/* True when mantissa * 10^(exp10 - p + 1) reads back as exactly x. */
static bool s_round_trips(double x, uint64_t mantissa, int exp10, int p)
{
    char text[48];
    snprintf(text, sizeof text, "%" PRIu64 "e%d", mantissa, exp10 - p + 1);
    return strtod(text, NULL) == x;
}

/* The p-digit decimal next to mantissa * 10^(exp10 - p + 1) on the side
   away from where it sits relative to x: floor and ceiling of x at p
   digits are the only p-digit values that can read back as x. Going down
   from 10^(p-1) crosses a power of ten (1.00e5 -> 9.99e4). */
static void s_other_side(double x, uint64_t *mantissa, int *exp10, int p)
{
    char text[48];
    snprintf(text, sizeof text, "%" PRIu64 "e%d", *mantissa, *exp10 - p + 1);
    uint64_t low = 1;
    for (int i = 1; i < p; i++)
        low *= 10;
    if (strtod(text, NULL) < x) {
        *mantissa += 1; /* 999 + 1 = 1000: one more digit, same value scale */
    } else if (*mantissa == low) {
        *mantissa = low * 10 - 1;
        *exp10 -= 1;
    } else {
        *mantissa -= 1;
    }
}

/* Shortest digits of x > 0 that read back as x (ECMAScript's k digits s),
   closest to x when several qualify (printf rounds half to even, which is
   also what ECMAScript asks for a tie). The rounded p-digit value can miss
   x's rounding interval where that interval is lopsided (x a power of two)
   while the p-digit value on the other side of x is inside it, so both are
   tried. Writes the digits without trailing zeros and returns ECMAScript's
   n: x = 0.digits * 10^n. */
static int s_shortest(double x, char digits[24])
{
    uint64_t m = 0;
    int e = 0;
    int p = 1;
    for (; p <= 17; p++) {
        s_round_digits(x, p, &m, &e);
        if (s_round_trips(x, m, e, p))
            break;
        uint64_t m_other = m;
        int e_other = e;
        s_other_side(x, &m_other, &e_other, p);
        if (s_round_trips(x, m_other, e_other, p)) {
            m = m_other;
            e = e_other;
            break;
        }
    }
    if (p > 17) /* unreachable: 17 digits always read back */
        p = 17;
    /* the value is m * 10^(e - p + 1); m may have p + 1 digits (999 + 1) */
    int len = snprintf(digits, 24, "%" PRIu64, m);
    int n = e - p + 1 + len;
    while (len > 1 && digits[len - 1] == '0')
        digits[--len] = '\0';
    return n;
}

/* Appends count copies of c at out[at..]; returns the new length. */
static size_t s_fill(char *out, size_t at, char c, int count)
{
    for (int i = 0; i < count; i++)
        out[at++] = c;
    return at;
}

/* ECMAScript Number::toString for finite x (ECMA-262 Number::toString:
   k digits s, x = s * 10^(n-k)). */
size_t hc_jcs_number(double value, char *out, size_t size)
{
    if (!isfinite(value) || size < 32)
        return 0;
    size_t at = 0;
    if (value == 0) { /* +0 and -0 */
        out[at++] = '0';
        out[at] = '\0';
        return at;
    }
    if (value < 0)
        out[at++] = '-';
    char digits[24];
    int n = s_shortest(fabs(value), digits);
    int k = (int)strlen(digits);
    if (k <= n && n <= 21) { /* integer: digits then n-k zeros */
        at = (size_t)(stpcpy(out + at, digits) - out);
        at = s_fill(out, at, '0', n - k);
    } else if (0 < n && n <= 21) { /* point inside the digits */
        memcpy(out + at, digits, (size_t)n);
        at += (size_t)n;
        out[at++] = '.';
        at = (size_t)(stpcpy(out + at, digits + n) - out);
    } else if (-6 < n && n <= 0) { /* 0.000ddd */
        at = (size_t)(stpcpy(out + at, "0.") - out);
        at = s_fill(out, at, '0', -n);
        at = (size_t)(stpcpy(out + at, digits) - out);
    } else { /* d.ddde+x */
        out[at++] = digits[0];
        if (k > 1) {
            out[at++] = '.';
            at = (size_t)(stpcpy(out + at, digits + 1) - out);
        }
        at += (size_t)snprintf(out + at, size - at, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
    }
    out[at] = '\0';
    return at;
}

/* The letter of a two-character escape (\\n ...) for c, or 0 when c takes
   the \\u00xx form. */
static char s_escape_letter(unsigned char c)
{
    switch (c) {
    case '"':
        return '"';
    case '\\':
        return '\\';
    case '\b':
        return 'b';
    case '\f':
        return 'f';
    case '\n':
        return 'n';
    case '\r':
        return 'r';
    case '\t':
        return 't';
    default:
        return 0;
    }
}

/* Writes text[0..len) as a JSON string with exactly RFC 8785's escapes. */
static void s_put_string(s_buf *out, const char *text, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    s_putc(out, '"');
    size_t run = 0; /* start of the bytes not yet written */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        s_put(out, text + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', s_escape_letter(c), '0', '0', 0, 0};
        if (esc[1]) {
            s_put(out, esc, 2);
        } else {
            esc[1] = 'u';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xF];
            s_put(out, esc, 6);
        }
    }
    s_put(out, text + run, len - run);
    s_putc(out, '"');
}

/* Next code point of valid UTF-8 at *at (advanced past it). */
static uint32_t s_code_point(const unsigned char *s, size_t *at)
{
    uint32_t c = s[*at];
    if (c < 0x80) {
        *at += 1;
        return c;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    uint32_t cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | (s[*at + i] & 0x3F);
    *at += len;
    return cp;
}

/* First UTF-16 code unit of a code point (its high surrogate above U+FFFF). */
static uint32_t s_first_unit(uint32_t cp)
{
    return cp < 0x10000 ? cp : 0xD800 + ((cp - 0x10000) >> 10);
}

/* Orders member names by their UTF-16 code units (RFC 8785 3.2.3). Two
   code points differ in UTF-16 order from code point order only when one
   is above U+FFFF (a D800..DBFF high surrogate) and the other is in
   E000..FFFF; comparing first units settles that, and equal first units
   mean both are supplementary, where code point order is unit order. */
static int s_member_cmp(const void *a, const void *b)
{
    const s_member *ma = a;
    const s_member *mb = b;
    const unsigned char *sa = (const unsigned char *)ma->name;
    const unsigned char *sb = (const unsigned char *)mb->name;
    size_t ia = 0;
    size_t ib = 0;
    while (ia < ma->len && ib < mb->len) {
        uint32_t ca = s_code_point(sa, &ia);
        uint32_t cb = s_code_point(sb, &ib);
        if (ca == cb)
            continue;
        uint32_t ua = s_first_unit(ca);
        uint32_t ub = s_first_unit(cb);
        if (ua != ub)
            return ua < ub ? -1 : 1;
        return ca < cb ? -1 : 1;
    }
    if (ia < ma->len)
        return 1;
    return ib < mb->len ? -1 : 0;
}

static bool s_value(s_walk *walk, const json_t *value, int depth);

/* Appends ".name" or "[index]" to the walk's path for an error message,
   runs s_value, and restores the path. */
static bool s_child(s_walk *walk, const json_t *value, int depth, const char *name, size_t index)
{
    size_t mark = strlen(walk->path);
    size_t room = sizeof walk->path - mark;
    if (name)
        snprintf(walk->path + mark, room, "%s%s", mark ? "." : "", name);
    else
        snprintf(walk->path + mark, room, "[%zu]", index);
    bool ok = s_value(walk, value, depth);
    walk->path[mark] = '\0';
    return ok;
}

static bool s_fail(s_walk *walk, const char *what)
{
    hc_error_set(walk->err, HC_INVALID_ARGUMENT, walk->path, "%s%s%s", what,
                 walk->path[0] ? " at " : "", walk->path);
    return false;
}

static bool s_too_deep(s_walk *walk)
{
    char what[64];
    snprintf(what, sizeof what, "nesting deeper than %d", HC_JCS_MAX_DEPTH);
    return s_fail(walk, what);
}

static bool s_object(s_walk *walk, const json_t *object, int depth)
{
    size_t count = json_object_size(object);
    s_member *members = calloc(count ? count : 1, sizeof *members);
    if (!members) {
        walk->out->failed = true;
        return false;
    }
    size_t n = 0;
    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach((json_t *)object, key, key_len, value)
    {
        members[n++] = (s_member){key, key_len, value};
    }
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        if (!hc_utf8_valid(members[i].name, members[i].len))
            ok = s_fail(walk, "member name is not valid UTF-8");
    }
    if (ok)
        qsort(members, n, sizeof *members, s_member_cmp);
    s_putc(walk->out, '{');
    for (size_t i = 0; ok && i < n; i++) {
        if (i > 0)
            s_putc(walk->out, ',');
        s_put_string(walk->out, members[i].name, members[i].len);
        s_putc(walk->out, ':');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)members[i].len, members[i].name);
        ok = s_child(walk, members[i].value, depth + 1, name, 0);
    }
    s_putc(walk->out, '}');
    free(members);
    return ok;
}

static bool s_array(s_walk *walk, const json_t *array, int depth)
{
    s_putc(walk->out, '[');
    for (size_t i = 0; i < json_array_size(array); i++) {
        if (i > 0)
            s_putc(walk->out, ',');
        if (!s_child(walk, json_array_get(array, i), depth + 1, NULL, i))
            return false;
    }
    s_putc(walk->out, ']');
    return true;
}

static bool s_value(s_walk *walk, const json_t *value, int depth)
{
    if (depth > HC_JCS_MAX_DEPTH)
        return s_too_deep(walk);
    char number[32];
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return s_object(walk, value, depth);
    case JSON_ARRAY:
        return s_array(walk, value, depth);
    case JSON_STRING:
        if (!hc_utf8_valid(json_string_value(value), json_string_length(value)))
            return s_fail(walk, "string is not valid UTF-8");
        s_put_string(walk->out, json_string_value(value), json_string_length(value));
        return true;
    case JSON_INTEGER:
        snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        s_put(walk->out, number, strlen(number));
        return true;
    case JSON_REAL:
        if (hc_jcs_number(json_real_value(value), number, sizeof number) == 0)
            return s_fail(walk, "number is not finite");
        s_put(walk->out, number, strlen(number));
        return true;
    case JSON_TRUE:
        s_put(walk->out, "true", 4);
        return true;
    case JSON_FALSE:
        s_put(walk->out, "false", 5);
        return true;
    default:
        s_put(walk->out, "null", 4);
        return true;
    }
}

char *hc_jcs_dump(const json_t *value, hc_error *err)
{
    if (!value) {
        hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "no JSON value to canonicalize");
        return NULL;
    }
    s_buf out = {0};
    s_walk walk = {.out = &out, .err = err};
    bool ok = s_value(&walk, value, 0);
    if (out.failed || (ok && !out.data)) {
        hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory writing canonical JSON");
        ok = false;
    }
    if (!ok) {
        free(out.data);
        return NULL;
    }
    return out.data;
}
