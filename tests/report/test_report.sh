#!/bin/sh
# report.html in a real browser: headless Chromium must draw every chart without a
# script error, user text must come out escaped, and `marrow report DIR` must
# rebuild the same page.  Screenshots go to OUT_DIR for a person to look at.
# usage: test_report.sh MARROW_BINARY SOURCE_DIR OUT_DIR
. "$(dirname "$0")/browser.inc"

# --- the default scenario ---------------------------------------------------------
"$M" run "$SRC/scenarios/default.yaml" -o "$T/default" --seed 7 -q || bad "run default failed"
for f in report.html report.json; do
    if [ -s "$T/default/$f" ]; then ok; else bad "default: no $f"; fi
done
no_external default "$T/default/report.html"
check default "$T/default" 6

# --- `marrow report DIR` rebuilds the same files -----------------------------------
cp "$T/default/report.html" "$T/first.html"
rm "$T/default/report.json"
"$M" report "$T/default" || bad "marrow report failed"
if cmp -s "$T/first.html" "$T/default/report.html"; then ok; else bad "report DIR differs"; fi
if [ -s "$T/default/report.json" ]; then ok; else bad "report DIR: no report.json"; fi
out=$("$M" report "$T/nowhere" 2>&1); rc=$?
if [ "$rc" -eq 1 ] && printf '%s' "$out" | grep -q "run.json: cannot open"; then
    ok
else
    bad "report of a missing dir: rc $rc, '$out'"
fi

# --- hostile scenario name, two replicates -----------------------------------------
evil='<script>alert(1)</script>'
"$M" run "$SRC/scenarios/default.yaml" -o "$T/evil" --seed 7 -q -r 2 --set "name=$evil" ||
    bad "run evil failed"
if grep -q -F "$evil" "$T/evil/report.html"; then
    bad "evil: the scenario name reached the HTML unescaped"
else
    ok
fi
if grep -q -F '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/evil/report.html"; then
    ok
else
    bad "evil: the escaped name is not in the header"
fi
if grep -q 'Only replicate 0 of this run.s 2' "$T/evil/report.json"; then
    ok
else
    bad "evil: no replicate note"
fi
check evil "$T/evil" 6

# --- a treated patient: burden and M-protein fall over many decades to zero ----------
# (before the C code fixed whole-decade ranges and floors, uPlot threw on this page)
"$M" run "$SRC/scenarios/dvrd-asct.yaml" -o "$T/treated" --seed 3 -q || bad "run treated failed"
check treated "$T/treated" 6

# --- CAR-T with antigen loss: every kind of patient chart ----------------------------
# (Muller plot, burden, M-protein, FLC, CAR-T kinetics and phenotypes, antigen
# density, clone tree, timeline)
"$M" run "$SRC/scenarios/cart-bcma-antigen-loss.yaml" -o "$T/cart" --seed 11 -q ||
    bad "run cart failed"
check cart "$T/cart" 9 6000
if grep -q '"colour_by": "BCMA_density x copies/2' "$T/cart/report.json"; then
    ok
else
    bad "cart: clones are not coloured by the targeted antigen's density"
fi
"$M" report --colour-by pdl1 "$T/cart" || bad "report --colour-by pdl1 failed"
if grep -q '"colour_by": "pdl1"' "$T/cart/report.json"; then ok; else bad "--colour-by ignored"; fi
out=$("$M" report --colour-by nonsense "$T/cart" 2>&1); rc=$?
if [ "$rc" -eq 2 ] && printf '%s' "$out" | grep -q "'nonsense' is not a trait column"; then
    ok
else
    bad "--colour-by nonsense: rc $rc, '$out'"
fi

echo "report tests: $passes passed, $fails failed; screenshots in $OUT"
[ "$fails" -eq 0 ]
