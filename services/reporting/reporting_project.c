/* reporting_project: the followers of enrollment, credentialing and
   apprenticeship into the read model. */
#include "reporting_server.h"

static int s_unwritten(hc_error *err)
{
    return hc_error_set(err, HC_UNIMPLEMENTED, NULL, "projection not built yet");
}

int rep_project_enrollment(void *state, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    (void)state, (void)store, (void)event;
    return s_unwritten(err);
}

int rep_project_credentialing(void *state, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    (void)state, (void)store, (void)event;
    return s_unwritten(err);
}

int rep_project_apprenticeship(void *state, hc_store *store, const Hcap__Event *event,
                               hc_error *err)
{
    (void)state, (void)store, (void)event;
    return s_unwritten(err);
}

int rep_project_reset(void *state, hc_store *store, const char *source, hc_error *err)
{
    (void)state, (void)store, (void)source;
    return s_unwritten(err);
}
