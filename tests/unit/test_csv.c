/* Tests for hc_csv: RFC 4180 reading, malformed input, line numbers, the
   writer's quoting and formula guard, round trips and random input. */
#include "hc_csv.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads every record of text; joins them as "f1|f2;f1|f2;" for comparison.
   Returns -1 on a malformed record (err filled), else the record count. */
static int s_read_all(const char *text, size_t size, char *joined, size_t cap, hc_error *err)
{
    hc_csv *csv = hc_csv_new(text, size);
    char **fields;
    size_t count;
    int rc, records = 0;
    joined[0] = '\0';
    while ((rc = hc_csv_next(csv, &fields, &count, err)) == 1) {
        records++;
        for (size_t i = 0; i < count; i++) {
            strncat(joined, fields[i], cap - strlen(joined) - 1);
            strncat(joined, i + 1 < count ? "|" : ";", cap - strlen(joined) - 1);
        }
    }
    hc_csv_destroy(&csv);
    return rc < 0 ? -1 : records;
}

static void s_expect(const char *text, int records, const char *joined)
{
    char out[1024];
    hc_error err;
    hc_error_clear(&err);
    int rc = s_read_all(text, strlen(text), out, sizeof out, &err);
    cr_assert_eq(rc, records, "%s: rc %d (%s)", text, rc, err.message);
    cr_assert_str_eq(out, joined, "for input [%s]", text);
}

static void s_expect_error(const char *text, size_t size, const char *message)
{
    char out[1024];
    hc_error err;
    hc_error_clear(&err);
    cr_assert_eq(s_read_all(text, size, out, sizeof out, &err), -1, "accepted [%s]", text);
    cr_assert_eq(err.code, HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.message, message);
}

Test(csv, plain_records)
{
    s_expect("a,b,c\n1,2,3\n", 2, "a|b|c;1|2|3;");
    s_expect("a,b\r\n1,2\r\n", 2, "a|b;1|2;");
    s_expect("a,b\n1,2", 2, "a|b;1|2;");
    s_expect("x", 1, "x;");
    s_expect("", 0, "");
    s_expect("a,,\n,b,\n", 2, "a||;|b|;");
    s_expect(",\n", 1, "|;");
    s_expect(" a , b \n", 1, " a | b ;");
    s_expect("a\rb\r", 2, "a;b;");
}

Test(csv, quoted_fields)
{
    s_expect("\"a,b\",c\n", 1, "a,b|c;");
    s_expect("\"say \"\"hi\"\"\",x\n", 1, "say \"hi\"|x;");
    s_expect("\"\",x\n", 1, "|x;");
    s_expect("\"\"\n", 1, ";");
    s_expect("\"line1\nline2\",b\n", 1, "line1\nline2|b;");
    s_expect("\"crlf\r\ninside\",b\r\n", 1, "crlf\r\ninside|b;");
    s_expect("a,\"b\"", 1, "a|b;");
    s_expect("ab\"c,d\n", 1, "ab\"c|d;");
}

Test(csv, bom_and_blank_lines_are_skipped)
{
    s_expect("\xEF\xBB\xBFname,id\n\n\r\n1,2\n\n", 2, "name|id;1|2;");
    s_expect("\xEF\xBB\xBF", 0, "");
    s_expect("\n\n\n", 0, "");
}

Test(csv, utf8_text_is_kept)
{
    s_expect("Jos\xC3\xA9,\xE4\xB8\xAD\xE6\x96\x87,\xF0\x9F\x98\x80\n", 1,
             "Jos\xC3\xA9|\xE4\xB8\xAD\xE6\x96\x87|\xF0\x9F\x98\x80;");
}

Test(csv, line_numbers_count_embedded_newlines)
{
    const char *text = "h1,h2\n\n\"a\nb\nc\",x\ny,z\n";
    hc_csv *csv = hc_csv_new(text, strlen(text));
    char **fields;
    size_t count;
    hc_error err;
    cr_assert_eq(hc_csv_line(csv), 0);
    cr_assert_eq(hc_csv_next(csv, &fields, &count, &err), 1);
    cr_assert_eq(hc_csv_line(csv), 1);
    cr_assert_eq(hc_csv_next(csv, &fields, &count, &err), 1);
    cr_assert_eq(hc_csv_line(csv), 3);
    cr_assert_eq(count, 2);
    cr_assert_str_eq(fields[0], "a\nb\nc");
    cr_assert_eq(hc_csv_next(csv, &fields, &count, &err), 1);
    cr_assert_eq(hc_csv_line(csv), 6);
    cr_assert_str_eq(fields[1], "z");
    cr_assert_eq(hc_csv_next(csv, &fields, &count, &err), 0);
    cr_assert_eq(hc_csv_next(csv, &fields, &count, &err), 0);
    hc_csv_destroy(&csv);
    cr_assert_null(csv);
    hc_csv_destroy(&csv);
}

Test(csv, malformed_input_names_the_line)
{
    s_expect_error("a,b\n\"open,c\nd\n", 14, "line 2: unterminated quoted field");
    s_expect_error("a\n\"x\"y,z\n", 9, "line 2: text after a closing quote");
    s_expect_error("a\n\"x\" ,z\n", 9, "line 2: text after a closing quote");
    s_expect_error("a\nb\0c\n", 6, "line 2: NUL byte");
    s_expect_error("a\n\"b\0\"\n", 7, "line 2: NUL byte");
    s_expect_error("ok\nx,\xC3\n", 7, "line 2: invalid UTF-8 in field 2");
    s_expect_error("\xFF\n", 2, "line 1: invalid UTF-8 in field 1");
    s_expect_error("\xC0\xAF\n", 3, "line 1: invalid UTF-8 in field 1");         /* overlong */
    s_expect_error("\xED\xA0\x80\n", 4, "line 1: invalid UTF-8 in field 1");     /* surrogate */
    s_expect_error("\xF4\x90\x80\x80\n", 5, "line 1: invalid UTF-8 in field 1"); /* > 10FFFF */
    s_expect_error("\xE0\x80\x80\n", 4, "line 1: invalid UTF-8 in field 1");     /* overlong */
    s_expect_error("\"a\nb\"c\n", 7, "line 2: text after a closing quote");
}

Test(csv, errors_are_sticky)
{
    const char *text = "\"x\"y\nok\n";
    hc_csv *csv = hc_csv_new(text, strlen(text));
    char **fields;
    size_t count;
    hc_error err;
    cr_assert_eq(hc_csv_next(csv, &fields, &count, &err), -1);
    hc_error_clear(&err);
    cr_assert_eq(hc_csv_next(csv, &fields, &count, &err), -1);
    cr_assert_eq(err.code, HC_INVALID_ARGUMENT);
    cr_assert_eq(hc_csv_next(csv, &fields, &count, NULL), -1);
    hc_csv_destroy(&csv);
}

Test(csv, many_fields_and_long_fields)
{
    size_t n = 5000;
    char *text = malloc(n * 2 + 100000);
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        text[at++] = 'f', text[at++] = ',';
    text[at++] = '"';
    memset(text + at, 'L', 90000);
    at += 90000;
    text[at++] = '"';
    hc_csv *csv = hc_csv_new(text, at);
    char **fields;
    size_t count;
    cr_assert_eq(hc_csv_next(csv, &fields, &count, NULL), 1);
    cr_assert_eq(count, n + 1);
    cr_assert_str_eq(fields[n - 1], "f");
    cr_assert_eq(strlen(fields[n]), 90000);
    hc_csv_destroy(&csv);
    free(text);
}

static char *s_write(const char *const *fields, size_t count)
{
    static char text[1024];
    FILE *out = fmemopen(text, sizeof text, "w");
    hc_csv_write_row(out, fields, count);
    fclose(out);
    return text;
}

Test(csv, writer_quotes_only_when_needed)
{
    const char *plain[] = {"a", "b c", "", NULL};
    cr_assert_str_eq(s_write(plain, 4), "a,b c,,\r\n");
    const char *special[] = {"a,b", "say \"hi\"", "x\ny", "cr\r"};
    cr_assert_str_eq(s_write(special, 4), "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"cr\r\"\r\n");
    cr_assert_str_eq(s_write(NULL, 0), "\r\n");
}

/* Found by fuzz_csv: a record of one empty field ("" on its own line)
   was written as a bare line end, which every reader skips as blank. */
Test(csv, writer_keeps_a_lone_empty_field)
{
    const char *empty[] = {""};
    cr_assert_str_eq(s_write(empty, 1), "\"\"\r\n");
    const char *null[] = {NULL};
    cr_assert_str_eq(s_write(null, 1), "\"\"\r\n");
    s_expect(s_write(empty, 1), 1, ";");
}

Test(csv, writer_guards_formulas)
{
    const char *formulas[] = {"=SUM(A1)", "+1", "-2", "@cmd", "a=b", "=x,y"};
    cr_assert_str_eq(s_write(formulas, 6), "'=SUM(A1),'+1,'-2,'@cmd,a=b,\"'=x,y\"\r\n");
}

Test(csv, write_then_read_round_trip)
{
    const char *fields[] = {"plain",     "with,comma", "with \"quotes\"", "multi\nline",
                            "crlf\r\nx", "",           "Jos\xC3\xA9",     "  spaced  "};
    size_t n = sizeof fields / sizeof fields[0];
    char *text = s_write(fields, n);
    char *twice = malloc(2 * strlen(text) + 1);
    strcpy(twice, text);
    strcat(twice, text);
    hc_csv *csv = hc_csv_new(twice, strlen(twice));
    char **got;
    size_t count;
    hc_error err;
    for (int r = 0; r < 2; r++) {
        cr_assert_eq(hc_csv_next(csv, &got, &count, &err), 1, "%s", err.message);
        cr_assert_eq(count, n);
        for (size_t i = 0; i < n; i++)
            cr_assert_str_eq(got[i], fields[i]);
    }
    cr_assert_eq(hc_csv_line(csv), 4);
    cr_assert_eq(hc_csv_next(csv, &got, &count, &err), 0);
    hc_csv_destroy(&csv);
    free(twice);
}

/* Random and mutated input never crashes, never loops, and every record
   handed out is valid UTF-8 without NUL (checked by strlen agreement). */
Test(csv, random_input_never_crashes)
{
    const char alphabet[] = {'a',  ',',        '"',        '\r',       '\n',
                             '\0', (char)0xC3, (char)0xA9, (char)0xFF, ' '};
    unsigned seed = 12345;
    char buf[64];
    for (int round = 0; round < 20000; round++) {
        size_t size = (size_t)(rand_r(&seed) % (int)sizeof buf);
        for (size_t i = 0; i < size; i++)
            buf[i] = alphabet[rand_r(&seed) % (int)sizeof alphabet];
        char *data = malloc(size ? size : 1); /* exact size so ASan sees overreads */
        memcpy(data, buf, size);
        hc_csv *csv = hc_csv_new(data, size);
        char **fields;
        size_t count;
        int rc, guard = 0;
        while ((rc = hc_csv_next(csv, &fields, &count, NULL)) == 1) {
            cr_assert_geq(count, 1);
            cr_assert_lt(++guard, 100);
        }
        cr_assert(rc == 0 || rc == -1);
        hc_csv_destroy(&csv);
        free(data);
    }
    hc_csv *csv = hc_csv_new(NULL, 10);
    char **fields;
    size_t count;
    cr_assert_eq(hc_csv_next(csv, &fields, &count, NULL), 0);
    hc_csv_destroy(&csv);
}

Test(csv, offsets_mark_where_each_record_begins)
{
    const char text[] = "\xEF\xBB\xBFid,note\r\n1,\"two\nlines\"\n\n2,x\n";
    hc_csv *csv = hc_csv_new(text, sizeof text - 1);
    char **fields;
    size_t count;
    hc_error err;
    size_t offsets[3], lines[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(hc_csv_next(csv, &fields, &count, &err), 1);
        offsets[i] = hc_csv_offset(csv);
        lines[i] = hc_csv_line(csv);
    }
    cr_assert_eq(offsets[0], 3, "after the BOM");
    cr_assert_eq(strncmp(text + offsets[1], "1,\"two", 6), 0);
    cr_assert_eq(strncmp(text + offsets[2], "2,x", 3), 0, "the blank line is skipped");
    cr_assert_eq(lines[2], 5);
    hc_csv_destroy(&csv);
}
