#!/usr/bin/env bash
# Serve Geoportal with gunicorn (production settings unless DEBUG is set), the background
# job worker and the live map's WebSocket process. Set-up is done by scripts/setup.sh run before this.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-$PWD/.venv}
export DATABASE_URL=${DATABASE_URL:-postgis://geoportal:geoportal@127.0.0.1:5432/${GEOPORTAL_DB_NAME:-geoportal}}
export DJANGO_SETTINGS_MODULE=geoportal.settings
# SECRET_KEY and PII_KEYS: yours, or keys kept in var/ (scripts/local-keys.sh).
. scripts/local-keys.sh
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
# The live map's WebSocket process (uvicorn, scripts/serve-live.sh) unless LIVE_URL is set empty;
# without a proxy in front the page finds it on its own host at LIVE_PORT.
export LIVE_PORT=${LIVE_PORT:-8001}
export LIVE_URL=${LIVE_URL-:$LIVE_PORT/live/}
if [ -n "$LIVE_URL" ]; then
  bash scripts/serve-live.sh &
  pids+=($!)
fi
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
echo "Geoportal on http://$HOST:$PORT/${LIVE_URL:+ (live map: $LIVE_URL)}"
# Workers, preloading, timeout and the access log: geoportal/gunicorn.conf.py (HOST, PORT, WORKERS).
export HOST PORT
"$VENV/bin/gunicorn" geoportal.wsgi:application --config geoportal/gunicorn.conf.py
