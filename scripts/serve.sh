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
# Served over plain HTTP locally; behind TLS set SECURE_COOKIES=1 (see README).
export SECURE_COOKIES=${SECURE_COOKIES:-0}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
pids=()
if "$VENV/bin/python" manage.py help run_worker >/dev/null 2>&1; then
  "$VENV/bin/python" manage.py run_worker &
  pids+=($!)
fi
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
echo "Geoportal on http://$HOST:$PORT/"
"$VENV/bin/gunicorn" geoportal.wsgi:application --bind "$HOST:$PORT" --workers "${WORKERS:-3}" \
  --access-logfile - --timeout 120
