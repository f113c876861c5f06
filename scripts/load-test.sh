#!/bin/sh
# `make test` on a busy machine: one CPU-bound busy loop per core runs the whole time, as
# another CPU-heavy job would, to show that no test passes or fails by how fast the machine
# is. Prints make's outcome and the load average; exits with make's status.
#   sh scripts/load-test.sh        (what `make test-loaded` runs)
# Each busy loop ends when the script is stopped, and on its own if the script is killed.
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
MAKE=${MAKE:-make}
CORES=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
LOOPS=""

stop_load() {
    for pid in $LOOPS; do
        kill "$pid" 2>/dev/null
    done
    LOOPS=""
}
trap stop_load EXIT
trap 'stop_load; exit 130' INT TERM

for _ in $(seq "$CORES"); do
    # pure computation; stops once its parent (this script) is gone
    "$PYTHON" -c '
import os
parent = os.getppid()
while os.getppid() == parent:
    for _ in range(1_000_000):
        pass
' &
    LOOPS="$LOOPS $!"
done
echo "load: $CORES busy loops (one per core), pids$LOOPS"

started=$(date +%s)
"$MAKE" test
status=$?
load=$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || uptime)
stop_load

echo "load test: make test exited $status after $(($(date +%s) - started)) s" \
    "with $CORES busy loops on $CORES cores; load average (1, 5, 15 min) at the end: $load"
exit "$status"
