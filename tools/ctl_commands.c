/* ctl_commands: hcapctl's command table: each command's words, the rpc it
   calls and its positional fields, and how a few of them take input or
   print their reply. */
#include "ctl_commands.h"

#include <stddef.h>
#include <string.h>

const ctl_command ctl_commands[] = {
    {"status", "gateway", "Health", ""},
    {"tokens create", "gateway", "CreateToken", "role name"},
    {"tokens list", "gateway", "ListTokens", ""},
    {"tokens revoke", "gateway", "RevokeToken", "id"},
    {"employers add", "enrollment", "CreateEmployer", ""},
    {"employers list", "enrollment", "ListEmployers", ""},
    {"employers show", "enrollment", "GetEmployer", "id"},
    {"workers add", "enrollment", "CreateWorker", ""},
    {"workers show", "enrollment", "GetWorker", "id"},
    {"workers list", "enrollment", "ListWorkers", ""},
    {"workers update", "enrollment", "UpdateWorker", "id"},
    {"workers erase", "enrollment", "EraseWorker", "id"},
    {"workers profile", "gateway", "GetProfile", "id"},
    {"employment add", "enrollment", "RecordEmployment", "id"},
    {"employment list", "enrollment", "ListEmployment", "worker_id"},
    {"programs add", "enrollment", "CreateProgram", ""},
    {"programs list", "enrollment", "ListPrograms", ""},
    {"programs show", "enrollment", "GetProgram", "id"},
    {"cohorts add", "enrollment", "CreateCohort", ""},
    {"cohorts list", "enrollment", "ListCohorts", ""},
    {"cohorts show", "enrollment", "GetCohort", "id"},
    {"enroll", "enrollment", "CreateEnrollment", "worker_id cohort_id"},
    {"enrollments list", "enrollment", "ListEnrollments", ""},
    {"enrollments show", "enrollment", "GetEnrollment", "id"},
    {"enrollments status", "enrollment", "ChangeEnrollmentStatus", "id status"},
    {"tuition submit", "enrollment", "SubmitTuitionClaim", "worker_id"},
    {"tuition decide", "enrollment", "DecideTuitionClaim", "id status"},
    {"tuition list", "enrollment", "ListTuitionClaims", "worker_id"},
    {"competencies add", "credentialing", "CreateCompetency", "code name"},
    {"competencies list", "credentialing", "ListCompetencies", ""},
    {"competencies show", "credentialing", "GetCompetency", "id"},
    {"credential-types add", "credentialing", "CreateCredentialType", "code"},
    {"credential-types list", "credentialing", "ListCredentialTypes", ""},
    {"credential-types show", "credentialing", "GetCredentialType", "id"},
    {"credentials award", "credentialing", "AwardCredential",
     "worker_id credential_code issued_on"},
    {"credentials list", "credentialing", "ListCredentials", ""},
    {"credentials show", "credentialing", "GetCredential", "id"},
    {"credentials revoke", "credentialing", "RevokeCredential", "id reason"},
    {"credentials verify", "credentialing", "GetVerification", "id"},
    {"credentials badge", "credentialing", "GetBadge", "id"},
    {"prior-learning assess", "credentialing", "AssessPriorLearning", "worker_id"},
    {"prior-learning list", "credentialing", "ListPriorLearning", "worker_id"},
    {"ladders create", "credentialing", "CreateLadder", "code name"},
    {"ladders list", "credentialing", "ListLadders", ""},
    {"ladders show", "credentialing", "ListWorkerLadders", "worker_id"},
    {"apprenticeship-programs add", "apprenticeship", "CreateApprenticeshipProgram", "code"},
    {"apprenticeship-programs list", "apprenticeship", "ListApprenticeshipPrograms", ""},
    {"apprenticeship-programs show", "apprenticeship", "GetApprenticeshipProgram", "id"},
    {"apprentices register", "apprenticeship", "RegisterApprentice",
     "worker_id program_code employer_id start_date"},
    {"apprentices hours", "apprenticeship", "LogHours", "id kind date hours"},
    {"apprentices hours-list", "apprenticeship", "ListHours", "id"},
    {"apprentices signoff", "apprenticeship", "SignOff", "id competency signed_by date"},
    {"apprentices status", "apprenticeship", "ChangeApprenticeStatus", "id status"},
    {"apprentices show", "apprenticeship", "GetApprentice", "id"},
    {"apprentices list", "apprenticeship", "ListApprentices", ""},
    {"apprentices export", "apprenticeship", "ExportApprentices", ""},
    {"grants add", "reporting", "CreateGrant", ""},
    {"grants list", "reporting", "ListGrants", ""},
    {"grants show", "reporting", "GetGrant", "id"},
    {"report grant", "reporting", "GetGrantReport", "id"},
    {"report outcomes", "reporting", "GetOutcomes", "by"},
    {"report apprenticeship", "reporting", "GetApprenticeshipReport", ""},
    {"report indicators", "reporting", "GetIndicators", ""},
    {"reporting status", "reporting", "GetStatus", ""},
    {"reporting rebuild", "reporting", "Rebuild", ""},
    {"nodes", "central", "ListNodes", ""},
    {"uplink status", "uplink", "GetStatus", ""},
    {"uplink resend", "uplink", "Resend", ""},
    {NULL, NULL, NULL, NULL},
};

/* Replies printed as the text of one field, whatever the format: a badge
   is a document to save and pass on as it is. */
static const struct {
    const char *method;
    const char *field;
} s_raw_replies[] = {
    {"GetBadge", "document"},
};

/* Commands whose first argument may be a JSON file holding the input (the
   body of the HTTP route); --field pairs are set on top of it. */
static const char *const s_json_inputs[] = {"CreateGrant"};

bool ctl_command_json_input(const ctl_command *cmd)
{
    for (size_t i = 0; i < sizeof s_json_inputs / sizeof s_json_inputs[0]; i++)
        if (strcmp(s_json_inputs[i], cmd->method) == 0)
            return true;
    return false;
}

/* Reports meant for another system: every page, as CSV unless --format
   says otherwise. */
static const char *const s_reports[] = {"ExportApprentices"};

bool ctl_command_is_report(const ctl_command *cmd)
{
    for (size_t i = 0; i < sizeof s_reports / sizeof s_reports[0]; i++)
        if (strcmp(s_reports[i], cmd->method) == 0)
            return true;
    return false;
}

const char *ctl_command_raw_field(const ctl_command *cmd)
{
    for (size_t i = 0; i < sizeof s_raw_replies / sizeof s_raw_replies[0]; i++)
        if (strcmp(s_raw_replies[i].method, cmd->method) == 0)
            return s_raw_replies[i].field;
    return NULL;
}

/* Short flags for filters: --worker W is --worker_id W. */
static const struct {
    const char *flag;
    const char *field;
} s_aliases[] = {
    {"worker", "worker_id"},
    {"program", "program_code"},
};

const char *ctl_command_alias(const char *flag)
{
    for (size_t i = 0; i < sizeof s_aliases / sizeof s_aliases[0]; i++)
        if (strcmp(s_aliases[i].flag, flag) == 0)
            return s_aliases[i].field;
    return NULL;
}
