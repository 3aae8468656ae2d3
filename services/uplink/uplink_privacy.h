/* uplink_privacy: the privacy boundary of docs/federation.md ("What leaves
   a region"): every forwarded event body is rebuilt from an allow-list. */
#ifndef UPLINK_PRIVACY_H
#define UPLINK_PRIVACY_H

#include <stddef.h>
#include <stdint.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hcap.pb-c.h"

#define UPL_SECRET_SIZE    32 /* the HMAC-SHA256 key in DIR/uplink.secret */
#define UPL_PSEUDONYM_SIZE 33 /* 16 bytes of the HMAC in hex + NUL */

/* The pseudonym of id: the first 16 bytes of HMAC-SHA256(secret, id) in
   lower-case hex. Deterministic per secret. */
void upl_pseudonym(const uint8_t secret[UPL_SECRET_SIZE], const char *id,
                   char out[UPL_PSEUDONYM_SIZE]);

/* The message an event type's body is, when the type has a rule; NULL
   when it has none (and is never forwarded). */
const ProtobufCMessageDescriptor *upl_privacy_body(const char *type);

/* Rewrites event's body by the rule of its type: a new message holding
   only the allowed fields (ids pseudonymized, birth_date as age_band on
   the event's occurred_at date, required fields not allowed sent empty,
   unknown field numbers dropped), packed into arena (*body, *size).
   HC_OK; HC_NOT_FOUND naming "type" when the type has no rule;
   HC_INVALID_ARGUMENT naming "body" when the body does not decode as its
   message; HC_RESOURCE_EXHAUSTED when memory runs out. Messages name the
   type. */
int upl_privacy_rewrite(const uint8_t secret[UPL_SECRET_SIZE], const Hcap__Event *event,
                        hc_arena *arena, uint8_t **body, size_t *size, hc_error *err);

/* Checks every rule against its message's descriptor (each field exists,
   pseudonyms and age bands are singular strings, sub-rules match their
   field's message). HC_OK, or HC_INTERNAL naming the first bad field. */
int upl_privacy_check(hc_error *err);

#endif
