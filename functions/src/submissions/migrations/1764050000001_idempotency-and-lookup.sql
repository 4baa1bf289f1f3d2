-- Up Migration
-- Idempotency-Key of the request that logged a row (optional); a retry with the same key logs nothing new.
ALTER TABLE submissions ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX submissions_idempotency_key ON submissions (idempotency_key) WHERE idempotency_key IS NOT NULL;
-- "Was index n ever submitted?" when Redis has lost its data (GET /api/values/{index}).
CREATE INDEX submissions_number ON submissions (number);

-- Down Migration
DROP INDEX submissions_number;
DROP INDEX submissions_idempotency_key;
ALTER TABLE submissions DROP COLUMN idempotency_key;
