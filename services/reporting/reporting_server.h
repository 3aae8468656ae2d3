/* reporting_server: the ReportingService (proto/reporting.proto) and the
   parts its files share: reporting_server.c (the definition, status,
   rebuild, dead letters), reporting_project.c (the followers of the three
   logs into the read model), reporting_grants.c (grants),
   reporting_reports.c (the reports, counted by reporting_index*.c over
   the in-memory reporting_model.h) and reporting_suppress.c (small-cell
   suppression). SQL lives in reporting_store.c (read-model writes),
   reporting_model_store.c (loading the model) and reporting_query.c
   (grants, and the reports in SQL: the reference and fallback). */
#ifndef REPORTING_SERVER_H
#define REPORTING_SERVER_H

#include "hc_call.h"
#include "hc_service.h"
#include "reporting.pb-c.h"
#include "reporting_model.h"

/* The service definition hc_service_main and hc_service_new_local take:
   a region's reporting, following the node's enrollment, credentialing
   and apprenticeship logs. */
extern const hc_service_def rep_service;

/* Central reporting (docs/federation.md, "Central reporting"): the same
   service ("reporting": handlers, migrations, store) following only the
   hub's log (source "central"), each event of it unwrapped and applied as
   a region applies its own, the worker's node kept beside the worker;
   outcomes accept by=node and every report is suppressed whatever the
   caller's role. */
extern const hc_service_def rep_central_service;

/* The embedded sql/NNN_*.sql files (generated at build time). */
extern const hc_migration reporting_migrations[];

/* The event type this service appends (subject: the grant's code). */
#define REP_EV_GRANT "reporting.grant_created.v1"

/* The hub's log holds one event type: its body is an hcap.Event a
   region's uplink forwarded, as it came (source "<node>/<service>"). */
#define REP_EV_CENTRAL_RECEIVED "central.event_received.v1"

/* The age bands hc_age_band writes, youngest first, NULL-terminated. */
extern const char *const rep_age_bands[];

/* The kinds of facts (facts.kind in sql/001_init.sql). Enrollment steps
   are keyed by the enrollment id, so each step of one enrollment is one
   row; the others by their entity's id (a sign-off by
   "<apprentice_id>/<competency>"). */
enum {
    REP_FACT_ENROLLED = 1, /* an enrollment became enrolled */
    REP_FACT_ACTIVE = 2,
    REP_FACT_COMPLETED = 3,
    REP_FACT_WITHDRAWN = 4,
    REP_FACT_FAILED = 5,
    REP_FACT_CREDENTIAL = 10,      /* awarded, not revoked; program = NULL */
    REP_FACT_APPR_REGISTERED = 20, /* day = start_date, program = its code */
    REP_FACT_APPR_COMPLETED = 21,  /* day = completed_on */
    REP_FACT_SIGNOFF = 22,         /* a competency signed off */
    REP_FACT_CLAIM_APPROVED = 30,  /* day = decided_on */
    REP_FACT_CLAIM_PAID = 31,
    REP_FACT_PLACEMENT = 40, /* employment records, day = effective_date */
    REP_FACT_PROMOTION = 41,
    REP_FACT_WAGE_CHANGE = 42,
    REP_FACT_SEPARATION = 43,
};

/* The handlers' state: the service's parts. */
typedef struct {
    hc_service *service;
    hc_store *store;
    bool central;     /* rep_central_service: by=node, every report suppressed */
    uint32_t applied; /* events the followers applied (trims the change log) */
    rep_model *model; /* what the reports count over, loaded by the first */
} rep_state;

/* --- reporting_project.c: the followers' apply and reset functions --- */

int rep_project_enrollment(void *state, hc_store *store, const Hcap__Event *event, hc_error *err);
int rep_project_credentialing(void *state, hc_store *store, const Hcap__Event *event,
                              hc_error *err);
int rep_project_apprenticeship(void *state, hc_store *store, const Hcap__Event *event,
                               hc_error *err);
/* The hub's follower: an event of type REP_EV_CENTRAL_RECEIVED whose body
   is a forwarded hcap.Event, applied through the route table of the
   service its source names, with the node its source names (kept on the
   worker it names). Before it applies, its epoch is checked against the
   one applied for its source (sql/008): a new epoch (the region restored
   or rebuilt) first takes back what the old one derived
   (rep_store_reset_central, logged as central_epoch_changed); an event of
   an epoch the source left is skipped. Any other type, a body that does
   not decode, a source that is not "<node>/<service>" of a followed
   service: an error naming the field ("type", "body", "source"), which
   the follower dead-letters. */
int rep_project_central(void *state, hc_store *store, const Hcap__Event *event, hc_error *err);
/* Deletes what was derived from source's log (a rebuilt producer);
   "central" (the hub's log): everything derived. */
int rep_project_reset(void *state, hc_store *store, const char *source, hc_error *err);

/* --- reporting_grants.c --- */

int rep_create_grant(void *state, hc_call *call, const ProtobufCMessage *in,
                     ProtobufCMessage **out);
int rep_get_grant(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out);
int rep_list_grants(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out);

/* Read replica (hc_service_def.replica_apply): an event of the primary's
   own log, REP_EV_GRANT, stores its body as the grant's row exactly as
   CreateGrant wrote it (an upsert: the event again rewrites the same row).
   Another type, or a body that is not a grant with a code and created_at:
   an error naming "type" or "body", which the follower dead-letters. */
int rep_replica_apply(void *state, hc_store *store, const Hcap__Event *event, hc_error *err);
/* The primary's log was rebuilt: deletes every grant (the replica replays
   them from seq 1). */
int rep_replica_reset(void *state, hc_store *store, const char *source, hc_error *err);

/* --- reporting_reports.c --- */

int rep_grant_report(void *state, hc_call *call, const ProtobufCMessage *in,
                     ProtobufCMessage **out);
int rep_outcomes(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out);
int rep_apprenticeship_report(void *state, hc_call *call, const ProtobufCMessage *in,
                              ProtobufCMessage **out);
int rep_indicators(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out);

#endif
