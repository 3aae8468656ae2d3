/* hc_utf8: strict UTF-8 checks shared by the CSV reader and the JSON walker
   (no overlongs, no surrogates, nothing above U+10FFFF). */
#ifndef HC_UTF8_H
#define HC_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1..4) of the valid UTF-8 sequence at text, which has size bytes
   left; 0 when the bytes there are not valid UTF-8 (or size is 0). */
size_t hc_utf8_seq(const char *text, size_t size);

/* True when text[0..size) is valid UTF-8 (NUL bytes count as valid). */
bool hc_utf8_valid(const char *text, size_t size);

/* Length of the longest valid UTF-8 prefix of text[0..size), e.g. to cut a
   truncated message at a character boundary. */
size_t hc_utf8_valid_prefix(const char *text, size_t size);

#endif
