/* gateway_http: libmicrohttpd in external epoll mode on the gateway's zloop.
   Each request lives in an s_request from its headers to MHD's completed
   callback; a dispatched one holds an s_ticket the reply callback owns, so
   a client that went away only cancels the ticket, never frees under it. */
#include "gateway_http.h"

#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include "gateway_auth.h"
#include "gateway_codec.h"
#include "gateway_idem.h"
#include "gateway_static.h"
#include "hc_arena.h"
#include "hc_log.h"
#include "hc_time.h"

#define S_QUERY_MAX      32
#define S_DISCARD_FACTOR 16 /* bytes read past the limit before hanging up, as multiple */
#define S_TIMER_MAX_MS   1000
#define S_IDLE_TIMEOUT_S 60u

enum { S_READING, S_DISCARDING, S_WAITING, S_READY, S_SENT };

typedef struct s_request s_request;

/* A dispatched request's reply slot; freed by the reply callback. req is
   NULL once the client is gone. */
typedef struct {
    gw_http *http;
    s_request *req;
    const gw_route *route;
    bool csv;
    char *idem_key;     /* scoped key, or NULL */
    char *idem_request; /* "POST /v1/..." */
} s_ticket;

struct s_request {
    gw_http *http;
    struct MHD_Connection *conn;
    int state;
    const char *method; /* MHD's, valid for the request */
    const char *url;
    gw_match match;
    gw_token token;
    Hcap__Principal principal;
    bool authenticated;
    char *body;
    size_t size, capacity, received;
    bool suspended;
    s_ticket *ticket;
    gw_http_reply reply;
    const gw_asset *asset; /* a dashboard file to send instead of reply */
    char allow[128];
    int sent_status;
    double started;
    s_request *prev, *next;
};

struct _gw_http {
    gw_server *server;
    struct MHD_Daemon *daemon;
    zloop_t *loop;
    int epoll_fd;
    int timer_id;
    size_t body_limit;
    gw_idem *idem;
    s_request *requests; /* live, for the orderly stop */
    bool stopping;
    bool stopped;
    uint16_t port;
};

static void s_kick(gw_http *self);

/* Monotonic seconds, for latency at microsecond resolution. */
static double s_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* --- replies --- */

static void s_fail(s_request *req, int code, const char *field, const char *message)
{
    gw_http_reply_clear(&req->reply);
    gw_codec_error(code, field, message, &req->reply);
    req->state = S_READY;
}

/* A dashboard file (gateway_static), or 304 when the client holds it. */
static enum MHD_Result s_send_asset(s_request *req)
{
    unsigned status = 0;
    enum MHD_Result rc = gw_static_send(req->conn, req->asset, &status);
    if (rc == MHD_YES) {
        req->state = S_SENT;
        req->sent_status = (int)status;
    }
    return rc;
}

static enum MHD_Result s_send(s_request *req)
{
    if (req->asset)
        return s_send_asset(req);
    struct MHD_Response *response = MHD_create_response_from_buffer(
        req->reply.size, req->reply.body ? req->reply.body : (char *)"", MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            req->reply.content_type ? req->reply.content_type : GW_CONTENT_JSON);
    if (req->allow[0])
        MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, req->allow);
    enum MHD_Result rc = MHD_queue_response(req->conn, (unsigned)req->reply.status, response);
    MHD_destroy_response(response);
    if (rc == MHD_YES) {
        req->state = S_SENT;
        req->sent_status = req->reply.status;
    }
    return rc;
}

/* --- request life --- */

static s_request *s_request_new(gw_http *self, struct MHD_Connection *conn)
{
    s_request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->http = self;
    req->conn = conn;
    req->started = s_seconds();
    req->next = self->requests;
    if (self->requests)
        self->requests->prev = req;
    self->requests = req;
    return req;
}

static void s_request_free(s_request *req)
{
    gw_http *self = req->http;
    if (req->prev)
        req->prev->next = req->next;
    else
        self->requests = req->next;
    if (req->next)
        req->next->prev = req->prev;
    if (req->ticket)
        req->ticket->req = NULL;
    gw_http_reply_clear(&req->reply);
    free(req->body);
    free(req);
}

static const char *s_header(s_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* Authenticates and authorizes route; false with the error reply set. */
static bool s_authorize(s_request *req, const gw_route *route)
{
    char text[256];
    gw_auth_bearer(s_header(req, MHD_HTTP_HEADER_AUTHORIZATION), text, sizeof text);
    hc_error err;
    hc_error_clear(&err);
    if (gw_server_authorize(req->http->server, route, text, &req->token, &err) != HC_OK) {
        s_fail(req, err.code, err.field, err.message);
        return false;
    }
    if (req->token.id[0]) {
        gw_auth_principal(&req->token, &req->principal);
        req->authenticated = true;
    }
    return true;
}

static void s_serve_metrics(s_request *req)
{
    gw_http_reply_clear(&req->reply);
    req->reply.body = gw_server_metrics_text(req->http->server, &req->reply.size);
    if (!req->reply.body) {
        s_fail(req, HC_INTERNAL, NULL, "out of memory");
        return;
    }
    req->reply.status = 200;
    req->reply.content_type = GW_CONTENT_TEXT;
    req->state = S_READY;
}

/* "/" is index.html; /assets/{file} names any other file. */
static void s_serve_static(s_request *req)
{
    const char *name = req->match.n_params ? req->match.params[0].value : "index.html";
    req->asset = gw_static_find(name);
    if (!req->asset) {
        s_fail(req, HC_NOT_FOUND, NULL, "no such dashboard file");
        return;
    }
    req->state = S_READY;
}

/* The request's route, or false with a 404/405 reply set. */
static bool s_route(s_request *req, const char *method, const char *url)
{
    /* HEAD is answered for the dashboard's files only (MHD sends no body) */
    bool head = strcmp(method, "HEAD") == 0;
    int match = gw_route_match(head ? "GET" : method, url, &req->match);
    if (match == GW_MATCH_OK && head && !(req->match.route->flags & GW_ROUTE_STATIC)) {
        snprintf(req->match.allow, sizeof req->match.allow, "GET");
        match = GW_MATCH_NO_METHOD;
    }
    if (match == GW_MATCH_OK)
        return true;
    if (match == GW_MATCH_NO_PATH) {
        s_fail(req, HC_NOT_FOUND, NULL, "no such path");
        return false;
    }
    char message[192];
    snprintf(message, sizeof message, "method not allowed here; allowed: %s", req->match.allow);
    s_fail(req, HC_INVALID_ARGUMENT, NULL, message);
    snprintf(req->allow, sizeof req->allow, "%s", req->match.allow);
    req->reply.status = MHD_HTTP_METHOD_NOT_ALLOWED;
    return false;
}

static void s_too_large(s_request *req)
{
    char message[96];
    snprintf(message, sizeof message, "the body is larger than %zu bytes", req->http->body_limit);
    s_fail(req, HC_RESOURCE_EXHAUSTED, NULL, message);
}

/* Everything decidable from the request line and headers. */
static void s_request_begin(s_request *req, const char *method, const char *url)
{
    gw_http *self = req->http;
    req->method = method;
    req->url = url;
    if (self->stopping || gw_server_stopping(self->server)) {
        s_fail(req, HC_UNAVAILABLE, NULL, "the gateway is stopping");
        return;
    }
    if (!s_route(req, method, url) || !s_authorize(req, req->match.route))
        return;
    if (req->match.route->flags & GW_ROUTE_METRICS) {
        s_serve_metrics(req);
        return;
    }
    if (req->match.route->flags & GW_ROUTE_STATIC) {
        s_serve_static(req);
        return;
    }
    const char *length = s_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length && strtoull(length, NULL, 10) > self->body_limit)
        s_too_large(req);
}

/* Appends a piece of the body; past the limit the request fails with 413. */
static void s_request_append(s_request *req, const char *data, size_t size)
{
    gw_http *self = req->http;
    req->received += size;
    if (req->received > self->body_limit) {
        free(req->body);
        req->body = NULL;
        req->size = req->capacity = 0;
        s_too_large(req);
        return;
    }
    if (req->size + size + 1 > req->capacity) {
        size_t capacity = req->capacity ? req->capacity : 4096;
        while (capacity < req->size + size + 1)
            capacity *= 2;
        char *body = realloc(req->body, capacity);
        if (!body) {
            s_fail(req, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
            return;
        }
        req->body = body;
        req->capacity = capacity;
    }
    memcpy(req->body + req->size, data, size);
    req->size += size;
    req->body[req->size] = '\0';
}

typedef struct {
    gw_param params[S_QUERY_MAX];
    size_t count;
    bool overflow;
} s_query;

static enum MHD_Result s_on_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    s_query *query = cls;
    if (query->count == S_QUERY_MAX) {
        query->overflow = true;
        return MHD_NO;
    }
    query->params[query->count].name = key;
    query->params[query->count].value = value;
    query->count++;
    return MHD_YES;
}

/* The value of query parameter name, or NULL. */
static const char *s_query_value(const s_query *query, const char *name)
{
    const char *value = NULL;
    for (size_t i = 0; i < query->count; i++)
        if (query->params[i].name && strcmp(query->params[i].name, name) == 0)
            value = query->params[i].value ? query->params[i].value : "";
    return value;
}

/* ?format= and Accept: decides CSV. false with the error reply set. */
static bool s_format(s_request *req, const s_query *query, bool *csv)
{
    const char *format = s_query_value(query, "format");
    bool listable = req->match.route->flags & GW_ROUTE_LIST;
    if (format) {
        if (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
            s_fail(req, HC_INVALID_ARGUMENT, "format", "format must be json or csv");
            return false;
        }
        if (strcmp(format, "csv") == 0 && !listable) {
            s_fail(req, HC_INVALID_ARGUMENT, "format", "format csv is not available here");
            return false;
        }
        *csv = strcmp(format, "csv") == 0;
        return true;
    }
    const char *accept = s_header(req, MHD_HTTP_HEADER_ACCEPT);
    *csv = listable && accept && strcasestr(accept, "text/csv");
    return true;
}

/* A GW_ROUTE_BY_SERVICE route: the route of the service ?service= names
   (the matched one without it). NULL with the error reply set. */
static const gw_route *s_service_route(s_request *req, const s_query *query)
{
    const gw_route *route = req->match.route;
    if (!(route->flags & GW_ROUTE_BY_SERVICE))
        return route;
    const char *service = s_query_value(query, "service");
    const gw_route *chosen = gw_route_for_service(route, service);
    if (chosen)
        return chosen;
    char names[160] = "";
    for (const gw_route *other = gw_route_table(); other->pattern; other++)
        if (other == gw_route_for_service(route, other->service) && other->service) {
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", other->service);
        }
    char message[256];
    snprintf(message, sizeof message, "service must be one of %s", names);
    s_fail(req, HC_INVALID_ARGUMENT, "service", message);
    return NULL;
}

/* The route a request is dispatched to: its own (or, by ?service=, its
   service's), or for CSV the route of its csv_method, whose roles the
   caller must hold too. NULL with the error reply set. */
static const gw_route *s_dispatch_route(s_request *req, const s_query *query, bool csv)
{
    const gw_route *route = s_service_route(req, query);
    if (!route)
        return NULL;
    if (route != req->match.route && !s_authorize(req, route))
        return NULL;
    if (!csv || !route->csv_method)
        return route;
    const gw_route *export = gw_route_find(route->service, route->csv_method);
    if (!export) {
        s_fail(req, HC_INTERNAL, "format", "the CSV method of this route has no route");
        return NULL;
    }
    return s_authorize(req, export) ? export : NULL;
}

static bool s_is_write(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 ||
           strcmp(method, "DELETE") == 0 || strcmp(method, "PUT") == 0;
}

/* Handles Idempotency-Key: true to go on (ticket->idem_* set when there is
   a key); false with the reply set (a replay or an error). */
static bool s_idempotency(s_request *req, s_ticket *ticket)
{
    const char *key = s_header(req, "Idempotency-Key");
    if (!key || !s_is_write(req->method) || !req->authenticated)
        return true;
    if (!gw_idem_key_valid(key)) {
        s_fail(req, HC_INVALID_ARGUMENT, "Idempotency-Key",
               "Idempotency-Key must be 1 to 200 printable ASCII characters");
        return false;
    }
    char *scoped = zsys_sprintf("%s:%s", req->token.id, key);
    char *request = zsys_sprintf("%s %s", req->method, req->url);
    gw_http_reply replay;
    int state = gw_idem_begin(req->http->idem, scoped, request, &replay);
    if (state == GW_IDEM_NEW) {
        ticket->idem_key = scoped;
        ticket->idem_request = request;
        return true;
    }
    zstr_free(&scoped);
    zstr_free(&request);
    if (state == GW_IDEM_REPLAY) {
        gw_http_reply_clear(&req->reply);
        req->reply = replay;
        req->state = S_READY;
    } else if (state == GW_IDEM_BUSY)
        s_fail(req, HC_FAILED_PRECONDITION, "Idempotency-Key",
               "request with this Idempotency-Key is in progress");
    else if (state == GW_IDEM_CONFLICT)
        s_fail(req, HC_FAILED_PRECONDITION, "Idempotency-Key",
               "this Idempotency-Key was used for another request");
    else
        s_fail(req, HC_UNAVAILABLE, NULL, "the idempotency store is unavailable");
    return false;
}

static void s_ticket_free(s_ticket *ticket)
{
    zstr_free(&ticket->idem_key);
    zstr_free(&ticket->idem_request);
    free(ticket);
}

static void s_on_reply(void *arg, const hc_broker_reply *reply)
{
    s_ticket *ticket = arg;
    gw_http *self = ticket->http;
    hc_broker_reply shown = *reply;
    if (reply->code == HC_UNAVAILABLE || reply->code == HC_DEADLINE_EXCEEDED)
        shown.field = NULL; /* the broker names an instance there, not a field */
    gw_http_reply out;
    gw_codec_reply(ticket->route, &shown, ticket->csv, &out);
    if (ticket->idem_key)
        gw_idem_finish(self->idem, ticket->idem_key, ticket->idem_request, &out);
    gw_metrics_inflight(gw_server_metrics(self->server), -1);
    s_request *req = ticket->req;
    s_ticket_free(ticket);
    if (!req) {
        gw_http_reply_clear(&out);
        return;
    }
    req->ticket = NULL;
    gw_http_reply_clear(&req->reply);
    req->reply = out;
    req->state = S_READY;
    if (req->suspended) {
        req->suspended = false;
        MHD_resume_connection(req->conn);
        s_kick(self);
    }
}

/* Builds route's input and dispatches; the reply may arrive before return. */
static void s_dispatch(s_request *req, const gw_route *route, const s_query *query, bool csv)
{
    hc_arena *arena = hc_arena_new();
    uint8_t *packed = NULL;
    size_t size = 0;
    hc_error err;
    if (gw_codec_request(route, &req->match, req->body, req->size, query->params, query->count,
                         arena, &packed, &size, &err) != HC_OK) {
        s_fail(req, err.code, err.field, err.message);
        hc_arena_destroy(&arena);
        return;
    }
    s_ticket *ticket = calloc(1, sizeof *ticket);
    if (!ticket) {
        s_fail(req, HC_UNAVAILABLE, NULL, "out of memory");
        hc_arena_destroy(&arena);
        return;
    }
    ticket->http = req->http;
    ticket->route = route;
    ticket->csv = csv;
    if (!s_idempotency(req, ticket)) {
        s_ticket_free(ticket);
        hc_arena_destroy(&arena);
        return;
    }
    ticket->req = req;
    req->ticket = ticket;
    gw_call call = {.route = route,
                    .body = packed,
                    .size = size,
                    .principal = req->authenticated ? &req->principal : NULL,
                    .idempotency_key = ticket->idem_key};
    gw_metrics_inflight(gw_server_metrics(req->http->server), +1);
    gw_server_dispatch(req->http->server, &call, s_on_reply, ticket);
    hc_arena_destroy(&arena);
}

/* The whole body is in: decide and dispatch, suspending while waiting. */
static void s_request_run(s_request *req)
{
    if (req->http->stopping || gw_server_stopping(req->http->server)) {
        s_fail(req, HC_UNAVAILABLE, NULL, "the gateway is stopping");
        return;
    }
    s_query query;
    memset(&query, 0, sizeof query);
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, s_on_query, &query);
    bool csv = false;
    const gw_route *route = NULL;
    if (query.overflow)
        s_fail(req, HC_INVALID_ARGUMENT, NULL, "too many query parameters");
    else if (s_format(req, &query, &csv) && (route = s_dispatch_route(req, &query, csv)) != NULL)
        s_dispatch(req, route, &query, csv);
    if (req->state == S_READING) {
        req->state = S_WAITING;
        req->suspended = true;
        MHD_suspend_connection(req->conn);
    }
}

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **req_cls)
{
    (void)version;
    gw_http *self = cls;
    s_request *req = *req_cls;
    if (!req) {
        if (!(req = s_request_new(self, conn)))
            return MHD_NO;
        *req_cls = req;
        s_request_begin(req, method, url ? url : "");
        return req->state == S_READY ? s_send(req) : MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        if (req->state == S_READING) {
            s_request_append(req, upload_data, size);
            if (req->state == S_READY)
                req->state = S_DISCARDING;
            return MHD_YES;
        }
        req->received += size;
        return req->received / S_DISCARD_FACTOR > self->body_limit ? MHD_NO : MHD_YES;
    }
    if (req->state == S_READING)
        s_request_run(req);
    if (req->state == S_DISCARDING)
        req->state = S_READY;
    return req->state == S_READY ? s_send(req) : MHD_YES;
}

static void s_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                           enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    gw_http *self = cls;
    s_request *req = *req_cls;
    if (!req)
        return;
    *req_cls = NULL;
    if (req->sent_status) {
        double seconds = s_seconds() - req->started;
        gw_metrics_http(gw_server_metrics(self->server), gw_route_label(req->match.route),
                        req->sent_status, seconds);
    } else
        hc_log_debug("http_request_abandoned", "toe=%d", (int)toe);
    s_request_free(req);
}

/* --- the daemon on the zloop --- */

static int s_on_timer(zloop_t *loop, int timer_id, void *arg);

/* Runs MHD and re-arms the one-shot timer MHD_get_timeout asks for (the
   epoll fd alone does not cover connection timeouts and resumed work). */
static void s_run(gw_http *self)
{
    MHD_run(self->daemon);
    if (!self->loop)
        return;
    if (self->timer_id >= 0)
        zloop_timer_end(self->loop, self->timer_id);
    self->timer_id = -1;
    MHD_UNSIGNED_LONG_LONG timeout = 0;
    if (MHD_get_timeout(self->daemon, &timeout) != MHD_YES)
        return;
    size_t delay = timeout > S_TIMER_MAX_MS ? S_TIMER_MAX_MS : (size_t)timeout;
    self->timer_id = zloop_timer(self->loop, delay, 1, s_on_timer, self);
}

static int s_on_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    gw_http *self = arg;
    if (timer_id == self->timer_id)
        self->timer_id = -1;
    s_run(self);
    return 0;
}

static int s_on_epoll(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    (void)item;
    s_run(arg);
    return 0;
}

/* A resumed connection must be processed soon: run MHD on the next turn
   of the loop (never from inside a callback that MHD itself may be in). */
static void s_kick(gw_http *self)
{
    if (!self->loop || self->stopped)
        return;
    if (self->timer_id >= 0)
        zloop_timer_end(self->loop, self->timer_id);
    self->timer_id = zloop_timer(self->loop, 0, 1, s_on_timer, self);
}

static void s_on_log(void *cls, const char *format, va_list args)
{
    (void)cls;
    char text[512], quoted[600];
    vsnprintf(text, sizeof text, format, args);
    size_t length = strlen(text);
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' '))
        text[--length] = '\0';
    hc_log_warn("http_daemon", "message=%s", hc_log_quote(text, quoted, sizeof quoted));
}

/* Resolves "host:port" / "[v6]:port" into addr. HC_OK or HC_INVALID_ARGUMENT. */
static int s_address(const char *text, struct sockaddr_storage *addr, hc_error *err)
{
    char host[256];
    const char *colon = text ? strrchr(text, ':') : NULL;
    if (!colon || (size_t)(colon - text) >= sizeof host)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "http", "expected ADDR:PORT, got %s",
                            text ? text : "nothing");
    size_t length = (size_t)(colon - text);
    memcpy(host, text, length);
    host[length] = '\0';
    if (length >= 2 && host[0] == '[' && host[length - 1] == ']') {
        memmove(host, host + 1, length - 2);
        host[length - 2] = '\0';
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *found;
    int rc = getaddrinfo(host[0] ? host : "127.0.0.1", colon + 1, &hints, &found);
    if (rc != 0)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "http", "cannot resolve %s: %s", text,
                            gai_strerror(rc));
    memset(addr, 0, sizeof *addr);
    memcpy(addr, found->ai_addr, found->ai_addrlen);
    freeaddrinfo(found);
    return HC_OK;
}

gw_http *gw_http_new(gw_server *server, const char *address, size_t body_limit, hc_error *err)
{
    assert(server);
    struct sockaddr_storage addr;
    if (s_address(address, &addr, err) != HC_OK)
        return NULL;
    gw_http *self = zmalloc(sizeof *self);
    self->server = server;
    self->body_limit = body_limit;
    self->timer_id = -1;
    self->epoll_fd = -1;
    self->idem = gw_idem_new(gw_server_store(server));
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* The logger comes first so MHD routes even option errors through it. */
    self->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, s_on_request, self, MHD_OPTION_EXTERNAL_LOGGER, s_on_log, self,
        MHD_OPTION_NOTIFY_COMPLETED, s_on_completed, self, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_TIMEOUT, S_IDLE_TIMEOUT_S, MHD_OPTION_END);
    const union MHD_DaemonInfo *info =
        self->daemon ? MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    if (!info) {
        hc_error_set(err, HC_UNAVAILABLE, "http", "cannot listen on %s", address);
        gw_http_destroy(&self);
        return NULL;
    }
    self->epoll_fd = info->epoll_fd;
    info = MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : 0;
    hc_log_info("http_listening", "address=%s port=%u", address, (unsigned)self->port);
    return self;
}

int gw_http_start(gw_http *self, zloop_t *loop)
{
    assert(self && loop);
    zmq_pollitem_t item = {NULL, self->epoll_fd, ZMQ_POLLIN, 0};
    if (zloop_poller(loop, &item, s_on_epoll, self) != 0)
        return HC_INTERNAL;
    self->loop = loop;
    s_run(self);
    return HC_OK;
}

uint16_t gw_http_port(gw_http *self)
{
    assert(self);
    return self->port;
}

static bool s_busy(gw_http *self)
{
    for (s_request *req = self->requests; req; req = req->next)
        if (req->state == S_WAITING || req->state == S_READY)
            return true;
    return false;
}

/* Runs the daemon by itself (the loop is stopped) until idle or deadline. */
static void s_drain(gw_http *self, int64_t deadline)
{
    while (s_busy(self) && hc_clock_ms() < deadline) {
        MHD_UNSIGNED_LONG_LONG timeout = 0;
        int wait = 20;
        if (MHD_get_timeout(self->daemon, &timeout) == MHD_YES && timeout < (unsigned)wait)
            wait = (int)timeout;
        struct pollfd pfd = {.fd = self->epoll_fd, .events = POLLIN};
        poll(&pfd, 1, wait);
        MHD_run(self->daemon);
    }
}

void gw_http_stop(gw_http *self, int timeout_ms)
{
    assert(self);
    if (self->stopped)
        return;
    self->stopping = true;
    if (self->loop) {
        zmq_pollitem_t item = {NULL, self->epoll_fd, ZMQ_POLLIN, 0};
        zloop_poller_end(self->loop, &item);
        if (self->timer_id >= 0)
            zloop_timer_end(self->loop, self->timer_id);
        self->timer_id = -1;
    }
    self->stopped = true;
    if (!self->daemon)
        return;
    s_drain(self, hc_clock_ms() + timeout_ms);
    for (s_request *req = self->requests; req; req = req->next)
        if (req->suspended) {
            if (req->ticket)
                req->ticket->req = NULL;
            req->ticket = NULL;
            s_fail(req, HC_UNAVAILABLE, NULL, "the gateway is stopping");
            req->suspended = false;
            MHD_resume_connection(req->conn);
        }
    s_drain(self, hc_clock_ms() + 200);
    MHD_stop_daemon(self->daemon);
    self->daemon = NULL;
}

void gw_http_destroy(gw_http **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_http *self = *self_p;
    gw_http_stop(self, 100);
    while (self->requests)
        s_request_free(self->requests);
    gw_idem_destroy(&self->idem);
    free(self);
    *self_p = NULL;
}
