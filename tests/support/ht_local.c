/* ht_local: a service in process for handler tests (contracts in ht_local.h). */
#include "ht_local.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hc_idempotency.h"

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void ht_local_open(ht_local *self, const hc_service_def *def)
{
    self->def = def;
    snprintf(self->dir, sizeof self->dir, "/tmp/hcap-%.16s-XXXXXX", def->name);
    cr_assert_not_null(mkdtemp(self->dir));
    self->arena = hc_arena_new();
    ht_local_reopen(self);
}

void ht_local_reopen(ht_local *self)
{
    hc_service_destroy(&self->svc);
    hc_error err;
    self->svc = hc_service_new_local(self->def, self->dir, "local", &err);
    cr_assert_not_null(self->svc, "%s: %s", self->def->name, err.message);
}

void ht_local_close(ht_local *self)
{
    hc_arena_destroy(&self->arena);
    hc_service_destroy(&self->svc);
    nftw(self->dir, s_remove, 8, FTW_DEPTH | FTW_PHYS);
}

int ht_local_call(ht_local *self, const char *method, const ProtobufCMessage *in, void *out_p)
{
    ProtobufCMessage *out = NULL;
    hc_error_clear(&self->err);
    int rc = hc_service_invoke(self->svc, method, in, NULL, self->arena, &out, &self->err);
    if (out_p)
        *(ProtobufCMessage **)out_p = out;
    return rc;
}

void ht_local_ok(ht_local *self, const char *method, const ProtobufCMessage *in, void *out_p)
{
    int rc = ht_local_call(self, method, in, out_p);
    cr_assert_eq(rc, HC_OK, "%s: %s: %s (field %s)", method, hc_code_name(rc), self->err.message,
                 self->err.field);
}

void ht_local_fails(ht_local *self, const char *method, const ProtobufCMessage *in, int code,
                    const char *field)
{
    int rc = ht_local_call(self, method, in, NULL);
    cr_assert_eq(rc, code, "%s: expected %s, got %s: %s", method, hc_code_name(code),
                 hc_code_name(rc), self->err.message);
    cr_assert_str_eq(self->err.field, field, "%s: field %s, expected %s (%s)", method,
                     self->err.field, field, self->err.message);
}

/* hc_idempotency_rewrite_fn that only counts. */
static int s_reply_found(void *arg, const char *method, const uint8_t *body, size_t size,
                         uint8_t **new_body, size_t *new_size)
{
    (void)method;
    (void)body;
    (void)size;
    (void)new_size;
    *new_body = NULL;
    (*(int *)arg)++;
    return 0;
}

int ht_local_replies_holding(ht_local *self, const char *needle)
{
    int found = 0;
    hc_error err;
    cr_assert_eq(
        hc_idempotency_rewrite(hc_service_store(self->svc), needle, s_reply_found, &found, &err),
        HC_OK, "%s", err.message);
    return found;
}

bool ht_bytes_in(const uint8_t *hay, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

bool ht_file_holds(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t capacity = 1 << 20, size = 0, n;
    uint8_t *bytes = malloc(capacity);
    while (bytes && (n = fread(bytes + size, 1, capacity - size, f)) > 0) {
        size += n;
        if (size == capacity)
            bytes = realloc(bytes, capacity *= 2);
    }
    fclose(f);
    cr_assert_not_null(bytes, "cannot read %s", path);
    bool found = ht_bytes_in(bytes, size, needle);
    free(bytes);
    return found;
}
