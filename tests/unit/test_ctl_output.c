/* test_ctl_output: hcapctl's printing of replies as tables, key: value
   lines, CSV and JSON, from the JSON form of a reply. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "../../tools/ctl.h"
#include "reporting.pb-c.h"

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

/* --- reports --- */

static char *s_report(const ProtobufCMessage *msg, ctl_format format)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    ctl_print_report(out, msg, format);
    fclose(out);
    return text;
}

static Hcap__OutcomeRow s_row(const char *group, const char *label, int participants, int completed)
{
    Hcap__OutcomeRow row = HCAP__OUTCOME_ROW__INIT;
    row.group = (char *)group;
    row.label = (char *)label;
    row.has_participants = participants >= 0;
    row.participants = participants >= 0 ? (uint32_t)participants : 0;
    row.has_completed = completed >= 0;
    row.completed = completed >= 0 ? (uint32_t)completed : 0;
    row.has_credentials = row.has_apprentices = row.has_apprentices_completed = true;
    row.has_placements = true;
    row.has_suppressed = participants < 0 || completed < 0;
    row.suppressed = row.has_suppressed;
    return row;
}

static Hcap__OutcomesReport s_outcomes(Hcap__OutcomeRow *rows, Hcap__OutcomeRow **items,
                                       Hcap__OutcomeRow *total)
{
    rows[0] = s_row("emp_1", "Asian Health Services", 41, 12);
    rows[1] = s_row("emp_2", "Clínica Monseñor Oscar A. Romero", -1, 0);
    *total = s_row("total", NULL, 58, -1);
    items[0] = &rows[0];
    items[1] = &rows[1];
    Hcap__OutcomesReport report = HCAP__OUTCOMES_REPORT__INIT;
    report.by = HCAP__DIMENSION__DIMENSION_EMPLOYER;
    report.from = "2025-01-01";
    report.n_rows = 2;
    report.rows = items;
    report.total = total;
    return report;
}

/* Table: the report's own fields as lines, then rows and the total row
   as aligned columns, a suppressed (absent) count as "-". */
Test(ctl_output, report_table_aligns_rows_and_total_with_dashes_for_nulls)
{
    Hcap__OutcomeRow rows[2], *items[2], total;
    Hcap__OutcomesReport report = s_outcomes(rows, items, &total);
    char *text = s_report(&report.base, CTL_FORMAT_TABLE);
    cr_assert_str_eq(text,
                     "by:   employer\n"
                     "from: 2025-01-01\n"
                     "to:   -\n"
                     "\n"
                     "group  label                             participants  completed  "
                     "credentials  apprentices  apprentices_completed  placements  suppressed\n"
                     "emp_1  Asian Health Services             41            12         0        "
                     "    0            0                      0           -\n"
                     "emp_2  Clínica Monseñor Oscar A. Romero  -             0          0        "
                     "    0            0                      0           true\n"
                     "total  -                                 58            -          0        "
                     "    0            0                      0           true\n");
    free(text);
}

/* CSV is the gateway's: empty cells for nulls, the total last, CRLF. */
Test(ctl_output, report_csv_is_the_http_csv)
{
    Hcap__OutcomeRow rows[2], *items[2], total;
    Hcap__OutcomesReport report = s_outcomes(rows, items, &total);
    char *text = s_report(&report.base, CTL_FORMAT_CSV);
    cr_assert_str_eq(text, "group,label,participants,completed,credentials,apprentices,"
                           "apprentices_completed,placements,suppressed\r\n"
                           "emp_1,Asian Health Services,41,12,0,0,0,0,\r\n"
                           "emp_2,Clínica Monseñor Oscar A. Romero,,0,0,0,0,0,true\r\n"
                           "total,,58,,0,0,0,0,true\r\n");
    free(text);
    json_t *back = NULL;
    text = s_report(&report.base, CTL_FORMAT_JSON);
    back = json_loads(text, 0, NULL);
    cr_assert_not_null(back, "%s", text);
    cr_assert(json_is_null(json_object_get(json_array_get(json_object_get(back, "rows"), 1),
                                           "participants")),
              "%s", text);
    cr_assert_eq(
        json_integer_value(json_object_get(json_object_get(back, "total"), "participants")), 58);
    json_decref(back);
    free(text);
}

/* A report without rows is `key: value` lines, "-" for what is hidden. */
Test(ctl_output, report_without_rows_is_key_value_lines)
{
    Hcap__ApprenticeshipReport report = HCAP__APPRENTICESHIP_REPORT__INIT;
    report.has_registered = report.has_active = true;
    report.registered = 10;
    report.active = 4;
    report.has_completion_rate = true;
    report.completion_rate = 20;
    report.has_suppressed = true;
    report.suppressed = true;
    report.program_code = "CHW-APP";
    char *text = s_report(&report.base, CTL_FORMAT_TABLE);
    cr_assert_str_eq(text, "registered:      10\n"
                           "active:          4\n"
                           "suspended:       -\n"
                           "completed:       -\n"
                           "cancelled:       -\n"
                           "completion_rate: 20\n"
                           "placement_rate:  -\n"
                           "placed:          -\n"
                           "suppressed:      true\n"
                           "program_code:    CHW-APP\n"
                           "from:            -\n"
                           "to:              -\n");
    free(text);
    text = s_report(&report.base, CTL_FORMAT_CSV);
    cr_assert_str_eq(text, "registered,active,suspended,completed,cancelled,completion_rate,"
                           "placement_rate,placed,suppressed,program_code,from,to\r\n"
                           "10,4,,,,20,,,true,CHW-APP,,\r\n");
    free(text);
}

Test(ctl_output, columns_show_absent_values_as_a_dash_and_join_lists)
{
    json_t *rows = json_loads("[{\"id\": 7, \"service\": \"reporting\", \"reason\": null, "
                              "\"parts\": [\"a\", \"b\"]}, {\"id\": 8}]",
                              0, NULL);
    cr_assert_not_null(rows);
    const char *columns[] = {"id", "service", "reason", "parts"};
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    ctl_print_columns(out, rows, columns, 4);
    fclose(out);
    cr_assert_str_eq(text, "id  service    reason  parts\n"
                           "7   reporting  -       a,b\n"
                           "8   -          -       -\n");
    free(text);
    json_decref(rows);
}
