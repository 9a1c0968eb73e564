#!/usr/bin/env python3
"""Optuna's TPESampler (univariate and multivariate) and CmaEsSampler on the functions of optuna_gp_benchmark.py.

    optuna_tpe_cmaes_benchmark.py run [--seeds 1-10] [--trials 100] [--algorithms tpe,multivariate-tpe,cmaes]
                                      [--suite classic|wider|all] [--functions Branin,Hartmann-6]
        prints one tab-separated line per run, as TreeParzenCMABenchmark does: algorithm, function, seed, final
        regret, mean CPU seconds per suggestion (study.ask() and the suggest_float calls; not tell, not the
        objective), measured with time.process_time as the Swift side measures its own.
    optuna_tpe_cmaes_benchmark.py compare AUGUR.tsv OPTUNA.tsv
        prints, per algorithm and function, the median and worst regret of both and the latency ratio.

Benchmarks/tpe_cmaes_benchmark.sh creates the virtual environment (Benchmarks/.venv) and runs both.
"""
import argparse
import csv
import statistics
import sys
import time
import warnings


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
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=False)
    if name == "multivariate-tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "cmaes":
        # The mixed problem's categorical is sampled independently (at random), as CmaEsSampler always does; the
        # warning about it would only repeat that on every trial.
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    raise SystemExit(f"unknown algorithm {name}")


def optimize(optuna, name, function, bounds, seed, trials):
    """A study of `trials` trials, one at a time: the best value and the mean CPU seconds per suggestion."""
    study = optuna.create_study(sampler=sampler_for(optuna, name, seed), direction="minimize")
    spent = 0.0
    for _ in range(trials):
        start = time.process_time()
        trial = study.ask()
        x = []
        for k, bound in enumerate(bounds):
            if bound[0] == "int":
                x.append(float(trial.suggest_int(f"x{k}", bound[1], bound[2])))
            elif bound[0] == "cat":
                x.append(float(trial.suggest_categorical(f"x{k}", list(range(bound[1])))))
            else:
                x.append(trial.suggest_float(f"x{k}", bound[0], bound[1]))
        spent += time.process_time() - start
        study.tell(trial, function(x))
    return study.best_value, spent / trials


def run(args):
    import optuna
    from optuna_gp_benchmark import CLASSIC, FUNCTIONS

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    names = args.algorithms.split(",")
    # Warm up (imports, first calls) on a seed that is not reported, as the Swift side does.
    for name in names:
        optimize(optuna, name, FUNCTIONS[0][1], FUNCTIONS[0][2], 0, 30)
    print("algorithm\tfunction\tseed\tregret\tseconds_per_suggestion", flush=True)
    for name in names:
        suite = {"classic": FUNCTIONS[:CLASSIC], "wider": FUNCTIONS[CLASSIC:], "all": FUNCTIONS}[args.suite]
        for function_name, function, bounds, minimum in suite:
            if args.functions and function_name not in args.functions.split(","):
                continue
            for seed in parse_seeds(args.seeds):
                best, seconds = optimize(optuna, name, function, bounds, seed, args.trials)
                print(f"{name}\t{function_name}\t{seed}\t{best - minimum!r}\t{seconds!r}", flush=True)


def read(path):
    results = {}
    with open(path) as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            key = (row["algorithm"], row["function"])
            results.setdefault(key, []).append((float(row["regret"]), float(row["seconds_per_suggestion"])))
    return results


def compare(args):
    augur, optuna = read(args.augur), read(args.optuna)
    print("algorithm         function           seeds  augur_median  optuna_median  median_ratio  augur_worst  "
          "optuna_worst  augur_ms  optuna_ms  latency_ratio")
    for key in augur:
        if key not in optuna:
            continue
        ours, theirs = augur[key], optuna[key]
        ours_median = statistics.median(r for r, _ in ours)
        theirs_median = statistics.median(r for r, _ in theirs)
        ratio = ours_median / theirs_median if theirs_median > 0 else float("inf") if ours_median > 0 else 1.0
        ours_ms = 1000 * statistics.mean(s for _, s in ours)
        theirs_ms = 1000 * statistics.mean(s for _, s in theirs)
        print(f"{key[0]:<17} {key[1]:<18} {len(ours):5d}  {ours_median:12.4g}  {theirs_median:13.4g}  {ratio:12.2f}  "
              f"{max(r for r, _ in ours):11.4g}  {max(r for r, _ in theirs):12.4g}  {ours_ms:8.3f}  {theirs_ms:9.3f}  "
              f"{theirs_ms / ours_ms:13.0f}")


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run")
    run_parser.add_argument("--seeds", default="1-10")
    run_parser.add_argument("--trials", type=int, default=100)
    run_parser.add_argument("--algorithms", default="tpe,multivariate-tpe,cmaes")
    run_parser.add_argument("--suite", default="classic", choices=["classic", "wider", "all"],
                            help="the 8 classic functions, the 10 of the issue #16 suite, or both")
    run_parser.add_argument("--functions", default="", help="comma-separated names among the suite's; all when empty")
    compare_parser = commands.add_parser("compare")
    compare_parser.add_argument("augur")
    compare_parser.add_argument("optuna")
    args = parser.parse_args()
    run(args) if args.command == "run" else compare(args)


if __name__ == "__main__":
    sys.path.insert(0, __import__("os").path.dirname(__file__))
    main()
