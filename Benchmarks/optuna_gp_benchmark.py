#!/usr/bin/env python3
"""Optuna's GPSampler, TPESampler and CmaEsSampler on the functions GaussianProcessBenchmark uses, for comparison.

Install into a local virtual environment (not part of the build):
    python3 -m venv .venv && .venv/bin/pip install torch optuna scipy cmaes
Run:
    .venv/bin/python Benchmarks/optuna_gp_benchmark.py [--seeds 5 | --seed-range 0-9] [--trials 100]
        [--samplers gp,tpe,cmaes] [--functions suite|classic|mixed|NAME,...] [--batch K] [--per-seed] [--quick]
Prints, per function and sampler, the median and worst final regret over the seeds and the median seconds per
suggestion; with --per-seed also one line per run ("run <sampler> <function> <seed> <regret> <s/suggestion>").
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


def michalewicz(x):
    return -sum(math.sin(v) * math.sin((i + 1) * v * v / math.pi) ** 20 for i, v in enumerate(x))


SHEKEL_A = [[4, 4, 4, 4], [1, 1, 1, 1], [8, 8, 8, 8], [6, 6, 6, 6], [3, 7, 3, 7], [2, 9, 2, 9], [5, 5, 3, 3], [8, 1, 8, 1],
            [6, 2, 6, 2], [7, 3.6, 7, 3.6]]
SHEKEL_C = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5]


def shekel(x):
    return -sum(1 / (SHEKEL_C[i] + sum((x[j] - SHEKEL_A[i][j]) ** 2 for j in range(4))) for i in range(10))


def griewank(x):
    return sum(v * v for v in x) / 4000 - math.prod(math.cos(v / math.sqrt(i + 1)) for i, v in enumerate(x)) + 1


def schwefel(x):
    return 418.9828872724338 * len(x) - sum(v * math.sin(math.sqrt(abs(v))) for v in x)


def six_hump_camel(x):
    a, b = x
    return (4 - 2.1 * a * a + a ** 4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b


def eggholder(x):
    a, b = x
    return -(b + 47) * math.sin(math.sqrt(abs(b + a / 2 + 47))) - a * math.sin(math.sqrt(abs(a - (b + 47))))


HARTMANN6_SHIFT = [0.25, 0.3, -0.2, 0.3, 0.35, -0.3]


def hartmann6_shifted(x):
    return hartmann6([x[k] - HARTMANN6_SHIFT[k] for k in range(6)])


def mixed_hartmann(x):
    # x = [x0, x1, n (integer 1..20), category index (0..3)]
    return hartmann3([x[0], x[1], (x[2] - 1) / 19]) + [0.3, 0.0, 0.6, 1.0][int(x[3])]


def mixed_levy(x):
    # x = [x0, x1 (doubles), n0, n1 (integers -10..10), category index (0..2)]
    category = int(x[4])
    return levy(x[:4]) * [1, 1, 2][category] + [0.5, 0, 0][category]


MIXED_DISCRETE_TABLE = [[0.8, 0.6, 0.9, 1.2], [0.7, 0.4, 0, 0.3], [1.0, 0.5, 0.6, 0.9], [0.2, 1.1, 0.8, 0.5]]


def mixed_discrete(x):
    # x = [a, b, c, d (integers 0..15), first and second category index (0..3)]
    first, second = int(x[4]), int(x[5])
    bowl = 0.1 * ((x[0] - 11) ** 2 + (x[1] - 3) ** 2) + 0.5 * abs(x[2] - x[3] - 4) + 0.02 * (x[0] - x[2]) ** 2
    return bowl * [1, 2, 0.5, 1][first] + MIXED_DISCRETE_TABLE[first][second]


# A bound (low, high) is a double; ("int", low, high) an integer; ("cat", count) a categorical (index passed).
FUNCTIONS = [
    ("Branin", branin, [(-5, 10), (0, 15)], 0.397887357729738),
    ("Hartmann-3", hartmann3, [(0, 1)] * 3, -3.86278214782076),
    ("Hartmann-6", hartmann6, [(0, 1)] * 6, -3.322368011391339),
    ("Rosenbrock-4", rosenbrock, [(-5, 10)] * 4, 0.0),
    ("Ackley-5", ackley, [(-32.768, 32.768)] * 5, 0.0),
    ("Levy-6", levy, [(-10, 10)] * 6, 0.0),
    ("Styblinski-Tang-8", styblinski_tang, [(-5, 5)] * 8, -39.16616570377142 * 8),
    ("Rastrigin-4", rastrigin, [(-5.12, 5.12)] * 4, 0.0),
    ("Michalewicz-5", michalewicz, [(0, math.pi)] * 5, -4.6876581790881495),
    ("Shekel-10", shekel, [(0, 10)] * 4, -10.536409816692045),
    ("Griewank-8", griewank, [(-600, 600)] * 8, 0.0),
    ("Schwefel-4", schwefel, [(-500, 500)] * 4, 0.0),
    ("Six-hump camel", six_hump_camel, [(-3, 3), (-2, 2)], -1.0316284534898776),
    ("Eggholder", eggholder, [(-512, 512)] * 2, -959.6406627208507),
    ("Hartmann-6 shifted", hartmann6_shifted, [(0, 1)] * 6, -3.322368011391339),
    ("Ackley-10", ackley, [(-32.768, 32.768)] * 10, 0.0),
    ("Levy-10", levy, [(-10, 10)] * 10, 0.0),
    ("Mixed int/categorical", mixed_hartmann, [(0, 1), (0, 1), ("int", 1, 20), ("cat", 4)], -3.8524387723585076),
    ("Mixed Levy", mixed_levy, [(-10, 10), (-10, 10), ("int", -10, 10), ("int", -10, 10), ("cat", 3)], 0.0),
    ("Mixed discrete", mixed_discrete, [("int", 0, 15)] * 4 + [("cat", 4)] * 2, 0.0),
]
CLASSIC = 8


def run(sampler_name, function, bounds, trials, seed, batch=1):
    if sampler_name == "gp":
        sampler = optuna.samplers.GPSampler(seed=seed)
    elif sampler_name == "cmaes":
        sampler = optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    elif sampler_name == "random":
        sampler = optuna.samplers.RandomSampler(seed=seed)
    else:
        # constant_liar: a trial asked while others run sees them at the worst value (Optuna's batch mode for TPE).
        sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=batch > 1)
    study = optuna.create_study(sampler=sampler, direction="minimize")
    spent = 0.0
    done = 0
    while done < trials:
        # A batch: ask for up to `batch` trials (each later one sees the earlier ones RUNNING), then tell them all.
        asked = []
        for _ in range(min(batch, trials - done)):
            start = time.perf_counter()
            trial = study.ask()
            x = []
            for k, bound in enumerate(bounds):
                if bound[0] == "int":
                    x.append(float(trial.suggest_int(f"x{k}", bound[1], bound[2])))
                elif bound[0] == "cat":
                    x.append(float(trial.suggest_categorical(f"x{k}", list(range(bound[1])))))
                else:
                    x.append(trial.suggest_float(f"x{k}", bound[0], bound[1]))
            spent += time.perf_counter() - start
            asked.append((trial, x))
        for trial, x in asked:
            study.tell(trial, function(x))
        done += len(asked)
    return study.best_value, spent / trials


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seed-range", default=None, help="first-last, e.g. 0-9 (overrides --seeds, which means 1..N)")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--samplers", default="gp,tpe")
    parser.add_argument("--functions", default="classic", help="classic (the first 8), suite (all), or names separated by commas")
    parser.add_argument("--per-seed", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--batch", type=int, default=1, help="trials asked before any is told (GPSampler sees them "
                        "running; TPE uses constant_liar)")
    args = parser.parse_args()
    if args.seed_range:
        first, last = (int(part) for part in args.seed_range.split("-"))
        seeds = list(range(first, last + 1))
    else:
        seeds = list(range(1, (2 if args.quick else args.seeds) + 1))
    trials = 50 if args.quick else args.trials
    if args.functions == "classic":
        functions = FUNCTIONS[:CLASSIC]
    elif args.functions == "suite":
        functions = FUNCTIONS[:-2]
    elif args.functions == "mixed":
        functions = FUNCTIONS[-3:]
    else:
        wanted = args.functions.split(",")
        functions = [entry for entry in FUNCTIONS if entry[0] in wanted]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    print(f"## Optuna {optuna.__version__}: final regret over seeds {seeds[0]}-{seeds[-1]} at {trials} trials, batch {args.batch}")
    print("function               sampler  median_regret  worst_regret  median_s_per_suggestion")
    for name, function, bounds, minimum in functions:
        for sampler_name in args.samplers.split(","):
            results = []
            for seed in seeds:
                best, seconds = run(sampler_name, function, bounds, trials, seed, args.batch)
                results.append((best, seconds))
                if args.per_seed:
                    print(f"run {sampler_name} {name.replace(' ', '_')} {seed} {best - minimum:.6e} {seconds:.4f}", flush=True)
            regrets = [best - minimum for best, _ in results]
            seconds = statistics.median(s for _, s in results)
            print(f"{name:<21}  {sampler_name:<7}  {statistics.median(regrets):13.3e}  {max(regrets):12.3e}  {seconds:10.4f}", flush=True)


if __name__ == "__main__":
    main()
