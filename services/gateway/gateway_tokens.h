/* gateway_tokens: the gateway's token methods (CreateToken, ListTokens,
   RevokeToken) on gateway.db, answered in place like a service would. */
#ifndef GATEWAY_TOKENS_H
#define GATEWAY_TOKENS_H

#include "gateway_store.h"
#include "hc_broker.h"
#include "hcap.pb-c.h"

/* Runs method ("CreateToken", "ListTokens", "RevokeToken") with the packed
   input body[0..size) for principal (who is logged), calling cb once with
   the packed output or the error. Returns HC_OK or the error code cb got;
   HC_UNIMPLEMENTED (cb not called) when method is none of them. */
int gw_tokens_call(gw_store *store, const char *method, const Hcap__Principal *principal,
                   const uint8_t *body, size_t size, hc_broker_reply_fn *cb, void *arg);

#endif
