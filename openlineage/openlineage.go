// Package openlineage maps a model's lineage to OpenLineage run events
// (https://openlineage.io/spec/, version 2-0-2), as `mlreg lineage MODEL
// --format openlineage` writes them: one JSON object a line, for a lineage
// backend (Marquez, DataHub, ...) to ingest.
//
// Mapping:
//   - one training run is one OpenLineage run. Its runId is a UUIDv7, as the
//     spec recommends, derived from the run (RunID): its 48-bit time is the
//     run's created_at in milliseconds and its other bits come from a hash
//     of the registry's run_id, so the same run always gets the same runId
//     and runIds sort by creation. The registry's run_id is in the
//     mlreg_trainingRun run facet, with the run's name, experiment, status
//     and metrics;
//   - its job is "<model>.train" in Options.JobNamespace: a job is the
//     process definition that runs repeat, so every training run of a model
//     is a run of the same job, whatever experiment it belongs to. Job
//     namespaces name the system that runs the jobs; by default it is the
//     registry itself, RegistryNamespace: mlreg://<host>:<port>/<database>;
//   - inputs are the datasets the run used, named by their storage location
//     as the naming conventions name data (DatasetName: s3://bucket + key,
//     postgres://host:port + db.schema.table, ...). A location they cannot
//     name falls back to the registry's own namespace and the dataset's
//     registry name. Either way a standard symlinks facet gives the
//     registry's name of the dataset, the mlreg_dataset facet its id and
//     whether it holds PII, the standard version facet its data_version, and
//     the mlreg_datasetUsage input facet the role the run used it in;
//   - the output is the model version, named by its artifact_uri the same
//     way (falling back to "<model>@<semver>" in the registry's namespace),
//     with a symlink to "<model>@<semver>", the mlreg_modelVersion facet and
//     the semver in the standard version facet.
//
// Our facets' _schemaURL point at their JSON Schemas in this repository,
// schemas/openlineage/facets/<version>/, at a fixed version (schemas.FacetBase).
//
// Event types by training_runs.status:
//
//	succeeded          START at started_at, COMPLETE at completed_at
//	failed, timeout    START at started_at, FAIL at completed_at
//	cancelled          START at started_at, ABORT at completed_at
//	running            START only (at started_at, else created_at): it has
//	                   not ended, and a RUNNING event would add nothing
//	queued             nothing: the run has not started, and OpenLineage has
//	                   no state for a run that is only planned
//
// A START is left out when started_at is NULL for a run that ended (say one
// cancelled while queued): its terminal event is then the only one. For a
// report at a past moment only the events at or before it are written: a run
// that completed after it has its START only.
//
// Order: by eventTime, oldest first; events of the same instant by version
// (ascending semantic version), then run (name, then registry id), a run's
// START before its end. The same registry always gives the same bytes.
package openlineage

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/lineage"
	"github.com/mlplatform/model-registry/schemas"
)

const (
	Producer       = "https://github.com/mlplatform/model-registry"
	RunEventSchema = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
	// Standard facets.
	versionFacetSchema    = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet"
	datasourceFacetSchema = "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet"
	symlinksFacetSchema   = "https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json#/$defs/SymlinksDatasetFacet"
)

// Our facets' schema files under schemas/openlineage/facets/<version>/.
const (
	TrainingRunFacetFile  = "TrainingRunFacet.json"
	DatasetUsageFacetFile = "DatasetUsageInputDatasetFacet.json"
	DatasetFacetFile      = "RegistryDatasetFacet.json"
	ModelVersionFacetFile = "ModelVersionDatasetFacet.json"
)

// RegistryNamespace is the namespace of a registry's own names, and the
// default job namespace: mlreg://host:port/database (a URI naming the
// registry's database, as azurecosmos://host/dbs/database names a Cosmos
// database in the naming conventions).
func RegistryNamespace(host string, port uint16, database string) string {
	if host == "" || strings.HasPrefix(host, "/") {
		host = "localhost" // a Unix socket
	}
	u := url.URL{Scheme: "mlreg", Host: net.JoinHostPort(host, strconv.Itoa(int(port))), Path: "/" + database}
	return u.String()
}

// Options says how to name what the events describe.
type Options struct {
	// JobNamespace is the jobs' namespace (--namespace); "" for Registry.
	JobNamespace string
	// Registry is RegistryNamespace of the database the report was read
	// from: the namespace of the registry's own names.
	Registry string
}

// Event is an OpenLineage RunEvent.
type Event struct {
	EventType string         `json:"eventType"`
	EventTime time.Time      `json:"eventTime"`
	Run       Run            `json:"run"`
	Job       Job            `json:"job"`
	Inputs    []InputDataset `json:"inputs"`
	Outputs   []Dataset      `json:"outputs"`
	Producer  string         `json:"producer"`
	SchemaURL string         `json:"schemaURL"`
}

type Run struct {
	RunID  uuid.UUID `json:"runId"`
	Facets RunFacets `json:"facets"`
}

type RunFacets struct {
	TrainingRun *TrainingRunFacet `json:"mlreg_trainingRun,omitempty"`
}

type Job struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// Dataset is an output dataset (and the common part of an input's).
type Dataset struct {
	Namespace string        `json:"namespace"`
	Name      string        `json:"name"`
	Facets    DatasetFacets `json:"facets"`
}

// InputDataset is a dataset a run read, with the facets of that reading.
type InputDataset struct {
	Dataset
	InputFacets InputFacets `json:"inputFacets"`
}

// DatasetFacets are the dataset facets we write, in a fixed key order.
type DatasetFacets struct {
	DataSource   *DatasourceFacet   `json:"dataSource,omitempty"`
	Symlinks     *SymlinksFacet     `json:"symlinks,omitempty"`
	Version      *VersionFacet      `json:"version,omitempty"`
	Dataset      *RegistryDataset   `json:"mlreg_dataset,omitempty"`
	ModelVersion *ModelVersionFacet `json:"mlreg_modelVersion,omitempty"`
}

// InputFacets are the input dataset facets we write.
type InputFacets struct {
	DatasetUsage *DatasetUsageFacet `json:"mlreg_datasetUsage,omitempty"`
}

// BaseFacet holds the two fields every facet must have.
type BaseFacet struct {
	Producer  string `json:"_producer"`
	SchemaURL string `json:"_schemaURL"`
}

// DatasourceFacet is the standard dataSource dataset facet.
type DatasourceFacet struct {
	BaseFacet
	Name string `json:"name"`
	URI  string `json:"uri"`
}

// SymlinksFacet is the standard symlinks dataset facet: other names of the
// same dataset, here the registry's.
type SymlinksFacet struct {
	BaseFacet
	Identifiers []Identifier `json:"identifiers"`
}

// Identifier is one name of a dataset.
type Identifier struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Type      string `json:"type"`
}

// VersionFacet is the standard version dataset facet.
type VersionFacet struct {
	BaseFacet
	DatasetVersion string `json:"datasetVersion"`
}

// RegistryDataset (mlreg_dataset) is the registry's record of an input dataset.
type RegistryDataset struct {
	BaseFacet
	DatasetID       uuid.UUID `json:"datasetId"`
	DatasetName     string    `json:"datasetName"`
	StorageLocation string    `json:"storageLocation"`
	ContainsPII     bool      `json:"containsPII"`
	DataVersion     *string   `json:"dataVersion"`
}

// DatasetUsageFacet (mlreg_datasetUsage) says how a training run used an
// input dataset.
type DatasetUsageFacet struct {
	BaseFacet
	Role string `json:"role"`
}

// ModelVersionFacet (mlreg_modelVersion) is the model version a run produced.
type ModelVersionFacet struct {
	BaseFacet
	Model       string    `json:"model"`
	Semver      string    `json:"semver"`
	VersionID   uuid.UUID `json:"versionId"`
	ArtifactURI string    `json:"artifactUri"`
	Framework   string    `json:"framework"`
	Status      string    `json:"status"`
}

// TrainingRunFacet (mlreg_trainingRun) is the registry's view of the run.
// For a report at a past moment, AsOf says which of these values the audit
// trail establishes then (lineage.AsOf's fields), null for a report of now.
type TrainingRunFacet struct {
	BaseFacet
	RunID          uuid.UUID                     `json:"runId"`
	RunName        *string                       `json:"runName"`
	ExperimentName *string                       `json:"experimentName"`
	Status         string                        `json:"status"`
	Accuracy       *float64                      `json:"accuracy"`
	F1Score        *float64                      `json:"f1Score"`
	Loss           *float64                      `json:"loss"`
	AsOf           map[string]lineage.Provenance `json:"asOf"`
}

func customFacet(file, def string) BaseFacet {
	return BaseFacet{Producer: Producer, SchemaURL: schemas.FacetBase + file + "#/$defs/" + def}
}

func standardFacet(schemaURL string) BaseFacet {
	return BaseFacet{Producer: Producer, SchemaURL: schemaURL}
}

// terminalEventType maps a finished run's status to its OpenLineage event
// type; ok is false for a run that has not finished.
func terminalEventType(status string) (eventType string, ok bool) {
	switch status {
	case "succeeded":
		return "COMPLETE", true
	case "failed", "timeout":
		return "FAIL", true
	case "cancelled":
		return "ABORT", true
	}
	return "", false
}

// RunID is the OpenLineage runId of a registry run: a UUIDv7 whose time is
// createdAt (in milliseconds since the Unix epoch; 0 when unknown) and whose
// 74 other free bits are the first bits of SHA-256("mlreg run " + runID).
// It depends on nothing but the run, so every export names it alike.
func RunID(runID uuid.UUID, createdAt *time.Time) uuid.UUID {
	var ms uint64
	if createdAt != nil && createdAt.UnixMilli() > 0 {
		ms = uint64(createdAt.UnixMilli()) & (1<<48 - 1)
	}
	sum := sha256.Sum256(append([]byte("mlreg run "), runID[:]...))
	var id uuid.UUID
	for i := 0; i < 6; i++ {
		id[i] = byte(ms >> (40 - 8*i))
	}
	copy(id[6:], sum[:10])
	id[6] = 0x70 | id[6]&0x0f // version 7
	id[8] = 0x80 | id[8]&0x3f // variant 10
	return id
}

// name is where a location lives per the naming conventions, or the
// registry's own name for it.
func name(location, registry, fallback string) (namespace, name string) {
	if ns, n, ok := DatasetName(location); ok {
		return ns, n
	}
	return registry, fallback
}

// dataSource is the standard dataSource facet of a location that is a URI.
func dataSource(namespace, location string) *DatasourceFacet {
	u, err := url.Parse(location)
	if err != nil || u.Scheme == "" {
		if strings.HasPrefix(location, "/") {
			return &DatasourceFacet{BaseFacet: standardFacet(datasourceFacetSchema), Name: namespace, URI: "file://" + location}
		}
		return nil
	}
	return &DatasourceFacet{BaseFacet: standardFacet(datasourceFacetSchema), Name: namespace, URI: location}
}

// sortKey orders events: time, then version, run and the run's own order.
type sortKey struct {
	at      time.Time
	version int // position in ascending semantic-version order
	run     int // position among the version's runs
	step    int // 0 START, 1 end
}

// Events turns a lineage report into run events in the order described
// above. A report at a past moment gives the events up to it only.
func Events(l lineage.Report, opts Options) []Event {
	jobNamespace := cmp.Or(opts.JobNamespace, opts.Registry)
	type keyed struct {
		key   sortKey
		event Event
	}
	var all []keyed
	for vi := range l.Versions {
		// The report lists versions newest first; their order here is ascending.
		v := l.Versions[len(l.Versions)-1-vi]
		ns, n := name(v.ArtifactURI, opts.Registry, l.Model+"@"+v.Semver)
		out := Dataset{Namespace: ns, Name: n}
		out.Facets.DataSource = dataSource(ns, v.ArtifactURI)
		out.Facets.Symlinks = &SymlinksFacet{BaseFacet: standardFacet(symlinksFacetSchema),
			Identifiers: []Identifier{{Namespace: opts.Registry, Name: l.Model + "@" + v.Semver, Type: "MODEL_VERSION"}}}
		out.Facets.Version = &VersionFacet{BaseFacet: standardFacet(versionFacetSchema), DatasetVersion: v.Semver}
		out.Facets.ModelVersion = &ModelVersionFacet{BaseFacet: customFacet(ModelVersionFacetFile, "ModelVersionDatasetFacet"),
			Model: l.Model, Semver: v.Semver, VersionID: v.VersionID, ArtifactURI: v.ArtifactURI, Framework: v.Framework, Status: v.Status}
		runs := slices.Clone(v.Runs)
		slices.SortStableFunc(runs, func(a, b lineage.Run) int {
			return cmp.Or(cmp.Compare(deref(a.RunName), deref(b.RunName)), cmp.Compare(a.RunID.String(), b.RunID.String()))
		})
		for ri, r := range runs {
			inputs := make([]InputDataset, 0, len(r.Datasets))
			for _, d := range r.Datasets {
				ns, n := name(d.StorageLocation, opts.Registry, d.DatasetName)
				in := InputDataset{Dataset: Dataset{Namespace: ns, Name: n}}
				in.Facets.DataSource = dataSource(ns, d.StorageLocation)
				in.Facets.Symlinks = &SymlinksFacet{BaseFacet: standardFacet(symlinksFacetSchema),
					Identifiers: []Identifier{{Namespace: opts.Registry, Name: d.DatasetName, Type: "DATASET"}}}
				if d.DataVersion != nil {
					in.Facets.Version = &VersionFacet{BaseFacet: standardFacet(versionFacetSchema), DatasetVersion: *d.DataVersion}
				}
				in.Facets.Dataset = &RegistryDataset{BaseFacet: customFacet(DatasetFacetFile, "RegistryDatasetFacet"),
					DatasetID: d.DatasetID, DatasetName: d.DatasetName, StorageLocation: d.StorageLocation,
					ContainsPII: d.ContainsPII, DataVersion: d.DataVersion}
				in.InputFacets.DatasetUsage = &DatasetUsageFacet{BaseFacet: customFacet(DatasetUsageFacetFile, "DatasetUsageInputDatasetFacet"), Role: d.Role}
				inputs = append(inputs, in)
			}
			facet := &TrainingRunFacet{BaseFacet: customFacet(TrainingRunFacetFile, "TrainingRunFacet"), RunID: r.RunID,
				RunName: r.RunName, ExperimentName: r.ExperimentName, Status: r.Status,
				Accuracy: r.Accuracy, F1Score: r.F1Score, Loss: r.Loss}
			if r.AsOf != nil {
				facet.AsOf = r.AsOf.Fields
			}
			event := func(eventType string, at time.Time, step int) keyed {
				return keyed{sortKey{at.UTC(), vi, ri, step}, Event{
					EventType: eventType,
					EventTime: at.UTC(),
					Run:       Run{RunID: RunID(r.RunID, r.CreatedAt), Facets: RunFacets{TrainingRun: facet}},
					Job:       Job{Namespace: jobNamespace, Name: l.Model + ".train"},
					Inputs:    inputs,
					Outputs:   []Dataset{out},
					Producer:  Producer,
					SchemaURL: RunEventSchema,
				}}
			}
			terminal, finished := terminalEventType(r.Status)
			switch {
			case r.StartedAt != nil:
				all = append(all, event("START", *r.StartedAt, 0))
			case r.Status == "running" && r.CreatedAt != nil:
				all = append(all, event("START", *r.CreatedAt, 0))
			}
			if finished && r.CompletedAt != nil {
				all = append(all, event(terminal, *r.CompletedAt, 1))
			}
		}
	}
	if l.At != nil {
		all = slices.DeleteFunc(all, func(k keyed) bool { return k.key.at.After(*l.At) })
	}
	slices.SortStableFunc(all, func(a, b keyed) int {
		return cmp.Or(a.key.at.Compare(b.key.at), cmp.Compare(a.key.version, b.key.version),
			cmp.Compare(a.key.run, b.key.run), cmp.Compare(a.key.step, b.key.step))
	})
	events := make([]Event, len(all))
	for i, k := range all {
		events[i] = k.event
	}
	return events
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Write writes one event a line (JSON Lines).
func Write(w io.Writer, events []Event) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}
