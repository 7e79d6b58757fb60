/*
 * Scenario loading from YAML or JSON through libyaml's document API.  The node tree
 * keeps every node's start mark, so each error is reported as file:line:col with its
 * key path; all errors are collected, not only the first.  Which keys exist, their
 * types, ranges and messages come from the parameter table in scenario.c.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "core/core.h"
#include "io/io.h"
#include "tumour/traits.h"

#define MAX_FILE_BYTES (64u << 20)

/* Where one covariate is written: its effects' keys are resolved, and its
 * distribution made, once the whole file is read (the lists they name may come
 * later in the file), and again for each arm. */
typedef struct {
    const yaml_node_t *item;                      /* the list item */
    const yaml_node_t *dist_name, *dist_params;   /* numeric only */
    const yaml_node_t *key[MW_COV_MAX_EFFECTS];   /* each effect's key */
    const yaml_node_t *value[MW_COV_MAX_EFFECTS]; /* and value (assign: the key) */
    mw__dist_spec_t spec;                         /* numeric only */
} cov_src_t;

typedef struct {
    yaml_document_t *doc;
    const char *file;
    mw_diags_t *diags;
    int n_err;
    mw_scenario_t *sc; /* the scenario being loaded (distributions record offsets) */
    int overlay;       /* walking an arm's `set`: top-level keys, dotted ones too */
    const yaml_node_t *arms;                 /* the trial.arms list, if written */
    const yaml_node_t *arm_set[MW_MAX_ARMS]; /* each arm's `set` mapping, or NULL */
    int n_cov;                               /* covariates this document gave */
    cov_src_t cov[MW_MAX_COVARIATES];
} ld_t;

static void err_at(ld_t *ld, const yaml_node_t *node, int code, const char *key,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Record an error at @p node (1-based line and column of its start). */
static void
err_at(ld_t *ld, const yaml_node_t *node, int code, const char *key, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    int line = 0, col = 0;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (node != NULL) {
        line = (int) node->start_mark.line + 1;
        col = (int) node->start_mark.column + 1;
    }
    mw__diag_add(ld->diags, code, ld->file, line, col, key, "%s", msg);
    ld->n_err++;
}

static yaml_node_t *
node_at(ld_t *ld, int index)
{
    return yaml_document_get_node(ld->doc, index);
}

static const char *
text(const yaml_node_t *n)
{
    return (const char *) n->data.scalar.value;
}

/* A plain empty, "~" or "null" scalar: the key is there with no value. */
static int
is_null(const yaml_node_t *n)
{
    const char *s;

    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return 0;
    }
    s = text(n);
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* "a mapping", "a list" or the quoted scalar, for "got ..." */
static void
what(const yaml_node_t *n, char *buf, size_t len)
{
    if (n->type == YAML_MAPPING_NODE) {
        snprintf(buf, len, "a mapping");
    } else if (n->type == YAML_SEQUENCE_NODE) {
        snprintf(buf, len, "a list");
    } else if (text(n)[0] == '\0') {
        snprintf(buf, len, "nothing");
    } else {
        snprintf(buf, len, "'%.60s'", text(n));
    }
}

static void
join(char *out, size_t len, const char *path, const char *seg)
{
    const char *parts[3] = {path, path[0] != '\0' ? "." : "", seg};
    size_t used = 0;

    for (int i = 0; i < 3; i++) {
        size_t n = strlen(parts[i]);
        if (n > len - 1 - used) {
            n = len - 1 - used;
        }
        memcpy(out + used, parts[i], n);
        used += n;
    }
    out[used] = '\0';
}

/* Line of an earlier key equal to @p pair's key in @p map (strcmp), or 0. */
static int
duplicate_of(ld_t *ld, const yaml_node_t *map, const yaml_node_pair_t *pair)
{
    const char *k = text(node_at(ld, pair->key));

    for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pair; q++) {
        const yaml_node_t *qk = node_at(ld, q->key);
        if (qk->type == YAML_SCALAR_NODE && strcmp(text(qk), k) == 0) {
            return (int) qk->start_mark.line + 1;
        }
    }
    return 0;
}

/* Common checks of one mapping entry: the key is a name and not repeated. */
static int
entry_ok(ld_t *ld, const yaml_node_t *map, const yaml_node_pair_t *pair, const char *path)
{
    const yaml_node_t *k = node_at(ld, pair->key);
    char got[80], key[256];
    int dup;

    if (k->type != YAML_SCALAR_NODE) {
        what(k, got, sizeof(got));
        err_at(ld, k, MW_ERR_CONFIG, path, "expected a key name, got %s", got);
        return 0;
    }
    dup = duplicate_of(ld, map, pair);
    if (dup > 0) {
        join(key, sizeof(key), path, text(k));
        err_at(ld, k, MW_ERR_CONFIG, key, "duplicate key '%s' (first given on line %d)",
               text(k), dup);
        return 0;
    }
    return 1;
}

static int
want_mapping(ld_t *ld, const yaml_node_t *n, const char *path, const char *expected)
{
    char got[80];

    if (n->type == YAML_MAPPING_NODE) {
        return 1;
    }
    if (!is_null(n)) {
        what(n, got, sizeof(got));
        err_at(ld, n, MW_ERR_BAD_VALUE, path, "expected %s, got %s", expected, got);
    }
    return 0;
}

static void walk_map(ld_t *ld, const yaml_node_t *map, const char *prefix, void *base,
                     const char *path);

/* The entry of key @p key in mapping @p map, the key compared case-insensitively
 * when @p nocase (antigen names), or NULL. */
static const yaml_node_pair_t *
map_pair(ld_t *ld, const yaml_node_t *map, const char *key, int nocase)
{
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
         pr < map->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = node_at(ld, pr->key);
        if (k->type == YAML_SCALAR_NODE &&
            (nocase ? strcasecmp(text(k), key) : strcmp(text(k), key)) == 0) {
            return pr;
        }
    }
    return NULL;
}

/* The value node of key @p key in mapping @p map, or NULL. */
static const yaml_node_t *
map_value(ld_t *ld, const yaml_node_t *map, const char *key)
{
    const yaml_node_pair_t *pr = map_pair(ld, map, key, 0);

    return pr != NULL ? node_at(ld, pr->value) : NULL;
}

/* ------------------------------------------------------------------------------
 * Distributions in place of numbers (patient variability, variability.c)
 * ---------------------------------------------------------------------------- */

#define DISTS_WANT "a distribution (lognormal, normal, uniform or choice)"

/* 1 when @p n is a mapping whose one key names a distribution: what a user who
 * wants a key to vary writes, so that a key which cannot vary says why. */
static int
looks_like_dist(ld_t *ld, const yaml_node_t *n)
{
    const yaml_node_t *k;
    char msg[160];

    if (n->type != YAML_MAPPING_NODE ||
        n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1) {
        return 0;
    }
    k = node_at(ld, n->data.mapping.pairs.start->key);
    return k->type == YAML_SCALAR_NODE && mw__dist_find(text(k), msg, sizeof(msg)) >= 0;
}

/* The offset in the scenario of the value at @p field. */
static size_t
offset_in(ld_t *ld, const void *field)
{
    const char *f = field, *root = (const char *) ld->sc;

    mw__bug_assert(f >= root && f < root + sizeof(*ld->sc));
    return (size_t) (f - root);
}

/* One number of a distribution's parameters. */
static int
dist_number(ld_t *ld, const yaml_node_t *n, const char *key, double *out)
{
    char got[80];

    if (n->type != YAML_SCALAR_NODE || is_null(n) ||
        mw__number_parse(text(n), out) != 0) {
        what(n, got, sizeof(got));
        err_at(ld, n, MW_ERR_BAD_VALUE, key, "expected a number, got %s", got);
        return -1;
    }
    return 0;
}

/* A choice's values or weights: a list of at most MW_VAR_MAX_VALUES numbers. */
static void
dist_list(ld_t *ld, const yaml_node_t *seq, const char *key, double *out, int *n)
{
    char got[80];

    *n = 0;
    if (seq->type != YAML_SEQUENCE_NODE) {
        what(seq, got, sizeof(got));
        err_at(ld, seq, MW_ERR_BAD_VALUE, key, "expected a list of numbers, got %s", got);
        return;
    }
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top; it++) {
        if (*n >= MW_VAR_MAX_VALUES) {
            err_at(ld, node_at(ld, *it), MW_ERR_TOO_MANY, key,
                   "at most %d values allowed", MW_VAR_MAX_VALUES);
            return;
        }
        if (dist_number(ld, node_at(ld, *it), key, &out[*n]) != 0) {
            return;
        }
        (*n)++;
    }
}

/* The node to blame for parameter @p bad (item @p item) of the distribution whose
 * parameters are the mapping @p params; @p name (the distribution's key) when the
 * distribution as a whole is wrong or the parameter was not written. */
static const yaml_node_t *
dist_blame(ld_t *ld, const yaml_node_t *name, const yaml_node_t *params, int dist,
           int bad, int item)
{
    const char *p = mw__dist_param(dist, bad);
    const yaml_node_t *v = p != NULL ? map_value(ld, params, p) : NULL;

    if (v == NULL) {
        return name;
    }
    if (item >= 0 && v->type == YAML_SEQUENCE_NODE &&
        item < v->data.sequence.items.top - v->data.sequence.items.start) {
        return node_at(ld, v->data.sequence.items.start[item]);
    }
    return v;
}

/* Read the distribution written as mapping @p map for key @p key into @p spec: one
 * of {lognormal: {median, sd_log}}, {normal: {mean, sd, min, max}},
 * {uniform: {min, max}} or {choice: {values, weights}}.  @p want is what a plain
 * value of the key would be (NULL: only a distribution is allowed).  *@p name and
 * *@p params are the distribution's key and parameter mapping.  0, or -1 with the
 * errors reported. */
static int
read_dist(ld_t *ld, const yaml_node_t *map, const char *key, const char *want,
          mw__dist_spec_t *spec, const yaml_node_t **name, const yaml_node_t **params)
{
    const long n = map->data.mapping.pairs.top - map->data.mapping.pairs.start;
    const yaml_node_t *k, *v;
    char msg[320], dkey[256], pkey[320], got[80], plist[64] = "", or_want[200] = "";
    int d, n_err = ld->n_err;

    if (want != NULL) {
        snprintf(or_want, sizeof(or_want), "%s or ", want);
    }
    if (n != 1) {
        err_at(ld, map, MW_ERR_BAD_VALUE, key,
               "expected %s" DISTS_WANT
               ", got a mapping with %ld keys (a distribution is "
               "a mapping with one key)",
               or_want, n);
        return -1;
    }
    k = node_at(ld, map->data.mapping.pairs.start->key);
    v = node_at(ld, map->data.mapping.pairs.start->value);
    if (k->type != YAML_SCALAR_NODE) {
        what(k, got, sizeof(got));
        err_at(ld, k, MW_ERR_BAD_VALUE, key, "expected a distribution name, got %s", got);
        return -1;
    }
    d = mw__dist_find(text(k), msg, sizeof(msg));
    if (d == -1 || (d < 0 && want == NULL)) {
        err_at(ld, k, MW_ERR_UNKNOWN_KEY, key, "%s", msg);
        return -1;
    }
    if (d < 0) {
        err_at(ld, map, MW_ERR_BAD_VALUE, key,
               "expected %s" DISTS_WANT ", got a mapping with key '%.40s'", or_want,
               text(k));
        return -1;
    }
    join(dkey, sizeof(dkey), key, text(k));
    for (int j = 0; mw__dist_param(d, j) != NULL; j++) {
        size_t used = strlen(plist);
        snprintf(plist + used, sizeof(plist) - used, "%s%s", j > 0 ? ", " : "",
                 mw__dist_param(d, j));
    }
    if (v->type != YAML_MAPPING_NODE) {
        what(v, got, sizeof(got));
        err_at(ld, v, MW_ERR_BAD_VALUE, dkey, "expected a mapping of %s, got %s", plist,
               got);
        return -1;
    }
    memset(spec, 0, sizeof(*spec));
    spec->dist = d;
    for (yaml_node_pair_t *pr = v->data.mapping.pairs.start;
         pr < v->data.mapping.pairs.top; pr++) {
        const yaml_node_t *pk = node_at(ld, pr->key), *pv = node_at(ld, pr->value);
        int j;
        if (!entry_ok(ld, v, pr, dkey)) {
            continue;
        }
        join(pkey, sizeof(pkey), dkey, text(pk));
        j = mw__dist_param_find(d, text(pk), msg, sizeof(msg));
        if (j < 0) {
            err_at(ld, pk, MW_ERR_UNKNOWN_KEY, pkey, "%s", msg);
            continue;
        }
        spec->given |= 1u << j;
        if (d == MW_DIST_CHOICE) {
            if (j == MW__CHOICE_VALUES) {
                dist_list(ld, pv, pkey, spec->values, &spec->n_values);
            } else {
                dist_list(ld, pv, pkey, spec->weights, &spec->n_weights);
            }
        } else {
            (void) dist_number(ld, pv, pkey, &spec->p[j]);
        }
    }
    *name = k;
    *params = v;
    return ld->n_err > n_err ? -1 : 0;
}

/* Check @p spec, read by read_dist() from the distribution with key node @p name
 * and parameters @p params, against key @p t into @p out.  0, or -1 with the error
 * reported at the parameter to blame. */
static int
make_dist(ld_t *ld, const mw__dist_spec_t *spec, const mw__var_target_t *t,
          const yaml_node_t *name, const yaml_node_t *params, const char *key,
          mw_variable_t *out)
{
    char msg[320], dkey[256], pkey[320];
    int bad, item;

    if (mw__var_make(spec, t, out, &bad, &item, msg, sizeof(msg)) == 0) {
        return 0;
    }
    const char *p = mw__dist_param(spec->dist, bad);
    if (p != NULL) {
        join(dkey, sizeof(dkey), key, text(name));
        join(pkey, sizeof(pkey), dkey, p);
    }
    err_at(ld, dist_blame(ld, name, params, spec->dist, bad, item), MW_ERR_BAD_VALUE,
           p != NULL ? pkey : key, "%s", msg);
    return -1;
}

/* A distribution given for numeric key @p t (whose plain values are @p want).  On
 * success the scenario records it and the key takes its base value. */
static void
walk_dist(ld_t *ld, const yaml_node_t *map, const mw__var_target_t *t, const char *want)
{
    const yaml_node_t *name = NULL, *params = NULL;
    mw__dist_spec_t spec;
    mw_variable_t var;

    if (read_dist(ld, map, t->key, want, &spec, &name, &params) != 0 ||
        make_dist(ld, &spec, t, name, params, t->key, &var) != 0) {
        return;
    }
    if (mw__var_put(ld->sc, &var) != 0) {
        err_at(ld, map, MW_ERR_TOO_MANY, t->key,
               "at most %d keys may vary between patients", MW_MAX_VARIABLES);
    }
}

/* A clone's `antigens`: antigen name -> {density, spread, copies, epitope}. */
static void
walk_antigens(ld_t *ld, const yaml_node_t *map, mw_antigen_t *ags, const char *path)
{
    int first_line[MW_N_ANTIGENS] = {0};
    char msg[320], key[256], fkey[320], got[80];

    if (!want_mapping(ld, map, path, "a mapping of antigen names (BCMA, GPRC5D, ...)")) {
        return;
    }
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
         pr < map->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = node_at(ld, pr->key), *v = node_at(ld, pr->value);
        int a;
        if (!entry_ok(ld, map, pr, path)) {
            continue;
        }
        join(key, sizeof(key), path, text(k));
        a = mw__antigen_lookup(text(k), msg, sizeof(msg));
        if (a < 0) {
            err_at(ld, k, MW_ERR_UNKNOWN_KEY, key, "%s", msg);
            continue;
        }
        join(key, sizeof(key), path, mw_antigen_name(a));
        if (first_line[a] > 0) {
            err_at(ld, k, MW_ERR_CONFIG, key, "antigen %s given twice (first on line %d)",
                   mw_antigen_name(a), first_line[a]);
            continue;
        }
        first_line[a] = (int) k->start_mark.line + 1;
        if (!want_mapping(ld, v, key, "a mapping of density, spread, copies, epitope")) {
            continue;
        }
        for (yaml_node_pair_t *fp = v->data.mapping.pairs.start;
             fp < v->data.mapping.pairs.top; fp++) {
            const yaml_node_t *fk = node_at(ld, fp->key), *fv = node_at(ld, fp->value);
            int r;
            if (!entry_ok(ld, v, fp, key)) {
                continue;
            }
            join(fkey, sizeof(fkey), key, text(fk));
            if (fv->type == YAML_MAPPING_NODE) {
                mw__var_target_t t = {fkey, 0, 0, 0, 0, 0};
                size_t off;
                char want[112];
                r = mw__antigen_field(text(fk), &off, &t.is_int, &t.hi, msg, sizeof(msg));
                if (r != 0) {
                    err_at(ld, fk, r, fkey, "%s", msg);
                    continue;
                }
                t.offset = offset_in(ld, (char *) &ags[a] + off);
                mw__fmt_range(want, sizeof(want), 0, 0, t.hi, t.is_int);
                snprintf(want + strlen(want), sizeof(want) - strlen(want), " (%s)",
                         t.is_int ? "an integer" : "a number");
                walk_dist(ld, fv, &t, want);
                continue;
            }
            if (fv->type != YAML_SCALAR_NODE) {
                what(fv, got, sizeof(got));
                /* Let the field check name the field first when it is unknown. */
                r = mw__antigen_set_text(&ags[a], text(fk), "?", msg, sizeof(msg));
                if (r == MW_ERR_UNKNOWN_KEY) {
                    err_at(ld, fk, r, fkey, "%s", msg);
                } else {
                    err_at(ld, fv, MW_ERR_BAD_VALUE, fkey, "expected a number, got %s",
                           got);
                }
                continue;
            }
            r = mw__antigen_set_text(&ags[a], text(fk), text(fv), msg, sizeof(msg));
            if (r != 0) {
                err_at(ld, r == MW_ERR_UNKNOWN_KEY ? fk : fv, r, fkey, "%s", msg);
            } else {
                /* A number given after a distribution (a later file) replaces it. */
                size_t off;
                int is_int;
                double hi;
                mw__bug_assert(mw__antigen_field(text(fk), &off, &is_int, &hi, msg,
                                                 sizeof(msg)) == 0);
                mw__var_drop_at(ld->sc, (char *) &ags[a] + off, 1);
            }
        }
    }
}

/* `edits`: trait or antigen -> change, order kept.  A mapping replaces the edits. */
static void
walk_edits(ld_t *ld, const yaml_node_t *map, mw_edit_t *edits, int *n, const char *path)
{
    char msg[320], key[256], got[80];
    int full = 0;

    *n = 0;
    if (!want_mapping(ld, map, path, "a mapping of traits or antigens to changes")) {
        return;
    }
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
         pr < map->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = node_at(ld, pr->key), *v = node_at(ld, pr->value);
        mw_edit_t e;
        int r, dup = 0;
        if (!entry_ok(ld, map, pr, path)) {
            continue;
        }
        join(key, sizeof(key), path, text(k));
        if (looks_like_dist(ld, v)) {
            err_at(ld, v, MW_ERR_BAD_VALUE, key,
                   "an edit is a change such as x0.5, +0.1, =2, lost or true, not a "
                   "distribution: only the values of numeric keys may vary between "
                   "patients");
            continue;
        }
        if (v->type != YAML_SCALAR_NODE) {
            what(v, got, sizeof(got));
            err_at(ld, v, MW_ERR_BAD_VALUE, key,
                   "expected a change such as x0.5, +0.1, =2, lost or true, got %s", got);
            continue;
        }
        r = mw__edit_parse(text(k), text(v), &e, msg, sizeof(msg));
        if (r != 0) {
            err_at(ld, r == MW_ERR_UNKNOWN_KEY ? k : v, r, key, "%s", msg);
            continue;
        }
        for (int j = 0; j < *n; j++) {
            dup |= mw__edit_same_target(&edits[j], &e);
        }
        if (dup) {
            err_at(ld, k, MW_ERR_CONFIG, key,
                   "'%s' changes the same trait as an earlier edit", text(k));
            continue;
        }
        if (*n >= MW_MAX_EDITS) {
            if (!full) {
                err_at(ld, k, MW_ERR_TOO_MANY, path, "at most %d edits allowed",
                       MW_MAX_EDITS);
            }
            full = 1;
            continue;
        }
        edits[(*n)++] = e;
    }
}

/* A list of mappings (clones, catalogue).  The list replaces earlier entries. */
static void
walk_list(ld_t *ld, const mw__param_t *row, const yaml_node_t *seq, void *base,
          const char *path)
{
    char *arr = (char *) base + row->offset;
    int *count = (int *) (void *) ((char *) base + row->aux);
    const int max = (int) row->hi;
    char prefix[128], ipath[256], got[80];
    int i = 0;

    memset(arr, 0, row->elem_size * (size_t) max);
    *count = 0;
    /* The list replaces the earlier one, and with it the distributions given in it. */
    mw__var_drop_at(ld->sc, arr, row->elem_size * (size_t) max);
    if (is_null(seq)) {
        return;
    }
    if (seq->type != YAML_SEQUENCE_NODE) {
        what(seq, got, sizeof(got));
        err_at(ld, seq, MW_ERR_BAD_VALUE, path, "expected a list of mappings, got %s",
               got);
        return;
    }
    snprintf(prefix, sizeof(prefix), "%s[].", row->key);
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top; it++, i++) {
        const yaml_node_t *item = node_at(ld, *it);
        if (i >= max) {
            err_at(ld, item, MW_ERR_TOO_MANY, path,
                   "%d entries given; at most %d allowed",
                   (int) (seq->data.sequence.items.top - seq->data.sequence.items.start),
                   max);
            break;
        }
        void *elem = arr + (size_t) i * row->elem_size;
        mw__list_elem_init(row, elem, i);
        *count = i + 1;
        snprintf(ipath, sizeof(ipath), "%.200s[%d]", path, i);
        if (item->type != YAML_MAPPING_NODE) {
            what(item, got, sizeof(got));
            err_at(ld, item, MW_ERR_BAD_VALUE, ipath, "expected a mapping, got %s", got);
            continue;
        }
        walk_map(ld, item, prefix, elem, ipath);
    }
}

/* A keyed list (drugs, regimens).  Each item names an entry: the entry of that
 * name (from the shipped library or an earlier file) is edited, only the keys given
 * changing, or a new one is appended with the defaults.  Nothing is removed. */
static void
walk_keyed(ld_t *ld, const mw__param_t *row, const yaml_node_t *seq, void *base,
           const char *path)
{
    char *arr = (char *) base + row->offset;
    int *count = (int *) (void *) ((char *) base + row->aux);
    const int max = (int) row->hi;
    const size_t name_off = mw__keyed_name_row(row)->offset;
    char prefix[128], ipath[256], got[80], msg[320], name[MW_NAME_MAX];
    int i = 0, full = 0;

    if (is_null(seq)) {
        return;
    }
    if (seq->type != YAML_SEQUENCE_NODE) {
        what(seq, got, sizeof(got));
        err_at(ld, seq, MW_ERR_BAD_VALUE, path,
               "expected a list of mappings, each with a name, got %s", got);
        return;
    }
    snprintf(prefix, sizeof(prefix), "%s[].", row->key);
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top; it++, i++) {
        const yaml_node_t *item = node_at(ld, *it), *nv;
        int k, dup = 0;
        snprintf(ipath, sizeof(ipath), "%.200s[%d]", path, i);
        if (item->type != YAML_MAPPING_NODE) {
            what(item, got, sizeof(got));
            err_at(ld, item, MW_ERR_BAD_VALUE, ipath,
                   "expected a mapping with a name, got %s", got);
            continue;
        }
        nv = map_value(ld, item, "name");
        if (nv == NULL) {
            err_at(ld, item, MW_ERR_CONFIG, ipath,
                   "missing name: each entry of %s names the entry it edits or adds",
                   row->key);
            continue;
        }
        strcat(ipath, ".name");
        if (nv->type != YAML_SCALAR_NODE) {
            what(nv, got, sizeof(got));
            err_at(ld, nv, MW_ERR_BAD_VALUE, ipath,
                   "expected a name of at most %d characters, got %s", MW_NAME_MAX - 1,
                   got);
            continue;
        }
        if (mw__name_set(name, is_null(nv) ? "" : text(nv), msg, sizeof(msg)) != 0) {
            err_at(ld, nv, MW_ERR_BAD_VALUE, ipath, "%s", msg);
            continue;
        }
        snprintf(ipath, sizeof(ipath), "%.180s[%s]", path, name);
        for (yaml_node_item_t *jt = seq->data.sequence.items.start; jt < it && !dup;
             jt++) {
            const yaml_node_t *prev = node_at(ld, *jt), *pv;
            if (prev->type == YAML_MAPPING_NODE &&
                (pv = map_value(ld, prev, "name")) != NULL &&
                pv->type == YAML_SCALAR_NODE && strcmp(text(pv), name) == 0) {
                err_at(ld, nv, MW_ERR_CONFIG, ipath,
                       "'%s' is given twice in this list (first on line %d)", name,
                       (int) pv->start_mark.line + 1);
                dup = 1;
            }
        }
        if (dup) {
            continue;
        }
        k = mw__keyed_find(row, base, name);
        if (k < 0) {
            if (*count >= max) {
                if (!full) {
                    err_at(ld, item, MW_ERR_TOO_MANY, path,
                           "no room for '%s': at most %d entries, the shipped library "
                           "included",
                           name, max);
                }
                full = 1;
                continue;
            }
            k = (*count)++;
            mw__list_elem_init(row, arr + (size_t) k * row->elem_size, k);
            memcpy(arr + (size_t) k * row->elem_size + name_off, name, MW_NAME_MAX);
        }
        walk_map(ld, item, prefix, arr + (size_t) k * row->elem_size, ipath);
    }
}

/* Cycle days given as a YAML list of day numbers ([1, 8, 15]): the same as the
 * text "1,8,15". */
static void
walk_days_list(ld_t *ld, const mw__param_t *row, const yaml_node_t *seq, void *base,
               const char *key)
{
    char buf[512], msg[320], got[80];
    size_t used = 0;

    buf[0] = '\0';
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top; it++) {
        const yaml_node_t *item = node_at(ld, *it);
        if (item->type != YAML_SCALAR_NODE || is_null(item)) {
            what(item, got, sizeof(got));
            err_at(ld, item, MW_ERR_BAD_VALUE, key, "expected a day number, got %s", got);
            return;
        }
        if (strlen(text(item)) + 2 > sizeof(buf) - used) {
            err_at(ld, item, MW_ERR_BAD_VALUE, key, "too many days listed");
            return;
        }
        used += (size_t) snprintf(buf + used, sizeof(buf) - used, "%s%s",
                                  used > 0 ? "," : "", text(item));
    }
    if (mw__param_set_text(row, base, buf, msg, sizeof(msg)) != 0) {
        err_at(ld, seq, MW_ERR_BAD_VALUE, key, "%s",
               used == 0 ? "expected at least one day" : msg);
    }
}

/* One scalar value for a table row or a trait. */
static void
walk_scalar(ld_t *ld, const mw__param_t *row, int kind, int trait, const yaml_node_t *v,
            void *base, const char *key)
{
    char msg[320], want[160], got[80];
    const char *value;
    char *field = (char *) base + row->offset;
    mw__var_target_t t = {key, 0, row->type == MW__P_INT, 0, row->lo, row->hi};
    int r, may_vary;

    mw__param_describe(row, trait, want, sizeof(want));
    if (kind == MW__K_TRAIT) {
        const mw_trait_info_t *ti = mw__trait_info(trait);
        field += ti->offset;
        t.lo = ti->lo;
        t.hi = ti->hi;
        may_vary = !ti->is_flag;
        if (!may_vary) {
            snprintf(msg, sizeof(msg),
                     "'%.100s' takes true or false, not a distribution: only numbers may "
                     "vary between patients",
                     key);
        }
    } else {
        t.open = (row->lo_open ? MW__OPEN_LO : 0) | (row->hi_open ? MW__OPEN_HI : 0);
        may_vary = mw__param_may_vary(row, key, msg, sizeof(msg)) == 0;
    }
    if (v->type == YAML_MAPPING_NODE && may_vary) {
        t.offset = offset_in(ld, field);
        walk_dist(ld, v, &t, want);
        return;
    }
    if (v->type == YAML_MAPPING_NODE && looks_like_dist(ld, v)) {
        err_at(ld, v, MW_ERR_BAD_VALUE, key, "%s", msg);
        return;
    }
    if (v->type != YAML_SCALAR_NODE) {
        what(v, got, sizeof(got));
        err_at(ld, v, MW_ERR_BAD_VALUE, key, "expected %s%s, got %s", want,
               may_vary ? " or " DISTS_WANT : "", got);
        return;
    }
    value = is_null(v) ? "" : text(v); /* "got nothing" */
    if (kind == MW__K_TRAIT) {
        r = mw__trait_set_text((mw_traits_t *) (void *) ((char *) base + row->offset),
                               trait, value, msg, sizeof(msg));
    } else {
        r = mw__param_set_text(row, base, value, msg, sizeof(msg));
    }
    if (r != 0) {
        err_at(ld, v, r, key, "%s", msg);
    } else if (may_vary) {
        /* A number given after a distribution (a later file) replaces it. */
        mw__var_drop_at(ld->sc, field, 1);
    }
}

/* ------------------------------------------------------------------------------
 * Trial arms: each arm's `set` is kept as a node and applied when the arm is
 * loaded (load_arms); the base scenario never holds it.
 * ---------------------------------------------------------------------------- */

/* The `set` of the arm whose struct is @p base (an element of trial.arms). */
static void
walk_arm_set(ld_t *ld, const yaml_node_t *v, const void *base, const char *key)
{
    const char *arms = (const char *) ld->sc->trial.arms;
    const ptrdiff_t at = (const char *) base - arms;
    char got[80];

    mw__bug_assert(at >= 0 && at % (ptrdiff_t) sizeof(mw_arm_t) == 0 &&
                   at / (ptrdiff_t) sizeof(mw_arm_t) < MW_MAX_ARMS);
    ld->arm_set[at / (ptrdiff_t) sizeof(mw_arm_t)] = NULL;
    if (is_null(v)) {
        return;
    }
    if (v->type != YAML_MAPPING_NODE) {
        what(v, got, sizeof(got));
        err_at(
            ld, v, MW_ERR_BAD_VALUE, key,
            "expected a mapping of scenario keys (written as at the top level), got %s",
            got);
        return;
    }
    ld->arm_set[at / (ptrdiff_t) sizeof(mw_arm_t)] = v;
}

/* A key with '.' or '[' in an arm's `set` ("products[0].targets[1].antigen"),
 * applied as `--set key=value` is, its errors placed at @p k or @p v. */
static void
apply_dotted(ld_t *ld, const yaml_node_t *k, const yaml_node_t *v)
{
    const char *value = v->type == YAML_SCALAR_NODE && !is_null(v) ? text(v) : "";
    size_t n = strlen(text(k)) + strlen(value) + 2;
    char *assignment = malloc(n), got[80];
    mw_diags_t *d = malloc(sizeof(*d));

    if (v->type != YAML_SCALAR_NODE) {
        what(v, got, sizeof(got));
        err_at(
            ld, v, MW_ERR_BAD_VALUE, text(k),
            "a key with '.' or '[' takes one plain value, as --set key=value does, got "
            "%s; write the keys nested for a list, a mapping or a distribution",
            got);
    } else if (assignment == NULL || d == NULL) {
        err_at(ld, k, MW_ERR_NO_MEMORY, text(k), "out of memory");
    } else {
        snprintf(assignment, n, "%s=%s", text(k), value);
        mw_diags_clear(d);
        if (mw_scenario_set(ld->sc, assignment, d) != 0) {
            for (int i = 0; i < d->n; i++) {
                const mw_diag_t *x = &d->d[i];
                err_at(ld, x->code == MW_ERR_BAD_VALUE ? v : k, x->code, x->key, "%s",
                       x->msg);
            }
            if (d->n == 0) {
                err_at(ld, k, MW_ERR_CONFIG, text(k), "cannot apply this key");
            }
        }
    }
    free(assignment);
    free(d);
}

/* In an arm's `set`, top-level key @p k (path @p key): a section of the whole trial
 * is refused, and a dotted key applied at once.  1 when handled here. */
static int
overlay_key(ld_t *ld, const yaml_node_t *k, const yaml_node_t *v, const char *key)
{
    const char *name = text(k);
    size_t n = strcspn(name, ".[");

    if ((n == 5 && strncmp(name, "trial", 5) == 0) ||
        (n == 10 && strncmp(name, "covariates", 10) == 0)) {
        err_at(ld, k, MW_ERR_CONFIG, key,
               "'%.*s' belongs to the whole trial, not to one arm: give it at the top "
               "level of the file",
               (int) n, name);
        return 1;
    }
    if (name[n] == '\0') {
        return 0;
    }
    apply_dotted(ld, k, v);
    return 1;
}

/* ------------------------------------------------------------------------------
 * Covariates: read here, their keys resolved and distributions made once the whole
 * file is read (resolve_covariates), since the lists they name may come later.
 * ---------------------------------------------------------------------------- */

/* The keys of one covariate, indexes into cov_fields. */
enum {
    CF_NAME = 0,
    CF_PREVALENCE,
    CF_DISTRIBUTION,
    CF_REFERENCE,
    CF_SET,
    CF_MULTIPLY,
    CF_POWER,
    CF_ASSIGN,
    CF_N
};
static const char *const cov_fields[CF_N + 1] = {
    "name",     "prevalence", "distribution", "reference", "set",
    "multiply", "power",      "assign",       NULL};

/* The covariate key of effect kind @p kind. */
static int
kind_field(int kind)
{
    switch (kind) {
        case MW_EFFECT_SET:
            return CF_SET;
        case MW_EFFECT_MULTIPLY:
            return CF_MULTIPLY;
        case MW_EFFECT_POWER:
            return CF_POWER;
        default:
            return CF_ASSIGN;
    }
}

/* A number of a covariate (prevalence, reference, an effect's value) into *@p x:
 * finite, and with @p lo_open > lo when @p lo_open, else >= lo; @p want says what
 * is allowed.  0, or -1 with the error reported. */
static int
cov_number(ld_t *ld, const yaml_node_t *n, const char *key, double lo, int lo_open,
           double hi, const char *want, double *x)
{
    char got[80];

    if (n->type == YAML_SCALAR_NODE && !is_null(n) && mw__number_parse(text(n), x) == 0 &&
        isfinite(*x) && !mw__out_of_range(*x, lo_open ? MW__OPEN_LO : 0, lo, hi)) {
        return 0;
    }
    what(n, got, sizeof(got));
    err_at(ld, n, MW_ERR_BAD_VALUE, key, "expected %s, got %s", want, got);
    return -1;
}

/* Append effect @p kind on key node @p kn (value node @p vn, value @p x) to
 * covariate @p i.  0, or -1 when there is no room or the key is too long. */
static int
cov_add(ld_t *ld, int i, int kind, const yaml_node_t *kn, const yaml_node_t *vn, double x,
        const char *path)
{
    mw_covariate_t *c = &ld->sc->covariates[i];
    cov_src_t *src = &ld->cov[i];
    mw_cov_effect_t *e;

    if (c->n_effects >= MW_COV_MAX_EFFECTS) {
        err_at(ld, kn, MW_ERR_TOO_MANY, path, "a covariate changes at most %d keys",
               MW_COV_MAX_EFFECTS);
        return -1;
    }
    if (strlen(text(kn)) >= sizeof(e->key)) {
        err_at(ld, kn, MW_ERR_BAD_VALUE, path, "key longer than %d characters",
               (int) sizeof(e->key) - 1);
        return -1;
    }
    e = &c->effects[c->n_effects];
    snprintf(e->key, sizeof(e->key), "%s", text(kn));
    e->kind = kind;
    e->value = x;
    src->key[c->n_effects] = kn;
    src->value[c->n_effects] = vn;
    c->n_effects++;
    return 0;
}

/* The effects of kind @p kind of covariate @p i, written at @p v: a mapping of key
 * to value (set, multiply, power) or a list of keys (assign). */
static void
cov_effects(ld_t *ld, int i, int kind, const yaml_node_t *v, const char *path)
{
    char got[80], key[320];

    if (kind == MW_EFFECT_ASSIGN) {
        if (v->type != YAML_SEQUENCE_NODE) {
            what(v, got, sizeof(got));
            err_at(ld, v, MW_ERR_BAD_VALUE, path,
                   "expected a list of keys, e.g. [tumour.clones[0].cells], got %s", got);
            return;
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
            const yaml_node_t *item = node_at(ld, *it);
            if (item->type != YAML_SCALAR_NODE || is_null(item)) {
                what(item, got, sizeof(got));
                err_at(ld, item, MW_ERR_BAD_VALUE, path, "expected a key, got %s", got);
                continue;
            }
            for (yaml_node_item_t *jt = v->data.sequence.items.start; jt < it; jt++) {
                const yaml_node_t *prev = node_at(ld, *jt);
                if (prev->type == YAML_SCALAR_NODE &&
                    strcmp(text(prev), text(item)) == 0) {
                    err_at(ld, item, MW_ERR_CONFIG, path, "'%.100s' is assigned twice",
                           text(item));
                    return;
                }
            }
            if (cov_add(ld, i, kind, item, item, 0, path) != 0) {
                return;
            }
        }
        return;
    }
    if (v->type != YAML_MAPPING_NODE) {
        what(v, got, sizeof(got));
        err_at(ld, v, MW_ERR_BAD_VALUE, path, "expected a mapping of keys to %s, got %s",
               kind == MW_EFFECT_SET        ? "values"
               : kind == MW_EFFECT_MULTIPLY ? "factors"
                                            : "exponents",
               got);
        return;
    }
    for (yaml_node_pair_t *pr = v->data.mapping.pairs.start;
         pr < v->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = node_at(ld, pr->key), *x = node_at(ld, pr->value);
        double value;
        int r;
        if (!entry_ok(ld, v, pr, path)) {
            continue;
        }
        join(key, sizeof(key), path, text(k));
        if (kind == MW_EFFECT_MULTIPLY) {
            r = cov_number(ld, x, key, 0, 1, INFINITY, "a factor > 0", &value);
        } else {
            r = cov_number(ld, x, key, -INFINITY, 0, INFINITY,
                           kind == MW_EFFECT_SET ? "a number" : "an exponent (a number)",
                           &value);
        }
        if (r == 0 && cov_add(ld, i, kind, k, x, value, path) != 0) {
            return;
        }
    }
}

/* Covariate @p i of the list, the mapping @p item at @p path. */
static void
walk_covariate(ld_t *ld, const yaml_node_t *item, int i, const char *path)
{
    /* Stored in this order, the order in which they apply: values first (set,
     * assign), then the factors (multiply, power). */
    static const int kinds[] = {MW_EFFECT_SET, MW_EFFECT_ASSIGN, MW_EFFECT_MULTIPLY,
                                MW_EFFECT_POWER};
    mw_covariate_t *c = &ld->sc->covariates[i];
    cov_src_t *src = &ld->cov[i];
    const yaml_node_t *val[CF_N] = {NULL}, *key_of[CF_N] = {NULL};
    char key[320], msg[320], got[80];
    int binary;

    memset(c, 0, sizeof(*c));
    memset(src, 0, sizeof(*src));
    src->item = item;
    for (yaml_node_pair_t *pr = item->data.mapping.pairs.start;
         pr < item->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = node_at(ld, pr->key);
        int f = 0;
        if (!entry_ok(ld, item, pr, path)) {
            continue;
        }
        while (f < CF_N && strcmp(text(k), cov_fields[f]) != 0) {
            f++;
        }
        join(key, sizeof(key), path, text(k));
        if (f == CF_N) {
            (void) mw__suggest(text(k), cov_fields, "covariate key", msg, sizeof(msg));
            err_at(ld, k, MW_ERR_UNKNOWN_KEY, key, "%s", msg);
            continue;
        }
        key_of[f] = k;
        val[f] = node_at(ld, pr->value);
    }
    /* The name: a column of patients.csv, so plain characters only. */
    join(key, sizeof(key), path, "name");
    if (val[CF_NAME] == NULL) {
        err_at(ld, item, MW_ERR_CONFIG, path,
               "missing name: a covariate needs a name (letters, digits, '_')");
    } else {
        const yaml_node_t *nv = val[CF_NAME];
        const char *t = nv->type == YAML_SCALAR_NODE && !is_null(nv) ? text(nv) : "";
        size_t n = strlen(t);
        if (n == 0 || n >= MW_NAME_MAX ||
            strspn(t,
                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
                n) {
            what(nv, got, sizeof(got));
            err_at(ld, nv, MW_ERR_BAD_VALUE, key,
                   "a covariate's name is 1 to %d letters, digits or '_' (it becomes a "
                   "column name), got %s",
                   MW_NAME_MAX - 1, got);
        } else {
            for (int j = 0; j < i; j++) {
                if (strcmp(ld->sc->covariates[j].name, t) == 0) {
                    err_at(ld, nv, MW_ERR_CONFIG, key,
                           "covariate '%s' is given twice (first on line %d)", t,
                           (int) ld->cov[j].item->start_mark.line + 1);
                    break;
                }
            }
            memcpy(c->name, t, n);
        }
    }
    binary = val[CF_PREVALENCE] != NULL;
    c->binary = binary;
    if (binary && val[CF_DISTRIBUTION] != NULL) {
        join(key, sizeof(key), path, "distribution");
        err_at(
            ld, key_of[CF_DISTRIBUTION], MW_ERR_CONFIG, key,
            "give prevalence (a binary covariate) or distribution (a numeric one), not "
            "both");
        return;
    }
    if (!binary && val[CF_DISTRIBUTION] == NULL) {
        err_at(
            ld, item, MW_ERR_CONFIG, path,
            "a covariate needs prevalence (binary: 1 with that probability, else 0) or "
            "distribution (numeric: lognormal, normal, uniform or choice)");
        return;
    }
    if (binary) {
        join(key, sizeof(key), path, "prevalence");
        (void) cov_number(ld, val[CF_PREVALENCE], key, 0, 0, 1, "a probability in [0, 1]",
                          &c->prevalence);
    } else {
        const yaml_node_t *d = val[CF_DISTRIBUTION];
        join(key, sizeof(key), path, "distribution");
        if (d->type != YAML_MAPPING_NODE) {
            what(d, got, sizeof(got));
            err_at(ld, d, MW_ERR_BAD_VALUE, key, "expected " DISTS_WANT ", got %s", got);
        } else {
            if (read_dist(ld, d, key, NULL, &src->spec, &src->dist_name,
                          &src->dist_params) != 0) {
                src->dist_name = src->dist_params = NULL;
            }
        }
    }
    if (val[CF_REFERENCE] != NULL) {
        join(key, sizeof(key), path, "reference");
        if (binary) {
            err_at(ld, key_of[CF_REFERENCE], MW_ERR_CONFIG, key,
                   "reference is for numeric covariates; a binary one is 0 or 1 and its "
                   "multiply applies when it is 1");
        } else {
            (void) cov_number(ld, val[CF_REFERENCE], key, -INFINITY, 0, INFINITY,
                              "a number", &c->reference);
        }
    }
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        const int f = kind_field(kinds[k]);
        if (val[f] == NULL) {
            continue;
        }
        join(key, sizeof(key), path, cov_fields[f]);
        if (binary && (kinds[k] == MW_EFFECT_POWER || kinds[k] == MW_EFFECT_ASSIGN)) {
            err_at(
                ld, key_of[f], MW_ERR_CONFIG, key,
                "%s is for numeric covariates; a binary one uses set (values when it is "
                "1) or multiply (factors when it is 1)",
                cov_fields[f]);
            continue;
        }
        if (!binary && kinds[k] == MW_EFFECT_SET) {
            err_at(
                ld, key_of[f], MW_ERR_CONFIG, key,
                "set is for binary covariates; a numeric one uses assign (key = value), "
                "multiply (key x factor^(value - reference)) or power (key x (value / "
                "reference)^exponent)");
            continue;
        }
        cov_effects(ld, i, kinds[k], val[f], key);
    }
    if (val[CF_POWER] != NULL && !binary && !(c->reference > 0)) {
        join(key, sizeof(key), path, "reference");
        err_at(ld, val[CF_REFERENCE] != NULL ? val[CF_REFERENCE] : key_of[CF_POWER],
               MW_ERR_BAD_VALUE, key,
               "power scales a key by (value / reference)^exponent: give reference > 0, "
               "got %g",
               c->reference);
    }
}

/* `covariates`: a list that replaces earlier covariates. */
static void
walk_covariates(ld_t *ld, const yaml_node_t *seq, const char *path)
{
    char ipath[256], got[80];
    int i = 0;

    memset(ld->sc->covariates, 0, sizeof(ld->sc->covariates));
    ld->sc->n_covariates = 0;
    ld->n_cov = 0;
    if (is_null(seq)) {
        return;
    }
    if (seq->type != YAML_SEQUENCE_NODE) {
        what(seq, got, sizeof(got));
        err_at(ld, seq, MW_ERR_BAD_VALUE, path,
               "expected a list of covariates (mappings with a name), got %s", got);
        return;
    }
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top; it++, i++) {
        const yaml_node_t *item = node_at(ld, *it);
        if (i >= MW_MAX_COVARIATES) {
            err_at(ld, item, MW_ERR_TOO_MANY, path,
                   "%d covariates given; at most %d allowed",
                   (int) (seq->data.sequence.items.top - seq->data.sequence.items.start),
                   MW_MAX_COVARIATES);
            break;
        }
        snprintf(ipath, sizeof(ipath), "%.200s[%d]", path, i);
        if (item->type != YAML_MAPPING_NODE) {
            what(item, got, sizeof(got));
            err_at(ld, item, MW_ERR_BAD_VALUE, ipath, "expected a mapping, got %s", got);
            break;
        }
        walk_covariate(ld, item, i, ipath);
        ld->sc->n_covariates = ld->n_cov = i + 1;
    }
}

/* The covariate key of effect @p e. */
static const char *
effect_field(const mw_cov_effect_t *e)
{
    return cov_fields[kind_field(e->kind)];
}

/* Widen nothing, narrow [*lo, *hi] (open ends in *open) to lie within [lo, hi]. */
static void
narrow(double *lo, double *hi, int *open, double lo2, double hi2, int open2)
{
    if (lo2 > *lo || (lo2 == *lo && (open2 & MW__OPEN_LO))) {
        *lo = lo2;
        *open = (*open & ~MW__OPEN_LO) | (open2 & MW__OPEN_LO);
    }
    if (hi2 < *hi || (hi2 == *hi && (open2 & MW__OPEN_HI))) {
        *hi = hi2;
        *open = (*open & ~MW__OPEN_HI) | (open2 & MW__OPEN_HI);
    }
}

/* Resolve the effect keys of the covariates this document gave against @p sc: the
 * base (@p arm < 0), where the values are checked against the keys and each
 * numeric covariate's distribution is made, or arm @p arm, where only the keys are
 * found again (the arm may have replaced the lists they lie in). */
static void
resolve_covariates(ld_t *ld, mw_scenario_t *sc, int arm)
{
    char key[320], msg[320], r[80], where[MW_NAME_MAX + 16] = "";

    if (arm >= 0) {
        snprintf(where, sizeof(where), " (in arm '%s')", sc->trial.arms[arm].name);
    }
    for (int i = 0; i < ld->n_cov && i < sc->n_covariates; i++) {
        mw_covariate_t *c = &sc->covariates[i];
        const cov_src_t *src = &ld->cov[i];
        double lo = -INFINITY, hi = INFINITY;
        int open = 0, is_int = 0, ok = 1, power = 0, int_key = -1;
        for (int k = 0; k < c->n_effects; k++) {
            mw_cov_effect_t *e = &c->effects[k];
            mw__var_target_t t;
            int ret;
            /* In an arm, a key the base could not resolve was reported already. */
            if (arm >= 0 && e->offset == 0) {
                continue;
            }
            snprintf(key, sizeof(key), "covariates[%d].%s.%.200s", i, effect_field(e),
                     e->key);
            ret = mw__key_target(sc, e->key, &t, msg, sizeof(msg));
            if (ret != 0) {
                err_at(ld, src->key[k], ret, key, "%s%s", msg, where);
                ok = 0;
                continue;
            }
            e->offset = (uint32_t) t.offset;
            if (arm >= 0) {
                continue;
            }
            e->is_int = t.is_int;
            e->range_open = t.open;
            e->lo = t.lo;
            e->hi = t.hi;
            mw__fmt_range(r, sizeof(r), t.open, t.lo, t.hi, t.is_int);
            if (t.is_int &&
                (e->kind == MW_EFFECT_MULTIPLY || e->kind == MW_EFFECT_POWER)) {
                err_at(
                    ld, src->key[k], MW_ERR_BAD_VALUE, key,
                    "'%.100s' is an integer in %s: a covariate may only set or assign it "
                    "(%s would make it fractional)",
                    e->key, r, effect_field(e));
                ok = 0;
            } else if (e->kind == MW_EFFECT_SET && t.is_int &&
                       e->value != floor(e->value)) {
                err_at(ld, src->value[k], MW_ERR_BAD_VALUE, key,
                       "%g is not an integer ('%.100s' is an integer in %s)", e->value,
                       e->key, r);
                ok = 0;
            } else if (e->kind == MW_EFFECT_SET &&
                       mw__out_of_range(e->value, t.open, t.lo, t.hi)) {
                err_at(ld, src->value[k], MW_ERR_BAD_VALUE, key,
                       "%g is outside %s, the range of '%.100s'", e->value, r, e->key);
                ok = 0;
            } else if (e->kind == MW_EFFECT_ASSIGN) {
                narrow(&lo, &hi, &open, t.lo, t.hi, t.open);
                is_int |= t.is_int;
                int_key = t.is_int && int_key < 0 ? k : int_key;
            }
            power |= e->kind == MW_EFFECT_POWER;
        }
        if (arm >= 0 || c->binary || !ok || src->dist_name == NULL) {
            continue;
        }
        /* The covariate is drawn within the range of the keys it is assigned to, and
         * positive when it scales a key by a power of itself. */
        if (power) {
            narrow(&lo, &hi, &open, 0, INFINITY, MW__OPEN_LO);
        }
        snprintf(key, sizeof(key), "covariates[%d].distribution", i);
        if (is_int && src->spec.dist != MW_DIST_UNIFORM &&
            src->spec.dist != MW_DIST_CHOICE) {
            err_at(
                ld, src->dist_name, MW_ERR_BAD_VALUE, key,
                "'%s' is assigned to '%.100s', an integer: it takes uniform or choice, "
                "not %s",
                c->name, c->effects[int_key].key, mw__dist_name(src->spec.dist));
            continue;
        }
        mw__var_target_t t = {c->name, 0, is_int, open, lo, hi};
        (void) make_dist(ld, &src->spec, &t, src->dist_name, src->dist_params, key,
                         &c->dist);
    }
}

/* ------------------------------------------------------------------------------
 * Mappings of keys
 * ---------------------------------------------------------------------------- */

/* A mapping of keys below the table pattern @p prefix; @p path is the concrete key
 * path ("tumour.clones[0]") and @p base the scope struct. */
static void
walk_map(ld_t *ld, const yaml_node_t *map, const char *prefix, void *base,
         const char *path)
{
    char msg[320], key[256], sub[128];

    if (!want_mapping(ld, map, path[0] != '\0' ? path : "(top level)", "a mapping")) {
        return;
    }
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
         pr < map->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = node_at(ld, pr->key), *v = node_at(ld, pr->value);
        const mw__param_t *row = NULL;
        int trait = -1, kind;
        if (!entry_ok(ld, map, pr, path)) {
            continue;
        }
        join(key, sizeof(key), path, text(k));
        if (ld->overlay && prefix[0] == '\0' && overlay_key(ld, k, v, key)) {
            continue;
        }
        kind = mw__param_classify(prefix, text(k), &row, &trait);
        switch (kind) {
            case MW__K_GROUP:
                snprintf(sub, sizeof(sub), "%s%s.", prefix, text(k));
                walk_map(ld, v, sub, base, key);
                break;
            case MW__K_LIST:
                if (strcmp(row->key, "trial.arms") == 0) {
                    ld->arms = v;
                }
                if (row->type == MW__P_KEYED) {
                    walk_keyed(ld, row, v, base, key);
                } else {
                    walk_list(ld, row, v, base, key);
                }
                break;
            case MW__K_TRAIT:
                walk_scalar(ld, row, kind, trait, v, base, key);
                break;
            case MW__K_LEAF:
                if (row->type == MW__P_ANTIGENS) {
                    walk_antigens(ld, v,
                                  (mw_antigen_t *) (void *) ((char *) base + row->offset),
                                  key);
                } else if (row->type == MW__P_EDITS) {
                    walk_edits(ld, v,
                               (mw_edit_t *) (void *) ((char *) base + row->offset),
                               (int *) (void *) ((char *) base + row->aux), key);
                } else if (row->type == MW__P_OVERLAY) {
                    walk_arm_set(ld, v, base, key);
                } else if (row->type == MW__P_COVARIATES) {
                    walk_covariates(ld, v, key);
                } else if (row->type == MW__P_DAYS && v->type == YAML_SEQUENCE_NODE) {
                    walk_days_list(ld, row, v, base, key);
                } else {
                    walk_scalar(ld, row, kind, trait, v, base, key);
                }
                break;
            default:
                mw__unknown_key_msg(prefix, text(k), msg, sizeof(msg));
                err_at(ld, k, MW_ERR_UNKNOWN_KEY, key, "%s", msg);
                break;
        }
    }
}

static void
syntax_error(ld_t *ld, const yaml_parser_t *p)
{
    int line = (int) p->problem_mark.line + 1, col = (int) p->problem_mark.column + 1;
    const char *problem = p->problem != NULL ? p->problem : "unknown problem";

    /* libyaml names every syntax problem; without one, an allocation failed */
    switch (p->problem == NULL && p->error != YAML_READER_ERROR ? YAML_MEMORY_ERROR
                                                                 : p->error) {
        case YAML_MEMORY_ERROR:
            mw__diag_add(ld->diags, MW_ERR_NO_MEMORY, ld->file, 0, 0, "",
                         "out of memory while parsing");
            break;
        case YAML_READER_ERROR:
            mw__diag_add(ld->diags, MW_ERR_CONFIG, ld->file, 0, 0, "",
                         "cannot read the text: %s (byte %zu)", problem,
                         p->problem_offset);
            break;
        default:
            if (p->context != NULL) {
                mw__diag_add(ld->diags, MW_ERR_CONFIG, ld->file, line, col, "",
                             "YAML syntax error: %s %s started on line %d", problem,
                             p->context, (int) p->context_mark.line + 1);
            } else {
                mw__diag_add(ld->diags, MW_ERR_CONFIG, ld->file, line, col, "",
                             "YAML syntax error: %s", problem);
            }
            break;
    }
    ld->n_err++;
}

/* In a paired design, arm @p i (scenario @p arm_sc) must draw the same patients as
 * the base: the same keys varying with the same distributions, so that patient k
 * has the same parameters on every arm. */
static void
check_paired(ld_t *ld, const mw_scenario_t *base, const mw_scenario_t *arm_sc, int i)
{
    const mw_variable_t *a = base->variables, *b = arm_sc->variables;
    const int na = base->n_variables, nb = arm_sc->n_variables;
    const char *name = base->trial.arms[i].name;
    char why[200] = "", key[128];
    int j = 0, k = 0;

    if (na == nb && memcmp(a, b, (size_t) na * sizeof(*a)) == 0) {
        return;
    }
    /* Both tables are in offset order: the first difference names the key. */
    while (why[0] == '\0' && (j < na || k < nb)) {
        if (k == nb || (j < na && a[j].offset < b[k].offset)) {
            snprintf(why, sizeof(why), "'%.100s' varies in the base but not in this arm",
                     a[j].key);
        } else if (j == na || b[k].offset < a[j].offset) {
            snprintf(why, sizeof(why), "'%.100s' varies in this arm but not in the base",
                     b[k].key);
        } else if (memcmp(&a[j], &b[k], sizeof(*a)) != 0) {
            snprintf(why, sizeof(why), "'%.100s' has another distribution", b[k].key);
        } else {
            j++;
            k++;
        }
    }
    snprintf(key, sizeof(key), "trial.arms[%s].set", name);
    err_at(ld, ld->arm_set[i], MW_ERR_CONFIG, key,
           "arm '%s' changes which keys vary between patients (%s); in a paired design "
           "every arm must draw the same patients",
           name, why);
}

/* After the base is read: apply each arm's `set` to a copy of the base, so that a
 * bad key in any arm is reported whichever arm is loaded, and leave arm @p arm
 * (-1: the base) in @p self. */
static void
load_arms(ld_t *ld, const yaml_node_t *root, mw_scenario_t *self, int arm)
{
    const int n = self->trial.n_arms;
    mw_scenario_t *scratch = NULL, *chosen = NULL;

    if (arm < -1 || arm >= n) {
        if (n == 0) {
            err_at(ld, root, MW_ERR_BAD_VALUE, "trial.arms",
                   "arm %d asked for, but the scenario has no trial.arms", arm);
        } else {
            err_at(ld, ld->arms != NULL ? ld->arms : root, MW_ERR_BAD_VALUE, "trial.arms",
                   "arm %d is out of range: the scenario has %d arm%s (0 to %d)", arm, n,
                   n == 1 ? "" : "s", n - 1);
        }
        arm = -1;
    }
    if (n <= 0 || n > MW_MAX_ARMS) {
        return;
    }
    scratch = malloc(sizeof(*scratch));
    chosen = arm >= 0 ? malloc(sizeof(*chosen)) : NULL;
    if (scratch == NULL || (arm >= 0 && chosen == NULL)) {
        err_at(ld, root, MW_ERR_NO_MEMORY, "trial.arms", "out of memory");
        free(scratch);
        free(chosen);
        return;
    }
    for (int i = 0; i < n; i++) {
        const int before = ld->n_err;
        memcpy(scratch, self, sizeof(*scratch));
        if (ld->arm_set[i] != NULL) {
            ld->sc = scratch;
            ld->overlay = 1;
            walk_map(ld, ld->arm_set[i], "", scratch, "");
            ld->overlay = 0;
            resolve_covariates(ld, scratch, i);
            ld->sc = self;
            if (ld->n_err == before && self->trial.design == MW_DESIGN_PAIRED) {
                check_paired(ld, self, scratch, i);
            }
        }
        scratch->trial.arm = i;
        if (i == arm) {
            memcpy(chosen, scratch, sizeof(*chosen));
        }
    }
    if (chosen != NULL && ld->n_err == 0) {
        memcpy(self, chosen, sizeof(*self));
    }
    free(scratch);
    free(chosen);
}

static int
load_text(mw_scenario_t *self, const char *buf, size_t len, const char *file, int arm,
          mw_diags_t *diags)
{
    ld_t ld;
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    const yaml_node_t *root;

    memset(&ld, 0, sizeof(ld));
    ld.file = file;
    ld.diags = diags;
    ld.sc = self;
    if (self->init_error != 0) {
        mw__diag_add(diags, MW_ERR_NO_MEMORY, file, 0, 0, "",
                     "out of memory: the shipped drug and regimen libraries did not load");
        return mw__trace_error(MW_ERR_NO_MEMORY);
    }
    if (!yaml_parser_initialize(&parser)) {
        mw__diag_add(diags, MW_ERR_NO_MEMORY, file, 0, 0, "", "out of memory");
        return mw__trace_error(MW_ERR_CONFIG);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *) buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        syntax_error(&ld, &parser);
        yaml_parser_delete(&parser);
        return mw__trace_error(MW_ERR_CONFIG);
    }
    ld.doc = &doc;
    root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        mw__diag_add(diags, MW_ERR_CONFIG, file, 0, 0, "",
                     "empty scenario: expected a mapping");
        ld.n_err++;
    } else if (root->type != YAML_MAPPING_NODE) {
        char got[80];
        what(root, got, sizeof(got));
        err_at(&ld, root, MW_ERR_CONFIG, "",
               "expected a mapping of keys at the top level, got %s", got);
    } else {
        walk_map(&ld, root, "", self, "");
        resolve_covariates(&ld, self, -1);
        load_arms(&ld, root, self, arm);
    }
    if (root != NULL) {
        if (!yaml_parser_load(&parser, &extra)) {
            syntax_error(&ld, &parser);
        } else {
            const yaml_node_t *r2 = yaml_document_get_root_node(&extra);
            if (r2 != NULL) {
                err_at(&ld, r2, MW_ERR_CONFIG, "",
                       "only one YAML document is allowed (found a second '---')");
            }
            yaml_document_delete(&extra);
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return ld.n_err > 0 ? mw__trace_error(MW_ERR_CONFIG) : 0;
}

int
mw_scenario_load_string(mw_scenario_t *self, const char *text_, const char *name,
                        mw_diags_t *diags)
{
    return load_text(self, text_, strlen(text_), name != NULL ? name : "<string>", -1,
                     diags);
}

int
mw_scenario_load_string_arm(mw_scenario_t *self, const char *text_, const char *name,
                            int arm, mw_diags_t *diags)
{
    return load_text(self, text_, strlen(text_), name != NULL ? name : "<string>", arm,
                     diags);
}

/* Read the file at @p path into *@p out (malloc'd, NUL-terminated, *@p len bytes
 * before the NUL).  0, or MW_ERR_CONFIG with the reason in @p diags (may be NULL). */
static int
read_file(const char *path, char **out, size_t *len_out, mw_diags_t *diags)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;

    if (f == NULL) {
        mw__diag_add(diags, MW_ERR_IO, path, 0, 0, "", "cannot open: %s",
                     strerror(errno));
        return mw__trace_error(MW_ERR_CONFIG);
    }
    for (;;) {
        if (len == cap) {
            size_t ncap = cap == 0 ? 4096 : 2 * cap;
            char *nb = ncap <= MAX_FILE_BYTES ? realloc(buf, ncap + 1) : NULL;
            if (nb == NULL) {
                mw__diag_add(diags, ncap <= MAX_FILE_BYTES ? MW_ERR_NO_MEMORY : MW_ERR_IO,
                             path, 0, 0, "", "cannot read: %s",
                             ncap <= MAX_FILE_BYTES ? "out of memory"
                                                    : "file larger than 64 MiB");
                free(buf);
                fclose(f);
                return mw__trace_error(MW_ERR_CONFIG);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(f)) {
        mw__diag_add(diags, MW_ERR_IO, path, 0, 0, "", "cannot read: %s",
                     strerror(errno));
        free(buf);
        fclose(f);
        return mw__trace_error(MW_ERR_CONFIG);
    }
    fclose(f);
    buf[len] = '\0';
    *out = buf;
    *len_out = len;
    return 0;
}

int
mw_scenario_load_arm(mw_scenario_t *self, const char *path, int arm, mw_diags_t *diags)
{
    char *buf = NULL;
    size_t len = 0;
    int ret;

    if (read_file(path, &buf, &len, diags) != 0) {
        return mw__trace_error(MW_ERR_CONFIG);
    }
    ret = load_text(self, buf, len, path, arm, diags);
    free(buf);
    return ret;
}

int
mw_scenario_load(mw_scenario_t *self, const char *path, mw_diags_t *diags)
{
    return mw_scenario_load_arm(self, path, -1, diags);
}

/* ------------------------------------------------------------------------------
 * Placing validation diagnostics.  Validation sees the merged scenario, not where a
 * value came from; the key path it reports is looked up again in the --set
 * assignments and in the file's node tree, which the loader does not keep (the
 * scenario is copied into every simulation and must stay a plain value).
 * ---------------------------------------------------------------------------- */

/* Most parts of one key path: "regimens", "[VRd]", "doses", "[0]", "drug". */
#define KEY_PARTS 24

/* A part of a key path: a mapping key or a list selector. */
typedef struct {
    char text[128];
    int is_sel;
    int keyed;               /* a selector of a keyed list: text is an entry name */
    int index;               /* the scenario's entry that a selector picks, or -1 */
    const mw__param_t *list; /* a selector's list row, or NULL */
} kpart_t;

/* A selector of list row @p row in scope struct @p base (NULL when unknown): find
 * its entry, and write a keyed list's entry by name whether @p s gave a name or an
 * index, so that "drugs[3]" and "drugs[bortezomib]" compare equal.  Returns the
 * entry's struct, or NULL. */
static const void *
resolve_sel(kpart_t *s, const mw__param_t *row, const void *base)
{
    size_t digits = strspn(s->text, "0123456789");
    long idx = s->text[0] != '\0' && s->text[digits] == '\0' && digits < 9
                   ? strtol(s->text, NULL, 10)
                   : -1;
    const char *elem = NULL;

    s->list = row;
    s->keyed = row->type == MW__P_KEYED;
    if (!s->keyed && idx >= 0) {
        snprintf(s->text, sizeof(s->text), "%ld", idx); /* "03" is index 3 */
    }
    if (base == NULL) {
        return NULL;
    }
    int count = *(const int *) (const void *) ((const char *) base + row->aux);
    int k = s->keyed ? mw__keyed_find(row, base, s->text) : -1;
    if (k < 0 && idx >= 0 && idx < count && idx < (long) row->hi) {
        k = (int) idx;
    }
    if (k < 0) {
        return NULL;
    }
    s->index = k;
    elem = (const char *) base + row->offset + (size_t) k * row->elem_size;
    if (s->keyed) {
        const char *name = elem + mw__keyed_name_row(row)->offset;
        snprintf(s->text, sizeof(s->text), "%.*s", MW_NAME_MAX - 1, name);
    }
    return elem;
}

/* Split key path @p key ("regimens[VRd].doses[0].drug") into @p parts, at most
 * @p max, naming keyed-list entries as resolve_sel() does with scenario @p sc (may
 * be NULL).  The number of parts, or -1 for a key of another shape. */
static int
key_parts(const char *key, const mw_scenario_t *sc, kpart_t *parts, int max)
{
    char prefix[256] = "";
    const void *base = sc;
    const char *p = key;
    int n = 0, in_table = 1;

    while (*p != '\0') {
        size_t len = strcspn(p, ".[");
        const mw__param_t *row = NULL;
        int kind = MW__K_UNKNOWN, trait = -1;
        kpart_t *m;
        if (len == 0 || len >= sizeof(m->text) || n >= max) {
            return -1;
        }
        m = &parts[n++];
        memset(m, 0, sizeof(*m));
        m->index = -1;
        memcpy(m->text, p, len);
        p += len;
        /* The table knows the keys down to a scalar row; below one (antigens, edits)
         * or below a key it does not know, parts are plain mapping keys. */
        if (in_table) {
            kind = mw__param_classify(prefix, m->text, &row, &trait);
        }
        if (kind == MW__K_GROUP) {
            size_t used = strlen(prefix);
            snprintf(prefix + used, sizeof(prefix) - used, "%s.", m->text);
        } else if (kind != MW__K_LIST || *p != '[') {
            in_table = 0;
            base = NULL;
        }
        if (*p == '[') {
            const char *close = strchr(p + 1, ']');
            size_t k = close != NULL ? (size_t) (close - p - 1) : 0;
            kpart_t *s;
            if (close == NULL || k >= sizeof(s->text) || n >= max) {
                return -1;
            }
            s = &parts[n++];
            memset(s, 0, sizeof(*s));
            s->index = -1;
            s->is_sel = 1;
            memcpy(s->text, p + 1, k);
            mw__trim(s->text);
            p = close + 1;
            if (kind == MW__K_LIST) {
                base = resolve_sel(s, row, base);
                snprintf(prefix, sizeof(prefix), "%s[].", row->key);
            } else {
                in_table = 0;
                base = NULL;
            }
        }
        if (*p == '.' && p[1] != '\0') {
            p++;
        } else if (*p != '\0') {
            return -1;
        }
    }
    return n;
}

/* 1 when one of the key paths @p a and @p b is the other or begins it, at a part
 * boundary ("tumour.clones" begins "tumour.clones[0].cells"). */
static int
parts_nested(const kpart_t *a, int na, const kpart_t *b, int nb)
{
    for (int i = 0; i < na && i < nb; i++) {
        if (a[i].is_sel != b[i].is_sel || strcmp(a[i].text, b[i].text) != 0) {
            return 0;
        }
    }
    return 1;
}

/* 1 when key @p parts came from a --set: one of @p sets ("key=value") sets that key,
 * a part of it or a key below it, or it lies in a drug or regimen that --set added
 * (whose keys it need not have named: route=radiation makes dose_unit wrong). */
static int
set_by(const kpart_t *parts, int n, const mw_scenario_t *sc, char *const *sets,
       int n_sets)
{
    kpart_t sp[KEY_PARTS];
    char key[256];

    if (sc != NULL && n >= 2 && parts[1].list != NULL &&
        mw__from_set(sc, parts[1].list, parts[1].index)) {
        return 1;
    }
    for (int i = 0; i < n_sets; i++) {
        const char *eq = strchr(sets[i], '=');
        int ns;
        if (eq == NULL || (size_t) (eq - sets[i]) >= sizeof(key)) {
            continue;
        }
        memcpy(key, sets[i], (size_t) (eq - sets[i]));
        key[eq - sets[i]] = '\0';
        mw__trim(key);
        ns = key_parts(key, sc, sp, KEY_PARTS);
        if (ns > 0 && parts_nested(parts, n, sp, ns)) {
            return 1;
        }
    }
    return 0;
}

/* Where key @p parts is written in the document of @p ld: at its value when that is
 * a scalar (as the loader reports a bad value), else at the key, or list item, of
 * the deepest part the file writes (a block mapping starts at its first child,
 * which names another key).  0 when not even the first part is there, or when an
 * entry of a keyed list is not: it comes from the library or an earlier file, and
 * a place in this file would be a wrong one. */
static int
key_place(ld_t *ld, const yaml_node_t *start, const kpart_t *parts, int n, int *line,
          int *col)
{
    const yaml_node_t *node = start, *at = NULL;

    for (int i = 0; i < n && node != NULL; i++) {
        const yaml_node_t *next = NULL, *mark = NULL;
        if (!parts[i].is_sel) {
            const yaml_node_pair_t *pr = NULL;
            if (node->type == YAML_MAPPING_NODE) {
                pr = map_pair(ld, node, parts[i].text, 0);
                if (pr == NULL) {
                    pr = map_pair(ld, node, parts[i].text, 1);
                }
            }
            if (pr != NULL) {
                mark = node_at(ld, pr->key);
                next = node_at(ld, pr->value);
            }
        } else if (node->type == YAML_SEQUENCE_NODE) {
            const char *t = parts[i].text;
            size_t digits = strspn(t, "0123456789");
            long idx = -1, j = 0;
            if (!parts[i].keyed && t[0] != '\0' && t[digits] == '\0' && digits < 9) {
                idx = strtol(t, NULL, 10);
            }
            for (yaml_node_item_t *it = node->data.sequence.items.start;
                 it < node->data.sequence.items.top && next == NULL; it++, j++) {
                const yaml_node_t *item = node_at(ld, *it), *nv;
                if (idx >= 0
                        ? j == idx
                        : item->type == YAML_MAPPING_NODE &&
                              (nv = map_value(ld, item, "name")) != NULL &&
                              nv->type == YAML_SCALAR_NODE && strcmp(text(nv), t) == 0) {
                    next = mark = item;
                }
            }
            if (next == NULL && idx < 0) {
                return 0;
            }
        }
        if (next == NULL) {
            break;
        }
        at = i == n - 1 && next->type == YAML_SCALAR_NODE && !is_null(next) ? next : mark;
        node = next;
    }
    if (at == NULL) {
        return 0;
    }
    *line = (int) at->start_mark.line + 1;
    *col = (int) at->start_mark.column + 1;
    return 1;
}

/* The `set` mapping of arm @p arm in the document, or NULL. */
static const yaml_node_t *
arm_set_node(ld_t *ld, int arm)
{
    const yaml_node_t *root = yaml_document_get_root_node(ld->doc), *n, *item;

    if (root == NULL || root->type != YAML_MAPPING_NODE ||
        (n = map_value(ld, root, "trial")) == NULL || n->type != YAML_MAPPING_NODE ||
        (n = map_value(ld, n, "arms")) == NULL || n->type != YAML_SEQUENCE_NODE ||
        arm < 0 || arm >= n->data.sequence.items.top - n->data.sequence.items.start) {
        return NULL;
    }
    item = node_at(ld, n->data.sequence.items.start[arm]);
    if (item->type != YAML_MAPPING_NODE || (n = map_value(ld, item, "set")) == NULL ||
        n->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    return n;
}

/* Where key @p parts is written in the `set` of arm @p sc->trial.arm: a dotted key
 * that sets it, a part of it or a key below it, else the nested keys as key_place()
 * finds them.  0 when the arm's set does not write it. */
static int
arm_place(ld_t *ld, const mw_scenario_t *sc, const kpart_t *parts, int n, int *line,
          int *col)
{
    const yaml_node_t *set = sc != NULL ? arm_set_node(ld, sc->trial.arm) : NULL;
    kpart_t kp[KEY_PARTS];

    if (set == NULL) {
        return 0;
    }
    for (yaml_node_pair_t *pr = set->data.mapping.pairs.start;
         pr < set->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = node_at(ld, pr->key), *v = node_at(ld, pr->value), *at;
        int nk;
        if (k->type != YAML_SCALAR_NODE || strpbrk(text(k), ".[") == NULL) {
            continue;
        }
        nk = key_parts(text(k), sc, kp, KEY_PARTS);
        if (nk > 0 && parts_nested(parts, n, kp, nk)) {
            at = v->type == YAML_SCALAR_NODE && !is_null(v) && nk >= n ? v : k;
            *line = (int) at->start_mark.line + 1;
            *col = (int) at->start_mark.column + 1;
            return 1;
        }
    }
    return key_place(ld, set, parts, n, line, col);
}

void
mw_diags_locate(mw_diags_t *diags, const mw_scenario_t *self, const char *path,
                char *const *sets, int n_sets)
{
    ld_t ld = {.file = path};
    yaml_parser_t parser;
    yaml_document_t doc;
    kpart_t parts[KEY_PARTS];
    char *buf = NULL;
    size_t len = 0;

    if (diags == NULL) {
        return;
    }
    /* The file loaded once already; if it no longer does, places are only lost. */
    if (path != NULL && read_file(path, &buf, &len, NULL) == 0 &&
        yaml_parser_initialize(&parser)) {
        yaml_parser_set_input_string(&parser, (const unsigned char *) buf, len);
        if (yaml_parser_load(&parser, &doc)) {
            ld.doc = &doc;
            if (yaml_document_get_root_node(&doc) == NULL) {
                yaml_document_delete(&doc);
                ld.doc = NULL;
            }
        }
        yaml_parser_delete(&parser);
    }
    for (int i = 0; i < diags->n; i++) {
        mw_diag_t *x = &diags->d[i];
        int n, line, col;
        if (x->line != 0 || x->file[0] != '\0' || x->key[0] == '\0') {
            continue;
        }
        n = key_parts(x->key, self, parts, KEY_PARTS);
        if (n <= 0) {
            continue;
        }
        if (set_by(parts, n, self, sets, n_sets)) {
            snprintf(x->file, sizeof(x->file), "%s", MW__SET_FILE);
        } else if (ld.doc != NULL && (arm_place(&ld, self, parts, n, &line, &col) ||
                                      key_place(&ld, yaml_document_get_root_node(&doc),
                                                parts, n, &line, &col))) {
            snprintf(x->file, sizeof(x->file), "%s", path);
            x->line = line;
            x->col = col;
        }
    }
    if (ld.doc != NULL) {
        yaml_document_delete(&doc);
    }
    free(buf);
}
