/* hc_service: the runtime every service binary shares. main.c hands it a
   definition (name, protobuf service descriptor, handlers, migrations) and
   it does the rest: config and flags, the store, the event log and its
   FETCH/doorbell endpoints, the worker connection to the gateway's broker
   (READY, heartbeats, reconnect), signals, and group commit: it drains up
   to batch_max waiting requests, runs them in ONE BEGIN IMMEDIATE..COMMIT,
   each in its own savepoint so a failing one rolls back alone, and replies
   only after COMMIT, then rings the doorbell. A write that carries an
   idempotency key is recorded with its reply in the same transaction, so a
   retry never runs twice. */
#ifndef HC_SERVICE_H
#define HC_SERVICE_H

#include <czmq.h>
#include <protobuf-c/protobuf-c.h>
#include "hc_arena.h"
#include "hc_config.h"
#include "hc_error.h"
#include "hc_eventlog.h"
#include "hc_follower.h"
#include "hc_store.h"
#include "hcap.pb-c.h"

typedef struct _hc_service hc_service;
typedef struct _hc_call hc_call;

/* A method handler: in is the decoded input of the method's type; set *out
   to a message of the method's output type (allocate it in the call's
   arena) and return HC_OK, or return hc_call_fail(...). Runs inside the
   request's savepoint: on error everything it wrote is rolled back. */
typedef int(hc_handler_fn)(void *state, hc_call *call, const ProtobufCMessage *in,
                           ProtobufCMessage **out);

/* hc_handler.flags: the method only reads: it writes nothing, so a batch
   of such requests runs in a read transaction beside other instances'.
   A read replica (--replica) serves exactly these and refuses the others;
   its READY lists them, so the broker sends it nothing else. */
#define HC_HANDLER_READ 1u

typedef struct {
    const char *method; /* rpc name in the descriptor */
    hc_handler_fn *fn;
    unsigned flags; /* HC_HANDLER_READ or 0 */
} hc_handler;

/* Another service's event log this one follows into its own store: the
   log of service `source` on this node, at ipc://DIR/<source>-events.ipc
   and -bell.ipc unless the config keys <source>/events and <source>/bell
   say otherwise (the keys the producer itself reads). apply and reset get
   the handlers' state as arg. Lists end with {NULL, ...}. */
typedef struct {
    const char *source;
    hc_follower_apply_fn *apply;
    hc_follower_reset_fn *reset; /* may be NULL */
    /* apply appends events to this service's log (others read them at
       once, so its batches commit durably); false: derived state only,
       batches commit without waiting for the disk. */
    bool emits;
} hc_service_follow;

/* A method the service calls on itself, with an Empty input and the
   internal principal, once when it starts serving and then every
   interval_ms: a write in its own transaction like any request. Lists end
   with {NULL, 0}. */
typedef struct {
    const char *method;
    int interval_ms;
} hc_service_timer;

typedef struct {
    const char *name; /* "enrollment": broker service name, store file, log source */
    const ProtobufCServiceDescriptor *descriptor;
    const hc_handler *handlers;     /* one per rpc of descriptor, {NULL, NULL} ends */
    const hc_migration *migrations; /* the service's sql/NNN_*.sql */
    /* Builds the handlers' state once the store and log are open; NULL +
       err to refuse to start. May be NULL (state NULL). */
    void *(*state_new)(hc_service *service, hc_error *err);
    void (*state_destroy)(void **state_p);
    const hc_service_follow *follows; /* may be NULL */
    const hc_service_timer *timers;   /* may be NULL */
    /* Called once by hc_service_main when the service is serving (store,
       log, broker connection and followers are up): starts the service's
       own sockets and timers on hc_service_loop (the uplink's connection to
       central, the hub's CURVE listener). Never called for local services.
       HC_OK, or an error (err filled) that stops the process. May be NULL;
       state_destroy closes what it opened. */
    int (*start)(void *state, hc_service *service, hc_error *err);
    /* Adds to each READY and HEARTBEAT, in arena, what the service knows
       beyond its log head and followers (the hub's nodes, the uplink's lag
       toward central as one more FollowerStatus). May be NULL. */
    void (*health)(void *state, hc_arena *arena, Hcap__WorkerMessage *msg);
    /* Read replica mode (--replica): how the service applies its own
       primary's events (from the log of source "<name>") to a replica's
       store, which the handlers of HC_HANDLER_READ methods then read as
       they would the primary's. Bodies carry the entity's whole new state,
       so apply is an upsert (or a delete) of the rows a read needs, in the
       follower's transaction; it never emits. reset is called when the
       primary's epoch changed (rebuilt, restored): delete every row apply
       wrote, the replica then replays the log from seq 1. A service with
       replica_apply NULL refuses --replica. */
    hc_follower_apply_fn *replica_apply;
    hc_follower_reset_fn *replica_reset;
} hc_service_def;

/* The whole of a service's main: parses
     --config FILE --data DIR --node-id ID --broker ENDPOINT
     --events ENDPOINT --bell ENDPOINT --instance ID --batch N --replica
   (defaults from the config file, then HCAP_* environment: data ./var,
   node-id local, broker ipc://DIR/broker.ipc, events ipc://DIR/<name>-events.ipc,
   bell ipc://DIR/<name>-bell.ipc, batch 256), opens DIR/<name>.db, serves
   until SIGTERM/SIGINT and returns the process exit code (0 after a
   signal, 1 when it cannot start, 2 on a bad flag). Config keys: node/data,
   node/id, <name>/broker (else gateway/broker), <name>/events, <name>/bell,
   <name>/instance (default <name>-<pid>), <name>/batch. Starts the
   followers of def->follows and the timers of def->timers.

   Instances: any number of processes may serve one store (same --data,
   same service). Every one takes requests; their writes serialize on
   SQLite's write lock (BEGIN IMMEDIATE) and the log stays gapless. One of
   them, the store's leader (it holds an flock on DIR/<name>.db.lock),
   also serves the log's FETCH/doorbell endpoints, runs the followers,
   the timers and def->start; when it dies another instance takes the
   lock within a tick and carries on. The leader rings the doorbell for
   commits made by the others within a tick (100 ms).

   --replica (config <name>/replica = 1): a read replica. Its store is
   DIR/<instance>.db (instance default <name>-replica), fed by following
   the primary's log (at <name>/events, <name>/bell, the endpoints the
   primary serves) through def->replica_apply, plus the def->follows that
   do not emit (derived state, such as reporting's projections). It
   registers with role "replica" and the list of its HC_HANDLER_READ
   methods, serves only those, and refuses any other method with
   HC_FAILED_PRECONDITION naming the field "replica". It serves no log
   and runs no timers and no def->start. */
int hc_service_main(const hc_service_def *def, int argc, char **argv);

/* In-process service without sockets, for unit tests and tools: opens
   DIR/<name>.db with the migrations, the log and the state. NULL + err. */
hc_service *hc_service_new_local(const hc_service_def *def, const char *data_dir,
                                 const char *node_id, hc_error *err);

/* hc_service_new_local in replica mode: DIR/<name>.db is a read replica's
   store. Methods without HC_HANDLER_READ are refused; events of the
   primary's log go in with hc_service_replicate. NULL + err. */
hc_service *hc_service_new_local_replica(const hc_service_def *def, const char *data_dir,
                                         const char *node_id, hc_error *err);

/* Whether the service runs as a read replica (state_new must then write
   nothing: the replica's rows come from its primary's log only). */
bool hc_service_replica(hc_service *self);

/* In a replica: applies one event of the primary's log through
   def->replica_apply in its own transaction, as the replica's follower
   would (without its cursor). HC_OK, or the error (nothing written). */
int hc_service_replicate(hc_service *self, const Hcap__Event *event, hc_error *err);

/* Destroys a service made by hc_service_new_local; accepts NULL. */
void hc_service_destroy(hc_service **self_p);

/* Runs one method exactly as a batch of one would (BEGIN IMMEDIATE,
   savepoint, handler, COMMIT or rollback), as principal (NULL: internal).
   On HC_OK *out is the output message in arena; else err is filled and
   nothing was written. */
int hc_service_invoke(hc_service *self, const char *method, const ProtobufCMessage *in,
                      const Hcap__Principal *principal, hc_arena *arena, ProtobufCMessage **out,
                      hc_error *err);

/* Runs one method inside the caller's open transaction (a follower's
   batch), in its own savepoint, as the internal principal: how a follower
   applies an event through the same handler a request would use. On HC_OK
   *out is the output message in arena; else err is filled and what the
   method wrote was rolled back. */
int hc_service_apply(hc_service *self, const char *method, const ProtobufCMessage *in,
                     hc_arena *arena, ProtobufCMessage **out, hc_error *err);

/* --- followers, for any service whose def->follows is set --- */

/* Where each follower stands, in arena; *count entries (0 without
   followers, as in a local service). */
Hcap__FollowerStatus **hc_service_followers(hc_service *self, hc_arena *arena, size_t *count);

/* Inside a handler: sets every follower's cursor back to seq 0 (keeping
   its epoch) and forgets their dead letters, in the call's transaction.
   As soon as the batch ends the running followers take their stored
   cursor: committed, they replay their logs from seq 1 (and a status read
   next already says so); rolled back, they go on from where they were.
   *count: how many cursors. What was derived from the logs is the caller's to delete in
   the same call. */
int hc_service_rewind_followers(hc_service *self, uint32_t *count, hc_error *err);

/* Ready-made handlers for the rpcs every following service declares:
     rpc ListDeadLetters (ListRequest) returns (DeadLetterList);
     rpc RetryDeadLetters (Empty) returns (RetryReply);
   List pages by id, oldest first. Retry re-applies each letter in its own
   savepoint of the call's transaction: those that apply leave the table,
   the others keep it with the new reason. */
int hc_service_list_dead_letters(void *state, hc_call *call, const ProtobufCMessage *in,
                                 ProtobufCMessage **out);
int hc_service_retry_dead_letters(void *state, hc_call *call, const ProtobufCMessage *in,
                                  ProtobufCMessage **out);

/* For handlers and state_new: the service's parts. */
hc_store *hc_service_store(hc_service *self);
hc_eventlog *hc_service_log(hc_service *self);
hc_config *hc_service_config(hc_service *self);
void *hc_service_state(hc_service *self);
zloop_t *hc_service_loop(hc_service *self);
const char *hc_service_node_id(hc_service *self);

/* --- inside a handler --- */

/* The request's arena: everything allocated here lives until the reply is sent. */
hc_arena *hc_call_arena(hc_call *call);

/* The service the call runs in. */
hc_service *hc_call_service(hc_call *call);

/* The principal the gateway authenticated (never NULL; role UNSPECIFIED for
   internal callers). */
const Hcap__Principal *hc_call_principal(hc_call *call);

/* Fills the call's error and returns code, for `return hc_call_fail (...)`. */
int hc_call_fail(hc_call *call, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copies err into the call's error and returns err->code. */
int hc_call_fail_with(hc_call *call, const hc_error *err);

/* The error the call has failed with (code HC_OK while it has not). */
const hc_error *hc_call_error(hc_call *call);

/* A new output message of desc in the call's arena. */
#define hc_call_new(call, desc) hc_arena_message(hc_call_arena(call), (desc))

#endif
