package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/registry"
)

// wantRefused fails unless err is the named constraint's violation and its
// message holds every one of want.
func wantRefused(t *testing.T, err error, constraint string, want ...string) {
	t.Helper()
	var ce *registry.ConstraintError
	if !errors.As(registry.MapError(err), &ce) || ce.Constraint != constraint {
		t.Fatalf("want refusal by %s, got %v", constraint, err)
	}
	for _, w := range want {
		if !strings.Contains(ce.Message, w) {
			t.Errorf("message %q does not name %q", ce.Message, w)
		}
	}
}

func deploy(ctx context.Context, q *registrydb.Queries, versionID uuid.UUID, env string, traffic int32) (registrydb.Deployment, error) {
	return q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{
		VersionID: versionID, EnvironmentName: env, DeployedBy: "t", TrafficPercentage: regtest.Ptr(traffic),
	})
}

func registerVersion(t *testing.T, q *registrydb.Queries, modelID uuid.UUID, semver string) registrydb.ModelVersion {
	t.Helper()
	v, err := q.ModelVersionRegister(context.Background(), registrydb.ModelVersionRegisterParams{
		ModelID: modelID, Semver: semver, ArtifactURI: "s3://t/" + semver, Framework: "onnx", RegisteredBy: "t",
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newModel(t *testing.T, q *registrydb.Queries, name string, compliance bool) registrydb.Model {
	t.Helper()
	m, err := q.ModelCreate(context.Background(), registrydb.ModelCreateParams{
		ModelName: name, DisplayName: name, ComplianceRequired: regtest.Ptr(compliance),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestApprovalGate: a compliance-required model reaches a production
// environment only with an approved compliance approval that has not expired.
func TestApprovalGate(t *testing.T) {
	ctx := context.Background()
	pool, q, f := newFixture(t)

	_, err := deploy(ctx, q, f.VersionID, "prod-eu", 100)
	wantRefused(t, err, "deployment_requires_approval", "fixture-model", "1.0.0", "prod-eu")
	if _, err := deploy(ctx, q, f.VersionID, "staging", 100); err != nil {
		t.Fatalf("staging needs no approval: %v", err)
	}

	// Another type of approval does not open the gate.
	security, err := q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: f.VersionID, ApprovalType: "security", RequestedBy: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: security.ApprovalID, ApprovedBy: regtest.Ptr("ciso")}); err != nil {
		t.Fatal(err)
	}
	_, err = deploy(ctx, q, f.VersionID, "prod-eu", 100)
	wantRefused(t, err, "deployment_requires_approval")

	// An approved compliance approval that has expired does not either.
	if _, err := q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{
		ApprovalID: f.ApprovalID, ApprovedBy: regtest.Ptr("cco"), ExpiresAt: regtest.Ptr(time.Now().Add(-time.Minute)),
	}); err != nil {
		t.Fatal(err)
	}
	_, err = deploy(ctx, q, f.VersionID, "prod-eu", 100)
	wantRefused(t, err, "deployment_requires_approval")

	// A current one does: approving afterwards and retrying succeeds.
	fresh, err := q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: f.VersionID, ApprovalType: "compliance", RequestedBy: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: fresh.ApprovalID, ApprovedBy: regtest.Ptr("cco")}); err != nil {
		t.Fatal(err)
	}
	prod, err := deploy(ctx, q, f.VersionID, "prod-eu", 100)
	if err != nil {
		t.Fatalf("approved version refused: %v", err)
	}

	// Once revoked, the approval cannot bring a deployment back to active.
	revoked, err := q.ApprovalRevoke(ctx, regtest.Ptr("audit finding"), fresh.ApprovalID)
	if err != nil || revoked.Status != "expired" || revoked.ExpiresAt == nil {
		t.Fatalf("ApprovalRevoke = %+v, %v", revoked, err)
	}
	if _, err := q.DeploymentSetStatus(ctx, "degraded", prod.DeploymentID); err != nil {
		t.Fatal(err)
	}
	_, err = q.DeploymentSetStatus(ctx, "active", prod.DeploymentID)
	wantRefused(t, err, "deployment_requires_approval")

	// An approval stays with its version, and a decision is final.
	other := registerVersion(t, q, f.ModelID, "1.1.0")
	err = inRolledBackTx(pool, fmt.Sprintf("UPDATE approvals SET version_id = '%s' WHERE approval_id = '%s'", other.VersionID, fresh.ApprovalID))
	if code, name := pgCode(err); code != "23514" || name != "approval_version_immutable" {
		t.Errorf("moving an approval to another version: %v", err)
	}
	err = inRolledBackTx(pool, fmt.Sprintf("UPDATE approvals SET status = 'approved' WHERE approval_id = '%s'", fresh.ApprovalID))
	if code, name := pgCode(err); code != "23514" || name != "approval_decision_final" {
		t.Errorf("re-approving a revoked approval: %v", err)
	}

	// A model that does not require compliance needs no approval.
	free := newModel(t, q, "free-model", false)
	v := registerVersion(t, q, free.ModelID, "1.0.0")
	if _, err := deploy(ctx, q, v.VersionID, "prod-eu", 100); err != nil {
		t.Fatalf("model without compliance_required refused: %v", err)
	}
}

// TestTrafficAddsUp: the active deployments of a model in one environment
// carry at most 100 percent of its traffic.
func TestTrafficAddsUp(t *testing.T) {
	ctx := context.Background()
	pool, q, _ := newFixture(t)
	m := newModel(t, q, "canary-model", false)
	v1 := registerVersion(t, q, m.ModelID, "1.0.0")
	v2 := registerVersion(t, q, m.ModelID, "2.0.0")

	blue, err := deploy(ctx, q, v1.VersionID, "staging", 60)
	if err != nil {
		t.Fatal(err)
	}
	green, err := deploy(ctx, q, v2.VersionID, "staging", 40)
	if err != nil {
		t.Fatalf("60 + 40 refused: %v", err)
	}
	_, err = deploy(ctx, q, v2.VersionID, "staging", 1)
	wantRefused(t, err, "deployment_traffic_within_100", "canary-model", "101", "staging")
	_, err = q.DeploymentShiftTraffic(ctx, regtest.Ptr(int32(41)), green.DeploymentID)
	wantRefused(t, err, "deployment_traffic_within_100")
	if _, err := deploy(ctx, q, v2.VersionID, "prod-eu", 100); err != nil {
		t.Fatalf("another environment has its own 100 percent: %v", err)
	}

	// A deployment without a traffic share takes all of it.
	_, err = q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: v1.VersionID, EnvironmentName: "qa", DeployedBy: "t"})
	if err != nil {
		t.Fatal(err)
	}
	err = inRolledBackTx(pool, fmt.Sprintf("INSERT INTO deployments (version_id, environment_id, deployed_by, traffic_percentage) SELECT '%s', environment_id, 't', NULL FROM environments WHERE environment_name = 'qa'", v2.VersionID))
	if code, name := pgCode(err); code != "23514" || name != "deployment_traffic_within_100" {
		t.Errorf("a NULL-traffic deployment next to a 100%% one: %v", err)
	}
	// A version cannot take its deployments to another model.
	err = inRolledBackTx(pool, fmt.Sprintf("UPDATE model_versions SET model_id = '%s' WHERE version_id = '%s'", newModel(t, q, "elsewhere", false).ModelID, v1.VersionID))
	if code, name := pgCode(err); code != "23514" || name != "version_model_immutable" {
		t.Errorf("moving a version to another model: %v", err)
	}

	// Shifting traffic from blue to green is two steps: down, then up.
	if _, err := q.DeploymentShiftTraffic(ctx, regtest.Ptr(int32(10)), blue.DeploymentID); err != nil {
		t.Fatal(err)
	}
	if _, err := q.DeploymentShiftTraffic(ctx, regtest.Ptr(int32(90)), green.DeploymentID); err != nil {
		t.Fatalf("10 + 90 refused: %v", err)
	}
	if _, err := q.DeploymentUndeploy(ctx, regtest.Ptr("t"), blue.DeploymentID); err != nil {
		t.Fatal(err)
	}
	if _, err := deploy(ctx, q, v1.VersionID, "staging", 10); err != nil {
		t.Fatalf("undeploying freed no traffic: %v", err)
	}
}

// TestTrafficAddsUpUnderConcurrency races two transactions that each add an
// active 60 percent deployment of another version of one model to one
// environment: exactly one may commit, at every isolation level, whether or
// not the model had an active deployment there before.
func TestTrafficAddsUpUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	pool, q, _ := newFixture(t)
	const rounds = 40
	for _, iso := range []pgx.TxIsoLevel{pgx.ReadCommitted, pgx.RepeatableRead, pgx.Serializable} {
		for i := range rounds {
			m := newModel(t, q, fmt.Sprintf("race-%s-%d", strings.ReplaceAll(string(iso), " ", "-"), i), false)
			v1 := registerVersion(t, q, m.ModelID, "1.0.0")
			v2 := registerVersion(t, q, m.ModelID, "2.0.0")
			if i%2 == 1 { // the lock row exists already
				d, err := deploy(ctx, q, v1.VersionID, "staging", 10)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := q.DeploymentUndeploy(ctx, regtest.Ptr("t"), d.DeploymentID); err != nil {
					t.Fatal(err)
				}
			}
			committed := raceDeployments(t, pool, iso, v1.VersionID, v2.VersionID)
			if committed != 1 {
				t.Fatalf("%s round %d: %d of 2 transactions committed 60 percent each", iso, i, committed)
			}
		}
	}
}

// raceDeployments starts one transaction per version, lets both insert at
// the same moment, and returns how many committed. A loser must fail with
// the traffic rule or a serialization failure, nothing else.
func raceDeployments(t *testing.T, pool *pgxpool.Pool, iso pgx.TxIsoLevel, versions ...uuid.UUID) int {
	t.Helper()
	ctx := context.Background()
	var (
		ready, wg sync.WaitGroup
		start     = make(chan struct{})
		mu        sync.Mutex
		committed int
		failures  []error
	)
	ready.Add(len(versions))
	for _, v := range versions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: iso})
			if err != nil {
				ready.Done()
				mu.Lock()
				failures = append(failures, err)
				mu.Unlock()
				return
			}
			defer tx.Rollback(ctx)
			q := registrydb.New(tx)
			_, err = q.ModelVersionGetByID(ctx, v) // take the snapshot before the race
			ready.Done()
			<-start
			if err == nil {
				_, err = deploy(ctx, q, v, "staging", 60)
			}
			if err == nil {
				err = tx.Commit(ctx)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				committed++
			} else if code, name := pgCode(err); !(code == "23514" && name == "deployment_traffic_within_100") && !registry.Retryable(err) {
				failures = append(failures, err)
			}
		}()
	}
	ready.Wait()
	close(start)
	wg.Wait()
	for _, err := range failures {
		t.Errorf("unexpected failure: %v", err)
	}
	return committed
}

// TestVersionLifecycle: status moves forward only (deprecated may return to
// deployed), the database stamps the dates, and an archived version gets no
// new active deployment.
func TestVersionLifecycle(t *testing.T) {
	ctx := context.Background()
	pool, q, f := newFixture(t)

	steps := []struct {
		to      string
		refused bool
	}{
		{"validated", false},
		{"registered", true},
		{"deployed", false},
		{"validated", true},
		{"deprecated", false},
		{"deployed", false}, // rollback to the previous release
		{"deprecated", false},
		{"archived", false},
		{"deprecated", true},
		{"deployed", true},
	}
	for _, s := range steps {
		v, err := q.ModelVersionSetStatus(ctx, s.to, f.VersionID)
		if s.refused {
			wantRefused(t, err, "version_lifecycle", "1.0.0", s.to)
			continue
		}
		if err != nil {
			t.Fatalf("-> %s: %v", s.to, err)
		}
		if v.Status != s.to {
			t.Fatalf("-> %s: status is %s", s.to, v.Status)
		}
		if retired := s.to == "deprecated" || s.to == "archived"; retired != (v.DeprecatedAt != nil) {
			t.Errorf("-> %s: deprecated_at = %v", s.to, v.DeprecatedAt)
		}
		if s.to != "validated" && v.PromotedToProductionAt == nil {
			t.Errorf("-> %s: promoted_to_production_at not set", s.to)
		}
	}

	// The dates are the database's: a caller's rewrite is ignored.
	before, err := q.ModelVersionGetByID(ctx, f.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE model_versions SET deprecated_at = '2001-01-01', promoted_to_production_at = '1999-01-01' WHERE version_id = $1", f.VersionID); err != nil {
		t.Fatal(err)
	}
	after, err := q.ModelVersionGetByID(ctx, f.VersionID)
	if err != nil || !after.DeprecatedAt.Equal(*before.DeprecatedAt) || !after.PromotedToProductionAt.Equal(*before.PromotedToProductionAt) {
		t.Fatalf("lifecycle dates rewritten: %v/%v, were %v/%v (%v)", after.DeprecatedAt, after.PromotedToProductionAt, before.DeprecatedAt, before.PromotedToProductionAt, err)
	}

	_, err = deploy(ctx, q, f.VersionID, "staging", 10)
	wantRefused(t, err, "deployment_of_retired_version", "fixture-model", "1.0.0", "archived")
	// Its existing deployment may still be taken down.
	if _, err := q.DeploymentUndeploy(ctx, regtest.Ptr("t"), f.DeploymentID); err != nil {
		t.Fatalf("undeploying an archived version's deployment: %v", err)
	}
}

// TestModelAliases: an alias names one version of its model at a time, moves
// in one call, and keeps the history of what it named.
func TestModelAliases(t *testing.T) {
	ctx := context.Background()
	pool, q, f := newFixture(t)
	v2 := registerVersion(t, q, f.ModelID, "2.0.0")

	first, err := q.ModelAliasResolve(ctx, f.ModelID, "champion")
	if err != nil || first.Semver != "1.0.0" {
		t.Fatalf("champion = %+v, %v", first, err)
	}
	moved, err := q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: f.ModelID, Alias: "champion", VersionID: v2.VersionID})
	if err != nil || moved.VersionID != v2.VersionID {
		t.Fatalf("move: %+v, %v", moved, err)
	}
	again, err := q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: f.ModelID, Alias: "champion", VersionID: v2.VersionID})
	if err != nil || again.AliasID != moved.AliasID {
		t.Fatalf("moving to the same version made a new period: %+v, %v", again, err)
	}
	history, err := q.ModelAliasHistory(ctx, f.ModelID, "champion")
	if err != nil || len(history) != 2 || history[0].Semver != "2.0.0" || history[0].ValidUntil != nil ||
		history[1].Semver != "1.0.0" || history[1].ValidUntil == nil || !history[1].ValidUntil.Equal(history[0].ValidFrom) {
		t.Fatalf("history = %+v, %v", history, err)
	}
	before, err := q.ModelAliasResolveAt(ctx, registrydb.ModelAliasResolveAtParams{ModelID: f.ModelID, Alias: "champion", At: history[0].ValidFrom.Add(-time.Microsecond)})
	if err != nil || before.Semver != "1.0.0" {
		t.Fatalf("champion just before the move = %+v, %v", before, err)
	}

	// The database refuses a second current version for the alias, and a
	// version of another model.
	err = inRolledBackTx(pool, fmt.Sprintf(`INSERT INTO model_aliases (model_id, alias, version_id) VALUES ('%s', 'champion', '%s')`, f.ModelID, f.VersionID))
	if code, name := pgCode(err); code != "23P01" || name != "one_version_per_alias" {
		t.Fatalf("overlapping alias: %v", err)
	}
	err = inRolledBackTx(pool, fmt.Sprintf(`INSERT INTO model_aliases (model_id, alias, version_id, valid_during) VALUES ('%s', 'empty', '%s', 'empty')`, f.ModelID, f.VersionID))
	if code, _ := pgCode(err); code != "23502" {
		t.Fatalf("empty period: want not-null violation of valid_from, got %v", err)
	}
	// The history cannot be rewritten or deleted, only closed.
	for _, rewrite := range []string{
		fmt.Sprintf(`UPDATE model_aliases SET version_id = '%s' WHERE alias_id = %d`, v2.VersionID, f.AliasID),
		fmt.Sprintf(`UPDATE model_aliases SET valid_during = tstzrange(lower(valid_during) - interval '1 day', upper(valid_during)) WHERE alias_id = %d`, f.AliasID),
		fmt.Sprintf(`DELETE FROM model_aliases WHERE alias_id = %d`, f.AliasID),
	} {
		if code, _ := pgCode(inRolledBackTx(pool, rewrite)); code != "42501" {
			t.Errorf("%s: want refusal (42501), got %q", rewrite, code)
		}
	}
	other := newModel(t, q, "other-model", false)
	_, err = q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: other.ModelID, Alias: "champion", VersionID: f.VersionID})
	wantRefused(t, err, "model_aliases_version_fk")

	list, err := q.ModelAliasListByModel(ctx, f.ModelID)
	if err != nil || len(list) != 1 || list[0].Alias != "champion" || list[0].Semver != "2.0.0" {
		t.Fatalf("aliases = %+v, %v", list, err)
	}
	removed, err := q.ModelAliasRemove(ctx, f.ModelID, "champion")
	if err != nil || len(removed) != 1 || removed[0].VersionID != v2.VersionID {
		t.Fatalf("remove: %+v, %v", removed, err)
	}
	if _, err := q.ModelAliasResolve(ctx, f.ModelID, "champion"); !errors.Is(registry.MapError(err), registry.ErrNotFound) {
		t.Fatalf("removed alias still resolves: %v", err)
	}
}

// TestModelAliasConcurrentMoves: moves of one alias from many connections
// queue; afterwards its periods do not overlap and exactly one is current.
func TestModelAliasConcurrentMoves(t *testing.T) {
	ctx := context.Background()
	_, q, f := newFixture(t)
	const movers = 8
	versions := make([]uuid.UUID, movers)
	for i := range versions {
		versions[i] = registerVersion(t, q, f.ModelID, fmt.Sprintf("2.%d.0", i)).VersionID
	}
	var wg sync.WaitGroup
	errs := make(chan error, movers)
	for _, v := range versions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := q.ModelAliasMove(ctx, registrydb.ModelAliasMoveParams{ModelID: f.ModelID, Alias: "champion", VersionID: v})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent move: %v", err)
		}
	}
	history, err := q.ModelAliasHistory(ctx, f.ModelID, "champion")
	if err != nil || len(history) != movers+1 {
		t.Fatalf("history has %d periods, want %d: %v", len(history), movers+1, err)
	}
	if history[0].ValidUntil != nil {
		t.Fatalf("newest period is closed: %+v", history[0])
	}
	for i := 1; i < len(history); i++ {
		if history[i].ValidUntil == nil || history[i].ValidUntil.After(history[i-1].ValidFrom) {
			t.Errorf("period %d %+v overlaps or is open before %+v", i, history[i], history[i-1])
		}
	}
}

// TestChecksSeeDegraded: the integrity checks treat degraded deployments as
// serving, like the rules: an unapproved degraded production deployment and
// degraded traffic over 100 percent (both written past the triggers, as a
// superuser restoring a dump could) are reported.
func TestChecksSeeDegraded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, q, f := newFixture(t)
	_, v1, v2 := openModel(t, q)
	tamper := fmt.Sprintf(`BEGIN; SET LOCAL session_replication_role = replica;
		INSERT INTO deployments (version_id, environment_id, deployed_by, status, traffic_percentage)
		SELECT v, e.environment_id, 't', 'degraded', 100 FROM environments e,
		       (VALUES ('%s'::uuid, 'prod-eu'), ('%s'::uuid, 'staging'), ('%s'::uuid, 'staging')) AS x(v, env)
		 WHERE e.environment_name = x.env;
		COMMIT`, f.VersionID, v1.VersionID, v2.VersionID)
	if _, err := pool.Exec(ctx, tamper); err != nil {
		t.Fatal(err)
	}
	unapproved, err := q.IntegrityUnapprovedProductionDeployments(ctx)
	if err != nil || len(unapproved) != 1 || !strings.Contains(unapproved[0].Subject, "fixture-model 1.0.0 in prod-eu") {
		t.Errorf("unapproved production deployments: %+v, %v", unapproved, err)
	}
	over, err := q.IntegrityTrafficOverAllocated(ctx)
	if err != nil || len(over) != 1 || !strings.Contains(over[0].Detail, "200%") {
		t.Errorf("traffic over 100 percent: %+v, %v", over, err)
	}
}
