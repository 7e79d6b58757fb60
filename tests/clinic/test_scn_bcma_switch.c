/* scenarios/bcma-to-gprc5d.yaml meets the targets in its header: a BCMA CAR-T, then a
 * GPRC5D CAR-T, started when flow sees more than 10% BCMA-negative cells (arm A, the
 * scenario's policy) or at IMWG progression (arm B, the same scenario without it).
 * Arms are compared on log10 scales with Welch z statistics from the replicates. */
#include <stdio.h>
#include <string.h>

#include "testlib.h"

#define R        20 /* replicates per arm */
#define SEED     2026
#define LANDMARK 730 /* days */
#define EARLY    300 /* a switch before this day is a deep-remission misfire */

typedef struct {
    double switch_day; /* the policy's day (NaN if it never fired) */
    double reading;    /* the reading that fired it */
    double typed;      /* flow tumour cells typed at that visit */
    double pd1_day;    /* line 1's IMWG progression date (NaN if none) */
    double line2_day;  /* line 2's start (NaN if it never started) */
    double m_line2;    /* observed M-protein at the visit that started line 2 */
    double log_landmark, log_end; /* log10 tumour cells at day 730 and the horizon */
    double log_cmax2;             /* log10 GPRC5D CAR Cmax, copies/ug */
    int n_policy, relapse1, best2, pd2;
} patient_t;

static double
log_tumour(const mw_sim_t *sim)
{
    double bm, em;
    mw_sim_tumour(sim, &bm, &em);
    return log10(bm + em + 1.0);
}

static double
obs_at(const mw_sim_t *sim, int quantity, double t)
{
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *o = mw_sim_obs(sim, i);
        if (o->quantity == quantity && o->t_days == t) {
            return o->value;
        }
    }
    return NAN;
}

static void
run_patient(const mw_scenario_t *sc, uint32_t rep, patient_t *p)
{
    mw_sim_t *sim;
    int ret;
    assert_int_equal(mw_sim_create(sc, SEED, rep, &sim), 0);
    ret = mw_sim_run_until(sim, LANDMARK);
    assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
    p->log_landmark = log_tumour(sim);
    ret = mw_sim_run_until(sim, sc->horizon_days);
    assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
    p->log_end = log_tumour(sim);

    p->switch_day = p->reading = p->line2_day = NAN;
    p->n_policy = 0;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_POLICY) {
            p->n_policy++;
            p->switch_day = e->t_days;
            p->reading = e->value;
        }
        if (e->kind == MW_EV_LINE_START && e->other == 1) {
            p->line2_day = e->t_days;
        }
    }
    p->typed = obs_at(sim, MW_Q_FLOW_CELLS, p->switch_day);
    p->m_line2 = obs_at(sim, MW_Q_MPROTEIN, p->line2_day);

    mw_line_response_t l1, l2;
    assert_int_equal(mw_sim_line_response(sim, 0, &l1), 0);
    assert_int_equal(mw_sim_line_response(sim, 1, &l2), 0);
    p->pd1_day = l1.progression_day;
    p->relapse1 = l1.relapse_type;
    p->best2 = l2.best;
    p->pd2 = l2.progression_day == l2.progression_day;

    int k = -1;
    for (int q = 0; q < sc->immune.n_products; q++) {
        k = strcmp(sc->immune.products[q].name, "gprc5d-41bb") == 0 ? q : k;
    }
    assert_true(k >= 0);
    mw_cart_pk_t pk;
    assert_int_equal(mw_sim_cart_pk(sim, k, &pk), 0);
    assert_true(pk.infused && pk.cmax > 0);
    p->log_cmax2 = log10(pk.cmax);
    mw_sim_free(sim);
}

/* Mean and standard error of a field over one arm. */
static void
mean_se(const patient_t *arm, size_t offset, double *mean, double *se)
{
    double s = 0, ss = 0;
    for (int i = 0; i < R; i++) {
        double x = *(const double *) ((const char *) &arm[i] + offset);
        s += x;
        ss += x * x;
    }
    *mean = s / R;
    double var = (ss - s * s / R) / (R - 1);
    *se = sqrt((var > 0 ? var : 0) / R);
}

/* Welch z of mean(A) - mean(B) - margin; prints both arms. */
static double
welch(const patient_t *a, const patient_t *b, size_t offset, double margin,
      const char *what)
{
    double ma, sa, mb, sb;
    mean_se(a, offset, &ma, &sa);
    mean_se(b, offset, &mb, &sb);
    double se = sqrt(sa * sa + sb * sb);
    double z = (ma - mb - margin) / (se > 1e-9 ? se : 1e-9);
    printf("  %-26s A %.3f +- %.3f, B %.3f +- %.3f (SE); A - B - (%g): z = %.1f\n", what,
           ma, sa, mb, sb, margin, z);
    return z;
}

static void
test_bcma_to_gprc5d(void **state)
{
    (void) state;
    static patient_t a[R], b[R];
    mw_scenario_t sc;
    mw_test_scenario_file(&sc, "bcma-to-gprc5d");
    assert_int_equal(sc.monitoring.n_policies, 1);
    for (uint32_t i = 0; i < R; i++) {
        run_patient(&sc, i, &a[i]);
    }
    sc.monitoring.n_policies = 0; /* arm B: progression only */
    for (uint32_t i = 0; i < R; i++) {
        run_patient(&sc, i, &b[i]);
    }

    int early = 0;
    double m_a = 0, m_b = 0;
    for (int i = 0; i < R; i++) {
        /* A: one switch during line 1, on a reading above 0.1, and no line-1 progression
         */
        assert_int_equal(a[i].n_policy, 1);
        assert_true(a[i].reading > 0.1 && a[i].switch_day == a[i].line2_day);
        assert_true(a[i].pd1_day != a[i].pd1_day);
        assert_int_equal(a[i].relapse1, MW_RELAPSE_NONE);
        /* B: no policy; line 1 progresses, BCMA-negative as the clinic sees it */
        assert_int_equal(b[i].n_policy, 0);
        assert_true(b[i].pd1_day == b[i].pd1_day && b[i].line2_day >= b[i].pd1_day);
        assert_int_equal(b[i].relapse1, MW_RELAPSE_ANTIGEN_NEGATIVE);
        /* line 2: no progression by the horizon; A not evaluable, B at least CR */
        assert_false(a[i].pd2 || b[i].pd2);
        assert_int_equal(a[i].best2, MW_RESP_NE);
        assert_true(b[i].best2 >= MW_RESP_CR);
        /* no early switch: in deep remission too few cells are typed for a phenotype */
        if (a[i].switch_day < EARLY) {
            early++;
            printf("  replicate %d: switch on day %g on %g typed cells (reading %.3f)\n",
                   i, a[i].switch_day, a[i].typed, a[i].reading);
        }
        assert_true(a[i].typed >= sc.monitoring.flow_min_cells);
        m_a += a[i].m_line2 / R;
        m_b += b[i].m_line2 / R;
    }
    printf("  early switches (before day %d): %d of %d\n", EARLY, early, R);
    assert_int_equal(early, 0);
    printf("  observed M-protein at line 2's start: A %.3f, B %.3f g/dL (means)\n", m_a,
           m_b);

    /* B's IMWG progression date minus A's switch day: more than 84 days on average */
    double mb, sb, ma, sa;
    mean_se(b, offsetof(patient_t, pd1_day), &mb, &sb);
    mean_se(a, offsetof(patient_t, switch_day), &ma, &sa);
    double lead = mb - ma, se_lead = sqrt(sa * sa + sb * sb);
    printf("  switch day A %.1f +- %.1f, IMWG progression B %.1f +- %.1f (SE): lead %.1f "
           "days, "
           "z(lead - 84) = %.1f\n",
           ma, sa, mb, sb, lead, (lead - 84) / se_lead);
    assert_true((lead - 84) / se_lead >= 4);

    /* the GPRC5D CAR expands less against the small tumour of an early switch */
    assert_true(welch(a, b, offsetof(patient_t, log_cmax2), -log10(5.0),
                      "log10 GPRC5D Cmax") <= -4);
    /* landmark: more tumour in A by over 100-fold */
    assert_true(
        welch(a, b, offsetof(patient_t, log_landmark), 2.0, "log10 tumour day 730") >= 4);
    /* horizon: within 10-fold either way */
    assert_true(welch(a, b, offsetof(patient_t, log_end), 1.0, "log10 tumour day 1095") <=
                -4);
    assert_true(
        welch(a, b, offsetof(patient_t, log_end), -1.0, "log10 tumour day 1095") >= 4);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcma_to_gprc5d),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
