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

/* Disables CZMQ's own signal handling and routes SIGTERM/SIGINT to a
   self-pipe; returns its read end to register with zloop_poller. The loop's
   handler should return -1 to stop. */
int hc_signal_fd(void);

/* True after SIGTERM/SIGINT was received. */
bool hc_signal_received(void);

#endif
