/* Engine unit tests: lifecycle, determinism, clone tree, plasticity, seeding,
 * founding by growth, markers, limits.  Statistical checks state their SE. */
#include <stdio.h>
#include <string.h>

#include "testlib.h"

static double
total(mw_sim_t *s)
{
    double bm, em;
    mw_sim_tumour(s, &bm, &em);
    return bm + em;
}

static const char *modes[] = {"exact", "hybrid"};

static const char *mut_yaml = "horizon_days: 30\n"
                              "tumour:\n  capacity: 5000\n  clones:\n"
                              "    - {cells: 500, birth: 0.6, death: 0.3}\n"
                              "mutation:\n  rate: 0.01\n  catalogue:\n"
                              "    - {name: a, edits: {birth: x1.1}}\n"
                              "    - {name: b, recurrent: true, edits: {BCMA: lost}}\n";

static void
test_determinism(void **state)
{
    (void) state;
    for (int k = 0; k < 2; k++) {
        mw_scenario_t sc;
        mw_sim_t *a, *b, *c;
        mw_test_scenario(&sc, mut_yaml);
        mw_test_set_mode(&sc, modes[k]);
        assert_int_equal(mw_sim_create(&sc, 7, 3, &a), 0);
        assert_int_equal(mw_sim_create(&sc, 7, 3, &b), 0);
        assert_int_equal(mw_sim_create(&sc, 7, 4, &c), 0);
        /* the same calls give the same path */
        for (double t = 1; t <= 30; t += 1) {
            assert_true(mw_sim_run_until(a, t) >= 0);
            assert_true(mw_sim_run_until(b, t) >= 0);
        }
        assert_true(mw_sim_run_until(c, 30) >= 0);
        assert_int_equal(mw_sim_n_clones(a), mw_sim_n_clones(b));
        for (int i = 0; i < mw_sim_n_clones(a); i++) {
            assert_true(mw_sim_clone(a, i)->cells_bm == mw_sim_clone(b, i)->cells_bm);
            assert_true(mw_sim_clone(a, i)->born_day == mw_sim_clone(b, i)->born_day);
        }
        if (k == 0) {
            /* exact mode: where the caller stops does not change the path */
            mw_sim_t *d;
            assert_int_equal(mw_sim_create(&sc, 7, 3, &d), 0);
            assert_true(mw_sim_run_until(d, 30) >= 0);
            assert_int_equal(mw_sim_n_clones(a), mw_sim_n_clones(d));
            assert_true(total(a) == total(d));
            mw_sim_free(d);
        }
        assert_true(total(a) != total(c) || mw_sim_n_clones(a) != mw_sim_n_clones(c));
        mw_sim_free(a);
        mw_sim_free(b);
        mw_sim_free(c);
    }
}

static void
test_clone_tree(void **state)
{
    (void) state;
    for (int k = 0; k < 2; k++) {
        mw_scenario_t sc;
        mw_sim_t *s;
        mw_test_scenario(&sc, mut_yaml);
        mw_test_set_mode(&sc, modes[k]);
        assert_int_equal(mw_sim_create(&sc, 11, 0, &s), 0);
        assert_true(mw_sim_run_until(s, 30) >= 0);
        int n = mw_sim_n_clones(s);
        assert_true(n > 3); /* ~0.01 x 0.6 x 500..5000 cells x 30 days >> 3 mutants */
        int kids_b = 0;
        for (int i = 0; i < n; i++) {
            const mw_clone_t *c = mw_sim_clone(s, i);
            assert_int_equal(c->id, i);
            if (c->parent >= 0) {
                assert_true(c->parent < i);
                assert_true(c->born_day >= mw_sim_clone(s, c->parent)->born_day);
                assert_int_equal(c->born, MW_BORN_MUTATION);
            }
            if (c->mutation == 1) {
                assert_int_equal(c->traits.antigen[MW_AG_BCMA].copies, 0);
                if (c->parent == 0) {
                    kids_b++;
                }
            }
            if (c->mutation == 0) {
                double pb = mw_sim_clone(s, c->parent)->traits.birth;
                assert_true(fabs(c->traits.birth - 1.1 * pb) < 1e-12);
            }
        }
        /* recurrent: one child of the founder per entry however often it is hit */
        assert_true(kids_b <= 1);
        /* events log every clone birth */
        int born = 0;
        for (int i = 0; i < mw_sim_n_events(s); i++) {
            born += mw_sim_event(s, i)->kind == MW_EV_CLONE_BORN;
        }
        assert_int_equal(born, n - 1);
        mw_sim_free(s);
    }
}

/* Two-state switching with no birth or death: each cell is independently
 * switched at t with p = s/(s+o) (1 - e^{-(s+o) t}). */
static void
test_plasticity(void **state)
{
    (void) state;
    for (int k = 0; k < 2; k++) {
        mw_scenario_t sc;
        double sum = 0, sum2 = 0, n0 = 1000, t = 3;
        int reps = 2000;
        mw_test_scenario(&sc, "horizon_days: 3\n"
                              "tumour:\n  clones:\n    - {cells: 1000, birth: 0, death: 0}\n"
                              "plasticity: {rate: 0.2, back_rate: 0.3, "
                              "edits: {GPRC5D.density: x0.01}}\n"
                              "engine: {step_tolerance: 0.001}\n");
        mw_test_set_mode(&sc, modes[k]);
        for (int i = 0; i < reps; i++) {
            mw_sim_t *s;
            assert_int_equal(mw_sim_create(&sc, 5, (uint32_t) i, &s), 0);
            assert_true(mw_sim_run_until(s, t) >= 0);
            assert_true(total(s) == n0);
            double sw = 0;
            for (int c = 0; c < mw_sim_n_clones(s); c++) {
                const mw_clone_t *cl = mw_sim_clone(s, c);
                if (cl->switched) {
                    sw += cl->cells_bm;
                    assert_true(fabs(cl->traits.antigen[MW_AG_GPRC5D].density - 10.0) < 1e-9);
                }
            }
            sum += sw;
            sum2 += sw * sw;
            mw_sim_free(s);
        }
        double p = 0.2 / 0.5 * (1 - exp(-0.5 * t));
        double mean = sum / reps, var = (sum2 - reps * mean * mean) / (reps - 1);
        printf(" %s plasticity\n", modes[k]);
        if (k == 0) {
            /* exact: binomial mean and variance */
            assert_z(mean, n0 * p, sqrt(n0 * p * (1 - p) / reps), 4.0);
            assert_z(sqrt(reps / 2.0) * (var / (n0 * p * (1 - p)) - 1), 0, 1, 5);
        } else {
            /* hybrid leaps switching as Poisson flows: the mean is right; the
             * variance is not tested */
            assert_z(mean, n0 * p, sqrt(var / reps), 4.0);
        }
    }
}

/* Extramedullary seeding with no birth or death: marrow cells leave at rate
 * em_seeding (niche dependence 0), so EM cells ~ Binomial(n, 1 - e^{-mt}). */
static void
test_em_seeding(void **state)
{
    (void) state;
    for (int k = 0; k < 2; k++) {
        mw_scenario_t sc;
        double sum = 0, n0 = 500, t = 2;
        int reps = 2000, seeded = 0;
        mw_test_scenario(&sc, "horizon_days: 2\n"
                              "tumour:\n  em_seeding: 0.1\n  clones:\n"
                              "    - {cells: 500, birth: 0, death: 0, niche_dependence: 0}\n");
        mw_test_set_mode(&sc, modes[k]);
        for (int i = 0; i < reps; i++) {
            mw_sim_t *s;
            double bm, em;
            assert_int_equal(mw_sim_create(&sc, 9, (uint32_t) i, &s), 0);
            assert_true(mw_sim_run_until(s, t) >= 0);
            mw_sim_tumour(s, &bm, &em);
            assert_true(bm + em == n0);
            sum += em;
            for (int e = 0; e < mw_sim_n_events(s); e++) {
                seeded += mw_sim_event(s, e)->kind == MW_EV_EM_SEEDED;
            }
            mw_sim_free(s);
        }
        double p = 1 - exp(-0.1 * t);
        printf(" %s extramedullary seeding\n", modes[k]);
        assert_z(sum / reps, n0 * p, sqrt(n0 * p * (1 - p) / reps), 4.0);
        assert_int_equal(seeded, reps); /* once per run */
    }
}

static void
test_growth_founding(void **state)
{
    (void) state;
    for (int k = 0; k < 2; k++) {
        mw_scenario_t sc;
        mw_sim_t *s;
        mw_test_scenario(&sc, "horizon_days: 10\n"
                              "tumour:\n  founding: grow\n  grow_to_cells: 20000\n"
                              "  clones:\n    - {birth: 0.5, death: 0.25}\n"
                              "mutation:\n  rate: 0.001\n  catalogue:\n"
                              "    - {name: a, edits: {pdl1: +0.1}}\n");
        mw_test_set_mode(&sc, modes[k]);
        assert_int_equal(mw_sim_create(&sc, 3, 0, &s), 0);
        assert_true(total(s) >= 20000);
        assert_true(mw_sim_time(s) == 0);
        const mw_clone_t *a = mw_sim_clone(s, 0);
        /* ln(2e4)/0.25 ~ 40 days of growth before diagnosis */
        assert_true(a->born_day < -10);
        int diag = 0;
        for (int e = 0; e < mw_sim_n_events(s); e++) {
            const mw_event_t *ev = mw_sim_event(s, e);
            if (ev->kind == MW_EV_DIAGNOSIS) {
                diag++;
                assert_true(ev->t_days == 0);
            } else {
                assert_true(ev->t_days <= 0);
            }
        }
        assert_int_equal(diag, 1);
        assert_true(mw_sim_n_clones(s) > 1); /* ~0.001 x 4e4 divisions */
        assert_true(mw_sim_run_until(s, 10) >= 0);
        mw_sim_free(s);
    }
}

static void
test_markers_steady(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_sim_t *s;
    mw_markers_t mk;
    mw_test_scenario(&sc, "horizon_days: 100\n"
                          "tumour:\n  clones:\n    - {cells: 1.0e+11, birth: 0.03, death: 0.03, "
                          "niche_dependence: 0}\n");
    assert_int_equal(mw_sim_create(&sc, 1, 0, &s), 0);
    mw_sim_markers(s, &mk);
    assert_true(fabs(mk.mprotein_g_dl - 3.0) < 1e-9);
    assert_true(fabs(mk.flc_mg_l - 300.0) < 1e-9);
    assert_true(fabs(mk.sbcma_ng_ml - 300.0) < 1e-9);
    assert_true(mk.ctdna_hge_ml > 0);
    double c0 = mk.ctdna_hge_ml;
    /* neutral growth: markers stay at their steady state within noise */
    assert_true(mw_sim_run_until(s, 100) >= 0);
    mw_sim_markers(s, &mk);
    double rel = total(s) / 1e11;
    assert_true(fabs(mk.mprotein_g_dl / (3.0 * rel) - 1) < 1e-3);
    assert_true(fabs(mk.ctdna_hge_ml / (c0 * rel) - 1) < 1e-3);
    mw_sim_free(s);
}

static void
test_limits(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_sim_t *s = NULL;
    mw_test_scenario(&sc, "tumour:\n  clones:\n    - {cells: 1.0e+9}\n");
    mw_test_set_mode(&sc, "exact");
    assert_int_equal(mw_sim_create(&sc, 1, 0, &s), MW_ERR_EXACT_TOO_LARGE);
    assert_null(s);

    mw_test_scenario(&sc, "horizon_days: 50\ntumour:\n  clones:\n"
                          "    - {cells: 1000, birth: 1, death: 0.5}\n"
                          "mutation:\n  rate: 0.1\n  catalogue: [{name: a, edits: {pdl1: +0.1}}]\n"
                          "engine: {max_clones: 50}\n");
    for (int k = 0; k < 2; k++) {
        mw_test_set_mode(&sc, modes[k]);
        assert_int_equal(mw_sim_create(&sc, 1, 0, &s), 0);
        assert_int_equal(mw_sim_run_until(s, 50), MW_ERR_TOO_MANY_CLONES);
        mw_sim_free(s);
    }
    mw_sim_free(NULL);
}

static void
test_extinction_exit(void **state)
{
    (void) state;
    for (int k = 0; k < 2; k++) {
        mw_scenario_t sc;
        mw_sim_t *s;
        mw_test_scenario(&sc, "horizon_days: 200\ntumour:\n  clones:\n"
                              "    - {cells: 50, birth: 0.1, death: 0.5}\n");
        mw_test_set_mode(&sc, modes[k]);
        assert_int_equal(mw_sim_create(&sc, 1, 0, &s), 0);
        /* P(alive at 200 d) ~ 50 e^{-80}: extinct */
        assert_int_equal(mw_sim_run_until(s, 200), MW_EXIT_EXTINCT);
        assert_true(mw_sim_time(s) == 200);
        assert_true(total(s) == 0);
        assert_true(mw_sim_clone(s, 0)->extinct_day == mw_sim_clone(s, 0)->extinct_day);
        int ext = 0;
        for (int e = 0; e < mw_sim_n_events(s); e++) {
            ext += mw_sim_event(s, e)->kind == MW_EV_TUMOUR_EXTINCT;
        }
        assert_int_equal(ext, 1);
        mw_sim_free(s);
    }
}

/* Hybrid cost does not grow with the number of cells: the same dynamics at 1e5
 * and 1e11 cells take a similar number of steps. */
static void
test_hybrid_cost_scale_free(void **state)
{
    (void) state;
    mw_counters_t k[2];
    const char *y[2] = {"horizon_days: 365\ntumour:\n  capacity: 1.2e+5\n  clones:\n"
                        "    - {cells: 1.0e+5, birth: 0.035, death: 0.01}\n",
                        "horizon_days: 365\ntumour:\n  capacity: 1.2e+11\n  clones:\n"
                        "    - {cells: 1.0e+11, birth: 0.035, death: 0.01}\n"};
    for (int i = 0; i < 2; i++) {
        mw_scenario_t sc;
        mw_sim_t *s;
        mw_test_scenario(&sc, y[i]);
        assert_int_equal(mw_sim_create(&sc, 1, 0, &s), 0);
        assert_true(mw_sim_run_until(s, 365) >= 0);
        mw_sim_counters(s, &k[i]);
        mw_sim_free(s);
    }
    printf("  steps at 1e5 cells: %llu, at 1e11 cells: %llu\n",
           (unsigned long long) k[0].steps, (unsigned long long) k[1].steps);
    assert_true(k[1].steps <= 2 * k[0].steps + 10);
    assert_true(k[1].steps < 400);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism),       cmocka_unit_test(test_clone_tree),
        cmocka_unit_test(test_plasticity),        cmocka_unit_test(test_em_seeding),
        cmocka_unit_test(test_growth_founding),   cmocka_unit_test(test_markers_steady),
        cmocka_unit_test(test_limits),            cmocka_unit_test(test_extinction_exit),
        cmocka_unit_test(test_hybrid_cost_scale_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
