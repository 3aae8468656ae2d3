/* fuzz_json: HTTP bodies and URL parameters through the JSON walker into
   every service's request types, as the gateway does, and what it accepts
   packed for the service, decoded there and rendered back. Input: one
   selector byte (low 7 bits pick the request type; the high bit says
   "name=value" parameter instead of a body), then the text. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>
#include "fz.h"
#include "hc_arena.h"
#include "hc_json.h"
#include "hc_msg.h"

/* The gateway's query and path parameters: name=value set on an object. */
static json_t *s_param_object(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                              size_t size)
{
    char *text = strndup((const char *)data, size);
    char *value = text ? strchr(text, '=') : NULL;
    json_t *object = json_object();
    hc_error err;
    if (value) {
        *value++ = '\0';
        if (hc_json_set_from_text(object, desc, text, value, &err) != HC_OK)
            json_decref(object), object = NULL;
    }
    free(text);
    return object;
}

static json_t *s_body_object(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *json = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (json && !json_is_object(json))
        json_decref(json), json = NULL;
    return json;
}

/* Bytes of a base64 string into out (cap bytes); -1 when it is not one. */
static long s_base64(const json_t *text, uint8_t *out, size_t cap)
{
    size_t len = 0;
    const char *end = NULL;
    if (sodium_base642bin(out, cap, json_string_value(text), json_string_length(text), NULL, &len,
                          &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != json_string_value(text) + json_string_length(text))
        return -1;
    return (long)len;
}

/* Two spellings of the same bytes (a bytes field's value). */
static bool s_same_base64(const json_t *a, const json_t *b)
{
    size_t cap = json_string_length(a) + json_string_length(b) + 4;
    uint8_t *x = malloc(cap), *y = malloc(cap);
    long nx = x ? s_base64(a, x, cap) : -1, ny = y ? s_base64(b, y, cap) : -1;
    bool same = nx >= 0 && nx == ny && memcmp(x, y, (size_t)nx) == 0;
    free(x);
    free(y);
    return same;
}

/* True when out (rendered from what the service decoded) holds what the
   client sent in: every value given, as given (a number as the same
   number, whatever JSON type; base64 as any base64 string). */
static bool s_same(const json_t *in, const json_t *out)
{
    if (json_is_number(in))
        return json_is_integer(in) && json_is_integer(out)
                   ? json_integer_value(in) == json_integer_value(out)
                   : json_is_number(out) && json_number_value(in) == json_number_value(out);
    if (json_is_string(in) && json_is_string(out))
        return json_equal(in, out) || s_same_base64(in, out);
    if (json_is_array(in)) {
        if (!json_is_array(out) || json_array_size(in) != json_array_size(out))
            return false;
        for (size_t i = 0; i < json_array_size(in); i++)
            if (!s_same(json_array_get(in, i), json_array_get(out, i)))
                return false;
        return true;
    }
    if (json_is_object(in)) {
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)in, key, value)
        {
            if (!json_is_null(value) && !s_same(value, json_object_get(out, key)))
                return false;
        }
        return json_is_object(out);
    }
    return json_equal(in, out);
}

/* A request the walker took goes to the service, which must decode it to
   what the client sent. */
static void s_deliver(const json_t *json, const ProtobufCMessage *msg, hc_arena *arena)
{
    size_t size = 0;
    uint8_t *packed = hc_msg_pack(msg, arena, &size);
    ProtobufCMessage *got = packed ? hc_msg_unpack(msg->descriptor, packed, size, arena) : NULL;
    if (got == NULL)
        fz_fail("%s: the walker built a message the service cannot decode", msg->descriptor->name);
    json_t *back = hc_json_from_message(got);
    if (!s_same(json, back)) {
        char *sent = json_dumps(json, JSON_COMPACT), *seen = json_dumps(back, JSON_COMPACT);
        fz_fail("%s: sent %s, the service got %s", msg->descriptor->name, sent, seen);
    }
    json_decref(back);
    fz_exercise(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const ProtobufCMessageDescriptor *desc = fz_pick(data[0] & 0x7F, false);
    json_t *json = data[0] & 0x80 ? s_param_object(desc, data + 1, size - 1)
                                  : s_body_object(data + 1, size - 1);
    if (json == NULL)
        return 0;
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *msg = NULL;
    hc_error err;
    if (hc_json_to_message(json, desc, arena, &msg, &err) == HC_OK)
        s_deliver(json, msg, arena);
    else if (err.code != HC_INVALID_ARGUMENT || !err.message[0])
        fz_fail("%s: refused with code %d and no message", desc->name, err.code);
    hc_arena_destroy(&arena);
    json_decref(json);
    return 0;
}
