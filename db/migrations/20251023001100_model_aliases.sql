-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Lets model_aliases require that a version belongs to the aliased model.
-- squawk flags the lock held while its index builds: model_versions has one
-- row per registered version (100,000 at the benchmark's large size, indexed
-- in well under a second), so the lock is brief.
-- squawk-ignore disallowed-unique-constraint, constraint-missing-not-valid
ALTER TABLE model_versions ADD CONSTRAINT model_versions_version_model_key UNIQUE (version_id, model_id);

-- An alias (champion, production, stable...) names at most one version of a
-- model at any moment. Each row is one period during which the alias pointed
-- at one version; the current one has an open upper bound. Rows are closed,
-- never rewritten, so the history answers "what did it point to at T".
CREATE TABLE model_aliases (
    alias_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id UUID NOT NULL REFERENCES models(model_id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    version_id UUID NOT NULL,
    valid_during TSTZRANGE NOT NULL DEFAULT tstzrange(clock_timestamp(), NULL),
    -- The range's bounds as columns, for readers that cannot take ranges;
    -- valid_until is NULL while the alias still names the version. NOT NULL
    -- on valid_from refuses empty periods and periods without a start.
    valid_from TIMESTAMP WITH TIME ZONE GENERATED ALWAYS AS (lower(valid_during)) STORED NOT NULL,
    valid_until TIMESTAMP WITH TIME ZONE GENERATED ALWAYS AS (upper(valid_during)) STORED,
    set_by TEXT NOT NULL DEFAULT COALESCE(NULLIF(current_setting('registry.actor', TRUE), ''), session_user),

    CONSTRAINT model_aliases_version_fk FOREIGN KEY (version_id, model_id)
        REFERENCES model_versions(version_id, model_id) ON DELETE CASCADE,
    CONSTRAINT valid_alias CHECK (alias ~ '^[a-z][a-z0-9_-]{0,62}$'),
    CONSTRAINT one_version_per_alias EXCLUDE USING gist (
        model_id WITH =, alias WITH =, valid_during WITH &&
    )
);

CREATE INDEX idx_model_aliases_version ON model_aliases(version_id, model_id);

COMMENT ON TABLE model_aliases IS 'Named pointers to a model version, with their history';
COMMENT ON COLUMN model_aliases.valid_during IS 'When the alias pointed at this version; upper bound open while it still does';

-- move_model_alias points an alias of a model at a version, closing the
-- period of the version it pointed at before. Moving it to the version it
-- already names changes nothing. The advisory lock serializes moves of one
-- alias, so concurrent moves queue instead of failing on the exclusion (under
-- REPEATABLE READ or SERIALIZABLE the later one fails with 40001 instead,
-- which registry.WithTx retries).
-- Periods use clock time, read after the lock, so queued moves (and moves
-- repeated in one transaction) get ordered, non-empty periods; transaction
-- time would give the waiter a start earlier than the period it closes.
CREATE FUNCTION move_model_alias(p_model_id UUID, p_alias TEXT, p_version_id UUID)
    RETURNS model_aliases
    LANGUAGE plpgsql
    AS $$
DECLARE
    current_row model_aliases;
    new_row model_aliases;
    moved_at TIMESTAMP WITH TIME ZONE;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('model_alias:' || p_model_id || ':' || p_alias, 0));
    moved_at := clock_timestamp();
    SELECT * INTO current_row FROM model_aliases
     WHERE model_id = p_model_id AND alias = p_alias AND upper_inf(valid_during)
       FOR UPDATE;
    IF FOUND AND current_row.version_id = p_version_id THEN
        RETURN current_row;
    END IF;
    IF FOUND THEN
        UPDATE model_aliases SET valid_during = tstzrange(lower(valid_during), moved_at)
         WHERE alias_id = current_row.alias_id;
    END IF;
    INSERT INTO model_aliases (model_id, alias, version_id, valid_during)
    VALUES (p_model_id, p_alias, p_version_id, tstzrange(moved_at, NULL))
    RETURNING * INTO new_row;
    RETURN new_row;
END;
$$;

-- remove_model_alias ends the alias's current period; it returns the row it
-- closed, or no row when the alias named nothing. It queues behind moves of
-- the same alias on their lock, so neither is lost.
CREATE FUNCTION remove_model_alias(p_model_id UUID, p_alias TEXT)
    RETURNS SETOF model_aliases
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('model_alias:' || p_model_id || ':' || p_alias, 0));
    RETURN QUERY
    UPDATE model_aliases SET valid_during = tstzrange(lower(valid_during), clock_timestamp())
     WHERE model_id = p_model_id AND alias = p_alias AND upper_inf(valid_during)
    RETURNING *;
END;
$$;

-- The history is kept: a period may only be closed (its open upper bound
-- set), and rows go only with their model or version (a cascade, which runs
-- inside the foreign key's own trigger).
CREATE FUNCTION keep_alias_history() RETURNS TRIGGER
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF pg_trigger_depth() < 2 THEN
            RAISE EXCEPTION 'alias history is kept: remove the alias (ModelAliasRemove) instead of deleting its rows'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    IF NOT upper_inf(OLD.valid_during)
       OR lower(NEW.valid_during) <> lower(OLD.valid_during)
       OR (NEW.model_id, NEW.alias, NEW.version_id, NEW.set_by) IS DISTINCT FROM (OLD.model_id, OLD.alias, OLD.version_id, OLD.set_by) THEN
        RAISE EXCEPTION 'alias history is kept: a period can only be closed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER alias_history
    BEFORE UPDATE OR DELETE ON model_aliases
    FOR EACH ROW EXECUTE FUNCTION keep_alias_history();

-- migrate:down
DROP TRIGGER alias_history ON model_aliases;
DROP FUNCTION keep_alias_history();
DROP FUNCTION remove_model_alias(UUID, TEXT);
DROP FUNCTION move_model_alias(UUID, TEXT, UUID);
DROP TABLE model_aliases;
ALTER TABLE model_versions DROP CONSTRAINT model_versions_version_model_key;
DROP EXTENSION IF EXISTS btree_gist;
