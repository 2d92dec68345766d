#!/usr/bin/env bash
# Measures what the http trigger's auth costs: the same hello-java jar
# (examples/hello-java/target/hello-java.jar) run three (four) times side by side, each with its own
# function.yaml that differs only in the trigger's auth block, all answering "Hello, world!":
#   none         no auth block; wrk sends no Authorization header           port 18090 (control 18190)
#   bearer       auth.kind bearer, 3 tokens in a file; wrk sends one         port 18091 (control 18191)
#   jwt          auth.kind jwt, HS256 secret file, issuer and audience
#                checked; wrk sends one token signed here with openssl       port 18092 (control 18192)
#   jwt-nocache  as jwt with cacheSize: 0, so every request is verified     port 18093 (control 18193)
# Before measuring, each auth server must answer 401 without credentials and the greeting with them;
# afterwards, it must have refused nothing but that one check. The servers are measured in turn,
# ROUNDS times (interleaved, so a slow spell of a shared machine hits all alike); a table shows
# median requests/s, each round's figures and p99 latency, the server's CPU time per request (read
# from /proc, so a busy neighbour on a shared machine skews it less than requests/s), and each one's
# ratios to "none". Any non-2xx answer during a run is shown next to its figures.
#
# Usage (from the repository root or from benchmarks/):
#   bash benchmarks/auth-compare.sh
# Environment:
#   DURATION=10        seconds of each measured wrk run (the warm-up is WARMUP=5 seconds)
#   ROUNDS=3           measured runs per server, interleaved; the table shows the median
#   CONNECTIONS=64     wrk connections; THREADS=2 wrk threads
#   NUM_WORKERS=8      numWorkers of every variant; EVENT_LOOPS=0 their eventLoopThreads
#   NO_CACHE=1         also measure jwt-nocache (0 leaves it out)
#   JAVA=java          the java binary; JAVA_OPTS are passed to every server
#   SKIP_BUILD=1       use the jar already in examples/hello-java/target instead of running Maven
#   BUILD_TIMEOUT=900  seconds the Maven build may take
#   RESULTS_DIR        where the table goes as TSV and its plots as PNG: auth-compare.tsv,
#                      auth-compare.png (requests/s), auth-compare-cpu.png (default benchmarks/results)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init auth-compare

DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
NUM_WORKERS="${NUM_WORKERS:-8}"
EVENT_LOOPS="${EVENT_LOOPS:-0}"
NO_CACHE="${NO_CACHE:-1}"
read -r -a JAVA_ARGS <<< "${JAVA_OPTS:-}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/benchmarks/results}"

HELLO_JAR="$ROOT/examples/hello-java/target/hello-java.jar"
EXPECTED_BODY="Hello, world!"
SERVERS=(none bearer jwt)
[[ "$NO_CACHE" != "1" ]] || SERVERS+=(jwt-nocache)
declare -A PORT=([none]=18090 [bearer]=18091 [jwt]=18092 [jwt-nocache]=18093)
declare -A CONTROL=([none]=18190 [bearer]=18191 [jwt]=18192 [jwt-nocache]=18193)
declare -A AUTH_HEADER=()

# ---- prerequisites --------------------------------------------------------------------------------

require_java
ensure_wrk
command -v openssl >/dev/null 2>&1 || die "openssl is needed to make the secrets and sign the JWT"
[[ "${SKIP_BUILD:-0}" == "1" ]] || maven_package examples/hello-java
[[ -f "$HELLO_JAR" ]] || die "$HELLO_JAR is missing"
for name in "${SERVERS[@]}"; do
    require_free_ports "${PORT[$name]}" "${CONTROL[$name]}"
done
mkdir -p "$RESULTS_DIR"

# ---- secrets, made fresh for this run, private, and removed with $WORK ----------------------------

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
umask 077
BEARER_TOKEN="$(openssl rand -hex 32)"
{
    echo "# three callers, as a real tokens file would have"
    echo "deployer $(openssl rand -hex 32)"
    echo "bench $BEARER_TOKEN"
    echo "monitor $(openssl rand -hex 32)"
} > "$WORK/tokens"
JWT_SECRET="$(openssl rand -hex 32)"
printf '%s\n' "$JWT_SECRET" > "$WORK/jwt-secret"
now="$(date +%s)"
jwt_header="$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)"
jwt_claims="$(printf '{"sub":"bench","iss":"https://issuer.bench","aud":"hello-java","iat":%d,"exp":%d}' \
    "$now" "$((now + 86400))" | b64url)"
jwt_signature="$(printf '%s' "$jwt_header.$jwt_claims" | openssl dgst -sha256 -hmac "$JWT_SECRET" -binary | b64url)"
JWT="$jwt_header.$jwt_claims.$jwt_signature"
AUTH_HEADER[bearer]="Authorization: Bearer $BEARER_TOKEN"
AUTH_HEADER[jwt]="Authorization: Bearer $JWT"
AUTH_HEADER[jwt-nocache]="Authorization: Bearer $JWT"

# ---- one function.yaml per variant: the same function, only the auth block differs -----------------

write_yaml() {
    local name="$1" file="$WORK/$1.yaml"
    hello_java_yaml "${PORT[$name]}" > "$file"
    case "$name" in
        bearer)
            printf '        auth:\n          kind: bearer\n          tokensFile: %s\n' "$WORK/tokens" >> "$file" ;;
        jwt | jwt-nocache)
            printf '        auth:\n          kind: jwt\n          secretFile: %s\n          issuer: https://issuer.bench\n          audience: hello-java\n' \
                "$WORK/jwt-secret" >> "$file"
            [[ "$name" != jwt-nocache ]] || printf '          cacheSize: 0\n' >> "$file" ;;
    esac
}

# raw_get PORT [HEADER]: the whole response to GET / sent with one extra header line.
raw_get() {
    local request="GET / HTTP/1.1\r\nHost: $HOST:$1\r\n"
    [[ -z "${2:-}" ]] || request+="$2\r\n"
    request+="Connection: close\r\n\r\n"
    # the tokens are hex and base64url: nothing in them is a printf directive
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1; printf "$2" >&3; cat <&3' "$HOST" "$1" "$request" 2>/dev/null
}
answers_401() { [[ "$(raw_get "$1" | head -n 1 | awk '{print $2}')" == 401 ]]; }

# ---- the runs -------------------------------------------------------------------------------------

declare -A RPS P99 P99_MS ERRORS SAMPLES CPU_SAMPLES CPU
CLK_TCK="$(getconf CLK_TCK)"

for name in "${SERVERS[@]}"; do
    write_yaml "$name"
    start_server "$name" "$JAVA" "${JAVA_ARGS[@]}" -jar "$HELLO_JAR" "$WORK/$name.yaml" \
        --control-host "$HOST" --control-port "${CONTROL[$name]}"
done
await_server none answers_body "${PORT[none]}" "$EXPECTED_BODY"
for name in "${SERVERS[@]}"; do
    [[ "$name" != none ]] || continue
    await_server "$name" answers_401 "${PORT[$name]}"
    got="$(raw_get "${PORT[$name]}" "${AUTH_HEADER[$name]}" | sed -e '1,/^\r\{0,1\}$/d')"
    [[ "$got" == "$EXPECTED_BODY" ]] || die "$name answered '$got' to a request with credentials instead of '$EXPECTED_BODY'"
    log "$name: 401 without credentials, the greeting with them"
done

# run_wrk NAME SECONDS [wrk options]: wrk against NAME's port, with NAME's credentials if it has any.
run_wrk() {
    local name="$1" seconds="$2"
    shift 2
    local header=()
    [[ -z "${AUTH_HEADER[$name]:-}" ]] || header=(-H "${AUTH_HEADER[$name]}")
    wrk_run "$seconds" "http://$HOST:${PORT[$name]}/" "${header[@]}" "$@"
}

for name in "${SERVERS[@]}"; do
    log "$name: warming up for ${WARMUP}s"
    run_wrk "$name" "$WARMUP" >/dev/null
done

for ((round = 1; round <= ROUNDS; round++)); do
    for name in "${SERVERS[@]}"; do
        out="$WORK/$name.$round.wrk"
        log "round $round/$ROUNDS: $name for ${DURATION}s"
        ticks_before="$(process_cpu_ticks "${PIDS[$name]}")"
        run_wrk "$name" "$DURATION" --latency >"$out"
        ticks_after="$(process_cpu_ticks "${PIDS[$name]}")"
        wrk_read "$name" "$out"
        rps="$WRK_RPS" requests="$WRK_REQUESTS"
        SAMPLES[$name]="${SAMPLES[$name]:-} $rps"
        CPU_SAMPLES[$name]="${CPU_SAMPLES[$name]:-} $(awk -v t="$((ticks_after - ticks_before))" -v hz="$CLK_TCK" -v n="$requests" \
            'BEGIN { printf "%.1f", t * 1e6 / hz / n }')"
        P99[$name]="${P99[$name]:-} $WRK_P99"
        P99_MS[$name]="${P99_MS[$name]:-} $(wrk_ms "$WRK_P99")"
        err="$WRK_ERRORS"
        [[ -z "$err" ]] || ERRORS[$name]="${ERRORS[$name]:-}$err "
        log "round $round/$ROUNDS: $name $rps req/s"
    done
done

# nothing may have been refused during the runs: only the one check without credentials
for name in "${SERVERS[@]}"; do
    [[ "$name" != none ]] || continue
    refused="$(http_body "${CONTROL[$name]}" /metrics | awk '/^nucleon_http_auth_failures_total/ {s += $2} END {print s + 0}')"
    [[ "$refused" == "1" ]] || ERRORS[$name]="${ERRORS[$name]:-}auth refusals: $refused (1 expected, the check) "
done
stop_all

for name in "${SERVERS[@]}"; do
    RPS[$name]="$(echo "${SAMPLES[$name]}" | median)"
    CPU[$name]="$(echo "${CPU_SAMPLES[$name]}" | median)"
done

# ---- the table ------------------------------------------------------------------------------------

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, GET http://$HOST:<port>/ -> \"$EXPECTED_BODY\"," \
     "$ROUNDS interleaved rounds; one hello-java.jar, numWorkers $NUM_WORKERS, eventLoopThreads $EVENT_LOOPS"
printf '%-12s %13s  %-50s %10s  %-30s %s\n' auth "median req/s" "each round (req/s)" "CPU µs/req" "each round" "p99 each round"
for name in "${SERVERS[@]}"; do
    printf '%-12s %13s  %-50s %10s  %-30s %s  %s\n' "$name" "${RPS[$name]}" "${SAMPLES[$name]# }" "${CPU[$name]}" \
        "${CPU_SAMPLES[$name]# }" "${P99[$name]# }" "${ERRORS[$name]:-}"
done
echo
echo "ratios to none: requests/s (the issue's figure), and the server's CPU per request inverted (none's / this one's)"
for name in "${SERVERS[@]}"; do
    [[ "$name" != none ]] || continue
    printf '%-18s req/s %s   cpu %s\n' "$name / none" "$(ratio "${RPS[$name]}" "${RPS[none]}")" "$(ratio "${CPU[none]}" "${CPU[$name]}")"
done

# ---- the table as TSV, and its plots --------------------------------------------------------------

TSV="$RESULTS_DIR/auth-compare.tsv"
printf 'auth\trequests/s\tcpu us/req\tp99 ms\treq/s / none\tcpu none / this\n' >"$TSV"
for name in "${SERVERS[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${RPS[$name]}" "${CPU[$name]}" "$(echo "${P99_MS[$name]}" | median)" \
        "$(ratio "${RPS[$name]}" "${RPS[none]}")" "$(ratio "${CPU[none]}" "${CPU[$name]}")" >>"$TSV"
done
log "table: $TSV"
plot_bars "$TSV" "$RESULTS_DIR/auth-compare.png" \
    "hello-java with each auth: requests/s, median of $ROUNDS rounds (wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, keep-alive GET /, on the same cores)" \
    "requests/s" "requests/s"
plot_bars "$TSV" "$RESULTS_DIR/auth-compare-cpu.png" \
    "hello-java with each auth: server CPU per request, median of $ROUNDS rounds (wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, keep-alive GET /)" \
    "microseconds per request" "cpu us/req"
