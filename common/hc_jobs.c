/* hc_jobs: a service's followers and timers (contracts in hc_jobs.h). */
#include "hc_jobs.h"

#include <stdlib.h>
#include <string.h>
#include "hc_log.h"

/* The argument of one timer's zloop timers. */
typedef struct {
    hc_service *service;
    const hc_service_timer *def;
    int ids[2]; /* the one at start, the repeating one; -1 until started */
} s_timer;

struct _hc_jobs {
    zlistx_t *followers; /* hc_follower * */
    s_timer *timers;     /* one per def->timers entry */
    size_t n_timers;
    zloop_t *loop;
};

/* A timer fired: runs its method as an internal request. */
static int s_on_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    const s_timer *timer = arg;
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *out = NULL;
    hc_error err;
    if (hc_service_invoke(timer->service, timer->def->method, &empty.base, NULL, arena, &out,
                          &err) != HC_OK)
        hc_log_warn("timer_failed", "method=%s code=%s", timer->def->method,
                    hc_code_name(err.code));
    hc_arena_destroy(&arena);
    return 0;
}

static void s_follower_free(void **item)
{
    hc_follower_destroy((hc_follower **)item);
}

/* The config value of "<source>/<what>", else ipc://data_dir/<source>-<what>.ipc. */
static char *s_endpoint(hc_service *service, const char *data_dir, const char *source,
                        const char *what)
{
    char key[128];
    snprintf(key, sizeof key, "%s/%s", source, what);
    char *file = zsys_sprintf("ipc://%s/%s-%s.ipc", data_dir, source, what);
    char *value = strdup(hc_config_get(hc_service_config(service), key, file));
    zstr_free(&file);
    return value;
}

static int s_follow(hc_jobs *self, hc_service *service, const hc_service_follow *f,
                    const char *data_dir, hc_error *err)
{
    char *events = s_endpoint(service, data_dir, f->source, "events");
    char *bell = s_endpoint(service, data_dir, f->source, "bell");
    hc_follower *follower = hc_follower_new(hc_service_store(service), f->source, events, bell,
                                            f->apply, f->reset, hc_service_state(service));
    hc_log_info("following", "source=%s events=%s", f->source, events);
    free(events);
    free(bell);
    hc_follower_set_relaxed(follower, !f->emits);
    zlistx_add_end(self->followers, follower);
    if (hc_follower_start(follower, self->loop) != HC_OK)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot follow %s", f->source);
    return HC_OK;
}

static int s_time(hc_jobs *self, s_timer *timer, const hc_service_def *def, hc_error *err)
{
    const ProtobufCMethodDescriptor *rpc =
        protobuf_c_service_descriptor_get_method_by_name(def->descriptor, timer->def->method);
    if (!rpc || rpc->input != &hcap__empty__descriptor)
        return hc_error_set(err, HC_INTERNAL, NULL, "timer method %s: no such rpc taking Empty",
                            timer->def->method);
    timer->ids[0] = zloop_timer(self->loop, 1, 1, s_on_timer, timer);
    timer->ids[1] = zloop_timer(self->loop, (size_t)timer->def->interval_ms, 0, s_on_timer, timer);
    if (timer->ids[0] < 0 || timer->ids[1] < 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot start timer %s", timer->def->method);
    return HC_OK;
}

hc_jobs *hc_jobs_start(hc_service *service, const hc_service_def *def, const char *data_dir,
                       hc_error *err)
{
    assert(service && def && data_dir);
    hc_jobs *self = calloc(1, sizeof *self);
    assert(self);
    self->loop = hc_service_loop(service);
    self->followers = zlistx_new();
    zlistx_set_destructor(self->followers, s_follower_free);
    for (const hc_service_timer *t = def->timers; t && t->method; t++)
        self->n_timers++;
    self->timers = calloc(self->n_timers + 1, sizeof *self->timers);
    assert(self->timers);
    int rc = HC_OK;
    for (const hc_service_follow *f = def->follows; rc == HC_OK && f && f->source; f++)
        rc = s_follow(self, service, f, data_dir, err);
    for (size_t i = 0; rc == HC_OK && i < self->n_timers; i++) {
        self->timers[i] = (s_timer){service, &def->timers[i], {-1, -1}};
        rc = s_time(self, &self->timers[i], def, err);
    }
    if (rc != HC_OK)
        hc_jobs_destroy(&self);
    return self;
}

hc_follower *hc_jobs_follower(hc_jobs *self, size_t index)
{
    assert(self);
    hc_follower *follower = zlistx_first(self->followers);
    for (size_t i = 0; follower && i < index; i++)
        follower = zlistx_next(self->followers);
    return follower;
}

void hc_jobs_destroy(hc_jobs **self_p)
{
    assert(self_p);
    hc_jobs *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n_timers; i++)
        for (size_t k = 0; k < 2; k++)
            if (self->timers[i].ids[k] >= 0)
                zloop_timer_end(self->loop, self->timers[i].ids[k]);
    zlistx_destroy(&self->followers);
    free(self->timers);
    free(self);
    *self_p = NULL;
}
