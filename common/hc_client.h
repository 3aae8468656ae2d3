/* hc_client: a ZeroMQ client of the gateway's frontend (hcapctl, the demo
   loader, tests and benchmarks). Synchronous calls, plus send/receive with
   tags for keeping many requests in flight. */
#ifndef HC_CLIENT_H
#define HC_CLIENT_H

#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "hc_arena.h"
#include "hc_error.h"

typedef struct _hc_client hc_client;

/* Connects a DEALER to endpoint; token may be NULL. NULL + err on a bad endpoint. */
hc_client *hc_client_new(const char *endpoint, const char *token, hc_error *err);

/* Closes; accepts NULL, nulls *self_p. */
void hc_client_destroy(hc_client **self_p);

/* Calls service.method with in (may be NULL for an empty input); on HC_OK
   *out is the reply decoded as out_desc in arena. On error err holds the
   gateway's code, field and message. idempotency_key may be NULL. Waits at
   most timeout_ms (<= 0: 5000), HC_DEADLINE_EXCEEDED after; timeout_ms also
   travels as the request's deadline. A reply that comes after its call gave
   up is skipped by later calls and receives. */
int hc_client_call(hc_client *self, const char *service, const char *method,
                   const ProtobufCMessage *in, const char *idempotency_key,
                   const ProtobufCMessageDescriptor *out_desc, hc_arena *arena,
                   ProtobufCMessage **out, int timeout_ms, hc_error *err);

/* Sends without waiting; tag (below 2^63; the top bit marks synchronous
   calls) comes back with the reply. HC_UNAVAILABLE when the send queue is full. */
int hc_client_send(hc_client *self, uint64_t tag, const char *service, const char *method,
                   const ProtobufCMessage *in, const char *idempotency_key, hc_error *err);

/* Receives the next reply: sets *tag; on HC_OK and out_desc not NULL,
   decodes into *out. Returns the reply's code (err filled), or
   HC_DEADLINE_EXCEEDED when nothing came within timeout_ms (0: only what
   is already there). */
int hc_client_recv(hc_client *self, uint64_t *tag, const ProtobufCMessageDescriptor *out_desc,
                   hc_arena *arena, ProtobufCMessage **out, int timeout_ms, hc_error *err);

#endif
