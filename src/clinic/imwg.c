/*
 * IMWG response and progression for one line of therapy (IMWG 2016: Kumar et al.
 * Lancet Oncol 2016;17:e328; Durie et al. Leukemia 2006;20:1467), from clinic
 * observations only.
 *
 * Basis (fixed at baseline).  Serum M-protein if it is measurable (>= 1 g/dL); else
 * the involved - uninvolved FLC difference if the involved FLC is >= 100 mg/L with a
 * ratio abnormal towards the involved chain; else marrow plasma cells if >= 30 %;
 * else none (every visit NE unless it is PD).  Urine M-protein and plasmacytoma
 * sizes are not observed, so IMWG's urine and soft-tissue clauses are not applied.
 *
 * A visit is PD when
 *   - imaging shows a new or growing lesion (confirmed at once), or
 *   - marrow PCs rose >= 10 points above their nadir (any basis: IMWG applies it
 *     "irrespective of baseline status"), or
 *   - serum M-protein (any basis: a patient whose M-protein was not measurable at
 *     baseline still progresses when it rises; the nadir is its own running
 *     minimum): M - nadir >= 25 % of the nadir and >= 0.5 g/dL, or, when the
 *     nadir is >= 5 g/dL, M - nadir >= 1 g/dL alone (IMWG: "sufficient"; 25 % of
 *     >= 5 g/dL is already more than 1 g/dL), or
 *   - FLC basis: the difference rose >= 25 % of its nadir and > 100 mg/L.
 * Otherwise, with r = 1 - value / baseline on the basis:
 *   sCR  CR, a normal FLC ratio and MRD negative (the most recent of the line),
 *   CR   IFE negative, no SPEP band, the most recent marrow of the line < 5 % (and,
 *        FLC basis, a normal ratio: IMWG 2016 for FLC-only disease),
 *   VGPR M basis: no SPEP band with IFE positive, or r >= 0.9; FLC basis: r >= 0.9,
 *   PR   r >= 0.5 (any basis),
 *   MR   M basis only: r >= 0.25,
 *   SD   otherwise; NE when the basis was not measured and CR cannot be shown.
 *
 * The nadir is the running minimum over the baseline and the visits not classified
 * PD, taken after each visit is classified.  Confirmation: a category >= MR is
 * confirmed when the last `confirm` evaluated visits all reach it; SD needs one
 * evaluated non-PD visit; PD needs `confirm` consecutive PD visits (or one with a
 * new lesion) and is dated at the first of them.  NE visits are skipped: they
 * neither count towards nor break a run.  The confirmed response only rises until
 * PD (IMWG best response), and PD ends the line's classification.
 */
#include <math.h>
#include <string.h>

#include "clinic/imwg.h"
#include "core/core.h"

/* Values within this of a threshold count as equal to it (units of the compared
 * quantity: fractions, g/dL, mg/L, %), so that e.g. 4.0 -> 0.4 is exactly a 90 %
 * reduction despite binary rounding. */
#define EPS 1e-9

const char *
mw_response_name(int r)
{
    switch (r) {
        case MW_RESP_PD:
            return "PD";
        case MW_RESP_SD:
            return "SD";
        case MW_RESP_MR:
            return "MR";
        case MW_RESP_PR:
            return "PR";
        case MW_RESP_VGPR:
            return "VGPR";
        case MW_RESP_CR:
            return "CR";
        case MW_RESP_SCR:
            return "sCR";
        default:
            return "NE";
    }
}

const char *
mw__imwg_basis_name(int basis)
{
    switch (basis) {
        case MW_IMWG_BASIS_NONE:
            return "none";
        case MW_IMWG_BASIS_MPROTEIN:
            return "mprotein";
        case MW_IMWG_BASIS_FLC:
            return "flc";
        case MW_IMWG_BASIS_MARROW:
            return "marrow";
        default:
            return "?";
    }
}

void
mw__imwg_rules_default(mw_imwg_rules_t *r)
{
    memset(r, 0, sizeof(*r));
    r->pr = 0.50;         /* IMWG 2016 Table 3; Durie 2006 */
    r->vgpr = 0.90;       /* IMWG 2016 Table 3; Durie 2006 */
    r->mr = 0.25;         /* IMWG 2016 Table 3 (MR: 25-49 % reduction) */
    r->pd_rise = 0.25;    /* IMWG 2016 Table 3; Durie 2006: 25 % from the lowest value */
    r->pd_abs = 0.5;      /* IMWG 2016; Durie 2006: absolute rise >= 0.5 g/dL */
    r->pd_abs_high = 1.0; /* IMWG 2016: >= 1 g/dL suffices if the lowest M >= 5 g/dL */
    r->pd_high_nadir = 5.0;  /* IMWG 2016, as above */
    r->measurable_m = 1.0;   /* IMWG 2016; Durie 2006: serum M >= 1 g/dL is measurable */
    r->measurable_flc = 100; /* IMWG 2016: involved FLC >= 10 mg/dL, ratio abnormal */
    r->flc_pd_abs = 100;   /* IMWG 2016; Durie 2006: rise of the difference > 10 mg/dL */
    r->marrow_pd_abs = 10; /* IMWG 2016; Durie 2006: absolute rise >= 10 % */
    r->marrow_basis_min = 30; /* IMWG 2016; Durie 2006: marrow PR if baseline >= 30 % */
    r->cr_marrow_max = 5;     /* IMWG 2016; Durie 2006: CR < 5 % plasma cells */
    r->ratio_lo = 0.26;       /* Katzmann 2002: normal kappa/lambda 0.26-1.65 */
    r->ratio_hi = 1.65;       /* Katzmann 2002 */
    r->flc_kappa = 1;         /* assumed: kappa is the commoner light chain (about 2:1) */
    r->confirm = 2;           /* IMWG 2016: two consecutive assessments */
}

/* Ratio involved / uninvolved, or NAN when it cannot be computed (either value
 * missing or negative, both zero); INFINITY when only the uninvolved one is zero. */
static double
flc_ratio(double inv, double uninv)
{
    if (!(inv >= 0) || !(uninv >= 0) || (inv == 0 && uninv == 0)) {
        return NAN;
    }
    return uninv > 0 ? inv / uninv : INFINITY;
}

/* The normal kappa / lambda range as a range of involved / uninvolved: the same for
 * kappa disease, inverted (1/1.65 .. 1/0.26) for lambda disease. */
static void
normal_range(const mw_imwg_rules_t *r, double *lo, double *hi)
{
    if (r->flc_kappa) {
        *lo = r->ratio_lo;
        *hi = r->ratio_hi;
    } else {
        *lo = 1.0 / r->ratio_hi;
        *hi = 1.0 / r->ratio_lo;
    }
}

int
mw__imwg_flc_normal(const mw_imwg_rules_t *r, double inv, double uninv)
{
    double x = flc_ratio(inv, uninv), lo, hi;
    normal_range(r, &lo, &hi);
    return x >= lo - EPS && x <= hi + EPS;
}

/* This visit's value on the basis, NAN when not measured. */
static double
basis_value(int basis, const mw_imwg_obs_t *o)
{
    switch (basis) {
        case MW_IMWG_BASIS_MPROTEIN:
            return o->mprotein;
        case MW_IMWG_BASIS_FLC:
            return isnan(o->flc_inv) || isnan(o->flc_uninv) ? NAN
                                                            : o->flc_inv - o->flc_uninv;
        case MW_IMWG_BASIS_MARROW:
            return o->marrow_pc;
        default:
            return NAN;
    }
}

int
mw__imwg_start(mw_imwg_t *s, const mw_imwg_rules_t *r, const mw_imwg_obs_t *b)
{
    double lo, hi;

    if (r->confirm < 1 || r->confirm > MW_IMWG_CONFIRM_MAX) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    memset(s, 0, sizeof(*s));
    s->rules = *r;
    normal_range(r, &lo, &hi);
    if (b->mprotein >= r->measurable_m - EPS) {
        s->basis = MW_IMWG_BASIS_MPROTEIN;
    } else if (b->flc_inv >= r->measurable_flc - EPS &&
               flc_ratio(b->flc_inv, b->flc_uninv) > hi + EPS) {
        /* abnormal towards the involved chain only: the other way round the clone
         * would not be the one making this chain, and the difference would be
         * negative */
        s->basis = MW_IMWG_BASIS_FLC;
    } else if (b->marrow_pc >= r->marrow_basis_min - EPS) {
        s->basis = MW_IMWG_BASIS_MARROW;
    } else {
        s->basis = MW_IMWG_BASIS_NONE;
    }
    s->base = basis_value(s->basis, b);
    s->nadir = s->base;
    s->marrow_nadir = b->marrow_pc >= 0 ? b->marrow_pc : NAN;
    s->m_nadir = b->mprotein >= 0 ? b->mprotein : NAN;
    /* CR and sCR need marrow, MRD and FLC from on-treatment visits: the baseline
     * ones describe the disease before the line, not the response to it */
    s->last_marrow = NAN;
    s->last_mrd = -1;
    s->last_flc_normal = -1;
    s->t_last = b->t;
    s->pd_t = NAN;
    s->confirmed = MW_RESP_NE;
    s->best = MW_RESP_NE;
    s->response_day = NAN;
    s->pd_day = NAN;
    return s->basis;
}

/* Whether the visit meets a PD criterion (before confirmation). */
static int
is_pd(const mw_imwg_t *s, const mw_imwg_obs_t *o, double v)
{
    const mw_imwg_rules_t *r = &s->rules;

    if (o->new_lesion == 1) {
        return 1;
    }
    if (o->marrow_pc >= 0 && !isnan(s->marrow_nadir) &&
        o->marrow_pc - s->marrow_nadir >= r->marrow_pd_abs - EPS) {
        return 1;
    }
    if (o->mprotein >= 0 && !isnan(s->m_nadir)) {
        double rise = o->mprotein - s->m_nadir;
        if (s->m_nadir >= r->pd_high_nadir - EPS ? rise >= r->pd_abs_high - EPS
                                                 : rise >= r->pd_rise * s->m_nadir - EPS &&
                                                       rise >= r->pd_abs - EPS) {
            return 1;
        }
    }
    if (isnan(v) || s->basis != MW_IMWG_BASIS_FLC) {
        return 0; /* M-protein and marrow: the rules above */
    }
    /* FLC basis; IMWG: the absolute rise "must be > 10 mg/dL", strictly */
    double rise = v - s->nadir;
    return rise >= r->pd_rise * s->nadir - EPS && rise > r->flc_pd_abs + EPS;
}

/* Category of a visit that is not PD. */
static int
response(const mw_imwg_t *s, const mw_imwg_obs_t *o, double v)
{
    const mw_imwg_rules_t *r = &s->rules;

    if (s->basis == MW_IMWG_BASIS_NONE) {
        return MW_RESP_NE;
    }
    /* A visible SPEP band contradicts a negative IFE (IFE is the more sensitive
     * test); with independent measurement noise both can happen, and then the band
     * wins.  A visit without SPEP relies on the IFE alone. */
    int cr = o->ife == 0 && !(o->mprotein > 0) && s->last_marrow < r->cr_marrow_max;
    if (cr && s->basis == MW_IMWG_BASIS_FLC) {
        cr = s->last_flc_normal == 1;
    }
    if (cr) {
        return s->last_flc_normal == 1 && s->last_mrd == 0 ? MW_RESP_SCR : MW_RESP_CR;
    }
    if (isnan(v)) {
        return MW_RESP_NE;
    }
    double red = 1.0 - v / s->base;
    switch (s->basis) {
        case MW_IMWG_BASIS_MPROTEIN:
            if ((o->mprotein == 0 && o->ife == 1) || red >= r->vgpr - EPS) {
                return MW_RESP_VGPR;
            }
            return red >= r->pr - EPS   ? MW_RESP_PR
                   : red >= r->mr - EPS ? MW_RESP_MR
                                        : MW_RESP_SD;
        case MW_IMWG_BASIS_FLC:
            return red >= r->vgpr - EPS ? MW_RESP_VGPR
                   : red >= r->pr - EPS ? MW_RESP_PR
                                        : MW_RESP_SD;
        default: /* marrow: IMWG defines only PR on it */
            return red >= r->pr - EPS ? MW_RESP_PR : MW_RESP_SD;
    }
}

/* Fold an evaluated category into the confirmation state; returns MW_IMWG_* bits. */
static int
confirm(mw_imwg_t *s, int cat, double t, int immediate)
{
    const int n = s->rules.confirm;
    int flags = 0;

    if (s->n_win == n) {
        memmove(s->win, s->win + 1, (size_t) (n - 1) * sizeof(s->win[0]));
        memmove(s->win_t, s->win_t + 1, (size_t) (n - 1) * sizeof(s->win_t[0]));
        s->n_win--;
    }
    s->win[s->n_win] = cat;
    s->win_t[s->n_win++] = t;

    if (cat == MW_RESP_PD) {
        if (s->pd_run++ == 0) {
            s->pd_t = t;
        }
        if (s->pd_run >= n || immediate) {
            s->done = 1;
            s->pd_day = s->pd_t;
            s->confirmed = MW_RESP_PD;
            if (s->best < MW_RESP_PD) {
                s->best = MW_RESP_PD;
            }
            flags = MW_IMWG_RESPONSE_CHANGED | MW_IMWG_PROGRESSION;
        }
        return flags;
    }
    s->pd_run = 0;
    s->pd_t = NAN;

    /* SD needs no confirmation; deeper categories need the whole window */
    int cand = MW_RESP_SD, from_window = 0;
    if (s->n_win == n) {
        int lo = s->win[0];
        for (int i = 1; i < n; i++) {
            lo = s->win[i] < lo ? s->win[i] : lo;
        }
        if (lo > cand) {
            cand = lo;
            from_window = 1;
        }
    }
    if (cand > s->confirmed) {
        s->confirmed = cand;
        flags |= MW_IMWG_RESPONSE_CHANGED;
        if (from_window && cand >= MW_RESP_PR && isnan(s->response_day)) {
            s->response_day = s->win_t[0];
        }
    }
    if (s->confirmed > s->best) {
        s->best = s->confirmed;
    }
    return flags;
}

int
mw__imwg_visit(mw_imwg_t *s, const mw_imwg_obs_t *o, mw_imwg_result_t *out)
{
    int flags = 0;

    if (!(o->t > s->t_last)) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    s->t_last = o->t;
    double v = basis_value(s->basis, o);
    out->basis = s->basis;
    out->nadir = s->nadir;
    out->value = v;
    out->reduction = isnan(v) ? NAN : 1.0 - v / s->base;

    if (s->done) {
        out->visit = MW_RESP_PD;
    } else {
        /* the most recent marrow, MRD and FLC ratio, this visit's included */
        if (o->marrow_pc >= 0) {
            s->last_marrow = o->marrow_pc;
        }
        if (o->mrd == 0 || o->mrd == 1) {
            s->last_mrd = o->mrd;
        }
        if (!isnan(flc_ratio(o->flc_inv, o->flc_uninv))) {
            s->last_flc_normal = mw__imwg_flc_normal(&s->rules, o->flc_inv, o->flc_uninv);
        }

        int cat = is_pd(s, o, v) ? MW_RESP_PD : response(s, o, v);
        if (cat != MW_RESP_PD) {
            /* a PD visit leaves the nadirs alone: PD is measured from the best
             * value reached, not from the value that rose */
            if (v < s->nadir) {
                s->nadir = v;
            }
            if (o->marrow_pc >= 0 && !(o->marrow_pc >= s->marrow_nadir)) {
                s->marrow_nadir = o->marrow_pc;
            }
            if (o->mprotein >= 0 && !(o->mprotein >= s->m_nadir)) {
                s->m_nadir = o->mprotein;
            }
        }
        if (cat != MW_RESP_NE) {
            flags = confirm(s, cat, o->t, o->new_lesion == 1);
        }
        out->visit = cat;
    }
    out->confirmed = s->confirmed;
    out->best = s->best;
    out->response_day = s->response_day;
    out->pd_day = s->pd_day;
    return flags;
}
