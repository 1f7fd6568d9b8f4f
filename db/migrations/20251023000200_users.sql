-- migrate:up
SET lock_timeout = '5s';
SET statement_timeout = '60s';

-- Users (exercise Challenge 1). The registry's text columns that name a person
-- (created_by, registered_by, deployed_by, requested_by) keep working as text;
-- a matching users row is linked through a *_user_id column filled by triggers.
CREATE TABLE users (
    user_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    username TEXT UNIQUE NOT NULL,
    email TEXT UNIQUE NOT NULL,
    display_name TEXT,
    team_id UUID REFERENCES teams(team_id) ON DELETE SET NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    CONSTRAINT valid_username CHECK (username ~ '^[a-z0-9][a-z0-9._-]*$'),
    CONSTRAINT valid_user_email CHECK (email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$')
);

CREATE INDEX idx_users_team ON users(team_id);

COMMENT ON TABLE users IS 'People who own, register, deploy and approve models';
COMMENT ON COLUMN users.username IS 'Login name; matches the text columns created_by, started_by and the like';

-- user_id_for resolves the text a legacy column holds (a username or an email)
-- to a user, or NULL when nobody matches, so unknown names still insert.
CREATE FUNCTION user_id_for(who TEXT) RETURNS UUID
    LANGUAGE sql STABLE
    AS $$ SELECT user_id FROM users WHERE username = who OR email = who LIMIT 1 $$;

COMMENT ON FUNCTION user_id_for(TEXT) IS 'User whose username or email is the given text, NULL if none';

-- link_user fills the id column named by TG_ARGV[1] from the text column named
-- by TG_ARGV[0] when the caller left the id empty. One function serves every
-- table through to_jsonb/jsonb_populate_record instead of one copy per table.
CREATE FUNCTION link_user() RETURNS TRIGGER
    LANGUAGE plpgsql
    AS $$
DECLARE
    row_json JSONB := to_jsonb(NEW);
BEGIN
    IF row_json->>TG_ARGV[1] IS NULL AND row_json->>TG_ARGV[0] IS NOT NULL THEN
        NEW := jsonb_populate_record(NEW,
            jsonb_build_object(TG_ARGV[1], user_id_for(row_json->>TG_ARGV[0])));
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION link_user() IS 'Links a text "who" column to users: link_user(text_column, id_column)';

-- migrate:down
DROP FUNCTION link_user();
DROP FUNCTION user_id_for(TEXT);
DROP TABLE users;
