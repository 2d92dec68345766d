#!/usr/bin/env bash
# Python and Node.js handlers over HTTP against hello-java, under the same wrk load (keep-alive,
# 2 threads, 64 connections, sharing the machine's cores with the server), interleaved round by round.
# Setups: hello-java (the example's handler); a Python handler that returns "" over shared memory
# (shm) and over the Unix socket (uds); a Node.js handler that returns ""; with 1 and 2 workers; a
# name ending in -ahead sets runtimeAttributes.eventsInFlight to EVENTS_IN_FLIGHT (8), the others
# keep the default (1: one event at a time).
# Per setup, the medians over ROUNDS rounds of: requests/s, p99 latency, and CPU microseconds per
# request of the processor and of its wrapper processes (utime + stime from /proc, so the
# load generator's share is left out).
#
# Usage (from the repository root, after `mvn -B clean package -DskipTests`):
#   bash benchmarks/http-runtimes.sh
#   BASE_DIR=/path/to/older/checkout bash benchmarks/http-runtimes.sh   # adds that build's python and
#                                      # node setups ("base …" rows) to the same rounds, for a before/after
# Environment: ROUNDS=3, DURATION=8 (seconds measured, after a 3 s warm-up), SETUPS (space-separated
# subset of the names below), COLD_GROW=1 (also run the cold-grow measurement when the benchmarks jar
# has it), JAVA=java. Writes benchmarks/results/http-runtimes.{tsv,png} (RESULTS_DIR to change).
# Talks to 127.0.0.1 only; every step is bounded and each server is stopped on any exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init http-runtimes

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-8}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/benchmarks/results}"
PORT=18090
CONTROL=18091
ALL_SETUPS="java-1 java-2 python-shm-1 python-shm-1-ahead python-shm-2-ahead python-uds-1 python-uds-1-ahead
    python-uds-2-ahead node-1 node-1-ahead node-2-ahead"
SETUPS="${SETUPS:-$ALL_SETUPS}"
if [[ -n "${BASE_DIR:-}" ]]; then
    SETUPS="$SETUPS base-python-shm-1 base-python-uds-1 base-node-1"
fi
require_java
ensure_wrk
require_free_ports "$PORT" "$CONTROL"
mkdir -p "$RESULTS_DIR" "$WORK/fn"

jar_for() { # setup -> the example jar that runs it
    local dir="$ROOT"
    [[ "$1" == base-* ]] && dir="$BASE_DIR"
    case "$1" in
        *java*) echo "$dir/examples/hello-java/target/hello-java.jar" ;;
        *python*) echo "$dir/examples/hello-python/target/hello-python.jar" ;;
        *node*) echo "$dir/examples/hello-node/target/hello-node.jar" ;;
    esac
}
for s in $SETUPS; do
    [[ -f "$(jar_for "$s")" ]] || die "no $(jar_for "$s"): build it first (mvn -B clean package -DskipTests)"
done

# The handlers: the smallest that answer, so what is measured is the path to them.
printf 'def handler(context, event):\n    return ""\n' >"$WORK/fn/main.py"
printf 'exports.handler = (context, event) => { context.callback(""); };\n' >"$WORK/fn/handler.js"

# function_yaml SETUP: the function.yaml of a setup.
function_yaml() {
    local s="${1#base-}" ahead=""
    if [[ "$s" == *-ahead ]]; then
        s="${s%-ahead}"
        ahead="    eventsInFlight: ${EVENTS_IN_FLIGHT:-8}"
    fi
    local workers="${s##*-}"
    case "$s" in
        java-*) NUM_WORKERS="$workers" hello_java_yaml "$PORT" ;;
        python-*|node-*)
            local runtime=python handler=main:handler transport=""
            [[ "$s" == node-* ]] && runtime=nodejs handler=handler:handler
            [[ "$s" == python-shm-* ]] && transport="    transport: shm"
            [[ "$s" == python-uds-* ]] && transport="    transport: uds"
            cat <<YAML
metadata:
  name: $s
spec:
  runtime: $runtime
  handler: $handler
  eventTimeout: 5s
  runtimeAttributes:
    codeDir: $WORK/fn
$transport
$ahead
  triggers:
    web:
      kind: http
      numWorkers: $workers
      workerAvailabilityTimeoutMilliseconds: 1000
      attributes:
        host: $HOST
        port: $PORT
YAML
            ;;
    esac
}

# tree PID: the process and all its descendants (java -jar may relaunch itself with the start-up archive,
# docs/startup.md, so the function's JVM can be a child, and its wrappers grandchildren).
tree() {
    local k
    echo "$1"
    for k in $(pgrep -P "$1" || true); do
        tree "$k"
    done
}

# cpu_ticks PID: CPU ticks of the JVMs of the tree and of everything else in it (the wrappers), as "processor wrappers".
cpu_ticks() {
    local jvm=0 other=0 p ticks
    for p in $(tree "$1"); do
        ticks="$(process_cpu_ticks "$p" 2>/dev/null || echo 0)"
        if [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == java ]]; then
            jvm=$((jvm + ticks))
        else
            other=$((other + ticks))
        fi
    done
    echo "$jvm $other"
}

HZ="$(getconf CLK_TCK)"
# One line per round and setup in $WORK/rounds.txt: setup rps p99 processor-us wrapper-us
for ((r = 1; r <= ROUNDS; r++)); do
    for s in $SETUPS; do
        log "round $r of $ROUNDS: $s"
        function_yaml "$s" >"$WORK/$s.yaml"
        start_server "$s" "$JAVA" -jar "$(jar_for "$s")" "$WORK/$s.yaml" --control-port "$CONTROL"
        await_server "$s" answers_200 "$PORT" /
        pid="${PIDS[$s]}"
        wrk_run 3 "http://$HOST:$PORT/" >/dev/null
        read -r p0 w0 < <(cpu_ticks "$pid")
        wrk_run "$DURATION" "http://$HOST:$PORT/" --latency >"$WORK/$s.wrk"
        read -r p1 w1 < <(cpu_ticks "$pid")
        wrk_read "$s" "$WORK/$s.wrk"
        [[ -z "$WRK_ERRORS" ]] || log "$s: $WRK_ERRORS"
        awk -v s="$s" -v rps="$WRK_RPS" -v p99="$WRK_P99" -v n="$WRK_REQUESTS" -v hz="$HZ" \
            -v p="$((p1 - p0))" -v w="$((w1 - w0))" \
            'BEGIN { printf "%s %.0f %s %.1f %.1f\n", s, rps, p99, p * 1e6 / hz / n, w * 1e6 / hz / n }' \
            >>"$WORK/rounds.txt"
        stop_server "$s"
    done
done

printf '\nper round: setup requests/s p99 processor-us/req wrapper-us/req\n'
cat "$WORK/rounds.txt"
TSV="$RESULTS_DIR/http-runtimes.tsv"
printf 'setup\trequests/s\tp99\tprocessor us/req\twrapper us/req\tcpu us/req\n' >"$TSV"
printf '\n%s rounds of %s s, wrk -t%s -c%s, medians\n' "$ROUNDS" "$DURATION" "${THREADS:-2}" "${CONNECTIONS:-64}"
printf '%-20s %12s %10s %14s %12s %10s\n' setup requests/s p99 "processor us" "wrapper us" "cpu us"
for s in $SETUPS; do
    col() { awk -v s="$s" -v c="$1" '$1 == s { print $c }' "$WORK/rounds.txt" | median; }
    p99="$(awk -v s="$s" '$1 == s { print $3 }' "$WORK/rounds.txt" | sort | sed -n "$(((ROUNDS + 1) / 2))p")"
    rps="$(col 2)" proc="$(col 4)" wrap="$(col 5)"
    cpu="$(awk -v a="$proc" -v b="$wrap" 'BEGIN { printf "%.1f", a + b }')"
    printf '%-20s %12.0f %10s %14s %12s %10s\n' "$s" "$rps" "$p99" "$proc" "$wrap" "$cpu"
    printf '%s\t%.0f\t%s\t%s\t%s\t%s\n' "$s" "$rps" "$p99" "$proc" "$wrap" "$cpu" >>"$TSV"
done
log "table: $TSV"
plot_bars "$TSV" "$RESULTS_DIR/http-runtimes.png" \
    "HTTP to a handler that returns an empty body: requests/s (wrk -t2 -c64 on the same 2 cores)" \
    "requests/s" "requests/s"
plot_bars "$TSV" "$RESULTS_DIR/http-runtimes-cpu.png" \
    "HTTP to a handler that returns an empty body: CPU per request" "microseconds per request" \
    "processor us/req" "wrapper us/req"

BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"
if [[ "${COLD_GROW:-1}" == 1 && -f "$BENCH_JAR" ]] \
    && unzip -l "$BENCH_JAR" 'io/nucleon/benchmarks/external/ColdGrow.class' >/dev/null 2>&1; then
    log "cold grow: a python worker started on demand"
    timeout 300 "$JAVA" -cp "$BENCH_JAR" io.nucleon.benchmarks.external.ColdGrow | tee "$WORK/cold-grow.txt"
fi
