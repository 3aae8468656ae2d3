/* uplink_server: the UplinkService (proto/federation.proto), a region's
   privacy boundary toward central (docs/federation.md). */
#ifndef UPLINK_SERVER_H
#define UPLINK_SERVER_H

#include "hc_call.h"
#include "hc_service.h"
#include "federation.pb-c.h"

/* The service definition hc_service_main and hc_service_new_local take. */
extern const hc_service_def upl_service;

/* The embedded sql/NNN_*.sql files (generated at build time). */
extern const hc_migration uplink_migrations[];

#endif
