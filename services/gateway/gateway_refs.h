/* gateway_refs: reference checks before dispatch. A service cannot see
   another service's entities, so when a route names reference fields
   (gw_route.refs, e.g. "worker_id"), the gateway asks each referenced
   entity's owner for it (a Get through the broker, all at once) and
   forwards the request only when every reference exists. The owners are a
   table: a new reference field adds a row, not code. */
#ifndef GATEWAY_REFS_H
#define GATEWAY_REFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gateway_routes.h"
#include "hc_broker.h"
#include "hcap.pb-c.h"

#define GW_REFS_MAX     4  /* reference fields one route may name */
#define GW_REFS_IDS_MAX 64 /* ids one repeated reference field may hold in a request */

typedef struct {
    const char *field;   /* the input field holding the id, "worker_id" */
    const char *service; /* the entity's owner, "enrollment" */
    const char *method;  /* its read taking a GetRequest, "GetWorker" */
} gw_ref;

/* The row of a reference field; NULL when the table has none. */
const gw_ref *gw_refs_find(const char *field);

/* Checks the reference table and every route's refs against the
   descriptors: each owner method exists and takes a GetRequest; each field
   a route names has a row and is a string field (singular or repeated) of
   the route's input; at most GW_REFS_MAX per route. Returns true, or false
   with the first mismatch described in problem. */
bool gw_refs_check_table(char *problem, size_t size);

/* Verifies the references of route in body (the packed input of its rpc):
   each refs field present and non-empty is looked up with its owner's Get
   (deadline_ms, principal; may be NULL), all in parallel; a repeated field
   is one Get per distinct non-empty element. cb runs exactly once,
   possibly before this returns: HC_OK (no body) when every present
   reference exists or there is nothing to check (also when body does not
   decode: the owning service rejects that itself); HC_INVALID_ARGUMENT
   with field = the repeated field when it holds more than GW_REFS_IDS_MAX
   elements (nothing is asked then); HC_NOT_FOUND or HC_INVALID_ARGUMENT
   with field = the reference field; HC_UNAVAILABLE, HC_DEADLINE_EXCEEDED or
   another owner's error as the owner answered. Returns HC_OK, or the error
   cb was already called with. */
int gw_refs_verify(hc_broker *broker, const gw_route *route, const uint8_t *body, size_t size,
                   const Hcap__Principal *principal, uint32_t deadline_ms, hc_broker_reply_fn *cb,
                   void *arg);

#endif
