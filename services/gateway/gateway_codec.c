/* gateway_codec: JSON/CSV on the HTTP side, protobuf on the service side,
   through the one generic walker (hc_json); no per-method code. */
#include "gateway_codec.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hc_json.h"
#include "hc_msg.h"
#include "hc_msgcsv.h"

bool gw_codec_utf8_valid(const char *text, size_t size)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < size) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c == 0)
                return false;
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0)
            n = 1, cp = c & 0x1Fu, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
            n = 2, cp = c & 0x0Fu, min = 0x800;
        else if ((c & 0xF8) == 0xF0)
            n = 3, cp = c & 0x07u, min = 0x10000;
        else
            return false;
        if (size - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

/* The body as a JSON object (new reference), or NULL with err filled. */
static json_t *s_body_object(const gw_route *route, const char *body, size_t size, hc_error *err)
{
    if (route->flags & GW_ROUTE_RAW_CSV) {
        if (!gw_codec_utf8_valid(body ? body : "", size)) {
            hc_error_set(err, HC_INVALID_ARGUMENT, "csv", "the CSV body is not valid UTF-8 text");
            return NULL;
        }
        json_t *object = json_object();
        json_object_set_new(object, "csv", json_stringn(body ? body : "", size));
        return object;
    }
    size_t start = 0;
    while (start < size && body[start] && strchr(" \t\r\n", body[start]))
        start++;
    if (start == size)
        return json_object();
    json_error_t jerr;
    json_t *json = json_loadb(body, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!json) {
        hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "malformed JSON: %s (line %d, column %d)",
                     jerr.text, jerr.line, jerr.column);
        return NULL;
    }
    if (!json_is_object(json)) {
        json_decref(json);
        hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "the request body must be a JSON object");
        return NULL;
    }
    return json;
}

/* Sets one text parameter (query or path) on object. */
static int s_set_param(json_t *object, const ProtobufCMessageDescriptor *desc, const char *name,
                       const char *value, const char *kind, hc_error *err)
{
    if (!name || !gw_codec_utf8_valid(name, strlen(name)) ||
        !protobuf_c_message_descriptor_get_field_by_name(desc, name))
        return hc_error_set(err, HC_INVALID_ARGUMENT, name && *name ? name : NULL,
                            "unknown %s parameter%s%s", kind, name && *name ? " " : "",
                            name && gw_codec_utf8_valid(name, strlen(name)) ? name : "");
    if (!value)
        value = "";
    if (!gw_codec_utf8_valid(value, strlen(value)))
        return hc_error_set(err, HC_INVALID_ARGUMENT, name, "%s parameter is not valid UTF-8",
                            kind);
    return hc_json_set_from_text(object, desc, name, value, err);
}

/* Query parameters the gateway itself takes: "format", and "service" on a
   GW_ROUTE_BY_SERVICE route. */
static bool s_gateway_param(const gw_route *route, const char *name)
{
    if (!name)
        return false;
    return strcmp(name, "format") == 0 ||
           ((route->flags & GW_ROUTE_BY_SERVICE) && strcmp(name, "service") == 0);
}

int gw_codec_pack_json(const ProtobufCMessageDescriptor *desc, const json_t *object,
                       hc_arena *arena, uint8_t **packed, size_t *packed_size, hc_error *err)
{
    ProtobufCMessage *msg = NULL;
    int code = hc_json_to_message(object, desc, arena, &msg, err);
    if (code != HC_OK)
        return code;
    *packed = hc_msg_pack(msg, arena, packed_size);
    return HC_OK;
}

int gw_codec_request(const gw_route *route, const gw_match *match, const char *body, size_t size,
                     const gw_param *query, size_t n_query, hc_arena *arena, uint8_t **packed,
                     size_t *packed_size, hc_error *err)
{
    assert(route && match && arena && packed && packed_size);
    hc_error_clear(err);
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(route->service, route->method);
    if (!rpc)
        return hc_error_set(err, HC_NOT_FOUND, NULL, "no method %s.%s",
                            route->service ? route->service : "?", route->method);
    json_t *object = s_body_object(route, body, size, err);
    if (!object)
        return HC_INVALID_ARGUMENT;
    int code = HC_OK;
    for (size_t i = 0; code == HC_OK && i < n_query; i++)
        if (!s_gateway_param(route, query[i].name))
            code = s_set_param(object, rpc->input, query[i].name, query[i].value, "query", err);
    for (size_t i = 0; code == HC_OK && i < match->n_params; i++)
        code = s_set_param(object, rpc->input, match->params[i].name, match->params[i].value,
                           "path", err);
    if (code == HC_OK)
        code = gw_codec_pack_json(rpc->input, object, arena, packed, packed_size, err);
    json_decref(object);
    return code;
}

void gw_http_reply_clear(gw_http_reply *out)
{
    if (!out)
        return;
    free(out->body);
    out->body = NULL;
    out->size = 0;
}

/* Fills out with a malloc'd copy of json's compact text. */
static void s_reply_json(json_t *json, int status, gw_http_reply *out)
{
    char *text = json_dumps(json, JSON_COMPACT | HC_JSON_DUMP_FLAGS);
    size_t length = text ? strlen(text) : 0;
    out->status = status;
    out->content_type = GW_CONTENT_JSON;
    out->body = malloc(length + 1);
    out->size = out->body ? length : 0;
    if (out->body)
        memcpy(out->body, text ? text : "", length + 1);
    free(text);
}

void gw_codec_error(int code, const char *field, const char *message, gw_http_reply *out)
{
    assert(out);
    json_t *error = json_object();
    json_object_set_new(error, "code", json_string(hc_code_name(code)));
    const char *text = message && *message ? message : hc_code_name(code);
    json_t *jmessage = json_string(text);
    json_object_set_new(error, "message", jmessage ? jmessage : json_string("(unprintable)"));
    json_t *jfield = field && *field ? json_string(field) : NULL;
    json_object_set_new(error, "field", jfield ? jfield : json_null());
    json_t *root = json_object();
    json_object_set_new(root, "error", error);
    s_reply_json(root, hc_code_http(code), out);
    json_decref(root);
}

/* The HTTP status of a decoded OK reply for route. */
static int s_ok_status(const gw_route *route, const json_t *json)
{
    if (route->flags & GW_ROUTE_HEALTH) {
        const char *status = json_string_value(json_object_get(json, "status"));
        return status && strcmp(status, "ok") == 0 ? 200 : 503;
    }
    if ((route->flags & GW_ROUTE_REJECTS) && json_array_size(json_object_get(json, "rejected")))
        return 422;
    return (route->flags & GW_ROUTE_CREATE) ? 201 : 200;
}

/* A GW_ROUTE_RAW_JSON reply: the message's first string field, a complete
   JSON document made by the service, is the body as it is. */
static void s_reply_raw_json(const ProtobufCMessage *msg, gw_http_reply *out)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    const char *text = NULL;
    for (unsigned i = 0; i < desc->n_fields && !text; i++)
        if (desc->fields[i].type == PROTOBUF_C_TYPE_STRING &&
            desc->fields[i].label != PROTOBUF_C_LABEL_REPEATED)
            text = *(const char *const *)((const char *)msg + desc->fields[i].offset);
    if (!text) {
        gw_codec_error(HC_INTERNAL, NULL, "the service's reply holds no document", out);
        return;
    }
    size_t length = strlen(text);
    out->body = malloc(length + 1);
    if (!out->body) {
        gw_codec_error(HC_INTERNAL, NULL, "out of memory", out);
        return;
    }
    memcpy(out->body, text, length + 1);
    out->size = length;
    out->status = 200;
    out->content_type = GW_CONTENT_JSON;
}

void gw_codec_reply(const gw_route *route, const hc_broker_reply *reply, bool csv,
                    gw_http_reply *out)
{
    assert(route && reply && out);
    memset(out, 0, sizeof *out);
    if (reply->code != HC_OK) {
        gw_codec_error(reply->code, reply->field, reply->message, out);
        return;
    }
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(route->service, route->method);
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *msg =
        rpc ? hc_msg_unpack(rpc->output, reply->body, reply->size, arena) : NULL;
    if (!msg)
        gw_codec_error(HC_INTERNAL, NULL, "the service's reply did not decode", out);
    else if (csv) {
        out->status = 200;
        out->content_type = GW_CONTENT_CSV;
        out->body = gw_codec_csv(msg, &out->size);
        if (!out->body)
            gw_codec_error(HC_INTERNAL, NULL, "out of memory", out);
    } else if (route->flags & GW_ROUTE_RAW_JSON)
        s_reply_raw_json(msg, out);
    else {
        json_t *json = hc_json_from_message(msg);
        s_reply_json(json, s_ok_status(route, json), out);
        json_decref(json);
    }
    hc_arena_destroy(&arena);
}

char *gw_codec_csv(const ProtobufCMessage *msg, size_t *size)
{
    assert(msg && size);
    return hc_msgcsv(msg, size);
}
