/*
 * Recognition of a clone by a binder (SPEC.md §3.1):
 *
 *   r = E[ D^h / (D^h + D50^h) ],   ln D ~ Normal(ln(m * copies/2), s^2)
 *
 * where m is the clone's median density for two gene copies (a hemizygous clone
 * expresses half: gene-dosage assumption), s its log-SD and h the Hill coefficient.
 * r = 0 when the antigen is lost (0 copies) or its epitope differs from the
 * binder's.  With z standard normal the integrand is the logistic function of
 * h (ln m' - ln D50) + h s z; it is integrated by composite Simpson over
 * z in [-8.5, 8.5] with a panel count that grows with h s, so steep (large h s)
 * integrands stay accurate.  Computed once per clone, never in the hot loop.
 */
#include <math.h>

#include "immune/immune.h"

#define Z_MAX 8.5

static double
logistic(double x)
{
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

double
mw__recognise_target(const mw_traits_t *t, const mw_target_t *b, double d50_factor)
{
    const mw_antigen_t *a;
    double m, a0, bz, sum;
    int n;

    if (b->antigen < 0 || b->antigen >= MW_N_ANTIGENS) {
        return 0.0;
    }
    a = &t->antigen[b->antigen];
    if (a->copies <= 0 || a->epitope != b->epitope || !(a->density > 0)) {
        return 0.0;
    }
    m = a->density * (double) a->copies / 2.0;
    a0 = b->hill * (log(m) - log(b->d50 * d50_factor));
    bz = b->hill * a->spread;
    if (bz < 1e-12) {
        return logistic(a0);
    }
    /* Simpson panels: about 40 per unit of the logistic's width in z. */
    n = (int) ceil(2.0 * Z_MAX * bz * 40.0);
    if (n < 200) {
        n = 200;
    }
    if (n > 20000) {
        n = 20000;
    }
    n += n & 1;
    {
        const double hz = 2.0 * Z_MAX / n;
        const double c = 0.39894228040143267794; /* 1/sqrt(2 pi) */
        sum = 0;
        for (int i = 0; i <= n; i++) {
            double z = -Z_MAX + i * hz;
            double w = (i == 0 || i == n) ? 1.0 : (i & 1) ? 4.0 : 2.0;
            sum += w * c * exp(-0.5 * z * z) * logistic(a0 + bz * z);
        }
        sum *= hz / 3.0;
    }
    return sum < 0 ? 0 : sum > 1 ? 1 : sum;
}

double
mw__recognise_product(const mw_traits_t *t, const mw_product_t *p, double d50_factor)
{
    double r;

    if (p->n_targets <= 0) {
        return 0.0;
    }
    switch (p->logic) {
        case MW_LOGIC_OR:
            r = 1.0;
            for (int i = 0; i < p->n_targets; i++) {
                r *= 1.0 - mw__recognise_target(t, &p->targets[i], d50_factor);
            }
            return 1.0 - r;
        case MW_LOGIC_AND:
            r = 1.0;
            for (int i = 0; i < p->n_targets; i++) {
                r *= mw__recognise_target(t, &p->targets[i], d50_factor);
            }
            return r;
        default:
            return mw__recognise_target(t, &p->targets[0], d50_factor);
    }
}

void
mw__product_costim(const mw_scenario_t *sc, const mw_product_t *p, mw_costim_t *out)
{
    switch (p->costim) {
        case MW_COSTIM_CD28:
            *out = sc->immune.costim_cd28;
            break;
        case MW_COSTIM_BOTH:
            /* third generation: CD28's expansion and antigen sensitivity with
             * 4-1BB's memory formation and persistence (assumed) */
            *out = sc->immune.costim_41bb;
            out->expansion_max = sc->immune.costim_cd28.expansion_max;
            out->d50_factor = sc->immune.costim_cd28.d50_factor;
            break;
        default:
            *out = sc->immune.costim_41bb;
            break;
    }
}
