/* gateway_auth: bearer tokens at the door: the Authorization header, the
   principal a token stands for, and minting the first admin token into a
   file only its owner can read. */
#ifndef GATEWAY_AUTH_H
#define GATEWAY_AUTH_H

#include <stdbool.h>
#include "gateway_store.h"
#include "hc_error.h"
#include "hcap.pb-c.h"

/* The token of an "Authorization: Bearer <token>" header value (scheme
   case-insensitive, surrounding blanks skipped) copied into out; false when
   header is NULL, of another scheme, empty or longer than out. */
bool gw_auth_bearer(const char *header, char *out, size_t out_size);

/* Fills principal (strings pointing into token, which must outlive it). */
void gw_auth_principal(const gw_token *token, Hcap__Principal *principal);

/* When the store holds no admin token and path is not NULL: creates one,
   writes it to path with mode 0600 (temp file + rename, so a reader never
   sees half a token) and commits only then. Sets *minted. HC_OK, or an
   error with nothing minted. */
int gw_auth_mint_admin(gw_store *store, const char *path, bool *minted, hc_error *err);

/* Writes text to path atomically with mode 0600. HC_OK or HC_INTERNAL. */
int gw_auth_file_write(const char *path, const char *text, hc_error *err);

#endif
