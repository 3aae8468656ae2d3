/* hcap-reporting: the reporting service process; everything but the
   handlers is the shared runtime's. */
#include "reporting_server.h"

int main(int argc, char **argv)
{
    return hc_service_main(&rep_service, argc, argv);
}
