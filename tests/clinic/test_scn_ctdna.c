/* scenarios/ctdna-early-switch.yaml meets the targets in its header: a rising ctDNA
 * VAF of the CRBN-loss subclone sees resistance to lenalidomide maintenance months
 * before IMWG serum progression; switching then (arm A) avoids the serum relapse,
 * switches at a smaller tumour and clears it sooner under Kd than switching at
 * progression (arm B), but with a fixed-duration second line it does not delay the
 * second progression.  Without the subclone the rule never fires. */
#include <gsl/gsl_cdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define SEED   2026
#define N_ARM  200  /* replicates per arm, Kd */
#define N_NONE 1000 /* replicates without the subclone */
#define N_V    100  /* replicates per arm, fixed-duration V */
#define VISIT  28.0 /* days between visits (SPEP and ctDNA) */
#define MARKER 1    /* founder index of the CRBN-loss subclone: vaf:c1 */

typedef struct {
    double rule;    /* day the ctDNA rule fires on this patient's line-1 readings */
    double policy;  /* day the scenario's policy fired */
    double pd1;     /* IMWG progression day of line 1 */
    double switch2; /* start of line 2 */
    double cells2;  /* tumour cells at the start of line 2 */
    double pd2;     /* IMWG progression day of line 2 */
    double extinct; /* day the tumour died out */
} patient_t;

static double
event_time(const mw_sim_t *sim, int kind, int other)
{
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == kind && (other < 0 || (int) e->other == other)) {
            return e->t_days;
        }
    }
    return NAN;
}

/* The policy's condition applied to the readings of vaf:c1 taken before @p until:
 * the last `visits` readings all above the threshold and, with rising, each higher
 * than the one before it (so a rising rule over 2 visits looks at 3 readings). */
static double
rule_day(const mw_sim_t *sim, const mw_policy_t *p, double until)
{
    double v[64];
    int n = 0, need = p->visits + (p->rising ? 1 : 0);
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *o = mw_sim_obs(sim, i);
        if (o->quantity != MW_Q_VAF_CLONE || o->index != MARKER || o->t_days >= until) {
            continue;
        }
        if (n == 64) {
            memmove(v, v + 1, 63 * sizeof(double));
            n = 63;
        }
        v[n++] = o->value;
        int ok = n >= need;
        for (int k = n - p->visits; ok && k < n; k++) {
            ok = v[k] > p->above && (!p->rising || v[k] > v[k - 1]);
        }
        if (ok) {
            return o->t_days;
        }
    }
    return NAN;
}

/* One replicate, visit by visit, recording the tumour when line 2 starts. */
static void
run_patient(const mw_scenario_t *sc, uint32_t rep, patient_t *out)
{
    mw_sim_t *sim;
    mw_therapy_state_t ts;
    mw_line_response_t lr;
    double bm, em;
    assert_int_equal(mw_sim_create(sc, SEED, rep, &sim), 0);
    out->cells2 = NAN;
    for (double t = VISIT; t <= sc->horizon_days; t += VISIT) {
        int ret = mw_sim_run_until(sim, t);
        assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
        mw_sim_therapy(sim, &ts);
        if (ts.line >= 1 && isnan(out->cells2)) {
            mw_sim_tumour(sim, &bm, &em);
            out->cells2 = bm + em;
            /* the switch is a visit's decision, so it falls on this step's end */
            assert_true(event_time(sim, MW_EV_LINE_START, 1) == t);
        }
        if (ret == MW_EXIT_EXTINCT) {
            break;
        }
    }
    out->switch2 = event_time(sim, MW_EV_LINE_START, 1);
    out->policy = event_time(sim, MW_EV_POLICY, -1);
    out->extinct = event_time(sim, MW_EV_TUMOUR_EXTINCT, -1);
    assert_int_equal(mw_sim_line_response(sim, 0, &lr), 0);
    out->pd1 = lr.progression_day;
    assert_int_equal(mw_sim_line_response(sim, 1, &lr), 0);
    out->pd2 = lr.progression_day;
    double until = isnan(out->switch2) ? INFINITY : out->switch2;
    out->rule = rule_day(sim, &sc->monitoring.policies[0], until);
    mw_sim_free(sim);
}

static void
arms(mw_scenario_t *a, mw_scenario_t *b, const char *const *sets)
{
    mw_test_scenario_file(a, "ctdna-early-switch");
    for (int i = 0; sets != NULL && sets[i] != NULL; i++) {
        mw_test_set(a, sets[i]);
    }
    assert_int_equal(a->monitoring.n_policies, 1);
    *b = *a;
    b->monitoring.n_policies = 0; /* standard care: next line at IMWG progression */
}

/* Equal, or both NaN (neither fired). */
static int
same(double x, double y)
{
    return x == y || (isnan(x) && isnan(y));
}

static int
cmp_double(const void *x, const void *y)
{
    double u = *(const double *) x, v = *(const double *) y;
    return (u > v) - (u < v);
}

/* Lead time, the same patient in both arms up to the switch, and the outcome with
 * Kd as the second line. */
static void
test_lead_time_and_outcome(void **state)
{
    (void) state;
    static patient_t pa[N_ARM], pb[N_ARM];
    static double lead[N_ARM], ratio[N_ARM], dext[N_ARM];
    mw_scenario_t a, b;
    arms(&a, &b, NULL);
    int pos = 0, prog_a = 0, prog_b = 0, smaller = 0;
    for (int r = 0; r < N_ARM; r++) {
        run_patient(&a, (uint32_t) r, &pa[r]);
        run_patient(&b, (uint32_t) r, &pb[r]);
        /* arm B's own readings give the day the rule would fire; never firing on
         * line 1 counts as no lead (-inf) */
        double l = pb[r].pd1 - pb[r].rule;
        lead[r] = isnan(l) ? -INFINITY : l;
        pos += lead[r] > 0;
        /* identical patients until arm A acts on the same readings */
        assert_true(same(pa[r].policy, pb[r].rule));
        assert_true(isnan(pa[r].policy) || pa[r].switch2 == pa[r].policy);
        prog_a += !isnan(pa[r].pd1);
        prog_b += !isnan(pb[r].pd1);
        ratio[r] = log10(pb[r].cells2 / pa[r].cells2);
        smaller += ratio[r] > 0;
        assert_false(isnan(pa[r].extinct) || isnan(pb[r].extinct));
        dext[r] = pb[r].extinct - pa[r].extinct;
    }
    /* lead time: the mean over the replicates where the rule fired, the median and
     * the share positive over all */
    static double fin[N_ARM];
    int nf = 0;
    for (int r = 0; r < N_ARM; r++) {
        if (isfinite(lead[r])) {
            fin[nf++] = lead[r];
        }
    }
    double m, sd;
    mw_test_mean_sd(fin, nf, &m, &sd);
    qsort(lead, N_ARM, sizeof(double), cmp_double);
    double median = 0.5 * (lead[N_ARM / 2 - 1] + lead[N_ARM / 2]);
    printf("  lead time: median %g d, mean %.1f d (SD %.1f, %d fired), positive %d/%d\n",
           median, m, sd, nf, pos, N_ARM);
    assert_true(median >= 140);
    assert_true(pos >= 0.95 * N_ARM);
    assert_z(m, 170.0, sd / sqrt(nf), 4.0);

    /* serum relapse on line 1: none in arm A, all in arm B */
    double p1 = (double) prog_b / N_ARM, p2 = (double) prog_a / N_ARM;
    double pp = (prog_a + prog_b) / (2.0 * N_ARM), se = sqrt(2 * pp * (1 - pp) / N_ARM);
    printf("  IMWG progression on line 1: arm A %d/%d, arm B %d/%d, z %.1f\n", prog_a,
           N_ARM, prog_b, N_ARM, (p1 - p2) / se);
    assert_int_equal(prog_a, 0);
    assert_int_equal(prog_b, N_ARM);
    assert_true((p1 - p2) / se >= 4.0);

    /* tumour at the switch: smaller in arm A in every replicate (sign test p = 2^-N) */
    mw_test_mean_sd(ratio, N_ARM, &m, &sd);
    printf(
        "  tumour at the switch: log10(B / A) mean %.3f (SD %.3f), A smaller in %d/%d\n",
        m, sd, smaller, N_ARM);
    assert_int_equal(smaller, N_ARM);
    assert_z(m, 0.93, sd / sqrt(N_ARM), 4.0);

    /* eradication by Kd in both arms, earlier in arm A */
    mw_test_mean_sd(dext, N_ARM, &m, &sd);
    printf("  eradication: arm B - arm A mean %.1f d (SD %.1f)\n", m, sd);
    assert_z(m, 225.0, sd / sqrt(N_ARM), 4.0);
    assert_true(m > 0);
}

/* A fixed-duration second line (V, 8 cycles): log-kill means the early switch does
 * not delay the second progression; from the switch it only looks longer. */
static void
test_fixed_duration_second_line(void **state)
{
    (void) state;
    const char *sets[] = {"plan.lines[1].phases[0].regimen=V", "horizon_days=3652", NULL};
    static double d0[N_V], ds[N_V];
    mw_scenario_t a, b;
    arms(&a, &b, sets);
    for (int r = 0; r < N_V; r++) {
        patient_t x, y;
        run_patient(&a, (uint32_t) r, &x);
        run_patient(&b, (uint32_t) r, &y);
        assert_false(isnan(x.pd2) || isnan(y.pd2)); /* both progress again */
        d0[r] = y.pd2 - x.pd2;
        ds[r] = (x.pd2 - x.switch2) - (y.pd2 - y.switch2);
    }
    double m0, s0, ms, ss;
    mw_test_mean_sd(d0, N_V, &m0, &s0);
    mw_test_mean_sd(ds, N_V, &ms, &ss);
    printf("  second progression, arm B - arm A: from day 0 %.1f d (SD %.1f); "
           "from the switch, arm A - arm B %.1f d (SD %.1f)\n",
           m0, s0, ms, ss);
    assert_true(m0 >= 0); /* not later in arm A */
    assert_z(m0, 48.0, s0 / sqrt(N_V), 4.0);
    assert_true(ms >= 100); /* lead-time bias */
    assert_z(ms, 150.0, ss / sqrt(N_V), 4.0);
}

/* No subclone: the marker is called only from sequencing error, at the binomial
 * tail's rate, and the rule never fires. */
static void
test_no_subclone(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_test_scenario_file(&sc, "ctdna-early-switch");
    mw_test_set(&sc, "tumour.clones[1].cells=0");
    int fired = 0;
    double draws = 0, calls = 0;
    for (uint32_t r = 0; r < N_NONE; r++) {
        mw_sim_t *sim;
        assert_int_equal(mw_sim_create(&sc, SEED, r, &sim), 0);
        int ret = mw_sim_run_until(sim, sc.horizon_days);
        assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
        fired += !isnan(event_time(sim, MW_EV_POLICY, -1));
        for (int i = 0; i < mw_sim_n_obs(sim); i++) {
            const mw_obs_t *o = mw_sim_obs(sim, i);
            if (o->quantity == MW_Q_VAF_CLONE && o->index == MARKER) {
                draws += 1;
                calls += o->value > 0;
            }
        }
        mw_sim_free(sim);
    }
    /* VAF 0: each read is a false variant with probability error / 3 */
    double q = sc.monitoring.ctdna_error / 3.0;
    double p = gsl_cdf_binomial_Q((unsigned) sc.monitoring.ctdna_min_alt - 1, q,
                                  (unsigned) sc.monitoring.ctdna_depth);
    printf("  no subclone: rule fired %d/%d; vaf:c1 called %g of %g draws (P %.3g)\n",
           fired, N_NONE, calls, draws, p);
    assert_int_equal(fired, 0);
    assert_z(calls, draws * p, sqrt(draws * p * (1 - p)), 4.0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lead_time_and_outcome),
        cmocka_unit_test(test_fixed_duration_second_line),
        cmocka_unit_test(test_no_subclone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
