/* Tests for hc_utf8: sequence lengths, rejected forms, valid prefixes. */
#include "hc_utf8.h"
#include <criterion/criterion.h>
#include <string.h>

Test(utf8, sequence_lengths)
{
    cr_assert_eq(hc_utf8_seq("a", 1), 1);
    cr_assert_eq(hc_utf8_seq("\xC3\xA9", 2), 2);
    cr_assert_eq(hc_utf8_seq("\xE6\x97\xA5", 3), 3);
    cr_assert_eq(hc_utf8_seq("\xF0\x9F\x98\x80", 4), 4);
    cr_assert_eq(hc_utf8_seq("\xF4\x8F\xBF\xBF", 4), 4); /* U+10FFFF */
    cr_assert_eq(hc_utf8_seq("", 0), 0);
}

Test(utf8, rejected_forms)
{
    cr_assert_eq(hc_utf8_seq("\x80", 1), 0);             /* lone continuation */
    cr_assert_eq(hc_utf8_seq("\xC3", 1), 0);             /* truncated */
    cr_assert_eq(hc_utf8_seq("\xC3(", 2), 0);            /* bad continuation */
    cr_assert_eq(hc_utf8_seq("\xC1\xBF", 2), 0);         /* overlong */
    cr_assert_eq(hc_utf8_seq("\xE0\x9F\xBF", 3), 0);     /* overlong */
    cr_assert_eq(hc_utf8_seq("\xED\xA0\x80", 3), 0);     /* surrogate */
    cr_assert_eq(hc_utf8_seq("\xF0\x8F\xBF\xBF", 4), 0); /* overlong */
    cr_assert_eq(hc_utf8_seq("\xF4\x90\x80\x80", 4), 0); /* above U+10FFFF */
    cr_assert_eq(hc_utf8_seq("\xF5\x80\x80\x80", 4), 0);
    cr_assert_eq(hc_utf8_seq("\xFF", 1), 0);
}

Test(utf8, valid_and_prefix)
{
    const char *text = "ok \xC3\xA9\xE6\x97";
    cr_assert(hc_utf8_valid("plain", 5));
    cr_assert(hc_utf8_valid("", 0));
    cr_assert(hc_utf8_valid("a\0b", 3));
    cr_assert_not(hc_utf8_valid(text, strlen(text)));
    cr_assert_eq(hc_utf8_valid_prefix(text, strlen(text)), 5);
    cr_assert_eq(hc_utf8_valid_prefix("\xFF"
                                      "abc",
                                      4),
                 0);
}
