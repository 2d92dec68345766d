#!/usr/bin/env bash
# Compares the hello-java example (Nucleon's http trigger + worker pool + Java handler) with two
# baselines answering the same "Hello, world!" body on 127.0.0.1:
#   hello-java   examples/hello-java/target/hello-java.jar               port 18080 (control 18082)
#   bare-netty   io.nucleon.benchmarks.http.BareNettyHelloServer         port 18081
#   jdk          io.nucleon.benchmarks.http.JdkHelloServer               port 18083
# The three servers run side by side and are measured in turn, ROUNDS times (interleaved, so a slow
# spell of a shared machine hits all alike); a table shows median requests/s, each round's figures
# and p99 latency, and hello-java's ratio to each baseline.
#
# Usage (from the repository root or from benchmarks/):
#   bash benchmarks/http-compare.sh
# Environment:
#   DURATION=10        seconds of each measured wrk run (the warm-up is WARMUP=5 seconds)
#   ROUNDS=3           measured runs per server, interleaved; the table shows the median
#   CONNECTIONS=64     wrk connections; THREADS=2 wrk threads
#   NUM_WORKERS=8      hello-java's numWorkers; WAIT_STRATEGY (unset: the trigger's default, blocking)
#   EVENT_LOOPS=0      hello-java's eventLoopThreads (0: one per processor, as the bare Netty server)
#   JAVA=java          the java binary; JAVA_OPTS are passed to all three servers
#   SKIP_BUILD=1       use the jars already in the target directories instead of running Maven
#   BASELINE_JAR=path  also measure another build of hello-java (e.g. from the previous commit) as
#                      "hello-base" on port 18084 (control 18085), to compare a change before/after
#   BUILD_TIMEOUT=900  seconds the Maven build may take
#   RESULTS_DIR        where the table goes as TSV and its plot as PNG: http-compare.{tsv,png}
#                      (default benchmarks/results)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init http-compare

DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
NUM_WORKERS="${NUM_WORKERS:-8}"
EVENT_LOOPS="${EVENT_LOOPS:-0}"
WAIT_STRATEGY="${WAIT_STRATEGY:-}"
read -r -a JAVA_ARGS <<< "${JAVA_OPTS:-}"

HELLO_PORT=18080
CONTROL_PORT=18082
BARE_PORT=18081
JDK_PORT=18083
HELLO_JAR="$ROOT/examples/hello-java/target/hello-java.jar"
BASELINE_JAR="${BASELINE_JAR:-}"
BASE_PORT=18084
BASE_CONTROL_PORT=18085
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"
EXPECTED_BODY="Hello, world!"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/benchmarks/results}"

# Runs wrk against the port, bounded by its duration plus a margin. Output goes to stdout.
run_wrk() { wrk_run "$2" "http://$HOST:$1/" "${@:3}"; }

# ---- prerequisites --------------------------------------------------------------------------------

require_java
ensure_wrk
[[ "${SKIP_BUILD:-0}" == "1" ]] || maven_package examples/hello-java,benchmarks
[[ -f "$HELLO_JAR" ]] || die "$HELLO_JAR is missing"
[[ -f "$BENCH_JAR" ]] || die "$BENCH_JAR is missing"
[[ -z "$BASELINE_JAR" || -f "$BASELINE_JAR" ]] || die "BASELINE_JAR $BASELINE_JAR is missing"
require_free_ports "$HELLO_PORT" "$CONTROL_PORT" "$BARE_PORT" "$JDK_PORT" ${BASELINE_JAR:+"$BASE_PORT" "$BASE_CONTROL_PORT"}

mkdir -p "$RESULTS_DIR"

# The example's function.yaml, bound to loopback on the benchmark's port.
hello_java_yaml "$HELLO_PORT" > "$WORK/function.yaml"

# ---- the runs -------------------------------------------------------------------------------------
# All three servers run at once (idle, each costs nothing) and are measured in turn, ROUNDS times,
# so that a slow spell of this shared machine hits every server alike; the table shows medians.

declare -A RPS P99 P99_MS ERRORS SAMPLES

# start NAME PORT COMMAND...: starts a server and waits until it answers with the expected body.
start() {
    local name="$1" port="$2"
    shift 2
    start_server "$name" "$@"
    await_server "$name" answers_body "$port" "$EXPECTED_BODY"
}

declare -A PORT=([hello-java]=$HELLO_PORT [bare-netty]=$BARE_PORT [jdk]=$JDK_PORT [hello-base]=$BASE_PORT)
SERVERS=(hello-java bare-netty jdk)
[[ -z "$BASELINE_JAR" ]] || SERVERS=(hello-java hello-base bare-netty jdk)

start hello-java "$HELLO_PORT" \
    "$JAVA" "${JAVA_ARGS[@]}" -jar "$HELLO_JAR" "$WORK/function.yaml" --control-host "$HOST" --control-port "$CONTROL_PORT"
if [[ -n "$BASELINE_JAR" ]]; then
    sed "s/port: $HELLO_PORT/port: $BASE_PORT/" "$WORK/function.yaml" > "$WORK/function-base.yaml"
    start hello-base "$BASE_PORT" \
        "$JAVA" "${JAVA_ARGS[@]}" -jar "$BASELINE_JAR" "$WORK/function-base.yaml" --control-host "$HOST" --control-port "$BASE_CONTROL_PORT"
fi
start bare-netty "$BARE_PORT" \
    "$JAVA" "${JAVA_ARGS[@]}" -cp "$BENCH_JAR" io.nucleon.benchmarks.http.BareNettyHelloServer "$BARE_PORT"
start jdk "$JDK_PORT" \
    "$JAVA" "${JAVA_ARGS[@]}" -Dsun.net.httpserver.nodelay=true -cp "$BENCH_JAR" io.nucleon.benchmarks.http.JdkHelloServer "$JDK_PORT"

for name in "${SERVERS[@]}"; do
    log "$name: warming up for ${WARMUP}s"
    run_wrk "${PORT[$name]}" "$WARMUP" >/dev/null
done

for ((round = 1; round <= ROUNDS; round++)); do
    for name in "${SERVERS[@]}"; do
        out="$WORK/$name.$round.wrk"
        log "round $round/$ROUNDS: $name for ${DURATION}s"
        run_wrk "${PORT[$name]}" "$DURATION" --latency >"$out"
        wrk_read "$name" "$out"
        rps="$WRK_RPS" err="$WRK_ERRORS"
        SAMPLES[$name]="${SAMPLES[$name]:-} $rps"
        P99[$name]="${P99[$name]:-} $WRK_P99"
        P99_MS[$name]="${P99_MS[$name]:-} $(wrk_ms "$WRK_P99")"
        [[ -z "$err" ]] || ERRORS[$name]="${ERRORS[$name]:-}$err "
        log "round $round/$ROUNDS: $name $rps req/s"
    done
done
stop_all

for name in "${SERVERS[@]}"; do
    RPS[$name]="$(echo "${SAMPLES[$name]}" | median)"
done

# ---- the table ------------------------------------------------------------------------------------

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, GET http://$HOST:<port>/ -> \"$EXPECTED_BODY\"," \
     "$ROUNDS interleaved rounds (hello-java: numWorkers $NUM_WORKERS, eventLoopThreads $EVENT_LOOPS${WAIT_STRATEGY:+, waitStrategy $WAIT_STRATEGY})"
printf '%-12s %14s   %-40s %s\n' server "median req/s" "each round (req/s)" "p99 each round"
for name in "${SERVERS[@]}"; do
    printf '%-12s %14s   %-40s %s  %s\n' "$name" "${RPS[$name]}" "${SAMPLES[$name]# }" "${P99[$name]# }" "${ERRORS[$name]:-}"
done
echo
echo "hello-java / bare-netty = $(ratio "${RPS[hello-java]}" "${RPS[bare-netty]}")"
echo "hello-java / jdk        = $(ratio "${RPS[hello-java]}" "${RPS[jdk]}")"
[[ -z "$BASELINE_JAR" ]] || echo "hello-java / hello-base = $(ratio "${RPS[hello-java]}" "${RPS[hello-base]}")"

# ---- the table as TSV, and its plot ---------------------------------------------------------------

TSV="$RESULTS_DIR/http-compare.tsv"
printf 'server\trequests/s\tp99 ms\n' >"$TSV"
for name in "${SERVERS[@]}"; do
    printf '%s\t%s\t%s\n' "$name" "${RPS[$name]}" "$(echo "${P99_MS[$name]}" | median)" >>"$TSV"
done
log "table: $TSV"
plot_bars "$TSV" "$RESULTS_DIR/http-compare.png" \
    "GET / -> '$EXPECTED_BODY': requests/s, median of $ROUNDS rounds (wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, keep-alive, on the same cores)" \
    "requests/s" "requests/s"
