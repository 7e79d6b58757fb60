/*
 * Virtual trials in the scenario: the `trial:` section (design, accrual, cut-off,
 * dropout, arms with their `set`), loading one arm, and `covariates:` (binary and
 * numeric patient covariates with set, multiply, power and assign effects): what
 * they load to, every error at its file:line:col, the JSON echo, and the draws.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "io/out.h"
#include "testlib.h"

/* Two arms: the second replaces the product list (nested keys) and then changes
 * one binder of its own product with a dotted key.  Line numbers matter below. */
static const char arms_yaml[] =
    "name: two-arms\n"                                        /* 1 */
    "tumour:\n"                                               /* 2 */
    "  clones:\n"                                             /* 3 */
    "    - name: founder\n"                                   /* 4 */
    "      cells: 1.0e+9\n"                                   /* 5 */
    "      birth: {lognormal: {median: 0.05, sd_log: 0.3}}\n" /* 6 */
    "products:\n"                                             /* 7 */
    "  - name: bcma\n"                                        /* 8 */
    "    targets:\n"                                          /* 9 */
    "      - {antigen: BCMA}\n"                               /* 10 */
    "trial:\n"                                                /* 11 */
    "  design: paired\n"                                      /* 12 */
    "  enrolment_days: 365\n"                                 /* 13 */
    "  data_cutoff_day: 1095\n"                               /* 14 */
    "  dropout_per_year: 0.05\n"                              /* 15 */
    "  arms:\n"                                               /* 16 */
    "    - name: BCMA CAR\n"                                  /* 17 */
    "    - name: dual CAR\n"                                  /* 18 */
    "      allocation: 2\n"                                   /* 19 */
    "      set:\n"                                            /* 20 */
    "        products:\n"                                     /* 21 */
    "          - name: dual\n"                                /* 22 */
    "            logic: or\n"                                 /* 23 */
    "            targets:\n"                                  /* 24 */
    "              - {antigen: BCMA, d50: 300}\n"             /* 25 */
    "              - {antigen: BCMA}\n"                       /* 26 */
    "        \"products[0].targets[1].antigen\": GPRC5D\n"    /* 27 */
    "        plan: {start_day: 7}\n";                         /* 28 */

static mw_scenario_t *
new_scenario(void)
{
    mw_scenario_t *s = malloc(sizeof(*s));

    assert_non_null(s);
    mw_scenario_init_defaults(s);
    return s;
}

/* Load arm @p arm of @p text; returns the load's result, diagnostics in @p d. */
static int
load_arm(mw_scenario_t *s, const char *text, int arm, mw_diags_t *d)
{
    mw_diags_clear(d);
    mw_scenario_init_defaults(s);
    return mw_scenario_load_string_arm(s, text, "t.yaml", arm, d);
}

/* Assert that @p d holds an error at line:col for @p key whose message contains
 * @p part. */
static void
expect_in(const mw_diags_t *d, int line, int col, const char *key, const char *part)
{
    for (int i = 0; i < d->n; i++) {
        const mw_diag_t *x = &d->d[i];
        if (x->line == line && x->col == col && strcmp(x->key, key) == 0 &&
            strstr(x->msg, part) != NULL) {
            return;
        }
    }
    mw_diags_print(d, stdout);
    fail_msg("no diagnostic %d:%d '%s' containing \"%s\"", line, col, key, part);
}

/* Loading @p text (the base) fails with an error at line:col. */
static void
expect_error(const char *text, int line, int col, const char *key, const char *part)
{
    mw_scenario_t *s = new_scenario();
    mw_diags_t d;

    assert_int_equal(load_arm(s, text, -1, &d), MW_ERR_CONFIG);
    expect_in(&d, line, col, key, part);
    free(s);
}

/* @p text with @p from replaced by @p to (malloc'd). */
static char *
edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);

    assert_non_null(at);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int) (at - text), text, to, at + strlen(from));
    return out;
}

/* The scenario as JSON text (malloc'd). */
static char *
json_of(const mw_scenario_t *s)
{
    FILE *f = tmpfile();
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(mw_scenario_write_json(s, f, 2), 0);
    n = ftell(f);
    buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* ------------------------------------------------------------------------------
 * Arms
 * ---------------------------------------------------------------------------- */

static void
test_arms_load(void **state)
{
    mw_scenario_t *base = new_scenario(), *a0 = new_scenario(), *a1 = new_scenario();
    mw_diags_t d;
    (void) state;

    assert_int_equal(load_arm(base, arms_yaml, -1, &d), 0);
    assert_int_equal(mw_scenario_validate(base, &d), 0);
    assert_int_equal(base->trial.design, MW_DESIGN_PAIRED);
    assert_int_equal(base->trial.n_arms, 2);
    assert_int_equal(base->trial.arm, -1);
    assert_true(base->trial.enrolment_days == 365);
    assert_true(base->trial.data_cutoff_day == 1095);
    assert_true(base->trial.dropout_per_year == 0.05);
    assert_string_equal(base->trial.arms[0].name, "BCMA CAR");
    assert_true(base->trial.arms[0].allocation == 1);
    assert_string_equal(base->trial.arms[1].name, "dual CAR");
    assert_true(base->trial.arms[1].allocation == 2);
    /* The base holds no arm's keys. */
    assert_string_equal(base->immune.products[0].name, "bcma");
    assert_true(base->therapy.start_day == 0);

    /* Arm 0 has no set: the base, marked as arm 0. */
    assert_int_equal(load_arm(a0, arms_yaml, 0, &d), 0);
    assert_int_equal(a0->trial.arm, 0);
    a0->trial.arm = -1;
    assert_memory_equal(a0, base, sizeof(*base));

    /* Arm 1: the nested list replaced the products, the dotted key changed the new
     * list's second binder, and a nested group kept its other keys. */
    assert_int_equal(load_arm(a1, arms_yaml, 1, &d), 0);
    assert_int_equal(mw_scenario_validate(a1, &d), 0);
    assert_int_equal(a1->trial.arm, 1);
    assert_int_equal(a1->immune.n_products, 1);
    assert_string_equal(a1->immune.products[0].name, "dual");
    assert_int_equal(a1->immune.products[0].logic, MW_LOGIC_OR);
    assert_int_equal(a1->immune.products[0].n_targets, 2);
    assert_int_equal(a1->immune.products[0].targets[0].antigen, MW_AG_BCMA);
    assert_true(a1->immune.products[0].targets[0].d50 == 300);
    assert_int_equal(a1->immune.products[0].targets[1].antigen, MW_AG_GPRC5D);
    assert_true(a1->therapy.start_day == 7);
    assert_int_equal(a1->therapy.n_lines, base->therapy.n_lines);
    /* Paired: the arm draws the same patients (the same variability table). */
    assert_int_equal(a1->n_variables, 1);
    assert_memory_equal(a1->variables, base->variables, sizeof(base->variables));

    /* The library entry point through a file gives the same. */
    {
        char path[] = "/tmp/marrow-trial-XXXXXX";
        int fd = mkstemp(path);
        mw_scenario_t *f1 = new_scenario();
        assert_true(fd >= 0);
        assert_int_equal(write(fd, arms_yaml, strlen(arms_yaml)),
                         (ssize_t) strlen(arms_yaml));
        close(fd);
        mw_diags_clear(&d);
        assert_int_equal(mw_scenario_load_arm(f1, path, 1, &d), 0);
        assert_memory_equal(f1, a1, sizeof(*a1));
        unlink(path);
        free(f1);
    }
    free(base);
    free(a0);
    free(a1);
}

static void
test_arm_out_of_range(void **state)
{
    mw_scenario_t *s = new_scenario();
    mw_diags_t d;
    (void) state;

    /* At the arms list (line 17, the first item, where a block list starts). */
    assert_int_equal(load_arm(s, arms_yaml, 2, &d), MW_ERR_CONFIG);
    expect_in(&d, 17, 5, "trial.arms", "arm 2 is out of range: the scenario has 2 arms");
    assert_int_equal(load_arm(s, arms_yaml, -2, &d), MW_ERR_CONFIG);
    expect_in(&d, 17, 5, "trial.arms", "out of range");
    /* No arms at all. */
    assert_int_equal(load_arm(s, "tumour: {clones: [{cells: 1}]}\n", 0, &d),
                     MW_ERR_CONFIG);
    expect_in(&d, 1, 1, "trial.arms", "no trial.arms");
    free(s);
}

static void
test_arm_errors(void **state)
{
    char *t;
    (void) state;

    /* A misspelt key inside an arm's set is found when the base is loaded, at its
     * place, nested or dotted. */
    t = edit(arms_yaml, "            logic: or\n", "            logik: or\n");
    expect_error(t, 23, 13, "products[0].logik", "did you mean 'logic'?");
    free(t);
    t = edit(arms_yaml, "\"products[0].targets[1].antigen\": GPRC5D",
             "\"products[0].targets[1].antigne\": GPRC5D");
    expect_error(t, 27, 9, "products[0].targets[1].antigne", "did you mean 'antigen'?");
    free(t);
    t = edit(arms_yaml, "\"products[0].targets[1].antigen\": GPRC5D",
             "\"products[0].targets[1].antigen\": GPRC6D");
    expect_error(t, 27, 43, "products[0].targets[1].antigen", "expected one of BCMA");
    free(t);
    t = edit(arms_yaml, "\"products[0].targets[1].antigen\": GPRC5D",
             "\"products[0].targets[5].antigen\": GPRC5D");
    expect_error(t, 27, 9, "products[0].targets[5].antigen", "out of range");
    free(t);

    /* trial and covariates belong to the whole trial. */
    t = edit(arms_yaml, "        plan: {start_day: 7}\n",
             "        trial: {dropout_per_year: 0.1}\n");
    expect_error(t, 28, 9, "trial", "belongs to the whole trial, not to one arm");
    free(t);
    t = edit(arms_yaml, "        plan: {start_day: 7}\n",
             "        trial.design: paired\n");
    expect_error(t, 28, 9, "trial.design", "belongs to the whole trial");
    free(t);
    t = edit(arms_yaml, "        plan: {start_day: 7}\n", "        covariates: []\n");
    expect_error(t, 28, 9, "covariates", "belongs to the whole trial");
    free(t);

    /* Names: required, unique. */
    t = edit(arms_yaml, "    - name: dual CAR\n", "    - name: BCMA CAR\n");
    expect_error(t, 18, 13, "trial.arms[BCMA CAR]",
                 "'BCMA CAR' is given twice in this list");
    free(t);
    t = edit(arms_yaml, "    - name: dual CAR\n      allocation: 2\n",
             "    - allocation: 2\n");
    expect_error(t, 18, 7, "trial.arms[1]", "missing name");
    free(t);
    t = edit(arms_yaml, "      allocation: 2\n", "      allocation: 0\n");
    expect_error(t, 19, 19, "trial.arms[dual CAR].allocation", "0 is outside (0, 1e+06]");
    free(t);
    t = edit(arms_yaml, "      set:\n", "      sett:\n");
    expect_error(t, 20, 7, "trial.arms[dual CAR].sett", "did you mean 'set'?");
    free(t);

    /* The design by name, with a suggestion. */
    t = edit(arms_yaml, "  design: paired\n", "  design: randomized\n");
    expect_error(t, 12, 11, "trial.design",
                 "expected one of paired, randomised, got 'randomized'; did you mean "
                 "'randomised'?");
    free(t);
    /* Trial settings do not vary between patients. */
    t = edit(arms_yaml, "  dropout_per_year: 0.05\n",
             "  dropout_per_year: {uniform: {min: 0, max: 0.1}}\n");
    expect_error(t, 15, 21, "trial.dropout_per_year", "a setting of the trial");
    free(t);
}

/* The cut-off check belongs to validation (a --set can break it too), placed in the
 * file by mw_diags_locate(). */
static void
test_cutoff_before_enrolment(void **state)
{
    char path[] = "/tmp/marrow-trial-XXXXXX";
    char *t = edit(arms_yaml, "  data_cutoff_day: 1095\n", "  data_cutoff_day: 300\n");
    int fd = mkstemp(path);
    mw_scenario_t *s = new_scenario();
    mw_diags_t d;
    (void) state;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, t, strlen(t)), (ssize_t) strlen(t));
    close(fd);
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_load(s, path, &d), 0);
    assert_int_equal(mw_scenario_validate(s, &d), MW_ERR_CONFIG);
    mw_diags_locate(&d, s, path, NULL, 0);
    expect_in(&d, 14, 20, "trial.data_cutoff_day", "falls before enrolment ends");
    assert_string_equal(d.d[0].file, path);

    /* A --set repairs it, and --set works for the trial's keys. */
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_set(s, "trial.enrolment_days=10", &d), 0);
    assert_int_equal(mw_scenario_validate(s, &d), 0);
    assert_int_equal(mw_scenario_set(s, "trial.dropout_per_year=0.1", &d), 0);
    assert_true(s->trial.dropout_per_year == 0.1);
    assert_int_equal(mw_scenario_set(s, "trial.arms[dual CAR].allocation=3", &d), 0);
    assert_true(s->trial.arms[1].allocation == 3);
    assert_int_equal(mw_scenario_set(s, "trial.design=randomised", &d), 0);
    assert_int_equal(s->trial.design, MW_DESIGN_RANDOMISED);
    /* What only the file can say. */
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_set(s, "trial.arms[0].set=3", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "trial.arms[0].set", "only be given in the scenario file");
    assert_int_equal(mw_scenario_set(s, "covariates[0].prevalence=0.2", &d),
                     MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "covariates[0].prevalence", "only be given in the scenario file");
    assert_int_equal(mw_scenario_set(s, "trial.arm=1", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "trial.arm", "--arm");
    unlink(path);
    free(t);
    free(s);
}

/* A rule that only an arm breaks is placed in that arm's set: at a dotted key's
 * value, or at the nested key. */
static void
test_arm_validation_located(void **state)
{
    static const struct {
        const char *line;
        int at_line, at_col;
        const char *key;
    } cases[] = {
        {"        toxicity.crs.grade2: 1\n", 28, 30, "toxicity.crs"},
        {"        toxicity: {crs: {grade2: 1}}\n", 28, 20, "toxicity.crs"},
    };
    (void) state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[] = "/tmp/marrow-trial-XXXXXX";
        char *t = edit(arms_yaml, "        plan: {start_day: 7}\n", cases[i].line);
        int fd = mkstemp(path);
        mw_scenario_t *s = new_scenario();
        mw_diags_t d;
        assert_true(fd >= 0);
        assert_int_equal(write(fd, t, strlen(t)), (ssize_t) strlen(t));
        close(fd);
        mw_diags_clear(&d);
        assert_int_equal(mw_scenario_load_arm(s, path, 1, &d), 0);
        assert_int_equal(mw_scenario_validate(s, &d), MW_ERR_CONFIG);
        mw_diags_locate(&d, s, path, NULL, 0);
        expect_in(&d, cases[i].at_line, cases[i].at_col, cases[i].key,
                  "thresholds must rise strictly");
        /* The other arm is fine. */
        assert_int_equal(load_arm(s, t, 0, &d), 0);
        assert_int_equal(mw_scenario_validate(s, &d), 0);
        unlink(path);
        free(t);
        free(s);
    }
}

static void
test_paired_variability(void **state)
{
    mw_scenario_t *s = new_scenario();
    mw_diags_t d;
    char *t, *r;
    (void) state;

    /* An arm that replaces the clones without the distribution draws other
     * patients: refused in a paired design, at the arm's set. */
    t = edit(arms_yaml, "        plan: {start_day: 7}\n",
             "        tumour: {clones: [{name: founder, cells: 1.0e+9, birth: 0.05}]}\n");
    expect_error(t, 21, 9, "trial.arms[dual CAR].set",
                 "arm 'dual CAR' changes which keys vary between patients "
                 "('tumour.clones[0].birth' varies in the base but not in this arm)");
    /* Randomised designs draw each patient once: allowed. */
    r = edit(t, "  design: paired\n", "  design: randomised\n");
    assert_int_equal(load_arm(s, r, 1, &d), 0);
    assert_int_equal(s->n_variables, 0);
    free(r);
    free(t);
    /* The same distribution given again is the same patients. */
    t = edit(
        arms_yaml, "        plan: {start_day: 7}\n",
        "        tumour: {clones: [{name: founder, cells: 1.0e+9, birth: {lognormal: "
        "{median: 0.05, sd_log: 0.3}}}]}\n");
    assert_int_equal(load_arm(s, t, 1, &d), 0);
    free(t);
    /* Another distribution is not. */
    t = edit(arms_yaml, "        plan: {start_day: 7}\n",
             "        tumour.clones[0].death: {uniform: {min: 0.01, max: 0.02}}\n");
    expect_error(t, 28, 33, "tumour.clones[0].death", "takes one plain value");
    free(t);
    t = edit(
        arms_yaml, "        plan: {start_day: 7}\n",
        "        tumour: {clones: [{name: founder, cells: 1.0e+9, birth: {lognormal: "
        "{median: 0.05, sd_log: 0.4}}}]}\n");
    expect_error(t, 21, 9, "trial.arms[dual CAR].set", "has another distribution");
    free(t);
    free(s);
}

static void
test_arm_json_round_trip(void **state)
{
    mw_scenario_t *a1 = new_scenario(), *back = new_scenario(), *a0 = new_scenario();
    mw_scenario_t *plain = new_scenario();
    mw_diags_t d;
    char *js;
    (void) state;

    assert_int_equal(load_arm(a1, arms_yaml, 1, &d), 0);
    js = json_of(a1);
    assert_non_null(strstr(js, "\"design\": \"paired\""));
    assert_non_null(strstr(js, "\"name\": \"dual CAR\""));
    assert_non_null(strstr(js, "\"allocation\": 2"));
    assert_non_null(strstr(js, "\"arm\": 1"));
    assert_null(strstr(js, "\"set\""));
    mw_diags_clear(&d);
    if (mw_scenario_load_string(back, js, "echo.json", &d) != 0) {
        mw_diags_print(&d, stdout);
        fail_msg("the JSON echo of an arm does not load");
    }
    assert_memory_equal(back, a1, sizeof(*a1));
    free(js);
    /* The hash covers the arm. */
    assert_int_equal(load_arm(a0, arms_yaml, 0, &d), 0);
    assert_true(mw_scenario_hash(a0) != mw_scenario_hash(a1));

    /* A scenario without a trial or covariates echoes neither (its run.json and
     * hash are what they were before trials existed). */
    assert_int_equal(load_arm(plain, "tumour: {clones: [{cells: 1}]}\n", -1, &d), 0);
    js = json_of(plain);
    assert_null(strstr(js, "\"trial\""));
    assert_null(strstr(js, "\"covariates\""));
    free(js);
    mw_test_set(plain, "trial.dropout_per_year=0.2");
    js = json_of(plain);
    assert_non_null(strstr(js, "\"dropout_per_year\": 0.2"));
    free(js);
    free(a0);
    free(a1);
    free(back);
    free(plain);
}

/* ------------------------------------------------------------------------------
 * Covariates
 * ---------------------------------------------------------------------------- */

static const char cov_yaml[] =
    "tumour:\n"                                                       /* 1 */
    "  clones:\n"                                                     /* 2 */
    "    - name: founder\n"                                           /* 3 */
    "      cells: 1.0e+9\n"                                           /* 4 */
    "      birth: {lognormal: {median: 0.05, sd_log: 0.3}}\n"         /* 5 */
    "      antigens: {BCMA: {copies: 2}}\n"                           /* 6 */
    "products:\n"                                                     /* 7 */
    "  - name: bcma\n"                                                /* 8 */
    "    dose_cells: 4.5e+8\n"                                        /* 9 */
    "    targets: [{antigen: BCMA}]\n"                                /* 10 */
    "covariates:\n"                                                   /* 11 */
    "  - name: del17p\n"                                              /* 12 */
    "    prevalence: 0.1\n"                                           /* 13 */
    "    set:\n"                                                      /* 14 */
    "      tumour.clones[0].tp53_loss: 1\n"                           /* 15 */
    "      tumour.clones[0].antigens.BCMA.copies: 1\n"                /* 16 */
    "    multiply:\n"                                                 /* 17 */
    "      tumour.clones[0].birth: 1.2\n"                             /* 18 */
    "  - name: tcell_fitness\n"                                       /* 19 */
    "    distribution: {lognormal: {median: 1.0, sd_log: 0.5}}\n"     /* 20 */
    "    reference: 1.0\n"                                            /* 21 */
    "    power:\n"                                                    /* 22 */
    "      immune.costim_41bb.expansion_max: 0.5\n"                   /* 23 */
    "  - name: baseline_burden\n"                                     /* 24 */
    "    distribution: {lognormal: {median: 3.0e+10, sd_log: 0.7}}\n" /* 25 */
    "    assign:\n"                                                   /* 26 */
    "      - tumour.clones[0].cells\n"                                /* 27 */
    "  - name: prior_lines\n"                                         /* 28 */
    "    distribution: {choice: {values: [3, 4, 5, 6, 7, 8]}}\n"      /* 29 */
    "    reference: 6\n"                                              /* 30 */
    "    multiply:\n"                                                 /* 31 */
    "      products[0].dose_cells: 0.9\n";                            /* 32 */

#define N_PATIENTS 4000
#define SEED       20260101u

static void
test_cov_load(void **state)
{
    mw_scenario_t *s = new_scenario(), *back = new_scenario();
    mw_diags_t d;
    char *js;
    (void) state;

    assert_int_equal(load_arm(s, cov_yaml, -1, &d), 0);
    assert_int_equal(mw_scenario_validate(s, &d), 0);
    assert_int_equal(s->n_covariates, 4);
    const mw_covariate_t *c = s->covariates;
    assert_string_equal(c[0].name, "del17p");
    assert_int_equal(c[0].binary, 1);
    assert_true(c[0].prevalence == 0.1);
    assert_int_equal(c[0].n_effects, 3);
    /* set first (as written), then multiply. */
    assert_int_equal(c[0].effects[0].kind, MW_EFFECT_SET);
    assert_int_equal(c[0].effects[0].is_int, 1);
    assert_int_equal(c[0].effects[0].offset,
                     offsetof(mw_scenario_t, tumour.clones[0].traits.tp53_loss));
    assert_int_equal(
        c[0].effects[1].offset,
        offsetof(mw_scenario_t, tumour.clones[0].traits.antigen[MW_AG_BCMA].copies));
    assert_int_equal(c[0].effects[2].kind, MW_EFFECT_MULTIPLY);
    assert_int_equal(c[0].effects[2].is_int, 0);
    assert_int_equal(c[1].binary, 0);
    assert_int_equal(c[1].dist.dist, MW_DIST_LOGNORMAL);
    /* A power needs positive values: the distribution is kept above 0. */
    assert_true(c[1].dist.lo == 0 && (c[1].dist.range_open & 1));
    /* Assigned to cells: drawn within the key's range. */
    assert_true(c[2].dist.lo == 0 && c[2].dist.hi == 1e14);
    assert_int_equal(c[3].dist.dist, MW_DIST_CHOICE);
    assert_true(c[3].reference == 6);

    /* The echo reads back to the same scenario. */
    js = json_of(s);
    assert_non_null(strstr(js, "\"covariates\": ["));
    mw_diags_clear(&d);
    if (mw_scenario_load_string(back, js, "echo.json", &d) != 0) {
        mw_diags_print(&d, stdout);
        fail_msg("the JSON echo of covariates does not load");
    }
    assert_memory_equal(back, s, sizeof(*s));
    free(js);
    free(s);
    free(back);
}

/* The draws: prevalence, a lognormal's log-mean, every effect exactly. */
static void
test_cov_draws(void **state)
{
    mw_scenario_t *base = new_scenario(), *p = new_scenario();
    mw_diags_t d;
    double v[4], sum_log = 0, ones = 0, lines[9] = {0};
    char err[256];
    (void) state;

    assert_int_equal(load_arm(base, cov_yaml, -1, &d), 0);
    const mw_clone_spec_t *b0 = &base->tumour.clones[0];
    for (uint32_t i = 0; i < N_PATIENTS; i++) {
        assert_int_equal(mw_scenario_sample(base, SEED, i, p), 0);
        double birth = p->tumour.clones[0].traits.birth; /* this patient's draw */
        assert_int_equal(mw_scenario_covariates(base, SEED, i, p, v, err, sizeof(err)),
                         0);
        const mw_clone_spec_t *c0 = &p->tumour.clones[0];
        assert_int_equal(p->n_covariates, 0);
        /* del17p: set when present, multiply by 1.2^1; nothing when absent. */
        assert_true(v[0] == 0 || v[0] == 1);
        ones += v[0];
        assert_int_equal(c0->traits.tp53_loss, v[0] == 1);
        assert_int_equal(c0->traits.antigen[MW_AG_BCMA].copies, v[0] == 1 ? 1 : 2);
        assert_true(c0->traits.birth == (v[0] == 1 ? birth * 1.2 : birth));
        /* tcell_fitness: power 0.5 with reference 1. */
        assert_true(v[1] > 0);
        sum_log += log(v[1]);
        assert_true(p->immune.costim_41bb.expansion_max ==
                    base->immune.costim_41bb.expansion_max * pow(v[1] / 1.0, 0.5));
        /* baseline_burden: assigned. */
        assert_true(c0->cells == v[2]);
        /* prior_lines: x 0.9^(lines - 6). */
        assert_true(v[3] >= 3 && v[3] <= 8 && v[3] == floor(v[3]));
        lines[(int) v[3]]++;
        assert_true(p->immune.products[0].dose_cells ==
                    base->immune.products[0].dose_cells * pow(0.9, v[3] - 6));
        /* What no covariate touches stays. */
        assert_true(c0->traits.death == b0->traits.death);
    }
    /* Binary fraction: binomial SE. */
    assert_z(ones / N_PATIENTS, 0.1, sqrt(0.1 * 0.9 / N_PATIENTS), 4);
    /* Lognormal: log-mean ln(1) = 0 with SE sd_log / sqrt(n). */
    assert_z(sum_log / N_PATIENTS, 0.0, 0.5 / sqrt(N_PATIENTS), 4);
    /* Choice without weights: each of the 6 values with p = 1/6. */
    for (int k = 3; k <= 8; k++) {
        assert_z(lines[k] / N_PATIENTS, 1.0 / 6, sqrt((1.0 / 6) * (5.0 / 6) / N_PATIENTS),
                 4);
    }
    free(base);
    free(p);
}

/* Patient i's covariates depend only on (seed, i): the same in any order, and the
 * patient stream of the variability draws is untouched by them. */
static void
test_cov_determinism(void **state)
{
    mw_scenario_t *base = new_scenario(), *p = new_scenario();
    mw_diags_t d;
    double fwd[50][4], rev[4], other[4];
    char err[256];
    int differ = 0;
    (void) state;

    assert_int_equal(load_arm(base, cov_yaml, -1, &d), 0);
    for (uint32_t i = 0; i < 50; i++) {
        memcpy(p, base, sizeof(*p));
        assert_int_equal(
            mw_scenario_covariates(base, SEED, i, p, fwd[i], err, sizeof(err)), 0);
    }
    for (int i = 49; i >= 0; i--) {
        memcpy(p, base, sizeof(*p));
        assert_int_equal(
            mw_scenario_covariates(base, SEED, (uint32_t) i, p, rev, err, sizeof(err)),
            0);
        assert_memory_equal(rev, fwd[i], sizeof(rev));
        assert_int_equal(mw_scenario_covariates(base, SEED + 1, (uint32_t) i, p, other,
                                                err, sizeof(err)),
                         0);
        differ += other[2] != rev[2];
    }
    assert_int_equal(differ, 50);
    /* In place (inout = base) gives the same values and leaves no covariates. */
    assert_int_equal(mw_scenario_covariates(base, SEED, 7, base, rev, err, sizeof(err)),
                     0);
    assert_memory_equal(rev, fwd[7], sizeof(rev));
    assert_int_equal(base->n_covariates, 0);

    /* The private draw used by run and cohort: sample, covariates, checks. */
    assert_int_equal(load_arm(base, cov_yaml, -1, &d), 0);
    assert_int_equal(
        mw__patient_draw(base, SEED, 7, p, rev, NULL, "patient", err, sizeof(err)), 0);
    assert_memory_equal(rev, fwd[7], sizeof(rev));
    assert_true(p->tumour.clones[0].cells == rev[2]);
    free(base);
    free(p);
}

/* An effect that takes a key out of its range stops the draw with a message that
 * names the covariate, the key, the value and the range; nothing is changed. */
static void
test_cov_range_violation(void **state)
{
    static const char yaml[] = "tumour:\n"
                               "  clones:\n"
                               "    - {name: founder, cells: 1.0e+9, birth: 0.05}\n"
                               "covariates:\n"
                               "  - name: growth\n"
                               "    distribution: {uniform: {min: 0, max: 10}}\n"
                               "    multiply:\n"
                               "      tumour.clones[0].birth: 10\n";
    mw_scenario_t *base = new_scenario(), *p = new_scenario(), *copy = new_scenario();
    mw_diags_t d;
    double v[1];
    char err[256];
    int failed = 0;
    (void) state;

    assert_int_equal(load_arm(base, yaml, -1, &d), 0);
    for (uint32_t i = 0; i < 200; i++) {
        memcpy(p, base, sizeof(*p));
        memcpy(copy, base, sizeof(*p));
        int r = mw_scenario_covariates(base, SEED, i, p, v, err, sizeof(err));
        /* birth = 0.05 x 10^v lies in [0, 100] while v <= log10(2000). */
        if (v[0] > log10(2000.0) + 1e-9) {
            assert_int_equal(r, MW_ERR_BAD_PARAM);
            assert_non_null(strstr(err, "covariate 'growth'"));
            assert_non_null(strstr(err, "'tumour.clones[0].birth'"));
            assert_non_null(strstr(err, "outside [0, 100]"));
            assert_memory_equal(p, copy, sizeof(*p));
            failed++;
        } else if (r == 0) {
            assert_true(p->tumour.clones[0].traits.birth == 0.05 * pow(10, v[0]));
        }
    }
    /* P(v > 3.301) = 0.67: about 134 of 200. */
    assert_z(failed / 200.0, 1 - log10(2000.0) / 10, sqrt(0.67 * 0.33 / 200), 4);
    /* run and cohort name the patient. */
    for (uint32_t i = 0;; i++) {
        memcpy(copy, base, sizeof(*copy));
        if (mw_scenario_covariates(base, SEED, i, copy, v, err, sizeof(err)) != 0) {
            assert_int_equal(mw__patient_draw(base, SEED, i, p, NULL, NULL, "patient",
                                              err, sizeof(err)),
                             MW_ERR_BAD_PARAM);
            assert_true(strncmp(err, "patient ", 8) == 0);
            assert_non_null(strstr(err, ": covariate 'growth' = "));
            break;
        }
    }
    free(base);
    free(p);
    free(copy);
}

/* Bad definitions, each at its place. */
static void
test_cov_errors(void **state)
{
    char *t;
    (void) state;

    /* set is for binary covariates; power and assign for numeric ones. */
    t = edit(cov_yaml, "    power:\n      immune.costim_41bb.expansion_max: 0.5\n",
             "    set:\n      immune.costim_41bb.expansion_max: 0.5\n");
    expect_error(t, 22, 5, "covariates[1].set", "set is for binary covariates");
    free(t);
    t = edit(cov_yaml, "    multiply:\n      tumour.clones[0].birth: 1.2\n",
             "    power:\n      tumour.clones[0].birth: 1.2\n");
    expect_error(t, 17, 5, "covariates[0].power", "power is for numeric covariates");
    free(t);
    /* An integer key takes integers, by set or assign only. */
    t = edit(cov_yaml, "      tumour.clones[0].tp53_loss: 1\n",
             "      tumour.clones[0].tp53_loss: 0.5\n");
    expect_error(
        t, 15, 35, "covariates[0].set.tumour.clones[0].tp53_loss",
        "0.5 is not an integer ('tumour.clones[0].tp53_loss' is an integer in [0, 1])");
    free(t);
    t = edit(cov_yaml, "      tumour.clones[0].antigens.BCMA.copies: 1\n",
             "      tumour.clones[0].antigens.BCMA.copies: 3\n");
    expect_error(t, 16, 46, "covariates[0].set.tumour.clones[0].antigens.BCMA.copies",
                 "3 is outside [0, 2]");
    free(t);
    t = edit(cov_yaml, "      products[0].dose_cells: 0.9\n",
             "      tumour.clones[0].tp53_loss: 0.9\n");
    expect_error(t, 32, 7, "covariates[3].multiply.tumour.clones[0].tp53_loss",
                 "is an integer in [0, 1]: a covariate may only set or assign it");
    free(t);
    t = edit(cov_yaml, "      - tumour.clones[0].cells\n",
             "      - tumour.clones[0].antigens.BCMA.copies\n");
    expect_error(
        t, 25, 20, "covariates[2].distribution",
        "'baseline_burden' is assigned to 'tumour.clones[0].antigens.BCMA.copies', "
        "an integer: it takes uniform or choice, not lognormal");
    free(t);
    t = edit(cov_yaml, "    distribution: {choice: {values: [3, 4, 5, 6, 7, 8]}}\n",
             "    distribution: {choice: {values: [0, 1.5]}}\n    assign: "
             "[\"tumour.clones[0].antigens.BCMA.copies\"]\n");
    expect_error(t, 29, 41, "covariates[3].distribution.choice.values",
                 "the 2nd choice value 1.5 is not an integer");
    free(t);
    /* An unknown key, with a suggestion, at the key. */
    t = edit(cov_yaml, "      tumour.clones[0].birth: 1.2\n",
             "      tumour.clones[0].brith: 1.2\n");
    expect_error(t, 18, 7, "covariates[0].multiply.tumour.clones[0].brith",
                 "did you mean 'birth'?");
    free(t);
    t = edit(cov_yaml, "      products[0].dose_cells: 0.9\n",
             "      products[1].dose_cells: 0.9\n");
    expect_error(t, 32, 7, "covariates[3].multiply.products[1].dose_cells",
                 "index 1 is out of range: products has 1 entry");
    free(t);
    t = edit(cov_yaml, "      products[0].dose_cells: 0.9\n",
             "      horizon_days: 0.9\n");
    expect_error(t, 32, 7, "covariates[3].multiply.horizon_days",
                 "a setting of the run, the same for every patient");
    free(t);
    t = edit(cov_yaml, "    reference: 1.0\n", "    referense: 1.0\n");
    expect_error(t, 21, 5, "covariates[1].referense", "did you mean 'reference'?");
    free(t);
    /* Values. */
    t = edit(cov_yaml, "    prevalence: 0.1\n", "    prevalence: 1.1\n");
    expect_error(t, 13, 17, "covariates[0].prevalence",
                 "expected a probability in [0, 1]");
    free(t);
    t = edit(cov_yaml, "      tumour.clones[0].birth: 1.2\n",
             "      tumour.clones[0].birth: -1\n");
    expect_error(t, 18, 31, "covariates[0].multiply.tumour.clones[0].birth",
                 "expected a factor > 0");
    free(t);
    t = edit(cov_yaml, "    reference: 1.0\n", "");
    expect_error(t, 21, 5, "covariates[1].reference", "give reference > 0");
    free(t);
    /* Names: required, plain, unique. */
    t = edit(cov_yaml, "  - name: tcell_fitness\n", "  - name: t-cell fitness\n");
    expect_error(t, 19, 11, "covariates[1].name", "letters, digits or '_'");
    free(t);
    t = edit(cov_yaml, "  - name: tcell_fitness\n", "  - name: del17p\n");
    expect_error(t, 19, 11, "covariates[1].name", "given twice (first on line 12)");
    free(t);
    /* Binary or numeric, not both nor neither. */
    t = edit(cov_yaml, "    prevalence: 0.1\n",
             "    prevalence: 0.1\n    distribution: {uniform: {min: 0, max: 1}}\n");
    expect_error(t, 14, 5, "covariates[0].distribution", "not both");
    free(t);
    t = edit(cov_yaml, "    prevalence: 0.1\n", "");
    expect_error(t, 12, 5, "covariates[0]", "needs prevalence");
    free(t);
    t = edit(cov_yaml, "    distribution: {lognormal: {median: 1.0, sd_log: 0.5}}\n",
             "    distribution: {lognormel: {median: 1.0, sd_log: 0.5}}\n");
    expect_error(t, 20, 20, "covariates[1].distribution", "did you mean 'lognormal'?");
    free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arms_load),
        cmocka_unit_test(test_arm_out_of_range),
        cmocka_unit_test(test_arm_errors),
        cmocka_unit_test(test_cutoff_before_enrolment),
        cmocka_unit_test(test_arm_validation_located),
        cmocka_unit_test(test_paired_variability),
        cmocka_unit_test(test_arm_json_round_trip),
        cmocka_unit_test(test_cov_load),
        cmocka_unit_test(test_cov_draws),
        cmocka_unit_test(test_cov_determinism),
        cmocka_unit_test(test_cov_range_violation),
        cmocka_unit_test(test_cov_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
