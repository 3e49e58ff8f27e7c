#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite; ends with ctest's summary.
#   scripts/test.sh             Release build in build/, then the suite
#   SOCIALRX_SANITIZE=1 ...     also an AddressSanitizer + UBSan build in build-asan/ with the
#                               whole suite there; then only the Release-only tests (CI does this)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh

jobs=$(nproc)
# Ninja for a fresh build directory (CI): it schedules across targets (the fhir tests compile while
# the gateway library does), Make does not; a directory configured earlier keeps its generator.
generator() { [ -f "$1/CMakeCache.txt" ] || echo "-GNinja"; }
cmake -S . -B build $(generator build) -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"

if [ "${SOCIALRX_SANITIZE:-0}" = "1" ]; then
  # -O1 without debug info: the instrumented build of Beast and Asio is slow and memory-hungry at
  # -O2 -g; ASan still names the functions in its reports.
  cmake -S . -B build-asan $(generator build-asan) -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DSOCIALRX_SANITIZE=ON -DSOCIALRX_BUILD_BENCH=OFF \
    -DSOCIALRX_TEST_POSTGRESQL_PORT=55442 >/dev/null
  cmake --build build-asan -j"$jobs"
  echo "== test suite under AddressSanitizer + UndefinedBehaviorSanitizer =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -j"$jobs" --output-on-failure
fi

if [ "${SOCIALRX_SANITIZE:-0}" = "1" ]; then
  # The whole suite just ran against the instrumented build of the same sources; running it again
  # in Release would double CI's test time (2 cores, 40-minute limit) for little. Release runs what
  # the sanitizer build does not have or does smaller: the benchmark smoke tests and the full-size
  # no-loss test (10,000 messages; 2,000 under ASan).
  echo "== Release: benchmark smoke tests and the full-size no-loss test =="
  ctest --test-dir build -j"$jobs" --output-on-failure -R 'bench_smoke|^NoLoss\.'
else
  echo "== test suite (Release) =="
  ctest --test-dir build -j"$jobs" --output-on-failure
fi
