/*
 * The immune model (SPEC.md §3), shared by the exact, hybrid and mean engines.
 * Equations (docs/model.md "Immune model"), for CAR-T product p with effector,
 * memory and exhausted cells E, M, X and recognition r_pc of clone c:
 *
 *   A_p      = sum_c r_pc n_c                      antigen load
 *   sat_p    = A_p / (K_A + A_p)
 *   g_supp_p = 1 / (1 + S_p / S50),  S_p = (S10 + [no tgfbr_dn] Stgf)(1 - [IL-12] relief)
 *   E: division   rho (1 + [IL-18] f18)(1 - steroid cut) sat'_p g_supp_p + hb, where
 *                 sat' uses the PD-L1-braked load A_p - brake_p sum_c r_pc n_c pdl1_c,
 *                 hb = boost * max(0, 1 - T / T_ss)   (homeostatic, after lymphodepletion)
 *      death dE (+ safety switch), -> M at kEM, -> X at
 *      kX = x0 + x1 sat_p (1 + xP pdl1bar_p (1 - blockade)(1 - pd1_ko))
 *   M: death dM (+ switch), -> E at react sat_p
 *   X: death dX (+ switch)
 *   kill of clone c: sum_p gamma r_pc E_p/(k_E + E_p) g_supp_p (1 - pdl1_c (1 - blockade)(1 - pd1_ko))
 *                  + T:  t_kill imid T/(k_T + T) g_supp (1 - hla_c)(1 - pdl1_c (1 - blockade))
 *                  + NK: nk_kill imid NK/(k_NK + NK) g_supp (1 + boost hla_c)
 *                  + engager g: kill_g occ_g(t) r_gc T/(k_T + T) g_supp (1 - pdl1_c (1 - blockade))
 *   trogocytosis: the clone's switch-down rate rises by trog sum_p r_pc E_p/(k_E + E_p).
 *   T: influx t_cells t_death (x CCL19 recruit), death t_death,
 *      -> TX at sum_g exhaustion_g occ_g sat_g;  NK: influx and death likewise.
 */
#include <math.h>
#include <string.h>

#include "core/core.h"
#include "engine/engine.h"
#include "immune/immune.h"
#include "rng/rng.h"

#define IE(p) (3 * (p))
#define IM(p) (3 * (p) + 1)
#define IX(p) (3 * (p) + 2)

static int
i_t(const mw_imm_t *im)
{
    return 3 * im->np;
}

static int
any_armor(const mw_sim_t *s, int armor)
{
    for (int p = 0; p < s->imm.np; p++) {
        if (s->imm.infused[p] && s->sc.immune.products[p].armor == armor) {
            return 1;
        }
    }
    return 0;
}

void
mw__imm_init(mw_sim_t *s)
{
    const mw_scenario_t *sc = &s->sc;
    mw_imm_t *im = &s->imm;

    memset(im, 0, sizeof(*im));
    im->np = sc->immune.n_products;
    im->ng = sc->immune.n_engagers;
    im->nr = im->np + im->ng;
    im->ni = 3 * im->np + 3;
    im->on = im->nr > 0 || sc->immune.t_kill_max > 0 || sc->immune.nk_kill_max > 0;
    im->t_ss = sc->immune.t_cells;
    /* steady state without CCL19 recruitment (it starts with the armored infusion) */
    im->n[i_t(im)] = round(sc->immune.t_cells);
    im->n[i_t(im) + 2] = round(sc->immune.nk_cells);
    for (int p = 0; p < im->np; p++) {
        const mw_product_t *pr = &sc->immune.products[p];
        im->sw_on[p] = pr->safety_switch != MW_SWITCH_NONE ? pr->switch_day : INFINITY;
        im->t_infused[p] = NAN;
        im->pk[p].tmax_days = NAN;
    }
    im->crs_onset = NAN;
    im->toci_until = -INFINITY;
    im->steroid_until = -INFINITY;
    im->t_conc = s->t;
}

void
mw__imm_recog_clone(mw_sim_t *s, int c)
{
    const mw_scenario_t *sc = &s->sc;
    const mw_imm_t *im = &s->imm;
    const mw_traits_t *t = &s->clones[c].traits;
    double *r = &s->recog[(size_t) c * (size_t) im->nr];
    mw_traits_t gsi;

    if (s->ther.fx_bcma_recog != 1.0) {
        /* a gamma-secretase inhibitor raises surface BCMA */
        gsi = *t;
        gsi.antigen[MW_AG_BCMA].density *= s->ther.fx_bcma_recog;
        t = &gsi;
    }
    for (int p = 0; p < im->np; p++) {
        mw_costim_t cs;
        mw__product_costim(sc, &sc->immune.products[p], &cs);
        r[p] = mw__recognise_product(t, &sc->immune.products[p], cs.d50_factor);
    }
    for (int g = 0; g < im->ng; g++) {
        r[im->np + g] = mw__recognise_target(t, &sc->immune.engagers[g].target, 1.0);
    }
}

void
mw__imm_load_add(const mw_sim_t *s, int c, double n, mw_imm_load_t *L)
{
    const mw_traits_t *t = &s->clones[c].traits;
    const double *r = &s->recog[(size_t) c * (size_t) s->imm.nr];

    L->S10 += n * t->il10;
    L->Stgf += n * t->tgfb;
    for (int j = 0; j < s->imm.nr; j++) {
        L->A[j] += r[j] * n;
        L->AP[j] += r[j] * n * t->pdl1;
    }
}

void
mw__imm_load(const mw_sim_t *s, mw_imm_load_t *L)
{
    memset(L, 0, sizeof(*L));
    for (int i = 0; i < s->n_live; i++) {
        int c = s->live[i];
        double n = s->clones[c].cells_bm + s->clones[c].cells_em;
        if (n > 0) {
            mw__imm_load_add(s, c, n, L);
        }
    }
}

/* Total engager concentration at time t (ug/mL): first-order elimination since
 * the last dose. */
static double
conc_at(const mw_sim_t *s, int g, double t)
{
    const mw_engager_t *e = &s->sc.immune.engagers[g];
    double k = MW_LN2 / e->half_life_days;
    double dt = t - s->imm.t_conc;
    return s->imm.conc[g] * exp(-k * (dt > 0 ? dt : 0));
}

double
mw__imm_occupancy(const mw_sim_t *s, int g, double t)
{
    const mw_engager_t *e = &s->sc.immune.engagers[g];
    double c = conc_at(s, g, t);
    if (e->target.antigen == MW_AG_BCMA) {
        c /= 1.0 + s->mk.sbcma_ng_ml / e->sink_ng_ml; /* soluble BCMA decoy */
    }
    return c / (c + e->ec50_ug_ml);
}

/* Occupancy without the sBCMA sink: an upper bound until the next dose. */
static double
occupancy_bound(const mw_sim_t *s, int g, double t)
{
    double c = conc_at(s, g, t);
    return c / (c + s->sc.immune.engagers[g].ec50_ug_ml);
}

static double
supp_factor(const mw_sim_t *s, const mw_imm_load_t *L, int p)
{
    const mw_scenario_t *sc = &s->sc;
    double S = L->S10 + L->Stgf;

    if (p >= 0) {
        const mw_product_t *pr = &sc->immune.products[p];
        S = L->S10 + (pr->tgfbr_dn ? 0.0 : L->Stgf);
        if (pr->armor == MW_ARMOR_IL12) {
            S *= 1.0 - sc->immune.il12_relief;
        }
    }
    return 1.0 / (1.0 + S / sc->immune.suppression_half);
}

/* PD-1 blockade now: the scheduled one or an anti-PD-1 drug, whichever is larger. */
static double
blockade(const mw_sim_t *s)
{
    double b = s->imm.blockade_on ? s->sc.immune.pd1_blockade : 0.0;
    return s->ther.fx.pd1 > b ? s->ther.fx.pd1 : b;
}

/* Weight of the PD-L1 brake on product p's cells: (1 - blockade)(1 - pd1_ko). */
static double
pd1_brake(const mw_sim_t *s, const mw_product_t *pr)
{
    return pr->pd1_ko ? 0.0 : 1.0 - blockade(s);
}

/* Product p's safety switch: extra death rate while active, and its window. */
static double
switch_days(const mw_product_t *pr)
{
    return pr->safety_switch == MW_SWITCH_ICASP9 ? MW_ICASP9_DAYS : MW_RQR8_DAYS;
}

static double
switch_rate(const mw_sim_t *s, int p, double t)
{
    const mw_product_t *pr = &s->sc.immune.products[p];
    if (!(t >= s->imm.sw_on[p] && t < s->imm.sw_on[p] + switch_days(pr))) {
        return 0.0;
    }
    return pr->safety_switch == MW_SWITCH_ICASP9 ? MW_ICASP9_RATE : MW_RQR8_RATE;
}

void
mw__imm_kill_factors(const mw_sim_t *s, const double *n, const mw_imm_load_t *L, double t,
                     mw_imm_kill_t *K)
{
    const mw_scenario_t *sc = &s->sc;
    const mw_imm_t *im = &s->imm;
    const double bl = blockade(s);
    const double T = n[i_t(im)], NK = n[i_t(im) + 2];
    const double g_endo = supp_factor(s, L, -1);
    const double fT = T > 0 ? T / (sc->immune.t_half_sat + T) : 0.0;
    const mw_drug_fx_t *fx = &s->ther.fx;

    memset(K, 0, sizeof(*K));
    for (int p = 0; p < im->np; p++) {
        const mw_product_t *pr = &sc->immune.products[p];
        double E = n[IE(p)];
        double fE = E > 0 ? E / (sc->immune.effector_half_sat + E) : 0.0;
        K->kill[p] = sc->immune.kill_max * fE * supp_factor(s, L, p) * fx->boost * fx->t_keep;
        K->brake[p] = pd1_brake(s, pr);
        if (s->sc.plasticity.n_edits > 0 && sc->immune.trogocytosis > 0) {
            K->trog[p] = sc->immune.trogocytosis * fE;
        }
    }
    for (int g = 0; g < im->ng; g++) {
        const mw_engager_t *e = &sc->immune.engagers[g];
        K->kill[im->np + g] =
            e->kill_max * mw__imm_occupancy(s, g, t) * fT * g_endo * fx->boost * fx->t_keep;
        K->brake[im->np + g] = 1.0 - bl;
    }
    K->t_kill = sc->immune.t_kill_max * sc->immune.imid_boost * fT * g_endo * fx->boost *
                fx->t_keep;
    K->t_brake = 1.0 - bl;
    K->nk_kill = NK > 0 ? sc->immune.nk_kill_max * sc->immune.imid_boost * NK /
                              (sc->immune.nk_half_sat + NK) * g_endo * fx->boost
                        : 0.0;
    K->nk_boost = sc->immune.nk_hla_boost;
}

double
mw__imm_kill_clone(const mw_sim_t *s, int c, const mw_imm_kill_t *K, double *trog)
{
    const mw_imm_t *im = &s->imm;
    const mw_traits_t *t = &s->clones[c].traits;
    const double *r = &s->recog[(size_t) c * (size_t) im->nr];
    double k = 0, tr = 0;

    for (int j = 0; j < im->nr; j++) {
        if (r[j] > 0) {
            k += K->kill[j] * r[j] * (1.0 - t->pdl1 * K->brake[j]);
            tr += K->trog[j] * r[j];
        }
    }
    if (!t->hla_loss) {
        k += K->t_kill * (1.0 - t->pdl1 * K->t_brake);
    }
    k += K->nk_kill * (1.0 + K->nk_boost * (t->hla_loss ? 1.0 : 0.0));
    if (trog != NULL) {
        *trog = s->clones[c].switched ? 0.0 : tr;
    }
    return k;
}

double
mw__imm_kill_bound(const mw_sim_t *s, int c, double t, double *trog_bound)
{
    const mw_scenario_t *sc = &s->sc;
    const mw_imm_t *im = &s->imm;
    mw_imm_kill_t K;
    double n[MW_NI_MAX];
    mw_imm_load_t L;

    /* Every saturating factor at 1, no suppression; the PD-L1 brake and the
     * occupancy only lower the rate.  Products not yet infused (or emptied)
     * contribute nothing until the next schedule time. */
    memset(&L, 0, sizeof(L));
    for (int i = 0; i < MW_NI_MAX; i++) {
        n[i] = 1e300; /* saturates every E/(k + E) */
    }
    for (int p = 0; p < im->np; p++) {
        if (s->imm.n[IE(p)] + s->imm.n[IM(p)] <= 0) {
            n[IE(p)] = 0; /* memory can re-activate: bound kept only with cells */
        }
    }
    mw__imm_kill_factors(s, n, &L, t, &K);
    for (int g = 0; g < im->ng; g++) {
        /* concentration only falls between doses */
        K.kill[im->np + g] =
            sc->immune.engagers[g].kill_max * occupancy_bound(s, g, t) * s->ther.fx.boost;
    }
    K.t_kill = sc->immune.t_kill_max * sc->immune.imid_boost * s->ther.fx.boost;
    K.nk_kill = sc->immune.nk_kill_max * sc->immune.imid_boost * s->ther.fx.boost;
    for (int j = 0; j < MW_NR_MAX; j++) {
        K.brake[j] = 0;
    }
    K.t_brake = 0;
    return mw__imm_kill_clone(s, c, &K, trog_bound);
}

void
mw__imm_rates(const mw_sim_t *s, const double *n, const mw_imm_load_t *L, double t,
              mw_imm_rates_t *r)
{
    const mw_scenario_t *sc = &s->sc;
    const mw_imm_t *im = &s->imm;
    const int it = i_t(im);
    const double T = n[it];
    const int steroid = t < im->steroid_until;
    double hb = 0, recruit = any_armor(s, MW_ARMOR_CCL19) ? sc->immune.ccl19_recruit : 1.0;
    double tx = 0;

    if (im->t_ss > 0 && T < im->t_ss) {
        hb = sc->immune.homeostatic_boost * (1.0 - T / im->t_ss);
    }
    for (int i = 0; i < im->ni; i++) {
        r[i].lam = r[i].death = r[i].influx = 0;
        r[i].out[0] = r[i].out[1] = 0;
        r[i].to[0] = r[i].to[1] = -1;
    }
    for (int p = 0; p < im->np; p++) {
        const mw_product_t *pr = &sc->immune.products[p];
        mw_costim_t cs;
        double A = L->A[p];
        double sat = A > 0 ? A / (sc->immune.antigen_half_sat + A) : 0.0;
        double pbar = A > 0 ? L->AP[p] / A : 0.0;
        /* PD-1 signalling also damps the antigen stimulus for division (Kosinsky
         * 2018: activation x (1 - PD-L1 occupancy)) */
        double brake = pd1_brake(s, pr);
        double As = A - brake * L->AP[p];
        double sat_x = As > 0 ? As / (sc->immune.antigen_half_sat + As) : 0.0;
        double sw = switch_rate(s, p, t);
        mw__product_costim(sc, pr, &cs);
        r[IE(p)].lam = cs.expansion_max *
                           (1.0 + (pr->armor == MW_ARMOR_IL18 ? sc->immune.il18_expansion : 0)) *
                           (1.0 - (steroid ? sc->toxicity.steroid_expansion_cut : 0.0)) *
                           sat_x * supp_factor(s, L, p) * s->ther.fx.t_keep +
                       hb;
        r[IE(p)].death = cs.effector_death + sw;
        r[IE(p)].out[0] = cs.memory_rate;
        r[IE(p)].to[0] = IM(p);
        r[IE(p)].out[1] = sc->immune.exhaustion_base +
                          sc->immune.exhaustion_stim * sat *
                              (1.0 + sc->immune.exhaustion_pdl1 * pbar * brake);
        r[IE(p)].to[1] = IX(p);
        r[IM(p)].death = cs.memory_death + sw;
        r[IM(p)].out[0] = sc->immune.reactivation * sat;
        r[IM(p)].to[0] = IE(p);
        r[IX(p)].death = sc->immune.exhausted_death + sw;
    }
    for (int g = 0; g < im->ng; g++) {
        double A = L->A[im->np + g];
        double sat = A > 0 ? A / (sc->immune.antigen_half_sat + A) : 0.0;
        tx += sc->immune.engagers[g].exhaustion * mw__imm_occupancy(s, g, t) * sat;
    }
    r[it].influx = sc->immune.t_cells * sc->immune.t_death * recruit * s->ther.fx.priming;
    r[it].death = sc->immune.t_death;
    r[it].out[0] = tx;
    r[it].to[0] = it + 1;
    r[it + 1].death = sc->immune.tx_death;
    r[it + 2].influx = sc->immune.nk_cells * sc->immune.nk_death * recruit;
    r[it + 2].death = sc->immune.nk_death + s->ther.fx.nk_death;
}

void
mw__imm_rates_bound(const mw_sim_t *s, double t, mw_imm_rates_t *r)
{
    const mw_scenario_t *sc = &s->sc;
    const mw_imm_t *im = &s->imm;
    mw_imm_load_t L;
    double n[MW_NI_MAX];

    /* saturating antigen, no suppression, PD-L1 = 1 on every recognised cell,
     * fully depleted T cells (largest homeostatic boost) */
    memset(&L, 0, sizeof(L));
    for (int j = 0; j < MW_NR_MAX; j++) {
        L.A[j] = 1e300;
        L.AP[j] = 1e300;
    }
    memcpy(n, im->n, sizeof(n));
    n[i_t(im)] = 0;
    mw__imm_rates(s, n, &L, t, r);
    for (int p = 0; p < im->np; p++) {
        const mw_product_t *pr = &sc->immune.products[p];
        mw_costim_t cs;
        mw__product_costim(sc, pr, &cs);
        r[IE(p)].lam = cs.expansion_max *
                           (1.0 + (pr->armor == MW_ARMOR_IL18 ? sc->immune.il18_expansion : 0)) +
                       sc->immune.homeostatic_boost;
        r[IE(p)].out[1] = sc->immune.exhaustion_base +
                          sc->immune.exhaustion_stim * (1.0 + sc->immune.exhaustion_pdl1);
        r[IM(p)].out[0] = sc->immune.reactivation;
    }
    {
        double tx = 0;
        for (int g = 0; g < im->ng; g++) {
            tx += sc->immune.engagers[g].exhaustion * occupancy_bound(s, g, t);
        }
        r[i_t(im)].out[0] = tx;
    }
}

void
mw__imm_deplete(mw_sim_t *s, double frac, double t)
{
    mw_imm_t *im = &s->imm;

    /* T, exhausted T and NK cells, and every CAR-T population */
    for (int i = 0; i < im->ni; i++) {
        im->n[i] = s->sc.engine.mode == MW_MODE_MEAN
                       ? im->n[i] * (1.0 - frac)
                       : mw_ran_binomial(&s->rng_imm, 1.0 - frac, im->n[i]);
    }
    im->dirty = 1;
    (void) t;
}

/* Day of dose k of engager g (inf after the schedule ends). */
static double
dose_day(const mw_scenario_t *sc, int g, int k, double *mg_kg)
{
    const mw_engager_t *e = &sc->immune.engagers[g];
    double d;
    if (k < e->n_step_up) {
        d = e->start_day + k * e->step_up_every_days;
        *mg_kg = e->step_up[k].mg_kg;
    } else {
        d = e->start_day + e->n_step_up * e->step_up_every_days +
            (k - e->n_step_up) * e->every_days;
        *mg_kg = e->dose_mg_kg;
    }
    return d < e->stop_day ? d : INFINITY;
}

double
mw__imm_next_time(const mw_sim_t *s, double t)
{
    const mw_scenario_t *sc = &s->sc;
    const mw_imm_t *im = &s->imm;
    double next = INFINITY, mg;

#define CAND(x)                                                                       \
    do {                                                                              \
        double x_ = (x);                                                              \
        if (x_ > t && x_ < next) {                                                    \
            next = x_;                                                                \
        }                                                                             \
    } while (0)
    if (!im->on) {
        return INFINITY;
    }
    if (sc->immune.ld_depth > 0 && !im->ld_done) {
        CAND(sc->immune.ld_day);
    }
    if (sc->immune.pd1_blockade > 0 && !im->blockade_on) {
        CAND(sc->immune.pd1_blockade_day);
    }
    for (int p = 0; p < im->np; p++) {
        const mw_product_t *pr = &sc->immune.products[p];
        if (!im->infused[p]) {
            CAND(pr->infusion_day);
        }
        if (isfinite(im->sw_on[p])) {
            CAND(im->sw_on[p]);
            CAND(im->sw_on[p] + switch_days(pr));
        }
    }
    for (int g = 0; g < im->ng; g++) {
        CAND(dose_day(sc, g, im->next_dose[g], &mg));
    }
    CAND(im->toci_until);
    CAND(im->steroid_until);
#undef CAND
    return next;
}

int
mw__imm_apply_schedule(mw_sim_t *s, double t)
{
    const mw_scenario_t *sc = &s->sc;
    mw_imm_t *im = &s->imm;
    int ret = 0;
    double mg;

    if (!im->on) {
        return 0;
    }
    if (sc->immune.ld_depth > 0 && !im->ld_done && sc->immune.ld_day <= t) {
        int it = i_t(im);
        im->ld_done = 1;
        im->dirty = 1;
        /* A lymphodepletion scheduled before the simulation started takes effect
         * now, with the recovery since then (deterministic, at each population's
         * turnover rate): Flu/Cy on day -3 and infusion on day 0 work. */
        double ago = t > sc->immune.ld_day ? t - sc->immune.ld_day : 0.0;
        for (int i = it; i < it + 3; i++) {
            double d = i == it + 2 ? sc->immune.nk_death : sc->immune.t_death;
            double depth = sc->immune.ld_depth * exp(-d * ago);
            im->n[i] = sc->engine.mode == MW_MODE_MEAN
                           ? im->n[i] * (1.0 - depth) /* the mean field has no draws */
                           : mw_ran_binomial(&s->rng_imm, 1.0 - depth, im->n[i]);
        }
        ret = mw__event(s, t, MW_EV_LYMPHODEPLETION, MW_NULL_ID, MW_NULL_ID);
    }
    for (int p = 0; p < im->np; p++) {
        /* a safety-switch window opening or closing changes the death rates (and
         * the exact engine's bounds) */
        int active = switch_rate(s, p, t) > 0;
        if (active != im->sw_active[p]) {
            im->sw_active[p] = active;
            im->dirty = 1;
        }
    }
    if (sc->immune.pd1_blockade > 0 && !im->blockade_on && sc->immune.pd1_blockade_day <= t) {
        im->blockade_on = 1;
        im->dirty = 1;
    }
    for (int p = 0; p < im->np && ret == 0; p++) {
        const mw_product_t *pr = &sc->immune.products[p];
        if (!im->infused[p] && pr->infusion_day <= t) {
            double mem = round(pr->dose_cells * pr->memory_fraction);
            im->infused[p] = 1;
            im->dirty = 1;
            im->t_infused[p] = t;
            im->pk[p].infused = 1;
            im->n[IE(p)] += round(pr->dose_cells) - mem;
            im->n[IM(p)] += mem;
            ret = mw__event(s, t, MW_EV_INFUSION, MW_NULL_ID, p);
        }
    }
    /* engager concentrations are kept relative to one reference time */
    if (im->ng > 0 && t > im->t_conc) {
        for (int g = 0; g < im->ng; g++) {
            im->conc[g] = conc_at(s, g, t);
        }
        im->t_conc = t;
    }
    for (int g = 0; g < im->ng && ret == 0; g++) {
        const mw_engager_t *e = &sc->immune.engagers[g];
        double d;
        while ((d = dose_day(sc, g, im->next_dose[g], &mg)) <= t) {
            im->conc[g] = conc_at(s, g, t) + e->bioavailability * mg / e->volume_l_kg;
            im->next_dose[g]++;
            im->dirty = 1;
            ret = mw__event(s, d > s->t ? d : s->t, MW_EV_ENGAGER_DOSE, MW_NULL_ID, g);
            if (ret != 0) {
                break;
            }
        }
    }
    return ret;
}

/* Tocilizumab at t: IL-6 signalling blocked for toxicity.toci_days. */
int
mw__imm_give_tocilizumab(mw_sim_t *s, double t)
{
    mw_imm_t *im = &s->imm;
    im->toci_until = t + s->sc.toxicity.toci_days;
    im->toci_given++;
    im->dirty = 1;
    return mw__event(s, t, MW_EV_TOCILIZUMAB, MW_NULL_ID, MW_NULL_ID);
}

/* Corticosteroids at t: cytokine effect and CAR-T expansion cut for steroid_days. */
int
mw__imm_give_steroids(mw_sim_t *s, double t)
{
    mw_imm_t *im = &s->imm;
    im->steroid_until = t + s->sc.toxicity.steroid_days;
    im->steroid_given++;
    im->dirty = 1;
    return mw__event(s, t, MW_EV_STEROID, MW_NULL_ID, MW_NULL_ID);
}

int
mw_sim_safety_switch(mw_sim_t *s, int p)
{
    if (p < 0 || p >= s->imm.np ||
        s->sc.immune.products[p].safety_switch == MW_SWITCH_NONE) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    s->imm.sw_on[p] = s->t;
    s->imm.dirty = 1;
    s->imm.sw_logged[p] = 1;
    return mw__event(s, s->t, MW_EV_SAFETY_SWITCH, MW_NULL_ID, p);
}

void
mw__imm_blood(const mw_sim_t *s, const double *n, int p, double *cells_ul, double *copies_ug)
{
    const mw_scenario_t *sc = &s->sc;
    double total_ul = 0, mine = 0;

    for (int q = 0; q < s->imm.np; q++) {
        double x = (n[IE(q)] + n[IM(q)] + n[IX(q)]) * sc->immune.blood_fraction /
                   sc->immune.blood_volume_ul;
        total_ul += x;
        if (q == p) {
            mine = x;
        }
    }
    *cells_ul = mine;
    *copies_ug = mine * sc->immune.vcn /
                 ((sc->immune.leukocytes_ul + total_ul) * MW_GDNA_UG_PER_CELL);
}

static int
grade_of(double x, const double *thr)
{
    int g = 0;
    while (g < 5 && x >= thr[g]) {
        g++;
    }
    return g;
}

int
mw__imm_observe(mw_sim_t *s, double t, double h)
{
    const mw_scenario_t *sc = &s->sc;
    mw_imm_t *im = &s->imm;
    int ret = 0;

    if (!im->on) {
        return 0;
    }
    /* safety switches activated by the schedule are logged once */
    for (int p = 0; p < im->np; p++) {
        if (!im->sw_logged[p] && t >= im->sw_on[p]) {
            im->sw_logged[p] = 1;
            ret = mw__event(s, im->sw_on[p], MW_EV_SAFETY_SWITCH, MW_NULL_ID, p);
            if (ret != 0) {
                return ret;
            }
        }
    }
    /* cytokine: production uniform over the interval, first-order clearance */
    if (h > 0) {
        double k = MW_LN2 / sc->toxicity.il6_half_life_days;
        double armor = 1.0;
        for (int p = 0; p < im->np; p++) {
            if (im->infused[p] && sc->immune.products[p].armor != MW_ARMOR_NONE) {
                armor = sc->toxicity.armor_factor;
            }
        }
        double prod = armor * (sc->toxicity.il6_per_kill * im->kills +
                               sc->toxicity.il6_per_expansion * im->divisions) /
                      (1e9 * h);
        double e = exp(-k * h);
        im->il6 = im->il6 * e + prod * (-expm1(-k * h)) / k;
        im->kills = 0;
        im->divisions = 0;
    }
    {
        double eff = im->il6 * (t < im->toci_until ? 1.0 - sc->toxicity.toci_block : 1.0) *
                     (t < im->steroid_until ? 1.0 - sc->toxicity.steroid_relief : 1.0);
        /* ICANS is not blocked by tocilizumab (it does not cross into the CNS) */
        double eff_n = im->il6 * (t < im->steroid_until ? 1.0 - sc->toxicity.steroid_relief : 1.0);
        im->crs = grade_of(eff, sc->toxicity.crs);
        im->icans = grade_of(eff_n, sc->toxicity.icans);
    }
    while (im->crs > im->crs_max && ret == 0) {
        im->crs_max++;
        if (im->crs_max == 1) {
            im->crs_onset = t;
        }
        ret = mw__event(s, t, MW_EV_CRS, MW_NULL_ID, im->crs_max);
    }
    while (im->icans > im->icans_max && ret == 0) {
        im->icans_max++;
        ret = mw__event(s, t, MW_EV_ICANS, MW_NULL_ID, im->icans_max);
    }
    if (ret != 0) {
        return ret;
    }
    if (im->crs >= 5 || im->icans >= 5) {
        im->dead = 1;
        ret = mw__event(s, t, MW_EV_DEATH, MW_NULL_ID, MW_NULL_ID);
        return ret != 0 ? ret : MW_EXIT_DEATH;
    }
    if (sc->toxicity.toci_at_grade > 0 && im->crs >= sc->toxicity.toci_at_grade &&
        t >= im->toci_until) {
        ret = mw__imm_give_tocilizumab(s, t);
    }
    if (ret == 0 && sc->toxicity.steroid_at_grade > 0 &&
        (im->crs >= sc->toxicity.steroid_at_grade ||
         im->icans >= sc->toxicity.steroid_at_grade) &&
        t >= im->steroid_until) {
        ret = mw__imm_give_steroids(s, t);
    }
    /* blood kinetics summaries */
    for (int p = 0; p < im->np; p++) {
        mw_cart_pk_t *pk = &im->pk[p];
        double cells, copies, since;
        if (!im->infused[p]) {
            continue;
        }
        mw__imm_blood(s, im->n, p, &cells, &copies);
        since = t - im->t_infused[p];
        if (copies > pk->cmax) {
            pk->cmax = copies;
            pk->cmax_cells_ul = cells;
            pk->tmax_days = since;
        }
        if (h > 0) {
            double a = since - h > 0 ? since - h : 0, b = since < 28 ? since : 28;
            if (b > a) {
                /* trapezoid over the part of the interval inside days 0-28 */
                pk->auc0_28 += 0.5 * (im->last_copies[p] + copies) * (b - a);
            }
        }
        if (copies >= sc->immune.lloq_copies_ug) {
            pk->persistence_days = since;
        }
        im->last_copies[p] = copies;
    }
    return ret;
}

/* Step control: the largest change per day of any immune-driven per-cell rate,
 * relative to the total event rate of the cells it acts on (so a rate that is
 * negligible beside the others does not force small steps):
 *   tumour kill by product p:   gamma fE (1 - fE) |g_E| / (base + gamma fE)
 *   CAR-T division (antigen):   rho sat (1 - sat) |g_A| / (rho sat + losses)
 *   homeostatic boost:          boost (T / T_ss) |g_T| / (boost + losses)
 *   T-cell-mediated kill:       k_T fT (1 - fT) |g_T| / (base + k_T fT)
 *   engager kill:               kill occ (1 - occ) k_el / (base + kill occ)
 * with base the tumour's largest per-cell birth + death rate. */
double
mw__imm_rate_change(const mw_sim_t *s, const mw_imm_load_t *L, const mw_imm_load_t *dL,
                    const double *g, double base)
{
    const mw_scenario_t *sc = &s->sc;
    const mw_imm_t *im = &s->imm;
    const int it = i_t(im);
    double x = 0, v;
    const double T = im->n[it];
    const double fT = T > 0 ? T / (sc->immune.t_half_sat + T) : 0.0;

#define TAKE(expr)                                                                    \
    do {                                                                              \
        v = (expr);                                                                   \
        x = v > x ? v : x;                                                            \
    } while (0)
    for (int p = 0; p < im->np; p++) {
        const mw_product_t *pr = &sc->immune.products[p];
        mw_costim_t cs;
        double E = im->n[IE(p)], A = L->A[p];
        mw__product_costim(sc, pr, &cs);
        double losses = cs.effector_death + cs.memory_rate + sc->immune.exhaustion_base;
        if (E > 0) {
            double fE = E / (sc->immune.effector_half_sat + E);
            double k = sc->immune.kill_max * fE;
            TAKE(sc->immune.kill_max * fE * (1 - fE) * fabs(g[IE(p)]) / (base + k));
        }
        if (A > 0 && (E > 0 || im->n[IM(p)] > 0)) {
            double sat = A / (sc->immune.antigen_half_sat + A);
            double rho = cs.expansion_max;
            TAKE(rho * sat * (1 - sat) * fabs(dL->A[p] / A) / (rho * sat + losses));
        }
        if (E > 0 && im->t_ss > 0 && sc->immune.homeostatic_boost > 0) {
            double b = sc->immune.homeostatic_boost;
            TAKE(b * T / im->t_ss * fabs(g[it]) / (b + losses));
        }
    }
    if (T > 0) {
        double kt = sc->immune.t_kill_max * sc->immune.imid_boost;
        for (int gg = 0; gg < im->ng; gg++) {
            kt += sc->immune.engagers[gg].kill_max;
        }
        if (kt > 0) {
            TAKE(kt * fT * (1 - fT) * fabs(g[it]) / (base + kt * fT));
        }
    }
    if (im->n[it + 2] > 0 && sc->immune.nk_kill_max > 0) {
        double NK = im->n[it + 2], f = NK / (sc->immune.nk_half_sat + NK);
        double k = sc->immune.nk_kill_max * sc->immune.imid_boost;
        TAKE(k * f * (1 - f) * fabs(g[it + 2]) / (base + k * f));
    }
    for (int gg = 0; gg < im->ng; gg++) {
        if (im->conc[gg] > 0) {
            const mw_engager_t *e = &sc->immune.engagers[gg];
            double occ = mw__imm_occupancy(s, gg, s->t);
            double k = e->kill_max * fT;
            TAKE(k * occ * (1 - occ) * MW_LN2 / e->half_life_days / (base + k * occ));
        }
    }
#undef TAKE
    return x;
}

/* ---- public accessors ------------------------------------------------------ */

int
mw_sim_cart(const mw_sim_t *s, int p, mw_cart_state_t *out)
{
    memset(out, 0, sizeof(*out));
    if (p < 0 || p >= s->imm.np) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    out->effector = s->imm.n[IE(p)];
    out->memory = s->imm.n[IM(p)];
    out->exhausted = s->imm.n[IX(p)];
    mw__imm_blood(s, s->imm.n, p, &out->blood_cells_ul, &out->copies_ug);
    {
        mw_imm_load_t L;
        mw__imm_load(s, &L);
        out->antigen_load = L.A[p];
    }
    return 0;
}

int
mw_sim_cart_pk(const mw_sim_t *s, int p, mw_cart_pk_t *out)
{
    if (p < 0 || p >= s->imm.np) {
        memset(out, 0, sizeof(*out));
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    *out = s->imm.pk[p];
    return 0;
}

void
mw_sim_immune(const mw_sim_t *s, mw_immune_state_t *out)
{
    int it = i_t(&s->imm);
    memset(out, 0, sizeof(*out));
    out->t_cells = s->imm.n[it];
    out->t_exhausted = s->imm.n[it + 1];
    out->nk_cells = s->imm.n[it + 2];
    for (int g = 0; g < s->imm.ng; g++) {
        out->engager_ug_ml[g] = conc_at(s, g, s->t);
        out->engager_occupancy[g] = mw__imm_occupancy(s, g, s->t);
    }
}

void
mw_sim_toxicity(const mw_sim_t *s, mw_toxicity_t *out)
{
    const mw_imm_t *im = &s->imm;
    out->il6_pg_ml = im->il6;
    out->crs_grade = im->crs;
    out->icans_grade = im->icans;
    out->crs_max = im->crs_max;
    out->icans_max = im->icans_max;
    out->crs_onset_day = im->crs_onset;
    out->toci_given = im->toci_given;
    out->steroid_given = im->steroid_given;
}

double
mw_sim_recognition(const mw_sim_t *s, int c, int k)
{
    if (c < 0 || c >= s->n_clones || k < 0 || k >= s->imm.nr) {
        return 0.0;
    }
    return s->recog[(size_t) c * (size_t) s->imm.nr + (size_t) k];
}
