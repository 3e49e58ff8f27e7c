#!/usr/bin/env bash
# Installs what is missing, builds build/socialrx, checks the shipped example resources, and runs
# the gateway in embedded mode (SQLite in ./var, authentication OFF, 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
build/socialrx validate conf/examples/*.json
exec build/socialrx serve --dev --data var --http 127.0.0.1:8080
