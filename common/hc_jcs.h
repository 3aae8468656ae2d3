/* hc_jcs: the RFC 8785 JSON Canonicalization Scheme (JCS) text of a jansson
   value, the byte string that Data Integrity proofs hash and sign. */
#ifndef HC_JCS_H
#define HC_JCS_H

#include <jansson.h>
#include <stddef.h>
#include "hc_error.h"

/* Deepest nesting of arrays and objects hc_jcs_dump accepts; deeper values
   (and values that contain themselves) are refused. */
#define HC_JCS_MAX_DEPTH 1000

/* Canonical JSON text of value, per RFC 8785:
   - no whitespace between tokens;
   - object members sorted by the UTF-16 code units of their names (a name
     with a character above U+FFFF sorts by its surrogate pair, so U+1F600
     comes before U+FB33);
   - strings as UTF-8 with only these escapes: \" \\ \b \f \n \r \t, and
     \u00xx (lower-case hex) for the other characters below U+0020; '/',
     DEL and everything non-ASCII are written as they are;
   - reals as ECMAScript Number.prototype.toString writes them (shortest
     digits that read back as the same double; exponent form at >= 1e21 and
     < 1e-6, e.g. 1e+21, 1e-7; -0 as 0; 2.0 as 2);
   - integers in decimal. A JSON integer beyond +/-2^53 is written exactly,
     which is not I-JSON: RFC 8785 callers should keep such values in strings.
   Returns a malloc'd NUL-terminated string the caller frees (the text holds
   no NUL byte: a NUL in a string is written as \u0000). Returns NULL and
   fills err with HC_INVALID_ARGUMENT (err->field names the JSON path, e.g.
   "credentialSubject.name") for a non-finite real, a string or member name
   that is not valid UTF-8, or nesting deeper than HC_JCS_MAX_DEPTH; with
   HC_RESOURCE_EXHAUSTED when memory runs out. value NULL is
   HC_INVALID_ARGUMENT. */
char *hc_jcs_dump(const json_t *value, hc_error *err);

/* Writes the ECMAScript/JCS text of a finite double into out (at most 32
   bytes with the NUL are needed) and returns its length; returns 0 (out
   untouched) when value is NaN or infinite or size is below 32. */
size_t hc_jcs_number(double value, char *out, size_t size);

#endif
