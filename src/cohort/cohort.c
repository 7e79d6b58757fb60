/*
 * `marrow cohort`: a virtual trial of one arm.  Every patient is simulated to the
 * horizon and reduced to one row of endpoints (patients.csv); the rows feed the
 * survival and response statistics of stats.h (km.csv, summary.json).
 *
 * Patient i is replicate i of `marrow run`: parameters mw_scenario_sample(sc, seed,
 * i), simulation mw_sim_create(patient, seed, i), stopped at the same output times
 * (mw__output_time), so its row depends only on (seed, i, scenario).
 *
 * Threads (OpenMP, optional): each thread takes the next patient index from a shared
 * counter, simulates it and puts the row in a ring of 4 slots per thread, indexed by
 * patient.  Whichever thread holds the lock writes the rows that are next in patient
 * order, so patients.csv is the same byte for byte whatever the thread count.  A
 * thread whose row is a whole ring ahead of the next row to write waits (polling)
 * until the slow patient before it is done, so memory does not grow with N: one
 * simulation per thread, the ring, and 24 bytes per patient for the survival
 * statistics.  All shared state is touched under one lock.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cohort/stats.h"
#include "core/core.h"
#include "io/out.h"

enum { F_PATIENTS = 0, F_KM, F_SUMMARY, F_RUN, F_N };
static const char *const file_names[F_N] = {"patients.csv", "km.csv", "summary.json",
                                            "run.json"};

#define ARM_NAME        "A"
#define DAYS_PER_MONTH  30.4375
#define ROWS_PER_THREAD 4

static const double landmark_months[] = {6, 12, 24};
#define N_LANDMARKS ((int) (sizeof(landmark_months) / sizeof(landmark_months[0])))

/* One patient's endpoints: a row of patients.csv. */
typedef struct {
    int patient;
    int best;        /* line 1's best confirmed IMWG response (mw_response_t) */
    double pfs_days; /* first IMWG progression (any line) or death, else horizon */
    double os_days;  /* death, else horizon */
    double extinction_day;
    int pfs_event, os_event;
    int extinct;
    int relapse;      /* mw_relapse_t of the first progression */
    int crs;          /* worst CRS grade */
    int lines;        /* distinct lines of therapy started */
    int mrd_negative; /* some marrow MRD reading was negative */
} row_t;

typedef struct {
    int ready;
    row_t row;
} slot_t;

/* Counts over written rows (order-free sums). */
typedef struct {
    int pr, vgpr, cr, mrd_negative, crs_any, crs_3plus, pfs_events, deaths, extinct;
} counts_t;

/* What the threads share; every field below `lock` is touched only under it. */
typedef struct {
    const mw_scenario_t *sc;
    const mw_cohort_options_t *o;
    int n, window;
    int tty;
#ifdef _OPENMP
    omp_lock_t lock;
#endif
    int next;    /* next patient to claim */
    int written; /* rows written: the next row to write is this patient */
    int threads_used;
    int err; /* first failure (MW_ERR_*), 0 while none */
    int err_patient;
    char errmsg[512];
    int last_pct;
    slot_t *ring; /* [window], patient p in ring[p % window] */
    FILE *csv;
    double *pfs_t, *os_t; /* [n] */
    int *pfs_e, *os_e;    /* [n] */
    counts_t counts;
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

/* Reduce a finished (or dead) patient to its row.  @p ps is the patient's scenario. */
static void
endpoints(const mw_scenario_t *ps, const mw_sim_t *sim, row_t *r)
{
    double death = NAN, extinct_day = NAN, first = INFINITY, bm, em;
    mw_therapy_state_t th;
    mw_toxicity_t tx;

    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_DEATH && isnan(death)) {
            death = e->t_days;
        } else if (e->kind == MW_EV_TUMOUR_EXTINCT) {
            extinct_day = e->t_days; /* the last time it died out */
        }
    }
    mw_sim_tumour(sim, &bm, &em);
    r->extinct = !isnan(extinct_day) && bm + em <= 0;
    r->extinction_day = r->extinct ? extinct_day : NAN;

    r->best = MW_RESP_NE;
    r->relapse = MW_RELAPSE_NONE;
    r->lines = 0;
    for (int l = 0; l < ps->therapy.n_lines; l++) {
        mw_line_response_t lr;
        if (mw_sim_line_response(sim, l, &lr) != 0 || !lr.started) {
            continue;
        }
        r->lines++;
        if (l == 0) {
            r->best = lr.best;
        }
        if (!isnan(lr.progression_day) && lr.progression_day < first) {
            first = lr.progression_day;
            r->relapse = lr.relapse_type;
        }
    }
    /* The plan's own record of the first progression (a restarted line's record
     * starts afresh, this does not). */
    mw_sim_therapy(sim, &th);
    double prog = th.first_progression_day;
    if (!isnan(prog) && (isnan(death) || prog <= death)) {
        r->pfs_days = prog;
        r->pfs_event = 1;
    } else if (!isnan(death)) {
        r->pfs_days = death;
        r->pfs_event = 1;
    } else {
        r->pfs_days = ps->horizon_days;
        r->pfs_event = 0;
    }
    r->os_event = !isnan(death);
    r->os_days = r->os_event ? death : ps->horizon_days;

    mw_sim_toxicity(sim, &tx);
    r->crs = tx.crs_max;
    r->mrd_negative = 0;
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *x = mw_sim_obs(sim, i);
        if (x->assay == MW_ASSAY_MARROW && x->quantity == MW_Q_MRD_POSITIVE &&
            x->value < 0.5) {
            r->mrd_negative = 1;
            break;
        }
    }
}

/* Draw patient @p i, simulate it to the horizon (or death) and fill @p r.  @p patient
 * and @p diags are the thread's scratch space. */
static int
simulate(const mw_scenario_t *sc, uint64_t seed, int i, mw_scenario_t *patient,
         mw_diags_t *diags, row_t *r, char *errbuf, size_t errlen)
{
    mw_sim_t *sim = NULL;
    int ret = mw__patient_draw(sc, seed, (uint32_t) i, patient, diags, "patient", errbuf,
                               errlen);
    if (ret != 0) {
        return ret;
    }
    ret = mw_sim_create(patient, seed, (uint32_t) i, &sim);
    if (ret != 0) {
        mw__seterr(errbuf, errlen, "patient %d: cannot start: %s", i, mw_strerror(ret));
        return ret;
    }
    long k = 0;
    double t = 0;
    while (t < sc->horizon_days) {
        t = mw__output_time(sc, ++k);
        ret = mw_sim_run_until(sim, t);
        if (ret < 0) {
            mw__seterr(errbuf, errlen, "patient %d failed at day %g: %s", i,
                       mw_sim_time(sim), mw_strerror(ret));
            break;
        }
        if (ret == MW_EXIT_DEATH) {
            ret = 0;
            break;
        }
        ret = 0;
    }
    if (ret == 0) {
        memset(r, 0, sizeof(*r));
        r->patient = i;
        endpoints(patient, sim, r);
    }
    mw_sim_free(sim);
    return ret;
}

static void
write_row(FILE *f, const row_t *r)
{
    fprintf(f, "%d,%s,%s,", r->patient, ARM_NAME, mw_response_name(r->best));
    mw__write_exact(f, r->pfs_days);
    fprintf(f, ",%d,", r->pfs_event);
    mw__write_exact(f, r->os_days);
    fprintf(f, ",%d,%d,", r->os_event, r->extinct);
    mw__write_exact(f, r->extinction_day);
    fprintf(f, ",%s,%d,%d,%d\n", mw_relapse_name(r->relapse), r->crs, r->lines,
            r->mrd_negative);
}

/* Write every row that is next in patient order (under the lock). */
static void
flush_rows(shared_t *sh)
{
    for (;;) {
        slot_t *s = &sh->ring[sh->written % sh->window];
        if (!s->ready || s->row.patient != sh->written) {
            return;
        }
        const row_t *r = &s->row;
        counts_t *c = &sh->counts;
        write_row(sh->csv, r);
        sh->pfs_t[r->patient] = r->pfs_days;
        sh->pfs_e[r->patient] = r->pfs_event;
        sh->os_t[r->patient] = r->os_days;
        sh->os_e[r->patient] = r->os_event;
        c->pr += r->best >= MW_RESP_PR;
        c->vgpr += r->best >= MW_RESP_VGPR;
        c->cr += r->best >= MW_RESP_CR;
        c->mrd_negative += r->mrd_negative;
        c->crs_any += r->crs >= 1;
        c->crs_3plus += r->crs >= 3;
        c->pfs_events += r->pfs_event;
        c->deaths += r->os_event;
        c->extinct += r->extinct;
        s->ready = 0;
        sh->written++;
        if (!sh->o->quiet && sh->n > 1) {
            int pct = (int) (100.0 * sh->written / sh->n);
            if (sh->tty) {
                fprintf(stderr, "\r%d/%d patients (%d%%)", sh->written, sh->n, pct);
            } else if (pct / 10 != sh->last_pct / 10) {
                fprintf(stderr, "%d/%d patients (%d%%)\n", sh->written, sh->n, pct);
            }
            sh->last_pct = pct;
        }
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
    mw_scenario_t *patient = malloc(sizeof(*patient));
    mw_diags_t *diags = sh->sc->n_variables > 0 ? malloc(sizeof(*diags)) : NULL;
    char msg[512];

    lock(sh);
#ifdef _OPENMP
    sh->threads_used = omp_get_num_threads();
#endif
    if (patient == NULL || (sh->sc->n_variables > 0 && diags == NULL)) {
        fail(sh, -1, MW_ERR_NO_MEMORY, "out of memory");
    }
    unlock(sh);
    for (;;) {
        int i;
        row_t row;

        lock(sh);
        if (sh->err != 0 || sh->next >= sh->n) {
            unlock(sh);
            break;
        }
        i = sh->next++;
        unlock(sh);

        int ret =
            simulate(sh->sc, sh->o->seed, i, patient, diags, &row, msg, sizeof(msg));
        if (ret != 0) {
            lock(sh);
            fail(sh, i, ret, msg);
            unlock(sh);
            break;
        }
        /* Deposit once the ring has room for row i (the rows before it that are
         * still running hold it back). */
        int done = 0, stop = 0;
        while (!done && !stop) {
            lock(sh);
            if (sh->err != 0) {
                stop = 1;
            } else if (i < sh->written + sh->window) {
                slot_t *s = &sh->ring[i % sh->window];
                s->row = row;
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
}

/* km.csv rows of one endpoint. */
static void
km_rows(FILE *f, const char *endpoint, const mw_km_t *km)
{
    for (int j = 0; j < km->m; j++) {
        fprintf(f, "%s,", endpoint);
        mw__write_exact(f, km->time[j]);
        fprintf(f, ",%d,%d,%d,", km->n_risk[j], km->n_event[j], km->n_censor[j]);
        mw__write_num(f, km->surv[j]);
        fputc(',', f);
        mw__write_num(f, km->lower[j]);
        fputc(',', f);
        mw__write_num(f, km->upper[j]);
        fputc('\n', f);
    }
}

/* "[lo, hi]" */
static void
json_pair(FILE *f, double lo, double hi)
{
    fputc('[', f);
    mw__json_num(f, lo);
    fputs(", ", f);
    mw__json_num(f, hi);
    fputc(']', f);
}

/* "pfs": {...}: events, median with its Brookmeyer-Crowley interval, landmarks. */
static void
json_endpoint(FILE *f, const char *name, const mw_km_t *km)
{
    mw_km_quantile_t med;
    mw__km_median(km, &med);
    fprintf(f, "\"%s\": {\"events\": %d, \"censored\": %d, \"median_days\": ", name,
            km->n_events, km->n - km->n_events);
    mw__json_num(f, med.est);
    fputs(", \"median_ci95\": ", f);
    json_pair(f, med.lower, med.upper);
    fprintf(f, ", \"median_reached\": %s,\n       \"landmarks\": [",
            isinf(med.est) ? "false" : "true");
    for (int k = 0; k < N_LANDMARKS; k++) {
        mw_km_point_t p;
        mw__km_at(km, landmark_months[k] * DAYS_PER_MONTH, &p);
        fprintf(f, "%s\n         {\"months\": %g, \"day\": ", k > 0 ? "," : "",
                landmark_months[k]);
        mw__json_num(f, p.t);
        fputs(", \"surv\": ", f);
        mw__json_num(f, p.surv);
        fputs(", \"ci95\": ", f);
        json_pair(f, p.lower, p.upper);
        fprintf(f, ", \"n_risk\": %d}", p.n_risk);
    }
    fputs("]}", f);
}

static void
write_summary(FILE *f, const shared_t *sh, const mw_km_t *pfs, const mw_km_t *os)
{
    const mw_scenario_t *sc = sh->sc;
    const counts_t *c = &sh->counts;
    int n = sh->n;

    fprintf(f, "{\n  \"marrow_version\": \"%s\",\n  \"scenario\": ", mw_version());
    mw__json_str(f, sc->name);
    fprintf(f, ",\n  \"scenario_hash\": \"%016llx\",\n",
            (unsigned long long) mw_scenario_hash(sc));
    fprintf(f, "  \"seed\": %llu,\n  \"mode\": \"%s\",\n  \"patients\": %d,\n",
            (unsigned long long) sh->o->seed, mw_mode_name(sc->engine.mode), n);
    fputs("  \"horizon_days\": ", f);
    mw__json_num(f, sc->horizon_days);
    fputs(",\n  \"days_per_month\": ", f);
    mw__json_num(f, DAYS_PER_MONTH);
    fprintf(f, ",\n  \"arms\": [\n    {\"arm\": \"%s\", \"patients\": %d,\n", ARM_NAME,
            n);
    fputs("     \"response\": {\n       ", f);
    mw__json_fraction(f, "pr_or_better", c->pr, n);
    fputs(",\n       ", f);
    mw__json_fraction(f, "vgpr_or_better", c->vgpr, n);
    fputs(",\n       ", f);
    mw__json_fraction(f, "cr_or_better", c->cr, n);
    fputs(",\n       ", f);
    mw__json_fraction(f, "mrd_negative", c->mrd_negative, n);
    fputs("},\n     ", f);
    json_endpoint(f, "pfs", pfs);
    fputs(",\n     ", f);
    json_endpoint(f, "os", os);
    fputs(",\n     \"toxicity\": {\n       ", f);
    mw__json_fraction(f, "crs_any", c->crs_any, n);
    fputs(",\n       ", f);
    mw__json_fraction(f, "crs_grade3plus", c->crs_3plus, n);
    fputs("},\n     ", f);
    mw__json_fraction(f, "extinct", c->extinct, n);
    fputs("}\n  ]\n}\n", f);
}

/* Everything after the last row: km.csv, summary.json, run.json. */
static int
write_tail(mw__outputs_t *out, const shared_t *sh, mw_cohort_result_t *result,
           char *errbuf, size_t errlen)
{
    mw_km_t pfs, os;
    int ret = mw__km_fit(&pfs, sh->pfs_t, sh->pfs_e, sh->n, MW_KM_CI_LOGLOG);
    if (ret == 0) {
        ret = mw__km_fit(&os, sh->os_t, sh->os_e, sh->n, MW_KM_CI_LOGLOG);
        if (ret != 0) {
            mw__km_free(&pfs);
        }
    }
    if (ret != 0) {
        mw__seterr(errbuf, errlen, "cannot fit the survival curves: %s",
                   mw_strerror(ret));
        return ret;
    }
    fputs("endpoint,time_days,n_risk,n_event,n_censor,surv,lower,upper\n", out->f[F_KM]);
    km_rows(out->f[F_KM], "PFS", &pfs);
    km_rows(out->f[F_KM], "OS", &os);
    write_summary(out->f[F_SUMMARY], sh, &pfs, &os);
    mw__provenance_t prov = {sh->o->command_line, sh->o->seed, "patients", sh->n,
                             sh->threads_used};
    ret = mw__write_run_json(out->f[F_RUN], sh->sc, &prov);
    if (ret != 0) {
        mw__seterr(errbuf, errlen, "cannot write run.json: %s", mw_strerror(ret));
    }
    if (result != NULL) {
        mw_km_quantile_t q;
        result->n_patients = sh->n;
        result->threads = sh->threads_used;
        result->n_pfs_events = sh->counts.pfs_events;
        result->n_deaths = sh->counts.deaths;
        result->orr = (double) sh->counts.pr / sh->n;
        mw__km_median(&pfs, &q);
        result->median_pfs_days = q.est;
        mw__km_median(&os, &q);
        result->median_os_days = q.est;
    }
    mw__km_free(&pfs);
    mw__km_free(&os);
    return ret;
}

int
mw_cohort(const mw_scenario_t *sc, const mw_cohort_options_t *o,
          mw_cohort_result_t *result, char *errbuf, size_t errlen)
{
    mw__outputs_t out;
    shared_t sh;
    const int n = o->n_patients;
    int threads = o->threads, ret;
    double t0 = mw__now_seconds();

    if (n < 1) {
        mw__seterr(errbuf, errlen, "the number of patients must be >= 1");
        return MW_ERR_BAD_PARAM;
    }
    if (threads < 0) {
        mw__seterr(errbuf, errlen, "threads must be >= 0 (0 = every core)");
        return MW_ERR_BAD_PARAM;
    }
#ifdef _OPENMP
    if (threads == 0) {
        threads = omp_get_max_threads();
    }
#else
    threads = 1;
#endif
    if (threads > n) {
        threads = n;
    }
    ret = mw__make_dirs(o->out_dir, errbuf, errlen);
    if (ret != 0) {
        return ret;
    }
    ret = mw__outputs_open(&out, o->out_dir, file_names, F_N, errbuf, errlen);
    if (ret != 0) {
        (void) mw__outputs_close(&out, 0, NULL, 0);
        return ret;
    }
    memset(&sh, 0, sizeof(sh));
    sh.sc = sc;
    sh.o = o;
    sh.n = n;
    sh.window = ROWS_PER_THREAD * threads;
    sh.tty = !o->quiet && isatty(2);
    sh.threads_used = 1;
    sh.last_pct = -1;
    sh.csv = out.f[F_PATIENTS];
    sh.ring = calloc((size_t) sh.window, sizeof(*sh.ring));
    sh.pfs_t = malloc((size_t) n * sizeof(double));
    sh.os_t = malloc((size_t) n * sizeof(double));
    sh.pfs_e = malloc((size_t) n * sizeof(int));
    sh.os_e = malloc((size_t) n * sizeof(int));
    if (sh.ring == NULL || sh.pfs_t == NULL || sh.os_t == NULL || sh.pfs_e == NULL ||
        sh.os_e == NULL) {
        mw__seterr(errbuf, errlen, "out of memory");
        ret = MW_ERR_NO_MEMORY;
        goto out;
    }
    fputs("patient,arm,best_response,pfs_days,pfs_event,os_days,os_event,extinct,"
          "extinction_day,relapse_type,crs_grade,lines,mrd_negative\n",
          sh.csv);

#ifdef _OPENMP
    omp_init_lock(&sh.lock);
#pragma omp parallel num_threads(threads)
#endif
    worker(&sh);
#ifdef _OPENMP
    omp_destroy_lock(&sh.lock);
#endif
    if (sh.tty && n > 1) {
        fputc('\n', stderr);
    }
    ret = sh.err;
    if (ret != 0) {
        mw__seterr(errbuf, errlen, "%s", sh.errmsg);
    } else {
        mw__bug_assert(sh.written == n);
        ret = write_tail(&out, &sh, result, errbuf, errlen);
    }
out:;
    int cret = mw__outputs_close(&out, ret == 0, ret == 0 ? errbuf : NULL, errlen);
    if (ret == 0) {
        ret = cret;
    }
    if (ret == 0 && result != NULL) {
        result->wall_seconds = mw__now_seconds() - t0;
    }
    free(sh.ring);
    free(sh.pfs_t);
    free(sh.os_t);
    free(sh.pfs_e);
    free(sh.os_e);
    return ret;
}
