-- Enrollment store: employers, workers, programs, cohorts, enrollments,
-- tuition claims and employment records. Ids are time-ordered text, so
-- "ORDER BY id" is creation order and ids double as list cursors.

CREATE TABLE employers (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  sector      INTEGER NOT NULL,
  union_local TEXT,
  county      TEXT,
  state       TEXT,
  created_at  TEXT NOT NULL
) WITHOUT ROWID;

-- A worker row outlives erasure as a tombstone: personal columns NULL,
-- erased_at set, demographics and employment kept so counts survive.
-- given_lc / family_lc are lower-cased copies for indexed prefix search.
CREATE TABLE workers (
  id                 TEXT PRIMARY KEY,
  given_name         TEXT,
  family_name        TEXT,
  given_lc           TEXT,
  family_lc          TEXT,
  external_id        TEXT UNIQUE,
  birth_date         TEXT,
  email              TEXT,
  phone              TEXT,
  preferred_language TEXT,
  race_ethnicity     TEXT,
  gender             INTEGER,
  employer_id        TEXT REFERENCES employers (id),
  job_title          TEXT,
  employment_status  INTEGER,
  hourly_wage_cents  INTEGER,
  hire_date          TEXT,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  erased_at          TEXT
) WITHOUT ROWID;
CREATE INDEX workers_given_lc ON workers (given_lc);
CREATE INDEX workers_family_lc ON workers (family_lc);
CREATE INDEX workers_employer ON workers (employer_id, id);

CREATE TABLE programs (
  id              TEXT PRIMARY KEY,
  code            TEXT NOT NULL UNIQUE,
  name            TEXT NOT NULL,
  kind            INTEGER NOT NULL,
  occupation      TEXT,
  credential_code TEXT,
  hours           REAL,
  delivery        INTEGER,
  provider        TEXT,
  created_at      TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE cohorts (
  id         TEXT PRIMARY KEY,
  program_id TEXT NOT NULL REFERENCES programs (id),
  name       TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date   TEXT,
  capacity   INTEGER NOT NULL,
  language   TEXT,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX cohorts_program ON cohorts (program_id, id);

-- status holds hcap.EnrollmentStatus numbers; the waitlist is FIFO by id.
CREATE TABLE enrollments (
  id             TEXT PRIMARY KEY,
  worker_id      TEXT NOT NULL REFERENCES workers (id),
  cohort_id      TEXT NOT NULL REFERENCES cohorts (id),
  program_id     TEXT NOT NULL REFERENCES programs (id),
  status         INTEGER NOT NULL,
  status_date    TEXT,
  reason         TEXT,
  hours_attended REAL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX enrollments_cohort ON enrollments (cohort_id, status, id);
CREATE INDEX enrollments_worker ON enrollments (worker_id, id);
CREATE INDEX enrollments_status ON enrollments (status, id);

-- cap_year: the calendar year of the approval, which the annual cap counts.
CREATE TABLE tuition_claims (
  id             TEXT PRIMARY KEY,
  worker_id      TEXT NOT NULL REFERENCES workers (id),
  institution    TEXT NOT NULL,
  course         TEXT,
  term           TEXT,
  amount_cents   INTEGER NOT NULL,
  status         INTEGER NOT NULL,
  approved_cents INTEGER,
  submitted_on   TEXT,
  decided_on     TEXT,
  cap_year       TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX tuition_claims_worker ON tuition_claims (worker_id, id);
CREATE INDEX tuition_claims_cap ON tuition_claims (worker_id, cap_year, status);

CREATE TABLE employment_records (
  id                TEXT PRIMARY KEY,
  worker_id         TEXT NOT NULL REFERENCES workers (id),
  kind              INTEGER NOT NULL,
  employer_id       TEXT REFERENCES employers (id),
  job_title         TEXT,
  hourly_wage_cents INTEGER,
  effective_date    TEXT NOT NULL,
  created_at        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX employment_records_worker ON employment_records (worker_id, id);
