/* hc_id: ULID-style ids (48-bit milliseconds + 80 random bits, Crockford
   base32) kept monotonic within the process, plus random bytes and hex. */
#include "hc_id.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_RAND_BYTES 10

static const char s_crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t s_last_ms;
static uint8_t s_last_rand[S_RAND_BYTES];

static pthread_once_t s_sodium_once = PTHREAD_ONCE_INIT;

static void s_sodium_init(void)
{
    if (sodium_init() < 0)
        abort();
}

void hc_random_bytes(void *buf, unsigned long size)
{
    pthread_once(&s_sodium_once, s_sodium_init);
    randombytes_buf(buf, size);
}

void hc_hex(const void *data, unsigned long size, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *bytes = data;
    for (unsigned long i = 0; i < size; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * size] = '\0';
}

/* Adds one to the big-endian random part; false when it wrapped to zero. */
static bool s_increment(uint8_t rand[S_RAND_BYTES])
{
    for (int i = S_RAND_BYTES - 1; i >= 0; i--) {
        if (++rand[i] != 0)
            return true;
    }
    return false;
}

/* Picks (ms, rand) strictly after the previous id: same or earlier clock
   reading reuses the last millisecond with the random part plus one. */
static void s_next(uint64_t now_ms, uint64_t *ms, uint8_t rand[S_RAND_BYTES])
{
    pthread_mutex_lock(&s_lock);
    if (now_ms > s_last_ms) {
        s_last_ms = now_ms;
        hc_random_bytes(s_last_rand, S_RAND_BYTES);
    } else if (!s_increment(s_last_rand)) {
        s_last_ms++;
    }
    *ms = s_last_ms;
    memcpy(rand, s_last_rand, S_RAND_BYTES);
    pthread_mutex_unlock(&s_lock);
}

/* 26 base32 characters: 10 for the 48-bit time, 16 for the 80 random bits. */
static void s_encode(uint64_t ms, const uint8_t rand[S_RAND_BYTES], char *out)
{
    for (int i = 9; i >= 0; i--) {
        out[i] = s_crockford[ms & 31];
        ms >>= 5;
    }
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 5; i++) {
        hi = hi << 8 | rand[i];
        lo = lo << 8 | rand[i + 5];
    }
    for (int i = 7; i >= 0; i--) {
        out[10 + i] = s_crockford[hi & 31];
        out[18 + i] = s_crockford[lo & 31];
        hi >>= 5;
        lo >>= 5;
    }
    out[26] = '\0';
}

void hc_id_new(const char *prefix, char out[HC_ID_SIZE])
{
    size_t len = strlen(prefix);
    assert(len >= 1 && len <= 12);
    for (size_t i = 0; i < len; i++)
        assert(prefix[i] >= 'a' && prefix[i] <= 'z');
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    uint64_t ms;
    uint8_t rand[S_RAND_BYTES];
    s_next(now_ms & 0xFFFFFFFFFFFFull, &ms, rand);
    memcpy(out, prefix, len);
    out[len] = '_';
    s_encode(ms, rand, out + len + 1);
}
