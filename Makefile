# Maitred — `make help` lists the targets.
SHELL := bash
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
SCALE ?= 1
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: install
install: ## install uv if missing, then every package and dev tool into .venv
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --all-packages --frozen --quiet

.PHONY: run
run: install ## start every service on 127.0.0.1 (gateway :8000) with a demo restaurant; SCALE=2 for two of each
	@$(UV) run --frozen python deploy/run.py --scale $(SCALE)

.PHONY: test
test: install browser ## every test, on the real Postgres, RabbitMQ and Redis (each package in its own run)
	@$(UV) run --frozen python scripts/run_tests.py $(PYTEST_ARGS)

.PHONY: browser
browser: ## Debian's Chromium for the browser tests (installed when missing and run as root)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: no /usr/bin/chromium; the browser tests will fail (apt-get install chromium)"; fi; \
	fi

.PHONY: test-fast
test-fast: install ## unit tests only (no servers needed)
	@$(UV) run --frozen pytest -m "not slow" libs/contracts services/*/tests/unit $(PYTEST_ARGS)

.PHONY: lint
lint: install ## ruff and mypy
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .
	@$(UV) run --frozen mypy libs/contracts/src libs/messaging/src libs/platform/src libs/testing/src services/*/src

.PHONY: fmt
fmt: install ## format and fix what ruff can
	@$(UV) run --frozen ruff format .
	@$(UV) run --frozen ruff check --fix .

.PHONY: asyncapi
asyncapi: install ## regenerate libs/contracts/asyncapi.yaml from the event models
	@$(UV) run --frozen python -m maitred_contracts.asyncapi > libs/contracts/asyncapi.yaml

.PHONY: lock
lock: ## re-resolve dependencies into uv.lock
	@$(UV) lock

.PHONY: up
up: ## the same stack under Docker Compose (needs a Docker engine): gateway on :8000
	docker compose -f deploy/compose.yaml up --build -d

.PHONY: down
down: ## stop the Compose stack and drop its volumes
	docker compose -f deploy/compose.yaml down -v

.PHONY: bench
bench: install ## benchmarks beside this machine's own ceilings (< 10 min): bench/results/
	@$(UV) run --frozen python -m bench

.PHONY: test-faults
test-faults: install ## fault injection, attack and fuzz tests at full size (MAITRED_FAULT_SCALE=full; slow)
	@MAITRED_FAULT_SCALE=full $(UV) run --frozen pytest -o timeout=900 tests-e2e/faults tests-e2e/attacks tests-e2e/fuzz $(PYTEST_ARGS)
