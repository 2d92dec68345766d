#!/usr/bin/env bash
# Before/after in one run: this build of benchmarks.jar against another one (BASELINE_JAR, say the
# commit before a change to the worker pool), on the paths a pool change can slow down:
#   1. dispatch: the JMH DispatchBenchmark.nucleon (in-process WorkerPool, one producer, one worker),
#      forked from each jar in turn, ROUNDS times, alternating which jar goes first;
#   2. kafka: KafkaThroughput with -Dbaseline, so every round runs both builds' kafka trigger on the
#      same topic of the same in-process broker, in turn (Baseline.java loads the other jar beside this one);
#   3. rabbitmq: RabbitMqThroughput with -Dbaseline, both builds' rabbitmq trigger on the RabbitMQ at
#      127.0.0.1:5672, each round on a freshly filled queue.
# Kafka and RabbitMQ run once per handler result in RESULTS: "null" (the handler returns nothing) and
# "object" (it returns a small record, which a build that serialises every result turns into JSON).
# It prints each part's figures as the benchmarks print them; the exit code says only whether the
# run itself broke. The medians, one row per path (dispatch per wait strategy, kafka per partition
# count and result, rabbitmq per result), also go to RESULTS_DIR/throughput-compare.tsv (default
# benchmarks/results), and this / baseline of each to throughput-compare.png.
#
# BASELINE_JAR must have been built from the same benchmark sources as this build (only the engine
# and the triggers under them differ). For the commit before yours:
#   git worktree add --detach ../base <sha> && cp -a benchmarks/src ../base/benchmarks/   # same sources
#   (cd ../base && mvn -B -q -Dmaven.repo.local=<another repo> install -DskipTests && \
#       mvn -B -q -Dmaven.repo.local=<another repo> clean package -pl benchmarks)
#
# Usage (from the repository root or from benchmarks/):
#   BASELINE_JAR=/path/to/base/benchmarks.jar bash benchmarks/throughput-compare.sh
# Environment:
#   PARTS="dispatch kafka rabbitmq"   which parts to run
#   ROUNDS=3                          JMH forks per jar (dispatch)
#   RESULTS="null object"             handler results for kafka and rabbitmq
#   KAFKA_RECORDS=1000000 KAFKA_ROUNDS=3 KAFKA_PARTITIONS="1 8" KAFKA_WORKERS (default: one per core)
#   RABBIT_MESSAGES=100000 RABBIT_CONSUMERS=1 RABBIT_PREFETCH=64 RABBIT_ROUNDS=5
#   JMH_LOCK_WAIT=1800                seconds to wait for another JMH run (it holds /tmp/jmh.lock)
#   JAR (default benchmarks/target/benchmarks.jar), JAVA, JAVA_OPTS, SKIP_BUILD, BUILD_TIMEOUT
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init throughput-compare
require_java

PARTS="${PARTS:-dispatch kafka rabbitmq}"
ROUNDS="${ROUNDS:-3}"
RESULTS="${RESULTS:-null object}"
JAR="${JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
[[ -n "${BASELINE_JAR:-}" ]] || die "set BASELINE_JAR to another build's benchmarks.jar (see the comment at the top)"
[[ -f "$BASELINE_JAR" ]] || die "BASELINE_JAR names no file: $BASELINE_JAR"
if [[ -z "${SKIP_BUILD:-}" ]]; then
    maven_package benchmarks
fi
[[ -f "$JAR" ]] || die "no $JAR: build it (mvn -B -q clean package -pl benchmarks -am) or set JAR"
read -r -a JOPTS <<<"${JAVA_OPTS:-}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/benchmarks/results}"
mkdir -p "$RESULTS_DIR"
TSV="$RESULTS_DIR/throughput-compare.tsv"
printf 'path\tbaseline per s\tthis build per s\tthis / baseline\n' >"$TSV"
# tsv_row PATH BASELINE THIS: a row of the table, the rates (plain or 1.5e+06) as whole numbers.
tsv_row() { printf '%s\t%.0f\t%.0f\t%s\n' "$1" "$2" "$3" "$(ratio "$3" "$2")" >>"$TSV"; }

# dispatch_fork NAME JARFILE ROUND: one JMH fork of DispatchBenchmark.nucleon; its scores in WORK.
# Another JMH run on the machine holds /tmp/jmh.lock: wait for it (up to JMH_LOCK_WAIT s) rather than
# measure both at once.
dispatch_fork() {
    local csv="$WORK/dispatch-$1-$3.csv" out="$WORK/dispatch-$1-$3.log" waited=0
    log "dispatch: $1, fork $3"
    until "$JAVA" "${JOPTS[@]}" -jar "$2" 'DispatchBenchmark.nucleon$' -f 1 -wi 3 -i 5 -w 2s -r 3s -rf csv -rff "$csv" \
        >"$out" 2>&1; do
        if grep -q 'Unable to acquire the JMH lock' "$out" && ((waited < ${JMH_LOCK_WAIT:-1800})); then
            log "another JMH run holds /tmp/jmh.lock; waiting"
            sleep 15
            waited=$((waited + 15))
            continue
        fi
        tail -n 30 "$out" >&2
        die "JMH failed on $2"
    done
    # "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: metrics","Param: waitStrategy"
    tail -n +2 "$csv" | tr -d '"' | awk -F, -v who="$1" '{ print who, $NF, $5 }' >>"$WORK/dispatch.scores"
}

if [[ " $PARTS " == *" dispatch "* ]]; then
    : >"$WORK/dispatch.scores"
    for ((round = 1; round <= ROUNDS; round++)); do
        if ((round % 2 == 1)); then
            dispatch_fork baseline "$BASELINE_JAR" "$round"
            dispatch_fork this "$JAR" "$round"
        else
            dispatch_fork this "$JAR" "$round"
            dispatch_fork baseline "$BASELINE_JAR" "$round"
        fi
    done
    echo
    echo "DispatchBenchmark.nucleon, events/s, $ROUNDS forks per jar (3 x 2 s warm-up, 5 x 3 s measured each), medians of the forks:"
    for strategy in $(awk '{ print $2 }' "$WORK/dispatch.scores" | sort -u); do
        base="$(awk -v s="$strategy" '$1 == "baseline" && $2 == s { print $3 }' "$WORK/dispatch.scores" | median)"
        this="$(awk -v s="$strategy" '$1 == "this" && $2 == s { print $3 }' "$WORK/dispatch.scores" | median)"
        printf '  %-9s baseline %12.0f   this build %12.0f   this / baseline = %s   (forks: baseline %s; this %s)\n' \
            "$strategy" "$base" "$this" "$(ratio "$this" "$base")" \
            "$(awk -v s="$strategy" '$1 == "baseline" && $2 == s { printf "%.0f ", $3 }' "$WORK/dispatch.scores")" \
            "$(awk -v s="$strategy" '$1 == "this" && $2 == s { printf "%.0f ", $3 }' "$WORK/dispatch.scores")"
        tsv_row "dispatch $strategy" "$base" "$this"
    done
fi

for result in $RESULTS; do
    if [[ " $PARTS " == *" kafka "* ]]; then
        echo
        log "kafka, handler result $result"
        # shellcheck disable=SC2086
        "$JAVA" "${JOPTS[@]}" -Dbaseline="$BASELINE_JAR" -Dresult="$result" ${KAFKA_WORKERS:+-Dworkers=$KAFKA_WORKERS} \
            -cp "$JAR" io.nucleon.benchmarks.kafka.KafkaThroughput "${KAFKA_RECORDS:-1000000}" "${KAFKA_ROUNDS:-3}" \
            ${KAFKA_PARTITIONS:-1 8} 2>&1 | grep -v '^SLF4J' | tee "$WORK/kafka-$result.out" || die "KafkaThroughput failed"
        # "partitions 8: baseline trigger  1,234,567 rec/s   this build's trigger  2,345,678 rec/s   this / baseline = 1.90"
        while read -r partitions base this; do
            tsv_row "kafka $partitions partition$([[ $partitions == 1 ]] || echo s), $result" "$base" "$this"
        done < <(awk '/^partitions [0-9]+: baseline trigger/ { sub(":", "", $2); gsub(/[^0-9]/, "", $5); gsub(/[^0-9]/, "", $10); print $2, $5, $10 }' \
            "$WORK/kafka-$result.out")
    fi
    if [[ " $PARTS " == *" rabbitmq "* ]]; then
        echo
        log "rabbitmq, handler result $result"
        "$JAVA" "${JOPTS[@]}" -Dbaseline="$BASELINE_JAR" -Dresult="$result" -cp "$JAR" \
            io.nucleon.benchmarks.rabbitmq.RabbitMqThroughput "${RABBIT_MESSAGES:-100000}" "${RABBIT_CONSUMERS:-1}" \
            "${RABBIT_PREFETCH:-64}" "${RABBIT_ROUNDS:-5}" 2>&1 | grep -v '^SLF4J' | tee "$WORK/rabbitmq-$result.out" \
            || die "RabbitMqThroughput failed"
        base="$(awk '/^baseline trigger / { gsub(/[^0-9]/, "", $3); print $3 }' "$WORK/rabbitmq-$result.out")"
        this="$(awk '/^nucleon rabbitmq trigger / { gsub(/[^0-9]/, "", $4); print $4 }' "$WORK/rabbitmq-$result.out")"
        [[ -z "$base" || -z "$this" ]] || tsv_row "rabbitmq, $result" "$base" "$this"
    fi
done

log "table: $TSV"
if (($(wc -l <"$TSV") > 1)); then
    plot_bars "$TSV" "$RESULTS_DIR/throughput-compare.png" \
        "This build / baseline, medians per path (dispatch: $ROUNDS JMH forks; kafka: ${KAFKA_ROUNDS:-3} x ${KAFKA_RECORDS:-1000000} records; rabbitmq: ${RABBIT_ROUNDS:-5} x ${RABBIT_MESSAGES:-100000} messages); 1.0 = no change" \
        "this build's rate / the baseline's" "this / baseline"
fi
