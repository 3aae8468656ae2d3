-- Outcome cells: the outcomes report over the whole history (no from, no
-- to) read from a few hundred counters instead of a pass over every
-- worker. Triggers keep them exact in the transaction of every write to
-- facts and workers, whoever makes it (the projection, a reset, a
-- rebuild's clear), so any instance reading the store sees counters that
-- agree with the rows beside them.
--
-- worker_marks: per worker, how many facts of each outcome column it has
-- (participation: kinds 1..3; completion: 3; credential: 10; registration:
-- 20; apprenticeship completion: 21; placement: 40).
CREATE TABLE worker_marks (
  wkey            INTEGER PRIMARY KEY,
  participation   INTEGER NOT NULL,
  completion      INTEGER NOT NULL,
  credential      INTEGER NOT NULL,
  registration    INTEGER NOT NULL,
  appr_completion INTEGER NOT NULL,
  placement       INTEGER NOT NULL
);

-- outcome_cells: per dimension and group (the worker's current group; ''
-- for a worker without employer or node), how many workers have at least
-- one fact of each column. Every worker is in one group per dimension.
CREATE TABLE outcome_cells (
  dim                   TEXT NOT NULL,
  grp                   TEXT NOT NULL,
  participants          INTEGER NOT NULL,
  completed             INTEGER NOT NULL,
  credentials           INTEGER NOT NULL,
  apprentices           INTEGER NOT NULL,
  apprentices_completed INTEGER NOT NULL,
  placements            INTEGER NOT NULL,
  PRIMARY KEY (dim, grp)
) WITHOUT ROWID;

-- The dimensions the cells keep (sector is summed from employer's).
CREATE TABLE outcome_dims (dim TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO outcome_dims VALUES ('race_group'), ('gender'), ('age_band'), ('language'),
  ('employer'), ('employment_status'), ('node');

-- The current counts, for a store migrated with facts in it.
INSERT INTO worker_marks
  SELECT wkey, SUM(kind BETWEEN 1 AND 3), SUM(kind = 3), SUM(kind = 10), SUM(kind = 20),
         SUM(kind = 21), SUM(kind = 40)
  FROM facts WHERE kind IN (1, 2, 3, 10, 20, 21, 40) GROUP BY wkey;
INSERT INTO outcome_cells
  SELECT d.dim, CASE d.dim WHEN 'race_group' THEN w.race_group WHEN 'gender' THEN w.gender
         WHEN 'age_band' THEN w.age_band WHEN 'language' THEN w.language
         WHEN 'employer' THEN COALESCE(w.employer_id, '')
         WHEN 'employment_status' THEN w.employment_status ELSE COALESCE(w.node, '') END AS g,
         SUM(m.participation > 0), SUM(m.completion > 0), SUM(m.credential > 0),
         SUM(m.registration > 0), SUM(m.appr_completion > 0), SUM(m.placement > 0)
  FROM worker_marks m JOIN workers w ON w.wkey = m.wkey CROSS JOIN outcome_dims d
  GROUP BY d.dim, g;

-- A worker's marks changed from none to some in a column, or back: its
-- groups' cells move by the difference (sign * whether it has the column).
CREATE TRIGGER worker_marks_added AFTER INSERT ON worker_marks BEGIN
  INSERT INTO outcome_cells
    SELECT d.dim, CASE d.dim WHEN 'race_group' THEN w.race_group WHEN 'gender' THEN w.gender
           WHEN 'age_band' THEN w.age_band WHEN 'language' THEN w.language
           WHEN 'employer' THEN COALESCE(w.employer_id, '')
           WHEN 'employment_status' THEN w.employment_status ELSE COALESCE(w.node, '') END,
           NEW.participation > 0, NEW.completion > 0, NEW.credential > 0,
           NEW.registration > 0, NEW.appr_completion > 0, NEW.placement > 0
    FROM workers w CROSS JOIN outcome_dims d WHERE w.wkey = NEW.wkey
  ON CONFLICT (dim, grp) DO UPDATE SET participants = participants + excluded.participants,
    completed = completed + excluded.completed, credentials = credentials + excluded.credentials,
    apprentices = apprentices + excluded.apprentices,
    apprentices_completed = apprentices_completed + excluded.apprentices_completed,
    placements = placements + excluded.placements;
END;

CREATE TRIGGER worker_marks_changed AFTER UPDATE ON worker_marks
WHEN (OLD.participation > 0) <> (NEW.participation > 0) OR (OLD.completion > 0) <> (NEW.completion > 0)
  OR (OLD.credential > 0) <> (NEW.credential > 0) OR (OLD.registration > 0) <> (NEW.registration > 0)
  OR (OLD.appr_completion > 0) <> (NEW.appr_completion > 0) OR (OLD.placement > 0) <> (NEW.placement > 0)
BEGIN
  INSERT INTO outcome_cells
    SELECT d.dim, CASE d.dim WHEN 'race_group' THEN w.race_group WHEN 'gender' THEN w.gender
           WHEN 'age_band' THEN w.age_band WHEN 'language' THEN w.language
           WHEN 'employer' THEN COALESCE(w.employer_id, '')
           WHEN 'employment_status' THEN w.employment_status ELSE COALESCE(w.node, '') END,
           (NEW.participation > 0) - (OLD.participation > 0),
           (NEW.completion > 0) - (OLD.completion > 0),
           (NEW.credential > 0) - (OLD.credential > 0),
           (NEW.registration > 0) - (OLD.registration > 0),
           (NEW.appr_completion > 0) - (OLD.appr_completion > 0),
           (NEW.placement > 0) - (OLD.placement > 0)
    FROM workers w CROSS JOIN outcome_dims d WHERE w.wkey = NEW.wkey
  ON CONFLICT (dim, grp) DO UPDATE SET participants = participants + excluded.participants,
    completed = completed + excluded.completed, credentials = credentials + excluded.credentials,
    apprentices = apprentices + excluded.apprentices,
    apprentices_completed = apprentices_completed + excluded.apprentices_completed,
    placements = placements + excluded.placements;
END;

-- Facts count into their worker's marks (an upsert on facts fires the
-- update trigger; INSERT OR REPLACE would not fire the delete one).
CREATE TRIGGER facts_marked AFTER INSERT ON facts WHEN NEW.kind IN (1, 2, 3, 10, 20, 21, 40)
BEGIN
  INSERT INTO worker_marks VALUES (NEW.wkey, NEW.kind BETWEEN 1 AND 3, NEW.kind = 3,
    NEW.kind = 10, NEW.kind = 20, NEW.kind = 21, NEW.kind = 40)
  ON CONFLICT (wkey) DO UPDATE SET participation = participation + excluded.participation,
    completion = completion + excluded.completion, credential = credential + excluded.credential,
    registration = registration + excluded.registration,
    appr_completion = appr_completion + excluded.appr_completion,
    placement = placement + excluded.placement;
END;

CREATE TRIGGER facts_unmarked AFTER DELETE ON facts WHEN OLD.kind IN (1, 2, 3, 10, 20, 21, 40)
BEGIN
  UPDATE worker_marks SET participation = participation - (OLD.kind BETWEEN 1 AND 3),
    completion = completion - (OLD.kind = 3), credential = credential - (OLD.kind = 10),
    registration = registration - (OLD.kind = 20),
    appr_completion = appr_completion - (OLD.kind = 21), placement = placement - (OLD.kind = 40)
  WHERE wkey = OLD.wkey;
END;

CREATE TRIGGER facts_moved AFTER UPDATE OF wkey, kind ON facts
WHEN OLD.wkey IS NOT NEW.wkey OR OLD.kind IS NOT NEW.kind BEGIN
  UPDATE worker_marks SET participation = participation - (OLD.kind BETWEEN 1 AND 3),
    completion = completion - (OLD.kind = 3), credential = credential - (OLD.kind = 10),
    registration = registration - (OLD.kind = 20),
    appr_completion = appr_completion - (OLD.kind = 21), placement = placement - (OLD.kind = 40)
  WHERE wkey = OLD.wkey AND OLD.kind IN (1, 2, 3, 10, 20, 21, 40);
  INSERT INTO worker_marks SELECT NEW.wkey, NEW.kind BETWEEN 1 AND 3, NEW.kind = 3,
    NEW.kind = 10, NEW.kind = 20, NEW.kind = 21, NEW.kind = 40
    WHERE NEW.kind IN (1, 2, 3, 10, 20, 21, 40)
  ON CONFLICT (wkey) DO UPDATE SET participation = participation + excluded.participation,
    completion = completion + excluded.completion, credential = credential + excluded.credential,
    registration = registration + excluded.registration,
    appr_completion = appr_completion + excluded.appr_completion,
    placement = placement + excluded.placement;
END;

-- A worker whose groups change moves its marks from the old groups' cells
-- to the new ones'; a worker row arriving after its facts (another log
-- ahead) adds them; a deleted worker takes them away.
CREATE TRIGGER workers_regrouped AFTER UPDATE OF race_group, gender, age_band, language,
  employer_id, employment_status, node ON workers
WHEN OLD.race_group IS NOT NEW.race_group OR OLD.gender IS NOT NEW.gender
  OR OLD.age_band IS NOT NEW.age_band OR OLD.language IS NOT NEW.language
  OR OLD.employer_id IS NOT NEW.employer_id OR OLD.employment_status IS NOT NEW.employment_status
  OR OLD.node IS NOT NEW.node
BEGIN
  INSERT INTO outcome_cells
    SELECT d.dim, CASE d.dim
           WHEN 'race_group' THEN iif(s.new, NEW.race_group, OLD.race_group)
           WHEN 'gender' THEN iif(s.new, NEW.gender, OLD.gender)
           WHEN 'age_band' THEN iif(s.new, NEW.age_band, OLD.age_band)
           WHEN 'language' THEN iif(s.new, NEW.language, OLD.language)
           WHEN 'employer' THEN COALESCE(iif(s.new, NEW.employer_id, OLD.employer_id), '')
           WHEN 'employment_status' THEN iif(s.new, NEW.employment_status, OLD.employment_status)
           ELSE COALESCE(iif(s.new, NEW.node, OLD.node), '') END,
           s.sign * (m.participation > 0), s.sign * (m.completion > 0),
           s.sign * (m.credential > 0), s.sign * (m.registration > 0),
           s.sign * (m.appr_completion > 0), s.sign * (m.placement > 0)
    FROM worker_marks m CROSS JOIN outcome_dims d CROSS JOIN (
      SELECT -1 AS sign, 0 AS new UNION ALL SELECT 1, 1) s
    WHERE m.wkey = NEW.wkey AND CASE d.dim
           WHEN 'race_group' THEN OLD.race_group IS NOT NEW.race_group
           WHEN 'gender' THEN OLD.gender IS NOT NEW.gender
           WHEN 'age_band' THEN OLD.age_band IS NOT NEW.age_band
           WHEN 'language' THEN OLD.language IS NOT NEW.language
           WHEN 'employer' THEN OLD.employer_id IS NOT NEW.employer_id
           WHEN 'employment_status' THEN OLD.employment_status IS NOT NEW.employment_status
           ELSE OLD.node IS NOT NEW.node END
  ON CONFLICT (dim, grp) DO UPDATE SET participants = participants + excluded.participants,
    completed = completed + excluded.completed, credentials = credentials + excluded.credentials,
    apprentices = apprentices + excluded.apprentices,
    apprentices_completed = apprentices_completed + excluded.apprentices_completed,
    placements = placements + excluded.placements;
END;

CREATE TRIGGER workers_added AFTER INSERT ON workers BEGIN
  INSERT INTO outcome_cells
    SELECT d.dim, CASE d.dim WHEN 'race_group' THEN NEW.race_group WHEN 'gender' THEN NEW.gender
           WHEN 'age_band' THEN NEW.age_band WHEN 'language' THEN NEW.language
           WHEN 'employer' THEN COALESCE(NEW.employer_id, '')
           WHEN 'employment_status' THEN NEW.employment_status ELSE COALESCE(NEW.node, '') END,
           m.participation > 0, m.completion > 0, m.credential > 0, m.registration > 0,
           m.appr_completion > 0, m.placement > 0
    FROM worker_marks m CROSS JOIN outcome_dims d WHERE m.wkey = NEW.wkey
  ON CONFLICT (dim, grp) DO UPDATE SET participants = participants + excluded.participants,
    completed = completed + excluded.completed, credentials = credentials + excluded.credentials,
    apprentices = apprentices + excluded.apprentices,
    apprentices_completed = apprentices_completed + excluded.apprentices_completed,
    placements = placements + excluded.placements;
END;

CREATE TRIGGER workers_removed AFTER DELETE ON workers BEGIN
  INSERT INTO outcome_cells
    SELECT d.dim, CASE d.dim WHEN 'race_group' THEN OLD.race_group WHEN 'gender' THEN OLD.gender
           WHEN 'age_band' THEN OLD.age_band WHEN 'language' THEN OLD.language
           WHEN 'employer' THEN COALESCE(OLD.employer_id, '')
           WHEN 'employment_status' THEN OLD.employment_status ELSE COALESCE(OLD.node, '') END,
           -(m.participation > 0), -(m.completion > 0), -(m.credential > 0),
           -(m.registration > 0), -(m.appr_completion > 0), -(m.placement > 0)
    FROM worker_marks m CROSS JOIN outcome_dims d WHERE m.wkey = OLD.wkey
  ON CONFLICT (dim, grp) DO UPDATE SET participants = participants + excluded.participants,
    completed = completed + excluded.completed, credentials = credentials + excluded.credentials,
    apprentices = apprentices + excluded.apprentices,
    apprentices_completed = apprentices_completed + excluded.apprentices_completed,
    placements = placements + excluded.placements;
  DELETE FROM worker_marks WHERE wkey = OLD.wkey;
END;
