-- Apprenticeship store: programs (registered standards), apprentices, their
-- hours and sign-offs, and the prior-learning credit followed from
-- credentialing. Ids are time-ordered text, so "ORDER BY id" is creation
-- order and ids (codes for programs) double as list cursors. Hours are kept
-- in hundredths (centihours) so sums and the 24-hour rule are exact.

-- The program as its packed hcap.ApprenticeshipProgram message: it is read
-- whole and never queried by its parts.
CREATE TABLE programs (
  code       TEXT PRIMARY KEY,
  body       BLOB NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;

-- status: active (1), suspended (2), completed (3), cancelled (4).
CREATE TABLE apprentices (
  id            TEXT PRIMARY KEY,
  worker_id     TEXT NOT NULL,
  program_code  TEXT NOT NULL REFERENCES programs (code),
  employer_id   TEXT NOT NULL,
  mentor        TEXT,
  start_date    TEXT NOT NULL,
  status        INTEGER NOT NULL,
  status_date   TEXT,
  status_reason TEXT,
  completed_on  TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
) WITHOUT ROWID;
-- One open (active or suspended) registration per worker and program.
CREATE UNIQUE INDEX apprentices_open ON apprentices (worker_id, program_code)
  WHERE status IN (1, 2);
CREATE INDEX apprentices_worker ON apprentices (worker_id, id);
CREATE INDEX apprentices_program ON apprentices (program_code, id);

-- kind: ojl (1), rti (2).
CREATE TABLE hours (
  id            TEXT PRIMARY KEY,
  apprentice_id TEXT NOT NULL REFERENCES apprentices (id),
  kind          INTEGER NOT NULL,
  date          TEXT NOT NULL,
  centihours    INTEGER NOT NULL CHECK (centihours > 0 AND centihours <= 2400),
  competency    TEXT,
  approved_by   TEXT,
  recorded_by   TEXT,
  created_at    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX hours_day ON hours (apprentice_id, date, centihours);
CREATE INDEX hours_kind ON hours (apprentice_id, kind, centihours);
CREATE INDEX hours_apprentice ON hours (apprentice_id, id);

CREATE TABLE signoffs (
  apprentice_id TEXT NOT NULL REFERENCES apprentices (id),
  competency    TEXT NOT NULL,
  signed_by     TEXT NOT NULL,
  date          TEXT NOT NULL,
  recorded_by   TEXT,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (apprentice_id, competency)
) WITHOUT ROWID;

-- Prior learning assessed with credit hours, followed from credentialing's
-- log (keyed by its id, so a re-delivered event changes nothing).
CREATE TABLE prior_credits (
  id             TEXT PRIMARY KEY,
  worker_id      TEXT NOT NULL,
  ojl_centihours INTEGER NOT NULL,
  rti_centihours INTEGER NOT NULL,
  assessed_on    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX prior_credits_worker ON prior_credits (worker_id);

-- The credit each registration received: at registration for what was
-- assessed before, later for each new assessment while it is open.
CREATE TABLE apprentice_credits (
  apprentice_id     TEXT NOT NULL REFERENCES apprentices (id),
  prior_learning_id TEXT NOT NULL,
  ojl_centihours    INTEGER NOT NULL,
  rti_centihours    INTEGER NOT NULL,
  PRIMARY KEY (apprentice_id, prior_learning_id)
) WITHOUT ROWID;
