-- Credentialing store: competencies, credential types, awarded credentials,
-- prior learning, career ladders, and the holder directory followed from
-- enrollment. Ids are time-ordered text, so "ORDER BY id" is creation order
-- and ids (codes for the catalogues) double as list cursors. Lists of codes
-- are stored as JSON arrays of text, in the order given.

CREATE TABLE competencies (
  code       TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  framework  TEXT,
  created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE credential_types (
  code            TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  kind            INTEGER NOT NULL,
  issuer          TEXT NOT NULL,
  validity_months INTEGER,
  competencies    TEXT,
  level           TEXT,
  created_at      TEXT NOT NULL
) WITHOUT ROWID;

-- status is what was recorded: active (1), expired by the sweep (2) or
-- revoked (3). Readers compute expired from expires_on for rows still
-- recorded active. evidence is cleared when the worker is erased.
CREATE TABLE credentials (
  id                TEXT PRIMARY KEY,
  worker_id         TEXT NOT NULL,
  credential_code   TEXT NOT NULL REFERENCES credential_types (code),
  issued_on         TEXT NOT NULL,
  expires_on        TEXT,
  source            INTEGER NOT NULL,
  evidence          TEXT,
  status            INTEGER NOT NULL,
  revoked_on        TEXT,
  revocation_reason TEXT,
  prior_learning_id TEXT,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  UNIQUE (worker_id, credential_code, issued_on)
) WITHOUT ROWID;
CREATE INDEX credentials_worker ON credentials (worker_id, id);
CREATE INDEX credentials_code ON credentials (credential_code, id);
CREATE INDEX credentials_active_expiry ON credentials (expires_on) WHERE status = 1;

CREATE TABLE prior_learning (
  id               TEXT PRIMARY KEY,
  worker_id        TEXT NOT NULL,
  evidence         TEXT,
  competencies     TEXT,
  credential_code  TEXT,
  credential_id    TEXT,
  ojl_credit_hours REAL,
  rti_credit_hours REAL,
  assessed_on      TEXT NOT NULL,
  created_at       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX prior_learning_worker ON prior_learning (worker_id, id);

CREATE TABLE ladders (
  code       TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  rungs      TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;

-- What verification and badges may say about a worker: initials, and a
-- salted SHA-256 of the full name (never the name itself). An erased
-- worker keeps a row with erased_at and nothing else, so that "erased" and
-- "not followed yet" answer differently.
CREATE TABLE holders (
  worker_id  TEXT PRIMARY KEY,
  initials   TEXT,
  name_hash  TEXT,
  salt       TEXT,
  updated_at TEXT NOT NULL,
  erased_at  TEXT
) WITHOUT ROWID;
