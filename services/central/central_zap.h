/* central_zap: the hub's ZAP handler (ZeroMQ RFC 27): lets a CURVE client
   in when its public key is filed in the allow-list (central_keys), with
   the node id as its ZAP user id. */
#ifndef CENTRAL_ZAP_H
#define CENTRAL_ZAP_H

#include <czmq.h>
#include "hc_error.h"
#include "central_keys.h"

/* The endpoint libzmq asks, in the process's (CZMQ's) context. */
#define CEN_ZAP_ENDPOINT "inproc://zeromq.zap.01"

/* ZAP domain of the hub's listener; requests of another domain are refused. */
#define CEN_ZAP_DOMAIN "hcap"

/* Metadata property a let-in connection carries beside User-Id: the Z85
   text of the key it was let in with, so a batch can check the key filed
   under its node is still that one. */
#define CEN_ZAP_KEY_PROPERTY "Hcap-Key"

typedef struct _cen_zap cen_zap;

/* Binds the handler at CEN_ZAP_ENDPOINT and answers requests on loop,
   from keys (borrowed: must outlive the handler). NULL + err
   (HC_UNAVAILABLE when the endpoint is taken: one handler per process). */
cen_zap *cen_zap_new(cen_keys *keys, zloop_t *loop, hc_error *err);

/* Stops answering and closes the socket; accepts NULL, nulls *self_p. */
void cen_zap_destroy(cen_zap **self_p);

#endif
