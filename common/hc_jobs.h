/* hc_jobs: what a running service does besides answering requests: the
   followers of its def->follows and the timers of its def->timers, on the
   service's loop. hc_service_main starts them; services never call this. */
#ifndef HC_JOBS_H
#define HC_JOBS_H

#include "hc_service.h"

typedef struct _hc_jobs hc_jobs;

/* Starts service's followers (endpoints from the config keys
   <source>/events and <source>/bell, else ipc://data_dir/<source>-events.ipc
   and -bell.ipc) and timers (each rpc must take Empty). NULL + err
   (HC_INTERNAL) when one cannot start; nothing is left running then. */
hc_jobs *hc_jobs_start(hc_service *service, const hc_service_def *def, const char *data_dir,
                       hc_error *err);

/* The index-th follower (in def->follows order), NULL past the last. */
hc_follower *hc_jobs_follower(hc_jobs *self, size_t index);

/* Stops and frees the jobs; after the loop's zloop_start returned (zloop
   keeps the sockets of the running iteration). Accepts NULL, nulls *self_p. */
void hc_jobs_destroy(hc_jobs **self_p);

#endif
