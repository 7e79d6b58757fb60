/*
 * `marrow cohort` through the library (mw_cohort): the files are the same byte for
 * byte whatever the thread count; row i is what a single simulation of patient
 * (seed, i) gives, recomputed here from the public API; summary.json's counts are
 * those of patients.csv; km.csv is the Kaplan-Meier fit of patients.csv's rows.
 * Two small scenarios: a lenalidomide line with a CRBN-loss subclone of varying size
 * (responses, MRD, progressions, censoring) and a T-cell engager with low CRS
 * thresholds and a varying tumour burden (every CRS grade, deaths).
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

static const char trial_yaml[] =
    "name: tiny-trial\n"
    "horizon_days: 730\n"
    "output_every_days: 28\n"
    "tumour:\n"
    "  capacity: 2.0e+11\n"
    "  clones:\n"
    "    - {name: sensitive, cells: 1.0e+11, birth: 0.035,\n"
    "       death: {uniform: {min: 0.015, max: 0.03}}}\n"
    "    - {name: crbn-loss, cells: {lognormal: {median: 1.0e+7, sd_log: 3}},\n"
    "       birth: {uniform: {min: 0.035, max: 0.06}}, death: 0.025, crbn_loss: true}\n"
    "drugs:\n"
    "  - {name: lenalidomide, pd: {emax: {lognormal: {median: 0.05, sd_log: 0.8}}}}\n"
    "monitoring:\n"
    "  marrow: {every_days: 91}\n"
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

static const char header[] =
    "patient,arm,best_response,pfs_days,pfs_event,os_days,os_event,extinct,"
    "extinction_day,relapse_type,crs_grade,lines,mrd_negative";

/* One parsed row of patients.csv. */
typedef struct {
    int patient;
    char arm[8], best[8], relapse[32];
    double pfs, os, ext_day;
    int pfs_event, os_event, extinct, crs, lines, mrd;
} row_t;

typedef struct {
    const char *yaml;
    int n;
    mw_scenario_t sc;
    char dir[3][64]; /* outputs with 1, 2 and 3 threads */
    int n_rows;
    row_t *rows;
    char *summary;
} fixture_t;

static fixture_t trial = {.yaml = trial_yaml, .n = 40};
static fixture_t tox = {.yaml = tox_yaml, .n = 30};

static char *
slurp(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
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
run_cohort(const mw_scenario_t *sc, int n, int threads, char *dir, size_t len)
{
    char errbuf[512] = "";
    mw_cohort_result_t res;
    snprintf(dir, len, "/tmp/mw_cohort_XXXXXX");
    assert_non_null(mkdtemp(dir));
    mw_cohort_options_t o = {dir, "test", SEED, n, threads, 1};
    int ret = mw_cohort(sc, &o, &res, errbuf, sizeof(errbuf));
    if (ret != 0) {
        fail_msg("mw_cohort: %s", errbuf);
    }
    assert_int_equal(res.n_patients, n);
    assert_int_equal(res.threads, THREADS_USED(threads));
}

static double
num(const char *s)
{
    return strcmp(s, "NA") == 0 ? NAN : strtod(s, NULL);
}

/* Parse patients.csv (header checked). */
static row_t *
parse_rows(const char *csv, int *n_rows)
{
    size_t hl = strlen(header);
    assert_memory_equal(csv, header, hl);
    assert_int_equal(csv[hl], '\n');
    int cap = 16, n = 0;
    row_t *rows = malloc((size_t) cap * sizeof(*rows));
    assert_non_null(rows);
    for (const char *p = csv + hl + 1; *p != '\0';) {
        const char *eol = strchr(p, '\n');
        assert_non_null(eol);
        char line[512], *f[13], *save = NULL;
        size_t len = (size_t) (eol - p);
        assert_true(len < sizeof(line));
        memcpy(line, p, len);
        line[len] = '\0';
        int k = 0;
        for (char *t = strtok_r(line, ",", &save); t != NULL && k < 13;
             t = strtok_r(NULL, ",", &save)) {
            f[k++] = t;
        }
        assert_int_equal(k, 13);
        if (n == cap) {
            cap *= 2;
            rows = realloc(rows, (size_t) cap * sizeof(*rows));
            assert_non_null(rows);
        }
        row_t *r = &rows[n++];
        r->patient = atoi(f[0]);
        snprintf(r->arm, sizeof(r->arm), "%s", f[1]);
        snprintf(r->best, sizeof(r->best), "%s", f[2]);
        r->pfs = num(f[3]);
        r->pfs_event = atoi(f[4]);
        r->os = num(f[5]);
        r->os_event = atoi(f[6]);
        r->extinct = atoi(f[7]);
        r->ext_day = num(f[8]);
        snprintf(r->relapse, sizeof(r->relapse), "%s", f[9]);
        r->crs = atoi(f[10]);
        r->lines = atoi(f[11]);
        r->mrd = atoi(f[12]);
        p = eol + 1;
    }
    *n_rows = n;
    return rows;
}

static int
setup_one(fixture_t *fx)
{
    static const int threads[3] = {1, 2, 3};
    mw_test_scenario(&fx->sc, fx->yaml);
    for (int k = 0; k < 3; k++) {
        run_cohort(&fx->sc, fx->n, threads[k], fx->dir[k], sizeof(fx->dir[k]));
    }
    char *csv = slurp(fx->dir[0], "patients.csv");
    fx->rows = parse_rows(csv, &fx->n_rows);
    free(csv);
    fx->summary = slurp(fx->dir[0], "summary.json");
    return 0;
}

static int
setup(void **state)
{
    (void) state;
    setup_one(&trial);
    setup_one(&tox);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    fixture_t *fx[2] = {&trial, &tox};
    for (int i = 0; i < 2; i++) {
        for (int k = 0; k < 3; k++) {
            remove_dir(fx[i]->dir[k]);
        }
        free(fx[i]->rows);
        free(fx[i]->summary);
    }
    return 0;
}

/* (a) patients.csv, km.csv and summary.json do not depend on the thread count. */
static void
check_threads(const fixture_t *fx)
{
    static const char *const files[] = {"patients.csv", "km.csv", "summary.json"};
    for (int f = 0; f < 3; f++) {
        char *a = slurp(fx->dir[0], files[f]);
        for (int k = 1; k < 3; k++) {
            char *b = slurp(fx->dir[k], files[f]);
            if (strcmp(a, b) != 0) {
                fail_msg("%s: %s differs between 1 and %d threads", fx->yaml, files[f],
                         k + 1);
            }
            free(b);
        }
        free(a);
    }
    for (int k = 0; k < 3; k++) {
        assert_int_equal(count_files(fx->dir[k]), 4); /* no .partial left */
        char *run = slurp(fx->dir[k], "run.json");
        char want[32];
        snprintf(want, sizeof(want), "\"threads\": %d,", THREADS_USED(k + 1));
        assert_non_null(strstr(run, want));
        assert_non_null(strstr(run, "\"patients\": "));
        free(run);
    }
    assert_int_equal(fx->n_rows, fx->n);
    for (int i = 0; i < fx->n_rows; i++) {
        assert_int_equal(fx->rows[i].patient, i);
        assert_string_equal(fx->rows[i].arm, "A");
    }
}

static void
test_threads_identical(void **state)
{
    (void) state;
    check_threads(&trial);
    check_threads(&tox);
}

/* The scenarios exercise what the checks below compare. */
static void
test_scenarios_vary(void **state)
{
    int resp = 0, prog = 0, cens = 0, mrd = 0, deaths = 0, g3 = 0, g0 = 0;
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
    assert_true(resp > 0 && prog > 2 && cens > 2 && mrd > 0);
    assert_true(deaths > 2 && deaths < tox.n && g3 > 0 && g0 > 0);
}

/* (b) Row i from a single simulation of patient (seed, i), stopped at the output
 * times as `marrow run` does, with every endpoint recomputed from the public API. */
static void
check_row(const fixture_t *fx, int i)
{
    const mw_scenario_t *sc = &fx->sc;
    const row_t *r = &fx->rows[i];
    mw_scenario_t *p = malloc(sizeof(*p));
    mw_sim_t *sim = NULL;
    assert_non_null(p);
    assert_int_equal(mw_scenario_sample(sc, SEED, (uint32_t) i, p), 0);
    assert_int_equal(mw_sim_create(p, SEED, (uint32_t) i, &sim), 0);
    for (long k = 1;; k++) {
        double t = (double) k * sc->output_every_days;
        if (t > sc->horizon_days - 1e-9 * sc->output_every_days) {
            t = sc->horizon_days;
        }
        int ret = mw_sim_run_until(sim, t);
        assert_true(ret >= 0);
        if (ret == MW_EXIT_DEATH || t >= sc->horizon_days) {
            break;
        }
    }
    double death = NAN, ext = NAN, bm, em;
    for (int e = 0; e < mw_sim_n_events(sim); e++) {
        const mw_event_t *ev = mw_sim_event(sim, e);
        if (ev->kind == MW_EV_DEATH) {
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

    /* PFS: first progression (IMWG date) or death; OS: death; else the horizon */
    double prog = th.first_progression_day;
    double pfs = !isnan(prog) ? fmin(prog, isnan(death) ? INFINITY : death) : death;
    assert_int_equal(r->pfs_event, !isnan(pfs));
    assert_true(r->pfs == (isnan(pfs) ? sc->horizon_days : pfs));
    assert_int_equal(r->os_event, !isnan(death));
    assert_true(r->os == (isnan(death) ? sc->horizon_days : death));
    assert_int_equal(r->extinct, bm + em == 0 && !isnan(ext));
    if (r->extinct) {
        assert_true(r->ext_day == ext);
    } else {
        assert_true(isnan(r->ext_day));
    }
    const char *best = "NE", *relapse = "none";
    int lines = 0;
    double first = INFINITY;
    for (int l = 0; l < sc->therapy.n_lines; l++) {
        mw_line_response_t lr;
        assert_int_equal(mw_sim_line_response(sim, l, &lr), 0);
        lines += lr.started;
        if (l == 0 && lr.started) {
            best = mw_response_name(lr.best);
        }
        if (lr.progression_day < first) {
            first = lr.progression_day;
            relapse = mw_relapse_name(lr.relapse_type);
        }
    }
    assert_string_equal(r->best, best);
    assert_string_equal(r->relapse, relapse);
    assert_int_equal(r->lines, lines);
    assert_int_equal(r->crs, tx.crs_max);
    int mrd = 0;
    for (int k = 0; k < mw_sim_n_obs(sim); k++) {
        const mw_obs_t *o = mw_sim_obs(sim, k);
        mrd |= o->assay == MW_ASSAY_MARROW && o->quantity == MW_Q_MRD_POSITIVE &&
               o->value == 0;
    }
    assert_int_equal(r->mrd, mrd);
    mw_sim_free(sim);
    free(p);
}

static void
test_row_is_single_patient(void **state)
{
    (void) state;
    for (int i = 0; i < trial.n; i += 3) {
        check_row(&trial, i);
    }
    for (int i = 0; i < tox.n; i += 3) {
        check_row(&tox, i);
    }
    check_row(&trial, trial.n - 1);
    check_row(&tox, tox.n - 1);
}

/* Patient i does not depend on how many patients the cohort has. */
static void
test_prefix(void **state)
{
    char dir[64];
    (void) state;
    run_cohort(&trial.sc, 7, 2, dir, sizeof(dir));
    char *a = slurp(trial.dir[0], "patients.csv"), *b = slurp(dir, "patients.csv");
    assert_int_equal(strncmp(a, b, strlen(b)), 0);
    free(a);
    free(b);
    remove_dir(dir);
}

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

/* The number (NAN for null) after @p key inside the object that @p within opens. */
static double
json_number(const char *json, const char *within, const char *key)
{
    const char *at = strstr(json, within);
    assert_non_null(at);
    at = strstr(at, key);
    assert_non_null(at);
    at += strlen(key);
    return strncmp(at, "null", 4) == 0 ? NAN : strtod(at, NULL);
}

/* Equal to 13 digits, or both NAN. */
static int
same(double a, double b)
{
    if (isnan(a) || isnan(b)) {
        return isnan(a) && isnan(b);
    }
    return fabs(a - b) <= 1e-13 * fmax(1.0, fabs(b));
}

/* (c) The counts and fractions in summary.json are those of patients.csv. */
static void
check_rates(const fixture_t *fx)
{
    int pr = 0, vgpr = 0, cr = 0, mrd = 0, any = 0, g3 = 0, pfs = 0, deaths = 0, ext = 0;
    for (int i = 0; i < fx->n_rows; i++) {
        const row_t *r = &fx->rows[i];
        int cr_plus = strcmp(r->best, "CR") == 0 || strcmp(r->best, "sCR") == 0;
        int vgpr_plus = cr_plus || strcmp(r->best, "VGPR") == 0;
        cr += cr_plus;
        vgpr += vgpr_plus;
        pr += vgpr_plus || strcmp(r->best, "PR") == 0;
        mrd += r->mrd;
        any += r->crs >= 1;
        g3 += r->crs >= 3;
        pfs += r->pfs_event;
        deaths += r->os_event;
        ext += r->extinct;
    }
    const char *s = fx->summary;
    assert_int_equal(json_count(s, "pr_or_better"), pr);
    assert_int_equal(json_count(s, "vgpr_or_better"), vgpr);
    assert_int_equal(json_count(s, "cr_or_better"), cr);
    assert_int_equal(json_count(s, "mrd_negative"), mrd);
    assert_int_equal(json_count(s, "crs_any"), any);
    assert_int_equal(json_count(s, "crs_grade3plus"), g3);
    assert_int_equal(json_count(s, "extinct"), ext);
    assert_true(json_number(s, "\"pfs\": {", "\"events\": ") == pfs);
    assert_true(json_number(s, "\"os\": {", "\"events\": ") == deaths);
    assert_true(json_number(s, "\"os\": {", "\"censored\": ") == fx->n - deaths);
    /* a fraction and its Wilson interval as stats.h gives them */
    double lo, hi, n = fx->n;
    assert_int_equal(mw__wilson(pr, fx->n, MW_STATS_Z95, &lo, &hi), 0);
    assert_true(same(json_number(s, "\"pr_or_better\"", "\"fraction\": "), pr / n));
    const char *w = strstr(strstr(s, "\"pr_or_better\""), "\"wilson95\": [");
    char *end;
    assert_non_null(w);
    assert_true(same(strtod(w + strlen("\"wilson95\": ["), &end), lo));
    assert_true(same(strtod(end + 1, NULL), hi));
    assert_true(same(json_number(s, "\"crs_grade3plus\"", "\"fraction\": "), g3 / n));
}

static void
test_summary_counts(void **state)
{
    (void) state;
    check_rates(&trial);
    check_rates(&tox);
}

/* The rows of km.csv for @p endpoint against a fit of the patients' rows. */
static void
check_km(const fixture_t *fx, const char *endpoint)
{
    int n = fx->n_rows, pfs = strcmp(endpoint, "PFS") == 0;
    double *t = malloc((size_t) n * sizeof(double));
    int *e = malloc((size_t) n * sizeof(int));
    assert_true(t != NULL && e != NULL);
    for (int i = 0; i < n; i++) {
        t[i] = pfs ? fx->rows[i].pfs : fx->rows[i].os;
        e[i] = pfs ? fx->rows[i].pfs_event : fx->rows[i].os_event;
    }
    mw_km_t km;
    assert_int_equal(mw__km_fit(&km, t, e, n, MW_KM_CI_LOGLOG), 0);

    char *csv = slurp(fx->dir[0], "km.csv"), *save = NULL;
    int j = 0, first = 1;
    for (char *line = strtok_r(csv, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (first) {
            assert_string_equal(
                line, "endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper");
            first = 0;
            continue;
        }
        char ep[8], ts[40], ss[40], ls[40], us[40];
        int nr, ne, nc;
        assert_int_equal(sscanf(line, "%7[^,],%39[^,],%d,%d,%d,%39[^,],%39[^,],%39s", ep,
                                ts, &nr, &ne, &nc, ss, ls, us),
                         8);
        if (strcmp(ep, endpoint) != 0) {
            continue;
        }
        assert_true(j < km.m);
        assert_true(num(ts) == km.time[j]); /* times are written exactly */
        assert_int_equal(nr, km.n_risk[j]);
        assert_int_equal(ne, km.n_event[j]);
        assert_int_equal(nc, km.n_censor[j]);
        assert_true(same(num(ss), km.surv[j]));
        assert_true(same(num(ls), km.lower[j]));
        assert_true(same(num(us), km.upper[j]));
        j++;
    }
    assert_int_equal(j, km.m);

    /* the median in summary.json with its Brookmeyer-Crowley interval */
    mw_km_quantile_t q;
    char within[32];
    mw__km_median(&km, &q);
    snprintf(within, sizeof(within), "\"%s\": {", pfs ? "pfs" : "os");
    double est = json_number(fx->summary, within, "\"median_days\": ");
    double lo = json_number(fx->summary, within, "\"median_ci95\": [");
    assert_true(isinf(q.est) ? isnan(est) : same(est, q.est));
    assert_true(isinf(q.lower) ? isnan(lo) : same(lo, q.lower));
    /* the 12-month landmark */
    mw_km_point_t at;
    mw__km_at(&km, 12 * 30.4375, &at);
    double s12 =
        json_number(strstr(fx->summary, within), "\"months\": 12,", "\"surv\": ");
    assert_true(same(s12, at.surv));

    mw__km_free(&km);
    free(csv);
    free(t);
    free(e);
}

static void
test_km_matches_rows(void **state)
{
    (void) state;
    check_km(&trial, "PFS");
    check_km(&trial, "OS");
    check_km(&tox, "PFS");
    check_km(&tox, "OS");
}

/* Bad options, and a cohort that fails part-way leaves no file. */
static void
test_errors(void **state)
{
    char dir[] = "/tmp/mw_cohort_XXXXXX", errbuf[512] = "";
    mw_scenario_t *sc = malloc(sizeof(*sc));
    (void) state;
    assert_non_null(sc);
    assert_non_null(mkdtemp(dir));
    mw_cohort_options_t o = {dir, NULL, 1, 0, 1, 1};
    assert_int_equal(mw_cohort(&trial.sc, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    o.n_patients = 3;
    o.threads = -1;
    assert_int_equal(mw_cohort(&trial.sc, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_BAD_PARAM);
    mw_test_scenario(sc, "horizon_days: 100\n"
                         "tumour:\n"
                         "  clones: [{cells: 100, birth: 1, death: 0.5}]\n"
                         "mutation:\n"
                         "  rate: 0.2\n"
                         "  catalogue: [{name: a, edits: {pdl1: +0.1}}]\n"
                         "engine: {max_clones: 20}\n");
    o.threads = 2;
    o.n_patients = 6;
    assert_int_equal(mw_cohort(sc, &o, NULL, errbuf, sizeof(errbuf)),
                     MW_ERR_TOO_MANY_CLONES);
    assert_non_null(strstr(errbuf, "patient "));
    assert_int_equal(count_files(dir), 0);
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
        cmocka_unit_test(test_summary_counts),
        cmocka_unit_test(test_km_matches_rows),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
