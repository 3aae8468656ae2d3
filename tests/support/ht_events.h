/* ht_events: reads a service's whole event log over ZeroMQ the way a
   follower does (DEALER to ipc://DIR/<service>-events.ipc, FetchRequest ->
   FetchReply from seq 0), for asserting seqs, counts and contents. */
#ifndef HT_EVENTS_H
#define HT_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t seq;
    char *type;
    char *occurred_at;
    uint8_t *body;
    size_t size;
} ht_event;

typedef struct {
    char *source;
    char *epoch;
    uint64_t head; /* the log's last seq per the last reply */
    ht_event *items;
    size_t count;
} ht_events;

/* Fetches every event of service's log in dir, each FETCH bounded by
   timeout_ms. 0, or -1 (reason on stderr; out then holds what came). */
int ht_events_fetch(const char *dir, const char *service, ht_events *out, int timeout_ms);

/* Only the head seq (one FETCH after a huge seq); -1 on failure. */
int64_t ht_events_head(const char *dir, const char *service, int timeout_ms);

void ht_events_free(ht_events *events);

/* True when the seqs are exactly 1..count and count == head. */
bool ht_events_gapless(const ht_events *events);

/* Events whose type contains type_part. */
size_t ht_events_count(const ht_events *events, const char *type_part);

/* True when any event's type or body holds the bytes of needle. */
bool ht_events_contain(const ht_events *events, const char *needle);

#endif
