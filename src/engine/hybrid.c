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
#define STRATA_NORMAL 1000.0 /* cells: see arrivals() */
#define MIN_STEP 1e-9
#define DRUG_KILL_MAX 1.0 /* largest drug kill integral (per cell) in one step */

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

/* Ensure clone c takes part in this step's bookkeeping (a clone born or revived
 * in the step gets the step's immune kill). */
static void
touch(mw_sim_t *s, int c)
{
    if (!s->is_live[c]) {
        scratch_init(s, c);
        mw__live_add(s, c);
        if (s->imm.on) {
            s->kill[c] = mw__imm_kill_clone(s, c, &s->imm.K, &s->trog[c]);
        }
        if (s->ther.nu > 0) {
            mw__ther_step_clone(s, c);
        }
    }
}

/* Cells at the end of a step of length h from k arrivals at times distributed like
 * e^{g t}, each growing for the rest of the step with birth lam and loss. */
static double
arrivals(mw_rng_t *rng, double k, double g, double h, double lam, double loss)
{
    double add = 0;

    if (k <= BATCH_MAX) {
        for (int i = 0; i < (int) k; i++) {
            double ta = arrival(mw_rng_uniform_pos(rng), g, h);
            add += mw__bd_transition(rng, 1.0, lam, loss, h - ta);
        }
    } else {
        double left = k;
        for (int j = 0; j < BATCH_MAX && left > 0; j++) {
            /* Stratum j's share.  The strata stand for arrival-time bins whose cells
             * all arrive at the bin's middle; once a share has a variance of more
             * than STRATA_NORMAL cells its count is drawn from the normal
             * approximation, whose error (order 1 / variance) is far below that of
             * the binning itself, and which costs one Gaussian rather than an
             * exact binomial draw (most of a step's time in CAR-T scenarios). */
            double pj = 1.0 / (BATCH_MAX - j);
            double kj = j == BATCH_MAX - 1                      ? left
                        : left * pj * (1.0 - pj) > STRATA_NORMAL ? mw__ran_binomial_normal(rng, pj, left)
                                                                 : mw_ran_binomial(rng, pj, left);
            left -= kj;
            double ta = arrival((j + 0.5) / BATCH_MAX, g, h);
            add += mw__bd_transition(rng, kj, lam, loss, h - ta);
        }
    }
    return add;
}

/* k cells arrive in clone c, compartment comp, during a step of length h at times
 * distributed like e^{g t}; each grows for the rest of the step.  Arrivals do not
 * leave again within the step (the step is limited so that sw h and m h stay
 * below the tolerance). */
static void
inflow(mw_sim_t *s, int c, int comp, double k, double g, double h, const env_t *e)
{
    if (k <= 0) {
        return;
    }
    touch(s, c);
    s->scratch[4 * c + 2 + comp] +=
        arrivals(&s->rng_dyn, k, g, h, lam_of(s, c, comp, e) * (1.0 - s->rates[c].mu),
                 s->rates[c].d + s->kill[c] + s->dk[2 * c + comp]);
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

/* Immune bookkeeping of one step: the load now, its rate of change, the immune
 * populations' per-capita net rates and their change over the step. */
typedef struct {
    mw_imm_load_t L0, dL;
    mw_imm_rates_t R0[MW_NI_MAX];
    double g[MW_NI_MAX];  /* per-capita net growth of each immune population */
    double dn[MW_NI_MAX]; /* d n_i / dt, with inflows */
} imm_step_t;

/* Per-clone net rates (for the step size and the midpoint) with the immune kill
 * at the start of the step. */
static void
imm_begin(mw_sim_t *s, imm_step_t *I)
{
    mw_imm_t *im = &s->imm;

    mw__imm_load(s, &I->L0);
    mw__imm_rates(s, im->n, &I->L0, s->t, I->R0);
    mw__imm_kill_factors(s, im->n, &I->L0, s->t, &im->K);
    for (int i = 0; i < s->n_live; i++) {
        int c = s->live[i];
        s->kill[c] = mw__imm_kill_clone(s, c, &im->K, &s->trog[c]);
    }
    memset(I->dn, 0, sizeof(I->dn));
    for (int i = 0; i < im->ni; i++) {
        const mw_imm_rates_t *r = &I->R0[i];
        double out = r->death + r->out[0] + r->out[1];
        I->dn[i] += im->n[i] * (r->lam - out) + r->influx;
        for (int j = 0; j < 2; j++) {
            if (r->to[j] >= 0) {
                I->dn[r->to[j]] += im->n[i] * r->out[j];
            }
        }
    }
    for (int i = 0; i < im->ni; i++) {
        I->g[i] = im->n[i] > 0 ? I->dn[i] / im->n[i] : 0.0;
    }
}

/* One step of the immune populations with rates R frozen over h: exact linear
 * birth-death transitions, conversions coupled to each path's losses and
 * delivered as arrivals, influx as Poisson arrivals (the tumour's scheme). */
static void
imm_advance(mw_sim_t *s, const mw_imm_rates_t *R, double h)
{
    mw_imm_t *im = &s->imm;
    mw_rng_t *rng = &s->rng_imm;
    double n1[MW_NI_MAX], add[MW_NI_MAX];

    for (int i = 0; i < im->ni; i++) {
        add[i] = 0;
    }
    for (int i = 0; i < im->ni; i++) {
        const mw_imm_rates_t *r = &R[i];
        double n0 = im->n[i];
        n1[i] = 0;
        if (n0 > 0) {
            double out = r->out[0] + r->out[1];
            double loss = r->death + out;
            n1[i] = mw__bd_transition(rng, n0, r->lam, loss, h);
            double I = path_integral(n0, n1[i], loss, h);
            double g = n1[i] > 0 ? log(n1[i] / n0) / h : -loss;
            if (i % 3 == 0 && i < 3 * im->np) {
                im->divisions += r->lam * I;
            }
            if (out > 0) {
                /* as for tumour clones: losses are exactly n0 - n1 without
                 * births, otherwise Poisson given the path integral */
                double L = r->lam > 0 ? mw_ran_poisson(rng, loss * I) : n0 - n1[i];
                double left = L;
                double share = loss;
                for (int j = 0; j < 2; j++) {
                    if (r->to[j] < 0 || r->out[j] <= 0 || left <= 0) {
                        share -= r->out[j];
                        continue;
                    }
                    double k = mw_ran_binomial(rng, fmin(1.0, r->out[j] / share), left);
                    left -= k;
                    share -= r->out[j];
                    const mw_imm_rates_t *d = &R[r->to[j]];
                    add[r->to[j]] += arrivals(rng, k, g, h, d->lam, d->death);
                }
            }
        }
        if (r->influx > 0) {
            add[i] += arrivals(rng, mw_ran_poisson(rng, r->influx * h), 0.0, h, r->lam,
                               r->death);
        }
    }
    for (int i = 0; i < im->ni; i++) {
        im->n[i] = n1[i] + add[i];
    }
}

static double
grow_mid(double x, double dx, double h)
{
    if (x <= 0) {
        return dx > 0 ? 0.5 * h * dx : 0.0;
    }
    double y = dx / x * 0.5 * h;
    return x * exp(y > 50 ? 50 : y);
}

static int
step(mw_sim_t *s, double t_end, double stop_cells)
{
    const mw_scenario_t *sc = &s->sc;
    mw_imm_t *im = &s->imm;
    const int imm_on = im->on;
    env_t e0, e;
    imm_step_t I;
    double g_bm = 0, g_em = 0, net_max = 0, out_max = 0, base = 0, h;
    double int_n = 0, int_nb = 0;
    int n_live0 = s->n_live;
    int ev0 = s->n_events;

    const int drugs = s->ther.on && s->ther.nu > 0;
    if (drugs) {
        (void) mw__ther_effects(s, s->t);
    }
    if (imm_on) {
        imm_begin(s, &I);
        memset(&I.dL, 0, sizeof(I.dL));
    }
    mw__env(s, s->n_bm, s->n_em, &e0.crowd_bm, &e0.support, &e0.crowd_em, NULL);
    for (int i = 0; i < n_live0; i++) {
        int c = s->live[i];
        const mw_rates_t *r = &s->rates[c];
        double nbm = s->clones[c].cells_bm, nem = s->clones[c].cells_em;
        /* drug kill: the last step's average, as an estimate for the step size */
        double sw = r->sw + s->trog[c], d = r->d + s->kill[c];
        double net_bm = lam_of(s, c, MW_BM, &e0) - d - s->dk[2 * c] - sw - r->m;
        double net_em = lam_of(s, c, MW_EM, &e0) - d - s->dk[2 * c + 1] - sw;
        g_bm += nbm * net_bm + r->influx;
        g_em += nem * net_em + nbm * r->m;
        if (nbm > 0 && fabs(net_bm) > net_max) {
            net_max = fabs(net_bm);
        }
        if (nem > 0 && fabs(net_em) > net_max) {
            net_max = fabs(net_em);
        }
        if (sw > out_max) {
            out_max = sw;
        }
        if (nbm > 0 && r->m > out_max) {
            out_max = r->m;
        }
        if (r->b + r->d > base) {
            base = r->b + r->d;
        }
        if (imm_on) {
            /* rate of change of the immune load, for the midpoint and step size */
            double dn = nbm * (net_bm + r->m) + nem * net_em + r->influx;
            mw__imm_load_add(s, c, dn, &I.dL);
        }
    }

    h = fmin(sc->engine.max_step_days, t_end - s->t);
    double rc = rate_change(s, g_bm, g_em);
    if (imm_on) {
        for (int i = 0; i < im->ni; i++) {
            if (im->n[i] > 0) {
                const mw_imm_rates_t *r = &I.R0[i];
                double net = fabs(r->lam - r->death - r->out[0] - r->out[1]);
                net_max = net > net_max ? net : net_max;
            }
        }
        double x = mw__imm_rate_change(s, &I.L0, &I.dL, I.g, base > 0 ? base : 1e-3);
        rc = x > rc ? x : rc;
    }
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

    /* Rates frozen at the predicted midpoint: second-order in h.  Drug kill is the
     * exact average of the hazard over the step (doses inside included); the step
     * is shortened until no clone loses more than DRUG_KILL_MAX of its log size to
     * drugs in one step, so steps are fine right after doses and long between. */
    for (int pass = 0;; pass++) {
        double nbm = s->n_bm + 0.5 * h * g_bm, nem = s->n_em + 0.5 * h * g_em, il6;
        mw__env(s, nbm > 0 ? nbm : 0, nem > 0 ? nem : 0, &e.crowd_bm, &e.support,
                &e.crowd_em, &il6);
        if (!drugs) {
            break;
        }
        double K = mw__ther_step_kill(s, s->t, s->t + h, il6);
        if (K <= DRUG_KILL_MAX || pass == 4 || h <= MIN_STEP) {
            break;
        }
        h *= 0.9 * DRUG_KILL_MAX / K;
        h = h > MIN_STEP ? h : MIN_STEP;
    }
    if (drugs) {
        (void) mw__ther_effects(s, s->t + 0.5 * h);
    }
    mw_imm_rates_t R[MW_NI_MAX];
    if (imm_on) {
        mw_imm_load_t Lm = I.L0;
        double nm[MW_NI_MAX];
        Lm.S10 = grow_mid(I.L0.S10, I.dL.S10, h);
        Lm.Stgf = grow_mid(I.L0.Stgf, I.dL.Stgf, h);
        for (int k = 0; k < im->nr; k++) {
            Lm.A[k] = grow_mid(I.L0.A[k], I.dL.A[k], h);
            Lm.AP[k] = grow_mid(I.L0.AP[k], I.dL.AP[k], h);
        }
        for (int i = 0; i < MW_NI_MAX; i++) {
            nm[i] = i < im->ni ? grow_mid(im->n[i], I.dn[i], h) : 0.0;
        }
        double tm = s->t + 0.5 * h;
        mw__imm_rates(s, nm, &Lm, tm, R);
        mw__imm_kill_factors(s, nm, &Lm, tm, &im->K);
        for (int i = 0; i < n_live0; i++) {
            int c = s->live[i];
            s->kill[c] = mw__imm_kill_clone(s, c, &im->K, &s->trog[c]);
        }
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
            double mu = r->mu, kill = s->kill[c], d = r->d + kill + s->dk[2 * c + comp];
            double sw = r->sw + s->trog[c] + (drugs ? mw__ther_switch_extra(s, c) : 0.0);
            double m = comp == MW_BM ? r->m : 0.0;
            double bcma_w = r->bcma_w;
            double loss = d + sw + m;
            double n1 = mw__bd_transition(&s->rng_dyn, n0, lam * (1.0 - mu), loss, h);
            double I_n = path_integral(n0, n1, loss, h);
            double g = n1 > 0 ? log(n1 / n0) / h : -loss;
            s->scratch[4 * c + comp] = n1;
            s->deaths[c] += d * I_n;
            im->kills += kill * I_n;
            int_n += I_n;
            int_nb += I_n * bcma_w;
            s->counters.clone_steps++;

            /* Mutant daughters: given the path, the clean divisions number about
             * n1 - n0 plus the losses (exactly n1 - n0 without losses); each
             * division is a mutant one with probability mu. */
            double k = 0.0;
            if (mu > 0) {
                double clean = n1 - n0 + loss * I_n;
                double mean = mu >= 1.0 ? lam * I_n : (clean > 0 ? clean : 0.0) * mu / (1.0 - mu);
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
                s->scratch[4 * child + 2 + comp] += mw__bd_transition(
                    &s->rng_dyn, 1.0, lc,
                    s->rates[child].d + s->kill[child] + s->dk[2 * child + comp], h - ta);
            }
            if (m > 0 || sw > 0) {
                /* Loss events given the path: exactly n0 - n1 without births;
                 * with births Poisson(loss x path integral), which is unbiased
                 * (forcing at least n0 - n1 would bias the count upwards by a
                 * per-step amount that grows as steps shrink).  They are split
                 * among death, seeding and switching in proportion to rates. */
                double L = lam > 0 ? mw_ran_poisson(&s->rng_dyn, loss * I_n) : n0 - n1;
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
    if (imm_on) {
        imm_advance(s, R, h);
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
    if (drugs) {
        /* the doses inside the step, at their times (after the cells are written:
         * a dose at the step's end may act on them instantly) */
        int ret = mw__ther_give_doses(s, s->t + h);
        if (ret != 0) {
            return ret;
        }
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
    if (imm_on) {
        int ret = mw__imm_observe(s, s->t, h);
        if (ret != 0) {
            return ret;
        }
    }
    return (s->n_bm + s->n_em >= stop_cells) ? MW_EXIT_TARGET_SIZE : 0;
}

int
mw__hybrid_run(mw_sim_t *s, double t_end, double stop_cells)
{
    int ret = 0;

    while (s->t < t_end) {
        if (s->n_live == 0 && !s->imm.on) {
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
