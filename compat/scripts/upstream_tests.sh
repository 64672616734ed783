#!/usr/bin/env bash
# Runs tokio-stream's, tokio-util's and tokio-test's own test files against weft-stream,
# weft-util and weft-test, ported the way a user ports a program: the files untouched, the
# manifest renaming `tokio` to weft, `tokio-stream` to weft-stream, `tokio-util` to weft-util
# and `tokio-test` to weft-test.
#
#   compat/scripts/upstream_tests.sh [WORK_DIR]     (default: $TMPDIR/weft-upstream-tests)
#
# The files come from the versions in compat/Cargo.lock (cargo's registry), copied into a
# scratch crate in WORK_DIR, outside the repository, as `stream__<file>`, `util__<file>` and
# `test__<file>`.
# Exits non-zero if a file does not compile or a test fails, except the tests listed in
# `deliberate` below, each with the reason weft differs on purpose. CI runs it (`.ci/run`);
# it needs the network once (the test files' dev-dependencies) and takes a few minutes.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-${TMPDIR:-/tmp}/weft-upstream-tests}

# Tests that fail against weft on purpose: name, then why.
deliberate=(
    delay_queue_insert_at_panic_caller "weft-util's DelayQueue takes any deadline, where tokio-util's wheel panics past 2^36 ms (~2.2 years)"
    delay_queue_insert_panic_caller "the same, through insert"
    delay_queue_reset_at_panic_caller "the same, through reset_at"
    delay_queue_reset_panic_caller "the same, through reset"
)

manifests=$(cd "$repo" && cargo metadata --manifest-path compat/Cargo.toml --format-version 1 \
    --locked | grep -oE '"manifest_path":"[^"]*/tokio-(util-0\.7|stream-0\.1|test-0\.4)\.[0-9]+/Cargo\.toml"' |
    cut -d'"' -f4 | sort -u)
util_dir=$(dirname "$(grep '/tokio-util-' <<< "$manifests" | head -1)")
stream_dir=$(dirname "$(grep '/tokio-stream-' <<< "$manifests" | head -1)")
test_dir=$(dirname "$(grep '/tokio-test-' <<< "$manifests" | head -1)")
[ -d "$util_dir/tests" ] && [ -d "$stream_dir/tests" ] && [ -d "$test_dir/tests" ] ||
    { echo "tokio-util's, tokio-stream's or tokio-test's tests not found in cargo's registry" >&2; exit 1; }
echo "tests of $(basename "$stream_dir"), $(basename "$util_dir") and $(basename "$test_dir"), against weft at $repo"

rm -rf "$work"
mkdir -p "$work/src" "$work/tests"
touch "$work/src/lib.rs"
for file in "$stream_dir"/tests/*.rs; do cp "$file" "$work/tests/stream__$(basename "$file")"; done
cp -r "$stream_dir/tests/support" "$work/tests/support"
for file in "$util_dir"/tests/*.rs; do cp "$file" "$work/tests/util__$(basename "$file")"; done
for file in "$test_dir"/tests/*.rs; do cp "$file" "$work/tests/test__$(basename "$file")"; done
# `_require_full` checks that tokio-util's own build has its `full` feature: not a test of it.
rm -f "$work/tests/util___require_full.rs"
cp "$repo/compat/Cargo.lock" "$work/Cargo.lock"

cat > "$work/Cargo.toml" <<EOF
[package]
name = "weft-upstream-tests"
version = "0.0.0"
edition = "2021"
publish = false

# The test files gate themselves on their crate's feature names.
[features]
default = ["full", "time", "sync", "rt", "net", "io-util", "fs", "signal", "compat", "codec", "io", "join-map"]
full = []
time = []
sync = []
rt = []
net = []
io-util = []
fs = []
signal = []
compat = []
codec = []
io = []
join-map = []

[dev-dependencies]
tokio = { package = "weft", path = "$repo/runtime", features = ["full", "test-util"] }
tokio-stream = { package = "weft-stream", path = "$repo/compat/stream", features = ["full"] }
tokio-util = { package = "weft-util", path = "$repo/compat/util", features = ["full"] }
tokio-test = { package = "weft-test", path = "$repo/compat/test" }
# Their own dependencies that their tests import, and their dev-dependencies.
bytes = "1.5"
futures-core = "0.3"
futures-sink = "0.3"
futures-io = "0.3"
futures-util = "0.3"
pin-project-lite = "0.2.11"
async-stream = "0.3"
futures = "0.3"
futures-test = "0.3.5"
parking_lot = "0.12"
tempfile = "3.1"

[lints.rust]
unexpected_cfgs = "allow"

[workspace]
EOF

cd "$work"
skips=()
for ((i = 0; i < ${#deliberate[@]}; i += 2)); do skips+=(--skip "${deliberate[i]}"); done
status=0
cargo test --no-fail-fast -- --exact "${skips[@]}" > test.log 2>&1 || status=$?
grep -E '^test .* FAILED$|^error(\[|:)' test.log | sort -u | sed 's/^/  /' || true
grep '^test result' test.log | awk '{p += $4; f += $6} END { printf "passed %d, failed %d\n", p, f }'
for ((i = 0; i < ${#deliberate[@]}; i += 2)); do
    echo "  left out on purpose: ${deliberate[i]}: ${deliberate[i + 1]}"
done
echo "log: $work/test.log"
exit "$status"
