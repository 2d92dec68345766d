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
#   RESULTS_DIR        where the table goes as TSV and its plot as PNG: async-compare.{tsv,png}
#                      (default benchmarks/results)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init async-compare

DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
NUM_WORKERS="${NUM_WORKERS:-8}"
SYNC_ON_APPEND="${SYNC_ON_APPEND:-false}"
read -r -a JAVA_ARGS <<< "${JAVA_OPTS:-}"
TARGET_RATIO=0.70
RESULTS_DIR="${RESULTS_DIR:-$ROOT/benchmarks/results}"

ASYNC_PORT=18090
ASYNC_CONTROL_PORT=18091
HELLO_PORT=18080
HELLO_CONTROL_PORT=18082
ASYNC_JAR="$ROOT/examples/async-java/target/async-java.jar"
HELLO_JAR="$ROOT/examples/hello-java/target/hello-java.jar"
BODY='{"name":"Ada"}'

declare -A RPS P99 P99_MS ERRORS SAMPLES

# run_wrk PORT PATH SECONDS [wrk options]: POSTs BODY (the lua script) to the path.
run_wrk() { wrk_run "$3" "http://$HOST:$1$2" -s "$WORK/post.lua" "${@:4}"; }

# ---- prerequisites --------------------------------------------------------------------------------

require_java
ensure_wrk
[[ "${SKIP_BUILD:-0}" == "1" ]] || maven_package examples/hello-java,examples/async-java
[[ -f "$ASYNC_JAR" ]] || die "$ASYNC_JAR is missing"
[[ -f "$HELLO_JAR" ]] || die "$HELLO_JAR is missing"
require_free_ports "$ASYNC_PORT" "$ASYNC_CONTROL_PORT" "$HELLO_PORT" "$HELLO_CONTROL_PORT"
mkdir -p "$RESULTS_DIR"

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
    local name="$1" jar="$2" control="$3"
    start_server "$name" "$JAVA" "${JAVA_ARGS[@]}" -jar "$jar" "$WORK/$name.yaml" --control-host "$HOST" --control-port "$control"
    await_server "$name" answers_200 "$control" /ready
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
        wrk_read "$name" "$out"
        rps="$WRK_RPS" err="$WRK_ERRORS"
        SAMPLES[$name]="${SAMPLES[$name]:-} $rps"
        P99[$name]="${P99[$name]:-} $WRK_P99"
        P99_MS[$name]="${P99_MS[$name]:-} $(wrk_ms "$WRK_P99")"
        [[ -z "$err" ]] || ERRORS[$name]="${ERRORS[$name]:-}$err "
        log "round $round/$ROUNDS: $name $rps req/s"
    done
done

# the async trigger's counters (accepted, refused = 503, succeeded, ...) from the processor's /status
ASYNC_FACTS="$(http_request "$ASYNC_CONTROL_PORT" GET /status | tr -d '\r\n' | tr -s ' ' \
    | grep -o '"async" : {[^}]*}' | grep -o '"\(accepted\|refused\|succeeded\|failed\|retried\)" : [0-9]*' \
    | tr -d '"' | paste -sd ',' - || true)"
stop_all

for name in "${SERVERS[@]}"; do
    RPS[$name]="$(echo "${SAMPLES[$name]}" | median)"
done

# ---- the table ------------------------------------------------------------------------------------

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

# ---- the table as TSV, and its plot ---------------------------------------------------------------

TSV="$RESULTS_DIR/async-compare.tsv"
printf 'server\trequests/s\tp99 ms\n' >"$TSV"
for name in "${SERVERS[@]}"; do
    printf '%s\t%s\t%s\n' "$name" "${RPS[$name]}" "$(echo "${P99_MS[$name]}" | median)" >>"$TSV"
done
log "table: $TSV"
plot_bars "$TSV" "$RESULTS_DIR/async-compare.png" \
    "POST ${BODY//\"/\'}: async-java accepting (202) against hello-java answering (200), requests/s, median of $ROUNDS rounds (wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s)" \
    "requests/s" "requests/s"
