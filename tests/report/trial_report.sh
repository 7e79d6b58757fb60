#!/bin/sh
# The trial report of `marrow cohort` in a real browser: headless Chromium must draw
# every chart without a script error, an arm name holding <script> markup must come
# out as text, and `marrow report DIR` must rebuild the same page.  Screenshots
# (trial.png, trial-one-arm.png) go to OUT_DIR for a person to look at.
# usage: trial_report.sh MARROW_BINARY SOURCE_DIR OUT_DIR
. "$(dirname "$0")/browser.inc"

# --- two CAR-T arms, one named with markup; trajectories for the spider plot -------
evil='<script>alert(1)</script>'
sed "s|^    - name: BCMA CAR\$|    - name: \"$evil BCMA \& co\"|" \
    "$SRC/scenarios/trial-dual-vs-bcma.yaml" >"$T/evil.yaml"
grep -q -F "$evil" "$T/evil.yaml" || bad "the scenario's arm was not renamed"
"$M" cohort "$T/evil.yaml" -n 30 --seed 2 -j 2 -q --trajectories 6 -o "$T/trial" ||
    bad "cohort failed"
"$M" report "$T/trial" || bad "marrow report failed"
for f in report.html report.json; do
    if [ -s "$T/trial/$f" ]; then ok; else bad "trial: no $f"; fi
done
no_external trial "$T/trial/report.html"
for id in summary pfs os response swimmer spider relapse cmax; do
    if grep -q "\"id\": \"$id\"" "$T/trial/report.json"; then ok; else bad "trial: no block $id"; fi
done
# Summary table, then 7 charts: PFS, OS, responses, swimmer, spider, relapse, Cmax.
check trial "$T/trial" 7 5600
# The arm name is text everywhere: never markup in the file or in the live DOM (the
# JSON inside the page writes '<' as \u003c), and shown escaped in the header and
# tables the page built with textContent.
if grep -q -F "$evil" "$T/trial/report.html"; then
    bad "trial: the arm name reached report.html unescaped"
else
    ok
fi
if grep -q -F '<script>alert' "$T/trial.dom"; then
    bad "trial: '<script>alert' is markup in the rendered page"
else
    ok
fi
if grep -q -F '&lt;script&gt;alert(1)&lt;/script&gt; BCMA &amp; co' "$T/trial.dom"; then
    ok
else
    bad "trial: the escaped arm name is not shown on the page"
fi

# --- `marrow report DIR` rebuilds the same files -----------------------------------
cp "$T/trial/report.html" "$T/first.html"
rm "$T/trial/report.json"
"$M" report "$T/trial" || bad "second marrow report failed"
if cmp -s "$T/first.html" "$T/trial/report.html"; then ok; else bad "report DIR differs"; fi

# --- a broken cohort: an error naming the file, no page ------------------------------
mkdir "$T/broken"
cp "$T/trial/run.json" "$T/trial/summary.json" "$T/trial/patients.csv" "$T/broken/"
out=$("$M" report "$T/broken" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q "km.csv"; then
    ok
else
    bad "report without km.csv: rc $rc, '$out'"
fi
if [ -e "$T/broken/report.html" ]; then bad "broken: a report.html was written"; else ok; fi

# --- one arm, no CAR-T, no trajectories: no spider or Cmax chart -----------------------
"$M" cohort "$SRC/scenarios/tce-standard.yaml" -n 100 --seed 3 -q -o "$T/one" ||
    bad "one-arm cohort failed"
rm -f "$T/one/trajectories.csv" "$T/one/report.html"
"$M" report "$T/one" || bad "one-arm report failed"
if grep -q '"id": "spider"\|"id": "cmax"' "$T/one/report.json"; then
    bad "one arm: a spider or Cmax chart without their data"
else
    ok
fi
check trial-one-arm "$T/one" 5 4200

echo "trial report tests: $passes passed, $fails failed; screenshots in $OUT"
[ "$fails" -eq 0 ]
