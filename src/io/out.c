/*
 * Output helpers shared by `marrow run` and `marrow cohort` (out.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cohort/stats.h"
#include "io/out.h"

void
mw__seterr(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    if (buf == NULL || len == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

int
mw__make_dirs(const char *dir, char *errbuf, size_t errlen)
{
    char tmp[MW__OUT_PATH_MAX];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof(tmp)) {
        mw__seterr(errbuf, errlen, "output directory name is empty or too long");
        return MW_ERR_IO;
    }
    memcpy(tmp, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
                mw__seterr(errbuf, errlen, "cannot create directory '%s': %s", tmp,
                           strerror(errno));
                return MW_ERR_IO;
            }
            tmp[i] = c;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        mw__seterr(errbuf, errlen, "'%s' is not a directory", dir);
        return MW_ERR_IO;
    }
    return 0;
}

int
mw__outputs_open(mw__outputs_t *o, const char *dir, const char *const *names, int n,
                 char *errbuf, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    if (n < 0 || n > MW__OUT_MAX_FILES) {
        mw__seterr(errbuf, errlen, "too many output files");
        return MW_ERR_BAD_PARAM;
    }
    o->n = n;
    for (int i = 0; i < n; i++) {
        snprintf(o->path[i], sizeof(o->path[i]), "%s/%s", dir, names[i]);
        snprintf(o->partial[i], sizeof(o->partial[i]), "%s/.%s.partial", dir, names[i]);
        o->f[i] = fopen(o->partial[i], "w");
        if (o->f[i] == NULL) {
            mw__seterr(errbuf, errlen, "cannot write '%s': %s", o->partial[i],
                       strerror(errno));
            return MW_ERR_IO;
        }
    }
    return 0;
}

int
mw__outputs_close(mw__outputs_t *o, int ok, char *errbuf, size_t errlen)
{
    int ret = 0;
    for (int i = 0; i < o->n; i++) {
        if (o->f[i] == NULL) {
            continue;
        }
        if (ferror(o->f[i]) && ret == 0) {
            mw__seterr(errbuf, errlen, "write error on '%s'", o->partial[i]);
            ret = MW_ERR_IO;
        }
        if (fclose(o->f[i]) != 0 && ret == 0) {
            mw__seterr(errbuf, errlen, "cannot close '%s': %s", o->partial[i],
                       strerror(errno));
            ret = MW_ERR_IO;
        }
        o->f[i] = NULL;
    }
    for (int i = 0; i < o->n; i++) {
        if (o->partial[i][0] == '\0') {
            continue;
        }
        if (ok && ret == 0) {
            if (rename(o->partial[i], o->path[i]) != 0) {
                mw__seterr(errbuf, errlen, "cannot rename '%s': %s", o->partial[i],
                           strerror(errno));
                ret = MW_ERR_IO;
            }
        } else {
            (void) remove(o->partial[i]);
        }
    }
    return ret;
}

void
mw__write_num(FILE *f, double x)
{
    if (isnan(x)) {
        fputs("NA", f);
    } else if (isinf(x)) {
        fputs(x > 0 ? "Inf" : "-Inf", f);
    } else {
        fprintf(f, "%.15g", x);
    }
}

void
mw__write_exact(FILE *f, double x)
{
    char buf[40];
    if (!isfinite(x)) {
        mw__write_num(f, x);
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof(buf), "%.*g", digits, x);
        if (strtod(buf, NULL) == x) {
            break;
        }
    }
    fputs(buf, f);
}

void
mw__json_num(FILE *f, double x)
{
    if (!isfinite(x)) {
        fputs("null", f);
    } else {
        fprintf(f, "%.15g", x);
    }
}

void
mw__json_field(FILE *f, const char *key, double x)
{
    fprintf(f, ", \"%s\": ", key);
    mw__json_num(f, x);
}

void
mw__json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
        } else {
            fputc(c, f);
        }
    }
    fputc('"', f);
}

void
mw__json_fraction(FILE *f, const char *name, int k, int n)
{
    double lo, hi;
    (void) mw__wilson(k, n, MW_STATS_Z95, &lo, &hi);
    fprintf(f, "\"%s\": {\"count\": %d, \"fraction\": ", name, k);
    mw__json_num(f, (double) k / n);
    fputs(", \"wilson95\": [", f);
    mw__json_num(f, lo);
    fputs(", ", f);
    mw__json_num(f, hi);
    fputs("]}", f);
}

int
mw__write_run_json(FILE *f, const mw_scenario_t *sc, const mw__provenance_t *p)
{
    fprintf(f, "{\n  \"marrow_version\": \"%s\",\n  \"command_line\": ", mw_version());
    mw__json_str(f, p->command_line != NULL ? p->command_line : "");
    fprintf(f,
            ",\n  \"seed\": %llu,\n  \"%s\": %d,\n  \"threads\": %d,\n  \"ranks\": 1,\n"
            "  \"scenario_hash\": \"%016llx\",\n  \"scenario\": ",
            (unsigned long long) p->seed, p->count_key, p->count, p->threads,
            (unsigned long long) mw_scenario_hash(sc));
    int ret = mw_scenario_write_json(sc, f, 2);
    fputs("\n}\n", f);
    return ret;
}

double
mw__now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

double
mw__output_time(const mw_scenario_t *sc, long k)
{
    double t = (double) k * sc->output_every_days;
    if (t > sc->horizon_days || sc->horizon_days - t < 1e-9 * sc->output_every_days) {
        t = sc->horizon_days;
    }
    return t;
}

int
mw__patient_draw(const mw_scenario_t *sc, uint64_t seed, uint32_t i,
                 mw_scenario_t *patient, double *covariates, mw_diags_t *diags,
                 const char *what, char *errbuf, size_t errlen)
{
    char msg[400];
    mw_diags_t *own = NULL;
    int ret = 0;

    if (mw_scenario_sample(sc, seed, i, patient) != 0) {
        mw__seterr(errbuf, errlen,
                   "%s %u: cannot draw the patient's parameters: a distribution's draws "
                   "kept falling outside its range",
                   what, (unsigned) i);
        return MW_ERR_BAD_PARAM;
    }
    if (sc->n_covariates > 0 &&
        mw_scenario_covariates(sc, seed, i, patient, covariates, msg, sizeof(msg)) != 0) {
        mw__seterr(errbuf, errlen, "%s %u: %s", what, (unsigned) i, msg);
        return MW_ERR_BAD_PARAM;
    }
    if (sc->n_variables == 0 && sc->n_covariates == 0) {
        return 0;
    }
    if (diags == NULL) {
        diags = own = malloc(sizeof(*own));
        if (own == NULL) {
            mw__seterr(errbuf, errlen, "out of memory");
            return MW_ERR_NO_MEMORY;
        }
    }
    /* Draws lie in their keys' ranges, but can break a rule between keys (CRS grades
     * in increasing order): name it rather than run on. */
    mw_diags_clear(diags);
    if (mw_scenario_validate(patient, diags) != 0) {
        const mw_diag_t *d = &diags->d[0];
        mw__seterr(errbuf, errlen,
                   "%s %u: the parameters drawn for this patient break a rule: %s: %s",
                   what, (unsigned) i, d->key, d->msg);
        ret = MW_ERR_BAD_PARAM;
    }
    free(own);
    return ret;
}

int
mw__json_load(const char *path, yaml_document_t *doc, char *errbuf, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    yaml_parser_t parser;
    int ret = 0;

    if (f == NULL) {
        mw__seterr(errbuf, errlen, "cannot read '%s': %s", path, strerror(errno));
        return MW_ERR_IO;
    }
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, doc)) {
        if (parser.error == YAML_MEMORY_ERROR || parser.problem == NULL) {
            mw__seterr(errbuf, errlen, "%s: out of memory", path);
            ret = MW_ERR_NO_MEMORY;
        } else {
            mw__seterr(errbuf, errlen, "%s: not a JSON file marrow wrote (%s at line %lu)",
                       path, parser.problem != NULL ? parser.problem : "syntax error",
                       (unsigned long) parser.problem_mark.line + 1);
            ret = MW_ERR_CONFIG;
        }
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return ret;
}

const yaml_node_t *
mw__json_get(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
    if (map == NULL || map->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *) k->data.scalar.value, key) == 0) {
            return yaml_document_get_node(doc, p->value);
        }
    }
    return NULL;
}

const char *
mw__json_scalar(const yaml_node_t *n)
{
    return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *) n->data.scalar.value
                                                    : NULL;
}

const yaml_node_t *
mw__json_item(yaml_document_t *doc, const yaml_node_t *seq, int i)
{
    if (i < 0 || i >= mw__json_len(seq)) {
        return NULL;
    }
    return yaml_document_get_node(doc, seq->data.sequence.items.start[i]);
}

int
mw__json_len(const yaml_node_t *seq)
{
    if (seq == NULL || seq->type != YAML_SEQUENCE_NODE) {
        return -1;
    }
    return (int) (seq->data.sequence.items.top - seq->data.sequence.items.start);
}

double
mw__json_number(const yaml_node_t *n)
{
    const char *s = mw__json_scalar(n);
    char *end;
    if (s == NULL || *s == '\0') {
        return NAN;
    }
    double x = strtod(s, &end);
    return *end == '\0' ? x : NAN;
}
