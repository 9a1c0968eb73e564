#!/usr/bin/env python3
"""Optuna's pruners on the same synthetic learning curves as Augur's EarlyStoppingBenchmark.

    swift run -c release EarlyStoppingBenchmark --export .tmp/curves.json
    .venv/bin/python Benchmarks/optuna_pruners_benchmark.py .tmp/curves.json

The Swift benchmark writes every seed's curves (observed losses per step and noise-free final values); this script
replays them one trial after another (Optuna's ask/tell loop, one worker) through Optuna's MedianPruner,
SuccessiveHalvingPruner and HyperbandPruner, and prints the same columns as the Swift benchmark's one-worker rows:
training steps used, steps saved, and the best true final loss among trials that ran to the end, relative to
running every trial to the end.
"""

import json
import sys

import optuna


def replay(curve_set, steps, pruner):
    # A fixed study name: HyperbandPruner assigns brackets by hashing it with the trial number.
    study = optuna.create_study(study_name=f"curves-seed-{curve_set['seed']}", direction="minimize", pruner=pruner,
                                sampler=optuna.samplers.RandomSampler(seed=0))
    total_steps = 0
    pruned = 0
    best_true = float("inf")
    for curve in curve_set["curves"]:
        trial = study.ask()
        completed = True
        for step, value in enumerate(curve["observed"], start=1):
            trial.report(value, step)
            total_steps += 1
            if step < steps and trial.should_prune():
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                pruned += 1
                completed = False
                break
        if completed:
            study.tell(trial, curve["observed"][-1])
            best_true = min(best_true, curve["trueFinal"])
    return total_steps, pruned, best_true


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: optuna_pruners_benchmark.py CURVES.json (written by EarlyStoppingBenchmark --export)")
    with open(sys.argv[1]) as file:
        data = json.load(file)
    steps = data["steps"]
    sets = data["sets"]
    trials = len(sets[0]["curves"])
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    contenders = [
        ("no pruning", lambda: optuna.pruners.NopPruner()),
        # The settings closest to Augur's median rows: at least 3 trials with a value at the step, first prune at
        # step 5 (or 10). Optuna compares with completed trials' values at the step, not running averages.
        ("MedianPruner (min 3 trials, warmup 5)",
         lambda: optuna.pruners.MedianPruner(n_startup_trials=0, n_warmup_steps=5, n_min_trials=3)),
        ("MedianPruner (min 3 trials, warmup 10)",
         lambda: optuna.pruners.MedianPruner(n_startup_trials=0, n_warmup_steps=10, n_min_trials=3)),
        ("SuccessiveHalving (min 1, eta 3)", lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)),
        ("SuccessiveHalving (min 3, eta 3)", lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=3, reduction_factor=3)),
        (f"Hyperband (min 1, max {steps}, eta 3)",
         lambda: optuna.pruners.HyperbandPruner(min_resource=1, max_resource=steps, reduction_factor=3)),
    ]

    print(f"Optuna {optuna.__version__} pruners, {trials} trials x {steps} steps, seeds "
          f"{sets[0]['seed']}..{sets[-1]['seed']}, one trial at a time")
    print(f"{'pruner':40}{'steps (mean)':14}{'saved':8}{'fewer':8}{'pruned':9}{'best final':12}"
          f"{'gap mean':10}{'gap max':9}within 1%")
    full = trials * steps
    baseline = []
    for name, make in contenders:
        totals, pruned_counts, bests, gaps = [], [], [], []
        for index, curve_set in enumerate(sets):
            total, pruned, best = replay(curve_set, steps, make())
            if name == "no pruning":
                baseline.append(best)
            totals.append(total)
            pruned_counts.append(pruned)
            bests.append(best)
            gaps.append((best - baseline[index]) / baseline[index])
        mean_steps = sum(totals) / len(totals)
        within = sum(1 for gap in gaps if gap <= 0.01)
        saved = f"{100 * (1 - mean_steps / full):.1f}%"
        fewer = f"{full / mean_steps:.2f}x"
        gap_mean = f"{100 * sum(gaps) / len(gaps):.2f}%"
        gap_max = f"{100 * max(gaps):.2f}%"
        print(f"{name:40}{mean_steps:<14.0f}{saved:8}{fewer:8}{sum(pruned_counts) / len(sets):<9.1f}"
              f"{sum(bests) / len(bests):<12.4f}{gap_mean:10}{gap_max:9}{within}/{len(sets)}")

if __name__ == "__main__":
    main()
