/* hcap-reporting: the reporting service process; everything but the
   handlers is the shared runtime's.
     hcap-reporting [--central] [the flags of every service: --config FILE
       --data DIR --node-id ID --broker EP --events EP --bell EP
       --instance ID --batch N]
   --central (anywhere among the flags) runs central reporting: it follows
   the hub's log (source "central") instead of the node's three logs,
   accepts by=node and suppresses every report (docs/federation.md). */
#include <string.h>
#include "reporting_server.h"

/* Removes every "--central" from argv (the runtime's parser does not know
   it); returns whether there was one. */
static bool s_take_central(int *argc, char **argv)
{
    bool central = false;
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--central") == 0)
            central = true;
        else
            argv[kept++] = argv[i];
    }
    argv[kept] = NULL;
    *argc = kept;
    return central;
}

int main(int argc, char **argv)
{
    bool central = s_take_central(&argc, argv);
    return hc_service_main(central ? &rep_central_service : &rep_service, argc, argv);
}
