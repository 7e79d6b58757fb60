/*
 * `marrow cohort`: the simulation half of a virtual trial (the analysis half is
 * analysis.c; trial.h is what they share).
 *
 * Patient i draws its parameters (mw_scenario_sample, then mw_scenario_covariates)
 * and its trial course (entry day, time to dropout, randomised arm) from streams
 * keyed by (seed, i), and is simulated on each of its arms with mw_sim_create(
 * patient, seed, i): the same random numbers on every arm of a paired design, and
 * the same row whatever else runs.  Each patient-arm becomes a row of patients.csv.
 *
 * Threads (OpenMP, optional): each thread takes the next patient from a shared
 * counter, simulates it on its arms and puts the rows in a ring slot indexed by
 * patient.  Whichever thread holds the lock writes the rows that are next in patient
 * order and flushes them, so patients.csv is the same byte for byte whatever the
 * thread count, and is complete up to its last line if the run is killed.  A thread
 * whose patient is a whole ring ahead of the next to write waits (polling) for the
 * slow one before it, so memory does not grow with N.
 *
 * Unfinished work: rows go to DIR/.patients.csv.partial beside a marker
 * DIR/.cohort.partial.json that names the trial.  `--resume` checks the marker,
 * drops a cut-short last patient and carries on after the last whole one; at the
 * end the rows are analysed, every file is renamed into place and the marker goes.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cohort/trial.h"
#include "core/core.h"
#include "io/out.h"

enum { F_TTE = 0, F_KM, F_SUMMARY, F_RUN, F_N };
/* the analysis files, then (merge) the rows and (when asked) the trajectories */
static const char *const file_names[F_N + 2] = {"tte.csv",  "km.csv",       "summary.json",
                                                "run.json", "patients.csv", "trajectories.csv"};
static const char *const traj_names[F_N + 1] = {"tte.csv", "km.csv", "summary.json",
                                                "run.json", "trajectories.csv"};
#define TRAJ_HEADER "patient,arm,t_days,variable,value\n"

#define ROWS_PER_THREAD 16
#define PARTIAL_ROWS    ".patients.csv.partial"
#define PARTIAL_MARKER  ".cohort.partial.json"

/* One patient's rows (one per arm it is on). */
typedef struct {
    int ready;
    int patient;
    int n_rows;
    mw__row_t rows[MW_MAX_ARMS];
} slot_t;

/* What the threads share; every field below `lock` is touched only under it. */
typedef struct {
    const mw_scenario_t *arms;
    const mw__spec_t *sp;
    const mw_cohort_options_t *o;
    int window, tty;
#ifdef _OPENMP
    omp_lock_t lock;
#endif
    int next;    /* next patient to claim */
    int written; /* the next patient to write */
    int threads_used;
    int err; /* first failure (MW_ERR_*), 0 while none */
    int err_patient;
    char errmsg[512];
    int last_pct;
    slot_t *ring; /* [window], patient p in ring[p % window] */
    FILE *csv;
} shared_t;

static void
lock(shared_t *sh)
{
#ifdef _OPENMP
    omp_set_lock(&sh->lock);
#else
    (void) sh;
#endif
}

static void
unlock(shared_t *sh)
{
#ifdef _OPENMP
    omp_unset_lock(&sh->lock);
#else
    (void) sh;
#endif
}

/* Record a failure (under the lock): the lowest failing patient's message wins. */
static void
fail(shared_t *sh, int patient, int err, const char *msg)
{
    if (sh->err == 0 || patient < sh->err_patient) {
        sh->err = err;
        sh->err_patient = patient;
        snprintf(sh->errmsg, sizeof(sh->errmsg), "%s", msg);
    }
}

/* ------------------------------------------------------------------------------
 * One patient
 * ---------------------------------------------------------------------------- */

/* The patient's course in the trial, from stream (seed, i, MW_STREAM_TRIAL): three
 * uniforms, always all three, so that each means the same whatever the design. */
typedef struct {
    double entry_day, end_day;
    int end; /* mw__end_t: what ends follow-up if the patient lives */
    int arm; /* randomised: the arm drawn */
} course_t;

static void
draw_course(const mw_scenario_t *sc, uint64_t seed, int i, int n_arms, course_t *c)
{
    mw_rng_t r;
    double u_entry, u_drop, u_arm, total = 0, acc = 0;

    mw_rng_init(&r, seed, (uint32_t) i, MW_STREAM_TRIAL);
    u_entry = mw_rng_uniform_pos(&r);
    u_drop = mw_rng_uniform_pos(&r);
    u_arm = mw_rng_uniform_pos(&r);

    c->entry_day = sc->trial.enrolment_days * u_entry;
    c->end_day = sc->horizon_days;
    c->end = MW__END_HORIZON;
    if (sc->trial.data_cutoff_day - c->entry_day < c->end_day) {
        c->end_day = sc->trial.data_cutoff_day - c->entry_day;
        c->end = MW__END_CUTOFF;
    }
    if (sc->trial.dropout_per_year > 0) {
        double drop = -log(u_drop) / (sc->trial.dropout_per_year / 365.25);
        if (drop < c->end_day) {
            c->end_day = drop;
            c->end = MW__END_DROPOUT;
        }
    }
    c->arm = 0;
    if (sc->trial.design == MW_DESIGN_RANDOMISED && n_arms > 1) {
        for (int a = 0; a < n_arms; a++) {
            total += sc->trial.arms[a].allocation;
        }
        c->arm = n_arms - 1;
        for (int a = 0; a < n_arms; a++) {
            acc += sc->trial.arms[a].allocation;
            if (u_arm * total < acc) {
                c->arm = a;
                break;
            }
        }
    }
}

/* Reduce a finished (or dead) patient to its row. */
static void
endpoints(const mw_sim_t *sim, const course_t *c, mw__row_t *r)
{
    double death = NAN, extinct_day = NAN, bm, em, next_line = INFINITY;
    mw_therapy_state_t th;
    mw_toxicity_t tx;
    mw_line_response_t lr;
    mw_cart_pk_t pk;

    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_DEATH && isnan(death)) {
            death = e->t_days;
        } else if (e->kind == MW_EV_TUMOUR_EXTINCT) {
            extinct_day = e->t_days; /* the last time it died out */
        }
    }
    r->entry_day = c->entry_day;
    if (!isnan(death)) {
        r->followup_days = death;
        r->followup_end = MW__END_DEATH;
    } else {
        r->followup_days = c->end_day;
        r->followup_end = c->end;
    }
    mw_sim_tumour(sim, &bm, &em);
    r->extinct = !isnan(extinct_day) && bm + em <= 0;
    r->extinction_day = r->extinct ? extinct_day : NAN;

    r->best = MW_RESP_NE;
    r->ttr_days = NAN;
    r->relapse = MW_RELAPSE_NONE;
    r->lines = 0;
    double first = INFINITY, later = INFINITY;
    for (int l = 0; mw_sim_line_response(sim, l, &lr) == 0; l++) {
        if (!lr.started) {
            continue;
        }
        r->lines++;
        if (l == 0) {
            r->best = lr.best;
            r->ttr_days = lr.best >= MW_RESP_PR ? lr.response_day : NAN;
        } else if (lr.start_day < next_line) {
            next_line = lr.start_day;
        }
        if (!isnan(lr.progression_day) && lr.progression_day < first) {
            first = lr.progression_day;
            r->relapse = lr.relapse_type;
        }
        if (l > 0 && !isnan(lr.progression_day) && lr.progression_day < later) {
            later = lr.progression_day;
        }
    }
    /* The plan's record of the first progression (a restarted line's record starts
     * afresh, this does not). */
    mw_sim_therapy(sim, &th);
    double prog = th.first_progression_day;
    if (!isnan(prog) && (isnan(death) || prog <= death)) {
        r->pfs_days = prog;
        r->pfs_event = 1;
        r->pfs_by = MW__PFS_PROGRESSION;
    } else if (!isnan(death)) {
        r->pfs_days = death;
        r->pfs_event = 1;
        r->pfs_by = MW__PFS_DEATH;
    } else {
        r->pfs_days = r->followup_days;
        r->pfs_event = 0;
        r->pfs_by = MW__PFS_CENSORED;
    }
    r->os_event = !isnan(death);
    r->os_days = r->os_event ? death : r->followup_days;
    if (!isnan(r->ttr_days)) {
        r->dor_event = r->pfs_event;
        r->dor_days = r->pfs_days - r->ttr_days;
    } else {
        r->dor_days = NAN;
        r->dor_event = 0;
    }
    /* PFS2 (EMA's definition): progression on a later line than line 1, or death. */
    if (!isinf(later) && (isnan(death) || later <= death)) {
        r->pfs2_days = later;
        r->pfs2_event = 1;
    } else {
        r->pfs2_days = r->os_days;
        r->pfs2_event = r->os_event;
    }
    if (next_line <= r->followup_days) {
        r->ttnt_days = next_line;
        r->ttnt_event = 1;
    } else {
        r->ttnt_days = r->os_days;
        r->ttnt_event = r->os_event;
    }

    mw_sim_toxicity(sim, &tx);
    r->crs = tx.crs_max;
    r->icans = tx.icans_max;
    r->mrd_negative = 0;
    r->mrd_12m = -1;
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *x = mw_sim_obs(sim, i);
        if (x->assay == MW_ASSAY_MARROW && x->quantity == MW_Q_MRD_POSITIVE) {
            int neg = x->value < 0.5;
            r->mrd_negative |= neg;
            if (x->t_days > 182 && x->t_days <= 365) {
                r->mrd_12m = neg; /* the last reading of months 6-12 */
            }
        }
    }
    if (mw_sim_cart_pk(sim, 0, &pk) == 0 && pk.infused) {
        r->cart_cmax = pk.cmax;
        r->cart_tmax_days = pk.tmax_days;
        r->cart_auc0_28 = pk.auc0_28;
    } else {
        r->cart_cmax = r->cart_tmax_days = r->cart_auc0_28 = NAN;
    }
}

/* Simulate patient @p i on one arm to the end of its follow-up (or death); with
 * @p traj, write its time series there too. */
static int
simulate_arm(const mw_scenario_t *arms, const mw__spec_t *sp, uint64_t seed, int i, int arm,
             const course_t *c, mw_scenario_t *patient, mw_diags_t *diags, mw__row_t *r,
             FILE *traj, char *errbuf, size_t errlen)
{
    mw_sim_t *sim = NULL;
    char pre[MW_NAME_MAX + 32] = "";
    int ret = mw__patient_draw(&arms[arm], seed, (uint32_t) i, patient, r->cov, diags,
                               "patient", errbuf, errlen);
    if (ret != 0) {
        return ret;
    }
    patient->horizon_days = c->end_day;
    ret = mw_sim_create(patient, seed, (uint32_t) i, &sim);
    if (ret != 0) {
        mw__seterr(errbuf, errlen, "patient %d: cannot start: %s", i, mw_strerror(ret));
        return ret;
    }
    if (traj != NULL) {
        /* arm names may hold anything but a line break, which CSV needs quoted */
        int q = strpbrk(sp->arm[arm], ",\"") != NULL;
        snprintf(pre, sizeof(pre), "%d,%s%s%s,", i, q ? "\"" : "", sp->arm[arm], q ? "\"" : "");
        mw__write_timeseries(traj, patient, sim, pre, 0.0);
    }
    long k = 0;
    double t = 0;
    while (t < patient->horizon_days) {
        t = mw__output_time(patient, ++k);
        ret = mw_sim_run_until(sim, t);
        if (ret < 0) {
            mw__seterr(errbuf, errlen, "patient %d (arm %s) failed at day %g: %s", i,
                       sp->arm[arm], mw_sim_time(sim), mw_strerror(ret));
            break;
        }
        if (traj != NULL) {
            mw__write_timeseries(traj, patient, sim, pre, mw_sim_time(sim));
        }
        if (ret == MW_EXIT_DEATH) {
            ret = 0;
            break;
        }
        ret = 0;
    }
    if (ret == 0) {
        r->patient = i;
        r->arm = arm;
        endpoints(sim, c, r);
    }
    mw_sim_free(sim);
    return ret;
}

/* Patient @p i on each of its arms: rows into @p s, time series into @p traj. */
static int
simulate_patient(const mw_scenario_t *arms, const mw__spec_t *sp, uint64_t seed, int i,
                 mw_scenario_t *patient, mw_diags_t *diags, slot_t *s, FILE *traj,
                 char *errbuf, size_t errlen)
{
    course_t c;

    draw_course(&arms[0], seed, i, sp->n_arms, &c);
    s->patient = i;
    s->n_rows = 0;
    for (int a = 0; a < sp->n_arms; a++) {
        if (sp->design == MW_DESIGN_RANDOMISED && a != c.arm) {
            continue;
        }
        mw__row_t *r = &s->rows[s->n_rows++];
        memset(r, 0, sizeof(*r));
        int ret = simulate_arm(arms, sp, seed, i, a, &c, patient, diags, r, traj, errbuf,
                               errlen);
        if (ret != 0) {
            return ret;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------
 * Threads
 * ---------------------------------------------------------------------------- */

/* Write every patient that is next in order (under the lock). */
static void
flush_rows(shared_t *sh)
{
    const mw__spec_t *sp = sh->sp;
    int any = 0;
    for (;;) {
        slot_t *s = &sh->ring[sh->written % sh->window];
        if (!s->ready || s->patient != sh->written) {
            break;
        }
        for (int k = 0; k < s->n_rows; k++) {
            mw__row_write(sh->csv, sp, &s->rows[k]);
        }
        s->ready = 0;
        sh->written++;
        any = 1;
        int n = sp->end - sp->first, done = sh->written - sp->first;
        if (!sh->o->quiet && n > 1) {
            int pct = (int) (100.0 * done / n);
            if (sh->tty) {
                fprintf(stderr, "\r%d/%d patients (%d%%)", done, n, pct);
            } else if (pct / 10 != sh->last_pct / 10) {
                fprintf(stderr, "%d/%d patients (%d%%)\n", done, n, pct);
            }
            sh->last_pct = pct;
        }
    }
    if (any) {
        fflush(sh->csv); /* a killed run keeps every whole row */
    }
}

static void
pause_briefly(void)
{
    struct timespec ts = {0, 100000}; /* 0.1 ms */
    nanosleep(&ts, NULL);
}

/* One thread's share: claim, simulate, deposit, write what is next. */
static void
worker(shared_t *sh)
{
    const mw_scenario_t *sc = &sh->arms[0];
    int need_diags = sc->n_variables > 0 || sc->n_covariates > 0;
    mw_scenario_t *patient = malloc(sizeof(*patient));
    mw_diags_t *diags = need_diags ? malloc(sizeof(*diags)) : NULL;
    slot_t *mine = malloc(sizeof(*mine));
    char msg[512];

    lock(sh);
#ifdef _OPENMP
    sh->threads_used = omp_get_num_threads();
#endif
    if (patient == NULL || mine == NULL || (need_diags && diags == NULL)) {
        fail(sh, -1, MW_ERR_NO_MEMORY, "out of memory");
    }
    unlock(sh);
    for (;;) {
        int i;

        lock(sh);
        if (sh->err != 0 || sh->next >= sh->sp->end) {
            unlock(sh);
            break;
        }
        i = sh->next++;
        unlock(sh);

        int ret = simulate_patient(sh->arms, sh->sp, sh->o->seed, i, patient, diags, mine,
                                   NULL, msg, sizeof(msg));
        if (ret != 0) {
            lock(sh);
            fail(sh, i, ret, msg);
            unlock(sh);
            break;
        }
        /* Deposit once the ring has room for patient i (the patients before it that
         * are still running hold it back). */
        int done = 0, stop = 0;
        while (!done && !stop) {
            lock(sh);
            if (sh->err != 0) {
                stop = 1;
            } else if (i < sh->written + sh->window) {
                slot_t *s = &sh->ring[i % sh->window];
                *s = *mine;
                s->ready = 1;
                flush_rows(sh);
                done = 1;
            }
            unlock(sh);
            if (!done && !stop) {
                pause_briefly();
            }
        }
        if (stop) {
            break;
        }
    }
    free(patient);
    free(diags);
    free(mine);
}

/* ------------------------------------------------------------------------------
 * The trial's description, resume and outputs
 * ---------------------------------------------------------------------------- */

static const char *
arm_name(const mw_scenario_t *arms, int a)
{
    return arms[0].trial.n_arms > 0 ? arms[0].trial.arms[a].name : arms[0].name;
}

/* Fill @p sp for patients [first, end) of the trial; 0 or MW_ERR_BAD_PARAM. */
static int
make_spec(const mw_scenario_t *arms, int n_arms, const mw_cohort_options_t *o, int first,
          int end, mw__spec_t *sp, char *errbuf, size_t errlen)
{
    const mw_scenario_t *sc = &arms[0];
    int want = sc->trial.n_arms > 0 ? sc->trial.n_arms : 1;
    size_t at;

    memset(sp, 0, sizeof(*sp));
    if (n_arms != want) {
        mw__seterr(errbuf, errlen, "the scenario has %d arm%s but %d were given", want,
                   want == 1 ? "" : "s", n_arms);
        return MW_ERR_BAD_PARAM;
    }
    snprintf(sp->name, sizeof(sp->name), "%s", sc->name);
    snprintf(sp->mode, sizeof(sp->mode), "%s", mw_mode_name(sc->engine.mode));
    sp->seed = o->seed;
    sp->n = o->n_patients;
    sp->first = first;
    sp->end = end;
    sp->design = n_arms > 1 ? sc->trial.design : MW_DESIGN_PAIRED;
    sp->horizon_days = sc->horizon_days;
    sp->enrolment_days = sc->trial.enrolment_days;
    sp->data_cutoff_day = sc->trial.data_cutoff_day;
    sp->dropout_per_year = sc->trial.dropout_per_year;
    sp->n_arms = n_arms;
    at = (size_t) snprintf(sp->id, sizeof(sp->id), "marrow %s; seed %llu; %d patients; %s",
                           mw_version(), (unsigned long long) o->seed, o->n_patients,
                           sp->design == MW_DESIGN_PAIRED ? "paired" : "randomised");
    for (int a = 0; a < n_arms; a++) {
        if (sc->trial.n_arms > 0 && arms[a].trial.arm != a) {
            mw__seterr(errbuf, errlen, "arm %d was not loaded as arm %d of the trial", a, a);
            return MW_ERR_BAD_PARAM;
        }
        if (arms[a].horizon_days != sc->horizon_days) {
            mw__seterr(errbuf, errlen,
                       "arm '%s' changes horizon_days; every arm must follow patients "
                       "equally long",
                       arm_name(arms, a));
            return MW_ERR_BAD_PARAM;
        }
        snprintf(sp->arm[a], MW_NAME_MAX, "%s", arm_name(arms, a));
        if (at < sizeof(sp->id)) {
            at += (size_t) snprintf(sp->id + at, sizeof(sp->id) - at, "; arm %016llx",
                                    (unsigned long long) mw_scenario_hash(&arms[a]));
        }
    }
    sp->n_cov = sc->n_covariates;
    for (int k = 0; k < sc->n_covariates; k++) {
        snprintf(sp->cov[k], MW_NAME_MAX, "%s", sc->covariates[k].name);
        sp->cov_binary[k] = sc->covariates[k].binary;
    }
    return 0;
}

static void
join_path(char *out, size_t len, const char *dir, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

/* The resume marker: {"cohort": {...}}. */
static int
write_marker(const char *path, const mw__spec_t *sp, char *errbuf, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        mw__seterr(errbuf, errlen, "cannot write '%s': %s", path, strerror(errno));
        return MW_ERR_IO;
    }
    fputs("{\n  ", f);
    mw__spec_write(f, sp);
    fputs("\n}\n", f);
    if (fclose(f) != 0) {
        mw__seterr(errbuf, errlen, "cannot write '%s': %s", path, strerror(errno));
        return MW_ERR_IO;
    }
    return 0;
}

/* Open the unfinished rows of the trial @p sp in @p dir for appending, after the
 * last whole patient (a patient cut short is dropped); *@p next gets the first
 * patient still to simulate. */
static int
reopen(const char *dir, const mw__spec_t *sp, FILE **csv, int *next, char *errbuf,
       size_t errlen)
{
    char marker[MW__OUT_PATH_MAX], rows[MW__OUT_PATH_MAX], done[MW__OUT_PATH_MAX];
    char *line = NULL, why[160];
    size_t cap = 0;
    mw__spec_t old;
    mw__row_t row;
    struct stat st;
    int ret, p = sp->first, a = 0;
    long keep;

    join_path(marker, sizeof(marker), dir, PARTIAL_MARKER);
    join_path(rows, sizeof(rows), dir, PARTIAL_ROWS);
    join_path(done, sizeof(done), dir, "patients.csv");
    if (stat(marker, &st) != 0) {
        mw__seterr(errbuf, errlen, "--resume: no unfinished cohort in '%s'%s", dir,
                   stat(done, &st) == 0 ? " (the cohort there is complete)" : "");
        return MW_ERR_BAD_PARAM;
    }
    if ((ret = mw__spec_read(marker, &old, errbuf, errlen)) != 0) {
        return ret;
    }
    if (strcmp(old.id, sp->id) != 0 || old.first != sp->first || old.end != sp->end) {
        mw__seterr(errbuf, errlen,
                   "--resume: '%s' holds another trial (%s, patients %d..%d), not this one "
                   "(%s, patients %d..%d): same scenario, --set, seed, -n and shard needed",
                   dir, old.id, old.first, old.end - 1, sp->id, sp->first, sp->end - 1);
        return MW_ERR_BAD_PARAM;
    }
    *csv = fopen(rows, "r+");
    if (*csv == NULL && errno == ENOENT && stat(done, &st) == 0) {
        /* Killed after putting the rows in place but before removing the marker. */
        (void) remove(marker);
        mw__seterr(errbuf, errlen, "--resume: the cohort in '%s' is complete", dir);
        return MW_ERR_BAD_PARAM;
    }
    if (*csv == NULL) {
        mw__seterr(errbuf, errlen, "--resume: cannot open '%s': %s", rows, strerror(errno));
        return MW_ERR_IO;
    }
    /* Keep the header and every whole patient (all its arms' rows when paired). */
    ssize_t k = getline(&line, &cap, *csv);
    keep = k > 0 && line[k - 1] == '\n' ? (long) k : -1;
    while (keep >= 0 && p < sp->end && (k = getline(&line, &cap, *csv)) > 0 &&
           line[k - 1] == '\n') {
        line[k - 1] = '\0';
        int want = sp->design == MW_DESIGN_PAIRED ? a : -1;
        if (mw__row_parse(line, sp, &row, why, sizeof(why)) != 0 || row.patient != p ||
            (want >= 0 && row.arm != want)) {
            break; /* a damaged line: simulate again from the last whole patient */
        }
        if (sp->design != MW_DESIGN_PAIRED || ++a == sp->n_arms) {
            a = 0;
            p++;
            keep = ftell(*csv);
        }
    }
    free(line);
    if (keep < 0) {
        /* Killed before the header reached the disk: start the rows afresh. */
        if (fflush(*csv) != 0 || ftruncate(fileno(*csv), 0) != 0 ||
            fseek(*csv, 0, SEEK_SET) != 0) {
            mw__seterr(errbuf, errlen, "--resume: cannot truncate '%s': %s", rows,
                       strerror(errno));
            fclose(*csv);
            *csv = NULL;
            return MW_ERR_IO;
        }
        mw__row_header(*csv, sp);
        fflush(*csv);
        *next = sp->first;
        return 0;
    }
    if (fflush(*csv) != 0 || ftruncate(fileno(*csv), (off_t) keep) != 0 ||
        fseek(*csv, keep, SEEK_SET) != 0) {
        mw__seterr(errbuf, errlen, "--resume: cannot truncate '%s': %s", rows,
                   strerror(errno));
        fclose(*csv);
        *csv = NULL;
        return MW_ERR_IO;
    }
    *next = p;
    return 0;
}

/* run.json of a cohort: provenance, the trial and every arm's resolved scenario. */
static int
write_run_json(FILE *f, const mw__spec_t *sp, const char *command_line, int threads,
               int ranks, const mw_scenario_t *arms, int n_arms,
               const char *const *merged_from, int n_merged)
{
    int ret = 0;
    fprintf(f, "{\n  \"marrow_version\": \"%s\",\n  \"command_line\": ", mw_version());
    mw__json_str(f, command_line != NULL ? command_line : "");
    fprintf(f, ",\n  \"threads\": %d,\n  \"ranks\": %d,\n  ", threads, ranks);
    mw__spec_write(f, sp);
    if (merged_from != NULL) {
        fputs(",\n  \"merged_from\": [", f);
        for (int k = 0; k < n_merged; k++) {
            fputs(k > 0 ? ", " : "", f);
            mw__json_str(f, merged_from[k]);
        }
        fputs("]", f);
    }
    fputs(",\n  \"arms\": [", f);
    for (int a = 0; a < n_arms && ret == 0; a++) {
        fprintf(f, "%s\n    {\"arm\": ", a > 0 ? "," : "");
        mw__json_str(f, sp->arm[a]);
        fprintf(f, ", \"scenario_hash\": \"%016llx\", \"scenario\": ",
                (unsigned long long) mw_scenario_hash(&arms[a]));
        ret = mw_scenario_write_json(&arms[a], f, 4);
        fputc('}', f);
    }
    fputs("]\n}\n", f);
    return ret;
}

/* trajectories.csv: patients [sp->first, end) simulated again, each on its arms, with
 * their time series (the same simulations as their rows: every patient depends only
 * on (seed, patient, scenario)). */
static int
write_trajectories(FILE *f, const mw_scenario_t *arms, const mw__spec_t *sp, uint64_t seed,
                   int end, char *errbuf, size_t errlen)
{
    mw_scenario_t *patient = malloc(sizeof(*patient));
    mw_diags_t *diags = malloc(sizeof(*diags));
    slot_t *slot = malloc(sizeof(*slot));
    int ret = 0;

    if (patient == NULL || diags == NULL || slot == NULL) {
        mw__seterr(errbuf, errlen, "out of memory");
        ret = MW_ERR_NO_MEMORY;
    }
    if (ret == 0) {
        fputs(TRAJ_HEADER, f);
    }
    for (int i = sp->first; i < end && ret == 0; i++) {
        ret = simulate_patient(arms, sp, seed, i, patient, diags, slot, f, errbuf, errlen);
    }
    free(patient);
    free(diags);
    free(slot);
    return ret;
}

/* Analyse the rows in @p dir's partial file, write the other outputs and put every
 * file in place. */
static int
finish(const char *dir, const mw__spec_t *sp, const mw_scenario_t *arms, int n_arms,
       const mw_cohort_options_t *o, int threads, int ranks, mw_cohort_result_t *result,
       char *errbuf, size_t errlen)
{
    mw__outputs_t out;
    char rows[MW__OUT_PATH_MAX], done[MW__OUT_PATH_MAX], marker[MW__OUT_PATH_MAX];
    int ret;

    join_path(rows, sizeof(rows), dir, PARTIAL_ROWS);
    join_path(done, sizeof(done), dir, "patients.csv");
    join_path(marker, sizeof(marker), dir, PARTIAL_MARKER);
    int traj_end = o->trajectories < sp->end ? o->trajectories : sp->end;
    int with_traj = traj_end > sp->first;
    ret = mw__outputs_open(&out, dir, with_traj ? traj_names : file_names, F_N + with_traj,
                           errbuf, errlen);
    if (ret == 0) {
        mw__rows_in_t in = {rows, sp->first, sp->end};
        mw__analysis_out_t ao = {NULL, out.f[F_TTE], out.f[F_KM], out.f[F_SUMMARY]};
        ret = mw__analyse(sp, &in, 1, &ao, result, errbuf, errlen);
    }
    if (ret == 0 && with_traj) {
        ret = write_trajectories(out.f[F_N], arms, sp, o->seed, traj_end, errbuf, errlen);
    }
    if (ret == 0) {
        ret = write_run_json(out.f[F_RUN], sp, o->command_line, threads, ranks, arms,
                             n_arms, NULL, 0);
        if (ret != 0) {
            /* a stream error leaves the failed write's errno (ENOSPC, EIO...) */
            mw__seterr(errbuf, errlen, "cannot write run.json: %s",
                       ret == MW_ERR_IO ? strerror(errno) : mw_strerror(ret));
        }
    }
    int cret = mw__outputs_close(&out, ret == 0, ret == 0 ? errbuf : NULL, errlen);
    if (ret == 0 && (ret = cret) == 0) {
        if (rename(rows, done) != 0) {
            mw__seterr(errbuf, errlen, "cannot rename '%s': %s", rows, strerror(errno));
            ret = MW_ERR_IO;
        } else {
            (void) remove(marker);
        }
    }
    return ret;
}

/* Simulate patients [first, end) into @p dir (one rank's or the whole share). */
static int
run_local(const mw_scenario_t *arms, int n_arms, const mw_cohort_options_t *o, int first,
          int end, const char *dir, int ranks, mw_cohort_result_t *result, char *errbuf,
          size_t errlen)
{
    shared_t sh;
    mw__spec_t sp;
    int threads = o->threads, ret;
    double t0 = mw__now_seconds();
    char rows[MW__OUT_PATH_MAX], marker[MW__OUT_PATH_MAX];

    ret = make_spec(arms, n_arms, o, first, end, &sp, errbuf, errlen);
    if (ret != 0) {
        return ret;
    }
#ifdef _OPENMP
    if (threads == 0) {
        threads = omp_get_max_threads();
    }
#else
    threads = 1;
#endif
    if (threads > end - first) {
        threads = end - first;
    }
    ret = o->resume ? 0 : mw__make_dirs(dir, errbuf, errlen);
    if (ret != 0) {
        return ret;
    }
    memset(&sh, 0, sizeof(sh));
    sh.arms = arms;
    sh.sp = &sp;
    sh.o = o;
    sh.window = ROWS_PER_THREAD * threads;
    sh.tty = !o->quiet && isatty(2);
    sh.threads_used = 1;
    sh.last_pct = -1;
    sh.next = first;
    sh.written = first;
    join_path(rows, sizeof(rows), dir, PARTIAL_ROWS);
    join_path(marker, sizeof(marker), dir, PARTIAL_MARKER);
    if (o->resume) {
        ret = reopen(dir, &sp, &sh.csv, &sh.next, errbuf, errlen);
        sh.written = sh.next;
        if (ret == 0 && !o->quiet) {
            fprintf(stderr, "marrow cohort: resuming at patient %d (%d of %d done)\n",
                    sh.next, sh.next - first, end - first);
        }
    } else {
        ret = write_marker(marker, &sp, errbuf, errlen);
        if (ret == 0 && (sh.csv = fopen(rows, "w")) == NULL) {
            mw__seterr(errbuf, errlen, "cannot write '%s': %s", rows, strerror(errno));
            ret = MW_ERR_IO;
        }
        if (ret == 0) {
            mw__row_header(sh.csv, &sp);
            fflush(sh.csv); /* killed during the first patient: --resume finds the header */
        }
    }
    if (ret != 0) {
        return ret;
    }
    sh.ring = calloc((size_t) sh.window, sizeof(*sh.ring));
    if (sh.ring == NULL) {
        fclose(sh.csv);
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    if (sh.next < end) {
#ifdef _OPENMP
        omp_init_lock(&sh.lock);
#pragma omp parallel num_threads(threads)
#endif
        worker(&sh);
#ifdef _OPENMP
        omp_destroy_lock(&sh.lock);
#endif
    }
    if (sh.tty && end - first > 1) {
        fputc('\n', stderr);
    }
    free(sh.ring);
    ret = sh.err;
    if (ferror(sh.csv) && ret == 0) {
        mw__seterr(sh.errmsg, sizeof(sh.errmsg), "write error on '%s'", rows);
        ret = MW_ERR_IO;
    }
    if (fclose(sh.csv) != 0 && ret == 0) {
        mw__seterr(sh.errmsg, sizeof(sh.errmsg), "cannot close '%s': %s", rows,
                   strerror(errno));
        ret = MW_ERR_IO;
    }
    if (ret != 0) {
        mw__seterr(errbuf, errlen,
                   "%s (the %d patients before it are kept in %s; `--resume` carries on "
                   "from there)",
                   sh.errmsg, sh.written - first, dir);
        return ret;
    }
    mw__bug_assert(sh.written == end);
    if (result != NULL) {
        memset(result, 0, sizeof(*result));
    }
    ret = finish(dir, &sp, arms, n_arms, o, sh.threads_used, ranks, result, errbuf, errlen);
    if (ret == 0 && result != NULL) {
        result->threads = sh.threads_used;
        result->ranks = ranks;
        result->wall_seconds = mw__now_seconds() - t0;
    }
    return ret;
}

static int merge_dirs(const char *const *dirs, int n_dirs, const char *out_dir,
                      const char *command_line, int first, int end, int ranks,
                      const mw_scenario_t *arms, int n_arms, mw_cohort_result_t *result,
                      char *errbuf, size_t errlen);

/* Remove @p dir and the files in it (a rank's folder, once merged). */
static void
remove_rank_dir(const char *dir)
{
    static const char *const names[] = {"patients.csv", "tte.csv",  "km.csv",
                                        "summary.json", "run.json", "trajectories.csv"};
    char path[MW__OUT_PATH_MAX];
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        join_path(path, sizeof(path), dir, names[k]);
        (void) remove(path);
    }
    (void) rmdir(dir);
}

int
mw_cohort(const mw_scenario_t *arms, int n_arms, const mw_cohort_options_t *o,
          mw_cohort_result_t *result, char *errbuf, size_t errlen)
{
    const int n = o->n_patients;
    int first, end, rank = 0, ranks;
    double t0 = mw__now_seconds();

    if (n < 1) {
        mw__seterr(errbuf, errlen, "the number of patients must be >= 1");
        return MW_ERR_BAD_PARAM;
    }
    if (n_arms < 1 || n_arms > MW_MAX_ARMS) {
        mw__seterr(errbuf, errlen, "a trial has 1 to %d arms", MW_MAX_ARMS);
        return MW_ERR_BAD_PARAM;
    }
    if (o->threads < 0) {
        mw__seterr(errbuf, errlen, "threads must be >= 0 (0 = every core)");
        return MW_ERR_BAD_PARAM;
    }
    if (o->shard_count < 1 || o->shard_index < 0 || o->shard_index >= o->shard_count ||
        o->shard_count > n) {
        mw__seterr(errbuf, errlen,
                   "shard %d of %d: there are at most as many shards as patients (%d)",
                   o->shard_index + 1, o->shard_count, n);
        return MW_ERR_BAD_PARAM;
    }
    if (o->only_patient >= n) {
        mw__seterr(errbuf, errlen, "--only-patient %d: the cohort has patients 0..%d",
                   o->only_patient, n - 1);
        return MW_ERR_BAD_PARAM;
    }
    if (o->only_patient >= 0) {
        first = o->only_patient;
        end = first + 1;
    } else {
        first = (int) ((int64_t) n * o->shard_index / o->shard_count);
        end = (int) ((int64_t) n * (o->shard_index + 1) / o->shard_count);
    }
    ranks = mw__ranks_start(&rank);
    if (ranks <= 1) {
        return run_local(arms, n_arms, o, first, end, o->out_dir, 1, result, errbuf, errlen);
    }

    /* Several ranks: each its block into OUT/.rank-r-of-R, then rank 0 merges. */
    char dir[MW__OUT_PATH_MAX];
    mw_cohort_options_t mine = *o;
    int ret = 0;
    if (ranks > end - first) {
        mw__seterr(errbuf, errlen, "%d MPI ranks for %d patients: at most one rank per patient",
                   ranks, end - first);
        ret = MW_ERR_BAD_PARAM;
    }
    mine.quiet = o->quiet || rank > 0;
    snprintf(dir, sizeof(dir), "%s/.rank-%d-of-%d", o->out_dir, rank + 1, ranks);
    if (ret == 0) {
        int f = first + (int) ((int64_t) (end - first) * rank / ranks);
        int e = first + (int) ((int64_t) (end - first) * (rank + 1) / ranks);
        ret = run_local(arms, n_arms, &mine, f, e, dir, ranks, NULL, errbuf, errlen);
    }
    if (mw__ranks_max(ret != 0) != 0) {
        if (ret == 0) {
            mw__seterr(errbuf, errlen, "another MPI rank failed (its message is above)");
            ret = MW_ERR_IO;
        } else if (rank > 0) {
            fprintf(stderr, "marrow cohort: rank %d: %s\n", rank, errbuf);
        }
        return ret;
    }
    if (rank == 0) {
        char(*paths)[MW__OUT_PATH_MAX] = calloc((size_t) ranks, sizeof(*paths));
        const char **list = calloc((size_t) ranks, sizeof(*list));
        if (paths == NULL || list == NULL) {
            mw__seterr(errbuf, errlen, "out of memory");
            ret = MW_ERR_NO_MEMORY;
        }
        for (int r = 0; ret == 0 && r < ranks; r++) {
            snprintf(paths[r], sizeof(paths[r]), "%s/.rank-%d-of-%d", o->out_dir, r + 1,
                     ranks);
            list[r] = paths[r];
        }
        if (ret == 0) {
            ret = merge_dirs(list, ranks, o->out_dir, o->command_line, first, end, ranks,
                             arms, n_arms, result, errbuf, errlen);
        }
        for (int r = 0; ret == 0 && r < ranks; r++) {
            remove_rank_dir(paths[r]);
        }
        free(paths);
        free(list);
        if (ret == 0 && result != NULL) {
            result->threads = o->threads;
            result->ranks = ranks;
            result->wall_seconds = mw__now_seconds() - t0;
        }
    }
    int worst = mw__ranks_max(ret != 0);
    if (rank > 0) {
        if (result != NULL) {
            memset(result, 0, sizeof(*result));
            result->rank = rank;
            result->ranks = ranks;
        }
        if (worst != 0) {
            mw__seterr(errbuf, errlen, "rank 0 could not merge the ranks' results");
            return MW_ERR_IO;
        }
    }
    return ret;
}

/* ------------------------------------------------------------------------------
 * Merge
 * ---------------------------------------------------------------------------- */

/* Copy @p dir's trajectories.csv (if any) to @p f, its header only while
 * *@p header is 0 (then set). */
static int
append_trajectories(FILE *f, const char *dir, int *header, char *errbuf, size_t errlen)
{
    char path[MW__OUT_PATH_MAX], buf[65536];
    size_t k, hl = strlen(TRAJ_HEADER);
    join_path(path, sizeof(path), dir, "trajectories.csv");
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        return 0; /* a shard without patients below --trajectories */
    }
    k = fread(buf, 1, hl, in);
    if (k != hl || memcmp(buf, TRAJ_HEADER, hl) != 0) {
        fclose(in);
        mw__seterr(errbuf, errlen, "%s: not a trajectories.csv marrow wrote", path);
        return MW_ERR_CONFIG;
    }
    if (!*header) {
        fwrite(buf, 1, k, f);
        *header = 1;
    }
    while ((k = fread(buf, 1, sizeof(buf), in)) > 0) {
        fwrite(buf, 1, k, f);
    }
    int bad = ferror(in);
    fclose(in);
    if (bad) {
        mw__seterr(errbuf, errlen, "cannot read '%s'", path);
        return MW_ERR_IO;
    }
    return 0;
}

int
mw_cohort_merge(const char *const *dirs, int n_dirs, const char *out_dir,
                const char *command_line, mw_cohort_result_t *result, char *errbuf,
                size_t errlen)
{
    return merge_dirs(dirs, n_dirs, out_dir, command_line, -1, -1, 1, NULL, 0, result,
                      errbuf, errlen);
}

/* Merge shard folders covering patients [first, end) (-1: the whole trial) into
 * @p out_dir.  @p arms (may be NULL) go into run.json. */
static int
merge_dirs(const char *const *dirs, int n_dirs, const char *out_dir,
           const char *command_line, int first, int end, int ranks,
           const mw_scenario_t *arms, int n_arms, mw_cohort_result_t *result, char *errbuf,
           size_t errlen)
{
    mw__spec_t *sp = NULL, all;
    mw__rows_in_t *in = NULL;
    char (*paths)[MW__OUT_PATH_MAX] = NULL;
    int *order = NULL, ret = 0;
    double t0 = mw__now_seconds();

    if (n_dirs < 1) {
        mw__seterr(errbuf, errlen, "nothing to merge");
        return MW_ERR_BAD_PARAM;
    }
    sp = calloc((size_t) n_dirs, sizeof(*sp));
    in = calloc((size_t) n_dirs, sizeof(*in));
    paths = calloc((size_t) n_dirs, sizeof(*paths));
    order = calloc((size_t) n_dirs, sizeof(*order));
    if (sp == NULL || in == NULL || paths == NULL || order == NULL) {
        mw__seterr(errbuf, errlen, "out of memory");
        ret = MW_ERR_NO_MEMORY;
        goto out;
    }
    for (int k = 0; k < n_dirs && ret == 0; k++) {
        char run[MW__OUT_PATH_MAX];
        join_path(run, sizeof(run), dirs[k], "run.json");
        ret = mw__spec_read(run, &sp[k], errbuf, errlen);
        if (ret == 0 && strcmp(sp[k].id, sp[0].id) != 0) {
            mw__seterr(errbuf, errlen,
                       "'%s' is from another trial than '%s':\n  %s\n  %s", dirs[k],
                       dirs[0], sp[k].id, sp[0].id);
            ret = MW_ERR_CONFIG;
        }
        order[k] = k;
    }
    if (ret != 0) {
        goto out;
    }
    /* Shards in patient order (insertion sort: a handful of directories). */
    for (int k = 1; k < n_dirs; k++) {
        int x = order[k], j = k;
        while (j > 0 && sp[order[j - 1]].first > sp[x].first) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
    if (first < 0) {
        first = 0;
        end = sp[0].n;
    }
    for (int k = 0, p = first; k < n_dirs; k++) {
        const mw__spec_t *s = &sp[order[k]];
        if (s->first != p) {
            mw__seterr(errbuf, errlen,
                       s->first > p ? "patients %d..%d are in none of the directories"
                                    : "patients %d..%d are in two directories ('%s')",
                       s->first > p ? p : s->first,
                       s->first > p ? s->first - 1 : p - 1, dirs[order[k]]);
            ret = MW_ERR_CONFIG;
            goto out;
        }
        p = s->end;
        join_path(paths[k], sizeof(paths[k]), dirs[order[k]], "patients.csv");
        in[k].path = paths[k];
        in[k].first = s->first;
        in[k].end = s->end;
        if (k == n_dirs - 1 && p != end) {
            mw__seterr(errbuf, errlen, "patients %d..%d are in none of the directories", p,
                       end - 1);
            ret = MW_ERR_CONFIG;
            goto out;
        }
    }
    all = sp[0];
    all.first = first;
    all.end = end;
    ret = mw__make_dirs(out_dir, errbuf, errlen);
    if (ret == 0) {
        mw__outputs_t out;
        int with_traj = 0;
        for (int k = 0; k < n_dirs; k++) {
            char path[MW__OUT_PATH_MAX];
            struct stat st;
            join_path(path, sizeof(path), dirs[order[k]], "trajectories.csv");
            with_traj |= stat(path, &st) == 0;
        }
        ret = mw__outputs_open(&out, out_dir, file_names, F_N + 1 + with_traj, errbuf,
                               errlen);
        if (ret == 0) {
            mw__analysis_out_t ao = {out.f[F_N], out.f[F_TTE], out.f[F_KM],
                                     out.f[F_SUMMARY]};
            if (result != NULL) {
                memset(result, 0, sizeof(*result));
            }
            ret = mw__analyse(&all, in, n_dirs, &ao, result, errbuf, errlen);
        }
        int header = 0;
        for (int k = 0; ret == 0 && with_traj && k < n_dirs; k++) {
            ret = append_trajectories(out.f[F_N + 1], dirs[order[k]], &header, errbuf,
                                      errlen);
        }
        if (ret == 0) {
            ret = write_run_json(out.f[F_RUN], &all, command_line, 1, ranks, arms, n_arms,
                                 arms != NULL ? NULL : dirs, n_dirs);
        }
        int cret = mw__outputs_close(&out, ret == 0, ret == 0 ? errbuf : NULL, errlen);
        if (ret == 0) {
            ret = cret;
        }
    }
    if (ret == 0 && result != NULL) {
        result->threads = 1;
        result->ranks = ranks;
        result->wall_seconds = mw__now_seconds() - t0;
    }
out:
    free(sp);
    free(in);
    free(paths);
    free(order);
    return ret;
}
