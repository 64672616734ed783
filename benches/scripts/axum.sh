#!/usr/bin/env bash
# axum's hello-world on weft (weft-axum, the port by the rename) against the same program on
# axum and tokio, alternated, driven by the server benches' own load generator.
#
#   benches/scripts/axum.sh [ROUNDS] [PLACEMENT] [CLIENTS]    (defaults: 3 shared loop)
#
# PLACEMENT: `shared` (server and client on every core) or `own` (server on CPU 0, client on
# CPU 1). CLIENTS: `loop` (one event-loop thread) or `threads` (one thread per connection).
# Each run: a fresh server process (2 workers), 50 connections x 4,000 keep-alive `GET /`, every
# response checked by `echo_client --workload hello`; the server's CPU is read from
# /proc/PID/stat around the run. Prints a line per run and, per round, weft/tokio ratios
# ("above 1, weft better"). The two servers are built in a scratch crate outside the
# repository, in WORK_DIR (default $TMPDIR/weft-axum-bench), since the main workspace does not
# depend on axum. Needs the network once (axum from crates.io).
set -euo pipefail

rounds=${1:-3}
placement=${2:-shared}
clients=${3:-loop}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${WORK_DIR:-${TMPDIR:-/tmp}/weft-axum-bench}
requests_per_connection=4000
connections=50

case $placement in shared | own) ;; *) echo "PLACEMENT is shared or own" >&2; exit 2 ;; esac
case $clients in loop | threads) ;; *) echo "CLIENTS is loop or threads" >&2; exit 2 ;; esac

mkdir -p "$work/src/bin"
cat >"$work/Cargo.toml" <<EOF
[package]
name = "weft-axum-bench"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
axum = "0.8"
tokio = { version = "1", features = ["full"] }
weft = { path = "$repo/runtime", features = ["full"] }
weft-axum = { path = "$repo/compat/axum" }

[workspace]
EOF
# The same program twice; the weft one is what the rename makes of the tokio one.
for rt in tokio weft; do
    if [ $rt = tokio ]; then crate=axum main="#[tokio::main(worker_threads = 2)]" net=tokio
    else crate=weft_axum main="#[weft::main(worker_threads = 2)]" net=weft; fi
    cat >"$work/src/bin/axum_$rt.rs" <<EOF
use $crate::{routing::get, Router};
$main
async fn main() {
    let addr = std::env::args().nth(1).expect("usage: axum_$rt ADDR");
    let app = Router::new().route("/", get(|| async { "Hello, World!" }));
    let listener = $net::net::TcpListener::bind(addr).await.unwrap();
    $crate::serve(listener, app).await.unwrap();
}
EOF
done
(cd "$work" && cargo build --release --quiet)
(cd "$repo" && cargo build --release --quiet -p weft-benches --bin echo_client)
client=$repo/target/release/echo_client

# shellcheck source=alternated.sh
. "$(dirname "$0")/alternated.sh"

port=$((20000 + RANDOM % 20000))
for round in $(seq "$rounds"); do
    declare -A rps cpu p99
    for rt in tokio weft; do
        port=$((port + 1))
        $(pin 0) "$work/target/release/axum_$rt" "127.0.0.1:$port" &
        server=$!
        wait_for_port $port
        before=$(cpu_ticks $server)
        line=$($(pin 1) "$client" --addr "127.0.0.1:$port" --workload hello \
            --connections $connections --round-trips $requests_per_connection --clients "$clients")
        after=$(cpu_ticks $server)
        kill $server
        wait $server 2>/dev/null || true
        requests=$((connections * requests_per_connection))
        ticks_per_s=$(getconf CLK_TCK)
        cpu_us=$(echo "($after - $before) * 1000000 / $ticks_per_s / $requests" | bc -l)
        rps[$rt]=$(field rt_per_s "$line")
        p99[$rt]=$(field p99_us "$line")
        cpu[$rt]=$cpu_us
        printf '%s %-5s %s %s %s cpu_us_per_request=%.2f\n' \
            "$round" $rt "$placement" "$clients" "$line" "$cpu_us"
    done
    printf 'round %s, above 1 weft better: requests/s %.2fx, CPU per request %.2fx, p99 %.2fx\n' \
        "$round" "$(echo "${rps[weft]} / ${rps[tokio]}" | bc -l)" \
        "$(echo "${cpu[tokio]} / ${cpu[weft]}" | bc -l)" \
        "$(echo "${p99[tokio]} / ${p99[weft]}" | bc -l)"
done
