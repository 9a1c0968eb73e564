#!/usr/bin/env python3
"""The `cmaes` package's CMA run directly (no Optuna) on a function of optuna_gp_benchmark.py, as Augur's `cmaes`
designer and Optuna's `CmaEsSampler` run it: the unit cube, the centre as first mean, sigma 1/6, the default
population, redraws then clipping at the bounds, one evaluation at a time up to the budget.

    cmaes_package_direct.py [--seeds 3000-3199] [--trials 100] [--function Griewank-8]

Prints one tab-separated line per run in TreeParzenCMABenchmark's format (the latency column is 0), so
`optuna_tpe_cmaes_benchmark.py compare` can set it next to either side.
"""
import argparse
import os
import sys

import numpy as np
from cmaes import CMA

sys.path.insert(0, os.path.dirname(__file__))
from optuna_gp_benchmark import FUNCTIONS  # noqa: E402
from optuna_tpe_cmaes_benchmark import parse_seeds  # noqa: E402


def run(function, bounds, seed, trials):
    low = np.array([b[0] for b in bounds], dtype=float)
    high = np.array([b[1] for b in bounds], dtype=float)
    n = len(bounds)
    optimizer = CMA(mean=np.full(n, 0.5), sigma=1 / 6, bounds=np.array([[0.0, 1.0]] * n), seed=seed,
                    n_max_resampling=10 * n)
    best = float("inf")
    done = 0
    while done < trials:
        solutions = []
        for _ in range(optimizer.population_size):
            if done >= trials:
                break
            x = optimizer.ask()
            value = float(function([float(v) for v in low + x * (high - low)]))
            best = min(best, value)
            solutions.append((x, value))
            done += 1
        if len(solutions) == optimizer.population_size:
            optimizer.tell(solutions)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="3000-3199")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--function", default="Griewank-8")
    args = parser.parse_args()
    matches = [entry for entry in FUNCTIONS if entry[0] == args.function]
    if not matches or any(not isinstance(b[0], (int, float)) for b in matches[0][2]):
        raise SystemExit(f"{args.function}: not a continuous function of optuna_gp_benchmark.py")
    name, function, bounds, minimum = matches[0]
    print("algorithm\tfunction\tseed\tregret\tseconds_per_suggestion")
    for seed in parse_seeds(args.seeds):
        print(f"cmaes\t{name}\t{seed}\t{run(function, bounds, seed, args.trials) - minimum!r}\t0.0", flush=True)


if __name__ == "__main__":
    main()
