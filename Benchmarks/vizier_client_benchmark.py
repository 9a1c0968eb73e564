#!/usr/bin/env python3
"""The stock OSS Vizier client loop against Vizier's own server and against `augur serve` (issue 13).

Both servers run in a child process on loopback and the same client code drives each through its endpoint
(`clients.environment_variables.server_endpoint`): create a study (6-D Hartmann on [0,1]^6, minimize,
GAUSSIAN_PROCESS_BANDIT), then for each of --trials rounds suggest count=1, evaluate, complete. Each seed gets a fresh
server process and database and its own study id.

Install and run through the driver, which makes the git-ignored venv Benchmarks/.venv-vizier with pinned versions:
    Benchmarks/vizier_client_benchmark.sh --augur-binary .build/release/augur [--seeds 10] [--vizier-seeds 3]
    Benchmarks/vizier_client_benchmark.sh --only vizier --seeds 3 --json .tmp/vizier.json
    Benchmarks/vizier_client_benchmark.sh --only augur --augur-binary .build/release/augur --compare .tmp/vizier.json

Prints per server the median suggest time over trials 1-10, 40-50 and 90-100 (pooled over seeds), the median
evaluate+complete time, the total wall time, the best value and regret (median and worst over seeds), and the
Augur/Vizier per-suggestion time at 40-50 trials; then a markdown table.
"""
import argparse
import json
import math
import os
import platform
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

# ---------------------------------------------------------------------------------------------------------------------
# How `augur serve` is started. Placeholders: {port} (Augur's own API), {vizier_port} (a second free port, for a
# separate Vizier listener should the façade need one), {database}. The client talks to 127.0.0.1:{vizier_port} when
# the arguments mention {vizier_port}, else to 127.0.0.1:{port}. Add flags with --augur-serve-args, e.g.
#   --augur-serve-args '--vizier-listen 127.0.0.1:{vizier_port}'
AUGUR_SERVE_ARGS = ["serve", "--listen", "127.0.0.1:{port}", "--database", "{database}", "--quiet"]
# ---------------------------------------------------------------------------------------------------------------------

SEED_NAMESPACE, SEED_KEY = "augur", "seed"  # --seed-metadata: where the run's seed goes in the study's metadata
HARTMANN6_MIN = -3.322368011391339
ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
DIM = 6
METRIC = "hartmann6"
WINDOWS = [(1, 10), (40, 50), (90, 100)]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(DIM))) for i in range(4))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(host, port, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} before listening on {host}:{port}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid):
    """User and system CPU time of a process, all its threads, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime: fields 14 and 15 of stat(5)
    except (OSError, IndexError, ValueError):
        return None


def drain(stream, sink):
    for line in iter(stream.readline, ""):
        sink.append(line)


# --- the server processes --------------------------------------------------------------------------------------------

def serve_vizier(database_url, seed):
    """Child-process mode: Vizier's DefaultVizierServer (its GP bandit runs in this process) until SIGTERM."""
    import random
    import numpy as np
    random.seed(seed)  # VizierGPBandit draws its PRNG key from Python's `random` on each suggestion
    np.random.seed(seed)
    from vizier.service import servers
    server = servers.DefaultVizierServer(database_url=database_url)
    print(f"vizier endpoint: {server.endpoint}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server._server.stop(grace=1)  # pylint: disable=protected-access


def start_vizier(workdir, seed, args):
    database = os.path.join(workdir, "vizier.sqlite")
    url = "sqlite:///:memory:" if args.vizier_database == "memory" else f"sqlite:///{database}"
    command = [sys.executable, os.path.abspath(__file__), "--serve-vizier", url, "--serve-seed", str(seed)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors = []
    threading.Thread(target=drain, args=(process.stderr, errors), daemon=True).start()
    line = process.stdout.readline()
    match = re.search(r"vizier endpoint: (\S+):(\d+)", line)
    if not match:
        stop(process)
        raise RuntimeError("Vizier's server did not start:\n" + line + "".join(errors[-30:]))
    threading.Thread(target=drain, args=(process.stdout, []), daemon=True).start()
    host, port = match.group(1), int(match.group(2))
    wait_for_port("127.0.0.1" if host == "localhost" else host, port, process, 60)
    return process, f"{host}:{port}", errors


def start_augur(workdir, seed, args):
    del seed  # it reaches Augur, if at all, through the study metadata (--seed-metadata); each seed is a new database
    port, vizier_port = free_port(), free_port()
    extra = shlex.split(args.augur_serve_args or "")
    template = AUGUR_SERVE_ARGS + extra
    values = {"port": port, "vizier_port": vizier_port, "database": os.path.join(workdir, "augur.sqlite")}
    command = [args.augur_binary] + [a.format(**values) for a in template]
    client_port = vizier_port if any("{vizier_port}" in a for a in template) else port
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    threading.Thread(target=drain, args=(process.stdout, output), daemon=True).start()
    try:
        wait_for_port("127.0.0.1", client_port, process, 60)
    except RuntimeError as error:
        stop(process)
        raise RuntimeError(f"{error}\ncommand: {shlex.join(command)}\n" + "".join(output[-30:])) from None
    return process, f"127.0.0.1:{client_port}", output


# --- the client loop (identical for both servers) ---------------------------------------------------------------------

class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGTERM or Ctrl-C, with the rounds it finished (their timings still count)."""

    def __init__(self, partial):
        super().__init__()
        self.partial = partial


def client_loop(endpoint, study_id, trials, client_id, log=None, seed=None, server_pid=None):
    from vizier.service import clients, pyvizier as vz
    clients.environment_variables.server_endpoint = endpoint
    problem = vz.ProblemStatement()
    for k in range(DIM):
        problem.search_space.root.add_float_param(f"x{k}", 0.0, 1.0)
    problem.metric_information.append(vz.MetricInformation(name=METRIC, goal=vz.ObjectiveMetricGoal.MINIMIZE))
    config = vz.StudyConfig.from_problem(problem)
    config.algorithm = "GAUSSIAN_PROCESS_BANDIT"
    if seed is not None:
        # Vizier's StudySpec has no seed (its server seeds from Python's `random`, which --serve-seed sets). This study
        # metadata entry is stored by both servers; a server that reads it can vary its seed per run.
        config.metadata.ns(SEED_NAMESPACE)[SEED_KEY] = str(seed)

    start = time.perf_counter()
    study = clients.Study.from_study_config(config, owner="bench", study_id=study_id)
    suggest_s, suggest_cpu_s, complete_s, values = [], [], [], []
    try:
        while len(values) < trials:
            c0 = cpu_seconds(server_pid) if server_pid else None
            t0 = time.perf_counter()
            suggestions = study.suggest(count=1, client_id=client_id)
            t1 = time.perf_counter()
            c1 = cpu_seconds(server_pid) if server_pid else None
            if not suggestions:
                raise RuntimeError(f"no suggestion at trial {len(values) + 1}")
            for trial in suggestions:
                parameters = trial.parameters
                value = hartmann6([float(parameters[f"x{k}"]) for k in range(DIM)])
                trial.complete(vz.Measurement(metrics={METRIC: value}))
                values.append(value)
            suggest_s.append(t1 - t0)
            if c0 is not None and c1 is not None:
                suggest_cpu_s.append(c1 - c0)
            complete_s.append(time.perf_counter() - t1)
            if log and len(values) % 10 == 0 and suggest_s[-1] > 0.5:  # progress, for the slow server
                log(f"  {study_id}: {len(values)} trials, last suggest {suggest_s[-1]:.2f} s, best {min(values):.4f}")
    except KeyboardInterrupt:
        n = len(complete_s)  # the rounds that finished
        raise Interrupted({"suggest_s": suggest_s[:n], "suggest_cpu_s": suggest_cpu_s[:n], "complete_s": complete_s,
                           "values": values[:n], "total_s": None, "best": min(values[:n], default=None)}) from None
    total = time.perf_counter() - start
    # What the server says is the best trial should agree with what the client saw.
    optimal = [t.materialize() for t in study.optimal_trials()]
    server_best = min(t.final_measurement.metrics[METRIC].value for t in optimal) if optimal else None
    return {"suggest_s": suggest_s, "suggest_cpu_s": suggest_cpu_s, "complete_s": complete_s, "values": values, "total_s": total,
            "best": min(values), "server_best": server_best}


def run_server(name, starter, seeds, args, log, save, previous_runs=()):
    runs, failures = list(previous_runs), []
    result = {"runs": runs, "failures": failures}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for seed in seeds:
        with tempfile.TemporaryDirectory(prefix=f"vzbench-{name}-") as workdir:
            process = None
            try:
                process, endpoint, _ = starter(workdir, seed, args)
                study_id = f"hartmann6-{name}-{stamp}-seed{seed}"
                run = client_loop(endpoint, study_id, args.trials, f"bench-client-{seed}", log,
                                  seed if args.seed_metadata else None, process.pid)
                run["seed"] = seed
                runs.append(run)
                save(name, result)  # before the server stops, which may take a while
                log(f"{name} seed {seed}: best {run['best']:.5f} (regret {run['best'] - HARTMANN6_MIN:.2e}), "
                    f"median suggest {statistics.median(run['suggest_s']) * 1e3:.1f} ms, "
                    f"total {run['total_s']:.1f} s")
            except Exception as error:  # pylint: disable=broad-except
                failures.append(f"seed {seed}: {type(error).__name__}: {error}")
                log(f"{name} seed {seed} FAILED: {type(error).__name__}: {error}")
                if args.stop_on_failure or name == "augur" and not runs:
                    break  # the façade is missing or broken: no point repeating it for every seed
            except KeyboardInterrupt as interruption:
                log(f"{name}: interrupted during seed {seed}; summarizing the {len(runs)} seeds done")
                if isinstance(interruption, Interrupted) and interruption.partial["values"]:
                    interruption.partial["seed"] = seed
                    result["partial"] = interruption.partial  # its timings count, its best value does not
                result["interrupted"] = True
                break
            finally:
                if process is not None:
                    try:
                        stop(process)
                    except KeyboardInterrupt:  # a signal while the server stops: stop it at once, and the run
                        process.kill()
                        result["interrupted"] = True
        save(name, result)
        if result.get("interrupted"):
            break
    return result


# --- summary ----------------------------------------------------------------------------------------------------------

def window_median(runs, key, first, last):
    pooled = [r[key][i - 1] for r in runs for i in range(first, last + 1) if i <= len(r.get(key, []))]
    return statistics.median(pooled) if pooled else float("nan")


def window_mean(runs, key, first, last):
    """A mean, not a median: /proc counts CPU time in clock ticks (10 ms), coarser than one fast suggestion."""
    pooled = [r[key][i - 1] for r in runs for i in range(first, last + 1) if i <= len(r.get(key, []))]
    return statistics.fmean(pooled) if pooled else float("nan")


def summarize(result):
    runs = result["runs"]
    timed = runs + ([result["partial"]] if result.get("partial") else [])
    if not timed:
        return None
    bests = [r["best"] for r in runs] or [float("nan")]
    return {
        "seeds": len(runs),
        "partial_trials": len(result["partial"]["values"]) if result.get("partial") else 0,
        "trials": min(len(r["values"]) for r in runs),
        "suggest_windows_s": {f"{a}-{b}": window_median(timed, "suggest_s", a, b) for a, b in WINDOWS},
        "suggest_cpu_windows_s": {f"{a}-{b}": window_mean(timed, "suggest_cpu_s", a, b) for a, b in WINDOWS},
        "complete_median_s": statistics.median(x for r in timed for x in r["complete_s"]),
        "total_median_s": statistics.median(r["total_s"] for r in runs) if runs else float("nan"),
        "total_max_s": max(r["total_s"] for r in runs) if runs else float("nan"),
        "best_median": statistics.median(bests),
        "best_worst": max(bests),
        "regret_median": statistics.median(bests) - HARTMANN6_MIN,
        "regret_worst": max(bests) - HARTMANN6_MIN,
    }


def ms(seconds):
    if math.isnan(seconds):
        return "–"
    return f"{seconds * 1e3:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def table(results):
    header = ("| server | seeds | suggest 1–10 | suggest 40–50 | suggest 90–100 | server CPU per suggest 40–50 (mean) "
              "| complete | total wall (median) | best (median / worst) | regret (median / worst) |")
    lines = [header, "|" + " --- |" * 10]
    for name, result in results.items():
        s = result.get("summary")
        if s is None:
            lines.append(f"| {name} | 0 | failed: {result['failures'][0] if result['failures'] else 'not run'} "
                         "| | | | | | | |")
            continue
        w = s["suggest_windows_s"]
        cpu = s.get("suggest_cpu_windows_s", {}).get("40-50", float("nan"))
        seeds = f"{s['seeds']}" + (f" + 1 cut at {s['partial_trials']} trials" if s.get("partial_trials") else "")
        lines.append(f"| {name} | {seeds} | {ms(w['1-10'])} | {ms(w['40-50'])} | {ms(w['90-100'])} | {ms(cpu)} "
                     f"| {ms(s['complete_median_s'])} | {s['total_median_s']:,.1f} s "
                     f"| {s['best_median']:.4f} / {s['best_worst']:.4f} "
                     f"| {s['regret_median']:.2e} / {s['regret_worst']:.2e} |")
    return "\n".join(lines)


def verdict(results):
    v, a = results.get("vizier", {}).get("summary"), results.get("augur", {}).get("summary")
    if not (v and a):
        return "Augur/Vizier: needs both halves (run both, or pass --compare with the other half's --json)."
    ratio = a["suggest_windows_s"]["40-50"] / v["suggest_windows_s"]["40-50"]
    speedup = 1 / ratio if ratio > 0 else float("inf")
    better = a["best_median"] <= v["best_median"]
    a_cpu = a.get("suggest_cpu_windows_s", {}).get("40-50", float("nan"))
    v_cpu = v.get("suggest_cpu_windows_s", {}).get("40-50", float("nan"))
    cpu = (f" Server CPU per suggestion at 40–50: Augur/Vizier {a_cpu / v_cpu:.4f} (Augur {v_cpu / a_cpu:,.0f}× less)."
           if a_cpu > 0 and v_cpu > 0 else "")
    if math.isnan(a["best_median"]) or math.isnan(v["best_median"]):
        best = "Best value: not compared (a server has no finished seed)."
    else:
        best = (f"Best value, median over seeds: Augur {a['best_median']:.4f}, Vizier {v['best_median']:.4f} (minimizing; "
                f"target equal or better: {'met' if better else 'NOT met'}).")
    return (f"Augur/Vizier per-suggestion time at trials 40–50: {ratio:.4f} (Augur {speedup:,.0f}× faster; target ≥ 50×: "
            f"{'met' if speedup >= 50 else 'NOT met'}). " + best + cpu)


def environment(args):
    info = {"date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "python": platform.python_version(),
            "cpus": os.cpu_count(), "load_average_start": os.getloadavg()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    from importlib import metadata
    for package in ("google-vizier", "jax", "jaxlib", "flax", "numpy", "grpcio", "protobuf", "tfp-nightly"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = None
    if args.augur_binary:
        try:
            version = subprocess.run([args.augur_binary, "--version"], capture_output=True, text=True,
                                     timeout=30).stdout.strip()
            info["augur"] = f"augur {version}" + (" (a DEBUG build: its timings mean little)"
                                                  if "/debug/" in os.path.realpath(args.augur_binary) else "")
        except OSError as error:
            info["augur"] = f"not runnable: {error}"
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["vizier", "augur"], help="run one half only")
    parser.add_argument("--augur-binary", help="path to augur (e.g. .build/release/augur); required for the Augur half")
    parser.add_argument("--augur-serve-args", default=os.environ.get("AUGUR_SERVE_ARGS", ""),
                        help="extra `augur serve` arguments ({port}, {vizier_port}, {database} are filled in); "
                             "default $AUGUR_SERVE_ARGS")
    parser.add_argument("--seeds", type=int, default=10, help="seeds per server (default 10, the team rule)")
    parser.add_argument("--vizier-seeds", type=int,
                        help="seeds for Vizier only (its GP bandit takes seconds per suggestion); default --seeds")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--vizier-database", choices=["sqlite", "memory"], default="sqlite",
                        help="Vizier's store: an SQLite file in a temporary folder (like Augur's) or in memory")
    parser.add_argument("--json", help="write all per-round timings and values here")
    parser.add_argument("--resume", help="a --json file of an earlier, stopped run: its finished seeds of the servers "
                                         "run now count as if run now (pair with --first-seed)")
    parser.add_argument("--compare", help="a --json file from an earlier run: its halves fill in those not run now")
    parser.add_argument("--stop-on-failure", action="store_true")
    parser.add_argument("--seed-metadata", action=argparse.BooleanOptionalAction, default=True,
                        help=f"put the seed in the study's metadata ({SEED_NAMESPACE}/{SEED_KEY}); default on")
    parser.add_argument("--serve-vizier", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--serve-seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_vizier:
        serve_vizier(args.serve_vizier, args.serve_seed)
        return 0

    halves = [args.only] if args.only else ["vizier", "augur"]
    if "augur" in halves and not args.augur_binary:
        parser.error("the Augur half needs --augur-binary (or say --only vizier)")

    def log(message):
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    info = environment(args)
    log(f"{info['cpu']}, {info['cpus']} CPUs, load {info['load_average_start']}; google-vizier {info['google-vizier']}, "
        f"jax {info['jax']}" + (f"; {info.get('augur')}" if args.augur_binary else ""))

    results = {}
    if args.compare:
        with open(args.compare) as f:
            earlier = json.load(f)
        for name, result in earlier["results"].items():
            if name not in halves:
                result["from"] = args.compare
                results[name] = result
                log(f"{name}: taken from {args.compare} ({earlier['environment'].get('date_utc')})")
    def save(name, partial):  # after every seed, so that a long run stopped early keeps what it measured
        if args.json:
            os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
            with open(args.json, "w") as f:
                json.dump({"environment": info, "trials": args.trials, "results": {**results, name: partial}}, f)

    # SIGTERM (or Ctrl-C) stops after summarizing the seeds that finished.
    def interrupt(*_):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, interrupt)
    for name in halves:
        count = args.vizier_seeds if name == "vizier" and args.vizier_seeds else args.seeds
        seeds = list(range(args.first_seed, args.first_seed + count))
        starter = start_vizier if name == "vizier" else start_augur
        log(f"{name}: {count} seeds × {args.trials} trials, suggest count=1")
        previous = []
        if args.resume:
            with open(args.resume) as f:
                previous = json.load(f)["results"].get(name, {}).get("runs", [])
            log(f"{name}: {len(previous)} finished seeds from {args.resume} (seeds {[r['seed'] for r in previous]})")
        results[name] = run_server(name, starter, seeds, args, log, save, previous)
        results[name]["summary"] = summarize(results[name])
        if results[name].get("interrupted"):
            break
    info["load_average_end"] = os.getloadavg()

    order = {n: results[n] for n in ("vizier", "augur") if n in results}
    print(f"\n## Stock Vizier client, GAUSSIAN_PROCESS_BANDIT, Hartmann-6 (min {HARTMANN6_MIN}), "
          f"{args.trials} trials, suggest count=1\n")
    print(f"{info['date_utc']}; {info['cpu']}, {info['cpus']} CPUs; load average {info['load_average_start'][0]:.2f} at "
          f"the start, {info['load_average_end'][0]:.2f} at the end; google-vizier {info['google-vizier']}, "
          f"jax {info['jax']}, Python {info['python']}" + (f"; {info['augur']}" if info.get("augur") else "") + ".")
    print("Suggest times: wall time of the client's suggest call, median over those trials of all seeds; server CPU: "
          "the server process's user+system CPU seconds (all threads) during the call, mean over those trials (clock ticks "
          "of 10 ms), which a loaded machine "
          "inflates less than wall time; complete: median time to evaluate and complete a trial; each seed a fresh "
          "server process and database.\n")
    print(table(order))
    print()
    for name, result in order.items():
        s = result.get("summary")
        if s and s["seeds"] < 10:
            print(f"- {name}: {s['seeds']} seeds, fewer than the 10 that quality claims need: its best values are "
                  "indicative, its timings are not affected.")
        if result.get("interrupted"):
            print(f"- {name}: stopped early, after {len(result['runs'])} seeds"
                  + (f" and {len(result['partial']['values'])} trials of the next, whose suggest and complete times "
                     "are in the table (its best value is not)." if result.get("partial") else "."))
        if result.get("from"):
            print(f"- {name}: from {result['from']}.")
        runs = result.get("runs", [])
        if len(runs) > 1 and all(r["values"] == runs[0]["values"] for r in runs):
            print(f"- {name}: all {len(runs)} seeds suggested exactly the same trials: the server did not vary its seed "
                  "between runs, so the spread over seeds is not measured (one run repeated).")
        disagree = [r["seed"] for r in result.get("runs", []) if r.get("server_best") != r["best"]]
        if disagree:
            print(f"- {name}: the server's optimal trial is not the best value the client saw for seeds {disagree}.")
        for failure in result.get("failures", []):
            print(f"- {name} failure: {failure}")
    print(f"- {verdict(order)}")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"environment": info, "trials": args.trials, "results": results}, f)
        log(f"wrote {args.json}")
    failed = any(not r.get("summary") for n, r in results.items() if n in halves)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
