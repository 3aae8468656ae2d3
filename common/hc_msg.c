/* hc_msg: house socket options, protobuf framing into and out of ZeroMQ
   frames, and SIGTERM/SIGINT routed to a self-pipe for the main loop. */
#include "hc_msg.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HC_SERVER_LINGER_MS 1000

static int s_signal_pipe[2] = {-1, -1};
static volatile sig_atomic_t s_signalled = 0;
static volatile sig_atomic_t s_signals = 0;

void hc_sock_setup(zsock_t *sock)
{
    assert(sock);
    int type = zsock_type(sock);
    bool server = type == ZMQ_ROUTER || type == ZMQ_PUB || type == ZMQ_XPUB || type == ZMQ_REP;
    zsock_set_linger(sock, server ? HC_SERVER_LINGER_MS : 0);
    zsock_set_maxmsgsize(sock, HC_MAX_MSG_SIZE);
    if (type == ZMQ_ROUTER)
        zsock_set_router_mandatory(sock, 1);
}

zframe_t *hc_msg_frame(const ProtobufCMessage *msg)
{
    assert(msg);
    size_t size = protobuf_c_message_get_packed_size(msg);
    zframe_t *frame = zframe_new(NULL, size);
    if (frame && size > 0)
        protobuf_c_message_pack(msg, zframe_data(frame));
    return frame;
}

ProtobufCMessage *hc_msg_unpack(const ProtobufCMessageDescriptor *desc, const void *data,
                                size_t size, hc_arena *arena)
{
    assert(desc);
    assert(arena);
    if (!data && size > 0)
        return NULL;
    static const uint8_t empty[1] = {0};
    return protobuf_c_message_unpack(desc, hc_arena_allocator(arena), size,
                                     data ? (const uint8_t *)data : empty);
}

uint8_t *hc_msg_pack(const ProtobufCMessage *msg, hc_arena *arena, size_t *size)
{
    assert(msg);
    assert(arena);
    assert(size);
    *size = protobuf_c_message_get_packed_size(msg);
    /* One spare byte so an empty message still gets a valid pointer. */
    uint8_t *data = hc_arena_alloc(arena, *size + 1);
    if (!data)
        *size = 0;
    else if (*size > 0)
        protobuf_c_message_pack(msg, data);
    return data;
}

int hc_msg_pack_malloc(const ProtobufCMessage *msg, uint8_t **data, size_t *size)
{
    assert(msg);
    *size = protobuf_c_message_get_packed_size(msg);
    *data = malloc(*size ? *size : 1);
    if (!*data)
        return -1;
    protobuf_c_message_pack(msg, *data);
    return 0;
}

int hc_msg_copy_malloc(const uint8_t *data, size_t size, uint8_t **copy, size_t *copy_size)
{
    *copy = malloc(size ? size : 1);
    if (!*copy)
        return -1;
    if (size > 0)
        memcpy(*copy, data, size);
    *copy_size = size;
    return 0;
}

int hc_msg_repack_without(const ProtobufCMessageDescriptor *desc, const uint8_t *body, size_t size,
                          const char *field, uint8_t **new_body, size_t *new_size)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(desc, field);
    assert(f && f->label != PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_STRING);
    ProtobufCMessage *msg = protobuf_c_message_unpack(desc, NULL, size, body);
    if (!msg)
        return -1;
    /* Cleared for the packing only: the unpacked message still owns it. */
    char **value = (char **)((char *)msg + f->offset);
    char *kept = *value;
    *value = NULL;
    int rc = hc_msg_pack_malloc(msg, new_body, new_size);
    *value = kept;
    protobuf_c_message_free_unpacked(msg, NULL);
    return rc;
}

/* Async-signal-safe: only a flag and a non-blocking write; a full pipe
   already holds a wake-up, so a failed write loses nothing. */
static void s_on_signal(int signum)
{
    (void)signum;
    int saved = errno;
    s_signalled = 1;
    s_signals = s_signals + 1;
    if (s_signal_pipe[1] >= 0) {
        ssize_t rc = write(s_signal_pipe[1], "s", 1);
        (void)rc;
    }
    errno = saved;
}

int hc_signal_fd(void)
{
    if (s_signal_pipe[0] >= 0)
        return s_signal_pipe[0];
    /* CZMQ would otherwise install its own handler on first socket and
       swallow the signal into zsys_interrupted. */
    zsys_handler_set(NULL);
    if (pipe2(s_signal_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        s_signal_pipe[0] = s_signal_pipe[1] = -1;
        return -1;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    return s_signal_pipe[0];
}

bool hc_signal_received(void)
{
    return s_signalled != 0;
}

int hc_signal_count(void)
{
    return s_signals;
}

size_t hc_msg_value_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default:
        return 4; /* 32-bit integers, float, enum */
    }
}
