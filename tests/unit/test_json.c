/* Tests for hc_json: round trips over the real protos, every scalar type
   through a hand-built descriptor, every input error path, query text, and
   random input that must never crash. */
#include "enrollment.pb-c.h"
#include "gateway.pb-c.h"
#include "hc_json.h"
#include "hcap.pb-c.h"
#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* --- a message with every scalar type, shaped like protoc-c output ------- */

typedef enum { BRIGHT_COLOR_UNSPECIFIED = 0, BRIGHT_COLOR_DARK_RED = 1, OTHER_THING = 2 } Color;

static const ProtobufCEnumValue s_color_values[] = {
    {"BRIGHT_COLOR_UNSPECIFIED", "BRIGHT_COLOR_UNSPECIFIED", 0},
    {"BRIGHT_COLOR_DARK_RED", "BRIGHT_COLOR_DARK_RED", 1},
    {"OTHER_THING", "OTHER_THING", 2},
};
static const ProtobufCIntRange s_color_ranges[] = {{0, 0}, {0, 3}};
static const ProtobufCEnumValueIndex s_color_by_name[] = {
    {"BRIGHT_COLOR_DARK_RED", 1}, {"BRIGHT_COLOR_UNSPECIFIED", 0}, {"OTHER_THING", 2}};
static const ProtobufCEnumDescriptor s_color_descriptor = {PROTOBUF_C__ENUM_DESCRIPTOR_MAGIC,
                                                           "t.BrightColor",
                                                           "BrightColor",
                                                           "BrightColor",
                                                           "t",
                                                           3,
                                                           s_color_values,
                                                           3,
                                                           s_color_by_name,
                                                           1,
                                                           s_color_ranges,
                                                           NULL,
                                                           NULL,
                                                           NULL,
                                                           NULL};

typedef struct {
    ProtobufCMessage base;
    protobuf_c_boolean has_i32, has_s32, has_sf32, has_u32, has_f32;
    int32_t i32, s32, sf32;
    uint32_t u32, f32;
    protobuf_c_boolean has_i64, has_s64, has_sf64, has_u64, has_f64;
    int64_t i64, s64, sf64;
    uint64_t u64, f64;
    protobuf_c_boolean has_flt, has_dbl, has_b, has_byt, has_color;
    float flt;
    double dbl;
    protobuf_c_boolean b;
    char *str;
    ProtobufCBinaryData byt;
    int color;
    size_t n_nums;
    int32_t *nums;
    size_t n_reals;
    float *reals;
    size_t n_bools;
    protobuf_c_boolean *bools;
    uint32_t pick_case;
    union {
        char *pick_text;
        int32_t pick_number;
    };
} AllTypes;

#define S_OPT(name, id, type)                                                                      \
    {                                                                                              \
#name, id, PROTOBUF_C_LABEL_OPTIONAL, type, offsetof(AllTypes, has_##name),                \
            offsetof(AllTypes, name), NULL, NULL, 0, 0, NULL, NULL                                 \
    }
#define S_REP(name, id, type)                                                                      \
    {                                                                                              \
#name, id, PROTOBUF_C_LABEL_REPEATED, type, offsetof(AllTypes, n_##name),                  \
            offsetof(AllTypes, name), NULL, NULL, 0, 0, NULL, NULL                                 \
    }

static const ProtobufCFieldDescriptor s_all_fields[] = {
    S_OPT(i32, 1, PROTOBUF_C_TYPE_INT32),
    S_OPT(s32, 2, PROTOBUF_C_TYPE_SINT32),
    S_OPT(sf32, 3, PROTOBUF_C_TYPE_SFIXED32),
    S_OPT(u32, 4, PROTOBUF_C_TYPE_UINT32),
    S_OPT(f32, 5, PROTOBUF_C_TYPE_FIXED32),
    S_OPT(i64, 6, PROTOBUF_C_TYPE_INT64),
    S_OPT(s64, 7, PROTOBUF_C_TYPE_SINT64),
    S_OPT(sf64, 8, PROTOBUF_C_TYPE_SFIXED64),
    S_OPT(u64, 9, PROTOBUF_C_TYPE_UINT64),
    S_OPT(f64, 10, PROTOBUF_C_TYPE_FIXED64),
    S_OPT(flt, 11, PROTOBUF_C_TYPE_FLOAT),
    S_OPT(dbl, 12, PROTOBUF_C_TYPE_DOUBLE),
    S_OPT(b, 13, PROTOBUF_C_TYPE_BOOL),
    {"str", 14, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_STRING, 0, offsetof(AllTypes, str), NULL,
     NULL, 0, 0, NULL, NULL},
    S_OPT(byt, 15, PROTOBUF_C_TYPE_BYTES),
    {"color", 16, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_ENUM, offsetof(AllTypes, has_color),
     offsetof(AllTypes, color), &s_color_descriptor, NULL, 0, 0, NULL, NULL},
    S_REP(nums, 17, PROTOBUF_C_TYPE_INT32),
    S_REP(reals, 18, PROTOBUF_C_TYPE_FLOAT),
    S_REP(bools, 19, PROTOBUF_C_TYPE_BOOL),
    {"pick_text", 20, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_STRING,
     offsetof(AllTypes, pick_case), offsetof(AllTypes, pick_text), NULL, NULL,
     PROTOBUF_C_FIELD_FLAG_ONEOF, 0, NULL, NULL},
    {"pick_number", 21, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT32,
     offsetof(AllTypes, pick_case), offsetof(AllTypes, pick_number), NULL, NULL,
     PROTOBUF_C_FIELD_FLAG_ONEOF, 0, NULL, NULL},
};

/* Field indices in name order: b bools byt color dbl f32 f64 flt i32 i64
   nums pick_number pick_text reals s32 s64 sf32 sf64 str u32 u64. */
static const unsigned s_all_by_name[] = {12, 18, 14, 15, 11, 4, 9, 10, 0, 5, 16,
                                         20, 19, 17, 1,  6,  2, 7, 13, 3, 8};
static const ProtobufCIntRange s_all_ranges[] = {{1, 0}, {0, 21}};

static void s_all_init(ProtobufCMessage *msg);

static const ProtobufCMessageDescriptor s_all_descriptor = {PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
                                                            "t.AllTypes",
                                                            "AllTypes",
                                                            "AllTypes",
                                                            "t",
                                                            sizeof(AllTypes),
                                                            21,
                                                            s_all_fields,
                                                            s_all_by_name,
                                                            1,
                                                            s_all_ranges,
                                                            (ProtobufCMessageInit)s_all_init,
                                                            NULL,
                                                            NULL,
                                                            NULL};

static void s_all_init(ProtobufCMessage *msg)
{
    memset(msg, 0, sizeof(AllTypes));
    msg->descriptor = &s_all_descriptor;
}

/* --- helpers -------------------------------------------------------------- */

static hc_arena *arena;

static void s_setup(void)
{
    arena = hc_arena_new();
}

static void s_teardown(void)
{
    hc_arena_destroy(&arena);
}

TestSuite(json, .init = s_setup, .fini = s_teardown);

static json_t *s_parse(const char *text)
{
    json_error_t error;
    json_t *json = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    cr_assert_not_null(json, "bad test JSON %s: %s", text, error.text);
    return json;
}

/* Converts text to a message of desc; asserts success. */
static ProtobufCMessage *s_in(const char *text, const ProtobufCMessageDescriptor *desc)
{
    json_t *json = s_parse(text);
    ProtobufCMessage *msg = NULL;
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_json_to_message(json, desc, arena, &msg, &err);
    json_decref(json);
    cr_assert_eq(rc, HC_OK, "%s: %s: %s", text, err.field, err.message);
    cr_assert_not_null(msg);
    return msg;
}

/* Asserts text is refused with field and message. */
static void s_refused(const char *text, const ProtobufCMessageDescriptor *desc, const char *field,
                      const char *message)
{
    json_t *json = s_parse(text);
    ProtobufCMessage *msg = NULL;
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_json_to_message(json, desc, arena, &msg, &err);
    json_decref(json);
    cr_assert_eq(rc, HC_INVALID_ARGUMENT, "accepted %s", text);
    cr_assert_eq(err.code, HC_INVALID_ARGUMENT);
    cr_assert_null(msg);
    cr_assert_str_eq(err.field, field, "for %s", text);
    cr_assert_str_eq(err.message, message, "for %s", text);
}

/* The compact, key-sorted dump of msg. */
static char *s_out(const ProtobufCMessage *msg)
{
    json_t *json = hc_json_from_message(msg);
    cr_assert_not_null(json);
    char *text = json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(json);
    char *copy = hc_arena_strdup(arena, text);
    free(text);
    return copy;
}

/* Asserts text -> message -> JSON gives expect (compact, keys sorted). */
static void s_round(const char *text, const ProtobufCMessageDescriptor *desc, const char *expect)
{
    cr_assert_str_eq(s_out(s_in(text, desc)), expect);
}

/* --- enum names ----------------------------------------------------------- */

Test(json, enum_names)
{
    cr_assert_str_eq(
        hc_json_enum_name(&hcap__sector__descriptor, HCAP__SECTOR__SECTOR_LONG_TERM_CARE),
        "long_term_care");
    cr_assert_str_eq(hc_json_enum_name(&hcap__race_ethnicity__descriptor,
                                       HCAP__RACE_ETHNICITY__RACE_ETHNICITY_HISPANIC_LATINO),
                     "hispanic_latino");
    cr_assert_str_eq(hc_json_enum_name(&hcap__worker_message__command__descriptor,
                                       HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY),
                     "ready");
    cr_assert_str_eq(hc_json_enum_name(&hcap__code__descriptor, HCAP__CODE__CODE_OK), "ok");
    cr_assert_str_eq(hc_json_enum_name(&hcap__code__descriptor, HCAP__CODE__CODE_INVALID_ARGUMENT),
                     "invalid_argument");
    cr_assert_str_eq(hc_json_enum_name(&s_color_descriptor, BRIGHT_COLOR_DARK_RED), "dark_red");
    cr_assert_str_eq(hc_json_enum_name(&s_color_descriptor, OTHER_THING), "other_thing");
    cr_assert_null(hc_json_enum_name(&hcap__sector__descriptor, 0));
    cr_assert_null(hc_json_enum_name(&hcap__sector__descriptor, 99));
    cr_assert_null(hc_json_enum_name(&hcap__sector__descriptor, -1));
    /* the same storage each time */
    cr_assert_eq(hc_json_enum_name(&hcap__role__descriptor, 1),
                 hc_json_enum_name(&hcap__role__descriptor, 1));
}

Test(json, enum_values)
{
    int value = -1;
    cr_assert_eq(hc_json_enum_value(&hcap__gender__descriptor, "nonbinary", &value), 0);
    cr_assert_eq(value, HCAP__GENDER__GENDER_NONBINARY);
    cr_assert_eq(
        hc_json_enum_value(&hcap__worker_message__command__descriptor, "disconnect", &value), 0);
    cr_assert_eq(value, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
    cr_assert_eq(hc_json_enum_value(&hcap__gender__descriptor, "unspecified", &value), -1);
    cr_assert_eq(hc_json_enum_value(&hcap__gender__descriptor, "FEMALE", &value), -1);
    cr_assert_eq(hc_json_enum_value(&hcap__gender__descriptor, "gender_female", &value), -1);
    cr_assert_eq(hc_json_enum_value(&hcap__gender__descriptor, "", &value), -1);
    cr_assert_eq(hc_json_enum_value(&hcap__gender__descriptor, NULL, &value), -1);
}

/* --- output --------------------------------------------------------------- */

Test(json, output_writes_every_field)
{
    Hcap__Worker worker = HCAP__WORKER__INIT;
    worker.id = "wkr_1";
    cr_assert_str_eq(s_out(&worker.base),
                     "{\"age_band\":null,\"birth_date\":null,\"created_at\":null,\"email\":null,"
                     "\"employer_id\":null,"
                     "\"employment_status\":null,\"external_id\":null,\"family_"
                     "name\":null,\"gender\":null,"
                     "\"given_name\":null,\"hire_date\":null,\"hourly_wage_"
                     "cents\":null,\"id\":\"wkr_1\","
                     "\"job_title\":null,\"phone\":null,\"preferred_language\":"
                     "null,\"race_ethnicity\":[],"
                     "\"updated_at\":null}");
}

Test(json, output_keeps_proto_field_order)
{
    Hcap__Status status = HCAP__STATUS__INIT;
    status.code = HCAP__CODE__CODE_NOT_FOUND;
    status.field = "worker_id";
    json_t *json = hc_json_from_message(&status.base);
    char *text = json_dumps(json, JSON_COMPACT);
    cr_assert_str_eq(text, "{\"code\":\"not_found\",\"message\":null,\"field\":\"worker_id\"}");
    free(text);
    json_decref(json);
}

Test(json, output_whole_double_uses_janssons_default_form)
{
    Hcap__Program program = HCAP__PROGRAM__INIT;
    program.id = "prg_1";
    program.code = "CHW";
    program.name = "Community Health Worker";
    program.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING;
    program.has_hours = 1;
    program.hours = 2000;
    char *text = s_out(&program.base);
    cr_assert_not_null(strstr(text, "\"hours\":2000.0,"), "%s", text);
    cr_assert_not_null(strstr(text, "\"kind\":\"credential_training\""), "%s", text);
    cr_assert_not_null(strstr(text, "\"delivery\":null"), "%s", text);
    program.hours = 1.5;
    cr_assert_not_null(strstr(s_out(&program.base), "\"hours\":1.5,"));
    program.hours = NAN;
    cr_assert_not_null(strstr(s_out(&program.base), "\"hours\":null,"));
    program.hours = INFINITY;
    cr_assert_not_null(strstr(s_out(&program.base), "\"hours\":null,"));
}

Test(json, output_repairs_invalid_utf8_and_unknown_enums)
{
    Hcap__Worker worker = HCAP__WORKER__INIT;
    worker.id = "bad\xff\xc3(";
    worker.has_gender = 1;
    worker.gender = 42;
    Hcap__RaceEthnicity races[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_BLACK, 0, 77};
    worker.race_ethnicity = races;
    worker.n_race_ethnicity = 3;
    char *text = s_out(&worker.base);
    cr_assert_not_null(strstr(text, "\"id\":\"bad\xEF\xBF\xBD\xEF\xBF\xBD(\""), "%s", text);
    cr_assert_not_null(strstr(text, "\"gender\":null"), "%s", text);
    cr_assert_not_null(strstr(text, "\"race_ethnicity\":[\"black\",null,null]"), "%s", text);
}

Test(json, output_unset_required_fields_are_null)
{
    Hcap__Event event = HCAP__EVENT__INIT;
    cr_assert_str_eq(s_out(&event.base), "{\"body\":\"\",\"epoch\":null,\"occurred_at\":null,"
                                         "\"seq\":0,\"source\":null,\"type\":null}");
}

Test(json, output_big_uint64)
{
    Hcap__ClientReply reply = HCAP__CLIENT_REPLY__INIT;
    Hcap__Status status = HCAP__STATUS__INIT;
    reply.status = &status;
    reply.has_tag = 1;
    reply.tag = UINT64_MAX;
    json_t *json = hc_json_from_message(&reply.base);
    json_t *tag = json_object_get(json, "tag");
    cr_assert(json_is_real(tag));
    cr_assert_float_eq(json_real_value(tag), 18446744073709551615.0, 1e4);
    json_decref(json);
    reply.tag = (uint64_t)INT64_MAX;
    json = hc_json_from_message(&reply.base);
    cr_assert_eq(json_integer_value(json_object_get(json, "tag")), INT64_MAX);
    json_decref(json);
}

/* --- round trips ---------------------------------------------------------- */

Test(json, worker_round_trip)
{
    const char *text = "{\"id\":\"wkr_1\",\"given_name\":\"Jos\\u00e9\",\"family_name\":\"Li\","
                       "\"race_ethnicity\":[\"asian\",\"hispanic_latino\"],\"gender\":"
                       "\"female\","
                       "\"employment_status\":\"new_entrant\",\"hourly_wage_cents\":"
                       "9007199254740993,"
                       "\"email\":null}";
    Hcap__Worker *worker = (Hcap__Worker *)s_in(text, &hcap__worker__descriptor);
    cr_assert_str_eq(worker->given_name, "Jos\xC3\xA9");
    cr_assert_eq(worker->n_race_ethnicity, 2);
    cr_assert_eq(worker->race_ethnicity[1], HCAP__RACE_ETHNICITY__RACE_ETHNICITY_HISPANIC_LATINO);
    cr_assert(worker->has_gender);
    cr_assert_eq(worker->gender, HCAP__GENDER__GENDER_FEMALE);
    cr_assert(worker->has_hourly_wage_cents);
    cr_assert_eq(worker->hourly_wage_cents, 9007199254740993LL);
    cr_assert_null(worker->email);
    cr_assert(worker->has_employment_status);
    cr_assert_str_eq(
        s_out(&worker->base),
        "{\"age_band\":null,\"birth_date\":null,\"created_at\":null,\"email\":null,\"employer_id\":"
        "null,"
        "\"employment_status\":\"new_entrant\",\"external_id\":null,\"family_"
        "name\":\"Li\","
        "\"gender\":\"female\",\"given_name\":\"Jos\xC3\xA9\",\"hire_date\":null,"
        "\"hourly_wage_cents\":9007199254740993,\"id\":\"wkr_1\",\"job_title\":"
        "null,"
        "\"phone\":null,\"preferred_language\":null,\"race_ethnicity\":["
        "\"asian\","
        "\"hispanic_latino\"],\"updated_at\":null}");
}

Test(json, output_feeds_back_as_input)
{
    const char *text = "{\"id\":\"wkr_2\",\"race_ethnicity\":[\"declined\"],"
                       "\"gender\":\"declined\"}";
    char *once = s_out(s_in(text, &hcap__worker__descriptor));
    char *twice = s_out(s_in(once, &hcap__worker__descriptor));
    cr_assert_str_eq(once, twice);
}

Test(json, program_double_round_trip)
{
    const char *base = "{\"id\":\"p\",\"code\":\"CNA\",\"name\":\"CNA\",\"kind\":"
                       "\"preceptorship\",";
    char text[256];
    snprintf(text, sizeof text, "%s\"hours\":2000}", base);
    Hcap__Program *program = (Hcap__Program *)s_in(text, &hcap__program__descriptor);
    cr_assert(program->has_hours);
    cr_assert_float_eq(program->hours, 2000.0, 1e-9);
    snprintf(text, sizeof text, "%s\"hours\":12.25,\"delivery\":\"hybrid\"}", base);
    program = (Hcap__Program *)s_in(text, &hcap__program__descriptor);
    cr_assert_float_eq(program->hours, 12.25, 1e-9);
    cr_assert_eq(program->delivery, HCAP__DELIVERY__DELIVERY_HYBRID);
    char *out = s_out(&program->base);
    cr_assert_not_null(strstr(out, "\"hours\":12.25"), "%s", out);
    cr_assert_not_null(strstr(out, "\"delivery\":\"hybrid\""), "%s", out);
}

Test(json, event_bytes_round_trip)
{
    const char *text = "{\"source\":\"local/enrollment\",\"epoch\":\"e1\",\"seq\":7,"
                       "\"occurred_at\":\"2026-01-01T00:00:00.000Z\",\"type\":\"t.v1\","
                       "\"body\":\"AAECA/8=\"}";
    Hcap__Event *event = (Hcap__Event *)s_in(text, &hcap__event__descriptor);
    cr_assert_eq(event->seq, 7);
    cr_assert_eq(event->body.len, 5);
    cr_assert_eq(memcmp(event->body.data, "\x00\x01\x02\x03\xff", 5), 0);
    cr_assert_not_null(strstr(s_out(&event->base), "\"body\":\"AAECA/8=\""));
    const char *empty = "{\"source\":\"s\",\"epoch\":\"e\",\"seq\":1,\"occurred_at\":\"t\","
                        "\"type\":\"t\",\"body\":\"\"}";
    event = (Hcap__Event *)s_in(empty, &hcap__event__descriptor);
    cr_assert_eq(event->body.len, 0);
}

Test(json, nested_messages_and_nested_enum_round_trip)
{
    const char *text = "{\"command\":\"request\",\"service\":\"enrollment\","
                       "\"request\":{\"id\":5,\"method\":\"GetWorker\",\"body\":\"CgE=\","
                       "\"principal\":{\"name\":\"ops\",\"role\":\"admin\"},\"deadline_ms\":"
                       "1500}}";
    Hcap__WorkerMessage *msg = (Hcap__WorkerMessage *)s_in(text, &hcap__worker_message__descriptor);
    cr_assert_eq(msg->command, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REQUEST);
    cr_assert_not_null(msg->request);
    cr_assert_eq(msg->request->id, 5);
    cr_assert_eq(msg->request->principal->role, HCAP__ROLE__ROLE_ADMIN);
    cr_assert(msg->request->has_deadline_ms);
    cr_assert_eq(msg->request->deadline_ms, 1500);
    cr_assert_null(msg->reply);
    cr_assert_str_eq(s_out(&msg->base),
                     "{\"command\":\"request\",\"followers\":[],\"instance\":null,"
                     "\"log_head\":null,\"nodes\":[],\"reads\":[],\"reply\":null,\"request\":"
                     "{\"body\":\"CgE=\",\"deadline_ms\":1500,\"id\":5,\"idempotency_key\":"
                     "null,"
                     "\"method\":\"GetWorker\",\"principal\":{\"name\":\"ops\",\"role\":"
                     "\"admin\","
                     "\"token_id\":null}},\"role\":null,\"service\":\"enrollment\"}");
    /* what comes out packs like any message */
    uint8_t buf[256];
    size_t len = hcap__worker_message__pack(msg, buf);
    Hcap__WorkerMessage *copy = hcap__worker_message__unpack(hc_arena_allocator(arena), len, buf);
    cr_assert_not_null(copy);
    cr_assert_str_eq(copy->request->principal->name, "ops");
}

Test(json, repeated_messages)
{
    const char *text = "{\"status\":\"ok\",\"services\":[{\"name\":"
                       "\"enrollment\",\"instances\":2},"
                       "{\"name\":\"gateway\",\"instances\":0}]}";
    Hcap__HealthReply *reply = (Hcap__HealthReply *)s_in(text, &hcap__health_reply__descriptor);
    cr_assert_eq(reply->n_services, 2);
    cr_assert_str_eq(reply->services[1]->name, "gateway");
    cr_assert_str_eq(
        s_out(&reply->base),
        "{\"followers\":[],\"nodes\":[],\"services\":[{\"instances\":2,\"log_head\":null,"
        "\"name\":\"enrollment\",\"replicas\":null},{\"instances\":0,\"log_head\":null,"
        "\"name\":\"gateway\",\"replicas\":null}],\"status\":\"ok\"}");
    s_round("{\"status\":\"ok\",\"services\":[]}", &hcap__health_reply__descriptor,
            "{\"followers\":[],\"nodes\":[],\"services\":[],\"status\":\"ok\"}");
    s_round("{\"status\":\"ok\",\"services\":null}", &hcap__health_reply__descriptor,
            "{\"followers\":[],\"nodes\":[],\"services\":[],\"status\":\"ok\"}");
}

Test(json, empty_message)
{
    s_round("{}", &hcap__empty__descriptor, "{}");
    s_refused("{\"x\":1}", &hcap__empty__descriptor, "x", "unknown field");
}

Test(json, every_scalar_type_round_trips)
{
    const char *text = "{\"i32\":-2147483648,\"s32\":2147483647,\"sf32\":-5,\"u32\":4294967295,"
                       "\"f32\":7,"
                       "\"i64\":-9223372036854775808,\"s64\":9223372036854775807,\"sf64\":-1,"
                       "\"u64\":9223372036854775807,\"f64\":0,\"flt\":1.5,\"dbl\":-0.25,\"b\":"
                       "true,"
                       "\"str\":\"\\u65e5\\u672c\",\"byt\":\"aGk=\",\"color\":\"dark_red\","
                       "\"nums\":[1,-2,3],"
                       "\"reals\":[0.5,2],\"bools\":[false,true],\"pick_number\":9}";
    AllTypes *all = (AllTypes *)s_in(text, &s_all_descriptor);
    cr_assert(all->has_i32 && all->has_s32 && all->has_sf32 && all->has_u32 && all->has_f32);
    cr_assert(all->has_i64 && all->has_s64 && all->has_sf64 && all->has_u64 && all->has_f64);
    cr_assert(all->has_flt && all->has_dbl && all->has_b && all->has_byt && all->has_color);
    cr_assert_eq(all->i32, INT32_MIN);
    cr_assert_eq(all->s32, INT32_MAX);
    cr_assert_eq(all->u32, UINT32_MAX);
    cr_assert_eq(all->i64, INT64_MIN);
    cr_assert_eq(all->u64, (uint64_t)INT64_MAX);
    cr_assert_float_eq(all->flt, 1.5f, 1e-6);
    cr_assert_eq(all->b, 1);
    cr_assert_eq(all->byt.len, 2);
    cr_assert_eq(all->color, BRIGHT_COLOR_DARK_RED);
    cr_assert_eq(all->n_nums, 3);
    cr_assert_eq(all->nums[1], -2);
    cr_assert_float_eq(all->reals[1], 2.0f, 1e-6);
    cr_assert_eq(all->bools[1], 1);
    cr_assert_eq(all->pick_case, 21);
    cr_assert_eq(all->pick_number, 9);
    cr_assert_str_eq(s_out(&all->base),
                     "{\"b\":true,\"bools\":[false,true],\"byt\":\"aGk=\",\"color\":\"dark_"
                     "red\","
                     "\"dbl\":-0.25,\"f32\":7,\"f64\":0,\"flt\":1.5,\"i32\":-2147483648,"
                     "\"i64\":-9223372036854775808,\"nums\":[1,-2,3],\"pick_number\":9,\"pick_"
                     "text\":null,"
                     "\"reals\":[0.5,2.0],\"s32\":2147483647,\"s64\":9223372036854775807,"
                     "\"sf32\":-5,"
                     "\"sf64\":-1,\"str\":\"\xE6\x97\xA5\xE6\x9C\xAC\",\"u32\":4294967295,"
                     "\"u64\":9223372036854775807}");
}

Test(json, unset_optionals_of_every_type_are_null)
{
    AllTypes *all = (AllTypes *)s_in("{\"pick_text\":\"x\"}", &s_all_descriptor);
    cr_assert_eq(all->pick_case, 20);
    cr_assert_str_eq(s_out(&all->base),
                     "{\"b\":null,\"bools\":[],\"byt\":null,\"color\":null,"
                     "\"dbl\":null,\"f32\":null,"
                     "\"f64\":null,\"flt\":null,\"i32\":null,\"i64\":null,"
                     "\"nums\":[],\"pick_number\":null,"
                     "\"pick_text\":\"x\",\"reals\":[],\"s32\":null,\"s64\":null,"
                     "\"sf32\":null,\"sf64\":null,"
                     "\"str\":null,\"u32\":null,\"u64\":null}");
}

/* --- input errors -----------------------------------------------------------
 */

Test(json, top_level_must_be_an_object)
{
    s_refused("[]", &hcap__worker__descriptor, "", "expected a JSON object");
    s_refused("\"x\"", &hcap__worker__descriptor, "", "expected a JSON object");
    s_refused("null", &hcap__worker__descriptor, "", "expected a JSON object");
    s_refused("3", &hcap__worker__descriptor, "", "expected a JSON object");
    hc_error err;
    ProtobufCMessage *msg = NULL;
    cr_assert_eq(hc_json_to_message(NULL, &hcap__worker__descriptor, arena, &msg, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_eq(hc_json_to_message(NULL, &hcap__worker__descriptor, arena, &msg, NULL),
                 HC_INVALID_ARGUMENT);
}

Test(json, unknown_fields)
{
    s_refused("{\"id\":\"w\",\"nickname\":\"x\"}", &hcap__worker__descriptor, "nickname",
              "unknown field");
    s_refused("{\"id\":\"w\",\"ID\":\"x\"}", &hcap__worker__descriptor, "ID", "unknown field");
    /* jansson can hold a key with a NUL in it even though it will not parse one
     */
    json_t *json = json_object();
    json_object_setn_new(json, "id\0x", 4, json_string("w"));
    ProtobufCMessage *msg = NULL;
    hc_error err;
    cr_assert_eq(hc_json_to_message(json, &hcap__worker__descriptor, arena, &msg, &err),
                 HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.message, "unknown field");
    json_decref(json);
    s_refused("{\"command\":\"ready\",\"request\":{\"id\":1,\"method\":\"m\","
              "\"bogus\":1}}",
              &hcap__worker_message__descriptor, "request.bogus", "unknown field");
}

Test(json, wrong_types)
{
    const ProtobufCMessageDescriptor *w = &hcap__worker__descriptor;
    s_refused("{\"id\":5}", w, "id", "expected a string");
    s_refused("{\"id\":\"w\",\"hourly_wage_cents\":\"1500\"}", w, "hourly_wage_cents",
              "expected an integer");
    s_refused("{\"id\":\"w\",\"hourly_wage_cents\":15.5}", w, "hourly_wage_cents",
              "expected an integer");
    s_refused("{\"id\":\"w\",\"hourly_wage_cents\":15.0}", w, "hourly_wage_cents",
              "expected an integer");
    s_refused("{\"id\":\"w\",\"hourly_wage_cents\":true}", w, "hourly_wage_cents",
              "expected an integer");
    s_refused("{\"id\":\"w\",\"race_ethnicity\":\"asian\"}", w, "race_ethnicity",
              "expected an array");
    s_refused("{\"id\":\"w\",\"race_ethnicity\":{}}", w, "race_ethnicity", "expected an array");
    s_refused("{\"id\":{}}", w, "id", "expected a string");
    s_refused("{\"id\":[\"w\"]}", w, "id", "expected a string");
    const char *prog = "{\"id\":\"p\",\"code\":\"c\",\"name\":\"n\",\"kind\":\"basic_skills\",";
    char text[256];
    snprintf(text, sizeof text, "%s\"hours\":\"12\"}", prog);
    s_refused(text, &hcap__program__descriptor, "hours", "expected a number");
    s_refused("{\"command\":\"ready\",\"request\":\"x\"}", &hcap__worker_message__descriptor,
              "request", "expected an object");
    s_refused("{\"command\":\"ready\",\"request\":[]}", &hcap__worker_message__descriptor,
              "request", "expected an object");
    s_refused("{\"b\":1}", &s_all_descriptor, "b", "expected true or false");
    s_refused("{\"b\":\"true\"}", &s_all_descriptor, "b", "expected true or false");
    s_refused("{\"byt\":12}", &s_all_descriptor, "byt", "expected a base64 string");
    s_refused("{\"bools\":[true,null]}", &s_all_descriptor, "bools[1]", "expected true or false");
}

Test(json, integer_ranges)
{
    s_refused("{\"u32\":-1}", &s_all_descriptor, "u32", "out of range for uint32");
    s_refused("{\"u32\":4294967296}", &s_all_descriptor, "u32", "out of range for uint32");
    s_refused("{\"f32\":-1}", &s_all_descriptor, "f32", "out of range for uint32");
    s_refused("{\"i32\":2147483648}", &s_all_descriptor, "i32", "out of range for int32");
    s_refused("{\"s32\":-2147483649}", &s_all_descriptor, "s32", "out of range for int32");
    s_refused("{\"sf32\":99999999999}", &s_all_descriptor, "sf32", "out of range for int32");
    s_refused("{\"u64\":-1}", &s_all_descriptor, "u64", "out of range for uint64");
    s_refused("{\"f64\":-5}", &s_all_descriptor, "f64", "out of range for uint64");
    s_refused("{\"nums\":[1,2,3000000000]}", &s_all_descriptor, "nums[2]",
              "out of range for int32");
    s_refused("{\"flt\":1e300}", &s_all_descriptor, "flt", "out of range for float");
    const char *cohort = "{\"id\":\"c\",\"program_id\":\"p\",\"name\":\"n\","
                         "\"start_date\":\"2026-01-01\",\"capacity\":-3}";
    s_refused(cohort, &hcap__cohort__descriptor, "capacity", "out of range for uint32");
}

Test(json, a_json_integer_is_fine_for_floating_fields)
{
    AllTypes *all = (AllTypes *)s_in("{\"flt\":3,\"dbl\":-7,\"reals\":[1,2.5]}", &s_all_descriptor);
    cr_assert_float_eq(all->flt, 3.0f, 1e-6);
    cr_assert_float_eq(all->dbl, -7.0, 1e-9);
    cr_assert_float_eq(all->reals[0], 1.0f, 1e-6);
}

Test(json, enum_errors_list_the_choices)
{
    s_refused("{\"id\":\"w\",\"gender\":\"purple\"}", &hcap__worker__descriptor, "gender",
              "unknown value \"purple\" (expected one of: female, male, "
              "nonbinary, another, "
              "declined)");
    s_refused("{\"id\":\"w\",\"gender\":\"unspecified\"}", &hcap__worker__descriptor, "gender",
              "unknown value \"unspecified\" (expected one of: female, male, "
              "nonbinary, another, "
              "declined)");
    s_refused("{\"id\":\"w\",\"gender\":\"FEMALE\"}", &hcap__worker__descriptor, "gender",
              "unknown value \"FEMALE\" (expected one of: female, male, "
              "nonbinary, another, "
              "declined)");
    s_refused("{\"id\":\"w\",\"gender\":1}", &hcap__worker__descriptor, "gender",
              "expected a string (one of: female, male, nonbinary, another, declined)");
    s_refused("{\"id\":\"w\",\"race_ethnicity\":[\"white\",\"green\"]}", &hcap__worker__descriptor,
              "race_ethnicity[1]",
              "unknown value \"green\" (expected one of: "
              "american_indian_alaska_native, asian, "
              "black, hispanic_latino, middle_eastern_north_african, "
              "native_hawaiian_pacific_islander, white, declined)");
    s_refused("{\"id\":\"w\",\"gender\":\"fem\\u0000ale\"}", &hcap__worker__descriptor, "gender",
              "unknown value \"fem\" (expected one of: female, male, nonbinary, "
              "another, "
              "declined)");
    s_refused("{\"command\":\"ready\",\"request\":{\"id\":1,\"method\":\"m\","
              "\"principal\":{\"name\":\"a\",\"role\":\"root\"}}}",
              &hcap__worker_message__descriptor, "request.principal.role",
              "unknown value \"root\" (expected one of: admin, staff, mentor, "
              "analyst)");
}

Test(json, long_unknown_enum_value_is_cut_on_a_character_boundary)
{
    char text[512] = "{\"id\":\"w\",\"gender\":\"";
    for (int i = 0; i < 40; i++)
        strcat(text, "\xC3\xA9"); /* 80 bytes of two-byte characters */
    strcat(text, "a\"}");
    json_t *json = s_parse(text);
    ProtobufCMessage *msg = NULL;
    hc_error err;
    cr_assert_eq(hc_json_to_message(json, &hcap__worker__descriptor, arena, &msg, &err),
                 HC_INVALID_ARGUMENT);
    json_decref(json);
    json_t *message = json_string(err.message);
    cr_assert_not_null(message, "message is not valid UTF-8: %s", err.message);
    json_decref(message);
    cr_assert_not_null(strstr(err.message, "\xC3\xA9...\" (expected"), "%s", err.message);
}

Test(json, required_fields)
{
    s_refused("{}", &hcap__worker__descriptor, "id", "required");
    s_refused("{\"id\":null}", &hcap__worker__descriptor, "id", "required");
    s_refused("{\"source\":\"s\",\"epoch\":\"e\",\"occurred_at\":\"t\",\"type\":\"t\","
              "\"body\":\"\"}",
              &hcap__event__descriptor, "seq", "required");
    s_refused("{\"source\":\"s\",\"epoch\":\"e\",\"head\":3,\"events\":[{"
              "\"source\":\"s\","
              "\"epoch\":\"e\",\"seq\":1,\"occurred_at\":\"t\",\"type\":\"t\"}]}",
              &hcap__fetch_reply__descriptor, "events[0].body", "required");
    s_refused("{\"command\":\"ready\",\"request\":{\"id\":1,\"method\":\"m\","
              "\"principal\":{}}}",
              &hcap__worker_message__descriptor, "request.principal.name", "required");
    s_refused("{\"command\":null}", &hcap__worker_message__descriptor, "command", "required");
}

Test(json, strings_must_not_hold_nul)
{
    s_refused("{\"id\":\"w\\u0000hidden\"}", &hcap__worker__descriptor, "id",
              "must not contain a NUL character");
    s_refused("{\"status\":\"ok\",\"services\":[{\"name\":\"a\\u0000\","
              "\"instances\":1}]}",
              &hcap__health_reply__descriptor, "services[0].name",
              "must not contain a NUL character");
    Hcap__Worker *worker = (Hcap__Worker *)s_in("{\"id\":\"\"}", &hcap__worker__descriptor);
    cr_assert_str_eq(worker->id, "");
}

Test(json, bad_base64)
{
    const char *head = "{\"source\":\"s\",\"epoch\":\"e\",\"seq\":1,\"occurred_at\":\"t\","
                       "\"type\":\"t\",\"body\":";
    const char *bad[] = {"\"not base64!\"", "\"AAE\"", "\"AA==AA==\"",
                         "\"AAECA_8=\"",    "\"A\"",   "\" AAEC\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "%s%s}", head, bad[i]);
        s_refused(text, &hcap__event__descriptor, "body", "invalid base64");
    }
}

Test(json, long_paths_are_truncated_safely)
{
    char key[400];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    char text[512];
    snprintf(text, sizeof text, "{\"%s\":1}", key);
    json_t *json = s_parse(text);
    ProtobufCMessage *msg = NULL;
    hc_error err;
    cr_assert_eq(hc_json_to_message(json, &hcap__worker__descriptor, arena, &msg, &err),
                 HC_INVALID_ARGUMENT);
    json_decref(json);
    cr_assert_eq(strlen(err.field), sizeof err.field - 1);
    cr_assert_str_eq(err.message, "unknown field");
}

/* --- text values ------------------------------------------------------------
 */

static void s_text_ok(json_t *obj, const char *name, const char *text)
{
    hc_error err;
    int rc = hc_json_set_from_text(obj, &s_all_descriptor, name, text, &err);
    cr_assert_eq(rc, HC_OK, "%s=%s: %s", name, text, err.message);
}

static void s_text_bad(const char *name, const char *text, const char *message)
{
    json_t *obj = json_object();
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_json_set_from_text(obj, &s_all_descriptor, name, text, &err);
    cr_assert_eq(rc, HC_INVALID_ARGUMENT, "%s=%s accepted", name, text);
    cr_assert_str_eq(err.field, name);
    cr_assert_str_eq(err.message, message, "%s=%s", name, text);
    cr_assert_eq(json_object_size(obj), 0);
    json_decref(obj);
}

Test(json, set_from_text_converts_by_field_type)
{
    json_t *obj = json_object();
    s_text_ok(obj, "i32", "-12");
    s_text_ok(obj, "u32", "4294967295");
    s_text_ok(obj, "i64", "-9223372036854775808");
    s_text_ok(obj, "u64", "9223372036854775807");
    s_text_ok(obj, "dbl", "2.5");
    s_text_ok(obj, "flt", "3");
    s_text_ok(obj, "b", "false");
    s_text_ok(obj, "str", "hello world");
    s_text_ok(obj, "color", "dark_red");
    s_text_ok(obj, "nums", "4");
    s_text_ok(obj, "nums", "5");
    char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    cr_assert_str_eq(text, "{\"b\":false,\"color\":\"dark_red\",\"dbl\":2.5,\"flt\":3.0,"
                           "\"i32\":-12,\"i64\":-9223372036854775808,\"nums\":[4,5],"
                           "\"str\":\"hello world\",\"u32\":4294967295,"
                           "\"u64\":9223372036854775807}");
    free(text);
    AllTypes *all = NULL;
    hc_error err;
    cr_assert_eq(hc_json_to_message(obj, &s_all_descriptor, arena, (ProtobufCMessage **)&all, &err),
                 HC_OK, "%s", err.message);
    cr_assert_eq(all->n_nums, 2);
    cr_assert_eq(all->color, BRIGHT_COLOR_DARK_RED);
    json_decref(obj);
}

Test(json, set_from_text_refuses_what_does_not_parse)
{
    s_text_bad("nope", "1", "unknown field");
    s_text_bad("i32", "12abc", "expected an integer");
    s_text_bad("i32", "", "expected an integer");
    s_text_bad("i32", " 12", "expected an integer");
    s_text_bad("i32", "1.5", "expected an integer");
    s_text_bad("i32", "2147483648", "expected an integer");
    s_text_bad("u32", "-1", "expected an integer");
    s_text_bad("u64", "18446744073709551615", "expected an integer");
    s_text_bad("i64", "99999999999999999999", "expected an integer");
    s_text_bad("dbl", "abc", "expected a number");
    s_text_bad("dbl", "nan", "expected a number");
    s_text_bad("dbl", "1e999", "expected a number");
    s_text_bad("b", "yes", "expected true or false");
    s_text_bad("str", "bad\xff", "invalid UTF-8");
}

Test(json, set_from_text_on_a_real_request)
{
    json_t *obj = json_object();
    hc_error err;
    cr_assert_eq(hc_json_set_from_text(obj, &hcap__get_request__descriptor, "id", "wkr_9", &err),
                 HC_OK);
    Hcap__GetRequest *req = NULL;
    cr_assert_eq(hc_json_to_message(obj, &hcap__get_request__descriptor, arena,
                                    (ProtobufCMessage **)&req, &err),
                 HC_OK);
    cr_assert_str_eq(req->id, "wkr_9");
    json_decref(obj);
}

/* --- random input ------------------------------------------------------------
 */

static const char *s_keys[] = {
    "id",    "command", "request", "principal", "role",  "name",      "gender", "race_ethnicity",
    "hours", "body",    "seq",     "services",  "nums",  "u32",       "byt",    "color",
    "b",     "str",     "i64",     "events",    "reals", "pick_text", "x",      "instances"};

static json_t *s_random_json(unsigned *seed, int depth)
{
    int kind = rand_r(seed) % (depth > 3 ? 7 : 9);
    switch (kind) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rand_r(seed) % 2);
    case 2:
        return json_integer((json_int_t)rand_r(seed) - RAND_MAX / 2);
    case 3:
        return json_integer(rand_r(seed) % 2 ? INT64_MAX : INT64_MIN);
    case 4:
        return json_real((rand_r(seed) % 2000) / 7.0);
    case 5: {
        static const char *words[] = {"admin",     "female",      "ready", "AAE=",   "",
                                      "x\xC3\xA9", "unspecified", "asian", "request"};
        return json_string(words[rand_r(seed) % 9]);
    }
    case 6:
        return json_stringn("a\0b", 3);
    case 7: {
        json_t *array = json_array();
        for (int i = rand_r(seed) % 4; i > 0; i--)
            json_array_append_new(array, s_random_json(seed, depth + 1));
        return array;
    }
    default: {
        json_t *object = json_object();
        for (int i = rand_r(seed) % 6; i > 0; i--)
            json_object_set_new(object, s_keys[rand_r(seed) % (sizeof s_keys / sizeof s_keys[0])],
                                s_random_json(seed, depth + 1));
        return object;
    }
    }
}

/* Whatever arrives, conversion either fails with a field-naming error or
   yields a message whose JSON converts back to the same JSON. */
Test(json, random_input_never_crashes_and_accepted_input_round_trips)
{
    const ProtobufCMessageDescriptor *descs[] = {
        &hcap__worker__descriptor,       &hcap__worker_message__descriptor,
        &hcap__program__descriptor,      &hcap__event__descriptor,
        &hcap__health_reply__descriptor, &s_all_descriptor,
        &hcap__fetch_reply__descriptor,  &hcap__empty__descriptor};
    unsigned seed = 4242;
    int accepted = 0;
    for (int round = 0; round < 20000; round++) {
        json_t *json = s_random_json(&seed, 0);
        const ProtobufCMessageDescriptor *desc = descs[round % 8];
        ProtobufCMessage *msg = NULL;
        hc_error err;
        hc_error_clear(&err);
        int rc = hc_json_to_message(json, desc, arena, &msg, &err);
        if (rc == HC_OK) {
            accepted++;
            json_t *once = hc_json_from_message(msg);
            ProtobufCMessage *again = NULL;
            cr_assert_eq(hc_json_to_message(once, desc, arena, &again, &err), HC_OK, "%s %s",
                         err.field, err.message);
            json_t *twice = hc_json_from_message(again);
            cr_assert(json_equal(once, twice));
            json_decref(once);
            json_decref(twice);
        } else {
            cr_assert_eq(rc, HC_INVALID_ARGUMENT);
            cr_assert_neq(err.message[0], '\0');
        }
        json_decref(json);
        if (round % 100 == 0)
            hc_arena_reset(arena);
    }
    cr_assert_gt(accepted, 100, "only %d accepted", accepted);
}
