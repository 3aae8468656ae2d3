/* POST /v1/imports/workers on a real node: created/updated/unchanged on
   re-import, RFC 4180 quoting, CRLF and BOM, race_ethnicity joined by ';',
   rejected lines (422, nothing written), dry runs and a 3,000-row roster. */
#include "ht.h"

#include <stdlib.h>
#include <string.h>

HT_SHARED_NODE(false)

#define NODE ht_shared()

#define S_HEADER "external_id,given_name,family_name,employment_status,race_ethnicity,job_title\n"

/* POSTs csv as text/csv (path may carry ?dry_run=true); returns the status
   and sets *report to the parsed reply. */
static int s_import(const char *path, const char *csv, json_t **report)
{
    ht_req req = {.method = "POST",
                  .path = path,
                  .token = NODE->token,
                  .content_type = "text/csv",
                  .body = csv,
                  .body_len = strlen(csv),
                  .timeout_ms = 120000};
    ht_resp resp;
    int status = ht_http(NODE, &req, &resp);
    *report = resp.json;
    resp.json = NULL;
    ht_resp_free(&resp);
    return status;
}

static void s_assert_report(json_t *report, int rows, int created, int updated, int unchanged)
{
    cr_assert_eq(ht_jint(report, "rows"), rows, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "created"), created, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "updated"), updated, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "unchanged"), unchanged, "%s", ht_jtext(report));
    cr_assert_eq(ht_jlen(report, "rejected"), 0, "%s", ht_jtext(report));
}

/* The one worker whose external_id is ext (a new reference). */
static json_t *s_worker(const char *ext)
{
    json_t *list = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", ext), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 1, "q=%s: %s", ext, ht_jtext(list));
    json_t *worker = json_incref(ht_jget(list, "items.0"));
    json_decref(list);
    return worker;
}

static size_t s_count(const char *q)
{
    json_t *all = ht_list_all(NODE, ht_fmt("/v1/workers?q=%s", q), 500, 20);
    size_t count = json_array_size(all);
    json_decref(all);
    return count;
}

Test(import, created_then_unchanged_then_updated)
{
    const char *tag = ht_uniq("Imp");
    const char *csv = ht_fmt(S_HEADER "%sa,Ana,%sruiz,incumbent,asian;white,CNA\n"
                                      "%sb,Bo,%schen,new_entrant,,Aide\n"
                                      "%sc,Cy,%sokoro,unemployed,black,\n",
                             tag, tag, tag, tag, tag, tag);
    json_t *report = NULL;
    cr_assert_eq(s_import("/v1/imports/workers", csv, &report), 200, "%s", ht_jtext(report));
    s_assert_report(report, 3, 3, 0, 0);
    json_decref(report);

    json_t *ana = s_worker(ht_fmt("%sa", tag));
    cr_assert_str_eq(ht_jstr(ana, "given_name"), "Ana");
    cr_assert_str_eq(ht_jstr(ana, "employment_status"), "incumbent");
    cr_assert_eq(ht_jlen(ana, "race_ethnicity"), 2, "%s", ht_jtext(ana));
    cr_assert_str_eq(ht_jstr(ana, "race_ethnicity.0"), "asian");
    cr_assert_str_eq(ht_jstr(ana, "race_ethnicity.1"), "white");
    cr_assert_str_eq(ht_jstr(ana, "job_title"), "CNA");
    json_t *bo = s_worker(ht_fmt("%sb", tag));
    cr_assert_eq(ht_jlen(bo, "race_ethnicity"), 0, "%s", ht_jtext(bo));

    int64_t head = ht_events_head(NODE->dir, "enrollment", 5000);
    cr_assert_eq(s_import("/v1/imports/workers", csv, &report), 200, "%s", ht_jtext(report));
    s_assert_report(report, 3, 0, 0, 3);
    json_decref(report);
    cr_assert_eq(ht_events_head(NODE->dir, "enrollment", 5000), head,
                 "an unchanged re-import wrote events");

    const char *changed = ht_fmt(S_HEADER "%sa,Ana,%sruiz,incumbent,asian;white,LVN\n"
                                          "%sb,Bo,%schen,new_entrant,,Aide\n"
                                          "%sc,Cy,%sokoro,unemployed,black,\n"
                                          "%sd,Di,%spark,incumbent,declined,RN\n",
                                 tag, tag, tag, tag, tag, tag, tag, tag);
    cr_assert_eq(s_import("/v1/imports/workers", changed, &report), 200, "%s", ht_jtext(report));
    s_assert_report(report, 4, 1, 1, 2);
    json_decref(report);
    json_t *ana2 = s_worker(ht_fmt("%sa", tag));
    cr_assert_str_eq(ht_jstr(ana2, "job_title"), "LVN");
    cr_assert_str_eq(ht_jstr(ana2, "id"), ht_jstr(ana, "id"), "the upsert made a new worker");
    cr_assert_eq(s_count(tag), 4);
    json_decref(ana2);
    json_decref(bo);
    json_decref(ana);
}

Test(import, quoting_crlf_and_bom)
{
    const char *tag = ht_uniq("Quo");
    const char *csv =
        ht_fmt("\xEF\xBB\xBF"
               "external_id,given_name,family_name,employment_status,race_ethnicity,job_title\r\n"
               "%sa,\"Mary, Jo\",\"O\"\"Neil\",incumbent,\"hispanic_latino;white\",\"Aide, "
               "nights\r\nand weekends\"\r\n"
               "%sb,Lin,Wu,incumbent,,plain\r\n",
               tag, tag);
    json_t *report = NULL;
    cr_assert_eq(s_import("/v1/imports/workers", csv, &report), 200, "%s", ht_jtext(report));
    s_assert_report(report, 2, 2, 0, 0);
    json_decref(report);
    json_t *mary = s_worker(ht_fmt("%sa", tag));
    cr_assert_str_eq(ht_jstr(mary, "external_id"), ht_fmt("%sa", tag),
                     "the BOM leaked into the first column: %s", ht_jtext(mary));
    cr_assert_str_eq(ht_jstr(mary, "given_name"), "Mary, Jo");
    cr_assert_str_eq(ht_jstr(mary, "family_name"), "O\"Neil");
    cr_assert_eq(ht_jlen(mary, "race_ethnicity"), 2, "%s", ht_jtext(mary));
    const char *title = ht_jstr(mary, "job_title");
    cr_assert(title && (strcmp(title, "Aide, nights\r\nand weekends") == 0 ||
                        strcmp(title, "Aide, nights\nand weekends") == 0),
              "job_title %s", ht_jtext(mary));
    json_t *lin = s_worker(ht_fmt("%sb", tag));
    cr_assert_str_eq(ht_jstr(lin, "job_title"), "plain", "CR left in the last field: %s",
                     ht_jtext(lin));
    json_decref(lin);
    json_decref(mary);
}

/* Asserts rejected holds an entry for line naming field. */
static void s_assert_rejected(json_t *report, int line, const char *field)
{
    json_t *rejected = ht_jget(report, "rejected");
    size_t i;
    json_t *item;
    json_array_foreach(rejected, i, item)
    {
        const char *got = ht_jstr(item, "field");
        if (ht_jint(item, "line") == line && got && strcmp(got, field) == 0) {
            cr_assert(ht_jstr(item, "message") && *ht_jstr(item, "message"));
            return;
        }
    }
    cr_assert_fail("no rejection of line %d field %s: %s", line, field, ht_jtext(report));
}

Test(import, bad_lines_are_all_listed_and_nothing_is_written)
{
    const char *tag = ht_uniq("Bad");
    int64_t head = ht_events_head(NODE->dir, "enrollment", 5000);
    /* line 1 header, 2-3 one quoted record over two lines, 4 good, 5 bad
       employment_status, 6 good, 7 missing family_name */
    const char *csv = ht_fmt(S_HEADER "%sa,Ana,%sruiz,incumbent,,\"two\nlines\"\n"
                                      "%sb,Bo,%schen,incumbent,,\n"
                                      "%sc,Cy,%slee,retired,,\n"
                                      "%sd,Di,%spark,incumbent,white,\n"
                                      "%se,%sed,,incumbent,,\n",
                             tag, tag, tag, tag, tag, tag, tag, tag, tag, tag);
    json_t *report = NULL;
    int status = s_import("/v1/imports/workers", csv, &report);
    cr_assert_eq(status, 422, "%s", ht_jtext(report));
    cr_assert_eq(ht_jlen(report, "rejected"), 2, "%s", ht_jtext(report));
    s_assert_rejected(report, 5, "employment_status");
    s_assert_rejected(report, 7, "family_name");
    json_decref(report);
    cr_assert_eq(s_count(tag), 0, "a rejected import wrote workers");
    cr_assert_eq(ht_events_head(NODE->dir, "enrollment", 5000), head,
                 "a rejected import wrote events");

    const char *enums = ht_fmt(S_HEADER "%sf,Fe,%sgil,incumbent,asian;martian,\n"
                                        "%sg,Gu,%sho,incumbent,,\n",
                               tag, tag, tag, tag);
    status = s_import("/v1/imports/workers", enums, &report);
    cr_assert_eq(status, 422, "%s", ht_jtext(report));
    cr_assert_eq(ht_jlen(report, "rejected"), 1, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "rejected.0.line"), 2, "%s", ht_jtext(report));
    cr_assert(strncmp(ht_jstr(report, "rejected.0.field"), "race_ethnicity", 14) == 0, "%s",
              ht_jtext(report));
    json_decref(report);
    cr_assert_eq(s_count(tag), 0);

    const char *refs = ht_fmt("external_id,given_name,family_name,employment_status,employer_id\n"
                              "%sh,Hu,%shu,incumbent,emp_00000000000000000000000000\n",
                              tag, tag);
    status = s_import("/v1/imports/workers", refs, &report);
    cr_assert_eq(status, 422, "%s", ht_jtext(report));
    s_assert_rejected(report, 2, "employer_id");
    json_decref(report);
    cr_assert_eq(s_count(tag), 0);
}

Test(import, dry_run_writes_nothing)
{
    const char *tag = ht_uniq("Dry");
    int64_t head = ht_events_head(NODE->dir, "enrollment", 5000);
    const char *csv = ht_fmt(S_HEADER "%sa,Ana,%sruiz,incumbent,,\n"
                                      "%sb,Bo,%schen,incumbent,,\n",
                             tag, tag, tag, tag);
    json_t *report = NULL;
    int status = s_import("/v1/imports/workers?dry_run=true", csv, &report);
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "rows"), 2, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "created"), 2, "a dry run reports what it would do: %s",
                 ht_jtext(report));
    json_decref(report);
    cr_assert_eq(s_count(tag), 0, "a dry run wrote workers");
    cr_assert_eq(ht_events_head(NODE->dir, "enrollment", 5000), head, "a dry run wrote events");

    const char *bad = ht_fmt(S_HEADER "%sc,Cy,,incumbent,,\n", tag);
    status = s_import("/v1/imports/workers?dry_run=true", bad, &report);
    cr_assert_eq(status, 422, "%s", ht_jtext(report));
    s_assert_rejected(report, 2, "family_name");
    json_decref(report);

    status = s_import("/v1/imports/workers", csv, &report);
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    s_assert_report(report, 2, 2, 0, 0);
    json_decref(report);
    cr_assert_eq(s_count(tag), 2);
}

Test(import, roster_of_3000_rows)
{
    const char *tag = ht_uniq("Big");
    const char *races[] = {"asian", "black", "white;hispanic_latino", "", "declined"};
    const char *statuses[] = {"incumbent", "new_entrant", "unemployed"};
    size_t cap = 3000 * 96 + 256, len = 0;
    char *csv = malloc(cap);
    len += (size_t)snprintf(csv, cap, S_HEADER);
    for (int i = 0; i < 3000; i++)
        len += (size_t)snprintf(csv + len, cap - len, "%s%05d,Given%d,%sfam%d,%s,%s,Title %d\n",
                                tag, i, i, tag, i, statuses[i % 3], races[i % 5], i % 7);
    int64_t head = ht_events_head(NODE->dir, "enrollment", 5000);
    json_t *report = NULL;
    int64_t started = ht_now_ms();
    int status = s_import("/v1/imports/workers", csv, &report);
    int64_t took = ht_now_ms() - started;
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    s_assert_report(report, 3000, 3000, 0, 0);
    json_decref(report);
    cr_log_info("3000-row import took %ld ms", (long)took);

    ht_events log;
    cr_assert_eq(ht_events_fetch(NODE->dir, "enrollment", &log, 10000), 0);
    cr_assert(ht_events_gapless(&log));
    size_t registered = 0;
    for (size_t i = (size_t)head; i < log.count; i++)
        registered += strstr(log.items[i].type, "worker_registered") != NULL;
    cr_assert_eq(registered, 3000, "registered events after the import: %zu", registered);
    ht_events_free(&log);
    cr_assert_eq(s_count(tag), 3000);
    json_t *one = s_worker(ht_fmt("%s%05d", tag, 2999));
    cr_assert_str_eq(ht_jstr(one, "given_name"), "Given2999");
    cr_assert_str_eq(ht_jstr(one, "employment_status"), statuses[2999 % 3]);
    json_decref(one);

    status = s_import("/v1/imports/workers", csv, &report);
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    s_assert_report(report, 3000, 0, 0, 3000);
    json_decref(report);
    free(csv);
}
