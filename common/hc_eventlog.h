/* hc_eventlog: a service's transactional outbox. Events are appended in the
   caller's transaction (gapless seq from 1, per source), served to followers
   over a ROUTER (FETCH after seq N, up to M) and announced after each commit
   on a PUB doorbell with the head seq. The epoch is chosen when the store's
   log is created; a rebuilt or restored store gets a new one. */
#ifndef HC_EVENTLOG_H
#define HC_EVENTLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>
#include <protobuf-c/protobuf-c.h>
#include "hc_store.h"

typedef struct _hc_eventlog hc_eventlog;

#define HC_FETCH_MAX 1000 /* events per FETCH reply at most */

#define HC_EPOCH_SIZE  33  /* an epoch: 32 hex characters and the NUL */
#define HC_SOURCE_SIZE 160 /* a source "<node>/<service>" with its NUL, at most */

/* What a store's log holds, read without opening the log (hcapctl backup
   reads it from a store another process is writing). */
typedef struct {
    bool present;                /* the store has an events table */
    char source[HC_SOURCE_SIZE]; /* the source it was last opened as; "" when not recorded */
    char epoch[HC_EPOCH_SIZE];   /* "" when none was chosen yet */
    uint64_t head;               /* its last seq; 0 for an empty log */
} hc_eventlog_info;

/* Opens the log in store (creating table `events` and the epoch in hc_meta
   when missing, and recording source there). source is "<node>/<service>".
   NULL + err on failure. */
hc_eventlog *hc_eventlog_new(hc_store *store, const char *source, hc_error *err);

/* Closes sockets; accepts NULL, nulls *self_p. The store is not closed. */
void hc_eventlog_destroy(hc_eventlog **self_p);

const char *hc_eventlog_source(hc_eventlog *self);
const char *hc_eventlog_epoch(hc_eventlog *self);

/* The last seq written (0 for an empty log), including the open transaction's. */
uint64_t hc_eventlog_head(hc_eventlog *self);

/* Appends an event inside the caller's open transaction (asserts one is
   open). type is versioned ("enrollment.worker_registered.v1"); subject is
   the worker id the event is about, or NULL, so erasure can find it; body
   is packed. Sets *seq when seq is not NULL. HC_OK or HC_INTERNAL. */
int hc_eventlog_append(hc_eventlog *self, const char *type, const char *subject,
                       const ProtobufCMessage *body, uint64_t *seq, hc_error *err);

/* Erasure: replaces the body of every event about subject with the bytes
   rewrite returns (it gets the old body; returns 0 and a malloc'd new body,
   or -1 to fail). Inside the caller's transaction. HC_OK or HC_INTERNAL. */
typedef int(hc_eventlog_rewrite_fn)(void *arg, const char *type, const uint8_t *body, size_t size,
                                    uint8_t **new_body, size_t *new_size);
int hc_eventlog_rewrite_subject(hc_eventlog *self, const char *subject,
                                hc_eventlog_rewrite_fn *rewrite, void *arg, hc_error *err);

/* Fills info from store, inside the caller's read transaction when the
   figures must agree with a copy of the same snapshot (see
   hc_store_begin_snapshot). HC_OK or HC_INTERNAL. */
int hc_eventlog_inspect(hc_store *store, hc_eventlog_info *info, hc_error *err);

/* For a restored store (hcapctl restore, offline, no log open on it):
   gives its log a new random epoch in a write transaction of its own, so
   every follower that knew the old one resets and reads the log again from
   seq 0 instead of trusting seqs that may now name other events. old gets
   the epoch it had ("" when none), fresh the new one. HC_OK, HC_UNAVAILABLE
   (the store is locked), or HC_INTERNAL. */
int hc_eventlog_renew_epoch(hc_store *store, char old[HC_EPOCH_SIZE], char fresh[HC_EPOCH_SIZE],
                            hc_error *err);

/* Binds the FETCH ROUTER and the doorbell PUB (ipc:// or tcp://) and
   registers the ROUTER with loop, which then answers FETCH requests.
   HC_OK, or HC_UNAVAILABLE when an endpoint cannot be bound. */
int hc_eventlog_serve(hc_eventlog *self, zloop_t *loop, const char *fetch_endpoint,
                      const char *bell_endpoint, hc_error *err);

/* After a commit: publishes the head seq on the doorbell when it moved.
   Never blocks; a dropped doorbell is fine (followers also poll). */
void hc_eventlog_ring(hc_eventlog *self);

#endif
