-- The registry's roles, for a PostgreSQL cluster that is to receive a
-- restored registry (pg_restore of a pg_dump) but never ran its migrations.
--
-- Roles belong to the cluster, not to a database, so pg_dump leaves them
-- out: its dump says which role owns each object (OWNER TO) and is granted
-- what (GRANT ... TO), and a restore into a cluster without these roles
-- fails on the first of them (pg_restore --exit-on-error), or, without
-- --exit-on-error, leaves the audit trail and the rules' functions owned by
-- whoever restored them, which the governance rules forbid. The memberships
-- between the roles (the writer is a reader, the admin a writer) are
-- cluster-wide too, and are not in the dump either.
--
-- Run it as a superuser (or a role with CREATEROLE) before pg_restore:
--     psql -v ON_ERROR_STOP=1 -d postgres -f db/cluster_roles.sql
-- It creates what is missing and changes nothing that exists; run it again
-- at will. It is what migrations 20251023001300, 20251023001600 and
-- 20251023002100 create;
-- the backup tests (cmd/mlreg/mlregcli/backup_test.go) restore into a
-- cluster that has nothing but these and compare its roles with a migrated
-- cluster's. Login roles (people, services) are not here: recreate them
-- from `pg_dumpall --roles-only` of the old cluster, or anew, and grant them
-- the group roles (docs/model-registry-schema.md, "Roles").

DO $$
DECLARE
    r TEXT;
BEGIN
    FOREACH r IN ARRAY ARRAY['registry_reader', 'registry_writer', 'registry_approver', 'registry_admin',
                             'registry_rules_owner', 'registry_audit_owner', 'registry_retention_owner'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    -- The owners of the audit trail, of the rules' functions and of
    -- retention must never log in, nor be superusers (20251023001600 and
    -- 20251023002100 refuse them too).
    FOREACH r IN ARRAY ARRAY['registry_rules_owner', 'registry_audit_owner', 'registry_retention_owner'] LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r AND (rolcanlogin OR rolsuper OR rolbypassrls)) THEN
            RAISE EXCEPTION 'role % exists and can log in, is a superuser or bypasses row security: it must not own registry objects', r;
        END IF;
    END LOOP;
END;
$$;

-- The memberships 20251023001300 grants (a GRANT already held is a notice).
GRANT registry_reader TO registry_writer;
GRANT registry_reader TO registry_approver;
GRANT registry_writer TO registry_admin;

-- A migrator that is not a superuser (one that will run `mlreg migrate up`
-- on the restored database) must be a member of the two owner roles, as
-- 20251023001600 and 20251023002100 make it; name it here if there is one:
--     GRANT registry_rules_owner, registry_audit_owner, registry_retention_owner TO migrator;
