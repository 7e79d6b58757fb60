/*
 * The clinic (SPEC.md §5): assays at visits, with noise and limits, and the IMWG
 * response of the current line from what they saw.
 *
 * Every draw comes from the measurement stream, so the tumour's path does not
 * depend on what is measured.  A visit is a time at which some assay is due; all
 * assays due then are done together, in a fixed order (electrophoresis, FLC,
 * aspirate, flow, liquid biopsy, imaging, blood immune panel), and their values
 * form one assessment for the IMWG classifier.  Models and defaults:
 * docs/model.md §9.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/clinic.h"
#include "core/core.h"
#include "engine/engine.h"
#include "rng/rng.h"

const char *
mw_assay_name(int assay)
{
    static const char *names[MW_N_ASSAYS] = {"spep",    "flc",     "marrow",      "flow",
                                             "ctdna",   "imaging", "immune",      "single_cell",
                                             "killing"};
    return assay >= 0 && assay < MW_N_ASSAYS ? names[assay] : "unknown";
}

/* ------------------------------------------------------------------------------
 * Schedule
 * ---------------------------------------------------------------------------- */

/* First periodic visit of assay a at or after t (inf when none). */
static double
periodic_from(const mw_schedule_t *w, double t)
{
    if (!(w->every_days > 0)) {
        return INFINITY;
    }
    double k = t > w->from_day ? ceil((t - w->from_day) / w->every_days - 1e-9) : 0.0;
    double x = w->from_day + k * w->every_days;
    return x < w->until_day ? x : INFINITY;
}

/* Start of the implicit line of a scenario without a plan: the first treatment the
 * scenario schedules (a CAR-T infusion or an engager's first dose), so that the
 * IMWG baseline is the disease the treatment meets and the response is the
 * response to it; t0 (day 0) when that is earlier or when nothing is given (the
 * untreated course is then assessed as a line of observation). */
static double
implicit_start(const mw_scenario_t *sc, double t0)
{
    double x = INFINITY;

    for (int p = 0; p < sc->immune.n_products; p++) {
        double d = sc->immune.products[p].infusion_day;
        x = d < x ? d : x;
    }
    for (int e = 0; e < sc->immune.n_engagers; e++) {
        double d = sc->immune.engagers[e].start_day;
        x = d < x ? d : x;
    }
    return isfinite(x) && x > t0 ? x : t0;
}

int
mw__clinic_init(mw_sim_t *s)
{
    mw_clin_t *c = &s->clin;
    const mw_scenario_t *sc = &s->sc;

    memset(c, 0, sizeof(*c));
    mw_rng_init(&c->rng, s->seed, s->index, MW_STREAM_MEASUREMENT);
    c->line = -1;
    c->line_start = -INFINITY;
    c->flow_t = -INFINITY;
    c->last = (mw_imwg_obs_t){NAN, NAN, -1, NAN, NAN, NAN, -1, -1};
    for (int a = 0; a < MW_N_ANTIGENS; a++) {
        c->flow_neg[a] = c->flow_med[a] = c->flow_base_med[a] = NAN;
    }
    for (int l = 0; l < MW_MAX_LINES; l++) {
        c->lines[l] = (mw_line_response_t){0,   NAN, MW_RESP_NE,      NAN, NAN,
                                           MW_RELAPSE_NONE, NAN, MW_LINE_ONGOING};
    }
    for (int a = 0; a < MW_N_ASSAYS; a++) {
        const mw_schedule_t *w = &sc->monitoring.schedule[a];
        c->done[a] = NAN;
        c->next[a] = periodic_from(w, s->t);
        if (isfinite(c->next[a]) || w->at_line_start) {
            c->on = 1;
        }
    }
    for (int k = 0; k < sc->monitoring.n_policies; k++) {
        mw_policy_state_t *st = &c->pol[k];
        if (mw__quantity_parse(sc, sc->monitoring.policies[k].quantity, &st->q, &st->index) !=
            0) {
            return mw__trace_error(MW_ERR_CONFIG); /* validation rejects these */
        }
        c->on = 1;
    }
    /* without a plan the clinic assesses one implicit line itself (line 0) */
    c->implicit = sc->therapy.n_lines == 0 && c->on;
    c->implicit_day = c->implicit ? implicit_start(sc, s->t) : INFINITY;
    mw_imwg_rules_t *r = &c->rules;
    mw__imwg_rules_default(r);
    r->pr = sc->monitoring.imwg_pr;
    r->vgpr = sc->monitoring.imwg_vgpr;
    r->mr = sc->monitoring.imwg_mr;
    r->pd_rise = sc->monitoring.imwg_pd_rise;
    r->pd_abs = sc->monitoring.imwg_pd_abs;
    r->pd_abs_high = sc->monitoring.imwg_pd_abs_high;
    r->pd_high_nadir = sc->monitoring.imwg_pd_high_nadir;
    r->measurable_m = sc->monitoring.imwg_measurable_m;
    r->measurable_flc = sc->monitoring.imwg_measurable_flc;
    r->flc_pd_abs = sc->monitoring.imwg_flc_pd_abs;
    r->marrow_pd_abs = sc->monitoring.imwg_marrow_pd_abs;
    r->marrow_basis_min = sc->monitoring.imwg_marrow_basis_min;
    r->cr_marrow_max = sc->monitoring.imwg_cr_marrow_max;
    r->confirm = sc->monitoring.imwg_confirm;
    r->flc_kappa = sc->monitoring.flc_kappa;
    return 0;
}

void
mw__clinic_free(mw_sim_t *s)
{
    mw_clin_t *c = &s->clin;
    free(c->obs);
    free(c->cells);
    c->cells = NULL;
    free(c->dens);
    free(c->carry);
    free(c->root);
    c->obs = NULL;
    c->dens = NULL;
    c->carry = NULL;
    c->root = NULL;
}

double
mw__clinic_next_time(const mw_sim_t *s, double t)
{
    const mw_clin_t *c = &s->clin;
    double x = INFINITY;

    if (!c->on) {
        return INFINITY;
    }
    for (int a = 0; a < MW_N_ASSAYS; a++) {
        x = c->next[a] < x ? c->next[a] : x;
    }
    x = c->implicit_day < x ? c->implicit_day : x;
    return x > t ? x : INFINITY;
}

/* ------------------------------------------------------------------------------
 * Observation log
 * ---------------------------------------------------------------------------- */

static int
record(mw_sim_t *s, double t, int assay, int q, int index, double value)
{
    mw_clin_t *c = &s->clin;
    int ret = mw__grow((void **) &c->obs, sizeof(mw_obs_t), &c->cap_obs, c->n_obs + 1);
    if (ret != 0) {
        return mw__trace_error(ret);
    }
    c->obs[c->n_obs++] = (mw_obs_t){t, assay, q, index, value};
    for (int k = 0; k < s->sc.monitoring.n_policies; k++) {
        if (c->pol[k].q == q && c->pol[k].index == index) {
            mw__policy_push(&c->pol[k], t, value);
        }
    }
    return 0;
}

/* x times lognormal noise of coefficient of variation cv, mean kept. */
static double
noisy(mw_rng_t *r, double x, double cv)
{
    if (!(cv > 0) || !(x > 0)) {
        return x;
    }
    double sg = sqrt(log1p(cv * cv));
    return x * exp(mw_ran_gaussian(r, sg) - 0.5 * sg * sg);
}

/* ------------------------------------------------------------------------------
 * Assays
 * ---------------------------------------------------------------------------- */

static int
spep(mw_sim_t *s, double t, mw_imwg_obs_t *o)
{
    const mw_scenario_t *sc = &s->sc;
    double m = noisy(&s->clin.rng, s->mk.mprotein_g_dl, sc->monitoring.spep_cv);

    o->ife = m >= sc->monitoring.ife_lod_g_dl;
    o->mprotein = m >= sc->monitoring.spep_lod_g_dl ? m : 0.0;
    int ret = record(s, t, MW_ASSAY_SPEP, MW_Q_MPROTEIN, -1, o->mprotein);
    return ret != 0 ? ret : record(s, t, MW_ASSAY_SPEP, MW_Q_IFE, -1, o->ife);
}

static int
flc(mw_sim_t *s, double t, mw_imwg_obs_t *o)
{
    const mw_scenario_t *sc = &s->sc;
    const int kappa = sc->monitoring.flc_kappa;
    double kn = sc->monitoring.flc_kappa_normal, ln = sc->monitoring.flc_lambda_normal;
    double inv = (kappa ? kn : ln) + s->mk.flc_mg_l, uninv = kappa ? ln : kn;
    int ret;

    o->flc_inv = noisy(&s->clin.rng, inv, sc->monitoring.flc_cv);
    o->flc_uninv = noisy(&s->clin.rng, uninv, sc->monitoring.flc_cv);
    double ratio = kappa ? o->flc_inv / o->flc_uninv : o->flc_uninv / o->flc_inv;
    if ((ret = record(s, t, MW_ASSAY_FLC, MW_Q_FLC_INVOLVED, -1, o->flc_inv)) != 0 ||
        (ret = record(s, t, MW_ASSAY_FLC, MW_Q_FLC_UNINVOLVED, -1, o->flc_uninv)) != 0) {
        return ret;
    }
    return record(s, t, MW_ASSAY_FLC, MW_Q_FLC_RATIO, -1, ratio);
}

/* Fraction of nucleated aspirate cells that are tumour cells (an aspirate sees the
 * marrow only). */
static double
marrow_tumour_fraction(const mw_sim_t *s)
{
    double n = s->n_bm, m = s->sc.monitoring.marrow_cells;
    return n > 0 ? n / (n + m) : 0.0;
}

static int
marrow(mw_sim_t *s, double t, mw_imwg_obs_t *o)
{
    const mw_scenario_t *sc = &s->sc;
    mw_rng_t *r = &s->clin.rng;
    double p = marrow_tumour_fraction(s);
    /* morphology cannot tell normal from clonal plasma cells */
    double ppc = p + (1.0 - p) * sc->monitoring.normal_pc_fraction;
    double n = sc->monitoring.marrow_count;
    int ret;

    o->marrow_pc = n > 0 ? 100.0 * mw_ran_binomial(r, ppc, n) / n : NAN;
    if (n > 0 && (ret = record(s, t, MW_ASSAY_MARROW, MW_Q_MARROW_PC, -1, o->marrow_pc)) != 0) {
        return ret;
    }
    double nm = sc->monitoring.mrd_cells;
    if (nm > 0) {
        double k = mw_ran_binomial(r, p, nm);
        o->mrd = k >= sc->monitoring.mrd_min_events;
        if ((ret = record(s, t, MW_ASSAY_MARROW, MW_Q_MRD, -1, k / nm)) != 0) {
            return ret;
        }
        return record(s, t, MW_ASSAY_MARROW, MW_Q_MRD_POSITIVE, -1, o->mrd);
    }
    return 0;
}

static int
grow_scratch(mw_sim_t *s, int n)
{
    mw_clin_t *c = &s->clin;
    if (n <= c->cap_scratch) {
        return 0;
    }
    int cap = c->cap_scratch > 0 ? c->cap_scratch : 64;
    while (cap < n) {
        cap *= 2;
    }
    double *d = realloc(c->dens, (size_t) cap * sizeof(double));
    if (d == NULL) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    c->dens = d;
    uint64_t *m = realloc(c->carry, (size_t) cap * sizeof(uint64_t));
    if (m == NULL) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    c->carry = m;
    int *rt = realloc(c->root, (size_t) cap * sizeof(int));
    if (rt == NULL) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    c->root = rt;
    c->cap_scratch = cap;
    return 0;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Flow cytometry of an aspirate: the tumour cells among the acquired events are
 * typed (at most flow_cells), each drawn from a clone in proportion to its marrow
 * cells, with its own density from the clone's lognormal. */
static int
flow(mw_sim_t *s, double t, mw_imwg_obs_t *o)
{
    (void) o;
    const mw_scenario_t *sc = &s->sc;
    mw_rng_t *r = &s->clin.rng;
    double n = mw_ran_binomial(r, marrow_tumour_fraction(s), sc->monitoring.flow_events);
    int ret;

    n = n < sc->monitoring.flow_cells ? n : sc->monitoring.flow_cells;
    /* too few cells for a phenotype: only their count is reported */
    if ((ret = record(s, t, MW_ASSAY_FLOW, MW_Q_FLOW_CELLS, -1, n)) != 0 || n < 1 ||
        n < sc->monitoring.flow_min_cells) {
        return ret;
    }
    const int m = (int) n;
    if ((ret = grow_scratch(s, m * MW_N_ANTIGENS)) != 0) {
        return ret;
    }
    s->clin.flow_t = t;
    /* which clone each typed cell comes from: multinomial by sequential binomials */
    double left = n, w_left = s->n_bm, pdl1_high = 0;
    int cell = 0;
    for (int i = 0; i < s->n_live && left > 0; i++) {
        const mw_clone_t *cl = &s->clones[s->live[i]];
        double w = cl->cells_bm;
        if (!(w > 0)) {
            continue;
        }
        double k = w >= w_left ? left : mw_ran_binomial(r, w / w_left, left);
        left -= k;
        w_left -= w;
        if (cl->traits.pdl1 >= sc->monitoring.pdl1_high) {
            pdl1_high += k;
        }
        for (int j = 0; j < (int) k; j++, cell++) {
            for (int a = 0; a < MW_N_ANTIGENS; a++) {
                const mw_antigen_t *ag = &cl->traits.antigen[a];
                double x = ag->copies > 0 && ag->density > 0
                               ? ag->density * exp(mw_ran_gaussian(r, ag->spread))
                               : 0.0;
                s->clin.dens[(size_t) a * (size_t) m + (size_t) cell] = x;
            }
        }
    }
    for (int a = 0; a < MW_N_ANTIGENS; a++) {
        double *x = &s->clin.dens[(size_t) a * (size_t) m];
        double neg = 0;
        qsort(x, (size_t) cell, sizeof(double), cmp_double);
        for (int j = 0; j < cell && x[j] < sc->monitoring.flow_negative_below; j++) {
            neg++;
        }
        double med = cell % 2 ? x[cell / 2] : 0.5 * (x[cell / 2 - 1] + x[cell / 2]);
        s->clin.flow_med[a] = med;
        s->clin.flow_neg[a] = neg / cell;
        if (t <= s->clin.line_start) {
            s->clin.flow_base_med[a] = med;
        }
        if ((ret = record(s, t, MW_ASSAY_FLOW, MW_Q_ANTIGEN_MEDIAN, a, med)) != 0 ||
            (ret = record(s, t, MW_ASSAY_FLOW, MW_Q_ANTIGEN_NEGATIVE, a, neg / cell)) != 0) {
            return ret;
        }
    }
    return record(s, t, MW_ASSAY_FLOW, MW_Q_PDL1_HIGH, -1, pdl1_high / cell);
}

/* Variant reads at a site with allele fraction vaf: the call and the read VAF. */
static double
read_site(mw_sim_t *s, double vaf, int *called)
{
    const mw_scenario_t *sc = &s->sc;
    double e = sc->monitoring.ctdna_error, depth = sc->monitoring.ctdna_depth;
    double q = vaf * (1.0 - e) + (1.0 - vaf) * e / 3.0;
    double alt = mw_ran_binomial(&s->clin.rng, q, depth);
    *called = alt >= sc->monitoring.ctdna_min_alt;
    return *called ? alt / depth : 0.0;
}

/* Liquid biopsy: the truncal mutation of every founder clone (tumour-informed
 * tracking) and every catalogue mutation, heterozygous, against the non-tumour
 * cell-free DNA.  ctDNA comes from dying cells of both compartments, so it sees
 * extramedullary clones that an aspirate misses. */
static int
ctdna(mw_sim_t *s, double t, mw_imwg_obs_t *o)
{
    (void) o;
    const mw_scenario_t *sc = &s->sc;
    const int n = s->n_clones, ne = sc->mutation.n_entries;
    double total = sc->monitoring.cfdna_hge_ml, any = 0;
    int ret = grow_scratch(s, n);

    if (ret != 0) {
        return ret;
    }
    /* parents precede children in the clone table */
    for (int c = 0; c < n; c++) {
        const mw_clone_t *cl = &s->clones[c];
        int p = cl->parent;
        s->clin.carry[c] = p >= 0 ? s->clin.carry[p] : 0;
        s->clin.root[c] = p >= 0 ? s->clin.root[p] : c;
        if (cl->born == MW_BORN_MUTATION && cl->mutation >= 0) {
            s->clin.carry[c] |= (uint64_t) 1 << cl->mutation;
        }
        total += s->ctdna[c];
    }
    for (int f = 0; f < n; f++) {
        if (s->clones[f].born != MW_BORN_FOUNDER) {
            continue;
        }
        double x = 0;
        int called;
        for (int c = f; c < n; c++) {
            x += s->clin.root[c] == f ? s->ctdna[c] : 0.0;
        }
        double v = read_site(s, 0.5 * x / total, &called);
        any += called;
        if ((ret = record(s, t, MW_ASSAY_CTDNA, MW_Q_VAF_CLONE, f, v)) != 0) {
            return ret;
        }
    }
    for (int e = 0; e < ne; e++) {
        double x = 0;
        int called;
        for (int c = 0; c < n; c++) {
            x += s->clin.carry[c] >> e & 1 ? s->ctdna[c] : 0.0;
        }
        double v = read_site(s, 0.5 * x / total, &called);
        any += called;
        if ((ret = record(s, t, MW_ASSAY_CTDNA, MW_Q_VAF_MUTATION, e, v)) != 0) {
            return ret;
        }
    }
    return record(s, t, MW_ASSAY_CTDNA, MW_Q_CTDNA_DETECTED, -1, any > 0);
}

static int
imaging(mw_sim_t *s, double t, mw_imwg_obs_t *o)
{
    int seen = s->n_em >= s->sc.monitoring.imaging_cells;
    s->clin.emd_seen = seen;
    if (t <= s->clin.line_start) {
        s->clin.emd_at_start = seen; /* the line's baseline scan */
    }
    o->new_lesion = seen && !s->clin.emd_at_start;
    return record(s, t, MW_ASSAY_IMAGING, MW_Q_EMD, -1, seen);
}

static int
immune_panel(mw_sim_t *s, double t, mw_imwg_obs_t *o)
{
    (void) o;
    const mw_scenario_t *sc = &s->sc;
    mw_rng_t *r = &s->clin.rng;
    const double cv = sc->monitoring.immune_cv;
    const double per_ul = sc->immune.blood_fraction / sc->immune.blood_volume_ul;
    mw_immune_state_t im;
    mw_toxicity_t tx;
    int ret;

    if (!s->imm.on) {
        return 0;
    }
    for (int p = 0; p < sc->immune.n_products; p++) {
        mw_cart_state_t cs;
        if (!s->imm.infused[p] || mw_sim_cart(s, p, &cs) != 0) {
            continue;
        }
        double all = cs.effector + cs.memory + cs.exhausted;
        double copies = noisy(r, cs.copies_ug, cv);
        if ((ret = record(s, t, MW_ASSAY_IMMUNE, MW_Q_CART_CELLS_UL, p,
                          noisy(r, cs.blood_cells_ul, cv))) != 0 ||
            (ret = record(s, t, MW_ASSAY_IMMUNE, MW_Q_CART_COPIES_UG, p,
                          copies >= sc->immune.lloq_copies_ug ? copies : 0.0)) != 0 ||
            (ret = record(s, t, MW_ASSAY_IMMUNE, MW_Q_CART_EXHAUSTED, p,
                          all > 0 ? cs.exhausted / all : 0.0)) != 0) {
            return ret;
        }
    }
    /* secreted suppressive cytokines: tumour cells weighted by their secretion
     * traits (relative to a typical myeloma cell) */
    double s10 = 0, stgf = 0;
    for (int i = 0; i < s->n_live; i++) {
        const mw_clone_t *cl = &s->clones[s->live[i]];
        s10 += (cl->cells_bm + cl->cells_em) * cl->traits.il10;
        stgf += (cl->cells_bm + cl->cells_em) * cl->traits.tgfb;
    }
    if ((ret = record(s, t, MW_ASSAY_IMMUNE, MW_Q_IL10, -1,
                      noisy(r, sc->monitoring.il10_basal + sc->monitoring.il10_per_1e11 * s10 / 1e11,
                            cv))) != 0 ||
        (ret = record(s, t, MW_ASSAY_IMMUNE, MW_Q_TGFB, -1,
                      noisy(r, sc->monitoring.tgfb_basal + sc->monitoring.tgfb_per_1e11 * stgf / 1e11,
                            cv))) != 0) {
        return ret;
    }
    mw_sim_immune(s, &im);
    mw_sim_toxicity(s, &tx);
    if ((ret = record(s, t, MW_ASSAY_IMMUNE, MW_Q_T_CELLS_UL, -1,
                      noisy(r, im.t_cells * per_ul, cv))) != 0 ||
        (ret = record(s, t, MW_ASSAY_IMMUNE, MW_Q_NK_CELLS_UL, -1,
                      noisy(r, im.nk_cells * per_ul, cv))) != 0) {
        return ret;
    }
    if ((ret = record(s, t, MW_ASSAY_IMMUNE, MW_Q_IL6, -1, noisy(r, tx.il6_pg_ml, cv))) != 0 ||
        (ret = record(s, t, MW_ASSAY_IMMUNE, MW_Q_CRS_GRADE, -1, tx.crs_grade)) != 0) {
        return ret;
    }
    return record(s, t, MW_ASSAY_IMMUNE, MW_Q_ICANS_GRADE, -1, tx.icans_grade);
}

/* Draw k tumour cells' clones in proportion to w(clone) (sequential binomials over
 * the live clones); calls cell(s, clone, compartment, arg) for each.  comp_w: 0
 * marrow cells, 1 all cells (marrow then extramedullary). */
typedef int (*cell_fn)(mw_sim_t *s, int clone, int comp, void *arg);

static int
draw_cells(mw_sim_t *s, double k, int all, cell_fn fn, void *arg)
{
    mw_rng_t *r = &s->clin.rng;
    double left = k, w_left = all ? s->n_bm + s->n_em : s->n_bm;

    for (int comp = 0; comp < (all ? 2 : 1); comp++) {
        for (int i = 0; i < s->n_live && left > 0; i++) {
            const mw_clone_t *cl = &s->clones[s->live[i]];
            double w = comp == 0 ? cl->cells_bm : cl->cells_em;
            if (!(w > 0)) {
                continue;
            }
            double n = w >= w_left ? left : mw_ran_binomial(r, w / w_left, left);
            left -= n;
            w_left -= w;
            for (double j = 0; j < n; j++) {
                int ret = fn(s, s->live[i], comp, arg);
                if (ret != 0) {
                    return ret;
                }
            }
        }
    }
    return 0;
}

static int
capture(mw_sim_t *s, int clone, int comp, void *arg)
{
    mw_clin_t *c = &s->clin;
    const mw_clone_t *cl = &s->clones[clone];
    int ret = mw__grow((void **) &c->cells, sizeof(mw_cell_obs_t), &c->cap_cells,
                       c->n_cells + 1);
    if (ret != 0) {
        return mw__trace_error(ret);
    }
    mw_cell_obs_t *x = &c->cells[c->n_cells++];
    x->t_days = *(const double *) arg;
    x->sample = c->n_sc_samples;
    x->compartment = comp;
    x->clone = cl->id;
    for (int a = 0; a < MW_N_ANTIGENS; a++) {
        const mw_antigen_t *ag = &cl->traits.antigen[a];
        x->density[a] = ag->copies > 0 && ag->density > 0
                            ? ag->density * exp(mw_ran_gaussian(&c->rng, ag->spread))
                            : 0.0;
    }
    return 0;
}

/* Single-cell sampling: tumour cells captured one by one (after enrichment), from
 * the aspirate or, for blood, from all tumour cells (circulating cells are taken
 * to come from every site alike). */
static int
single_cell(mw_sim_t *s, double t, mw_imwg_obs_t *o)
{
    (void) o;
    const mw_scenario_t *sc = &s->sc;
    const int blood = sc->monitoring.sc_blood;
    /* tumour cells among the sample's nucleated cells (flow.events of them), then
     * enriched: the count captured never reads out the whole tumour */
    double tum = blood ? s->n_bm + s->n_em : s->n_bm;
    double p = tum > 0 ? tum / (tum + sc->monitoring.marrow_cells) : 0.0;
    double avail = mw_ran_binomial(&s->clin.rng, p, sc->monitoring.flow_events);
    double k = sc->monitoring.sc_cells < avail ? sc->monitoring.sc_cells : avail;

    s->clin.n_sc_samples++;
    int ret = record(s, t, MW_ASSAY_SINGLE_CELL, MW_Q_CELLS_CAPTURED, -1, k);
    return ret != 0 || k < 1 ? ret : draw_cells(s, k, blood, capture, &t);
}

typedef struct {
    int product;
    double xfrac, et, half_et, killed;
} kill_arg_t;

static int
lyse(mw_sim_t *s, int clone, int comp, void *arg)
{
    kill_arg_t *k = arg;
    double r = mw_sim_recognition(s, clone, k->product);
    double p = 1.0 - exp2(-k->et * (1.0 - k->xfrac) * r / k->half_et);
    (void) comp;
    k->killed += mw__rng_uniform(&s->clin.rng) < p;
    return 0;
}

/* Ex vivo killing: aspirate tumour cells exposed to the patient's CAR-T cells of
 * each infused product at E:T; a cell is killed with p = 1 - 2^(-E:T f r / half),
 * r its clone's recognition by the product and f the non-exhausted fraction. */
static int
killing(mw_sim_t *s, double t, mw_imwg_obs_t *o)
{
    (void) o;
    const mw_scenario_t *sc = &s->sc;
    double n = floor(sc->monitoring.kill_cells < s->n_bm ? sc->monitoring.kill_cells : s->n_bm);

    if (!s->imm.on || n < 1) {
        return 0;
    }
    for (int p = 0; p < sc->immune.n_products; p++) {
        mw_cart_state_t cs;
        if (!s->imm.infused[p] || mw_sim_cart(s, p, &cs) != 0) {
            continue;
        }
        double all = cs.effector + cs.memory + cs.exhausted;
        kill_arg_t k = {p, all > 0 ? cs.exhausted / all : 1.0, sc->monitoring.kill_et,
                        sc->monitoring.kill_half_et, 0.0};
        int ret = draw_cells(s, n, 0, lyse, &k);
        if (ret == 0) {
            ret = record(s, t, MW_ASSAY_KILLING, MW_Q_SPECIFIC_LYSIS, p, k.killed / n);
        }
        if (ret != 0) {
            return ret;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------
 * Visits and the IMWG response
 * ---------------------------------------------------------------------------- */

/* Fold the items measured in o into the latest values. */
static void
remember(mw_clin_t *c, const mw_imwg_obs_t *o)
{
    c->last.t = o->t;
    if (!isnan(o->mprotein)) {
        c->last.mprotein = o->mprotein;
        c->last.ife = o->ife;
    }
    if (!isnan(o->flc_inv)) {
        c->last.flc_inv = o->flc_inv;
        c->last.flc_uninv = o->flc_uninv;
    }
    if (!isnan(o->marrow_pc)) {
        c->last.marrow_pc = o->marrow_pc;
    }
    if (o->mrd >= 0) {
        c->last.mrd = o->mrd;
    }
}

static int
assessable(const mw_imwg_obs_t *o)
{
    return !isnan(o->mprotein) || !isnan(o->flc_inv) || !isnan(o->marrow_pc) ||
           o->new_lesion >= 0;
}

/* The antigen whose phenotype types a relapse: a CAR-T line's product's first
 * target; on the implicit line (no plan), the first product's, else the first
 * engager's target; -1 for any other line. */
static int
line_antigen(const mw_sim_t *s)
{
    const mw_scenario_t *sc = &s->sc;
    int k = s->ther.cart_product;

    if (s->clin.implicit) {
        if (sc->immune.n_products > 0) {
            k = 0;
        } else {
            return sc->immune.n_engagers > 0 ? sc->immune.engagers[0].target.antigen : -1;
        }
    }
    return k >= 0 && sc->immune.products[k].n_targets >= 1
               ? sc->immune.products[k].targets[0].antigen
               : -1;
}

/* What the clinic saw at progression: new extramedullary disease on imaging, else
 * the flow phenotype of the line's target antigen (line_antigen; a read after the
 * line started: half or more of the cells negative, or the median below half of
 * that at the line's start), else medullary. */
static int
relapse_type(const mw_sim_t *s)
{
    const mw_clin_t *c = &s->clin;

    if (c->emd_seen && !c->emd_at_start) {
        return MW_RELAPSE_EXTRAMEDULLARY;
    }
    int a = line_antigen(s);
    if (a < 0 || !(c->flow_t > c->line_start)) {
        return MW_RELAPSE_MEDULLARY;
    }
    if (c->flow_neg[a] >= 0.5) {
        return MW_RELAPSE_ANTIGEN_NEGATIVE;
    }
    if (c->flow_med[a] < 0.5 * c->flow_base_med[a]) {
        return MW_RELAPSE_ANTIGEN_LOW;
    }
    return MW_RELAPSE_ANTIGEN_POSITIVE;
}

/* The IMWG assessment of one visit in the current line. */
static int
assess(mw_sim_t *s, double t, const mw_imwg_obs_t *o)
{
    mw_clin_t *c = &s->clin;

    /* a plan's line is assessed while the plan is on it; the implicit line always */
    if (c->line < 0 || (!c->implicit && s->ther.line != c->line) || c->done_line ||
        !assessable(o)) {
        return 0;
    }
    if (t <= c->line_start || c->need_baseline) {
        /* the line's baseline: the latest of each item, this visit's included */
        mw_imwg_obs_t b = c->last;
        b.t = t;
        b.new_lesion = -1;
        int ret = mw__imwg_start(&c->imwg, &c->rules, &b);
        c->need_baseline = 0;
        return ret < 0 ? mw__trace_error(ret) : 0;
    }
    int f = mw__imwg_visit(&c->imwg, o, &c->result);
    if (f < 0) {
        return mw__trace_error(f);
    }
    c->assessed = 1;
    mw_line_response_t *lr = &c->lines[c->line];
    lr->best = c->result.best;
    lr->response_day = c->result.response_day;
    if (f & MW_IMWG_RESPONSE_CHANGED) {
        int ret = mw__event_value(s, t, MW_EV_RESPONSE, MW_NULL_ID, c->result.confirmed,
                                  isnan(o->mprotein) ? -1.0 : o->mprotein);
        if (ret != 0) {
            return ret;
        }
    }
    if (f & MW_IMWG_PROGRESSION) {
        c->done_line = 1;
        lr->progression_day = c->result.pd_day;
        lr->relapse_type = relapse_type(s);
        lr->end_day = t;
        lr->ended_by = MW_LINE_PROGRESSION;
        /* the plan moves on; on the implicit line the progression is only recorded */
        return mw__ther_progressed(s, t, c->result.pd_day,
                                   isnan(o->mprotein) ? -1.0 : o->mprotein);
    }
    return 0;
}

/* The assays in their fixed order (mw_assay_t); each adds what it measured to the
 * visit's IMWG items. */
typedef int (*assay_fn)(mw_sim_t *s, double t, mw_imwg_obs_t *o);
static const assay_fn assay_fns[MW_N_ASSAYS] = {spep,    flc,          marrow,      flow,   ctdna,
                                                imaging, immune_panel, single_cell, killing};

/* Carry out policy k's action at t (logged first, with the reading that fired it). */
static int
act(mw_sim_t *s, double t, int k, double value)
{
    const mw_policy_t *p = &s->sc.monitoring.policies[k];
    mw_clin_t *c = &s->clin;
    int ret = mw__event_value(s, t, MW_EV_POLICY, MW_NULL_ID, k, value);

    c->pol[k].fired++;
    c->pol[k].n = 0; /* firing again needs fresh readings */
    if (ret != 0) {
        return ret;
    }
    /* the line ends by policy only when another line really starts */
    int starts = p->action == MW_ACT_START_LINE ||
                 (p->action == MW_ACT_NEXT_LINE && s->ther.line + 1 < s->sc.therapy.n_lines);
    if (starts && s->ther.line >= 0 && s->ther.line < MW_MAX_LINES && !c->done_line) {
        c->lines[s->ther.line].end_day = t;
        c->lines[s->ther.line].ended_by = MW_LINE_POLICY;
    }
    switch (p->action) {
        case MW_ACT_NEXT_LINE:
            return mw__ther_goto_line(s, s->ther.line + 1, t);
        case MW_ACT_START_LINE:
            return mw__ther_goto_line(s, p->target_line - 1, t);
        case MW_ACT_STOP:
            return mw__ther_stop(s, t);
        case MW_ACT_RESUME:
            return mw__ther_resume(s, t);
        case MW_ACT_SAFETY_SWITCH:
            for (int q = 0; q < s->sc.immune.n_products; q++) {
                if (strcmp(s->sc.immune.products[q].name, p->product) == 0) {
                    return mw_sim_safety_switch(s, q);
                }
            }
            return 0;
        case MW_ACT_TOCILIZUMAB:
            return mw__imm_give_tocilizumab(s, t);
        case MW_ACT_STEROIDS:
            return mw__imm_give_steroids(s, t);
        case MW_ACT_ADD_REGIMEN:
            for (int r = 0; r < s->sc.therapy.n_regimens; r++) {
                if (strcmp(s->sc.therapy.regimens[r].name, p->regimen) == 0) {
                    return mw__ther_add_regimen(s, r, t);
                }
            }
            return 0;
        case MW_ACT_MONITOR: {
            mw_schedule_t *w = &s->sc.monitoring.schedule[p->assay];
            w->every_days = p->every_days;
            w->from_day = t;
            c->next[p->assay] = w->every_days > 0 ? t + w->every_days : INFINITY;
            c->on = 1;
            return 0;
        }
        default:
            return 0;
    }
}

/* After a visit: every policy whose condition holds acts, in list order. */
static int
run_policies(mw_sim_t *s, double t)
{
    const mw_scenario_t *sc = &s->sc;

    const int in_line = s->ther.on && s->ther.line >= 0 && s->ther.line < sc->therapy.n_lines;

    for (int k = 0; k < sc->monitoring.n_policies; k++) {
        const mw_policy_t *p = &sc->monitoring.policies[k];
        mw_policy_view_t v = {t, s->ther.line, mw__ther_treating(s)};
        double x;
        /* acting on a line needs a current line (not before the first, not after the
         * last): such a rule waits */
        int on_line = p->action == MW_ACT_NEXT_LINE || p->action == MW_ACT_START_LINE ||
                      p->action == MW_ACT_STOP || p->action == MW_ACT_ADD_REGIMEN ||
                      p->action == MW_ACT_RESUME;
        if (on_line && !in_line) {
            continue;
        }
        if (mw__policy_due(p, &s->clin.pol[k], &v, &x)) {
            int ret = act(s, t, k, x);
            if (ret != 0) {
                return ret;
            }
        }
    }
    return 0;
}

/* Line @p line (a plan's, or the implicit one) starts at t. */
static void
begin_line(mw_sim_t *s, int line, double t)
{
    mw_clin_t *c = &s->clin;

    c->line = line;
    c->line_start = t;
    if (c->line >= 0 && c->line < MW_MAX_LINES) {
        /* a restarted line's record starts afresh */
        c->lines[c->line] = (mw_line_response_t){1,   t,   MW_RESP_NE,      NAN, NAN,
                                                 MW_RELAPSE_NONE, NAN, MW_LINE_ONGOING};
    }
    memcpy(c->flow_base_med, c->flow_med, sizeof(c->flow_med));
    c->assessed = 0;
    c->done_line = 0;
    c->emd_at_start = c->emd_seen;
    memset(&c->result, 0, sizeof(c->result));
    c->need_baseline =
        isnan(c->last.mprotein) && isnan(c->last.flc_inv) && isnan(c->last.marrow_pc);
    if (!c->need_baseline) {
        mw_imwg_obs_t b = c->last;
        b.t = t;
        b.new_lesion = -1;
        (void) mw__imwg_start(&c->imwg, &c->rules, &b); /* rules were checked at init */
    }
    for (int a = 0; a < MW_N_ASSAYS; a++) {
        if (s->sc.monitoring.schedule[a].at_line_start && !(c->done[a] == t)) {
            c->pending[a] = 1;
        }
    }
}

int
mw__clinic_apply(mw_sim_t *s, double t)
{
    mw_clin_t *c = &s->clin;
    const mw_scenario_t *sc = &s->sc;

    if (!c->on) {
        return 0;
    }
    if (t >= c->implicit_day) {
        /* the implicit line starts before this visit's assays, which are then its
         * baseline (as the assays at a plan line's start are) */
        c->implicit_day = INFINITY;
        begin_line(s, 0, t);
    }
    /* a progression may start a line whose start-of-line assays are due at once */
    for (int guard = 0; guard < 8; guard++) {
        int due[MW_N_ASSAYS], any = 0, ret = 0;
        for (int a = 0; a < MW_N_ASSAYS; a++) {
            due[a] = c->pending[a] || c->next[a] <= t;
            any |= due[a];
        }
        if (!any) {
            return 0;
        }
        mw_imwg_obs_t o = {t, NAN, -1, NAN, NAN, NAN, -1, -1};
        for (int a = 0; a < MW_N_ASSAYS && ret == 0; a++) {
            ret = due[a] ? assay_fns[a](s, t, &o) : 0;
        }
        if (ret != 0) {
            return ret;
        }
        for (int a = 0; a < MW_N_ASSAYS; a++) {
            if (!due[a]) {
                continue;
            }
            const mw_schedule_t *w = &sc->monitoring.schedule[a];
            c->pending[a] = 0;
            c->done[a] = t;
            double x = periodic_from(w, t);
            if (x <= t) {
                x = x + w->every_days < w->until_day ? x + w->every_days : INFINITY;
            }
            c->next[a] = x;
        }
        remember(c, &o);
        if ((ret = assess(s, t, &o)) != 0 || (ret = run_policies(s, t)) != 0) {
            return ret;
        }
    }
    return 0;
}

void
mw__clinic_line_start(mw_sim_t *s, double t)
{
    begin_line(s, s->ther.line, t);
}

/* ------------------------------------------------------------------------------
 * Public accessors
 * ---------------------------------------------------------------------------- */

int
mw_sim_line_response(const mw_sim_t *s, int line, mw_line_response_t *out)
{
    if (line < 0 || line >= MW_MAX_LINES) {
        return MW_ERR_BAD_PARAM;
    }
    *out = s->clin.lines[line];
    return 0;
}

const char *
mw_line_end_name(int why)
{
    static const char *names[] = {"ongoing", "progression", "policy"};
    return why >= 0 && why <= MW_LINE_POLICY ? names[why] : "unknown";
}

const char *
mw_relapse_name(int type)
{
    static const char *names[] = {"none", "extramedullary", "antigen-negative",
                                  "antigen-low", "antigen-positive", "medullary"};
    return type >= 0 && type <= MW_RELAPSE_MEDULLARY ? names[type] : "unknown";
}

int
mw_sim_n_cells(const mw_sim_t *s)
{
    return s->clin.n_cells;
}

const mw_cell_obs_t *
mw_sim_cell(const mw_sim_t *s, int i)
{
    return i >= 0 && i < s->clin.n_cells ? &s->clin.cells[i] : NULL;
}

int
mw_sim_n_obs(const mw_sim_t *s)
{
    return s->clin.n_obs;
}

const mw_obs_t *
mw_sim_obs(const mw_sim_t *s, int i)
{
    return i >= 0 && i < s->clin.n_obs ? &s->clin.obs[i] : NULL;
}

const char *
mw_obs_label(const mw_sim_t *s, const mw_obs_t *o, char *buf, size_t n)
{
    const char *q = mw__quantity_base(o->quantity);
    switch (o->quantity) {
        case MW_Q_ANTIGEN_MEDIAN:
        case MW_Q_ANTIGEN_NEGATIVE:
            snprintf(buf, n, "%s:%s", q, mw_antigen_name(o->index));
            break;
        case MW_Q_VAF_CLONE:
            snprintf(buf, n, "%s:c%d", q, o->index);
            break;
        case MW_Q_VAF_MUTATION:
            snprintf(buf, n, "%s:%s", q, s->sc.mutation.catalogue[o->index].name);
            break;
        case MW_Q_CART_CELLS_UL:
        case MW_Q_CART_COPIES_UG:
        case MW_Q_CART_EXHAUSTED:
        case MW_Q_SPECIFIC_LYSIS:
            snprintf(buf, n, "%s:%s", q, s->sc.immune.products[o->index].name);
            break;
        default:
            snprintf(buf, n, "%s", q);
            break;
    }
    return buf;
}
