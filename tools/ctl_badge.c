/* ctl_badge: `hcapctl credentials verify-badge`: checks a saved Open Badges
   3.0 credential's Data Integrity proof offline, against an issuer key. */
#include <string.h>
#include "ctl.h"
#include "hc_proof.h"

#define S_WHY_SIZE 256

static const char *s_str(json_t *root, const char *a, const char *b, const char *c)
{
    json_t *node = json_object_get(root, a);
    if (b)
        node = json_object_get(node, b);
    if (c)
        node = json_object_get(node, c);
    return json_string_value(node);
}

/* One line about what the proof vouches for: the achievement, its issuer,
   the holder's id, the dates and the signing key. */
static void s_print_valid(FILE *out, json_t *doc)
{
    const char *achievement = s_str(doc, "credentialSubject", "achievement", "name");
    const char *issuer = s_str(doc, "issuer", "name", NULL);
    const char *from = s_str(doc, "validFrom", NULL, NULL);
    const char *until = s_str(doc, "validUntil", NULL, NULL);
    const char *method = s_str(doc, "proof", "verificationMethod", NULL);
    fprintf(out, "valid: %s", achievement ? achievement : "credential");
    if (issuer)
        fprintf(out, ", issued by %s", issuer);
    if (from)
        fprintf(out, ", from %s", from);
    if (until)
        fprintf(out, " until %s", until);
    if (method) {
        size_t len = strcspn(method, "#");
        fprintf(out, ", signed by %.*s", (int)len, method);
    }
    fputc('\n', out);
}

int ctl_verify_badge(const char *path, const char *key_path, FILE *out)
{
    uint8_t key[32];
    hc_error err;
    hc_error_clear(&err);
    if (key_path && hc_proof_public_key_read(key_path, key, &err) != HC_OK) {
        ctl_print_error(&err);
        return 1;
    }
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        fprintf(stderr, "hcapctl: invalid badge: %s: %s (line %d)\n", path, jerr.text, jerr.line);
        return 1;
    }
    char why[S_WHY_SIZE] = "";
    int rc = hc_proof_verify(doc, key_path ? key : NULL, why, sizeof why);
    if (rc == HC_OK)
        s_print_valid(out, doc);
    else
        fprintf(stderr, "hcapctl: invalid badge: %s: %s\n", path, why[0] ? why : hc_code_name(rc));
    json_decref(doc);
    return rc == HC_OK ? 0 : 1;
}
