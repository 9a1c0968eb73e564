#!/usr/bin/env bash
# Fault injection: kills Augur's processes (and restarts PostgreSQL) in the middle of small studies and measures what
# the faults cost, from the store and from a log the trials write themselves.
#
#   Benchmarks/fault_injection.sh .build/debug/augur            # all cases, about 5 minutes
#   Benchmarks/fault_injection.sh .build/debug/augur 1 3b       # only the cases named
#
# Without AUGUR_TEST_POSTGRES_URL the script runs itself under scripts/with-postgres.sh (a throwaway server on
# 127.0.0.1, which case 5 stops and starts). Everything listens on 127.0.0.1 only.
#
# Each study has 30 trials of two doubles, seeded. A trial is `sh -c` that appends "start ID PID TIME" to the case's
# log, then "tick ID PID TIME" every 0.25 s for 1–3 s (set by its x), then "end ID PID TIME", and prints loss=…
# (PID is the shell's PID namespace and its pid there, NAMESPACE:PID, as workers in namespaces of their own see a
# /proc of their own). A command's life is [start, its last line]; a command killed without a chance to write "end"
# is known to be dead no later than 0.25 s after its last tick.
#
# Per case it prints: the trials in the study vs the budget and their states (lost = budget − COMPLETED), duplicate
# ids and duplicate parameter sets (duplicated), how many commands ran to "end" more than once for one trial, the
# most commands of one trial alive at once (> 1 = run twice at once), the most commands alive at once vs the parallel
# limit, commands of the killed process still alive 1 s after the kill (orphans), and recovery: seconds from the fault
# until the first trial command started again and until every trial interrupted by the fault had started again.
# Trials run more than once are listed with their runs' times. It exits 1 when any case lost, duplicated or
# overlapped a trial or exceeded the parallel limit (case 3d, a live worker whose lease lapsed, only when it lost or
# duplicated one: re-running its trials is what a lease does).
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 PATH/TO/augur [CASE...]   (cases: 1 2 3a 3b 3c 3d 4 5 5b)" >&2
    exit 64
fi
augur="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
[[ -x "$augur" ]] || { echo "fault_injection: $augur is not executable" >&2; exit 64; }

if [[ -z "${AUGUR_TEST_POSTGRES_URL:-}" ]]; then
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    exec "$here/../scripts/with-postgres.sh" "$here/fault_injection.sh" "$augur" "$@"
fi

cases=("$@")
[[ ${#cases[@]} -gt 0 ]] || cases=(1 2 3a 3b 3c 3d 4 5 5b)

work="$(mktemp -d /tmp/augur-faults.XXXXXX)"
started_pids=()
cleanup() {
    local pid
    for pid in "${started_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
echo "fault_injection: $("$augur" --version 2>/dev/null || echo augur), work directory $work, $(nproc) cores, $(date -u +%FT%TZ)"

budget=30
failures=0

now() { date +%s.%N; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# NAMESPACE:PID of a host pid, as the trial script writes it.
namespaced() {
    local namespace nspid
    namespace="$(readlink "/proc/$1/ns/pid" 2>/dev/null | tr -dc 0-9)" || return 0
    nspid="$(awk '/^NSpid:/ { print $NF }' "/proc/$1/status" 2>/dev/null)" || return 0
    [[ -z "$namespace" || -z "$nspid" ]] || echo "$namespace:$nspid"
}

# All descendants of a process (a snapshot).
descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        echo "$child"
        descendants "$child"
    done
}

# write_spec FILE NAME PARALLEL LOG
write_spec() {
    cat >"$1" <<EOF
name: $2
objective: {metric: loss, goal: minimize}
parameters:
  - {name: x, type: double, min: 0, max: 1}
  - {name: y, type: double, min: 0, max: 1}
algorithm: random
budget: {maxTrials: $budget, parallelTrials: $3}
seed: 17
trial:
  command:
    - sh
    - -c
    - |
      log='$4'
      id=\$AUGUR_TRIAL_ID
      pid=\$(readlink /proc/self/ns/pid | tr -dc 0-9):\$(cut -d' ' -f4 /proc/self/stat)
      echo "start \$id \$pid \$(date +%s.%N)" >> "\$log"
      ticks=\$(awk -v x="\$AUGUR_PARAM_X" 'BEGIN { printf "%d", 4 + x * 8 }')
      i=0
      while [ "\$i" -lt "\$ticks" ]; do
        sleep 0.25
        echo "tick \$id \$pid \$(date +%s.%N)" >> "\$log"
        i=\$((i + 1))
      done
      echo "end \$id \$pid \$(date +%s.%N)" >> "\$log"
      awk -v x="\$AUGUR_PARAM_X" -v y="\$AUGUR_PARAM_Y" 'BEGIN { printf "loss=%.6f\n", (x - 0.3) ^ 2 + (y - 0.6) ^ 2 }'
  timeout: 60s
EOF
}

# wait_for_ends LOG N: until the log has N "end" lines (at most 90 s).
wait_for_ends() {
    local deadline=$((SECONDS + 90))
    while (( SECONDS < deadline )); do
        if [[ -f "$1" ]] && (( $(grep -c '^end ' "$1" || true) >= $2 )); then return 0; fi
        sleep 0.1
    done
    echo "fault_injection: fewer than $2 trials ended within 90 s" >&2
    return 1
}

# wait_exit PID SECONDS: waits for a child of this shell; kills it when it runs longer. Returns its status.
wait_exit() {
    local pid=$1 limit=$2 deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "fault_injection: process $pid still running after ${limit} s, killed" >&2
        kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null
}

# analyse CASE DESCRIPTION DIR DATABASE STUDY PARALLEL: reads DIR/log, DIR/fault (the fault's time), DIR/back (when
# the faulty part was back, if any) and DIR/killed (pids of the killed process's descendants at the kill).
# With RERUNS_EXPECTED=1 (a live worker whose lease lapsed) a trial run twice is reported but fails nothing.
analyse() {
    local case=$1 description=$2 dir=$3 database=$4 study=$5 parallel=$6
    "$augur" trials "$study" --format csv --database "$database" >"$dir/trials.csv"
    python3 - "$case" "$description" "$dir" "$budget" "$parallel" "${RERUNS_EXPECTED:-0}" <<'PY' || failures=$((failures + 1))
import csv, sys, collections
case, description, folder, budget, parallel = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
reruns_expected = sys.argv[6] == "1"
rows = list(csv.DictReader(open(f"{folder}/trials.csv")))
states = collections.Counter(row["state"] for row in rows)
ids = collections.Counter(row["id"] for row in rows)
params = collections.Counter((row["param.x"], row["param.y"]) for row in rows)
duplicate_ids = sum(n - 1 for n in ids.values() if n > 1)
duplicate_params = sum(n - 1 for n in params.values() if n > 1)
retried = sum(1 for row in rows if int(row.get("retries") or 0) > 0)
lost = budget - states.get("COMPLETED", 0)

def read_time(name):
    try:
        return float(open(f"{folder}/{name}").read().split()[0])
    except (OSError, IndexError):
        return None
fault, back = read_time("fault"), read_time("back")
try:
    killed = set(open(f"{folder}/killed").read().split())
except OSError:
    killed = set()

life = {}       # (trial, pid) -> [first, last, ended]
for line in open(f"{folder}/log"):
    kind, trial, pid, at = line.split()
    key, at = (int(trial), pid), float(at)
    span = life.setdefault(key, [at, at, False])
    span[0], span[1] = min(span[0], at), max(span[1], at)
    span[2] = span[2] or kind == "end"

def most_at_once(spans):
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans], key=lambda e: (e[0], e[1]))
    alive = best = 0
    for _, step in events:
        alive += step
        best = max(best, alive)
    return best

by_trial = collections.defaultdict(list)
for (trial, pid), (first, last, ended) in life.items():
    by_trial[trial].append((first, last, ended))
overall = most_at_once([(first, last) for first, last, _ in life.values()])
twice = max(most_at_once([(f, l) for f, l, _ in spans]) for spans in by_trial.values())
ran_twice_to_end = sum(1 for spans in by_trial.values() if sum(1 for s in spans if s[2]) > 1)
orphans = sorted(pid for (trial, pid), (first, last, ended) in life.items()
                 if pid in killed and fault is not None and last > fault + 1.0)

recovery = "n/a"
if fault is not None:
    # Progress again: the first command started after the fault, or after the restart when something was restarted
    # (a command may still start in the moment a stopping server takes to go).
    starts_after = [first for first, _, _ in life.values() if first > (back or fault)]
    interrupted = {trial for (trial, pid), (first, last, ended) in life.items()
                   if first < fault and not ended and (pid in killed or not killed)}
    restarts = [min(f for f, _, _ in by_trial[t] if f > fault) for t in interrupted
                if any(f > fault for f, _, _ in by_trial[t])]
    first_start = f"{min(starts_after) - fault:.1f} s after the fault" if starts_after else "none"
    recovery = f"first new start {first_start}"
    if back is not None and starts_after:
        recovery += f" ({min(starts_after) - back:.1f} s after the restart)"
    if interrupted:
        missing = len(interrupted) - len(restarts)
        recovery += f"; {len(interrupted)} interrupted trials all started again {max(restarts) - fault:.1f} s after" \
            if not missing else f"; {missing} of {len(interrupted)} interrupted trials never started again"

state_text = " ".join(f"{k}={v}" for k, v in sorted(states.items()))
bad = lost > 0 or duplicate_ids or duplicate_params or (not reruns_expected and (twice > 1 or overall > parallel
                                                                                or ran_twice_to_end))
print(f"case {case}: {description}")
print(f"  trials {len(rows)}/{budget} ({state_text}), lost {lost}, retried {retried}, duplicate ids {duplicate_ids}, "
      f"duplicate parameter sets {duplicate_params}")
print(f"  most commands of one trial at once {twice}, trials whose command ran to the end twice {ran_twice_to_end}, "
      f"most commands at once {overall} (limit {parallel}), orphans alive 1 s after the kill {len(orphans)}")
print(f"  recovery: {recovery}")
if orphans:
    print(f"  orphan pids: {orphans}")
for trial, spans in sorted(by_trial.items()):
    if len(spans) > 1 and (sum(1 for s in spans if s[2]) > 1 or most_at_once([(f, l) for f, l, _ in spans]) > 1):
        runs = ", ".join(f"[{f - (fault or 0):+.2f} s, {l - (fault or 0):+.2f} s{' end' if e else ''}]" for f, l, e in sorted(spans))
        print(f"  trial {trial} ran {len(spans)} times (relative to the fault): {runs}")
if reruns_expected and (twice > 1 or ran_twice_to_end or overall > parallel):
    print("  (expected: the worker lived on after its lease lapsed)")
print(f"  {'FAIL' if bad else 'ok'}")
sys.exit(1 if bad else 0)
PY
}

# start_run DIR DATABASE OUT: writes the case's spec (for the caller's $study) into DIR, starts `augur run` on it in
# the background with its output in OUT, sets the caller's $runner to its pid and waits until 8 trials have ended.
start_run() {
    local dir=$1 database=$2 out=$3
    write_spec "$dir/spec.yaml" "$study" 3 "$dir/log"
    "$augur" run "$dir/spec.yaml" --database "$database" --run-directory "$dir/run" -q >"$out" 2>&1 &
    runner=$!
    started_pids+=("$runner")
    wait_for_ends "$dir/log" 8
}

# Cases 1, 2: kill -9 of augur run mid-study, then augur run again.
case_run_killed() {
    local case=$1 database=$2 dir="$work/$tag" study="faults-$tag"
    mkdir -p "$dir"
    local runner
    start_run "$dir" "$database" "$dir/run1.out"
    for pid in $(descendants "$runner"); do namespaced "$pid"; done >"$dir/killed"
    now >"$dir/fault"
    kill -9 "$runner"
    wait "$runner" 2>/dev/null || true
    sleep 1
    now >"$dir/back"
    "$augur" run "$dir/spec.yaml" --database "$database" --run-directory "$dir/run" -q >"$dir/run2.out" 2>&1 &
    runner=$!
    started_pids+=("$runner")
    wait_exit "$runner" 120 || echo "case $case: the resumed augur run exited with status $?" >&2
    analyse "$case" "$3" "$dir" "$database" "$study" 3
}

# start_serve DIR DATABASE PORT LEASE: starts augur serve, waits until it listens.
start_serve() {
    "$augur" serve --database "$2" --listen "127.0.0.1:$3" --lease-seconds "$4" -q >>"$1/serve.out" 2>&1 &
    serve_pid=$!
    started_pids+=("$serve_pid")
    local deadline=$((SECONDS + 30))
    until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $3), 0.5)" 2>/dev/null; do
        (( SECONDS < deadline )) || { echo "fault_injection: augur serve did not listen on $3" >&2; return 1; }
        sleep 0.1
    done
}

# start_worker DIR N PORT REMOTE: a worker with --parallel 2; REMOTE=1 runs it in a PID namespace of its own, so
# the server cannot see its process die and waits for its lease (as for a worker on another machine).
start_worker() {
    local dir=$1 n=$2 port=$3 remote=$4
    local command=("$augur" worker --server "127.0.0.1:$port" --spec "$dir/spec.yaml" --parallel 2
                   --run-directory "$dir/worker$n" --retry-seconds 60 -q)
    if [[ "$remote" == 1 ]]; then
        # With a /proc of its own, as in a container. The worker is not the namespace's init (sh is, and outlives a
        # killed worker by 5 s), so what ends its trials' commands is PR_SET_PDEATHSIG, not the end of the namespace.
        unshare --pid --fork --mount-proc sh -c '"$@" & wait $!; s=$?; [ $s -ne 137 ] || sleep 5; exit $s' sh "${command[@]}" \
            >"$dir/worker$n.out" 2>&1 &
    else
        "${command[@]}" >"$dir/worker$n.out" 2>&1 &
    fi
    worker_pids[$n]=$!
    started_pids+=("$!")
}

# The host pid of the augur worker under WRAPPER (itself when it is the worker).
worker_process() {
    local pid
    for pid in "$1" $(descendants "$1"); do
        if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "^$augur worker"; then echo "$pid"; return; fi
    done
}

# Case 3: serve + two workers (--parallel 2 each, limit 4); kill -9 one worker; the other finishes. With
# PAUSE=SECONDS the worker is stopped (SIGSTOP) that long instead, then continued: a slow or partitioned worker.
case_worker_killed() {
    local case=$1 lease=$2 remote=$3 database="$work/$tag/augur.sqlite" dir="$work/$tag" study="faults-$tag"
    mkdir -p "$dir"
    write_spec "$dir/spec.yaml" "$study" 4 "$dir/log"
    local port
    port="$(free_port)"
    start_serve "$dir" "$database" "$port" "$lease"
    declare -ga worker_pids=()
    start_worker "$dir" 1 "$port" "$remote"
    sleep 1
    start_worker "$dir" 2 "$port" "$remote"
    wait_for_ends "$dir/log" 8
    local victim
    victim="$(worker_process "${worker_pids[1]}")"
    [[ -n "$victim" ]] || { echo "case $case: worker 1 is not running ($(tail -1 "$dir/worker1.out"))" >&2; return 1; }
    if [[ -n "${PAUSE:-}" ]]; then
        now >"$dir/fault"
        kill -STOP "$victim"
        sleep "$PAUSE"
        kill -CONT "$victim"
        wait_exit "${worker_pids[1]}" 150 || echo "case $case: worker 1 exited with status $?" >&2
    else
        for pid in $(descendants "$victim"); do namespaced "$pid"; done >"$dir/killed"
        now >"$dir/fault"
        kill -9 "$victim"
    fi
    wait_exit "${worker_pids[2]}" 150 || echo "case $case: worker 2 exited with status $?" >&2
    kill -9 "${worker_pids[1]}" 2>/dev/null || true
    wait "${worker_pids[1]}" 2>/dev/null || true
    analyse "$case" "$4" "$dir" "$database" "$study" 4
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
}

# Case 4: kill -9 of augur serve (on PostgreSQL) mid-study; restarted on the same port 3 s later.
case_serve_killed() {
    local case=4 database=$AUGUR_TEST_POSTGRES_URL dir="$work/$tag" study="faults-$tag"
    mkdir -p "$dir"
    write_spec "$dir/spec.yaml" "$study" 4 "$dir/log"
    local port
    port="$(free_port)"
    start_serve "$dir" "$database" "$port" 15
    declare -ga worker_pids=()
    start_worker "$dir" 1 "$port" 0
    sleep 1
    start_worker "$dir" 2 "$port" 0
    wait_for_ends "$dir/log" 8
    now >"$dir/fault"
    kill -9 "$serve_pid"
    wait "$serve_pid" 2>/dev/null || true
    sleep 3
    now >"$dir/back"
    start_serve "$dir" "$database" "$port" 15
    wait_exit "${worker_pids[1]}" 150 || echo "case 4: worker 1 exited with status $?" >&2
    wait_exit "${worker_pids[2]}" 30 || echo "case 4: worker 2 exited with status $?" >&2
    analyse 4 "$1" "$dir" "$database" "$study" 4
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
}

# Case 5: the PostgreSQL server stopped (pg_ctl stop -m fast) for OUTAGE seconds under augur run, then started
# again; an augur run that gave up meanwhile is run again (said so in the output).
case_postgres_restarted() {
    local case=$1 outage=$2 database=$AUGUR_TEST_POSTGRES_URL dir="$work/$tag" study="faults-$tag"
    local bindir=$AUGUR_TEST_POSTGRES_BINDIR datadir=$AUGUR_TEST_POSTGRES_DATADIR
    local port=${database##*:}
    port=${port%%/*}
    local as_server_user=()
    [[ "$(id -u)" != 0 ]] || as_server_user=(runuser -u postgres --)
    mkdir -p "$dir"
    local runner
    start_run "$dir" "$database" "$dir/run.out"
    now >"$dir/fault"
    "${as_server_user[@]}" "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null
    sleep "$outage"
    "${as_server_user[@]}" "$bindir/pg_ctl" -D "$datadir" -l "$(dirname "$datadir")/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $(dirname "$datadir") -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    now >"$dir/back"
    if ! wait_exit "$runner" 120; then
        echo "case $case: augur run exited with status $? ($(tail -1 "$dir/run.out")); running it again" >&2
        "$augur" run "$dir/spec.yaml" --database "$database" --run-directory "$dir/run" -q >"$dir/run2.out" 2>&1 &
        runner=$!
        started_pids+=("$runner")
        wait_exit "$runner" 120 || echo "case $case: the resumed augur run exited with status $?" >&2
    fi
    analyse "$case" "$3" "$dir" "$database" "$study" 3
}

index=0
for c in "${cases[@]}"; do
    # A case may be named more than once: each run has a folder and a study of its own.
    index=$((index + 1))
    tag="case$c-$index"
    t0=$SECONDS
    case $c in
        1) case_run_killed 1 "$work/$tag/augur.sqlite" "kill -9 of augur run (SQLite, parallel 3) after 8 trials, augur run again 1 s later" ;;
        2) case_run_killed 2 "$AUGUR_TEST_POSTGRES_URL" "kill -9 of augur run (PostgreSQL, parallel 3) after 8 trials, augur run again 1 s later" ;;
        3a) case_worker_killed 3a 15 0 "augur serve --lease-seconds 15 (SQLite) + 2 workers --parallel 2 on its host, kill -9 of one worker" ;;
        3b) case_worker_killed 3b 15 1 "as 3a, workers in PID namespaces of their own (remote: only the lease tells), --lease-seconds 15" ;;
        3c) case_worker_killed 3c 5 1 "as 3b with --lease-seconds 5" ;;
        3d) PAUSE=12 RERUNS_EXPECTED=1 case_worker_killed 3d 5 0 \
                "as 3a with --lease-seconds 5, one worker stopped (SIGSTOP) for 12 s, then continued (SIGCONT)" ;;
        4) case_serve_killed "kill -9 of augur serve (PostgreSQL, lease 15 s) + 2 workers, serve restarted on the same port 3 s later" ;;
        5) case_postgres_restarted 5 10 "PostgreSQL stopped (pg_ctl stop -m fast) for 10 s under augur run (parallel 3), started again" ;;
        5b) case_postgres_restarted 5b 40 "as 5, stopped for 40 s (longer than the store's 30 s reconnect window)" ;;
        *) echo "fault_injection: unknown case $c" >&2; exit 64 ;;
    esac
    echo "  (case took $((SECONDS - t0)) s)"
done

if (( failures > 0 )); then
    echo "fault_injection: $failures case(s) lost, duplicated or overlapped trials, or exceeded the parallel limit"
    exit 1
fi
echo "fault_injection: no trial lost, duplicated or run twice at once"
