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
	CONSTRAINT runs_experiment_id_fkey FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id),
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
	is_nan BOOLEAN DEFAULT false NOT NULL,
	CONSTRAINT metric_pk PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan),
	CONSTRAINT metrics_run_uuid_fkey FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)
)`,
		`CREATE TABLE latest_metrics (
	key VARCHAR(250) NOT NULL,
	value DOUBLE PRECISION NOT NULL,
	timestamp BIGINT,
	step BIGINT NOT NULL,
	is_nan BOOLEAN NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	CONSTRAINT latest_metric_pk PRIMARY KEY (key, run_uuid),
	CONSTRAINT latest_metrics_run_uuid_fkey FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)
)`,
		`CREATE INDEX index_latest_metrics_run_uuid ON latest_metrics (run_uuid)`,
		`CREATE TABLE params (
	key VARCHAR(250) NOT NULL,
	value VARCHAR(8000) NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	CONSTRAINT param_pk PRIMARY KEY (key, run_uuid),
	CONSTRAINT params_run_uuid_fkey FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)
)`,
		`CREATE INDEX index_params_run_uuid ON params (run_uuid)`,
		`CREATE TABLE tags (
	key VARCHAR(250) NOT NULL,
	value VARCHAR(8000),
	run_uuid VARCHAR(32) NOT NULL,
	CONSTRAINT tag_pk PRIMARY KEY (key, run_uuid),
	CONSTRAINT tags_run_uuid_fkey FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)
)`,
		`CREATE INDEX index_tags_run_uuid ON tags (run_uuid)`,
		`CREATE TABLE datasets (
	dataset_uuid VARCHAR(36) NOT NULL,
	experiment_id INTEGER NOT NULL,
	name VARCHAR(500) NOT NULL,
	digest VARCHAR(36) NOT NULL,
	dataset_source_type VARCHAR(36) NOT NULL,
	dataset_source TEXT NOT NULL,
	dataset_schema TEXT,
	dataset_profile TEXT,
	CONSTRAINT dataset_pk PRIMARY KEY (experiment_id, name, digest),
	CONSTRAINT fk_datasets_experiment_id_experiments FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE
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
	CONSTRAINT model_version_pk PRIMARY KEY (` + key("name, version") + `),
	CONSTRAINT fk_model_versions_registered_models FOREIGN KEY (` + key("name") + `)
		REFERENCES registered_models (` + key("name") + `) ON UPDATE CASCADE
)`,
		`CREATE TABLE registered_model_tags (
	key VARCHAR(250) NOT NULL,
	value VARCHAR(5000),
	name VARCHAR(256) NOT NULL,` + ws(`
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL,`) + `
	CONSTRAINT registered_model_tag_pk PRIMARY KEY (` + key("key, name") + `),
	CONSTRAINT fk_registered_model_tags_registered_models FOREIGN KEY (` + key("name") + `)
		REFERENCES registered_models (` + key("name") + `) ON UPDATE CASCADE
)`,
		`CREATE TABLE model_version_tags (
	key VARCHAR(250) NOT NULL,
	value TEXT,
	name VARCHAR(256) NOT NULL,
	version INTEGER NOT NULL,` + ws(`
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL,`) + `
	CONSTRAINT model_version_tag_pk PRIMARY KEY (` + key("key, name, version") + `),
	CONSTRAINT fk_model_version_tags_model_versions FOREIGN KEY (` + key("name, version") + `)
		REFERENCES model_versions (` + key("name, version") + `) ON UPDATE CASCADE
)`,
		`CREATE TABLE registered_model_aliases (
	alias VARCHAR(256) NOT NULL,
	version INTEGER NOT NULL,
	name VARCHAR(256) NOT NULL,` + ws(`
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL,`) + `
	CONSTRAINT registered_model_alias_pk PRIMARY KEY (` + key("name, alias") + `),
	CONSTRAINT fk_registered_model_aliases_registered_models FOREIGN KEY (` + key("name") + `)
		REFERENCES registered_models (` + key("name") + `) ON DELETE CASCADE ON UPDATE CASCADE
)`,
	}
}

// CreateMLflow creates an empty MLflow store of the variant, with MLflow's
// "Default" experiment (id 0) as MLflow creates it.
func CreateMLflow(ctx context.Context, db DB, v Variant) error {
	for _, stmt := range mlflowDDL(v) {
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
