/*
 * Private: IMWG response and progression for one line of therapy, classified from
 * what the clinic measured, never from the hidden model state (IMWG 2016: Kumar et
 * al. Lancet Oncol 2016;17:e328; Durie et al. Leukemia 2006;20:1467).
 *
 * A line starts with a baseline assessment, which fixes the disease basis (serum
 * M-protein, serum free light chains or marrow plasma cells) and the first nadir.
 * Each later assessment is classified on its own (PD first, then sCR ... SD), and
 * the per-visit categories are confirmed over consecutive assessments.  See imwg.c
 * for every rule and for the choices the criteria leave open.
 */
#ifndef MW_IMWG_H
#define MW_IMWG_H

#include "marrow.h" /* mw_response_t */

/* What the response is measured on, fixed at baseline. */
typedef enum {
    MW_IMWG_BASIS_NONE = 0, /* nothing measurable: every visit NE except PD */
    MW_IMWG_BASIS_MPROTEIN, /* serum M-protein, g/dL */
    MW_IMWG_BASIS_FLC,      /* involved - uninvolved serum FLC, mg/L */
    MW_IMWG_BASIS_MARROW    /* marrow plasma cells, % */
} mw_imwg_basis_t;

/* "none", "mprotein", "flc", "marrow" ("?" for anything else). */
const char *mw__imwg_basis_name(int basis);

/* What the clinic measured at one assessment; anything not done is NAN / -1. */
typedef struct {
    double t;         /* day */
    double mprotein;  /* serum M-protein by SPEP, g/dL; 0 when no band is seen */
    int ife;          /* serum immunofixation: 1 positive, 0 negative, -1 not done */
    double flc_inv;   /* involved serum free light chain, mg/L */
    double flc_uninv; /* uninvolved serum free light chain, mg/L */
    double marrow_pc; /* marrow plasma cells, % of nucleated cells */
    int mrd;          /* marrow MRD: 1 positive, 0 negative, -1 not done */
    int new_lesion;   /* imaging: 1 new or growing lesion, 0 none, -1 no imaging */
} mw_imwg_obs_t;

/* Thresholds; mw__imwg_rules_default gives each with its source. */
typedef struct {
    double pr, vgpr, mr;     /* fractional reductions from baseline */
    double pd_rise;          /* fractional rise from the nadir */
    double pd_abs;           /* g/dL absolute rise from the nadir ... */
    double pd_abs_high;      /* ... or this rise alone when the nadir >= pd_high_nadir */
    double pd_high_nadir;    /* g/dL */
    double measurable_m;     /* g/dL baseline serum M-protein */
    double measurable_flc;   /* mg/L baseline involved FLC (with an abnormal ratio) */
    double flc_pd_abs;       /* mg/L rise of the involved - uninvolved difference */
    double marrow_pd_abs;    /* percentage points of marrow plasma cells */
    double marrow_basis_min; /* % baseline marrow plasma cells for the marrow basis */
    double cr_marrow_max;    /* % marrow plasma cells below which CR is possible */
    double ratio_lo, ratio_hi; /* normal kappa / lambda ratio */
    int flc_kappa;             /* 1 kappa disease (involved = kappa), 0 lambda */
    int confirm;               /* consecutive assessments to confirm (1..CONFIRM_MAX) */
} mw_imwg_rules_t;

#define MW_IMWG_CONFIRM_MAX 8

/* Bits returned by mw__imwg_visit. */
#define MW_IMWG_RESPONSE_CHANGED 1 /* the confirmed response changed */
#define MW_IMWG_PROGRESSION      2 /* PD was confirmed at this visit */

typedef struct {
    int visit;           /* this visit's unconfirmed category (MW_RESP_*) */
    int confirmed;       /* confirmed response after this visit */
    int best;            /* best confirmed response so far in the line */
    double response_day; /* first day of the visits confirming the first response
                          * >= PR (time to response); NAN if none yet */
    double pd_day;       /* first day of the visits confirming PD; NAN if none */
    double nadir;        /* nadir (on the basis) this visit was compared with */
    double value;        /* this visit's value on the basis; NAN not measured */
    double reduction;    /* 1 - value / baseline value; NAN not measured */
    int basis;           /* MW_IMWG_BASIS_* */
} mw_imwg_result_t;

/* Per-line state: plain data, no allocation; copy it freely. */
typedef struct {
    mw_imwg_rules_t rules;
    int basis;
    double base;         /* baseline value on the basis */
    double nadir;        /* lowest basis value at baseline and the non-PD visits */
    double marrow_nadir; /* the same for marrow plasma cells in any basis; NAN none */
    double m_nadir;      /* the same for serum M-protein in any basis; NAN none */
    double last_marrow;  /* most recent marrow PC % of the line's visits; NAN none */
    int last_mrd;        /* most recent MRD of the line's visits; -1 none */
    int last_flc_normal; /* most recent FLC ratio of the line's visits: 1 normal,
                          * 0 abnormal, -1 none */
    double t_last;       /* day of the last assessment (baseline included) */
    int n_win;           /* evaluated visits held in win, at most rules.confirm */
    int win[MW_IMWG_CONFIRM_MAX];      /* their categories, oldest first */
    double win_t[MW_IMWG_CONFIRM_MAX]; /* their days */
    int pd_run;                        /* consecutive evaluated visits classified PD */
    double pd_t;                       /* day of the first of them */
    int confirmed, best;
    double response_day, pd_day;
    int done; /* PD confirmed: terminal for the line */
} mw_imwg_t;

void mw__imwg_rules_default(mw_imwg_rules_t *r);
/* Whether the ratio involved / uninvolved (mg/L each) is inside the normal kappa /
 * lambda range for the rules' light-chain type; 0 when it cannot be computed. */
int mw__imwg_flc_normal(const mw_imwg_rules_t *r, double inv, double uninv);
/* Start a line at @p baseline (its t is the line's day 0 for ordering).  Returns the
 * basis (MW_IMWG_BASIS_*), or MW_ERR_BAD_PARAM when rules.confirm is out of range. */
int mw__imwg_start(mw_imwg_t *s, const mw_imwg_rules_t *r, const mw_imwg_obs_t *baseline);
/* Classify one assessment; times strictly increasing.  Fills *out and returns the
 * MW_IMWG_* bits (0 when nothing changed), or MW_ERR_BAD_PARAM (state and *out
 * untouched) when o->t is not after the previous assessment. */
int mw__imwg_visit(mw_imwg_t *s, const mw_imwg_obs_t *o, mw_imwg_result_t *out);

#endif
