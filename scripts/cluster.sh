#!/usr/bin/env bash
# The production topology on one machine (docs/cluster.md), as root on Debian 12:
#
#   scripts/cluster.sh up      pg_auto_failover monitor (5435), primary (5433) and synchronous
#                              secondary (5434); PgBouncer (6433) following the primary; two
#                              gunicorn instances (8101, 8102) and the job worker; nginx (8081)
#   scripts/cluster.sh down    stops all of it (data kept; CLUSTER_PURGE=1 removes it too)
#   scripts/cluster.sh status  pg_auto_failover's view and the processes
#
# Idempotent: `up` starts what is not running and leaves the rest. Redis is the one of REDIS_URL
# (shared by the instances). State, data and logs live in CLUSTER_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
DIR=${CLUSTER_DIR:-/var/tmp/geoportal-cluster}
DB=${CLUSTER_DB_NAME:-geoportal_cluster}
MONITOR_HOST=${CLUSTER_MONITOR_HOST:-127.0.0.1} MONITOR_PORT=${CLUSTER_MONITOR_PORT:-5435} NODE_PORTS=(5433 5434) PGBOUNCER_PORT=6433 NGINX_PORT=8081 APP_PORTS=(8101 8102)
MONITOR_URI="postgres://autoctl_node@127.0.0.1:$MONITOR_PORT/pg_auto_failover?sslmode=disable"
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
log() { printf '\033[1m[cluster]\033[0m %s\n' "$*"; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
alive() { [ -s "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq "${2:-60}"); do port_open "$1" && return 0; sleep 1; done; echo "port $1 not open" >&2; return 1; }
monitor_sql() { as_pg psql -qtAX -h "$MONITOR_HOST" -p "$MONITOR_PORT" -U autoctl_node -d pg_auto_failover -c "$1"; }

# Start a program in the background as a process group of its own, its pid in $DIR/NAME.pid.
spawn() {
  local name=$1; shift
  alive "$name" && return 0
  setsid "$@" >>"$DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/$name.pid"
}

stop_pid() {
  local name=$1
  if alive "$name"; then
    local pid; pid=$(cat "$DIR/$name.pid")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/$name.pid"
}

packages() {
  local pkgs=(pgbouncer nginx-light postgresql-15-auto-failover pg-auto-failover-cli) missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

# Loopback only, and sized for a shared machine (pg_auto_failover's tuning takes a quarter of RAM):
# postgresql.auto.conf is read last, so these win.
local_settings() {
  cat >> "$1/postgresql.auto.conf" <<EOF
listen_addresses = '127.0.0.1'
shared_buffers = '128MB'
effective_cache_size = '1GB'
maintenance_work_mem = '64MB'
jit = off
EOF
}

monitor_up() {
  if [ ! -f "$DIR/monitor/PG_VERSION" ]; then
    log "creating the pg_auto_failover monitor on $MONITOR_PORT"
    as_pg pg_autoctl create monitor --pgdata "$DIR/monitor" --pgport $MONITOR_PORT --hostname 127.0.0.1 \
      --auth trust --no-ssl >>"$DIR/monitor.log" 2>&1
    local_settings "$DIR/monitor"
    # Failover within seconds, not the default half minute: health checks every second, a node
    # unhealthy after 3 s without an answer, and 3 s (not 30) for an unreachable primary to demote
    # itself before the secondary is promoted (with synchronous replication it could not have
    # committed alone meanwhile).
    cat >> "$DIR/monitor/postgresql.auto.conf" <<EOF
pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 1000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 3000
pgautofailover.primary_demote_timeout = 3000
EOF
  fi
  spawn monitor runuser -u postgres -- pg_autoctl run --pgdata "$DIR/monitor"
  wait_port $MONITOR_PORT
}

node_up() {
  local n=$1 port=${NODE_PORTS[$1]} data="$DIR/node$1"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating PostgreSQL node $n on $port"
    # The node creates and runs: a secondary is cloned from the primary (pg_basebackup) by pg_autoctl.
    spawn "node$n" runuser -u postgres -- pg_autoctl create postgres --pgdata "$data" --pgport "$port" \
      --hostname 127.0.0.1 --listen 127.0.0.1 --name "node$n" --monitor "$MONITOR_URI" --auth trust --no-ssl \
      --dbname "$DB" --run
    for _ in $(seq 120); do [ -f "$data/postgresql.conf" ] && port_open "$port" && break; sleep 1; done
    local_settings "$data"
    grep -q "geoportal app" "$data/pg_hba.conf" ||
      printf '# geoportal app (loopback)\nhost all all 127.0.0.1/32 trust\n' >> "$data/pg_hba.conf"
    as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$data" reload >/dev/null
  else
    spawn "node$n" runuser -u postgres -- pg_autoctl run --pgdata "$data"
  fi
  wait_port "$port" 120
}

wait_states() {
  log "waiting for a primary and a secondary"
  for _ in $(seq 180); do
    local states; states=$(monitor_sql "SELECT string_agg(reportedstate::text, ',' ORDER BY reportedstate) FROM pgautofailover.node")
    [ "$states" = "primary,secondary" ] && return 0
    sleep 1
  done
  echo "pg_auto_failover did not reach primary+secondary: $(monitor_sql 'SELECT nodename, reportedstate FROM pgautofailover.node')" >&2
  return 1
}

PRIMARY_SQL="FROM pgautofailover.node WHERE reportedstate IN ('primary','wait_primary','single') AND goalstate IN ('primary','wait_primary','single') LIMIT 1"
SECONDARY_SQL="FROM pgautofailover.node WHERE reportedstate = 'secondary' LIMIT 1"
primary_port() { monitor_sql "SELECT nodeport $PRIMARY_SQL"; }
secondary_port() { monitor_sql "SELECT nodeport $SECONDARY_SQL"; }
# host:port, as the nodes registered themselves (127.0.0.1 here, service names under docker compose).
primary_addr() { monitor_sql "SELECT nodehost || ':' || nodeport $PRIMARY_SQL"; }
secondary_addr() { monitor_sql "SELECT nodehost || ':' || nodeport $SECONDARY_SQL"; }

database_up() {
  local port; port=$(primary_port)
  local sql=(as_pg psql -qtAX -h 127.0.0.1 -p "$port" -d postgres -v ON_ERROR_STOP=1)
  if [ "$("${sql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='geoportal'")" != 1 ]; then
    "${sql[@]}" -c "CREATE ROLE geoportal LOGIN SUPERUSER PASSWORD 'geoportal'"
  fi
  "${sql[@]}" -c "ALTER DATABASE \"$DB\" OWNER TO geoportal" -c "ALTER DATABASE \"$DB\" SET jit = off"
  as_pg psql -qtAX -h 127.0.0.1 -p "$port" -d "$DB" -c \
    "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS btree_gist"
  log "migrating, collecting static files and loading the demo into the primary (port $port)"
  DATABASE_URL="postgis://geoportal:geoportal@127.0.0.1:$port/$DB" GEOPORTAL_DB_NAME=$DB bash scripts/setup.sh run
}

# PgBouncer's [databases]: the app's name to the primary, <name>_replica to the secondary (the
# primary while there is none).
write_databases() {
  local primary=$1 secondary=${2:-$1}
  printf '%s = host=%s port=%s dbname=%s\n%s_replica = host=%s port=%s dbname=%s\n' \
    "$DB" "${primary%:*}" "${primary#*:}" "$DB" "$DB" "${secondary%:*}" "${secondary#*:}" "$DB" \
    > "$DIR/pgbouncer-databases.ini.new"
  if ! cmp -s "$DIR/pgbouncer-databases.ini.new" "$DIR/pgbouncer-databases.ini"; then
    mv "$DIR/pgbouncer-databases.ini.new" "$DIR/pgbouncer-databases.ini"
    chown postgres "$DIR/pgbouncer-databases.ini"
    return 0
  fi
  rm -f "$DIR/pgbouncer-databases.ini.new"
  return 1
}

# Keeps PgBouncer pointed at the node pg_auto_failover calls primary (polled twice a second;
# a reload drops the server connections of a database whose address changed).
follow() {
  while true; do
    local primary secondary
    primary=$(primary_addr 2>/dev/null || true)
    secondary=$(secondary_addr 2>/dev/null || true)
    if [ -n "$primary" ] && write_databases "$primary" "$secondary"; then
      echo "$(date -u +%FT%T) primary $primary, replica ${secondary:-$primary}"
      alive pgbouncer && kill -HUP "$(cat "$DIR/pgbouncer.pid")"
    fi
    sleep 0.5
  done
}

pgbouncer_up() {
  sed "s|__STATE__|$DIR|g" deploy/pgbouncer/pgbouncer.ini > "$DIR/pgbouncer.ini"
  printf '"geoportal" "geoportal"\n"postgres" ""\n' > "$DIR/pgbouncer-users.txt"  # names trust accepts
  write_databases "$(primary_addr)" "$(secondary_addr)" || true
  chown postgres "$DIR/pgbouncer.ini" "$DIR/pgbouncer-databases.ini" "$DIR/pgbouncer-users.txt"
  if ! port_open $PGBOUNCER_PORT; then
    log "starting PgBouncer on $PGBOUNCER_PORT"
    rm -f "$DIR/pgbouncer.pid"
    as_pg pgbouncer -d "$DIR/pgbouncer.ini"
    wait_port $PGBOUNCER_PORT
  fi
  spawn follower bash "$ROOT/scripts/cluster.sh" follow
}

app_env() {
  local pooled="postgis://geoportal:geoportal@127.0.0.1:$PGBOUNCER_PORT"
  export DATABASE_URL="$pooled/$DB" DATABASE_REPLICA_URL="$pooled/${DB}_replica" DATABASE_POOLED=1
  export GEOPORTAL_DB_NAME=$DB DJANGO_SETTINGS_MODULE=geoportal.settings TRUSTED_PROXIES=127.0.0.1/32
  export SECURE_COOKIES=${SECURE_COOKIES:-0} ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
  export CSRF_TRUSTED_ORIGINS=${CSRF_TRUSTED_ORIGINS:-http://127.0.0.1:$NGINX_PORT,http://localhost:$NGINX_PORT}
  if [ -z "${SECRET_KEY:-}" ]; then
    [ -s "$DIR/secret_key" ] || (umask 077; head -c 48 /dev/urandom | base64 > "$DIR/secret_key")
    SECRET_KEY=$(cat "$DIR/secret_key"); export SECRET_KEY
  fi
}

apps_up() {
  app_env
  for i in "${!APP_PORTS[@]}"; do
    local port=${APP_PORTS[$i]}
    mkdir -p "$DIR/prometheus-$port"
    if ! alive "app$i"; then
      log "starting app instance $i on $port"
      rm -rf "$DIR/prometheus-$port"/*
      PORT=$port HOST=127.0.0.1 PROMETHEUS_MULTIPROC_DIR="$DIR/prometheus-$port" \
        spawn "app$i" "$VENV/bin/gunicorn" geoportal.wsgi:application --config geoportal/gunicorn.conf.py
    fi
  done
  spawn worker "$VENV/bin/python" manage.py run_worker
  for port in "${APP_PORTS[@]}"; do wait_port "$port"; done
}

nginx_up() {
  mkdir -p "$DIR/nginx/logs" "$DIR/nginx/tile-cache"
  sed -e "s|__ROOT__|$ROOT|g" -e "s|__STATE__|$DIR/nginx|g" deploy/nginx/geoportal.conf > "$DIR/nginx/geoportal.conf"
  cat > "$DIR/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    types { application/vnd.mapbox-vector-tile mvt; }
    access_log $DIR/nginx/logs/access.log;
    client_body_temp_path $DIR/nginx/body;
    proxy_temp_path $DIR/nginx/proxy;
    include $DIR/nginx/geoportal.conf;
}
EOF
  nginx -t -q -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx"
  if [ -s "$DIR/nginx/nginx.pid" ] && kill -0 "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null; then
    nginx -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx" -s reload
  else
    log "starting nginx on $NGINX_PORT"
    nginx -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx"
  fi
}

up() {
  [ "$(id -u)" = 0 ] || { echo "Run as root." >&2; exit 1; }
  packages
  mkdir -p "$DIR" && chown postgres "$DIR"
  monitor_up
  node_up 0
  node_up 1
  wait_states
  database_up
  pgbouncer_up
  apps_up
  nginx_up
  log "Geoportal on http://127.0.0.1:$NGINX_PORT/ (instances ${APP_PORTS[*]}, PgBouncer $PGBOUNCER_PORT, primary $(primary_port), replica $(secondary_port))"
}

down() {
  if [ -s "$DIR/nginx/nginx.pid" ] && kill -0 "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null; then
    nginx -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx" -s quit || true
  fi
  for name in worker app0 app1 follower; do stop_pid "$name"; done
  if [ -s "$DIR/pgbouncer.pid" ]; then kill -INT "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null || true; fi
  for name in node1 node0 monitor; do
    local data="$DIR/${name}"
    [ -f "$data/PG_VERSION" ] && as_pg pg_autoctl stop --pgdata "$data" 2>/dev/null || true
    stop_pid "$name"
  done
  if [ "${CLUSTER_PURGE:-0}" = 1 ]; then
    for name in node1 node0 monitor; do
      rm -rf "/var/lib/postgresql/.config/pg_autoctl$DIR/$name" "/var/lib/postgresql/.local/share/pg_autoctl$DIR/$name"
    done
    rm -rf "$DIR"
  fi
  log "stopped"
}

status() {
  as_pg pg_autoctl show state --pgdata "$DIR/monitor" || true
  for name in monitor node0 node1 follower app0 app1 worker; do
    printf '%-9s %s\n' "$name" "$(alive "$name" && echo "running (pid $(cat "$DIR/$name.pid"))" || echo stopped)"
  done
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  follow) mkdir -p "$DIR"; follow ;;
  # PgBouncer and its follower in the foreground (docker compose's `pgbouncer` service).
  pgbouncer)
    mkdir -p "$DIR"
    sed -e "s|__STATE__|$DIR|g" -e "s|^listen_addr = .*|listen_addr = ${PGBOUNCER_LISTEN:-127.0.0.1}|" \
      -e "s|^auth_type = .*|auth_type = ${PGBOUNCER_AUTH:-trust}|" deploy/pgbouncer/pgbouncer.ini > "$DIR/pgbouncer.ini"
    printf '"geoportal" "%s"\n' "${POSTGRES_PASSWORD:-geoportal}" > "$DIR/pgbouncer-users.txt"
    until [ -n "$(primary_addr 2>/dev/null)" ]; do sleep 1; done
    write_databases "$(primary_addr)" "$(secondary_addr)" || true
    follow > "$DIR/follower.log" 2>&1 &
    exec pgbouncer "$DIR/pgbouncer.ini" ;;
  *) echo "usage: $0 up|down|status|follow|pgbouncer" >&2; exit 2 ;;
esac
