#!/bin/sh
# Allocation-failure injection: `marrow run` and `marrow cohort` with the k-th
# allocation failing (tests/fault/failalloc.c, preloaded), for k spread over the
# whole run (every k with ALL=1: `make fault`).  Each must either finish with all
# its files, or stop with a message and a non-zero exit status; never crash, never
# leave a .partial output file (a cohort's resume files excepted), and free what it
# allocated (no more blocks live at exit than in an undisturbed run).
# usage: alloc_failure.sh MARROW_BINARY FAILALLOC_SO [POINTS]
set -u
M=$1
SHIM=$2
POINTS=${3:-150}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat > "$T/small.yaml" <<'YAML'
name: small
horizon_days: 60
output_every_days: 30
tumour:
  clones:
    - {name: a, cells: {lognormal: {median: 1.0e+9, sd_log: 0.5}}, birth: 0.035, death: 0.03}
monitoring:
  spep: {every_days: 28}
plan:
  lines: [{name: Rd, phases: [{regimen: Rd}]}]
YAML

# run_at K CMD...: run CMD with allocation K failing (0: none); sets rc, calls, live
run_at() {
    k=$1; shift
    rm -rf "$T/o"
    FAIL_AT=$k FAIL_REPORT="$T/rep" LD_PRELOAD="$SHIM" "$@" >"$T/out" 2>&1
    rc=$?
    set -- $(cat "$T/rep" 2>/dev/null || echo "0 999999 999999999")
    calls=$1; blocks=$2; bytes=$3
}

# sweep NAME FILES -- CMD...: FILES are the outputs a finished CMD leaves in $T/o
sweep() {
    name=$1; files=$2; shift 2
    run_at 0 "$@"
    [ "$rc" -eq 0 ] || { bad "$name: the undisturbed run failed: $(cat "$T/out")"; return; }
    n=$calls; base_blocks=$blocks; base_bytes=$bytes
    if [ "${ALL:-0}" = 1 ]; then
        ks=$(seq 1 "$n")
    else
        # the first 30 and last 30 allocations, and POINTS spread between
        ks=$(awk -v n="$n" -v p="$POINTS" 'BEGIN {
            for (k = 1; k <= 30 && k <= n; k++) print k
            for (i = 1; i <= p; i++) print int(30 + i * (n - 60) / (p + 1))
            for (k = n - 29; k <= n; k++) if (k > 30) print k }' | sort -n -u)
    fi
    count=0
    for k in $ks; do
        count=$((count + 1))
        run_at "$k" "$@"
        if [ "$rc" -ge 128 ]; then
            bad "$name: allocation $k: killed by signal $((rc - 128)): $(tail -n 3 "$T/out")"
        elif [ "$rc" -eq 0 ]; then
            for f in $files; do
                [ -s "$T/o/$f" ] || bad "$name: allocation $k: exit 0 without $f"
            done
            ok
        elif ! grep -q -i "out of memory\|cannot allocate memory" "$T/out"; then
            bad "$name: allocation $k: exit $rc without saying why: $(head -c 300 "$T/out")"
        else
            ok
        fi
        # (a cohort keeps its finished rows and marker for --resume, by design)
        if ls -a "$T/o" 2>/dev/null | grep partial |
            grep -q -v -x '\.patients\.csv\.partial\|\.cohort\.partial\.json'; then
            bad "$name: allocation $k: a .partial file was left"
        fi
        # A path that stops early may have set up less (threads, say), never more.
        if [ "$blocks" -gt "$base_blocks" ] || [ "$bytes" -gt "$base_bytes" ]; then
            bad "$name: allocation $k: $blocks blocks ($bytes bytes) live at exit," \
                "$base_blocks ($base_bytes) undisturbed: a leak"
        fi
    done
    echo "$name: $count of $n allocations failed in turn"
}

sweep run "run.json timeseries.csv events.csv summary.json report.json report.html" \
    "$M" run "$T/small.yaml" -o "$T/o" --seed 1 -q -r 2
sweep cohort "patients.csv tte.csv km.csv summary.json run.json report.html" \
    "$M" cohort "$T/small.yaml" -o "$T/o" --seed 1 -q -n 4 --trajectories 2

echo "alloc_failure: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
