// Package schemas ships the JSON Schemas (draft 2020-12) of what mlreg
// writes, so that a consumer can validate a document without this
// repository's checkout:
//
//   - v1/*.json: the JSON documents of `mlreg lineage`, `impact`, `check`
//     and `audit log` (--format json), and those added later beside them.
//     Each document names its schema in a top-level "schema" field, equal to
//     the schema's $id (Base + "v1/<name>.json"). Within v1 a schema only
//     ever gains optional fields or new enum values a consumer may ignore;
//     removing or renaming a field, changing its type or its meaning makes
//     v2, in a directory of its own, and the documents say so in "schema".
//   - openlineage/facets/<version>/*.json: the custom OpenLineage facets of
//     `mlreg lineage --format openlineage` (mlreg_trainingRun, ...). A
//     published version never changes (TestFacetSchemasArePublished pins
//     their hashes); a change is a new version directory, and the facets'
//     _schemaURL name the version they follow (FacetBase).
package schemas

import (
	"embed"
	"encoding/json"
	"io"
)

// Base is the prefix of the $id of every report schema: the schemas
// directory of the repository's main branch. Report schemas change only
// additively within a version directory, so main is where their newest
// compatible text lives.
const Base = "https://raw.githubusercontent.com/mlplatform/model-registry/main/schemas/"

// FacetVersion is the version of the custom OpenLineage facet schemas the
// events follow.
const FacetVersion = "1-0-0"

// FacetBase is where the facet schemas of FacetVersion are published: at
// the repository's tag openlineage-facets/FacetVersion, a fixed version
// (never a moving branch), as OpenLineage requires of a _schemaURL. The tag
// and every later commit hold the same bytes under the version's directory.
const FacetBase = "https://raw.githubusercontent.com/mlplatform/model-registry/openlineage-facets/" + FacetVersion +
	"/schemas/openlineage/facets/" + FacetVersion + "/"

// FS holds the schema files, by their path under schemas/.
//
//go:embed v1/*.json openlineage/facets/*/*.json
var FS embed.FS

// WriteJSON writes doc, a document of one of these schemas, as mlreg's
// --format json does: one JSON document indented by two spaces, ending in a
// newline.
func WriteJSON(w io.Writer, doc any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
