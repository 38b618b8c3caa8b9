# Helpers for scripts/test: serve OpenAPI descriptions of software that cannot
# run here (GitHub, Zulip) with Stoplight Prism, a mock server that validates
# every request against the description (a wrong path, parameter or body
# answers 4xx with the detail) and answers with the description's examples.
# Source it after scripts/lib/services.sh; do not run it.
#
#   ensure_prism                                   # install once, export MODPOD_TEST_PRISM
#   start_prism zulip crates/zulip/openapi/zulip.yaml MODPOD_TEST_ZULIP_URL
#   ...
#   stop_prisms                                    # stop every Prism started here

# Usable on its own too: the same `step` as scripts/lib/services.sh.
if ! declare -F step >/dev/null; then
  step() { printf '\n==> %s\n' "$*" >&2; }
fi

PRISM_VERSION=5.14.2   # 5.16 needs Node >= 24; Debian's is 20
# Sourcing this file again keeps track of the Prisms already started.
declare -p PRISM_PIDS >/dev/null 2>&1 || PRISM_PIDS=()
declare -p PRISM_DIRS >/dev/null 2>&1 || PRISM_DIRS=()

# Makes sure Prism is installed (npm, once, into the cache directory; no global
# install) and exports MODPOD_TEST_PRISM, its executable. Several shells may
# call it at once: the install holds a lock and is moved into place whole.
ensure_prism() {
  if [ -n "${MODPOD_TEST_PRISM:-}" ] && [ -x "$MODPOD_TEST_PRISM" ]; then
    step "using Prism at $MODPOD_TEST_PRISM"
    return 0
  fi
  local root="${XDG_CACHE_HOME:-$HOME/.cache}/modpod/prism"
  local dir="$root/$PRISM_VERSION"
  local bin="$dir/node_modules/.bin/prism"
  if [ ! -x "$bin" ]; then
    if ! command -v npm >/dev/null; then
      echo "ensure_prism: npm (Node.js >= 18) is needed to install Prism" >&2
      return 1
    fi
    mkdir -p "$root"
    (
      flock -w 600 9 || { echo "ensure_prism: timed out waiting for $root/.lock" >&2; exit 1; }
      [ -x "$bin" ] && exit 0   # another shell installed it meanwhile
      step "installing Prism $PRISM_VERSION into $dir (npm)"
      local tmp
      tmp=$(mktemp -d "$root/.install.XXXXXX")
      if ! npm install --prefix "$tmp" --no-audit --no-fund --loglevel=error \
        "@stoplight/prism-cli@$PRISM_VERSION" >"$tmp.log" 2>&1; then
        echo "ensure_prism: npm install failed; the end of its log ($tmp.log):" >&2
        tail -n 30 "$tmp.log" >&2
        rm -rf "$tmp"
        exit 1
      fi
      rm -rf "$dir" "$tmp.log"
      mv "$tmp" "$dir"
    ) 9>"$root/.lock" || return 1
  fi
  export MODPOD_TEST_PRISM="$bin"
}

# start_prism NAME SPEC VAR [PRISM-OPTION...]: serves the OpenAPI description
# SPEC with Prism on a free 127.0.0.1 port, unless VAR is already set, waits
# until it answers, and exports VAR=http://127.0.0.1:PORT. Responses are
# static: each one is the description's example for the first success code of
# the operation. Extra arguments go to `prism mock` (e.g. --errors: answer 500
# when a response breaks the description). Prism refuses a description it
# cannot read (bad YAML/JSON, a $ref to nothing) at start: that fails here,
# with its log; it is lenient about other mistakes, so lint descriptions too.
# Safe under `set -euo pipefail`.
start_prism() {
  if [ $# -lt 3 ]; then
    echo "usage: start_prism NAME SPEC VAR [PRISM-OPTION...]" >&2
    return 2
  fi
  local name=$1 spec=$2 var=$3
  shift 3
  if [ -n "${!var:-}" ]; then
    step "using $name mock at ${!var}"
    return 0
  fi
  if [ ! -f "$spec" ]; then
    echo "start_prism: no description at $spec" >&2
    return 1
  fi
  ensure_prism || return 1
  local dir port pid attempt i url
  dir=$(mktemp -d "${TMPDIR:-/tmp}/modpod-prism-$name.XXXXXX")
  # Ports from 58300 on (or MODPOD_TEST_PRISM_PORT): two Prisms started at the
  # same moment may pick the same free port; the loser sees EADDRINUSE and the
  # next attempt takes the next port.
  port=${MODPOD_TEST_PRISM_PORT:-58300}
  for attempt in 1 2 3 4 5; do
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    url="http://127.0.0.1:$port"
    step "starting Prism ($name: $spec) on 127.0.0.1:$port, log $dir/prism.log"
    SCARF_ANALYTICS=false "$MODPOD_TEST_PRISM" mock --dynamic=false -h 127.0.0.1 -p "$port" "$@" "$spec" \
      </dev/null >"$dir/prism.log" 2>&1 &
    pid=$!
    # Ready once Prism says it listens and the port answers HTTP; bounded.
    for i in $(seq 600); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if grep -q 'Prism is listening' "$dir/prism.log" 2>/dev/null &&
        curl -s -o /dev/null --max-time 2 "$url/" 2>/dev/null; then
        PRISM_PIDS+=("$pid")
        PRISM_DIRS+=("$dir")
        export "$var=$url"
        return 0
      fi
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "start_prism: Prism ($name) did not answer on $url within 60 s; the end of its log:" >&2
      tail -n 30 "$dir/prism.log" >&2
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      rm -rf "$dir"
      return 1
    fi
    wait "$pid" 2>/dev/null || true   # its exit status; the log says why
    if grep -q EADDRINUSE "$dir/prism.log"; then
      port=$((port + 1))
      continue
    fi
    echo "start_prism: Prism ($name) exited at start (an invalid description?); the end of its log:" >&2
    tail -n 30 "$dir/prism.log" >&2
    rm -rf "$dir"
    return 1
  done
  echo "start_prism: no free port for Prism ($name) after 5 attempts; the end of its log:" >&2
  tail -n 30 "$dir/prism.log" >&2
  rm -rf "$dir"
  return 1
}

# Stops every Prism start_prism started in this shell and removes its logs.
stop_prisms() {
  local pid dir
  for pid in "${PRISM_PIDS[@]}"; do
    step "stopping Prism (pid $pid)"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for dir in "${PRISM_DIRS[@]}"; do rm -rf "$dir"; done
  PRISM_PIDS=()
  PRISM_DIRS=()
}
