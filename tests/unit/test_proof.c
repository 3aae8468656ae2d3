/* Tests for hc_proof: key files (modes, reload, refusals, concurrent first
   start), the eddsa-jcs-2022 test vector of the W3C Recommendation, sign and
   verify, tampering, an independent hashData check, malformed proofs. */
#include "hc_jcs.h"
#include "hc_proof.h"
#include "ht_os.h"
#include <criterion/criterion.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *dir;
static char key_path[256];
static char pub_path[256];

static void s_setup(void)
{
    cr_assert_eq(sodium_init() >= 0, 1);
    dir = ht_tempdir();
    cr_assert_not_null(dir);
    snprintf(key_path, sizeof key_path, "%s/signing.key", dir);
    snprintf(pub_path, sizeof pub_path, "%s/signing.pub", dir);
}

static void s_teardown(void)
{
    ht_rmtree(dir);
    free(dir);
}

TestSuite(proof, .init = s_setup, .fini = s_teardown);

static hc_proof_key *s_key(void)
{
    hc_error err = {0};
    hc_proof_key *key = hc_proof_key_load_or_create(dir, &err);
    cr_assert_not_null(key, "load_or_create: %s", err.message);
    return key;
}

static mode_t s_mode(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s missing", path);
    return st.st_mode & 07777;
}

static void s_write(const char *path, const char *text, mode_t mode)
{
    cr_assert_eq(ht_write_file(path, text, strlen(text)), 0);
    cr_assert_eq(chmod(path, mode), 0);
}

static json_t *s_parse(const char *text)
{
    json_error_t jerr;
    json_t *value = json_loads(text, 0, &jerr);
    cr_assert_not_null(value, "bad test JSON: %s", jerr.text);
    return value;
}

/* ---- key files ---- */

Test(proof, first_start_creates_private_key_and_public_multikey)
{
    mode_t old = umask(0); /* the modes must not depend on the umask */
    hc_proof_key *key = s_key();
    umask(old);
    cr_expect_eq(s_mode(key_path), 0600);
    cr_expect_eq(s_mode(pub_path), 0644);

    const char *did = hc_proof_key_did(key);
    cr_expect_eq(strncmp(did, "did:key:z6Mk", 12), 0, "%s", did);
    char method[256];
    snprintf(method, sizeof method, "%s#%s", did, did + 8);
    cr_expect_str_eq(hc_proof_key_method(key), method);

    char *pub = ht_read_file(pub_path, NULL);
    char expected[128];
    snprintf(expected, sizeof expected, "%s\n", did + 8);
    cr_expect_str_eq(pub, expected);
    free(pub);

    /* the key file is the seed in hex; it derives the same public key */
    size_t size = 0;
    char *hex = ht_read_file(key_path, &size);
    cr_assert_eq(size, 65);
    cr_expect_eq(hex[64], '\n');
    uint8_t seed[32], pk[32], sk[64];
    cr_assert_eq(sodium_hex2bin(seed, 32, hex, 64, NULL, NULL, NULL), 0);
    crypto_sign_seed_keypair(pk, sk, seed);
    cr_expect_eq(memcmp(pk, hc_proof_key_public(key), 32), 0);
    free(hex);

    uint8_t read_back[32];
    hc_error err = {0};
    cr_expect_eq(hc_proof_public_key_read(pub_path, read_back, &err), HC_OK, "%s", err.message);
    cr_expect_eq(memcmp(read_back, pk, 32), 0);
    hc_proof_key_destroy(&key);
    cr_expect_null(key);
    hc_proof_key_destroy(&key);
    hc_proof_key_destroy(NULL);
}

Test(proof, second_start_loads_the_same_key)
{
    hc_proof_key *first = s_key();
    char *key_text = ht_read_file(key_path, NULL);
    hc_proof_key *second = s_key();
    cr_expect_str_eq(hc_proof_key_did(first), hc_proof_key_did(second));
    char *again = ht_read_file(key_path, NULL);
    cr_expect_str_eq(key_text, again, "the key file is not rewritten");
    free(key_text);
    free(again);
    hc_proof_key_destroy(&first);
    hc_proof_key_destroy(&second);
}

/* A key file others can read is an error naming it, and stays as it is. */
Test(proof, group_readable_key_refused)
{
    hc_proof_key *key = s_key();
    hc_proof_key_destroy(&key);
    char *before = ht_read_file(key_path, NULL);
    cr_assert_eq(chmod(key_path, 0644), 0);
    hc_error err = {0};
    cr_expect_null(hc_proof_key_load_or_create(dir, &err));
    cr_expect_eq(err.code, HC_PERMISSION_DENIED);
    cr_expect(strstr(err.field, "signing.key") != NULL, "field: %s", err.field);
    cr_expect(strstr(err.message, "0644") != NULL, "%s", err.message);
    char *after = ht_read_file(key_path, NULL);
    cr_expect_str_eq(before, after);
    cr_expect_eq(s_mode(key_path), 0644);
    free(before);
    free(after);
}

Test(proof, malformed_key_files_refused_not_replaced)
{
    static const char *bad[] = {
        "0123456789abcdef0123456789abcdef01234567\n", /* truncated */
        "",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n", /* not hex */
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\n",
        " 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_write(key_path, bad[i], 0600);
        hc_error err = {0};
        cr_expect_null(hc_proof_key_load_or_create(dir, &err), "case %zu", i);
        cr_expect_eq(err.code, HC_INVALID_ARGUMENT, "case %zu", i);
        cr_expect(strstr(err.field, "signing.key") != NULL, "field: %s", err.field);
        char *after = ht_read_file(key_path, NULL);
        cr_expect_str_eq(after, bad[i], "case %zu: the file was replaced", i);
        free(after);
    }
}

Test(proof, public_file_of_another_key_refused)
{
    hc_proof_key *other = s_key();
    char other_pub[128];
    snprintf(other_pub, sizeof other_pub, "%s\n", hc_proof_key_did(other) + 8);
    hc_proof_key_destroy(&other);
    unlink(key_path); /* a new key, with the old key's signing.pub left */
    hc_error err = {0};
    cr_expect_null(hc_proof_key_load_or_create(dir, &err));
    cr_expect_eq(err.code, HC_INVALID_ARGUMENT);
    cr_expect(strstr(err.field, "signing.pub") != NULL, "field: %s", err.field);
    cr_expect(strstr(err.message, "another key") != NULL, "%s", err.message);

    s_write(pub_path, "not a key\n", 0644);
    cr_expect_null(hc_proof_key_load_or_create(dir, &err));
    cr_expect(strstr(err.field, "signing.pub") != NULL, "field: %s", err.field);
}

Test(proof, missing_public_file_written_again)
{
    hc_proof_key *key = s_key();
    char *pub = ht_read_file(pub_path, NULL);
    hc_proof_key_destroy(&key);
    cr_assert_eq(unlink(pub_path), 0);
    key = s_key();
    char *again = ht_read_file(pub_path, NULL);
    cr_expect_str_eq(pub, again);
    cr_expect_eq(s_mode(pub_path), 0644);
    free(pub);
    free(again);
    hc_proof_key_destroy(&key);
}

/* Processes starting at once on an empty directory all end with one key. */
Test(proof, concurrent_first_start_agrees_on_one_key)
{
    enum { N = 6 };
    int gate[2], results[2];
    cr_assert_eq(pipe(gate), 0);
    cr_assert_eq(pipe(results), 0);
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        cr_assert_geq(pids[i], 0);
        if (pids[i] == 0) {
            close(gate[1]);
            char c;
            (void)!read(gate[0], &c, 1); /* returns when the parent closes the gate */
            hc_error err = {0};
            hc_proof_key *key = hc_proof_key_load_or_create(dir, &err);
            char line[128] = {0};
            snprintf(line, sizeof line, "%.100s", key ? hc_proof_key_did(key) : err.message);
            (void)!write(results[1], line, sizeof line);
            hc_proof_key_destroy(&key);
            _exit(0);
        }
    }
    close(gate[0]);
    close(gate[1]);
    close(results[1]);
    char first[128] = {0};
    for (int i = 0; i < N; i++) {
        char line[128];
        cr_assert_eq(read(results[0], line, sizeof line), (ssize_t)sizeof line);
        cr_expect_eq(strncmp(line, "did:key:z6Mk", 12), 0, "child failed: %s", line);
        if (i == 0)
            memcpy(first, line, sizeof line);
        cr_expect_str_eq(line, first);
    }
    close(results[0]);
    for (int i = 0; i < N; i++)
        cr_expect_eq(ht_wait_pid(pids[i], 10000), 0);
    hc_proof_key *key = s_key();
    cr_expect_str_eq(hc_proof_key_did(key), first);
    hc_proof_key_destroy(&key);
    cr_expect_eq(s_mode(key_path), 0600);
    DIR *listing = opendir(dir);
    int entries = 0;
    for (struct dirent *entry; (entry = readdir(listing));)
        entries += entry->d_name[0] != '.';
    closedir(listing);
    cr_expect_eq(entries, 2, "only signing.key and signing.pub remain");
}

/* ---- the W3C test vector ---- */

/* Data Integrity EdDSA Cryptosuites v1.0 (W3C Recommendation), appendix
   B.3 "Representation: eddsa-jcs-2022": key pair, credential, canonical
   forms, and the signed credential. */
static const char *s_vector_secret = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";
static const char *s_vector_did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
static const char *s_vector_credential =
    "{\"@context\": [\"https://www.w3.org/ns/credentials/v2\","
    " \"https://www.w3.org/ns/credentials/examples/v2\"],"
    " \"id\": \"urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33\","
    " \"type\": [\"VerifiableCredential\", \"AlumniCredential\"],"
    " \"name\": \"Alumni Credential\","
    " \"description\": \"A minimum viable example of an Alumni Credential.\","
    " \"issuer\": \"https://vc.example/issuers/5678\","
    " \"validFrom\": \"2023-01-01T00:00:00Z\","
    " \"credentialSubject\": {\"id\": \"did:example:abcdefgh\","
    " \"alumniOf\": \"The School of Examples\"}}";
static const char *s_vector_canonical =
    "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\",\"https://www.w3.org/ns/credentials/"
    "examples/v2\"],\"credentialSubject\":{\"alumniOf\":\"The School of Examples\",\"id\":\"did:"
    "example:abcdefgh\"},\"description\":\"A minimum viable example of an Alumni Credential.\","
    "\"id\":\"urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33\",\"issuer\":\"https://vc.example/"
    "issuers/5678\",\"name\":\"Alumni Credential\",\"type\":[\"VerifiableCredential\","
    "\"AlumniCredential\"],\"validFrom\":\"2023-01-01T00:00:00Z\"}";
static const char *s_vector_proof_canonical =
    "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\",\"https://www.w3.org/ns/credentials/"
    "examples/v2\"],\"created\":\"2023-02-24T23:36:38Z\",\"cryptosuite\":\"eddsa-jcs-2022\","
    "\"proofPurpose\":\"assertionMethod\",\"type\":\"DataIntegrityProof\",\"verificationMethod\":"
    "\"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#"
    "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\"}";
static const char *s_vector_doc_hash =
    "59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19";
static const char *s_vector_proof_hash =
    "66ab154f5c2890a140cb8388a22a160454f80575f6eae09e5a097cabe539a1db";
static const char *s_vector_proof_value =
    "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCz"
    "pvJpwTWd3GAVFuUfjoJdcnTMuVor51aX";
static const char *s_vector_signed =
    "{\"@context\": [\"https://www.w3.org/ns/credentials/v2\","
    " \"https://www.w3.org/ns/credentials/examples/v2\"],"
    " \"id\": \"urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33\","
    " \"type\": [\"VerifiableCredential\", \"AlumniCredential\"],"
    " \"name\": \"Alumni Credential\","
    " \"description\": \"A minimum viable example of an Alumni Credential.\","
    " \"issuer\": \"https://vc.example/issuers/5678\","
    " \"validFrom\": \"2023-01-01T00:00:00Z\","
    " \"credentialSubject\": {\"id\": \"did:example:abcdefgh\","
    " \"alumniOf\": \"The School of Examples\"},"
    " \"proof\": {\"type\": \"DataIntegrityProof\", \"cryptosuite\": \"eddsa-jcs-2022\","
    " \"created\": \"2023-02-24T23:36:38Z\","
    " \"verificationMethod\": \"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#"
    "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\","
    " \"proofPurpose\": \"assertionMethod\","
    " \"@context\": [\"https://www.w3.org/ns/credentials/v2\","
    " \"https://www.w3.org/ns/credentials/examples/v2\"],"
    " \"proofValue\": \"z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjo"
    "JdcnTMuVor51aX\"}}";

static void s_expect_sha256(const char *text, const char *hex)
{
    uint8_t hash[32];
    char got[65];
    crypto_hash_sha256(hash, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(got, sizeof got, hash, sizeof hash);
    cr_expect_str_eq(got, hex);
}

/* Installs the vector's secret key (multicodec ed25519-priv 0x80 0x26 and
   the 32-byte seed) as signing.key. */
static hc_proof_key *s_vector_key(void)
{
    uint8_t secret[34];
    cr_assert_eq(hc_proof_base58_decode(s_vector_secret + 1, strlen(s_vector_secret) - 1, secret,
                                        sizeof secret),
                 34);
    cr_assert(secret[0] == 0x80 && secret[1] == 0x26);
    char hex[66];
    sodium_bin2hex(hex, 65, secret + 2, 32);
    strcat(hex, "\n");
    s_write(key_path, hex, 0600);
    return s_key();
}

Test(proof, w3c_vector_key_names)
{
    hc_proof_key *key = s_vector_key();
    cr_expect_str_eq(hc_proof_key_did(key), s_vector_did);
    char method[128];
    snprintf(method, sizeof method, "%s#%s", s_vector_did, s_vector_did + 8);
    cr_expect_str_eq(hc_proof_key_method(key), method);
    hc_proof_key_destroy(&key);
}

Test(proof, w3c_vector_canonical_forms_and_hashes)
{
    json_t *credential = s_parse(s_vector_credential);
    char *canonical = hc_jcs_dump(credential, NULL);
    cr_expect_str_eq(canonical, s_vector_canonical);
    s_expect_sha256(canonical, s_vector_doc_hash);
    s_expect_sha256(s_vector_proof_canonical, s_vector_proof_hash);
    free(canonical);
    json_decref(credential);
}

/* Signing the vector's credential with its key and created time gives the
   Recommendation's signed credential, member for member. */
Test(proof, w3c_vector_sign_reproduces_signed_credential)
{
    hc_proof_key *key = s_vector_key();
    json_t *credential = s_parse(s_vector_credential);
    hc_error err = {0};
    cr_assert_eq(hc_proof_sign(credential, key, "2023-02-24T23:36:38Z", &err), HC_OK, "%s",
                 err.message);
    json_t *proof = json_object_get(credential, "proof");
    cr_expect_str_eq(json_string_value(json_object_get(proof, "proofValue")), s_vector_proof_value);
    json_t *expected = s_parse(s_vector_signed);
    cr_expect(json_equal(credential, expected), "signed credential differs from the vector");
    json_decref(expected);
    json_decref(credential);
    hc_proof_key_destroy(&key);
}

Test(proof, w3c_vector_signed_credential_verifies)
{
    json_t *signed_doc = s_parse(s_vector_signed);
    uint8_t public_key[32];
    cr_assert_eq(hc_proof_multikey_decode(s_vector_did, public_key), 0);
    char why[256];
    cr_expect_eq(hc_proof_verify(signed_doc, NULL, why, sizeof why), HC_OK, "%s", why);
    cr_expect_eq(hc_proof_verify(signed_doc, public_key, why, sizeof why), HC_OK, "%s", why);
    cr_expect_str_eq(why, "");

    /* proof.@context must prefix the document's */
    json_t *proof = json_object_get(signed_doc, "proof");
    json_array_set_new(json_object_get(proof, "@context"), 1, json_string("https://other"));
    cr_expect_eq(hc_proof_verify(signed_doc, NULL, why, sizeof why), HC_FAILED_PRECONDITION);
    cr_expect(strstr(why, "@context") != NULL, "%s", why);
    json_decref(signed_doc);
}

/* ---- signing and verifying a badge ---- */

static json_t *s_badge(void)
{
    return s_parse(
        "{\"@context\": [\"https://www.w3.org/ns/credentials/v2\","
        " \"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"],"
        " \"id\": \"urn:uuid:0b6cdc2e-5b2f-4a9e-9a53-3c1f8d7e2a10\","
        " \"type\": [\"VerifiableCredential\", \"OpenBadgeCredential\"],"
        " \"issuer\": {\"id\": \"did:key:z6MkissuerPlaceholder\", \"type\": [\"Profile\"],"
        " \"name\": \"Healthcare Training Fund\"},"
        " \"validFrom\": \"2026-11-22T15:56:01Z\","
        " \"name\": \"Phlebotomy Certificate\","
        " \"credentialSubject\": {\"id\": \"urn:uuid:7d1c0f2e-1111-4c3b-8e8e-222233334444\","
        " \"type\": [\"AchievementSubject\"],"
        " \"achievement\": {\"id\": \"urn:uuid:5a5a5a5a-0000-4000-8000-000000000001\","
        " \"type\": [\"Achievement\"], \"name\": \"Phlebotomy\","
        " \"criteria\": {\"narrative\": \"Completed 120 hours and the clinical exam.\"}}}}");
}

static json_t *s_signed_badge(const hc_proof_key *key)
{
    json_t *badge = s_badge();
    hc_error err = {0};
    cr_assert_eq(hc_proof_sign(badge, key, "2026-11-22T15:56:01Z", &err), HC_OK, "%s", err.message);
    return badge;
}

static int s_verify(const json_t *doc, const uint8_t *expected, char *why)
{
    return hc_proof_verify(doc, expected, why, 256);
}

Test(proof, sign_then_verify_open_badge)
{
    hc_proof_key *key = s_key();
    json_t *badge = s_signed_badge(key);
    json_t *proof = json_object_get(badge, "proof");
    cr_expect_str_eq(json_string_value(json_object_get(proof, "type")), "DataIntegrityProof");
    cr_expect_str_eq(json_string_value(json_object_get(proof, "cryptosuite")), "eddsa-jcs-2022");
    cr_expect_str_eq(json_string_value(json_object_get(proof, "created")), "2026-11-22T15:56:01Z");
    cr_expect_str_eq(json_string_value(json_object_get(proof, "verificationMethod")),
                     hc_proof_key_method(key));
    cr_expect_str_eq(json_string_value(json_object_get(proof, "proofPurpose")), "assertionMethod");
    cr_expect(json_equal(json_object_get(proof, "@context"), json_object_get(badge, "@context")));
    cr_expect_eq(json_object_size(proof), 7);
    const char *value = json_string_value(json_object_get(proof, "proofValue"));
    uint8_t signature[80];
    cr_expect_eq(value[0], 'z');
    cr_expect_eq(hc_proof_base58_decode(value + 1, strlen(value + 1), signature, sizeof signature),
                 64);

    char why[256];
    cr_expect_eq(s_verify(badge, NULL, why), HC_OK, "%s", why);
    cr_expect_eq(s_verify(badge, hc_proof_key_public(key), why), HC_OK, "%s", why);
    json_decref(badge);
    hc_proof_key_destroy(&key);
}

/* Changing one letter of any value, or one character of proofValue, breaks
   the proof. */
Test(proof, one_changed_byte_fails)
{
    hc_proof_key *key = s_key();
    json_t *badge = s_signed_badge(key);
    char why[256];
    json_t *achievement =
        json_object_get(json_object_get(badge, "credentialSubject"), "achievement");
    json_object_set_new(achievement, "name", json_string("Phlebotomz"));
    cr_expect_eq(s_verify(badge, NULL, why), HC_FAILED_PRECONDITION);
    cr_expect_str_eq(why, "signature does not match");
    json_object_set_new(achievement, "name", json_string("Phlebotomy"));
    cr_expect_eq(s_verify(badge, NULL, why), HC_OK, "restored: %s", why);

    json_t *proof = json_object_get(badge, "proof");
    char value[128];
    snprintf(value, sizeof value, "%s", json_string_value(json_object_get(proof, "proofValue")));
    size_t last = strlen(value) - 1;
    char saved = value[last];
    value[last] = value[last] == '2' ? '3' : '2';
    json_object_set_new(proof, "proofValue", json_string(value));
    cr_expect_eq(s_verify(badge, NULL, why), HC_FAILED_PRECONDITION);
    value[last] = saved;
    json_object_set_new(proof, "proofValue", json_string(value));

    json_object_set_new(proof, "created", json_string("2026-11-22T15:56:02Z"));
    cr_expect_eq(s_verify(badge, NULL, why), HC_FAILED_PRECONDITION, "created is signed");
    json_object_set_new(proof, "created", json_string("2026-11-22T15:56:01Z"));

    json_object_set_new(badge, "extra", json_true());
    cr_expect_eq(s_verify(badge, NULL, why), HC_FAILED_PRECONDITION, "added member");
    json_object_del(badge, "extra");
    json_object_del(proof, "@context");
    cr_expect_eq(s_verify(badge, NULL, why), HC_FAILED_PRECONDITION, "proof.@context is signed");
    json_decref(badge);
    hc_proof_key_destroy(&key);
}

/* A proof made (validly) by another key is refused when the caller expects
   this node's key; claiming this node's key on it breaks the signature. */
Test(proof, other_key_refused_when_expected)
{
    hc_proof_key *ours = s_key();
    char other_dir[300];
    snprintf(other_dir, sizeof other_dir, "%s/other", dir);
    cr_assert_eq(mkdir(other_dir, 0700), 0);
    hc_error err = {0};
    hc_proof_key *theirs = hc_proof_key_load_or_create(other_dir, &err);
    cr_assert_not_null(theirs, "%s", err.message);
    cr_expect_str_neq(hc_proof_key_did(theirs), hc_proof_key_did(ours));

    json_t *badge = s_signed_badge(theirs);
    char why[256];
    cr_expect_eq(s_verify(badge, NULL, why), HC_OK, "%s", why);
    cr_expect_eq(s_verify(badge, hc_proof_key_public(ours), why), HC_FAILED_PRECONDITION);
    cr_expect(strstr(why, "expected key") != NULL, "%s", why);

    json_t *proof = json_object_get(badge, "proof");
    json_object_set_new(proof, "verificationMethod", json_string(hc_proof_key_method(ours)));
    cr_expect_eq(s_verify(badge, hc_proof_key_public(ours), why), HC_FAILED_PRECONDITION);
    cr_expect_str_eq(why, "signature does not match");
    json_decref(badge);
    hc_proof_key_destroy(&ours);
    hc_proof_key_destroy(&theirs);
}

/* hashData recomputed without hc_jcs: for ASCII documents without reals,
   jansson's compact sorted dump is the JCS text. */
Test(proof, independent_hash_data_check)
{
    hc_proof_key *key = s_key();
    json_t *badge = s_signed_badge(key);
    json_t *options = json_deep_copy(json_object_get(badge, "proof"));
    char value[128];
    snprintf(value, sizeof value, "%s", json_string_value(json_object_get(options, "proofValue")));
    json_object_del(options, "proofValue");
    json_t *unsecured = json_deep_copy(badge);
    json_object_del(unsecured, "proof");
    char *options_text = json_dumps(options, JSON_COMPACT | JSON_SORT_KEYS);
    char *doc_text = json_dumps(unsecured, JSON_COMPACT | JSON_SORT_KEYS);
    uint8_t hash[64];
    crypto_hash_sha256(hash, (const unsigned char *)options_text, strlen(options_text));
    crypto_hash_sha256(hash + 32, (const unsigned char *)doc_text, strlen(doc_text));
    uint8_t signature[64];
    cr_assert_eq(hc_proof_base58_decode(value + 1, strlen(value + 1), signature, 64), 64);
    cr_expect_eq(crypto_sign_verify_detached(signature, hash, 64, hc_proof_key_public(key)), 0);
    hash[0] ^= 1;
    cr_expect_neq(crypto_sign_verify_detached(signature, hash, 64, hc_proof_key_public(key)), 0);
    free(options_text);
    free(doc_text);
    json_decref(options);
    json_decref(unsecured);
    json_decref(badge);
    hc_proof_key_destroy(&key);
}

Test(proof, sign_refusals_leave_document_unchanged)
{
    hc_proof_key *key = s_key();
    json_t *badge = s_signed_badge(key);
    json_t *before = json_deep_copy(badge);
    hc_error err = {0};
    cr_expect_eq(hc_proof_sign(badge, key, "2026-11-22T15:56:01Z", &err), HC_FAILED_PRECONDITION);
    cr_expect(json_equal(badge, before));
    json_decref(before);
    json_decref(badge);

    static const char *bad_times[] = {"yesterday",
                                      "2026-13-01T00:00:00Z",
                                      "2026-11-22 15:56:01Z",
                                      "2026-11-22T24:00:00Z",
                                      "2026-11-22T15:56:01",
                                      "2026-11-22T15:56:01+5:00",
                                      "2026-02-30T00:00:00Z",
                                      ""};
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
        json_t *doc = s_badge();
        hc_error_clear(&err);
        cr_expect_eq(hc_proof_sign(doc, key, bad_times[i], &err), HC_INVALID_ARGUMENT, "%s",
                     bad_times[i]);
        cr_expect_str_eq(err.field, "created");
        cr_expect_null(json_object_get(doc, "proof"));
        json_decref(doc);
    }
    json_t *doc = s_badge();
    cr_expect_eq(hc_proof_sign(doc, key, NULL, &err), HC_INVALID_ARGUMENT);
    cr_expect_eq(hc_proof_sign(doc, key, "2026-11-22T15:56:01.123+01:00", &err), HC_OK, "%s",
                 err.message);
    json_decref(doc);

    doc = s_badge();
    json_object_set_new(doc, "name", json_stringn_nocheck("bad\xff", 4));
    cr_expect_eq(hc_proof_sign(doc, key, "2026-11-22T15:56:01Z", &err), HC_INVALID_ARGUMENT);
    cr_expect_str_eq(err.field, "name");
    cr_expect_null(json_object_get(doc, "proof"));
    json_decref(doc);

    json_t *array = json_array();
    cr_expect_eq(hc_proof_sign(array, key, "2026-11-22T15:56:01Z", &err), HC_INVALID_ARGUMENT);
    json_decref(array);
    hc_proof_key_destroy(&key);
}

/* Each mutation of a good proof is refused with a reason, never a crash. */
Test(proof, malformed_proofs_refused)
{
    hc_proof_key *key = s_key();
    json_t *good = s_signed_badge(key);
    static const struct {
        const char *member;
        const char *json; /* NULL: delete the member */
        const char *why;  /* expected prefix of the reason */
    } cases[] = {
        {"type", "\"Ed25519Signature2020\"", "proof.type is not DataIntegrityProof"},
        {"type", "7", "proof.type is missing"},
        {"cryptosuite", "\"eddsa-rdfc-2022\"", "proof.cryptosuite is not eddsa-jcs-2022"},
        {"cryptosuite", NULL, "proof.cryptosuite is missing"},
        {"proofPurpose", "\"authentication\"", "proof.proofPurpose is not assertionMethod"},
        {"created", "\"not a time\"", "proof.created is not a date-time"},
        {"created", "[]", "proof.created is not a date-time"},
        {"proofValue", NULL, "proof.proofValue is missing"},
        {"proofValue", "\"\"", "proof.proofValue is not"},
        {"proofValue", "\"z\"", "proof.proofValue is not"},
        {"proofValue", "\"u2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHX\"",
         "proof.proofValue is not"},
        {"proofValue", "\"z0OIl\"", "proof.proofValue is not"},
        {"proofValue", "\"z2HnFSSPPBzR36zdDgK8Pb\"", "proof.proofValue is not"},
        {"proofValue",
         "\"z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51"
         "aX2HnFSSPPBzR\"",
         "proof.proofValue is not"},
        {"verificationMethod", "\"https://issuer.example/keys/1\"", "proof.verificationMethod"},
        {"verificationMethod", "\"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\"",
         "proof.verificationMethod"},
        {"verificationMethod",
         "\"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#"
         "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK\"",
         "proof.verificationMethod"},
        {"verificationMethod",
         "\"did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme#"
         "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme\"",
         "proof.verificationMethod"},
        {"verificationMethod", "\"did:key:z6Mk#z6Mk\"", "proof.verificationMethod"},
        {"verificationMethod", "\"did:key:#\"", "proof.verificationMethod"},
        {"verificationMethod", "null", "proof.verificationMethod is missing"},
        {"@context", "\"https://www.w3.org/ns/credentials/v2\"", "signature does not match"},
        {"@context", "[1, 2, 3]", "document @context does not start"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *doc = json_deep_copy(good);
        json_t *proof = json_object_get(doc, "proof");
        if (cases[i].json)
            json_object_set_new(proof, cases[i].member,
                                json_loads(cases[i].json, JSON_DECODE_ANY, NULL));
        else
            json_object_del(proof, cases[i].member);
        char why[256] = "";
        int rc = s_verify(doc, NULL, why);
        cr_expect_neq(rc, HC_OK, "case %zu", i);
        cr_expect_eq(strncmp(why, cases[i].why, strlen(cases[i].why)), 0, "case %zu: %s", i, why);
        cr_expect_eq(hc_proof_verify(doc, NULL, NULL, 0), rc, "why may be NULL");
        json_decref(doc);
    }
    json_decref(good);
    hc_proof_key_destroy(&key);
}

Test(proof, documents_without_usable_proof_refused)
{
    static const char *docs[] = {"{}",
                                 "{\"proof\": \"z123\"}",
                                 "{\"proof\": []}",
                                 "{\"proof\": [{\"type\": \"DataIntegrityProof\"}]}",
                                 "{\"proof\": {}}",
                                 "{\"proof\": null}"};
    static const char *whys[] = {"document has no proof",        "document has no proof",
                                 "proof sets are not supported", "proof sets are not supported",
                                 "proof.type is missing",        "document has no proof"};
    char why[256];
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_t *doc = s_parse(docs[i]);
        cr_expect_eq(s_verify(doc, NULL, why), HC_INVALID_ARGUMENT, "%s", docs[i]);
        cr_expect_eq(strncmp(why, whys[i], strlen(whys[i])), 0, "%s: %s", docs[i], why);
        json_decref(doc);
    }
    cr_expect_eq(s_verify(NULL, NULL, why), HC_INVALID_ARGUMENT);
    json_t *array = json_array();
    cr_expect_eq(s_verify(array, NULL, why), HC_INVALID_ARGUMENT);
    cr_expect_str_eq(why, "document is not a JSON object");
    json_decref(array);
    char tiny[8];
    json_t *doc = s_parse("{}");
    cr_expect_eq(hc_proof_verify(doc, NULL, tiny, sizeof tiny), HC_INVALID_ARGUMENT);
    cr_expect_str_eq(tiny, "documen", "why is cut to its size");
    json_decref(doc);
}

/* ---- base58, multikeys, public key files ---- */

Test(proof, base58_known_values_and_round_trips)
{
    char text[128];
    cr_expect_eq(hc_proof_base58_encode((const uint8_t *)"Hello World!", 12, text, sizeof text),
                 17);
    cr_expect_str_eq(text, "2NEpo7TZRRrLZSi2U");
    const char *fox = "The quick brown fox jumps over the lazy dog.";
    hc_proof_base58_encode((const uint8_t *)fox, strlen(fox), text, sizeof text);
    cr_expect_str_eq(text, "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z");
    const uint8_t zeros[] = {0, 0, 0x28, 0x7f, 0xb4, 0xcd};
    hc_proof_base58_encode(zeros, sizeof zeros, text, sizeof text);
    cr_expect_str_eq(text, "11233QC4");
    uint8_t back[64];
    cr_expect_eq(hc_proof_base58_decode("11233QC4", 8, back, sizeof back), 6);
    cr_expect_eq(memcmp(back, zeros, 6), 0);
    cr_expect_eq(hc_proof_base58_encode(zeros, sizeof zeros, text, 8), 0, "no room for the NUL");

    for (size_t len = 1; len <= 64; len++) {
        uint8_t data[64];
        randombytes_buf(data, len);
        if (len % 3 == 0)
            data[0] = 0;
        size_t n = hc_proof_base58_encode(data, len, text, sizeof text);
        cr_assert_gt(n, 0);
        cr_expect_eq(hc_proof_base58_decode(text, n, back, sizeof back), (int)len);
        cr_expect_eq(memcmp(back, data, len), 0, "length %zu", len);
    }
    cr_expect_eq(hc_proof_base58_decode("0", 1, back, sizeof back), -1);
    cr_expect_eq(hc_proof_base58_decode("abcI", 4, back, sizeof back), -1);
    cr_expect_eq(hc_proof_base58_decode("", 0, back, sizeof back), -1);
    cr_expect_eq(hc_proof_base58_decode("zzzzzzzzzz", 10, back, 4), -1, "too long for out");
}

Test(proof, multikey_forms)
{
    uint8_t key[32], again[32];
    const char *mk = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    cr_assert_eq(hc_proof_multikey_decode(mk, key), 0);
    char text[HC_PROOF_MULTIKEY_SIZE];
    hc_proof_multikey_encode(key, text);
    cr_expect_str_eq(text, mk);
    cr_expect_eq(hc_proof_multikey_decode(s_vector_did, again), 0);
    cr_expect_eq(memcmp(key, again, 32), 0);
    cr_expect_eq(
        hc_proof_multikey_decode("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#"
                                 "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
                                 again),
        0);
    cr_expect_eq(hc_proof_multikey_decode("6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", again),
                 -1);
    cr_expect_eq(hc_proof_multikey_decode(NULL, again), -1);
    cr_expect_eq(hc_proof_multikey_decode("", again), -1);
    cr_expect_eq(hc_proof_multikey_decode("did:key:", again), -1);
}

Test(proof, public_key_read_forms)
{
    char path[300];
    snprintf(path, sizeof path, "%s/issuer.txt", dir);
    uint8_t expected[32], key[32];
    cr_assert_eq(hc_proof_multikey_decode(s_vector_did, expected), 0);
    static const char *good[] = {"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\n",
                                 "  did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2  \n\n",
                                 "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#"
                                 "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"};
    hc_error err = {0};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        s_write(path, good[i], 0644);
        memset(key, 0, sizeof key);
        cr_expect_eq(hc_proof_public_key_read(path, key, &err), HC_OK, "%s", err.message);
        cr_expect_eq(memcmp(key, expected, 32), 0, "case %zu", i);
    }
    s_write(path, "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2 extra\n", 0644);
    cr_expect_eq(hc_proof_public_key_read(path, key, &err), HC_INVALID_ARGUMENT);
    cr_expect_str_eq(err.field, path);
    s_write(path, "", 0644);
    cr_expect_eq(hc_proof_public_key_read(path, key, &err), HC_INVALID_ARGUMENT);
    cr_expect_eq(ht_write_file(path, "z6Mk\0rest", 9), 0);
    cr_expect_eq(hc_proof_public_key_read(path, key, &err), HC_INVALID_ARGUMENT);
    unlink(path);
    cr_expect_eq(hc_proof_public_key_read(path, key, &err), HC_NOT_FOUND);
}
