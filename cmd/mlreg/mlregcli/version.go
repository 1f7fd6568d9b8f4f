package mlregcli

import (
	"runtime/debug"
)

// version is the module version mlreg was built as, with the commit it was
// built from when the build recorded one ("(devel) 41af8b2, modified").
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if revision != "" {
		v += " " + revision[:min(12, len(revision))]
		if modified == "true" {
			v += ", modified"
		}
	}
	return v + " (" + info.GoVersion + ")"
}
