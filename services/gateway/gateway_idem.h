/* gateway_idem: Idempotency-Key handling for HTTP writes. The first request
   with a key runs; its final reply (anything but a 5xx) is stored in
   gateway.db and replayed byte-for-byte for a repeat, which never reaches
   the service; a repeat while the first is still in flight is refused. */
#ifndef GATEWAY_IDEM_H
#define GATEWAY_IDEM_H

#include "gateway_codec.h"
#include "gateway_store.h"

typedef struct _gw_idem gw_idem;

enum {
    GW_IDEM_NEW = 0,      /* run it; now marked in flight until finish/abandon */
    GW_IDEM_REPLAY = 1,   /* *replay holds the stored reply */
    GW_IDEM_BUSY = 2,     /* the first request with this key is still in flight */
    GW_IDEM_CONFLICT = 3, /* the key was used for another request (method + path) */
    GW_IDEM_ERROR = 4,    /* the store could not be read */
};

#define GW_IDEM_KEY_MAX 200 /* bytes of a client's key */

/* New tracker over store (not owned). Aborts on out-of-memory. */
gw_idem *gw_idem_new(gw_store *store);

/* Destroys; accepts NULL, nulls *self_p. */
void gw_idem_destroy(gw_idem **self_p);

/* True when a client's key is acceptable: 1..GW_IDEM_KEY_MAX printable
   ASCII bytes. */
bool gw_idem_key_valid(const char *key);

/* Looks key ("<token_id>:<client key>") up for request ("POST /v1/...").
   Returns a GW_IDEM_* value; on GW_IDEM_REPLAY *replay is filled
   (gw_http_reply_clear frees it, content type JSON). */
int gw_idem_begin(gw_idem *self, const char *key, const char *request, gw_http_reply *replay);

/* The in-flight request with key got reply: stores it when its status is
   below 500, and clears the in-flight mark. */
void gw_idem_finish(gw_idem *self, const char *key, const char *request,
                    const gw_http_reply *reply);

/* Clears the in-flight mark without storing anything. */
void gw_idem_abandon(gw_idem *self, const char *key);

#endif
