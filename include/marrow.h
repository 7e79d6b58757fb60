/*
 * marrow: a stochastic simulator of multiple myeloma clonal evolution, treatment
 * resistance and immune evasion.  This is the only public header; anything not
 * declared here is internal and may change.
 *
 * Conventions (see docs/guide.md):
 *   - times are days (double), cell counts are integer-valued doubles;
 *   - functions returning int give 0 on success, a negative MW_ERR_* on error, and
 *     (run/step only) a positive MW_EXIT_* when they stopped early for a reason;
 *   - storage for scenarios belongs to the caller; simulations are opaque handles
 *     created by mw_sim_create() and released by mw_sim_free();
 *   - the library keeps no global mutable state: distinct handles may be used from
 *     distinct threads at once.
 *
 * Copyright (C) 2026 the marrow authors.  GPL-3.0-or-later.
 */
#ifndef MARROW_H
#define MARROW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MW_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define MW_WARN_UNUSED
#endif

#define MW_VERSION_MAJOR 0
#define MW_VERSION_MINOR 1
#define MW_VERSION_PATCH 0
/** Version string, "MAJOR.MINOR.PATCH". */
const char *mw_version(void);

/* ------------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------------- */

/* X-macro: name, value, message.  Negative values are errors, grouped by module. */
#define MW_ERROR_LIST(X)                                                              \
    X(MW_ERR_GENERIC, -1, "generic error")                                            \
    X(MW_ERR_NO_MEMORY, -2, "out of memory")                                          \
    X(MW_ERR_IO, -3, "input/output error")                                            \
    X(MW_ERR_BAD_PARAM, -4, "parameter outside its valid range")                      \
    X(MW_ERR_CONFIG, -100, "invalid scenario")                                        \
    X(MW_ERR_UNKNOWN_KEY, -101, "unknown parameter key")                              \
    X(MW_ERR_BAD_VALUE, -102, "bad parameter value")                                  \
    X(MW_ERR_TOO_MANY, -103, "more entries than the fixed capacity allows")           \
    X(MW_ERR_BAD_MODE, -300, "unknown engine mode")                                   \
    X(MW_ERR_SOLVER, -301, "the ODE solver failed")                                   \
    X(MW_ERR_EXACT_TOO_LARGE, -302,                                                   \
      "population too large for exact mode (raise engine.exact_cell_limit or use "    \
      "hybrid)")                                                                      \
    X(MW_ERR_TOO_MANY_CLONES, -303,                                                   \
      "clone count passed engine.max_clones (lower mutation.rate, mark catalogue "    \
      "entries recurrent, or raise the limit)")                                       \
    X(MW_ERR_BAD_STATE, -600, "function called in the wrong phase")

typedef enum {
#define MW_X_ENUM(name, value, msg) name = value,
    MW_ERROR_LIST(MW_X_ENUM)
#undef MW_X_ENUM
} mw_error_t;

/** Reasons for a run/step to stop before the requested time (positive). */
enum {
    MW_EXIT_EXTINCT = 1,     /**< every tumour cell is gone and nothing can refill it */
    MW_EXIT_TARGET_SIZE = 2, /**< the tumour reached the requested size (growth phase) */
};

/** Message for an MW_ERR_* code ("unknown error" otherwise); never NULL. */
const char *mw_strerror(int code);
/** Symbolic name of an MW_ERR_* code ("MW_ERR_NO_MEMORY"); never NULL. */
const char *mw_err_name(int code);

/* ------------------------------------------------------------------------------
 * Diagnostics for user input: FILE:LINE:COL: key: message
 * ---------------------------------------------------------------------------- */

#define MW_DIAG_MAX 64

typedef struct {
    int code;       /**< MW_ERR_* */
    int line, col;  /**< 1-based; 0 when not tied to a place in a file */
    char file[256]; /**< the scenario file, or "--set" for overrides */
    char key[128];  /**< dotted key path, e.g. "tumour.clones[0].birth" */
    char msg[320];  /**< what is wrong and what is allowed */
} mw_diag_t;

/** All errors from one load, in file order (not only the first). */
typedef struct {
    int n;        /**< errors kept (at most MW_DIAG_MAX) */
    int n_total;  /**< errors found, kept or not */
    mw_diag_t d[MW_DIAG_MAX];
} mw_diags_t;

void mw_diags_clear(mw_diags_t *self);
/** Print each as "file:line:col: key: message" (one per line). */
void mw_diags_print(const mw_diags_t *self, FILE *out);

/* ------------------------------------------------------------------------------
 * Scenario: traits, clones, mutation catalogue, markers, engine settings.
 * Fixed-size arrays keep the struct a plain value: it can be copied, and the
 * library copies it into each simulation.
 * ---------------------------------------------------------------------------- */

#define MW_NAME_MAX 64
#define MW_MAX_CLONE_SPECS 256/**< founder clones a scenario may list */
#define MW_MAX_CATALOGUE 32   /**< mutation catalogue entries */
#define MW_MAX_EDITS 12       /**< trait edits per catalogue entry or plasticity */

/** Surface antigens a product or drug can target. */
typedef enum {
    MW_AG_BCMA = 0,
    MW_AG_GPRC5D,
    MW_AG_FCRH5,
    MW_AG_SLAMF7,
    MW_AG_CD38,
    MW_AG_CD19,
    MW_N_ANTIGENS
} mw_antigen_id_t;

const char *mw_antigen_name(int antigen);

/** Per-clone state of one antigen.  Within a clone the density is lognormal with
 *  median @c density and log-SD @c spread. */
typedef struct {
    double density; /**< median molecules/cell */
    double spread;  /**< SD of ln(density) within the clone */
    int copies;     /**< gene copies 2, 1 (hemizygous) or 0 (biallelic loss = lost) */
    int epitope;    /**< 0 = wild-type extracellular domain; k>0 = mutated epitope k */
} mw_antigen_t;

/** Heritable trait vector of a clone (SPEC.md §2.1). */
typedef struct {
    double birth;            /**< per day, before crowding and niche support */
    double death;            /**< per day, before drug and immune kill */
    double pdl1;             /**< PD-L1 level 0..1 */
    double il10;             /**< IL-10 secretion per cell, relative to a typical MM cell */
    double tgfb;             /**< TGF-beta secretion per cell, relative units */
    double efflux;           /**< P-gp fold-reduction of intracellular drug (>=1) */
    double bcl2;             /**< anti-apoptotic level (1 = typical MM cell) */
    double ras;              /**< RAS/MAPK activation 0..1 */
    double stemness;         /**< stem-like fraction 0..1 */
    double niche_dependence; /**< reliance on marrow niche support 0..1 */
    double mu_mult;          /**< mutation-rate multiplier (>=0) */
    int hla_loss;            /**< antigen-presentation defect */
    int tp53_loss;           /**< p53 pathway loss */
    int crbn_loss;           /**< cereblon loss (IMiD resistance) */
    int psmb5_mut;           /**< proteasome beta-5 mutation (PI resistance) */
    mw_antigen_t antigen[MW_N_ANTIGENS];
} mw_traits_t;

typedef enum {
    MW_EDIT_SET = 0, /**< trait = value */
    MW_EDIT_ADD,     /**< trait += value */
    MW_EDIT_MUL,     /**< trait *= value */
    MW_EDIT_LOST,    /**< antigen: both copies lost */
    MW_EDIT_COPY_LOSS, /**< antigen: one copy lost (2 -> 1 -> 0) */
    MW_EDIT_EPITOPE, /**< antigen: extracellular epitope becomes (int) value */
    MW_EDIT_EXPRESSED /**< antigen: restore two wild-type copies */
} mw_edit_op_t;

/** One trait change.  @c trait indexes the scalar trait table (mw_trait_name()),
 *  or is MW_TRAIT_ANTIGEN with @c antigen and @c field set. */
typedef struct {
    int16_t trait;
    int16_t antigen; /**< mw_antigen_id_t when trait == MW_TRAIT_ANTIGEN */
    int16_t field;   /**< 0 state, 1 density, 2 spread */
    int16_t op;      /**< mw_edit_op_t */
    double value;
} mw_edit_t;

#define MW_TRAIT_ANTIGEN (-2)
/** Name of scalar trait @p i (0..mw_n_traits()-1) as written in scenarios. */
const char *mw_trait_name(int i);
int mw_n_traits(void);
/** Apply @p n edits to @p t in order, clamping every trait into its range. */
void mw_traits_apply(mw_traits_t *t, const mw_edit_t *edits, int n);

/** A founder clone listed in the scenario. */
typedef struct {
    char name[MW_NAME_MAX];
    double cells;         /**< marrow cells at day 0 */
    double em_cells;      /**< extramedullary cells at day 0 */
    double influx;        /**< cells per day entering this clone in the marrow */
    mw_traits_t traits;
} mw_clone_spec_t;

/** A mutation catalogue entry: a heritable change and its relative weight. */
typedef struct {
    char name[MW_NAME_MAX];
    double weight;       /**< relative probability among entries */
    double fitness_cost; /**< fractional birth-rate reduction, 0..1 */
    int recurrent;       /**< 1: repeated hits from one parent join one child clone */
    int n_edits;
    mw_edit_t edits[MW_MAX_EDITS];
} mw_mutation_t;

typedef enum { MW_MODE_HYBRID = 0, MW_MODE_EXACT, MW_MODE_MEAN } mw_mode_t;
const char *mw_mode_name(int mode);

typedef enum { MW_FOUND_EXPLICIT = 0, MW_FOUND_GROW } mw_founding_t;

/** Everything a run needs.  Fill with mw_scenario_init_defaults(), then load. */
typedef struct {
    char name[MW_NAME_MAX];
    double horizon_days;
    double output_every_days;

    struct {
        double capacity;          /**< marrow plasma-cell capacity K_bm (cells); inf = none */
        double theta;             /**< theta-logistic exponent */
        double em_capacity;       /**< extramedullary capacity (cells); inf = none */
        double em_seeding;        /**< per cell per day, times (1 - niche dependence) */
        double il6_basal;         /**< marrow IL-6 with an empty marrow, pg/mL */
        double il6_gain;          /**< IL-6 added at full occupancy, pg/mL */
        double il6_ec50;          /**< IL-6 giving half the maximal support, pg/mL */
        double il6_support_max;   /**< max fractional birth boost for fully niche-dependent cells */
        double ras_birth_boost;   /**< fractional birth increase at ras = 1 */
        double ras_niche_relief;  /**< fraction of niche dependence removed at ras = 1 */
        double stem_birth_factor; /**< fractional birth decrease at stemness = 1 */
        double tp53_mu_mult;      /**< mutation-rate multiplier of tp53_loss clones */
        int founding;             /**< mw_founding_t */
        double grow_to_cells;     /**< founding = grow: diagnosed size to grow to */
        int n_clones;
        mw_clone_spec_t clones[MW_MAX_CLONE_SPECS];
    } tumour;

    struct {
        double rate; /**< heritable change per division */
        int n_entries;
        mw_mutation_t catalogue[MW_MAX_CATALOGUE];
    } mutation;

    struct {
        double rate;      /**< primary -> switched state, per cell per day */
        double back_rate; /**< switched -> primary, per cell per day */
        int n_edits;
        mw_edit_t edits[MW_MAX_EDITS];
    } plasticity;

    struct {
        double mprotein_per_1e11;   /**< steady-state serum M-protein per 1e11 cells, g/dL */
        double mprotein_half_life;  /**< days */
        double flc_per_1e11;        /**< steady-state involved FLC per 1e11 cells, mg/L */
        double flc_half_life;       /**< days */
        double sbcma_per_1e11;      /**< steady-state sBCMA per 1e11 BCMA+ cells at the
                                         reference density, ng/mL */
        double sbcma_ref_density;   /**< molecules/cell */
        double sbcma_half_life;     /**< days */
        double ctdna_per_death;     /**< haploid genome equivalents per mL per dying cell */
        double ctdna_half_life;     /**< days */
    } markers;

    struct {
        int mode;                 /**< mw_mode_t */
        double step_tolerance;    /**< hybrid: max relative change of any rate per step */
        double max_step_days;     /**< hybrid: step cap */
        double marker_step_days;  /**< exact: marker integration grid */
        double exact_cell_limit;  /**< exact: refuse tumours larger than this */
        int max_clones;           /**< clone records a simulation may create */
        int mean_max_depth;       /**< mean: mutation generations followed */
        double mean_rtol;         /**< mean: CVODE relative tolerance */
        double mean_atol;         /**< mean: CVODE absolute tolerance, cells */
    } engine;
} mw_scenario_t;

/** Fill @p self with every documented default (no clones, no mutation). */
void mw_scenario_init_defaults(mw_scenario_t *self);

/** Load a YAML or JSON scenario file on top of the defaults.  Every error is put
 *  in @p diags (file:line:col, key, message); returns 0 or MW_ERR_CONFIG. */
MW_WARN_UNUSED int mw_scenario_load(mw_scenario_t *self, const char *path,
                                    mw_diags_t *diags);
/** Same, from a string; @p name stands for the file in messages. */
MW_WARN_UNUSED int mw_scenario_load_string(mw_scenario_t *self, const char *text,
                                           const char *name, mw_diags_t *diags);
/** Apply one "key=value" override (SLiM -d style), e.g.
 *  "tumour.clones[0].birth=0.2" or "mutation.rate=1e-7". */
MW_WARN_UNUSED int mw_scenario_set(mw_scenario_t *self, const char *assignment,
                                   mw_diags_t *diags);
/** Cross-field checks (e.g. at least one clone); appends to @p diags. */
MW_WARN_UNUSED int mw_scenario_validate(const mw_scenario_t *self, mw_diags_t *diags);
/** Write the fully resolved scenario as a JSON object (for run.json). */
MW_WARN_UNUSED int mw_scenario_write_json(const mw_scenario_t *self, FILE *out,
                                          int indent);
/** 64-bit FNV-1a hash of the resolved scenario JSON, for provenance. */
uint64_t mw_scenario_hash(const mw_scenario_t *self);
/** List every parameter (key, unit, default, range, source); Markdown table if
 *  @p markdown. */
MW_WARN_UNUSED int mw_params_write(FILE *out, int markdown);

/* ------------------------------------------------------------------------------
 * Simulation of one virtual patient (or one replicate).
 * ---------------------------------------------------------------------------- */

typedef int32_t mw_id_t;
#define MW_NULL_ID (-1)

/** Why a clone exists. */
typedef enum {
    MW_BORN_FOUNDER = 0, /**< listed in the scenario */
    MW_BORN_MUTATION,    /**< a heritable change at a division */
    MW_BORN_SWITCH       /**< the reversible (epigenetic) twin of a clone */
} mw_born_t;

/** A clone record.  Records are never removed: extinct clones stay in the tree. */
typedef struct {
    mw_id_t id;
    mw_id_t parent;      /**< MW_NULL_ID for founders */
    double born_day;     /**< negative for clones that arose before diagnosis */
    int born;            /**< mw_born_t */
    int mutation;        /**< catalogue entry for MW_BORN_MUTATION, else -1 */
    int switched;        /**< 1 when this is the switched (plastic) state */
    double cells_bm;     /**< marrow cells now */
    double cells_em;     /**< extramedullary cells now */
    double peak_cells;   /**< largest total seen at a step or event boundary */
    double extinct_day;  /**< day the clone last reached 0 cells; NaN while alive */
    mw_traits_t traits;  /**< effective traits (switch edits applied) */
} mw_clone_t;

/** Serum and plasma markers (SPEC.md §2.4). */
typedef struct {
    double il6_pg_ml;
    double mprotein_g_dl;
    double flc_mg_l;
    double sbcma_ng_ml;
    double ctdna_hge_ml;
} mw_markers_t;

/** Event kinds written to events.csv. */
typedef enum {
    MW_EV_CLONE_BORN = 0,
    MW_EV_EM_SEEDED,
    MW_EV_CLONE_EXTINCT,
    MW_EV_TUMOUR_EXTINCT,
    MW_EV_DIAGNOSIS
} mw_event_kind_t;

typedef struct {
    double t_days;
    int kind;        /**< mw_event_kind_t */
    mw_id_t clone;   /**< MW_NULL_ID when not about one clone */
    mw_id_t other;   /**< e.g. the parent of a new clone */
} mw_event_t;

const char *mw_event_name(int kind);

typedef struct mw_sim mw_sim_t;

/** Create a simulation of @p scenario (copied) for replicate/patient @p index.
 *  Random numbers depend only on (seed, index, stream).  For founding = grow the
 *  tumour is grown from one cell to tumour.grow_to_cells first and the clock is
 *  then set to 0 (diagnosis); earlier clones have negative born_day.
 *  @return 0, or MW_ERR_* with *out = NULL.  Memory: allocates the clone table
 *  (grown by doubling later).  Thread-safety: distinct handles are independent. */
MW_WARN_UNUSED int mw_sim_create(const mw_scenario_t *scenario, uint64_t seed,
                                 uint32_t index, mw_sim_t **out);
/** Release everything; NULL is accepted. */
void mw_sim_free(mw_sim_t *self);

/** Advance to absolute time @p t_days.
 *  @return 0 when t_days is reached (state is then at t_days), MW_EXIT_EXTINCT when
 *  the tumour died out and nothing can refill it (the clock is still moved to
 *  t_days; markers keep decaying), or MW_ERR_* (<0).  Allocates only when the
 *  clone table doubles. */
MW_WARN_UNUSED int mw_sim_run_until(mw_sim_t *self, double t_days);

double mw_sim_time(const mw_sim_t *self);
/** Number of clone records (alive or not). */
int mw_sim_n_clones(const mw_sim_t *self);
/** Clone record @p i; valid until the next call that advances the simulation. */
const mw_clone_t *mw_sim_clone(const mw_sim_t *self, int i);
/** Marrow and extramedullary tumour cells. */
void mw_sim_tumour(const mw_sim_t *self, double *bm_cells, double *em_cells);
void mw_sim_markers(const mw_sim_t *self, mw_markers_t *out);
/** ctDNA released by clone @p i still in plasma (hGE/mL). */
double mw_sim_clone_ctdna(const mw_sim_t *self, int i);
/** Events so far (in time order). */
int mw_sim_n_events(const mw_sim_t *self);
const mw_event_t *mw_sim_event(const mw_sim_t *self, int i);
/** Engine work counters: events (exact), rejected proposals (exact), steps (hybrid),
 *  clone-steps (hybrid), right-hand-side calls (mean). */
typedef struct {
    uint64_t events, rejections, steps, clone_steps, rhs_calls;
} mw_counters_t;
void mw_sim_counters(const mw_sim_t *self, mw_counters_t *out);

/* ------------------------------------------------------------------------------
 * Runs: replicates of a scenario written to an output directory.
 * ---------------------------------------------------------------------------- */

typedef struct {
    const char *out_dir;     /**< created if missing */
    const char *command_line; /**< for run.json provenance; may be NULL */
    uint64_t seed;
    int replicates;          /**< >= 1 */
    int quiet;               /**< no progress on stderr */
} mw_run_options_t;

/** Summary of one finished run, for the CLI's closing lines. */
typedef struct {
    int replicates;
    double mean_final_cells;
    int n_extinct;
    double wall_seconds;
} mw_run_result_t;

/** Simulate and write timeseries.csv, clones.csv, tree.nwk, events.csv,
 *  summary.json and run.json into opts->out_dir.  Files are first written under
 *  temporary names and renamed at the end, so a failed run leaves no file that
 *  looks complete.  @return 0 or MW_ERR_*; @p errbuf gets a message. */
MW_WARN_UNUSED int mw_run(const mw_scenario_t *scenario, const mw_run_options_t *opts,
                          mw_run_result_t *result, char *errbuf, size_t errbuf_len);

/* ------------------------------------------------------------------------------
 * Random numbers: Philox4x32-10 streams keyed by (seed, index, stream).
 * ---------------------------------------------------------------------------- */

typedef enum {
    MW_STREAM_INIT = 0, /**< patient sampling and founding */
    MW_STREAM_DYNAMICS, /**< births, deaths, migration, switching */
    MW_STREAM_MUTATION, /**< which change a mutation makes */
    MW_STREAM_IMMUNE,
    MW_STREAM_DRUG,
    MW_STREAM_MEASUREMENT,
    MW_N_STREAMS
} mw_stream_t;

/** One stream: 48 bytes, no allocation.  Fields are private. */
typedef struct {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t buf[4];
    uint32_t used;
    uint32_t pad_;
} mw_rng_t;

void mw_rng_init(mw_rng_t *r, uint64_t seed, uint32_t index, uint32_t stream);
/** Next 32 random bits. */
uint32_t mw_rng_u32(mw_rng_t *r);
/** Uniform double in the open interval (0,1), 53 random bits. */
double mw_rng_uniform_pos(mw_rng_t *r);
/** Exponential variate with the given rate (mean 1/rate). */
double mw_ran_exponential(mw_rng_t *r, double rate);
/** Binomial(n, p) for n up to 2^53 (exact below 2^31, otherwise a Poisson or
 *  continuity-corrected normal approximation whose error is far below 1/sqrt(n)). */
double mw_ran_binomial(mw_rng_t *r, double p, double n);
/** Poisson(mean) for any finite mean (exact below 1e7, normal above). */
double mw_ran_poisson(mw_rng_t *r, double mean);
/** Negative binomial: failures before @p k successes with success probability @p p
 *  (mean k(1-p)/p), for real k > 0. */
double mw_ran_negative_binomial(mw_rng_t *r, double p, double k);
double mw_ran_gaussian(mw_rng_t *r, double sd);

#ifdef __cplusplus
}
#endif
#endif /* MARROW_H */
