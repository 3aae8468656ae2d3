/* reporting_store: the read model's writes (sql/001_init.sql): workers,
   employers, programs, facts and apprentices, as the followers apply the
   three logs. Grants and every report read are in reporting_query.c. */
#ifndef REPORTING_STORE_H
#define REPORTING_STORE_H

#include "hc_error.h"
#include "hc_store.h"

/* Deletes everything derived from the logs (all but grants). */
int rep_store_clear(hc_store *store, hc_error *err);

#endif
