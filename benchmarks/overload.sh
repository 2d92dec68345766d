#!/usr/bin/env bash
# Overload: how an http function behaves at and beyond its capacity, under a constant-rate
# (open-loop) load. The function is FixedServiceTimeHandler (parks its worker SERVICE_TIME_US, 2 ms
# by default, using no CPU meanwhile) on NUM_WORKERS=4 workers with workerQueueSize 64 and a
# 1000 ms availability timeout: about 2 000 calls/s. The script
#   1. measures the capacity: a closed loop of 2 x NUM_WORKERS connections (each sends its next
#      call as soon as the previous one is answered, so a call always waits and no worker idles,
#      while the queue never fills) for CAPACITY_DURATION seconds; the 200s per second are the capacity;
#   2. drives the function at LOADS (1x, 2x and 10x) that capacity with the open-loop generator
#      io.nucleon.benchmarks.load.OpenLoop (latency from each call's intended send time), WARMUP
#      seconds not counted, then DURATION seconds measured, one load after the other;
#   3. prints per load: offered rate, goodput (200s per second), the share of 503s, p50/p99 of the
#      200s and of the 503s, the latest 200, errors and timeouts, late sends (the generator's
#      connection limit reached), the server's CPU in the measured window (from /proc/<pid>/task),
#      and the change of every /metrics series that mentions "rejected" over the load (warm-up included);
#   4. checks the targets of issue 10 and prints PASS or FAIL for each: goodput at every load above
#      1x >= 95 % of goodput at 1x; p99 of a 503 <= 5 ms at every load; no 200 later than the
#      availability timeout at any load.
# The exit code is 0 whatever the figures (it reports; it does not judge): non-zero only when the
# run itself broke (no build, the server did not start, the generator failed).
#
# Usage (from the repository root or from benchmarks/):
#   bash benchmarks/overload.sh
#   WHEN_QUEUE_FULL=reject bash benchmarks/overload.sh
# Environment:
#   DURATION=10            seconds measured per load; WARMUP=3 seconds before each, not counted
#   LOADS="1 2 10"         multiples of the capacity to offer, in this order (the first is the
#                          reference for the goodput target)
#   CAPACITY               calls/s to take as the capacity instead of measuring it
#   CAPACITY_DURATION=5    seconds of the closed-loop capacity measurement (after WARMUP)
#   NUM_WORKERS=4  SERVICE_TIME_US=2000  QUEUE_SIZE=64  AVAILABILITY_TIMEOUT_MS=1000   the function
#   WHEN_QUEUE_FULL        the trigger's overload policy (whenQueueFull: wait | reject); unset: the
#                          trigger's default, and the field is left out of function.yaml
#   EVENT_LOOPS=1          the trigger's eventLoopThreads (0: one per processor). One by default: the
#                          generator needs a core of its own to keep its schedule, and on a 2-core
#                          machine two event loops beside it make three busy threads for two cores,
#                          so the figures measure the scheduler more than the function (README)
#   CONNECTIONS=16         connections the generator opens before each load
#   MAX_CONNECTIONS=1024   the generator's connection limit; sends beyond it wait and count as late
#   REQUEST_TIMEOUT=10     seconds after its intended send time a call counts as timed out
#   JAVA=java  JAVA_OPTS (the function)
#   LOADGEN_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1"   the generator's JVM
#   SKIP_BUILD=1           use benchmarks/target/benchmarks.jar as it is
#   BUILD_TIMEOUT=900      seconds the Maven build may take
#   RESULTS_DIR            where the per-load table goes as TSV and its plots as PNG: overload.tsv,
#                          overload.png (goodput / the first load's), overload-503.png (p99 of a 503)
#                          (default benchmarks/results)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init overload

DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
LOADS="${LOADS:-1 2 10}"
CAPACITY="${CAPACITY:-}"
CAPACITY_DURATION="${CAPACITY_DURATION:-5}"
NUM_WORKERS="${NUM_WORKERS:-4}"
SERVICE_TIME_US="${SERVICE_TIME_US:-2000}"
QUEUE_SIZE="${QUEUE_SIZE:-64}"
AVAILABILITY_TIMEOUT_MS="${AVAILABILITY_TIMEOUT_MS:-1000}"
WHEN_QUEUE_FULL="${WHEN_QUEUE_FULL:-}"
EVENT_LOOPS="${EVENT_LOOPS:-1}"
CONNECTIONS="${CONNECTIONS:-16}"
MAX_CONNECTIONS="${MAX_CONNECTIONS:-1024}"
REQUEST_TIMEOUT="${REQUEST_TIMEOUT:-10}"
read -r -a JAVA_ARGS <<< "${JAVA_OPTS:-}"
# The generator is a new JVM per load: C1 only, so it is compiled within its first second instead of
# spending seconds in C2 while it should keep up with its schedule; one GC thread.
read -r -a LOADGEN_ARGS <<< "${LOADGEN_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
DRAIN_TIMEOUT=60   # seconds the function may take to finish what is in flight after a load

GOODPUT_TARGET=0.95
P99_503_TARGET_MS=5

PORT=18086
CONTROL_PORT=18087
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/benchmarks/results}"
URL="http://$HOST:$PORT/"

# ---- prerequisites --------------------------------------------------------------------------------

require_java
[[ "${SKIP_BUILD:-0}" == "1" ]] || maven_package benchmarks
[[ -f "$BENCH_JAR" ]] || die "$BENCH_JAR is missing (build it, or unset SKIP_BUILD)"
[[ "$WHEN_QUEUE_FULL" =~ ^(|wait|reject)$ ]] || log "WHEN_QUEUE_FULL=$WHEN_QUEUE_FULL is passed as it is"
for n in DURATION WARMUP CAPACITY_DURATION NUM_WORKERS SERVICE_TIME_US QUEUE_SIZE AVAILABILITY_TIMEOUT_MS \
         EVENT_LOOPS CONNECTIONS MAX_CONNECTIONS REQUEST_TIMEOUT; do
    [[ "${!n}" =~ ^[0-9]+$ ]] || die "$n must be a whole number, got '${!n}'"
done
for m in $LOADS; do
    [[ "$m" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "LOADS must be numbers (multiples of the capacity), got '$m'"
done
[[ -z "$CAPACITY" || "$CAPACITY" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "CAPACITY must be a number of calls/s, got '$CAPACITY'"
(( REQUEST_TIMEOUT * 1000 > AVAILABILITY_TIMEOUT_MS )) \
    || die "REQUEST_TIMEOUT (${REQUEST_TIMEOUT}s) must be longer than the availability timeout (${AVAILABILITY_TIMEOUT_MS} ms)"
require_free_ports "$PORT" "$CONTROL_PORT"
mkdir -p "$RESULTS_DIR"

cat > "$WORK/function.yaml" <<EOF
metadata:
  name: overload
spec:
  handler: io.nucleon.benchmarks.overload.FixedServiceTimeHandler
  eventTimeout: 30s
  env:
    - name: SERVICE_TIME_US
      value: "$SERVICE_TIME_US"
  triggers:
    web:
      kind: http
      numWorkers: $NUM_WORKERS
      workerQueueSize: $QUEUE_SIZE
      workerAvailabilityTimeoutMilliseconds: $AVAILABILITY_TIMEOUT_MS
${WHEN_QUEUE_FULL:+      whenQueueFull: $WHEN_QUEUE_FULL
}      attributes:
        host: $HOST
        port: $PORT
        eventLoopThreads: $EVENT_LOOPS
EOF

# ---- helpers --------------------------------------------------------------------------------------

# openloop LABEL ARGS...: runs the generator (with --server-pid), its output in $WORK/LABEL.out;
# dies when it fails.
openloop() {
    local label="$1"
    shift
    local bound=$((WARMUP + DURATION + CAPACITY_DURATION + 2 * REQUEST_TIMEOUT + 90))
    if ! timeout "$bound" "$JAVA" "${LOADGEN_ARGS[@]}" -cp "$BENCH_JAR" io.nucleon.benchmarks.load.OpenLoop \
            --url "$URL" --label "$label" --server-pid "${PIDS[overload]}" --timeout "$REQUEST_TIMEOUT" "$@" \
            >"$WORK/$label.out" 2>"$WORK/$label.err"; then
        grep -v '^SLF4J' "$WORK/$label.err" >&2 || true
        cat "$WORK/$label.out" >&2
        die "the load generator failed ($label)"
    fi
    grep -q '^openloop:' "$WORK/$label.out" || die "no summary line from the load generator ($label)"
}

# kv LABEL KEY: a value of the generator's summary line.
kv() {
    grep '^openloop:' "$WORK/$1.out" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "-" }'
}

# The /metrics series that mention "rejected" (in the name or a label), one "series value" per line.
rejection_metrics() {
    http_request "$CONTROL_PORT" GET /metrics | tr -d '\r' | awk '!/^#/ && /rejected/ { v = $NF; $NF = ""; sub(/ $/, ""); gsub(/ /, "_"); print $0, v }' | sort
}

# The events in flight (nucleon_events_in_flight summed), or empty when /metrics does not answer.
in_flight() {
    http_request "$CONTROL_PORT" GET /metrics | tr -d '\r' | awk '/^nucleon_events_in_flight[{ ]/ { s += $NF; n++ } END { if (n) printf "%d\n", s }'
}

# Waits until the function has nothing in flight, so that one load does not spill into the next.
await_idle() {
    local i n
    for ((i = 0; i < DRAIN_TIMEOUT * 5; i++)); do
        n="$(in_flight || true)"
        [[ "$n" == 0 ]] && return 0
        sleep 0.2
    done
    log "the function still had ${n:-?} events in flight ${DRAIN_TIMEOUT}s after the load; going on"
}

# ---- the run --------------------------------------------------------------------------------------

start_server overload "$JAVA" "${JAVA_ARGS[@]}" -cp "$BENCH_JAR" io.nucleon.core.Main "$WORK/function.yaml" \
    --control-host "$HOST" --control-port "$CONTROL_PORT"
await_server overload answers_200 "$CONTROL_PORT" /ready
await_server overload answers_200 "$PORT" /
SERVER_PID="${PIDS[overload]}"

THEORY="$(awk -v w="$NUM_WORKERS" -v us="$SERVICE_TIME_US" 'BEGIN { printf "%.0f", (us > 0) ? w * 1e6 / us : 0 }')"
if [[ -z "$CAPACITY" ]]; then
    log "capacity: closed loop, $((2 * NUM_WORKERS)) connections, ${WARMUP}s warm-up + ${CAPACITY_DURATION}s"
    openloop capacity --closed-loop --connections $((2 * NUM_WORKERS)) --warmup "$WARMUP" --duration "$CAPACITY_DURATION"
    CAPACITY="$(kv capacity 200_per_s)"
    other="$(awk -v a="$(kv capacity ended)" -v b="$(kv capacity 200_count)" 'BEGIN { print a - b }')"
    [[ "$other" == 0 ]] || log "warning: $other calls of the capacity run did not answer 200"
    CAPACITY_HOW="measured: closed loop, $((2 * NUM_WORKERS)) connections, ${CAPACITY_DURATION}s, 200 p50 $(kv capacity 200_p50_ms) ms"
    await_idle
else
    CAPACITY_HOW="given (CAPACITY)"
fi
awk -v c="$CAPACITY" 'BEGIN { exit !(c > 0) }' || die "capacity $CAPACITY is not a positive rate"
SERVICE_MEASURED_MS="$(awk -v w="$NUM_WORKERS" -v c="$CAPACITY" 'BEGIN { printf "%.3f", w * 1000 / c }')"
log "capacity $CAPACITY calls/s ($CAPACITY_HOW; $NUM_WORKERS workers / ${SERVICE_TIME_US} us would be $THEORY)"

declare -A RATE
LABELS=()
for m in $LOADS; do
    label="${m}x"
    LABELS+=("$label")
    RATE[$label]="$(awk -v c="$CAPACITY" -v m="$m" 'BEGIN { printf "%.0f", c * m }')"
    log "$label: ${RATE[$label]} calls/s, ${WARMUP}s warm-up + ${DURATION}s"
    rejection_metrics >"$WORK/$label.metrics-before" || true
    openloop "$label" --rate "${RATE[$label]}" --warmup "$WARMUP" --duration "$DURATION" \
        --connections "$CONNECTIONS" --max-connections "$MAX_CONNECTIONS"
    await_idle
    rejection_metrics >"$WORK/$label.metrics-after" || true
    log "$label: goodput $(kv "$label" 200_per_s)/s, 503s $(kv "$label" 503_count), timeouts $(kv "$label" timeout_count)"
done
stop_all

# ---- the tables -----------------------------------------------------------------------------------

echo
echo "overload: FixedServiceTimeHandler ${SERVICE_TIME_US} us on $NUM_WORKERS workers, workerQueueSize $QUEUE_SIZE," \
     "availability timeout ${AVAILABILITY_TIMEOUT_MS} ms, whenQueueFull ${WHEN_QUEUE_FULL:-(the default)}," \
     "eventLoopThreads $EVENT_LOOPS"
echo "capacity: $CAPACITY calls/s ($CAPACITY_HOW; that is ${SERVICE_MEASURED_MS} ms per call per worker;" \
     "$NUM_WORKERS / ${SERVICE_TIME_US} us = $THEORY)"
echo "open loop: ${WARMUP}s warm-up + ${DURATION}s measured per load, $CONNECTIONS to $MAX_CONNECTIONS connections," \
     "one call in flight each, latency from the intended send time, timeout ${REQUEST_TIMEOUT}s"
echo
printf '%-6s %9s %10s %7s %9s %9s %9s %9s %10s %7s %8s %8s %8s %7s\n' \
    load "offered/s" "goodput/s" "503s" "200 p50" "200 p99" "503 p50" "503 p99" "latest 200" errors timeouts late "lag p99" "cores"
for label in "${LABELS[@]}"; do
    printf '%-6s %9s %10s %7s %9s %9s %9s %9s %10s %7s %8s %8s %8s %7s\n' "$label" \
        "${RATE[$label]}" "$(kv "$label" 200_per_s)" "$(awk -v v="$(kv "$label" 503_share)" 'BEGIN { printf "%.1f%%", v * 100 }')" \
        "$(kv "$label" 200_p50_ms)" "$(kv "$label" 200_p99_ms)" "$(kv "$label" 503_p50_ms)" "$(kv "$label" 503_p99_ms)" \
        "$(kv "$label" 200_max_ms)" "$(awk -v a="$(kv "$label" error_count)" -v b="$(kv "$label" other_count)" 'BEGIN { print a + b }')" \
        "$(kv "$label" timeout_count)" "$(kv "$label" late)" "$(kv "$label" lag_p99_ms)" \
        "$(awk -v s="$(kv "$label" server_cpu_s)" -v d="$DURATION" 'BEGIN { if (s == "-") print "-"; else printf "%.2f", s / d }')"
done
echo "(latencies in ms; errors: other statuses and failed connections; late: sends that waited because all"
echo " connections were busy; lag: intended-to-actual send; cores: the server's CPU seconds per second)"

echo
echo "server CPU in each measured window, seconds per thread group (nucleon-http-*: event loops, nucleon-*-wor*: workers):"
for label in "${LABELS[@]}"; do
    printf '  %-6s %s\n' "$label" "$(grep '^openloop:' "$WORK/$label.out" | tr ' ' '\n' | grep '^server_cpu_s\.' \
        | sed 's/^server_cpu_s\.//' | tr '=' ' ' | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')"
done

echo
echo "/metrics series that mention \"rejected\", change over each load (warm-up included):"
for label in "${LABELS[@]}"; do
    awk -v l="$label" 'NR == FNR { before[$1] = $2; next } { printf "  %-6s %s %+d\n", l, $1, $2 - before[$1] }' \
        "$WORK/$label.metrics-before" "$WORK/$label.metrics-after"
done

# ---- the targets ----------------------------------------------------------------------------------

echo
first="${LABELS[0]}"
base="$(kv "$first" 200_per_s)"
verdict() { if [[ "$1" == 1 ]]; then echo PASS; else echo FAIL; fi; }
ok=1; detail=""
for label in "${LABELS[@]:1}"; do
    g="$(kv "$label" 200_per_s)"
    r="$(awk -v g="$g" -v b="$base" 'BEGIN { printf "%.3f", (b > 0) ? g / b : 0 }')"
    awk -v r="$r" -v t="$GOODPUT_TARGET" 'BEGIN { exit !(r >= t) }' || ok=0
    detail+=" $label $g/s = $r;"
done
echo "$(verdict $ok)  goodput at every load above $first >= $GOODPUT_TARGET of $first ($base/s):${detail% ;}"
ok=1; detail=""
for label in "${LABELS[@]}"; do
    n="$(kv "$label" 503_count)"
    if [[ "$n" == 0 ]]; then
        detail+=" $label no 503s;"
    else
        p="$(kv "$label" 503_p99_ms)"
        awk -v p="$p" -v t="$P99_503_TARGET_MS" 'BEGIN { exit !(p <= t) }' || ok=0
        detail+=" $label $p ms;"
    fi
done
if grep -q '[0-9] ms;' <<< "$detail"; then
    echo "$(verdict $ok)  p99 of a 503 <= $P99_503_TARGET_MS ms at every load:${detail% ;}"
else
    echo "n/a   p99 of a 503 <= $P99_503_TARGET_MS ms at every load: no load had a 503"
fi
ok=1; detail=""
for label in "${LABELS[@]}"; do
    x="$(kv "$label" 200_max_ms)"
    t="$(kv "$label" timeout_count)"
    awk -v x="$x" -v t="$AVAILABILITY_TIMEOUT_MS" 'BEGIN { exit !(x <= t) }' || ok=0
    if [[ "$t" == 0 ]]; then
        detail+=" $label $x ms;"
    else
        ok=0
        detail+=" $label $x ms and $t calls with no answer within ${REQUEST_TIMEOUT}s;"
    fi
done
echo "$(verdict $ok)  no 200 later than the availability timeout (${AVAILABILITY_TIMEOUT_MS} ms) at any load; latest 200:${detail% ;}"

# ---- the per-load table as TSV, and its plots -------------------------------------------------------

# tsv_kv LABEL KEY: kv, but empty where the summary has no such value.
tsv_kv() { local v; v="$(kv "$1" "$2")"; [[ "$v" == - ]] || printf '%s' "$v"; }
TSV="$RESULTS_DIR/overload.tsv"
printf 'load\toffered/s\tgoodput/s\tgoodput / %s\t503s %%\t200 p50 ms\t200 p99 ms\t503 p50 ms\t503 p99 ms\tlatest 200 ms\terrors\ttimeouts\tlate\tlag p99 ms\tcores\n' \
    "$first" >"$TSV"
for label in "${LABELS[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "${RATE[$label]}" "$(tsv_kv "$label" 200_per_s)" \
        "$(awk -v g="$(kv "$label" 200_per_s)" -v b="$base" 'BEGIN { if (b > 0) printf "%.3f", g / b }')" \
        "$(awk -v v="$(kv "$label" 503_share)" 'BEGIN { if (v != "-") printf "%.1f", v * 100 }')" \
        "$(tsv_kv "$label" 200_p50_ms)" "$(tsv_kv "$label" 200_p99_ms)" "$(tsv_kv "$label" 503_p50_ms)" "$(tsv_kv "$label" 503_p99_ms)" \
        "$(tsv_kv "$label" 200_max_ms)" "$(awk -v a="$(kv "$label" error_count)" -v b="$(kv "$label" other_count)" 'BEGIN { print a + b }')" \
        "$(tsv_kv "$label" timeout_count)" "$(tsv_kv "$label" late)" "$(tsv_kv "$label" lag_p99_ms)" \
        "$(awk -v s="$(kv "$label" server_cpu_s)" -v d="$DURATION" 'BEGIN { if (s != "-") printf "%.2f", s / d }')" >>"$TSV"
done
log "table: $TSV"
WHAT="Open loop at $(echo "${LABELS[*]}" | sed 's/ /, /g') the capacity (${CAPACITY}/s: ${SERVICE_TIME_US} us calls, $NUM_WORKERS workers), ${DURATION}s each"
plot_bars "$TSV" "$RESULTS_DIR/overload.png" \
    "$WHAT: goodput as a share of $first's (target >= $GOODPUT_TARGET)" \
    "goodput / goodput at $first" "goodput / $first"
plot_bars "$TSV" "$RESULTS_DIR/overload-503.png" \
    "$WHAT: p99 of a 503 (target <= $P99_503_TARGET_MS ms; no bar: no 503s)" \
    "milliseconds" "503 p99 ms"
exit 0
