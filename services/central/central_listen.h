/* central_listen: the hub's CURVE listener: a ROUTER that regions' uplinks
   connect to, let in by the hub's ZAP handler (central_zap), taking one
   UplinkBatch per message and answering each with an UplinkAck. */
#ifndef CENTRAL_LISTEN_H
#define CENTRAL_LISTEN_H

#include <czmq.h>
#include "hc_error.h"
#include "hc_msg.h"
#include "hc_service.h"
#include "central_keys.h"

/* ZMQ_MAXMSGSIZE of the listener: an uplink's batch holds at most 4 MiB of
   events (HC_MAX_MSG_SIZE), plus their framing. A peer that sends more is
   disconnected by libzmq. */
#define CEN_MAX_MSG_SIZE (HC_MAX_MSG_SIZE + 64 * 1024)

typedef struct _cen_listen cen_listen;

/* Binds a ROUTER at endpoint as a CURVE server with cert's keys (the
   hub's node.key), ZAP domain CEN_ZAP_DOMAIN with the domain enforced, and
   answers on service's loop: for each [identity][UplinkBatch] the batch is
   taken (cen_batch_take, from the connection's User-Id and key) and the
   UplinkAck sent after the commit, then the log's doorbell rings. A
   message that does not decode is logged and dropped (the uplink resends).
   keys and cert are borrowed; the ZAP handler must be up first. NULL + err
   (HC_UNAVAILABLE naming central/listen when endpoint cannot be bound). */
cen_listen *cen_listen_new(hc_service *service, cen_keys *keys, zcert_t *cert, const char *endpoint,
                           hc_error *err);

/* Stops answering and closes the socket; accepts NULL, nulls *self_p. */
void cen_listen_destroy(cen_listen **self_p);

#endif
