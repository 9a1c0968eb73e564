#!/usr/bin/env python3
"""The PostgresStoreBenchmark throughput workload through Optuna's RDB storage, on the same PostgreSQL server.

Each client is a process running random search (RandomSampler) on one shared study with a trivial objective;
a trial is asked for, evaluated and told (completed), like Augur's assign + finish.

    python3 -m venv .venv && .venv/bin/pip install optuna psycopg2-binary
    scripts/with-postgres.sh sh -c '.venv/bin/python Benchmarks/optuna_rdb_benchmark.py "$AUGUR_TEST_POSTGRES_URL" 1 4 16'
"""
import math
import multiprocessing
import sys
import time

import optuna


def objective(trial):
    lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
    units = trial.suggest_int("units", 16, 512)
    trial.suggest_categorical("opt", ["adam", "sgd", "rmsprop"])
    return (math.log10(lr) + 3) ** 2 + units / 1000


def client(url, study_name, trials, seed):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=study_name, storage=url, sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(objective, n_trials=trials)


def main():
    # Optuna's tables (studies, trials, ...) would collide with Augur's: keep them in a schema of their own.
    import psycopg2

    with psycopg2.connect(sys.argv[1]) as connection, connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA IF NOT EXISTS optuna_benchmark")
    url = sys.argv[1].replace("postgres://", "postgresql+psycopg2://", 1).replace("postgresql://", "postgresql+psycopg2://", 1)
    url += ("&" if "?" in url else "?") + "options=-csearch_path%3Doptuna_benchmark"
    client_counts = [int(value) for value in sys.argv[2:]] or [1, 4, 16]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    print(f"Optuna {optuna.__version__} RDB storage throughput: random search + complete, trivial objective, one process per client")
    print("clients  trials  seconds  trials/s")
    for clients in client_counts:
        trials = 400 if clients == 1 else 800
        name = f"optuna-throughput-{clients}-{int(time.time())}"
        optuna.create_study(study_name=name, storage=url)
        per_client = trials // clients
        context = multiprocessing.get_context("spawn")
        processes = [context.Process(target=client, args=(url, name, per_client, seed)) for seed in range(clients)]
        start = time.perf_counter()
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        seconds = time.perf_counter() - start
        done = per_client * clients
        print(f"{clients:7d}  {done:6d}  {seconds:7.2f}  {done / seconds:8.0f}")


if __name__ == "__main__":
    main()
