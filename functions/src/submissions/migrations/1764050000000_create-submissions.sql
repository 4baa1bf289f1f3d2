-- Up Migration
-- The log of submitted indices (the workshop's `values` table, with time and a cursor).
CREATE TABLE submissions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  number integer NOT NULL CHECK (number >= 0),
  submitted_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE submissions;
