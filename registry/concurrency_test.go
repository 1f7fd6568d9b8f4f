package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/internal/regtest"
	"github.com/mlplatform/model-registry/registry"
)

// TestConcurrentRegistrationOfOneVersion: 32 goroutines register the same
// version at once; one row results and the other 31 get ErrAlreadyExists.
func TestConcurrentRegistrationOfOneVersion(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := registrydb.New(pool)
	f := regtest.Build(t, q)
	const writers = 32
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		created atomic.Int32
		exists  atomic.Int32
	)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := registry.WithTx(ctx, pool, registry.TxOptions{Actor: "racer"}, func(q *registrydb.Queries) error {
				_, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{
					ModelID: f.ModelID, Semver: "3.1.4", ArtifactURI: "s3://race/3.1.4", Framework: "onnx", RegisteredBy: "racer",
				})
				return err
			})
			switch {
			case err == nil:
				created.Add(1)
			case errors.Is(err, registry.ErrAlreadyExists):
				exists.Add(1)
			default:
				t.Errorf("want nil or ErrAlreadyExists, got %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if created.Load() != 1 || exists.Load() != writers-1 {
		t.Fatalf("%d created, %d ErrAlreadyExists; want 1 and %d", created.Load(), exists.Load(), writers-1)
	}
	versions, err := q.ModelVersionListByModel(ctx, registrydb.ModelVersionListByModelParams{ModelID: f.ModelID, MaxRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range versions {
		if v.Semver == "3.1.4" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d rows of version 3.1.4", n)
	}
}

// TestTrafficChurn: goroutines deploy, shift traffic and undeploy versions
// of one model in one environment for a while. No moment may be seen with
// more than 100% active traffic, and replaying the audit trail of every
// deployment gives back its final row: every change has its audit row.
func TestTrafficChurn(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := registrydb.New(pool)
	f := regtest.Build(t, q)
	var versions []uuid.UUID
	for i := range 4 {
		v, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{
			ModelID: f.ModelID, Semver: fmt.Sprintf("5.%d.0", i), ArtifactURI: "s3://churn", Framework: "onnx", RegisteredBy: "churn",
		})
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v.VersionID)
	}
	const workers = 6
	deadline := time.Now().Add(3 * time.Second)
	var (
		wg                sync.WaitGroup
		ops, refusals     atomic.Int64
		overAllocatedSeen atomic.Int64
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for time.Now().Before(deadline) {
				err := registry.WithTx(ctx, pool, registry.TxOptions{Actor: fmt.Sprintf("worker-%d", w)}, func(q *registrydb.Queries) error {
					return churnStep(ctx, q, rng, versions)
				})
				ops.Add(1)
				switch {
				case errors.Is(err, registry.ErrConstraint):
					refusals.Add(1)
				case errors.Is(err, registry.ErrNotFound):
					// another worker undeployed it between our list and our change
				case err != nil:
					t.Errorf("worker %d: %v", w, err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // a watcher sampling the invariant while the workers run
		defer wg.Done()
		for time.Now().Before(deadline) {
			over, err := q.IntegrityTrafficOverAllocated(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			overAllocatedSeen.Add(int64(len(over)))
		}
	}()
	wg.Wait()
	if overAllocatedSeen.Load() != 0 {
		t.Fatalf("over-allocated traffic was visible %d times", overAllocatedSeen.Load())
	}
	if ops.Load() < 50 || refusals.Load() == 0 {
		t.Fatalf("%d operations, %d refused: the churn did not test the limit", ops.Load(), refusals.Load())
	}
	t.Logf("%d operations, %d refused by the traffic rule", ops.Load(), refusals.Load())
	checkAuditReplaysDeployments(t, q, versions)
}

// churnStep does one random deployment change in staging.
func churnStep(ctx context.Context, q *registrydb.Queries, rng *rand.Rand, versions []uuid.UUID) error {
	live, err := q.DeploymentListActiveByEnvironment(ctx, registrydb.DeploymentListActiveByEnvironmentParams{EnvironmentName: "staging", AfterID: uuid.Nil, MaxRows: 100})
	if err != nil {
		return err
	}
	switch op := rng.IntN(3); {
	case op == 0 || len(live) == 0:
		_, err = q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{
			VersionID: versions[rng.IntN(len(versions))], EnvironmentName: "staging", DeployedBy: "churn",
			TrafficPercentage: regtest.Ptr(int32(10 + 10*rng.IntN(6))),
		})
	case op == 1:
		_, err = q.DeploymentShiftTraffic(ctx, regtest.Ptr(int32(5*rng.IntN(21))), live[rng.IntN(len(live))].DeploymentID)
	default:
		_, err = q.DeploymentUndeploy(ctx, regtest.Ptr("churn"), live[rng.IntN(len(live))].DeploymentID)
	}
	return err
}

// checkAuditReplaysDeployments folds each deployment's audit rows (the
// inserted row, then each update's changed columns) and compares the result
// with the row as it is.
func checkAuditReplaysDeployments(t *testing.T, q *registrydb.Queries, versions []uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	table := "deployments"
	trail, err := q.AuditLogList(ctx, registrydb.AuditLogListParams{TableName: &table, BeforeID: 1 << 62, MaxRows: 100000})
	if err != nil {
		t.Fatal(err)
	}
	replayed := map[string]map[string]any{}
	for i := len(trail) - 1; i >= 0; i-- { // oldest first
		r := trail[i]
		var key struct {
			DeploymentID string `json:"deployment_id"`
		}
		if err := json.Unmarshal(r.RowKey, &key); err != nil {
			t.Fatal(err)
		}
		var change map[string]any
		if err := json.Unmarshal(r.NewRow, &change); err != nil {
			t.Fatalf("audit row %d: %v", r.AuditID, err)
		}
		if r.Action == "INSERT" {
			replayed[key.DeploymentID] = change
			continue
		}
		for k, v := range change {
			replayed[key.DeploymentID][k] = v
		}
	}
	checked := 0
	for _, v := range versions {
		deps, err := q.DeploymentListByVersion(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range deps {
			row, ok := replayed[d.DeploymentID.String()]
			if !ok {
				t.Errorf("deployment %s has no INSERT in the audit trail", d.DeploymentID)
				continue
			}
			if row["status"] != d.Status || row["traffic_percentage"] != float64(*d.TrafficPercentage) {
				t.Errorf("deployment %s is %s/%d%%, its audit trail replays to %v/%v",
					d.DeploymentID, d.Status, *d.TrafficPercentage, row["status"], row["traffic_percentage"])
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no deployment was made")
	}
}

// TestApprovalRevokedWhileDeploying races a revocation of a version's only
// compliance approval with a production deployment of that version. Either
// the deployment is refused, or it committed before the revocation did: a
// revocation may never commit between the gate's check and the deployment's
// commit.
func TestApprovalRevokedWhileDeploying(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := registrydb.New(pool)
	f := regtest.Build(t, q)
	const rounds = 20
	var deployed, refused int
	for round := range rounds {
		v, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{
			ModelID: f.ModelID, Semver: fmt.Sprintf("7.%d.0", round), ArtifactURI: "s3://gate", Framework: "onnx", RegisteredBy: "gate",
		})
		if err != nil {
			t.Fatal(err)
		}
		a, err := q.ApprovalRequest(ctx, registrydb.ApprovalRequestParams{VersionID: v.VersionID, ApprovalType: "compliance", RequestedBy: "gate"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: a.ApprovalID, ApprovedBy: regtest.Ptr("cco")}); err != nil {
			t.Fatal(err)
		}

		var (
			wg                             sync.WaitGroup
			gatePassed                     = make(chan struct{})
			deployErr                      error
			deployCommitStart, revokeEnded time.Time
		)
		wg.Add(2)
		go func() {
			defer wg.Done()
			deployErr = registry.WithTx(ctx, pool, registry.TxOptions{MaxAttempts: 1}, func(q *registrydb.Queries) error {
				_, err := q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{VersionID: v.VersionID, EnvironmentName: "prod-eu", DeployedBy: "gate", TrafficPercentage: regtest.Ptr(int32(1))})
				close(gatePassed) // the gate has run; give the revocation time to try
				time.Sleep(20 * time.Millisecond)
				deployCommitStart = time.Now()
				return err
			})
		}()
		go func() {
			defer wg.Done()
			if round%2 == 0 {
				<-gatePassed // half the rounds revoke inside the deployment's window
			}
			if _, err := q.ApprovalRevoke(ctx, regtest.Ptr("race"), a.ApprovalID); err != nil {
				t.Error(err)
			}
			revokeEnded = time.Now()
		}()
		wg.Wait()
		switch {
		case deployErr == nil:
			deployed++
			if revokeEnded.Before(deployCommitStart) {
				t.Fatalf("round %d: the revocation committed at %s, before the deployment made under it committed (%s)",
					round, revokeEnded.Format(time.StampMicro), deployCommitStart.Format(time.StampMicro))
			}
		case errors.Is(deployErr, registry.ErrConstraint):
			refused++
		default:
			t.Fatalf("round %d: %v", round, deployErr)
		}
	}
	if deployed == 0 {
		t.Fatalf("no round deployed (%d refused): the race never reached its window", refused)
	}
	t.Logf("%d rounds deployed before the revocation committed, %d refused", deployed, refused)
}

// TestWithTxRetryBounds: a transaction failing with a serialization error
// every time runs MaxAttempts times then returns the error; any other error
// runs once.
func TestWithTxRetryBounds(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	for _, c := range []struct {
		name     string
		err      error
		attempts int
	}{
		{"serialization failure", &pgconn.PgError{Code: "40001"}, 4},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, 4},
		{"unique violation", &pgconn.PgError{Code: "23505"}, 1},
		{"plain error", errors.New("boom"), 1},
	} {
		attempts := 0
		err := registry.WithTx(ctx, pool, registry.TxOptions{MaxAttempts: 4}, func(*registrydb.Queries) error {
			attempts++
			return c.err
		})
		if attempts != c.attempts || err == nil {
			t.Errorf("%s: %d attempts, err %v; want %d attempts and the error", c.name, attempts, err, c.attempts)
		}
	}
}

// TestWithTxRetriesDeadlocks forces a real deadlock: two transactions update
// two teams in opposite orders. PostgreSQL aborts one (40P01); WithTx runs it
// again and both changes land.
func TestWithTxRetriesDeadlocks(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := registrydb.New(pool)
	var teams [2]uuid.UUID
	for i := range teams {
		team, err := q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: fmt.Sprintf("deadlock-%d", i), CostCenter: regtest.Ptr("")})
		if err != nil {
			t.Fatal(err)
		}
		teams[i] = team.TeamID
	}
	var (
		wg, both sync.WaitGroup
		retries  atomic.Int32
	)
	both.Add(2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, second := teams[i], teams[1-i]
			attempt := 0
			err := registry.WithTx(ctx, pool, registry.TxOptions{OnRetry: func(int, error) { retries.Add(1) }}, func(q *registrydb.Queries) error {
				attempt++
				if _, err := q.TeamUpdate(ctx, registrydb.TeamUpdateParams{TeamID: first, CostCenter: regtest.Ptr(fmt.Sprint(i))}); err != nil {
					return err
				}
				if attempt == 1 { // both hold their first lock before either asks for its second
					both.Done()
					both.Wait()
				}
				_, err := q.TeamUpdate(ctx, registrydb.TeamUpdateParams{TeamID: second, CostCenter: regtest.Ptr(fmt.Sprint(i))})
				return err
			})
			if err != nil {
				t.Errorf("transaction %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if retries.Load() != 1 {
		t.Fatalf("%d retries, want exactly 1 (the deadlock victim)", retries.Load())
	}
	// The victim's second run commits last, so both teams carry its value:
	// a transaction that landed only in part would leave them different.
	var costCenters [2]string
	for i, id := range teams {
		team, err := q.TeamGetByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if team.CostCenter != nil {
			costCenters[i] = *team.CostCenter
		}
	}
	if costCenters[0] != costCenters[1] || (costCenters[0] != "0" && costCenters[0] != "1") {
		t.Errorf("cost centers after both transactions: %q, want one transaction's value on both teams", costCenters)
	}
}
