/*
 * The trial report (src/report/trial.c) of a `marrow cohort` directory, read back
 * from report.json: every drawn number must be the cohort's own.
 *
 * - Kaplan-Meier charts: the step curve at each km.csv time is that row's survival
 *   and interval (and between rows the previous row's); the numbers at risk, events
 *   and censored under the axis at 6 and 12 months are summary.json's landmarks.
 * - Response bars and whiskers are summary.json's fractions and Wilson intervals.
 * - Swimmer lanes: the first 20 patients of each arm, each bar as long as the
 *   patient's follow-up in patients.csv, marks at its response, progression, death.
 * - Relapse phenotypes: per arm, the counts sum to the arm's progressions in
 *   patients.csv.
 * - Spider plot: one line per patient with a trajectory, 0% at enrolment; left out
 *   (and said so) without trajectories.csv.
 * - A long km.csv is thinned to about 1500 points per curve, exact where drawn.
 * - Missing or garbled files give errors naming the file (and line), never a report.
 *
 * The cohort is tests/cohort/test_cohort.c's paired lenalidomide trial (a
 * millisecond or so a patient): 200 patients on two arms, a randomised variant
 * with staggered entry and a data cut-off for the lanes of a randomised trial.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"
#include "cohort/trial.h"
#include "io/out.h"

#define SEED  20260611ULL
#define N     200
#define TRAJ  5
#define MONTH MW__DAYS_PER_MONTH

#define RD_TRIAL                                                                         \
    "horizon_days: 730\n"                                                                \
    "output_every_days: 28\n"                                                            \
    "tumour:\n"                                                                          \
    "  capacity: 2.0e+11\n"                                                              \
    "  clones:\n"                                                                        \
    "    - {name: sensitive, cells: 1.0e+11, birth: 0.035,\n"                            \
    "       death: {uniform: {min: 0.015, max: 0.03}}}\n"                                \
    "    - {name: crbn-loss, cells: {lognormal: {median: 1.0e+7, sd_log: 3}},\n"         \
    "       birth: {uniform: {min: 0.035, max: 0.06}}, death: 0.025, crbn_loss: true}\n" \
    "drugs:\n"                                                                           \
    "  - {name: lenalidomide, pd: {emax: {lognormal: {median: 0.05, sd_log: 0.8}}}}\n"   \
    "monitoring:\n"                                                                      \
    "  marrow: {every_days: 91}\n"                                                       \
    "plan:\n"                                                                            \
    "  lines: [{name: Rd, phases: [{regimen: Rd}]}, {name: Pd, phases: [{regimen: "      \
    "Pd}]}]\n"

static const char paired_yaml[] =
    "name: report-paired\n" RD_TRIAL "trial:\n"
    "  design: paired\n"
    "  arms:\n"
    "    - {name: control}\n"
    "    - name: potent\n"
    "      set: {drugs: [{name: lenalidomide, pd: {ec50_ng_ml: 25}}]}\n";

static const char random_yaml[] =
    "name: report-randomised\n" RD_TRIAL "trial:\n"
    "  design: randomised\n"
    "  enrolment_days: 300\n"
    "  data_cutoff_day: 600\n"
    "  arms:\n"
    "    - {name: control}\n"
    "    - name: potent\n"
    "      set: {drugs: [{name: lenalidomide, pd: {ec50_ng_ml: 25}}]}\n";

typedef struct {
    char dir[64];
    mw__spec_t sp;
    yaml_document_t report, summary;
    int have_report, have_summary;
    mw__row_t *rows;
    int n_rows;
} fixture_t;

static fixture_t paired, randomised;

/* ------------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------------- */

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

static void
new_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/mw_trial_report_XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void
copy_file(const char *from_dir, const char *to_dir, const char *name)
{
    char from[256], to[256], buf[65536];
    size_t k;
    snprintf(from, sizeof(from), "%s/%s", from_dir, name);
    snprintf(to, sizeof(to), "%s/%s", to_dir, name);
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    while ((k = fread(buf, 1, sizeof(buf), in)) > 0) {
        assert_int_equal(fwrite(buf, 1, k, out), k);
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static int
file_exists(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        fclose(f);
    }
    return f != NULL;
}

static long
file_size(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    fclose(f);
    return n;
}

static mw_scenario_t *
load_arms(const char *yaml, int *n_arms)
{
    mw_diags_t d;
    mw_scenario_t *base = malloc(sizeof(*base)), *arms;
    assert_non_null(base);
    mw_test_scenario(base, yaml);
    *n_arms = base->trial.n_arms;
    arms = malloc((size_t) *n_arms * sizeof(*arms));
    assert_non_null(arms);
    for (int a = 0; a < *n_arms; a++) {
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
    }
    free(base);
    return arms;
}

static const yaml_node_t *
get(yaml_document_t *d, const yaml_node_t *n, const char *key)
{
    const yaml_node_t *v = mw__json_get(d, n, key);
    if (v == NULL) {
        fail_msg("no \"%s\"", key);
    }
    return v;
}

static int
len(const yaml_node_t *seq)
{
    int n = mw__json_len(seq);
    assert_true(n >= 0);
    return n;
}

static const yaml_node_t *
item(yaml_document_t *d, const yaml_node_t *seq, int i)
{
    assert_true(i >= 0 && i < len(seq));
    return mw__json_item(d, seq, i);
}

/* A number (null: NAN); strings hold numbers in tables and CSV. */
static double
num(const yaml_node_t *n)
{
    const char *s = mw__json_scalar(n);
    assert_non_null(s);
    if (strcmp(s, "null") == 0 || strcmp(s, "") == 0) {
        return NAN;
    }
    char *e;
    double x = strtod(s, &e);
    assert_true(*e == '\0');
    return x;
}

static const char *
str(const yaml_node_t *n)
{
    const char *s = mw__json_scalar(n);
    assert_non_null(s);
    return s;
}

/* The block of report @p d with id @p id (NULL when there is none). */
static const yaml_node_t *
block_of(yaml_document_t *d, const char *id)
{
    const yaml_node_t *blocks = get(d, yaml_document_get_root_node(d), "blocks");
    for (int i = 0; i < len(blocks); i++) {
        const yaml_node_t *b = item(d, blocks, i);
        if (strcmp(str(get(d, b, "id")), id) == 0) {
            return b;
        }
    }
    return NULL;
}

/* The block of @p fx's report.json with id @p id (NULL when there is none). */
static const yaml_node_t *
block(fixture_t *fx, const char *id)
{
    return block_of(&fx->report, id);
}

/* Whether series @p s of a chart has a value to draw. */
static int
series_drawn(yaml_document_t *d, const yaml_node_t *s)
{
    const yaml_node_t *v = get(d, s, "values");
    for (int k = 0; k < len(v); k++) {
        if (!isnan(num(item(d, v, k)))) {
            return 1;
        }
    }
    return 0;
}

/* Every chart of report @p d draws something: a series with a value or a shape. */
static void
assert_charts_drawn(yaml_document_t *d)
{
    static const char *const kinds[] = {"rects", "marks", "segs", "texts"};
    const yaml_node_t *blocks = get(d, yaml_document_get_root_node(d), "blocks");
    for (int i = 0; i < len(blocks); i++) {
        const yaml_node_t *b = item(d, blocks, i);
        const yaml_node_t *series = mw__json_get(d, b, "series");
        const yaml_node_t *shapes = mw__json_get(d, b, "shapes");
        int drawn = 0;
        if (strcmp(str(get(d, b, "type")), "chart") != 0) {
            continue;
        }
        for (int k = 0; series != NULL && k < len(series); k++) {
            drawn |= series_drawn(d, item(d, series, k));
        }
        for (int k = 0; shapes != NULL && k < 4; k++) {
            const yaml_node_t *sh = mw__json_get(d, shapes, kinds[k]);
            drawn |= sh != NULL && len(sh) > 0;
        }
        if (!drawn) {
            fail_msg("block \"%s\" draws nothing", str(get(d, b, "id")));
        }
    }
}

/* |a - b| within the 6 significant digits report.json keeps. */
static void
assert_close(double a, double b)
{
    if (isnan(a) && isnan(b)) {
        return;
    }
    if (!(fabs(a - b) <= 1e-5 * fmax(1.0, fabs(b)))) {
        fail_msg("%.9g != %.9g", a, b);
    }
}

static char *
report_error(const char *dir, int want)
{
    static char errbuf[1024];
    errbuf[0] = '\0';
    assert_int_equal(mw_report_write(dir, NULL, errbuf, sizeof(errbuf)), want);
    return errbuf;
}

static void
read_rows(fixture_t *fx)
{
    char path[256], *line = NULL, why[160];
    size_t cap = 0;
    ssize_t k;
    snprintf(path, sizeof(path), "%s/patients.csv", fx->dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    fx->rows = calloc((size_t) (N * fx->sp.n_arms), sizeof(mw__row_t));
    assert_non_null(fx->rows);
    assert_true(getline(&line, &cap, f) > 0); /* the header */
    while ((k = getline(&line, &cap, f)) > 0) {
        line[k - 1] = '\0';
        assert_true(fx->n_rows < N * fx->sp.n_arms);
        if (mw__row_parse(line, &fx->sp, &fx->rows[fx->n_rows], why, sizeof(why)) != 0) {
            fail_msg("patients.csv: %s", why);
        }
        fx->n_rows++;
    }
    free(line);
    fclose(f);
}

static const mw__row_t *
row_of(const fixture_t *fx, int patient, int arm)
{
    for (int i = 0; i < fx->n_rows; i++) {
        if (fx->rows[i].patient == patient && fx->rows[i].arm == arm) {
            return &fx->rows[i];
        }
    }
    fail_msg("no row for patient %d on arm %d", patient, arm);
    return NULL;
}

static void
setup_one(fixture_t *fx, const char *yaml, int trajectories)
{
    char errbuf[1024] = "", path[256];
    int n_arms;
    mw_scenario_t *arms = load_arms(yaml, &n_arms);
    new_dir(fx->dir, sizeof(fx->dir));
    mw_cohort_options_t o = {fx->dir, "test", SEED, N, 1, 1, 0, -1, 0, 1, trajectories};
    if (mw_cohort(arms, n_arms, &o, NULL, errbuf, sizeof(errbuf)) != 0) {
        fail_msg("mw_cohort: %s", errbuf);
    }
    free(arms);
    if (mw_report_write(fx->dir, NULL, errbuf, sizeof(errbuf)) != 0) {
        fail_msg("mw_report_write: %s", errbuf);
    }
    snprintf(path, sizeof(path), "%s/run.json", fx->dir);
    assert_int_equal(mw__spec_read(path, &fx->sp, errbuf, sizeof(errbuf)), 0);
    snprintf(path, sizeof(path), "%s/report.json", fx->dir);
    assert_int_equal(mw__json_load(path, &fx->report, errbuf, sizeof(errbuf)), 0);
    fx->have_report = 1;
    snprintf(path, sizeof(path), "%s/summary.json", fx->dir);
    assert_int_equal(mw__json_load(path, &fx->summary, errbuf, sizeof(errbuf)), 0);
    fx->have_summary = 1;
    read_rows(fx);
}

static int
setup(void **state)
{
    (void) state;
    setup_one(&paired, paired_yaml, TRAJ);
    setup_one(&randomised, random_yaml, 0);
    return 0;
}

static void
teardown_one(fixture_t *fx)
{
    if (fx->have_report) {
        yaml_document_delete(&fx->report);
    }
    if (fx->have_summary) {
        yaml_document_delete(&fx->summary);
    }
    free(fx->rows);
    remove_dir(fx->dir);
}

static int
teardown(void **state)
{
    (void) state;
    teardown_one(&paired);
    teardown_one(&randomised);
    return 0;
}

/* summary.json's arm @p a. */
static const yaml_node_t *
summary_arm(fixture_t *fx, int a)
{
    yaml_document_t *d = &fx->summary;
    return item(d, get(d, yaml_document_get_root_node(d), "arms"), a);
}

/* ------------------------------------------------------------------------------
 * Tests
 * ---------------------------------------------------------------------------- */

static void
test_header(void **state)
{
    (void) state;
    yaml_document_t *d = &paired.report;
    const yaml_node_t *root = yaml_document_get_root_node(d);
    assert_string_equal(str(get(d, root, "format")), "marrow-report/2");
    assert_string_equal(str(get(d, root, "kind")), "trial");
    const yaml_node_t *h = get(d, root, "header");
    assert_string_equal(str(get(d, h, "scenario")), "report-paired");
    assert_int_equal((int) num(get(d, h, "patients")), N);
    assert_string_equal(str(item(d, get(d, h, "arms"), 1)), "potent");
    assert_string_equal(str(get(d, h, "trial_id")), paired.sp.id);
    /* Every block explains itself. */
    const yaml_node_t *blocks = get(d, root, "blocks");
    for (int i = 0; i < len(blocks); i++) {
        const char *note = str(get(d, item(d, blocks, i), "note"));
        assert_true(strncmp(note, "How to read this:", 17) == 0);
    }
    /* No CAR-T in this trial: no Cmax chart. */
    assert_null(block(&paired, "cmax"));
    assert_non_null(block(&paired, "spider"));
    /* A 200-patient report is small. */
    assert_true(file_size(paired.dir, "report.json") < 200000);
    assert_charts_drawn(&paired.report);
    assert_charts_drawn(&randomised.report);
}

/* The summary table: one row per arm with summary.json's numbers. */
static void
test_summary_table(void **state)
{
    (void) state;
    yaml_document_t *d = &paired.report;
    const yaml_node_t *rows = get(d, block(&paired, "summary"), "rows");
    assert_int_equal(len(rows), 2);
    for (int a = 0; a < 2; a++) {
        const yaml_node_t *r = item(d, rows, a);
        const yaml_node_t *s = summary_arm(&paired, a);
        const yaml_node_t *orr =
            get(&paired.summary, get(&paired.summary, s, "response"), "pr_or_better");
        char want[32];
        assert_string_equal(str(item(d, r, 0)), paired.sp.arm[a]);
        assert_int_equal((int) num(item(d, r, 1)), N);
        snprintf(want, sizeof(want), "%.1f%% (",
                 100 * num(get(&paired.summary, orr, "fraction")));
        assert_true(strncmp(str(item(d, r, 2)), want, strlen(want)) == 0);
    }
    assert_string_equal(str(item(d, item(d, rows, 0), 9)), "reference");
}

/* The step curve equals km.csv at and between its rows: at each drawn time, the
 * last row at or before it (1 before the first row, nothing after the last). */
typedef struct {
    double t, s, lo, hi;
} km_t;

static double
na(const char *s)
{
    return strcmp(s, "NA") == 0 ? NAN : atof(s);
}

static void
check_km(fixture_t *fx, const char *id, const char *endpoint)
{
    yaml_document_t *d = &fx->report;
    const yaml_node_t *b = block(fx, id);
    const yaml_node_t *x = get(d, b, "x"), *series = get(d, b, "series");
    const yaml_node_t *bands = get(d, b, "bands");
    char path[256], *line = NULL, *f[9];
    size_t cap = 0;
    ssize_t k;
    km_t *rows[2];
    int n[2] = {0, 0};
    assert_int_equal(len(series), fx->sp.n_arms);
    assert_int_equal(len(bands), fx->sp.n_arms);
    rows[0] = calloc(4096, sizeof(km_t));
    rows[1] = calloc(4096, sizeof(km_t));
    assert_non_null(rows[0]);
    assert_non_null(rows[1]);
    snprintf(path, sizeof(path), "%s/km.csv", fx->dir);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    assert_true(getline(&line, &cap, in) > 0);
    while ((k = getline(&line, &cap, in)) > 0) {
        line[k - 1] = '\0';
        assert_int_equal(mw__csv_split(line, f, 9), 9);
        if (strcmp(f[1], endpoint) == 0) {
            int a = strcmp(f[0], fx->sp.arm[0]) == 0 ? 0 : 1;
            assert_true(n[a] < 4096);
            km_t r = {atof(f[2]), atof(f[6]), na(f[7]), na(f[8])};
            rows[a][n[a]++] = r;
        }
    }
    free(line);
    fclose(in);
    assert_true(n[0] > 0 && n[1] > 0);
    assert_true(strcmp(endpoint, "PFS") != 0 || (n[0] > 5 && n[1] > 5));
    assert_close(num(item(d, x, 0)), 0);
    for (int a = 0; a < fx->sp.n_arms; a++) {
        const yaml_node_t *v = get(d, item(d, series, a), "values");
        const yaml_node_t *lo = get(d, item(d, bands, a), "lower");
        const yaml_node_t *hi = get(d, item(d, bands, a), "upper");
        int j = 0, found = 0;
        assert_string_equal(str(get(d, item(d, series, a), "label")), fx->sp.arm[a]);
        assert_int_equal(len(v), len(x));
        for (int i = 0; i < len(x); i++) {
            double t = num(item(d, x, i)) * MONTH;
            while (j < n[a] && rows[a][j].t <= t + 0.02) {
                j++;
            }
            if (j > 0 && fabs(rows[a][j - 1].t - t) < 0.02) {
                found++; /* a km.csv time drawn */
            }
            if (t > rows[a][n[a] - 1].t + 0.02) {
                assert_true(isnan(num(item(d, v, i)))); /* after follow-up: no curve */
            } else if (j == 0) {
                assert_close(num(item(d, v, i)), 1);
            } else {
                assert_close(num(item(d, v, i)), rows[a][j - 1].s);
                assert_close(num(item(d, lo, i)), rows[a][j - 1].lo);
                assert_close(num(item(d, hi, i)), rows[a][j - 1].hi);
            }
        }
        /* Fewer than 1500 rows: every one drawn. */
        assert_int_equal(found, n[a]);
    }
    free(rows[0]);
    free(rows[1]);
}

static void
test_km_equals_csv(void **state)
{
    (void) state;
    check_km(&paired, "pfs", "PFS");
    check_km(&paired, "os", "OS");
    check_km(&randomised, "pfs", "PFS");
}

/* The numbers under the axis at 6 and 12 months are summary.json's landmarks. */
static void
check_risk(fixture_t *fx, const char *id, const char *endpoint)
{
    yaml_document_t *d = &fx->report, *s = &fx->summary;
    const yaml_node_t *risk = get(d, block(fx, id), "risk");
    const yaml_node_t *times = get(d, risk, "times"), *rows = get(d, risk, "rows");
    assert_int_equal(len(rows), 3 * fx->sp.n_arms);
    /* A horizon under two years: every 3 months. */
    assert_close(num(item(d, times, 1)), 3);
    for (int a = 0; a < fx->sp.n_arms; a++) {
        const yaml_node_t *lm = get(s, get(s, summary_arm(fx, a), endpoint), "landmarks");
        for (int l = 0; l < 2; l++) {
            const yaml_node_t *mark = item(s, lm, l);
            double months = num(get(s, mark, "months"));
            int i = 0;
            while (i < len(times) && num(item(d, times, i)) != months) {
                i++;
            }
            assert_true(i < len(times));
            assert_close(num(item(d, get(d, item(d, rows, 3 * a), "values"), i)),
                         num(get(s, mark, "n_risk")));
            assert_close(num(item(d, get(d, item(d, rows, 3 * a + 1), "values"), i)),
                         num(get(s, mark, "n_event")));
            assert_close(num(item(d, get(d, item(d, rows, 3 * a + 2), "values"), i)),
                         num(get(s, mark, "n_censor")));
        }
    }
}

static void
test_risk_table(void **state)
{
    (void) state;
    check_risk(&paired, "pfs", "pfs");
    check_risk(&paired, "os", "os");
    check_risk(&randomised, "pfs", "pfs");
}

static void
test_response_bars(void **state)
{
    (void) state;
    static const char *const keys[5] = {"pr_or_better", "vgpr_or_better", "cr_or_better",
                                        "scr", "mrd_negative"};
    yaml_document_t *d = &paired.report, *s = &paired.summary;
    const yaml_node_t *shapes = get(d, block(&paired, "response"), "shapes");
    const yaml_node_t *rects = get(d, shapes, "rects"), *segs = get(d, shapes, "segs");
    assert_int_equal(len(rects), 5 * 2);
    assert_int_equal(len(segs), 3 * 5 * 2);
    for (int k = 0; k < 5; k++) {
        for (int a = 0; a < 2; a++) {
            const yaml_node_t *r =
                get(s, get(s, summary_arm(&paired, a), "response"), keys[k]);
            const yaml_node_t *ci = get(s, r, "wilson95");
            const yaml_node_t *bar = item(d, rects, 2 * k + a);
            const yaml_node_t *whisker = item(d, segs, 3 * (2 * k + a));
            assert_close(num(get(d, bar, "y0")), 0);
            assert_close(num(get(d, bar, "y1")), 100 * num(get(s, r, "fraction")));
            assert_close(num(get(d, whisker, "y0")), 100 * num(item(s, ci, 0)));
            assert_close(num(get(d, whisker, "y1")), 100 * num(item(s, ci, 1)));
            /* Bars of a category sit around its tick, arm 0 on the left. */
            assert_true(num(get(d, bar, "x0")) > k - 0.5 &&
                        num(get(d, bar, "x1")) < k + 0.5);
        }
    }
}

/* Lanes: the first 20 patients of each arm, bars as long as their follow-up. */
static void
check_swimmer(fixture_t *fx)
{
    yaml_document_t *d = &fx->report;
    const yaml_node_t *b = block(fx, "swimmer");
    const yaml_node_t *rects = get(d, get(d, b, "shapes"), "rects");
    const yaml_node_t *rows = get(d, get(d, b, "csv"), "rows");
    const yaml_node_t *ticks = get(d, b, "y_ticks");
    int lanes = len(rects), seen[2] = {0, 0};
    assert_int_equal(lanes, 40);
    assert_int_equal(len(rows), lanes);
    assert_int_equal(len(ticks), lanes);
    for (int i = 0; i < lanes; i++) {
        const yaml_node_t *row = item(d, rows, i);
        int a = strcmp(str(item(d, row, 0)), fx->sp.arm[0]) == 0 ? 0 : 1;
        int patient = atoi(str(item(d, row, 1)));
        const mw__row_t *r = row_of(fx, patient, a);
        const yaml_node_t *bar = item(d, rects, i);
        char label[96];
        seen[a]++;
        assert_close(num(get(d, bar, "x0")), 0);
        assert_close(num(get(d, bar, "x1")), r->followup_days / MONTH);
        assert_close(num(item(d, row, 2)), r->followup_days / MONTH);
        assert_string_equal(str(item(d, row, 4)), mw_response_name(r->best));
        /* Top to bottom in order, labelled "arm · #patient". */
        assert_close(num(get(d, bar, "y0")) + 0.32, lanes - 1 - i);
        snprintf(label, sizeof(label), "%s \xc2\xb7 #%d", fx->sp.arm[a], patient);
        assert_string_equal(str(get(d, item(d, ticks, i), "label")), label);
        assert_close(
            num(item(d, row, 6)),
            r->pfs_event && r->pfs_by == MW__PFS_PROGRESSION ? r->pfs_days / MONTH : NAN);
    }
    assert_int_equal(seen[0], 20);
    assert_int_equal(seen[1], 20);
}

static void
test_swimmer(void **state)
{
    (void) state;
    yaml_document_t *d = &paired.report;
    check_swimmer(&paired);
    /* Paired: each patient's lanes side by side, patients 0..19 in order. */
    const yaml_node_t *rows = get(d, get(d, block(&paired, "swimmer"), "csv"), "rows");
    for (int i = 0; i < 40; i++) {
        assert_int_equal(atoi(str(item(d, item(d, rows, i), 1))), i / 2);
    }
    /* Randomised: the lanes of arm 0, then those of arm 1, each in patient order. */
    check_swimmer(&randomised);
    d = &randomised.report;
    rows = get(d, get(d, block(&randomised, "swimmer"), "csv"), "rows");
    for (int i = 1; i < 40; i++) {
        const yaml_node_t *r0 = item(d, rows, i - 1), *r1 = item(d, rows, i);
        int a0 = strcmp(str(item(d, r0, 0)), "control") != 0;
        int a1 = strcmp(str(item(d, r1, 0)), "control") != 0;
        assert_true(a0 < a1 ||
                    (a0 == a1 && atoi(str(item(d, r0, 1))) < atoi(str(item(d, r1, 1)))));
    }
}

static void
check_relapse(fixture_t *fx)
{
    yaml_document_t *d = &fx->report;
    const yaml_node_t *rows = get(d, get(d, block(fx, "relapse"), "csv"), "rows");
    int sum[2] = {0, 0}, want[2] = {0, 0};
    for (int i = 0; i < fx->n_rows; i++) {
        const mw__row_t *r = &fx->rows[i];
        want[r->arm] += r->pfs_event && r->pfs_by == MW__PFS_PROGRESSION;
    }
    assert_true(want[0] > 0);
    for (int i = 0; i < len(rows); i++) {
        const yaml_node_t *row = item(d, rows, i);
        int a = strcmp(str(item(d, row, 0)), fx->sp.arm[0]) == 0 ? 0 : 1;
        sum[a] += atoi(str(item(d, row, 2)));
        assert_int_equal(atoi(str(item(d, row, 3))), want[a]);
    }
    assert_int_equal(sum[0], want[0]);
    assert_int_equal(sum[1], want[1]);
}

static void
test_relapse_phenotypes(void **state)
{
    (void) state;
    check_relapse(&paired);
    check_relapse(&randomised);
}

static void
test_spider(void **state)
{
    (void) state;
    yaml_document_t *d = &paired.report;
    const yaml_node_t *b = block(&paired, "spider");
    const yaml_node_t *series = get(d, b, "series"), *x = get(d, b, "x");
    assert_int_equal(len(series), 2 * TRAJ);
    assert_close(num(item(d, x, 0)), 0);
    for (int i = 0; i < len(series); i++) {
        const yaml_node_t *v = get(d, item(d, series, i), "values");
        assert_close(num(item(d, v, 0)), 0); /* no change at enrolment */
        for (int k = 0; k < len(v); k++) {
            double p = num(item(d, v, k));
            assert_true(isnan(p) || (p >= -100 && p <= 100));
        }
    }
    /* Without trajectories.csv there is no spider plot, and the table says why. */
    assert_null(block(&randomised, "spider"));
    d = &randomised.report;
    assert_non_null(
        strstr(str(get(d, block(&randomised, "summary"), "note")), "trajectories.csv"));
}

/* A km.csv of 20000 rows per curve: about 1500 points drawn, exact where drawn. */
static void
test_thinning(void **state)
{
    (void) state;
    char dir[64], errbuf[1024], path[256];
    const int m = 20000;
    yaml_document_t rep;
    new_dir(dir, sizeof(dir));
    copy_file(paired.dir, dir, "run.json");
    copy_file(paired.dir, dir, "summary.json");
    copy_file(paired.dir, dir, "patients.csv");
    snprintf(path, sizeof(path), "%s/km.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n", f);
    for (int a = 0; a < 2; a++) {
        double s = 1;
        for (int j = 0; j < m; j++) {
            int n_risk = 100000 - 4 * j;
            s *= 1.0 - 3.0 / n_risk;
            fprintf(f, "%s,PFS,%.15g,%d,3,1,%.15g,%.15g,%.15g\n", paired.sp.arm[a],
                    (j + 1) * 729.0 / m, n_risk, s, s * 0.99, fmin(1.0, s * 1.01));
        }
        /* Every arm with patients needs its OS curve too. */
        fprintf(f, "%s,OS,729,100000,0,100000,1,1,1\n", paired.sp.arm[a]);
    }
    assert_int_equal(fclose(f), 0);
    if (mw_report_write(dir, NULL, errbuf, sizeof(errbuf)) != 0) {
        fail_msg("%s", errbuf);
    }
    snprintf(path, sizeof(path), "%s/report.json", dir);
    assert_int_equal(mw__json_load(path, &rep, errbuf, sizeof(errbuf)), 0);
    const yaml_node_t *blocks = get(&rep, yaml_document_get_root_node(&rep), "blocks");
    const yaml_node_t *pfs = item(&rep, blocks, 1);
    assert_string_equal(str(get(&rep, pfs, "id")), "pfs");
    const yaml_node_t *x = get(&rep, pfs, "x");
    const yaml_node_t *v = get(&rep, item(&rep, get(&rep, pfs, "series"), 0), "values");
    /* Both arms have the same times: about KM_POINTS + the 0.001 steps of S. */
    assert_true(len(x) > 1000 && len(x) < 2600);
    for (int i = 1; i < len(x); i++) {
        /* Row j at (j + 1) * 729 / m days: S(t) is the product up to that row. */
        double t = num(item(&rep, x, i)) * MONTH;
        int j = (int) lround(t * m / 729.0) - 1;
        double s = 1;
        for (int k = 0; k <= j; k++) {
            s *= 1.0 - 3.0 / (100000 - 4 * k);
        }
        assert_close(num(item(&rep, v, i)), s);
    }
    /* The last row is always drawn; censoring ticks are at most one per 150th. */
    assert_close(num(item(&rep, x, len(x) - 1)) * MONTH, 729.0);
    assert_true(len(get(&rep, get(&rep, pfs, "shapes"), "marks")) <= 2 * 151);
    yaml_document_delete(&rep);
    assert_true(file_size(dir, "report.json") < 300000);
    remove_dir(dir);
}

/* Missing or broken inputs: an error naming the file (and line), no report. */
static void
test_bad_input(void **state)
{
    (void) state;
    static const char *const files[] = {"run.json", "summary.json", "km.csv",
                                        "patients.csv"};
    char dir[64], *err;
    new_dir(dir, sizeof(dir));
    for (int i = 0; i < 4; i++) {
        copy_file(paired.dir, dir, files[i]);
    }
    /* km.csv missing */
    {
        char path[256];
        snprintf(path, sizeof(path), "%s/km.csv", dir);
        assert_int_equal(remove(path), 0);
    }
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv"));
    assert_false(file_exists(dir, "report.html"));
    assert_false(file_exists(dir, "report.json"));
    /* km.csv with a garbled line 3 */
    write_file(dir, "km.csv",
               "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n"
               "control,PFS,10,200,1,0,0.995,0.96,0.999\n"
               "control,PFS,zz,199,1,0,0.99,0.96,0.999\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv:3: time_days"));
    /* an arm km.csv does not know */
    write_file(dir, "km.csv",
               "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n"
               "\"other, arm\",PFS,10,200,1,0,0.995,0.96,0.999\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv:2: 'other, arm' is not an arm"));
    /* a km.csv cut short */
    write_file(dir, "km.csv",
               "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n"
               "control,PFS,10,200,1,0,0.995,0.96,0.999");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv:2: the last line is cut short"));
    copy_file(paired.dir, dir, "km.csv");
    /* patients.csv: not this trial's header; a short line 4 */
    write_file(dir, "patients.csv", "patient\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "patients.csv:1: the header"));
    {
        char path[256], *line = NULL;
        size_t cap = 0;
        snprintf(path, sizeof(path), "%s/patients.csv", paired.dir);
        FILE *in = fopen(path, "r");
        snprintf(path, sizeof(path), "%s/patients.csv", dir);
        FILE *out = fopen(path, "w");
        assert_non_null(in);
        assert_non_null(out);
        for (int k = 0; k < 3 && getline(&line, &cap, in) > 0; k++) {
            fputs(line, out); /* the header and two good rows */
        }
        fputs("2,control,0,730,horizon,XR,NA\n", out);
        free(line);
        fclose(in);
        assert_int_equal(fclose(out), 0);
    }
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "patients.csv:4:"));
    copy_file(paired.dir, dir, "patients.csv");
    /* summary.json: not JSON; arms that are not run.json's */
    write_file(dir, "summary.json", "{\"arms\": [1, 2");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "summary.json"));
    write_file(dir, "summary.json",
               "{\"arms\": [{\"arm\": \"potent\"}, {\"arm\": \"x\"}]}");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "summary.json: \"arms\"[0]: expected arm 'control'"));
    copy_file(paired.dir, dir, "summary.json");
    /* run.json missing */
    {
        char path[256];
        snprintf(path, sizeof(path), "%s/run.json", dir);
        assert_int_equal(remove(path), 0);
    }
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "run.json"));
    assert_false(file_exists(dir, "report.html"));
    /* trajectories.csv is optional, but read when present */
    copy_file(paired.dir, dir, "run.json");
    write_file(dir, "trajectories.csv",
               "patient,arm,t_days,variable,value\n0,control,x\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "trajectories.csv:2: expected 5 fields"));
    write_file(dir, "trajectories.csv", "patient,arm,t_days,variable,value\n");
    (void) report_error(dir, 0);
    assert_true(file_exists(dir, "report.html"));
    remove_dir(dir);
}

/* A cohort directory with the paired trial's run.json, summary.json, km.csv and
 * patients.csv (no trajectories.csv). */
static void
cohort_copy(char *dir, size_t n)
{
    static const char *const files[] = {"run.json", "summary.json", "km.csv",
                                        "patients.csv"};
    new_dir(dir, n);
    for (int i = 0; i < 4; i++) {
        copy_file(paired.dir, dir, files[i]);
    }
}

/* The paired trial's file @p name into @p dir with the first @p from replaced by
 * @p to. */
static void
edit_copy(const char *dir, const char *name, const char *from, const char *to)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", paired.dir, name);
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    assert_int_equal(fseek(in, 0, SEEK_END), 0);
    long n = ftell(in);
    assert_true(n > 0);
    rewind(in);
    char *text = malloc((size_t) n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t) n, in), (size_t) n);
    text[n] = '\0';
    fclose(in);
    char *at = strstr(text, from);
    assert_non_null(at);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    fwrite(text, 1, (size_t) (at - text), out);
    fputs(to, out);
    fputs(at + strlen(from), out);
    assert_int_equal(fclose(out), 0);
    free(text);
}

/* patients.csv in @p dir: the header and the paired trial's first @p n rows, the
 * first with follow-up @p followup_days. */
static void
write_patients(const char *dir, int n, double followup_days)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/patients.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    mw__row_header(f, &paired.sp);
    for (int i = 0; i < n; i++) {
        mw__row_t r = paired.rows[i];
        if (i == 0) {
            r.followup_days = followup_days;
        }
        mw__row_write(f, &paired.sp, &r);
    }
    assert_int_equal(fclose(f), 0);
}

/* km.csv in @p dir: two rows per arm and endpoint, each with @p count events of as
 * many at risk, the second down to 0 (where marrow writes its interval as NA). */
static void
write_km(const char *dir, const char *count)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/km.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n", f);
    for (int a = 0; a < 2; a++) {
        for (int e = 0; e < 2; e++) {
            const char *ep = e == 0 ? "PFS" : "OS";
            fprintf(f, "%s,%s,100,%s,%s,0,0.5,0.4,0.6\n", paired.sp.arm[a], ep, count,
                    count);
            fprintf(f, "%s,%s,200,%s,%s,0,0,NA,NA\n", paired.sp.arm[a], ep, count, count);
        }
    }
    assert_int_equal(fclose(f), 0);
}

/* Numbers that do not fit: counts that are not whole or out of range, times beyond
 * the horizon; counts summed past INT_MAX still add up. */
static void
test_bad_numbers(void **state)
{
    (void) state;
    char dir[64], path[256], errbuf[1024], *err;
    yaml_document_t rep;
    cohort_copy(dir, sizeof(dir));
    /* summary.json: patients of 1e300 and 2.5, a count of Infinity */
    edit_copy(dir, "summary.json", "{\"arm\": \"control\", \"patients\": ",
              "{\"arm\": \"control\", \"patients\": 1e300, \"was\": ");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "summary.json: \"arms\"[0]: \"patients\": expected a "
                                "whole number from 0 to 200"));
    assert_non_null(strstr(err, "found '1e300'"));
    assert_false(file_exists(dir, "report.json"));
    edit_copy(dir, "summary.json", "{\"arm\": \"potent\", \"patients\": ",
              "{\"arm\": \"potent\", \"patients\": 2.5, \"was\": ");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "summary.json: \"arms\"[1]: \"patients\": expected"));
    edit_copy(dir, "summary.json", "\"pr_or_better\": {\"count\": ",
              "\"pr_or_better\": {\"count\": Infinity, \"was\": ");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "summary.json: \"arms\"[0]: \"response\": "
                                "\"pr_or_better\": \"count\": expected a whole number"));
    copy_file(paired.dir, dir, "summary.json");
    /* km.csv: a time of 1e308 and one past the horizon; more events than at risk */
    write_file(dir, "km.csv",
               "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n"
               "control,PFS,1e308,200,1,0,0.995,0.96,0.999\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(
        strstr(err, "km.csv:2: time_days: expected a number of days from 0 to 731"));
    write_file(dir, "km.csv",
               "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n"
               "control,PFS,10,200,1,0,0.995,0.96,0.999\n"
               "control,PFS,800,199,1,0,0.99,0.96,0.999\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv:3: time_days: expected"));
    write_file(dir, "km.csv",
               "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n"
               "control,PFS,10,200,2147483647,0,0.995,0.96,0.999\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv:2: n_event: expected a whole number"));
    /* Counts of INT_MAX on every row: the numbers under the axis still add up. */
    write_km(dir, "2147483647");
    if (mw_report_write(dir, NULL, errbuf, sizeof(errbuf)) != 0) {
        fail_msg("%s", errbuf);
    }
    snprintf(path, sizeof(path), "%s/report.json", dir);
    assert_int_equal(mw__json_load(path, &rep, errbuf, sizeof(errbuf)), 0);
    const yaml_node_t *risk = get(&rep, block_of(&rep, "pfs"), "risk");
    assert_close(num(item(&rep, get(&rep, risk, "times"), 4)), 12);
    assert_close(
        num(item(&rep, get(&rep, item(&rep, get(&rep, risk, "rows"), 1), "values"), 4)),
        2.0 * 2147483647);
    assert_charts_drawn(&rep);
    yaml_document_delete(&rep);
    copy_file(paired.dir, dir, "km.csv");
    /* patients.csv: a follow-up of 1e308 days */
    write_patients(dir, 2, 1e308);
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(
        strstr(err, "patients.csv:2: followup_days: expected a number of days from 0"));
    remove_dir(dir);
}

/* km.csv's survival and its interval are numbers from 0 to 1, never NA but for the
 * interval where the survival is 0. */
static void
test_bad_survival(void **state)
{
    (void) state;
    char dir[64], *err;
    cohort_copy(dir, sizeof(dir));
    write_file(dir, "km.csv",
               "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n"
               "control,PFS,10,200,1,0,NA,0.96,0.999\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv:2: surv: expected a number from 0 to 1"));
    write_file(dir, "km.csv",
               "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n"
               "control,PFS,10,200,1,0,0.995,0.96,0.999\n"
               "control,PFS,20,199,1,0,1.5,0.96,0.999\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv:3: surv: expected a number from 0 to 1"));
    write_file(dir, "km.csv",
               "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n"
               "control,OS,10,200,1,0,0.995,NA,0.999\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv:2: lower: expected a number from 0 to 1"));
    write_file(dir, "km.csv",
               "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n"
               "control,OS,10,200,1,0,0.995,0.96,Inf\n");
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv:2: upper: expected a number from 0 to 1"));
    assert_false(file_exists(dir, "report.json"));
    /* NA bounds where the survival is 0, as marrow writes them */
    write_km(dir, "5");
    (void) report_error(dir, 0);
    assert_true(file_exists(dir, "report.html"));
    remove_dir(dir);
}

/* Inputs that would draw an empty block: an error, or the block left out. */
static void
test_empty_blocks(void **state)
{
    (void) state;
    char dir[64], path[256], errbuf[1024], *err;
    yaml_document_t rep;
    cohort_copy(dir, sizeof(dir));
    /* an arm with patients but no OS rows in km.csv */
    {
        char *line = NULL;
        size_t cap = 0;
        snprintf(path, sizeof(path), "%s/km.csv", paired.dir);
        FILE *in = fopen(path, "r");
        snprintf(path, sizeof(path), "%s/km.csv", dir);
        FILE *out = fopen(path, "w");
        assert_non_null(in);
        assert_non_null(out);
        while (getline(&line, &cap, in) > 0) {
            if (strncmp(line, "potent,OS,", 10) != 0) {
                fputs(line, out);
            }
        }
        free(line);
        fclose(in);
        assert_int_equal(fclose(out), 0);
    }
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv: no OS rows for arm 'potent', which has 200 "
                                "patients in summary.json"));
    assert_false(file_exists(dir, "report.json"));
    copy_file(paired.dir, dir, "km.csv");
    /* patients.csv: the header only; fewer rows than summary.json's patients */
    write_patients(dir, 0, 0);
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "patients.csv: no patient rows"));
    write_patients(dir, 1, paired.rows[0].followup_days);
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "patients.csv: arm 'control' has 1 row(s), but "
                                "summary.json gives it 200 patients"));
    assert_false(file_exists(dir, "report.json"));
    copy_file(paired.dir, dir, "patients.csv");
    /* Spider plot: a patient whose M-protein at enrolment is 0 is left out ... */
    write_file(dir, "trajectories.csv",
               "patient,arm,t_days,variable,value\n"
               "0,control,0,mprotein_g_dl,0\n"
               "0,control,28,mprotein_g_dl,0.5\n"
               "1,control,0,mprotein_g_dl,2\n"
               "1,control,28,mprotein_g_dl,1\n"
               "1,potent,0,mprotein_g_dl,0\n");
    (void) report_error(dir, 0);
    snprintf(path, sizeof(path), "%s/report.json", dir);
    assert_int_equal(mw__json_load(path, &rep, errbuf, sizeof(errbuf)), 0);
    const yaml_node_t *spider = block_of(&rep, "spider");
    assert_non_null(spider);
    const yaml_node_t *series = get(&rep, spider, "series");
    assert_int_equal(len(series), 1);
    assert_string_equal(str(get(&rep, item(&rep, series, 0), "label")), "control #1");
    assert_int_equal(len(get(&rep, spider, "legend")), 1);
    assert_non_null(strstr(str(get(&rep, spider, "note")), "left out"));
    assert_charts_drawn(&rep);
    yaml_document_delete(&rep);
    /* ... and without one left, so is the plot, and the summary says why. */
    write_file(dir, "trajectories.csv",
               "patient,arm,t_days,variable,value\n"
               "0,control,0,mprotein_g_dl,0\n"
               "0,control,28,mprotein_g_dl,0.5\n"
               "0,potent,0,mprotein_g_dl,0\n");
    (void) report_error(dir, 0);
    assert_int_equal(mw__json_load(path, &rep, errbuf, sizeof(errbuf)), 0);
    assert_null(block_of(&rep, "spider"));
    assert_non_null(strstr(str(get(&rep, block_of(&rep, "summary"), "note")),
                           "M-protein above 0 at enrolment"));
    assert_charts_drawn(&rep);
    yaml_document_delete(&rep);
    remove_dir(dir);
}

/* A file that cannot be read is an error, not an empty file. */
static void
test_read_error(void **state)
{
    (void) state;
    char dir[64], path[256], *err;
    cohort_copy(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/km.csv", dir);
    assert_int_equal(remove(path), 0);
    assert_int_equal(mkdir(path, 0700), 0); /* opens, but reads fail (EISDIR) */
    err = report_error(dir, MW_ERR_IO);
    assert_non_null(strstr(err, "km.csv: read error"));
    assert_false(file_exists(dir, "report.json"));
    assert_int_equal(rmdir(path), 0);
    remove_dir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_summary_table),
        cmocka_unit_test(test_km_equals_csv),
        cmocka_unit_test(test_risk_table),
        cmocka_unit_test(test_response_bars),
        cmocka_unit_test(test_swimmer),
        cmocka_unit_test(test_relapse_phenotypes),
        cmocka_unit_test(test_spider),
        cmocka_unit_test(test_thinning),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_bad_survival),
        cmocka_unit_test(test_empty_blocks),
        cmocka_unit_test(test_read_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
