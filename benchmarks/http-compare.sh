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
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$ROOT"

DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
NUM_WORKERS="${NUM_WORKERS:-8}"
EVENT_LOOPS="${EVENT_LOOPS:-0}"
WAIT_STRATEGY="${WAIT_STRATEGY:-}"
JAVA="${JAVA:-java}"
read -r -a JAVA_ARGS <<< "${JAVA_OPTS:-}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-900}"
START_TIMEOUT=30   # seconds a server may take to answer its first request
STOP_TIMEOUT=15    # seconds a server may take to exit after SIGTERM

HOST=127.0.0.1
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

WORK="$(mktemp -d "${TMPDIR:-/tmp}/http-compare.XXXXXX")"
SERVER_PID=""

log() { printf '[http-compare] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Stops the server that is running, if any: SIGTERM, then SIGKILL after STOP_TIMEOUT.
stop_server() {
    local pid="$SERVER_PID"
    [[ -n "$pid" ]] || return 0
    SERVER_PID=""
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        local i
        for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "server $pid ignored SIGTERM for ${STOP_TIMEOUT}s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    stop_server
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Prints the body of GET / on the port, or fails. Plain bash, so curl is not needed.
http_get() {
    timeout 2 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET / HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$0" "$1" >&3
        cat <&3' "$HOST" "$1" 2>/dev/null | sed -e '1,/^\r\{0,1\}$/d'
}

# Waits until the server on the port answers GET / with the expected body.
await_ready() {
    local name="$1" port="$2" logfile="$3" i body
    for ((i = 0; i < START_TIMEOUT * 5; i++)); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            tail -n 30 "$logfile" >&2 || true
            die "$name exited before it answered"
        fi
        body="$(http_get "$port" || true)"
        if [[ -n "$body" ]]; then
            [[ "$body" == "$EXPECTED_BODY" ]] || die "$name answered '$body' instead of '$EXPECTED_BODY'"
            return 0
        fi
        sleep 0.2
    done
    tail -n 30 "$logfile" >&2 || true
    die "$name did not answer on $HOST:$port within ${START_TIMEOUT}s"
}

# Runs wrk against the port, bounded by its duration plus a margin. Output goes to stdout.
run_wrk() {
    local port="$1" seconds="$2"
    shift 2
    timeout "$((seconds + 30))" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" "$@" "http://$HOST:$port/"
}

# ---- prerequisites --------------------------------------------------------------------------------

command -v "$JAVA" >/dev/null 2>&1 || die "no java: set JAVA or put java on the PATH"
if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk"
    sudo_cmd=()
    [[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
    if ! "${sudo_cmd[@]}" apt-get install -y wrk >"$WORK/apt.log" 2>&1; then
        "${sudo_cmd[@]}" apt-get update >>"$WORK/apt.log" 2>&1 || true
        "${sudo_cmd[@]}" apt-get install -y wrk >>"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; die "cannot install wrk"; }
    fi
fi

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    command -v mvn >/dev/null 2>&1 || die "no mvn on the PATH (or set SKIP_BUILD=1 to use built jars)"
    if grep -q '<module>benchmarks</module>' "$ROOT/pom.xml"; then
        log "building hello-java and benchmarks"
        timeout "$BUILD_TIMEOUT" mvn -B -q -DskipTests package -pl examples/hello-java,benchmarks -am
    else
        # The benchmarks module is not in the reactor yet: build it on its own, against ~/.m2.
        log "building hello-java, then benchmarks on its own (it is not a module of the root pom)"
        timeout "$BUILD_TIMEOUT" mvn -B -q -DskipTests package -pl examples/hello-java -am
        timeout "$BUILD_TIMEOUT" mvn -B -q -DskipTests package -f benchmarks/pom.xml
    fi
fi
[[ -f "$HELLO_JAR" ]] || die "$HELLO_JAR is missing"
[[ -f "$BENCH_JAR" ]] || die "$BENCH_JAR is missing"
[[ -z "$BASELINE_JAR" || -f "$BASELINE_JAR" ]] || die "BASELINE_JAR $BASELINE_JAR is missing"

for port in "$HELLO_PORT" "$CONTROL_PORT" "$BARE_PORT" "$JDK_PORT" ${BASELINE_JAR:+"$BASE_PORT" "$BASE_CONTROL_PORT"}; do
    if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
        die "port $port on $HOST is already in use; stop whatever listens there first"
    fi
done

# The example's function.yaml, bound to loopback on the benchmark's port.
cat > "$WORK/function.yaml" <<EOF
apiVersion: "nuclio.io/v1"
kind: NuclioFunction
metadata:
  name: hello-java
spec:
  runtime: java
  handler: io.nucleon.examples.hello.HelloHandler
  eventTimeout: 5s
  env:
    - name: GREETING
      value: Hello
  triggers:
    web:
      kind: http
      numWorkers: $NUM_WORKERS
      workerAvailabilityTimeoutMilliseconds: 1000
${WAIT_STRATEGY:+      waitStrategy: $WAIT_STRATEGY
}      attributes:
        host: $HOST
        port: $HELLO_PORT
        eventLoopThreads: $EVENT_LOOPS
EOF

# ---- the runs -------------------------------------------------------------------------------------
# All three servers run at once (idle, each costs nothing) and are measured in turn, ROUNDS times,
# so that a slow spell of this shared machine hits every server alike; the table shows medians.

declare -A PIDS RPS P99 ERRORS SAMPLES

# start NAME PORT COMMAND...: starts a server and waits until it answers.
start() {
    local name="$1" port="$2"
    shift 2
    local logfile="$WORK/$name.log"
    log "$name: starting"
    "$@" >"$logfile" 2>&1 &
    SERVER_PID=$!
    PIDS[$name]=$SERVER_PID
    await_ready "$name" "$port" "$logfile"
    SERVER_PID=""
}

stop_all() {
    local name
    for name in "${!PIDS[@]}"; do
        SERVER_PID="${PIDS[$name]}"
        stop_server
    done
    PIDS=()
}
trap 'rc=$?; stop_all; rm -rf "$WORK"; exit $rc' EXIT

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
        rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
        [[ -n "$rps" ]] || { cat "$out" >&2; die "$name: no Requests/sec in wrk's output"; }
        SAMPLES[$name]="${SAMPLES[$name]:-} $rps"
        P99[$name]="${P99[$name]:-} $(awk '$1 == "99%" {print $2}' "$out")"
        err="$(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | paste -sd ';' - || true)"
        [[ -z "$err" ]] || ERRORS[$name]="${ERRORS[$name]:-}$err "
        log "round $round/$ROUNDS: $name $rps req/s"
    done
done
stop_all

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for name in "${SERVERS[@]}"; do
    RPS[$name]="$(echo "${SAMPLES[$name]}" | median)"
done

# ---- the table ------------------------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

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
