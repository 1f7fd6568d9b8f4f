# The registry's workflow. DATABASE_URL names the database for migrate, seed,
# check, lineage and impact; tests find a server themselves (see README).
SHELL := /bin/bash
GO_TOOL := go tool -modfile=tools/go.mod
# mlreg is a module of its own (cmd/mlreg), so that importers of the
# library never inherit the command's dependencies.
MLREG := go -C cmd/mlreg run .
DBMATE := $(GO_TOOL) dbmate --migrations-dir db/migrations --schema-file db/schema.sql
SQUAWK_VERSION := 2.66.0

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: generate
generate: ## Regenerate gen/ from queries/, db/schema.sql and the ER diagram from the migrations
	rm -rf gen/registrydb
	$(GO_TOOL) sqlc generate
	go run ./internal/cmd/devdb dump db/schema.sql
	@$(MAKE) --no-print-directory erd

.PHONY: verify
verify: generate ## Fail when gen/, db/schema.sql or the ER diagrams differ from what the SQL produces
	@if [ -n "$$(git status --porcelain -- gen db/schema.sql $(ERD_DOC) $(ERD_DOT))" ]; then \
		git status --porcelain -- gen db/schema.sql $(ERD_DOC) $(ERD_DOT); git diff --stat -- gen db/schema.sql $(ERD_DOC) $(ERD_DOT); \
		echo "verify: generated files are stale; run 'make generate' and commit"; exit 1; fi
	go run ./internal/cmd/devdb run $(GO_TOOL) sqlc vet

# erd writes `mlreg erd` of a scratch database migrated from db/migrations
# between the erd:begin and erd:end marker lines of ERD_DOC, in a mermaid block,
# then the Graphviz diagrams of design/ (scripts/erd-images.sh; needs dot).
# verify compares the DOT sources, not the PNGs (Graphviz versions differ).
ERD_DOC := docs/model-registry-schema.md
ERD_DOT := 'design/*.dot'

.PHONY: erd
erd: ## Regenerate the ER diagrams (docs/model-registry-schema.md, design/*.dot and *.png) from the migrations
	@set -euo pipefail; \
	grep -q '^<!-- erd:begin -->$$' $(ERD_DOC) && grep -q '^<!-- erd:end -->$$' $(ERD_DOC) || \
		{ echo "erd: $(ERD_DOC) lacks the <!-- erd:begin --> and <!-- erd:end --> lines"; exit 1; }; \
	tmp=$$(mktemp); trap 'rm -f "$$tmp" "$$tmp.md"' EXIT; \
	go run ./internal/cmd/devdb run sh -c '$(MLREG) --database-url "$$VET_DATABASE_URL" erd' > "$$tmp"; \
	awk -v erd="$$tmp" ' \
		/^<!-- erd:begin -->$$/ { print; print "```mermaid"; while ((getline line < erd) > 0) print line; print "```"; skip = 1; next } \
		/^<!-- erd:end -->$$/ { skip = 0 } \
		!skip { print }' $(ERD_DOC) > "$$tmp.md"; \
	cat "$$tmp.md" > $(ERD_DOC); \
	echo "erd: wrote $$(grep -c '^  [a-z_0-9]* {$$' "$$tmp") tables to $(ERD_DOC)"
	go run ./internal/cmd/devdb run scripts/erd-images.sh

# Every module of the repository: the library, the command, the GORM
# comparison, the example importer.
MODULES := . cmd/mlreg bench examples/consumer

.PHONY: lint
lint: ## go vet and staticcheck on every module; squawk on the migrations (waivers in .squawk.toml)
	@set -e; for m in $(MODULES); do echo "lint: go vet, staticcheck in $$m"; \
		(cd $$m && go vet ./... && go tool -modfile=$(CURDIR)/tools/go.mod staticcheck ./...); done
	npx --yes squawk-cli@$(SQUAWK_VERSION) db/migrations/*.sql

.PHONY: cross
cross: ## Build mlreg for linux/amd64, darwin/arm64 and windows/amd64
	@set -e; for target in linux/amd64 darwin/arm64 windows/amd64; do \
		echo "cross: mlreg for $$target"; GOOS=$${target%/*} GOARCH=$${target#*/} go -C cmd/mlreg build -o /dev/null .; done

.PHONY: migrate
migrate: ## Apply pending migrations to DATABASE_URL with the pinned dbmate (as mlreg migrate up does)
	$(DBMATE) --no-dump-schema up

.PHONY: rollback
rollback: ## Roll back the newest migration of DATABASE_URL with dbmate (mlreg migrate down guards the audit trail)
	$(DBMATE) --no-dump-schema rollback

.PHONY: migration
migration: ## Create db/migrations/<timestamp>_NAME.sql (make migration NAME=add_thing)
	@test -n "$(NAME)" || { echo "migration: give NAME=what_it_does"; exit 1; }
	$(DBMATE) new $(NAME)

.PHONY: seed
seed: ## Load the sample registry into DATABASE_URL
	$(MLREG) seed

.PHONY: check
check: ## Run every integrity check on DATABASE_URL
	$(MLREG) check

.PHONY: lineage
lineage: ## Lineage report of MODEL (make lineage MODEL=fraud-detector)
	$(MLREG) lineage $(MODEL)

.PHONY: impact
impact: ## What depends on DATASET (make impact DATASET=transaction-logs)
	$(MLREG) impact $(DATASET)

.PHONY: demo
demo: ## Migrate, seed, check and report on a throwaway database
	$(MLREG) demo

.PHONY: test
test: ## Run every test against a real PostgreSQL (race detector on)
	go test -race -count=1 ./...
	cd cmd/mlreg && go test -race -count=1 ./...
	cd bench && go test -count=1 ./...
	@$(MAKE) --no-print-directory consumer

# fuzz runs each fuzz target for FUZZTIME: go test fuzzes one target per
# run. A failing input is written to the package's testdata/fuzz/<target>/;
# commit it with the fix, and every `go test` replays it.
# Eight targets of 6 s keep it near a minute.
FUZZTIME ?= 6s
FUZZ_TARGETS := cmd/mlreg:./mlregcli:FuzzRun cmd/mlreg:./mlregcli:FuzzFormat cmd/mlreg:./mlregcli:FuzzParseTime \
	cmd/mlreg:./mlregcli:FuzzSemver cmd/mlreg:./mlregcli:FuzzRedact cmd/mlreg:./mlregcli:FuzzParseSeed \
	cmd/mlreg:./mlregcli:FuzzPasswordNeverPrinted .:./internal/synth:FuzzParseSize

.PHONY: fuzz
fuzz: ## Fuzz every parser of user input for FUZZTIME each (default 6s)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mod=$${t%%:*}; rest=$${t#*:}; pkg=$${rest%%:*}; name=$${rest#*:}; \
		echo "fuzz: $$name in $$mod/$$pkg for $(FUZZTIME)"; \
		go -C $$mod test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# mermaid-check renders lineage (awkward names included) and the ER diagram
# with the Mermaid CLI and Debian's Chromium, so that a diagram Mermaid
# cannot parse fails a test. The CLI (about 500 MB with its dependencies)
# is installed into MERMAID_DIR on first use, without Puppeteer's own
# browser; Chromium comes from apt (apt-get install chromium).
MERMAID_CLI := @mermaid-js/mermaid-cli@11.17
MERMAID_DIR := .cache/mermaid-cli

.PHONY: mermaid-check
mermaid-check: ## Render lineage and ER diagrams with the Mermaid CLI (installs it; needs chromium)
	@command -v chromium >/dev/null || { echo "mermaid-check: needs chromium: apt-get install chromium"; exit 1; }
	@test -x $(MERMAID_DIR)/node_modules/.bin/mmdc || { mkdir -p $(MERMAID_DIR) && cd $(MERMAID_DIR) && \
		PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund $(MERMAID_CLI); }
	cd cmd/mlreg && MMDC=$(CURDIR)/$(MERMAID_DIR)/node_modules/.bin/mmdc go test -tags mermaid -count=1 -run 'Mermaid' ./mlregcli/

.PHONY: consumer
consumer: ## Build the example importer; its module graph may hold pgx, uuid and what they bring, nothing else
	cd examples/consumer && GOWORK=off go build -o /dev/null ./... && GOWORK=off go vet ./...
	@scripts/consumer-modules.sh

# BENCH_SIZE=large for the issue's large registry (about 15 minutes here).
BENCH_SIZE ?= small

.PHONY: bench
bench: ## Benchmarks against a baseline in the same run (BENCH_SIZE=small|large)
	$(MLREG) bench --size $(BENCH_SIZE)
	cd bench && go run . --rounds 3

.PHONY: install
install: ## Install mlreg into $(GOBIN) (or $(GOPATH)/bin)
	go -C cmd/mlreg install .
