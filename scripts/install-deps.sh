#!/usr/bin/env bash
# Installs the Debian packages Augur needs, only those that are missing.
#   scripts/install-deps.sh          build and run dependencies
#   scripts/install-deps.sh --test   also what the test suite needs (a PostgreSQL server)
#   scripts/install-deps.sh --proto  also protoc, for scripts/generate-grpc.sh
set -euo pipefail

packages=(libopenblas-dev liblapack-dev libpq-dev libsqlite3-dev)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(postgresql python3)
fi
if [[ "${1:-}" == "--proto" ]]; then
    packages+=(protobuf-compiler libprotobuf-dev)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "Installing missing packages: ${missing[*]}" >&2
sudo_cmd=()
if [[ "$(id -u)" != "0" ]]; then
    sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
