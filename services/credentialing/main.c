/* hcap-credentialing: the credentialing service process; everything but the
   handlers is the shared runtime's. */
#include "credentialing_server.h"

int main(int argc, char **argv)
{
    return hc_service_main(&cred_service, argc, argv);
}
