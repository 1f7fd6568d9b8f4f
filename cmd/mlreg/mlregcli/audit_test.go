package mlregcli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAuditVerifyAfterTampering: verify passes on a seeded, sealed registry
// and exits 1 naming every place where trail and chain disagree once a row
// is edited and two others deleted with the triggers disabled.
func TestAuditVerifyAfterTampering(t *testing.T) {
	url := seeded(t)
	if code, out, stderr := mlreg(t, "--database-url", url, "audit", "verify"); code != 0 || !strings.Contains(out, "nothing sealed yet") {
		t.Fatalf("verify before any seal: exit %d: %s%s", code, out, stderr)
	}
	code, out, stderr := mlreg(t, "--database-url", url, "audit", "seal")
	if code != 0 || !strings.Contains(out, "rows sealed; head audit_id") {
		t.Fatalf("seal: exit %d: %s%s", code, out, stderr)
	}
	if code, out, stderr := mlreg(t, "--database-url", url, "audit", "verify"); code != 0 || !strings.Contains(out, "links intact from audit_id 1") {
		t.Fatalf("verify: exit %d: %s%s", code, out, stderr)
	}
	exec(t, url, `BEGIN; SET LOCAL session_replication_role = replica;
		UPDATE audit_log SET new_row = new_row || '{"display_name": "forged"}' WHERE audit_id = 7;
		DELETE FROM audit_log WHERE audit_id IN (11, 12); COMMIT`)
	code, out, _ = mlreg(t, "--database-url", url, "audit", "verify")
	if code != 1 || !strings.Contains(out, "audit verify: audit_id 7 (1 row): audit row was altered") ||
		!strings.Contains(out, "audit verify: audit_id 11 to 12 (2 rows): audit row was removed") {
		t.Fatalf("verify after tampering: exit %d: %s", code, out)
	}
}

// TestAuditLog: the trail filtered by table and actor, as text and JSON.
func TestAuditLog(t *testing.T) {
	url := seeded(t) // seeded as the OS user (--actor's default)
	if code, _, stderr := mlreg(t, "--database-url", url, "--actor", "carol", "seed"); code != 0 {
		t.Fatalf("second seed: %s", stderr)
	}
	code, out, stderr := mlreg(t, "--database-url", url, "audit", "log", "--table", "models", "--format", "json", "--limit", "2")
	if code != 0 {
		t.Fatalf("audit log: exit %d: %s", code, stderr)
	}
	var doc struct {
		Entries []struct {
			Table  string          `json:"table"`
			Action string          `json:"action"`
			NewRow json.RawMessage `json:"new_row"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Entries) != 2 {
		t.Fatalf("audit log json: %v: %s", err, out)
	}
	for _, r := range doc.Entries {
		if r.Table != "models" || r.Action != "INSERT" || !strings.Contains(string(r.NewRow), "model_name") {
			t.Errorf("row %+v", r)
		}
	}
	// The second seed changed nothing, so carol wrote no audit row.
	if code, out, _ := mlreg(t, "--database-url", url, "audit", "log", "--actor", "carol"); code != 0 || strings.Count(out, "\n") != 1 {
		t.Errorf("carol's trail should be empty (header only): %q", out)
	}
	for _, bad := range [][]string{
		{"audit"}, {"audit", "rewrite"}, {"audit", "log", "--limit", "0"},
		{"audit", "log", "--since", "last tuesday"}, {"audit", "log", "--format", "xml"},
	} {
		code, _, stderr := mlreg(t, append([]string{"--database-url", url}, bad...)...)
		if code != 2 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: want exit 2 and one line, got %d %q", bad, code, stderr)
		}
	}
}
