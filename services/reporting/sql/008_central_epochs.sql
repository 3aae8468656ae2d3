-- Central reporting (docs/federation.md, "A region restored"): the epochs
-- of each region's log whose events the read model holds, and which log
-- wrote each row of the tables regions share, so that a log arriving under
-- a new epoch (its region was restored or rebuilt) first takes back what
-- its old epoch derived. Empty at a region. Derived like the rest: a
-- clear empties them and the replay of the hub's log writes them again,
-- epoch changes and all, in the order central took the events.

-- Every epoch of a forwarded log central reporting applied: the current
-- one, and those it left (their events, met again, are skipped).
CREATE TABLE central_epochs (
  source  TEXT NOT NULL,     -- "<node>/<service>"
  epoch   TEXT NOT NULL,
  current INTEGER NOT NULL,  -- 1: applied now; 0: left for a newer epoch
  PRIMARY KEY (source, epoch)
) WITHOUT ROWID;

-- The logs that wrote each row of employers, programs, program_ids and
-- credential_types (a program code or credential type may come from
-- several regions). A reset of a log deletes the rows no other log wrote.
CREATE TABLE central_labels (
  tbl    TEXT NOT NULL,  -- the table
  origin TEXT NOT NULL,  -- programs' and program_ids' origin; '' for the others
  key    TEXT NOT NULL,  -- the row's id or code
  source TEXT NOT NULL,  -- "<node>/<service>"
  PRIMARY KEY (tbl, origin, key, source)
) WITHOUT ROWID;
CREATE INDEX central_labels_by_source ON central_labels (source);
