#!/usr/bin/env bash
# System calls per round trip of the TCP echo server, weft against tokio.
#
# For each runtime and each tracer: start `echo_server` (not traced yet), attach the tracer to
# all of its threads once it listens (so that start-up is not counted), drive an exact number of
# round trips with `echo_client` (a separate, untraced process: the load generator of
# `compare`'s io group), wait until the server has seen every connection close, detach, and
# print the server's system calls per round trip side by side, the most frequent first.
#
# Two tracers, two tables:
#
# - perf (`perf stat -e 'syscalls:sys_enter_*'`, and `sys_exit_*` filtered on `ret < 0` for the
#   failures): exact counts per system call from the kernel's tracepoints, at a small cost to
#   the server, so the counts are close to an untraced run's. Skipped when perf cannot read the
#   tracepoints.
# - strace (`strace -f -y`): every call, classified by the kind of file descriptor it was made on
#   (read(socket) vs read(eventfd), epoll_ctl(MOD,timerfd), ...) and by failure (EAGAIN). strace
#   stops the server at every system call, which makes it many times slower: with a slow server
#   more events are ready per epoll_wait and workers park less, so this table shows *which*
#   descriptors the calls go to; take the *rates* from the perf table.
#
#   benches/scripts/syscalls.sh                      # 64 connections x 500 round trips of 64 B
#   SIZE=4096 ROUND_TRIPS=200 WORKERS=2 benches/scripts/syscalls.sh
#
# Environment: CONNECTIONS (64), ROUND_TRIPS per connection (500), SIZE in bytes (64), WORKERS
# (server worker threads; default WEFT_BENCH_WORKERS, else 4), RUNTIMES ("weft tokio"), TRACERS
# ("perf strace"), KEEP (a directory to keep the raw traces and counts in), CARGO_TARGET_DIR as
# usual. Needs ptrace and perf rights over one's own processes (root, or
# kernel.yama.ptrace_scope = 0 and kernel.perf_event_paranoid <= 1 with tracefs readable).
set -euo pipefail

CONNECTIONS=${CONNECTIONS:-64}
ROUND_TRIPS=${ROUND_TRIPS:-500}
SIZE=${SIZE:-64}
WORKERS=${WORKERS:-${WEFT_BENCH_WORKERS:-4}}
RUNTIMES=${RUNTIMES:-weft tokio}
TRACERS=${TRACERS:-perf strace}

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

case " $TRACERS " in
*" strace "*)
    command -v strace >/dev/null || {
        echo "syscalls.sh: strace is missing (apt-get install -y strace)" >&2
        exit 1
    }
    ;;
esac
case " $TRACERS " in
*" perf "*)
    if ! perf stat -e 'syscalls:sys_enter_read' -- true >/dev/null 2>&1; then
        echo "syscalls.sh: perf cannot read the syscall tracepoints here; perf table skipped" >&2
        TRACERS=${TRACERS//perf/}
    fi
    ;;
esac
cargo build --release -q -p weft-benches --bin echo_server --bin echo_client
target=${CARGO_TARGET_DIR:-$root/target}
bin=$target/release

tmp=$(mktemp -d)
server_pid=
tracer_pid=
cleanup() {
    if [ -n "$tracer_pid" ]; then kill "$tracer_pid" 2>/dev/null || true; fi
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

total_rt=$((CONNECTIONS * ROUND_TRIPS))
echo "syscalls.sh: echo server, $WORKERS workers; $CONNECTIONS connections x $ROUND_TRIPS" \
    "round trips of $SIZE B = $total_rt round trips per runtime; $(nproc) cores"

# Waits (up to ~10 s) until file $1 has a line matching $2.
wait_for_line() {
    for _ in $(seq 1 200); do
        if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    return 1
}

# Every thread of process $1 is being ptraced.
all_traced() {
    local t
    for t in /proc/"$1"/task/*/status; do
        awk '$1 == "TracerPid:" && $2 == 0 {exit 1}' "$t" || return 1
    done
}

# Reads a `strace -f -y -qq` log on stdin; prints "key calls failed" per call kind, key being
# the call's name plus the kind of descriptor it was made on: read(tcp), write(eventfd),
# epoll_ctl(MOD,timerfd), timerfd_settime(timerfd), epoll_wait, futex, ...
classify() {
    awk '
    function fdkind(s) {
        if (s ~ /^<(socket|TCP|UDP)/) return "socket";
        if (s ~ /^<UNIX/) return "unix";
        if (s ~ /eventfd/) return "eventfd";
        if (s ~ /timerfd/) return "timerfd";
        if (s ~ /eventpoll/) return "";
        if (s ~ /^<pipe/) return "pipe";
        return "other";
    }
    {
        pid = $1; sub(/^[0-9]+ +/, "");
        if ($0 ~ /^(\+\+\+|---)/) next;
        if ($0 ~ /^<\.\.\. /) {
            # "<... read resumed>..., 8) = -1 EAGAIN (...)": the result of a call counted
            # when it started.
            if ((pid in pending) && $0 ~ /\) += -1 E/) failed[pending[pid]]++;
            delete pending[pid];
            next;
        }
        p = index($0, "(");
        if (p == 0) next;
        name = substr($0, 1, p - 1); rest = substr($0, p + 1);
        kind = "";
        if (name == "epoll_ctl") {
            if (match(rest, /EPOLL_CTL_[A-Z]+, [0-9]+<[^>]*/)) {
                s = substr(rest, RSTART + 10, RLENGTH - 10);
                op = substr(s, 1, index(s, ",") - 1);
                kind = op "," fdkind(substr(s, index(s, "<")));
            }
        } else if (match(rest, /^[0-9]+<[^>]*/)) {
            kind = fdkind(substr(rest, index(rest, "<")));
        }
        key = kind == "" ? name : name "(" kind ")";
        calls[key]++;
        if ($0 ~ /<unfinished \.\.\.>$/) pending[pid] = key;
        else if ($0 ~ /\) += -1 E/) failed[key]++;
    }
    END { for (k in calls) printf "%s %d %d\n", k, calls[k], failed[k] + 0 }'
}

# Reads `perf stat -x,` output on stdin (sys_enter_* counts every call, sys_exit_* filtered
# on a negative return counts the failures); prints "name calls failed" per system call made.
perf_counts() {
    awk -F, '
    $1 + 0 > 0 && $3 ~ /^syscalls:sys_enter_/ { n = $3; sub(/^.*sys_enter_/, "", n); calls[n] = $1 }
    $1 + 0 > 0 && $3 ~ /^syscalls:sys_exit_/ { n = $3; sub(/^.*sys_exit_/, "", n); failed[n] = $1 }
    END { for (n in calls) printf "%s %d %d\n", n, calls[n], failed[n] + 0 }'
}

# Runs the server on runtime $1 under tracer $2 while the client drives it; leaves the counts
# ("key calls failed" lines) in $tmp/counts.$2.$1.
run_once() {
    local rt=$1 tracer=$2 out=$tmp/server.$2.$1.out
    "$bin/echo_server" --runtime "$rt" --workers "$WORKERS" --report-after "$CONNECTIONS" \
        >"$out" 2>"$tmp/server.$tracer.$rt.err" &
    server_pid=$!
    wait_for_line "$out" '^listening on ' || {
        echo "syscalls.sh: echo_server ($rt) did not start:" >&2
        cat "$tmp/server.$tracer.$rt.err" >&2
        exit 1
    }
    addr=$(sed -n 's/^listening on //p' "$out")

    local raw=$tmp/raw.$tracer.$rt
    if [ "$tracer" = strace ]; then
        strace -f -qq -y -s 0 -o "$raw" -p "$server_pid" 2>"$tmp/tracer.err" &
        tracer_pid=$!
        for _ in $(seq 1 200); do all_traced "$server_pid" && break; sleep 0.05; done
        all_traced "$server_pid" || {
            echo "syscalls.sh: strace could not attach to echo_server ($rt):" >&2
            cat "$tmp/tracer.err" >&2
            exit 1
        }
    else
        perf stat -x, -e 'syscalls:sys_enter_*' -e 'syscalls:sys_exit_*' --filter 'ret < 0' \
            -p "$server_pid" -o "$raw" 2>"$tmp/tracer.err" &
        tracer_pid=$!
        # perf prints nothing when it is ready; give it time to open its ~1 400 counters.
        sleep 2
        kill -0 "$tracer_pid" 2>/dev/null || {
            echo "syscalls.sh: perf could not attach to echo_server ($rt):" >&2
            cat "$tmp/tracer.err" >&2
            exit 1
        }
    fi

    "$bin/echo_client" --addr "$addr" --connections "$CONNECTIONS" \
        --round-trips "$ROUND_TRIPS" --size "$SIZE" >"$tmp/client.out" || {
        echo "syscalls.sh: echo_client failed against $rt under $tracer" >&2
        exit 1
    }
    wait_for_line "$out" '^accepted=' || {
        echo "syscalls.sh: echo_server ($rt) did not see every connection close" >&2
        exit 1
    }
    # Detach (both tracers write their output on SIGINT), then stop the server.
    kill -INT "$tracer_pid"
    wait "$tracer_pid" 2>/dev/null || true
    tracer_pid=
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=

    local expected_bytes=$((total_rt * SIZE)) server_line
    server_line=$(grep '^accepted=' "$out")
    case "$server_line" in
    *"echoed_bytes=$expected_bytes"*) ;;
    *)
        echo "syscalls.sh: $rt server: $server_line, expected echoed_bytes=$expected_bytes" >&2
        exit 1
        ;;
    esac
    printf '  %-6s under %-6s client: %s\n' "$rt" "$tracer" "$(cat "$tmp/client.out")"
    if [ "$tracer" = strace ]; then
        classify <"$raw" >"$tmp/counts.$tracer.$rt"
    else
        perf_counts <"$raw" >"$tmp/counts.$tracer.$rt"
    fi
    if [ -n "${KEEP:-}" ]; then
        mkdir -p "$KEEP"
        cp "$raw" "$tmp/counts.$tracer.$rt" "$KEEP/"
    fi
}

for tracer in $TRACERS; do
    for rt in $RUNTIMES; do
        run_once "$rt" "$tracer"
    done
done

# The side-by-side table of tracer $1: one line per call kind, per round trip, the most
# frequent first.
table() {
awk -v n="$total_rt" -v runtimes="$RUNTIMES" '
    BEGIN { nr = split(runtimes, rts, " ") }
    FNR == 1 { r++ }
    { calls[$1, r] = $2; failed[$1, r] = $3; keys[$1] = 1; tot[r] += $2; totf[r] += $3 }
    END {
        printf "%-28s", "call";
        for (i = 1; i <= nr; i++) {
            printf "  %10s  %8s", rts[i] " /rt", "failed";
        }
        printf "\n";
        printf "%-28s", "total";
        for (i = 1; i <= nr; i++) {
            printf "  %10.3f  %8.3f", tot[i] / n, totf[i] / n;
        }
        printf "\n";
        for (k in keys) {
            m = 0;
            for (i = 1; i <= nr; i++) if (calls[k, i] > m) m = calls[k, i];
            line = sprintf("%-28s", k);
            for (i = 1; i <= nr; i++) {
                line = line sprintf("  %10.3f  %8.3f", calls[k, i] / n, failed[k, i] / n);
            }
            printf "%012d %s\n", m, line | "sort -r | cut -c14-";
        }
    }' $(for rt in $RUNTIMES; do echo "$tmp/counts.$1.$rt"; done)
}

for tracer in $TRACERS; do
    echo
    if [ "$tracer" = perf ]; then
        echo "perf: server system calls per round trip, by name ($total_rt round trips of" \
            "$SIZE B over $CONNECTIONS connections); failed = returned an error (EAGAIN ...):"
    else
        echo "strace: server system calls per round trip, by name and descriptor kind (traced" \
            "server many times slower: see the header of this script); failed = returned an" \
            "error (EAGAIN ...):"
    fi
    echo
    table "$tracer"
done
