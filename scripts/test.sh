#!/usr/bin/env bash
# Run the whole test suite against a real PostGIS, real GDAL and Debian's Chromium.
# pytest's "no tests collected" (exit 5) is a failure here, not a success.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-$PWD/.venv}
export DATABASE_URL=${DATABASE_URL:-postgis://geoportal:geoportal@127.0.0.1:5432/${GEOPORTAL_DB_NAME:-geoportal}}
# Playwright's sync API runs an event loop in the test thread; the tests' own ORM calls are safe.
export DJANGO_ALLOW_ASYNC_UNSAFE=true
# Known vulnerabilities in the Python and npm packages fail the run unless scripts/audit-accepted.toml
# accepts them (docs/security.md, Dependency audit); DEPENDENCY_AUDIT=require|warn|off.
"$VENV/bin/python" -m geoportal.security.dependency_audit
audit=$?
# A fresh test database every full run (a stale one from older migrations must never be reused);
# while iterating, run pytest directly and it reuses the database (--reuse-db in pyproject.toml).
"$VENV/bin/python" -m pytest --create-db "$@"
status=$?
if [ "$status" = 5 ]; then
  echo "pytest collected no tests: failing." >&2
  exit 1
fi
if [ "$status" = 0 ] && [ "$audit" != 0 ]; then
  echo "The tests passed but the dependency audit failed (see its lines above)." >&2
  exit "$audit"
fi
exit "$status"
