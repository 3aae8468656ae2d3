/* Tests for hc_msg: protobuf frames round-trip, garbage never decodes or
   crashes, the house socket options hold, signals reach the self-pipe. */
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "hc_msg.h"
#include "enrollment.pb-c.h"
#include "hcap.pb-c.h"

static char s_dir[64];
static char s_endpoint[128];

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/hc_msg_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_endpoint, sizeof s_endpoint, "ipc://%s/s.ipc", s_dir);
}

static void s_teardown(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/s.ipc", s_dir);
    unlink(path);
    rmdir(s_dir);
}

TestSuite(msg, .init = s_setup, .fini = s_teardown, .timeout = 20);

Test(msg, frame_round_trip)
{
    Hcap__ClientRequest req = HCAP__CLIENT_REQUEST__INIT;
    req.service = "enrollment";
    req.method = "GetWorker";
    req.has_tag = true;
    req.tag = 42;
    zframe_t *frame = hc_msg_frame(&req.base);
    cr_assert_not_null(frame);
    hc_arena *arena = hc_arena_new();
    Hcap__ClientRequest *back = (Hcap__ClientRequest *)hc_msg_unpack(
        &hcap__client_request__descriptor, zframe_data(frame), zframe_size(frame), arena);
    cr_assert_not_null(back);
    cr_assert_str_eq(back->service, "enrollment");
    cr_assert_str_eq(back->method, "GetWorker");
    cr_assert(back->has_tag);
    cr_assert_eq(back->tag, 42);
    cr_assert_null(back->token);
    zframe_destroy(&frame);
    hc_arena_destroy(&arena);
}

Test(msg, pack_into_arena)
{
    hc_arena *arena = hc_arena_new();
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    size_t size = 99;
    uint8_t *data = hc_msg_pack(&empty.base, arena, &size);
    cr_assert_not_null(data);
    cr_assert_eq(size, 0);
    cr_assert_not_null(hc_msg_unpack(&hcap__empty__descriptor, data, size, arena));
    cr_assert_not_null(hc_msg_unpack(&hcap__empty__descriptor, NULL, 0, arena));

    Hcap__Status status = HCAP__STATUS__INIT;
    status.code = HCAP__CODE__CODE_NOT_FOUND;
    status.field = "worker_id";
    data = hc_msg_pack(&status.base, arena, &size);
    cr_assert_gt(size, 0);
    Hcap__Status *back =
        (Hcap__Status *)hc_msg_unpack(&hcap__status__descriptor, data, size, arena);
    cr_assert_not_null(back);
    cr_assert_eq(back->code, HCAP__CODE__CODE_NOT_FOUND);
    cr_assert_str_eq(back->field, "worker_id");
    hc_arena_destroy(&arena);
}

Test(msg, missing_required_field_does_not_decode)
{
    /* A Status without its required code. */
    Hcap__Principal principal = HCAP__PRINCIPAL__INIT;
    principal.name = "ana";
    hc_arena *arena = hc_arena_new();
    size_t size;
    uint8_t *data = hc_msg_pack(&principal.base, arena, &size);
    /* Principal field 1 (name) is a string; as a WorkerMessage it lacks command. */
    cr_assert_null(hc_msg_unpack(&hcap__worker_message__descriptor, data, size, arena));
    cr_assert_null(hc_msg_unpack(&hcap__status__descriptor, NULL, 5, arena));
    hc_arena_destroy(&arena);
}

Test(msg, garbage_never_decodes_or_crashes)
{
    hc_arena *arena = hc_arena_new();
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    Hcap__ServiceRequest sreq = HCAP__SERVICE_REQUEST__INIT;
    msg.command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REQUEST;
    msg.request = &sreq;
    sreq.id = 7;
    sreq.method = "CreateWorker";
    size_t good_size;
    uint8_t *good = hc_msg_pack(&msg.base, arena, &good_size);
    uint8_t buf[256];
    memcpy(buf, good, good_size);
    srand(1234);
    size_t decoded = 0;
    for (int round = 0; round < 20000; round++) {
        hc_arena *scratch = hc_arena_new();
        size_t size = (size_t)(rand() % (int)sizeof buf);
        if (round % 2) {
            /* Mutate a valid message: flip bytes, truncate or extend. */
            memcpy(buf, good, good_size);
            buf[rand() % good_size] ^= (uint8_t)(1 + rand() % 255);
            size = (size_t)(rand() % (int)(good_size + 8));
        } else
            for (size_t i = 0; i < size; i++)
                buf[i] = (uint8_t)rand();
        if (hc_msg_unpack(&hcap__worker_message__descriptor, buf, size, scratch))
            decoded++;
        hc_arena_destroy(&scratch);
    }
    /* Most garbage must be refused; a few mutations stay valid messages. */
    cr_assert_lt(decoded, 20000 / 2);
    cr_assert_null(hc_msg_unpack(&hcap__worker_message__descriptor, "\xff\xff\xff", 3, arena));
    hc_arena_destroy(&arena);
}

Test(msg, router_is_mandatory_and_bounded)
{
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    hc_sock_setup(router);
    cr_assert_eq(zsock_bind(router, "%s", s_endpoint), 0);
    cr_assert_eq(zsock_linger(router), 1000);
    cr_assert_eq(zsock_maxmsgsize(router), HC_MAX_MSG_SIZE);
    /* ROUTER_MANDATORY: routing to nobody is an error, not a silent drop. */
    zframe_t *who = zframe_new("nobody", 6);
    cr_assert_eq(zframe_send(&who, router, ZFRAME_MORE | ZFRAME_DONTWAIT), -1);
    cr_assert_eq(errno, EHOSTUNREACH);
    zframe_destroy(&who);

    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    hc_sock_setup(dealer);
    cr_assert_eq(zsock_linger(dealer), 0);
    cr_assert_eq(zsock_maxmsgsize(dealer), HC_MAX_MSG_SIZE);
    cr_assert_eq(zsock_connect(dealer, "%s", s_endpoint), 0);
    /* Over the limit: the router drops the peer instead of the message arriving. */
    zframe_t *big = zframe_new(NULL, HC_MAX_MSG_SIZE + 1);
    memset(zframe_data(big), 'x', zframe_size(big));
    cr_assert_eq(zframe_send(&big, dealer, 0), 0);
    zsock_set_rcvtimeo(router, 500);
    zmsg_t *got = zmsg_recv(router);
    cr_assert_null(got);

    zsock_destroy(&dealer);
    zsock_destroy(&router);
}

Test(msg, small_messages_pass_the_limit)
{
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    hc_sock_setup(router);
    cr_assert_eq(zsock_bind(router, "%s", s_endpoint), 0);
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    hc_sock_setup(dealer);
    cr_assert_eq(zsock_connect(dealer, "%s", s_endpoint), 0);
    zframe_t *frame = zframe_new(NULL, 1024 * 1024);
    memset(zframe_data(frame), 'y', zframe_size(frame));
    cr_assert_eq(zframe_send(&frame, dealer, 0), 0);
    zsock_set_rcvtimeo(router, 2000);
    zmsg_t *got = zmsg_recv(router);
    cr_assert_not_null(got);
    cr_assert_eq(zmsg_size(got), 2);
    zframe_t *body = zmsg_last(got);
    cr_assert_eq(zframe_size(body), 1024 * 1024);
    zmsg_destroy(&got);
    zsock_destroy(&dealer);
    zsock_destroy(&router);
}

Test(msg, sigterm_reaches_the_self_pipe)
{
    int fd = hc_signal_fd();
    cr_assert_geq(fd, 0);
    cr_assert_eq(hc_signal_fd(), fd, "one pipe per process");
    cr_assert_not(hc_signal_received());
    /* CZMQ sockets created afterwards must not take the signal over. */
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    cr_assert_eq(kill(getpid(), SIGTERM), 0);
    struct pollfd pfd = {fd, POLLIN, 0};
    cr_assert_eq(poll(&pfd, 1, 2000), 1);
    cr_assert(hc_signal_received());
    cr_assert_not(zsys_interrupted);
    char byte;
    cr_assert_eq(read(fd, &byte, 1), 1);
    cr_assert_eq(read(fd, &byte, 1), -1, "non-blocking: nothing more to read");
    cr_assert_eq(errno, EAGAIN);
    zsock_destroy(&sock);
}

Test(msg, sigint_works_too)
{
    int fd = hc_signal_fd();
    cr_assert_eq(raise(SIGINT), 0);
    struct pollfd pfd = {fd, POLLIN, 0};
    cr_assert_eq(poll(&pfd, 1, 2000), 1);
    cr_assert(hc_signal_received());
}

static Hcap__Employer s_employer(void)
{
    Hcap__Employer employer = HCAP__EMPLOYER__INIT;
    employer.id = "e1";
    employer.name = "Mercy";
    employer.sector = HCAP__SECTOR__SECTOR_ACUTE;
    employer.union_local = "1199";
    employer.county = "Kings";
    employer.state = "NY";
    return employer;
}

Test(msg, pack_malloc_round_trips)
{
    Hcap__Employer employer = s_employer();
    uint8_t *data = NULL;
    size_t size = 0;
    cr_assert_eq(hc_msg_pack_malloc(&employer.base, &data, &size), 0);
    cr_assert_not_null(data);
    cr_assert_eq(size, hcap__employer__get_packed_size(&employer));
    Hcap__Employer *back = hcap__employer__unpack(NULL, size, data);
    cr_assert_not_null(back);
    cr_assert_str_eq(back->id, "e1");
    cr_assert_str_eq(back->name, "Mercy");
    cr_assert_eq(back->sector, HCAP__SECTOR__SECTOR_ACUTE);
    cr_assert_str_eq(back->county, "Kings");
    hcap__employer__free_unpacked(back, NULL);
    free(data);
}

Test(msg, empty_message_packs_to_a_pointer_of_size_zero)
{
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    uint8_t *data = NULL;
    size_t size = 99;
    cr_assert_eq(hc_msg_pack_malloc(&empty.base, &data, &size), 0);
    cr_assert_not_null(data, "an empty message still gets a pointer");
    cr_assert_eq(size, 0);
    free(data);

    uint8_t *copy = NULL;
    size_t copy_size = 99;
    cr_assert_eq(hc_msg_copy_malloc(NULL, 0, &copy, &copy_size), 0);
    cr_assert_not_null(copy);
    cr_assert_eq(copy_size, 0);
    free(copy);

    /* An empty body of a message with no required fields repacks to empty. */
    uint8_t *body = NULL;
    size_t body_size = 99;
    cr_assert_eq(
        hc_msg_repack_without(&hcap__list_request__descriptor, NULL, 0, "after", &body, &body_size),
        0);
    cr_assert_not_null(body);
    cr_assert_eq(body_size, 0);
    free(body);
}

Test(msg, copy_malloc_is_an_equal_separate_copy)
{
    Hcap__Employer employer = s_employer();
    uint8_t *data = NULL;
    size_t size = 0;
    cr_assert_eq(hc_msg_pack_malloc(&employer.base, &data, &size), 0);
    uint8_t *copy = NULL;
    size_t copy_size = 0;
    cr_assert_eq(hc_msg_copy_malloc(data, size, &copy, &copy_size), 0);
    cr_assert_eq(copy_size, size);
    cr_assert_neq(copy, data);
    cr_assert_eq(memcmp(copy, data, size), 0);
    data[0] ^= 0xff;
    cr_assert_neq(copy[0], data[0], "the copy does not alias the original");
    free(copy);
    free(data);
}

Test(msg, repack_without_drops_only_that_field)
{
    Hcap__Employer employer = s_employer();
    uint8_t *body = NULL;
    size_t size = 0;
    cr_assert_eq(hc_msg_pack_malloc(&employer.base, &body, &size), 0);
    uint8_t *new_body = NULL;
    size_t new_size = 0;
    cr_assert_eq(hc_msg_repack_without(&hcap__employer__descriptor, body, size, "county", &new_body,
                                       &new_size),
                 0);
    cr_assert_lt(new_size, size);
    Hcap__Employer *back = hcap__employer__unpack(NULL, new_size, new_body);
    cr_assert_not_null(back);
    cr_assert_null(back->county);
    cr_assert_str_eq(back->id, "e1");
    cr_assert_str_eq(back->name, "Mercy");
    cr_assert_eq(back->sector, HCAP__SECTOR__SECTOR_ACUTE);
    cr_assert_str_eq(back->union_local, "1199");
    cr_assert_str_eq(back->state, "NY");
    hcap__employer__free_unpacked(back, NULL);

    /* Byte for byte the original packed without county. */
    employer.county = NULL;
    uint8_t *want = NULL;
    size_t want_size = 0;
    cr_assert_eq(hc_msg_pack_malloc(&employer.base, &want, &want_size), 0);
    cr_assert_eq(new_size, want_size);
    cr_assert_eq(memcmp(new_body, want, want_size), 0);
    free(want);
    free(new_body);
    free(body);
}

Test(msg, repack_without_an_absent_field_keeps_the_body)
{
    Hcap__Employer employer = s_employer();
    employer.state = NULL;
    uint8_t *body = NULL;
    size_t size = 0;
    cr_assert_eq(hc_msg_pack_malloc(&employer.base, &body, &size), 0);
    uint8_t *new_body = NULL;
    size_t new_size = 0;
    cr_assert_eq(hc_msg_repack_without(&hcap__employer__descriptor, body, size, "state", &new_body,
                                       &new_size),
                 0);
    cr_assert_eq(new_size, size);
    cr_assert_eq(memcmp(new_body, body, size), 0);
    free(new_body);
    free(body);
}

Test(msg, repack_without_refuses_a_body_that_does_not_decode)
{
    uint8_t *new_body = NULL;
    size_t new_size = 0;
    const uint8_t garbage[] = {0xff, 0xff, 0xff};
    cr_assert_eq(hc_msg_repack_without(&hcap__employer__descriptor, garbage, sizeof garbage,
                                       "county", &new_body, &new_size),
                 -1);
    cr_assert_null(new_body, "nothing allocated to free");

    /* Decodes as protobuf but lacks Employer's required name and sector. */
    Hcap__GetRequest req = HCAP__GET_REQUEST__INIT;
    req.id = "e1";
    uint8_t *body = NULL;
    size_t size = 0;
    cr_assert_eq(hc_msg_pack_malloc(&req.base, &body, &size), 0);
    cr_assert_eq(hc_msg_repack_without(&hcap__employer__descriptor, body, size, "county", &new_body,
                                       &new_size),
                 -1);
    cr_assert_null(new_body);
    free(body);
}
