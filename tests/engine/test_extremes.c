/* Numeric extremes (issue #8): populations from 0 to 1e13 cells, rates from 0 to the
 * largest allowed (100/day), horizons of decades, zero doses and 1e4 clones.  Each
 * case runs in every engine mode it is allowed in and checks, at every output time,
 * that cell counts and markers are finite and never negative, and that the run ends
 * at its horizon or with a clean refusal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

/* One clone of @p cells, birth @p b and death @p d per day, no crowding unless set. */
static const char *one_clone =
    "horizon_days: 3650\n"
    "output_every_days: 365\n"
    "tumour:\n"
    "  clones:\n"
    "    - {name: a, cells: 1.0e+9, birth: 0.035, death: 0.03}\n";

static void
check_state(const mw_sim_t *s, const char *what)
{
    double bm, em;
    mw_markers_t mk;
    mw_sim_tumour(s, &bm, &em);
    mw_sim_markers(s, &mk);
    if (!(isfinite(bm) && bm >= 0 && isfinite(em) && em >= 0)) {
        fail_msg("%s: tumour bm %g em %g at day %g", what, bm, em, mw_sim_time(s));
    }
    double m[] = {mk.il6_pg_ml, mk.mprotein_g_dl, mk.flc_mg_l, mk.sbcma_ng_ml,
                  mk.ctdna_hge_ml};
    for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
        if (!(isfinite(m[k]) && m[k] >= 0)) {
            fail_msg("%s: marker %zu is %g at day %g", what, k, m[k], mw_sim_time(s));
        }
    }
    for (int i = 0; i < mw_sim_n_clones(s); i++) {
        const mw_clone_t *c = mw_sim_clone(s, i);
        if (!(isfinite(c->cells_bm) && c->cells_bm >= 0 && isfinite(c->cells_em) &&
              c->cells_em >= 0)) {
            fail_msg("%s: clone %d has %g + %g cells", what, i, c->cells_bm, c->cells_em);
        }
    }
}

/* Run @p sc to its horizon in steps of output_every_days, checking the state at
 * each (also after a refusal); returns the final code (0 or MW_EXIT_EXTINCT), or
 * the error that stopped it. */
static int
run_checked(const mw_scenario_t *sc, const char *what)
{
    mw_sim_t *s = NULL;
    int r = mw_sim_create(sc, 1, 0, &s);
    if (r != 0) {
        return r;
    }
    for (double t = sc->output_every_days;; t += sc->output_every_days) {
        double to = t < sc->horizon_days ? t : sc->horizon_days;
        r = mw_sim_run_until(s, to);
        check_state(s, what);
        if (r < 0) {
            mw_sim_free(s);
            return r;
        }
        if (to >= sc->horizon_days) {
            break;
        }
    }
    assert_true(mw_sim_time(s) == sc->horizon_days);
    mw_sim_free(s);
    return r;
}

/* @p sets applied to one_clone, run in each of the three modes: hybrid and mean must
 * end with @p expect (0 meaning the horizon or extinction), exact too when
 * @p exact_ok, otherwise exact must refuse the population as too large. */
static void
run_case_expect(const char *const *sets, int n, int exact_ok, int expect,
                const char *what)
{
    static const char *modes[] = {"hybrid", "mean", "exact"};
    mw_scenario_t *sc = malloc(sizeof(*sc));
    assert_non_null(sc);
    for (int m = 0; m < 3; m++) {
        mw_test_scenario(sc, one_clone);
        for (int k = 0; k < n; k++) {
            mw_test_set(sc, sets[k]);
        }
        mw_test_set_mode(sc, modes[m]);
        char label[160];
        snprintf(label, sizeof(label), "%s (%s)", what, modes[m]);
        int r = run_checked(sc, label);
        if (m == 2 && !exact_ok) {
            assert_int_equal(r, MW_ERR_EXACT_TOO_LARGE);
        } else if (expect == 0) {
            if (r != 0 && r != MW_EXIT_EXTINCT) {
                fail_msg("%s: ended with %d (%s)", label, r, mw_strerror(r));
            }
        } else {
            assert_int_equal(r, expect);
        }
    }
    free(sc);
}

static void
run_case(const char *const *sets, int n, int exact_ok, const char *what)
{
    run_case_expect(sets, n, exact_ok, 0, what);
}

static void
test_no_cells(void **state)
{
    (void) state;
    const char *sets[] = {"tumour.clones[0].cells=0"};
    run_case(sets, 1, 1, "0 cells");
}

static void
test_1e13_cells_growing(void **state)
{
    (void) state;
    /* 1e13 cells growing for 10 years towards a marrow that holds 2e13. */
    const char *sets[] = {"tumour.clones[0].cells=1e13", "tumour.clones[0].birth=0.04",
                          "tumour.capacity=2e13"};
    run_case(sets, 3, 0, "1e13 cells");
}

static void
test_fastest_rates(void **state)
{
    (void) state;
    /* Birth and death at the allowed maximum, 100/day each (1e11 divisions a day),
     * for a year against crowding at 1e12 cells; then birth alone at 100/day. */
    const char *sets[] = {"tumour.clones[0].birth=100", "tumour.clones[0].death=100",
                          "tumour.capacity=1e12", "horizon_days=365",
                          "output_every_days=30"};
    run_case(sets, 5, 0, "birth = death = 100/day");
    const char *grow[] = {"tumour.clones[0].birth=100", "tumour.clones[0].death=0",
                          "tumour.capacity=1e12", "horizon_days=30",
                          "output_every_days=1"};
    run_case(grow, 5, 0, "birth 100/day to capacity");
}

static void
test_runaway_refused(void **state)
{
    (void) state;
    /* Without crowding, niche support makes birth = death = 100/day grow by about
     * 8/day: past 1e30 cells (the engines' limit) in days.  A clean error, never
     * Inf. */
    const char *sets[] = {"tumour.clones[0].birth=100", "tumour.clones[0].death=100",
                          "horizon_days=365", "output_every_days=30"};
    run_case_expect(sets, 4, 0, MW_ERR_TOO_MANY_CELLS, "runaway growth");
}

static void
test_zero_rates(void **state)
{
    (void) state;
    const char *frozen[] = {"tumour.clones[0].birth=0", "tumour.clones[0].death=0"};
    run_case(frozen, 2, 0, "birth = death = 0");
    const char *dying[] = {"tumour.clones[0].birth=0", "tumour.clones[0].death=100",
                           "tumour.clones[0].cells=1000"};
    run_case(dying, 3, 1, "death 100/day");
}

static void
test_decades(void **state)
{
    (void) state;
    /* A century at a crowded steady state, in yearly outputs. */
    const char *sets[] = {"horizon_days=36525", "tumour.capacity=1e11",
                          "tumour.clones[0].cells=1e11"};
    run_case(sets, 3, 0, "100 years");
}

static void
test_zero_doses(void **state)
{
    (void) state;
    /* A CAR-T product of zero cells and an engager at zero mg/kg. */
    mw_scenario_t *sc = malloc(sizeof(*sc));
    assert_non_null(sc);
    mw_test_scenario_file(sc, "cart-bcma");
    mw_test_set(sc, "products[0].dose_cells=0");
    mw_test_set(sc, "horizon_days=120");
    int r = run_checked(sc, "CAR-T dose 0");
    assert_true(r == 0 || r == MW_EXIT_EXTINCT);
    mw_test_scenario_file(sc, "teclistamab");
    mw_test_set(sc, "engagers[0].dose_mg_kg=0");
    mw_test_set(sc, "horizon_days=120");
    r = run_checked(sc, "engager dose 0");
    assert_true(r == 0 || r == MW_EXIT_EXTINCT);
    free(sc);
}

static void
test_ten_thousand_clones(void **state)
{
    (void) state;
    /* A mutation rate that makes a new clone every few divisions' worth of cells. */
    mw_scenario_t *sc = malloc(sizeof(*sc));
    assert_non_null(sc);
    mw_test_scenario(sc, one_clone);
    mw_test_set(sc, "tumour.clones[0].cells=1e9");
    mw_test_set(sc, "mutation.rate=1e-5");
    mw_test_set(sc, "horizon_days=60");
    mw_test_set(sc, "output_every_days=10");
    mw_sim_t *s = NULL;
    assert_int_equal(mw_sim_create(sc, 1, 0, &s), 0);
    for (double t = 10; t <= 60; t += 10) {
        assert_true(mw_sim_run_until(s, t) >= 0);
        check_state(s, "1e4 clones");
    }
    if (mw_sim_n_clones(s) < 10000) {
        fail_msg("only %d clones: raise the mutation rate", mw_sim_n_clones(s));
    }
    mw_sim_free(s);
    free(sc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_cells),      cmocka_unit_test(test_1e13_cells_growing),
        cmocka_unit_test(test_fastest_rates), cmocka_unit_test(test_runaway_refused),
        cmocka_unit_test(test_zero_rates),    cmocka_unit_test(test_decades),
        cmocka_unit_test(test_zero_doses),    cmocka_unit_test(test_ten_thousand_clones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
