-- A revoked token keeps its row (who had access, and until when) but opens
-- nothing.
ALTER TABLE tokens ADD COLUMN revoked_at TEXT;
