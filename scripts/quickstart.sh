#!/usr/bin/env bash
# Installs what is missing, builds build/socialrx and runs it on the shipped example resources.
# (`socialrx serve --dev` takes this place once the REST server lands: issue #3.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
exec build/socialrx validate conf/examples/*.json
