/* hc_arena: chunked bump allocator; one request's messages live and die
   together, and protobuf-c unpacks straight into it. */
#include "hc_arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ALIGN      alignof(max_align_t)
#define S_CHUNK_SIZE 8192

typedef struct s_chunk {
    struct s_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    alignas(max_align_t) unsigned char data[];
} s_chunk;

struct _hc_arena {
    s_chunk *chunks; /* newest first; bumping happens in the head */
    ProtobufCAllocator allocator;
};

static void *s_pb_alloc(void *data, size_t size)
{
    return hc_arena_alloc(data, size);
}

static void s_pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

hc_arena *hc_arena_new(void)
{
    hc_arena *self = calloc(1, sizeof *self);
    if (self == NULL)
        abort();
    self->allocator.alloc = s_pb_alloc;
    self->allocator.free = s_pb_free;
    self->allocator.allocator_data = self;
    return self;
}

static void s_free_chunks(s_chunk *chunk)
{
    while (chunk) {
        s_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
}

void hc_arena_destroy(hc_arena **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    s_free_chunks((*self_p)->chunks);
    free(*self_p);
    *self_p = NULL;
}

/* Keeps one regular chunk for reuse; a large one is given back so a single
   big request does not pin its memory for the arena's lifetime. */
void hc_arena_reset(hc_arena *self)
{
    s_chunk *keep = self->chunks;
    if (keep == NULL)
        return;
    s_free_chunks(keep->next);
    keep->next = NULL;
    keep->used = 0;
    if (keep->size != S_CHUNK_SIZE) {
        free(keep);
        self->chunks = NULL;
    }
}

/* Adds a chunk holding at least size bytes; NULL when memory is exhausted. */
static s_chunk *s_chunk_add(hc_arena *self, size_t size)
{
    size_t want = size > S_CHUNK_SIZE ? size : S_CHUNK_SIZE;
    s_chunk *chunk = malloc(sizeof *chunk + want);
    if (chunk == NULL)
        return NULL;
    chunk->size = want;
    chunk->used = 0;
    if (self->chunks && size > S_CHUNK_SIZE / 4) {
        /* A large block gets its own chunk behind the head so the head's
           free space is not wasted. */
        chunk->next = self->chunks->next;
        self->chunks->next = chunk;
    } else {
        chunk->next = self->chunks;
        self->chunks = chunk;
    }
    return chunk;
}

/* Returns NULL only when size cannot be satisfied (overflow, no memory). */
void *hc_arena_alloc(hc_arena *self, size_t size)
{
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + S_ALIGN - 1) & ~(S_ALIGN - 1);
    s_chunk *chunk = self->chunks;
    if (chunk == NULL || chunk->size - chunk->used < size) {
        chunk = s_chunk_add(self, size);
        if (chunk == NULL)
            return NULL;
    }
    void *ptr = chunk->data + chunk->used;
    chunk->used += size;
    memset(ptr, 0, size);
    return ptr;
}

char *hc_arena_strdup(hc_arena *self, const char *text)
{
    if (text == NULL)
        return NULL;
    size_t len = strlen(text);
    char *copy = hc_arena_alloc(self, len + 1);
    if (copy)
        memcpy(copy, text, len + 1);
    return copy;
}

char *hc_arena_text(hc_arena *self, const char *text)
{
    return text && *text ? hc_arena_strdup(self, text) : NULL;
}

char *hc_arena_printf(hc_arena *self, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int len = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    if (len < 0)
        return NULL;
    char *text = hc_arena_alloc(self, (size_t)len + 1);
    if (text == NULL)
        return NULL;
    va_start(args, fmt);
    vsnprintf(text, (size_t)len + 1, fmt, args);
    va_end(args);
    return text;
}

ProtobufCAllocator *hc_arena_allocator(hc_arena *self)
{
    return &self->allocator;
}

ProtobufCMessage *hc_arena_message(hc_arena *self, const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *msg = hc_arena_alloc(self, desc->sizeof_message);
    if (msg)
        protobuf_c_message_init(desc, msg);
    return msg;
}
