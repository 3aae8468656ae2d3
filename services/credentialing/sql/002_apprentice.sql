-- Completion credentials: a credential awarded for a completed registered
-- apprenticeship (source apprenticeship) names the registration, and each
-- registration gets at most one, however often its completion event is
-- delivered.

ALTER TABLE credentials ADD COLUMN apprentice_id TEXT;
CREATE UNIQUE INDEX credentials_apprentice ON credentials (apprentice_id)
  WHERE apprentice_id IS NOT NULL;
