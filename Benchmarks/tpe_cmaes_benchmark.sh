#!/usr/bin/env bash
# Augur's tpe, multivariate-tpe and cmaes next to Optuna's TPESampler and CmaEsSampler, in the same run, on the 8
# classic functions or the 10 of the wider issue #16 suite (Benchmarks/BenchmarkFunctions), the same seeds and the
# same budget.
#
#   Benchmarks/tpe_cmaes_benchmark.sh [SEEDS] [TRIALS] [SUITE]   (defaults: 1-30, 100 and classic; SUITE is
#                                                                 classic, wider or all)
#
# Creates Benchmarks/.venv (git-ignored) with optuna and cmaes from PyPI when it is missing, builds the Swift side in
# release mode, writes both sides' per-run results to .tmp/ and prints the comparison (median and worst regret, and
# the ratio of mean CPU seconds per suggestion).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
seeds="${1:-1-30}"
trials="${2:-100}"
suite="${3:-classic}"
venv="Benchmarks/.venv"

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import optuna, cmaes" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet optuna cmaes
fi
"$venv/bin/python" -c "import optuna, cmaes; print(f'optuna {optuna.__version__}, cmaes {cmaes.__version__}')"

swift build -c release --product TreeParzenCMABenchmark
mkdir -p .tmp
.build/release/TreeParzenCMABenchmark --seeds "$seeds" --trials "$trials" --suite "$suite" > ".tmp/tpe-cmaes-augur-$suite.tsv"
"$venv/bin/python" Benchmarks/optuna_tpe_cmaes_benchmark.py run --seeds "$seeds" --trials "$trials" --suite "$suite" \
    > ".tmp/tpe-cmaes-optuna-$suite.tsv"
"$venv/bin/python" Benchmarks/optuna_tpe_cmaes_benchmark.py compare ".tmp/tpe-cmaes-augur-$suite.tsv" ".tmp/tpe-cmaes-optuna-$suite.tsv"
