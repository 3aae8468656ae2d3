/* hc_auth: bearer tokens (random, shown once, stored only as a libsodium
   hash) and the roles of API.md. */
#ifndef HC_AUTH_H
#define HC_AUTH_H

#include <stdbool.h>

#define HC_TOKEN_SIZE      48 /* "hct_" + 43 base64url chars + NUL */
#define HC_TOKEN_HASH_SIZE 65

/* Role bits, for route tables: a route lists the roles allowed. */
enum {
    HC_ROLE_BIT_ADMIN = 1u << 1,
    HC_ROLE_BIT_STAFF = 1u << 2,
    HC_ROLE_BIT_MENTOR = 1u << 3,
    HC_ROLE_BIT_ANALYST = 1u << 4,
};

/* Writes a new random token ("hct_" + 32 random bytes, base64url). */
void hc_auth_token_new(char out[HC_TOKEN_SIZE]);

/* Writes the hex BLAKE2b-256 hash of token: what the gateway stores. */
void hc_auth_token_hash(const char *token, char out[HC_TOKEN_HASH_SIZE]);

/* Role value (HCAP__ROLE__ROLE_ADMIN...) from "admin"/"staff"/"mentor"/
   "analyst"; 0 when name is none of them. */
int hc_auth_role_parse(const char *name);

/* Lower-case name of a role value; "none" when unknown. */
const char *hc_auth_role_name(int role);

/* True when role (an Hcap__Role value) is in the mask of HC_ROLE_BIT_*. */
bool hc_auth_role_allowed(int role, unsigned mask);

#endif
