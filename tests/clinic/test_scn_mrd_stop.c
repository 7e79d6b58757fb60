/* scenarios/mrd-stop.yaml meets the targets in its header: MRD-guided lenalidomide
 * maintenance (stop after two MRD-negative marrows, resume the same line on MRD
 * conversion) against continuous maintenance, the same patients in both arms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define SEED       2026
#define R          500  /* patients per arm */
#define FIVE_YEARS 1826 /* days */

/* What one patient's run gives. */
typedef struct {
    int doses;       /* lenalidomide doses (one a day: days on treatment) */
    int stops;       /* stops by the MRD-negative rule */
    int resumes;     /* resumes by the MRD-conversion rule */
    int extinct;     /* no tumour cell left at the horizon */
    double prog_day; /* first IMWG progression, NAN if none */
    double cells;    /* tumour cells at the horizon */
} patient_t;

/* Is there an event of this kind on day t at or after event j? */
static int
same_day(const mw_sim_t *sim, int j, double t, int kind)
{
    for (int i = j; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->t_days != t) {
            return 0;
        }
        if (e->kind == kind) {
            return 1;
        }
    }
    return 0;
}

/* The firings the two rules must give, from the MRD readings and the rules'
 * thresholds alone, before the progression visit (no line is current from then on):
 * a stop at a reading that makes two below policies[0]'s threshold in a row (two
 * negatives) while treatment runs, a resume at every reading above policies[1]'s
 * (positive) while it is stopped.  day[k], kind[k] (0 stop, 1 resume); the count. */
#define MAX_FIRE 64
static int
expected_firings(const mw_scenario_t *sc, const mw_sim_t *sim, double t_end, double day[],
                 int kind[])
{
    int n = 0, on = 1;
    double prev = NAN;
    if (sc->monitoring.n_policies == 0) {
        return 0;
    }
    assert_int_equal(sc->monitoring.n_policies, 2);
    const double below = sc->monitoring.policies[0].below;
    const double above = sc->monitoring.policies[1].above;
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *o = mw_sim_obs(sim, i);
        if (o->t_days >= t_end) {
            break;
        }
        if (o->quantity != MW_Q_MRD_POSITIVE) {
            continue;
        }
        int fire = -1;
        if (on && o->value < below && prev < below) {
            fire = 0;
        } else if (!on && o->value > above) {
            fire = 1;
        }
        if (fire >= 0) {
            assert_true(n < MAX_FIRE);
            day[n] = o->t_days;
            kind[n++] = fire;
            on = fire;
        }
        prev = o->value;
    }
    return n;
}

/* Run patient `rep` to the horizon and check that its events follow the rules:
 * the stops and resumes are exactly those the MRD readings call for (a stop only
 * while treatment runs, a resume only while it is stopped, each on the day of the
 * reading that fired it); a stop logs line_end that day and no dose follows until a
 * resume; a resume logs phase_start and a dose that day but no line_start (the same
 * line: one line_start, the line's record starts on day 0); nothing follows
 * progression. */
static patient_t
patient(const mw_scenario_t *sc, uint32_t rep)
{
    patient_t p;
    mw_sim_t *sim;
    mw_therapy_state_t ts;
    mw_line_response_t lr;
    double day[MAX_FIRE], t_prog = INFINITY;
    int kind[MAX_FIRE], n_fire = 0, stopped = 0, progressed = 0;
    int line_starts = 0, line_ends = 0, phase_starts = 0;

    memset(&p, 0, sizeof(p));
    assert_int_equal(mw_sim_create(sc, SEED, rep, &sim), 0);
    int ret = mw_sim_run_until(sim, sc->horizon_days);
    assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
    for (int j = 0; j < mw_sim_n_events(sim); j++) {
        const mw_event_t *e = mw_sim_event(sim, j);
        switch (e->kind) {
            case MW_EV_DOSE:
                assert_false(stopped || progressed);
                p.doses++;
                break;
            case MW_EV_LINE_START:
                line_starts++;
                break;
            case MW_EV_PHASE_START:
                assert_false(stopped || progressed);
                phase_starts++;
                break;
            case MW_EV_LINE_END:
                assert_false(progressed);
                line_ends++;
                break;
            case MW_EV_PROGRESSION:
                progressed = 1;
                t_prog = e->t_days;
                break;
            case MW_EV_POLICY:
                assert_false(progressed);
                assert_true(n_fire < MAX_FIRE);
                day[n_fire] = e->t_days;
                kind[n_fire++] = (int) e->other;
                if (e->other == 0) { /* stop, on a negative reading while treated */
                    assert_false(stopped);
                    assert_true(e->value == 0);
                    assert_true(same_day(sim, j + 1, e->t_days, MW_EV_LINE_END));
                    p.stops++;
                    stopped = 1;
                } else { /* resume, on a positive reading while stopped */
                    assert_int_equal((int) e->other, 1);
                    assert_true(stopped);
                    assert_true(e->value == 1);
                    assert_true(same_day(sim, j + 1, e->t_days, MW_EV_PHASE_START));
                    assert_true(same_day(sim, j + 1, e->t_days, MW_EV_DOSE));
                    assert_false(same_day(sim, j + 1, e->t_days, MW_EV_LINE_START));
                    p.resumes++;
                    stopped = 0;
                }
                break;
            default:
                break;
        }
    }
    assert_int_equal(line_starts, 1); /* the plan's one line, never started again */
    assert_int_equal(line_ends, p.stops);
    assert_int_equal(phase_starts, 1 + p.resumes);
    /* the firings are exactly those the readings call for */
    double xday[MAX_FIRE];
    int xkind[MAX_FIRE];
    int nx = expected_firings(sc, sim, t_prog, xday, xkind);
    assert_int_equal(n_fire, nx);
    for (int k = 0; k < nx; k++) {
        assert_true(day[k] == xday[k]);
        assert_int_equal(kind[k], xkind[k]);
    }
    /* resumes keep the line: its IMWG record starts on day 0 */
    assert_int_equal(mw_sim_line_response(sim, 0, &lr), 0);
    assert_true(lr.started && lr.start_day == 0);
    mw_sim_therapy(sim, &ts);
    p.prog_day = ts.progressions > 0 ? ts.first_progression_day : NAN;
    assert_true(progressed == (ts.progressions > 0));
    assert_true(progressed == (lr.ended_by == MW_LINE_PROGRESSION));
    double bm, em;
    mw_sim_tumour(sim, &bm, &em);
    p.cells = bm + em;
    p.extinct = p.cells == 0;
    mw_sim_free(sim);
    return p;
}

static int
progressed_by(const patient_t *p, double t)
{
    return !isnan(p->prog_day) && p->prog_day <= t;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Two-proportion z (pooled), printed. */
static double
two_prop_z(const char *what, int kg, int kc)
{
    double pg = (double) kg / R, pc = (double) kc / R,
           pool = (double) (kg + kc) / (2.0 * R);
    double se = sqrt(pool * (1 - pool) * 2.0 / R);
    double z = se > 0 ? (pg - pc) / se : 0;
    printf("  %s: guided %d/%d (%.3f), continuous %d/%d (%.3f), two-proportion z %+.2f\n",
           what, kg, R, pg, kc, R, pc, z);
    return z;
}

static void
test_mrd_guided_vs_continuous(void **state)
{
    (void) state;
    static patient_t g[R], c[R];
    mw_scenario_t guided, cont, none;

    mw_test_scenario_file(&guided, "mrd-stop");
    cont = guided;
    mw_test_set(&cont, "policies[0].when.below=-1"); /* the header's continuous arm */
    mw_test_set(&cont, "policies[1].when.above=2");
    none = guided;
    none.monitoring.n_policies = 0;
    for (uint32_t i = 0; i < R; i++) {
        g[i] = patient(&guided, i);
        c[i] = patient(&cont, i);
        assert_int_equal(c[i].stops + c[i].resumes, 0);
    }
    /* the overrides give the same patients as no policies at all */
    for (uint32_t i = 0; i < 3; i++) {
        patient_t n = patient(&none, i);
        printf("  patient %u continuous: %d doses, progression day %g, %.4g cells; "
               "without policies: %d, %g, %.4g\n",
               i, c[i].doses, c[i].prog_day, c[i].cells, n.doses, n.prog_day, n.cells);
        assert_int_equal(n.doses, c[i].doses);
        assert_true(n.cells == c[i].cells);
    }

    /* time on treatment */
    double sg = 0, sc = 0, sgn = 0, scn = 0;
    int nfree = 0, stops = 0, resumes = 0;
    for (int i = 0; i < R; i++) {
        sg += g[i].doses;
        sc += c[i].doses;
        stops += g[i].stops;
        resumes += g[i].resumes;
        if (isnan(g[i].prog_day) && isnan(c[i].prog_day)) {
            sgn += g[i].doses;
            scn += c[i].doses;
            nfree++;
        }
    }
    double mg = sg / R, mc = sc / R, ratio = mg / mc;
    double s85 = 0, s85sq = 0, sr = 0, srsq = 0;
    for (int i = 0; i < R; i++) {
        double d85 = g[i].doses - 0.85 * c[i].doses, dr = g[i].doses - ratio * c[i].doses;
        s85 += d85;
        s85sq += d85 * d85;
        sr += dr;
        srsq += dr * dr;
    }
    double se85 = sqrt((s85sq - s85 * s85 / R) / (R - 1) / R);
    double se_ratio =
        sqrt((srsq - sr * sr / R) / (R - 1) / R) / mc; /* delta method, paired */
    double z85 = (s85 / R) / se85;
    printf("  doses per patient: guided %.1f, continuous %.1f, ratio %.3f (se %.3f); "
           "z against 85%% %+.2f\n",
           mg, mc, ratio, se_ratio, z85);
    printf("  %d patients free of progression in both arms: guided %.1f, continuous %.1f "
           "doses (ratio %.3f)\n",
           nfree, sgn / nfree, scn / nfree, sgn / scn);
    printf("  guided arm: %.2f stops, %.2f resumes per patient\n", (double) stops / R,
           (double) resumes / R);
    assert_true(z85 <= -4);
    assert_z(ratio, 0.75, se_ratio, 4);

    /* progression by 5 and 10 years */
    int kg5 = 0, kc5 = 0, kg = 0, kc = 0, only_g = 0, only_c = 0;
    for (int i = 0; i < R; i++) {
        kg5 += progressed_by(&g[i], FIVE_YEARS);
        kc5 += progressed_by(&c[i], FIVE_YEARS);
        int pg = progressed_by(&g[i], guided.horizon_days);
        int pc = progressed_by(&c[i], guided.horizon_days);
        kg += pg;
        kc += pc;
        only_g += pg && !pc;
        only_c += pc && !pg;
    }
    double z5 = two_prop_z("progressed by 5 years", kg5, kc5);
    double z10 = two_prop_z("progressed by 10 years", kg, kc);
    assert_true(fabs(z5) <= 4);
    assert_true(fabs(z10) <= 4);
    /* paired: the excess is (only guided - only continuous) / R */
    double excess = (double) (only_g - only_c) / R;
    double se_ex =
        sqrt((only_g + only_c) - (double) (only_g - only_c) * (only_g - only_c) / R) / R;
    if (se_ex < 1.0 / R) {
        se_ex = 1.0 / R; /* floor: one discordant patient */
    }
    printf("  10 years, paired: %d progressed only when guided, %d only on continuous; "
           "excess %.3f (se %.3f), upper bound excess + 4 se %.3f\n",
           only_g, only_c, excess, se_ex, excess + 4 * se_ex);
    assert_z(excess, 0.033, se_ex, 4);
    assert_true(excess + 4 * se_ex < 0.10);

    /* mechanism: a reservoir near the MRD limit when guided, eradication when not */
    double free_cells[R];
    int ng = 0, ext_g = 0, ext_c = 0;
    for (int i = 0; i < R; i++) {
        ext_g += g[i].extinct;
        ext_c += c[i].extinct;
        if (isnan(g[i].prog_day)) {
            free_cells[ng++] = g[i].cells;
        }
    }
    qsort(free_cells, (size_t) ng, sizeof(free_cells[0]), cmp_double);
    printf("  10 years: extinct guided %d/%d, continuous %d/%d; median tumour of the %d "
           "guided patients free of progression %.3g cells\n",
           ext_g, R, ext_c, R, ng, ng > 0 ? free_cells[ng / 2] : NAN);
    assert_int_equal(ext_g, 0);
    double fc = (double) ext_c / R;
    assert_z(fc, 0.455, sqrt(0.455 * 0.545 / R), 4);
    assert_true(ng > 0 && free_cells[ng / 2] >= 1e6 && free_cells[ng / 2] <= 1e7);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mrd_guided_vs_continuous),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
