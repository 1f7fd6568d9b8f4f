package migrate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Migration is one migration file: its version (the digits its name starts
// with) and its up and down blocks, in dbmate's format:
//
//	-- migrate:up
//	CREATE TABLE ...;
//	-- migrate:down
//	DROP TABLE ...;
//
// A block directive may carry options; the one that matters is
// transaction:false, which runs the block outside a transaction (for
// statements such as CREATE INDEX CONCURRENTLY).
type Migration struct {
	Version  string // "20251023000100"
	File     string // "20251023000100_teams_and_environments.sql"
	Up       string
	Down     string
	UpInTx   bool
	DownInTx bool
}

var (
	upDirective   = regexp.MustCompile(`(?m)^--\s*migrate:up(\s*$|\s+\S+)`)
	downDirective = regexp.MustCompile(`(?m)^--\s*migrate:down(\s*$|\s+\S+)`)
	versionPrefix = regexp.MustCompile(`^([0-9]+)_.*\.sql$`)
)

// parseMigration reads one file's blocks, refusing what dbmate refuses: a
// missing block, blocks in the wrong order, statements before the up block.
func parseMigration(file, contents string) (Migration, error) {
	m := versionPrefix.FindStringSubmatch(file)
	if m == nil {
		return Migration{}, fmt.Errorf("%s: a migration's name starts with its version: digits, then _", file)
	}
	up := upDirective.FindStringIndex(contents)
	down := downDirective.FindStringIndex(contents)
	switch {
	case up == nil:
		return Migration{}, fmt.Errorf("%s: no '-- migrate:up' block", file)
	case down == nil:
		return Migration{}, fmt.Errorf("%s: no '-- migrate:down' block", file)
	case up[0] > down[0]:
		return Migration{}, fmt.Errorf("%s: '-- migrate:up' must come before '-- migrate:down'", file)
	case hasStatements(contents[:up[0]]):
		return Migration{}, fmt.Errorf("%s: statements before '-- migrate:up'", file)
	}
	upBlock, downBlock := contents[up[0]:down[0]], contents[down[0]:]
	return Migration{
		Version: m[1], File: file,
		Up: upBlock, Down: downBlock,
		UpInTx: inTransaction(upBlock), DownInTx: inTransaction(downBlock),
	}, nil
}

// hasStatements reports whether text holds anything but blank and comment lines.
func hasStatements(text string) bool {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "--") {
			return true
		}
	}
	return false
}

// inTransaction reads the options on a block's directive line.
func inTransaction(block string) bool {
	directive, _, _ := strings.Cut(block, "\n")
	for _, option := range strings.Fields(directive)[1:] {
		if key, value, _ := strings.Cut(option, ":"); key == "transaction" && value == "false" {
			return false
		}
	}
	return true
}

// load reads every migration of dir in fsys, in version order.
func load(fsys fs.FS, dir string) ([]Migration, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no migrations found")
	}
	migrations := make([]Migration, 0, len(files))
	seen := map[string]string{}
	for _, f := range files {
		body, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		m, err := parseMigration(path.Base(f), string(body))
		if err != nil {
			return nil, err
		}
		if other, dup := seen[m.Version]; dup {
			return nil, fmt.Errorf("%s and %s share version %s", other, m.File, m.Version)
		}
		seen[m.Version] = m.File
		migrations = append(migrations, m)
	}
	sort.Slice(migrations, func(i, j int) bool { return migrations[i].Version < migrations[j].Version })
	return migrations, nil
}
