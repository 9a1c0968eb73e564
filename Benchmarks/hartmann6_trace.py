#!/usr/bin/env python3
"""Where a Hartmann-6 run of Augur's GP goes (issue #16): which basin it finds first and whether it ever comes near the
other one.

Drives `GaussianProcessBenchmark --ask-tell` (the GP designer in a child process, as in sklearn_tuning_benchmark.py)
for 100 trials on Hartmann-6 in the unit cube and records every point. Per seed it prints the final regret, the first
trial within 0.3 (Euclidean) of the global optimum and of the second basin's optimum (regret 0.119) and how many
points lie there, and the point that came closest to the global optimum; with --steps N also the first N trials.

Run (after `swift build -c release --product GaussianProcessBenchmark`):
    OPENBLAS_NUM_THREADS=1 python3 Benchmarks/hartmann6_trace.py --seeds 1000,1001,1002 [--variant standard] [--steps 45]
Needs only the Python standard library.
"""
import argparse
import json
import math
import os
import subprocess
import sys

ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    """Hartmann-6 as GaussianProcessBenchmark and optuna_gp_benchmark.py define it (minimum −3.32237)."""
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))

GLOBAL = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]
GLOBAL_VALUE = -3.32237
SECOND = [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]


def distance(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))


def run(binary, seed, variant, trials):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    child = subprocess.Popen([binary, "--ask-tell"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    study = {"seed": seed, "variant": variant,
             "parameters": [{"name": f"x{k}", "type": "double", "min": 0, "max": 1} for k in range(6)]}
    child.stdin.write(json.dumps(study) + "\n")
    child.stdin.flush()
    rows = []
    for trial in range(trials):
        line = child.stdout.readline()
        while line and not line.startswith("{"):
            line = child.stdout.readline()
        if not line:
            break
        suggestion = json.loads(line)
        x = [suggestion[f"x{k}"] for k in range(6)]
        y = hartmann6(x)
        rows.append((trial, y, distance(x, GLOBAL), distance(x, SECOND)))
        child.stdin.write(f"{y}\n")
        child.stdin.flush()
    child.stdin.close()
    child.wait()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/GaussianProcessBenchmark")
    parser.add_argument("--seeds", default="1000,1001,1002")
    parser.add_argument("--variant", default="standard")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--steps", type=int, default=0, help="also print the first N trials of each run")
    args = parser.parse_args()
    for seed in (int(s) for s in args.seeds.split(",")):
        rows = run(args.binary, seed, args.variant, args.trials)
        if not rows:
            sys.exit(f"no suggestion for seed {seed}: is {args.binary} built?")
        best = min(row[1] for row in rows)
        near_global = [row for row in rows if row[2] < 0.3]
        near_second = [row for row in rows if row[3] < 0.3]
        closest = min(rows, key=lambda row: row[2])
        print(f"seed {seed} regret {best - GLOBAL_VALUE:.3g} "
              f"near-global first {near_global[0][0] if near_global else '-'} count {len(near_global)} "
              f"near-second first {near_second[0][0] if near_second else '-'} count {len(near_second)} "
              f"closest-to-global trial {closest[0]} distance {closest[2]:.2f} value {closest[1]:.2f}")
        for trial, y, to_global, to_second in rows[:args.steps]:
            print(f"  trial {trial:3d} value {y:7.3f} to-global {to_global:.2f} to-second {to_second:.2f}")


if __name__ == "__main__":
    main()
