#!/usr/bin/env bash
# The stock OSS Vizier client against Vizier's own server and `augur serve` (issue 13): makes the git-ignored venv
# Benchmarks/.venv-vizier with google-vizier[jax]==0.1.24 (versions held by Benchmarks/vizier_constraints.txt), then
# runs Benchmarks/vizier_client_benchmark.py with the arguments given, under `nice`.
#
#   Benchmarks/vizier_client_benchmark.sh --augur-binary .build/release/augur            # both, 10 seeds each
#   Benchmarks/vizier_client_benchmark.sh --augur-binary .build/release/augur --vizier-seeds 3
#   Benchmarks/vizier_client_benchmark.sh --only vizier --seeds 3 --json .tmp/vizier.json
#   Benchmarks/vizier_client_benchmark.sh --only augur --augur-binary .build/release/augur --compare .tmp/vizier.json
#   AUGUR_SERVE_ARGS='--vizier-listen 127.0.0.1:{vizier_port}' Benchmarks/vizier_client_benchmark.sh ...
#
# Vizier's GP bandit takes seconds per suggestion: 100 trials are 10-20 minutes per seed on a 2-core machine.
# PYTHON picks the interpreter that makes the venv (default python3, 3.10 or newer); VIZIER_VENV the venv's folder.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${VIZIER_VENV:-$here/.venv-vizier}"
constraints="$here/vizier_constraints.txt"
stamp="$venv/.installed"

if [[ ! -f "$stamp" || "$constraints" -nt "$stamp" ]]; then
    echo "vizier_client_benchmark.sh: installing google-vizier[jax]==0.1.24 into $venv" >&2
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'google-vizier[jax]==0.1.24' -c "$constraints"
    "$venv/bin/python" -c 'from vizier.service import clients, servers; import jax; print("jax", jax.__version__, jax.devices())' >&2
    touch "$stamp"
fi

exec nice "$venv/bin/python" "$here/vizier_client_benchmark.py" "$@"
