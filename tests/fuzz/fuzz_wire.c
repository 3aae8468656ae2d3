/* fuzz_wire: every frame of the worker, client, event-log and federation
   protocols decoded as its receiver does (hc_msg_unpack into an arena),
   then what the receiver decodes next: a request's body as its method's
   input, an event's body as a forwarded event. Input: one selector byte
   picking the frame type, then the frame. */
#include "fz.h"
#include "hc_arena.h"
#include "hc_msg.h"
#include "hcap.pb-c.h"

/* A body of a known type inside a frame, decoded as its receiver does. */
static void s_body(const ProtobufCMessageDescriptor *desc, const ProtobufCBinaryData *body,
                   protobuf_c_boolean has, hc_arena *arena)
{
    if (desc == NULL)
        return;
    ProtobufCMessage *msg =
        hc_msg_unpack(desc, has ? body->data : NULL, has ? body->len : 0, arena);
    if (msg)
        fz_exercise(msg);
}

static void s_request(const char *service, const Hcap__ServiceRequest *req, hc_arena *arena)
{
    const ProtobufCMethodDescriptor *m = req ? fz_method(service, req->method) : NULL;
    if (m)
        s_body(m->input, &req->body, req->has_body, arena);
}

/* Events relayed through central carry an Hcap__Event as their body. */
static void s_events(Hcap__Event **events, size_t n, hc_arena *arena)
{
    for (size_t i = 0; i < n; i++)
        s_body(&hcap__event__descriptor, &events[i]->body, 1, arena);
}

static void s_next(const ProtobufCMessage *msg, hc_arena *arena)
{
    if (msg->descriptor == &hcap__worker_message__descriptor) {
        const Hcap__WorkerMessage *w = (const Hcap__WorkerMessage *)msg;
        s_request(w->service, w->request, arena);
    } else if (msg->descriptor == &hcap__client_request__descriptor) {
        const Hcap__ClientRequest *c = (const Hcap__ClientRequest *)msg;
        const ProtobufCMethodDescriptor *m =
            fz_service(c->service) ? fz_method(c->service, c->method) : NULL;
        s_body(m ? m->input : NULL, &c->body, c->has_body, arena);
    } else if (msg->descriptor == &hcap__service_request__descriptor) {
        s_request(NULL, (const Hcap__ServiceRequest *)msg, arena);
    } else if (msg->descriptor == &hcap__fetch_reply__descriptor) {
        const Hcap__FetchReply *r = (const Hcap__FetchReply *)msg;
        s_events(r->events, r->n_events, arena);
    } else if (msg->descriptor == &hcap__uplink_batch__descriptor) {
        const Hcap__UplinkBatch *b = (const Hcap__UplinkBatch *)msg;
        s_events(b->events, b->n_events, arena);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const ProtobufCMessageDescriptor *const *frames;
    size_t n_frames = fz_frames(&frames);
    const ProtobufCMessageDescriptor *desc = frames[data[0] % n_frames];
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *msg = hc_msg_unpack(desc, data + 1, size - 1, arena);
    if (msg) {
        fz_exercise(msg);
        s_next(msg, arena);
    }
    hc_arena_destroy(&arena);
    return 0;
}
