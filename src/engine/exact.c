/*
 * Exact mode: Gillespie's direct method with thinning (Lewis & Shedler 1979).
 * Each live population (a clone in the marrow or extramedullary compartment, or
 * an immigration source) has a per-cell upper bound rbar on its total event rate,
 * constant while its traits are; the next candidate event comes at rate
 * W = sum n_p rbar_p, falls on population p with probability n_p rbar_p / W, and
 * is accepted as a birth, death, seeding or switch with the probabilities given by
 * the true per-cell rates at that instant (crowding and IL-6 support depend on the
 * current marrow count).  A rejected candidate changes nothing.  The result is an
 * exact sample path of the density-dependent process, with one exponential and
 * one uniform per candidate and no per-event allocation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "engine/engine.h"
#include "rng/rng.h"

enum { INFLUX = 2, IMM = 3, IMM_INFLUX = 4 };

/* Per-cell bound of a population's event rate (tumour: its rates plus the bound of
 * immune kill and trogocytosis held in kill[] / trog[] during exact runs). */
static double
pop_bound(const mw_sim_t *s, int c, int comp)
{
    switch (comp) {
        case INFLUX:
            return s->rates[c].influx;
        case IMM: {
            const mw_imm_rates_t *r = &s->imm_bound[c];
            return r->lam + r->death + r->out[0] + r->out[1];
        }
        case IMM_INFLUX:
            return s->imm_bound[c].influx;
        default:
            return s->rates[c].rbar[comp] + s->kill[c] + s->trog[c] + s->dk[2 * c + comp] +
                   mw__ther_switch_extra(s, c);
    }
}

/* Tumour cell of clone c added (sign +1) or removed (-1): the running immune load. */
static void
load_add(mw_sim_t *s, int c, double sign)
{
    mw__imm_load_add(s, c, sign, &s->imm_load);
}

static int
pop_add(mw_sim_t *s, int c, int comp)
{
    int ret = mw__grow((void **) &s->pops, sizeof(mw_pop_t), &s->cap_pops, s->n_pops + 1);
    if (ret != 0) {
        return mw__trace_error(ret);
    }
    mw_pop_t *p = &s->pops[s->n_pops];
    p->clone = c;
    p->comp = comp;
    if (comp < INFLUX && s->imm.on) {
        s->kill[c] = mw__imm_kill_bound(s, c, s->t, &s->trog[c]);
    }
    if (comp < INFLUX && s->ther.nu > 0 && s->ther.on) {
        double k = mw__ther_kill_bound(s, c, s->t, s->ther.bound_until);
        s->dk[2 * c] = s->dk[2 * c + 1] = k;
    }
    p->n = comp == INFLUX || comp == IMM_INFLUX ? 1.0 : 0.0;
    p->rbar = pop_bound(s, c, comp);
    if (comp < INFLUX) {
        s->pop_of[2 * c + comp] = s->n_pops;
    } else if (comp == IMM) {
        s->imm_pop[c] = s->n_pops;
    } else {
        s->W += p->rbar;
    }
    return s->n_pops++;
}

static void
pop_remove(mw_sim_t *s, int i)
{
    mw_pop_t *p = &s->pops[i];
    if (p->comp < INFLUX) {
        s->pop_of[2 * p->clone + p->comp] = -1;
    } else if (p->comp == IMM) {
        s->imm_pop[p->clone] = -1;
    }
    s->n_pops--;
    if (i != s->n_pops) {
        s->pops[i] = s->pops[s->n_pops];
        p = &s->pops[i];
        if (p->comp < INFLUX) {
            s->pop_of[2 * p->clone + p->comp] = i;
        } else if (p->comp == IMM) {
            s->imm_pop[p->clone] = i;
        }
    }
}

/* Add one cell of clone c to compartment comp (creating the population). */
static int
add_cell(mw_sim_t *s, int c, int comp)
{
    int i = s->pop_of[2 * c + comp];
    if (i < 0) {
        i = pop_add(s, c, comp);
        if (i < 0) {
            return i;
        }
        mw__live_add(s, c);
    }
    mw_pop_t *p = &s->pops[i];
    p->n += 1.0;
    s->W += p->rbar;
    if (comp == MW_BM) {
        s->n_bm += 1.0;
    } else {
        s->n_em += 1.0;
    }
    s->nb += s->rates[c].bcma_w;
    if (s->imm.on) {
        load_add(s, c, 1.0);
    }
    return 0;
}

/* One immune cell added to / removed from immune population i. */
static int
imm_change(mw_sim_t *s, int i, double delta)
{
    int k = s->imm_pop[i];
    if (k < 0) {
        k = pop_add(s, i, IMM);
        if (k < 0) {
            return k;
        }
    }
    mw_pop_t *p = &s->pops[k];
    p->n += delta;
    s->W += delta * p->rbar;
    s->imm.n[i] = p->n;
    if (p->n <= 0) {
        p->n = 0;
        s->imm.n[i] = 0;
        pop_remove(s, k);
    }
    return 0;
}

/* Remove one cell from population i; returns 1 if the population emptied. */
static int
remove_cell(mw_sim_t *s, int i)
{
    mw_pop_t *p = &s->pops[i];
    int c = p->clone;
    p->n -= 1.0;
    s->W -= p->rbar;
    if (p->comp == MW_BM) {
        s->n_bm -= 1.0;
    } else {
        s->n_em -= 1.0;
    }
    s->nb -= s->rates[c].bcma_w;
    if (s->imm.on) {
        load_add(s, c, -1.0);
    }
    if (p->n <= 0) {
        p->n = 0;
        pop_remove(s, i);
        return 1;
    }
    return 0;
}

static void sync_clones(mw_sim_t *s);

static void
recompute_w(mw_sim_t *s)
{
    double w = 0, nb = 0, bm = 0, em = 0;
    for (int i = 0; i < s->n_pops; i++) {
        const mw_pop_t *p = &s->pops[i];
        w += p->n * p->rbar;
        if (p->comp == MW_BM) {
            bm += p->n;
        } else if (p->comp == MW_EM) {
            em += p->n;
        }
        if (p->comp < INFLUX) {
            nb += p->n * s->rates[p->clone].bcma_w;
        }
    }
    if (s->imm.on) {
        /* the immune load, summed afresh too */
        sync_clones(s);
        mw__imm_load(s, &s->imm_load);
    }
    s->W = w;
    s->nb = nb;
    s->n_bm = bm;
    s->n_em = em;
}

/* Copy population counts into the clone records. */
static void
sync_clones(mw_sim_t *s)
{
    for (int i = 0; i < s->n_live; i++) {
        int c = s->live[i];
        int a = s->pop_of[2 * c], b = s->pop_of[2 * c + 1];
        s->clones[c].cells_bm = a >= 0 ? s->pops[a].n : 0.0;
        s->clones[c].cells_em = b >= 0 ? s->pops[b].n : 0.0;
    }
}

/* Rebuild the immune populations and every bound after the schedule changed the
 * immune state or its rates (infusion, lymphodepletion, dose, switch, drugs). */
static int
imm_refresh(mw_sim_t *s)
{
    mw_imm_t *im = &s->imm;
    int j = 0;

    for (int i = 0; i < s->n_pops; i++) {
        if (s->pops[i].comp < IMM) {
            s->pops[j++] = s->pops[i];
        }
    }
    s->n_pops = j;
    for (int i = 0; i < s->n_pops; i++) {
        mw_pop_t *p = &s->pops[i];
        if (p->comp < INFLUX) {
            s->pop_of[2 * p->clone + p->comp] = i;
        }
    }
    mw__imm_rates_bound(s, s->t, s->imm_bound);
    for (int i = 0; i < im->ni; i++) {
        s->imm_pop[i] = -1;
        if (im->n[i] > 0) {
            int k = pop_add(s, i, IMM);
            if (k < 0) {
                return k;
            }
            s->pops[k].n = im->n[i];
        }
        if (s->imm_bound[i].influx > 0) {
            int k = pop_add(s, i, IMM_INFLUX);
            if (k < 0) {
                return k;
            }
        }
    }
    for (int i = 0; i < s->n_pops; i++) {
        mw_pop_t *p = &s->pops[i];
        if (p->comp < INFLUX) {
            s->kill[p->clone] = mw__imm_kill_bound(s, p->clone, s->t, &s->trog[p->clone]);
            p->rbar = pop_bound(s, p->clone, p->comp);
        }
    }
    im->dirty = 0;
    recompute_w(s);
    return 0;
}

/* Drug kill bounds of every tumour population for [t, t_end] (no dose inside). */
static void
drug_refresh(mw_sim_t *s, double t_end)
{
    s->ther.bound_until = t_end;
    (void) mw__ther_effects(s, s->t);
    for (int i = 0; i < s->n_pops; i++) {
        mw_pop_t *p = &s->pops[i];
        if (p->comp < INFLUX) {
            double k = mw__ther_kill_bound(s, p->clone, s->t, t_end);
            s->dk[2 * p->clone] = s->dk[2 * p->clone + 1] = k;
            p->rbar = pop_bound(s, p->clone, p->comp);
        }
    }
    recompute_w(s);
}

int
mw__exact_init(mw_sim_t *s)
{
    s->n_pops = 0;
    s->W = 0;
    for (int i = 0; i < s->n_live; i++) {
        int c = s->live[i];
        for (int comp = 0; comp < 2; comp++) {
            double n = comp == MW_BM ? s->clones[c].cells_bm : s->clones[c].cells_em;
            if (n > 0) {
                int k = pop_add(s, c, comp);
                if (k < 0) {
                    return k;
                }
                s->pops[k].n = n;
            }
        }
        if (s->rates[c].influx > 0) {
            int k = pop_add(s, c, INFLUX);
            if (k < 0) {
                return k;
            }
        }
    }
    recompute_w(s);
    s->int_n = 0;
    s->int_nb = 0;
    s->t_mark = s->t;
    s->exp_residual = -1;
    s->since_recompute = 0;
    if (s->imm.on) {
        return imm_refresh(s);
    }
    return 0;
}

/* Kill rate per cell of clone c now, and its trogocytosis rate. */
static double
kill_now(mw_sim_t *s, int c, double t, double *trog)
{
    mw_imm_kill_t K;
    mw__imm_kill_factors(s, s->imm.n, &s->imm_load, t, &K);
    return mw__imm_kill_clone(s, c, &K, trog);
}

/* An event candidate on immune population i (IMM) or its influx source. */
static int
imm_event(mw_sim_t *s, const mw_pop_t *p, double x, double t, uint64_t *rejections)
{
    mw_imm_rates_t R[MW_NI_MAX];
    int i = p->clone;
    double y = x / p->n;

    mw__imm_rates(s, s->imm.n, &s->imm_load, t, R);
    if (p->comp == IMM_INFLUX) {
        if (y < R[i].influx) {
            return imm_change(s, i, 1.0);
        }
        (*rejections)++;
        return 0;
    }
    const mw_imm_rates_t *r = &R[i];
    if (y < r->death) {
        return imm_change(s, i, -1.0);
    }
    y -= r->death;
    for (int j = 0; j < 2; j++) {
        if (y < r->out[j]) {
            int ret = imm_change(s, i, -1.0);
            return ret != 0 ? ret : imm_change(s, r->to[j], 1.0);
        }
        y -= r->out[j];
    }
    if (y < r->lam) {
        if (i < 3 * s->imm.np && i % 3 == 0) {
            s->imm.divisions += 1.0;
        }
        return imm_change(s, i, 1.0);
    }
    (*rejections)++;
    return 0;
}

void
mw__exact_free(mw_sim_t *s)
{
    free(s->pops);
    s->pops = NULL;
    s->n_pops = 0;
    s->cap_pops = 0;
}

/* Run events until t_stop (exclusive), or until the tumour reaches stop_cells.
 * Returns 0, MW_EXIT_TARGET_SIZE or MW_ERR_*.
 *
 * The running sums (W, compartment totals, BCMA-weighted cells, the integrals for
 * the markers) live in locals so that the compiler keeps them in registers; they
 * are written back to the simulation before any call that reads or changes them
 * (rare events: mutation, switching, seeding, immigration, a recount). */
static int
events_until(mw_sim_t *s, double t_stop, double stop_cells)
{
    const mw_scenario_t *sc = &s->sc;
    const double cap = sc->tumour.capacity, cap_em = sc->tumour.em_capacity;
    const double theta = sc->tumour.theta;
    const int finite_cap = isfinite(cap);
    const double il6_basal = sc->tumour.il6_basal, il6_gain = sc->tumour.il6_gain;
    const double il6_ec50 = sc->tumour.il6_ec50, smax = sc->tumour.il6_support_max;
    const double limit = sc->engine.exact_cell_limit;
    const int imm_on = s->imm.on;
    const int drugs = s->ther.on && s->ther.nu > 0;
    double t = s->t;
    double W = s->W, n_bm = s->n_bm, n_em = s->n_em, nb = s->nb;
    double int_n = s->int_n, int_nb = s->int_nb;
    uint64_t events = 0, rejections = 0;
    int ret = 0;

#define SAVE()                                                                        \
    do {                                                                              \
        s->W = W;                                                                     \
        s->n_bm = n_bm;                                                               \
        s->n_em = n_em;                                                               \
        s->nb = nb;                                                                   \
    } while (0)
#define LOAD()                                                                        \
    do {                                                                              \
        W = s->W;                                                                     \
        n_bm = s->n_bm;                                                               \
        n_em = s->n_em;                                                               \
        nb = s->nb;                                                                   \
    } while (0)

    while (1) {
        if (++s->since_recompute == 4096) {
            /* bound the drift of the running sums */
            s->since_recompute = 0;
            SAVE();
            recompute_w(s);
            LOAD();
        }
        if (!(W > 0) || s->n_pops == 0) {
            int_n += (n_bm + n_em) * (t_stop - t);
            int_nb += nb * (t_stop - t);
            t = t_stop;
            s->exp_residual = -1;
            break;
        }
        /* A stop (output time, marker grid) keeps the unused part of the current
         * exponential, so the sample path does not depend on where we stop. */
        double E = s->exp_residual >= 0 ? s->exp_residual : mw__rng_exp1(&s->rng_dyn);
        s->exp_residual = -1;
        double tau = E / W;
        if (t + tau >= t_stop) {
            s->exp_residual = E - (t_stop - t) * W;
            if (s->exp_residual < 0) {
                s->exp_residual = 0;
            }
            s->since_recompute--;
            int_n += (n_bm + n_em) * (t_stop - t);
            int_nb += nb * (t_stop - t);
            t = t_stop;
            break;
        }
        int_n += (n_bm + n_em) * tau;
        int_nb += nb * tau;
        t += tau;
        events++;

        double x = mw__rng_uniform(&s->rng_dyn) * W;
        mw_pop_t *pops = s->pops;
        int i = 0;
        for (; i < s->n_pops - 1; i++) {
            double w = pops[i].n * pops[i].rbar;
            if (x < w) {
                break;
            }
            x -= w;
        }
        mw_pop_t *p = &pops[i];
        int c = p->clone;
        int comp = p->comp;
        if (comp >= IMM) {
            SAVE();
            ret = imm_event(s, p, x, t, &rejections);
            LOAD();
            if (ret != 0) {
                break;
            }
            continue;
        }
        if (comp == INFLUX) {
            SAVE();
            ret = add_cell(s, c, MW_BM);
            LOAD();
            if (ret != 0) {
                break;
            }
            continue;
        }
        const mw_rates_t *r = &s->rates[c];
        double y = x / p->n; /* position in [0, rbar) of this cell's rate space */
        if (y < r->d) {
            /* death: the commonest event, handled inline */
            s->deaths[c] += 1.0;
            p->n -= 1.0;
            W -= p->rbar;
            if (comp == MW_BM) {
                n_bm -= 1.0;
            } else {
                n_em -= 1.0;
            }
            nb -= r->bcma_w;
            if (imm_on) {
                load_add(s, c, -1.0);
            }
            if (p->n <= 0) {
                p->n = 0;
                pop_remove(s, i);
            }
            continue;
        }
        y -= r->d;
        if (drugs) {
            double kb = s->dk[2 * c + comp];
            if (y < kb) {
                /* drug kill, accepted at the current hazard */
                double il6 = 0;
                if (comp == MW_BM) {
                    double occ = finite_cap ? n_bm / cap : 0.0;
                    il6 = il6_basal + il6_gain * (occ > 1.0 ? 1.0 : occ);
                }
                if (y < mw__ther_kill_now(s, c, comp, t, il6)) {
                    s->deaths[c] += 1.0;
                    SAVE();
                    remove_cell(s, i);
                    LOAD();
                } else {
                    rejections++;
                }
                continue;
            }
            y -= kb;
        }
        double trog = 0;
        if (imm_on) {
            double kb = s->kill[c];
            if (y < kb) {
                /* immune kill, accepted at the current rate */
                if (y < kill_now(s, c, t, NULL)) {
                    s->deaths[c] += 1.0;
                    s->imm.kills += 1.0;
                    SAVE();
                    remove_cell(s, i);
                    LOAD();
                } else {
                    rejections++;
                }
                continue;
            }
            y -= kb;
            if (s->trog[c] > 0) {
                (void) kill_now(s, c, t, &trog);
            }
        }
        double m = comp == MW_BM ? r->m : 0.0;
        double sw = r->sw + (drugs ? mw__ther_switch_extra(s, c) : 0.0);
        if (y < m + sw + (imm_on ? s->trog[c] : 0.0)) {
            /* seeding or switching: a cell moves to another population */
            int k = c, to = MW_EM;
            if (y >= m + sw + trog) {
                rejections++; /* above the current trogocytosis rate */
                continue;
            }
            if (y >= m) {
                SAVE();
                ret = mw__clone_twin(s, c, t, &k);
                if (ret != 0) {
                    break;
                }
                to = comp;
            } else {
                SAVE();
            }
            remove_cell(s, i);
            ret = add_cell(s, k, to);
            LOAD();
            if (ret != 0) {
                break;
            }
            continue;
        }
        y -= m + sw + (imm_on ? s->trog[c] : 0.0);
        double lam;
        if (comp == MW_BM) {
            double occ = finite_cap ? n_bm / cap : 0.0;
            double crowd = mw__crowding(n_bm, cap, theta);
            double il6 = il6_basal + il6_gain * (occ > 1.0 ? 1.0 : occ);
            lam = r->b * crowd * (1.0 + r->nd * smax * il6 / (il6 + il6_ec50));
        } else {
            lam = r->b_em * mw__crowding(n_em, cap_em, theta);
        }
        if (y >= lam) {
            rejections++;
            continue;
        }
        if (y < lam * (1.0 - r->mu)) {
            p->n += 1.0;
            W += p->rbar;
            if (comp == MW_BM) {
                n_bm += 1.0;
            } else {
                n_em += 1.0;
            }
            nb += r->bcma_w;
            if (imm_on) {
                load_add(s, c, 1.0);
            }
        } else {
            int k;
            SAVE();
            ret = mw__clone_mutant(s, c, t, &k);
            if (ret == 0) {
                ret = add_cell(s, k, comp);
            }
            LOAD();
            if (ret != 0) {
                break;
            }
        }
        double n = n_bm + n_em;
        if (n >= stop_cells) {
            ret = MW_EXIT_TARGET_SIZE;
            break;
        }
        if (n > limit) {
            ret = mw__trace_error(MW_ERR_EXACT_TOO_LARGE);
            break;
        }
    }
#undef SAVE
#undef LOAD
    s->W = W;
    s->n_bm = n_bm;
    s->n_em = n_em;
    s->nb = nb;
    s->int_n = int_n;
    s->int_nb = int_nb;
    s->counters.events += events;
    s->counters.rejections += rejections;
    s->t = t;
    return ret;
}

int
mw__exact_run(mw_sim_t *s, double t_end, double stop_cells)
{
    int ret = 0;

    while (s->t < t_end) {
        double t_chunk = s->t_mark + s->sc.engine.marker_step_days;
        if (t_chunk > t_end) {
            t_chunk = t_end;
        }
        if (t_chunk <= s->t) {
            t_chunk = t_end;
        }
        if (s->tumour_dirty) {
            /* cells were removed outside the engine (radiotherapy) */
            s->tumour_dirty = 0;
            ret = mw__exact_init(s);
            if (ret != 0) {
                break;
            }
        }
        if (s->ther.on && s->ther.nu > 0) {
            drug_refresh(s, t_chunk);
        }
        if (s->imm.on && s->imm.dirty) {
            ret = imm_refresh(s);
            if (ret != 0) {
                break;
            }
        }
        double t0 = s->t;
        ret = events_until(s, t_chunk, stop_cells);
        sync_clones(s);
        if (ret == 0 && s->imm.on) {
            ret = mw__imm_observe(s, s->t, s->t - t0);
        }
        mw__markers_advance(s, s->t - s->t_mark, s->int_n, s->int_nb);
        s->int_n = 0;
        s->int_nb = 0;
        s->t_mark = s->t;
        mw__note_extinctions(s, s->t);
        if (ret != 0) {
            break;
        }
    }
    {
        double crowd, sup, crowd_em;
        mw__env(s, s->n_bm, s->n_em, &crowd, &sup, &crowd_em, &s->mk.il6_pg_ml);
    }
    return ret;
}
