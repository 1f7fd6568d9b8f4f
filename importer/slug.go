package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/google/uuid"
)

// The registry's name rules (CHECK valid_model_name, valid_dataset_name).
var (
	validModelName   = regexp.MustCompile(`^[a-z0-9-]+$`)
	validDatasetName = regexp.MustCompile(`^[a-z0-9_-]+$`)
	validAlias       = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
)

// fold spells the Latin letters with diacritics, and a few ligatures, in
// ASCII; other non-ASCII letters and digits have no ASCII spelling here and
// are dropped by slug.
var fold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'ç': "c", 'ć': "c", 'č': "c", 'ĉ': "c", 'ċ': "c",
	'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ė': "e", 'ę': "e", 'ě': "e",
	'ğ': "g", 'ģ': "g",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'į': "i", 'ı': "i",
	'ķ': "k", 'ĺ': "l", 'ļ': "l", 'ľ': "l", 'ł': "l",
	'ñ': "n", 'ń': "n", 'ņ': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o",
	'ŕ': "r", 'ř': "r", 'ś': "s", 'ş': "s", 'š': "s", 'ș': "s", 'ß': "ss",
	'ţ': "t", 'ť': "t", 'ț': "t", 'þ': "th",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u", 'ų': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
	'æ': "ae", 'œ': "oe",
}

// slug makes a registry name of a source name: lower case, Latin letters
// without their diacritics, every run of other characters one hyphen (or
// kept as an underscore where the name may hold one), no hyphen at either
// end. "" means the name has no letter or digit the registry can spell.
func slug(name string, underscore bool) string {
	var b strings.Builder
	pendingSep := false
	emit := func(s string) {
		if pendingSep && b.Len() > 0 {
			b.WriteByte('-')
		}
		pendingSep = false
		b.WriteString(s)
	}
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			emit(string(r))
		case r == '_' && underscore:
			emit("_")
		case fold[r] != "":
			emit(fold[r])
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			// No ASCII spelling: dropped without a separator, so "日本語"
			// yields nothing rather than hyphens.
		default:
			pendingSep = true
		}
	}
	return strings.Trim(b.String(), "-_")
}

// suffixed is slug plus the first n hex digits of the SHA-256 of the source
// name: a suffix that depends on the name alone, so it is the same on every
// import whatever other names the source holds.
func suffixed(base, source string, n int) string {
	sum := sha256.Sum256([]byte(source))
	return base + "-" + hex.EncodeToString(sum[:])[:n]
}

// nameCandidate is a source name to be given a registry row.
type nameCandidate struct {
	key         string // the source name, unique in the source
	displayName string // the row's display_name when created
	id          uuid.UUID
}

// existingRow is a registry row a candidate may map to.
type existingRow struct {
	id          uuid.UUID
	name        string
	displayName string
}

// nameResult is where a candidate went.
type nameResult struct {
	id      uuid.UUID
	name    string
	created bool // a new row (else an existing one, matched)
	ours    bool // matched by the derived id: a row an import created
}

// allocateNames maps source names to registry rows: the row an earlier
// import created (its derived id), else an existing row of that exact name
// (a source name that is already a valid registry name) or of the slug and
// the same display name, else a new row named by the slug, or, when the slug
// is taken by the registry or by another source name, by the slug with a
// suffix. Among source names sharing a slug the one spelled as the slug
// keeps it, then the first in byte order. taken reports whether the
// registry has a row of a name (for suffixes, which the first lookup did
// not cover). Names with no slug are returned in refused.
func allocateNames(entity string, cands []nameCandidate, underscore bool, existing []existingRow,
	taken func(names []string) (map[string]bool, error), report *Report) (map[string]nameResult, []string, error) {
	valid := validModelName
	if underscore {
		valid = validDatasetName
	}
	byID := map[uuid.UUID]existingRow{}
	byName := map[string]existingRow{}
	for _, e := range existing {
		byID[e.id] = e
		byName[e.name] = e
	}
	out := map[string]nameResult{}
	var refused []string
	sort.Slice(cands, func(i, j int) bool { return cands[i].key < cands[j].key })

	// Slug groups, for the collision report.
	groups := map[string][]string{}
	slugs := map[string]string{}
	for _, c := range cands {
		s := slug(c.key, underscore)
		slugs[c.key] = s
		if s != "" {
			groups[s] = append(groups[s], c.key)
		}
	}
	others := func(key string) []string {
		var o []string
		for _, k := range groups[slugs[key]] {
			if k != key {
				o = append(o, k)
			}
		}
		return o
	}

	claimed := map[string]bool{} // names given in this import
	var fresh []nameCandidate
	for _, c := range cands {
		if e, ok := byID[c.id]; ok {
			out[c.key] = nameResult{id: e.id, name: e.name, ours: true}
			claimed[e.name] = true
			continue
		}
		if e, ok := byName[c.key]; ok && valid.MatchString(c.key) {
			out[c.key] = nameResult{id: e.id, name: e.name}
			claimed[e.name] = true
			continue
		}
		if e, ok := byName[slugs[c.key]]; ok && e.displayName == c.displayName {
			out[c.key] = nameResult{id: e.id, name: e.name}
			claimed[e.name] = true
			report.NameMappings = append(report.NameMappings, NameMapping{Entity: entity, Source: c.key, Name: e.name, Rule: "existing", CollidesWith: others(c.key)})
			continue
		}
		if slugs[c.key] == "" {
			refused = append(refused, c.key)
			continue
		}
		fresh = append(fresh, c)
	}
	// The source name spelled as its slug first, then byte order.
	sort.SliceStable(fresh, func(i, j int) bool {
		ei, ej := fresh[i].key == slugs[fresh[i].key], fresh[j].key == slugs[fresh[j].key]
		return ei && !ej
	})
	var pending []nameCandidate
	for _, c := range fresh {
		s := slugs[c.key]
		if _, inRegistry := byName[s]; !inRegistry && !claimed[s] {
			claimed[s] = true
			out[c.key] = nameResult{id: c.id, name: s, created: true}
			if s != c.key {
				report.NameMappings = append(report.NameMappings, NameMapping{Entity: entity, Source: c.key, Name: s, Rule: "slug", CollidesWith: others(c.key)})
			}
			continue
		}
		pending = append(pending, c)
	}
	// Suffixes, longer until free: six hex digits nearly always are.
	for n := 6; len(pending) > 0; n += 2 {
		if n > 64 {
			for _, c := range pending {
				refused = append(refused, c.key)
			}
			break
		}
		names := make([]string, len(pending))
		for i, c := range pending {
			names[i] = suffixed(slugs[c.key], c.key, n)
		}
		inRegistry, err := taken(names)
		if err != nil {
			return nil, nil, err
		}
		var next []nameCandidate
		for i, c := range pending {
			if inRegistry[names[i]] || claimed[names[i]] {
				next = append(next, c)
				continue
			}
			claimed[names[i]] = true
			out[c.key] = nameResult{id: c.id, name: names[i], created: true}
			report.NameMappings = append(report.NameMappings, NameMapping{Entity: entity, Source: c.key, Name: names[i], Rule: "collision", CollidesWith: others(c.key)})
		}
		pending = next
	}
	return out, refused, nil
}
