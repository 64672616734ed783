# Helpers of the scripts that alternate a server on weft with the same server on tokio
# (`axum.sh`, `tonic.sh`); sourced, not run. They read `$placement` (`shared` or `own`).

# The `taskset` prefix that puts a process on CPU $1 with the `own` placement; nothing with
# `shared`.
pin() { if [ "$placement" = own ]; then echo "taskset -c $1"; fi; }

# The user + system clock ticks process $1 has used so far (`/proc/PID/stat`).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# The number after `$1=` in the line $2 (a load generator's `key=value` report).
field() { sed "s/.*$1=\([0-9.]*\).*/\1/" <<<"$2"; }

# Waits (at most 5 s) until something accepts connections on 127.0.0.1:$1.
wait_for_port() {
    for _ in $(seq 50); do
        (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return
        sleep 0.1
    done
}
