/* Tests for the gateway's HTTP <-> protobuf codec: building a method's
   input from body, query and path (and every way that fails), rendering
   replies and errors, CSV output, UTF-8 checks and the profile table. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "apprenticeship.pb-c.h"
#include "credentialing.pb-c.h"
#include "enrollment.pb-c.h"
#include "gateway.pb-c.h"
#include "gateway_codec.h"
#include "gateway_fanout.h"
#include "hc_msg.h"
#include "reporting.pb-c.h"

static hc_arena *s_arena;

static void s_setup(void)
{
    s_arena = hc_arena_new();
}

static void s_teardown(void)
{
    hc_arena_destroy(&s_arena);
}

TestSuite(gateway_codec, .init = s_setup, .fini = s_teardown, .timeout = 30);

/* Builds the input of the route matched by method+path from body and query. */
static int s_build(const char *method, const char *path, const char *body, const gw_param *query,
                   size_t n_query, ProtobufCMessage **out, hc_error *err)
{
    gw_match match;
    cr_assert_eq(gw_route_match(method, path, &match), GW_MATCH_OK, "%s %s", method, path);
    uint8_t *packed = NULL;
    size_t size = 0;
    int code = gw_codec_request(match.route, &match, body, body ? strlen(body) : 0, query, n_query,
                                s_arena, &packed, &size, err);
    if (code == HC_OK) {
        const ProtobufCMethodDescriptor *rpc =
            gw_route_rpc(match.route->service, match.route->method);
        *out = hc_msg_unpack(rpc->input, packed, size, s_arena);
        cr_assert_not_null(*out, "the packed input decodes");
    }
    return code;
}

Test(gateway_codec, body_query_and_path_fill_the_input)
{
    ProtobufCMessage *msg;
    hc_error err;
    gw_param query[] = {{"format", "json"}};
    cr_assert_eq(s_build("POST", "/v1/workers/wkr_7/employment",
                         "{\"kind\":\"placement\",\"effective_date\":\"2026-02-01\","
                         "\"hourly_wage_cents\":2150,\"id\":\"ignored\"}",
                         query, 1, &msg, &err),
                 HC_OK, "%s: %s", err.field, err.message);
    Hcap__RecordEmploymentRequest *req = (Hcap__RecordEmploymentRequest *)msg;
    cr_assert_str_eq(req->id, "wkr_7", "the path wins over the body");
    cr_assert_eq(req->kind, HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT);
    cr_assert_eq(req->hourly_wage_cents, 2150);

    gw_param list[] = {{"q", "an"}, {"employer_id", "emp_1"}, {"limit", "20"}};
    cr_assert_eq(s_build("GET", "/v1/workers", NULL, list, 3, &msg, &err), HC_OK, "%s",
                 err.message);
    Hcap__ListWorkersRequest *lw = (Hcap__ListWorkersRequest *)msg;
    cr_assert_str_eq(lw->q, "an");
    cr_assert_str_eq(lw->employer_id, "emp_1");
    cr_assert(lw->has_limit);
    cr_assert_eq(lw->limit, 20);

    cr_assert_eq(s_build("GET", "/v1/workers/wkr_1/employment", "  \r\n", NULL, 0, &msg, &err),
                 HC_OK, "a blank body is an empty object");
    cr_assert_str_eq(((Hcap__ListByWorkerRequest *)msg)->worker_id, "wkr_1");
}

Test(gateway_codec, raw_csv_body_goes_to_field_csv)
{
    ProtobufCMessage *msg;
    hc_error err;
    gw_param query[] = {{"dry_run", "true"}};
    const char *csv = "given_name,family_name\n\"Ana, Maria\",Ruiz\n";
    cr_assert_eq(s_build("POST", "/v1/imports/workers", csv, query, 1, &msg, &err), HC_OK, "%s",
                 err.message);
    Hcap__ImportWorkersRequest *req = (Hcap__ImportWorkersRequest *)msg;
    cr_assert_str_eq(req->csv, csv);
    cr_assert(req->has_dry_run && req->dry_run);
    cr_assert_eq(s_build("POST", "/v1/imports/workers", "a,b\n\xc3\x28\n", NULL, 0, &msg, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "csv");
}

Test(gateway_codec, building_errors_name_what_is_wrong)
{
    ProtobufCMessage *msg;
    hc_error err;
    cr_assert_eq(s_build("POST", "/v1/workers", "{\"given_name\":", NULL, 0, &msg, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_eq(strncmp(err.message, "malformed JSON: ", 16), 0, "%s", err.message);
    cr_assert_str_eq(err.field, "");

    cr_assert_eq(s_build("POST", "/v1/workers", "\"text\"", NULL, 0, &msg, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_eq(s_build("POST", "/v1/workers", "[]", NULL, 0, &msg, &err), HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.message, "the request body must be a JSON object");
    cr_assert_eq(s_build("POST", "/v1/workers", "{\"a\":1,\"a\":2}", NULL, 0, &msg, &err),
                 HC_INVALID_ARGUMENT, "duplicate keys are refused");

    gw_param unknown[] = {{"colour", "red"}};
    cr_assert_eq(s_build("GET", "/v1/workers", NULL, unknown, 1, &msg, &err), HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "colour");
    cr_assert_str_eq(err.message, "unknown query parameter colour");

    gw_param bad_number[] = {{"limit", "many"}};
    cr_assert_eq(s_build("GET", "/v1/workers", NULL, bad_number, 1, &msg, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "limit");

    gw_param bad_utf8[] = {{"q", "\xff"}};
    cr_assert_eq(s_build("GET", "/v1/workers", NULL, bad_utf8, 1, &msg, &err), HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "q");

    cr_assert_eq(s_build("GET", "/v1/workers/\xc3\x28", NULL, NULL, 0, &msg, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "id");

    cr_assert_eq(s_build("POST", "/v1/workers",
                         "{\"given_name\":\"A\",\"family_name\":\"B\",\"employment_status\":\"x\"}",
                         NULL, 0, &msg, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "employment_status");
    cr_assert_eq(s_build("POST", "/v1/workers", "{\"given_name\":\"A\"}", NULL, 0, &msg, &err),
                 HC_INVALID_ARGUMENT, "a missing required field");
    cr_assert_eq(s_build("POST", "/v1/workers",
                         "{\"given_name\":\"A\",\"family_name\":\"B\",\"employment_status\":"
                         "\"incumbent\",\"hourly_wage_cents\":99999999999999999999}",
                         NULL, 0, &msg, &err),
                 HC_INVALID_ARGUMENT, "an integer jansson cannot hold");
    cr_assert_eq(
        s_build("POST", "/v1/workers", "{\"given_name\":\"a\\u0000b\"}", NULL, 0, &msg, &err),
        HC_INVALID_ARGUMENT, "NUL inside a string");
    gw_param nameless[] = {{NULL, "x"}};
    cr_assert_eq(s_build("GET", "/v1/workers", NULL, nameless, 1, &msg, &err), HC_INVALID_ARGUMENT);
}

/* A reply carrying msg packed, as the broker would hand it over. */
static hc_broker_reply s_ok(const ProtobufCMessage *msg)
{
    hc_broker_reply reply = {.code = HC_OK};
    reply.body = hc_msg_pack(msg, s_arena, &reply.size);
    return reply;
}

static json_t *s_json(const gw_http_reply *out)
{
    json_error_t jerr;
    json_t *json = json_loadb(out->body, out->size, 0, &jerr);
    cr_assert_not_null(json, "not JSON: %.*s", (int)out->size, out->body);
    return json;
}

Test(gateway_codec, reply_status_follows_the_route)
{
    gw_match match;
    gw_route_match("POST", "/v1/workers", &match);
    Hcap__Worker worker = HCAP__WORKER__INIT;
    worker.id = "wkr_1";
    worker.given_name = "Zoë";
    hc_broker_reply reply = s_ok(&worker.base);
    gw_http_reply out;
    gw_codec_reply(match.route, &reply, false, &out);
    cr_assert_eq(out.status, 201);
    cr_assert_str_eq(out.content_type, "application/json; charset=utf-8");
    json_t *json = s_json(&out);
    cr_assert_str_eq(json_string_value(json_object_get(json, "given_name")), "Zoë");
    cr_assert(json_is_null(json_object_get(json, "email")));
    json_decref(json);
    gw_http_reply_clear(&out);

    gw_route_match("GET", "/v1/workers/wkr_1", &match);
    gw_codec_reply(match.route, &reply, false, &out);
    cr_assert_eq(out.status, 200);
    gw_http_reply_clear(&out);

    gw_route_match("POST", "/v1/imports/workers", &match);
    Hcap__ImportReport report = HCAP__IMPORT_REPORT__INIT;
    reply = s_ok(&report.base);
    gw_codec_reply(match.route, &reply, false, &out);
    cr_assert_eq(out.status, 200, "an import with no rejections");
    gw_http_reply_clear(&out);
    Hcap__ImportRejection rejection = HCAP__IMPORT_REJECTION__INIT;
    Hcap__ImportRejection *rejections[] = {&rejection};
    rejection.line = 3;
    rejection.message = "bad";
    report.n_rejected = 1;
    report.rejected = rejections;
    reply = s_ok(&report.base);
    gw_codec_reply(match.route, &reply, false, &out);
    cr_assert_eq(out.status, 422);
    gw_http_reply_clear(&out);

    gw_route_match("GET", "/healthz", &match);
    Hcap__HealthReply health = HCAP__HEALTH_REPLY__INIT;
    health.status = "degraded";
    reply = s_ok(&health.base);
    gw_codec_reply(match.route, &reply, false, &out);
    cr_assert_eq(out.status, 503);
    gw_http_reply_clear(&out);
    health.status = "ok";
    reply = s_ok(&health.base);
    gw_codec_reply(match.route, &reply, false, &out);
    cr_assert_eq(out.status, 200);
    gw_http_reply_clear(&out);
}

Test(gateway_codec, errors_render_code_message_and_field)
{
    gw_match match;
    gw_route_match("POST", "/v1/enrollments", &match);
    hc_broker_reply reply = {.code = HC_NOT_FOUND, .field = "cohort_id", .message = "no cohort c"};
    gw_http_reply out;
    gw_codec_reply(match.route, &reply, false, &out);
    cr_assert_eq(out.status, 404);
    cr_assert_str_eq(out.body, "{\"error\":{\"code\":\"not_found\",\"message\":\"no cohort c\","
                               "\"field\":\"cohort_id\"}}");
    gw_http_reply_clear(&out);
    gw_codec_error(HC_FAILED_PRECONDITION, "", "illegal", &out);
    cr_assert_eq(out.status, 409);
    cr_assert_str_eq(out.body, "{\"error\":{\"code\":\"failed_precondition\",\"message\":"
                               "\"illegal\",\"field\":null}}");
    gw_http_reply_clear(&out);
    gw_codec_error(HC_DEADLINE_EXCEEDED, NULL, NULL, &out);
    cr_assert_eq(out.status, 504);
    json_t *json = s_json(&out);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(json, "error"), "message")),
                     "deadline_exceeded", "a message is never empty");
    json_decref(json);
    gw_http_reply_clear(&out);
    gw_codec_error(HC_INVALID_ARGUMENT, "f", "bad \xff byte", &out);
    json = s_json(&out);
    json_decref(json);
    gw_http_reply_clear(&out);

    hc_broker_reply garbage = {.code = HC_OK, .body = (const uint8_t *)"\xff\xff\xff", .size = 3};
    gw_codec_reply(match.route, &garbage, false, &out);
    cr_assert_eq(out.status, 500, "a reply that does not decode");
    gw_http_reply_clear(&out);
}

Test(gateway_codec, csv_has_a_header_row_and_joins_arrays)
{
    Hcap__Worker a = HCAP__WORKER__INIT, b = HCAP__WORKER__INIT;
    a.id = "w1";
    a.given_name = "Ana, Maria";
    a.family_name = "=SUM(A1)";
    Hcap__RaceEthnicity races[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_ASIAN,
                                   HCAP__RACE_ETHNICITY__RACE_ETHNICITY_WHITE};
    a.n_race_ethnicity = 2;
    a.race_ethnicity = races;
    a.has_hourly_wage_cents = true;
    a.hourly_wage_cents = 2150;
    b.id = "w2";
    b.given_name = "Li \"Lee\"";
    Hcap__Worker *items[] = {&a, &b};
    Hcap__WorkerList list = HCAP__WORKER_LIST__INIT;
    list.n_items = 2;
    list.items = items;
    size_t size = 0;
    char *text = gw_codec_csv(&list.base, &size);
    cr_assert_not_null(text);
    cr_assert_eq(strlen(text), size);
    const char *header = "id,given_name,family_name,external_id,birth_date,email,phone,"
                         "preferred_language,race_ethnicity,gender,employer_id,job_title,"
                         "employment_status,hourly_wage_cents,hire_date,created_at,updated_at,"
                         "age_band\r\n";
    cr_assert_eq(strncmp(text, header, strlen(header)), 0, "%s", text);
    const char *rows = text + strlen(header);
    cr_assert_str_eq(rows, "w1,\"Ana, Maria\",'=SUM(A1),,,,,,asian;white,,,,,2150,,,,\r\n"
                           "w2,\"Li \"\"Lee\"\"\",,,,,,,,,,,,,,,,\r\n");
    free(text);

    list.n_items = 0;
    text = gw_codec_csv(&list.base, &size);
    cr_assert_str_eq(text, header, "an empty list still has its header");
    free(text);

    Hcap__Program program = HCAP__PROGRAM__INIT;
    program.id = "p";
    program.code = "C";
    program.name = "N";
    program.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_PRECEPTORSHIP;
    program.has_hours = true;
    program.hours = 12.5;
    text = gw_codec_csv(&program.base, &size);
    cr_assert_str_eq(text,
                     "id,code,name,kind,occupation,credential_code,hours,delivery,provider,"
                     "created_at\r\np,C,N,preceptorship,,,12.5,,,\r\n",
                     "a message without a list is one row");
    free(text);
}

Test(gateway_codec, utf8_validation)
{
    cr_assert(gw_codec_utf8_valid("", 0));
    cr_assert(gw_codec_utf8_valid("plain", 5));
    cr_assert(gw_codec_utf8_valid("Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80", 13));
    cr_assert_not(gw_codec_utf8_valid("a\0b", 3), "NUL");
    cr_assert_not(gw_codec_utf8_valid("\xc3", 1), "truncated");
    cr_assert_not(gw_codec_utf8_valid("\xc0\xaf", 2), "overlong");
    cr_assert_not(gw_codec_utf8_valid("\xed\xa0\x80", 3), "surrogate");
    cr_assert_not(gw_codec_utf8_valid("\xf4\x90\x80\x80", 4), "past U+10FFFF");
    cr_assert_not(gw_codec_utf8_valid("\xff", 1));
    cr_assert_not(gw_codec_utf8_valid("\x80", 1), "a lone continuation byte");
}

/* One part per owning service (DESIGN.md 9: the profile's p99 is its
   slowest part's, so each service is asked once). */
Test(gateway_codec, profile_table_matches_the_descriptors)
{
    char problem[256] = "";
    cr_assert(gw_fanout_check(problem, sizeof problem), "%s", problem);
    size_t parts = 0, required = 0;
    for (const gw_profile_part *part = gw_fanout_parts(); part->service; part++) {
        for (const gw_profile_part *other = gw_fanout_parts(); other != part; other++)
            cr_assert_str_neq(other->service, part->service, "%s asked twice", part->service);
        parts++;
        required += part->required;
    }
    cr_assert_eq(parts, 3);
    cr_assert_eq(required, 1, "only the worker's own record is required");
    const gw_profile_part *enrollment = &gw_fanout_parts()[0];
    cr_assert_str_eq(enrollment->service, "enrollment");
    cr_assert_str_eq(enrollment->method, "GetWorkerProfile");
    cr_assert_null(enrollment->into, "fills worker, employment, enrollments, tuition_claims");
    cr_assert(enrollment->required);
    const gw_profile_part *credentialing = &gw_fanout_parts()[1];
    cr_assert_str_eq(credentialing->service, "credentialing");
    cr_assert_str_eq(credentialing->method, "GetCredentialProfile");
    cr_assert_null(credentialing->into, "fills credentials and ladders");
    const gw_profile_part *apprenticeships = &gw_fanout_parts()[2];
    cr_assert_str_eq(apprenticeships->into, "apprenticeships");
    cr_assert_str_eq(apprenticeships->service, "apprenticeship");
    cr_assert_str_eq(apprenticeships->method, "ListApprentices");
    cr_assert_str_eq(apprenticeships->key, "worker_id");
    cr_assert_not(apprenticeships->required);
}

Test(gateway_codec, raw_json_route_sends_the_document_verbatim)
{
    gw_match match;
    cr_assert_eq(gw_route_match("GET", "/v1/credentials/crd_1/badge", &match), GW_MATCH_OK);
    Hcap__Badge badge = HCAP__BADGE__INIT;
    badge.document = "{\"b\": 1,  \"a\": \"\\u00e9\"}";
    hc_broker_reply reply = s_ok(&badge.base);
    gw_http_reply out;
    gw_codec_reply(match.route, &reply, false, &out);
    cr_assert_eq(out.status, 200);
    cr_assert_str_eq(out.content_type, GW_CONTENT_JSON);
    cr_assert_eq(out.size, strlen(badge.document));
    cr_assert_str_eq(out.body, badge.document, "spacing and escapes kept as signed");
    gw_http_reply_clear(&out);
    hc_broker_reply missing = {.code = HC_NOT_FOUND, .field = "id", .message = "no such"};
    gw_codec_reply(match.route, &missing, false, &out);
    cr_assert_eq(out.status, 404, "errors keep the error body");
    cr_assert(strstr(out.body, "\"not_found\""), "%s", out.body);
    gw_http_reply_clear(&out);
}

Test(gateway_codec, fractional_hours_print_as_written)
{
    gw_match match;
    gw_route_match("GET", "/v1/programs/prg_1", &match);
    Hcap__Program program = HCAP__PROGRAM__INIT;
    program.id = "prg_1";
    program.code = "CHW";
    program.name = "Community Health Worker";
    program.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING;
    program.has_hours = true;
    program.hours = 144.4;
    hc_broker_reply reply = s_ok(&program.base);
    gw_http_reply out;
    gw_codec_reply(match.route, &reply, false, &out);
    cr_assert(memmem(out.body, out.size, "\"hours\":144.4,", 14), "%.*s", (int)out.size,
              (const char *)out.body);
    gw_http_reply_clear(&out);
    size_t size;
    char *text = gw_codec_csv(&program.base, &size);
    cr_assert(strstr(text, ",144.4,"), "%s", text);
    free(text);
}

/* The RAPIDS export takes the list's filters and renders through the
   generic CSV codec: enum names, plain numbers, a header of its fields. */
Test(gateway_codec, rapids_export_from_the_list_filters_to_csv)
{
    gw_match match;
    cr_assert_eq(gw_route_match("GET", "/v1/apprentices", &match), GW_MATCH_OK);
    const gw_route *export = gw_route_find("apprenticeship", match.route->csv_method);
    cr_assert_not_null(export);
    gw_param query[] = {{"format", "csv"}, {"status", "completed"}, {"program_code", "CHW-APP"}};
    uint8_t *packed = NULL;
    size_t size = 0;
    hc_error err;
    cr_assert_eq(gw_codec_request(export, &match, NULL, 0, query, 3, s_arena, &packed, &size, &err),
                 HC_OK, "%s", err.message);
    Hcap__ListApprenticesRequest *in = (Hcap__ListApprenticesRequest *)hc_msg_unpack(
        &hcap__list_apprentices_request__descriptor, packed, size, s_arena);
    cr_assert_not_null(in);
    cr_assert(in->has_status);
    cr_assert_eq(in->status, HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED);
    cr_assert_str_eq(in->program_code, "CHW-APP");

    Hcap__RapidsRecord record = HCAP__RAPIDS_RECORD__INIT;
    record.apprentice_id = "apr_2";
    record.program_number = "CHW-APP";
    record.rapids_code = "2002HY";
    record.start_date = "2025-03-03";
    record.status = HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED;
    record.status_date = "2026-04-10";
    record.ojl_hours = 2000.25;
    record.rti_hours = 144;
    Hcap__RapidsRecord *items[] = {&record};
    Hcap__RapidsExport list = HCAP__RAPIDS_EXPORT__INIT;
    list.n_items = 1;
    list.items = items;
    hc_broker_reply reply = {.code = HC_OK};
    reply.body = hc_msg_pack(&list.base, s_arena, &reply.size);
    gw_http_reply out;
    gw_codec_reply(export, &reply, true, &out);
    cr_assert_eq(out.status, 200);
    cr_assert_str_eq(out.content_type, GW_CONTENT_CSV);
    cr_assert_str_eq(out.body, "apprentice_id,program_number,rapids_code,onet_soc,start_date,"
                               "status,status_date,ojl_hours,rti_hours,hourly_wage_cents\r\n"
                               "apr_2,CHW-APP,2002HY,,2025-03-03,completed,2026-04-10,2000.25,144,"
                               "\r\n");
    gw_http_reply_clear(&out);
}

/* --- reports as CSV --- */

static char *s_csv(const ProtobufCMessage *msg)
{
    size_t size = 0;
    char *text = gw_codec_csv(msg, &size);
    cr_assert_not_null(text);
    cr_assert_eq(strlen(text), size);
    return text;
}

/* A report without a list is a header of its scalar fields and one row;
   a suppressed (absent) count is an empty cell, a zero is 0. */
Test(gateway_codec, csv_of_a_report_without_rows_is_one_row_of_its_fields)
{
    Hcap__ApprenticeshipReport report = HCAP__APPRENTICESHIP_REPORT__INIT;
    report.has_registered = report.has_completed = report.has_cancelled = true;
    report.registered = 10;
    report.completed = 0;
    report.cancelled = 0;
    report.has_completion_rate = true;
    report.completion_rate = 0;
    report.has_suppressed = true;
    report.suppressed = true;
    report.program_code = "CHW-APP";
    char *text = s_csv(&report.base);
    cr_assert_str_eq(text, "registered,active,suspended,completed,cancelled,completion_rate,"
                           "placement_rate,placed,suppressed,program_code,from,to\r\n"
                           "10,,,0,0,0,,,true,CHW-APP,,\r\n");
    free(text);

    Hcap__IndicatorsReport indicators = HCAP__INDICATORS_REPORT__INIT;
    indicators.from = "2025-01-01";
    indicators.has_employment_rate_q2 = true;
    indicators.employment_rate_q2 = 62.5;
    indicators.has_median_earnings_q2_cents = true;
    indicators.median_earnings_q2_cents = 2450;
    text = s_csv(&indicators.base);
    const char *header = "from,to,as_of,credential_attainment_rate,measurable_skill_gains,"
                         "employment_rate_q2,employment_rate_q4,median_earnings_q2_cents,"
                         "credential_exiters,credential_attainers,skill_participants,"
                         "skill_gainers,exiters_q2,employed_q2,exiters_q4,employed_q4,"
                         "earners_q2,suppressed\r\n";
    cr_assert_eq(strncmp(text, header, strlen(header)), 0, "%s", text);
    cr_assert_str_eq(text + strlen(header), "2025-01-01,,,,,62.5,,2450,,,,,,,,,,\r\n");
    free(text);

    /* a nested message is no column of such a row */
    Hcap__VerifiedCredential what = HCAP__VERIFIED_CREDENTIAL__INIT;
    what.code = "CNA";
    Hcap__Verification verification = HCAP__VERIFICATION__INIT;
    verification.valid = true;
    verification.credential = &what;
    text = s_csv(&verification.base);
    cr_assert_null(strstr(text, "credential,"), "%s", text);
    cr_assert_null(strstr(text, "CNA"), "%s", text);
    cr_assert_eq(strncmp(text, "valid,", 6), 0, "%s", text);
    free(text);
}

static Hcap__OutcomeRow s_outcome(const char *group, uint32_t participants, bool suppressed)
{
    Hcap__OutcomeRow row = HCAP__OUTCOME_ROW__INIT;
    row.group = (char *)group;
    row.has_participants = !suppressed;
    row.participants = participants;
    row.has_completed = true;
    row.completed = suppressed ? 0 : participants / 2;
    row.has_suppressed = suppressed;
    row.suppressed = suppressed;
    return row;
}

/* The rows, then the total (a singular field of the rows' type) last. */
Test(gateway_codec, csv_of_outcomes_ends_with_the_total_row)
{
    Hcap__OutcomeRow rows[] = {s_outcome("female", 120, false), s_outcome("nonbinary", 3, true)};
    Hcap__OutcomeRow *items[] = {&rows[0], &rows[1]};
    Hcap__OutcomeRow total = s_outcome("total", 131, false);
    Hcap__OutcomesReport report = HCAP__OUTCOMES_REPORT__INIT;
    report.by = HCAP__DIMENSION__DIMENSION_GENDER;
    report.n_rows = 2;
    report.rows = items;
    report.total = &total;
    char *text = s_csv(&report.base);
    cr_assert_str_eq(text, "group,label,participants,completed,credentials,apprentices,"
                           "apprentices_completed,placements,suppressed\r\n"
                           "female,,120,60,,,,,\r\n"
                           "nonbinary,,,0,,,,,true\r\n"
                           "total,,131,65,,,,,\r\n");
    free(text);

    report.total = NULL;
    report.n_rows = 0;
    text = s_csv(&report.base);
    cr_assert_str_eq(text,
                     "group,label,participants,completed,credentials,apprentices,"
                     "apprentices_completed,placements,suppressed\r\n",
                     "no rows and no total: the header alone");
    free(text);
}

/* A grant report's CSV is its deliverables. */
Test(gateway_codec, csv_of_a_grant_report_is_its_deliverables)
{
    Hcap__DeliverableReport d = HCAP__DELIVERABLE_REPORT__INIT;
    d.code = "CRED";
    d.name = "Industry credentials";
    d.metric = HCAP__METRIC__METRIC_CREDENTIALS;
    d.target = 400;
    d.has_actual = true;
    d.actual = 57;
    d.has_pct_of_target = true;
    d.pct_of_target = 14.25;
    d.has_on_pace = true;
    d.on_pace = false;
    Hcap__DeliverableReport *items[] = {&d};
    Hcap__GrantReport report = HCAP__GRANT_REPORT__INIT;
    report.code = "SEIU-CC";
    report.name = "SEIU-Community Clinics";
    report.start_date = "2025-01-01";
    report.end_date = "2027-06-30";
    report.elapsed_pct = 61.2;
    report.n_deliverables = 1;
    report.deliverables = items;
    char *text = s_csv(&report.base);
    cr_assert_str_eq(text,
                     "code,name,metric,target,actual,pct_of_target,on_pace,suppressed,numerator,"
                     "denominator\r\nCRED,Industry credentials,credentials,400,57,14.25,false,,,"
                     "\r\n");
    free(text);
}

/* ?service= of the dead letters is the gateway's own, never a field. */
Test(gateway_codec, service_parameter_is_taken_by_a_by_service_route_only)
{
    ProtobufCMessage *msg;
    hc_error err;
    gw_param query[] = {{"service", "credentialing"}, {"limit", "5"}, {"format", "csv"}};
    cr_assert_eq(s_build("GET", "/v1/events/dead", NULL, query, 3, &msg, &err), HC_OK, "%s",
                 err.message);
    cr_assert_eq(msg->descriptor, &hcap__list_request__descriptor);
    cr_assert(((Hcap__ListRequest *)msg)->has_limit);
    cr_assert_eq(((Hcap__ListRequest *)msg)->limit, 5);
    cr_assert_eq(s_build("GET", "/v1/reports/outcomes", NULL, query, 1, &msg, &err),
                 HC_INVALID_ARGUMENT, "service is no field of the outcomes");
    cr_assert_str_eq(err.field, "service");
    gw_param outcomes[] = {{"by", "race_ethnicity"}, {"from", "2025-01-01"}, {"to", "2025-12-31"}};
    cr_assert_eq(s_build("GET", "/v1/reports/outcomes", NULL, outcomes, 3, &msg, &err), HC_OK, "%s",
                 err.message);
    Hcap__OutcomesRequest *in = (Hcap__OutcomesRequest *)msg;
    cr_assert_eq(in->by, HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY);
    cr_assert_str_eq(in->from, "2025-01-01");
    cr_assert_str_eq(in->to, "2025-12-31");
}
