# Helpers for scripts/test: GitHub's own OpenAPI description (npm package
# @octokit/openapi), served by Prism (scripts/lib/prism.sh) as a mock that
# checks every request crates/github sends against it
# (crates/github/tests/prism.rs). Source it after scripts/lib/services.sh and
# scripts/lib/prism.sh; do not run it.
#
#   ensure_github_openapi   # fetch once, export MODPOD_GITHUB_OPENAPI
#   start_github_mock       # Prism serving it, export MODPOD_TEST_GITHUB_URL
#   ...
#   stop_prisms

# Usable on its own too: the same `step` as scripts/lib/services.sh.
if ! declare -F step >/dev/null; then
  step() { printf '\n==> %s\n' "$*" >&2; }
fi

# OpenAPI 3.0.3, 811 paths; the REST API version 2022-11-28.
GITHUB_OPENAPI_VERSION=23.0.2

# Makes sure GitHub's description is in the cache directory and exports
# MODPOD_GITHUB_OPENAPI, the path of its generated/api.github.com.json (13 MB).
# Only that file (with the package's package.json and LICENSE) is kept from
# the package (29 MB packed, 385 MB installed: it also holds GHES and GHEC
# descriptions), fetched with `npm pack` (the registry's integrity check
# included). Several shells may call it at once: the fetch holds a lock and
# is moved into place whole.
ensure_github_openapi() {
  if [ -n "${MODPOD_GITHUB_OPENAPI:-}" ] && [ -f "$MODPOD_GITHUB_OPENAPI" ]; then
    step "using GitHub's OpenAPI description at $MODPOD_GITHUB_OPENAPI"
    return 0
  fi
  local root="${XDG_CACHE_HOME:-$HOME/.cache}/modpod/octokit-openapi"
  local dir="$root/$GITHUB_OPENAPI_VERSION"
  local spec="$dir/generated/api.github.com.json"
  if [ ! -f "$spec" ]; then
    if ! command -v npm >/dev/null; then
      echo "ensure_github_openapi: npm is needed to fetch @octokit/openapi" >&2
      return 1
    fi
    mkdir -p "$root"
    (
      flock -w 600 9 || { echo "ensure_github_openapi: timed out waiting for $root/.lock" >&2; exit 1; }
      [ -f "$spec" ] && exit 0   # another shell fetched it meanwhile
      step "fetching GitHub's OpenAPI description (npm @octokit/openapi@$GITHUB_OPENAPI_VERSION) into $dir"
      local tmp tarball
      tmp=$(mktemp -d "$root/.fetch.XXXXXX")
      if ! tarball=$(cd "$tmp" && npm pack --silent --loglevel=error \
        "@octokit/openapi@$GITHUB_OPENAPI_VERSION" 2>"$tmp.log"); then
        echo "ensure_github_openapi: npm pack failed:" >&2
        tail -n 30 "$tmp.log" >&2
        rm -rf "$tmp" "$tmp.log"
        exit 1
      fi
      if ! tar -xzf "$tmp/$tarball" -C "$tmp" package/package.json package/LICENSE \
        package/generated/api.github.com.json 2>"$tmp.log"; then
        echo "ensure_github_openapi: $tarball does not hold generated/api.github.com.json:" >&2
        tail -n 30 "$tmp.log" >&2
        rm -rf "$tmp" "$tmp.log"
        exit 1
      fi
      rm -rf "$dir" "$tmp.log"
      mv "$tmp/package" "$dir"
      rm -rf "$tmp"
    ) 9>"$root/.lock" || return 1
  fi
  export MODPOD_GITHUB_OPENAPI="$spec"
}

# Serves GitHub's description with Prism on a free loopback port unless
# MODPOD_TEST_GITHUB_URL is already set, and exports MODPOD_TEST_GITHUB_URL.
# Prism needs about 15-20 s to load the description.
start_github_mock() {
  if [ -n "${MODPOD_TEST_GITHUB_URL:-}" ]; then
    step "using the GitHub mock at $MODPOD_TEST_GITHUB_URL"
    return 0
  fi
  ensure_github_openapi || return 1
  start_prism github "$MODPOD_GITHUB_OPENAPI" MODPOD_TEST_GITHUB_URL
}
