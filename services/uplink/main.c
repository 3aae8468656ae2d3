/* hcap-uplink: a region's forwarder to central (docs/federation.md);
   everything but the handlers is the shared runtime's. */
#include "uplink_server.h"

int main(int argc, char **argv)
{
    return hc_service_main(&upl_service, argc, argv);
}
