package db_test

import (
	"testing"
	"time"
)

// TestAliasRestoreOnlyBuildsAHistory: restore_model_alias_period (what
// `mlreg import jsonl` restores an exported alias history with) is the
// admin's: a writer may not call it; the admin may write a back-dated,
// closed period under the exporting actor for an alias without history,
// and more periods of it in the same transaction; but not a period of an
// alias that already has a history (it cannot rewrite or extend one), and
// the alias rules still refuse a back-dated period written any other way.
func TestAliasRestoreOnlyBuildsAHistory(t *testing.T) {
	pool, _, f := newFixture(t)
	writer := newLogin(t, pool, "registry_writer")
	admin := newLogin(t, pool, "registry_admin")
	const restore = "SELECT restore_model_alias_period($1, $2, $3, $4, $5, $6, $7)"
	past := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	before := digest(t, pool)
	wantSQLState(t, writer.exec(restore, 900001, f.ModelID, "restored", f.VersionID, past, past.Add(time.Hour), "someone-else"), "42501")
	unchanged(t, pool, before)

	admin.must("BEGIN")
	admin.must(restore, 900001, f.ModelID, "restored", f.VersionID, past, past.Add(time.Hour), "alice")
	admin.must(restore, 900002, f.ModelID, "restored", f.VersionID, past.Add(time.Hour), nil, "bob")
	admin.must("COMMIT")
	var setBy string
	if err := pool.QueryRow(t.Context(), "SELECT string_agg(set_by || ' ' || lower(valid_during)::text, ', ' ORDER BY alias_id) FROM model_aliases WHERE alias = 'restored'").Scan(&setBy); err != nil {
		t.Fatal(err)
	}
	if setBy != "alice 2025-01-01 00:00:00+00, bob 2025-01-01 01:00:00+00" {
		t.Errorf("restored periods: %s", setBy)
	}

	before = digest(t, pool)
	wantSQLState(t, admin.exec(restore, 900003, f.ModelID, "restored", f.VersionID, past.Add(-time.Hour), past, "mallory"), "42501", "has a history already")
	wantSQLState(t, admin.exec("INSERT INTO model_aliases (model_id, alias, version_id, valid_during) VALUES ($1, 'forged', $2, tstzrange($3, NULL))",
		f.ModelID, f.VersionID, past), "42501")
	// The restore's mark does not open the door to a plain INSERT either.
	admin.must("BEGIN")
	admin.must("SELECT set_config('registry.alias_restore', pg_current_xact_id()::text, true)")
	wantSQLState(t, admin.exec("INSERT INTO model_aliases (model_id, alias, version_id, valid_during) VALUES ($1, 'forged', $2, tstzrange($3, NULL))",
		f.ModelID, f.VersionID, past), "42501")
	unchanged(t, pool, before)
}
