/*
 * Survival statistics for virtual trials (see stats.h for the interface).
 *
 * Notation: at each distinct observed time t_j, n_j subjects have T >= t_j (the risk
 * set), d_j of them have an event at t_j and c_j are censored at t_j.  A censoring
 * tied with events stays in the risk set for them (events first: the usual
 * convention, R's survival and Stata's st both use it), and leaves afterwards.
 *
 * Every estimator works on per-time counts (t_j ascending with the events and
 * censorings of each group there): the _counts entry points take them as given, and
 * the record entry points sort a copy of their records, count per distinct time and
 * call them, so each formula below is written once and both paths give the same bits.
 * A time with no events and no censorings changes nothing and is skipped.
 *
 * Kaplan-Meier (Kaplan & Meier 1958):  S(t) = prod_{t_j <= t} (1 - d_j / n_j).
 * Greenwood (1926):  Var S = S^2 G,  G = sum_{t_j <= t} d_j / (n_j (n_j - d_j));
 * se_log = sqrt(G) is the standard error of log S.  Pointwise 95 % intervals
 * (Kalbfleisch & Prentice 1980; Collett 2015 section 2.2.3), with z = 1.959964:
 *   log-log:  exp(-exp(log(-log S) +/- z sqrt(G) / |log S|)), i.e. S^exp(+/- w) with
 *             w = z sqrt(G) / |log S| (lower with +, upper with -): R's
 *             conf.type = "log-log", Stata's sts;
 *   log:      S exp(-/+ z sqrt(G)), upper capped at 1: R's survfit default.
 * While S = 1 the interval is [1, 1] (R reports NA there for log-log: the transform is
 * undefined, but nothing has happened and every plot starts the band at 1).  Once
 * S = 0 (everyone left at risk had the event, n_j = d_j) G is infinite, neither
 * transform is defined and the interval is NAN, as in R; the Greenwood se of S is
 * reported as 0 there, the limit of S^2 G as n_j - d_j -> 0.
 *
 * Quantiles (median at level 0.5), as R's quantile.survfit: the estimate is the first
 * time the curve is <= level; if the curve sits exactly on level (within
 * sqrt(DBL_EPSILON)) from t_j until it drops below at t_k, the midpoint (t_j + t_k)/2
 * is taken, or (t_j + t_max)/2 when it stays there to the end of follow-up (so a
 * sample of 4 uncensored times has the usual median, the mean of the middle two).
 * The Brookmeyer-Crowley (1982) interval is {t : lower(t) <= level <= upper(t)} for
 * the pointwise intervals, found with the same rule on the two curves: its lower end
 * is where the LOWER pointwise curve first falls to level and its upper end where the
 * UPPER curve does (a curve of intervals that never falls that far gives INFINITY,
 * "not reached"; rows where the interval is NAN are skipped, as R's approx does).
 * For the 6-MP arm of Freireich's trial this gives 23 (13, inf) with log-log
 * intervals and 23 (16, inf) with log intervals, R's printed default.
 *
 * Log-rank (Mantel 1966; Peto & Peto 1972), over event times:
 *   E_1 = sum d_j n1_j / n_j,
 *   V   = sum d_j (n1_j / n_j) (1 - n1_j / n_j) (n_j - d_j) / (n_j - 1)
 * (the hypergeometric variance, as R's survdiff); chi-square = (O_1 - E_1)^2 / V, 1 df.
 *
 * Cox (1972) with one binary covariate x (the arm), coefficient b, hazard ratio e^b of
 * arm 1 to arm 0.  With n0, n1 at risk and d0, d1 events at an event time, and
 * d = d0 + d1, every term of the log partial likelihood has the form
 *   b d1 - sum_k log(a0_k + a1_k e^b)
 *   Breslow (1974): d equal terms, a0 = n0, a1 = n1;
 *   Efron (1977):   k = 0..d-1, a0_k = n0 - (k/d) d0, a1_k = n1 - (k/d) d1,
 * so the score is U = sum (d1 - sum_k p_k) and the information I = sum_k p_k (1 - p_k)
 * with p_k = a1_k e^b / (a0_k + a1_k e^b).  Newton-Raphson from b = 0, halving a step
 * that lowers the likelihood, until a step is below 1e-10 (1 + |b|).  se = I(b)^-1/2;
 * Wald interval exp(b -/+ z se), Wald test (b / se)^2, score test U(0)^2 / I(0) (with
 * Breslow ties and none tied this is the log-rank statistic; with ties the log-rank
 * variance is smaller by (n - d)/(n - 1) per time), likelihood-ratio test
 * 2 (l(b) - l(0)); each on 1 df.
 * The likelihood is concave in b, so the estimate is infinite exactly when U keeps
 * its sign as b -> +-inf: b = +inf when every event time with arm 1 at risk has only
 * arm-1 events (in particular when arm 0 has no events), b = -inf in the mirror case.
 * Then hr is inf (or 0), the Wald quantities are undefined (NAN, the finite end of
 * the interval is the only one reported), and the score and likelihood-ratio tests
 * (using the finite limit of l) remain valid.
 *
 * Wilson (1927) score interval for k of n at z:
 *   (p + z^2/2n -/+ z sqrt(p (1 - p)/n + z^2/4n^2)) / (1 + z^2/n),  p = k/n.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cohort/stats.h"
#include "core/core.h"

/* One observation of a sorted copy. */
typedef struct {
    double t;
    int event;
    int arm;
} obs_t;

/* Ascending time; at equal times events first (the tie convention; the counting
 * below groups a whole time anyway, so this only makes the order total), then arm. */
static int
obs_cmp(const void *pa, const void *pb)
{
    const obs_t *a = pa, *b = pb;
    if (a->t != b->t) {
        return a->t < b->t ? -1 : 1;
    }
    if (a->event != b->event) {
        return a->event > b->event ? -1 : 1;
    }
    return (a->arm > b->arm) - (a->arm < b->arm);
}

/* Validate and copy into obs[0..n-1] (arm may be NULL: all 0), sorted. */
static int
fill_sorted(obs_t *obs, const double *time, const int *event, const int *arm, int n)
{
    for (int i = 0; i < n; i++) {
        if (!isfinite(time[i]) || (event[i] != 0 && event[i] != 1) ||
            (arm != NULL && arm[i] != 0 && arm[i] != 1)) {
            return mw__trace_error(MW_ERR_BAD_PARAM);
        }
        obs[i].t = time[i];
        obs[i].event = event[i];
        obs[i].arm = arm != NULL ? arm[i] : 0;
    }
    if (n > 1) {
        qsort(obs, (size_t) n, sizeof(*obs), obs_cmp);
    }
    return 0;
}

/* Records summarised as per-time counts; block holds the columns (NULL when n = 0). */
typedef struct {
    mw_counts2_t c;
    void *block;
} counted_t;

/* Sort a copy of the records (arm may be NULL: all in group 0) and count the events
 * and censorings of each group at every distinct time.  One allocation of n sorted
 * records followed by n rows of counts (at most n distinct times). */
static int
count_records(const double *time, const int *event, const int *arm, int n,
              counted_t *out)
{
    memset(out, 0, sizeof(*out));
    if (n < 0 || (n > 0 && (time == NULL || event == NULL))) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    if (n == 0) {
        return 0;
    }
    size_t un = (size_t) n;
    obs_t *obs = malloc(un * (sizeof(obs_t) + sizeof(double) + 4 * sizeof(int)));
    if (obs == NULL) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    int ret = fill_sorted(obs, time, event, arm, n);
    if (ret != 0) {
        free(obs);
        return ret;
    }
    /* obs_t holds a double, so the columns that follow it are aligned. */
    double *t = (double *) (void *) (obs + n);
    int *ev[2] = {(int *) (void *) (t + n), NULL}, *ce[2];
    ev[1] = ev[0] + n;
    ce[0] = ev[1] + n;
    ce[1] = ce[0] + n;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 || obs[i].t != obs[i - 1].t) {
            t[m] = obs[i].t;
            ev[0][m] = ev[1][m] = ce[0][m] = ce[1][m] = 0;
            m++;
        }
        (obs[i].event ? ev : ce)[obs[i].arm][m - 1]++;
    }
    out->block = obs;
    out->c.m = m;
    out->c.time = t;
    for (int g = 0; g < 2; g++) {
        out->c.event[g] = ev[g];
        out->c.censor[g] = ce[g];
    }
    return 0;
}

/* Check per-time counts of groups 0..groups-1: m >= 0, the columns present when
 * m > 0, times finite and strictly ascending, counts >= 0, and at most INT_MAX
 * subjects in all (risk sets are ints).  Sets total[g], the subjects of group g. */
static int
check_counts(int m, const double *time, const int *const *ev, const int *const *ce,
             int groups, int total[2])
{
    total[0] = total[1] = 0;
    if (m < 0 || (m > 0 && time == NULL)) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    long long sum[2] = {0, 0};
    for (int g = 0; g < groups; g++) {
        if (m > 0 && (ev[g] == NULL || ce[g] == NULL)) {
            return mw__trace_error(MW_ERR_BAD_PARAM);
        }
    }
    for (int j = 0; j < m; j++) {
        if (!isfinite(time[j]) || (j > 0 && !(time[j] > time[j - 1]))) {
            return mw__trace_error(MW_ERR_BAD_PARAM);
        }
        for (int g = 0; g < groups; g++) {
            if (ev[g][j] < 0 || ce[g][j] < 0) {
                return mw__trace_error(MW_ERR_BAD_PARAM);
            }
            sum[g] += (long long) ev[g][j] + ce[g][j];
        }
        if (sum[0] + sum[1] > INT_MAX) {
            return mw__trace_error(MW_ERR_BAD_PARAM);
        }
    }
    total[0] = (int) sum[0];
    total[1] = (int) sum[1];
    return 0;
}

/* ------------------------------------------------------------------------------ */
/* Kaplan-Meier                                                                     */

/* Pointwise interval of S with standard error sqrt(g) of log S. */
static void
km_interval(int conf_type, double s, double g, double *lo, double *hi)
{
    if (s >= 1.0) {
        *lo = *hi = 1.0;
        return;
    }
    if (s <= 0.0 || !isfinite(g)) {
        *lo = *hi = NAN;
        return;
    }
    double sl = sqrt(g), l = log(s);
    if (conf_type == MW_KM_CI_LOG) {
        *lo = s * exp(-MW_STATS_Z95 * sl);
        *hi = fmin(1.0, s * exp(MW_STATS_Z95 * sl));
    } else {
        /* S^exp(+-w) with w = z sqrt(G) / |log S|: the log(-log) interval mapped back. */
        double w = exp(MW_STATS_Z95 * sl / -l);
        *lo = exp(l * w);
        *hi = exp(l / w);
    }
}

void
mw__km_free(mw_km_t *km)
{
    if (km != NULL) {
        free(km->time); /* one block holds every array */
        memset(km, 0, sizeof(*km));
    }
}

int
mw__km_fit_counts(mw_km_t *km, const double *time, const int *n_event,
                  const int *n_censor, int m, int conf_type)
{
    memset(km, 0, sizeof(*km));
    if (conf_type != MW_KM_CI_LOGLOG && conf_type != MW_KM_CI_LOG) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    const int *ev[1] = {n_event}, *ce[1] = {n_censor};
    int total[2];
    int ret = check_counts(m, time, ev, ce, 1, total);
    if (ret != 0) {
        return ret;
    }
    int rows = 0;
    km->t_max = NAN;
    for (int j = 0; j < m; j++) {
        if (n_event[j] + n_censor[j] > 0) {
            rows++;
            km->t_max = time[j];
        }
    }
    km->n = total[0];
    km->conf_type = conf_type;
    if (rows > 0) {
        /* One block: six double arrays then three int arrays. */
        size_t nd = 6 * (size_t) rows, ni = 3 * (size_t) rows;
        double *d = malloc(nd * sizeof(double) + ni * sizeof(int));
        if (d == NULL) {
            memset(km, 0, sizeof(*km));
            return mw__trace_error(MW_ERR_NO_MEMORY);
        }
        int *ip = (int *) (d + nd);
        km->time = d;
        km->surv = d + rows;
        km->se = d + 2 * rows;
        km->se_log = d + 3 * rows;
        km->lower = d + 4 * rows;
        km->upper = d + 5 * rows;
        km->n_risk = ip;
        km->n_event = ip + rows;
        km->n_censor = ip + 2 * rows;
    }
    km->m = rows;
    double s = 1.0, g = 0.0;
    int at_risk = total[0], k = 0;
    for (int j = 0; j < m; j++) {
        int dj = n_event[j], cj = n_censor[j];
        if (dj + cj == 0) {
            continue;
        }
        if (dj > 0) {
            /* (n - d) / n rather than 1 - d / n: exact for the hand-worked fractions. */
            s *= (double) (at_risk - dj) / at_risk;
            g = dj < at_risk ? g + (double) dj / ((double) at_risk * (at_risk - dj))
                             : INFINITY;
        }
        km->time[k] = time[j];
        km->n_risk[k] = at_risk;
        km->n_event[k] = dj;
        km->n_censor[k] = cj;
        km->surv[k] = s;
        km->se_log[k] = sqrt(g);
        km->se[k] = s > 0 ? s * sqrt(g) : 0.0;
        km_interval(conf_type, s, g, &km->lower[k], &km->upper[k]);
        km->n_events += dj;
        at_risk -= dj + cj;
        k++;
    }
    return 0;
}

int
mw__km_fit(mw_km_t *km, const double *time, const int *event, int n, int conf_type)
{
    memset(km, 0, sizeof(*km));
    counted_t r;
    int ret = count_records(time, event, NULL, n, &r);
    if (ret == 0) {
        ret = mw__km_fit_counts(km, r.c.time, r.c.event[0], r.c.censor[0], r.c.m,
                                conf_type);
    }
    free(r.block);
    return ret;
}

void
mw__km_at(const mw_km_t *km, double t, mw_km_point_t *out)
{
    memset(out, 0, sizeof(*out));
    out->t = t;
    int last = -1; /* last row with time <= t */
    for (int j = 0; j < km->m && km->time[j] <= t; j++) {
        last = j;
        out->n_event += km->n_event[j];
        out->n_censor += km->n_censor[j];
    }
    /* At risk: T >= t, the risk set of the first row at or after t (a row exactly at
     * t is still at risk there). */
    int first = last >= 0 && km->time[last] == t ? last : last + 1;
    out->n_risk = first < km->m ? km->n_risk[first] : 0;
    if (km->n == 0 || (t > km->t_max && !(km->surv[km->m - 1] <= 0.0))) {
        out->surv = out->se = out->lower = out->upper = NAN;
    } else if (last < 0) {
        out->surv = out->lower = out->upper = 1.0;
        out->se = 0.0;
    } else {
        out->surv = km->surv[last];
        out->se = km->se[last];
        out->lower = km->lower[last];
        out->upper = km->upper[last];
    }
}

/* Time where the step curve c (values at time[0..m-1], 1 before) first falls to
 * level, with R's midpoint rule for a flat exactly at level (see the top); NAN
 * values are skipped; INFINITY when it never falls that far. */
static double
curve_quantile(const double *time, const double *c, int m, double t_max, double level)
{
    const double tol = sqrt(DBL_EPSILON); /* R's quantile.survfit tolerance */
    int j = 0;
    while (j < m && !(c[j] <= level + tol)) { /* NAN compares false: skipped */
        j++;
    }
    if (j == m) {
        return INFINITY;
    }
    if (!(c[j] > level - tol)) {
        return time[j];
    }
    /* On a flat at level: to the first time strictly below it, or to the end. */
    int last = j;
    for (int k = j + 1; k < m; k++) {
        if (isnan(c[k])) {
            continue;
        }
        if (c[k] <= level - tol) {
            return 0.5 * (time[j] + time[k]);
        }
        last = k;
    }
    return fabs(c[last] - level) < tol ? 0.5 * (time[j] + t_max) : INFINITY;
}

int
mw__km_quantile(const mw_km_t *km, double level, mw_km_quantile_t *out)
{
    if (!(level > 0.0 && level < 1.0)) {
        out->est = out->lower = out->upper = NAN;
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    out->est = curve_quantile(km->time, km->surv, km->m, km->t_max, level);
    out->lower = curve_quantile(km->time, km->lower, km->m, km->t_max, level);
    out->upper = curve_quantile(km->time, km->upper, km->m, km->t_max, level);
    return 0;
}

void
mw__km_median(const mw_km_t *km, mw_km_quantile_t *out)
{
    (void) mw__km_quantile(km, 0.5, out);
}

/* ------------------------------------------------------------------------------ */
/* Log-rank                                                                         */

int
mw__logrank_counts(const mw_counts2_t *c, mw_logrank_t *out)
{
    memset(out, 0, sizeof(*out));
    out->chisq = out->p = NAN;
    if (c == NULL) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    int ret = check_counts(c->m, c->time, c->event, c->censor, 2, out->n);
    if (ret != 0) {
        return ret;
    }
    int at_risk = out->n[0] + out->n[1], at_risk1 = out->n[1];
    double e1 = 0.0, v = 0.0;
    for (int j = 0; j < c->m; j++) {
        int d0 = c->event[0][j], d1 = c->event[1][j], d = d0 + d1;
        out->observed[0] += d0;
        out->observed[1] += d1;
        if (d > 0) {
            double p1 = (double) at_risk1 / at_risk;
            e1 += d * p1;
            if (at_risk > 1) {
                v += d * p1 * (1.0 - p1) * (at_risk - d) / (at_risk - 1.0);
            }
        }
        at_risk -= d + c->censor[0][j] + c->censor[1][j];
        at_risk1 -= d1 + c->censor[1][j];
    }
    double total = out->observed[0] + out->observed[1];
    out->expected[1] = e1;
    out->expected[0] = total - e1;
    out->var = v;
    if (v > 0) {
        double diff = out->observed[1] - e1;
        out->chisq = diff * diff / v;
        out->p = gsl_cdf_chisq_Q(out->chisq, 1.0);
    }
    return 0;
}

int
mw__logrank(const double *time, const int *event, const int *arm, int n,
            mw_logrank_t *out)
{
    memset(out, 0, sizeof(*out));
    out->chisq = out->p = NAN;
    if (n > 0 && arm == NULL) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    counted_t r;
    int ret = count_records(time, event, arm, n, &r);
    if (ret == 0) {
        ret = mw__logrank_counts(&r.c, out);
    }
    free(r.block);
    return ret;
}

/* ------------------------------------------------------------------------------ */
/* Cox, one binary covariate                                                        */

/* Risk set and events of both arms at one event time. */
typedef struct {
    int n0, n1, d0, d1;
} cox_row_t;

/* Accumulate -log(a0 + a1 e^b) into *l, -p into *u and p (1 - p) into *info, each
 * times w, stably for any b (a0, a1 >= 0, not both 0). */
static void
cox_term(double a0, double a1, double b, double w, double *l, double *u, double *info)
{
    double lg, p;
    if (a1 <= 0) {
        lg = log(a0);
        p = 0.0;
    } else if (a0 <= 0) {
        lg = log(a1) + b;
        p = 1.0;
    } else {
        double x = b + log(a1) - log(a0); /* log of the arm-1 : arm-0 weight ratio */
        lg = log(a0) + (x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)));
        p = 1.0 / (1.0 + exp(-x));
    }
    *l -= w * lg;
    *u -= w * p;
    *info += w * p * (1.0 - p);
}

/* Log partial likelihood, score and information at b. */
static void
cox_eval(const cox_row_t *r, int nr, int ties, double b, double *l, double *u,
         double *info)
{
    *l = *u = *info = 0.0;
    for (int j = 0; j < nr; j++) {
        int d = r[j].d0 + r[j].d1;
        *l += b * r[j].d1;
        *u += r[j].d1;
        if (ties == MW_COX_BRESLOW) {
            cox_term(r[j].n0, r[j].n1, b, d, l, u, info);
        } else {
            for (int k = 0; k < d; k++) {
                double f = (double) k / d;
                cox_term(r[j].n0 - f * r[j].d0, r[j].n1 - f * r[j].d1, b, 1.0, l, u,
                         info);
            }
        }
    }
}

/* Limit of the log partial likelihood as b -> sign * inf, when it is finite (the
 * b terms cancel: see the top); a term's limit is -log a1 (b -> +inf, a1 > 0), -log a0
 * (b -> -inf, a0 > 0), else the log of the other coefficient. */
static double
cox_loglik_limit(const cox_row_t *r, int nr, int ties, int sign)
{
    double l = 0.0;
    for (int j = 0; j < nr; j++) {
        int d = r[j].d0 + r[j].d1;
        int kmax = ties == MW_COX_BRESLOW ? 1 : d;
        double w = ties == MW_COX_BRESLOW ? d : 1.0;
        for (int k = 0; k < kmax; k++) {
            double f = ties == MW_COX_BRESLOW ? 0.0 : (double) k / d;
            double a0 = r[j].n0 - f * r[j].d0, a1 = r[j].n1 - f * r[j].d1;
            double keep = sign > 0 ? a1 : a0, other = sign > 0 ? a0 : a1;
            l -= w * log(keep > 0 ? keep : other);
        }
    }
    return l;
}

/* Nothing estimated yet: counts 0, estimates NAN. */
static void
cox_reset(mw_cox_t *out, int ties)
{
    memset(out, 0, sizeof(*out));
    out->ties = ties;
    out->coef = out->se = out->hr = out->hr_lower = out->hr_upper = NAN;
    out->wald_p = out->score_chisq = out->score_p = NAN;
    out->loglik0 = out->loglik = out->lr_chisq = out->lr_p = NAN;
}

/* Fit from the event-time rows[0..nr-1] (nr >= 1) into out (reset, counts set). */
static void
cox_fit_rows(const cox_row_t *rows, int nr, int ties, mw_cox_t *out)
{
    /* Which way the likelihood goes (see the top). */
    int contrast = 0, up = 1, down = 1;
    for (int j = 0; j < nr; j++) {
        contrast |= rows[j].n0 > 0 && rows[j].n1 > 0;
        up &= rows[j].n1 == 0 || rows[j].d0 == 0;
        down &= rows[j].n0 == 0 || rows[j].d1 == 0;
    }
    double l, u, info;
    cox_eval(rows, nr, ties, 0.0, &l, &u, &info);
    out->loglik0 = out->loglik = l;
    if (!contrast) {
        out->status = MW_COX_NO_CONTRAST;
        return;
    }
    out->score_chisq = u * u / info;
    out->score_p = gsl_cdf_chisq_Q(out->score_chisq, 1.0);
    if (up || down) {
        out->status = MW_COX_INFINITE;
        out->coef = up ? INFINITY : -INFINITY;
        out->se = INFINITY;
        out->hr = up ? INFINITY : 0.0;
        out->hr_lower = up ? NAN : 0.0;
        out->hr_upper = up ? INFINITY : NAN;
        out->loglik = cox_loglik_limit(rows, nr, ties, up ? 1 : -1);
    } else {
        const int max_iter = 100;
        double b = 0.0;
        out->status = MW_COX_NOT_CONVERGED;
        for (int it = 1; it <= max_iter && info > 0; it++) {
            double step = u / info, nb = b + step, nl, nu, ni;
            cox_eval(rows, nr, ties, nb, &nl, &nu, &ni);
            /* Concave, so a Newton step only overshoots: halve until l does not drop
             * (beyond rounding). */
            for (int h = 0; h < 60 && !(nl >= l - 1e-12 * fabs(l)); h++) {
                step *= 0.5;
                nb = b + step;
                cox_eval(rows, nr, ties, nb, &nl, &nu, &ni);
            }
            b = nb;
            l = nl;
            u = nu;
            info = ni;
            out->iterations = it;
            if (fabs(step) <= 1e-10 * (1.0 + fabs(b))) {
                out->status = MW_COX_OK;
                break;
            }
        }
        out->coef = b;
        out->loglik = l;
        out->hr = exp(b);
        if (info > 0) {
            out->se = 1.0 / sqrt(info);
            out->hr_lower = exp(b - MW_STATS_Z95 * out->se);
            out->hr_upper = exp(b + MW_STATS_Z95 * out->se);
            out->wald_p = gsl_cdf_chisq_Q((b / out->se) * (b / out->se), 1.0);
        }
    }
    out->lr_chisq = fmax(0.0, 2.0 * (out->loglik - out->loglik0));
    out->lr_p = gsl_cdf_chisq_Q(out->lr_chisq, 1.0);
}


int
mw__cox_binary_counts(const mw_counts2_t *c, int ties, mw_cox_t *out)
{
    cox_reset(out, ties);
    if ((ties != MW_COX_BRESLOW && ties != MW_COX_EFRON) || c == NULL) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    int ret = check_counts(c->m, c->time, c->event, c->censor, 2, out->n);
    if (ret != 0) {
        return ret;
    }
    int nr = 0;
    for (int j = 0; j < c->m; j++) {
        out->events[0] += c->event[0][j];
        out->events[1] += c->event[1][j];
        nr += c->event[0][j] + c->event[1][j] > 0;
    }
    if (nr == 0) {
        /* Nothing estimable; the likelihood is an empty sum. */
        out->status = MW_COX_NO_EVENTS;
        out->loglik0 = out->loglik = 0.0;
        return 0;
    }
    cox_row_t *rows = malloc((size_t) nr * sizeof(*rows));
    if (rows == NULL) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    int at0 = out->n[0], at1 = out->n[1], k = 0;
    for (int j = 0; j < c->m; j++) {
        int d0 = c->event[0][j], d1 = c->event[1][j];
        if (d0 + d1 > 0) {
            rows[k++] = (cox_row_t) {at0, at1, d0, d1};
        }
        at0 -= d0 + c->censor[0][j];
        at1 -= d1 + c->censor[1][j];
    }
    cox_fit_rows(rows, nr, ties, out);
    free(rows);
    return 0;
}

int
mw__cox_binary(const double *time, const int *event, const int *arm, int n, int ties,
               mw_cox_t *out)
{
    cox_reset(out, ties);
    if (n > 0 && arm == NULL) {
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    counted_t r;
    int ret = count_records(time, event, arm, n, &r);
    if (ret == 0) {
        ret = mw__cox_binary_counts(&r.c, ties, out);
    }
    free(r.block);
    return ret;
}

/* ------------------------------------------------------------------------------ */
/* Wilson                                                                           */

int
mw__wilson(int k, int n, double z, double *lower, double *upper)
{
    if (n < 0 || k < 0 || k > n || !(z > 0)) {
        *lower = *upper = NAN;
        return mw__trace_error(MW_ERR_BAD_PARAM);
    }
    if (n == 0) {
        *lower = 0.0;
        *upper = 1.0;
        return 0;
    }
    double p = (double) k / n, z2 = z * z, nn = n;
    double den = 1.0 + z2 / nn;
    double mid = (p + z2 / (2.0 * nn)) / den;
    double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / den;
    /* The formula gives 0 at k = 0 and 1 at k = n only up to rounding. */
    *lower = k == 0 ? 0.0 : mid - half;
    *upper = k == n ? 1.0 : mid + half;
    return 0;
}
