/*
 * Private: adaptive treatment policies (SPEC.md §6).
 *
 * A policy sees only its own readings (the last values of one observed quantity,
 * pushed by the clinic as it records them) and the plan's position.  This module
 * does not include the engine's state: it cannot read the hidden truth.
 */
#ifndef MW_POLICY_H
#define MW_POLICY_H

#include "marrow.h"

#define MW_POLICY_RING 9 /* readings kept: visits (<= 8) and one more for `rising` */

typedef struct {
    int q, index;               /* the quantity it watches */
    int n;                      /* readings held, at most MW_POLICY_RING */
    double v[MW_POLICY_RING];   /* the latest readings, oldest first */
    int fired;                  /* times it fired */
    double t_last;              /* day of the latest reading */
} mw_policy_state_t;

/* Everything a policy may read besides its readings. */
typedef struct {
    double t;                   /* now: a policy acts only on a reading taken now */
    int line;                   /* current line, 0-based; -1 before the first */
    int treated;                /* the line's treatment is running (not stopped, not over) */
} mw_policy_view_t;

/* The base name of quantity q ("mprotein_g_dl", "antigen_median", "vaf", ...). */
const char *mw__quantity_base(int q);
/* Parse an observations.csv quantity label into (q, index); 0 or MW_ERR_BAD_VALUE. */
int mw__quantity_parse(const mw_scenario_t *sc, const char *label, int *q, int *index);
/* Add a reading taken at t (the oldest falls off). */
void mw__policy_push(mw_policy_state_t *st, double t, double value);
/* 1 when p's condition holds now; *value gets the reading that completed it. */
int mw__policy_due(const mw_policy_t *p, const mw_policy_state_t *st,
                   const mw_policy_view_t *v, double *value);

#endif
