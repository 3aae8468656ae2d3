-- Reporting's read model of the node's event logs, and the fund's grants.
-- It keeps ids, dates, statuses and self-identified demographics only:
-- never names, contact data, external ids or birth dates (an age band is
-- kept instead). Group labels are enum names in lower case ("female",
-- "long_term_care"); 'unknown' where the worker gave no answer.
-- Everything but grants is derived: Rebuild deletes it and replays the logs.

-- Workers as reports see them. wkey is the compact key facts use. A row
-- may exist before the worker's registration arrives (another service's
-- log can be ahead); its demographics stay 'unknown' until then.
CREATE TABLE workers (
  wkey              INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  race_group        TEXT NOT NULL DEFAULT 'unknown', -- see docs/indicators.md
  gender            TEXT NOT NULL DEFAULT 'unknown',
  age_band          TEXT NOT NULL DEFAULT 'unknown', -- at the worker's last update
  language          TEXT NOT NULL DEFAULT 'unknown', -- preferred_language as given
  employer_id       TEXT,
  employment_status TEXT NOT NULL DEFAULT 'unknown',
  erased            INTEGER NOT NULL DEFAULT 0       -- counts stay, identities go
);

-- Organisations, not people: their names are kept for report labels.
CREATE TABLE employers (
  id     TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  sector TEXT NOT NULL
) WITHOUT ROWID;

-- Enrollment programs (origin 'enrollment', id = the program id) and
-- apprenticeship programs (origin 'apprenticeship', id = the code).
-- kind: the program kind's name; 'apprenticeship' for the latter.
CREATE TABLE programs (
  origin          TEXT NOT NULL,
  code            TEXT NOT NULL,
  id              TEXT NOT NULL,
  name            TEXT NOT NULL,
  kind            TEXT NOT NULL,
  credential_code TEXT,
  PRIMARY KEY (origin, code)
) WITHOUT ROWID;
CREATE UNIQUE INDEX programs_by_id ON programs (origin, id);

-- One row per dated thing a report counts, keyed by the source entity and
-- the kind of fact (REP_FACT_* in reporting_store.h), so a redelivered or
-- repeated event rewrites the same row. day: the event's own date
-- (status_date, issued_on, start_date, completed_on, decided_on,
-- effective_date, the sign-off's date). A revoked credential's fact is
-- deleted: reports count credentials not revoked.
CREATE TABLE facts (
  entity       TEXT NOT NULL,
  kind         INTEGER NOT NULL,
  wkey         INTEGER NOT NULL,
  day          TEXT NOT NULL,
  program      TEXT,     -- program code (enrollment or apprenticeship, by kind)
  program_kind TEXT,     -- enrollment program kind name
  credential   TEXT,     -- credential code
  source       TEXT,     -- credential source name
  wage_cents   INTEGER,  -- employment facts: the hourly wage, when given
  PRIMARY KEY (entity, kind)
) WITHOUT ROWID;
CREATE INDEX facts_by_kind ON facts (kind, day, wkey);
CREATE INDEX facts_by_worker ON facts (wkey, kind, day);

-- Apprentice registrations with their current status, for the
-- apprenticeship report.
CREATE TABLE apprentices (
  id           TEXT PRIMARY KEY,
  wkey         INTEGER NOT NULL,
  program      TEXT NOT NULL,
  start_date   TEXT NOT NULL,
  status       TEXT NOT NULL,   -- active, suspended, completed, cancelled
  status_date  TEXT,
  completed_on TEXT
) WITHOUT ROWID;
CREATE INDEX apprentices_by_program ON apprentices (program, start_date);

-- The fund's grants: its own state, not derived; Rebuild keeps them. The
-- grant is its packed hcap.Grant message, read whole.
CREATE TABLE grants (
  code       TEXT PRIMARY KEY,
  body       BLOB NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
