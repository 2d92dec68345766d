#!/usr/bin/env bash
# Two builds of the python/nodejs runtimes side by side: WrapperRoundTrip from two benchmark jars,
# one round of each in turn, ROUNDS times, then the medians of each setup and the ratio new / base.
#
#   benchmarks/wrapper-compare.sh BASE_JAR NEW_JAR [events per worker per round] [rounds]
#
# Both jars must hold io.nucleon.benchmarks.external.WrapperRoundTrip (it uses the runtime's public
# face only, so it can be copied into an older tree and built there). Build each with
# `mvn clean package` (an incremental build once left stale classes in a shaded jar).
# The table of medians also goes to RESULTS_DIR/wrapper-compare.tsv (default benchmarks/results), and
# its events/s, base against new, to wrapper-compare.png.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init wrapper-compare

BASE_JAR="${1:?usage: wrapper-compare.sh BASE_JAR NEW_JAR [events] [rounds]}"
NEW_JAR="${2:?usage: wrapper-compare.sh BASE_JAR NEW_JAR [events] [rounds]}"
EVENTS="${3:-100000}"
ROUNDS="${4:-5}"
CLASS=io.nucleon.benchmarks.external.WrapperRoundTrip
RESULTS_DIR="${RESULTS_DIR:-$ROOT/benchmarks/results}"
require_java
for jar in "$BASE_JAR" "$NEW_JAR"; do
    [[ -f "$jar" ]] || die "no jar $jar"
done
mkdir -p "$RESULTS_DIR"
TSV="$RESULTS_DIR/wrapper-compare.tsv"

# One line per round and setup in $WORK/<build>.txt: setup, events/s, p50 us, p99 us, wrapper cpu us, worker cpu us
for ((r = 1; r <= ROUNDS; r++)); do
    for build in base new; do
        jar="$BASE_JAR"
        [[ "$build" == new ]] && jar="$NEW_JAR"
        log "round $r of $ROUNDS: $build"
        "$JAVA" ${JAVA_OPTS:-} -cp "$jar" "$CLASS" "$EVENTS" 1 | tee -a "$WORK/$build.log" \
            | awk '/^round / { gsub(",", "", $6); print $3 "-" $4 "-" $5, $6, $9, $12, $16, $19 }' >>"$WORK/$build.txt"
    done
done

printf '\nper round: build setup events/s p50-us p99-us wrapper-cpu-us worker-cpu-us\n'
for build in base new; do
    sed "s/^/$build /" "$WORK/$build.txt"
done
printf '\n%s events per worker per round, %s rounds each, one round of each build in turn; medians\n' "$EVENTS" "$ROUNDS"
printf '%-16s %12s %12s %7s %9s %9s %10s %10s\n' setup "base ev/s" "new ev/s" new/base "base p50" "new p50" \
    "base cpu" "new cpu"
printf 'setup\tbase ev/s\tnew ev/s\tnew/base\tbase p50 us\tnew p50 us\tbase cpu us\tnew cpu us\n' >"$TSV"
for setup in $(awk '{print $1}' "$WORK/base.txt" | awk '!seen[$0]++'); do
    col() { awk -v s="$setup" -v c="$2" '$1 == s { print $c }' "$WORK/$1.txt" | median; }
    b="$(col base 2)" n="$(col new 2)"
    # cpu: the wrapper's and the worker thread's µs per event together
    bc="$(awk -v s="$setup" '$1 == s { print $5 + $6 }' "$WORK/base.txt" | median)"
    nc="$(awk -v s="$setup" '$1 == s { print $5 + $6 }' "$WORK/new.txt" | median)"
    printf '%-16s %12.0f %12.0f %7s %9s %9s %10s %10s\n' "${setup//-/ }" "$b" "$n" "$(ratio "$n" "$b")" \
        "$(col base 3)" "$(col new 3)" "$bc" "$nc"
    printf '%s\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%s\n' "${setup//-/ }" "$b" "$n" "$(ratio "$n" "$b")" \
        "$(col base 3)" "$(col new 3)" "$bc" "$nc" >>"$TSV"
done
log "table: $TSV"
plot_bars "$TSV" "$RESULTS_DIR/wrapper-compare.png" \
    "WrapperRoundTrip, 100-byte echo, $EVENTS events per worker per round: events/s, base against new build, medians of $ROUNDS rounds each (builds in turn)" \
    "events/s (all workers)" "base ev/s" "new ev/s"
