-- Central reporting (docs/federation.md): the node a worker's events came
-- from (the part of a forwarded event's source before '/'), what by=node
-- groups by; NULL at a region. And every id a program code was created
-- under, by origin: at central each region creates its own codes under its
-- own ids, so one code may have several ids (programs keeps one row per
-- code, its labels the last region's).
ALTER TABLE workers ADD COLUMN node TEXT;
CREATE INDEX workers_by_node ON workers (node);
CREATE TABLE program_ids (
  origin TEXT NOT NULL,
  id     TEXT NOT NULL,
  code   TEXT NOT NULL,
  PRIMARY KEY (origin, id)
) WITHOUT ROWID;
INSERT INTO program_ids (origin, id, code) SELECT origin, id, code FROM programs;
