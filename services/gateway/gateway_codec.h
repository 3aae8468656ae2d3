/* gateway_codec: HTTP <-> protobuf for a route. Builds a method's packed
   input from the JSON body (or raw CSV), path and query parameters; renders
   a reply as JSON or CSV, or an error as {"error": {code, message, field}}. */
#ifndef GATEWAY_CODEC_H
#define GATEWAY_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include "gateway_routes.h"
#include "hc_arena.h"
#include "hc_broker.h"
#include "hc_error.h"

#define GW_CONTENT_JSON "application/json; charset=utf-8"
#define GW_CONTENT_CSV  "text/csv; charset=utf-8"
#define GW_CONTENT_TEXT "text/plain; version=0.0.4; charset=utf-8"

/* One query parameter as it came (value NULL for "?flag"). */
typedef struct {
    const char *name;
    const char *value;
} gw_param;

/* An HTTP reply: status, malloc'd body (free()), static content type. */
typedef struct {
    int status;
    char *body;
    size_t size;
    const char *content_type;
} gw_http_reply;

/* Builds the input message of route's rpc: the JSON body object (or, for a
   GW_ROUTE_RAW_CSV route, the body as field "csv"), then query parameters
   (all but "format", and "service" of a GW_ROUTE_BY_SERVICE route), then
   path parameters, each converted to its field's
   type. On HC_OK *packed (in arena) and *size hold the packed message; else
   HC_INVALID_ARGUMENT (malformed JSON, not an object, an unknown query
   parameter, bad UTF-8, a field the walker refuses) or HC_NOT_FOUND (the
   route's rpc is unknown), err naming the field. */
int gw_codec_request(const gw_route *route, const gw_match *match, const char *body, size_t size,
                     const gw_param *query, size_t n_query, hc_arena *arena, uint8_t **packed,
                     size_t *packed_size, hc_error *err);

/* The same, from a JSON object already built (for internal callers). */
int gw_codec_pack_json(const ProtobufCMessageDescriptor *desc, const json_t *object,
                       hc_arena *arena, uint8_t **packed, size_t *packed_size, hc_error *err);

/* Renders a reply for route: an error reply as gw_codec_error; an OK reply
   decoded with the rpc's output type as JSON (201 for GW_ROUTE_CREATE, 422
   for GW_ROUTE_REJECTS with a non-empty `rejected`, 503 for a
   GW_ROUTE_HEALTH reply whose status is "degraded", else 200), or as CSV
   when csv is true; for a GW_ROUTE_RAW_JSON route, 200 with the text of
   the output's first string field as the body, verbatim. A reply that does
   not decode gives 500 internal. */
void gw_codec_reply(const gw_route *route, const hc_broker_reply *reply, bool csv,
                    gw_http_reply *out);

/* The error body of code (HTTP status from hc_code_http); field may be NULL
   or "" (written as null). */
void gw_codec_error(int code, const char *field, const char *message, gw_http_reply *out);

/* CSV of a message: the rows of its first repeated message field ("items",
   "rows"), then each singular field of the rows' type that is set (a
   "total" row), with a header row of the row type's field names in
   descriptor order; or, without such a field, a header and one row of the
   message's own fields that are not messages. Arrays are joined by ';',
   absent (null) values are empty cells. Returns a malloc'd text and sets
   *size, or NULL when out of memory. */
char *gw_codec_csv(const ProtobufCMessage *msg, size_t *size);

/* True when text[0..size) is valid UTF-8 without NUL bytes. */
bool gw_codec_utf8_valid(const char *text, size_t size);

/* Frees out->body; safe on a zeroed or already cleared reply. */
void gw_http_reply_clear(gw_http_reply *out);

#endif
