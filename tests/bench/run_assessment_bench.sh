#!/usr/bin/env bash
# Checks issue 4's assessment target and prints a summary table for the closing note:
#   validate + score + extract of a completed SDH screening response (BM_Pipeline: parse +
#   structural validation + validate_response + score_response + extract) reaches at least
#   20,000 responses/s per core, single thread, by median CPU time; printed beside it as a ratio
#   to socialrx's own parse of the same bytes in the same run (BM_Parse), which is the figure to
#   compare across machines and loads.
#
# Builds nothing. It expects a Release build with the benchmarks:
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSOCIALRX_BUILD_BENCH=ON
#   cmake --build build -j2 --target socialrx_assessment_bench
#   tests/bench/run_assessment_bench.sh
# Environment (defaults in brackets):
#   BUILD_DIR [build]     where tests/bench/socialrx_assessment_bench is
#   REPETITIONS [5]       --benchmark_repetitions
#   MIN_TIME [0.5]        --benchmark_min_time, seconds per repetition
#   RESPONSE              another QuestionnaireResponse of sdh-screening to run on (default: the
#                         shipped tests/fhir/questionnaire/shipped/valid/01-older-living-alone-lonely.json)
#   SOCIALRX_REVISION     what to call the sources when they are not a git checkout
# Takes about 30 seconds. Exit 0 when the target is met, 1 when it is missed, 2 when something
# needed is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

build_dir=${BUILD_DIR:-build}
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
repetitions=${REPETITIONS:-5}
min_time=${MIN_TIME:-0.5}
bench=$build_dir/tests/bench/socialrx_assessment_bench
target=20000

fail_setup() {
  echo "run_assessment_bench: $*" >&2
  exit 2
}
[ -x "$bench" ] || fail_setup "no $bench; build first (this script builds nothing):
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSOCIALRX_BUILD_BENCH=ON
  cmake --build build -j2 --target socialrx_assessment_bench"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
[ "$build_type" = Release ] ||
  echo "run_assessment_bench: warning: $build_dir is a '${build_type:-?}' build, not Release" >&2
command -v node >/dev/null || fail_setup "node (Node.js) is needed to read the benchmark's JSON"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

response_args=()
[ -z "${RESPONSE:-}" ] || response_args=(--response "$RESPONSE")
bench_args=(--benchmark_format=json --benchmark_repetitions="$repetitions"
  --benchmark_min_time="$min_time")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== $bench ${response_args[*]} ${bench_args[*]}" >&2
"$bench" "${response_args[@]}" "${bench_args[@]}" >"$work/bench.json" 2>"$work/bench.err" ||
  fail_setup "the benchmark failed: $(head -c 500 "$work/bench.err")"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Medians, one line per benchmark: name, CPU µs, real µs, bundle bytes, entries, error.
node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8");
  const run = JSON.parse(text.replace(/:\s*-?(nan|NaN|inf|Infinity)\b/g, ": null"));
  const chosen = new Map();
  for (const b of run.benchmarks) {
    if (b.run_type === "aggregate" ? b.aggregate_name === "median" : !chosen.has(b.run_name)) {
      chosen.set(b.run_name, b);
    }
  }
  for (const b of chosen.values()) {
    const unit = { ns: 1e-3, us: 1, ms: 1e3, s: 1e6 }[b.time_unit];
    console.log(b.run_name, (b.cpu_time * unit).toFixed(2), (b.real_time * unit).toFixed(2),
      Math.round(b.bundle_bytes ?? 0), Math.round(b.entries ?? 0), b.error_occurred ? "error" : "ok");
  }' "$work/bench.json" >"$work/medians.txt"
field() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$work/medians.txt"; }
cpu() { field "$1" 2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
per_second() { awk -v us="$1" 'BEGIN { printf "%.0f", 1e6 / us }'; }

for name in BM_Parse BM_ParseAndValidate BM_Pipeline; do
  [ -n "$(cpu "$name")" ] || fail_setup "no median for $name in $work/bench.json"
  [ "$(field "$name" 6)" = ok ] || fail_setup "$name reported an error: $(grep -o '"error_message": "[^"]*"' "$work/bench.json" | head -1)"
done
pipeline=$(cpu BM_Pipeline)
parse=$(cpu BM_Parse)
rate=$(per_second "$pipeline")
verdict=$(awk -v r="$rate" -v t="$target" 'BEGIN { print (r >= t) ? "PASS" : "FAIL" }')

if commit=$(git rev-parse --short HEAD 2>/dev/null); then
  git diff --quiet HEAD -- fhir 2>/dev/null || commit="$commit + uncommitted changes"
else
  commit=${SOCIALRX_REVISION:-"unknown revision"}
fi
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
response_name=$(sed -n 's/^response: //p' "$work/bench.err" | head -1)
row() {
  printf '| %-22s | %8s | %8s | %9s | %6s | %s |\n' "$1" "$(cpu "$1")" "$(field "$1" 3)" \
    "$(per_second "$(cpu "$1")")" "$(ratio "$(cpu "$1")" "$parse")" "$2"
}

cat <<EOF

## Assessment performance (tests/bench/run_assessment_bench.sh)

Machine: nproc $(nproc), ${cpu_model:-unknown CPU}; socialrx $commit; $(date -u '+%Y-%m-%d %H:%M UTC'); load average before/after: $load_before / $load_after.
Response: ${response_name:-?}; Bundle $(field BM_Pipeline 4) bytes, $(field BM_Pipeline 5) entries.

| target | figure | verdict |
|---|---|---|
| validate + score + extract >= ${target} responses/s per core (single thread, median CPU time) | **${rate}/s** (${pipeline} µs per response; $(ratio "$pipeline" "$parse")x the parse of the same response) | **$verdict** |

Google Benchmark, median of $repetitions repetitions; one iteration = one response; x parse = CPU time / BM_Parse's:

| benchmark              |   CPU µs |  real µs | per second | x parse | what |
|------------------------|----------|----------|------------|---------|------|
$(row BM_Parse "baseline: fhir::json::parse")
$(row BM_BareRapidJsonParse "rapidjson::Document::Parse, default flags (reference)")
$(row BM_ParseAndValidate "fhir::parse_and_validate")
$(row BM_Pipeline "parse_and_validate + validate_response + score_response + extract")
$(row BM_ValidateResponse "validate_response alone (parsed beforehand)")
$(row BM_Score "score_response alone")
$(row BM_Extract "extract alone (scored beforehand)")

Command: \`BUILD_DIR=${BUILD_DIR:-build} REPETITIONS=$repetitions MIN_TIME=$min_time tests/bench/run_assessment_bench.sh\`
EOF

[ "$verdict" = PASS ]
