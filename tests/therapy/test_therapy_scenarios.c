/* The shipped treatment-resistance scenarios meet the targets written in their
 * headers (scenarios/resistance-crbn.yaml, niche-protection.yaml, pgp-efflux.yaml,
 * sequential-VR.yaml, combination-VR.yaml). */
#include <stdio.h>
#include <string.h>

#include "testlib.h"

static mw_sim_t *
run(const mw_scenario_t *sc, uint32_t index, double t)
{
    mw_sim_t *sim;
    assert_int_equal(mw_sim_create(sc, 2026, index, &sim), 0);
    int ret = mw_sim_run_until(sim, t);
    assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
    return sim;
}

static double
clone_cells(const mw_sim_t *sim, int i)
{
    const mw_clone_t *c = mw_sim_clone(sim, i);
    return c->cells_bm + c->cells_em;
}

static double
total(const mw_sim_t *sim)
{
    double bm, em;
    mw_sim_tumour(sim, &bm, &em);
    return bm + em;
}

static void
test_crbn_maintenance(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_test_scenario_file(&sc, "resistance-crbn");
    for (uint32_t rep = 0; rep < 5; rep++) {
        mw_sim_t *sim;
        mw_therapy_state_t ts;
        assert_int_equal(mw_sim_create(&sc, 2026, rep, &sim), 0);
        /* run to the first progression, month by month */
        double t = 0;
        do {
            t += 28;
            assert_int_equal(mw_sim_run_until(sim, t), 0);
            mw_sim_therapy(sim, &ts);
        } while (ts.progressions == 0 && t < sc.horizon_days);
        double p = ts.first_progression_day;
        double frac = clone_cells(sim, 1) / total(sim);
        printf("  replicate %u: progression on day %g, CRBN-loss fraction %.4f\n", rep, p,
               frac);
        assert_true(p >= 730 && p <= 1461);
        assert_true(frac >= 0.95);
        mw_sim_free(sim);
    }
    mw_test_set(&sc, "tumour.clones[1].cells=0");
    mw_sim_t *sim = run(&sc, 0, sc.horizon_days);
    mw_therapy_state_t ts;
    mw_sim_therapy(sim, &ts);
    assert_int_equal(ts.progressions, 0);
    assert_true(total(sim) <= 1e7);
    mw_sim_free(sim);
}

static void
test_niche_protection(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_test_scenario_file(&sc, "niche-protection");
    mw_sim_t *sim = run(&sc, 0, 365);
    double dep = total(sim);
    mw_sim_free(sim);
    mw_test_set(&sc, "tumour.clones[0].niche_dependence=0");
    sim = run(&sc, 0, 365);
    double indep = total(sim);
    mw_sim_free(sim);
    printf("  day 365: niche-dependent %.3g cells, niche-independent %.3g\n", dep, indep);
    assert_true(dep >= 1e10);
    assert_true(indep <= 1e8);
}

static void
test_pgp_efflux(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_test_scenario_file(&sc, "pgp-efflux");
    mw_sim_t *sim = run(&sc, 0, 168);
    double lo = log10(5e10 / clone_cells(sim, 0)), hi = log10(5e10 / clone_cells(sim, 1));
    double frac = clone_cells(sim, 1) / total(sim);
    mw_sim_free(sim);
    printf("  carfilzomib: log kill P-gp low %.2f, high %.2f; high fraction %.4f\n", lo, hi,
           frac);
    assert_true(frac >= 0.95);
    assert_true(hi < 0.5 * lo);
    mw_test_set(&sc, "plan.lines[0].phases[0].regimen=R");
    sim = run(&sc, 0, 168);
    lo = log10(5e10 / clone_cells(sim, 0));
    hi = log10(5e10 / clone_cells(sim, 1));
    mw_sim_free(sim);
    printf("  lenalidomide: log kill P-gp low %.2f, high %.2f\n", lo, hi);
    assert_true(lo > 0.5);
    assert_true(hi >= 0.6 * lo);
}

/* Eventual failure: progression on the plan's last line within the horizon. */
static int
failures(const char *name, int R)
{
    mw_scenario_t sc;
    int k = 0;
    mw_test_scenario_file(&sc, name);
    for (int rep = 0; rep < R; rep++) {
        mw_sim_t *sim = run(&sc, (uint32_t) rep, sc.horizon_days);
        mw_therapy_state_t ts;
        mw_sim_therapy(sim, &ts);
        k += ts.progressions >= sc.therapy.n_lines;
        mw_sim_free(sim);
    }
    return k;
}

static void
test_combination_vs_sequential(void **state)
{
    (void) state;
    const int R = 16;
    int seq = failures("sequential-VR", R), comb = failures("combination-VR", R);
    double p1 = (double) seq / R, p2 = (double) comb / R, p = (seq + comb) / (2.0 * R);
    double se = sqrt(p * (1 - p) * 2.0 / R);
    printf("  eventual failure: sequential %d/%d, combination %d/%d\n", seq, R, comb, R);
    assert_true(p1 >= 0.8);
    assert_true(p2 <= 0.2);
    assert_true(se > 0 && (p1 - p2) / se >= 4.0);
}


static double
event_time(const mw_sim_t *sim, int kind, int nth)
{
    for (int i = 0, k = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == kind && k++ == nth) {
            return e->t_days;
        }
    }
    return NAN;
}

static void
test_dvrd_asct(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_test_scenario_file(&sc, "dvrd-asct");
    mw_sim_t *sim = run(&sc, 0, 250);
    /* 4 x 28-day induction, +21 days, MEL200 (1 day), +60 days, 2 x 28 days */
    assert_true(event_time(sim, MW_EV_PHASE_START, 1) == 133);
    assert_true(event_time(sim, MW_EV_PHASE_START, 2) == 194);
    assert_true(event_time(sim, MW_EV_PHASE_START, 3) == 250);
    printf("  cells at the start of maintenance: %.3g\n", total(sim));
    assert_true(total(sim) <= 1e7);
    mw_sim_free(sim);
}

static void
test_cart_course(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_immune_state_t is;
    mw_test_scenario_file(&sc, "cart-course");
    mw_sim_t *sim;
    assert_int_equal(mw_sim_create(&sc, 2026, 0, &sim), 0);
    double t = 0, t_inf = NAN;
    while (isnan(t_inf) && t < sc.horizon_days) {
        t += 1;
        assert_int_equal(mw_sim_run_until(sim, t), 0);
        t_inf = event_time(sim, MW_EV_INFUSION, 0);
    }
    double t_prog = event_time(sim, MW_EV_PROGRESSION, 0);
    double t_aph = event_time(sim, MW_EV_APHERESIS, 0);
    double t_ld0 = event_time(sim, MW_EV_LYMPHODEPLETION, 0);
    double last_bridge = -1;
    int n_ld = 0;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        n_ld += e->kind == MW_EV_LYMPHODEPLETION;
        if (e->kind == MW_EV_DOSE && e->t_days > t_aph &&
            strcmp(sc.therapy.drugs[e->other].name, "dexamethasone") == 0) {
            last_bridge = e->t_days;
        }
    }
    mw_sim_immune(sim, &is);
    printf("  progression %g, apheresis %g, last bridging dose %g, LD from %g (%d doses), "
           "infusion %g, T cells %.3g of %.3g\n",
           t_prog, t_aph, last_bridge, t_ld0, n_ld, t_inf, is.t_cells, sc.immune.t_cells);
    assert_true(t_aph == t_prog);
    assert_true(t_inf == t_aph + 40);
    assert_true(t_ld0 == t_inf - 5);
    assert_int_equal(n_ld, 6); /* fludarabine and cyclophosphamide on three days */
    assert_true(last_bridge < t_ld0);
    assert_true(is.t_cells <= 0.3 * sc.immune.t_cells);
    mw_sim_free(sim);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crbn_maintenance),
        cmocka_unit_test(test_niche_protection),
        cmocka_unit_test(test_pgp_efflux),
        cmocka_unit_test(test_combination_vs_sequential),
        cmocka_unit_test(test_dvrd_asct),
        cmocka_unit_test(test_cart_course),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
