/* gateway_http: the HTTP/JSON front door on libmicrohttpd in external epoll
   mode, driven by the gateway's zloop. A request whose body has arrived is
   converted to protobuf and dispatched; its connection is suspended (never a
   thread parked per request) and resumed when the reply arrives. */
#ifndef GATEWAY_HTTP_H
#define GATEWAY_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <czmq.h>
#include "gateway_server.h"
#include "hc_error.h"

typedef struct _gw_http gw_http;

/* Listens on address ("127.0.0.1:8080", "[::1]:8080"; port 0 picks one).
   body_limit bounds a request body (413 above). NULL + err (HC_UNAVAILABLE)
   when it cannot listen. */
gw_http *gw_http_new(gw_server *server, const char *address, size_t body_limit, hc_error *err);

/* Registers the daemon's epoll fd and its timeout with loop. */
int gw_http_start(gw_http *self, zloop_t *loop);

/* Stops taking work (new requests get 503), runs the daemon on its own for
   at most timeout_ms until every dispatched request has been answered, then
   answers what is still suspended with 503 and stops listening. The loop
   must no longer be running. Safe to call twice. */
void gw_http_stop(gw_http *self, int timeout_ms);

/* Stops (as above, briefly) and frees; accepts NULL, nulls *self_p. */
void gw_http_destroy(gw_http **self_p);

/* The port listened on. */
uint16_t gw_http_port(gw_http *self);

#endif
