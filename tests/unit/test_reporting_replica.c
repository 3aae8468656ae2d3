/* Tests of reporting's read replica: the grants created at a primary,
   carried by its own log and applied through rep_service.replica_apply into
   a second store, read back byte for byte as the primary's; every read rpc
   is flagged HC_HANDLER_READ and the writes are not. */
#include <criterion/criterion.h>
#include <string.h>
#include "ht_local.h"
#include "hc_msg.h"
#include "hc_query.h"
#include "reporting_server.h"

static ht_local s_primary, s_replica;

static void s_setup(void)
{
    ht_local_open(&s_primary, &rep_service);
    ht_local_open(&s_replica, &rep_service);
}

static void s_teardown(void)
{
    ht_local_close(&s_replica);
    ht_local_close(&s_primary);
}

TestSuite(reporting_replica, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* A grant of one unfiltered deliverable (no reference to the read model). */
static void s_create_grant(const char *code, const char *funder)
{
    Hcap__Deliverable d = HCAP__DELIVERABLE__INIT, *list[] = {&d};
    d.code = "TUITION";
    d.name = "Tuition reimbursements";
    d.metric = HCAP__METRIC__METRIC_TUITION_REIMBURSEMENTS;
    d.target = 250;
    Hcap__CreateGrantRequest req = HCAP__CREATE_GRANT_REQUEST__INIT;
    req.code = (char *)code;
    req.name = "Healthcare Careers";
    req.funder = (char *)funder;
    req.start_date = "2024-01-01";
    req.end_date = "2024-12-31";
    req.deliverables = list;
    req.n_deliverables = 1;
    ht_local_ok(&s_primary, "CreateGrant", &req.base, NULL);
}

typedef struct {
    hc_store *store;
    int applied;
    int failed;
    hc_error err;
} s_apply;

/* Applies one event of the primary's log as the replica's follower would. */
static void s_apply_event(void *arg, uint64_t seq, const char *type, const char *subject,
                          const uint8_t *body, size_t size)
{
    (void)subject;
    s_apply *a = arg;
    Hcap__Event event = HCAP__EVENT__INIT;
    event.source = "local/reporting";
    event.seq = seq;
    event.type = (char *)type;
    event.body.data = (uint8_t *)body;
    event.body.len = size;
    if (rep_service.replica_apply(NULL, a->store, &event, &a->err) == HC_OK)
        a->applied++;
    else
        a->failed++;
}

/* Replays the primary's whole log into the replica in one transaction. */
static int s_replicate(void)
{
    s_apply a = {.store = hc_service_store(s_replica.svc)};
    hc_error err;
    cr_assert_eq(hc_store_begin(a.store, &err), HC_OK, "%s", err.message);
    cr_assert_eq(hc_query_events_each(hc_service_store(s_primary.svc), s_apply_event, &a, &err),
                 HC_OK, "%s", err.message);
    cr_assert_eq(a.failed, 0, "%s", a.err.message);
    cr_assert_eq(hc_store_commit(a.store, &err), HC_OK, "%s", err.message);
    return a.applied;
}

/* The packed reply of method on in at service l. */
static uint8_t *s_reply_bytes(ht_local *l, const char *method, const ProtobufCMessage *in,
                              size_t *size)
{
    ProtobufCMessage *out = NULL;
    ht_local_ok(l, method, in, &out);
    return hc_msg_pack(out, l->arena, size);
}

static void s_same_reply(const char *method, const ProtobufCMessage *in)
{
    size_t a = 0, b = 0;
    uint8_t *primary = s_reply_bytes(&s_primary, method, in, &a);
    uint8_t *replica = s_reply_bytes(&s_replica, method, in, &b);
    cr_assert(a > 0 && a == b && memcmp(primary, replica, a) == 0,
              "%s: the replica's %zu bytes differ from the primary's %zu", method, b, a);
}

Test(reporting_replica, grants_read_the_same_bytes_at_the_replica)
{
    s_create_grant("HC-2024", "State Workforce Board");
    s_create_grant("HC-2025", NULL);
    s_create_grant("ACME-1", "Acme Foundation");
    cr_assert_eq(s_replicate(), 3, "one event per grant");

    static const char *codes[] = {"HC-2024", "HC-2025", "ACME-1"};
    for (size_t i = 0; i < 3; i++) {
        Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
        get.id = (char *)codes[i];
        s_same_reply("GetGrant", &get.base);
        s_same_reply("GetGrantReport", &get.base);
    }
    Hcap__ListRequest list = HCAP__LIST_REQUEST__INIT;
    s_same_reply("ListGrants", &list.base);
    list.has_limit = true;
    list.limit = 1;
    list.after = "ACME-1";
    s_same_reply("ListGrants", &list.base);

    Hcap__GetRequest missing = HCAP__GET_REQUEST__INIT;
    missing.id = "HC-1999";
    ht_local_fails(&s_replica, "GetGrant", &missing.base, HC_NOT_FOUND, "id");
}

Test(reporting_replica, the_log_applied_again_rewrites_the_same_rows)
{
    s_create_grant("HC-2024", "State Workforce Board");
    cr_assert_eq(s_replicate(), 1);
    cr_assert_eq(s_replicate(), 1, "an at-least-once redelivery applies again");
    Hcap__ListRequest list = HCAP__LIST_REQUEST__INIT;
    Hcap__GrantList *grants = NULL;
    ht_local_ok(&s_replica, "ListGrants", &list.base, &grants);
    cr_assert_eq(grants->n_items, 1);
    s_same_reply("ListGrants", &list.base);
}

Test(reporting_replica, reset_forgets_the_grants_and_bad_events_name_the_field)
{
    s_create_grant("HC-2024", NULL);
    s_replicate();
    hc_store *store = hc_service_store(s_replica.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_assert_eq(rep_service.replica_reset(NULL, store, "local/reporting", &err), HC_OK);
    Hcap__Event event = HCAP__EVENT__INIT;
    event.type = "reporting.unknown.v1";
    cr_assert_eq(rep_service.replica_apply(NULL, store, &event, &err), HC_UNIMPLEMENTED);
    cr_assert_str_eq(err.field, "type");
    event.type = REP_EV_GRANT;
    event.body.data = (uint8_t *)"\xff\xff";
    event.body.len = 2;
    cr_assert_eq(rep_service.replica_apply(NULL, store, &event, &err), HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "body");
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "HC-2024";
    ht_local_fails(&s_replica, "GetGrant", &get.base, HC_NOT_FOUND, "id");
}

/* The methods a replica serves: every Get and List, and nothing that writes. */
Test(reporting_replica, reads_are_flagged_and_writes_are_not)
{
    static const char *writes[] = {"CreateGrant", "Rebuild", "RetryDeadLetters"};
    for (const hc_service_def *def = &rep_service; def;
         def = def == &rep_service ? &rep_central_service : NULL) {
        cr_assert_not_null(def->replica_apply);
        cr_assert_not_null(def->replica_reset);
        size_t n = 0;
        for (const hc_handler *h = def->handlers; h->method; h++, n++) {
            bool write = false;
            for (size_t i = 0; i < 3; i++)
                write = write || strcmp(h->method, writes[i]) == 0;
            bool read = strncmp(h->method, "Get", 3) == 0 || strncmp(h->method, "List", 4) == 0;
            cr_assert(write != read, "%s is either a read or a write", h->method);
            /* dead letters are per store: listed at the primary only */
            bool replica_read = read && strcmp(h->method, "ListDeadLetters") != 0;
            cr_assert_eq(h->flags, replica_read ? HC_HANDLER_READ : 0u, "%s", h->method);
        }
        cr_assert_eq(n, 11, "every rpc of ReportingService");
    }
}
