/* hc_proof: the node's Ed25519 signing key (DIR/signing.key, DIR/signing.pub)
   and W3C Data Integrity proofs with the eddsa-jcs-2022 cryptosuite
   (Data Integrity EdDSA Cryptosuites v1.0, section 3.3), the proof format of
   Open Badges 3.0 / VC Data Model 2.0 credentials. Keys are named by did:key
   (multibase base58btc 'z' of the multicodec ed25519-pub header 0xed 0x01
   and the 32-byte key: "did:key:z6Mk..."). */
#ifndef HC_PROOF_H
#define HC_PROOF_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "hc_error.h"

#define HC_PROOF_KEY_FILE "signing.key"
#define HC_PROOF_PUB_FILE "signing.pub"

/* Multikey text of an Ed25519 public key: 'z' + 47 base58 characters. */
#define HC_PROOF_MULTIKEY_SIZE 64 /* with the NUL, rounded up */

typedef struct _hc_proof_key hc_proof_key;

/* Loads the signing key from dir, creating it at first start. dir must
   exist.
   - dir/signing.key: the 32-byte Ed25519 seed as 64 lower-case hex
     characters and a newline, mode 0600. Created only when absent: written
     to a private temporary file and linked into place, so when two processes
     start at once exactly one key wins and neither reads a half-written file.
   - dir/signing.pub: the public key as a multikey ("z6Mk...") and a newline,
     mode 0644; written when absent (derived from signing.key).
   Returns a new key the caller destroys, or NULL with err filled, err->field
   naming the file's path: HC_PERMISSION_DENIED when signing.key is readable
   or writable by group or others (or not a regular file);
   HC_INVALID_ARGUMENT when signing.key is not 64 hex characters and an
   optional newline, or signing.pub is not the multikey of that key (a bad
   file is reported, never replaced); HC_UNAVAILABLE for other I/O errors. */
hc_proof_key *hc_proof_key_load_or_create(const char *dir, hc_error *err);

/* Wipes the secret key and frees the key; accepts NULL and *self_p NULL;
   sets *self_p to NULL. */
void hc_proof_key_destroy(hc_proof_key **self_p);

/* "did:key:z6Mk...", owned by the key. */
const char *hc_proof_key_did(const hc_proof_key *self);

/* The verification method id "did:key:z6Mk...#z6Mk...", owned by the key. */
const char *hc_proof_key_method(const hc_proof_key *self);

/* The 32-byte public key, owned by the key. */
const uint8_t *hc_proof_key_public(const hc_proof_key *self);

/* Adds a Data Integrity proof to document (a JSON object without "proof"),
   per eddsa-jcs-2022 "Create Proof" (3.3.1):
     proof = {type "DataIntegrityProof", cryptosuite "eddsa-jcs-2022",
              created, verificationMethod (hc_proof_key_method),
              proofPurpose "assertionMethod",
              @context (a copy of document's, when it has one; step 2),
              proofValue}
   hashData = SHA-256(JCS(proof without proofValue))
              || SHA-256(JCS(document without proof));
   proofValue = 'z' + base58btc(Ed25519 signature of hashData).
   created is an RFC 3339 / XML Schema dateTime ("2026-11-22T15:56:01Z").
   Returns HC_OK; HC_INVALID_ARGUMENT (document unchanged) when document is
   not an object, created is not a valid dateTime, or the document cannot be
   canonicalized (invalid UTF-8; err->field names the path);
   HC_FAILED_PRECONDITION when document already has a proof. */
int hc_proof_sign(json_t *document, const hc_proof_key *key, const char *created, hc_error *err);

/* Verifies document's eddsa-jcs-2022 proof per "Verify Proof" (3.3.2). The
   public key is the one named by proof.verificationMethod, which must be
   "did:key:<multikey>#<same multikey>" of an Ed25519 key; when
   expected_public_key is not NULL it must equal that key. A proof with
   "@context" needs document's @context to start with it and is checked
   against it. Returns HC_OK when the signature matches; otherwise writes a
   one-line reason into why (when why_size > 0) and returns
   HC_INVALID_ARGUMENT when the proof is missing, malformed or not of this
   suite (wrong types, bad base58, wrong lengths, proof sets, a
   verificationMethod that is not did:key Ed25519, proofPurpose other than
   assertionMethod), or HC_FAILED_PRECONDITION when a well-formed proof does
   not hold: "signature does not match" (the document or proof was
   changed), the key is not the expected one, or the @context prefix
   differs. Never crashes on any input. */
int hc_proof_verify(const json_t *document, const uint8_t *expected_public_key, char *why,
                    size_t why_size);

/* Reads an Ed25519 public key for offline checks from a file holding a
   multikey ("z6Mk...", as signing.pub), a did:key or a did:key verification
   method, with surrounding whitespace. Returns HC_OK and fills out;
   HC_NOT_FOUND when the file does not exist, HC_INVALID_ARGUMENT when it
   holds none of those forms, HC_UNAVAILABLE when it cannot be read; err's
   field names the path. */
int hc_proof_public_key_read(const char *path, uint8_t out[32], hc_error *err);

/* Decodes "z6Mk..." (multikey), "did:key:z6Mk..." or
   "did:key:z6Mk...#z6Mk..." (both parts equal) into an Ed25519 public key.
   Returns 0, or -1 when text is none of those (another multicodec, bad
   base58, wrong length). */
int hc_proof_multikey_decode(const char *text, uint8_t out[32]);

/* Writes 'z' + base58btc of the multicodec ed25519-pub key into out. */
void hc_proof_multikey_encode(const uint8_t public_key[32], char out[HC_PROOF_MULTIKEY_SIZE]);

/* Base58btc (Bitcoin alphabet; each leading zero byte is a '1') of
   data[0..size) into out with a NUL. Returns the text length, or 0 when
   out_size is too small (size * 138 / 100 + 2 always suffices). */
size_t hc_proof_base58_encode(const uint8_t *data, size_t size, char *out, size_t out_size);

/* Decodes text[0..len) of base58btc into out. Returns the byte count, or -1
   for a character outside the alphabet, an empty text, or more than
   out_size bytes. */
int hc_proof_base58_decode(const char *text, size_t len, uint8_t *out, size_t out_size);

#endif
