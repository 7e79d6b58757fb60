/* The shipped immune scenarios meet the targets written at the top of each file,
 * and each escape mechanism is shown to be the cause: switching it off removes
 * the escape (SPEC.md §3, issue 3). */
#include <stdio.h>
#include <string.h>

#include "testlib.h"

#define SEED 1

typedef int (*pred_t)(const mw_clone_t *c);

static mw_sim_t *
run(const char *name, const char *const *sets, double t)
{
    mw_scenario_t s;
    mw_sim_t *sim;
    mw_test_scenario_file(&s, name);
    for (int i = 0; sets != NULL && sets[i] != NULL; i++) {
        mw_test_set(&s, sets[i]);
    }
    assert_int_equal(mw_sim_create(&s, SEED, 0, &sim), 0);
    int ret = mw_sim_run_until(sim, t);
    assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
    return sim;
}

static double
cells(const mw_sim_t *sim, pred_t p)
{
    double n = 0;
    for (int i = 0; i < mw_sim_n_clones(sim); i++) {
        const mw_clone_t *c = mw_sim_clone(sim, i);
        if (p == NULL || p(c)) {
            n += c->cells_bm + c->cells_em;
        }
    }
    return n;
}

static int
bcma_null(const mw_clone_t *c)
{
    return c->traits.antigen[MW_AG_BCMA].copies == 0;
}

static int
gprc5d_null(const mw_clone_t *c)
{
    return c->traits.antigen[MW_AG_GPRC5D].copies == 0;
}

static int
switched(const mw_clone_t *c)
{
    return c->switched;
}

static int
pdl1_high(const mw_clone_t *c)
{
    return c->traits.pdl1 > 0.9;
}

static void
test_cart_bcma_kinetics(void **state)
{
    (void) state;
    mw_sim_t *sim = run("cart-bcma", NULL, 28);
    mw_cart_pk_t pk;
    mw_cart_state_t c28, c180;
    mw_toxicity_t tx;
    assert_int_equal(mw_sim_cart(sim, 0, &c28), 0);
    double tum28 = cells(sim, NULL);
    assert_true(mw_sim_run_until(sim, 180) >= 0);
    assert_int_equal(mw_sim_cart(sim, 0, &c180), 0);
    assert_int_equal(mw_sim_cart_pk(sim, 0, &pk), 0);
    mw_sim_toxicity(sim, &tx);
    printf("  Tmax %.2f d, Cmax %.4g copies/ug (%.4g cells/uL), AUC0-28 %.4g, "
           "day 28 %.4g, day 180 %.4g copies/ug; tumour day 28 %.3g; CRS %d\n",
           pk.tmax_days, pk.cmax, pk.cmax_cells_ul, pk.auc0_28, c28.copies_ug,
           c180.copies_ug, tum28, tx.crs_max);
    assert_true(pk.tmax_days >= 9 && pk.tmax_days <= 14);
    assert_true(pk.cmax >= 1e4 && pk.cmax <= 1e5);
    assert_true(pk.auc0_28 >= 2e5 && pk.auc0_28 <= 1.5e6);
    assert_true(c28.copies_ug <= pk.cmax / 2);
    assert_true(c180.copies_ug >= 5.0 && pk.persistence_days >= 180);
    assert_true(tum28 < 1e8);
    assert_true(tx.crs_max >= 1 && tx.crs_max <= 2);
    mw_sim_free(sim);
}

static void
test_antigen_loss(void **state)
{
    (void) state;
    mw_sim_t *sim = run("cart-bcma-antigen-loss", NULL, 28);
    double t28 = cells(sim, NULL);
    assert_true(mw_sim_run_until(sim, 730) >= 0);
    double all = cells(sim, NULL), neg = cells(sim, bcma_null);
    printf("  day 28 %.3g, day 730 %.3g cells, BCMA-null %.1f%%\n", t28, all, 100 * neg / all);
    assert_true(t28 < 1e9 && all > 1e9 && neg > 0.9 * all);
    mw_sim_free(sim);

    /* without the second hit there is no BCMA-null cell */
    const char *off[] = {"mutation.rate=0", NULL};
    sim = run("cart-bcma-antigen-loss", off, 730);
    printf("  mutation off: day 730 %.3g cells, BCMA-null %.3g\n", cells(sim, NULL),
           cells(sim, bcma_null));
    assert_true(cells(sim, bcma_null) == 0);
    mw_sim_free(sim);
}

static void
test_bcma_low(void **state)
{
    (void) state;
    mw_sim_t *sim = run("cart-bcma-low", NULL, 730);
    double all = cells(sim, NULL), low = cells(sim, switched);
    printf("  day 730 %.3g cells, BCMA-low %.1f%%\n", all, 100 * low / all);
    assert_true(all > 1e9 && low > 0.8 * all);
    mw_sim_free(sim);

    const char *off[] = {"plasticity.rate=0", "immune.trogocytosis=0", NULL};
    sim = run("cart-bcma-low", off, 730);
    printf("  plasticity and trogocytosis off: %.3g cells, BCMA-low %.3g\n",
           cells(sim, NULL), cells(sim, switched));
    assert_true(cells(sim, switched) == 0);
    mw_sim_free(sim);

    /* trogocytosis alone (no spontaneous switching) still drives the escape */
    const char *trog[] = {"plasticity.rate=0", NULL};
    sim = run("cart-bcma-low", trog, 730);
    printf("  trogocytosis only: %.3g cells, BCMA-low %.3g\n", cells(sim, NULL),
           cells(sim, switched));
    assert_true(cells(sim, switched) > 1e6);
    mw_sim_free(sim);
}

static void
test_pdl1_and_pd1ko(void **state)
{
    (void) state;
    mw_sim_t *sim = run("cart-pdl1", NULL, 365);
    double all = cells(sim, NULL), hi = cells(sim, pdl1_high);
    mw_sim_free(sim);
    sim = run("cart-pd1ko", NULL, 365);
    double hi_ko = cells(sim, pdl1_high);
    mw_sim_free(sim);
    printf("  unedited CAR: %.3g cells, PD-L1-high %.1f%%; PD-1 KO CAR: PD-L1-high %.3g\n",
           all, 100 * hi / all, hi_ko);
    assert_true(all > 1e8 && hi > 0.8 * all);
    assert_true(hi_ko * 100 <= hi);
}

static void
test_dual_or(void **state)
{
    (void) state;
    mw_sim_t *sim = run("cart-dual-or", NULL, 365);
    double all = cells(sim, NULL), neg = cells(sim, bcma_null);
    mw_sim_free(sim);
    /* the same product with its GPRC5D binder removed (BCMA only) */
    mw_scenario_t s;
    mw_test_scenario_file(&s, "cart-dual-or");
    s.immune.products[0].n_targets = 1;
    s.immune.products[0].logic = MW_LOGIC_SINGLE;
    assert_int_equal(mw_sim_create(&s, SEED, 0, &sim), 0);
    assert_true(mw_sim_run_until(sim, 365) >= 0);
    double neg1 = cells(sim, bcma_null);
    mw_sim_free(sim);
    printf("  OR gate: %.3g cells, BCMA-null %.3g; BCMA-only: BCMA-null %.3g\n", all, neg,
           neg1);
    assert_true(neg == 0 && all < 1e8);
    assert_true(neg1 > 1e8);
}

static void
test_and_gate(void **state)
{
    (void) state;
    mw_sim_t *sim = run("cart-and-gate", NULL, 365);
    double all = cells(sim, NULL), neg = cells(sim, gprc5d_null);
    mw_sim_free(sim);
    const char *or[] = {"products[0].logic=or", NULL};
    sim = run("cart-and-gate", or, 365);
    double all_or = cells(sim, NULL), neg_or = cells(sim, gprc5d_null);
    mw_sim_free(sim);
    printf("  AND: %.3g cells, GPRC5D-null %.1f%%; OR: %.3g cells, GPRC5D-null %.3g\n", all,
           100 * neg / all, all_or, neg_or);
    assert_true(all > 1e8 && neg > 0.9 * all);
    assert_true(neg_or == 0 && all_or < 1e8);
}

static void
test_armored(void **state)
{
    (void) state;
    mw_cart_pk_t pk[2];
    mw_toxicity_t tx[2];
    double t28[2];
    const char *none[] = {"products[0].armor=none", NULL};
    for (int a = 0; a < 2; a++) {
        mw_sim_t *sim = run("cart-armored", a == 0 ? none : NULL, 28);
        t28[a] = cells(sim, NULL);
        assert_int_equal(mw_sim_cart_pk(sim, 0, &pk[a]), 0);
        mw_sim_toxicity(sim, &tx[a]);
        mw_sim_free(sim);
    }
    printf("  unarmored: Cmax %.4g, day 28 %.3g, CRS %d; IL-12: Cmax %.4g, day 28 %.3g, "
           "CRS %d\n",
           pk[0].cmax, t28[0], tx[0].crs_max, pk[1].cmax, t28[1], tx[1].crs_max);
    assert_true(pk[1].cmax > pk[0].cmax);
    assert_true(t28[1] < t28[0]);
    assert_true(tx[1].crs_max >= tx[0].crs_max);
}

static void
test_teclistamab(void **state)
{
    (void) state;
    mw_immune_state_t is;
    mw_toxicity_t tx;
    mw_sim_t *sim = run("teclistamab", NULL, 28);
    mw_sim_immune(sim, &is);
    double t_f = is.t_cells, t_x = is.t_exhausted;
    assert_true(mw_sim_run_until(sim, 60) >= 0);
    mw_sim_immune(sim, &is);
    double occ = is.engager_occupancy[0];
    assert_true(mw_sim_run_until(sim, 90) >= 0);
    double t90 = cells(sim, NULL);
    mw_sim_toxicity(sim, &tx);
    printf("  day 28 T %.3g exhausted %.3g; occupancy day 60 %.3f; tumour day 90 %.3g; "
           "CRS %d\n",
           t_f, t_x, occ, t90, tx.crs_max);
    assert_true(t_x > t_f);
    assert_true(occ > 0.5);
    assert_true(t90 < 1e10);
    assert_true(tx.crs_max <= 2);
    mw_sim_free(sim);

    /* sBCMA is a sink: with 10x the shedding occupancy falls */
    const char *sink[] = {"markers.sbcma.per_1e11_cells=3000", NULL};
    sim = run("teclistamab", sink, 1);
    mw_sim_immune(sim, &is);
    double occ_hi = is.engager_occupancy[0];
    mw_sim_free(sim);
    sim = run("teclistamab", NULL, 1);
    mw_sim_immune(sim, &is);
    printf("  day 1 occupancy: sBCMA x10 %.3f, default %.3f\n", occ_hi, is.engager_occupancy[0]);
    assert_true(occ_hi < is.engager_occupancy[0]);
    mw_sim_free(sim);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cart_bcma_kinetics), cmocka_unit_test(test_antigen_loss),
        cmocka_unit_test(test_bcma_low),           cmocka_unit_test(test_pdl1_and_pd1ko),
        cmocka_unit_test(test_dual_or),            cmocka_unit_test(test_and_gate),
        cmocka_unit_test(test_armored),            cmocka_unit_test(test_teclistamab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
