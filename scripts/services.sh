#!/usr/bin/env bash
# Installs (from Debian's packages, when root) and starts what the tests need: PostgreSQL, Redis,
# Chromium, a C compiler (for the benchmark's load generator), the atproto PDS of the bridge
# tests (tests/pds, from npm), axe-core for the accessibility checks (tests/axe, from npm) and
# the JavaScript Mastodon clients (tests/clients, from npm). Safe to run again: it only does
# what is missing. Prints what it did.
set -euo pipefail

PG_USER=${HASHCHAT_PG_USER:-hashchat}
PG_PASSWORD=${HASHCHAT_PG_PASSWORD:-hashchat}
REDIS_PORT=${HASHCHAT_TEST_REDIS_PORT:-6379}

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
# The benchmark harness's load generator is C, built by the smoke test (tests/test_bench_smoke.py).
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
# npm installs the bridge tests' PDS and the JavaScript Mastodon clients (below); any Node.js
# will do for that, they run on the Node 22 their packages bring.
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
# node-gyp builds the PDS's SQLite binding when no prebuilt one can be had.
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "services: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
  echo "services: installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# PostgreSQL: Debian's cluster, started if it is down, with a password login for the tests.
if [ "$(id -u)" -eq 0 ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | grep -q .; then
    pg_createcluster "$version" main >/dev/null
  fi
  read -r ver name _port status _rest < <(pg_lsclusters -h | head -n 1)
  if [ "$status" != "online" ]; then
    echo "services: starting PostgreSQL $ver/$name"
    pg_ctlcluster "$ver" "$name" start
  fi
  for _ in $(seq 1 30); do
    su postgres -c "pg_isready -q" && break
    sleep 0.5
  done
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'\"" | grep -q 1 ||
    su postgres -c "psql -qc \"CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'\""
  # The tests drop their databases WITH (FORCE); an autovacuum worker still in one is a backend
  # the role may terminate only as a member of pg_signal_backend.
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = 'pg_signal_backend' AND u.rolname = '$PG_USER'\"" | grep -q 1 ||
    su postgres -c "psql -qc \"GRANT pg_signal_backend TO $PG_USER\""
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='$PG_USER'\"" | grep -q 1 ||
    su postgres -c "createdb -O $PG_USER $PG_USER"
fi

# Redis: a throwaway server without persistence, if none answers.
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "services: starting Redis on port $REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --logfile /tmp/hashchat-redis.log
  for _ in $(seq 1 30); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
# The atproto PDS for the bridge tests: @atproto/dev-env and Node 22 (the npm packages
# node-linux-<arch>), exactly as tests/pds/package-lock.json pins them. Native modules are built
# for that Node 22, not for the Node.js running npm: npm runs with Node 22 first on PATH and
# node-gyp reads Node 22's headers from its package (npm_config_nodedir), or better-sqlite3
# fails to load (NODE_MODULE_VERSION 115 vs 127). A stamp newer than the lockfile means done.
pds_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/pds"
pds_stamp="$pds_dir/node_modules/.hashchat-installed"
if [ ! -f "$pds_stamp" ] || [ "$pds_dir/package-lock.json" -nt "$pds_stamp" ]; then
  echo "services: installing the atproto PDS for the bridge tests (npm ci in tests/pds)"
  (
    cd "$pds_dir"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    node22=$(ls -d node_modules/node-linux-*/ | head -n 1)
    node22=${node22%/}
    PATH="$pds_dir/$node22/bin:$PATH" npm_config_nodedir="$pds_dir/$node22" \
      npm rebuild --no-audit --no-fund --loglevel=error
    "$node22/bin/node" -e "require('better-sqlite3')(':memory:').close()"
    touch "$pds_stamp"
  )
fi
# axe-core for the browser suite's accessibility checks (tests/browser/axe.py), as
# tests/axe/package-lock.json pins it. Plain JavaScript: nothing to build.
axe_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/axe"
axe_stamp="$axe_dir/node_modules/.hashchat-installed"
if [ ! -f "$axe_stamp" ] || [ "$axe_dir/package-lock.json" -nt "$axe_stamp" ]; then
  echo "services: installing axe-core for the accessibility checks (npm ci in tests/axe)"
  (cd "$axe_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch "$axe_stamp")
fi
# The Mastodon client libraries the suite runs unchanged (masto.js, megalodon) and Node 22 (the
# npm packages node-linux-<arch>), exactly as tests/clients/package-lock.json pins them. None has
# a native part, so no build step. A stamp newer than the lockfile means done.
clients_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/clients"
clients_stamp="$clients_dir/node_modules/.hashchat-installed"
if [ ! -f "$clients_stamp" ] || [ "$clients_dir/package-lock.json" -nt "$clients_stamp" ]; then
  echo "services: installing the JavaScript Mastodon clients (npm ci in tests/clients)"
  (
    cd "$clients_dir"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    node22=$(ls -d node_modules/node-linux-*/ | head -n 1)
    "${node22%/}/bin/node" -e "import('masto').then(() => import('megalodon'))"
    touch "$clients_stamp"
  )
fi
echo "services: PostgreSQL, Redis, Chromium, gcc, the atproto PDS, axe-core and the JavaScript clients are ready"
