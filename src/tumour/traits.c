/*
 * The heritable trait vector of a clone (SPEC.md §2.1): one table gives every
 * scalar trait its scenario key, range, default, unit and source, and drives
 * scenario loading, `marrow params`, clones.csv columns and mutation edits.
 * Antigen densities are per-clone medians of a lognormal (Singh 2021 uses
 * molecules/cell as the recognition input).
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "tumour/traits.h"

#define T(field) offsetof(mw_traits_t, field)

static const mw_trait_info_t trait_table[] = {
    {"birth", T(birth), 0, 0.0, 100.0, 0.035, "1/day",
     "Ucci 1987 Cell Prolif (fractional turnover 3.53%/day of marrow plasma cells)",
     "division rate before crowding and niche support"},
    {"death", T(death), 0, 0.0, 100.0, 0.030, "1/day",
     "assumed: net growth 0.005/day (doubling ~140 days) for untreated active MM",
     "death rate before drug and immune kill"},
    {"pdl1", T(pdl1), 0, 0.0, 1.0, 0.2, "fraction",
     "assumed: PD-L1+ fraction of MM cells not retrieved (science.md §2.8 gap)",
     "PD-L1 level: brake on T-cell killing"},
    {"il10", T(il10), 0, 0.0, 100.0, 1.0, "relative",
     "assumed: 1 = typical MM cell (reference unit)", "IL-10 secretion per cell"},
    {"tgfb", T(tgfb), 0, 0.0, 100.0, 1.0, "relative",
     "assumed: 1 = typical MM cell (reference unit)", "TGF-beta secretion per cell"},
    {"efflux", T(efflux), 0, 1.0, 1000.0, 1.0, "fold",
     "assumed: 1 = no P-gp overexpression", "P-glycoprotein drug efflux fold"},
    {"bcl2", T(bcl2), 0, 0.0, 100.0, 1.0, "relative",
     "assumed: 1 = typical MM cell (reference unit)", "anti-apoptotic BCL-2 level"},
    {"ras", T(ras), 0, 0.0, 1.0, 0.0, "0..1",
     "assumed: founder without RAS/MAPK activation", "RAS/MAPK activation"},
    {"stemness", T(stemness), 0, 0.0, 1.0, 0.0, "0..1",
     "assumed: founder without a stem-like state", "stem-like slow-cycling state"},
    {"niche_dependence", T(niche_dependence), 0, 0.0, 1.0, 0.5, "0..1",
     "assumed: marrow-restricted MM cells rely partly on IL-6 (seed 001)",
     "reliance on marrow niche support"},
    {"mu_mult", T(mu_mult), 0, 0.0, 1.0e6, 1.0, "fold",
     "assumed: 1 = baseline mutation rate", "mutation-rate multiplier"},
    {"hla_loss", T(hla_loss), 1, 0.0, 1.0, 0.0, "flag",
     "assumed: antigen presentation intact at diagnosis", "HLA class I loss"},
    {"tp53_loss", T(tp53_loss), 1, 0.0, 1.0, 0.0, "flag",
     "assumed: standard risk; del(17p) patients set 1", "p53 pathway loss"},
    {"crbn_loss", T(crbn_loss), 1, 0.0, 1.0, 0.0, "flag",
     "assumed: IMiD-naive clone", "cereblon loss (IMiD resistance)"},
    {"psmb5_mut", T(psmb5_mut), 1, 0.0, 1.0, 0.0, "flag",
     "assumed: PI-naive clone", "PSMB5 mutation (proteasome-inhibitor resistance)"},
};

#undef T

#define N_TRAITS ((int) (sizeof(trait_table) / sizeof(trait_table[0])))

static const char *antigen_names[MW_N_ANTIGENS] = {"BCMA",   "GPRC5D", "FcRH5",
                                                   "SLAMF7", "CD38",   "CD19"};

/* Baseline surface density per antigen, molecules/cell (median) and log-SD. */
static const mw_antigen_default_t antigen_defaults[MW_N_ANTIGENS] = {
    {670.0, 0.6, 2,
     "ASH abstract, quantitative flow in 32 RRMM patients (median 670, IQR 380-850; "
     "attribution uncertain); spread ln(850/380)/1.349 = 0.6 derived from the IQR"},
    {1000.0, 0.6, 2, "assumed: GPRC5D density not retrieved; spread as BCMA"},
    {1000.0, 0.6, 2, "assumed: FcRH5 density not retrieved; spread as BCMA"},
    {5000.0, 0.6, 2, "assumed: SLAMF7 broadly high on MM cells; value not retrieved"},
    {130000.0, 0.37, 2,
     "Cytometry B 2018 (PMID 29577600), quantitative flow: plasma cells of smouldering "
     "MM 139 +- 53 x 10^3 sites (AL amyloidosis 153 +- 53); lognormal median 130e3 and "
     "log-SD sqrt(ln(1 + 0.38^2)) = 0.37 derived from the mean and SD (active MM "
     "assumed alike)"},
    {0.0, 0.6, 2, "Cho 2013 J Korean Med Sci: MM plasma cells CD19- in 100%"},
};

int
mw_n_traits(void)
{
    return N_TRAITS;
}

const char *
mw_trait_name(int i)
{
    return (i >= 0 && i < N_TRAITS) ? trait_table[i].name : "?";
}

const mw_trait_info_t *
mw__trait_info(int i)
{
    return (i >= 0 && i < N_TRAITS) ? &trait_table[i] : NULL;
}

int
mw__trait_find(const char *name)
{
    for (int i = 0; i < N_TRAITS; i++) {
        if (strcmp(trait_table[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

double
mw__trait_get(const mw_traits_t *t, int i)
{
    const char *p = (const char *) t + trait_table[i].offset;
    if (trait_table[i].is_flag) {
        int v;
        memcpy(&v, p, sizeof(v));
        return (double) v;
    }
    double d;
    memcpy(&d, p, sizeof(d));
    return d;
}

void
mw__trait_set(mw_traits_t *t, int i, double v)
{
    const mw_trait_info_t *ti = &trait_table[i];
    char *p = (char *) t + ti->offset;

    if (!(v >= ti->lo)) { /* also catches NaN */
        v = ti->lo;
    }
    if (v > ti->hi) {
        v = ti->hi;
    }
    if (ti->is_flag) {
        int x = v >= 0.5 ? 1 : 0;
        memcpy(p, &x, sizeof(x));
    } else {
        memcpy(p, &v, sizeof(v));
    }
}

const char *
mw_antigen_name(int antigen)
{
    return (antigen >= 0 && antigen < MW_N_ANTIGENS) ? antigen_names[antigen] : "?";
}

const mw_antigen_default_t *
mw__antigen_default(int antigen)
{
    return &antigen_defaults[antigen];
}

int
mw__antigen_find(const char *name)
{
    for (int i = 0; i < MW_N_ANTIGENS; i++) {
        if (strcasecmp(antigen_names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

void
mw__traits_init_defaults(mw_traits_t *t)
{
    memset(t, 0, sizeof(*t));
    for (int i = 0; i < N_TRAITS; i++) {
        mw__trait_set(t, i, trait_table[i].def);
    }
    for (int a = 0; a < MW_N_ANTIGENS; a++) {
        t->antigen[a].density = antigen_defaults[a].density;
        t->antigen[a].spread = antigen_defaults[a].spread;
        t->antigen[a].copies = antigen_defaults[a].copies;
        t->antigen[a].epitope = 0;
    }
}

static double
clamp(double v, double lo, double hi)
{
    if (!(v >= lo)) {
        return lo;
    }
    return v > hi ? hi : v;
}

static double
apply_op(double old, int op, double value)
{
    switch (op) {
        case MW_EDIT_ADD:
            return old + value;
        case MW_EDIT_MUL:
            return old * value;
        default:
            return value;
    }
}

void
mw_traits_apply(mw_traits_t *t, const mw_edit_t *edits, int n)
{
    for (int k = 0; k < n; k++) {
        const mw_edit_t *e = &edits[k];
        if (e->trait >= 0) {
            mw__trait_set(t, e->trait, apply_op(mw__trait_get(t, e->trait), e->op, e->value));
            continue;
        }
        if (e->trait != MW_TRAIT_ANTIGEN || e->antigen < 0 || e->antigen >= MW_N_ANTIGENS) {
            continue;
        }
        mw_antigen_t *a = &t->antigen[e->antigen];
        switch (e->op) {
            case MW_EDIT_LOST:
                a->copies = 0;
                break;
            case MW_EDIT_COPY_LOSS:
                a->copies = a->copies > 0 ? a->copies - 1 : 0;
                break;
            case MW_EDIT_EPITOPE:
                a->epitope = (int) clamp(e->value, 0, MW_EPITOPE_MAX);
                break;
            case MW_EDIT_EXPRESSED:
                a->copies = 2;
                a->epitope = 0;
                break;
            default:
                if (e->field == 1) {
                    a->density = clamp(apply_op(a->density, e->op, e->value), 0,
                                       MW_DENSITY_MAX);
                } else if (e->field == 2) {
                    a->spread = clamp(apply_op(a->spread, e->op, e->value), 0, MW_SPREAD_MAX);
                }
                break;
        }
    }
}
