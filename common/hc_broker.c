/* hc_broker: the gateway's backend ROUTER. Keeps live instances per service,
   dispatches each request to the least-recently-used one, tracks deadlines
   and heartbeats on one zloop timer, and retries or fails the requests of an
   instance that died. */
#include "hc_broker.h"

#include <errno.h>
#include <inttypes.h>
#include "hc_arena.h"
#include "hc_id.h"
#include "hc_log.h"
#include "hc_msg.h"

#define HC_BROKER_HEARTBEAT_MS 1000
#define HC_BROKER_LIVENESS_MS  3000 /* silent this long: dead */
#define HC_BROKER_TICK_MS      10   /* deadline resolution */
#define HC_BROKER_DEADLINE_MS  5000 /* when the caller passes 0 */
#define HC_BROKER_DRAIN_MAX    256  /* messages read per wake-up */

typedef struct {
    char *name;
    zlistx_t *instances; /* s_instance, live only */
} s_service;

typedef struct {
    char *key;          /* identity in hex: key of broker->instances */
    zframe_t *identity; /* ROUTER routing id */
    char *name;         /* instance id from READY */
    bool replica;       /* role "replica": takes only the methods in reads */
    zlistx_t *reads;    /* char *, a replica's methods from READY */
    s_service *service;
    int64_t expires_at;     /* last message + liveness */
    uint64_t last_dispatch; /* broker dispatch counter; lowest is LRU */
    zlistx_t *inflight;     /* s_request */
    void *service_handle;   /* in service->instances */
    bool has_log_head;      /* from the last READY or HEARTBEAT */
    uint64_t log_head;
    Hcap__FollowerStatus *followers; /* n_followers, sources owned */
    size_t n_followers;
    Hcap__NodeStatus *nodes; /* n_nodes, strings owned */
    size_t n_nodes;
} s_instance;

typedef struct {
    uint64_t id;
    char *service;
    char *method;
    uint8_t *body;
    size_t size;
    bool has_principal;
    Hcap__Principal principal; /* strings owned */
    char *idempotency_key;
    int64_t deadline_at;
    unsigned flags; /* HC_BROKER_RETRY, HC_BROKER_REPLICA */
    hc_broker_reply_fn *cb;
    void *arg;
    s_instance *instance;  /* where it is in flight, or NULL */
    void *inflight_handle; /* in instance->inflight */
    void *deadline_handle; /* in broker->deadlines */
} s_request;

struct _hc_broker {
    zsock_t *router;
    zloop_t *loop;
    int timer_id;
    zhashx_t *services;  /* name -> s_service */
    zhashx_t *instances; /* identity hex -> s_instance */
    zhashx_t *requests;  /* &id -> s_request */
    zlistx_t *deadlines; /* s_request ordered by deadline_at */
    uint64_t next_id;
    uint64_t dispatches;
    int64_t next_heartbeat;
    hc_arena *arena; /* for decoding one incoming message */
};

static void s_dispatch(hc_broker *self, s_request *req);
static void s_instance_kill(hc_broker *self, s_instance *inst, const char *reason);

/* --- small helpers --- */

static size_t s_id_hash(const void *key)
{
    uint64_t id = *(const uint64_t *)key;
    return (size_t)(id ^ (id >> 32));
}

static int s_id_compare(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int s_deadline_compare(const void *a, const void *b)
{
    const s_request *x = a, *y = b;
    return x->deadline_at < y->deadline_at ? -1 : x->deadline_at > y->deadline_at;
}

static void s_service_free(void **item)
{
    s_service *svc = *item;
    if (svc) {
        zlistx_destroy(&svc->instances);
        free(svc->name);
        free(svc);
        *item = NULL;
    }
}

static void s_request_free(s_request **req_p)
{
    s_request *req = *req_p;
    if (!req)
        return;
    free(req->service);
    free(req->method);
    free(req->body);
    free(req->principal.name);
    free(req->principal.token_id);
    free(req->idempotency_key);
    free(req);
    *req_p = NULL;
}

static void s_followers_clear(s_instance *inst)
{
    for (size_t i = 0; i < inst->n_followers; i++)
        free(inst->followers[i].source);
    free(inst->followers);
    inst->followers = NULL;
    inst->n_followers = 0;
}

static void s_nodes_clear(s_instance *inst)
{
    for (size_t i = 0; i < inst->n_nodes; i++) {
        free(inst->nodes[i].node);
        free(inst->nodes[i].last_seen);
    }
    free(inst->nodes);
    inst->nodes = NULL;
    inst->n_nodes = 0;
}

/* Keeps msg's followers (those with a source, at most
   HC_BROKER_FOLLOWERS_MAX); out of memory keeps fewer. */
static void s_followers_keep(s_instance *inst, const Hcap__WorkerMessage *msg)
{
    size_t count = 0;
    for (size_t i = 0; i < msg->n_followers && count < HC_BROKER_FOLLOWERS_MAX; i++)
        count += msg->followers[i] && msg->followers[i]->source;
    if (count == 0)
        return;
    inst->followers = calloc(count, sizeof *inst->followers);
    if (!inst->followers)
        return;
    for (size_t i = 0; i < msg->n_followers && inst->n_followers < count; i++) {
        const Hcap__FollowerStatus *from = msg->followers[i];
        if (!from || !from->source)
            continue;
        Hcap__FollowerStatus *to = &inst->followers[inst->n_followers];
        hcap__follower_status__init(to);
        to->source = strdup(from->source);
        if (!to->source)
            break;
        to->seq = from->seq;
        to->head = from->head;
        to->seconds_behind = from->seconds_behind >= 0 ? from->seconds_behind : 0;
        to->has_dead_letters = from->has_dead_letters;
        to->dead_letters = from->dead_letters;
        inst->n_followers++;
    }
}

/* Copies one node's status into to (strings owned); false when out of memory. */
static bool s_node_copy(Hcap__NodeStatus *to, const Hcap__NodeStatus *from)
{
    *to = *from;
    to->base.unknown_fields = NULL;
    to->base.n_unknown_fields = 0;
    to->node = strdup(from->node);
    to->last_seen = from->last_seen ? strdup(from->last_seen) : NULL;
    if (to->has_seconds_since_seen && !(to->seconds_since_seen >= 0))
        to->seconds_since_seen = 0;
    if (to->node && (to->last_seen || !from->last_seen))
        return true;
    free(to->node);
    free(to->last_seen);
    return false;
}

static bool s_node_named(const Hcap__NodeStatus *node)
{
    return node && node->node && node->node[0];
}

/* Keeps msg's nodes (those with a name, at most HC_BROKER_NODES_MAX). */
static void s_nodes_keep(s_instance *inst, const Hcap__WorkerMessage *msg)
{
    size_t count = 0;
    for (size_t i = 0; i < msg->n_nodes && count < HC_BROKER_NODES_MAX; i++)
        count += s_node_named(msg->nodes[i]);
    if (count == 0)
        return;
    inst->nodes = calloc(count, sizeof *inst->nodes);
    if (!inst->nodes)
        return;
    for (size_t i = 0; i < msg->n_nodes && inst->n_nodes < count; i++) {
        if (!s_node_named(msg->nodes[i]))
            continue;
        if (!s_node_copy(&inst->nodes[inst->n_nodes], msg->nodes[i]))
            break;
        inst->n_nodes++;
    }
}

/* Keeps what msg (a READY or HEARTBEAT) says of the instance's log,
   followers and nodes, replacing what the previous one said. */
static void s_instance_report(s_instance *inst, const Hcap__WorkerMessage *msg)
{
    inst->has_log_head = msg->has_log_head;
    inst->log_head = msg->has_log_head ? msg->log_head : 0;
    s_followers_clear(inst);
    s_nodes_clear(inst);
    s_followers_keep(inst, msg);
    s_nodes_keep(inst, msg);
}

static void s_instance_free(s_instance **inst_p)
{
    s_instance *inst = *inst_p;
    if (!inst)
        return;
    s_followers_clear(inst);
    s_nodes_clear(inst);
    zlistx_destroy(&inst->inflight);
    zframe_destroy(&inst->identity);
    free(inst->key);
    free(inst->name);
    zlistx_destroy(&inst->reads);
    free(inst);
    *inst_p = NULL;
}

/* Sends frame (consumed) to identity without ever blocking the loop.
   0, or -1 with errno (EHOSTUNREACH: the peer is gone). */
static int s_send(hc_broker *self, zframe_t *identity, zframe_t **frame_p)
{
    if (zframe_send(&identity, self->router, ZFRAME_MORE | ZFRAME_REUSE | ZFRAME_DONTWAIT) != 0) {
        int saved = errno;
        zframe_destroy(frame_p);
        errno = saved;
        return -1;
    }
    if (zframe_send(frame_p, self->router, ZFRAME_DONTWAIT) != 0) {
        int saved = errno;
        zframe_destroy(frame_p);
        errno = saved;
        return -1;
    }
    return 0;
}

static int s_send_command(hc_broker *self, zframe_t *identity, Hcap__WorkerMessage__Command cmd)
{
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = cmd;
    zframe_t *frame = hc_msg_frame(&msg.base);
    return s_send(self, identity, &frame);
}

/* --- completing requests --- */

/* Takes req out of every index, calls its callback once, frees it. */
static void s_complete(hc_broker *self, s_request *req, const hc_broker_reply *reply)
{
    zhashx_delete(self->requests, &req->id);
    if (req->deadline_handle)
        zlistx_delete(self->deadlines, req->deadline_handle);
    if (req->instance)
        zlistx_delete(req->instance->inflight, req->inflight_handle);
    req->cb(req->arg, reply);
    s_request_free(&req);
}

static void s_fail(hc_broker *self, s_request *req, int code, const char *instance, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));

static void s_fail(hc_broker *self, s_request *req, int code, const char *instance, const char *fmt,
                   ...)
{
    char message[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    hc_broker_reply reply = {code, NULL, message, NULL, 0, instance};
    s_complete(self, req, &reply);
}

/* --- dispatch --- */

/* Whether inst may take req: a primary takes everything, a replica only
   the reads it listed, when req lets a replica answer. */
static bool s_takes(const s_instance *inst, const s_request *req)
{
    if (!inst->replica)
        return true;
    if (!(req->flags & HC_BROKER_REPLICA))
        return false;
    for (const char *m = zlistx_first(inst->reads); m; m = zlistx_next(inst->reads))
        if (strcmp(m, req->method) == 0)
            return true;
    return false;
}

/* The live instance of svc that may take req and was dispatched to
   longest ago. */
static s_instance *s_pick(s_service *svc, const s_request *req)
{
    s_instance *best = NULL;
    for (s_instance *inst = zlistx_first(svc->instances); inst; inst = zlistx_next(svc->instances))
        if (s_takes(inst, req) && (!best || inst->last_dispatch < best->last_dispatch))
            best = inst;
    return best;
}

static zframe_t *s_request_frame(s_request *req, int64_t now)
{
    Hcap__ServiceRequest sreq = HCAP__SERVICE_REQUEST__INIT;
    sreq.id = req->id;
    sreq.method = req->method;
    sreq.has_body = true;
    sreq.body.data = req->body;
    sreq.body.len = req->size;
    if (req->has_principal)
        sreq.principal = &req->principal;
    int64_t left = req->deadline_at - now;
    sreq.has_deadline_ms = true;
    sreq.deadline_ms = left > 0 ? (uint32_t)left : 1;
    sreq.idempotency_key = req->idempotency_key;
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REQUEST;
    msg.request = &sreq;
    return hc_msg_frame(&msg.base);
}

/* Sends req to the LRU live instance of its service; an instance that
   turns out to be gone is killed and the next one tried. Completes req
   with HC_UNAVAILABLE when none is left. */
static void s_dispatch(hc_broker *self, s_request *req)
{
    s_service *svc = zhashx_lookup(self->services, req->service);
    s_instance *inst;
    while (svc && (inst = s_pick(svc, req)) != NULL) {
        zframe_t *frame = s_request_frame(req, zclock_mono());
        if (s_send(self, inst->identity, &frame) == 0) {
            inst->last_dispatch = ++self->dispatches;
            req->instance = inst;
            req->inflight_handle = zlistx_add_end(inst->inflight, req);
            return;
        }
        if (errno != EHOSTUNREACH) {
            s_fail(self, req, HC_UNAVAILABLE, inst->name, "instance %s of %s cannot take requests",
                   inst->name, req->service);
            return;
        }
        s_instance_kill(self, inst, "unreachable");
    }
    if (svc && zlistx_size(svc->instances) > 0)
        s_fail(self, req, HC_UNAVAILABLE, NULL,
               "no live primary of %s (its replicas take only reads): %s goes to the primary",
               req->service, req->method);
    else
        s_fail(self, req, HC_UNAVAILABLE, NULL, "no live instance of %s", req->service);
}

/* --- instances --- */

/* Forgets inst; its in-flight requests go to another instance when
   retryable, else fail with HC_UNAVAILABLE. */
static void s_instance_kill(hc_broker *self, s_instance *inst, const char *reason)
{
    hc_log_warn("instance_dead", "service=%s instance=%s reason=%s inflight=%zu",
                inst->service->name, inst->name, reason, zlistx_size(inst->inflight));
    zlistx_delete(inst->service->instances, inst->service_handle);
    zhashx_delete(self->instances, inst->key);
    s_request *req;
    while ((req = zlistx_detach(inst->inflight, NULL)) != NULL) {
        req->instance = NULL;
        req->inflight_handle = NULL;
        if (req->flags & HC_BROKER_RETRY)
            s_dispatch(self, req);
        else
            s_fail(self, req, HC_UNAVAILABLE, inst->name,
                   "instance %s of %s died with the request in flight", inst->name, req->service);
    }
    s_instance_free(&inst);
}

static s_service *s_service_require(hc_broker *self, const char *name)
{
    s_service *svc = zhashx_lookup(self->services, name);
    if (!svc) {
        svc = zmalloc(sizeof *svc);
        svc->name = strdup(name);
        svc->instances = zlistx_new();
        zhashx_insert(self->services, name, svc);
    }
    return svc;
}

static void s_str_free(void **item)
{
    free(*item);
    *item = NULL;
}

/* The role READY gave: "replica" with the methods it serves, or else a
   primary (an instance that sends no role is one). */
static void s_instance_role(s_instance *inst, const Hcap__WorkerMessage *msg)
{
    zlistx_destroy(&inst->reads);
    inst->replica = msg->role && strcmp(msg->role, "replica") == 0;
    inst->reads = zlistx_new();
    zlistx_set_destructor(inst->reads, s_str_free);
    for (size_t i = 0; inst->replica && i < msg->n_reads; i++)
        if (msg->reads[i])
            zlistx_add_end(inst->reads, strdup(msg->reads[i]));
}

/* READY: registers (or re-registers) the sender as an instance of a service. */
static void s_on_ready(hc_broker *self, zframe_t *identity, const char *key,
                       const Hcap__WorkerMessage *msg)
{
    if (!msg->service || !*msg->service) {
        hc_log_warn("worker_malformed", "peer=%s reason=\"READY without service\"", key);
        return;
    }
    s_instance *inst = zhashx_lookup(self->instances, key);
    if (inst && strcmp(inst->service->name, msg->service) != 0) {
        s_instance_kill(self, inst, "re-registered");
        inst = NULL;
    }
    if (!inst) {
        inst = zmalloc(sizeof *inst);
        inst->key = strdup(key);
        inst->identity = zframe_dup(identity);
        inst->inflight = zlistx_new();
        inst->service = s_service_require(self, msg->service);
        inst->service_handle = zlistx_add_end(inst->service->instances, inst);
        zhashx_insert(self->instances, key, inst);
    }
    free(inst->name);
    inst->name = strdup(msg->instance && *msg->instance ? msg->instance : key);
    s_instance_role(inst, msg);
    inst->expires_at = zclock_mono() + HC_BROKER_LIVENESS_MS;
    s_instance_report(inst, msg);
    hc_log_info("instance_ready", "service=%s instance=%s role=%s reads=%zu live=%zu", msg->service,
                inst->name, inst->replica ? "replica" : "primary",
                inst->replica ? zlistx_size(inst->reads) : 0,
                zlistx_size(inst->service->instances));
}

static int s_reply_code(Hcap__Status *status)
{
    if (!status)
        return HC_UNKNOWN;
    int code = (int)status->code;
    return code >= HC_OK && code <= HC_UNAUTHENTICATED ? code : HC_UNKNOWN;
}

/* A replica that has not yet applied a write just made answers NOT_FOUND
   for it (a worker read right after its creation): the read goes to a
   primary instead, when one is live. True when it went. */
static bool s_ask_primary(hc_broker *self, s_request *req)
{
    s_service *svc = zhashx_lookup(self->services, req->service);
    unsigned flags = req->flags;
    req->flags &= ~HC_BROKER_REPLICA;
    if (!svc || !s_pick(svc, req)) {
        req->flags = flags;
        return false;
    }
    zlistx_delete(req->instance->inflight, req->inflight_handle);
    req->instance = NULL;
    req->inflight_handle = NULL;
    s_dispatch(self, req);
    return true;
}

/* REPLY: completes the request; a late reply (deadline passed, or already
   answered by another instance) is dropped. */
static void s_on_reply(hc_broker *self, s_instance *inst, const Hcap__ServiceReply *sreply)
{
    if (!sreply) {
        hc_log_warn("worker_malformed", "instance=%s reason=\"REPLY without reply\"", inst->name);
        return;
    }
    s_request *req = zhashx_lookup(self->requests, &sreply->id);
    if (!req) {
        hc_log_debug("reply_dropped", "instance=%s id=%" PRIu64 " reason=late", inst->name,
                     sreply->id);
        return;
    }
    hc_broker_reply reply = {s_reply_code(sreply->status), NULL, NULL, NULL, 0, inst->name};
    if (sreply->status) {
        reply.field = sreply->status->field;
        reply.message = sreply->status->message;
    }
    if (reply.code == HC_OK) {
        reply.body = sreply->has_body ? sreply->body.data : NULL;
        reply.size = sreply->has_body ? sreply->body.len : 0;
    }
    if (reply.code == HC_NOT_FOUND && inst->replica && s_ask_primary(self, req))
        return;
    s_complete(self, req, &reply);
}

/* --- incoming --- */

/* One message from a peer: [identity][WorkerMessage]. Anything else is
   logged and dropped; a known peer's message also proves it alive. */
static void s_on_message(hc_broker *self, zmsg_t *zmsg)
{
    zframe_t *identity = zmsg_first(zmsg);
    zframe_t *payload = zmsg_next(zmsg);
    char *key = zframe_strhex(identity);
    Hcap__WorkerMessage *msg = NULL;
    if (zmsg_size(zmsg) == 2)
        msg = (Hcap__WorkerMessage *)hc_msg_unpack(&hcap__worker_message__descriptor,
                                                   zframe_data(payload), zframe_size(payload),
                                                   self->arena);
    if (!msg) {
        hc_log_warn("worker_malformed", "peer=%s frames=%zu", key, zmsg_size(zmsg));
        free(key);
        return;
    }
    s_instance *inst = zhashx_lookup(self->instances, key);
    if (msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY)
        s_on_ready(self, identity, key, msg);
    else if (!inst) {
        /* A worker that outlived a gateway restart: make it register again. */
        if (msg->command != HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT) {
            hc_log_info("worker_unknown", "peer=%s command=%d", key, (int)msg->command);
            s_send_command(self, identity, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
        }
    } else {
        inst->expires_at = zclock_mono() + HC_BROKER_LIVENESS_MS;
        if (msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REPLY)
            s_on_reply(self, inst, msg->reply);
        else if (msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT)
            s_instance_kill(self, inst, "disconnect");
        else if (msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT)
            s_instance_report(inst, msg);
        else
            hc_log_warn("worker_malformed", "instance=%s command=%d", inst->name,
                        (int)msg->command);
    }
    free(key);
}

static int s_on_router(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    hc_broker *self = arg;
    for (int count = 0; count < HC_BROKER_DRAIN_MAX; count++) {
        if (!(zsock_events(router) & ZMQ_POLLIN))
            break;
        zmsg_t *zmsg = zmsg_recv(router);
        if (!zmsg)
            break;
        s_on_message(self, zmsg);
        zmsg_destroy(&zmsg);
        hc_arena_reset(self->arena);
    }
    return 0;
}

/* --- timer: deadlines, heartbeats, liveness --- */

static void s_expire_deadlines(hc_broker *self, int64_t now)
{
    s_request *req;
    while ((req = zlistx_first(self->deadlines)) != NULL && req->deadline_at <= now) {
        hc_log_debug("request_deadline", "service=%s method=%s id=%" PRIu64, req->service,
                     req->method, req->id);
        s_fail(self, req, HC_DEADLINE_EXCEEDED, req->instance ? req->instance->name : NULL,
               "deadline exceeded waiting for %s", req->service);
    }
}

/* Kills the instances whose keys are in keys; looked up again one by one
   because killing one may kill another (a retry that finds it gone). */
static void s_kill_keys(hc_broker *self, zlist_t *keys, const char *reason)
{
    for (const char *key = zlist_first(keys); key; key = zlist_next(keys)) {
        s_instance *inst = zhashx_lookup(self->instances, key);
        if (inst)
            s_instance_kill(self, inst, reason);
    }
}

static void s_heartbeat(hc_broker *self)
{
    zlist_t *gone = zlist_new();
    zlist_autofree(gone);
    for (s_instance *inst = zhashx_first(self->instances); inst;
         inst = zhashx_next(self->instances))
        if (s_send_command(self, inst->identity,
                           HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT) != 0 &&
            errno == EHOSTUNREACH)
            zlist_append(gone, inst->key);
    s_kill_keys(self, gone, "unreachable");
    zlist_destroy(&gone);
}

static void s_expire_instances(hc_broker *self, int64_t now)
{
    zlist_t *dead = NULL;
    for (s_instance *inst = zhashx_first(self->instances); inst;
         inst = zhashx_next(self->instances))
        if (inst->expires_at <= now) {
            if (!dead) {
                dead = zlist_new();
                zlist_autofree(dead);
            }
            zlist_append(dead, inst->key);
        }
    if (dead) {
        s_kill_keys(self, dead, "silent");
        zlist_destroy(&dead);
    }
}

static int s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hc_broker *self = arg;
    int64_t now = zclock_mono();
    s_expire_deadlines(self, now);
    if (now >= self->next_heartbeat) {
        self->next_heartbeat = now + HC_BROKER_HEARTBEAT_MS;
        s_heartbeat(self);
    }
    s_expire_instances(self, now);
    return 0;
}

/* --- public --- */

hc_broker *hc_broker_new(const char *endpoint, hc_error *err)
{
    assert(endpoint);
    hc_broker *self = zmalloc(sizeof *self);
    self->router = zsock_new(ZMQ_ROUTER);
    if (!self->router)
        goto err;
    hc_sock_setup(self->router);
    /* A full peer pipe must fail the send, never stall the gateway's loop. */
    zsock_set_sndtimeo(self->router, 0);
    if (zsock_bind(self->router, "%s", endpoint) < 0) {
        hc_error_set(err, HC_UNAVAILABLE, NULL, "cannot bind broker at %s: %s", endpoint,
                     zmq_strerror(zmq_errno()));
        goto err;
    }
    self->services = zhashx_new();
    zhashx_set_destructor(self->services, s_service_free);
    self->instances = zhashx_new();
    self->requests = zhashx_new();
    zhashx_set_key_hasher(self->requests, s_id_hash);
    zhashx_set_key_comparator(self->requests, s_id_compare);
    zhashx_set_key_duplicator(self->requests, NULL);
    zhashx_set_key_destructor(self->requests, NULL);
    self->deadlines = zlistx_new();
    zlistx_set_comparator(self->deadlines, s_deadline_compare);
    self->arena = hc_arena_new();
    self->timer_id = -1;
    /* A random start: a reply meant for a previous gateway process never
       matches one of this process's requests. */
    uint32_t start;
    hc_random_bytes(&start, sizeof start);
    self->next_id = (uint64_t)start << 32;
    return self;
err:
    if (self->router == NULL)
        hc_error_set(err, HC_UNAVAILABLE, NULL, "cannot create broker socket");
    zsock_destroy(&self->router);
    free(self);
    return NULL;
}

void hc_broker_destroy(hc_broker **self_p)
{
    assert(self_p);
    hc_broker *self = *self_p;
    if (!self)
        return;
    if (self->loop) {
        zloop_reader_end(self->loop, self->router);
        zloop_timer_end(self->loop, self->timer_id);
    }
    s_request *req;
    while ((req = zlistx_first(self->deadlines)) != NULL)
        s_fail(self, req, HC_UNAVAILABLE, NULL, "gateway shutting down");
    s_instance *inst;
    while ((inst = zhashx_first(self->instances)) != NULL) {
        s_send_command(self, inst->identity, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
        zlistx_delete(inst->service->instances, inst->service_handle);
        zhashx_delete(self->instances, inst->key);
        s_instance_free(&inst);
    }
    zhashx_destroy(&self->requests);
    zhashx_destroy(&self->instances);
    zhashx_destroy(&self->services);
    zlistx_destroy(&self->deadlines);
    hc_arena_destroy(&self->arena);
    zsock_destroy(&self->router);
    free(self);
    *self_p = NULL;
}

int hc_broker_start(hc_broker *self, zloop_t *loop)
{
    assert(self);
    assert(loop);
    assert(!self->loop);
    if (zloop_reader(loop, self->router, s_on_router, self) != 0)
        return HC_INTERNAL;
    self->timer_id = zloop_timer(loop, HC_BROKER_TICK_MS, 0, s_on_tick, self);
    if (self->timer_id < 0) {
        zloop_reader_end(loop, self->router);
        return HC_INTERNAL;
    }
    self->loop = loop;
    self->next_heartbeat = zclock_mono() + HC_BROKER_HEARTBEAT_MS;
    return HC_OK;
}

static s_request *s_request_new(const char *service, const char *method, const uint8_t *body,
                                size_t size, const Hcap__Principal *principal,
                                const char *idempotency_key)
{
    s_request *req = zmalloc(sizeof *req);
    req->service = strdup(service);
    req->method = strdup(method);
    req->body = malloc(size ? size : 1);
    assert(req->body);
    if (size)
        memcpy(req->body, body, size);
    req->size = size;
    hcap__principal__init(&req->principal);
    if (principal) {
        req->has_principal = true;
        req->principal.name = strdup(principal->name ? principal->name : "");
        req->principal.role = principal->role;
        req->principal.token_id = principal->token_id ? strdup(principal->token_id) : NULL;
    }
    req->idempotency_key = idempotency_key ? strdup(idempotency_key) : NULL;
    return req;
}

int hc_broker_request(hc_broker *self, const char *service, const char *method, const uint8_t *body,
                      size_t size, const Hcap__Principal *principal, const char *idempotency_key,
                      uint32_t deadline_ms, unsigned flags, hc_broker_reply_fn *cb, void *arg)
{
    assert(self);
    assert(service && method && cb);
    s_request *req = s_request_new(service, method, body, size, principal, idempotency_key);
    req->id = ++self->next_id;
    req->flags = flags;
    req->cb = cb;
    req->arg = arg;
    req->deadline_at = zclock_mono() + (deadline_ms ? deadline_ms : HC_BROKER_DEADLINE_MS);
    zhashx_insert(self->requests, &req->id, req);
    req->deadline_handle = zlistx_insert(self->deadlines, req, false);
    uint64_t id = req->id;
    s_dispatch(self, req);
    /* Dispatch either put it in flight or already completed it. */
    return zhashx_lookup(self->requests, &id) ? HC_OK : HC_UNAVAILABLE;
}

size_t hc_broker_instances(hc_broker *self, const char *service)
{
    assert(self);
    s_service *svc = zhashx_lookup(self->services, service);
    return svc ? zlistx_size(svc->instances) : 0;
}

size_t hc_broker_replicas(hc_broker *self, const char *service)
{
    assert(self);
    s_service *svc = zhashx_lookup(self->services, service);
    size_t n = 0;
    for (s_instance *inst = svc ? zlistx_first(svc->instances) : NULL; inst;
         inst = zlistx_next(svc->instances))
        n += inst->replica;
    return n;
}

void hc_broker_foreach(hc_broker *self, void (*fn)(void *arg, const char *service, size_t live),
                       void *arg)
{
    assert(self && fn);
    zlistx_t *names = zhashx_keys(self->services);
    for (const char *name = zlistx_first(names); name; name = zlistx_next(names))
        fn(arg, name, hc_broker_instances(self, name));
    zlistx_destroy(&names);
}

void hc_broker_foreach_instance(hc_broker *self,
                                void (*fn)(void *arg, const hc_broker_instance *instance),
                                void *arg)
{
    assert(self && fn);
    for (s_instance *inst = zhashx_first(self->instances); inst;
         inst = zhashx_next(self->instances)) {
        hc_broker_instance view = {.service = inst->service->name,
                                   .instance = inst->name,
                                   .has_log_head = inst->has_log_head,
                                   .log_head = inst->log_head,
                                   .followers = inst->followers,
                                   .n_followers = inst->n_followers,
                                   .nodes = inst->nodes,
                                   .n_nodes = inst->n_nodes};
        fn(arg, &view);
    }
}
