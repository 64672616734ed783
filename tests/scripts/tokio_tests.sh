#!/usr/bin/env bash
# Runs tokio's own integration tests against weft, ported the way a user ports a program: the
# test files untouched, `tokio = { package = "weft", path = ... }` in the manifest (and the
# tokio-test and tokio-stream they import renamed to weft-test and weft-stream).
#
#   tests/scripts/tokio_tests.sh [WORK_DIR]          (default: $TMPDIR/weft-tokio-tests)
#   AGAINST=tokio tests/scripts/tokio_tests.sh DIR   the same files against tokio itself, the
#                                                    baseline (what fails there is the harness's)
#   TOKIO_CONTEXT=1 tests/scripts/tokio_tests.sh DIR with weft's `tokio-context` feature
#
# The test files come from the tokio crate this workspace already depends on (the version in
# Cargo.lock, from cargo's registry), copied into a scratch crate in WORK_DIR, outside the
# repository. Each test runs in its own process under `cargo nextest` (one that runs past two
# minutes is killed and counts as failed), so a test that panics on a worker, hangs or aborts
# costs only itself. Prints a line per failing test and a summary; exits 0 whatever the count
# (it measures, it does not gate: see the README's "Porting from tokio" for what fails on
# purpose). Needs the network once (the dev-dependencies below) and `cargo nextest`; takes
# ~20 minutes on 2 cores, most of it compiling ~140 test crates.
#
# Left out, as they test what weft does not claim: io-uring, Windows, tracing and
# `tokio_unstable`-only files, `macros_rename_test` (it renames tokio itself), and
# `async_send_sync`, which asserts `!Unpin` for futures that weft makes `Unpin` on purpose.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-${TMPDIR:-/tmp}/weft-tokio-tests}
cargo nextest --version >/dev/null 2>&1 || {
    echo "cargo nextest is missing: cargo install cargo-nextest --locked" >&2
    exit 1
}

manifest=$(cd "$repo" && cargo metadata --format-version 1 --locked |
    grep -o '"manifest_path":"[^"]*/tokio-1\.[0-9.]*/Cargo\.toml"' | head -1 | cut -d'"' -f4)
[ -n "$manifest" ] || { echo "no tokio 1.x in the workspace's dependency graph" >&2; exit 1; }
tokio_dir=$(dirname "$manifest")
version=$(basename "$tokio_dir")
echo "tokio's tests from $tokio_dir, against ${AGAINST:-weft} (weft at $repo)"

rm -rf "$work"
mkdir -p "$work/src" "$work/.config"
cp -r "$tokio_dir/tests" "$work/tests"
touch "$work/src/lib.rs"
(
    cd "$work/tests"
    rm -f fs_uring*.rs ./*_windows.rs tracing_*.rs rt_unstable_*.rs dump.rs task_trace_self.rs \
        time_wasm.rs io_poll_aio.rs net_named_pipe.rs macros_rename_test.rs _require_full.rs \
        rt_poll_callbacks.rs task_hooks.rs async_send_sync.rs
)

tokio_version=${version#tokio-}
if [ "${AGAINST:-weft}" = tokio ]; then
    runtime_dep="tokio = { version = \"=$tokio_version\", features = [\"full\", \"test-util\"] }"
    helper_deps='tokio-test = "0.4"
tokio-stream = "0.1"'
else
    # tokio-test and tokio-stream renamed to weft's drop-ins, as a user's port renames them.
    helper_deps="tokio-test = { package = \"weft-test\", path = \"$repo/compat/test\" }
tokio-stream = { package = \"weft-stream\", path = \"$repo/compat/stream\", features = [\"full\"] }"
    weft_features='"full", "test-util"'
    # TOKIO_CONTEXT=1: weft's tokio-context feature too, as a program that uses a crate built
    # on tokio's own runtime turns it on.
    [ "${TOKIO_CONTEXT:-0}" = 1 ] && weft_features="$weft_features, \"tokio-context\""
    runtime_dep="tokio = { package = \"weft\", path = \"$repo/runtime\", features = [$weft_features] }"
fi
features='"full", "rt", "rt-multi-thread", "macros", "time", "net", "io-util", "io-std", "sync",
    "fs", "process", "signal", "test-util"'
cat > "$work/Cargo.toml" <<EOF
[package]
name = "weft-tokio-tests"
version = "0.0.0"
edition = "2021"
publish = false

# tokio's test files gate themselves on tokio's feature names.
[features]
default = [$features]
full = []
rt = []
rt-multi-thread = []
macros = []
time = []
net = []
io-util = []
io-std = []
sync = []
fs = []
process = []
signal = []
test-util = []

[dependencies]
$runtime_dep

# tokio's own dev-dependencies ($version), and what its test files import besides.
[dev-dependencies]
$helper_deps
futures = { version = "0.3", features = ["async-await"] }
futures-test = "0.3.31"
async-stream = "0.3"
rand = "0.9"
tempfile = "3"
libc = "0.2"
bytes = "1"
pin-project-lite = "0.2"
socket2 = { version = "0.6", features = ["all"] }
nix = { version = "0.31", default-features = false, features = ["aio", "fs", "socket", "signal", "process", "user"] }

[lints.rust]
unexpected_cfgs = "allow"

[workspace]
EOF
cat > "$work/.config/nextest.toml" <<'EOF'
[profile.default]
slow-timeout = { period = "30s", terminate-after = 4 }
fail-fast = false
EOF

cd "$work"
# A file that does not compile would stop the whole run: build each one first, and run the rest.
: > build-failures.txt
for file in tests/*.rs; do
    name=$(basename "$file" .rs)
    if ! cargo test --no-run --test "$name" > "build-$name.log" 2>&1; then
        echo "$name" >> build-failures.txt
        mkdir -p excluded
        mv "$file" excluded/
    fi
done
cargo nextest run --no-fail-fast > nextest.log 2>&1 || true

files=$(ls tests/*.rs | wc -l)
echo "test files that compile: $files of $((files + $(wc -l < build-failures.txt)))"
sed 's/^/  does not compile: /' build-failures.txt
grep -E '^\s+(FAIL|TIMEOUT|SIGSEGV|SIGABRT)' nextest.log |
    sed -E 's/^ +//; s/\[[^]]*\] \([^)]*\) //' | sort -u | sed 's/^/  /' || true
grep -E '^\s+Summary' nextest.log | sed 's/^ *//'
echo "logs: $work/nextest.log, $work/build-*.log"
