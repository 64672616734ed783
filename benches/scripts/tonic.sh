#!/usr/bin/env bash
# tonic's helloworld Greeter on weft (weft-tonic's `transport::Server`) against the same server
# on tonic and tokio, alternated, driven by one gRPC load generator (tonic's client on tokio).
#
#   benches/scripts/tonic.sh [ROUNDS] [PLACEMENT] [CONNECTIONS] [CALLS] [SIDE]
#   (defaults: 3 shared 4 16 server)
#
# PLACEMENT: `shared` (server and load on every core) or `own` (server on CPU 0, load on CPU 1).
# SIDE: `server` compares the servers under one load generator (tonic's client on tokio);
# `client` compares the load generators, that client on tokio against the same program on
# weft (weft-tonic's `Endpoint`), both calling tonic's server on tokio.
# Each run: a fresh server process (2 workers), CONNECTIONS HTTP/2 connections with CALLS
# concurrent unary calls on each, for 5 s after a warm-up; every reply checked. The server's
# CPU is read from /proc/PID/stat around the run. Prints a line per run and, per round,
# weft/tokio ratios ("above 1, weft better"). The three programs are built in a scratch crate
# outside the repository, in WORK_DIR (default $TMPDIR/weft-tonic-bench), since the main
# workspace does not depend on tonic; protoc comes from protoc-bin-vendored. Needs the network
# once (crates.io).
set -euo pipefail

rounds=${1:-3}
placement=${2:-shared}
connections=${3:-4}
calls=${4:-16}
side=${5:-server}
seconds=5
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${WORK_DIR:-${TMPDIR:-/tmp}/weft-tonic-bench}

case $placement in shared | own) ;; *) echo "PLACEMENT is shared or own" >&2; exit 2 ;; esac
case $side in server | client) ;; *) echo "SIDE is server or client" >&2; exit 2 ;; esac

mkdir -p "$work/src/bin" "$work/proto"
cat >"$work/Cargo.toml" <<EOF
[package]
name = "weft-tonic-bench"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
tokio = { version = "1", features = ["full"] }
tonic = "0.14"
tonic-prost = "0.14"
prost = "0.14"
weft = { path = "$repo/runtime", features = ["full"] }
weft-tonic = { path = "$repo/compat/tonic" }

[build-dependencies]
tonic-prost-build = "0.14"
protoc-bin-vendored = "3"

[workspace]
EOF
cat >"$work/proto/helloworld.proto" <<'EOF'
syntax = "proto3";
package helloworld;
service Greeter { rpc SayHello (HelloRequest) returns (HelloReply); }
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }
EOF
cat >"$work/build.rs" <<'EOF'
fn main() {
    std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path().unwrap());
    tonic_prost_build::compile_protos("proto/helloworld.proto").unwrap();
}
EOF
# The same server twice; the generated code is tonic's either way (weft-tonic re-exports the
# parts it uses), only the runtime and `transport::Server` differ.
for rt in tokio weft; do
    if [ $rt = tokio ]; then server=tonic::transport::Server main="#[tokio::main(worker_threads = 2)]"
    else server=weft_tonic::transport::Server main="#[weft::main(worker_threads = 2)]"; fi
    cat >"$work/src/bin/greeter_$rt.rs" <<EOF
mod pb {
    tonic::include_proto!("helloworld");
}
use pb::greeter_server::{Greeter, GreeterServer};
use pb::{HelloReply, HelloRequest};

#[derive(Default)]
struct MyGreeter;

#[tonic::async_trait]
impl Greeter for MyGreeter {
    async fn say_hello(
        &self,
        request: tonic::Request<HelloRequest>,
    ) -> Result<tonic::Response<HelloReply>, tonic::Status> {
        let message = format!("Hello {}!", request.into_inner().name);
        Ok(tonic::Response::new(HelloReply { message }))
    }
}

$main
async fn main() {
    let addr = std::env::args().nth(1).expect("usage: greeter_$rt ADDR").parse().unwrap();
    $server::builder()
        .add_service(GreeterServer::new(MyGreeter))
        .serve(addr)
        .await
        .unwrap();
}
EOF
done
cat >"$work/src/bin/grpc_load.rs" <<'EOF'
//! grpc_load ADDR CONNECTIONS CALLS SECONDS: unary SayHello calls, CALLS at a time on each of
//! CONNECTIONS channels, for SECONDS; prints calls_per_s, p50_us, p99_us.
mod pb {
    tonic::include_proto!("helloworld");
}
use pb::{greeter_client::GreeterClient, HelloRequest};
use std::time::{Duration, Instant};

#[tokio::main(worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (addr, connections, calls, seconds) = (
        format!("http://{}", args[1]),
        args[2].parse::<usize>().unwrap(),
        args[3].parse::<usize>().unwrap(),
        args[4].parse::<u64>().unwrap(),
    );
    let mut channels = Vec::new();
    for _ in 0..connections {
        let endpoint = tonic::transport::Endpoint::from_shared(addr.clone()).unwrap();
        channels.push(endpoint.connect().await.unwrap());
    }
    let call = |mut client: GreeterClient<tonic::transport::Channel>| async move {
        let request = HelloRequest { name: "weft".into() };
        let reply = client.say_hello(request).await.unwrap().into_inner();
        assert_eq!(reply.message, "Hello weft!");
        client
    };
    for channel in &channels {
        call(GreeterClient::new(channel.clone())).await;
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for channel in &channels {
        for _ in 0..calls {
            let mut client = GreeterClient::new(channel.clone());
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    client = call(client).await;
                    latencies.push(sent.elapsed());
                }
                latencies
            }));
        }
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort();
    let n = latencies.len();
    println!(
        "calls={n} calls_per_s={:.0} p50_us={} p99_us={}",
        n as f64 / elapsed,
        latencies[n / 2].as_micros(),
        latencies[n * 99 / 100].as_micros()
    );
}
EOF
# The load generator on weft: the same source, its runtime and tonic renamed.
sed -e 's/#\[tokio::main(worker_threads = 2)\]/#[weft::main(worker_threads = 2)]/' \
    -e 's/tokio::spawn/weft::spawn/' -e 's/tonic::transport::/weft_tonic::transport::/' \
    "$work/src/bin/grpc_load.rs" >"$work/src/bin/grpc_load_weft.rs"
(cd "$work" && cargo build --release --quiet)

# shellcheck source=alternated.sh
. "$(dirname "$0")/alternated.sh"

port=$((20000 + RANDOM % 20000))
for round in $(seq "$rounds"); do
    declare -A rate cpu p99
    for rt in tokio weft; do
        port=$((port + 1))
        if [ "$side" = server ]; then server_bin=greeter_$rt load_bin=grpc_load
        else server_bin=greeter_tokio load_bin=grpc_load; [ $rt = weft ] && load_bin=grpc_load_weft; fi
        $(pin 0) "$work/target/release/$server_bin" "127.0.0.1:$port" &
        server=$!
        wait_for_port $port
        before=$(cpu_ticks $server)
        line=$($(pin 1) "$work/target/release/$load_bin" "127.0.0.1:$port" \
            "$connections" "$calls" $seconds)
        after=$(cpu_ticks $server)
        kill $server
        wait $server 2>/dev/null || true
        ticks_per_s=$(getconf CLK_TCK)
        cpu_us=$(echo "($after - $before) * 1000000 / $ticks_per_s / $(field calls "$line")" | bc -l)
        rate[$rt]=$(field calls_per_s "$line")
        p99[$rt]=$(field p99_us "$line")
        cpu[$rt]=$cpu_us
        printf '%s %-5s %s %s %s cpu_us_per_call=%.2f\n' "$round" $rt "$side" "$placement" "$line" "$cpu_us"
    done
    if [ "$side" = server ]; then
        printf 'round %s, above 1 weft better: calls/s %.2fx, CPU per call %.2fx, p99 %.2fx\n' \
            "$round" "$(echo "${rate[weft]} / ${rate[tokio]}" | bc -l)" \
            "$(echo "${cpu[tokio]} / ${cpu[weft]}" | bc -l)" \
            "$(echo "${p99[tokio]} / ${p99[weft]}" | bc -l)"
    else
        # (The CPU read is the server's, the same program in both runs: not compared.)
        printf 'round %s, client on weft vs on tokio, above 1 weft better: calls/s %.2fx, p99 %.2fx\n' \
            "$round" "$(echo "${rate[weft]} / ${rate[tokio]}" | bc -l)" \
            "$(echo "${p99[tokio]} / ${p99[weft]}" | bc -l)"
    fi
done
