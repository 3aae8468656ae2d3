/* hc_arena: bump allocator for one request's messages; everything is freed
   at once. Exposes a ProtobufCAllocator so protobuf-c can unpack into it. */
#ifndef HC_ARENA_H
#define HC_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct _hc_arena hc_arena;

/* New empty arena; aborts on out-of-memory like CZMQ's constructors. */
hc_arena *hc_arena_new(void);

/* Frees everything the arena gave out and the arena; accepts NULL. */
void hc_arena_destroy(hc_arena **self_p);

/* Frees everything given out, keeps the arena for reuse. */
void hc_arena_reset(hc_arena *self);

/* size zeroed bytes, aligned for any type; valid until reset/destroy.
   NULL only when size is absurd (overflow) or memory is exhausted. */
void *hc_arena_alloc(hc_arena *self, size_t size);

/* Copy of text (NULL gives NULL). */
char *hc_arena_strdup(hc_arena *self, const char *text);

/* printf into the arena. */
/* A copy of text in self, or NULL when text is NULL or empty: for optional
   text fields, where an empty string means "no value". */
char *hc_arena_text(hc_arena *self, const char *text);

char *hc_arena_printf(hc_arena *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A protobuf-c allocator drawing from this arena (free is a no-op). */
ProtobufCAllocator *hc_arena_allocator(hc_arena *self);

/* A new message of desc, initialised with its defaults, in the arena. */
ProtobufCMessage *hc_arena_message(hc_arena *self, const ProtobufCMessageDescriptor *desc);

#endif
