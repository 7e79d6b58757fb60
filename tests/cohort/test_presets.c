/*
 * The calibrated virtual-trial presets reproduce their published targets
 * (docs/validation.md): scenarios/karmma-idecel.yaml, karmma-idecel-450.yaml,
 * cartitude1-ciltacel.yaml, majestec1-teclistamab.yaml and tce-standard.yaml, each
 * run as a cohort through mw_cohort() with a seed that was not used to fit them.
 *
 * Rule, for every target: |model - published| <= 4 SE_model + h_published, where
 * SE_model is the standard error of the model's estimate from its own cohort
 * (a rate: sqrt(p (1 - p) / N); a median or a landmark: the width of the model's 95%
 * interval / (2 x 1.96), Brookmeyer-Crowley or log-log) and h_published the
 * half-width of the trial's 95% interval (published, or Wilson from its counts).
 * The published half-width is the trial's own sampling error; 4 SE keeps the
 * model's chance of a false failure below 1e-4 per target.  The cohort sizes keep
 * the whole file near 30 s on 2 cores (about 100 CAR-T patients/s, 500 engager
 * and 2000 standard-regimen patients/s).
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

#define SEED     2026ULL  /* the calibration used seed 1 */
#define N_CART   800
#define N_TEC    2000
#define N_STD    2000
#define Z95      1.959963984540054
#define MONTH    30.4375  /* days */

typedef enum { T_ORR, T_CR, T_SCR, T_MEDIAN_PFS, T_PFS_12M } kind_t;

typedef struct {
    kind_t kind;
    const char *what;
    double value;       /* published: a rate, or months for a median */
    double lo, hi;      /* its 95% interval (same units) */
} target_t;

/* Wilson 95% interval of k of n, for targets published as counts. */
static void
wilson(int k, int n, double *lo, double *hi)
{
    double p = (double) k / n, z2 = Z95 * Z95, d = 1 + z2 / n;
    double c = (p + z2 / (2.0 * n)) / d;
    double h = Z95 * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / d;
    *lo = c - h;
    *hi = c + h;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void) sb;
    (void) flag;
    (void) ftw;
    return remove(path);
}

/* Run @p name with @p n patients on 2 threads into a scratch directory. */
static void
run_preset(const char *name, int n, mw_arm_result_t *arm)
{
    mw_scenario_t *sc = malloc(sizeof(*sc));
    mw_cohort_result_t *res = calloc(1, sizeof(*res));
    char dir[] = "/tmp/marrow-presets-XXXXXX", err[512];

    assert_non_null(sc);
    assert_non_null(res);
    assert_non_null(mkdtemp(dir));
    mw_test_scenario_file(sc, name);
    mw_cohort_options_t o = {.out_dir = dir, .command_line = "test_presets", .seed = SEED,
                             .n_patients = n, .threads = 2, .quiet = 1,
                             .only_patient = -1, .shard_index = 0, .shard_count = 1};
    int ret = mw_cohort(sc, 1, &o, res, err, sizeof(err));
    if (ret != 0) {
        fail_msg("%s: %s", name, err);
    }
    assert_int_equal(res->n_arms, 1);
    assert_int_equal(res->arms[0].n_patients, n);
    *arm = res->arms[0];
    printf("  %s: %d patients in %.1f s (%d threads)\n", name, n, res->wall_seconds,
           res->threads);
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(res);
    free(sc);
}

/* The model's value and its standard error for target @p t. */
static void
model_value(const mw_arm_result_t *a, const target_t *t, double *v, double *se)
{
    double lo, hi;
    switch (t->kind) {
        case T_ORR:
        case T_CR:
        case T_SCR:
            *v = t->kind == T_ORR ? a->orr : t->kind == T_CR ? a->cr_rate : a->scr_rate;
            *se = sqrt(*v * (1 - *v) / a->n_patients);
            return;
        case T_MEDIAN_PFS:
            *v = a->median_pfs_days / MONTH;
            lo = a->median_pfs_lower / MONTH;
            hi = a->median_pfs_upper / MONTH;
            break;
        default:
            *v = a->pfs_12m;
            lo = a->pfs_12m_lower;
            hi = a->pfs_12m_upper;
            break;
    }
    /* an interval open above (not reached): twice its lower half */
    *se = (isfinite(hi) ? hi - lo : 2 * (*v - lo)) / (2 * Z95);
}

static void
check(const char *preset, const mw_arm_result_t *a, const target_t *t, int n_targets)
{
    for (int i = 0; i < n_targets; i++) {
        double v, se, h = 0.5 * (t[i].hi - t[i].lo);
        model_value(a, &t[i], &v, &se);
        double tol = 4 * se + h, d = fabs(v - t[i].value);
        printf("  %-22s %-18s published %7.3f [%6.3f, %6.3f]  model %7.3f  SE %.3f  "
               "|d| %.3f <= %.3f %s\n",
               preset, t[i].what, t[i].value, t[i].lo, t[i].hi, v, se, d, tol,
               d <= tol ? "ok" : "FAIL");
        assert_true(isfinite(v));
        if (!(d <= tol)) {
            fail_msg("%s: %s: model %.3f, published %.3f, |d| %.3f > %.3f", preset,
                     t[i].what, v, t[i].value, d, tol);
        }
    }
}

/* KarMMa (Munshi 2021 NEJM, n=128): ORR 94/128, >= CR 42/128, median PFS 8.8
 * (5.6-11.6) months. */
static void
test_karmma(void **state)
{
    (void) state;
    target_t t[] = {{T_ORR, "ORR", 0.73, 0, 0},
                    {T_CR, ">= CR", 0.33, 0, 0},
                    {T_MEDIAN_PFS, "median PFS (mo)", 8.8, 5.6, 11.6}};
    mw_arm_result_t a;
    wilson(94, 128, &t[0].lo, &t[0].hi);
    wilson(42, 128, &t[1].lo, &t[1].hi);
    run_preset("karmma-idecel", N_CART, &a);
    check("karmma-idecel", &a, t, 3);
}

/* KarMMa 450e6 (n=54): ORR 44/54, >= CR 21/54, median PFS 12.1 (8.8-12.3) months.
 * Not fitted: a prediction of the dose effect (the model's PFS falls short of it,
 * docs/validation.md).  The file is karmma-idecel.yaml with the dose fixed. */
static void
test_karmma_450(void **state)
{
    (void) state;
    target_t t[] = {{T_ORR, "ORR", 0.81, 0, 0},
                    {T_CR, ">= CR", 0.39, 0, 0},
                    {T_MEDIAN_PFS, "median PFS (mo)", 12.1, 8.8, 12.3}};
    mw_arm_result_t a;
    wilson(44, 54, &t[0].lo, &t[0].hi);
    wilson(21, 54, &t[1].lo, &t[1].hi);
    run_preset("karmma-idecel-450", N_CART, &a);
    check("karmma-idecel-450", &a, t, 3);
}

/* The 450e6 file is the KarMMa file with every patient at 450e6 cells. */
static void
test_karmma_files_agree(void **state)
{
    (void) state;
    mw_scenario_t *all = malloc(sizeof(*all)), *d450 = malloc(sizeof(*d450));
    assert_non_null(all);
    assert_non_null(d450);
    mw_test_scenario_file(all, "karmma-idecel");
    mw_test_scenario_file(d450, "karmma-idecel-450");
    mw_test_set(all, "name=karmma-idecel-450");
    mw_test_set(all, "products[0].dose_cells=4.5e+8");
    assert_int_equal(all->n_variables, d450->n_variables);
    assert_true(mw_scenario_hash(all) == mw_scenario_hash(d450));
    free(all);
    free(d450);
}

/* CARTITUDE-1 (n=97): ORR 95/97 and sCR 82.5% (Martin 2023, 27.7 months), PFS at
 * 12 months 76.6% (66.0-84.3; Berdeja 2021). */
static void
test_cartitude(void **state)
{
    (void) state;
    target_t t[] = {{T_ORR, "ORR", 0.979, 0, 0},
                    {T_SCR, "sCR", 0.825, 0, 0},
                    {T_PFS_12M, "PFS 12 months", 0.766, 0.660, 0.843}};
    mw_arm_result_t a;
    wilson(95, 97, &t[0].lo, &t[0].hi);
    wilson(80, 97, &t[1].lo, &t[1].hi); /* 82.5% of 97 */
    run_preset("cartitude1-ciltacel", N_CART, &a);
    check("cartitude1-ciltacel", &a, t, 3);
}

/* MajesTEC-1 (Moreau 2022 NEJM, n=165): ORR 63.0% (55.2-70.4), >= CR 65/165,
 * median PFS 11.3 (8.8-17.1) months. */
static void
test_majestec(void **state)
{
    (void) state;
    target_t t[] = {{T_ORR, "ORR", 0.63, 0.552, 0.704},
                    {T_CR, ">= CR", 0.394, 0, 0},
                    {T_MEDIAN_PFS, "median PFS (mo)", 11.3, 8.8, 17.1}};
    mw_arm_result_t a;
    wilson(65, 165, &t[1].lo, &t[1].hi);
    run_preset("majestec1-teclistamab", N_TEC, &a);
    check("majestec1-teclistamab", &a, t, 3);
}

/* LocoMMotion final analysis (Mateos 2024 Leukemia, n=248): ORR 31.9% (26.1-38.0),
 * median PFS 4.6 (3.9-5.6) months. */
static void
test_standard(void **state)
{
    (void) state;
    target_t t[] = {{T_ORR, "ORR", 0.319, 0.261, 0.380},
                    {T_MEDIAN_PFS, "median PFS (mo)", 4.6, 3.9, 5.6}};
    mw_arm_result_t a;
    run_preset("tce-standard", N_STD, &a);
    check("tce-standard", &a, t, 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_karmma_files_agree),
        cmocka_unit_test(test_karmma),
        cmocka_unit_test(test_karmma_450),
        cmocka_unit_test(test_cartitude),
        cmocka_unit_test(test_majestec),
        cmocka_unit_test(test_standard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
