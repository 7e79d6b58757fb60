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
/** Optional parts this build has, each after a space: " openmp", " mpi" (empty
 *  when none). */
const char *mw_build_features(void);

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
    X(MW_ERR_TOO_MANY_CELLS, -304,                                                    \
      "the tumour passed 1e30 cells, far more than a body holds (give the scenario "  \
      "a tumour.capacity and em_capacity, or lower its net growth)")                  \
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
    MW_EXIT_DEATH = 3,       /**< the patient died (grade-5 toxicity); the clock stops */
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

/* ------------------------------------------------------------------------------
 * Immune model (SPEC.md §3): CAR-T products, T-cell engagers, endogenous T and NK
 * cells, suppression, toxicity.  See docs/model.md "Immune model".
 * ---------------------------------------------------------------------------- */

#define MW_MAX_PRODUCTS 4  /**< CAR-T products one patient may receive */
#define MW_MAX_TARGETS 3   /**< binders per CAR-T product */
#define MW_MAX_ENGAGERS 2  /**< T-cell engagers one patient may receive */
#define MW_MAX_STEP_UP 4   /**< step-up doses of an engager */

/** How a multi-binder CAR combines its binders' recognition. */
typedef enum {
    MW_LOGIC_SINGLE = 0, /**< one binder (the first target) */
    MW_LOGIC_OR,         /**< tandem / bicistronic: 1 - prod(1 - r_a) */
    MW_LOGIC_AND         /**< synthetic AND gate: prod r_a */
} mw_logic_t;

typedef enum { MW_COSTIM_41BB = 0, MW_COSTIM_CD28, MW_COSTIM_BOTH } mw_costim_id_t;
typedef enum { MW_ARMOR_NONE = 0, MW_ARMOR_IL12, MW_ARMOR_IL18, MW_ARMOR_CCL19 } mw_armor_t;
typedef enum { MW_SWITCH_NONE = 0, MW_SWITCH_ICASP9, MW_SWITCH_RQR8 } mw_switch_t;

/** One binder: which antigen and epitope it sees and how much antigen it needs. */
typedef struct {
    int antigen;  /**< mw_antigen_id_t */
    int epitope;  /**< epitope the binder recognises: 0 = wild type */
    double d50;   /**< density giving half-maximal activation, molecules/cell */
    double hill;  /**< Hill coefficient of activation vs density */
} mw_target_t;

/** A costimulation domain's kinetic parameter set. */
typedef struct {
    double expansion_max;  /**< rho: antigen-driven effector division, 1/day */
    double effector_death; /**< 1/day */
    double memory_rate;    /**< effector -> memory, 1/day */
    double memory_death;   /**< 1/day */
    double d50_factor;     /**< multiplies every binder's D50 (antigen threshold) */
} mw_costim_t;

/** A CAR-T product and its infusion. */
typedef struct {
    char name[MW_NAME_MAX];
    int n_targets;
    mw_target_t targets[MW_MAX_TARGETS];
    int logic;            /**< mw_logic_t */
    int costim;           /**< mw_costim_id_t */
    int armor;            /**< mw_armor_t */
    int pd1_ko;           /**< PD-1 knockout: ignores the PD-L1 brake */
    int tgfbr_dn;         /**< dominant-negative TGF-beta receptor */
    int safety_switch;    /**< mw_switch_t */
    double switch_day;    /**< scheduled safety-switch activation (inf = never) */
    double dose_cells;    /**< CAR+ cells infused */
    double infusion_day;
    double memory_fraction; /**< memory-like fraction of the infused cells */
} mw_product_t;

/** One step-up dose of an engager. */
typedef struct {
    double mg_kg;
} mw_dose_t;

/** A bispecific T-cell engager (BCMAxCD3, GPRC5DxCD3) and its schedule. */
typedef struct {
    char name[MW_NAME_MAX];
    mw_target_t target;
    double start_day;        /**< first (step-up) dose */
    int n_step_up;
    mw_dose_t step_up[MW_MAX_STEP_UP];
    double step_up_every_days;
    double dose_mg_kg;       /**< maintenance dose */
    double every_days;       /**< maintenance interval */
    double stop_day;         /**< no dose on or after this day */
    double bioavailability;  /**< fraction of an SC dose reaching plasma */
    double volume_l_kg;      /**< distribution volume, L/kg */
    double half_life_days;
    double ec50_ug_ml;       /**< free concentration giving half-maximal T-cell redirection */
    double sink_ng_ml;       /**< sBCMA giving half the drug bound (BCMA engagers only) */
    double kill_max;         /**< per tumour cell per day at full occupancy and T-cell engagement */
    double exhaustion;       /**< T-cell exhaustion per day at full occupancy and antigen */
} mw_engager_t;

/* ------------------------------------------------------------------------------
 * Drugs, regimens and lines of therapy (SPEC.md §4).  The shipped drug and regimen
 * libraries (data/drugs.yaml, data/regimens.yaml, compiled into the library) are
 * loaded by mw_scenario_init_defaults(); a scenario's `drugs:` and `regimens:`
 * entries edit a library entry of the same name or add a new one.  See
 * docs/model.md "Drugs and regimens".
 * ---------------------------------------------------------------------------- */

#define MW_MAX_DRUGS 32          /**< library entries plus scenario additions */
#define MW_MAX_REGIMENS 32
#define MW_MAX_REGIMEN_DOSES 10  /**< dose items of one regimen */
#define MW_MAX_LINES 8           /**< lines of therapy in a plan */
#define MW_MAX_PHASES 6          /**< phases of one line (induction, ASCT, ...) */
#define MW_MAX_CYCLE_DAYS 64     /**< longest cycle (days are a 64-bit mask) */
#define MW_REFS_MAX 320

/** How a dose enters the body. */
typedef enum {
    MW_ROUTE_IV = 0,     /**< intravenous bolus */
    MW_ROUTE_INFUSION,   /**< zero-order intravenous infusion over infusion_h */
    MW_ROUTE_ORAL,       /**< first-order absorption (ka, bioavailability) */
    MW_ROUTE_SC,         /**< subcutaneous: first-order absorption like oral */
    MW_ROUTE_RADIATION   /**< no PK: one fraction kills extramedullary cells (LQ) */
} mw_route_t;

/** Unit of a regimen dose; converted to mg with the patient's body size. */
typedef enum { MW_DOSE_MG = 0, MW_DOSE_MG_M2, MW_DOSE_MG_KG, MW_DOSE_GY } mw_dose_unit_t;

/** One drug: one-compartment PK, Emax PD on the tumour, the drug x trait
 *  sensitivity table and effects on the immune system.  Every effect is scaled by
 *  the drug's occupancy H = C^h / (C^h + EC50^h) (0..1). */
typedef struct {
    char name[MW_NAME_MAX];
    char refs[MW_REFS_MAX];  /**< where the numbers come from (free text) */
    int route;               /**< mw_route_t */
    int dose_unit;           /**< mw_dose_unit_t */
    /* PK */
    double volume_l;         /**< apparent volume of distribution, L */
    double half_life_h;      /**< elimination half-life, hours */
    double ka_per_h;         /**< absorption rate (oral, sc), 1/hour */
    double bioavailability;  /**< fraction absorbed (oral, sc) */
    double infusion_h;       /**< infusion duration (infusion route), hours */
    /* PD on tumour cells */
    double emax;             /**< kill per cell per day at full occupancy */
    double ec50_ng_ml;       /**< plasma concentration giving half the effect */
    double hill;
    /* sensitivity: multiplies emax per clone (SPEC.md §4) */
    double niche_protection; /**< p_cam: CAM-DR by marrow IL-6, 0..1 */
    double efflux_substrate; /**< 0..1: intracellular C = C / efflux^substrate */
    double psmb5_resistance; /**< fraction of kill lost by psmb5_mut clones */
    double crbn_required;    /**< fraction of kill lost by crbn_loss clones */
    double tp53_resistance;  /**< fraction of kill lost by tp53_loss clones */
    double bcl2_exponent;    /**< kill x bcl2^exponent (<0 protects, venetoclax > 0) */
    double stem_resistance;  /**< fraction of kill lost at stemness = 1 */
    int antigen;             /**< 0 none, else 1 + mw_antigen_id_t: kill x recognition (anti-CD38) */
    double antigen_d50;      /**< molecules/cell */
    double antigen_hill;
    double antigen_downreg;  /**< fraction of the antigen-directed kill lost at H = 1 */
    double nk_dependence;    /**< 0..1: kill scales with NK cells / steady state (ADCC) */
    /* immune and other effects at full occupancy */
    double immune_boost;     /**< fractional rise of T, NK and CAR-T killing (IMiDs) */
    double t_suppression;    /**< fraction of T and CAR-T killing and expansion removed */
    double nk_depletion;     /**< extra NK death per day */
    double pd1_blockade;     /**< PD-1 blockade occupancy */
    double priming;          /**< fractional rise of endogenous T-cell influx */
    double bcma_fold;        /**< fold rise of surface BCMA density (>= 1) */
    double sbcma_cut;        /**< fraction of sBCMA shedding removed */
    double demethylation;    /**< rise of the switch-back (re-expression) rate at full occupancy, in multiples of its base rate */
    double lymphodepletion;  /**< fraction of T, NK and CAR-T cells removed per dose */
    double rt_alpha;         /**< radiotherapy: 1/Gy */
    double rt_beta;          /**< radiotherapy: 1/Gy^2 */
} mw_drug_t;

/** One drug's doses within a regimen's cycles. */
typedef struct {
    char drug[MW_NAME_MAX];  /**< a drug library name */
    double dose;             /**< in the drug's dose_unit */
    uint64_t days;           /**< bit d-1 set: a dose on day d of the cycle */
    int first_cycle;         /**< 1-based */
    int last_cycle;          /**< 0 = every cycle from first_cycle on */
} mw_regimen_dose_t;

/** A regimen: cycles of dose items. */
typedef struct {
    char name[MW_NAME_MAX];
    char refs[MW_REFS_MAX];
    int cycle_days;          /**< 1..MW_MAX_CYCLE_DAYS */
    int cycles;              /**< default number of cycles; 0 = until progression */
    int n_doses;
    mw_regimen_dose_t doses[MW_MAX_REGIMEN_DOSES];
} mw_regimen_t;

/** One phase of a line (induction, transplant, consolidation, maintenance). */
typedef struct {
    char regimen[MW_NAME_MAX];
    int cycles;              /**< -1: the regimen's own; 0: until progression */
    double gap_days;         /**< rest before the phase starts */
    double dose_scale;       /**< multiplies every dose of the phase */
} mw_phase_t;

/** A line of therapy: phases given in order, or a CAR-T course. */
typedef struct {
    char name[MW_NAME_MAX];
    int n_phases;
    mw_phase_t phases[MW_MAX_PHASES];
    /* CAR-T course: apheresis at the line's start, bridging until lymphodepletion,
     * the lymphodepletion regimen from ld_start_day (relative to infusion), infusion
     * vein_to_vein_days after apheresis, then the phases (if any) after infusion. */
    char cart_product[MW_NAME_MAX]; /**< a products[] name; empty = not a CAR-T line */
    double vein_to_vein_days;
    char bridging[MW_NAME_MAX];        /**< regimen; empty = none */
    char lymphodepletion[MW_NAME_MAX]; /**< regimen; empty = none */
    double ld_start_day;               /**< relative to infusion, e.g. -5 */
} mw_line_t;

/** Clinic assays (SPEC.md §5): what a clinic measures, only at its visits. */
typedef enum {
    MW_ASSAY_SPEP = 0, /**< serum electrophoresis with immunofixation: M-protein, IFE */
    MW_ASSAY_FLC,      /**< serum free light chains */
    MW_ASSAY_MARROW,   /**< marrow aspirate: plasma-cell %, MRD */
    MW_ASSAY_FLOW,     /**< flow cytometry of aspirate tumour cells: antigen densities */
    MW_ASSAY_CTDNA,    /**< liquid biopsy: variant allele fractions */
    MW_ASSAY_IMAGING,  /**< PET-CT: extramedullary disease */
    MW_ASSAY_IMMUNE,   /**< blood CAR-T cells and transgene copies, T and NK cells, IL-6 */
    MW_ASSAY_SINGLE_CELL, /**< tumour cells captured one by one: clone and traits */
    MW_ASSAY_KILLING,  /**< ex vivo killing of aspirate tumour cells by the CAR-T cells */
    MW_N_ASSAYS
} mw_assay_t;
const char *mw_assay_name(int assay);

/** When an assay is done: every every_days from from_day while < until_day, and
 *  at the start of each line when at_line_start. */
typedef struct {
    double every_days;       /**< 0 = not periodic */
    double from_day, until_day;
    int at_line_start;
} mw_schedule_t;

#define MW_MAX_POLICIES 16

/** What a policy does when its condition holds (SPEC.md §6). */
typedef enum {
    MW_ACT_NEXT_LINE = 0, /**< start the next line now */
    MW_ACT_START_LINE,    /**< start line `line` now */
    MW_ACT_STOP,          /**< stop the current line's treatment (the line stays current) */
    MW_ACT_SAFETY_SWITCH, /**< trigger `product`'s safety switch */
    MW_ACT_TOCILIZUMAB,
    MW_ACT_STEROIDS,
    MW_ACT_MONITOR,       /**< set `assay`'s interval to `every_days` from now */
    MW_ACT_ADD_REGIMEN,   /**< give `regimen` alongside the line's own, for its cycles */
    MW_ACT_RESUME,        /**< give the current line's phases again (same line, same IMWG baseline) */
    MW_N_ACTIONS
} mw_action_t;
const char *mw_action_name(int action);

/** A rule evaluated after every visit: when the last `visits` readings of
 *  `quantity` (an observations.csv quantity) are all above `above` or all below
 *  `below` (and, with `rising`, each higher than the one before), do `action`.
 *  Policies read observations and the plan's position only, never the state. */
typedef struct {
    char name[MW_NAME_MAX];
    char quantity[MW_NAME_MAX];
    double above, below;    /**< thresholds; +inf / -inf = unused */
    int visits;             /**< consecutive readings */
    int rising;
    int line;               /**< 1-based line during which it applies; 0 = any */
    int treated;            /**< 0 any, 1 only while the line's treatment runs, 2 only
                                 while it is stopped or over */
    int once;               /**< fires at most once */
    int action;             /**< mw_action_t */
    int target_line;        /**< MW_ACT_START_LINE: 1-based */
    char product[MW_NAME_MAX]; /**< MW_ACT_SAFETY_SWITCH */
    int assay;              /**< MW_ACT_MONITOR: mw_assay_t */
    double every_days;      /**< MW_ACT_MONITOR */
    char regimen[MW_NAME_MAX]; /**< MW_ACT_ADD_REGIMEN: a regimens[] name */
} mw_policy_t;

/* ------------------------------------------------------------------------------
 * Patient variability: a numeric key may give a distribution instead of a number
 * (docs/guide.md "Patient variability").  The scenario keeps the number, which is
 * the distribution's base value, and one table entry per varying key;
 * mw_scenario_sample() draws one patient's values.
 * ---------------------------------------------------------------------------- */

#define MW_MAX_VARIABLES  64 /**< keys of one scenario that may vary */
#define MW_VAR_MAX_VALUES 16 /**< values of one `choice` */

typedef enum {
    MW_DIST_LOGNORMAL = 0, /**< median, sd_log; base value: the median */
    MW_DIST_NORMAL,        /**< mean, sd, truncated to [min, max]; base: the mean */
    MW_DIST_UNIFORM,       /**< [min, max]; base: the midpoint (rounded down for ints) */
    MW_DIST_CHOICE,        /**< values with weights; base: the first value */
    MW_N_DISTS
} mw_dist_t;

/** One key that varies between patients.  Every draw lies in the key's valid range
 *  [lo, hi]: a lognormal or normal draw outside it (or outside a normal's
 *  [min, max]) is drawn again.  Laid out without padding so that scenarios
 *  compare equal with memcmp. */
typedef struct {
    char key[128];      /**< key path as written, e.g. "tumour.clones[0].birth" */
    uint32_t offset;    /**< byte offset of the value in mw_scenario_t */
    int32_t is_int;     /**< 1: the value is an int; 0: a double */
    int32_t dist;       /**< mw_dist_t */
    int32_t range_open; /**< bit 0: lo itself is outside the range; bit 1: hi is */
    int32_t n_values;   /**< choice: values given */
    int32_t reserved_;  /**< 0 */
    double lo, hi;      /**< the key's valid range */
    double center;      /**< lognormal: median; normal: mean */
    double spread;      /**< lognormal: SD of ln(value); normal: SD */
    double min, max;    /**< uniform: bounds; normal: truncation (+-inf: none) */
    double values[MW_VAR_MAX_VALUES];  /**< choice */
    double weights[MW_VAR_MAX_VALUES]; /**< choice: as written (1 each when not given) */
} mw_variable_t;

/* ------------------------------------------------------------------------------
 * Virtual trials: the design, the arms and patient covariates (docs/guide.md
 * "Trial design and arms" and "Covariates").  An arm is the base scenario with its
 * `set` applied (mw_scenario_load_arm()); a covariate is a per-patient value drawn
 * with mw_scenario_covariates() that sets or scales scenario keys.
 * ---------------------------------------------------------------------------- */

#define MW_MAX_ARMS        8  /**< arms of one trial */
#define MW_MAX_COVARIATES  16 /**< covariates of one scenario */
#define MW_COV_MAX_EFFECTS 8  /**< keys one covariate changes */

typedef enum {
    MW_DESIGN_PAIRED = 0, /**< every patient on every arm, with common random numbers */
    MW_DESIGN_RANDOMISED  /**< each patient on one arm, drawn by allocation weight */
} mw_design_t;

/** One arm of a trial.  What it changes (its `set`) is applied when it is loaded. */
typedef struct {
    char name[MW_NAME_MAX];
    double allocation; /**< randomisation weight (> 0); ignored when paired */
} mw_arm_t;

/** What a covariate does to one key. */
typedef enum {
    MW_EFFECT_SET = 0,  /**< binary: key = value when the covariate is 1 */
    MW_EFFECT_MULTIPLY, /**< key *= value^(covariate - reference) */
    MW_EFFECT_POWER,    /**< numeric: key *= (covariate / reference)^value */
    MW_EFFECT_ASSIGN    /**< numeric: key = covariate */
} mw_effect_t;

/** One key a covariate changes.  Laid out without padding (memcmp). */
typedef struct {
    char key[128];      /**< key path as written, e.g. "tumour.clones[0].tp53_loss" */
    uint32_t offset;    /**< byte offset of the value in mw_scenario_t */
    int32_t is_int;     /**< 1: the value is an int; 0: a double */
    int32_t kind;       /**< mw_effect_t */
    int32_t range_open; /**< bit 0: lo itself is outside the range; bit 1: hi is */
    double value;       /**< set: the value; multiply: the factor; power: the
                             exponent; assign: 0 */
    double lo, hi;      /**< the key's valid range */
} mw_cov_effect_t;

/** A patient covariate: binary (1 with probability @c prevalence, else 0) or
 *  numeric (drawn from @c dist).  Effects apply in the order stored: set and
 *  assign, then multiply and power.  Laid out without padding (memcmp). */
typedef struct {
    char name[MW_NAME_MAX]; /**< [A-Za-z0-9_]: a CSV column name */
    int32_t binary;
    int32_t n_effects;
    double prevalence;      /**< binary: P(value = 1) */
    double reference;       /**< numeric: the value at which multiply and power do
                                 nothing (0 for binary covariates) */
    mw_variable_t dist;     /**< numeric: the distribution (key = the name) */
    mw_cov_effect_t effects[MW_COV_MAX_EFFECTS];
} mw_covariate_t;

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

    /* Immune model shared by every product (SPEC.md §3). */
    struct {
        double antigen_half_sat;   /**< K_A: antigen load (recognised cells) for half-maximal expansion */
        double kill_max;           /**< gamma: CAR-T kill per recognised tumour cell per day */
        double effector_half_sat;  /**< k_E: effectors giving half-maximal killing, cells */
        double exhaustion_base;    /**< E -> X per day without antigen */
        double exhaustion_stim;    /**< E -> X per day at saturating antigen */
        double exhaustion_pdl1;    /**< fold rise of stimulation-driven exhaustion at PD-L1 = 1 */
        double exhausted_death;    /**< 1/day */
        double reactivation;       /**< M -> E per day at saturating antigen */
        double homeostatic_boost;  /**< extra effector division per day with T cells fully depleted */
        double trogocytosis;       /**< extra switch-down per day of a fully engaged clone */
        double suppression_half;   /**< S50: suppressive burden halving T-cell function, cell equivalents */
        double il12_relief;        /**< fraction of suppression removed by IL-12 armor */
        double il18_expansion;     /**< fractional rise of expansion with IL-18 armor */
        double ccl19_recruit;      /**< fold rise of endogenous T/NK influx with CCL19 armor */
        double blood_fraction;     /**< fraction of CAR-T cells in blood */
        double blood_volume_ul;    /**< microlitres */
        double vcn;                /**< transgene copies per CAR+ cell */
        double leukocytes_ul;      /**< non-CAR leukocytes per microlitre after lymphodepletion */
        double lloq_copies_ug;     /**< qPCR lower limit of quantification, copies/ug gDNA */
        mw_costim_t costim_41bb;
        mw_costim_t costim_cd28;
        double ld_day;             /**< lymphodepletion day (when ld_depth > 0) */
        double ld_depth;           /**< fraction of T and NK cells removed by lymphodepletion */
        double t_cells;            /**< endogenous tumour-reactive T cells at steady state */
        double t_death;            /**< 1/day (recovery after depletion) */
        double t_kill_max;         /**< per tumour cell per day */
        double t_half_sat;         /**< T cells giving half-maximal killing */
        double tx_death;           /**< exhausted T cells, 1/day */
        double nk_cells;
        double nk_death;
        double nk_kill_max;
        double nk_half_sat;
        double nk_hla_boost;       /**< fractional rise of NK killing of HLA-lost clones */
        double imid_boost;         /**< fold T/NK killing (IMiD stimulation; 1 = none) */
        double pd1_blockade;       /**< PD-1 blockade occupancy 0..1 from pd1_blockade_day */
        double pd1_blockade_day;
        int n_products;
        mw_product_t products[MW_MAX_PRODUCTS];
        int n_engagers;
        mw_engager_t engagers[MW_MAX_ENGAGERS];
    } immune;

    /* Cytokine release, CRS and ICANS (SPEC.md §3.4). */
    struct {
        double il6_per_kill;       /**< pg/mL per day per 1e9 immune-mediated kills per day */
        double il6_per_expansion;  /**< pg/mL per day per 1e9 CAR-T divisions per day */
        double il6_half_life_days;
        double armor_factor;       /**< fold cytokine release of armored products */
        double crs[5];             /**< effective IL-6 (pg/mL) at which CRS grade 1..5 is reached */
        double icans[5];           /**< same for ICANS grade 1..5 */
        int toci_at_grade;         /**< give tocilizumab at this CRS grade (0 = never) */
        double toci_block;         /**< fraction of IL-6 signalling blocked */
        double toci_days;          /**< duration of the block */
        int steroid_at_grade;      /**< give corticosteroids at this CRS or ICANS grade (0 = never) */
        double steroid_relief;     /**< fraction of the cytokine effect removed */
        double steroid_expansion_cut; /**< fractional cut of CAR-T expansion */
        double steroid_days;
    } toxicity;

    /* Patient body size for dose units (SPEC.md §4). */
    struct {
        double weight_kg;
        double bsa_m2;
    } body;

    /* Drug and regimen libraries and the treatment plan (SPEC.md §4). */
    struct {
        int n_drugs;
        uint32_t drugs_from_set;    /**< bit i: mw_scenario_set() added drugs[i] */
        mw_drug_t drugs[MW_MAX_DRUGS];
        int n_regimens;
        uint32_t regimens_from_set; /**< bit i: mw_scenario_set() added regimens[i] */
        mw_regimen_t regimens[MW_MAX_REGIMENS];
        int n_lines;
        mw_line_t lines[MW_MAX_LINES];
        double start_day;         /**< the first line starts */
        double cam_il6_half;      /**< IL-6 (pg/mL) giving half the CAM-DR protection */
    } therapy;

    /* Monitoring: assays, their schedules and observation models (SPEC.md §5),
     * and the IMWG rules that turn observations into response (docs/model.md §9). */
    struct {
        mw_schedule_t schedule[MW_N_ASSAYS];
        double spep_cv;             /**< multiplicative measurement noise (CV) */
        double spep_lod_g_dl;       /**< smallest band electrophoresis quantifies */
        double ife_lod_g_dl;        /**< smallest M-protein immunofixation detects */
        double flc_cv;
        double flc_kappa_normal;    /**< polyclonal kappa FLC, mg/L */
        double flc_lambda_normal;   /**< polyclonal lambda FLC, mg/L */
        int flc_kappa;              /**< 1: the tumour makes kappa (involved = kappa) */
        double marrow_cells;        /**< normal nucleated marrow cells */
        double marrow_count;        /**< cells counted for the plasma-cell % */
        double normal_pc_fraction;  /**< normal plasma cells among nucleated cells */
        double mrd_cells;           /**< cells analysed for MRD */
        double mrd_min_events;      /**< tumour cells needed to call MRD positive */
        double flow_cells;          /**< most tumour cells typed per aspirate */
        double flow_events;         /**< nucleated events acquired */
        double flow_negative_below; /**< antigen density (molecules/cell) read as negative */
        double flow_min_cells;      /**< fewest typed tumour cells to report a phenotype */
        double pdl1_high;           /**< PD-L1 level read as PD-L1 high */
        double ctdna_depth;         /**< unique reads per site */
        double ctdna_error;         /**< per-read error at a site */
        double ctdna_min_alt;       /**< variant reads needed to call a mutation */
        double cfdna_hge_ml;        /**< non-tumour cell-free DNA, haploid genomes per mL */
        double imaging_cells;       /**< extramedullary cells imaging detects */
        double immune_cv;
        double il10_basal, il10_per_1e11; /**< serum IL-10 readout, pg/mL */
        double tgfb_basal, tgfb_per_1e11; /**< plasma TGF-beta readout, ng/mL */
        double sc_cells;            /**< single-cell: tumour cells captured per sample */
        int sc_blood;               /**< single-cell: 1 blood (all tumour), 0 marrow aspirate */
        double kill_cells;          /**< killing assay: tumour cells tested */
        double kill_et;             /**< killing assay: effector-to-target ratio */
        double kill_half_et;        /**< E:T at which a fully recognised cell is killed with p 1/2 */
        /* IMWG response and progression */
        double imwg_pr, imwg_vgpr, imwg_mr;
        double imwg_pd_rise, imwg_pd_abs, imwg_pd_abs_high, imwg_pd_high_nadir;
        double imwg_measurable_m, imwg_measurable_flc, imwg_flc_pd_abs;
        double imwg_marrow_pd_abs, imwg_marrow_basis_min, imwg_cr_marrow_max;
        int imwg_confirm;
        int n_policies;
        mw_policy_t policies[MW_MAX_POLICIES];
    } monitoring;

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

    /* Keys that vary between patients, in the order of their values in this struct
     * (increasing offset), whatever order the file gave them in; a key given a
     * plain number later, or a list replaced, loses its entry. */
    int n_variables;
    mw_variable_t variables[MW_MAX_VARIABLES];

    /* The trial this scenario belongs to.  Everything from here on describes the
     * trial or the patient population, never one patient, so no key here can vary
     * and no covariate can change one (their offsets lie before n_variables). */
    struct {
        int design;            /**< mw_design_t */
        int n_arms;            /**< 0: no arms section (one implicit arm) */
        int arm;               /**< the arm whose `set` this scenario holds; -1 = the base */
        int reserved_;         /**< 0 */
        double enrolment_days; /**< patients enter uniformly over [0, enrolment_days] */
        double data_cutoff_day; /**< analysis cut-off after the first enrolment; inf = none */
        double dropout_per_year; /**< constant hazard of loss to follow-up, 1/year */
        mw_arm_t arms[MW_MAX_ARMS];
    } trial;

    /* Patient covariates, drawn per patient by mw_scenario_covariates(). */
    int n_covariates;
    int init_error; /**< MW_ERR_NO_MEMORY when mw_scenario_init_defaults() ran out of
                         memory (every load then refuses), else 0; also keeps the
                         covariates 8-byte aligned without a hole */
    mw_covariate_t covariates[MW_MAX_COVARIATES];
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
/** Load @p path like mw_scenario_load(), then apply the `set` of trial.arms[arm]
 *  (0-based) and record the arm in trial.arm; @p arm = -1 loads the base (the same
 *  as mw_scenario_load()).  Loading checks the `set` of every arm, whichever is
 *  asked for, and in a paired design that every arm draws the same patients (the
 *  same keys varying with the same distributions).  Errors (an arm out of range, a
 *  bad key inside a `set`) go to @p diags with the file:line:col of the offending
 *  node; returns 0 or MW_ERR_CONFIG. */
MW_WARN_UNUSED int mw_scenario_load_arm(mw_scenario_t *self, const char *path, int arm,
                                        mw_diags_t *diags);
/** Same, from a string; @p name stands for the file in messages. */
MW_WARN_UNUSED int mw_scenario_load_string_arm(mw_scenario_t *self, const char *text,
                                               const char *name, int arm,
                                               mw_diags_t *diags);
/** Apply one "key=value" override (SLiM -d style), e.g.
 *  "tumour.clones[0].birth=0.2" or "mutation.rate=1e-7". */
MW_WARN_UNUSED int mw_scenario_set(mw_scenario_t *self, const char *assignment,
                                   mw_diags_t *diags);
/** Cross-field checks (e.g. at least one clone); appends to @p diags.  A drug or
 *  regimen that mw_scenario_set() added and that nothing uses is an error (a
 *  misspelt name adds an entry rather than editing one). */
MW_WARN_UNUSED int mw_scenario_validate(const mw_scenario_t *self, mw_diags_t *diags);
/** Give the diagnostics of mw_scenario_validate() a place: each with no file and
 *  line and a key gets "--set" when one of the @p n_sets "key=value" strings
 *  @p sets set that key, a part of it or a key below it, else the line:col in the
 *  scenario file @p path of the key's value (a scalar) or of the deepest part of
 *  the key written there.  A key in none of them (a library entry, a default) keeps
 *  no place.  @p self resolves list indexes of keyed lists ("drugs[3]") to names;
 *  it may be NULL. */
void mw_diags_locate(mw_diags_t *diags, const mw_scenario_t *self, const char *path,
                     char *const *sets, int n_sets);
/** Write the fully resolved scenario as a JSON object (for run.json). */
MW_WARN_UNUSED int mw_scenario_write_json(const mw_scenario_t *self, FILE *out,
                                          int indent);
/** 64-bit FNV-1a hash of the resolved scenario JSON, for provenance. */
uint64_t mw_scenario_hash(const mw_scenario_t *self);
/** Patient @p patient of a cohort: copy @p base into @p out (which may be @p base)
 *  and replace the value of each key in base->variables with one draw of its
 *  distribution, in table order, from the stream (seed, patient,
 *  MW_STREAM_PATIENT).  The draws depend only on (seed, patient, base), not on
 *  which patients were drawn before.  @p out has no variables left: it is one
 *  patient's fixed scenario.  Cross-field checks are not repeated
 *  (mw_scenario_validate() them when distributions could break one).
 *  @return 0, or MW_ERR_BAD_PARAM when a malformed table entry or a draw that kept
 *  falling outside its range (after 10000 tries) stopped it; @p out is then a plain
 *  copy of @p base.  No allocation. */
MW_WARN_UNUSED int mw_scenario_sample(const mw_scenario_t *base, uint64_t seed,
                                      uint32_t patient, mw_scenario_t *out);
/** Draw patient @p patient's covariates of @p base from the stream (seed, patient,
 *  MW_STREAM_COVARIATE), one draw per covariate in list order, write their values
 *  to @p values[base->n_covariates] (may be NULL) and apply their effects, in
 *  order, to @p inout (normally the output of mw_scenario_sample(); it may be
 *  @p base).  The values depend only on (seed, patient, base).  @p inout has no
 *  covariates left: it is one patient's fixed scenario.
 *  @return 0, or MW_ERR_BAD_PARAM when an effect puts a key outside its valid
 *  range or a draw kept falling outside its range (message in @p errbuf: the
 *  covariate, the key, the value and the range); @p inout is then unchanged.
 *  No allocation. */
MW_WARN_UNUSED int mw_scenario_covariates(const mw_scenario_t *base, uint64_t seed,
                                          uint32_t patient, mw_scenario_t *inout,
                                          double *values, char *errbuf, size_t errlen);
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
    MW_EV_DIAGNOSIS,
    MW_EV_LYMPHODEPLETION,
    MW_EV_INFUSION,       /**< other = product */
    MW_EV_ENGAGER_DOSE,   /**< other = engager */
    MW_EV_SAFETY_SWITCH,  /**< other = product */
    MW_EV_CRS,            /**< CRS reached grade @c other */
    MW_EV_ICANS,          /**< ICANS reached grade @c other */
    MW_EV_TOCILIZUMAB,
    MW_EV_STEROID,
    MW_EV_DEATH,          /**< treatment-related death */
    MW_EV_DOSE,           /**< other = drug, value = mg (Gy for radiotherapy) */
    MW_EV_LINE_START,     /**< other = line */
    MW_EV_PHASE_START,    /**< other = line, value = phase */
    MW_EV_APHERESIS,      /**< other = line */
    MW_EV_PROGRESSION,    /**< other = line; value = observed M-protein, g/dL (-1 not measured) */
    MW_EV_LINE_END,       /**< other = line: every phase given, off treatment */
    MW_EV_RESPONSE,       /**< other = the new confirmed IMWG response; value = observed M-protein */
    MW_EV_POLICY          /**< other = policy; value = the reading that triggered it */
} mw_event_kind_t;

typedef struct {
    double t_days;
    int kind;        /**< mw_event_kind_t */
    mw_id_t clone;   /**< MW_NULL_ID when not about one clone */
    mw_id_t other;   /**< e.g. the parent of a new clone */
    double value;    /**< kind-specific amount (dose in mg), else 0 */
} mw_event_t;

const char *mw_event_name(int kind);

/** What an observation measured (the `quantity` column of observations.csv). */
typedef enum {
    MW_Q_MPROTEIN = 0,     /**< g/dL by electrophoresis; 0 when no band is quantifiable */
    MW_Q_IFE,              /**< immunofixation: 1 positive, 0 negative */
    MW_Q_FLC_INVOLVED,     /**< mg/L */
    MW_Q_FLC_UNINVOLVED,   /**< mg/L */
    MW_Q_FLC_RATIO,        /**< kappa / lambda */
    MW_Q_MARROW_PC,        /**< plasma cells, % of nucleated marrow cells */
    MW_Q_MRD,              /**< tumour cells found / cells analysed */
    MW_Q_MRD_POSITIVE,     /**< 1 / 0 */
    MW_Q_FLOW_CELLS,       /**< tumour cells typed by flow */
    MW_Q_ANTIGEN_MEDIAN,   /**< index = antigen: median molecules/cell of typed cells */
    MW_Q_ANTIGEN_NEGATIVE, /**< index = antigen: fraction of typed cells read negative */
    MW_Q_PDL1_HIGH,        /**< fraction of typed cells read PD-L1 high */
    MW_Q_VAF_CLONE,        /**< index = founder clone: VAF of its truncal mutation */
    MW_Q_VAF_MUTATION,     /**< index = catalogue entry: VAF of that mutation */
    MW_Q_CTDNA_DETECTED,   /**< some tracked mutation called: 1 / 0 */
    MW_Q_EMD,              /**< imaging sees extramedullary disease: 1 / 0 */
    MW_Q_CART_CELLS_UL,    /**< index = product: blood CAR-T cells/uL */
    MW_Q_CART_COPIES_UG,   /**< index = product: copies/ug gDNA, 0 below the LLOQ */
    MW_Q_CART_EXHAUSTED,   /**< index = product: exhausted fraction of CAR-T cells */
    MW_Q_T_CELLS_UL,       /**< endogenous tumour-reactive T cells per uL of blood */
    MW_Q_NK_CELLS_UL,      /**< NK cells per uL of blood */
    MW_Q_IL6,              /**< systemic (serum) IL-6, pg/mL: timeseries cytokine_il6_pg_ml */
    MW_Q_CRS_GRADE,        /**< clinical CRS grade 0-5 */
    MW_Q_ICANS_GRADE,      /**< clinical ICANS grade 0-5 */
    MW_Q_IL10,             /**< serum IL-10, pg/mL */
    MW_Q_TGFB,             /**< plasma TGF-beta, ng/mL */
    MW_Q_CELLS_CAPTURED,   /**< single-cell: tumour cells captured (rows in single_cells.csv) */
    MW_Q_SPECIFIC_LYSIS,   /**< index = product: fraction of tested tumour cells killed */
    MW_N_QUANTITIES
} mw_quantity_t;

/** One tumour cell captured by single-cell sampling (single_cells.csv). */
typedef struct {
    double t_days;
    int sample;      /**< visit number of the single-cell assay, from 1 */
    int compartment; /**< 0 marrow, 1 extramedullary */
    mw_id_t clone;
    double density[MW_N_ANTIGENS]; /**< this cell's antigen densities, molecules/cell */
} mw_cell_obs_t;

/** IMWG response categories, ordered so that a larger value is a deeper response
 *  (Kumar 2016 Lancet Oncol 17:e328). */
typedef enum {
    MW_RESP_NE = -1, /**< not evaluable */
    MW_RESP_PD = 0,
    MW_RESP_SD,
    MW_RESP_MR,
    MW_RESP_PR,
    MW_RESP_VGPR,
    MW_RESP_CR,
    MW_RESP_SCR
} mw_response_t;
/** "PD", "SD", "MR", "PR", "VGPR", "CR", "sCR"; "NE" for anything else. */
const char *mw_response_name(int response);

/** Relapse phenotype, from what the clinic saw at progression. */
typedef enum {
    MW_RELAPSE_NONE = 0,         /**< no progression */
    MW_RELAPSE_EXTRAMEDULLARY,   /**< imaging saw new extramedullary disease */
    MW_RELAPSE_ANTIGEN_NEGATIVE, /**< flow: >= half of the cells negative for the CAR target */
    MW_RELAPSE_ANTIGEN_LOW,      /**< flow: target median below half of that at line start */
    MW_RELAPSE_ANTIGEN_POSITIVE, /**< flow: target still expressed */
    MW_RELAPSE_MEDULLARY         /**< no CAR target, or no flow after the line started */
} mw_relapse_t;
const char *mw_relapse_name(int type);

/** One measured value: what the clinic saw, never the hidden state. */
typedef struct {
    double t_days;
    int assay;    /**< mw_assay_t */
    int quantity; /**< mw_quantity_t */
    int index;    /**< antigen, founder clone, catalogue entry or product; -1 none */
    double value;
} mw_obs_t;

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
/** One CAR-T product now.  Blood values use the documented conversion
 *  cells/uL = cells * blood_fraction / blood_volume_ul and
 *  copies/ug = cells/uL * vcn / ((leukocytes_ul + CAR-T cells/uL) * 6.6e-6 ug). */
typedef struct {
    double effector, memory, exhausted; /**< CAR-T cells in the body */
    double blood_cells_ul;
    double copies_ug;
    double antigen_load;                /**< recognised tumour cells A */
} mw_cart_state_t;
/** @return 0, or MW_ERR_BAD_PARAM for a product index out of range. */
int mw_sim_cart(const mw_sim_t *self, int product, mw_cart_state_t *out);

/** Blood kinetics of one product so far (copies/ug gDNA unless stated). */
typedef struct {
    int infused;
    double cmax, cmax_cells_ul;
    double tmax_days;         /**< after infusion */
    double auc0_28;           /**< copies/ug x day over days 0-28 after infusion */
    double persistence_days;  /**< last time above the LLOQ, after infusion */
} mw_cart_pk_t;
int mw_sim_cart_pk(const mw_sim_t *self, int product, mw_cart_pk_t *out);

typedef struct {
    double t_cells, t_exhausted, nk_cells;
    double engager_ug_ml[MW_MAX_ENGAGERS];   /**< total plasma concentration */
    double engager_occupancy[MW_MAX_ENGAGERS]; /**< T-cell redirection 0..1 (after the sBCMA sink) */
} mw_immune_state_t;
void mw_sim_immune(const mw_sim_t *self, mw_immune_state_t *out);

typedef struct {
    double il6_pg_ml;          /**< systemic cytokine (IL-6) now */
    int crs_grade, icans_grade; /**< now */
    int crs_max, icans_max;     /**< worst so far */
    double crs_onset_day;       /**< first day with grade >= 1; NaN if none */
    int toci_given, steroid_given;
} mw_toxicity_t;
void mw_sim_toxicity(const mw_sim_t *self, mw_toxicity_t *out);

/** Recognition 0..1 of clone @p clone by product @p k (0..n_products-1) or
 *  engager k - n_products. */
double mw_sim_recognition(const mw_sim_t *self, int clone, int k);
/** Activate product @p product's safety switch now (a clinic action).
 *  @return 0, or MW_ERR_BAD_PARAM when it has none or the index is bad. */
int mw_sim_safety_switch(mw_sim_t *self, int product);

/** One drug now: plasma concentration, occupancy H and the tumour kill it adds to
 *  a fully sensitive, unprotected cell (emax H (1 - antigen_downreg H) times the
 *  NK factor; the clone's sensitivity and niche protection not applied). */
typedef struct {
    int in_plan;         /**< the plan gives this drug (otherwise all zero) */
    double conc_ng_ml;
    double occupancy;
    double kill_per_day;
} mw_drug_state_t;
/** @return 0, or MW_ERR_BAD_PARAM for a drug index out of range. */
int mw_sim_drug(const mw_sim_t *self, int drug, mw_drug_state_t *out);

/** Where the treatment plan stands. */
typedef struct {
    int line;            /**< current line (0-based), -1 before the first, n_lines after */
    int phase;           /**< phase within the line, -1 when none */
    int cycle;           /**< 1-based cycle within the phase, 0 when none */
    int on_treatment;    /**< a regimen is being given */
    int progressions;    /**< confirmed progressions so far */
    double first_progression_day; /**< NaN if none */
    double nadir_g_dl;   /**< M-protein nadir of the current line */
} mw_therapy_state_t;
void mw_sim_therapy(const mw_sim_t *self, mw_therapy_state_t *out);

/** Why a line ended. */
typedef enum {
    MW_LINE_ONGOING = 0,  /**< still current at the end of the run */
    MW_LINE_PROGRESSION,  /**< confirmed IMWG progression */
    MW_LINE_POLICY        /**< a policy started another line */
} mw_line_end_t;
const char *mw_line_end_name(int why);

/** One line's IMWG record, from observations. */
typedef struct {
    int started;
    double start_day;
    int best;               /**< best confirmed response (mw_response_t), MW_RESP_NE none */
    double response_day;    /**< first of the assessments confirming the first response
                                 >= PR (time to response); NaN if none */
    double progression_day; /**< IMWG date of progression (first of the confirming
                                 assessments); NaN if none */
    int relapse_type;       /**< mw_relapse_t */
    double end_day;         /**< the next line started (or treatment stopped for good); NaN */
    int ended_by;           /**< mw_line_end_t */
} mw_line_response_t;
/** @return 0, or MW_ERR_BAD_PARAM for a line index out of range. */
int mw_sim_line_response(const mw_sim_t *self, int line, mw_line_response_t *out);

/** Single cells captured so far; each is valid until the next call that advances
 *  the simulation (the clone's traits: mw_sim_clone). */
int mw_sim_n_cells(const mw_sim_t *self);
const mw_cell_obs_t *mw_sim_cell(const mw_sim_t *self, int i);

/** Observations so far, in time order (a visit's values share its day). */
int mw_sim_n_obs(const mw_sim_t *self);
const mw_obs_t *mw_sim_obs(const mw_sim_t *self, int i);
/** The quantity column of @p o: "mprotein_g_dl", "antigen_median:BCMA",
 *  "vaf:<clone name>", ... into @p buf; returns @p buf. */
const char *mw_obs_label(const mw_sim_t *self, const mw_obs_t *o, char *buf, size_t n);

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
 *  observations.csv, summary.json and run.json into opts->out_dir.  Files are first written under
 *  temporary names and renamed at the end, so a failed run leaves no file that
 *  looks complete.  @return 0 or MW_ERR_*; @p errbuf gets a message. */
MW_WARN_UNUSED int mw_run(const mw_scenario_t *scenario, const mw_run_options_t *opts,
                          mw_run_result_t *result, char *errbuf, size_t errbuf_len);

/* ------------------------------------------------------------------------------
 * Cohorts: virtual trials of one or more arms (docs/guide.md "Virtual trials").
 * Patient i's parameters are mw_scenario_sample() and mw_scenario_covariates() of
 * (seed, i), its trial draws (entry day, dropout, randomised arm) come from stream
 * (seed, i, MW_STREAM_TRIAL) and its simulation on each arm is mw_sim_create(patient,
 * seed, i): every result depends only on (seed, i, scenario), so a cohort split
 * across threads, shards or MPI ranks gives the same rows byte for byte.
 * ---------------------------------------------------------------------------- */

#ifndef MW_MAX_ARMS
#define MW_MAX_ARMS 8
#endif

typedef struct {
    const char *out_dir;      /**< created if missing */
    const char *command_line; /**< for run.json provenance; may be NULL */
    uint64_t seed;
    int n_patients;           /**< >= 1: the whole trial, shards included */
    int threads;              /**< >= 1; 0 = OpenMP's default (OMP_NUM_THREADS, else
                                   every core); 1 without OpenMP */
    int quiet;                /**< no progress on stderr */
    int resume;               /**< continue the unfinished cohort in out_dir */
    int only_patient;         /**< >= 0: simulate this patient only; -1: all */
    int shard_index;          /**< 0-based shard of shard_count (contiguous blocks of
                                   patients); 0 of 1 = the whole trial */
    int shard_count;
    int trajectories;         /**< write the time series of patients 0..K-1 on every
                                   arm to trajectories.csv; 0 = none */
} mw_cohort_options_t;

/** One arm's results. */
typedef struct {
    char name[MW_NAME_MAX];
    int n_patients;
    int n_pfs_events, n_deaths;
    double orr;               /**< line 1's best response >= PR */
    double vgpr_rate, cr_rate, scr_rate, mrd_negative_rate;
    double median_pfs_days;   /**< INFINITY when not reached */
    double median_pfs_lower, median_pfs_upper; /**< Brookmeyer-Crowley 95 % */
    double pfs_12m, pfs_12m_lower, pfs_12m_upper; /**< PFS at 12 months, log-log 95 % */
    double median_os_days;
    double hr_pfs, hr_pfs_lower, hr_pfs_upper;  /**< Cox (Efron) vs arm 0; NAN for arm 0 */
    double logrank_p;         /**< PFS vs arm 0; NAN for arm 0 */
} mw_arm_result_t;

/** Summary of one finished cohort, for the CLI's closing lines and for tests. */
typedef struct {
    int n_patients;           /**< patients simulated here (a shard's share) */
    int threads;              /**< threads used */
    int n_arms;
    int rank, ranks;          /**< MPI: this process's rank of `ranks` (0 of 1 without);
                                   only rank 0 gets the results */
    double wall_seconds;
    mw_arm_result_t arms[MW_MAX_ARMS];
} mw_cohort_result_t;

/** Simulate patients of the trial whose arms are @p arms[0..n_arms-1] (each loaded
 *  with mw_scenario_load_arm(); one scenario without arms is a one-arm trial) and
 *  write patients.csv (one row per patient and arm, in patient order), tte.csv
 *  (ADaM ADTTE shape), km.csv, summary.json and run.json into o->out_dir.  Rows are
 *  streamed to disk as patients finish: a killed run continues with o->resume
 *  without losing or repeating a patient, and memory does not grow with the number
 *  of patients.  Every file but run.json is byte-identical whatever the thread
 *  count.  @return 0 or MW_ERR_*; @p errbuf gets a message. */
MW_WARN_UNUSED int mw_cohort(const mw_scenario_t *arms, int n_arms,
                             const mw_cohort_options_t *o, mw_cohort_result_t *result,
                             char *errbuf, size_t errbuf_len);

/** Merge the output directories of the shards @p dirs[0..n_dirs-1] of one cohort
 *  (any order; together they must cover every patient once) into @p out_dir: the
 *  same files, byte for byte, as one run of the whole cohort (run.json aside).
 *  @return 0 or MW_ERR_*; @p errbuf gets a message. */
MW_WARN_UNUSED int mw_cohort_merge(const char *const *dirs, int n_dirs, const char *out_dir,
                                   const char *command_line, mw_cohort_result_t *result,
                                   char *errbuf, size_t errbuf_len);

/* ------------------------------------------------------------------------------
 * Report (SPEC.md §10): one self-contained HTML page per output directory.
 * ------------------------------------------------------------------------------ */

/** What a report may be asked to do differently. */
typedef struct {
    const char *colour_by; /**< patient report: the clones.csv column (a trait such as
                                BCMA_density) that colours clones in the Muller plot
                                and clone tree; NULL = the density of the first
                                targeted antigen that differs between clones */
} mw_report_options_t;

/** Write report.json (every plotted number) and report.html (the same numbers drawn
 *  with the embedded uPlot; one file that opens offline) into the output directory
 *  @p dir: a trial report when @p dir holds a `marrow cohort` result (patients.csv),
 *  else a patient report of replicate 0 of a `marrow run`.  @p opts may be NULL.
 *  @return 0 or MW_ERR_*; @p errbuf gets a message. */
MW_WARN_UNUSED int mw_report_write(const char *dir, const mw_report_options_t *opts,
                                   char *errbuf, size_t errbuf_len);

/* ------------------------------------------------------------------------------
 * Random numbers: Philox4x32-10 streams keyed by (seed, index, stream).
 * ---------------------------------------------------------------------------- */

typedef enum {
    MW_STREAM_INIT = 0, /**< reserved (no draws use it yet) */
    MW_STREAM_DYNAMICS, /**< births, deaths, migration, switching */
    MW_STREAM_MUTATION, /**< which change a mutation makes */
    MW_STREAM_IMMUNE,
    MW_STREAM_DRUG,
    MW_STREAM_MEASUREMENT,
    MW_STREAM_PATIENT, /**< a patient's parameters (mw_scenario_sample) */
    MW_STREAM_COVARIATE, /**< a patient's covariates (mw_scenario_covariates) */
    MW_STREAM_TRIAL,   /**< a patient's entry day, dropout and randomised arm */
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
