/* hc_follower: follows a remote event log into the local store. Fetches
   after the stored cursor, applies a batch and stores (source, epoch, seq)
   in ONE transaction: at-least-once delivery, exactly once in effect. Wakes
   on the producer's doorbell and also polls every second, so dropped
   doorbells only delay. An event that cannot be applied goes to the
   dead-letter table with the reason; nothing is dropped silently. */
#ifndef HC_FOLLOWER_H
#define HC_FOLLOWER_H

#include <stdint.h>
#include <czmq.h>
#include "hc_eventlog.h"
#include "hc_store.h"
#include "hcap.pb-c.h"

typedef struct _hc_follower hc_follower;

/* Applies one event inside the batch transaction, within its own savepoint.
   Returns HC_OK, or an error (err filled) to dead-letter the event. */
typedef int(hc_follower_apply_fn)(void *arg, hc_store *store, const Hcap__Event *event,
                                  hc_error *err);

/* Called inside a transaction when the producer's epoch differs from the
   stored one (a rebuilt or restored producer): clear what was derived from
   the old epoch. The follower then starts again from seq 0. May be NULL. */
typedef int(hc_follower_reset_fn)(void *arg, hc_store *store, const char *source, hc_error *err);

/* A follower of the log at fetch_endpoint (ROUTER) / bell_endpoint (PUB).
   name is the local key of its cursor (e.g. "enrollment"). Creates the
   tables hc_cursors and hc_dead_letters in store when missing. */
hc_follower *hc_follower_new(hc_store *store, const char *name, const char *fetch_endpoint,
                             const char *bell_endpoint, hc_follower_apply_fn *apply,
                             hc_follower_reset_fn *reset, void *arg);

/* Destroys *self_p and sets it to NULL; accepts NULL. A started follower
   is destroyed after its loop's zloop_start returned (zloop keeps the
   sockets of the running iteration). */
void hc_follower_destroy(hc_follower **self_p);

/* Registers the follower's sockets and its 1 s poll timer with loop and
   sends the first FETCH. HC_OK or HC_INTERNAL. */
int hc_follower_start(hc_follower *self, zloop_t *loop);

/* Whether a batch's transaction may commit without waiting for the disk
   (hc_store_begin_relaxed): true for derived state that can be fetched
   again with its cursor, false (the default) when applying appends events
   to the store's own log that others may read at once. */
void hc_follower_set_relaxed(hc_follower *self, bool relaxed);

/* The last seq applied (or dead-lettered) from the source. */
uint64_t hc_follower_seq(hc_follower *self);

/* The producer's head as last seen (FETCH reply or doorbell). */
uint64_t hc_follower_head(hc_follower *self);

/* Re-applies dead-lettered events of this follower, oldest first, each in
   its own savepoint of the caller's open transaction; those that now
   apply leave the table, the others keep it with the new reason. Returns
   how many applied (*remaining: how many still fail), -1 on error. */
int hc_follower_retry_dead(hc_follower *self, uint32_t *remaining, hc_error *err);

/* Fills status (its strings are the follower's own: use them before the
   follower handles its next message): the name, seq, head, seconds behind
   (since it was last caught up; 0 when it is), its dead letters, the epoch
   its cursor holds and the producer's as last heard. Until the producer
   answered since the start, and while its epoch differs from the
   cursor's, the follower is behind; while it differs, seq is 0 and head
   the producer's (the new epoch is read from seq 1). */
void hc_follower_status(hc_follower *self, Hcap__FollowerStatus *status);

/* The cursor in the store was changed by someone else (a rebuild): read it
   again before the next reply is applied or FETCH sent. A reply already
   on its way is dropped. */
void hc_follower_reload(hc_follower *self);

/* --- every follower of a store at once (a service's operator methods) --- */

/* Creates the followers' tables (hc_cursors, hc_dead_letters) in store
   when missing; hc_follower_new does it too. */
int hc_followers_schema(hc_store *store, hc_error *err);

/* Inside the caller's transaction: sets every cursor in store back to
   seq 0, keeping its source and epoch, and deletes the dead letters (a
   replay meets those events again). *count: the cursors. The running
   followers must then be told with hc_follower_reload. */
int hc_followers_rewind(hc_store *store, uint32_t *count, hc_error *err);

/* Asks now rather than at the next doorbell or poll: takes the stored
   cursor first when hc_follower_reload said so (call it after the change
   committed or rolled back), then sends a FETCH unless one is on its way. */
void hc_follower_poke(hc_follower *self);

#endif
