/*
 * Patient variability: a numeric scenario key may give a distribution instead of a
 * number ({lognormal: {median, sd_log}}, {normal: {mean, sd, min, max}},
 * {uniform: {min, max}}, {choice: {values, weights}}).  The loader (yaml_load.c)
 * reads the mapping into a mw__dist_spec_t; this file checks it against the key,
 * keeps the scenario's table of varying keys and draws one patient's values.
 *
 * The table stores byte offsets into mw_scenario_t, resolved when the file is
 * read (list elements included), so that drawing a patient needs no key lookup
 * and the scenario stays a plain value that can be copied.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/io.h"

/* Draws a lognormal or normal may take to land in its range.  Loading refuses a
 * distribution of which the range keeps less than MIN_MASS, so running out of
 * tries has probability below (1 - MIN_MASS)^MAX_TRIES = e^-100. */
#define MAX_TRIES 10000
#define MIN_MASS  0.01

typedef struct {
    const char *name;
    const char *params[5]; /* NULL-terminated (mw__suggest reads to the NULL) */
    unsigned required;     /* bit k: params[k] must be given */
} dist_info_t;

static const dist_info_t dists[MW_N_DISTS] = {
    [MW_DIST_LOGNORMAL] = {"lognormal", {"median", "sd_log", NULL}, 3u},
    [MW_DIST_NORMAL] = {"normal", {"mean", "sd", "min", "max", NULL}, 3u},
    [MW_DIST_UNIFORM] = {"uniform", {"min", "max", NULL}, 3u},
    [MW_DIST_CHOICE] = {"choice", {"values", "weights", NULL}, 1u},
};

static const char *const dist_names[] = {"lognormal", "normal", "uniform", "choice",
                                         NULL};

_Static_assert(sizeof(mw_variable_t) % sizeof(double) == 0 &&
                   offsetof(mw_variable_t, lo) == 128 + 6 * sizeof(int32_t),
               "mw_variable_t must have no padding (scenarios compare with memcmp)");

const char *
mw__dist_name(int dist)
{
    return dist >= 0 && dist < MW_N_DISTS ? dists[dist].name : "?";
}

const char *
mw__dist_param(int dist, int k)
{
    if (dist < 0 || dist >= MW_N_DISTS || k < 0 || k >= 4) {
        return NULL;
    }
    return dists[dist].params[k];
}

int
mw__dist_find(const char *name, char *msg, size_t len)
{
    for (int d = 0; d < MW_N_DISTS; d++) {
        if (strcmp(name, dists[d].name) == 0) {
            return d;
        }
    }
    return mw__suggest(name, dist_names, "distribution", msg, len) ? -1 : -2;
}

int
mw__dist_param_find(int dist, const char *name, char *msg, size_t len)
{
    char what[64];

    for (int k = 0; k < 4 && dists[dist].params[k] != NULL; k++) {
        if (strcmp(name, dists[dist].params[k]) == 0) {
            return k;
        }
    }
    snprintf(what, sizeof(what), "%s parameter", dists[dist].name);
    (void) mw__suggest(name, dists[dist].params, what, msg, len);
    return -1;
}

/* "the 2nd" */
static const char *
ordinal_suffix(int n)
{
    if (n % 100 >= 11 && n % 100 <= 13) {
        return "th";
    }
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

/* Standard normal distribution function. */
static double
phi(double x)
{
    return 0.5 * erfc(-x / 1.4142135623730951);
}

/* Lower and upper ends of the range a lognormal or normal draw must land in. */
static void
draw_bounds(const mw_variable_t *v, double *a, double *b)
{
    *a = v->lo;
    *b = v->hi;
    if (v->dist == MW_DIST_NORMAL) {
        *a = fmax(*a, v->min);
        *b = fmin(*b, v->max);
    }
}

/* Probability that a draw of @p v lands in its range (open ends do not matter). */
static double
kept_mass(const mw_variable_t *v)
{
    double a, b, za, zb;

    draw_bounds(v, &a, &b);
    if (v->dist == MW_DIST_LOGNORMAL) {
        za = a <= 0 ? -INFINITY : (log(a) - log(v->center)) / v->spread;
        zb = isinf(b) ? INFINITY : (log(b) - log(v->center)) / v->spread;
    } else {
        za = (a - v->center) / v->spread;
        zb = (b - v->center) / v->spread;
    }
    return phi(zb) - phi(za);
}

/* 1 when @p x is a value the key may take. */
static int
allowed(const mw_variable_t *v, double x)
{
    return !mw__out_of_range(x, v->range_open, v->lo, v->hi) &&
           (!v->is_int || x == floor(x));
}

/* "uniform min 2 is outside [0, 1]" for value @p x of the key. */
static int
outside(const mw_variable_t *v, const char *what, double x, char *msg, size_t len)
{
    char r[80];

    mw__fmt_range(r, sizeof(r), v->range_open, v->lo, v->hi, v->is_int);
    if (v->is_int && isfinite(x) && x != floor(x)) {
        snprintf(msg, len, "%s %g is not an integer ('%s' is an integer in %s)", what, x,
                 v->key, r);
    } else {
        snprintf(msg, len, "%s %g is outside %s, the range of '%s'", what, x, r, v->key);
    }
    return MW_ERR_BAD_VALUE;
}

static int
check_lognormal(mw_variable_t *v, const mw__dist_spec_t *s, int *bad, char *msg,
                size_t len)
{
    v->center = s->p[0];
    v->spread = s->p[1];
    if (!isfinite(v->center) || v->center <= 0) {
        *bad = 0;
        snprintf(msg, len, "lognormal median must be a finite number > 0, got %g",
                 v->center);
        return MW_ERR_BAD_VALUE;
    }
    if (!isfinite(v->spread) || v->spread < 0) {
        *bad = 1;
        snprintf(msg, len, "lognormal sd_log must be a finite number >= 0, got %g",
                 v->spread);
        return MW_ERR_BAD_VALUE;
    }
    if (!allowed(v, v->center)) {
        *bad = 0;
        return outside(v, "lognormal median", v->center, msg, len);
    }
    return 0;
}

static int
check_normal(mw_variable_t *v, const mw__dist_spec_t *s, int *bad, char *msg, size_t len)
{
    double a, b;
    char r[80];

    v->center = s->p[0];
    v->spread = s->p[1];
    v->min = (s->given & 4u) ? s->p[2] : -INFINITY;
    v->max = (s->given & 8u) ? s->p[3] : INFINITY;
    if (!isfinite(v->center)) {
        *bad = 0;
        snprintf(msg, len, "normal mean must be a finite number, got %g", v->center);
        return MW_ERR_BAD_VALUE;
    }
    if (!isfinite(v->spread) || v->spread < 0) {
        *bad = 1;
        snprintf(msg, len, "normal sd must be a finite number >= 0, got %g", v->spread);
        return MW_ERR_BAD_VALUE;
    }
    if (isnan(v->min) || isnan(v->max) || v->min > v->max) {
        *bad = 3;
        snprintf(msg, len, "normal max %g is below min %g", v->max, v->min);
        return MW_ERR_BAD_VALUE;
    }
    draw_bounds(v, &a, &b);
    if (a > b || (a == b && (mw__out_of_range(a, v->range_open, v->lo, v->hi)))) {
        *bad = (s->given & 4u) && v->min > v->hi ? 2 : 3;
        mw__fmt_range(r, sizeof(r), v->range_open, v->lo, v->hi, 0);
        snprintf(msg, len,
                 "normal [min, max] = [%g, %g] lies outside %s, the range of '%s'",
                 v->min, v->max, r, v->key);
        return MW_ERR_BAD_VALUE;
    }
    if (v->center < v->min || v->center > v->max) {
        *bad = 0;
        snprintf(msg, len, "normal mean %g is outside [min, max] = [%g, %g]", v->center,
                 v->min, v->max);
        return MW_ERR_BAD_VALUE;
    }
    if (!allowed(v, v->center)) {
        *bad = 0;
        return outside(v, "normal mean", v->center, msg, len);
    }
    return 0;
}

static int
check_uniform(mw_variable_t *v, const mw__dist_spec_t *s, int *bad, char *msg, size_t len)
{
    v->min = s->p[0];
    v->max = s->p[1];
    for (int k = 0; k < 2; k++) {
        double x = k == 0 ? v->min : v->max;
        if (!isfinite(x) || !allowed(v, x)) {
            *bad = k;
            return outside(v, k == 0 ? "uniform min" : "uniform max", x, msg, len);
        }
    }
    if (v->min > v->max) {
        *bad = 1;
        snprintf(msg, len, "uniform max %g is below min %g", v->max, v->min);
        return MW_ERR_BAD_VALUE;
    }
    return 0;
}

static int
check_choice(mw_variable_t *v, const mw__dist_spec_t *s, int *bad, int *item, char *msg,
             size_t len)
{
    double total = 0;
    char what[48];

    v->n_values = s->n_values;
    if (s->n_values < 1 || s->n_values > MW_VAR_MAX_VALUES) {
        *bad = MW__CHOICE_VALUES;
        snprintf(msg, len, "choice needs 1 to %d values, got %d", MW_VAR_MAX_VALUES,
                 s->n_values);
        return MW_ERR_BAD_VALUE;
    }
    for (int i = 0; i < s->n_values; i++) {
        v->values[i] = s->values[i];
        v->weights[i] = 1;
        if (!isfinite(s->values[i]) || !allowed(v, s->values[i])) {
            *bad = MW__CHOICE_VALUES;
            *item = i;
            snprintf(what, sizeof(what), "the %d%s choice value", i + 1,
                     ordinal_suffix(i + 1));
            return outside(v, what, s->values[i], msg, len);
        }
    }
    if (!(s->given & (1u << MW__CHOICE_WEIGHTS))) {
        return 0;
    }
    if (s->n_weights != s->n_values) {
        *bad = MW__CHOICE_WEIGHTS;
        snprintf(msg, len,
                 "choice has %d value%s but %d weight%s; give one weight per value",
                 s->n_values, s->n_values == 1 ? "" : "s", s->n_weights,
                 s->n_weights == 1 ? "" : "s");
        return MW_ERR_BAD_VALUE;
    }
    for (int i = 0; i < s->n_weights; i++) {
        if (!isfinite(s->weights[i]) || s->weights[i] < 0) {
            *bad = MW__CHOICE_WEIGHTS;
            *item = i;
            snprintf(msg, len, "choice weight %g (the %d%s) must be a finite number >= 0",
                     s->weights[i], i + 1, ordinal_suffix(i + 1));
            return MW_ERR_BAD_VALUE;
        }
        v->weights[i] = s->weights[i];
        total += s->weights[i];
    }
    if (!(total > 0) || !isfinite(total)) {
        *bad = MW__CHOICE_WEIGHTS;
        snprintf(msg, len, "choice weights must have a finite sum > 0");
        return MW_ERR_BAD_VALUE;
    }
    return 0;
}

int
mw__var_make(const mw__dist_spec_t *spec, const mw__var_target_t *t, mw_variable_t *out,
             int *bad, int *item, char *msg, size_t len)
{
    const dist_info_t *di;
    mw_variable_t *v = out;
    int r;

    *bad = -1;
    *item = -1;
    if (spec->dist < 0 || spec->dist >= MW_N_DISTS) {
        snprintf(msg, len, "no such distribution");
        return MW_ERR_BAD_VALUE;
    }
    di = &dists[spec->dist];
    memset(v, 0, sizeof(*v));
    snprintf(v->key, sizeof(v->key), "%s", t->key);
    v->offset = (uint32_t) t->offset;
    v->is_int = t->is_int != 0;
    v->dist = spec->dist;
    v->range_open = t->open;
    v->lo = t->lo;
    v->hi = t->hi;
    v->min = -INFINITY;
    v->max = INFINITY;
    if (t->is_int && spec->dist != MW_DIST_UNIFORM && spec->dist != MW_DIST_CHOICE) {
        snprintf(msg, len, "'%s' is an integer: it takes uniform or choice, not %s",
                 t->key, di->name);
        return MW_ERR_BAD_VALUE;
    }
    if ((spec->given & di->required) != di->required) {
        char names[64] = "";
        size_t used = 0;
        for (int k = 0; k < 4; k++) {
            if (di->required & (1u << k)) {
                used += (size_t) snprintf(names + used, sizeof(names) - used, "%s%s",
                                          used > 0 ? " and " : "", di->params[k]);
            }
        }
        snprintf(msg, len, "%s needs %s", di->name, names);
        return MW_ERR_BAD_VALUE;
    }
    switch (spec->dist) {
        case MW_DIST_LOGNORMAL:
            r = check_lognormal(v, spec, bad, msg, len);
            break;
        case MW_DIST_NORMAL:
            r = check_normal(v, spec, bad, msg, len);
            break;
        case MW_DIST_UNIFORM:
            r = check_uniform(v, spec, bad, msg, len);
            break;
        default:
            r = check_choice(v, spec, bad, item, msg, len);
            break;
    }
    if (r != 0) {
        return r;
    }
    if ((spec->dist == MW_DIST_LOGNORMAL || spec->dist == MW_DIST_NORMAL) &&
        v->spread > 0) {
        double mass = kept_mass(v);
        if (!(mass >= MIN_MASS)) {
            char range[80];
            double a, b;
            draw_bounds(v, &a, &b);
            mw__fmt_range(range, sizeof(range), 0, a, b, 0);
            *bad = 1;
            snprintf(msg, len,
                     "%s keeps only %.2g%% of its draws in %s; at least %g%% must fall "
                     "there (narrow the %s)",
                     di->name, 100 * mass, range, 100 * MIN_MASS, di->params[1]);
            return MW_ERR_BAD_VALUE;
        }
    }
    return 0;
}

double
mw__var_base(const mw_variable_t *v)
{
    switch (v->dist) {
        case MW_DIST_LOGNORMAL:
        case MW_DIST_NORMAL:
            return v->center;
        case MW_DIST_UNIFORM:
            return v->is_int ? floor(0.5 * v->min + 0.5 * v->max)
                             : 0.5 * v->min + 0.5 * v->max;
        default:
            return v->values[0];
    }
}

/* Write @p x into the value of @p v in the scenario at @p sc. */
static void
store(char *sc, const mw_variable_t *v, double x)
{
    if (v->is_int) {
        int k = (int) x;
        memcpy(sc + v->offset, &k, sizeof(k));
    } else {
        memcpy(sc + v->offset, &x, sizeof(x));
    }
}

const mw_variable_t *
mw__var_at(const mw_scenario_t *sc, size_t offset)
{
    for (int i = 0; i < sc->n_variables && i < MW_MAX_VARIABLES; i++) {
        if (sc->variables[i].offset == offset) {
            return &sc->variables[i];
        }
    }
    return NULL;
}

int
mw__var_put(mw_scenario_t *sc, const mw_variable_t *v)
{
    int i = 0;

    /* The table is kept in the order of the values in mw_scenario_t, the order of
     * the draws: the order in which a file lists its keys, or whether it is the
     * JSON echo in run.json, cannot change a patient. */
    while (i < sc->n_variables && sc->variables[i].offset < v->offset) {
        i++;
    }
    if (i == sc->n_variables || sc->variables[i].offset != v->offset) {
        if (sc->n_variables == MW_MAX_VARIABLES) {
            return MW_ERR_TOO_MANY;
        }
        memmove(&sc->variables[i + 1], &sc->variables[i],
                (size_t) (sc->n_variables - i) * sizeof(mw_variable_t));
        sc->n_variables++;
    }
    memcpy(&sc->variables[i], v, sizeof(*v));
    store((char *) sc, v, mw__var_base(v));
    return 0;
}

void
mw__var_drop(mw_scenario_t *sc, size_t from, size_t to)
{
    int n = 0;

    for (int i = 0; i < sc->n_variables; i++) {
        size_t off = sc->variables[i].offset;
        if (off >= from && off < to) {
            continue;
        }
        if (n != i) {
            memcpy(&sc->variables[n], &sc->variables[i], sizeof(mw_variable_t));
        }
        n++;
    }
    /* Zero what was freed so that equal scenarios stay equal byte for byte. */
    memset(&sc->variables[n], 0, (size_t) (sc->n_variables - n) * sizeof(mw_variable_t));
    sc->n_variables = n;
}

void
mw__var_drop_at(mw_scenario_t *sc, const void *field, size_t size)
{
    const char *f = field, *base = (const char *) sc;

    if (sc->n_variables > 0 && f >= base && f < base + sizeof(*sc)) {
        size_t off = (size_t) (f - base);
        mw__var_drop(sc, off, off + size);
    }
}

/* ------------------------------------------------------------------------------
 * Drawing a patient
 * ---------------------------------------------------------------------------- */

/* One draw of @p v into *@p x.  0, or -1 when MAX_TRIES draws all fell outside. */
static int
draw(const mw_variable_t *v, mw_rng_t *r, double *x)
{
    switch (v->dist) {
        case MW_DIST_LOGNORMAL:
        case MW_DIST_NORMAL:
            for (int t = 0; t < MAX_TRIES; t++) {
                double z = mw_ran_gaussian(r, v->spread);
                double y =
                    v->dist == MW_DIST_LOGNORMAL ? v->center * exp(z) : v->center + z;
                if (isfinite(y) && y >= v->min && y <= v->max &&
                    !mw__out_of_range(y, v->range_open, v->lo, v->hi)) {
                    *x = y;
                    return 0;
                }
            }
            return -1;
        case MW_DIST_UNIFORM: {
            double u = mw_rng_uniform_pos(r);
            if (v->is_int) {
                double k = floor(u * (v->max - v->min + 1));
                *x = fmin(v->min + k, v->max);
            } else {
                /* u is in (0, 1); min and max themselves are allowed values. */
                *x = fmin(fmax(v->min + (v->max - v->min) * u, v->min), v->max);
            }
            return 0;
        }
        default: {
            double total = 0, target, cum = 0;
            int pick = -1;
            for (int i = 0; i < v->n_values; i++) {
                total += v->weights[i];
            }
            target = mw_rng_uniform_pos(r) * total;
            for (int i = 0; i < v->n_values; i++) {
                if (v->weights[i] > 0) {
                    pick = i;
                    cum += v->weights[i];
                    if (target < cum) {
                        break;
                    }
                }
            }
            if (pick < 0) {
                return -1;
            }
            *x = v->values[pick];
            return 0;
        }
    }
}

/* 1 when entry @p v can be drawn into a mw_scenario_t (a table filled by hand may
 * hold anything). */
static int
entry_ok(const mw_variable_t *v)
{
    size_t size = v->is_int ? sizeof(int) : sizeof(double);
    size_t table = offsetof(mw_scenario_t, n_variables);

    if ((size_t) v->offset + size > table || v->dist < 0 || v->dist >= MW_N_DISTS) {
        return 0;
    }
    if (v->dist == MW_DIST_CHOICE) {
        return v->n_values >= 1 && v->n_values <= MW_VAR_MAX_VALUES;
    }
    return 1;
}

int
mw_scenario_sample(const mw_scenario_t *base, uint64_t seed, uint32_t patient,
                   mw_scenario_t *out)
{
    double x[MW_MAX_VARIABLES];
    int n = base->n_variables;
    mw_rng_t r;

    if (n > MW_MAX_VARIABLES) {
        return MW_ERR_BAD_PARAM;
    }
    /* Every value is drawn before any is stored, so that a failure leaves @p out a
     * plain copy of @p base even when the two are one. */
    mw_rng_init(&r, seed, patient, MW_STREAM_PATIENT);
    for (int i = 0; i < n; i++) {
        if (!entry_ok(&base->variables[i]) || draw(&base->variables[i], &r, &x[i]) != 0) {
            if (out != base) {
                memcpy(out, base, sizeof(*out));
            }
            return MW_ERR_BAD_PARAM;
        }
    }
    if (out != base) {
        memcpy(out, base, sizeof(*out));
    }
    for (int i = 0; i < n; i++) {
        store((char *) out, &out->variables[i], x[i]);
    }
    if (n > 0) {
        memset(out->variables, 0, sizeof(out->variables));
        out->n_variables = 0;
    }
    return 0;
}

/* ------------------------------------------------------------------------------
 * Covariates
 * ---------------------------------------------------------------------------- */

_Static_assert(sizeof(mw_cov_effect_t) % sizeof(double) == 0 &&
                   offsetof(mw_cov_effect_t, value) == 128 + 4 * sizeof(int32_t) &&
                   offsetof(mw_covariate_t, prevalence) ==
                       MW_NAME_MAX + 2 * sizeof(int32_t) &&
                   offsetof(mw_covariate_t, dist) % sizeof(double) == 0 &&
                   sizeof(mw_covariate_t) ==
                       offsetof(mw_covariate_t, effects) +
                           MW_COV_MAX_EFFECTS * sizeof(mw_cov_effect_t),
               "covariates must have no padding (scenarios compare with memcmp)");
_Static_assert(sizeof(mw_arm_t) == MW_NAME_MAX + sizeof(double) &&
                   offsetof(mw_scenario_t, trial.enrolment_days) ==
                       offsetof(mw_scenario_t, trial) + 4 * sizeof(int) &&
                   offsetof(mw_scenario_t, covariates) ==
                       offsetof(mw_scenario_t, n_covariates) + 2 * sizeof(int),
               "the trial and the covariates must have no padding (memcmp)");

/* The key values the effects produce, before any is stored: at most one entry per
 * effect, so a key two covariates change holds its running value. */
typedef struct {
    int n;
    uint32_t offset[MW_MAX_COVARIATES * MW_COV_MAX_EFFECTS];
    int is_int[MW_MAX_COVARIATES * MW_COV_MAX_EFFECTS];
    double x[MW_MAX_COVARIATES * MW_COV_MAX_EFFECTS];
} cov_acc_t;

/* The running value of the key at @p e->offset: a value an earlier effect made, or
 * the scenario's. */
static double *
acc_slot(cov_acc_t *a, const mw_scenario_t *sc, const mw_cov_effect_t *e)
{
    const char *at = (const char *) sc + e->offset;
    int k = 0;

    while (k < a->n && a->offset[k] != e->offset) {
        k++;
    }
    if (k == a->n) {
        a->offset[k] = e->offset;
        a->is_int[k] = e->is_int != 0;
        if (e->is_int) {
            int y;
            memcpy(&y, at, sizeof(y));
            a->x[k] = y;
        } else {
            memcpy(&a->x[k], at, sizeof(double));
        }
        a->n++;
    }
    return &a->x[k];
}

/* 1 when effect @p e can be applied to a mw_scenario_t (a table filled by hand may
 * hold anything). */
static int
effect_ok(const mw_cov_effect_t *e)
{
    size_t size = e->is_int ? sizeof(int) : sizeof(double);

    return (size_t) e->offset + size <= offsetof(mw_scenario_t, n_variables) &&
           e->kind >= MW_EFFECT_SET && e->kind <= MW_EFFECT_ASSIGN;
}

/* Covariate @p c with value @p v on the running values in @p a.  0, or
 * MW_ERR_BAD_PARAM with the covariate, the key, the value and its range. */
static int
cov_apply(const mw_covariate_t *c, double v, cov_acc_t *a, const mw_scenario_t *sc,
          char *errbuf, size_t errlen)
{
    const double ref = c->binary ? 0 : c->reference;
    char r[80];

    /* An absent binary covariate changes nothing (multiply: factor^0). */
    if (c->binary && v == 0) {
        return 0;
    }
    for (int k = 0; k < c->n_effects; k++) {
        const mw_cov_effect_t *e = &c->effects[k];
        double *x, y;
        if (!effect_ok(e)) {
            snprintf(errbuf, errlen, "covariate '%.63s': effect %d is not a valid change",
                     c->name, k);
            return MW_ERR_BAD_PARAM;
        }
        x = acc_slot(a, sc, e);
        switch (e->kind) {
            case MW_EFFECT_SET:
                y = e->value;
                break;
            case MW_EFFECT_ASSIGN:
                y = v;
                break;
            case MW_EFFECT_MULTIPLY:
                y = *x * pow(e->value, v - ref);
                break;
            default:
                y = *x * pow(v / ref, e->value);
                break;
        }
        if (!isfinite(y) || mw__out_of_range(y, e->range_open, e->lo, e->hi) ||
            (e->is_int && y != floor(y))) {
            mw__fmt_range(r, sizeof(r), e->range_open, e->lo, e->hi, e->is_int);
            snprintf(errbuf, errlen,
                     "covariate '%.63s' = %g makes '%.127s' %g, outside %s (its %s)",
                     c->name, v, e->key, y, r, e->is_int ? "integer range" : "range");
            return MW_ERR_BAD_PARAM;
        }
        *x = y;
    }
    return 0;
}

int
mw_scenario_covariates(const mw_scenario_t *base, uint64_t seed, uint32_t patient,
                       mw_scenario_t *inout, double *values, char *errbuf, size_t errlen)
{
    const int n = base->n_covariates;
    double v[MW_MAX_COVARIATES];
    cov_acc_t acc;
    mw_rng_t r;

    if (n < 0 || n > MW_MAX_COVARIATES) {
        snprintf(errbuf, errlen, "%d covariates; at most %d", n, MW_MAX_COVARIATES);
        return MW_ERR_BAD_PARAM;
    }
    /* One draw per covariate in list order, all before any effect, so that a
     * covariate's value does not depend on what the others do. */
    mw_rng_init(&r, seed, patient, MW_STREAM_COVARIATE);
    for (int i = 0; i < n; i++) {
        const mw_covariate_t *c = &base->covariates[i];
        if (c->binary) {
            v[i] = mw_rng_uniform_pos(&r) < c->prevalence ? 1 : 0;
        } else if (!entry_ok(&c->dist) || draw(&c->dist, &r, &v[i]) != 0) {
            snprintf(errbuf, errlen,
                     "covariate '%.63s': its draws kept falling outside its range",
                     c->name);
            return MW_ERR_BAD_PARAM;
        }
    }
    if (values != NULL) {
        memcpy(values, v, (size_t) n * sizeof(double));
    }
    /* The effects run on a copy of the values they touch, stored only when all are
     * valid, so that a failure leaves @p inout as it was. */
    acc.n = 0;
    for (int i = 0; i < n; i++) {
        const mw_covariate_t *c = &base->covariates[i];
        if (c->n_effects < 0 || c->n_effects > MW_COV_MAX_EFFECTS) {
            snprintf(errbuf, errlen, "covariate '%.63s': %d effects; at most %d", c->name,
                     c->n_effects, MW_COV_MAX_EFFECTS);
            return MW_ERR_BAD_PARAM;
        }
        if (cov_apply(c, v[i], &acc, inout, errbuf, errlen) != 0) {
            return MW_ERR_BAD_PARAM;
        }
    }
    for (int k = 0; k < acc.n; k++) {
        char *at = (char *) inout + acc.offset[k];
        if (acc.is_int[k]) {
            int y = (int) acc.x[k];
            memcpy(at, &y, sizeof(y));
        } else {
            memcpy(at, &acc.x[k], sizeof(double));
        }
    }
    if (n > 0) {
        memset(inout->covariates, 0, sizeof(inout->covariates));
        inout->n_covariates = 0;
    }
    return 0;
}
