/* gateway_front: ClientRequest -> route lookup, token, dispatch ->
   ClientReply with the request's tag. Garbage is logged and dropped. */
#include "gateway_front.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "gateway_auth.h"
#include "hc_arena.h"
#include "hc_log.h"
#include "hc_msg.h"

#define S_DRAIN_MAX          256   /* requests read per wake-up */
#define S_DEADLINE_MAX_MS    60000 /* a client may not ask for more */
#define S_DEADLINE_MARGIN_MS 50

struct _gw_front {
    gw_server *server;
    zsock_t *router;
    zloop_t *loop;
    hc_arena *arena; /* decoding one request */
    size_t pending;  /* tickets not yet answered */
};

/* One request in flight; the reply callback sends and frees it. */
typedef struct {
    gw_front *front;
    zframe_t *identity;
    bool has_tag;
    uint64_t tag;
    const char *label; /* "service.method" of a known route, or "unknown" */
    char label_text[128];
} s_ticket;

gw_front *gw_front_new(gw_server *server, const char *endpoint, hc_error *err)
{
    assert(server && endpoint);
    gw_front *self = zmalloc(sizeof *self);
    self->server = server;
    self->router = zsock_new(ZMQ_ROUTER);
    if (self->router)
        hc_sock_setup(self->router);
    if (!self->router || zsock_bind(self->router, "%s", endpoint) < 0) {
        hc_error_set(err, HC_UNAVAILABLE, "frontend", "cannot bind frontend at %s: %s", endpoint,
                     zmq_strerror(zmq_errno()));
        zsock_destroy(&self->router);
        free(self);
        return NULL;
    }
    self->arena = hc_arena_new();
    hc_log_info("frontend_listening", "endpoint=%s", endpoint);
    return self;
}

void gw_front_destroy(gw_front **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_front *self = *self_p;
    if (self->loop)
        zloop_reader_end(self->loop, self->router);
    if (self->pending)
        hc_log_warn("frontend_replies_dropped", "count=%zu", self->pending);
    zsock_destroy(&self->router);
    hc_arena_destroy(&self->arena);
    free(self);
    *self_p = NULL;
}

/* Sends status (and body when OK) to the ticket's client, frees the ticket. */
static void s_answer(s_ticket *ticket, int code, const char *field, const char *message,
                     const uint8_t *body, size_t size)
{
    gw_front *self = ticket->front;
    Hcap__Status status = HCAP__STATUS__INIT;
    status.code = (Hcap__Code)code;
    status.field = field && *field ? (char *)field : NULL;
    status.message = message && *message ? (char *)message : NULL;
    Hcap__ClientReply reply = HCAP__CLIENT_REPLY__INIT;
    reply.status = &status;
    reply.has_tag = ticket->has_tag;
    reply.tag = ticket->tag;
    if (code == HC_OK) {
        reply.has_body = true;
        reply.body.data = (uint8_t *)body;
        reply.body.len = size;
    }
    zframe_t *frame = hc_msg_frame(&reply.base);
    if (zframe_send(&ticket->identity, self->router, ZFRAME_MORE | ZFRAME_DONTWAIT) != 0 ||
        zframe_send(&frame, self->router, ZFRAME_DONTWAIT) != 0)
        hc_log_debug("frontend_reply_dropped", "errno=%d", errno);
    zframe_destroy(&ticket->identity);
    zframe_destroy(&frame);
    gw_metrics_frontend(gw_server_metrics(self->server), ticket->label, hc_code_name(code));
    free(ticket);
}

static void s_on_reply(void *arg, const hc_broker_reply *reply)
{
    s_ticket *ticket = arg;
    gw_front *self = ticket->front;
    self->pending--;
    gw_metrics_inflight(gw_server_metrics(self->server), -1);
    s_answer(ticket, reply->code, reply->code == HC_UNAVAILABLE ? NULL : reply->field,
             reply->message, reply->body, reply->size);
}

/* The scoped idempotency key, or NULL. */
static char *s_scoped_key(const Hcap__ClientRequest *request, const gw_token *token)
{
    if (!request->idempotency_key || !*request->idempotency_key || !token->id[0])
        return NULL;
    return zsys_sprintf("%s:%s", token->id, request->idempotency_key);
}

/* Authorizes and dispatches one decoded request. */
static void s_handle(gw_front *self, const Hcap__ClientRequest *request, s_ticket *ticket)
{
    const gw_route *route = gw_route_find(request->service, request->method);
    if (!route) {
        s_answer(ticket, HC_UNIMPLEMENTED, "method", "no such method", NULL, 0);
        return;
    }
    snprintf(ticket->label_text, sizeof ticket->label_text, "%s.%s", route->service, route->method);
    ticket->label = ticket->label_text;
    gw_token token;
    hc_error err;
    hc_error_clear(&err);
    if (gw_server_authorize(self->server, route, request->token, &token, &err) != HC_OK) {
        s_answer(ticket, err.code, err.field, err.message, NULL, 0);
        return;
    }
    Hcap__Principal principal;
    gw_auth_principal(&token, &principal);
    char *key = s_scoped_key(request, &token);
    /* Answer a little before the client gives up, so it hears why. */
    uint32_t deadline = request->has_deadline_ms ? request->deadline_ms : 0;
    if (deadline > 2 * S_DEADLINE_MARGIN_MS)
        deadline -= S_DEADLINE_MARGIN_MS;
    gw_call call = {.route = route,
                    .body = request->has_body ? request->body.data : NULL,
                    .size = request->has_body ? request->body.len : 0,
                    .principal = token.id[0] ? &principal : NULL,
                    .idempotency_key = key,
                    .deadline_ms = deadline > S_DEADLINE_MAX_MS ? S_DEADLINE_MAX_MS : deadline};
    self->pending++;
    gw_metrics_inflight(gw_server_metrics(self->server), +1);
    gw_server_dispatch(self->server, &call, s_on_reply, ticket);
    zstr_free(&key);
}

/* Reads one message; false when nothing was waiting. */
static bool s_receive_one(gw_front *self)
{
    if (!(zsock_events(self->router) & ZMQ_POLLIN))
        return false;
    zmsg_t *msg = zmsg_recv(self->router);
    if (!msg)
        return false;
    if (zmsg_size(msg) != 2) {
        hc_log_warn("frontend_garbage", "frames=%zu", zmsg_size(msg));
        zmsg_destroy(&msg);
        return true;
    }
    zframe_t *identity = zmsg_pop(msg);
    zframe_t *frame = zmsg_pop(msg);
    zmsg_destroy(&msg);
    hc_arena_reset(self->arena);
    Hcap__ClientRequest *request = (Hcap__ClientRequest *)hc_msg_unpack(
        &hcap__client_request__descriptor, zframe_data(frame), zframe_size(frame), self->arena);
    if (!request) {
        hc_log_warn("frontend_garbage", "bytes=%zu reason=undecodable", zframe_size(frame));
        zframe_destroy(&identity);
    } else {
        s_ticket *ticket = zmalloc(sizeof *ticket);
        ticket->front = self;
        ticket->identity = identity;
        ticket->has_tag = request->has_tag;
        ticket->tag = request->tag;
        ticket->label = "unknown";
        s_handle(self, request, ticket);
    }
    zframe_destroy(&frame);
    return true;
}

static int s_on_readable(zloop_t *loop, zsock_t *reader, void *arg)
{
    (void)loop;
    (void)reader;
    gw_front *self = arg;
    for (int i = 0; i < S_DRAIN_MAX && s_receive_one(self); i++)
        ;
    return 0;
}

int gw_front_start(gw_front *self, zloop_t *loop)
{
    assert(self && loop);
    if (zloop_reader(loop, self->router, s_on_readable, self) != 0)
        return HC_INTERNAL;
    zloop_reader_set_tolerant(loop, self->router);
    self->loop = loop;
    return HC_OK;
}
