/* Clinic assays against their closed forms (SPEC.md §5): MRD detection is the
 * binomial tail of the cells analysed; ctDNA calls are the binomial tail of the
 * variant reads; measurement noise keeps the mean; and measuring never changes
 * the tumour's path (the measurement stream is separate). */
#include <gsl/gsl_cdf.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

/* The scenario with no assay scheduled: each test turns on what it measures. */
static void
scenario(mw_scenario_t *s, const char *body)
{
    char y[4096];
    snprintf(y, sizeof(y), "horizon_days: 400\n%s", body);
    mw_test_scenario(s, y);
    for (int a = 0; a < MW_N_ASSAYS; a++) {
        s->monitoring.schedule[a].every_days = 0;
        s->monitoring.schedule[a].at_line_start = 0;
    }
}

/* Sum of the values of quantity q (index idx, -1 any) and how many there were. */
static double
sum_obs(const mw_sim_t *sim, int q, int idx, int *n)
{
    double x = 0;
    *n = 0;
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *o = mw_sim_obs(sim, i);
        if (o->quantity == q && (idx < 0 || o->index == idx)) {
            x += o->value;
            (*n)++;
        }
    }
    return x;
}

/* A constant marrow tumour at ~1e-5 of nucleated cells: the MRD call at each visit
 * is positive with P(Binomial(n, p) >= k), p = N / (N + normal cells). */
static void
test_mrd_binomial(void **state)
{
    (void) state;
    mw_scenario_t sc;
    scenario(&sc, "tumour:\n  clones:\n    - {name: c, cells: 7.0e+6, birth: 0, death: 0}\n");
    mw_test_set(&sc, "monitoring.marrow.every_days=1");
    mw_test_set(&sc, "monitoring.marrow.count=0");
    mw_test_set(&sc, "monitoring.marrow.mrd_cells=2.0e+6");
    mw_test_set(&sc, "monitoring.marrow.mrd_min_events=20");
    mw_sim_t *sim;
    assert_int_equal(mw_sim_create(&sc, 5, 0, &sim), 0);
    assert_int_equal(mw_sim_run_until(sim, 399.5), 0);
    int n, m;
    double pos = sum_obs(sim, MW_Q_MRD_POSITIVE, -1, &n);
    double frac = sum_obs(sim, MW_Q_MRD, -1, &m);
    double p = 7.0e6 / (7.0e6 + sc.monitoring.marrow_cells);
    double P = gsl_cdf_binomial_Q(19, p, 2000000); /* P(X > 19) */
    assert_int_equal(n, 400);
    printf("  MRD positive %g of %d visits, expected %.2f (P = %.4f)\n", pos, n, n * P, P);
    assert_z(pos, n * P, sqrt(n * P * (1 - P)), 4.0);
    /* the cells found: Binomial(n x 2e6, p) in all */
    double N = 2.0e6 * m;
    assert_z(frac * 2.0e6, N * p, sqrt(N * p * (1 - p)), 4.0);
    mw_sim_free(sim);
}

/* A steady tumour in mean mode (deterministic ctDNA): each visit calls the
 * founder's truncal mutation with P(Binomial(depth, q) >= min_alt), q the read
 * VAF with errors, from the true VAF = ctDNA / 2 / (ctDNA + normal cfDNA). */
static void
test_ctdna_detection(void **state)
{
    (void) state;
    mw_scenario_t sc;
    scenario(&sc, "tumour:\n  clones:\n    - {name: c, cells: 7.0e+8, birth: 0.02, death: 0.02}\n"
                  "engine: {mode: mean}\n");
    mw_test_set(&sc, "monitoring.ctdna.every_days=1");
    mw_test_set(&sc, "monitoring.ctdna.from_day=20");
    mw_test_set(&sc, "monitoring.ctdna.depth=3000");
    mw_test_set(&sc, "monitoring.ctdna.error_rate=1.0e-4");
    mw_test_set(&sc, "monitoring.ctdna.min_alt_reads=3");
    mw_sim_t *sim;
    assert_int_equal(mw_sim_create(&sc, 7, 0, &sim), 0);
    double expect = 0, var = 0, vaf = 0;
    int visits = 0;
    for (int t = 20; t < 400; t++) {
        assert_int_equal(mw_sim_run_until(sim, t), 0);
        double x = mw_sim_clone_ctdna(sim, 0);
        vaf = 0.5 * x / (x + sc.monitoring.cfdna_hge_ml);
        double e = sc.monitoring.ctdna_error;
        double q = vaf * (1 - e) + (1 - vaf) * e / 3;
        double P = gsl_cdf_binomial_Q(2, q, 3000); /* P(alt >= 3) */
        expect += P;
        var += P * (1 - P);
        visits++;
    }
    int n;
    double called = 0;
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *o = mw_sim_obs(sim, i);
        called += o->quantity == MW_Q_VAF_CLONE && o->value > 0;
    }
    (void) sum_obs(sim, MW_Q_VAF_CLONE, 0, &n);
    assert_int_equal(n, visits);
    printf("  VAF %.2e: called at %g of %d visits, expected %.1f\n", vaf, called, n, expect);
    assert_true(expect > 0.2 * n && expect < 0.8 * n); /* a test with power */
    assert_z(called, expect, sqrt(var), 4.0);
    mw_sim_free(sim);
}

/* Electrophoresis noise keeps the mean: M-protein at a steady state read 300 times
 * with CV 0.2. */
static void
test_spep_noise(void **state)
{
    (void) state;
    mw_scenario_t sc;
    scenario(&sc, "tumour:\n  clones:\n    - {name: c, cells: 1.0e+11, birth: 0, death: 0}\n");
    mw_test_set(&sc, "monitoring.spep.every_days=1");
    mw_test_set(&sc, "monitoring.spep.cv=0.2");
    mw_sim_t *sim;
    assert_int_equal(mw_sim_create(&sc, 9, 0, &sim), 0);
    assert_int_equal(mw_sim_run_until(sim, 299.5), 0);
    mw_markers_t mk;
    mw_sim_markers(sim, &mk);
    int n;
    double s = sum_obs(sim, MW_Q_MPROTEIN, -1, &n);
    printf("  mean M-protein %.4f of %d reads, true %.4f\n", s / n, n, mk.mprotein_g_dl);
    assert_int_equal(n, 300);
    assert_z(s / n, mk.mprotein_g_dl, 0.2 * mk.mprotein_g_dl / sqrt(n), 4.0);
    mw_sim_free(sim);
}

/* Measuring does not change the tumour: the same seed with and without every
 * assay gives the same cells, clone for clone, bit for bit (exact mode, which
 * resumes its event clock across stops; a hybrid path depends on where its steps
 * stop, visits included, as it does on output_every_days: docs/model.md §9). */
static void
test_measuring_changes_nothing(void **state)
{
    (void) state;
    const char *body =
        "tumour:\n  clones:\n"
        "    - {name: a, cells: 2000, birth: 0.05, death: 0.03}\n"
        "    - {name: b, cells: 200, birth: 0.05, death: 0.02, em_cells: 50}\n"
        "mutation:\n  rate: 1.0e-3\n  catalogue: [{name: x, edits: {birth: x1.1}}]\n"
        "engine: {mode: exact}\n";
    static const char *all[] = {
        "monitoring.spep.every_days=7",  "monitoring.flc.every_days=7",
        "monitoring.marrow.every_days=30", "monitoring.flow.every_days=30",
        "monitoring.ctdna.every_days=14", "monitoring.imaging.every_days=60",
    };
    mw_scenario_t a, b;
    scenario(&a, body);
    scenario(&b, body);
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        mw_test_set(&b, all[i]);
    }
    mw_sim_t *sa, *sb;
    assert_int_equal(mw_sim_create(&a, 11, 3, &sa), 0);
    assert_int_equal(mw_sim_create(&b, 11, 3, &sb), 0);
    for (int t = 25; t <= 150; t += 25) {
        assert_int_equal(mw_sim_run_until(sa, t), 0);
        assert_int_equal(mw_sim_run_until(sb, t), 0);
    }
    assert_int_equal(mw_sim_n_obs(sa), 0);
    assert_true(mw_sim_n_obs(sb) > 50);
    assert_int_equal(mw_sim_n_clones(sa), mw_sim_n_clones(sb));
    for (int i = 0; i < mw_sim_n_clones(sa); i++) {
        const mw_clone_t *x = mw_sim_clone(sa, i), *y = mw_sim_clone(sb, i);
        assert_memory_equal(&x->cells_bm, &y->cells_bm, sizeof(double));
        assert_memory_equal(&x->cells_em, &y->cells_em, sizeof(double));
    }
    mw_sim_free(sa);
    mw_sim_free(sb);
}

/* Single cells come from clones in proportion to their marrow cells (blood: all
 * cells), with densities from the clone's lognormal. */
static void
test_single_cells(void **state)
{
    (void) state;
    mw_scenario_t sc;
    scenario(&sc, "tumour:\n  clones:\n"
                  "    - {name: a, cells: 3.0e+9, birth: 0, death: 0}\n"
                  "    - {name: b, cells: 1.0e+9, birth: 0, death: 0, em_cells: 4.0e+9}\n");
    mw_test_set(&sc, "monitoring.single_cell.every_days=10");
    mw_test_set(&sc, "monitoring.single_cell.cells=400");
    for (int blood = 0; blood < 2; blood++) {
        mw_sim_t *sim;
        sc.monitoring.sc_blood = blood;
        assert_int_equal(mw_sim_create(&sc, 13, 0, &sim), 0);
        assert_int_equal(mw_sim_run_until(sim, 95), 0);
        double a = 0, lnd = 0;
        int n = mw_sim_n_cells(sim);
        for (int i = 0; i < n; i++) {
            const mw_cell_obs_t *x = mw_sim_cell(sim, i);
            a += x->clone == 0;
            lnd += log(x->density[MW_AG_BCMA]);
        }
        assert_int_equal(n, 10 * 400);
        /* clone a: 3/4 of the marrow, 3/8 of all cells */
        double p = blood ? 3.0 / 8.0 : 0.75;
        printf("  %s: clone a %.0f of %d cells, expected %.0f\n", blood ? "blood" : "marrow", a,
               n, n * p);
        assert_z(a, n * p, sqrt(n * p * (1 - p)), 4.0);
        /* BCMA: lognormal around the default median */
        const mw_antigen_t *ag = &mw_sim_clone(sim, 0)->traits.antigen[MW_AG_BCMA];
        assert_z(lnd / n, log(ag->density), ag->spread / sqrt(n), 4.0);
        mw_sim_free(sim);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mrd_binomial),
        cmocka_unit_test(test_ctdna_detection),
        cmocka_unit_test(test_spep_noise),
        cmocka_unit_test(test_measuring_changes_nothing),
        cmocka_unit_test(test_single_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
