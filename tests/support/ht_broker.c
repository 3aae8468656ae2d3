/* ht_broker: a minimal broker side of the worker protocol over a ROUTER,
   for tests that must reach one particular instance. */
#include "ht_broker.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hc_arena.h"
#include "hc_json.h"
#include "hcap.pb-c.h"
#include "ht_os.h"

#define S_HEARTBEAT_MS 500

struct _ht_broker {
    zsock_t *router;
    zframe_t *identity; /* of the instance that sent the last READY */
    uint64_t next_id;
    int64_t beat_at; /* when to send the next HEARTBEAT */
};

ht_broker *ht_broker_new(const char *endpoint)
{
    zsys_handler_set(NULL);
    ht_broker *self = calloc(1, sizeof *self);
    self->router = zsock_new(ZMQ_ROUTER);
    if (!self->router || zsock_bind(self->router, "%s", endpoint) != 0) {
        fprintf(stderr, "ht_broker: cannot bind %s\n", endpoint);
        ht_broker_destroy(&self);
        return NULL;
    }
    zsock_set_linger(self->router, 0);
    return self;
}

void ht_broker_destroy(ht_broker **self_p)
{
    if (!self_p || !*self_p)
        return;
    zsock_destroy(&(*self_p)->router);
    zframe_destroy(&(*self_p)->identity);
    free(*self_p);
    *self_p = NULL;
}

static void s_send(ht_broker *self, const ProtobufCMessage *msg)
{
    if (!self->identity)
        return;
    size_t size = protobuf_c_message_get_packed_size(msg);
    zframe_t *frame = zframe_new(NULL, size);
    protobuf_c_message_pack(msg, zframe_data(frame));
    zmsg_t *out = zmsg_new();
    zmsg_append(out, &(zframe_t *){zframe_dup(self->identity)});
    zmsg_append(out, &frame);
    zmsg_send(&out, self->router);
}

static void s_beat(ht_broker *self)
{
    Hcap__WorkerMessage beat = HCAP__WORKER_MESSAGE__INIT;
    beat.command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT;
    s_send(self, &beat.base);
    self->beat_at = ht_now_ms() + S_HEARTBEAT_MS;
}

/* The next message from an instance within the time left until deadline
   (heartbeating meanwhile), or NULL. A READY makes its sender the
   instance requests go to. */
static Hcap__WorkerMessage *s_recv(ht_broker *self, int64_t deadline)
{
    zpoller_t *poller = zpoller_new(self->router, NULL);
    Hcap__WorkerMessage *msg = NULL;
    while (!msg && ht_now_ms() < deadline) {
        if (ht_now_ms() >= self->beat_at)
            s_beat(self);
        if (!zpoller_wait(poller, 50))
            continue;
        zmsg_t *in = zmsg_recv(self->router);
        zframe_t *identity = in ? zmsg_pop(in) : NULL;
        zframe_t *body = in ? zmsg_last(in) : NULL;
        if (body)
            msg = hcap__worker_message__unpack(NULL, zframe_size(body), zframe_data(body));
        if (msg && msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY) {
            zframe_destroy(&self->identity);
            self->identity = identity;
            identity = NULL;
        }
        zframe_destroy(&identity);
        zmsg_destroy(&in);
    }
    zpoller_destroy(&poller);
    return msg;
}

json_t *ht_broker_ready(ht_broker *self, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    while (ht_now_ms() < deadline) {
        Hcap__WorkerMessage *msg = s_recv(self, deadline);
        if (msg && msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY) {
            json_t *ready = hc_json_from_message(&msg->base);
            hcap__worker_message__free_unpacked(msg, NULL);
            s_beat(self);
            return ready;
        }
        if (msg)
            hcap__worker_message__free_unpacked(msg, NULL);
    }
    return NULL;
}

/* Packs the method's input from json_in; malloc'd bytes or NULL. */
static uint8_t *s_input(const ProtobufCMethodDescriptor *method, const char *json_in, size_t *size)
{
    json_t *json = json_loads(json_in ? json_in : "{}", 0, NULL);
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *in = NULL;
    hc_error err;
    uint8_t *data = NULL;
    if (json && hc_json_to_message(json, method->input, arena, &in, &err) == HC_OK) {
        *size = protobuf_c_message_get_packed_size(in);
        data = malloc(*size + 1);
        protobuf_c_message_pack(in, data);
    } else
        fprintf(stderr, "ht_broker: %s: input does not build: %s\n", method->name,
                json_in ? json_in : "");
    hc_arena_destroy(&arena);
    json_decref(json);
    return data;
}

static void s_take_reply(const ProtobufCMethodDescriptor *method, const Hcap__ServiceReply *sr,
                         ht_broker_reply *reply)
{
    reply->code = (int)sr->status->code;
    snprintf(reply->field, sizeof reply->field, "%s", sr->status->field ? sr->status->field : "");
    snprintf(reply->message, sizeof reply->message, "%s",
             sr->status->message ? sr->status->message : "");
    if (reply->code != 0)
        return;
    ProtobufCMessage *out =
        protobuf_c_message_unpack(method->output, NULL, sr->has_body ? sr->body.len : 0,
                                  sr->has_body ? sr->body.data : (const uint8_t *)"");
    if (out) {
        reply->json = hc_json_from_message(out);
        protobuf_c_message_free_unpacked(out, NULL);
    }
}

int ht_broker_call(ht_broker *self, const ProtobufCServiceDescriptor *service, const char *method,
                   const char *json_in, ht_broker_reply *reply, int timeout_ms)
{
    memset(reply, 0, sizeof *reply);
    reply->code = -1;
    const ProtobufCMethodDescriptor *md =
        protobuf_c_service_descriptor_get_method_by_name(service, method);
    size_t size = 0;
    uint8_t *body = md ? s_input(md, json_in, &size) : NULL;
    if (!body)
        return -1;
    Hcap__Principal principal = HCAP__PRINCIPAL__INIT;
    principal.name = "ht_broker";
    principal.role = HCAP__ROLE__ROLE_ADMIN;
    Hcap__ServiceRequest req = HCAP__SERVICE_REQUEST__INIT;
    req.id = ++self->next_id;
    req.method = (char *)method;
    req.has_body = true;
    req.body = (ProtobufCBinaryData){size, body};
    req.principal = &principal;
    req.has_deadline_ms = true;
    req.deadline_ms = (uint32_t)timeout_ms;
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REQUEST;
    msg.request = &req;
    s_send(self, &msg.base);
    free(body);
    int64_t deadline = ht_now_ms() + timeout_ms;
    while (reply->code < 0 && ht_now_ms() < deadline) {
        Hcap__WorkerMessage *in = s_recv(self, deadline);
        if (in && in->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REPLY && in->reply &&
            in->reply->id == req.id && in->reply->status)
            s_take_reply(md, in->reply, reply);
        if (in)
            hcap__worker_message__free_unpacked(in, NULL);
    }
    return reply->code;
}

void ht_broker_reply_clear(ht_broker_reply *reply)
{
    json_decref(reply->json);
    memset(reply, 0, sizeof *reply);
}
