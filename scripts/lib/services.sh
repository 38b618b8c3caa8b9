# Helpers for scripts/test and scripts/bench: start the servers the tests need
# on 127.0.0.1 only, installing them with apt when missing, and stop what they
# started. Source it; do not run it.

# step WORDS: says what comes next, and when, in minutes and seconds since the
# first script that sourced this one started (the scripts it runs count from
# then too).
export MODPOD_STARTED="${MODPOD_STARTED:-$(date +%s)}"
step() {
  local s=$(($(date +%s) - MODPOD_STARTED))
  printf '\n==> %s  [%d:%02d]\n' "$*" $((s / 60)) $((s % 60)) >&2
}

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

# The first free TCP port on 127.0.0.1 from $1 on.
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

# Starts a throwaway GNU Mailman 3 core unless MODPOD_TEST_MAILMAN_URL is already
# set: its REST API, LMTP for incoming posts, and an SMTP sink that keeps every
# message Mailman sends out as a file (a Maildir). Mailman is installed once, with
# pip, into a virtual environment under the cache directory. Exports the
# MODPOD_TEST_MAILMAN_* variables the tests read.
start_mailman() {
  if [ -n "${MODPOD_TEST_MAILMAN_URL:-}" ]; then
    step "using Mailman at $MODPOD_TEST_MAILMAN_URL"
    return 0
  fi
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/modpod/mailman-venv"
  if [ ! -x "$venv/bin/mailman" ]; then
    step "installing GNU Mailman 3.3.10 into $venv (pip)"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    # SQLAlchemy 2.1 breaks Mailman 3.3.10's REST API.
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q 'mailman==3.3.10' 'sqlalchemy<2.1'; } >&2 ||
      { rm -rf "$venv"; return 1; }
  fi
  local dir rest lmtp smtp password
  dir=$(mktemp -d "${TMPDIR:-/tmp}/modpod-mailman.XXXXXX")
  rest=$(free_port "${MODPOD_TEST_MAILMAN_PORT:-58001}")
  lmtp=$(free_port $((rest + 1)))
  smtp=$(free_port $((lmtp + 1)))
  password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  mkdir -p "$dir/sink/tmp" "$dir/sink/new" "$dir/sink/cur"
  cat >"$dir/mailman.cfg" <<EOF
[mailman]
site_owner: postmaster@modpod.invalid
layout: test

[paths.test]
var_dir: $dir/var

[database]
class: mailman.database.sqlite.SQLiteDatabase
url: sqlite:///$dir/var/mailman.db

[webservice]
hostname: 127.0.0.1
port: $rest
admin_user: restadmin
admin_pass: $password

[mta]
incoming: mailman.mta.null.NullMTA
lmtp_host: 127.0.0.1
lmtp_port: $lmtp
smtp_host: 127.0.0.1
smtp_port: $smtp

[archiver.prototype]
enable: no
EOF
  step "starting Mailman ($venv) on 127.0.0.1: REST $rest, LMTP $lmtp, SMTP sink $smtp, in $dir"
  # aiosmtpd comes with Mailman; its Mailbox handler writes a Maildir.
  "$venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$smtp" -c aiosmtpd.handlers.Mailbox "$dir/sink" \
    </dev/null >"$dir/sink.log" 2>&1 &
  MAILMAN_SINK_PID=$!
  MAILMAN_DIR="$dir"
  MAILMAN_CMD=("$venv/bin/mailman")
  # As root, Mailman wants --run-as-root, before the subcommand.
  if [ "$(id -u)" = 0 ]; then MAILMAN_CMD+=(--run-as-root); fi
  # Without the redirections the shell waits for Mailman's runners forever.
  MAILMAN_CONFIG_FILE="$dir/mailman.cfg" "${MAILMAN_CMD[@]}" start </dev/null >"$dir/start.log" 2>&1 ||
    { cat "$dir/start.log" >&2; stop_mailman; return 1; }
  local url="http://127.0.0.1:$rest"
  if ! "$venv/bin/python" -c '
import base64, sys, time, urllib.request
url, user, password = sys.argv[1:]
auth = base64.b64encode(f"{user}:{password}".encode()).decode()
request = urllib.request.Request(url, headers={"Authorization": f"Basic {auth}"})
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(request, timeout=2).read()
        sys.exit(0)
    except Exception:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.5)
' "$url/3.1/system/versions" restadmin "$password"; then
    echo "Mailman's REST API did not answer within 60 s; the end of its log:" >&2
    tail -n 30 "$dir/var/logs/mailman.log" >&2 || true
    stop_mailman
    return 1
  fi
  export MODPOD_TEST_MAILMAN_URL="$url"
  export MODPOD_TEST_MAILMAN_USER=restadmin
  export MODPOD_TEST_MAILMAN_PASSWORD="$password"
  export MODPOD_TEST_MAILMAN_CONFIG="$dir/mailman.cfg"
  export MODPOD_TEST_MAILMAN_BIN="$venv/bin/mailman"
  export MODPOD_TEST_MAILMAN_LMTP="127.0.0.1:$lmtp"
  export MODPOD_TEST_MAILMAN_SINK="$dir/sink"
  export MODPOD_TEST_MAILMAN_LOG="$dir/var/logs/mailman.log"
}

stop_mailman() {
  if [ -n "${MAILMAN_DIR:-}" ]; then
    step "stopping Mailman"
    MAILMAN_CONFIG_FILE="$MAILMAN_DIR/mailman.cfg" "${MAILMAN_CMD[@]}" stop </dev/null >/dev/null 2>&1 || true
    # The master stops its runners, then itself: give it a few seconds.
    local pid i
    pid=$(cat "$MAILMAN_DIR/var/master.pid" 2>/dev/null || true)
    for i in $(seq 50); do
      if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
      sleep 0.2
    done
    if [ -n "${MAILMAN_SINK_PID:-}" ]; then kill "$MAILMAN_SINK_PID" 2>/dev/null || true; fi
    rm -rf "$MAILMAN_DIR"
    MAILMAN_DIR=""
  fi
}

# Starts a private Postfix 3.7 (Debian's, installed with apt when missing)
# unless MODPOD_TEST_POSTFIX_SMTP is already set: its own config, queue and
# data directories in a temporary directory, listening only on 127.0.0.1, with
# no local delivery, relaying every `*.example` domain (the domains of the test
# lists) to Mailman's LMTP port, and asking the policy service on
# 127.0.0.1:$MODPOD_TEST_POSTFIX_POLICY_PORT at RCPT, where the tests start
# `modpod serve --policy-listen`. Two SMTP listeners differ only in what
# Postfix does when that policy service does not answer
# (smtpd_policy_service_default_action): MODPOD_TEST_POSTFIX_SMTP keeps
# Postfix's default (451 4.3.5, fail-closed), MODPOD_TEST_POSTFIX_SMTP_OPEN
# answers DUNNO (fail-open). MODPOD_TEST_POSTFIX_CONFIG is its config
# directory, for `postqueue -c DIR -j` and `postsuper -c DIR`. Needs root (the
# daemons run as the postfix user) and start_mailman first.
start_postfix() {
  if [ -n "${MODPOD_TEST_POSTFIX_SMTP:-}" ]; then
    step "using Postfix at $MODPOD_TEST_POSTFIX_SMTP"
    return 0
  fi
  if [ -z "${MODPOD_TEST_MAILMAN_LMTP:-}" ]; then
    echo "start_postfix relays to Mailman: start_mailman first" >&2
    return 1
  fi
  if [ ! -x /usr/sbin/postfix ]; then
    step "installing Postfix (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    # No configuration of the system's own Postfix: the tests run a private one.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq >/dev/null
    apt-get install -y -qq postfix >/dev/null
  fi
  local dir smtp open policy
  # Under /tmp: the postfix user cannot enter root's home.
  dir=$(mktemp -d "${TMPDIR:-/tmp}/modpod-postfix.XXXXXX")
  chmod 755 "$dir"
  smtp=$(free_port "${MODPOD_TEST_POSTFIX_PORT:-58025}")
  open=$(free_port $((smtp + 1)))
  # Nothing listens on the policy port between tests: take it below Linux's
  # ephemeral range (32768-60999), where no outgoing connection or port-0 bind
  # can take it meanwhile.
  policy=$(free_port 30040)
  mkdir -p "$dir/config" "$dir/queue" "$dir/data"
  chown postfix "$dir/data"
  local lmtp_host=${MODPOD_TEST_MAILMAN_LMTP%:*} lmtp_port=${MODPOD_TEST_MAILMAN_LMTP##*:}
  printf '/\\.example$/ OK\n' >"$dir/config/relay_domains"
  printf '/\\.example$/ lmtp:[%s]:%s\n' "$lmtp_host" "$lmtp_port" >"$dir/config/transport"
  cat >"$dir/config/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $dir/config
queue_directory = $dir/queue
data_directory = $dir/data
maillog_file = $dir/postfix.log
maillog_file_prefixes = $dir
myhostname = postfix.modpod.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
local_transport = error:no local delivery
alias_maps =
alias_database =
relay_domains = regexp:$dir/config/relay_domains
transport_maps = regexp:$dir/config/transport
default_transport = error:only the test lists' domains are relayed
relay_transport = error:only the test lists' domains are relayed
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:$policy, permit_mynetworks, reject
smtpd_policy_service_max_idle = 1s
smtpd_policy_service_timeout = 10s
smtpd_banner = \$myhostname ESMTP
lmtp_host_lookup = native
smtputf8_enable = no
biff = no
EOF
  cat >"$dir/config/master.cf" <<EOF
127.0.0.1:$smtp inet n - n - - smtpd
127.0.0.1:$open inet n - n - - smtpd
  -o smtpd_policy_service_default_action=DUNNO
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  step "starting Postfix on 127.0.0.1: SMTP $smtp (fail-closed) and $open (fail-open), policy service 127.0.0.1:$policy, relaying to Mailman's LMTP $MODPOD_TEST_MAILMAN_LMTP, in $dir"
  /usr/sbin/postfix -c "$dir/config" start </dev/null >"$dir/start.log" 2>&1 ||
    { cat "$dir/start.log" >&2; cat "$dir/postfix.log" >&2 2>/dev/null || true; rm -rf "$dir"; return 1; }
  POSTFIX_DIR="$dir"
  local _
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$smtp") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$open") 2>/dev/null; then
      export MODPOD_TEST_POSTFIX_SMTP="127.0.0.1:$smtp"
      export MODPOD_TEST_POSTFIX_SMTP_OPEN="127.0.0.1:$open"
      export MODPOD_TEST_POSTFIX_POLICY_PORT="$policy"
      export MODPOD_TEST_POSTFIX_CONFIG="$dir/config"
      export MODPOD_TEST_POSTFIX_LOG="$dir/postfix.log"
      return 0
    fi
    sleep 0.1
  done
  echo "Postfix did not listen on 127.0.0.1:$smtp; its log:" >&2
  cat "$dir/postfix.log" >&2 || true
  stop_postfix
  return 1
}

stop_postfix() {
  if [ -n "${POSTFIX_DIR:-}" ]; then
    step "stopping Postfix"
    /usr/sbin/postfix -c "$POSTFIX_DIR/config" stop </dev/null >/dev/null 2>&1 || true
    # The master waits for its children, then removes its pid file.
    local _
    for _ in $(seq 50); do
      [ -e "$POSTFIX_DIR/queue/pid/master.pid" ] || break
      sleep 0.1
    done
    rm -rf "$POSTFIX_DIR"
    POSTFIX_DIR=""
  fi
}

stop_services() {
  stop_postfix
  stop_mailman
  stop_chromedriver
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

# Makes sure a Python virtual environment with oidc-provider-mock (a real
# OpenID Connect provider for tests, built on Authlib) exists under cargo's
# target directory, and exports MODPOD_TEST_OIDC_PROVIDER, its python. The
# login tests (crates/server/tests/oidc.rs) start their own provider with
# `python -m oidc_provider_mock` on free loopback ports. Installed once, then
# reused.
ensure_oidc_provider() {
  if [ -n "${MODPOD_TEST_OIDC_PROVIDER:-}" ]; then
    step "using oidc-provider-mock with $MODPOD_TEST_OIDC_PROVIDER"
    return 0
  fi
  local venv
  venv="$(services_dir)/oidc-venv"
  if ! "$venv/bin/python" -c 'import oidc_provider_mock' 2>/dev/null; then
    step "installing oidc-provider-mock (pip) in $venv"
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null
      apt-get install -y -qq python3-venv >/dev/null
    fi
    rm -rf "$venv"
    python3 -m venv "$venv"
    # 0.3.4 is the last release that runs on Python 3.11 (Debian 12's); it
    # uses authlib.jose, which Authlib 2 drops.
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'oidc-provider-mock==0.3.4' 'authlib<2' ||
      { rm -rf "$venv"; return 1; }
  fi
  export MODPOD_TEST_OIDC_PROVIDER="$venv/bin/python"
}

# Starts chromedriver (headless Chromium for the browser tests) on a free
# 127.0.0.1 port unless MODPOD_TEST_WEBDRIVER is already set, installing
# Debian's chromium and chromium-driver with apt when missing, and exports
# MODPOD_TEST_WEBDRIVER (and MODPOD_TEST_CHROMIUM, the browser's binary).
start_chromedriver() {
  if [ -n "${MODPOD_TEST_WEBDRIVER:-}" ]; then
    step "using WebDriver at $MODPOD_TEST_WEBDRIVER"
    return 0
  fi
  if [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/chromium ]; then
    step "installing Chromium and chromedriver (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  local port dir
  port=$(free_port "${MODPOD_TEST_WEBDRIVER_PORT:-59515}")
  dir="$(services_dir)/chromedriver"
  mkdir -p "$dir"
  step "starting chromedriver on 127.0.0.1:$port"
  /usr/bin/chromedriver --port="$port" --allowed-ips=127.0.0.1 --log-path="$dir/chromedriver.log" \
    </dev/null >"$dir/stdout.log" 2>&1 &
  CHROMEDRIVER_PID=$!
  local _
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      export MODPOD_TEST_WEBDRIVER="http://127.0.0.1:$port"
      export MODPOD_TEST_CHROMIUM=/usr/bin/chromium
      return 0
    fi
    sleep 0.1
  done
  echo "chromedriver did not start; its log:" >&2
  cat "$dir/stdout.log" >&2 || true
  stop_chromedriver
  return 1
}

stop_chromedriver() {
  if [ -n "${CHROMEDRIVER_PID:-}" ]; then
    step "stopping chromedriver"
    kill "$CHROMEDRIVER_PID" 2>/dev/null || true
    wait "$CHROMEDRIVER_PID" 2>/dev/null || true
    CHROMEDRIVER_PID=""
  fi
}

# Makes sure Debian's faketime (libfaketime) is installed: the story test runs
# a `modpod serve` with its clock ahead to let a deadline pass.
ensure_faketime() {
  if ! command -v faketime >/dev/null; then
    step "installing faketime (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq faketime >/dev/null
  fi
}
