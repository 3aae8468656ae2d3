/* ht_broker: a test's own broker ROUTER, to talk to one service instance
   directly (a read replica, say) the way the gateway's broker would:
   it waits for the instance's READY, sends it REQUESTs built from JSON
   and returns the REPLY's status and output as JSON, sending HEARTBEATs
   so the instance keeps it for alive. */
#ifndef HT_BROKER_H
#define HT_BROKER_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

typedef struct _ht_broker ht_broker;

typedef struct {
    int code; /* hcap.Code of the reply (0 OK); -1 when none came in time */
    char field[128];
    char message[512];
    json_t *json; /* the method's output as JSON when code is 0, else NULL */
} ht_broker_reply;

/* Binds a ROUTER at endpoint (ipc:// in a test's directory). NULL (reason
   on stderr) on failure. */
ht_broker *ht_broker_new(const char *endpoint);

/* Closes; accepts NULL, nulls *self_p. */
void ht_broker_destroy(ht_broker **self_p);

/* Waits at most timeout_ms for an instance's READY (answering with a
   HEARTBEAT) and returns it as JSON ({"command", "service", "instance",
   "role", "reads": [...]}, new reference), or NULL. Later requests go to
   that instance. */
json_t *ht_broker_ready(ht_broker *self, int timeout_ms);

/* Sends method of service (input built from json_in by the descriptors)
   to the instance with an admin principal, waits at most timeout_ms for
   its REPLY and fills reply (ht_broker_reply_clear frees it). Returns
   reply->code; -1 without a reply or when json_in does not build the
   method's input (reason on stderr). */
int ht_broker_call(ht_broker *self, const ProtobufCServiceDescriptor *service, const char *method,
                   const char *json_in, ht_broker_reply *reply, int timeout_ms);

void ht_broker_reply_clear(ht_broker_reply *reply);

#endif
