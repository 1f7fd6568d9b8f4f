package registry_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/internal/pgtest"
	"github.com/mlplatform/model-registry/registry"
)

// exampleDatabaseURL stands for the application's own DATABASE_URL: here, a
// new migrated database of the test server, dropped when the tests end.
func exampleDatabaseURL() string {
	url, err := pgtest.NewURLForMain()
	if err != nil {
		panic(err)
	}
	return url
}

// Register a model and its first version in one transaction: both are
// committed, or neither is. Actor names who acted, for the audit trail.
func ExampleWithTx() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, exampleDatabaseURL())
	if err != nil {
		panic(err)
	}
	defer pool.Close()

	err = registry.WithTx(ctx, pool, registry.TxOptions{Actor: "alice"}, func(q *registrydb.Queries) error {
		model, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "fraud-scorer", DisplayName: "Fraud Scorer"})
		if err != nil {
			return err
		}
		_, err = q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{
			ModelID: model.ModelID, Semver: "1.0.0", ArtifactURI: "s3://models/fraud-scorer/1.0.0/",
			Framework: "xgboost", RegisteredBy: "ci-pipeline",
		})
		return err
	})
	if err != nil {
		panic(err)
	}

	q := registrydb.New(pool)
	v, err := q.ModelVersionGetBySemver(ctx, "fraud-scorer", "1.0.0")
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Semver, v.Status, "by", v.RegisteredBy)

	// The audit trail names the transaction's actor.
	audit, err := q.AuditLogList(ctx, registrydb.AuditLogListParams{BeforeID: math.MaxInt64, MaxRows: 10})
	if err != nil {
		panic(err)
	}
	for i := len(audit) - 1; i >= 0; i-- {
		fmt.Println(audit[i].Action, audit[i].TableName, "by", audit[i].Actor)
	}
	// Output:
	// 1.0.0 registered by ci-pipeline
	// INSERT models by alice
	// INSERT model_versions by alice
}

// Errors from the generated queries are driver errors; MapError, which
// WithTx applies to what its function returns, turns them into this
// package's errors for errors.Is and errors.As.
func ExampleMapError() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, exampleDatabaseURL())
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	q := registrydb.New(pool)

	_, err = q.ModelGetByName(ctx, "no-such-model")
	if errors.Is(registry.MapError(err), registry.ErrNotFound) {
		fmt.Println("no-such-model: not found")
	}

	create := func(q *registrydb.Queries) error {
		_, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "churn", DisplayName: "Churn"})
		return err
	}
	for i := 0; i < 2; i++ {
		err := registry.WithTx(ctx, pool, registry.TxOptions{}, create)
		switch {
		case err == nil:
			fmt.Println("churn: created")
		case errors.Is(err, registry.ErrAlreadyExists):
			fmt.Println("churn: already exists")
		default:
			panic(err)
		}
	}

	_, err = q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "Not Kebab", DisplayName: "Bad"})
	var refused *registry.ConstraintError
	if errors.As(registry.MapError(err), &refused) {
		fmt.Println("Not Kebab: refused by", refused.Constraint)
	}
	// Output:
	// no-such-model: not found
	// churn: created
	// churn: already exists
	// Not Kebab: refused by valid_model_name
}

// The latest version of a model is the highest semantic version that is not
// archived: 10.0.0 comes after 9.0.0, and a release after its pre-releases.
func Example_latestVersion() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, exampleDatabaseURL())
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	q := registrydb.New(pool)

	model, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: "ranker", DisplayName: "Ranker"})
	if err != nil {
		panic(err)
	}
	versions := map[string]registrydb.ModelVersion{}
	for _, semver := range []string{"10.0.0", "9.0.0", "10.0.0-rc1", "2.0.0"} {
		versions[semver], err = q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{
			ModelID: model.ModelID, Semver: semver, ArtifactURI: "s3://models/ranker/" + semver + "/",
			Framework: "lightgbm", RegisteredBy: "ci",
		})
		if err != nil {
			panic(err)
		}
	}

	latest, err := q.ModelVersionGetLatest(ctx, "ranker")
	if err != nil {
		panic(err)
	}
	fmt.Println("latest:", latest.Semver)

	if _, err := q.ModelVersionArchive(ctx, versions["10.0.0"].VersionID); err != nil {
		panic(err)
	}
	latest, err = q.ModelVersionGetLatest(ctx, "ranker")
	if err != nil {
		panic(err)
	}
	fmt.Println("latest once 10.0.0 is archived:", latest.Semver)
	// Output:
	// latest: 10.0.0
	// latest once 10.0.0 is archived: 10.0.0-rc1
}

// ModelList pages by keyset: each page starts after the last name of the
// previous one, so a page costs the same however deep it is.
func Example_listModels() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, exampleDatabaseURL())
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	q := registrydb.New(pool)

	for _, name := range []string{"sentiment", "churn", "fraud", "ranker", "anomaly"} {
		if _, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: name, DisplayName: name}); err != nil {
			panic(err)
		}
	}

	after := "" // the first page
	for {
		page, err := q.ModelList(ctx, after, 2)
		if err != nil {
			panic(err)
		}
		if len(page) == 0 {
			break
		}
		names := make([]string, len(page))
		for i, m := range page {
			names[i] = m.ModelName
		}
		fmt.Println(strings.Join(names, ", "))
		after = page[len(page)-1].ModelName
	}
	// Output:
	// anomaly, churn
	// fraud, ranker
	// sentiment
}
