#!/usr/bin/env bash
# The live map's process (docs/live.md): uvicorn serving only the WebSocket at /live/ from
# geoportal/asgi.py, so that long-lived connections never hold a gunicorn worker. Started by
# scripts/serve.sh beside gunicorn; HOST, LIVE_PORT (8001) and LIVE_WORKERS (1) choose where and how many.
# Pages send only short JSON messages: larger frames than 64 KiB close the socket.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-$PWD/.venv}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-geoportal.settings}
exec "$VENV/bin/uvicorn" geoportal.asgi:application --host "${HOST:-127.0.0.1}" --port "${LIVE_PORT:-8001}" \
  --workers "${LIVE_WORKERS:-1}" --lifespan off --ws websockets-sansio --ws-max-size 65536 --no-access-log
