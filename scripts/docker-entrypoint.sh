#!/usr/bin/env bash
# Start of the container (Dockerfile): migrate, load the Harbin demo unless LOAD_DEMO=0 (it skips
# what is already loaded), then serve with gunicorn through scripts/serve.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SECRET_KEY:-}" ]; then
  # No key given: one kept in var/, as `make run` does. Set SECRET_KEY for a real deployment.
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
python manage.py migrate --noinput
if [ "${LOAD_DEMO:-1}" = 1 ]; then python manage.py load_harbin_demo; fi
exec bash scripts/serve.sh
