/* fuzz_json: HTTP bodies and URL parameters through the JSON walker into
   every service's request types, as the gateway does, and what it accepts
   packed for the service, decoded there and rendered back. Input: one
   selector byte (low 7 bits pick the request type; the high bit says
   "name=value" parameter instead of a body), then the text. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
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

/* A request the walker took goes to the service, which must decode it to
   the same message. */
static void s_deliver(const ProtobufCMessage *msg, hc_arena *arena)
{
    size_t size = 0;
    uint8_t *packed = hc_msg_pack(msg, arena, &size);
    ProtobufCMessage *got = packed ? hc_msg_unpack(msg->descriptor, packed, size, arena) : NULL;
    if (got == NULL)
        fz_fail("%s: the walker built a message the service cannot decode", msg->descriptor->name);
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
        s_deliver(msg, arena);
    else if (err.code != HC_INVALID_ARGUMENT || !err.message[0])
        fz_fail("%s: refused with code %d and no message", desc->name, err.code);
    hc_arena_destroy(&arena);
    json_decref(json);
    return 0;
}
