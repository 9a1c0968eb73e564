"""Tune a small function with OSS Vizier's own Python client, served by Augur.

    pip install google-vizier==0.1.24          # (make test installs it into .venv)
    augur serve --database studies.sqlite --listen 127.0.0.1:50051
    python Experiments/vizier-client/tune.py --endpoint 127.0.0.1:50051 --trials 30

Nothing here is Augur-specific: the same script runs against Vizier's own server. Afterwards
`augur trials branin-vizier --database studies.sqlite` shows the trials.
"""
import argparse
import math

from vizier.service import clients
from vizier.service import pyvizier as vz


def branin(x1: float, x2: float) -> float:
    """Branin-Hoo; its minimum is 0.397887 (three global minima)."""
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", default="127.0.0.1:50051")
    parser.add_argument("--study", default="branin-vizier")
    parser.add_argument("--owner", default="examples")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--algorithm", default="GAUSSIAN_PROCESS_BANDIT")
    args = parser.parse_args()

    clients.environment_variables.server_endpoint = args.endpoint
    problem = vz.ProblemStatement()
    problem.search_space.root.add_float_param("x1", -5.0, 10.0)
    problem.search_space.root.add_float_param("x2", 0.0, 15.0)
    problem.metric_information.append(vz.MetricInformation(name="value", goal=vz.ObjectiveMetricGoal.MINIMIZE))
    config = vz.StudyConfig.from_problem(problem)
    config.algorithm = args.algorithm

    study = clients.Study.from_study_config(config, owner=args.owner, study_id=args.study)
    done = sum(1 for trial in study.trials() if trial.materialize().status == vz.TrialStatus.COMPLETED)
    while done < args.trials:
        for trial in study.suggest(count=1, client_id="tune.py"):
            value = branin(trial.parameters["x1"], trial.parameters["x2"])
            trial.complete(vz.Measurement(metrics={"value": value}))
            done += 1
            print(f"trial {trial.id}: x1={trial.parameters['x1']:.3f} x2={trial.parameters['x2']:.3f} value={value:.4f}")
    for best in study.optimal_trials():
        trial = best.materialize()
        print(f"best: trial {trial.id} value={trial.final_measurement.metrics['value'].value:.4f} (optimum 0.3979)")


if __name__ == "__main__":
    main()
