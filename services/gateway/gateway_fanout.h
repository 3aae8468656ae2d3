/* gateway_fanout: composite reads sent to every owning service at once. A
   worker's profile asks each owning service once, all in parallel, and
   answers when all answered or the deadline passed, naming the services
   that did not answer in `unavailable`. The parts are a table: a new
   service adds a row (and the fields to Profile in gateway.proto), not
   code. */
#ifndef GATEWAY_FANOUT_H
#define GATEWAY_FANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <czmq.h>
#include "hc_broker.h"
#include "hcap.pb-c.h"

typedef struct {
    const char *service; /* owning service */
    const char *method;  /* the read the service answers the part with */
    const char *key;     /* the input field that takes the worker id */
    /* The Profile field a List's `items` fill; NULL: every field of the
       reply fills the Profile field of the same name (a service's whole
       share of the profile in one reply). */
    const char *into;
    bool required; /* holds the worker's own record: NOT_FOUND -> 404, missing -> 503 */
} gw_profile_part;

/* The profile's parts, one per owning service, ending with an all-NULL
   row. */
const gw_profile_part *gw_fanout_parts(void);

/* Checks the table against the descriptors: each part's method takes the
   key (and an optional uint32 limit), each field it fills is a Profile
   field of the same type, and every Profile field but `unavailable` is
   filled by exactly one part. Returns true, or false with a description
   of the first mismatch in problem. */
bool gw_fanout_check(char *problem, size_t size);

/* Starts the profile of the worker named by body (a packed GetRequest):
   every part is sent at once with deadline_ms (a List part asks for its
   largest page). cb runs exactly once, when
   all parts answered or failed (at the deadline at the latest), with a
   packed Profile (HC_OK), HC_NOT_FOUND or HC_INVALID_ARGUMENT for the
   worker, or HC_UNAVAILABLE when the worker's own record did not come
   back; possibly before this returns. principal may be NULL. Returns HC_OK,
   or the code cb was already called with. */
int gw_fanout_profile(hc_broker *broker, const Hcap__Principal *principal, const uint8_t *body,
                      size_t size, uint32_t deadline_ms, hc_broker_reply_fn *cb, void *arg);

#endif
