#!/usr/bin/env bash
# "Take action" over HTTP with and without the transparency log (AUDIT-2), in
# one run, alternating: the same requests as scripts/bench-http (wrk, 2
# threads, POST /v1/commands, a tls chair's private admonishment of bob: one
# action_taken and its notifications per request), each variant on a fresh
# log and a fresh `modpod serve`, over 8 then 32 connections. Variants:
#
#   sqlite-before  the modpod of the commit before the transparency log
#                  (BEFORE_BIN; skipped when it is not given): no audit at all
#   sqlite-idle    this modpod, --audit-every 86400: the tree built at start,
#                  then not touched during the run (SQLite has no "off")
#   sqlite-on      this modpod, --audit-every 1: the tree followed, tiles and
#                  a signed checkpoint written every second
#   pg-off         this modpod on PostgreSQL without --audit-dir: no audit
#   pg-on          the same with --audit-dir, --audit-keys, --audit-every 1
#
# Prints each wrk run's requests/s, p50 and p99, the share of the machine
# that other processes took meanwhile ("others"), the publisher thread's CPU
# time, the checkpoints it published and the tree's size when wrk stopped
# and 1.5 s later; then medians over the rounds (over the runs with others
# at most OTHERS_MAX, default 15%, and over all), with the ratio of each
# variant to the first of its backend, and the median of the ratios within
# each round. Documented in docs/performance.md, "Appends with the
# transparency log kept up to date". Run from the workspace root:
#
#   git worktree add /tmp/before <commit before AUDIT-2>
#   (cd /tmp/before && CARGO_TARGET_DIR=$HOME/.cache/modpod/target-before \
#      cargo build --release -p modpod --bins)
#   BEFORE_BIN=$HOME/.cache/modpod/target-before/release/modpod ROUNDS=12 \
#     SECONDS_EACH=5 crates/modpod/benches/audit-append.sh
#
# ROUNDS (default 3), SECONDS_EACH (default 10), CONNECTIONS (default "8 32"),
# BACKENDS (default "sqlite postgres"), AFTER_BIN (default: the release build
# of this tree, copied aside so that other builds cannot replace it mid-run).
set -euo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib/services.sh
export PG_DURABLE=1
ROUNDS="${ROUNDS:-3}"
SECONDS_EACH="${SECONDS_EACH:-10}"
TIMEFORMAT='%U %S' # wrk's CPU time, from bash's time
CONNECTIONS="${CONNECTIONS:-8 32}"
BACKENDS="${BACKENDS:-sqlite postgres}"
BEFORE_BIN="${BEFORE_BIN:-}"

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
work="$(services_dir)/audit-append-$$"
mkdir -p "$work"
if [ -z "${AFTER_BIN:-}" ]; then
  step "building modpod (release)"
  cargo build --release -p modpod --bins -q
  cp "${CARGO_TARGET_DIR:-target}/release/modpod" "$work/modpod-after"
  AFTER_BIN="$work/modpod-after"
fi
case " $BACKENDS " in *" postgres "*) start_postgres ;; esac
serve_pid=""
finish() {
  if [ -n "$serve_pid" ]; then kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  stop_services
}
trap finish EXIT

cat >"$work/take-action.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"as":"administrator","command":{"command":"take_action","subject":{"person":"bob"},' ..
  '"measure":{"type":"private_admonishment"},"fora":["tls@ietf.org"],"reason":"tone in the key schedule thread"}}'
LUA

# Jiffies of the whole machine, busy then in all, from /proc/stat.
machine_cpu() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
# Jiffies used so far by the given processes (all their threads).
processes_cpu() {
  local total=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
  done
  echo "$total"
}
# The transparency log's publisher thread of the server, if it has one.
publisher_thread() {
  { grep -lx "transparency-lo" /proc/"$serve_pid"/task/*/comm 2>/dev/null || true; } | head -1 | sed 's|/comm$||'
}
thread_cpu() { # jiffies of a /proc/PID/task/TID directory
  if [ -n "$1" ] && [ -r "$1/stat" ]; then sed 's/.*) //' "$1/stat" | awk '{ print $12 + $13 }'; else echo 0; fi
}
# This run's own processes: the server, and PostgreSQL's when it is the backend.
ours() {
  echo "$serve_pid"
  if [ "$1" = postgres ] && [ -n "${PG_DIR:-}" ]; then
    local postmaster
    postmaster=$(head -1 "$PG_DIR/data/postmaster.pid")
    echo "$postmaster"
    pgrep -P "$postmaster"
  fi
}

# wrk's latency ("850.00us", "3.10ms", "1.02s") in milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'; }

# One variant: a fresh log, a fresh server, wrk over each CONNECTIONS.
run() { # name binary backend serve-args...
  local name=$1 bin=$2 backend=$3; shift 3
  local db audit_dir="" port
  rm -rf "$work/db" && mkdir -p "$work/db"
  if [ "$backend" = sqlite ]; then
    db="sqlite:$work/db/http.db"
    if [ "$name" != sqlite-before ]; then audit_dir="$work/db/http.db.audit"; fi
  else
    psql "$MODPOD_TEST_PG_URL" -qc "DROP DATABASE IF EXISTS modpod_audit_bench" \
      -qc "CREATE DATABASE modpod_audit_bench" >/dev/null
    db="${MODPOD_TEST_PG_URL%/*}/modpod_audit_bench"
    if [ "$name" = pg-on ]; then
      audit_dir="$work/db/pg.audit"
      set -- "$@" --audit-dir "$audit_dir" --audit-keys "$work/db/pg.audit-keys"
    fi
  fi
  local attempt status
  for attempt in 1 2 3; do
    port=$(free_port $((18180 + 10 * attempt)))
    # The publisher logs each checkpoint at debug level: counted below.
    MODPOD_DB="$db" MODPOD_LOG="warn,modpod::audit=debug" \
      "$bin" serve --listen "127.0.0.1:$port" "$@" >"$work/serve.out" 2>"$work/serve.err" &
    serve_pid=$!
    SECONDS=0
    for _ in $(seq 300); do
      grep -q "modpod listening" "$work/serve.out" 2>/dev/null && break
      kill -0 "$serve_pid" 2>/dev/null || break
      sleep 0.1
    done
    grep -q "modpod listening" "$work/serve.out" && break
    kill -TERM "$serve_pid" 2>/dev/null || true
    status=0
    wait "$serve_pid" 2>/dev/null || status=$?
    serve_pid=""
    echo "$name: modpod serve did not start (attempt $attempt, exit status $status after ${SECONDS} s):" >&2
    cat "$work/serve.out" "$work/serve.err" >&2
    [ "$attempt" = 3 ] && return 1
  done
  export MODPOD_DB="$db" MODPOD_LOG=warn
  "$bin" setup examples/ietf.toml >/dev/null
  "$bin" account create --person tls-chair-1 chair1 >/dev/null
  TOKEN=$("$bin" token create --account chair1 --scope act 2>/dev/null)
  export TOKEN
  local c out rps p50 p99 before after published size_end size_later pids m0 m1 o0 o1 wrk_cpu others thread t0 t1 publisher
  for c in $CONNECTIONS; do
    before=$(grep -c "published a checkpoint" "$work/serve.err" || true)
    mapfile -t pids < <(ours "$backend")
    read -r -a m0 < <(machine_cpu)
    o0=$(processes_cpu "${pids[@]}")
    thread=$(publisher_thread)
    t0=$(thread_cpu "$thread")
    { time wrk -t2 -c"$c" -d"${SECONDS_EACH}s" --latency -s "$work/take-action.lua" \
      "http://127.0.0.1:$port/v1/commands" >"$work/wrk.out"; } 2>"$work/wrk.time"
    o1=$(processes_cpu "${pids[@]}")
    t1=$(thread_cpu "$thread")
    read -r -a m1 < <(machine_cpu)
    out=$(cat "$work/wrk.out")
    # The share of both cores that other processes (neither wrk, the server
    # nor its PostgreSQL) used during the run: 0% on a quiet machine.
    wrk_cpu=$(awk '{ printf "%d", ($1 + $2) * 100 }' "$work/wrk.time")
    others=$(awk -v b=$((m1[0] - m0[0])) -v t=$((m1[1] - m0[1])) -v o=$((o1 - o0)) -v w="$wrk_cpu" \
      'BEGIN { x = (b - o - w) / t * 100; if (x < 0) x = 0; printf "%d%%", x }')
    size_end=$([ -n "$audit_dir" ] && sed -n 2p "$audit_dir/checkpoint" || echo -)
    after=$(grep -c "published a checkpoint" "$work/serve.err" || true)
    published=$((after - before))
    sleep 1.5
    size_later=$([ -n "$audit_dir" ] && sed -n 2p "$audit_dir/checkpoint" || echo -)
    rps=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' <<<"$out")
    # The publisher thread's CPU time, in % of one core over the run.
    publisher=$([ -n "$thread" ] && awk -v j=$((t1 - t0)) -v s="$SECONDS_EACH" 'BEGIN { printf "%.1f%%", j / s }' || echo -)
    p50=$(ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
      echo "$name c=$c: errors in wrk's run:" >&2
      grep -E "Non-2xx|Socket errors" <<<"$out" >&2
    fi
    printf '%-14s c=%-3s %7s req/s  p50 %7s ms  p99 %7s ms  others %4s  publisher %5s  checkpoints %3s  tree at end %8s, 1.5 s later %8s  round %s\n' \
      "$name" "$c" "$rps" "$p50" "$p99" "$others" "$publisher" "$([ -n "$audit_dir" ] && echo "$published" || echo -)" \
      "$size_end" "$size_later" "$round" | tee -a "$work/results"
  done
  kill -TERM "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=""
}

variants() { # the variants of one backend, "off" first
  if [ "$1" = sqlite ]; then
    if [ -n "$BEFORE_BIN" ]; then echo "sqlite-before $BEFORE_BIN sqlite"; fi
    echo "sqlite-idle $AFTER_BIN sqlite --audit-every 86400"
    echo "sqlite-on $AFTER_BIN sqlite --audit-every 1"
  else
    echo "pg-off $AFTER_BIN postgres"
    echo "pg-on $AFTER_BIN postgres --audit-every 1"
  fi
}

for round in $(seq "$ROUNDS"); do
  for backend in $BACKENDS; do
    # Alternate the order from one round to the next, so that drift on the
    # machine does not favour one variant.
    if [ $((round % 2)) = 1 ]; then order=cat; else order=tac; fi
    while read -r -a v; do
      step "round $round: ${v[0]}"
      run "${v[@]}"
    done < <(variants "$backend" | $order)
  done
done

# The summary: medians over the runs during which other processes took at
# most OTHERS_MAX of the machine (the kernel's own work for these runs, the
# disk's and the network's, is about 6% on a quiet machine), then over all.
summary() { # title filter
  step "summary, $1: median (number of runs; ratio to the first variant of the backend)"
  local backend c first v rps p50 p99 n
  for backend in $BACKENDS; do
    for c in $CONNECTIONS; do
      first=""
      while read -r -a v; do
        grep "^${v[0]} *c=$c " "$work/results" | awk -v max="$2" '{ o = $12; sub("%", "", o); if (o + 0 <= max) print }' \
          >"$work/selected"
        n=$(wc -l <"$work/selected")
        med() { awk -v f="$1" '{ print $f }' "$work/selected" | sort -n |
          awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
        rps=$(med 3); p50=$(med 6); p99=$(med 9)
        [ -z "$first" ] && first=$rps
        printf '%-14s c=%-3s %7s req/s  p50 %7s ms  p99 %7s ms  (%s runs)  ratio %s\n' "${v[0]}" "$c" "$rps" "$p50" "$p99" "$n" \
          "$(awk -v a="$rps" -v b="$first" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.3f", a / b }')"
      done < <(variants "$backend")
    done
  done
}
OTHERS_MAX="${OTHERS_MAX:-15}"
summary "runs with others at most ${OTHERS_MAX}%" "$OTHERS_MAX"
summary "all runs" 100

# Each variant against each earlier one of its backend within the same round
# (runs a few seconds apart, so that a burst of other work on the machine
# weighs on both): the median of those ratios of requests/s, and their range.
step "paired: requests/s of each variant against each earlier one of its backend in the same round (all rounds)"
for backend in $BACKENDS; do
  for c in $CONNECTIONS; do
    variants "$backend" | awk '{ print $1 }' >"$work/names"
    awk -v c="c=$c" 'NR == FNR { names[++n] = $1; next }
      $2 == c { rps[$1, $NF] = $3; rounds[$NF] = 1 }
      END {
        for (i = 2; i <= n; i++) for (j = 1; j < i; j++) {
          k = 0
          for (r in rounds) if ((names[j], r) in rps && (names[i], r) in rps) x[++k] = rps[names[i], r] / rps[names[j], r]
          for (a = 1; a <= k; a++) for (b = a + 1; b <= k; b++) if (x[b] < x[a]) { t = x[a]; x[a] = x[b]; x[b] = t }
          med = k % 2 ? x[(k + 1) / 2] : (x[k / 2] + x[k / 2 + 1]) / 2
          printf "%-14s / %-14s %s  median %.3f over %d rounds (%.3f to %.3f)\n", names[i], names[j], c, med, k, x[1], x[k]
          delete x
        }
      }' "$work/names" "$work/results"
  done
done
