#!/usr/bin/env bash
# hyper hello-world on weft and on tokio, driven by wrk: the same hyper 1 HTTP/1 server
# (`hello_weft`, `hello_tokio`), the same worker count, one server alive at a time, alternating
# which runtime goes first over the rounds; prints each round, then the medians and the ratios.
#
#   benches/scripts/http.sh                        # 3 rounds of wrk -t2 -c64 -d10s
#   ROUNDS=5 DURATION=5s CONNECTIONS=128 THREADS=2 WORKERS=2 benches/scripts/http.sh
#
# Environment: ROUNDS (3), THREADS (wrk -t, 2), CONNECTIONS (wrk -c, 64), DURATION (wrk -d,
# 10s), WARMUP (wrk -d of the unmeasured warm-up before each measured run, 2s), WORKERS (server
# worker threads; default WEFT_BENCH_WORKERS, else 4), PORT (first port tried, 18080), RUNTIMES
# ("weft tokio"; one of them alone skips the other), SYSCALLS (1: count the server's system
# calls per request over each measured run with `perf stat`, as scripts/syscalls.sh does; this
# slows the server a little) and CARGO_TARGET_DIR as usual. Installs wrk with apt-get if it is
# missing.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
WORKERS=${WORKERS:-${WEFT_BENCH_WORKERS:-4}}
PORT=${PORT:-18080}
RUNTIMES=${RUNTIMES:-weft tokio}
SYSCALLS=${SYSCALLS:-0}

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

if ! command -v wrk >/dev/null; then
    echo "http.sh: installing wrk" >&2
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
    else
        sudo apt-get install -y wrk || { sudo apt-get update && sudo apt-get install -y wrk; }
    fi
fi

cargo build --release -q -p weft-benches --bin hello_weft --bin hello_tokio
target=${CARGO_TARGET_DIR:-$root/target}
bin=$target/release

tmp=$(mktemp -d)
server_pid=
perf_pid=
cleanup() {
    if [ -n "$perf_pid" ]; then kill "$perf_pid" 2>/dev/null || true; fi
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# Starts `hello_$1` on a free port from $PORT on; sets server_pid and addr.
start_server() {
    local rt=$1 port=$PORT
    for _ in $(seq 1 20); do
        "$bin/hello_$rt" "127.0.0.1:$port" --workers "$WORKERS" >"$tmp/out" 2>"$tmp/err" &
        server_pid=$!
        for _ in $(seq 1 100); do
            if grep -q '^listening on ' "$tmp/out" 2>/dev/null; then
                addr=$(sed -n 's/^listening on //p' "$tmp/out")
                return 0
            fi
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.05
        done
        wait "$server_pid" 2>/dev/null || true
        server_pid=
        grep -qi 'in use' "$tmp/err" || break
        port=$((port + 1))
    done
    echo "http.sh: hello_$rt did not start:" >&2
    cat "$tmp/err" >&2
    exit 1
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}

# wrk's latency as microseconds: "812.00us", "1.23ms", "2.00s".
to_us() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") m = 1; else if (u == "ms") m = 1e3; else if (u == "s") m = 1e6;
        else if (u == "m") m = 6e7; else m = 1;
        printf "%.1f", n * m }'
}

# Runs wrk against $addr; appends "rt rps avg_us p50_us p99_us" to $tmp/results.
measure() {
    local rt=$1 out=$tmp/wrk.txt
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "http://$addr/" >/dev/null
    if [ "$SYSCALLS" = 1 ]; then
        perf stat -x, -e 'syscalls:sys_enter_*' -e 'syscalls:sys_exit_*' --filter 'ret < 0' \
            -p "$server_pid" -o "$tmp/perf.csv" 2>"$tmp/perf.err" &
        perf_pid=$!
        sleep 2
    fi
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://$addr/" >"$out"
    if [ "$SYSCALLS" = 1 ]; then
        kill -INT "$perf_pid"
        wait "$perf_pid" 2>/dev/null || true
        perf_pid=
    fi
    local rps avg p50 p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    avg=$(to_us "$(awk '$1 == "Latency" && NF > 2 {print $2; exit}' "$out")")
    p50=$(to_us "$(awk '$1 == "50%" {print $2}' "$out")")
    p99=$(to_us "$(awk '$1 == "99%" {print $2}' "$out")")
    errors=$(grep -E 'Socket errors|Non-2xx' "$out" || true)
    printf '  %-6s %12.0f req/s  latency avg %9.1f us  p50 %9.1f us  p99 %9.1f us\n' \
        "$rt" "$rps" "$avg" "$p50" "$p99"
    if [ -n "$errors" ]; then echo "  $rt: wrk reported: $errors"; fi
    if [ "$SYSCALLS" = 1 ]; then
        # Calls per request counted by wrk (the server also saw perf's 2 s of idle: a handful of
        # calls), the most frequent first; "failed" from sys_exit_* with a negative return.
        local requests
        requests=$(awk '/requests in/ {print $1}' "$out")
        awk -F, -v n="$requests" '
            $1 + 0 > 0 && $3 ~ /sys_enter_/ { k = $3; sub(/.*sys_enter_/, "", k); c[k] = $1; t += $1 }
            $1 + 0 > 0 && $3 ~ /sys_exit_/ { k = $3; sub(/.*sys_exit_/, "", k); f[k] = $1 }
            END {
                printf "         system calls per request: %.3f:", t / n;
                for (k in c)
                    printf "%012d %s %.3f%s\n", c[k], k, c[k] / n,
                        f[k] ? sprintf(" (%.3f failed)", f[k] / n) : "" | "sort -r | head -8 | cut -c13- | paste -sd, -";
            }' "$tmp/perf.csv"
    fi
    echo "$rt $rps $avg $p50 $p99" >>"$tmp/results"
}

echo "http.sh: hyper hello-world, $WORKERS workers per server, wrk -t$THREADS -c$CONNECTIONS" \
    "-d$DURATION (after a $WARMUP warm-up), $ROUNDS rounds, $(nproc) cores"
: >"$tmp/results"
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round/$ROUNDS:"
    order=$RUNTIMES
    if [ $((round % 2)) = 0 ]; then order=$(echo "$RUNTIMES" | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}'); fi
    for rt in $order; do
        start_server "$rt"
        measure "$rt"
        stop_server
    done
done

# Medians per runtime and column (column 2: req/s, 3: avg, 4: p50, 5: p99).
median() {
    awk -v rt="$1" -v col="$2" '$1 == rt {print $col}' "$tmp/results" | sort -g |
        awk '{v[NR] = $1} END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
                               else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else print "-" }'; }

echo
echo "medians over $ROUNDS rounds (req/s: weft/tokio; latencies: tokio/weft; above 1: weft faster)"
printf '%-12s %12s %12s %11s\n' "" weft tokio ratio
w=$(median weft 2); t=$(median tokio 2)
printf '%-12s %12.0f %12.0f %11s\n' "req/s" "$w" "$t" "$(ratio "$w" "$t")"
for spec in "avg 3" "p50 4" "p99 5"; do
    set -- $spec
    w=$(median weft "$2"); t=$(median tokio "$2")
    printf '%-12s %12.1f %12.1f %11s\n' "latency $1" "$w" "$t" "$(ratio "$t" "$w")"
done
echo "(latencies in microseconds)"
