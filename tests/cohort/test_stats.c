/* Survival statistics against published outputs and hand-worked cases.
 *
 * The published data set is Freireich et al. (Blood 1963;21:699), remission times in
 * weeks of acute leukaemia, 21 patients on 6-mercaptopurine and 21 on placebo
 * (R's MASS::gehan, Stata's gehan.dta); the references are
 *   - R survival::survfit / summary / print (Venables & Ripley, MASS 4th ed. 13.1;
 *     Kleinbaum & Klein, Survival Analysis 3rd ed. ch. 2): S(t), Greenwood se, the
 *     log and log-log intervals, medians 23 (16, NA) and 8 (4, 12) [log intervals];
 *   - R survival::survdiff: chi-square 16.8 on 1 df, p = 4.17e-05, expected 19.3 and
 *     10.7;
 *   - Stata stcox (Breslow ties) as printed by G. Rodriguez, "Cox regression of the
 *     Gehan data" (Princeton WWS 509): HR treated 0.2210887, se 0.0905501, 95 % CI
 *     0.0990706 - 0.4933877, log likelihoods -93.98505 (b = 0) and -86.379622,
 *     LR chi2 15.21;
 *   - R survival::coxph (Efron ties, its default): coef 1.572, se 0.412, HR 4.82,
 *     z 3.81 for placebo against 6-MP;
 *   - Newcombe (Stat Med 1998;17:857) Table I, Wilson score intervals.
 * Every other expected value is worked by hand in the comment beside it. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cohort/stats.h"
#include "testlib.h"

/* |a - b| <= tol for doubles (this cmocka's assert_float_equal is single precision). */
#define assert_dbl(a, b, tol) dbl_equal((a), (b), (tol), #a, __FILE__, __LINE__)

static void
dbl_equal(double a, double b, double tol, const char *what, const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) {
        fail_msg("%s:%d: %s = %.17g, expected %.17g", file, line, what, a, b);
    }
}

#define assert_inf(a) assert_true(isinf(a) && (a) > 0)

/* Freireich 6-MP arm (* censored): 6,6,6,6*,7,9*,10,10*,11*,13,16,17*,19*,20*,22,23,
 * 25*,32*,32*,34*,35*; placebo: 1,1,2,2,3,4,4,5,5,8,8,8,8,11,11,12,12,15,17,22,23. */
static const double mp_t[21] = {6,  6,  6,  6,  7,  9,  10, 10, 11, 13, 16,
                                17, 19, 20, 22, 23, 25, 32, 32, 34, 35};
static const int mp_e[21] = {1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1,
                             0, 0, 0, 1, 1, 0, 0, 0, 0, 0};
static const double pl_t[21] = {1, 1, 2,  2,  3,  4,  4,  5,  5,  8, 8,
                                8, 8, 11, 11, 12, 12, 15, 17, 22, 23};

/* Both arms stacked (given in shuffled order: every function sorts a copy);
 * arm 1 = placebo unless `mp_is_1`. */
static void
gehan(double *t, int *e, int *arm, int mp_is_1)
{
    for (int i = 0; i < 21; i++) {
        /* interleave the arms, the placebo arm reversed */
        t[2 * i] = mp_t[i];
        e[2 * i] = mp_e[i];
        arm[2 * i] = mp_is_1;
        t[2 * i + 1] = pl_t[20 - i];
        e[2 * i + 1] = 1;
        arm[2 * i + 1] = !mp_is_1;
    }
}

/* The row of a fit at time t (fails if absent). */
static int
row(const mw_km_t *km, double t)
{
    for (int j = 0; j < km->m; j++) {
        if (km->time[j] == t) {
            return j;
        }
    }
    fail_msg("no row at %g", t);
    return -1;
}

/* ------------------------------------------------------------------------------
 * Kaplan-Meier
 * ---------------------------------------------------------------------------- */

static void
test_km_6mp(void **state)
{
    (void) state;
    mw_km_t km;
    assert_int_equal(mw__km_fit(&km, mp_t, mp_e, 21, MW_KM_CI_LOGLOG), 0);
    printf("  time n.risk n.event n.censor  surv     se       lower    upper\n");
    for (int j = 0; j < km.m; j++) {
        printf("  %4g %6d %7d %8d  %.5f  %.5f  %.5f  %.5f\n", km.time[j], km.n_risk[j],
               km.n_event[j], km.n_censor[j], km.surv[j], km.se[j], km.lower[j],
               km.upper[j]);
    }
    assert_int_equal(km.n, 21);
    assert_int_equal(km.n_events, 9);
    /* distinct times 6 7 9 10 11 13 16 17 19 20 22 23 25 32 34 35 */
    assert_int_equal(km.m, 16);
    assert_dbl(km.t_max, 35, 0);

    /* Event rows.  S exactly: 18/21 = 6/7; x 16/17 = 96/119; x 14/15 = 64/85;
     * x 11/12 = 176/255; x 10/11 = 32/51; x 6/7 = 64/119; x 5/6 = 160/357.
     * Published (R summary(survfit)): 0.857 0.807 0.753 0.690 0.627 0.538 0.448. */
    const double t[7] = {6, 7, 10, 13, 16, 22, 23};
    const int nrisk[7] = {21, 17, 15, 12, 11, 7, 6};
    const int nev[7] = {3, 1, 1, 1, 1, 1, 1};
    const double s[7] = {6.0 / 7,   96.0 / 119, 64.0 / 85,  176.0 / 255,
                         32.0 / 51, 64.0 / 119, 160.0 / 357};
    const double s_pub[7] = {0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448};
    /* Greenwood se, published (R): by hand for the first three,
     *   t = 6:  G = 3/(21*18) = 1/126 = 0.0079365;  se = (6/7) sqrt(G) = 0.857143 *
     *           0.0890871 = 0.0763604
     *   t = 7:  G += 1/(17*16) = 0.0036765 -> 0.0116130;  sqrt 0.1077635;
     *           se = 0.806723 * 0.1077635 = 0.0869353
     *   t = 10: G += 1/(15*14) = 0.0047619 -> 0.0163749;  sqrt 0.1279644;
     *           se = 0.752941 * 0.1279644 = 0.0963497 */
    const double se_pub[7] = {0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346};
    /* log-log intervals, published (R conf.type = "log-log"; Stata sts list).  By hand
     * at t = 6: log S = -0.1541507, w = exp(1.959964 * 0.0890871 / 0.1541507) =
     * exp(1.1327065) = 3.104046;  lower = S^w = exp(-0.4784908) = 0.619718,
     * upper = S^(1/w) = exp(-0.0496612) = 0.951552. */
    const double lo_ll[7] = {0.620, 0.563, 0.503, 0.432, 0.368, 0.268, 0.188};
    const double hi_ll[7] = {0.952, 0.923, 0.889, 0.849, 0.805, 0.747, 0.680};
    for (int i = 0; i < 7; i++) {
        int j = row(&km, t[i]);
        assert_int_equal(km.n_risk[j], nrisk[i]);
        assert_int_equal(km.n_event[j], nev[i]);
        assert_dbl(km.surv[j], s[i], 1e-15);
        assert_dbl(km.surv[j], s_pub[i], 5e-4);
        assert_dbl(km.se[j], se_pub[i], 5e-5);
        assert_dbl(km.lower[j], lo_ll[i], 5e-4);
        assert_dbl(km.upper[j], hi_ll[i], 5e-4);
    }
    assert_dbl(km.se[row(&km, 6)], 0.0763604, 1e-7);
    assert_dbl(km.se[row(&km, 7)], 0.0869353, 1e-7);
    assert_dbl(km.se[row(&km, 10)], 0.0963497, 1e-7);
    assert_dbl(km.se_log[row(&km, 6)], sqrt(1.0 / 126), 1e-15);
    assert_dbl(km.lower[row(&km, 6)], 0.619718, 1e-6);
    assert_dbl(km.upper[row(&km, 6)], 0.951552, 1e-6);

    /* Censoring rows: the tie at 6 (3 events, then 6* censored), 9* alone, 32* twice. */
    assert_int_equal(km.n_censor[row(&km, 6)], 1);
    int j9 = row(&km, 9);
    assert_int_equal(km.n_event[j9], 0);
    assert_int_equal(km.n_censor[j9], 1);
    assert_int_equal(km.n_risk[j9], 16);
    assert_dbl(km.surv[j9], 96.0 / 119, 1e-15); /* flat since 7 */
    assert_dbl(km.lower[j9], km.lower[row(&km, 7)], 0);
    assert_int_equal(km.n_censor[row(&km, 32)], 2);
    assert_int_equal(km.n_risk[row(&km, 35)], 1);
    mw__km_free(&km);
    assert_null(km.time);
    mw__km_free(&km); /* twice is fine */
}

static void
test_km_log_intervals(void **state)
{
    (void) state;
    mw_km_t km;
    assert_int_equal(mw__km_fit(&km, mp_t, mp_e, 21, MW_KM_CI_LOG), 0);
    /* R's default conf.type = "log" (MASS 13.1): S exp(-/+ 1.96 se/S), capped at 1.
     * At t = 13 by hand: G = 0.0163749 + 1/(12*11) = 0.0239507, sqrt 0.1547601;
     * lower = 0.690196 exp(-0.3033239) = 0.690196 * 0.7383599 = 0.509613 (> 0.5), and
     * at 16: G += 1/110 -> 0.0330415, sqrt 0.1817733; lower = 0.627451 *
     * exp(-0.3562692) = 0.439394 (<= 0.5): the median's lower limit below. */
    const double t[7] = {6, 7, 10, 13, 16, 22, 23};
    const double lo[7] = {0.720, 0.653, 0.586, 0.510, 0.439, 0.337, 0.249};
    const double hi[7] = {1.000, 0.996, 0.968, 0.935, 0.896, 0.858, 0.807};
    for (int i = 0; i < 7; i++) {
        int j = row(&km, t[i]);
        assert_dbl(km.lower[j], lo[i], 5e-4);
        assert_dbl(km.upper[j], hi[i], 5e-4);
    }
    assert_dbl(km.upper[row(&km, 6)], 1.0, 0); /* 0.857 exp(0.1746) = 1.021, capped */
    assert_dbl(km.lower[row(&km, 13)], 0.509613, 1e-6);
    mw__km_free(&km);
}

static void
test_km_median(void **state)
{
    (void) state;
    mw_km_t km;
    mw_km_quantile_t q;
    /* 6-MP, log-log: S first <= 0.5 at 23 (0.448; 0.538 at 22).  Lower pointwise curve
     * 0.620 0.563 0.503 0.432 at 6 7 10 13: first <= 0.5 at 13 (at 10, by hand:
     * G = 0.0163749, w = exp(1.959964 * 0.1279644 / 0.2837682) = 2.420175, lower =
     * exp(-0.2837682 * 2.420175) = 0.503200 > 0.5).  Upper curve never below 0.680:
     * not reached.  So 23 (13, inf). */
    assert_int_equal(mw__km_fit(&km, mp_t, mp_e, 21, MW_KM_CI_LOGLOG), 0);
    mw__km_median(&km, &q);
    assert_dbl(q.est, 23, 0);
    assert_dbl(q.lower, 13, 0);
    assert_inf(q.upper);
    mw__km_free(&km);
    /* 6-MP, log intervals: R prints median 23, 0.95LCL 16, 0.95UCL NA. */
    assert_int_equal(mw__km_fit(&km, mp_t, mp_e, 21, MW_KM_CI_LOG), 0);
    mw__km_median(&km, &q);
    assert_dbl(q.est, 23, 0);
    assert_dbl(q.lower, 16, 0);
    assert_inf(q.upper);
    mw__km_free(&km);

    int pl_e[21];
    for (int i = 0; i < 21; i++) {
        pl_e[i] = 1;
    }
    /* Placebo, log intervals: R prints 8 (4, 12). */
    assert_int_equal(mw__km_fit(&km, pl_t, pl_e, 21, MW_KM_CI_LOG), 0);
    mw__km_median(&km, &q);
    assert_dbl(q.est, 8, 0);
    assert_dbl(q.lower, 4, 0);
    assert_dbl(q.upper, 12, 0);
    /* S hits 0 at 23 (n = d = 1): se 0, interval undefined. */
    int j = row(&km, 23);
    assert_dbl(km.surv[j], 0, 0);
    assert_dbl(km.se[j], 0, 0);
    assert_inf(km.se_log[j]);
    assert_true(isnan(km.lower[j]) && isnan(km.upper[j]));
    mw__km_free(&km);
    /* Placebo, log-log, by hand: S = 8/21 = 0.381 first <= 0.5 at 8.  Lower curve at
     * 4: S = 2/3, G = 2/(21*19) + 2/(19*17) + 1/(17*16) + 2/(16*14) = 1/42,
     * w = exp(1.959964 * 0.1543033 / 0.4054651) = 2.108300, lower = (2/3)^w =
     * 0.425350 <= 0.5 (at 3 it is 0.519).  Upper curve at 11: S = 2/7, G = 1/42 +
     * 2/(14*12) + 4/(12*8) + 2/(8*6) = 0.1190476, w = exp(1.959964 * 0.3450328 /
     * 1.2527630) = 1.715678, upper = (2/7)^(1/w) = 0.481820 <= 0.5 (0.578 at 8).
     * So 8 (4, 11). */
    assert_int_equal(mw__km_fit(&km, pl_t, pl_e, 21, MW_KM_CI_LOGLOG), 0);
    mw__km_median(&km, &q);
    assert_dbl(q.est, 8, 0);
    assert_dbl(q.lower, 4, 0);
    assert_dbl(q.upper, 11, 0);
    assert_dbl(km.lower[row(&km, 4)], 0.425350, 1e-6);
    assert_dbl(km.upper[row(&km, 11)], 0.481820, 1e-6);
    /* Other quantiles: S first <= 0.75 at 4 (0.667), <= 0.25 at 12 (0.190). */
    assert_int_equal(mw__km_quantile(&km, 0.75, &q), 0);
    assert_dbl(q.est, 4, 0);
    assert_int_equal(mw__km_quantile(&km, 0.25, &q), 0);
    assert_dbl(q.est, 12, 0);
    assert_int_equal(mw__km_quantile(&km, 1.0, &q), MW_ERR_BAD_PARAM);
    assert_int_equal(mw__km_quantile(&km, 0.0, &q), MW_ERR_BAD_PARAM);
    mw__km_free(&km);
}

static void
test_km_landmark_and_risk(void **state)
{
    (void) state;
    mw_km_t km;
    mw_km_point_t p;
    assert_int_equal(mw__km_fit(&km, mp_t, mp_e, 21, MW_KM_CI_LOGLOG), 0);
    /* t = 12: S(10) = 64/85 holds; at risk T >= 12: 13 16 17 19 20 22 23 25 32 32 34
     * 35 = 12; events by 12: 6 6 6 7 10 = 5; censored by 12: 6 9 10 11 = 4. */
    mw__km_at(&km, 12, &p);
    assert_dbl(p.surv, 64.0 / 85, 1e-15);
    assert_dbl(p.se, 0.0963497, 1e-7);
    assert_dbl(p.lower, 0.503, 5e-4);
    assert_dbl(p.upper, 0.889, 5e-4);
    assert_int_equal(p.n_risk, 12);
    assert_int_equal(p.n_event, 5);
    assert_int_equal(p.n_censor, 4);
    /* t = 6 exactly: all 21 at risk; the step at 6 included (right-continuous). */
    mw__km_at(&km, 6, &p);
    assert_dbl(p.surv, 6.0 / 7, 1e-15);
    assert_int_equal(p.n_risk, 21);
    assert_int_equal(p.n_event, 3);
    assert_int_equal(p.n_censor, 1);
    /* t = 0: before anything. */
    mw__km_at(&km, 0, &p);
    assert_dbl(p.surv, 1, 0);
    assert_dbl(p.se, 0, 0);
    assert_dbl(p.lower, 1, 0);
    assert_dbl(p.upper, 1, 0);
    assert_int_equal(p.n_risk, 21);
    assert_int_equal(p.n_event + p.n_censor, 0);
    /* t = 35 = t_max: S(23) = 160/357, one at risk; t = 36: beyond follow-up. */
    mw__km_at(&km, 35, &p);
    assert_dbl(p.surv, 160.0 / 357, 1e-15);
    assert_int_equal(p.n_risk, 1);
    mw__km_at(&km, 36, &p);
    assert_true(isnan(p.surv) && isnan(p.se) && isnan(p.lower) && isnan(p.upper));
    assert_int_equal(p.n_risk, 0);
    assert_int_equal(p.n_event, 9);
    assert_int_equal(p.n_censor, 12);
    mw__km_free(&km);
}

static void
test_km_no_censoring(void **state)
{
    (void) state;
    mw_km_t km;
    mw_km_quantile_t q;
    /* Times 4 3 1 2, all events: S = 3/4 1/2 1/4 0, the empirical survival, and
     * Greenwood reduces to the binomial sqrt(S (1 - S) / n): at 1, G = 1/(4*3) = 1/12,
     * se = 0.75 sqrt(1/12) = sqrt(0.75 * 0.25 / 4) = 0.2165064; at 2, G = 1/12 +
     * 1/(3*2) = 1/4, se = 0.5 * 0.5 = 0.25 = sqrt(0.5 * 0.5 / 4). */
    const double t[4] = {4, 3, 1, 2};
    const int e[4] = {1, 1, 1, 1};
    assert_int_equal(mw__km_fit(&km, t, e, 4, MW_KM_CI_LOGLOG), 0);
    assert_int_equal(km.m, 4);
    for (int j = 0; j < 4; j++) {
        double s = (3.0 - j) / 4;
        assert_dbl(km.time[j], j + 1, 0);
        assert_int_equal(km.n_risk[j], 4 - j);
        assert_dbl(km.surv[j], s, 1e-15);
        if (s > 0) {
            assert_dbl(km.se[j], sqrt(s * (1 - s) / 4), 1e-15);
        }
    }
    /* S = 0.5 exactly from 2 until 3: R's midpoint rule gives 2.5, the sample median. */
    mw__km_median(&km, &q);
    assert_dbl(q.est, 2.5, 0);
    mw__km_free(&km);
    /* Five times 1..5: S = 0.8 0.6 0.4 ...: median 3, as the sample median. */
    const double t5[5] = {5, 1, 4, 2, 3};
    const int e5[5] = {1, 1, 1, 1, 1};
    assert_int_equal(mw__km_fit(&km, t5, e5, 5, MW_KM_CI_LOGLOG), 0);
    mw__km_median(&km, &q);
    assert_dbl(q.est, 3, 0);
    mw__km_free(&km);
    /* A flat at 0.5 to the end of follow-up: 1, 2, 3*, 4*: S = 0.75, 0.5 from 2 on;
     * R takes (2 + t_max)/2 = 3. */
    const double tf[4] = {1, 2, 3, 4};
    const int ef[4] = {1, 1, 0, 0};
    assert_int_equal(mw__km_fit(&km, tf, ef, 4, MW_KM_CI_LOGLOG), 0);
    mw__km_median(&km, &q);
    assert_dbl(q.est, 3, 0);
    mw__km_free(&km);
}

static void
test_km_all_censored(void **state)
{
    (void) state;
    mw_km_t km;
    mw_km_quantile_t q;
    mw_km_point_t p;
    const double t[3] = {5, 2, 9};
    const int e[3] = {0, 0, 0};
    assert_int_equal(mw__km_fit(&km, t, e, 3, MW_KM_CI_LOGLOG), 0);
    assert_int_equal(km.n_events, 0);
    assert_int_equal(km.m, 3);
    for (int j = 0; j < km.m; j++) {
        assert_dbl(km.surv[j], 1, 0);
        assert_dbl(km.se[j], 0, 0);
        assert_dbl(km.lower[j], 1, 0);
        assert_dbl(km.upper[j], 1, 0);
    }
    mw__km_median(&km, &q);
    assert_inf(q.est);
    assert_inf(q.lower);
    assert_inf(q.upper);
    mw__km_at(&km, 9, &p);
    assert_dbl(p.surv, 1, 0);
    assert_int_equal(p.n_risk, 1);
    assert_int_equal(p.n_censor, 3);
    mw__km_free(&km);
}

static void
test_km_tie_event_censoring(void **state)
{
    (void) state;
    mw_km_t km;
    /* 2, 2*, 3, 4*: the censoring at 2 is at risk for the event at 2 (events first):
     * S(2) = 3/4 (not 2/3), then at 3 the risk set is {3, 4*}: S(3) = 3/4 * 1/2 = 3/8.
     * G(3) = 1/(4*3) + 1/(2*1) = 7/12; se = 3/8 sqrt(7/12) = 0.2864110. */
    const double t[4] = {3, 2, 4, 2};
    const int e[4] = {1, 0, 0, 1};
    assert_int_equal(mw__km_fit(&km, t, e, 4, MW_KM_CI_LOGLOG), 0);
    assert_int_equal(km.m, 3);
    assert_int_equal(km.n_risk[0], 4);
    assert_int_equal(km.n_event[0], 1);
    assert_int_equal(km.n_censor[0], 1);
    assert_dbl(km.surv[0], 0.75, 0);
    assert_int_equal(km.n_risk[1], 2);
    assert_dbl(km.surv[1], 0.375, 0);
    assert_dbl(km.se[1], 0.375 * sqrt(7.0 / 12), 1e-15);
    assert_dbl(km.se[1], 0.2864110, 1e-7);
    mw__km_free(&km);
}

static void
test_km_single_and_empty(void **state)
{
    (void) state;
    mw_km_t km;
    mw_km_quantile_t q;
    mw_km_point_t p;
    /* One patient, event at 5: S(5) = 0; the median is 5, its interval cannot be
     * estimated (both pointwise curves undefined at S = 0, 1 before), as R's NA NA. */
    const double t = 5;
    const int ev = 1, cens = 0;
    assert_int_equal(mw__km_fit(&km, &t, &ev, 1, MW_KM_CI_LOGLOG), 0);
    assert_int_equal(km.m, 1);
    assert_dbl(km.surv[0], 0, 0);
    mw__km_median(&km, &q);
    assert_dbl(q.est, 5, 0);
    assert_inf(q.lower);
    assert_inf(q.upper);
    mw__km_at(&km, 7, &p); /* beyond follow-up but the curve is at 0: stays 0 */
    assert_dbl(p.surv, 0, 0);
    mw__km_at(&km, 4, &p);
    assert_dbl(p.surv, 1, 0);
    assert_int_equal(p.n_risk, 1);
    mw__km_free(&km);
    /* One patient censored at 5: S = 1, median not reached. */
    assert_int_equal(mw__km_fit(&km, &t, &cens, 1, MW_KM_CI_LOG), 0);
    mw__km_median(&km, &q);
    assert_inf(q.est);
    mw__km_free(&km);
    /* Nobody: an empty fit, nothing estimable. */
    assert_int_equal(mw__km_fit(&km, NULL, NULL, 0, MW_KM_CI_LOGLOG), 0);
    assert_int_equal(km.m, 0);
    mw__km_median(&km, &q);
    assert_inf(q.est);
    mw__km_at(&km, 1, &p);
    assert_true(isnan(p.surv));
    assert_int_equal(p.n_risk, 0);
    mw__km_free(&km);
}

static void
test_km_misuse(void **state)
{
    (void) state;
    mw_km_t km;
    const double t[2] = {1, NAN};
    const int e[2] = {1, 1}, bad[2] = {1, 2};
    assert_int_equal(mw__km_fit(&km, t, e, 2, MW_KM_CI_LOGLOG), MW_ERR_BAD_PARAM);
    assert_null(km.time);
    assert_int_equal(mw__km_fit(&km, t, bad, 1, MW_KM_CI_LOGLOG), 0);
    mw__km_free(&km);
    assert_int_equal(mw__km_fit(&km, t, bad, 2, MW_KM_CI_LOGLOG), MW_ERR_BAD_PARAM);
    assert_int_equal(mw__km_fit(&km, t, e, 1, 7), MW_ERR_BAD_PARAM);
    assert_int_equal(mw__km_fit(&km, t, e, -1, MW_KM_CI_LOG), MW_ERR_BAD_PARAM);
}

/* ------------------------------------------------------------------------------
 * Log-rank
 * ---------------------------------------------------------------------------- */

static void
test_logrank_gehan(void **state)
{
    (void) state;
    double t[42];
    int e[42], arm[42];
    mw_logrank_t lr;
    gehan(t, e, arm, 0);
    assert_int_equal(mw__logrank(t, e, arm, 42, &lr), 0);
    printf("  O %g %g  E %.6f %.6f  V %.6f  chisq %.6f  p %.6g\n", lr.observed[0],
           lr.observed[1], lr.expected[0], lr.expected[1], lr.var, lr.chisq, lr.p);
    /* R survdiff: 6-MP N 21, O 9, E 19.3; control N 21, O 21, E 10.7;
     * Chisq = 16.8 on 1 degrees of freedom, p = 4.17e-05. */
    assert_int_equal(lr.n[0], 21);
    assert_int_equal(lr.n[1], 21);
    assert_dbl(lr.observed[0], 9, 0);
    assert_dbl(lr.observed[1], 21, 0);
    assert_dbl(lr.expected[0], 19.3, 0.05);
    assert_dbl(lr.expected[1], 10.7, 0.05);
    assert_dbl(lr.expected[0] + lr.expected[1], 30, 1e-12);
    assert_dbl(lr.chisq, 16.8, 0.05);
    assert_dbl(lr.p, 4.17e-5, 0.005e-5);
    /* (O - E)^2 / E columns as printed: 5.46 and 9.77. */
    assert_dbl(pow(lr.observed[0] - lr.expected[0], 2) / lr.expected[0], 5.46, 0.005);
    assert_dbl(pow(lr.observed[1] - lr.expected[1], 2) / lr.expected[1], 9.77, 0.005);
    /* Swapping the arms changes nothing but the labels. */
    mw_logrank_t sw;
    gehan(t, e, arm, 1);
    assert_int_equal(mw__logrank(t, e, arm, 42, &sw), 0);
    assert_dbl(sw.chisq, lr.chisq, 1e-12);
    assert_dbl(sw.expected[1], lr.expected[0], 1e-12);
}

static void
test_logrank_hand(void **state)
{
    (void) state;
    mw_logrank_t lr;
    /* arm 0: 1, 2*;  arm 1: 1.  At t = 1: n = 3, n1 = 1, d = 2:
     * E1 = 2/3, V = 2 (1/3)(2/3)(3 - 2)/(3 - 1) = 2/9, O1 = 1,
     * chisq = (1/3)^2 / (2/9) = 1/2, p = erfc(1/2) = 0.4795001. */
    const double t[3] = {1, 2, 1};
    const int e[3] = {1, 0, 1}, arm[3] = {0, 0, 1};
    assert_int_equal(mw__logrank(t, e, arm, 3, &lr), 0);
    assert_dbl(lr.expected[1], 2.0 / 3, 1e-15);
    assert_dbl(lr.expected[0], 4.0 / 3, 1e-15);
    assert_dbl(lr.var, 2.0 / 9, 1e-15);
    assert_dbl(lr.chisq, 0.5, 1e-14);
    assert_dbl(lr.p, 0.4795001221869535, 1e-12);
    /* No events: no test. */
    const int none[3] = {0, 0, 0};
    assert_int_equal(mw__logrank(t, none, arm, 3, &lr), 0);
    assert_dbl(lr.var, 0, 0);
    assert_true(isnan(lr.chisq) && isnan(lr.p));
    const int bad_arm[3] = {0, 2, 1};
    assert_int_equal(mw__logrank(t, e, bad_arm, 3, &lr), MW_ERR_BAD_PARAM);
    assert_int_equal(mw__logrank(t, e, NULL, 3, &lr), MW_ERR_BAD_PARAM);
}

/* ------------------------------------------------------------------------------
 * Cox
 * ---------------------------------------------------------------------------- */

static void
print_cox(const mw_cox_t *c)
{
    printf("  status %d it %d coef %.7f se %.7f hr %.7f (%.7f, %.7f) wald p %.4g "
           "score %.4f lr %.4f l0 %.6f l %.6f\n",
           c->status, c->iterations, c->coef, c->se, c->hr, c->hr_lower, c->hr_upper,
           c->wald_p, c->score_chisq, c->lr_chisq, c->loglik0, c->loglik);
}

static void
test_cox_gehan_breslow(void **state)
{
    (void) state;
    double t[42];
    int e[42], arm[42];
    mw_cox_t c;
    /* Stata stcox treated (Breslow): HR 0.2210887, Std. Err. 0.0905501 (of the HR,
     * = HR se(coef)), z -3.68, 95 % CI 0.0990706 - 0.4933877, iteration 0 log
     * likelihood -93.98505, final -86.379622, LR chi2(1) 15.21. */
    gehan(t, e, arm, 1);
    assert_int_equal(mw__cox_binary(t, e, arm, 42, MW_COX_BRESLOW, &c), 0);
    print_cox(&c);
    assert_int_equal(c.status, MW_COX_OK);
    assert_int_equal(c.n[1], 21);
    assert_int_equal(c.events[1], 9);
    assert_dbl(c.hr, 0.2210887, 5e-8);
    assert_dbl(c.hr * c.se, 0.0905501, 5e-8);
    assert_dbl(c.coef / c.se, -3.68, 0.005);
    assert_dbl(c.hr_lower, 0.0990706, 5e-8);
    assert_dbl(c.hr_upper, 0.4933877, 5e-8);
    assert_dbl(c.loglik0, -93.98505, 5e-6);
    assert_dbl(c.loglik, -86.379622, 5e-7);
    assert_dbl(c.lr_chisq, 15.21, 0.005);
    assert_true(c.wald_p < 0.001); /* Stata: P>|z| 0.000 */
    /* Placebo against 6-MP: coef 1.509, HR 4.523 = 1 / 0.2210887, the interval
     * inverted. */
    gehan(t, e, arm, 0);
    mw_cox_t p;
    assert_int_equal(mw__cox_binary(t, e, arm, 42, MW_COX_BRESLOW, &p), 0);
    assert_dbl(p.coef, 1.509, 5e-4);
    assert_dbl(p.hr, 1 / 0.2210887, 1e-6);
    assert_dbl(p.coef, -c.coef, 1e-9);
    assert_dbl(p.se, c.se, 1e-9);
    assert_dbl(p.hr_lower, 1 / c.hr_upper, 1e-8);
    assert_dbl(p.wald_p, c.wald_p, 1e-12);
    assert_dbl(p.lr_chisq, c.lr_chisq, 1e-8);
    assert_dbl(p.score_chisq, c.score_chisq, 1e-12);
}

static void
test_cox_gehan_efron(void **state)
{
    (void) state;
    double t[42];
    int e[42], arm[42];
    mw_cox_t c;
    /* R coxph(Surv(time, cens) ~ treat, gehan), placebo against 6-MP: coef 1.572,
     * exp(coef) 4.82, se(coef) 0.412, z 3.81. */
    gehan(t, e, arm, 0);
    assert_int_equal(mw__cox_binary(t, e, arm, 42, MW_COX_EFRON, &c), 0);
    print_cox(&c);
    assert_int_equal(c.status, MW_COX_OK);
    assert_int_equal(c.ties, MW_COX_EFRON);
    assert_dbl(c.coef, 1.572, 5e-4);
    assert_dbl(c.hr, 4.82, 5e-3);
    assert_dbl(c.se, 0.412, 5e-4);
    assert_dbl(c.coef / c.se, 3.81, 5e-3);
    assert_true(c.iterations < 10);
}

static void
test_cox_ties_hand(void **state)
{
    (void) state;
    mw_cox_t c;
    /* arm 0: 1, 2*;  arm 1: 1.  One event time, n0 = 2, n1 = 1, d0 = d1 = 1.
     * Breslow: l(b) = b - 2 log(2 + e^b); U = 1 - 2 e^b / (2 + e^b) = 0 at e^b = 2.
     *   I = 2 p (1 - p), p = 2/4: I = 1/2, se = sqrt 2.  l(0) = -2 log 3,
     *   U(0) = 1 - 2/3 = 1/3, I(0) = 2 (1/3)(2/3) = 4/9: score = (1/9)/(4/9) = 1/4.
     * Efron: l(b) = b - log(2 + e^b) - log(3/2 + e^b / 2); U = 0 when
     *   1 = x/(2 + x) + x/(3 + x), x = e^b: (2 + x)(3 + x) = x(3 + x) + x(2 + x),
     *   x^2 = 6: HR = sqrt 6.  There p1 = x/(2 + x) = 1 - p2 (p2 = x/(3 + x)), so
     *   I = 2 p1 (1 - p1) = 4 sqrt 6 / (10 + 4 sqrt 6) = 0.4948974, se = 1.4214854.
     *   l(0) = -log 3 - log 2 = -log 6; U(0) = 1 - 1/3 - 1/4 = 5/12,
     *   I(0) = 2/9 + 3/16 = 59/144: score = (25/144)/(59/144) = 25/59. */
    const double t[3] = {1, 2, 1};
    const int e[3] = {1, 0, 1}, arm[3] = {0, 0, 1};
    assert_int_equal(mw__cox_binary(t, e, arm, 3, MW_COX_BRESLOW, &c), 0);
    assert_int_equal(c.status, MW_COX_OK);
    assert_dbl(c.hr, 2, 1e-12);
    assert_dbl(c.se, sqrt(2), 1e-10);
    assert_dbl(c.loglik0, -2 * log(3), 1e-14);
    assert_dbl(c.loglik, log(2) - 2 * log(4), 1e-14);
    assert_dbl(c.score_chisq, 0.25, 1e-14);
    assert_int_equal(mw__cox_binary(t, e, arm, 3, MW_COX_EFRON, &c), 0);
    assert_int_equal(c.status, MW_COX_OK);
    assert_dbl(c.hr, sqrt(6), 1e-12);
    assert_dbl(c.se, 1.4214854, 1e-7);
    assert_dbl(c.loglik0, -log(6), 1e-14);
    assert_dbl(c.score_chisq, 25.0 / 59, 1e-14);
}

static void
test_cox_score_is_logrank(void **state)
{
    (void) state;
    /* Without tied event times the Breslow and Efron likelihoods coincide and the
     * score test at b = 0 is the log-rank test (every (n - d)/(n - 1) factor is 1). */
    const double t[7] = {1, 3, 5, 2, 4, 6, 3.5};
    const int e[7] = {1, 1, 0, 1, 1, 1, 0}, arm[7] = {0, 0, 0, 1, 1, 1, 1};
    mw_cox_t b, f;
    mw_logrank_t lr;
    assert_int_equal(mw__cox_binary(t, e, arm, 7, MW_COX_BRESLOW, &b), 0);
    assert_int_equal(mw__cox_binary(t, e, arm, 7, MW_COX_EFRON, &f), 0);
    assert_int_equal(mw__logrank(t, e, arm, 7, &lr), 0);
    assert_dbl(b.score_chisq, lr.chisq, 1e-12);
    assert_dbl(b.coef, f.coef, 1e-12);
    assert_dbl(b.loglik, f.loglik, 1e-12);
}

static void
test_cox_degenerate(void **state)
{
    (void) state;
    mw_cox_t c;
    /* arm 0 all censored (1*, 2*, 3*, 4*), arm 1 events at 1, 2, 3: no arm-0 events,
     * the likelihood rises for ever, HR = inf.  Event times (n0, n1): 1 (4, 3),
     * 2 (3, 2), 3 (2, 1).  Score at 0: U = 4/7 + 3/5 + 2/3 = 193/105,
     * I = 12/49 + 6/25 + 2/9 = 7796/11025, chisq = 193^2/7796 = 37249/7796.
     * l(0) = -log(7 5 3) = -log 105; l(+inf) = -log(3 2 1) = -log 6;
     * LR = 2 log(105/6) = 2 log 17.5. */
    const double t[7] = {1, 2, 3, 4, 1, 2, 3};
    const int e[7] = {0, 0, 0, 0, 1, 1, 1}, arm[7] = {0, 0, 0, 0, 1, 1, 1};
    assert_int_equal(mw__cox_binary(t, e, arm, 7, MW_COX_EFRON, &c), 0);
    print_cox(&c);
    assert_int_equal(c.status, MW_COX_INFINITE);
    assert_int_equal(c.events[0], 0);
    assert_inf(c.coef);
    assert_inf(c.hr);
    assert_inf(c.se);
    assert_true(isnan(c.hr_lower));
    assert_inf(c.hr_upper);
    assert_true(isnan(c.wald_p));
    assert_dbl(c.score_chisq, 37249.0 / 7796, 1e-12);
    assert_dbl(c.loglik0, -log(105), 1e-12);
    assert_dbl(c.loglik, -log(6), 1e-12);
    assert_dbl(c.lr_chisq, 2 * log(17.5), 1e-12);
    /* The mirror: arm 1 without events gives HR 0. */
    const int mirror[7] = {1, 1, 1, 1, 0, 0, 0};
    assert_int_equal(mw__cox_binary(t, e, mirror, 7, MW_COX_BRESLOW, &c), 0);
    assert_int_equal(c.status, MW_COX_INFINITE);
    assert_true(isinf(c.coef) && c.coef < 0);
    assert_dbl(c.hr, 0, 0);
    assert_dbl(c.hr_lower, 0, 0);
    assert_true(isnan(c.hr_upper));
    assert_dbl(c.lr_chisq, 2 * log(17.5), 1e-12);
    /* No events at all. */
    const int none[7] = {0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(mw__cox_binary(t, none, arm, 7, MW_COX_BRESLOW, &c), 0);
    assert_int_equal(c.status, MW_COX_NO_EVENTS);
    assert_true(isnan(c.hr) && isnan(c.score_p) && isnan(c.lr_p));
    /* Events only while the other arm is empty: arm 1 all censored at 0.5 before arm
     * 0's events at 1 and 2, a flat likelihood. */
    const double t2[4] = {1, 2, 0.5, 0.5};
    const int e2[4] = {1, 1, 0, 0}, a2[4] = {0, 0, 1, 1};
    assert_int_equal(mw__cox_binary(t2, e2, a2, 4, MW_COX_EFRON, &c), 0);
    assert_int_equal(c.status, MW_COX_NO_CONTRAST);
    assert_true(isnan(c.coef) && isnan(c.hr) && isnan(c.score_chisq));
    /* Nobody, and bad input. */
    assert_int_equal(mw__cox_binary(NULL, NULL, NULL, 0, MW_COX_EFRON, &c), 0);
    assert_int_equal(c.status, MW_COX_NO_EVENTS);
    assert_int_equal(mw__cox_binary(t, e, arm, 7, 5, &c), MW_ERR_BAD_PARAM);
    assert_int_equal(mw__cox_binary(t, e, NULL, 7, MW_COX_EFRON, &c), MW_ERR_BAD_PARAM);
}

/* ------------------------------------------------------------------------------
 * Per-time counts
 * ---------------------------------------------------------------------------- */

/* The same bits (so NAN matches NAN and -0 does not match 0). */
#define assert_same(a, b) same_bits((a), (b), #a, __FILE__, __LINE__)

static void
same_bits(double a, double b, const char *what, const char *file, int line)
{
    if (memcmp(&a, &b, sizeof(a)) != 0) {
        fail_msg("%s:%d: %s = %.17g, expected the same bits as %.17g", file, line, what,
                 a, b);
    }
}

static void
assert_same_km(const mw_km_t *a, const mw_km_t *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->n_events, b->n_events);
    assert_int_equal(a->conf_type, b->conf_type);
    assert_int_equal(a->m, b->m);
    assert_same(a->t_max, b->t_max);
    size_t nd = (size_t) a->m * sizeof(double), ni = (size_t) a->m * sizeof(int);
    if (a->m > 0) {
        assert_memory_equal(a->time, b->time, nd);
        assert_memory_equal(a->n_risk, b->n_risk, ni);
        assert_memory_equal(a->n_event, b->n_event, ni);
        assert_memory_equal(a->n_censor, b->n_censor, ni);
        assert_memory_equal(a->surv, b->surv, nd);
        assert_memory_equal(a->se, b->se, nd);
        assert_memory_equal(a->se_log, b->se_log, nd);
        assert_memory_equal(a->lower, b->lower, nd);
        assert_memory_equal(a->upper, b->upper, nd);
    }
}

static void
assert_same_logrank(const mw_logrank_t *a, const mw_logrank_t *b)
{
    for (int g = 0; g < 2; g++) {
        assert_int_equal(a->n[g], b->n[g]);
        assert_same(a->observed[g], b->observed[g]);
        assert_same(a->expected[g], b->expected[g]);
    }
    assert_same(a->var, b->var);
    assert_same(a->chisq, b->chisq);
    assert_same(a->p, b->p);
}

static void
assert_same_cox(const mw_cox_t *a, const mw_cox_t *b)
{
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->ties, b->ties);
    assert_int_equal(a->iterations, b->iterations);
    for (int g = 0; g < 2; g++) {
        assert_int_equal(a->n[g], b->n[g]);
        assert_int_equal(a->events[g], b->events[g]);
    }
    assert_same(a->coef, b->coef);
    assert_same(a->se, b->se);
    assert_same(a->hr, b->hr);
    assert_same(a->hr_lower, b->hr_lower);
    assert_same(a->hr_upper, b->hr_upper);
    assert_same(a->wald_p, b->wald_p);
    assert_same(a->score_chisq, b->score_chisq);
    assert_same(a->score_p, b->score_p);
    assert_same(a->loglik0, b->loglik0);
    assert_same(a->loglik, b->loglik);
    assert_same(a->lr_chisq, b->lr_chisq);
    assert_same(a->lr_p, b->lr_p);
}

#define TALLY_MAX 96

/* Records binned on a grid, as a trial that keeps only counts would. */
typedef struct {
    int m;
    double time[TALLY_MAX];
    int ev[2][TALLY_MAX], ce[2][TALLY_MAX];
} tally_t;

/* Count the records (arm NULL: all group 0) at each time of grid[0..m-1] (ascending,
 * holding every record time) by search, independently of the library's sort. */
static void
tally(tally_t *c, const double *grid, int m, const double *t, const int *e,
      const int *arm, int n)
{
    assert_true(m <= TALLY_MAX);
    memset(c, 0, sizeof(*c));
    c->m = m;
    for (int j = 0; j < m; j++) {
        c->time[j] = grid[j];
    }
    for (int i = 0; i < n; i++) {
        int j = 0;
        while (j < m && grid[j] != t[i]) {
            j++;
        }
        assert_true(j < m);
        int g = arm != NULL ? arm[i] : 0;
        if (e[i]) {
            c->ev[g][j]++;
        } else {
            c->ce[g][j]++;
        }
    }
}

/* The distinct times of t[0..n-1], ascending, into grid; returns how many. */
static int
distinct_times(const double *t, int n, double *grid)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        int j = 0;
        while (j < m && grid[j] < t[i]) {
            j++;
        }
        if (j < m && grid[j] == t[i]) {
            continue;
        }
        memmove(grid + j + 1, grid + j, (size_t) (m - j) * sizeof(double));
        grid[j] = t[i];
        m++;
    }
    return m;
}

static mw_counts2_t
counts2(const tally_t *c)
{
    mw_counts2_t v = {c->m, c->time, {c->ev[0], c->ev[1]}, {c->ce[0], c->ce[1]}};
    return v;
}

/* Heavy ties: 300 subjects on 5 times, events 2 in 3, arms by another pattern (a
 * Weyl-style sequence, so every time has both arms, events and censorings). */
#define HEAVY_N 300
static void
heavy(double *t, int *e, int *arm)
{
    for (int i = 0; i < HEAVY_N; i++) {
        t[i] = 1 + (i * 7) % 5;
        e[i] = (i * 13) % 3 != 0;
        arm[i] = (i * 11) % 4 < 2;
    }
}

/* KM, log-rank and Cox (both ties) from counts on grid[0..m] against the record
 * versions: the same bits. */
static void
check_counts_same(const double *t, const int *e, const int *arm, int n,
                  const double *grid, int m)
{
    tally_t c;
    mw_km_t a, b;
    for (int g = 0; g < 2; g++) {
        /* KM of group g alone (and of everyone with g = 0 when arm is NULL). */
        double tg[HEAVY_N];
        int eg[HEAVY_N], ng = 0;
        assert_true(n <= HEAVY_N);
        for (int i = 0; i < n; i++) {
            if (arm == NULL ? g == 0 : arm[i] == g) {
                tg[ng] = t[i];
                eg[ng++] = e[i];
            }
        }
        tally(&c, grid, m, tg, eg, NULL, ng);
        for (int ct = MW_KM_CI_LOGLOG; ct <= MW_KM_CI_LOG; ct++) {
            assert_int_equal(mw__km_fit(&a, tg, eg, ng, ct), 0);
            assert_int_equal(mw__km_fit_counts(&b, c.time, c.ev[0], c.ce[0], c.m, ct), 0);
            assert_same_km(&b, &a);
            mw__km_free(&a);
            mw__km_free(&b);
        }
    }
    if (arm == NULL) {
        return;
    }
    tally(&c, grid, m, t, e, arm, n);
    mw_counts2_t v = counts2(&c);
    mw_logrank_t la, lb;
    assert_int_equal(mw__logrank(t, e, arm, n, &la), 0);
    assert_int_equal(mw__logrank_counts(&v, &lb), 0);
    assert_same_logrank(&lb, &la);
    for (int ties = MW_COX_BRESLOW; ties <= MW_COX_EFRON; ties++) {
        mw_cox_t ca, cb;
        assert_int_equal(mw__cox_binary(t, e, arm, n, ties, &ca), 0);
        assert_int_equal(mw__cox_binary_counts(&v, ties, &cb), 0);
        assert_same_cox(&cb, &ca);
    }
}

static void
check_counts_same_tight(const double *t, const int *e, const int *arm, int n)
{
    double grid[TALLY_MAX];
    assert_true(n <= HEAVY_N);
    int m = distinct_times(t, n, grid);
    check_counts_same(t, e, arm, n, grid, m);
}

static void
test_counts_same_as_records(void **state)
{
    (void) state;
    /* The 6-MP arm as a trial that only kept counts would pass it: 3 events and 1
     * censoring at 6 (the tie), 1 event at 7, ... */
    const double tm[16] = {6, 7, 9, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 34, 35};
    const int dm[16] = {3, 1, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0};
    const int cm[16] = {1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 2, 1, 1};
    mw_km_t a, b;
    assert_int_equal(mw__km_fit(&a, mp_t, mp_e, 21, MW_KM_CI_LOGLOG), 0);
    assert_int_equal(mw__km_fit_counts(&b, tm, dm, cm, 16, MW_KM_CI_LOGLOG), 0);
    assert_same_km(&b, &a);
    assert_dbl(b.surv[row(&b, 23)], 160.0 / 357, 1e-15);
    mw__km_free(&a);
    mw__km_free(&b);

    /* Gehan, both arms (and each arm alone), either arm coded 1. */
    double t[42];
    int e[42], arm[42];
    for (int mp_is_1 = 0; mp_is_1 < 2; mp_is_1++) {
        gehan(t, e, arm, mp_is_1);
        check_counts_same_tight(t, e, arm, 42);
    }
    /* An event tied with a censoring in each arm, and a censoring tied with events of
     * the other arm. */
    const double tt[8] = {3, 2, 4, 2, 2, 3, 3, 5};
    const int te[8] = {1, 0, 0, 1, 1, 0, 1, 1}, ta[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    check_counts_same_tight(tt, te, ta, 8);
    /* Heavy ties (Efron's fractions at every time). */
    double ht[HEAVY_N];
    int he[HEAVY_N], ha[HEAVY_N];
    heavy(ht, he, ha);
    check_counts_same_tight(ht, he, ha, HEAVY_N);
    /* The hand-worked and degenerate sets above: no contrast, infinite HR, no events,
     * all censored, a single subject. */
    const double dt[7] = {1, 2, 3, 4, 1, 2, 3};
    const int de[7] = {0, 0, 0, 0, 1, 1, 1}, da[7] = {0, 0, 0, 0, 1, 1, 1};
    const int none[7] = {0, 0, 0, 0, 0, 0, 0};
    check_counts_same_tight(dt, de, da, 7);
    check_counts_same_tight(dt, none, da, 7);
    const double t2[4] = {1, 2, 0.5, 0.5};
    const int e2[4] = {1, 1, 0, 0}, a2[4] = {0, 0, 1, 1};
    check_counts_same_tight(t2, e2, a2, 4);
    check_counts_same_tight(dt, de, NULL, 1);
    check_counts_same_tight(dt, de + 4, NULL, 1);
    /* Nobody: m = 0. */
    check_counts_same(NULL, NULL, da, 0, NULL, 0);
    check_counts_same(NULL, NULL, NULL, 0, NULL, 0);
}

static void
test_counts_empty_rows(void **state)
{
    (void) state;
    /* Gehan on a grid of 0, 0.5, ..., 40 (81 rows, 64 without anyone): rows before the
     * first time, between times and after the last are skipped. */
    double grid[81];
    for (int j = 0; j < 81; j++) {
        grid[j] = 0.5 * j;
    }
    double t[42];
    int e[42], arm[42];
    gehan(t, e, arm, 1);
    check_counts_same(t, e, arm, 42, grid, 81);
    /* The fit has only the rows with someone, and t_max is the last of those (35), not
     * the grid's end. */
    tally_t c;
    mw_km_t km;
    tally(&c, grid, 81, mp_t, mp_e, NULL, 21);
    assert_int_equal(mw__km_fit_counts(&km, c.time, c.ev[0], c.ce[0], 81, 0), 0);
    assert_int_equal(km.m, 16);
    assert_dbl(km.t_max, 35, 0);
    mw__km_free(&km);
    /* Heavy ties on a grid of 0.25 steps. */
    double ht[HEAVY_N], hg[33];
    int he[HEAVY_N], ha[HEAVY_N];
    heavy(ht, he, ha);
    for (int j = 0; j < 33; j++) {
        hg[j] = 0.25 * j - 1;
    }
    check_counts_same(ht, he, ha, HEAVY_N, hg, 33);
    /* Only empty rows: nobody. */
    const int zero[3] = {0, 0, 0};
    assert_int_equal(mw__km_fit_counts(&km, grid, zero, zero, 3, 0), 0);
    assert_int_equal(km.m, 0);
    assert_int_equal(km.n, 0);
    assert_true(isnan(km.t_max));
    mw__km_free(&km);
}

static void
test_counts_large(void **state)
{
    (void) state;
    /* Gehan with every count times 50000: 2.1 million subjects in 0.5 kB of counts.
     * Every KM factor (k(n - d)) / (kn) is the same rational, so S has the same bits;
     * Greenwood's G is G / k; the Breslow likelihood is k times the original plus a
     * constant, so the same coefficient with score and LR statistics times k. */
    const int k = 50000;
    double t[42];
    int e[42], arm[42];
    gehan(t, e, arm, 1);
    double grid[42];
    int m = distinct_times(t, 42, grid);
    tally_t c, big;
    tally(&c, grid, m, t, e, arm, 42);
    big = c;
    for (int g = 0; g < 2; g++) {
        for (int j = 0; j < m; j++) {
            big.ev[g][j] *= k;
            big.ce[g][j] *= k;
        }
    }
    mw_km_t a, b;
    assert_int_equal(mw__km_fit_counts(&a, c.time, c.ev[1], c.ce[1], m, 0), 0);
    assert_int_equal(mw__km_fit_counts(&b, big.time, big.ev[1], big.ce[1], m, 0), 0);
    assert_int_equal(b.n, 21 * k);
    assert_int_equal(b.n_events, 9 * k);
    assert_int_equal(b.m, a.m);
    assert_memory_equal(b.surv, a.surv, (size_t) a.m * sizeof(double));
    for (int j = 0; j < a.m; j++) {
        assert_dbl(b.se_log[j] * sqrt(k), a.se_log[j], 1e-13);
    }
    mw__km_free(&a);
    mw__km_free(&b);
    mw_counts2_t v = counts2(&c), vb = counts2(&big);
    mw_cox_t ca, cb;
    assert_int_equal(mw__cox_binary_counts(&v, MW_COX_BRESLOW, &ca), 0);
    assert_int_equal(mw__cox_binary_counts(&vb, MW_COX_BRESLOW, &cb), 0);
    assert_int_equal(cb.status, MW_COX_OK);
    assert_int_equal(cb.n[0] + cb.n[1], 42 * k);
    assert_dbl(cb.coef, ca.coef, 1e-9);
    assert_dbl(cb.se * sqrt(k), ca.se, 1e-9);
    assert_dbl(cb.score_chisq / k, ca.score_chisq, 1e-9);
    assert_dbl(cb.lr_chisq / k, ca.lr_chisq, 1e-6);
    mw_logrank_t lb;
    assert_int_equal(mw__logrank_counts(&vb, &lb), 0);
    assert_dbl(lb.observed[0], 21.0 * k, 0);
    assert_dbl(lb.expected[0] + lb.expected[1], 30.0 * k, 1e-6);
}

static void
test_counts_misuse(void **state)
{
    (void) state;
    static const mw_km_t zero_km;
    const double t[3] = {1, 2, 3};
    const int one[3] = {1, 1, 1}, zero[3] = {0, 0, 0};
    mw_km_t km;
    /* A bad input leaves *km zeroed, whatever it held. */
#define KM_REJECTS(...)                                                               \
    do {                                                                              \
        memset(&km, 0xff, sizeof(km));                                                \
        assert_int_equal(mw__km_fit_counts(&km, __VA_ARGS__), MW_ERR_BAD_PARAM);      \
        assert_memory_equal(&km, &zero_km, sizeof(km));                               \
    } while (0)
    const double down[3] = {1, 3, 2}, same[3] = {1, 2, 2}, nan[3] = {1, NAN, 3};
    const double inf[3] = {1, 2, INFINITY}, ninf[3] = {-INFINITY, 2, 3};
    const int neg[3] = {1, -1, 1};
    KM_REJECTS(down, one, one, 3, 0);
    KM_REJECTS(same, one, one, 3, 0);
    KM_REJECTS(nan, one, one, 3, 0);
    KM_REJECTS(inf, one, one, 3, 0);
    KM_REJECTS(ninf, one, one, 3, 0);
    KM_REJECTS(t, neg, one, 3, 0);
    KM_REJECTS(t, one, neg, 3, 0);
    KM_REJECTS(t, one, one, -1, 0);
    KM_REJECTS(t, one, one, 3, 7);
    KM_REJECTS(NULL, one, one, 3, 0);
    KM_REJECTS(t, NULL, one, 3, 0);
    KM_REJECTS(t, one, NULL, 3, 0);
    /* Empty rows still need ascending times. */
    KM_REJECTS(down, zero, zero, 3, 0);
    /* More than INT_MAX subjects: risk sets would overflow. */
    const int huge[2] = {INT_MAX, 1};
    KM_REJECTS(t, huge, zero, 2, 0);
    KM_REJECTS(t, zero, huge, 2, 0);
#undef KM_REJECTS
    /* INT_MAX exactly is fine; nobody (m = 0, no arrays) is an empty fit. */
    assert_int_equal(mw__km_fit_counts(&km, t, huge, zero, 1, 0), 0);
    assert_int_equal(km.n, INT_MAX);
    assert_dbl(km.surv[0], 0, 0);
    mw__km_free(&km);
    assert_int_equal(mw__km_fit_counts(&km, NULL, NULL, NULL, 0, 1), 0);
    assert_int_equal(km.m, 0);
    assert_true(isnan(km.t_max));
    mw__km_free(&km);

    /* Two groups: chisq and p NAN, counts 0; Cox estimates NAN. */
    mw_counts2_t good = {3, t, {one, one}, {zero, zero}};
    mw_counts2_t bad[9];
    for (int i = 0; i < 9; i++) {
        bad[i] = good;
    }
    bad[0].time = down;
    bad[1].time = nan;
    bad[2].event[1] = neg;
    bad[3].censor[0] = neg;
    bad[4].m = -1;
    bad[5].time = NULL;
    bad[6].censor[1] = NULL;
    bad[7].m = 2;
    bad[7].event[0] = huge; /* INT_MAX + 1 in group 0 */
    bad[8].m = 1;
    bad[8].event[0] = huge; /* INT_MAX in group 0 and 1 in group 1 */
    mw_logrank_t lr;
    mw_cox_t c;
    for (int i = 0; i < 10; i++) {
        const mw_counts2_t *p = i < 9 ? &bad[i] : NULL;
        assert_int_equal(mw__logrank_counts(p, &lr), MW_ERR_BAD_PARAM);
        assert_true(isnan(lr.chisq) && isnan(lr.p));
        assert_int_equal(lr.n[0] + lr.n[1], 0);
        assert_int_equal(mw__cox_binary_counts(p, MW_COX_EFRON, &c), MW_ERR_BAD_PARAM);
        assert_true(isnan(c.coef) && isnan(c.hr) && isnan(c.score_chisq));
        assert_true(isnan(c.loglik0) && isnan(c.lr_p));
        assert_int_equal(c.n[0] + c.n[1], 0);
    }
    assert_int_equal(mw__cox_binary_counts(&good, 5, &c), MW_ERR_BAD_PARAM);
    assert_true(isnan(c.coef));
    /* Nobody. */
    mw_counts2_t empty = {0, NULL, {NULL, NULL}, {NULL, NULL}};
    assert_int_equal(mw__logrank_counts(&empty, &lr), 0);
    assert_true(isnan(lr.chisq));
    assert_int_equal(mw__cox_binary_counts(&empty, MW_COX_BRESLOW, &c), 0);
    assert_int_equal(c.status, MW_COX_NO_EVENTS);
}

/* ------------------------------------------------------------------------------
 * Wilson
 * ---------------------------------------------------------------------------- */

static void
test_wilson(void **state)
{
    (void) state;
    const double z = MW_STATS_Z95, z2 = z * z;
    double lo, hi;
    /* k = 0: the closed form collapses to [0, z^2 / (n + z^2)] = [0, 0.2775328] at
     * n = 10; k = n: [n / (n + z^2), 1] = [0.7224672, 1]. */
    assert_int_equal(mw__wilson(0, 10, z, &lo, &hi), 0);
    assert_dbl(lo, 0, 0);
    assert_dbl(hi, z2 / (10 + z2), 1e-15);
    assert_int_equal(mw__wilson(10, 10, z, &lo, &hi), 0);
    assert_dbl(lo, 10 / (10 + z2), 1e-15);
    assert_dbl(hi, 1, 0);
    /* 5 of 10: centre (0.5 + z^2/20)/(1 + z^2/10) = 0.5, half-width
     * z sqrt(0.025 + z^2/400)/(1 + z^2/10) = 1.959964 * 0.1860215 / 1.3841459 =
     * 0.2634069: [0.2365931, 0.7634069]. */
    assert_int_equal(mw__wilson(5, 10, z, &lo, &hi), 0);
    assert_dbl(lo, 0.2365931, 1e-7);
    assert_dbl(hi, 0.7634069, 1e-7);
    assert_dbl(lo + hi, 1, 1e-15);
    /* Newcombe 1998 Table I (method 3, Wilson score). */
    const int k[4] = {81, 15, 0, 1}, n[4] = {263, 148, 20, 29};
    const double pub_lo[4] = {0.2553, 0.0624, 0.0000, 0.0061};
    const double pub_hi[4] = {0.3662, 0.1605, 0.1611, 0.1718};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(mw__wilson(k[i], n[i], z, &lo, &hi), 0);
        assert_dbl(lo, pub_lo[i], 5e-5);
        assert_dbl(hi, pub_hi[i], 5e-5);
    }
    assert_int_equal(mw__wilson(0, 0, z, &lo, &hi), 0);
    assert_dbl(lo, 0, 0);
    assert_dbl(hi, 1, 0);
    assert_int_equal(mw__wilson(3, 2, z, &lo, &hi), MW_ERR_BAD_PARAM);
    assert_true(isnan(lo) && isnan(hi));
    assert_int_equal(mw__wilson(-1, 2, z, &lo, &hi), MW_ERR_BAD_PARAM);
    assert_int_equal(mw__wilson(1, 2, 0, &lo, &hi), MW_ERR_BAD_PARAM);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_km_6mp),
        cmocka_unit_test(test_km_log_intervals),
        cmocka_unit_test(test_km_median),
        cmocka_unit_test(test_km_landmark_and_risk),
        cmocka_unit_test(test_km_no_censoring),
        cmocka_unit_test(test_km_all_censored),
        cmocka_unit_test(test_km_tie_event_censoring),
        cmocka_unit_test(test_km_single_and_empty),
        cmocka_unit_test(test_km_misuse),
        cmocka_unit_test(test_logrank_gehan),
        cmocka_unit_test(test_logrank_hand),
        cmocka_unit_test(test_cox_gehan_breslow),
        cmocka_unit_test(test_cox_gehan_efron),
        cmocka_unit_test(test_cox_ties_hand),
        cmocka_unit_test(test_cox_score_is_logrank),
        cmocka_unit_test(test_cox_degenerate),
        cmocka_unit_test(test_counts_same_as_records),
        cmocka_unit_test(test_counts_empty_rows),
        cmocka_unit_test(test_counts_large),
        cmocka_unit_test(test_counts_misuse),
        cmocka_unit_test(test_wilson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
