/*
 * Private interface of the io module: the scenario parameter table (scenario.c) and
 * the helpers the YAML/JSON loader (yaml_load.c) and `--set` share, so that both
 * parse every value with the same code and report the same messages.
 */
#ifndef MW_IO_H
#define MW_IO_H

#include <stddef.h>
#include "marrow.h"

/* What a table row describes. */
typedef enum {
    MW__P_DOUBLE = 0,
    MW__P_INT,
    MW__P_BOOL,     /* int 0/1 */
    MW__P_ENUM,     /* int index into names[] */
    MW__P_STRING,   /* char[MW_NAME_MAX], a non-empty name */
    MW__P_TRAITS,   /* mw_traits_t scalars: one key per row of the trait table */
    MW__P_ANTIGENS, /* mw_antigen_t[MW_N_ANTIGENS]: map antigen -> field map */
    MW__P_EDITS,    /* mw_edit_t[MW_MAX_EDITS]; count (int) at aux */
    MW__P_LIST,     /* array of structs; count (int) at aux, at most hi elements */
    MW__P_TEXT,     /* char[aux], may be empty: free text or a reference to a name */
    MW__P_DAYS,     /* uint64_t: bit d-1 = day d of a cycle ("1-21", "1,8,15") */
    MW__P_CYCLES,   /* int first cycle at offset, int last cycle (0 = open) at aux */
    MW__P_KEYED     /* LIST whose elements are found by their "name": an item edits
                       the entry of its name or appends a new one */
} mw__ptype_t;

/*
 * One scenario key.  @c key is the dotted path as written in YAML; "[]" marks a list
 * element ("tumour.clones[].cells") and "<trait>" the place of the trait keys.
 * Offsets are into the struct of the row's scope: mw_scenario_t at the top level,
 * the element struct below a list (mw_clone_spec_t, mw_mutation_t, mw_product_t),
 * and below a list inside a list the inner element struct ("products[].targets[].d50"
 * is an offset into mw_target_t).  A top-level key may lie anywhere in
 * mw_scenario_t: the YAML list `products` is sc.immune.products.
 */
typedef struct {
    const char *key;
    int type;                 /* mw__ptype_t */
    size_t offset;            /* of the field in its scope struct */
    size_t aux;               /* EDITS, LIST, KEYED: offset of the int count; TEXT:
                                 sizeof the char array; CYCLES: offset of the last
                                 cycle */
    size_t elem_size;         /* LIST, KEYED: sizeof one element */
    int lo_open;              /* 1: the value must be > lo rather than >= lo */
    int hi_open;              /* 1: the value must be < hi rather than <= hi */
    double lo, hi;            /* valid range; hi = INFINITY accepts "inf"/".inf" */
    double def;               /* default (ENUM, BOOL: as a number) */
    const char *defstr;       /* STRING default (below a list the index is appended);
                                 TEXT, DAYS, CYCLES default as written; KEYED: where
                                 the shipped entries come from */
    const char *const *names; /* ENUM: the accepted words, NULL-terminated */
    const char *unit;
    const char *source; /* paper, or "assumed: reason" */
    const char *doc;
} mw__param_t;

/* What a key names at one level of the scenario. */
typedef enum {
    MW__K_UNKNOWN = 0,
    MW__K_GROUP, /* a mapping of further keys ("tumour", "tumour.il6") */
    MW__K_LIST,  /* a list of mappings ("tumour.clones"), keyed or not */
    MW__K_LEAF,  /* a row: scalar, EDITS or ANTIGENS */
    MW__K_TRAIT  /* a scalar trait of a clone */
} mw__kind_t;

int mw__n_params(void);
const mw__param_t *mw__param(int i);

/* Classify key @p seg below the pattern @p prefix ("" or "tumour." or
 * "tumour.clones[]."): sets *row (the row, the LIST row, the TRAITS row, or for a
 * GROUP its first row) and *trait (TRAIT only).  Returns a mw__kind_t. */
int mw__param_classify(const char *prefix, const char *seg, const mw__param_t **row,
                       int *trait);
/* "unknown key 'birht'; did you mean 'birth'?" among the keys allowed below
 * @p prefix, or the list of allowed keys when none is close. */
void mw__unknown_key_msg(const char *prefix, const char *word, char *msg, size_t len);
/* What a value of this row must be, e.g. "a number >= 0" (for "expected %s"). */
void mw__param_describe(const mw__param_t *p, int trait, char *buf, size_t len);

/* Parse @p text into a scalar row (DOUBLE, INT, BOOL, ENUM, STRING) of the scope
 * struct at @p base.  0, or MW_ERR_BAD_VALUE with @p msg set and nothing stored. */
int mw__param_set_text(const mw__param_t *p, void *base, const char *text, char *msg,
                       size_t len);
/* Same for scalar trait @p trait. */
int mw__trait_set_text(mw_traits_t *t, int trait, const char *text, char *msg,
                       size_t len);
/* Antigen by name (case-insensitive), or -1 with an unknown-antigen @p msg. */
int mw__antigen_lookup(const char *name, char *msg, size_t len);
/* Set @p field (density, spread, copies, epitope) of @p a from @p text.  0,
 * MW_ERR_UNKNOWN_KEY (unknown field) or MW_ERR_BAD_VALUE, with @p msg set. */
int mw__antigen_set_text(mw_antigen_t *a, const char *field, const char *text, char *msg,
                         size_t len);
/* Parse one edit "key: value" (e.g. "BCMA.density", "x0.5").  0,
 * MW_ERR_UNKNOWN_KEY (bad key) or MW_ERR_BAD_VALUE (bad value), with @p msg set. */
int mw__edit_parse(const char *key, const char *text, mw_edit_t *e, char *msg,
                   size_t len);
/* 1 when two edits change the same trait or antigen field. */
int mw__edit_same_target(const mw_edit_t *a, const mw_edit_t *b);
/* Initialise list element @p index of LIST row @p list to its defaults. */
void mw__list_elem_init(const mw__param_t *list, void *elem, int index);

/* Store @p text as a non-empty name of at most MW_NAME_MAX - 1 characters in
 * char[MW_NAME_MAX] @p field (zero-filled).  0, or MW_ERR_BAD_VALUE with @p msg. */
int mw__name_set(char *field, const char *text, char *msg, size_t len);
/* The "name" row of the elements of KEYED row @p list (never NULL for KEYED). */
const mw__param_t *mw__keyed_name_row(const mw__param_t *list);
/* Index of the element of KEYED row @p list in the scope struct @p base whose name
 * is @p name, or -1. */
int mw__keyed_find(const mw__param_t *list, const void *base, const char *name);

/* What diagnostics of `--set` assignments give as their file. */
#define MW__SET_FILE "--set"

/* Strip leading and trailing white space from @p s in place. */
void mw__trim(char *s);

/* 1 when mw_scenario_set() appended entry @p k of top-level keyed list @p list
 * (drugs, regimens) rather than a file or the library giving it. */
int mw__from_set(const mw_scenario_t *self, const mw__param_t *list, int k);

/* Cycle days: "1-21", "1,8,15,22", "1-3, 8" (days 1..MW_MAX_CYCLE_DAYS) into a mask
 * with bit d-1 for day d.  0, or MW_ERR_BAD_VALUE with @p msg set. */
int mw__days_parse(const char *text, uint64_t *mask, char *msg, size_t len);
/* The mask in the same form, runs of three or more days as a range ("1-21",
 * "1,8,15,22"). */
void mw__days_format(uint64_t mask, char *buf, size_t len);
/* Cycle range "3", "1-8" or "7-" (open end: *last = 0). */
int mw__cycles_parse(const char *text, int *first, int *last, char *msg, size_t len);
void mw__cycles_format(int first, int last, char *buf, size_t len);

/* The shipped drug and regimen libraries (data/drugs.yaml, data/regimens.yaml),
 * NUL-terminated, generated at build time by cmake/embed.cmake. */
extern const char mw__data_drugs_yaml[];
extern const char mw__data_regimens_yaml[];

#endif
