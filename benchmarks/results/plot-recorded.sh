#!/usr/bin/env bash
# Redraws the PNG plots of the figures recorded in benchmarks/README.md from the TSV files beside
# this script (transcribed by hand from the "Results" sections; the README says which run each one
# comes from), with the same plot_bars calls as the scripts that write them, and the titles those
# scripts would give the recorded runs' settings. Runs nothing but gnuplot.
#   bash benchmarks/results/plot-recorded.sh [script-name...]   # default: all of them below
# (http-runtimes and startup draw their own plots from runs; they are not here.)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bench_init plot-recorded
R="$ROOT/benchmarks/results"

plot() {
    case "$1" in
        http-compare)
            plot_bars "$R/http-compare.tsv" "$R/http-compare.png" \
                "GET / -> 'Hello, world!': requests/s, median of 5 rounds (wrk -t2 -c64 -d10s, keep-alive, on the same cores)" \
                "requests/s" "requests/s" ;;
        tls-compare)
            plot_bars "$R/tls-compare.tsv" "$R/tls-compare.png" \
                "hello-java over TLS: requests/s as a share of plain HTTP's (1.0 = plain), per load; wrk -t2 -c64 -d10s, median of 3 rounds" \
                "requests/s over TLS / requests/s plain" "tls-openssl / plain" "tls-jdk / plain" ;;
        async-compare)
            plot_bars "$R/async-compare.tsv" "$R/async-compare.png" \
                "POST {'name':'Ada'}: async-java accepting (202) against hello-java answering (200), requests/s, median of 5 rounds (wrk -t2 -c64 -d5s)" \
                "requests/s" "requests/s" ;;
        auth-compare)
            plot_bars "$R/auth-compare.tsv" "$R/auth-compare.png" \
                "hello-java with each auth: requests/s, median of 5 rounds (wrk -t2 -c64 -d10s, keep-alive GET /, on the same cores)" \
                "requests/s" "requests/s"
            plot_bars "$R/auth-compare.tsv" "$R/auth-compare-cpu.png" \
                "hello-java with each auth: server CPU per request, median of 5 rounds (wrk -t2 -c64 -d10s, keep-alive GET /)" \
                "microseconds per request" "cpu us/req" ;;
        cpu-per-request)
            plot_bars "$R/cpu-per-request.tsv" "$R/cpu-per-request.png" \
                "Server CPU per request, all its threads, under wrk -t2 -c64 keep-alive (each bar: the latest run of cpu-per-request.sh with that label)" \
                "microseconds per request" "cpu us/req" ;;
        wrapper-compare)
            plot_bars "$R/wrapper-compare.tsv" "$R/wrapper-compare.png" \
                "WrapperRoundTrip, 100-byte echo, 100000 events per worker per round: events/s, base against new build, medians of 14 rounds each (builds in turn)" \
                "events/s (all workers)" "base ev/s" "new ev/s" ;;
        throughput-compare)
            plot_bars "$R/throughput-compare.tsv" "$R/throughput-compare.png" \
                "This build / baseline, medians per path (dispatch: 5 JMH forks; kafka: 5 x 3000000 records; rabbitmq: 7 x 100000 messages); 1.0 = no change" \
                "this build's rate / the baseline's" "this / baseline" ;;
        overload)
            local what="Open loop at 1x, 2x, 10x the capacity (1820-1880/s: 2000 us calls, 4 workers), 10s each"
            plot_bars "$R/overload.tsv" "$R/overload.png" \
                "$what: goodput as a share of 1x's (target >= 0.95)" "goodput / goodput at 1x" "goodput / 1x"
            plot_bars "$R/overload.tsv" "$R/overload-503.png" \
                "$what: p99 of a 503 (target <= 5 ms; no bar: no 503s)" "milliseconds" "503 p99 ms" ;;
        *) die "no recorded figures for '$1'" ;;
    esac
}

ALL="http-compare tls-compare async-compare auth-compare cpu-per-request wrapper-compare throughput-compare overload"
for name in ${@:-$ALL}; do
    plot "$name"
done
