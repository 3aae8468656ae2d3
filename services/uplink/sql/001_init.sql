-- The uplink's outbox: pseudonymized events waiting for central's ack.
-- AUTOINCREMENT: ids are never reused, so an ack's batch id names rows.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    occurred_at TEXT NOT NULL,
    type TEXT NOT NULL,
    body BLOB NOT NULL,
    queued_at REAL NOT NULL
);
