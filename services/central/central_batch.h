/* central_batch: one UplinkBatch taken in (docs/federation.md, the hub):
   checked against the connection it came on, then committed into the
   hub's log deduplicated on (source, epoch, seq), or refused whole. */
#ifndef CENTRAL_BATCH_H
#define CENTRAL_BATCH_H

#include "hc_arena.h"
#include "hc_service.h"
#include "central_keys.h"

/* Who sent a batch: the ZAP user id of its connection and the Z85 text of
   the key it was let in with (NULL when the connection does not say). */
typedef struct {
    const char *node;
    const char *key_text;
} cen_peer;

/* Takes batch from peer: its node must be peer's, still allowed by keys
   (read again when changed), and every event's source
   "<node>/enrollment|credentialing|apprenticeship" with an epoch, a seq
   above 0 and a type; else nothing is written, ack->error (in arena) names
   the field and its code is returned. Otherwise, in one transaction of
   service's store (synchronous FULL): ack->held gets, per (source, epoch)
   of the batch, the highest seq received before it (0: none); each event
   not received before is
   recorded and appended to the service's log as CEN_EV_RECEIVED (body: the
   Event), the rest count as duplicates, and the node's tallies move. After
   the commit, HC_OK with ack's accepted and duplicates set. A store error
   rolls everything back and is returned (and set in ack) the same way.
   ack->batch is always batch->batch. */
int cen_batch_take(hc_service *service, cen_keys *keys, const cen_peer *peer,
                   const Hcap__UplinkBatch *batch, hc_arena *arena, Hcap__UplinkAck *ack);

#endif
