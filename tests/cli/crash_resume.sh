#!/bin/sh
# Crash safety: a cohort killed with SIGKILL at several pseudo-random moments (fixed
# delays, so every run of the test kills at the same moments), resumed after each
# kill, ends with the files of one uninterrupted run byte for byte; no reader ever
# sees a patients.csv before the run has finished.  Two threads, so kills land
# while both are writing and while the ring of finished patients is half flushed.
# usage: crash_resume.sh MARROW_BINARY SOURCE_DIR
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d)
bg=
trap '[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat > "$T/trial.yaml" <<'YAML'
name: crash-trial
horizon_days: 730
output_every_days: 28
tumour:
  capacity: 2.0e+11
  clones:
    - {name: sensitive, cells: 1.0e+11, birth: 0.035, death: {uniform: {min: 0.015, max: 0.03}}}
    - {name: crbn-loss, cells: {lognormal: {median: 1.0e+7, sd_log: 3}},
       birth: {uniform: {min: 0.035, max: 0.06}}, death: 0.025, crbn_loss: true}
drugs:
  - {name: lenalidomide, pd: {emax: {lognormal: {median: 0.05, sd_log: 0.8}}}}
monitoring:
  marrow: {every_days: 91}
plan:
  lines: [{name: Rd, phases: [{regimen: Rd}]}]
trial:
  design: paired
  arms:
    - {name: standard}
    - {name: potent, set: {"drugs[0].pd.emax": 0.09}}
YAML
N=3000
"$M" cohort "$T/trial.yaml" -n $N --seed 4 -j 2 -o "$T/whole" -q --trajectories 3 ||
    bad "the uninterrupted cohort failed"

# Kill after each of these delays (seconds), resuming in between; the last resume
# runs to the end.  The delays are short enough that the first kills land in the
# middle of the cohort on this 2-core machine and later ones near or after its end.
kills=0
first=1
for delay in 0.4 0.25 0.6 0.15 0.9 0.05; do
    if [ $first -eq 1 ]; then
        "$M" cohort "$T/trial.yaml" -n $N --seed 4 -j 2 -o "$T/killed" -q --trajectories 3 &
    else
        "$M" cohort "$T/trial.yaml" -n $N --seed 4 -j 2 -o "$T/killed" -q --trajectories 3 \
            --resume 2>"$T/resume.err" &
    fi
    bg=$!
    sleep "$delay"
    if kill -9 "$bg" 2>/dev/null; then
        kills=$((kills + 1))
    fi
    wait "$bg" 2>/dev/null
    bg=
    if [ -f "$T/killed/patients.csv" ]; then
        break # it finished before this kill
    fi
    first=0
    # Until the run finishes, no complete-looking output exists.
    for f in patients.csv tte.csv km.csv summary.json report.html; do
        [ -f "$T/killed/$f" ] && bad "a killed run left $f in place"
    done
done
if [ ! -f "$T/killed/patients.csv" ]; then
    "$M" cohort "$T/trial.yaml" -n $N --seed 4 -j 2 -o "$T/killed" -q --trajectories 3 \
        --resume || bad "the final resume failed"
fi
[ $kills -ge 3 ] && ok || bad "only $kills kills landed before the cohort finished (make it longer)"
for f in patients.csv tte.csv km.csv summary.json trajectories.csv; do
    if cmp -s "$T/whole/$f" "$T/killed/$f"; then ok; else bad "$f after $kills kills differs"; fi
done
ls -a "$T/killed" | grep -q partial && bad "partial files left behind" || ok

echo "crash_resume: $passes passed, $fails failed ($kills kills)"
[ "$fails" -eq 0 ]
