# Helpers for scripts/test and scripts/bench: start the servers the tests need
# on 127.0.0.1 only, installing them with apt when missing, and stop what they
# started. Source it; do not run it.

step() { printf '\n==> %s\n' "$*" >&2; }

# Where throwaway clusters and logs live: under cargo's target directory.
services_dir() {
  local target="${CARGO_TARGET_DIR:-$PWD/target}"
  mkdir -p "$target/test-services"
  (cd "$target/test-services" && pwd)
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

# Starts a throwaway PostgreSQL cluster unless MODPOD_TEST_PG_URL is already set,
# and exports MODPOD_TEST_PG_URL. Tests run it with fsync off (speed; the data is
# thrown away); benchmarks set PG_DURABLE=1 to measure durable commits.
start_postgres() {
  if [ -n "${MODPOD_TEST_PG_URL:-}" ]; then
    step "using PostgreSQL at $MODPOD_TEST_PG_URL"
    return 0
  fi
  local bin
  if ! bin=$(pg_bin); then
    step "installing PostgreSQL (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
    bin=$(pg_bin)
  fi
  local dir port user
  # The cluster lives under /tmp: when this runs as root, the server runs as
  # the postgres user, who cannot enter root's home (where CI keeps cargo's
  # target directory).
  dir=$(mktemp -d "${TMPDIR:-/tmp}/modpod-pg.XXXXXX")
  port="${MODPOD_TEST_PG_PORT:-55432}"
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  user=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root: run the cluster as the postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    user=postgres
  fi
  chmod 755 "$dir"
  chown "$user" "$dir"
  step "starting PostgreSQL ($bin) on 127.0.0.1:$port in $dir"
  as_user "$user" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  as_user "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=$([ "${PG_DURABLE:-0}" = 1 ] && echo on || echo off) -c max_connections=200" start >/dev/null ||
    { cat "$dir/server.log" >&2; return 1; }
  PG_STARTED="$bin/pg_ctl -D $dir/data"
  PG_DIR="$dir"
  PG_USER="$user"
  export MODPOD_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

as_user() {
  local user=$1; shift
  if [ "$(id -un)" = "$user" ]; then "$@"; else su "$user" -s /bin/sh -c "$(printf '%q ' "$@")"; fi
}

stop_services() {
  if [ -n "${PG_STARTED:-}" ]; then
    step "stopping PostgreSQL"
    # shellcheck disable=SC2086
    as_user "$PG_USER" $PG_STARTED -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_STARTED=""
  fi
}

# Makes sure a Python virtual environment with aiosmtpd (an SMTP server that
# writes each message it accepts to a Maildir) exists, and exports
# MODPOD_TEST_AIOSMTPD, its python. The notification tests start their own
# `python -m aiosmtpd` on free loopback ports. Installed once, then reused.
ensure_aiosmtpd() {
  if [ -n "${MODPOD_TEST_AIOSMTPD:-}" ]; then
    step "using aiosmtpd with $MODPOD_TEST_AIOSMTPD"
    return 0
  fi
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/modpod/smtp-venv"
  if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    step "installing aiosmtpd (pip) in $venv"
    # Debian's python3 makes virtual environments only with python3-venv.
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null
      apt-get install -y -qq python3-venv >/dev/null
    fi
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'aiosmtpd==1.4.6'
  fi
  export MODPOD_TEST_AIOSMTPD="$venv/bin/python"
}
