#!/usr/bin/env bash
# Start, stop and inspect the real services the test suite runs against:
# PostgreSQL, Redis, Elasticsearch 8 and stripe-mock, each on loopback.
#
#   scripts/services.sh up      install what is missing, start what is stopped, wait
#                               (and install the tests' Node packages and Chromium)
#   scripts/services.sh down    stop them
#   scripts/services.sh status  print each one's version, port and state
#
# Idempotent: a second `up` finds everything installed and running and returns
# quickly. Downloads are cached under .cache/ (git-ignored); data and logs live
# under $SERVICES_DIR, outside the checkout, so the unprivileged users that
# PostgreSQL and Elasticsearch insist on can reach them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${CACHE_DIR:-$ROOT/.cache}"
SERVICES_DIR="${SERVICES_DIR:-/var/tmp/ocop-market-services}"

PG_PORT="${PG_PORT:-5433}"
REDIS_PORT="${REDIS_PORT:-6379}"
ES_PORT="${ES_PORT:-9200}"
STRIPE_MOCK_PORT="${STRIPE_MOCK_PORT:-12111}"

ES_VERSION="${ES_VERSION:-8.19.21}"
STRIPE_MOCK_VERSION="${STRIPE_MOCK_VERSION:-v0.203.0}"
ES_HEAP="${ES_HEAP:-512m}"
ES_USER=elasticsearch
PG_USER=postgres
DB_NAME=market
DB_USER=market
DB_PASSWORD=market

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

# wait_for NAME SECONDS COMMAND...: poll COMMAND until it succeeds.
wait_for() {
  local name=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "$name did not answer within ${timeout}s (log: $(log_file_for "$name"))"
    fi
    sleep 0.5
  done
}

log_file_for() {
  case "$1" in
    postgresql) echo "$SERVICES_DIR/postgresql/postgresql.log" ;;
    redis) echo "$SERVICES_DIR/redis/redis.log" ;;
    elasticsearch) echo "$SERVICES_DIR/elasticsearch/logs/" ;;
    stripe-mock) echo "$SERVICES_DIR/stripe-mock/stripe-mock.log" ;;
  esac
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------- PostgreSQL
pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

pg_ready() { "$(pg_bindir)/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -q; }

pg_up() {
  [ -n "$(pg_bindir)" ] || { log "installing PostgreSQL"; apt_install postgresql postgresql-contrib; }
  local bin data
  bin=$(pg_bindir) || die "PostgreSQL binaries missing after install"
  data="$SERVICES_DIR/postgresql/data"
  if pg_ready; then return 0; fi
  as_root mkdir -p "$SERVICES_DIR/postgresql"
  as_root chown "$PG_USER" "$SERVICES_DIR/postgresql"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL cluster in $data"
    as_root runuser -u "$PG_USER" -- "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 \
      --locale=C.UTF-8 >/dev/null || die "initdb failed"
  fi
  as_root runuser -u "$PG_USER" -- "$bin/pg_ctl" -D "$data" -l "$SERVICES_DIR/postgresql/postgresql.log" -w \
    -o "-h 127.0.0.1 -p $PG_PORT -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || die "PostgreSQL failed to start (log: $SERVICES_DIR/postgresql/postgresql.log)"
  wait_for postgresql 60 pg_ready
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAq -v ON_ERROR_STOP=1)
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" ]; then
    "${psql[@]}" -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
  fi
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" ]; then
    "${psql[@]}" -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
  fi
}

pg_down() {
  local bin data="$SERVICES_DIR/postgresql/data"
  bin=$(pg_bindir) || return 0
  [ -f "$data/postmaster.pid" ] && as_root runuser -u "$PG_USER" -- "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null || true
}

pg_status() {
  if pg_ready 2>/dev/null; then
    echo "postgresql    up    127.0.0.1:$PG_PORT  $("$(pg_bindir)/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc 'SHOW server_version')"
  else
    echo "postgresql    down  127.0.0.1:$PG_PORT"
  fi
}

# --------------------------------------------------------------------- Redis
redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

redis_up() {
  command -v redis-server >/dev/null || { log "installing Redis"; apt_install redis-server; }
  redis_ready && return 0
  mkdir -p "$SERVICES_DIR/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" --appendonly no \
    --dir "$SERVICES_DIR/redis" --pidfile "$SERVICES_DIR/redis/redis.pid" \
    --logfile "$SERVICES_DIR/redis/redis.log" || die "Redis failed to start"
  wait_for redis 30 redis_ready
}

redis_down() { redis_ready && redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; }

redis_status() {
  if redis_ready; then
    echo "redis         up    127.0.0.1:$REDIS_PORT  $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info server | sed -n 's/^redis_version:\(.*\)\r$/\1/p')"
  else
    echo "redis         down  127.0.0.1:$REDIS_PORT"
  fi
}

# ------------------------------------------------------------- Elasticsearch
es_home() { echo "$SERVICES_DIR/elasticsearch/elasticsearch-$ES_VERSION"; }
es_ready() { curl -fsS "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; }

java_home() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME"; return; fi
  local java
  java=$(command -v java) || die "no Java found: Elasticsearch needs a JDK 17 or newer"
  dirname "$(dirname "$(readlink -f "$java")")"
}

es_fetch() {
  local zip="$CACHE_DIR/elasticsearch/elasticsearch-$ES_VERSION.zip"
  if [ ! -f "$zip" ]; then
    command -v mvn >/dev/null || die "mvn not found: it fetches the Elasticsearch zip"
    log "fetching Elasticsearch $ES_VERSION with mvn"
    mkdir -p "$CACHE_DIR/elasticsearch"
    mvn -B -Dstyle.color=never dependency:copy \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
      -DoutputDirectory="$CACHE_DIR/elasticsearch" -Dmdep.overWriteReleases=false \
      >"$CACHE_DIR/elasticsearch/mvn.log" 2>&1 \
      || die "mvn could not fetch Elasticsearch $ES_VERSION (log: $CACHE_DIR/elasticsearch/mvn.log)"
  fi
  echo "$zip"
}

es_up() {
  es_ready && return 0
  id -u "$ES_USER" >/dev/null 2>&1 || as_root useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
  local home zip
  home=$(es_home)
  if [ ! -x "$home/bin/elasticsearch" ]; then
    zip=$(es_fetch)
    log "unpacking Elasticsearch into $SERVICES_DIR/elasticsearch"
    as_root mkdir -p "$SERVICES_DIR/elasticsearch"
    as_root unzip -q -o "$zip" -d "$SERVICES_DIR/elasticsearch" || die "could not unpack $zip"
  fi
  as_root mkdir -p "$SERVICES_DIR/elasticsearch/data" "$SERVICES_DIR/elasticsearch/logs"
  as_root chown -R "$ES_USER" "$SERVICES_DIR/elasticsearch"
  # The integ-test zip carries x-pack-security, which would otherwise switch
  # itself on with TLS and passwords at first start; the tests speak plain HTTP.
  as_root runuser -u "$ES_USER" -- env ES_JAVA_HOME="$(java_home)" ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
    "$home/bin/elasticsearch" -d -p "$SERVICES_DIR/elasticsearch/es.pid" \
    -E discovery.type=single-node -E network.host=127.0.0.1 -E http.port="$ES_PORT" \
    -E transport.port="$((ES_PORT + 100))" \
    -E path.data="$SERVICES_DIR/elasticsearch/data" -E path.logs="$SERVICES_DIR/elasticsearch/logs" \
    -E cluster.routing.allocation.disk.threshold_enabled=false \
    -E action.destructive_requires_name=false -E xpack.security.enabled=false >/dev/null \
    || die "Elasticsearch failed to start (logs: $SERVICES_DIR/elasticsearch/logs/)"
  wait_for elasticsearch 180 es_ready
}

es_down() {
  local pidfile="$SERVICES_DIR/elasticsearch/es.pid"
  if [ -f "$pidfile" ]; then
    as_root kill "$(cat "$pidfile")" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while es_ready && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
  fi
}

es_status() {
  if es_ready; then
    # This distribution has no root endpoint (GET / answers 405): ask the node.
    echo "elasticsearch up    127.0.0.1:$ES_PORT  $(curl -fsS "http://127.0.0.1:$ES_PORT/_nodes/_local?filter_path=nodes.*.version" | sed -n 's/.*"version" *: *"\([^"]*\)".*/\1/p')"
  else
    echo "elasticsearch down  127.0.0.1:$ES_PORT"
  fi
}

# --------------------------------------------------------------- stripe-mock
stripe_mock_bin() { echo "$CACHE_DIR/bin/stripe-mock"; }
stripe_mock_ready() { curl -fsS -H "Authorization: Bearer sk_test_123" "http://127.0.0.1:$STRIPE_MOCK_PORT/v1/balance" >/dev/null 2>&1; }

stripe_mock_up() {
  stripe_mock_ready && return 0
  local bin version_file="$CACHE_DIR/bin/stripe-mock.version"
  bin=$(stripe_mock_bin)
  if [ ! -x "$bin" ] || [ "$(cat "$version_file" 2>/dev/null)" != "$STRIPE_MOCK_VERSION" ]; then
    command -v go >/dev/null || die "go not found: stripe-mock is installed as a Go module"
    log "installing stripe-mock $STRIPE_MOCK_VERSION with go install"
    mkdir -p "$CACHE_DIR/bin"
    GOBIN="$CACHE_DIR/bin" go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" \
      || die "go install stripe-mock@$STRIPE_MOCK_VERSION failed"
    echo "$STRIPE_MOCK_VERSION" >"$version_file"
  fi
  mkdir -p "$SERVICES_DIR/stripe-mock"
  nohup "$bin" -http-port "$STRIPE_MOCK_PORT" -https-port $((STRIPE_MOCK_PORT + 1)) \
    >"$SERVICES_DIR/stripe-mock/stripe-mock.log" 2>&1 &
  echo $! >"$SERVICES_DIR/stripe-mock/stripe-mock.pid"
  wait_for stripe-mock 30 stripe_mock_ready
}

stripe_mock_down() {
  local pidfile="$SERVICES_DIR/stripe-mock/stripe-mock.pid"
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
}

stripe_mock_status() {
  if stripe_mock_ready; then
    echo "stripe-mock   up    127.0.0.1:$STRIPE_MOCK_PORT  $(cat "$CACHE_DIR/bin/stripe-mock.version" 2>/dev/null || echo unknown)"
  else
    echo "stripe-mock   down  127.0.0.1:$STRIPE_MOCK_PORT"
  fi
}

# ----------------------------------------------------------- test tools
# Not services, but what two tests need besides Python: the Node packages of the
# GraphQL-over-HTTP audit (tests/http_audit, pinned by its package-lock.json) and
# a headless Chromium for GraphiQL (Debian's; no browser is ever downloaded).
AUDIT_DIR="$ROOT/tests/http_audit"

node_tools_up() {
  command -v npm >/dev/null || { log "installing Node.js"; apt_install nodejs npm; }
  local stamp="$AUDIT_DIR/node_modules/.installed-lock.sha256" lock_sum
  lock_sum=$(sha256sum "$AUDIT_DIR/package-lock.json" | cut -d' ' -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$lock_sum" ] && return 0
  log "installing the HTTP audit's Node packages (npm ci in tests/http_audit)"
  (cd "$AUDIT_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) \
    || die "npm ci in $AUDIT_DIR failed"
  echo "$lock_sum" >"$stamp"
}

chromium_up() {
  command -v chromium >/dev/null && return 0
  log "installing Chromium"
  apt_install chromium fonts-dejavu-core
}

# GNU gettext (msgfmt, xgettext), for `makemessages`/`compilemessages` and the test
# that checks the committed catalogs; `make run` needs none, as the .mo files are committed.
gettext_up() {
  command -v msgfmt >/dev/null && command -v xgettext >/dev/null && return 0
  log "installing GNU gettext"
  apt_install gettext
}

test_tools_status() {
  local graphql_http chromium
  graphql_http=$(sed -n 's/^ *"version": "\(.*\)",$/\1/p' \
    "$AUDIT_DIR/node_modules/graphql-http/package.json" 2>/dev/null | head -n 1)
  chromium=$(chromium --version 2>/dev/null | sed -n 's/^Chromium \([0-9.]*\).*/\1/p')
  echo "graphql-http  $([ -n "$graphql_http" ] && echo "ok    $graphql_http" || echo missing)"
  echo "chromium      $([ -n "$chromium" ] && echo "ok    $chromium" || echo missing)"
}

# -------------------------------------------------------------------- main
usage() { echo "usage: $0 up|down|status" >&2; exit 2; }

case "${1:-}" in
  up)
    mkdir -p "$CACHE_DIR"
    as_root mkdir -p "$SERVICES_DIR"
    as_root chmod 755 "$SERVICES_DIR"
    # Elasticsearch's first start is the slowest; launch it, then do the rest.
    es_up & es_job=$!
    stripe_mock_up & stripe_job=$!
    pg_up
    redis_up
    node_tools_up
    chromium_up
    gettext_up
    wait "$stripe_job" || die "stripe-mock did not come up"
    wait "$es_job" || die "Elasticsearch did not come up"
    "$0" status
    ;;
  down)
    stripe_mock_down; es_down; redis_down; pg_down
    ;;
  status)
    pg_status; redis_status; es_status; stripe_mock_status; test_tools_status
    ;;
  *) usage ;;
esac
