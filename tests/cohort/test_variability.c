/*
 * Patient variability: mw_scenario_sample() gives each patient one draw of every key
 * that carries a distribution.  The statistics of each distribution with fixed
 * seeds, determinism (patient i depends only on the seed, i and the scenario), and
 * runs whose patients differ.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

#define N_PATIENTS 4000
#define SEED       20260601ULL

/* pdl1 is truncated to [0.1, 1] (its min and the key's range), death to [0, 100]
 * (the key's range only). */
static const char cohort_yaml[] =
    "tumour:\n"
    "  clones:\n"
    "    - cells: 1.0e+9\n"
    "      birth: {lognormal: {median: 0.05, sd_log: 0.3}}\n"
    "      pdl1: {normal: {mean: 0.3, sd: 0.2, min: 0.1}}\n"
    "      death: {normal: {mean: 0.03, sd: 0.02}}\n"
    "body:\n"
    "  weight_kg: {uniform: {min: 50, max: 90}}\n"
    "toxicity:\n"
    "  toci_at_grade: {uniform: {min: 1, max: 4}}\n"
    "  steroid_at_grade: {choice: {values: [2, 3, 4], weights: [1, 2, 7]}}\n"
    "markers:\n"
    "  mprotein: {half_life_days: {choice: {values: [21, 7, 14]}}}\n";

/* One cohort's draws, by key. */
typedef struct {
    double birth[N_PATIENTS], pdl1[N_PATIENTS], death[N_PATIENTS], weight[N_PATIENTS];
    int toci[N_PATIENTS], steroid[N_PATIENTS];
    double half_life[N_PATIENTS];
} cohort_t;

static mw_scenario_t base, patient;
static cohort_t cohort;

static int
setup(void **state)
{
    (void) state;
    mw_test_scenario(&base, cohort_yaml);
    assert_int_equal(base.n_variables, 7);
    for (int i = 0; i < N_PATIENTS; i++) {
        const mw_traits_t *t = &patient.tumour.clones[0].traits;
        assert_int_equal(mw_scenario_sample(&base, SEED, (uint32_t) i, &patient), 0);
        cohort.birth[i] = t->birth;
        cohort.pdl1[i] = t->pdl1;
        cohort.death[i] = t->death;
        cohort.weight[i] = patient.body.weight_kg;
        cohort.toci[i] = patient.toxicity.toci_at_grade;
        cohort.steroid[i] = patient.toxicity.steroid_at_grade;
        cohort.half_life[i] = patient.markers.mprotein_half_life;
    }
    return 0;
}

static double
npdf(double x)
{
    return exp(-0.5 * x * x) / 2.5066282746310002; /* sqrt(2 pi) */
}

static double
ncdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

static void
test_lognormal(void **state)
{
    static double lx[N_PATIENTS];
    double m, sd;
    int below = 0;
    (void) state;

    for (int i = 0; i < N_PATIENTS; i++) {
        assert_true(cohort.birth[i] > 0);
        lx[i] = log(cohort.birth[i]);
        below += cohort.birth[i] < 0.05;
    }
    mw_test_mean_sd(lx, N_PATIENTS, &m, &sd);
    /* ln(x) is normal: its mean is ln(median), its SD sd_log. */
    assert_z(m, log(0.05), 0.3 / sqrt(N_PATIENTS), 4);
    assert_z(sd, 0.3, 0.3 / sqrt(2.0 * (N_PATIENTS - 1)), 4);
    assert_z((double) below / N_PATIENTS, 0.5, 0.5 / sqrt(N_PATIENTS), 4);
}

/* Mean and variance of a normal(mu, s) truncated to [a, b]. */
static void
truncated_normal(double mu, double s, double a, double b, double *mean, double *var)
{
    double al = (a - mu) / s, be = (b - mu) / s;
    double z = ncdf(be) - ncdf(al);
    double d = (npdf(al) - npdf(be)) / z;

    *mean = mu + s * d;
    *var = s * s * (1 + (al * npdf(al) - be * npdf(be)) / z - d * d);
}

static void
test_truncated_normal(void **state)
{
    double m, sd, mean, var;
    (void) state;

    /* pdl1: the file's min 0.1 and the key's max 1. */
    for (int i = 0; i < N_PATIENTS; i++) {
        assert_true(cohort.pdl1[i] >= 0.1 && cohort.pdl1[i] <= 1);
    }
    mw_test_mean_sd(cohort.pdl1, N_PATIENTS, &m, &sd);
    truncated_normal(0.3, 0.2, 0.1, 1, &mean, &var);
    assert_z(m, mean, sqrt(var / N_PATIENTS), 4);
    assert_true(fabs(m - 0.3) > 0.05); /* the truncation moved the mean */
    /* death: only the key's range [0, 100] cuts the normal (at -1.5 SD). */
    for (int i = 0; i < N_PATIENTS; i++) {
        assert_true(cohort.death[i] >= 0);
    }
    mw_test_mean_sd(cohort.death, N_PATIENTS, &m, &sd);
    truncated_normal(0.03, 0.02, 0, 100, &mean, &var);
    assert_z(m, mean, sqrt(var / N_PATIENTS), 4);
}

static void
test_uniform(void **state)
{
    const double a = 50, b = 90, var = (b - a) * (b - a) / 12;
    const double mu4 = pow(b - a, 4) / 80;
    double m, sd, chisq = 0;
    int count[5] = {0};
    (void) state;

    for (int i = 0; i < N_PATIENTS; i++) {
        assert_true(cohort.weight[i] >= a && cohort.weight[i] <= b);
    }
    mw_test_mean_sd(cohort.weight, N_PATIENTS, &m, &sd);
    assert_z(m, 0.5 * (a + b), sqrt(var / N_PATIENTS), 4);
    assert_z(sd * sd, var, sqrt((mu4 - var * var) / N_PATIENTS), 4);

    /* Integers 1..4, both ends included, equally often. */
    for (int i = 0; i < N_PATIENTS; i++) {
        assert_true(cohort.toci[i] >= 1 && cohort.toci[i] <= 4);
        count[cohort.toci[i]]++;
    }
    for (int k = 1; k <= 4; k++) {
        double e = N_PATIENTS / 4.0;
        chisq += (count[k] - e) * (count[k] - e) / e;
    }
    printf("  uniform{1..4}: %d %d %d %d, chi-square %.2f, p %.3g\n", count[1], count[2],
           count[3], count[4], chisq, mw_test_chisq_p(chisq, 3));
    assert_true(mw_test_chisq_p(chisq, 3) > 1e-4);
}

static void
test_choice(void **state)
{
    const double w[3] = {0.1, 0.2, 0.7}; /* weights 1, 2, 7 normalised */
    const double hl[3] = {21, 7, 14};
    int count[3] = {0}, hcount[3] = {0};
    double chisq = 0, hchisq = 0;
    (void) state;

    for (int i = 0; i < N_PATIENTS; i++) {
        int k = cohort.steroid[i] - 2, h = -1;
        assert_true(k >= 0 && k < 3);
        count[k]++;
        for (int j = 0; j < 3; j++) {
            h = cohort.half_life[i] == hl[j] ? j : h;
        }
        assert_true(h >= 0);
        hcount[h]++;
    }
    for (int k = 0; k < 3; k++) {
        double e = N_PATIENTS * w[k], f = N_PATIENTS / 3.0;
        chisq += (count[k] - e) * (count[k] - e) / e;
        hchisq += (hcount[k] - f) * (hcount[k] - f) / f;
    }
    printf("  choice 1:2:7: %d %d %d, p %.3g; equal weights: %d %d %d, p %.3g\n",
           count[0], count[1], count[2], mw_test_chisq_p(chisq, 2), hcount[0], hcount[1],
           hcount[2], mw_test_chisq_p(hchisq, 2));
    assert_true(mw_test_chisq_p(chisq, 2) > 1e-4);
    assert_true(mw_test_chisq_p(hchisq, 2) > 1e-4);
}

/* The keys are drawn independently: no correlation between any two of them. */
static void
test_independent(void **state)
{
    const double *x[4] = {cohort.birth, cohort.pdl1, cohort.death, cohort.weight};
    double m[4], sd[4];
    (void) state;

    for (int k = 0; k < 4; k++) {
        mw_test_mean_sd(x[k], N_PATIENTS, &m[k], &sd[k]);
    }
    for (int j = 0; j < 4; j++) {
        for (int k = j + 1; k < 4; k++) {
            double c = 0;
            for (int i = 0; i < N_PATIENTS; i++) {
                c += (x[j][i] - m[j]) * (x[k][i] - m[k]);
            }
            c /= (N_PATIENTS - 1) * sd[j] * sd[k];
            assert_z(c, 0, 1 / sqrt(N_PATIENTS), 4);
        }
    }
}

static void
test_determinism(void **state)
{
    static mw_scenario_t a, b, c;
    const uint32_t i = 123;
    (void) state;

    /* Patient i alone, after patients 0..i-1, and again: the same scenario. */
    assert_int_equal(mw_scenario_sample(&base, SEED, i, &a), 0);
    for (uint32_t j = 0; j <= i; j++) {
        assert_int_equal(mw_scenario_sample(&base, SEED, j, &b), 0);
    }
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(mw_scenario_sample(&base, SEED, i, &b), 0);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_true(a.tumour.clones[0].traits.birth == cohort.birth[i]);
    /* Drawing in place gives the same patient. */
    c = base;
    assert_int_equal(mw_scenario_sample(&c, SEED, i, &c), 0);
    assert_memory_equal(&a, &c, sizeof(a));
    /* Another patient or another seed is another patient. */
    assert_int_equal(mw_scenario_sample(&base, SEED, i + 1, &b), 0);
    assert_true(b.tumour.clones[0].traits.birth != a.tumour.clones[0].traits.birth);
    assert_int_equal(mw_scenario_sample(&base, SEED + 1, i, &b), 0);
    assert_true(b.tumour.clones[0].traits.birth != a.tumour.clones[0].traits.birth);

    /* The patient has no distributions left, and only the varying values changed:
     * putting the base values back gives the base scenario without its table. */
    assert_int_equal(a.n_variables, 0);
    for (int k = 0; k < base.n_variables; k++) {
        const mw_variable_t *v = &base.variables[k];
        memcpy((char *) &a + v->offset, (const char *) &base + v->offset,
               v->is_int ? sizeof(int) : sizeof(double));
    }
    c = base;
    memset(c.variables, 0, sizeof(c.variables));
    c.n_variables = 0;
    assert_memory_equal(&a, &c, sizeof(a));

    /* Without distributions a patient is a copy of the scenario. */
    mw_test_scenario(&c, "tumour: {clones: [{cells: 1.0e+9}]}\n");
    assert_int_equal(mw_scenario_sample(&c, SEED, 5, &a), 0);
    assert_memory_equal(&a, &c, sizeof(a));

    /* A malformed table is refused and leaves a plain copy. */
    c = base;
    c.variables[1].offset = (uint32_t) sizeof(mw_scenario_t);
    assert_int_equal(mw_scenario_sample(&c, SEED, 5, &a), MW_ERR_BAD_PARAM);
    assert_memory_equal(&a, &c, sizeof(a));
}

/* ------------------------------------------------------------------------------
 * Runs: each replicate is one drawn patient
 * ---------------------------------------------------------------------------- */

static const char *const out_files[] = {
    "timeseries.csv",   "clones.csv",       "tree.nwk",     "events.csv",
    "observations.csv", "single_cells.csv", "summary.json", "run.json"};

static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void
remove_outputs(const char *dir)
{
    char path[512];
    for (size_t k = 0; k < sizeof(out_files) / sizeof(out_files[0]); k++) {
        snprintf(path, sizeof(path), "%s/%s", dir, out_files[k]);
        (void) unlink(path);
    }
    (void) rmdir(dir);
}

/* The number after the first @p key at or after *@p p, moving *@p p past it. */
static double
next_number(const char **p, const char *key)
{
    const char *at = strstr(*p, key);
    char *end = NULL;
    double x;

    assert_non_null(at);
    size_t start = (size_t) (at - *p) + strlen(key);
    x = strtod(*p + start, &end);
    size_t used = (size_t) (end - *p);
    assert_true(used > start); /* a number was read */
    *p += used;
    return x;
}

#define N_REPS 40

/* The founder's birth rate varies; nothing else does and nothing kills it, so each
 * replicate grows at its own birth minus the fixed death rate (hybrid mode, 1e9
 * cells: the demographic noise is far below the spread of the births). */
static void
test_run_birth(void **state)
{
    static const char yaml[] = "name: var\n"
                               "horizon_days: 100\n"
                               "tumour:\n"
                               "  clones:\n"
                               "    - cells: 1.0e+9\n"
                               "      niche_dependence: 0\n"
                               "      death: 0.03\n"
                               "      birth: {lognormal: {median: 0.05, sd_log: 0.2}}\n";
    static mw_scenario_t sc;
    char dir[] = "/tmp/mw_variability_XXXXXX", errbuf[512], path[600];
    mw_run_options_t o = {NULL, "test", SEED, N_REPS, 1};
    mw_run_result_t res;
    double growth[N_REPS], birth[N_REPS], mg, sg, mb, sb;
    (void) state;

    mw_test_scenario(&sc, yaml);
    assert_non_null(mkdtemp(dir));
    o.out_dir = dir;
    assert_int_equal(mw_run(&sc, &o, &res, errbuf, sizeof(errbuf)), 0);

    snprintf(path, sizeof(path), "%s/summary.json", dir);
    char *summary = read_text(path);
    const char *p = summary;
    for (int i = 0; i < N_REPS; i++) {
        double final = next_number(&p, "\"final_cells\": ");
        static mw_scenario_t drawn;
        birth[i] = next_number(&p, "\"drawn\": {\"tumour.clones[0].birth\": ");
        /* summary.json gives the patient's own draw */
        assert_int_equal(mw_scenario_sample(&sc, SEED, (uint32_t) i, &drawn), 0);
        assert_true(fabs(birth[i] - drawn.tumour.clones[0].traits.birth) <=
                    1e-14 * birth[i]);
        growth[i] = log(final / 1e9) / 100;
        assert_true(fabs(growth[i] - (birth[i] - 0.03)) < 2e-3);
    }
    free(summary);
    mw_test_mean_sd(growth, N_REPS, &mg, &sg);
    mw_test_mean_sd(birth, N_REPS, &mb, &sb);
    printf("  growth rate %.4f +- %.4f per day; birth %.4f +- %.4f\n", mg, sg, mb, sb);
    assert_true(sg > 0.005); /* the patients differ */
    assert_true(fabs(sg / sb - 1) < 0.1);

    /* run.json shows the distribution, not the base value. */
    snprintf(path, sizeof(path), "%s/run.json", dir);
    char *run = read_text(path);
    assert_non_null(
        strstr(run, "\"birth\": {\"lognormal\": {\"median\": 0.05, \"sd_log\": 0.2}}"));
    free(run);
    remove_outputs(dir);
}

/* A drawn patient that breaks a rule between keys stops the run with a message
 * naming the replicate and the rule. */
static void
test_run_invalid_patient(void **state)
{
    static const char yaml[] =
        "tumour: {clones: [{cells: 1.0e+9}]}\n"
        "toxicity:\n"
        "  crs: {grade2: {uniform: {min: 10, max: 70}}}\n"; /* grade1 is 20 */
    static mw_scenario_t sc;
    char dir[] = "/tmp/mw_variability_XXXXXX", errbuf[512] = "";
    mw_run_options_t o = {NULL, "test", SEED, 50, 1};
    mw_run_result_t res;
    (void) state;

    mw_test_scenario(&sc, yaml); /* the base value 40 is fine */
    assert_non_null(mkdtemp(dir));
    o.out_dir = dir;
    assert_int_equal(mw_run(&sc, &o, &res, errbuf, sizeof(errbuf)), MW_ERR_BAD_PARAM);
    printf("  %s\n", errbuf);
    assert_non_null(strstr(errbuf, "replicate "));
    assert_non_null(strstr(errbuf, "toxicity.crs: thresholds must rise strictly"));
    /* A failed run leaves no output that looks complete. */
    char path[600];
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    assert_int_equal(access(path, F_OK), -1);
    remove_outputs(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lognormal),   cmocka_unit_test(test_truncated_normal),
        cmocka_unit_test(test_uniform),     cmocka_unit_test(test_choice),
        cmocka_unit_test(test_independent), cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_run_birth),   cmocka_unit_test(test_run_invalid_patient),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
