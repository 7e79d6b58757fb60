/*
 * Private: the immune model (SPEC.md §3) shared by the three engine modes.
 *
 * Immune populations are kept in one small fixed array per simulation:
 *   for product p: effector E = 3p, memory M = 3p + 1, exhausted X = 3p + 2;
 *   then endogenous T cells, exhausted T cells and NK cells.
 * A "recogniser" k is a CAR-T product (k < n_products) or an engager
 * (k = n_products + g).  Each clone's recognition by each recogniser is computed
 * once, when the clone is created.
 */
#ifndef MW_IMMUNE_H
#define MW_IMMUNE_H

#include "marrow.h"

#define MW_NR_MAX (MW_MAX_PRODUCTS + MW_MAX_ENGAGERS)
#define MW_NI_MAX (3 * MW_MAX_PRODUCTS + 3)

/* Safety switches (SPEC.md §3.1, seed 000 §5.3.3): an extra CAR-T death rate for a
 * window after activation.  iCasp9: 90% of CAR-T cells gone within hours (Di Stasi
 * 2011 NEJM: >90% within 30 min to hours) -> ln(10)/0.25 per day for 0.25 day.
 * RQR8: rituximab-mediated depletion over days (Philip 2014 Blood, mouse) ->
 * assumed 90% over 7 days. */
#define MW_ICASP9_RATE (2.302585092994046 / 0.25)
#define MW_ICASP9_DAYS 0.25
#define MW_RQR8_RATE (2.302585092994046 / 7.0)
#define MW_RQR8_DAYS 7.0
/* Diploid genomic DNA per cell: 6.6 pg (standard value used to convert qPCR
 * copies per ug gDNA to copies per cell). */
#define MW_GDNA_UG_PER_CELL 6.6e-6

/* Per-cell transitions of one immune population over a stretch of time. */
typedef struct {
    double lam;     /* division per day */
    double death;   /* per day */
    double out[2];  /* conversion per day to pops to[0], to[1] */
    int to[2];      /* -1 when unused */
    double influx;  /* cells per day */
} mw_imm_rates_t;

/* What the tumour looks like to the immune system (sums over live clones). */
typedef struct {
    double A[MW_NR_MAX];     /* recognised cells sum r_k n_c */
    double AP[MW_NR_MAX];    /* recognition-weighted PD-L1: sum r_k n_c pdl1_c */
    double S10, Stgf;        /* suppressive burden: sum n_c il10_c, sum n_c tgfb_c */
} mw_imm_load_t;

/* Factors for the tumour's death and switch rates at one instant. */
typedef struct {
    double kill[MW_NR_MAX];  /* per unit recognition, before the PD-L1 brake */
    double brake[MW_NR_MAX]; /* PD-L1 brake weight (1 - blockade)(1 - pd1_ko) */
    double trog[MW_NR_MAX];  /* trogocytosis per unit recognition (CAR-T only) */
    double t_kill;           /* endogenous T, before HLA and PD-L1 */
    double t_brake;
    double nk_kill;
    double nk_boost;
} mw_imm_kill_t;

/* Per-simulation immune state (lives inside mw_sim_t). */
typedef struct {
    int on;              /* any immune activity at all */
    int np, ng, nr, ni;  /* products, engagers, recognisers, populations */
    double n[MW_NI_MAX]; /* cells */
    mw_imm_rates_t r[MW_NI_MAX];
    double t_ss;         /* endogenous T steady state (for the homeostatic boost) */
    /* schedule */
    int infused[MW_MAX_PRODUCTS];
    double t_infused[MW_MAX_PRODUCTS];
    double sw_on[MW_MAX_PRODUCTS];  /* safety switch activation, or inf */
    int sw_logged[MW_MAX_PRODUCTS];
    int sw_active[MW_MAX_PRODUCTS]; /* switch window open at the last schedule check */
    int ld_done;
    int blockade_on;
    int next_dose[MW_MAX_ENGAGERS]; /* index of the engager's next dose */
    double conc[MW_MAX_ENGAGERS];   /* ug/mL at t_conc */
    double t_conc;
    /* toxicity */
    double il6;                /* pg/mL */
    int crs, icans, crs_max, icans_max;
    double crs_onset;
    double toci_until, steroid_until;
    int toci_given, steroid_given;
    int dead;
    double kills;              /* immune-mediated tumour deaths since the last update */
    double divisions;          /* CAR-T divisions since the last update */
    mw_imm_kill_t K;           /* kill factors in force (hybrid: this step's midpoint) */
    int dirty;                 /* populations changed outside the engine (schedule) */
    /* blood kinetics */
    mw_cart_pk_t pk[MW_MAX_PRODUCTS];
    double last_copies[MW_MAX_PRODUCTS];
} mw_imm_t;

struct mw_sim;

/* Recognition 0..1 of traits @p t by one binder (lognormal density integral). */
double mw__recognise_target(const mw_traits_t *t, const mw_target_t *b, double d50_factor);
/* Recognition by a product (single / or / and over its binders). */
double mw__recognise_product(const mw_traits_t *t, const mw_product_t *p, double d50_factor);
/* The costimulation set product @p p uses ("both": CD28 expansion and threshold,
 * 4-1BB persistence). */
void mw__product_costim(const mw_scenario_t *sc, const mw_product_t *p, mw_costim_t *out);

void mw__imm_init(struct mw_sim *s);
/* Fill recog[c * nr + k] for clone c. */
void mw__imm_recog_clone(struct mw_sim *s, int c);
/* Sums over the live clones. */
void mw__imm_load(const struct mw_sim *s, mw_imm_load_t *L);
/* Add n cells of clone c (n may be negative or a rate of change) to L. */
void mw__imm_load_add(const struct mw_sim *s, int c, double n, mw_imm_load_t *L);
/* Engager free-concentration occupancy at time t. */
double mw__imm_occupancy(const struct mw_sim *s, int g, double t);
/* Kill factors at time t for immune populations n[] and load L. */
void mw__imm_kill_factors(const struct mw_sim *s, const double *n, const mw_imm_load_t *L,
                          double t, mw_imm_kill_t *K);
/* Immune-mediated death rate per cell of clone c, and its trogocytosis rate. */
double mw__imm_kill_clone(const struct mw_sim *s, int c, const mw_imm_kill_t *K,
                          double *trog);
/* Upper bound of the same over any immune state (exact mode thinning). */
double mw__imm_kill_bound(const struct mw_sim *s, int c, double t, double *trog_bound);
/* Per-cell rates of every immune population at time t. */
void mw__imm_rates(const struct mw_sim *s, const double *n, const mw_imm_load_t *L,
                   double t, mw_imm_rates_t *r);
/* Upper bounds of the same over any tumour state, valid until the next schedule
 * time (exact mode thinning). */
void mw__imm_rates_bound(const struct mw_sim *s, double t, mw_imm_rates_t *r);
/* The next time > t at which a scheduled action happens (inf if none). */
double mw__imm_next_time(const struct mw_sim *s, double t);
/* Remove fraction frac of every immune population (a lymphodepleting drug dose
 * at time t): binomial draws, or the expected fraction in mean mode. */
void mw__imm_deplete(struct mw_sim *s, double frac, double t);
/* Carry out every scheduled action due at or before time t. */
int mw__imm_apply_schedule(struct mw_sim *s, double t);
/* After the state reached time t (h days after the last update): cytokine,
 * toxicity grades and actions, blood kinetics summaries.  Returns MW_EXIT_DEATH
 * when grade-5 toxicity killed the patient, else 0 or MW_ERR_*. */
int mw__imm_observe(struct mw_sim *s, double t, double h);
/* Give tocilizumab / corticosteroids at t (toxicity rules or a policy). */
int mw__imm_give_tocilizumab(struct mw_sim *s, double t);
int mw__imm_give_steroids(struct mw_sim *s, double t);
/* Largest relative change per day of any immune-driven rate (step control). */
double mw__imm_rate_change(const struct mw_sim *s, const mw_imm_load_t *L,
                           const mw_imm_load_t *dL, const double *g, double base);
/* Blood CAR-T of product p for population counts n. */
void mw__imm_blood(const struct mw_sim *s, const double *n, int p, double *cells_ul,
                   double *copies_ug);

#endif
