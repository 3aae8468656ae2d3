/* fz: service tables and the checks every fuzz target runs on a message it
   decoded: JSON, CSV and protobuf round trips through the common code. */
#include "fz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "apprenticeship.pb-c.h"
#include "credentialing.pb-c.h"
#include "enrollment.pb-c.h"
#include "federation.pb-c.h"
#include "gateway.pb-c.h"
#include "hc_arena.h"
#include "hc_csv.h"
#include "hc_json.h"
#include "hc_msg.h"
#include "hc_msgcsv.h"
#include "hcap.pb-c.h"
#include "reporting.pb-c.h"

#define S_TYPES_MAX 256

static const struct {
    const char *name;
    const ProtobufCServiceDescriptor *desc;
} s_services[] = {
    {"enrollment", &hcap__enrollment_service__descriptor},
    {"credentialing", &hcap__credentialing_service__descriptor},
    {"apprenticeship", &hcap__apprenticeship_service__descriptor},
    {"reporting", &hcap__reporting_service__descriptor},
    {"gateway", &hcap__gateway_service__descriptor},
    {"uplink", &hcap__uplink_service__descriptor},
    {"central", &hcap__central_service__descriptor},
};
#define S_N_SERVICES (sizeof s_services / sizeof s_services[0])

void fz_fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fputs("fz: FINDING: ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
    abort();
}

const ProtobufCServiceDescriptor *fz_service(const char *name)
{
    for (size_t i = 0; name && i < S_N_SERVICES; i++)
        if (strcmp(s_services[i].name, name) == 0)
            return s_services[i].desc;
    return NULL;
}

const ProtobufCMethodDescriptor *fz_method(const char *service, const char *method)
{
    for (size_t i = 0; method && i < S_N_SERVICES; i++) {
        if (service && strcmp(s_services[i].name, service) != 0)
            continue;
        const ProtobufCMethodDescriptor *found =
            protobuf_c_service_descriptor_get_method_by_name(s_services[i].desc, method);
        if (found)
            return found;
    }
    return NULL;
}

static void s_add(const ProtobufCMessageDescriptor **types, size_t *n,
                  const ProtobufCMessageDescriptor *desc)
{
    for (size_t i = 0; i < *n; i++)
        if (types[i] == desc)
            return;
    if (*n == S_TYPES_MAX)
        fz_fail("more than %d message types", S_TYPES_MAX);
    types[(*n)++] = desc;
}

size_t fz_types(bool outputs, const ProtobufCMessageDescriptor *const **types)
{
    static const ProtobufCMessageDescriptor *table[S_TYPES_MAX];
    static size_t n_inputs, n_all;
    if (n_all == 0) {
        for (size_t i = 0; i < S_N_SERVICES; i++)
            for (unsigned m = 0; m < s_services[i].desc->n_methods; m++)
                s_add(table, &n_inputs, s_services[i].desc->methods[m].input);
        n_all = n_inputs;
        for (size_t i = 0; i < S_N_SERVICES; i++)
            for (unsigned m = 0; m < s_services[i].desc->n_methods; m++)
                s_add(table, &n_all, s_services[i].desc->methods[m].output);
    }
    *types = table;
    return outputs ? n_all : n_inputs;
}

const ProtobufCMessageDescriptor *fz_pick(uint8_t selector, bool outputs)
{
    const ProtobufCMessageDescriptor *const *types;
    size_t n = fz_types(outputs, &types);
    return types[selector % n];
}

size_t fz_frames(const ProtobufCMessageDescriptor *const **frames)
{
    static const ProtobufCMessageDescriptor *const table[] = {
        &hcap__worker_message__descriptor, &hcap__client_request__descriptor,
        &hcap__client_reply__descriptor,   &hcap__service_request__descriptor,
        &hcap__service_reply__descriptor,  &hcap__fetch_request__descriptor,
        &hcap__fetch_reply__descriptor,    &hcap__doorbell__descriptor,
        &hcap__event__descriptor,          &hcap__uplink_batch__descriptor,
        &hcap__uplink_ack__descriptor,
    };
    *frames = table;
    return sizeof table / sizeof table[0];
}

/* Compact text of msg's JSON, malloc'd. */
static char *s_json_text(const ProtobufCMessage *msg)
{
    json_t *json = hc_json_from_message(msg);
    if (json == NULL)
        fz_fail("%s: hc_json_from_message gave NULL", msg->descriptor->name);
    char *text = json_dumps(json, JSON_COMPACT | HC_JSON_DUMP_FLAGS);
    json_decref(json);
    if (text == NULL)
        fz_fail("%s: its JSON does not dump", msg->descriptor->name);
    return text;
}

/* The rendered JSON parses; when the walker takes it back, the message
   renders to the same text (the gateway's reply is its next request). */
static void s_check_json(const ProtobufCMessage *msg)
{
    char *text = s_json_text(msg);
    json_error_t jerr;
    json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (back == NULL)
        fz_fail("%s: rendered JSON does not parse (%s): %s", msg->descriptor->name, jerr.text,
                text);
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *again = NULL;
    hc_error err;
    if (hc_json_to_message(back, msg->descriptor, arena, &again, &err) == HC_OK) {
        char *text2 = s_json_text(again);
        if (strcmp(text, text2) != 0)
            fz_fail("%s: JSON round trip differs:\n  %s\n  %s", msg->descriptor->name, text, text2);
        free(text2);
    }
    hc_arena_destroy(&arena);
    json_decref(back);
    free(text);
}

/* The CSV rendering reads back without an error. */
static void s_check_csv(const ProtobufCMessage *msg)
{
    size_t size = 0;
    char *text = hc_msgcsv(msg, &size);
    if (text == NULL)
        fz_fail("%s: hc_msgcsv gave NULL", msg->descriptor->name);
    hc_csv *csv = hc_csv_new(text, size);
    char **fields;
    size_t count;
    hc_error err;
    int rc;
    while ((rc = hc_csv_next(csv, &fields, &count, &err)) == 1)
        ;
    if (rc != 0)
        fz_fail("%s: its CSV does not read back (%s): %s", msg->descriptor->name, err.message,
                text);
    hc_csv_destroy(&csv);
    free(text);
}

static bool s_has_field_zero(const ProtobufCMessage *msg)
{
    for (unsigned i = 0; i < msg->n_unknown_fields; i++)
        if (msg->unknown_fields[i].tag == 0)
            return true;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *member = (const char *)msg + f->offset;
        size_t n = f->label == PROTOBUF_C_LABEL_REPEATED
                       ? *(const size_t *)((const char *)msg + f->quantifier_offset)
                       : 1;
        ProtobufCMessage *const *items = f->label == PROTOBUF_C_LABEL_REPEATED
                                             ? *(ProtobufCMessage *const *const *)member
                                             : (ProtobufCMessage *const *)member;
        for (size_t k = 0; items && k < n; k++)
            if (items[k] && s_has_field_zero(items[k]))
                return true;
    }
    return false;
}

bool fz_repackable(const ProtobufCMessage *msg)
{
    return !s_has_field_zero(msg);
}

/* pack, unpack (malloc'd, so ASan sees each block) and pack again: the
   same bytes, since the first packing already normalised field order. */
static void s_check_pack(const ProtobufCMessage *msg)
{
    uint8_t *first, *second;
    size_t first_size, second_size;
    if (hc_msg_pack_malloc(msg, &first, &first_size) != 0)
        fz_fail("out of memory");
    ProtobufCMessage *back = protobuf_c_message_unpack(msg->descriptor, NULL, first_size, first);
    if (back == NULL && !fz_repackable(msg)) {
        free(first);
        return;
    }
    if (back == NULL)
        fz_fail("%s: its packing does not unpack", msg->descriptor->name);
    if (hc_msg_pack_malloc(back, &second, &second_size) != 0)
        fz_fail("out of memory");
    if (first_size != second_size || memcmp(first, second, first_size) != 0)
        fz_fail("%s: packing is not stable (%zu then %zu bytes)", msg->descriptor->name, first_size,
                second_size);
    protobuf_c_message_free_unpacked(back, NULL);
    free(first);
    free(second);
}

void fz_exercise(const ProtobufCMessage *msg)
{
    s_check_json(msg);
    s_check_csv(msg);
    s_check_pack(msg);
}
