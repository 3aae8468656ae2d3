/* ht_proxy: a TCP relay on loopback that records what it relays, for
   proving that a protocol's bytes on the wire hold no cleartext. */
#include "ht_proxy.h"
#include "ht_local.h"
#include "ht_os.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define S_MAX_PAIRS 256
#define S_CHUNK     65536

/* One direction of one connection: what came from `from`, in order. */
typedef struct {
    uint8_t *bytes;
    size_t size, capacity;
} s_stream;

typedef struct {
    int fd[2];          /* [0] the client, [1] the target; -1 when closed */
    s_stream stream[2]; /* stream[i]: bytes read from fd[i] */
} s_pair;

struct _ht_proxy {
    int target_port;
    int port;
    int listen_fd;
    int wake[2]; /* writing to wake[1] stops the thread */
    pthread_t thread;
    pthread_mutex_t lock;
    s_pair pairs[S_MAX_PAIRS];
    size_t n_pairs;
    size_t bytes;
    atomic_bool hold;   /* the targets' sides are not read */
    atomic_uint rounds; /* poll rounds begun: a change of hold is in force two rounds on */
};

static int s_listen(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

static int s_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                               .sin_port = htons((uint16_t)port)};
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void s_accept(ht_proxy *self)
{
    int client = accept4(self->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0)
        return;
    int target = s_connect(self->target_port);
    pthread_mutex_lock(&self->lock);
    if (target < 0 || self->n_pairs == S_MAX_PAIRS) {
        close(client);
        if (target >= 0)
            close(target);
    } else
        self->pairs[self->n_pairs++] = (s_pair){.fd = {client, target}};
    pthread_mutex_unlock(&self->lock);
}

static void s_close_pair(s_pair *pair)
{
    for (int i = 0; i < 2; i++)
        if (pair->fd[i] >= 0) {
            close(pair->fd[i]);
            pair->fd[i] = -1;
        }
}

/* Relays what is readable on pair->fd[from] to the other side. */
static void s_relay(ht_proxy *self, s_pair *pair, int from)
{
    uint8_t buf[S_CHUNK];
    ssize_t n = read(pair->fd[from], buf, sizeof buf);
    if (n <= 0) {
        if (n < 0 && errno == EINTR)
            return;
        s_close_pair(pair);
        return;
    }
    pthread_mutex_lock(&self->lock);
    s_stream *st = &pair->stream[from];
    if (st->size + (size_t)n > st->capacity) {
        st->capacity = (st->size + (size_t)n) * 2;
        st->bytes = realloc(st->bytes, st->capacity);
    }
    memcpy(st->bytes + st->size, buf, (size_t)n);
    st->size += (size_t)n;
    self->bytes += (size_t)n;
    pthread_mutex_unlock(&self->lock);
    for (ssize_t done = 0; done < n;) {
        ssize_t w = send(pair->fd[1 - from], buf + done, (size_t)(n - done), MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s_close_pair(pair);
            return;
        }
        done += w;
    }
}

static void *s_main(void *arg)
{
    ht_proxy *self = arg;
    for (;;) {
        struct pollfd fds[2 + 2 * S_MAX_PAIRS];
        s_pair *owner[2 + 2 * S_MAX_PAIRS];
        int side[2 + 2 * S_MAX_PAIRS];
        nfds_t n = 0;
        fds[n++] = (struct pollfd){.fd = self->wake[0], .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = self->listen_fd, .events = POLLIN};
        atomic_fetch_add(&self->rounds, 1);
        int sides = atomic_load(&self->hold) ? 1 : 2;
        for (size_t p = 0; p < self->n_pairs; p++)
            for (int i = 0; i < sides && self->pairs[p].fd[0] >= 0; i++) {
                owner[n] = &self->pairs[p];
                side[n] = i;
                fds[n++] = (struct pollfd){.fd = self->pairs[p].fd[i], .events = POLLIN};
            }
        if (poll(fds, n, 50) < 0 && errno != EINTR)
            return NULL;
        if (fds[0].revents)
            return NULL;
        if (fds[1].revents & POLLIN)
            s_accept(self);
        for (nfds_t i = 2; i < n; i++)
            if (fds[i].revents && owner[i]->fd[side[i]] >= 0)
                s_relay(self, owner[i], side[i]);
    }
}

ht_proxy *ht_proxy_start(int target_port)
{
    ht_proxy *self = calloc(1, sizeof *self);
    self->target_port = target_port;
    self->listen_fd = s_listen(&self->port);
    pthread_mutex_init(&self->lock, NULL);
    if (self->listen_fd < 0 || pipe2(self->wake, O_CLOEXEC) != 0) {
        if (self->listen_fd >= 0)
            close(self->listen_fd);
        pthread_mutex_destroy(&self->lock);
        free(self);
        return NULL;
    }
    if (pthread_create(&self->thread, NULL, s_main, self) != 0) {
        close(self->listen_fd);
        close(self->wake[0]);
        close(self->wake[1]);
        pthread_mutex_destroy(&self->lock);
        free(self);
        return NULL;
    }
    return self;
}

void ht_proxy_hold_replies(ht_proxy *self, bool hold)
{
    atomic_store(&self->hold, hold);
    unsigned from = atomic_load(&self->rounds);
    while (atomic_load(&self->rounds) - from < 2)
        ht_sleep_ms(5);
}

int ht_proxy_port(const ht_proxy *self)
{
    return self->port;
}

size_t ht_proxy_bytes(ht_proxy *self)
{
    pthread_mutex_lock(&self->lock);
    size_t bytes = self->bytes;
    pthread_mutex_unlock(&self->lock);
    return bytes;
}

unsigned ht_proxy_connections(ht_proxy *self)
{
    pthread_mutex_lock(&self->lock);
    unsigned n = (unsigned)self->n_pairs;
    pthread_mutex_unlock(&self->lock);
    return n;
}

bool ht_proxy_holds(ht_proxy *self, const char *needle)
{
    bool found = false;
    pthread_mutex_lock(&self->lock);
    for (size_t p = 0; p < self->n_pairs && !found; p++)
        for (int i = 0; i < 2 && !found; i++)
            found =
                ht_bytes_in(self->pairs[p].stream[i].bytes, self->pairs[p].stream[i].size, needle);
    pthread_mutex_unlock(&self->lock);
    return found;
}

void ht_proxy_destroy(ht_proxy **self_p)
{
    if (!self_p || !*self_p)
        return;
    ht_proxy *self = *self_p;
    if (write(self->wake[1], "x", 1) == 1)
        pthread_join(self->thread, NULL);
    close(self->wake[0]);
    close(self->wake[1]);
    close(self->listen_fd);
    for (size_t p = 0; p < self->n_pairs; p++) {
        s_close_pair(&self->pairs[p]);
        free(self->pairs[p].stream[0].bytes);
        free(self->pairs[p].stream[1].bytes);
    }
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}
