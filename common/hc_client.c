/* hc_client: a DEALER to the gateway's frontend speaking one ClientRequest
   frame out, one ClientReply frame back, matched by tag. */
#include "hc_client.h"

#include <czmq.h>
#include "hc_msg.h"
#include "hcap.pb-c.h"

#define HC_CLIENT_DEFAULT_TIMEOUT_MS 5000
/* Tags of synchronous calls have the top bit set, so a reply to a call that
   timed out is recognised and skipped later. */
#define HC_CLIENT_CALL_TAG (UINT64_C(1) << 63)

struct _hc_client {
    zsock_t *dealer;
    char *token;
    uint64_t calls;
    hc_arena *scratch; /* packing outgoing requests */
};

hc_client *hc_client_new(const char *endpoint, const char *token, hc_error *err)
{
    assert(endpoint);
    hc_client *self = zmalloc(sizeof *self);
    self->dealer = zsock_new(ZMQ_DEALER);
    if (!self->dealer) {
        free(self);
        hc_error_set(err, HC_UNAVAILABLE, NULL, "cannot create client socket");
        return NULL;
    }
    hc_sock_setup(self->dealer);
    if (zsock_connect(self->dealer, "%s", endpoint) != 0) {
        hc_error_set(err, HC_INVALID_ARGUMENT, "endpoint", "cannot connect to %s: %s", endpoint,
                     zmq_strerror(zmq_errno()));
        zsock_destroy(&self->dealer);
        free(self);
        return NULL;
    }
    self->token = token ? strdup(token) : NULL;
    self->scratch = hc_arena_new();
    return self;
}

void hc_client_destroy(hc_client **self_p)
{
    assert(self_p);
    hc_client *self = *self_p;
    if (!self)
        return;
    zsock_destroy(&self->dealer);
    free(self->token);
    hc_arena_destroy(&self->scratch);
    free(self);
    *self_p = NULL;
}

static int s_send(hc_client *self, uint64_t tag, const char *service, const char *method,
                  const ProtobufCMessage *in, const char *idempotency_key, int deadline_ms,
                  hc_error *err)
{
    Hcap__ClientRequest req = HCAP__CLIENT_REQUEST__INIT;
    req.service = (char *)service;
    req.method = (char *)method;
    if (in) {
        req.has_body = true;
        req.body.data = hc_msg_pack(in, self->scratch, &req.body.len);
        if (!req.body.data)
            return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory packing %s",
                                in->descriptor->name);
    }
    req.token = self->token;
    req.idempotency_key = (char *)idempotency_key;
    if (deadline_ms > 0) {
        req.has_deadline_ms = true;
        req.deadline_ms = (uint32_t)deadline_ms;
    }
    req.has_tag = true;
    req.tag = tag;
    zframe_t *frame = hc_msg_frame(&req.base);
    hc_arena_reset(self->scratch);
    if (zframe_send(&frame, self->dealer, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy(&frame);
        return hc_error_set(err, HC_UNAVAILABLE, NULL, "gateway not reachable (send queue full)");
    }
    return HC_OK;
}

int hc_client_send(hc_client *self, uint64_t tag, const char *service, const char *method,
                   const ProtobufCMessage *in, const char *idempotency_key, hc_error *err)
{
    assert(self && service && method);
    hc_error_clear(err);
    return s_send(self, tag, service, method, in, idempotency_key, 0, err);
}

/* Fills err from a reply's status and decodes its body; returns the code. */
static int s_reply_result(Hcap__ClientReply *reply, const ProtobufCMessageDescriptor *out_desc,
                          hc_arena *arena, ProtobufCMessage **out, hc_error *err)
{
    int code = (int)reply->status->code;
    if (code < HC_OK || code > HC_UNAUTHENTICATED)
        code = HC_UNKNOWN;
    if (code != HC_OK)
        return hc_error_set(err, code, reply->status->field, "%s",
                            reply->status->message ? reply->status->message : hc_code_name(code));
    if (out_desc && out) {
        assert(arena);
        *out = hc_msg_unpack(out_desc, reply->has_body ? reply->body.data : NULL,
                             reply->has_body ? reply->body.len : 0, arena);
        if (!*out)
            return hc_error_set(err, HC_INTERNAL, NULL, "reply does not decode as %s",
                                out_desc->name);
    }
    return HC_OK;
}

/* The next well-formed reply within the deadline, decoded in arena; NULL
   when none came in time. Undecodable frames are skipped. */
static Hcap__ClientReply *s_recv_reply(hc_client *self, int64_t until, hc_arena *arena)
{
    while (true) {
        int64_t left = until - zclock_mono();
        if (left < 0)
            return NULL;
        zsock_set_rcvtimeo(self->dealer, (int)left);
        zframe_t *frame = zframe_recv(self->dealer);
        if (!frame) {
            if (zmq_errno() == EINTR)
                continue;
            return NULL;
        }
        Hcap__ClientReply *reply = (Hcap__ClientReply *)hc_msg_unpack(
            &hcap__client_reply__descriptor, zframe_data(frame), zframe_size(frame), arena);
        zframe_destroy(&frame);
        if (reply)
            return reply;
    }
}

int hc_client_recv(hc_client *self, uint64_t *tag, const ProtobufCMessageDescriptor *out_desc,
                   hc_arena *arena, ProtobufCMessage **out, int timeout_ms, hc_error *err)
{
    assert(self && tag && arena);
    hc_error_clear(err);
    int64_t until = zclock_mono() + (timeout_ms > 0 ? timeout_ms : 0);
    Hcap__ClientReply *reply;
    while ((reply = s_recv_reply(self, until, arena)) != NULL) {
        if (reply->has_tag && (reply->tag & HC_CLIENT_CALL_TAG))
            continue; /* a call that gave up waiting */
        *tag = reply->has_tag ? reply->tag : 0;
        return s_reply_result(reply, out_desc, arena, out, err);
    }
    return hc_error_set(err, HC_DEADLINE_EXCEEDED, NULL, "no reply within %d ms", timeout_ms);
}

int hc_client_call(hc_client *self, const char *service, const char *method,
                   const ProtobufCMessage *in, const char *idempotency_key,
                   const ProtobufCMessageDescriptor *out_desc, hc_arena *arena,
                   ProtobufCMessage **out, int timeout_ms, hc_error *err)
{
    assert(self && service && method && arena);
    hc_error_clear(err);
    if (timeout_ms <= 0)
        timeout_ms = HC_CLIENT_DEFAULT_TIMEOUT_MS;
    uint64_t tag = HC_CLIENT_CALL_TAG | ++self->calls;
    int rc = s_send(self, tag, service, method, in, idempotency_key, timeout_ms, err);
    if (rc != HC_OK)
        return rc;
    int64_t until = zclock_mono() + timeout_ms;
    Hcap__ClientReply *reply;
    while ((reply = s_recv_reply(self, until, arena)) != NULL)
        if (reply->has_tag && reply->tag == tag)
            return s_reply_result(reply, out_desc, arena, out, err);
    return hc_error_set(err, HC_DEADLINE_EXCEEDED, NULL, "%s.%s: no reply within %d ms", service,
                        method, timeout_ms);
}
