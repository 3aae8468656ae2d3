-- Indexes the reports read by (reporting_query.c), so that each report
-- reads index entries only, never the facts table row by row:
-- deliverables and outcome rows of given programs seek (kind, program);
-- credentials are counted by code or source from their own indexes; the
-- outcomes group workers in index order instead of sorting them.
CREATE INDEX facts_by_program ON facts (kind, program, day, wkey) WHERE program IS NOT NULL;
CREATE INDEX facts_credentials ON facts (credential, day, wkey, source) WHERE kind = 10;
CREATE INDEX workers_by_race ON workers (race_group);
CREATE INDEX workers_by_gender ON workers (gender);
CREATE INDEX workers_by_age ON workers (age_band);
CREATE INDEX workers_by_language ON workers (language);
CREATE INDEX workers_by_employer ON workers (employer_id);
CREATE INDEX workers_by_status ON workers (employment_status);
CREATE INDEX facts_by_source ON facts (source, day, wkey) WHERE kind = 10;
