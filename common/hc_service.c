/* hc_service: the runtime of every service binary: flags and config, the
   store and event log, the worker connection to the gateway's broker, and
   group commit of the requests waiting on it (one transaction, one
   savepoint per request, replies after COMMIT). */
#include "hc_service.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "hc_idempotency.h"
#include "hc_jobs.h"
#include "hc_log.h"
#include "hc_msg.h"
#include "hc_call.h"
#include "hc_query.h"
#include "hc_time.h"

#define HC_SERVICE_HEARTBEAT_MS 1000
#define HC_SERVICE_LIVENESS_MS  3000 /* broker silent this long: reconnect */
#define HC_SERVICE_TICK_MS      100
#define HC_SERVICE_BATCH        256
#define HC_SERVICE_BATCH_LIMIT  4096
#define HC_SERVICE_CLOSE_MS     500 /* linger for the last DISCONNECT */

typedef struct {
    const ProtobufCMethodDescriptor *desc;
    hc_handler_fn *fn;
    unsigned flags;
} s_method;

/* One request of a batch, from arrival to reply. */
typedef struct {
    hc_arena *arena; /* the request's only arena */
    uint64_t id;
    const char *method;
    const s_method *m; /* the method, once looked up */
    const uint8_t *body;
    size_t size;
    const ProtobufCMessage *in; /* already decoded (invoke), else NULL */
    const Hcap__Principal *principal;
    const char *key; /* idempotency key or NULL */
    hc_error err;
    ProtobufCMessage *out;
    const uint8_t *reply_body; /* packed output, or a replayed one */
    size_t reply_size;
} s_req;

struct _hc_call {
    hc_service *service;
    s_req *req;
};

struct _hc_service {
    const hc_service_def *def;
    char *node_id;
    hc_config *config;
    hc_store *store;
    hc_eventlog *log;
    void *state;
    zhashx_t *methods; /* rpc name -> s_method */
    zloop_t *loop;
    /* the worker connection (hc_service_main only) */
    zsock_t *dealer;
    zsock_t *old_dealer; /* replaced in a loop handler, closed at the next tick */
    char *broker;
    char *instance;
    int64_t broker_expires;
    int64_t next_heartbeat;
    size_t batch_max;
    s_req *batch;
    hc_arena **arenas;
    hc_jobs *jobs; /* followers and timers (hc_service_main only) */
    bool rewound;  /* the batch rewound the followers: poke them after it */
    bool replica;  /* --replica: reads only, fed by the primary's log */
    /* the store's leader serves the log and runs the jobs (hc_service_main) */
    char *data_dir;
    int lock_fd; /* flock on <store>.lock, -1 until opened */
    bool leader;
    bool failed;                        /* taking the lead failed: the process stops */
    int signals;                        /* hc_signal_count when it started serving */
    hc_service_def jobs_def;            /* def, or a replica's follows */
    hc_service_follow *replica_follows; /* jobs_def.follows of a replica */
};

static Hcap__Principal s_internal = {PROTOBUF_C_MESSAGE_INIT(&hcap__principal__descriptor),
                                     (char *)"internal", HCAP__ROLE__ROLE_UNSPECIFIED, NULL};

/* --- followers --- */

Hcap__FollowerStatus **hc_service_followers(hc_service *self, hc_arena *arena, size_t *count)
{
    assert(self && arena && count);
    *count = 0;
    while (self->jobs && hc_jobs_follower(self->jobs, *count))
        (*count)++;
    Hcap__FollowerStatus **list = hc_arena_alloc(arena, sizeof *list * (*count + 1));
    for (size_t i = 0; i < *count; i++) {
        Hcap__FollowerStatus status;
        hc_follower_status(hc_jobs_follower(self->jobs, i), &status);
        list[i] = hc_arena_alloc(arena, sizeof *list[i]);
        *list[i] = status;
        list[i]->source = hc_arena_strdup(arena, status.source);
        list[i]->epoch = hc_arena_strdup(arena, status.epoch);
        list[i]->producer_epoch = hc_arena_strdup(arena, status.producer_epoch);
    }
    return list;
}

int hc_service_rewind_followers(hc_service *self, uint32_t *count, hc_error *err)
{
    assert(self && count);
    int rc = hc_followers_rewind(self->store, count, err);
    hc_follower *follower;
    for (size_t i = 0; rc == HC_OK && self->jobs && (follower = hc_jobs_follower(self->jobs, i));
         i++)
        hc_follower_reload(follower);
    self->rewound = rc == HC_OK;
    return rc;
}

#define S_DEAD_COLS "id, follower, source, epoch, seq, type, reason, failed_at, occurred_at"

static void *s_dead_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    return hc_query_row(stmt, &hcap__dead_letter__descriptor, S_DEAD_COLS, arena);
}

int hc_service_list_dead_letters(void *state, hc_call *call, const ProtobufCMessage *in,
                                 ProtobufCMessage **out)
{
    (void)state;
    const Hcap__ListRequest *req = (const Hcap__ListRequest *)in;
    hc_page page;
    ProtobufCMessage *list = hc_call_list_new(call, req->has_limit, req->limit, req->after,
                                              &hcap__dead_letter_list__descriptor, &page);
    if (!list)
        return hc_call_error(call)->code;
    hc_error err;
    if (hc_followers_schema(hc_call_service(call)->store, &err) != HC_OK ||
        hc_query_page_list(hc_call_service(call)->store,
                           "SELECT " S_DEAD_COLS " FROM hc_dead_letters"
                           " WHERE id > CAST(?1 AS INTEGER) ORDER BY id LIMIT ?2",
                           s_dead_row, &page, NULL, hc_call_arena(call), list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = list;
    return HC_OK;
}

int hc_service_retry_dead_letters(void *state, hc_call *call, const ProtobufCMessage *in,
                                  ProtobufCMessage **out)
{
    (void)state;
    (void)in;
    hc_service *self = hc_call_service(call);
    Hcap__RetryReply *reply = (Hcap__RetryReply *)hc_call_new(call, &hcap__retry_reply__descriptor);
    hc_follower *follower;
    for (size_t i = 0; self->jobs && (follower = hc_jobs_follower(self->jobs, i)); i++) {
        hc_error err;
        uint32_t remaining = 0;
        int applied = hc_follower_retry_dead(follower, &remaining, &err);
        if (applied < 0)
            return hc_call_fail_with(call, &err);
        reply->applied += (uint32_t)applied;
        reply->remaining += remaining;
    }
    *out = &reply->base;
    return HC_OK;
}

/* --- accessors and the handler's side --- */

hc_store *hc_service_store(hc_service *self)
{
    assert(self);
    return self->store;
}

hc_eventlog *hc_service_log(hc_service *self)
{
    assert(self);
    return self->log;
}

hc_config *hc_service_config(hc_service *self)
{
    assert(self);
    return self->config;
}

void *hc_service_state(hc_service *self)
{
    assert(self);
    return self->state;
}

zloop_t *hc_service_loop(hc_service *self)
{
    assert(self);
    return self->loop;
}

const char *hc_service_node_id(hc_service *self)
{
    assert(self);
    return self->node_id;
}

hc_arena *hc_call_arena(hc_call *call)
{
    assert(call);
    return call->req->arena;
}

hc_service *hc_call_service(hc_call *call)
{
    assert(call);
    return call->service;
}

const Hcap__Principal *hc_call_principal(hc_call *call)
{
    assert(call);
    return call->req->principal;
}

int hc_call_fail(hc_call *call, int code, const char *field, const char *fmt, ...)
{
    assert(call);
    char message[sizeof call->req->err.message];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    return hc_error_set(&call->req->err, code, field, "%s", message);
}

const hc_error *hc_call_error(hc_call *call)
{
    assert(call);
    return &call->req->err;
}

int hc_call_fail_with(hc_call *call, const hc_error *err)
{
    assert(call && err);
    call->req->err = *err;
    return err->code;
}

/* --- idempotency --- */

/* Looks key up: 1 when a recorded reply was put in req, 0 when the key is
   new, or -1 with req->err filled. */
static int s_replay(hc_service *self, s_req *req)
{
    int found = hc_idempotency_find(self->store, req->key, req->method, req->arena,
                                    &req->reply_body, &req->reply_size, &req->err);
    if (found == 1)
        hc_error_clear(&req->err);
    return found;
}

/* Records a successful keyed reply, inside the request's savepoint. */
static int s_record(hc_service *self, s_req *req)
{
    return hc_idempotency_record(self->store, req->key, req->method, req->reply_body,
                                 req->reply_size, &req->err);
}

/* --- running requests --- */

/* Calls the handler and checks what it returned. */
static int s_call(hc_service *self, s_req *req, const s_method *m, const ProtobufCMessage *in)
{
    hc_call call = {self, req};
    ProtobufCMessage *out = NULL;
    int rc = m->fn(self->state, &call, in, &out);
    if (rc != HC_OK) {
        if (rc < 0 || rc > HC_UNAUTHENTICATED)
            rc = HC_INTERNAL;
        if (req->err.code == HC_OK)
            hc_error_set(&req->err, rc, NULL, "%s", hc_code_name(rc));
        req->err.code = rc;
        return rc;
    }
    hc_error_clear(&req->err);
    if (!out || out->descriptor != m->desc->output)
        return hc_error_set(&req->err, HC_INTERNAL, NULL, "%s returned no %s", req->method,
                            m->desc->output->name);
    req->out = out;
    req->reply_body = hc_msg_pack(out, req->arena, &req->reply_size);
    if (!req->reply_body)
        return hc_error_set(&req->err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory packing %s",
                            m->desc->output->name);
    return HC_OK;
}

/* One request inside the open transaction: replay, or decode, savepoint,
   handler, record, release (rollback of the savepoint on any error).
   Returns the request's code; req->err is filled. */
static int s_execute(hc_service *self, s_req *req)
{
    const s_method *m = req->m ? req->m : zhashx_lookup(self->methods, req->method);
    if (!m)
        return hc_error_set(&req->err, HC_UNIMPLEMENTED, "method", "%s has no method %s",
                            self->def->name, req->method);
    if (self->replica && !(m->flags & HC_HANDLER_READ))
        return hc_error_set(&req->err, HC_FAILED_PRECONDITION, "replica",
                            "this is a read replica of %s: %s goes to the primary", self->def->name,
                            req->method);
    if (req->key) {
        int found = s_replay(self, req);
        if (found != 0)
            return req->err.code;
    }
    const ProtobufCMessage *in = req->in;
    if (!in)
        in = hc_msg_unpack(m->desc->input, req->body, req->size, req->arena);
    if (!in || in->descriptor != m->desc->input)
        return hc_error_set(&req->err, HC_INVALID_ARGUMENT, NULL, "body is not a valid %s",
                            m->desc->input->name);
    if (hc_store_savepoint(self->store, &req->err) != HC_OK)
        return req->err.code;
    int rc = s_call(self, req, m, in);
    if (rc == HC_OK && req->key)
        rc = s_record(self, req);
    if (rc == HC_OK)
        rc = hc_store_release(self->store, &req->err);
    if (rc != HC_OK) {
        hc_store_rollback_savepoint(self->store);
        req->out = NULL;
        req->reply_body = NULL;
    }
    return rc;
}

static bool s_internal_code(int code)
{
    return code == HC_INTERNAL || code == HC_UNKNOWN || code == HC_DATA_LOSS;
}

static void s_log_failure(const s_req *req)
{
    int code = req->err.code;
    if (code == HC_OK)
        return;
    char method[160], message[600];
    hc_log(s_internal_code(code) ? HC_LOG_ERROR : HC_LOG_DEBUG, "request_failed",
           "method=%s code=%s field=%s message=%s",
           hc_log_quote(req->method, method, sizeof method), hc_code_name(code),
           req->err.field[0] ? req->err.field : "-",
           hc_log_quote(req->err.message, message, sizeof message));
}

/* After a batch that rewound the followers ended (committed or not), they
   take their stored cursor at once, so a status read next shows it. */
static void s_poke_followers(hc_service *self)
{
    self->rewound = false;
    hc_follower *follower;
    for (size_t i = 0; self->jobs && (follower = hc_jobs_follower(self->jobs, i)); i++)
        hc_follower_poke(follower);
}

/* Whether no request of the batch can write: reads without a key (a
   keyed request records its reply). */
static bool s_reads_only(hc_service *self, s_req *reqs, size_t count)
{
    bool reads = true;
    for (size_t i = 0; i < count; i++) {
        reqs[i].m = zhashx_lookup(self->methods, reqs[i].method);
        reads = reads && reqs[i].m && (reqs[i].m->flags & HC_HANDLER_READ) && !reqs[i].key;
    }
    return reads;
}

/* Group commit: every request of the batch in ONE transaction, each in
   its own savepoint. When BEGIN or COMMIT fails no request took effect,
   so every reply says so. A batch of reads takes no write lock, so the
   instances sharing a store read side by side. */
static void s_batch(hc_service *self, s_req *reqs, size_t count)
{
    hc_error err;
    int rc = s_reads_only(self, reqs, count) ? hc_store_begin_read(self->store, &err)
                                             : hc_store_begin(self->store, &err);
    if (rc != HC_OK) {
        for (size_t i = 0; i < count; i++)
            reqs[i].err = err;
    } else {
        for (size_t i = 0; i < count; i++)
            s_execute(self, &reqs[i]);
        if (hc_store_commit(self->store, &err) != HC_OK)
            for (size_t i = 0; i < count; i++) {
                hc_error_set(&reqs[i].err, HC_UNAVAILABLE, NULL, "commit failed: %s", err.message);
                reqs[i].out = NULL;
                reqs[i].reply_body = NULL;
            }
    }
    for (size_t i = 0; i < count; i++)
        s_log_failure(&reqs[i]);
    if (self->rewound)
        s_poke_followers(self);
}

int hc_service_invoke(hc_service *self, const char *method, const ProtobufCMessage *in,
                      const Hcap__Principal *principal, hc_arena *arena, ProtobufCMessage **out,
                      hc_error *err)
{
    assert(self && method && arena && out);
    s_req req;
    memset(&req, 0, sizeof req);
    req.arena = arena;
    req.method = method;
    req.in = in;
    req.principal = principal ? principal : &s_internal;
    s_batch(self, &req, 1);
    *out = req.err.code == HC_OK ? req.out : NULL;
    if (err)
        *err = req.err;
    hc_eventlog_ring(self->log);
    return req.err.code;
}

int hc_service_apply(hc_service *self, const char *method, const ProtobufCMessage *in,
                     hc_arena *arena, ProtobufCMessage **out, hc_error *err)
{
    assert(self && method && in && arena && out && err);
    s_req req;
    memset(&req, 0, sizeof req);
    req.arena = arena;
    req.method = method;
    req.in = in;
    req.principal = &s_internal;
    s_execute(self, &req);
    *out = req.err.code == HC_OK ? req.out : NULL;
    *err = req.err;
    return req.err.code;
}

/* --- opening and closing --- */

static void s_method_free(void **item)
{
    free(*item);
    *item = NULL;
}

static int s_methods_load(hc_service *self, hc_error *err)
{
    const hc_service_def *def = self->def;
    self->methods = zhashx_new();
    zhashx_set_destructor(self->methods, s_method_free);
    for (const hc_handler *h = def->handlers; h && h->method; h++) {
        const ProtobufCMethodDescriptor *desc =
            protobuf_c_service_descriptor_get_method_by_name(def->descriptor, h->method);
        if (!desc || !h->fn)
            return hc_error_set(err, HC_INTERNAL, "handlers", "%s has no rpc %s", def->name,
                                h->method);
        s_method *m = zmalloc(sizeof *m);
        m->desc = desc;
        m->fn = h->fn;
        m->flags = h->flags;
        zhashx_update(self->methods, h->method, m);
    }
    return HC_OK;
}

/* Store DIR/<store_name>.db (with the idempotency table), log, then the
   handlers' state. */
static int s_open_parts(hc_service *self, const char *data_dir, const char *store_name,
                        hc_error *err)
{
    char *path = zsys_sprintf("%s/%s.db", data_dir, store_name);
    self->store = hc_store_open(path, self->def->migrations, err);
    zstr_free(&path);
    if (!self->store)
        return err ? err->code : HC_INTERNAL;
    if (hc_idempotency_open(self->store, err) != HC_OK)
        return HC_INTERNAL;
    char *source = zsys_sprintf("%s/%s", self->node_id, self->def->name);
    self->log = hc_eventlog_new(self->store, source, err);
    zstr_free(&source);
    if (!self->log)
        return err ? err->code : HC_INTERNAL;
    if (self->def->state_new) {
        hc_error state_err;
        hc_error_clear(&state_err);
        self->state = self->def->state_new(self, &state_err);
        if (!self->state) {
            if (state_err.code == HC_OK)
                hc_error_set(&state_err, HC_INTERNAL, NULL, "%s refused to start", self->def->name);
            if (err)
                *err = state_err;
            return state_err.code;
        }
    }
    return HC_OK;
}

/* Takes ownership of config (NULL: defaults and environment only). The
   store is DIR/<store_name>.db. */
static hc_service *s_open(const hc_service_def *def, const char *data_dir, const char *node_id,
                          hc_config *config, const char *store_name, bool replica, hc_error *err)
{
    assert(def && def->name && def->descriptor && data_dir && node_id);
    hc_service *self = zmalloc(sizeof *self);
    self->def = def;
    self->jobs_def = *def;
    self->replica = replica;
    self->lock_fd = -1;
    self->node_id = strdup(node_id);
    self->config = config ? config : hc_config_load(NULL, err);
    self->loop = zloop_new();
    if (!self->config || s_methods_load(self, err) != HC_OK ||
        s_open_parts(self, data_dir, store_name, err) != HC_OK) {
        hc_service_destroy(&self);
        return NULL;
    }
    return self;
}

hc_service *hc_service_new_local(const hc_service_def *def, const char *data_dir,
                                 const char *node_id, hc_error *err)
{
    hc_error_clear(err);
    return s_open(def, data_dir, node_id ? node_id : "local", NULL, def->name, false, err);
}

hc_service *hc_service_new_local_replica(const hc_service_def *def, const char *data_dir,
                                         const char *node_id, hc_error *err)
{
    hc_error_clear(err);
    return s_open(def, data_dir, node_id ? node_id : "local", NULL, def->name, true, err);
}

bool hc_service_replica(hc_service *self)
{
    assert(self);
    return self->replica;
}

int hc_service_replicate(hc_service *self, const Hcap__Event *event, hc_error *err)
{
    assert(self && event && err);
    if (!self->replica || !self->def->replica_apply)
        return hc_error_set(err, HC_FAILED_PRECONDITION, "replica", "%s is not a replica",
                            self->def->name);
    if (hc_store_begin(self->store, err) != HC_OK)
        return err->code;
    int rc = self->def->replica_apply(self->state, self->store, event, err);
    if (rc != HC_OK) {
        hc_store_rollback(self->store);
        return rc;
    }
    return hc_store_commit(self->store, err);
}

void hc_service_destroy(hc_service **self_p)
{
    assert(self_p);
    hc_service *self = *self_p;
    if (!self)
        return;
    hc_jobs_destroy(&self->jobs);
    if (self->state && self->def->state_destroy)
        self->def->state_destroy(&self->state);
    hc_eventlog_destroy(&self->log);
    hc_store_destroy(&self->store);
    zsock_destroy(&self->old_dealer);
    zsock_destroy(&self->dealer);
    zloop_destroy(&self->loop);
    hc_config_destroy(&self->config);
    zhashx_destroy(&self->methods);
    if (self->arenas)
        for (size_t i = 0; i < self->batch_max; i++)
            hc_arena_destroy(&self->arenas[i]);
    free(self->arenas);
    free(self->batch);
    free(self->broker);
    free(self->instance);
    free(self->node_id);
    free(self->data_dir);
    free(self->replica_follows);
    if (self->lock_fd >= 0)
        close(self->lock_fd);
    free(self);
    *self_p = NULL;
}

/* --- the worker connection --- */

/* The methods a replica serves, in arena. */
static char **s_reads(hc_service *self, hc_arena *arena, size_t *count)
{
    size_t n = 0;
    for (const hc_handler *h = self->def->handlers; h->method; h++)
        n += (h->flags & HC_HANDLER_READ) != 0;
    char **reads = hc_arena_alloc(arena, (n ? n : 1) * sizeof *reads);
    *count = 0;
    for (const hc_handler *h = self->def->handlers; reads && h->method; h++)
        if (h->flags & HC_HANDLER_READ)
            reads[(*count)++] = (char *)h->method;
    return reads;
}

static void s_send_command(hc_service *self, Hcap__WorkerMessage__Command command)
{
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = command;
    hc_arena *arena = hc_arena_new();
    if (command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY) {
        msg.service = (char *)self->def->name;
        msg.instance = self->instance;
        msg.role = self->replica ? "replica" : "primary";
        if (self->replica)
            msg.reads = s_reads(self, arena, &msg.n_reads);
    }
    msg.has_log_head = !self->replica; /* a replica's own log stays empty */
    msg.log_head = hc_eventlog_head(self->log);
    msg.followers = hc_service_followers(self, arena, &msg.n_followers);
    if (self->def->health && self->state)
        self->def->health(self->state, arena, &msg);
    zframe_t *frame = hc_msg_frame(&msg.base);
    if (zframe_send(&frame, self->dealer, ZFRAME_DONTWAIT) != 0)
        zframe_destroy(&frame);
    hc_arena_destroy(&arena);
}

static int s_on_dealer(zloop_t *loop, zsock_t *sock, void *arg);

/* A fresh DEALER, registered with the broker by READY. A DEALER that
   outlived its broker is closed at the next tick, never inside the loop
   iteration that may still hold it in its poll set. */
static int s_worker_connect(hc_service *self, hc_error *err)
{
    if (self->dealer) {
        zloop_reader_end(self->loop, self->dealer);
        zsock_destroy(&self->old_dealer);
        self->old_dealer = self->dealer;
        self->dealer = NULL;
    }
    self->dealer = zsock_new(ZMQ_DEALER);
    if (!self->dealer)
        return hc_error_set(err, HC_UNAVAILABLE, NULL, "cannot create the worker socket");
    hc_sock_setup(self->dealer);
    if (zsock_connect(self->dealer, "%s", self->broker) != 0)
        return hc_error_set(err, HC_UNAVAILABLE, "broker", "cannot connect to %s", self->broker);
    if (zloop_reader(self->loop, self->dealer, s_on_dealer, self) != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot watch the worker socket");
    s_send_command(self, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY);
    int64_t now = zclock_mono();
    self->broker_expires = now + HC_SERVICE_LIVENESS_MS;
    self->next_heartbeat = now + HC_SERVICE_HEARTBEAT_MS;
    return HC_OK;
}

static int s_lead(hc_service *self, hc_error *err);

static int s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hc_service *self = arg;
    zsock_destroy(&self->old_dealer);
    if (hc_signal_count() != self->signals)
        return -1; /* another loop of this process may have drained the wake-up */
    hc_error lead_err;
    if (!self->leader && s_lead(self, &lead_err) != HC_OK) {
        char message[600];
        hc_log_error("service_lead_failed", "service=%s message=%s", self->def->name,
                     hc_log_quote(lead_err.message, message, sizeof message));
        self->failed = true;
        return -1;
    }
    /* Events a follower appended in its own transaction are announced here
       (within a tick), since the follower does not know this log. */
    hc_eventlog_ring(self->log);
    int64_t now = zclock_mono();
    if (now >= self->broker_expires) {
        hc_log_warn("broker_lost", "broker=%s instance=%s", self->broker, self->instance);
        hc_error err;
        if (s_worker_connect(self, &err) != HC_OK)
            hc_log_error("broker_connect_failed", "broker=%s code=%s", self->broker,
                         hc_code_name(err.code));
        return 0;
    }
    if (now >= self->next_heartbeat) {
        self->next_heartbeat = now + HC_SERVICE_HEARTBEAT_MS;
        s_send_command(self, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT);
    }
    return 0;
}

static void s_send_reply(hc_service *self, s_req *req)
{
    Hcap__Status status = HCAP__STATUS__INIT;
    status.code = (Hcap__Code)req->err.code;
    Hcap__ServiceReply reply = HCAP__SERVICE_REPLY__INIT;
    reply.id = req->id;
    reply.status = &status;
    if (req->err.code == HC_OK) {
        reply.has_body = true;
        reply.body.data = (uint8_t *)req->reply_body;
        reply.body.len = req->reply_body ? req->reply_size : 0;
    } else {
        status.message = req->err.message;
        status.field = req->err.field[0] ? req->err.field : NULL;
    }
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REPLY;
    msg.reply = &reply;
    zframe_t *frame = hc_msg_frame(&msg.base);
    if (zframe_send(&frame, self->dealer, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy(&frame);
        hc_log_error("reply_lost", "id=%" PRIu64 " reason=\"send queue full\"", req->id);
    }
}

/* Decodes one message from the broker into batch slot n; true when it is
   a request to run. Any message proves the broker alive. */
static bool s_take(hc_service *self, zframe_t *frame, size_t n)
{
    if (!self->arenas[n])
        self->arenas[n] = hc_arena_new();
    hc_arena *arena = self->arenas[n];
    Hcap__WorkerMessage *msg = (Hcap__WorkerMessage *)hc_msg_unpack(
        &hcap__worker_message__descriptor, zframe_data(frame), zframe_size(frame), arena);
    if (!msg || (msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REQUEST && !msg->request)) {
        hc_log_warn("broker_malformed", "size=%zu", zframe_size(frame));
        hc_arena_reset(arena);
        return false;
    }
    self->broker_expires = zclock_mono() + HC_SERVICE_LIVENESS_MS;
    if (msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REQUEST) {
        Hcap__ServiceRequest *sreq = msg->request;
        s_req *req = &self->batch[n];
        memset(req, 0, sizeof *req);
        req->arena = arena;
        req->id = sreq->id;
        req->method = sreq->method;
        req->body = sreq->has_body ? sreq->body.data : NULL;
        req->size = sreq->has_body ? sreq->body.len : 0;
        req->principal = sreq->principal ? sreq->principal : &s_internal;
        req->key = sreq->idempotency_key && *sreq->idempotency_key ? sreq->idempotency_key : NULL;
        return true;
    }
    if (msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT) {
        /* The broker does not know us (it restarted, or declared us dead). */
        hc_log_info("broker_reregister", "broker=%s instance=%s", self->broker, self->instance);
        s_send_command(self, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY);
    } else if (msg->command != HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT)
        hc_log_warn("broker_malformed", "command=%d", (int)msg->command);
    hc_arena_reset(arena);
    return false;
}

/* Drains up to batch_max waiting messages without blocking, runs the
   requests among them as one batch, replies after COMMIT, rings. */
static int s_on_dealer(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    hc_service *self = arg;
    if (sock != self->dealer)
        return 0;
    size_t count = 0;
    for (size_t seen = 0; seen < self->batch_max && (zsock_events(sock) & ZMQ_POLLIN); seen++) {
        zframe_t *frame = zframe_recv(sock);
        if (!frame)
            break;
        if (s_take(self, frame, count))
            count++;
        zframe_destroy(&frame);
    }
    if (count == 0)
        return 0;
    s_batch(self, self->batch, count);
    for (size_t i = 0; i < count; i++)
        s_send_reply(self, &self->batch[i]);
    hc_eventlog_ring(self->log);
    for (size_t i = 0; i < count; i++)
        hc_arena_reset(self->arenas[i]);
    return 0;
}

static int s_on_signal(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    (void)arg;
    char buf[16];
    while (read(item->fd, buf, sizeof buf) > 0)
        ;
    return -1;
}

/* --- hc_service_main --- */

/* Flags whose config key is "<name>/<flag>"; --data and --node-id are node-wide. */
static const char *const s_service_flags[] = {"broker", "events", "bell", "instance", "batch"};
#define S_SERVICE_FLAGS (sizeof s_service_flags / sizeof s_service_flags[0])

static void s_usage(const hc_service_def *def, FILE *out)
{
    fprintf(out,
            "usage: hcap-%s [--config FILE] [--data DIR] [--node-id ID] [--broker ENDPOINT]\n"
            "       [--events ENDPOINT] [--bell ENDPOINT] [--instance ID] [--batch N] [--replica]\n"
            "defaults: data ./var, node-id local, broker ipc://DIR/broker.ipc,\n"
            "  events ipc://DIR/%s-events.ipc, bell ipc://DIR/%s-bell.ipc,\n"
            "  instance %s-<pid>, batch %d; HCAP_* environment variables and the\n"
            "  config file (node/data, node/id, %s/broker, ...) set them too.\n"
            "--replica: a read replica in DIR/<instance>.db following the primary's log\n"
            "  at the events/bell endpoints (instance default %s-replica).\n",
            def->name, def->name, def->name, def->name, HC_SERVICE_BATCH, def->name, def->name);
}

/* The configuration from argv, or NULL (usage printed, *exit_code set). */
static hc_config *s_config(const hc_service_def *def, int argc, char **argv, int *exit_code)
{
    char keys[S_SERVICE_FLAGS][128];
    hc_flag flags[S_SERVICE_FLAGS + 3] = {{"data", "node/data"}, {"node-id", "node/id"}};
    for (size_t i = 0; i < S_SERVICE_FLAGS; i++) {
        snprintf(keys[i], sizeof keys[i], "%s/%s", def->name, s_service_flags[i]);
        flags[2 + i] = (hc_flag){s_service_flags[i], keys[i]};
    }
    /* --replica takes no value, which the config parser's flags all do. */
    char **args = calloc((size_t)argc + 1, sizeof *args);
    assert(args);
    int kept = 0;
    bool replica = false;
    for (int i = 0; i < argc; i++)
        if (i > 0 && strcmp(argv[i], "--replica") == 0)
            replica = true;
        else
            args[kept++] = argv[i];
    bool help = false;
    hc_error err;
    hc_error_clear(&err);
    hc_config *config = hc_config_from_args(kept, args, flags, &help, &err);
    free(args);
    if (config && replica) {
        char key[128];
        snprintf(key, sizeof key, "%s/replica", def->name);
        hc_config_set(config, key, "1");
    }
    if (config && !help)
        return config;
    hc_config_destroy(&config);
    if (help) {
        s_usage(def, stdout);
        *exit_code = 0;
    } else if (err.field[0]) {
        fprintf(stderr, "hcap-%s: %s\n", def->name, err.message);
        s_usage(def, stderr);
        *exit_code = 2;
    } else {
        hc_log_error("service_start_failed", "reason=config code=%s", hc_code_name(err.code));
        *exit_code = 1;
    }
    return NULL;
}

/* "<name>/<what>" from config, defaulting to ipc://DIR/<file>; malloc'd. */
static char *s_endpoint(hc_service *self, const char *data_dir, const char *what,
                        const char *fallback_key, const char *file)
{
    char key[128];
    snprintf(key, sizeof key, "%s/%s", self->def->name, what);
    char *dflt = zsys_sprintf("ipc://%s/%s", data_dir, file);
    const char *base = fallback_key ? hc_config_get(self->config, fallback_key, dflt) : dflt;
    char *value = strdup(hc_config_get(self->config, key, base));
    zstr_free(&dflt);
    return value;
}

/* The log's FETCH/doorbell endpoints, served by the store's leader. */
static int s_serve_log(hc_service *self, hc_error *err)
{
    char *events_file = zsys_sprintf("%s-events.ipc", self->def->name);
    char *bell_file = zsys_sprintf("%s-bell.ipc", self->def->name);
    char *events = s_endpoint(self, self->data_dir, "events", NULL, events_file);
    char *bell = s_endpoint(self, self->data_dir, "bell", NULL, bell_file);
    int rc = hc_eventlog_serve(self->log, self->loop, events, bell, err);
    zstr_free(&events_file);
    zstr_free(&bell_file);
    free(events);
    free(bell);
    return rc;
}

/* The followers a replica runs: its primary's log through replica_apply,
   and the follows that derive state without emitting. */
static void s_replica_jobs(hc_service *self)
{
    size_t n = 0;
    for (const hc_service_follow *f = self->def->follows; f && f->source; f++)
        n++;
    self->replica_follows = calloc(n + 2, sizeof *self->replica_follows);
    assert(self->replica_follows);
    size_t k = 0;
    self->replica_follows[k++] = (hc_service_follow){self->def->name, self->def->replica_apply,
                                                     self->def->replica_reset, false};
    for (const hc_service_follow *f = self->def->follows; f && f->source; f++)
        if (!f->emits)
            self->replica_follows[k++] = *f;
    self->jobs_def.follows = self->replica_follows;
    self->jobs_def.timers = NULL;
    self->jobs_def.start = NULL;
}

/* Takes the store's lead when no other process holds it: 1 when this
   instance leads now, 0 when another does, -1 (err) when it cannot tell. */
static int s_lock(hc_service *self, hc_error *err)
{
    if (self->lock_fd < 0) {
        char *path = zsys_sprintf("%s.lock", hc_store_path(self->store));
        self->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        zstr_free(&path);
        if (self->lock_fd < 0)
            return hc_error_set(err, HC_UNAVAILABLE, "data", "cannot open the store's lock: %s",
                                strerror(errno)),
                   -1;
    }
    if (flock(self->lock_fd, LOCK_EX | LOCK_NB) == 0)
        return 1;
    if (errno == EWOULDBLOCK)
        return 0;
    return hc_error_set(err, HC_UNAVAILABLE, "data", "cannot lock the store: %s", strerror(errno)),
           -1;
}

/* Becomes the store's leader when it can: serves the log (a primary's),
   starts the followers and timers and def->start. HC_OK also when
   another instance leads; an error stops the process. */
static int s_lead(hc_service *self, hc_error *err)
{
    int locked = s_lock(self, err);
    if (locked <= 0)
        return locked == 0 ? HC_OK : err->code;
    self->leader = true;
    hc_log_info("store_leader", "service=%s instance=%s store=%s", self->def->name, self->instance,
                hc_store_path(self->store));
    if (!self->replica && s_serve_log(self, err) != HC_OK)
        return err->code;
    if (!(self->jobs = hc_jobs_start(self, &self->jobs_def, self->data_dir, err)))
        return err->code;
    if (self->jobs_def.start)
        return self->jobs_def.start(self->state, self, err);
    return HC_OK;
}

/* Signals, the tick, the broker connection. */
static int s_serve(hc_service *self, hc_error *err)
{
    char key[128];
    snprintf(key, sizeof key, "%s/batch", self->def->name);
    int64_t batch = hc_config_int(self->config, key, HC_SERVICE_BATCH);
    self->batch_max = (size_t)(batch < 1                        ? 1
                               : batch > HC_SERVICE_BATCH_LIMIT ? HC_SERVICE_BATCH_LIMIT
                                                                : batch);
    self->batch = calloc(self->batch_max, sizeof *self->batch);
    self->arenas = calloc(self->batch_max, sizeof *self->arenas);
    assert(self->batch && self->arenas);
    self->broker = s_endpoint(self, self->data_dir, "broker", "gateway/broker", "broker.ipc");
    hc_log_info("service_starting", "service=%s instance=%s role=%s broker=%s batch=%zu",
                self->def->name, self->instance, self->replica ? "replica" : "primary",
                self->broker, self->batch_max);
    zmq_pollitem_t item = {NULL, hc_signal_fd(), ZMQ_POLLIN, 0};
    if (item.fd < 0 || zloop_poller(self->loop, &item, s_on_signal, self) != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot watch signals");
    self->signals = hc_signal_count();
    if (zloop_timer(self->loop, HC_SERVICE_TICK_MS, 0, s_on_tick, self) < 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot start the heartbeat timer");
    return s_worker_connect(self, err);
}

/* Runs until SIGTERM/SIGINT; a poll interrupted by another signal just
   resumes. Then says goodbye to the broker, letting the DISCONNECT leave. */
static void s_run(hc_service *self)
{
    while (zloop_start(self->loop) == 0 && !hc_signal_received())
        ;
    hc_log_info("service_stopping", "service=%s instance=%s", self->def->name, self->instance);
    if (self->dealer) {
        s_send_command(self, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
        zsock_set_linger(self->dealer, HC_SERVICE_CLOSE_MS);
    }
}

/* A replica's instance names its store file: a plain name only. */
static bool s_plain_name(const char *name)
{
    if (!*name || strlen(name) > 64 || name[0] == '.')
        return false;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
            return false;
    return true;
}

/* The instance id (config <name>/instance; default <name>-<pid>, or
   <name>-replica for a replica, whose store it names), malloc'd; NULL
   after telling the user when a replica's id cannot name a file. */
static char *s_instance(const hc_service_def *def, hc_config *config, bool replica)
{
    char key[128];
    snprintf(key, sizeof key, "%s/instance", def->name);
    char *dflt = replica ? zsys_sprintf("%s-replica", def->name)
                         : zsys_sprintf("%s-%d", def->name, (int)getpid());
    char *instance = strdup(hc_config_get(config, key, dflt));
    zstr_free(&dflt);
    if (replica && !s_plain_name(instance)) {
        fprintf(stderr,
                "hcap-%s: --instance %s: a replica's id names its store: letters, digits, "
                "'-', '_' and '.' only\n",
                def->name, instance);
        zstr_free(&instance);
    }
    return instance;
}

/* Whether config asks for a replica (<name>/replica); -1 after telling the
   user when this service has no replica mode. */
static int s_replica_wanted(const hc_service_def *def, hc_config *config)
{
    char key[128];
    snprintf(key, sizeof key, "%s/replica", def->name);
    if (hc_config_int(config, key, 0) == 0)
        return 0;
    if (def->replica_apply)
        return 1;
    fprintf(stderr, "hcap-%s: --replica: %s has no read replica mode\n", def->name, def->name);
    return -1;
}

static void s_log_start_failed(const hc_service_def *def, const hc_error *err)
{
    char message[600];
    hc_log_error("service_start_failed", "service=%s code=%s message=%s", def->name,
                 hc_code_name(err->code), hc_log_quote(err->message, message, sizeof message));
}

/* Opens the service of config in data_dir (taken over) and serves it. */
static int s_main(const hc_service_def *def, hc_config *config, char *data_dir, bool replica,
                  char *instance)
{
    hc_error err;
    hc_error_clear(&err);
    hc_service *self = s_open(def, data_dir, hc_config_get(config, "node/id", "local"), config,
                              replica ? instance : def->name, replica, &err);
    if (!self) {
        free(data_dir);
        free(instance);
        s_log_start_failed(def, &err);
        return 1;
    }
    self->data_dir = data_dir;
    self->instance = instance;
    if (replica)
        s_replica_jobs(self);
    int rc = s_serve(self, &err);
    if (rc == HC_OK)
        rc = s_lead(self, &err);
    if (rc == HC_OK)
        s_run(self);
    else
        s_log_start_failed(def, &err);
    int exit_code = rc == HC_OK && !self->failed ? 0 : 1;
    hc_service_destroy(&self);
    return exit_code;
}

int hc_service_main(const hc_service_def *def, int argc, char **argv)
{
    assert(def && def->name);
    hc_log_init(def->name);
    int exit_code = 0;
    hc_config *config = s_config(def, argc, argv, &exit_code);
    if (!config)
        return exit_code;
    hc_error err;
    hc_error_clear(&err);
    hc_signal_fd(); /* before any socket, so CZMQ never takes the signals */
    int replica = s_replica_wanted(def, config);
    char *instance = replica >= 0 ? s_instance(def, config, replica == 1) : NULL;
    if (!instance) {
        hc_config_destroy(&config);
        return 2;
    }
    char *data_dir = hc_config_data_dir(config, &err);
    if (!data_dir) {
        s_log_start_failed(def, &err);
        hc_config_destroy(&config);
        free(instance);
        return 1;
    }
    return s_main(def, config, data_dir, replica == 1, instance);
}
