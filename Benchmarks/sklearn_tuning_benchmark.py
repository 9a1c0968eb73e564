#!/usr/bin/env python3
"""Three scikit-learn tuning tasks in mixed spaces (issue #16): Augur's GP bandit against Optuna's GPSampler, TPE and
CMA-ES, in the same run.

Each task is a 5-fold cross-validated classification error (stratified folds, shuffled with a fixed seed; every model
has a fixed random_state, so the objective is deterministic) over a space with log-scale doubles, integers and
categoricals:

  svm  SVC on breast_cancer (569 samples, 30 features, standardized): C log [1e-3, 1e3], gamma log [1e-5, 1],
       kernel {rbf, poly, sigmoid}, degree integer 2-5, class_weight {none, balanced}
  mlp  MLPClassifier on wine (178 samples, 13 features, standardized; adam, 30 epochs): hidden units integer 4-64
       (log), layers integer 1-3, alpha log [1e-6, 1e-1], learning_rate_init log [1e-4, 1e-1],
       activation {relu, tanh, logistic}
  rf   RandomForestClassifier on breast_cancer: n_estimators integer 5-25 (log), max_depth integer 1-16,
       min_samples_split integer 2-20, max_features [0.05, 1], criterion {gini, entropy}, bootstrap {true, false}

Small datasets and small models keep one evaluation at 0.02-0.3 s on this 2-core machine. The spaces are flat (the
parameters a kernel does not use are ignored), the same for every sampler.

Augur's side runs `GaussianProcessBenchmark --ask-tell` (the GP designer in a child process, as `augur serve` runs it):
this script sends the space, reads each suggestion as a line of JSON, evaluates it here and writes the value back.
Augur never calls Python; the driver evaluates the objective for every sampler alike.

Run (after `swift build -c release --product GaussianProcessBenchmark`) with the interpreter that has optuna,
scikit-learn, torch, scipy and cmaes:
    nice -n 10 /work/bench-venv/bin/python Benchmarks/sklearn_tuning_benchmark.py \\
        --binary .build/release/GaussianProcessBenchmark [--seed-range 0-9] [--trials 100] [--tasks svm,mlp,rf] \\
        [--samplers augur,gp,tpe,cmaes] [--variant standard] [--jobs 2] [--per-seed] [--trace] [--resume LOG]
Prints per task and sampler the median and worst best CV error over the seeds, the median and worst regret (the best
error minus the lowest error any run of the task reached in this sitting), and the median optimizer seconds per
suggestion (objective time excluded).
"""
import argparse
import json
import math
import multiprocessing
import os
import statistics
import subprocess
import time
import warnings

TASKS = {
    "svm": [
        {"name": "C", "type": "double", "min": 1e-3, "max": 1e3, "log": True},
        {"name": "gamma", "type": "double", "min": 1e-5, "max": 1.0, "log": True},
        {"name": "kernel", "type": "categorical", "values": ["rbf", "poly", "sigmoid"]},
        {"name": "degree", "type": "integer", "min": 2, "max": 5},
        {"name": "class_weight", "type": "categorical", "values": ["none", "balanced"]},
    ],
    "mlp": [
        {"name": "units", "type": "integer", "min": 4, "max": 64, "log": True},
        {"name": "layers", "type": "integer", "min": 1, "max": 3},
        {"name": "alpha", "type": "double", "min": 1e-6, "max": 1e-1, "log": True},
        {"name": "learning_rate", "type": "double", "min": 1e-4, "max": 1e-1, "log": True},
        {"name": "activation", "type": "categorical", "values": ["relu", "tanh", "logistic"]},
    ],
    "rf": [
        {"name": "n_estimators", "type": "integer", "min": 5, "max": 25, "log": True},
        {"name": "max_depth", "type": "integer", "min": 1, "max": 16},
        {"name": "min_samples_split", "type": "integer", "min": 2, "max": 20},
        {"name": "max_features", "type": "double", "min": 0.05, "max": 1.0},
        {"name": "criterion", "type": "categorical", "values": ["gini", "entropy"]},
        {"name": "bootstrap", "type": "categorical", "values": ["true", "false"]},
    ],
}

_DATA = {}
_CACHE = {}


def dataset(name):
    if name not in _DATA:
        from sklearn.datasets import load_breast_cancer, load_wine
        _DATA[name] = (load_breast_cancer if name == "breast_cancer" else load_wine)(return_X_y=True)
    return _DATA[name]


def objective(task, params):
    """5-fold CV error of the task's model at `params` (memoized: the objective is deterministic)."""
    key = (task, tuple(sorted(params.items())))
    if key in _CACHE:
        return _CACHE[key]
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    warnings.filterwarnings("ignore")
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    if task == "svm":
        X, y = dataset("breast_cancer")
        model = make_pipeline(StandardScaler(), SVC(C=params["C"], gamma=params["gamma"], kernel=params["kernel"],
                                                    degree=int(params["degree"]), max_iter=200000,
                                                    class_weight=None if params["class_weight"] == "none" else "balanced"))
    elif task == "mlp":
        X, y = dataset("wine")
        model = make_pipeline(StandardScaler(), MLPClassifier(
            hidden_layer_sizes=(int(params["units"]),) * int(params["layers"]), alpha=params["alpha"],
            learning_rate_init=params["learning_rate"], activation=params["activation"], max_iter=30, random_state=0))
    else:
        X, y = dataset("breast_cancer")
        model = RandomForestClassifier(n_estimators=int(params["n_estimators"]), max_depth=int(params["max_depth"]),
                                       min_samples_split=int(params["min_samples_split"]),
                                       max_features=params["max_features"], criterion=params["criterion"],
                                       bootstrap=params["bootstrap"] == "true", random_state=0, n_jobs=1)
    error = float(1.0 - cross_val_score(model, X, y, cv=folds).mean())
    _CACHE[key] = error
    return error


def run_augur(binary, task, seed, trials, variant, trace=False):
    process = subprocess.Popen([binary, "--ask-tell"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                               env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    process.stdin.write(json.dumps({"seed": seed, "variant": variant, "parameters": TASKS[task]}) + "\n")
    best, spent, seen, duplicates = math.inf, 0.0, set(), 0
    for _ in range(trials):
        line = process.stdout.readline()
        while line and not line.startswith("{"):  # the benchmark's banner (BLAS kernels) comes first
            line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"GaussianProcessBenchmark --ask-tell ended early (status {process.wait()})")
        params = json.loads(line)
        spent += params.pop("_seconds")
        key = tuple(sorted(params.items()))
        duplicates += key in seen
        seen.add(key)
        value = objective(task, params)
        best = min(best, value)
        if trace:
            print(f"trace {variant} {task} {seed} {len(seen) - 1 + duplicates} {value:.5f} {best:.5f} "
                  f"{json.dumps(params, sort_keys=True)}", flush=True)
        process.stdin.write(f"{value!r}\n")
    process.stdin.close()
    process.wait(timeout=60)
    return best, spent / trials, duplicates


def run_optuna(sampler_name, task, seed, trials):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if sampler_name == "gp":
        sampler = optuna.samplers.GPSampler(seed=seed)
    elif sampler_name == "cmaes":
        sampler = optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    elif sampler_name == "random":
        sampler = optuna.samplers.RandomSampler(seed=seed)
    else:
        sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(sampler=sampler, direction="minimize")
    spent, seen, duplicates = 0.0, set(), 0
    for _ in range(trials):
        start = time.perf_counter()
        trial = study.ask()
        params = {}
        for parameter in TASKS[task]:
            name = parameter["name"]
            if parameter["type"] == "integer":
                params[name] = trial.suggest_int(name, parameter["min"], parameter["max"], log=parameter.get("log", False))
            elif parameter["type"] == "categorical":
                params[name] = trial.suggest_categorical(name, parameter["values"])
            else:
                params[name] = trial.suggest_float(name, parameter["min"], parameter["max"], log=parameter.get("log", False))
        spent += time.perf_counter() - start
        key = tuple(sorted(params.items()))
        duplicates += key in seen
        seen.add(key)
        study.tell(trial, objective(task, params))
    return study.best_value, spent / trials, duplicates


def job(arguments):
    sampler, task, seed, trials, binary, variant, trace = arguments
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    if sampler == "augur":
        best, seconds, duplicates = run_augur(binary, task, seed, trials, variant, trace)
    else:
        best, seconds, duplicates = run_optuna(sampler, task, seed, trials)
    return sampler, task, seed, best, seconds, duplicates, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/GaussianProcessBenchmark")
    parser.add_argument("--seed-range", default="0-9")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--tasks", default="svm,mlp,rf")
    parser.add_argument("--samplers", default="augur,gp,tpe,cmaes")
    parser.add_argument("--variant", default="standard", help="GaussianProcessBenchmark search variant for Augur")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--trace", action="store_true",
                        help="print every Augur trial as 'trace VARIANT TASK SEED TRIAL ERROR BEST PARAMETERS-JSON'")
    parser.add_argument("--per-seed", action="store_true")
    parser.add_argument("--resume", action="append", default=[],
                        help="a log of an earlier --per-seed run whose finished runs are reused (every run is a pure "
                             "function of its seed)")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"
    first, last = (int(part) for part in args.seed_range.split("-"))
    seeds = list(range(first, last + 1))
    tasks = args.tasks.split(",")
    samplers = args.samplers.split(",")
    jobs = [(sampler, task, seed, args.trials, os.path.abspath(args.binary), args.variant, args.trace)
            for task in tasks for seed in seeds for sampler in samplers]
    results = {}
    for log in args.resume:
        with open(log) as lines:
            for line in lines:
                fields = line.split()
                if len(fields) == 8 and fields[0] == "run":
                    results[(fields[1], fields[2], int(fields[3]))] = (float(fields[4]), float(fields[5]), int(fields[6]))
                    if args.per_seed:
                        print(line.rstrip(), flush=True)
    jobs = [entry for entry in jobs if (entry[0], entry[1], entry[2]) not in results]
    started = time.perf_counter()
    with multiprocessing.Pool(args.jobs) as pool:
        for sampler, task, seed, best, seconds, duplicates, wall in pool.imap_unordered(job, jobs):
            results[(sampler, task, seed)] = (best, seconds, duplicates)
            if args.per_seed:
                print(f"run {sampler} {task} {seed} {best:.6f} {seconds:.4f} {duplicates} {wall:.1f}", flush=True)
    import optuna
    import sklearn
    print(f"## scikit-learn tuning: best 5-fold CV error over seeds {seeds[0]}-{seeds[-1]} at {args.trials} trials "
          f"(optuna {optuna.__version__}, scikit-learn {sklearn.__version__}, {time.perf_counter() - started:.0f} s)")
    tasks = [task for task in tasks if all((sampler, task, seed) in results for sampler in samplers for seed in seeds)]
    print("task  sampler  median_error  worst_error  median_regret  worst_regret  duplicates  median_s_per_suggestion")
    for task in tasks:
        floor = min(results[(sampler, task, seed)][0] for sampler in samplers for seed in seeds)
        for sampler in samplers:
            bests = [results[(sampler, task, seed)][0] for seed in seeds]
            seconds = statistics.median(results[(sampler, task, seed)][1] for seed in seeds)
            duplicates = sum(results[(sampler, task, seed)][2] for seed in seeds)
            print(f"{task:<4}  {sampler:<7}  {statistics.median(bests):12.5f}  {max(bests):11.5f}  "
                  f"{statistics.median(bests) - floor:13.5f}  {max(bests) - floor:12.5f}  {duplicates:10d}  {seconds:10.4f}",
                  flush=True)


if __name__ == "__main__":
    main()
