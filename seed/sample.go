// Package seed fills a registry: Sample loads the exercise's sample
// registry (what `mlreg seed` loads), Scale a synthetic registry of a given
// size through COPY (what `mlreg seed --scale` loads).
package seed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

func ptr[T any](v T) *T { return &v }

// getOrCreate returns the existing row, or creates it: seeding twice must
// change nothing, so existing rows are never rewritten.
func getOrCreate[T any](get func() (T, error), create func() (T, error), created *int) (T, error) {
	row, err := get()
	if err == nil {
		return row, nil
	}
	if !errors.Is(registry.MapError(err), registry.ErrNotFound) {
		return row, err
	}
	*created++
	return create()
}

type seedVersion struct {
	model, semver, framework, frameworkVersion, registeredBy, status string
	runs                                                             []seedRun
	deployments                                                      []seedDeployment
	approvals                                                        []seedApproval
}

type seedRun struct {
	name, experiment, status string
	accuracy, f1             float64
	gpuHours, cost           float64
	hyperparameters          string
	datasets                 map[string]string // dataset name -> role
}

type seedDeployment struct {
	env        string
	traffic    int32
	undeployed bool
}

type seedApproval struct {
	kind, status string
	expiresIn    time.Duration // 0: no expiry
}

var sampleVersions = []seedVersion{
	{model: "sentiment-classifier", semver: "1.0.0", framework: "pytorch", frameworkVersion: "2.0.1", registeredBy: "alice@example.com", status: "deployed",
		runs: []seedRun{
			{name: "sentiment-bert-base", experiment: "sentiment-baselines", status: "succeeded", accuracy: 0.912, f1: 0.905, gpuHours: 12.5, cost: 38.75,
				hyperparameters: `{"learning_rate": 0.00003, "epochs": 4, "batch_size": 32}`,
				datasets:        map[string]string{"customer-reviews-2024": "training", "customer-reviews-holdout": "validation"}},
			{name: "sentiment-bert-lr-sweep", experiment: "sentiment-baselines", status: "failed", accuracy: 0.71, f1: 0.69, gpuHours: 3, cost: 9.3,
				hyperparameters: `{"learning_rate": 0.001, "epochs": 4, "batch_size": 32}`,
				datasets:        map[string]string{"customer-reviews-2024": "training"}},
		},
		deployments: []seedDeployment{{env: "dev", traffic: 100, undeployed: true}, {env: "staging", traffic: 100}, {env: "prod", traffic: 100}},
		approvals:   []seedApproval{{kind: "business", status: "approved"}}},
	{model: "sentiment-classifier", semver: "1.1.0", framework: "pytorch", frameworkVersion: "2.0.1", registeredBy: "alice@example.com", status: "registered",
		runs: []seedRun{
			{name: "sentiment-distilbert", experiment: "sentiment-distillation", status: "running", gpuHours: 1, hyperparameters: `{"learning_rate": 0.00005, "epochs": 3}`,
				datasets: map[string]string{"customer-reviews-2024": "training"}},
		},
		approvals: []seedApproval{{kind: "technical", status: "rejected"}}},
	{model: "fraud-detector", semver: "2.0.0", framework: "tensorflow", frameworkVersion: "2.13.0", registeredBy: "bob@example.com", status: "deployed",
		runs: []seedRun{
			{name: "fraud-gbt-features-v3", experiment: "fraud-realtime", status: "succeeded", accuracy: 0.987, f1: 0.874, gpuHours: 40, cost: 124,
				hyperparameters: `{"learning_rate": 0.01, "layers": [256, 128], "dropout": 0.2}`,
				datasets:        map[string]string{"transaction-logs": "training", "fraud-labels-q3": "validation", "fraud-labels-q4": "test"}},
		},
		deployments: []seedDeployment{{env: "staging-us", traffic: 100}, {env: "prod-us", traffic: 100}, {env: "prod-eu", traffic: 100}},
		approvals: []seedApproval{{kind: "compliance", status: "approved", expiresIn: 180 * 24 * time.Hour},
			{kind: "security", status: "pending"}, {kind: "legal", status: "expired", expiresIn: -24 * time.Hour}}},
	{model: "fraud-detector", semver: "10.0.0-beta", framework: "tensorflow", frameworkVersion: "2.15.0", registeredBy: "bob@example.com", status: "validated",
		runs: []seedRun{
			{name: "fraud-transformer-trial", experiment: "fraud-realtime", status: "succeeded", accuracy: 0.991, f1: 0.89, gpuHours: 96, cost: 297.6,
				hyperparameters: `{"learning_rate": 0.0003, "heads": 8}`,
				datasets:        map[string]string{"transaction-logs": "training", "fraud-labels-q4": "calibration"}},
		},
		deployments: []seedDeployment{{env: "canary", traffic: 10}},
		approvals:   []seedApproval{{kind: "compliance", status: "pending"}}},
	{model: "product-recommender", semver: "0.9.0", framework: "sklearn", frameworkVersion: "1.3.0", registeredBy: "carol@example.com", status: "registered",
		runs: []seedRun{
			{name: "recommender-als", experiment: "recsys-offline", status: "succeeded", accuracy: 0.64, f1: 0.58, cost: 4.2,
				hyperparameters: `{"factors": 64, "regularization": 0.05}`,
				datasets:        map[string]string{"user-interactions": "training"}},
		},
		deployments: []seedDeployment{{env: "qa", traffic: 100}}},
}

// Sample loads the exercise's sample data, extended so that every query
// of its Parts 4-7 returns rows, through q (run it in a READ COMMITTED
// transaction: it takes a transaction-level lock). It returns how many rows
// it created; loading it again, or at the same time, creates none.
func Sample(ctx context.Context, q *registrydb.Queries) (int, error) {
	// Seeds run one at a time; under READ COMMITTED each statement after the
	// wait sees what an earlier seed committed, so the later one creates
	// nothing instead of failing on a duplicate.
	if err := q.SessionLockSampleSeed(ctx); err != nil {
		return 0, err
	}
	created := 0
	teams := map[string]uuid.UUID{}
	for _, t := range []struct{ name, email, dept, manager string }{
		{"ml-platform", "ml-platform@example.com", "Engineering", "Alice Johnson"},
		{"data-science", "data-science@example.com", "Analytics", "Bob Smith"},
		{"ai-research", "ai-research@example.com", "R&D", "Carol White"},
		{"mlops", "mlops@example.com", "Operations", "David Brown"},
	} {
		row, err := getOrCreate(func() (registrydb.Team, error) { return q.TeamGetByName(ctx, t.name) },
			func() (registrydb.Team, error) {
				return q.TeamCreate(ctx, registrydb.TeamCreateParams{TeamName: t.name, TeamEmail: &t.email, Department: &t.dept, ManagerName: &t.manager})
			}, &created)
		if err != nil {
			return 0, fmt.Errorf("team %s: %w", t.name, err)
		}
		teams[t.name] = row.TeamID
	}
	for _, u := range []struct{ name, email, display, team string }{
		{"alice", "alice@example.com", "Alice Johnson", "data-science"},
		{"bob", "bob@example.com", "Bob Smith", "ai-research"},
		{"carol", "carol@example.com", "Carol White", "data-science"},
		{"david", "david@example.com", "David Brown", "mlops"},
	} {
		teamID := teams[u.team]
		if _, err := getOrCreate(func() (registrydb.User, error) { return q.UserGetByUsername(ctx, u.name) },
			func() (registrydb.User, error) {
				return q.UserCreate(ctx, registrydb.UserCreateParams{Username: u.name, Email: u.email, DisplayName: &u.display, TeamID: &teamID})
			}, &created); err != nil {
			return 0, fmt.Errorf("user %s: %w", u.name, err)
		}
	}
	models := map[string]uuid.UUID{}
	for _, m := range []struct {
		name, display, description, objective, team, risk, creator string
		compliance                                                 bool
	}{
		{"sentiment-classifier", "Sentiment Classifier", "Customer feedback sentiment analysis", "Classify customer sentiment as positive/negative/neutral", "data-science", "medium", "alice", false},
		{"fraud-detector", "Fraud Detection Model", "Real-time transaction fraud detection", "Identify fraudulent transactions", "ai-research", "critical", "bob", true},
		{"product-recommender", "Product Recommendation Engine", "Personalized product recommendations", "Recommend products to users based on behavior", "data-science", "high", "carol", false},
		{"churn-predictor", "Churn Predictor", "Customer churn risk (no version registered yet)", "Predict customers likely to leave", "mlops", "low", "david", false},
	} {
		teamID := teams[m.team]
		row, err := getOrCreate(func() (registrydb.Model, error) { return q.ModelGetByName(ctx, m.name) },
			func() (registrydb.Model, error) {
				return q.ModelCreate(ctx, registrydb.ModelCreateParams{
					ModelName: m.name, DisplayName: m.display, Description: &m.description, Objective: &m.objective,
					TeamID: &teamID, RiskLevel: &m.risk, ComplianceRequired: &m.compliance, CreatedBy: &m.creator,
				})
			}, &created)
		if err != nil {
			return 0, fmt.Errorf("model %s: %w", m.name, err)
		}
		models[m.name] = row.ModelID
	}
	datasets := map[string]uuid.UUID{}
	now := time.Now().UTC().Truncate(time.Second)
	for _, d := range []struct {
		name, display, location, steward, team, class string
		pii                                           bool
		sla                                           int32
		age                                           time.Duration
	}{
		{"customer-reviews-2024", "Customer Reviews 2024", "s3://datasets/customer-reviews/", "alice@example.com", "data-science", "internal", false, 168, 24 * time.Hour},
		{"customer-reviews-holdout", "Customer Reviews Holdout", "s3://datasets/customer-reviews-holdout/", "alice@example.com", "data-science", "internal", false, 0, 0},
		{"transaction-logs", "Transaction Logs", "s3://datasets/transactions/", "bob@example.com", "ai-research", "restricted", true, 24, 2 * time.Hour},
		{"fraud-labels-q3", "Fraud Labels Q3", "s3://datasets/fraud-labels/q3/", "bob@example.com", "ai-research", "confidential", false, 0, 0},
		{"fraud-labels-q4", "Fraud Labels Q4", "s3://datasets/fraud-labels/q4/", "bob@example.com", "ai-research", "confidential", false, 0, 0},
		{"user-interactions", "User Interaction Events", "s3://datasets/user-events/", "carol@example.com", "data-science", "confidential", true, 6, 72 * time.Hour},
	} {
		teamID := teams[d.team]
		params := registrydb.DatasetCreateParams{
			DatasetName: d.name, DisplayName: d.display, StorageLocation: d.location, StorageFormat: ptr("parquet"),
			DataSteward: &d.steward, TeamID: &teamID, ContainsPII: &d.pii, DataClassification: &d.class,
		}
		if d.sla > 0 {
			params.FreshnessSLAHours, params.LastUpdatedAt = ptr(d.sla), ptr(now.Add(-d.age))
		}
		row, err := getOrCreate(func() (registrydb.Dataset, error) { return q.DatasetGetByName(ctx, d.name) },
			func() (registrydb.Dataset, error) { return q.DatasetCreate(ctx, params) }, &created)
		if err != nil {
			return 0, fmt.Errorf("dataset %s: %w", d.name, err)
		}
		datasets[d.name] = row.DatasetID
	}
	experiments := map[string]uuid.UUID{}
	for name, model := range map[string]string{
		"sentiment-baselines": "sentiment-classifier", "sentiment-distillation": "sentiment-classifier",
		"fraud-realtime": "fraud-detector", "recsys-offline": "product-recommender",
	} {
		modelID := models[model]
		row, err := getOrCreate(func() (registrydb.Experiment, error) { return q.ExperimentGetByName(ctx, name) },
			func() (registrydb.Experiment, error) {
				return q.ExperimentCreate(ctx, registrydb.ExperimentCreateParams{ExperimentName: name, ModelID: &modelID, CreatedBy: ptr("alice")})
			}, &created)
		if err != nil {
			return 0, fmt.Errorf("experiment %s: %w", name, err)
		}
		experiments[name] = row.ExperimentID
	}
	for _, v := range sampleVersions {
		n, err := seedVersionTree(ctx, q, v, models, datasets, experiments, now)
		if err != nil {
			return 0, fmt.Errorf("version %s %s: %w", v.model, v.semver, err)
		}
		created += n
	}
	for model, tags := range map[string][][2]string{
		"sentiment-classifier": {{"domain", "nlp"}, {"use-case", "classification"}, {"status", "production-ready"}},
		"fraud-detector":       {{"domain", "tabular"}, {"use-case", "detection"}, {"priority", "critical"}},
		"product-recommender":  {{"domain", "recommendation"}, {"status", "experimental"}},
	} {
		for _, tag := range tags {
			t, err := q.TagGetByCategoryValue(ctx, tag[0], tag[1])
			if err != nil {
				return 0, fmt.Errorf("tag %s/%s: %w", tag[0], tag[1], err)
			}
			if err := q.ModelTagAttach(ctx, registrydb.ModelTagAttachParams{ModelID: models[model], TagID: t.TagID, TaggedBy: ptr("seed")}); err != nil {
				return 0, err
			}
		}
	}
	for dataset, tags := range map[string][][2]string{
		"customer-reviews-2024": {{"domain", "nlp"}},
		"transaction-logs":      {{"domain", "tabular"}, {"priority", "critical"}},
		"user-interactions":     {{"domain", "recommendation"}},
	} {
		for _, tag := range tags {
			t, err := q.TagGetByCategoryValue(ctx, tag[0], tag[1])
			if err != nil {
				return 0, err
			}
			if err := q.DatasetTagAttach(ctx, registrydb.DatasetTagAttachParams{DatasetID: datasets[dataset], TagID: t.TagID, TaggedBy: ptr("seed")}); err != nil {
				return 0, err
			}
		}
	}
	return created, nil
}

// seedVersionTree registers a version with its runs, approvals and
// deployments, unless the version exists already.
func seedVersionTree(ctx context.Context, q *registrydb.Queries, v seedVersion,
	models, datasets, experiments map[string]uuid.UUID, now time.Time) (int, error) {
	if _, err := q.ModelVersionGetBySemver(ctx, v.model, v.semver); err == nil {
		return 0, nil
	} else if !errors.Is(registry.MapError(err), registry.ErrNotFound) {
		return 0, err
	}
	created := 1
	mv, err := q.ModelVersionRegister(ctx, registrydb.ModelVersionRegisterParams{
		ModelID: models[v.model], Semver: v.semver, Framework: v.framework, FrameworkVersion: &v.frameworkVersion,
		ArtifactURI: fmt.Sprintf("s3://ml-artifacts/%s/%s/", v.model, v.semver), RegisteredBy: v.registeredBy,
		GitCommit: ptr(fmt.Sprintf("%x", []byte(v.semver+v.model))[:12]),
	})
	if err != nil {
		return 0, err
	}
	for i, r := range v.runs {
		// Each run of a version recorded a minute before it started, an
		// hour after the previous one: distinct times, so "the latest run"
		// (Challenge 2) is one run, the same in every registry seeded alike.
		started := now.Add(-time.Duration(48-i) * time.Hour)
		params := registrydb.TrainingRunCreateParams{
			CreatedAt: ptr(started.Add(-time.Minute)),
			VersionID: mv.VersionID, RunName: &r.name, ExperimentName: &r.experiment, Status: &r.status,
			GPUHours: &r.gpuHours, GPUCount: ptr(int32(4)), GPUType: ptr("a100"), StartedBy: ptr(v.registeredBy),
			StartedAt: &started, Hyperparameters: []byte(r.hyperparameters),
			CustomMetrics: []byte(fmt.Sprintf(`{"auc": %.3f}`, r.accuracy)),
		}
		if id, ok := experiments[r.experiment]; ok {
			params.ExperimentID = &id
		}
		if r.status != "running" {
			params.CompletedAt = ptr(started.Add(time.Duration(r.gpuHours*float64(time.Hour)/4) + time.Minute))
			params.Accuracy, params.F1Score, params.EstimatedCostUSD = &r.accuracy, &r.f1, &r.cost
		}
		run, err := q.TrainingRunCreate(ctx, params)
		if err != nil {
			return 0, fmt.Errorf("run %s: %w", r.name, err)
		}
		created++
		for dataset, role := range r.datasets {
			if err := q.RunDatasetAttach(ctx, registrydb.RunDatasetAttachParams{
				RunID: run.RunID, DatasetID: datasets[dataset], DatasetRole: role, SampleCount: ptr(int64(100000)),
			}); err != nil {
				return 0, fmt.Errorf("run %s dataset %s: %w", r.name, dataset, err)
			}
			created++
		}
	}
	for _, a := range v.approvals {
		params := registrydb.ApprovalRequestParams{VersionID: mv.VersionID, ApprovalType: a.kind, RequestedBy: "alice", RequiredForEnv: ptr("production")}
		if a.expiresIn != 0 {
			params.ExpiresAt = ptr(now.Add(a.expiresIn))
		}
		ap, err := q.ApprovalRequest(ctx, params)
		if err != nil {
			return 0, err
		}
		created++
		switch a.status {
		case "approved":
			_, err = q.ApprovalApprove(ctx, registrydb.ApprovalApproveParams{ApprovalID: ap.ApprovalID, ApprovedBy: ptr("david"), ApprovalNotes: ptr("checklist complete")})
		case "rejected":
			_, err = q.ApprovalReject(ctx, registrydb.ApprovalRejectParams{ApprovalID: ap.ApprovalID, RejectedBy: ptr("david"), RejectionReason: ptr("latency regression")})
		case "expired":
			_, err = q.ApprovalExpireDue(ctx)
		}
		if err != nil {
			return 0, fmt.Errorf("approval %s: %w", a.kind, err)
		}
	}
	for _, d := range v.deployments {
		dep, err := q.DeploymentCreate(ctx, registrydb.DeploymentCreateParams{
			VersionID: mv.VersionID, EnvironmentName: d.env, DeployedBy: "david", TrafficPercentage: &d.traffic,
			EndpointURL: ptr(fmt.Sprintf("https://%s.%s.models.example.com", v.model, d.env)), ServingFramework: ptr("triton"),
		})
		if err != nil {
			return 0, fmt.Errorf("deployment to %s: %w", d.env, err)
		}
		created++
		if d.undeployed {
			if _, err := q.DeploymentUndeploy(ctx, ptr("david"), dep.DeploymentID); err != nil {
				return 0, err
			}
		}
	}
	if v.status != "registered" {
		if _, err := q.ModelVersionSetStatus(ctx, v.status, mv.VersionID); err != nil {
			return 0, err
		}
	}
	return created, nil
}
