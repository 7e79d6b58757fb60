/* Private: the simulation state shared by the exact, hybrid and mean engines. */
#ifndef MW_ENGINE_H
#define MW_ENGINE_H

#include <math.h>

#include "marrow.h"
#include "clinic/clinic.h"
#include "immune/immune.h"
#include "therapy/therapy.h"

/* Per-clone per-cell rates derived once from the traits (SPEC.md §2.2-2.3). */
typedef struct {
    double b;      /* birth per day before crowding and support */
    double nd;     /* effective niche dependence (RAS relief applied) */
    double mu;     /* mutation probability per division */
    double d;      /* death per day */
    double m;      /* marrow -> extramedullary seeding per day */
    double sw;     /* switching to the twin state per day */
    double b_em;   /* extramedullary birth per day before crowding */
    double bcma_w; /* sBCMA shedding weight: density / reference, 0 when lost */
    double influx; /* cells per day entering the marrow */
    double rbar[2]; /* exact mode: upper bound of the per-cell event rate, BM and EM */
} mw_rates_t;

enum { MW_BM = 0, MW_EM = 1 };

#define MW_LN2 0.69314718055994530942

/* A live population of the exact engine: one clone in one compartment, or an
 * immigration source (comp == 2, n == 1, rbar == influx). */
typedef struct {
    int clone;
    int comp;
    double n;
    double rbar;
} mw_pop_t;

struct mw_sim {
    mw_scenario_t sc;
    uint64_t seed;
    uint32_t index;
    mw_rng_t rng_dyn; /* births, deaths, migration, switching */
    mw_rng_t rng_mut; /* which catalogue entry */
    double t;
    double t_offset; /* growth phase: the clock is shifted so diagnosis is day 0 */

    /* clone table */
    int n_clones, cap_clones;
    mw_clone_t *clones;
    mw_traits_t *genetic; /* genetic traits (plasticity edits not applied) */
    mw_rates_t *rates;
    int *twin;            /* twin clone id or -1 */
    int *child;           /* recurrent children: [clone * n_entries + entry] or -1 */
    double *ctdna;        /* per clone, hGE/mL */
    double *deaths;       /* deaths since the last marker update */
    int *em_seen;         /* the clone has seeded extramedullary disease before */

    /* live clones (cells > 0 or influx > 0) */
    int n_live;
    int *live;
    int *is_live;
    /* clones whose ctDNA is still decaying after extinction */
    int n_decay;
    int *decay;
    int *in_decay;

    double n_bm, n_em;   /* totals */
    mw_markers_t mk;

    /* events */
    int n_events, cap_events;
    mw_event_t *events;
    int tumour_extinct;

    mw_counters_t counters;

    /* exact engine */
    int n_pops, cap_pops;
    mw_pop_t *pops;
    int *pop_of;          /* [2*clone + comp] -> pop index or -1 */
    double W;             /* sum of pop weights n * rbar */
    double int_n;         /* integral of total tumour cells over the marker interval */
    double int_nb;        /* integral of BCMA-weighted cells */
    double nb;            /* current BCMA-weighted cells */
    double t_mark;        /* start of the marker interval */
    double exp_residual;  /* unit-rate exponential left over at a stop, or -1 */
    uint64_t since_recompute; /* events since W was last summed afresh */

    /* immune model (immune/immune.c) */
    mw_rng_t rng_imm;     /* lymphodepletion and immune-population randomness */
    mw_imm_t imm;
    double *recog;        /* [clone * imm.nr + k]: recognition by recogniser k */
    double *kill;         /* per clone: immune kill per cell this step (hybrid) */
    double *trog;         /* per clone: trogocytosis switch rate this step (hybrid) */
    /* exact engine: immune populations as SSA populations */
    int imm_pop[MW_NI_MAX];              /* immune population -> pop index or -1 */
    mw_imm_rates_t imm_bound[MW_NI_MAX]; /* per-cell rate bounds until the next refresh */
    mw_imm_load_t imm_load;              /* running immune load */

    /* drugs and the plan (therapy/therapy.c) */
    mw_rng_t rng_drug;    /* radiotherapy cell kill */
    mw_ther_t ther;
    double *dsens;        /* [clone * MW_MAX_DRUGS + slot]: drug x trait sensitivity */
    double *dfx;          /* [clone * MW_MAX_DRUGS + slot]: efflux concentration divisor */
    double *dk;           /* [2 clone + comp]: drug kill per cell (hybrid: step average;
                             exact: bound until ther.bound_until) */
    int tumour_dirty;     /* cells changed outside the engine (radiotherapy) */

    /* the clinic: visits, observations, IMWG response (clinic/clinic.c) */
    mw_clin_t clin;

    /* hybrid engine scratch, sized like the clone table */
    double *scratch;

    /* mean engine */
    void *mean; /* mw_mean_t, see mean.c */

    /* rate helpers, precomputed */
    double s_max; /* IL-6 support at full occupancy */
};

/* Theta-logistic crowding max(0, 1 - (n/cap)^theta); 1 without a capacity. */
static inline double
mw__crowding(double n, double cap, double theta)
{
    if (!(cap < HUGE_VAL)) {
        return 1.0;
    }
    double occ = n / cap;
    double f = theta == 1.0 ? occ : pow(occ, theta);
    return f >= 1.0 ? 0.0 : 1.0 - f;
}

/* engine.c */
int mw__clone_new(mw_sim_t *s, int parent, int born, int mutation, int switched,
                  const mw_traits_t *genetic, double t);
int mw__clone_mutant(mw_sim_t *s, int parent, double t, int *out);
int mw__clone_twin(mw_sim_t *s, int c, double t, int *out);
void mw__live_add(mw_sim_t *s, int c);
void mw__live_compact(mw_sim_t *s);
int mw__event(mw_sim_t *s, double t, int kind, int clone, int other);
int mw__event_value(mw_sim_t *s, double t, int kind, int clone, int other, double value);
void mw__env(const mw_sim_t *s, double n_bm, double n_em, double *crowd_bm,
             double *support, double *crowd_em, double *il6);
void mw__markers_advance(mw_sim_t *s, double h, double int_n, double int_nb);
void mw__note_extinctions(mw_sim_t *s, double t);

/* exact.c, hybrid.c, mean.c */
int mw__exact_init(mw_sim_t *s);
int mw__exact_run(mw_sim_t *s, double t_end, double stop_cells);
void mw__exact_free(mw_sim_t *s);
int mw__hybrid_run(mw_sim_t *s, double t_end, double stop_cells);
int mw__mean_init(mw_sim_t *s);
int mw__mean_run(mw_sim_t *s, double t_end);
void mw__mean_free(mw_sim_t *s);

/* Linear birth-death transition of n cells over time h with per-cell birth lam and
 * death mu (Kendall 1948): exact in distribution. */
double mw__bd_transition(mw_rng_t *r, double n, double lam, double mu, double h);
/* Expected value of the same. */
double mw__bd_mean(double n, double lam, double mu, double h);

#endif
