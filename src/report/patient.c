/*
 * The patient report of a `marrow run` output directory (SPEC.md §10): replicate 0
 * drawn as a summary, a Muller plot of its clones, tumour burden and markers with
 * the IMWG response over time and the clinic's observations over the truth, CAR-T
 * kinetics, antigen density, the clone tree and the timeline of events.
 *
 * The directory's files are the only input (run.json, summary.json, timeseries.csv,
 * events.csv, clones.csv, observations.csv), so `marrow report DIR` rebuilds the
 * page of an old run without simulating again.  Every number drawn is computed here
 * and written to report.json.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/trial.h"
#include "core/core.h"
#include "io/out.h"
#include "report/report.h"

/* Muller plot and clone tree: clones whose share of the tumour never reaches
 * MIN_SHARE are folded into their nearest drawn ancestor, and at most MAX_DRAWN
 * clones (the largest by peak share) are drawn, each nested in its nearest drawn
 * ancestor. */
#define MAX_DRAWN 60
#define MIN_SHARE 0.002
/* The Muller plot uses at most this many time points (every k-th output time). */
#define MULLER_POINTS 600
/* Timeline: doses beyond this many are thinned evenly; labels only when few. */
#define MAX_DOSE_MARKS 1500
#define MAX_LABELS     40
#define MAX_CSV_EVENTS 5000
/* Log-axis floors: less than one cell is no tumour; a model M-protein can decay
 * towards 1e-26 g/dL, and twenty empty decades would squash the part that matters. */
#define BURDEN_FLOOR   1.0  /* cells */
#define MPROTEIN_FLOOR 1e-3 /* g/dL */
#define FLC_FLOOR      1e-2 /* mg/L */
#define COPIES_FLOOR   1e-2 /* copies/ug */
#define DENSITY_FLOOR  1.0  /* molecules per cell */
#define MAX_ANTIGENS   8
#define MAX_PRODUCTS   8

/* ---- a CSV file of replicate 0, in memory --------------------------------------- */

typedef struct {
    char path[MW__OUT_PATH_MAX];
    char *head;
    char **name; /* nc column names (the replicate column dropped) */
    int nc;
    char **line;  /* n rows, each one allocation ... */
    char **cell;  /* ... split into n * nc fields */
    long *lineno; /* each row's line in the file */
    int n, cap;
} csv_t;

static void
csv_free(csv_t *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->line[i]);
    }
    free(c->line);
    free(c->cell);
    free(c->lineno);
    free(c->name);
    free(c->head);
    memset(c, 0, sizeof(*c));
}

static int
csv_col(const csv_t *c, const char *name)
{
    for (int k = 0; k < c->nc; k++) {
        if (strcmp(c->name[k], name) == 0) {
            return k;
        }
    }
    return -1;
}

static const char *
cell(const csv_t *c, int row, int col)
{
    return col >= 0 ? c->cell[(size_t) row * (size_t) c->nc + (size_t) col] : "";
}

static double
cellnum(const csv_t *c, int row, int col)
{
    const char *s = cell(c, row, col);
    char *end;
    double x = strtod(s, &end);
    return end != s ? x : NAN;
}

static int
csv_push(csv_t *c, char *line, char **field, int skip, long lineno)
{
    if (c->n == c->cap) {
        int cap = c->cap > 0 ? 2 * c->cap : 256;
        char **l = realloc(c->line, (size_t) cap * sizeof(char *));
        if (l != NULL) {
            c->line = l;
        }
        long *no = realloc(c->lineno, (size_t) cap * sizeof(long));
        if (no != NULL) {
            c->lineno = no;
        }
        char **cells = realloc(c->cell, (size_t) cap * (size_t) c->nc * sizeof(char *));
        if (cells != NULL) {
            c->cell = cells;
        }
        if (l == NULL || no == NULL || cells == NULL) {
            return MW_ERR_NO_MEMORY;
        }
        c->cap = cap;
    }
    c->line[c->n] = line;
    c->lineno[c->n] = lineno;
    memcpy(c->cell + (size_t) c->n * (size_t) c->nc, field + skip,
           (size_t) c->nc * sizeof(char *));
    c->n++;
    return 0;
}

/* Read DIR/NAME, keeping the rows of replicate 0 (every row when the file has no
 * replicate column).  A missing optional file is an empty table. */
static int
csv_read(csv_t *c, const char *dir, const char *name, int optional, char *errbuf,
         size_t errlen)
{
    char *buf = NULL, **field = NULL;
    size_t cap = 0;
    long lineno = 0;
    int skip = 0, maxf = 0, ret = 0;
    memset(c, 0, sizeof(*c));
    snprintf(c->path, sizeof(c->path), "%s/%s", dir, name);
    FILE *f = fopen(c->path, "r");
    if (f == NULL) {
        if (optional && errno == ENOENT) {
            return 0;
        }
        mw__seterr(errbuf, errlen, "%s: cannot open: %s%s", c->path, strerror(errno),
                   errno == ENOENT ? " (is this a `marrow run` output directory?)" : "");
        return MW_ERR_IO;
    }
    int k = 0;
    while (ret == 0 && (k = mw__read_line(f, &buf, &cap)) == 1) {
        lineno++;
        char *line = strdup(buf);
        if (line == NULL) {
            ret = MW_ERR_NO_MEMORY;
            break;
        }
        if (lineno == 1) {
            /* The header: count its columns, then split it for good. */
            maxf = 1;
            for (const char *p = line; *p != '\0'; p++) {
                maxf += *p == ',';
            }
            field = malloc((size_t) (maxf + 1) * sizeof(char *));
            c->name = malloc((size_t) maxf * sizeof(char *));
            if (field == NULL || c->name == NULL) {
                free(line);
                ret = MW_ERR_NO_MEMORY;
                break;
            }
            c->head = line;
            int n = mw__csv_split(line, field, maxf);
            skip = n > 0 && strcmp(field[0], "replicate") == 0;
            c->nc = n - skip;
            if (n < 1 || c->nc < 1) {
                mw__seterr(errbuf, errlen, "%s:1:1: no header", c->path);
                ret = MW_ERR_IO;
                break;
            }
            memcpy(c->name, field + skip, (size_t) c->nc * sizeof(char *));
            continue;
        }
        int n = mw__csv_split(line, field, maxf);
        if (n != c->nc + skip) {
            mw__seterr(errbuf, errlen,
                       "%s:%ld:1: expected %d columns as in the header, "
                       "found %d",
                       c->path, lineno, c->nc + skip, n < 0 ? 0 : n);
            free(line);
            ret = MW_ERR_IO;
        } else if (skip && strcmp(field[0], "0") != 0) {
            free(line);
        } else if ((ret = csv_push(c, line, field, skip, lineno)) != 0) {
            free(line);
        }
    }
    if (ret == 0 && k == MW__LINE_CUT) {
        mw__seterr(errbuf, errlen,
                   "%s:%ld: the last line has no line break: the file was cut short",
                   c->path, lineno + 1);
        ret = MW_ERR_IO;
    } else if (ret == 0 && k == MW__LINE_NO_MEMORY) {
        ret = MW_ERR_NO_MEMORY;
    }
    if (ret == MW_ERR_NO_MEMORY) {
        mw__seterr(errbuf, errlen, "%s:%ld: out of memory", c->path, lineno);
    } else if (ret == 0 && (k == MW__LINE_ERROR || ferror(f))) {
        mw__seterr(errbuf, errlen, "%s:%ld: read error", c->path, lineno + 1);
        ret = MW_ERR_IO;
    } else if (ret == 0 && lineno == 0) {
        mw__seterr(errbuf, errlen, "%s:1:1: empty file, expected a CSV header", c->path);
        ret = MW_ERR_IO;
    }
    free(field);
    free(buf);
    fclose(f);
    return ret;
}

static int
need_cols(const csv_t *c, const char *const *cols, int n, char *errbuf, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        if (c->nc > 0 && csv_col(c, cols[i]) < 0) {
            mw__seterr(errbuf, errlen, "%s:1:1: no column '%s' in the header", c->path,
                       cols[i]);
            return MW_ERR_IO;
        }
    }
    return 0;
}

/* ---- the run, as the report needs it ------------------------------------------ */

/* One timeseries variable: (t, value) in file order. */
typedef struct {
    const char *name;
    double *t, *v;
    int n, cap;
} series_t;

typedef struct {
    int id, parent; /* parent: row index in clones.csv, -1 for a founder */
    double born, extinct, peak;
    const char *event;
    double trait;          /* the colouring trait's value */
    const series_t *cells; /* clone_cells:<id>, NULL when never alive at an output */
    double max_share;
    int drawn;   /* drawn, or folded into the nearest drawn ancestor */
    int into;    /* the row its cells are drawn in */
    int dparent; /* a drawn clone's nearest drawn ancestor (row), -1 if none */
    int lane;    /* preorder position among drawn clones, -1 if not drawn */
} clone_t;

typedef struct {
    /* run.json */
    char version[64], command_line[4096], seed[32], hash[80], scenario[256], mode[32];
    char replicates[16];
    double horizon, lloq;
    int n_products;
    char product[MAX_PRODUCTS][MW_NAME_MAX];
    int n_antigens;
    char antigen[MAX_ANTIGENS][MW_NAME_MAX];
    yaml_document_t summary;
    int have_summary;
    const yaml_node_t *rep; /* summary.json per_replicate[0] */
    /* files */
    csv_t ts, ev, cl, ob;
    series_t *ser;
    int n_ser, cap_ser;
    int *slot; /* open-addressing index of ser by name: index + 1, 0 empty */
    size_t n_slots;
    int ids_sorted; /* clone ids ascend in clones.csv (they do: ids are given at birth) */
    /* the time grid: the output times of tumour_cells */
    double *x;
    int nx;
    clone_t *clone;
    int n_clones;
    char colour_by[MW_NAME_MAX + 48];
    int effective; /* colour by a density times copies/2 */
    double trait_lo, trait_hi;
    int *order; /* drawn clones in preorder */
    int n_drawn;
} patient_t;

static void
field_of(yaml_document_t *d, const yaml_node_t *map, const char *key, char *out,
         size_t len)
{
    const char *v = mw__json_scalar(mw__json_get(d, map, key));
    snprintf(out, len, "%s", v != NULL ? v : "?");
}

static void
add_antigen(patient_t *p, const char *name)
{
    for (int i = 0; i < p->n_antigens; i++) {
        if (strcmp(p->antigen[i], name) == 0) {
            return;
        }
    }
    if (p->n_antigens < MAX_ANTIGENS) {
        snprintf(p->antigen[p->n_antigens++], MW_NAME_MAX, "%s", name);
    }
}

static int
read_run(patient_t *p, const char *dir, char *errbuf, size_t errlen)
{
    char path[MW__OUT_PATH_MAX];
    yaml_document_t doc;
    snprintf(path, sizeof(path), "%s/run.json", dir);
    int ret = mw__json_load(path, &doc, errbuf, errlen);
    if (ret == MW_ERR_IO) {
        mw__seterr(errbuf, errlen,
                   "%s: cannot open (is %s a `marrow run` output directory?)", path, dir);
    }
    if (ret != 0) {
        return ret;
    }
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    const yaml_node_t *sc = mw__json_get(&doc, root, "scenario");
    double horizon = mw__json_number(mw__json_get(&doc, sc, "horizon_days"));
    if (sc == NULL || sc->type != YAML_MAPPING_NODE || !(horizon > 0) || isinf(horizon)) {
        mw__seterr(errbuf, errlen,
                   "%s: scenario.horizon_days: missing or not a positive number (is this "
                   "the run.json of `marrow run`?)",
                   path);
        yaml_document_delete(&doc);
        return MW_ERR_IO;
    }
    field_of(&doc, root, "marrow_version", p->version, sizeof(p->version));
    field_of(&doc, root, "command_line", p->command_line, sizeof(p->command_line));
    field_of(&doc, root, "seed", p->seed, sizeof(p->seed));
    field_of(&doc, root, "scenario_hash", p->hash, sizeof(p->hash));
    field_of(&doc, root, "replicates", p->replicates, sizeof(p->replicates));
    field_of(&doc, sc, "name", p->scenario, sizeof(p->scenario));
    p->horizon = horizon;
    const yaml_node_t *imm = mw__json_get(&doc, sc, "immune");
    p->lloq = mw__json_number(mw__json_get(&doc, imm, "lloq_copies_ug"));
    const yaml_node_t *prods = mw__json_get(&doc, sc, "products");
    for (int i = 0; i < MAX_PRODUCTS; i++) {
        const yaml_node_t *pr = mw__json_item(&doc, prods, i);
        if (pr == NULL) {
            break;
        }
        field_of(&doc, pr, "name", p->product[p->n_products++], MW_NAME_MAX);
        const yaml_node_t *tg = mw__json_get(&doc, pr, "targets");
        for (int k = 0; mw__json_item(&doc, tg, k) != NULL; k++) {
            const char *a = mw__json_scalar(
                mw__json_get(&doc, mw__json_item(&doc, tg, k), "antigen"));
            if (a != NULL) {
                add_antigen(p, a);
            }
        }
    }
    const yaml_node_t *eng = mw__json_get(&doc, sc, "engagers");
    for (int i = 0; mw__json_item(&doc, eng, i) != NULL; i++) {
        const yaml_node_t *tg = mw__json_get(&doc, mw__json_item(&doc, eng, i), "target");
        const char *a = mw__json_scalar(mw__json_get(&doc, tg, "antigen"));
        if (a != NULL) {
            add_antigen(p, a);
        }
    }
    yaml_document_delete(&doc);
    snprintf(p->mode, sizeof(p->mode), "?");
    return 0;
}

/* summary.json is optional (a run of an older marrow may lack it). */
static int
read_summary(patient_t *p, const char *dir, char *errbuf, size_t errlen)
{
    char path[MW__OUT_PATH_MAX];
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    FILE *f = fopen(path, "r");
    if (f == NULL && errno == ENOENT) {
        return 0;
    }
    if (f == NULL) {
        mw__seterr(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
        return MW_ERR_IO;
    }
    fclose(f);
    int ret = mw__json_load(path, &p->summary, errbuf, errlen);
    if (ret != 0) {
        return ret;
    }
    p->have_summary = 1;
    const yaml_node_t *root = yaml_document_get_root_node(&p->summary);
    p->rep =
        mw__json_item(&p->summary, mw__json_get(&p->summary, root, "per_replicate"), 0);
    field_of(&p->summary, root, "mode", p->mode, sizeof(p->mode));
    return 0;
}

static size_t
name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s != '\0'; s++) {
        h = (h ^ (unsigned char) *s) * 1099511628211ULL;
    }
    return (size_t) h;
}

static series_t *
series_find(const patient_t *p, const char *name)
{
    for (size_t i = p->n_slots > 0 ? name_hash(name) & (p->n_slots - 1) : 0;
         p->n_slots > 0 && p->slot[i] != 0; i = (i + 1) & (p->n_slots - 1)) {
        if (strcmp(p->ser[p->slot[i] - 1].name, name) == 0) {
            return &p->ser[p->slot[i] - 1];
        }
    }
    return NULL;
}

/* A new series named @p name (not yet present); NULL when out of memory. */
static series_t *
series_add(patient_t *p, const char *name)
{
    if (2 * (size_t) (p->n_ser + 1) > p->n_slots) {
        size_t n = p->n_slots > 0 ? 2 * p->n_slots : 1024;
        int *slot = calloc(n, sizeof(int));
        if (slot == NULL) {
            return NULL;
        }
        free(p->slot);
        p->slot = slot;
        p->n_slots = n;
        for (int k = 0; k < p->n_ser; k++) {
            size_t i = name_hash(p->ser[k].name) & (n - 1);
            while (slot[i] != 0) {
                i = (i + 1) & (n - 1);
            }
            slot[i] = k + 1;
        }
    }
    if (mw__grow((void **) &p->ser, sizeof(series_t), &p->cap_ser, p->n_ser + 1) != 0) {
        return NULL;
    }
    series_t *s = &p->ser[p->n_ser++];
    memset(s, 0, sizeof(*s));
    s->name = name;
    size_t i = name_hash(name) & (p->n_slots - 1);
    while (p->slot[i] != 0) {
        i = (i + 1) & (p->n_slots - 1);
    }
    p->slot[i] = p->n_ser;
    return s;
}

static int
series_push(series_t *s, double t, double v)
{
    if (s->n == s->cap) {
        int cap = s->cap;
        if (mw__grow((void **) &s->t, sizeof(double), &cap, s->n + 1) != 0) {
            return MW_ERR_NO_MEMORY;
        }
        cap = s->cap;
        if (mw__grow((void **) &s->v, sizeof(double), &cap, s->n + 1) != 0) {
            return MW_ERR_NO_MEMORY;
        }
        s->cap = cap;
    }
    s->t[s->n] = t;
    s->v[s->n] = v;
    s->n++;
    return 0;
}

static int
index_timeseries(patient_t *p, char *errbuf, size_t errlen)
{
    static const char *cols[] = {"t_days", "variable", "value"};
    int ret = need_cols(&p->ts, cols, 3, errbuf, errlen);
    int ct = csv_col(&p->ts, "t_days"), cn = csv_col(&p->ts, "variable");
    int cv = csv_col(&p->ts, "value");
    for (int r = 0; ret == 0 && r < p->ts.n; r++) {
        const char *name = cell(&p->ts, r, cn);
        double t = cellnum(&p->ts, r, ct);
        if (!isfinite(t)) {
            mw__seterr(errbuf, errlen, "%s:%ld:1: t_days: '%s' is not a number",
                       p->ts.path, p->ts.lineno[r], cell(&p->ts, r, ct));
            return MW_ERR_IO;
        }
        series_t *s = series_find(p, name);
        if (s != NULL && s->n > 0 && t < s->t[s->n - 1]) {
            mw__seterr(errbuf, errlen,
                       "%s:%ld:1: t_days: %s goes back in time (%g after %g); rows of a "
                       "variable must be in time order",
                       p->ts.path, p->ts.lineno[r], name, t, s->t[s->n - 1]);
            return MW_ERR_IO;
        }
        if (s == NULL && (s = series_add(p, name)) == NULL) {
            ret = MW_ERR_NO_MEMORY;
        } else {
            ret = series_push(s, t, cellnum(&p->ts, r, cv));
        }
        if (ret != 0) {
            mw__seterr(errbuf, errlen, "%s: out of memory", p->ts.path);
        }
    }
    if (ret != 0) {
        return ret;
    }
    series_t *tot = series_find(p, "tumour_cells");
    if (tot == NULL || tot->n == 0 || series_find(p, "mprotein_g_dl") == NULL) {
        mw__seterr(errbuf, errlen,
                   "%s: no tumour_cells or mprotein_g_dl rows for replicate 0",
                   p->ts.path);
        return MW_ERR_IO;
    }
    p->x = tot->t;
    p->nx = tot->n;
    return 0;
}

/* Series @p name on the time grid; @p missing where it has no value at a time. */
static void
on_grid(patient_t *p, const char *name, double missing, double *out)
{
    const series_t *s = series_find(p, name);
    int j = 0;
    for (int i = 0; i < p->nx; i++) {
        out[i] = missing;
        if (s == NULL) {
            continue;
        }
        while (j < s->n && s->t[j] < p->x[i]) {
            j++;
        }
        if (j < s->n && s->t[j] == p->x[i]) {
            out[i] = s->v[j];
        }
    }
}

/* Add @p weight times series @p s to @p acc on the time grid. */
static void
accumulate(const patient_t *p, const series_t *s, double weight, double *acc)
{
    int j = 0;
    for (int i = 0; s != NULL && i < s->n; i++) {
        while (j < p->nx && p->x[j] < s->t[i]) {
            j++;
        }
        if (j < p->nx && p->x[j] == s->t[i] && isfinite(s->v[i])) {
            acc[j] += weight * s->v[i];
        }
    }
}

/* ---- clones ------------------------------------------------------------------- */

/* A clone's median density of antigen column @p dens: molecules per cell for two gene
 * copies times copies/2 (docs/model.md, recognition), so a hemizygous clone shows half
 * and a clone that lost the gene zero. */
static double
effective_density(const csv_t *c, int row, int dens)
{
    char name[MW_NAME_MAX + 16];
    const char *base = c->name[dens];
    size_t n = strlen(base);
    double d = cellnum(c, row, dens);
    if (n > 8 && strcmp(base + n - 8, "_density") == 0) {
        snprintf(name, sizeof(name), "%.*s_copies", (int) (n - 8), base);
        int k = csv_col(c, name);
        if (k >= 0) {
            d *= cellnum(c, row, k) / 2;
        }
    }
    return d;
}

/* Clone @p r's value of trait column @p k (an effective density when @p eff). */
static double
trait_of(const patient_t *p, int r, int k, int eff)
{
    return eff ? effective_density(&p->cl, r, k) : cellnum(&p->cl, r, k);
}

/* Does column @p k differ between the drawn clones? */
static int
varies(const patient_t *p, int k, int eff)
{
    int first = -1;
    for (int r = 0; k >= 0 && r < p->n_clones; r++) {
        if (!p->clone[r].drawn) {
            continue;
        }
        if (first < 0) {
            first = r;
        } else if (trait_of(p, r, k, eff) != trait_of(p, first, k, eff)) {
            return 1;
        }
    }
    return 0;
}

/* The trait that colours clones: the column asked for, else the effective density of
 * the first targeted antigen that differs between drawn clones, else the first trait
 * column (those after `switched`) that differs; none when no trait differs. */
static int
choose_trait(patient_t *p, const char *asked, char *errbuf, size_t errlen)
{
    const csv_t *c = &p->cl;
    int first = csv_col(c, "switched") + 1;
    char name[MW_NAME_MAX + 16];
    int col = -1;
    p->effective = 0;
    if (asked != NULL) {
        col = csv_col(c, asked);
        if (col < 0 || first == 0 || col < first) {
            mw__seterr(
                errbuf, errlen,
                "--colour-by: '%s' is not a trait column of %s (allowed: the columns "
                "after 'switched', e.g. BCMA_density, pdl1, birth)",
                asked, c->path);
            return MW_ERR_BAD_PARAM;
        }
    }
    for (int a = 0; a < p->n_antigens && col < 0; a++) {
        snprintf(name, sizeof(name), "%s_density", p->antigen[a]);
        if (varies(p, csv_col(c, name), 1)) {
            col = csv_col(c, name);
            p->effective = 1;
        }
    }
    for (int k = first; first > 0 && k < c->nc && col < 0; k++) {
        if (varies(p, k, 0)) {
            col = k;
        }
    }
    snprintf(p->colour_by, sizeof(p->colour_by), "%s%s", col >= 0 ? c->name[col] : "",
             p->effective ? " x copies/2 (molecules per cell)" : "");
    p->trait_lo = INFINITY;
    p->trait_hi = -INFINITY;
    for (int r = 0; r < p->n_clones; r++) {
        double v = col >= 0 ? trait_of(p, r, col, p->effective) : NAN;
        p->clone[r].trait = v;
        if (p->clone[r].drawn && isfinite(v)) {
            p->trait_lo = fmin(p->trait_lo, v);
            p->trait_hi = fmax(p->trait_hi, v);
        }
    }
    return 0;
}

/* The row of clone @p id among rows [0, @p n), -1 if none: a binary search while
 * the ids ascend, as marrow writes them. */
static int
clone_row(const patient_t *p, int id, int n)
{
    if (p->ids_sorted) {
        int lo = 0, hi = n - 1;
        while (lo <= hi) {
            int mid = lo + (hi - lo) / 2;
            if (p->clone[mid].id == id) {
                return mid;
            }
            if (p->clone[mid].id < id) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }
    for (int q = 0; q < n; q++) {
        if (p->clone[q].id == id) {
            return q;
        }
    }
    return -1;
}

static int
read_clones(patient_t *p, char *errbuf, size_t errlen)
{
    static const char *cols[] = {"clone_id", "parent_id",  "born_day",
                                 "event",    "peak_cells", "extinct_day"};
    const csv_t *c = &p->cl;
    int ret = need_cols(c, cols, 6, errbuf, errlen);
    if (ret != 0 || c->n == 0) {
        return ret;
    }
    p->clone = calloc((size_t) c->n, sizeof(clone_t));
    p->order = calloc((size_t) c->n, sizeof(int));
    if (p->clone == NULL || p->order == NULL) {
        mw__seterr(errbuf, errlen, "%s: out of memory", c->path);
        return MW_ERR_NO_MEMORY;
    }
    p->n_clones = c->n;
    p->ids_sorted = 1;
    int cid = csv_col(c, "clone_id"), cpar = csv_col(c, "parent_id");
    for (int r = 0; r < c->n; r++) {
        clone_t *k = &p->clone[r];
        double id = cellnum(c, r, cid), par = cellnum(c, r, cpar);
        const char *ps = cell(c, r, cpar);
        k->born = cellnum(c, r, csv_col(c, "born_day"));
        const char *bad =
            !(id >= 0 && id < INT_MAX && id == floor(id)) ? "clone_id"
            : strcmp(ps, "NA") != 0 && !(par >= 0 && par < INT_MAX && par == floor(par))
                ? "parent_id"
            : !isfinite(k->born) ? "born_day"
                                 : NULL;
        if (bad != NULL) {
            mw__seterr(errbuf, errlen, "%s:%ld: %s: '%s' is not %s", c->path,
                       c->lineno[r], bad, cell(c, r, csv_col(c, bad)),
                       strcmp(bad, "born_day") == 0
                           ? "a number of days"
                           : "a clone number (or NA for a founder)");
            return MW_ERR_IO;
        }
        k->id = (int) id;
        /* Parents come first in clones.csv (ids are given at birth); a parent that
         * does not is treated as a founder rather than trusted. */
        k->parent = strcmp(ps, "NA") != 0 ? clone_row(p, (int) par, r) : -1;
        k->extinct = cellnum(c, r, csv_col(c, "extinct_day"));
        k->peak = cellnum(c, r, csv_col(c, "peak_cells"));
        k->event = cell(c, r, csv_col(c, "event"));
        k->lane = -1;
        char var[64];
        snprintf(var, sizeof(var), "clone_cells:%d", k->id);
        k->cells = series_find(p, var);
        p->ids_sorted &= r == 0 || k->id > p->clone[r - 1].id;
    }
    return 0;
}

/* Which clones are drawn, where the others' cells go, and the preorder.  0 or
 * MW_ERR_NO_MEMORY. */
static int
choose_drawn(patient_t *p)
{
    int n = p->n_clones;
    double *tot = calloc((size_t) p->nx, sizeof(double));
    if (tot == NULL) {
        return MW_ERR_NO_MEMORY;
    }
    for (int c = 0; c < n; c++) {
        accumulate(p, p->clone[c].cells, 1.0, tot);
    }
    for (int c = 0; c < n; c++) {
        const series_t *s = p->clone[c].cells;
        for (int i = 0, j = 0; s != NULL && i < s->n; i++) {
            while (j < p->nx && p->x[j] < s->t[i]) {
                j++;
            }
            if (j < p->nx && p->x[j] == s->t[i] && tot[j] > 0) {
                p->clone[c].max_share = fmax(p->clone[c].max_share, s->v[i] / tot[j]);
            }
        }
    }
    free(tot);
    /* The MAX_DRAWN largest clones above MIN_SHARE (a selection by repeated
     * maximum: n is at most a few thousand and this runs once). */
    for (int k = 0; k < MAX_DRAWN; k++) {
        int best = -1;
        for (int c = 0; c < n; c++) {
            if (!p->clone[c].drawn && p->clone[c].max_share >= MIN_SHARE &&
                (best < 0 || p->clone[c].max_share > p->clone[best].max_share)) {
                best = c;
            }
        }
        if (best < 0) {
            break;
        }
        p->clone[best].drawn = 1;
    }
    /* Every clone's cells go to its nearest drawn ancestor (itself if drawn); a
     * drawn clone nests inside its nearest drawn ancestor, so undrawn clones between
     * them cost nothing. */
    int *drawn = malloc((size_t) MAX_DRAWN * sizeof(int)), nd = 0;
    if (drawn == NULL) {
        return MW_ERR_NO_MEMORY;
    }
    for (int c = 0; c < n; c++) {
        int a = c;
        while (a >= 0 && !p->clone[a].drawn) {
            a = p->clone[a].parent;
        }
        p->clone[c].into = a; /* -1: a lineage with no drawn clone, left out */
        p->clone[c].dparent = -1;
        if (p->clone[c].drawn) {
            int q = p->clone[c].parent;
            while (q >= 0 && !p->clone[q].drawn) {
                q = p->clone[q].parent;
            }
            p->clone[c].dparent = q;
            drawn[nd++] = c;
        }
    }
    /* Preorder of the drawn forest: roots in file order, children in birth (file)
     * order; iterative, lanes marking the clones visited. */
    p->n_drawn = 0;
    for (int k = 0; k < nd; k++) {
        int root = drawn[k], cur = root;
        if (p->clone[root].dparent >= 0) {
            continue;
        }
        p->order[p->n_drawn] = cur;
        p->clone[cur].lane = p->n_drawn++;
        for (;;) {
            int next = -1;
            for (int d = 0; d < nd && next < 0; d++) {
                const clone_t *x = &p->clone[drawn[d]];
                if (x->dparent == cur && x->lane < 0) {
                    next = drawn[d];
                }
            }
            if (next >= 0) {
                cur = next;
                p->order[p->n_drawn] = cur;
                p->clone[cur].lane = p->n_drawn++;
            } else if (cur == root) {
                break;
            } else {
                cur = p->clone[cur].dparent;
            }
        }
    }
    free(drawn);
    return 0;
}

static void
clone_colour(const patient_t *p, int c, char *out, size_t len)
{
    double v = p->clone[c].trait;
    if (p->colour_by[0] != '\0' && isfinite(v) && p->trait_hi > p->trait_lo) {
        mw__viridis((v - p->trait_lo) / (p->trait_hi - p->trait_lo), out, len);
    } else if (p->colour_by[0] != '\0' && isfinite(v)) {
        mw__viridis(0.5, out, len);
    } else {
        snprintf(out, len, "%s", mw__colour(p->clone[c].lane));
    }
}

/* ---- events ------------------------------------------------------------------- */

/* The value of KEY=... in an events.csv detail field, "" when absent. */
static void
detail(const char *d, const char *key, char *out, size_t len)
{
    size_t k = strlen(key);
    out[0] = '\0';
    for (const char *s = d; s != NULL && *s != '\0';
         s = strchr(s, ';'), s = s ? s + 1 : s) {
        if (strncmp(s, key, k) == 0 && s[k] == '=') {
            size_t n = strcspn(s + k + 1, ";");
            snprintf(out, len, "%.*s", (int) (n < len ? n : len - 1), s + k + 1);
            return;
        }
    }
}

static int
response_of(const char *name)
{
    for (int r = MW_RESP_NE; r <= MW_RESP_SCR; r++) {
        if (strcmp(mw_response_name(r), name) == 0) {
            return r;
        }
    }
    return MW_RESP_NE;
}

static const char *
ev_kind(const patient_t *p, int r)
{
    return cell(&p->ev, r, csv_col(&p->ev, "kind"));
}

static double
ev_t(const patient_t *p, int r)
{
    return cellnum(&p->ev, r, csv_col(&p->ev, "t_days"));
}

static const char *
ev_detail(const patient_t *p, int r)
{
    return cell(&p->ev, r, csv_col(&p->ev, "detail"));
}

static int
is_marker(const char *kind)
{
    static const char *k[] = {"line_start", "phase_start", "cart_infusion", "progression",
                              "policy",     "death",       "line_end"};
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        if (strcmp(kind, k[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Dashed lines at the events that change treatment or mark progression. */
static void
vlines(mw__jw_t *w, const patient_t *p)
{
    mw__jw_arr(w, "vlines");
    for (int r = 0; r < p->ev.n; r++) {
        if (is_marker(ev_kind(p, r))) {
            char label[160];
            snprintf(label, sizeof(label), "%s %s", ev_kind(p, r), ev_detail(p, r));
            mw__refline(w, "x", ev_t(p, r), label,
                        strcmp(ev_kind(p, r), "progression") == 0 ? "rgba(215,48,39,0.8)"
                                                                  : NULL);
        }
    }
    mw__jw_end(w);
}

/* Background spans coloured by the confirmed IMWG response in force, with legend
 * entries for the responses that occur. */
static void
response_spans(mw__jw_t *w, const patient_t *p)
{
    int seen[MW_RESP_SCR + 2] = {0};
    char colour[48];
    mw__jw_arr(w, "spans");
    for (int r = 0; r < p->ev.n; r++) {
        if (strcmp(ev_kind(p, r), "response") != 0) {
            continue;
        }
        char name[16];
        detail(ev_detail(p, r), "response", name, sizeof(name));
        int resp = response_of(name);
        double end = p->x[p->nx - 1];
        for (int q = r + 1; q < p->ev.n; q++) {
            if (strcmp(ev_kind(p, q), "response") == 0) {
                end = ev_t(p, q);
                break;
            }
        }
        mw__response_colour(resp, 0.22, colour, sizeof(colour));
        mw__span(w, ev_t(p, r), end, colour);
        seen[resp + 1] = 1;
    }
    mw__jw_end(w);
    mw__jw_arr(w, "legend");
    for (int resp = MW_RESP_SCR; resp >= MW_RESP_NE; resp--) {
        if (seen[resp + 1]) {
            char label[48];
            mw__response_colour(resp, 0.45, colour, sizeof(colour));
            snprintf(label, sizeof(label), "response %s", mw_response_name(resp));
            mw__legend(w, label, colour, "box");
        }
    }
    mw__jw_end(w);
}

/* ---- blocks ------------------------------------------------------------------- */

static void
row2(mw__jw_t *w, const char *label, const char *value)
{
    mw__jw_arr(w, NULL);
    mw__jw_str(w, NULL, label);
    mw__jw_str(w, NULL, value);
    mw__jw_end(w);
}

/* A summary.json number as text: "%.4g", or @p none when null or absent. */
static void
sfmt(patient_t *p, const yaml_node_t *map, const char *key, const char *unit,
     const char *none, char *out, size_t len)
{
    double x = mw__json_number(mw__json_get(&p->summary, map, key));
    if (isfinite(x)) {
        snprintf(out, len, "%.4g%s%s", x, unit[0] ? " " : "", unit);
    } else {
        snprintf(out, len, "%s", none);
    }
}

static void
summary_table(mw__jw_t *w, patient_t *p)
{
    static const char *cols[] = {"quantity", "value"};
    char v[512], a[MW_NAME_MAX + 32], b[96];
    yaml_document_t *d = &p->summary;
    const yaml_node_t *rp = p->rep;
    char note[512];
    snprintf(note, sizeof(note),
             "How to read this: what this patient's course came to, as the clinic saw it "
             "(IMWG response and progression) and as the model knows it (tumour "
             "extinction, CAR-T pharmacokinetics).%s%s%s",
             atoi(p->replicates) > 1 ? "  Only replicate 0 of this run's " : "",
             atoi(p->replicates) > 1 ? p->replicates : "",
             atoi(p->replicates) > 1 ? " is shown on this page." : "");
    mw__table_begin(w, "summary", "Summary", note, cols, 2);
    snprintf(v, sizeof(v), "%g days (%.1f years)", p->horizon, p->horizon / 365.25);
    row2(w, "horizon", v);
    if (p->ev.n == 0) {
        row2(w, "events", "none in the whole run (no timeline is drawn)");
    }
    const series_t *mp = series_find(p, "mprotein_g_dl");
    double mp_max = -INFINITY;
    for (int i = 0; mp != NULL && i < mp->n; i++) {
        mp_max = fmax(mp_max, mp->v[i]);
    }
    if (!(mp_max >= MPROTEIN_FLOOR) && p->ob.n == 0) {
        row2(w, "M-protein", "below 0.001 g/dL throughout (no chart is drawn)");
    }
    if (rp == NULL) {
        row2(w, "summary.json", "absent: no per-patient summary");
    } else {
        const yaml_node_t *l1 = mw__json_item(d, mw__json_get(d, rp, "lines"), 0);
        if (l1 != NULL) {
            field_of(d, l1, "best_response", v, sizeof(v));
            row2(w, "best response (line 1)", v);
            sfmt(p, l1, "time_to_response_days", "days", "no response", v, sizeof(v));
            row2(w, "time to response (line 1)", v);
            field_of(d, l1, "relapse_type", v, sizeof(v));
            row2(w, "relapse phenotype (line 1)", v);
        } else {
            /* No plan: the clinic assessed an implicit line from the first infusion or
             * engager dose, and its verdicts are in events.csv. */
            int best = MW_RESP_NE;
            for (int r = 0; r < p->ev.n; r++) {
                if (strcmp(ev_kind(p, r), "response") == 0) {
                    char name[16];
                    detail(ev_detail(p, r), "response", name, sizeof(name));
                    int x = response_of(name);
                    best = x > best ? x : best;
                }
            }
            row2(w, "best response (from the first infusion or dose)",
                 best == MW_RESP_NE ? "not assessed" : mw_response_name(best));
        }
        double pd = NAN;
        for (int r = 0; r < p->ev.n && isnan(pd); r++) {
            if (strcmp(ev_kind(p, r), "progression") == 0) {
                pd = ev_t(p, r);
            }
        }
        if (isfinite(pd)) {
            snprintf(v, sizeof(v), "progression on day %.4g", pd);
        } else {
            snprintf(v, sizeof(v), "no progression by day %g", p->horizon);
        }
        row2(w, "progression-free survival", v);
        sfmt(p, rp, "extinction_day", "", "not extinct", b, sizeof(b));
        snprintf(v, sizeof(v), "%s%s",
                 isfinite(mw__json_number(mw__json_get(d, rp, "extinction_day")))
                     ? "extinct on day "
                     : "",
                 b);
        row2(w, "tumour extinction (model truth)", v);
        sfmt(p, rp, "final_cells", "cells", "?", v, sizeof(v));
        row2(w, "tumour at the horizon", v);
        if (mw__json_get(d, rp, "crs_max_grade") != NULL) {
            char g1[16], g2[16], n1[16], n2[16];
            sfmt(p, rp, "crs_onset_day", "", "-", a, sizeof(a));
            field_of(d, rp, "crs_max_grade", g1, sizeof(g1));
            field_of(d, rp, "icans_max_grade", g2, sizeof(g2));
            field_of(d, rp, "tocilizumab", n1, sizeof(n1));
            field_of(d, rp, "corticosteroids", n2, sizeof(n2));
            snprintf(v, sizeof(v), "grade %s (onset day %s); ICANS grade %s", g1, a, g2);
            row2(w, "CRS, worst grade", v);
            snprintf(v, sizeof(v), "tocilizumab %s, corticosteroids %s", n1, n2);
            row2(w, "toxicity treatment (courses)", v);
            sfmt(p, rp, "death_day", "", "none", b, sizeof(b));
            snprintf(v, sizeof(v), "%s%s",
                     isfinite(mw__json_number(mw__json_get(d, rp, "death_day"))) ? "day "
                                                                                 : "",
                     b);
            row2(w, "treatment-related death", v);
        }
        const yaml_node_t *cart = mw__json_get(d, rp, "cart");
        for (int i = 0; mw__json_item(d, cart, i) != NULL; i++) {
            const yaml_node_t *c = mw__json_item(d, cart, i);
            char name[MW_NAME_MAX + 64], cm[48], tm[48], auc[48], per[48];
            field_of(d, c, "product", a, sizeof(a));
            sfmt(p, c, "cmax_copies_ug", "copies/µg", "-", cm, sizeof(cm));
            sfmt(p, c, "tmax_days", "", "-", tm, sizeof(tm));
            sfmt(p, c, "auc0_28_copies_ug_days", "copies/µg·days", "-", auc, sizeof(auc));
            sfmt(p, c, "persistence_days", "days", "-", per, sizeof(per));
            snprintf(name, sizeof(name), "CAR-T %s", a);
            snprintf(v, sizeof(v),
                     "Cmax %s at day %s; AUC0-28 %s; above the LLOQ until %s", cm, tm,
                     auc, per);
            row2(w, name, v);
        }
    }
    mw__jw_end(w);
    mw__jw_end(w);
}

static void
lines_table(mw__jw_t *w, patient_t *p)
{
    static const char *cols[] = {"line",
                                 "start day",
                                 "best response",
                                 "time to response (days)",
                                 "duration of response (days)",
                                 "progression day",
                                 "relapse phenotype",
                                 "end day",
                                 "ended by"};
    static const char *keys[] = {"line",
                                 "start_day",
                                 "best_response",
                                 "time_to_response_days",
                                 "duration_of_response_days",
                                 "progression_day",
                                 "relapse_type",
                                 "end_day",
                                 "ended_by"};
    yaml_document_t *d = &p->summary;
    const yaml_node_t *lines = p->rep != NULL ? mw__json_get(d, p->rep, "lines") : NULL;
    if (mw__json_item(d, lines, 0) == NULL) {
        return;
    }
    mw__table_begin(
        w, "lines", "Lines of therapy",
        "How to read this: one row per line given; response is the best "
        "confirmed IMWG category on that line, times are days from day 0, and an "
        "empty cell means it did not happen before the horizon.",
        cols, 9);
    for (int i = 0; mw__json_item(d, lines, i) != NULL; i++) {
        const yaml_node_t *l = mw__json_item(d, lines, i);
        mw__jw_arr(w, NULL);
        for (int k = 0; k < 9; k++) {
            const char *s = mw__json_scalar(mw__json_get(d, l, keys[k]));
            double x;
            char *end;
            if (s == NULL || strcmp(s, "null") == 0) {
                mw__jw_str(w, NULL, "");
            } else if ((x = strtod(s, &end)), end != s && *end == '\0') {
                mw__jw_strf(w, NULL, "%.4g", x);
            } else {
                mw__jw_str(w, NULL, s);
            }
        }
        mw__jw_end(w);
    }
    mw__jw_end(w);
    mw__jw_end(w);
}

/* The end of the phase that starts at event @p r: the next phase or line start,
 * line end or death, else the last output time. */
static double
phase_end(const patient_t *p, int r)
{
    for (int q = r + 1; q < p->ev.n; q++) {
        const char *k = ev_kind(p, q);
        if (strcmp(k, "phase_start") == 0 || strcmp(k, "line_start") == 0 ||
            strcmp(k, "line_end") == 0 || strcmp(k, "death") == 0) {
            return ev_t(p, q);
        }
    }
    return p->x[p->nx - 1];
}

/* The treatment strip of the Muller plot: a bar per regimen phase between @p y0 and
 * @p y1, labelled when wide enough to hold its name, and a triangle per CAR-T
 * infusion. */
static void
treatment_strip(mw__jw_t *w, patient_t *p, double y0, double y1)
{
    char reg[MW_NAME_MAX], colour[16];
    double span = p->x[p->nx - 1] - p->x[0];
    int k = 0;
    mw__jw_arr(w, "rects");
    for (int r = 0; r < p->ev.n; r++) {
        if (strcmp(ev_kind(p, r), "phase_start") == 0) {
            /* translucent, so that the labels stay readable */
            snprintf(colour, sizeof(colour), "%s73", mw__colour(k++));
            mw__rect(w, ev_t(p, r), phase_end(p, r), y0, y1, colour);
        }
    }
    mw__jw_end(w);
    mw__jw_arr(w, "marks");
    for (int r = 0; r < p->ev.n; r++) {
        if (strcmp(ev_kind(p, r), "cart_infusion") == 0) {
            mw__mark(w, ev_t(p, r), (y0 + y1) / 2, "triangle", "#CC79A7", 11);
        }
    }
    mw__jw_end(w);
    mw__jw_arr(w, "texts");
    for (int r = 0, n = 0; r < p->ev.n && n < MAX_LABELS; r++) {
        const char *kind = ev_kind(p, r);
        int phase = strcmp(kind, "phase_start") == 0;
        if (phase && phase_end(p, r) - ev_t(p, r) >= 0.1 * span) {
            detail(ev_detail(p, r), "regimen", reg, sizeof(reg));
        } else if (strcmp(kind, "cart_infusion") == 0) {
            detail(ev_detail(p, r), "product", reg, sizeof(reg));
        } else {
            continue;
        }
        mw__text(w, ev_t(p, r), (y0 + y1) / 2, reg);
        n++;
    }
    mw__jw_end(w);
}

static int
muller(mw__jw_t *w, patient_t *p)
{
    /* every stride-th output time, and always the last */
    int nd = p->n_drawn, stride = (p->nx + MULLER_POINTS - 1) / MULLER_POINTS;
    int m = (p->nx - 1) / stride + 1 + ((p->nx - 1) % stride != 0);
    int ret = 0;
    /* own: each drawn clone's cells with those of the undrawn clones folded into it,
     * on the full grid; sub, cur: per lane at one time; lo, hi: per lane and point */
    double *own = calloc((size_t) nd * (size_t) p->nx, sizeof(double));
    double *sub = calloc((size_t) nd, sizeof(double)),
           *cur = calloc((size_t) nd, sizeof(double));
    double *lo = calloc((size_t) nd * (size_t) m, sizeof(double));
    double *hi = calloc((size_t) nd * (size_t) m, sizeof(double));
    double *x = calloc((size_t) m, sizeof(double));
    double *all = calloc((size_t) p->nx, sizeof(double));
    char note[1024], colour[48], label[MW_NAME_MAX + 64];
    if (own == NULL || sub == NULL || lo == NULL || hi == NULL || cur == NULL ||
        x == NULL || all == NULL) {
        ret = MW_ERR_NO_MEMORY;
        goto out;
    }
    /* Shares are of all tumour cells: a lineage with no drawn clone leaves a gap. */
    for (int c = 0; c < p->n_clones; c++) {
        accumulate(p, p->clone[c].cells, 1.0, all);
        if (p->clone[c].into >= 0) {
            accumulate(p, p->clone[c].cells, 1.0,
                       own + (size_t) p->clone[p->clone[c].into].lane * (size_t) p->nx);
        }
    }
    for (int jj = 0; jj < m; jj++) {
        int j = jj * stride < p->nx - 1 ? jj * stride : p->nx - 1;
        double tot = all[j], root = 0;
        x[jj] = p->x[j];
        for (int k = 0; k < nd; k++) {
            sub[k] = own[(size_t) k * (size_t) p->nx + (size_t) j];
        }
        /* Subtree sizes: in preorder descendants follow their ancestors. */
        for (int k = nd - 1; k >= 0; k--) {
            int par = p->clone[p->order[k]].dparent;
            if (par >= 0) {
                sub[p->clone[par].lane] += sub[k];
            }
        }
        double scale = tot > 0 ? 1.0 / tot : 0.0;
        /* A clone's band holds its descendants' bands; its own cells lie half
         * below and half above them, so a new clone emerges from its parent's
         * middle (the layout of ggmuller). */
        for (int k = 0; k < nd; k++) {
            int par = p->clone[p->order[k]].dparent;
            double base;
            if (par < 0) {
                base = root;
                root += sub[k] * scale;
            } else {
                base = cur[p->clone[par].lane];
                cur[p->clone[par].lane] += sub[k] * scale;
            }
            lo[(size_t) k * (size_t) m + (size_t) jj] = base;
            hi[(size_t) k * (size_t) m + (size_t) jj] = base + sub[k] * scale;
            cur[k] = base + own[(size_t) k * (size_t) p->nx + (size_t) j] * scale / 2;
        }
    }
    mw__chart_t ch = {"muller",
                      "Clonal composition (Muller plot)",
                      NULL,
                      "days",
                      "share of tumour cells",
                      0,
                      0,
                      {x[0], x[m - 1] > x[0] ? x[m - 1] : x[0] + 1},
                      {0, 1.12},
                      380};
    snprintf(
        note, sizeof(note),
        "How to read this: each coloured band is a clone's share of all tumour cells "
        "with its descendants drawn inside it, so a new clone grows out of its "
        "parent; colour shows %s%s; the strip along the top shows the treatment "
        "phases (named when there is room; the timeline names all; triangles: CAR-T "
        "infusions); a blank stretch means no tumour cells are left.  Clones that "
        "never reach %.1f%% are counted in their nearest drawn ancestor, and at most "
        "%d clones are drawn; a lineage with no drawn clone at all leaves a gap at "
        "the top.",
        p->colour_by[0] ? p->colour_by : "the clone (no trait differs between clones)",
        p->colour_by[0] ? " (scale below)" : "", 100 * MIN_SHARE, MAX_DRAWN);
    ch.note = note;
    mw__chart_begin(w, &ch);
    mw__jw_nums(w, "x", x, m, -INFINITY);
    mw__jw_arr(w, "bands");
    for (int k = 0; k < nd; k++) {
        int c = p->order[k];
        clone_colour(p, c, colour, sizeof(colour));
        snprintf(label, sizeof(label), "clone %d", p->clone[c].id);
        mw__band(w, label, colour, 0, lo + (size_t) k * (size_t) m,
                 hi + (size_t) k * (size_t) m, m);
    }
    mw__jw_end(w);
    mw__jw_obj(w, "shapes");
    treatment_strip(w, p, 1.03, 1.11);
    mw__jw_end(w);
    vlines(w, p);
    mw__jw_arr(w, "y_ticks");
    for (int k = 0; k <= 4; k++) {
        char t[16];
        snprintf(t, sizeof(t), "%d%%", 25 * k);
        mw__tick(w, 0.25 * k, t);
    }
    mw__jw_end(w);
    mw__jw_num(w, "y_ticks_width", 72);
    if (p->colour_by[0] != '\0' && isfinite(p->trait_lo)) {
        mw__jw_obj(w, "colour_scale");
        mw__jw_str(w, "label", p->colour_by);
        mw__jw_strf(w, "min_label", "%.4g", p->trait_lo);
        mw__jw_strf(w, "max_label", "%.4g", p->trait_hi);
        mw__jw_arr(w, "colours");
        for (int k = 0; k <= 8; k++) {
            mw__viridis(k / 8.0, colour, sizeof(colour));
            mw__jw_str(w, NULL, colour);
        }
        mw__jw_end(w);
        mw__jw_end(w);
    }
    mw__jw_end(w);
out:
    free(own);
    free(sub);
    free(lo);
    free(hi);
    free(cur);
    free(x);
    free(all);
    return ret;
}

/* What a log chart draws besides its series: the clinic's readings of one assay
 * quantity (NULL: none), a response background, and a horizontal reference line
 * (NAN: none). */
typedef struct {
    const char *assay, *quantity;
    int spans;
    double ref;
    const char *ref_label;
} extras_t;

/* The readings of @p assay/@p quantity: times and values (NAN for a malformed value).
 * 0 or MW_ERR_NO_MEMORY; *x and *y are freed by the caller. */
static int
readings(const patient_t *p, const char *assay, const char *quantity, double **x,
         double **y, int *n)
{
    const csv_t *o = &p->ob;
    int ct = csv_col(o, "t_days"), ca = csv_col(o, "assay"), cq = csv_col(o, "quantity");
    int cv = csv_col(o, "value");
    *n = 0;
    *x = malloc((size_t) (o->n + 1) * sizeof(double));
    *y = malloc((size_t) (o->n + 1) * sizeof(double));
    if (*x == NULL || *y == NULL) {
        return MW_ERR_NO_MEMORY;
    }
    for (int r = 0; assay != NULL && ct >= 0 && ca >= 0 && cq >= 0 && cv >= 0 && r < o->n;
         r++) {
        if (strcmp(cell(o, r, ca), assay) == 0 && strcmp(cell(o, r, cq), quantity) == 0) {
            (*x)[*n] = cellnum(o, r, ct);
            (*y)[*n] = cellnum(o, r, cv);
            (*n)++;
        }
    }
    return 0;
}

/* A log chart of timeseries variables @p names (first solid, later dashed) with
 * @p ex.  Its y range is whole decades around every value drawn at or above
 * @p floor_, readings and reference line included; readings below the floor (not
 * detected) are drawn at the bottom of that range.  A chart with nothing to draw
 * is left out (*@p drawn = 0). */
static int
log_chart(mw__jw_t *w, patient_t *p, const mw__chart_t *ch, const char *const *names,
          const char *const *labels, int n, double floor_, const extras_t *ex, int *drawn)
{
    double *v = malloc((size_t) p->nx * (size_t) (n > 0 ? n : 1) * sizeof(double));
    double *ox = NULL, *oy = NULL;
    int no = 0, ret = v == NULL ? MW_ERR_NO_MEMORY : 0;
    double mn = INFINITY, mx = -INFINITY;
    *drawn = 0;
    if (ret == 0) {
        ret = readings(p, ex->assay, ex->quantity, &ox, &oy, &no);
    }
    if (ret != 0) {
        goto out;
    }
    for (int k = 0; k < n; k++) {
        on_grid(p, names[k], NAN, v + (size_t) k * (size_t) p->nx);
    }
    for (size_t i = 0; i < (size_t) n * (size_t) p->nx; i++) {
        if (isfinite(v[i]) && v[i] >= floor_) {
            mn = fmin(mn, v[i]);
            mx = fmax(mx, v[i]);
        }
    }
    for (int i = 0; i < no; i++) {
        if (isfinite(oy[i]) && oy[i] >= floor_ && isfinite(ox[i])) {
            mn = fmin(mn, oy[i]);
            mx = fmax(mx, oy[i]);
        }
    }
    if (!isfinite(mn) && no == 0) {
        goto out; /* nothing to draw: not even a not-detected reading */
    }
    if (!isfinite(mn)) {
        mn = floor_;
        mx = floor_ * 10;
    }
    if (isfinite(ex->ref) && ex->ref > 0) {
        mn = fmin(mn, ex->ref);
        mx = fmax(mx, ex->ref);
    }
    double r[2] = {pow(10, floor(log10(mn))), pow(10, ceil(log10(mx)))};
    if (r[1] <= r[0]) {
        r[1] = r[0] * 10;
    }
    *drawn = 1;
    mw__chart_begin(w, ch);
    mw__jw_nums(w, "x", p->x, p->nx, -INFINITY);
    mw__jw_arr(w, "series");
    for (int k = 0; k < n; k++) {
        mw__series(w, labels[k], mw__colour(k), k > 0 ? MW__SER_DASH : 0,
                   v + (size_t) k * (size_t) p->nx, p->nx, floor_);
    }
    mw__jw_end(w);
    mw__jw_nums(w, "y_range", r, 2, -INFINITY);
    if (ex->spans) {
        response_spans(w, p);
    }
    vlines(w, p);
    if (isfinite(ex->ref)) {
        mw__jw_arr(w, "hlines");
        mw__refline(w, "y", ex->ref, ex->ref_label, "rgba(120,120,120,0.9)");
        mw__jw_end(w);
    }
    if (no > 0) {
        /* detected readings, then the not-detected ones at the foot of the axis */
        mw__jw_arr(w, "points");
        mw__points(w, "observed", "#D55E00", "circle", ox, oy, no, floor_);
        for (int i = 0; i < no; i++) {
            oy[i] = isfinite(oy[i]) && oy[i] < floor_ ? r[0] : NAN;
        }
        mw__points(w, "observed, not detected (drawn at the foot of the axis)", "#CC79A7",
                   "diamond", ox, oy, no, -INFINITY);
        mw__jw_end(w);
    }
    mw__jw_end(w);
out:
    free(v);
    free(ox);
    free(oy);
    return ret;
}

static int
burden_and_markers(mw__jw_t *w, patient_t *p)
{
    static const char *bn[] = {"tumour_cells", "tumour_cells_bm", "tumour_cells_em"};
    static const char *bl[] = {"total", "bone marrow", "extramedullary"};
    static const char *mn[] = {"mprotein_g_dl"};
    static const char *ml[] = {"M-protein (true)"};
    static const char *fn[] = {"flc_mg_l"};
    static const char *fl[] = {"tumour-derived FLC (true)"};
    mw__chart_t b = {
        "burden",
        "Tumour burden",
        "How to read this: each gridline step is a tenfold change in myeloma "
        "cells, so a straight falling line is exponential kill and a flat line "
        "is stable disease; the background colour is the confirmed IMWG "
        "response in force, dashed lines mark changes of treatment and "
        "progression, and under one cell the line stops.",
        "days",
        "cells",
        0,
        1,
        {NAN, NAN},
        {NAN, NAN},
        340};
    extras_t eb = {NULL, NULL, 1, NAN, NULL};
    int drawn, ret = log_chart(w, p, &b, bn, bl, 3, BURDEN_FLOOR, &eb, &drawn);
    if (ret != 0) {
        return ret;
    }
    mw__chart_t m = {
        "mprotein",
        "M-protein",
        "How to read this: serum M-protein on a log axis, the line the model's "
        "truth and the dots what electrophoresis measured; IMWG counts a fall of "
        "at least 50% as partial response and a rise of 25% (at least 0.5 g/dL) "
        "from the lowest value as progression; the background colour is the "
        "confirmed response, and values under 0.001 g/dL are not drawn.",
        "days",
        "g/dL",
        0,
        1,
        {NAN, NAN},
        {NAN, NAN},
        320};
    extras_t em = {"spep", "mprotein_g_dl", 1, NAN, NULL};
    ret = log_chart(w, p, &m, mn, ml, 1, MPROTEIN_FLOOR, &em, &drawn);
    if (ret != 0 || series_find(p, "flc_mg_l") == NULL) {
        return ret;
    }
    mw__chart_t f = {
        "flc",
        "Serum free light chains",
        "How to read this: free light chain on a log axis, the line the "
        "tumour's own output (model truth) and the dots the measured involved "
        "chain, which adds the normal polyclonal background and so levels off "
        "there in deep response; FLC falls and rises faster than M-protein "
        "(half-life hours rather than weeks), so it shows relapse earlier.",
        "days",
        "mg/L",
        0,
        1,
        {NAN, NAN},
        {NAN, NAN},
        280};
    extras_t ef = {"flc", "flc_involved_mg_l", 0, NAN, NULL};
    return log_chart(w, p, &f, fn, fl, 1, FLC_FLOOR, &ef, &drawn);
}

static int
cart_charts(mw__jw_t *w, patient_t *p)
{
    char names[MAX_PRODUCTS * 3][MW_NAME_MAX + 32],
        labels[MAX_PRODUCTS * 3][MW_NAME_MAX + 32];
    const char *np[MAX_PRODUCTS * 3], *lp[MAX_PRODUCTS * 3];
    char lloq[64], note[640];
    int n = 0, ret;
    for (int i = 0; i < p->n_products; i++) {
        snprintf(names[n], sizeof(names[n]), "cart_copies_ug:%s", p->product[i]);
        snprintf(labels[n], sizeof(labels[n]), "%s (transgene copies/µg DNA)",
                 p->product[i]);
        if (series_find(p, names[n]) != NULL) {
            np[n] = names[n];
            lp[n] = labels[n];
            n++;
        }
    }
    if (n == 0) {
        return 0;
    }
    snprintf(
        note, sizeof(note),
        "How to read this: CAR transgene copies per µg of blood DNA (what qPCR "
        "measures) on a log axis: expansion to a peak (Cmax) in the first weeks, then "
        "contraction and, for a persisting product, a slow tail; below the dashed "
        "line (the assay's lower limit of quantification, %g copies/µg) the assay "
        "reports nothing.",
        p->lloq);
    mw__chart_t ch = {"cart", "CAR-T kinetics", note,       "days", "copies/µg", 0,
                      1,      {NAN, NAN},       {NAN, NAN}, 320};
    snprintf(lloq, sizeof(lloq), "LLOQ %g copies/µg", p->lloq);
    extras_t ec = {NULL, NULL, 0, p->lloq, lloq};
    int drawn;
    ret = log_chart(w, p, &ch, np, lp, n, COPIES_FLOOR, &ec, &drawn);
    if (ret != 0) {
        return ret;
    }
    static const char *ph[] = {"effector", "memory", "exhausted"};
    n = 0;
    for (int i = 0; i < p->n_products; i++) {
        for (int k = 0; k < 3; k++) {
            snprintf(names[n], sizeof(names[n]), "cart_%s:%s", ph[k], p->product[i]);
            snprintf(labels[n], sizeof(labels[n]), "%s %s", p->product[i], ph[k]);
            if (series_find(p, names[n]) != NULL) {
                np[n] = names[n];
                lp[n] = labels[n];
                n++;
            }
        }
    }
    mw__chart_t pc = {"cart_phenotype",
                      "CAR-T cells by phenotype",
                      "How to read this: CAR-T cells in the body by state on a log axis: "
                      "effectors kill and expand on antigen, memory cells persist and "
                      "re-expand, exhausted cells neither; a product that hands its "
                      "cells over to memory gives durable control.",
                      "days",
                      "cells",
                      0,
                      1,
                      {NAN, NAN},
                      {NAN, NAN},
                      300};
    extras_t ep = {NULL, NULL, 0, NAN, NULL};
    return log_chart(w, p, &pc, np, lp, n, BURDEN_FLOOR, &ep, &drawn);
}

/* Cell-weighted mean density of each targeted antigen over time. */
static int
antigen_chart(mw__jw_t *w, patient_t *p)
{
    int cols[MAX_ANTIGENS], n = 0;
    char name[MW_NAME_MAX + 16];
    for (int a = 0; a < p->n_antigens; a++) {
        snprintf(name, sizeof(name), "%s_density", p->antigen[a]);
        if ((cols[n] = csv_col(&p->cl, name)) >= 0) {
            n++;
        }
    }
    if (n == 0 || p->n_clones == 0) {
        return 0;
    }
    double *v = malloc((size_t) p->nx * sizeof(double));
    double *cells = malloc((size_t) p->nx * sizeof(double));
    if (v == NULL || cells == NULL) {
        free(v);
        free(cells);
        return MW_ERR_NO_MEMORY;
    }
    mw__chart_t ch = {
        "antigen",
        "Target antigen density",
        "How to read this: the mean number of target molecules per tumour "
        "cell (each clone weighted by its cells; a hemizygous clone carries "
        "half, one that lost the gene none) on a log axis; it falls when "
        "antigen-low or antigen-negative clones take over, the commonest way "
        "myeloma escapes CAR-T and T-cell engagers (the Muller plot shows "
        "which clones carry it).",
        "days",
        "molecules per cell",
        0,
        1,
        {NAN, NAN},
        {NAN, NAN},
        300};
    mw__chart_begin(w, &ch);
    mw__jw_nums(w, "x", p->x, p->nx, -INFINITY);
    mw__jw_arr(w, "series");
    double mn = INFINITY, mx = -INFINITY;
    for (int a = 0; a < n; a++) {
        memset(cells, 0, (size_t) p->nx * sizeof(double));
        memset(v, 0, (size_t) p->nx * sizeof(double));
        for (int c = 0; c < p->n_clones; c++) {
            accumulate(p, p->clone[c].cells, 1.0, cells);
            accumulate(p, p->clone[c].cells, effective_density(&p->cl, c, cols[a]), v);
        }
        for (int j = 0; j < p->nx; j++) {
            v[j] = cells[j] > 0 ? v[j] / cells[j] : NAN;
            if (isfinite(v[j]) && v[j] >= DENSITY_FLOOR) {
                mn = fmin(mn, v[j]);
                mx = fmax(mx, v[j]);
            }
        }
        const char *cn = p->cl.name[cols[a]];
        snprintf(name, sizeof(name), "%.*s (mean)", (int) (strlen(cn) - 8), cn);
        mw__series(w, name, mw__colour(a), 0, v, p->nx, DENSITY_FLOOR);
    }
    mw__jw_end(w);
    if (!isfinite(mn)) {
        mn = 1;
        mx = 10;
    }
    double r[2] = {pow(10, floor(log10(mn)) - 1), pow(10, ceil(log10(mx)))};
    mw__jw_nums(w, "y_range", r, 2, -INFINITY);
    vlines(w, p);
    mw__jw_end(w);
    free(v);
    free(cells);
    return 0;
}

static void
clone_tree(mw__jw_t *w, patient_t *p)
{
    char colour[48], text[MW_NAME_MAX + 64];
    int n = p->n_drawn;
    double end_all = fmax(p->x[p->nx - 1], p->x[0] + 1);
    mw__chart_t ch = {
        "tree",
        "Clone tree",
        "How to read this: one row per drawn clone, from its birth to its "
        "extinction (or the horizon), coloured as in the Muller plot; a grey "
        "connector joins each clone to its nearest drawn ancestor, and the label "
        "says how (founder, or the mutation or switch that made it).",
        "days",
        "clone",
        0,
        0,
        {0, end_all},
        {-0.7, n - 0.3},
        n < 8 ? 200 : 26 * n + 40};
    mw__chart_begin(w, &ch);
    mw__jw_obj(w, "shapes");
    mw__jw_arr(w, "segs");
    for (int k = 0; k < n; k++) {
        const clone_t *c = &p->clone[p->order[k]];
        double y = n - 1 - k;
        double end = isfinite(c->extinct) ? c->extinct : end_all;
        if (c->dparent >= 0) {
            mw__seg(w, c->born, n - 1 - p->clone[c->dparent].lane, c->born, y, "#999999",
                    1);
        }
        clone_colour(p, p->order[k], colour, sizeof(colour));
        mw__seg(w, c->born, y, end, y, colour, 5);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "marks");
    for (int k = 0; k < n; k++) {
        const clone_t *c = &p->clone[p->order[k]];
        clone_colour(p, p->order[k], colour, sizeof(colour));
        mw__mark(w, c->born, n - 1 - k, "circle", colour,
                 4 + 1.2 * fmax(0, log10(fmax(1, c->peak))));
    }
    mw__jw_end(w);
    mw__jw_arr(w, "texts");
    for (int k = 0; k < n; k++) {
        const clone_t *c = &p->clone[p->order[k]];
        snprintf(text, sizeof(text), "%s, peak %.2g cells", c->event, c->peak);
        mw__text(w, c->born + 0.01 * end_all, n - 1 - k + 0.32, text);
    }
    mw__jw_end(w);
    mw__jw_end(w);
    mw__jw_arr(w, "y_ticks");
    for (int k = 0; k < n; k++) {
        snprintf(text, sizeof(text), "clone %d", p->clone[p->order[k]].id);
        mw__tick(w, n - 1 - k, text);
    }
    mw__jw_end(w);
    mw__jw_num(w, "y_ticks_width", 80);
    mw__jw_obj(w, "csv");
    mw__jw_arr(w, "columns");
    const char *cols[] = {"clone_id",
                          "parent_id",
                          "born_day",
                          "extinct_day",
                          "event",
                          "peak_cells",
                          p->colour_by[0] ? p->colour_by : "trait"};
    for (int k = 0; k < 7; k++) {
        mw__jw_str(w, NULL, cols[k]);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "rows");
    for (int k = 0; k < n; k++) {
        const clone_t *c = &p->clone[p->order[k]];
        mw__jw_arr(w, NULL);
        mw__jw_num(w, NULL, c->id);
        mw__jw_num(w, NULL, c->parent >= 0 ? (double) p->clone[c->parent].id : NAN);
        mw__jw_num(w, NULL, c->born);
        mw__jw_num(w, NULL, c->extinct);
        mw__jw_str(w, NULL, c->event);
        mw__jw_num(w, NULL, c->peak);
        mw__jw_num(w, NULL, c->trait);
        mw__jw_end(w);
    }
    mw__jw_end(w);
    mw__jw_end(w);
    mw__jw_end(w);
}

/* Timeline lanes, top to bottom. */
enum { L_TREAT, L_DOSE, L_TOX, L_CLINIC, L_POLICY, L_CLONES, N_LANES };

static int
lane_of(const char *kind)
{
    static const struct {
        const char *kind;
        int lane;
    } map[] = {{"line_start", L_TREAT},      {"phase_start", L_TREAT},
               {"line_end", L_TREAT},        {"cart_infusion", L_TREAT},
               {"lymphodepletion", L_TREAT}, {"apheresis", L_TREAT},
               {"safety_switch", L_TREAT},   {"dose", L_DOSE},
               {"engager_dose", L_DOSE},     {"crs_grade", L_TOX},
               {"icans_grade", L_TOX},       {"tocilizumab", L_TOX},
               {"corticosteroid", L_TOX},    {"death", L_TOX},
               {"response", L_CLINIC},       {"progression", L_CLINIC},
               {"diagnosis", L_CLINIC},      {"policy", L_POLICY}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(kind, map[i].kind) == 0) {
            return map[i].lane;
        }
    }
    return L_CLONES;
}

/* Is event @p r about a drawn clone (or not about one clone at all)? */
static int
drawn_event(const patient_t *p, int r)
{
    char id[32];
    detail(ev_detail(p, r), "clone", id, sizeof(id));
    if (id[0] == '\0') {
        return 1;
    }
    int c = clone_row(p, atoi(id), p->n_clones);
    return c >= 0 && p->clone[c].drawn;
}

static void
timeline(mw__jw_t *w, patient_t *p)
{
    static const char *lane_name[] = {"treatment", "doses",  "toxicity",
                                      "clinic",    "policy", "clones"};
    int doses = 0, labels = 0;
    if (p->ev.n == 0) {
        return; /* nothing happened: no chart (the summary says so) */
    }
    char colour[48];
    for (int r = 0; r < p->ev.n; r++) {
        int l = lane_of(ev_kind(p, r));
        doses += l == L_DOSE;
        labels +=
            l == L_TREAT || l == L_POLICY || strcmp(ev_kind(p, r), "progression") == 0;
    }
    int every =
        doses > MAX_DOSE_MARKS ? (doses + MAX_DOSE_MARKS - 1) / MAX_DOSE_MARKS : 1;
    double end_all = fmax(p->x[p->nx - 1], p->x[0] + 1);
    char note[640];
    snprintf(
        note, sizeof(note),
        "How to read this: every event of the run on one time axis, a row per kind: "
        "treatment starts and infusions, single doses%s, toxicity and its treatment, "
        "the clinic's confirmed responses (coloured as above) and progressions, "
        "adaptive-policy decisions, and the births (circles) and extinctions "
        "(crosses) of the clones drawn above; the CSV lists %s.",
        every > 1 ? " (every one in a few, when there are very many)" : "",
        p->ev.n > MAX_CSV_EVENTS ? "the first 5000 events with their details (events.csv "
                                   "has them all)"
                                 : "every event with its details");
    mw__chart_t ch = {"timeline",   "Events and policy decisions", note, "days", "", 0, 0,
                      {0, end_all}, {-0.6, N_LANES - 0.4},         260};
    mw__chart_begin(w, &ch);
    mw__jw_obj(w, "shapes");
    mw__jw_arr(w, "marks");
    for (int r = 0, d = 0; r < p->ev.n; r++) {
        const char *k = ev_kind(p, r);
        int l = lane_of(k);
        double y = N_LANES - 1 - l;
        if ((l == L_DOSE && d++ % every != 0) || (l == L_CLONES && !drawn_event(p, r))) {
            continue;
        }
        if (strcmp(k, "response") == 0) {
            char name[16];
            detail(ev_detail(p, r), "response", name, sizeof(name));
            mw__response_colour(response_of(name), 1.0, colour, sizeof(colour));
            mw__mark(w, ev_t(p, r), y, "square", colour, 9);
        } else if (strcmp(k, "progression") == 0 || strcmp(k, "death") == 0) {
            mw__mark(w, ev_t(p, r), y, "cross", "#D55E00", 10);
        } else if (strcmp(k, "clone_extinct") == 0 || strcmp(k, "tumour_extinct") == 0) {
            mw__mark(w, ev_t(p, r), y, "cross", "#009E73", 8);
        } else {
            mw__mark(w, ev_t(p, r), y, l == L_DOSE ? "tick" : "circle", mw__colour(l),
                     l == L_DOSE ? 10 : 8);
        }
    }
    mw__jw_end(w);
    mw__jw_arr(w, "texts");
    if (labels <= MAX_LABELS) {
        for (int r = 0; r < p->ev.n; r++) {
            const char *k = ev_kind(p, r);
            int l = lane_of(k);
            char v[MW_NAME_MAX];
            if (strcmp(k, "phase_start") == 0) {
                detail(ev_detail(p, r), "regimen", v, sizeof(v));
            } else if (strcmp(k, "line_start") == 0) {
                char no[16];
                detail(ev_detail(p, r), "line", no, sizeof(no));
                snprintf(v, sizeof(v), "line %s", no);
            } else if (strcmp(k, "cart_infusion") == 0) {
                detail(ev_detail(p, r), "product", v, sizeof(v));
            } else if (strcmp(k, "policy") == 0) {
                detail(ev_detail(p, r), "action", v, sizeof(v));
            } else if (strcmp(k, "progression") == 0) {
                snprintf(v, sizeof(v), "PD");
            } else {
                continue;
            }
            /* Alternate heights in a lane so neighbouring labels do not collide. */
            mw__text(w, ev_t(p, r), N_LANES - 1 - l + ((r % 2) ? -0.28 : 0.28), v);
        }
    }
    mw__jw_end(w);
    mw__jw_end(w);
    mw__jw_arr(w, "y_ticks");
    for (int l = 0; l < N_LANES; l++) {
        mw__tick(w, N_LANES - 1 - l, lane_name[l]);
    }
    mw__jw_end(w);
    mw__jw_num(w, "y_ticks_width", 90);
    mw__jw_obj(w, "csv");
    mw__jw_arr(w, "columns");
    mw__jw_str(w, NULL, "t_days");
    mw__jw_str(w, NULL, "kind");
    mw__jw_str(w, NULL, "detail");
    mw__jw_end(w);
    mw__jw_arr(w, "rows");
    for (int r = 0; r < p->ev.n && r < MAX_CSV_EVENTS; r++) {
        mw__jw_arr(w, NULL);
        mw__jw_num(w, NULL, ev_t(p, r));
        mw__jw_str(w, NULL, ev_kind(p, r));
        mw__jw_str(w, NULL, ev_detail(p, r));
        mw__jw_end(w);
    }
    mw__jw_end(w);
    mw__jw_end(w);
    mw__jw_end(w);
}

static int
write_json(FILE *f, patient_t *p)
{
    mw__jw_t w;
    int ret;
    mw__jw_init(&w, f);
    mw__jw_obj(&w, NULL);
    mw__jw_str(&w, "format", "marrow-report/2");
    mw__jw_str(&w, "kind", "patient");
    mw__jw_obj(&w, "header");
    mw__jw_str(&w, "scenario", p->scenario);
    mw__jw_str(&w, "version", p->version);
    mw__jw_str(&w, "command_line", p->command_line);
    mw__jw_str(&w, "seed", p->seed);
    mw__jw_str(&w, "scenario_hash", p->hash);
    mw__jw_str(&w, "replicates", p->replicates);
    mw__jw_num(&w, "replicate_shown", 0);
    mw__jw_str(&w, "colour_by", p->colour_by);
    mw__jw_end(&w);
    mw__jw_arr(&w, "blocks");
    summary_table(&w, p);
    lines_table(&w, p);
    ret = p->n_drawn > 0 ? muller(&w, p) : 0;
    if (ret == 0) {
        ret = burden_and_markers(&w, p);
    }
    if (ret == 0) {
        ret = cart_charts(&w, p);
    }
    if (ret == 0) {
        ret = antigen_chart(&w, p);
    }
    if (ret == 0 && p->n_drawn > 0) {
        clone_tree(&w, p);
    }
    if (ret == 0) {
        timeline(&w, p);
    }
    mw__jw_end(&w);
    mw__jw_end(&w);
    return ret;
}

int
mw__report_patient(const char *dir, const mw_report_options_t *opts, char *errbuf,
                   size_t errlen)
{
    static const char *ev_cols[] = {"t_days", "kind", "detail"};
    patient_t *p = calloc(1, sizeof(*p));
    char *json = NULL, title[300];
    size_t json_len = 0;
    int ret;

    if (p == NULL) {
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    ret = read_run(p, dir, errbuf, errlen);
    if (ret == 0) {
        ret = read_summary(p, dir, errbuf, errlen);
    }
    if (ret == 0) {
        ret = csv_read(&p->ts, dir, "timeseries.csv", 0, errbuf, errlen);
    }
    if (ret == 0) {
        ret = index_timeseries(p, errbuf, errlen);
    }
    if (ret == 0) {
        ret = csv_read(&p->ev, dir, "events.csv", 0, errbuf, errlen);
    }
    if (ret == 0) {
        ret = need_cols(&p->ev, ev_cols, 3, errbuf, errlen);
    }
    for (int r = 0; ret == 0 && r < p->ev.n; r++) {
        if (!isfinite(ev_t(p, r))) {
            mw__seterr(errbuf, errlen, "%s:%ld:1: t_days: '%s' is not a number",
                       p->ev.path, p->ev.lineno[r],
                       cell(&p->ev, r, csv_col(&p->ev, "t_days")));
            ret = MW_ERR_IO;
        }
    }
    if (ret == 0) {
        ret = csv_read(&p->cl, dir, "clones.csv", 1, errbuf, errlen);
    }
    if (ret == 0) {
        ret = csv_read(&p->ob, dir, "observations.csv", 1, errbuf, errlen);
    }
    if (ret == 0) {
        ret = read_clones(p, errbuf, errlen);
    }
    if (ret == 0) {
        ret = choose_drawn(p);
        if (ret != 0) {
            mw__seterr(errbuf, errlen, "out of memory");
        } else {
            ret = choose_trait(p, opts->colour_by, errbuf, errlen);
        }
    }
    if (ret == 0) {
        FILE *mem = open_memstream(&json, &json_len);
        if (mem == NULL) {
            ret = MW_ERR_NO_MEMORY;
        } else {
            ret = write_json(mem, p);
            /* A buffer that failed to grow drops bytes: check before and after. */
            int bad = ferror(mem);
            if ((fclose(mem) != 0 || bad || json == NULL) && ret == 0) {
                ret = MW_ERR_NO_MEMORY;
            }
        }
        if (ret != 0) {
            mw__seterr(errbuf, errlen, "out of memory");
        }
    }
    if (ret == 0) {
        mw__header_row_t rows[] = {
            {"scenario", p->scenario, 0},         {"marrow version", p->version, 0},
            {"command line", p->command_line, 1}, {"seed", p->seed, 0},
            {"scenario hash", p->hash, 1},        {"engine mode", p->mode, 0},
            {"replicates", p->replicates, 0},     {"shown", "replicate 0", 0}};
        snprintf(title, sizeof(title), "marrow report: %s", p->scenario);
        ret = mw__report_files(dir, title, rows, 8, json, errbuf, errlen);
    }
    free(p->clone);
    free(p->slot);
    free(p->order);
    for (int i = 0; i < p->n_ser; i++) {
        free(p->ser[i].t);
        free(p->ser[i].v);
    }
    free(p->ser);
    csv_free(&p->ts);
    csv_free(&p->ev);
    csv_free(&p->cl);
    csv_free(&p->ob);
    if (p->have_summary) {
        yaml_document_delete(&p->summary);
    }
    free(p);
    free(json);
    return ret;
}
