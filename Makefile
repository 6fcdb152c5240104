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
.PHONY: help run dev test bench setup lint check backup archiving

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## Install and prepare everything `make run` needs (idempotent)
	@bash scripts/setup.sh run

run: setup ## Serve the platform with the Harbin demo on http://$(HOST):$(PORT) (gunicorn + the job worker)
	@bash scripts/serve.sh

dev: setup ## Development server with autoreload and DEBUG on
	@$(RUN_ENV) DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: ## Set up what the tests need, then run the whole suite (browser tests included)
	@bash scripts/setup.sh test
	@bash scripts/test.sh $(PYTEST_ARGS)

bench: setup ## Benchmarks: tiles, items, search, import; prints ratios against the raw queries (BENCH_ARGS="--only tiles")
	@$(RUN_ENV) SECRET_KEY=$${SECRET_KEY:-$$(head -c 48 /dev/urandom | base64)} $(PY) manage.py bench $(BENCH_ARGS)

lint: ## ruff
	@$(VENV)/bin/ruff check .

check: ## Django's deployment checks with production settings
	@$(RUN_ENV) SECRET_KEY=$$(head -c 48 /dev/urandom | base64) $(PY) manage.py check --deploy --database default

backup: ## Back up the database and the media, raster and import folders into BACKUP_DIR (docs/backup.md)
	@$(RUN_ENV) SECRET_KEY=$${SECRET_KEY:-$$(head -c 48 /dev/urandom | base64)} $(PY) manage.py backup $(BACKUP_ARGS)

archiving: ## Continuous archiving of the local PostgreSQL with pgBackRest, first full backup (as root; docs/backup.md)
	@bash scripts/archiving.sh setup
