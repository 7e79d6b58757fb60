/* Recognition of clones by CAR binders and products (SPEC.md §3.1). */
#include <string.h>

#include "testlib.h"

#include "immune/immune.h"
#include "tumour/traits.h"

static mw_traits_t
traits_with(double density, double spread, int copies, int epitope)
{
    mw_traits_t t;
    mw__traits_init_defaults(&t);
    t.antigen[MW_AG_BCMA].density = density;
    t.antigen[MW_AG_BCMA].spread = spread;
    t.antigen[MW_AG_BCMA].copies = copies;
    t.antigen[MW_AG_BCMA].epitope = epitope;
    return t;
}

static mw_target_t
binder(int antigen, double d50, double hill, int epitope)
{
    mw_target_t b = {antigen, epitope, d50, hill};
    return b;
}

/* Independent reference: midpoint rule over the density itself (lognormal pdf),
 * on a log grid from 1e-6 to 1e6 times the median. */
static double
reference(double m, double s, double d50, double h)
{
    const int n = 400000;
    double lo = log(m) - 14.0 * s, hi = log(m) + 14.0 * s, sum = 0;
    double du = (hi - lo) / n;
    for (int i = 0; i < n; i++) {
        double u = lo + (i + 0.5) * du; /* u = ln D */
        double z = (u - log(m)) / s;
        double pdf = exp(-0.5 * z * z) / (s * sqrt(2.0 * 3.14159265358979323846));
        double D = exp(u);
        sum += pdf * pow(D, h) / (pow(D, h) + pow(d50, h)) * du;
    }
    return sum;
}

static void
test_no_spread_is_hill(void **state)
{
    (void) state;
    mw_traits_t t = traits_with(670, 0.0, 2, 0);
    mw_target_t b = binder(MW_AG_BCMA, 200, 2, 0);
    double want = 670.0 * 670.0 / (670.0 * 670.0 + 200.0 * 200.0);
    assert_true(fabs(mw__recognise_target(&t, &b, 1.0) - want) < 1e-12);
    /* the costimulation threshold factor scales D50 */
    want = 670.0 * 670.0 / (670.0 * 670.0 + 100.0 * 100.0);
    assert_true(fabs(mw__recognise_target(&t, &b, 0.5) - want) < 1e-12);
}

static void
test_density_integral(void **state)
{
    (void) state;
    const double cases[][4] = {
        {670, 0.6, 200, 2}, {100, 0.6, 200, 2}, {670, 1.5, 300, 4},
        {50, 2.0, 500, 1}, {2000, 0.3, 1500, 8}, {670, 3.0, 670, 10},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mw_traits_t t = traits_with(cases[i][0], cases[i][1], 2, 0);
        mw_target_t b = binder(MW_AG_BCMA, cases[i][2], cases[i][3], 0);
        double got = mw__recognise_target(&t, &b, 1.0);
        double want = reference(cases[i][0], cases[i][1], cases[i][2], cases[i][3]);
        if (fabs(got - want) > 1e-6) {
            fail_msg("case %zu: got %.9f want %.9f", i, got, want);
        }
    }
    /* at median = D50 the integral is exactly 1/2 whatever the spread */
    mw_traits_t t = traits_with(400, 2.5, 2, 0);
    mw_target_t b = binder(MW_AG_BCMA, 400, 3, 0);
    assert_true(fabs(mw__recognise_target(&t, &b, 1.0) - 0.5) < 1e-9);
    /* spread flattens recognition: a clone below D50 is seen more, above less */
    mw_traits_t lo0 = traits_with(100, 0.0, 2, 0), lo1 = traits_with(100, 1.0, 2, 0);
    mw_traits_t hi0 = traits_with(1000, 0.0, 2, 0), hi1 = traits_with(1000, 1.0, 2, 0);
    b = binder(MW_AG_BCMA, 300, 2, 0);
    assert_true(mw__recognise_target(&lo1, &b, 1) > mw__recognise_target(&lo0, &b, 1));
    assert_true(mw__recognise_target(&hi1, &b, 1) < mw__recognise_target(&hi0, &b, 1));
}

static void
test_lost_epitope_hemizygous(void **state)
{
    (void) state;
    mw_target_t b = binder(MW_AG_BCMA, 200, 2, 0);
    mw_traits_t lost = traits_with(670, 0.6, 0, 0);
    mw_traits_t mut = traits_with(670, 0.6, 2, 1);
    mw_traits_t hemi = traits_with(670, 0.6, 1, 0);
    mw_traits_t half = traits_with(335, 0.6, 2, 0);
    assert_true(mw__recognise_target(&lost, &b, 1.0) == 0.0);
    assert_true(mw__recognise_target(&mut, &b, 1.0) == 0.0);
    /* a binder raised against the mutant epitope sees it, not the wild type */
    mw_target_t b1 = binder(MW_AG_BCMA, 200, 2, 1);
    mw_traits_t wt = traits_with(670, 0.6, 2, 0);
    assert_true(mw__recognise_target(&mut, &b1, 1.0) > 0.8);
    assert_true(mw__recognise_target(&wt, &b1, 1.0) == 0.0);
    /* one copy: half the surface density (gene dosage) */
    assert_true(fabs(mw__recognise_target(&hemi, &b, 1.0) -
                     mw__recognise_target(&half, &b, 1.0)) < 1e-12);
    /* another antigen is not affected */
    mw_target_t g = binder(MW_AG_GPRC5D, 200, 2, 0);
    assert_true(mw__recognise_target(&lost, &g, 1.0) > 0.9);
}

static void
test_logic(void **state)
{
    (void) state;
    mw_product_t p;
    memset(&p, 0, sizeof(p));
    p.n_targets = 2;
    p.targets[0] = binder(MW_AG_BCMA, 600, 2, 0);
    p.targets[1] = binder(MW_AG_GPRC5D, 900, 2, 0);
    mw_traits_t t = traits_with(670, 0.6, 2, 0);
    double r1 = mw__recognise_target(&t, &p.targets[0], 1.0);
    double r2 = mw__recognise_target(&t, &p.targets[1], 1.0);
    assert_true(r1 > 0.1 && r1 < 0.9 && r2 > 0.1 && r2 < 0.9);

    p.logic = MW_LOGIC_SINGLE;
    assert_true(fabs(mw__recognise_product(&t, &p, 1.0) - r1) < 1e-15);
    p.logic = MW_LOGIC_OR;
    assert_true(fabs(mw__recognise_product(&t, &p, 1.0) - (1 - (1 - r1) * (1 - r2))) < 1e-15);
    p.logic = MW_LOGIC_AND;
    assert_true(fabs(mw__recognise_product(&t, &p, 1.0) - r1 * r2) < 1e-15);

    /* BCMA lost: the OR gate still sees GPRC5D, the AND gate sees nothing */
    t.antigen[MW_AG_BCMA].copies = 0;
    p.logic = MW_LOGIC_OR;
    assert_true(fabs(mw__recognise_product(&t, &p, 1.0) - r2) < 1e-15);
    p.logic = MW_LOGIC_AND;
    assert_true(mw__recognise_product(&t, &p, 1.0) == 0.0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_spread_is_hill),
        cmocka_unit_test(test_density_integral),
        cmocka_unit_test(test_lost_epitope_hemizygous),
        cmocka_unit_test(test_logic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
