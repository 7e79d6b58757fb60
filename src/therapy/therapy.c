/*
 * Drugs and the treatment plan (SPEC.md §4).
 *
 * PK.  One compartment with elimination ke = ln2 / t_half.  A bolus adds to the
 * central amount A, an oral or subcutaneous dose adds F x dose to a depot G
 * absorbed at rate ka, an infusion runs at R mg/day until its end.  Between doses
 *
 *   A(t) = A0 e^{-ke s} + G0 ka/(ka - ke) (e^{-ke s} - e^{-ka s}) + infusion part,
 *   C(t) = A(t) 1000 / V  (ng/mL),  s = t - t_ref.
 *
 * PD.  Occupancy H = C^h / (C^h + EC50^h); tumour kill per cell
 * emax sens_c prot_c H(C / f_c) (1 - downreg H) nk(t), see therapy.h.
 *
 * Hybrid mode needs the kill averaged over a step that may contain doses: the
 * integral of H over each dose-free piece is closed form when the piece is pure
 * elimination (int H = ln((u0 + E)/(u1 + E)) / (h ke), u = C^h, E = EC50^h), and
 * adaptive Gauss-Kronrod otherwise (only over the absorption phase of an oral or
 * subcutaneous dose: after it the piece is elimination again).  For a population without births this makes the
 * hybrid step exact in distribution whatever its length (survival is
 * exp(-int k dt)).  Exact mode stops at every dose and thins with a bound of the
 * concentration over each marker interval; mean mode stops at every dose and
 * evaluates the hazard in its right-hand side.
 *
 * Plan.  A line is a list of segments (bridging, lymphodepletion, phases), each a
 * regimen for a number of cycles (0 = until progression).  A cycle's doses are
 * queued when it starts.  Progression is the clinic's (clinic/clinic.c): IMWG
 * from observed values at its visits; it ends the line and starts the next.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinic.h"
#include "core/core.h"
#include "engine/engine.h"
#include "rng/rng.h"
#include "therapy/therapy.h"

#define QUAD_DEPTH 12
#define QUAD_TOL 1e-6  /* absolute error per day of piece, in occupancy x days */
#define DEPOT_EPS 1e-9 /* depot left, relative to the central amount, treated as none */

static const mw_drug_t *
drug_of(const mw_sim_t *s, int j)
{
    return &s->sc.therapy.drugs[s->ther.drug_of[j]];
}

/* Index of the entry called @p name among @p n structs of @p size bytes whose
 * first member is their name (drugs, regimens, products), or -1. */
static int
find_name(const void *base, size_t size, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (strcmp((const char *) base + (size_t) i * size, name) == 0) {
            return i;
        }
    }
    return -1;
}

_Static_assert(offsetof(mw_drug_t, name) == 0 && offsetof(mw_regimen_t, name) == 0 &&
                   offsetof(mw_product_t, name) == 0,
               "find_name needs the name first");

#define find_regimen(sc, nm)                                                          \
    find_name((sc)->therapy.regimens, sizeof(mw_regimen_t), (sc)->therapy.n_regimens, nm)
#define find_drug(sc, nm)                                                             \
    find_name((sc)->therapy.drugs, sizeof(mw_drug_t), (sc)->therapy.n_drugs, nm)
#define find_product(sc, nm)                                                          \
    find_name((sc)->immune.products, sizeof(mw_product_t), (sc)->immune.n_products, nm)

/* Mark every drug regimen r uses. */
static int
use_regimen(mw_sim_t *s, int r)
{
    const mw_scenario_t *sc = &s->sc;
    mw_ther_t *th = &s->ther;

    if (r < 0) {
        return 0;
    }
    for (int i = 0; i < sc->therapy.regimens[r].n_doses; i++) {
        int d = find_drug(sc, sc->therapy.regimens[r].doses[i].drug);
        if (d < 0) {
            return mw__trace_error(MW_ERR_CONFIG);
        }
        if (th->slot_of[d] < 0) {
            th->slot_of[d] = th->nu;
            th->drug_of[th->nu++] = d;
        }
    }
    return 0;
}

int
mw__ther_init(mw_sim_t *s)
{
    mw_scenario_t *sc = &s->sc;
    mw_ther_t *th = &s->ther;
    int ret = 0;

    memset(th, 0, sizeof(*th));
    for (int i = 0; i < MW_MAX_DRUGS; i++) {
        th->slot_of[i] = -1;
    }
    th->line = -1;
    th->phase = -1;
    th->regimen = -1;
    th->add_regimen = -1;
    th->add_next = INFINITY;
    th->cart_product = -1;
    th->bridging = -1;
    th->ld_regimen = -1;
    th->next_cycle = INFINITY;
    th->phase_start = INFINITY;
    th->t_infusion = INFINITY;
    th->t_ld = INFINITY;
    th->first_progression = NAN;
    th->fx.boost = th->fx.t_keep = th->fx.priming = th->fx.bcma_fold = 1.0;
    th->fx.sbcma_keep = 1.0;
    th->fx_ref = th->fx;
    th->fx_bcma_recog = 1.0;
    th->on = sc->therapy.n_lines > 0;
    if (!th->on) {
        return 0;
    }
    for (int k = 0; k < sc->monitoring.n_policies && ret == 0; k++) {
        const mw_policy_t *p = &sc->monitoring.policies[k];
        if (p->action == MW_ACT_ADD_REGIMEN) {
            int r = find_regimen(sc, p->regimen);
            ret = r < 0 ? mw__trace_error(MW_ERR_CONFIG) : use_regimen(s, r);
        }
    }
    for (int l = 0; l < sc->therapy.n_lines && ret == 0; l++) {
        const mw_line_t *ln = &sc->therapy.lines[l];
        for (int p = 0; p < ln->n_phases && ret == 0; p++) {
            int r = find_regimen(sc, ln->phases[p].regimen);
            ret = r < 0 ? mw__trace_error(MW_ERR_CONFIG) : use_regimen(s, r);
        }
        if (ret == 0 && ln->cart_product[0] != '\0') {
            int k = find_product(sc, ln->cart_product);
            if (k < 0) {
                return mw__trace_error(MW_ERR_CONFIG);
            }
            /* the plan decides when this product is infused */
            sc->immune.products[k].infusion_day = INFINITY;
            if (ln->bridging[0] != '\0') {
                ret = use_regimen(s, find_regimen(sc, ln->bridging));
            }
            if (ret == 0 && ln->lymphodepletion[0] != '\0') {
                ret = use_regimen(s, find_regimen(sc, ln->lymphodepletion));
            }
        }
    }
    if (ret != 0) {
        return ret;
    }
    for (int j = 0; j < th->nu; j++) {
        const mw_drug_t *d = drug_of(s, j);
        th->ke[j] = MW_LN2 / (d->half_life_h / 24.0);
        th->ka[j] = d->ka_per_h * 24.0;
        th->ng_per_mg[j] = 1000.0 / d->volume_l;
        th->ec50h[j] = pow(d->ec50_ng_ml, d->hill);
        th->instant[j] = d->route == MW_ROUTE_RADIATION || d->lymphodepletion > 0;
        th->tumour_kill[j] = d->route != MW_ROUTE_RADIATION && d->emax > 0;
        if (d->efflux_substrate > 0 && th->tumour_kill[j]) {
            th->per_clone_f = 1;
        }
        th->pk[j].t_ref = s->t;
        th->pk[j].t_inf_end = -INFINITY;
    }
    return 0;
}

/* ------------------------------------------------------------------------------
 * Per-clone tables
 * ---------------------------------------------------------------------------- */

void
mw__ther_clone(mw_sim_t *s, int c)
{
    const mw_ther_t *th = &s->ther;
    const mw_traits_t *t = &s->clones[c].traits;
    double *sens = &s->dsens[(size_t) c * MW_MAX_DRUGS];
    double *f = &s->dfx[(size_t) c * MW_MAX_DRUGS];

    s->dk[2 * c] = s->dk[2 * c + 1] = 0;
    for (int j = 0; j < th->nu; j++) {
        const mw_drug_t *d = drug_of(s, j);
        double x = 1.0;
        if (t->crbn_loss) {
            x *= 1.0 - d->crbn_required;
        }
        if (t->psmb5_mut) {
            x *= 1.0 - d->psmb5_resistance;
        }
        if (t->tp53_loss) {
            x *= 1.0 - d->tp53_resistance;
        }
        if (d->bcl2_exponent != 0) {
            x *= t->bcl2 > 0 ? pow(t->bcl2, d->bcl2_exponent) : (d->bcl2_exponent > 0 ? 0 : 1);
        }
        x *= 1.0 - d->stem_resistance * t->stemness;
        if (d->antigen > 0) {
            mw_target_t b = {d->antigen - 1, 0, d->antigen_d50, d->antigen_hill};
            x *= mw__recognise_target(t, &b, 1.0);
        }
        sens[j] = x > 0 ? x : 0.0;
        f[j] = d->efflux_substrate > 0 && t->efflux > 1.0 ? pow(t->efflux, d->efflux_substrate)
                                                          : 1.0;
    }
}

/* ------------------------------------------------------------------------------
 * PK
 * ---------------------------------------------------------------------------- */

/* Central amount (mg) of slot j at time t from state p (t >= p->t_ref). */
static double
pk_amount(const mw_ther_t *th, int j, const mw_pk_t *p, double t)
{
    const double ke = th->ke[j], ka = th->ka[j];
    double s = t - p->t_ref;
    double eke = exp(-ke * s);
    double a = p->A * eke;

    if (p->G > 0) {
        if (fabs(ka - ke) > 1e-9 * ka) {
            a += p->G * ka / (ka - ke) * (eke - exp(-ka * s));
        } else {
            a += p->G * ka * s * eke;
        }
    }
    if (p->R > 0) {
        double T = p->t_inf_end - p->t_ref;
        double u = s < T ? s : T;
        a += p->R / ke * -expm1(-ke * u) * exp(-ke * (s - u));
    }
    return a;
}

/* Move state p to time t (amounts materialised). */
static void
pk_advance(const mw_ther_t *th, int j, mw_pk_t *p, double t)
{
    if (t <= p->t_ref) {
        return;
    }
    double a = pk_amount(th, j, p, t);
    p->G *= exp(-th->ka[j] * (t - p->t_ref));
    if (p->G < 1e-300) {
        p->G = 0;
    }
    p->A = a;
    if (p->R > 0 && t >= p->t_inf_end) {
        p->R = 0;
    }
    p->t_ref = t;
}

static void
pk_dose(const mw_sim_t *s, int j, mw_pk_t *p, double t, double mg)
{
    const mw_drug_t *d = drug_of(s, j);
    const mw_ther_t *th = &s->ther;

    pk_advance(th, j, p, t);
    switch (d->route) {
        case MW_ROUTE_IV:
            p->A += mg;
            break;
        case MW_ROUTE_INFUSION: {
            double T = d->infusion_h / 24.0;
            /* overlapping infusions of one drug: rates add, the later end wins */
            p->R = (p->R > 0 && p->t_inf_end > t ? p->R : 0.0) + mg / T;
            p->t_inf_end = t + T > p->t_inf_end ? t + T : p->t_inf_end;
            break;
        }
        case MW_ROUTE_ORAL:
        case MW_ROUTE_SC:
            p->G += d->bioavailability * mg;
            break;
        default:
            break;
    }
    p->td = p->t_ref;
    p->Ad = p->A;
    p->Gd = p->G;
}

double
mw__ther_conc(const mw_sim_t *s, int j, double t)
{
    const mw_ther_t *th = &s->ther;
    return pk_amount(th, j, &th->pk[j], t) * th->ng_per_mg[j];
}

static double
occ(const mw_ther_t *th, const mw_drug_t *d, int j, double c)
{
    if (!(c > 0)) {
        return 0.0;
    }
    if (d->hill == 1.0) {
        return c / (c + d->ec50_ng_ml);
    }
    double u = pow(c, d->hill);
    return u / (u + th->ec50h[j]);
}

double
mw__ther_occ(const mw_sim_t *s, int j, double c)
{
    return occ(&s->ther, drug_of(s, j), j, c);
}

/* NK-dependence factor of drug d (ADCC): 1 - w + w NK / NK_ss. */
static double
nk_factor(const mw_sim_t *s, const mw_drug_t *d)
{
    if (d->nk_dependence <= 0 || !s->imm.on || !(s->sc.immune.nk_cells > 0)) {
        return 1.0;
    }
    double nk = s->imm.n[3 * s->imm.np + 2] / s->sc.immune.nk_cells;
    return 1.0 - d->nk_dependence + d->nk_dependence * nk;
}

/* Niche (CAM-DR) protection factor of drug d for clone c in the marrow. */
static double
prot(const mw_sim_t *s, const mw_drug_t *d, int c, double il6)
{
    if (d->niche_protection <= 0) {
        return 1.0;
    }
    return 1.0 - d->niche_protection * s->rates[c].nd * il6 /
                     (il6 + s->sc.therapy.cam_il6_half);
}

double
mw__ther_kill_now(const mw_sim_t *s, int c, int comp, double t, double il6)
{
    const mw_ther_t *th = &s->ther;
    const double *sens = &s->dsens[(size_t) c * MW_MAX_DRUGS];
    const double *f = &s->dfx[(size_t) c * MW_MAX_DRUGS];
    double k = 0;

    for (int j = 0; j < th->nu; j++) {
        if (!th->tumour_kill[j] || sens[j] <= 0) {
            continue;
        }
        const mw_drug_t *d = drug_of(s, j);
        double H = occ(th, d, j, mw__ther_conc(s, j, t) / f[j]);
        if (H <= 0) {
            continue;
        }
        double x = d->emax * sens[j] * H * (1.0 - d->antigen_downreg * H) * nk_factor(s, d);
        k += comp == MW_BM ? x * prot(s, d, c, il6) : x;
    }
    return k;
}

/* Largest concentration of slot j over [t0, t1] with no dose inside: the sum of
 * the maxima of the elimination, absorption and infusion parts. */
static double
conc_max(const mw_sim_t *s, int j, double t0, double t1)
{
    const mw_ther_t *th = &s->ther;
    mw_pk_t p = th->pk[j];
    const double ke = th->ke[j], ka = th->ka[j];
    double a;

    pk_advance(th, j, &p, t0);
    a = p.A;
    if (p.G > 0) {
        double w = t1 - t0, tau = w;
        if (fabs(ka - ke) > 1e-9 * ka) {
            double peak = log(ka / ke) / (ka - ke);
            tau = peak < w ? peak : w;
            a += p.G * ka / (ka - ke) * (exp(-ke * tau) - exp(-ka * tau));
        } else {
            double peak = 1.0 / ke;
            tau = peak < w ? peak : w;
            a += p.G * ka * tau * exp(-ke * tau);
        }
    }
    if (p.R > 0 && p.t_inf_end > t0) {
        double u = (p.t_inf_end < t1 ? p.t_inf_end : t1) - t0;
        a += p.R / ke * -expm1(-ke * u);
    }
    return a * th->ng_per_mg[j];
}

double
mw__ther_kill_bound(const mw_sim_t *s, int c, double t0, double t1)
{
    const mw_ther_t *th = &s->ther;
    const double *sens = &s->dsens[(size_t) c * MW_MAX_DRUGS];
    const double *f = &s->dfx[(size_t) c * MW_MAX_DRUGS];
    double k = 0;

    for (int j = 0; j < th->nu; j++) {
        if (!th->tumour_kill[j] || sens[j] <= 0) {
            continue;
        }
        const mw_drug_t *d = drug_of(s, j);
        double H = occ(th, d, j, conc_max(s, j, t0, t1) / f[j]);
        double dr = d->antigen_downreg;
        /* H (1 - dr H) rises up to H = 1 / (2 dr) */
        if (dr > 0 && H > 0.5 / dr) {
            H = 0.5 / dr;
        }
        double nk = nk_factor(s, d);
        if (d->nk_dependence > 0 && s->imm.on) {
            /* NK cells may recover (or be recruited) within the interval */
            double cap = 1.0 - d->nk_dependence +
                         d->nk_dependence * 1.5 * (s->sc.immune.ccl19_recruit > 1 ? s->sc.immune.ccl19_recruit : 1.0);
            nk = nk > cap ? nk : cap;
        }
        k += d->emax * sens[j] * H * (1.0 - dr * H) * nk;
    }
    return k;
}

/* ------------------------------------------------------------------------------
 * Hazard integrals for hybrid steps
 * ---------------------------------------------------------------------------- */

typedef struct {
    const mw_sim_t *s;
    const mw_drug_t *d;
    int j;
    const mw_pk_t *p;
    double inv_f;
    double t0, ka; /* ka > 0: the variable is w = ln(1 + ka (t - t0)) */
} occ_fn_t;

static void
occ_at(const occ_fn_t *F, double t, double *h1, double *h2)
{
    double jac = 1.0;
    if (F->ka > 0) {
        double e = exp(t);
        t = F->t0 + (e - 1.0) / F->ka;
        jac = e / F->ka;
    }
    double c = pk_amount(&F->s->ther, F->j, F->p, t) * F->s->ther.ng_per_mg[F->j] * F->inv_f;
    double H = occ(&F->s->ther, F->d, F->j, c);
    *h1 = H * jac;
    *h2 = H * H * jac;
}

/* Gauss-Kronrod 7-15 on [-1, 1]: the 15 Kronrod nodes are the 7 Gauss-Legendre
 * nodes (odd indices below) and 8 more; the difference of the two rules bounds the
 * error of the 7-point rule, so accepting the 15-point value on it is cautious. */
static const double gk_x[8] = {
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0,
};
static const double gk_wk[8] = {
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
};
static const double gk_wg[4] = {
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
};

/* int H and int H^2 over [a, b] by adaptive bisection of Gauss-Kronrod panels;
 * tol is the absolute error allowed on each over [a, b]. */
static void
kronrod(const occ_fn_t *F, double a, double b, double tol, int depth, double *J1,
        double *J2)
{
    double c = 0.5 * (a + b), r = 0.5 * (b - a), h1, h2;
    occ_at(F, c, &h1, &h2);
    double k1 = gk_wk[7] * h1, k2 = gk_wk[7] * h2;
    double g1 = gk_wg[3] * h1, g2 = gk_wg[3] * h2;
    for (int i = 0; i < 7; i++) {
        double l1, l2, u1, u2;
        occ_at(F, c - r * gk_x[i], &l1, &l2);
        occ_at(F, c + r * gk_x[i], &u1, &u2);
        k1 += gk_wk[i] * (l1 + u1);
        k2 += gk_wk[i] * (l2 + u2);
        if (i & 1) {
            g1 += gk_wg[i / 2] * (l1 + u1);
            g2 += gk_wg[i / 2] * (l2 + u2);
        }
    }
    double e1 = r * fabs(k1 - g1), e2 = r * fabs(k2 - g2);
    if (depth <= 0 || (e1 <= tol && e2 <= tol)) {
        *J1 += r * k1;
        *J2 += r * k2;
        return;
    }
    kronrod(F, a, c, 0.5 * tol, depth - 1, J1, J2);
    kronrod(F, c, b, 0.5 * tol, depth - 1, J1, J2);
}

/* int H and int H^2 over a piece of length len of pure elimination from
 * concentration c0 (already divided by the efflux factor): closed form in
 * u = C^h, E = EC50^h. */
static void
elimination(const mw_ther_t *th, const mw_drug_t *d, int j, double c0, double len,
            double *J1, double *J2)
{
    if (!(c0 > 0) || !(len > 0)) {
        return;
    }
    double c1 = c0 * exp(-th->ke[j] * len);
    double E = th->ec50h[j], hk = d->hill * th->ke[j];
    double u0 = d->hill == 1.0 ? c0 : pow(c0, d->hill);
    double u1 = d->hill == 1.0 ? c1 : pow(c1, d->hill);
    double lr = log1p((u0 - u1) / (u1 + E));
    *J1 += lr / hk;
    *J2 += (lr + E / (u0 + E) - E / (u1 + E)) / hk;
}

/* The absorption phase after the dose that left p's anchor state, at efflux
 * factor 1/inv_f: looked up (a periodic regimen gives the same few states over
 * and over; states equal to 1e-12 share an entry) or integrated.  NULL when the
 * depot never becomes negligible (flip-flop kinetics, ka <= 2 ke). */
static const mw_abs_t *
absorption(mw_sim_t *s, int j, const mw_pk_t *p, double inv_f)
{
    mw_ther_t *th = &s->ther;
    const double ka = th->ka[j], ke = th->ke[j];

    if (!(ka > 2.0 * ke)) {
        return NULL;
    }
    for (int k = 0; k < th->abs_n[j]; k++) {
        const mw_abs_t *e = &th->abs[j][k];
        if (e->inv_f == inv_f && fabs(e->Gd - p->Gd) <= 1e-12 * p->Gd &&
            fabs(e->Ad - p->Ad) <= 1e-12 * (p->Ad + p->Gd)) {
            return e;
        }
    }
    /* the phase ends once the depot left would add less than DEPOT_EPS of the
     * central amount from then on: G e^{-ka s} ka / (ka - ke) <= DEPOT_EPS A(s) */
    mw_pk_t q = {p->td, p->Ad, p->Gd, 0.0, 0.0, p->td, p->Ad, p->Gd};
    double sc = log(p->Gd / (DEPOT_EPS * (p->Ad + p->Gd))) / ka, cen = 0.0;
    int k = 0;
    sc = sc > 0 ? sc : 0.0;
    for (; k < 8; k++, sc += log(1e3) / ka) {
        cen = pk_amount(th, j, &q, p->td + sc);
        if (p->Gd * exp(-ka * sc) * ka / (ka - ke) <= DEPOT_EPS * cen) {
            break;
        }
    }
    if (k == 8) {
        return NULL;
    }
    int slot = th->abs_n[j] < MW_ABS_CACHE ? th->abs_n[j]++ : th->abs_next[j];
    th->abs_next[j] = (slot + 1) % MW_ABS_CACHE;
    mw_abs_t *e = &th->abs[j][slot];
    *e = (mw_abs_t){p->Ad, p->Gd, inv_f, sc, cen, 0.0, 0.0};
    if (sc > 0) {
        /* features on the scale 1/ka near the dose and 1/ke later, both smooth in
         * w = ln(1 + ka (t - td)) */
        occ_fn_t F = {s, drug_of(s, j), j, &q, inv_f, p->td, ka};
        double w = log1p(ka * sc);
        kronrod(&F, 0.0, 0.5 * w, 0.5 * QUAD_TOL * sc, QUAD_DEPTH, &e->J1, &e->J2);
        kronrod(&F, 0.5 * w, w, 0.5 * QUAD_TOL * sc, QUAD_DEPTH, &e->J1, &e->J2);
    }
    return e;
}

/* int H and int H^2 from p's last dose to x days after it (x < the absorption
 * phase); the last one per drug is kept, as a step's end is the next one's start. */
static void
since_dose(mw_sim_t *s, int j, const mw_pk_t *p, double inv_f, double x, double *J1,
           double *J2)
{
    mw_ther_t *th = &s->ther;
    const double ka = th->ka[j];

    if (!(x > 0)) {
        *J1 = *J2 = 0;
        return;
    }
    if (th->part[j].td == p->td && th->part[j].x == x && th->part[j].inv_f == inv_f) {
        *J1 = th->part[j].J1;
        *J2 = th->part[j].J2;
        return;
    }
    mw_pk_t q = {p->td, p->Ad, p->Gd, 0.0, 0.0, p->td, p->Ad, p->Gd};
    occ_fn_t F = {s, drug_of(s, j), j, &q, inv_f, p->td, ka};
    double w = log1p(ka * x);
    *J1 = *J2 = 0;
    if (w > 1.0) {
        kronrod(&F, 0.0, 0.5 * w, 0.5 * QUAD_TOL * x, QUAD_DEPTH, J1, J2);
        kronrod(&F, 0.5 * w, w, 0.5 * QUAD_TOL * x, QUAD_DEPTH, J1, J2);
    } else {
        kronrod(&F, 0.0, w, QUAD_TOL * x, QUAD_DEPTH, J1, J2);
    }
    th->part[j].td = p->td;
    th->part[j].x = x;
    th->part[j].inv_f = inv_f;
    th->part[j].J1 = *J1;
    th->part[j].J2 = *J2;
}

/* int H and int H^2 over [a, b] from state p (no dose inside).  Pure elimination
 * is closed form.  After an oral or subcutaneous dose the quadrature covers only
 * the absorption phase, anchored at the dose (so whole phases repeat and are
 * looked up); the piece after it is elimination again. */
static void
piece(mw_sim_t *s, int j, const mw_pk_t *p, double a, double b, double inv_f, double *J1,
      double *J2)
{
    const mw_ther_t *th = &s->ther;
    const mw_drug_t *d = drug_of(s, j);
    const double scale = th->ng_per_mg[j] * inv_f;
    const int infusing = p->R > 0 && p->t_inf_end > a;
    const mw_abs_t *e;

    if (b <= a) {
        return;
    }
    if (p->G <= 0 && !infusing) {
        elimination(th, d, j, pk_amount(th, j, p, a) * scale, b - a, J1, J2);
        return;
    }
    if (!infusing && (e = absorption(s, j, p, inv_f)) != NULL) {
        double end = p->td + e->sc, x1, x2;
        if (a >= end) {
            /* the depot is spent: elimination from the phase's end */
            elimination(th, d, j, e->cen * exp(-th->ke[j] * (a - end)) * scale, b - a, J1,
                        J2);
            return;
        }
        since_dose(s, j, p, inv_f, a - p->td, &x1, &x2);
        if (b >= end) {
            *J1 += e->J1 - x1;
            *J2 += e->J2 - x2;
            elimination(th, d, j, e->cen * scale, b - end, J1, J2);
        } else {
            double y1, y2;
            since_dose(s, j, p, inv_f, b - p->td, &y1, &y2);
            *J1 += y1 - x1;
            *J2 += y2 - x2;
        }
        return;
    }
    occ_fn_t F = {s, d, j, p, inv_f, a, 0.0};
    kronrod(&F, a, b, QUAD_TOL * (b - a), QUAD_DEPTH, J1, J2);
}

/* int H and int H^2 of slot j over [t0, t1], through the queued doses inside. */
static void
integrate(mw_sim_t *s, int j, double t0, double t1, double inv_f, double *J1,
          double *J2)
{
    const mw_ther_t *th = &s->ther;
    mw_pk_t p = th->pk[j];
    double a = t0;

    *J1 = *J2 = 0;
    pk_advance(th, j, &p, t0);
    for (int i = th->q0; i <= th->nq; i++) {
        double b = t1;
        int dose = 0;
        if (i < th->nq && th->q[i].t <= t1) {
            if (th->q[i].drug != j) {
                continue;
            }
            b = th->q[i].t;
            dose = 1;
        }
        /* split at the end of a running infusion */
        if (p.R > 0 && p.t_inf_end > a && p.t_inf_end < b) {
            piece(s, j, &p, a, p.t_inf_end, inv_f, J1, J2);
            pk_advance(th, j, &p, p.t_inf_end);
            a = p.t_inf_end;
        }
        piece(s, j, &p, a, b, inv_f, J1, J2);
        if (!dose) {
            break;
        }
        pk_dose(s, j, &p, b, th->q[i].mg);
        a = b;
    }
}

/* Average kill of clone c over the step from this step's integrals. */
static void
clone_avg(mw_sim_t *s, int c)
{
    mw_ther_t *th = &s->ther;
    const double *sens = &s->dsens[(size_t) c * MW_MAX_DRUGS];
    const double *f = &s->dfx[(size_t) c * MW_MAX_DRUGS];
    const double nd = s->rates[c].nd;
    double kbm = 0, kem = 0;

    for (int j = 0; j < th->nu; j++) {
        if (!(th->step_k[j] > 0) || sens[j] <= 0) {
            continue;
        }
        double x = th->step_k[j];
        if (f[j] != 1.0) {
            int k = 0;
            for (; k < th->nf; k++) {
                if (th->fcache[k].j == j && th->fcache[k].f == f[j]) {
                    break;
                }
            }
            if (k == th->nf) {
                const mw_drug_t *d = drug_of(s, j);
                double J1 = 0, J2 = 0;
                if (th->nf < MW_FCACHE) {
                    th->nf++;
                } else {
                    k = MW_FCACHE - 1; /* overwrite the last entry */
                }
                integrate(s, j, th->step_t0, th->step_t1, 1.0 / f[j], &J1, &J2);
                th->fcache[k].j = j;
                th->fcache[k].f = f[j];
                th->fcache[k].k = d->emax * (J1 - d->antigen_downreg * J2) /
                                  (th->step_t1 - th->step_t0) * th->step_nk[j];
            }
            x = th->fcache[k].k;
        }
        x *= sens[j];
        kem += x;
        kbm += x * (1.0 - th->step_prot[j] * nd);
    }
    s->dk[2 * c] = kbm;
    s->dk[2 * c + 1] = kem;
}

double
mw__ther_step_kill(mw_sim_t *s, double t0, double t1, double il6)
{
    mw_ther_t *th = &s->ther;
    double worst = 0;

    th->step_t0 = t0;
    th->step_t1 = t1;
    th->nf = 0;
    for (int j = 0; j < th->nu; j++) {
        const mw_drug_t *d = drug_of(s, j);
        double J1 = 0, J2 = 0;
        th->step_k[j] = 0;
        if (!th->tumour_kill[j]) {
            continue;
        }
        integrate(s, j, t0, t1, 1.0, &J1, &J2);
        th->step_nk[j] = nk_factor(s, d);
        th->step_k[j] = d->emax * (J1 - d->antigen_downreg * J2) / (t1 - t0) * th->step_nk[j];
        /* the clone's niche dependence scales this (CAM-DR, marrow only) */
        th->step_prot[j] = d->niche_protection > 0
                               ? d->niche_protection * il6 / (il6 + s->sc.therapy.cam_il6_half)
                               : 0.0;
    }
    for (int i = 0; i < s->n_live; i++) {
        int c = s->live[i];
        clone_avg(s, c);
        double k = s->dk[2 * c + 1] > s->dk[2 * c] ? s->dk[2 * c + 1] : s->dk[2 * c];
        worst = k > worst ? k : worst;
    }
    return worst * (t1 - t0);
}

void
mw__ther_step_clone(mw_sim_t *s, int c)
{
    clone_avg(s, c);
}

/* ------------------------------------------------------------------------------
 * Effects on the immune system
 * ---------------------------------------------------------------------------- */

static int
moved(double a, double b)
{
    return fabs(a - b) > 0.01 * (fabs(a) > fabs(b) ? fabs(a) : fabs(b)) + 1e-12;
}

/* Concentration of slot j at time t through the queued doses up to t (hybrid
 * steps give the doses inside a step only at its end). */
static double
conc_queued(const mw_sim_t *s, int j, double t)
{
    const mw_ther_t *th = &s->ther;
    mw_pk_t p = th->pk[j];

    for (int i = th->q0; i < th->nq && th->q[i].t <= t; i++) {
        if (th->q[i].drug == j) {
            pk_dose(s, j, &p, th->q[i].t, th->q[i].mg);
        }
    }
    return pk_amount(th, j, &p, t) * th->ng_per_mg[j];
}

int
mw__ther_effects(mw_sim_t *s, double t)
{
    mw_ther_t *th = &s->ther;
    mw_drug_fx_t x = {1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0};
    int changed;

    for (int j = 0; j < th->nu; j++) {
        const mw_drug_t *d = drug_of(s, j);
        double H = d->route == MW_ROUTE_RADIATION ? 0.0 : occ(th, d, j, conc_queued(s, j, t));
        th->h_now[j] = H;
        if (H <= 0) {
            continue;
        }
        x.boost *= 1.0 + d->immune_boost * H;
        x.t_keep *= 1.0 - d->t_suppression * H;
        x.nk_death += d->nk_depletion * H;
        x.pd1 = d->pd1_blockade * H > x.pd1 ? d->pd1_blockade * H : x.pd1;
        x.priming *= 1.0 + d->priming * H;
        x.bcma_fold *= 1.0 + (d->bcma_fold - 1.0) * H;
        x.sbcma_keep *= 1.0 - d->sbcma_cut * H;
        x.demeth += d->demethylation * H;
    }
    /* against the effects the immune bounds were last built with, so that a slow
     * drift also triggers a rebuild */
    changed = moved(x.boost, th->fx_ref.boost) || moved(x.t_keep, th->fx_ref.t_keep) ||
              moved(x.nk_death, th->fx_ref.nk_death) || moved(x.pd1, th->fx_ref.pd1) ||
              moved(x.priming, th->fx_ref.priming) || moved(x.demeth, th->fx_ref.demeth);
    th->fx = x;
    if (changed) {
        th->fx_ref = x;
    }
    if (s->imm.nr > 0 && moved(x.bcma_fold, th->fx_bcma_recog)) {
        /* surface BCMA moved: rebuild every clone's recognition */
        th->fx_bcma_recog = x.bcma_fold;
        for (int c = 0; c < s->n_clones; c++) {
            mw__imm_recog_clone(s, c);
        }
        changed = 1;
    }
    if (changed && s->imm.on) {
        s->imm.dirty = 1;
    }
    return changed;
}

double
mw__ther_switch_extra(const mw_sim_t *s, int c)
{
    if (!s->ther.on || s->ther.fx.demeth <= 0 || !s->clones[c].switched) {
        return 0.0;
    }
    return s->rates[c].sw * s->ther.fx.demeth;
}

/* ------------------------------------------------------------------------------
 * Doses
 * ---------------------------------------------------------------------------- */

static double
dose_mg(const mw_sim_t *s, const mw_drug_t *d, double dose)
{
    switch (d->dose_unit) {
        case MW_DOSE_MG_M2:
            return dose * s->sc.body.bsa_m2;
        case MW_DOSE_MG_KG:
            return dose * s->sc.body.weight_kg;
        default:
            return dose;
    }
}

/* Radiotherapy fraction of D Gy: each extramedullary cell survives with
 * probability exp(-(alpha D + beta D^2)) (linear-quadratic model). */
static void
radiate(mw_sim_t *s, const mw_drug_t *d, double gy)
{
    double p = exp(-(d->rt_alpha * gy + d->rt_beta * gy * gy));

    for (int i = 0; i < s->n_live; i++) {
        mw_clone_t *k = &s->clones[s->live[i]];
        if (k->cells_em > 0) {
            double n1 = s->sc.engine.mode == MW_MODE_MEAN
                            ? k->cells_em * p
                            : mw_ran_binomial(&s->rng_drug, p, k->cells_em);
            s->deaths[k->id] += k->cells_em - n1;
            s->n_em -= k->cells_em - n1;
            k->cells_em = n1;
        }
    }
    s->tumour_dirty = 1;
}

/* Give one dose of slot j at time t. */
static int
give(mw_sim_t *s, int j, double t, double mg)
{
    mw_ther_t *th = &s->ther;
    const mw_drug_t *d = drug_of(s, j);
    int ret = mw__event_value(s, t, MW_EV_DOSE, MW_NULL_ID, th->drug_of[j], mg);

    if (ret != 0) {
        return ret;
    }
    if (d->route == MW_ROUTE_RADIATION) {
        radiate(s, d, mg);
        return 0;
    }
    pk_dose(s, j, &th->pk[j], t, mg);
    if (d->lymphodepletion > 0 && s->imm.on) {
        mw__imm_deplete(s, d->lymphodepletion, t);
        return mw__event(s, t, MW_EV_LYMPHODEPLETION, MW_NULL_ID, th->drug_of[j]);
    }
    return 0;
}

int
mw__ther_give_doses(mw_sim_t *s, double t)
{
    mw_ther_t *th = &s->ther;

    while (th->q0 < th->nq && th->q[th->q0].t <= t) {
        const mw_dose_ev_t *q = &th->q[th->q0++];
        int ret = give(s, q->drug, q->t, q->mg);
        if (ret != 0) {
            return ret;
        }
    }
    if (th->q0 == th->nq) {
        th->q0 = th->nq = 0;
    }
    return 0;
}

/* Queue one dose (kept in time order; equal times keep insertion order). */
static int
enqueue(mw_sim_t *s, double t, int j, double mg)
{
    mw_ther_t *th = &s->ther;
    int i;

    if (th->q0 > 0) {
        memmove(th->q, th->q + th->q0, (size_t) (th->nq - th->q0) * sizeof(th->q[0]));
        th->nq -= th->q0;
        th->q0 = 0;
    }
    if (th->nq >= MW_DOSEQ_MAX) {
        return mw__trace_error(MW_ERR_TOO_MANY);
    }
    for (i = th->nq; i > 0 && th->q[i - 1].t > t; i--) {
        th->q[i] = th->q[i - 1];
    }
    th->q[i].t = t;
    th->q[i].drug = j;
    th->q[i].mg = mg;
    th->nq++;
    return 0;
}

/* Queue cycle `cycle` (1-based) of regimen r starting at t0; doses at or after
 * stop_at are not given. */
static int
queue_cycle(mw_sim_t *s, int r, int cycle, double t0, double scale, double stop_at)
{
    const mw_scenario_t *sc = &s->sc;
    const mw_regimen_t *rg = &sc->therapy.regimens[r];

    for (int i = 0; i < rg->n_doses; i++) {
        const mw_regimen_dose_t *x = &rg->doses[i];
        if (cycle < x->first_cycle || (x->last_cycle > 0 && cycle > x->last_cycle)) {
            continue;
        }
        int d = find_drug(sc, x->drug);
        int j = s->ther.slot_of[d];
        double mg = dose_mg(s, &sc->therapy.drugs[d], x->dose) * scale;
        for (int day = 1; day <= rg->cycle_days && day <= MW_MAX_CYCLE_DAYS; day++) {
            if (!(x->days >> (day - 1) & 1u)) {
                continue;
            }
            double t = t0 + (day - 1);
            if (t >= stop_at) {
                continue;
            }
            int ret = enqueue(s, t, j, mg);
            if (ret != 0) {
                return ret;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------
 * The plan
 * ---------------------------------------------------------------------------- */

/* A line's CAR-T infusion not given yet is cancelled (the line ends or stops);
 * the course is then no longer the line's. */
static void
cancel_infusion(mw_sim_t *s)
{
    mw_ther_t *th = &s->ther;
    if (th->cart_product >= 0 && !s->imm.infused[th->cart_product]) {
        s->sc.immune.products[th->cart_product].infusion_day = INFINITY;
        th->cart_product = -1;
        th->t_infusion = th->t_ld = INFINITY;
    }
}

/* Start regimen r now as the active segment. */
static int
begin_regimen(mw_sim_t *s, double t, int r, int cycles, double scale, double stop_at)
{
    mw_ther_t *th = &s->ther;
    const mw_regimen_t *rg = &s->sc.therapy.regimens[r];

    th->regimen = r;
    th->cycle = 1;
    th->n_cycles = cycles < 0 ? rg->cycles : cycles;
    th->dose_scale = scale;
    th->stop_at = stop_at;
    th->next_cycle = t + rg->cycle_days;
    return queue_cycle(s, r, 1, t, scale, stop_at);
}

/* The segment after the current one ended at t (or the line's first). */
static int
next_segment(mw_sim_t *s, double t)
{
    mw_ther_t *th = &s->ther;
    const mw_line_t *ln = &s->sc.therapy.lines[th->line];

    th->regimen = -1;
    th->next_cycle = INFINITY;
    th->stop_at = INFINITY;
    if (th->course_stage == 0 && th->cart_product >= 0) {
        /* bridging ended at lymphodepletion */
        th->course_stage = 1;
        th->phase_start = th->t_ld;
        return 0;
    }
    th->phase++;
    if (th->phase >= ln->n_phases && th->cart_product >= 0 && t < th->t_infusion) {
        /* lymphodepletion is over: the line's last act is the infusion */
        th->phase--;
        th->wait_infusion = 1;
        th->phase_start = th->t_infusion;
        return 0;
    }
    if (th->phase >= ln->n_phases) {
        th->phase_start = INFINITY;
        if (!th->line_done) {
            th->line_done = 1;
            return mw__event(s, t, MW_EV_LINE_END, MW_NULL_ID, th->line);
        }
        return 0;
    }
    double anchor = th->cart_product >= 0 ? th->t_infusion : -INFINITY;
    double t0 = t > anchor ? t : anchor;
    th->phase_start = t0 + ln->phases[th->phase].gap_days;
    return 0;
}

static int
start_line(mw_sim_t *s, int l, double t)
{
    mw_ther_t *th = &s->ther;
    mw_scenario_t *sc = &s->sc;
    const mw_line_t *ln = &sc->therapy.lines[l];
    int ret;

    /* doses of the previous line not yet given are cancelled, and so is a CAR-T
     * infusion it had scheduled */
    th->q0 = th->nq = 0;
    cancel_infusion(s);
    th->line = l;
    th->phase = -1;
    th->regimen = -1;
    th->add_regimen = -1;
    th->add_next = INFINITY;
    th->next_cycle = INFINITY;
    th->stop_at = INFINITY;
    th->line_done = 0;
    th->line_start = t;
    th->cart_product = -1;
    th->wait_infusion = 0;
    th->course_stage = 2;
    th->t_infusion = th->t_ld = INFINITY;
    ret = mw__event(s, t, MW_EV_LINE_START, MW_NULL_ID, l);
    if (ret != 0) {
        return ret;
    }
    mw__clinic_line_start(s, t);
    int cart = ln->cart_product[0] != '\0' ? find_product(sc, ln->cart_product) : -1;
    if (cart >= 0 && s->imm.infused[cart]) {
        cart = -1; /* restarted after its infusion: a product is given once */
    }
    if (cart >= 0) {
        int k = cart;
        th->cart_product = k;
        th->t_infusion = t + ln->vein_to_vein_days;
        th->t_ld = ln->lymphodepletion[0] != '\0' ? th->t_infusion + ln->ld_start_day
                                                  : th->t_infusion;
        if (th->t_ld < t) {
            th->t_ld = t;
        }
        th->bridging = ln->bridging[0] != '\0' ? find_regimen(sc, ln->bridging) : -1;
        th->ld_regimen =
            ln->lymphodepletion[0] != '\0' ? find_regimen(sc, ln->lymphodepletion) : -1;
        /* the immune schedule infuses the product then */
        sc->immune.products[k].infusion_day = th->t_infusion;
        ret = mw__event(s, t, MW_EV_APHERESIS, MW_NULL_ID, l);
        if (ret != 0) {
            return ret;
        }
        if (th->bridging >= 0 && th->t_ld > t) {
            th->course_stage = 0;
            return begin_regimen(s, t, th->bridging, 0, 1.0, th->t_ld);
        }
        th->course_stage = 1;
        th->phase_start = th->t_ld;
        return 0;
    }
    return next_segment(s, t);
}

/* A policy moves the plan to line l (0-based) at t; past the last line it stops. */
int
mw__ther_goto_line(mw_sim_t *s, int l, double t)
{
    if (!s->ther.on) {
        return 0;
    }
    if (l >= 0 && l < s->sc.therapy.n_lines) {
        return start_line(s, l, t);
    }
    return mw__ther_stop(s, t);
}

int
mw__ther_treating(const mw_sim_t *s)
{
    const mw_ther_t *th = &s->ther;
    return th->on && th->line >= 0 && th->line < s->sc.therapy.n_lines && !th->line_done;
}

int
mw__ther_resume(mw_sim_t *s, double t)
{
    mw_ther_t *th = &s->ther;
    const mw_line_t *ln;

    if (!th->on || th->line < 0 || th->line >= s->sc.therapy.n_lines || !th->line_done) {
        return 0;
    }
    ln = &s->sc.therapy.lines[th->line];
    if (ln->n_phases < 1) {
        return 0; /* a CAR-T course is not given again */
    }
    th->line_done = 0;
    th->phase = 0;
    th->regimen = -1;
    th->next_cycle = th->stop_at = INFINITY;
    th->phase_start = t + ln->phases[0].gap_days;
    return 0;
}

int
mw__ther_add_regimen(mw_sim_t *s, int r, double t)
{
    mw_ther_t *th = &s->ther;

    if (!th->on || th->line < 0 || th->line >= s->sc.therapy.n_lines || r < 0 ||
        th->add_regimen == r) {
        return 0; /* already being given: its queued cycle stands */
    }
    th->add_regimen = r;
    th->add_cycle = 1;
    th->add_next = t + s->sc.therapy.regimens[r].cycle_days;
    return queue_cycle(s, r, 1, t, 1.0, INFINITY);
}

/* A policy stops the current line's treatment at t: queued doses and a pending
 * infusion are cancelled; the line stays current, so progression still moves to
 * the next one. */
int
mw__ther_stop(mw_sim_t *s, double t)
{
    mw_ther_t *th = &s->ther;

    if (!th->on || th->line < 0 || th->line >= s->sc.therapy.n_lines) {
        return 0;
    }
    th->q0 = th->nq = 0;
    cancel_infusion(s);
    th->regimen = -1;
    th->add_regimen = -1;
    th->add_next = INFINITY;
    th->wait_infusion = 0;
    th->next_cycle = th->phase_start = th->stop_at = INFINITY;
    th->course_stage = 2;
    th->phase = s->sc.therapy.lines[th->line].n_phases;
    if (!th->line_done) {
        th->line_done = 1;
        return mw__event(s, t, MW_EV_LINE_END, MW_NULL_ID, th->line);
    }
    return 0;
}

/* The clinic confirmed progression at t (IMWG, from observations; the progression
 * date is pd_day, the first of the confirming assessments): the next line starts
 * now, or treatment stops when there is none. */
int
mw__ther_progressed(mw_sim_t *s, double t, double pd_day, double m_obs)
{
    mw_ther_t *th = &s->ther;
    const mw_scenario_t *sc = &s->sc;

    if (sc->therapy.n_lines == 0) {
        /* the clinic's implicit line of a scenario without a plan: recorded, and
         * nothing to move on to */
        th->progressions++;
        th->first_progression = isnan(th->first_progression) ? pd_day : th->first_progression;
        return mw__event_value(s, t, MW_EV_PROGRESSION, MW_NULL_ID, 0, m_obs);
    }
    if (!th->on || th->line < 0 || th->line >= sc->therapy.n_lines) {
        return 0;
    }
    th->progressions++;
    if (isnan(th->first_progression)) {
        th->first_progression = pd_day;
    }
    int ret = mw__event_value(s, t, MW_EV_PROGRESSION, MW_NULL_ID, th->line, m_obs);
    if (ret != 0) {
        return ret;
    }
    if (th->line + 1 < sc->therapy.n_lines) {
        return start_line(s, th->line + 1, t);
    }
    /* no further line: off treatment */
    th->q0 = th->nq = 0;
    cancel_infusion(s);
    th->line = sc->therapy.n_lines;
    th->regimen = -1;
    th->add_regimen = -1;
    th->add_next = INFINITY;
    th->phase = -1;
    th->next_cycle = th->phase_start = INFINITY;
    return 0;
}

/* The next structural plan time after t. */
static double
next_structural(const mw_sim_t *s)
{
    const mw_ther_t *th = &s->ther;
    double x = INFINITY;

    if (th->line < 0) {
        return s->sc.therapy.start_day;
    }
    if (th->regimen >= 0) {
        x = th->next_cycle < th->stop_at ? th->next_cycle : th->stop_at;
    } else {
        x = th->phase_start;
    }
    return th->add_next < x ? th->add_next : x;
}

int
mw__ther_apply(mw_sim_t *s, double t)
{
    mw_ther_t *th = &s->ther;
    const mw_scenario_t *sc = &s->sc;
    int ret = 0;

    if (!th->on) {
        return 0;
    }
    for (int guard = 0; guard < 10000 && ret == 0; guard++) {
        double tn = next_structural(s);
        if (!(tn <= t)) {
            break;
        }
        if (th->line < 0) {
            ret = start_line(s, 0, tn);
        } else if (th->add_regimen >= 0 && th->add_next <= tn) {
            const mw_regimen_t *rg = &sc->therapy.regimens[th->add_regimen];
            th->add_cycle++;
            if (rg->cycles > 0 && th->add_cycle > rg->cycles) {
                th->add_regimen = -1;
                th->add_next = INFINITY;
            } else {
                th->add_next = tn + rg->cycle_days;
                ret = queue_cycle(s, th->add_regimen, th->add_cycle, tn, 1.0, INFINITY);
            }
        } else if (th->regimen >= 0) {
            if (tn >= th->stop_at) {
                ret = next_segment(s, tn);
            } else {
                th->cycle++;
                if (th->n_cycles > 0 && th->cycle > th->n_cycles) {
                    ret = next_segment(s, tn);
                } else {
                    const mw_regimen_t *rg = &sc->therapy.regimens[th->regimen];
                    th->next_cycle = tn + rg->cycle_days;
                    ret = queue_cycle(s, th->regimen, th->cycle, tn, th->dose_scale,
                                      th->stop_at);
                }
            }
        } else if (th->course_stage == 1 && th->cart_product >= 0) {
            /* lymphodepletion, then the phases after infusion */
            th->course_stage = 2;
            th->phase = -1;
            if (th->ld_regimen >= 0) {
                ret = begin_regimen(s, tn, th->ld_regimen, -1, 1.0, INFINITY);
                /* its end starts the phases (anchored at the infusion) */
            } else {
                ret = next_segment(s, tn);
            }
        } else if (th->wait_infusion) {
            th->wait_infusion = 0;
            th->phase_start = INFINITY;
            ret = next_segment(s, tn);
        } else {
            const mw_line_t *ln = &sc->therapy.lines[th->line];
            const mw_phase_t *ph = &ln->phases[th->phase];
            int r = find_regimen(sc, ph->regimen);
            th->phase_start = INFINITY;
            ret = mw__event_value(s, tn, MW_EV_PHASE_START, MW_NULL_ID, th->line, th->phase);
            if (ret == 0) {
                ret = begin_regimen(s, tn, r, ph->cycles, ph->dose_scale, INFINITY);
            }
        }
    }
    if (ret != 0) {
        return ret;
    }
    return mw__ther_give_doses(s, t); /* doses due now */
}

double
mw__ther_next_time(const mw_sim_t *s, double t)
{
    const mw_ther_t *th = &s->ther;
    double x;

    if (!th->on) {
        return INFINITY;
    }
    x = next_structural(s);
    for (int i = th->q0; i < th->nq; i++) {
        if (th->q[i].t <= t) {
            continue;
        }
        if (s->sc.engine.mode != MW_MODE_HYBRID || th->instant[th->q[i].drug]) {
            if (th->q[i].t < x) {
                x = th->q[i].t;
            }
            break;
        }
    }
    return x > t ? x : INFINITY;
}

/* ------------------------------------------------------------------------------
 * Public accessors
 * ---------------------------------------------------------------------------- */

int
mw_sim_drug(const mw_sim_t *s, int drug, mw_drug_state_t *out)
{
    memset(out, 0, sizeof(*out));
    if (drug < 0 || drug >= s->sc.therapy.n_drugs) {
        return MW_ERR_BAD_PARAM;
    }
    int j = s->ther.on ? s->ther.slot_of[drug] : -1;
    if (j < 0) {
        return 0;
    }
    const mw_drug_t *d = drug_of(s, j);
    out->in_plan = 1;
    out->conc_ng_ml = mw__ther_conc(s, j, s->t);
    out->occupancy = occ(&s->ther, d, j, out->conc_ng_ml);
    out->kill_per_day = d->route == MW_ROUTE_RADIATION
                            ? 0.0
                            : d->emax * out->occupancy *
                                  (1.0 - d->antigen_downreg * out->occupancy) * nk_factor(s, d);
    return 0;
}

void
mw_sim_therapy(const mw_sim_t *s, mw_therapy_state_t *out)
{
    const mw_ther_t *th = &s->ther;
    out->line = th->line;
    out->phase = th->phase;
    out->cycle = th->regimen >= 0 ? th->cycle : 0;
    out->on_treatment = th->regimen >= 0 || th->add_regimen >= 0;
    out->progressions = th->progressions;
    out->first_progression_day = th->first_progression;
    out->nadir_g_dl = s->clin.line == th->line && s->clin.assessed ? s->clin.result.nadir : NAN;
}
