/* hc_broker: the gateway's side of the worker protocol (Majordomo-style over
   a ROUTER). Service instances connect a DEALER and send READY; any message
   is a heartbeat (1 s), an instance is dead after 3 missed. Requests go to
   the least-recently-used live instance of their service, with a deadline.
   A request whose instance dies is retried on another only when it is
   retryable (a read, or carries an idempotency key); otherwise the caller
   gets HC_UNAVAILABLE. Writes go to instances of role "primary" only; a
   read replica (role "replica") takes the reads its READY listed. The
   callback is called exactly once per request. */
#ifndef HC_BROKER_H
#define HC_BROKER_H

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>
#include "hc_error.h"
#include "hcap.pb-c.h"

typedef struct _hc_broker hc_broker;

/* What came back: code HC_OK with the method's packed output in body, or
   an error code with field and message (body NULL). Valid only during the
   callback. */
typedef struct {
    int code;
    const char *field;
    const char *message;
    const uint8_t *body;
    size_t size;
    const char *instance; /* which instance answered, or NULL */
} hc_broker_reply;

typedef void(hc_broker_reply_fn)(void *arg, const hc_broker_reply *reply);

/* Binds the backend ROUTER at endpoint. NULL + err (HC_UNAVAILABLE) when it
   cannot bind. */
hc_broker *hc_broker_new(const char *endpoint, hc_error *err);

/* Fails every pending request with HC_UNAVAILABLE, sends DISCONNECT to the
   instances, closes; accepts NULL, nulls *self_p. Destroy it before the
   loop it was started on (it unregisters itself from that loop). */
void hc_broker_destroy(hc_broker **self_p);

/* Registers the ROUTER and the heartbeat/deadline timer with loop. */
int hc_broker_start(hc_broker *self, zloop_t *loop);

/* hc_broker_request flags. Without HC_BROKER_REPLICA a request goes only
   to instances of role "primary" (writes, and reads that must see the
   latest commit, such as a write's reference checks). */
#define HC_BROKER_RETRY   1u /* retried on another instance if its own dies */
#define HC_BROKER_REPLICA 2u /* a read a replica may serve, when it lists the method */

/* Sends a request. The callback runs later from the loop, exactly once:
   with the reply, HC_UNAVAILABLE (no live instance that may take it, or
   it died and the request was not HC_BROKER_RETRY), or
   HC_DEADLINE_EXCEEDED. body is copied. principal and idempotency_key may
   be NULL. Returns HC_OK, or an error code after having already called cb
   (so callers need one path). */
int hc_broker_request(hc_broker *self, const char *service, const char *method, const uint8_t *body,
                      size_t size, const Hcap__Principal *principal, const char *idempotency_key,
                      uint32_t deadline_ms, unsigned flags, hc_broker_reply_fn *cb, void *arg);

/* Live instances of service (0 when unknown), replicas included. */
size_t hc_broker_instances(hc_broker *self, const char *service);

/* How many of them are read replicas (they take no writes). */
size_t hc_broker_replicas(hc_broker *self, const char *service);

/* Calls fn for every service ever registered, with its live instance count. */
void hc_broker_foreach(hc_broker *self, void (*fn)(void *arg, const char *service, size_t live),
                       void *arg);

/* What a live instance said of itself in its last READY or HEARTBEAT: its
   event log's head (when it sent one), where its followers stand (at most
   HC_BROKER_FOLLOWERS_MAX of them) and, from the central hub, the nodes it
   knows (at most HC_BROKER_NODES_MAX). Valid only during the callback. */
typedef struct {
    const char *service;
    const char *instance;
    bool has_log_head;
    uint64_t log_head;
    const Hcap__FollowerStatus *followers; /* n_followers entries */
    size_t n_followers;
    const Hcap__NodeStatus *nodes; /* n_nodes entries */
    size_t n_nodes;
} hc_broker_instance;

#define HC_BROKER_FOLLOWERS_MAX 32
#define HC_BROKER_NODES_MAX     1024

/* Calls fn for every live instance, in no particular order. */
void hc_broker_foreach_instance(hc_broker *self,
                                void (*fn)(void *arg, const hc_broker_instance *instance),
                                void *arg);

#endif
