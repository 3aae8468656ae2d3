/* fuzz_csv: the CSV reader behind the roster and hours imports. Every
   record must be valid UTF-8, read again from its own offset the same
   (imports cut files at those offsets), and survive the writer: written
   with hc_csv_write_row and read back, the same fields. The input also
   checks hc_utf8 against a decoder that computes code points. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fz.h"
#include "hc_csv.h"
#include "hc_utf8.h"

/* Length of the longest valid UTF-8 prefix, by decoding code points. */
static size_t s_utf8_prefix(const uint8_t *p, size_t size)
{
    static const uint32_t mask[] = {0x7F, 0x1F, 0x0F, 0x07}, min[] = {0, 0x80, 0x800, 0x10000};
    size_t i = 0;
    while (i < size) {
        uint32_t cp = p[i];
        size_t n = cp < 0x80             ? 0
                   : (cp & 0xE0) == 0xC0 ? 1
                   : (cp & 0xF0) == 0xE0 ? 2
                   : (cp & 0xF8) == 0xF0 ? 3
                                         : 4;
        if (n == 4 || n >= size - i)
            return i;
        cp &= mask[n];
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return i;
}

/* What the writer's field reads back as: a leading =,+,-,@ is kept from
   spreadsheets with a quote. */
static bool s_same_field(const char *written, const char *read, bool by_writer)
{
    if (by_writer && written[0] && strchr("=+-@", written[0]) && read[0] == '\'')
        read++;
    return strcmp(written, read) == 0;
}

/* Reads one record of text; fails when it is not fields[0..count). */
static void s_expect(const char *what, const char *text, size_t size, char **fields, size_t count,
                     bool by_writer)
{
    hc_csv *csv = hc_csv_new(text, size);
    char **got;
    size_t n = 0;
    hc_error err;
    if (hc_csv_next(csv, &got, &n, &err) != 1)
        fz_fail("%s: does not read back: %s", what, err.message);
    if (n != count)
        fz_fail("%s: %zu fields read back as %zu", what, count, n);
    for (size_t i = 0; i < count; i++)
        if (!s_same_field(fields[i], got[i], by_writer))
            fz_fail("%s: field %zu \"%s\" read back as \"%s\"", what, i, fields[i], got[i]);
    hc_csv_destroy(&csv);
}

static void s_write_back(char **fields, size_t count)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (out == NULL)
        fz_fail("out of memory");
    hc_csv_write_row(out, (const char *const *)fields, count);
    fclose(out);
    s_expect("written record", text, size, fields, count, true);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t valid = hc_utf8_valid_prefix(text, size);
    if (valid != s_utf8_prefix(data, size))
        fz_fail("hc_utf8_valid_prefix says %zu valid bytes, decoding says %zu", valid,
                s_utf8_prefix(data, size));
    hc_csv *csv = hc_csv_new(text, size);
    char **fields;
    size_t count, last = 0;
    hc_error err;
    int rc;
    while ((rc = hc_csv_next(csv, &fields, &count, &err)) == 1) {
        size_t offset = hc_csv_offset(csv);
        if (count == 0 || offset >= size || (last && offset <= last))
            fz_fail("record of %zu fields at offset %zu (previous %zu)", count, offset, last);
        for (size_t i = 0; i < count; i++)
            if (!hc_utf8_valid(fields[i], strlen(fields[i])))
                fz_fail("field %zu is not UTF-8", i);
        if (offset > 0 && !(size - offset >= 3 && memcmp(text + offset, "\xEF\xBB\xBF", 3) == 0))
            s_expect("record at its offset", text + offset, size - offset, fields, count, false);
        /* A row starting with U+FEFF is written as it is: only a file's
           first row would lose it, to the reader's BOM skip. */
        if (strncmp(fields[0], "\xEF\xBB\xBF", 3) != 0)
            s_write_back(fields, count);
        last = offset;
    }
    if (rc == -1 && (err.code == HC_OK || strncmp(err.message, "line ", 5) != 0))
        fz_fail("malformed input without a line: %s", err.message);
    hc_csv_destroy(&csv);
    return 0;
}
