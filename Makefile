# wagate — thin wrappers; the logic lives in the code and in scripts/.
CARGO ?= cargo

.PHONY: run test lint schema ui test-rust test-postgres graphql-audit

## run: build everything and serve on SQLite (wagate.db) with the admin UI, on http://127.0.0.1:8080
run: ui
	$(CARGO) run --bin wagate -- serve

## test: every check and test (lint, unit, integration on SQLite, the GraphQL-over-HTTP audit,
## integration on a throwaway PostgreSQL)
test: lint ui test-rust graphql-audit test-postgres

test-rust:
	$(CARGO) test --workspace --all-targets

## graphql-audit: graphql-http's GraphQL-over-HTTP audit against the real server (needs Node.js 20+)
graphql-audit:
	CARGO="$(CARGO)" scripts/graphql-audit.sh

test-postgres:
	scripts/with-postgres.sh $(CARGO) test -p wagate --test it

## lint: formatting and clippy with warnings as errors
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## schema: regenerate schema.graphql from the code
schema:
	$(CARGO) run --quiet --bin wagate -- export-schema --out schema.graphql

## ui: build the admin UI into admin-ui/dist (a static placeholder page for now)
ui:
	mkdir -p admin-ui/dist
	cp admin-ui/index.html admin-ui/dist/index.html
