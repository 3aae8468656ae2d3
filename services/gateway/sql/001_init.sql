-- gateway.db: bearer tokens (stored only as hashes) and idempotency keys.
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

-- key is "<token_id>:<client key>"; route is "<METHOD> <path>" of the first
-- request; status and body are the HTTP reply replayed byte-for-byte.
CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX idempotency_created_at ON idempotency (created_at);
