#!/usr/bin/env bash
# Continuous archiving of Geoportal's PostgreSQL with pgBackRest (docs/backup.md). Run as root on the
# database machine; pgBackRest itself runs as the postgres user.
#
#   scripts/archiving.sh setup              write the configuration, turn WAL archiving on (restarts
#                                           PostgreSQL once), create the stanza, check, first full backup
#   scripts/archiving.sh backup [full|diff|incr]   a base backup (cron: deploy/pgbackrest/cron)
#   scripts/archiving.sh info               the backups and the archived WAL range
#   scripts/archiving.sh check              switch to a new WAL file and wait until it is archived
#   scripts/archiving.sh restore-to TIME    stop PostgreSQL, restore the data directory as it was at
#                                           TIME, with its offset ("2026-12-04
#                                           21:30:00+08"), promote, start
#   scripts/archiving.sh restore-latest     the same, up to the last archived WAL (after losing the disk)
#
# Which cluster and where (environment; the defaults are Debian's 15/main on 5432):
#   PG_VERSION=15 PG_CLUSTER=main PG_PORT=5432 PGBR_STANZA=geoportal
#   PGBR_REPO=/var/lib/pgbackrest-geoportal PGBR_CONFIG=/etc/pgbackrest/pgbackrest.conf
#   PGBR_LOG=/var/log/pgbackrest PGBR_LOCK=/tmp/pgbackrest PGBR_SPOOL=/var/spool/pgbackrest
set -euo pipefail
cd "$(dirname "$0")/.."
PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-main}
PG_PORT=${PG_PORT:-5432}
PGBR_STANZA=${PGBR_STANZA:-geoportal}
PGBR_REPO=${PGBR_REPO:-/var/lib/pgbackrest-geoportal}
PGBR_CONFIG=${PGBR_CONFIG:-/etc/pgbackrest/pgbackrest.conf}
PGBR_LOG=${PGBR_LOG:-/var/log/pgbackrest}
PGBR_LOCK=${PGBR_LOCK:-/tmp/pgbackrest}
PGBR_SPOOL=${PGBR_SPOOL:-/var/spool/pgbackrest}
PGDATA=${PGDATA:-/var/lib/postgresql/$PG_VERSION/$PG_CLUSTER}
log() { printf '\033[1m[archiving]\033[0m %s\n' "$*"; }
as_postgres() { runuser -u postgres -- "$@"; }
pgbr() { as_postgres pgbackrest --config="$PGBR_CONFIG" --stanza="$PGBR_STANZA" "$@"; }
psql_pg() { as_postgres psql -X -v ON_ERROR_STOP=1 -qtA -p "$PG_PORT" "$@"; }
# pg_ctlcluster hands over to systemctl where systemd runs PostgreSQL, and acts itself elsewhere.
cluster() { pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" "$@"; }

wait_ready() {
  for _ in $(seq 60); do pg_isready -q -p "$PG_PORT" && return 0; sleep 1; done
  echo "PostgreSQL $PG_VERSION/$PG_CLUSTER did not start; see /var/log/postgresql/." >&2
  return 1
}

wait_promoted() {
  for _ in $(seq 120); do
    [ "$(psql_pg -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && return 0
    sleep 0.5
  done
  echo "PostgreSQL $PG_VERSION/$PG_CLUSTER is still in recovery; see /var/log/postgresql/." >&2
  return 1
}

write_config() {
  install -d -o postgres -g postgres -m 0750 "$PGBR_REPO" "$PGBR_LOG" "$PGBR_SPOOL"
  install -d -o postgres -g postgres -m 0770 "$PGBR_LOCK"
  install -d -m 0755 "$(dirname "$PGBR_CONFIG")"
  sed -e "s|@REPO@|$PGBR_REPO|" -e "s|@LOG@|$PGBR_LOG|" -e "s|@LOCK@|$PGBR_LOCK|" -e "s|@SPOOL@|$PGBR_SPOOL|" \
      -e "s|@STANZA@|$PGBR_STANZA|" -e "s|@PGDATA@|$PGDATA|" -e "s|@PORT@|$PG_PORT|" \
      deploy/pgbackrest/pgbackrest.conf > "$PGBR_CONFIG.new"
  chown root:postgres "$PGBR_CONFIG.new"
  chmod 0640 "$PGBR_CONFIG.new"
  mv "$PGBR_CONFIG.new" "$PGBR_CONFIG"
}

setup() {
  [ "$(id -u)" = 0 ] || { echo "Run as root." >&2; exit 1; }
  command -v pgbackrest >/dev/null || { echo "Install Debian's pgbackrest package (scripts/setup.sh does)." >&2; exit 1; }
  log "configuration $PGBR_CONFIG, repository $PGBR_REPO, stanza $PGBR_STANZA for $PG_VERSION/$PG_CLUSTER"
  write_config
  local command="pgbackrest --config=$PGBR_CONFIG --stanza=$PGBR_STANZA archive-push %p"
  local current
  current=$(psql_pg -c "SHOW archive_mode")/$(psql_pg -c "SHOW archive_command")/$(psql_pg -c "SHOW wal_level")
  psql_pg -c "ALTER SYSTEM SET wal_level = 'replica'" -c "ALTER SYSTEM SET archive_mode = 'on'" \
          -c "ALTER SYSTEM SET archive_command = '$command'" -c "ALTER SYSTEM SET archive_timeout = '60s'"
  if [ "$current" != "on/$command/replica" ]; then
    log "restarting PostgreSQL $PG_VERSION/$PG_CLUSTER for archive_mode and wal_level"
    cluster restart
    wait_ready
  fi
  pgbr stanza-create
  pgbr check
  backup full
}

backup() {
  local type=${1:-diff}
  case "$type" in full|diff|incr) ;; *) echo "Backup type is full, diff or incr, not $type." >&2; exit 2 ;; esac
  log "$type backup of $PGBR_STANZA"
  pgbr --type="$type" backup
}

# Refuse a target no kept backup can reach while PostgreSQL still runs (pgBackRest would refuse it only
# after the cluster was stopped): some backup must have ended before the target.
check_target() {
  local target_epoch
  target_epoch=$(echo "SELECT floor(extract(epoch FROM :'target'::timestamptz))::bigint" | psql_pg -v target="$1") || {
    echo "Not a time PostgreSQL understands: $1 (write it as 2026-12-04 21:30:00+08)." >&2; exit 2; }
  pgbr --output=json info | python3 -c '
import json, sys
target = int(sys.argv[1])
stops = [b["timestamp"]["stop"] for s in json.load(sys.stdin) for b in s.get("backup", [])]
if not any(stop < target for stop in stops):
    sys.exit("No backup ended before that time; the oldest kept ended at epoch %s. Nothing was changed." % min(stops, default="(none)"))
' "$target_epoch"
}

restore() {
  [ "$(id -u)" = 0 ] || { echo "Run as root." >&2; exit 1; }
  log "stopping PostgreSQL $PG_VERSION/$PG_CLUSTER"
  cluster stop -m fast || true
  log "restoring $PGDATA ($*)"
  # --delta rewrites only the files that differ; --target-action=promote opens the database for writes
  # once the target is reached (a new timeline: the WAL after the target stays in the repository).
  pgbr --delta "$@" restore
  cluster start
  wait_ready
  wait_promoted
  log "PostgreSQL $PG_VERSION/$PG_CLUSTER is open; take a full backup soon: scripts/archiving.sh backup full"
}

case "${1:-}" in
  setup) setup ;;
  backup) backup "${2:-diff}" ;;
  info) pgbr info ;;
  check) pgbr check ;;
  restore-to)
    [ -n "${2:-}" ] || { echo "Usage: scripts/archiving.sh restore-to 'YYYY-MM-DD HH:MM:SS+08'" >&2; exit 2; }
    check_target "$2"
    restore --type=time "--target=$2" --target-action=promote ;;
  restore-latest) restore --type=default ;;
  *) sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
