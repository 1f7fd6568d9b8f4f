package queries_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
)

// TestApprovals requests, reads, lists and deletes approvals.
func TestApprovals(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)

	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	sec := res(q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{
		VersionID: f.VersionID, ApprovalType: "security", RequiredForEnv: ptr("prod"), RequestedBy: "fixture-user",
		ExpiresAt: &expires, ComplianceChecklist: json.RawMessage(`{"pen_test":true,"owners":["ann","bob"]}`),
		RiskAssessmentScore: regtest.Ptr(3.5),
	})).must(t)
	if sec.Status != "pending" || sec.ApprovalType != "security" || deref(sec.RequiredForEnv) != "prod" || sec.RequestedAt == nil ||
		sec.ExpiresAt == nil || !sec.ExpiresAt.Equal(expires) || deref(sec.RiskAssessmentScore) != 3.5 ||
		sec.RequestedByUserID == nil || *sec.RequestedByUserID != f.UserID || sec.ApprovedBy != nil || sec.RejectedBy != nil {
		t.Errorf("ApprovalRequest returned %+v", sec)
	}
	var checklist map[string]any
	if err := json.Unmarshal(sec.ComplianceChecklist, &checklist); err != nil ||
		!reflect.DeepEqual(checklist, map[string]any{"pen_test": true, "owners": []any{"ann", "bob"}}) {
		t.Errorf("compliance_checklist = %s, %v", sec.ComplianceChecklist, err)
	}

	got := res(q.ApprovalGetByID(ctx, sec.ApprovalID)).must(t)
	if got.ApprovalType != "security" || got.VersionID != f.VersionID || !got.RequestedAt.Equal(*sec.RequestedAt) {
		t.Errorf("ApprovalGetByID = %+v", got)
	}

	// The fixture's compliance approval and this one, newest first.
	list := res(q.ApprovalListByVersion(ctx, f.VersionID)).must(t)
	if ids := field(list, func(a registrydb.Approval) uuid.UUID { return a.ApprovalID }); !equal(ids, []uuid.UUID{sec.ApprovalID, f.ApprovalID}) {
		t.Errorf("ApprovalListByVersion = %v, want [%s %s]", ids, sec.ApprovalID, f.ApprovalID)
	}
	other := register(t, q, f.ModelID, "2.0.0")
	if list := res(q.ApprovalListByVersion(ctx, other.VersionID)).must(t); len(list) != 0 {
		t.Errorf("ApprovalListByVersion of a version without approvals: %d rows", len(list))
	}

	n, err := q.ApprovalDelete(ctx, sec.ApprovalID)
	wantRows(t, "ApprovalDelete", n, err, 1)
	_, err = q.ApprovalGetByID(ctx, sec.ApprovalID)
	wantNotFound(t, "deleted approval", err)
	n, err = q.ApprovalDelete(ctx, sec.ApprovalID)
	wantRows(t, "ApprovalDelete again", n, err, 0)
	if list := res(q.ApprovalListByVersion(ctx, f.VersionID)).must(t); len(list) != 1 || list[0].ApprovalID != f.ApprovalID {
		t.Errorf("approvals after the delete = %d rows", len(list))
	}
}

// TestApprovalListPending pages through the review queue, oldest request
// first, and drops approvals once decided.
func TestApprovalListPending(t *testing.T) {
	t.Parallel()
	ctx, pool, q, f := setup(t)

	type key struct {
		at time.Time
		id uuid.UUID
	}
	fixture := res(q.ApprovalGetByID(ctx, f.ApprovalID)).must(t)
	keys := []key{{*fixture.RequestedAt, fixture.ApprovalID}}
	// Requested in one transaction, these three share requested_at:
	// approval_id alone orders them, and a page may end between two of them.
	byType := map[string]uuid.UUID{}
	tx, err := pool.Begin(ctx)
	must(t, err)
	for _, typ := range []string{"security", "legal", "business"} {
		a := res(q.WithTx(tx).ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: f.VersionID, ApprovalType: typ, RequestedBy: "fixture-user"})).must(t)
		keys = append(keys, key{*a.RequestedAt, a.ApprovalID})
		byType[typ] = a.ApprovalID
	}
	must(t, tx.Commit(ctx))
	sort.Slice(keys, func(i, j int) bool {
		if !keys[i].at.Equal(keys[j].at) {
			return keys[i].at.Before(keys[j].at)
		}
		return bytes.Compare(keys[i].id[:], keys[j].id[:]) < 0
	})
	want := field(keys, func(k key) uuid.UUID { return k.id })

	pending := func(maxRows int32) []uuid.UUID {
		var ids []uuid.UUID
		p := registrydb.ApprovalListPendingParams{MaxRows: maxRows}
		for pages := 0; pages < 10; pages++ {
			page := res(q.ApprovalListPending(ctx, p)).must(t)
			if len(page) == 0 {
				break
			}
			if len(page) > int(maxRows) {
				t.Fatalf("page of %d rows, limit %d", len(page), maxRows)
			}
			for _, r := range page {
				if r.Status != "pending" || r.ModelName != "fixture-model" || r.Semver != "1.0.0" {
					t.Errorf("pending row %+v", r)
				}
				ids = append(ids, r.ApprovalID)
			}
			p.AfterRequestedAt, p.AfterID = *page[len(page)-1].RequestedAt, page[len(page)-1].ApprovalID
		}
		return ids
	}
	for _, size := range []int32{1, 2, 3, 10} {
		if got := pending(size); !equal(got, want) {
			t.Errorf("ApprovalListPending in pages of %d = %v, want %v", size, got, want)
		}
	}

	res(q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: byType["security"], ApprovedBy: ptr("ciso")})).must(t)
	res(q.ApprovalReject(ctx, registrydb.ApprovalRejectParams{ApprovalID: byType["legal"], RejectedBy: ptr("counsel"), RejectionReason: ptr("licence")})).must(t)
	var left []uuid.UUID
	for _, id := range want {
		if id != byType["security"] && id != byType["legal"] {
			left = append(left, id)
		}
	}
	if got := pending(1); !equal(got, left) {
		t.Errorf("ApprovalListPending after one approval and one rejection = %v, want %v", got, left)
	}
}

// TestApprovalDecisions approves and rejects pending approvals; a decided
// approval cannot be decided again.
func TestApprovalDecisions(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)
	request := func(typ string, expires *time.Time) registrydb.Approval {
		return res(q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: f.VersionID, ApprovalType: typ, RequestedBy: "fixture-user", ExpiresAt: expires})).must(t)
	}

	later := time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)
	ok := res(q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: f.ApprovalID, ApprovedBy: ptr("cco"), ApprovalNotes: ptr("all clear"), ExpiresAt: &later})).must(t)
	if ok.Status != "approved" || deref(ok.ApprovedBy) != "cco" || deref(ok.ApprovalNotes) != "all clear" || ok.ApprovedAt == nil ||
		ok.ApprovedAt.Before(*ok.RequestedAt) || ok.ExpiresAt == nil || !ok.ExpiresAt.Equal(later) || ok.RejectedAt != nil {
		t.Errorf("ApprovalApprove = %+v", ok)
	}
	if back := res(q.ApprovalGetByID(ctx, f.ApprovalID)).must(t); back.Status != "approved" || deref(back.ApprovedBy) != "cco" {
		t.Errorf("approval read back = %+v", back)
	}
	_, err := q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: f.ApprovalID, ApprovedBy: ptr("someone-else")})
	wantNotFound(t, "approving an approved approval", err)
	_, err = q.ApprovalReject(ctx, registrydb.ApprovalRejectParams{ApprovalID: f.ApprovalID, RejectedBy: ptr("x"), RejectionReason: ptr("y")})
	wantNotFound(t, "rejecting an approved approval", err)

	// Approving without expires_at keeps the one requested.
	requested := time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC)
	kept := res(q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: request("technical", &requested).ApprovalID, ApprovedBy: ptr("cto")})).must(t)
	if kept.ExpiresAt == nil || !kept.ExpiresAt.Equal(requested) || kept.ApprovalNotes != nil {
		t.Errorf("approval without a new expiry: expires_at %v, want %v", kept.ExpiresAt, requested)
	}

	no := res(q.ApprovalReject(ctx, registrydb.ApprovalRejectParams{ApprovalID: request("legal", nil).ApprovalID, RejectedBy: ptr("counsel"), RejectionReason: ptr("licence unclear")})).must(t)
	if no.Status != "rejected" || deref(no.RejectedBy) != "counsel" || deref(no.RejectionReason) != "licence unclear" ||
		no.RejectedAt == nil || no.RejectedAt.Before(*no.RequestedAt) || no.ApprovedBy != nil || no.ApprovedAt != nil {
		t.Errorf("ApprovalReject = %+v", no)
	}
	_, err = q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: no.ApprovalID, ApprovedBy: ptr("cto")})
	wantNotFound(t, "approving a rejected approval", err)
	_, err = q.ApprovalReject(ctx, registrydb.ApprovalRejectParams{ApprovalID: no.ApprovalID, RejectedBy: ptr("x"), RejectionReason: ptr("y")})
	wantNotFound(t, "rejecting a rejected approval", err)
}

// TestApprovalExpireDue expires the pending and approved approvals whose
// expiry has passed, and nothing else.
func TestApprovalExpireDue(t *testing.T) {
	t.Parallel()
	ctx, _, q, f := setup(t)
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	request := func(typ string, expires *time.Time) registrydb.Approval {
		return res(q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: f.VersionID, ApprovalType: typ, RequestedBy: "fixture-user", ExpiresAt: expires})).must(t)
	}

	pendingDue := request("security", &past)
	pendingLater := request("legal", &future)
	approvedDue := res(q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: request("business", &future).ApprovalID, ApprovedBy: ptr("cfo"), ExpiresAt: &past})).must(t)
	approvedLater := res(q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: request("technical", &future).ApprovalID, ApprovedBy: ptr("cto")})).must(t)
	rejectedDue := res(q.ApprovalReject(ctx, registrydb.ApprovalRejectParams{ApprovalID: request("compliance", &past).ApprovalID, RejectedBy: ptr("cco"), RejectionReason: ptr("no")})).must(t)

	expired := res(q.ApprovalExpireDue(ctx)).must(t)
	got := map[uuid.UUID]string{}
	for _, a := range expired {
		got[a.ApprovalID] = a.Status
	}
	if want := map[uuid.UUID]string{pendingDue.ApprovalID: "expired", approvedDue.ApprovalID: "expired"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ApprovalExpireDue returned %v, want %v", got, want)
	}
	for _, c := range []struct {
		name   string
		id     uuid.UUID
		status string
	}{
		{"pending, due", pendingDue.ApprovalID, "expired"},
		{"approved, due", approvedDue.ApprovalID, "expired"},
		{"pending, not due", pendingLater.ApprovalID, "pending"},
		{"approved, not due", approvedLater.ApprovalID, "approved"},
		{"rejected, due", rejectedDue.ApprovalID, "rejected"},
		{"fixture, no expiry", f.ApprovalID, "pending"},
	} {
		if a := res(q.ApprovalGetByID(ctx, c.id)).must(t); a.Status != c.status {
			t.Errorf("%s: status %s, want %s", c.name, a.Status, c.status)
		}
	}
	if again := res(q.ApprovalExpireDue(ctx)).must(t); len(again) != 0 {
		t.Errorf("second ApprovalExpireDue expired %d more", len(again))
	}
}
