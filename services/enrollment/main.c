/* hcap-enrollment: the enrollment service process; everything but the
   handlers is the shared runtime's. */
#include "enrollment_server.h"

int main(int argc, char **argv)
{
    return hc_service_main(&enr_service, argc, argv);
}
