"""The stock OSS Vizier client's ordinary loop against a server, with every answer checked.

Run by VizierClientTests against a real `augur serve`:
    python vizier_client_loop.py --endpoint 127.0.0.1:PORT --algorithm GAUSSIAN_PROCESS_BANDIT --owner o --study s
Prints "ok" and exits 0 when every check holds; an assertion names the first that does not.
"""
import argparse
import math

import grpc
from vizier.service import clients
from vizier.service import pyvizier as vz


def objective(params):
    x = params["x"]
    return (x - 0.3) ** 2 + 0.1 * params["layers"] + (0.0 if params["optimizer"] == "adam" else 0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--algorithm", required=True)
    parser.add_argument("--owner", default="vizier-owner")
    parser.add_argument("--study", required=True)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    clients.environment_variables.server_endpoint = args.endpoint

    problem = vz.ProblemStatement()
    root = problem.search_space.root
    root.add_float_param("x", 0.0, 1.0)
    root.add_float_param("lr", 1e-4, 1e-1, scale_type=vz.ScaleType.LOG)
    root.add_int_param("layers", 1, 4)
    root.add_discrete_param("batch", [16, 32, 64])
    root.add_categorical_param("optimizer", ["adam", "sgd"])
    problem.metric_information.append(vz.MetricInformation(name="loss", goal=vz.ObjectiveMetricGoal.MINIMIZE))
    config = vz.StudyConfig.from_problem(problem)
    config.algorithm = args.algorithm

    study = clients.Study.from_study_config(config, owner=args.owner, study_id=args.study)
    expected_name = f"owners/{args.owner}/studies/{args.study}"
    assert study.resource_name == expected_name, study.resource_name
    again = clients.Study.from_study_config(config, owner=args.owner, study_id=args.study)
    assert again.resource_name == study.resource_name, "creating the same study twice loads it"

    # Suggest two at a time for several rounds: measurements, early stopping, completion.
    completed = []
    for round_number in range(args.rounds):
        trials = study.suggest(count=2, client_id="worker-1")
        assert len(trials) == 2, f"round {round_number}: {len(trials)} trials"
        for trial in trials:
            params = trial.parameters
            assert 0.0 <= params["x"] <= 1.0 and 1e-4 <= params["lr"] <= 1e-1, params
            assert params["layers"] in (1, 2, 3, 4) and params["batch"] in (16, 32, 64), params
            assert params["optimizer"] in ("adam", "sgd"), params
            loss = objective(params)
            for step in (1, 2):
                trial.add_measurement(vz.Measurement(metrics={"loss": loss + 1.0 / step}, steps=step, elapsed_secs=0.5 * step))
            assert trial.check_early_stopping() in (True, False)
            trial.complete(vz.Measurement(metrics={"loss": loss}, steps=3))
            materialized = trial.materialize()
            assert materialized.status == vz.TrialStatus.COMPLETED, materialized.status
            assert math.isclose(materialized.final_measurement.metrics["loss"].value, loss), materialized.final_measurement
            assert len(materialized.measurements) == 2, materialized.measurements
            completed.append((trial.id, loss))

    # A client that still holds ACTIVE trials gets them back.
    held = study.suggest(count=1, client_id="worker-2")
    assert len(held) == 1
    again_held = study.suggest(count=1, client_id="worker-2")
    assert [t.id for t in again_held] == [held[0].id], "the held trial comes back"

    # Infeasible, and stopped.
    held[0].complete(infeasible_reason="diverged")
    assert held[0].materialize().infeasible, "infeasible trial"
    to_stop = study.suggest(count=1, client_id="worker-3")[0]
    to_stop.add_measurement(vz.Measurement(metrics={"loss": 9.0}, steps=1))
    to_stop.stop()
    stopped = to_stop.materialize()
    assert stopped.status in (vz.TrialStatus.COMPLETED, vz.TrialStatus.STOPPING), stopped.status

    # Get and list.
    first_id = completed[0][0]
    assert study.get_trial(first_id).id == first_id
    all_trials = list(study.trials())
    assert len(all_trials) == len(completed) + 2, len(all_trials)

    # Optimal trials: the best completed one.
    best_id = min(completed, key=lambda pair: pair[1])[0]
    optimal = list(study.optimal_trials())
    assert [t.id for t in optimal] == [best_id], ([t.id for t in optimal], best_id)

    # The config round-trips: types, bounds, scales, metric, algorithm.
    materialized_config = study.materialize_study_config()
    space = materialized_config.search_space
    assert materialized_config.algorithm == args.algorithm, materialized_config.algorithm
    assert [m.name for m in materialized_config.metric_information] == ["loss"]
    assert materialized_config.metric_information.item().goal == vz.ObjectiveMetricGoal.MINIMIZE
    lr = space.get("lr")
    assert lr.type == vz.ParameterType.DOUBLE and lr.bounds == (1e-4, 1e-1) and lr.scale_type == vz.ScaleType.LOG, lr
    assert space.get("layers").type == vz.ParameterType.INTEGER and space.get("layers").bounds == (1, 4)
    assert space.get("batch").type == vz.ParameterType.DISCRETE and list(space.get("batch").feasible_values) == [16, 32, 64]
    assert space.get("optimizer").type == vz.ParameterType.CATEGORICAL
    assert sorted(space.get("optimizer").feasible_values) == ["adam", "sgd"]

    # Metadata on the study and a trial.
    study.update_metadata(vz.Metadata({"note": "from the loop"}))
    trial_client = study.get_trial(first_id)
    trial_client.update_metadata(vz.Metadata({"checkpoint": "/tmp/ckpt-1"}))
    assert study.materialize_study_config().metadata["note"] == "from the loop"
    assert trial_client.materialize().metadata["checkpoint"] == "/tmp/ckpt-1"

    # Load by resource name and by owner and id.
    by_name = clients.Study.from_resource_name(study.resource_name)
    assert by_name.materialize_study_config().algorithm == args.algorithm
    by_owner = clients.Study.from_owner_and_id(args.owner, args.study)
    assert by_owner.resource_name == study.resource_name

    # State: ABORTED, then ACTIVE again; an inactive study suggests nothing, without an error.
    study.set_state(vz.StudyState.ABORTED)
    assert study.materialize_state() == vz.StudyState.ABORTED
    assert study.suggest(count=1, client_id="worker-4") == []
    study.set_state(vz.StudyState.ACTIVE)
    assert study.materialize_state() == vz.StudyState.ACTIVE
    assert len(study.suggest(count=1, client_id="worker-4")) == 1

    # A missing trial: the server says NOT_FOUND.
    try:
        study.get_trial(999_999).materialize()
        raise AssertionError("a missing trial was found")
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.NOT_FOUND, error.code()

    # Automated stopping (Vizier's default_stopping_spec is Augur's median rule): after four good trials, a trial
    # far worse at every step is told to stop, stops, and still counts as a result.
    stopping_config = vz.StudyConfig.from_problem(problem)
    stopping_config.algorithm = args.algorithm
    stopping_config.automated_stopping_config = vz.AutomatedStoppingConfig.default_stopping_spec()
    stopping = clients.Study.from_study_config(stopping_config, owner=args.owner, study_id=args.study + "-stopping")
    told_to_stop = 0
    for index in range(8):
        trial = stopping.suggest(count=1, client_id="stopper")[0]
        for step in range(1, 6):
            loss = (0.1 if index < 4 else 10.0) / step
            trial.add_measurement(vz.Measurement(metrics={"loss": loss}, steps=step))
            if trial.check_early_stopping():
                told_to_stop += 1
                trial.stop()
                break
        else:
            trial.complete()
    assert told_to_stop >= 3, f"{told_to_stop} bad trials were told to stop"
    assert all(t.materialize().status == vz.TrialStatus.COMPLETED for t in stopping.trials())
    stopping.delete()

    # Delete a trial: it leaves the study.
    extra = study.suggest(count=1, client_id="worker-5")[0]
    extra.delete()
    assert extra.id not in [t.id for t in study.trials()], "a deleted trial is gone"

    # Delete, then loading the deleted study fails with ResourceNotFoundError.
    study.delete()
    try:
        clients.Study.from_resource_name(study.resource_name)
        raise AssertionError("a deleted study was loaded")
    except clients.ResourceNotFoundError:
        pass
    print("ok")


if __name__ == "__main__":
    main()
