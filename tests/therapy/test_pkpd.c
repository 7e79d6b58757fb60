/* Drugs against closed-form kill curves, in every engine mode; the plan's
 * schedule (cycles, progression, CAR-T course); instant effects (SPEC.md §4). */
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "testlib.h"
#include "therapy/therapy.h"

#define MW_LN2_T 0.69314718055994530942

/* ------------------------------------------------------------------------------
 * Scenario building in C (independent of the shipped library)
 * ---------------------------------------------------------------------------- */

static mw_drug_t *
add_drug(mw_scenario_t *s, const char *name, int route, double v_l, double thalf_h,
         double emax, double ec50, double hill)
{
    mw_drug_t *d = &s->therapy.drugs[s->therapy.n_drugs++];
    memset(d, 0, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->route = route;
    d->dose_unit = route == MW_ROUTE_RADIATION ? MW_DOSE_GY : MW_DOSE_MG;
    d->volume_l = v_l;
    d->half_life_h = thalf_h;
    d->ka_per_h = 1;
    d->bioavailability = 1;
    d->infusion_h = 1;
    d->emax = emax;
    d->ec50_ng_ml = ec50;
    d->hill = hill;
    d->bcma_fold = 1;
    return d;
}

static mw_regimen_t *
add_regimen(mw_scenario_t *s, const char *name, int cycle_days, int cycles)
{
    mw_regimen_t *r = &s->therapy.regimens[s->therapy.n_regimens++];
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->cycle_days = cycle_days;
    r->cycles = cycles;
    return r;
}

static void
add_dose(mw_regimen_t *r, const char *drug, double dose, uint64_t days)
{
    mw_regimen_dose_t *x = &r->doses[r->n_doses++];
    memset(x, 0, sizeof(*x));
    snprintf(x->drug, sizeof(x->drug), "%s", drug);
    x->dose = dose;
    x->days = days;
    x->first_cycle = 1;
}

static mw_line_t *
add_line(mw_scenario_t *s, const char *regimen, int cycles)
{
    mw_line_t *l = &s->therapy.lines[s->therapy.n_lines++];
    memset(l, 0, sizeof(*l));
    snprintf(l->name, sizeof(l->name), "line %d", s->therapy.n_lines);
    if (regimen != NULL) {
        l->n_phases = 1;
        snprintf(l->phases[0].regimen, sizeof(l->phases[0].regimen), "%s", regimen);
        l->phases[0].cycles = cycles;
        l->phases[0].dose_scale = 1;
    }
    l->vein_to_vein_days = 40;
    l->ld_start_day = -5;
    return l;
}

static void clear_therapy(mw_scenario_t *s);

/* A clean slate: no library, one clone, no crowding. */
static void
base(mw_scenario_t *s, const char *clone_yaml, const char *mode)
{
    char y[1024];
    snprintf(y, sizeof(y),
             "horizon_days: 30\n"
             "tumour:\n  clones:\n    - %s\n"
             "engine: {mode: %s, mean_rtol: 1.0e-10, mean_atol: 1.0e-8}\n",
             clone_yaml, mode);
    mw_test_scenario(s, y);
    clear_therapy(s);
}

/* No library drugs, regimens or lines; plan settings at their documented values. */
static void
clear_therapy(mw_scenario_t *s)
{
    s->therapy.n_drugs = 0;
    s->therapy.n_regimens = 0;
    s->therapy.n_lines = 0;
    s->therapy.start_day = 0;
    s->therapy.cam_il6_half = 10;
    s->body.weight_kg = 70;
    s->body.bsa_m2 = 1.8;
}

static double
cells(const mw_sim_t *sim)
{
    double bm, em;
    mw_sim_tumour(sim, &bm, &em);
    return bm + em;
}

/* int_0^t H(C0 e^{-ke s}) ds for occupancy with EC50 E and Hill h. */
static double
int_h_bolus(double c0, double ke, double E, double h, double t)
{
    double u0 = pow(c0, h), u1 = pow(c0 * exp(-ke * t), h), Eh = pow(E, h);
    return log((u0 + Eh) / (u1 + Eh)) / (h * ke);
}

/* ------------------------------------------------------------------------------
 * Pure death under one IV bolus: survival exp(-d t - emax int H) exactly
 * ---------------------------------------------------------------------------- */

#define BOLUS_MG 10.0
#define BOLUS_V 10.0
#define BOLUS_THALF 12.0
#define BOLUS_EMAX 1.0
#define BOLUS_EC50 100.0
#define BOLUS_HILL 1.5

static void
bolus_scenario(mw_scenario_t *s, const char *mode, double birth, double death,
               double n0, int days)
{
    char clone[256];
    snprintf(clone, sizeof(clone),
             "{name: c, cells: %g, birth: %g, death: %g, niche_dependence: 0}", n0, birth,
             death);
    base(s, clone, mode);
    add_drug(s, "x", MW_ROUTE_IV, BOLUS_V, BOLUS_THALF, BOLUS_EMAX, BOLUS_EC50, BOLUS_HILL);
    mw_regimen_t *r = add_regimen(s, "X", days, 1);
    add_dose(r, "x", BOLUS_MG, 1); /* day 1 of the cycle = day 0 */
    add_line(s, "X", -1);
}

static double
bolus_int_h(double t)
{
    double ke = MW_LN2_T / (BOLUS_THALF / 24.0);
    return int_h_bolus(BOLUS_MG * 1000.0 / BOLUS_V, ke, BOLUS_EC50, BOLUS_HILL, t);
}

/* Survivors of n0 cells summed over R replicates ~ Binomial(R n0, p). */
static void
pure_death_check(const char *mode)
{
    const double n0 = 1000, d = 0.01;
    const int R = 200;
    const double times[] = {0.1, 0.5, 2.0, 6.0};
    double tot[4] = {0, 0, 0, 0};
    mw_scenario_t sc;

    bolus_scenario(&sc, mode, 0.0, d, n0, 10);
    for (int rep = 0; rep < R; rep++) {
        mw_sim_t *sim;
        assert_int_equal(mw_sim_create(&sc, 11, (uint32_t) rep, &sim), 0);
        for (int k = 0; k < 4; k++) {
            int ret = mw_sim_run_until(sim, times[k]);
            assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
            tot[k] += cells(sim);
        }
        mw_sim_free(sim);
    }
    for (int k = 0; k < 4; k++) {
        double p = exp(-d * times[k] - BOLUS_EMAX * bolus_int_h(times[k]));
        double N = R * n0;
        printf("  %s t=%g: survivors %.0f expected %.1f\n", mode, times[k], tot[k], N * p);
        assert_z(tot[k], N * p, sqrt(N * p * (1 - p)), 4.0);
    }
}

static void
test_bolus_pure_death_exact(void **state)
{
    (void) state;
    pure_death_check("exact");
}

static void
test_bolus_pure_death_hybrid(void **state)
{
    (void) state;
    pure_death_check("hybrid");
}

/* Mean mode: the ODE solution to solver precision. */
static void
test_bolus_pure_death_mean(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_sim_t *sim;
    const double n0 = 1e9, d = 0.01;

    bolus_scenario(&sc, "mean", 0.0, d, n0, 10);
    assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
    for (double t = 0.25; t <= 5.0; t += 0.25) {
        assert_int_equal(mw_sim_run_until(sim, t), 0);
        double want = n0 * exp(-d * t - BOLUS_EMAX * bolus_int_h(t));
        assert_true(fabs(cells(sim) / want - 1) < 1e-6);
    }
    mw_sim_free(sim);
}

/* Linear birth-death with a drug: E n(t) = n0 exp((b - d) t - emax int H), with the
 * sample variance for the standard error; three daily boluses. */
static void
bd_mean_check(const char *mode)
{
    const double n0 = 100, b = 0.6, d = 0.1;
    const int R = 400;
    const double T = 3.0;
    double sum = 0, sum2 = 0;
    mw_scenario_t sc;

    bolus_scenario(&sc, mode, b, d, n0, 1);
    sc.therapy.regimens[0].cycles = 3; /* doses on days 0, 1, 2 */
    for (int rep = 0; rep < R; rep++) {
        mw_sim_t *sim;
        assert_int_equal(mw_sim_create(&sc, 5, (uint32_t) rep, &sim), 0);
        int ret = mw_sim_run_until(sim, T);
        assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
        double n = cells(sim);
        sum += n;
        sum2 += n * n;
        mw_sim_free(sim);
    }
    /* superposition: int H over three dosing intervals, each starting from the
     * residual of the earlier doses */
    double ke = MW_LN2_T / (BOLUS_THALF / 24.0), c = 0, ih = 0;
    for (int k = 0; k < 3; k++) {
        c += BOLUS_MG * 1000.0 / BOLUS_V;
        ih += int_h_bolus(c, ke, BOLUS_EC50, BOLUS_HILL, 1.0);
        c *= exp(-ke * 1.0);
    }
    double want = n0 * exp((b - d) * T - BOLUS_EMAX * ih);
    double mean = sum / R, var = (sum2 - R * mean * mean) / (R - 1);
    printf("  %s: mean %.2f expected %.2f\n", mode, mean, want);
    assert_z(mean, want, sqrt(var / R), 4.0);
}

static void
test_bd_bolus_exact(void **state)
{
    (void) state;
    bd_mean_check("exact");
}

static void
test_bd_bolus_hybrid(void **state)
{
    (void) state;
    bd_mean_check("hybrid");
}

/* ------------------------------------------------------------------------------
 * Oral daily dosing: hybrid steps span several doses; compare with an independent
 * quadrature of the superposed Bateman curves
 * ---------------------------------------------------------------------------- */

static double
oral_conc(double t, int n_doses, double mg, double F, double V, double ka, double ke)
{
    double c = 0;
    for (int k = 0; k < n_doses; k++) {
        double s = t - k;
        if (s > 0) {
            c += F * mg * 1000.0 / V * ka / (ka - ke) * (exp(-ke * s) - exp(-ka * s));
        }
    }
    return c;
}

static void
test_oral_daily_hybrid(void **state)
{
    (void) state;
    const double n0 = 2000, T = 12.0;
    const int R = 100, ndose = 10;
    const double V = 50, thalf = 3, ka_h = 1.2, F = 0.8, mg = 25, E = 200, h = 1.0,
                 emax = 0.3;
    mw_scenario_t sc;
    double tot = 0;

    base(&sc, "{name: c, cells: 2000, birth: 0, death: 0}", "hybrid");
    sc.engine.max_step_days = 7;
    mw_drug_t *d = add_drug(&sc, "o", MW_ROUTE_ORAL, V, thalf, emax, E, h);
    d->ka_per_h = ka_h;
    d->bioavailability = F;
    mw_regimen_t *r = add_regimen(&sc, "O", 28, 1);
    add_dose(r, "o", mg, (1u << ndose) - 1); /* days 1-10 */
    add_line(&sc, "O", -1);
    for (int rep = 0; rep < R; rep++) {
        mw_sim_t *sim;
        mw_counters_t cnt;
        assert_int_equal(mw_sim_create(&sc, 3, (uint32_t) rep, &sim), 0);
        assert_int_equal(mw_sim_run_until(sim, T), 0);
        tot += cells(sim);
        mw_sim_counters(sim, &cnt);
        if (rep == 0) {
            printf("  hybrid steps for %g days of daily dosing: %llu\n", T,
                   (unsigned long long) cnt.steps);
        }
        mw_sim_free(sim);
    }
    double ka = ka_h * 24, ke = MW_LN2_T / (thalf / 24.0), ih = 0;
    const int M = 240000;
    for (int i = 0; i < M; i++) {
        double t = (i + 0.5) * T / M;
        double c = oral_conc(t, ndose, mg, F, V, ka, ke);
        ih += c / (c + E) * T / M;
    }
    double p = exp(-emax * ih), N = R * n0;
    printf("  survivors %.0f expected %.1f\n", tot, N * p);
    assert_z(tot, N * p, sqrt(N * p * (1 - p)), 4.0);
}

/* ------------------------------------------------------------------------------
 * Hybrid step integrals against brute-force quadrature, deterministic: steps that
 * end inside and after absorption phases, steps spanning doses, repeated phases
 * (looked up), Hill != 1, an efflux-shifted clone, flip-flop kinetics, infusions
 * ---------------------------------------------------------------------------- */

typedef struct {
    int route;
    double v, thalf_h, ka_h, F, inf_h, mg, E, hill, emax;
    uint64_t days; /* dose days of a 28-day cycle */
} pk_case_t;

/* Concentration at t from every dose of the case's first cycle given before t. */
static double
case_conc(const pk_case_t *k, double t)
{
    double ke = MW_LN2_T / (k->thalf_h / 24.0), ka = k->ka_h * 24, c = 0;
    for (int day = 0; day < 28; day++) {
        double s = t - day;
        if (!(k->days >> day & 1u) || s < 0) {
            continue;
        }
        if (k->route == MW_ROUTE_INFUSION) {
            double T = k->inf_h / 24.0, R = k->mg / T, u = s < T ? s : T;
            c += R / ke * -expm1(-ke * u) * exp(-ke * (s - u)) * 1000.0 / k->v;
        } else if (k->route == MW_ROUTE_IV) {
            c += k->mg * 1000.0 / k->v * exp(-ke * s);
        } else {
            c += k->F * k->mg * 1000.0 / k->v * ka / (ka - ke) * (exp(-ke * s) - exp(-ka * s));
        }
    }
    return c;
}

/* emax int H(C/f) over [a, b] by composite Simpson with 2^15 panels per day, in
 * pieces between dose times and infusion ends (where C' jumps). */
static double
case_kill(const pk_case_t *k, double f, double a, double b)
{
    double total = 0;
    while (a < b) {
        double e = floor(a) + 1.0, x = floor(a) + k->inf_h / 24.0;
        if (k->route == MW_ROUTE_INFUSION && x > a && x < e) {
            e = x;
        }
        e = e < b ? e : b;
        int n = 2 * (int) ceil((e - a) * 16384);
        double h = (e - a) / n, sum = 0;
        for (int i = 0; i <= n; i++) {
            /* the end point sees no dose given at it */
            double c = case_conc(k, i == n ? e - 1e-12 : a + i * h) / f;
            double u = pow(c, k->hill), H = u / (u + pow(k->E, k->hill));
            sum += (i == 0 || i == n ? 1 : i % 2 ? 4 : 2) * H;
        }
        total += sum * h / 3.0;
        a = e;
    }
    return k->emax * total;
}

static void
check_case(const pk_case_t *k, double efflux)
{
    static const double t0s[] = {0.0, 0.02, 0.3, 1.0, 2.5, 3.0, 6.9, 7.5};
    static const double lens[] = {0.01, 0.1, 0.45, 1.0, 2.2};
    mw_scenario_t sc;
    char clone[160];
    double worst = 0;

    snprintf(clone, sizeof(clone),
             "{name: c, cells: 1.0e+6, birth: 0, death: 0, efflux: %g, niche_dependence: 0}",
             efflux);
    base(&sc, clone, "hybrid");
    mw_drug_t *d = add_drug(&sc, "x", k->route, k->v, k->thalf_h, k->emax, k->E, k->hill);
    d->ka_per_h = k->ka_h;
    d->bioavailability = k->F;
    d->infusion_h = k->inf_h;
    d->efflux_substrate = efflux > 1 ? 1.0 : 0.0;
    mw_regimen_t *r = add_regimen(&sc, "X", 28, 1);
    add_dose(r, "x", k->mg, k->days);
    add_line(&sc, "X", -1);
    mw_sim_t *sim;
    assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
    for (size_t i = 0; i < sizeof(t0s) / sizeof(t0s[0]); i++) {
        assert_int_equal(mw_sim_run_until(sim, t0s[i]), 0);
        int c = sim->live[0];
        double want[sizeof(lens) / sizeof(lens[0])];
        for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
            want[l] = case_kill(k, efflux, sim->t, sim->t + lens[l]);
        }
        /* twice each: the second pass reads what the first one cached */
        for (int pass = 0; pass < 2; pass++) {
            for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
                double a = sim->t, b = a + lens[l];
                (void) mw__ther_step_kill(sim, a, b, 0.0);
                double got = sim->dk[2 * c + 1] * (b - a);
                double err = fabs(got - want[l]) / (k->emax * (b - a));
                worst = err > worst ? err : worst;
                if (err > 5e-8) {
                    printf("  [%g, %g]: %.12g, quadrature %.12g\n", a, b, got, want[l]);
                }
                assert_true(err <= 5e-8);
            }
        }
    }
    printf("  route %d, ka %g/h, hill %g, efflux %g: worst error %.2g per day of emax\n",
           k->route, k->ka_h, k->hill, efflux, worst);
    mw_sim_free(sim);
}

static void
test_hybrid_integrals(void **state)
{
    (void) state;
    const uint64_t daily = (1u << 10) - 1, weekly = 1u | 1u << 7 | 1u << 14;
    const pk_case_t cases[] = {
        /* oral IMiD-like, daily: phases repeat (steady state after a few doses) */
        {MW_ROUTE_ORAL, 80, 3, 2, 1, 1, 25, 100, 1, 0.5, daily},
        {MW_ROUTE_ORAL, 50, 3, 1.2, 0.8, 1, 25, 200, 2.5, 0.3, daily},
        /* flip-flop (ka < 2 ke): no absorption phase, quadrature in time */
        {MW_ROUTE_ORAL, 50, 3, 0.15, 1, 1, 25, 100, 1, 0.3, daily},
        /* subcutaneous, slow absorption and long half-life, weekly */
        {MW_ROUTE_SC, 5, 400, 0.02, 0.7, 1, 1800, 50000, 1, 0.2, weekly},
        /* infusions of 2 h, weekly; and IV boluses, daily */
        {MW_ROUTE_INFUSION, 10, 12, 1, 1, 2, 10, 300, 1.5, 1.0, weekly},
        {MW_ROUTE_IV, 10, 12, 1, 1, 1, 10, 300, 0.7, 1.0, daily},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(&cases[i], 1.0);
    }
    check_case(&cases[0], 8.0);
}

/* ------------------------------------------------------------------------------
 * Sensitivity: efflux, niche protection, CRBN (mean mode, exact in closed form)
 * ---------------------------------------------------------------------------- */

static void
test_sensitivity_mean(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_sim_t *sim;
    const double n0 = 1e9;

    base(&sc, "{name: plain, cells: 1.0e+9, birth: 0, death: 0, niche_dependence: 0}",
         "mean");
    sc.tumour.n_clones = 4;
    /* marrow clone fully niche dependent; extramedullary twin; efflux 4; CRBN lost */
    sc.tumour.clones[1] = sc.tumour.clones[0];
    sc.tumour.clones[1].traits.niche_dependence = 1;
    sc.tumour.clones[1].traits.ras = 0;
    sc.tumour.clones[2] = sc.tumour.clones[1];
    sc.tumour.clones[2].cells = 0;
    sc.tumour.clones[2].em_cells = n0;
    sc.tumour.clones[3] = sc.tumour.clones[0];
    sc.tumour.clones[3].traits.efflux = 4;
    sc.therapy.cam_il6_half = 10;
    mw_drug_t *d = add_drug(&sc, "x", MW_ROUTE_IV, BOLUS_V, BOLUS_THALF, BOLUS_EMAX,
                            BOLUS_EC50, 1.0);
    d->niche_protection = 0.8;
    d->efflux_substrate = 1.0;
    mw_regimen_t *r = add_regimen(&sc, "X", 10, 1);
    add_dose(r, "x", BOLUS_MG, 1);
    add_line(&sc, "X", -1);
    assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
    assert_int_equal(mw_sim_run_until(sim, 3.0), 0);
    double ke = MW_LN2_T / (BOLUS_THALF / 24.0), c0 = BOLUS_MG * 1000.0 / BOLUS_V;
    double ih = int_h_bolus(c0, ke, BOLUS_EC50, 1.0, 3.0);
    double ih4 = int_h_bolus(c0 / 4, ke, BOLUS_EC50, 1.0, 3.0);
    /* no capacity: marrow IL-6 is the basal level */
    double il6 = sc.tumour.il6_basal, prot = 1 - 0.8 * il6 / (il6 + 10);
    double want[4] = {n0 * exp(-ih), n0 * exp(-prot * ih), n0 * exp(-ih), n0 * exp(-ih4)};
    for (int i = 0; i < 4; i++) {
        const mw_clone_t *k = mw_sim_clone(sim, i);
        double n = k->cells_bm + k->cells_em;
        printf("  clone %d: %.6g expected %.6g\n", i, n, want[i]);
        assert_true(fabs(n / want[i] - 1) < 1e-6);
    }
    mw_sim_free(sim);
}

/* ------------------------------------------------------------------------------
 * The plan
 * ---------------------------------------------------------------------------- */

static int
count_events(const mw_sim_t *sim, int kind, double *first)
{
    int n = 0;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == kind) {
            if (n == 0 && first != NULL) {
                *first = e->t_days;
            }
            n++;
        }
    }
    return n;
}

/* Two 7-day cycles with doses on days 1 and 3: doses on days 0, 2, 7, 9 (also when
 * hybrid steps span them), then the line ends on day 14. */
static void
test_cycles_and_line_end(void **state)
{
    (void) state;
    const char *modes[] = {"hybrid", "exact", "mean"};
    for (int m = 0; m < 3; m++) {
        mw_scenario_t sc;
        mw_sim_t *sim;
        base(&sc, "{name: c, cells: 1000, birth: 0.01, death: 0.01}", modes[m]);
        add_drug(&sc, "x", MW_ROUTE_ORAL, 50, 6, 0.0, 10, 1);
        mw_regimen_t *r = add_regimen(&sc, "X", 7, 2);
        add_dose(r, "x", 5, 1u | 4u);
        add_line(&sc, "X", -1);
        assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
        assert_int_equal(mw_sim_run_until(sim, 20), 0);
        double want[4] = {0, 2, 7, 9};
        int k = 0;
        for (int i = 0; i < mw_sim_n_events(sim); i++) {
            const mw_event_t *e = mw_sim_event(sim, i);
            if (e->kind == MW_EV_DOSE) {
                assert_true(k < 4);
                assert_true(fabs(e->t_days - want[k]) < 1e-9);
                assert_true(fabs(e->value - 5) < 1e-12);
                k++;
            }
        }
        assert_int_equal(k, 4);
        double t_end = -1;
        assert_int_equal(count_events(sim, MW_EV_LINE_END, &t_end), 1);
        assert_true(fabs(t_end - 14) < 1e-9);
        mw_therapy_state_t ts;
        mw_sim_therapy(sim, &ts);
        assert_int_equal(ts.on_treatment, 0);
        mw_sim_free(sim);
    }
}

/* A growing tumour on an ineffective line progresses by the IMWG M-protein rule
 * (confirmed twice) and the next line starts on the confirming check. */
static void
test_progression_next_line(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_sim_t *sim;

    base(&sc, "{name: c, cells: 1.0e+10, birth: 0.03, death: 0.01}", "mean");
    sc.horizon_days = 400;
    add_drug(&sc, "weak", MW_ROUTE_ORAL, 50, 6, 0.0, 10, 1);
    add_drug(&sc, "strong", MW_ROUTE_ORAL, 50, 24, 0.2, 10, 1);
    mw_regimen_t *r = add_regimen(&sc, "W", 28, 0);
    add_dose(r, "weak", 5, 1);
    r = add_regimen(&sc, "S", 28, 0);
    add_dose(r, "strong", 100, (1ull << 28) - 1);
    add_line(&sc, "W", -1);
    add_line(&sc, "S", -1);
    assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
    double m0;
    {
        mw_markers_t mk;
        mw_sim_markers(sim, &mk);
        m0 = mk.mprotein_g_dl;
    }
    assert_int_equal(mw_sim_run_until(sim, 400), 0);
    double tp = -1, tl = -1;
    assert_int_equal(count_events(sim, MW_EV_PROGRESSION, &tp), 1);
    /* the second line's start (the first LINE_START is line 0 at day 0) */
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_LINE_START && e->other == 1) {
            tl = e->t_days;
        }
    }
    assert_true(tl == tp);
    assert_true(fmod(tp, 28.0) < 1e-9);
    mw_therapy_state_t ts;
    mw_sim_therapy(sim, &ts);
    assert_int_equal(ts.line, 1);
    assert_int_equal(ts.progressions, 1);
    /* IMWG dates progression at the first of the two confirming monthly visits */
    assert_true(ts.first_progression_day == tp - 28.0);
    /* the M-protein had risen by the rule at the progression and the check before */
    printf("  progression on day %g, M-protein start %.3f\n", tp, m0);
    assert_true(tp >= 56);
    mw_sim_free(sim);
}

/* A CAR-T course: apheresis at the line start, bridging until lymphodepletion on
 * days -5..-3, infusion on day vein_to_vein. */
static void
test_cart_course(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_sim_t *sim;
    const char *y =
        "horizon_days: 60\n"
        "tumour:\n  clones:\n    - {name: c, cells: 1.0e+9, birth: 0.02, death: 0.01}\n"
        "immune: {t_cells: 1.0e+6, t_kill_max: 0.01, nk_cells: 1.0e+6, nk_kill_max: 0.01}\n"
        "products:\n  - {name: car, dose_cells: 1.0e+6, infusion_day: 3,\n"
        "     targets: [{antigen: BCMA}]}\n";
    mw_test_scenario(&sc, y);
    clear_therapy(&sc);
    add_drug(&sc, "bridge", MW_ROUTE_ORAL, 50, 6, 0.05, 10, 1);
    mw_drug_t *f = add_drug(&sc, "flu", MW_ROUTE_IV, 50, 20, 0.0, 10, 1);
    f->lymphodepletion = 0.5;
    mw_regimen_t *r = add_regimen(&sc, "B", 7, 0);
    add_dose(r, "bridge", 10, 1u | 2u | 4u | 8u | 16u | 32u | 64u);
    r = add_regimen(&sc, "LD", 3, 1);
    add_dose(r, "flu", 50, 7u);
    mw_line_t *l = add_line(&sc, NULL, 0);
    snprintf(l->cart_product, sizeof(l->cart_product), "car");
    snprintf(l->bridging, sizeof(l->bridging), "B");
    snprintf(l->lymphodepletion, sizeof(l->lymphodepletion), "LD");
    l->vein_to_vein_days = 30;
    l->ld_start_day = -5;
    assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
    assert_int_equal(mw_sim_run_until(sim, 60), 0);
    double t_inf = -1, t_aph = -1, t_ld = -1, last_bridge = -1;
    int n_ld = count_events(sim, MW_EV_LYMPHODEPLETION, &t_ld);
    assert_int_equal(count_events(sim, MW_EV_INFUSION, &t_inf), 1);
    assert_int_equal(count_events(sim, MW_EV_APHERESIS, &t_aph), 1);
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_DOSE && e->other == 0) {
            last_bridge = e->t_days;
        }
    }
    printf("  apheresis %g, last bridging dose %g, LD %g (x%d), infusion %g\n", t_aph,
           last_bridge, t_ld, n_ld, t_inf);
    assert_true(t_aph == 0);
    assert_true(t_inf == 30);
    assert_int_equal(n_ld, 3);
    assert_true(t_ld == 25);
    assert_true(last_bridge == 24);
    mw_sim_free(sim);
}

/* Radiotherapy: extramedullary cells survive each fraction with probability
 * exp(-(alpha D + beta D^2)); marrow cells are untouched. */
static void
test_radiotherapy(void **state)
{
    (void) state;
    mw_scenario_t sc;
    const double a = 0.3, b = 0.03, D = 2.0, n0 = 1e5;
    double em = 0, bm = 0;
    const int R = 20;

    base(&sc, "{name: c, cells: 1.0e+5, em_cells: 1.0e+5, birth: 0, death: 0}", "hybrid");
    mw_drug_t *d = add_drug(&sc, "rt", MW_ROUTE_RADIATION, 1, 1, 0, 1, 1);
    d->rt_alpha = a;
    d->rt_beta = b;
    mw_regimen_t *r = add_regimen(&sc, "RT", 7, 1);
    add_dose(r, "rt", D, 31u); /* days 1-5 */
    add_line(&sc, "RT", -1);
    for (int rep = 0; rep < R; rep++) {
        mw_sim_t *sim;
        double x, y;
        assert_int_equal(mw_sim_create(&sc, 2, (uint32_t) rep, &sim), 0);
        assert_int_equal(mw_sim_run_until(sim, 10), 0);
        mw_sim_tumour(sim, &x, &y);
        bm += x;
        em += y;
        mw_sim_free(sim);
    }
    double p = exp(-5 * (a * D + b * D * D)), N = R * n0;
    assert_true(bm == N);
    assert_z(em, N * p, sqrt(N * p * (1 - p)), 4.0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bolus_pure_death_exact),
        cmocka_unit_test(test_bolus_pure_death_hybrid),
        cmocka_unit_test(test_bolus_pure_death_mean),
        cmocka_unit_test(test_bd_bolus_exact),
        cmocka_unit_test(test_bd_bolus_hybrid),
        cmocka_unit_test(test_oral_daily_hybrid),
        cmocka_unit_test(test_hybrid_integrals),
        cmocka_unit_test(test_sensitivity_mean),
        cmocka_unit_test(test_cycles_and_line_end),
        cmocka_unit_test(test_progression_next_line),
        cmocka_unit_test(test_cart_course),
        cmocka_unit_test(test_radiotherapy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
