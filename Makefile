# wagate — thin wrappers; the logic lives in the code and in scripts/.
CARGO ?= cargo

.PHONY: run test lint deny fuzz bench schema ui ui-test ui-e2e test-rust test-postgres graphql-audit

## run: build everything and serve on SQLite (wagate.db) with the admin UI, on http://127.0.0.1:8080
run: ui
	$(CARGO) run --bin wagate -- serve

## test: every check and test (lint, the dependency check, unit, integration on SQLite, the
## GraphQL-over-HTTP audit, integration on a throwaway PostgreSQL, the admin UI's unit tests and
## its browser test)
test: lint deny ui test-rust graphql-audit test-postgres ui-test ui-e2e

test-rust:
	$(CARGO) test --workspace --all-targets

## graphql-audit: graphql-http's GraphQL-over-HTTP audit against the real server (needs Node.js 20+)
graphql-audit:
	CARGO="$(CARGO)" scripts/graphql-audit.sh

test-postgres:
	scripts/with-postgres.sh $(CARGO) test -p wagate --test it --test multi_instance --test store_outage

## lint: formatting and clippy with warnings as errors
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p wagate --test multi_instance --test store_outage -- -D warnings  # test = false: not in --all-targets

## fuzz: the webhook fuzz test for much longer than make test runs it (FUZZ_CASES=20000)
fuzz:
	FUZZ_CASES=$${FUZZ_CASES:-20000} $(CARGO) test -p wagate --test it fuzz_webhook -- --nocapture

## bench: release build, then the load generators against a real server on SQLite and on a
## throwaway PostgreSQL (figures and how to read them: docs/benchmarks.md)
bench:
	CARGO="$(CARGO)" scripts/bench.sh

## deny: cargo-deny over the dependency tree (bans, licenses, sources; installs it when missing)
deny:
	CARGO="$(CARGO)" scripts/cargo-deny.sh

## schema: regenerate schema.graphql from the code
schema:
	$(CARGO) run --quiet --bin wagate -- export-schema --out schema.graphql

## ui: build the admin UI into admin-ui/dist when it is missing or older than its sources
ui: admin-ui/dist/index.html

UI_SOURCES := $(shell find admin-ui/src -type f -not -path 'admin-ui/src/gql/*') \
	$(wildcard admin-ui/index.html admin-ui/*.ts admin-ui/*.json admin-ui/*.graphql) schema.graphql

admin-ui/node_modules/.package-lock.json: admin-ui/package-lock.json
	cd admin-ui && npm ci --no-audit --no-fund
	touch $@

admin-ui/dist/index.html: admin-ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd admin-ui && npm run build

## ui-test: the admin UI's generated types match schema.graphql (drift check), type-check, unit tests
ui-test: admin-ui/node_modules/.package-lock.json
	cd admin-ui && npm run --silent codegen && git diff --exit-code -- src/gql
	cd admin-ui && npm run --silent typecheck && npm test

## ui-e2e: the admin UI in headless Chromium against the real server (scripts/ui-e2e.sh)
ui-e2e: ui
	scripts/ui-e2e.sh
