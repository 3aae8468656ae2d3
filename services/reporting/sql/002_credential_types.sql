-- Credential types as credentialing's log declares them: the codes a
-- deliverable's credential_codes filter may name, with their names for
-- labels. Derived: Rebuild deletes them and replays the log.
CREATE TABLE credential_types (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL
) WITHOUT ROWID;
