#!/usr/bin/env bash
# consumer-modules.sh: fail when the module graph of examples/consumer (an
# importer of the registry's packages) holds any module that pgx and uuid,
# the registry library's only requirements, do not bring themselves. It
# compares `go list -m all` of the consumer with that of a scratch program
# that imports just pgx and uuid, at the consumer's versions, tidied alike.
set -euo pipefail
cd "$(dirname "$0")/../examples/consumer"
export GOWORK=off GOFLAGS=-mod=mod
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go list -m all | awk 'NR > 1 { print $1 }' | grep -vx 'github.com/mlplatform/model-registry' | sort > "$tmp/consumer"
pgx=$(go list -m -f '{{.Version}}' github.com/jackc/pgx/v5)
uuid=$(go list -m -f '{{.Version}}' github.com/google/uuid)
(
  cd "$tmp"
  go mod init allowed.example >/dev/null 2>&1
  go mod edit -go="$(go -C "$OLDPWD" list -m -f '{{.GoVersion}}')" \
    -require="github.com/jackc/pgx/v5@$pgx" -require="github.com/google/uuid@$uuid"
  printf 'package main\n\nimport (\n\t_ "github.com/google/uuid"\n\t_ "github.com/jackc/pgx/v5/pgxpool"\n)\n\nfunc main() {}\n' > main.go
  go mod tidy >/dev/null 2>&1
  go list -m all | awk 'NR > 1 { print $1 }' | sort > allowed
)
extra=$(comm -23 "$tmp/consumer" "$tmp/allowed")
if [ -n "$extra" ]; then
  echo "consumer: modules in an importer's graph that pgx and uuid do not bring:"
  echo "$extra" | sed 's/^/  /'
  exit 1
fi
echo "consumer: $(wc -l < "$tmp/consumer") modules in an importer's graph, all from pgx $pgx and uuid $uuid"
