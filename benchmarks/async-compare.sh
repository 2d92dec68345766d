#!/usr/bin/env bash
# Compares how fast the async-java example accepts async calls (journal append + 202 Accepted) with
# how fast hello-java answers the same call synchronously (200 with the handler's answer), under the
# same wrk load: POST with a small JSON body, 127.0.0.1.
#   async-java   examples/async-java/target/async-java.jar   POST /async/greet -> 202  port 18090 (control 18091)
#   hello-java   examples/hello-java/target/hello-java.jar   POST /            -> 200  port 18080 (control 18082)
# Both run side by side and are measured in turn, ROUNDS times (interleaved, so a slow spell of a
# shared machine hits both alike); a table shows median requests/s, each round's figures and p99
# latency, and the ratio async-java / hello-java (target: >= 0.70). The async function handles what
# it accepts in the background with the same workers, so that work competes with the accepting.
# The journal lives in a temp directory that is deleted at the end.
#
# Usage (from the repository root or from benchmarks/):
#   bash benchmarks/async-compare.sh
# Environment:
#   DURATION=10        seconds of each measured wrk run (the warm-up is WARMUP=5 seconds)
#   ROUNDS=3           measured runs per server, interleaved; the table shows the median
#   CONNECTIONS=64     wrk connections; THREADS=2 wrk threads
#   NUM_WORKERS=8      numWorkers of both functions
#   SYNC_ON_APPEND=false  async-java's async.syncOnAppend (true: msync every accepted call)
#   JAVA=java          the java binary; JAVA_OPTS are passed to both servers (no Chronicle flags are
#                      needed: async-java.jar carries them in its manifest)
#   SKIP_BUILD=1       use the jars already in the target directories instead of running Maven
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
SYNC_ON_APPEND="${SYNC_ON_APPEND:-false}"
JAVA="${JAVA:-java}"
read -r -a JAVA_ARGS <<< "${JAVA_OPTS:-}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-900}"
START_TIMEOUT=30   # seconds a server may take to be ready
STOP_TIMEOUT=15    # seconds a server may take to exit after SIGTERM
TARGET_RATIO=0.70

HOST=127.0.0.1
ASYNC_PORT=18090
ASYNC_CONTROL_PORT=18091
HELLO_PORT=18080
HELLO_CONTROL_PORT=18082
ASYNC_JAR="$ROOT/examples/async-java/target/async-java.jar"
HELLO_JAR="$ROOT/examples/hello-java/target/hello-java.jar"
BODY='{"name":"Ada"}'

WORK="$(mktemp -d "${TMPDIR:-/tmp}/async-compare.XXXXXX")"

log() { printf '[async-compare] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

declare -A PIDS RPS P99 ERRORS SAMPLES

# Stops one server: SIGTERM, then SIGKILL after STOP_TIMEOUT.
stop_server() {
    local pid="$1" i
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
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

stop_all() {
    local name
    for name in "${!PIDS[@]}"; do
        stop_server "${PIDS[$name]}"
    done
    PIDS=()
}
trap 'rc=$?; stop_all; rm -rf "$WORK"; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# http_request PORT METHOD PATH [BODY]: prints the whole response (status line, headers, body).
# Plain bash, so curl is not needed.
http_request() {
    timeout 2 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "%s %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s" \
            "$2" "$3" "$0" "$1" "${#4}" "$4" >&3
        cat <&3' "$HOST" "$1" "$2" "$3" "${4:-}" 2>/dev/null
}

# Waits until the control server answers /ready with 200.
await_ready() {
    local name="$1" control="$2" pid="$3" logfile="$4" i
    for ((i = 0; i < START_TIMEOUT * 5; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$logfile" >&2 || true
            die "$name exited before it was ready"
        fi
        if http_request "$control" GET /ready | head -n 1 | grep -q ' 200'; then
            return 0
        fi
        sleep 0.2
    done
    tail -n 30 "$logfile" >&2 || true
    die "$name was not ready within ${START_TIMEOUT}s"
}

# run_wrk PORT PATH SECONDS [wrk options]: POSTs BODY (the lua script) to the path.
run_wrk() {
    local port="$1" path="$2" seconds="$3"
    shift 3
    timeout "$((seconds + 30))" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" -s "$WORK/post.lua" "$@" "http://$HOST:$port$path"
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
    log "building hello-java and async-java"
    timeout "$BUILD_TIMEOUT" mvn -B -q -DskipTests package -pl examples/hello-java,examples/async-java -am
fi
[[ -f "$ASYNC_JAR" ]] || die "$ASYNC_JAR is missing"
[[ -f "$HELLO_JAR" ]] || die "$HELLO_JAR is missing"

for port in "$ASYNC_PORT" "$ASYNC_CONTROL_PORT" "$HELLO_PORT" "$HELLO_CONTROL_PORT"; do
    if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
        die "port $port on $HOST is already in use; stop whatever listens there first"
    fi
done

# wrk's request: POST with a small JSON body (wrk takes the path from the URL).
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
LUA

cat > "$WORK/async-java.yaml" <<YAML
metadata:
  name: async-java
spec:
  handler: io.nucleon.examples.async.AsyncHandler
  eventTimeout: 5s
  triggers:
    web:
      kind: http
      numWorkers: $NUM_WORKERS
      workerAvailabilityTimeoutMilliseconds: 1000
      attributes:
        host: $HOST
        port: $ASYNC_PORT
        async:
          enabled: true
          directory: $WORK/journal
          pathPrefix: /async
          syncOnAppend: $SYNC_ON_APPEND
YAML

cat > "$WORK/hello-java.yaml" <<YAML
metadata:
  name: hello-java
spec:
  handler: io.nucleon.examples.hello.HelloHandler
  eventTimeout: 5s
  triggers:
    web:
      kind: http
      numWorkers: $NUM_WORKERS
      workerAvailabilityTimeoutMilliseconds: 1000
      attributes:
        host: $HOST
        port: $HELLO_PORT
YAML

# ---- the runs -------------------------------------------------------------------------------------

# start NAME JAR CONTROL_PORT: starts a function jar and waits until it is ready.
start() {
    local name="$1" jar="$2" control="$3" logfile="$WORK/$1.log"
    log "$name: starting"
    "$JAVA" "${JAVA_ARGS[@]}" -jar "$jar" "$WORK/$name.yaml" --control-host "$HOST" --control-port "$control" >"$logfile" 2>&1 &
    PIDS[$name]=$!
    await_ready "$name" "$control" "${PIDS[$name]}" "$logfile"
}

start async-java "$ASYNC_JAR" "$ASYNC_CONTROL_PORT"
start hello-java "$HELLO_JAR" "$HELLO_CONTROL_PORT"

# one call each, to check that the answers are what is being measured
http_request "$ASYNC_PORT" POST /async/greet "$BODY" | head -n 1 | grep -q ' 202' || die "async-java did not answer 202"
http_request "$HELLO_PORT" POST / "$BODY" | head -n 1 | grep -q ' 200' || die "hello-java did not answer 200"

SERVERS=(async-java hello-java)
declare -A PORT=([async-java]=$ASYNC_PORT [hello-java]=$HELLO_PORT)
declare -A URLPATH=([async-java]=/async/greet [hello-java]=/)
declare -A CONTROL=([async-java]=$ASYNC_CONTROL_PORT [hello-java]=$HELLO_CONTROL_PORT)

for name in "${SERVERS[@]}"; do
    log "$name: warming up for ${WARMUP}s"
    run_wrk "${PORT[$name]}" "${URLPATH[$name]}" "$WARMUP" >/dev/null
done

for ((round = 1; round <= ROUNDS; round++)); do
    for name in "${SERVERS[@]}"; do
        out="$WORK/$name.$round.wrk"
        log "round $round/$ROUNDS: $name for ${DURATION}s"
        run_wrk "${PORT[$name]}" "${URLPATH[$name]}" "$DURATION" --latency >"$out"
        rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
        [[ -n "$rps" ]] || { cat "$out" >&2; die "$name: no Requests/sec in wrk's output"; }
        SAMPLES[$name]="${SAMPLES[$name]:-} $rps"
        P99[$name]="${P99[$name]:-} $(awk '$1 == "99%" {print $2}' "$out")"
        err="$(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | paste -sd ';' - || true)"
        [[ -z "$err" ]] || ERRORS[$name]="${ERRORS[$name]:-}$err "
        log "round $round/$ROUNDS: $name $rps req/s"
    done
done

# the async trigger's counters (accepted, refused = 503, succeeded, ...) from the processor's /status
ASYNC_FACTS="$(http_request "$ASYNC_CONTROL_PORT" GET /status | tr -d '\r\n' | tr -s ' ' \
    | grep -o '"async" : {[^}]*}' | grep -o '"\(accepted\|refused\|succeeded\|failed\|retried\)" : [0-9]*' \
    | tr -d '"' | paste -sd ',' - || true)"
stop_all

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for name in "${SERVERS[@]}"; do
    RPS[$name]="$(echo "${SAMPLES[$name]}" | median)"
done

# ---- the table ------------------------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, POST $BODY to http://$HOST:<port><path>," \
     "$ROUNDS interleaved rounds (numWorkers $NUM_WORKERS, syncOnAppend $SYNC_ON_APPEND)"
printf '%-12s %-14s %14s   %-40s %s\n' server path "median req/s" "each round (req/s)" "p99 each round"
for name in "${SERVERS[@]}"; do
    printf '%-12s %-14s %14s   %-40s %s  %s\n' "$name" "${URLPATH[$name]}" "${RPS[$name]}" "${SAMPLES[$name]# }" \
        "${P99[$name]# }" "${ERRORS[$name]:-}"
done
[[ -z "$ASYNC_FACTS" ]] || echo "async-java /status: $ASYNC_FACTS"
echo
r="$(ratio "${RPS[async-java]}" "${RPS[hello-java]}")"
verdict="$(awk -v r="$r" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t) ? "meets" : "below" }')"
echo "async-java (202) / hello-java (200) = $r ($verdict the target $TARGET_RATIO)"
