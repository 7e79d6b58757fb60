/* Shared test helpers. */
#include <stdio.h>
#include <gsl/gsl_cdf.h>

#include "testlib.h"

void
mw_test_assert_z(double observed, double expected, double se, double zmax,
                 const char *what, const char *file, int line)
{
    double z = (observed - expected) / se;
    printf("  %-40s observed %.6g expected %.6g se %.3g z %+.2f (%s:%d)\n", what,
           observed, expected, se, z, file, line);
    if (!(fabs(z) <= zmax)) {
        fail_msg("%s: |z| = %.2f > %.1f", what, fabs(z), zmax);
    }
}

void
mw_test_scenario(mw_scenario_t *s, const char *yaml)
{
    mw_diags_t d;
    mw_diags_clear(&d);
    mw_scenario_init_defaults(s);
    int ret = mw_scenario_load_string(s, yaml, "test.yaml", &d);
    if (ret == 0) {
        ret = mw_scenario_validate(s, &d);
    }
    if (ret != 0) {
        mw_diags_print(&d, stdout);
        fail_msg("scenario did not load: %s", mw_strerror(ret));
    }
}

void
mw_test_set_mode(mw_scenario_t *s, const char *mode)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "engine.mode=%s", mode);
    assert_int_equal(mw_scenario_set(s, buf, NULL), 0);
}

double
mw_test_chisq_p(double chisq, int k)
{
    return gsl_cdf_chisq_Q(chisq, (double) k);
}

void
mw_test_scenario_file(mw_scenario_t *s, const char *name)
{
    char path[1024];
    mw_diags_t d;
    mw_diags_clear(&d);
    mw_scenario_init_defaults(s);
    snprintf(path, sizeof(path), "%s/scenarios/%s.yaml", MW_SOURCE_DIR, name);
    int ret = mw_scenario_load(s, path, &d);
    if (ret == 0) {
        ret = mw_scenario_validate(s, &d);
    }
    if (ret != 0) {
        mw_diags_print(&d, stdout);
        fail_msg("%s did not load: %s", path, mw_strerror(ret));
    }
}

void
mw_test_set(mw_scenario_t *s, const char *assignment)
{
    mw_diags_t d;
    mw_diags_clear(&d);
    if (mw_scenario_set(s, assignment, &d) != 0) {
        mw_diags_print(&d, stdout);
        fail_msg("--set %s rejected", assignment);
    }
}

void
mw_test_mean_sd(const double *x, int n, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++) {
        s += x[i];
    }
    *mean = s / n;
    for (int i = 0; i < n; i++) {
        ss += (x[i] - *mean) * (x[i] - *mean);
    }
    *sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
}
