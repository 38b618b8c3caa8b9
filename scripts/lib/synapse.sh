# Helpers for scripts/test: start a throwaway Matrix homeserver (Synapse) on
# 127.0.0.1 only for the Matrix adapter's tests (crates/matrix), and stop it.
# Source it after scripts/lib/services.sh (it uses step and free_port); do not
# run it.

# The Synapse release the tests run against (PyPI matrix-synapse).
SYNAPSE_VERSION=1.163.2

# Starts a throwaway Synapse unless MODPOD_TEST_SYNAPSE_URL is already set
# (then the Synapse module's test needs MODPOD_TEST_SYNAPSE_CONFIG and
# MODPOD_TEST_SYNAPSE_PYTHON as well, to start a Synapse of its own).
# Synapse is installed once, with pip, into a virtual environment under the
# cache directory. Each start makes a fresh server: server name `localhost`, a
# SQLite database in a temporary directory, the client API (with the admin
# API) on a free port of 127.0.0.1, no federation, no key servers, no presence,
# a registration shared secret, and an admin user `modpod` that no rate limit
# applies to. Everybody else keeps Synapse's default message rate limit, so
# that the per-user overrides the tests set make a difference.
# Exports:
#   MODPOD_TEST_SYNAPSE_URL            e.g. http://127.0.0.1:58448
#   MODPOD_TEST_SYNAPSE_ADMIN_TOKEN    an access token of @modpod:localhost
#   MODPOD_TEST_SYNAPSE_SHARED_SECRET  for /_synapse/admin/v1/register
#   MODPOD_TEST_SYNAPSE_CONFIG         its homeserver.yaml
#   MODPOD_TEST_SYNAPSE_LOG            its log
#   MODPOD_TEST_SYNAPSE_PYTHON         the virtual environment's python, with
#                                      which a test starts a Synapse of its own
#                                      from a copy of that homeserver.yaml (the
#                                      modpod Synapse module's tests,
#                                      crates/modpod/tests/synapse_module.rs)
start_synapse() {
  if [ -n "${MODPOD_TEST_SYNAPSE_URL:-}" ]; then
    step "using Synapse at $MODPOD_TEST_SYNAPSE_URL"
    if [ -z "${MODPOD_TEST_SYNAPSE_ADMIN_TOKEN:-}" ] || [ -z "${MODPOD_TEST_SYNAPSE_SHARED_SECRET:-}" ]; then
      echo "MODPOD_TEST_SYNAPSE_URL is set, so MODPOD_TEST_SYNAPSE_ADMIN_TOKEN (an admin's access token) and" \
        "MODPOD_TEST_SYNAPSE_SHARED_SECRET (its registration_shared_secret) must be set too" >&2
      return 1
    fi
    return 0
  fi
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/modpod/synapse-venv"
  if ! "$venv/bin/python" -c "
import sys
from importlib.metadata import version
sys.exit(version('matrix-synapse') != '$SYNAPSE_VERSION')" 2>/dev/null; then
    step "installing Synapse $SYNAPSE_VERSION into $venv (pip)"
    # Debian's python3 makes virtual environments only with python3-venv.
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null
      apt-get install -y -qq python3-venv >/dev/null
    fi
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    { python3 -m venv "$venv" &&
      "$venv/bin/pip" install --quiet --disable-pip-version-check "matrix-synapse==$SYNAPSE_VERSION"; } >&2 ||
      { rm -rf "$venv"; return 1; }
  fi
  local dir port url secret password
  dir=$(mktemp -d "${TMPDIR:-/tmp}/modpod-synapse.XXXXXX")
  port=$(free_port "${MODPOD_TEST_SYNAPSE_PORT:-58448}")
  url="http://127.0.0.1:$port"
  secret=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  (cd "$dir" && "$venv/bin/python" -m synapse.app.homeserver --server-name localhost \
    --config-path "$dir/homeserver.yaml" --generate-config --report-stats=no \
    --data-directory "$dir") >"$dir/generate.log" 2>&1 ||
    { cat "$dir/generate.log" >&2; rm -rf "$dir"; return 1; }
  # Edit what --generate-config wrote (it keeps the keys and secrets it made).
  "$venv/bin/python" - "$dir/homeserver.yaml" "$port" "$secret" <<'EOF' || { rm -rf "$dir"; return 1; }
import sys, yaml
path, port, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path) as f:
    config = yaml.safe_load(f)
config["listeners"] = [{
    "port": port,
    "bind_addresses": ["127.0.0.1"],
    "type": "http",
    "tls": False,
    "x_forwarded": False,
    # The client API; the admin API comes with it.
    "resources": [{"names": ["client"], "compress": False}],
}]
config["trusted_key_servers"] = []
config["suppress_key_server_warning"] = True
config["presence"] = {"enabled": False}
config["registration_shared_secret"] = secret
config["enable_registration"] = False
config["report_stats"] = False
config["enable_metrics"] = False
config["url_preview_enabled"] = False
# Cheap password hashes: the tests register a user or two each.
config["bcrypt_rounds"] = 4
# Tests log in and register often from 127.0.0.1; that is not what they test.
# The message rate limit (rc_message) stays Synapse's default on purpose.
def generous():
    return {"per_second": 100, "burst_count": 1000}
config["rc_login"] = {"address": generous(), "account": generous(), "failed_attempts": generous()}
config["rc_registration"] = generous()
config["database"] = {"name": "sqlite3", "args": {"database": config["database"]["args"]["database"]}}
with open(path, "w") as f:
    yaml.safe_dump(config, f, sort_keys=False)
EOF
  step "starting Synapse $SYNAPSE_VERSION ($venv) on $url in $dir"
  (cd "$dir" && exec "$venv/bin/python" -m synapse.app.homeserver -c "$dir/homeserver.yaml") \
    </dev/null >"$dir/stdout.log" 2>&1 &
  SYNAPSE_PID=$!
  SYNAPSE_DIR="$dir"
  if ! "$venv/bin/python" - "$url/_matrix/client/versions" "$SYNAPSE_PID" <<'EOF'; then
import os, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 90
while True:
    try:
        urllib.request.urlopen(url, timeout=2).read()
        sys.exit(0)
    except Exception:
        try:
            os.kill(pid, 0)
        except OSError:
            print("Synapse exited", file=sys.stderr)
            sys.exit(1)
        if time.monotonic() > deadline:
            print("Synapse did not answer within 90 s", file=sys.stderr)
            sys.exit(1)
        time.sleep(0.3)
EOF
    echo "Synapse's client API did not answer at $url; the end of its output and log:" >&2
    tail -n 20 "$dir/stdout.log" >&2 || true
    tail -n 30 "$dir/homeserver.log" >&2 2>/dev/null || true
    stop_synapse
    return 1
  fi
  "$venv/bin/register_new_matrix_user" -c "$dir/homeserver.yaml" -u modpod -p "$password" -a "$url" \
    >"$dir/register.log" 2>&1 ||
    { echo "cannot register Synapse's admin user:" >&2; cat "$dir/register.log" >&2; stop_synapse; return 1; }
  # Log in as the admin, and lift every rate limit from it (an override of 0
  # messages per second means no limit, for all of Synapse's rate limiters).
  local token
  if ! token=$("$venv/bin/python" - "$url" "$password" <<'EOF'
import json, sys, urllib.parse, urllib.request
url, password = sys.argv[1:]
def call(method, path, body, token=None):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
login = call("POST", "/_matrix/client/v3/login", {
    "type": "m.login.password",
    "identifier": {"type": "m.id.user", "user": "modpod"},
    "password": password,
    "initial_device_display_name": "modpod tests",
})
token = login["access_token"]
call("POST", "/_synapse/admin/v1/users/" + urllib.parse.quote(login["user_id"]) + "/override_ratelimit",
     {"messages_per_second": 0, "burst_count": 0}, token)
print(token)
EOF
  ); then
    echo "cannot log in to Synapse as its admin user; the end of its log:" >&2
    tail -n 30 "$dir/homeserver.log" >&2 2>/dev/null || true
    stop_synapse
    return 1
  fi
  export MODPOD_TEST_SYNAPSE_URL="$url"
  export MODPOD_TEST_SYNAPSE_ADMIN_TOKEN="$token"
  export MODPOD_TEST_SYNAPSE_SHARED_SECRET="$secret"
  export MODPOD_TEST_SYNAPSE_CONFIG="$dir/homeserver.yaml"
  export MODPOD_TEST_SYNAPSE_LOG="$dir/homeserver.log"
  export MODPOD_TEST_SYNAPSE_PYTHON="$venv/bin/python"
}

# Stops the Synapse start_synapse started, if any, and removes its directory.
stop_synapse() {
  if [ -n "${SYNAPSE_DIR:-}" ]; then
    step "stopping Synapse"
    if [ -n "${SYNAPSE_PID:-}" ] && kill -0 "$SYNAPSE_PID" 2>/dev/null; then
      kill "$SYNAPSE_PID" 2>/dev/null || true
      local _
      for _ in $(seq 100); do
        kill -0 "$SYNAPSE_PID" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$SYNAPSE_PID" 2>/dev/null || true
      wait "$SYNAPSE_PID" 2>/dev/null || true
    fi
    rm -rf "$SYNAPSE_DIR"
    SYNAPSE_DIR=""
    SYNAPSE_PID=""
    if [ "${MODPOD_TEST_SYNAPSE_CONFIG:-}" ] && [ ! -e "$MODPOD_TEST_SYNAPSE_CONFIG" ]; then
      unset MODPOD_TEST_SYNAPSE_URL MODPOD_TEST_SYNAPSE_ADMIN_TOKEN MODPOD_TEST_SYNAPSE_SHARED_SECRET \
        MODPOD_TEST_SYNAPSE_CONFIG MODPOD_TEST_SYNAPSE_LOG MODPOD_TEST_SYNAPSE_PYTHON
    fi
  fi
}
