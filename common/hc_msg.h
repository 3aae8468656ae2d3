/* hc_msg: the only place that touches sockets' options and protobuf framing,
   so services never call zmq_* directly. */
#ifndef HC_MSG_H
#define HC_MSG_H

#include <czmq.h>
#include <protobuf-c/protobuf-c.h>
#include "hc_arena.h"

#define HC_MAX_MSG_SIZE (4 * 1024 * 1024) /* ZMQ_MAXMSGSIZE on every peer-facing socket */

/* Applies the house socket options: linger 0 on close for clients, 1 s for
   servers, ZMQ_MAXMSGSIZE, ZMQ_ROUTER_MANDATORY on routers. */
void hc_sock_setup(zsock_t *sock);

/* Packs msg into a new frame. */
zframe_t *hc_msg_frame(const ProtobufCMessage *msg);

/* Unpacks a frame's bytes as desc into arena; NULL when they do not decode
   (a bad peer never crashes the process). */
ProtobufCMessage *hc_msg_unpack(const ProtobufCMessageDescriptor *desc, const void *data,
                                size_t size, hc_arena *arena);

/* Packs msg into arena memory; sets *size. NULL (size 0) when memory is
   exhausted. */
uint8_t *hc_msg_pack(const ProtobufCMessage *msg, hc_arena *arena, size_t *size);

/* Packs msg into malloc'd memory (at least one byte, so an empty message
   still gets a pointer), as the erasure rewrite callbacks return bodies
   (hc_eventlog_rewrite_fn, hc_idempotency_rewrite_fn). 0 with *data and
   *size set, the caller frees *data; -1 when memory is exhausted. */
int hc_msg_pack_malloc(const ProtobufCMessage *msg, uint8_t **data, size_t *size);

/* A malloc'd copy of data[0..size) for the same callbacks: a body kept as
   it was. 0 with *copy and *copy_size set; -1 when memory is exhausted. */
int hc_msg_copy_malloc(const uint8_t *data, size_t size, uint8_t **copy, size_t *copy_size);

/* Decodes body as desc and packs it again, without the value of its
   singular string field named field, into malloc'd memory
   (hc_msg_pack_malloc). 0, or -1 when body does not decode as desc or
   memory is exhausted. desc without that string field is a programmer
   error (assert). */
int hc_msg_repack_without(const ProtobufCMessageDescriptor *desc, const uint8_t *body, size_t size,
                          const char *field, uint8_t **new_body, size_t *new_size);

/* The size of one value of a field of type in a protobuf-c message
   struct (a list's items are laid out at this step). */
size_t hc_msg_value_size(ProtobufCType type);

/* Disables CZMQ's own signal handling and routes SIGTERM/SIGINT to a
   self-pipe; returns its read end to register with zloop_poller. The loop's
   handler should return -1 to stop. */
int hc_signal_fd(void);

/* True after SIGTERM/SIGINT was received. */
bool hc_signal_received(void);

/* How many SIGTERM/SIGINT arrived so far: a loop that noted it at start
   stops when it changes, even when another loop of the process drained
   the wake-up from the pipe. */
int hc_signal_count(void);

#endif
