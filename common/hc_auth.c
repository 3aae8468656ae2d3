/* hc_auth: random bearer tokens, their stored BLAKE2b hashes, and role
   names and permission bits. */
#include "hc_auth.h"

#include "hc_id.h"
#include "hcap.pb-c.h"
#include <sodium.h>
#include <string.h>

void hc_auth_token_new(char out[HC_TOKEN_SIZE])
{
    unsigned char bytes[32];
    hc_random_bytes(bytes, sizeof bytes);
    memcpy(out, "hct_", 4);
    sodium_bin2base64(out + 4, HC_TOKEN_SIZE - 4, bytes, sizeof bytes,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(bytes, sizeof bytes);
}

void hc_auth_token_hash(const char *token, char out[HC_TOKEN_HASH_SIZE])
{
    unsigned char hash[32];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)token, strlen(token), NULL, 0);
    hc_hex(hash, sizeof hash, out);
}

static const struct {
    const char *name;
    int role;
} s_roles[] = {
    {"admin", HCAP__ROLE__ROLE_ADMIN},
    {"staff", HCAP__ROLE__ROLE_STAFF},
    {"mentor", HCAP__ROLE__ROLE_MENTOR},
    {"analyst", HCAP__ROLE__ROLE_ANALYST},
};

#define S_ROLE_COUNT (sizeof s_roles / sizeof s_roles[0])

int hc_auth_role_parse(const char *name)
{
    for (size_t i = 0; name && i < S_ROLE_COUNT; i++) {
        if (strcmp(name, s_roles[i].name) == 0)
            return s_roles[i].role;
    }
    return 0;
}

const char *hc_auth_role_name(int role)
{
    for (size_t i = 0; i < S_ROLE_COUNT; i++) {
        if (s_roles[i].role == role)
            return s_roles[i].name;
    }
    return "none";
}

bool hc_auth_role_allowed(int role, unsigned mask)
{
    if (role < HCAP__ROLE__ROLE_ADMIN || role > HCAP__ROLE__ROLE_ANALYST)
        return false;
    return (mask & (1u << role)) != 0;
}
