/* Tests for hc_client against a tiny fake gateway: a ROUTER in an actor
   whose behaviour depends on the method called. */
#include <criterion/criterion.h>
#include <unistd.h>
#include "hc_client.h"
#include "hc_msg.h"
#include "hcap.pb-c.h"

static char s_dir[64];
static char s_endpoint[128];
static zactor_t *s_gateway;
static hc_client *s_client;
static hc_arena *s_arena;

typedef struct {
    zframe_t *identity;
    uint64_t tag;
    int64_t at;
} late_reply;

static void s_reply(zsock_t *router, zframe_t *identity, uint64_t tag, int code, const char *field,
                    const char *message, const uint8_t *body, size_t size)
{
    Hcap__Status status = HCAP__STATUS__INIT;
    status.code = (Hcap__Code)code;
    status.field = (char *)field;
    status.message = (char *)message;
    Hcap__ClientReply reply = HCAP__CLIENT_REPLY__INIT;
    reply.has_tag = true;
    reply.tag = tag;
    reply.status = &status;
    if (body) {
        reply.has_body = true;
        reply.body.data = (uint8_t *)body;
        reply.body.len = size;
    }
    zframe_t *frame = hc_msg_frame(&reply.base);
    zframe_send(&identity, router, ZFRAME_MORE | ZFRAME_REUSE);
    zframe_send(&frame, router, 0);
}

/* Echo: body back. Inspect: a GetRequest naming token|key|deadline. Fail:
   NOT_FOUND on field id. Garbage: junk first, then Echo. Late: Echo after
   300 ms. Stale: a reply with another tag first. BadBody: OK with junk.
   Silent: nothing. */
static void s_handle(zsock_t *router, zframe_t *identity, Hcap__ClientRequest *req,
                     late_reply *late)
{
    const char *m = req->method;
    const uint8_t *body = req->has_body ? req->body.data : NULL;
    size_t size = req->has_body ? req->body.len : 0;
    if (streq(m, "Inspect")) {
        char text[256];
        snprintf(text, sizeof text, "%s|%s|%u", req->token ? req->token : "-",
                 req->idempotency_key ? req->idempotency_key : "-",
                 req->has_deadline_ms ? req->deadline_ms : 0);
        Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
        get.id = text;
        uint8_t buf[300];
        size_t n = protobuf_c_message_pack(&get.base, buf);
        s_reply(router, identity, req->tag, HC_OK, NULL, NULL, buf, n);
    } else if (streq(m, "Fail"))
        s_reply(router, identity, req->tag, HC_NOT_FOUND, "id", "no worker wkr_1", NULL, 0);
    else if (streq(m, "BadBody"))
        s_reply(router, identity, req->tag, HC_OK, NULL, NULL, (const uint8_t *)"\xff\xff", 2);
    else if (streq(m, "Late")) {
        late->identity = zframe_dup(identity);
        late->tag = req->tag;
        late->at = zclock_mono() + 300;
    } else if (!streq(m, "Silent")) {
        if (streq(m, "Garbage")) {
            zframe_send(&identity, router, ZFRAME_MORE | ZFRAME_REUSE);
            zstr_send(router, "\xff\x01 not a reply");
        }
        if (streq(m, "Stale"))
            s_reply(router, identity, req->tag ^ 1, HC_OK, NULL, NULL, body, size);
        s_reply(router, identity, req->tag, HC_OK, NULL, NULL, body, size);
    }
}

static void s_gateway_actor(zsock_t *pipe, void *arg)
{
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    hc_sock_setup(router);
    int rc = zsock_bind(router, "%s", (const char *)arg);
    zsock_signal(pipe, rc == 0 ? 0 : 1);
    zpoller_t *poller = zpoller_new(pipe, router, NULL);
    hc_arena *arena = hc_arena_new();
    late_reply late = {NULL, 0, 0};
    while (true) {
        void *which = zpoller_wait(poller, 10);
        if (which == pipe)
            break;
        if (late.identity && zclock_mono() >= late.at) {
            s_reply(router, late.identity, late.tag, HC_OK, NULL, NULL, NULL, 0);
            zframe_destroy(&late.identity);
        }
        if (which != router)
            continue;
        zmsg_t *msg = zmsg_recv(router);
        zframe_t *identity = zmsg_first(msg);
        zframe_t *payload = zmsg_next(msg);
        Hcap__ClientRequest *req = payload ? (Hcap__ClientRequest *)hc_msg_unpack(
                                                 &hcap__client_request__descriptor,
                                                 zframe_data(payload), zframe_size(payload), arena)
                                           : NULL;
        if (req)
            s_handle(router, identity, req, &late);
        zmsg_destroy(&msg);
        hc_arena_reset(arena);
    }
    zframe_destroy(&late.identity);
    hc_arena_destroy(&arena);
    zpoller_destroy(&poller);
    zsock_destroy(&router);
}

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/hc_client_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_endpoint, sizeof s_endpoint, "ipc://%s/gw.ipc", s_dir);
    s_gateway = zactor_new(s_gateway_actor, s_endpoint);
    hc_error err;
    s_client = hc_client_new(s_endpoint, "tok_secret", &err);
    cr_assert_not_null(s_client, "%s", err.message);
    s_arena = hc_arena_new();
}

static void s_teardown(void)
{
    hc_client_destroy(&s_client);
    zactor_destroy(&s_gateway);
    hc_arena_destroy(&s_arena);
    char path[128];
    snprintf(path, sizeof path, "%s/gw.ipc", s_dir);
    unlink(path);
    rmdir(s_dir);
}

TestSuite(client, .init = s_setup, .fini = s_teardown, .timeout = 20);

static int s_get(const char *method, const char *id, const char *key, int timeout_ms,
                 Hcap__GetRequest **out, hc_error *err)
{
    Hcap__GetRequest in = HCAP__GET_REQUEST__INIT;
    in.id = (char *)id;
    return hc_client_call(s_client, "enrollment", method, &in.base, key,
                          &hcap__get_request__descriptor, s_arena, (ProtobufCMessage **)out,
                          timeout_ms, err);
}

Test(client, call_round_trip)
{
    Hcap__GetRequest *out = NULL;
    hc_error err;
    cr_assert_eq(s_get("Echo", "wkr_7", NULL, 2000, &out, &err), HC_OK, "%s", err.message);
    cr_assert_not_null(out);
    cr_assert_str_eq(out->id, "wkr_7");
    cr_assert_eq(err.code, HC_OK);
}

Test(client, token_key_and_deadline_travel)
{
    Hcap__GetRequest *out = NULL;
    hc_error err;
    cr_assert_eq(s_get("Inspect", "x", "k-1", 1500, &out, &err), HC_OK);
    cr_assert_str_eq(out->id, "tok_secret|k-1|1500");
}

Test(client, error_reply_fills_err)
{
    Hcap__GetRequest *out = NULL;
    hc_error err;
    cr_assert_eq(s_get("Fail", "wkr_1", NULL, 2000, &out, &err), HC_NOT_FOUND);
    cr_assert_eq(err.code, HC_NOT_FOUND);
    cr_assert_str_eq(err.field, "id");
    cr_assert_str_eq(err.message, "no worker wkr_1");
}

Test(client, silence_times_out_without_hanging)
{
    Hcap__GetRequest *out = NULL;
    hc_error err;
    int64_t start = zclock_mono();
    cr_assert_eq(s_get("Silent", "x", NULL, 200, &out, &err), HC_DEADLINE_EXCEEDED);
    int64_t took = zclock_mono() - start;
    cr_assert(took >= 190 && took < 1000, "took %lld ms", (long long)took);
    cr_assert_eq(err.code, HC_DEADLINE_EXCEEDED);
}

Test(client, late_and_stale_replies_are_skipped)
{
    Hcap__GetRequest *out = NULL;
    hc_error err;
    cr_assert_eq(s_get("Late", "x", NULL, 100, &out, &err), HC_DEADLINE_EXCEEDED);
    zclock_sleep(400); /* the late reply is now waiting in the socket */
    cr_assert_eq(s_get("Echo", "second", NULL, 2000, &out, &err), HC_OK);
    cr_assert_str_eq(out->id, "second");
    cr_assert_eq(s_get("Stale", "third", NULL, 2000, &out, &err), HC_OK);
    cr_assert_str_eq(out->id, "third");
}

Test(client, garbage_reply_is_skipped)
{
    Hcap__GetRequest *out = NULL;
    hc_error err;
    cr_assert_eq(s_get("Garbage", "g", NULL, 2000, &out, &err), HC_OK);
    cr_assert_str_eq(out->id, "g");
}

Test(client, undecodable_body_is_internal)
{
    Hcap__GetRequest *out = NULL;
    hc_error err;
    cr_assert_eq(s_get("BadBody", "g", NULL, 2000, &out, &err), HC_INTERNAL);
    cr_assert(strstr(err.message, "hcap.GetRequest"), "%s", err.message);
}

Test(client, pipelined_tags_come_back)
{
    hc_error err;
    Hcap__GetRequest in = HCAP__GET_REQUEST__INIT;
    char id[16];
    in.id = id;
    for (uint64_t tag = 1; tag <= 8; tag++) {
        snprintf(id, sizeof id, "n%d", (int)tag);
        cr_assert_eq(hc_client_send(s_client, tag, "enrollment", "Echo", &in.base, NULL, &err),
                     HC_OK);
    }
    bool seen[9] = {false};
    for (int i = 0; i < 8; i++) {
        uint64_t tag = 0;
        Hcap__GetRequest *out = NULL;
        int rc = hc_client_recv(s_client, &tag, &hcap__get_request__descriptor, s_arena,
                                (ProtobufCMessage **)&out, 2000, &err);
        cr_assert_eq(rc, HC_OK, "%s", err.message);
        cr_assert(tag >= 1 && tag <= 8 && !seen[tag]);
        seen[tag] = true;
        snprintf(id, sizeof id, "n%d", (int)tag);
        cr_assert_str_eq(out->id, id, "the reply belongs to its tag");
    }
    uint64_t tag;
    int64_t start = zclock_mono();
    cr_assert_eq(hc_client_recv(s_client, &tag, NULL, s_arena, NULL, 150, &err),
                 HC_DEADLINE_EXCEEDED);
    cr_assert_lt(zclock_mono() - start, 1000);
    cr_assert_eq(hc_client_recv(s_client, &tag, NULL, s_arena, NULL, 0, &err),
                 HC_DEADLINE_EXCEEDED);
}

Test(client, empty_input_and_error_via_recv)
{
    hc_error err;
    cr_assert_eq(hc_client_send(s_client, 5, "enrollment", "Fail", NULL, NULL, &err), HC_OK);
    uint64_t tag = 0;
    cr_assert_eq(hc_client_recv(s_client, &tag, NULL, s_arena, NULL, 2000, &err), HC_NOT_FOUND);
    cr_assert_eq(tag, 5);
    cr_assert_str_eq(err.field, "id");
}

Test(client, bad_endpoint_and_absent_gateway)
{
    hc_error err;
    cr_assert_null(hc_client_new("nonsense://x", NULL, &err));
    cr_assert_eq(err.code, HC_INVALID_ARGUMENT);
    char nowhere[160];
    snprintf(nowhere, sizeof nowhere, "ipc://%s/nobody.ipc", s_dir);
    hc_client *lonely = hc_client_new(nowhere, NULL, &err);
    cr_assert_not_null(lonely);
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *out = NULL;
    int64_t start = zclock_mono();
    cr_assert_eq(
        hc_client_call(lonely, "gateway", "Health", NULL, NULL, NULL, arena, &out, 200, &err),
        HC_DEADLINE_EXCEEDED);
    cr_assert_lt(zclock_mono() - start, 1000);
    hc_arena_destroy(&arena);
    hc_client_destroy(&lonely);
    cr_assert_null(lonely);
}
