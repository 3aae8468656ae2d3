/* uplink_server: the UplinkService (proto/federation.proto), a region's
   privacy boundary toward central (docs/federation.md): three followers
   rewrite the local logs' events into the outbox, the sender forwards it. */
#ifndef UPLINK_SERVER_H
#define UPLINK_SERVER_H

#include "hc_call.h"
#include "hc_service.h"
#include "federation.pb-c.h"

/* The service definition hc_service_main and hc_service_new_local take.
   Config keys: uplink/central (required to serve), uplink/central_key
   (required to serve), uplink/key (default DIR/node.key), uplink/secret
   (default DIR/uplink.secret), uplink/ack_timeout_ms (default 5000). */
extern const hc_service_def upl_service;

/* The embedded sql/NNN_*.sql files (generated at build time). */
extern const hc_migration uplink_migrations[];

/* The followers' apply (arg: the service's state): rewrites event by its
   privacy rule and appends it to the outbox, in the batch's transaction.
   HC_OK, or an error that dead-letters the event: no rule for its type
   (HC_NOT_FOUND naming "type"), a body that does not decode, an event too
   large to forward, or the store's error. */
int upl_outbox_apply(void *arg, hc_store *store, const Hcap__Event *event, hc_error *err);

#endif
