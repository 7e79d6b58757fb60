/* Tests of the random streams: Philox known answers, stream layout, uniformity,
 * independence between streams, and the moments of every sampler. */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "rng/rng.h"

#define SEED 20260401u

/* ---- Known answers (Random123 kat_vectors, philox4x32 10 rounds) ---------------- */

typedef struct {
    uint32_t ctr[4];
    uint32_t key[2];
    uint32_t out[4];
} kat_t;

static const kat_t kats[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};
#define N_KATS ((int) (sizeof(kats) / sizeof(kats[0])))

static void
test_philox_kat_direct(void **state)
{
    (void) state;
    for (int i = 0; i < N_KATS; i++) {
        philox4x32_ctr_t c = {
            {kats[i].ctr[0], kats[i].ctr[1], kats[i].ctr[2], kats[i].ctr[3]}};
        philox4x32_key_t k = {{kats[i].key[0], kats[i].key[1]}};
        philox4x32_ctr_t x = philox4x32(c, k);
        for (int j = 0; j < 4; j++) {
            assert_int_equal(x.v[j], kats[i].out[j]);
        }
    }
}

/* The stream's first block is Philox at counter {draw = (ctr[1]:ctr[0]), stream,
 * index} with key {seed low, seed high}. */
static void
test_philox_kat_stream(void **state)
{
    (void) state;
    for (int i = 0; i < N_KATS; i++) {
        mw_rng_t r;
        uint64_t seed = (uint64_t) kats[i].key[1] << 32 | kats[i].key[0];
        mw_rng_init(&r, seed, kats[i].ctr[3], kats[i].ctr[2]);
        /* The draw counter cannot be set through the API: start it where the
         * vector does (0 for the first vector, as mw_rng_init leaves it). */
        r.ctr[0] = kats[i].ctr[0];
        r.ctr[1] = kats[i].ctr[1];
        for (int j = 0; j < 4; j++) {
            assert_int_equal(mw_rng_u32(&r), kats[i].out[j]);
        }
    }
    /* Untouched: seed 0, index 0, stream 0 starts with the all-zero vector. */
    mw_rng_t r;
    mw_rng_init(&r, 0, 0, 0);
    for (int j = 0; j < 4; j++) {
        assert_int_equal(mw_rng_u32(&r), kats[0].out[j]);
    }
}

/* Block b of a stream is Philox at draw counter b; the 64-bit counter carries. */
static void
test_counter_layout(void **state)
{
    (void) state;
    mw_rng_t r;
    mw_rng_init(&r, 0x0123456789abcdefULL, 7, MW_STREAM_DRUG);
    assert_int_equal(r.key[0], 0x89abcdefu);
    assert_int_equal(r.key[1], 0x01234567u);
    assert_int_equal(r.ctr[2], MW_STREAM_DRUG);
    assert_int_equal(r.ctr[3], 7);
    assert_int_equal(r.used, 4);
    for (uint32_t b = 0; b < 3; b++) {
        philox4x32_ctr_t c = {{b, 0, MW_STREAM_DRUG, 7}};
        philox4x32_key_t k = {{0x89abcdefu, 0x01234567u}};
        philox4x32_ctr_t x = philox4x32(c, k);
        for (int j = 0; j < 4; j++) {
            assert_int_equal(mw_rng_u32(&r), x.v[j]);
        }
    }
    assert_int_equal(r.ctr[0], 3);

    r.ctr[0] = 0xffffffffu;
    r.ctr[1] = 5;
    mw__rng_refill(&r);
    assert_int_equal(r.ctr[0], 0);
    assert_int_equal(r.ctr[1], 6);
}

/* ---- Determinism ------------------------------------------------------------- */

#define SEQ 1000

static void
fill(uint32_t *out, uint64_t seed, uint32_t index, uint32_t stream)
{
    mw_rng_t r;
    mw_rng_init(&r, seed, index, stream);
    for (int i = 0; i < SEQ; i++) {
        out[i] = mw_rng_u32(&r);
    }
}

static int
n_equal(const uint32_t *a, const uint32_t *b)
{
    int n = 0;
    for (int i = 0; i < SEQ; i++) {
        n += a[i] == b[i];
    }
    return n;
}

static void
test_determinism(void **state)
{
    (void) state;
    static uint32_t a[SEQ], b[SEQ];
    fill(a, SEED, 3, MW_STREAM_DYNAMICS);
    fill(b, SEED, 3, MW_STREAM_DYNAMICS);
    assert_memory_equal(a, b, sizeof(a));

    /* Distinct keys or counters: equal words only by chance (expected SEQ/2^32). */
    fill(b, SEED, 4, MW_STREAM_DYNAMICS);
    assert_true(n_equal(a, b) <= 1);
    fill(b, SEED, 3, MW_STREAM_MUTATION);
    assert_true(n_equal(a, b) <= 1);
    fill(b, SEED + 1, 3, MW_STREAM_DYNAMICS);
    assert_true(n_equal(a, b) <= 1);
    fill(b, SEED ^ (1ULL << 40), 3, MW_STREAM_DYNAMICS);
    assert_true(n_equal(a, b) <= 1);
    /* index and stream are not interchangeable */
    fill(a, SEED, 1, 2);
    fill(b, SEED, 2, 1);
    assert_true(n_equal(a, b) <= 1);

    /* Mixing word and double draws keeps one sequence of words. */
    mw_rng_t r, s;
    mw_rng_init(&r, SEED, 0, 0);
    mw_rng_init(&s, SEED, 0, 0);
    for (int i = 0; i < 101; i++) {
        uint32_t w1 = mw_rng_u32(&r);
        uint32_t w2 = mw_rng_u32(&r);
        uint32_t w3 = mw_rng_u32(&r);
        double u = mw_rng_uniform_pos(&s);
        uint32_t v3 = mw_rng_u32(&s);
        double k = (double) (w1 >> 5) * 67108864.0 + (double) (w2 >> 6);
        assert_true(u == (k > 0.0 ? k * 0x1p-53 : 0x1p-54));
        assert_int_equal(w3, v3);
    }
}

/* ---- Uniform ------------------------------------------------------------------- */

static void
test_uniform_open_interval(void **state)
{
    (void) state;
    mw_rng_t r;
    mw_rng_init(&r, SEED, 0, MW_STREAM_INIT);
    double lo = 1.0, hi = 0.0;
    for (int i = 0; i < 1000000; i++) {
        double u = mw_rng_uniform_pos(&r);
        assert_true(u > 0.0 && u < 1.0);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    assert_true(lo < 1e-5 && hi > 1.0 - 1e-5);

    /* Extreme words: all zeros and all ones. */
    r.buf[0] = r.buf[1] = 0;
    r.used = 0;
    double u = mw__rng_uniform(&r);
    assert_true(u > 0.0 && u < 1.0);
    assert_true(isfinite(-log(u)) && -log(u) > 0.0);
    r.buf[2] = r.buf[3] = 0xffffffffu;
    u = mw__rng_uniform(&r);
    assert_true(u > 0.0 && u < 1.0);
    assert_true(-log(u) > 0.0);
}

/* ---- Moments ------------------------------------------------------------------- */

typedef double (*draw_fn)(mw_rng_t *r, const double *par);

/* Draw n values, then check the mean against mu (SE sqrt(var/n)) and the sample
 * variance against var (SE sqrt((m4 - s^4)/n) from the sample fourth moment).
 * With @p integer, every value must be a whole number in [lo, hi]. */
static void
check_moments(const char *name, draw_fn f, const double *par, int n, uint32_t stream,
              double mu, double var, int integer, double lo, double hi)
{
    double *x = malloc((size_t) n * sizeof(*x));
    assert_non_null(x);
    mw_rng_t r;
    mw_rng_init(&r, SEED, 11, stream);
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        x[i] = f(&r, par);
        sum += x[i] - mu;
        if (integer) {
            assert_true(x[i] == floor(x[i]));
        }
        assert_true(x[i] >= lo && x[i] <= hi);
    }
    double mean = mu + sum / n;
    double s2 = 0.0, s4 = 0.0;
    for (int i = 0; i < n; i++) {
        double d = x[i] - mean;
        s2 += d * d;
        s4 += d * d * d * d;
    }
    free(x);
    double svar = s2 / (n - 1);
    double m4 = s4 / n;
    printf("  %s(%.12g, %.12g), %d draws\n", name, par[0], par[1], n);
    assert_z(mean, mu, sqrt(var / n), 5.0);
    assert_z(svar, var, sqrt((m4 - svar * svar) / n), 5.0);
}

static double
draw_uniform(mw_rng_t *r, const double *par)
{
    (void) par;
    return mw_rng_uniform_pos(r);
}

static double
draw_exp1(mw_rng_t *r, const double *par)
{
    (void) par;
    return mw__rng_exp1(r);
}

static double
draw_exponential(mw_rng_t *r, const double *par)
{
    return mw_ran_exponential(r, par[0]);
}

static double
draw_binomial(mw_rng_t *r, const double *par)
{
    return mw_ran_binomial(r, par[1], par[0]);
}

static double
draw_poisson(mw_rng_t *r, const double *par)
{
    return mw_ran_poisson(r, par[0]);
}

static double
draw_negbin(mw_rng_t *r, const double *par)
{
    return mw_ran_negative_binomial(r, par[1], par[0]);
}

static double
draw_gaussian(mw_rng_t *r, const double *par)
{
    return mw_ran_gaussian(r, par[0]);
}

static double
draw_gsl_uniform(mw_rng_t *r, const double *par)
{
    (void) par;
    gsl_rng g;
    mw__rng_as_gsl(r, &g);
    return gsl_rng_uniform(&g);
}

#define NS 200000

static void
test_uniform_moments(void **state)
{
    (void) state;
    double par[2] = {0, 0};
    check_moments("uniform", draw_uniform, par, NS, 0, 0.5, 1.0 / 12.0, 0, 0x1p-54, 1.0);
}

static void
test_exponential(void **state)
{
    (void) state;
    double par[2] = {1, 0};
    check_moments("exp1", draw_exp1, par, NS, 1, 1.0, 1.0, 0, 0x1p-60, 40.0);
    par[0] = 0.25;
    check_moments("exponential", draw_exponential, par, NS, 2, 4.0, 16.0, 0, 0x1p-60,
                  200.0);
    mw_rng_t r;
    mw_rng_init(&r, SEED, 0, 0);
    assert_true(isinf(mw_ran_exponential(&r, 0.0)));
    assert_true(isinf(mw_ran_exponential(&r, -1.0)));
}

static void
test_binomial(void **state)
{
    (void) state;
    static const double cases[][2] = {{20, 0.3},     {1e6, 1e-4},         {1e12, 0.5},
                                      {1e12, 1e-10}, {1e12, 1.0 - 1e-10}, {3e9, 0.2},
                                      {1e15, 0.999}};
    for (int i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++) {
        double n = cases[i][0], p = cases[i][1];
        check_moments("binomial", draw_binomial, cases[i], NS / 2, 100 + (uint32_t) i,
                      n * p, n * p * (1.0 - p), 1, 0.0, n);
    }
    mw_rng_t r;
    mw_rng_init(&r, SEED, 0, 0);
    assert_true(mw_ran_binomial(&r, 0.0, 100.0) == 0.0);
    assert_true(mw_ran_binomial(&r, -0.5, 100.0) == 0.0);
    assert_true(mw_ran_binomial(&r, NAN, 100.0) == 0.0);
    assert_true(mw_ran_binomial(&r, 1.0, 100.0) == 100.0);
    assert_true(mw_ran_binomial(&r, 1.5, 1e15) == 1e15);
    assert_true(mw_ran_binomial(&r, 0.5, 0.0) == 0.0);
    assert_true(mw_ran_binomial(&r, 0.5, -3.0) == 0.0);
    assert_true(mw_ran_binomial(&r, 0.5, 1.0) <= 1.0);
    assert_true(mw_ran_binomial(&r, 0.5, 0x1p53) <= 0x1p53);
}

static void
test_poisson(void **state)
{
    (void) state;
    static const double means[] = {3, 1e3, 1e9, 2e7};
    for (int i = 0; i < (int) (sizeof(means) / sizeof(means[0])); i++) {
        double par[2] = {means[i], 0};
        check_moments("poisson", draw_poisson, par, NS / 2, 200 + (uint32_t) i, means[i],
                      means[i], 1, 0.0, HUGE_VAL);
    }
    mw_rng_t r;
    mw_rng_init(&r, SEED, 0, 0);
    assert_true(mw_ran_poisson(&r, 0.0) == 0.0);
    assert_true(mw_ran_poisson(&r, -2.0) == 0.0);
    assert_true(mw_ran_poisson(&r, NAN) == 0.0);
}

static void
test_negative_binomial(void **state)
{
    (void) state;
    static const double cases[][2] = {{2.5, 0.3}, {1e6, 0.5}, {0.2, 0.05}};
    for (int i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++) {
        double k = cases[i][0], p = cases[i][1];
        check_moments("negbin", draw_negbin, cases[i], NS / 2, 300 + (uint32_t) i,
                      k * (1.0 - p) / p, k * (1.0 - p) / (p * p), 1, 0.0, HUGE_VAL);
    }
    mw_rng_t r;
    mw_rng_init(&r, SEED, 0, 0);
    assert_true(mw_ran_negative_binomial(&r, 1.0, 3.0) == 0.0);
    assert_true(mw_ran_negative_binomial(&r, 0.5, 0.0) == 0.0);
    assert_true(isinf(mw_ran_negative_binomial(&r, 0.0, 3.0)));
}

static void
test_gaussian(void **state)
{
    (void) state;
    double par[2] = {3.0, 0};
    check_moments("gaussian", draw_gaussian, par, NS, 400, 0.0, 9.0, 0, -HUGE_VAL,
                  HUGE_VAL);
}

/* ---- Independence between streams ---------------------------------------------- */

#define NPAIR 100000

static double
correlation(mw_rng_t *a, mw_rng_t *b)
{
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int i = 0; i < NPAIR; i++) {
        double x = mw_rng_uniform_pos(a) - 0.5;
        double y = mw_rng_uniform_pos(b) - 0.5;
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
    }
    double cov = sab / NPAIR - (sa / NPAIR) * (sb / NPAIR);
    double va = saa / NPAIR - (sa / NPAIR) * (sa / NPAIR);
    double vb = sbb / NPAIR - (sb / NPAIR) * (sb / NPAIR);
    return cov / sqrt(va * vb);
}

/* 16x16 grid of (u from a, u from b); a == b pairs consecutive draws. */
static double
pairs_chisq_p(mw_rng_t *a, mw_rng_t *b)
{
    enum { G = 16, PER_CELL = 200 };
    static int cell[G][G];
    memset(cell, 0, sizeof(cell));
    for (int i = 0; i < G * G * PER_CELL; i++) {
        int x = (int) (mw_rng_uniform_pos(a) * G);
        int y = (int) (mw_rng_uniform_pos(b) * G);
        cell[x][y]++;
    }
    double chisq = 0.0;
    for (int x = 0; x < G; x++) {
        for (int y = 0; y < G; y++) {
            double d = cell[x][y] - PER_CELL;
            chisq += d * d / PER_CELL;
        }
    }
    double p = mw_test_chisq_p(chisq, G * G - 1);
    printf("  chi-square %.1f on %d df, p = %.3g\n", chisq, G * G - 1, p);
    return p;
}

static void
test_stream_independence(void **state)
{
    (void) state;
    mw_rng_t a, b;
    double se = 1.0 / sqrt((double) NPAIR);

    mw_rng_init(&a, SEED, 5, 0);
    mw_rng_init(&b, SEED, 5, 1);
    assert_z(correlation(&a, &b), 0.0, se, 4.0);
    mw_rng_init(&a, SEED, 0, MW_STREAM_DYNAMICS);
    mw_rng_init(&b, SEED, 1, MW_STREAM_DYNAMICS);
    assert_z(correlation(&a, &b), 0.0, se, 4.0);
    mw_rng_init(&a, SEED, 0, 0);
    mw_rng_init(&b, SEED + 1, 0, 0);
    assert_z(correlation(&a, &b), 0.0, se, 4.0);

    mw_rng_init(&a, SEED, 5, 0);
    mw_rng_init(&b, SEED, 5, 1);
    assert_true(pairs_chisq_p(&a, &b) > 1e-4);
    mw_rng_init(&a, SEED, 0, 3);
    mw_rng_init(&b, SEED, 1, 3);
    assert_true(pairs_chisq_p(&a, &b) > 1e-4);
    mw_rng_init(&a, SEED, 9, 2);
    assert_true(pairs_chisq_p(&a, &a) > 1e-4);
}

/* ---- GSL view ------------------------------------------------------------------ */

static void
test_gsl_wrapper(void **state)
{
    (void) state;
    double par[2] = {0, 0};
    check_moments("gsl_uniform", draw_gsl_uniform, par, NS, 500, 0.5, 1.0 / 12.0, 0, 0.0,
                  1.0);

    mw_rng_t r, s;
    mw_rng_init(&r, SEED, 2, MW_STREAM_IMMUNE);
    mw_rng_init(&s, SEED, 2, MW_STREAM_IMMUNE);
    gsl_rng g;
    mw__rng_as_gsl(&r, &g);
    assert_string_equal(gsl_rng_name(&g), "mw_philox4x32");
    assert_true(gsl_rng_max(&g) == 0xffffffffUL);
    assert_true(gsl_rng_min(&g) == 0);
    for (int i = 0; i < 10; i++) {
        assert_true(gsl_rng_get(&g) == mw_rng_u32(&s));
    }
    /* gsl_rng_set re-keys, keeping index and stream. */
    gsl_rng_set(&g, 77);
    mw_rng_init(&s, 77, 2, MW_STREAM_IMMUNE);
    for (int i = 0; i < 10; i++) {
        assert_true(gsl_rng_get(&g) == mw_rng_u32(&s));
    }
    /* A GSL sampler advances the marrow stream itself. */
    mw_rng_t before = r;
    (void) gsl_ran_gaussian(&g, 1.0);
    assert_true(memcmp(&before, &r, sizeof(r)) != 0);
}

/* The ziggurat exponential against its CDF: 40 equiprobable bins plus the far
 * tail beyond the ziggurat's base (x > 7.697, probability 4.5e-4), chi-square. */
static void
test_exponential_distribution(void **state)
{
    (void) state;
    enum { NB = 41, N = 2000000 };
    static double obs[NB];
    mw_rng_t r;
    mw_rng_init(&r, 77, 1, MW_STREAM_DYNAMICS);
    memset(obs, 0, sizeof(obs));
    double tail_edge = 7.69711747013104972, p_tail = exp(-tail_edge);
    for (int i = 0; i < N; i++) {
        double x = mw__rng_exp1(&r);
        assert_true(x > 0 && isfinite(x));
        if (x > tail_edge) {
            obs[NB - 1]++;
            continue;
        }
        /* bin by CDF among the first 40 equiprobable bins of [0, tail_edge] */
        double u = (1 - exp(-x)) / (1 - p_tail);
        int b = (int) (u * (NB - 1));
        obs[b < NB - 1 ? b : NB - 2]++;
    }
    double chisq = 0;
    for (int b = 0; b < NB; b++) {
        double e = b < NB - 1 ? N * (1 - p_tail) / (NB - 1) : N * p_tail;
        chisq += (obs[b] - e) * (obs[b] - e) / e;
    }
    double p = mw_test_chisq_p(chisq, NB - 1);
    printf("  exponential chi-square %.1f on %d df, p = %.3f\n", chisq, NB - 1, p);
    assert_true(p > 1e-4);
}

/* Poisson by PTRS (mean >= 10) against the exact pmf, chi-square. */
static void
test_poisson_distribution(void **state)
{
    (void) state;
    const double means[] = {10.0, 37.5, 1000.0};
    for (int m = 0; m < 3; m++) {
        enum { N = 400000 };
        double mean = means[m], sd = sqrt(mean);
        int lo = (int) floor(mean - 4 * sd), hi = (int) ceil(mean + 4 * sd);
        if (lo < 0) {
            lo = 0;
        }
        int nb = hi - lo + 3; /* below lo, lo..hi, above hi */
        double *obs = calloc((size_t) nb, sizeof(double));
        assert_non_null(obs);
        mw_rng_t r;
        mw_rng_init(&r, 78, (uint32_t) m, MW_STREAM_DYNAMICS);
        for (int i = 0; i < N; i++) {
            double x = mw_ran_poisson(&r, mean);
            assert_true(x == floor(x) && x >= 0);
            int b = x < lo ? 0 : (x > hi ? nb - 1 : (int) x - lo + 1);
            obs[b]++;
        }
        double chisq = 0, below = gsl_cdf_poisson_P((unsigned) lo - (lo > 0 ? 1u : 0u), mean);
        if (lo == 0) {
            below = 0;
        }
        int df = 0;
        for (int b = 0; b < nb; b++) {
            double pb;
            if (b == 0) {
                pb = below;
            } else if (b == nb - 1) {
                pb = gsl_cdf_poisson_Q((unsigned) hi, mean);
            } else {
                pb = gsl_ran_poisson_pdf((unsigned) (lo + b - 1), mean);
            }
            double e = pb * N;
            if (e < 5) {
                continue; /* too sparse for the chi-square approximation */
            }
            chisq += (obs[b] - e) * (obs[b] - e) / e;
            df++;
        }
        double p = mw_test_chisq_p(chisq, df - 1);
        printf("  poisson(%g) chi-square %.1f on %d df, p = %.3f\n", mean, chisq, df - 1, p);
        assert_true(p > 1e-4);
        free(obs);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_kat_direct),
        cmocka_unit_test(test_philox_kat_stream),
        cmocka_unit_test(test_counter_layout),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_uniform_open_interval),
        cmocka_unit_test(test_uniform_moments),
        cmocka_unit_test(test_exponential),
        cmocka_unit_test(test_exponential_distribution),
        cmocka_unit_test(test_poisson_distribution),
        cmocka_unit_test(test_binomial),
        cmocka_unit_test(test_poisson),
        cmocka_unit_test(test_negative_binomial),
        cmocka_unit_test(test_gaussian),
        cmocka_unit_test(test_stream_independence),
        cmocka_unit_test(test_gsl_wrapper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
