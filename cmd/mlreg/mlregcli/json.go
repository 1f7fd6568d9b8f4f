package mlregcli

import (
	"encoding/json"
	"time"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/integrity"
	"github.com/mlplatform/model-registry/schemas"
)

// The JSON documents of check and audit log (lineage's and impact's are the
// lineage package's): report types of their own, so that a column renamed
// in SQL cannot rename a field of the contract (schemas/v1).
const (
	schemaCheck    = schemas.Base + "v1/check.json"
	schemaAuditLog = schemas.Base + "v1/audit-log.json"
)

// checkDocument is `mlreg check --format json` (schemas/v1/check.json).
type checkDocument struct {
	Schema   string              `json:"schema"`
	OK       bool                `json:"ok"`
	Checks   []checkSummary      `json:"checks"`
	Errors   int                 `json:"errors"`
	Warnings int                 `json:"warnings"`
	Findings []integrity.Finding `json:"findings"`
}

type checkSummary struct {
	Check    string `json:"check"`
	Severity string `json:"severity"`
	Findings int    `json:"findings"`
}

func newCheckDocument(r integrity.Report) checkDocument {
	doc := checkDocument{Schema: schemaCheck, OK: r.OK(), Errors: r.Errors, Warnings: r.Warnings(),
		Findings: r.Findings, Checks: []checkSummary{}}
	if doc.Findings == nil {
		doc.Findings = []integrity.Finding{}
	}
	found := map[string]int{}
	for _, f := range r.Findings {
		found[f.Check]++
	}
	for _, c := range integrity.Checks() {
		doc.Checks = append(doc.Checks, checkSummary{Check: c.Name, Severity: c.Severity, Findings: found[c.Name]})
	}
	return doc
}

// auditLogDocument is `mlreg audit log --format json` (schemas/v1/audit-log.json).
type auditLogDocument struct {
	Schema  string       `json:"schema"`
	Entries []auditEntry `json:"entries"`
}

type auditEntry struct {
	AuditID   int64           `json:"audit_id"`
	TxTime    time.Time       `json:"tx_time"`
	ClockTime time.Time       `json:"clock_time"`
	Actor     string          `json:"actor"`
	DBUser    string          `json:"db_user"`
	Table     string          `json:"table"`
	Action    string          `json:"action"`
	RowKey    json.RawMessage `json:"row_key"`
	OldRow    json.RawMessage `json:"old_row"`
	NewRow    json.RawMessage `json:"new_row"`
}

func newAuditLogDocument(rows []registrydb.AuditLogListRow) auditLogDocument {
	doc := auditLogDocument{Schema: schemaAuditLog, Entries: make([]auditEntry, len(rows))}
	for i, r := range rows {
		doc.Entries[i] = auditEntry{AuditID: r.AuditID, TxTime: r.TxTime.UTC(), ClockTime: r.ClockTime.UTC(), Actor: r.Actor,
			DBUser: r.DbUser, Table: r.TableName, Action: r.Action, RowKey: jsonOrNull(r.RowKey),
			OldRow: jsonOrNull(r.OldRow), NewRow: jsonOrNull(r.NewRow)}
	}
	return doc
}

// jsonOrNull is raw JSON, or null for none (a nil RawMessage marshals as null too,
// but an empty one would not marshal at all).
func jsonOrNull(raw []byte) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}
