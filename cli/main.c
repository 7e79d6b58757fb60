/*
 * The marrow command line: parses arguments, calls the library, maps errors to
 * exit codes (0 success, 1 runtime failure, 2 bad usage or bad input).  No
 * science lives here.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/random.h>
#include <unistd.h>

#include "marrow.h"
#include "bench.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *usage;
} command_t;

static int cmd_check(int argc, char **argv);
static int cmd_run(int argc, char **argv);
static int cmd_cohort(int argc, char **argv);
static int cmd_merge(int argc, char **argv);
static int cmd_report(int argc, char **argv);
static int cmd_params(int argc, char **argv);
static int cmd_bench(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const command_t commands[] = {
    {"check", cmd_check, "validate a scenario file",
     "marrow check SCENARIO.yaml [--set key=value]...\n"
     "  Report every problem as FILE:LINE:COL: key: message; exit 2 if any.\n"},
    {"run", cmd_run, "simulate a scenario and write its outputs",
     "marrow run SCENARIO.yaml [-o DIR] [--seed N] [--mode exact|hybrid|mean]\n"
     "           [--replicates N] [--arm NAME] [--set key=value]... [--quiet]\n"
     "  -o, --out DIR        output directory (default out/<scenario name>)\n"
     "  -s, --seed N         random seed, 0..2^64-1 (default: random, printed)\n"
     "  -m, --mode MODE      engine mode: hybrid (default), exact or mean\n"
     "  -r, --replicates N   independent replicates 0..N-1 (default 1)\n"
     "      --arm NAME       run this arm of the scenario's trial (default: the first)\n"
     "      --set KEY=VALUE  override one scenario value, e.g. mutation.rate=1e-7\n"
     "  -q, --quiet          no progress on stderr\n"
     "  Writes timeseries.csv, clones.csv, tree.nwk, events.csv, summary.json,\n"
     "  run.json, report.json and report.html.  The same seed and scenario give\n"
     "  byte-identical files.\n"},
    {"cohort", cmd_cohort, "simulate a virtual trial: patients on one or more arms",
     "marrow cohort SCENARIO.yaml [-n N] [-j THREADS] [-o DIR] [--seed N]\n"
     "              [--resume] [--only-patient I] [--shard i/N] [--trajectories K]\n"
     "              [--mode exact|hybrid|mean] [--set key=value]... [--quiet]\n"
     "  -n, --patients N     patients 0..N-1 (default 100)\n"
     "  -j, --threads N      threads; 0 = every core (default 1)\n"
     "  -o, --out DIR        output directory (default out/<scenario name>-cohort)\n"
     "  -s, --seed N         random seed, 0..2^64-1 (default: random, printed)\n"
     "      --resume         carry on with the unfinished cohort in DIR\n"
     "      --only-patient I simulate patient I alone (its rows are those of the\n"
     "                       whole cohort)\n"
     "      --shard i/N      patients of part i of N (1-based), into DIR/shard-i-of-N;\n"
     "                       read from SLURM_ARRAY_TASK_ID/COUNT when not given;\n"
     "                       then 'marrow merge DIR'\n"
     "      --trajectories K write the time series of patients 0..K-1 on every arm\n"
     "                       to trajectories.csv (as timeseries.csv of 'marrow run';\n"
     "                       the report's spider plot draws them); default 20\n"
     "  -m, --mode MODE      engine mode: hybrid (default), exact or mean\n"
     "      --set KEY=VALUE  override one scenario value in every arm\n"
     "  -q, --quiet          no progress on stderr\n"
     "  Arms, accrual, cut-off and dropout come from the scenario's trial: section.\n"
     "  Writes patients.csv (one row of endpoints per patient and arm), tte.csv\n"
     "  (ADaM ADTTE), km.csv (Kaplan-Meier of PFS, OS, DOR, TTNT per arm),\n"
     "  summary.json (rates, medians, landmarks, hazard ratios) and run.json.\n"
     "  Every file but run.json is byte-identical for any -j, shards or ranks.\n"},
    {"merge", cmd_merge, "merge the shards of a cohort into one set of outputs",
     "marrow merge DIR... [-o OUT] [--quiet]\n"
     "  Each DIR is a cohort output directory, or a directory of shard-* folders\n"
     "  (as 'marrow cohort --shard' writes them).  Together they must hold every\n"
     "  patient of one trial once.  Writes the same files as one whole run into OUT\n"
     "  (default: the one DIR given).\n"},
    {"report", cmd_report, "rebuild report.html and report.json of a run or cohort",
     "marrow report [--colour-by COLUMN] DIR\n"
     "  DIR is a 'marrow run' or 'marrow cohort' output directory; its files are\n"
     "  read again and report.json and report.html (one self-contained page that\n"
     "  opens offline) are rewritten: a patient report for a run (replicate 0), a\n"
     "  trial report for a cohort.\n"
     "      --colour-by COLUMN  colour clones in the Muller plot and clone tree by\n"
     "                          this clones.csv trait column (e.g. BCMA_density,\n"
     "                          pdl1); default: the density of the first targeted\n"
     "                          antigen that differs between clones\n"},
    {"params", cmd_params, "list every parameter with unit, default, range and source",
     "marrow params [--markdown]\n"},
    {"bench", cmd_bench, "run the built-in benchmarks",
     "marrow bench [--json] [--quick]\n"
     "  exact: events/s on a birth-death-mutation model (X=1000, 56 days);\n"
     "  hybrid: a 1e11-cell, 50-clone tumour for 5 years; peak memory.\n"},
    {"help", cmd_help, "show help for a command", "marrow help COMMAND\n"},
};
#define N_COMMANDS ((int) (sizeof(commands) / sizeof(commands[0])))

static void
usage(FILE *out)
{
    fprintf(out, "marrow %s: stochastic simulation of multiple myeloma evolution\n\n"
                 "usage: marrow COMMAND [options]\n\ncommands:\n",
            mw_version());
    for (int i = 0; i < N_COMMANDS; i++) {
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\n  marrow --version | --help | help COMMAND\n");
}

static const command_t *
find_command(const char *name)
{
    for (int i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

static int
bad_usage(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "marrow %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see 'marrow help %s')\n", cmd);
    return EXIT_USAGE;
}

/* Strict unsigned 64-bit parse: digits only, no sign, no junk, no overflow. */
static int
parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        return -1;
    }
    *out = (uint64_t) v;
    return 0;
}

/* Load the scenario (with the `set` of trial arm @p arm applied; -1: the base) and
 * apply overrides; prints diagnostics.  0 or EXIT_USAGE. */
static int
load_scenario_arm(mw_scenario_t *sc, const char *path, int arm, char **sets, int n_sets,
                  const char *mode)
{
    mw_diags_t *d = malloc(sizeof(*d));
    int bad = 0;

    if (d == NULL) {
        fprintf(stderr, "marrow: out of memory\n");
        return EXIT_RUNTIME;
    }
    mw_diags_clear(d);
    mw_scenario_init_defaults(sc);
    if (mw_scenario_load_arm(sc, path, arm, d) != 0) {
        bad = 1;
    }
    for (int i = 0; !bad && i < n_sets; i++) {
        if (mw_scenario_set(sc, sets[i], d) != 0) {
            bad = 1;
        }
    }
    if (!bad && mode != NULL) {
        char buf[64];
        snprintf(buf, sizeof(buf), "engine.mode=%s", mode);
        if (mw_scenario_set(sc, buf, d) != 0) {
            bad = 1;
        }
    }
    if (!bad && mw_scenario_validate(sc, d) != 0) {
        /* Validation sees only the merged scenario: find where each key came from. */
        mw_diags_locate(d, sc, path, sets, n_sets);
        bad = 1;
    }
    if (bad) {
        mw_diags_print(d, stderr);
    }
    free(d);
    return bad ? EXIT_USAGE : 0;
}

static int
load_scenario(mw_scenario_t *sc, const char *path, char **sets, int n_sets,
              const char *mode)
{
    return load_scenario_arm(sc, path, -1, sets, n_sets, mode);
}

static int
cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {{"set", required_argument, NULL, 'S'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char **sets = calloc((size_t) argc, sizeof(char *));
    int n_sets = 0, c, ret, n_arms;
    mw_scenario_t *sc = malloc(sizeof(*sc));

    if (sets == NULL || sc == NULL) {
        free(sets);
        free(sc);
        return EXIT_RUNTIME;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'S') {
            sets[n_sets++] = optarg;
        } else if (c == 'h') {
            fputs(find_command("check")->usage, stdout);
            free(sets);
            free(sc);
            return 0;
        } else {
            free(sets);
            free(sc);
            return bad_usage("check", "%s", "invalid option");
        }
    }
    if (optind != argc - 1) {
        free(sets);
        free(sc);
        return bad_usage("check", "%s", "expected exactly one SCENARIO file");
    }
    ret = load_scenario(sc, argv[optind], sets, n_sets, NULL);
    /* Then every arm: the base with the arm's set applied must pass the same checks. */
    n_arms = ret == 0 ? sc->trial.n_arms : 0;
    for (int a = 0; ret != EXIT_RUNTIME && a < n_arms; a++) {
        mw_scenario_t *arm = malloc(sizeof(*arm));
        int r = arm != NULL ? load_scenario_arm(arm, argv[optind], a, sets, n_sets, NULL)
                            : EXIT_RUNTIME;
        if (r == EXIT_USAGE) {
            fprintf(stderr,
                    "marrow check: arm '%s' (trial.arms[%d]) fails the checks above\n",
                    sc->trial.arms[a].name, a);
        }
        ret = r != 0 && ret != EXIT_RUNTIME ? r : ret;
        free(arm);
    }
    if (ret == 0) {
        printf("%s: ok (%d clones, %d catalogue entries, %s mode, %g days", argv[optind],
               sc->tumour.n_clones, sc->mutation.n_entries, mw_mode_name(sc->engine.mode),
               sc->horizon_days);
        if (sc->n_variables > 0) {
            printf(", %d key%s varying between patients", sc->n_variables,
                   sc->n_variables == 1 ? "" : "s");
        }
        if (sc->n_covariates > 0) {
            printf(", %d covariate%s", sc->n_covariates,
                   sc->n_covariates == 1 ? "" : "s");
        }
        if (sc->trial.n_arms > 0) {
            printf(", %d arm%s checked", sc->trial.n_arms,
                   sc->trial.n_arms == 1 ? "" : "s");
        }
        printf(")\n");
    }
    free(sets);
    free(sc);
    return ret;
}

static char *
join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++) {
        len += strlen(argv[i]) + 1;
    }
    char *s = malloc(len);
    if (s == NULL) {
        return NULL;
    }
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i > 0) {
            strcat(s, " ");
        }
        strcat(s, argv[i]);
    }
    return s;
}

/* Seed from the system when none was given (printed so that the run can be repeated). */
static int
draw_seed(const char *cmd, uint64_t *seed)
{
    if (getrandom(seed, sizeof(*seed), 0) != (ssize_t) sizeof(*seed)) {
        fprintf(stderr, "marrow %s: cannot draw a random seed; give --seed\n", cmd);
        return EXIT_RUNTIME;
    }
    *seed >>= 1; /* fits a signed 64-bit integer for R/pandas readers */
    fprintf(stderr, "marrow %s: seed %llu (pass --seed to repeat this run)\n", cmd,
            (unsigned long long) *seed);
    return 0;
}

/* Index of the arm called @p name in @p sc's trial, or -1 after saying which arms
 * there are. */
static int
find_arm(const mw_scenario_t *sc, const char *name)
{
    for (int a = 0; a < sc->trial.n_arms; a++) {
        if (strcmp(sc->trial.arms[a].name, name) == 0) {
            return a;
        }
    }
    if (sc->trial.n_arms == 0) {
        fprintf(stderr, "marrow run: --arm %s: the scenario has no trial.arms\n", name);
        return -1;
    }
    fprintf(stderr, "marrow run: --arm: no arm named '%s'; the arms are", name);
    for (int a = 0; a < sc->trial.n_arms; a++) {
        fprintf(stderr, "%s '%s'", a > 0 ? "," : "", sc->trial.arms[a].name);
    }
    fputc('\n', stderr);
    return -1;
}

static int
cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},    {"seed", required_argument, NULL, 's'},
        {"mode", required_argument, NULL, 'm'},   {"replicates", required_argument, NULL, 'r'},
        {"set", required_argument, NULL, 'S'},    {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {"arm", required_argument, NULL, 'A'},
        {NULL, 0, NULL, 0}};
    char **sets = calloc((size_t) argc, sizeof(char *));
    mw_scenario_t *sc = malloc(sizeof(*sc));
    const char *out_dir = NULL, *mode = NULL, *arm_name = NULL;
    uint64_t seed = 0, reps = 1;
    int have_seed = 0, n_sets = 0, c, ret = 0, quiet = 0;
    char outbuf[256], errbuf[512], *cmdline = NULL;

    if (sets == NULL || sc == NULL) {
        fprintf(stderr, "marrow: out of memory\n");
        ret = EXIT_RUNTIME;
        goto out;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:s:m:r:qh", opts, NULL)) != -1) {
        switch (c) {
            case 'o':
                out_dir = optarg;
                break;
            case 's':
                if (parse_u64(optarg, &seed) != 0) {
                    ret = bad_usage("run", "--seed: '%s' is not an integer in 0..2^64-1",
                                    optarg);
                    goto out;
                }
                have_seed = 1;
                break;
            case 'm':
                mode = optarg;
                break;
            case 'r':
                if (parse_u64(optarg, &reps) != 0 || reps < 1 || reps > 100000000) {
                    ret = bad_usage("run", "--replicates: '%s' is not an integer in 1..1e8",
                                    optarg);
                    goto out;
                }
                break;
            case 'S':
                sets[n_sets++] = optarg;
                break;
            case 'A':
                arm_name = optarg;
                break;
            case 'q':
                quiet = 1;
                break;
            case 'h':
                fputs(find_command("run")->usage, stdout);
                goto out;
            default:
                ret = bad_usage("run", "%s", "invalid option");
                goto out;
        }
    }
    if (optind != argc - 1) {
        ret = bad_usage("run", "%s", "expected exactly one SCENARIO file");
        goto out;
    }
    ret = load_scenario(sc, argv[optind], sets, n_sets, mode);
    if (ret != 0) {
        goto out;
    }
    /* A trial runs one arm: the one named, else the first.  A scenario that is an
     * arm already (a run.json echo) runs as it is. */
    if (arm_name != NULL || (sc->trial.n_arms > 0 && sc->trial.arm < 0)) {
        int arm = 0;
        if (arm_name != NULL) {
            arm = find_arm(sc, arm_name);
            if (arm < 0) {
                ret = EXIT_USAGE;
                goto out;
            }
        }
        ret = load_scenario_arm(sc, argv[optind], arm, sets, n_sets, mode);
        if (ret != 0) {
            goto out;
        }
    }
    if (!have_seed && (ret = draw_seed("run", &seed)) != 0) {
        goto out;
    }
    if (out_dir == NULL) {
        snprintf(outbuf, sizeof(outbuf), "out/%s", sc->name);
        out_dir = outbuf;
    }
    cmdline = join_args(argc + 1, argv - 1);
    if (cmdline == NULL) {
        fprintf(stderr, "marrow run: out of memory\n");
        ret = EXIT_RUNTIME;
        goto out;
    }
    mw_run_options_t o = {out_dir, cmdline, seed, (int) reps, quiet};
    mw_run_result_t res;
    int r = mw_run(sc, &o, &res, errbuf, sizeof(errbuf));
    if (r != 0) {
        fprintf(stderr, "marrow run: %s\n", errbuf);
        ret = (r == MW_ERR_BAD_PARAM || r == MW_ERR_BAD_MODE ||
               r == MW_ERR_EXACT_TOO_LARGE)
                  ? EXIT_USAGE
                  : EXIT_RUNTIME;
        goto out;
    }
    /* The run's files are in place and stay there when only the page fails. */
    if (mw_report_write(out_dir, NULL, errbuf, sizeof(errbuf)) != 0) {
        fprintf(stderr, "marrow run: report: %s\n", errbuf);
        ret = EXIT_RUNTIME;
        goto out;
    }
    if (!quiet) {
        if (sc->trial.arm >= 0 && sc->trial.arm < sc->trial.n_arms) {
            fprintf(stderr, "marrow run: arm '%s' of the trial\n",
                    sc->trial.arms[sc->trial.arm].name);
        }
        fprintf(stderr,
                "marrow run: %s, %s mode, %d replicate%s, %g days in %.2f s\n"
                "  mean final tumour %.4g cells; extinct in %d of %d\n"
                "  outputs in %s/ (timeseries.csv clones.csv tree.nwk events.csv "
                "observations.csv single_cells.csv summary.json run.json report.json)\n"
                "  report: %s/report.html (open it in a browser; works offline)\n",
                sc->name, mw_mode_name(sc->engine.mode), res.replicates,
                res.replicates == 1 ? "" : "s", sc->horizon_days, res.wall_seconds,
                res.mean_final_cells, res.n_extinct, res.replicates, out_dir, out_dir);
    }
out:
    free(cmdline);
    free(sets);
    free(sc);
    return ret;
}

/* "980 days (32.2 months)", "not reached" */
static void
print_median(const char *what, double days)
{
    if (isinf(days)) {
        fprintf(stderr, "median %s not reached", what);
    } else if (isnan(days)) {
        fprintf(stderr, "median %s not estimable", what);
    } else {
        fprintf(stderr, "median %s %.4g days (%.1f months)", what, days, days / 30.4375);
    }
}

/* "i/N" (1-based i) into a 0-based shard index and a count. */
static int
parse_shard(const char *s, int *index, int *count)
{
    uint64_t i, n;
    char a[32], b[32];
    const char *slash = strchr(s, '/');
    if (slash == NULL || (size_t) (slash - s) >= sizeof(a) || strlen(slash + 1) >= sizeof(b)) {
        return -1;
    }
    memcpy(a, s, (size_t) (slash - s));
    a[slash - s] = '\0';
    snprintf(b, sizeof(b), "%s", slash + 1);
    if (parse_u64(a, &i) != 0 || parse_u64(b, &n) != 0 || n < 1 || n > 1000000 || i < 1 ||
        i > n) {
        return -1;
    }
    *index = (int) i - 1;
    *count = (int) n;
    return 0;
}

/* The shard of a Slurm job array task (SLURM_ARRAY_TASK_ID counted from
 * SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT): 1 when set, 0 when not, -1 when
 * set but not a dense 0..COUNT-1 numbering. */
static int
slurm_shard(int *index, int *count)
{
    const char *id = getenv("SLURM_ARRAY_TASK_ID"), *n = getenv("SLURM_ARRAY_TASK_COUNT");
    const char *min = getenv("SLURM_ARRAY_TASK_MIN");
    uint64_t i, c, m = 0;
    if (id == NULL || n == NULL) {
        return 0;
    }
    if (parse_u64(id, &i) != 0 || parse_u64(n, &c) != 0 ||
        (min != NULL && parse_u64(min, &m) != 0) || c < 1 || c > 1000000 || i < m ||
        i - m >= c) {
        return -1;
    }
    *index = (int) (i - m);
    *count = (int) c;
    return 1;
}

static void
print_cohort_result(const char *what, const char *name, const mw_cohort_result_t *res,
                    const char *out_dir, int with_report /* 1 written, 0 shard, -1 none */)
{
    fprintf(stderr, "marrow %s: %s, %d patient%s, %d arm%s, %d thread%s, %.2f s", what,
            name, res->n_patients, res->n_patients == 1 ? "" : "s", res->n_arms,
            res->n_arms == 1 ? "" : "s", res->threads, res->threads == 1 ? "" : "s",
            res->wall_seconds);
    if (res->wall_seconds > 0) {
        fprintf(stderr, " (%.1f patients/s)", res->n_patients / res->wall_seconds);
    }
    fputc('\n', stderr);
    for (int a = 0; a < res->n_arms; a++) {
        const mw_arm_result_t *r = &res->arms[a];
        fprintf(stderr, "  %s: %d patients, response >= PR %.1f%%, >= CR %.1f%%; ", r->name,
                r->n_patients, 100.0 * r->orr, 100.0 * r->cr_rate);
        print_median("PFS", r->median_pfs_days);
        fputs("; ", stderr);
        print_median("OS", r->median_os_days);
        if (a > 0 && !isnan(r->hr_pfs)) {
            fprintf(stderr, "; PFS HR vs %s %.3g (%.3g-%.3g), log-rank p %.3g",
                    res->arms[0].name, r->hr_pfs, r->hr_pfs_lower, r->hr_pfs_upper,
                    r->logrank_p);
        }
        fputc('\n', stderr);
    }
    fprintf(stderr,
            "  outputs in %s/ (patients.csv tte.csv km.csv summary.json run.json "
            "trajectories.csv)\n", out_dir);
    if (with_report > 0) {
        fprintf(stderr, "  report: %s/report.html\n", out_dir);
    } else if (with_report == 0) {
        fprintf(stderr, "  report: written by 'marrow merge' once every shard is done\n");
    }
}

static int
cmd_cohort(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},      {"seed", required_argument, NULL, 's'},
        {"mode", required_argument, NULL, 'm'},     {"patients", required_argument, NULL, 'n'},
        {"threads", required_argument, NULL, 'j'},  {"set", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {"resume", no_argument, NULL, 'R'},         {"only-patient", required_argument, NULL, 'P'},
        {"shard", required_argument, NULL, 'D'},    {"trajectories", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0}};
    char **sets = calloc((size_t) argc, sizeof(char *));
    mw_scenario_t *sc = malloc(MW_MAX_ARMS * sizeof(*sc));
    const char *out_dir = NULL, *mode = NULL;
    /* 20 trajectories: the report's spider plot, for the price of 20 patients */
    uint64_t seed = 0, patients = 100, threads = 1, only = 0, traj = 20;
    int have_seed = 0, n_sets = 0, c, ret = 0, quiet = 0, resume = 0, have_only = 0;
    int shard = 0, shards = 1, have_shard = 0, n_arms = 1;
    char outbuf[512], errbuf[1024], *cmdline = NULL;

    if (sets == NULL || sc == NULL) {
        fprintf(stderr, "marrow: out of memory\n");
        ret = EXIT_RUNTIME;
        goto out;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:s:m:n:j:qh", opts, NULL)) != -1) {
        switch (c) {
            case 'o':
                out_dir = optarg;
                break;
            case 's':
                if (parse_u64(optarg, &seed) != 0) {
                    ret = bad_usage("cohort", "--seed: '%s' is not an integer in 0..2^64-1",
                                    optarg);
                    goto out;
                }
                have_seed = 1;
                break;
            case 'm':
                mode = optarg;
                break;
            case 'n':
                if (parse_u64(optarg, &patients) != 0 || patients < 1 ||
                    patients > 100000000) {
                    ret = bad_usage("cohort", "--patients: '%s' is not an integer in 1..1e8",
                                    optarg);
                    goto out;
                }
                break;
            case 'j':
                if (parse_u64(optarg, &threads) != 0 || threads > 4096) {
                    ret = bad_usage("cohort",
                                    "--threads: '%s' is not an integer in 0..4096 "
                                    "(0 = every core)",
                                    optarg);
                    goto out;
                }
                break;
            case 'S':
                sets[n_sets++] = optarg;
                break;
            case 'q':
                quiet = 1;
                break;
            case 'R':
                resume = 1;
                break;
            case 'P':
                if (parse_u64(optarg, &only) != 0 || only >= 100000000) {
                    ret = bad_usage("cohort",
                                    "--only-patient: '%s' is not a patient index 0..N-1",
                                    optarg);
                    goto out;
                }
                have_only = 1;
                break;
            case 'T':
                if (parse_u64(optarg, &traj) != 0 || traj > 100000) {
                    ret = bad_usage("cohort",
                                    "--trajectories: '%s' is not a number of patients 0..1e5",
                                    optarg);
                    goto out;
                }
                break;
            case 'D':
                if (parse_shard(optarg, &shard, &shards) != 0) {
                    ret = bad_usage("cohort",
                                    "--shard: '%s' is not i/N with 1 <= i <= N (e.g. 2/8)",
                                    optarg);
                    goto out;
                }
                have_shard = 1;
                break;
            case 'h':
                fputs(find_command("cohort")->usage, stdout);
                goto out;
            default:
                ret = bad_usage("cohort", "%s", "invalid option");
                goto out;
        }
    }
    if (optind != argc - 1) {
        ret = bad_usage("cohort", "%s", "expected exactly one SCENARIO file");
        goto out;
    }
    if (have_only && (have_shard || resume)) {
        ret = bad_usage("cohort", "%s",
                        "--only-patient runs one patient: it goes with neither --shard nor "
                        "--resume");
        goto out;
    }
    if (!have_shard && !have_only) {
        int k = slurm_shard(&shard, &shards);
        if (k < 0) {
            ret = bad_usage("cohort", "%s",
                            "SLURM_ARRAY_TASK_ID is not one of 0..SLURM_ARRAY_TASK_COUNT-1 "
                            "counted from SLURM_ARRAY_TASK_MIN (an array with gaps or "
                            "steps?): give --shard i/N");
            goto out;
        }
        if (k > 0) {
            have_shard = 1;
            if (!quiet) {
                fprintf(stderr, "marrow cohort: shard %d/%d from SLURM_ARRAY_TASK_ID\n",
                        shard + 1, shards);
            }
        }
    }
    if ((have_shard || resume) && !have_seed) {
        ret = bad_usage("cohort", "%s",
                        "--shard and --resume need --seed: every part of a trial must use "
                        "the same seed");
        goto out;
    }
    /* The base first: it says how many arms there are; then each arm. */
    ret = load_scenario(&sc[0], argv[optind], sets, n_sets, mode);
    n_arms = sc[0].trial.n_arms > 0 ? sc[0].trial.n_arms : 1;
    for (int a = 0; ret == 0 && sc[0].trial.n_arms > 0 && a < n_arms; a++) {
        ret = load_scenario_arm(&sc[a], argv[optind], a, sets, n_sets, mode);
    }
    if (ret != 0) {
        goto out;
    }
    if (!have_seed && (ret = draw_seed("cohort", &seed)) != 0) {
        goto out;
    }
    if (out_dir == NULL) {
        snprintf(outbuf, sizeof(outbuf), "out/%s-cohort", sc[0].name);
        out_dir = outbuf;
    }
    if (have_shard) {
        /* Every shard of a job array gets the same -o: each writes its own folder in it,
         * and `marrow merge DIR` finds them. */
        char *tmp = strdup(out_dir);
        if (tmp == NULL) {
            fprintf(stderr, "marrow cohort: out of memory\n");
            ret = EXIT_RUNTIME;
            goto out;
        }
        snprintf(outbuf, sizeof(outbuf), "%s/shard-%d-of-%d", tmp, shard + 1, shards);
        free(tmp);
        out_dir = outbuf;
    }
    cmdline = join_args(argc + 1, argv - 1);
    if (cmdline == NULL) {
        fprintf(stderr, "marrow cohort: out of memory\n");
        ret = EXIT_RUNTIME;
        goto out;
    }
    mw_cohort_options_t o = {out_dir, cmdline, seed,   (int) patients,
                             (int) threads, quiet, resume, have_only ? (int) only : -1,
                             shard,   shards,  (int) traj};
    mw_cohort_result_t res;
    int r = mw_cohort(sc, n_arms, &o, &res, errbuf, sizeof(errbuf));
    if (r != 0) {
        fprintf(stderr, "marrow cohort: %s\n", errbuf);
        ret = (r == MW_ERR_BAD_PARAM || r == MW_ERR_BAD_MODE ||
               r == MW_ERR_EXACT_TOO_LARGE || r == MW_ERR_CONFIG)
                  ? EXIT_USAGE
                  : EXIT_RUNTIME;
        goto out;
    }
    /* The report of the whole trial: not of one shard (merge writes that) nor of
     * one patient, and by one MPI rank. */
    if (!have_shard && !have_only && res.rank == 0 &&
        (r = mw_report_write(out_dir, NULL, errbuf, sizeof(errbuf))) != 0) {
        fprintf(stderr, "marrow cohort: report: %s\n", errbuf);
        ret = EXIT_RUNTIME;
        goto out;
    }
    if (!quiet && res.rank == 0) {
        print_cohort_result("cohort", sc[0].name, &res, out_dir,
                            have_only ? -1 : have_shard ? 0 : 1);
    }
out:
    free(cmdline);
    free(sets);
    free(sc);
    return ret;
}

/* DIR itself when it holds a run.json, else its shard-* folders in name order. */
static int
expand_dir(const char *dir, char ***list, int *n, int *cap)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/run.json", dir);
    if (access(path, F_OK) == 0) {
        if (*n == *cap) {
            *cap = *cap * 2 + 8;
            char **l = realloc(*list, (size_t) *cap * sizeof(char *));
            if (l == NULL) {
                return -1;
            }
            *list = l;
        }
        (*list)[(*n)++] = strdup(dir);
        return (*list)[*n - 1] == NULL ? -1 : 0;
    }
    struct dirent **names;
    int k = scandir(dir, &names, NULL, alphasort), found = 0;
    if (k < 0) {
        return 0;
    }
    for (int i = 0; i < k; i++) {
        if (found == 0 && strncmp(names[i]->d_name, "shard-", 6) == 0) {
            snprintf(path, sizeof(path), "%s/%s/run.json", dir, names[i]->d_name);
            if (access(path, F_OK) == 0) {
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
                if (expand_dir(path, list, n, cap) != 0) {
                    found = -1;
                }
            } else {
                fprintf(stderr,
                        "marrow merge: %s/%s is unfinished (no run.json): finish it with "
                        "`marrow cohort ... --shard i/N --resume`\n",
                        dir, names[i]->d_name);
                found = -2;
            }
        }
        free(names[i]);
    }
    free(names);
    return found;
}

static int
cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {{"colour-by", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    mw_report_options_t ro = {NULL};
    char errbuf[1024];
    int c, r;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
            case 'c':
                ro.colour_by = optarg;
                break;
            case 'h':
                fputs(find_command("report")->usage, stdout);
                return 0;
            default:
                return bad_usage("report", "%s", "invalid option");
        }
    }
    if (optind != argc - 1) {
        return bad_usage("report", "%s", "expected exactly one output DIR");
    }
    r = mw_report_write(argv[optind], &ro, errbuf, sizeof(errbuf));
    if (r != 0) {
        fprintf(stderr, "marrow report: %s\n", errbuf);
        return r == MW_ERR_BAD_PARAM ? EXIT_USAGE : EXIT_RUNTIME;
    }
    return 0;
}

static int
cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out_dir = NULL;
    char **dirs = NULL, errbuf[1024], *cmdline = NULL;
    int n = 0, cap = 0, c, ret = 0, quiet = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (c) {
            case 'o':
                out_dir = optarg;
                break;
            case 'q':
                quiet = 1;
                break;
            case 'h':
                fputs(find_command("merge")->usage, stdout);
                return 0;
            default:
                return bad_usage("merge", "%s", "invalid option");
        }
    }
    if (optind >= argc) {
        return bad_usage("merge", "%s", "expected one or more cohort output directories");
    }
    for (int i = optind; i < argc; i++) {
        int before = n, k = expand_dir(argv[i], &dirs, &n, &cap);
        if (k == -2) {
            ret = EXIT_USAGE;
            goto out;
        }
        if (k != 0) {
            fprintf(stderr, "marrow merge: out of memory\n");
            ret = EXIT_RUNTIME;
            goto out;
        }
        if (n == before) {
            fprintf(stderr,
                    "marrow merge: '%s' holds neither a finished cohort (run.json) nor "
                    "shard-* folders of one\n",
                    argv[i]);
            ret = EXIT_USAGE;
            goto out;
        }
    }
    if (out_dir == NULL) {
        if (argc - optind != 1) {
            ret = bad_usage("merge", "%s", "-o DIR is needed when merging several directories");
            goto out;
        }
        out_dir = argv[optind];
    }
    cmdline = join_args(argc + 1, argv - 1);
    if (cmdline == NULL) {
        fprintf(stderr, "marrow merge: out of memory\n");
        ret = EXIT_RUNTIME;
        goto out;
    }
    mw_cohort_result_t res;
    int r = mw_cohort_merge((const char *const *) dirs, n, out_dir, cmdline, &res, errbuf,
                            sizeof(errbuf));
    if (r != 0) {
        fprintf(stderr, "marrow merge: %s\n", errbuf);
        ret = r == MW_ERR_CONFIG || r == MW_ERR_BAD_PARAM ? EXIT_USAGE : EXIT_RUNTIME;
        goto out;
    }
    if ((r = mw_report_write(out_dir, NULL, errbuf, sizeof(errbuf))) != 0) {
        fprintf(stderr, "marrow merge: report: %s\n", errbuf);
        ret = EXIT_RUNTIME;
        goto out;
    }
    if (!quiet) {
        fprintf(stderr, "marrow merge: %d director%s\n", n, n == 1 ? "y" : "ies");
        print_cohort_result("merge", "merged", &res, out_dir, 1);
    }
out:
    for (int i = 0; i < n; i++) {
        free(dirs[i]);
    }
    free(dirs);
    free(cmdline);
    return ret;
}

static int
cmd_params(int argc, char **argv)
{
    int markdown = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--markdown") == 0) {
            markdown = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(find_command("params")->usage, stdout);
            return 0;
        } else {
            return bad_usage("params", "unknown argument '%s'", argv[i]);
        }
    }
    if (mw_params_write(stdout, markdown) != 0) {
        fprintf(stderr, "marrow params: write error\n");
        return EXIT_RUNTIME;
    }
    return 0;
}

static int
cmd_bench(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(find_command("bench")->usage, stdout);
            return 0;
        }
    }
    return mw_bench_main(argc, argv);
}

static int
cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    const command_t *c = find_command(argv[1]);
    if (c == NULL) {
        return bad_usage("help", "unknown command '%s'", argv[1]);
    }
    fputs(c->usage, stdout);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("marrow %s\nfeatures:%s\n", mw_version(),
               mw_build_features()[0] != '\0' ? mw_build_features() : " none");
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    const command_t *c = find_command(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "marrow: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return EXIT_USAGE;
    }
    return c->fn(argc - 1, argv + 1);
}
