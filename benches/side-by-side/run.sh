#!/usr/bin/env bash
# Side by side against one emulator: the seed guide's stack (Node + Express +
# the official Scalekit Node SDK, ./express), the kit (examples/minimal.rs,
# built by ./kit as an app's own binary: the kit's default features and none
# of the workspace's dev-dependencies)
# and the floor (./floor: the same page written by hand, one token fetched at
# start and one plain reqwest PUT per page, no kit). All three serve
# GET /settings: one fresh portal link for one organization per page, and a
# page with the iframe.
#
#   benches/side-by-side/run.sh
#
# Reports, for each app:
# - upstream round trips on a cold start: the app's first page alone, and
#   16 first pages at once (each from a freshly started app), counted from the
#   emulator's debug log (one line per request it receives);
# - app CPU time (ms) per 1,000 pages (utime + stime from /proc/PID/stat, all
#   threads), throughput and latency percentiles at concurrency 16 over a
#   fixed number of pages (`hey`), in ROUNDS rounds on the three running
#   apps, alternating their order (A B C, C B A, ...), so a burst of load
#   from elsewhere hits all of them;
# - the app's resident memory after the rounds (VmRSS, and VmHWM, its peak).
#
# Needs: node + npm, hey (Debian: apt-get install hey), curl, cargo. Loopback
# only. The emulator and the floor pick free ports; the kit's minimal example
# listens on 127.0.0.1:3000 (its default), so that port must be free.
#
# Environment: PAGES (pages per round, default 9600: /proc counts CPU in
# 10 ms ticks, so a round's figure is exact to about 1 ms per 1,000 pages),
# ROUNDS (default 9),
# WARMUP (pages per app before the rounds, default 2400: Node's JIT settles), CONCURRENCY
# (default 16; hey splits the pages evenly, so PAGES and WARMUP must be
# multiples of it), SKIP_BUILD=1 to use the release binaries as they are,
# CARGO_TARGET_DIR as cargo reads it.
set -euo pipefail

PAGES=${PAGES:-9600}
ROUNDS=${ROUNDS:-9}
WARMUP=${WARMUP:-2400}
CONCURRENCY=${CONCURRENCY:-16}
# Bounds: no step waits longer than this for a process to come up, and no
# load run longer than LOAD_TIMEOUT seconds.
START_TIMEOUT=${START_TIMEOUT:-30}
LOAD_TIMEOUT=${LOAD_TIMEOUT:-300}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
emulator_bin=$target/release/scalekit-emulator
minimal_bin=$target/release/scalekit-side-by-side-kit
floor_bin=$target/release/scalekit-floor
apps=(express kit floor)

for count in "$PAGES" "$WARMUP"; do
  ((count > 0 && count % CONCURRENCY == 0)) \
    || { echo "run.sh: PAGES and WARMUP must be positive multiples of CONCURRENCY ($CONCURRENCY)" >&2; exit 2; }
done

for tool in node npm hey curl; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing" >&2; exit 2; }
done

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  # The kit and the floor in one invocation: the crates they share are built
  # with the same features.
  (cd "$root" && cargo build --release -q -p scalekit-emulator --bin scalekit-emulator \
    && cargo build --release -q -p scalekit-side-by-side-kit -p scalekit-floor)
fi
for bin in "$emulator_bin" "$minimal_bin" "$floor_bin"; do
  [[ -x $bin ]] || { echo "run.sh: $bin is missing (build it, or unset SKIP_BUILD)" >&2; exit 2; }
done
if [[ ! -d $here/express/node_modules || $here/express/package-lock.json -nt $here/express/node_modules ]]; then
  (cd "$here/express" && npm ci --no-audit --no-fund --silent)
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

clk_tck=$(getconf CLK_TCK)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

# Waits (bounded) until FILE has a line matching PATTERN; prints that line.
wait_for_line() {
  local file=$1 pattern=$2 pid=$3 deadline=$((SECONDS + START_TIMEOUT))
  until grep -m1 -E "$pattern" "$file" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "run.sh: process $pid exited; its output:" >&2
      cat "$file" "$file.err" >&2 2>/dev/null || true
      exit 1
    fi
    ((SECONDS < deadline)) || { echo "run.sh: no '$pattern' in $file after ${START_TIMEOUT}s" >&2; exit 1; }
    sleep 0.05
  done
}

# CPU seconds (user + system, all threads) the process has used, in ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

# --- the emulator -----------------------------------------------------------
RUST_LOG=scalekit_emulator=debug "$emulator_bin" --port 0 \
  >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
pids+=("$emulator_pid")
wait_for_line "$work/emulator.out" '^SCALEKIT_WEBHOOK_SECRET=' "$emulator_pid" >/dev/null
while IFS='=' read -r name value; do
  [[ $name == SCALEKIT_* ]] && export "$name=$value"
done <"$work/emulator.out"
org_line=$(wait_for_line "$work/emulator.log" 'demo organization org_' "$emulator_pid")
SCALEKIT_ORGANIZATION_ID=$(grep -oE 'org_[0-9A-Za-z]+' <<<"$org_line" | head -1)
export SCALEKIT_ORGANIZATION_ID
echo "emulator $SCALEKIT_ENVIRONMENT_URL (pid $emulator_pid), organization $SCALEKIT_ORGANIZATION_ID"

# The emulator's request lines after line N, by endpoint.
log_mark() { wc -l <"$work/emulator.log"; }
count_since() { # MARK ENDPOINT
  tail -n +"$(($1 + 1))" "$work/emulator.log" \
    | grep -E '(request|grpc call)' | grep -cE "endpoint=$2( |$)" || true
}
count_all_since() {
  tail -n +"$(($1 + 1))" "$work/emulator.log" | grep -cE '(request|grpc call)' || true
}

# --- the apps ---------------------------------------------------------------
# start_app NAME: starts it, sets app_pid and app_url.
start_app() {
  local name=$1 out=$work/$1.$RANDOM
  case $name in
    express) (cd "$here/express" && PORT=0 exec node app.js) >"$out" 2>"$out.err" & ;;
    kit)
      if (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null; then
        echo "run.sh: 127.0.0.1:3000 is taken; the minimal example needs it" >&2
        exit 1
      fi
      "$minimal_bin" >"$out" 2>"$out.err" &
      ;;
    floor) PORT=0 "$floor_bin" >"$out" 2>"$out.err" & ;;
  esac
  app_pid=$!
  pids+=("$app_pid")
  app_url=$(wait_for_line "$out" '^open http://' "$app_pid" | awk '{ print $2 }')
}

stop_app() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# hey, bounded; its output in FILE.
load() { # URL PAGES FILE
  timeout "$LOAD_TIMEOUT" hey -n "$2" -c "$CONCURRENCY" -t 20 "$1" >"$3"
  if ! grep -qE "^\s+\[200\]\s+$2 responses" "$3"; then
    echo "run.sh: not every page answered 200:" >&2
    cat "$3" >&2
    exit 1
  fi
}

page_bytes() { curl -fsS -o /dev/null -w '%{size_download}' "$1"; }

declare -A cold1 cold16 bytes
for app in "${apps[@]}"; do
  # The first page alone.
  mark=$(log_mark)
  start_app "$app"
  curl -fsS -o /dev/null "$app_url"
  cold1[$app]="$(count_all_since "$mark") round trips: $(count_since "$mark" token) token, $(count_since "$mark" generate_portal_link) link"
  stop_app "$app_pid"
  # 16 first pages at once.
  mark=$(log_mark)
  start_app "$app"
  CONCURRENCY=16 load "$app_url" 16 "$work/$app.cold16"
  cold16[$app]="$(count_all_since "$mark") round trips: $(count_since "$mark" token) token, $(count_since "$mark" generate_portal_link) link"
  stop_app "$app_pid"
done

# --- throughput, CPU and memory: all apps up, alternating rounds -------------
declare -A pid url
for app in "${apps[@]}"; do
  start_app "$app"
  pid[$app]=$app_pid
  url[$app]=$app_url
  bytes[$app]=$(page_bytes "$app_url")
  load "$app_url" "$WARMUP" "$work/$app.warmup"
done

# Per round and app: app CPU ms per 1,000 pages, emulator CPU ms per 1,000
# pages, req/s, p50 ms, p99 ms, token requests, link calls.
declare -A results
hey_field() { # FILE: requests/s, p50 ms, p99 ms
  awk '/Requests\/sec:/ { rps = $2 }
       /^ +50% in/ { p50 = $3 * 1000 }
       /^ +99% in/ { p99 = $3 * 1000 }
       END { printf "%.0f %.2f %.2f", rps, p50, p99 }' "$1"
}
ms_per_1k() { # TICKS: CPU ms per 1,000 pages of a round
  awk -v t="$1" -v hz="$clk_tck" -v n="$PAGES" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'
}
echo
echo "round app      app-cpu-ms/1k emu-cpu-ms/1k   req/s   p50-ms   p99-ms  token  link-calls"
for ((round = 0; round < ROUNDS; round++)); do
  if ((round % 2 == 0)); then order=(express kit floor); else order=(floor kit express); fi
  for app in "${order[@]}"; do
    mark=$(log_mark)
    app0=$(cpu_ticks "${pid[$app]}")
    emu0=$(cpu_ticks "$emulator_pid")
    load "${url[$app]}" "$PAGES" "$work/$app.round$round"
    app1=$(cpu_ticks "${pid[$app]}")
    emu1=$(cpu_ticks "$emulator_pid")
    read -r rps p50 p99 <<<"$(hey_field "$work/$app.round$round")"
    app_ms=$(ms_per_1k $((app1 - app0)))
    emu_ms=$(ms_per_1k $((emu1 - emu0)))
    tokens=$(count_since "$mark" token)
    links=$(count_since "$mark" generate_portal_link)
    results[$app,$round]="$app_ms $emu_ms $rps $p50 $p99"
    printf '%-5s %-8s %13s %13s %7s %8s %8s %6s %11s\n' \
      "$round" "$app" "$app_ms" "$emu_ms" "$rps" "$p50" "$p99" "$tokens" "$links"
  done
done

# Medians over the rounds, per app and column.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_median() { # APP COLUMN
  for ((round = 0; round < ROUNDS; round++)); do
    awk -v c="$2" '{ print $c }' <<<"${results[$1,$round]}"
  done | median
}
declare -A med
for app in "${apps[@]}"; do
  for col in 1 2 3 4 5; do
    med[$app,$col]=$(column_median "$app" "$col")
  done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo
row() { # LABEL COLUMN
  echo "| $1 | ${med[express,$2]} | ${med[kit,$2]} | ${med[floor,$2]} | $(ratio "${med[kit,$2]}" "${med[floor,$2]}") | $(ratio "${med[express,$2]}" "${med[kit,$2]}") |"
}
echo "| | Node + Express + SDK | kit (minimal) | floor (no kit) | kit / floor | Express / kit |"
echo "|---|---|---|---|---|---|"
row "app CPU per 1,000 pages (ms, median of $ROUNDS)" 1
row "emulator CPU per 1,000 pages (ms)" 2
row "pages/s at concurrency $CONCURRENCY" 3
row "p50 (ms)" 4
row "p99 (ms)" 5
declare -A rss hwm
for app in "${apps[@]}"; do
  rss[$app]=$(status_kib "${pid[$app]}" VmRSS)
  hwm[$app]=$(status_kib "${pid[$app]}" VmHWM)
done
echo "| RSS after the rounds (MiB) | $(mib "${rss[express]}") | $(mib "${rss[kit]}") | $(mib "${rss[floor]}") | $(ratio "${rss[kit]}" "${rss[floor]}") | $(ratio "${rss[express]}" "${rss[kit]}") |"
echo "| peak RSS, VmHWM (MiB) | $(mib "${hwm[express]}") | $(mib "${hwm[kit]}") | $(mib "${hwm[floor]}") | $(ratio "${hwm[kit]}" "${hwm[floor]}") | $(ratio "${hwm[express]}" "${hwm[kit]}") |"
echo "| page size (bytes) | ${bytes[express]} | ${bytes[kit]} | ${bytes[floor]} | | |"
echo "| cold start, 1 page: upstream | ${cold1[express]} | ${cold1[kit]} | ${cold1[floor]} | | |"
echo "| cold start, 16 pages at once: upstream | ${cold16[express]} | ${cold16[kit]} | ${cold16[floor]} | | |"
# The kit against the floor round by round: the two ran minutes apart at
# most, so a change of load between rounds moves both.
round_ratios=$(for ((round = 0; round < ROUNDS; round++)); do
  awk -v a="${results[kit,$round]%% *}" -v b="${results[floor,$round]%% *}" \
    'BEGIN { if (b > 0) printf "%.3f\n", a / b }'
done)
echo
echo "kit / floor app CPU per page, round by round: median $(median <<<"$round_ratios" | awk '{ printf "%.2fx", $1 }')," \
  "range $(sort -g <<<"$round_ratios" | head -1 | awk '{ printf "%.2fx", $1 }')-$(sort -g <<<"$round_ratios" | tail -1 | awk '{ printf "%.2fx", $1 }')"
echo "$PAGES pages per round, $ROUNDS rounds, $WARMUP warm-up pages per app; $(nproc) CPUs;" \
  "load average $load_at_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end; node $(node --version)"
