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
#include <sys/random.h>

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
static int cmd_params(int argc, char **argv);
static int cmd_bench(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const command_t commands[] = {
    {"check", cmd_check, "validate a scenario file",
     "marrow check SCENARIO.yaml [--set key=value]...\n"
     "  Report every problem as FILE:LINE:COL: key: message; exit 2 if any.\n"},
    {"run", cmd_run, "simulate a scenario and write its outputs",
     "marrow run SCENARIO.yaml [-o DIR] [--seed N] [--mode exact|hybrid|mean]\n"
     "           [--replicates N] [--set key=value]... [--quiet]\n"
     "  -o, --out DIR        output directory (default out/<scenario name>)\n"
     "  -s, --seed N         random seed, 0..2^64-1 (default: random, printed)\n"
     "  -m, --mode MODE      engine mode: hybrid (default), exact or mean\n"
     "  -r, --replicates N   independent replicates 0..N-1 (default 1)\n"
     "      --set KEY=VALUE  override one scenario value, e.g. mutation.rate=1e-7\n"
     "  -q, --quiet          no progress on stderr\n"
     "  Writes timeseries.csv, clones.csv, tree.nwk, events.csv, summary.json and\n"
     "  run.json.  The same seed and scenario give byte-identical files.\n"},
    {"cohort", cmd_cohort, "simulate a cohort of patients (a virtual trial, one arm)",
     "marrow cohort SCENARIO.yaml [-n N] [-j THREADS] [-o DIR] [--seed N]\n"
     "              [--mode exact|hybrid|mean] [--set key=value]... [--quiet]\n"
     "  -n, --patients N     patients 0..N-1 (default 100)\n"
     "  -j, --threads N      threads; 0 = every core (default 1)\n"
     "  -o, --out DIR        output directory (default out/<scenario name>-cohort)\n"
     "  -s, --seed N         random seed, 0..2^64-1 (default: random, printed)\n"
     "  -m, --mode MODE      engine mode: hybrid (default), exact or mean\n"
     "      --set KEY=VALUE  override one scenario value, e.g. horizon_days=730\n"
     "  -q, --quiet          no progress on stderr\n"
     "  Patient i draws its parameters and runs as replicate i of 'marrow run'.\n"
     "  Writes patients.csv (one row of endpoints per patient), km.csv (Kaplan-Meier\n"
     "  of PFS and OS), summary.json (response rates, medians, landmarks, CRS) and\n"
     "  run.json.  Every file but run.json is byte-identical for any -j.\n"},
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

/* Load the scenario and apply overrides; prints diagnostics.  0 or EXIT_USAGE. */
static int
load_scenario(mw_scenario_t *sc, const char *path, char **sets, int n_sets,
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
    if (mw_scenario_load(sc, path, d) != 0) {
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
cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {{"set", required_argument, NULL, 'S'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char **sets = calloc((size_t) argc, sizeof(char *));
    int n_sets = 0, c, ret;
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
    if (ret == 0) {
        printf("%s: ok (%d clones, %d catalogue entries, %s mode, %g days", argv[optind],
               sc->tumour.n_clones, sc->mutation.n_entries, mw_mode_name(sc->engine.mode),
               sc->horizon_days);
        if (sc->n_variables > 0) {
            printf(", %d key%s varying between patients", sc->n_variables,
                   sc->n_variables == 1 ? "" : "s");
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

static int
cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},    {"seed", required_argument, NULL, 's'},
        {"mode", required_argument, NULL, 'm'},   {"replicates", required_argument, NULL, 'r'},
        {"set", required_argument, NULL, 'S'},    {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    char **sets = calloc((size_t) argc, sizeof(char *));
    mw_scenario_t *sc = malloc(sizeof(*sc));
    const char *out_dir = NULL, *mode = NULL;
    uint64_t seed = 0, reps = 1;
    int have_seed = 0, n_sets = 0, c, ret = 0, quiet = 0;
    char outbuf[256], errbuf[512], *cmdline = NULL;

    if (sets == NULL || sc == NULL) {
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
    if (!have_seed && (ret = draw_seed("run", &seed)) != 0) {
        goto out;
    }
    if (out_dir == NULL) {
        snprintf(outbuf, sizeof(outbuf), "out/%s", sc->name);
        out_dir = outbuf;
    }
    cmdline = join_args(argc + 1, argv - 1);
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
    if (!quiet) {
        fprintf(stderr,
                "marrow run: %s, %s mode, %d replicate%s, %g days in %.2f s\n"
                "  mean final tumour %.4g cells; extinct in %d of %d\n"
                "  outputs in %s/ (timeseries.csv clones.csv tree.nwk events.csv "
                "observations.csv single_cells.csv summary.json run.json)\n",
                sc->name, mw_mode_name(sc->engine.mode), res.replicates,
                res.replicates == 1 ? "" : "s", sc->horizon_days, res.wall_seconds,
                res.mean_final_cells, res.n_extinct, res.replicates, out_dir);
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

static int
cmd_cohort(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},      {"seed", required_argument, NULL, 's'},
        {"mode", required_argument, NULL, 'm'},     {"patients", required_argument, NULL, 'n'},
        {"threads", required_argument, NULL, 'j'},  {"set", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    char **sets = calloc((size_t) argc, sizeof(char *));
    mw_scenario_t *sc = malloc(sizeof(*sc));
    const char *out_dir = NULL, *mode = NULL;
    uint64_t seed = 0, patients = 100, threads = 1;
    int have_seed = 0, n_sets = 0, c, ret = 0, quiet = 0;
    char outbuf[256], errbuf[512], *cmdline = NULL;

    if (sets == NULL || sc == NULL) {
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
    ret = load_scenario(sc, argv[optind], sets, n_sets, mode);
    if (ret != 0) {
        goto out;
    }
    if (!have_seed && (ret = draw_seed("cohort", &seed)) != 0) {
        goto out;
    }
    if (out_dir == NULL) {
        snprintf(outbuf, sizeof(outbuf), "out/%s-cohort", sc->name);
        out_dir = outbuf;
    }
    cmdline = join_args(argc + 1, argv - 1);
    mw_cohort_options_t o = {out_dir, cmdline, seed, (int) patients, (int) threads, quiet};
    mw_cohort_result_t res;
    int r = mw_cohort(sc, &o, &res, errbuf, sizeof(errbuf));
    if (r != 0) {
        fprintf(stderr, "marrow cohort: %s\n", errbuf);
        ret = (r == MW_ERR_BAD_PARAM || r == MW_ERR_BAD_MODE ||
               r == MW_ERR_EXACT_TOO_LARGE)
                  ? EXIT_USAGE
                  : EXIT_RUNTIME;
        goto out;
    }
    if (!quiet) {
        fprintf(stderr,
                "marrow cohort: %s, %s mode, %d patient%s, %g days, %d thread%s, "
                "%.2f s (%.1f patients/s)\n"
                "  response >= PR %.1f%%; progression or death in %d, deaths %d\n  ",
                sc->name, mw_mode_name(sc->engine.mode), res.n_patients,
                res.n_patients == 1 ? "" : "s", sc->horizon_days, res.threads,
                res.threads == 1 ? "" : "s", res.wall_seconds,
                res.wall_seconds > 0 ? res.n_patients / res.wall_seconds : 0.0,
                100.0 * res.orr, res.n_pfs_events, res.n_deaths);
        print_median("PFS", res.median_pfs_days);
        fputs("; ", stderr);
        print_median("OS", res.median_os_days);
        fprintf(stderr, "\n  outputs in %s/ (patients.csv km.csv summary.json run.json)\n",
                out_dir);
    }
out:
    free(cmdline);
    free(sets);
    free(sc);
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
        printf("marrow %s\n", mw_version());
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
