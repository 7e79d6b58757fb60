/*
 * Private: survival statistics for virtual trials, computed from arrays of observed
 * times and event flags (event 1, censored 0).  No dependency on the engine.
 *
 *   Kaplan-Meier curve, Greenwood variance, pointwise 95 % intervals (log-log or log)
 *   median / quantiles with the Brookmeyer-Crowley interval, as R's survfit reports
 *   landmark rates S(t0) and risk-table counts
 *   two-group log-rank test
 *   Cox model with one binary covariate (Breslow or Efron ties)
 *   Wilson score interval for a proportion
 *
 * Ties: an event and a censoring at the same time count the censored subject as at
 * risk for the event (events first), and every subject with T >= t is at risk at t.
 * Each estimator has two entry points: one takes a record per subject (need not be
 * sorted: it sorts a copy, counts per distinct time and calls the other), the other
 * takes those per-time counts directly (times ascending), so that a cohort of millions
 * binned on a time grid needs memory for the grid only.  Both give the same numbers bit
 * for bit.  Times must be finite; event flags and arms must be 0 or 1; counts >= 0.
 * Every interval is at 95 % with z = MW_STATS_Z95.  "Not reached" is INFINITY and
 * "not estimable" NAN throughout.  See stats.c for every formula and convention.
 */
#ifndef MW_COHORT_STATS_H
#define MW_COHORT_STATS_H

/* Standard normal 0.975 quantile (R's qnorm(0.975)), for every 95 % interval. */
#define MW_STATS_Z95 1.959963984540054

/* Pointwise confidence interval of S(t). */
typedef enum {
    /* lower, upper = exp(-exp(log(-log S) +/- z se_log / |log S|)): R's
     * conf.type = "log-log", Stata's default */
    MW_KM_CI_LOGLOG = 0,
    /* lower, upper = S exp(-/+ z se_log), upper capped at 1: R's default "log" */
    MW_KM_CI_LOG = 1
} mw_km_ci_t;

/* A Kaplan-Meier fit.  One row per distinct observed time, ascending; rows with
 * n_event 0 are times where only censorings happened (R's survfit keeps them too,
 * and its summary() hides them).  S and its interval are right-continuous steps:
 * they hold from time[j] up to time[j + 1]. */
typedef struct {
    int n;          /* subjects */
    int n_events;   /* events in all */
    int conf_type;  /* mw_km_ci_t */
    int m;          /* rows */
    double t_max;   /* largest observed time (event or censoring); NAN when n = 0 */
    double *time;   /* [m] distinct observed times */
    int *n_risk;    /* [m] subjects with T >= time[j] */
    int *n_event;   /* [m] events at time[j] */
    int *n_censor;  /* [m] censorings at time[j] */
    double *surv;   /* [m] S(time[j]) = prod over rows i <= j of (1 - d_i / n_i) */
    double *se;     /* [m] Greenwood standard error of S; 0 where S = 0 */
    double *se_log; /* [m] sqrt(sum d_i / (n_i (n_i - d_i))), the standard error of
                     * log S (R's survfit()$std.err); INFINITY once S = 0 */
    /* [m] pointwise 95 % interval (conf_type); [1, 1] while S = 1, NAN once S = 0
     * (neither transform is defined there) */
    double *lower, *upper;
} mw_km_t;

/* Fit a Kaplan-Meier curve to time[0..n-1], event[0..n-1] (n >= 0).  Returns 0, or
 * MW_ERR_BAD_PARAM (a time not finite, a flag not 0/1, n < 0, an unknown conf_type)
 * or MW_ERR_NO_MEMORY, with *km zeroed.  Free with mw__km_free. */
int mw__km_fit(mw_km_t *km, const double *time, const int *event, int n, int conf_type);
/* Kaplan-Meier from per-time counts: time[0..m-1] strictly ascending and finite,
 * n_event[j] >= 0 events and n_censor[j] >= 0 censorings at time[j] (m >= 0; rows where
 * both are 0 are allowed and skipped; at most INT_MAX subjects in all).  The fit is the
 * one mw__km_fit gives on the records these counts summarise (same rows, same numbers
 * bit for bit).  Returns 0, MW_ERR_BAD_PARAM or MW_ERR_NO_MEMORY, as mw__km_fit. */
int mw__km_fit_counts(mw_km_t *km, const double *time, const int *n_event,
                      const int *n_censor, int m, int conf_type);
/* Release a fit (a zeroed or freed one is fine) and zero it. */
void mw__km_free(mw_km_t *km);

/* The curve at one time (landmark rate) and the risk-table counts there. */
typedef struct {
    double t;
    double surv;  /* S(t); 1 before the first row; NAN after t_max unless S hit 0 */
    double se;    /* Greenwood standard error of surv */
    double lower; /* pointwise 95 % interval of the fit's conf_type */
    double upper;
    int n_risk;   /* subjects with T >= t (still followed just before t) */
    int n_event;  /* events at times <= t (cumulative) */
    int n_censor; /* censorings at times <= t (cumulative) */
} mw_km_point_t;

/* Evaluate the fit at t; never fails.  Beyond follow-up (t > t_max) the curve is
 * unknown unless it already reached 0, so surv, se and the interval are NAN there. */
void mw__km_at(const mw_km_t *km, double t, mw_km_point_t *out);

/* A survival time quantile with its Brookmeyer-Crowley 95 % interval. */
typedef struct {
    double est;   /* first time S <= level (R's midpoint rule on a flat exactly at it) */
    double lower; /* the same rule applied to the lower pointwise curve */
    double upper; /* ... and to the upper pointwise curve; each INFINITY if not reached */
} mw_km_quantile_t;

/* Time at which the curve falls to the survival @p level (0 < level < 1; 0.5 is the
 * median), with the interval {t : lower(t) <= level <= upper(t)} of the fit's
 * pointwise intervals.  Returns 0 or MW_ERR_BAD_PARAM (level outside (0, 1)). */
int mw__km_quantile(const mw_km_t *km, double level, mw_km_quantile_t *out);
/* mw__km_quantile at 0.5. */
void mw__km_median(const mw_km_t *km, mw_km_quantile_t *out);

/* Two-group log-rank (Mantel-Haenszel) test. */
typedef struct {
    int n[2];           /* subjects per arm */
    double observed[2]; /* events per arm */
    double expected[2]; /* sum over event times of d n_arm / n */
    double var;         /* hypergeometric variance of observed[1] - expected[1] */
    double chisq;       /* (O1 - E1)^2 / var, 1 df; NAN when var = 0 */
    double p;           /* upper tail of chi-square(1); NAN when var = 0 */
} mw_logrank_t;

/* Per-time counts of two groups (arm or covariate level 0 and 1) at distinct ascending
 * times, for mw__logrank_counts and mw__cox_binary_counts.  Rows where every count is
 * 0 are allowed and skipped; at most INT_MAX subjects in all. */
typedef struct {
    int m;
    const double *time;   /* [m] strictly ascending, finite */
    const int *event[2];  /* [2][m] events of group g at time[j], >= 0 */
    const int *censor[2]; /* [2][m] censorings of group g at time[j], >= 0 */
} mw_counts2_t;

/* arm[i] is 0 or 1.  Returns 0, MW_ERR_BAD_PARAM or MW_ERR_NO_MEMORY. */
int mw__logrank(const double *time, const int *event, const int *arm, int n,
                mw_logrank_t *out);
/* The same test from per-time counts (group g is arm g); allocates nothing.  Returns
 * 0 or MW_ERR_BAD_PARAM (times not finite or not strictly ascending, a negative count,
 * m < 0, more than INT_MAX subjects) with chisq and p NAN. */
int mw__logrank_counts(const mw_counts2_t *c, mw_logrank_t *out);

/* Tie handling in the Cox partial likelihood. */
typedef enum {
    MW_COX_BRESLOW = 0, /* Stata's and SAS's default */
    MW_COX_EFRON = 1    /* R's coxph default */
} mw_cox_ties_t;

/* What the Cox fit found. */
typedef enum {
    MW_COX_OK = 0,
    MW_COX_NO_EVENTS,    /* no events: nothing estimable */
    MW_COX_NO_CONTRAST,  /* no event time has both arms at risk: flat likelihood */
    MW_COX_INFINITE,     /* the likelihood rises to coef = +inf (hr inf) or -inf (hr 0):
                          * e.g. no events in one arm */
    MW_COX_NOT_CONVERGED /* Newton-Raphson hit its iteration limit (est. so far) */
} mw_cox_status_t;

/* Cox proportional hazards with one covariate, arm (0 reference, 1 compared). */
typedef struct {
    int status; /* mw_cox_status_t */
    int ties;   /* mw_cox_ties_t */
    int n[2], events[2];
    int iterations;
    double coef; /* log hazard ratio arm 1 : arm 0; +-INFINITY, NAN */
    double se;   /* 1 / sqrt(information at coef); INFINITY when coef is */
    double hr;   /* exp(coef) */
    /* Wald 95 % interval exp(coef -/+ z se); NAN, inf when coef = +inf and 0, NAN when
     * coef = -inf (only the end the data pin down) */
    double hr_lower, hr_upper;
    double wald_p;      /* two-sided, from (coef / se)^2 ~ chi-square(1); NAN if inf */
    double score_chisq; /* U(0)^2 / I(0): the score test at coef = 0 */
    double score_p;
    double loglik0;  /* partial log-likelihood at coef = 0 ... */
    double loglik;   /* ... and at the estimate (its limit when coef is infinite) */
    double lr_chisq; /* 2 (loglik - loglik0) */
    double lr_p;
} mw_cox_t;

/* Fit by Newton-Raphson from coef = 0 with step halving.  Returns 0 (see out->status
 * for the degenerate cases, which fill what is defined and NAN the rest),
 * MW_ERR_BAD_PARAM or MW_ERR_NO_MEMORY. */
int mw__cox_binary(const double *time, const int *event, const int *arm, int n, int ties,
                   mw_cox_t *out);
/* The same fit from per-time counts (group g is arm g; memory for the event times
 * only).  Returns 0, MW_ERR_BAD_PARAM (bad ties or counts, as mw__logrank_counts) with
 * the estimates NAN, or MW_ERR_NO_MEMORY. */
int mw__cox_binary_counts(const mw_counts2_t *c, int ties, mw_cox_t *out);

/* Wilson score interval for k successes in n trials at normal quantile z (use
 * MW_STATS_Z95).  k = 0 gives lower exactly 0 and k = n upper exactly 1.  n = 0 gives
 * [0, 1] (no information).  Returns 0, or MW_ERR_BAD_PARAM (k outside [0, n], n < 0,
 * z not > 0) with NAN bounds. */
int mw__wilson(int k, int n, double z, double *lower, double *upper);

#endif
