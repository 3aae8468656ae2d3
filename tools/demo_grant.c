/* demo_grant: the SEIU-Community Clinics grant (seed 004) with the
   partnership's deliverables, as the JSON body of POST /v1/grants, created
   once the reporting service has read the whole fund. */
#include <jansson.h>
#include "demo_plan.h"
#include "hc_json.h"
#include "reporting.pb-c.h"

#define S_KEY_GRANT 12001 /* past demo_appr.c's keys */

/* 400 credentials of the programs' credential types (MA: CCMA, DA: RDA,
   CHW: CHW-CERT, billing and coding: CPC, LVN, RN); 900 in continuing
   education; a CHW registered apprenticeship of 10 with 90% placed; 200
   tuition reimbursements; 1,800 in professional development; 100 in
   clinical supervision and preceptorship. */
static const char s_grant[] =
    "{\"code\": \"SEIU-CC\","
    " \"name\": \"SEIU-Community Clinics High Road Training Partnership\","
    " \"funder\": \"California Workforce Development Board\","
    " \"start_date\": \"2025-01-01\", \"end_date\": \"2027-06-30\","
    " \"deliverables\": ["
    "  {\"code\": \"CREDENTIALS\", \"metric\": \"credentials\", \"target\": 400,"
    "   \"name\": \"Industry-recognized credentials (MA, DA, CHW, billing and coding, LVN, RN)\","
    "   \"filter\": {\"credential_codes\": [\"CCMA\", \"RDA\", \"CHW-CERT\", \"CPC\", \"LVN\","
    "   \"RN\"]}},"
    "  {\"code\": \"CONTINUING-ED\", \"metric\": \"participants\", \"target\": 900,"
    "   \"name\": \"Continuing education and electronic health records training\","
    "   \"filter\": {\"program_kinds\": [\"continuing_education\"]}},"
    "  {\"code\": \"CHW-APPRENTICES\", \"metric\": \"apprentices\", \"target\": 10,"
    "   \"name\": \"Registered CHW apprentices\","
    "   \"filter\": {\"program_codes\": [\"" DEMO_APPR_PROGRAM "\"]}},"
    "  {\"code\": \"CHW-PLACEMENT\", \"metric\": \"placement_rate\", \"target\": 90,"
    "   \"name\": \"CHW apprentices placed within 90 days of completing\","
    "   \"filter\": {\"program_codes\": [\"" DEMO_APPR_PROGRAM "\"]}},"
    "  {\"code\": \"TUITION\", \"metric\": \"tuition_reimbursements\", \"target\": 200,"
    "   \"name\": \"Tuition reimbursement (nursing, social work, dental, behavioral health)\"},"
    "  {\"code\": \"PROFESSIONAL-DEV\", \"metric\": \"participants\", \"target\": 1800,"
    "   \"name\": \"Professional development for retention\","
    "   \"filter\": {\"program_kinds\": [\"professional_development\"]}},"
    "  {\"code\": \"PRECEPTORSHIP\", \"metric\": \"participants\", \"target\": 100,"
    "   \"name\": \"Clinical supervision and preceptorship (nursing, dental, behavioral health)\","
    "   \"filter\": {\"program_kinds\": [\"preceptorship\"]}}"
    " ]}";

int demo_grant_load(demo_loader *loader, hc_arena *arena, demo_stats *stats, hc_error *err)
{
    json_error_t jerr;
    json_t *json = json_loads(s_grant, JSON_REJECT_DUPLICATES, &jerr);
    if (!json)
        return hc_error_set(err, HC_INTERNAL, NULL, "the demo grant: %s", jerr.text);
    ProtobufCMessage *in = NULL;
    int rc = hc_json_to_message(json, &hcap__create_grant_request__descriptor, arena, &in, err);
    json_decref(json);
    if (rc == HC_OK)
        rc = demo_wait_reporting(loader, err);
    demo_call call = {in, S_KEY_GRANT, NULL, DEMO_WAITING, 0};
    if (rc == HC_OK)
        rc = demo_run(loader, "reporting", "CreateGrant", &hcap__grant__descriptor, &call, 1, err);
    stats->grants = rc == HC_OK ? 1 : 0;
    return rc;
}
