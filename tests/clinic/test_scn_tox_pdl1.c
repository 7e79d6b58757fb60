/* Policy scenarios on toxicity and PD-L1 escape: the targets in the headers of
 * scenarios/crs-policy.yaml (CRS managed by tocilizumab, steroid and safety-switch
 * rules read from the daily immune panel) and scenarios/pdl1-add-pd1.yaml
 * (pembrolizumab when flow shows a PD-L1-high tumour, against waiting for IMWG
 * progression).  Each arm is compared with its control on the same seeds. */
#include <stdio.h>
#include <string.h>

#include "testlib.h"

#define SEED 2026

/* Pooled two-proportion z statistic of k1/n against k2/n. */
static double
two_prop_z(int k1, int k2, int n)
{
    double p = (k1 + k2) / (2.0 * n), se = sqrt(p * (1 - p) * 2.0 / n);
    return se > 0 ? ((double) k1 - k2) / n / se : 0.0;
}

static double
tumour_cells(const mw_sim_t *sim)
{
    double bm, em;
    mw_sim_tumour(sim, &bm, &em);
    return bm + em;
}

/* ------------------------------------------------------------------------------
 * crs-policy
 * ---------------------------------------------------------------------------- */

enum { ARM_NONE, ARM_FULL, ARM_NO_SWITCH, N_ARMS };
#define CRS_R 10

typedef struct {
    int died, crs_max;
    int switches;          /* safety_switch events */
    double switch_day, switch_reading, first_toci_day;
    int g4_readings;       /* immune-panel visits reading CRS grade >= 4 */
    double cmax, tum28, tum90;
} crs_run_t;

static void
crs_run(int arm, uint32_t rep, crs_run_t *o)
{
    mw_scenario_t sc;
    mw_sim_t *sim;
    mw_test_scenario_file(&sc, "crs-policy");
    if (arm == ARM_NONE) {
        mw_test_set(&sc, "policies[0].when.above=9");
        mw_test_set(&sc, "policies[1].when.above=9");
    }
    if (arm != ARM_FULL) {
        mw_test_set(&sc, "policies[2].when.above=9");
    }
    assert_int_equal(mw_sim_create(&sc, SEED, rep, &sim), 0);
    memset(o, 0, sizeof(*o));
    o->switch_day = o->switch_reading = o->first_toci_day = NAN;
    int ret = mw_sim_run_until(sim, 28);
    assert_true(ret == 0 || ret == MW_EXIT_DEATH);
    o->tum28 = tumour_cells(sim);
    ret = mw_sim_run_until(sim, 90);
    assert_true(ret == 0 || ret == MW_EXIT_DEATH);
    o->tum90 = tumour_cells(sim);
    o->died = ret == MW_EXIT_DEATH;

    mw_toxicity_t tx;
    mw_cart_pk_t pk;
    mw_sim_toxicity(sim, &tx);
    assert_int_equal(mw_sim_cart_pk(sim, 0, &pk), 0);
    o->crs_max = tx.crs_max;
    o->cmax = pk.cmax;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_SAFETY_SWITCH) {
            o->switches++;
        }
        if (e->kind == MW_EV_POLICY && e->other == 0 && isnan(o->first_toci_day)) {
            o->first_toci_day = e->t_days;
        }
        if (e->kind == MW_EV_POLICY && e->other == 2) {
            o->switch_day = e->t_days;
            o->switch_reading = e->value;
        }
    }
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *ob = mw_sim_obs(sim, i);
        o->g4_readings += ob->quantity == MW_Q_CRS_GRADE && ob->value >= 4;
    }
    mw_sim_free(sim);
}

static void
test_crs_policy(void **state)
{
    (void) state;
    static crs_run_t run[N_ARMS][CRS_R];
    static const char *names[N_ARMS] = {"no policies", "policies", "no switch"};
    int deaths[N_ARMS] = {0}, g4[N_ARMS] = {0};

    for (int a = 0; a < N_ARMS; a++) {
        double cmax = 0, t28 = 0, t90 = 0, reads = 0;
        for (int r = 0; r < CRS_R; r++) {
            crs_run_t *o = &run[a][r];
            crs_run(a, (uint32_t) r, o);
            deaths[a] += o->died;
            g4[a] += o->crs_max >= 4;
            cmax += o->cmax / CRS_R;
            t28 += o->tum28 / CRS_R;
            t90 += o->tum90 / CRS_R;
            reads += (double) o->g4_readings / CRS_R;
        }
        printf("  %-11s: deaths %d/%d, CRS >= 4 in %d/%d, grade>=4 readings %.1f, "
               "Cmax %.4g copies/ug, tumour day 28 %.3g, day 90 %.3g\n",
               names[a], deaths[a], CRS_R, g4[a], CRS_R, reads, cmax, t28, t90);
    }
    const crs_run_t *f = &run[ARM_FULL][0];
    printf("  policies, replicate 0: tocilizumab/steroids from day %g, switch on day %g "
           "(reading %g), switches %d\n",
           f->first_toci_day, f->switch_day, f->switch_reading, f->switches);

    /* deaths: all without policies, none with them or with toci/steroids alone */
    double z = two_prop_z(deaths[ARM_NONE], deaths[ARM_FULL], CRS_R);
    printf("  deaths: two-proportion z = %.2f\n", z);
    assert_int_equal(deaths[ARM_NONE], CRS_R);
    assert_int_equal(deaths[ARM_FULL], 0);
    assert_int_equal(deaths[ARM_NO_SWITCH], 0);
    assert_true(z >= 4.0);

    for (int r = 0; r < CRS_R; r++) {
        const crs_run_t *o = &run[ARM_FULL][r], *c = &run[ARM_NO_SWITCH][r];
        /* the rules act on readings, so the first grade 4 is not prevented */
        assert_true(run[ARM_NONE][r].crs_max == 5);
        assert_true(o->crs_max >= 4 && c->crs_max >= 4);
        /* the switch once, at a grade-4 reading, after toci/steroids on an earlier visit */
        assert_int_equal(o->switches, 1);
        assert_true(o->switch_reading == 4);
        assert_true(o->first_toci_day < o->switch_day);
        assert_int_equal(c->switches, 0);
        /* fewer grade->=4 readings with the switch */
        assert_true(o->g4_readings >= 1 && o->g4_readings < c->g4_readings);
        /* its cost: lower expansion, more tumour left */
        assert_true(o->cmax >= 0.5 * c->cmax && o->cmax <= 0.75 * c->cmax);
        assert_true(o->tum28 >= 10 * c->tum28);
        assert_true(o->tum90 >= 5 * c->tum90);
    }
}

/* ------------------------------------------------------------------------------
 * pdl1-add-pd1
 * ---------------------------------------------------------------------------- */

#define PD_R 30
#define PD_T 1095.0
#define PD_STEP 7.0

/* Measured with seed 1, 200 replicates per arm (the scenario header). */
#define PD_N_MEAS 200
#define PD_ALIVE 0.905
#define PD_LEAD 68.1
#define PD_PEAK_LOG 0.875
#define PD_LATE_LOG (-1.079)

typedef struct {
    int alive300;          /* the PD-L1-high subclone is alive on day 301 */
    int policies;          /* policy events */
    double policy_day;
    double prog1;          /* IMWG progression date of line 1, NaN if none */
    double line2_start;    /* NaN if line 2 never started */
    double rule_day;       /* first flow reading > 0.5 while line 1 was current */
    double peak;           /* largest tumour sampled on or after day 300 */
    double late;           /* mean log10 tumour over samples in days 730-1095 */
} pd_run_t;

static int
pdl1_high_alive(const mw_sim_t *sim)
{
    for (int i = 0; i < mw_sim_n_clones(sim); i++) {
        const mw_clone_t *c = mw_sim_clone(sim, i);
        if (c->traits.pdl1 > 0.9 && c->cells_bm + c->cells_em > 0) {
            return 1;
        }
    }
    return 0;
}

static void
pd_run(int policy, uint32_t rep, pd_run_t *o)
{
    mw_scenario_t sc;
    mw_sim_t *sim;
    mw_test_scenario_file(&sc, "pdl1-add-pd1");
    if (!policy) {
        mw_test_set(&sc, "policies[0].when.above=2");
    }
    assert_int_equal(mw_sim_create(&sc, SEED, rep, &sim), 0);
    memset(o, 0, sizeof(*o));
    o->policy_day = o->prog1 = o->line2_start = o->rule_day = NAN;
    double late = 0;
    int n_late = 0;
    for (double t = PD_STEP;; t += PD_STEP) {
        t = t < PD_T ? t : PD_T;
        int ret = mw_sim_run_until(sim, t);
        assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
        double n = tumour_cells(sim);
        if (t == 301) {
            o->alive300 = pdl1_high_alive(sim);
        }
        if (t >= 300 && n > o->peak) {
            o->peak = n;
        }
        if (t >= 730) {
            late += log10(n > 1 ? n : 1);
            n_late++;
        }
        if (t >= PD_T) {
            break;
        }
    }
    o->late = late / n_late;

    mw_line_response_t lr;
    assert_int_equal(mw_sim_line_response(sim, 0, &lr), 0);
    o->prog1 = lr.progression_day;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_POLICY) {
            o->policies++;
            o->policy_day = e->t_days;
        }
        if (e->kind == MW_EV_LINE_START && e->other == 1 && isnan(o->line2_start)) {
            o->line2_start = e->t_days;
        }
    }
    /* the rule on this patient's own readings (without the policy, a progression
     * starts line 2 before the policies are checked, so a reading on that day no
     * longer counts for line 1) */
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *ob = mw_sim_obs(sim, i);
        if (ob->quantity == MW_Q_PDL1_HIGH && ob->value > 0.5 && isnan(o->rule_day) &&
            (isnan(o->line2_start) || ob->t_days < o->line2_start)) {
            o->rule_day = ob->t_days;
        }
    }
    mw_sim_free(sim);
}

static void
test_pdl1_add_pd1(void **state)
{
    (void) state;
    static pd_run_t A[PD_R], B[PD_R];
    double lead[PD_R], peak[PD_R], late[PD_R];
    int n = 0, alive = 0, fired = 0, prog_a = 0, prog_b = 0;

    for (int r = 0; r < PD_R; r++) {
        pd_run(1, (uint32_t) r, &A[r]);
        pd_run(0, (uint32_t) r, &B[r]);
        assert_int_equal(A[r].alive300, B[r].alive300); /* same patient up to the switch */
        alive += A[r].alive300;
        fired += A[r].policies;
        prog_a += !isnan(A[r].prog1);
        prog_b += !isnan(B[r].prog1);
        /* the policy fires once, exactly when the subclone is there */
        assert_int_equal(A[r].policies, A[r].alive300);
        assert_int_equal(B[r].policies, 0);
        if (!A[r].alive300) {
            assert_true(B[r].prog1 != B[r].prog1); /* never progressed */
            continue;
        }
        /* on the day the rule holds on the control arm's own flow readings */
        assert_true(A[r].policy_day == B[r].rule_day);
        assert_true(A[r].line2_start == A[r].policy_day);
        assert_true(B[r].prog1 == B[r].prog1); /* progressed */
        lead[n] = B[r].prog1 - A[r].policy_day;
        peak[n] = log10(B[r].peak / A[r].peak);
        late[n] = B[r].late - A[r].late;
        assert_true(lead[n] > 0);
        assert_true(peak[n] > 0);
        n++;
    }
    double z = two_prop_z(prog_b, prog_a, PD_R);
    printf("  subclone alive on day 301 in %d/%d; policy fired %d times\n", alive, PD_R, fired);
    printf("  IMWG progression on line 1: policy %d/%d, no policy %d/%d (z = %.2f)\n", prog_a,
           PD_R, prog_b, PD_R, z);
    double p_alive = (double) alive / PD_R;
    assert_z(p_alive, PD_ALIVE,
             sqrt(PD_ALIVE * (1 - PD_ALIVE) * (1.0 / PD_R + 1.0 / PD_N_MEAS)), 4.0);
    assert_int_equal(prog_a, 0);
    assert_int_equal(prog_b, alive);
    assert_true(z >= 4.0);

    double m, sd;
    mw_test_mean_sd(lead, n, &m, &sd);
    printf("  lead time %.1f d (SD %.1f), measured %.1f\n", m, sd, PD_LEAD);
    assert_z(m, PD_LEAD, sd * sqrt(1.0 / n + 1.0 / PD_N_MEAS), 4.0);
    mw_test_mean_sd(peak, n, &m, &sd);
    printf("  peak tumour after day 300, log10 no policy / policy %.3f (SD %.3f), "
           "measured %.3f\n", m, sd, PD_PEAK_LOG);
    assert_z(m, PD_PEAK_LOG, sd * sqrt(1.0 / n + 1.0 / PD_N_MEAS), 4.0);
    mw_test_mean_sd(late, n, &m, &sd);
    printf("  days 730-1095, mean log10 tumour no policy - policy %.3f (SD %.3f), "
           "measured %.3f\n", m, sd, PD_LATE_LOG);
    assert_z(m, PD_LATE_LOG, sd * sqrt(1.0 / n + 1.0 / PD_N_MEAS), 4.0);
    assert_true(m < 0); /* no lasting benefit: the early switch is not lower late on */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crs_policy),
        cmocka_unit_test(test_pdl1_add_pd1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
