# Helpers shared by the benchmark scripts; sourced, not run:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   bench_init my-script          # sets ROOT, WORK, the log prefix and the exit trap; cd "$ROOT"
#
# What it gives:
#   log MSG / die MSG             progress and errors on stderr, prefixed with the script's name
#   start_server NAME CMD...      runs CMD in the background, output in $WORK/NAME.log, pid in PIDS[NAME]
#   await_server NAME CHECK...    waits (START_TIMEOUT s) until the command CHECK... succeeds; dies if
#                                 the server exits first or never passes, showing the end of its log
#   stop_server NAME / stop_all   SIGTERM, then SIGKILL after STOP_TIMEOUT s; the exit trap runs stop_all
#   http_request PORT METHOD PATH [BODY]   the whole response (status line, headers, body); plain bash
#   http_body PORT [PATH]         the body of a GET
#   http_status PORT [PATH]       the status code of a GET
#   answers_body PORT BODY [PATH] / answers_200 PORT [PATH]   checks for await_server
#   require_java / ensure_wrk     the tools; wrk is installed with apt-get when missing
#   wrk_run SECONDS URL [ARGS...] wrk with THREADS threads and CONNECTIONS connections, bounded in time
#   wrk_read NAME FILE            reads a wrk report: WRK_RPS, WRK_REQUESTS, WRK_P99 (with --latency) and
#                                 WRK_ERRORS (non-2xx and socket errors, one line); dies naming NAME if empty
#   require_free_ports PORT...    dies when something listens on one of them
#   maven_package MODULES         mvn -B -q -DskipTests package -pl MODULES -am, bounded by BUILD_TIMEOUT
#   median < numbers / ratio A B  arithmetic for the tables
#   wrk_ms LATENCY                a wrk latency (850.00us, 1.20ms, 2.01s) in milliseconds, for the TSV tables
#   process_cpu_ticks PID         utime + stime of a process, in clock ticks (getconf CLK_TCK per second)
#   thread_cpu_snapshot PID       per thread group (name without its number): ticks, voluntary and
#                                 involuntary context switches, one line each, sorted
# Everything talks to HOST (127.0.0.1) only.

HOST="${HOST:-127.0.0.1}"
JAVA="${JAVA:-java}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-900}"
START_TIMEOUT="${START_TIMEOUT:-30}"   # seconds a server may take to be ready
STOP_TIMEOUT="${STOP_TIMEOUT:-15}"     # seconds a server may take to exit after SIGTERM
declare -A PIDS=()

# bench_init NAME: the script's name for log lines; makes WORK (removed on exit) and sets the traps.
bench_init() {
    BENCH_NAME="$1"
    ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    cd "$ROOT"
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/$BENCH_NAME.XXXXXX")"
    trap 'rc=$?; stop_all; rm -rf "$WORK"; exit $rc' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

log() { printf '[%s] %s\n' "${BENCH_NAME:-bench}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# stop_pid PID: SIGTERM, then SIGKILL after STOP_TIMEOUT seconds; reaps it.
stop_pid() {
    local pid="$1" i
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "process $pid ignored SIGTERM for ${STOP_TIMEOUT}s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

start_server() {
    local name="$1"
    shift
    log "$name: starting"
    "$@" >"$WORK/$name.log" 2>&1 &
    PIDS[$name]=$!
}

await_server() {
    local name="$1" pid="${PIDS[$1]}" i
    shift
    for ((i = 0; i < START_TIMEOUT * 5; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$WORK/$name.log" >&2 || true
            die "$name exited before it was ready"
        fi
        if "$@"; then
            return 0
        fi
        sleep 0.2
    done
    tail -n 30 "$WORK/$name.log" >&2 || true
    die "$name was not ready within ${START_TIMEOUT}s"
}

stop_server() {
    local name="$1"
    [[ -n "${PIDS[$name]:-}" ]] || return 0
    stop_pid "${PIDS[$name]}"
    unset "PIDS[$name]"
}

stop_all() {
    local name
    for name in "${!PIDS[@]}"; do
        stop_server "$name"
    done
}

http_request() {
    timeout 2 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        if [[ -n "$4" ]]; then
            printf "%s %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s" \
                "$2" "$3" "$0" "$1" "${#4}" "$4" >&3
        else
            printf "%s %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$2" "$3" "$0" "$1" >&3
        fi
        cat <&3' "$HOST" "$1" "$2" "$3" "${4:-}" 2>/dev/null
}

http_body() { http_request "$1" GET "${2:-/}" | sed -e '1,/^\r\{0,1\}$/d'; }
http_status() { http_request "$1" GET "${2:-/}" | head -n 1 | awk '{print $2}'; }

# answers_body PORT BODY [PATH]: true once GET answers exactly BODY; dies on another non-empty body.
answers_body() {
    local body
    body="$(http_body "$1" "${3:-/}" || true)"
    [[ -n "$body" ]] || return 1
    [[ "$body" == "$2" ]] || die "127.0.0.1:$1${3:-/} answered '$body' instead of '$2'"
}

answers_200() { [[ "$(http_status "$1" "${2:-/}" || true)" == 200 ]]; }

require_java() {
    command -v "$JAVA" >/dev/null 2>&1 || die "no java: set JAVA or put java on the PATH"
}

ensure_wrk() {
    command -v wrk >/dev/null 2>&1 && return 0
    log "installing wrk"
    local sudo_cmd=()
    [[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
    if ! "${sudo_cmd[@]}" apt-get install -y wrk >"$WORK/apt.log" 2>&1; then
        "${sudo_cmd[@]}" apt-get update >>"$WORK/apt.log" 2>&1 || true
        "${sudo_cmd[@]}" apt-get install -y wrk >>"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; die "cannot install wrk"; }
    fi
}

require_free_ports() {
    local port
    for port in "$@"; do
        if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
            die "port $port on $HOST is already in use; stop whatever listens there first"
        fi
    done
}

maven_package() {
    command -v mvn >/dev/null 2>&1 || die "no mvn on the PATH (or set SKIP_BUILD=1 to use built jars)"
    log "building $1"
    timeout "$BUILD_TIMEOUT" mvn -B -q -DskipTests package -pl "$1" -am
}

# hello_java_yaml PORT: the hello-java example's function.yaml as it ships, with its http trigger
# on $HOST:PORT, NUM_WORKERS workers (default 8), EVENT_LOOPS event loops (default 0: one per core)
# and, when WAIT_STRATEGY is set, that wait strategy. The trigger's attributes come last, 8 spaces
# in, so a caller may append more attribute lines (an auth or a tls block).
hello_java_yaml() {
    cat <<EOF
apiVersion: "nuclio.io/v1"
kind: NuclioFunction
metadata:
  name: hello-java
spec:
  runtime: java
  handler: io.nucleon.examples.hello.HelloHandler
  eventTimeout: 5s
  env:
    - name: GREETING
      value: Hello
  triggers:
    web:
      kind: http
      numWorkers: ${NUM_WORKERS:-8}
      workerAvailabilityTimeoutMilliseconds: 1000
${WAIT_STRATEGY:+      waitStrategy: $WAIT_STRATEGY
}      attributes:
        host: $HOST
        port: $1
        eventLoopThreads: ${EVENT_LOOPS:-0}
EOF
}

# wrk_ms LATENCY: a latency as wrk prints it (850.00us, 1.20ms, 2.01s, 1.50m) in milliseconds, for the
# TSV tables; empty for an empty or unknown value.
wrk_ms() {
    awk -v v="$1" 'BEGIN {
        if (match(v, /^[0-9.]+/)) { n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1) } else exit
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
        if (f > 0) printf "%.3f\n", n * f
    }'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

process_cpu_ticks() {
    # fields after the ")" of the command name: state is 1st, utime 12th, stime 13th (14 and 15 of stat)
    sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

thread_cpu_snapshot() {
    local t name ticks vcs nvcs
    for t in /proc/"$1"/task/*; do
        name="$(cat "$t/comm" 2>/dev/null)" || continue
        ticks="$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')" || continue
        vcs="$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status" 2>/dev/null)" || continue
        nvcs="$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$t/status" 2>/dev/null)" || continue
        [[ -n "$ticks" && -n "$vcs" && -n "$nvcs" ]] || continue
        echo "${name%%-[0-9]*} $ticks $vcs $nvcs"
    done | awk '{c[$1] += $2; v[$1] += $3; n[$1] += $4} END {for (k in c) print k, c[k], v[k], n[k]}' | sort
}

# wrk_run SECONDS URL [wrk options...]: the load every comparison uses, its report on stdout; bounded by
# its duration plus 30 s, so a server that stops answering ends the run instead of hanging it.
wrk_run() {
    local seconds="$1" url="$2"
    shift 2
    timeout "$((seconds + 30))" wrk -t"${THREADS:-2}" -c"${CONNECTIONS:-64}" -d"${seconds}s" "$@" "$url"
}

# wrk_read NAME FILE: sets WRK_RPS, WRK_REQUESTS, WRK_P99 and WRK_ERRORS from the wrk report in FILE.
wrk_read() {
    local name="$1" out="$2"
    WRK_RPS="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    [[ -n "$WRK_RPS" ]] || { cat "$out" >&2; die "$name: no Requests/sec in wrk's output"; }
    WRK_REQUESTS="$(awk '/ requests in / {print $1}' "$out")"
    WRK_P99="$(awk '$1 == "99%" {print $2}' "$out")"
    WRK_ERRORS="$(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | paste -sd ';' - || true)"
}

# plot_bars TSV PNG TITLE YLABEL COLUMN [COLUMN...]: a bar chart of a results table (TSV with a header
# line, the first column naming the setup) with one bar group per row and one bar per named column,
# drawn with gnuplot (installed with apt-get when missing). Says where the picture went; a machine
# without gnuplot and without apt gets no picture and a warning, not a failed benchmark.
plot_bars() {
    local tsv="$1" png="$2" title="$3" ylabel="$4"
    shift 4
    if ! command -v gnuplot >/dev/null 2>&1; then
        log "installing gnuplot-nox for the plot"
        local sudo_cmd=()
        [[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
        { "${sudo_cmd[@]}" apt-get install -y gnuplot-nox || { "${sudo_cmd[@]}" apt-get update && "${sudo_cmd[@]}" apt-get install -y gnuplot-nox; }; } \
            >"$WORK/apt-gnuplot.log" 2>&1 || { log "warning: no gnuplot, no plot $png"; return 0; }
    fi
    local header cols=() col i
    header="$(head -n 1 "$tsv")"
    for col in "$@"; do
        i="$(printf '%s\n' "$header" | tr '\t' '\n' | grep -nx -- "$col" | cut -d: -f1)"
        [[ -n "$i" ]] || die "plot_bars: no column '$col' in $tsv"
        cols+=("$i")
    done
    local using=""
    for i in "${cols[@]}"; do
        if [[ -z "$using" ]]; then
            using="using $i:xtic(1) title columnheader($i)"
        else
            using+=", '' using $i:xtic(1) title columnheader($i)"
        fi
    done
    gnuplot <<GP
set terminal pngcairo size 1100,520 noenhanced font ",10"
set output "$png"
set title "$title"
set ylabel "$ylabel"
set datafile separator "\t"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key top right
set grid ytics
set yrange [0:*]
set xtics rotate by -25
plot "$tsv" $using
GP
    log "plot: $png"
}
