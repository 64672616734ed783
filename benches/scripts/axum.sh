#!/usr/bin/env bash
# axum's hello-world on weft (weft-axum, the port by the rename) against the same program on
# axum and tokio, alternated, driven by the server benches' own load generator; or axum's
# WebSocket echo, driven by a tokio-tungstenite client.
#
#   benches/scripts/axum.sh [ROUNDS] [PLACEMENT] [CLIENTS]    (defaults: 3 shared loop)
#
# PLACEMENT: `shared` (server and client on every core) or `own` (server on CPU 0, client on
# CPU 1). CLIENTS: `loop` (one event-loop thread) or `threads` (one thread per connection):
# each run 50 connections x 4,000 keep-alive `GET /`, every response checked by `echo_client
# --workload hello`; or `ws`: 64 WebSockets at `/ws` x 1,000 64-byte text messages, each echoed
# by the server's upgrade callback and checked, from one client thread (tokio-tungstenite on
# tokio's current-thread runtime). Each run is a fresh server process (2 workers); the server's
# CPU is read from /proc/PID/stat around the run. Prints a line per run and, per round,
# weft/tokio ratios ("above 1, weft better"). The servers and the WebSocket client are built in
# a scratch crate outside the repository, in WORK_DIR (default $TMPDIR/weft-axum-bench), since
# the main workspace does not depend on axum. Needs the network once (axum from crates.io).
set -euo pipefail

rounds=${1:-3}
placement=${2:-shared}
clients=${3:-loop}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${WORK_DIR:-${TMPDIR:-/tmp}/weft-axum-bench}
requests_per_connection=4000
connections=50

case $placement in shared | own) ;; *) echo "PLACEMENT is shared or own" >&2; exit 2 ;; esac
case $clients in loop | threads | ws) ;; *) echo "CLIENTS is loop, threads or ws" >&2; exit 2 ;; esac

mkdir -p "$work/src/bin"
cat >"$work/Cargo.toml" <<EOF
[package]
name = "weft-axum-bench"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
axum = { version = "0.8", features = ["ws"] }
futures-util = { version = "0.3", default-features = false, features = ["sink", "std"] }
tokio = { version = "1", features = ["full"] }
tokio-tungstenite = "0.29"
weft = { path = "$repo/runtime", features = ["full"] }
weft-axum = { path = "$repo/compat/axum", features = ["ws"] }

[workspace]
EOF
# The same program twice; the weft one is what the rename makes of the tokio one.
for rt in tokio weft; do
    if [ $rt = tokio ]; then crate=axum main="#[tokio::main(worker_threads = 2)]" net=tokio
    else crate=weft_axum main="#[weft::main(worker_threads = 2)]" net=weft; fi
    cat >"$work/src/bin/axum_$rt.rs" <<EOF
use $crate::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use $crate::{routing::get, Router};

async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if let Message::Text(_) = message {
            if socket.send(message).await.is_err() {
                return;
            }
        }
    }
}

$main
async fn main() {
    let addr = std::env::args().nth(1).expect("usage: axum_$rt ADDR");
    let app = Router::new()
        .route("/", get(|| async { "Hello, World!" }))
        .route("/ws", get(|ws: WebSocketUpgrade| async move { ws.on_upgrade(echo) }));
    let listener = $net::net::TcpListener::bind(addr).await.unwrap();
    $crate::serve(listener, app).await.unwrap();
}
EOF
done
# The WebSocket load: a closed loop per connection, all on one thread; every echo checked.
cat >"$work/src/bin/ws_client.rs" <<'EOF'
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr = &args[1];
    let connections: usize = args[2].parse().unwrap();
    let messages: usize = args[3].parse().unwrap();
    let mut sockets = Vec::new();
    for _ in 0..connections {
        let url = format!("ws://{addr}/ws");
        sockets.push(tokio_tungstenite::connect_async(url).await.unwrap().0);
    }
    let start = Instant::now();
    let mut loops = tokio::task::JoinSet::new();
    for (n, mut socket) in sockets.into_iter().enumerate() {
        loops.spawn(async move {
            let mut latencies = Vec::with_capacity(messages);
            for i in 0..messages {
                let text = format!("{n:>20} {i:>20} {:>22}", "");
                let sent = Instant::now();
                socket.send(Message::text(text.clone())).await.unwrap();
                let reply = tokio::time::timeout(Duration::from_secs(30), socket.next());
                let reply = reply.await.expect("no echo for 30 s").unwrap().unwrap();
                assert_eq!(reply.into_text().unwrap().as_str(), text, "a wrong echo");
                latencies.push(sent.elapsed());
            }
            socket.close(None).await.ok();
            latencies
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = loops.join_next().await {
        latencies.extend(done.unwrap());
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let micros = |q: f64| latencies[(latencies.len() as f64 * q) as usize].as_secs_f64() * 1e6;
    println!(
        "round_trips={} elapsed_ms={:.1} rt_per_s={:.0} p50_us={:.1} p99_us={:.1}",
        latencies.len(),
        elapsed.as_secs_f64() * 1e3,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        micros(0.5),
        micros(0.99),
    );
}
EOF
(cd "$work" && cargo build --release --quiet)
(cd "$repo" && cargo build --release --quiet -p weft-benches --bin echo_client)
if [ "$clients" = ws ]; then
    connections=64 requests_per_connection=1000
    load() { $(pin 1) "$work/target/release/ws_client" "$1" $connections $requests_per_connection; }
else
    load() {
        $(pin 1) "$repo/target/release/echo_client" --addr "$1" --workload hello \
            --connections $connections --round-trips $requests_per_connection --clients "$clients"
    }
fi

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
        line=$(load "127.0.0.1:$port")
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
