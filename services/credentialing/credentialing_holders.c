/* credentialing_holders: the holder directory, followed from enrollment's
   event log. It keeps what verification and badges may say about a worker
   (initials and a salted hash of the name, never the name) and carries out
   erasure in this service's store. */
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "hc_id.h"
#include "hc_idempotency.h"
#include "hc_log.h"
#include "hc_msg.h"
#include "hc_time.h"
#include "hc_utf8.h"
#include "enrollment.pb-c.h"
#include "credentialing_server.h"

#define S_TYPE_REGISTERED "enrollment.worker_registered.v1"
#define S_TYPE_UPDATED    "enrollment.worker_updated.v1"
#define S_TYPE_ERASED     "enrollment.worker_erased.v1"
#define S_SALT_BYTES      16

/* --- initials and the name hash --- */

/* Appends the initial of part ("L.") to out at *used; false when part is
   empty or does not start with a UTF-8 character. */
static bool s_initial(const char *part, char *out, size_t *used)
{
    size_t len = part ? hc_utf8_seq(part, strlen(part)) : 0;
    if (len == 0)
        return false;
    if (*used > 0)
        out[(*used)++] = ' ';
    memcpy(out + *used, part, len);
    if (len == 1)
        out[*used] = (char)toupper((unsigned char)out[*used]);
    *used += len;
    out[(*used)++] = '.';
    return true;
}

char *cred_initials(hc_arena *arena, const char *given_name, const char *family_name)
{
    char out[16]; /* two 4-byte characters, dots, a space, NUL */
    size_t used = 0;
    bool any = s_initial(given_name, out, &used);
    any = s_initial(family_name, out, &used) || any;
    if (!any)
        return NULL;
    out[used] = '\0';
    return hc_arena_strdup(arena, out);
}

/* The holder of w: initials, a new salt and the hash of "<given> <family>"
   followed by the salt. NULL when the worker has no usable name. */
static cred_holder *s_holder(hc_arena *arena, const Hcap__Worker *w)
{
    char *initials = cred_initials(arena, w->given_name, w->family_name);
    if (!initials)
        return NULL;
    uint8_t salt[S_SALT_BYTES], digest[crypto_hash_sha256_BYTES];
    cred_holder *h = hc_arena_alloc(arena, sizeof *h);
    h->initials = initials;
    h->salt = hc_arena_alloc(arena, 2 * sizeof salt + 1);
    hc_random_bytes(salt, sizeof salt);
    hc_hex(salt, sizeof salt, h->salt);
    char *text = hc_arena_printf(arena, "%s %s%s", w->given_name ? w->given_name : "",
                                 w->family_name ? w->family_name : "", h->salt);
    crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text));
    h->name_hash = hc_arena_alloc(arena, 2 * sizeof digest + 1);
    hc_hex(digest, sizeof digest, h->name_hash);
    sodium_memzero(text, strlen(text));
    return h;
}

static int s_worker_put(hc_store *store, const Hcap__Event *event, hc_error *err)
{
    Hcap__Worker *w = hcap__worker__unpack(NULL, event->body.len, event->body.data);
    if (!w)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "body", "%s body is not a Worker",
                            event->type);
    hc_arena *arena = hc_arena_new();
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    cred_holder *h = s_holder(arena, w);
    int rc = h ? cred_store_holder_put(store, w->id, h, now, err)
               : cred_store_holder_delete(store, w->id, err);
    hc_arena_destroy(&arena);
    hcap__worker__free_unpacked(w, NULL);
    return rc;
}

/* --- erasure --- */

/* A Credential or PriorLearning body without evidence; -1 when it does not
   decode. */
static int s_scrub_evidence(const ProtobufCMessageDescriptor *desc, const uint8_t *body,
                            size_t size, uint8_t **new_body, size_t *new_size)
{
    return hc_msg_repack_without(desc, body, size, "evidence", new_body, new_size);
}

static bool s_is_credential_event(const char *type)
{
    return strcmp(type, CRED_EV_AWARDED) == 0 || strcmp(type, CRED_EV_REVOKED) == 0 ||
           strcmp(type, CRED_EV_EXPIRED) == 0;
}

/* hc_eventlog_rewrite_fn: the erased worker's events without evidence;
   bodies of other types hold none and stay as they were. */
static int s_scrub_event(void *arg, const char *type, const uint8_t *body, size_t size,
                         uint8_t **new_body, size_t *new_size)
{
    (void)arg;
    if (s_is_credential_event(type))
        return s_scrub_evidence(&hcap__credential__descriptor, body, size, new_body, new_size);
    if (strcmp(type, CRED_EV_PRIOR) == 0)
        return s_scrub_evidence(&hcap__prior_learning__descriptor, body, size, new_body, new_size);
    return hc_msg_copy_malloc(body, size, new_body, new_size);
}

/* hc_idempotency_rewrite_fn: recorded replies that carry evidence lose it,
   so a replayed key cannot return what was erased. */
static int s_scrub_reply(void *arg, const char *method, const uint8_t *body, size_t size,
                         uint8_t **new_body, size_t *new_size)
{
    (void)arg;
    *new_body = NULL;
    if (strcmp(method, "AwardCredential") == 0 || strcmp(method, "RevokeCredential") == 0)
        return s_scrub_evidence(&hcap__credential__descriptor, body, size, new_body, new_size);
    if (strcmp(method, "AssessPriorLearning") == 0)
        return s_scrub_evidence(&hcap__prior_learning__descriptor, body, size, new_body, new_size);
    return 0;
}

static int s_worker_erase(cred_state *st, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    Hcap__WorkerErased *e = hcap__worker_erased__unpack(NULL, event->body.len, event->body.data);
    if (!e)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "body", "%s body is not a WorkerErased",
                            event->type);
    int rc = cred_store_holder_erase(store, e->id, e->erased_at, err);
    if (rc == HC_OK)
        rc = cred_store_evidence_clear(store, e->id, err);
    if (rc == HC_OK)
        rc = hc_eventlog_rewrite_subject(st->log, e->id, s_scrub_event, NULL, err);
    if (rc == HC_OK)
        rc = hc_idempotency_rewrite(store, e->id, s_scrub_reply, NULL, err);
    if (rc == HC_OK)
        hc_log_info("holder_erased", "worker=%s", e->id);
    hcap__worker_erased__free_unpacked(e, NULL);
    return rc;
}

/* --- the follower's callbacks --- */

int cred_holders_apply(void *arg, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    cred_state *st = arg;
    if (strcmp(event->type, S_TYPE_REGISTERED) == 0 || strcmp(event->type, S_TYPE_UPDATED) == 0)
        return s_worker_put(store, event, err);
    if (strcmp(event->type, S_TYPE_ERASED) == 0)
        return s_worker_erase(st, store, event, err);
    return HC_OK;
}

int cred_holders_reset(void *arg, hc_store *store, const char *source, hc_error *err)
{
    (void)arg;
    hc_log_warn("holders_reset", "source=%s", source);
    return cred_store_holders_clear(store, err);
}
