// Package openlineage maps a model's lineage to OpenLineage run events
// (https://openlineage.io/spec/, version 2-0-2), as `mlreg lineage MODEL
// --format openlineage` writes them: one JSON object a line, for a lineage
// backend (Marquez, DataHub, ...) to ingest.
//
// Mapping:
//   - one training run is one OpenLineage run: run.runId is its run_id;
//   - its job is "<model>.train" in the --namespace namespace (default
//     "mlreg"): a job is the process definition that runs repeat, so every
//     training run of a model is a run of the same job, whatever experiment
//     it belongs to (experiments come and go, and a run need not have one);
//     the run's name and experiment are in the mlreg_trainingRun run facet;
//   - inputs are the datasets the run used, named by dataset_name in the
//     namespace of their storage location's scheme and host ("s3://datasets"),
//     or "mlreg" when the location is not such a URL; the role the run used
//     a dataset in and the dataset's data_version are in the
//     mlreg_datasetUsage facet, its location in the standard dataSource facet;
//   - the output is the model version, "<model>@<semver>" in namespace
//     "mlreg", with its artifact in the mlreg_modelArtifact facet and the
//     semver in the standard version facet.
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
// cancelled while queued): its terminal event is then the only one.
//
// Order: versions in ascending semantic-version order, a version's runs by
// start time (then run id), each run's START before its terminal event; so
// the stream replays history oldest first and the same registry always
// gives the same bytes.
package openlineage

import (
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/mlplatform/model-registry/lineage"
)

const (
	Producer       = "https://github.com/mlplatform/model-registry"
	RunEventSchema = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
	// Standard facets.
	versionFacetSchema    = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet"
	datasourceFacetSchema = "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet"
	// Our custom facets are described by their Go types in this package.
	customFacetSchema = Producer + "/blob/main/cmd/mlreg/openlineage.go"
	// RegistryNamespace names datasets that live in the registry itself.
	RegistryNamespace = "mlreg"
)

// Event is an OpenLineage RunEvent.
type Event struct {
	EventType string    `json:"eventType"`
	EventTime time.Time `json:"eventTime"`
	Run       Run       `json:"run"`
	Job       Job       `json:"job"`
	Inputs    []Dataset `json:"inputs"`
	Outputs   []Dataset `json:"outputs"`
	Producer  string    `json:"producer"`
	SchemaURL string    `json:"schemaURL"`
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

type Dataset struct {
	Namespace string        `json:"namespace"`
	Name      string        `json:"name"`
	Facets    DatasetFacets `json:"facets"`
}

// DatasetFacets are the facets we write, in a fixed key order.
type DatasetFacets struct {
	DataSource    *DatasourceFacet    `json:"dataSource,omitempty"`
	Version       *VersionFacet       `json:"version,omitempty"`
	DatasetUsage  *DatasetUsageFacet  `json:"mlreg_datasetUsage,omitempty"`
	ModelArtifact *ModelArtifactFacet `json:"mlreg_modelArtifact,omitempty"`
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

// VersionFacet is the standard version dataset facet.
type VersionFacet struct {
	BaseFacet
	DatasetVersion string `json:"datasetVersion"`
}

// DatasetUsageFacet (mlreg_datasetUsage) says how a training run used an
// input dataset: its role and the dataset's version (data_version, null when
// the registry has none).
type DatasetUsageFacet struct {
	BaseFacet
	Role           string  `json:"role"`
	DatasetVersion *string `json:"datasetVersion"`
	ContainsPII    bool    `json:"containsPII"`
}

// ModelArtifactFacet (mlreg_modelArtifact) locates a model version's artifact.
type ModelArtifactFacet struct {
	BaseFacet
	URI       string    `json:"uri"`
	VersionID uuid.UUID `json:"versionId"`
	Framework string    `json:"framework"`
	Status    string    `json:"status"`
}

// TrainingRunFacet (mlreg_trainingRun) is the registry's view of the run.
type TrainingRunFacet struct {
	BaseFacet
	RunName        *string  `json:"runName"`
	ExperimentName *string  `json:"experimentName"`
	Status         string   `json:"status"`
	Accuracy       *float64 `json:"accuracy"`
	F1Score        *float64 `json:"f1Score"`
	Loss           *float64 `json:"loss"`
}

func customFacet(name string) BaseFacet {
	return BaseFacet{Producer: Producer, SchemaURL: customFacetSchema + "#" + name}
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

// datasetNamespace is a storage location's scheme and host ("s3://bucket"),
// or the registry's namespace when the location has neither.
func datasetNamespace(location string) string {
	u, err := url.Parse(location)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return RegistryNamespace
	}
	return u.Scheme + "://" + u.Host
}

// Events turns a lineage report into run events in the order described
// above, jobs in namespace.
func Events(l lineage.Report, namespace string) []Event {
	var events []Event
	// The report lists versions newest first; events go oldest first.
	for i := len(l.Versions) - 1; i >= 0; i-- {
		v := l.Versions[i]
		out := Dataset{Namespace: RegistryNamespace, Name: l.Model + "@" + v.Semver}
		out.Facets.Version = &VersionFacet{
			BaseFacet:      BaseFacet{Producer: Producer, SchemaURL: versionFacetSchema},
			DatasetVersion: v.Semver}
		out.Facets.ModelArtifact = &ModelArtifactFacet{BaseFacet: customFacet("ModelArtifactFacet"),
			URI: v.ArtifactURI, VersionID: v.VersionID, Framework: v.Framework, Status: v.Status}
		runs := slices.Clone(v.Runs)
		sort.SliceStable(runs, func(a, b int) bool {
			ta, tb := runStart(runs[a]), runStart(runs[b])
			if !ta.Equal(tb) {
				return ta.Before(tb)
			}
			return runs[a].RunID.String() < runs[b].RunID.String()
		})
		for _, r := range runs {
			inputs := make([]Dataset, 0, len(r.Datasets))
			for _, d := range r.Datasets {
				in := Dataset{Namespace: datasetNamespace(d.StorageLocation), Name: d.Name}
				in.Facets.DataSource = &DatasourceFacet{
					BaseFacet: BaseFacet{Producer: Producer, SchemaURL: datasourceFacetSchema},
					Name:      in.Namespace, URI: d.StorageLocation}
				if d.DataVersion != nil {
					in.Facets.Version = &VersionFacet{
						BaseFacet:      BaseFacet{Producer: Producer, SchemaURL: versionFacetSchema},
						DatasetVersion: *d.DataVersion}
				}
				in.Facets.DatasetUsage = &DatasetUsageFacet{BaseFacet: customFacet("DatasetUsageFacet"),
					Role: d.Role, DatasetVersion: d.DataVersion, ContainsPII: d.ContainsPII}
				inputs = append(inputs, in)
			}
			event := func(eventType string, at time.Time) Event {
				return Event{
					EventType: eventType,
					EventTime: at.UTC(),
					Run: Run{RunID: r.RunID, Facets: RunFacets{TrainingRun: &TrainingRunFacet{
						BaseFacet: customFacet("TrainingRunFacet"), RunName: r.Name, ExperimentName: r.ExperimentName,
						Status: r.Status, Accuracy: r.Accuracy, F1Score: r.F1Score, Loss: r.Loss}}},
					Job:       Job{Namespace: namespace, Name: l.Model + ".train"},
					Inputs:    inputs,
					Outputs:   []Dataset{out},
					Producer:  Producer,
					SchemaURL: RunEventSchema,
				}
			}
			terminal, finished := terminalEventType(r.Status)
			switch {
			case r.StartedAt != nil:
				events = append(events, event("START", *r.StartedAt))
			case r.Status == "running" && r.CreatedAt != nil:
				events = append(events, event("START", *r.CreatedAt))
			}
			if finished && r.CompletedAt != nil {
				events = append(events, event(terminal, *r.CompletedAt))
			}
		}
	}
	return events
}

// runStart orders a version's runs: when it started, else ended, else was
// recorded.
func runStart(r lineage.Run) time.Time {
	for _, t := range []*time.Time{r.StartedAt, r.CompletedAt, r.CreatedAt} {
		if t != nil {
			return *t
		}
	}
	return time.Time{}
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
