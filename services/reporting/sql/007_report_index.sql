-- The report index (reporting_index.c) answers every report from a compact
-- copy of this read model held in the reporting process; these tables stay
-- the truth. Triggers log each change to the rows the index copies into
-- model_changes, in the writer's own transaction, so an index in any
-- process reading this store (the leader that projects, another instance,
-- a replica) applies exactly the changes it has not seen yet. A clear or a
-- reset draws a new generation and empties the log: an index then reloads.
--
-- The outcome cells of 006 are dropped (the index answers what they did,
-- for any period, and their triggers cost every fact ~5.5 us), and so are
-- the indexes only the SQL reports read: those queries remain as the
-- reference the tests recount with and the fallback when no index fits.
DROP TRIGGER worker_marks_added;
DROP TRIGGER worker_marks_changed;
DROP TRIGGER facts_marked;
DROP TRIGGER facts_unmarked;
DROP TRIGGER facts_moved;
DROP TRIGGER workers_regrouped;
DROP TRIGGER workers_added;
DROP TRIGGER workers_removed;
DROP TABLE outcome_cells;
DROP TABLE worker_marks;
DROP TABLE outcome_dims;
DROP INDEX workers_by_race;
DROP INDEX workers_by_gender;
DROP INDEX workers_by_age;
DROP INDEX workers_by_language;
DROP INDEX workers_by_employer;
DROP INDEX workers_by_status;
DROP INDEX workers_by_node;

-- Facts and apprentices get integer keys (fid, aid) the index finds them
-- by; (entity, kind) and id stay unique. Writers upsert, so a key never
-- changes while its row lives.
CREATE TABLE facts_keyed (
  fid          INTEGER PRIMARY KEY,
  entity       TEXT NOT NULL,
  kind         INTEGER NOT NULL,
  wkey         INTEGER NOT NULL,
  day          TEXT NOT NULL,
  program      TEXT,
  program_kind TEXT,
  credential   TEXT,
  source       TEXT,
  wage_cents   INTEGER
);
INSERT INTO facts_keyed (entity, kind, wkey, day, program, program_kind, credential, source,
                         wage_cents)
  SELECT entity, kind, wkey, day, program, program_kind, credential, source, wage_cents FROM facts;
DROP TABLE facts;
ALTER TABLE facts_keyed RENAME TO facts;
CREATE UNIQUE INDEX facts_by_entity ON facts (entity, kind);
CREATE INDEX facts_by_kind ON facts (kind, day, wkey);
CREATE INDEX facts_by_worker ON facts (wkey, kind, day);

CREATE TABLE apprentices_keyed (
  aid          INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  wkey         INTEGER NOT NULL,
  program      TEXT NOT NULL,
  start_date   TEXT NOT NULL,
  status       TEXT NOT NULL,
  status_date  TEXT,
  completed_on TEXT
);
INSERT INTO apprentices_keyed (id, wkey, program, start_date, status, status_date, completed_on)
  SELECT id, wkey, program, start_date, status, status_date, completed_on FROM apprentices;
DROP TABLE apprentices;
ALTER TABLE apprentices_keyed RENAME TO apprentices;
CREATE INDEX apprentices_by_program ON apprentices (program, start_date);

-- generation: random, redrawn by every clear and reset.
CREATE TABLE model_state (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  generation INTEGER NOT NULL
);
INSERT INTO model_state VALUES (1, random());

-- One row per changed row, in commit order (seq only grows between
-- generations; the projection trims the oldest). what: 1 a fact (key fid),
-- 2 a worker (wkey), 3 an apprentice (aid), 4 employers or programs (the
-- index rereads those small tables whole), 0 a change the index cannot
-- follow row by row (a row's key moved, an enrollment step deleted): it
-- reloads.
CREATE TABLE model_changes (
  seq  INTEGER PRIMARY KEY,
  what INTEGER NOT NULL,
  key  INTEGER NOT NULL
);

CREATE TRIGGER facts_logged_insert AFTER INSERT ON facts BEGIN
  INSERT INTO model_changes (what, key) VALUES (1, NEW.fid);
END;
CREATE TRIGGER facts_logged_update AFTER UPDATE ON facts BEGIN
  INSERT INTO model_changes (what, key) VALUES (iif(OLD.fid = NEW.fid AND OLD.kind = NEW.kind
    AND OLD.entity = NEW.entity, 1, 0), NEW.fid);
END;
CREATE TRIGGER facts_logged_delete AFTER DELETE ON facts BEGIN
  INSERT INTO model_changes (what, key) VALUES (iif(OLD.kind BETWEEN 1 AND 5, 0, 1), OLD.fid);
END;
CREATE TRIGGER workers_logged_insert AFTER INSERT ON workers BEGIN
  INSERT INTO model_changes (what, key) VALUES (2, NEW.wkey);
END;
CREATE TRIGGER workers_logged_update AFTER UPDATE ON workers BEGIN
  INSERT INTO model_changes (what, key) VALUES (iif(OLD.wkey = NEW.wkey, 2, 0), NEW.wkey);
END;
CREATE TRIGGER workers_logged_delete AFTER DELETE ON workers BEGIN
  INSERT INTO model_changes (what, key) VALUES (2, OLD.wkey);
END;
CREATE TRIGGER apprentices_logged_insert AFTER INSERT ON apprentices BEGIN
  INSERT INTO model_changes (what, key) VALUES (3, NEW.aid);
END;
CREATE TRIGGER apprentices_logged_update AFTER UPDATE ON apprentices BEGIN
  INSERT INTO model_changes (what, key) VALUES (iif(OLD.aid = NEW.aid, 3, 0), NEW.aid);
END;
CREATE TRIGGER apprentices_logged_delete AFTER DELETE ON apprentices BEGIN
  INSERT INTO model_changes (what, key) VALUES (3, OLD.aid);
END;
CREATE TRIGGER employers_logged_insert AFTER INSERT ON employers BEGIN
  INSERT INTO model_changes (what, key) VALUES (4, 0);
END;
CREATE TRIGGER employers_logged_update AFTER UPDATE ON employers BEGIN
  INSERT INTO model_changes (what, key) VALUES (4, 0);
END;
CREATE TRIGGER employers_logged_delete AFTER DELETE ON employers BEGIN
  INSERT INTO model_changes (what, key) VALUES (4, 0);
END;
CREATE TRIGGER programs_logged_insert AFTER INSERT ON programs BEGIN
  INSERT INTO model_changes (what, key) VALUES (4, 0);
END;
CREATE TRIGGER programs_logged_update AFTER UPDATE ON programs BEGIN
  INSERT INTO model_changes (what, key) VALUES (4, 0);
END;
CREATE TRIGGER programs_logged_delete AFTER DELETE ON programs BEGIN
  INSERT INTO model_changes (what, key) VALUES (4, 0);
END;
