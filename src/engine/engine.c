/*
 * The simulation object shared by the three engine modes: the clone table and its
 * tree, per-clone rates derived from traits, the marrow environment (theta-logistic
 * crowding, IL-6 niche support), serum markers and the event log.
 *
 *   birth in marrow   b_c * max(0, 1 - (N_bm/K)^theta) * (1 + nd_c * S(IL6))
 *   IL6               = basal + gain * min(1, N_bm/K);  S = smax * IL6/(IL6 + EC50)
 *   marker M          dM/dt = p N - ln2/t_half M  (exact over each interval)
 *
 * The modes themselves live in exact.c, hybrid.c and mean.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "engine/engine.h"
#include "tumour/traits.h"

static void
rates_compute(const mw_sim_t *s, int c)
{
    const mw_scenario_t *sc = &s->sc;
    const mw_traits_t *t = &s->clones[c].traits;
    mw_rates_t *r = &s->rates[c];
    double mu;

    r->b = t->birth * (1.0 + sc->tumour.ras_birth_boost * t->ras) *
           (1.0 - sc->tumour.stem_birth_factor * t->stemness);
    if (r->b < 0) {
        r->b = 0;
    }
    r->nd = t->niche_dependence * (1.0 - sc->tumour.ras_niche_relief * t->ras);
    mu = sc->mutation.rate * t->mu_mult * (t->tp53_loss ? sc->tumour.tp53_mu_mult : 1.0);
    r->mu = mu > 1.0 ? 1.0 : mu;
    r->d = t->death;
    r->m = sc->tumour.em_seeding * (1.0 - r->nd);
    r->sw = s->clones[c].switched ? sc->plasticity.back_rate : sc->plasticity.rate;
    r->b_em = r->b * (1.0 - r->nd);
    /* shedding follows surface BCMA: density is for two copies (gene dosage) */
    r->bcma_w = t->antigen[MW_AG_BCMA].density * t->antigen[MW_AG_BCMA].copies / 2.0 /
                sc->markers.sbcma_ref_density;
    r->rbar[MW_BM] = r->b * (1.0 + r->nd * s->s_max) + r->d + r->m + r->sw;
    r->rbar[MW_EM] = r->b_em + r->d + r->sw;
}

/* Grow every per-clone array to hold clone index n-1. */
static int
clones_reserve(mw_sim_t *s, int n)
{
    int cap = s->cap_clones;
    int ne = s->sc.mutation.n_entries > 0 ? s->sc.mutation.n_entries : 1;

    if (n <= cap) {
        return 0;
    }
    if (n > s->sc.engine.max_clones) {
        return mw__trace_error(MW_ERR_TOO_MANY_CLONES);
    }
    cap = cap > 0 ? cap : 16;
    while (cap < n) {
        cap *= 2;
    }
#define GROW(ptr, count)                                                              \
    do {                                                                              \
        void *p_ = realloc((ptr), (size_t) (count) * sizeof(*(ptr)));                 \
        if (p_ == NULL) {                                                             \
            return mw__trace_error(MW_ERR_NO_MEMORY);                                 \
        }                                                                             \
        (ptr) = p_;                                                                   \
    } while (0)
    GROW(s->clones, cap);
    GROW(s->genetic, cap);
    GROW(s->rates, cap);
    GROW(s->twin, cap);
    GROW(s->child, (size_t) cap * (size_t) ne);
    GROW(s->ctdna, cap);
    GROW(s->deaths, cap);
    GROW(s->em_seen, cap);
    GROW(s->is_live, cap);
    GROW(s->in_decay, cap);
    GROW(s->live, cap);  /* each clone is listed at most once: no growth later */
    GROW(s->decay, cap);
    GROW(s->pop_of, 2 * (size_t) cap);
    GROW(s->scratch, 4 * (size_t) cap);
    GROW(s->recog, (size_t) cap * (size_t) (s->imm.nr > 0 ? s->imm.nr : 1));
    GROW(s->kill, cap);
    GROW(s->trog, cap);
    GROW(s->dsens, (size_t) cap * MW_MAX_DRUGS);
    GROW(s->dfx, (size_t) cap * MW_MAX_DRUGS);
    GROW(s->dk, 2 * (size_t) cap);
#undef GROW
    for (int i = s->cap_clones; i < cap; i++) {
        for (int e = 0; e < ne; e++) {
            s->child[(size_t) i * (size_t) ne + (size_t) e] = -1;
        }
        s->pop_of[2 * i] = -1;
        s->pop_of[2 * i + 1] = -1;
    }
    s->cap_clones = cap;
    return 0;
}

int
mw__clone_new(mw_sim_t *s, int parent, int born, int mutation, int switched,
              const mw_traits_t *genetic, double t)
{
    int c = s->n_clones;
    int ret = clones_reserve(s, c + 1);
    mw_clone_t *k;

    if (ret != 0) {
        return ret;
    }
    k = &s->clones[c];
    memset(k, 0, sizeof(*k));
    k->id = c;
    k->parent = parent;
    k->born_day = t;
    k->born = born;
    k->mutation = mutation;
    k->switched = switched;
    k->extinct_day = NAN;
    s->genetic[c] = *genetic;
    k->traits = *genetic;
    if (switched) {
        mw_traits_apply(&k->traits, s->sc.plasticity.edits, s->sc.plasticity.n_edits);
    }
    s->twin[c] = -1;
    s->ctdna[c] = 0;
    s->deaths[c] = 0;
    s->em_seen[c] = 0;
    s->is_live[c] = 0;
    s->in_decay[c] = 0;
    s->rates[c].influx = 0;
    s->kill[c] = 0;
    s->trog[c] = 0;
    s->n_clones = c + 1;
    rates_compute(s, c);
    if (s->imm.nr > 0) {
        /* recognition depends on the antigens only: reuse the parent's */
        size_t nr = (size_t) s->imm.nr;
        if (parent >= 0 && memcmp(s->clones[parent].traits.antigen, k->traits.antigen,
                                  sizeof(k->traits.antigen)) == 0) {
            memcpy(&s->recog[(size_t) c * nr], &s->recog[(size_t) parent * nr],
                   nr * sizeof(double));
        } else {
            mw__imm_recog_clone(s, c);
        }
    }
    s->dk[2 * c] = s->dk[2 * c + 1] = 0;
    if (s->ther.nu > 0) {
        mw__ther_clone(s, c);
    }
    return c;
}

/* The clone a division of @p parent founds, by the mutation stream's choice of
 * catalogue entry; recurrent entries reuse the parent's earlier child. */
int
mw__clone_mutant(mw_sim_t *s, int parent, double t, int *out)
{
    const mw_scenario_t *sc = &s->sc;
    int ne = sc->mutation.n_entries;
    double total = 0, x;
    int e = 0;

    for (int i = 0; i < ne; i++) {
        total += sc->mutation.catalogue[i].weight;
    }
    x = mw_rng_uniform_pos(&s->rng_mut) * total;
    for (e = 0; e < ne - 1; e++) {
        x -= sc->mutation.catalogue[e].weight;
        if (x < 0) {
            break;
        }
    }
    const mw_mutation_t *m = &sc->mutation.catalogue[e];
    size_t slot = (size_t) parent * (size_t) ne + (size_t) e;
    if (m->recurrent && s->child[slot] >= 0) {
        *out = s->child[slot];
        return 0;
    }
    mw_traits_t g = s->genetic[parent];
    mw_traits_apply(&g, m->edits, m->n_edits);
    g.birth *= 1.0 - m->fitness_cost;
    int c = mw__clone_new(s, parent, MW_BORN_MUTATION, e, s->clones[parent].switched, &g,
                          t);
    if (c < 0) {
        return c;
    }
    if (m->recurrent) {
        s->child[slot] = c;
    }
    int ret = mw__event(s, t, MW_EV_CLONE_BORN, c, parent);
    if (ret != 0) {
        return ret;
    }
    *out = c;
    return 0;
}

/* The reversible twin of clone @p c (created on first use). */
int
mw__clone_twin(mw_sim_t *s, int c, double t, int *out)
{
    if (s->twin[c] < 0) {
        mw_traits_t g = s->genetic[c];
        int k = mw__clone_new(s, c, MW_BORN_SWITCH, -1, !s->clones[c].switched, &g, t);
        if (k < 0) {
            return k;
        }
        s->twin[c] = k;
        s->twin[k] = c;
        int ret = mw__event(s, t, MW_EV_CLONE_BORN, k, c);
        if (ret != 0) {
            return ret;
        }
    }
    *out = s->twin[c];
    return 0;
}

void
mw__live_add(mw_sim_t *s, int c)
{
    if (s->is_live[c]) {
        return;
    }
    s->live[s->n_live++] = c; /* sized with the clone table */
    s->is_live[c] = 1;
}

/* Record clones that reached 0 cells and drop them from the live list, keeping
 * the list in creation order so that every mode iterates deterministically. */
void
mw__note_extinctions(mw_sim_t *s, double t)
{
    int j = 0;
    for (int i = 0; i < s->n_live; i++) {
        int c = s->live[i];
        mw_clone_t *k = &s->clones[c];
        double n = k->cells_bm + k->cells_em;
        if (n > k->peak_cells) {
            k->peak_cells = n;
        }
        if (n > 0 || s->rates[c].influx > 0) {
            if (k->cells_em > 0 && !s->em_seen[c]) {
                s->em_seen[c] = 1;
                (void) mw__event(s, t, MW_EV_EM_SEEDED, c, MW_NULL_ID);
            }
            s->live[j++] = c;
            continue;
        }
        s->is_live[c] = 0;
        k->extinct_day = t;
        if (k->peak_cells >= 2) {
            (void) mw__event(s, t, MW_EV_CLONE_EXTINCT, c, MW_NULL_ID);
        }
        if (s->ctdna[c] > 0 && !s->in_decay[c]) {
            s->in_decay[c] = 1;
            s->decay[s->n_decay++] = c;
        }
    }
    s->n_live = j;
    if (s->n_live == 0 && !s->tumour_extinct) {
        s->tumour_extinct = 1;
        (void) mw__event(s, t, MW_EV_TUMOUR_EXTINCT, MW_NULL_ID, MW_NULL_ID);
    }
}

int
mw__event(mw_sim_t *s, double t, int kind, int clone, int other)
{
    return mw__event_value(s, t, kind, clone, other, 0.0);
}

int
mw__event_value(mw_sim_t *s, double t, int kind, int clone, int other, double value)
{
    int ret = mw__grow((void **) &s->events, sizeof(mw_event_t), &s->cap_events,
                       s->n_events + 1);
    if (ret != 0) {
        return mw__trace_error(ret);
    }
    mw_event_t *e = &s->events[s->n_events++];
    e->t_days = t;
    e->kind = kind;
    e->clone = clone;
    e->other = other;
    e->value = value;
    return 0;
}

void
mw__env(const mw_sim_t *s, double n_bm, double n_em, double *crowd_bm, double *support,
        double *crowd_em, double *il6)
{
    const mw_scenario_t *sc = &s->sc;
    double occ = isfinite(sc->tumour.capacity) ? n_bm / sc->tumour.capacity : 0.0;
    double x = sc->tumour.il6_basal + sc->tumour.il6_gain * (occ > 1.0 ? 1.0 : occ);

    *crowd_bm = mw__crowding(n_bm, sc->tumour.capacity, sc->tumour.theta);
    *crowd_em = mw__crowding(n_em, sc->tumour.em_capacity, sc->tumour.theta);
    *support = sc->tumour.il6_support_max * x / (x + sc->tumour.il6_ec50);
    if (il6 != NULL) {
        *il6 = x;
    }
}

/* (1 - e^-x)/x, stable near 0. */
static double
phi(double x)
{
    return x < 1e-8 ? 1.0 - 0.5 * x : -expm1(-x) / x;
}

/* Advance the markers over an interval of @p h days during which the tumour
 * integral was int_n (cell-days), the BCMA-weighted integral int_nb, and clone c
 * had deaths[c] deaths.  Production is treated as uniform over the interval. */
void
mw__markers_advance(mw_sim_t *s, double h, double int_n, double int_nb)
{
    const mw_scenario_t *sc = &s->sc;
    mw_markers_t *m = &s->mk;
    double k, decay;

    if (h <= 0) {
        return;
    }
    k = MW_LN2 / sc->markers.mprotein_half_life;
    m->mprotein_g_dl = m->mprotein_g_dl * exp(-k * h) +
                       sc->markers.mprotein_per_1e11 * 1e-11 * k * int_n * phi(k * h);
    k = MW_LN2 / sc->markers.flc_half_life;
    m->flc_mg_l = m->flc_mg_l * exp(-k * h) +
                  sc->markers.flc_per_1e11 * 1e-11 * k * int_n * phi(k * h);
    k = MW_LN2 / sc->markers.sbcma_half_life;
    m->sbcma_ng_ml = m->sbcma_ng_ml * exp(-k * h) +
                     sc->markers.sbcma_per_1e11 * 1e-11 * s->ther.fx.sbcma_keep * k * int_nb *
                         phi(k * h);

    k = MW_LN2 / sc->markers.ctdna_half_life;
    decay = exp(-k * h);
    double gain = sc->markers.ctdna_per_death * phi(k * h);
    double total = 0;
    for (int i = 0; i < s->n_live; i++) {
        int c = s->live[i];
        s->ctdna[c] = s->ctdna[c] * decay + gain * s->deaths[c];
        s->deaths[c] = 0;
        total += s->ctdna[c];
    }
    int j = 0;
    for (int i = 0; i < s->n_decay; i++) {
        int c = s->decay[i];
        if (s->is_live[c]) {
            s->in_decay[c] = 0; /* revived: counted with the live clones above */
            continue;
        }
        s->ctdna[c] = s->ctdna[c] * decay + gain * s->deaths[c];
        s->deaths[c] = 0;
        if (s->ctdna[c] < 1e-12) {
            s->ctdna[c] = 0;
            s->in_decay[c] = 0;
            continue;
        }
        total += s->ctdna[c];
        s->decay[j++] = c;
    }
    s->n_decay = j;
    m->ctdna_hge_ml = total;
}

/* Deterministic starting markers: the steady state of the day-0 tumour. */
static void
markers_steady(mw_sim_t *s)
{
    const mw_scenario_t *sc = &s->sc;
    double n = s->n_bm + s->n_em, nb = 0;
    double crowd, sup, crowd_em;

    for (int i = 0; i < s->n_live; i++) {
        int c = s->live[i];
        double nc = s->clones[c].cells_bm + s->clones[c].cells_em;
        nb += nc * s->rates[c].bcma_w;
        s->ctdna[c] = sc->markers.ctdna_per_death * s->rates[c].d * nc *
                      sc->markers.ctdna_half_life / MW_LN2;
    }
    s->mk.mprotein_g_dl = sc->markers.mprotein_per_1e11 * n * 1e-11;
    s->mk.flc_mg_l = sc->markers.flc_per_1e11 * n * 1e-11;
    s->mk.sbcma_ng_ml = sc->markers.sbcma_per_1e11 * nb * 1e-11;
    s->mk.ctdna_hge_ml = 0;
    for (int i = 0; i < s->n_live; i++) {
        s->mk.ctdna_hge_ml += s->ctdna[s->live[i]];
    }
    mw__env(s, s->n_bm, s->n_em, &crowd, &sup, &crowd_em, &s->mk.il6_pg_ml);
}

static void
recount(mw_sim_t *s)
{
    s->n_bm = 0;
    s->n_em = 0;
    for (int i = 0; i < s->n_live; i++) {
        s->n_bm += s->clones[s->live[i]].cells_bm;
        s->n_em += s->clones[s->live[i]].cells_em;
    }
}

static void
reset_tables(mw_sim_t *s)
{
    s->n_clones = 0;
    s->n_live = 0;
    s->n_decay = 0;
    s->n_events = 0;
    s->tumour_extinct = 0;
    if (s->child != NULL) {
        int ne = s->sc.mutation.n_entries > 0 ? s->sc.mutation.n_entries : 1;
        for (size_t i = 0; i < (size_t) s->cap_clones * (size_t) ne; i++) {
            s->child[i] = -1;
        }
    }
}

static int
run_engine(mw_sim_t *s, double t_end, double stop_cells)
{
    switch (s->sc.engine.mode) {
        case MW_MODE_EXACT:
            return mw__exact_run(s, t_end, stop_cells);
        case MW_MODE_HYBRID:
            return mw__hybrid_run(s, t_end, stop_cells);
        case MW_MODE_MEAN:
            return mw__mean_run(s, t_end);
        default:
            return mw__trace_error(MW_ERR_BAD_MODE);
    }
}

/* Advance to t_end, stopping at every scheduled immune action (infusion,
 * lymphodepletion, engager dose, safety switch, end of a drug effect) and every
 * plan event (line, phase and cycle starts, progression checks, and the doses the
 * mode needs to stop for) so that no engine step straddles one. */
static int
run_mode(mw_sim_t *s, double t_end, double stop_cells)
{
    int ret = 0;

    if (!s->imm.on && !s->ther.on && !s->clin.on) {
        return run_engine(s, t_end, stop_cells);
    }
    if (s->imm.dead) {
        return MW_EXIT_DEATH;
    }
    for (;;) {
        /* the clinic sees the state before anything given now acts; the plan acts
         * after it; a line the plan starts has its start assays, which may fire a
         * policy that acts on the plan now: repeat until nothing new happens */
        for (int pass = 0; pass < 8 && ret == 0; pass++) {
            int n0 = s->n_events + s->clin.n_obs;
            ret = mw__clinic_apply(s, s->t);
            if (ret == 0) {
                ret = mw__ther_apply(s, s->t);
            }
            if (s->n_events + s->clin.n_obs == n0) {
                break;
            }
        }
        if (ret == 0) {
            ret = mw__imm_apply_schedule(s, s->t);
        }
        if (ret != 0 || s->t >= t_end) {
            break;
        }
        double tn = mw__imm_next_time(s, s->t), tt = mw__ther_next_time(s, s->t);
        double tc = mw__clinic_next_time(s, s->t);
        tn = tt < tn ? tt : tn;
        tn = tc < tn ? tc : tn;
        ret = run_engine(s, tn < t_end ? tn : t_end, stop_cells);
        if (ret != 0) {
            break;
        }
    }
    return ret;
}

/* Founding by growth: one ancestor cell grown (with mutation) to the diagnosed
 * size; lineages that die out are not diagnosed, so growth restarts (from the
 * same stream, so it stays reproducible) until one reaches the size. */
#define MW_GROW_MAX_DAYS 1.0e5
#define MW_GROW_MAX_TRIES 100000

static int
found_by_growth_(mw_sim_t *s)
{
    const mw_clone_spec_t *a = &s->sc.tumour.clones[0];
    int ret = 0;

    for (int tries = 0; tries < MW_GROW_MAX_TRIES; tries++) {
        reset_tables(s);
        s->t = 0;
        int c = mw__clone_new(s, MW_NULL_ID, MW_BORN_FOUNDER, -1, 0, &a->traits, 0.0);
        if (c < 0) {
            return c;
        }
        s->clones[c].cells_bm = 1;
        mw__live_add(s, c);
        recount(s);
        if (s->sc.engine.mode == MW_MODE_EXACT) {
            mw__exact_free(s);
            ret = mw__exact_init(s);
            if (ret != 0) {
                return ret;
            }
        }
        ret = run_mode(s, MW_GROW_MAX_DAYS, s->sc.tumour.grow_to_cells);
        if (ret == MW_EXIT_TARGET_SIZE) {
            break;
        }
        if (ret < 0) {
            return ret;
        }
        if (!s->tumour_extinct) {
            return mw__trace_error(MW_ERR_BAD_PARAM); /* alive but never reached the size */
        }
    }
    if (ret != MW_EXIT_TARGET_SIZE) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    /* Diagnosis is day 0: shift every recorded time. */
    double td = s->t;
    for (int i = 0; i < s->n_clones; i++) {
        s->clones[i].born_day -= td;
        s->clones[i].extinct_day -= td;
    }
    for (int i = 0; i < s->n_events; i++) {
        s->events[i].t_days -= td;
    }
    s->t_offset = -td;
    s->t = 0;
    s->t_mark = 0;
    return mw__event(s, 0.0, MW_EV_DIAGNOSIS, MW_NULL_ID, MW_NULL_ID);
}

static int
found_by_growth(mw_sim_t *s)
{
    int ret;
    int imm_on = s->imm.on, ther_on = s->ther.on, clin_on = s->clin.on;

    s->imm.on = 0; /* no treatment, and no clinic, before diagnosis */
    s->ther.on = 0;
    s->clin.on = 0;
    ret = found_by_growth_(s);
    s->imm.on = imm_on;
    s->ther.on = ther_on;
    s->clin.on = clin_on;
    return ret;
}

int
mw_sim_create(const mw_scenario_t *scenario, uint64_t seed, uint32_t index,
              mw_sim_t **out)
{
    mw_sim_t *s;
    int ret = 0;
    const mw_scenario_t *sc = scenario;

    *out = NULL;
    if (sc->tumour.n_clones < 1 || sc->engine.mode < 0 || sc->engine.mode > MW_MODE_MEAN) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    s->sc = *scenario;
    s->seed = seed;
    s->index = index;
    mw_rng_init(&s->rng_dyn, seed, index, MW_STREAM_DYNAMICS);
    mw_rng_init(&s->rng_mut, seed, index, MW_STREAM_MUTATION);
    mw_rng_init(&s->rng_imm, seed, index, MW_STREAM_IMMUNE);
    mw_rng_init(&s->rng_drug, seed, index, MW_STREAM_DRUG);
    mw__imm_init(s);
    ret = mw__ther_init(s);
    if (ret == 0) {
        ret = mw__clinic_init(s);
    }
    if (ret != 0) {
        goto out;
    }
    {
        double x = sc->tumour.il6_basal + sc->tumour.il6_gain;
        s->s_max = isfinite(sc->tumour.capacity)
                       ? sc->tumour.il6_support_max * x / (x + sc->tumour.il6_ec50)
                       : sc->tumour.il6_support_max * sc->tumour.il6_basal /
                             (sc->tumour.il6_basal + sc->tumour.il6_ec50);
    }
    ret = clones_reserve(s, sc->engine.max_clones < 64 ? sc->engine.max_clones : 64);
    if (ret != 0) {
        goto out;
    }
    if (sc->engine.mode == MW_MODE_EXACT) {
        double n0 = sc->tumour.founding == MW_FOUND_GROW ? sc->tumour.grow_to_cells : 0;
        for (int i = 0; sc->tumour.founding != MW_FOUND_GROW && i < sc->tumour.n_clones; i++) {
            n0 += sc->tumour.clones[i].cells + sc->tumour.clones[i].em_cells;
        }
        if (s->imm.on) {
            /* immune cells are simulated event by event too */
            n0 += sc->immune.t_cells + sc->immune.nk_cells;
            for (int p = 0; p < sc->immune.n_products; p++) {
                n0 += sc->immune.products[p].dose_cells;
            }
        }
        if (n0 > sc->engine.exact_cell_limit) {
            ret = mw__trace_error(MW_ERR_EXACT_TOO_LARGE);
            goto out;
        }
    }
    if (sc->tumour.founding == MW_FOUND_GROW) {
        if (sc->engine.mode == MW_MODE_MEAN) {
            ret = mw__trace_error(MW_ERR_BAD_MODE);
            goto out;
        }
        ret = found_by_growth(s);
        if (ret != 0) {
            goto out;
        }
    } else {
        for (int i = 0; i < sc->tumour.n_clones; i++) {
            const mw_clone_spec_t *cs = &sc->tumour.clones[i];
            int c = mw__clone_new(s, MW_NULL_ID, MW_BORN_FOUNDER, -1, 0, &cs->traits, 0.0);
            if (c < 0) {
                ret = c;
                goto out;
            }
            s->clones[c].cells_bm = cs->cells;
            s->clones[c].cells_em = cs->em_cells;
            s->clones[c].peak_cells = cs->cells + cs->em_cells;
            s->rates[c].influx = cs->influx;
            if (cs->em_cells > 0) {
                s->em_seen[c] = 1;
            }
            if (cs->cells + cs->em_cells > 0 || cs->influx > 0) {
                mw__live_add(s, c);
            }
        }
    }
    recount(s);
    markers_steady(s);
    s->t_mark = s->t;
    s->imm.t_conc = s->t;
    if (sc->engine.mode == MW_MODE_EXACT) {
        mw__exact_free(s);
        ret = mw__exact_init(s);
    } else if (sc->engine.mode == MW_MODE_MEAN) {
        ret = mw__mean_init(s);
    }
out:
    if (ret != 0) {
        mw_sim_free(s);
        return ret;
    }
    *out = s;
    return 0;
}

void
mw_sim_free(mw_sim_t *s)
{
    if (s == NULL) {
        return;
    }
    mw__exact_free(s);
    mw__mean_free(s);
    free(s->clones);
    free(s->genetic);
    free(s->rates);
    free(s->twin);
    free(s->child);
    free(s->ctdna);
    free(s->deaths);
    free(s->em_seen);
    free(s->is_live);
    free(s->in_decay);
    free(s->pop_of);
    free(s->scratch);
    free(s->recog);
    free(s->kill);
    free(s->trog);
    free(s->dsens);
    free(s->dfx);
    free(s->dk);
    free(s->live);
    free(s->decay);
    free(s->events);
    mw__clinic_free(s);
    free(s);
}

/* Far past any real tumour (a whole body holds about 3e13 cells) yet far from
 * overflow: a model without crowding can pass 1e15 in long follow-up, since it has
 * no death from myeloma, but never reaches Inf. */
#define MW__MAX_TUMOUR_CELLS 1e30

int
mw_sim_run_until(mw_sim_t *s, double t_days)
{
    int ret;

    if (!(t_days >= s->t)) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    /* The engines stop at MW__MAX_TUMOUR_CELLS (the mean mode is checked after),
     * so a runaway tumour is an error rather than an overflow to Inf. */
    ret = run_mode(s, t_days, MW__MAX_TUMOUR_CELLS);
    double bm, em;
    mw_sim_tumour(s, &bm, &em);
    if (ret == MW_EXIT_TARGET_SIZE || (ret >= 0 && !(bm + em <= MW__MAX_TUMOUR_CELLS))) {
        return mw__trace_error(MW_ERR_TOO_MANY_CELLS);
    }
    if (ret < 0 || ret == MW_EXIT_DEATH) {
        return ret;
    }
    return s->tumour_extinct ? MW_EXIT_EXTINCT : 0;
}

double
mw_sim_time(const mw_sim_t *s)
{
    return s->t;
}

int
mw_sim_n_clones(const mw_sim_t *s)
{
    return s->n_clones;
}

const mw_clone_t *
mw_sim_clone(const mw_sim_t *s, int i)
{
    return (i >= 0 && i < s->n_clones) ? &s->clones[i] : NULL;
}

void
mw_sim_tumour(const mw_sim_t *s, double *bm, double *em)
{
    *bm = s->n_bm;
    *em = s->n_em;
}

void
mw_sim_markers(const mw_sim_t *s, mw_markers_t *out)
{
    *out = s->mk;
}

double
mw_sim_clone_ctdna(const mw_sim_t *s, int i)
{
    return (i >= 0 && i < s->n_clones) ? s->ctdna[i] : 0.0;
}

int
mw_sim_n_events(const mw_sim_t *s)
{
    return s->n_events;
}

const mw_event_t *
mw_sim_event(const mw_sim_t *s, int i)
{
    return (i >= 0 && i < s->n_events) ? &s->events[i] : NULL;
}

void
mw_sim_counters(const mw_sim_t *s, mw_counters_t *out)
{
    *out = s->counters;
}

const char *
mw_event_name(int kind)
{
    switch (kind) {
        case MW_EV_CLONE_BORN:
            return "clone_born";
        case MW_EV_EM_SEEDED:
            return "em_seeded";
        case MW_EV_CLONE_EXTINCT:
            return "clone_extinct";
        case MW_EV_TUMOUR_EXTINCT:
            return "tumour_extinct";
        case MW_EV_DIAGNOSIS:
            return "diagnosis";
        case MW_EV_LYMPHODEPLETION:
            return "lymphodepletion";
        case MW_EV_INFUSION:
            return "cart_infusion";
        case MW_EV_ENGAGER_DOSE:
            return "engager_dose";
        case MW_EV_SAFETY_SWITCH:
            return "safety_switch";
        case MW_EV_CRS:
            return "crs_grade";
        case MW_EV_ICANS:
            return "icans_grade";
        case MW_EV_TOCILIZUMAB:
            return "tocilizumab";
        case MW_EV_STEROID:
            return "corticosteroid";
        case MW_EV_DEATH:
            return "death";
        case MW_EV_DOSE:
            return "dose";
        case MW_EV_LINE_START:
            return "line_start";
        case MW_EV_PHASE_START:
            return "phase_start";
        case MW_EV_APHERESIS:
            return "apheresis";
        case MW_EV_PROGRESSION:
            return "progression";
        case MW_EV_RESPONSE:
            return "response";
        case MW_EV_POLICY:
            return "policy";
        case MW_EV_LINE_END:
            return "line_end";
        default:
            return "?";
    }
}

const char *
mw_mode_name(int mode)
{
    switch (mode) {
        case MW_MODE_HYBRID:
            return "hybrid";
        case MW_MODE_EXACT:
            return "exact";
        case MW_MODE_MEAN:
            return "mean";
        default:
            return "?";
    }
}

/* ---- linear birth-death transition (Kendall 1948) -------------------------- */

/* For one cell after time h: P(extinct) = alpha; given survival the size is
 * geometric on {1,2,...} with P(N = k) = (1-beta) beta^(k-1). */
static void
bd_alpha_beta(double lam, double mu, double h, double *alpha, double *beta)
{
    double r = lam - mu;
    if (lam <= 0) {
        *alpha = -expm1(-mu * h);
        *beta = 0;
        return;
    }
    if (fabs(r) * h < 1e-9) {
        double x = lam * h;
        *alpha = mu * h / (1.0 + x);
        *beta = x / (1.0 + x);
        return;
    }
    /* Divide by e^{rh} when r > 0 so that nothing overflows. */
    if (r > 0) {
        double em = -expm1(-r * h); /* 1 - e^{-rh} */
        double den = lam - mu * exp(-r * h);
        *alpha = mu * em / den;
        *beta = lam * em / den;
    } else {
        double e = expm1(r * h); /* e^{rh} - 1, in (-1, 0) */
        double den = lam * (e + 1.0) - mu;
        *alpha = mu * e / den;
        *beta = lam * e / den;
    }
}

double
mw__bd_transition(mw_rng_t *r, double n, double lam, double mu, double h)
{
    double alpha, beta, surv;

    if (n <= 0 || h <= 0) {
        return n > 0 ? n : 0;
    }
    bd_alpha_beta(lam, mu, h, &alpha, &beta);
    surv = mw_ran_binomial(r, 1.0 - alpha, n);
    if (surv <= 0 || beta <= 0) {
        return surv;
    }
    return surv + mw_ran_negative_binomial(r, 1.0 - beta, surv);
}

double
mw__bd_mean(double n, double lam, double mu, double h)
{
    return n * exp((lam - mu) * h);
}
