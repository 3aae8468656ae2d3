/* node: hcap-node's federation role (docs/federation.md): which children a
   region or the central node runs, what they find in their environment,
   and the key files a node needs before its children start. */
#ifndef NODE_H
#define NODE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "hc_config.h"

typedef enum { NODE_GATEWAY, NODE_SERVICE } node_kind;

/* One child process of the node. */
typedef struct {
    const char *name;      /* broker service name ("gateway" for the gateway) */
    const char *binary;    /* found next to hcap-node */
    node_kind kind;        /* how its command line is made */
    const char *first_arg; /* given before every other argument, or NULL */
    bool replicable;       /* the service has a read replica mode (--replica) */
} node_child_def;

#define NODE_MAX_CHILDREN  6
#define NODE_MAX_SCALE     16 /* instances, and replicas, of one service */
#define NODE_MAX_PROCESSES (1 + (NODE_MAX_CHILDREN - 1) * 2 * NODE_MAX_SCALE)

/* One process the node runs: the gateway, an instance of a service (all
   of a service's instances share its store) or a read replica. */
typedef struct {
    const node_child_def *def;
    char instance[64]; /* --instance: "<name>-<k>", "<name>-replica-<k>"; "" for the gateway */
    bool replica;
} node_process;

typedef struct {
    bool central;               /* --role central */
    const char *listen;         /* central: the hub's CURVE endpoint */
    const char *uplink;         /* region: central's endpoint, or NULL (no uplink) */
    char central_key[PATH_MAX]; /* region with an uplink: central's node.pub, absolute */
} node_role;

/* Reads the role from config keys node/role (region|central),
   central/listen, uplink/central and uplink/central_key (flags set them
   above file and environment) and checks them before anything starts:
   central needs a listen endpoint and takes neither --demo nor --uplink;
   --uplink and --central-key come together and the key file must hold a
   CURVE public key. Returns 0, or -1 after telling the user on stderr
   (naming the flag). */
int node_role_parse(node_role *self, hc_config *config, bool demo);

/* The node id when none was given: "central" at the central node,
   "local" at a region. */
const char *node_role_default_id(const node_role *self);

/* The children of the role, gateway first, into defs (room for
   NODE_MAX_CHILDREN). Returns how many. */
size_t node_role_children(const node_role *self, const node_child_def **defs);

/* The processes of the n_defs children defs: the gateway once, then for
   each service <service>/instances instances (default 1) and
   <service>/replicas read replicas (default 0), each at most
   NODE_MAX_SCALE; config keys, so also HCAP_<SERVICE>_INSTANCES and
   HCAP_<SERVICE>_REPLICAS. Returns how many, or -1 after telling the user
   (naming the key) about a count out of range or replicas of a service
   that has no replica mode. */
int node_scale_plan(hc_config *config, const node_child_def *const *defs, size_t n_defs,
                    node_process *procs);

/* Exports what the children read from their environment:
   HCAP_CENTRAL_LISTEN at central, HCAP_UPLINK_CENTRAL and
   HCAP_UPLINK_CENTRAL_KEY at a region with an uplink. 0 or -1 (errno). */
int node_role_export(const node_role *self);

/* In the locked data directory dir, before any child starts: the node's
   key pair (DIR/node.pub, DIR/node.key 0600) and at central DIR/nodes
   (0700), the allow-list. Returns 0, or -1 after telling the user. */
int node_role_prepare(const node_role *self, const char *dir, const char *node_id);

#endif
