# Geoportal — one entry point for running, testing and measuring. `make help` lists the targets.
SHELL := /bin/bash
VENV ?= $(CURDIR)/.venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
DB_NAME ?= $(or $(GEOPORTAL_DB_NAME),geoportal)
# Every script (set-up, serving, tests) works on the same local database.
export GEOPORTAL_DB_NAME := $(DB_NAME)
export VENV
# Local defaults; set DATABASE_URL / REDIS_URL to use existing services instead.
LOCAL_DB := postgis://geoportal:geoportal@127.0.0.1:5432/$(DB_NAME)
RUN_ENV := DATABASE_URL=$${DATABASE_URL:-$(LOCAL_DB)} GEOPORTAL_DB_NAME=$(DB_NAME)

.DEFAULT_GOAL := help
.PHONY: help run dev test bench setup lint check backup archiving cluster cluster-stop audit security-figures

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## Install and prepare everything `make run` needs (idempotent)
	@bash scripts/setup.sh run

run: setup ## Serve the platform with the Harbin demo on http://$(HOST):$(PORT) (gunicorn + the job worker)
	@bash scripts/serve.sh

dev: setup ## Development server with autoreload and DEBUG on (the live map off unless LIVE_URL is set)
	@$(RUN_ENV) DEBUG=1 LIVE_URL=$${LIVE_URL-} $(PY) manage.py runserver $(HOST):$(PORT)

test: ## Set up what the tests need, then run the whole suite (browser tests included)
	@bash scripts/setup.sh test
	@bash scripts/test.sh $(PYTEST_ARGS)

bench: setup ## Benchmarks: tiles, items, search, import; prints ratios against the raw queries (BENCH_ARGS="--only tiles")
	@. scripts/local-keys.sh && $(RUN_ENV) $(PY) manage.py bench $(BENCH_ARGS)

audit: ## Known vulnerabilities in the Python and npm packages (fails if a service is unreachable)
	@DEPENDENCY_AUDIT=$${DEPENDENCY_AUDIT:-require} $(PY) -m geoportal.security.dependency_audit

security-figures: ## Hostile inputs and leak probes the suites try, and how many are refused (docs/security.md)
	@$(RUN_ENV) DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m tests.security_figures

lint: ## ruff
	@$(VENV)/bin/ruff check .

check: ## Django's deployment checks with production settings
	@. scripts/local-keys.sh && $(RUN_ENV) $(PY) manage.py check --deploy --database default

cluster: ## The production topology locally: pg_auto_failover primary+replica, PgBouncer, 2 instances, nginx on :8081 (docs/cluster.md)
	@bash scripts/cluster.sh up

cluster-stop: ## Stop `make cluster` (data kept; CLUSTER_PURGE=1 removes it)
	@bash scripts/cluster.sh down

backup: ## Back up the database and the media, raster and import folders into BACKUP_DIR (docs/backup.md)
	@. scripts/local-keys.sh && $(RUN_ENV) $(PY) manage.py backup $(BACKUP_ARGS)

archiving: ## Continuous archiving of the local PostgreSQL with pgBackRest, first full backup (as root; docs/backup.md)
	@bash scripts/archiving.sh setup
