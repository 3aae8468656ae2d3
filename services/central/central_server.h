/* central_server: the CentralService (proto/federation.proto) and the hub's
   CURVE listener (docs/federation.md). */
#ifndef CENTRAL_SERVER_H
#define CENTRAL_SERVER_H

#include "hc_call.h"
#include "hc_service.h"
#include "federation.pb-c.h"

/* The service definition hc_service_main and hc_service_new_local take. */
extern const hc_service_def cen_service;

/* The embedded sql/NNN_*.sql files (generated at build time). */
extern const hc_migration central_migrations[];

/* The event type of the hub's log: body = the forwarded Event as it came. */
#define CEN_EV_RECEIVED "central.event_received.v1"

#endif
