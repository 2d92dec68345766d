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
        *) die "no recorded figures for '$1'" ;;
    esac
}

ALL="http-compare tls-compare async-compare auth-compare"
for name in ${@:-$ALL}; do
    plot "$name"
done
