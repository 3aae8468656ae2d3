/* hc_id: opaque, time-ordered ids: a short kind prefix, then 48 bits of
   milliseconds and 80 random bits in Crockford base32 (ULID order), so ids
   sort by creation and serve as list cursors. */
#ifndef HC_ID_H
#define HC_ID_H

#define HC_ID_SIZE 40 /* prefix (<= 12) + '_' + 26 + NUL fits */

/* Writes "<prefix>_<26 chars>" into out, e.g. "wkr_01JD3V...". prefix must be
   1..12 lower-case letters. Ids made later in the same process sort after
   earlier ones even within one millisecond. */
void hc_id_new(const char *prefix, char out[HC_ID_SIZE]);

/* Fills buf with size random bytes from libsodium. */
void hc_random_bytes(void *buf, unsigned long size);

/* Writes 2*size lower-case hex digits and a NUL into out. */
void hc_hex(const void *data, unsigned long size, char *out);

#endif
