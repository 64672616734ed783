#!/usr/bin/env bash
# `compare` at 2, 4, 8 and 16 workers: every table, CSV and chart per worker count in one
# directory, plus the ratios side by side (ratios.txt).
#
#   benches/scripts/scaling.sh [OUT_DIR]                    # builds compare, then runs it
#   COMPARE=./compare ./scaling.sh [OUT_DIR]                # a prebuilt binary: no toolchain
#   WORKER_COUNTS="4 16" COMPARE_ARGS="--rounds 3 --pin" benches/scripts/scaling.sh
#
# Run it on a machine with at least as many cores as the largest worker count (it warns
# otherwise: a runtime with more workers than cores measures the OS scheduler).
#
# Carrying it to a many-core machine that has no Rust toolchain: build here, copy two files,
# run there, copy the results back.
#
#   cargo build --release -p weft-benches --bin compare
#   scp target/release/compare benches/scripts/scaling.sh big:weft-scaling/
#   ssh big 'cd weft-scaling && COMPARE=./compare ./scaling.sh results'
#   scp -r big:weft-scaling/results .
#
# `compare` is self-contained: it starts its server and idle-runtime processes by running
# itself (`compare --serve ...`), so nothing else is needed but the C library (glibc at least as
# new as the build machine's: build on an older distribution, or for
# x86_64-unknown-linux-musl, if the big machine's is older) and, for the system-call column,
# `perf` (or `strace`) usable by the user there.
#
# Environment: WORKER_COUNTS ("2 4 8 16"), COMPARE (path of a prebuilt compare; default: build
# it with cargo in release), COMPARE_ARGS (more compare options, e.g. "--rounds 3", "--shared"
# or "--pin" for one server placement instead of both, "--group server"), CARGO_TARGET_DIR as
# usual. OUT_DIR defaults to
# scaling-<date>-<host> in the current directory.
set -euo pipefail

WORKER_COUNTS=${WORKER_COUNTS:-2 4 8 16}
COMPARE_ARGS=${COMPARE_ARGS:-}
out=${1:-scaling-$(date +%Y%m%d-%H%M%S)-$(hostname -s 2>/dev/null || echo host)}

if [ -z "${COMPARE:-}" ]; then
    root=$(cd "$(dirname "$0")/../.." && pwd)
    (cd "$root" && cargo build --release -q -p weft-benches --bin compare)
    COMPARE=${CARGO_TARGET_DIR:-$root/target}/release/compare
fi
[ -x "$COMPARE" ] || { echo "scaling.sh: $COMPARE is not an executable" >&2; exit 2; }

cores=$(nproc)
mkdir -p "$out"
{
    echo "host: $(hostname)  cores: $cores  kernel: $(uname -r)"
    echo "compare: $COMPARE $COMPARE_ARGS"
    echo "worker counts: $WORKER_COUNTS  started: $(date -Is)"
} | tee "$out/machine.txt"

status=0
for w in $WORKER_COUNTS; do
    if [ "$w" -gt "$cores" ]; then
        echo "scaling.sh: warning: $w workers on $cores cores" | tee -a "$out/machine.txt" >&2
    fi
    dir=$out/workers-$w
    mkdir -p "$dir"
    echo "scaling.sh: $w workers -> $dir" >&2
    # shellcheck disable=SC2086 # COMPARE_ARGS is a list of options
    if ! "$COMPARE" --workers "$w" --csv "$dir/compare.csv" --svg "$dir/compare.svg" $COMPARE_ARGS \
        >"$dir/tables.txt" 2> >(tee "$dir/progress.txt" >&2); then
        echo "scaling.sh: compare failed at $w workers (see $dir/progress.txt)" >&2
        status=1
    fi
done

# Prints, for one CSV of every worker count, the ratio column `column` of every row (first
# column), one column per worker count.
pivot() {
    local csv=$1 column=$2 title=$3
    echo "$title"
    local header="row"
    local args=()
    for w in $WORKER_COUNTS; do
        if [ -f "$out/workers-$w/$csv" ]; then
            header="$header $w"
            args+=("$out/workers-$w/$csv")
        fi
    done
    [ ${#args[@]} -gt 0 ] || { echo "(none)"; echo; return 0; }
    awk -F, -v column="$column" -v header="$header" '
        FNR == 1 { file++; col = 0; for (i = 1; i <= NF; i++) if ($i == column) col = i; next }
        {
            if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
            value[$1, file] = (col && $col != "") ? sprintf("%.2fx", $col) : "-"
        }
        END {
            k = split(header, h, " ")
            printf "%-40s", "row \\ workers"
            for (f = 2; f <= k; f++) printf "  %7s", h[f]
            printf "\n"
            for (r = 1; r <= n; r++) {
                printf "%-40s", order[r]
                for (f = 1; f < k; f++) printf "  %7s", ((order[r], f) in value) ? value[order[r], f] : "-"
                printf "\n"
            }
        }' "${args[@]}"
    echo
}
{
    echo "Ratios per worker count (above 1: weft better). Tables: workers-N/tables.txt; charts: workers-N/compare.svg."
    echo
    pivot compare.csv ratio_tokio_over_weft "time per iteration, tokio/weft:"
    pivot compare_server.csv rps_weft_over_tokio "server requests/s, weft/tokio:"
    pivot compare_server.csv cpu_tokio_over_weft "server CPU per request, tokio/weft:"
    pivot compare_server.csv p99_tokio_over_weft "server p99 latency, tokio/weft:"
    pivot compare_server_pinned.csv rps_weft_over_tokio "server on CPUs of its own, requests/s, weft/tokio:"
    pivot compare_server_pinned.csv cpu_tokio_over_weft "server on CPUs of its own, CPU per request, tokio/weft:"
    pivot compare_server_pinned.csv p99_tokio_over_weft "server on CPUs of its own, p99 latency, tokio/weft:"
    pivot compare_idle.csv cpu_tokio_over_weft "idle CPU, tokio/weft:"
} >"$out/ratios.txt"
cat "$out/ratios.txt"
echo "scaling.sh: results in $out" >&2
exit $status
