/* test_ctl_output: hcapctl's printing of replies as tables, key: value
   lines, CSV and JSON, from the JSON form of a reply. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "../../tools/ctl.h"

/* Prints reply in format into a string (malloc'd). */
static char *s_print(const char *reply_json, const char *empty_json, ctl_format format)
{
    json_t *reply = json_loads(reply_json, 0, NULL);
    json_t *empty = empty_json ? json_loads(empty_json, 0, NULL) : NULL;
    cr_assert(reply);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    ctl_print(out, reply, empty, format);
    fclose(out);
    json_decref(reply);
    json_decref(empty);
    return text;
}

static const char *s_list = "{\"items\": ["
                            "{\"id\": \"wkr_1\", \"given_name\": \"Ana\", \"email\": null, "
                            "\"race_ethnicity\": [\"asian\", \"white\"], \"wage\": 2500},"
                            "{\"id\": \"wkr_22\", \"given_name\": \"Nguyễn Thị\", \"email\": null, "
                            "\"race_ethnicity\": [], \"wage\": null}"
                            "], \"next\": null}";

Test(ctl_output, list_table_aligns_columns_and_leaves_out_empty_ones)
{
    char *text = s_print(s_list, NULL, CTL_FORMAT_TABLE);
    cr_assert_str_eq(text, "id      given_name  race_ethnicity  wage\n"
                           "wkr_1   Ana         asian,white     2500\n"
                           "wkr_22  Nguyễn Thị\n");
    free(text);
}

Test(ctl_output, list_csv_has_a_header_and_quotes_lists)
{
    char *text = s_print(s_list, NULL, CTL_FORMAT_CSV);
    cr_assert_str_eq(text, "id,given_name,email,race_ethnicity,wage\r\n"
                           "wkr_1,Ana,,\"asian,white\",2500\r\n"
                           "wkr_22,Nguyễn Thị,,,\r\n");
    free(text);
}

Test(ctl_output, empty_list_csv_takes_its_header_from_the_empty_item)
{
    char *text = s_print("{\"items\": [], \"next\": null}", "{\"id\": null, \"name\": null}",
                         CTL_FORMAT_CSV);
    cr_assert_str_eq(text, "id,name\r\n");
    free(text);
}

Test(ctl_output, object_table_is_aligned_key_value_lines_with_nested_parts)
{
    char *text = s_print("{\"status\": \"ok\", \"note\": null, \"services\": ["
                         "{\"name\": \"enrollment\", \"instances\": 2}], \"tags\": []}",
                         NULL, CTL_FORMAT_TABLE);
    cr_assert_str_eq(text, "status:   ok\n"
                           "services:\n"
                           "  name        instances\n"
                           "  enrollment  2\n"
                           "tags:     -\n");
    free(text);
}

Test(ctl_output, json_is_the_reply_itself)
{
    char *text = s_print(s_list, NULL, CTL_FORMAT_JSON);
    json_t *back = json_loads(text, 0, NULL);
    json_t *want = json_loads(s_list, 0, NULL);
    cr_assert(back && json_equal(back, want), "%s", text);
    json_decref(back);
    json_decref(want);
    free(text);
}

Test(ctl_output, format_names_parse)
{
    ctl_format format;
    cr_assert_eq(ctl_format_parse("csv", &format), 0);
    cr_assert_eq(format, CTL_FORMAT_CSV);
    cr_assert_eq(ctl_format_parse("json", &format), 0);
    cr_assert_eq(format, CTL_FORMAT_JSON);
    cr_assert_eq(ctl_format_parse("table", &format), 0);
    cr_assert_eq(format, CTL_FORMAT_TABLE);
    cr_assert_eq(ctl_format_parse("yaml", &format), -1);
}
