/* Immune dynamics: CAR-T kinetics against Stein 2019's closed form, hybrid vs
 * exact, toxicity, safety switch, engager PK (SPEC.md §3.2-3.4). */
#include <stdio.h>
#include <string.h>

#include "testlib.h"

/* Stein 2019 (tisagenlecleucel, Table 1): expansion to Tmax, then a biexponential
 * contraction and persistence. */
#define FOLDX 3900.0
#define TMAX 9.3
#define ALPHA 0.16
#define BETA 0.0032
#define FB 0.0079

/* A CAR whose kinetics reduce to Stein's in the matching limit: saturating
 * antigen (K_A = 1 cell) and no killing during expansion, no antigen after;
 * no re-activation, no homeostatic boost, no suppression, no PD-L1. */
static void
stein_scenario(mw_scenario_t *s, int antigen, const char *mode)
{
    char y[2048];
    const double kem = FB * (ALPHA - BETA);
    const double x0 = 0; /* exhausted cells carry transgene too: none here */
    const double rho = log(FOLDX) / TMAX;
    snprintf(y, sizeof(y),
             "horizon_days: 400\n"
             "tumour:\n"
             "  clones:\n"
             "    - {name: t, cells: 1.0e+9, birth: 0, death: 0, pdl1: 0, il10: 0, tgfb: 0,\n"
             "       antigens: {BCMA: {copies: %d}}}\n"
             "immune:\n"
             "  antigen_half_sat: 1\n"
             "  kill_max: 0\n"
             "  reactivation: 0\n"
             "  homeostatic_boost: 0\n"
             "  exhaustion_base: %.17g\n"
             "  exhaustion_stim: 0\n"
             "  costim_41bb: {expansion_max: %.17g, effector_death: %.17g,\n"
             "                memory_rate: %.17g, memory_death: %.17g}\n"
             "products:\n"
             "  - {name: p, dose_cells: 1.0e+6, memory_fraction: 0,\n"
             "     targets: [{antigen: BCMA, d50: 200, hill: 2}]}\n"
             "engine: {mode: %s, mean_rtol: 1.0e-10, mean_atol: 1.0e-6}\n",
             antigen ? 2 : 0, x0, rho + ALPHA, ALPHA - kem - x0, kem, BETA, mode);
    mw_test_scenario(s, y);
}

static double
cart_total(const mw_sim_t *sim)
{
    mw_cart_state_t c;
    assert_int_equal(mw_sim_cart(sim, 0, &c), 0);
    return c.effector + c.memory + c.exhausted;
}

/* Mean mode follows the closed form to solver precision. */
static void
test_stein_mean(void **state)
{
    (void) state;
    mw_scenario_t s;
    mw_sim_t *sim;
    mw_cart_state_t c;

    /* expansion: E(Tmax) = dose * foldx (the effectors; memory is ~1e-3 of it) */
    stein_scenario(&s, 1, "mean");
    assert_int_equal(mw_sim_create(&s, 1, 0, &sim), 0);
    assert_true(mw_sim_run_until(sim, TMAX) >= 0);
    assert_int_equal(mw_sim_cart(sim, 0, &c), 0);
    printf("  E(Tmax)/E0 = %.6g (foldx %.6g)\n", c.effector / 1e6, FOLDX);
    assert_true(fabs(c.effector / 1e6 / FOLDX - 1.0) < 1e-5);
    mw_sim_free(sim);

    /* contraction and persistence: total/E0 = (1 - FB) e^-at + FB e^-bt */
    stein_scenario(&s, 0, "mean");
    assert_int_equal(mw_sim_create(&s, 1, 0, &sim), 0);
    const double ts[] = {2, 10, 30, 100, 300};
    for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
        assert_true(mw_sim_run_until(sim, ts[i]) >= 0);
        double want = (1 - FB) * exp(-ALPHA * ts[i]) + FB * exp(-BETA * ts[i]);
        double got = cart_total(sim) / 1e6;
        printf("  t=%g total/E0 %.8g closed form %.8g\n", ts[i], got, want);
        assert_true(fabs(got / want - 1.0) < 1e-5);
    }
    mw_sim_free(sim);
}

/* The stochastic engines have the closed form as their mean. */
static void
test_stein_stochastic(void **state)
{
    (void) state;
    const char *modes[] = {"hybrid"};
    for (int m = 0; m < 1; m++) {
        mw_scenario_t s;
        const int n = 20;
        double sum[2] = {0, 0}, sum2[2] = {0, 0};
        for (int phase = 0; phase < 2; phase++) {
            stein_scenario(&s, phase == 0, modes[m]);
            double t = phase == 0 ? TMAX : 100.0;
            for (int r = 0; r < n; r++) {
                mw_sim_t *sim;
                assert_int_equal(mw_sim_create(&s, 7, (uint32_t) r, &sim), 0);
                assert_true(mw_sim_run_until(sim, t) >= 0);
                double x = cart_total(sim) / 1e6;
                sum[phase] += x;
                sum2[phase] += x * x;
                mw_sim_free(sim);
            }
        }
        /* expansion: E grows as e^{rho t}; memory adds kem E0 (e^{rt}-1)/r */
        const double kem = FB * (ALPHA - BETA), rho = log(FOLDX) / TMAX;
        double want0 = FOLDX + kem * (FOLDX - exp(-BETA * TMAX)) / (rho + BETA);
        double want1 = (1 - FB) * exp(-ALPHA * 100) + FB * exp(-BETA * 100);
        for (int phase = 0; phase < 2; phase++) {
            double mean = sum[phase] / n;
            double var = (sum2[phase] - n * mean * mean) / (n - 1);
            double se = sqrt(var / n);
            if (se < 1e-9 * mean) {
                se = 1e-9 * mean;
            }
            assert_z(mean, phase == 0 ? want0 : want1, se, 4.0);
        }
    }
}

/* A small CAR-T scenario where every population can go extinct. */
static void
small_scenario(mw_scenario_t *s, const char *mode)
{
    char y[1536];
    snprintf(y, sizeof(y),
             "horizon_days: 40\n"
             "tumour:\n"
             "  clones:\n"
             "    - {name: t, cells: 2000, birth: 0.05, death: 0.02}\n"
             "immune:\n"
             "  antigen_half_sat: 1000\n"
             "  effector_half_sat: 100\n"
             "  kill_max: 0.8\n"
             "  t_cells: 0\n"
             "  nk_cells: 0\n"
             "  suppression_half: 1.0e+5\n"
             "products:\n"
             "  - {name: p, dose_cells: 200, memory_fraction: 0.3,\n"
             "     targets: [{antigen: BCMA, d50: 200, hill: 2}]}\n"
             "engine: {mode: %s}\n",
             mode);
    mw_test_scenario(s, y);
}

typedef struct {
    double tum15, tum40, car15, car40;
    int extinct40;
} small_out_t;

static small_out_t
small_run(const mw_scenario_t *s, uint32_t rep)
{
    small_out_t o;
    mw_sim_t *sim;
    double bm, em;
    assert_int_equal(mw_sim_create(s, 11, rep, &sim), 0);
    assert_true(mw_sim_run_until(sim, 15) >= 0);
    mw_sim_tumour(sim, &bm, &em);
    o.tum15 = bm + em;
    o.car15 = cart_total(sim);
    assert_true(mw_sim_run_until(sim, 40) >= 0);
    mw_sim_tumour(sim, &bm, &em);
    o.tum40 = bm + em;
    o.car40 = cart_total(sim);
    o.extinct40 = o.tum40 == 0;
    mw_sim_free(sim);
    return o;
}

static void
test_hybrid_vs_exact(void **state)
{
    (void) state;
    const int n = 300;
    double m[2][4] = {{0}}, v[2][4] = {{0}};
    int ext[2] = {0, 0};
    for (int mode = 0; mode < 2; mode++) {
        mw_scenario_t s;
        small_scenario(&s, mode == 0 ? "exact" : "hybrid");
        for (int r = 0; r < n; r++) {
            small_out_t o = small_run(&s, (uint32_t) r);
            double x[4] = {o.tum15, o.tum40, o.car15, o.car40};
            for (int k = 0; k < 4; k++) {
                m[mode][k] += x[k];
                v[mode][k] += x[k] * x[k];
            }
            ext[mode] += o.extinct40;
        }
        for (int k = 0; k < 4; k++) {
            m[mode][k] /= n;
            v[mode][k] = (v[mode][k] - n * m[mode][k] * m[mode][k]) / (n - 1);
        }
    }
    const char *what[] = {"tumour day 15", "tumour day 40", "CAR-T day 15", "CAR-T day 40"};
    for (int k = 0; k < 4; k++) {
        double se = sqrt((v[0][k] + v[1][k]) / n);
        printf("  %s: exact %.5g hybrid %.5g\n", what[k], m[0][k], m[1][k]);
        assert_z(m[1][k], m[0][k], se, 4.0);
    }
    /* the tumour shrinks 20-fold by day 15 */
    assert_true(m[0][0] < 100); /* a real response, not a null comparison */
    double p0 = (double) ext[0] / n, p1 = (double) ext[1] / n;
    double pp = 0.5 * (p0 + p1);
    printf("  P(cure by day 40): exact %.3f hybrid %.3f\n", p0, p1);
    assert_true(pp > 0.05 && pp < 0.95);
    assert_z(p1, p0, sqrt(2 * pp * (1 - pp) / n), 4.0);
}

/* Thresholds low enough that the default CAR causes CRS; tocilizumab from grade
 * 2 lowers the grade reached; grade 5 ends the simulation as a death. */
static void
test_toxicity(void **state)
{
    (void) state;
    mw_scenario_t s;
    mw_sim_t *sim;
    mw_toxicity_t t0, t1;

    mw_test_scenario_file(&s, "cart-bcma");
    mw_test_set(&s, "horizon_days=40");
    mw_test_set(&s, "toxicity.toci_at_grade=0");
    mw_test_set(&s, "toxicity.steroid_at_grade=0");
    assert_int_equal(mw_sim_create(&s, 3, 0, &sim), 0);
    assert_true(mw_sim_run_until(sim, 40) >= 0);
    mw_sim_toxicity(sim, &t0);
    mw_sim_free(sim);

    mw_test_set(&s, "toxicity.toci_at_grade=1");
    assert_int_equal(mw_sim_create(&s, 3, 0, &sim), 0);
    assert_true(mw_sim_run_until(sim, 40) >= 0);
    mw_sim_toxicity(sim, &t1);
    mw_sim_free(sim);
    printf("  CRS max grade: untreated %d, tocilizumab at grade 1: %d (given %d)\n",
           t0.crs_max, t1.crs_max, t1.toci_given);
    assert_true(t0.crs_max >= 2);
    assert_true(t1.toci_given >= 1);
    assert_true(t1.crs_max < t0.crs_max);
    assert_true(t0.il6_pg_ml >= 0 && t0.crs_onset_day > 0 && t0.crs_onset_day < 10);

    /* grade 5 at a low threshold: death, and the clock stops there */
    mw_test_set(&s, "toxicity.toci_at_grade=0");
    mw_test_set(&s, "toxicity.crs.grade1=1");
    mw_test_set(&s, "toxicity.crs.grade2=2");
    mw_test_set(&s, "toxicity.crs.grade3=3");
    mw_test_set(&s, "toxicity.crs.grade4=4");
    mw_test_set(&s, "toxicity.crs.grade5=5");
    assert_int_equal(mw_sim_create(&s, 3, 0, &sim), 0);
    assert_int_equal(mw_sim_run_until(sim, 40), MW_EXIT_DEATH);
    double td = mw_sim_time(sim);
    assert_true(td > 0 && td < 40);
    assert_int_equal(mw_sim_run_until(sim, 50), MW_EXIT_DEATH);
    assert_true(mw_sim_time(sim) == td);
    const mw_event_t *e = mw_sim_event(sim, mw_sim_n_events(sim) - 1);
    assert_int_equal(e->kind, MW_EV_DEATH);
    mw_sim_free(sim);
}

/* iCasp9: about 90% of CAR-T cells gone within hours of activation. */
static void
test_safety_switch(void **state)
{
    (void) state;
    mw_scenario_t s;
    mw_sim_t *sim;

    mw_test_scenario_file(&s, "cart-bcma");
    mw_test_set(&s, "products[0].safety_switch=icasp9");
    mw_test_set(&s, "products[0].switch_day=20");
    assert_int_equal(mw_sim_create(&s, 3, 0, &sim), 0);
    assert_true(mw_sim_run_until(sim, 20) >= 0);
    double before = cart_total(sim);
    assert_true(mw_sim_run_until(sim, 20.5) >= 0);
    double after = cart_total(sim);
    printf("  CAR-T before %.4g, 0.5 day after iCasp9 %.4g (%.1f%% left)\n", before, after,
           100 * after / before);
    assert_true(after / before > 0.05 && after / before < 0.15);
    mw_sim_free(sim);

    /* a switch triggered by the clinic through the API, and refused without one */
    mw_test_set(&s, "products[0].switch_day=inf");
    assert_int_equal(mw_sim_create(&s, 3, 0, &sim), 0);
    assert_true(mw_sim_run_until(sim, 30) >= 0);
    before = cart_total(sim);
    assert_int_equal(mw_sim_safety_switch(sim, 0), 0);
    assert_true(mw_sim_run_until(sim, 30.5) >= 0);
    assert_true(cart_total(sim) / before < 0.15);
    mw_sim_free(sim);
    mw_test_set(&s, "products[0].safety_switch=none");
    assert_int_equal(mw_sim_create(&s, 3, 0, &sim), 0);
    assert_true(mw_sim_safety_switch(sim, 0) < 0);
    mw_sim_free(sim);

    /* every mode honours a scheduled switch (the exact engine's rate bounds
     * must rise when the window opens) */
    const char *modes[] = {"exact", "hybrid", "mean"};
    for (int m = 0; m < 3; m++) {
        small_scenario(&s, modes[m]);
        mw_test_set(&s, "products[0].safety_switch=icasp9");
        mw_test_set(&s, "products[0].switch_day=10");
        assert_int_equal(mw_sim_create(&s, 5, 0, &sim), 0);
        assert_true(mw_sim_run_until(sim, 10) >= 0);
        before = cart_total(sim);
        assert_true(mw_sim_run_until(sim, 10.5) >= 0);
        double left = cart_total(sim) / before;
        printf("  %s: %.0f CAR-T cells, %.1f%% left 0.5 day after iCasp9\n", modes[m],
               before, 100 * left);
        assert_true(left > 0.03 && left < 0.2);
        mw_sim_free(sim);
    }
}

/* Engager PK: dose / V accumulates to the superposition of first-order decays;
 * soluble BCMA lowers occupancy. */
static void
test_engager_pk(void **state)
{
    (void) state;
    mw_scenario_t s;
    mw_sim_t *sim;
    mw_immune_state_t is;

    mw_test_scenario_file(&s, "teclistamab");
    mw_test_set(&s, "horizon_days=30");
    assert_int_equal(mw_sim_create(&s, 1, 0, &sim), 0);
    assert_true(mw_sim_run_until(sim, 20) >= 0);
    mw_sim_immune(sim, &is);
    /* doses on days 0, 2 (step-up) and 4, 11, 18 (maintenance) */
    const double k = log(2.0) / 7.56, F = 0.7, V = 0.1;
    const double day[] = {0, 2, 4, 11, 18}, mg[] = {0.06, 0.3, 1.5, 1.5, 1.5};
    double want = 0;
    for (int i = 0; i < 5; i++) {
        want += F * mg[i] / V * exp(-k * (20 - day[i]));
    }
    printf("  day 20 concentration %.6g ug/mL, superposition %.6g\n", is.engager_ug_ml[0],
           want);
    assert_true(fabs(is.engager_ug_ml[0] / want - 1) < 1e-9);
    mw_markers_t mk;
    mw_sim_markers(sim, &mk);
    double c = want / (1 + mk.sbcma_ng_ml / 100.0);
    assert_true(fabs(is.engager_occupancy[0] - c / (c + 0.1)) < 1e-9);
    mw_sim_free(sim);
}


/* Endogenous immunity: T cells need antigen presentation, NK cells kill HLA-lost
 * cells more (missing self).  Two equal clones differing only in hla_loss. */
static double
hla_share(const char *kill_key)
{
    char y[1024];
    mw_scenario_t s;
    mw_sim_t *sim;
    snprintf(y, sizeof(y),
             "horizon_days: 200\n"
             "tumour:\n"
             "  clones:\n"
             "    - {name: a, cells: 1.0e+8, birth: 0.05, death: 0.02}\n"
             "    - {name: b, cells: 1.0e+8, birth: 0.05, death: 0.02, hla_loss: 1}\n"
             "immune:\n"
             "  %s: 0.05\n"
             "engine: {mode: mean}\n",
             kill_key);
    mw_test_scenario(&s, y);
    assert_int_equal(mw_sim_create(&s, 1, 0, &sim), 0);
    assert_true(mw_sim_run_until(sim, 200) >= 0);
    const mw_clone_t *a = mw_sim_clone(sim, 0), *b = mw_sim_clone(sim, 1);
    double share = b->cells_bm / (a->cells_bm + b->cells_bm);
    mw_sim_free(sim);
    return share;
}

static void
test_endogenous_hla(void **state)
{
    (void) state;
    double t_share = hla_share("t_kill_max"), nk_share = hla_share("nk_kill_max");
    printf("  HLA-lost share at day 200: T cells only %.3f, NK cells only %.3f\n", t_share,
           nk_share);
    assert_true(t_share > 0.8); /* escapes T cells */
    assert_true(nk_share < 0.2); /* killed more by NK cells */
}

/* Two products: a BCMA CAR on day 0, then a GPRC5D CAR after lymphodepletion on
 * day 150 against the BCMA-null (GPRC5D+) relapse; each has its own kinetics.
 * The second expands slowly: 1.4e9 cells is well below antigen_half_sat. */
static double
two_products_run(double dose2, mw_cart_pk_t *pk1, double *copies_at_infusion, int *infusions)
{
    mw_scenario_t s;
    mw_sim_t *sim;
    mw_cart_state_t cs;
    char buf[64];
    double bm, em;
    mw_test_scenario_file(&s, "cart-dual-or");
    mw_test_set(&s, "horizon_days=260");
    mw_test_set(&s, "immune.ld_day=147");
    s.immune.products[0].n_targets = 1;
    s.immune.products[0].logic = MW_LOGIC_SINGLE;
    mw_test_set(&s, "products[1].name=gprc5d-41bb");
    mw_test_set(&s, "products[1].targets[0].antigen=GPRC5D");
    mw_test_set(&s, "products[1].infusion_day=150");
    snprintf(buf, sizeof(buf), "products[1].dose_cells=%g", dose2);
    mw_test_set(&s, buf);
    assert_int_equal(mw_sim_create(&s, 1, 0, &sim), 0);
    assert_true(mw_sim_run_until(sim, 150.01) >= 0);
    assert_int_equal(mw_sim_cart(sim, 1, &cs), 0);
    *copies_at_infusion = cs.copies_ug;
    assert_true(mw_sim_run_until(sim, 260) >= 0);
    mw_sim_tumour(sim, &bm, &em);
    assert_int_equal(mw_sim_cart_pk(sim, 1, pk1), 0);
    *infusions = 0;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        *infusions += mw_sim_event(sim, i)->kind == MW_EV_INFUSION;
    }
    mw_sim_free(sim);
    return bm + em;
}

static void
test_two_products(void **state)
{
    (void) state;
    mw_cart_pk_t pk, pk0;
    double c0, c00, with, without;
    int inf, inf0;
    with = two_products_run(4.5e8, &pk, &c0, &inf);
    without = two_products_run(0, &pk0, &c00, &inf0);
    printf("  second product: copies at infusion %.3g, Cmax %.3g at %.1f days; tumour day "
           "260 %.3g with it, %.3g without\n",
           c0, pk.cmax, pk.tmax_days, with, without);
    assert_int_equal(inf, 2);
    assert_true(pk.infused && pk.tmax_days > 5 && pk.cmax > 2 * c0);
    assert_true(with < without / 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stein_mean),      cmocka_unit_test(test_stein_stochastic),
        cmocka_unit_test(test_hybrid_vs_exact), cmocka_unit_test(test_toxicity),
        cmocka_unit_test(test_safety_switch),   cmocka_unit_test(test_engager_pk),
        cmocka_unit_test(test_endogenous_hla),  cmocka_unit_test(test_two_products),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
