/*
 * `marrow bench`: the two performance targets of issue #2, timed in-process.
 *  - exact: birth-death-mutation (X->2X 1.0, X->0 0.9, X->X+Y 1e-3, Y->2Y 1.0,
 *    Y->0 0.8, X(0)=1000, 56 days): candidate events per second;
 *  - hybrid: a 1e11-cell tumour of 50 clones under crowding for 5 years:
 *    wall time per patient, clone-steps, simulated cell-days and patient-years
 *    per second;
 *  - trial: a 5-year virtual trial through mw_cohort on 1 and 2 threads:
 *    patients per second, the 2-thread speed-up and memory as N grows;
 *  - peak resident memory.
 * Times are medians over repeats with distinct replicate indices.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "marrow.h"
#include "bench.h"

static const char *bdm_yaml =
    "name: bench-bdm\n"
    "horizon_days: 56\n"
    "output_every_days: 56\n"
    "tumour:\n"
    "  clones:\n"
    "    - {name: X, cells: 1000, birth: 1.001, death: 0.9, niche_dependence: 0}\n"
    "mutation:\n"
    "  rate: 0.000999000999000999\n" /* 1e-3 / 1.001: X->X+Y at exactly 1e-3 */
    "  catalogue:\n"
    "    - {name: Y, recurrent: true, edits: {birth: 1.0, death: 0.8, mu_mult: 0}}\n"
    "engine: {mode: exact, exact_cell_limit: 1.0e+9, marker_step_days: 1}\n";

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static int
load(mw_scenario_t *sc, const char *yaml)
{
    mw_diags_t *d = malloc(sizeof(*d));
    int ret;
    if (d == NULL) {
        return MW_ERR_NO_MEMORY;
    }
    mw_diags_clear(d);
    mw_scenario_init_defaults(sc);
    ret = mw_scenario_load_string(sc, yaml, "bench", d);
    if (ret == 0) {
        ret = mw_scenario_validate(sc, d);
    }
    if (ret != 0) {
        mw_diags_print(d, stderr);
    }
    free(d);
    return ret;
}

/* The hybrid benchmark scenario: 50 founder clones of 2e9 cells each (1e11 in
 * all) in a marrow of capacity 1.2e11, birth 0.035/day and deaths spread so that
 * some clones expand and others shrink. */
static int
hybrid_scenario(mw_scenario_t *sc)
{
    char *buf = malloc(16384);
    size_t len = 0;
    int ret;
    if (buf == NULL) {
        return MW_ERR_NO_MEMORY;
    }
    len += (size_t) snprintf(buf + len, 16384 - len,
                             "name: bench-hybrid\nhorizon_days: 1826.25\n"
                             "output_every_days: 30\n"
                             "tumour:\n  capacity: 1.2e+11\n  clones:\n");
    for (int i = 0; i < 50; i++) {
        len += (size_t) snprintf(buf + len, 16384 - len,
                                 "    - {name: c%d, cells: 2.0e+9, birth: 0.035, "
                                 "death: %.6f}\n",
                                 i, 0.0040 + 0.0001 * i);
    }
    ret = load(sc, buf);
    free(buf);
    /* no clinic visits: the benchmark times the engine (and the drugs) */
    for (int a = 0; a < MW_N_ASSAYS; a++) {
        sc->monitoring.schedule[a].every_days = 0;
        sc->monitoring.schedule[a].at_line_start = 0;
    }
    return ret;
}

typedef struct {
    double exact_events_per_s, exact_ns_per_event, exact_wall_s;
    double exact_events;
    double hybrid_ms_per_patient, hybrid_clone_steps_per_s, hybrid_cell_days_per_s;
    double hybrid_patient_years_per_s, hybrid_steps;
    double cart_ms_per_patient, cart_steps, cart_us_per_step, plain_us_per_step;
    double drug_ms_per_patient, drug_steps, drug_us_per_step;
    int trial_n;
    double trial_per_s[2]; /* patients per second on 1 and 2 threads */
    long trial_rss_kb[2];  /* peak memory after n and after 4n patients */
    long peak_rss_kb;
} results_t;

static int
bench_exact(int repeats, results_t *r)
{
    mw_scenario_t *sc = malloc(sizeof(*sc));
    double rate[64], ev_total = 0, wall_total = 0;
    int ret = 0;

    if (sc == NULL || load(sc, bdm_yaml) != 0) {
        free(sc);
        return 1;
    }
    for (int i = 0; i < repeats; i++) {
        mw_sim_t *sim;
        mw_counters_t k;
        ret = mw_sim_create(sc, 2026, (uint32_t) i, &sim);
        if (ret != 0) {
            break;
        }
        double t0 = now();
        ret = mw_sim_run_until(sim, 56.0);
        double dt = now() - t0;
        mw_sim_counters(sim, &k);
        mw_sim_free(sim);
        if (ret < 0) {
            break;
        }
        ret = 0;
        rate[i] = (double) k.events / dt;
        ev_total += (double) k.events;
        wall_total += dt;
    }
    free(sc);
    if (ret != 0) {
        fprintf(stderr, "marrow bench: exact run failed: %s\n", mw_strerror(ret));
        return 1;
    }
    qsort(rate, (size_t) repeats, sizeof(double), cmp_double);
    r->exact_events_per_s = rate[repeats / 2];
    r->exact_ns_per_event = 1e9 / r->exact_events_per_s;
    r->exact_events = ev_total / repeats;
    r->exact_wall_s = wall_total / repeats;
    return 0;
}

/* The hybrid scenario plus a BCMA 4-1BB CAR-T after lymphodepletion, with
 * endogenous T/NK killing on: every immune population and the toxicity model
 * take part in every step. */
static int
add_cart(mw_scenario_t *sc)
{
    static const char *const sets[] = {
        "immune.ld_depth=0.9",
        "immune.t_kill_max=0.001",
        "immune.nk_kill_max=0.001",
        "products[0].name=bcma-41bb",
        "products[0].targets[0].antigen=BCMA",
        NULL,
    };
    for (int i = 0; sets[i] != NULL; i++) {
        if (mw_scenario_set(sc, sets[i], NULL) != 0) {
            return 1;
        }
    }
    return 0;
}

/* The hybrid scenario on a 28-day-cycle regimen for the whole horizon: an oral
 * IMiD-like drug on days 1-21 and a weekly steroid-like drug, with PK/PD set here
 * (not the shipped library) so the benchmark stays comparable across versions. */
static int
add_regimen(mw_scenario_t *sc)
{
    static const struct {
        const char *name;
        double v, thalf, ka, emax, ec50, dose;
        uint64_t days;
    } drugs[2] = {
        {"bench-imid", 80, 3, 2, 0.03, 100, 25, (1ull << 21) - 1},
        {"bench-steroid", 56, 4, 1.5, 0.01, 50, 40, 1ull | 1ull << 7 | 1ull << 14 | 1ull << 21},
    };
    mw_regimen_t *rg = &sc->therapy.regimens[0];
    mw_line_t *ln = &sc->therapy.lines[0];

    sc->therapy.n_drugs = 2;
    sc->therapy.n_regimens = 1;
    sc->therapy.n_lines = 1;
    memset(rg, 0, sizeof(*rg));
    memset(ln, 0, sizeof(*ln));
    snprintf(rg->name, sizeof(rg->name), "bench-regimen");
    rg->cycle_days = 28;
    rg->cycles = 66; /* the whole horizon */
    rg->n_doses = 2;
    for (int i = 0; i < 2; i++) {
        mw_drug_t *d = &sc->therapy.drugs[i];
        memset(d, 0, sizeof(*d));
        snprintf(d->name, sizeof(d->name), "%s", drugs[i].name);
        d->route = MW_ROUTE_ORAL;
        d->dose_unit = MW_DOSE_MG;
        d->volume_l = drugs[i].v;
        d->half_life_h = drugs[i].thalf;
        d->ka_per_h = drugs[i].ka;
        d->bioavailability = 1;
        d->infusion_h = 1;
        d->emax = drugs[i].emax;
        d->ec50_ng_ml = drugs[i].ec50;
        d->hill = 1;
        d->bcma_fold = 1;
        snprintf(rg->doses[i].drug, sizeof(rg->doses[i].drug), "%s", drugs[i].name);
        rg->doses[i].dose = drugs[i].dose;
        rg->doses[i].days = drugs[i].days;
        rg->doses[i].first_cycle = 1;
    }
    snprintf(ln->name, sizeof(ln->name), "bench-line");
    ln->n_phases = 1;
    snprintf(ln->phases[0].regimen, sizeof(ln->phases[0].regimen), "bench-regimen");
    ln->phases[0].cycles = -1;
    ln->phases[0].dose_scale = 1;
    /* no clinic (hybrid_scenario): no progression ends the line early, so it is
     * treated for the whole horizon */
    return 0;
}

static int
bench_hybrid(int repeats, int cart, results_t *r)
{
    mw_scenario_t *sc = malloc(sizeof(*sc));
    double wall[256], steps = 0, clone_steps = 0, cell_days = 0;
    int ret = 0;

    if (sc == NULL || hybrid_scenario(sc) != 0 || (cart == 1 && add_cart(sc) != 0) ||
        (cart == 2 && add_regimen(sc) != 0)) {
        free(sc);
        return 1;
    }
    for (int i = 0; i < repeats; i++) {
        mw_sim_t *sim;
        mw_counters_t k;
        double t0 = now(), cd = 0, prev = 0, t = 0;
        ret = mw_sim_create(sc, 2026, (uint32_t) i, &sim);
        if (ret != 0) {
            break;
        }
        /* one run_until per month, as `marrow run` does with output_every_days 30 */
        while (t < sc->horizon_days && ret == 0) {
            double bm, em;
            t = t + sc->output_every_days > sc->horizon_days ? sc->horizon_days
                                                             : t + sc->output_every_days;
            ret = mw_sim_run_until(sim, t);
            ret = ret > 0 ? 0 : ret;
            mw_sim_tumour(sim, &bm, &em);
            cd += (bm + em) * (t - prev);
            prev = t;
        }
        wall[i] = now() - t0;
        mw_sim_counters(sim, &k);
        mw_sim_free(sim);
        if (ret != 0) {
            break;
        }
        steps += (double) k.steps;
        clone_steps += (double) k.clone_steps;
        cell_days += cd;
    }
    double years = sc->horizon_days / 365.25;
    free(sc);
    if (ret != 0) {
        fprintf(stderr, "marrow bench: hybrid run failed: %s\n", mw_strerror(ret));
        return 1;
    }
    double total = 0;
    for (int i = 0; i < repeats; i++) {
        total += wall[i];
    }
    qsort(wall, (size_t) repeats, sizeof(double), cmp_double);
    double med = wall[repeats / 2];
    if (cart == 2) {
        r->drug_ms_per_patient = 1e3 * med;
        r->drug_steps = steps / repeats;
        r->drug_us_per_step = 1e6 * total / steps;
        return 0;
    }
    if (cart) {
        r->cart_ms_per_patient = 1e3 * med;
        r->cart_steps = steps / repeats;
        r->cart_us_per_step = 1e6 * total / steps;
        return 0;
    }
    r->plain_us_per_step = 1e6 * total / steps;
    r->hybrid_ms_per_patient = 1e3 * med;
    r->hybrid_steps = steps / repeats;
    r->hybrid_clone_steps_per_s = clone_steps / total;
    r->hybrid_cell_days_per_s = cell_days / total;
    r->hybrid_patient_years_per_s = years / med;
    return 0;
}

/* A virtual trial of the kind users run by the thousand: newly diagnosed myeloma
 * (1e11 cells, a CRBN-loss and a tp53-loss subclone of varying size, varying
 * kinetics, mutation), Rd until progression then Kd, the clinic measuring M-protein
 * every 28 days and the marrow every 91, followed for 5 years. */
static const char *trial_yaml =
    "name: bench-trial\n"
    "horizon_days: 1826\n"
    "output_every_days: 28\n"
    "tumour:\n"
    "  capacity: 2.0e+11\n"
    "  clones:\n"
    "    - {name: main, cells: {lognormal: {median: 1.0e+11, sd_log: 0.5}},\n"
    "       birth: 0.035, death: {uniform: {min: 0.012, max: 0.02}}}\n"
    "    - {name: crbn-loss, cells: {lognormal: {median: 1.0e+6, sd_log: 2}},\n"
    "       birth: 0.035, death: 0.02, crbn_loss: true}\n"
    "    - {name: tp53, cells: 1.0e+7, birth: 0.036, death: 0.015, tp53_loss: 1}\n"
    "mutation:\n"
    "  rate: 1.0e-10\n"
    "  catalogue:\n"
    "    - {name: bcma_copy_loss, edits: {BCMA: copy_loss}}\n"
    "    - {name: pdl1_up, edits: {pdl1: +0.3}}\n"
    "monitoring:\n"
    "  spep: {every_days: 28}\n"
    "  marrow: {every_days: 91}\n"
    "plan:\n"
    "  lines:\n"
    "    - {name: Rd, phases: [{regimen: Rd}]}\n"
    "    - {name: Kd, phases: [{regimen: Kd}]}\n";

/* Patients per second of the trial on @p threads threads; peak memory after. */
static int
bench_trial(int n, int threads, double *per_s, long *rss_kb)
{
    mw_scenario_t *sc = malloc(sizeof(*sc));
    char dir[] = "/tmp/marrow-bench-XXXXXX", errbuf[512];
    mw_cohort_result_t res;
    struct rusage ru;
    int ret;

    if (sc == NULL || load(sc, trial_yaml) != 0 || mkdtemp(dir) == NULL) {
        free(sc);
        return 1;
    }
    mw_cohort_options_t o = {dir, "marrow bench", 2026, n, threads, 1, 0, -1, 0, 1, 0};
    double t0 = now();
    ret = mw_cohort(sc, 1, &o, &res, errbuf, sizeof(errbuf));
    *per_s = n / (now() - t0);
    getrusage(RUSAGE_SELF, &ru);
    *rss_kb = ru.ru_maxrss;
    static const char *const files[] = {"patients.csv", "tte.csv", "km.csv", "summary.json",
                                        "run.json"};
    for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
        char path[64];
        snprintf(path, sizeof(path), "%s/%s", dir, files[k]);
        (void) remove(path);
    }
    (void) remove(dir);
    free(sc);
    if (ret != 0) {
        fprintf(stderr, "marrow bench: trial failed: %s\n", errbuf);
        return 1;
    }
    return 0;
}

int
mw_bench_main(int argc, char **argv)
{
    int json = 0, quick = 0;
    results_t r;
    struct rusage ru;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else {
            fprintf(stderr, "marrow bench: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    memset(&r, 0, sizeof(r));
    if (bench_exact(quick ? 1 : 5, &r) != 0 || bench_hybrid(quick ? 5 : 101, 0, &r) != 0 ||
        bench_hybrid(quick ? 5 : 51, 1, &r) != 0 || bench_hybrid(quick ? 5 : 101, 2, &r) != 0) {
        return 1;
    }
    /* The trial on 1 then 2 threads; memory is read after n and again after 4n
     * patients on 2 threads (it must not grow with n). */
    r.trial_n = quick ? 100 : 1000;
    double unused;
    if (bench_trial(r.trial_n, 1, &r.trial_per_s[0], &r.trial_rss_kb[0]) != 0 ||
        bench_trial(r.trial_n, 2, &r.trial_per_s[1], &r.trial_rss_kb[0]) != 0 ||
        bench_trial(4 * r.trial_n, 2, &unused, &r.trial_rss_kb[1]) != 0) {
        return 1;
    }
    getrusage(RUSAGE_SELF, &ru);
    r.peak_rss_kb = ru.ru_maxrss;
    if (json) {
        printf("{\"version\": \"%s\", \"exact\": {\"events_per_s\": %.4g, "
               "\"ns_per_event\": %.4g, \"events_per_run\": %.6g, \"wall_s_per_run\": %.4g}, "
               "\"hybrid\": {\"ms_per_patient\": %.4g, \"steps_per_patient\": %.4g, "
               "\"clone_steps_per_s\": %.4g, \"cell_days_per_s\": %.4g, "
               "\"patient_years_per_s\": %.4g, \"us_per_step\": %.4g}, "
               "\"hybrid_cart\": {\"ms_per_patient\": %.4g, \"steps_per_patient\": %.4g, "
               "\"us_per_step\": %.4g}, \"hybrid_regimen\": {\"ms_per_patient\": %.4g, "
               "\"steps_per_patient\": %.4g, \"us_per_step\": %.4g, "
               "\"cost_vs_no_drugs\": %.4g}, \"trial\": {\"patients_1_thread\": %d, "
               "\"patients_per_s_1_thread\": %.4g, \"patients_per_s_2_threads\": %.4g, "
               "\"speedup_2_threads\": %.4g, \"hours_per_million_2_threads\": %.4g, "
               "\"rss_kb_after_n\": %ld, \"rss_kb_after_4n\": %ld}, \"peak_rss_kb\": %ld}\n",
               mw_version(), r.exact_events_per_s, r.exact_ns_per_event, r.exact_events,
               r.exact_wall_s, r.hybrid_ms_per_patient, r.hybrid_steps,
               r.hybrid_clone_steps_per_s, r.hybrid_cell_days_per_s,
               r.hybrid_patient_years_per_s, r.plain_us_per_step, r.cart_ms_per_patient,
               r.cart_steps, r.cart_us_per_step, r.drug_ms_per_patient, r.drug_steps,
               r.drug_us_per_step, r.drug_ms_per_patient / r.hybrid_ms_per_patient,
               r.trial_n, r.trial_per_s[0], r.trial_per_s[1],
               r.trial_per_s[1] / r.trial_per_s[0], 1e6 / r.trial_per_s[1] / 3600.0,
               r.trial_rss_kb[0], r.trial_rss_kb[1], r.peak_rss_kb);
    } else {
        printf("exact  birth-death-mutation, X0=1000, 56 days (median of %d)\n"
               "  %.3g events/s  (%.1f ns/event, %.3g events per run, %.3f s per run)\n",
               quick ? 1 : 5, r.exact_events_per_s, r.exact_ns_per_event, r.exact_events,
               r.exact_wall_s);
        printf("hybrid 1e11 cells, 50 clones, 5 years (median of %d)\n"
               "  %.3f ms per patient, %.0f steps, %.3g clone-steps/s, %.3g cell-days/s, "
               "%.3g patient-years/s\n",
               quick ? 5 : 101, r.hybrid_ms_per_patient, r.hybrid_steps,
               r.hybrid_clone_steps_per_s, r.hybrid_cell_days_per_s,
               r.hybrid_patient_years_per_s);
        printf("hybrid same + BCMA CAR-T, lymphodepletion, endogenous T/NK (median of %d)\n"
               "  %.3f ms per patient, %.0f steps, %.2f us per step (%.2f without immune)\n",
               quick ? 5 : 51, r.cart_ms_per_patient, r.cart_steps, r.cart_us_per_step,
               r.plain_us_per_step);
        printf("hybrid same on a 28-day-cycle regimen (oral days 1-21, weekly steroid) for 5 "
               "years (median of %d)\n"
               "  %.3f ms per patient, %.0f steps, %.2f us per step, %.2fx the cost "
               "without drugs\n",
               quick ? 5 : 101, r.drug_ms_per_patient, r.drug_steps, r.drug_us_per_step,
               r.drug_ms_per_patient / r.hybrid_ms_per_patient);
        printf("trial  diagnosis to 5 years: Rd then Kd, M-protein every 28 days, marrow "
               "every 91, varying patients (marrow cohort of %d, then %d)\n"
               "  %.0f patients/s on 1 thread, %.0f on 2 (%.2fx); one million patients "
               "in %.2f h on 2 threads;\n  peak memory %.1f MiB after %d patients, %.1f "
               "MiB after %d\n",
               r.trial_n, 4 * r.trial_n, r.trial_per_s[0], r.trial_per_s[1],
               r.trial_per_s[1] / r.trial_per_s[0], 1e6 / r.trial_per_s[1] / 3600.0,
               (double) r.trial_rss_kb[0] / 1024.0, r.trial_n,
               (double) r.trial_rss_kb[1] / 1024.0, 4 * r.trial_n);
        printf("peak memory %.1f MiB\n", (double) r.peak_rss_kb / 1024.0);
    }
    return 0;
}
