#!/usr/bin/env bash
# Augur's designers on a conditional search space (an optimizer choice with per-optimizer learning rates) next to
# Optuna's RandomSampler and TPESampler searching the same space define-by-run, in the same run, on the same seeds
# and budget.
#
#   Benchmarks/conditional_benchmark.sh [SEEDS] [TRIALS] [PYTHON]      (defaults: 101-115, 60, Benchmarks/.venv)
#
# Without PYTHON, creates Benchmarks/.venv (git-ignored) with optuna from PyPI when it is missing. Builds the Swift
# side in release mode, writes both sides' per-run results to .tmp/ and prints the median and worst regret.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
seeds="${1:-101-115}"
trials="${2:-60}"
python="${3:-}"
if [[ -z "$python" ]]; then
    venv="Benchmarks/.venv"
    if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import optuna" 2>/dev/null; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet optuna
    fi
    python="$venv/bin/python"
fi
"$python" -c "import optuna; print(f'optuna {optuna.__version__}')"

swift build -c release --product ConditionalBenchmark
mkdir -p .tmp
.build/release/ConditionalBenchmark --seeds "$seeds" --trials "$trials" > .tmp/conditional-augur.tsv
"$python" Benchmarks/optuna_conditional_benchmark.py run --seeds "$seeds" --trials "$trials" > .tmp/conditional-optuna.tsv
"$python" Benchmarks/optuna_conditional_benchmark.py compare .tmp/conditional-augur.tsv .tmp/conditional-optuna.tsv
