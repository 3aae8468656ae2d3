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
