#!/usr/bin/env python3
"""A population-based-training trial that reads and writes its checkpoint directory.

After Katib's simple-pbt example (examples/v1beta1/trial-images/simple-pbt): a toy "training" whose accuracy grows
fastest when the learning rate follows a triangle wave over the accuracy, so no fixed learning rate does well and
PBT, which changes it from generation to generation, does better. Unlike Katib's it adds no noise (runs repeat
exactly) and writes JSON instead of a pickle.

The checkpoint (`training.json` in --checkpoint) holds the accuracy, the steps done and the lineage: the trial ids
that trained this state, oldest first. Augur copies the parent's checkpoint directory into the trial's own before
the trial starts, so a trial continues where its parent stopped.
"""

import argparse
import json
import os

parser = argparse.ArgumentParser(description="toy PBT trial")
parser.add_argument("--lr", type=float, required=True, help="learning rate")
parser.add_argument("--steps", type=int, default=5, help="steps to train in this trial")
parser.add_argument("--checkpoint", required=True, help="checkpoint directory (read at the start, written at the end)")
options = parser.parse_args()

path = os.path.join(options.checkpoint, "training.json")
state = {"step": 0, "accuracy": 0.0, "lineage": []}
if os.path.exists(path):
    with open(path) as file:
        state = json.load(file)

for _ in range(options.steps):
    accuracy = state["accuracy"]
    # The best learning rate rises from 0.001 to 0.01 while accuracy goes to 50, then falls back to 0.001 at 100.
    if accuracy < 50:
        optimal = 0.01 * accuracy / 50
    else:
        optimal = 0.01 - 0.01 * (accuracy - 50) / 50
    optimal = min(0.01, max(0.001, optimal))
    ratio = max(options.lr, optimal) / min(options.lr, optimal)
    if ratio < 3:
        accuracy += 2.0 / ratio
    elif options.lr > optimal:
        accuracy -= (ratio - 3) * 0.5
    state["accuracy"] = max(0.0, min(100.0, accuracy))
    state["step"] += 1
    print("epoch={} Validation-accuracy={:.4f}".format(state["step"], state["accuracy"] / 100), flush=True)

state["lineage"].append(int(os.environ.get("AUGUR_TRIAL_ID", "0")))
os.makedirs(options.checkpoint, exist_ok=True)
with open(path, "w") as file:
    json.dump(state, file)
