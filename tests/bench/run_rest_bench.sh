#!/usr/bin/env bash
# REST benchmark of the issue's targets, in one run on this machine, with wrk (Debian package):
# 32 connections, 2 wrk threads, against `socialrx serve --dev` (SQLite in a fresh data dir):
#   no-op   GET /healthz                   (the baseline: the same server doing no FHIR work)
#   read    GET /fhir/Patient/<id>
#   create  POST /fhir/Patient             (durable: a 201 only after the group commit)
# Prints requests/s, p99 latency and the ratio to the no-op rate, and the server's RSS idle and
# the most seen under load (sampled from /proc). Targets: read ≥ 40% of no-op and ≥ 15,000/s;
# create ≥ 4,000/s; p99 < 20 ms; RSS < 150 MB under load and < 40 MB idle.
# Builds nothing: run after `cmake --build build`. Exit 0 when every target is met, else 1.
#   DURATION [10s]  per load;  BUILD_DIR [build];  CONFIG [conf/gateway.jsonc] the server's --config
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${BUILD_DIR:-build}
duration=${DURATION:-10s}
binary=$build_dir/socialrx
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
[ -x "$binary" ] || { echo "$binary not found: build first"; exit 2; }

data=$(mktemp -d /tmp/socialrx-rest-bench.XXXXXX)
port=$((20000 + RANDOM % 20000))
config_args=()
[ -n "${CONFIG:-}" ] && config_args=(--config "$CONFIG")
"$binary" serve --dev "${config_args[@]}" --data "$data" --http 127.0.0.1:$port >"$data/server.log" 2>&1 &
pid=$!
cleanup() { kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
if ! curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
  echo "the server did not start:"; cat "$data/server.log"; exit 2
fi

base=http://127.0.0.1:$port
id=$(curl -sf -X POST -H 'Content-Type: application/fhir+json' \
  --data-binary @conf/examples/patient-utsunomiya-hanako.json "$base/fhir/Patient" |
  sed -E 's/.*"id":"([^"]+)".*/\1/' | head -c 64)
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$pid/status; }
sleep 1
idle_kb=$(rss_kb)

peak_kb=0
load() {  # name url [wrk args...]
  local name=$1 url=$2; shift 2
  ( while kill -0 $pid 2>/dev/null; do rss_kb; sleep 0.2; done ) >"$data/rss-$name" &
  local sampler=$!
  wrk -t2 -c32 -d"$duration" --latency "$@" "$url" >"$data/wrk-$name"
  kill $sampler 2>/dev/null || true
  local peak; peak=$(sort -n "$data/rss-$name" | tail -1)
  [ "${peak:-0}" -gt "$peak_kb" ] && peak_kb=$peak
  local rate; rate=$(awk '/Requests\/sec/ {print $2}' "$data/wrk-$name")
  local p99; p99=$(awk '$1 == "99%" {print $2}' "$data/wrk-$name")
  local errors; errors=$(awk '/Non-2xx|Socket errors/ {print}' "$data/wrk-$name")
  echo "$name $rate $p99 ${errors:-}" >>"$data/results"
}
load noop "$base/healthz"
load read "$base/fhir/Patient/$id"
load create "$base/fhir/Patient" -s tests/bench/rest_create.lua

to_ms() {  # wrk prints 1.23ms, 456.00us or 1.02s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v); print v+0 } else { sub(/s/,"",v); print v*1000 } }'
}
noop_rate=$(awk '$1=="noop" {print $2}' "$data/results")
check() { if awk "BEGIN {exit !($1)}"; then echo PASS; else echo FAIL; fi; }
echo
echo "socialrx REST benchmark — $(nproc) cores, wrk -t2 -c32 -d$duration, SQLite (--dev), $(git rev-parse --short HEAD 2>/dev/null || echo unknown), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %12s %10s %10s  %s\n' load req/s p99_ms "/no-op" notes
while read -r name rate p99 errors; do
  p99_ms=$(to_ms "$p99")
  ratio=$(awk -v r="$rate" -v n="$noop_rate" 'BEGIN {printf "%.2f", r/n}')
  printf '%-8s %12s %10s %10s  %s\n' "$name" "$rate" "$p99_ms" "$ratio" "$errors"
done <"$data/results"
read_rate=$(awk '$1=="read" {print $2}' "$data/results")
create_rate=$(awk '$1=="create" {print $2}' "$data/results")
read_p99=$(to_ms "$(awk '$1=="read" {print $3}' "$data/results")")
create_p99=$(to_ms "$(awk '$1=="create" {print $3}' "$data/results")")
echo
echo "RSS idle $((idle_kb / 1024)) MB, under load (max) $((peak_kb / 1024)) MB"
{
echo "read ≥ 40% of no-op:      $(check "$read_rate >= 0.4 * $noop_rate")"
echo "read ≥ 15,000 req/s:      $(check "$read_rate >= 15000")"
echo "create ≥ 4,000 req/s:     $(check "$create_rate >= 4000")"
echo "p99 < 20 ms (read):       $(check "$read_p99 < 20")"
echo "p99 < 20 ms (create):     $(check "$create_p99 < 20")"
echo "RSS < 150 MB under load:  $(check "$peak_kb < 150 * 1024")"
echo "RSS < 40 MB idle:         $(check "$idle_kb < 40 * 1024")"
} | tee "$data/verdicts"
! grep -q FAIL "$data/verdicts"
