#!/usr/bin/env bash
# What TLS costs the http trigger: the hello-java example served in plain HTTP and over TLS, with each
# TLS provider, measured with wrk on 127.0.0.1:
#   plain        hello-java, no tls block                                  port 18300 (control 18310)
#   tls-openssl  hello-java, tls { provider: openssl } (netty-tcnative)    port 18301 (control 18311)
#   tls-jdk      hello-java, tls { provider: jdk } (the JDK's SSLEngine)   port 18302 (control 18312)
# The certificate is an EC P-256 one made with openssl for this run (TLS 1.3 is negotiated; the
# script prints what was). Two kinds of load, each in interleaved rounds like http-compare.sh:
#   keep-alive   wrk -t2 -c64: 64 connections, each handshakes once, then only record encryption
#   new-conn     the same with "Connection: close": every request is a new TCP connection and a full
#                handshake (wrk resumes no session), so this is the handshake's cost
# The table shows median requests/s, each round's figures and p99, each TLS server's ratio to
# plain, and the server's CPU time per request (from /proc, so less swayed by other load on a shared
# machine than req/s). Each server's /status says which provider it really uses; the script checks it.
#
# Usage (from the repository root or from benchmarks/):
#   bash benchmarks/tls-compare.sh
# Environment:
#   DURATION=10 WARMUP=5 ROUNDS=3 CONNECTIONS=64 THREADS=2   as in http-compare.sh
#   MODES="keep-alive new-conn"   which loads to run
#   NUM_WORKERS=8 EVENT_LOOPS=0   hello-java's numWorkers and eventLoopThreads
#   JAVA=java JAVA_OPTS=...       the java binary and its options (all servers)
#   SKIP_BUILD=1                  use examples/hello-java/target/hello-java.jar as it is
#   RESULTS_DIR                   where the table goes as TSV (one row per load) and its plot as PNG:
#                                 tls-compare.{tsv,png} (default benchmarks/results)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init tls-compare

DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
NUM_WORKERS="${NUM_WORKERS:-8}"
EVENT_LOOPS="${EVENT_LOOPS:-0}"
MODES="${MODES:-keep-alive new-conn}"
read -r -a JAVA_ARGS <<< "${JAVA_OPTS:-}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/benchmarks/results}"

HELLO_JAR="$ROOT/examples/hello-java/target/hello-java.jar"
EXPECTED_BODY="Hello, world!"
SERVERS=(plain tls-openssl tls-jdk)
declare -A PORT=([plain]=18300 [tls-openssl]=18301 [tls-jdk]=18302)
declare -A CONTROL=([plain]=18310 [tls-openssl]=18311 [tls-jdk]=18312)
declare -A SCHEME=([plain]=http [tls-openssl]=https [tls-jdk]=https)
declare -A PROVIDER=([tls-openssl]=openssl [tls-jdk]=jdk)

# ---- prerequisites --------------------------------------------------------------------------------

require_java
ensure_wrk
command -v openssl >/dev/null 2>&1 || die "no openssl on the PATH (it makes the test certificate): apt-get install openssl"
command -v curl >/dev/null 2>&1 || die "no curl on the PATH (it checks each server's answer): apt-get install curl"
[[ "${SKIP_BUILD:-0}" == "1" ]] || maven_package examples/hello-java
[[ -f "$HELLO_JAR" ]] || die "$HELLO_JAR is missing"
require_free_ports "${PORT[@]}" "${CONTROL[@]}"
mkdir -p "$RESULTS_DIR"

log "making a certificate for 127.0.0.1 with openssl"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>"$WORK/openssl.log" \
    || { cat "$WORK/openssl.log" >&2; die "openssl could not make the certificate"; }

# function_yaml NAME: the example's function.yaml on the server's port, with its tls block.
function_yaml() {
    local name="$1"
    hello_java_yaml "${PORT[$name]}"
    if [[ -n "${PROVIDER[$name]:-}" ]]; then
        cat <<EOF
        tls:
          certFile: $WORK/cert.pem
          keyFile: $WORK/key.pem
          provider: ${PROVIDER[$name]}
EOF
    fi
}

# answers NAME: true once the server answers GET / with the expected body (curl, certificate not checked).
answers() {
    local body
    body="$(curl -sk --max-time 2 "${SCHEME[$1]}://$HOST:${PORT[$1]}/" || true)"
    [[ -n "$body" ]] || return 1
    [[ "$body" == "$EXPECTED_BODY" ]] || die "$1 answered '$body' instead of '$EXPECTED_BODY'"
}

for name in "${SERVERS[@]}"; do
    function_yaml "$name" > "$WORK/$name.yaml"
    start_server "$name" "$JAVA" "${JAVA_ARGS[@]}" -jar "$HELLO_JAR" "$WORK/$name.yaml" \
        --control-host "$HOST" --control-port "${CONTROL[$name]}"
    await_server "$name" answers "$name"
done

# what each TLS server really uses: its /status, and the protocol and cipher openssl negotiates
declare -A NEGOTIATED
for name in tls-openssl tls-jdk; do
    used="$(http_body "${CONTROL[$name]}" /status | grep -o '"provider" *: *"[a-z]*"' | head -n 1 | sed 's/.*"\([a-z]*\)"$/\1/')"
    [[ "$used" == "${PROVIDER[$name]}" ]] || die "$name serves TLS with provider '$used', not '${PROVIDER[$name]}'"
    NEGOTIATED[$name]="$(openssl s_client -connect "$HOST:${PORT[$name]}" -servername localhost </dev/null 2>/dev/null \
        | sed -n 's/^New, \([^,]*\), Cipher is \(.*\)$/\1 \2/p' | head -n 1)"
    log "$name: provider $used, negotiated ${NEGOTIATED[$name]}"
done

# ---- the runs -------------------------------------------------------------------------------------

# run_wrk NAME SECONDS MODE [wrk args...]: bounded by its duration plus a margin; output on stdout.
run_wrk() {
    local name="$1" seconds="$2" mode="$3"
    shift 3
    local close=()
    [[ "$mode" == keep-alive ]] || close=(-H "Connection: close")
    wrk_run "$seconds" "${SCHEME[$name]}://$HOST:${PORT[$name]}/" "${close[@]}" "$@"
}

CLK_TCK="$(getconf CLK_TCK)"
declare -A SAMPLES P99 ERRORS RPS CPU_US
for mode in $MODES; do
    [[ "$mode" == keep-alive || "$mode" == new-conn ]] || die "unknown mode '$mode' (keep-alive, new-conn)"
    for name in "${SERVERS[@]}"; do
        log "$mode: $name warming up for ${WARMUP}s"
        run_wrk "$name" "$WARMUP" "$mode" >/dev/null
    done
    for ((round = 1; round <= ROUNDS; round++)); do
        for name in "${SERVERS[@]}"; do
            out="$WORK/$mode.$name.$round.wrk"
            log "$mode round $round/$ROUNDS: $name for ${DURATION}s"
            ticks_before="$(process_cpu_ticks "${PIDS[$name]}")"
            run_wrk "$name" "$DURATION" "$mode" --latency >"$out"
            ticks_after="$(process_cpu_ticks "${PIDS[$name]}")"
            wrk_read "$name" "$out"
            rps="$WRK_RPS" requests="$WRK_REQUESTS"
            key="$mode/$name"
            SAMPLES[$key]="${SAMPLES[$key]:-} $rps"
            # the server's CPU per request: less swayed than req/s by what else runs on a shared machine
            CPU_US[$key]="${CPU_US[$key]:-} $(awk -v t="$((ticks_after - ticks_before))" -v hz="$CLK_TCK" -v n="$requests" \
                'BEGIN { printf "%.0f", t / hz * 1e6 / n }')"
            P99[$key]="${P99[$key]:-} $WRK_P99"
            err="$WRK_ERRORS"
            [[ -z "$err" ]] || ERRORS[$key]="${ERRORS[$key]:-}$err "
            log "$mode round $round/$ROUNDS: $name $rps req/s"
        done
    done
done
stop_all

# ---- the table ------------------------------------------------------------------------------------

echo
echo "hello-java, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, GET / -> \"$EXPECTED_BODY\", $ROUNDS interleaved rounds"
echo "(numWorkers $NUM_WORKERS, eventLoopThreads $EVENT_LOOPS; certificate EC P-256;" \
     "tls-openssl negotiated ${NEGOTIATED[tls-openssl]}, tls-jdk ${NEGOTIATED[tls-jdk]}; $("$JAVA" -version 2>&1 | head -n 1))"
for mode in $MODES; do
    echo
    echo "$mode$([[ $mode == new-conn ]] && echo ' (Connection: close: a TCP connection and a full handshake per request)')"
    printf '%-12s %14s   %-36s %-28s %-9s %s\n' server "median req/s" "each round (req/s)" "p99 each round" "vs plain" \
        "server CPU µs/request (median; each round)"
    for name in "${SERVERS[@]}"; do
        key="$mode/$name"
        RPS[$key]="$(echo "${SAMPLES[$key]}" | median)"
    done
    for name in "${SERVERS[@]}"; do
        key="$mode/$name"
        printf '%-12s %14s   %-36s %-28s %-9s %s (%s)  %s\n' "$name" "${RPS[$key]}" "${SAMPLES[$key]# }" "${P99[$key]# }" \
            "$(ratio "${RPS[$key]}" "${RPS[$mode/plain]}")" "$(echo "${CPU_US[$key]}" | median)" "${CPU_US[$key]# }" "${ERRORS[$key]:-}"
    done
done

# ---- the table as TSV (one row per load), and its plot ----------------------------------------------

TSV="$RESULTS_DIR/tls-compare.tsv"
printf 'load\tplain req/s\ttls-openssl req/s\ttls-jdk req/s\ttls-openssl / plain\ttls-jdk / plain\tplain cpu us/req\ttls-openssl cpu us/req\ttls-jdk cpu us/req\n' >"$TSV"
for mode in $MODES; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" \
        "${RPS[$mode/plain]}" "${RPS[$mode/tls-openssl]}" "${RPS[$mode/tls-jdk]}" \
        "$(ratio "${RPS[$mode/tls-openssl]}" "${RPS[$mode/plain]}")" "$(ratio "${RPS[$mode/tls-jdk]}" "${RPS[$mode/plain]}")" \
        "$(echo "${CPU_US[$mode/plain]}" | median)" "$(echo "${CPU_US[$mode/tls-openssl]}" | median)" \
        "$(echo "${CPU_US[$mode/tls-jdk]}" | median)" >>"$TSV"
done
log "table: $TSV"
plot_bars "$TSV" "$RESULTS_DIR/tls-compare.png" \
    "hello-java over TLS: requests/s as a share of plain HTTP's (1.0 = plain), per load; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, median of $ROUNDS rounds" \
    "requests/s over TLS / requests/s plain" "tls-openssl / plain" "tls-jdk / plain"
