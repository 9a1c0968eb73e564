#!/usr/bin/env python3
"""optuna-dashboard on an Optuna RDB study of the size DashboardBenchmark uses, for comparison.

Install into a local virtual environment (not part of the build):
    python3 -m venv .venv && .venv/bin/pip install optuna optuna-dashboard websocket-client
Run:
    .venv/bin/python Benchmarks/optuna_dashboard_benchmark.py [--trials 100000] [--curves 1000] [--repeats 5]

Fills an Optuna SQLite study (RDBStorage) with N completed trials over the same 10 parameters as DashboardBenchmark (a
log-uniform learning rate, an integer, a categorical, seven uniform doubles; the same loss shape), the first `--curves`
of them with 20 intermediate values each, starts `optuna-dashboard` on it, and times its JSON API over loopback HTTP
the way DashboardBenchmark times Augur's: the first request, then the median and slowest of `--repeats` more. With
Chromium present it then loads the study page through Benchmarks/dashboard_render.py --ready optuna.

optuna-dashboard answers a study with every trial in one reply (`/api/studies/{id}`, which its page polls) and keeps
the trials in an in-process cache after the first read.
"""
import argparse
import math
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState, create_trial


def distributions():
    result = {
        "learning_rate": FloatDistribution(1e-5, 1.0, log=True),
        "layers": IntDistribution(1, 12),
        "optimizer": CategoricalDistribution(["sgd", "adam", "rmsprop"]),
    }
    for index in range(3, 10):
        result[f"p{index}"] = FloatDistribution(0.0, 1.0)
    return result


def fill(path, trials, curves, seed=2026):
    """Creates the study through Optuna (its schema, its first trial), then writes the other trials straight into
    Optuna's tables in one transaction, encoded as Optuna encodes them (`to_internal_repr`, the distribution JSON of
    the first trial's rows): Optuna's own `add_trials` commits one transaction per trial, about 0.1 s each here,
    which would take hours at 100,000 trials."""
    url = f"sqlite:///{path}"
    study = optuna.create_study(study_name="bench-dashboard", storage=url, direction="minimize")
    space = distributions()
    generator = random.Random(seed)
    start = time.perf_counter()

    def draw(number):
        params = {}
        for name, distribution in space.items():
            if isinstance(distribution, CategoricalDistribution):
                params[name] = generator.choice(distribution.choices)
            elif isinstance(distribution, IntDistribution):
                params[name] = generator.randint(distribution.low, distribution.high)
            elif distribution.log:
                params[name] = math.exp(generator.uniform(math.log(distribution.low), math.log(distribution.high)))
            else:
                params[name] = generator.uniform(distribution.low, distribution.high)
        loss = abs(math.log10(params["learning_rate"]) + 2.5) + params["p3"] * 0.5 + generator.random() * 0.1
        return params, loss

    params, loss = draw(0)
    study.add_trials([create_trial(params=params, distributions=space, value=loss, state=TrialState.COMPLETE,
                                   intermediate_values={step: loss + 1 / step for step in range(1, 21)} if curves > 0 else {})])
    database = sqlite3.connect(path)
    first = database.execute("SELECT trial_id, study_id, datetime_start, datetime_complete FROM trials").fetchone()
    study_id, started, completed = first[1], first[2], first[3]
    encodings = dict(database.execute("SELECT param_name, distribution_json FROM trial_params WHERE trial_id = ?", (first[0],)))
    trial_rows, param_rows, value_rows, intermediate_rows = [], [], [], []
    for number in range(1, trials):
        trial_id = first[0] + number
        params, loss = draw(number)
        trial_rows.append((trial_id, number, study_id, "COMPLETE", started, completed))
        for name, value in params.items():
            param_rows.append((trial_id, name, space[name].to_internal_repr(value), encodings[name]))
        value_rows.append((trial_id, 0, loss, "FINITE"))
        if number < curves:
            intermediate_rows.extend((trial_id, step, loss + 1 / step, "FINITE") for step in range(1, 21))
    with database:
        database.executemany("INSERT INTO trials (trial_id, number, study_id, state, datetime_start, datetime_complete) "
                             "VALUES (?, ?, ?, ?, ?, ?)", trial_rows)
        database.executemany("INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) "
                             "VALUES (?, ?, ?, ?)", param_rows)
        database.executemany("INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?)",
                             value_rows)
        database.executemany("INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, "
                             "intermediate_value_type) VALUES (?, ?, ?, ?)", intermediate_rows)
    database.close()
    check = optuna.load_study(study_name="bench-dashboard", storage=url)
    assert len(check.trials) == trials and check.best_trial is not None
    print(f"filled {trials} Optuna trials ({curves} with 20 intermediate values) in {time.perf_counter() - start:.1f} s")
    return study._study_id


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=600) as reply:
        return len(reply.read())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--curves", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database", help="an Optuna RDB URL already filled by an earlier run (skips the fill)")
    parser.add_argument("--study-id", type=int, default=1)
    options = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    directory = tempfile.mkdtemp(prefix="optuna-dashboard-bench-")
    path = os.path.join(directory, "optuna.sqlite3")
    url = options.database or f"sqlite:///{path}"
    study_id = options.study_id if options.database else fill(path, options.trials, options.curves)
    port = free_port()
    dashboard = shutil.which("optuna-dashboard", path=os.path.dirname(sys.executable)) or "optuna-dashboard"
    server = subprocess.Popen([dashboard, url, "--host", "127.0.0.1", "--port", str(port), "--server", "wsgiref"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                fetch(base + "/api/meta")
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("optuna-dashboard did not start")
                time.sleep(0.1)
        if shutil.which("chromium"):
            render = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboard_render.py")
            subprocess.run([sys.executable, render, "--ready", "optuna", "--runs", "6",
                            f"{base}/dashboard/studies/{study_id}"], check=False)
            print()
        print("| Endpoint (GET) | First (ms) | Median (ms) | Slowest (ms) | Reply (bytes) |")
        print("|---|---|---|---|---|")
        for path in ["/api/studies", f"/api/studies/{study_id}", f"/api/studies/{study_id}?after={max(options.trials - 50, 0)}",
                     f"/api/studies/{study_id}/param_importances", "/dashboard"]:
            start = time.perf_counter()
            size = fetch(base + path)
            first = (time.perf_counter() - start) * 1000
            samples = []
            for _ in range(options.repeats):
                start = time.perf_counter()
                fetch(base + path)
                samples.append((time.perf_counter() - start) * 1000)
            samples.sort()
            print(f"| `{path}` | {first:.1f} | {statistics.median(samples):.1f} | {samples[-1]:.1f} | {size} |")
            sys.stdout.flush()
    finally:
        server.terminate()
        server.wait()
        if not options.database:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
