"""The stock OSS Vizier client with a conditional search space, against a server, with every answer checked.

Run by VizierClientTests against a real `augur serve`:
    python vizier_conditional_loop.py --endpoint 127.0.0.1:PORT --algorithm GAUSSIAN_PROCESS_BANDIT --study s
The space: an optimizer choice (categorical) where sgd has its own learning rate and a momentum (discrete) and adam
its own learning rate and a beta exponent (an int), and a depth (int) whose values 2 and 3 have a width. Every
suggested trial must carry exactly the parameters that exist under its values; the study config must come back with
the tree. One level deep: pyvizier 0.1.24's own StudyConfig.to_proto drops grandchildren (it recurses into a proto it
has already copied), so deeper trees are tested with the generated client (VizierConditionalTests). Prints "ok" and
exits 0 when every check holds; an assertion names the first that does not.
"""
import argparse
import math

from vizier.service import clients
from vizier.service import pyvizier as vz


def active_names(params):
    names = {"optimizer", "depth", "dropout"}
    if params["depth"] in (2, 3):
        names.add("width")
    if params["optimizer"] == "sgd":
        names |= {"lr_sgd", "momentum"}
    else:
        names |= {"lr_adam", "beta_exponent"}
    return names


def objective(params):
    if params["optimizer"] == "sgd":
        return (math.log10(params["lr_sgd"]) + 1) ** 2 + params["momentum"] + params["dropout"]
    return 0.5 + (math.log10(params["lr_adam"]) + 3) ** 2 + 0.1 * params["beta_exponent"] + params["dropout"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--algorithm", required=True)
    parser.add_argument("--owner", default="vizier-owner")
    parser.add_argument("--study", required=True)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()

    clients.environment_variables.server_endpoint = args.endpoint

    problem = vz.ProblemStatement()
    root = problem.search_space.root
    optimizer = root.add_categorical_param("optimizer", ["sgd", "adam"])
    sgd = optimizer.select_values(["sgd"])
    sgd.add_float_param("lr_sgd", 1e-4, 1.0, scale_type=vz.ScaleType.LOG)
    sgd.add_discrete_param("momentum", [0.0, 0.9])
    adam = optimizer.select_values(["adam"])
    adam.add_float_param("lr_adam", 1e-5, 1e-1, scale_type=vz.ScaleType.LOG)
    adam.add_int_param("beta_exponent", 1, 4)
    depth = root.add_int_param("depth", 1, 3)
    depth.select_values([2, 3]).add_int_param("width", 8, 64)
    root.add_float_param("dropout", 0.0, 0.5)
    problem.metric_information.append(vz.MetricInformation(name="loss", goal=vz.ObjectiveMetricGoal.MINIMIZE))
    config = vz.StudyConfig.from_problem(problem)
    config.algorithm = args.algorithm

    study = clients.Study.from_study_config(config, owner=args.owner, study_id=args.study)
    seen_optimizers = set()
    for round_number in range(args.rounds):
        trials = study.suggest(count=2, client_id="worker-1")
        assert len(trials) == 2, f"round {round_number}: {len(trials)} trials"
        for trial in trials:
            params = dict(trial.parameters)
            assert set(params) == active_names(params), f"round {round_number}: {params}"
            assert params["optimizer"] in ("sgd", "adam"), params
            seen_optimizers.add(params["optimizer"])
            trial.complete(vz.Measurement(metrics={"loss": objective(params)}))
    assert len(seen_optimizers) == 2, f"only {seen_optimizers} was suggested"

    # A trial of the client's own, with only its active parameters, is accepted (requested: pyvizier's add_trial
    # checks the point itself and does not implement that for conditional spaces).
    own = study.request(vz.TrialSuggestion(parameters={"optimizer": "adam", "lr_adam": 1e-3, "beta_exponent": 2,
                                                       "depth": 1, "dropout": 0.1}))
    assert set(own.parameters) == {"optimizer", "lr_adam", "beta_exponent", "depth", "dropout"}, own.parameters

    # The config comes back with the tree: children under the parent values they exist for, to any depth.
    space = study.materialize_study_config().search_space
    top = {parameter.name for parameter in space.parameters}
    assert top == {"optimizer", "depth", "dropout"}, top
    optimizer_config = space.get("optimizer")
    sgd_children = {child.name for child in optimizer_config.subspace("sgd").parameters}
    assert sgd_children == {"lr_sgd", "momentum"}, sgd_children
    adam_children = {child.name for child in optimizer_config.subspace("adam").parameters}
    assert adam_children == {"lr_adam", "beta_exponent"}, adam_children
    depth_config = space.get("depth")
    assert {child.name for child in depth_config.subspace(2).parameters} == {"width"}
    assert {child.name for child in depth_config.subspace(3).parameters} == {"width"}
    assert not list(depth_config.subspace(1).parameters)

    study.delete()
    print("ok")


if __name__ == "__main__":
    main()
