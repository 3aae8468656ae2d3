-- What central acked of each forwarded log: the epoch of its latest acked
-- event and the highest seq acked under it. An ack saying the hub holds
-- less (central restored from a backup: docs/federation.md) makes the
-- uplink queue its logs again.
CREATE TABLE acked (
    source TEXT PRIMARY KEY,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL
) WITHOUT ROWID;
