// Package sourcestore builds the sources package importer reads, in a
// database of their own: an MLflow backend store (its tracking and model
// registry tables, as MLflow 2.x or current MLflow with workspaces lays them
// out) and Exercise 01's flat training_runs table. The tables are written
// here from MLflow's published PostgreSQL schema, limited to the tables and
// columns the importer reads and those that give them their meaning.
//
// Awkward fills a store with the rows an importer gets wrong first; Synthetic
// fills one with N runs through COPY, for the benchmark.
package sourcestore

import (
	"context"
	"fmt"
	"strings"
)

// Variant is a layout of MLflow's backend store.
type Variant int

const (
	// MLflow2 is MLflow 2.x: registry tables keyed by model name alone.
	MLflow2 Variant = iota
	// MLflowCurrent is current MLflow: experiments and every registry
	// table carry a workspace, part of their keys; model_versions has
	// storage_location.
	MLflowCurrent
)

func (v Variant) String() string {
	if v == MLflowCurrent {
		return "mlflow-current"
	}
	return "mlflow-2"
}

// Variants lists every layout, for tests that run on each.
var Variants = []Variant{MLflow2, MLflowCurrent}

// mlflowDDL returns the CREATE statements of the store's tables.
func mlflowDDL(v Variant) []string {
	ws := func(s string) string { // a workspace column, in the current layout only
		if v == MLflowCurrent {
			return s
		}
		return ""
	}
	key := func(cols string) string { // a key that leads with workspace in the current layout
		if v == MLflowCurrent {
			return "workspace, " + cols
		}
		return cols
	}
	return []string{
		`CREATE TABLE experiments (
	experiment_id SERIAL NOT NULL,
	name VARCHAR(256) NOT NULL,
	artifact_location VARCHAR(256),
	lifecycle_stage VARCHAR(32),
	creation_time BIGINT,
	last_update_time BIGINT,` + ws(`
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL,`) + `
	CONSTRAINT experiment_pk PRIMARY KEY (experiment_id),
	CONSTRAINT uq_experiments_name UNIQUE (` + key("name") + `),
	CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted'))
)`,
		`CREATE TABLE runs (
	run_uuid VARCHAR(32) NOT NULL,
	name VARCHAR(250),
	source_type VARCHAR(20),
	source_name VARCHAR(500),
	entry_point_name VARCHAR(50),
	user_id VARCHAR(256),
	status VARCHAR(9),
	start_time BIGINT,
	end_time BIGINT,
	source_version VARCHAR(50),
	lifecycle_stage VARCHAR(20),
	artifact_uri VARCHAR(200),
	experiment_id INTEGER,
	deleted_time BIGINT,
	CONSTRAINT run_pk PRIMARY KEY (run_uuid),
	CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')),
	CONSTRAINT runs_status_check CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED')),
	CONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT'))
)`,
		`CREATE TABLE metrics (
	key VARCHAR(250) NOT NULL,
	value DOUBLE PRECISION NOT NULL,
	timestamp BIGINT NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	step BIGINT DEFAULT 0 NOT NULL,
	is_nan BOOLEAN DEFAULT false NOT NULL
)`,
		`CREATE TABLE latest_metrics (
	key VARCHAR(250) NOT NULL,
	value DOUBLE PRECISION NOT NULL,
	timestamp BIGINT,
	step BIGINT NOT NULL,
	is_nan BOOLEAN NOT NULL,
	run_uuid VARCHAR(32) NOT NULL
)`,
		`CREATE TABLE params (
	key VARCHAR(250) NOT NULL,
	value VARCHAR(8000) NOT NULL,
	run_uuid VARCHAR(32) NOT NULL
)`,
		`CREATE TABLE tags (
	key VARCHAR(250) NOT NULL,
	value VARCHAR(8000),
	run_uuid VARCHAR(32) NOT NULL
)`,
		`CREATE TABLE datasets (
	dataset_uuid VARCHAR(36) NOT NULL,
	experiment_id INTEGER NOT NULL,
	name VARCHAR(500) NOT NULL,
	digest VARCHAR(36) NOT NULL,
	dataset_source_type VARCHAR(36) NOT NULL,
	dataset_source TEXT NOT NULL,
	dataset_schema TEXT,
	dataset_profile TEXT,
	CONSTRAINT dataset_pk PRIMARY KEY (experiment_id, name, digest)
)`,
		`CREATE TABLE inputs (
	input_uuid VARCHAR(36) NOT NULL,
	source_type VARCHAR(36) NOT NULL,
	source_id VARCHAR(36) NOT NULL,
	destination_type VARCHAR(36) NOT NULL,
	destination_id VARCHAR(36) NOT NULL,` + ws(`
	step BIGINT DEFAULT 0 NOT NULL,`) + `
	CONSTRAINT inputs_pk PRIMARY KEY (source_type, source_id, destination_type, destination_id)
)`,
		`CREATE TABLE input_tags (
	input_uuid VARCHAR(36) NOT NULL,
	name VARCHAR(255) NOT NULL,
	value VARCHAR(500) NOT NULL,
	CONSTRAINT input_tags_pk PRIMARY KEY (input_uuid, name)
)`,
		`CREATE TABLE registered_models (
	name VARCHAR(256) NOT NULL,
	creation_time BIGINT,
	last_updated_time BIGINT,
	description VARCHAR(5000),` + ws(`
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL,`) + `
	CONSTRAINT registered_model_pk PRIMARY KEY (` + key("name") + `)
)`,
		`CREATE TABLE model_versions (
	name VARCHAR(256) NOT NULL,
	version INTEGER NOT NULL,
	creation_time BIGINT,
	last_updated_time BIGINT,
	description VARCHAR(5000),
	user_id VARCHAR(256),
	current_stage VARCHAR(20),
	source VARCHAR(500),
	run_id VARCHAR(32),
	status VARCHAR(20),
	status_message VARCHAR(500),
	run_link VARCHAR(500),` + ws(`
	storage_location VARCHAR(500),
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL,`) + `
	CONSTRAINT model_version_pk PRIMARY KEY (` + key("name, version") + `)
)`,
		`CREATE TABLE registered_model_tags (
	key VARCHAR(250) NOT NULL,
	value VARCHAR(5000),
	name VARCHAR(256) NOT NULL,` + ws(`
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL,`) + `
	CONSTRAINT registered_model_tag_pk PRIMARY KEY (` + key("key, name") + `)
)`,
		`CREATE TABLE model_version_tags (
	key VARCHAR(250) NOT NULL,
	value TEXT,
	name VARCHAR(256) NOT NULL,
	version INTEGER NOT NULL,` + ws(`
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL,`) + `
	CONSTRAINT model_version_tag_pk PRIMARY KEY (` + key("key, name, version") + `)
)`,
		`CREATE TABLE registered_model_aliases (
	alias VARCHAR(256) NOT NULL,
	version INTEGER NOT NULL,
	name VARCHAR(256) NOT NULL,` + ws(`
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL,`) + `
	CONSTRAINT registered_model_alias_pk PRIMARY KEY (` + key("name, alias") + `)
)`,
	}
}

// mlflowLinks are the primary keys of the tables with a row per metric,
// param or tag, and the store's foreign keys and secondary indexes, apart
// from its tables so that Synthetic can load without them and add them
// once (one pass over each table instead of a check per row).
func mlflowLinks(v Variant) []struct{ table, name, add string } {
	key := func(cols string) string {
		if v == MLflowCurrent {
			return "workspace, " + cols
		}
		return cols
	}
	fk := func(table, name, def string) struct{ table, name, add string } {
		return struct{ table, name, add string }{table, name, "ALTER TABLE " + table + " ADD CONSTRAINT " + name + " " + def}
	}
	index := func(table, name, cols string) struct{ table, name, add string } {
		return struct{ table, name, add string }{table, name, "CREATE INDEX " + name + " ON " + table + " (" + cols + ")"}
	}
	pk := func(table, name, cols string) struct{ table, name, add string } {
		return struct{ table, name, add string }{table, name, "ALTER TABLE " + table + " ADD CONSTRAINT " + name + " PRIMARY KEY (" + cols + ")"}
	}
	return []struct{ table, name, add string }{
		pk("metrics", "metric_pk", "key, timestamp, step, run_uuid, value, is_nan"),
		pk("latest_metrics", "latest_metric_pk", "key, run_uuid"),
		pk("params", "param_pk", "key, run_uuid"),
		pk("tags", "tag_pk", "key, run_uuid"),
		fk("runs", "runs_experiment_id_fkey", "FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id)"),
		fk("metrics", "metrics_run_uuid_fkey", "FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)"),
		fk("latest_metrics", "latest_metrics_run_uuid_fkey", "FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)"),
		fk("params", "params_run_uuid_fkey", "FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)"),
		fk("tags", "tags_run_uuid_fkey", "FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)"),
		fk("datasets", "fk_datasets_experiment_id_experiments", "FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE"),
		fk("model_versions", "fk_model_versions_registered_models",
			"FOREIGN KEY ("+key("name")+") REFERENCES registered_models ("+key("name")+") ON UPDATE CASCADE"),
		fk("registered_model_tags", "fk_registered_model_tags_registered_models",
			"FOREIGN KEY ("+key("name")+") REFERENCES registered_models ("+key("name")+") ON UPDATE CASCADE"),
		fk("model_version_tags", "fk_model_version_tags_model_versions",
			"FOREIGN KEY ("+key("name, version")+") REFERENCES model_versions ("+key("name, version")+") ON UPDATE CASCADE"),
		fk("registered_model_aliases", "fk_registered_model_aliases_registered_models",
			"FOREIGN KEY ("+key("name")+") REFERENCES registered_models ("+key("name")+") ON DELETE CASCADE ON UPDATE CASCADE"),
		index("latest_metrics", "index_latest_metrics_run_uuid", "run_uuid"),
		index("params", "index_params_run_uuid", "run_uuid"),
		index("tags", "index_tags_run_uuid", "run_uuid"),
	}
}

// CreateMLflow creates an empty MLflow store of the variant, with MLflow's
// "Default" experiment (id 0) as MLflow creates it.
func CreateMLflow(ctx context.Context, db DB, v Variant) error {
	stmts := mlflowDDL(v)
	for _, l := range mlflowLinks(v) {
		stmts = append(stmts, l.add)
	}
	for _, stmt := range stmts {
		if _, err := db.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("sourcestore: %s: %w", firstLine(stmt), err)
		}
	}
	_, err := db.Exec(ctx, `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
		VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', $1, $1)`, BaseTime)
	if err != nil {
		return fmt.Errorf("sourcestore: the Default experiment: %w", err)
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
