-- name: ScheduleContext :one
-- What `mlreg schedule` needs to know of this connection: the database, the
-- role the jobs would run as (pg_cron runs a job as whoever scheduled it),
-- whether that role is a superuser and a member of registry_admin, and the
-- database pg_cron keeps its jobs in (empty when pg_cron is not loaded: its
-- settings exist only then).
SELECT current_database()::text AS database_name, current_user::text AS role_name,
       (current_setting('is_superuser') = 'on')::boolean AS is_superuser,
       pg_has_role(current_user, 'registry_admin', 'USAGE')::boolean AS is_registry_admin,
       COALESCE(registry_cron_database(), '')::text AS cron_database;

-- name: ScheduleJobCommands :one
-- The SQL each pg_cron job runs, the actor quoted as a literal: one
-- transaction (a job's command is one simple query, its statements one
-- transaction) that names the actor and runs the job.
SELECT format('SELECT public.registry_set_actor(%L); SELECT sealed, head_id, partitions_added FROM public.audit_seal_now(%L::interval, 3)',
              @actor::text, @seal_wait::text)::text AS seal_command,
       format('SELECT public.registry_set_actor(%L); SELECT count(*) AS removed FROM public.retention_apply()',
              @actor::text)::text AS retention_command;
