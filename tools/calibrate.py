#!/usr/bin/env python3
"""Calibrate a marrow scenario to published trial targets.

A repeatable procedure instead of hand-tuning (docs/validation.md, "Calibration"):

1. Targets come from the scenario's header, one per line:

       # target: orr 0.73 n=128                     (a proportion and the trial's n)
       # target: pfs_median_months 8.8 ci=5.6,11.6  (a median and its 95% CI)
       # target: pfs_12m 0.766 ci=0.660,0.843       (a landmark and its 95% CI)

   or from a JSON file (--targets FILE: {"orr": {"value": 0.73, "n": 128}, ...}).
   Metrics: orr (>= PR), vgpr, cr (>= CR), scr, mrd_negative, crs_any,
   crs_grade3plus, pfs_median_months, os_median_months, dor_median_months
   (responders), pfs_6m, pfs_12m, pfs_24m, os_12m; within a level of a binary
   covariate, orr@NAME=0|1 and pfs_median_months@NAME=0|1.
2. Parameters to fit (--param, any number of them):

       KEY=LO:HI[:START][:log]     a scenario key, given to marrow as --set KEY=value
       @NAME=LO:HI[:START][:log]   a number in the file marked "# ... @NAME" at the
                                   end of its line (e.g. a distribution's median or
                                   sd_log, or a covariate's effect, which --set
                                   cannot reach); it is replaced in a temporary copy
                                   of the scenario (lines sharing a mark share the
                                   value)

   `log` searches the range on a log scale.  START defaults to the value in the
   file (marked numbers) or the middle of the range.
3. Every evaluation runs `marrow cohort` with the same seed, so patient i draws
   the same random numbers at every point (common random numbers): differences
   between points are the parameters' doing, not noise.
4. The objective is the sum of squared z-scores, z = (model - target) / SE with
   SE^2 = SE_model^2 + SE_trial^2: a proportion's SE from its own count
   (p(1-p)/n, for the model with its cohort size, for the trial with the trial's
   n, or from the published CI as (hi - lo) / 3.92); a median's on the log scale
   from the 95% CI (ln hi - ln lo) / 3.92 (the model's Brookmeyer-Crowley CI from
   summary.json); a landmark's from the model's Kaplan-Meier CI.  A median the
   model does not reach counts as the horizon with the trial's SE alone.
5. A Nelder-Mead simplex (the parameters scaled to [0, 1], clamped to their
   ranges) minimises it within --budget evaluations; repeated points are not run
   again.  Every evaluation is a row of --log (CSV).
6. The best point is run again with --confirm patients (same seed) and printed
   with the model's values, intervals and z-scores, and the `marrow cohort`
   command that reproduces it.  --write rounds the best values to 3 significant
   digits, writes the marked ones into the scenario file (the --set ones are
   printed for the file's author) and confirms the rounded point.

Python 3 standard library only.
"""

import argparse
import csv
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

DAYS_PER_MONTH = 30.4375
Z95 = 1.959963984540054

PROPORTIONS = {
    "orr": ("response", "pr_or_better"),
    "vgpr": ("response", "vgpr_or_better"),
    "cr": ("response", "cr_or_better"),
    "scr": ("response", "scr"),
    "mrd_negative": ("response", "mrd_negative"),
    "crs_any": ("toxicity", "crs_any"),
    "crs_grade3plus": ("toxicity", "crs_grade3plus"),
}
MEDIANS = {"pfs_median_months": "pfs", "os_median_months": "os",
           "dor_median_months": "dor"}  # dor: among responders (>= PR), from the response
LANDMARKS = {"pfs_6m": ("pfs", 6), "pfs_12m": ("pfs", 12), "pfs_24m": ("pfs", 24),
             "os_12m": ("os", 12)}
METRICS = list(PROPORTIONS) + list(MEDIANS) + list(LANDMARKS)
# Within one level of a binary covariate (summary.json arms[0].covariates[].levels):
# "orr@emd=1", "pfs_median_months@emd=1".
LEVEL_METRICS = {"orr": "pr_or_better", "pfs_median_months": "pfs_median"}


def split_metric(name):
    """'pfs_median_months@emd=1' -> ('pfs_median_months', 'emd', 1); plain -> (name, None, None)."""
    m = re.match(r"^([a-z0-9_]+)@([A-Za-z0-9_]+)=([01])$", name)
    if m:
        return m.group(1), m.group(2), int(m.group(3))
    return name, None, None


def known_metric(name):
    base, cov, _ = split_metric(name)
    return base in LEVEL_METRICS if cov else base in METRICS


def die(msg):
    sys.stderr.write("calibrate.py: %s\n" % msg)
    sys.exit(2)


# ----------------------------------------------------------------------------
# Targets


def parse_target_line(text, where):
    """'orr 0.73 n=128' or 'pfs_median_months 8.8 ci=5.6,11.6' -> (name, dict)."""
    words = text.split()
    if len(words) < 2:
        die("%s: a target needs a metric and a value" % where)
    name = words[0]
    if not known_metric(name):
        die("%s: unknown metric '%s' (one of: %s; orr@COV=0|1 and "
            "pfs_median_months@COV=0|1 within a binary covariate's level)"
            % (where, name, ", ".join(METRICS)))
    try:
        t = {"value": float(words[1])}
        for w in words[2:]:
            if w.startswith("n="):
                t["n"] = int(w[2:])
            elif w.startswith("ci="):
                lo, hi = w[3:].split(",")
                t["ci"] = [float(lo), float(hi)]
            elif w.startswith("weight="):
                t["weight"] = float(w[7:])
            else:
                break  # the rest is a comment (source)
    except ValueError:
        die("%s: cannot read '%s'" % (where, text.strip()))
    return name, t


def read_targets(scenario, targets_file):
    targets = {}
    if targets_file:
        with open(targets_file) as f:
            data = json.load(f)
        for name, t in data.items():
            if not known_metric(name):
                die("%s: unknown metric '%s'" % (targets_file, name))
            targets[name] = t
    else:
        with open(scenario) as f:
            for i, line in enumerate(f, 1):
                m = re.match(r"\s*#\s*target:\s*(.*)$", line)
                if m:
                    name, t = parse_target_line(m.group(1), "%s:%d" % (scenario, i))
                    targets[name] = t
    if not targets:
        die("%s: no '# target:' lines (or give --targets FILE)" % scenario)
    for name, t in targets.items():
        base = split_metric(name)[0]
        if base in MEDIANS and "ci" not in t:
            die("target %s needs ci=LO,HI (its SE comes from the CI)" % name)
        if (base in PROPORTIONS or base in LANDMARKS) and "n" not in t and "ci" not in t:
            die("target %s needs n=N or ci=LO,HI" % name)
    return targets


def trial_se(name, t):
    """SE of the published value, on the scale z is computed on."""
    if split_metric(name)[0] in MEDIANS:
        lo, hi = t["ci"]
        return (math.log(hi) - math.log(lo)) / (2 * Z95)
    if "ci" in t:
        lo, hi = t["ci"]
        return (hi - lo) / (2 * Z95)
    p = t["value"]
    return math.sqrt(max(p * (1 - p), 0.25 / t["n"]) / t["n"])


# ----------------------------------------------------------------------------
# Parameters


class Param:
    def __init__(self, spec):
        m = re.match(r"^(@?[^=]+)=(.*)$", spec)
        if not m:
            die("--param %s: expected KEY=LO:HI[:START][:log]" % spec)
        self.name = m.group(1)
        self.marked = self.name.startswith("@")
        parts = m.group(2).split(":")
        self.log = parts[-1] == "log"
        if self.log:
            parts = parts[:-1]
        try:
            nums = [float(x) for x in parts]
        except ValueError:
            die("--param %s: LO, HI and START must be numbers" % spec)
        if len(nums) not in (2, 3) or not nums[0] < nums[1]:
            die("--param %s: need LO < HI" % spec)
        if self.log and nums[0] <= 0:
            die("--param %s: a log range needs LO > 0" % spec)
        self.lo, self.hi = nums[0], nums[1]
        self.start = nums[2] if len(nums) == 3 else None

    def to_unit(self, x):
        if self.log:
            return (math.log(x) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        return (x - self.lo) / (self.hi - self.lo)

    def from_unit(self, u):
        u = min(1.0, max(0.0, u))
        if self.log:
            return math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))
        return self.lo + u * (self.hi - self.lo)


MARK_RE = r"^(\s*[^#\n]*?:\s*)([-+]?[0-9][0-9.]*(?:[eE][-+]?[0-9]+)?)(\s*#.*@%s\b.*)$"


def marked_value(text, name):
    """The number marked @name (several lines may carry the same mark: they are one
    parameter and must agree)."""
    hits = re.findall(MARK_RE % re.escape(name), text, flags=re.M)
    if not hits:
        die("@%s: no line 'key: NUMBER  # ... @%s' in the scenario" % (name, name))
    values = set(float(h[1]) for h in hits)
    if len(values) != 1:
        die("@%s: the %d marked lines disagree (%s)" % (name, len(hits),
                                                       ", ".join(h[1] for h in hits)))
    return values.pop()


def substitute(text, values):
    """Replace each marked number, keeping the comment in its column when there is
    room."""
    def repl(m, x):
        num, rest = repr_num(x), m.group(3)
        pad = len(m.group(2)) + (len(rest) - len(rest.lstrip())) - len(num)
        return m.group(1) + num + " " * max(1, pad) + rest.lstrip()

    for name, x in values.items():
        text = re.sub(MARK_RE % re.escape(name), lambda m, x=x: repl(m, x), text, flags=re.M)
    return text


def repr_num(x):
    s = "%.6g" % x
    if "e" in s:  # YAML 1.1 readers need the 1.0e+10 form
        mant, exp = s.split("e")
        if "." not in mant:
            mant += ".0"
        s = "%se%+03d" % (mant, int(exp))
    return s


# ----------------------------------------------------------------------------
# Evaluation


class Evaluator:
    def __init__(self, args, params, targets):
        self.args = args
        self.params = params
        self.targets = targets
        with open(args.scenario) as f:
            self.text = f.read()
        self.tmp = tempfile.mkdtemp(prefix="calibrate-")
        self.cache = {}
        self.count = 0
        self.best = None
        self.log = open(args.log, "w", newline="") if args.log else None
        self.writer = None

    def close(self):
        if self.log:
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def command(self, values, n, out, scenario):
        cmd = [self.args.marrow, "cohort", scenario, "-n", str(n), "-j", str(self.args.threads),
               "-q", "-o", out, "--seed", str(self.args.seed)]
        for p in self.params:
            if not p.marked:
                cmd += ["--set", "%s=%s" % (p.name, repr_num(values[p.name]))]
        for s in self.args.set or []:
            cmd += ["--set", s]
        return cmd

    def scenario_for(self, values):
        marked = {p.name[1:]: values[p.name] for p in self.params if p.marked}
        if not marked:
            return self.args.scenario
        path = os.path.join(self.tmp, os.path.basename(self.args.scenario))
        with open(path, "w") as f:
            f.write(substitute(self.text, marked))
        return path

    def run(self, values, n, phase):
        key = (n, tuple(round(values[p.name], 12) for p in self.params))
        if key in self.cache:
            return self.cache[key]
        out = os.path.join(self.tmp, "eval")
        shutil.rmtree(out, ignore_errors=True)
        scenario = self.scenario_for(values)
        cmd = self.command(values, n, out, scenario)
        t0 = time.time()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode == 2 and phase == "search" and self.count > 0:
            # the point itself is invalid (a drawn patient outside a key's range):
            # an infinite objective steers the search away from it
            sys.stderr.write("calibrate.py: point rejected: %s\n" % r.stderr.strip().splitlines()[-1])
            metrics = {t: {"value": math.nan, "lo": None, "hi": None, "se": 0.0}
                       for t in self.targets}
            obj, zs = math.inf, {t: math.nan for t in self.targets}
        elif r.returncode != 0:
            die("marrow failed (%d): %s\n%s" % (r.returncode, " ".join(map(shlex.quote, cmd)),
                                                r.stderr.strip()))
        else:
            metrics = read_metrics(out, self.targets)
            obj, zs = objective(metrics, self.targets)
        self.count += 1
        res = {"values": dict(values), "metrics": metrics, "z": zs, "objective": obj,
               "seconds": time.time() - t0, "n": n, "phase": phase}
        self.cache[key] = res
        if phase == "search" and (self.best is None or obj < self.best["objective"]):
            self.best = res
        self.write_row(res)
        if not self.args.quiet:
            sys.stderr.write("%3d %-7s %s -> %s  obj %.3f\n" % (
                self.count, phase, fmt_values(values, self.params),
                fmt_metrics(metrics, self.targets), obj))
        return res

    def write_row(self, res):
        if not self.log:
            return
        names = [p.name for p in self.params]
        tnames = list(self.targets)
        if self.writer is None:
            self.writer = csv.writer(self.log)
            self.writer.writerow(["eval", "phase", "patients", "seed"] + names + tnames +
                                 ["z_" + t for t in tnames] + ["objective", "seconds"])
        self.writer.writerow([self.count, res["phase"], res["n"], self.args.seed] +
                             [repr_num(res["values"][k]) for k in names] +
                             ["%.6g" % res["metrics"][t]["value"] for t in tnames] +
                             ["%.4f" % res["z"][t] for t in tnames] +
                             ["%.6g" % res["objective"], "%.2f" % res["seconds"]])
        self.log.flush()


def read_metrics(out, targets):
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    arm = s["arms"][0]
    horizon = s["horizon_days"]
    n = arm["patients"]
    m = {}
    for name in targets:
        base, cov, level = split_metric(name)
        if cov is not None:
            m[name] = level_metric(arm, base, cov, level, horizon)
        elif name in PROPORTIONS:
            group, key = PROPORTIONS[name]
            if key in arm.get(group, {}):
                x = arm[group][key]
                p, lo, hi = x["fraction"], x["wilson95"][0], x["wilson95"][1]
            elif key == "scr":  # summaries without the sCR rate: count patients.csv
                with open(os.path.join(out, "patients.csv")) as f:
                    rows = list(csv.DictReader(f))
                p = sum(r["best_response"] == "sCR" for r in rows) / len(rows)
                lo = hi = None
            else:
                die("summary.json has no %s.%s" % (group, key))
            se = math.sqrt(max(p * (1 - p), 0.25 / n) / n)
            m[name] = {"value": p, "lo": lo, "hi": hi, "se": se}
        elif name in MEDIANS:
            e = arm[MEDIANS[name]]
            lo, hi = e["median_ci95"]
            m[name] = median_metric(e["median_days"], lo, hi, horizon)
        else:
            endpoint, months = LANDMARKS[name]
            lm = [x for x in arm[endpoint]["landmarks"] if x["months"] == months]
            if not lm or lm[0]["surv"] is None:
                die("%s: the %d-month landmark is not estimable (horizon %g days)"
                    % (name, months, horizon))
            x = lm[0]
            lo, hi = x["ci95"]
            se = (hi - lo) / (2 * Z95) if lo is not None and hi is not None else 0.0
            m[name] = {"value": x["surv"], "lo": lo, "hi": hi, "se": se}
    return m


def median_metric(med, lo, hi, horizon):
    """A median in days and its CI -> months with an SE of ln(median)."""
    if med is None:  # not reached: at least the horizon
        return {"value": horizon / DAYS_PER_MONTH, "lo": None, "hi": None, "se": 0.0,
                "reached": False}
    ses = []
    if lo is not None and lo > 0:
        ses.append(math.log(med) - math.log(lo))
    if hi is not None and hi > 0:
        ses.append(math.log(hi) - math.log(med))
    return {"value": med / DAYS_PER_MONTH, "lo": None if lo is None else lo / DAYS_PER_MONTH,
            "hi": None if hi is None else hi / DAYS_PER_MONTH,
            "se": max(ses) / Z95 if ses else 0.0, "reached": True}


def level_metric(arm, base, cov, level, horizon):
    covs = [c for c in arm.get("covariates", []) if c.get("name") == cov]
    if not covs or "levels" not in covs[0]:
        die("summary.json has no levels of a binary covariate '%s'" % cov)
    lv = [x for x in covs[0]["levels"] if x["value"] == level]
    if not lv:
        die("covariate %s has no patients at level %d" % (cov, level))
    lv = lv[0]
    if base == "orr":
        x, n = lv["pr_or_better"], lv["patients"]
        p = x["fraction"]
        return {"value": p, "lo": x["wilson95"][0], "hi": x["wilson95"][1],
                "se": math.sqrt(max(p * (1 - p), 0.25 / n) / n)}
    lo, hi = lv["pfs_median_ci95"]
    return median_metric(lv["pfs_median_days"], lo, hi, horizon)


def objective(metrics, targets):
    total, zs = 0.0, {}
    for name, t in targets.items():
        x = metrics[name]
        st = trial_se(name, t)
        if split_metric(name)[0] in MEDIANS:
            d = math.log(x["value"]) - math.log(t["value"])
        else:
            d = x["value"] - t["value"]
        z = d / math.sqrt(x["se"] ** 2 + st ** 2)
        zs[name] = z
        total += t.get("weight", 1.0) * z * z
    return total, zs


def fmt_values(values, params):
    return " ".join("%s=%s" % (p.name, repr_num(values[p.name])) for p in params)


def fmt_metrics(metrics, targets):
    return " ".join("%s=%.3g" % (k, metrics[k]["value"]) for k in targets)


# ----------------------------------------------------------------------------
# Nelder-Mead on the unit cube


def nelder_mead(f, x0, step, budget, tol, evals):
    """Minimise f over [0,1]^d from x0.  evals() gives the evaluations spent so far
    (repeated points are free, so the loop also stops when the simplex collapses)."""
    d = len(x0)
    clamp = lambda x: [min(1.0, max(0.0, v)) for v in x]
    simplex = [clamp(x0)]
    for i in range(d):
        x = list(x0)
        x[i] = x[i] + step if x[i] + step <= 1.0 else x[i] - step
        simplex.append(clamp(x))
    fs = [f(x) for x in simplex]
    while evals() < budget:
        order = sorted(range(d + 1), key=lambda i: fs[i])
        simplex = [simplex[i] for i in order]
        fs = [fs[i] for i in order]
        size = max(max(abs(a - b) for a, b in zip(x, simplex[0])) for x in simplex[1:])
        if size < tol:
            break
        c = [sum(x[j] for x in simplex[:-1]) / d for j in range(d)]
        w = simplex[-1]
        xr = clamp([c[j] + (c[j] - w[j]) for j in range(d)])
        fr = f(xr)
        if fr < fs[0]:
            xe = clamp([c[j] + 2 * (c[j] - w[j]) for j in range(d)])
            fe = f(xe)
            simplex[-1], fs[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < fs[-2]:
            simplex[-1], fs[-1] = xr, fr
        else:
            if fr < fs[-1]:
                xc = clamp([c[j] + 0.5 * (xr[j] - c[j]) for j in range(d)])
            else:
                xc = clamp([c[j] + 0.5 * (w[j] - c[j]) for j in range(d)])
            fc = f(xc)
            if fc < min(fr, fs[-1]):
                simplex[-1], fs[-1] = xc, fc
            else:  # shrink towards the best
                for i in range(1, d + 1):
                    simplex[i] = [simplex[0][j] + 0.5 * (simplex[i][j] - simplex[0][j])
                                  for j in range(d)]
                    fs[i] = f(simplex[i])
    i = min(range(len(fs)), key=lambda k: fs[k])
    return simplex[i], fs[i]


# ----------------------------------------------------------------------------


def report(res, targets, params, title):
    print(title)
    print("  patients %d, seed %s, objective %.3f (sum of z^2 over %d targets)"
          % (res["n"], ARGS.seed, res["objective"], len(targets)))
    print("  parameters: " + fmt_values(res["values"], params))
    print("  %-26s %10s %26s %10s %8s" % ("target", "published", "model [95% CI]", "SE total", "z"))
    for name, t in targets.items():
        x = res["metrics"][name]
        ci = "[%s, %s]" % ("-" if x["lo"] is None else "%.3g" % x["lo"],
                           "-" if x["hi"] is None else "%.3g" % x["hi"])
        val = "%.3g%s" % (x["value"], "" if x.get("reached", True) else "+")
        se = math.sqrt(x["se"] ** 2 + trial_se(name, t) ** 2)
        print("  %-26s %10.3g %26s %10.3g %8.2f" % (name, t["value"], val + " " + ci, se,
                                                   res["z"][name]))


def main():
    global ARGS
    ap = argparse.ArgumentParser(
        description="Fit scenario parameters to trial targets (sum of squared z-scores, "
                    "Nelder-Mead, common random numbers).",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("scenario")
    ap.add_argument("--param", action="append", required=True,
                    help="KEY=LO:HI[:START][:log] or @MARK=LO:HI[:START][:log]")
    ap.add_argument("--set", action="append", help="a fixed --set KEY=VALUE for every run")
    ap.add_argument("--targets", help="JSON targets instead of the '# target:' lines")
    ap.add_argument("-n", "--patients", type=int, default=200,
                    help="patients per search evaluation (default 200)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", type=int, default=30,
                    help="search evaluations (default 30; 0 = evaluate the start point only)")
    ap.add_argument("--step", type=float, default=0.25,
                    help="initial simplex step in unit-cube coordinates (default 0.25)")
    ap.add_argument("--tol", type=float, default=0.01,
                    help="stop when the simplex is smaller than this (unit cube)")
    ap.add_argument("--confirm", type=int, default=1000,
                    help="patients of the final confirming run (0 = none; default 1000)")
    ap.add_argument("--write", action="store_true",
                    help="round the best values to 3 digits and write the marked ones into "
                         "the scenario file")
    ap.add_argument("-j", "--threads", type=int, default=2)
    ap.add_argument("--log", help="CSV of every evaluation")
    ap.add_argument("--marrow", default=None, help="the marrow binary (default: build/release/marrow, "
                    "else marrow on PATH)")
    ap.add_argument("-q", "--quiet", action="store_true")
    ARGS = args = ap.parse_args()

    if args.marrow is None:
        here = os.path.dirname(os.path.abspath(__file__))
        cand = os.path.join(here, "..", "build", "release", "marrow")
        args.marrow = cand if os.access(cand, os.X_OK) else (shutil.which("marrow") or "marrow")
    if args.patients < 1 or args.budget < 0:
        die("--patients must be >= 1 and --budget >= 0")
    targets = read_targets(args.scenario, args.targets)
    params = [Param(s) for s in args.param]
    with open(args.scenario) as f:
        text = f.read()
    for p in params:
        if p.start is None:
            p.start = marked_value(text, p.name[1:]) if p.marked else None
        if p.start is not None:
            p.start = min(p.hi, max(p.lo, p.start))
    ev = Evaluator(args, params, targets)
    try:
        def f(u):
            values = {p.name: p.from_unit(x) for p, x in zip(params, u)}
            return ev.run(values, args.patients, "search")["objective"]

        x0 = [p.to_unit(p.start) if p.start is not None else 0.5 for p in params]
        if args.budget == 0:  # evaluate the start point only
            f(x0)
        else:
            nelder_mead(f, x0, args.step, args.budget, args.tol, lambda: ev.count)
        best = ev.best
        report(best, targets, params, "best of %d search evaluations:" % ev.count)
        if args.write:
            best = dict(best)
            best["values"] = {k: float("%.3g" % v) for k, v in best["values"].items()}
            marked = {p.name[1:]: best["values"][p.name] for p in params if p.marked}
            if marked:
                with open(args.scenario, "w") as f:
                    f.write(substitute(text, marked))
                print("wrote %s into %s" % (" ".join("@%s=%s" % (k, repr_num(v))
                                                     for k, v in marked.items()), args.scenario))
        if args.confirm > 0:
            res = ev.run(best["values"], args.confirm, "confirm")
            report(res, targets, params, "confirmed with %d patients:" % args.confirm)
        cmd = ev.command(best["values"], args.confirm or args.patients, "OUT", args.scenario)
        marked = [p for p in params if p.marked]
        print("reproduce: " + " ".join(shlex.quote(c) for c in cmd))
        if marked:
            print("  with the marked numbers in %s set to: %s" % (
                args.scenario, " ".join("%s=%s" % (p.name, repr_num(best["values"][p.name]))
                                        for p in marked)))
    finally:
        ev.close()


if __name__ == "__main__":
    main()
