/*
 * Hybrid mode: stochastic leaping with exact linear birth-death transitions.
 * Over a step h the per-cell rates of every clone are frozen at their value at the
 * step's predicted midpoint (crowding and IL-6 support), and each population moves
 * by the exact transition of a linear birth-death process (Kendall 1948):
 * survivors ~ Binomial(n, 1 - alpha), size ~ survivors + NegBin(survivors, 1 - beta).
 * No population goes negative and small populations die out with the right
 * probability.  Cells leaving a population without dying (mutant daughters,
 * seeding, switching) and immigrants arrive as Poisson numbers at times drawn from
 * the source's exponentially interpolated path, and each grows by its own exact
 * transition for the rest of the step.  The step adapts so that no per-cell rate
 * changes by more than engine.step_tolerance within it, so the cost does not
 * depend on the number of cells.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "engine/engine.h"
#include "rng/rng.h"

#define BATCH_MAX 16 /* more arrivals than this are grouped into 16 strata */
#define MIN_STEP 1e-9

typedef struct {
    double crowd_bm, support, crowd_em;
} env_t;

static double
lam_of(const mw_sim_t *s, int c, int comp, const env_t *e)
{
    const mw_rates_t *r = &s->rates[c];
    return comp == MW_BM ? r->b * e->crowd_bm * (1.0 + r->nd * e->support)
                         : r->b_em * e->crowd_em;
}

/* Integral of n over the step for a path from n0 to n1 (exponential interpolation);
 * a path that died out is given the expected integral of pure loss. */
static double
path_integral(double n0, double n1, double loss, double h)
{
    if (n1 <= 0) {
        double x = loss * h;
        return n0 * h * (x < 1e-8 ? 1.0 : -expm1(-x) / x);
    }
    if (fabs(n1 - n0) < 1e-9 * n0) {
        return n0 * h;
    }
    return (n1 - n0) / log(n1 / n0) * h;
}

/* Arrival time in [0,h] at quantile u of a rate proportional to e^{g t}. */
static double
arrival(double u, double g, double h)
{
    if (fabs(g * h) < 1e-9) {
        return u * h;
    }
    return log1p(u * expm1(g * h)) / g;
}

/* This step's bookkeeping for clone c: end-of-step sizes of its own cells (BM,
 * EM) start at the current sizes, arrivals (BM, EM) at 0. */
static void
scratch_init(mw_sim_t *s, int c)
{
    double *x = &s->scratch[4 * c];
    x[0] = s->clones[c].cells_bm;
    x[1] = s->clones[c].cells_em;
    x[2] = 0;
    x[3] = 0;
}

/* Ensure clone c takes part in this step's bookkeeping. */
static void
touch(mw_sim_t *s, int c)
{
    if (!s->is_live[c]) {
        scratch_init(s, c);
        mw__live_add(s, c);
    }
}

/* k cells arrive in clone c, compartment comp, during a step of length h at times
 * distributed like e^{g t}; each grows for the rest of the step. */
static void
inflow(mw_sim_t *s, int c, int comp, double k, double g, double h, const env_t *e)
{
    double lam, loss, add = 0;

    if (k <= 0) {
        return;
    }
    touch(s, c);
    lam = lam_of(s, c, comp, e) * (1.0 - s->rates[c].mu);
    /* arrivals do not leave again within the step (the step is limited so that
     * sw h and m h stay below the tolerance) */
    loss = s->rates[c].d;
    if (k <= BATCH_MAX) {
        for (int i = 0; i < (int) k; i++) {
            double ta = arrival(mw_rng_uniform_pos(&s->rng_dyn), g, h);
            add += mw__bd_transition(&s->rng_dyn, 1.0, lam, loss, h - ta);
        }
    } else {
        double left = k;
        for (int j = 0; j < BATCH_MAX && left > 0; j++) {
            double kj = j == BATCH_MAX - 1
                            ? left
                            : mw_ran_binomial(&s->rng_dyn, 1.0 / (BATCH_MAX - j), left);
            left -= kj;
            double ta = arrival((j + 0.5) / BATCH_MAX, g, h);
            add += mw__bd_transition(&s->rng_dyn, kj, lam, loss, h - ta);
        }
    }
    s->scratch[4 * c + 2 + comp] += add;
}

/* Largest per-day relative change of any per-cell rate, for the step size. */
static double
rate_change(const mw_sim_t *s, double g_bm, double g_em)
{
    const mw_scenario_t *sc = &s->sc;
    double x = 0;

    if (isfinite(sc->tumour.capacity) && s->n_bm < sc->tumour.capacity) {
        double K = sc->tumour.capacity, th = sc->tumour.theta;
        double occ = s->n_bm / K;
        double dcrowd = th * (th == 1.0 ? 1.0 : pow(occ, th - 1.0)) / K;
        double il6 = sc->tumour.il6_basal + sc->tumour.il6_gain * occ;
        double den = il6 + sc->tumour.il6_ec50;
        double dsup = sc->tumour.il6_support_max * sc->tumour.il6_ec50 / (den * den) *
                      sc->tumour.il6_gain / K;
        x += (dcrowd + dsup) * fabs(g_bm);
    }
    if (isfinite(sc->tumour.em_capacity) && s->n_em < sc->tumour.em_capacity) {
        double K = sc->tumour.em_capacity, th = sc->tumour.theta;
        double occ = s->n_em / K;
        x += th * (th == 1.0 ? 1.0 : pow(occ, th - 1.0)) / K * fabs(g_em);
    }
    return x;
}

static int
step(mw_sim_t *s, double t_end, double stop_cells)
{
    const mw_scenario_t *sc = &s->sc;
    env_t e0, e;
    double g_bm = 0, g_em = 0, net_max = 0, out_max = 0, h;
    double int_n = 0, int_nb = 0;
    int n_live0 = s->n_live;
    int ev0 = s->n_events;

    mw__env(s, s->n_bm, s->n_em, &e0.crowd_bm, &e0.support, &e0.crowd_em, NULL);
    for (int i = 0; i < n_live0; i++) {
        int c = s->live[i];
        const mw_rates_t *r = &s->rates[c];
        double nbm = s->clones[c].cells_bm, nem = s->clones[c].cells_em;
        double net_bm = lam_of(s, c, MW_BM, &e0) - r->d - r->sw - r->m;
        double net_em = lam_of(s, c, MW_EM, &e0) - r->d - r->sw;
        g_bm += nbm * net_bm + r->influx;
        g_em += nem * net_em + nbm * r->m;
        if (nbm > 0 && fabs(net_bm) > net_max) {
            net_max = fabs(net_bm);
        }
        if (nem > 0 && fabs(net_em) > net_max) {
            net_max = fabs(net_em);
        }
        if (r->sw > out_max) {
            out_max = r->sw;
        }
        if (nbm > 0 && r->m > out_max) {
            out_max = r->m;
        }
    }

    h = fmin(sc->engine.max_step_days, t_end - s->t);
    double rc = rate_change(s, g_bm, g_em);
    if (rc * h > sc->engine.step_tolerance) {
        h = sc->engine.step_tolerance / rc;
    }
    if (net_max * h > 1.0) {
        h = 1.0 / net_max;
    }
    if (out_max * h > sc->engine.step_tolerance) {
        h = sc->engine.step_tolerance / out_max;
    }
    if (isfinite(stop_cells)) {
        double n = s->n_bm + s->n_em, g = g_bm + g_em;
        if (g > 0 && n > 0 && n * exp(g / n * h) > stop_cells) {
            double hh = log(stop_cells / n) / (g / n);
            if (hh < h) {
                h = hh;
            }
        }
    }
    if (h < MIN_STEP) {
        h = fmin(MIN_STEP, t_end - s->t);
    }

    /* Rates frozen at the predicted midpoint: second-order in h. */
    {
        double nbm = s->n_bm + 0.5 * h * g_bm, nem = s->n_em + 0.5 * h * g_em;
        mw__env(s, nbm > 0 ? nbm : 0, nem > 0 ? nem : 0, &e.crowd_bm, &e.support,
                &e.crowd_em, NULL);
    }

    for (int i = 0; i < n_live0; i++) {
        scratch_init(s, s->live[i]);
    }

    for (int i = 0; i < n_live0; i++) {
        int c = s->live[i];
        for (int comp = 0; comp < 2; comp++) {
            double n0 = comp == MW_BM ? s->clones[c].cells_bm : s->clones[c].cells_em;
            if (n0 <= 0) {
                continue;
            }
            const mw_rates_t *r = &s->rates[c];
            double lam = lam_of(s, c, comp, &e);
            double mu = r->mu, d = r->d, sw = r->sw, m = comp == MW_BM ? r->m : 0.0;
            double bcma_w = r->bcma_w;
            double loss = d + sw + m;
            double n1 = mw__bd_transition(&s->rng_dyn, n0, lam * (1.0 - mu), loss, h);
            double I = path_integral(n0, n1, loss, h);
            double g = n1 > 0 ? log(n1 / n0) / h : -loss;
            s->scratch[4 * c + comp] = n1;
            s->deaths[c] += d * I;
            int_n += I;
            int_nb += I * bcma_w;
            s->counters.clone_steps++;

            /* Mutant daughters: given the path, the clean divisions number about
             * n1 - n0 plus the losses (exactly n1 - n0 without losses); each
             * division is a mutant one with probability mu. */
            double k = 0.0;
            if (mu > 0) {
                double clean = n1 - n0 + loss * I;
                double mean = mu >= 1.0 ? lam * I : (clean > 0 ? clean : 0.0) * mu / (1.0 - mu);
                k = mw_ran_poisson(&s->rng_dyn, mean);
            }
            for (double j = 0; j < k; j++) {
                int child;
                double ta = arrival(mw_rng_uniform_pos(&s->rng_dyn), g, h);
                int ret = mw__clone_mutant(s, c, s->t + ta, &child);
                if (ret != 0) {
                    return ret;
                }
                touch(s, child);
                double lc = lam_of(s, child, comp, &e) * (1.0 - s->rates[child].mu);
                s->scratch[4 * child + 2 + comp] +=
                    mw__bd_transition(&s->rng_dyn, 1.0, lc, s->rates[child].d, h - ta);
            }
            if (m > 0 || sw > 0) {
                /* Loss events couple to the path: at least n0 - n1 of them (exact
                 * when there are no births), split among death, seeding and
                 * switching in proportion to their rates. */
                double L = n0 - n1;
                if (lam > 0) {
                    double Lp = mw_ran_poisson(&s->rng_dyn, loss * I);
                    L = Lp > L ? Lp : L;
                }
                double km = m > 0 ? mw_ran_binomial(&s->rng_dyn, m / loss, L) : 0.0;
                double ks = sw > 0 ? mw_ran_binomial(&s->rng_dyn, sw / (loss - m), L - km)
                                   : 0.0;
                if (km > 0) {
                    inflow(s, c, MW_EM, km, g, h, &e);
                }
                if (ks > 0) {
                    int tw;
                    int ret = mw__clone_twin(s, c, s->t, &tw);
                    if (ret != 0) {
                        return ret;
                    }
                    inflow(s, tw, comp, ks, g, h, &e);
                }
            }
        }
        if (s->rates[c].influx > 0) {
            inflow(s, c, MW_BM, mw_ran_poisson(&s->rng_dyn, s->rates[c].influx * h), 0.0,
                   h, &e);
        }
    }

    s->n_bm = 0;
    s->n_em = 0;
    for (int i = 0; i < s->n_live; i++) {
        int c = s->live[i];
        const double *x = &s->scratch[4 * c];
        s->clones[c].cells_bm = x[0] + x[2];
        s->clones[c].cells_em = x[1] + x[3];
        s->n_bm += s->clones[c].cells_bm;
        s->n_em += s->clones[c].cells_em;
    }
    /* events of this step (clone births at their arrival times) in time order */
    for (int i = ev0 + 1; i < s->n_events; i++) {
        mw_event_t e_i = s->events[i];
        int j = i - 1;
        while (j >= ev0 && s->events[j].t_days > e_i.t_days) {
            s->events[j + 1] = s->events[j];
            j--;
        }
        s->events[j + 1] = e_i;
    }
    mw__markers_advance(s, h, int_n, int_nb);
    s->t += h;
    s->counters.steps++;
    mw__note_extinctions(s, s->t);
    return (s->n_bm + s->n_em >= stop_cells) ? MW_EXIT_TARGET_SIZE : 0;
}

int
mw__hybrid_run(mw_sim_t *s, double t_end, double stop_cells)
{
    int ret = 0;

    while (s->t < t_end) {
        if (s->n_live == 0) {
            mw__markers_advance(s, t_end - s->t, 0.0, 0.0);
            s->t = t_end;
            break;
        }
        ret = step(s, t_end, stop_cells);
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
