#!/usr/bin/env python3
"""Optuna's GPSampler and TPESampler on the functions GaussianProcessBenchmark uses, for comparison.

Install into a local virtual environment (not part of the build):
    python3 -m venv .venv && .venv/bin/pip install torch optuna scipy
Run:
    .venv/bin/python Benchmarks/optuna_gp_benchmark.py [--seeds 5] [--trials 100] [--samplers gp,tpe] [--quick]
Prints, per function and sampler, the median final regret over the seeds and the median seconds per suggestion.
"""
import argparse
import math
import statistics
import time

import optuna


def branin(x):
    a, b, c, r, s, t = 1.0, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6.0, 10.0, 1 / (8 * math.pi)
    return a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s


def hartmann(alpha, a, p):
    def f(x):
        return -sum(alpha[i] * math.exp(-sum(a[i][j] * (x[j] - p[i][j]) ** 2 for j in range(len(x)))) for i in range(4))
    return f


hartmann3 = hartmann([1.0, 1.2, 3.0, 3.2], [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]],
                     [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470], [0.1091, 0.8732, 0.5547], [0.03815, 0.5743, 0.8828]])
hartmann6 = hartmann([1.0, 1.2, 3.0, 3.2],
                     [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]],
                     [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
                      [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]])


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d)) - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d)
            + 20 + math.e)


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    value = math.sin(math.pi * w[0]) ** 2
    for i in range(len(w) - 1):
        value += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return value + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def styblinski_tang(x):
    return 0.5 * sum(v ** 4 - 16 * v * v + 5 * v for v in x)


def rastrigin(x):
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


FUNCTIONS = [
    ("Branin", branin, [(-5, 10), (0, 15)], 0.397887357729738),
    ("Hartmann-3", hartmann3, [(0, 1)] * 3, -3.86278214782076),
    ("Hartmann-6", hartmann6, [(0, 1)] * 6, -3.322368011391339),
    ("Rosenbrock-4", rosenbrock, [(-5, 10)] * 4, 0.0),
    ("Ackley-5", ackley, [(-32.768, 32.768)] * 5, 0.0),
    ("Levy-6", levy, [(-10, 10)] * 6, 0.0),
    ("Styblinski-Tang-8", styblinski_tang, [(-5, 5)] * 8, -39.16616570377142 * 8),
    ("Rastrigin-4", rastrigin, [(-5.12, 5.12)] * 4, 0.0),
]


def run(sampler_name, function, bounds, trials, seed):
    if sampler_name == "gp":
        sampler = optuna.samplers.GPSampler(seed=seed)
    else:
        sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(sampler=sampler, direction="minimize")
    spent = 0.0
    for _ in range(trials):
        start = time.perf_counter()
        trial = study.ask()
        x = [trial.suggest_float(f"x{k}", low, high) for k, (low, high) in enumerate(bounds)]
        spent += time.perf_counter() - start
        study.tell(trial, function(x))
    return study.best_value, spent / trials


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--samplers", default="gp,tpe")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    seeds, trials = (2, 50) if args.quick else (args.seeds, args.trials)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    print(f"## Optuna {optuna.__version__}: median final regret over {seeds} seeds at {trials} trials")
    print("function            sampler  median_regret  median_s_per_suggestion")
    for name, function, bounds, minimum in FUNCTIONS:
        for sampler_name in args.samplers.split(","):
            results = [run(sampler_name, function, bounds, trials, seed) for seed in range(1, seeds + 1)]
            regret = statistics.median(best - minimum for best, _ in results)
            seconds = statistics.median(s for _, s in results)
            print(f"{name:<18}  {sampler_name:<7}  {regret:13.3e}  {seconds:10.4f}", flush=True)


if __name__ == "__main__":
    main()
