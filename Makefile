# LedgerML — developer entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
PYTEST := .venv/bin/pytest
STACK := $(PY) -m ledgerml.stack
PY_TEST_PATHS := stack/tests services sdk ray_jobs tests/unit tests/integration
MYPY_STRICT := services/shared/src services/registry/src services/access-control/src services/storage/src \
	services/training-orchestrator/src services/audit/src sdk/src
MYPY_PATH := $(subst $(eval) ,:,$(MYPY_STRICT)):stack/src

.PHONY: help install up down status clean demo test lint test-unit test-integration test-e2e chaos test-chaincode helm-check bench services-up services-down chaincode-upgrade

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: ## Install toolchains and engines into the per-user cache (idempotent)
	@bash stack/install.sh

up: install ## Start the local stack (Kafka, MinIO, Ray, PostgreSQL, 4 ledger validators) on loopback; a no-op when running
	@$(STACK) up --profile dev

down: ## Stop everything `make up` started, by process id
	@$(STACK) down --profile dev

services-up: up ## Start Org1..Org3's five services on the dev stack (endpoints in .run/dev/endpoints.json)
	@$(STACK) services-up --profile dev

services-down: ## Stop the services started by services-up
	@$(STACK) services-down --profile dev

status: ## Report each component and validator (height, peers); non-zero if one is down or stalled
	@$(STACK) status --profile dev

chaincode-upgrade: install ## Roll the working tree's ledger application out to the running dev validators
	@$(STACK) chaincode-upgrade --profile dev

clean: ## Stop the stacks and remove their state (.run/)
	@if [ -x $(PY) ]; then $(STACK) clean --profile dev; $(STACK) clean --profile test; fi
	@rm -rf .run

demo: up ## The consortium scenario: stack, Org1..Org3's services, then Org1 shares, Org2 asks, Org3 audits
	@$(STACK) services-up --profile dev
	@$(PY) -m ledgerml.stack.demo --profile dev
	@$(PY) -m ledgerml.stack.scenario.run --profile dev

lint: install ## ruff, mypy (strict on every service and the SDK), gofmt/go vet on the chaincode
	@.venv/bin/ruff check stack services sdk ray_jobs bench tests conftest.py
	@for src in $(MYPY_STRICT); do MYPYPATH=$(MYPY_PATH) .venv/bin/mypy --strict $$src || exit 1; done
	@.venv/bin/mypy stack/src
	@cd chaincode && unformatted=$$(gofmt -l .) && { [ -z "$$unformatted" ] || { echo "gofmt needed: $$unformatted"; exit 1; }; } && go vet ./...

test-unit: install ## Unit tests: no network, fast
	@$(PYTEST) -q -m "not integration and not e2e" $(PY_TEST_PATHS)

test-integration: install ## Integration tests against the real test stack (started and stopped here)
	@bash stack/with-test-stack.sh $(PYTEST) -q -m integration $(PY_TEST_PATHS)

test-e2e: install ## End to end: Org1..Org3's services as processes on the test stack, driven through the SDK
	@bash stack/with-test-stack.sh $(PYTEST) -q -m e2e tests/e2e

chaos: install ## Crash test alone: kill -9 a validator, Kafka, a bridge, an orchestrator mid-job, the Ray head
	@bash stack/with-test-stack.sh $(PYTEST) -q -m chaos tests/e2e

test-chaincode: ## Go chaincode core: gofmt, go vet, tests with coverage >= 85%
	@bash chaincode/check.sh

helm-check: ## Helm lint, render, schema-validate the chart and its tests
	@bash helm/check.sh

test: lint test-unit test-chaincode helm-check test-integration test-e2e ## Everything CI runs: lint + all test tiers

BENCHMARKS := ledger ingest decisions training audit

bench: install ## Run every benchmark on the test stack; results in bench/results/, explained in bench/README.md
	@for b in $(BENCHMARKS); do bash stack/with-test-stack.sh $(PY) -m bench.$$b || exit 1; done

bench-%: install ## Run one benchmark, e.g. `make bench-ingest` (add ARGS=--quick for a small run)
	@bash stack/with-test-stack.sh $(PY) -m bench.$* $(ARGS)
