/* hc_utf8: strict UTF-8 validation over byte ranges. */
#include "hc_utf8.h"

size_t hc_utf8_seq(const char *text, size_t size)
{
    const unsigned char *s = (const unsigned char *)text;
    if (size == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || s[0] > 0xF4 || len > size)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    }
    if (len == 3 && s[0] == 0xE0 && s[1] < 0xA0)
        return 0; /* overlong */
    if (len == 3 && s[0] == 0xED && s[1] >= 0xA0)
        return 0; /* surrogate */
    if (len == 4 && s[0] == 0xF0 && s[1] < 0x90)
        return 0; /* overlong */
    if (len == 4 && s[0] == 0xF4 && s[1] >= 0x90)
        return 0; /* above U+10FFFF */
    return len;
}

size_t hc_utf8_valid_prefix(const char *text, size_t size)
{
    size_t at = 0;
    while (at < size) {
        size_t n = hc_utf8_seq(text + at, size - at);
        if (n == 0)
            break;
        at += n;
    }
    return at;
}

bool hc_utf8_valid(const char *text, size_t size)
{
    return hc_utf8_valid_prefix(text, size) == size;
}
