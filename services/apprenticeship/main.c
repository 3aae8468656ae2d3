/* hcap-apprenticeship: the apprenticeship service process; everything but
   the handlers is the shared runtime's. */
#include "apprenticeship_server.h"

int main(int argc, char **argv)
{
    return hc_service_main(&appr_service, argc, argv);
}
