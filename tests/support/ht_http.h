/* ht_http: a minimal HTTP/1.1 client over a plain socket (one request per
   connection, Connection: close, bounded by a timeout) and jansson helpers
   for the JSON API of a node under test. */
#ifndef HT_HTTP_H
#define HT_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include "ht_node.h"

typedef struct {
    const char *method;          /* "GET", "POST", ... */
    const char *path;            /* "/v1/workers?q=ana" */
    const char *token;           /* Authorization: Bearer; NULL for none */
    const char *content_type;    /* NULL: application/json when there is a body */
    const char *idempotency_key; /* NULL for none */
    const char *accept;          /* NULL for none */
    const char *extra_header;    /* one "Name: value" line, or NULL */
    const void *body;            /* NULL for none */
    size_t body_len;             /* 0 with a body: strlen(body) */
    int timeout_ms;              /* 0: 30 s */
} ht_req;

typedef struct {
    int status; /* HTTP status; 0 when no complete response came */
    char *head; /* status line and headers, NUL-terminated */
    char *body; /* de-chunked body, NUL-terminated */
    size_t body_len;
    json_t *json; /* the body parsed as JSON, or NULL */
} ht_resp;

/* Sends req to node's HTTP port and reads the response into resp (always
   initialised; free with ht_resp_free). Returns resp->status. */
int ht_http(const ht_node *node, const ht_req *req, ht_resp *resp);

void ht_resp_free(ht_resp *resp);

/* Sends the n requests at once (one thread and connection each) and waits
   for every response; resps[i] answers reqs[i]. */
void ht_http_parallel(const ht_node *node, const ht_req *reqs, ht_resp *resps, int n);

/* Value of header name (case-insensitive) copied into buf, or NULL. */
const char *ht_resp_header(const ht_resp *resp, const char *name, char *buf, size_t size);

/* text percent-encoded for a URL query (malloc'd). */
char *ht_urlencode(const char *text);

/* JSON calls with the node's admin token (or the token given). Return the
   HTTP status; *out (when out is not NULL) gets the parsed body (new
   reference, NULL when it was not JSON). json_text may be NULL. */
int ht_json_call(const ht_node *node, const char *method, const char *path, const char *token,
                 const char *json_text, json_t **out);
int ht_json_get(const ht_node *node, const char *path, json_t **out);
int ht_json_post(const ht_node *node, const char *path, const char *json_text, json_t **out);
int ht_json_patch(const ht_node *node, const char *path, const char *json_text, json_t **out);
int ht_json_delete(const ht_node *node, const char *path, json_t **out);

/* POSTs the JSON built from fmt (printf), asserts 201 and returns the new
   object's "id" (malloc'd). */
char *ht_create(const ht_node *node, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Calls method path with the admin token and body (NULL for none), asserts
   the status is want and returns the parsed reply (new reference; NULL
   when it was not JSON). */
json_t *ht_expect(const ht_node *node, int want, const char *method, const char *path,
                  const char *body);

/* Asserts an error reply of API.md: status want_status and a body
   {"error": {"code": want_code, "message": non-empty, "field": ...}}
   (want_code NULL: any code).
   want_field NULL: any field; otherwise the field equals it, or starts with
   it when it ends with '*'. what names the request in failure messages. */
void ht_assert_error(const char *what, int status, json_t *reply, int want_status,
                     const char *want_code, const char *want_field);

/* Looks up a dotted path built from fmt ("items.0.id", "error.field");
   numeric parts index arrays. NULL when absent. Borrowed reference. */
json_t *ht_jget(json_t *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The string at the path, or NULL when absent or not a string. */
const char *ht_jstr(json_t *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The integer at the path, or HT_JNONE when absent or not an integer. */
#define HT_JNONE (-999999999999LL)
json_int_t ht_jint(json_t *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Size of the array at the path, or -1. */
long ht_jlen(json_t *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Compact text of json for assertion messages (a per-thread buffer,
   truncated to 3000 chars; "(null)" for NULL). */
const char *ht_jtext(const json_t *json);

#endif
