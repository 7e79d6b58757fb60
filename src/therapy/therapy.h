/*
 * Private: drugs in the body and the treatment plan (SPEC.md §4), shared by the
 * three engine modes.
 *
 * Each drug has a one-compartment PK state kept in closed form relative to the
 * time of its last dose (central amount A, absorption depot G, infusion rate R),
 * so the concentration at any time costs two or three exponentials.  The tumour
 * kill a drug adds to clone c is
 *
 *   k_c(t) = emax * sens_c * prot_c(IL-6) * H(C(t) / f_c) * (1 - downreg H) * nk(t)
 *
 * with occupancy H(C) = C^h / (C^h + EC50^h), sens_c from the drug x trait table
 * (computed once per clone), f_c = efflux_c^substrate, prot_c the cell-adhesion
 * (IL-6) protection of marrow cells.  The plan is a small state machine: lines,
 * phases and cycles; a cycle's doses are queued when the cycle starts.
 */
#ifndef MW_THERAPY_H
#define MW_THERAPY_H

#include "marrow.h"

#define MW_DOSEQ_MAX 768 /* doses queued ahead: one cycle of every drug */
#define MW_FCACHE 8      /* hybrid: integrals at efflux-shifted concentrations per step */

struct mw_sim;

/* One drug's PK state at t_ref: amounts in mg, infusion in mg/day until t_inf_end;
 * and the state right after the last dose (td, Ad, Gd), the anchor of hybrid
 * integrals over an absorption phase. */
typedef struct {
    double t_ref;
    double A, G, R;
    double t_inf_end;
    double td, Ad, Gd;
} mw_pk_t;

#define MW_ABS_CACHE 8 /* hybrid: absorption-phase integrals kept per drug */

/* The absorption phase after a dose that leaves (Ad, Gd) in the body: it ends when
 * what is left in the depot no longer matters (sc days after the dose, central
 * amount cen then); J1, J2 are int H and int H^2 over it at efflux factor 1/inv_f. */
typedef struct {
    double Ad, Gd, inv_f;
    double sc, cen, J1, J2;
} mw_abs_t;

typedef struct {
    double t;
    int drug;
    double mg;
} mw_dose_ev_t;

/* Drug effects on the immune system and markers at one instant (products and sums
 * over drugs of the per-drug effect times its occupancy). */
typedef struct {
    double boost;      /* multiplies T, NK and CAR-T killing (>= 1) */
    double t_keep;     /* fraction of T / CAR-T killing and expansion kept (<= 1) */
    double nk_death;   /* extra NK death per day */
    double pd1;        /* PD-1 blockade occupancy */
    double priming;    /* multiplies endogenous T influx (>= 1) */
    double bcma_fold;  /* surface BCMA density fold (>= 1) */
    double sbcma_keep; /* fraction of sBCMA shedding kept */
    double demeth;     /* fractional rise of the switch-back rate */
} mw_drug_fx_t;

typedef struct {
    int on;  /* a plan exists */
    int nu;  /* drugs used by the plan */
    int drug_of[MW_MAX_DRUGS]; /* used slot -> library index */
    int slot_of[MW_MAX_DRUGS]; /* library index -> used slot or -1 */
    /* per used slot: resolved constants */
    double ke[MW_MAX_DRUGS], ka[MW_MAX_DRUGS]; /* 1/day */
    double ng_per_mg[MW_MAX_DRUGS];            /* 1000 / V */
    double ec50h[MW_MAX_DRUGS];                /* EC50^hill */
    int instant[MW_MAX_DRUGS];                 /* radiation or lymphodepleting */
    int tumour_kill[MW_MAX_DRUGS];             /* emax > 0 */
    int per_clone_f;                           /* some used drug is a P-gp substrate */
    mw_pk_t pk[MW_MAX_DRUGS];
    /* queue of doses not yet given, in time order */
    int nq, q0;
    mw_dose_ev_t q[MW_DOSEQ_MAX];
    /* plan state */
    int line, phase, cycle, n_cycles; /* n_cycles 0 = until progression */
    int regimen;                      /* regimen of the phase, -1 none */
    int add_regimen, add_cycle;       /* a policy's added regimen, -1 none */
    double add_next;                  /* its next cycle, or inf */
    double dose_scale;
    double stop_at;                   /* the active regimen ends here (bridging) */
    double next_cycle;                /* start of the next cycle, or inf */
    double phase_start;               /* start of the next phase (when waiting), or inf */
    int cart_product;                 /* product of a CAR-T line, -1 none */
    double t_infusion, t_ld;          /* CAR-T course times (inf when none) */
    int bridging;                     /* regimen index, -1 none */
    int ld_regimen;
    int course_stage;                 /* 0 bridging, 1 lymphodepletion, 2 after infusion */
    int wait_infusion;                /* the course's regimens are over; the line ends at infusion */
    double line_start;
    int progressions;
    double first_progression;
    int line_done;                    /* every phase given; waiting for progression */
    /* current effects (piecewise constant: refreshed by the engines) */
    mw_drug_fx_t fx;
    mw_drug_fx_t fx_ref;              /* effects at the last immune refresh */
    double fx_bcma_recog;             /* bcma_fold the recognition tables were built with */
    double h_now[MW_MAX_DRUGS];       /* occupancy per used slot at the last refresh */
    /* hybrid: this step's hazard integrals */
    double step_t0, step_t1;
    double step_k[MW_MAX_DRUGS];    /* average kill per cell, before sens and niche */
    double step_nk[MW_MAX_DRUGS];   /* NK factor of the step */
    double step_prot[MW_MAX_DRUGS]; /* niche protection per unit of niche dependence */
    int nf;
    struct {
        int j;
        double f, k; /* efflux factor, its step_k */
    } fcache[MW_FCACHE];
    /* hybrid: absorption phases (a periodic regimen repeats the same few), and the
     * last partial one (a step's end is the next step's start) */
    mw_abs_t abs[MW_MAX_DRUGS][MW_ABS_CACHE];
    int abs_n[MW_MAX_DRUGS], abs_next[MW_MAX_DRUGS];
    struct {
        double td, inv_f, x, J1, J2;
    } part[MW_MAX_DRUGS];
    /* exact: drug kill bounds hold until this time */
    double bound_until;
} mw_ther_t;

/* Set up the plan and PK from the scenario (after the immune init). */
int mw__ther_init(struct mw_sim *s);
/* Per-clone drug tables for clone c (sensitivity, efflux factor). */
void mw__ther_clone(struct mw_sim *s, int c);
/* Next time > t at which the plan needs the engine to stop (structural events, and
 * doses that act instantly or, outside hybrid mode, every dose); inf if none. */
double mw__ther_next_time(const struct mw_sim *s, double t);
/* Carry out everything due at or before t: plan transitions, progression checks,
 * doses (PK, instant effects). */
int mw__ther_apply(struct mw_sim *s, double t);
/* The clinic confirmed progression at t (progression date pd_day, observed
 * M-protein m_obs or -1): next line, or off treatment. */
int mw__ther_progressed(struct mw_sim *s, double t, double pd_day, double m_obs);
/* Policies: start line l (0-based; past the last: stop) or stop the current line's
 * treatment, at t. */
int mw__ther_goto_line(struct mw_sim *s, int l, double t);
int mw__ther_stop(struct mw_sim *s, double t);
/* A policy gives the current line's phases again from t (no new line: the clinic
 * keeps its IMWG baseline); nothing if the line's treatment is running. */
int mw__ther_resume(struct mw_sim *s, double t);
/* The current line's treatment is running: a line, not stopped, phases not over. */
int mw__ther_treating(const struct mw_sim *s);
/* A policy adds regimen r (a scenario index) at t, alongside the line's own, for the
 * regimen's cycles (0: until the line ends). */
int mw__ther_add_regimen(struct mw_sim *s, int r, double t);
/* Give (log, add to PK) every queued dose with time <= t (hybrid, inside a step). */
int mw__ther_give_doses(struct mw_sim *s, double t);

/* Concentration (ng/mL) of used slot j at time t (no queued dose before t). */
double mw__ther_conc(const struct mw_sim *s, int j, double t);
/* Occupancy of slot j at concentration c. */
double mw__ther_occ(const struct mw_sim *s, int j, double c);
/* Drug kill per cell of clone c in compartment comp at time t (exact, mean). */
double mw__ther_kill_now(const struct mw_sim *s, int c, int comp, double t, double il6);
/* Upper bound of the same over [t0, t1] with no dose inside (exact thinning). */
double mw__ther_kill_bound(const struct mw_sim *s, int c, double t0, double t1);
/* Hybrid: average drug kill per cell over [t0, t1] through the queued doses inside
 * (exact integrals of the hazard) into dk[2c], dk[2c+1] for every live clone, with
 * marrow protection at IL-6 il6.  Returns the largest integrated kill of a clone. */
double mw__ther_step_kill(struct mw_sim *s, double t0, double t1, double il6);
/* The same for one clone (born or revived within the step). */
void mw__ther_step_clone(struct mw_sim *s, int c);
/* Extra switch-back rate of clone c (azacitidine) with the current effects. */
double mw__ther_switch_extra(const struct mw_sim *s, int c);
/* Recompute fx at time t; returns 1 when the immune-side effects changed enough
 * that immune bounds / recognition need a refresh. */
int mw__ther_effects(struct mw_sim *s, double t);

#endif
