/* hc_idempotency: the replies a service recorded for idempotency keys, kept
   in its own store and written in the request's transaction, so a retried
   write never runs twice, even on another instance or after a crash. */
#ifndef HC_IDEMPOTENCY_H
#define HC_IDEMPOTENCY_H

#include <stddef.h>
#include <stdint.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hc_store.h"

/* Creates the table hc_idempotency when missing. HC_OK or HC_INTERNAL. */
int hc_idempotency_open(hc_store *store, hc_error *err);

/* Looks key up for method. Returns 1 with *body and *size (a copy in arena)
   when a reply was recorded, 0 when the key is new, or -1 with err filled:
   HC_INVALID_ARGUMENT (field idempotency_key) when the key was used for
   another method, else the store's error. */
int hc_idempotency_find(hc_store *store, const char *key, const char *method, hc_arena *arena,
                        const uint8_t **body, size_t *size, hc_error *err);

/* Records the successful reply of key, inside the caller's transaction.
   HC_OK or the mapped store error (field idempotency_key). */
int hc_idempotency_record(hc_store *store, const char *key, const char *method, const uint8_t *body,
                          size_t size, hc_error *err);

/* Erasure: for every recorded reply whose bytes hold needle (a worker id),
   rewrite gets the method and body; it returns 0 with a malloc'd new body
   (or *new_body NULL to leave that reply as it is), or -1 to fail. A scan:
   fine for a rare erasure. HC_OK or an error. */
typedef int(hc_idempotency_rewrite_fn)(void *arg, const char *method, const uint8_t *body,
                                       size_t size, uint8_t **new_body, size_t *new_size);
int hc_idempotency_rewrite(hc_store *store, const char *needle, hc_idempotency_rewrite_fn *rewrite,
                           void *arg, hc_error *err);

#endif
