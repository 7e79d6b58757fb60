/* Private view of the random-number streams: inline fast paths for the engine's hot
 * loop and a zero-allocation adapter that lets GSL samplers draw from a stream. */
#ifndef MW_RNG_H
#define MW_RNG_H

#include <Random123/philox.h>
#include <math.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "marrow.h"
#include "rng/ziggurat_exp.h"

/* Layout (mw_rng_t): key = {seed low 32 bits, seed high 32 bits};
 * ctr = {draws low, draws high, stream, index}; buf holds the last Philox block and
 * used counts the words of it already handed out (4 = empty). */

/* Fill buf with the next Philox4x32-10 block and advance the 64-bit draw counter. */
static inline void
mw__rng_refill(mw_rng_t *r)
{
    philox4x32_ctr_t c = {{r->ctr[0], r->ctr[1], r->ctr[2], r->ctr[3]}};
    philox4x32_key_t k = {{r->key[0], r->key[1]}};
    philox4x32_ctr_t x = philox4x32(c, k);
    r->buf[0] = x.v[0];
    r->buf[1] = x.v[1];
    r->buf[2] = x.v[2];
    r->buf[3] = x.v[3];
    r->used = 0;
    if (++r->ctr[0] == 0) {
        ++r->ctr[1];
    }
}

/* Next 32 random bits. */
static inline uint32_t
mw__rng_next(mw_rng_t *r)
{
    if (r->used >= 4) {
        mw__rng_refill(r);
    }
    return r->buf[r->used++];
}

/* Uniform in the open interval (0,1) from 53 random bits of two words: k/2^53 for
 * k = 1 .. 2^53-1, and 2^-54 in place of k = 0.  (The midpoint form (k+0.5)/2^53
 * would round to exactly 1.0 for k = 2^53-1.)  Always consumes two words. */
static inline double
mw__rng_uniform(mw_rng_t *r)
{
    uint32_t a = mw__rng_next(r);
    uint32_t b = mw__rng_next(r);
    double k = (double) (a >> 5) * 67108864.0 + (double) (b >> 6);
    return k > 0.0 ? k * 0x1p-53 : 0x1p-54;
}

/* Standard exponential (mean 1) by the 256-layer ziggurat (Marsaglia & Tsang 2000):
 * one 32-bit word for about 98.9% of draws (8 bits pick the layer, 24 bits the
 * point within it, offset by half a step so the result is > 0), the exact tail
 * r - ln U beyond r = 7.697, and an exact wedge test otherwise.  Values inside a
 * layer lie on a grid of 2^-24 of its width. */
static inline double
mw__rng_exp1(mw_rng_t *r)
{
    for (;;) {
        uint32_t u = mw__rng_next(r);
        uint32_t i = u & 255u, j = u >> 8;
        double x = ((double) j + 0.5) * mw_zig_exp_w[i];
        if (j < mw_zig_exp_k[i]) {
            return x;
        }
        if (i == 0) {
            return MW_ZIG_EXP_R - log(mw__rng_uniform(r));
        }
        double fi = mw_zig_exp_f[i];
        if (fi + mw__rng_uniform(r) * (mw_zig_exp_f[i + 1] - fi) < exp(-x)) {
            return x;
        }
    }
}

/* Point the caller-owned @p out at stream @p r so gsl_ran_* samplers draw from it.
 * No allocation; @p out is valid while @p r is.  gsl_rng_free() must NOT be called
 * on it.  gsl_rng_set() re-keys the stream with the new seed, keeping its stream
 * and index and restarting its draw counter. */
void mw__rng_as_gsl(mw_rng_t *r, gsl_rng *out);

/* Binomial(n, p) by the rounded normal with a Cornish-Fisher skewness term (what
 * mw_ran_binomial uses for n >= 2^31); for callers where n p (1 - p) is large and a
 * relative error of order 1 / (n p (1 - p)) in the distribution's shape is far
 * below their own approximation.  One Gaussian draw. */
double mw__ran_binomial_normal(mw_rng_t *r, double p, double n);

#endif
