/*
 * `marrow cohort` through the library (mw_cohort, mw_cohort_merge).
 *
 * Determinism: every file but run.json is the same byte for byte for 1, 2 and 3
 * threads, for 3 shards merged, and after a resume of a killed run; --only-patient I
 * gives patient I's rows of the whole cohort.  Rows: row i is what a single
 * simulation of patient (seed, i) gives on its arm, recomputed here from the public
 * API (mw_scenario_sample, mw_scenario_covariates, mw_sim_*), stopped at the end of
 * its follow-up (horizon, data cut-off, dropout or death).  Analysis: summary.json's
 * counts are those of patients.csv, per arm; km.csv is the Kaplan-Meier fit of the
 * rows' times on the 1/16-day grid; the arm comparison's hazard ratio and log-rank
 * p are those of the rows; tte.csv holds the rows' times and censoring.
 *
 * Scenarios (each patient a millisecond or so):
 * - trial: a lenalidomide line with a CRBN-loss subclone of varying size
 *   (responses, MRD, progressions, censoring), one arm, no trial section;
 * - tox: a T-cell engager with low CRS thresholds and a varying tumour burden
 *   (every CRS grade, deaths);
 * - paired: trial with a second line and two covariates, on two arms (the second
 *   with a 4-fold more potent lenalidomide), every patient on both;
 * - randomised: a small untreated tumour on two arms allocated 1:2;
 * - followup: staggered entry with a data cut-off, and dropout.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "cohort/stats.h"

#define SEED 20260602ULL

/* Threads a cohort asked for @p k gets (one without OpenMP). */
#ifdef _OPENMP
#define THREADS_USED(k) (k)
#else
#define THREADS_USED(k) 1
#endif

#define RD_TUMOUR                                                                   \
    "output_every_days: 28\n"                                                       \
    "tumour:\n"                                                                     \
    "  capacity: 2.0e+11\n"                                                         \
    "  clones:\n"                                                                   \
    "    - {name: sensitive, cells: 1.0e+11, birth: 0.035,\n"                       \
    "       death: {uniform: {min: 0.015, max: 0.03}}}\n"                           \
    "    - {name: crbn-loss, cells: {lognormal: {median: 1.0e+7, sd_log: 3}},\n"    \
    "       birth: {uniform: {min: 0.035, max: 0.06}}, death: 0.025, crbn_loss: true}\n"
#define RD_DRUG                                                                     \
    "drugs:\n"                                                                      \
    "  - {name: lenalidomide, pd: {emax: {lognormal: {median: 0.05, sd_log: 0.8}}}}\n"
#define RD_MONITORING                                                               \
    "monitoring:\n"                                                                 \
    "  marrow: {every_days: 91}\n"
/* Two lines: time to next treatment has events. */
#define RD_PLAN2                                                                    \
    "plan:\n"                                                                       \
    "  lines: [{name: Rd, phases: [{regimen: Rd}]}, {name: Pd, phases: [{regimen: Pd}]}]\n"
#define COVARIATES                                                                  \
    "covariates:\n"                                                                 \
    "  - {name: fast, prevalence: 0.3, multiply: {\"tumour.clones[0].birth\": 1.15}}\n" \
    "  - name: fitness\n"                                                           \
    "    distribution: {lognormal: {median: 1.0, sd_log: 0.3}}\n"                   \
    "    reference: 1.0\n"                                                          \
    "    power: {\"tumour.clones[1].death\": 1.0}\n"

static const char trial_yaml[] = "name: tiny-trial\n"
                                 "horizon_days: 730\n" RD_TUMOUR RD_DRUG RD_MONITORING
                                 "plan:\n"
                                 "  lines: [{name: Rd, phases: [{regimen: Rd}]}]\n";

static const char tox_yaml[] =
    "name: tiny-tox\n"
    "horizon_days: 90\n"
    "output_every_days: 7\n"
    "tumour:\n"
    "  capacity: 2.0e+11\n"
    "  clones:\n"
    "    - {name: main, cells: {lognormal: {median: 3.0e+10, sd_log: 1.5}},\n"
    "       birth: 0.05, death: 0.02}\n"
    "engagers:\n"
    "  - name: teclistamab\n"
    "    target: {antigen: BCMA, d50: 100, hill: 2}\n"
    "    step_up: [{mg_kg: 0.06}, {mg_kg: 0.3}]\n"
    "    step_up_every_days: 2\n"
    "    dose_mg_kg: 1.5\n"
    "    every_days: 7\n"
    "toxicity:\n"
    "  toci_at_grade: 0\n"
    "  steroid_at_grade: 0\n"
    "  crs: {grade1: 20, grade2: 40, grade3: 70, grade4: 90, grade5: 100}\n";

/* The paired trial: arm "control" changes nothing, arm "potent" lenalidomide's EC50
 * (100 ng/mL in data/drugs.yaml).  paired_base_yaml is the same patients without a
 * trial section and potent_yaml the potent arm written out by hand. */
#define ARMS_PAIRED                                                                 \
    "trial:\n"                                                                      \
    "  design: paired\n"                                                            \
    "  arms:\n"                                                                     \
    "    - {name: control}\n"                                                       \
    "    - name: potent\n"                                                          \
    "      set: {drugs: [{name: lenalidomide, pd: {ec50_ng_ml: 25}}]}\n"
static const char paired_yaml[] = "name: tiny-paired\n"
                                  "horizon_days: 730\n" RD_TUMOUR RD_DRUG RD_MONITORING
                                      RD_PLAN2 COVARIATES ARMS_PAIRED;
static const char paired_base_yaml[] = "name: tiny-paired\n"
                                       "horizon_days: 730\n" RD_TUMOUR RD_DRUG
                                           RD_MONITORING RD_PLAN2 COVARIATES;
static const char potent_yaml[] =
    "name: tiny-paired\n"
    "horizon_days: 730\n" RD_TUMOUR
    "drugs:\n"
    "  - {name: lenalidomide,\n"
    "     pd: {emax: {lognormal: {median: 0.05, sd_log: 0.8}}, ec50_ng_ml: 25}}\n" RD_MONITORING
        RD_PLAN2 COVARIATES;

/* Randomised 1:2, a tumour that only grows (cheap). */
#define RAND_ALLOC 2.0
static const char random_yaml[] = "name: tiny-random\n"
                                  "horizon_days: 20\n"
                                  "output_every_days: 10\n"
                                  "tumour:\n"
                                  "  clones: [{cells: 1000, birth: 0.2, death: 0.1}]\n"
                                  "trial:\n"
                                  "  design: randomised\n"
                                  "  arms:\n"
                                  "    - {name: slow}\n"
                                  "    - name: fast\n"
                                  "      allocation: 2\n"
                                  "      set: {\"tumour.clones[0].birth\": 0.3}\n";

/* Entry over 300 days, cut-off at day 500, a one-year horizon: patients entering
 * after day 135 are cut off before the horizon. */
#define ENROL  300.0
#define CUTOFF 500.0
static const char cutoff_yaml[] = "name: tiny-cutoff\n"
                                  "horizon_days: 365\n" RD_TUMOUR RD_DRUG RD_MONITORING
                                      RD_PLAN2 COVARIATES
                                  "trial: {enrolment_days: 300, data_cutoff_day: 500}\n";
#define DROPOUT 0.7 /* per year */
static const char dropout_yaml[] = "name: tiny-dropout\n"
                                   "horizon_days: 365\n" RD_TUMOUR RD_DRUG RD_MONITORING
                                       RD_PLAN2 "trial: {dropout_per_year: 0.7}\n";

/* ------------------------------------------------------------------------------
 * Rows
 * ---------------------------------------------------------------------------- */

static const char fixed_header[] =
    "patient,arm,entry_day,followup_days,followup_end,best_response,ttr_days,"
    "dor_days,dor_event,pfs_days,pfs_event,pfs_by,os_days,os_event,ttnt_days,"
    "ttnt_event,mrd_negative,mrd_negative_12m,extinct,extinction_day,relapse_type,"
    "crs_grade,icans_grade,lines,cart_cmax_copies_ug,cart_tmax_days,cart_auc0_28,"
    "pfs2_days,pfs2_event";
#define N_FIXED 29

/* One parsed row of patients.csv. */
typedef struct {
    int patient;
    char arm[MW_NAME_MAX], fu_end[16], best[8], pfs_by[16], mrd12[12], relapse[32];
    double entry, fu, ttr, dor, pfs, os, ttnt, ext_day, cmax, tmax, auc, pfs2;
    int dor_event, pfs_event, os_event, ttnt_event, mrd, extinct, crs, icans, lines;
    int pfs2_event;
    double cov[MW_MAX_COVARIATES];
    char *line; /* the whole line, without its newline */
    const char *after_arm; /* in line: what follows "patient,arm," */
} row_t;

typedef struct {
    const char *yaml;
    int n;
    int n_runs;           /* runs with 1, 2, 3 threads */
    int n_arms;
    mw_scenario_t *arms;  /* [n_arms] */
    int n_cov;
    char dir[3][64];
    int n_rows;
    row_t *rows;
    char *summary;
    mw_cohort_result_t res;
} fixture_t;

static fixture_t trial = {.yaml = trial_yaml, .n = 40, .n_runs = 3};
static fixture_t tox = {.yaml = tox_yaml, .n = 30, .n_runs = 3};
static fixture_t paired = {.yaml = paired_yaml, .n = 30, .n_runs = 2};
static fixture_t randomised = {.yaml = random_yaml, .n = 400, .n_runs = 1};
static fixture_t cutoff = {.yaml = cutoff_yaml, .n = 400, .n_runs = 1};
static fixture_t dropout = {.yaml = dropout_yaml, .n = 300, .n_runs = 1};
static fixture_t *const all[] = {&trial, &tox, &paired, &randomised, &cutoff, &dropout};
#define N_FIXTURES ((int) (sizeof(all) / sizeof(all[0])))

static char *
slurp(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot read %s", path);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t) len + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t) len, f), (size_t) len);
    s[len] = '\0';
    fclose(f);
    return s;
}

static int
exists(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static void
spit(const char *dir, const char *name, const char *text, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void
remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    if (d == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            (void) remove(path);
        }
    }
    closedir(d);
    (void) rmdir(dir);
}

/* Files in @p dir, "." and ".." not counted. */
static int
count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (d == NULL) {
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    closedir(d);
    return n;
}

static void
new_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/mw_cohort_XXXXXX");
    assert_non_null(mkdtemp(dir));
}

/* Load every arm of @p yaml (arm -1 when it has no arms). */
static mw_scenario_t *
load_arms(const char *yaml, int *n_arms)
{
    mw_diags_t d;
    mw_scenario_t *base = malloc(sizeof(*base)), *arms;
    assert_non_null(base);
    mw_test_scenario(base, yaml);
    *n_arms = base->trial.n_arms > 0 ? base->trial.n_arms : 1;
    arms = malloc((size_t) *n_arms * sizeof(*arms));
    assert_non_null(arms);
    if (base->trial.n_arms == 0) {
        arms[0] = *base;
        assert_int_equal(arms[0].trial.arm, -1);
    }
    for (int a = 0; a < base->trial.n_arms; a++) {
        mw_diags_clear(&d);
        mw_scenario_init_defaults(&arms[a]);
        int ret = mw_scenario_load_string_arm(&arms[a], yaml, "test.yaml", a, &d);
        if (ret == 0) {
            ret = mw_scenario_validate(&arms[a], &d);
        }
        if (ret != 0) {
            mw_diags_print(&d, stdout);
            fail_msg("arm %d did not load: %s", a, mw_strerror(ret));
        }
        assert_int_equal(arms[a].trial.arm, a);
        assert_string_equal(arms[a].trial.arms[a].name, base->trial.arms[a].name);
    }
    free(base);
    return arms;
}

static mw_cohort_options_t
options(const char *dir, int n, int threads)
{
    mw_cohort_options_t o = {dir, "test", SEED, n, threads, 1, 0, -1, 0, 1, 0};
    return o;
}

/* mw_cohort that must succeed. */
static void
run_ok(const mw_scenario_t *arms, int n_arms, const mw_cohort_options_t *o,
       mw_cohort_result_t *res)
{
    char errbuf[1024] = "";
    mw_cohort_result_t mine;
    if (res == NULL) {
        res = &mine;
    }
    int ret = mw_cohort(arms, n_arms, o, res, errbuf, sizeof(errbuf));
    if (ret != 0) {
        fail_msg("mw_cohort: %s", errbuf);
    }
}

static double
num(const char *s)
{
    if (strcmp(s, "NA") == 0) {
        return NAN;
    }
    if (strcmp(s, "Inf") == 0) {
        return INFINITY;
    }
    char *end;
    double x = strtod(s, &end);
    if (*s == '\0' || *end != '\0') {
        fail_msg("'%s' is not a number", s);
    }
    return x;
}

static int
flag(const char *s)
{
    if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0) {
        fail_msg("'%s' is not a 0/1 flag", s);
    }
    return s[0] == '1';
}

static int
integer(const char *s, int lo, int hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        fail_msg("'%s' is not an integer in %d..%d", s, lo, hi);
    }
    return (int) v;
}

/* Split @p line at commas in place (no quoting: our names have no commas). */
static int
split(char *line, char **f, int max)
{
    int k = 0;
    for (char *p = line;;) {
        if (k == max) {
            return max + 1;
        }
        f[k++] = p;
        p = strchr(p, ',');
        if (p == NULL) {
            return k;
        }
        *p++ = '\0';
    }
}

static void
copy_field(char *out, size_t len, const char *s)
{
    assert_true(strlen(s) < len);
    memcpy(out, s, strlen(s) + 1);
}

static void
parse_row(const char *text, int n_cov, row_t *r)
{
    char buf[2048], *f[N_FIXED + MW_MAX_COVARIATES];
    memset(r, 0, sizeof(*r));
    r->line = strdup(text);
    assert_non_null(r->line);
    const char *c = strchr(r->line, ',');
    assert_non_null(c);
    c = strchr(c + 1, ',');
    assert_non_null(c);
    r->after_arm = c + 1;
    assert_true(strlen(text) < sizeof(buf));
    strcpy(buf, text);
    if (split(buf, f, N_FIXED + n_cov) != N_FIXED + n_cov) {
        fail_msg("row '%s' has not %d fields", text, N_FIXED + n_cov);
    }
    r->patient = integer(f[0], 0, 100000000);
    copy_field(r->arm, sizeof(r->arm), f[1]);
    r->entry = num(f[2]);
    r->fu = num(f[3]);
    copy_field(r->fu_end, sizeof(r->fu_end), f[4]);
    copy_field(r->best, sizeof(r->best), f[5]);
    r->ttr = num(f[6]);
    r->dor = num(f[7]);
    r->dor_event = flag(f[8]);
    r->pfs = num(f[9]);
    r->pfs_event = flag(f[10]);
    copy_field(r->pfs_by, sizeof(r->pfs_by), f[11]);
    r->os = num(f[12]);
    r->os_event = flag(f[13]);
    r->ttnt = num(f[14]);
    r->ttnt_event = flag(f[15]);
    r->mrd = flag(f[16]);
    copy_field(r->mrd12, sizeof(r->mrd12), f[17]);
    r->extinct = flag(f[18]);
    r->ext_day = num(f[19]);
    copy_field(r->relapse, sizeof(r->relapse), f[20]);
    r->crs = integer(f[21], 0, 5);
    r->icans = integer(f[22], 0, 5);
    r->lines = integer(f[23], 0, 100);
    r->cmax = num(f[24]);
    r->tmax = num(f[25]);
    r->auc = num(f[26]);
    r->pfs2 = num(f[27]);
    r->pfs2_event = flag(f[28]);
    for (int k = 0; k < n_cov; k++) {
        r->cov[k] = num(f[N_FIXED + k]);
    }
}

/* Parse patients.csv (header checked against the scenario's covariates). */
static row_t *
parse_rows(const char *csv, const mw_scenario_t *sc, int *n_rows)
{
    char header[1024];
    size_t hl = (size_t) snprintf(header, sizeof(header), "%s", fixed_header);
    for (int k = 0; k < sc->n_covariates; k++) {
        hl += (size_t) snprintf(header + hl, sizeof(header) - hl, ",%s",
                                sc->covariates[k].name);
    }
    if (strncmp(csv, header, hl) != 0 || csv[hl] != '\n') {
        fail_msg("patients.csv header:\n%.*s\nexpected\n%s", (int) strcspn(csv, "\n"), csv,
                 header);
    }
    int cap = 16, n = 0;
    row_t *rows = malloc((size_t) cap * sizeof(*rows));
    assert_non_null(rows);
    for (const char *p = csv + hl + 1; *p != '\0';) {
        const char *eol = strchr(p, '\n');
        char line[2048];
        assert_non_null(eol);
        assert_true((size_t) (eol - p) < sizeof(line));
        memcpy(line, p, (size_t) (eol - p));
        line[eol - p] = '\0';
        if (n == cap) {
            cap *= 2;
            rows = realloc(rows, (size_t) cap * sizeof(*rows));
            assert_non_null(rows);
        }
        parse_row(line, sc->n_covariates, &rows[n++]);
        p = eol + 1;
    }
    *n_rows = n;
    return rows;
}

static void
free_rows(row_t *rows, int n)
{
    for (int i = 0; i < n; i++) {
        free(rows[i].line);
    }
    free(rows);
}

static int
setup_one(fixture_t *fx)
{
    fx->arms = load_arms(fx->yaml, &fx->n_arms);
    fx->n_cov = fx->arms[0].n_covariates;
    for (int k = 0; k < fx->n_runs; k++) {
        new_dir(fx->dir[k], sizeof(fx->dir[k]));
        mw_cohort_options_t o = options(fx->dir[k], fx->n, k + 1);
        mw_cohort_result_t res;
        run_ok(fx->arms, fx->n_arms, &o, &res);
        assert_int_equal(res.n_patients, fx->n);
        assert_int_equal(res.n_arms, fx->n_arms);
        assert_int_equal(res.threads, THREADS_USED(k + 1));
        if (k == 0) {
            fx->res = res;
        }
    }
    char *csv = slurp(fx->dir[0], "patients.csv");
    fx->rows = parse_rows(csv, &fx->arms[0], &fx->n_rows);
    free(csv);
    fx->summary = slurp(fx->dir[0], "summary.json");
    return 0;
}

static int
setup(void **state)
{
    (void) state;
    for (int i = 0; i < N_FIXTURES; i++) {
        setup_one(all[i]);
    }
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    for (int i = 0; i < N_FIXTURES; i++) {
        fixture_t *fx = all[i];
        for (int k = 0; k < fx->n_runs; k++) {
            remove_dir(fx->dir[k]);
        }
        free_rows(fx->rows, fx->n_rows);
        free(fx->summary);
        free(fx->arms);
    }
    return 0;
}

/* The rows of arm @p a (patient order). */
static int
arm_rows(const fixture_t *fx, int a, const row_t **out)
{
    int n = 0;
    for (int i = 0; i < fx->n_rows; i++) {
        if (strcmp(fx->rows[i].arm, fx->res.arms[a].name) == 0) {
            out[n++] = &fx->rows[i];
        }
    }
    return n;
}

/* ------------------------------------------------------------------------------
 * Determinism
 * ---------------------------------------------------------------------------- */

static const char *const outputs[] = {"patients.csv", "tte.csv", "km.csv", "summary.json"};
#define N_OUTPUTS 4

/* The outputs (not run.json) of @p dir are those of @p ref, byte for byte. */
static void
assert_same_outputs(const char *ref, const char *dir, const char *what)
{
    for (int f = 0; f < N_OUTPUTS; f++) {
        char *a = slurp(ref, outputs[f]), *b = slurp(dir, outputs[f]);
        if (strcmp(a, b) != 0) {
            size_t k = 0;
            while (a[k] == b[k]) {
                k++;
            }
            fail_msg("%s: %s differs at byte %zu: '%.60s' vs '%.60s'", what, outputs[f], k,
                     a + k, b + k);
        }
        free(a);
        free(b);
    }
}

/* Files do not depend on the thread count; no file is left behind; rows are in
 * patient order, every arm of a patient in arm order when paired. */
static void
check_threads(const fixture_t *fx)
{
    for (int k = 1; k < fx->n_runs; k++) {
        assert_same_outputs(fx->dir[0], fx->dir[k], fx->arms[0].name);
    }
    for (int k = 0; k < fx->n_runs; k++) {
        assert_int_equal(count_files(fx->dir[k]), 5); /* no .partial left */
        char *run = slurp(fx->dir[k], "run.json");
        char want[32];
        snprintf(want, sizeof(want), "\"threads\": %d,", THREADS_USED(k + 1));
        assert_non_null(strstr(run, want));
        assert_non_null(strstr(run, "\"cohort\": {"));
        assert_non_null(strstr(run, "\"patients\": "));
        free(run);
    }
    int paired_design = fx->n_arms == 1 || fx->arms[0].trial.design == MW_DESIGN_PAIRED;
    assert_int_equal(fx->n_rows, paired_design ? fx->n * fx->n_arms : fx->n);
    for (int i = 0; i < fx->n_rows; i++) {
        const row_t *r = &fx->rows[i];
        if (paired_design) {
            assert_int_equal(r->patient, i / fx->n_arms);
            assert_string_equal(r->arm, fx->res.arms[i % fx->n_arms].name);
        } else {
            assert_int_equal(r->patient, i);
        }
    }
    if (fx->n_arms == 1) {
        /* a scenario without arms: one arm named after the scenario */
        assert_string_equal(fx->res.arms[0].name, fx->arms[0].name);
    }
}

static void
test_threads_identical(void **state)
{
    (void) state;
    for (int i = 0; i < N_FIXTURES; i++) {
        check_threads(all[i]);
    }
}

/* Three shards merged (handed over in any order) give the files of one run. */
static void
check_shards(const fixture_t *fx, int threads)
{
    char dir[3][64], out[64], errbuf[1024];
    const char *dirs[3];
    mw_cohort_result_t res;
    int covered = 0;
    for (int s = 0; s < 3; s++) {
        new_dir(dir[s], sizeof(dir[s]));
        mw_cohort_options_t o = options(dir[s], fx->n, threads);
        o.shard_index = s;
        o.shard_count = 3;
        run_ok(fx->arms, fx->n_arms, &o, &res);
        covered += res.n_patients;
        assert_int_equal(count_files(dir[s]), 5);
    }
    assert_int_equal(covered, fx->n);
    dirs[0] = dir[2];
    dirs[1] = dir[0];
    dirs[2] = dir[1];
    new_dir(out, sizeof(out));
    int ret = mw_cohort_merge(dirs, 3, out, "merge", &res, errbuf, sizeof(errbuf));
    if (ret != 0) {
        fail_msg("mw_cohort_merge: %s", errbuf);
    }
    assert_int_equal(res.n_patients, fx->n);
    assert_int_equal(res.n_arms, fx->n_arms);
    assert_same_outputs(fx->dir[0], out, "3 shards merged");
    assert_int_equal(count_files(out), 5);
    for (int a = 0; a < fx->n_arms; a++) {
        assert_string_equal(res.arms[a].name, fx->res.arms[a].name);
        assert_int_equal(res.arms[a].n_patients, fx->res.arms[a].n_patients);
        assert_true(res.arms[a].median_pfs_days == fx->res.arms[a].median_pfs_days);
    }
    /* the pieces do not fit together in other ways */
    const char *missing[2] = {dir[0], dir[2]}, *twice[4] = {dir[0], dir[1], dir[1], dir[2]};
    char out2[64];
    new_dir(out2, sizeof(out2));
    assert_int_equal(mw_cohort_merge(missing, 2, out2, NULL, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_CONFIG);
    assert_non_null(strstr(errbuf, "in none of the directories"));
    assert_int_equal(mw_cohort_merge(missing, 1, out2, NULL, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_CONFIG);
    assert_non_null(strstr(errbuf, "in none of the directories"));
    assert_int_equal(mw_cohort_merge(twice, 4, out2, NULL, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_CONFIG);
    assert_non_null(strstr(errbuf, "in two directories"));
    assert_int_equal(count_files(out2), 0);
    remove_dir(out2);
    remove_dir(out);
    for (int s = 0; s < 3; s++) {
        remove_dir(dir[s]);
    }
}

/* --only-patient I: the header and patient I's rows of the whole cohort. */
static void
check_only(const fixture_t *fx, int i)
{
    char dir[64], want[8192];
    size_t len;
    mw_cohort_result_t res;
    new_dir(dir, sizeof(dir));
    mw_cohort_options_t o = options(dir, fx->n, 2);
    o.only_patient = i;
    run_ok(fx->arms, fx->n_arms, &o, &res);
    assert_int_equal(res.n_patients, 1);
    assert_int_equal(res.threads, 1);
    char *csv = slurp(fx->dir[0], "patients.csv"), *got = slurp(dir, "patients.csv");
    len = strcspn(csv, "\n") + 1;
    memcpy(want, csv, len);
    for (int r = 0; r < fx->n_rows; r++) {
        if (fx->rows[r].patient == i) {
            len += (size_t) snprintf(want + len, sizeof(want) - len, "%s\n", fx->rows[r].line);
        }
    }
    want[len] = '\0';
    assert_string_equal(got, want);
    char *summary = slurp(dir, "summary.json");
    char range[64];
    snprintf(range, sizeof(range), "\"patient_range\": [%d, %d]", i, i + 1);
    assert_non_null(strstr(summary, range));
    free(summary);
    free(csv);
    free(got);
    remove_dir(dir);
}

static void
test_shards_and_only_patient(void **state)
{
    (void) state;
    check_shards(&trial, 1);
    check_shards(&paired, 2);
    check_shards(&randomised, 2);
    check_only(&trial, 0);
    check_only(&trial, 17);
    check_only(&paired, 0);
    check_only(&paired, paired.n - 1);
    check_only(&randomised, 123);
}

/* Merging directories of different trials (another seed) is refused. */
static void
test_merge_other_trial(void **state)
{
    char dir[2][64], out[64], errbuf[1024];
    (void) state;
    for (int s = 0; s < 2; s++) {
        new_dir(dir[s], sizeof(dir[s]));
        mw_cohort_options_t o = options(dir[s], 10, 1);
        o.seed = s == 0 ? SEED : SEED + 1;
        o.shard_index = s;
        o.shard_count = 2;
        run_ok(trial.arms, 1, &o, NULL);
    }
    const char *dirs[2] = {dir[0], dir[1]};
    new_dir(out, sizeof(out));
    assert_int_equal(mw_cohort_merge(dirs, 2, out, NULL, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_CONFIG);
    assert_non_null(strstr(errbuf, "another trial"));
    assert_int_equal(count_files(out), 0);
    assert_int_equal(mw_cohort_merge(dirs, 0, out, NULL, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    /* a directory without run.json holds no finished cohort */
    assert_int_equal(remove(strcat(strcpy(errbuf, dir[1]), "/run.json")), 0);
    assert_true(mw_cohort_merge(dirs, 2, out, NULL, NULL, errbuf, sizeof(errbuf)) != 0);
    assert_non_null(strstr(errbuf, "run.json"));
    remove_dir(out);
    remove_dir(dir[0]);
    remove_dir(dir[1]);
}

/* Patient i does not depend on how many patients the cohort has. */
static void
test_prefix(void **state)
{
    char dir[64];
    (void) state;
    new_dir(dir, sizeof(dir));
    mw_cohort_options_t o = options(dir, 7, 2);
    run_ok(trial.arms, 1, &o, NULL);
    char *a = slurp(trial.dir[0], "patients.csv"), *b = slurp(dir, "patients.csv");
    assert_int_equal(strncmp(a, b, strlen(b)), 0);
    free(a);
    free(b);
    remove_dir(dir);
}

/* ------------------------------------------------------------------------------
 * Resume
 * ---------------------------------------------------------------------------- */

/* run.json's "cohort" object, as the resume marker holds it. */
static char *
marker_from_run_json(const char *dir)
{
    char *run = slurp(dir, "run.json");
    const char *at = strstr(run, "\"cohort\": {"), *end;
    assert_non_null(at);
    end = strstr(at, "\n  }");
    assert_non_null(end);
    size_t len = (size_t) (end - at) + 4;
    char *m = malloc(len + 16);
    assert_non_null(m);
    snprintf(m, len + 16, "{\n  %.*s\n}\n", (int) len, at);
    free(run);
    return m;
}

/* A run of @p fx killed after @p rows whole rows and @p extra bytes of the next:
 * DIR holds the marker and the cut-short rows. */
static void
fake_kill(const fixture_t *fx, const char *dir, int rows, size_t extra)
{
    char *csv = slurp(fx->dir[0], "patients.csv"), *marker = marker_from_run_json(fx->dir[0]);
    size_t len = strcspn(csv, "\n") + 1;
    for (int r = 0; r < rows; r++) {
        len += strcspn(csv + len, "\n") + 1;
    }
    assert_true(extra < strcspn(csv + len, "\n") + 1 || csv[len] == '\0');
    spit(dir, ".patients.csv.partial", csv, len + extra);
    spit(dir, ".cohort.partial.json", marker, strlen(marker));
    free(csv);
    free(marker);
}

static void
check_resume(const fixture_t *fx, int rows, size_t extra, int threads)
{
    char dir[64];
    new_dir(dir, sizeof(dir));
    fake_kill(fx, dir, rows, extra);
    mw_cohort_options_t o = options(dir, fx->n, threads);
    o.resume = 1;
    run_ok(fx->arms, fx->n_arms, &o, NULL);
    assert_same_outputs(fx->dir[0], dir, "resumed");
    assert_int_equal(count_files(dir), 5);
    remove_dir(dir);
}

static void
test_resume(void **state)
{
    char dir[64], errbuf[1024];
    (void) state;
    check_resume(&trial, 11, 25, 2);    /* half a row */
    check_resume(&trial, 0, 3, 1);      /* nothing but half a row */
    check_resume(&trial, 0, 0, 1);      /* the header only */
    check_resume(&trial, trial.n, 0, 2); /* killed while analysing */
    check_resume(&paired, 9, 0, 2);     /* patient 4 on one arm only */
    check_resume(&paired, 10, 40, 1);
    check_resume(&randomised, 200, 7, 2);

    /* another trial in the directory: nothing is touched */
    new_dir(dir, sizeof(dir));
    fake_kill(&trial, dir, 5, 0);
    mw_cohort_options_t o = options(dir, trial.n, 1);
    o.resume = 1;
    o.seed = SEED + 1;
    assert_int_equal(mw_cohort(trial.arms, 1, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    assert_non_null(strstr(errbuf, "another trial"));
    o.seed = SEED;
    o.n_patients = trial.n + 1;
    assert_int_equal(mw_cohort(trial.arms, 1, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    assert_non_null(strstr(errbuf, "another trial"));
    o.n_patients = trial.n;
    o.shard_count = 2;
    assert_int_equal(mw_cohort(trial.arms, 1, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    assert_non_null(strstr(errbuf, "another trial"));
    assert_int_equal(mw_cohort(paired.arms, 2, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    assert_int_equal(count_files(dir), 2);
    /* ... and the right one still resumes */
    o.shard_count = 1;
    run_ok(trial.arms, 1, &o, NULL);
    assert_same_outputs(trial.dir[0], dir, "resumed after refusals");

    /* a finished cohort, an empty directory */
    assert_int_equal(mw_cohort(trial.arms, 1, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    assert_non_null(strstr(errbuf, "complete"));
    assert_int_equal(count_files(dir), 5);
    remove_dir(dir);
    new_dir(dir, sizeof(dir));
    assert_int_equal(mw_cohort(trial.arms, 1, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    assert_non_null(strstr(errbuf, "no unfinished cohort"));
    remove_dir(dir);
}

/* ------------------------------------------------------------------------------
 * Rows against single simulations
 * ---------------------------------------------------------------------------- */

/* Row @p r from a single simulation of patient (seed, i) on scenario @p sc, stopped
 * at the output times as `marrow run` does up to the end of the patient's follow-up,
 * with every endpoint recomputed from the public API. */
static void
check_row(const mw_scenario_t *sc, const row_t *r)
{
    const int i = r->patient;
    mw_scenario_t *p = malloc(sizeof(*p));
    mw_sim_t *sim = NULL;
    double cov[MW_MAX_COVARIATES];
    char err[512];
    assert_non_null(p);
    assert_int_equal(mw_scenario_sample(sc, SEED, (uint32_t) i, p), 0);
    if (mw_scenario_covariates(sc, SEED, (uint32_t) i, p, cov, err, sizeof(err)) != 0) {
        fail_msg("covariates of patient %d: %s", i, err);
    }
    for (int k = 0; k < sc->n_covariates; k++) {
        assert_true(cov[k] == r->cov[k]);
    }

    /* Follow-up: what ended it and when */
    const double h = sc->horizon_days, cut = sc->trial.data_cutoff_day - r->entry;
    assert_true(r->entry >= 0 && r->entry <= sc->trial.enrolment_days);
    if (strcmp(r->fu_end, "horizon") == 0) {
        assert_true(r->fu == h && h <= cut);
    } else if (strcmp(r->fu_end, "cutoff") == 0) {
        assert_true(r->fu == cut && cut < h);
    } else if (strcmp(r->fu_end, "dropout") == 0) {
        assert_true(sc->trial.dropout_per_year > 0);
        assert_true(r->fu > 0 && r->fu < h && r->fu < cut);
    } else {
        assert_string_equal(r->fu_end, "death");
        assert_int_equal(r->os_event, 1);
    }
    /* (a patient who died was followed to its death; the stops before it are those
     * of a run to the horizon) */
    p->horizon_days = strcmp(r->fu_end, "death") == 0 ? h : r->fu;

    assert_int_equal(mw_sim_create(p, SEED, (uint32_t) i, &sim), 0);
    for (long k = 1;; k++) {
        double t = (double) k * p->output_every_days;
        if (t > p->horizon_days || p->horizon_days - t < 1e-9 * p->output_every_days) {
            t = p->horizon_days;
        }
        int ret = mw_sim_run_until(sim, t);
        assert_true(ret >= 0);
        if (ret == MW_EXIT_DEATH || t >= p->horizon_days) {
            break;
        }
    }
    double death = NAN, ext = NAN, bm, em;
    for (int e = 0; e < mw_sim_n_events(sim); e++) {
        const mw_event_t *ev = mw_sim_event(sim, e);
        if (ev->kind == MW_EV_DEATH && isnan(death)) {
            death = ev->t_days;
        }
        if (ev->kind == MW_EV_TUMOUR_EXTINCT) {
            ext = ev->t_days;
        }
    }
    mw_sim_tumour(sim, &bm, &em);
    mw_therapy_state_t th;
    mw_sim_therapy(sim, &th);
    mw_toxicity_t tx;
    mw_sim_toxicity(sim, &tx);

    if (!isnan(death)) {
        assert_string_equal(r->fu_end, "death");
        assert_true(r->fu == death);
    } else {
        assert_true(strcmp(r->fu_end, "death") != 0);
    }
    /* PFS: first progression (IMWG date) or death; OS: death; else censored at the
     * end of follow-up */
    double prog = th.first_progression_day;
    double pfs = !isnan(prog) ? fmin(prog, isnan(death) ? INFINITY : death) : death;
    assert_int_equal(r->pfs_event, !isnan(pfs));
    assert_true(r->pfs == (isnan(pfs) ? r->fu : pfs));
    assert_string_equal(r->pfs_by, isnan(pfs)       ? "NA"
                                   : pfs == death ? "death"
                                                  : "progression");
    assert_int_equal(r->os_event, !isnan(death));
    assert_true(r->os == (isnan(death) ? r->fu : death));
    assert_int_equal(r->extinct, bm + em == 0 && !isnan(ext));
    if (r->extinct) {
        assert_true(r->ext_day == ext);
    } else {
        assert_true(isnan(r->ext_day));
    }
    const char *best = "NE", *relapse = "none";
    int lines = 0;
    double first = INFINITY, ttr = NAN, next = INFINITY, later = INFINITY;
    mw_line_response_t lr;
    /* every line the simulation has a record of (a plan's, or the implicit line of
     * a scenario without a plan) */
    for (int l = 0; mw_sim_line_response(sim, l, &lr) == 0; l++) {
        lines += lr.started;
        if (l == 0 && lr.started) {
            best = mw_response_name(lr.best);
            ttr = lr.best >= MW_RESP_PR ? lr.response_day : NAN;
        }
        if (l > 0 && lr.started && lr.start_day < next) {
            next = lr.start_day;
        }
        if (lr.progression_day < first) {
            first = lr.progression_day;
            relapse = mw_relapse_name(lr.relapse_type);
        }
        if (l > 0 && lr.progression_day < later) {
            later = lr.progression_day;
        }
    }
    /* PFS2: progression on a line after line 1, else death, else censored */
    if (!isinf(later) && (isnan(death) || later <= death)) {
        assert_true(r->pfs2 == later && r->pfs2_event == 1);
    } else {
        assert_true(r->pfs2 == r->os);
        assert_int_equal(r->pfs2_event, r->os_event);
    }
    assert_string_equal(r->best, best);
    assert_string_equal(r->relapse, relapse);
    assert_int_equal(r->lines, lines);
    /* time to response; duration of response: from it to progression or death */
    assert_true(isnan(ttr) ? isnan(r->ttr) : r->ttr == ttr);
    if (isnan(ttr)) {
        assert_true(isnan(r->dor) && r->dor_event == 0);
    } else {
        assert_true(r->dor == r->pfs - ttr);
        assert_int_equal(r->dor_event, r->pfs_event);
    }
    /* time to next treatment: the next line's start, else death, else censored */
    if (next <= r->fu) {
        assert_true(r->ttnt == next && r->ttnt_event == 1);
    } else {
        assert_true(r->ttnt == r->os);
        assert_int_equal(r->ttnt_event, r->os_event);
    }
    assert_int_equal(r->crs, tx.crs_max);
    assert_int_equal(r->icans, tx.icans_max);
    /* MRD: any negative marrow reading; the last reading of months 6-12 */
    int mrd = 0;
    const char *mrd12 = "NA";
    for (int k = 0; k < mw_sim_n_obs(sim); k++) {
        const mw_obs_t *o = mw_sim_obs(sim, k);
        if (o->assay == MW_ASSAY_MARROW && o->quantity == MW_Q_MRD_POSITIVE) {
            mrd |= o->value == 0;
            if (o->t_days > 182 && o->t_days <= 365) {
                mrd12 = o->value == 0 ? "negative" : "positive";
            }
        }
    }
    assert_int_equal(r->mrd, mrd);
    assert_string_equal(r->mrd12, mrd12);
    mw_cart_pk_t pk;
    if (mw_sim_cart_pk(sim, 0, &pk) == 0 && pk.infused) {
        assert_true(r->cmax == pk.cmax && r->tmax == pk.tmax_days && r->auc == pk.auc0_28);
    } else {
        assert_true(isnan(r->cmax) && isnan(r->tmax) && isnan(r->auc));
    }
    mw_sim_free(sim);
    free(p);
}

/* The arm scenario of row @p r. */
static const mw_scenario_t *
arm_of(const fixture_t *fx, const row_t *r)
{
    for (int a = 0; a < fx->n_arms; a++) {
        if (strcmp(r->arm, fx->res.arms[a].name) == 0) {
            return &fx->arms[a];
        }
    }
    fail_msg("row of patient %d: no arm '%s'", r->patient, r->arm);
    return NULL;
}

static void
test_row_is_single_patient(void **state)
{
    (void) state;
    for (int f = 0; f < N_FIXTURES; f++) {
        const fixture_t *fx = all[f];
        int step = fx->n_rows > 100 ? 23 : 3;
        for (int i = 0; i < fx->n_rows; i += step) {
            check_row(arm_of(fx, &fx->rows[i]), &fx->rows[i]);
        }
        check_row(arm_of(fx, &fx->rows[fx->n_rows - 1]), &fx->rows[fx->n_rows - 1]);
    }
}

/* The scenarios exercise what the checks compare. */
static void
test_scenarios_vary(void **state)
{
    int resp = 0, prog = 0, cens = 0, mrd = 0, deaths = 0, g3 = 0, g0 = 0, ttnt = 0;
    int mrd12 = 0, dor = 0;
    (void) state;
    for (int i = 0; i < trial.n_rows; i++) {
        const char *b = trial.rows[i].best;
        resp += strcmp(b, "PR") == 0 || strcmp(b, "CR") == 0;
        prog += trial.rows[i].pfs_event;
        cens += !trial.rows[i].pfs_event;
        mrd += trial.rows[i].mrd;
    }
    for (int i = 0; i < tox.n_rows; i++) {
        deaths += tox.rows[i].os_event;
        g3 += tox.rows[i].crs >= 3 && tox.rows[i].crs < 5;
        g0 += tox.rows[i].crs == 0;
    }
    for (int i = 0; i < paired.n_rows; i++) {
        ttnt += paired.rows[i].ttnt_event;
        mrd12 += strcmp(paired.rows[i].mrd12, "NA") != 0;
        dor += paired.rows[i].dor_event;
    }
    assert_true(resp > 0 && prog > 2 && cens > 2 && mrd > 0);
    assert_true(deaths > 2 && deaths < tox.n && g3 > 0 && g0 > 0);
    assert_true(ttnt > 2 && mrd12 > 2 && dor > 2);
}

/* ------------------------------------------------------------------------------
 * Arms
 * ---------------------------------------------------------------------------- */

/* Paired: the control arm (empty `set`) is the cohort without a trial section, row
 * for row; the potent arm is a one-arm cohort of its scenario written out. */
static void
check_same_rows(const char *yaml, const fixture_t *fx, int arm)
{
    char dir[64];
    int n_arms, n_rows;
    mw_scenario_t *sc = load_arms(yaml, &n_arms);
    assert_int_equal(n_arms, 1);
    new_dir(dir, sizeof(dir));
    mw_cohort_options_t o = options(dir, fx->n, 2);
    run_ok(sc, 1, &o, NULL);
    char *csv = slurp(dir, "patients.csv");
    row_t *rows = parse_rows(csv, sc, &n_rows);
    assert_int_equal(n_rows, fx->n);
    for (int i = 0; i < fx->n; i++) {
        const row_t *r = &fx->rows[i * fx->n_arms + arm];
        assert_int_equal(r->patient, rows[i].patient);
        assert_string_equal(rows[i].arm, sc->name);
        assert_string_equal(r->after_arm, rows[i].after_arm);
    }
    free_rows(rows, n_rows);
    free(csv);
    free(sc);
    remove_dir(dir);
}

/* The arm-wide copy of the arm's scenario as a one-arm cohort: the same rows. */
static void
check_arm_alone(const fixture_t *fx, int arm)
{
    char dir[64];
    int n_rows;
    mw_scenario_t *sc = malloc(sizeof(*sc));
    assert_non_null(sc);
    *sc = fx->arms[arm];
    sc->trial.n_arms = 0;
    sc->trial.arm = -1;
    memset(sc->trial.arms, 0, sizeof(sc->trial.arms));
    new_dir(dir, sizeof(dir));
    mw_cohort_options_t o = options(dir, fx->n, 1);
    run_ok(sc, 1, &o, NULL);
    char *csv = slurp(dir, "patients.csv");
    row_t *rows = parse_rows(csv, sc, &n_rows);
    for (int i = 0; i < n_rows; i++) {
        const row_t *r = &fx->rows[i * fx->n_arms + arm];
        assert_string_equal(r->after_arm, rows[i].after_arm);
    }
    free_rows(rows, n_rows);
    free(csv);
    free(sc);
    remove_dir(dir);
}

/* Equal to 13 digits, or both NAN. */
static int
same(double a, double b)
{
    if (isnan(a) || isnan(b)) {
        return isnan(a) && isnan(b);
    }
    if (isinf(a) || isinf(b)) {
        return a == b;
    }
    return fabs(a - b) <= 1e-13 * fmax(1.0, fabs(b));
}

/* The number (NAN for null) after @p key inside the text that @p within starts. */
static double
json_number(const char *json, const char *within, const char *key)
{
    const char *at = strstr(json, within);
    if (at == NULL) {
        fail_msg("no '%s' in '%.200s'", within, json);
    }
    at = strstr(at, key);
    if (at == NULL) {
        fail_msg("no '%s' after '%s'", key, within);
    }
    at += strlen(key);
    return strncmp(at, "null", 4) == 0 ? NAN : strtod(at, NULL);
}

/* Survival times on the analysis grid: t -> ceil(16 t) / 16. */
static double
grid(double t)
{
    return ceil(t * 16.0) / 16.0;
}

/* The comparison of arm 1 with arm 0 in summary.json and the result: Cox (Efron)
 * and log-rank of the rows' PFS on the grid. */
static void
check_comparison(const fixture_t *fx)
{
    int n = fx->n_rows, m = 0;
    double *t = malloc((size_t) n * sizeof(double));
    int *e = malloc((size_t) n * sizeof(int)), *g = malloc((size_t) n * sizeof(int));
    assert_true(t != NULL && e != NULL && g != NULL);
    for (int i = 0; i < n; i++) {
        const row_t *r = &fx->rows[i];
        int a = strcmp(r->arm, fx->res.arms[0].name) == 0 ? 0
                : strcmp(r->arm, fx->res.arms[1].name) == 0 ? 1
                                                           : -1;
        if (a >= 0) {
            t[m] = grid(r->pfs);
            e[m] = r->pfs_event;
            g[m++] = a;
        }
    }
    mw_cox_t cox;
    mw_logrank_t lr;
    assert_int_equal(mw__cox_binary(t, e, g, m, MW_COX_EFRON, &cox), 0);
    assert_int_equal(mw__logrank(t, e, g, m, &lr), 0);
    assert_int_equal(cox.status, MW_COX_OK);
    const mw_arm_result_t *r1 = &fx->res.arms[1];
    assert_true(isfinite(r1->hr_pfs) && r1->hr_pfs > 0);
    assert_true(fabs(r1->hr_pfs - cox.hr) <= 1e-9 * cox.hr);
    assert_true(fabs(r1->hr_pfs_lower - cox.hr_lower) <= 1e-9 * cox.hr);
    assert_true(fabs(r1->hr_pfs_upper - cox.hr_upper) <= 1e-9 * cox.hr);
    assert_true(fabs(r1->logrank_p - lr.p) <= 1e-9);
    assert_true(isnan(fx->res.arms[0].hr_pfs) && isnan(fx->res.arms[0].logrank_p));
    const char *cmp = strstr(fx->summary, "\"comparisons\": [");
    assert_non_null(cmp);
    char within[256];
    snprintf(within, sizeof(within), "{\"arm\": \"%s\", \"reference\": \"%s\"", r1->name,
             fx->res.arms[0].name);
    cmp = strstr(cmp, within);
    assert_non_null(cmp);
    assert_true(fabs(json_number(cmp, "\"pfs\": {", "\"hr\": ") - cox.hr) <= 1e-9 * cox.hr);
    assert_true(fabs(json_number(cmp, "\"pfs\": {", "\"logrank_p\": ") - lr.p) <= 1e-9);
    assert_true(fabs(json_number(cmp, "\"pfs\": {", "\"logrank_chisq\": ") - lr.chisq) <=
                1e-9 * fmax(1, lr.chisq));
    assert_non_null(strstr(cmp, "\"os\": {\"hr\": "));
    free(t);
    free(e);
    free(g);
}

static void
test_paired_arms(void **state)
{
    (void) state;
    /* the potent arm changes lenalidomide only */
    assert_true(paired.arms[0].trial.design == MW_DESIGN_PAIRED);
    check_same_rows(paired_base_yaml, &paired, 0);
    check_same_rows(potent_yaml, &paired, 1);
    check_arm_alone(&paired, 1);
    /* the same patient draws the same covariates on both arms */
    for (int i = 0; i < paired.n; i++) {
        const row_t *a = &paired.rows[2 * i], *b = &paired.rows[2 * i + 1];
        assert_true(a->cov[0] == b->cov[0] && a->cov[1] == b->cov[1]);
        assert_true(a->entry == b->entry);
    }
    /* the arms differ (a deeper response need not mean a longer PFS: with the
     * sensitive clone gone sooner the CRBN-loss clone grows back sooner) */
    int better = 0, worse = 0;
    for (int i = 0; i < paired.n; i++) {
        const row_t *a = &paired.rows[2 * i], *b = &paired.rows[2 * i + 1];
        better += b->pfs > a->pfs;
        worse += b->pfs < a->pfs;
    }
    assert_true(better + worse > 0);
    check_comparison(&paired);
    /* McNemar counts: responders on one arm of a pair only */
    int only_here = 0, only_ref = 0;
    for (int i = 0; i < paired.n; i++) {
        const char *ba = paired.rows[2 * i].best, *bb = paired.rows[2 * i + 1].best;
        int ra = strcmp(ba, "PR") == 0 || strcmp(ba, "VGPR") == 0 || strcmp(ba, "CR") == 0 ||
                 strcmp(ba, "sCR") == 0;
        int rb = strcmp(bb, "PR") == 0 || strcmp(bb, "VGPR") == 0 || strcmp(bb, "CR") == 0 ||
                 strcmp(bb, "sCR") == 0;
        only_here += rb && !ra;
        only_ref += ra && !rb;
    }
    char want[128];
    snprintf(want, sizeof(want),
             "\"paired_response\": {\"responders_only_on_arm\": %d, "
             "\"responders_only_on_reference\": %d,",
             only_here, only_ref);
    assert_non_null(strstr(paired.summary, want));
}

static void
test_randomised_arms(void **state)
{
    const fixture_t *fx = &randomised;
    int on[2] = {0, 0};
    (void) state;
    assert_int_equal(fx->n_rows, fx->n);
    for (int i = 0; i < fx->n_rows; i++) {
        const row_t *r = &fx->rows[i];
        assert_int_equal(r->patient, i);
        on[strcmp(r->arm, "fast") == 0]++;
    }
    assert_int_equal(on[0] + on[1], fx->n);
    assert_int_equal(fx->res.arms[0].n_patients, on[0]);
    assert_int_equal(fx->res.arms[1].n_patients, on[1]);
    /* allocation 1:2 */
    double p = RAND_ALLOC / (1 + RAND_ALLOC);
    assert_z((double) on[1] / fx->n, p, sqrt(p * (1 - p) / fx->n), 4);
    /* no pairs, so no McNemar */
    assert_null(strstr(fx->summary, "paired_response"));
    assert_non_null(strstr(fx->summary, "\"design\": \"randomised\""));
    assert_non_null(strstr(fx->summary, "{\"arm\": \"fast\", \"reference\": \"slow\""));
}

/* ------------------------------------------------------------------------------
 * Follow-up and covariates
 * ---------------------------------------------------------------------------- */

static void
test_followup(void **state)
{
    const fixture_t *fx = &cutoff;
    const int n = fx->n;
    int ends[4] = {0, 0, 0, 0}, cut_pfs = 0;
    double sum = 0;
    (void) state;
    for (int i = 0; i < n; i++) {
        const row_t *r = &fx->rows[i];
        sum += r->entry;
        /* alive: followed to the horizon or the cut-off, whichever comes first */
        assert_true(r->entry >= 0 && r->entry <= ENROL);
        double want = fmin(365, CUTOFF - r->entry);
        assert_true(r->os_event || r->fu == want);
        ends[0] += strcmp(r->fu_end, "horizon") == 0;
        ends[1] += strcmp(r->fu_end, "cutoff") == 0;
        assert_true(strcmp(r->fu_end, "cutoff") != 0 || r->fu == CUTOFF - r->entry);
        /* times are censored at the end of follow-up, never beyond */
        assert_true(r->pfs <= r->fu && r->os <= r->fu && r->ttnt <= r->fu);
        assert_true(r->pfs_event || r->pfs == r->fu);
        assert_true(r->os_event || r->os == r->fu);
        cut_pfs += !r->pfs_event && strcmp(r->fu_end, "cutoff") == 0;
    }
    assert_int_equal(ends[0] + ends[1], n);
    /* entry uniform on [0, 300]: mean 150, sd 300 / sqrt(12); P(cut off) = 165/300 */
    assert_z(sum / n, ENROL / 2, ENROL / sqrt(12.0) / sqrt(n), 4);
    double pc = (ENROL - (CUTOFF - 365)) / ENROL;
    assert_z((double) ends[1] / n, pc, sqrt(pc * (1 - pc) / n), 4);
    assert_true(cut_pfs > 0);
    /* summary.json counts the reasons */
    char want[128];
    snprintf(want, sizeof(want),
             "\"followup_end\": {\"horizon\": %d, \"cutoff\": %d, \"dropout\": 0, "
             "\"death\": 0}",
             ends[0], ends[1]);
    assert_non_null(strstr(fx->summary, want));
    assert_true(json_number(fx->summary, "\"trial_id\"", "\"enrolment_days\": ") == ENROL);
    assert_true(json_number(fx->summary, "\"trial_id\"", "\"data_cutoff_day\": ") == CUTOFF);

    /* dropout at 0.7 per year, competing with nothing (no deaths) */
    fx = &dropout;
    int dropped = 0;
    for (int i = 0; i < fx->n; i++) {
        const row_t *r = &fx->rows[i];
        assert_true(r->entry == 0 && r->os_event == 0);
        if (strcmp(r->fu_end, "dropout") == 0) {
            dropped++;
            assert_true(r->fu < 365);
        } else {
            assert_string_equal(r->fu_end, "horizon");
            assert_true(r->fu == 365);
        }
        assert_true(r->pfs_event || r->pfs == r->fu);
        assert_true(r->pfs <= r->fu);
    }
    double pd = 1 - exp(-DROPOUT * 365 / 365.25);
    assert_z((double) dropped / fx->n, pd, sqrt(pd * (1 - pd) / fx->n), 4);
    snprintf(want, sizeof(want), "\"dropout\": %d, \"death\": 0}", dropped);
    assert_non_null(strstr(fx->summary, want));
    /* tte.csv says why a time was censored */
    char *tte = slurp(fx->dir[0], "tte.csv");
    assert_non_null(strstr(tte, ",PFS,Progression-free survival,"));
    assert_non_null(strstr(tte, ",1,0,LOST TO FOLLOW-UP,LOST TO FOLLOW-UP\n"));
    free(tte);
    tte = slurp(cutoff.dir[0], "tte.csv");
    assert_non_null(strstr(tte, ",1,0,DATA CUT-OFF,DATA CUT-OFF\n"));
    free(tte);
}

/* The block of summary.json's "arms" that describes arm @p name. */
static char *
arm_block(const char *summary, const char *name)
{
    char pat[128];
    snprintf(pat, sizeof(pat), "{\"arm\": \"%s\", \"patients\": ", name);
    const char *a = strstr(summary, pat);
    if (a == NULL) {
        fail_msg("summary.json has no arm '%s'", name);
    }
    const char *e = strstr(a + 1, "{\"arm\": "), *c = strstr(a, "\"comparisons\"");
    if (e == NULL || (c != NULL && c < e)) {
        e = c;
    }
    assert_non_null(e);
    char *b = strndup(a, (size_t) (e - a));
    assert_non_null(b);
    return b;
}

static void
test_covariates(void **state)
{
    const fixture_t *fx = &cutoff;
    const int n = fx->n;
    int fast = 0;
    double logsum = 0;
    (void) state;
    assert_int_equal(fx->n_cov, 2);
    for (int i = 0; i < n; i++) {
        const row_t *r = &fx->rows[i];
        assert_true(r->cov[0] == 0 || r->cov[0] == 1);
        assert_true(r->cov[1] > 0);
        fast += r->cov[0] == 1;
        logsum += log(r->cov[1]);
    }
    assert_z((double) fast / n, 0.3, sqrt(0.3 * 0.7 / n), 4);
    assert_z(logsum / n, 0, 0.3 / sqrt(n), 4);
    /* summary: the mean of each and, for a binary one, its levels */
    const fixture_t *fxs[2] = {&cutoff, &paired};
    for (int f = 0; f < 2; f++) {
        fx = fxs[f];
        for (int a = 0; a < fx->n_arms; a++) {
            const row_t **rows = malloc((size_t) fx->n_rows * sizeof(*rows));
            assert_non_null(rows);
            int m = arm_rows(fx, a, rows), level[2] = {0, 0};
            double s[2] = {0, 0};
            for (int i = 0; i < m; i++) {
                s[0] += rows[i]->cov[0];
                s[1] += rows[i]->cov[1];
                level[rows[i]->cov[0] != 0]++;
            }
            char *b = arm_block(fx->summary, fx->res.arms[a].name), want[160];
            assert_true(same(json_number(b, "{\"name\": \"fast\"", "\"mean\": "), s[0] / m));
            assert_true(same(json_number(b, "{\"name\": \"fitness\"", "\"mean\": "), s[1] / m));
            snprintf(want, sizeof(want), "\"levels\": [{\"value\": 0, \"patients\": %d, ",
                     level[0]);
            assert_non_null(strstr(b, want));
            snprintf(want, sizeof(want), "{\"value\": 1, \"patients\": %d, ", level[1]);
            assert_non_null(strstr(b, want));
            assert_non_null(strstr(b, "\"pfs_hr_present_vs_absent\": {\"hr\": "));
            /* a numeric covariate has no levels */
            assert_null(strstr(strstr(b, "{\"name\": \"fitness\""), "levels"));
            free(b);
            free(rows);
        }
    }
    /* the subgroup comparisons of the paired trial */
    assert_non_null(strstr(paired.summary, "{\"covariate\": \"fast\", \"value\": 1, "));
}

/* ------------------------------------------------------------------------------
 * Analysis: summary.json, km.csv and tte.csv against the rows
 * ---------------------------------------------------------------------------- */

/* The integer after "\"key\": {\"count\": " in @p json. */
static int
json_count(const char *json, const char *key)
{
    char pat[96];
    int k = -1;
    snprintf(pat, sizeof(pat), "\"%s\": {\"count\": ", key);
    const char *at = strstr(json, pat);
    if (at == NULL) {
        fail_msg("summary.json lacks %s", pat);
    }
    assert_int_equal(sscanf(at + strlen(pat), "%d", &k), 1);
    return k;
}

/* The counts and fractions of an arm in summary.json are those of its rows. */
static void
check_rates(const fixture_t *fx, int arm)
{
    int pr = 0, vgpr = 0, cr = 0, mrd = 0, any = 0, g3 = 0, pfs = 0, deaths = 0, ext = 0;
    int icans = 0, mrd12 = 0, mrd12_known = 0, ends[4] = {0, 0, 0, 0};
    const row_t **rows = malloc((size_t) fx->n_rows * sizeof(*rows));
    assert_non_null(rows);
    int n = arm_rows(fx, arm, rows);
    assert_int_equal(n, fx->res.arms[arm].n_patients);
    for (int i = 0; i < n; i++) {
        const row_t *r = rows[i];
        int cr_plus = strcmp(r->best, "CR") == 0 || strcmp(r->best, "sCR") == 0;
        int vgpr_plus = cr_plus || strcmp(r->best, "VGPR") == 0;
        cr += cr_plus;
        vgpr += vgpr_plus;
        pr += vgpr_plus || strcmp(r->best, "PR") == 0;
        mrd += r->mrd;
        mrd12 += strcmp(r->mrd12, "negative") == 0;
        mrd12_known += strcmp(r->mrd12, "NA") != 0;
        any += r->crs >= 1;
        g3 += r->crs >= 3;
        icans += r->icans >= 1;
        pfs += r->pfs_event;
        deaths += r->os_event;
        ext += r->extinct;
        ends[0] += strcmp(r->fu_end, "horizon") == 0;
        ends[1] += strcmp(r->fu_end, "cutoff") == 0;
        ends[2] += strcmp(r->fu_end, "dropout") == 0;
        ends[3] += strcmp(r->fu_end, "death") == 0;
    }
    char *s = arm_block(fx->summary, fx->res.arms[arm].name), want[160];
    assert_int_equal(json_count(s, "pr_or_better"), pr);
    assert_int_equal(json_count(s, "vgpr_or_better"), vgpr);
    assert_int_equal(json_count(s, "cr_or_better"), cr);
    assert_int_equal(json_count(s, "mrd_negative"), mrd);
    assert_int_equal(json_count(s, "mrd_negative_12m"), mrd12);
    assert_int_equal(json_count(s, "crs_any"), any);
    assert_int_equal(json_count(s, "crs_grade3plus"), g3);
    assert_int_equal(json_count(s, "icans_any"), icans);
    assert_int_equal(json_count(s, "extinct"), ext);
    assert_true(json_number(s, "\"pfs\": {", "\"events\": ") == pfs);
    assert_true(json_number(s, "\"os\": {", "\"events\": ") == deaths);
    assert_true(json_number(s, "\"os\": {", "\"censored\": ") == n - deaths);
    snprintf(want, sizeof(want),
             "\"followup_end\": {\"horizon\": %d, \"cutoff\": %d, \"dropout\": %d, "
             "\"death\": %d}",
             ends[0], ends[1], ends[2], ends[3]);
    assert_non_null(strstr(s, want));
    /* a fraction and its Wilson interval as stats.h gives them */
    double lo, hi;
    assert_int_equal(mw__wilson(pr, n, MW_STATS_Z95, &lo, &hi), 0);
    assert_true(same(json_number(s, "\"pr_or_better\"", "\"fraction\": "), (double) pr / n));
    const char *w = strstr(strstr(s, "\"pr_or_better\""), "\"wilson95\": [");
    char *end;
    assert_non_null(w);
    assert_true(same(strtod(w + strlen("\"wilson95\": ["), &end), lo));
    assert_true(same(strtod(end + 1, NULL), hi));
    assert_true(same(json_number(s, "\"crs_grade3plus\"", "\"fraction\": "), (double) g3 / n));
    if (mrd12_known > 0) {
        assert_true(same(json_number(s, "\"mrd_negative_12m\"", "\"fraction\": "),
                         (double) mrd12 / mrd12_known));
    }
    /* the result struct */
    const mw_arm_result_t *res = &fx->res.arms[arm];
    assert_true(res->orr == (double) pr / n && res->cr_rate == (double) cr / n);
    assert_int_equal(res->n_pfs_events, pfs);
    assert_int_equal(res->n_deaths, deaths);
    free(s);
    free(rows);
}

static void
test_summary_counts(void **state)
{
    (void) state;
    for (int f = 0; f < N_FIXTURES; f++) {
        const fixture_t *fx = all[f];
        char want[64];
        snprintf(want, sizeof(want), "\"rows\": %d,", fx->n_rows);
        assert_non_null(strstr(fx->summary, want));
        for (int a = 0; a < fx->n_arms; a++) {
            check_rates(fx, a);
        }
    }
}

enum { EP_PFS, EP_OS, EP_DOR, EP_TTNT, EP_PFS2, N_EP };
static const char *const ep_csv[N_EP] = {"PFS", "OS", "DOR", "TTNT", "PFS2"};
static const char *const ep_json[N_EP] = {"pfs", "os", "dor", "ttnt", "pfs2"};

/* The rows of km.csv for arm @p a and endpoint @p ep against a fit of the rows'
 * times moved up to the 1/16-day grid. */
static void
check_km(const fixture_t *fx, const char *csv_text, int a, int ep)
{
    const row_t **rows = malloc((size_t) fx->n_rows * sizeof(*rows));
    double *t = malloc((size_t) fx->n_rows * sizeof(double));
    int *e = malloc((size_t) fx->n_rows * sizeof(int)), m = 0;
    const char *arm = fx->res.arms[a].name;
    assert_true(rows != NULL && t != NULL && e != NULL);
    int n = arm_rows(fx, a, rows);
    for (int i = 0; i < n; i++) {
        const row_t *r = rows[i];
        const double when[N_EP] = {r->pfs, r->os, r->dor, r->ttnt, r->pfs2};
        const int event[N_EP] = {r->pfs_event, r->os_event, r->dor_event, r->ttnt_event,
                                 r->pfs2_event};
        if (ep == EP_DOR && isnan(r->dor)) {
            continue; /* DOR: responders only */
        }
        t[m] = when[ep];
        e[m++] = event[ep];
    }
    for (int i = 0; i < m; i++) {
        t[i] = grid(t[i]);
    }
    mw_km_t km;
    assert_int_equal(mw__km_fit(&km, t, e, m, MW_KM_CI_LOGLOG), 0);

    char *csv = strdup(csv_text), *save = NULL;
    int j = 0, first = 1;
    assert_non_null(csv);
    for (char *line = strtok_r(csv, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (first) {
            assert_string_equal(
                line, "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper");
            first = 0;
            continue;
        }
        char *f[9];
        assert_int_equal(split(line, f, 9), 9);
        if (strcmp(f[0], arm) != 0 || strcmp(f[1], ep_csv[ep]) != 0) {
            continue;
        }
        assert_true(j < km.m);
        assert_true(num(f[2]) == km.time[j]); /* times are written exactly */
        assert_int_equal(atoi(f[3]), km.n_risk[j]);
        assert_int_equal(atoi(f[4]), km.n_event[j]);
        assert_int_equal(atoi(f[5]), km.n_censor[j]);
        assert_true(same(num(f[6]), km.surv[j]));
        assert_true(same(num(f[7]), km.lower[j]));
        assert_true(same(num(f[8]), km.upper[j]));
        j++;
    }
    assert_int_equal(j, km.m);

    /* the median in summary.json with its Brookmeyer-Crowley interval, and the
     * 12-month landmark */
    char *block = arm_block(fx->summary, arm), within[32];
    mw_km_quantile_t q;
    mw__km_median(&km, &q);
    snprintf(within, sizeof(within), "\"%s\": {", ep_json[ep]);
    assert_true(json_number(block, within, "\"patients\": ") == m);
    assert_true(json_number(block, within, "\"events\": ") == km.n_events);
    double est = json_number(block, within, "\"median_days\": ");
    double lo = json_number(block, within, "\"median_ci95\": [");
    assert_true(isinf(q.est) ? isnan(est) : same(est, q.est));
    assert_true(isinf(q.lower) ? isnan(lo) : same(lo, q.lower));
    mw_km_point_t at;
    mw__km_at(&km, 12 * 30.4375, &at);
    double s12 = json_number(strstr(block, within), "\"months\": 12,", "\"surv\": ");
    assert_true(same(s12, at.surv));
    if (ep == EP_PFS) {
        assert_true(same(fx->res.arms[a].median_pfs_days, q.est));
        assert_true(same(fx->res.arms[a].pfs_12m, at.surv));
    }

    free(block);
    mw__km_free(&km);
    free(csv);
    free(t);
    free(e);
    free(rows);
}

static void
test_km_matches_rows(void **state)
{
    (void) state;
    for (int f = 0; f < N_FIXTURES; f++) {
        const fixture_t *fx = all[f];
        char *csv = slurp(fx->dir[0], "km.csv");
        for (int a = 0; a < fx->n_arms; a++) {
            for (int ep = 0; ep < N_EP; ep++) {
                check_km(fx, csv, a, ep);
            }
        }
        free(csv);
    }
}

/* tte.csv: per row PFS, OS, TTR, DOR (responders), TTNT and PFS2, with the row's
 * times. */
static void
check_tte(const fixture_t *fx)
{
    char *csv = slurp(fx->dir[0], "tte.csv"), *save = NULL;
    char *line = strtok_r(csv, "\n", &save);
    assert_non_null(line);
    assert_string_equal(line, "STUDYID,USUBJID,ARM,PARAMCD,PARAM,AVAL,AVALU,CNSR,EVENT,"
                              "EVNTDESC,CNSDTDSC");
    for (int i = 0; i < fx->n_rows; i++) {
        const row_t *r = &fx->rows[i];
        int has_dor = !isnan(r->dor);
        const char *code[6] = {"PFS", "OS", "TTR", has_dor ? "DOR" : "TTNT",
                               has_dor ? "TTNT" : "PFS2", "PFS2"};
        double aval[6] = {r->pfs, r->os, isnan(r->ttr) ? r->fu : r->ttr,
                          has_dor ? r->dor : r->ttnt, has_dor ? r->ttnt : r->pfs2, r->pfs2};
        int ev[6] = {r->pfs_event, r->os_event, !isnan(r->ttr),
                     has_dor ? r->dor_event : r->ttnt_event,
                     has_dor ? r->ttnt_event : r->pfs2_event, r->pfs2_event};
        for (int k = 0; k < 5 + has_dor; k++) {
            char *f[12];
            line = strtok_r(NULL, "\n", &save);
            assert_non_null(line);
            /* a censored record has 11 fields, an event an empty last one */
            int nf = split(line, f, 12);
            assert_int_equal(nf, 11);
            assert_string_equal(f[0], fx->arms[0].name);
            assert_int_equal(atoi(f[1]), r->patient);
            assert_string_equal(f[2], r->arm);
            assert_string_equal(f[3], code[k]);
            assert_true(num(f[5]) == aval[k]);
            assert_string_equal(f[6], "DAYS");
            assert_int_equal(flag(f[7]), 1 - ev[k]);
            assert_int_equal(flag(f[8]), ev[k]);
            assert_true(ev[k] ? f[10][0] == '\0' : f[10][0] != '\0');
        }
    }
    assert_null(strtok_r(NULL, "\n", &save));
    free(csv);
}

static void
test_tte(void **state)
{
    (void) state;
    for (int f = 0; f < N_FIXTURES; f++) {
        check_tte(all[f]);
    }
}

/* ------------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------------- */

static const char fail_yaml[] = "horizon_days: 20\n"
                                "tumour:\n"
                                "  clones: [{cells: 100, birth: 1, death: 0.5}]\n"
                                "mutation:\n"
                                "  rate: {choice: {values: [0, 0.2], weights: [3, 1]}}\n"
                                "  catalogue: [{name: a, edits: {pdl1: +0.1}}]\n"
                                "engine: {max_clones: 20}\n";

/* Bad options; a cohort that fails part-way keeps the rows before the failing
 * patient and the marker, so that --resume can carry on, and writes no outputs. */
static void
test_errors(void **state)
{
    char dir[64], errbuf[1024] = "";
    mw_scenario_t *sc = malloc(sizeof(*sc));
    (void) state;
    assert_non_null(sc);
    new_dir(dir, sizeof(dir));
    mw_cohort_options_t o = options(dir, 0, 1);
    assert_int_equal(mw_cohort(trial.arms, 1, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    o.n_patients = 3;
    o.threads = -1;
    assert_int_equal(mw_cohort(trial.arms, 1, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    o.threads = 1;
    const int bad_shards[][2] = {{0, 0}, {-1, 2}, {2, 2}, {0, 4}};
    for (int k = 0; k < 4; k++) {
        o.shard_index = bad_shards[k][0];
        o.shard_count = bad_shards[k][1];
        assert_int_equal(mw_cohort(trial.arms, 1, &o, NULL, errbuf, sizeof(errbuf)),
                         MW_ERR_BAD_PARAM);
        assert_non_null(strstr(errbuf, "shard"));
    }
    o.shard_index = 0;
    o.shard_count = 1;
    o.only_patient = 3;
    assert_int_equal(mw_cohort(trial.arms, 1, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    assert_non_null(strstr(errbuf, "--only-patient 3"));
    o.only_patient = -1;
    /* arms: as many as the trial has, each loaded as itself */
    assert_int_equal(mw_cohort(paired.arms, 1, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    assert_non_null(strstr(errbuf, "2 arms"));
    assert_int_equal(mw_cohort(trial.arms, 0, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    mw_scenario_t *swapped = malloc(2 * sizeof(*swapped));
    assert_non_null(swapped);
    swapped[0] = paired.arms[1];
    swapped[1] = paired.arms[0];
    assert_int_equal(mw_cohort(swapped, 2, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    free(swapped);
    assert_int_equal(count_files(dir), 0);

    /* Patients draw a mutation rate of 0 or 0.2; those with 0.2 pass the clone
     * limit.  Find a seed whose first such patient is patient 2..6. */
    mw_test_scenario(sc, fail_yaml);
    uint64_t seed = 0;
    int k_fail = -1;
    for (uint64_t s = 1; s < 200 && k_fail < 0; s++) {
        for (int i = 0; i < 8; i++) {
            mw_scenario_t *p = malloc(sizeof(*p));
            assert_non_null(p);
            assert_int_equal(mw_scenario_sample(sc, s, (uint32_t) i, p), 0);
            double rate = p->mutation.rate;
            free(p);
            if (rate > 0) {
                if (i >= 2 && i <= 6) {
                    seed = s;
                    k_fail = i;
                }
                break;
            }
        }
    }
    assert_true(k_fail >= 2);
    for (int resume = 0; resume < 2; resume++) {
        o = options(dir, 8, 1);
        o.seed = seed;
        o.resume = resume;
        assert_int_equal(mw_cohort(sc, 1, &o, NULL, errbuf, sizeof(errbuf)),
                         MW_ERR_TOO_MANY_CLONES);
        char want[64];
        snprintf(want, sizeof(want), "patient %d ", k_fail);
        assert_non_null(strstr(errbuf, want));
        snprintf(want, sizeof(want), "the %d patients before it are kept", k_fail);
        assert_non_null(strstr(errbuf, want));
        assert_int_equal(count_files(dir), 2);
        assert_false(exists(dir, "patients.csv"));
        assert_true(exists(dir, ".cohort.partial.json"));
        char *csv = slurp(dir, ".patients.csv.partial");
        int n_rows;
        row_t *rows = parse_rows(csv, sc, &n_rows);
        assert_int_equal(n_rows, k_fail);
        for (int i = 0; i < n_rows; i++) {
            assert_int_equal(rows[i].patient, i);
        }
        free_rows(rows, n_rows);
        free(csv);
    }
    /* with threads the rows kept are whole patients in order, as many as it says */
    remove_dir(dir);
    new_dir(dir, sizeof(dir));
    o = options(dir, 8, 3);
    o.seed = seed;
    assert_int_equal(mw_cohort(sc, 1, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_TOO_MANY_CLONES);
    char *csv = slurp(dir, ".patients.csv.partial");
    int n_rows, kept = -1;
    const char *at = strstr(errbuf, "(the ");
    assert_non_null(at);
    assert_int_equal(sscanf(at, "(the %d patients", &kept), 1);
    row_t *rows = parse_rows(csv, sc, &n_rows);
    assert_int_equal(n_rows, kept);
    assert_true(kept <= k_fail);
    for (int i = 0; i < n_rows; i++) {
        assert_int_equal(rows[i].patient, i);
    }
    free_rows(rows, n_rows);
    free(csv);
    remove_dir(dir);
    free(sc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_scenarios_vary),
        cmocka_unit_test(test_row_is_single_patient),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_shards_and_only_patient),
        cmocka_unit_test(test_merge_other_trial),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_paired_arms),
        cmocka_unit_test(test_randomised_arms),
        cmocka_unit_test(test_followup),
        cmocka_unit_test(test_covariates),
        cmocka_unit_test(test_summary_counts),
        cmocka_unit_test(test_km_matches_rows),
        cmocka_unit_test(test_tte),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
