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
    MW__P_BOOL,      /* int 0/1 */
    MW__P_ENUM,      /* int index into names[] */
    MW__P_STRING,    /* char[MW_NAME_MAX], a non-empty name */
    MW__P_TRAITS,    /* mw_traits_t scalars: one key per row of the trait table */
    MW__P_ANTIGENS,  /* mw_antigen_t[MW_N_ANTIGENS]: map antigen -> field map */
    MW__P_EDITS,     /* mw_edit_t[MW_MAX_EDITS]; count (int) at aux */
    MW__P_LIST,      /* array of structs; count (int) at aux, at most hi elements */
    MW__P_TEXT,      /* char[aux], may be empty: free text or a reference to a name */
    MW__P_DAYS,      /* uint64_t: bit d-1 = day d of a cycle ("1-21", "1,8,15") */
    MW__P_CYCLES,    /* int first cycle at offset, int last cycle (0 = open) at aux */
    MW__P_KEYED,     /* LIST whose elements are found by their "name": an item edits
                        the entry of its name or appends a new one */
    MW__P_OVERLAY,   /* an arm's `set`: scenario keys applied on top of the base when
                        the arm is loaded (yaml_load.c); nothing stored */
    MW__P_COVARIATES /* mw_covariate_t[MW_MAX_COVARIATES], count at aux: a list read
                        and echoed by its own code */
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

/* ------------------------------------------------------------------------------
 * Patient variability (variability.c): a distribution in place of a number.
 * ---------------------------------------------------------------------------- */

/* Ends of a range that are open (a bit set; a row's lo_open flag is a valid set). */
#define MW__OPEN_LO 1
#define MW__OPEN_HI 2

/* Parse a whole scalar as a number as every scenario value is parsed: strtod
 * syntax without hex, YAML ".inf" and ".nan".  0, or -1 when it is not one. */
int mw__number_parse(const char *text, double *out);
/* 1 when @p v lies outside the range (NaN is outside). */
int mw__out_of_range(double v, int open, double lo, double hi);
/* "[0, 100]", "(0, 1]", "[1, inf]". */
void mw__fmt_range(char *buf, size_t len, int open, double lo, double hi, int is_int);
/* "unknown WHAT 'word'; did you mean 'x'?" (or the list) among the NULL-terminated
 * @p cands.  Returns 1 when one was close enough to suggest. */
int mw__suggest(const char *word, const char *const *cands, const char *what, char *msg,
                size_t len);

/* 0 when row @p p may take a distribution (a DOUBLE or INT that is not a run
 * setting); else MW_ERR_BAD_VALUE with a message about @p key saying why not. */
int mw__param_may_vary(const mw__param_t *p, const char *key, char *msg, size_t len);
/* Field @p field of mw_antigen_t: its offset, int-ness and maximum (the minimum is
 * 0).  0, or MW_ERR_UNKNOWN_KEY with a did-you-mean @p msg. */
int mw__antigen_field(const char *field, size_t *offset, int *is_int, double *hi,
                      char *msg, size_t len);

/* A distribution as written, before it is checked against its key.  Its named
 * parameters are p[k] in mw__dist_param() order. */
typedef struct {
    int dist;       /* mw_dist_t */
    unsigned given; /* bit k: parameter k was given */
    double p[4];
    int n_values, n_weights;
    double values[MW_VAR_MAX_VALUES], weights[MW_VAR_MAX_VALUES];
} mw__dist_spec_t;

/* The key a distribution is for. */
typedef struct {
    const char *key; /* path as written */
    size_t offset;   /* of the value in mw_scenario_t */
    int is_int;
    int open; /* MW__OPEN_* bits */
    double lo, hi;
} mw__var_target_t;

/* Parameter index of "values" and "weights" of a choice (lists, not numbers). */
#define MW__CHOICE_VALUES  0
#define MW__CHOICE_WEIGHTS 1

/* Distribution by name: mw_dist_t, or -1 with an unknown-distribution @p msg (-2
 * when no name was close enough to suggest). */
int mw__dist_find(const char *name, char *msg, size_t len);
const char *mw__dist_name(int dist);
/* Name of parameter @p k of distribution @p dist, NULL past the last. */
const char *mw__dist_param(int dist, int k);
/* Index of the named parameter, or -1 with a did-you-mean @p msg. */
int mw__dist_param_find(int dist, const char *name, char *msg, size_t len);
/* Check @p spec against key @p t and fill @p out.  0, or MW_ERR_BAD_VALUE with
 * @p msg, *bad the parameter to blame (-1: the distribution as a whole) and *item
 * the list item (-1: none). */
int mw__var_make(const mw__dist_spec_t *spec, const mw__var_target_t *t,
                 mw_variable_t *out, int *bad, int *item, char *msg, size_t len);
/* Store @p v in @p sc, replacing an entry for the same value, and set the value to
 * the distribution's base value.  0, or MW_ERR_TOO_MANY (nothing changed). */
int mw__var_put(mw_scenario_t *sc, const mw_variable_t *v);
/* Remove the entries whose value lies in bytes [from, to) of mw_scenario_t. */
void mw__var_drop(mw_scenario_t *sc, size_t from, size_t to);
/* The same for a value at @p field, which may lie outside @p sc (then nothing). */
void mw__var_drop_at(mw_scenario_t *sc, const void *field, size_t size);
/* The entry for the value at byte @p offset, or NULL. */
const mw_variable_t *mw__var_at(const mw_scenario_t *sc, size_t offset);
/* The base value of @p v (median, mean, midpoint or first choice). */
double mw__var_base(const mw_variable_t *v);

/* The numeric value that key path @p key ("tumour.clones[0].birth",
 * "drugs[bortezomib].pd.emax", "tumour.clones[0].antigens.BCMA.copies") names in
 * @p sc, for a covariate to change: its offset, int-ness (flags and copies are
 * ints) and range, with t->key = @p key.  Lists must already hold the element.
 * 0, or MW_ERR_UNKNOWN_KEY with @p msg (a did-you-mean for a misspelt key, or why
 * the key cannot be changed per patient). */
int mw__key_target(const mw_scenario_t *sc, const char *key, mw__var_target_t *t,
                   char *msg, size_t len);

/* The shipped drug and regimen libraries (data/drugs.yaml, data/regimens.yaml),
 * NUL-terminated, generated at build time by cmake/embed.cmake. */
extern const char mw__data_drugs_yaml[];
extern const char mw__data_regimens_yaml[];

#endif
