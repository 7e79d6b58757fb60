/*
 * The trial report: report.json and report.html for a `marrow cohort` directory
 * (issue #7, item 3).
 *
 * The inputs are the cohort's own files: run.json (provenance and the trial's arms),
 * summary.json (rates with Wilson intervals, medians with Brookmeyer-Crowley
 * intervals, landmarks, hazard ratios), km.csv (the Kaplan-Meier rows of each arm),
 * patients.csv (one row per patient and arm) and, when present, trajectories.csv
 * (the spider plot).  patients.csv is streamed once and only aggregates are kept
 * (relapse phenotypes, a histogram of CAR-T Cmax) with the first LANES patients, so
 * a 1e6-patient cohort (115 MB) gives a report of the same size as a 200-patient
 * one: Kaplan-Meier curves are thinned to about KM_POINTS points, censoring ticks to
 * one per 1/CENSOR_BINS of the horizon, and the swimmer and spider plots show at
 * most LANES patients.  Every number is computed here; page.js only draws it, and
 * user text (scenario and arm names) reaches the page only as JSON strings.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/trial.h"
#include "core/core.h"
#include "io/out.h"
#include "report/report.h"

#define MONTH MW__DAYS_PER_MONTH
/* Kaplan-Meier curves: a row of km.csv is drawn when the survival moved by at least
 * KM_MIN_DROP or the time by horizon / KM_POINTS since the last drawn row (every row
 * when an arm has at most KM_POINTS); the drawn curve is exact at every drawn time. */
#define KM_POINTS   1500
#define KM_MIN_DROP 0.001
/* At most one censoring tick per 1/CENSOR_BINS of the horizon and arm. */
#define CENSOR_BINS 150
/* Swimmer and spider plots: about this many patients over all arms. */
#define LANES     40
#define MAX_LANES (LANES + MW_MAX_ARMS)
/* Spider plot: at most about this many time points per line. */
#define SPIDER_POINTS 400
/* CAR-T Cmax (copies/ug): counted in fine log10 bins, CMAX_FINE per decade over
 * [1e CMAX_LOG_LO, 1e CMAX_LOG_HI) (values outside go to the end bins), which give
 * the median to 1/CMAX_FINE of a decade; drawn in about CMAX_DRAWN wider bins. */
#define CMAX_FINE   100
#define CMAX_LOG_LO (-4)
#define CMAX_LOG_HI 10
#define CMAX_NB     ((CMAX_LOG_HI - CMAX_LOG_LO) * CMAX_FINE)
#define CMAX_DRAWN  30
/* The dash of an interval in a table cell (the page keeps each cell on one line). */
#define RANGE "\u2013"

static const char km_header[] =
    "arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper";
static const char traj_header[] = "patient,arm,t_days,variable,value";

/* ------------------------------------------------------------------------------
 * What is read
 * ---------------------------------------------------------------------------- */

/* One row of km.csv. */
typedef struct {
    double t, surv, lower, upper;
    int n_risk, n_event, n_censor;
} km_row_t;

typedef struct {
    km_row_t *r;
    int n, cap;
} curve_t;

enum { EP_PFS = 0, EP_OS, N_EP };
static const char *const ep_csv[N_EP] = {"PFS", "OS"};
static const char *const ep_json[N_EP] = {"pfs", "os"};

typedef struct {
    int count;
    double fraction, lower, upper;
} rate_t;

enum { R_PR = 0, R_VGPR, R_CR, R_SCR, R_MRD, N_RATES };
static const char *const rate_keys[N_RATES] = {"pr_or_better", "vgpr_or_better",
                                               "cr_or_better", "scr", "mrd_negative"};
static const char *const rate_labels[N_RATES] = {"ORR (\u2265PR)", "\u2265VGPR",
                                                 "\u2265CR", "sCR", "MRD-negative"};

typedef struct {
    int reached;
    double median, lower, upper; /* days; NAN where summary.json has null */
    double s12, s12_lower, s12_upper;
} endpoint_t;

/* One arm of summary.json. */
typedef struct {
    int patients;
    rate_t rate[N_RATES];
    endpoint_t ep[N_EP];
    double hr, hr_lower, hr_upper, logrank_p; /* PFS vs arm 0 */
    char hr_status[32];
} arm_sum_t;

/* The M-protein of one patient on one arm (trajectories.csv). */
typedef struct {
    int patient, arm;
    double *t, *v; /* days, g/dL */
    int n, cap;
} track_t;

/* Relapse phenotypes in the order drawn: target-related first. */
#define N_RELAPSE (MW_RELAPSE_MEDULLARY + 1)
static const int relapse_order[N_RELAPSE] = {
    MW_RELAPSE_ANTIGEN_NEGATIVE, MW_RELAPSE_ANTIGEN_LOW, MW_RELAPSE_ANTIGEN_POSITIVE,
    MW_RELAPSE_EXTRAMEDULLARY,   MW_RELAPSE_MEDULLARY,   MW_RELAPSE_NONE};
/* Indexed by mw_relapse_t: vermillion and orange for antigen escape, blue for a
 * target still expressed, purple for extramedullary, green for medullary, grey for a
 * progression the clinic did not type. */
static const char *const relapse_colour[N_RELAPSE] = {"#999999", "#CC79A7", "#D55E00",
                                                      "#E69F00", "#0072B2", "#009E73"};

typedef struct {
    const char *dir;
    mw__spec_t sp;
    char version[64], command_line[4096];
    arm_sum_t sum[MW_MAX_ARMS];
    curve_t km[N_EP][MW_MAX_ARMS];
    /* patients.csv */
    int rows[MW_MAX_ARMS];
    int per_arm; /* lanes (and spider lines) per arm */
    mw__row_t lane[MAX_LANES];
    int n_lanes, lanes_of[MW_MAX_ARMS];
    int progressions[MW_MAX_ARMS], relapse[MW_MAX_ARMS][N_RELAPSE];
    int cart[MW_MAX_ARMS], cart_zero[MW_MAX_ARMS];
    int cmax[MW_MAX_ARMS][CMAX_NB];
    /* trajectories.csv */
    int have_traj;
    track_t track[MAX_LANES];
    int n_tracks, tracks_of[MW_MAX_ARMS];
    int flat_tracks; /* left out: no M-protein at their first time */
} trial_t;

static void
trial_free(trial_t *tr)
{
    for (int e = 0; e < N_EP; e++) {
        for (int a = 0; a < MW_MAX_ARMS; a++) {
            free(tr->km[e][a].r);
        }
    }
    for (int i = 0; i < tr->n_tracks; i++) {
        free(tr->track[i].t);
        free(tr->track[i].v);
    }
    free(tr);
}

/* ------------------------------------------------------------------------------
 * Small readers
 * ---------------------------------------------------------------------------- */

/* A number as marrow writes it: "NA" is NAN, "Inf"/"-Inf" infinite.  0 or -1. */
static int
parse_num(const char *s, double *x)
{
    char *e;
    if (strcmp(s, "NA") == 0 || strcmp(s, "null") == 0) {
        *x = NAN;
        return 0;
    }
    if (strcmp(s, "Inf") == 0 || strcmp(s, "-Inf") == 0) {
        *x = s[0] == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    errno = 0;
    *x = strtod(s, &e);
    return *s != '\0' && *e == '\0' && errno == 0 ? 0 : -1;
}

static int
parse_count(const char *s, int *x)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (*s == '\0' || *e != '\0' || errno != 0 || v < 0 || v > 2147483647L) {
        return -1;
    }
    *x = (int) v;
    return 0;
}

/* Why reading @p in (@p path) stopped, once mw__read_line() gave @p k (not 1) after line
 * @p lineno: 0 at the end of the file, else an error in @p errbuf. */
static int
read_end(FILE *in, const char *path, int k, long lineno, char *errbuf, size_t errlen)
{
    if (k == MW__LINE_NO_MEMORY) {
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    if (k == MW__LINE_ERROR || ferror(in)) {
        mw__seterr(errbuf, errlen, "%s: read error", path);
        return MW_ERR_IO;
    }
    if (k == MW__LINE_CUT) {
        mw__seterr(errbuf, errlen, "%s:%ld: the last line is cut short", path,
                   lineno + 1);
        return MW_ERR_IO;
    }
    return 0;
}

/* The latest time km.csv and patients.csv may hold: the horizon, with a day to spare
 * (km.csv's times are rounded up to a grid of 1/16 day, so may pass it a little). */
static double
max_days(const mw__spec_t *sp)
{
    return sp->horizon_days + 1;
}

static int
time_ok(const mw__spec_t *sp, double t)
{
    return isfinite(t) && t >= 0 && t <= max_days(sp);
}

/* The arm named @p name, or -1. */
static int
arm_index(const mw__spec_t *sp, const char *name)
{
    for (int a = 0; a < sp->n_arms; a++) {
        if (strcmp(sp->arm[a], name) == 0) {
            return a;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------------------
 * run.json and summary.json
 * ---------------------------------------------------------------------------- */

static int
read_run(trial_t *tr, char *errbuf, size_t errlen)
{
    char path[MW__OUT_PATH_MAX];
    yaml_document_t doc;
    snprintf(path, sizeof(path), "%s/run.json", tr->dir);
    int ret = mw__spec_read(path, &tr->sp, errbuf, errlen);
    if (ret == 0) {
        ret = mw__json_load(path, &doc, errbuf, errlen);
        if (ret == 0) {
            const yaml_node_t *root = yaml_document_get_root_node(&doc);
            const char *v = mw__json_scalar(mw__json_get(&doc, root, "marrow_version"));
            const char *c = mw__json_scalar(mw__json_get(&doc, root, "command_line"));
            snprintf(tr->version, sizeof(tr->version), "%s", v != NULL ? v : "?");
            snprintf(tr->command_line, sizeof(tr->command_line), "%s",
                     c != NULL ? c : "?");
            yaml_document_delete(&doc);
        }
    }
    return ret == MW_ERR_NO_MEMORY || ret == 0 ? ret : MW_ERR_IO;
}

static void
read_endpoint(yaml_document_t *d, const yaml_node_t *n, endpoint_t *e)
{
    const yaml_node_t *ci = mw__json_get(d, n, "median_ci95");
    const yaml_node_t *lm = mw__json_get(d, n, "landmarks");
    const char *reached = mw__json_scalar(mw__json_get(d, n, "median_reached"));
    e->reached = reached != NULL && strcmp(reached, "true") == 0;
    e->median = mw__json_number(mw__json_get(d, n, "median_days"));
    e->lower = mw__json_number(mw__json_item(d, ci, 0));
    e->upper = mw__json_number(mw__json_item(d, ci, 1));
    e->s12 = e->s12_lower = e->s12_upper = NAN;
    for (int i = 0; i < mw__json_len(lm); i++) {
        const yaml_node_t *l = mw__json_item(d, lm, i);
        if (mw__json_number(mw__json_get(d, l, "months")) == 12.0) {
            const yaml_node_t *lci = mw__json_get(d, l, "ci95");
            e->s12 = mw__json_number(mw__json_get(d, l, "surv"));
            e->s12_lower = mw__json_number(mw__json_item(d, lci, 0));
            e->s12_upper = mw__json_number(mw__json_item(d, lci, 1));
        }
    }
}

/* A count of summary.json: a whole number from 0 to @p max into *@p x; 0 or -1. */
static int
json_count(const yaml_node_t *n, int max, int *x)
{
    double v = mw__json_number(n);
    if (!(v >= 0 && v <= max && v == floor(v))) {
        return -1;
    }
    *x = (int) v;
    return 0;
}

/* A share of summary.json: a number from 0 to 1. */
static int
json_share(double x)
{
    return x >= 0 && x <= 1;
}

/* The text of scalar @p n for a message: "nothing" where there is none. */
static const char *
json_text(const yaml_node_t *n)
{
    const char *s = mw__json_scalar(n);
    return s != NULL ? s : "nothing";
}

static int
read_summary(trial_t *tr, char *errbuf, size_t errlen)
{
    char path[MW__OUT_PATH_MAX];
    yaml_document_t doc;
    const mw__spec_t *sp = &tr->sp;
    snprintf(path, sizeof(path), "%s/summary.json", tr->dir);
    int ret = mw__json_load(path, &doc, errbuf, errlen);
    if (ret != 0) {
        return ret == MW_ERR_NO_MEMORY ? ret : MW_ERR_IO;
    }
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    const yaml_node_t *arms = mw__json_get(&doc, root, "arms");
    const yaml_node_t *cmp = mw__json_get(&doc, root, "comparisons");
    if (mw__json_len(arms) != sp->n_arms) {
        mw__seterr(errbuf, errlen, "%s: \"arms\": expected the %d arm(s) of run.json",
                   path, sp->n_arms);
        ret = MW_ERR_IO;
    }
    for (int a = 0; a < sp->n_arms && ret == 0; a++) {
        const yaml_node_t *arm = mw__json_item(&doc, arms, a);
        const yaml_node_t *resp = mw__json_get(&doc, arm, "response");
        const char *name = mw__json_scalar(mw__json_get(&doc, arm, "arm"));
        const yaml_node_t *patients = mw__json_get(&doc, arm, "patients");
        arm_sum_t *s = &tr->sum[a];
        if (name == NULL || strcmp(name, sp->arm[a]) != 0 || patients == NULL) {
            mw__seterr(
                errbuf, errlen,
                "%s: \"arms\"[%d]: expected arm '%s' with its patients, as in run.json",
                path, a, sp->arm[a]);
            ret = MW_ERR_IO;
            break;
        }
        if (json_count(patients, sp->n, &s->patients) != 0) {
            mw__seterr(errbuf, errlen,
                       "%s: \"arms\"[%d]: \"patients\": expected a whole number from 0 "
                       "to %d (the trial's patients in run.json), found '%.40s'",
                       path, a, sp->n, json_text(patients));
            ret = MW_ERR_IO;
            break;
        }
        for (int k = 0; k < N_RATES; k++) {
            const yaml_node_t *r = mw__json_get(&doc, resp, rate_keys[k]);
            const yaml_node_t *ci = mw__json_get(&doc, r, "wilson95");
            const yaml_node_t *count = mw__json_get(&doc, r, "count");
            rate_t *rt = &s->rate[k];
            if (r == NULL || count == NULL) {
                mw__seterr(errbuf, errlen, "%s: \"arms\"[%d]: \"response\": no \"%s\"",
                           path, a, rate_keys[k]);
                ret = MW_ERR_IO;
                break;
            }
            if (json_count(count, s->patients, &rt->count) != 0) {
                mw__seterr(
                    errbuf, errlen,
                    "%s: \"arms\"[%d]: \"response\": \"%s\": \"count\": expected "
                    "a whole number from 0 to %d (the arm's patients), found '%.40s'",
                    path, a, rate_keys[k], s->patients, json_text(count));
                ret = MW_ERR_IO;
                break;
            }
            rt->fraction = mw__json_number(mw__json_get(&doc, r, "fraction"));
            rt->lower = mw__json_number(mw__json_item(&doc, ci, 0));
            rt->upper = mw__json_number(mw__json_item(&doc, ci, 1));
            /* An arm with patients has its rates (what the response chart draws). */
            if (s->patients > 0 && !(json_share(rt->fraction) && json_share(rt->lower) &&
                                     json_share(rt->upper))) {
                mw__seterr(errbuf, errlen,
                           "%s: \"arms\"[%d]: \"response\": \"%s\": expected a "
                           "\"fraction\" and a \"wilson95\" interval of numbers from 0 "
                           "to 1",
                           path, a, rate_keys[k]);
                ret = MW_ERR_IO;
                break;
            }
        }
        for (int e = 0; e < N_EP && ret == 0; e++) {
            const yaml_node_t *ep = mw__json_get(&doc, arm, ep_json[e]);
            if (ep == NULL || ep->type != YAML_MAPPING_NODE) {
                mw__seterr(errbuf, errlen, "%s: \"arms\"[%d]: no \"%s\"", path, a,
                           ep_json[e]);
                ret = MW_ERR_IO;
                break;
            }
            read_endpoint(&doc, ep, &s->ep[e]);
        }
        s->hr = s->hr_lower = s->hr_upper = s->logrank_p = NAN;
        snprintf(s->hr_status, sizeof(s->hr_status), "%s",
                 a == 0 ? "reference" : "missing");
    }
    for (int i = 0; i < mw__json_len(cmp) && ret == 0; i++) {
        const yaml_node_t *c = mw__json_item(&doc, cmp, i);
        const yaml_node_t *pfs = mw__json_get(&doc, c, "pfs");
        const yaml_node_t *ci = mw__json_get(&doc, pfs, "ci95");
        const char *name = mw__json_scalar(mw__json_get(&doc, c, "arm"));
        const char *status = mw__json_scalar(mw__json_get(&doc, pfs, "status"));
        int a = name != NULL ? arm_index(sp, name) : -1;
        if (a <= 0) {
            continue;
        }
        arm_sum_t *s = &tr->sum[a];
        s->hr = mw__json_number(mw__json_get(&doc, pfs, "hr"));
        s->hr_lower = mw__json_number(mw__json_item(&doc, ci, 0));
        s->hr_upper = mw__json_number(mw__json_item(&doc, ci, 1));
        s->logrank_p = mw__json_number(mw__json_get(&doc, pfs, "logrank_p"));
        snprintf(s->hr_status, sizeof(s->hr_status), "%s", status != NULL ? status : "?");
    }
    yaml_document_delete(&doc);
    return ret;
}

/* ------------------------------------------------------------------------------
 * km.csv
 * ---------------------------------------------------------------------------- */

static int
curve_push(curve_t *c, const km_row_t *r)
{
    if (c->n == c->cap &&
        mw__grow((void **) &c->r, sizeof(km_row_t), &c->cap, c->n + 1) != 0) {
        return MW_ERR_NO_MEMORY;
    }
    c->r[c->n++] = *r;
    return 0;
}

/* A survival or a bound of its interval in km.csv: a number from 0 to 1.  marrow
 * writes NA for the bounds where the survival is 0 (the log-log interval is not
 * defined there), which @p na_ok allows. */
static int
parse_share(const char *s, int na_ok, double *x)
{
    if (na_ok && strcmp(s, "NA") == 0) {
        *x = NAN;
        return 0;
    }
    return strcmp(s, "NA") != 0 && parse_num(s, x) == 0 && *x >= 0 && *x <= 1 ? 0 : -1;
}

static int
read_km(trial_t *tr, char *errbuf, size_t errlen)
{
    static const char *const names[9] = {"arm",    "endpoint", "time_days",
                                         "n_risk", "n_event",  "n_censor",
                                         "surv",   "lower",    "upper"};
    char path[MW__OUT_PATH_MAX], *line = NULL, *f[9], days[64];
    size_t cap = 0;
    long lineno = 1;
    int ret = 0, k;
    const mw__spec_t *sp = &tr->sp;
    snprintf(path, sizeof(path), "%s/km.csv", tr->dir);
    snprintf(days, sizeof(days), "a number of days from 0 to %.15g", max_days(sp));
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        mw__seterr(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
        return MW_ERR_IO;
    }
    k = mw__read_line(in, &line, &cap);
    if (k < MW__LINE_CUT) {
        ret = read_end(in, path, k, 0, errbuf, errlen);
    } else if (k != 1 || strcmp(line, km_header) != 0) {
        mw__seterr(errbuf, errlen, "%s:1: expected the header '%s'", path, km_header);
        ret = MW_ERR_IO;
    }
    while (ret == 0 && (k = mw__read_line(in, &line, &cap)) == 1) {
        km_row_t r;
        int got = mw__csv_split(line, f, 9), bad = -1, a, e;
        const char *want = NULL;
        lineno++;
        if (got != 9) {
            mw__seterr(errbuf, errlen, "%s:%ld: expected 9 fields, found %s", path,
                       lineno,
                       got < 0   ? "a broken quote"
                       : got > 9 ? "more"
                                 : "fewer");
            ret = MW_ERR_IO;
            break;
        }
        for (e = 0; e < N_EP && strcmp(f[1], ep_csv[e]) != 0; e++) {
        }
        if (e == N_EP) {
            continue; /* DOR, TTNT, PFS2 are not drawn */
        }
        if ((a = arm_index(sp, f[0])) < 0) {
            mw__seterr(errbuf, errlen,
                       "%s:%ld: '%.80s' is not an arm of this trial (run.json)", path,
                       lineno, f[0]);
            ret = MW_ERR_IO;
            break;
        }
        if (parse_num(f[2], &r.t) != 0 || !time_ok(sp, r.t)) {
            bad = 2;
            want = days;
        } else if (parse_count(f[3], &r.n_risk) != 0) {
            bad = 3;
            want = "a whole number from 0 to 2147483647";
        } else if (parse_count(f[4], &r.n_event) != 0 || r.n_event > r.n_risk) {
            bad = 4;
            want = "a whole number from 0 to n_risk";
        } else if (parse_count(f[5], &r.n_censor) != 0 ||
                   r.n_censor > r.n_risk - r.n_event) {
            bad = 5;
            want = "a whole number from 0 to n_risk - n_event";
        } else if (parse_share(f[6], 0, &r.surv) != 0) {
            bad = 6;
            want = "a number from 0 to 1";
        } else if (parse_share(f[7], r.surv == 0, &r.lower) != 0) {
            bad = 7;
            want = "a number from 0 to 1 (NA only where surv is 0)";
        } else if (parse_share(f[8], r.surv == 0, &r.upper) != 0) {
            bad = 8;
            want = "a number from 0 to 1 (NA only where surv is 0)";
        }
        if (bad >= 0) {
            mw__seterr(errbuf, errlen, "%s:%ld: %s: expected %s, found '%.40s'", path,
                       lineno, names[bad], want, f[bad]);
            ret = MW_ERR_IO;
            break;
        }
        curve_t *c = &tr->km[e][a];
        if (c->n > 0 && r.t <= c->r[c->n - 1].t) {
            mw__seterr(errbuf, errlen, "%s:%ld: time_days %.15g does not follow %.15g",
                       path, lineno, r.t, c->r[c->n - 1].t);
            ret = MW_ERR_IO;
            break;
        }
        if ((ret = curve_push(c, &r)) != 0) {
            mw__seterr(errbuf, errlen, "out of memory");
        }
    }
    if (ret == 0) {
        ret = read_end(in, path, k, lineno, errbuf, errlen);
    }
    /* Every arm with patients has both curves: a chart never lacks an arm's. */
    for (int e = 0; e < N_EP && ret == 0; e++) {
        for (int a = 0; a < sp->n_arms && ret == 0; a++) {
            if (tr->km[e][a].n == 0 && tr->sum[a].patients > 0) {
                mw__seterr(errbuf, errlen,
                           "%s: no %s rows for arm '%s', which has %d patients in "
                           "summary.json",
                           path, ep_csv[e], sp->arm[a], tr->sum[a].patients);
                ret = MW_ERR_IO;
            }
        }
    }
    free(line);
    fclose(in);
    return ret;
}

/* ------------------------------------------------------------------------------
 * patients.csv, streamed
 * ---------------------------------------------------------------------------- */

static void
add_row(trial_t *tr, const mw__row_t *r)
{
    int a = r->arm;
    tr->rows[a]++;
    if (tr->lanes_of[a] < tr->per_arm && tr->n_lanes < MAX_LANES) {
        tr->lane[tr->n_lanes++] = *r;
        tr->lanes_of[a]++;
    }
    if (r->pfs_event && r->pfs_by == MW__PFS_PROGRESSION) {
        tr->progressions[a]++;
        tr->relapse[a][r->relapse >= 0 && r->relapse < N_RELAPSE ? r->relapse : 0]++;
    }
    if (isfinite(r->cart_cmax)) {
        tr->cart[a]++;
        if (r->cart_cmax > 0) {
            double x = floor((log10(r->cart_cmax) - CMAX_LOG_LO) * CMAX_FINE);
            int b = x < 0 ? 0 : x >= CMAX_NB ? CMAX_NB - 1 : (int) x;
            tr->cmax[a][b]++;
        } else {
            tr->cart_zero[a]++;
        }
    }
}

static int
read_patients(trial_t *tr, char *errbuf, size_t errlen)
{
    char path[MW__OUT_PATH_MAX], *line = NULL, *want = NULL, why[160];
    size_t cap = 0, want_len = 0;
    long lineno = 1;
    int ret = 0, k;
    FILE *hdr = open_memstream(&want, &want_len);
    if (hdr == NULL) {
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    mw__row_header(hdr, &tr->sp);
    int hdr_bad = ferror(hdr);
    if (fclose(hdr) != 0 || hdr_bad || want == NULL || want_len == 0) {
        free(want);
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    want[want_len - 1] = '\0'; /* the newline */
    snprintf(path, sizeof(path), "%s/patients.csv", tr->dir);
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        mw__seterr(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
        free(want);
        return MW_ERR_IO;
    }
    k = mw__read_line(in, &line, &cap);
    if (k < MW__LINE_CUT) {
        ret = read_end(in, path, k, 0, errbuf, errlen);
    } else if (k != 1 || strcmp(line, want) != 0) {
        mw__seterr(errbuf, errlen,
                   "%s:1: the header is not that of this trial's patients.csv (run.json)",
                   path);
        ret = MW_ERR_IO;
    }
    while (ret == 0 && (k = mw__read_line(in, &line, &cap)) == 1) {
        mw__row_t row;
        const char *time = NULL;
        double t = 0;
        lineno++;
        if (mw__row_parse(line, &tr->sp, &row, why, sizeof(why)) != 0) {
            mw__seterr(errbuf, errlen, "%s:%ld: %s", path, lineno, why);
            ret = MW_ERR_IO;
            break;
        }
        /* The times drawn (the swimmer plot's bars and marks). */
        if (!time_ok(&tr->sp, row.followup_days)) {
            time = "followup_days";
            t = row.followup_days;
        } else if (!isnan(row.ttr_days) && !time_ok(&tr->sp, row.ttr_days)) {
            time = "ttr_days";
            t = row.ttr_days;
        } else if (!time_ok(&tr->sp, row.pfs_days)) {
            time = "pfs_days";
            t = row.pfs_days;
        } else if (!time_ok(&tr->sp, row.os_days)) {
            time = "os_days";
            t = row.os_days;
        }
        if (time != NULL) {
            mw__seterr(errbuf, errlen,
                       "%s:%ld: %s: expected a number of days from 0 to %.15g%s, found "
                       "%.15g",
                       path, lineno, time, max_days(&tr->sp),
                       strcmp(time, "ttr_days") == 0 ? " (or NA)" : "", t);
            ret = MW_ERR_IO;
            break;
        }
        add_row(tr, &row);
    }
    if (ret == 0) {
        ret = read_end(in, path, k, lineno, errbuf, errlen);
    }
    if (ret == 0 && lineno == 1) {
        mw__seterr(errbuf, errlen, "%s: no patient rows", path);
        ret = MW_ERR_IO;
    }
    /* The same run as summary.json, whose numbers the charts draw beside these. */
    for (int a = 0; a < tr->sp.n_arms && ret == 0; a++) {
        if (tr->rows[a] != tr->sum[a].patients) {
            mw__seterr(errbuf, errlen,
                       "%s: arm '%s' has %d row(s), but summary.json gives it %d "
                       "patients (are they from the same run?)",
                       path, tr->sp.arm[a], tr->rows[a], tr->sum[a].patients);
            ret = MW_ERR_IO;
        }
    }
    free(line);
    free(want);
    fclose(in);
    return ret;
}

/* Lanes of a randomised trial by arm, each arm's in patient order (a stable
 * insertion sort of at most MAX_LANES rows).  A paired trial keeps each patient's
 * arms side by side. */
static void
group_lanes(trial_t *tr)
{
    for (int i = 1; i < tr->n_lanes; i++) {
        mw__row_t r = tr->lane[i];
        int j = i;
        while (j > 0 && tr->lane[j - 1].arm > r.arm) {
            tr->lane[j] = tr->lane[j - 1];
            j--;
        }
        tr->lane[j] = r;
    }
}

/* ------------------------------------------------------------------------------
 * trajectories.csv (optional): the M-protein of the first patients of each arm
 * ---------------------------------------------------------------------------- */

static track_t *
track_of(trial_t *tr, int patient, int arm)
{
    for (int i = 0; i < tr->n_tracks; i++) {
        if (tr->track[i].patient == patient && tr->track[i].arm == arm) {
            return &tr->track[i];
        }
    }
    if (tr->tracks_of[arm] >= tr->per_arm || tr->n_tracks >= MAX_LANES) {
        return NULL;
    }
    track_t *t = &tr->track[tr->n_tracks++];
    memset(t, 0, sizeof(*t));
    t->patient = patient;
    t->arm = arm;
    tr->tracks_of[arm]++;
    return t;
}

static int
track_push(track_t *t, double day, double v)
{
    if (t->n == t->cap) {
        int cap = t->cap;
        if (mw__grow((void **) &t->t, sizeof(double), &cap, t->n + 1) != 0) {
            return MW_ERR_NO_MEMORY;
        }
        cap = t->cap;
        if (mw__grow((void **) &t->v, sizeof(double), &cap, t->n + 1) != 0) {
            return MW_ERR_NO_MEMORY;
        }
        t->cap = cap;
    }
    t->t[t->n] = day;
    t->v[t->n] = v;
    t->n++;
    return 0;
}

/* Leaves out the patients whose M-protein at their first time is not above 0: the
 * change from it is not defined (a patient without measurable M-protein). */
static void
drop_flat_tracks(trial_t *tr)
{
    int kept = 0;
    for (int i = 0; i < tr->n_tracks; i++) {
        track_t *t = &tr->track[i];
        if (t->n > 0 && t->v[0] > 0) {
            tr->track[kept++] = *t;
        } else {
            free(t->t);
            free(t->v);
            tr->tracks_of[t->arm]--;
            tr->flat_tracks++;
        }
    }
    tr->n_tracks = kept;
}

static int
read_trajectories(trial_t *tr, char *errbuf, size_t errlen)
{
    char path[MW__OUT_PATH_MAX], *line = NULL, *f[5];
    size_t cap = 0;
    long lineno = 1;
    int ret = 0, k;
    snprintf(path, sizeof(path), "%s/trajectories.csv", tr->dir);
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        if (errno == ENOENT) {
            return 0; /* written only with --trajectories K */
        }
        mw__seterr(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
        return MW_ERR_IO;
    }
    tr->have_traj = 1;
    k = mw__read_line(in, &line, &cap);
    if (k < MW__LINE_CUT) {
        ret = read_end(in, path, k, 0, errbuf, errlen);
    } else if (k != 1 || strcmp(line, traj_header) != 0) {
        mw__seterr(errbuf, errlen, "%s:1: expected the header '%s'", path, traj_header);
        ret = MW_ERR_IO;
    }
    while (ret == 0 && (k = mw__read_line(in, &line, &cap)) == 1) {
        int got = mw__csv_split(line, f, 5), patient, a;
        double day, v;
        lineno++;
        if (got != 5) {
            mw__seterr(errbuf, errlen, "%s:%ld: expected 5 fields, found %s", path,
                       lineno,
                       got < 0   ? "a broken quote"
                       : got > 5 ? "more"
                                 : "fewer");
            ret = MW_ERR_IO;
            break;
        }
        if (strcmp(f[3], "mprotein_g_dl") != 0) {
            continue;
        }
        if (parse_count(f[0], &patient) != 0 || (a = arm_index(&tr->sp, f[1])) < 0 ||
            parse_num(f[2], &day) != 0 || !isfinite(day) || parse_num(f[4], &v) != 0) {
            mw__seterr(errbuf, errlen,
                       "%s:%ld: cannot read the patient, arm, time or value", path,
                       lineno);
            ret = MW_ERR_IO;
            break;
        }
        track_t *t = track_of(tr, patient, a);
        if (t == NULL) {
            continue;
        }
        if (t->n > 0 && day < t->t[t->n - 1]) {
            mw__seterr(errbuf, errlen, "%s:%ld: t_days %.15g goes back in time", path,
                       lineno, day);
            ret = MW_ERR_IO;
            break;
        }
        if ((ret = track_push(t, day, v)) != 0) {
            mw__seterr(errbuf, errlen, "out of memory");
        }
    }
    if (ret == 0) {
        ret = read_end(in, path, k, lineno, errbuf, errlen);
    }
    free(line);
    fclose(in);
    if (ret == 0) {
        drop_flat_tracks(tr);
    }
    return ret;
}

/* ------------------------------------------------------------------------------
 * Formatting
 * ---------------------------------------------------------------------------- */

/* Arm @p a's colour with opacity @p alpha, for bands. */
static void
arm_rgba(int a, double alpha, char *out, size_t len)
{
    const char *hex = mw__colour(a);
    unsigned long v = strtoul(hex + 1, NULL, 16);
    snprintf(out, len, "rgba(%lu,%lu,%lu,%.2f)", (v >> 16) & 255u, (v >> 8) & 255u,
             v & 255u, alpha);
}

/* "70.0% (63.3–75.9)" */
static void
fmt_rate(char *out, size_t len, const rate_t *r)
{
    if (!isfinite(r->fraction)) {
        snprintf(out, len, "NA");
    } else {
        snprintf(out, len, "%.1f%% (%.1f" RANGE "%.1f)", 100 * r->fraction,
                 100 * r->lower, 100 * r->upper);
    }
}

/* "70.0%" */
static void
fmt_pct(char *out, size_t len, const rate_t *r)
{
    if (!isfinite(r->fraction)) {
        snprintf(out, len, "NA");
    } else {
        snprintf(out, len, "%.1f%%", 100 * r->fraction);
    }
}

/* Days as months with one decimal; "NR" (not reached) when unknown. */
static void
fmt_months(char *out, size_t len, double days)
{
    if (isfinite(days)) {
        snprintf(out, len, "%.1f", days / MONTH);
    } else {
        snprintf(out, len, "NR");
    }
}

static void
fmt_median(char *out, size_t len, const endpoint_t *e)
{
    char m[32], lo[32], hi[32];
    fmt_months(m, sizeof(m), e->median);
    fmt_months(lo, sizeof(lo), e->lower);
    fmt_months(hi, sizeof(hi), e->upper);
    if (e->reached && isfinite(e->median)) {
        snprintf(out, len, "%s (%s" RANGE "%s)", m, lo, hi);
    } else if (isfinite(e->lower)) {
        snprintf(out, len, "not reached (%s" RANGE "%s)", lo, hi);
    } else {
        snprintf(out, len, "not reached");
    }
}

static void
fmt_surv(char *out, size_t len, double s, double lo, double hi)
{
    if (!isfinite(s)) {
        snprintf(out, len, "beyond follow-up");
    } else if (isfinite(lo) && isfinite(hi)) {
        snprintf(out, len, "%.1f%% (%.1f" RANGE "%.1f)", 100 * s, 100 * lo, 100 * hi);
    } else {
        snprintf(out, len, "%.1f%%", 100 * s);
    }
}

static void
fmt_p(char *out, size_t len, double p)
{
    if (!isfinite(p)) {
        snprintf(out, len, "NA");
    } else if (p < 0.001) {
        snprintf(out, len, "<0.001");
    } else {
        snprintf(out, len, p < 0.1 ? "%.3f" : "%.2f", p);
    }
}

/* A number for a table cell: %.4g. */
static void
fmt_g(char *out, size_t len, double x)
{
    if (isfinite(x)) {
        snprintf(out, len, "%.4g", x);
    } else {
        snprintf(out, len, "NA");
    }
}

static int
any_progression(const trial_t *tr)
{
    for (int a = 0; a < tr->sp.n_arms; a++) {
        if (tr->progressions[a] > 0) {
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------
 * Block 1: the summary table
 * ---------------------------------------------------------------------------- */

static void
summary_table(mw__jw_t *w, const trial_t *tr)
{
    const mw__spec_t *sp = &tr->sp;
    char note[2048], cell[11][160];
    const char *columns[11] = {"arm",
                               "patients",
                               "ORR (95% CI)",
                               "\u2265VGPR",
                               "\u2265CR",
                               "MRD-neg.",
                               "median PFS, mo (95% CI)",
                               "PFS at 12 mo (95% CI)",
                               "median OS, mo (95% CI)",
                               "PFS HR (95% CI)",
                               "log-rank p"};
    snprintf(
        note, sizeof(note),
        "How to read this: one row per arm; response rates are the percentage of the "
        "arm's patients whose best response on line 1 reached that depth (ORR: partial "
        "response or better, with its Wilson 95%% interval; the response chart has "
        "them all) and MRD-neg. those with a negative marrow MRD; medians and PFS at "
        "12 months (mo) are Kaplan-Meier estimates, medians with Brookmeyer-Crowley "
        "95%% intervals (\"not reached\" while fewer than half have had the event, "
        "NR an open bound)%s%s%s.%s%s",
        sp->n_arms > 1 ? "; the PFS hazard ratio (Cox) and log-rank test compare each "
                         "arm with the first, "
                       : "",
        sp->n_arms > 1 ? sp->arm[0] : "",
        sp->n_arms > 1 ? ", and a ratio below 1 means fewer progressions or deaths "
                         "than on it"
                       : "",
        tr->n_tracks > 0 ? ""
        : tr->flat_tracks > 0
            ? " No patient in trajectories.csv has an M-protein above 0 at enrolment "
              "(the change from it is not defined), so the spider plot is left out."
        : tr->have_traj
            ? " trajectories.csv holds no M-protein (mprotein_g_dl), so the spider "
              "plot is left out."
            : " This cohort has no trajectories.csv, so the spider plot is left out "
              "(run `marrow cohort` with --trajectories K).",
        any_progression(tr) ? ""
                            : " No patient progressed, so there is no chart of relapse "
                              "phenotypes.");
    const int n_cols = sp->n_arms > 1 ? 11 : 9; /* one arm: nothing to compare */
    mw__table_begin(w, "summary", "Summary by arm", note, columns, n_cols);
    for (int a = 0; a < sp->n_arms; a++) {
        const arm_sum_t *s = &tr->sum[a];
        snprintf(cell[1], sizeof(cell[1]), "%d", s->patients);
        fmt_rate(cell[2], sizeof(cell[2]), &s->rate[R_PR]);
        fmt_pct(cell[3], sizeof(cell[3]), &s->rate[R_VGPR]);
        fmt_pct(cell[4], sizeof(cell[4]), &s->rate[R_CR]);
        fmt_pct(cell[5], sizeof(cell[5]), &s->rate[R_MRD]);
        fmt_median(cell[6], sizeof(cell[6]), &s->ep[EP_PFS]);
        fmt_surv(cell[7], sizeof(cell[7]), s->ep[EP_PFS].s12, s->ep[EP_PFS].s12_lower,
                 s->ep[EP_PFS].s12_upper);
        fmt_median(cell[8], sizeof(cell[8]), &s->ep[EP_OS]);
        if (a == 0) {
            snprintf(cell[9], sizeof(cell[9]), "reference");
            snprintf(cell[10], sizeof(cell[10]), "\u2013");
        } else {
            if (strcmp(s->hr_status, "ok") == 0) {
                snprintf(cell[9], sizeof(cell[9]), "%.2f (%.2f" RANGE "%.2f)", s->hr,
                         s->hr_lower, s->hr_upper);
            } else {
                snprintf(cell[9], sizeof(cell[9]), "NA (%s)", s->hr_status);
            }
            fmt_p(cell[10], sizeof(cell[10]), s->logrank_p);
        }
        mw__jw_arr(w, NULL);
        mw__jw_str(w, NULL, sp->arm[a]);
        for (int c = 1; c < n_cols; c++) {
            mw__jw_str(w, NULL, cell[c]);
        }
        mw__jw_end(w);
    }
    mw__jw_end(w); /* rows */
    mw__jw_end(w); /* block */
}

/* ------------------------------------------------------------------------------
 * Blocks 2 and 3: Kaplan-Meier charts
 * ---------------------------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* Numbers at risk (T >= t), cumulative events and censorings (times <= t) at @p t:
 * mw__km_at() read from km.csv rows, so they equal summary.json's landmarks. */
static void
risk_at(const curve_t *c, double t, double *n_risk, double *n_event, double *n_censor)
{
    int last = -1;
    /* Sums of int counts over rows: in double, exact below 2^53. */
    *n_event = *n_censor = 0;
    for (int j = 0; j < c->n && c->r[j].t <= t; j++) {
        last = j;
        *n_event += c->r[j].n_event;
        *n_censor += c->r[j].n_censor;
    }
    int first = last >= 0 && c->r[last].t == t ? last : last + 1;
    *n_risk = first < c->n ? c->r[first].n_risk : 0;
}

/* The times of @p c to draw (see KM_POINTS) appended to @p x. */
static int
thin(const curve_t *c, double horizon, double *x, int nx)
{
    double last_t = 0, last_s = 1;
    for (int j = 0; j < c->n; j++) {
        const km_row_t *r = &c->r[j];
        if (c->n <= KM_POINTS || j == c->n - 1 || fabs(r->surv - last_s) >= KM_MIN_DROP ||
            r->t - last_t >= horizon / KM_POINTS) {
            x[nx++] = r->t;
            last_t = r->t;
            last_s = r->surv;
        }
    }
    return nx;
}

/* The step curve of @p c at ascending days @p x[0..n-1] into s, lo, hi: 1 before the
 * first row, NAN after the last (follow-up ended). */
static void
step_values(const curve_t *c, const double *x, int n, double *s, double *lo, double *hi)
{
    int j = 0;
    for (int i = 0; i < n; i++) {
        while (j < c->n && c->r[j].t <= x[i]) {
            j++;
        }
        if (c->n == 0 || x[i] > c->r[c->n - 1].t) {
            s[i] = lo[i] = hi[i] = NAN;
        } else if (j == 0) {
            s[i] = lo[i] = hi[i] = 1.0;
        } else {
            s[i] = c->r[j - 1].surv;
            lo[i] = c->r[j - 1].lower;
            hi[i] = c->r[j - 1].upper;
        }
    }
}

/* Months between the columns of the numbers-at-risk table (and the time ticks): 6,
 * or 3 when the horizon is under two years; doubled while there would be more than
 * 13 columns (the numbers would run into each other), and 1, 0.5 or 0.25 for a
 * horizon of a few months. */
static double
risk_step(const mw__spec_t *sp)
{
    const double months = sp->horizon_days / MONTH;
    double step = months < 24 ? 3 : 6;
    while (months / step > 12) {
        step *= 2;
    }
    while (months / step < 3 && step > 0.25) {
        step = step > 1 ? 1 : step / 2;
    }
    return step;
}

static void
risk_block(mw__jw_t *w, const trial_t *tr, const curve_t *km)
{
    const mw__spec_t *sp = &tr->sp;
    const double step = risk_step(sp);
    double times[16], v[3][16];
    int nt = 0;
    static const char *const what[3] = {"at risk", "events", "censored"};
    for (double m = 0; m * MONTH <= sp->horizon_days + 1e-9 && nt < 16; m += step) {
        times[nt++] = m;
    }
    mw__jw_obj(w, "risk");
    mw__jw_strf(w, "title",
                "Number at risk, with cumulative events and censored, every %g months",
                step);
    mw__jw_nums(w, "times", times, nt, -INFINITY);
    mw__jw_arr(w, "rows");
    for (int a = 0; a < sp->n_arms; a++) {
        for (int i = 0; i < nt; i++) {
            risk_at(&km[a], times[i] * MONTH, &v[0][i], &v[1][i], &v[2][i]);
        }
        for (int k = 0; k < 3; k++) {
            mw__jw_obj(w, NULL);
            mw__jw_strf(w, "label", "%s \u00b7 %s", what[k], sp->arm[a]);
            mw__jw_str(w, "colour", mw__colour(a));
            mw__jw_nums(w, "values", v[k], nt, -INFINITY);
            mw__jw_end(w);
        }
    }
    mw__jw_end(w);
    mw__jw_end(w);
}

static int
km_chart(mw__jw_t *w, const trial_t *tr, int ep)
{
    const mw__spec_t *sp = &tr->sp;
    const curve_t *km = tr->km[ep];
    const double horizon = sp->horizon_days;
    int total = 1, nx = 1;
    char colour[40], label[MW_NAME_MAX + 32];
    for (int a = 0; a < sp->n_arms; a++) {
        total += km[a].n;
    }
    double *x = malloc((size_t) total * sizeof(double));
    double *xm = malloc((size_t) total * sizeof(double));
    double *v = malloc((size_t) total * 3 * (size_t) sp->n_arms * sizeof(double));
    if (x == NULL || xm == NULL || v == NULL) {
        free(x);
        free(xm);
        free(v);
        return MW_ERR_NO_MEMORY;
    }
    x[0] = 0;
    for (int a = 0; a < sp->n_arms; a++) {
        nx = thin(&km[a], horizon, x, nx);
    }
    qsort(x, (size_t) nx, sizeof(double), cmp_double);
    int u = 0;
    for (int i = 0; i < nx; i++) {
        if (u == 0 || x[i] != x[u - 1]) {
            x[u++] = x[i];
        }
    }
    nx = u;
    for (int i = 0; i < nx; i++) {
        xm[i] = x[i] / MONTH;
    }
    for (int a = 0; a < sp->n_arms; a++) {
        double *s = v + (size_t) a * 3 * (size_t) nx;
        step_values(&km[a], x, nx, s, s + nx, s + 2 * nx);
    }

    const int pfs = ep == EP_PFS;
    double events = 0; /* a sum of int counts */
    char note[1024];
    for (int a = 0; a < sp->n_arms; a++) {
        for (int j = 0; j < km[a].n; j++) {
            events += km[a].r[j].n_event;
        }
    }
    snprintf(
        note, sizeof(note),
        "How to read this: the share of patients %s over time since enrolment "
        "(Kaplan-Meier); each step down is %s, the shaded band is the 95%% confidence "
        "interval (log-log), ticks are censored patients (at most one per %dth of the "
        "follow-up), the dashed line at 0.5 meets each curve at its median, marked by "
        "a vertical line where reached, and the table under the axis gives, every %g "
        "months, the number still at risk and the cumulative %s and censored.%s",
        pfs ? "alive without progression" : "alive",
        pfs ? "a progression or death" : "a death", CENSOR_BINS, risk_step(sp),
        pfs ? "events" : "deaths",
        events > 0 ? ""
        : pfs      ? " No patient progressed or died during follow-up."
                   : " No patient died during follow-up.");
    mw__chart_t c = {pfs ? "pfs" : "os",
                     pfs ? "Progression-free survival" : "Overall survival",
                     note,
                     "months since enrolment",
                     pfs ? "progression-free (proportion)" : "alive (proportion)",
                     0,
                     0,
                     {0, horizon / MONTH},
                     {0, 1},
                     360};
    mw__chart_begin(w, &c);
    mw__jw_nums(w, "x", xm, nx, -INFINITY);
    mw__jw_arr(w, "series");
    for (int a = 0; a < sp->n_arms; a++) {
        mw__series(w, sp->arm[a], mw__colour(a), MW__SER_STEP,
                   v + (size_t) a * 3 * (size_t) nx, nx, -INFINITY);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "bands");
    for (int a = 0; a < sp->n_arms; a++) {
        const double *s = v + (size_t) a * 3 * (size_t) nx;
        arm_rgba(a, 0.15, colour, sizeof(colour));
        snprintf(label, sizeof(label), "%s 95%% CI", sp->arm[a]);
        mw__band(w, label, colour, 1, s + nx, s + 2 * nx, nx);
    }
    mw__jw_end(w);
    mw__jw_obj(w, "shapes");
    mw__jw_arr(w, "marks");
    for (int a = 0; a < sp->n_arms; a++) {
        long last_bin = -1;
        for (int j = 0; j < km[a].n; j++) {
            const km_row_t *r = &km[a].r[j];
            long bin = (long) floor(r->t / horizon * CENSOR_BINS);
            if (r->n_censor > 0 && bin != last_bin) {
                mw__mark(w, r->t / MONTH, r->surv, "tick", mw__colour(a), 8);
                last_bin = bin;
            }
        }
    }
    mw__jw_end(w);
    mw__jw_arr(w, "segs");
    for (int a = 0; a < sp->n_arms; a++) {
        const endpoint_t *e = &tr->sum[a].ep[ep];
        if (e->reached && isfinite(e->median)) {
            mw__seg(w, e->median / MONTH, 0.5, e->median / MONTH, 0, mw__colour(a), 1.5);
        }
    }
    mw__jw_end(w);
    mw__jw_end(w); /* shapes */
    mw__jw_arr(w, "hlines");
    mw__refline(w, "y", 0.5, "median", NULL);
    mw__jw_end(w);
    /* Labelled y ticks give the axis a set width, so that the labels of the table
     * under the chart ("censored, arm name") have room left of the plot. */
    mw__jw_arr(w, "y_ticks");
    for (int k = 0; k <= 5; k++) {
        char tick[16];
        snprintf(tick, sizeof(tick), "%g", k / 5.0);
        mw__tick(w, k / 5.0, tick);
    }
    mw__jw_end(w);
    int longest = 0;
    for (int a = 0; a < sp->n_arms; a++) {
        int len = (int) strlen(sp->arm[a]);
        longest = len > longest ? len : longest;
    }
    longest = (longest + 11) * 7 + 12;
    mw__jw_num(w, "y_ticks_width", longest < 72 ? 72 : longest > 240 ? 240 : longest);
    /* Time ticks where the table under the axis has its columns. */
    mw__jw_arr(w, "x_ticks");
    for (double m = 0; m * MONTH <= sp->horizon_days + 1e-9; m += risk_step(sp)) {
        char tick[32];
        snprintf(tick, sizeof(tick), "%g", m);
        mw__tick(w, m, tick);
    }
    mw__jw_end(w);
    risk_block(w, tr, km);
    mw__jw_end(w); /* chart */
    free(x);
    free(xm);
    free(v);
    return 0;
}

/* ------------------------------------------------------------------------------
 * Block 4: response rates
 * ---------------------------------------------------------------------------- */

static void
response_chart(mw__jw_t *w, const trial_t *tr)
{
    const mw__spec_t *sp = &tr->sp;
    const double group = 0.8, bw = group / sp->n_arms;
    char cell[5][32];
    mw__chart_t c = {
        "response",
        "Response rates",
        "How to read this: for each depth of response (best confirmed IMWG "
        "response on line 1, and MRD negativity at any marrow assessment), one "
        "bar per arm gives the percentage of the arm's patients who reached it; "
        "the whisker is the Wilson 95% confidence interval.",
        "",
        "patients (%)",
        0,
        0,
        {-0.5, N_RATES - 0.5},
        {0, 104},
        320};
    mw__chart_begin(w, &c);
    mw__jw_obj(w, "shapes");
    mw__jw_arr(w, "rects");
    for (int k = 0; k < N_RATES; k++) {
        for (int a = 0; a < sp->n_arms; a++) {
            const rate_t *r = &tr->sum[a].rate[k];
            double x0 = k - group / 2 + a * bw;
            if (isfinite(r->fraction)) {
                mw__rect(w, x0 + 0.06 * bw, x0 + 0.94 * bw, 0, 100 * r->fraction,
                         mw__colour(a));
            }
        }
    }
    mw__jw_end(w);
    mw__jw_arr(w, "segs");
    for (int k = 0; k < N_RATES; k++) {
        for (int a = 0; a < sp->n_arms; a++) {
            const rate_t *r = &tr->sum[a].rate[k];
            double xc = k - group / 2 + (a + 0.5) * bw, cap = 0.18 * bw;
            if (isfinite(r->lower) && isfinite(r->upper)) {
                mw__seg(w, xc, 100 * r->lower, xc, 100 * r->upper, "#333", 1.2);
                mw__seg(w, xc - cap, 100 * r->lower, xc + cap, 100 * r->lower, "#333",
                        1.2);
                mw__seg(w, xc - cap, 100 * r->upper, xc + cap, 100 * r->upper, "#333",
                        1.2);
            }
        }
    }
    mw__jw_end(w);
    mw__jw_end(w); /* shapes */
    mw__jw_arr(w, "x_ticks");
    for (int k = 0; k < N_RATES; k++) {
        mw__tick(w, k, rate_labels[k]);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "legend");
    for (int a = 0; a < sp->n_arms; a++) {
        mw__legend(w, sp->arm[a], mw__colour(a), "box");
    }
    mw__jw_end(w);
    mw__jw_obj(w, "csv");
    static const char *const cols[] = {"arm",     "measure",     "count",      "patients",
                                       "percent", "lower95_pct", "upper95_pct"};
    mw__jw_arr(w, "columns");
    for (int i = 0; i < 7; i++) {
        mw__jw_str(w, NULL, cols[i]);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "rows");
    for (int a = 0; a < sp->n_arms; a++) {
        for (int k = 0; k < N_RATES; k++) {
            const rate_t *r = &tr->sum[a].rate[k];
            snprintf(cell[0], sizeof(cell[0]), "%d", r->count);
            snprintf(cell[1], sizeof(cell[1]), "%d", tr->sum[a].patients);
            fmt_g(cell[2], sizeof(cell[2]), 100 * r->fraction);
            fmt_g(cell[3], sizeof(cell[3]), 100 * r->lower);
            fmt_g(cell[4], sizeof(cell[4]), 100 * r->upper);
            mw__jw_arr(w, NULL);
            mw__jw_str(w, NULL, sp->arm[a]);
            mw__jw_str(w, NULL, rate_labels[k]);
            for (int i = 0; i < 5; i++) {
                mw__jw_str(w, NULL, cell[i]);
            }
            mw__jw_end(w);
        }
    }
    mw__jw_end(w);
    mw__jw_end(w); /* csv */
    mw__jw_end(w); /* chart */
}

/* ------------------------------------------------------------------------------
 * Block 5: swimmer plot
 * ---------------------------------------------------------------------------- */

static const char *const end_names[MW__N_ENDS] = {"horizon", "data cut-off",
                                                  "lost to follow-up", "death"};

/* Months, or "" when not finite (a CSV cell). */
static void
fmt_cell_months(char *out, size_t len, double days)
{
    if (isfinite(days)) {
        snprintf(out, len, "%.6g", days / MONTH);
    } else {
        out[0] = '\0';
    }
}

static void
swimmer_chart(mw__jw_t *w, const trial_t *tr)
{
    const mw__spec_t *sp = &tr->sp;
    const int n = tr->n_lanes;
    const double hm = sp->horizon_days / MONTH;
    char colour[40], note[1024], cell[5][32];
    int present[MW_RESP_SCR + 2] = {0}, width = 60;
    /* Lanes top to bottom in file order: every arm's first patients. */
    for (int i = 0; i < n; i++) {
        int len = (int) strlen(sp->arm[tr->lane[i].arm]) + 12;
        width = len * 7 + 16 > width ? len * 7 + 16 : width;
        present[tr->lane[i].best + 1] = 1;
    }
    width = width > 260 ? 260 : width;
    snprintf(
        note, sizeof(note),
        "How to read this: one lane per patient (the first %d of each arm%s), the bar "
        "runs from enrolment to the end of follow-up and is coloured by the best "
        "response on line 1; a triangle marks the first response (\u2265PR), a cross "
        "progression, a square death, and an arrow a patient still followed at the "
        "horizon or data cut-off (a bar without a mark at its end was lost to "
        "follow-up).",
        tr->per_arm,
        sp->design == MW_DESIGN_PAIRED && sp->n_arms > 1
            ? "; paired design: each patient's lanes on the arms are side by side"
            : "");
    mw__chart_t c = {
        "swimmer",      "Swimmer plot",  note,       "months since enrolment", "", 0, 0,
        {0, hm * 1.04}, {-0.6, n - 0.4}, n * 17 + 70};
    mw__chart_begin(w, &c);
    mw__jw_obj(w, "shapes");
    mw__jw_arr(w, "rects");
    for (int i = 0; i < n; i++) {
        const mw__row_t *r = &tr->lane[i];
        double y = n - 1 - i;
        mw__response_colour(r->best, 0.9, colour, sizeof(colour));
        mw__rect(w, 0, r->followup_days / MONTH, y - 0.32, y + 0.32, colour);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "marks");
    for (int i = 0; i < n; i++) {
        const mw__row_t *r = &tr->lane[i];
        double y = n - 1 - i;
        if (isfinite(r->ttr_days)) {
            mw__mark(w, r->ttr_days / MONTH, y, "triangle", "#000", 8);
        }
        if (r->pfs_event && r->pfs_by == MW__PFS_PROGRESSION) {
            mw__mark(w, r->pfs_days / MONTH, y, "cross", "#000", 9);
        }
        if (r->os_event) {
            mw__mark(w, r->os_days / MONTH, y, "square", "#000", 8);
        } else if (r->followup_end == MW__END_HORIZON ||
                   r->followup_end == MW__END_CUTOFF) {
            mw__mark(w, r->followup_days / MONTH + hm * 0.012, y, "arrow", "#000", 9);
        }
    }
    mw__jw_end(w);
    mw__jw_end(w); /* shapes */
    mw__jw_arr(w, "y_ticks");
    for (int i = 0; i < n; i++) {
        char label[MW_NAME_MAX + 32];
        snprintf(label, sizeof(label), "%s \u00b7 #%d", sp->arm[tr->lane[i].arm],
                 tr->lane[i].patient);
        mw__tick(w, n - 1 - i, label);
    }
    mw__jw_end(w);
    mw__jw_num(w, "y_ticks_width", width);
    mw__jw_arr(w, "legend");
    for (int k = MW_RESP_SCR; k >= MW_RESP_NE; k--) {
        if (present[k + 1]) {
            char label[48];
            mw__response_colour(k, 0.9, colour, sizeof(colour));
            snprintf(label, sizeof(label), "best response %s", mw_response_name(k));
            mw__legend(w, label, colour, "box");
        }
    }
    mw__legend(w, "response (\u2265PR)", "#000", "triangle");
    mw__legend(w, "progression", "#000", "cross");
    mw__legend(w, "death", "#000", "square");
    mw__legend(w, "followed on", "#000", "arrow");
    mw__jw_end(w);
    mw__jw_obj(w, "csv");
    static const char *const cols[] = {
        "arm",           "patient",         "followup_months",    "followup_end",
        "best_response", "response_months", "progression_months", "death_months"};
    mw__jw_arr(w, "columns");
    for (int i = 0; i < 8; i++) {
        mw__jw_str(w, NULL, cols[i]);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "rows");
    for (int i = 0; i < n; i++) {
        const mw__row_t *r = &tr->lane[i];
        snprintf(cell[0], sizeof(cell[0]), "%d", r->patient);
        fmt_cell_months(cell[1], sizeof(cell[1]), r->followup_days);
        fmt_cell_months(cell[2], sizeof(cell[2]), r->ttr_days);
        fmt_cell_months(cell[3], sizeof(cell[3]),
                        r->pfs_event && r->pfs_by == MW__PFS_PROGRESSION ? r->pfs_days
                                                                         : NAN);
        fmt_cell_months(cell[4], sizeof(cell[4]), r->os_event ? r->os_days : NAN);
        mw__jw_arr(w, NULL);
        mw__jw_str(w, NULL, sp->arm[r->arm]);
        mw__jw_str(w, NULL, cell[0]);
        mw__jw_str(w, NULL, cell[1]);
        mw__jw_str(w, NULL,
                   r->followup_end >= 0 && r->followup_end < MW__N_ENDS
                       ? end_names[r->followup_end]
                       : "?");
        mw__jw_str(w, NULL, mw_response_name(r->best));
        mw__jw_str(w, NULL, cell[2]);
        mw__jw_str(w, NULL, cell[3]);
        mw__jw_str(w, NULL, cell[4]);
        mw__jw_end(w);
    }
    mw__jw_end(w);
    mw__jw_end(w); /* csv */
    mw__jw_end(w); /* chart */
}

/* ------------------------------------------------------------------------------
 * Block 6: spider plot
 * ---------------------------------------------------------------------------- */

/* Track @p t's % change from baseline at @p day, linear between its own times (so a
 * line drawn through the shared grid is the line through its own points), clipped to
 * [-100, 100]; NAN outside its times. */
static double
track_at(const track_t *t, double day, int *j)
{
    if (t->n == 0 || !(t->v[0] > 0) || day < t->t[0] || day > t->t[t->n - 1]) {
        return NAN;
    }
    while (*j + 1 < t->n && t->t[*j + 1] <= day) {
        (*j)++;
    }
    double v = t->v[*j];
    if (t->t[*j] < day && *j + 1 < t->n) {
        double f = (day - t->t[*j]) / (t->t[*j + 1] - t->t[*j]);
        v = t->v[*j] + f * (t->v[*j + 1] - t->v[*j]);
    }
    double pct = 100.0 * (v / t->v[0] - 1.0);
    return pct > 100 ? 100 : pct < -100 ? -100 : pct;
}

static int
spider_chart(mw__jw_t *w, const trial_t *tr)
{
    const mw__spec_t *sp = &tr->sp;
    int total = 0, nx = 0;
    for (int i = 0; i < tr->n_tracks; i++) {
        total += tr->track[i].n;
    }
    double *x = malloc((size_t) (total + 1) * sizeof(double));
    double *xm = malloc((size_t) (total + 1) * sizeof(double));
    double *v = malloc((size_t) (total + 1) * sizeof(double));
    if (x == NULL || xm == NULL || v == NULL) {
        free(x);
        free(xm);
        free(v);
        return MW_ERR_NO_MEMORY;
    }
    for (int i = 0; i < tr->n_tracks; i++) {
        memcpy(x + nx, tr->track[i].t, (size_t) tr->track[i].n * sizeof(double));
        nx += tr->track[i].n;
    }
    qsort(x, (size_t) nx, sizeof(double), cmp_double);
    int u = 0;
    for (int i = 0; i < nx; i++) {
        if (u == 0 || x[i] != x[u - 1]) {
            x[u++] = x[i];
        }
    }
    /* Thin a fine output grid to about SPIDER_POINTS times, keeping the last. */
    int every = u / SPIDER_POINTS + 1, m = 0;
    for (int i = 0; i < u; i++) {
        if (i % every == 0 || i == u - 1) {
            x[m++] = x[i];
        }
    }
    nx = m;
    for (int i = 0; i < nx; i++) {
        xm[i] = x[i] / MONTH;
    }
    char note[1024];
    snprintf(note, sizeof(note),
             "How to read this: one line per patient (the first patients of each arm "
             "with a trajectory), the change of the model's serum M-protein from its "
             "value at enrolment, in percent, coloured by arm; the dashed lines are "
             "the IMWG thresholds: -25%% minimal response, -50%% partial response, "
             "-90%% very good partial response, and +25%% progression (which IMWG "
             "measures from the lowest value, so a line can progress below it); the "
             "axis is clipped to -100..+100%%, so a line flat at the top has more "
             "than doubled.%s",
             tr->flat_tracks > 0 ? " Patients without M-protein at enrolment (0 g/dL, "
                                   "no change to measure) are left out."
                                 : "");
    mw__chart_t c = {"spider",
                     "Spider plot",
                     note,
                     "months since enrolment",
                     "M-protein change from baseline (%)",
                     0,
                     0,
                     {0, sp->horizon_days / MONTH},
                     {-100, 100},
                     380};
    mw__chart_begin(w, &c);
    mw__jw_nums(w, "x", xm, nx, -INFINITY);
    mw__jw_arr(w, "series");
    int drawn[MW_MAX_ARMS] = {0};
    for (int i = 0; i < tr->n_tracks; i++) {
        const track_t *t = &tr->track[i];
        char label[MW_NAME_MAX + 32], colour[40];
        int j = 0, any = 0;
        for (int k = 0; k < nx; k++) {
            v[k] = track_at(t, x[k], &j);
            any |= !isnan(v[k]);
        }
        if (!any) {
            continue; /* no time of the thinned grid within its own */
        }
        drawn[t->arm]++;
        snprintf(label, sizeof(label), "%s #%d", sp->arm[t->arm], t->patient);
        arm_rgba(t->arm, 0.7, colour, sizeof(colour));
        mw__series(w, label, colour, 0, v, nx, -INFINITY);
    }
    mw__jw_end(w);
    mw__jw_bool(w, "no_legend", 1);
    mw__jw_arr(w, "hlines");
    mw__refline(w, "y", 25, "+25% progression", "rgba(178,24,43,0.8)");
    mw__refline(w, "y", 0, "baseline", NULL);
    mw__refline(w, "y", -25, "\u221225% MR", NULL);
    mw__refline(w, "y", -50, "\u221250% PR", NULL);
    mw__refline(w, "y", -90, "\u221290% VGPR", NULL);
    mw__jw_end(w);
    mw__jw_arr(w, "legend");
    for (int a = 0; a < sp->n_arms; a++) {
        if (drawn[a] > 0) {
            mw__legend(w, sp->arm[a], mw__colour(a), "box");
        }
    }
    mw__jw_end(w);
    mw__jw_end(w); /* chart */
    free(x);
    free(xm);
    free(v);
    return 0;
}

/* ------------------------------------------------------------------------------
 * Block 7: relapse phenotypes
 * ---------------------------------------------------------------------------- */

static const char *
relapse_label(int k)
{
    return k == MW_RELAPSE_NONE ? "not typed" : mw_relapse_name(k);
}

static void
relapse_chart(mw__jw_t *w, const trial_t *tr)
{
    const mw__spec_t *sp = &tr->sp;
    const int n = sp->n_arms;
    int used[N_RELAPSE] = {0}, width = 60;
    char cell[3][32];
    for (int a = 0; a < n; a++) {
        for (int k = 0; k < N_RELAPSE; k++) {
            used[k] |= tr->relapse[a][k] > 0;
        }
        int len = (int) strlen(sp->arm[a]) + 20;
        width = len * 7 + 16 > width ? len * 7 + 16 : width;
    }
    width = width > 420 ? 420 : width;
    mw__chart_t c = {
        "relapse",
        "Relapse phenotypes",
        "How to read this: one bar per arm splits the patients whose first "
        "line ended in progression by what the clinic saw at that progression "
        "(antigen-negative or antigen-low: flow cytometry found the CAR target "
        "lost or reduced; antigen-positive: still expressed; extramedullary: "
        "new disease on imaging; medullary: marrow relapse without a CAR target "
        "to type); each segment is a percentage of the arm's progressions, "
        "whose number is beside the arm's name.",
        "share of progressions (%)",
        "",
        0,
        0,
        {0, 100},
        {-0.6, n - 0.4},
        60 + 46 * n};
    mw__chart_begin(w, &c);
    mw__jw_obj(w, "shapes");
    mw__jw_arr(w, "rects");
    for (int a = 0; a < n; a++) {
        double y = n - 1 - a, x0 = 0;
        for (int i = 0; i < N_RELAPSE && tr->progressions[a] > 0; i++) {
            int k = relapse_order[i];
            double f = 100.0 * tr->relapse[a][k] / tr->progressions[a];
            if (tr->relapse[a][k] > 0) {
                mw__rect(w, x0, x0 + f, y - 0.3, y + 0.3, relapse_colour[k]);
            }
            x0 += f;
        }
    }
    mw__jw_end(w);
    mw__jw_arr(w, "texts");
    for (int a = 0; a < n; a++) {
        double y = n - 1 - a, x0 = 0;
        for (int i = 0; i < N_RELAPSE && tr->progressions[a] > 0; i++) {
            int k = relapse_order[i];
            double f = 100.0 * tr->relapse[a][k] / tr->progressions[a];
            if (f >= 9) {
                mw__jw_obj(w, NULL);
                mw__jw_num(w, "x", x0);
                mw__jw_num(w, "y", y);
                mw__jw_strf(w, "text", "%.0f%%", f);
                mw__jw_str(w, "colour", "#fff");
                mw__jw_end(w);
            }
            x0 += f;
        }
    }
    mw__jw_end(w);
    mw__jw_end(w); /* shapes */
    mw__jw_arr(w, "y_ticks");
    for (int a = 0; a < n; a++) {
        char label[MW_NAME_MAX + 48];
        if (tr->progressions[a] > 0) {
            snprintf(label, sizeof(label), "%s (%d progressions)", sp->arm[a],
                     tr->progressions[a]);
        } else {
            snprintf(label, sizeof(label), "%s (no progression)", sp->arm[a]);
        }
        mw__tick(w, n - 1 - a, label);
    }
    mw__jw_end(w);
    mw__jw_num(w, "y_ticks_width", width);
    mw__jw_arr(w, "legend");
    for (int i = 0; i < N_RELAPSE; i++) {
        int k = relapse_order[i];
        if (used[k]) {
            mw__legend(w, relapse_label(k), relapse_colour[k], "box");
        }
    }
    mw__jw_end(w);
    mw__jw_obj(w, "csv");
    static const char *const cols[] = {"arm", "relapse_type", "count", "progressions",
                                       "percent"};
    mw__jw_arr(w, "columns");
    for (int i = 0; i < 5; i++) {
        mw__jw_str(w, NULL, cols[i]);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "rows");
    for (int a = 0; a < n; a++) {
        for (int i = 0; i < N_RELAPSE; i++) {
            int k = relapse_order[i];
            snprintf(cell[0], sizeof(cell[0]), "%d", tr->relapse[a][k]);
            snprintf(cell[1], sizeof(cell[1]), "%d", tr->progressions[a]);
            fmt_g(cell[2], sizeof(cell[2]),
                  tr->progressions[a] > 0
                      ? 100.0 * tr->relapse[a][k] / tr->progressions[a]
                      : NAN);
            mw__jw_arr(w, NULL);
            mw__jw_str(w, NULL, sp->arm[a]);
            mw__jw_str(w, NULL, relapse_label(k));
            for (int j = 0; j < 3; j++) {
                mw__jw_str(w, NULL, cell[j]);
            }
            mw__jw_end(w);
        }
    }
    mw__jw_end(w);
    mw__jw_end(w); /* csv */
    mw__jw_end(w); /* chart */
}

/* ------------------------------------------------------------------------------
 * Block 8: CAR-T expansion
 * ---------------------------------------------------------------------------- */

/* A Cmax for a label: "33100", "2e5", "0.5". */
static void
fmt_copies(char *out, size_t len, double x)
{
    if (!(x > 0) || !isfinite(x)) {
        snprintf(out, len, "%g", x);
    } else if (x >= 1e-2 && x < 1e6) {
        if (x < 100) {
            snprintf(out, len, "%.3g", x);
        } else {
            double m = pow(10.0, floor(log10(x)) - 2); /* three significant digits */
            snprintf(out, len, "%.0f", round(x / m) * m);
        }
    } else {
        int e = (int) floor(log10(x));
        double m = x / pow(10.0, e);
        if (m >= 9.995) {
            m /= 10;
            e++;
        }
        snprintf(out, len, "%.3ge%d", m, e);
    }
}

/* The median of arm @p a's Cmax from the fine bins, interpolated in log10 within its
 * bin; 0 when at least half expanded to nothing measurable. */
static double
cmax_median(const trial_t *tr, int a)
{
    const int *h = tr->cmax[a];
    double half = tr->cart[a] / 2.0, below = tr->cart_zero[a];
    if (below >= half) {
        return 0;
    }
    for (int b = 0; b < CMAX_NB; b++) {
        if (below + h[b] >= half) {
            double f = (half - below) / h[b];
            return pow(10.0, CMAX_LOG_LO + (b + f) / CMAX_FINE);
        }
        below += h[b];
    }
    return pow(10.0, CMAX_LOG_HI);
}

static void
cmax_chart(mw__jw_t *w, const trial_t *tr)
{
    const mw__spec_t *sp = &tr->sp;
    int lo = CMAX_NB, hi = -1;
    char note[1024], label[MW_NAME_MAX + 64], cell[4][32];
    for (int a = 0; a < sp->n_arms; a++) {
        for (int b = 0; b < CMAX_NB; b++) {
            if (tr->cmax[a][b] > 0) {
                lo = b < lo ? b : lo;
                hi = b > hi ? b : hi;
            }
        }
    }
    if (hi < 0) { /* every infused patient's Cmax was 0 */
        lo = hi = (0 - CMAX_LOG_LO) * CMAX_FINE;
    }
    /* Drawn bins: a whole number of fine bins, about CMAX_DRAWN over the data, aligned
     * to the decade so that the edges are round numbers. */
    int width = (hi - lo + 1) / CMAX_DRAWN + 1;
    static const int nice[] = {1, 2, 5, 10, 20, 25, 50, 100};
    for (int i = 0; i < 8; i++) {
        if (nice[i] >= width) {
            width = nice[i];
            break;
        }
    }
    width = width > 100 ? 100 : width;
    int first = lo / width * width, nb = (hi / width - lo / width) + 1;
    /* x: a leading edge at zero height, the nb bin edges, and the closing edge. */
    int nx = nb + 2;
    double x[CMAX_DRAWN + 8], y[MW_MAX_ARMS][CMAX_DRAWN + 8];
    mw__bug_assert(nx <= CMAX_DRAWN + 8);
    for (int i = 0; i < nx; i++) {
        x[i] = pow(10.0, CMAX_LOG_LO + (double) (first + (i - 1) * width) / CMAX_FINE);
    }
    for (int a = 0; a < sp->n_arms; a++) {
        y[a][0] = 0;
        for (int i = 0; i < nb; i++) {
            int count = 0;
            for (int b = first + i * width; b < first + (i + 1) * width && b < CMAX_NB;
                 b++) {
                count += tr->cmax[a][b];
            }
            y[a][i + 1] = tr->cart[a] > 0 ? 100.0 * count / tr->cart[a] : NAN;
        }
        y[a][nx - 1] = tr->cart[a] > 0 ? 0 : NAN;
    }
    snprintf(
        note, sizeof(note),
        "How to read this: for each arm, the distribution of the CAR-T peak "
        "expansion (Cmax, transgene copies per \u00b5g of blood DNA) over its infused "
        "patients, as the percentage of them in each bin of %g decade on a log axis; "
        "the dashed vertical line is the arm's median (to within %.0f%%).",
        width / (double) CMAX_FINE, 100 * (pow(10.0, 1.0 / CMAX_FINE) - 1));
    mw__chart_t c = {"cmax",
                     "CAR-T expansion (Cmax)",
                     note,
                     "Cmax (copies/\u00b5g)",
                     "infused patients (%)",
                     1,
                     0,
                     {pow(10.0, floor(log10(x[0]))), pow(10.0, ceil(log10(x[nx - 1])))},
                     {NAN, NAN},
                     320};
    mw__chart_begin(w, &c);
    mw__jw_nums(w, "x", x, nx, -INFINITY);
    /* Over a few decades, ticks at 1, 2 and 5 times each power of ten (the page
     * would label powers of ten only, perhaps just the two ends). */
    if (c.x_range[1] / c.x_range[0] <= 1e3 * 1.001) {
        static const double steps[3] = {1, 2, 5};
        mw__jw_arr(w, "x_ticks");
        for (double d = c.x_range[0]; d < c.x_range[1] * 1.001; d *= 10) {
            for (int k = 0; k < 3 && d * steps[k] <= c.x_range[1] * 1.001; k++) {
                char tick[32];
                fmt_copies(tick, sizeof(tick), d * steps[k]);
                mw__tick(w, d * steps[k], tick);
            }
        }
        mw__jw_end(w);
    }
    mw__jw_arr(w, "series");
    for (int a = 0; a < sp->n_arms; a++) {
        char med_text[32];
        if (tr->cart[a] == 0) {
            continue;
        }
        fmt_copies(med_text, sizeof(med_text), cmax_median(tr, a));
        snprintf(label, sizeof(label), "%s (%d infused, median %s)", sp->arm[a],
                 tr->cart[a], med_text);
        mw__series(w, label, mw__colour(a), MW__SER_STEP, y[a], nx, -INFINITY);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "vlines");
    for (int a = 0; a < sp->n_arms; a++) {
        double med = cmax_median(tr, a);
        if (tr->cart[a] > 0 && med > 0) {
            snprintf(label, sizeof(label), "median %s", sp->arm[a]);
            mw__refline(w, "x", med, label, mw__colour(a));
        }
    }
    mw__jw_end(w);
    mw__jw_obj(w, "csv");
    /* Per arm: the drawn bins, the patients whose CAR-T did not expand (Cmax 0, off
     * the log axis) and the median. */
    static const char *const cols[] = {"arm",     "what",     "cmax_from",
                                       "cmax_to", "patients", "percent_of_infused"};
    mw__jw_arr(w, "columns");
    for (int i = 0; i < 6; i++) {
        mw__jw_str(w, NULL, cols[i]);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "rows");
    for (int a = 0; a < sp->n_arms; a++) {
        if (tr->cart[a] == 0) {
            continue;
        }
        for (int i = 0; i < nb + 2; i++) {
            const char *what = i < nb ? "bin" : i == nb ? "no expansion" : "median";
            if (i < nb) {
                int count = 0;
                for (int b = first + i * width;
                     b < first + (i + 1) * width && b < CMAX_NB; b++) {
                    count += tr->cmax[a][b];
                }
                fmt_g(cell[0], sizeof(cell[0]), x[i + 1]);
                fmt_g(cell[1], sizeof(cell[1]), x[i + 2]);
                snprintf(cell[2], sizeof(cell[2]), "%d", count);
                fmt_g(cell[3], sizeof(cell[3]), y[a][i + 1]);
            } else if (i == nb) {
                if (tr->cart_zero[a] == 0) {
                    continue;
                }
                snprintf(cell[0], sizeof(cell[0]), "0");
                snprintf(cell[1], sizeof(cell[1]), "0");
                snprintf(cell[2], sizeof(cell[2]), "%d", tr->cart_zero[a]);
                fmt_g(cell[3], sizeof(cell[3]), 100.0 * tr->cart_zero[a] / tr->cart[a]);
            } else {
                fmt_g(cell[0], sizeof(cell[0]), cmax_median(tr, a));
                fmt_g(cell[1], sizeof(cell[1]), cmax_median(tr, a));
                cell[2][0] = cell[3][0] = '\0';
            }
            mw__jw_arr(w, NULL);
            mw__jw_str(w, NULL, sp->arm[a]);
            mw__jw_str(w, NULL, what);
            for (int j = 0; j < 4; j++) {
                mw__jw_str(w, NULL, cell[j]);
            }
            mw__jw_end(w);
        }
    }
    mw__jw_end(w);
    mw__jw_end(w); /* csv */
    mw__jw_end(w); /* chart */
}

/* ------------------------------------------------------------------------------
 * The document
 * ---------------------------------------------------------------------------- */

static void
design_text(const trial_t *tr, char *out, size_t len)
{
    const mw__spec_t *sp = &tr->sp;
    char more[512] = "";
    size_t k = 0;
    if (sp->enrolment_days > 0) {
        k += (size_t) snprintf(more + k, sizeof(more) - k, "; enrolment over %.1f months",
                               sp->enrolment_days / MONTH);
    }
    if (isfinite(sp->data_cutoff_day) && k < sizeof(more)) {
        k += (size_t) snprintf(more + k, sizeof(more) - k,
                               "; data cut-off on trial day %g", sp->data_cutoff_day);
    }
    if (sp->dropout_per_year > 0 && k < sizeof(more)) {
        snprintf(more + k, sizeof(more) - k, "; dropout %.3g per patient-year",
                 sp->dropout_per_year);
    }
    if (sp->n_arms == 1) {
        snprintf(out, len, "one arm; follow-up up to %.1f months%s",
                 sp->horizon_days / MONTH, more);
    } else {
        snprintf(out, len, "%s, %d arms (%s); follow-up up to %.1f months%s",
                 sp->design == MW_DESIGN_PAIRED ? "paired" : "randomised", sp->n_arms,
                 sp->design == MW_DESIGN_PAIRED
                     ? "every patient on every arm, with common random numbers"
                     : "each patient on one arm, drawn by allocation weight",
                 sp->horizon_days / MONTH, more);
    }
}

static int
any_cart(const trial_t *tr)
{
    for (int a = 0; a < tr->sp.n_arms; a++) {
        if (tr->cart[a] > 0) {
            return 1;
        }
    }
    return 0;
}

static int
write_json(FILE *f, const trial_t *tr, const char *design, const char *seed)
{
    const mw__spec_t *sp = &tr->sp;
    mw__jw_t w;
    int ret = 0;
    mw__jw_init(&w, f);
    mw__jw_obj(&w, NULL);
    mw__jw_str(&w, "format", "marrow-report/2");
    mw__jw_str(&w, "kind", "trial");
    mw__jw_obj(&w, "header");
    mw__jw_str(&w, "scenario", sp->name);
    mw__jw_str(&w, "version", tr->version);
    mw__jw_str(&w, "command_line", tr->command_line);
    mw__jw_str(&w, "seed", seed);
    mw__jw_str(&w, "trial_id", sp->id);
    mw__jw_num(&w, "patients", sp->n);
    mw__jw_arr(&w, "arms");
    for (int a = 0; a < sp->n_arms; a++) {
        mw__jw_str(&w, NULL, sp->arm[a]);
    }
    mw__jw_end(&w);
    mw__jw_str(&w, "design", design);
    mw__jw_num(&w, "horizon_days", sp->horizon_days);
    mw__jw_num(&w, "swimmer_patients_per_arm", tr->per_arm);
    mw__jw_end(&w);
    mw__jw_arr(&w, "blocks");
    summary_table(&w, tr);
    ret = km_chart(&w, tr, EP_PFS);
    if (ret == 0) {
        ret = km_chart(&w, tr, EP_OS);
    }
    if (ret == 0) {
        response_chart(&w, tr);
        swimmer_chart(&w, tr);
        if (tr->n_tracks > 0) {
            ret = spider_chart(&w, tr);
        }
    }
    if (ret == 0) {
        if (any_progression(tr)) {
            relapse_chart(&w, tr);
        }
        if (any_cart(tr)) {
            cmax_chart(&w, tr);
        }
    }
    mw__jw_end(&w); /* blocks */
    mw__jw_end(&w); /* root */
    return ret;
}

int
mw__report_trial(const char *dir, char *errbuf, size_t errlen)
{
    trial_t *tr = calloc(1, sizeof(*tr));
    char *json = NULL, title[MW_NAME_MAX + 64], design[1024], seed[32], patients[64];
    size_t json_len = 0;
    int ret;

    if (tr == NULL) {
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    tr->dir = dir;
    ret = read_run(tr, errbuf, errlen);
    if (ret == 0) {
        tr->per_arm = (LANES + tr->sp.n_arms - 1) / tr->sp.n_arms;
        ret = read_summary(tr, errbuf, errlen);
    }
    if (ret == 0) {
        ret = read_km(tr, errbuf, errlen);
    }
    if (ret == 0) {
        ret = read_patients(tr, errbuf, errlen);
    }
    if (ret == 0) {
        ret = read_trajectories(tr, errbuf, errlen);
    }
    if (ret == 0 && tr->sp.design != MW_DESIGN_PAIRED) {
        group_lanes(tr);
    }
    if (ret == 0) {
        FILE *mem = open_memstream(&json, &json_len);
        design_text(tr, design, sizeof(design));
        snprintf(seed, sizeof(seed), "%llu", (unsigned long long) tr->sp.seed);
        if (mem == NULL) {
            ret = MW_ERR_NO_MEMORY;
        } else {
            /* A buffer that failed to grow drops bytes and sets the error flag; a
             * failed fclose() may leave json NULL: either way, no report. */
            ret = write_json(mem, tr, design, seed);
            int mem_bad = ferror(mem);
            if ((fclose(mem) != 0 || mem_bad || json == NULL) && ret == 0) {
                ret = MW_ERR_NO_MEMORY;
            }
        }
        if (ret != 0) {
            mw__seterr(errbuf, errlen, "out of memory");
        }
    }
    if (ret == 0) {
        const mw__spec_t *sp = &tr->sp;
        snprintf(title, sizeof(title), "marrow trial report: %s", sp->name);
        if (sp->first == 0 && sp->end == sp->n) {
            snprintf(patients, sizeof(patients), "%d", sp->n);
        } else {
            snprintf(patients, sizeof(patients), "%d..%d of %d (one shard)", sp->first,
                     sp->end - 1, sp->n);
        }
        const mw__header_row_t rows[] = {{"scenario", sp->name, 0},
                                         {"marrow version", tr->version, 0},
                                         {"command line", tr->command_line, 1},
                                         {"seed", seed, 0},
                                         {"trial id", sp->id, 1},
                                         {"patients", patients, 0},
                                         {"design", design, 0}};
        ret = mw__report_files(dir, title, rows, (int) (sizeof(rows) / sizeof(rows[0])),
                               json, errbuf, errlen);
    }
    free(json);
    trial_free(tr);
    return ret;
}
