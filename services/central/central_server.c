/* central_server: the hub's definition and handlers. */
#include "central_server.h"

static int s_list_nodes(void *state, hc_call *call, const ProtobufCMessage *in,
                        ProtobufCMessage **out)
{
    (void)state;
    (void)in;
    *out = (ProtobufCMessage *)hc_call_new(call, &hcap__node_list__descriptor);
    return HC_OK;
}

static const hc_handler s_handlers[] = {
    {"ListNodes", s_list_nodes},
    {NULL, NULL},
};

const hc_service_def cen_service = {
    .name = "central",
    .descriptor = &hcap__central_service__descriptor,
    .handlers = s_handlers,
    .migrations = central_migrations,
};
