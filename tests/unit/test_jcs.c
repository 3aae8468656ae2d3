/* Tests for hc_jcs: RFC 8785's published examples (number table, sorting,
   escaping) and the edges: invalid UTF-8, depth, NUL, integers. */
#include "hc_jcs.h"
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Canonical text of value (consumed); fails the test on error. */
static char *s_dump(json_t *value)
{
    hc_error err = {0};
    char *text = hc_jcs_dump(value, &err);
    cr_assert_not_null(text, "hc_jcs_dump failed: %s", err.message);
    json_decref(value);
    return text;
}

static void s_expect(json_t *value, const char *expected)
{
    char *text = s_dump(value);
    cr_expect_str_eq(text, expected);
    free(text);
}

/* Canonical text of parsed JSON text. */
static void s_expect_text(const char *json, const char *expected)
{
    json_error_t jerr;
    json_t *value = json_loads(json, JSON_DECODE_ANY, &jerr);
    cr_assert_not_null(value, "bad test JSON: %s", jerr.text);
    s_expect(value, expected);
}

static double s_bits(uint64_t bits)
{
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* RFC 8785 Appendix B: IEEE 754 bit patterns and their JCS text. */
Test(jcs, rfc8785_appendix_b_numbers)
{
    static const struct {
        uint64_t bits;
        const char *text;
    } table[] = {
        {0x0000000000000000, "0"},
        {0x8000000000000000, "0"},
        {0x0000000000000001, "5e-324"},
        {0x8000000000000001, "-5e-324"},
        {0x7fefffffffffffff, "1.7976931348623157e+308"},
        {0xffefffffffffffff, "-1.7976931348623157e+308"},
        {0x4340000000000000, "9007199254740992"},
        {0xc340000000000000, "-9007199254740992"},
        {0x4430000000000000, "295147905179352830000"},
        {0x44b52d02c7e14af5, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6, "1e+23"},
        {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4e, "999999999999999700000"},
        {0x444b1ae4d6e2ef4f, "999999999999999900000"},
        {0x444b1ae4d6e2ef50, "1e+21"},
        {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8d, "0.000001"},
        {0x41b3de4355555553, "333333333.3333332"},
        {0x41b3de4355555554, "333333333.33333325"},
        {0x41b3de4355555555, "333333333.3333333"},
        {0x41b3de4355555556, "333333333.3333334"},
        {0x41b3de4355555557, "333333333.33333343"},
        {0xbecbf647612f3696, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959, "1424953923781206.2"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        char out[32];
        size_t len = hc_jcs_number(s_bits(table[i].bits), out, sizeof out);
        cr_expect_str_eq(out, table[i].text, "bits %016llx", (unsigned long long)table[i].bits);
        cr_expect_eq(len, strlen(table[i].text));
        s_expect(json_real(s_bits(table[i].bits)), table[i].text);
    }
}

/* The table's NaN and Infinity rows are errors. */
Test(jcs, non_finite_numbers_refused)
{
    char out[32] = "untouched";
    cr_expect_eq(hc_jcs_number(s_bits(0x7fffffffffffffff), out, sizeof out), 0);
    cr_expect_eq(hc_jcs_number(s_bits(0x7ff0000000000000), out, sizeof out), 0);
    cr_expect_eq(hc_jcs_number(-INFINITY, out, sizeof out), 0);
    cr_expect_str_eq(out, "untouched");
    cr_expect_eq(hc_jcs_number(1.5, out, 16), 0, "too small a buffer is refused");
}

Test(jcs, number_forms)
{
    s_expect(json_real(2.0), "2");
    s_expect(json_real(-0.0), "0");
    s_expect(json_real(1e21), "1e+21");
    s_expect(json_real(1e20), "100000000000000000000");
    s_expect(json_real(1e-7), "1e-7");
    s_expect(json_real(1.5e-7), "1.5e-7");
    s_expect(json_real(0.1), "0.1");
    s_expect(json_real(144.4), "144.4");
    s_expect(json_real(-123.456), "-123.456");
    s_expect(json_real(5e-324), "5e-324");
    s_expect(json_integer(0), "0");
    s_expect(json_integer(-42), "-42");
    s_expect(json_integer(9007199254740993LL), "9007199254740993");
}

/* RFC 8785 3.2.2: the sample object and its canonical form. */
Test(jcs, rfc8785_sample_object)
{
    s_expect_text("{\n"
                  "  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, "
                  "0.000000000000000000000000001],\n"
                  "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
                  "  \"literals\": [null, true, false]\n"
                  "}",
                  "{\"literals\":[null,true,false],"
                  "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                  "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

/* RFC 8785 3.2.3: members sorted by UTF-16 code units, so the emoji
   (D83D DE00) comes before U+FB33 although its code point is larger. */
Test(jcs, rfc8785_sorting_example)
{
    s_expect_text("{\n"
                  "  \"\\u20ac\": \"Euro Sign\",\n"
                  "  \"\\r\": \"Carriage Return\",\n"
                  "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
                  "  \"1\": \"One\",\n"
                  "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
                  "  \"\\u0080\": \"Control\",\n"
                  "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
                  "}",
                  "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
                  "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
                  "\"\xe2\x82\xac\":\"Euro Sign\","
                  "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
                  "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

/* The JCS reference test data's weird.json: DEL and "</script>" stay raw. */
Test(jcs, reference_weird_names)
{
    s_expect_text("{\"\\u20ac\": \"Euro Sign\", \"1\": \"One\", \"\\u0080\": \"Control\\u007f\","
                  " \"\\ud83d\\ude02\": \"Smiley\", \"\\u00f6\": \"Latin Small Letter O With "
                  "Diaeresis\", \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\","
                  " \"</script>\": \"Browser Challenge\"}",
                  "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\xc2\x80\":\"Control\x7f\","
                  "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro "
                  "Sign\",\"\xf0\x9f\x98\x82\":\"Smiley\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet "
                  "With Dagesh\"}");
}

/* Every control character below U+0020 takes its short escape or \u00xx
   in lower-case hex; NUL inside a string is \u0000. */
Test(jcs, string_escapes)
{
    char raw[32];
    for (int c = 0; c < 32; c++)
        raw[c] = (char)c;
    s_expect(json_stringn(raw, 32),
             "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
             "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
             "\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"");
    s_expect(json_string("a/b \"q\" \\ \x7f \xe2\x80\xa8 \xc3\xa9"),
             "\"a/b \\\"q\\\" \\\\ \x7f \xe2\x80\xa8 \xc3\xa9\"");
    s_expect(json_string(""), "\"\"");
}

Test(jcs, nested_structures_sorted_arrays_kept)
{
    s_expect_text("{\"b\": {\"z\": 1, \"a\": [3, 1, {\"y\": true, \"x\": null}]}, \"a\": 0, "
                  "\"ab\": 1, \"\": 2, \"A\": []  , \"e\": {}}",
                  "{\"\":2,\"A\":[],\"a\":0,\"ab\":1,\"b\":{\"a\":[3,1,{\"x\":null,\"y\":true}],"
                  "\"z\":1},\"e\":{}}");
    s_expect(json_array(), "[]");
    s_expect(json_null(), "null");
    s_expect(json_false(), "false");
}

/* Characters above U+FFFF sort by their high surrogate: after U+D7FF and
   before U+E000, whatever their code point. */
Test(jcs, supplementary_names_sort_as_surrogates)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "\xee\x80\x80", json_integer(3));     /* U+E000 */
    json_object_set_new(obj, "\xf4\x8f\xbf\xbf", json_integer(2)); /* U+10FFFF */
    json_object_set_new(obj, "\xf0\x90\x80\x80", json_integer(1)); /* U+10000 */
    json_object_set_new(obj, "\xed\x9f\xbf", json_integer(0));     /* U+D7FF */
    s_expect(obj, "{\"\xed\x9f\xbf\":0,\"\xf0\x90\x80\x80\":1,\"\xf4\x8f\xbf\xbf\":2,"
                  "\"\xee\x80\x80\":3}");
}

Test(jcs, invalid_utf8_refused_with_path)
{
    hc_error err = {0};
    json_t *doc = json_pack("{s:{s:[i,o]}}", "credentialSubject", "names", 1,
                            json_stringn_nocheck("bad\xff", 4));
    cr_assert_null(hc_jcs_dump(doc, &err));
    cr_expect_eq(err.code, HC_INVALID_ARGUMENT);
    cr_expect_str_eq(err.field, "credentialSubject.names[1]");
    cr_expect(strstr(err.message, "UTF-8") != NULL, "%s", err.message);
    json_decref(doc);

    hc_error_clear(&err);
    json_t *obj = json_object();
    json_object_setn_new_nocheck(obj, "\xc0\xaf", 2, json_true()); /* overlong '/' */
    cr_assert_null(hc_jcs_dump(obj, &err));
    cr_expect_eq(err.code, HC_INVALID_ARGUMENT);
    json_decref(obj);
}

Test(jcs, null_value_refused)
{
    hc_error err = {0};
    cr_expect_null(hc_jcs_dump(NULL, &err));
    cr_expect_eq(err.code, HC_INVALID_ARGUMENT);
    cr_expect_null(hc_jcs_dump(NULL, NULL), "err may be NULL");
}

/* Too deep a value, and a value that contains itself, are refused rather
   than recursing without end. */
Test(jcs, depth_limit_and_cycles)
{
    json_t *deep = json_array();
    for (int i = 0; i < HC_JCS_MAX_DEPTH + 5; i++)
        deep = json_pack("[o]", deep);
    hc_error err = {0};
    cr_expect_null(hc_jcs_dump(deep, &err));
    cr_expect_eq(err.code, HC_INVALID_ARGUMENT);
    json_decref(deep);

    json_t *shallow = json_array();
    for (int i = 0; i < 100; i++)
        shallow = json_pack("{so}", "k", shallow);
    char *text = s_dump(shallow);
    cr_expect_eq(strlen(text), 100 * strlen("{\"k\":}") + 2);
    free(text);

    json_t *outer = json_array(); /* outer holds inner holds outer */
    json_t *inner = json_array();
    cr_assert_eq(json_array_append(outer, inner), 0);
    cr_assert_eq(json_array_append(inner, outer), 0);
    cr_expect_null(hc_jcs_dump(outer, &err));
    cr_expect_eq(err.code, HC_INVALID_ARGUMENT);
    json_array_clear(inner);
    json_decref(inner);
    json_decref(outer);
}
