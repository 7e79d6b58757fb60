/*
 * Private: the clinic (SPEC.md §5).  Assays are done only at visits, each drawing
 * with measurement noise and assay limits from the hidden state through the
 * measurement random stream, so adding or removing an assay never changes the
 * tumour's path.  What is drawn goes to the observation log; the IMWG classifier
 * (imwg.h) and the treatment decisions read that log, never the state.
 */
#ifndef MW_CLINIC_H
#define MW_CLINIC_H

#include "clinic/imwg.h"
#include "clinic/policy.h"
#include "marrow.h"

struct mw_sim;

typedef struct {
    int on;                     /* some assay is scheduled */
    double next[MW_N_ASSAYS];   /* next periodic visit per assay, inf when none */
    int pending[MW_N_ASSAYS];   /* due now: the line just started */
    double done[MW_N_ASSAYS];   /* last time each assay was done */
    mw_rng_t rng;               /* MW_STREAM_MEASUREMENT */
    /* the observation log */
    int n_obs, cap_obs;
    mw_obs_t *obs;
    /* the latest value of each IMWG item, whenever it was measured */
    mw_imwg_obs_t last;
    int emd_seen;               /* imaging: latest reading */
    int emd_at_start;           /* imaging at or before the line's start saw EMD */
    /* A scenario without a plan is assessed as one implicit line (index 0) from
     * the first CAR-T infusion or engager dose (day 0 at the earliest, day 0 when
     * none is given): the clinic starts it itself at implicit_day. */
    int implicit;               /* no plan: the clinic owns line 0 */
    double implicit_day;        /* its start; inf once started */
    /* IMWG state of the current line */
    int line;                   /* the line it belongs to, -1 none */
    double line_start;
    mw_imwg_rules_t rules;
    mw_imwg_t imwg;
    mw_imwg_result_t result;    /* at the last assessment */
    int assessed;               /* some assessment since the line started */
    int need_baseline;          /* nothing measured before the line: the next visit is */
    int done_line;              /* progression confirmed: no more assessments */
    /* flow: the latest readings, and the latest at the line's start */
    double flow_t;
    double flow_neg[MW_N_ANTIGENS], flow_med[MW_N_ANTIGENS];
    double flow_base_med[MW_N_ANTIGENS];
    /* single cells captured */
    int n_cells, cap_cells, n_sc_samples;
    mw_cell_obs_t *cells;
    /* policies: what each has read */
    mw_policy_state_t pol[MW_MAX_POLICIES];
    /* per line: response record */
    mw_line_response_t lines[MW_MAX_LINES];
    /* scratch, grown as needed */
    int cap_scratch;
    double *dens;               /* flow: per-cell densities */
    uint64_t *carry;            /* ctDNA: catalogue entries each clone carries */
    int *root;                  /* ctDNA: founder of each clone */
} mw_clin_t;

/* Set up schedules and the measurement stream; after the therapy init. */
int mw__clinic_init(struct mw_sim *s);
void mw__clinic_free(struct mw_sim *s);
/* Next time > t at which some assay is due; inf if none. */
double mw__clinic_next_time(const struct mw_sim *s, double t);
/* Do every assay due at or before t (visits at t), classify the response, and act
 * on confirmed progression (the next line). */
int mw__clinic_apply(struct mw_sim *s, double t);
/* A line started at t: its IMWG baseline is the latest of each item, updated by
 * the assays done at t (at_line_start). */
void mw__clinic_line_start(struct mw_sim *s, double t);

#endif
