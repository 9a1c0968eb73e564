#!/usr/bin/env python3
"""Optuna's RandomSampler and TPESampler on the conditional problem of Benchmarks/ConditionalBenchmark (an optimizer
choice with per-optimizer learning rates), searched define-by-run: a trial suggests only the parameters of the
optimizer it chose, as Augur's conditional space does.

    optuna_conditional_benchmark.py run [--seeds 101-115] [--trials 60] [--algorithms random,tpe,multivariate-tpe]
        prints one tab-separated line per run, as ConditionalBenchmark does: algorithm, seed, final regret, mean CPU
        seconds per suggestion (study.ask() and the suggest calls; not tell, not the objective).
    optuna_conditional_benchmark.py compare AUGUR.tsv OPTUNA.tsv
        prints, per algorithm, the median and worst regret over the seeds, each side's, and the latency.

Benchmarks/conditional_benchmark.sh runs both. Optuna's multivariate TPE uses group=True, its mode for
define-by-run spaces.
"""
import argparse
import csv
import math
import statistics
import time
import warnings

MINIMUM = 0.20


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        if "-" in part:
            low, high = part.split("-")
            seeds.extend(range(int(low), int(high) + 1))
        else:
            seeds.append(int(part))
    return seeds


def sampler_for(optuna, name, seed):
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "multivariate-tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    raise SystemExit(f"unknown algorithm {name}")


def suggest(trial):
    """The parameters of one trial, define-by-run; returns the loss ConditionalBenchmark's formula gives them."""
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "momentum", "adam"])
    if optimizer == "sgd":
        lr = trial.suggest_float("lr_sgd", 1e-4, 1.0, log=True)
        branch = 0.30 + 0.08 * (math.log10(lr) + 1) ** 2
    elif optimizer == "momentum":
        lr = trial.suggest_float("lr_momentum", 1e-4, 1.0, log=True)
        beta = trial.suggest_float("beta", 0.5, 0.99)
        branch = 0.24 + 0.08 * (math.log10(lr) + 2) ** 2 + 4 * (beta - 0.9) ** 2
    else:
        lr = trial.suggest_float("lr_adam", 1e-5, 1e-1, log=True)
        branch = 0.20 + 0.15 * (math.log10(lr) + 3.3) ** 2
    decay = trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)
    return branch + 0.01 * (math.log10(decay) + 4) ** 2


def optimize(optuna, name, seed, trials):
    study = optuna.create_study(sampler=sampler_for(optuna, name, seed), direction="minimize")
    spent = 0.0
    for _ in range(trials):
        start = time.process_time()
        trial = study.ask()
        value = suggest(trial)
        spent += time.process_time() - start
        study.tell(trial, value)
    return study.best_value, spent / trials


def run(args):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    names = args.algorithms.split(",")
    for name in names:
        optimize(optuna, name, 0, 20)
    print("algorithm\tseed\tregret\tseconds_per_suggestion", flush=True)
    for name in names:
        for seed in parse_seeds(args.seeds):
            best, seconds = optimize(optuna, name, seed, args.trials)
            print(f"{name}\t{seed}\t{best - MINIMUM!r}\t{seconds!r}", flush=True)


def read(path):
    results = {}
    with open(path) as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            results.setdefault(row["algorithm"], []).append((float(row["regret"]), float(row["seconds_per_suggestion"])))
    return results


def compare(args):
    rows = [("augur", name, runs) for name, runs in read(args.augur).items()]
    rows += [("optuna", name, runs) for name, runs in read(args.optuna).items()]
    print("side    algorithm          seeds  median_regret  worst_regret  ms_per_suggestion")
    for side, name, runs in rows:
        regrets = [r for r, _ in runs]
        print(f"{side:<7} {name:<18} {len(runs):5d}  {statistics.median(regrets):13.4g}  {max(regrets):12.4g}  "
              f"{1000 * statistics.mean(s for _, s in runs):17.3f}")


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run")
    run_parser.add_argument("--seeds", default="101-115")
    run_parser.add_argument("--trials", type=int, default=60)
    run_parser.add_argument("--algorithms", default="random,tpe,multivariate-tpe")
    compare_parser = commands.add_parser("compare")
    compare_parser.add_argument("augur")
    compare_parser.add_argument("optuna")
    args = parser.parse_args()
    run(args) if args.command == "run" else compare(args)


if __name__ == "__main__":
    main()
