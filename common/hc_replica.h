/* hc_replica: what every service's replica_apply shares (hc_service.h):
   the rule for the event's type, its body decoded, the rule applied. */
#ifndef HC_REPLICA_H
#define HC_REPLICA_H

#include <protobuf-c/protobuf-c.h>
#include "hc_error.h"
#include "hc_store.h"
#include "hcap.pb-c.h"

/* Writes one event's decoded body (the call's own copy: it may be changed)
   into a replica's store, inside the follower's transaction. */
typedef int(hc_replica_fn)(hc_store *store, ProtobufCMessage *body, hc_error *err);

/* One row of a service's table: the event type, its body's message, how
   it is applied. */
typedef struct {
    const char *type;
    const ProtobufCMessageDescriptor *body;
    hc_replica_fn *apply;
} hc_replica_rule;

/* Applies event by the rule of its type among rules[0 .. count). A type
   without a rule, or a body that is not its rule's message, is
   HC_INVALID_ARGUMENT naming "type" or "body": the follower dead-letters
   it, since a type this build does not know may carry state a read needs. */
int hc_replica_apply(const hc_replica_rule *rules, size_t count, hc_store *store,
                     const Hcap__Event *event, hc_error *err);

#endif
