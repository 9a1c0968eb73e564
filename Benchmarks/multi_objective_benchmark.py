#!/usr/bin/env python3
"""Optuna's NSGA-II, TPE and GPSampler on the problems MultiObjectiveBenchmark uses, for comparison.

Same problems, search boxes, reference points, budgets and seed numbers (1..N) as the Swift program; Optuna draws
its own random numbers, so seed k here is not Augur's seed k, only the same count of independent runs.
Install into a local virtual environment (not part of the build):
    python3 -m venv venv && venv/bin/pip install optuna torch scipy
Run:
    venv/bin/python Benchmarks/multi_objective_benchmark.py [--seeds 10] [--trials 100] [--samplers nsga2,tpe,gp] [--constrained]
Prints, per problem and sampler, the median and worst hypervolume of the front found (larger is better) and, with
--constrained, the median and worst regret on Branin with a disk constraint (smaller is better).
"""
import argparse
import math
import statistics
import time

import optuna


def zdt_g(x):
    return 1 + 9 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g))]


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1 - (x[0] / g) ** 2)]


def zdt3(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g) - x[0] / g * math.sin(10 * math.pi * x[0]))]


def dtlz2(x):
    g = sum((v - 0.5) ** 2 for v in x[2:])
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    return [(1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b), (1 + g) * math.sin(a)]


PROBLEMS = [("ZDT1", zdt1, 2, [1.1, 11]), ("ZDT2", zdt2, 2, [1.1, 11]), ("ZDT3", zdt3, 2, [1.1, 11]),
            ("DTLZ2", dtlz2, 3, [2.5, 2.5, 2.5])]


def hypervolume(points, reference):
    """Exact hypervolume of minimization points below `reference` (slicing; 2 or 3 objectives)."""
    inside = [p for p in points if all(v < r for v, r in zip(p, reference))]
    if not inside:
        return 0.0
    if len(reference) == 1:
        return reference[0] - min(p[0] for p in inside)
    if len(reference) == 2:
        total, covered = 0.0, reference[1]
        for p in sorted(inside):
            if p[1] < covered:
                total += (reference[0] - p[0]) * (covered - p[1])
                covered = p[1]
        return total
    ordered = sorted(inside, key=lambda p: p[-1])
    total = 0.0
    for i, p in enumerate(ordered):
        upper = ordered[i + 1][-1] if i + 1 < len(ordered) else reference[-1]
        if upper > p[-1]:
            total += (upper - p[-1]) * hypervolume([q[:-1] for q in ordered[:i + 1]], reference[:-1])
    return total


def make_sampler(name, seed, constraints=None):
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, constraints_func=constraints)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, constraints_func=constraints)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed, constraints_func=constraints)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(name)


def run_problem(name, function, objectives, reference, sampler_name, seed, trials):
    study = optuna.create_study(directions=["minimize"] * objectives, sampler=make_sampler(sampler_name, seed))
    study.optimize(lambda t: function([t.suggest_float(f"x{i}", 0, 1) for i in range(6)]), n_trials=trials)
    return hypervolume([t.values for t in study.trials if t.values is not None], reference)


def branin(x):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


def run_constrained(sampler_name, seed, trials):
    def objective(trial):
        x = [trial.suggest_float("x0", -5, 10), trial.suggest_float("x1", 0, 15)]
        disk = (x[0] - 2.5) ** 2 + (x[1] - 7.5) ** 2
        trial.set_user_attr("violation", disk - 50)
        return branin(x)
    constraints = (lambda t: [t.user_attrs["violation"]]) if sampler_name != "random" else None
    study = optuna.create_study(sampler=make_sampler(sampler_name, seed, constraints))
    study.optimize(objective, n_trials=trials)
    feasible = [t.value for t in study.trials if t.user_attrs["violation"] <= 0]
    return (min(feasible) if feasible else math.inf) - 0.397887357729738


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=1, help="seeds are FIRST ... FIRST + SEEDS - 1")
    parser.add_argument("--per-seed", action="store_true", help="also print each seed's hypervolume as it finishes")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--samplers", default="nsga2,tpe,gp")
    parser.add_argument("--problems", default="ZDT1,ZDT2,ZDT3,DTLZ2")
    parser.add_argument("--constrained", action="store_true")
    parser.add_argument("--skip-fronts", action="store_true")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    samplers = args.samplers.split(",")
    print(f"optuna {optuna.__version__}: {args.seeds} seeds from {args.first_seed}, {args.trials} trials")
    if not args.skip_fronts:
        print("problem | sampler | median hypervolume | worst | s/trial")
        for name, function, objectives, reference in PROBLEMS:
            if name not in args.problems.split(","):
                continue
            for sampler in samplers:
                start = time.time()
                volumes = []
                for seed in range(args.first_seed, args.first_seed + args.seeds):
                    volumes.append(run_problem(name, function, objectives, reference, sampler, seed, args.trials))
                    if args.per_seed:
                        print(f"  {name} | {sampler} | seed {seed} | {volumes[-1]:.4f} | {time.time() - start:.0f} s", flush=True)
                seconds = (time.time() - start) / (args.seeds * args.trials)
                print(f"{name} | {sampler} | {statistics.median(volumes):.4f} | {min(volumes):.4f} | {seconds:.3f}", flush=True)
    if args.constrained:
        print("Branin with a disk constraint | sampler | median regret | worst regret")
        for sampler in [s for s in samplers if s in ("tpe", "gp")] + ["random"]:
            regrets = [run_constrained(sampler, seed, args.trials) for seed in range(args.first_seed, args.first_seed + args.seeds)]
            print(f"branin-disk | {sampler} | {statistics.median(regrets):.5f} | {max(regrets):.5f}", flush=True)


if __name__ == "__main__":
    main()
