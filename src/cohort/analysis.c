/*
 * The analysis half of a virtual trial (trial.h): patients.csv rows in, tte.csv,
 * km.csv and summary.json out, with memory independent of the number of patients.
 *
 * Survival curves are kept as counts of events and censorings on a grid of
 * TIME_RES = 1/16 day (90 minutes): a time t counts in cell ceil(t / TIME_RES), whose
 * time is that multiple of TIME_RES.  Times on the grid (whole days: every clinic
 * visit, the horizon, most cut-offs) are kept exactly; others move up by less than
 * 90 minutes, which can only merge near-ties.  Kaplan-Meier, log-rank and Cox with
 * one binary covariate need nothing but these per-time counts (stats.h), so a
 * trial of a million patients needs a few hundred kilobytes per curve rather than
 * memory per patient.  patients.csv and tte.csv keep the exact times.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/stats.h"
#include "cohort/trial.h"
#include "core/core.h"
#include "io/out.h"

#define TIME_RES (1.0 / 16.0)

static const double landmark_months[] = {6, 12, 24};
#define N_LANDMARKS ((int) (sizeof(landmark_months) / sizeof(landmark_months[0])))

static const char *const end_names[MW__N_ENDS] = {"horizon", "cutoff", "dropout", "death"};
static const char *const pfs_by_names[] = {"NA", "progression", "death"};

/* ------------------------------------------------------------------------------
 * Rows
 * ---------------------------------------------------------------------------- */

/* A CSV field, quoted when it holds a comma, a quote or a line break. */
static void
csv_text(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"') {
            fputc('"', f);
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

void
mw__row_header(FILE *f, const mw__spec_t *sp)
{
    fputs("patient,arm,entry_day,followup_days,followup_end,best_response,ttr_days,"
          "dor_days,dor_event,pfs_days,pfs_event,pfs_by,os_days,os_event,ttnt_days,"
          "ttnt_event,mrd_negative,mrd_negative_12m,extinct,extinction_day,relapse_type,"
          "crs_grade,icans_grade,lines,cart_cmax_copies_ug,cart_tmax_days,cart_auc0_28,"
          "pfs2_days,pfs2_event",
          f);
    for (int k = 0; k < sp->n_cov; k++) {
        fputc(',', f);
        fputs(sp->cov[k], f);
    }
    fputc('\n', f);
}

static void
num(FILE *f, double x)
{
    fputc(',', f);
    mw__write_exact(f, x);
}

void
mw__row_write(FILE *f, const mw__spec_t *sp, const mw__row_t *r)
{
    static const char *const mrd12[] = {"NA", "positive", "negative"};

    fprintf(f, "%d,", r->patient);
    csv_text(f, sp->arm[r->arm]);
    num(f, r->entry_day);
    num(f, r->followup_days);
    fprintf(f, ",%s,%s", end_names[r->followup_end], mw_response_name(r->best));
    num(f, r->ttr_days);
    num(f, r->dor_days);
    fprintf(f, ",%d", r->dor_event);
    num(f, r->pfs_days);
    fprintf(f, ",%d,%s", r->pfs_event, pfs_by_names[r->pfs_by]);
    num(f, r->os_days);
    fprintf(f, ",%d", r->os_event);
    num(f, r->ttnt_days);
    fprintf(f, ",%d,%d,%s,%d", r->ttnt_event, r->mrd_negative, mrd12[r->mrd_12m + 1],
            r->extinct);
    num(f, r->extinction_day);
    fprintf(f, ",%s,%d,%d,%d", mw_relapse_name(r->relapse), r->crs, r->icans, r->lines);
    num(f, r->cart_cmax);
    num(f, r->cart_tmax_days);
    num(f, r->cart_auc0_28);
    num(f, r->pfs2_days);
    fprintf(f, ",%d", r->pfs2_event);
    for (int k = 0; k < sp->n_cov; k++) {
        num(f, r->cov[k]);
    }
    fputc('\n', f);
}

/* Split @p line into at most @p max fields in place (quotes as csv_text writes
 * them).  Returns the number of fields, or -1 for a broken quote. */
int
mw__csv_split(char *line, char **field, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max) {
            return max + 1;
        }
        if (*p == '"') {
            char *w = ++p;
            field[n++] = w;
            for (;;) {
                if (*p == '\0') {
                    return -1;
                }
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            *w = '\0';
            if (*p == '\0') {
                return n;
            }
            if (*p != ',') {
                return -1;
            }
            p++;
        } else {
            field[n++] = p;
            char *c = strchr(p, ',');
            if (c == NULL) {
                return n;
            }
            *c = '\0';
            p = c + 1;
        }
    }
}

static int
parse_double(const char *s, double *x)
{
    char *e;
    if (strcmp(s, "NA") == 0) {
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
parse_int(const char *s, int lo, int hi, int *x)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (*s == '\0' || *e != '\0' || errno != 0 || v < lo || v > hi) {
        return -1;
    }
    *x = (int) v;
    return 0;
}

/* Index of @p s in names[0..n-1], or -1. */
static int
find_name(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(s, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

#define N_FIXED 29

int
mw__row_parse(char *line, const mw__spec_t *sp, mw__row_t *r, char *why, size_t n)
{
    static const char *const mrd12[] = {"NA", "positive", "negative"};
    char *f[N_FIXED + MW_MAX_COVARIATES];
    const int want = N_FIXED + sp->n_cov;
    int got = mw__csv_split(line, f, want), bad = -1;

    memset(r, 0, sizeof(*r));
    if (got != want) {
        snprintf(why, n, "expected %d fields, found %s", want,
                 got < 0 ? "a broken quote" : got > want ? "more" : "fewer");
        return -1;
    }
    r->arm = -1;
    for (int a = 0; a < sp->n_arms; a++) {
        if (strcmp(f[1], sp->arm[a]) == 0) {
            r->arm = a;
        }
    }
    r->best = MW_RESP_NE - 1;
    for (int k = MW_RESP_NE; k <= MW_RESP_SCR; k++) {
        if (strcmp(f[5], mw_response_name(k)) == 0) {
            r->best = k;
        }
    }
    r->relapse = -1;
    for (int k = 0; k <= MW_RELAPSE_MEDULLARY; k++) {
        if (strcmp(f[20], mw_relapse_name(k)) == 0) {
            r->relapse = k;
        }
    }
    r->followup_end = find_name(f[4], end_names, MW__N_ENDS);
    r->pfs_by = find_name(f[11], pfs_by_names, 3);
    r->mrd_12m = find_name(f[17], mrd12, 3) - 1;

    if (parse_int(f[0], 0, 2147483647, &r->patient) != 0) {
        bad = 0;
    } else if (r->arm < 0) {
        bad = 1;
    } else if (parse_double(f[2], &r->entry_day) || parse_double(f[3], &r->followup_days)) {
        bad = 2;
    } else if (r->followup_end < 0) {
        bad = 4;
    } else if (r->best < MW_RESP_NE) {
        bad = 5;
    } else if (parse_double(f[6], &r->ttr_days) || parse_double(f[7], &r->dor_days) ||
               parse_int(f[8], 0, 1, &r->dor_event) || parse_double(f[9], &r->pfs_days) ||
               parse_int(f[10], 0, 1, &r->pfs_event)) {
        bad = 6;
    } else if (r->pfs_by < 0) {
        bad = 11;
    } else if (parse_double(f[12], &r->os_days) || parse_int(f[13], 0, 1, &r->os_event) ||
               parse_double(f[14], &r->ttnt_days) ||
               parse_int(f[15], 0, 1, &r->ttnt_event) ||
               parse_int(f[16], 0, 1, &r->mrd_negative)) {
        bad = 12;
    } else if (r->mrd_12m < -1) {
        bad = 17;
    } else if (parse_int(f[18], 0, 1, &r->extinct) ||
               parse_double(f[19], &r->extinction_day)) {
        bad = 18;
    } else if (r->relapse < 0) {
        bad = 20;
    } else if (parse_int(f[21], 0, 5, &r->crs) || parse_int(f[22], 0, 5, &r->icans) ||
               parse_int(f[23], 0, 1000, &r->lines) || parse_double(f[24], &r->cart_cmax) ||
               parse_double(f[25], &r->cart_tmax_days) ||
               parse_double(f[26], &r->cart_auc0_28)) {
        bad = 21;
    } else if (parse_double(f[27], &r->pfs2_days) || parse_int(f[28], 0, 1, &r->pfs2_event)) {
        bad = 27;
    } else {
        for (int k = 0; k < sp->n_cov; k++) {
            if (parse_double(f[N_FIXED + k], &r->cov[k]) != 0) {
                bad = N_FIXED + k;
                break;
            }
        }
    }
    if (bad >= 0) {
        snprintf(why, n, "field %d: cannot read '%.40s'", bad + 1, f[bad]);
        return -1;
    }
    if (!isfinite(r->pfs_days) || !isfinite(r->os_days) || !isfinite(r->ttnt_days) ||
        !isfinite(r->pfs2_days) || r->pfs_days < 0 || r->os_days < 0 || r->ttnt_days < 0 ||
        r->pfs2_days < 0) {
        snprintf(why, n, "a survival time is negative or not finite");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------
 * The trial's description: run.json's "cohort" object.
 * ---------------------------------------------------------------------------- */

static const char *const design_names[] = {"paired", "randomised"};

void
mw__spec_write(FILE *f, const mw__spec_t *sp)
{
    fputs("\"cohort\": {\n    \"id\": ", f);
    mw__json_str(f, sp->id);
    fputs(",\n    \"scenario\": ", f);
    mw__json_str(f, sp->name);
    fprintf(f,
            ",\n    \"mode\": \"%s\",\n    \"seed\": \"%llu\",\n    \"patients\": %d,\n"
            "    \"first_patient\": %d,\n    \"end_patient\": %d,\n    \"design\": \"%s\",\n"
            "    \"horizon_days\": ",
            sp->mode, (unsigned long long) sp->seed, sp->n, sp->first, sp->end,
            design_names[sp->design]);
    mw__json_num(f, sp->horizon_days);
    fputs(",\n    \"enrolment_days\": ", f);
    mw__json_num(f, sp->enrolment_days);
    fputs(",\n    \"data_cutoff_day\": ", f);
    mw__json_num(f, sp->data_cutoff_day);
    fputs(",\n    \"dropout_per_year\": ", f);
    mw__json_num(f, sp->dropout_per_year);
    fputs(",\n    \"arms\": [", f);
    for (int a = 0; a < sp->n_arms; a++) {
        fputs(a > 0 ? ", " : "", f);
        mw__json_str(f, sp->arm[a]);
    }
    fputs("],\n    \"covariates\": [", f);
    for (int k = 0; k < sp->n_cov; k++) {
        fputs(k > 0 ? ", " : "", f);
        fputs("{\"name\": ", f);
        mw__json_str(f, sp->cov[k]);
        fprintf(f, ", \"binary\": %s}", sp->cov_binary[k] ? "true" : "false");
    }
    fputs("]\n  }", f);
}

static int
jtext(const yaml_node_t *n, char *out, size_t len)
{
    const char *s = mw__json_scalar(n);
    if (s == NULL || strlen(s) >= len) {
        return -1;
    }
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

static int
jnum(const yaml_node_t *n, double *x)
{
    const char *s = mw__json_scalar(n);
    if (s != NULL && strcmp(s, "null") == 0) {
        *x = INFINITY; /* only unbounded settings are written as null */
        return 0;
    }
    return s == NULL ? -1 : parse_double(s, x);
}

static int
jint(const yaml_node_t *n, int *x)
{
    const char *s = mw__json_scalar(n);
    return s == NULL ? -1 : parse_int(s, 0, 2147483647, x);
}

/* Fill @p sp from the "cohort" mapping; the name of the first bad field, or NULL. */
static const char *
spec_from(yaml_document_t *d, const yaml_node_t *c, mw__spec_t *sp)
{
    const yaml_node_t *arms = mw__json_get(d, c, "arms"), *covs = mw__json_get(d, c, "covariates");
    const char *s;
    char *e;

    memset(sp, 0, sizeof(*sp));
    if (c == NULL || c->type != YAML_MAPPING_NODE) {
        return "cohort";
    }
    if (jtext(mw__json_get(d, c, "id"), sp->id, sizeof(sp->id)) != 0) {
        return "id";
    }
    if (jtext(mw__json_get(d, c, "scenario"), sp->name, sizeof(sp->name)) != 0) {
        return "scenario";
    }
    if (jtext(mw__json_get(d, c, "mode"), sp->mode, sizeof(sp->mode)) != 0) {
        return "mode";
    }
    s = mw__json_scalar(mw__json_get(d, c, "seed"));
    errno = 0;
    if (s == NULL || *s == '\0' || (sp->seed = strtoull(s, &e, 10), *e != '\0') || errno) {
        return "seed";
    }
    if (jint(mw__json_get(d, c, "patients"), &sp->n) || jint(mw__json_get(d, c, "first_patient"), &sp->first) ||
        jint(mw__json_get(d, c, "end_patient"), &sp->end) || sp->n < 1 || sp->first >= sp->end ||
        sp->end > sp->n) {
        return "patients";
    }
    s = mw__json_scalar(mw__json_get(d, c, "design"));
    sp->design = s == NULL ? -1 : find_name(s, design_names, 2);
    if (sp->design < 0) {
        return "design";
    }
    if (jnum(mw__json_get(d, c, "horizon_days"), &sp->horizon_days) || !(sp->horizon_days > 0) ||
        !isfinite(sp->horizon_days)) {
        return "horizon_days";
    }
    if (jnum(mw__json_get(d, c, "enrolment_days"), &sp->enrolment_days) ||
        jnum(mw__json_get(d, c, "data_cutoff_day"), &sp->data_cutoff_day) ||
        jnum(mw__json_get(d, c, "dropout_per_year"), &sp->dropout_per_year)) {
        return "enrolment_days";
    }
    if (arms == NULL || arms->type != YAML_SEQUENCE_NODE) {
        return "arms";
    }
    for (yaml_node_item_t *it = arms->data.sequence.items.start;
         it < arms->data.sequence.items.top; it++) {
        if (sp->n_arms == MW_MAX_ARMS ||
            jtext(yaml_document_get_node(d, *it), sp->arm[sp->n_arms], MW_NAME_MAX) != 0) {
            return "arms";
        }
        sp->n_arms++;
    }
    if (sp->n_arms < 1 || covs == NULL || covs->type != YAML_SEQUENCE_NODE) {
        return sp->n_arms < 1 ? "arms" : "covariates";
    }
    for (yaml_node_item_t *it = covs->data.sequence.items.start;
         it < covs->data.sequence.items.top; it++) {
        const yaml_node_t *cv = yaml_document_get_node(d, *it);
        const char *b = mw__json_scalar(mw__json_get(d, cv, "binary"));
        if (sp->n_cov == MW_MAX_COVARIATES ||
            jtext(mw__json_get(d, cv, "name"), sp->cov[sp->n_cov], MW_NAME_MAX) != 0 || b == NULL) {
            return "covariates";
        }
        sp->cov_binary[sp->n_cov++] = strcmp(b, "true") == 0;
    }
    return NULL;
}

int
mw__spec_read(const char *path, mw__spec_t *sp, char *errbuf, size_t errlen)
{
    yaml_document_t doc;
    int ret = mw__json_load(path, &doc, errbuf, errlen);
    if (ret != 0) {
        return ret;
    }
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    const char *bad = spec_from(&doc, mw__json_get(&doc, root, "cohort"), sp);
    if (bad != NULL) {
        mw__seterr(errbuf, errlen,
                   "%s: \"cohort\": %s: missing or not as marrow writes it (is this the "
                   "output of `marrow cohort`?)",
                   path, bad);
        ret = MW_ERR_CONFIG;
    }
    yaml_document_delete(&doc);
    return ret;
}

/* ------------------------------------------------------------------------------
 * Accumulators
 * ---------------------------------------------------------------------------- */

/* Events and censorings per grid cell. */
typedef struct {
    int *ev, *ce;
} grid_t;

enum { EP_PFS = 0, EP_OS, EP_DOR, EP_TTNT, EP_PFS2, N_EP };
static const char *const ep_names[N_EP] = {"pfs", "os", "dor", "ttnt", "pfs2"};
static const char *const ep_km[N_EP] = {"PFS", "OS", "DOR", "TTNT", "PFS2"};

typedef struct {
    int n, pr, vgpr, cr, scr, mrd_neg, mrd12_neg, mrd12_known;
    int crs_any, crs3, icans_any, icans3, extinct, deaths;
    int ends[MW__N_ENDS];
    int cart_infused;
    grid_t ep[N_EP];
    /* binary covariates: patients, responders and PFS by level */
    int cov_n[MW_MAX_COVARIATES][2], cov_pr[MW_MAX_COVARIATES][2];
    grid_t cov_pfs[MW_MAX_COVARIATES][2];
    double cov_sum[MW_MAX_COVARIATES];
    /* paired designs, arms > 0: responders on this arm only / on arm 0 only */
    int only_here, only_ref;
} acc_t;

typedef struct {
    const mw__spec_t *sp;
    int nb; /* grid cells */
    acc_t arm[MW_MAX_ARMS];
    /* compacted curve scratch: [nb] each */
    double *t;
    int *e[2], *c[2];
} an_t;

static int
grid_alloc(grid_t *g, int nb)
{
    g->ev = calloc((size_t) nb, sizeof(int));
    g->ce = calloc((size_t) nb, sizeof(int));
    return g->ev != NULL && g->ce != NULL ? 0 : -1;
}

static void
grid_free(grid_t *g)
{
    free(g->ev);
    free(g->ce);
}

static void
grid_add(const an_t *an, grid_t *g, double t, int event)
{
    double x = ceil(t / TIME_RES);
    int b = x < 0 ? 0 : x >= an->nb ? an->nb - 1 : (int) x;
    if (event) {
        g->ev[b]++;
    } else {
        g->ce[b]++;
    }
}

static void
an_free(an_t *an)
{
    for (int a = 0; a < MW_MAX_ARMS; a++) {
        for (int e = 0; e < N_EP; e++) {
            grid_free(&an->arm[a].ep[e]);
        }
        for (int k = 0; k < MW_MAX_COVARIATES; k++) {
            grid_free(&an->arm[a].cov_pfs[k][0]);
            grid_free(&an->arm[a].cov_pfs[k][1]);
        }
    }
    free(an->t);
    for (int g = 0; g < 2; g++) {
        free(an->e[g]);
        free(an->c[g]);
    }
}

static int
an_init(an_t *an, const mw__spec_t *sp)
{
    int bad = 0;
    memset(an, 0, sizeof(*an));
    an->sp = sp;
    an->nb = (int) ceil(sp->horizon_days / TIME_RES) + 2;
    for (int a = 0; a < sp->n_arms; a++) {
        for (int e = 0; e < N_EP; e++) {
            bad |= grid_alloc(&an->arm[a].ep[e], an->nb);
        }
        for (int k = 0; k < sp->n_cov; k++) {
            if (sp->cov_binary[k]) {
                bad |= grid_alloc(&an->arm[a].cov_pfs[k][0], an->nb);
                bad |= grid_alloc(&an->arm[a].cov_pfs[k][1], an->nb);
            }
        }
    }
    an->t = malloc((size_t) an->nb * sizeof(double));
    for (int g = 0; g < 2; g++) {
        an->e[g] = malloc((size_t) an->nb * sizeof(int));
        an->c[g] = malloc((size_t) an->nb * sizeof(int));
        bad |= an->e[g] == NULL || an->c[g] == NULL;
    }
    return bad || an->t == NULL ? -1 : 0;
}

static void
accumulate(an_t *an, const mw__row_t *r, const mw__row_t *ref)
{
    acc_t *A = &an->arm[r->arm];
    const mw__spec_t *sp = an->sp;
    int resp = r->best >= MW_RESP_PR;

    A->n++;
    A->pr += resp;
    A->vgpr += r->best >= MW_RESP_VGPR;
    A->cr += r->best >= MW_RESP_CR;
    A->scr += r->best >= MW_RESP_SCR;
    A->mrd_neg += r->mrd_negative;
    A->mrd12_known += r->mrd_12m >= 0;
    A->mrd12_neg += r->mrd_12m == 1;
    A->crs_any += r->crs >= 1;
    A->crs3 += r->crs >= 3;
    A->icans_any += r->icans >= 1;
    A->icans3 += r->icans >= 3;
    A->extinct += r->extinct;
    A->deaths += r->os_event;
    A->ends[r->followup_end]++;
    A->cart_infused += !isnan(r->cart_cmax);
    grid_add(an, &A->ep[EP_PFS], r->pfs_days, r->pfs_event);
    grid_add(an, &A->ep[EP_OS], r->os_days, r->os_event);
    grid_add(an, &A->ep[EP_TTNT], r->ttnt_days, r->ttnt_event);
    grid_add(an, &A->ep[EP_PFS2], r->pfs2_days, r->pfs2_event);
    if (resp && !isnan(r->dor_days)) {
        grid_add(an, &A->ep[EP_DOR], r->dor_days, r->dor_event);
    }
    for (int k = 0; k < sp->n_cov; k++) {
        A->cov_sum[k] += r->cov[k];
        if (sp->cov_binary[k]) {
            int lv = r->cov[k] != 0;
            A->cov_n[k][lv]++;
            A->cov_pr[k][lv] += resp;
            grid_add(an, &A->cov_pfs[k][lv], r->pfs_days, r->pfs_event);
        }
    }
    if (ref != NULL && r->arm > 0) {
        int ref_resp = ref->best >= MW_RESP_PR;
        A->only_here += resp && !ref_resp;
        A->only_ref += ref_resp && !resp;
    }
}

/* ------------------------------------------------------------------------------
 * tte.csv: one row per patient, arm and parameter, in the ADaM ADTTE shape (AVAL in
 * days from enrolment, CNSR 0 = event and 1 = censored, EVENT its complement).
 * ---------------------------------------------------------------------------- */

static const char *
censor_desc(int end)
{
    switch (end) {
        case MW__END_CUTOFF:
            return "DATA CUT-OFF";
        case MW__END_DROPOUT:
            return "LOST TO FOLLOW-UP";
        case MW__END_DEATH:
            return "DEATH";
        default:
            return "END OF FOLLOW-UP";
    }
}

static void
tte_row(FILE *f, const mw__spec_t *sp, const mw__row_t *r, const char *code,
        const char *param, double aval, int event, const char *event_desc)
{
    csv_text(f, sp->name);
    fprintf(f, ",%d,", r->patient);
    csv_text(f, sp->arm[r->arm]);
    fprintf(f, ",%s,%s", code, param);
    num(f, aval);
    fprintf(f, ",DAYS,%d,%d,%s,%s\n", !event, event,
            event ? event_desc : censor_desc(r->followup_end),
            event ? "" : censor_desc(r->followup_end));
}

static void
tte_rows(FILE *f, const mw__spec_t *sp, const mw__row_t *r)
{
    tte_row(f, sp, r, "PFS", "Progression-free survival", r->pfs_days, r->pfs_event,
            r->pfs_by == MW__PFS_DEATH ? "DEATH" : "PROGRESSION");
    tte_row(f, sp, r, "OS", "Overall survival", r->os_days, r->os_event, "DEATH");
    tte_row(f, sp, r, "TTR", "Time to response", isnan(r->ttr_days) ? r->followup_days
                                                                    : r->ttr_days,
            !isnan(r->ttr_days), "RESPONSE");
    if (r->best >= MW_RESP_PR && !isnan(r->dor_days)) {
        tte_row(f, sp, r, "DOR", "Duration of response", r->dor_days, r->dor_event,
                r->pfs_by == MW__PFS_DEATH ? "DEATH" : "PROGRESSION");
    }
    tte_row(f, sp, r, "TTNT", "Time to next treatment", r->ttnt_days, r->ttnt_event,
            r->ttnt_event && r->os_event && r->ttnt_days == r->os_days ? "DEATH"
                                                                       : "NEXT TREATMENT");
    tte_row(f, sp, r, "PFS2", "Progression-free survival 2", r->pfs2_days, r->pfs2_event,
            r->pfs2_event && r->os_event && r->pfs2_days == r->os_days ? "DEATH"
                                                                       : "PROGRESSION");
}

/* ------------------------------------------------------------------------------
 * Curves and comparisons
 * ---------------------------------------------------------------------------- */

/* Compact grids g[0] (and g[1] if not NULL) into an->t/e/c: the cells where either has
 * a count.  Returns the number of rows. */
static int
compact(an_t *an, const grid_t *g0, const grid_t *g1)
{
    int m = 0;
    for (int b = 0; b < an->nb; b++) {
        int any = g0->ev[b] | g0->ce[b] | (g1 != NULL ? g1->ev[b] | g1->ce[b] : 0);
        if (!any) {
            continue;
        }
        an->t[m] = b * TIME_RES;
        an->e[0][m] = g0->ev[b];
        an->c[0][m] = g0->ce[b];
        if (g1 != NULL) {
            an->e[1][m] = g1->ev[b];
            an->c[1][m] = g1->ce[b];
        }
        m++;
    }
    return m;
}

static int
fit(an_t *an, const grid_t *g, mw_km_t *km)
{
    int m = compact(an, g, NULL);
    return mw__km_fit_counts(km, an->t, an->e[0], an->c[0], m, MW_KM_CI_LOGLOG);
}

static int
compare(an_t *an, const grid_t *ref, const grid_t *g, mw_cox_t *cox, mw_logrank_t *lr)
{
    mw_counts2_t c;
    c.m = compact(an, ref, g);
    c.time = an->t;
    c.event[0] = an->e[0];
    c.event[1] = an->e[1];
    c.censor[0] = an->c[0];
    c.censor[1] = an->c[1];
    int ret = mw__cox_binary_counts(&c, MW_COX_EFRON, cox);
    if (ret == 0 && lr != NULL) {
        ret = mw__logrank_counts(&c, lr);
    }
    return ret;
}

static void
km_rows(FILE *f, const mw__spec_t *sp, int arm, const char *endpoint, const mw_km_t *km)
{
    for (int j = 0; j < km->m; j++) {
        csv_text(f, sp->arm[arm]);
        fprintf(f, ",%s", endpoint);
        num(f, km->time[j]);
        fprintf(f, ",%d,%d,%d,", km->n_risk[j], km->n_event[j], km->n_censor[j]);
        mw__write_num(f, km->surv[j]);
        fputc(',', f);
        mw__write_num(f, km->lower[j]);
        fputc(',', f);
        mw__write_num(f, km->upper[j]);
        fputc('\n', f);
    }
}

static void
json_pair(FILE *f, double lo, double hi)
{
    fputc('[', f);
    mw__json_num(f, lo);
    fputs(", ", f);
    mw__json_num(f, hi);
    fputc(']', f);
}

/* "pfs": {...}: events, median with its Brookmeyer-Crowley interval, landmarks. */
static void
json_endpoint(FILE *f, const char *name, const mw_km_t *km)
{
    mw_km_quantile_t med;
    mw__km_median(km, &med);
    fprintf(f, "\"%s\": {\"patients\": %d, \"events\": %d, \"censored\": %d, "
               "\"median_days\": ",
            name, km->n, km->n_events, km->n - km->n_events);
    mw__json_num(f, med.est);
    fputs(", \"median_ci95\": ", f);
    json_pair(f, med.lower, med.upper);
    fprintf(f, ", \"median_reached\": %s,\n       \"landmarks\": [",
            isinf(med.est) ? "false" : "true");
    for (int k = 0; k < N_LANDMARKS; k++) {
        mw_km_point_t p;
        mw__km_at(km, landmark_months[k] * MW__DAYS_PER_MONTH, &p);
        fprintf(f, "%s\n         {\"months\": %g, \"day\": ", k > 0 ? "," : "",
                landmark_months[k]);
        mw__json_num(f, p.t);
        fputs(", \"surv\": ", f);
        mw__json_num(f, p.surv);
        fputs(", \"ci95\": ", f);
        json_pair(f, p.lower, p.upper);
        fprintf(f, ", \"n_risk\": %d, \"n_event\": %d, \"n_censor\": %d}", p.n_risk,
                p.n_event, p.n_censor);
    }
    fputs("]}", f);
}

static const char *
cox_status(int s)
{
    static const char *const names[] = {"ok", "no events", "no contrast",
                                        "infinite estimate", "not converged"};
    return s >= 0 && s <= MW_COX_NOT_CONVERGED ? names[s] : "?";
}

/* {"hr": .., "ci95": [..], "wald_p": .., "logrank_chisq": .., "logrank_p": .., ...} */
static void
json_cox(FILE *f, const mw_cox_t *cox, const mw_logrank_t *lr)
{
    fputs("{\"hr\": ", f);
    mw__json_num(f, cox->hr);
    fputs(", \"ci95\": ", f);
    json_pair(f, cox->hr_lower, cox->hr_upper);
    fputs(", \"wald_p\": ", f);
    mw__json_num(f, cox->wald_p);
    if (lr != NULL) {
        fputs(", \"logrank_chisq\": ", f);
        mw__json_num(f, lr->chisq);
        fputs(", \"logrank_p\": ", f);
        mw__json_num(f, lr->p);
    }
    fprintf(f, ", \"events\": [%d, %d], \"status\": \"%s\"}", cox->events[0],
            cox->events[1], cox_status(cox->status));
}

/* McNemar's test on discordant pairs (b, c) with continuity correction. */
static double
mcnemar_p(int b, int c)
{
    if (b + c == 0) {
        return NAN;
    }
    double x = fabs((double) (b - c)) - 1.0;
    x = x < 0 ? 0 : x;
    return erfc(sqrt(x * x / (b + c) / 2.0));
}

/* A rate with its Wilson interval (mw__json_fraction); lists of them, one per line. */
typedef struct {
    const char *name;
    int k, n;
} frac_t;

static void
json_fractions(FILE *f, const frac_t *x, int m)
{
    for (int i = 0; i < m; i++) {
        fputs(i > 0 ? ",\n       " : "", f);
        mw__json_fraction(f, x[i].name, x[i].k, x[i].n);
    }
}

static int
write_arm(an_t *an, FILE *js, FILE *km_csv, int a, mw_arm_result_t *res)
{
    const mw__spec_t *sp = an->sp;
    acc_t *A = &an->arm[a];
    mw_km_t km[N_EP];
    int ret = 0;

    memset(km, 0, sizeof(km));
    for (int e = 0; e < N_EP && ret == 0; e++) {
        ret = fit(an, &A->ep[e], &km[e]);
    }
    if (ret != 0) {
        goto out;
    }
    for (int e = 0; e < N_EP; e++) {
        km_rows(km_csv, sp, a, ep_km[e], &km[e]);
    }
    fprintf(js, "%s\n    {\"arm\": ", a > 0 ? "," : "");
    mw__json_str(js, sp->arm[a]);
    fprintf(js, ", \"patients\": %d,\n     \"response\": {\n       ", A->n);
    const frac_t response[] = {{"pr_or_better", A->pr, A->n},
                               {"vgpr_or_better", A->vgpr, A->n},
                               {"cr_or_better", A->cr, A->n},
                               {"scr", A->scr, A->n},
                               {"mrd_negative", A->mrd_neg, A->n},
                               {"mrd_negative_12m", A->mrd12_neg, A->mrd12_known}};
    json_fractions(js, response, (int) (sizeof(response) / sizeof(response[0])));
    fputs("},\n     ", js);
    for (int e = 0; e < N_EP; e++) {
        json_endpoint(js, ep_names[e], &km[e]);
        fputs(",\n     ", js);
    }
    fputs("\"toxicity\": {\n       ", js);
    const frac_t toxicity[] = {{"crs_any", A->crs_any, A->n},
                               {"crs_grade3plus", A->crs3, A->n},
                               {"icans_any", A->icans_any, A->n},
                               {"icans_grade3plus", A->icans3, A->n}};
    json_fractions(js, toxicity, (int) (sizeof(toxicity) / sizeof(toxicity[0])));
    fputs("},\n     ", js);
    mw__json_fraction(js, "extinct", A->extinct, A->n);
    fprintf(js, ",\n     \"cart_infused\": %d,\n     \"followup_end\": {", A->cart_infused);
    for (int k = 0; k < MW__N_ENDS; k++) {
        fprintf(js, "%s\"%s\": %d", k > 0 ? ", " : "", end_names[k], A->ends[k]);
    }
    fputs("},\n     \"covariates\": [", js);
    for (int k = 0; k < sp->n_cov; k++) {
        fprintf(js, "%s\n       {\"name\": ", k > 0 ? "," : "");
        mw__json_str(js, sp->cov[k]);
        fputs(", \"mean\": ", js);
        mw__json_num(js, A->n > 0 ? A->cov_sum[k] / A->n : NAN);
        if (sp->cov_binary[k]) {
            mw_cox_t cox;
            fputs(", \"levels\": [", js);
            for (int lv = 0; lv < 2; lv++) {
                mw_km_t k1;
                mw_km_quantile_t med;
                if ((ret = fit(an, &A->cov_pfs[k][lv], &k1)) != 0) {
                    goto out;
                }
                mw__km_median(&k1, &med);
                mw__km_free(&k1);
                fprintf(js, "%s{\"value\": %d, \"patients\": %d, ", lv > 0 ? ", " : "", lv,
                        A->cov_n[k][lv]);
                mw__json_fraction(js, "pr_or_better", A->cov_pr[k][lv], A->cov_n[k][lv]);
                fputs(", \"pfs_median_days\": ", js);
                mw__json_num(js, med.est);
                fputs(", \"pfs_median_ci95\": ", js);
                json_pair(js, med.lower, med.upper);
                fputc('}', js);
            }
            if ((ret = compare(an, &A->cov_pfs[k][0], &A->cov_pfs[k][1], &cox, NULL)) != 0) {
                goto out;
            }
            fputs("],\n        \"pfs_hr_present_vs_absent\": ", js);
            json_cox(js, &cox, NULL);
        }
        fputc('}', js);
    }
    fputs("]}", js);

    if (res != NULL) {
        mw_km_quantile_t q;
        mw_km_point_t p;
        memset(res, 0, sizeof(*res));
        snprintf(res->name, sizeof(res->name), "%s", sp->arm[a]);
        res->n_patients = A->n;
        res->n_pfs_events = km[EP_PFS].n_events;
        res->n_deaths = A->deaths;
        res->orr = (double) A->pr / A->n;
        res->vgpr_rate = (double) A->vgpr / A->n;
        res->cr_rate = (double) A->cr / A->n;
        res->scr_rate = (double) A->scr / A->n;
        res->mrd_negative_rate = (double) A->mrd_neg / A->n;
        mw__km_median(&km[EP_PFS], &q);
        res->median_pfs_days = q.est;
        res->median_pfs_lower = q.lower;
        res->median_pfs_upper = q.upper;
        mw__km_at(&km[EP_PFS], 12 * MW__DAYS_PER_MONTH, &p);
        res->pfs_12m = p.surv;
        res->pfs_12m_lower = p.lower;
        res->pfs_12m_upper = p.upper;
        mw__km_median(&km[EP_OS], &q);
        res->median_os_days = q.est;
        res->hr_pfs = res->hr_pfs_lower = res->hr_pfs_upper = res->logrank_p = NAN;
    }
out:
    for (int e = 0; e < N_EP; e++) {
        mw__km_free(&km[e]);
    }
    return ret;
}

/* "comparisons": each arm against arm 0, on PFS and OS, overall and within each level
 * of each binary covariate. */
static int
write_comparisons(an_t *an, FILE *js, mw_cohort_result_t *result)
{
    const mw__spec_t *sp = an->sp;
    int ret = 0;

    fputs("  \"comparisons\": [", js);
    for (int a = 1; a < sp->n_arms; a++) {
        acc_t *A = &an->arm[a], *R = &an->arm[0];
        mw_cox_t cox;
        mw_logrank_t lr;

        fprintf(js, "%s\n    {\"arm\": ", a > 1 ? "," : "");
        mw__json_str(js, sp->arm[a]);
        fputs(", \"reference\": ", js);
        mw__json_str(js, sp->arm[0]);
        for (int e = 0; e < 2; e++) {
            if ((ret = compare(an, &R->ep[e], &A->ep[e], &cox, &lr)) != 0) {
                return ret;
            }
            fprintf(js, ",\n     \"%s\": ", ep_names[e]);
            json_cox(js, &cox, &lr);
            if (e == EP_PFS && result != NULL) {
                mw_arm_result_t *r = &result->arms[a];
                r->hr_pfs = cox.hr;
                r->hr_pfs_lower = cox.hr_lower;
                r->hr_pfs_upper = cox.hr_upper;
                r->logrank_p = lr.p;
            }
        }
        fputs(",\n     \"orr_difference\": ", js);
        mw__json_num(js, (double) A->pr / A->n - (double) R->pr / R->n);
        if (sp->design == MW_DESIGN_PAIRED) {
            fprintf(js,
                    ",\n     \"paired_response\": {\"responders_only_on_arm\": %d, "
                    "\"responders_only_on_reference\": %d, \"mcnemar_p\": ",
                    A->only_here, A->only_ref);
            mw__json_num(js, mcnemar_p(A->only_here, A->only_ref));
            fputc('}', js);
        }
        fputs(",\n     \"pfs_by_subgroup\": [", js);
        int first = 1;
        for (int k = 0; k < sp->n_cov; k++) {
            if (!sp->cov_binary[k]) {
                continue;
            }
            for (int lv = 0; lv < 2; lv++) {
                if ((ret = compare(an, &R->cov_pfs[k][lv], &A->cov_pfs[k][lv], &cox,
                                   &lr)) != 0) {
                    return ret;
                }
                fprintf(js, "%s\n       {\"covariate\": ", first ? "" : ",");
                mw__json_str(js, sp->cov[k]);
                fprintf(js, ", \"value\": %d, \"patients\": [%d, %d], \"hr\": ", lv,
                        R->cov_n[k][lv], A->cov_n[k][lv]);
                json_cox(js, &cox, &lr);
                fputc('}', js);
                first = 0;
            }
        }
        fputs("]}", js);
    }
    fputs("]\n", js);
    return 0;
}

/* One line of @p f into *@p buf without its line break: see trial.h. */
int
mw__read_line(FILE *f, char **buf, size_t *cap)
{
    errno = 0;
    ssize_t k = getline(buf, cap, f);
    if (k <= 0) {
        if (ferror(f)) {
            return MW__LINE_ERROR;
        }
        if (!feof(f)) {
            return errno == ENOMEM ? MW__LINE_NO_MEMORY : MW__LINE_ERROR;
        }
        return 0;
    }
    if ((*buf)[k - 1] != '\n') {
        return MW__LINE_CUT;
    }
    (*buf)[--k] = '\0';
    if (k > 0 && (*buf)[k - 1] == '\r') {
        (*buf)[k - 1] = '\0';
    }
    return 1;
}

/* Read one line of @p f into *buf; 1 with a whole line (newline removed), 0 at the
 * end, -1 for a last line without its newline. */
static int
next_line(FILE *f, char **buf, size_t *cap)
{
    ssize_t k = getline(buf, cap, f);
    if (k <= 0) {
        return 0;
    }
    if ((*buf)[k - 1] != '\n') {
        return -1;
    }
    (*buf)[k - 1] = '\0';
    return 1;
}

int
mw__analyse(const mw__spec_t *sp, const mw__rows_in_t *in, int n_in,
            const mw__analysis_out_t *out, mw_cohort_result_t *result, char *errbuf,
            size_t errlen)
{
    an_t an;
    char *line = NULL, *copy = NULL, why[160];
    size_t cap = 0;
    int ret = 0, total = 0;
    mw__row_t row, ref;
    FILE *hdr = NULL;
    char *want_hdr = NULL;
    size_t want_len = 0;

    if (an_init(&an, sp) != 0) {
        an_free(&an);
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    hdr = open_memstream(&want_hdr, &want_len);
    if (hdr == NULL) {
        an_free(&an);
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    mw__row_header(hdr, sp);
    int bad = ferror(hdr);
    if (fclose(hdr) != 0 || bad || want_hdr == NULL || want_len == 0) {
        an_free(&an);
        free(want_hdr);
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    if (out->patients != NULL) {
        fputs(want_hdr, out->patients);
    }
    fputs("STUDYID,USUBJID,ARM,PARAMCD,PARAM,AVAL,AVALU,CNSR,EVENT,EVNTDESC,CNSDTDSC\n",
          out->tte);

    for (int s = 0; s < n_in && ret == 0; s++) {
        FILE *f = fopen(in[s].path, "r");
        long lineno = 1;
        int p = in[s].first, a = 0;
        if (f == NULL) {
            mw__seterr(errbuf, errlen, "cannot read '%s': %s", in[s].path, strerror(errno));
            ret = MW_ERR_IO;
            break;
        }
        int k = next_line(f, &line, &cap);
        want_hdr[want_len - 1] = '\0';
        if (k != 1 || strcmp(line, want_hdr) != 0) {
            mw__seterr(errbuf, errlen,
                       "%s:1: the header is not that of this trial's patients.csv",
                       in[s].path);
            ret = MW_ERR_CONFIG;
        }
        want_hdr[want_len - 1] = '\n';
        while (ret == 0 && (k = next_line(f, &line, &cap)) == 1) {
            lineno++;
            if (out->patients != NULL) {
                free(copy);
                copy = strdup(line);
                if (copy == NULL) {
                    mw__seterr(errbuf, errlen, "%s:%ld: out of memory", in[s].path, lineno);
                    ret = MW_ERR_NO_MEMORY;
                    break;
                }
            }
            if (mw__row_parse(line, sp, &row, why, sizeof(why)) != 0) {
                mw__seterr(errbuf, errlen, "%s:%ld: %s", in[s].path, lineno, why);
                ret = MW_ERR_CONFIG;
                break;
            }
            /* Patients in order; paired: every arm of each, in order. */
            int want_arm = sp->design == MW_DESIGN_PAIRED ? a : row.arm;
            if (row.patient != p || row.arm != want_arm || p >= in[s].end) {
                mw__seterr(errbuf, errlen,
                           "%s:%ld: expected patient %d%s%s, found patient %d on arm %s "
                           "(rows missing, repeated or out of order)",
                           in[s].path, lineno, p,
                           sp->design == MW_DESIGN_PAIRED ? " on arm " : "",
                           sp->design == MW_DESIGN_PAIRED ? sp->arm[a] : "", row.patient,
                           sp->arm[row.arm]);
                ret = MW_ERR_CONFIG;
                break;
            }
            if (row.arm == 0) {
                ref = row;
            }
            accumulate(&an, &row, sp->design == MW_DESIGN_PAIRED ? &ref : NULL);
            tte_rows(out->tte, sp, &row);
            if (out->patients != NULL) {
                fputs(copy, out->patients);
                fputc('\n', out->patients);
            }
            total++;
            if (sp->design != MW_DESIGN_PAIRED || ++a == sp->n_arms) {
                a = 0;
                p++;
            }
        }
        if (ret == 0 && k < 0) {
            mw__seterr(errbuf, errlen, "%s:%ld: the last line is cut short", in[s].path,
                       lineno + 1);
            ret = MW_ERR_CONFIG;
        }
        if (ret == 0 && p != in[s].end) {
            mw__seterr(errbuf, errlen, "%s: holds patients %d..%d, expected %d..%d",
                       in[s].path, in[s].first, p - 1, in[s].first, in[s].end - 1);
            ret = MW_ERR_CONFIG;
        }
        fclose(f);
    }
    free(line);
    free(copy);
    free(want_hdr);
    if (ret != 0) {
        an_free(&an);
        return ret;
    }

    /* km.csv and summary.json */
    FILE *js = out->summary;
    fputs("arm,endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n", out->km);
    fprintf(js, "{\n  \"marrow_version\": \"%s\",\n  \"scenario\": ", mw_version());
    mw__json_str(js, sp->name);
    fputs(",\n  \"trial_id\": ", js);
    mw__json_str(js, sp->id);
    fprintf(js,
            ",\n  \"seed\": %llu,\n  \"mode\": \"%s\",\n  \"design\": \"%s\",\n"
            "  \"patients\": %d,\n  \"patient_range\": [%d, %d],\n  \"rows\": %d,\n",
            (unsigned long long) sp->seed, sp->mode, design_names[sp->design],
            sp->end - sp->first, sp->first, sp->end, total);
    fputs("  \"horizon_days\": ", js);
    mw__json_num(js, sp->horizon_days);
    fputs(",\n  \"enrolment_days\": ", js);
    mw__json_num(js, sp->enrolment_days);
    fputs(",\n  \"data_cutoff_day\": ", js);
    mw__json_num(js, sp->data_cutoff_day);
    fputs(",\n  \"dropout_per_year\": ", js);
    mw__json_num(js, sp->dropout_per_year);
    fputs(",\n  \"days_per_month\": ", js);
    mw__json_num(js, MW__DAYS_PER_MONTH);
    fputs(",\n  \"km_time_resolution_days\": ", js);
    mw__json_num(js, TIME_RES);
    fputs(",\n  \"arms\": [", js);
    if (result != NULL) {
        result->n_arms = sp->n_arms;
        result->n_patients = sp->end - sp->first;
    }
    for (int a = 0; a < sp->n_arms && ret == 0; a++) {
        ret = write_arm(&an, js, out->km, a, result != NULL ? &result->arms[a] : NULL);
    }
    if (ret == 0) {
        fputs("\n  ],\n", js);
        ret = write_comparisons(&an, js, result);
        fputs("}\n", js);
    }
    if (ret != 0) {
        mw__seterr(errbuf, errlen, "cannot compute the survival statistics: %s",
                   mw_strerror(ret));
    }
    an_free(&an);
    return ret;
}
