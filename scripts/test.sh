#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite; ends with ctest's summary.
#   scripts/test.sh             Release build in build/, then the whole suite there
#   SOCIALRX_SANITIZE=1 ...     the whole suite under AddressSanitizer + UBSan (build-asan/), and in
#                               Release only what it lacks (CI does this; see below)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh

jobs=$(nproc)
# Ninja for a fresh build directory (CI): it schedules across targets (the fhir tests compile while
# the gateway library does), Make does not; a directory configured earlier keeps its generator.
generator() { [ -f "$1/CMakeCache.txt" ] || echo "-GNinja"; }
cmake -S . -B build $(generator build) -DCMAKE_BUILD_TYPE=Release >/dev/null

if [ "${SOCIALRX_SANITIZE:-0}" != "1" ]; then
  cmake --build build -j"$jobs"
  echo "== test suite (Release) =="
  ctest --test-dir build -j"$jobs" --output-on-failure
  exit 0
fi

# CI: 2 cores, 40 minutes. The suite runs once, against the instrumented build of the same
# sources; the Release build is still made — the program, the plugins and the benchmarks, whose
# -O2 warnings differ from -O1's — and runs the benchmark smoke tests, but its test executables
# are not compiled and the suite does not run twice (that no longer fits the limit).
release_targets=(socialrx socialrx_validation_bench socialrx_assessment_bench socialrx_mllp_ingest_load)
for plugin in plugins/*/CMakeLists.txt; do release_targets+=("socialrx_plugin_$(basename "$(dirname "$plugin")")"); done
cmake --build build -j"$jobs" --target "${release_targets[@]}"

# -O1 without debug info: the instrumented build of Beast and Asio is slow and memory-hungry at
# -O2 -g; ASan still names the functions in its reports.
cmake -S . -B build-asan $(generator build-asan) -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DSOCIALRX_SANITIZE=ON -DSOCIALRX_BUILD_BENCH=OFF \
  -DSOCIALRX_TEST_POSTGRESQL_PORT=55442 >/dev/null
cmake --build build-asan -j"$jobs"
echo "== test suite under AddressSanitizer + UndefinedBehaviorSanitizer =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j"$jobs" --output-on-failure

echo "== Release: benchmark smoke tests =="
ctest --test-dir build -j"$jobs" --output-on-failure -L bench
