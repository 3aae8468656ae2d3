/* gateway_server: the one-thread gateway: zloop, broker, fronts, signals,
   and the dispatch both fronts share, including the gateway's own methods
   (tokens through gateway_tokens, Health; GetProfile through gateway_fanout). */
#include "gateway_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "gateway.pb-c.h"
#include "gateway_auth.h"
#include "gateway_fanout.h"
#include "gateway_front.h"
#include "gateway_http.h"
#include "gateway_lag.h"
#include "gateway_refs.h"
#include "gateway_tokens.h"
#include "hc_arena.h"
#include "hc_log.h"
#include "hc_msg.h"

#define S_PRUNE_INTERVAL_MS (3600 * 1000)
#define S_STOP_GRACE_MS     2000
#define S_SERVICES_MAX      32

struct _gw_server {
    gw_options options;
    char *services_text; /* owned copy of options.services, split in place */
    const char *services[S_SERVICES_MAX];
    size_t n_services;
    zloop_t *loop;
    hc_broker *broker;
    gw_store *store;
    gw_metrics *metrics;
    gw_http *http;
    gw_front *front;
    int signal_fd;
    bool stopping;
};

/* --- the gateway's own methods --- */

int gw_reply_message(const ProtobufCMessage *msg, hc_arena *arena, hc_broker_reply_fn *cb,
                     void *arg)
{
    hc_broker_reply reply = {.code = HC_OK};
    reply.body = hc_msg_pack(msg, arena, &reply.size);
    cb(arg, &reply);
    return HC_OK;
}

int gw_reply_error(const hc_error *err, hc_broker_reply_fn *cb, void *arg)
{
    hc_broker_reply reply = {.code = err->code, .field = err->field, .message = err->message};
    cb(arg, &reply);
    return err->code;
}

/* The rows of /healthz: the required services first, in their order,
   then every other service that ever registered. */
typedef struct {
    gw_server *self;
    gw_lag *lag;
    hc_arena *arena;
    Hcap__ServiceHealth **rows;
    size_t n_rows, capacity;
} s_health_rows;

static void s_health_row(s_health_rows *rows, const char *service, size_t live)
{
    if (rows->n_rows == rows->capacity)
        return;
    Hcap__ServiceHealth *row = hc_arena_alloc(rows->arena, sizeof *row);
    hcap__service_health__init(row);
    row->name = hc_arena_strdup(rows->arena, service);
    row->instances = (uint32_t)live;
    row->has_replicas = true;
    row->replicas = (uint32_t)hc_broker_replicas(rows->self->broker, service);
    row->has_log_head = gw_lag_head(rows->lag, service, &row->log_head);
    rows->rows[rows->n_rows++] = row;
}

static bool s_service_required(const gw_server *self, const char *service)
{
    for (size_t i = 0; i < self->n_services; i++)
        if (strcmp(self->services[i], service) == 0)
            return true;
    return false;
}

static void s_health_other(void *arg, const char *service, size_t live)
{
    s_health_rows *rows = arg;
    if (!s_service_required(rows->self, service))
        s_health_row(rows, service, live);
}

static void s_count_service(void *arg, const char *service, size_t live)
{
    (void)service;
    (void)live;
    (*(size_t *)arg)++;
}

static int s_health(gw_server *self, hc_broker_reply_fn *cb, void *arg)
{
    hc_arena *arena = hc_arena_new();
    gw_lag lag;
    gw_lag_collect(self->broker, arena, &lag);
    size_t registered = 0;
    hc_broker_foreach(self->broker, s_count_service, &registered);
    s_health_rows rows = {self, &lag, arena, NULL, 0, self->n_services + registered};
    rows.rows = hc_arena_alloc(arena, sizeof *rows.rows * (rows.capacity + 1));
    bool ok = true;
    for (size_t i = 0; i < self->n_services; i++) {
        size_t live = hc_broker_instances(self->broker, self->services[i]);
        s_health_row(&rows, self->services[i], live);
        /* writes need a primary: replicas alone leave the node degraded */
        ok = ok && live > hc_broker_replicas(self->broker, self->services[i]);
    }
    hc_broker_foreach(self->broker, s_health_other, &rows);
    Hcap__HealthReply reply = HCAP__HEALTH_REPLY__INIT;
    reply.status = ok ? "ok" : "degraded";
    reply.n_services = rows.n_rows;
    reply.services = rows.rows;
    reply.n_followers = lag.n_followers;
    reply.followers = lag.followers;
    reply.n_nodes = lag.n_nodes;
    reply.nodes = lag.nodes;
    gw_reply_message(&reply.base, arena, cb, arg);
    hc_arena_destroy(&arena);
    return HC_OK;
}

static int s_session(gw_server *self, const gw_call *call, hc_broker_reply_fn *cb, void *arg)
{
    const Hcap__Principal *principal = call->principal;
    if (!principal || !principal->token_id) {
        hc_error err;
        hc_error_set(&err, HC_UNAUTHENTICATED, NULL, "a bearer token is required");
        return gw_reply_error(&err, cb, arg);
    }
    hc_arena *arena = hc_arena_new();
    Hcap__Session session = HCAP__SESSION__INIT;
    session.token_id = principal->token_id;
    session.name = principal->name;
    session.role = principal->role;
    session.central = s_service_required(self, "central");
    gw_reply_message(&session.base, arena, cb, arg);
    hc_arena_destroy(&arena);
    return HC_OK;
}

static int s_dispatch_own(gw_server *self, const gw_call *call, hc_broker_reply_fn *cb, void *arg)
{
    const char *method = call->route->method;
    int rc = gw_tokens_call(self->store, method, call->principal, call->body, call->size, cb, arg);
    if (rc != HC_UNIMPLEMENTED)
        return rc;
    if (strcmp(method, "Health") == 0)
        return s_health(self, cb, arg);
    if (strcmp(method, "GetSession") == 0)
        return s_session(self, call, cb, arg);
    if (strcmp(method, "GetProfile") == 0)
        return gw_fanout_profile(self->broker, call->principal, call->body, call->size,
                                 self->options.fanout_deadline_ms, cb, arg);
    hc_error err;
    hc_error_set(&err, HC_UNIMPLEMENTED, "method", "gateway.%s is not implemented", method);
    return gw_reply_error(&err, cb, arg);
}

/* An erasure in flight: on success the stored replies naming the erased id
   are forgotten before the caller hears of it. */
typedef struct {
    gw_server *server;
    const gw_route *route;
    hc_broker_reply_fn *cb;
    void *arg;
} s_erasure;

/* The string field "id" of a packed output of route's rpc, in arena. */
static const char *s_reply_id(const gw_route *route, const hc_broker_reply *reply, hc_arena *arena)
{
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(route->service, route->method);
    ProtobufCMessage *msg =
        rpc ? hc_msg_unpack(rpc->output, reply->body, reply->size, arena) : NULL;
    const ProtobufCFieldDescriptor *field =
        msg ? protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, "id") : NULL;
    if (!field || field->type != PROTOBUF_C_TYPE_STRING ||
        field->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return *(const char **)((const char *)msg + field->offset);
}

static void s_on_erased(void *arg, const hc_broker_reply *reply)
{
    s_erasure *erasure = arg;
    if (reply->code == HC_OK && erasure->server->store) {
        hc_arena *arena = hc_arena_new();
        const char *id = s_reply_id(erasure->route, reply, arena);
        int forgotten = id ? gw_store_reply_forget(erasure->server->store, id) : 0;
        if (forgotten != 0)
            hc_log_info("idempotency_forgotten", "count=%d reason=erasure", forgotten);
        hc_arena_destroy(&arena);
    }
    erasure->cb(erasure->arg, reply);
    free(erasure);
}

/* Sends call to its service through the broker. */
static int s_forward(gw_server *self, const gw_call *call, hc_broker_reply_fn *cb, void *arg)
{
    const gw_route *route = call->route;
    if (route->flags & GW_ROUTE_ERASES) {
        s_erasure *erasure = zmalloc(sizeof *erasure);
        *erasure = (s_erasure){self, route, cb, arg};
        cb = s_on_erased;
        arg = erasure;
    }
    unsigned flags = route->flags & GW_ROUTE_READ ? HC_BROKER_RETRY | HC_BROKER_REPLICA : 0;
    if (call->idempotency_key)
        flags |= HC_BROKER_RETRY;
    uint32_t deadline = call->deadline_ms ? call->deadline_ms : self->options.deadline_ms;
    return hc_broker_request(self->broker, route->service, route->method, call->body, call->size,
                             call->principal, call->idempotency_key, deadline, flags, cb, arg);
}

/* A call waiting for its references to be verified: an owned copy, since
   the caller's buffers may be gone by then. */
typedef struct {
    gw_server *server;
    gw_call call;
    uint8_t *body;
    Hcap__Principal principal;
    char *idempotency_key;
    int64_t deadline_at; /* monotonic ms */
    hc_broker_reply_fn *cb;
    void *arg;
    int *sync_code; /* while dispatch runs: where the outcome goes, set once answered */
} s_checking;

static void s_checking_free(s_checking *checking)
{
    free(checking->body);
    free(checking->principal.name);
    free(checking->principal.token_id);
    free(checking->idempotency_key);
    free(checking);
}

static char *s_strdup_or_null(const char *text)
{
    char *copy = text ? strdup(text) : NULL;
    assert(!text || copy);
    return copy;
}

static s_checking *s_checking_new(gw_server *self, const gw_call *call, uint32_t deadline,
                                  hc_broker_reply_fn *cb, void *arg)
{
    s_checking *checking = zmalloc(sizeof *checking);
    *checking = (s_checking){.server = self, .call = *call, .cb = cb, .arg = arg};
    checking->body = malloc(call->size ? call->size : 1);
    assert(checking->body);
    if (call->size)
        memcpy(checking->body, call->body, call->size);
    checking->call.body = checking->body;
    hcap__principal__init(&checking->principal);
    if (call->principal) {
        checking->principal.name = s_strdup_or_null(call->principal->name);
        checking->principal.role = call->principal->role;
        checking->principal.token_id = s_strdup_or_null(call->principal->token_id);
        checking->call.principal = &checking->principal;
    }
    checking->idempotency_key = s_strdup_or_null(call->idempotency_key);
    checking->call.idempotency_key = checking->idempotency_key;
    checking->deadline_at = zclock_mono() + deadline;
    return checking;
}

/* The references were checked: forward with the time left, or answer. */
static void s_on_checked(void *arg, const hc_broker_reply *reply)
{
    s_checking *checking = arg;
    gw_server *self = checking->server;
    int64_t left = checking->deadline_at - zclock_mono();
    hc_error err;
    int code = reply->code;
    if (code != HC_OK)
        checking->cb(checking->arg, reply);
    else if (self->stopping || !self->broker) {
        hc_error_set(&err, HC_UNAVAILABLE, NULL, "the gateway is stopping");
        code = gw_reply_error(&err, checking->cb, checking->arg);
    } else if (left <= 0) {
        hc_error_set(&err, HC_DEADLINE_EXCEEDED, NULL, "deadline exceeded checking references");
        code = gw_reply_error(&err, checking->cb, checking->arg);
    } else {
        checking->call.deadline_ms = (uint32_t)left;
        code = s_forward(self, &checking->call, checking->cb, checking->arg);
    }
    if (checking->sync_code)
        *checking->sync_code = code;
    s_checking_free(checking);
}

/* Verifies call's references, then forwards it. Returns HC_OK, or the
   code cb was already called with. */
static int s_check_then_forward(gw_server *self, const gw_call *call, hc_broker_reply_fn *cb,
                                void *arg)
{
    uint32_t deadline = call->deadline_ms ? call->deadline_ms : self->options.deadline_ms;
    s_checking *checking = s_checking_new(self, call, deadline, cb, arg);
    int sync_code = -1;
    checking->sync_code = &sync_code;
    gw_refs_verify(self->broker, call->route, call->body, call->size, call->principal, deadline,
                   s_on_checked, checking);
    if (sync_code == -1) {
        checking->sync_code = NULL; /* still waiting: its callback frees it later */
        return HC_OK;
    }
    return sync_code;
}

int gw_server_dispatch(gw_server *self, const gw_call *call, hc_broker_reply_fn *cb, void *arg)
{
    assert(self && call && call->route && cb);
    const gw_route *route = call->route;
    hc_error err;
    if (self->stopping || !self->broker) {
        hc_error_set(&err, HC_UNAVAILABLE, NULL, "the gateway is stopping");
        return gw_reply_error(&err, cb, arg);
    }
    if (!route->service || !route->method) {
        hc_error_set(&err, HC_UNIMPLEMENTED, "method", "not callable");
        return gw_reply_error(&err, cb, arg);
    }
    if (strcmp(route->service, "gateway") == 0)
        return s_dispatch_own(self, call, cb, arg);
    if (route->refs)
        return s_check_then_forward(self, call, cb, arg);
    return s_forward(self, call, cb, arg);
}

int gw_server_authorize(gw_server *self, const gw_route *route, const char *token_text,
                        gw_token *token, hc_error *err)
{
    assert(self && route && token);
    memset(token, 0, sizeof *token);
    if (route->flags & GW_ROUTE_PUBLIC)
        return HC_OK;
    if (!token_text || !*token_text)
        return hc_error_set(err, HC_UNAUTHENTICATED, NULL, "a bearer token is required");
    int code = gw_store_token_find(self->store, token_text, token);
    if (code == HC_NOT_FOUND)
        return hc_error_set(err, HC_UNAUTHENTICATED, NULL, "unknown token");
    if (code != HC_OK)
        return hc_error_set(err, HC_UNAVAILABLE, NULL, "the token store is unavailable");
    if (!hc_auth_role_allowed(token->role, route->roles))
        return hc_error_set(err, HC_PERMISSION_DENIED, NULL, "role %s may not call %s.%s",
                            hc_auth_role_name(token->role),
                            route->service ? route->service : "gateway",
                            route->method ? route->method : "Metrics");
    return HC_OK;
}

static void s_metric_service(void *arg, const char *service, size_t live)
{
    gw_metrics_service(arg, service, live);
}

char *gw_server_metrics_text(gw_server *self, size_t *size)
{
    assert(self && size);
    gw_metrics_services_reset(self->metrics);
    for (size_t i = 0; i < self->n_services; i++)
        gw_metrics_service(self->metrics, self->services[i], 0);
    if (self->broker) {
        hc_broker_foreach(self->broker, s_metric_service, self->metrics);
        hc_arena *arena = hc_arena_new();
        gw_lag lag;
        gw_lag_collect(self->broker, arena, &lag);
        for (size_t i = 0; i < lag.n_heads; i++)
            gw_metrics_log_head(self->metrics, lag.heads[i].service, lag.heads[i].head);
        for (size_t i = 0; i < lag.n_followers; i++) {
            const Hcap__FollowerLag *f = lag.followers[i];
            gw_metrics_follower(self->metrics, f->service, f->source, f->events_behind,
                                f->seconds_behind, f->dead_letters);
        }
        for (size_t i = 0; i < lag.n_nodes; i++) {
            const Hcap__NodeStatus *n = lag.nodes[i];
            gw_metrics_node(self->metrics, n->node, n->allowed, n->events, n->duplicates,
                            n->has_seconds_since_seen ? n->seconds_since_seen : -1);
        }
        hc_arena_destroy(&arena);
    }
    return gw_metrics_render(self->metrics, size);
}

uint16_t gw_server_http_port(gw_server *self)
{
    assert(self);
    return self->http ? gw_http_port(self->http) : 0;
}

zloop_t *gw_server_loop(gw_server *self)
{
    assert(self);
    return self->loop;
}

gw_store *gw_server_store(gw_server *self)
{
    assert(self);
    return self->store;
}

gw_metrics *gw_server_metrics(gw_server *self)
{
    assert(self);
    return self->metrics;
}

bool gw_server_stopping(gw_server *self)
{
    assert(self);
    return self->stopping;
}

/* --- life --- */

static void s_prune(gw_server *self)
{
    char before[32];
    time_t cutoff = time(NULL) - (time_t)self->options.idempotency_ttl_s;
    struct tm tm;
    gmtime_r(&cutoff, &tm);
    strftime(before, sizeof before, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    int pruned = gw_store_reply_prune(self->store, before);
    if (pruned != 0)
        hc_log_info("idempotency_pruned", "count=%d before=%s", pruned, before);
}

static int s_on_prune(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_prune(arg);
    return 0;
}

static int s_on_signal(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    (void)item;
    (void)arg;
    hc_log_info("gateway_stopping", "reason=signal");
    return -1;
}

/* Splits the comma-separated expected services. */
static void s_services_parse(gw_server *self, const char *text)
{
    self->services_text = strdup(text ? text : "");
    assert(self->services_text);
    char *save = NULL;
    for (char *name = strtok_r(self->services_text, ", ", &save);
         name && self->n_services < S_SERVICES_MAX; name = strtok_r(NULL, ", ", &save))
        self->services[self->n_services++] = name;
}

/* Opens the store and mints the admin token when asked. */
static int s_open_store(gw_server *self, hc_error *err)
{
    char *path = zsys_sprintf("%s/gateway.db", self->options.data_dir);
    self->store = gw_store_open(path, err);
    zstr_free(&path);
    if (!self->store)
        return err ? err->code : HC_INTERNAL;
    bool minted = false;
    int code = gw_auth_mint_admin(self->store, self->options.admin_token_file, &minted, err);
    if (code == HC_OK)
        s_prune(self);
    return code;
}

/* Binds and registers the broker, the frontend and the HTTP server. */
static int s_open_fronts(gw_server *self, hc_error *err)
{
    self->broker = hc_broker_new(self->options.broker, err);
    if (!self->broker || hc_broker_start(self->broker, self->loop) != HC_OK)
        return hc_error_set(err, HC_UNAVAILABLE, "broker", "cannot start the broker at %s",
                            self->options.broker);
    self->front = gw_front_new(self, self->options.frontend, err);
    if (!self->front || gw_front_start(self->front, self->loop) != HC_OK)
        return hc_error_set(err, HC_UNAVAILABLE, "frontend", "cannot start the frontend at %s",
                            self->options.frontend);
    self->http = gw_http_new(self, self->options.http, self->options.body_limit, err);
    if (!self->http || gw_http_start(self->http, self->loop) != HC_OK)
        return hc_error_set(err, HC_UNAVAILABLE, "http", "cannot serve HTTP on %s",
                            self->options.http);
    return HC_OK;
}

gw_server *gw_server_new(const gw_options *options, hc_error *err)
{
    assert(options && options->data_dir && options->http && options->broker && options->frontend);
    char problem[256];
    if (!gw_fanout_check(problem, sizeof problem)) {
        hc_error_set(err, HC_INTERNAL, NULL, "profile table: %s", problem);
        return NULL;
    }
    if (!gw_refs_check_table(problem, sizeof problem)) {
        hc_error_set(err, HC_INTERNAL, NULL, "reference table: %s", problem);
        return NULL;
    }
    gw_server *self = zmalloc(sizeof *self);
    self->options = *options;
    self->signal_fd = hc_signal_fd();
    s_services_parse(self, options->services);
    self->metrics = gw_metrics_new();
    self->loop = zloop_new();
    assert(self->loop);
    if (s_open_store(self, err) != HC_OK || s_open_fronts(self, err) != HC_OK) {
        gw_server_destroy(&self);
        return NULL;
    }
    zmq_pollitem_t item = {NULL, self->signal_fd, ZMQ_POLLIN, 0};
    if (self->signal_fd >= 0)
        zloop_poller(self->loop, &item, s_on_signal, self);
    zloop_timer(self->loop, S_PRUNE_INTERVAL_MS, 0, s_on_prune, self);
    return self;
}

int gw_server_run(gw_server *self)
{
    assert(self);
    hc_log_info("gateway_ready", "http=%s frontend=%s broker=%s", self->options.http,
                self->options.frontend, self->options.broker);
    /* zloop_start returns 0 when a poll was interrupted by some other
       signal: go on until ours arrived or a handler failed. */
    while (zloop_start(self->loop) == 0 && !hc_signal_received())
        ;
    return hc_signal_received() ? 0 : 1;
}

void gw_server_destroy(gw_server **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_server *self = *self_p;
    self->stopping = true;
    /* Failing the broker's pending requests answers every waiting client
       (HTTP 503, frontend UNAVAILABLE) before the fronts close. */
    hc_broker_destroy(&self->broker);
    if (self->http)
        gw_http_stop(self->http, S_STOP_GRACE_MS);
    gw_http_destroy(&self->http);
    gw_front_destroy(&self->front);
    zloop_destroy(&self->loop);
    gw_store_destroy(&self->store);
    gw_metrics_destroy(&self->metrics);
    free(self->services_text);
    free(self);
    *self_p = NULL;
}
