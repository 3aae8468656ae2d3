/* hc_proof: Ed25519 signing key files, did:key names, base58btc, and
   eddsa-jcs-2022 Data Integrity proofs over JCS-canonical JSON. */
#include "hc_proof.h"
#include "hc_jcs.h"
#include "hc_time.h"
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_TYPE        "DataIntegrityProof"
#define S_CRYPTOSUITE "eddsa-jcs-2022"
#define S_PURPOSE     "assertionMethod"
#define S_DID_PREFIX  "did:key:"

struct _hc_proof_key {
    uint8_t secret[crypto_sign_SECRETKEYBYTES];
    uint8_t public_key[crypto_sign_PUBLICKEYBYTES];
    char multikey[HC_PROOF_MULTIKEY_SIZE];
    char did[HC_PROOF_MULTIKEY_SIZE + 16];
    char method[2 * HC_PROOF_MULTIKEY_SIZE + 16];
};

static const char s_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Base58 is a big-endian base-256 to base-58 conversion: repeated
   multiply-add over a digit buffer, quadratic but for 64-byte inputs. */
size_t hc_proof_base58_encode(const uint8_t *data, size_t size, char *out, size_t out_size)
{
    size_t zeros = 0;
    while (zeros < size && data[zeros] == 0)
        zeros++;
    size_t cap = (size - zeros) * 138 / 100 + 1;
    uint8_t *digits = calloc(cap, 1); /* base-58 digits, most significant first */
    if (!digits)
        return 0;
    size_t used = 0; /* digits[cap - used .. cap) hold the number */
    for (size_t i = zeros; i < size; i++) {
        unsigned carry = data[i];
        for (size_t j = 0; j < used || carry; j++) {
            size_t at = cap - 1 - j;
            carry += j < used ? 256u * digits[at] : 0;
            digits[at] = (uint8_t)(carry % 58);
            carry /= 58;
            if (j >= used)
                used = j + 1;
        }
    }
    size_t len = zeros + used;
    if (len + 1 <= out_size) {
        memset(out, '1', zeros);
        for (size_t j = 0; j < used; j++)
            out[zeros + j] = s_alphabet[digits[cap - used + j]];
        out[len] = '\0';
    }
    free(digits);
    return len + 1 <= out_size ? len : 0;
}

static int s_base58_value(char c)
{
    const char *at = c ? strchr(s_alphabet, c) : NULL;
    return at ? (int)(at - s_alphabet) : -1;
}

int hc_proof_base58_decode(const char *text, size_t len, uint8_t *out, size_t out_size)
{
    if (len == 0)
        return -1;
    size_t zeros = 0;
    while (zeros < len && text[zeros] == '1')
        zeros++;
    size_t used = 0; /* bytes of the number, at out[out_size - used ..) */
    for (size_t i = zeros; i < len; i++) {
        int value = s_base58_value(text[i]);
        if (value < 0)
            return -1;
        unsigned carry = (unsigned)value;
        for (size_t j = 0; j < used || carry; j++) {
            if (j >= out_size)
                return -1;
            size_t at = out_size - 1 - j;
            carry += j < used ? 58u * out[at] : 0;
            out[at] = (uint8_t)(carry & 0xFF);
            carry >>= 8;
            if (j >= used)
                used = j + 1;
        }
    }
    if (zeros + used > out_size)
        return -1;
    memmove(out + zeros, out + out_size - used, used);
    memset(out, 0, zeros);
    return (int)(zeros + used);
}

void hc_proof_multikey_encode(const uint8_t public_key[32], char out[HC_PROOF_MULTIKEY_SIZE])
{
    uint8_t bytes[34] = {0xed, 0x01};
    memcpy(bytes + 2, public_key, 32);
    out[0] = 'z';
    /* 34 bytes always fit the buffer HC_PROOF_MULTIKEY_SIZE makes for them */
    size_t len = hc_proof_base58_encode(bytes, sizeof bytes, out + 1, HC_PROOF_MULTIKEY_SIZE - 1);
    assert(len > 0);
    (void)len;
}

/* Decodes exactly one multikey text[0..len) into out. */
static int s_multikey_decode(const char *text, size_t len, uint8_t out[32])
{
    uint8_t bytes[34];
    if (len < 2 || text[0] != 'z')
        return -1;
    if (hc_proof_base58_decode(text + 1, len - 1, bytes, sizeof bytes) != 34)
        return -1;
    if (bytes[0] != 0xed || bytes[1] != 0x01)
        return -1;
    memcpy(out, bytes + 2, 32);
    return 0;
}

int hc_proof_multikey_decode(const char *text, uint8_t out[32])
{
    if (!text)
        return -1;
    if (strncmp(text, S_DID_PREFIX, strlen(S_DID_PREFIX)) != 0)
        return s_multikey_decode(text, strlen(text), out);
    const char *id = text + strlen(S_DID_PREFIX);
    const char *hash = strchr(id, '#');
    size_t id_len = hash ? (size_t)(hash - id) : strlen(id);
    if (hash && (strlen(hash + 1) != id_len || memcmp(hash + 1, id, id_len) != 0))
        return -1;
    return s_multikey_decode(id, id_len, out);
}

/* ---- key files ---- */

static int s_path(char *out, size_t size, const char *dir, const char *name, hc_error *err)
{
    int len = snprintf(out, size, "%s/%s", dir, name);
    if (len < 0 || (size_t)len >= size)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "data", "path too long: %s/%s", dir, name);
    return HC_OK;
}

/* Reads at most size - 1 bytes of an open file into buf (NUL-terminated);
   *len is how many. Returns HC_OK, or HC_INVALID_ARGUMENT when the file is
   longer than that (no key file is), HC_UNAVAILABLE on a read error. */
static int s_read_fd(int fd, const char *path, char *buf, size_t size, size_t *len, hc_error *err)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return hc_error_set(err, HC_UNAVAILABLE, path, "cannot read %s: %s", path,
                                strerror(errno));
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got == size)
        return hc_error_set(err, HC_INVALID_ARGUMENT, path, "%s is too long for a key file", path);
    buf[got] = '\0';
    *len = got;
    return HC_OK;
}

/* Writes all of text to fd and syncs it. */
static int s_write_all(int fd, const char *text, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        done += (size_t)n;
    }
    return fsync(fd);
}

/* Creates a new private file next to path (path.<pid>.<random>.tmp, mode
   `mode` whatever the umask) holding text; writes its name into tmp. */
static int s_write_temp(const char *path, const char *text, mode_t mode, char *tmp, size_t tmp_size,
                        hc_error *err)
{
    snprintf(tmp, tmp_size, "%s.%ld.%08x.tmp", path, (long)getpid(), randombytes_random());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return hc_error_set(err, HC_UNAVAILABLE, path, "cannot create %s: %s", tmp,
                            strerror(errno));
    int rc = fchmod(fd, mode) == 0 && s_write_all(fd, text, strlen(text)) == 0 ? 0 : -1;
    int saved = errno;
    close(fd);
    if (rc != 0) {
        unlink(tmp);
        return hc_error_set(err, HC_UNAVAILABLE, path, "cannot write %s: %s", tmp, strerror(saved));
    }
    return HC_OK;
}

/* Creates signing.key with a fresh seed unless it exists. The key is
   written to a temporary file first and then link()ed to its name: link
   fails with EEXIST when another process got there first, so exactly one
   seed wins and the file never appears half-written. */
static int s_key_create(const char *path, hc_error *err)
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    char text[2 * sizeof seed + 2];
    randombytes_buf(seed, sizeof seed);
    sodium_bin2hex(text, sizeof text, seed, sizeof seed);
    strcat(text, "\n");
    sodium_memzero(seed, sizeof seed);
    char tmp[PATH_MAX];
    int rc = s_write_temp(path, text, 0600, tmp, sizeof tmp, err);
    sodium_memzero(text, sizeof text);
    if (rc != HC_OK)
        return rc;
    if (link(tmp, path) != 0 && errno != EEXIST) {
        rc = hc_error_set(err, HC_UNAVAILABLE, path, "cannot create %s: %s", path, strerror(errno));
    }
    unlink(tmp);
    return rc;
}

/* Parses 64 hex characters and an optional newline into a seed. */
static int s_seed_parse(const char *text, size_t len, uint8_t seed[crypto_sign_SEEDBYTES])
{
    if (len == 2 * crypto_sign_SEEDBYTES + 1 && text[len - 1] == '\n')
        len--;
    if (len != 2 * crypto_sign_SEEDBYTES)
        return -1;
    size_t bin_len = 0;
    const char *end = NULL;
    if (sodium_hex2bin(seed, crypto_sign_SEEDBYTES, text, len, NULL, &bin_len, &end) != 0)
        return -1;
    return bin_len == crypto_sign_SEEDBYTES && end == text + len ? 0 : -1;
}

/* Opens signing.key, checks it is a regular file only its owner can use,
   and derives the key pair from its seed. */
static int s_key_read(const char *path, hc_proof_key *key, hc_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int code = errno == ENOENT ? HC_NOT_FOUND : HC_UNAVAILABLE;
        return hc_error_set(err, code, path, "cannot open %s: %s", path, strerror(errno));
    }
    struct stat st;
    char text[128];
    size_t len = 0;
    int rc = HC_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = hc_error_set(err, HC_PERMISSION_DENIED, path, "%s is not a regular file", path);
    else if (st.st_mode & 077)
        rc = hc_error_set(err, HC_PERMISSION_DENIED, path,
                          "%s has mode %04o: group or others may use it (chmod 600)", path,
                          (unsigned)(st.st_mode & 07777));
    else
        rc = s_read_fd(fd, path, text, sizeof text, &len, err);
    close(fd);
    uint8_t seed[crypto_sign_SEEDBYTES];
    if (rc == HC_OK && s_seed_parse(text, len, seed) != 0)
        rc = hc_error_set(err, HC_INVALID_ARGUMENT, path,
                          "%s is not a key: want 64 hex characters and a newline", path);
    if (rc == HC_OK)
        crypto_sign_seed_keypair(key->public_key, key->secret, seed);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(text, sizeof text);
    return rc;
}

/* Checks signing.pub holds key's multikey; writes it when absent. */
static int s_pub_check(const char *path, const hc_proof_key *key, hc_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        char text[HC_PROOF_MULTIKEY_SIZE + 1];
        snprintf(text, sizeof text, "%s\n", key->multikey);
        char tmp[PATH_MAX];
        int rc = s_write_temp(path, text, 0644, tmp, sizeof tmp, err);
        if (rc == HC_OK && rename(tmp, path) != 0) {
            rc = hc_error_set(err, HC_UNAVAILABLE, path, "cannot create %s: %s", path,
                              strerror(errno));
            unlink(tmp);
        }
        return rc;
    }
    if (fd < 0)
        return hc_error_set(err, HC_UNAVAILABLE, path, "cannot open %s: %s", path, strerror(errno));
    char text[256];
    size_t len = 0;
    int rc = s_read_fd(fd, path, text, sizeof text, &len, err);
    close(fd);
    if (rc != HC_OK)
        return rc;
    if (len > 0 && text[len - 1] == '\n')
        text[len - 1] = '\0';
    if (strcmp(text, key->multikey) != 0) {
        uint8_t public_key[32];
        bool parsed = hc_proof_multikey_decode(text, public_key) == 0;
        return hc_error_set(err, HC_INVALID_ARGUMENT, path, "%s %s", path,
                            parsed ? "holds another key than " HC_PROOF_KEY_FILE
                                   : "is not a multikey (z6Mk...) and a newline");
    }
    return HC_OK;
}

static void s_key_names(hc_proof_key *key)
{
    hc_proof_multikey_encode(key->public_key, key->multikey);
    snprintf(key->did, sizeof key->did, S_DID_PREFIX "%s", key->multikey);
    snprintf(key->method, sizeof key->method, "%s#%s", key->did, key->multikey);
}

hc_proof_key *hc_proof_key_load_or_create(const char *dir, hc_error *err)
{
    assert(dir);
    if (sodium_init() < 0) {
        hc_error_set(err, HC_INTERNAL, NULL, "libsodium cannot start");
        return NULL;
    }
    char key_path[PATH_MAX];
    char pub_path[PATH_MAX];
    if (s_path(key_path, sizeof key_path, dir, HC_PROOF_KEY_FILE, err) != HC_OK ||
        s_path(pub_path, sizeof pub_path, dir, HC_PROOF_PUB_FILE, err) != HC_OK)
        return NULL;
    hc_proof_key *key = calloc(1, sizeof *key);
    if (!key) {
        hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        return NULL;
    }
    int rc = s_key_read(key_path, key, err);
    if (rc == HC_NOT_FOUND) {
        rc = s_key_create(key_path, err);
        if (rc == HC_OK)
            rc = s_key_read(key_path, key, err);
    }
    if (rc == HC_OK) {
        s_key_names(key);
        rc = s_pub_check(pub_path, key, err);
    }
    if (rc != HC_OK)
        hc_proof_key_destroy(&key);
    return key;
}

void hc_proof_key_destroy(hc_proof_key **self_p)
{
    if (!self_p || !*self_p)
        return;
    sodium_memzero(*self_p, sizeof **self_p);
    free(*self_p);
    *self_p = NULL;
}

const char *hc_proof_key_did(const hc_proof_key *self)
{
    assert(self);
    return self->did;
}

const char *hc_proof_key_method(const hc_proof_key *self)
{
    assert(self);
    return self->method;
}

const uint8_t *hc_proof_key_public(const hc_proof_key *self)
{
    assert(self);
    return self->public_key;
}

/* ---- proofs ---- */

/* Two decimal digits at text into *out; false when they are not digits. */
static bool s_two_digits(const char *text, unsigned *out)
{
    if (!isdigit((unsigned char)text[0]) || !isdigit((unsigned char)text[1]))
        return false;
    *out = (unsigned)(text[0] - '0') * 10 + (unsigned)(text[1] - '0');
    return true;
}

/* True for an XML Schema dateTime with a time zone, as RFC 3339 writes it:
   YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm). */
static bool s_datetime_valid(const char *text)
{
    char date[HC_DATE_SIZE];
    unsigned hh, mm, ss, zh, zm;
    if (strlen(text) < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':')
        return false;
    memcpy(date, text, 10);
    date[10] = '\0';
    if (!hc_date_valid(date) || !s_two_digits(text + 11, &hh) || !s_two_digits(text + 14, &mm) ||
        !s_two_digits(text + 17, &ss) || hh > 23 || mm > 59 || ss > 59)
        return false;
    const char *zone = text + 19;
    if (zone[0] == '.' && isdigit((unsigned char)zone[1])) {
        zone++;
        while (isdigit((unsigned char)*zone))
            zone++;
    }
    if (strcmp(zone, "Z") == 0)
        return true;
    return (zone[0] == '+' || zone[0] == '-') && strlen(zone) == 6 && zone[3] == ':' &&
           s_two_digits(zone + 1, &zh) && s_two_digits(zone + 4, &zm) && zh <= 14 && zm <= 59;
}

/* SHA-256 of the JCS text of value into out. */
static int s_hash_jcs(const json_t *value, uint8_t out[crypto_hash_sha256_BYTES], hc_error *err)
{
    char *text = hc_jcs_dump(value, err);
    if (!text)
        return err ? err->code : HC_INVALID_ARGUMENT;
    crypto_hash_sha256(out, (const unsigned char *)text, strlen(text));
    free(text);
    return HC_OK;
}

/* eddsa-jcs-2022 hashData (3.3.4): SHA-256 of the canonical proof
   configuration, then SHA-256 of the canonical unsecured document. */
static int s_hash_data(const json_t *config, const json_t *unsecured, uint8_t out[64],
                       hc_error *err)
{
    int rc = s_hash_jcs(config, out, err);
    return rc != HC_OK ? rc : s_hash_jcs(unsecured, out + 32, err);
}

/* The proof options hc_proof_sign signs: every member but proofValue. */
static json_t *s_proof_options(const json_t *document, const hc_proof_key *key, const char *created)
{
    json_t *proof =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", S_TYPE, "cryptosuite", S_CRYPTOSUITE,
                  "created", created, "verificationMethod", key->method, "proofPurpose", S_PURPOSE);
    json_t *context = json_object_get(document, "@context");
    if (proof && context && json_object_set_new(proof, "@context", json_deep_copy(context)) != 0) {
        json_decref(proof);
        return NULL;
    }
    return proof;
}

int hc_proof_sign(json_t *document, const hc_proof_key *key, const char *created, hc_error *err)
{
    assert(key);
    if (!json_is_object(document))
        return hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "document is not a JSON object");
    if (json_object_get(document, "proof"))
        return hc_error_set(err, HC_FAILED_PRECONDITION, "proof", "document already has a proof");
    if (!created || !s_datetime_valid(created))
        return hc_error_set(err, HC_INVALID_ARGUMENT, "created",
                            "created is not an RFC 3339 date-time: %s",
                            created ? created : "(null)");
    json_t *proof = s_proof_options(document, key, created);
    if (!proof)
        return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory building a proof");
    uint8_t hash[64];
    int rc = s_hash_data(proof, document, hash, err);
    uint8_t signature[crypto_sign_BYTES];
    char value[2 * crypto_sign_BYTES] = "z";
    if (rc == HC_OK) {
        crypto_sign_detached(signature, NULL, hash, sizeof hash, key->secret);
        hc_proof_base58_encode(signature, sizeof signature, value + 1, sizeof value - 1);
        if (json_object_set_new(proof, "proofValue", json_string(value)) != 0 ||
            json_object_set(document, "proof", proof) != 0) {
            json_object_del(document, "proof");
            rc = hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory adding a proof");
        }
    }
    json_decref(proof);
    return rc;
}

/* A failed check: the reason into why, and code. */
static int s_why(char *why, size_t why_size, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_why(char *why, size_t why_size, int code, const char *fmt, ...)
{
    if (why && why_size > 0) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(why, why_size, fmt, args);
        va_end(args);
    }
    return code;
}

/* proof.name as a string, or NULL when absent or not a string. */
static const char *s_text(const json_t *proof, const char *name)
{
    return json_string_value(json_object_get(proof, name));
}

/* Checks the proof's members (types, suite, purpose, created) and decodes
   its key and signature. Returns HC_OK or HC_INVALID_ARGUMENT with why. */
static int s_proof_parse(const json_t *proof, uint8_t public_key[32],
                         uint8_t signature[crypto_sign_BYTES], char *why, size_t why_size)
{
    static const char *required[] = {"type", "cryptosuite", "verificationMethod", "proofPurpose",
                                     "proofValue"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (!s_text(proof, required[i]))
            return s_why(why, why_size, HC_INVALID_ARGUMENT, "proof.%s is missing or not a string",
                         required[i]);
    }
    if (strcmp(s_text(proof, "type"), S_TYPE) != 0)
        return s_why(why, why_size, HC_INVALID_ARGUMENT, "proof.type is not " S_TYPE);
    if (strcmp(s_text(proof, "cryptosuite"), S_CRYPTOSUITE) != 0)
        return s_why(why, why_size, HC_INVALID_ARGUMENT, "proof.cryptosuite is not " S_CRYPTOSUITE);
    if (strcmp(s_text(proof, "proofPurpose"), S_PURPOSE) != 0)
        return s_why(why, why_size, HC_INVALID_ARGUMENT, "proof.proofPurpose is not " S_PURPOSE);
    json_t *created = json_object_get(proof, "created");
    if (created && !(json_is_string(created) && s_datetime_valid(json_string_value(created))))
        return s_why(why, why_size, HC_INVALID_ARGUMENT, "proof.created is not a date-time");
    const char *method = s_text(proof, "verificationMethod");
    if (strncmp(method, S_DID_PREFIX, strlen(S_DID_PREFIX)) != 0 || !strchr(method, '#') ||
        hc_proof_multikey_decode(method, public_key) != 0)
        return s_why(
            why, why_size, HC_INVALID_ARGUMENT,
            "proof.verificationMethod is not a did:key Ed25519 key (did:key:z6Mk...#z6Mk...)");
    const char *value = s_text(proof, "proofValue");
    uint8_t bytes[crypto_sign_BYTES];
    if (value[0] != 'z' ||
        hc_proof_base58_decode(value + 1, strlen(value + 1), bytes, sizeof bytes) != sizeof bytes)
        return s_why(why, why_size, HC_INVALID_ARGUMENT,
                     "proof.proofValue is not a base58btc ('z') 64-byte signature");
    memcpy(signature, bytes, sizeof bytes);
    return HC_OK;
}

/* An @context as a list: an array as it is, anything else as one item. */
static size_t s_context_size(const json_t *context)
{
    return json_is_array(context) ? json_array_size(context) : 1;
}

static const json_t *s_context_item(const json_t *context, size_t i)
{
    return json_is_array(context) ? json_array_get(context, i) : context;
}

/* Verify Proof step 4: the document's @context must start with every value
   of the proof's @context, in order. */
static bool s_context_prefix(const json_t *document_context, const json_t *proof_context)
{
    if (!document_context || s_context_size(proof_context) > s_context_size(document_context))
        return false;
    for (size_t i = 0; i < s_context_size(proof_context); i++) {
        if (!json_equal((json_t *)s_context_item(document_context, i),
                        (json_t *)s_context_item(proof_context, i)))
            return false;
    }
    return true;
}

/* hashData of a secured document: the proof without proofValue as the
   proof configuration, the document without proof (its @context replaced
   by the proof's, when the proof has one) as the unsecured document. */
static int s_secured_hash(const json_t *document, const json_t *proof, uint8_t out[64], char *why,
                          size_t why_size)
{
    json_t *options = json_copy((json_t *)proof);
    json_t *unsecured = json_copy((json_t *)document);
    int rc = options && unsecured ? HC_OK : HC_RESOURCE_EXHAUSTED;
    json_t *context = json_object_get(proof, "@context");
    if (rc == HC_OK) {
        json_object_del(options, "proofValue");
        json_object_del(unsecured, "proof");
        if (context && json_object_set(unsecured, "@context", context) != 0)
            rc = HC_RESOURCE_EXHAUSTED;
    }
    hc_error err = {0};
    if (rc == HC_OK && s_hash_data(options, unsecured, out, &err) != HC_OK)
        rc = s_why(why, why_size, HC_INVALID_ARGUMENT, "document cannot be canonicalized: %s",
                   err.message);
    else if (rc != HC_OK)
        s_why(why, why_size, rc, "out of memory");
    json_decref(options);
    json_decref(unsecured);
    return rc;
}

int hc_proof_verify(const json_t *document, const uint8_t *expected_public_key, char *why,
                    size_t why_size)
{
    s_why(why, why_size, HC_OK, "%s", "");
    if (sodium_init() < 0)
        return s_why(why, why_size, HC_INTERNAL, "libsodium cannot start");
    if (!json_is_object(document))
        return s_why(why, why_size, HC_INVALID_ARGUMENT, "document is not a JSON object");
    const json_t *proof = json_object_get(document, "proof");
    if (json_is_array(proof))
        return s_why(why, why_size, HC_INVALID_ARGUMENT, "proof sets are not supported");
    if (!json_is_object(proof))
        return s_why(why, why_size, HC_INVALID_ARGUMENT, "document has no proof object");
    uint8_t public_key[32];
    uint8_t signature[crypto_sign_BYTES];
    int rc = s_proof_parse(proof, public_key, signature, why, why_size);
    if (rc != HC_OK)
        return rc;
    if (expected_public_key && memcmp(public_key, expected_public_key, 32) != 0)
        return s_why(why, why_size, HC_FAILED_PRECONDITION,
                     "proof.verificationMethod is not the expected key");
    const json_t *context = json_object_get(proof, "@context");
    if (context && !s_context_prefix(json_object_get(document, "@context"), context))
        return s_why(why, why_size, HC_FAILED_PRECONDITION,
                     "document @context does not start with proof.@context");
    uint8_t hash[64];
    rc = s_secured_hash(document, proof, hash, why, why_size);
    if (rc != HC_OK)
        return rc;
    if (crypto_sign_verify_detached(signature, hash, sizeof hash, public_key) != 0)
        return s_why(why, why_size, HC_FAILED_PRECONDITION, "signature does not match");
    return HC_OK;
}

int hc_proof_public_key_read(const char *path, uint8_t out[32], hc_error *err)
{
    assert(path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int code = errno == ENOENT ? HC_NOT_FOUND : HC_UNAVAILABLE;
        return hc_error_set(err, code, path, "cannot open %s: %s", path, strerror(errno));
    }
    char text[512];
    size_t len = 0;
    int rc = s_read_fd(fd, path, text, sizeof text, &len, err);
    close(fd);
    if (rc != HC_OK)
        return rc;
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        text[--len] = '\0';
    size_t start = 0;
    while (start < len && isspace((unsigned char)text[start]))
        start++;
    /* strlen differs from len when the file holds a NUL byte */
    if (strlen(text) != len || hc_proof_multikey_decode(text + start, out) != 0)
        return hc_error_set(err, HC_INVALID_ARGUMENT, path,
                            "%s holds no Ed25519 multikey or did:key (z6Mk...)", path);
    return HC_OK;
}
