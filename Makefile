# The registry's workflow. DATABASE_URL names the database for migrate, seed,
# check, lineage and impact; tests find a server themselves (see README).
SHELL := /bin/bash
GO_TOOL := go tool -modfile=tools/go.mod
MLREG := go run ./cmd/mlreg

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: generate
generate: ## Regenerate gen/ from queries/ and db/schema.sql from the migrations
	rm -rf gen/registrydb
	$(GO_TOOL) sqlc generate
	go run ./internal/cmd/devdb dump db/schema.sql

.PHONY: verify
verify: generate ## Fail when gen/ or db/schema.sql differ from what the SQL produces
	@if [ -n "$$(git status --porcelain -- gen db/schema.sql)" ]; then \
		git status --porcelain -- gen db/schema.sql; git diff --stat -- gen db/schema.sql; \
		echo "verify: generated files are stale; run 'make generate' and commit"; exit 1; fi
	go run ./internal/cmd/devdb run $(GO_TOOL) sqlc vet

.PHONY: migrate
migrate: ## Apply pending migrations to DATABASE_URL
	$(MLREG) migrate up

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
	@$(MAKE) --no-print-directory consumer

.PHONY: consumer
consumer: ## Build the example importer; its dependencies must not include our tools
	cd examples/consumer && go build -o /dev/null ./... && go vet ./...
	@cd examples/consumer && if go list -deps ./... | grep -E 'sqlc-dev|amacneil/dbmate|testcontainers|peterldowns'; then \
		echo "consumer: the generated package pulls in build tools"; exit 1; fi; \
		echo "consumer: $$(go list -deps ./... | wc -l) packages, none of sqlc, dbmate, testcontainers, pgtestdb"

.PHONY: bench
bench: ## Benchmarks against a baseline in the same run
	$(MLREG) bench --size small
