/* gateway_server: the gateway process on ONE thread: a zloop holding the
   broker (backend ROUTER), the ZeroMQ frontend, the HTTP server and the
   signal pipe, plus the dispatch both fronts share (a service's method
   through the broker, or the gateway's own: CreateToken, Health,
   GetProfile). */
#ifndef GATEWAY_SERVER_H
#define GATEWAY_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <czmq.h>
#include "gateway_metrics.h"
#include "gateway_routes.h"
#include "gateway_store.h"
#include "hc_arena.h"
#include "hc_broker.h"
#include "hc_error.h"
#include "hcap.pb-c.h"

typedef struct _gw_server gw_server;

typedef struct {
    const char *data_dir;         /* holds gateway.db */
    const char *http;             /* "127.0.0.1:8080" */
    const char *broker;           /* backend endpoint */
    const char *frontend;         /* frontend endpoint */
    const char *admin_token_file; /* may be NULL */
    const char *services;         /* required by /healthz, comma-separated */
    size_t body_limit;            /* bytes of an HTTP body at most */
    uint32_t deadline_ms;         /* of a request to a service */
    uint32_t fanout_deadline_ms;  /* of a composite read */
    uint32_t idempotency_ttl_s;   /* how long a stored reply is replayed */
} gw_options;

/* One method call from either front. */
typedef struct {
    const gw_route *route; /* names service and method */
    const uint8_t *body;   /* the packed input */
    size_t size;
    const Hcap__Principal *principal; /* NULL for a public route */
    const char *idempotency_key;      /* scoped "<token_id>:<key>", or NULL */
    uint32_t deadline_ms;             /* 0: the configured deadline */
} gw_call;

/* Opens gateway.db (minting the admin token when asked), binds the broker,
   the frontend and the HTTP listener. NULL + err when any of it fails. */
gw_server *gw_server_new(const gw_options *options, hc_error *err);

/* Orderly stop: fails what is pending (HTTP 503, frontend UNAVAILABLE),
   lets the replies go out, closes everything; accepts NULL, nulls *self_p. */
void gw_server_destroy(gw_server **self_p);

/* Runs the loop until SIGTERM/SIGINT (or until the loop fails). Returns 0
   after a signal, 1 on a loop failure. */
int gw_server_run(gw_server *self);

/* Calls route's method; a route with refs is forwarded only after every
   referenced entity was found by its owner (gateway_refs.h), within the
   same deadline. cb runs exactly once, from the loop or before this
   returns, with the packed output or an error. Returns HC_OK or the code cb
   was already called with. */
int gw_server_dispatch(gw_server *self, const gw_call *call, hc_broker_reply_fn *cb, void *arg);

/* Replies to a gateway method of its own: msg packed in arena (HC_OK),
   or err (returns err->code). cb is called once. */
int gw_reply_message(const ProtobufCMessage *msg, hc_arena *arena, hc_broker_reply_fn *cb,
                     void *arg);
int gw_reply_error(const hc_error *err, hc_broker_reply_fn *cb, void *arg);

/* Authenticates token text and authorizes route: HC_OK with *token filled,
   HC_UNAUTHENTICATED, HC_PERMISSION_DENIED or HC_UNAVAILABLE (store
   error), with err filled. A public route needs no token (HC_OK, token
   zeroed). */
int gw_server_authorize(gw_server *self, const gw_route *route, const char *token_text,
                        gw_token *token, hc_error *err);

/* The Prometheus exposition text (malloc'd, free()); sets *size. */
char *gw_server_metrics_text(gw_server *self, size_t *size);

/* The HTTP port listened on (useful with port 0). */
uint16_t gw_server_http_port(gw_server *self);

/* Parts for the fronts. */
zloop_t *gw_server_loop(gw_server *self);
gw_store *gw_server_store(gw_server *self);
gw_metrics *gw_server_metrics(gw_server *self);
bool gw_server_stopping(gw_server *self);

#endif
