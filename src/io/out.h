/*
 * Private: what `marrow run` (run.c) and `marrow cohort` (cohort/cohort.c) share to
 * write their output directories: files written under ".partial" names and renamed
 * only when everything succeeded, number and JSON formatting, the run.json
 * provenance record, the output-time grid and drawing one patient's scenario.
 */
#ifndef MW_IO_OUT_H
#define MW_IO_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <yaml.h>

#include "marrow.h"

/* printf into @p buf (nothing when buf is NULL or len 0). */
void mw__seterr(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* mkdir -p @p dir; 0 or MW_ERR_IO with a message. */
int mw__make_dirs(const char *dir, char *errbuf, size_t errlen);

#define MW__OUT_MAX_FILES 8
#define MW__OUT_PATH_MAX  4096

/* A set of output files, each open as DIR/.NAME.partial until closed. */
typedef struct {
    int n;
    FILE *f[MW__OUT_MAX_FILES];
    char path[MW__OUT_MAX_FILES][MW__OUT_PATH_MAX];
    char partial[MW__OUT_MAX_FILES][MW__OUT_PATH_MAX];
} mw__outputs_t;

/* Open DIR/.NAME.partial for each of the @p n (<= MW__OUT_MAX_FILES) names.  0 or
 * MW_ERR_IO with a message; call mw__outputs_close(o, 0, ...) after a failure too. */
int mw__outputs_open(mw__outputs_t *o, const char *dir, const char *const *names, int n,
                     char *errbuf, size_t errlen);
/* Close every file; when @p ok and no write failed rename each into place, otherwise
 * delete them all.  0 or MW_ERR_IO with a message. */
int mw__outputs_close(mw__outputs_t *o, int ok, char *errbuf, size_t errlen);

/* CSV number: %.15g, "NA" for NaN, "Inf"/"-Inf". */
void mw__write_num(FILE *f, double x);
/* CSV number that reads back as the same double: the shortest of %.15g, %.16g and
 * %.17g that does; "NA", "Inf", "-Inf" otherwise as mw__write_num. */
void mw__write_exact(FILE *f, double x);
/* JSON number: %.15g, null when not finite. */
void mw__json_num(FILE *f, double x);
/* ", \"key\": value" */
void mw__json_field(FILE *f, const char *key, double x);
/* A JSON string with the minimal escaping. */
void mw__json_str(FILE *f, const char *s);
/* "name": {"count": k, "fraction": k/n, "wilson95": [lo, hi]} */
void mw__json_fraction(FILE *f, const char *name, int k, int n);

/* What run.json records besides the scenario. */
typedef struct {
    const char *command_line; /* may be NULL */
    uint64_t seed;
    const char *count_key; /* "replicates" or "patients" */
    int count;
    int threads;
} mw__provenance_t;

/* run.json: version, command line, seed, count, threads, ranks, scenario hash and the
 * resolved scenario.  0 or the error of mw_scenario_write_json(). */
int mw__write_run_json(FILE *f, const mw_scenario_t *sc, const mw__provenance_t *p);

/* timeseries.csv rows of @p sim at time @p t (tumour, markers, clones, immune and
 * therapy variables as `marrow run` writes them), each line starting with
 * @p prefix ("" or e.g. "3," for a replicate column). */
void mw__write_timeseries(FILE *f, const mw_scenario_t *sc, const mw_sim_t *sim,
                          const char *prefix, double t);

/* Read back a JSON file marrow wrote (run.json, the cohort's resume marker) with
 * libyaml, JSON being YAML's flow style.  0, or MW_ERR_IO / MW_ERR_CONFIG /
 * MW_ERR_NO_MEMORY with a message; free *@p doc with yaml_document_delete(). */
int mw__json_load(const char *path, yaml_document_t *doc, char *errbuf, size_t errlen);
/* The value of @p key in mapping @p map (NULL when absent or @p map is not one). */
const yaml_node_t *mw__json_get(yaml_document_t *doc, const yaml_node_t *map,
                                const char *key);
/* The text of a scalar node (strings unescaped, numbers as written); NULL otherwise. */
const char *mw__json_scalar(const yaml_node_t *n);
/* Item @p i of sequence @p seq (NULL when out of range or @p seq is not one). */
const yaml_node_t *mw__json_item(yaml_document_t *doc, const yaml_node_t *seq, int i);
/* The number of items of sequence @p seq, -1 when it is not one. */
int mw__json_len(const yaml_node_t *seq);
/* A scalar as a number: NAN for null, absent, or text that is not wholly a number. */
double mw__json_number(const yaml_node_t *n);

/* Monotonic clock, seconds. */
double mw__now_seconds(void);

/* Output time k >= 1 of a run: k * output_every_days, the last one (within 1e-9 of a
 * step) being horizon_days.  `run` stops the simulation at each, and `cohort` does
 * the same, so that patient i of a cohort is replicate i of a run (in hybrid mode a
 * stop ends a step). */
double mw__output_time(const mw_scenario_t *sc, long k);

/* Patient @p i's scenario: mw_scenario_sample(sc, seed, i, patient), then its
 * covariates, mw_scenario_covariates(sc, seed, i, patient, covariates) (their
 * values into @p covariates[sc->n_covariates], which may be NULL), then, when the
 * scenario has distributions or covariates, mw_scenario_validate() (draws lie in
 * their keys' ranges but can break a rule between keys).  @p diags is scratch
 * space (NULL: allocated here when needed).  @p what names the unit in messages
 * ("replicate", "patient").  0, MW_ERR_BAD_PARAM with a message, or
 * MW_ERR_NO_MEMORY. */
int mw__patient_draw(const mw_scenario_t *sc, uint64_t seed, uint32_t i,
                     mw_scenario_t *patient, double *covariates, mw_diags_t *diags,
                     const char *what, char *errbuf, size_t errlen);

#endif
