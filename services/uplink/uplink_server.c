/* uplink_server: the uplink's definition and handlers. */
#include "uplink_server.h"

static int s_status(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)state;
    (void)in;
    (void)out;
    return hc_call_fail(call, HC_UNAVAILABLE, NULL, "the uplink is not connected");
}

static const hc_handler s_handlers[] = {
    {"GetStatus", s_status},
    {"ListDeadLetters", hc_service_list_dead_letters},
    {"RetryDeadLetters", hc_service_retry_dead_letters},
    {NULL, NULL},
};

const hc_service_def upl_service = {
    .name = "uplink",
    .descriptor = &hcap__uplink_service__descriptor,
    .handlers = s_handlers,
    .migrations = uplink_migrations,
};
