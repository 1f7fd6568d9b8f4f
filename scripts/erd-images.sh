#!/usr/bin/env bash
# Writes the ER diagrams of design/ from a database migrated from
# db/migrations: `mlreg erd --format dot` of the overview (every table by
# name, grouped by area) as design/er-diagram-model-registry.dot, and of each
# area (its tables with their columns) as design/er-AREA.dot, each rendered to
# a PNG beside it with Graphviz. `make erd` runs it through devdb, which
# sets VET_DATABASE_URL; the DOT files are committed and drift-checked by
# `make verify`, the PNGs are committed but not compared (their bytes vary
# with the Graphviz version and fonts).
set -euo pipefail
: "${VET_DATABASE_URL:?run it as: go run ./internal/cmd/devdb run scripts/erd-images.sh}"
command -v dot >/dev/null || {
  echo "erd: Graphviz's dot is not installed: apt-get install graphviz (Debian, Ubuntu) or brew install graphviz" >&2
  exit 1
}
# The areas mlreg knows, from its own help, so that a new area needs no edit here.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go -C cmd/mlreg build -o "$work/mlreg" .
areas=$("$work/mlreg" erd --help | sed -n 's/.*--area string *with --format dot: overview, or one area (\(.*\))$/\1/p' | tr -d ',')
[ -n "$areas" ] || { echo "erd: could not read the areas from mlreg erd --help" >&2; exit 1; }
mkdir -p design
render() { # FILE AREA: write design/FILE.dot and design/FILE.png, each whole or not at all
  "$work/mlreg" --database-url "$VET_DATABASE_URL" erd --format dot --area "$2" > "$work/$1.dot"
  dot -Tpng "$work/$1.dot" -o "$work/$1.png"
  mv "$work/$1.dot" "design/$1.dot"
  mv "$work/$1.png" "design/$1.png"
}
render er-diagram-model-registry overview
for area in $areas; do
  render "er-$area" "$area"
done
echo "erd: wrote design/er-diagram-model-registry.{dot,png} and design/er-{$(echo $areas | tr ' ' ',')}.{dot,png}"
