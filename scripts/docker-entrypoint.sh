#!/usr/bin/env bash
# Start of the container (Dockerfile): migrate, load the Harbin demo unless LOAD_DEMO=0 (it skips
# what is already loaded), then serve with gunicorn through scripts/serve.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# SECRET_KEY and PII_KEYS: yours, or keys kept in var/ (scripts/local-keys.sh).
. scripts/local-keys.sh
python manage.py migrate --noinput
if [ "${LOAD_DEMO:-1}" = 1 ]; then python manage.py load_harbin_demo; fi
exec bash scripts/serve.sh
