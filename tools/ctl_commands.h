/* ctl_commands: hcapctl's command table. A new rpc reachable from the
   command line is a row here, not code. */
#ifndef CTL_COMMANDS_H
#define CTL_COMMANDS_H

#include <stdbool.h>

typedef struct {
    const char *words;      /* "workers add" */
    const char *service;    /* broker service name */
    const char *method;     /* rpc name */
    const char *positional; /* input fields given by position ("id status"), or "" */
} ctl_command;

/* Every command, ending with an all-NULL row. */
extern const ctl_command ctl_commands[];

/* True when cmd's first argument may be a JSON file holding its input. */
bool ctl_command_json_input(const ctl_command *cmd);

/* True when cmd is a report for another system: every page, as CSV
   unless --format says otherwise. */
bool ctl_command_is_report(const ctl_command *cmd);

/* The reply field printed as it is whatever the format (a badge's
   document), or NULL. */
const char *ctl_command_raw_field(const ctl_command *cmd);

/* The input field a short filter flag stands for ("worker" ->
   "worker_id"), or NULL. */
const char *ctl_command_alias(const char *flag);

#endif
