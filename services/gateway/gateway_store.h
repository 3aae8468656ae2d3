/* gateway_store: gateway.db, the only SQL of the gateway: bearer tokens
   (kept as hashes) and the replies stored under idempotency keys. */
#ifndef GATEWAY_STORE_H
#define GATEWAY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hc_auth.h"
#include "hc_error.h"
#include "hc_id.h"
#include "hc_time.h"

typedef struct _gw_store gw_store;

#define GW_TOKEN_NAME_MAX 200

typedef struct {
    char id[HC_ID_SIZE];
    char name[GW_TOKEN_NAME_MAX + 1];
    int role; /* Hcap__Role value */
    char created_at[HC_TIMESTAMP_SIZE];
    char revoked_at[HC_TIMESTAMP_SIZE]; /* "" while the token is live */
} gw_token;

/* An idempotent reply as it was sent. body is malloc'd (NUL-terminated for
   convenience); gw_store_reply_clear frees it. */
typedef struct {
    char route[256];
    int status;
    char *body;
    size_t size;
} gw_stored_reply;

/* Opens (creating, migrating) the database at path. NULL + err. */
gw_store *gw_store_open(const char *path, hc_error *err);

/* Closes; accepts NULL, nulls *self_p. */
void gw_store_destroy(gw_store **self_p);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK around several calls (minting the
   admin token commits only after its file is written). HC_OK or an error. */
int gw_store_begin(gw_store *self, hc_error *err);
int gw_store_commit(gw_store *self, hc_error *err);
void gw_store_rollback(gw_store *self);

/* Creates a token of role (an Hcap__Role value, not UNSPECIFIED) named
   name (1..GW_TOKEN_NAME_MAX bytes). Writes the token text (shown once,
   only its hash is stored) and fills *out. HC_OK, HC_INVALID_ARGUMENT
   naming "role" or "name", or HC_INTERNAL/HC_UNAVAILABLE. */
int gw_store_token_create(gw_store *self, int role, const char *name, char token[HC_TOKEN_SIZE],
                          gw_token *out, hc_error *err);

/* Looks token text up by its hash. HC_OK with *out filled, HC_NOT_FOUND
   for an unknown or revoked token (or NULL/empty), HC_INTERNAL on a
   database error. */
int gw_store_token_find(gw_store *self, const char *token, gw_token *out);

/* Revokes token id: from now on it opens nothing (the tokens kept in
   memory are forgotten). Revoking a revoked token changes nothing. HC_OK
   with *out filled, HC_NOT_FOUND naming "id", HC_FAILED_PRECONDITION
   naming "id" for the last live admin token (a node nobody can administer
   would need its store edited by hand), or a database error. */
int gw_store_token_revoke(gw_store *self, const char *id, gw_token *out, hc_error *err);

/* Calls fn for up to limit tokens with ids after `after` (NULL: from the
   first), in id order (creation order), revoked ones included. HC_OK or a
   database error. */
int gw_store_token_each(gw_store *self, const char *after, uint32_t limit,
                        void (*fn)(void *arg, const gw_token *token), void *arg, hc_error *err);

/* True when at least one live (not revoked) admin token exists. */
bool gw_store_admin_exists(gw_store *self);

/* The reply stored under key: HC_OK with *out filled (free with
   gw_store_reply_clear), HC_NOT_FOUND, or HC_INTERNAL. */
int gw_store_reply_find(gw_store *self, const char *key, gw_stored_reply *out);

/* Stores a reply under key (a key already present keeps its first reply).
   HC_OK or an error code with err filled. */
int gw_store_reply_save(gw_store *self, const char *key, const char *route, int status,
                        const char *body, size_t size, hc_error *err);

/* Forgets every stored reply whose body contains text (an erased person's
   id): their personal data must not be replayed. Returns how many, or -1
   on a database error. */
int gw_store_reply_forget(gw_store *self, const char *text);

/* Frees a found reply's body; safe to call twice. */
void gw_store_reply_clear(gw_stored_reply *reply);

/* Deletes replies stored before the RFC 3339 timestamp `before`; returns
   how many, or -1 on a database error. */
int gw_store_reply_prune(gw_store *self, const char *before);

#endif
