/*
 * Mean mode: the deterministic mean-field ODE of the same model, integrated by
 * SUNDIALS CVODE (BDF; dense Newton for small systems, matrix-free GMRES above).
 * For every clone type i in compartment BM/EM:
 *
 *   dn_bm/dt = n_bm (lam_i (1 - mu_i) - d_i - m_i - sw_i) + influx_i
 *              + sum_parents n_bm,p lam_p mu_p w_e / W + sw_twin n_bm,twin
 *   dn_em/dt = n_em (lam_em,i (1 - mu_i) - d_i - sw_i) + m_i n_bm + (same inflows)
 *   lam_i = b_i crowd(N_bm) (1 + nd_i S(N_bm)),  lam_em,i = b_em,i crowd(N_em)
 *
 * Mutant types are followed for engine.mean_max_depth generations, one type per
 * (parent, catalogue entry): the expected cells of infinitely many distinct clones
 * of that type are lumped.  The last generation does not mutate.  Markers obey the
 * same linear ODEs as in the stochastic modes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_spgmr.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "core/core.h"
#include "engine/engine.h"
#include "tumour/traits.h"

#define DENSE_MAX 400

typedef struct {
    SUNContext ctx;
    void *cvode;
    N_Vector y;
    SUNMatrix A;
    SUNLinearSolver ls;
    int n_types;
    int n_state;
    int *kids;     /* [type * n_entries + e] -> child type or -1 */
    double *wfrac; /* catalogue weight fractions */
    mw_sim_t *sim;
} mw_mean_t;

enum { X_MPROTEIN = 0, X_FLC, X_SBCMA, X_N };

/* Layout of the state vector: 2T tumour cells, X_N markers, T ctDNA, then the
 * immune populations and two running integrals (immune kills, CAR-T divisions)
 * that feed the cytokine model. */
#define Y_IMM(T) (3 * (T) + X_N)
#define MEAN_IMM_CHUNK 0.25 /* days between toxicity and blood-kinetics updates */

static void
imm_part(mw_sim_t *s, const double *y, int T, double *n)
{
    for (int i = 0; i < MW_NI_MAX; i++) {
        n[i] = i < s->imm.ni && y[Y_IMM(T) + i] > 0 ? y[Y_IMM(T) + i] : 0.0;
    }
}

static int
rhs(sunrealtype t, N_Vector yv, N_Vector ydotv, void *data)
{
    mw_mean_t *mm = data;
    mw_sim_t *s = mm->sim;
    const mw_scenario_t *sc = &s->sc;
    const double *y = N_VGetArrayPointer(yv);
    double *dy = N_VGetArrayPointer(ydotv);
    int T = mm->n_types, ne = sc->mutation.n_entries;
    double nbm_tot = 0, nem_tot = 0, n_tot = 0, nb_tot = 0;
    double crowd, sup, crowd_em, il6;
    const int drugs = s->ther.on && s->ther.nu > 0;

    s->counters.rhs_calls++;
    memset(dy, 0, (size_t) mm->n_state * sizeof(double));
    for (int i = 0; i < T; i++) {
        double a = y[2 * i] > 0 ? y[2 * i] : 0, b = y[2 * i + 1] > 0 ? y[2 * i + 1] : 0;
        nbm_tot += a;
        nem_tot += b;
        nb_tot += (a + b) * s->rates[i].bcma_w;
    }
    n_tot = nbm_tot + nem_tot;
    mw__env(s, nbm_tot, nem_tot, &crowd, &sup, &crowd_em, &il6);

    const int imm_on = s->imm.on;
    mw_imm_kill_t K;
    double n_imm[MW_NI_MAX];
    if (imm_on) {
        mw_imm_load_t L;
        mw_imm_rates_t R[MW_NI_MAX];
        const int b = Y_IMM(T), ni = s->imm.ni;
        memset(&L, 0, sizeof(L));
        for (int i = 0; i < T; i++) {
            double n = (y[2 * i] > 0 ? y[2 * i] : 0) + (y[2 * i + 1] > 0 ? y[2 * i + 1] : 0);
            mw__imm_load_add(s, i, n, &L);
        }
        imm_part(s, y, T, n_imm);
        mw__imm_kill_factors(s, n_imm, &L, t, &K);
        mw__imm_rates(s, n_imm, &L, t, R);
        for (int i = 0; i < ni; i++) {
            const mw_imm_rates_t *r = &R[i];
            double n = n_imm[i];
            dy[b + i] += n * (r->lam - r->death - r->out[0] - r->out[1]) + r->influx;
            for (int j = 0; j < 2; j++) {
                if (r->to[j] >= 0) {
                    dy[b + r->to[j]] += n * r->out[j];
                }
            }
        }
        for (int p = 0; p < s->imm.np; p++) {
            dy[b + ni + 1] += R[3 * p].lam * n_imm[3 * p];
        }
    }

    for (int i = 0; i < T; i++) {
        const mw_rates_t *r = &s->rates[i];
        double nbm = y[2 * i], nem = y[2 * i + 1];
        double lam = r->b * crowd * (1.0 + r->nd * sup);
        double lam_em = r->b_em * crowd_em;
        int has_kids = ne > 0 && mm->kids[i * ne] >= 0;
        double mu = has_kids ? r->mu : 0.0;

        double kill = 0, trog = 0;
        if (imm_on) {
            kill = mw__imm_kill_clone(s, i, &K, &trog);
            if (s->twin[i] < 0) {
                trog = 0;
            }
            dy[Y_IMM(T) + s->imm.ni] += kill * ((nbm > 0 ? nbm : 0) + (nem > 0 ? nem : 0));
        }
        double d = r->d + kill, sw = r->sw + trog, dk_bm = 0, dk_em = 0;
        if (drugs) {
            dk_bm = mw__ther_kill_now(s, i, MW_BM, t, il6);
            dk_em = mw__ther_kill_now(s, i, MW_EM, t, il6);
            sw += mw__ther_switch_extra(s, i);
        }
        dy[2 * i] += nbm * (lam * (1.0 - mu) - d - dk_bm - r->m - sw) + r->influx;
        dy[2 * i + 1] += nem * (lam_em * (1.0 - mu) - d - dk_em - sw) + r->m * nbm;
        if (has_kids && mu > 0) {
            for (int e = 0; e < ne; e++) {
                int k = mm->kids[i * ne + e];
                dy[2 * k] += nbm * lam * mu * mm->wfrac[e];
                dy[2 * k + 1] += nem * lam_em * mu * mm->wfrac[e];
            }
        }
        if (sw > 0 && s->twin[i] >= 0) {
            int k = s->twin[i];
            dy[2 * k] += sw * nbm;
            dy[2 * k + 1] += sw * nem;
        }
        /* ctDNA released by dying cells of this type */
        double kc = MW_LN2 / sc->markers.ctdna_half_life;
        dy[2 * T + X_N + i] = sc->markers.ctdna_per_death * (d * (nbm + nem) + dk_bm * nbm + dk_em * nem) -
                              kc * y[2 * T + X_N + i];
    }
    double k;
    const double *x = &y[2 * T];
    k = MW_LN2 / sc->markers.mprotein_half_life;
    dy[2 * T + X_MPROTEIN] = sc->markers.mprotein_per_1e11 * 1e-11 * k * n_tot -
                             k * x[X_MPROTEIN];
    k = MW_LN2 / sc->markers.flc_half_life;
    dy[2 * T + X_FLC] = sc->markers.flc_per_1e11 * 1e-11 * k * n_tot - k * x[X_FLC];
    k = MW_LN2 / sc->markers.sbcma_half_life;
    dy[2 * T + X_SBCMA] =
        sc->markers.sbcma_per_1e11 * 1e-11 * s->ther.fx.sbcma_keep * k * nb_tot - k * x[X_SBCMA];
    return 0;
}

/* Create the mutant types breadth first, one per (parent type, catalogue entry),
 * for engine.mean_max_depth generations, then the switched twin of every type
 * when plasticity is on.  kids[type * n_entries + e] is the child type or -1 (the
 * last generation does not mutate); a twin's children are the twins of its
 * primary's children, so the switched state is inherited. */
static int
build_types(mw_sim_t *s, mw_mean_t *mm)
{
    const mw_scenario_t *sc = &s->sc;
    int ne = sc->mutation.n_entries;
    int first = 0, last = s->n_clones, n_primary;

    if (ne > 0 && sc->mutation.rate > 0) {
        for (int depth = 1; depth <= sc->engine.mean_max_depth; depth++) {
            for (int p = first; p < last; p++) {
                for (int e = 0; e < ne; e++) {
                    const mw_mutation_t *m = &sc->mutation.catalogue[e];
                    mw_traits_t g = s->genetic[p];
                    mw_traits_apply(&g, m->edits, m->n_edits);
                    g.birth *= 1.0 - m->fitness_cost;
                    int c = mw__clone_new(s, p, MW_BORN_MUTATION, e, 0, &g, 0.0);
                    if (c < 0) {
                        return c;
                    }
                }
            }
            first = last;
            last = s->n_clones;
        }
    }
    n_primary = s->n_clones;
    if (sc->plasticity.rate > 0 ||
        (sc->plasticity.n_edits > 0 && sc->immune.trogocytosis > 0 && sc->immune.n_products > 0)) {
        for (int i = 0; i < n_primary; i++) {
            int tw;
            int ret = mw__clone_twin(s, i, 0.0, &tw);
            if (ret != 0) {
                return ret;
            }
        }
    }
    mm->n_types = s->n_clones;
    if (ne == 0) {
        return 0;
    }
    mm->kids = malloc((size_t) mm->n_types * (size_t) ne * sizeof(int));
    if (mm->kids == NULL) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    for (int i = 0; i < mm->n_types * ne; i++) {
        mm->kids[i] = -1;
    }
    for (int c = 0; c < n_primary; c++) {
        const mw_clone_t *k = &s->clones[c];
        if (k->born == MW_BORN_MUTATION) {
            mm->kids[k->parent * ne + k->mutation] = c;
        }
    }
    for (int t = n_primary; t < mm->n_types; t++) {
        int primary = s->twin[t];
        for (int e = 0; e < ne; e++) {
            int kid = mm->kids[primary * ne + e];
            mm->kids[t * ne + e] = kid >= 0 ? s->twin[kid] : -1;
        }
    }
    return 0;
}

int
mw__mean_init(mw_sim_t *s)
{
    const mw_scenario_t *sc = &s->sc;
    mw_mean_t *mm = calloc(1, sizeof(*mm));
    int ret = 0;

    if (mm == NULL) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    s->mean = mm;
    mm->sim = s;
    ret = build_types(s, mm);
    if (ret != 0) {
        return ret;
    }
    if (sc->mutation.n_entries > 0) {
        double W = 0;
        mm->wfrac = malloc((size_t) sc->mutation.n_entries * sizeof(double));
        if (mm->wfrac == NULL) {
            return mw__trace_error(MW_ERR_NO_MEMORY);
        }
        for (int e = 0; e < sc->mutation.n_entries; e++) {
            W += sc->mutation.catalogue[e].weight;
        }
        for (int e = 0; e < sc->mutation.n_entries; e++) {
            mm->wfrac[e] = sc->mutation.catalogue[e].weight / W;
        }
    }
    for (int i = 0; i < mm->n_types; i++) {
        mw__live_add(s, i);
    }

    int T = mm->n_types;
    mm->n_state = 2 * T + X_N + T + (s->imm.on ? s->imm.ni + 2 : 0);
    if (SUNContext_Create(NULL, &mm->ctx) != 0) {
        return mw__trace_error(MW_ERR_SOLVER);
    }
    mm->y = N_VNew_Serial(mm->n_state, mm->ctx);
    if (mm->y == NULL) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    double *y = N_VGetArrayPointer(mm->y);
    for (int i = 0; i < T; i++) {
        y[2 * i] = s->clones[i].cells_bm;
        y[2 * i + 1] = s->clones[i].cells_em;
        y[2 * T + X_N + i] = s->ctdna[i];
    }
    y[2 * T + X_MPROTEIN] = s->mk.mprotein_g_dl;
    y[2 * T + X_FLC] = s->mk.flc_mg_l;
    y[2 * T + X_SBCMA] = s->mk.sbcma_ng_ml;
    if (s->imm.on) {
        for (int i = 0; i < s->imm.ni + 2; i++) {
            y[Y_IMM(T) + i] = i < s->imm.ni ? s->imm.n[i] : 0.0;
        }
        s->imm.dirty = 0;
    }

    mm->cvode = CVodeCreate(CV_BDF, mm->ctx);
    if (mm->cvode == NULL || CVodeInit(mm->cvode, rhs, s->t, mm->y) != CV_SUCCESS ||
        CVodeSetUserData(mm->cvode, mm) != CV_SUCCESS ||
        CVodeSStolerances(mm->cvode, sc->engine.mean_rtol, sc->engine.mean_atol) !=
            CV_SUCCESS ||
        CVodeSetMaxNumSteps(mm->cvode, 1000000) != CV_SUCCESS) {
        return mw__trace_error(MW_ERR_SOLVER);
    }
    if (mm->n_state <= DENSE_MAX) {
        mm->A = SUNDenseMatrix(mm->n_state, mm->n_state, mm->ctx);
        mm->ls = SUNLinSol_Dense(mm->y, mm->A, mm->ctx);
    } else {
        mm->ls = SUNLinSol_SPGMR(mm->y, SUN_PREC_NONE, 0, mm->ctx);
    }
    if (mm->ls == NULL || CVodeSetLinearSolver(mm->cvode, mm->ls, mm->A) != CV_SUCCESS) {
        return mw__trace_error(MW_ERR_SOLVER);
    }
    return 0;
}

static int
mean_advance(mw_sim_t *s, double t_end);

int
mw__mean_run(mw_sim_t *s, double t_end)
{
    mw_mean_t *mm = s->mean;
    int T, ret = 0;

    if (mm == NULL) {
        return mw__trace_error(MW_ERR_BAD_STATE);
    }
    T = mm->n_types;
    if (!s->imm.on && !s->ther.on) {
        return mean_advance(s, t_end);
    }
    /* a dose or the schedule changed the state or a rate jumped: restart CVODE */
    {
        double *y = N_VGetArrayPointer(mm->y);
        int restart = s->ther.on; /* every stop of a plan is a dose or a plan event */
        if (s->tumour_dirty) {
            for (int i = 0; i < T; i++) {
                y[2 * i] = s->clones[i].cells_bm;
                y[2 * i + 1] = s->clones[i].cells_em;
            }
            s->tumour_dirty = 0;
        }
        if (s->imm.on && s->imm.dirty) {
            for (int i = 0; i < s->imm.ni; i++) {
                y[Y_IMM(T) + i] = s->imm.n[i];
            }
            restart = 1;
        }
        if (restart && CVodeReInit(mm->cvode, s->t, mm->y) != CV_SUCCESS) {
            return mw__trace_error(MW_ERR_SOLVER);
        }
        s->imm.dirty = 0;
    }
    while (s->t < t_end && ret == 0) {
        double t0 = s->t, tc = s->t + MEAN_IMM_CHUNK;
        const double *y = N_VGetArrayPointer(mm->y);
        double k0 = 0, d0 = 0;
        if (s->ther.on && s->ther.nu > 0) {
            (void) mw__ther_effects(s, s->t);
        }
        if (s->imm.on) {
            k0 = y[Y_IMM(T) + s->imm.ni];
            d0 = y[Y_IMM(T) + s->imm.ni + 1];
        }
        ret = mean_advance(s, tc < t_end ? tc : t_end);
        if (ret != 0 || !s->imm.on) {
            continue;
        }
        y = N_VGetArrayPointer(mm->y);
        s->imm.kills = y[Y_IMM(T) + s->imm.ni] - k0;
        s->imm.divisions = y[Y_IMM(T) + s->imm.ni + 1] - d0;
        ret = mw__imm_observe(s, s->t, s->t - t0);
        if (ret == 0 && s->imm.dirty) {
            if (CVodeReInit(mm->cvode, s->t, mm->y) != CV_SUCCESS) {
                return mw__trace_error(MW_ERR_SOLVER);
            }
            s->imm.dirty = 0;
        }
    }
    return ret;
}

static int
mean_advance(mw_sim_t *s, double t_end)
{
    mw_mean_t *mm = s->mean;
    sunrealtype tret;
    int T;

    if (t_end > s->t) {
        if (CVodeSetStopTime(mm->cvode, t_end) != CV_SUCCESS ||
            CVode(mm->cvode, t_end, mm->y, &tret, CV_NORMAL) < 0) {
            return mw__trace_error(MW_ERR_SOLVER);
        }
    }
    T = mm->n_types;
    const double *y = N_VGetArrayPointer(mm->y);
    if (s->imm.on) {
        imm_part(s, y, T, s->imm.n);
    }
    s->n_bm = 0;
    s->n_em = 0;
    s->mk.ctdna_hge_ml = 0;
    for (int i = 0; i < T; i++) {
        mw_clone_t *k = &s->clones[i];
        k->cells_bm = y[2 * i] > 0 ? y[2 * i] : 0;
        k->cells_em = y[2 * i + 1] > 0 ? y[2 * i + 1] : 0;
        if (k->cells_bm + k->cells_em > k->peak_cells) {
            k->peak_cells = k->cells_bm + k->cells_em;
        }
        s->n_bm += k->cells_bm;
        s->n_em += k->cells_em;
        s->ctdna[i] = y[2 * T + X_N + i] > 0 ? y[2 * T + X_N + i] : 0;
        s->mk.ctdna_hge_ml += s->ctdna[i];
    }
    /* decaying markers may undershoot zero by the solver's tolerance */
    s->mk.mprotein_g_dl = fmax(0.0, y[2 * T + X_MPROTEIN]);
    s->mk.flc_mg_l = fmax(0.0, y[2 * T + X_FLC]);
    s->mk.sbcma_ng_ml = fmax(0.0, y[2 * T + X_SBCMA]);
    {
        double crowd, sup, crowd_em;
        mw__env(s, s->n_bm, s->n_em, &crowd, &sup, &crowd_em, &s->mk.il6_pg_ml);
    }
    s->t = t_end;
    return 0;
}

void
mw__mean_free(mw_sim_t *s)
{
    mw_mean_t *mm = s->mean;
    if (mm == NULL) {
        return;
    }
    if (mm->cvode != NULL) {
        CVodeFree(&mm->cvode);
    }
    if (mm->ls != NULL) {
        SUNLinSolFree(mm->ls);
    }
    if (mm->A != NULL) {
        SUNMatDestroy(mm->A);
    }
    if (mm->y != NULL) {
        N_VDestroy(mm->y);
    }
    if (mm->ctx != NULL) {
        SUNContext_Free(&mm->ctx);
    }
    free(mm->kids);
    free(mm->wfrac);
    free(mm);
    s->mean = NULL;
}
