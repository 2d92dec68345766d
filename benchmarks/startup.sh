#!/usr/bin/env bash
# Start-up: how long a server takes from launch to ready and to its first answer, what memory it holds
# and what CPU it burned getting there. For each setup, RUNS launches, the setups interleaved (one run
# of each in turn), then the median of each figure:
#   ready ms       launch to the first 200 on the control server's /ready (the bare Netty hello has no
#                  control server: its "ready" is its first 200)
#   first ms       launch to the first 200 on the function's port, asked right after ready
#   rss MB         VmRSS of the function's JVM (the process listening on its port) at ready, and after IDLE_MS
#                  more of idling; when `java -jar` relaunched itself with the jar's start-up archive
#                  (docs/startup.md) that is the second JVM, not the launching one that waits for it
#   tree MB        after idling, VmRSS summed over the launched process and all its children (the waiting
#                  launcher JVM, the function's JVM, the wrappers)
#   cpu s          utime + stime of the process and its children (live or reaped) at ready
#
# Usage (from the repository root, after `mvn -B -q package -DskipTests`):
#   bash benchmarks/startup.sh                                # hello-java, hello-python, hello-node, bare-netty
#   SETUPS="hello-java bare-netty" RUNS=5 bash benchmarks/startup.sh
#   BASE_DIR=/tmp/old-jars bash benchmarks/startup.sh         # adds *-base setups from the jars in BASE_DIR
#                                                             # (hello-java.jar, hello-python.jar, hello-node.jar)
#   JAVA_OPTS="-Xss256k" bash benchmarks/startup.sh           # JVM flags for every Java launch
#   SETUPS="hello-java hello-java-inproc hello-java-lean" bash benchmarks/startup.sh
#       hello-java-inproc: NUCLEON_STARTUP_ARCHIVE=off, the function in the JVM that java started (no archive)
#       hello-java-lean:   the memory flags of docs/startup.md (LEAN_OPTS) on the command line
# Environment: RUNS=10, IDLE_MS=1000, JAVA=java, HELLO_JAR / PYTHON_JAR / NODE_JAR / BENCH_JAR (the jars),
#   POLL_MS=2 (the probe's poll interval), RESULTS_DIR (where startup.tsv goes).
# Every launch is `java [JAVA_OPTS] -jar <jar> <function.yaml> --control-port P`, i.e. what a user types,
# with the packaged function.yaml's port moved to 127.0.0.1:$PORT (default 18290; control port
# $CONTROL_PORT, default 18291). Talks to 127.0.0.1 only; each launch is bounded (START_TIMEOUT) and
# stopped with SIGTERM (then SIGKILL after STOP_TIMEOUT s) on any exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init startup

RUNS="${RUNS:-10}"
IDLE_MS="${IDLE_MS:-1000}"
POLL_MS="${POLL_MS:-2}"
HELLO_JAR="${HELLO_JAR:-$ROOT/examples/hello-java/target/hello-java.jar}"
PYTHON_JAR="${PYTHON_JAR:-$ROOT/examples/hello-python/target/hello-python.jar}"
NODE_JAR="${NODE_JAR:-$ROOT/examples/hello-node/target/hello-node.jar}"
BENCH_JAR="${BENCH_JAR:-$ROOT/benchmarks/target/benchmarks.jar}"
SETUPS="${SETUPS:-hello-java hello-python hello-node bare-netty}"
RESULTS="${RESULTS_DIR:-$ROOT/benchmarks/results}"
LEAN_OPTS="${LEAN_OPTS:--XX:+UseSerialGC -Xmn8m -Xss256k -XX:ReservedCodeCacheSize=32m}"
PORT="${PORT:-18290}"
CONTROL_PORT="${CONTROL_PORT:-18291}"

require_java
command -v python3 >/dev/null 2>&1 || die "no python3 on the PATH (the probe and hello-python need it)"
require_free_ports "$PORT" "$CONTROL_PORT"

if [[ -n "${BASE_DIR:-}" ]]; then
    for s in $SETUPS; do
        [[ "$s" == bare-netty || "$s" == hello-java-* ]] || SETUPS+=" $s-base"
    done
fi

# jar_of SETUP: the jar a setup launches
jar_of() {
    case "$1" in
        hello-java | hello-java-inproc | hello-java-lean) echo "$HELLO_JAR" ;;
        hello-python) echo "$PYTHON_JAR" ;;
        hello-node) echo "$NODE_JAR" ;;
        bare-netty) echo "$BENCH_JAR" ;;
        *-base) echo "$BASE_DIR/${1%-base}.jar" ;;
        *) die "unknown setup '$1': hello-java, hello-python, hello-node or bare-netty" ;;
    esac
}

# Each function's packaged function.yaml, its trigger moved to 127.0.0.1:$PORT.
for s in $SETUPS; do
    jar="$(jar_of "$s")"
    [[ -f "$jar" ]] || die "no jar $jar for $s (build it: mvn -B -q package -DskipTests)"
    [[ "$s" == bare-netty ]] && continue
    unzip -p "$jar" function.yaml | sed -e "s/^\( *\)port: 8080/\1host: $HOST\n\1port: $PORT/" >"$WORK/$s.yaml"
    grep -q "port: $PORT" "$WORK/$s.yaml" || die "$jar's function.yaml has no 'port: 8080' to move"
done

# The probe launches one command, polls at POLL_MS, samples /proc and prints one line:
#   ready_ms first_ms rss_ready_mb rss_idle_mb tree_idle_mb cpu_ready_s
# It stops what it started on any exit (SIGTERM, then SIGKILL after STOP_TIMEOUT s).
cat >"$WORK/probe.py" <<'EOF'
import os, signal, socket, subprocess, sys, time

host, ready_port, port, pid_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
poll, idle, start_timeout, stop_timeout = (float(v) for v in sys.argv[5:9])
command = sys.argv[9:]
hz = os.sysconf("SC_CLK_TCK")


def status(port, path):
    """The status code of GET path, or None when nothing answers yet."""
    try:
        with socket.create_connection((host, port), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
            line = s.makefile("rb").readline().split()
            return int(line[1]) if len(line) > 1 else None
    except OSError:
        return None


def tree(root):
    """root and its descendants, from /proc."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids):
    """utime + stime of each pid, with those of its reaped children."""
    ticks = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))
        except (OSError, IndexError, ValueError):
            pass
    return ticks / hz


def listener(pids, port):
    """The pid among pids that listens on port (the function's JVM, also when a launcher JVM waits for it)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(f"socket:[{fields[9]}]")
        except OSError:
            pass
    for p in pids:
        try:
            for fd in os.listdir(f"/proc/{p}/fd"):
                if os.readlink(f"/proc/{p}/fd/{fd}") in inodes:
                    return p
        except OSError:
            pass
    return pids[0]


def rss_mb(pids):
    kb = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        kb += int(line.split()[1])
        except OSError:
            pass
    return kb / 1024


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(stop_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def on_term(signum, frame):
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, on_term)
log = open(pid_file + ".log", "wb")
t0 = time.monotonic()
proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
with open(pid_file, "w") as f:
    f.write(str(proc.pid))
try:
    deadline = t0 + start_timeout

    def await_200(port, path):
        while True:
            code = status(port, path)
            now = time.monotonic()
            if code == 200:
                return now
            if proc.poll() is not None:
                sys.exit(f"the server exited ({proc.returncode}) before {path} on port {port} answered 200")
            if now > deadline:
                sys.exit(f"{path} on port {port} did not answer 200 within {start_timeout:.0f}s (last: {code})")
            time.sleep(poll if code is None else 2.5 * poll)

    ready = await_200(ready_port, "/ready") if ready_port > 0 else None
    if ready is not None:
        pids = tree(proc.pid)
        cpu, rss_ready = cpu_seconds(pids), rss_mb([listener(pids, ready_port)])
    first = await_200(port, "/")
    if ready is None:
        ready = first
        pids = tree(proc.pid)
        cpu, rss_ready = cpu_seconds(pids), rss_mb([listener(pids, port)])
    time.sleep(idle)
    pids = tree(proc.pid)
    print(f"{(ready - t0) * 1000:.0f} {(first - t0) * 1000:.0f} {rss_ready:.1f} {rss_mb([listener(pids, port)]):.1f} "
          f"{rss_mb(pids):.1f} {cpu:.2f}")
finally:
    stop(proc)
EOF

# run_once SETUP: one launch; appends the probe's line to $WORK/SETUP.txt
run_once() {
    local setup="$1" jar cmd ready_port="$CONTROL_PORT"
    jar="$(jar_of "$setup")"
    # shellcheck disable=SC2206
    local opts=(${JAVA_OPTS:-}) env=()
    [[ "$setup" == hello-java-lean ]] && opts+=($LEAN_OPTS)
    [[ "$setup" == hello-java-inproc ]] && env=(NUCLEON_STARTUP_ARCHIVE=off)
    if [[ "$setup" == bare-netty ]]; then
        cmd=("$JAVA" "${opts[@]}" -cp "$jar" io.nucleon.benchmarks.http.BareNettyHelloServer "$PORT")
        ready_port=0
    else
        cmd=("$JAVA" "${opts[@]}" -jar "$jar" "$WORK/$setup.yaml" --control-port "$CONTROL_PORT")
    fi
    rm -f "$WORK/probe.pid"
    local line
    if ! line="$(env "${env[@]}" timeout $((START_TIMEOUT + STOP_TIMEOUT + 30)) python3 "$WORK/probe.py" "$HOST" "$ready_port" \
        "$PORT" "$WORK/probe.pid" "$(awk -v p="$POLL_MS" 'BEGIN { print p / 1000 }')" \
        "$(awk -v i="$IDLE_MS" 'BEGIN { print i / 1000 }')" "$START_TIMEOUT" "$STOP_TIMEOUT" "${cmd[@]}")"; then
        tail -n 30 "$WORK/probe.pid.log" >&2 || true
        die "$setup: the launch failed (its log is above)"
    fi
    echo "$line" >>"$WORK/$setup.txt"
    log "$setup: $line"
    # the probe stops its server; this only catches one it left behind
    if [[ -f "$WORK/probe.pid" ]] && kill -0 "$(cat "$WORK/probe.pid")" 2>/dev/null; then
        stop_pid "$(cat "$WORK/probe.pid")"
    fi
    require_free_ports "$PORT" "$CONTROL_PORT"
}

log "setups: $SETUPS; $RUNS runs each, interleaved; java: $("$JAVA" -version 2>&1 | head -n 1)"
for ((r = 1; r <= RUNS; r++)); do
    log "round $r of $RUNS"
    for s in $SETUPS; do
        run_once "$s"
    done
done

mkdir -p "$RESULTS"
TSV="$RESULTS/startup.tsv"
printf 'setup\truns\tready_ms\tfirst_ms\tfirst_after_ready_ms\trss_ready_mb\trss_idle_mb\ttree_rss_idle_mb\tcpu_to_ready_s\n' >"$TSV"
printf '\n%s runs each, interleaved, medians; java %s; JAVA_OPTS=%s\n' "$RUNS" \
    "$("$JAVA" -version 2>&1 | head -n 1 | awk -F'"' '{print $2}')" "${JAVA_OPTS:-none}"
printf '%-18s %9s %9s %11s %10s %10s %10s %10s\n' setup "ready ms" "first ms" "first-ready" "rss ready" \
    "rss idle" "tree idle" "cpu s"
for s in $SETUPS; do
    col() { awk -v c="$1" '{ print $c }' "$WORK/$s.txt" | median; }
    gap="$(awk '{ print $2 - $1 }' "$WORK/$s.txt" | median)"
    printf '%-18s %9s %9s %11s %10s %10s %10s %10s\n' "$s" "$(col 1)" "$(col 2)" "$gap" "$(col 3)" "$(col 4)" \
        "$(col 5)" "$(col 6)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$RUNS" "$(col 1)" "$(col 2)" "$gap" "$(col 3)" "$(col 4)" \
        "$(col 5)" "$(col 6)" >>"$TSV"
done
printf '(rss: the function JVM; tree: every process of the launch; MB. cpu: to ready, all processes)\n'
log "figures written to $TSV"
plot_bars "$TSV" "$RESULTS/startup.png" \
    "From java -jar to ready and to the first response, medians of $RUNS runs" "milliseconds" \
    ready_ms first_ms
plot_bars "$TSV" "$RESULTS/startup-rss.png" \
    "Memory after start (VmRSS after a second idle): the function's JVM, and every process of the launch" "MB" \
    rss_idle_mb tree_rss_idle_mb
