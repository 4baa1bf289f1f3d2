-- Up Migration
-- One row per distinct index ever submitted, kept by a statement trigger on the log (every
-- INSERT, whatever its source). Rebuilding Redis after a data loss pages through this table:
-- its cost follows the distinct indices (at most MAX_INDEX + 1), not the log's rows.
CREATE TABLE submitted_indices (
  number integer PRIMARY KEY CHECK (number >= 0)
);

INSERT INTO submitted_indices (number) SELECT DISTINCT number FROM submissions ON CONFLICT DO NOTHING;

CREATE FUNCTION record_submitted_indices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO submitted_indices (number) SELECT DISTINCT number FROM new_rows ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;

CREATE TRIGGER submissions_record_indices
  AFTER INSERT ON submissions
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION record_submitted_indices();

-- Down Migration
DROP TRIGGER submissions_record_indices ON submissions;
DROP FUNCTION record_submitted_indices();
DROP TABLE submitted_indices;
