/* uplink_sender: the uplink's connection to central (docs/federation.md,
   "Send, one batch in flight"): a CURVE client DEALER on the service's
   loop that sends the outbox's oldest rows as an UplinkBatch, deletes
   them on the matching UplinkAck, backs off after a refused batch,
   reconnects and resends when no ack comes, and tells when an ack shows
   that central lost events it had acked. */
#ifndef UPLINK_SENDER_H
#define UPLINK_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <czmq.h>
#include "hc_error.h"
#include "hc_msg.h"
#include "hc_store.h"

#define UPL_BATCH_EVENTS 500 /* events in one UplinkBatch at most */
/* The bytes a batch's events may take: the rest of HC_MAX_MSG_SIZE is
   room for its node and batch fields. A larger single event is never
   queued. */
#define UPL_BATCH_BYTES (HC_MAX_MSG_SIZE - 1024)

typedef struct _upl_sender upl_sender;

typedef struct {
    const char *node;           /* UplinkBatch.node: this node's id */
    const char *central;        /* the hub's endpoint (uplink/central) */
    zcert_t *cert;              /* this node's key pair (keys copied) */
    const uint8_t *central_key; /* the hub's 32-byte public key (copied) */
    int ack_timeout_ms;         /* reconnect and resend after; <= 0: 5000 */
    int poll_ms;                /* outbox poll while idle; <= 0: 100 */
    int backoff_ms;             /* first wait after a refused batch; <= 0: 1000 */
    int backoff_max_ms;         /* the doubling stops here; <= 0: 30000 */
    size_t max_events;          /* per batch; 0 or above UPL_BATCH_EVENTS: UPL_BATCH_EVENTS */
    /* Called (after the ack is stored) when an ack says the hub holds less
       of a log than it acked before: central lost events (restored from a
       backup), the logs must be queued again. May be NULL. */
    void (*lost)(void *arg);
    void *lost_arg;
} upl_sender_config;

/* A sender of store's outbox on loop, connecting to config->central at
   once; it sends the first batch at its first poll. NULL + err
   (HC_INTERNAL) when the socket or its timer cannot be made. */
upl_sender *upl_sender_new(hc_store *store, zloop_t *loop, const upl_sender_config *config,
                           hc_error *err);

/* Closes the connection, leaves the loop and frees the sender; after the
   loop's zloop_start returned. Accepts NULL, nulls *self_p. */
void upl_sender_destroy(upl_sender **self_p);

/* Whether the last batch sent was acked (false before the first ack, after
   a timeout or a refused batch). */
bool upl_sender_connected(upl_sender *self);

/* Why the last batch was not acked ("" when it was): the hub's error, or
   the timeout. Owned by the sender. */
const char *upl_sender_last_error(upl_sender *self);

#endif
