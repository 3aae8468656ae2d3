/* Tests of hc_field: presence of strings, messages, has_ scalars and
   required fields, and marking them. */
#include <criterion/criterion.h>
#include "enrollment.pb-c.h"
#include "hc_field.h"
#include "hcap.pb-c.h"

static const ProtobufCFieldDescriptor *s_field(const ProtobufCMessage *msg, const char *name)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name);
    cr_assert_not_null(field, "no field %s", name);
    return field;
}

Test(field, presence_follows_pointers_and_has_flags)
{
    Hcap__Worker worker = HCAP__WORKER__INIT;
    ProtobufCMessage *msg = &worker.base;
    cr_assert_not(hc_field_present(msg, s_field(msg, "email")));
    worker.email = "ana@example.org";
    cr_assert(hc_field_present(msg, s_field(msg, "email")));
    cr_assert_not(hc_field_present(msg, s_field(msg, "hourly_wage_cents")));
    hc_field_mark(msg, s_field(msg, "hourly_wage_cents"), true);
    cr_assert(worker.has_hourly_wage_cents);
    cr_assert(hc_field_present(msg, s_field(msg, "hourly_wage_cents")));
    hc_field_mark(msg, s_field(msg, "hourly_wage_cents"), false);
    cr_assert_not(worker.has_hourly_wage_cents);
    hc_field_mark(msg, s_field(msg, "email"), false);
    cr_assert_str_eq(worker.email, "ana@example.org", "a pointer is the caller's to clear");
}

Test(field, required_fields_are_always_present_and_messages_by_pointer)
{
    Hcap__Cohort cohort = HCAP__COHORT__INIT;
    cr_assert(hc_field_present(&cohort.base, s_field(&cohort.base, "capacity")));
    Hcap__WorkerMessage wm = HCAP__WORKER_MESSAGE__INIT;
    Hcap__ServiceReply reply = HCAP__SERVICE_REPLY__INIT;
    cr_assert_not(hc_field_present(&wm.base, s_field(&wm.base, "reply")));
    wm.reply = &reply;
    cr_assert(hc_field_present(&wm.base, s_field(&wm.base, "reply")));
}
