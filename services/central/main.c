/* hcap-central: the central hub that regions' uplinks feed
   (docs/federation.md); everything but the handlers is the shared
   runtime's. */
#include "central_server.h"

int main(int argc, char **argv)
{
    return hc_service_main(&cen_service, argc, argv);
}
