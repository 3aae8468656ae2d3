-- Every forwarded event the hub holds, by its original coordinates: the
-- dedup key (a resent batch finds its events here).
CREATE TABLE received (
    source TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (source, epoch, seq)
) WITHOUT ROWID;

-- What the hub knows of each node that sent a batch.
CREATE TABLE nodes (
    node TEXT PRIMARY KEY,
    last_seen TEXT NOT NULL,
    events INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    batches INTEGER NOT NULL DEFAULT 0
);
