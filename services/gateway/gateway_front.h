/* gateway_front: the ZeroMQ frontend (ROUTER) for hcapctl and benchmarks:
   one Hcap__ClientRequest frame in, one Hcap__ClientReply frame out,
   authorized by the same route table as HTTP (by service and method). */
#ifndef GATEWAY_FRONT_H
#define GATEWAY_FRONT_H

#include <czmq.h>
#include "gateway_server.h"
#include "hc_error.h"

typedef struct _gw_front gw_front;

/* Binds the frontend ROUTER at endpoint. NULL + err (HC_UNAVAILABLE). */
gw_front *gw_front_new(gw_server *server, const char *endpoint, hc_error *err);

/* Registers the ROUTER with loop. HC_OK or HC_INTERNAL. */
int gw_front_start(gw_front *self, zloop_t *loop);

/* Closes (lingering briefly so sent replies go out); accepts NULL, nulls
 *self_p. Replies still pending are dropped: destroy the broker first. */
void gw_front_destroy(gw_front **self_p);

#endif
