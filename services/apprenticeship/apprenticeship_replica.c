/* apprenticeship_replica: how a read replica applies its primary's log.
   Each event type writes, from the state its body carries, exactly the
   rows the read methods read: programs, the apprentice's recorded fields
   and credited totals, hours entries and sign-offs (logged and signed
   hours are summed from those rows on reading, as at the primary). A reset
   (the primary's epoch changed) deletes them. */
#include <math.h>
#include <string.h>
#include "hc_log.h"
#include "hc_replica.h"
#include "apprenticeship_server.h"

/* The apprentice's new state: its recorded status fields and credited
   hours (the prior-learning credit lives at the primary only; the body
   carries its totals). */
static int s_apprentice_put(hc_store *store, const Hcap__Apprentice *a, hc_error *err)
{
    if (!a)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "apprentice", "the event has no apprentice");
    int rc = appr_store_apprentice_update(store, a, err);
    if (rc != HC_OK)
        return rc;
    return appr_store_credit_total_put(store, a->id, llround(a->credited_ojl_hours * 100.0),
                                       llround(a->credited_rti_hours * 100.0), err);
}

static int s_program_created(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return appr_store_program_insert(store, (const Hcap__ApprenticeshipProgram *)body, err);
}

static int s_registered(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    const Hcap__Apprentice *a = (const Hcap__Apprentice *)body;
    int rc = appr_store_apprentice_insert(store, a, err);
    return rc == HC_OK ? s_apprentice_put(store, a, err) : rc;
}

/* Status changed, credited, completed: the apprentice's state only. */
static int s_changed(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return s_apprentice_put(store, (const Hcap__Apprentice *)body, err);
}

static int s_hours_logged(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    const Hcap__HoursLogged *logged = (const Hcap__HoursLogged *)body;
    if (!logged->entry)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "entry", "the event has no hours entry");
    int rc = appr_store_hours_insert(store, logged->entry, err);
    return rc == HC_OK ? s_apprentice_put(store, logged->apprentice, err) : rc;
}

static int s_signed_off(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    const Hcap__CompetencySignedOff *signed_off = (const Hcap__CompetencySignedOff *)body;
    if (!signed_off->signoff)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "signoff", "the event has no sign-off");
    int rc = appr_store_signoff_insert(store, signed_off->signoff, err);
    return rc == HC_OK ? s_apprentice_put(store, signed_off->apprentice, err) : rc;
}

/* Every type the primary emits (apprenticeship_server.h APPR_EV_*); each
   changes what some read returns. */
static const hc_replica_rule s_applies[] = {
    {APPR_EV_PROGRAM, &hcap__apprenticeship_program__descriptor, s_program_created},
    {APPR_EV_REGISTERED, &hcap__apprentice__descriptor, s_registered},
    {APPR_EV_HOURS, &hcap__hours_logged__descriptor, s_hours_logged},
    {APPR_EV_SIGNOFF, &hcap__competency_signed_off__descriptor, s_signed_off},
    {APPR_EV_STATUS, &hcap__apprentice__descriptor, s_changed},
    {APPR_EV_CREDITED, &hcap__apprentice__descriptor, s_changed},
    {APPR_EV_COMPLETED, &hcap__apprentice__descriptor, s_changed},
};

int appr_replica_apply(void *arg, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    (void)arg;
    return hc_replica_apply(s_applies, sizeof s_applies / sizeof *s_applies, store, event, err);
}

int appr_replica_reset(void *arg, hc_store *store, const char *source, hc_error *err)
{
    (void)arg;
    hc_log_warn("replica_reset", "source=%s", source);
    return appr_store_replica_clear(store, err);
}
