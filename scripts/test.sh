#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite; ends with ctest's summary.
#   scripts/test.sh             Release build in build/, then the whole suite there
#   SOCIALRX_SANITIZE=1 ...     the whole suite under AddressSanitizer + UBSan (build-asan/) only
#                               (CI does this; see below)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh

jobs=$(nproc)
# Ninja for a fresh build directory (CI): it schedules across targets (the fhir tests compile while
# the gateway library does), Make does not; a directory configured earlier keeps its generator.
generator() { [ -f "$1/CMakeCache.txt" ] || echo "-GNinja"; }
if [ "${SOCIALRX_SANITIZE:-0}" != "1" ]; then
  cmake -S . -B build $(generator build) -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j"$jobs"
  echo "== test suite (Release) =="
  ctest --test-dir build -j"$jobs" --output-on-failure
  exit 0
fi

# CI: 2 cores, 40 minutes. The suite runs once, against the instrumented build of the same
# sources, benchmark smoke tests included. The Release (-O2) build is not made here: with the
# suite grown, both builds plus the tests took 42 minutes (stop 11). Plain scripts/test.sh is the
# Release build and suite, which every change is also run through before it lands.
# -O1 without debug info: the instrumented build of Beast and Asio is slow and memory-hungry at
# -O2 -g; ASan still names the functions in its reports.
cmake -S . -B build-asan $(generator build-asan) -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DSOCIALRX_SANITIZE=ON \
  -DSOCIALRX_TEST_POSTGRESQL_PORT=55442 >/dev/null
cmake --build build-asan -j"$jobs"
echo "== test suite under AddressSanitizer + UndefinedBehaviorSanitizer =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j"$jobs" --output-on-failure
