#!/usr/bin/env bash
# Installs what socialrx needs to build and test on Debian 12, as root, only what is missing:
# the Debian packages DESIGN.md names, and the npm packages pinned by package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake make ninja-build g++ pkg-config
  libboost1.81-dev libboost-program-options1.81-dev
  rapidjson-dev libpoco-dev libicu-dev libssl-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev libpq-dev
  openssl postgresql-15 postgresql-client-15 wrk curl
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# HL7's official R4 package (examples, StructureDefinitions) and the independent JSON-schema
# validator, exactly as package-lock.json pins them.
# A stamp with the lock file's hash avoids reinstalling 190 MB when nothing changed.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.socialrx-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.socialrx-lock-hash
fi
