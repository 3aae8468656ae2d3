/* reporting_reports: the grant, outcomes, apprenticeship and indicators
   reports. */
#include "reporting_server.h"

static int s_unwritten(hc_call *call)
{
    return hc_call_fail(call, HC_UNIMPLEMENTED, NULL, "not built yet");
}

int rep_grant_report(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)state, (void)in, (void)out;
    return s_unwritten(call);
}

int rep_outcomes(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)state, (void)in, (void)out;
    return s_unwritten(call);
}

int rep_apprenticeship_report(void *state, hc_call *call, const ProtobufCMessage *in,
                              ProtobufCMessage **out)
{
    (void)state, (void)in, (void)out;
    return s_unwritten(call);
}

int rep_indicators(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)state, (void)in, (void)out;
    return s_unwritten(call);
}
