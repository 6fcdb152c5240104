#!/usr/bin/env bash
# Serve Geoportal with gunicorn (production settings unless DEBUG is set) and the background
# job worker. Set-up is done by scripts/setup.sh run before this.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-$PWD/.venv}
export DATABASE_URL=${DATABASE_URL:-postgis://geoportal:geoportal@127.0.0.1:5432/${GEOPORTAL_DB_NAME:-geoportal}}
export DJANGO_SETTINGS_MODULE=geoportal.settings
# A key kept on this machine, so sessions survive restarts; set SECRET_KEY to use your own.
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s var/secret_key ] || (umask 077; head -c 48 /dev/urandom | base64 > var/secret_key)
  SECRET_KEY=$(cat var/secret_key); export SECRET_KEY
fi
# Personal information is encrypted with PII_KEYS (docs/security.md "Personal information"): none
# given, one kept in var/. Set PII_KEYS for a real deployment and keep it safe: without the key the
# stored names and contacts cannot be read.
if [ -z "${PII_KEYS:-}" ]; then
  [ -s var/pii_keys ] || (umask 077; echo "1:$(head -c 32 /dev/urandom | base64)" > var/pii_keys)
  PII_KEYS=$(cat var/pii_keys); export PII_KEYS
fi
# Served over plain HTTP locally; behind TLS set SECURE_COOKIES=1 (see README).
export SECURE_COOKIES=${SECURE_COOKIES:-0}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
# Metrics of all gunicorn workers, summed at /metrics: one directory, emptied at each start.
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/prometheus}
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
pids=()
# The job worker, once some app provides one (looked up as a file: starting Django to ask costs seconds).
if [ -n "$(find . -path ./.venv -prune -o -path ./frontend/node_modules -prune -o \
             -path '*/management/commands/run_worker.py' -print -quit)" ]; then
  "$VENV/bin/python" manage.py run_worker &
  pids+=($!)
fi
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
echo "Geoportal on http://$HOST:$PORT/"
# Workers, preloading, timeout and the access log: geoportal/gunicorn.conf.py (HOST, PORT, WORKERS).
export HOST PORT
"$VENV/bin/gunicorn" geoportal.wsgi:application --config geoportal/gunicorn.conf.py
