#!/bin/sh
# I/O failure injection: an output directory that cannot be written, a disk that is
# full (/dev/full as an output file), and inputs that are cut short or unreadable
# give a clear error and a non-zero exit, and leave nothing that looks complete.
# usage: io_failure.sh MARROW_BINARY
set -u
M=$1
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE PATTERN -- command...: a non-zero exit CODE ('nz': any) and a message
expect() {
    code="$1"; pat="$2"; shift 2
    out=$("$@" 2>&1); rc=$?
    if { [ "$code" = nz ] && [ "$rc" -eq 0 ]; } || { [ "$code" != nz ] && [ "$rc" -ne "$code" ]; }; then
        bad "'$*' exited $rc, expected $code; output: $out"
    elif [ "$rc" -ge 128 ]; then
        bad "'$*' was killed by a signal: $out"
    elif ! printf '%s' "$out" | grep -q -- "$pat"; then
        bad "'$*' output lacks '$pat': $out"
    else
        ok
    fi
}

cat > "$T/s.yaml" <<'YAML'
name: s
horizon_days: 60
output_every_days: 30
tumour:
  clones:
    - {name: a, cells: 1.0e+9, birth: 0.035, death: 0.03}
YAML

# An output directory that cannot be written (root ignores permissions: skip then).
mkdir "$T/ro"
chmod a-w "$T/ro"
if [ "$(id -u)" -ne 0 ]; then
    expect nz "Permission denied" "$M" run "$T/s.yaml" -o "$T/ro/out" --seed 1 -q
    expect nz "Permission denied" "$M" cohort "$T/s.yaml" -o "$T/ro/c" --seed 1 -q -n 2
fi
# An output path whose parent is a file.
: > "$T/file"
expect nz "file" "$M" run "$T/s.yaml" -o "$T/file/out" --seed 1 -q
expect nz "file" "$M" cohort "$T/s.yaml" -o "$T/file/c" --seed 1 -q -n 2

# A full disk: every output file is /dev/full.  The run must fail saying so, and
# no complete-looking file may appear.
mkdir "$T/full"
for f in timeseries.csv clones.csv events.csv observations.csv summary.json run.json \
    tree.nwk single_cells.csv .timeseries.csv.partial .clones.csv.partial \
    .events.csv.partial .observations.csv.partial .summary.json.partial \
    .run.json.partial .tree.nwk.partial .single_cells.csv.partial; do
    ln -s /dev/full "$T/full/$f"
done
expect nz "No space left on device" "$M" run "$T/s.yaml" -o "$T/full" --seed 1 -q
[ -e "$T/full/report.html" ] && bad "full disk: a report was written" || ok

# Inputs cut short or unreadable.
expect 2 "" "$M" check "$T/nonexistent.yaml"
"$M" run "$T/s.yaml" -o "$T/r" --seed 1 -q || bad "a plain run failed"
head -c 100 "$T/r/timeseries.csv" > "$T/cut.csv"
mv "$T/cut.csv" "$T/r/timeseries.csv"
expect nz "timeseries.csv" "$M" report "$T/r"
"$M" cohort "$T/s.yaml" -o "$T/c" --seed 1 -q -n 3 || bad "a plain cohort failed"
head -c 150 "$T/c/patients.csv" > "$T/cut.csv"
mv "$T/cut.csv" "$T/c/patients.csv"
expect nz "patients.csv" "$M" report "$T/c"
expect nz "patients.csv" "$M" merge "$T/c" -o "$T/m"

echo "io_failure: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
