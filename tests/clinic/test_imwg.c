/* IMWG response and progression of one line against hand-worked series of clinic
 * observations (IMWG 2016; Durie 2006): each category and its confirmation, the PD
 * rules and their absolute floors, the nadir, the FLC and marrow bases, new lesions,
 * time to response and best response. */
#include <stdio.h>

#include "clinic/imwg.h"
#include "testlib.h"

#define CH   MW_IMWG_RESPONSE_CHANGED
#define PROG MW_IMWG_PROGRESSION

/* |a - b| <= tol for doubles (this cmocka's assert_float_equal is single precision);
 * tol 0 asks for exact equality, which every hand-worked day and nadir here has. */
#define assert_dbl(a, b, tol) dbl_equal((a), (b), (tol), #a, __FILE__, __LINE__)

static void
dbl_equal(double a, double b, double tol, const char *what, const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) {
        fail_msg("%s:%d: %s = %.17g, expected %.17g", file, line, what, a, b);
    }
}

/* An assessment with only serum M-protein (NAN: not done) and nothing else. */
static mw_imwg_obs_t
obs_m(double t, double m)
{
    mw_imwg_obs_t o = {t, m, -1, NAN, NAN, NAN, -1, -1};
    return o;
}

static mw_imwg_obs_t
obs_flc(double t, double m, double inv, double uninv)
{
    mw_imwg_obs_t o = obs_m(t, m);
    o.flc_inv = inv;
    o.flc_uninv = uninv;
    return o;
}

static mw_imwg_obs_t
obs_marrow(double t, double m, double pc)
{
    mw_imwg_obs_t o = obs_m(t, m);
    o.marrow_pc = pc;
    return o;
}

/* Start a line with the default rules; check the basis. */
static void
start(mw_imwg_t *s, const mw_imwg_obs_t *b, int want_basis)
{
    mw_imwg_rules_t r;
    mw__imwg_rules_default(&r);
    assert_int_equal(mw__imwg_start(s, &r, b), want_basis);
}

/* One visit: its category, the confirmed response after it and the returned bits. */
static mw_imwg_result_t
visit(mw_imwg_t *s, mw_imwg_obs_t o, int want_visit, int want_confirmed, int want_flags)
{
    mw_imwg_result_t res;
    int flags = mw__imwg_visit(s, &o, &res);
    printf("  day %5.0f: %-4s confirmed %-4s best %-4s nadir %g\n", o.t,
           mw_response_name(res.visit), mw_response_name(res.confirmed),
           mw_response_name(res.best), res.nadir);
    assert_int_equal(res.visit, want_visit);
    assert_int_equal(res.confirmed, want_confirmed);
    assert_int_equal(flags, want_flags);
    return res;
}

/* Serum M-protein 4.0 g/dL with marrow 40 % at day 0. */
static void
start_m4(mw_imwg_t *s)
{
    mw_imwg_obs_t b = obs_marrow(0, 4.0, 40);
    start(s, &b, MW_IMWG_BASIS_MPROTEIN);
}

/* ------------------------------------------------------------------------------
 * Each category reached and confirmed
 * ---------------------------------------------------------------------------- */

static void
test_pr(void **state)
{
    (void) state;
    mw_imwg_t s;
    start_m4(&s);
    /* 1 - 1.9/4 = 0.525: PR, unconfirmed; one evaluated visit confirms SD */
    mw_imwg_result_t r = visit(&s, obs_m(28, 1.9), MW_RESP_PR, MW_RESP_SD, CH);
    assert_true(isnan(r.response_day));
    assert_dbl(r.reduction, 0.525, 1e-12);
    r = visit(&s, obs_m(56, 1.8), MW_RESP_PR, MW_RESP_PR, CH);
    assert_dbl(r.response_day, 28, 0);
    assert_int_equal(r.best, MW_RESP_PR);
    assert_int_equal(r.basis, MW_IMWG_BASIS_MPROTEIN);
    assert_true(isnan(r.pd_day));
}

static void
test_vgpr_by_reduction(void **state)
{
    (void) state;
    mw_imwg_t s;
    start_m4(&s);
    /* 4.0 -> 0.4 is exactly 90 % */
    visit(&s, obs_m(28, 0.4), MW_RESP_VGPR, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 0.3), MW_RESP_VGPR, MW_RESP_VGPR, CH);
    /* 4.0 -> 0.41 is 89.75 %: PR */
    start_m4(&s);
    visit(&s, obs_m(28, 0.41), MW_RESP_PR, MW_RESP_SD, CH);
}

static void
test_vgpr_by_ife(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t o = obs_m(28, 0);
    start_m4(&s);
    o.ife = 1;
    visit(&s, o, MW_RESP_VGPR, MW_RESP_SD, CH);
    o.t = 56;
    visit(&s, o, MW_RESP_VGPR, MW_RESP_VGPR, CH);
    /* IFE negative but no marrow yet in the line (the baseline one does not count):
     * at most VGPR */
    o.t = 84;
    o.ife = 0;
    visit(&s, o, MW_RESP_VGPR, MW_RESP_VGPR, 0);
}

static void
test_cr(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t o = obs_marrow(28, 0, 3);
    start_m4(&s);
    o.ife = 0;
    visit(&s, o, MW_RESP_CR, MW_RESP_SD, CH);
    /* the day-28 marrow carries forward; no repeat marrow needed */
    o = obs_m(56, 0);
    o.ife = 0;
    mw_imwg_result_t r = visit(&s, o, MW_RESP_CR, MW_RESP_CR, CH);
    assert_dbl(r.response_day, 28, 0);
    /* no normal-ratio FLC and MRD: not sCR */
    assert_int_equal(r.best, MW_RESP_CR);

    /* marrow 5 % exactly is not < 5 %: VGPR */
    start_m4(&s);
    o = obs_marrow(28, 0, 5);
    o.ife = 0;
    visit(&s, o, MW_RESP_VGPR, MW_RESP_SD, CH);
    /* a later marrow below 5 % replaces it */
    o = obs_marrow(56, 0, 4);
    o.ife = 0;
    visit(&s, o, MW_RESP_CR, MW_RESP_VGPR, CH);
    /* an SPEP band contradicts the negative IFE: not CR */
    o = obs_m(84, 0.1);
    o.ife = 0;
    visit(&s, o, MW_RESP_VGPR, MW_RESP_VGPR, 0);
}

static void
test_scr(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t b = obs_flc(0, 4.0, 300, 10);
    b.marrow_pc = 40;
    start(&s, &b, MW_IMWG_BASIS_MPROTEIN);
    /* kappa 15 / lambda 12 = 1.25, normal; MRD negative */
    mw_imwg_obs_t o = obs_flc(28, 0, 15, 12);
    o.ife = 0;
    o.marrow_pc = 2;
    o.mrd = 0;
    visit(&s, o, MW_RESP_SCR, MW_RESP_SD, CH);
    /* FLC, marrow and MRD carry forward */
    o = obs_m(56, 0);
    o.ife = 0;
    mw_imwg_result_t r = visit(&s, o, MW_RESP_SCR, MW_RESP_SCR, CH);
    assert_int_equal(r.best, MW_RESP_SCR);
    assert_dbl(r.response_day, 28, 0);
    /* a later abnormal ratio (kappa 40 / lambda 10 = 4): CR; still sCR confirmed */
    o = obs_flc(84, 0, 40, 10);
    o.ife = 0;
    visit(&s, o, MW_RESP_CR, MW_RESP_SCR, 0);

    /* MRD positive: CR only */
    start(&s, &b, MW_IMWG_BASIS_MPROTEIN);
    o = obs_flc(28, 0, 15, 12);
    o.ife = 0;
    o.marrow_pc = 2;
    o.mrd = 1;
    visit(&s, o, MW_RESP_CR, MW_RESP_SD, CH);
}

static void
test_mr(void **state)
{
    (void) state;
    mw_imwg_t s;
    start_m4(&s);
    /* 30 % and 37.5 % */
    visit(&s, obs_m(28, 2.8), MW_RESP_MR, MW_RESP_SD, CH);
    mw_imwg_result_t r = visit(&s, obs_m(56, 2.5), MW_RESP_MR, MW_RESP_MR, CH);
    /* MR is not a response for time to response */
    assert_true(isnan(r.response_day));
    /* exactly 25 % */
    start_m4(&s);
    visit(&s, obs_m(28, 3.0), MW_RESP_MR, MW_RESP_SD, CH);
}

static void
test_sd(void **state)
{
    (void) state;
    mw_imwg_t s;
    start_m4(&s);
    visit(&s, obs_m(28, 3.5), MW_RESP_SD, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 3.6), MW_RESP_SD, MW_RESP_SD, 0);
    /* 4.2 - 3.5 = 0.7 >= 0.5 but < 25 % of 3.5 (0.875): not PD */
    mw_imwg_result_t r = visit(&s, obs_m(84, 4.2), MW_RESP_SD, MW_RESP_SD, 0);
    assert_int_equal(r.best, MW_RESP_SD);
    assert_dbl(r.nadir, 3.5, 0);
}

/* ------------------------------------------------------------------------------
 * Confirmation
 * ---------------------------------------------------------------------------- */

static void
test_confirm_lowest(void **state)
{
    (void) state;
    mw_imwg_t s;
    start_m4(&s);
    visit(&s, obs_m(28, 1.9), MW_RESP_PR, MW_RESP_SD, CH);
    /* 2.2: 45 %, and only +0.3 from the nadir 1.9 */
    visit(&s, obs_m(56, 2.2), MW_RESP_MR, MW_RESP_MR, CH);
    /* the window is now MR, PR: still MR */
    visit(&s, obs_m(84, 1.9), MW_RESP_PR, MW_RESP_MR, 0);
    mw_imwg_result_t r = visit(&s, obs_m(112, 1.7), MW_RESP_PR, MW_RESP_PR, CH);
    assert_dbl(r.response_day, 84, 0);
}

static void
test_ne_visits_skipped(void **state)
{
    (void) state;
    mw_imwg_t s;
    start_m4(&s);
    visit(&s, obs_m(28, 1.9), MW_RESP_PR, MW_RESP_SD, CH);
    /* no SPEP: not evaluable, neither confirms nor breaks the run */
    visit(&s, obs_m(56, NAN), MW_RESP_NE, MW_RESP_SD, 0);
    mw_imwg_result_t r = visit(&s, obs_m(84, 1.8), MW_RESP_PR, MW_RESP_PR, CH);
    assert_dbl(r.response_day, 28, 0);
    /* the same for PD: nadir 1.8, 2.4 and 2.5 rise >= 0.5 and >= 0.45 */
    visit(&s, obs_m(112, 2.4), MW_RESP_PD, MW_RESP_PR, 0);
    visit(&s, obs_m(140, NAN), MW_RESP_NE, MW_RESP_PR, 0);
    r = visit(&s, obs_m(168, 2.5), MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 112, 0);
}

static void
test_pd_needs_confirmation(void **state)
{
    (void) state;
    mw_imwg_t s;
    start_m4(&s);
    visit(&s, obs_m(28, 1.0), MW_RESP_PR, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 1.0), MW_RESP_PR, MW_RESP_PR, CH);
    /* one PD visit, then a non-PD one: no progression */
    visit(&s, obs_m(84, 1.5), MW_RESP_PD, MW_RESP_PR, 0);
    mw_imwg_result_t r = visit(&s, obs_m(112, 1.1), MW_RESP_PR, MW_RESP_PR, 0);
    assert_true(isnan(r.pd_day));
    assert_dbl(r.nadir, 1.0, 0);
}

/* ------------------------------------------------------------------------------
 * PD: relative and absolute rises
 * ---------------------------------------------------------------------------- */

static void
test_pd_abs_rise(void **state)
{
    (void) state;
    mw_imwg_t s;
    start_m4(&s);
    visit(&s, obs_m(28, 1.0), MW_RESP_PR, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 1.0), MW_RESP_PR, MW_RESP_PR, CH);
    /* nadir 1.0: +0.5 (50 %) and +0.6 */
    mw_imwg_result_t r = visit(&s, obs_m(84, 1.5), MW_RESP_PD, MW_RESP_PR, 0);
    assert_dbl(r.nadir, 1.0, 0);
    r = visit(&s, obs_m(112, 1.6), MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 84, 0);
    assert_dbl(r.response_day, 28, 0);
    assert_int_equal(r.best, MW_RESP_PR);
    /* terminal: PD, no more flags, nothing moves */
    r = visit(&s, obs_m(140, 0.1), MW_RESP_PD, MW_RESP_PD, 0);
    assert_dbl(r.pd_day, 84, 0);
    assert_int_equal(r.best, MW_RESP_PR);
    assert_dbl(r.nadir, 1.0, 0);
}

static void
test_pd_small_rise(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t b = obs_m(0, 3.2);
    start(&s, &b, MW_IMWG_BASIS_MPROTEIN);
    visit(&s, obs_m(28, 0.8), MW_RESP_PR, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 0.8), MW_RESP_PR, MW_RESP_PR, CH);
    /* nadir 0.8: +50 % and +56 % but +0.4 and +0.45 < 0.5 g/dL */
    visit(&s, obs_m(84, 1.2), MW_RESP_PR, MW_RESP_PR, 0);
    mw_imwg_result_t r = visit(&s, obs_m(112, 1.25), MW_RESP_PR, MW_RESP_PR, 0);
    assert_true(isnan(r.pd_day));
}

static void
test_pd_high_nadir(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t b = obs_m(0, 8.0);
    start(&s, &b, MW_IMWG_BASIS_MPROTEIN);
    visit(&s, obs_m(28, 5.2), MW_RESP_MR, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 5.2), MW_RESP_MR, MW_RESP_MR, CH);
    /* nadir 5.2 >= 5: +0.7 and +0.8 are not enough (>= 0.5 g/dL would have been) */
    visit(&s, obs_m(84, 5.9), MW_RESP_MR, MW_RESP_MR, 0);
    visit(&s, obs_m(112, 6.0), MW_RESP_MR, MW_RESP_MR, 0);
    /* +1.1 and +1.2 >= 1 g/dL, though below 25 % of 5.2 (1.3) */
    visit(&s, obs_m(140, 6.3), MW_RESP_PD, MW_RESP_MR, 0);
    mw_imwg_result_t r = visit(&s, obs_m(168, 6.4), MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 140, 0);
    assert_dbl(r.nadir, 5.2, 0);
    assert_int_equal(r.best, MW_RESP_MR);
}

/* ------------------------------------------------------------------------------
 * Nadir: the running minimum of the non-PD visits
 * ---------------------------------------------------------------------------- */

static void
test_nadir(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_result_t r;
    mw_imwg_obs_t o;
    start_m4(&s);
    r = visit(&s, obs_m(28, 2.0), MW_RESP_PR, MW_RESP_SD, CH);
    assert_dbl(r.nadir, 4.0, 0); /* compared with the baseline */
    r = visit(&s, obs_m(56, 1.2), MW_RESP_PR, MW_RESP_PR, CH);
    assert_dbl(r.nadir, 2.0, 0);
    /* 1.8 - 1.2 = 0.6: PD, the nadir stays */
    r = visit(&s, obs_m(84, 1.8), MW_RESP_PD, MW_RESP_PR, 0);
    assert_dbl(r.nadir, 1.2, 0);
    r = visit(&s, obs_m(112, 1.4), MW_RESP_PR, MW_RESP_PR, 0);
    assert_dbl(r.nadir, 1.2, 0);
    r = visit(&s, obs_m(140, 0.9), MW_RESP_PR, MW_RESP_PR, 0);
    assert_dbl(r.nadir, 1.2, 0);
    assert_dbl(s.nadir, 0.9, 0);
    /* PD by marrow with a lower M-protein: the M nadir is not lowered by it */
    o = obs_marrow(168, 0.5, 50); /* 50 - 40 >= 10 points */
    visit(&s, o, MW_RESP_PD, MW_RESP_PR, 0);
    assert_dbl(s.nadir, 0.9, 0);
    assert_dbl(s.marrow_nadir, 40, 0);
    r = visit(&s, obs_m(196, 0.8), MW_RESP_PR, MW_RESP_PR, 0);
    assert_dbl(r.nadir, 0.9, 0);
    assert_dbl(s.nadir, 0.8, 0);
}

static void
test_progression_from_cr(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t b = obs_marrow(0, 3.0, 50), o;
    start(&s, &b, MW_IMWG_BASIS_MPROTEIN);
    o = obs_marrow(28, 0, 2);
    o.ife = 0;
    visit(&s, o, MW_RESP_CR, MW_RESP_SD, CH);
    o = obs_m(56, 0);
    o.ife = 0;
    visit(&s, o, MW_RESP_CR, MW_RESP_CR, CH);
    /* nadir 0: any rise >= 0.5 g/dL */
    o = obs_m(84, 0.6);
    o.ife = 1;
    mw_imwg_result_t r = visit(&s, o, MW_RESP_PD, MW_RESP_CR, 0);
    assert_dbl(r.nadir, 0, 0);
    o = obs_m(112, 0.7);
    o.ife = 1;
    r = visit(&s, o, MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 84, 0);
    assert_int_equal(r.best, MW_RESP_CR);
    /* +0.4 from CR is not PD: 1 - 0.4/3 = 0.867, PR */
    start(&s, &b, MW_IMWG_BASIS_MPROTEIN);
    o = obs_marrow(28, 0, 2);
    o.ife = 0;
    visit(&s, o, MW_RESP_CR, MW_RESP_SD, CH);
    o = obs_m(56, 0.4);
    o.ife = 1;
    visit(&s, o, MW_RESP_PR, MW_RESP_PR, CH);
}

/* ------------------------------------------------------------------------------
 * Other bases
 * ---------------------------------------------------------------------------- */

static void
test_flc_basis(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t b = obs_flc(0, 0.4, 800, 10);
    start(&s, &b, MW_IMWG_BASIS_FLC);
    assert_dbl(s.base, 790, 0);
    /* difference 390: 1 - 390/790 = 0.506 */
    visit(&s, obs_flc(28, 0.3, 400, 10), MW_RESP_PR, MW_RESP_SD, CH);
    mw_imwg_result_t r = visit(&s, obs_flc(56, 0.3, 380, 10), MW_RESP_PR, MW_RESP_PR, CH);
    assert_dbl(r.response_day, 28, 0);
    /* no FLC: not evaluable (the M-protein, not the basis, rose 0.15 g/dL: no PD) */
    visit(&s, obs_m(70, 0.45), MW_RESP_NE, MW_RESP_PR, 0);
    /* nadir 370: +100 (27 %) is not > 100 mg/L; 1 - 470/790 = 0.405 */
    visit(&s, obs_flc(84, 0.3, 480, 10), MW_RESP_SD, MW_RESP_PR, 0);
    visit(&s, obs_flc(112, 0.3, 490, 10), MW_RESP_PD, MW_RESP_PR, 0);
    r = visit(&s, obs_flc(140, 0.3, 500, 10), MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 112, 0);
    assert_dbl(r.nadir, 370, 0);
    assert_int_equal(r.basis, MW_IMWG_BASIS_FLC);

    /* the 25 % rule binds when the nadir is large: nadir 1000, +200 is not PD */
    b = obs_flc(0, 0.2, 4010, 10);
    start(&s, &b, MW_IMWG_BASIS_FLC);
    visit(&s, obs_flc(28, 0.2, 1010, 10), MW_RESP_PR, MW_RESP_SD, CH);
    visit(&s, obs_flc(56, 0.2, 1210, 10), MW_RESP_PR, MW_RESP_PR, CH);
    visit(&s, obs_flc(84, 0.2, 1260, 10), MW_RESP_PD, MW_RESP_PR, 0);
}

/* Serum M-protein progression applies whatever the basis (IMWG 2016 lists it for
 * every patient): maintenance after a deep response, M-protein not measurable at
 * the line's baseline, then a rise of >= 0.5 g/dL on two visits. */
static void
test_mprotein_pd_any_basis(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t b = obs_marrow(0, 0.0, 2);
    start(&s, &b, MW_IMWG_BASIS_NONE);
    visit(&s, obs_m(28, 0.0), MW_RESP_NE, MW_RESP_NE, 0);
    visit(&s, obs_m(56, 0.4), MW_RESP_NE, MW_RESP_NE, 0);
    visit(&s, obs_m(84, 0.5), MW_RESP_PD, MW_RESP_NE, 0);
    mw_imwg_result_t r = visit(&s, obs_m(112, 0.7), MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 84, 0);
    /* FLC basis: an M-protein rise from its own nadir (0.3) is PD too */
    b = obs_flc(0, 0.4, 800, 10);
    start(&s, &b, MW_IMWG_BASIS_FLC);
    visit(&s, obs_flc(28, 0.3, 400, 10), MW_RESP_PR, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 0.9), MW_RESP_PD, MW_RESP_SD, 0);
}

static void
test_flc_vgpr_cr(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t b = obs_flc(0, 0.4, 800, 10), o;
    start(&s, &b, MW_IMWG_BASIS_FLC);
    /* difference 60: 92 % reduction; IFE negative with marrow 2 % but the ratio
     * (70/10) is abnormal: FLC-only disease needs a normal ratio for CR */
    o = obs_flc(28, 0, 70, 10);
    o.ife = 0;
    o.marrow_pc = 2;
    visit(&s, o, MW_RESP_VGPR, MW_RESP_SD, CH);
    o = obs_flc(56, 0, 15, 12);
    o.ife = 0;
    visit(&s, o, MW_RESP_CR, MW_RESP_VGPR, CH);
    o.t = 84;
    o.mrd = 0;
    visit(&s, o, MW_RESP_SCR, MW_RESP_CR, CH);
}

static void
test_marrow_basis(void **state)
{
    (void) state;
    mw_imwg_t s;
    /* non-secretory: no band, FLC not measurable, marrow 60 % */
    mw_imwg_obs_t b = obs_flc(0, 0, 50, 10);
    b.ife = 0;
    b.marrow_pc = 60;
    start(&s, &b, MW_IMWG_BASIS_MARROW);
    /* 33 %: MR is not defined on marrow */
    visit(&s, obs_marrow(28, 0, 40), MW_RESP_SD, MW_RESP_SD, CH);
    visit(&s, obs_marrow(56, 0, 25), MW_RESP_PR, MW_RESP_SD, 0);
    visit(&s, obs_marrow(84, 0, 20), MW_RESP_PR, MW_RESP_PR, CH);
    visit(&s, obs_m(112, 0), MW_RESP_NE, MW_RESP_PR, 0);
    /* nadir 20: +11 points */
    visit(&s, obs_marrow(140, 0, 31), MW_RESP_PD, MW_RESP_PR, 0);
    mw_imwg_result_t r =
        visit(&s, obs_marrow(168, 0, 32), MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 140, 0);
    assert_dbl(r.response_day, 56, 0);
}

static void
test_marrow_rise_mprotein(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t b = obs_marrow(0, 3.0, 40);
    start(&s, &b, MW_IMWG_BASIS_MPROTEIN);
    visit(&s, obs_marrow(28, 1.2, 15), MW_RESP_PR, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 1.1), MW_RESP_PR, MW_RESP_PR, CH);
    /* M-protein still falling, marrow 15 -> 26 */
    visit(&s, obs_marrow(84, 1.0, 26), MW_RESP_PD, MW_RESP_PR, 0);
    mw_imwg_result_t r =
        visit(&s, obs_marrow(112, 1.0, 27), MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 84, 0);
    /* +9 points is not PD */
    start(&s, &b, MW_IMWG_BASIS_MPROTEIN);
    visit(&s, obs_marrow(28, 1.2, 15), MW_RESP_PR, MW_RESP_SD, CH);
    visit(&s, obs_marrow(56, 1.1, 24), MW_RESP_PR, MW_RESP_PR, CH);
}

static void
test_new_lesion(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_obs_t o;
    start_m4(&s);
    visit(&s, obs_m(28, 1.9), MW_RESP_PR, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 1.8), MW_RESP_PR, MW_RESP_PR, CH);
    o = obs_m(84, 1.7);
    o.new_lesion = 1;
    mw_imwg_result_t r = visit(&s, o, MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 84, 0);
    assert_int_equal(r.best, MW_RESP_PR);
    visit(&s, obs_m(112, 1.6), MW_RESP_PD, MW_RESP_PD, 0);

    /* after an unconfirmed PD visit, the progression dates from that visit */
    start_m4(&s);
    visit(&s, obs_m(28, 1.0), MW_RESP_PR, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 1.6), MW_RESP_PD, MW_RESP_SD, 0);
    o = obs_m(84, NAN);
    o.new_lesion = 1;
    r = visit(&s, o, MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 56, 0);
    assert_int_equal(r.best, MW_RESP_SD);
}

static void
test_not_evaluable(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_result_t r;
    /* M 0.5 < 1; involved 150 but kappa/lambda 150/120 = 1.25 normal; marrow 20 % */
    mw_imwg_obs_t b = obs_flc(0, 0.5, 150, 120), o;
    b.marrow_pc = 20;
    start(&s, &b, MW_IMWG_BASIS_NONE);
    r = visit(&s, obs_flc(28, 0.1, 20, 15), MW_RESP_NE, MW_RESP_NE, 0);
    assert_true(isnan(r.value));
    o = obs_m(56, 0);
    o.ife = 0;
    o.marrow_pc = 1;
    visit(&s, o, MW_RESP_NE, MW_RESP_NE, 0);
    o = obs_m(84, 0.1);
    o.new_lesion = 1;
    r = visit(&s, o, MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_dbl(r.pd_day, 84, 0);
    assert_int_equal(r.best, MW_RESP_PD);
    assert_true(isnan(r.response_day));

    /* involved 150 with an abnormal ratio, but towards the other chain (kappa
     * disease, kappa/lambda 0.15): not measurable */
    b = obs_flc(0, 0.5, 150, 1000);
    start(&s, &b, MW_IMWG_BASIS_NONE);
    /* lambda disease, involved/uninvolved 150/30 = 5 > 1/0.26: measurable */
    mw_imwg_rules_t rl;
    mw__imwg_rules_default(&rl);
    rl.flc_kappa = 0;
    b = obs_flc(0, 0.5, 150, 30);
    assert_int_equal(mw__imwg_start(&s, &rl, &b), MW_IMWG_BASIS_FLC);
}

/* ------------------------------------------------------------------------------
 * Time to response, best response, duration
 * ---------------------------------------------------------------------------- */

static void
test_time_to_response_and_best(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_result_t r;
    start_m4(&s);
    visit(&s, obs_m(28, 2.8), MW_RESP_MR, MW_RESP_SD, CH);
    visit(&s, obs_m(56, 1.9), MW_RESP_PR, MW_RESP_MR, CH);
    r = visit(&s, obs_m(84, 1.2), MW_RESP_PR, MW_RESP_PR, CH);
    assert_dbl(r.response_day, 56, 0);
    visit(&s, obs_m(112, 0.35), MW_RESP_VGPR, MW_RESP_PR, 0);
    r = visit(&s, obs_m(140, 0.3), MW_RESP_VGPR, MW_RESP_VGPR, CH);
    assert_dbl(r.response_day, 56, 0);
    /* worse non-PD visits do not downgrade the confirmed response */
    visit(&s, obs_m(168, 0.6), MW_RESP_PR, MW_RESP_VGPR, 0);
    r = visit(&s, obs_m(196, 0.7), MW_RESP_PR, MW_RESP_VGPR, 0);
    assert_int_equal(r.best, MW_RESP_VGPR);
    /* nadir 0.3: 0.9 and 1.0 */
    visit(&s, obs_m(224, 0.9), MW_RESP_PD, MW_RESP_VGPR, 0);
    r = visit(&s, obs_m(252, 1.0), MW_RESP_PD, MW_RESP_PD, CH | PROG);
    assert_int_equal(r.best, MW_RESP_VGPR);
    assert_dbl(r.response_day, 56, 0);
    assert_dbl(r.pd_day, 224, 0);
    assert_dbl(r.pd_day - r.response_day, 168, 0); /* duration */
}

/* ------------------------------------------------------------------------------
 * Helpers and misuse
 * ---------------------------------------------------------------------------- */

static void
test_flc_ratio(void **state)
{
    (void) state;
    mw_imwg_rules_t r;
    mw__imwg_rules_default(&r);
    /* kappa disease: involved/uninvolved is kappa/lambda */
    assert_true(mw__imwg_flc_normal(&r, 15, 12));
    assert_true(mw__imwg_flc_normal(&r, 16.5, 10));
    assert_true(mw__imwg_flc_normal(&r, 2.6, 10));
    assert_false(mw__imwg_flc_normal(&r, 17, 10));
    assert_false(mw__imwg_flc_normal(&r, 2.5, 10));
    assert_false(mw__imwg_flc_normal(&r, 5, 0));
    assert_false(mw__imwg_flc_normal(&r, NAN, 10));
    /* lambda disease: kappa/lambda = uninvolved/involved */
    r.flc_kappa = 0;
    assert_true(mw__imwg_flc_normal(&r, 15, 12));  /* kappa/lambda 0.8 */
    assert_false(mw__imwg_flc_normal(&r, 40, 10)); /* 0.25 */
    assert_true(mw__imwg_flc_normal(&r, 38, 10));  /* 0.263 */
    assert_false(mw__imwg_flc_normal(&r, 6, 10));  /* 1.67 */
}

static void
test_misuse(void **state)
{
    (void) state;
    mw_imwg_t s;
    mw_imwg_rules_t r;
    mw_imwg_result_t res;
    mw_imwg_obs_t b = obs_m(10, 4.0), o = obs_m(10, 2.0);
    mw__imwg_rules_default(&r);
    r.confirm = 0;
    assert_int_equal(mw__imwg_start(&s, &r, &b), MW_ERR_BAD_PARAM);
    r.confirm = MW_IMWG_CONFIRM_MAX + 1;
    assert_int_equal(mw__imwg_start(&s, &r, &b), MW_ERR_BAD_PARAM);
    start(&s, &b, MW_IMWG_BASIS_MPROTEIN);
    assert_int_equal(mw__imwg_visit(&s, &o, &res), MW_ERR_BAD_PARAM);
    o.t = NAN;
    assert_int_equal(mw__imwg_visit(&s, &o, &res), MW_ERR_BAD_PARAM);
    o.t = 11;
    assert_int_equal(mw__imwg_visit(&s, &o, &res), CH);

    /* confirm = 1: every category at once */
    r.confirm = 1;
    assert_int_equal(mw__imwg_start(&s, &r, &b), MW_IMWG_BASIS_MPROTEIN);
    o = obs_m(20, 1.9);
    assert_int_equal(mw__imwg_visit(&s, &o, &res), CH);
    assert_int_equal(res.confirmed, MW_RESP_PR);
    assert_dbl(res.response_day, 20, 0);
}

static void
test_names(void **state)
{
    (void) state;
    const char *want[] = {"NE", "PD", "SD", "MR", "PR", "VGPR", "CR", "sCR"};
    for (int r = MW_RESP_NE; r <= MW_RESP_SCR; r++) {
        assert_string_equal(mw_response_name(r), want[r + 1]);
    }
    assert_string_equal(mw_response_name(42), "NE");
    assert_string_equal(mw__imwg_basis_name(MW_IMWG_BASIS_FLC), "flc");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pr),
        cmocka_unit_test(test_vgpr_by_reduction),
        cmocka_unit_test(test_vgpr_by_ife),
        cmocka_unit_test(test_cr),
        cmocka_unit_test(test_scr),
        cmocka_unit_test(test_mr),
        cmocka_unit_test(test_sd),
        cmocka_unit_test(test_confirm_lowest),
        cmocka_unit_test(test_ne_visits_skipped),
        cmocka_unit_test(test_pd_needs_confirmation),
        cmocka_unit_test(test_pd_abs_rise),
        cmocka_unit_test(test_pd_small_rise),
        cmocka_unit_test(test_pd_high_nadir),
        cmocka_unit_test(test_nadir),
        cmocka_unit_test(test_progression_from_cr),
        cmocka_unit_test(test_flc_basis),
        cmocka_unit_test(test_mprotein_pd_any_basis),
        cmocka_unit_test(test_flc_vgpr_cr),
        cmocka_unit_test(test_marrow_basis),
        cmocka_unit_test(test_marrow_rise_mprotein),
        cmocka_unit_test(test_new_lesion),
        cmocka_unit_test(test_not_evaluable),
        cmocka_unit_test(test_time_to_response_and_best),
        cmocka_unit_test(test_flc_ratio),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
