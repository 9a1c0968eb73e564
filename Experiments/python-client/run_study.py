#!/usr/bin/env python3
"""Runs a small study against `augur serve` from Python, through the gRPC API alone.

The client code is generated at run time from the same Protos/ the server is built from (with grpcio-tools, into
a temporary directory), so nothing generated is committed for Python. Needs: pip install grpcio grpcio-tools

    augur serve --database /tmp/demo.sqlite --listen 127.0.0.1:50051 &
    python3 Experiments/python-client/run_study.py --server 127.0.0.1:50051 --study py-demo --trials 12

It creates the study (random search over a double, an integer and a categorical parameter, minimizing a known
function), then asks for trials one at a time as client `python-<pid>-<random>`, reports two intermediate measurements and
a final one for each, and prints the best trial. Exit status 0 when the study completed with every trial
SUCCEEDED.
"""

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import uuid

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_ROOT = os.path.join(REPO_ROOT, "Protos")


def generate_stubs(directory):
    """Generates the Python messages and stubs for augur.v1 and grpc.health.v1 into `directory`."""
    from grpc_tools import protoc
    import grpc_tools

    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    # The health proto's path would make a Python package `grpc`, hiding grpcio's; give it another path (the
    # service name on the wire comes from its `package` line and stays grpc.health.v1.Health).
    health_root = os.path.join(directory, "protos")
    os.makedirs(os.path.join(health_root, "augur_health_v1"))
    shutil.copy(os.path.join(PROTO_ROOT, "grpc/health/v1/health.proto"), os.path.join(health_root, "augur_health_v1/health.proto"))
    for root, proto in ((PROTO_ROOT, "augur/v1/augur_service.proto"), (health_root, "augur_health_v1/health.proto")):
        status = protoc.main([
            "grpc_tools.protoc",
            f"-I{root}",
            f"-I{well_known}",
            f"--python_out={directory}",
            f"--grpc_python_out={directory}",
            os.path.join(root, proto),
        ])
        if status != 0:
            sys.exit(f"protoc failed on {proto} (status {status})")
    sys.path.insert(0, directory)


def objective(x, layers, activation):
    """A function with its minimum 0 at x = 0.3, layers = 3, activation = relu."""
    return (x - 0.3) ** 2 + 0.1 * abs(layers - 3) + (0.0 if activation == "relu" else 0.25)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="127.0.0.1:50051", help="the augur serve address, HOST:PORT")
    parser.add_argument("--study", default="python-demo", help="the study to create and run")
    parser.add_argument("--trials", type=int, default=12, help="how many trials the study runs")
    parser.add_argument("--token-file", help="a file whose first line is the server's bearer token")
    arguments = parser.parse_args()

    import grpc

    with tempfile.TemporaryDirectory(prefix="augur-python-client-") as generated:
        generate_stubs(generated)
        augur = importlib.import_module("augur.v1.augur_service_pb2")
        augur_grpc = importlib.import_module("augur.v1.augur_service_pb2_grpc")
        health = importlib.import_module("augur_health_v1.health_pb2")
        health_grpc = importlib.import_module("augur_health_v1.health_pb2_grpc")

        metadata = []
        if arguments.token_file:
            with open(arguments.token_file) as file:
                metadata.append(("authorization", "Bearer " + file.readline().strip()))

        with grpc.insecure_channel(arguments.server) as channel:
            status = health_grpc.HealthStub(channel).Check(health.HealthCheckRequest(service="augur.v1.AugurService"), timeout=60)
            if status.status != health.HealthCheckResponse.SERVING:
                sys.exit(f"the server at {arguments.server} is not serving ({status.status})")
            service = augur_grpc.AugurServiceStub(channel)

            Spec = augur.StudySpec
            spec = Spec(
                metrics=[Spec.MetricSpec(metric_id="loss", goal=Spec.MetricSpec.MINIMIZE)],
                parameters=[
                    Spec.ParameterSpec(parameter_id="x", double_value_spec=Spec.ParameterSpec.DoubleValueSpec(min_value=-1, max_value=1)),
                    Spec.ParameterSpec(parameter_id="layers", integer_value_spec=Spec.ParameterSpec.IntegerValueSpec(min_value=1, max_value=6)),
                    Spec.ParameterSpec(parameter_id="activation",
                                       categorical_value_spec=Spec.ParameterSpec.CategoricalValueSpec(values=["relu", "tanh"])),
                ],
                algorithm="RANDOM_SEARCH",
                budget=Spec.Budget(max_trial_count=arguments.trials, parallel_trial_count=1),
                seed=11,
            )
            study = service.CreateStudy(augur.CreateStudyRequest(study=augur.Study(display_name=arguments.study, study_spec=spec)),
                                        metadata=metadata)
            print(f"created {study.name}")

            # Random per process: two containers may both run this as pid 1 on hosts of one name.
            client_id = f"python-{os.getpid()}-{uuid.uuid4().hex}"
            finished = 0
            while True:
                response = service.SuggestTrials(
                    augur.SuggestTrialsRequest(parent=study.name, suggestion_count=1, client_id=client_id), metadata=metadata)
                if not response.trials:
                    if response.study_state != augur.Study.ACTIVE:
                        break
                    continue
                for trial in response.trials:
                    values = {p.parameter_id: p.value for p in trial.parameters}
                    x = values["x"].number_value
                    layers = int(values["layers"].number_value)
                    activation = values["activation"].string_value
                    loss = objective(x, layers, activation)
                    for step in (1, 2):
                        service.AddTrialMeasurement(augur.AddTrialMeasurementRequest(
                            trial_name=trial.name,
                            measurement=augur.Measurement(step_count=step, metrics=[augur.Measurement.Metric(metric_id="loss", value=loss + 1.0 / step)]),
                        ), metadata=metadata)
                    done = service.CompleteTrial(augur.CompleteTrialRequest(
                        name=trial.name,
                        final_measurement=augur.Measurement(step_count=3, metrics=[augur.Measurement.Metric(metric_id="loss", value=loss)]),
                    ), metadata=metadata)
                    finished += 1
                    print(f"trial {done.id}: x={x:.4f} layers={layers} activation={activation} loss={loss:.4f}")

            optimal = service.ListOptimalTrials(augur.ListOptimalTrialsRequest(parent=study.name), metadata=metadata).optimal_trials
            trials = service.ListTrials(augur.ListTrialsRequest(parent=study.name), metadata=metadata).trials
            final = service.GetStudy(augur.GetStudyRequest(name=study.name), metadata=metadata)
            if optimal:
                best = optimal[0]
                print(f"best trial {best.id}: loss={best.final_measurement.metrics[0].value:.4f}")
            succeeded = sum(1 for trial in trials if trial.state == augur.Trial.SUCCEEDED)
            print(f"study {final.display_name}: {augur.Study.State.Name(final.state)} ({final.inactive_reason}); "
                  f"{succeeded} of {len(trials)} trials succeeded, {finished} run by this client")
            if final.state != augur.Study.COMPLETED or succeeded != arguments.trials:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
