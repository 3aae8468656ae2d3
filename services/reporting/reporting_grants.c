/* reporting_grants: creating and reading grants. */
#include "reporting_server.h"

static int s_unwritten(hc_call *call)
{
    return hc_call_fail(call, HC_UNIMPLEMENTED, NULL, "not built yet");
}

int rep_create_grant(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)state, (void)in, (void)out;
    return s_unwritten(call);
}

int rep_get_grant(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)state, (void)in, (void)out;
    return s_unwritten(call);
}

int rep_list_grants(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)state, (void)in, (void)out;
    return s_unwritten(call);
}
