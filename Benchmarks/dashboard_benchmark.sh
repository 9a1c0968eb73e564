#!/usr/bin/env bash
# Augur's dashboard and optuna-dashboard at the same study size, one after the other in one run:
#   Benchmarks/dashboard_benchmark.sh [PYTHON]
# PYTHON is a Python with optuna, optuna-dashboard and websocket-client (default .venv-bench/bin/python:
#   python3 -m venv .venv-bench && .venv-bench/bin/pip install optuna optuna-dashboard websocket-client).
# Environment: TRIALS (100000), CURVES (1000), OPTUNA_DATABASE (an Optuna RDB URL filled by an earlier run, to skip
# the fill; its study id 1). Prints the load average before each half: compare the two only at similar load.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${1:-.venv-bench/bin/python}"
trials="${TRIALS:-100000}"
curves="${CURVES:-1000}"
swift build -c release --product DashboardBenchmark >/dev/null
echo "## Augur (SQLite), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
.build/release/DashboardBenchmark --trials "$trials" --curves "$curves" --repeats 10 --render "$python"
echo
echo "## optuna-dashboard (Optuna RDB on SQLite), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n "${OPTUNA_DATABASE:-}" ]]; then
    "$python" Benchmarks/optuna_dashboard_benchmark.py --database "$OPTUNA_DATABASE" --study-id 1 --trials "$trials" --repeats 3
else
    "$python" Benchmarks/optuna_dashboard_benchmark.py --trials "$trials" --curves "$curves" --repeats 3
fi
