/* node_role: a node's federation role: the children of a region (with or
   without an uplink) or of the central node, their environment, and the
   key files made before they start. */
#include "node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hc_keys.h"

static const node_child_def s_gateway = {"gateway", "hcap-gateway", NODE_GATEWAY, NULL, false};

static const node_child_def s_region[] = {
    {"enrollment", "hcap-enrollment", NODE_SERVICE, NULL, true},
    {"credentialing", "hcap-credentialing", NODE_SERVICE, NULL, true},
    {"apprenticeship", "hcap-apprenticeship", NODE_SERVICE, NULL, true},
    {"reporting", "hcap-reporting", NODE_SERVICE, NULL, true},
};

static const node_child_def s_uplink = {"uplink", "hcap-uplink", NODE_SERVICE, NULL, false};

static const node_child_def s_central[] = {
    {"central", "hcap-central", NODE_SERVICE, NULL, false},
    {"reporting", "hcap-reporting", NODE_SERVICE, "--central", false},
};

static int s_refuse(const char *fmt, const char *what)
{
    fprintf(stderr, "hcap-node: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n");
    return -1;
}

/* An endpoint given as tcp://ADDR:PORT (a host, a colon, a port). */
static bool s_tcp_endpoint(const char *text)
{
    if (strncmp(text, "tcp://", 6) != 0)
        return false;
    const char *colon = strrchr(text + 6, ':');
    if (!colon || colon == text + 6 || !colon[1])
        return false;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    return *end == '\0' && port > 0 && port < 65536;
}

static int s_parse_central(node_role *self, hc_config *config, bool demo)
{
    self->listen = hc_config_get(config, "central/listen", NULL);
    if (demo)
        return s_refuse("%s: the central node holds only what regions forward; "
                        "load the demo at a region",
                        "--demo");
    if (hc_config_get(config, "uplink/central", NULL) ||
        hc_config_get(config, "uplink/central_key", NULL))
        return s_refuse("%s: a central node has no uplink (--uplink and --central-key are "
                        "for regions)",
                        "--uplink");
    if (!self->listen || !*self->listen)
        return s_refuse("%s: --role central needs --listen tcp://ADDR:PORT", "--listen");
    if (!s_tcp_endpoint(self->listen))
        return s_refuse("--listen %s: want tcp://ADDR:PORT", self->listen);
    return 0;
}

/* Central's public key file must load: the uplink could never talk to a
   hub it cannot authenticate. */
static int s_parse_key(node_role *self, const char *key)
{
    if (!realpath(key, self->central_key)) {
        fprintf(stderr, "hcap-node: --central-key %s: %s\n", key, strerror(errno));
        return -1;
    }
    hc_error err;
    zcert_t *cert = hc_keys_load_public(self->central_key, &err);
    if (!cert) {
        fprintf(stderr, "hcap-node: --central-key %s: %s\n", key, err.message);
        return -1;
    }
    zcert_destroy(&cert);
    return 0;
}

static int s_parse_region(node_role *self, hc_config *config)
{
    if (hc_config_get(config, "central/listen", NULL))
        return s_refuse("%s is for --role central", "--listen");
    const char *uplink = hc_config_get(config, "uplink/central", NULL);
    const char *key = hc_config_get(config, "uplink/central_key", NULL);
    uplink = uplink && *uplink ? uplink : NULL;
    key = key && *key ? key : NULL;
    if (uplink && !key)
        return s_refuse("%s: --uplink needs --central-key FILE (central's node.pub)",
                        "--central-key");
    if (key && !uplink)
        return s_refuse("%s: --central-key needs --uplink ENDPOINT (central's address)",
                        "--uplink");
    if (!uplink)
        return 0;
    if (!s_tcp_endpoint(uplink))
        return s_refuse("--uplink %s: want tcp://ADDR:PORT", uplink);
    self->uplink = uplink;
    return s_parse_key(self, key);
}

int node_role_parse(node_role *self, hc_config *config, bool demo)
{
    memset(self, 0, sizeof *self);
    const char *role = hc_config_get(config, "node/role", "region");
    if (strcmp(role, "central") == 0) {
        self->central = true;
        return s_parse_central(self, config, demo);
    }
    if (strcmp(role, "region") != 0)
        return s_refuse("--role %s: want region or central", role);
    return s_parse_region(self, config);
}

const char *node_role_default_id(const node_role *self)
{
    return self->central ? "central" : "local";
}

size_t node_role_children(const node_role *self, const node_child_def **defs)
{
    size_t n = 0;
    defs[n++] = &s_gateway;
    const node_child_def *table = self->central ? s_central : s_region;
    size_t count = self->central ? sizeof s_central / sizeof s_central[0]
                                 : sizeof s_region / sizeof s_region[0];
    for (size_t i = 0; i < count; i++)
        defs[n++] = &table[i];
    if (!self->central && self->uplink)
        defs[n++] = &s_uplink;
    return n;
}

int node_role_export(const node_role *self)
{
    if (self->central)
        return setenv("HCAP_CENTRAL_LISTEN", self->listen, 1);
    if (!self->uplink)
        return 0;
    if (setenv("HCAP_UPLINK_CENTRAL", self->uplink, 1) != 0)
        return -1;
    return setenv("HCAP_UPLINK_CENTRAL_KEY", self->central_key, 1);
}

int node_role_prepare(const node_role *self, const char *dir, const char *node_id)
{
    hc_error err;
    if (hc_keys_ensure_node(dir, node_id, &err) != HC_OK) {
        fprintf(stderr, "hcap-node: the node's key pair in %s: %s\n", dir, err.message);
        return -1;
    }
    if (!self->central)
        return 0;
    char nodes[PATH_MAX + 8];
    snprintf(nodes, sizeof nodes, "%s/nodes", dir);
    if (mkdir(nodes, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "hcap-node: cannot create %s: %s\n", nodes, strerror(errno));
        return -1;
    }
    return 0;
}
