/* ht_local: one service run in process (hc_service_new_local) on a
   temporary directory, for handler tests: call a method as a batch of one,
   assert success or a failure by code and field. */
#ifndef HT_LOCAL_H
#define HT_LOCAL_H

#include <stdbool.h>
#include <stdint.h>
#include "hc_service.h"

typedef struct {
    const hc_service_def *def;
    char dir[64];
    hc_service *svc;
    hc_arena *arena; /* replies live here until ht_local_close */
    hc_error err;    /* the last call's error */
} ht_local;

/* Makes a temporary directory and opens def's service on it (asserts). */
void ht_local_open(ht_local *self, const hc_service_def *def);

/* Closes the service and opens it again on the same directory (asserts). */
void ht_local_reopen(ht_local *self);

/* Closes the service, frees the replies and removes the directory. */
void ht_local_close(ht_local *self);

/* Runs method on in as the internal principal; sets *(ProtobufCMessage **)
   out_p (when not NULL) to the reply. Returns the call's code; self->err
   holds its error. */
int ht_local_call(ht_local *self, const char *method, const ProtobufCMessage *in, void *out_p);

/* Asserts the call succeeds, or fails with code naming field. */
void ht_local_ok(ht_local *self, const char *method, const ProtobufCMessage *in, void *out_p);
void ht_local_fails(ht_local *self, const char *method, const ProtobufCMessage *in, int code,
                    const char *field);

/* How many replies recorded for idempotency keys in the service's store
   hold needle (the way erasure finds them). */
int ht_local_replies_holding(ht_local *self, const char *needle);

/* True when needle's bytes occur in hay[0..size). */
bool ht_bytes_in(const uint8_t *hay, size_t size, const char *needle);

/* True when needle's bytes occur in the file at path (absent file: false):
   how a test proves a value never reached a store's db or WAL file. */
bool ht_file_holds(const char *path, const char *needle);

#endif
