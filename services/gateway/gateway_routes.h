/* gateway_routes: the ONE route table the HTTP server and the ZeroMQ
   frontend share: HTTP method and path pattern -> service and rpc, the roles
   allowed and how the gateway treats the route. */
#ifndef GATEWAY_ROUTES_H
#define GATEWAY_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

/* Route flags. */
enum {
    GW_ROUTE_PUBLIC = 1u << 0,   /* no token needed */
    GW_ROUTE_RAW_CSV = 1u << 1,  /* the body is text/csv, sent in field "csv" */
    GW_ROUTE_READ = 1u << 2,     /* a read: retryable on another instance */
    GW_ROUTE_CREATE = 1u << 3,   /* makes a new object: HTTP 201 */
    GW_ROUTE_LIST = 1u << 4,     /* ?format=csv / Accept: text/csv allowed */
    GW_ROUTE_REJECTS = 1u << 5,  /* a reply with a non-empty `rejected`: HTTP 422 */
    GW_ROUTE_HEALTH = 1u << 6,   /* reply status "degraded": HTTP 503 */
    GW_ROUTE_METRICS = 1u << 7,  /* served by the gateway itself as text */
    GW_ROUTE_ERASES = 1u << 8,   /* erases a person: stored replies naming the id are forgotten */
    GW_ROUTE_RAW_JSON = 1u << 9, /* HTTP: the reply's one string field is the JSON body itself */
    GW_ROUTE_BY_SERVICE = 1u << 10, /* HTTP: ?service= picks the route of the same pattern and
                                       method of that service (gw_route_for_service) */
    GW_ROUTE_STATIC = 1u << 11,     /* HTTP: an embedded dashboard file (gateway_static.h) */
};

typedef struct {
    const char *http_method; /* "GET", ...; NULL: reachable from the frontend only */
    const char *pattern;     /* "/v1/workers/{id}"; {name} is the input field it fills */
    const char *service;     /* broker service name, or "gateway"; NULL for /metrics and the
                                dashboard's files */
    const char *method;      /* rpc name in the service's proto */
    unsigned roles;          /* HC_ROLE_BIT_* allowed (ignored with GW_ROUTE_PUBLIC) */
    unsigned flags;          /* GW_ROUTE_* */
    const char *refs;        /* input fields naming another service's entity, checked before
                                dispatch ("worker_id employer_id", see gateway_refs.h); or NULL */
    const char *csv_method;  /* HTTP: the rpc of the same service (same input type) a CSV
                                request of this route goes to, checked against that route's
                                roles; NULL: CSV is this route's own reply rendered */
} gw_route;

#define GW_PATH_PARAMS_MAX 4
#define GW_PATH_VALUE_MAX  256

typedef struct {
    char name[64];
    char value[GW_PATH_VALUE_MAX];
} gw_path_param;

typedef struct {
    const gw_route *route;
    size_t n_params;
    gw_path_param params[GW_PATH_PARAMS_MAX];
    char allow[128]; /* for a 405: the methods the path does take, "GET, POST" */
} gw_match;

enum { GW_MATCH_OK = 0, GW_MATCH_NO_PATH = 1, GW_MATCH_NO_METHOD = 2 };

/* Matches an HTTP method and a decoded URL path (no query) against the
   table. Returns GW_MATCH_OK with out->route and the path parameters,
   GW_MATCH_NO_METHOD when the path exists with other methods (out->allow
   lists them) or GW_MATCH_NO_PATH. Never fails on odd input (any bytes). */
int gw_route_match(const char *http_method, const char *path, gw_match *out);

/* The route serving (service, method) for the frontend; NULL when none. */
const gw_route *gw_route_find(const char *service, const char *method);

/* For a GW_ROUTE_BY_SERVICE route: the route of the same pattern and
   method whose service is service (NULL or "": route itself), flagged
   GW_ROUTE_BY_SERVICE too; NULL when there is none. */
const gw_route *gw_route_for_service(const gw_route *route, const char *service);

/* The route table, ending with an all-NULL entry. */
const gw_route *gw_route_table(void);

/* The protobuf service descriptor of a service name; NULL when unknown. */
const ProtobufCServiceDescriptor *gw_route_service(const char *service);

/* The method descriptor of service.method; NULL when either is unknown. */
const ProtobufCMethodDescriptor *gw_route_rpc(const char *service, const char *method);

/* "GET /v1/workers/{id}": the metrics label of a route (static storage). */
const char *gw_route_label(const gw_route *route);

#endif
