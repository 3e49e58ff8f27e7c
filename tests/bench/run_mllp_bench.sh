#!/usr/bin/env bash
# MLLP ingest benchmark of issue 6, both servers in one run on this machine:
#   node      tests/bench/mllp_node_baseline.mjs: @medplum/hl7's Hl7Server, parse + ACK only
#   socialrx  `socialrx serve --dev` with its MLLP channel (SQLite in a fresh data dir): every
#             message stored raw, decoded from ISO-2022-JP, mapped to JP Core Patient/Encounter and
#             committed durably before its AA (the PV1 has no visit number: no Encounter)
# Load: socialrx_mllp_ingest_load, 8 senders (one connection each, one message in flight each, as
# HL7's original mode has it), SS-MIX2 ADT^A08 in ISO-2022-JP, every message a new patient.
# Targets: socialrx ≥ 5,000 msgs/s, p99 ACK latency < 25 ms, ≥ 2× the Node.js server.
# Builds nothing: run after `cmake --build build`. Exit 0 when every target is met, else 1.
#   SECONDS_PER_RUN [10]  measured time per server (after 2 s of warm-up);  SENDERS [8];
#   BUILD_DIR [build];    CHARSET [iso2022jp] (or cp932, utf8)
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${BUILD_DIR:-build}
seconds=${SECONDS_PER_RUN:-10}
senders=${SENDERS:-8}
charset=${CHARSET:-iso2022jp}
binary=$build_dir/socialrx
load=$build_dir/tests/bench/socialrx_mllp_ingest_load
for file in "$binary" "$load"; do
  [ -x "$file" ] || { echo "$file not found: build first (cmake --build $build_dir)"; exit 2; }
done
[ -d node_modules/@medplum/hl7 ] || { echo "node_modules/@medplum/hl7 missing: npm ci"; exit 2; }

work=$(mktemp -d /tmp/socialrx-mllp-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
run_load() {  # name port
  "$load" --port "$2" --senders "$senders" --seconds "$seconds" --warmup 2 --charset "$charset" \
    --first-sender 1 | tee "$work/$1.result" || true
}
value() { sed -n "s/.*\b$2=\([0-9.]*\).*/\1/p" "$work/$1.result"; }

# 1. Node.js baseline.
node_port=$(free_port)
node tests/bench/mllp_node_baseline.mjs "$node_port" >"$work/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/node.log" && break; sleep 0.05; done
grep -q listening "$work/node.log" || { echo "the Node.js baseline did not start:"; cat "$work/node.log"; exit 2; }
echo "node:"
run_load node "$node_port"
kill -TERM "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true

# 2. socialrx.
http_port=$(free_port)
mllp_port=$(free_port)
"$binary" serve --dev --data "$work/data" --http "127.0.0.1:$http_port" --mllp "127.0.0.1:$mllp_port" \
  >"$work/socialrx.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$http_port/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$http_port/healthz" >/dev/null || { echo "socialrx did not start:"; cat "$work/socialrx.log"; exit 2; }
echo "socialrx:"
run_load socialrx "$mllp_port"
stored=$(curl -sf "http://127.0.0.1:$http_port/fhir/Patient?_summary=count" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')

node_rate=$(value node per_second); rx_rate=$(value socialrx per_second)
rx_p99=$(value socialrx p99_ms)
check() { if awk "BEGIN {exit !($1)}"; then echo PASS; else echo FAIL; fi; }
echo
echo "MLLP ingest — $(nproc) cores, $senders senders, SS-MIX2 ADT^A08 in $charset, ${seconds}s measured," \
  "$(git rev-parse --short HEAD 2>/dev/null || echo unknown), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %10s %9s %9s  %s\n' server msgs/s p50_ms p99_ms "x node"
for name in node socialrx; do
  printf '%-9s %10s %9s %9s  %s\n' "$name" "$(value $name per_second)" "$(value $name p50_ms)" \
    "$(value $name p99_ms)" "$(awk -v a="$(value $name per_second)" -v b="$node_rate" 'BEGIN {printf "%.2f", a/b}')"
done
echo "socialrx: $(value socialrx aa) AA, $(value socialrx ae) AE, $(value socialrx ar) AR, $(value socialrx failed) without reply; Patients stored: ${stored:-?}"
{
echo "≥ 5,000 msgs/s:     $(check "$rx_rate >= 5000")"
echo "p99 < 25 ms:        $(check "$rx_p99 < 25")"
echo "≥ 2× Node.js:       $(check "$rx_rate >= 2 * $node_rate")"
} | tee "$work/verdicts"
! grep -q FAIL "$work/verdicts"
