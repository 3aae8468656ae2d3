/* fuzz-seeds tests/fuzz: writes the seed corpora corpus/{json,proto,wire}/
   (every request and reply type with a plausible value in every field,
   packed and as JSON; frames carrying real request bodies and events; the
   API's own request examples) and dict/json.dict (JSON tokens, every field
   and enum name). Run it again when the protos change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <czmq.h>
#include <jansson.h>
#include "fz.h"
#include "hc_arena.h"
#include "hc_field.h"
#include "hc_json.h"
#include "hc_msg.h"
#include "hcap.pb-c.h"

#define S_DEPTH 3

/* Realistic request bodies (API.md, README.md): type, file name, JSON. */
static const char *const s_examples[][3] = {
    {"hcap.CreateWorkerRequest", "worker_readme",
     "{\"given_name\":\"Ana\",\"family_name\":\"Ruiz\",\"employment_status\":\"incumbent\"}"},
    {"hcap.CreateWorkerRequest", "worker_utf8",
     "{\"given_name\":\"Zo\\u00eb\",\"family_name\":\"Nguy\xe1\xbb\x85n\",\"external_id\":\"E-17\","
     "\"birth_date\":\"1990-04-02\",\"email\":\"zoe@example.org\",\"preferred_language\":\"vi\","
     "\"race_ethnicity\":[\"asian\",\"white\"],\"gender\":\"female\",\"employment_status\":"
     "\"incumbent\",\"hourly_wage_cents\":2350,\"hire_date\":\"2021-09-13\",\"phone\":null}"},
    {"hcap.CreateApprenticeshipProgramRequest", "program",
     "{\"code\":\"CNA-A\",\"name\":\"Nursing assistant\",\"occupation\":\"Nursing Assistant\","
     "\"onet_soc\":\"31-1131.00\",\"approach\":\"hybrid\",\"ojl_hours\":2000,\"rti_hours\":144.4,"
     "\"competencies\":[\"vitals\",\"hygiene\"],\"wage_steps\":[{\"after_ojl_hours\":0,"
     "\"hourly_wage_cents\":2000},{\"after_ojl_hours\":1000,\"hourly_wage_cents\":2200}]}"},
    {"hcap.LogHoursRequest", "hours",
     "{\"id\":\"ap_1\",\"kind\":\"ojl\",\"date\":\"2024-05-01\",\"hours\":7.5}"},
    {"hcap.CreateGrantRequest", "grant",
     "{\"code\":\"G-2024\",\"name\":\"Workforce \\\"Ready\\\"\",\"start_date\":\"2024-01-01\","
     "\"end_date\":\"2024-12-31\",\"deliverables\":[{\"code\":\"D1\",\"name\":\"Enrolled\","
     "\"metric\":\"participants\",\"target\":120,\"filter\":{\"program_codes\":[\"CNA\"]}}]}"},
    {"hcap.ImportWorkersRequest", "import",
     "{\"csv\":\"external_id,given_name,family_name,employment_status\\r\\nE-1,\\\"Ana, "
     "Maria\\\",Ruiz,incumbent\\r\\n\",\"dry_run\":true}"},
    {"hcap.ListWorkersRequest", "list", "{\"q\":\"ana\",\"limit\":50}"},
};

/* URL parameters: type, file name, "name=value". */
static const char *const s_params[][3] = {
    {"hcap.ListWorkersRequest", "param_limit", "limit=10"},
    {"hcap.ListWorkersRequest", "param_q", "q=Zo\xc3\xab"},
    {"hcap.ListApprenticesRequest", "param_status", "status=active"},
    {"hcap.GetRequest", "param_id", "id=wk_01HX"},
};

static int s_selector(const ProtobufCMessageDescriptor *desc, bool outputs)
{
    const ProtobufCMessageDescriptor *const *types;
    size_t n = fz_types(outputs, &types);
    for (size_t i = 0; i < n; i++)
        if (types[i] == desc)
            return (int)i;
    return -1;
}

static int s_selector_named(const char *name)
{
    const ProtobufCMessageDescriptor *const *types;
    size_t n = fz_types(false, &types);
    for (size_t i = 0; i < n; i++)
        if (strcmp(types[i]->name, name) == 0)
            return (int)i;
    fprintf(stderr, "fuzz-seeds: no request type %s\n", name);
    exit(1);
}

static void s_write(const char *dir, const char *sub, const char *name, int selector,
                    const void *data, size_t size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    FILE *out = fopen(path, "wb");
    if (!out || fputc(selector, out) == EOF || fwrite(data, 1, size, out) != size ||
        fclose(out) != 0) {
        fprintf(stderr, "fuzz-seeds: cannot write %s\n", path);
        exit(1);
    }
}

static ProtobufCMessage *s_fill(const ProtobufCMessageDescriptor *desc, hc_arena *arena, int depth);

/* A string that looks like what the field holds. */
static const char *s_text(const char *name)
{
    if (strstr(name, "date") || strstr(name, "_on"))
        return "2024-03-01";
    if (strstr(name, "_at") || strstr(name, "seen"))
        return "2024-03-01T12:00:00Z";
    if (strstr(name, "name"))
        return "Jos\xc3\xa9 O'Neil, Jr.";
    if (strstr(name, "csv"))
        return "external_id,given_name\r\nE-1,\"Ana \"\"Bea\"\"\"\r\n";
    return name;
}

/* One plausible value of field's type at member. */
static void s_value(const ProtobufCFieldDescriptor *f, void *member, hc_arena *arena, int depth)
{
    static const uint8_t bytes[] = {0x00, 0xff, 0x10};
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        *(uint64_t *)member = 4200;
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        *(double *)member = 144.4;
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        *(float *)member = 2.5f;
        break;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)member = 1;
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *e = f->descriptor;
        *(int *)member = e->n_values > 1 ? e->values[1].value : e->values[0].value;
        break;
    }
    case PROTOBUF_C_TYPE_STRING:
        *(const char **)member = s_text(f->name);
        break;
    case PROTOBUF_C_TYPE_BYTES:
        ((ProtobufCBinaryData *)member)->data = (uint8_t *)bytes;
        ((ProtobufCBinaryData *)member)->len = sizeof bytes;
        break;
    case PROTOBUF_C_TYPE_MESSAGE:
        *(ProtobufCMessage **)member = s_fill(f->descriptor, arena, depth + 1);
        break;
    default:
        *(uint32_t *)member = 7;
        break;
    }
}

/* A message of desc with every field set (two items in a list; the first
   member of a oneof), nested S_DEPTH deep. */
static ProtobufCMessage *s_fill(const ProtobufCMessageDescriptor *desc, hc_arena *arena, int depth)
{
    ProtobufCMessage *msg = hc_arena_message(arena, desc);
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        char *member = (char *)msg + f->offset;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth >= S_DEPTH &&
            f->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(uint32_t *)((char *)msg + f->quantifier_offset) != 0)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t step = hc_msg_value_size(f->type);
            char *items = hc_arena_alloc(arena, 2 * step);
            s_value(f, items, arena, depth);
            s_value(f, items + step, arena, depth);
            *(size_t *)((char *)msg + f->quantifier_offset) = 2;
            *(void **)member = items;
        } else {
            s_value(f, member, arena, depth);
            hc_field_mark(msg, f, true);
        }
    }
    return msg;
}

/* Packs msg into the arena as a bytes value. */
static ProtobufCBinaryData s_packed(const ProtobufCMessage *msg, hc_arena *arena)
{
    ProtobufCBinaryData data;
    data.data = hc_msg_pack(msg, arena, &data.len);
    return data;
}

/* The README's CreateWorker body, packed as the gateway sends it. */
static ProtobufCBinaryData s_request_body(hc_arena *arena)
{
    const ProtobufCMessageDescriptor *desc = fz_method("enrollment", "CreateWorker")->input;
    json_t *json = json_loads(s_examples[1][2], 0, NULL);
    ProtobufCMessage *msg = NULL;
    hc_error err;
    if (!json || hc_json_to_message(json, desc, arena, &msg, &err) != HC_OK) {
        fprintf(stderr, "fuzz-seeds: the CreateWorker example does not convert\n");
        exit(1);
    }
    json_decref(json);
    return s_packed(msg, arena);
}

/* Frames as their senders fill them: requests naming a real method with a
   real body, events whose body is an event relayed through central. */
static void s_frame_fix(ProtobufCMessage *msg, hc_arena *arena)
{
    ProtobufCBinaryData body = s_request_body(arena);
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    if (desc == &hcap__worker_message__descriptor) {
        Hcap__WorkerMessage *w = (Hcap__WorkerMessage *)msg;
        w->command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REQUEST;
        w->service = "enrollment";
        w->request->method = "CreateWorker";
        w->request->body = body;
    } else if (desc == &hcap__client_request__descriptor) {
        Hcap__ClientRequest *c = (Hcap__ClientRequest *)msg;
        c->service = "enrollment";
        c->method = "CreateWorker";
        c->body = body;
    } else if (desc == &hcap__service_request__descriptor) {
        ((Hcap__ServiceRequest *)msg)->method = "CreateWorker";
        ((Hcap__ServiceRequest *)msg)->body = body;
    } else if (desc == &hcap__fetch_reply__descriptor || desc == &hcap__uplink_batch__descriptor) {
        Hcap__Event **events = desc == &hcap__fetch_reply__descriptor
                                   ? ((Hcap__FetchReply *)msg)->events
                                   : ((Hcap__UplinkBatch *)msg)->events;
        ProtobufCMessage *inner = s_fill(&hcap__event__descriptor, arena, 1);
        ((Hcap__Event *)inner)->type = "enrollment.worker_registered.v1";
        events[0]->body = s_packed(inner, arena);
        events[1]->body = body;
    }
}

static void s_type_seeds(const char *dir, hc_arena *arena)
{
    const ProtobufCMessageDescriptor *const *types;
    size_t n = fz_types(true, &types);
    for (size_t i = 0; i < n; i++) {
        ProtobufCMessage *msg = s_fill(types[i], arena, 0);
        ProtobufCBinaryData packed = s_packed(msg, arena);
        s_write(dir, "proto", types[i]->short_name, (int)i, packed.data, packed.len);
        int selector = s_selector(types[i], false);
        if (selector < 0)
            continue;
        json_t *json = hc_json_from_message(msg);
        char *text = json_dumps(json, HC_JSON_DUMP_FLAGS);
        s_write(dir, "json", types[i]->short_name, selector, text, strlen(text));
        free(text);
        json_decref(json);
    }
}

static void s_frame_seeds(const char *dir, hc_arena *arena)
{
    const ProtobufCMessageDescriptor *const *frames;
    size_t n = fz_frames(&frames);
    for (size_t i = 0; i < n; i++) {
        ProtobufCMessage *msg = s_fill(frames[i], arena, 0);
        ProtobufCBinaryData packed = s_packed(msg, arena);
        s_write(dir, "wire", frames[i]->short_name, (int)i, packed.data, packed.len);
        s_frame_fix(msg, arena);
        packed = s_packed(msg, arena);
        char name[128];
        snprintf(name, sizeof name, "%s_real", frames[i]->short_name);
        s_write(dir, "wire", name, (int)i, packed.data, packed.len);
    }
}

/* One dictionary entry per distinct word. */
static void s_word(FILE *out, zhashx_t *seen, const char *word)
{
    if (zhashx_insert(seen, word, (void *)word) == 0)
        fprintf(out, "\"\\\"%s\\\"\"\n", word);
}

static void s_dict_type(FILE *out, zhashx_t *seen, const ProtobufCMessageDescriptor *desc)
{
    if (zhashx_insert(seen, desc->name, (void *)desc->name) != 0)
        return;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        s_word(out, seen, f->name);
        if (f->type == PROTOBUF_C_TYPE_MESSAGE)
            s_dict_type(out, seen, f->descriptor);
        const ProtobufCEnumDescriptor *e = f->descriptor;
        for (unsigned v = 0; f->type == PROTOBUF_C_TYPE_ENUM && v < e->n_values; v++)
            if (hc_json_enum_name(e, e->values[v].value))
                s_word(out, seen, hc_json_enum_name(e, e->values[v].value));
    }
}

static void s_dict(const char *dir)
{
    static const char *const tokens[] = {
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "null",
        "true",
        "false",
        "\\\\u0000",
        "\\\\ud83d\\\\ude00",
        "1e308",
        "-0",
        "0.5",
        "9223372036854775807",
        "18446744073709551615",
        "4294967296",
        "-2147483649",
        "=",
        "\\\"",
    };
    char path[1024];
    snprintf(path, sizeof path, "%s/dict", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/dict/json.dict", dir);
    FILE *out = fopen(path, "w");
    if (!out) {
        fprintf(stderr, "fuzz-seeds: cannot write %s\n", path);
        exit(1);
    }
    fprintf(out, "# JSON tokens, then every field and enum name of the request types.\n");
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++)
        fprintf(out, "\"%s\"\n", tokens[i]);
    zhashx_t *seen = zhashx_new();
    const ProtobufCMessageDescriptor *const *types;
    size_t n = fz_types(false, &types);
    for (size_t i = 0; i < n; i++)
        s_dict_type(out, seen, types[i]);
    zhashx_destroy(&seen);
    fclose(out);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz-seeds tests/fuzz\n");
        return 2;
    }
    char corpus[1024];
    snprintf(corpus, sizeof corpus, "%s/corpus", argv[1]);
    mkdir(corpus, 0755);
    hc_arena *arena = hc_arena_new();
    s_type_seeds(corpus, arena);
    s_frame_seeds(corpus, arena);
    for (size_t i = 0; i < sizeof s_examples / sizeof s_examples[0]; i++)
        s_write(corpus, "json", s_examples[i][1], s_selector_named(s_examples[i][0]),
                s_examples[i][2], strlen(s_examples[i][2]));
    for (size_t i = 0; i < sizeof s_params / sizeof s_params[0]; i++)
        s_write(corpus, "json", s_params[i][1], 0x80 | s_selector_named(s_params[i][0]),
                s_params[i][2], strlen(s_params[i][2]));
    hc_arena_destroy(&arena);
    s_dict(argv[1]);
    return 0;
}
