#!/bin/sh
# `marrow cohort` and `marrow merge` through the binary: shards (--shard and the
# Slurm job-array variables) merged, --only-patient and --resume after kill -9 give
# the files of one uninterrupted run byte for byte; bad shard options and bad merges
# give a clear message and exit 2.
# usage: cohort_cli.sh MARROW_BINARY SOURCE_DIR
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d)
bg=
trap '[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
passes=0

ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE PATTERN -- command...: exit code and a stderr/stdout pattern
expect() {
    code="$1"; pat="$2"; shift 2
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" -ne "$code" ]; then
        bad "'$*' exited $rc, expected $code; output: $out"
    elif ! printf '%s' "$out" | grep -q -- "$pat"; then
        bad "'$*' output lacks '$pat': $out"
    else
        ok
    fi
}

# same DIR_A DIR_B WHAT: every output but run.json identical
same() {
    for f in patients.csv tte.csv km.csv summary.json; do
        if cmp -s "$1/$f" "$2/$f"; then ok; else bad "$3: $f differs from the one-run cohort"; fi
    done
}

# A lenalidomide line against a CRBN-loss subclone of varying size, on two paired
# arms (a more potent drug on the second), with a binary covariate: about a
# millisecond per patient and arm.
cat > "$T/trial.yaml" <<'EOF'
name: cli-trial
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
covariates:
  - {name: fast, prevalence: 0.3, multiply: {"tumour.clones[0].birth": 1.15}}
trial:
  design: paired
  enrolment_days: 100
  data_cutoff_day: 700
  arms:
    - {name: control}
    - name: potent
      set: {drugs: [{name: lenalidomide, pd: {ec50_ng_ml: 25}}]}
EOF
S="$T/trial.yaml"
N=30
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN

"$M" cohort "$S" -n $N --seed 7 -o "$T/full" -q || bad "the one-run cohort failed"
[ "$(wc -l < "$T/full/patients.csv")" -eq $((2 * N + 1)) ] && ok || bad "expected $((2 * N)) rows"

# --- shards: --shard i/3 into one -o, then `marrow merge DIR` ----------------------
for i in 3 1 2; do
    "$M" cohort "$S" -n $N --seed 7 -j 2 --shard $i/3 -o "$T/sh" -q || bad "shard $i/3 failed"
done
[ -f "$T/sh/shard-2-of-3/patients.csv" ] && ok || bad "no shard-2-of-3 folder"
expect 0 "3 directories" "$M" merge "$T/sh"
same "$T/full" "$T/sh" "3 shards merged"
# merging again (the directory now holds a run.json itself) or into -o
"$M" merge "$T/sh/shard-1-of-3" "$T/sh/shard-2-of-3" "$T/sh/shard-3-of-3" -o "$T/sh2" -q || bad "merge -o failed"
same "$T/full" "$T/sh2" "3 shard directories merged into -o"

# --- the shard from a Slurm job array (ids 1..3, or 0..2 without a minimum) ---------
for i in 1 2 3; do
    SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 \
        "$M" cohort "$S" -n $N --seed 7 -o "$T/slurm" 2> "$T/slurm.err" || bad "slurm task $i failed"
    grep -q "shard $i/3 from SLURM_ARRAY_TASK_ID" "$T/slurm.err" && ok || bad "task $i: $(cat "$T/slurm.err")"
done
"$M" merge "$T/slurm" -q || bad "merge of the Slurm shards failed"
same "$T/full" "$T/slurm" "Slurm array"
for i in 0 1 2; do
    SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=3 \
        "$M" cohort "$S" -n $N --seed 7 -o "$T/slurmq" -q || bad "slurm task $i (-q) failed"
done
# (-q must not change where a task writes: each its own shard-i-of-N folder)
if [ -f "$T/slurmq/shard-3-of-3/patients.csv" ]; then
    ok
    "$M" merge "$T/slurmq" -q || bad "merge of the Slurm shards (-q) failed"
    same "$T/full" "$T/slurmq" "Slurm array with -q"
else
    bad "-q: the Slurm tasks did not write shard folders: $(ls "$T/slurmq" | tr '\n' ' ')"
fi
# --shard wins over the environment
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 \
    "$M" cohort "$S" -n $N --seed 7 --shard 2/2 -o "$T/both" -q || bad "--shard with Slurm failed"
[ -d "$T/both/shard-2-of-2" ] && ok || bad "--shard 2/2 did not win over SLURM_ARRAY_TASK_ID"

# --- --only-patient ------------------------------------------------------------------
"$M" cohort "$S" -n $N --seed 7 --only-patient 17 -o "$T/only" -q || bad "--only-patient failed"
{ head -1 "$T/full/patients.csv"; grep '^17,' "$T/full/patients.csv"; } > "$T/only17.csv"
cmp -s "$T/only/patients.csv" "$T/only17.csv" && ok || bad "--only-patient 17 differs from its rows in the cohort"
[ "$(wc -l < "$T/only/patients.csv")" -eq 3 ] && ok || bad "--only-patient 17: expected 2 rows"

# --- --resume after kill -9 ----------------------------------------------------------
# A longer cohort on one thread (a few seconds); killed once some rows are on disk.
NR=800
"$M" cohort "$S" -n $NR --seed 9 -o "$T/whole" -q || bad "the uninterrupted cohort failed"
"$M" cohort "$S" -n $NR --seed 9 -o "$T/killed" -q &
bg=$!
k=0
while [ $k -lt 400 ]; do
    rows=$(cat "$T/killed/.patients.csv.partial" 2>/dev/null | wc -l)
    [ "${rows:-0}" -gt 100 ] && break
    sleep 0.01
    k=$((k + 1))
done
kill -9 "$bg" 2>/dev/null && killed=1 || killed=0
wait "$bg" 2>/dev/null
bg=
if [ $killed -eq 1 ] && [ ! -f "$T/killed/patients.csv" ]; then
    ok
    [ -f "$T/killed/.cohort.partial.json" ] && ok || bad "killed: no resume marker"
    expect 2 "another trial" "$M" cohort "$S" -n $NR --seed 10 -o "$T/killed" --resume -q
    expect 2 "another trial" "$M" cohort "$S" -n 799 --seed 9 -o "$T/killed" --resume -q
    expect 0 "resuming at patient" "$M" cohort "$S" -n $NR --seed 9 -o "$T/killed" --resume
    same "$T/whole" "$T/killed" "resumed after kill -9"
    ls -a "$T/killed" | grep -q partial && bad "resume left partial files" || ok
else
    bad "the cohort finished before it could be killed (make it longer)"
fi
# Killed during the first patient (an exact-mode tumour of about a second): the
# header is on disk, so --resume starts the patient again.
cat > "$T/slow.yaml" <<'EOF'
name: slow
horizon_days: 40
output_every_days: 40
engine: {mode: exact}
tumour:
  clones: [{cells: 30000, birth: 1, death: 1}]
EOF
"$M" cohort "$T/slow.yaml" -n 1 --seed 1 -o "$T/first" -q &
bg=$!
k=0
while [ $k -lt 200 ] && [ ! -f "$T/first/.cohort.partial.json" ]; do
    sleep 0.01
    k=$((k + 1))
done
sleep 0.1
kill -9 "$bg" 2>/dev/null && killed=1 || killed=0
wait "$bg" 2>/dev/null
bg=
if [ $killed -eq 1 ] && [ ! -f "$T/first/patients.csv" ]; then
    head -1 "$T/first/.patients.csv.partial" | grep -q '^patient,arm,entry_day,' && ok ||
        bad "killed during patient 0: the header is not on disk"
    expect 0 "resuming at patient 0" "$M" cohort "$T/slow.yaml" -n 1 --seed 1 -o "$T/first" --resume
    [ "$(cat "$T/first/patients.csv" 2>/dev/null | wc -l)" -eq 2 ] && ok || bad "resumed patient 0: no row"
else
    bad "the first patient finished before it could be killed (make it longer)"
fi
expect 2 "complete" "$M" cohort "$S" -n $NR --seed 9 -o "$T/whole" --resume -q
expect 2 "no unfinished cohort" "$M" cohort "$S" -n $NR --seed 9 -o "$T/nothing" --resume -q

# --- bad options: exit 2 ---------------------------------------------------------------
for sh in 0/3 4/3 3 x/3 1/0 -1/2 2/1 1/3/4; do
    expect 2 "--shard: '$sh' is not i/N" "$M" cohort "$S" -n $N --seed 7 --shard "$sh" -o "$T/bad"
done
expect 2 "at most as many shards as patients" "$M" cohort "$S" -n 2 --seed 7 --shard 3/3 -o "$T/bad"
expect 2 "need --seed" "$M" cohort "$S" -n $N --shard 1/3 -o "$T/bad"
expect 2 "need --seed" "$M" cohort "$S" -n $N --resume -o "$T/bad"
expect 2 "goes with neither --shard nor" "$M" cohort "$S" -n $N --seed 7 --only-patient 3 --shard 1/3 -o "$T/bad"
expect 2 "goes with neither --shard nor" "$M" cohort "$S" -n $N --seed 7 --only-patient 3 --resume -o "$T/bad"
expect 2 "--only-patient 30: the cohort has patients 0..29" "$M" cohort "$S" -n $N --seed 7 --only-patient 30 -o "$T/bad"
expect 2 "--only-patient: 'x'" "$M" cohort "$S" -n $N --seed 7 --only-patient x -o "$T/bad"
[ -e "$T/bad" ] && bad "a refused cohort created its directory" || ok

# --- bad merges: exit 2 ----------------------------------------------------------------
mkdir -p "$T/m"
"$M" cohort "$S" -n $N --seed 7 --shard 1/3 -o "$T/m/a" -q
"$M" cohort "$S" -n $N --seed 7 --shard 3/3 -o "$T/m/a" -q
expect 2 "patients 10..19 are in none of the directories" "$M" merge "$T/m/a"
"$M" cohort "$S" -n $N --seed 7 --shard 1/2 -o "$T/m/b" -q
expect 2 "are in two directories" "$M" merge "$T/m/b/shard-1-of-2" "$T/sh/shard-1-of-3" "$T/sh/shard-2-of-3" "$T/sh/shard-3-of-3" -o "$T/m/out"
expect 2 "are in two directories" "$M" merge "$T/sh/shard-1-of-3" "$T/sh/shard-1-of-3" "$T/sh/shard-2-of-3" "$T/sh/shard-3-of-3" -o "$T/m/out"
"$M" cohort "$S" -n $N --seed 8 --shard 2/3 -o "$T/m/c" -q
expect 2 "is from another trial" "$M" merge "$T/sh/shard-1-of-3" "$T/m/c/shard-2-of-3" "$T/sh/shard-3-of-3" -o "$T/m/out"
"$M" cohort "$S" -n 31 --seed 7 --shard 3/3 -o "$T/m/d" -q
expect 2 "is from another trial" "$M" merge "$T/sh/shard-1-of-3" "$T/sh/shard-2-of-3" "$T/m/d/shard-3-of-3" -o "$T/m/out"
expect 2 "holds neither a finished cohort" "$M" merge "$T/m/empty-$$"
mkdir -p "$T/m/e"
expect 2 "holds neither a finished cohort" "$M" merge "$T/m/e"
expect 2 "-o DIR is needed" "$M" merge "$T/sh/shard-1-of-3" "$T/sh/shard-2-of-3"
[ -e "$T/m/out" ] && [ -n "$(ls "$T/m/out")" ] && bad "a refused merge wrote files" || ok
# an unfinished shard (the resume marker, no run.json) is not merged
mkdir -p "$T/m/f/shard-2-of-3"
cp "$T/sh/shard-2-of-3/patients.csv" "$T/m/f/shard-2-of-3/.patients.csv.partial"
expect 2 "holds neither a finished cohort" "$M" merge "$T/m/f/shard-2-of-3"

# --- --trajectories K: patient i's series is replicate i of `marrow run`, and shards
# merged give the one-run file ---------------------------------------------------------
cat > "$T/plain.yaml" <<'EOF'
name: plain
horizon_days: 120
output_every_days: 14
tumour:
  clones: [{name: a, cells: {lognormal: {median: 1.0e+9, sd_log: 1}}, birth: 0.035, death: 0.02}]
EOF
"$M" cohort "$T/plain.yaml" -n 6 --seed 5 -o "$T/tr1" -q --trajectories 4 || bad "cohort --trajectories failed"
"$M" run "$T/plain.yaml" -r 4 --seed 5 -o "$T/tr_run" -q || bad "run -r 4 failed"
a=$(grep '^3,' "$T/tr_run/timeseries.csv" | md5sum)
b=$(grep '^3,plain,' "$T/tr1/trajectories.csv" | sed 's/^3,plain,/3,/' | md5sum)
[ "$a" = "$b" ] && ok || bad "trajectory of patient 3 differs from replicate 3 of marrow run"
[ "$(cut -d, -f1 "$T/tr1/trajectories.csv" | sort -u | wc -l)" -eq 5 ] && ok || bad "trajectories: expected patients 0..3 and the header"
for i in 1 2 3; do
    "$M" cohort "$T/plain.yaml" -n 6 --seed 5 -o "$T/tr2" -q --trajectories 4 --shard $i/3 || bad "trajectory shard $i failed"
done
"$M" merge "$T/tr2" -q || bad "merge of trajectory shards failed"
cmp -s "$T/tr1/trajectories.csv" "$T/tr2/trajectories.csv" && ok || bad "merged trajectories.csv differs"

# --- MPI: two ranks under mpirun give the one-run files (when built with MPI) ----------
if "$M" --version | grep -q " mpi" && command -v mpirun >/dev/null 2>&1; then
    # Open MPI's own start-up allocations are never freed (LeakSanitizer reports them
    # in libmpi and its plugins), so leak checking is off for this one command.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        mpirun --oversubscribe -np 2 "$M" cohort "$S" -n $N --seed 7 -o "$T/mpi" -q ||
        bad "mpirun -np 2 cohort failed"
    same "$T/full" "$T/mpi" "2 MPI ranks"
    grep -q '"ranks": 2' "$T/mpi/run.json" && ok || bad "run.json does not say 2 ranks"
    [ -z "$(ls -A "$T/mpi" | grep rank)" ] && ok || bad "rank folders left behind"
else
    echo "cohort_cli: MPI checks skipped (no mpirun, or marrow built without MPI)"
fi

echo "cohort_cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
