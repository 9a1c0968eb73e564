#!/usr/bin/env bash
# Installs the Debian packages Augur needs, only those that are missing.
#   scripts/install-deps.sh          build and run dependencies
#   scripts/install-deps.sh --test   also what the test suite needs (a PostgreSQL server, Chromium for the dashboard's
#                                    browser tests, and the Python clients the tests drive, in .venv: grpcio,
#                                    grpcio-tools and OSS Vizier's client)
#   scripts/install-deps.sh --proto  also protoc, for scripts/generate-grpc.sh
set -euo pipefail

packages=(libopenblas-dev liblapack-dev libpq-dev libsqlite3-dev)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(postgresql python3 python3-venv chromium)
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

install_python_test_clients() {
    # The real Python clients the test suite drives (PythonClientTests), in a virtual environment of the repository.
    local root
    root="$(cd "$(dirname "$0")/.." && pwd)"
    if [[ -x "$root/.venv/bin/python3" ]] \
        && "$root/.venv/bin/python3" -c 'import grpc, grpc_tools, vizier.service.clients' 2>/dev/null; then
        return 0
    fi
    echo "Installing the Python test clients into .venv (grpcio, grpcio-tools, google-vizier)" >&2
    /usr/bin/python3 -m venv "$root/.venv"
    "$root/.venv/bin/python3" -m pip install --quiet --disable-pip-version-check \
        'grpcio==1.76.0' 'grpcio-tools==1.76.0' 'google-vizier==0.1.24'
}

if ((${#missing[@]} == 0)); then
    if [[ "${1:-}" == "--test" ]]; then install_python_test_clients; fi
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
if [[ "${1:-}" == "--test" ]]; then install_python_test_clients; fi
