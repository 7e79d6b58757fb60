/* Counter-based random streams and the samplers built on them.
 *
 * Each stream is Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random
 * numbers: as easy as 1, 2, 3", SC'11, 2011) keyed by the 64-bit seed, with the
 * counter {draw low, draw high, stream, index}: the numbers depend only on
 * (seed, index, stream) and the position in the stream, never on threads or order.
 * Samplers reuse GSL through a gsl_rng view of the stream (no allocation); counts
 * beyond GSL's unsigned int range use Poisson or skew-corrected normal limits.
 */
#include <math.h>
#include <gsl/gsl_randist.h>

#include "rng/rng.h"

_Static_assert(sizeof(mw_rng_t) == 48, "mw_rng_t must stay 48 bytes");

/* Below this n (or mean) the exact GSL samplers are used. */
#define MW_BINOMIAL_EXACT_N   2147483648.0 /* 2^31 */
#define MW_POISSON_EXACT_MEAN 1e7
/* Large-n binomial: Poisson on the rarer outcome while its mean is below this. */
#define MW_BINOMIAL_POISSON_MEAN 1e4

/* ---- GSL view of a stream ---------------------------------------------------- */

static void
mw__gsl_set(void *state, unsigned long int seed)
{
    mw_rng_t *r = state;
    mw_rng_init(r, (uint64_t) seed, r->ctr[3], r->ctr[2]);
}

static unsigned long int
mw__gsl_get(void *state)
{
    return mw__rng_next(state);
}

/* GSL wants [0,1): k/2^53 from 53 bits of two words. */
static double
mw__gsl_get_double(void *state)
{
    uint32_t a = mw__rng_next(state);
    uint32_t b = mw__rng_next(state);
    return ((double) (a >> 5) * 67108864.0 + (double) (b >> 6)) * 0x1p-53;
}

static const gsl_rng_type mw__gsl_philox_type = {
    .name = "mw_philox4x32",
    .max = 0xffffffffUL,
    .min = 0,
    .size = sizeof(mw_rng_t),
    .set = mw__gsl_set,
    .get = mw__gsl_get,
    .get_double = mw__gsl_get_double,
};

void
mw__rng_as_gsl(mw_rng_t *r, gsl_rng *out)
{
    out->type = &mw__gsl_philox_type;
    out->state = r;
}

/* ---- Public API ---------------------------------------------------------------- */

void
mw_rng_init(mw_rng_t *r, uint64_t seed, uint32_t index, uint32_t stream)
{
    r->key[0] = (uint32_t) seed;
    r->key[1] = (uint32_t) (seed >> 32);
    r->ctr[0] = 0;
    r->ctr[1] = 0;
    r->ctr[2] = stream;
    r->ctr[3] = index;
    r->buf[0] = r->buf[1] = r->buf[2] = r->buf[3] = 0;
    r->used = 4; /* empty: the first draw refills */
    r->pad_ = 0;
}

uint32_t
mw_rng_u32(mw_rng_t *r)
{
    return mw__rng_next(r);
}

double
mw_rng_uniform_pos(mw_rng_t *r)
{
    return mw__rng_uniform(r);
}

/* rate <= 0 (or NaN) never fires: +inf. */
double
mw_ran_exponential(mw_rng_t *r, double rate)
{
    if (!(rate > 0.0)) {
        return INFINITY;
    }
    return mw__rng_exp1(r) / rate;
}

double
mw_ran_gaussian(mw_rng_t *r, double sd)
{
    gsl_rng g;
    mw__rng_as_gsl(r, &g);
    return gsl_ran_gaussian_ziggurat(&g, sd);
}

/* Exact (GSL) below a mean of 1e7.  Above, x = mean + sd (z + (z^2 - 1) / (6 sd))
 * rounded: the Cornish-Fisher term matches the skewness 1/sd, leaving an error of
 * order 1/mean in distribution. */
/* Poisson for mean >= 10 by transformed rejection with squeeze (PTRS; Hormann
 * 1993, Insurance Math Econ 12:39).  Exact; about 1.2 uniform pairs per draw and
 * no logarithm for most of them.  (GSL's method for large means calls tan() and
 * recurses through gamma and binomial draws, about 10x slower.) */
static double
poisson_ptrs(mw_rng_t *r, double mean)
{
    const double slam = sqrt(mean), loglam = log(mean);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    const double vr = 0.9277 - 3.6224 / (b - 2.0);

    for (;;) {
        double u = mw__rng_uniform(r) - 0.5;
        double v = mw__rng_uniform(r);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= vr) {
            return k;
        }
        if (k < 0.0 || (us < 0.013 && v > us)) {
            continue;
        }
        if (log(v) + log(inv_alpha) - log(a / (us * us) + b) <=
            -mean + k * loglam - lgamma(k + 1.0)) {
            return k;
        }
    }
}

double
mw_ran_poisson(mw_rng_t *r, double mean)
{
    if (!(mean > 0.0)) {
        return 0.0;
    }
    if (isinf(mean)) {
        return mean;
    }
    gsl_rng g;
    mw__rng_as_gsl(r, &g);
    if (mean < 10.0) {
        return (double) gsl_ran_poisson(&g, mean);
    }
    if (mean < MW_POISSON_EXACT_MEAN) {
        return poisson_ptrs(r, mean);
    }
    double sd = sqrt(mean);
    double z = gsl_ran_gaussian_ziggurat(&g, 1.0);
    double x = floor(mean + sd * (z + (z * z - 1.0) / (6.0 * sd)) + 0.5);
    return x > 0.0 ? x : 0.0;
}

/* n is an integer-valued count (truncated otherwise).  Exact (GSL's BTPE) below
 * 2^31; above, Poisson(n min(p, q)) on the rarer outcome while that mean is below
 * 1e4 (total-variation error below min(p, q) < 5e-6), else the rounded
 * (continuity-corrected) normal with a Cornish-Fisher skewness term. */
double
mw_ran_binomial(mw_rng_t *r, double p, double n)
{
    if (!(n >= 1.0) || !(p > 0.0)) {
        return 0.0;
    }
    n = floor(n);
    if (p >= 1.0) {
        return n;
    }
    if (n < MW_BINOMIAL_EXACT_N) {
        gsl_rng g;
        mw__rng_as_gsl(r, &g);
        return (double) gsl_ran_binomial(&g, p, (unsigned int) n);
    }
    double q = 1.0 - p;
    double rare = p <= q ? p : q;
    double x;
    if (n * rare < MW_BINOMIAL_POISSON_MEAN) {
        x = mw_ran_poisson(r, n * rare);
        if (x > n) {
            x = n;
        }
        return p <= q ? x : n - x;
    }
    return mw__ran_binomial_normal(r, p, n);
}

double
mw__ran_binomial_normal(mw_rng_t *r, double p, double n)
{
    double q = 1.0 - p;
    double sd = sqrt(n * p * q);
    double skew = (q - p) / sd;
    double z = mw_ran_gaussian(r, 1.0);
    double x = floor(n * p + sd * (z + skew * (z * z - 1.0) / 6.0) + 0.5);
    if (x < 0.0) {
        return 0.0;
    }
    return x > n ? n : x;
}

/* Gamma-Poisson mixture: lambda ~ Gamma(shape k, scale (1-p)/p), x ~ Poisson(lambda).
 * p >= 1 or k <= 0 give 0; p <= 0 gives +inf (success never comes). */
double
mw_ran_negative_binomial(mw_rng_t *r, double p, double k)
{
    if (!(k > 0.0) || !(p < 1.0)) {
        return 0.0;
    }
    if (!(p > 0.0)) {
        return INFINITY;
    }
    gsl_rng g;
    mw__rng_as_gsl(r, &g);
    double lambda = gsl_ran_gamma(&g, k, (1.0 - p) / p);
    return mw_ran_poisson(r, lambda);
}
