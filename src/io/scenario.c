/*
 * Scenario parameters: one descriptor table gives every scenario key its type, place
 * in mw_scenario_t, range, default, unit and source.  The table drives the defaults,
 * YAML/JSON loading (yaml_load.c), `--set key=value` overrides, cross-field
 * validation, the JSON echo written into run.json, the provenance hash and
 * `marrow params`.  Clone trait keys come from the trait table in tumour/traits.c.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clinic/policy.h"
#include "core/core.h"
#include "io/io.h"
#include "tumour/traits.h"

/* ------------------------------------------------------------------------------
 * The table
 * ---------------------------------------------------------------------------- */

#define S(f)  offsetof(mw_scenario_t, f)
#define CL(f) offsetof(mw_clone_spec_t, f)
#define MU(f) offsetof(mw_mutation_t, f)
#define PR(f) offsetof(mw_product_t, f)
#define TG(f) offsetof(mw_target_t, f)
#define EG(f) offsetof(mw_engager_t, f)
#define DS(f) offsetof(mw_dose_t, f)
#define DR(f) offsetof(mw_drug_t, f)
#define RG(f) offsetof(mw_regimen_t, f)
#define RD(f) offsetof(mw_regimen_dose_t, f)
#define LN(f) offsetof(mw_line_t, f)
#define PH(f) offsetof(mw_phase_t, f)
#define PO(f) offsetof(mw_policy_t, f)
#define AR(f) offsetof(mw_arm_t, f)

/* Longest a regimen may be given, in cycles. */
#define MAX_CYCLES 10000

/* clang-format off */
/* An assay's schedule (monitoring.<assay>.every_days, from_day, until_day,
 * at_line_start): four rows sharing the source of the default interval. */
#define P_SCHEDULE(k, a, every, line, src)                                            \
    P_DBL(k ".every_days", S(monitoring.schedule[a].every_days), 0, 0, 1e4, every,     \
          "days", src, "interval between visits (0 = none)"),                         \
    P_DBL(k ".from_day", S(monitoring.schedule[a].from_day), 0, 0, 1e5, 0, "days",     \
          "assumed: from diagnosis", "first periodic visit"),                         \
    P_DBL(k ".until_day", S(monitoring.schedule[a].until_day), 1, 0, INFINITY,         \
          INFINITY, "days", "assumed: for the whole run",                             \
          "no periodic visit at or after"),                                           \
    P_BOOL(k ".at_line_start", S(monitoring.schedule[a].at_line_start), line, src,     \
           "also at the start of every line")
#define P_DBL(k, off, lo_open, lo, hi, def, unit, src, doc)                           \
    {k, MW__P_DOUBLE, off, 0, 0, lo_open, 0, lo, hi, def, NULL, NULL, unit, src, doc}
/* A double whose range is open at the top: [lo, hi) or (lo, hi). */
#define P_DBL_HO(k, off, lo_open, lo, hi, def, unit, src, doc)                        \
    {k, MW__P_DOUBLE, off, 0, 0, lo_open, 1, lo, hi, def, NULL, NULL, unit, src, doc}
#define P_INT(k, off, lo, hi, def, unit, src, doc)                                    \
    {k, MW__P_INT, off, 0, 0, 0, 0, lo, hi, def, NULL, NULL, unit, src, doc}
#define P_BOOL(k, off, def, src, doc)                                                 \
    {k, MW__P_BOOL, off, 0, 0, 0, 0, 0, 1, def, NULL, NULL, "flag", src, doc}
#define P_ENUM(k, off, names, src, doc)                                               \
    {k, MW__P_ENUM, off, 0, 0, 0, 0, 0, 0, 0, NULL, names, "", src, doc}
/* An enum whose default is not its first word. */
#define P_ENUM_D(k, off, names, def, src, doc)                                        \
    {k, MW__P_ENUM, off, 0, 0, 0, 0, 0, 0, def, NULL, names, "", src, doc}
#define P_STR(k, off, defstr, doc)                                                    \
    {k, MW__P_STRING, off, 0, 0, 0, 0, 0, 0, 0, defstr, NULL, "", "", doc}
/* A char[size] that may be empty: free text, or the name of another entry. */
#define P_TEXT(k, off, size, defstr, src, doc)                                        \
    {k, MW__P_TEXT, off, size, 0, 0, 0, 0, 0, 0, defstr, NULL, "", src, doc}
#define P_DAYS(k, off, defstr, src, doc)                                              \
    {k, MW__P_DAYS, off, 0, 0, 0, 0, 1, MW_MAX_CYCLE_DAYS, 0, defstr, NULL, "day",    \
     src, doc}
#define P_CYCLES(k, first, last, defstr, src, doc)                                    \
    {k, MW__P_CYCLES, first, last, 0, 0, 0, 1, MAX_CYCLES, 0, defstr, NULL, "cycle",  \
     src, doc}
#define P_LIST(k, off, count, elem, max, doc)                                         \
    {k, MW__P_LIST, off, count, elem, 0, 0, 0, max, 0, NULL, NULL, "", "", doc}
/* A list keyed by its elements' "name" row; @p library names the shipped entries. */
#define P_KEYED(k, off, count, elem, max, library, doc)                               \
    {k, MW__P_KEYED, off, count, elem, 0, 0, 0, max, 0, library, NULL, "", "", doc}
#define P_EDITS(k, off, count, doc)                                                   \
    {k, MW__P_EDITS, off, count, 0, 0, 0, 0, MW_MAX_EDITS, 0, NULL, NULL, "", "", doc}
#define P_TRAITS(k, off)                                                              \
    {k, MW__P_TRAITS, off, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, "", "", ""}
#define P_ANTIGENS(k, off)                                                            \
    {k, MW__P_ANTIGENS, off, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, "", "", ""}
#define P_OVERLAY(k, doc)                                                             \
    {k, MW__P_OVERLAY, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, "", "", doc}
#define P_COVARIATES(k, off, count, doc)                                              \
    {k, MW__P_COVARIATES, off, count, sizeof(mw_covariate_t), 0, 0, 0,                \
     MW_MAX_COVARIATES, 0, NULL, NULL, "", "", doc}
/* clang-format on */

static const char *const founding_names[] = {"explicit", "grow", NULL};
static const char *const mode_names[] = {"hybrid", "exact", "mean", NULL};
/* In mw_antigen_id_t order (the same names as mw_antigen_name()). */
static const char *const antigen_names[] = {"BCMA", "GPRC5D", "FcRH5", "SLAMF7",
                                            "CD38", "CD19",   NULL};
_Static_assert(sizeof(antigen_names) / sizeof(antigen_names[0]) == MW_N_ANTIGENS + 1,
               "antigen_names must list every mw_antigen_id_t");
static const char *const logic_names[] = {"single", "or", "and", NULL};
static const char *const costim_names[] = {"4-1BB", "CD28", "both", NULL};
static const char *const armor_names[] = {"none", "il12", "il18", "ccl19", NULL};
static const char *const switch_names[] = {"none", "icasp9", "rqr8", NULL};
/* In mw_route_t and mw_dose_unit_t order. */
static const char *const route_names[] = {"iv", "infusion",  "oral",
                                          "sc", "radiation", NULL};
static const char *const dose_unit_names[] = {"mg", "mg/m2", "mg/kg", "Gy", NULL};
static const char *const action_names[] = {"next_line", "start_line",  "stop",
                                           "safety_switch", "tocilizumab", "steroids",
                                           "monitor",   "add_regimen", "resume", NULL};
static const char *const treated_names[] = {"any", "on", "off", NULL};
/* In mw_design_t order. */
static const char *const design_names[] = {"paired", "randomised", NULL};
static const char *const assay_names[] = {"spep",   "flc",    "marrow",      "flow",    "ctdna",
                                          "imaging", "immune", "single_cell", "killing", NULL};
/* A drug's antigen: 0 = none, else 1 + mw_antigen_id_t. */
static const char *const drug_antigen_names[] = {"none",   "BCMA", "GPRC5D", "FcRH5",
                                                 "SLAMF7", "CD38", "CD19",   NULL};
_Static_assert(sizeof(drug_antigen_names) / sizeof(drug_antigen_names[0]) ==
                   MW_N_ANTIGENS + 2,
               "drug_antigen_names must list none and every mw_antigen_id_t");

#define CRS_SRC                                                                          \
    "assumed: ordered IL-6 thresholds; calibrate to KarMMa CRS 84% any grade, 5% "       \
    "grade>=3 (science.md §2.4)"
#define ICANS_SRC                                                                        \
    "assumed: ICANS follows severe cytokine release (KarMMa neurotoxicity 18%)"

/* Generic drug fields: the library (data/drugs.yaml) gives the real values. */
#define DRUG_SRC "assumed: neutral unless the library or scenario sets it"
#define IMWG_SRC                                                                         \
    "Kumar 2016 Lancet Oncol IMWG criteria: >=25% increase from nadir, absolute "        \
    ">= 0.5 g/dL (science.md §3.4)"

#define EDIT_DOC                                                                         \
    "trait or antigen -> change: x<f> or *<f> multiply, +<f>/-<f> add, =<v> or <v> "     \
    "set, true/false for flags; antigen: lost, copy_loss, expressed, epitope:<N>; "      \
    "<ANTIGEN>.density / .spread take the numeric forms"

static const mw__param_t params[] = {
    P_STR("name", S(name), "scenario", "scenario label written into the outputs"),
    P_DBL("horizon_days", S(horizon_days), 1, 0, 1e5, 365, "days",
          "assumed: one year of follow-up", "simulated time after day 0"),
    P_DBL("output_every_days", S(output_every_days), 1, 0, 1e5, 1, "days",
          "assumed: daily output", "interval between time-series rows"),

    P_DBL("tumour.capacity", S(tumour.capacity), 0, 1, INFINITY, INFINITY, "cells",
          "assumed: no crowding unless the scenario sets a marrow capacity",
          "marrow plasma-cell carrying capacity K_bm (inf = no crowding)"),
    P_DBL("tumour.theta", S(tumour.theta), 0, 0.01, 100, 1, "1",
          "assumed: classic logistic (theta = 1)", "theta-logistic crowding exponent"),
    P_DBL("tumour.em_capacity", S(tumour.em_capacity), 0, 1, INFINITY, INFINITY, "cells",
          "assumed: no extramedullary crowding unless set",
          "extramedullary carrying capacity (inf = none)"),
    P_DBL("tumour.em_seeding", S(tumour.em_seeding), 0, 0, 1, 0, "1/day",
          "assumed: off unless the scenario models extramedullary disease",
          "extramedullary seeding per marrow cell, times (1 - niche_dependence)"),
    P_DBL("tumour.il6.basal", S(tumour.il6_basal), 0, 0, 1e4, 5, "pg/mL",
          "assumed: normal serum IL-6 below ~5-7 pg/mL",
          "marrow IL-6 with an empty marrow"),
    P_DBL("tumour.il6.gain", S(tumour.il6_gain), 0, 0, 1e4, 20, "pg/mL",
          "assumed: IL-6 rises several-fold in active MM (value not retrieved)",
          "IL-6 added at full marrow occupancy"),
    P_DBL("tumour.il6.ec50", S(tumour.il6_ec50), 1, 0, 1e4, 10, "pg/mL",
          "assumed: half-maximal support near the level of active MM",
          "IL-6 giving half the maximal niche support"),
    P_DBL("tumour.il6.support_max", S(tumour.il6_support_max), 0, 0, 10, 0.5, "fraction",
          "assumed: niche support at most raises birth by half",
          "max fractional birth boost of a fully niche-dependent cell"),
    P_DBL("tumour.il6.cam_ec50", S(therapy.cam_il6_half), 1, 0, 1e4, 10, "pg/mL",
          "assumed: CAM-DR protection half-maximal at the IL-6 of active MM (SPEC.md "
          "§2.2 form)",
          "marrow IL-6 giving half the maximal drug protection (CAM-DR) of "
          "drugs[].sensitivity.niche_protection"),
    P_DBL("tumour.ras_birth_boost", S(tumour.ras_birth_boost), 0, 0, 10, 0.5, "fraction",
          "assumed: RAS/MAPK activation speeds division moderately",
          "fractional birth increase at ras = 1"),
    P_DBL("tumour.ras_niche_relief", S(tumour.ras_niche_relief), 0, 0, 1, 0.5, "fraction",
          "assumed: RAS/MAPK signalling replaces part of niche support",
          "fraction of niche dependence removed at ras = 1"),
    P_DBL("tumour.stem_birth_factor", S(tumour.stem_birth_factor), 0, 0, 1, 0.8,
          "fraction", "assumed: stem-like cells cycle slowly",
          "fractional birth decrease at stemness = 1"),
    P_DBL("tumour.tp53_mu_mult", S(tumour.tp53_mu_mult), 0, 1, 1e6, 10, "fold",
          "assumed: genomic instability after p53 loss",
          "mutation-rate multiplier of tp53_loss clones"),
    P_ENUM("tumour.founding", S(tumour.founding), founding_names,
           "assumed: clones are listed explicitly",
           "explicit: start from the listed clones; grow: grow clones[0] from one cell"),
    P_DBL("tumour.grow_to_cells", S(tumour.grow_to_cells), 0, 1, 1e14, 1e11, "cells",
          "science.md §3.1 derived: 1e11-1e12 cells at symptomatic MM",
          "founding = grow: tumour size at diagnosis (day 0)"),
    P_LIST("tumour.clones", S(tumour.clones), S(tumour.n_clones), sizeof(mw_clone_spec_t),
           MW_MAX_CLONE_SPECS,
           "founder clones present at day 0 (a list REPLACES earlier clones)"),
    P_STR("tumour.clones[].name", CL(name), "clone", "clone label"),
    P_DBL("tumour.clones[].cells", CL(cells), 0, 0, 1e14, 0, "cells",
          "assumed: set by the scenario", "marrow cells at day 0"),
    P_DBL("tumour.clones[].em_cells", CL(em_cells), 0, 0, 1e14, 0, "cells",
          "assumed: no extramedullary disease at day 0", "extramedullary cells at day 0"),
    P_DBL("tumour.clones[].influx", CL(influx), 0, 0, 1e12, 0, "cells/day",
          "assumed: no influx unless the scenario models one",
          "cells per day entering this clone in the marrow"),
    P_TRAITS("tumour.clones[].<trait>", CL(traits)),
    P_ANTIGENS("tumour.clones[].antigens", CL(traits.antigen)),

    P_DBL("mutation.rate", S(mutation.rate), 0, 0, 1, 0, "1/division",
          "assumed: off unless the scenario models evolution",
          "probability of a heritable change per division"),
    P_LIST("mutation.catalogue", S(mutation.catalogue), S(mutation.n_entries),
           sizeof(mw_mutation_t), MW_MAX_CATALOGUE,
           "heritable changes a mutation can make (a list REPLACES earlier entries)"),
    P_STR("mutation.catalogue[].name", MU(name), "mut", "catalogue entry label"),
    P_DBL("mutation.catalogue[].weight", MU(weight), 1, 0, 1e12, 1, "1",
          "assumed: equal weights", "relative probability among entries"),
    P_DBL("mutation.catalogue[].fitness_cost", MU(fitness_cost), 0, 0, 1, 0, "fraction",
          "assumed: neutral unless set", "fractional birth-rate reduction"),
    P_BOOL("mutation.catalogue[].recurrent", MU(recurrent), 0,
           "assumed: every hit makes a new clone",
           "repeated hits from one parent join one child clone"),
    P_EDITS("mutation.catalogue[].edits", MU(edits), MU(n_edits), EDIT_DOC),

    P_DBL("plasticity.rate", S(plasticity.rate), 0, 0, 100, 0, "1/day",
          "assumed: off unless the scenario models plasticity",
          "primary -> switched state, per cell per day"),
    P_DBL("plasticity.back_rate", S(plasticity.back_rate), 0, 0, 100, 0, "1/day",
          "assumed: off unless the scenario models plasticity",
          "switched -> primary state, per cell per day"),
    P_EDITS("plasticity.edits", S(plasticity.edits), S(plasticity.n_edits), EDIT_DOC),

    P_DBL("markers.mprotein.per_1e11_cells", S(markers.mprotein_per_1e11), 0, 0, 100, 3.0,
          "g/dL",
          "assumed: typical IgG MM presents with 3-5 g/dL at 1e11-1e12 cells "
          "(science.md §3.1/§3.3)",
          "steady-state serum M-protein per 1e11 cells"),
    P_DBL("markers.mprotein.half_life_days", S(markers.mprotein_half_life), 1, 0, 1e4, 21,
          "days", "Binding Site, Serum Free Light Chain Analysis §3.5.1 (IgG 21 d)",
          "serum half-life of the M-protein"),
    P_DBL("markers.flc.per_1e11_cells", S(markers.flc_per_1e11), 0, 0, 1e6, 300, "mg/L",
          "assumed: involved FLC of a few hundred mg/L at diagnosis",
          "steady-state involved free light chain per 1e11 cells"),
    P_DBL("markers.flc.half_life_days", S(markers.flc_half_life), 1, 0, 1e4, 0.125,
          "days", "Binding Site, Serum Free Light Chain Analysis (kappa FLC 2-4 h)",
          "serum half-life of the free light chain"),
    P_DBL("markers.sbcma.per_1e11_cells", S(markers.sbcma_per_1e11), 0, 0, 1e6, 300,
          "ng/mL",
          "assumed; Ghermezi 2017 Haematologica: sBCMA tracks marrow plasma cells "
          "(rho = 0.71)",
          "steady-state sBCMA per 1e11 BCMA+ cells at the reference density"),
    P_DBL("markers.sbcma.ref_density", S(markers.sbcma_ref_density), 1, 0, 1e7, 670,
          "molecules/cell", "BCMA median 670 molecules/cell (antigen table)",
          "BCMA density at which per_1e11_cells applies"),
    P_DBL("markers.sbcma.half_life_days", S(markers.sbcma_half_life), 1, 0, 1e4, 1.0,
          "days", "assumed: sBCMA half-life not retrieved", "serum half-life of sBCMA"),
    P_DBL("markers.ctdna.per_death", S(markers.ctdna_per_death), 0, 0, 1, 1e-6, "hGE/mL",
          "assumed: ~2 hGE per cell, ~3 L plasma, most DNA cleared before plasma",
          "plasma ctDNA added per dying tumour cell"),
    P_DBL("markers.ctdna.half_life_days", S(markers.ctdna_half_life), 1, 0, 1e4, 0.08,
          "days", "assumed: ~2 h (literature range minutes to hours)",
          "plasma half-life of ctDNA"),

    P_DBL("immune.antigen_half_sat", S(immune.antigen_half_sat), 1, 0, 1e14, 1e10,
          "cells",
          "assumed: calibrated so a 1e11-cell BCMA+ tumour drives near-maximal expansion "
          "with a blood peak on days 9-14 (science.md §1.5, §2.2)",
          "K_A: recognised tumour cells giving half-maximal CAR-T expansion"),
    P_DBL("immune.kill_max", S(immune.kill_max), 0, 0, 100, 1.15, "1/day",
          "Kimmel 2021 Proc R Soc B Table 1 (gamma_B, CD19 CAR-T in LBCL)",
          "gamma: CAR-T kill per recognised tumour cell per day at saturating effectors"),
    P_DBL("immune.effector_half_sat", S(immune.effector_half_sat), 1, 0, 1e14, 1.0e10,
          "cells",
          "assumed: calibrated so the default 4-1BB BCMA CAR against 1e11 cells gives "
          "cilta-cel-like blood kinetics (scenarios/cart-bcma.yaml: Cmax ~3e4 copies/ug, "
          "Tmax ~12 d, AUC0-28 ~4.5e5 vs 48,692, 12.7 d, 504,496; science.md §2.2); "
          "Kimmel 2021 fitted 2.0e9 for CD19 CAR-T in LBCL",
          "k_E: CAR-T effectors giving half-maximal killing"),
    P_DBL("immune.exhaustion_base", S(immune.exhaustion_base), 0, 0, 10, 0.01, "1/day",
          "assumed: small antigen-independent exhaustion; with effector_death and "
          "memory_rate gives Stein 2019 alpha = 0.16/day",
          "effector -> exhausted per day without antigen"),
    P_DBL("immune.exhaustion_stim", S(immune.exhaustion_stim), 0, 0, 10, 0.05, "1/day",
          "assumed: chronic-stimulation exhaustion (no MM value retrieved; science.md "
          "§1.6 gap)",
          "effector -> exhausted per day at saturating antigen"),
    P_DBL("immune.exhaustion_pdl1", S(immune.exhaustion_pdl1), 0, 0, 100, 4, "fold",
          "assumed: PD-L1 engagement quintuples stimulation-driven exhaustion at "
          "PD-L1 = 1",
          "fold rise of stimulation-driven exhaustion at tumour PD-L1 = 1"),
    P_DBL("immune.exhausted_death", S(immune.exhausted_death), 0, 0, 10, 0.1, "1/day",
          "assumed: exhausted T cells are short-lived",
          "death rate of exhausted CAR-T cells"),
    P_DBL("immune.reactivation", S(immune.reactivation), 0, 0, 10, 0.05, "1/day",
          "assumed: memory re-activation on antigen re-encounter (CARTmath theta is "
          "mass-action, not comparable)",
          "memory -> effector per day at saturating antigen"),
    P_DBL("immune.homeostatic_boost", S(immune.homeostatic_boost), 0, 0, 10, 0.2, "1/day",
          "assumed: IL-7/IL-15-driven homeostatic division after lymphodepletion",
          "extra effector division per day with endogenous T cells fully depleted"),
    P_DBL("immune.trogocytosis", S(immune.trogocytosis), 0, 0, 10, 0.02, "1/day",
          "assumed: Hamieh 2019 Nature shows trogocytosis lowers antigen density; rate "
          "not reported",
          "extra antigen switch-down per day of a fully engaged clone"),
    P_DBL("immune.suppression_half", S(immune.suppression_half), 1, 0, 1e16, 1e12,
          "cell equivalents",
          "assumed: a 1e11-cell tumour of typical IL-10/TGF-beta secretion (2e11 "
          "equivalents) cuts T-cell function by about 17%",
          "S50: suppressive burden (IL-10 + TGF-beta) halving T-cell function"),
    P_DBL("immune.il12_relief", S(immune.il12_relief), 0, 0, 1, 0.5, "fraction",
          "assumed: IL-12 armor counters suppression (seed 000 §5.3.1, magnitude not "
          "reported)",
          "fraction of suppression removed by IL-12 armor"),
    P_DBL("immune.il18_expansion", S(immune.il18_expansion), 0, 0, 10, 0.3, "fraction",
          "assumed: IL-18 armor boosts expansion (seed 000 §5.3.1, magnitude not "
          "reported)",
          "fractional rise of CAR-T expansion with IL-18 armor"),
    P_DBL("immune.ccl19_recruit", S(immune.ccl19_recruit), 0, 1, 100, 2, "fold",
          "assumed: CCL19 armor recruits endogenous T/NK cells (seed 000 §5.3.1, "
          "magnitude not reported)",
          "fold rise of endogenous T/NK influx with CCL19 armor"),
    P_DBL("immune.blood_fraction", S(immune.blood_fraction), 1, 0, 1, 0.02, "fraction",
          "Westermann & Pabst 1992 Clin Investig 70:539 (about 2% of lymphocytes "
          "circulate)",
          "fraction of CAR-T cells in the blood"),
    P_DBL("immune.blood_volume_ul", S(immune.blood_volume_ul), 1, 0, 1e8, 5e6, "uL",
          "assumed: 5 L adult blood volume", "blood volume for CAR-T counts per uL"),
    P_DBL("immune.vcn", S(immune.vcn), 1, 0, 100, 2, "copies/cell",
          "assumed: typical lentiviral vector copy number 1-3",
          "transgene copies per CAR+ cell (for qPCR copies/ug)"),
    P_DBL("immune.leukocytes_ul", S(immune.leukocytes_ul), 1, 0, 1e6, 3000, "cells/uL",
          "assumed: leukocyte count in the weeks after Flu/Cy lymphodepletion",
          "non-CAR leukocytes per uL (the DNA the transgene copies are diluted in)"),
    P_DBL("immune.lloq_copies_ug", S(immune.lloq_copies_ug), 1, 0, 1e6, 5, "copies/ug",
          "assumed: typical transgene qPCR lower limit of quantification",
          "qPCR lower limit of quantification, copies per ug genomic DNA"),
    P_DBL("immune.costim_41bb.expansion_max", S(immune.costim_41bb.expansion_max), 0, 0,
          20, 1.05, "1/day",
          "Stein 2019 CPT PSP: doubling time 0.78 d (net 0.89/day) plus the contraction "
          "losses",
          "4-1BB CARs: rho, antigen-driven effector division"),
    P_DBL("immune.costim_41bb.effector_death", S(immune.costim_41bb.effector_death), 0, 0,
          20, 0.15, "1/day",
          "Stein 2019: alpha = 0.16/day less memory and base exhaustion",
          "4-1BB CARs: effector death rate"),
    P_DBL("immune.costim_41bb.memory_rate", S(immune.costim_41bb.memory_rate), 0, 0, 10,
          0.0013, "1/day", "Stein 2019: FB x alpha = 0.0079 x 0.16",
          "4-1BB CARs: effector -> memory per day"),
    P_DBL("immune.costim_41bb.memory_death", S(immune.costim_41bb.memory_death), 0, 0, 10,
          0.0032, "1/day", "Stein 2019: beta (terminal half-life 220 d)",
          "4-1BB CARs: memory death rate"),
    P_DBL("immune.costim_41bb.d50_factor", S(immune.costim_41bb.d50_factor), 1, 0, 100, 1,
          "fold", "assumed: reference threshold",
          "4-1BB CARs: multiplies every binder's antigen threshold d50"),
    P_DBL("immune.costim_cd28.expansion_max", S(immune.costim_cd28.expansion_max), 0, 0,
          20, 1.4, "1/day",
          "assumed: CD28 CARs expand faster (SPEC.md §3.1; no MM value retrieved)",
          "CD28 CARs: rho, antigen-driven effector division"),
    P_DBL("immune.costim_cd28.effector_death", S(immune.costim_cd28.effector_death), 0, 0,
          20, 0.25, "1/day", "assumed: faster contraction of CD28 CARs",
          "CD28 CARs: effector death rate"),
    P_DBL("immune.costim_cd28.memory_rate", S(immune.costim_cd28.memory_rate), 0, 0, 10,
          0.0006, "1/day", "assumed: less memory formation with CD28",
          "CD28 CARs: effector -> memory per day"),
    P_DBL("immune.costim_cd28.memory_death", S(immune.costim_cd28.memory_death), 0, 0, 10,
          0.02, "1/day", "assumed: shorter persistence of CD28 CARs (weeks)",
          "CD28 CARs: memory death rate"),
    P_DBL("immune.costim_cd28.d50_factor", S(immune.costim_cd28.d50_factor), 1, 0, 100,
          0.5, "fold",
          "Majzner 2020 Cancer Discov 10:702: CD28 CARs need less antigen than 4-1BB "
          "CARs (magnitude assumed)",
          "CD28 CARs: multiplies every binder's antigen threshold d50"),
    P_DBL("immune.ld_day", S(immune.ld_day), 0, -1e5, 1e5, -3, "days",
          "KarMMa/CARTITUDE protocols: fludarabine/cyclophosphamide on days -5 to -3",
          "lymphodepletion day (when ld_depth > 0)"),
    P_DBL_HO("immune.ld_depth", S(immune.ld_depth), 0, 0, 1, 0, "fraction",
             "assumed: no lymphodepletion unless the scenario gives one",
             "fraction of endogenous T and NK cells removed by lymphodepletion"),
    P_DBL("immune.t_cells", S(immune.t_cells), 0, 0, 1e13, 1e9, "cells",
          "assumed: effective tumour-reactive endogenous T-cell pool",
          "endogenous tumour-reactive T cells at steady state"),
    P_DBL("immune.t_death", S(immune.t_death), 1, 0, 10, 0.05, "1/day",
          "assumed: lymphocyte counts recover about a month after Flu/Cy",
          "endogenous T-cell turnover (sets recovery after depletion)"),
    P_DBL("immune.t_kill_max", S(immune.t_kill_max), 0, 0, 100, 0, "1/day",
          "assumed: off by default, so clone birth/death rates are net of endogenous "
          "control",
          "endogenous T-cell kill per recognised tumour cell per day"),
    P_DBL("immune.t_half_sat", S(immune.t_half_sat), 1, 0, 1e14, 1e9, "cells", "assumed",
          "endogenous T cells giving half-maximal killing"),
    P_DBL("immune.tx_death", S(immune.tx_death), 0, 0, 10, 0.05, "1/day", "assumed",
          "death rate of exhausted endogenous T cells"),
    P_DBL("immune.nk_cells", S(immune.nk_cells), 0, 0, 1e13, 1e10, "cells",
          "assumed: order of the body's NK-cell pool", "NK cells at steady state"),
    P_DBL("immune.nk_death", S(immune.nk_death), 1, 0, 10, 0.07, "1/day",
          "assumed: NK-cell lifespan about two weeks",
          "NK-cell turnover (sets recovery after depletion)"),
    P_DBL("immune.nk_kill_max", S(immune.nk_kill_max), 0, 0, 100, 0, "1/day",
          "assumed: off by default", "NK kill per tumour cell per day"),
    P_DBL("immune.nk_half_sat", S(immune.nk_half_sat), 1, 0, 1e14, 1e10, "cells",
          "assumed", "NK cells giving half-maximal killing"),
    P_DBL("immune.nk_hla_boost", S(immune.nk_hla_boost), 0, 0, 100, 2, "fraction",
          "assumed: missing-self raises NK killing of HLA-lost cells threefold",
          "fractional rise of NK killing of HLA-lost clones"),
    P_DBL("immune.imid_boost", S(immune.imid_boost), 0, 0, 100, 1, "fold",
          "assumed: no IMiD stimulation unless set",
          "fold T/NK killing from IMiD stimulation (1 = none)"),
    P_DBL("immune.pd1_blockade", S(immune.pd1_blockade), 0, 0, 1, 0, "fraction",
          "assumed: no checkpoint blockade unless set",
          "PD-1 blockade occupancy from pd1_blockade_day on"),
    P_DBL("immune.pd1_blockade_day", S(immune.pd1_blockade_day), 0, -1e5, 1e5, 0, "days",
          "assumed", "day PD-1 blockade starts"),

    P_LIST("products", S(immune.products), S(immune.n_products), sizeof(mw_product_t),
           MW_MAX_PRODUCTS,
           "CAR-T products given to the patient (a list REPLACES earlier ones)"),
    P_STR("products[].name", PR(name), "product", "product label"),
    P_LIST("products[].targets", PR(targets), PR(n_targets), sizeof(mw_target_t),
           MW_MAX_TARGETS, "the CAR's binders (a list REPLACES earlier ones)"),
    P_ENUM("products[].targets[].antigen", TG(antigen), antigen_names,
           "assumed: BCMA, the commonest MM CAR target", "antigen the binder recognises"),
    P_INT("products[].targets[].epitope", TG(epitope), 0, MW_EPITOPE_MAX, 0, "id",
          "assumed: binds the wild-type epitope",
          "epitope the binder recognises: 0 = wild type, k > 0 = mutated epitope k"),
    P_DBL("products[].targets[].d50", TG(d50), 1, 0, 1e7, 200, "molecules/cell",
          "assumed: BCMA CARs act on MM cells with a few hundred molecules (science.md "
          "§2.5: median BCMA 670/cell; CD19 CAR threshold ~2000)",
          "antigen density giving half-maximal activation"),
    P_DBL("products[].targets[].hill", TG(hill), 1, 0, 20, 2, "1", "assumed",
          "Hill coefficient of activation vs antigen density"),
    P_ENUM("products[].logic", PR(logic), logic_names,
           "assumed: a single-binder CAR unless set",
           "single: one binder; or: any binder activates; and: every binder must"),
    P_ENUM("products[].costim", PR(costim), costim_names,
           "assumed: 4-1BB, as in ide-cel and cilta-cel",
           "costimulation domain: picks immune.costim_41bb or immune.costim_cd28"),
    P_ENUM("products[].armor", PR(armor), armor_names, "assumed: no armor unless set",
           "secreted armor cytokine or chemokine"),
    P_BOOL("products[].pd1_ko", PR(pd1_ko), 0, "assumed: no PD-1 knockout unless set",
           "PD-1 knockout: the CAR-T cells ignore the PD-L1 brake"),
    P_BOOL("products[].tgfbr_dn", PR(tgfbr_dn), 0,
           "assumed: no dominant-negative TGF-beta receptor unless set",
           "dominant-negative TGF-beta receptor: ignores TGF-beta suppression"),
    P_ENUM("products[].safety_switch", PR(safety_switch), switch_names,
           "assumed: no safety switch unless set",
           "suicide switch that removes the product when activated"),
    P_DBL("products[].switch_day", PR(switch_day), 0, -1e5, INFINITY, INFINITY, "days",
          "assumed: never activated unless scheduled",
          "day the safety switch is activated (inf = never)"),
    P_DBL("products[].dose_cells", PR(dose_cells), 0, 0, 1e13, 4.5e8, "cells",
          "Munshi 2021 NEJM KarMMa (450e6 CAR+ cells)", "CAR+ cells infused"),
    P_DBL("products[].infusion_day", PR(infusion_day), 0, -1e5, 1e5, 0, "days",
          "assumed: infusion on day 0", "day of infusion"),
    P_DBL("products[].memory_fraction", PR(memory_fraction), 0, 0, 1, 0.3, "fraction",
          "assumed: memory-like share of the infused product",
          "memory-like fraction of the infused cells"),

    P_LIST("engagers", S(immune.engagers), S(immune.n_engagers), sizeof(mw_engager_t),
           MW_MAX_ENGAGERS,
           "bispecific T-cell engagers given to the patient (a list REPLACES earlier "
           "ones)"),
    P_STR("engagers[].name", EG(name), "engager", "engager label"),
    P_ENUM("engagers[].target.antigen", EG(target.antigen), antigen_names,
           "assumed: BCMA, the commonest MM engager target",
           "antigen the engager's tumour arm binds"),
    P_INT("engagers[].target.epitope", EG(target.epitope), 0, MW_EPITOPE_MAX, 0, "id",
          "assumed: binds the wild-type epitope",
          "epitope the engager recognises: 0 = wild type, k > 0 = mutated epitope k"),
    P_DBL("engagers[].target.d50", EG(target.d50), 1, 0, 1e7, 100, "molecules/cell",
          "assumed: engagers act at lower antigen density than CARs",
          "antigen density giving half-maximal activation"),
    P_DBL("engagers[].target.hill", EG(target.hill), 1, 0, 20, 2, "1", "assumed",
          "Hill coefficient of activation vs antigen density"),
    P_DBL("engagers[].start_day", EG(start_day), 0, -1e5, 1e5, 0, "days",
          "assumed: first dose on day 0", "day of the first (step-up) dose"),
    P_LIST("engagers[].step_up", EG(step_up), EG(n_step_up), sizeof(mw_dose_t),
           MW_MAX_STEP_UP,
           "step-up doses before the maintenance dose (a list REPLACES earlier ones)"),
    P_DBL("engagers[].step_up[].mg_kg", DS(mg_kg), 0, 0, 100, 0, "mg/kg",
          "Moreau 2022 NEJM MajesTEC-1: 0.06 and 0.3 mg/kg step-up", "step-up dose"),
    P_DBL("engagers[].step_up_every_days", EG(step_up_every_days), 1, 0, 100, 2, "days",
          "Moreau 2022: step-up doses 2-4 days apart",
          "interval between step-up doses (and to the first maintenance dose)"),
    P_DBL("engagers[].dose_mg_kg", EG(dose_mg_kg), 0, 0, 100, 1.5, "mg/kg",
          "Moreau 2022 NEJM (1.5 mg/kg weekly SC)", "maintenance dose"),
    P_DBL("engagers[].every_days", EG(every_days), 1, 0, 365, 7, "days", "Moreau 2022",
          "maintenance dosing interval"),
    P_DBL("engagers[].stop_day", EG(stop_day), 0, -1e5, INFINITY, INFINITY, "days",
          "assumed: dosed until the end unless set",
          "no dose on or after this day (inf = never stop)"),
    P_DBL("engagers[].bioavailability", EG(bioavailability), 1, 0, 1, 0.7, "fraction",
          "assumed: typical SC antibody bioavailability",
          "fraction of an SC dose reaching plasma"),
    P_DBL("engagers[].volume_l_kg", EG(volume_l_kg), 1, 0, 10, 0.1, "L/kg",
          "assumed: antibody central+peripheral volume ~7 L", "distribution volume"),
    P_DBL("engagers[].half_life_days", EG(half_life_days), 1, 0, 1000, 7.56, "days",
          "Gong 2025 Clin Pharmacol Ther (talquetamab 7.56 d initial); assumed for "
          "others",
          "plasma half-life"),
    P_DBL("engagers[].ec50_ug_ml", EG(ec50_ug_ml), 1, 0, 1e4, 0.1, "ug/mL", "assumed",
          "free concentration giving half-maximal T-cell redirection"),
    P_DBL("engagers[].sink_ng_ml", EG(sink_ng_ml), 1, 0, 1e7, 100, "ng/mL",
          "assumed: sBCMA at ~100 ng/mL (Visram 2021: SMM median 128) halves free BCMA "
          "engager",
          "sBCMA binding half the drug (BCMA engagers only)"),
    P_DBL("engagers[].kill_max", EG(kill_max), 0, 0, 100, 0.3, "1/day",
          "assumed: with 1e9 T cells a 1e11-cell tumour falls >10-fold by day 90 "
          "(MajesTEC-1 ORR 63%, median PFS 11.3 mo; science.md §2.3)",
          "kill per tumour cell per day at full occupancy and T-cell engagement"),
    P_DBL("engagers[].exhaustion", EG(exhaustion), 0, 0, 10, 0.1, "1/day",
          "assumed: continuous engagement exhausts about half the T-cell pool within "
          "weeks (no MM value retrieved)",
          "T-cell exhaustion per day at full occupancy and antigen"),

    P_DBL("toxicity.il6_per_kill", S(toxicity.il6_per_kill), 0, 0, 1e9, 20,
          "pg/mL/day per 1e9 kills/day",
          "assumed: calibrated so a 1e11-cell tumour cleared in ~2 weeks gives grade 1-2 "
          "CRS (KarMMa: mostly grade 1-2)",
          "effective IL-6 released per immune-mediated kill"),
    P_DBL("toxicity.il6_per_expansion", S(toxicity.il6_per_expansion), 0, 0, 1e9, 1,
          "pg/mL/day per 1e9 divisions/day", "assumed",
          "effective IL-6 released per CAR-T division"),
    P_DBL("toxicity.il6_half_life_days", S(toxicity.il6_half_life_days), 1, 0, 100, 0.5,
          "days", "assumed: the surge lasts days although free IL-6 clears in hours",
          "half-life of the effective IL-6 signal"),
    P_DBL("toxicity.armor_factor", S(toxicity.armor_factor), 0, 1, 100, 1.5, "fold",
          "assumed: armored CARs raise cytokine release (seed 000 §5.3.1)",
          "fold cytokine release of armored products"),
    P_DBL("toxicity.crs.grade1", S(toxicity.crs[0]), 1, 0, 1e9, 20, "pg/mL", CRS_SRC,
          "effective IL-6 at which CRS reaches grade 1"),
    P_DBL("toxicity.crs.grade2", S(toxicity.crs[1]), 1, 0, 1e9, 80, "pg/mL", CRS_SRC,
          "effective IL-6 at which CRS reaches grade 2"),
    P_DBL("toxicity.crs.grade3", S(toxicity.crs[2]), 1, 0, 1e9, 300, "pg/mL", CRS_SRC,
          "effective IL-6 at which CRS reaches grade 3"),
    P_DBL("toxicity.crs.grade4", S(toxicity.crs[3]), 1, 0, 1e9, 1000, "pg/mL", CRS_SRC,
          "effective IL-6 at which CRS reaches grade 4"),
    P_DBL("toxicity.crs.grade5", S(toxicity.crs[4]), 1, 0, 1e9, 5000, "pg/mL", CRS_SRC,
          "effective IL-6 at which CRS reaches grade 5 (death)"),
    P_DBL("toxicity.icans.grade1", S(toxicity.icans[0]), 1, 0, 1e9, 500, "pg/mL",
          ICANS_SRC, "effective IL-6 at which ICANS reaches grade 1"),
    P_DBL("toxicity.icans.grade2", S(toxicity.icans[1]), 1, 0, 1e9, 1500, "pg/mL",
          ICANS_SRC, "effective IL-6 at which ICANS reaches grade 2"),
    P_DBL("toxicity.icans.grade3", S(toxicity.icans[2]), 1, 0, 1e9, 3000, "pg/mL",
          ICANS_SRC, "effective IL-6 at which ICANS reaches grade 3"),
    P_DBL("toxicity.icans.grade4", S(toxicity.icans[3]), 1, 0, 1e9, 6000, "pg/mL",
          ICANS_SRC, "effective IL-6 at which ICANS reaches grade 4"),
    P_DBL("toxicity.icans.grade5", S(toxicity.icans[4]), 1, 0, 1e9, 20000, "pg/mL",
          ICANS_SRC, "effective IL-6 at which ICANS reaches grade 5 (death)"),
    P_INT("toxicity.toci_at_grade", S(toxicity.toci_at_grade), 0, 5, 2, "grade",
          "Lee 2019 Biol Blood Marrow Transplant ASTCT consensus: tocilizumab from grade "
          "2 CRS",
          "give tocilizumab when CRS reaches this grade (0 = never)"),
    P_DBL("toxicity.toci_block", S(toxicity.toci_block), 0, 0, 1, 0.7, "fraction",
          "assumed", "fraction of IL-6 signalling blocked by tocilizumab"),
    P_DBL("toxicity.toci_days", S(toxicity.toci_days), 1, 0, 365, 14, "days",
          "assumed: tocilizumab half-life 1-2 weeks",
          "duration of the tocilizumab block"),
    P_INT("toxicity.steroid_at_grade", S(toxicity.steroid_at_grade), 0, 5, 3, "grade",
          "Lee 2019 ASTCT consensus: corticosteroids for grade 3 CRS or grade 2 ICANS "
          "(simplified to one grade)",
          "give corticosteroids when CRS or ICANS reaches this grade (0 = never)"),
    P_DBL("toxicity.steroid_relief", S(toxicity.steroid_relief), 0, 0, 1, 0.5, "fraction",
          "assumed", "fraction of the cytokine effect removed by corticosteroids"),
    P_DBL("toxicity.steroid_expansion_cut", S(toxicity.steroid_expansion_cut), 0, 0, 1,
          0.3, "fraction",
          "assumed: SPEC.md §3.4 (Stein 2019 saw no effect on expansion)",
          "fractional cut of CAR-T expansion under corticosteroids"),
    P_DBL("toxicity.steroid_days", S(toxicity.steroid_days), 1, 0, 365, 7, "days",
          "assumed", "duration of the corticosteroid effect"),

    P_DBL("body.weight_kg", S(body.weight_kg), 1, 0, 500, 70, "kg",
          "assumed: reference adult", "patient weight, for mg/kg doses"),
    P_DBL("body.bsa_m2", S(body.bsa_m2), 1, 0, 5, 1.8, "m^2",
          "science.md §3.1 derived: 1.8 m2 adult",
          "patient body surface area, for mg/m2 doses"),

    P_KEYED("drugs", S(therapy.drugs), S(therapy.n_drugs), sizeof(mw_drug_t),
            MW_MAX_DRUGS, "data/drugs.yaml",
            "drug library: an entry edits the drug of its name (shipped in "
            "data/drugs.yaml or from an earlier file) or adds a new drug"),
    P_STR("drugs[].name", DR(name), "drug", "drug name: the key regimens use"),
    P_TEXT("drugs[].refs", DR(refs), MW_REFS_MAX, "", "",
           "where the drug's numbers come from (free text)"),
    P_ENUM_D("drugs[].route", DR(route), route_names, MW_ROUTE_ORAL, DRUG_SRC,
             "iv: bolus; infusion: over pk.infusion_h; oral, sc: first-order "
             "absorption; radiation: no PK, a fraction kills extramedullary cells"),
    P_ENUM("drugs[].dose_unit", DR(dose_unit), dose_unit_names, DRUG_SRC,
           "unit of regimen doses: mg, mg/m2 (x body.bsa_m2), mg/kg (x body.weight_kg) "
           "or Gy (radiation only)"),
    P_DBL("drugs[].pk.volume_l", DR(volume_l), 1, 0, 1e6, 50, "L", DRUG_SRC,
          "apparent volume of distribution (one compartment)"),
    P_DBL("drugs[].pk.half_life_h", DR(half_life_h), 1, 0, 1e5, 24, "h", DRUG_SRC,
          "elimination half-life"),
    P_DBL("drugs[].pk.ka_per_h", DR(ka_per_h), 1, 0, 1e3, 1, "1/h", DRUG_SRC,
          "first-order absorption rate (oral, sc)"),
    P_DBL("drugs[].pk.bioavailability", DR(bioavailability), 1, 0, 1, 1, "fraction",
          DRUG_SRC, "fraction of the dose absorbed (oral, sc)"),
    P_DBL("drugs[].pk.infusion_h", DR(infusion_h), 1, 0, 1e3, 1, "h", DRUG_SRC,
          "infusion duration (route infusion)"),
    P_DBL("drugs[].pd.emax", DR(emax), 0, 0, 100, 0, "1/day", DRUG_SRC,
          "tumour kill per cell per day at full occupancy"),
    P_DBL("drugs[].pd.ec50_ng_ml", DR(ec50_ng_ml), 1, 0, 1e9, 1, "ng/mL", DRUG_SRC,
          "plasma concentration giving half occupancy (every effect scales with it)"),
    P_DBL("drugs[].pd.hill", DR(hill), 1, 0, 20, 1, "1", DRUG_SRC,
          "Hill coefficient of occupancy vs concentration"),
    P_DBL("drugs[].sensitivity.niche_protection", DR(niche_protection), 0, 0, 1, 0,
          "fraction", DRUG_SRC,
          "CAM-DR: fraction of kill lost by niche-dependent cells at high marrow IL-6 "
          "(tumour.il6.cam_ec50)"),
    P_DBL("drugs[].sensitivity.efflux_substrate", DR(efflux_substrate), 0, 0, 1, 0, "1",
          DRUG_SRC, "P-gp substrate: intracellular concentration C / efflux^substrate"),
    P_DBL("drugs[].sensitivity.psmb5_resistance", DR(psmb5_resistance), 0, 0, 1, 0,
          "fraction", DRUG_SRC, "fraction of kill lost by psmb5_mut clones"),
    P_DBL("drugs[].sensitivity.crbn_required", DR(crbn_required), 0, 0, 1, 0, "fraction",
          DRUG_SRC, "fraction of kill lost by crbn_loss clones"),
    P_DBL("drugs[].sensitivity.tp53_resistance", DR(tp53_resistance), 0, 0, 1, 0,
          "fraction", DRUG_SRC, "fraction of kill lost by tp53_loss clones"),
    P_DBL("drugs[].sensitivity.bcl2_exponent", DR(bcl2_exponent), 0, -10, 10, 0, "1",
          DRUG_SRC, "kill x bcl2^exponent (< 0: BCL-2 protects; > 0: venetoclax-like)"),
    P_DBL("drugs[].sensitivity.stem_resistance", DR(stem_resistance), 0, 0, 1, 0,
          "fraction", DRUG_SRC, "fraction of kill lost at stemness = 1"),
    P_ENUM(
        "drugs[].sensitivity.antigen", DR(antigen), drug_antigen_names, DRUG_SRC,
        "none, or the antigen an antibody binds: kill x recognition of it (anti-CD38)"),
    P_DBL("drugs[].sensitivity.antigen_d50", DR(antigen_d50), 1, 0, 1e7, 1000,
          "molecules/cell", DRUG_SRC,
          "antigen density giving half the antigen-directed kill"),
    P_DBL("drugs[].sensitivity.antigen_hill", DR(antigen_hill), 1, 0, 20, 1, "1",
          DRUG_SRC, "Hill coefficient of antigen-directed kill vs density"),
    P_DBL("drugs[].sensitivity.antigen_downreg", DR(antigen_downreg), 0, 0, 1, 0,
          "fraction", DRUG_SRC,
          "fraction of the antigen-directed kill lost at full occupancy"),
    P_DBL("drugs[].sensitivity.nk_dependence", DR(nk_dependence), 0, 0, 1, 0, "fraction",
          DRUG_SRC, "share of kill that scales with NK cells / steady state (ADCC)"),
    P_DBL("drugs[].effects.immune_boost", DR(immune_boost), 0, 0, 100, 0, "fraction",
          DRUG_SRC, "fractional rise of T, NK and CAR-T killing (IMiDs)"),
    P_DBL("drugs[].effects.t_suppression", DR(t_suppression), 0, 0, 1, 0, "fraction",
          DRUG_SRC, "fraction of T and CAR-T killing and expansion removed"),
    P_DBL("drugs[].effects.nk_depletion", DR(nk_depletion), 0, 0, 100, 0, "1/day",
          DRUG_SRC, "extra NK-cell death per day"),
    P_DBL("drugs[].effects.pd1_blockade", DR(pd1_blockade), 0, 0, 1, 0, "fraction",
          DRUG_SRC, "PD-1 blockade occupancy"),
    P_DBL("drugs[].effects.priming", DR(priming), 0, 0, 100, 0, "fraction", DRUG_SRC,
          "fractional rise of endogenous T-cell influx"),
    P_DBL("drugs[].effects.bcma_fold", DR(bcma_fold), 0, 1, 1000, 1, "fold", DRUG_SRC,
          "fold rise of surface BCMA density (gamma-secretase inhibitors)"),
    P_DBL("drugs[].effects.sbcma_cut", DR(sbcma_cut), 0, 0, 1, 0, "fraction", DRUG_SRC,
          "fraction of sBCMA shedding removed"),
    P_DBL("drugs[].effects.demethylation", DR(demethylation), 0, 0, 1000, 0, "x base rate",
          DRUG_SRC, "extra switch-back (re-expression) rate at full occupancy, in multiples of the base rate"),
    P_DBL_HO("drugs[].effects.lymphodepletion", DR(lymphodepletion), 0, 0, 1, 0,
             "fraction", DRUG_SRC, "fraction of T, NK and CAR-T cells removed per dose"),
    P_DBL("drugs[].effects.rt_alpha", DR(rt_alpha), 0, 0, 10, 0, "1/Gy", DRUG_SRC,
          "radiotherapy: linear-quadratic alpha"),
    P_DBL("drugs[].effects.rt_beta", DR(rt_beta), 0, 0, 10, 0, "1/Gy^2", DRUG_SRC,
          "radiotherapy: linear-quadratic beta"),

    P_KEYED("regimens", S(therapy.regimens), S(therapy.n_regimens), sizeof(mw_regimen_t),
            MW_MAX_REGIMENS, "data/regimens.yaml",
            "regimen library: an entry edits the regimen of its name (shipped in "
            "data/regimens.yaml or from an earlier file) or adds a new regimen"),
    P_STR("regimens[].name", RG(name), "regimen", "regimen name: the key plans use"),
    P_TEXT("regimens[].refs", RG(refs), MW_REFS_MAX, "", "",
           "where the schedule comes from (free text)"),
    P_INT("regimens[].cycle_days", RG(cycle_days), 1, MW_MAX_CYCLE_DAYS, 28, "days",
          "assumed: the common 28-day myeloma cycle", "length of one cycle"),
    P_INT("regimens[].cycles", RG(cycles), 0, MAX_CYCLES, 0, "cycles",
          "assumed: continuous therapy until progression unless set",
          "cycles given (0 = until progression); a plan phase may override it"),
    P_LIST("regimens[].doses", RG(doses), RG(n_doses), sizeof(mw_regimen_dose_t),
           MW_MAX_REGIMEN_DOSES,
           "dose items of each cycle (a list REPLACES the regimen's earlier doses)"),
    P_TEXT("regimens[].doses[].drug", RD(drug), MW_NAME_MAX, "", "",
           "the drug given: a drugs[] name"),
    P_DBL("regimens[].doses[].dose", RD(dose), 0, 0, 1e6, 0, "dose_unit",
          "assumed: set by the regimen",
          "dose in the drug's dose_unit (mg, mg/m2, mg/kg or Gy)"),
    P_DAYS("regimens[].doses[].days", RD(days), "1", "assumed: day 1 unless set",
           "days of each cycle with a dose: 1-21, 1,8,15,22, 1-3,8 or a list [1, 8]"),
    P_CYCLES("regimens[].doses[].in_cycles", RD(first_cycle), RD(last_cycle), "1-",
             "assumed: every cycle unless set",
             "cycles with this dose: 3, 1-8, or 7- (cycle 7 on)"),

    P_DBL("plan.start_day", S(therapy.start_day), 0, 0, 1e5, 0, "days",
          "assumed: treatment starts at diagnosis", "day the first line starts"),
    P_SCHEDULE("monitoring.spep", MW_ASSAY_SPEP, 28, 0,
               "assumed: monthly, as IMWG response is assessed each cycle"),
    P_DBL("monitoring.spep.cv", S(monitoring.spep_cv), 0, 0, 1, 0.05, "fraction",
          "assumed: M-spike precision of a few percent, well inside the IMWG 25% / 0.5 g/dL "
          "thresholds", "measurement noise (lognormal CV)"),
    P_DBL("monitoring.spep.lod_g_dl", S(monitoring.spep_lod_g_dl), 0, 0, 10, 0.1, "g/dL",
          "SPEC.md §5: electrophoresis detection limit ~0.1 g/dL",
          "smallest band electrophoresis quantifies (below: reported 0)"),
    P_DBL("monitoring.spep.ife_lod_g_dl", S(monitoring.ife_lod_g_dl), 0, 0, 10, 0.015,
          "g/dL", "assumed: immunofixation about ten times more sensitive than electrophoresis",
          "smallest M-protein immunofixation detects"),
    P_SCHEDULE("monitoring.flc", MW_ASSAY_FLC, 28, 0,
               "assumed: with every electrophoresis"),
    P_DBL("monitoring.flc.cv", S(monitoring.flc_cv), 0, 0, 1, 0.1, "fraction",
          "assumed: immunoassay precision ~10%", "measurement noise (lognormal CV)"),
    P_DBL("monitoring.flc.kappa_normal_mg_l", S(monitoring.flc_kappa_normal), 0, 0, 1e4, 8.0,
          "mg/L",
          "derived: geometric mid-point of the Katzmann 2002 Clin Chem 48:1437 kappa "
          "reference interval 3.3-19.4 mg/L", "polyclonal kappa FLC"),
    P_DBL("monitoring.flc.lambda_normal_mg_l", S(monitoring.flc_lambda_normal), 0, 0, 1e4, 12.2,
          "mg/L",
          "derived: geometric mid-point of the Katzmann 2002 lambda reference interval "
          "5.7-26.3 mg/L", "polyclonal lambda FLC"),
    P_BOOL("monitoring.flc.kappa", S(monitoring.flc_kappa), 1,
           "assumed: kappa is the commoner light chain (about 2:1)",
           "the tumour's light chain is kappa (false: lambda)"),
    P_SCHEDULE("monitoring.marrow", MW_ASSAY_MARROW, 182, 1,
               "assumed: a marrow at each line start and every 6 months"),
    P_DBL("monitoring.marrow.normal_cells", S(monitoring.marrow_cells), 1, 0, 1e14, 7e11,
          "cells",
          "derived: 10.4e9 nucleated marrow cells/kg (Harrison 1962 J Clin Pathol 15:254) x "
          "70 kg (science.md §3.1)", "normal nucleated marrow cells the tumour mixes with"),
    P_DBL("monitoring.marrow.count", S(monitoring.marrow_count), 0, 0, 1e6, 500, "cells",
          "assumed: a 500-cell differential count, the usual marrow practice",
          "cells counted for the plasma-cell %"),
    P_DBL("monitoring.marrow.normal_pc_fraction", S(monitoring.normal_pc_fraction), 0, 0, 0.2,
          0.01, "fraction", "assumed: normal plasma cells ~1% of nucleated marrow cells",
          "normal plasma cells, counted with the clonal ones by morphology"),
    P_DBL("monitoring.marrow.mrd_cells", S(monitoring.mrd_cells), 0, 0, 1e9, 2e6, "cells",
          "derived: 20 events / 1e-5 (IMWG 2016 minimum MRD sensitivity 1e-5, science.md §3.4)",
          "cells analysed for MRD (0 = no MRD)"),
    P_DBL("monitoring.marrow.mrd_min_events", S(monitoring.mrd_min_events), 1, 0, 1e6, 20,
          "cells",
          "assumed: 20 clustered events, the detection limit EuroFlow next-generation flow "
          "reports (Flores-Montero 2017 Leukemia 31:2094; not re-read)",
          "tumour cells needed to call MRD positive"),
    P_SCHEDULE("monitoring.flow", MW_ASSAY_FLOW, 0, 0,
               "assumed: only when a scenario asks"),
    P_DBL("monitoring.flow.events", S(monitoring.flow_events), 0, 0, 1e9, 1e6, "cells",
          "assumed: a million nucleated events per tube", "nucleated events acquired"),
    P_DBL("monitoring.flow.max_tumour_cells", S(monitoring.flow_cells), 0, 0, 1e6, 1e4,
          "cells", "assumed: enough for a stable median", "most tumour cells typed"),
    P_DBL("monitoring.flow.negative_below", S(monitoring.flow_negative_below), 0, 0, 1e6, 100,
          "molecules/cell", "assumed: quantitative flow resolves ~100 molecules/cell",
          "antigen density read as negative"),
    P_DBL("monitoring.flow.min_cells", S(monitoring.flow_min_cells), 0, 0, 1e6, 50, "cells",
          "assumed: flow laboratories do not report the phenotype of a population of fewer "
          "than a few tens of events",
          "fewest typed tumour cells for antigen and PD-L1 readings (else only the count)"),
    P_DBL("monitoring.flow.pdl1_high", S(monitoring.pdl1_high), 0, 0, 1, 0.5, "level",
          "assumed: half of the PD-L1 trait range", "PD-L1 level read as PD-L1 high"),
    P_SCHEDULE("monitoring.ctdna", MW_ASSAY_CTDNA, 0, 0,
               "assumed: only when a scenario asks"),
    P_DBL("monitoring.ctdna.depth", S(monitoring.ctdna_depth), 1, 0, 1e8, 3000, "reads",
          "assumed: unique deduplicated depth of a targeted panel (CAPP-Seq-like, Hosoya 2025 "
          "Nat Commun 16:1824)", "unique reads per site"),
    P_DBL("monitoring.ctdna.error_rate", S(monitoring.ctdna_error), 0, 0, 0.5, 1e-4,
          "per read", "assumed: error-suppressed sequencing", "per-read error at a site"),
    P_DBL("monitoring.ctdna.min_alt_reads", S(monitoring.ctdna_min_alt), 1, 0, 1e6, 3, "reads",
          "assumed", "variant reads needed to call a mutation"),
    P_DBL("monitoring.ctdna.cfdna_hge_ml", S(monitoring.cfdna_hge_ml), 1, 0, 1e9, 1500,
          "hGE/mL",
          "assumed: ~5 ng/mL healthy plasma cell-free DNA at 3.3 pg per haploid genome",
          "non-tumour cell-free DNA"),
    P_SCHEDULE("monitoring.imaging", MW_ASSAY_IMAGING, 0, 0,
               "assumed: only when a scenario asks"),
    P_DBL("monitoring.imaging.detect_cells", S(monitoring.imaging_cells), 1, 0, 1e14, 1e9,
          "cells", "assumed: ~1 cm^3 of tumour, near the resolution of PET-CT",
          "extramedullary cells imaging detects"),
    P_SCHEDULE("monitoring.immune", MW_ASSAY_IMMUNE, 0, 0,
               "assumed: only when a scenario asks"),
    P_DBL("monitoring.immune.cv", S(monitoring.immune_cv), 0, 0, 2, 0.15, "fraction",
          "assumed: flow count and qPCR precision", "measurement noise (lognormal CV)"),
    P_DBL("monitoring.immune.il10_basal_pg_ml", S(monitoring.il10_basal), 0, 0, 1e4, 3, "pg/mL",
          "assumed, uncalibrated: healthy serum IL-10 is in the low single digits",
          "serum IL-10 without tumour"),
    P_DBL("monitoring.immune.il10_per_1e11_pg_ml", S(monitoring.il10_per_1e11), 0, 0, 1e5, 10,
          "pg/mL", "assumed, uncalibrated: IL-10 is raised in myeloma serum (tens of pg/mL)",
          "serum IL-10 added per 1e11 tumour cells of secretion 1 (trait il10)"),
    P_DBL("monitoring.immune.tgfb_basal_ng_ml", S(monitoring.tgfb_basal), 0, 0, 1e4, 2, "ng/mL",
          "assumed, uncalibrated: plasma TGF-beta1 of a few ng/mL",
          "plasma TGF-beta without tumour"),
    P_DBL("monitoring.immune.tgfb_per_1e11_ng_ml", S(monitoring.tgfb_per_1e11), 0, 0, 1e5, 2,
          "ng/mL", "assumed, uncalibrated",
          "plasma TGF-beta added per 1e11 tumour cells of secretion 1 (trait tgfb)"),
    P_SCHEDULE("monitoring.single_cell", MW_ASSAY_SINGLE_CELL, 0, 0,
               "assumed: only when a scenario asks"),
    P_DBL("monitoring.single_cell.cells", S(monitoring.sc_cells), 0, 0, 1e6, 200, "cells",
          "assumed: a few hundred tumour cells per enriched sample",
          "tumour cells captured (fewer if fewer exist)"),
    P_BOOL("monitoring.single_cell.blood", S(monitoring.sc_blood), 0,
           "assumed: marrow aspirate unless set",
           "sample blood (every tumour site alike) instead of the marrow"),
    P_SCHEDULE("monitoring.killing", MW_ASSAY_KILLING, 0, 0,
               "assumed: only when a scenario asks"),
    P_DBL("monitoring.killing.cells", S(monitoring.kill_cells), 0, 0, 1e7, 1e4, "cells",
          "assumed: 1e4 target cells per well", "aspirate tumour cells tested"),
    P_DBL("monitoring.killing.et", S(monitoring.kill_et), 1, 0, 1e3, 1, "ratio",
          "assumed: 1:1 effector to target", "effector-to-target ratio"),
    P_DBL("monitoring.killing.half_et", S(monitoring.kill_half_et), 1, 0, 1e3, 1, "ratio",
          "assumed: a fully recognised target is killed with probability 1/2 at 1:1 over "
          "the assay", "E:T giving half kill of fully recognised, non-exhausted effectors"),
    P_DBL("monitoring.imwg.pr", S(monitoring.imwg_pr), 1, 0, 1, 0.5, "fraction",
          "Kumar 2016 Lancet Oncol IMWG (science.md §3.4)", "PR: reduction from baseline"),
    P_DBL("monitoring.imwg.vgpr", S(monitoring.imwg_vgpr), 1, 0, 1, 0.9, "fraction",
          "Kumar 2016 IMWG", "VGPR: reduction from baseline"),
    P_DBL("monitoring.imwg.mr", S(monitoring.imwg_mr), 1, 0, 1, 0.25, "fraction",
          "Kumar 2016 IMWG", "MR: reduction from baseline"),
    P_DBL("monitoring.imwg.pd_rise", S(monitoring.imwg_pd_rise), 1, 0, 10, 0.25, "fraction",
          IMWG_SRC, "PD: rise above the nadir"),
    P_DBL("monitoring.imwg.pd_abs_g_dl", S(monitoring.imwg_pd_abs), 0, 0, 100, 0.5, "g/dL",
          IMWG_SRC, "PD: the rise must also be at least this much"),
    P_DBL("monitoring.imwg.pd_abs_high_g_dl", S(monitoring.imwg_pd_abs_high), 0, 0, 100, 1.0,
          "g/dL", "Kumar 2016 IMWG: >= 1 g/dL when the nadir was >= 5 g/dL",
          "PD: absolute rise from a high nadir"),
    P_DBL("monitoring.imwg.pd_high_nadir_g_dl", S(monitoring.imwg_pd_high_nadir), 0, 0, 100, 5.0,
          "g/dL", "Kumar 2016 IMWG", "nadir at and above which pd_abs_high applies"),
    P_DBL("monitoring.imwg.measurable_g_dl", S(monitoring.imwg_measurable_m), 0, 0, 100, 1.0,
          "g/dL", "Kumar 2016 IMWG; Durie 2006: serum M >= 1 g/dL is measurable",
          "baseline M-protein that makes it the response basis"),
    P_DBL("monitoring.imwg.measurable_flc_mg_l", S(monitoring.imwg_measurable_flc), 0, 0, 1e5,
          100, "mg/L", "Kumar 2016 IMWG: involved FLC >= 10 mg/dL with an abnormal ratio",
          "baseline involved FLC that makes FLC the basis"),
    P_DBL("monitoring.imwg.flc_pd_mg_l", S(monitoring.imwg_flc_pd_abs), 0, 0, 1e5, 100, "mg/L",
          "Kumar 2016 IMWG; Durie 2006: FLC difference rise > 10 mg/dL",
          "PD on the FLC basis: absolute rise of the difference"),
    P_DBL("monitoring.imwg.marrow_pd_points", S(monitoring.imwg_marrow_pd_abs), 0, 0, 100, 10,
          "%", "Kumar 2016 IMWG; Durie 2006: marrow plasma cells +10% absolute",
          "PD: rise of marrow plasma cells, percentage points"),
    P_DBL("monitoring.imwg.marrow_basis_pct", S(monitoring.imwg_marrow_basis_min), 0, 0, 100, 30,
          "%", "Kumar 2016 IMWG: marrow response only from a baseline >= 30%",
          "baseline marrow plasma cells that make marrow the basis"),
    P_DBL("monitoring.imwg.cr_marrow_pct", S(monitoring.imwg_cr_marrow_max), 0, 0, 100, 5, "%",
          "Kumar 2016 IMWG: CR needs < 5% marrow plasma cells",
          "CR: marrow plasma cells below"),
    P_INT("monitoring.imwg.confirm", S(monitoring.imwg_confirm), 1, 8, 2, "assessments",
          "Kumar 2016 IMWG: two consecutive assessments",
          "consecutive assessments that confirm a response or progression"),
    P_LIST("policies", S(monitoring.policies), S(monitoring.n_policies), sizeof(mw_policy_t),
           MW_MAX_POLICIES,
           "rules checked after every visit: when an observed quantity crosses a threshold, "
           "act (a list REPLACES earlier ones)"),
    P_STR("policies[].name", PO(name), "policy", "policy label (in events.csv)"),
    P_TEXT("policies[].when.quantity", PO(quantity), MW_NAME_MAX, "", "",
           "an observations.csv quantity, e.g. mrd_positive, antigen_negative_fraction:BCMA, "
           "vaf:CRBN, crs_grade"),
    P_DBL("policies[].when.above", PO(above), 0, -INFINITY, INFINITY, INFINITY, "as quantity",
          "assumed: unused unless set", "act when readings are above this"),
    P_DBL("policies[].when.below", PO(below), 0, -INFINITY, INFINITY, -INFINITY, "as quantity",
          "assumed: unused unless set", "act when readings are below this"),
    P_INT("policies[].when.visits", PO(visits), 1, 8, 1, "readings",
          "assumed: one reading unless set", "consecutive readings that must meet it"),
    P_BOOL("policies[].when.rising", PO(rising), 0, "assumed: off unless set",
           "readings must also rise from each to the next"),
    P_INT("policies[].when.line", PO(line), 0, MW_MAX_LINES, 0, "line",
          "assumed: any line unless set", "applies only while this line (1-based) is current"),
    P_ENUM("policies[].when.treatment", PO(treated), treated_names,
           "assumed: whatever the treatment unless set",
           "any; on: only while the line's treatment runs; off: only while it is stopped "
           "or over"),
    P_BOOL("policies[].once", PO(once), 1, "assumed: a rule acts once unless set",
           "act at most once (otherwise again after fresh readings meet it)"),
    P_ENUM("policies[].do.action", PO(action), action_names, "", "what to do"),
    P_INT("policies[].do.line", PO(target_line), 0, MW_MAX_LINES, 0, "line", "",
          "start_line: the line (1-based)"),
    P_TEXT("policies[].do.product", PO(product), MW_NAME_MAX, "", "",
           "safety_switch: a products[] name"),
    P_ENUM("policies[].do.assay", PO(assay), assay_names, "", "monitor: the assay"),
    P_DBL("policies[].do.every_days", PO(every_days), 0, 0, 1e4, 0, "days", "",
          "monitor: the new interval (0 = stop it)"),
    P_TEXT("policies[].do.regimen", PO(regimen), MW_NAME_MAX, "", "",
           "add_regimen: a regimens[] name, given alongside the line's own regimen"),
    P_LIST("plan.lines", S(therapy.lines), S(therapy.n_lines), sizeof(mw_line_t),
           MW_MAX_LINES,
           "lines of therapy in order, the next at confirmed progression (a list "
           "REPLACES earlier lines)"),
    P_STR("plan.lines[].name", LN(name), "line", "line label"),
    P_LIST("plan.lines[].phases", LN(phases), LN(n_phases), sizeof(mw_phase_t),
           MW_MAX_PHASES,
           "phases given in order: induction, consolidation, maintenance (a list "
           "REPLACES earlier phases)"),
    P_TEXT("plan.lines[].phases[].regimen", PH(regimen), MW_NAME_MAX, "", "",
           "the regimen given: a regimens[] name"),
    P_INT("plan.lines[].phases[].cycles", PH(cycles), -1, MAX_CYCLES, -1, "cycles",
          "assumed: the regimen's own cycle count",
          "cycles of this phase: -1 = the regimen's cycles, 0 = until progression"),
    P_DBL("plan.lines[].phases[].gap_days", PH(gap_days), 0, 0, 1e5, 0, "days",
          "assumed: no rest unless set", "rest before the phase starts"),
    P_DBL("plan.lines[].phases[].dose_scale", PH(dose_scale), 0, 0, 10, 1, "fold",
          "assumed: full doses", "multiplies every dose of the phase"),
    P_TEXT("plan.lines[].cart.product", LN(cart_product), MW_NAME_MAX, "", "",
           "CAR-T line: a products[] name, infused after apheresis at the line's start "
           "(empty = not a CAR-T line)"),
    P_DBL("plan.lines[].cart.vein_to_vein_days", LN(vein_to_vein_days), 1, 0, 365, 40,
          "days",
          "assumed: KarMMa median apheresis-to-infusion about 40 days (Munshi 2021 NEJM)",
          "apheresis (the line's start) to infusion"),
    P_TEXT("plan.lines[].cart.bridging", LN(bridging), MW_NAME_MAX, "",
           "assumed: no bridging therapy unless set",
           "regimen given from apheresis until lymphodepletion (empty = none)"),
    P_TEXT("plan.lines[].cart.lymphodepletion", LN(lymphodepletion), MW_NAME_MAX, "FluCy",
           "SPEC.md §4: fludarabine/cyclophosphamide lymphodepletion",
           "lymphodepletion regimen (empty = none)"),
    P_DBL_HO("plan.lines[].cart.ld_start_day", LN(ld_start_day), 0, -30, 0, -5, "days",
             "SPEC.md §4: lymphodepletion on days -5..-3",
             "first lymphodepletion day, relative to infusion"),

    P_ENUM("engine.mode", S(engine.mode), mode_names,
           "assumed: hybrid is exact for small clones and fast for large ones",
           "simulation engine: hybrid, exact (Gillespie) or mean (ODE)"),
    P_DBL("engine.step_tolerance", S(engine.step_tolerance), 1, 0, 1, 0.01, "fraction",
          "assumed: numerical setting",
          "hybrid: max relative change of a per-cell rate within a step"),
    P_DBL("engine.max_step_days", S(engine.max_step_days), 1, 0, 365, 7, "days",
          "assumed: numerical setting", "hybrid: step cap"),
    P_DBL("engine.marker_step_days", S(engine.marker_step_days), 1, 0, 1, 0.05, "days",
          "assumed: numerical setting", "exact: marker integration grid"),
    P_DBL("engine.exact_cell_limit", S(engine.exact_cell_limit), 0, 1, 1e12, 1e8, "cells",
          "assumed: keeps exact runs to minutes",
          "exact: refuse tumours larger than this"),
    P_INT("engine.max_clones", S(engine.max_clones), 1, 1e8, 200000, "clones",
          "assumed: bounds memory (~50 MB of clone records)",
          "clone records a simulation may create"),
    P_INT("engine.mean_max_depth", S(engine.mean_max_depth), 0, 6, 2, "generations",
          "assumed: numerical setting", "mean mode: mutation generations followed"),
    P_DBL("engine.mean_rtol", S(engine.mean_rtol), 1, 0, 1e-2, 1e-8, "1",
          "assumed: numerical setting", "mean mode: CVODE relative tolerance"),
    P_DBL("engine.mean_atol", S(engine.mean_atol), 1, 0, 1, 1e-6, "cells",
          "assumed: numerical setting", "mean mode: CVODE absolute tolerance"),

    /* The trial: settings of the whole cohort, never of one patient (they cannot
     * vary, and a covariate cannot change them). */
    P_ENUM("trial.design", S(trial.design), design_names,
           "design choice: arms compared on the same virtual patients (common random "
           "numbers) show the effect of the arm, not of who was drawn",
           "paired: every patient on every arm; randomised: each patient on one arm, "
           "drawn by allocation"),
    P_DBL("trial.enrolment_days", S(trial.enrolment_days), 0, 0, 1e5, 0, "days",
          "design choice: everyone enrols on day 0 unless set",
          "patients enter uniformly over [0, enrolment_days]"),
    P_DBL("trial.data_cutoff_day", S(trial.data_cutoff_day), 1, 0, INFINITY, INFINITY,
          "days", "design choice: every patient followed to horizon_days unless set",
          "analysis cut-off, days after the first enrolment (inf = none); at least "
          "enrolment_days"),
    P_DBL("trial.dropout_per_year", S(trial.dropout_per_year), 0, 0, 100, 0, "1/year",
          "assumed: no loss to follow-up unless set",
          "constant hazard of loss to follow-up"),
    P_KEYED("trial.arms", S(trial.arms), S(trial.n_arms), sizeof(mw_arm_t), MW_MAX_ARMS,
            "none (one implicit arm)",
            "the arms compared, each the scenario with its set applied"),
    P_STR("trial.arms[].name", AR(name), "arm",
          "arm label (patients.csv, summary.json, marrow run --arm)"),
    P_DBL("trial.arms[].allocation", AR(allocation), 1, 0, 1e6, 1, "weight",
          "design choice: equal allocation",
          "randomisation weight (ignored when paired)"),
    P_OVERLAY("trial.arms[].set",
              "scenario keys applied on top of the base for this arm, written as at the "
              "top level (a list replaces the list; a key with '.' or '[' is applied as "
              "--set key=value); not trial or covariates"),
    P_INT("trial.arm", S(trial.arm), -1, MW_MAX_ARMS - 1, -1, "index", "",
          "the arm this resolved scenario is (0-based; -1 = the base): set by marrow run "
          "--arm and mw_scenario_load_arm(), recorded in run.json"),
    P_COVARIATES("covariates", S(covariates), S(n_covariates),
                 "patient covariates drawn per patient: name; prevalence (binary) or "
                 "distribution (numeric); reference; set/multiply (binary), "
                 "assign/multiply/power (numeric): {key: value} (assign: [keys]); "
                 "see docs/guide.md, Covariates"),
};

#define N_PARAMS ((int) (sizeof(params) / sizeof(params[0])))

/* The fields of one antigen entry in a clone's `antigens` map. */
typedef struct {
    const char *name;
    size_t offset;
    int is_int;
    double hi;
    const char *unit;
    const char *doc;
} antigen_field_t;

static const antigen_field_t antigen_fields[] = {
    {"density", offsetof(mw_antigen_t, density), 0, MW_DENSITY_MAX, "molecules/cell",
     "median surface density (lognormal within the clone)"},
    {"spread", offsetof(mw_antigen_t, spread), 0, MW_SPREAD_MAX, "ln units",
     "SD of ln(density) within the clone"},
    {"copies", offsetof(mw_antigen_t, copies), 1, 2, "copies",
     "gene copies: 2, 1 (hemizygous) or 0 (lost)"},
    {"epitope", offsetof(mw_antigen_t, epitope), 1, MW_EPITOPE_MAX, "id",
     "0 = wild-type epitope; k > 0 = mutated epitope k"},
};

#define N_AG_FIELDS ((int) (sizeof(antigen_fields) / sizeof(antigen_fields[0])))

int
mw__n_params(void)
{
    return N_PARAMS;
}

const mw__param_t *
mw__param(int i)
{
    return (i >= 0 && i < N_PARAMS) ? &params[i] : NULL;
}

/* Field of row @p p in the scope struct at @p base. */
static void *
field_at(const mw__param_t *p, void *base)
{
    return (char *) base + p->offset;
}

static const void *
cfield_at(const mw__param_t *p, const void *base)
{
    return (const char *) base + p->offset;
}

static int *
count_at(const mw__param_t *p, void *base)
{
    return (int *) (void *) ((char *) base + p->aux);
}

static int
ccount_at(const mw__param_t *p, const void *base)
{
    int n;
    memcpy(&n, (const char *) base + p->aux, sizeof(n));
    return n;
}

static double
get_double(const void *field)
{
    double v;
    memcpy(&v, field, sizeof(v));
    return v;
}

static int
get_int(const void *field)
{
    int v;
    memcpy(&v, field, sizeof(v));
    return v;
}

static uint64_t
get_u64(const void *field)
{
    uint64_t v;
    memcpy(&v, field, sizeof(v));
    return v;
}

/* 1 for a list row, keyed or not. */
static int
is_list(const mw__param_t *p)
{
    return p->type == MW__P_LIST || p->type == MW__P_KEYED;
}

/* Length of the first key segment of @p s (up to '.', '[' or the end). */
static size_t
seg_len(const char *s)
{
    return strcspn(s, ".[");
}

/* 1 when row @p p lies directly in the scope of @p prefix (no list in between). */
static int
in_scope(const mw__param_t *p, const char *prefix, size_t plen)
{
    return strncmp(p->key, prefix, plen) == 0 && strstr(p->key + plen, "[]") == NULL;
}

/* 1 when an earlier row below @p prefix starts with the same segment as row i. */
static int
seg_seen_before(int i, const char *prefix, size_t plen)
{
    const char *rest = params[i].key + plen;
    size_t n = seg_len(rest);

    for (int j = 0; j < i; j++) {
        const char *r = params[j].key;
        if (strncmp(r, prefix, plen) == 0 && seg_len(r + plen) == n &&
            strncmp(r + plen, rest, n) == 0) {
            return 1;
        }
    }
    return 0;
}

int
mw__param_classify(const char *prefix, const char *seg, const mw__param_t **row,
                   int *trait)
{
    size_t plen = strlen(prefix), slen = strlen(seg);
    int kind = MW__K_UNKNOWN;

    if (slen == 0 || strpbrk(seg, ".[]<>") != NULL) {
        return MW__K_UNKNOWN;
    }
    for (int i = 0; i < N_PARAMS; i++) {
        const mw__param_t *p = &params[i];
        const char *rest;
        /* The first character rules out most rows without a call (loading the drug
         * library classifies a few thousand keys). */
        if ((plen > 0 && p->key[0] != prefix[0]) || strncmp(p->key, prefix, plen) != 0) {
            continue;
        }
        rest = p->key + plen;
        if (p->type == MW__P_TRAITS && strcmp(rest, "<trait>") == 0) {
            int t = mw__trait_find(seg);
            if (t >= 0) {
                *row = p;
                *trait = t;
                return MW__K_TRAIT;
            }
            continue;
        }
        if (strncmp(rest, seg, slen) != 0) {
            continue;
        }
        if (rest[slen] == '\0') {
            *row = p;
            return is_list(p) ? MW__K_LIST : MW__K_LEAF;
        }
        if (rest[slen] == '.' && kind == MW__K_UNKNOWN) {
            *row = p;
            kind = MW__K_GROUP;
        }
    }
    return kind;
}

/* ------------------------------------------------------------------------------
 * "did you mean" suggestions
 * ---------------------------------------------------------------------------- */

/* Edit distance, case-insensitive; large for long words. */
static int
levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int row[64];

    if (la >= 64 || lb >= 64) {
        return 99;
    }
    for (size_t j = 0; j <= lb; j++) {
        row[j] = (int) j;
    }
    for (size_t i = 1; i <= la; i++) {
        int prev = row[0];
        row[0] = (int) i;
        for (size_t j = 1; j <= lb; j++) {
            int cur = row[j];
            int cost =
                tolower((unsigned char) a[i - 1]) != tolower((unsigned char) b[j - 1]);
            int best = row[j] + 1;
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            if (prev + cost < best) {
                best = prev + cost;
            }
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

typedef struct {
    const char *word;
    char best[96];
    int best_d;
    char list[224];
    size_t used;
    int full;
} sugg_t;

static void
sugg_init(sugg_t *s, const char *word)
{
    memset(s, 0, sizeof(*s));
    s->word = word;
    s->best_d = 99;
}

/* Offer candidate @p cand (its first @p n characters). */
static void
sugg_add(sugg_t *s, const char *cand, size_t n)
{
    char c[96];
    int d;

    if (n >= sizeof(c)) {
        n = sizeof(c) - 1;
    }
    memcpy(c, cand, n);
    c[n] = '\0';
    d = levenshtein(s->word, c);
    if (d < s->best_d) {
        s->best_d = d;
        memcpy(s->best, c, n + 1);
    }
    if (!s->full) {
        size_t room = sizeof(s->list) - s->used;
        if (n + 8 > room) {
            snprintf(s->list + s->used, room, ", ...");
            s->full = 1;
        } else {
            s->used += (size_t) snprintf(s->list + s->used, room, "%s%s",
                                         s->used > 0 ? ", " : "", c);
        }
    }
}

static void
sugg_msg(const sugg_t *s, const char *what, char *msg, size_t len)
{
    if (s->best_d <= 3) {
        snprintf(msg, len, "unknown %s '%s'; did you mean '%s'?", what, s->word, s->best);
    } else {
        snprintf(msg, len, "unknown %s '%s'; allowed: %s", what, s->word, s->list);
    }
}

void
mw__unknown_key_msg(const char *prefix, const char *word, char *msg, size_t len)
{
    size_t plen = strlen(prefix);
    sugg_t s;

    sugg_init(&s, word);
    for (int i = 0; i < N_PARAMS; i++) {
        const char *rest;
        if (strncmp(params[i].key, prefix, plen) != 0 ||
            seg_seen_before(i, prefix, plen)) {
            continue;
        }
        rest = params[i].key + plen;
        if (params[i].type == MW__P_TRAITS && strcmp(rest, "<trait>") == 0) {
            for (int t = 0; t < mw_n_traits(); t++) {
                sugg_add(&s, mw_trait_name(t), strlen(mw_trait_name(t)));
            }
            continue;
        }
        sugg_add(&s, rest, seg_len(rest));
    }
    if (strcmp(word, "<<") == 0) {
        snprintf(msg, len,
                 "YAML merge keys ('<<') are not supported; write the keys out");
        return;
    }
    sugg_msg(&s, "key", msg, len);
}

/* ------------------------------------------------------------------------------
 * Values
 * ---------------------------------------------------------------------------- */

/* What a days or cycles value must look like (for "expected %s"). */
#define DAYS_WANT   "cycle days such as 1-21, 1,8,15,22 or 1-3,8 (days 1..64)"
#define CYCLES_WANT "cycles such as 3, 1-8 or 7- (cycle 7 on; cycles 1..10000)"
_Static_assert(MW_MAX_CYCLE_DAYS == 64 && MAX_CYCLES == 10000,
               "DAYS_WANT and CYCLES_WANT spell out the limits");

/* Parse a whole scalar as a number: strtod syntax (no hex), YAML ".inf"/"inf" and
 * ".nan"/"nan".  0, or -1 when it is not a number. */
static int
parse_number(const char *s, double *out)
{
    const char *p = s;
    char *end;
    double v;

    if (s[0] == '\0' || isspace((unsigned char) s[0]) || strpbrk(s, "xX") != NULL) {
        return -1;
    }
    if (*p == '+' || *p == '-') {
        p++;
    }
    if (strcasecmp(p, ".inf") == 0 || strcasecmp(p, "inf") == 0 ||
        strcasecmp(p, "infinity") == 0) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    if (strcasecmp(p, ".nan") == 0 || strcasecmp(p, "nan") == 0) {
        *out = NAN;
        return 0;
    }
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0') {
        return -1;
    }
    *out = v;
    return 0;
}

/* Parse a YAML 1.1 boolean (true/false, yes/no, on/off, 1/0). */
static int
parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Which ends of a range are open: a bit set of OPEN_LO and OPEN_HI (so a row's
 * lo_open flag, 0 or 1, is already a valid set). */
#define OPEN_LO MW__OPEN_LO
#define OPEN_HI MW__OPEN_HI

static int
open_of(const mw__param_t *p)
{
    return (p->lo_open ? OPEN_LO : 0) | (p->hi_open ? OPEN_HI : 0);
}

/* 1 when @p v lies outside the range (NaN is outside). */
static int
out_of_range(double v, int open, double lo, double hi)
{
    return isnan(v) || v < lo || v > hi || ((open & OPEN_LO) && v == lo) ||
           ((open & OPEN_HI) && v == hi);
}

/* "[0, 100]", "(0, 1]", "[0, 1)", "[1, inf]". */
static void
fmt_range(char *buf, size_t len, int open, double lo, double hi, int is_int)
{
    char a[24], b[24];

    snprintf(a, sizeof(a), is_int ? "%.0f" : "%g", lo);
    if (isinf(hi)) {
        snprintf(b, sizeof(b), "inf");
    } else {
        snprintf(b, sizeof(b), is_int ? "%.0f" : "%g", hi);
    }
    snprintf(buf, len, "%s%s, %s%s", (open & OPEN_LO) ? "(" : "[", a, b,
             (open & OPEN_HI) ? ")" : "]");
}

/* "a number >= 0", "a number in (0, 1]", "an integer in [0, 6]". */
static void
describe_number(char *buf, size_t len, int open, double lo, double hi, int is_int)
{
    const char *what = is_int ? "an integer" : "a number";

    if (isinf(hi)) {
        snprintf(buf, len, "%s %s %g", what, (open & OPEN_LO) ? ">" : ">=", lo);
    } else {
        char r[80];
        fmt_range(r, sizeof(r), open, lo, hi, is_int);
        snprintf(buf, len, "%s in %s", what, r);
    }
}

/* "'high'" or "nothing" for an empty scalar. */
static void
quote_text(char *buf, size_t len, const char *text)
{
    if (text[0] == '\0') {
        snprintf(buf, len, "nothing");
    } else {
        snprintf(buf, len, "'%.60s%s'", text, strlen(text) > 60 ? "..." : "");
    }
}

static int
number_in_range(const char *text, int open, double lo, double hi, int is_int, double *out,
                char *msg, size_t len)
{
    char want[112], got[80];
    double v;

    if (parse_number(text, &v) != 0 || isnan(v) ||
        (is_int && isfinite(v) && v != floor(v))) {
        describe_number(want, sizeof(want), open, lo, hi, is_int);
        quote_text(got, sizeof(got), text);
        snprintf(msg, len, "expected %s, got %s", want, got);
        return MW_ERR_BAD_VALUE;
    }
    if (out_of_range(v, open, lo, hi)) {
        char r[80];
        fmt_range(r, sizeof(r), open, lo, hi, is_int);
        snprintf(msg, len, "%.60s is outside %s", text, r);
        return MW_ERR_BAD_VALUE;
    }
    *out = v;
    return 0;
}

int
mw__number_parse(const char *text, double *out)
{
    return parse_number(text, out);
}

int
mw__out_of_range(double v, int open, double lo, double hi)
{
    return out_of_range(v, open, lo, hi);
}

void
mw__fmt_range(char *buf, size_t len, int open, double lo, double hi, int is_int)
{
    fmt_range(buf, len, open, lo, hi, is_int);
}

int
mw__suggest(const char *word, const char *const *cands, const char *what, char *msg,
            size_t len)
{
    sugg_t s;

    sugg_init(&s, word);
    for (int i = 0; cands[i] != NULL; i++) {
        sugg_add(&s, cands[i], strlen(cands[i]));
    }
    sugg_msg(&s, what, msg, len);
    return s.best_d <= 3;
}

/* 1 for a setting of the run (how long, how often, how to integrate), 2 for one of
 * the trial: both are shared by the whole cohort, so no patient draws or changes
 * them (summary.json reports one horizon). */
static int
cohort_setting(const mw__param_t *p)
{
    if (strcmp(p->key, "horizon_days") == 0 || strcmp(p->key, "output_every_days") == 0 ||
        strncmp(p->key, "engine.", 7) == 0) {
        return 1;
    }
    return strncmp(p->key, "trial.", 6) == 0 ? 2 : 0;
}

int
mw__param_may_vary(const mw__param_t *p, const char *key, char *msg, size_t len)
{
    char want[112];

    if (p->type != MW__P_DOUBLE && p->type != MW__P_INT) {
        mw__param_describe(p, 0, want, sizeof(want));
        snprintf(msg, len,
                 "'%.100s' takes %s, not a distribution: only numbers may vary between "
                 "patients",
                 key, want);
        return MW_ERR_BAD_VALUE;
    }
    if (cohort_setting(p) != 0) {
        snprintf(msg, len,
                 "'%.100s' is a setting of the %s, the same for every patient; give a "
                 "number",
                 key, cohort_setting(p) == 1 ? "run" : "trial");
        return MW_ERR_BAD_VALUE;
    }
    return 0;
}

static void
enum_list(const char *const *names, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; names[i] != NULL && used < len; i++) {
        used += (size_t) snprintf(buf + used, len - used, "%s%s", i > 0 ? ", " : "",
                                  names[i]);
    }
}

void
mw__param_describe(const mw__param_t *p, int trait, char *buf, size_t len)
{
    char list[128];

    switch (p->type) {
        case MW__P_DOUBLE:
        case MW__P_INT:
            describe_number(buf, len, open_of(p), p->lo, p->hi, p->type == MW__P_INT);
            break;
        case MW__P_BOOL:
            snprintf(buf, len, "true or false");
            break;
        case MW__P_ENUM:
            enum_list(p->names, list, sizeof(list));
            snprintf(buf, len, "one of %s", list);
            break;
        case MW__P_STRING:
            snprintf(buf, len, "a name of at most %d characters", MW_NAME_MAX - 1);
            break;
        case MW__P_TEXT:
            snprintf(buf, len, "a %s of at most %d characters (may be empty)",
                     p->aux == MW_NAME_MAX ? "name" : "text", (int) p->aux - 1);
            break;
        case MW__P_DAYS:
            snprintf(buf, len, DAYS_WANT);
            break;
        case MW__P_CYCLES:
            snprintf(buf, len, CYCLES_WANT);
            break;
        case MW__P_KEYED:
            snprintf(buf, len, "a list of mappings, each with a name");
            break;
        case MW__P_TRAITS: {
            const mw_trait_info_t *ti = mw__trait_info(trait);
            if (ti != NULL && ti->is_flag) {
                snprintf(buf, len, "true or false");
            } else if (ti != NULL) {
                describe_number(buf, len, 0, ti->lo, ti->hi, 0);
            } else {
                snprintf(buf, len, "a trait value");
            }
            break;
        }
        case MW__P_ANTIGENS:
            snprintf(buf, len,
                     "a mapping of antigen names to {density, spread, "
                     "copies, epitope}");
            break;
        case MW__P_EDITS:
            snprintf(buf, len, "a mapping of traits or antigens to changes");
            break;
        case MW__P_OVERLAY:
            snprintf(buf, len, "a mapping of scenario keys");
            break;
        case MW__P_COVARIATES:
            snprintf(buf, len, "a list of covariates, each a mapping with a name");
            break;
        default:
            snprintf(buf, len, "a list of mappings");
            break;
    }
}

/* Store @p text in the char[size] @p field, zero-filled so structs compare equal
 * with memcmp.  Longer text is an error, never cut short. */
static int
set_chars(char *field, size_t size, int allow_empty, const char *text, char *msg,
          size_t len)
{
    const char *what = size == MW_NAME_MAX ? "name" : "text";
    size_t n = strlen(text);

    if (n == 0 && !allow_empty) {
        snprintf(msg, len, "expected a %s of at most %zu characters, got nothing", what,
                 size - 1);
        return MW_ERR_BAD_VALUE;
    }
    if (n >= size) {
        snprintf(msg, len, "%s is %zu characters long; at most %zu allowed", what, n,
                 size - 1);
        return MW_ERR_BAD_VALUE;
    }
    memset(field, 0, size);
    memcpy(field, text, n);
    return 0;
}

int
mw__name_set(char *field, const char *text, char *msg, size_t len)
{
    return set_chars(field, MW_NAME_MAX, 0, text, msg, len);
}

/* ------------------------------------------------------------------------------
 * Cycle days ("1-21", "1,8,15,22") and cycle ranges ("3", "1-8", "7-")
 * ---------------------------------------------------------------------------- */

static const char *
skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return p;
}

/* Unsigned decimal at *p (digits only, capped), advancing *p; -1 if none. */
static int
read_count(const char **p, long *out)
{
    long v = 0;

    if (!isdigit((unsigned char) **p)) {
        return -1;
    }
    for (; isdigit((unsigned char) **p); (*p)++) {
        v = v < 100000000 ? 10 * v + (**p - '0') : v;
    }
    *out = v;
    return 0;
}

int
mw__days_parse(const char *text, uint64_t *mask, char *msg, size_t len)
{
    const char *p = skip_blanks(text);
    uint64_t m = 0;
    char got[80];

    for (;;) {
        long a, b;
        if (read_count(&p, &a) != 0) {
            break;
        }
        p = skip_blanks(p);
        b = a;
        if (*p == '-') {
            p = skip_blanks(p + 1);
            if (read_count(&p, &b) != 0) {
                break;
            }
            p = skip_blanks(p);
        }
        if (*p != '\0' && *p != ',') {
            break;
        }
        for (int k = 0; k < 2; k++) {
            long d = k == 0 ? a : b;
            if (d < 1 || d > MW_MAX_CYCLE_DAYS) {
                snprintf(msg, len, "day %ld outside 1..%d", d, MW_MAX_CYCLE_DAYS);
                return MW_ERR_BAD_VALUE;
            }
        }
        if (b < a) {
            snprintf(msg, len, "range %ld-%ld runs backwards", a, b);
            return MW_ERR_BAD_VALUE;
        }
        for (long d = a; d <= b; d++) {
            m |= (uint64_t) 1 << (d - 1);
        }
        if (*p == '\0') {
            *mask = m;
            return 0;
        }
        p = skip_blanks(p + 1);
    }
    quote_text(got, sizeof(got), text);
    snprintf(msg, len, "expected %s, got %s", DAYS_WANT, got);
    return MW_ERR_BAD_VALUE;
}

void
mw__days_format(uint64_t mask, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int d = 1; d <= MW_MAX_CYCLE_DAYS && used < len; d++) {
        int e = d;
        if (!(mask >> (d - 1) & 1)) {
            continue;
        }
        while (e < MW_MAX_CYCLE_DAYS && (mask >> e & 1)) {
            e++;
        }
        /* Runs of three or more days as a range: 1-21, but 1,2,8,9. */
        if (e - d >= 2) {
            used += (size_t) snprintf(buf + used, len - used, "%s%d-%d",
                                      used > 0 ? "," : "", d, e);
            d = e;
        } else {
            used +=
                (size_t) snprintf(buf + used, len - used, "%s%d", used > 0 ? "," : "", d);
        }
    }
}

int
mw__cycles_parse(const char *text, int *first, int *last, char *msg, size_t len)
{
    const char *p = skip_blanks(text);
    long a, b;
    char got[80];

    if (read_count(&p, &a) == 0) {
        p = skip_blanks(p);
        b = a;
        if (*p == '-') {
            p = skip_blanks(p + 1);
            b = 0; /* "7-": from cycle 7 on */
            if (*p != '\0' && read_count(&p, &b) == 0) {
                p = skip_blanks(p);
                if (b < 1) {
                    b = -1; /* "3-0" is not an open end */
                }
            }
        }
        if (*p == '\0') {
            for (int k = 0; k < 2; k++) {
                long c = k == 0 ? a : b;
                if ((k == 0 || c != 0) && (c < 1 || c > MAX_CYCLES)) {
                    snprintf(msg, len, "cycle %ld outside 1..%d", c < 0 ? 0 : c,
                             MAX_CYCLES);
                    return MW_ERR_BAD_VALUE;
                }
            }
            if (b != 0 && b < a) {
                snprintf(msg, len, "range %ld-%ld runs backwards", a, b);
                return MW_ERR_BAD_VALUE;
            }
            *first = (int) a;
            *last = (int) b;
            return 0;
        }
    }
    quote_text(got, sizeof(got), text);
    snprintf(msg, len, "expected %s, got %s", CYCLES_WANT, got);
    return MW_ERR_BAD_VALUE;
}

void
mw__cycles_format(int first, int last, char *buf, size_t len)
{
    if (last == 0) {
        snprintf(buf, len, "%d-", first);
    } else if (last == first) {
        snprintf(buf, len, "%d", first);
    } else {
        snprintf(buf, len, "%d-%d", first, last);
    }
}

int
mw__param_set_text(const mw__param_t *p, void *base, const char *text, char *msg,
                   size_t len)
{
    void *field = field_at(p, base);
    char got[80], list[128];
    double v;
    int r, x;

    switch (p->type) {
        case MW__P_DOUBLE:
        case MW__P_INT:
            r = number_in_range(text, open_of(p), p->lo, p->hi, p->type == MW__P_INT, &v,
                                msg, len);
            if (r != 0) {
                return r;
            }
            if (p->type == MW__P_INT) {
                x = (int) v;
                memcpy(field, &x, sizeof(x));
            } else {
                memcpy(field, &v, sizeof(v));
            }
            return 0;
        case MW__P_BOOL:
            if (parse_bool(text, &x) != 0) {
                quote_text(got, sizeof(got), text);
                snprintf(msg, len, "expected true or false, got %s", got);
                return MW_ERR_BAD_VALUE;
            }
            memcpy(field, &x, sizeof(x));
            return 0;
        case MW__P_ENUM:
            for (x = 0; p->names[x] != NULL; x++) {
                if (strcmp(text, p->names[x]) == 0) {
                    memcpy(field, &x, sizeof(x));
                    return 0;
                }
            }
            enum_list(p->names, list, sizeof(list));
            quote_text(got, sizeof(got), text);
            snprintf(msg, len, "expected one of %s, got %s", list, got);
            {
                /* A near miss ("randomized") gets its word. */
                size_t used = strlen(msg);
                sugg_t sg;
                sugg_init(&sg, text);
                for (x = 0; p->names[x] != NULL; x++) {
                    sugg_add(&sg, p->names[x], strlen(p->names[x]));
                }
                if (sg.best_d <= 2 && used < len) {
                    snprintf(msg + used, len - used, "; did you mean '%s'?", sg.best);
                }
            }
            return MW_ERR_BAD_VALUE;
        case MW__P_STRING:
            return set_chars(field, MW_NAME_MAX, 0, text, msg, len);
        case MW__P_TEXT:
            return set_chars(field, p->aux, 1, text, msg, len);
        case MW__P_DAYS: {
            uint64_t m;
            r = mw__days_parse(text, &m, msg, len);
            if (r == 0) {
                memcpy(field, &m, sizeof(m));
            }
            return r;
        }
        case MW__P_CYCLES: {
            int first, last;
            r = mw__cycles_parse(text, &first, &last, msg, len);
            if (r == 0) {
                memcpy(field, &first, sizeof(first));
                memcpy((char *) base + p->aux, &last, sizeof(last));
            }
            return r;
        }
        default:
            snprintf(msg, len, "not a single value");
            return MW_ERR_BAD_VALUE;
    }
}

int
mw__trait_set_text(mw_traits_t *t, int trait, const char *text, char *msg, size_t len)
{
    const mw_trait_info_t *ti = mw__trait_info(trait);
    char got[80];
    double v;
    int x;

    if (ti == NULL) {
        snprintf(msg, len, "no such trait");
        return MW_ERR_UNKNOWN_KEY;
    }
    if (ti->is_flag) {
        if (parse_bool(text, &x) != 0) {
            quote_text(got, sizeof(got), text);
            snprintf(msg, len, "expected true or false (or 1/0), got %s", got);
            return MW_ERR_BAD_VALUE;
        }
        mw__trait_set(t, trait, (double) x);
        return 0;
    }
    if (number_in_range(text, 0, ti->lo, ti->hi, 0, &v, msg, len) != 0) {
        return MW_ERR_BAD_VALUE;
    }
    mw__trait_set(t, trait, v);
    return 0;
}

int
mw__antigen_lookup(const char *name, char *msg, size_t len)
{
    int a = mw__antigen_find(name);
    sugg_t s;

    if (a >= 0) {
        return a;
    }
    sugg_init(&s, name);
    for (int i = 0; i < MW_N_ANTIGENS; i++) {
        sugg_add(&s, mw_antigen_name(i), strlen(mw_antigen_name(i)));
    }
    sugg_msg(&s, "antigen", msg, len);
    return -1;
}

int
mw__antigen_field(const char *field, size_t *offset, int *is_int, double *hi, char *msg,
                  size_t len)
{
    sugg_t s;

    for (int i = 0; i < N_AG_FIELDS; i++) {
        if (strcmp(field, antigen_fields[i].name) == 0) {
            *offset = antigen_fields[i].offset;
            *is_int = antigen_fields[i].is_int;
            *hi = antigen_fields[i].hi;
            return 0;
        }
    }
    sugg_init(&s, field);
    for (int i = 0; i < N_AG_FIELDS; i++) {
        sugg_add(&s, antigen_fields[i].name, strlen(antigen_fields[i].name));
    }
    sugg_msg(&s, "antigen field", msg, len);
    return MW_ERR_UNKNOWN_KEY;
}

int
mw__antigen_set_text(mw_antigen_t *a, const char *field, const char *text, char *msg,
                     size_t len)
{
    sugg_t s;

    for (int i = 0; i < N_AG_FIELDS; i++) {
        const antigen_field_t *f = &antigen_fields[i];
        double v;
        if (strcmp(field, f->name) != 0) {
            continue;
        }
        if (number_in_range(text, 0, 0, f->hi, f->is_int, &v, msg, len) != 0) {
            return MW_ERR_BAD_VALUE;
        }
        if (f->is_int) {
            int x = (int) v;
            memcpy((char *) a + f->offset, &x, sizeof(x));
        } else {
            memcpy((char *) a + f->offset, &v, sizeof(v));
        }
        return 0;
    }
    sugg_init(&s, field);
    for (int i = 0; i < N_AG_FIELDS; i++) {
        sugg_add(&s, antigen_fields[i].name, strlen(antigen_fields[i].name));
    }
    sugg_msg(&s, "antigen field", msg, len);
    return MW_ERR_UNKNOWN_KEY;
}

/* ------------------------------------------------------------------------------
 * Trait edits
 * ---------------------------------------------------------------------------- */

static const char *const state_names[] = {"lost", "copy_loss", "expressed"};
static const int state_ops[] = {MW_EDIT_LOST, MW_EDIT_COPY_LOSS, MW_EDIT_EXPRESSED};

/* Resolve an edit key: a scalar trait, an antigen (state) or <ANTIGEN>.density or
 * <ANTIGEN>.spread. */
static int
edit_key(const char *key, mw_edit_t *e, char *msg, size_t len)
{
    const char *dot = strchr(key, '.');
    char head[64];
    int t = mw__trait_find(key);
    sugg_t s;

    memset(e, 0, sizeof(*e));
    if (t >= 0) {
        e->trait = (int16_t) t;
        return 0;
    }
    if (dot != NULL && (size_t) (dot - key) < sizeof(head)) {
        size_t n = (size_t) (dot - key);
        memcpy(head, key, n);
        head[n] = '\0';
    } else if (dot == NULL) {
        snprintf(head, sizeof(head), "%s", key);
    } else {
        head[0] = '\0';
    }
    int a = mw__antigen_find(head);
    if (a >= 0) {
        e->trait = MW_TRAIT_ANTIGEN;
        e->antigen = (int16_t) a;
        if (dot == NULL) {
            e->field = 0;
            return 0;
        }
        if (strcmp(dot + 1, "density") == 0 || strcmp(dot + 1, "spread") == 0) {
            e->field = dot[1] == 'd' ? 1 : 2;
            return 0;
        }
    }
    sugg_init(&s, key);
    for (int i = 0; i < mw_n_traits(); i++) {
        sugg_add(&s, mw_trait_name(i), strlen(mw_trait_name(i)));
    }
    for (int i = 0; i < MW_N_ANTIGENS; i++) {
        char c[48];
        sugg_add(&s, mw_antigen_name(i), strlen(mw_antigen_name(i)));
        snprintf(c, sizeof(c), "%s.density", mw_antigen_name(i));
        sugg_add(&s, c, strlen(c));
        snprintf(c, sizeof(c), "%s.spread", mw_antigen_name(i));
        sugg_add(&s, c, strlen(c));
    }
    sugg_msg(&s, "edit target", msg, len);
    return MW_ERR_UNKNOWN_KEY;
}

static int
edit_state(const char *text, mw_edit_t *e, char *msg, size_t len)
{
    char got[80];

    for (int i = 0; i < 3; i++) {
        if (strcmp(text, state_names[i]) == 0) {
            e->op = (int16_t) state_ops[i];
            return 0;
        }
    }
    if (strncmp(text, "epitope:", 8) == 0) {
        double v;
        if (number_in_range(text + 8, 0, 0, MW_EPITOPE_MAX, 1, &v, msg, len) != 0) {
            return MW_ERR_BAD_VALUE;
        }
        e->op = MW_EDIT_EPITOPE;
        e->value = v;
        return 0;
    }
    quote_text(got, sizeof(got), text);
    snprintf(msg, len, "expected lost, copy_loss, expressed or epitope:<0..%d>, got %s",
             MW_EPITOPE_MAX, got);
    return MW_ERR_BAD_VALUE;
}

/* A numeric change of a trait or antigen field whose valid range is [lo, hi]. */
static int
edit_number(const char *text, int is_flag, double lo, double hi, mw_edit_t *e, char *msg,
            size_t len)
{
    char got[80];
    double v;
    int b;

    quote_text(got, sizeof(got), text);
    if (is_flag) {
        if (parse_bool(text, &b) != 0 &&
            !(text[0] == '=' && parse_bool(text + 1, &b) == 0)) {
            snprintf(msg, len, "expected true or false for a flag trait, got %s", got);
            return MW_ERR_BAD_VALUE;
        }
        e->op = MW_EDIT_SET;
        e->value = (double) b;
        return 0;
    }
    if (text[0] == 'x' || text[0] == '*') {
        if (parse_number(text + 1, &v) != 0 || !isfinite(v) || v < 0) {
            snprintf(msg, len, "expected x<factor> with a finite factor >= 0, got %s",
                     got);
            return MW_ERR_BAD_VALUE;
        }
        e->op = MW_EDIT_MUL;
    } else if (text[0] == '+' || text[0] == '-') {
        if (parse_number(text, &v) != 0 || !isfinite(v)) {
            snprintf(msg, len, "expected +<number> or -<number> (finite), got %s", got);
            return MW_ERR_BAD_VALUE;
        }
        e->op = MW_EDIT_ADD;
    } else {
        const char *num = text[0] == '=' ? text + 1 : text;
        if (parse_number(num, &v) != 0 || isnan(v)) {
            snprintf(msg, len,
                     "expected x<f> or *<f> (multiply), +<f> or -<f> (add), =<v> or "
                     "<v> (set), got %s",
                     got);
            return MW_ERR_BAD_VALUE;
        }
        if (v < lo || v > hi) {
            char r[80];
            fmt_range(r, sizeof(r), 0, lo, hi, 0);
            snprintf(msg, len, "%.60s is outside %s", num, r);
            return MW_ERR_BAD_VALUE;
        }
        e->op = MW_EDIT_SET;
    }
    e->value = v;
    return 0;
}

int
mw__edit_parse(const char *key, const char *text, mw_edit_t *e, char *msg, size_t len)
{
    int r = edit_key(key, e, msg, len);

    if (r != 0) {
        return r;
    }
    if (e->trait >= 0) {
        const mw_trait_info_t *ti = mw__trait_info(e->trait);
        return edit_number(text, ti->is_flag, ti->lo, ti->hi, e, msg, len);
    }
    if (e->field == 0) {
        return edit_state(text, e, msg, len);
    }
    return edit_number(text, 0, 0, e->field == 1 ? MW_DENSITY_MAX : MW_SPREAD_MAX, e, msg,
                       len);
}

int
mw__edit_same_target(const mw_edit_t *a, const mw_edit_t *b)
{
    if (a->trait != b->trait) {
        return 0;
    }
    return a->trait >= 0 || (a->antigen == b->antigen && a->field == b->field);
}

/* Shortest "%.15g".."%.17g" form that reads back as exactly @p v. */
static void
fmt_double(char *buf, size_t len, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) {
            return;
        }
    }
}

/* An edit's key as written in scenarios ("pdl1", "BCMA", "BCMA.density"). */
static void
edit_key_text(const mw_edit_t *e, char *buf, size_t len)
{
    if (e->trait >= 0) {
        snprintf(buf, len, "%s", mw_trait_name(e->trait));
    } else if (e->field == 0) {
        snprintf(buf, len, "%s", mw_antigen_name(e->antigen));
    } else {
        snprintf(buf, len, "%s.%s", mw_antigen_name(e->antigen),
                 e->field == 1 ? "density" : "spread");
    }
}

/* An edit's value as written ("x0.5", "+0.3", "=2", "copy_loss", "epitope:2",
 * "true").  Sets *is_bool for flag traits (written as a JSON boolean). */
static void
edit_value_text(const mw_edit_t *e, char *buf, size_t len, int *is_bool)
{
    char num[40];

    *is_bool = 0;
    fmt_double(num, sizeof(num), fabs(e->value));
    switch (e->op) {
        case MW_EDIT_LOST:
        case MW_EDIT_COPY_LOSS:
        case MW_EDIT_EXPRESSED:
            snprintf(buf, len, "%s", state_names[e->op - MW_EDIT_LOST]);
            return;
        case MW_EDIT_EPITOPE:
            snprintf(buf, len, "epitope:%d", (int) e->value);
            return;
        case MW_EDIT_MUL:
            fmt_double(num, sizeof(num), e->value);
            snprintf(buf, len, "x%s", num);
            return;
        case MW_EDIT_ADD:
            snprintf(buf, len, "%s%s", signbit(e->value) ? "-" : "+", num);
            return;
        default:
            if (e->trait >= 0 && mw__trait_info(e->trait)->is_flag) {
                *is_bool = 1;
                snprintf(buf, len, "%s", e->value >= 0.5 ? "true" : "false");
                return;
            }
            fmt_double(num, sizeof(num), e->value);
            snprintf(buf, len, "=%s", num);
            return;
    }
}

/* ------------------------------------------------------------------------------
 * Defaults
 * ---------------------------------------------------------------------------- */

/* Set every row directly in the scope of @p prefix to its default.  Strings below a
 * list get the element index appended ("clone0"). */
static void
scope_defaults(const char *prefix, void *base, int index)
{
    size_t plen = strlen(prefix);

    for (int i = 0; i < N_PARAMS; i++) {
        const mw__param_t *p = &params[i];
        void *f = field_at(p, base);
        /* only integer kinds are converted: a double default may be infinite */
        int x = p->type == MW__P_INT || p->type == MW__P_BOOL || p->type == MW__P_ENUM
                    ? (int) p->def
                    : 0;
        if (!in_scope(p, prefix, plen)) {
            continue;
        }
        switch (p->type) {
            case MW__P_DOUBLE:
                memcpy(f, &p->def, sizeof(p->def));
                break;
            case MW__P_INT:
            case MW__P_BOOL:
            case MW__P_ENUM:
                memcpy(f, &x, sizeof(x));
                break;
            case MW__P_STRING:
                memset(f, 0, MW_NAME_MAX);
                if (index >= 0) {
                    snprintf(f, MW_NAME_MAX, "%s%d", p->defstr, index);
                } else {
                    snprintf(f, MW_NAME_MAX, "%s", p->defstr);
                }
                break;
            case MW__P_TEXT:
                memset(f, 0, p->aux);
                snprintf(f, p->aux, "%s", p->defstr);
                break;
            case MW__P_DAYS:
            case MW__P_CYCLES: {
                char msg[160];
                mw__bug_assert(mw__param_set_text(p, base, p->defstr, msg, sizeof(msg)) ==
                               0);
                break;
            }
            case MW__P_TRAITS:
                mw__traits_init_defaults(f);
                break;
            case MW__P_EDITS:
                memset(f, 0, sizeof(mw_edit_t) * MW_MAX_EDITS);
                *count_at(p, base) = 0;
                break;
            case MW__P_LIST:
            case MW__P_KEYED:
                memset(f, 0, p->elem_size * (size_t) p->hi);
                *count_at(p, base) = 0;
                break;
            default: /* ANTIGENS: part of TRAITS */
                break;
        }
    }
}

void
mw__list_elem_init(const mw__param_t *list, void *elem, int index)
{
    char prefix[128];

    memset(elem, 0, list->elem_size);
    snprintf(prefix, sizeof(prefix), "%s[].", list->key);
    scope_defaults(prefix, elem, index);
}

const mw__param_t *
mw__keyed_name_row(const mw__param_t *list)
{
    size_t n = strlen(list->key);

    for (int i = 0; i < N_PARAMS; i++) {
        const char *k = params[i].key;
        if (strncmp(k, list->key, n) == 0 && strcmp(k + n, "[].name") == 0) {
            mw__bug_assert(params[i].type == MW__P_STRING);
            return &params[i];
        }
    }
    mw__bug_assert(0 && "a keyed list needs a name row");
    return NULL;
}

/* The name of element @p k of KEYED row @p list, NUL-terminated (it may not be in
 * a struct filled by hand). */
static void
keyed_name(const mw__param_t *list, const void *base, int k, char *buf)
{
    const char *elem =
        (const char *) cfield_at(list, base) + (size_t) k * list->elem_size;

    memcpy(buf, elem + mw__keyed_name_row(list)->offset, MW_NAME_MAX);
    buf[MW_NAME_MAX - 1] = '\0';
}

int
mw__keyed_find(const mw__param_t *list, const void *base, const char *name)
{
    int n = ccount_at(list, base);
    char have[MW_NAME_MAX];

    for (int k = 0; k < n && k < (int) list->hi; k++) {
        keyed_name(list, base, k, have);
        if (strcmp(have, name) == 0) {
            return k;
        }
    }
    return -1;
}

/* "drugs[bortezomib]": element @p k of a keyed list by its @p name (a
 * char[MW_NAME_MAX]), or by index when the name is empty or has brackets. */
static void
named_path(char *buf, size_t len, const char *list_path, const char *name, int k)
{
    char c[MW_NAME_MAX];

    memcpy(c, name, MW_NAME_MAX);
    c[MW_NAME_MAX - 1] = '\0';
    if (c[0] != '\0' && strpbrk(c, "[]") == NULL) {
        snprintf(buf, len, "%.150s[%s]", list_path, c);
    } else {
        snprintf(buf, len, "%.150s[%d]", list_path, k);
    }
}

/* The key path of element @p k of list row @p list at @p list_path: by name for a
 * keyed list ("drugs[bortezomib]"), else by index ("plan.lines[0]"). */
static void
elem_path(char *buf, size_t len, const char *list_path, const mw__param_t *list,
          const void *base, int k)
{
    char name[MW_NAME_MAX];

    if (list->type == MW__P_KEYED) {
        keyed_name(list, base, k, name);
        named_path(buf, len, list_path, name, k);
        return;
    }
    snprintf(buf, len, "%.150s[%d]", list_path, k);
}

/* Load one shipped library on top of @p self.  Running out of memory marks the
 * scenario (init_error), so that loading it refuses; any other failure is a bug in
 * the data. */
static void
load_library(mw_scenario_t *self, const char *text, const char *file)
{
    mw_diags_t *d = self->init_error == 0 ? malloc(sizeof(*d)) : NULL;

    if (d == NULL) {
        self->init_error = MW_ERR_NO_MEMORY;
        return;
    }
    mw_diags_clear(d);
    if (mw_scenario_load_string(self, text, file, d) != 0) {
        for (int i = 0; i < d->n; i++) {
            if (d->d[i].code == MW_ERR_NO_MEMORY) {
                self->init_error = MW_ERR_NO_MEMORY;
            }
        }
        if (self->init_error == 0) {
            fprintf(stderr, "marrow: the shipped library %s does not load:\n", file);
            mw_diags_print(d, stderr);
            abort();
        }
    }
    free(d);
}

void
mw_scenario_init_defaults(mw_scenario_t *self)
{
    memset(self, 0, sizeof(*self));
    scope_defaults("", self, -1);
    load_library(self, mw__data_drugs_yaml, "data/drugs.yaml");
    load_library(self, mw__data_regimens_yaml, "data/regimens.yaml");
}

/* ------------------------------------------------------------------------------
 * --set key=value
 * ---------------------------------------------------------------------------- */

#define SET_FILE MW__SET_FILE

void
mw__trim(char *s)
{
    size_t n = strlen(s), i = 0;

    while (n > 0 && isspace((unsigned char) s[n - 1])) {
        s[--n] = '\0';
    }
    while (isspace((unsigned char) s[i])) {
        i++;
    }
    memmove(s, s + i, n - i + 1);
}

/* Apply @p value to row @p p at @p base, @p rest being the key after the row
 * ("BCMA.density" for antigens, "pdl1" for edits, NULL for scalars).  *@p set is
 * the number that changed (a DOUBLE, INT or antigen field), else NULL. */
static int
set_leaf(const mw__param_t *p, void *base, const char *rest, const char *value, char *msg,
         size_t len, void **set)
{
    char d[128];

    *set = NULL;
    if (p->type == MW__P_ANTIGENS) {
        const char *dot = rest != NULL ? strchr(rest, '.') : NULL;
        char name[64];
        int a;
        if (dot == NULL || (size_t) (dot - rest) >= sizeof(name)) {
            snprintf(msg, len,
                     "set one field: antigens.<ANTIGEN>.<density, spread, "
                     "copies or epitope>, e.g. antigens.BCMA.density=300");
            return MW_ERR_UNKNOWN_KEY;
        }
        memcpy(name, rest, (size_t) (dot - rest));
        name[dot - rest] = '\0';
        a = mw__antigen_lookup(name, msg, len);
        if (a < 0) {
            return MW_ERR_UNKNOWN_KEY;
        }
        mw_antigen_t *ag = (mw_antigen_t *) field_at(p, base) + a;
        int r = mw__antigen_set_text(ag, dot + 1, value, msg, len);
        size_t off;
        int is_int;
        double hi;
        if (r == 0 && mw__antigen_field(dot + 1, &off, &is_int, &hi, msg, len) == 0) {
            *set = (char *) ag + off;
        }
        return r;
    }
    if (p->type == MW__P_EDITS) {
        mw_edit_t e, *edits = field_at(p, base);
        int *n = count_at(p, base), r;
        if (rest == NULL) {
            snprintf(msg, len,
                     "expected edits.<trait or antigen>=<change>, e.g. "
                     "edits.pdl1=+0.2");
            return MW_ERR_UNKNOWN_KEY;
        }
        r = mw__edit_parse(rest, value, &e, msg, len);
        if (r != 0) {
            return r;
        }
        for (int k = 0; k < *n; k++) {
            if (mw__edit_same_target(&edits[k], &e)) {
                edits[k] = e;
                return 0;
            }
        }
        if (*n >= MW_MAX_EDITS) {
            snprintf(msg, len, "at most %d edits allowed", MW_MAX_EDITS);
            return MW_ERR_TOO_MANY;
        }
        edits[(*n)++] = e;
        return 0;
    }
    if (rest != NULL) {
        mw__param_describe(p, 0, d, sizeof(d));
        snprintf(msg, len, "'%s' takes %s and has no sub-keys", p->key, d);
        return MW_ERR_UNKNOWN_KEY;
    }
    *set = field_at(p, base);
    return mw__param_set_text(p, base, value, msg, len);
}

/* "'tumour.clones' is a list; give a full key such as tumour.clones[0].name" or
 * "'tumour.il6' is a section; give a full key such as tumour.il6.basal".  @p row is
 * the LIST row or the section's first row, @p prefix the table pattern the section
 * lies in ("engagers[].") and @p at the concrete key of the list or section
 * ("engagers[0].target"), whose first @p at_base characters are the concrete
 * form of @p prefix ("engagers[0]."). */
static void
example_key(const mw__param_t *row, int kind, const char *prefix, const char *at,
            size_t at_base, char *msg, size_t len)
{
    size_t n = strlen(row->key);

    if (kind == MW__K_LIST) {
        const int keyed = row->type == MW__P_KEYED;
        const char *child = "";
        for (int i = 0; i < N_PARAMS; i++) {
            const char *k = params[i].key;
            /* A keyed list's example names an entry, so skip its name row. */
            if (strncmp(k, row->key, n) == 0 && k[n] == '[' &&
                !(keyed && strcmp(k + n, "[].name") == 0)) {
                child = k + n + 3;
                break;
            }
        }
        if (keyed) {
            snprintf(msg, len,
                     "'%.60s' is a list keyed by name; give a full key such as "
                     "%.60s[<name>].%s or %.60s[0].%s",
                     at, at, child, at, child);
            return;
        }
        snprintf(msg, len, "'%.120s' is a list; give a full key such as %.120s[0].%s", at,
                 at, child);
    } else {
        snprintf(msg, len, "'%.120s' is a section; give a full key such as %.*s%s", at,
                 (int) at_base, at, row->key + strlen(prefix));
    }
}

/* Most nested lists one key can pass through ("products[0].targets[1]"). */
#define SET_DEPTH 4

/* A list element that `--set` appends (index == count).  It is filled in @c elem and
 * copied into the list held by @c holder only when the whole assignment succeeded;
 * @c holder may be the @c elem of an enclosing append. */
typedef struct {
    const mw__param_t *list;
    void *holder;
    union {
        mw_clone_spec_t clone;
        mw_mutation_t mutation;
        mw_product_t product;
        mw_target_t target;
        mw_engager_t engager;
        mw_dose_t dose;
        mw_drug_t drug;
        mw_regimen_t regimen;
        mw_regimen_dose_t regimen_dose;
        mw_line_t line;
        mw_phase_t phase;
    } elem;
} set_append_t;

/* Offset in mw_scenario_t of the mask of the entries of top-level keyed list @p list
 * that --set added, or 0 for another list.  Only names a file or the library never
 * gave can be misspelt references, so validation needs to know which they are
 * (check_from_set); one bit per entry keeps mw_scenario_t a plain value. */
static size_t
from_set_mask(const mw__param_t *list)
{
    _Static_assert(MW_MAX_DRUGS <= 32 && MW_MAX_REGIMENS <= 32,
                   "one uint32_t bit per drug and per regimen");

    if (list->type != MW__P_KEYED) {
        return 0;
    }
    if (list->offset == S(therapy.drugs)) {
        return S(therapy.drugs_from_set);
    }
    if (list->offset == S(therapy.regimens)) {
        return S(therapy.regimens_from_set);
    }
    return 0;
}

int
mw_scenario_set(mw_scenario_t *self, const char *assignment, mw_diags_t *diags)
{
    set_append_t app[SET_DEPTH];
    const mw__param_t *row = NULL;
    const char *eq = strchr(assignment, '=');
    char key[256], value[512], prefix[256] = "", msg[320], seg[96], at[256] = "";
    char sel[128];
    void *base = self, *set = NULL;
    int n_app = 0, depth = 0, code = 0, trait = 0;
    const char *p;

    if (eq == NULL || (size_t) (eq - assignment) >= sizeof(key) ||
        strlen(eq + 1) >= sizeof(value)) {
        mw__diag_add(diags, MW_ERR_BAD_VALUE, SET_FILE, 0, 0, "",
                     "expected key=value (e.g. tumour.clones[0].birth=0.2), got '%.100s'",
                     assignment);
        return mw__trace_error(MW_ERR_CONFIG);
    }
    memcpy(key, assignment, (size_t) (eq - assignment));
    key[eq - assignment] = '\0';
    snprintf(value, sizeof(value), "%s", eq + 1);
    mw__trim(key);
    mw__trim(value);

    /* @c prefix is the table pattern walked so far ("products[].targets[]."), @c at
     * the same path as written ("products[0].targets[1].") and @c base the struct
     * the pattern's rows are offsets into. */
    p = key;
    for (;;) {
        size_t n = seg_len(p), at_base = strlen(at);
        long index = -1;
        const char *rest, *new_name = NULL;
        int kind, has_sel = 0;

        if (n >= sizeof(seg)) {
            n = sizeof(seg) - 1;
        }
        memcpy(seg, p, n);
        seg[n] = '\0';
        p += seg_len(p);
        /* The selector in brackets: an index, or a name for a keyed list. */
        if (*p == '[') {
            const char *close = strchr(p + 1, ']');
            size_t k = close != NULL ? (size_t) (close - p - 1) : 0;
            if (close == NULL || k == 0 || k >= sizeof(sel) ||
                (close[1] != '.' && close[1] != '\0')) {
                code = MW_ERR_UNKNOWN_KEY;
                snprintf(msg, sizeof(msg), "expected a list index like %s[0]", seg);
                break;
            }
            memcpy(sel, p + 1, k);
            sel[k] = '\0';
            mw__trim(sel);
            has_sel = 1;
            p = close + 1;
        }
        rest = *p == '.' ? p + 1 : NULL;
        kind = mw__param_classify(prefix, seg, &row, &trait);
        if (kind == MW__K_UNKNOWN) {
            code = MW_ERR_UNKNOWN_KEY;
            mw__unknown_key_msg(prefix, seg, msg, sizeof(msg));
            break;
        }
        /* Structures that only the loader reads: an arm's keys and the covariates
         * with their distributions and effects. */
        if (kind == MW__K_LEAF &&
            (row->type == MW__P_OVERLAY || row->type == MW__P_COVARIATES)) {
            code = MW_ERR_CONFIG;
            snprintf(msg, sizeof(msg), "'%s' can only be given in the scenario file",
                     row->key);
            break;
        }
        if (kind == MW__K_LEAF && row->offset == S(trial.arm) &&
            strcmp(row->key, "trial.arm") == 0) {
            code = MW_ERR_CONFIG;
            snprintf(msg, sizeof(msg),
                     "trial.arm records which arm was loaded; choose the arm with marrow "
                     "run --arm NAME (mw_scenario_load_arm())");
            break;
        }
        if (has_sel && kind != MW__K_LIST) {
            code = MW_ERR_UNKNOWN_KEY;
            snprintf(msg, sizeof(msg), "'%s' is not a list", seg);
            break;
        }
        if (has_sel) {
            size_t digits = strspn(sel, "0123456789");
            if (sel[0] != '\0' && sel[digits] == '\0' && digits < 9) {
                index = strtol(sel, NULL, 10);
            } else if (row->type == MW__P_KEYED && sel[0] != '\0') {
                /* By name: the entry of that name, or a new one appended. */
                index = mw__keyed_find(row, base, sel);
                if (index < 0) {
                    index = *count_at(row, base);
                    new_name = sel;
                }
            } else {
                code = MW_ERR_UNKNOWN_KEY;
                snprintf(msg, sizeof(msg), "expected a list index like %s[0]", seg);
                break;
            }
        }
        if (kind == MW__K_GROUP || kind == MW__K_LIST) {
            size_t used = strlen(prefix);
            snprintf(at + at_base, sizeof(at) - at_base, "%s", seg);
            if (rest == NULL || (kind == MW__K_LIST && index < 0)) {
                code = MW_ERR_UNKNOWN_KEY;
                example_key(row, kind, prefix, at, at_base, msg, sizeof(msg));
                break;
            }
            if (kind == MW__K_LIST) {
                int count = *count_at(row, base);
                if (new_name != NULL && index >= (long) row->hi) {
                    code = MW_ERR_TOO_MANY;
                    snprintf(msg, sizeof(msg),
                             "no room for a new entry '%s': %.120s has %d entries, at "
                             "most %d",
                             new_name, at, count, (int) row->hi);
                    break;
                }
                if (index > count || index >= (long) row->hi) {
                    code = index >= (long) row->hi ? MW_ERR_TOO_MANY : MW_ERR_UNKNOWN_KEY;
                    snprintf(msg, sizeof(msg),
                             "index %ld is out of range: %.120s has %d entries (index %d "
                             "appends one; at most %d)",
                             index, at, count, count, (int) row->hi);
                    break;
                }
                if (++depth > SET_DEPTH) {
                    code = MW_ERR_UNKNOWN_KEY;
                    snprintf(msg, sizeof(msg), "lists nested too deeply");
                    break;
                }
                if (index == count) {
                    set_append_t *a = &app[n_app++];
                    mw__bug_assert(row->elem_size <= sizeof(a->elem));
                    a->list = row;
                    a->holder = base;
                    mw__list_elem_init(row, &a->elem, (int) index);
                    base = &a->elem;
                    if (new_name != NULL) {
                        code = mw__name_set(field_at(mw__keyed_name_row(row), base),
                                            new_name, msg, sizeof(msg));
                        if (code != 0) {
                            break;
                        }
                    }
                } else {
                    base = (char *) field_at(row, base) + (size_t) index * row->elem_size;
                }
                at_base = strlen(at);
                if (has_sel && row->type == MW__P_KEYED) {
                    char name[MW_NAME_MAX];
                    memcpy(name, (const char *) base + mw__keyed_name_row(row)->offset,
                           MW_NAME_MAX);
                    name[MW_NAME_MAX - 1] = '\0';
                    snprintf(at + at_base, sizeof(at) - at_base, "[%s]", name);
                } else {
                    snprintf(at + at_base, sizeof(at) - at_base, "[%ld]", index);
                }
            }
            at_base = strlen(at);
            snprintf(at + at_base, sizeof(at) - at_base, ".");
            snprintf(prefix + used, sizeof(prefix) - used, "%s%s", seg,
                     kind == MW__K_LIST ? "[]." : ".");
            p = rest;
            continue;
        }
        if (kind == MW__K_TRAIT) {
            if (rest != NULL) {
                code = MW_ERR_UNKNOWN_KEY;
                snprintf(msg, sizeof(msg), "trait '%s' has no sub-keys", seg);
                break;
            }
            code =
                mw__trait_set_text(field_at(row, base), trait, value, msg, sizeof(msg));
            set = (char *) field_at(row, base) + mw__trait_info(trait)->offset;
            break;
        }
        code = set_leaf(row, base, rest, value, msg, sizeof(msg), &set);
        break;
    }
    if (code == MW_ERR_BAD_VALUE && value[0] == '{') {
        snprintf(msg, sizeof(msg),
                 "--set takes a plain value; a distribution ({lognormal: ...}, ...) can "
                 "only be given in the scenario file");
    }
    if (code != 0) {
        mw__diag_add(diags, code, SET_FILE, 0, 0, key, "%s", msg);
        return mw__trace_error(MW_ERR_CONFIG);
    }
    /* A number replaces a distribution the file gave that key (a value in a new
     * list element lies outside the scenario and cannot have one). */
    if (set != NULL) {
        mw__var_drop_at(self, set, 1);
    }
    /* Innermost first: an inner element goes into its enclosing new element, which
     * is then copied into its own holder. */
    while (n_app > 0) {
        const set_append_t *a = &app[--n_app];
        int *count = count_at(a->list, a->holder);
        size_t mask = a->holder == (void *) self ? from_set_mask(a->list) : 0;
        memcpy((char *) field_at(a->list, a->holder) +
                   (size_t) *count * a->list->elem_size,
               &a->elem, a->list->elem_size);
        if (mask != 0) {
            *(uint32_t *) (void *) ((char *) self + mask) |= 1u << *count;
        }
        (*count)++;
    }
    return 0;
}

/* One error of mw__key_target(): @p fmt into @p msg, and MW_ERR_UNKNOWN_KEY. */
static int key_error(char *msg, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
key_error(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    return MW_ERR_UNKNOWN_KEY;
}

/* The element that selector @p sel ("0", or a name in a keyed list) picks in list
 * @p row of the scope struct @p base, or NULL with @p msg set; @p at is the list's
 * key as written. */
static const void *
key_elem(const mw__param_t *row, const void *base, const char *sel, const char *at,
         char *msg, size_t len)
{
    const int count = ccount_at(row, base);
    size_t digits = strspn(sel, "0123456789");
    long idx = -1;

    if (sel[0] != '\0' && sel[digits] == '\0' && digits < 9) {
        idx = strtol(sel, NULL, 10);
    } else if (row->type == MW__P_KEYED) {
        idx = mw__keyed_find(row, base, sel);
        if (idx < 0) {
            (void) key_error(msg, len, "%.120s has no entry named '%.60s'", at, sel);
            return NULL;
        }
    } else {
        (void) key_error(msg, len, "expected a list index like %.120s[0]", at);
        return NULL;
    }
    if (idx >= count || idx >= (long) row->hi) {
        (void) key_error(msg, len, "index %ld is out of range: %.120s has %d entr%s", idx,
                         at, count, count == 1 ? "y" : "ies");
        return NULL;
    }
    return (const char *) cfield_at(row, base) + (size_t) idx * row->elem_size;
}

int
mw__key_target(const mw_scenario_t *sc, const char *key, mw__var_target_t *t, char *msg,
               size_t len)
{
    const void *base = sc;
    const char *p = key, *field = NULL;
    char prefix[256] = "", at[256] = "", seg[96], sel[128], want[128];
    size_t off;

    memset(t, 0, sizeof(*t));
    t->key = key;
    while (field == NULL) {
        const mw__param_t *row = NULL;
        size_t n = seg_len(p), used = strlen(at);
        int kind, trait = -1, has_sel = 0;
        const char *rest;
        if (n == 0 || n >= sizeof(seg)) {
            return key_error(msg, len,
                             "'%.100s' is not a key such as tumour.clones[0].birth", key);
        }
        memcpy(seg, p, n);
        seg[n] = '\0';
        p += n;
        if (*p == '[') {
            const char *close = strchr(p + 1, ']');
            size_t k = close != NULL ? (size_t) (close - p - 1) : 0;
            if (close == NULL || k == 0 || k >= sizeof(sel) ||
                (close[1] != '.' && close[1] != '\0')) {
                return key_error(msg, len, "expected a list index like %s%s[0]", at, seg);
            }
            memcpy(sel, p + 1, k);
            sel[k] = '\0';
            mw__trim(sel);
            has_sel = 1;
            p = close + 1;
        }
        rest = *p == '.' ? p + 1 : NULL;
        snprintf(at + used, sizeof(at) - used, "%s", seg);
        kind = mw__param_classify(prefix, seg, &row, &trait);
        if (kind == MW__K_UNKNOWN) {
            mw__unknown_key_msg(prefix, seg, msg, len);
            return MW_ERR_UNKNOWN_KEY;
        }
        if (has_sel && kind != MW__K_LIST) {
            return key_error(msg, len, "'%.120s' is not a list", at);
        }
        if ((kind == MW__K_GROUP || kind == MW__K_LIST) && rest == NULL) {
            return key_error(msg, len,
                             "'%.120s' is a %s; give the full key of a number below it",
                             at, kind == MW__K_GROUP ? "section" : "list");
        }
        if (kind == MW__K_LIST && !has_sel) {
            return key_error(
                msg, len, "'%.120s' is a list; give an element, e.g. %.120s[0]", at, at);
        }
        if (kind == MW__K_GROUP || kind == MW__K_LIST) {
            size_t pl = strlen(prefix);
            if (kind == MW__K_LIST) {
                base = key_elem(row, base, sel, at, msg, len);
                if (base == NULL) {
                    return MW_ERR_UNKNOWN_KEY;
                }
                used = strlen(at);
                snprintf(at + used, sizeof(at) - used, "[%s]", sel);
            }
            used = strlen(at);
            snprintf(at + used, sizeof(at) - used, ".");
            snprintf(prefix + pl, sizeof(prefix) - pl, "%s%s", seg,
                     kind == MW__K_LIST ? "[]." : ".");
            p = rest;
            continue;
        }
        if (kind == MW__K_TRAIT) {
            const mw_trait_info_t *ti = mw__trait_info(trait);
            if (rest != NULL) {
                return key_error(msg, len, "trait '%s' has no sub-keys", seg);
            }
            field = (const char *) cfield_at(row, base) + ti->offset;
            t->is_int = ti->is_flag;
            t->lo = ti->lo;
            t->hi = ti->hi;
        } else if (row->type == MW__P_ANTIGENS) {
            const char *dot = rest != NULL ? strchr(rest, '.') : NULL;
            char name[64];
            size_t foff;
            int a;
            if (dot == NULL || (size_t) (dot - rest) >= sizeof(name)) {
                return key_error(msg, len,
                                 "give one field: %.120s.<ANTIGEN>.<density, spread, "
                                 "copies or epitope>, e.g. %.120s.BCMA.copies",
                                 at, at);
            }
            memcpy(name, rest, (size_t) (dot - rest));
            name[dot - rest] = '\0';
            a = mw__antigen_lookup(name, msg, len);
            if (a < 0 ||
                mw__antigen_field(dot + 1, &foff, &t->is_int, &t->hi, msg, len) != 0) {
                return MW_ERR_UNKNOWN_KEY;
            }
            field = (const char *) cfield_at(row, base) +
                    (size_t) a * sizeof(mw_antigen_t) + foff;
        } else if (rest != NULL) {
            mw__param_describe(row, 0, want, sizeof(want));
            return key_error(msg, len, "'%.120s' takes %s and has no sub-keys", at, want);
        } else if (cohort_setting(row) != 0) {
            return key_error(
                msg, len, "'%.120s' is a setting of the %s, the same for every patient",
                at, cohort_setting(row) == 1 ? "run" : "trial");
        } else if (row->type == MW__P_DOUBLE || row->type == MW__P_INT ||
                   row->type == MW__P_BOOL) {
            field = cfield_at(row, base);
            t->is_int = row->type != MW__P_DOUBLE;
            t->open = open_of(row);
            t->lo = row->type == MW__P_BOOL ? 0 : row->lo;
            t->hi = row->type == MW__P_BOOL ? 1 : row->hi;
        } else {
            mw__param_describe(row, 0, want, sizeof(want));
            return key_error(msg, len,
                             "'%.120s' takes %s; a covariate changes numbers only", at,
                             want);
        }
    }
    off = (size_t) (field - (const char *) sc);
    /* Rows past the variability table describe the trial, not a patient (the
     * cohort settings above already refuse them; this keeps drawing safe). */
    if (off >= S(n_variables)) {
        return key_error(msg, len, "'%.100s' is not a value of one patient", key);
    }
    t->offset = off;
    return 0;
}

int
mw__from_set(const mw_scenario_t *self, const mw__param_t *list, int k)
{
    size_t mask = from_set_mask(list);
    const uint32_t *bits = (const uint32_t *) (const void *) ((const char *) self + mask);

    if (mask == 0 || k < 0 || k >= 32) {
        return 0;
    }
    return (int) (*bits >> k & 1u);
}

/* ------------------------------------------------------------------------------
 * Validation
 * ---------------------------------------------------------------------------- */

typedef struct {
    mw_diags_t *diags;
    int n;
} vctx_t;

static void vdiag(vctx_t *v, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void vdiag_set(vctx_t *v, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
vdiag(vctx_t *v, const char *key, const char *fmt, ...)
{
    char msg[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    mw__diag_add(v->diags, MW_ERR_CONFIG, "", 0, 0, key, "%s", msg);
    v->n++;
}

/* Same, for a problem that only a --set assignment can have made. */
static void
vdiag_set(vctx_t *v, const char *key, const char *fmt, ...)
{
    char msg[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    mw__diag_add(v->diags, MW_ERR_CONFIG, SET_FILE, 0, 0, key, "%s", msg);
    v->n++;
}

static void
check_number(vctx_t *v, const char *key, double x, int open, double lo, double hi,
             int is_int)
{
    char r[80];

    if (out_of_range(x, open, lo, hi) || (is_int && isfinite(x) && x != floor(x))) {
        fmt_range(r, sizeof(r), open, lo, hi, is_int);
        vdiag(v, key, "%g is outside %s", x, r);
    }
}

static int
edit_valid(const mw_edit_t *e)
{
    if (!isfinite(e->value)) {
        return 0;
    }
    if (e->trait >= 0) {
        return e->trait < mw_n_traits() && e->op >= MW_EDIT_SET && e->op <= MW_EDIT_MUL;
    }
    if (e->trait != MW_TRAIT_ANTIGEN || e->antigen < 0 || e->antigen >= MW_N_ANTIGENS) {
        return 0;
    }
    if (e->field == 0) {
        return e->op >= MW_EDIT_LOST && e->op <= MW_EDIT_EXPRESSED;
    }
    return (e->field == 1 || e->field == 2) && e->op >= MW_EDIT_SET &&
           e->op <= MW_EDIT_MUL;
}

static void
check_traits(vctx_t *v, const char *path, const mw_traits_t *t)
{
    char key[192];

    for (int i = 0; i < mw_n_traits(); i++) {
        const mw_trait_info_t *ti = mw__trait_info(i);
        snprintf(key, sizeof(key), "%s%s", path, ti->name);
        check_number(v, key, mw__trait_get(t, i), 0, ti->lo, ti->hi, ti->is_flag);
    }
    for (int a = 0; a < MW_N_ANTIGENS; a++) {
        const mw_antigen_t *g = &t->antigen[a];
        snprintf(key, sizeof(key), "%.150santigens.%s.density", path, mw_antigen_name(a));
        check_number(v, key, g->density, 0, 0, MW_DENSITY_MAX, 0);
        snprintf(key, sizeof(key), "%.150santigens.%s.spread", path, mw_antigen_name(a));
        check_number(v, key, g->spread, 0, 0, MW_SPREAD_MAX, 0);
        snprintf(key, sizeof(key), "%.150santigens.%s.copies", path, mw_antigen_name(a));
        check_number(v, key, g->copies, 0, 0, 2, 1);
        snprintf(key, sizeof(key), "%.150santigens.%s.epitope", path, mw_antigen_name(a));
        check_number(v, key, g->epitope, 0, 0, MW_EPITOPE_MAX, 1);
    }
}

/* Every row directly in the scope of @p prefix, for structs not made by the loader;
 * @p path is the concrete key prefix ("tumour.clones[2]."). */
static void
check_scope(vctx_t *v, const char *prefix, const void *base, const char *path)
{
    size_t plen = strlen(prefix);
    char key[192];

    for (int i = 0; i < N_PARAMS; i++) {
        const mw__param_t *p = &params[i];
        const void *f = cfield_at(p, base);
        if (!in_scope(p, prefix, plen) || p->type == MW__P_ANTIGENS) {
            continue;
        }
        snprintf(key, sizeof(key), "%s%s", path, p->key + plen);
        switch (p->type) {
            case MW__P_DOUBLE:
                check_number(v, key, get_double(f), open_of(p), p->lo, p->hi, 0);
                break;
            case MW__P_INT:
                check_number(v, key, get_int(f), 0, p->lo, p->hi, 1);
                break;
            case MW__P_BOOL:
                check_number(v, key, get_int(f), 0, 0, 1, 1);
                break;
            case MW__P_ENUM: {
                int x = get_int(f), n = 0;
                while (p->names[n] != NULL) {
                    n++;
                }
                if (x < 0 || x >= n) {
                    vdiag(v, key, "%d is not a valid choice", x);
                }
                break;
            }
            case MW__P_STRING:
                if (memchr(f, '\0', MW_NAME_MAX) == NULL ||
                    ((const char *) f)[0] == '\0') {
                    vdiag(v, key, "expected a name of 1 to %d characters",
                          MW_NAME_MAX - 1);
                }
                break;
            case MW__P_TEXT:
                if (memchr(f, '\0', p->aux) == NULL) {
                    vdiag(v, key, "expected a text of at most %d characters",
                          (int) p->aux - 1);
                }
                break;
            case MW__P_DAYS:
                if (get_u64(f) == 0) {
                    vdiag(v, key, "no day given: expected %s", DAYS_WANT);
                }
                break;
            case MW__P_CYCLES: {
                int first = get_int(f), last = get_int((const char *) base + p->aux);
                if (first < 1 || first > MAX_CYCLES || last < 0 || last > MAX_CYCLES) {
                    vdiag(v, key, "cycles %d-%d outside 1..%d (last 0 = open end)", first,
                          last, MAX_CYCLES);
                } else if (last > 0 && first > last) {
                    vdiag(v, key, "range %d-%d runs backwards", first, last);
                }
                break;
            }
            case MW__P_TRAITS:
                snprintf(key, sizeof(key), "%s", path);
                check_traits(v, key, f);
                break;
            case MW__P_EDITS: {
                int n = ccount_at(p, base);
                const mw_edit_t *e = f;
                if (n < 0 || n > MW_MAX_EDITS) {
                    vdiag(v, key, "%d edits; expected 0 to %d", n, MW_MAX_EDITS);
                    break;
                }
                for (int k = 0; k < n; k++) {
                    if (!edit_valid(&e[k])) {
                        vdiag(v, key, "edit %d is not a valid change", k);
                    }
                }
                break;
            }
            case MW__P_LIST:
            case MW__P_KEYED: {
                int n = ccount_at(p, base);
                char pre[128], elem[256];
                if (n < 0 || n > (int) p->hi) {
                    vdiag(v, key, "%d entries; expected 0 to %d", n, (int) p->hi);
                    break;
                }
                snprintf(pre, sizeof(pre), "%s[].", p->key);
                for (int k = 0; k < n; k++) {
                    elem_path(elem, sizeof(elem) - 1, key, p, base, k);
                    strcat(elem, ".");
                    check_scope(v, pre, (const char *) f + (size_t) k * p->elem_size,
                                elem);
                }
                break;
            }
            default:
                break;
        }
    }
}

/* CRS or ICANS thresholds @p t (grade 1..5) must rise strictly. */
static void
check_grades(vctx_t *v, const char *key, const double *t)
{
    for (int g = 1; g < 5; g++) {
        if (!(t[g] > t[g - 1])) {
            vdiag(v, key,
                  "thresholds must rise strictly from grade1 to grade5; grade%d = %g is "
                  "not above grade%d = %g",
                  g + 1, t[g], g, t[g - 1]);
        }
    }
}

/* Index of the entry named @p name among @p n structs of @p stride bytes whose
 * name (char[MW_NAME_MAX]) starts at @p names, or -1. */
static int
name_index(const char *names, size_t stride, int n, const char *name)
{
    for (int k = 0; k < n; k++) {
        const char *c = names + (size_t) k * stride;
        if (strncmp(c, name, MW_NAME_MAX) == 0) {
            return k;
        }
    }
    return -1;
}

/* Check that @p name (at @p key) names one of the @p n @p what entries laid out as
 * for name_index(); "unknown drug 'x'; did you mean 'y'?" otherwise. */
static void
check_ref(vctx_t *v, const char *key, const char *name, const char *what,
          const char *list, const char *names, size_t stride, int n)
{
    char word[MW_NAME_MAX], msg[320];
    sugg_t s;

    if (name_index(names, stride, n, name) >= 0) {
        return;
    }
    snprintf(word, sizeof(word), "%.*s", MW_NAME_MAX - 1, name);
    if (n == 0) {
        vdiag(v, key, "unknown %s '%s': the scenario has no %s", what, word, list);
        return;
    }
    sugg_init(&s, word);
    for (int k = 0; k < n; k++) {
        const char *c = names + (size_t) k * stride;
        const char *z = memchr(c, '\0', MW_NAME_MAX);
        sugg_add(&s, c, z != NULL ? (size_t) (z - c) : MW_NAME_MAX - 1);
    }
    if (word[0] == '\0') {
        vdiag(v, key, "no %s given; expected one of %s", what, s.list);
        return;
    }
    sugg_msg(&s, what, msg, sizeof(msg));
    vdiag(v, key, "%s", msg);
}

/* Two entries of a keyed list with one name (possible only through --set or a
 * struct filled by hand). */
static void
check_unique(vctx_t *v, const char *list, const char *names, size_t stride, int n)
{
    char key[96];

    for (int k = 1; k < n; k++) {
        int j = name_index(names, stride, k, names + (size_t) k * stride);
        if (j >= 0) {
            snprintf(key, sizeof(key), "%s[%d].name", list, k);
            vdiag(v, key, "'%.*s' is also the name of %s[%d]; names must differ",
                  MW_NAME_MAX - 1, names + (size_t) k * stride, list, j);
        }
    }
}

/* 1 when some regimen gives drug @p name. */
static int
drug_used(const mw_scenario_t *self, const char *name)
{
    for (int i = 0; i < self->therapy.n_regimens; i++) {
        const mw_regimen_t *r = &self->therapy.regimens[i];
        for (int k = 0; k < r->n_doses; k++) {
            if (strncmp(r->doses[k].drug, name, MW_NAME_MAX) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

/* 1 when some line gives regimen @p name: in a phase, or as a CAR-T line's bridging
 * or lymphodepletion (set without cart.product they give nothing). */
static int
regimen_used(const mw_scenario_t *self, const char *name)
{
    for (int i = 0; i < self->therapy.n_lines; i++) {
        const mw_line_t *ln = &self->therapy.lines[i];
        for (int k = 0; k < ln->n_phases; k++) {
            if (strncmp(ln->phases[k].regimen, name, MW_NAME_MAX) == 0) {
                return 1;
            }
        }
        if (ln->cart_product[0] != '\0' &&
            (strncmp(ln->bridging, name, MW_NAME_MAX) == 0 ||
             strncmp(ln->lymphodepletion, name, MW_NAME_MAX) == 0)) {
            return 1;
        }
    }
    return 0;
}

/* An entry that --set added and that nothing uses: `--set drugs[bortezomb].pd.emax=0.4`
 * names no drug, so it appends one that changes nothing, and the run would go ahead
 * with the edit silently lost.  A new entry is only legitimate with a user, which a
 * later --set may give, hence a check here rather than in mw_scenario_set().  Entries
 * from a file are not checked: the file spelt the name out where it defines it. */
static void
check_from_set(vctx_t *v, const char *list, const char *what, const char *user,
               const char *names, size_t stride, int n, uint32_t from_set,
               const mw_scenario_t *self,
               int (*used)(const mw_scenario_t *, const char *))
{
    char key[96], word[MW_NAME_MAX], hint[128];
    sugg_t s;

    for (int i = 0; i < n && i < 32; i++) {
        const char *name = names + (size_t) i * stride;
        if (!(from_set >> i & 1u) || used(self, name)) {
            continue;
        }
        snprintf(word, sizeof(word), "%.*s", MW_NAME_MAX - 1, name);
        hint[0] = '\0';
        sugg_init(&s, word);
        for (int k = 0; k < n; k++) {
            const char *c = names + (size_t) k * stride;
            const char *z = memchr(c, '\0', MW_NAME_MAX);
            if (k != i) {
                sugg_add(&s, c, z != NULL ? (size_t) (z - c) : MW_NAME_MAX - 1);
            }
        }
        if (s.best_d <= 3) {
            snprintf(hint, sizeof(hint), "; did you mean '%s'?", s.best);
        }
        named_path(key, sizeof(key), list, name, i);
        vdiag_set(v, key,
                  "'%s' is not a %s in the library or the scenario, and no %s uses it%s "
                  "(a new %s needs a %s that gives it)",
                  word, what, user, hint, what, user);
    }
}

/* Drugs, regimens and the plan: names that must resolve, radiation in Gy, dose days
 * within the cycle, and lines that give something. */
static void
check_therapy(vctx_t *v, const mw_scenario_t *self)
{
    const int nd = self->therapy.n_drugs, nr = self->therapy.n_regimens;
    const mw_drug_t *drugs = self->therapy.drugs;
    const mw_regimen_t *regs = self->therapy.regimens;
    const char *rnames = regs[0].name;
    char key[192], at[160];

    check_unique(v, "drugs", drugs[0].name, sizeof(mw_drug_t), nd);
    check_unique(v, "regimens", rnames, sizeof(mw_regimen_t), nr);
    for (int i = 0; i < nd; i++) {
        const mw_drug_t *dr = &drugs[i];
        int radiation = dr->route == MW_ROUTE_RADIATION, gy = dr->dose_unit == MW_DOSE_GY;
        named_path(at, sizeof(at), "drugs", dr->name, i);
        snprintf(key, sizeof(key), "%s.dose_unit", at);
        if (radiation && !gy) {
            vdiag(v, key, "route radiation is dosed in Gy: set dose_unit: Gy (got %s)",
                  dose_unit_names[dr->dose_unit]);
        } else if (gy && !radiation) {
            vdiag(v, key, "dose_unit Gy is only for route radiation (route is %s)",
                  route_names[dr->route]);
        }
    }
    for (int i = 0; i < nr; i++) {
        const mw_regimen_t *r = &regs[i];
        named_path(at, sizeof(at), "regimens", r->name, i);
        for (int k = 0; k < r->n_doses; k++) {
            const mw_regimen_dose_t *x = &r->doses[k];
            int last = 0;
            snprintf(key, sizeof(key), "%s.doses[%d].drug", at, k);
            check_ref(v, key, x->drug, "drug", "drugs", drugs[0].name, sizeof(mw_drug_t),
                      nd);
            for (int d = MW_MAX_CYCLE_DAYS; d >= 1 && last == 0; d--) {
                last = (x->days >> (d - 1) & 1) ? d : 0;
            }
            if (last > r->cycle_days) {
                snprintf(key, sizeof(key), "%s.doses[%d].days", at, k);
                vdiag(v, key,
                      "day %d is past the end of the %d-day cycle (%s.cycle_days)", last,
                      r->cycle_days, at);
            }
        }
    }
    for (int k = 0; k < self->monitoring.n_policies; k++) {
        const mw_policy_t *p = &self->monitoring.policies[k];
        int q, idx;
        snprintf(at, sizeof(at), "policies[%d]", k);
        snprintf(key, sizeof(key), "%s.when.quantity", at);
        if (mw__quantity_parse(self, p->quantity, &q, &idx) != 0) {
            vdiag(v, key,
                  "'%s' is not an observed quantity; expected a name of observations.csv "
                  "(mprotein_g_dl, mrd_positive, antigen_negative_fraction:<antigen>, "
                  "vaf:<catalogue entry or c<founder>>, ctdna_detected, crs_grade, ...)",
                  p->quantity);
        }
        if (!isfinite(p->above) && !isfinite(p->below)) {
            snprintf(key, sizeof(key), "%s.when", at);
            vdiag(v, key, "give a threshold: above or below");
        }
        snprintf(key, sizeof(key), "%s.do", at);
        if (p->action == MW_ACT_START_LINE &&
            (p->target_line < 1 || p->target_line > self->therapy.n_lines)) {
            vdiag(v, key, "start_line needs line: 1..%d (the plan's lines), got %d",
                  self->therapy.n_lines, p->target_line);
        }
        if (p->action == MW_ACT_ADD_REGIMEN) {
            check_ref(v, key, p->regimen, "regimen", "regimens", rnames, sizeof(mw_regimen_t),
                      nr);
        }
        if (p->action == MW_ACT_SAFETY_SWITCH) {
            int j = name_index(self->immune.products[0].name, sizeof(mw_product_t),
                               self->immune.n_products, p->product);
            if (j < 0 || self->immune.products[j].safety_switch == MW_SWITCH_NONE) {
                vdiag(v, key, "safety_switch needs product: a products[] name with a "
                              "safety switch, got '%s'", p->product);
            }
        }
    }
    if (self->therapy.n_lines > 1) {
        static const int shows_pd[] = {MW_ASSAY_SPEP, MW_ASSAY_FLC, MW_ASSAY_MARROW,
                                       MW_ASSAY_IMAGING};
        int any = 0;
        for (size_t k = 0; k < sizeof(shows_pd) / sizeof(shows_pd[0]); k++) {
            const mw_schedule_t *w = &self->monitoring.schedule[shows_pd[k]];
            any |= w->every_days > 0 || w->at_line_start;
        }
        if (!any) {
            vdiag(v, "plan.lines",
                  "%d lines follow one another at confirmed progression, but no assay "
                  "that can show progression is scheduled (monitoring.spep, flc, marrow "
                  "or imaging every_days > 0)",
                  self->therapy.n_lines);
        }
    }
    for (int i = 0; i < self->therapy.n_lines; i++) {
        const mw_line_t *ln = &self->therapy.lines[i];
        snprintf(at, sizeof(at), "plan.lines[%d]", i);
        if (ln->n_phases == 0 && ln->cart_product[0] == '\0') {
            vdiag(v, at, "a line needs phases or a cart product");
        }
        for (int k = 0; k < ln->n_phases; k++) {
            snprintf(key, sizeof(key), "%s.phases[%d].regimen", at, k);
            check_ref(v, key, ln->phases[k].regimen, "regimen", "regimens", rnames,
                      sizeof(mw_regimen_t), nr);
        }
        if (ln->cart_product[0] != '\0') {
            snprintf(key, sizeof(key), "%s.cart.product", at);
            check_ref(v, key, ln->cart_product, "product", "products",
                      self->immune.products[0].name, sizeof(mw_product_t),
                      self->immune.n_products);
            for (int e = 0; e < i; e++) {
                if (strcmp(self->therapy.lines[e].cart_product, ln->cart_product) == 0) {
                    vdiag(v, key,
                          "product '%s' is already infused by plan.lines[%d]; a product "
                          "is infused once (give a re-treatment its own product)",
                          ln->cart_product, e);
                    break;
                }
            }
            if (ln->lymphodepletion[0] != '\0') {
                snprintf(key, sizeof(key), "%s.cart.lymphodepletion", at);
                check_ref(v, key, ln->lymphodepletion, "regimen", "regimens", rnames,
                          sizeof(mw_regimen_t), nr);
                int r = name_index(rnames, sizeof(mw_regimen_t), nr, ln->lymphodepletion);
                if (r >= 0 && regs[r].cycles == 0) {
                    vdiag(v, key,
                          "regimen '%s' runs until progression (cycles: 0); "
                          "lymphodepletion needs a fixed number of cycles",
                          ln->lymphodepletion);
                }
            }
        }
        if (ln->bridging[0] != '\0') {
            snprintf(key, sizeof(key), "%s.cart.bridging", at);
            if (ln->cart_product[0] == '\0') {
                vdiag(v, key, "bridging is for a CAR-T line: give cart.product too");
            } else {
                check_ref(v, key, ln->bridging, "regimen", "regimens", rnames,
                          sizeof(mw_regimen_t), nr);
            }
        }
    }
    check_from_set(v, "drugs", "drug", "regimen", drugs[0].name, sizeof(mw_drug_t), nd,
                   self->therapy.drugs_from_set, self, drug_used);
    check_from_set(v, "regimens", "regimen", "plan line", rnames, sizeof(mw_regimen_t),
                   nr, self->therapy.regimens_from_set, self, regimen_used);
}

/* 1 when @p name may name a covariate: it becomes a CSV column and a JSON key. */
static int
cov_name_ok(const char *name)
{
    const char *z = memchr(name, '\0', MW_NAME_MAX);
    size_t n = z != NULL ? (size_t) (z - name) : MW_NAME_MAX;

    return n > 0 && n < MW_NAME_MAX &&
           strspn(name,
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* The trial and the covariates: a cut-off after enrolment, arm names that differ,
 * and covariate tables a program filled by hand that drawing could not use. */
static void
check_trial(vctx_t *v, const mw_scenario_t *self)
{
    const int nc = self->n_covariates;
    char key[96];

    if (self->trial.data_cutoff_day < self->trial.enrolment_days) {
        vdiag(
            v, "trial.data_cutoff_day",
            "the data cut-off (day %g) falls before enrolment ends (trial.enrolment_days "
            "= %g); give a cut-off >= enrolment_days",
            self->trial.data_cutoff_day, self->trial.enrolment_days);
    }
    check_unique(v, "trial.arms", self->trial.arms[0].name, sizeof(mw_arm_t),
                 self->trial.n_arms);
    if (self->trial.arm >= self->trial.n_arms) {
        vdiag(v, "trial.arm", "arm %d does not exist: the trial has %d arm%s",
              self->trial.arm, self->trial.n_arms, self->trial.n_arms == 1 ? "" : "s");
    }
    if (nc < 0 || nc > MW_MAX_COVARIATES) {
        vdiag(v, "covariates", "%d covariates; expected 0 to %d", nc, MW_MAX_COVARIATES);
        return;
    }
    for (int i = 0; i < nc; i++) {
        const mw_covariate_t *c = &self->covariates[i];
        snprintf(key, sizeof(key), "covariates[%d]", i);
        if (!cov_name_ok(c->name)) {
            vdiag(v, key, "a covariate's name is 1 to %d letters, digits or '_'",
                  MW_NAME_MAX - 1);
        } else if (name_index(self->covariates[0].name, sizeof(mw_covariate_t), i,
                              c->name) >= 0) {
            vdiag(v, key, "covariate '%s' is given twice; names must differ", c->name);
        }
        if (c->binary ? out_of_range(c->prevalence, 0, 0, 1)
                      : c->dist.dist < 0 || c->dist.dist >= MW_N_DISTS) {
            vdiag(v, key, "%s",
                  c->binary ? "prevalence must lie in [0, 1]"
                            : "not a valid distribution");
        }
        if (c->n_effects < 0 || c->n_effects > MW_COV_MAX_EFFECTS) {
            vdiag(v, key, "%d effects; expected 0 to %d", c->n_effects,
                  MW_COV_MAX_EFFECTS);
            continue;
        }
        for (int k = 0; k < c->n_effects; k++) {
            const mw_cov_effect_t *e = &c->effects[k];
            size_t size = e->is_int ? sizeof(int) : sizeof(double);
            if ((size_t) e->offset + size > S(n_variables) || e->kind < MW_EFFECT_SET ||
                e->kind > MW_EFFECT_ASSIGN) {
                vdiag(v, key, "effect %d ('%.100s') is not a valid change", k, e->key);
            }
        }
    }
}

int
mw_scenario_validate(const mw_scenario_t *self, mw_diags_t *diags)
{
    vctx_t v = {diags, 0};
    const int nc = self->tumour.n_clones;
    double bm = 0, em = 0, influx = 0;

    check_scope(&v, "", self, "");
    if (v.n > 0) {
        return mw__trace_error(MW_ERR_CONFIG);
    }
    if (nc < 1) {
        vdiag(&v, "tumour.clones", "at least one clone is required");
    }
    if (self->tumour.founding == MW_FOUND_GROW && self->tumour.grow_to_cells < 2) {
        vdiag(&v, "tumour.grow_to_cells",
              "founding = grow starts clones[0] from one cell and needs "
              "grow_to_cells >= 2, got %g",
              self->tumour.grow_to_cells);
    }
    for (int i = 0; i < nc; i++) {
        const mw_clone_spec_t *c = &self->tumour.clones[i];
        char key[64];
        bm += c->cells;
        em += c->em_cells;
        influx += c->influx;
        if (!isfinite(c->traits.birth) || !isfinite(c->traits.death)) {
            snprintf(key, sizeof(key), "tumour.clones[%d]", i);
            vdiag(&v, key, "birth and death must be finite");
        }
    }
    if (nc >= 1 && self->tumour.founding == MW_FOUND_EXPLICIT && bm + em + influx <= 0) {
        vdiag(&v, "tumour.clones",
              "the tumour is empty: give some clone cells, em_cells or influx");
    }
    if (bm > 10 * self->tumour.capacity) {
        vdiag(&v, "tumour.clones",
              "total marrow cells %g exceeds 10x capacity (tumour.capacity = %g)", bm,
              self->tumour.capacity);
    }
    if (em > 10 * self->tumour.em_capacity) {
        vdiag(&v, "tumour.clones",
              "total extramedullary cells %g exceeds 10x em_capacity "
              "(tumour.em_capacity = %g)",
              em, self->tumour.em_capacity);
    }
    if (self->mutation.rate > 0 && self->mutation.n_entries == 0) {
        vdiag(&v, "mutation.catalogue", "rate > 0 needs at least one entry");
    }
    for (int i = 0; i < self->immune.n_products; i++) {
        const mw_product_t *pr = &self->immune.products[i];
        char key[64];
        snprintf(key, sizeof(key), "products[%d].targets", i);
        if (pr->n_targets < 1) {
            vdiag(&v, key, "a product needs at least one target (antigen it binds)");
        } else if (pr->logic == MW_LOGIC_SINGLE && pr->n_targets != 1) {
            vdiag(&v, key,
                  "logic single takes one target; use or / and for several (%d given)",
                  pr->n_targets);
        } else if (pr->logic != MW_LOGIC_SINGLE && pr->n_targets < 2) {
            vdiag(&v, key, "logic %s needs at least two targets; use single for one",
                  pr->logic == MW_LOGIC_OR ? "or" : "and");
        }
    }
    check_grades(&v, "toxicity.crs", self->toxicity.crs);
    check_grades(&v, "toxicity.icans", self->toxicity.icans);
    check_therapy(&v, self);
    check_trial(&v, self);
    return v.n > 0 ? mw__trace_error(MW_ERR_CONFIG) : 0;
}

/* ------------------------------------------------------------------------------
 * JSON echo and hash.  One writer feeds either a FILE or the FNV-1a hash, so the
 * hash is exactly that of the JSON text, with no buffer to allocate.
 * ---------------------------------------------------------------------------- */

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME  1099511628211ULL

typedef struct {
    FILE *out; /* NULL: hash only */
    uint64_t hash;
    int indent;              /* spaces per level; 0 = compact */
    const mw_scenario_t *sc; /* whose distributions replace numbers */
} jw_t;

static void
jw_put(jw_t *w, const char *s, size_t n)
{
    if (w->out != NULL) {
        fwrite(s, 1, n, w->out);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        w->hash ^= (unsigned char) s[i];
        w->hash *= FNV_PRIME;
    }
}

static void
jw_puts(jw_t *w, const char *s)
{
    jw_put(w, s, strlen(s));
}

static void
jw_string(jw_t *w, const char *s)
{
    char esc[8];

    jw_put(w, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char) c;
            jw_put(w, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            jw_puts(w, esc);
        } else {
            jw_put(w, s, 1);
        }
    }
    jw_put(w, "\"", 1);
}

static void
jw_double(jw_t *w, double v)
{
    char buf[40];

    if (isinf(v)) {
        jw_puts(w, v > 0 ? "\".inf\"" : "\"-.inf\"");
    } else if (isnan(v)) {
        jw_puts(w, "\".nan\"");
    } else {
        fmt_double(buf, sizeof(buf), v);
        jw_puts(w, buf);
    }
}

static void
jw_int(jw_t *w, int v)
{
    char buf[16];

    snprintf(buf, sizeof(buf), "%d", v);
    jw_puts(w, buf);
}

static void
jw_newline(jw_t *w, int depth)
{
    if (w->indent > 0) {
        jw_put(w, "\n", 1);
        for (int i = 0; i < depth * w->indent; i++) {
            jw_put(w, " ", 1);
        }
    }
}

/* Separator and key of the next member of an object at @p depth. */
static void
jw_key(jw_t *w, int *first, int depth, const char *key, size_t n)
{
    if (!*first) {
        jw_put(w, ",", 1);
    }
    *first = 0;
    jw_newline(w, depth);
    jw_put(w, "\"", 1);
    jw_put(w, key, n);
    jw_puts(w, w->indent > 0 ? "\": " : "\":");
}

static void
jw_close(jw_t *w, int first, int depth, const char *bracket)
{
    if (!first) {
        jw_newline(w, depth);
    }
    jw_puts(w, bracket);
}

static void json_scope(jw_t *w, const char *prefix, const void *base, int depth);

/* "name": x within a one-line object. */
static void
jw_member(jw_t *w, int *first, const char *name, double x)
{
    if (!*first) {
        jw_puts(w, w->indent > 0 ? ", " : ",");
    }
    *first = 0;
    jw_string(w, name);
    jw_puts(w, w->indent > 0 ? ": " : ":");
    jw_double(w, x);
}

static void
jw_numbers(jw_t *w, int *first, const char *name, const double *x, int n)
{
    if (!*first) {
        jw_puts(w, w->indent > 0 ? ", " : ",");
    }
    *first = 0;
    jw_string(w, name);
    jw_puts(w, w->indent > 0 ? ": [" : ":[");
    for (int i = 0; i < n; i++) {
        if (i > 0) {
            jw_puts(w, w->indent > 0 ? ", " : ",");
        }
        jw_double(w, x[i]);
    }
    jw_puts(w, "]");
}

/* A number of the scenario at @p field, or its distribution when it varies between
 * patients: {"lognormal": {"median": 0.1, "sd_log": 0.3}} on one line, in the form
 * the loader reads back. */
static void
jw_dist(jw_t *w, const mw_variable_t *v)
{
    int first = 1;

    jw_puts(w, "{");
    jw_string(w, mw__dist_name(v->dist));
    jw_puts(w, w->indent > 0 ? ": {" : ":{");
    switch (v->dist) {
        case MW_DIST_LOGNORMAL:
            jw_member(w, &first, "median", v->center);
            jw_member(w, &first, "sd_log", v->spread);
            break;
        case MW_DIST_NORMAL:
            jw_member(w, &first, "mean", v->center);
            jw_member(w, &first, "sd", v->spread);
            if (isfinite(v->min)) {
                jw_member(w, &first, "min", v->min);
            }
            if (isfinite(v->max)) {
                jw_member(w, &first, "max", v->max);
            }
            break;
        case MW_DIST_UNIFORM:
            jw_member(w, &first, "min", v->min);
            jw_member(w, &first, "max", v->max);
            break;
        default:
            jw_numbers(w, &first, "values", v->values, v->n_values);
            jw_numbers(w, &first, "weights", v->weights, v->n_values);
            break;
    }
    jw_puts(w, "}}");
}

static void
jw_value(jw_t *w, const void *field, int is_int)
{
    const char *f = field, *root = (const char *) w->sc;
    const mw_variable_t *v = NULL;

    if (w->sc->n_variables > 0 && f >= root && f < root + sizeof(*w->sc)) {
        v = mw__var_at(w->sc, (size_t) (f - root));
    }
    if (v != NULL) {
        jw_dist(w, v);
    } else if (is_int) {
        jw_int(w, get_int(field));
    } else {
        jw_double(w, get_double(field));
    }
}

/* Name of effect kind @p kind as the loader reads it. */
static const char *
effect_name(int kind)
{
    static const char *const names[] = {"set", "multiply", "power", "assign"};

    return kind >= MW_EFFECT_SET && kind <= MW_EFFECT_ASSIGN ? names[kind] : "?";
}

/* The covariates as the loader reads them back: effects grouped by kind in the
 * order they are stored (set, assign, multiply, power), which is the order the
 * loader stores them in. */
static void
json_covariates(jw_t *w, const mw_covariate_t *cov, int n, int depth)
{
    static const int kinds[] = {MW_EFFECT_SET, MW_EFFECT_ASSIGN, MW_EFFECT_MULTIPLY,
                                MW_EFFECT_POWER};
    int first = 1;

    jw_put(w, "[", 1);
    for (int i = 0; i < n; i++) {
        const mw_covariate_t *c = &cov[i];
        char name[MW_NAME_MAX];
        int cfirst = 1;
        if (!first) {
            jw_put(w, ",", 1);
        }
        first = 0;
        jw_newline(w, depth + 1);
        jw_put(w, "{", 1);
        memcpy(name, c->name, MW_NAME_MAX);
        name[MW_NAME_MAX - 1] = '\0';
        jw_key(w, &cfirst, depth + 2, "name", 4);
        jw_string(w, name);
        if (c->binary) {
            jw_key(w, &cfirst, depth + 2, "prevalence", 10);
            jw_double(w, c->prevalence);
        } else {
            jw_key(w, &cfirst, depth + 2, "distribution", 12);
            jw_dist(w, &c->dist);
            jw_key(w, &cfirst, depth + 2, "reference", 9);
            jw_double(w, c->reference);
        }
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
            int efirst = 1, assign = kinds[k] == MW_EFFECT_ASSIGN;
            for (int e = 0; e < c->n_effects && e < MW_COV_MAX_EFFECTS; e++) {
                const mw_cov_effect_t *x = &c->effects[e];
                char key[sizeof(x->key)];
                if (x->kind != kinds[k]) {
                    continue;
                }
                if (efirst) {
                    const char *kn = effect_name(kinds[k]);
                    jw_key(w, &cfirst, depth + 2, kn, strlen(kn));
                    jw_puts(w, assign ? "[" : "{");
                } else {
                    jw_puts(w, w->indent > 0 ? ", " : ",");
                }
                efirst = 0;
                memcpy(key, x->key, sizeof(key));
                key[sizeof(key) - 1] = '\0';
                jw_string(w, key);
                if (!assign) {
                    jw_puts(w, w->indent > 0 ? ": " : ":");
                    jw_double(w, x->value);
                }
            }
            if (!efirst) {
                jw_puts(w, assign ? "]" : "}");
            }
        }
        jw_close(w, cfirst, depth + 1, "}");
    }
    jw_close(w, first, depth, "]");
}

/* 1 when the trial is as the defaults leave it: the echo then leaves it out, so
 * that the run.json and hash of a scenario without a trial are what they were
 * before trials existed. */
static int
trial_is_default(const mw_scenario_t *sc)
{
    static const mw_arm_t no_arms[MW_MAX_ARMS];

    return sc->trial.design == 0 && sc->trial.n_arms == 0 && sc->trial.arm == -1 &&
           sc->trial.reserved_ == 0 && sc->trial.enrolment_days == 0 &&
           sc->trial.data_cutoff_day == INFINITY && sc->trial.dropout_per_year == 0 &&
           memcmp(sc->trial.arms, no_arms, sizeof(no_arms)) == 0;
}

static void
json_antigens(jw_t *w, const mw_antigen_t *ags, int depth)
{
    int first = 1;

    jw_put(w, "{", 1);
    for (int a = 0; a < MW_N_ANTIGENS; a++) {
        int ffirst = 1;
        jw_key(w, &first, depth + 1, mw_antigen_name(a), strlen(mw_antigen_name(a)));
        jw_put(w, "{", 1);
        for (int k = 0; k < N_AG_FIELDS; k++) {
            const antigen_field_t *f = &antigen_fields[k];
            const char *x = (const char *) &ags[a] + f->offset;
            jw_key(w, &ffirst, depth + 2, f->name, strlen(f->name));
            jw_value(w, x, f->is_int);
        }
        jw_close(w, ffirst, depth + 1, "}");
    }
    jw_close(w, first, depth, "}");
}

static void
json_edits(jw_t *w, const mw_edit_t *edits, int n, int depth)
{
    char key[64], val[64];
    int first = 1, is_bool;

    jw_put(w, "{", 1);
    for (int k = 0; k < n; k++) {
        edit_key_text(&edits[k], key, sizeof(key));
        edit_value_text(&edits[k], val, sizeof(val), &is_bool);
        jw_key(w, &first, depth + 1, key, strlen(key));
        if (is_bool) {
            jw_puts(w, val);
        } else {
            jw_string(w, val);
        }
    }
    jw_close(w, first, depth, "}");
}

static void
json_row(jw_t *w, const mw__param_t *p, const void *base, int depth)
{
    const void *f = cfield_at(p, base);

    switch (p->type) {
        case MW__P_DOUBLE:
        case MW__P_INT:
            jw_value(w, f, p->type == MW__P_INT);
            break;
        case MW__P_BOOL:
            jw_puts(w, get_int(f) ? "true" : "false");
            break;
        case MW__P_ENUM: {
            int x = get_int(f), n = 0;
            while (p->names[n] != NULL) {
                n++;
            }
            jw_string(w, x >= 0 && x < n ? p->names[x] : "?");
            break;
        }
        case MW__P_STRING:
        case MW__P_TEXT: {
            size_t size = p->type == MW__P_TEXT ? p->aux : MW_NAME_MAX;
            char text[MW_REFS_MAX];
            mw__bug_assert(size <= sizeof(text));
            memcpy(text, f, size);
            text[size - 1] = '\0';
            jw_string(w, text);
            break;
        }
        case MW__P_DAYS: {
            char text[200];
            mw__days_format(get_u64(f), text, sizeof(text));
            jw_string(w, text);
            break;
        }
        case MW__P_CYCLES: {
            char text[40];
            mw__cycles_format(get_int(f), get_int((const char *) base + p->aux), text,
                              sizeof(text));
            jw_string(w, text);
            break;
        }
        case MW__P_ANTIGENS:
            json_antigens(w, f, depth);
            break;
        case MW__P_EDITS: {
            int n = ccount_at(p, base);
            json_edits(w, f, n < 0 ? 0 : n > MW_MAX_EDITS ? MW_MAX_EDITS : n, depth);
            break;
        }
        case MW__P_LIST:
        case MW__P_KEYED: {
            int n = ccount_at(p, base), first = 1;
            char pre[128];
            snprintf(pre, sizeof(pre), "%s[].", p->key);
            if (n > (int) p->hi) {
                n = (int) p->hi;
            }
            jw_put(w, "[", 1);
            for (int k = 0; k < n; k++) {
                if (!first) {
                    jw_put(w, ",", 1);
                }
                first = 0;
                jw_newline(w, depth + 1);
                json_scope(w, pre, (const char *) f + (size_t) k * p->elem_size,
                           depth + 1);
            }
            jw_close(w, first, depth, "]");
            break;
        }
        case MW__P_COVARIATES: {
            int n = ccount_at(p, base);
            json_covariates(w, f,
                            n < 0                   ? 0
                            : n > MW_MAX_COVARIATES ? MW_MAX_COVARIATES
                                                    : n,
                            depth);
            break;
        }
        default:
            break;
    }
}

/* 1 when row @p p, whose key below @p prefix begins with the @p n characters of
 * @p rest, is left out of the echo: an arm's keys (already applied to the arm
 * scenario they made), and a trial or covariates section that the scenario does
 * not have. */
static int
json_skip(const jw_t *w, const mw__param_t *p, const char *prefix, const char *rest,
          size_t n)
{
    if (p->type == MW__P_OVERLAY) {
        return 1;
    }
    if (prefix[0] != '\0') {
        return 0;
    }
    if (n == 5 && strncmp(rest, "trial", 5) == 0) {
        return trial_is_default(w->sc);
    }
    return p->type == MW__P_COVARIATES && w->sc->n_covariates == 0;
}

/* The object of every key below @p prefix, in table order. */
static void
json_scope(jw_t *w, const char *prefix, const void *base, int depth)
{
    size_t plen = strlen(prefix);
    int first = 1;

    jw_put(w, "{", 1);
    for (int i = 0; i < N_PARAMS; i++) {
        const mw__param_t *p = &params[i];
        const char *rest;
        size_t n;
        if (strncmp(p->key, prefix, plen) != 0 || seg_seen_before(i, prefix, plen)) {
            continue;
        }
        rest = p->key + plen;
        n = seg_len(rest);
        if (json_skip(w, p, prefix, rest, n)) {
            continue;
        }
        if (p->type == MW__P_TRAITS && strcmp(rest, "<trait>") == 0) {
            const mw_traits_t *t = cfield_at(p, base);
            for (int k = 0; k < mw_n_traits(); k++) {
                const mw_trait_info_t *ti = mw__trait_info(k);
                jw_key(w, &first, depth + 1, ti->name, strlen(ti->name));
                if (ti->is_flag) {
                    jw_puts(w, mw__trait_get(t, k) != 0 ? "true" : "false");
                } else {
                    jw_value(w, (const char *) t + ti->offset, 0);
                }
            }
            continue;
        }
        jw_key(w, &first, depth + 1, rest, n);
        if (rest[n] == '\0') {
            json_row(w, p, base, depth + 1);
        } else {
            char sub[128];
            mw__bug_assert(rest[n] == '.');
            snprintf(sub, sizeof(sub), "%s%.*s.", prefix, (int) n, rest);
            json_scope(w, sub, base, depth + 1);
        }
    }
    jw_close(w, first, depth, "}");
}

int
mw_scenario_write_json(const mw_scenario_t *self, FILE *out, int indent)
{
    jw_t w = {out, FNV_OFFSET, indent < 0 ? 0 : indent > 16 ? 16 : indent, self};

    json_scope(&w, "", self, 0);
    return ferror(out) ? mw__trace_error(MW_ERR_IO) : 0;
}

uint64_t
mw_scenario_hash(const mw_scenario_t *self)
{
    jw_t w = {NULL, FNV_OFFSET, 0, self};

    json_scope(&w, "", self, 0);
    return w.hash;
}

/* ------------------------------------------------------------------------------
 * marrow params: the table expanded (traits, antigens) into one line per key.
 * ---------------------------------------------------------------------------- */

typedef struct {
    char key[128];
    const char *type, *unit, *source, *doc;
    char def[48], range[64];
} pview_t;

static void
view_number(pview_t *v, const char *type, double def, int open, double lo, double hi)
{
    int is_int = strcmp(type, "int") == 0;

    v->type = type;
    if (isinf(def)) {
        snprintf(v->def, sizeof(v->def), "inf");
    } else {
        snprintf(v->def, sizeof(v->def), "%g", def);
    }
    fmt_range(v->range, sizeof(v->range), open, lo, hi, is_int);
}

/* Antigen row @p k of the ANTIGENS row @p p: density and spread of each antigen
 * (their defaults and sources differ), then copies and epitope, whose defaults are
 * the same for every antigen. */
static void
antigen_view(const mw__param_t *p, int k, pview_t *v)
{
    const int per_antigen = k < 2 * MW_N_ANTIGENS;
    const int a = per_antigen ? k / 2 : MW_AG_BCMA;
    const int field = per_antigen ? k % 2 : 2 + k - 2 * MW_N_ANTIGENS;
    const antigen_field_t *f = &antigen_fields[field];
    const mw_antigen_default_t *ad = mw__antigen_default(a);

    snprintf(v->key, sizeof(v->key), "%s.%s.%s", p->key,
             per_antigen ? mw_antigen_name(a) : "<ANTIGEN>", f->name);
    v->unit = f->unit;
    v->doc = f->doc;
    switch (field) {
        case 0:
            v->source = ad->source;
            view_number(v, "double", ad->density, 0, 0, f->hi);
            break;
        case 1:
            v->source = ad->source;
            view_number(v, "double", ad->spread, 0, 0, f->hi);
            break;
        case 2:
            v->source = "assumed: two wild-type copies at diagnosis";
            view_number(v, "int", ad->copies, 0, 0, f->hi);
            break;
        default:
            v->source = "assumed: wild-type epitope at diagnosis";
            view_number(v, "int", 0, 0, 0, f->hi);
            break;
    }
}

/* Expanded row @p k; 0 when there is none. */
static int
param_view(int k, pview_t *v)
{
    static const char *const type_names[] = {
        "double", "int",      "bool",       "enum",    "string",
        "trait",  "antigens", "edits",      "list",    "string",
        "days",   "cycles",   "keyed list", "mapping", "covariates"};
    _Static_assert(sizeof(type_names) / sizeof(type_names[0]) == MW__P_COVARIATES + 1,
                   "type_names must name every mw__ptype_t");

    for (int i = 0; i < N_PARAMS; i++) {
        const mw__param_t *p = &params[i];
        size_t stem = strcspn(p->key, "<");
        int n = p->type == MW__P_TRAITS     ? mw_n_traits()
                : p->type == MW__P_ANTIGENS ? 2 * MW_N_ANTIGENS + 2
                                            : 1;
        if (k >= n) {
            k -= n;
            continue;
        }
        memset(v, 0, sizeof(*v));
        v->unit = p->unit;
        v->source = p->source;
        v->doc = p->doc;
        v->type = type_names[p->type];
        snprintf(v->key, sizeof(v->key), "%s", p->key);
        if (p->type == MW__P_TRAITS) {
            const mw_trait_info_t *ti = mw__trait_info(k);
            snprintf(v->key, sizeof(v->key), "%.*s%s", (int) stem, p->key, ti->name);
            v->unit = ti->unit;
            v->source = ti->source;
            v->doc = ti->doc;
            if (ti->is_flag) {
                v->type = "bool";
                snprintf(v->def, sizeof(v->def), "%s", ti->def != 0 ? "true" : "false");
                snprintf(v->range, sizeof(v->range), "true|false");
            } else {
                view_number(v, "double", ti->def, 0, ti->lo, ti->hi);
            }
        } else if (p->type == MW__P_ANTIGENS) {
            antigen_view(p, k, v);
        } else if (p->type == MW__P_DOUBLE || p->type == MW__P_INT) {
            view_number(v, type_names[p->type], p->def, open_of(p), p->lo, p->hi);
        } else if (p->type == MW__P_BOOL) {
            snprintf(v->def, sizeof(v->def), "%s", p->def != 0 ? "true" : "false");
            snprintf(v->range, sizeof(v->range), "true|false");
        } else if (p->type == MW__P_ENUM) {
            size_t used = 0;
            snprintf(v->def, sizeof(v->def), "%s", p->names[(int) p->def]);
            for (int j = 0; p->names[j] != NULL && used < sizeof(v->range); j++) {
                used += (size_t) snprintf(v->range + used, sizeof(v->range) - used,
                                          "%s%s", j > 0 ? "|" : "", p->names[j]);
            }
        } else if (p->type == MW__P_STRING) {
            const char *suffix = strstr(p->key, "[]") != NULL ? "<i>" : "";
            snprintf(v->def, sizeof(v->def), "%s%s", p->defstr, suffix);
            snprintf(v->range, sizeof(v->range), "1-%d chars", MW_NAME_MAX - 1);
        } else if (p->type == MW__P_TEXT) {
            snprintf(v->def, sizeof(v->def), "%s",
                     p->defstr[0] != '\0' ? p->defstr : "\"\"");
            snprintf(v->range, sizeof(v->range), "0-%d chars", (int) p->aux - 1);
        } else if (p->type == MW__P_DAYS) {
            snprintf(v->def, sizeof(v->def), "%s", p->defstr);
            snprintf(v->range, sizeof(v->range), "days 1-%d, e.g. 1-21 or 1,8,15",
                     MW_MAX_CYCLE_DAYS);
        } else if (p->type == MW__P_CYCLES) {
            snprintf(v->def, sizeof(v->def), "%s (every cycle)", p->defstr);
            snprintf(v->range, sizeof(v->range), "n, a-b or a- within 1-%d", MAX_CYCLES);
        } else if (p->type == MW__P_EDITS) {
            snprintf(v->def, sizeof(v->def), "{}");
            snprintf(v->range, sizeof(v->range), "0-%d entries", MW_MAX_EDITS);
        } else if (p->type == MW__P_KEYED) {
            snprintf(v->def, sizeof(v->def), "%s", p->defstr);
            snprintf(v->range, sizeof(v->range), "0-%d entries, by name", (int) p->hi);
        } else if (p->type == MW__P_OVERLAY) {
            snprintf(v->def, sizeof(v->def), "{}");
            snprintf(v->range, sizeof(v->range), "scenario keys");
        } else {
            snprintf(v->def, sizeof(v->def), "[]");
            snprintf(v->range, sizeof(v->range), "0-%d entries", (int) p->hi);
        }
        if (v->unit == NULL || v->unit[0] == '\0') {
            v->unit = "-";
        }
        if (v->source == NULL || v->source[0] == '\0') {
            v->source = "-";
        }
        return 1;
    }
    return 0;
}

/* A Markdown table cell: '|' escaped. */
static void
md_cell(FILE *out, const char *s)
{
    fputs(" ", out);
    for (; *s != '\0'; s++) {
        if (*s == '|') {
            fputs("\\|", out);
        } else {
            fputc(*s, out);
        }
    }
    fputs(" |", out);
}

/* ------------------------------------------------------------------------------
 * marrow params: the shipped drug and regimen libraries
 * ---------------------------------------------------------------------------- */

#define LIB_COLS 14 /* the drug table's columns, and two for Markdown's extra ones */
#define LIB_CELL 64

/* One row of the drug table: name, route, dose unit, then every PK and PD number
 * (their keys from the table, so a new row shows up here).  With @p drug NULL the
 * header.  Returns the number of cells. */
static int
drug_cells(const mw_drug_t *drug, char cells[LIB_COLS][LIB_CELL])
{
    int n = 3;

    snprintf(cells[0], LIB_CELL, "%s", drug != NULL ? drug->name : "drug");
    snprintf(cells[1], LIB_CELL, "%s", drug != NULL ? route_names[drug->route] : "route");
    snprintf(cells[2], LIB_CELL, "%s",
             drug != NULL ? dose_unit_names[drug->dose_unit] : "dose_unit");
    for (int i = 0; i < N_PARAMS && n < LIB_COLS - 2; i++) {
        const mw__param_t *p = &params[i];
        if (strncmp(p->key, "drugs[].pk.", 11) != 0 &&
            strncmp(p->key, "drugs[].pd.", 11) != 0) {
            continue;
        }
        if (drug == NULL) {
            snprintf(cells[n++], LIB_CELL, "%s", p->key + 11);
        } else {
            snprintf(cells[n++], LIB_CELL, "%g", get_double(cfield_at(p, drug)));
        }
    }
    return n;
}

/* A drug's sensitivity and effect values that differ from the field defaults,
 * "crbn_required 1, immune_boost 0.5" ("-" when none). */
static void
drug_extras(const mw_drug_t *drug, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; i < N_PARAMS && used < len; i++) {
        const mw__param_t *p = &params[i];
        const char *f = cfield_at(p, drug), *name = strrchr(p->key, '.') + 1;
        char val[40];
        if (strncmp(p->key, "drugs[].sensitivity.", 20) != 0 &&
            strncmp(p->key, "drugs[].effects.", 16) != 0) {
            continue;
        }
        if (p->type == MW__P_ENUM) {
            if (get_int(f) == (int) p->def) {
                continue;
            }
            snprintf(val, sizeof(val), "%s", p->names[get_int(f)]);
        } else {
            if (get_double(f) == p->def) {
                continue;
            }
            snprintf(val, sizeof(val), "%g", get_double(f));
        }
        used += (size_t) snprintf(buf + used, len - used, "%s%s %s", used > 0 ? ", " : "",
                                  name, val);
    }
    if (used == 0) {
        snprintf(buf, len, "-");
    }
}

/* One row of a regimen's dose table (the header with @p x NULL). */
static void
dose_cells(const mw_scenario_t *sc, const mw_regimen_dose_t *x, char cells[5][LIB_CELL])
{
    static const char *const head[5] = {"drug", "dose", "unit", "days", "in_cycles"};
    int d;

    if (x == NULL) {
        for (int c = 0; c < 5; c++) {
            snprintf(cells[c], LIB_CELL, "%s", head[c]);
        }
        return;
    }
    d = name_index(sc->therapy.drugs[0].name, sizeof(mw_drug_t), sc->therapy.n_drugs,
                   x->drug);
    snprintf(cells[0], LIB_CELL, "%s", x->drug);
    snprintf(cells[1], LIB_CELL, "%g", x->dose);
    snprintf(cells[2], LIB_CELL, "%s",
             d >= 0 ? dose_unit_names[sc->therapy.drugs[d].dose_unit] : "?");
    mw__days_format(x->days, cells[3], LIB_CELL);
    if (x->first_cycle == 1 && x->last_cycle == 0) {
        snprintf(cells[4], LIB_CELL, "all");
    } else {
        mw__cycles_format(x->first_cycle, x->last_cycle, cells[4], LIB_CELL);
    }
}

static void
md_row(FILE *out, char cells[][LIB_CELL], int n)
{
    fputs("|", out);
    for (int c = 0; c < n; c++) {
        md_cell(out, cells[c]);
    }
    fputs("\n", out);
}

static void
md_rule(FILE *out, int n)
{
    fputs("|", out);
    for (int c = 0; c < n; c++) {
        fputs("---|", out);
    }
    fputs("\n", out);
}

/* Aligned plain-text row: each cell padded to @p w, two spaces apart. */
static void
plain_row(FILE *out, const char *indent, char cells[][LIB_CELL], const int *w, int n)
{
    fputs(indent, out);
    for (int c = 0; c < n; c++) {
        if (c + 1 < n) {
            fprintf(out, "%-*s  ", w[c], cells[c]);
        } else {
            fprintf(out, "%s\n", cells[c]);
        }
    }
}

static void
widen(int *w, char cells[][LIB_CELL], int n)
{
    for (int c = 0; c < n; c++) {
        int len = (int) strlen(cells[c]);
        w[c] = len > w[c] ? len : w[c];
    }
}

static void
write_drugs(FILE *out, const mw_scenario_t *sc, int markdown)
{
    char cells[LIB_COLS][LIB_CELL], extras[320];
    int w[LIB_COLS] = {0}, n = drug_cells(NULL, cells);

    if (markdown) {
        fputs(
            "\n## Drug library\n\n"
            "Shipped in `data/drugs.yaml`; a scenario's `drugs:` entry edits the drug of "
            "its name or adds a new one.  Sensitivity and effects list the values that "
            "differ from the defaults above.\n\n",
            out);
        snprintf(cells[n], LIB_CELL, "sensitivity and effects");
        snprintf(cells[n + 1], LIB_CELL, "refs");
        md_row(out, cells, n + 2);
        md_rule(out, n + 2);
        for (int i = 0; i < sc->therapy.n_drugs; i++) {
            const mw_drug_t *dr = &sc->therapy.drugs[i];
            drug_cells(dr, cells);
            drug_extras(dr, extras, sizeof(extras));
            fputs("|", out);
            for (int c = 0; c < n; c++) {
                md_cell(out, cells[c]);
            }
            md_cell(out, extras);
            md_cell(out, dr->refs[0] != '\0' ? dr->refs : "-");
            fputs("\n", out);
        }
        return;
    }
    fputs("\nDrug library (data/drugs.yaml; a scenario's drugs: entry edits the drug of "
          "its name or adds one)\n\n",
          out);
    widen(w, cells, n);
    for (int i = 0; i < sc->therapy.n_drugs; i++) {
        drug_cells(&sc->therapy.drugs[i], cells);
        widen(w, cells, n);
    }
    drug_cells(NULL, cells);
    plain_row(out, "", cells, w, n);
    for (int i = 0; i < sc->therapy.n_drugs; i++) {
        drug_cells(&sc->therapy.drugs[i], cells);
        plain_row(out, "", cells, w, n);
    }
    fputs("\n", out);
    for (int i = 0; i < sc->therapy.n_drugs; i++) {
        const mw_drug_t *dr = &sc->therapy.drugs[i];
        drug_extras(dr, extras, sizeof(extras));
        fprintf(out, "%s: sensitivity and effects: %s\n", dr->name, extras);
        fprintf(out, "%*s  refs: %s\n", (int) strlen(dr->name), "",
                dr->refs[0] != '\0' ? dr->refs : "-");
    }
}

static void
write_regimens(FILE *out, const mw_scenario_t *sc, int markdown)
{
    char cells[5][LIB_CELL], cycles[48];

    if (markdown) {
        fputs("\n## Regimen library\n\n"
              "Shipped in `data/regimens.yaml`; a scenario's `regimens:` entry edits the "
              "regimen of its name (a `doses:` list replaces its doses) or adds a new "
              "one.\n",
              out);
    } else {
        fputs("\nRegimen library (data/regimens.yaml; a scenario's regimens: entry edits "
              "the regimen of its name or adds one)\n",
              out);
    }
    for (int i = 0; i < sc->therapy.n_regimens; i++) {
        const mw_regimen_t *r = &sc->therapy.regimens[i];
        int w[5] = {0};
        if (r->cycles > 0) {
            snprintf(cycles, sizeof(cycles), "%d cycle%s", r->cycles,
                     r->cycles > 1 ? "s" : "");
        } else {
            snprintf(cycles, sizeof(cycles), "until progression");
        }
        if (markdown) {
            fprintf(out, "\n### %s\n\n%d-day cycles, %s.  Refs: %s\n\n", r->name,
                    r->cycle_days, cycles, r->refs[0] != '\0' ? r->refs : "-");
            dose_cells(sc, NULL, cells);
            md_row(out, cells, 5);
            md_rule(out, 5);
            for (int k = 0; k < r->n_doses; k++) {
                dose_cells(sc, &r->doses[k], cells);
                md_row(out, cells, 5);
            }
            continue;
        }
        fprintf(out, "\n%s: %d-day cycles, %s\n", r->name, r->cycle_days, cycles);
        dose_cells(sc, NULL, cells);
        widen(w, cells, 5);
        for (int k = 0; k < r->n_doses; k++) {
            dose_cells(sc, &r->doses[k], cells);
            widen(w, cells, 5);
        }
        dose_cells(sc, NULL, cells);
        plain_row(out, "  ", cells, w, 5);
        for (int k = 0; k < r->n_doses; k++) {
            dose_cells(sc, &r->doses[k], cells);
            plain_row(out, "  ", cells, w, 5);
        }
        fprintf(out, "  refs: %s\n", r->refs[0] != '\0' ? r->refs : "-");
    }
}

/* The drug and regimen libraries as mw_scenario_init_defaults() loads them. */
static int
write_libraries(FILE *out, int markdown)
{
    mw_scenario_t *sc = malloc(sizeof(*sc));

    if (sc == NULL) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    mw_scenario_init_defaults(sc);
    write_drugs(out, sc, markdown);
    write_regimens(out, sc, markdown);
    free(sc);
    return 0;
}

/* One line on patient variability, which the table has no column for. */
#define VARY_NOTE                                                                        \
    "Numeric keys (double, int; not horizon_days, output_every_days, engine.*) may "     \
    "give a distribution drawn per patient instead of a number: {lognormal: {median, "   \
    "sd_log}}, {normal: {mean, sd, min, max}}, {uniform: {min, max}} or {choice: "       \
    "{values, weights}} (int keys: uniform, choice); see docs/guide.md, Patient "        \
    "variability."

int
mw_params_write(FILE *out, int markdown)
{
    int w[5] = {3, 4, 4, 7, 5};
    pview_t v;

    if (markdown) {
        fputs("| key | type | unit | default | range | source | doc |\n", out);
        fputs("|---|---|---|---|---|---|---|\n", out);
        for (int k = 0; param_view(k, &v); k++) {
            char key[140];
            snprintf(key, sizeof(key), "`%s`", v.key);
            fputs("|", out);
            md_cell(out, key);
            md_cell(out, v.type);
            md_cell(out, v.unit);
            md_cell(out, v.def);
            md_cell(out, v.range);
            md_cell(out, v.source);
            md_cell(out, v.doc);
            fputs("\n", out);
        }
        fputs("\n" VARY_NOTE "\n", out);
        if (write_libraries(out, markdown) != 0) {
            return mw__trace_error(MW_ERR_NO_MEMORY);
        }
        return ferror(out) ? mw__trace_error(MW_ERR_IO) : 0;
    }
    for (int k = 0; param_view(k, &v); k++) {
        const char *col[5] = {v.key, v.type, v.unit, v.def, v.range};
        for (int c = 0; c < 5; c++) {
            int n = (int) strlen(col[c]);
            w[c] = n > w[c] ? n : w[c];
        }
    }
    fputs(VARY_NOTE "\n\n", out);
    fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], "key", w[1], "type", w[2],
            "unit", w[3], "default", w[4], "range", "doc [source]");
    for (int k = 0; param_view(k, &v); k++) {
        int src = strcmp(v.source, "-") != 0;
        fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s%s%s%s\n", w[0], v.key, w[1],
                v.type, w[2], v.unit, w[3], v.def, w[4], v.range, v.doc, src ? " [" : "",
                src ? v.source : "", src ? "]" : "");
    }
    if (write_libraries(out, markdown) != 0) {
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    return ferror(out) ? mw__trace_error(MW_ERR_IO) : 0;
}
