/* node_scale: how many processes of each service a node runs: instances
   sharing the service's store, and read replicas with their own. */
#include "node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The count at key <name>/<what>, checked to lie in [min, NODE_MAX_SCALE];
   -1 after telling the user. */
static int s_count(hc_config *config, const char *name, const char *what, int dflt, int min)
{
    char key[96];
    snprintf(key, sizeof key, "%s/%s", name, what);
    const char *text = hc_config_get(config, key, NULL);
    if (!text)
        return dflt;
    char *end;
    long n = strtol(text, &end, 10);
    if (end == text || *end || n < min || n > NODE_MAX_SCALE) {
        fprintf(stderr, "hcap-node: %s = %s: want a whole number from %d to %d\n", key, text, min,
                NODE_MAX_SCALE);
        return -1;
    }
    return (int)n;
}

static void s_add(node_process *procs, size_t *n, const node_child_def *def, bool replica, int k)
{
    node_process *p = &procs[(*n)++];
    memset(p, 0, sizeof *p);
    p->def = def;
    p->replica = replica;
    if (def->kind == NODE_SERVICE)
        snprintf(p->instance, sizeof p->instance, "%s-%s%d", def->name, replica ? "replica-" : "",
                 k);
}

int node_scale_plan(hc_config *config, const node_child_def *const *defs, size_t n_defs,
                    node_process *procs)
{
    size_t n = 0;
    for (size_t i = 0; i < n_defs; i++) {
        const node_child_def *def = defs[i];
        if (def->kind == NODE_GATEWAY) {
            s_add(procs, &n, def, false, 0);
            continue;
        }
        int instances = s_count(config, def->name, "instances", 1, 1);
        int replicas = s_count(config, def->name, "replicas", 0, 0);
        if (instances < 0 || replicas < 0)
            return -1;
        if (replicas > 0 && !def->replicable) {
            fprintf(stderr, "hcap-node: %s/replicas: %s has no read replica mode\n", def->name,
                    def->name);
            return -1;
        }
        for (int k = 1; k <= instances; k++)
            s_add(procs, &n, def, false, k);
        for (int k = 1; k <= replicas; k++)
            s_add(procs, &n, def, true, k);
    }
    return (int)n;
}
