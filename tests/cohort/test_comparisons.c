/* LABELS: slow
 *
 * The two-arm comparison trials shipped in scenarios/trial-*.yaml, run through the
 * library (mw_scenario_load_arm for every arm, then mw_cohort) with a fixed seed and
 * fewer patients than their documented commands.  Each test asserts the direction of
 * the effect with its 95% interval where the model has the effect, and the mechanism
 * that makes it, from patients.csv:
 *
 * - trial-dual-vs-bcma: the dual BCMA/GPRC5D CAR lowers the PFS hazard (upper CI
 *   < 1); on it only patients with the PD-L1-high subclone progress, while on the
 *   BCMA CAR patients with only the BCMA-hemizygous subclone relapse BCMA-negative;
 * - trial-pd1ko-vs-standard: the PD-1 knockout lowers the hazard (upper CI < 1) and
 *   leaves only the BCMA-negative relapses of hemizygous patients;
 * - trial-cart-gsi: a 3-week GSI deepens responses (more CR) but shows no PFS benefit
 *   (the HR's interval holds 1: docs/validation.md explains why); a GSI given until
 *   progression prevents every progression (log-rank p < 1e-3);
 * - trial-ctdna-vs-progression: the ctDNA rule lowers the hazard of the first
 *   progression (upper CI < 1), switching before IMWG progression in every patient
 *   whose line 1 fails on both arms, and its progressions all come after the switch.
 *
 * Time: about 40 s of CPU in a release build (-O2), on 2 threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

#define SEED 20260607ULL

/* ------------------------------------------------------------------------------
 * Running a shipped trial
 * ---------------------------------------------------------------------------- */

/* Every arm of scenarios/<name>.yaml, loaded and validated like `marrow cohort`. */
static mw_scenario_t *
load_trial(const char *name, int *n_arms)
{
    char path[1024];
    mw_diags_t d;
    mw_scenario_t *base = malloc(sizeof(*base)), *arms;

    assert_non_null(base);
    mw_test_scenario_file(base, name);
    assert_true(base->trial.n_arms >= 2);
    assert_int_equal(base->trial.design, MW_DESIGN_PAIRED);
    *n_arms = base->trial.n_arms;
    arms = malloc((size_t) *n_arms * sizeof(*arms));
    assert_non_null(arms);
    snprintf(path, sizeof(path), "%s/scenarios/%s.yaml", MW_SOURCE_DIR, name);
    for (int a = 0; a < *n_arms; a++) {
        mw_diags_clear(&d);
        mw_scenario_init_defaults(&arms[a]);
        int ret = mw_scenario_load_arm(&arms[a], path, a, &d);
        if (ret == 0) {
            ret = mw_scenario_validate(&arms[a], &d);
        }
        if (ret != 0) {
            mw_diags_print(&d, stdout);
            fail_msg("%s arm %d did not load: %s", name, a, mw_strerror(ret));
        }
        assert_int_equal(arms[a].trial.arm, a);
    }
    free(base);
    return arms;
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

/* patients.csv as a table of strings: what the mechanism checks read. */
#define MAX_COLS 48
typedef struct {
    int n_cols, n_rows;
    char *head[MAX_COLS];
    char **cell; /* [n_rows * n_cols] */
    char *text;
} table_t;

static void
read_table(const char *dir, table_t *t)
{
    char path[256];
    long len;
    FILE *f;

    memset(t, 0, sizeof(*t));
    snprintf(path, sizeof(path), "%s/patients.csv", dir);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    t->text = malloc((size_t) len + 1);
    assert_non_null(t->text);
    assert_int_equal(fread(t->text, 1, (size_t) len, f), (size_t) len);
    t->text[len] = '\0';
    fclose(f);

    int lines = 0;
    for (long i = 0; i < len; i++) {
        lines += t->text[i] == '\n';
    }
    t->cell = malloc((size_t) lines * MAX_COLS * sizeof(char *));
    assert_non_null(t->cell);
    /* Split in place: no field is quoted (names hold no commas). */
    char *p = t->text;
    for (int row = -1; *p != '\0'; row++) {
        char *end = strchr(p, '\n');
        assert_non_null(end);
        *end = '\0';
        int k = 0;
        for (char *q = p;; k++) {
            assert_true(k < MAX_COLS);
            if (row < 0) {
                t->head[k] = q;
            } else {
                t->cell[(size_t) row * MAX_COLS + (size_t) k] = q;
            }
            q = strchr(q, ',');
            if (q == NULL) {
                break;
            }
            *q++ = '\0';
        }
        if (row < 0) {
            t->n_cols = k + 1;
        } else {
            assert_int_equal(k + 1, t->n_cols);
            t->n_rows = row + 1;
        }
        p = end + 1;
    }
}

static int
column(const table_t *t, const char *name)
{
    for (int k = 0; k < t->n_cols; k++) {
        if (strcmp(t->head[k], name) == 0) {
            return k;
        }
    }
    fail_msg("patients.csv has no column '%s'", name);
    return -1;
}

static const char *
cell(const table_t *t, int row, int col)
{
    return t->cell[(size_t) row * MAX_COLS + (size_t) col];
}

static void
free_table(table_t *t)
{
    free(t->cell);
    free(t->text);
}

/* Run @p n patients of every arm of scenarios/<name>.yaml on 2 threads; the result in
 * @p res and patients.csv in @p rows (may be NULL). */
static void
run_trial(const char *name, int n, mw_cohort_result_t *res, table_t *rows)
{
    char dir[64], errbuf[1024] = "";
    int n_arms;
    mw_scenario_t *arms = load_trial(name, &n_arms);
    mw_cohort_options_t o;

    snprintf(dir, sizeof(dir), "/tmp/mw_compare_XXXXXX");
    assert_non_null(mkdtemp(dir));
    memset(&o, 0, sizeof(o));
    o.out_dir = dir;
    o.command_line = "test_comparisons";
    o.seed = SEED;
    o.n_patients = n;
    o.threads = 2;
    o.quiet = 1;
    o.only_patient = -1;
    o.shard_index = 0;
    o.shard_count = 1;
    int ret = mw_cohort(arms, n_arms, &o, res, errbuf, sizeof(errbuf));
    if (ret != 0) {
        fail_msg("%s: mw_cohort: %s", name, errbuf);
    }
    assert_int_equal(res->n_arms, n_arms);
    if (rows != NULL) {
        read_table(dir, rows);
        assert_int_equal(rows->n_rows, n * n_arms);
    }
    remove_dir(dir);
    free(arms);
    for (int a = 0; a < n_arms; a++) {
        const mw_arm_result_t *r = &res->arms[a];
        printf("  %-24s n %d PFS events %d median %.0f d; HR %.3f (%.3f-%.3f) log-rank p "
               "%.3g; CR %.2f\n",
               r->name, r->n_patients, r->n_pfs_events, r->median_pfs_days, r->hr_pfs,
               r->hr_pfs_lower, r->hr_pfs_upper, r->logrank_p, r->cr_rate);
    }
}

/* ------------------------------------------------------------------------------
 * Trials
 * ---------------------------------------------------------------------------- */

static void
test_dual_vs_bcma(void **state)
{
    (void) state;
    mw_cohort_result_t res;
    table_t t;

    run_trial("trial-dual-vs-bcma", 200, &res, &t);
    assert_string_equal(res.arms[1].name, "dual CAR");
    assert_true(res.arms[1].hr_pfs_upper < 1.0);
    assert_true(res.arms[1].n_pfs_events < res.arms[0].n_pfs_events);

    /* Mechanism: the dual CAR leaves only the PD-L1-high escape; the BCMA CAR also
     * lets hemizygous patients relapse antigen-negative. */
    int c_arm = column(&t, "arm"), c_ev = column(&t, "pfs_event");
    int c_rel = column(&t, "relapse_type"), c_hemi = column(&t, "bcma_hemi");
    int c_pdl1 = column(&t, "pdl1_high");
    int hemi_only = 0, hemi_only_neg = 0;
    for (int i = 0; i < t.n_rows; i++) {
        int dual = strcmp(cell(&t, i, c_arm), "dual CAR") == 0;
        int ev = strcmp(cell(&t, i, c_ev), "1") == 0;
        int hemi = strcmp(cell(&t, i, c_hemi), "1") == 0;
        int pdl1 = strcmp(cell(&t, i, c_pdl1), "1") == 0;
        if (dual && ev) {
            assert_true(pdl1);
        }
        if (!dual && hemi && !pdl1) {
            hemi_only++;
            hemi_only_neg += ev && strcmp(cell(&t, i, c_rel), "antigen-negative") == 0;
        }
    }
    printf("  BCMA CAR, hemizygous subclone only: %d/%d relapse antigen-negative\n",
           hemi_only_neg, hemi_only);
    /* 0.22 x 0.7 of 200 patients expected (about 31) */
    assert_true(hemi_only >= 15);
    assert_true(hemi_only_neg >= (9 * hemi_only) / 10);
    free_table(&t);
}

static void
test_pd1ko_vs_standard(void **state)
{
    (void) state;
    mw_cohort_result_t res;
    table_t t;

    run_trial("trial-pd1ko-vs-standard", 60, &res, &t);
    assert_string_equal(res.arms[1].name, "PD-1 KO CAR");
    assert_true(res.arms[1].hr_pfs_upper < 1.0);

    /* Mechanism: with the knockout, only BCMA-null relapses of hemizygous patients. */
    int c_arm = column(&t, "arm"), c_ev = column(&t, "pfs_event");
    int c_rel = column(&t, "relapse_type"), c_hemi = column(&t, "bcma_hemi");
    for (int i = 0; i < t.n_rows; i++) {
        if (strcmp(cell(&t, i, c_arm), "PD-1 KO CAR") == 0 &&
            strcmp(cell(&t, i, c_ev), "1") == 0) {
            assert_string_equal(cell(&t, i, c_hemi), "1");
            assert_string_equal(cell(&t, i, c_rel), "antigen-negative");
        }
    }
    free_table(&t);
}

static void
test_cart_gsi(void **state)
{
    (void) state;
    mw_cohort_result_t res;

    run_trial("trial-cart-gsi", 60, &res, NULL);
    assert_int_equal(res.n_arms, 3);
    /* 3 weeks of GSI: deeper responses, no detectable PFS benefit. */
    assert_true(res.arms[1].cr_rate > res.arms[0].cr_rate);
    assert_true(res.arms[1].hr_pfs_lower < 1.0 && res.arms[1].hr_pfs_upper > 1.0);
    /* GSI until progression: BCMA-low cells stay visible, nobody progresses. */
    assert_true(res.arms[0].n_pfs_events >= 10);
    assert_int_equal(res.arms[2].n_pfs_events, 0);
    assert_true(res.arms[2].logrank_p < 1e-3);
}

static void
test_ctdna_vs_progression(void **state)
{
    (void) state;
    mw_cohort_result_t res;
    table_t t;

    run_trial("trial-ctdna-vs-progression", 100, &res, &t);
    assert_string_equal(res.arms[1].name, "ctDNA-guided");
    assert_true(res.arms[1].hr_pfs_upper < 1.0);

    /* Mechanism: the rule switches before IMWG progression, so line 2 starts earlier
     * (time to next treatment) in every patient whose line 1 fails on both arms. */
    int c_arm = column(&t, "arm"), c_pt = column(&t, "patient");
    int c_tn = column(&t, "ttnt_days"), c_tne = column(&t, "ttnt_event");
    int c_pfs = column(&t, "pfs_days"), c_ev = column(&t, "pfs_event");
    int both = 0, earlier = 0;
    for (int i = 0; i + 1 < t.n_rows; i += 2) {
        /* paired rows: patient i on arm 0, then on arm 1 */
        assert_string_equal(cell(&t, i, c_pt), cell(&t, i + 1, c_pt));
        assert_string_equal(cell(&t, i, c_arm), "progression-guided");
        if (strcmp(cell(&t, i, c_tne), "1") == 0 &&
            strcmp(cell(&t, i + 1, c_tne), "1") == 0) {
            both++;
            earlier += atof(cell(&t, i + 1, c_tn)) < atof(cell(&t, i, c_tn));
        }
        /* on the ctDNA arm a progression comes only after the switch (on line 2) */
        if (strcmp(cell(&t, i + 1, c_ev), "1") == 0) {
            assert_string_equal(cell(&t, i + 1, c_tne), "1");
            assert_true(atof(cell(&t, i + 1, c_pfs)) > atof(cell(&t, i + 1, c_tn)));
        }
    }
    printf("  ctDNA arm switches earlier in %d/%d patients\n", earlier, both);
    assert_true(both >= 50);
    assert_int_equal(earlier, both);
    free_table(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dual_vs_bcma),
        cmocka_unit_test(test_pd1ko_vs_standard),
        cmocka_unit_test(test_cart_gsi),
        cmocka_unit_test(test_ctdna_vs_progression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
