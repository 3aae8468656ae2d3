/* ht: the integration-test support library (temporary nodes, HTTP, hcapctl,
   event logs); include this one header. */
#ifndef HT_H
#define HT_H

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include "ht_broker.h"
#include "ht_data.h"
#include "ht_db.h"
#include "ht_events.h"
#include "ht_fed.h"
#include "ht_http.h"
#include "ht_node.h"
#include "ht_os.h"
#include "ht_proxy.h"
#include "ht_reports.h"
#include "ht_run.h"

#endif
