#!/bin/sh
# Command-line tests: reproducibility (byte for byte), outputs, and every class of
# bad input giving a clear message and the documented exit code.
# usage: run_and_errors.sh MARROW_BINARY SOURCE_DIR
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$2" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
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

BD="$SRC/scenarios/birth-death.yaml"

# --- reproducibility: same seed and scenario -> byte-identical files -------------
# (run from two directories with the same relative -o, so run.json's command line
# is the same too)
for mode in hybrid exact mean; do
    for r in a b; do
        mkdir -p "$T/$r" && (cd "$T/$r" && "$M" run "$BD" -o "$mode" --seed 42 --mode "$mode" -q) ||
            bad "run $mode failed"
    done
    for f in timeseries.csv clones.csv tree.nwk events.csv observations.csv summary.json run.json; do
        if cmp -s "$T/a/$mode/$f" "$T/b/$mode/$f"; then ok; else bad "$mode $f differs between identical runs"; fi
    done
    cp -r "$T/a/$mode" "$T/a_$mode"
done
"$M" run "$BD" -o "$T/c" --seed 43 -q
if cmp -s "$T/a_hybrid/timeseries.csv" "$T/c/timeseries.csv"; then bad "seed 43 gave the seed-42 path"; else ok; fi
# the default scenario as `make run` runs it
"$M" run "$SRC/scenarios/default.yaml" -o "$T/default" --seed 1 -q || bad "default scenario failed"
[ -s "$T/default/tree.nwk" ] && ok || bad "default: no tree"
# every clone is one tip of the tree, parentheses balance, events are in time order
tips=$(grep -o 'c[0-9]*:' "$T/default/tree.nwk" | sort -u | wc -l)
rows=$(($(wc -l < "$T/default/clones.csv") - 1))
[ "$tips" -eq "$rows" ] && ok || bad "tree has $tips tips for $rows clones"
o=$(tr -cd '(' < "$T/default/tree.nwk" | wc -c); c=$(tr -cd ')' < "$T/default/tree.nwk" | wc -c)
[ "$o" -eq "$c" ] && ok || bad "unbalanced tree"
tail -n +2 "$T/default/events.csv" | cut -d, -f1 | sort -g -c && ok || bad "events not in time order"

# --- output shapes --------------------------------------------------------------
head -1 "$T/a_hybrid/timeseries.csv" | grep -qx 't_days,variable,value' && ok || bad "timeseries header"
grep -q '^50,tumour_cells,' "$T/a_exact/timeseries.csv" && ok || bad "no tumour_cells at day 50"
head -1 "$T/a_hybrid/clones.csv" | grep -q '^clone_id,parent_id,born_day,event,cells_final,' && ok || bad "clones header"
grep -q '"seed": 42' "$T/a_hybrid/run.json" && ok || bad "run.json seed"
grep -q '"scenario_hash"' "$T/a_hybrid/summary.json" && ok || bad "summary hash"
"$M" run "$BD" -o "$T/rep" --seed 5 --replicates 20 --mode exact -q
head -1 "$T/rep/timeseries.csv" | grep -qx 'replicate,t_days,variable,value' && ok || bad "replicate column"
n=$(cut -d, -f1 "$T/rep/timeseries.csv" | sort -u | grep -c '^[0-9]')
[ "$n" -eq 20 ] && ok || bad "expected 20 replicates, got $n"
# replicate i does not depend on how many others run
"$M" run "$BD" -o "$T/rep3" --seed 5 --replicates 3 --mode exact -q
a=$(grep '^2,50,tumour_cells,' "$T/rep/timeseries.csv")
b=$(grep '^2,50,tumour_cells,' "$T/rep3/timeseries.csv")
[ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "replicate 2 differs with the replicate count: '$a' vs '$b'"
ls -a "$T/rep" | grep -q partial && bad "partial files left" || ok

# --- bad input: file:line:col messages and exit 2 --------------------------------
printf 'name: x\ntumour:\n  clones:\n    - {cells: 10, birth: 0.1\n' > "$T/syntax.yaml"
expect 2 "syntax.yaml:[0-9]*:[0-9]*:" "$M" check "$T/syntax.yaml"
printf 'horizon_days: 10\ntumour:\n  clones:\n    - {cells: 10, birht: 0.1}\n' > "$T/typo.yaml"
expect 2 "typo.yaml:4:19: tumour.clones\[0\].birht: unknown key 'birht'; did you mean 'birth'" "$M" check "$T/typo.yaml"
printf 'horizon_days: 10\ntumour:\n  clones:\n    - {cells: 10, death: -0.5}\n' > "$T/neg.yaml"
expect 2 "neg.yaml:4:26: tumour.clones\[0\].death" "$M" run "$T/neg.yaml" -o "$T/neg"
[ -e "$T/neg" ] && bad "bad scenario created an output dir" || ok
printf 'horizon_days: 0\ntumour:\n  clones:\n    - {cells: 10}\n' > "$T/h0.yaml"
expect 2 "h0.yaml:1:15: horizon_days" "$M" check "$T/h0.yaml"
printf 'horizon_days: 10\ntumour:\n  clones:\n    - {cells: high}\n' > "$T/type.yaml"
expect 2 "expected a number" "$M" check "$T/type.yaml"
printf 'horizon_days: .nan\ntumour:\n  clones:\n    - {cells: 1}\n' > "$T/nan.yaml"
expect 2 "nan.yaml:1:15: horizon_days" "$M" check "$T/nan.yaml"
printf 'horizon_days: 10\n' > "$T/empty.yaml"
expect 2 "at least one clone" "$M" check "$T/empty.yaml"
expect 2 "cannot open" "$M" check "$T/missing.yaml"
expect 2 "seed" "$M" run "$BD" --seed 12abc -o "$T/x"
expect 2 "seed" "$M" run "$BD" --seed -1 -o "$T/x"
expect 2 "replicates" "$M" run "$BD" --replicates 0 -o "$T/x"
expect 2 "did you mean" "$M" run "$BD" --set tumour.clones[0].birht=1 -o "$T/x"
expect 2 "engine.mode" "$M" run "$BD" --mode fast -o "$T/x"
expect 2 "unknown command" "$M" frobnicate
expect 2 "" "$M"
# unwritable output directory: exit 1, nothing that looks complete
echo x > "$T/afile"
expect 1 "afile" "$M" run "$BD" -o "$T/afile/sub" --seed 1 -q
# a run that fails part-way leaves no outputs
printf 'horizon_days: 100\ntumour:\n  clones:\n    - {cells: 100, birth: 1, death: 0.5}\nmutation:\n  rate: 0.2\n  catalogue: [{name: a, edits: {pdl1: +0.1}}]\nengine: {max_clones: 20}\n' > "$T/many.yaml"
expect 1 "clone count" "$M" run "$T/many.yaml" -o "$T/many" --seed 1 -q
if [ -n "$(ls -A "$T/many" 2>/dev/null)" ]; then bad "failed run left files: $(ls -A "$T/many")"; else ok; fi

# --- immune scenarios: every shipped one checks; CAR-T outputs; reproducible ------
for f in "$SRC"/scenarios/*.yaml; do
    expect 0 "ok" "$M" check "$f"
done
CT="$SRC/scenarios/cart-bcma.yaml"
for r in a b; do
    (cd "$T" && "$M" run "$CT" -o "cart$r" --seed 9 -q --set horizon_days=60) || bad "cart-bcma run failed"
done
for f in timeseries.csv clones.csv events.csv summary.json; do
    if cmp -s "$T/carta/$f" "$T/cartb/$f"; then ok; else bad "cart-bcma $f differs between identical runs"; fi
done
for v in "cart_copies_ug:bcma-41bb" "cart_blood_cells_ul:bcma-41bb" "cart_memory:bcma-41bb" \
         "t_cells" "nk_cells" "cytokine_il6_pg_ml" "crs_grade"; do
    if grep -q ",$v," "$T/carta/timeseries.csv"; then ok; else bad "timeseries.csv lacks $v"; fi
done
if head -1 "$T/carta/clones.csv" | grep -q "recognition:bcma-41bb"; then ok; else bad "clones.csv lacks recognition"; fi
for k in '"cmax_copies_ug"' '"tmax_days"' '"auc0_28_copies_ug_days"' '"crs_max_grade"' '"crs_any"'; do
    if grep -q "$k" "$T/carta/summary.json"; then ok; else bad "summary.json lacks $k"; fi
done
for e in lymphodepletion cart_infusion crs_grade tocilizumab; do
    if grep -q ",$e," "$T/carta/events.csv"; then ok; else bad "events.csv lacks $e"; fi
done
# bad immune input: file:line:col, the allowed values, exit 2
printf 'tumour:\n  clones: [{cells: 10}]\nproducts:\n  - targets:\n      - {antigen: BCMX}\n' > "$T/ag.yaml"
expect 2 "ag.yaml:5:19: products\[0\].targets\[0\].antigen: expected one of .*GPRC5D" "$M" check "$T/ag.yaml"
printf 'tumour:\n  clones: [{cells: 10}]\nproducts:\n  - logic: and\n    targets: [{antigen: BCMA}]\n' > "$T/gate.yaml"
expect 2 "needs at least two targets" "$M" check "$T/gate.yaml"
# grade-5 toxicity: the series ends at the day of death, and the summary says so
(cd "$T" && "$M" run "$CT" -o dead --seed 9 -q --set horizon_days=60 --set toxicity.toci_at_grade=0 \
    --set toxicity.crs.grade1=1 --set toxicity.crs.grade2=2 --set toxicity.crs.grade3=3 \
    --set toxicity.crs.grade4=4 --set toxicity.crs.grade5=5) || bad "fatal-CRS run failed"
if grep -q '"died": true' "$T/dead/summary.json" && grep -q ',death,' "$T/dead/events.csv"; then ok; else bad "death not reported"; fi
last=$(tail -1 "$T/dead/timeseries.csv" | cut -d, -f1)
if awk -v x="$last" 'BEGIN { exit !(x < 60) }'; then ok; else bad "series runs past death (last day $last)"; fi

# --- drugs, regimens and lines: outputs, reproducibility, errors ----------------------
SQ="$SRC/scenarios/sequential-VR.yaml"
for r in a b; do
    (cd "$T" && "$M" run "$SQ" -o "sq$r" --seed 3 -q --set horizon_days=120) || bad "sequential-VR run failed"
done
for f in timeseries.csv events.csv observations.csv summary.json; do
    if cmp -s "$T/sqa/$f" "$T/sqb/$f"; then ok; else bad "sequential-VR $f differs between identical runs"; fi
done
head -1 "$T/sqa/observations.csv" | grep -qx 't_days,assay,quantity,value' && ok || bad "observations header"
# monthly electrophoresis from day 0 to day 112 (5 visits), marrow at day 0 (line start)
n=$(grep -c ',spep,mprotein_g_dl,' "$T/sqa/observations.csv")
[ "$n" -eq 5 ] && ok || bad "expected 5 electrophoresis readings in 120 days, got $n"
grep -q '^0,marrow,mrd_positive,' "$T/sqa/observations.csv" && ok || bad "no marrow at the line start"
grep -q '"best_response"' "$T/sqa/summary.json" && ok || bad "summary.json lacks best_response"
for v in "drug_ng_ml:bortezomib" "drug_occupancy:bortezomib" "line" "on_treatment"; do
    if grep -q ",$v," "$T/sqa/timeseries.csv"; then ok; else bad "timeseries.csv lacks $v"; fi
done
# bortezomib 1.3 mg/m2 x 1.8 m2 on days 1, 4, 8, 11 of 21-day cycles: 24 doses in 120 days
n=$(grep -c ',dose,.*drug=bortezomib;mg=2.34' "$T/sqa/events.csv")
[ "$n" -eq 24 ] && ok || bad "expected 24 bortezomib doses of 2.34 mg, got $n"
grep -q ',line_start,' "$T/sqa/events.csv" && ok || bad "events.csv lacks line_start"
for k in '"lines_started"' '"doses"' '"progressions"' '"first_progression_day"'; do
    if grep -q "$k" "$T/sqa/summary.json"; then ok; else bad "summary.json lacks $k"; fi
done
# edit a library drug by name; a dose of an unknown drug; a day past the cycle
expect 0 "ok" "$M" check "$SQ" --set 'drugs[bortezomib].pd.emax=0.4'
expect 2 "drugs\[bortezomb\]: .*did you mean 'bortezomib'" "$M" check "$SQ" --set 'drugs[bortezomb].pd.emax=0.4'
printf 'tumour:\n  clones: [{cells: 1.0e+9}]\nregimens:\n  - name: X\n    cycle_days: 21\n    doses:\n      - {drug: bortezomb, dose: 1.3, days: "1,4"}\nplan:\n  lines: [{phases: [{regimen: X}]}]\n' > "$T/rx.yaml"
expect 2 "rx.yaml:7:.*regimens\[X\].doses\[0\].drug: .*did you mean 'bortezomib'" "$M" check "$T/rx.yaml"
printf 'tumour:\n  clones: [{cells: 1.0e+9}]\nregimens:\n  - name: X\n    cycle_days: 21\n    doses:\n      - {drug: bortezomib, dose: 1.3, days: "1,24"}\nplan:\n  lines: [{phases: [{regimen: X}]}]\n' > "$T/day.yaml"
expect 2 "day 24 is past the end of the 21-day cycle" "$M" check "$T/day.yaml"
printf 'tumour:\n  clones: [{cells: 1.0e+9}]\nregimens:\n  - name: X\n    cycle_days: 21\n    doses:\n      - {drug: bortezomib, dose: 1.3, days: "1-3,x"}\n' > "$T/dayx.yaml"
expect 2 "dayx.yaml:7:.*days" "$M" check "$T/dayx.yaml"
expect 0 "bortezomib" "$M" params

# --- policies read observations only: the policy module cannot see the engine state -----
if grep -q '#include "engine' "$SRC/src/clinic/policy.c" "$SRC/src/clinic/policy.h"; then
    bad "src/clinic/policy.* includes the engine's state"
else ok; fi
printf 'tumour:\n  clones: [{cells: 1.0e+9}]\npolicies:\n  - name: p\n    when: {quantity: tumour_cells, above: 1}\n    do: {action: stop}\n' > "$T/pol.yaml"
expect 2 "pol.yaml:5:.*policies\[0\].when.quantity: 'tumour_cells' is not an observed quantity" "$M" check "$T/pol.yaml"
printf 'tumour:\n  clones: [{cells: 1.0e+9}]\npolicies:\n  - name: p\n    when: {quantity: mrd_positive}\n    do: {action: stop}\n' > "$T/pol2.yaml"
expect 2 "policies\[0\].when: give a threshold" "$M" check "$T/pol2.yaml"

# --- patient variability: a distribution in place of a number ---------------------
printf 'tumour:\n  clones:\n    - cells: 1.0e+9\n      birth: {lognormal: {median: 0.05, sd_log: 0.3}}\n' > "$T/var.yaml"
expect 0 "1 key varying between patients" "$M" check "$T/var.yaml"
"$M" run "$T/var.yaml" -o "$T/var" --seed 7 --replicates 3 -q || bad "run with a distribution failed"
n=$(grep -c '"drawn": {"tumour.clones\[0\].birth": ' "$T/var/summary.json")
[ "$n" -eq 3 ] && ok || bad "summary.json: $n replicates with drawn values, expected 3"
grep -q '"birth": {"lognormal": {"median": 0.05, "sd_log": 0.3}}' "$T/var/run.json" && ok || bad "run.json lacks the distribution"
grep -q '"drawn"' "$T/a_hybrid/summary.json" && bad "summary.json without distributions has drawn values" || ok
expect 0 "ok" "$M" check "$T/var.yaml" --set 'tumour.clones[0].birth=0.04'
expect 2 "only be given in the scenario file" "$M" check "$T/var.yaml" --set 'tumour.clones[0].birth={uniform: {min: 0, max: 1}}'
printf 'tumour:\n  clones:\n    - cells: 1.0e+9\n      birth: {lognorml: {median: 0.05, sd_log: 0.3}}\n' > "$T/var2.yaml"
expect 2 "var2.yaml:4:15: tumour.clones\[0\].birth: unknown distribution 'lognorml'; did you mean 'lognormal'?" "$M" check "$T/var2.yaml"
expect 0 "may give a distribution" "$M" params

# --- cohort: outputs, the same files for any thread count, bad arguments -----------
RC="$SRC/scenarios/resistance-crbn.yaml"
"$M" cohort "$RC" -n 20 -j 1 --seed 4 -o "$T/co1" -q --set horizon_days=1200 || bad "cohort failed"
"$M" cohort "$RC" -n 20 -j 2 --seed 4 -o "$T/co2" -q --set horizon_days=1200 || bad "cohort -j 2 failed"
for f in patients.csv km.csv summary.json run.json; do
    [ -s "$T/co1/$f" ] && ok || bad "cohort wrote no $f"
done
for f in patients.csv km.csv summary.json; do
    cmp -s "$T/co1/$f" "$T/co2/$f" && ok || bad "cohort $f differs between -j 1 and -j 2"
done
head -1 "$T/co1/patients.csv" | grep -q '^patient,arm,entry_day,followup_days,followup_end,best_response,ttr_days,dor_days,dor_event,pfs_days,pfs_event,' &&
    ok || bad "patients.csv header"
n=$(($(wc -l < "$T/co1/patients.csv") - 1))
[ "$n" -eq 20 ] && ok || bad "patients.csv: expected 20 patients, got $n"
head -1 "$T/co1/km.csv" | grep -qx 'arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper' && ok || bad "km.csv header"
grep -q '"median_days"' "$T/co1/summary.json" && ok || bad "summary.json lacks median_days"
grep -q '"patients": 20,' "$T/co2/run.json" && ok || bad "run.json lacks the patient count"
ls -a "$T/co1" | grep -q partial && bad "cohort left partial files" || ok
# patient 2 of a cohort is replicate 2 of a run: the same progression day
"$M" run "$RC" -r 3 --seed 4 -o "$T/corun" -q --set horizon_days=1200
want=$(grep -o '"first_progression_day": [0-9.]*' "$T/corun/summary.json" | sed -n 3p | cut -d' ' -f2)
got=$(awk -F, 'NR == 4 { print $10 }' "$T/co1/patients.csv")
[ -n "$want" ] && [ "$want" = "$got" ] && ok || bad "cohort patient 2 PFS '$got', run replicate 2 progression '$want'"
expect 0 "outputs in $T/co3/" "$M" cohort "$RC" -n 3 --seed 1 -o "$T/co3" --set horizon_days=100
expect 2 "patients" "$M" cohort "$RC" -n 0 -o "$T/x"
expect 2 "patients" "$M" cohort "$RC" -n 12x -o "$T/x"
expect 2 "threads" "$M" cohort "$RC" -j -1 -o "$T/x"
expect 2 "expected exactly one SCENARIO" "$M" cohort
expect 2 "did you mean" "$M" cohort "$RC" --set tumour.clones[0].birht=1 -o "$T/x"
expect 1 "afile" "$M" cohort "$RC" -n 2 -o "$T/afile/sub" --seed 1 -q
[ -e "$T/x" ] && bad "a refused cohort created an output dir" || ok
expect 0 "patients.csv" "$M" help cohort

# --- other commands ----------------------------------------------------------------
expect 0 "^marrow [0-9]" "$M" --version
expect 0 "usage" "$M" --help
expect 0 "replicates" "$M" help run
expect 0 "ok" "$M" check "$BD"
expect 0 "| \`tumour.clones\[\].birth\` |" "$M" params --markdown
expect 0 "1/day" "$M" params

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
