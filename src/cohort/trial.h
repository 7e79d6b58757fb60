/*
 * Private: what the two halves of a virtual trial share.  cohort.c simulates patients
 * and streams their rows to patients.csv; analysis.c reads rows back (from one run,
 * a resumed run or several shards) and writes tte.csv, km.csv and summary.json.  The
 * row is the only thing that passes between them, so a merged or resumed trial is
 * analysed by exactly the code that analyses a trial run in one go.
 */
#ifndef MW_COHORT_TRIAL_H
#define MW_COHORT_TRIAL_H

#include <stdint.h>
#include <stdio.h>

#include "marrow.h"

#define MW__DAYS_PER_MONTH 30.4375

/* Why follow-up ended (patients.csv `followup_end`). */
typedef enum {
    MW__END_HORIZON = 0, /* the scenario's horizon_days */
    MW__END_CUTOFF,      /* the data cut-off (trial.data_cutoff_day - entry day) */
    MW__END_DROPOUT,     /* lost to follow-up (trial.dropout_per_year) */
    MW__END_DEATH,
    MW__N_ENDS
} mw__end_t;

/* What the PFS event was. */
typedef enum { MW__PFS_CENSORED = 0, MW__PFS_PROGRESSION, MW__PFS_DEATH } mw__pfs_by_t;

/* One patient on one arm: a row of patients.csv.  Times are days from the patient's
 * day 0 (enrolment); NAN where undefined. */
typedef struct {
    int patient, arm;
    double entry_day;     /* day of the trial on which the patient enrolled */
    double followup_days; /* observed until this day */
    int followup_end;     /* mw__end_t */
    int best;             /* line 1's best confirmed IMWG response (mw_response_t) */
    double ttr_days;      /* first response >= PR (confirmed), NAN if none */
    double dor_days;      /* responders: response to progression or death, else NAN */
    int dor_event;
    double pfs_days;
    int pfs_event, pfs_by; /* mw__pfs_by_t */
    double os_days;
    int os_event;
    double ttnt_days; /* the next line's start, or death */
    int ttnt_event;
    int mrd_negative;   /* some marrow MRD reading was negative */
    int mrd_12m;        /* last MRD reading in (182, 365]: 1 negative, 0 positive, -1 none */
    int extinct;
    double extinction_day;
    int relapse; /* mw_relapse_t of the first progression */
    int crs, icans;
    int lines;
    double cart_cmax, cart_tmax_days, cart_auc0_28; /* product 0; NAN if none infused */
    double pfs2_days; /* progression on a line after line 1, or death */
    int pfs2_event;
    double cov[MW_MAX_COVARIATES];
} mw__row_t;

/* What analysing a directory of rows needs to know, written to run.json as "cohort"
 * (and to the resume marker) and read back by merge and resume. */
typedef struct {
    char id[1024]; /* version, seed, size, design and every arm's scenario hash */
    char name[MW_NAME_MAX];
    char mode[16];
    uint64_t seed;
    int n;            /* patients in the whole trial */
    int first, end;   /* the patients in this directory: [first, end) */
    int design;       /* mw_design_t */
    double horizon_days;
    int n_arms;
    char arm[MW_MAX_ARMS][MW_NAME_MAX];
    int n_cov;
    char cov[MW_MAX_COVARIATES][MW_NAME_MAX];
    int cov_binary[MW_MAX_COVARIATES];
    double enrolment_days, data_cutoff_day, dropout_per_year;
} mw__spec_t;

/* patients.csv header line (with its newline) into @p f. */
void mw__row_header(FILE *f, const mw__spec_t *sp);
void mw__row_write(FILE *f, const mw__spec_t *sp, const mw__row_t *r);
/* Split @p line into at most @p max CSV fields in place (quoted fields as marrow
 * writes them).  Returns the number of fields, max + 1 when there are more, or -1
 * for a broken quote. */
int mw__csv_split(char *line, char **field, int max);
/* What mw__read_line() gives besides 1 (a line) and 0 (the end of the file). */
enum { MW__LINE_CUT = -1, MW__LINE_ERROR = -2, MW__LINE_NO_MEMORY = -3 };
/* One line of @p f into *@p buf without its line break (nor a '\r' before it): 1, 0
 * at the end of the file, MW__LINE_CUT for a last line without its newline (a file
 * cut short), MW__LINE_ERROR for a read error and MW__LINE_NO_MEMORY when the line
 * did not fit in memory. */
int mw__read_line(FILE *f, char **buf, size_t *cap);
/* Parse one line (no newline) written by mw__row_write.  0, or -1 with a reason. */
int mw__row_parse(char *line, const mw__spec_t *sp, mw__row_t *r, char *why, size_t n);

/* The "cohort" object (no trailing newline), indented by two spaces. */
void mw__spec_write(FILE *f, const mw__spec_t *sp);
/* Read the "cohort" object of a JSON file (run.json or the resume marker).  0 or
 * MW_ERR_IO / MW_ERR_CONFIG with a message. */
int mw__spec_read(const char *path, mw__spec_t *sp, char *errbuf, size_t errlen);

/* One input of an analysis: a patients.csv and the patients it must hold. */
typedef struct {
    const char *path;
    int first, end;
} mw__rows_in_t;

/* Read the rows of @p in[0..n_in-1] in order (each must hold exactly its patients,
 * every arm of each in order when paired) and write tte.csv, km.csv, summary.json
 * (and, with @p copy_to, the rows themselves: the merged patients.csv) through the
 * open files.  @p result gets the per-arm results (may be NULL). */
typedef struct {
    FILE *patients; /* NULL: the rows are not copied */
    FILE *tte, *km, *summary;
} mw__analysis_out_t;
int mw__analyse(const mw__spec_t *sp, const mw__rows_in_t *in, int n_in,
                const mw__analysis_out_t *out, mw_cohort_result_t *result, char *errbuf,
                size_t errlen);

/* MPI (ranks.c): the number of ranks this process is one of (1 without MPI or when
 * not started by mpirun), and its rank in *@p rank. */
int mw__ranks_start(int *rank);
/* The largest @p x over all ranks (a collective: every rank must call it). */
int mw__ranks_max(int x);

#endif
