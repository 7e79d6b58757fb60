/* Shared test helpers: cmocka includes and statistical assertions. */
#ifndef MW_TESTLIB_H
#define MW_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "marrow.h"

/* Assert |z| = |observed - expected| / se <= zmax, printing the numbers first.
 * Every statistical test states its own standard error. */
#define assert_z(observed, expected, se, zmax)                                        \
    mw_test_assert_z((observed), (expected), (se), (zmax), #observed, __FILE__, __LINE__)

void mw_test_assert_z(double observed, double expected, double se, double zmax,
                      const char *what, const char *file, int line);

/* Load a scenario from a YAML string; fails the test on any diagnostic. */
void mw_test_scenario(mw_scenario_t *s, const char *yaml);

/* Load scenarios/<name>.yaml from the source tree; fails the test on any error. */
void mw_test_scenario_file(mw_scenario_t *s, const char *name);

/* Apply one "key=value" override; fails the test if rejected. */
void mw_test_set(mw_scenario_t *s, const char *assignment);

/* Set engine.mode ("exact", "hybrid", "mean"); fails the test if rejected. */
void mw_test_set_mode(mw_scenario_t *s, const char *mode);

/* Mean and sample standard deviation (0 for n < 2) of x[0..n-1]. */
void mw_test_mean_sd(const double *x, int n, double *mean, double *sd);

/* Chi-square statistic's upper-tail p-value with k degrees of freedom. */
double mw_test_chisq_p(double chisq, int k);

#endif
