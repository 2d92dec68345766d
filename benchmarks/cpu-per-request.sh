#!/usr/bin/env bash
# Where a server's CPU goes per request: runs one server, loads it with wrk (keep-alive, 64
# connections) and prints, per thread group, CPU microseconds and context switches per request,
# read from /proc/<pid>/task/*/{stat,status} before and after the measured run. On a 2-core
# machine where wrk shares the cores, CPU per request is what decides requests/s.
#
# Usage (from the repository root, after `mvn -B -q package -DskipTests`):
#   bash benchmarks/cpu-per-request.sh hello-java        # examples/hello-java, numWorkers 8
#   bash benchmarks/cpu-per-request.sh bare-netty        # the bare Netty baseline
#   bash benchmarks/cpu-per-request.sh async-java        # examples/async-java: POST /async/greet, 202
#                                                        # (the accept and the later handling both count)
#   HELLO_JAR=/path/to/other/hello-java.jar bash benchmarks/cpu-per-request.sh hello-java
# Environment: DURATION=10 (seconds measured, after a 5 s warm-up), NUM_WORKERS=8, JAVA=java.
# Results: the run's totals (requests/s, CPU us and context switches per request, all threads) become
# the row LABEL (default: the server's name) of RESULTS_DIR/cpu-per-request.tsv (default
# benchmarks/results), replacing that label's row from an earlier run where it stands and keeping
# the others, so runs of several servers or builds gather in one table, plotted to cpu-per-request.png.
#   LABEL=hello-java-base HELLO_JAR=/tmp/old/hello-java.jar bash benchmarks/cpu-per-request.sh hello-java
# Talks to 127.0.0.1 only; every step is bounded and the server is stopped on any exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init cpu-per-request

SERVER="${1:-hello-java}"
DURATION="${DURATION:-10}"
NUM_WORKERS="${NUM_WORKERS:-8}"
HELLO_JAR="${HELLO_JAR:-$ROOT/examples/hello-java/target/hello-java.jar}"
ASYNC_JAR="${ASYNC_JAR:-$ROOT/examples/async-java/target/async-java.jar}"
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"
PORT=18090
LABEL="${LABEL:-$SERVER}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/benchmarks/results}"
[[ "$LABEL" != *$'\t'* ]] || die "LABEL may not hold a tab"

require_java
ensure_wrk
require_free_ports "$PORT" 18091
mkdir -p "$RESULTS_DIR"

case "$SERVER" in
    hello-java)
        cat > "$WORK/function.yaml" <<EOF
metadata:
  name: hello-java
spec:
  runtime: java
  handler: io.nucleon.examples.hello.HelloHandler
  eventTimeout: 5s
  triggers:
    web:
      kind: http
      numWorkers: $NUM_WORKERS
      workerAvailabilityTimeoutMilliseconds: 1000
      attributes:
        host: 127.0.0.1
        port: $PORT
EOF
        start_server server "$JAVA" -jar "$HELLO_JAR" "$WORK/function.yaml" --control-port 18091
        ;;
    async-java)
        cat > "$WORK/function.yaml" <<EOF
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
        host: 127.0.0.1
        port: $PORT
        async:
          enabled: true
          directory: $WORK/journal
          pathPrefix: /async
EOF
        start_server server "$JAVA" -jar "$ASYNC_JAR" "$WORK/function.yaml" --control-port 18091
        ;;
    bare-netty)
        start_server server "$JAVA" -cp "$BENCH_JAR" io.nucleon.benchmarks.http.BareNettyHelloServer "$PORT"
        ;;
    *) echo "unknown server '$SERVER': hello-java, async-java or bare-netty" >&2; exit 2 ;;
esac
await_server server answers_200 "$PORT" /
PID="${PIDS[server]}"

# async-java is loaded with the async-compare.sh request: POST {"name":"Ada"} to /async/greet
URL="http://127.0.0.1:$PORT/"
WRK_ARGS=()
if [[ "$SERVER" == async-java ]]; then
    URL="http://127.0.0.1:$PORT/async/greet"
    printf '%s\n' 'wrk.method = "POST"' "wrk.body = '{\"name\":\"Ada\"}'" \
        'wrk.headers["Content-Type"] = "application/json"' >"$WORK/post.lua"
    WRK_ARGS=(-s "$WORK/post.lua")
fi
timeout 60 wrk -t2 -c64 -d5s "${WRK_ARGS[@]}" "$URL" >/dev/null
thread_cpu_snapshot "$PID" >"$WORK/before"
timeout $((DURATION + 60)) wrk -t2 -c64 -d"${DURATION}s" "${WRK_ARGS[@]}" "$URL" >"$WORK/wrk"
thread_cpu_snapshot "$PID" >"$WORK/after"

requests="$(awk '/requests in/ {print $1}' "$WORK/wrk")"
hz="$(getconf CLK_TCK)"
echo "$SERVER: $(grep Requests/sec "$WORK/wrk" | tr -s ' ') ($requests requests in ${DURATION}s)"
if grep -q "Non-2xx" "$WORK/wrk"; then
    echo "  WARNING: $(grep Non-2xx "$WORK/wrk" | tr -s ' ') (the figures below count them)"
fi
printf '  %-24s %10s %12s %14s\n' "threads" "CPU s" "CPU us/req" "switches/req"
join "$WORK/before" "$WORK/after" | awk -v r="$requests" -v hz="$hz" '{
    cpu = ($5 - $2) / hz; sw = ($6 - $3) + ($7 - $4)
    if (cpu > 0.01) { printf "  %-24s %10.2f %12.2f %14.3f\n", $1, cpu, cpu * 1e6 / r, sw / r; total += cpu }
} END { printf "  %-24s %10.2f %12.2f\n", "all", total, total * 1e6 / r }'

# ---- this run's row in the TSV (other labels' rows kept), and the plot -------------------------------

TSV="$RESULTS_DIR/cpu-per-request.tsv"
HEADER=$'setup\trequests/s\tcpu us/req\tswitches/req'
ROW="$(join "$WORK/before" "$WORK/after" | awk -v r="$requests" -v hz="$hz" \
    -v rps="$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk")" '{
    cpu = ($5 - $2) / hz; sw += ($6 - $3) + ($7 - $4)
    if (cpu > 0.01) total += cpu
} END { printf "%.0f\t%.2f\t%.3f", rps, total * 1e6 / r, sw / r }')"
# the label's row replaced where it stands (or added at the end); a table of another layout is started anew
echo "$HEADER" >"$WORK/table"
[[ -f "$TSV" && "$(head -n 1 "$TSV")" == "$HEADER" ]] && tail -n +2 "$TSV" >>"$WORK/table"
awk -F '\t' -v l="$LABEL" -v row="$LABEL"$'\t'"$ROW" '
    NR > 1 && $1 == l { print row; done = 1; next } { print } END { if (!done) print row }' "$WORK/table" >"$TSV"
log "table: $TSV (row $LABEL; $(($(wc -l <"$TSV") - 1)) rows)"
plot_bars "$TSV" "$RESULTS_DIR/cpu-per-request.png" \
    "Server CPU per request, all its threads, under wrk -t2 -c64 keep-alive (each bar: the latest run of cpu-per-request.sh with that label)" \
    "microseconds per request" "cpu us/req"
