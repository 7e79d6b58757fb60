/* Private: the table of heritable traits (SPEC.md §2.1) and antigen defaults. */
#ifndef MW_TRAITS_H
#define MW_TRAITS_H

#include <stddef.h>
#include "marrow.h"

typedef struct {
    const char *name;   /* key in scenarios and column in clones.csv */
    size_t offset;      /* into mw_traits_t */
    int is_flag;        /* int 0/1 rather than double */
    double lo, hi;      /* valid range; edits clamp into it */
    double def;         /* default for a typical myeloma cell */
    const char *unit;
    const char *source; /* paper, or "assumed: reason" */
    const char *doc;
} mw_trait_info_t;

typedef struct {
    double density, spread;
    int copies;
    const char *source;
} mw_antigen_default_t;

const mw_trait_info_t *mw__trait_info(int i);
/* Index of the named scalar trait, or -1. */
int mw__trait_find(const char *name);
double mw__trait_get(const mw_traits_t *t, int i);
void mw__trait_set(mw_traits_t *t, int i, double v);
const mw_antigen_default_t *mw__antigen_default(int antigen);
/* Index of an antigen by name (case-insensitive), or -1. */
int mw__antigen_find(const char *name);
void mw__traits_init_defaults(mw_traits_t *t);

/* Antigen field limits (molecules/cell, log-SD, epitope ids). */
#define MW_DENSITY_MAX 1.0e7
#define MW_SPREAD_MAX 5.0
#define MW_EPITOPE_MAX 1000

#endif
