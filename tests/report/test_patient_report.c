/* The patient report's numbers, checked against a hand-made output directory whose
 * answers are worked out by hand: the Muller layout (descendants nested inside their
 * parent, own cells half below and half above them, small clones folded into their
 * ancestor), the default colouring trait, the antigen density, the response spans,
 * the summary drawn from events, the observations, and the errors for bad input. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "io/out.h"

static char dir[64];

#define assert_near(a, b, tol)                                                           \
    do {                                                                                 \
        double a_ = (a), b_ = (b);                                                       \
        if (!(fabs(a_ - b_) <= (tol))) {                                                 \
            fail_msg("%s = %.9g, expected %.9g (+- %g)", #a, a_, b_, (double) (tol));    \
        }                                                                                \
    } while (0)

static void
put(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Clone 0 founds; 1 arises from 0 and 2 from 1; 3 (from 0) never exceeds 1 cell in
 * 1001, below the 0.2% drawn threshold.  BCMA copies 2, 1, 0, 2. */
static void
make_run(void)
{
    snprintf(dir, sizeof(dir), "/tmp/mw_preport_XXXXXX");
    assert_non_null(mkdtemp(dir));
    put("run.json",
        "{\"marrow_version\": \"t\", \"command_line\": \"marrow run x\", \"seed\": 5,\n"
        " \"replicates\": 1, \"scenario_hash\": \"abc\",\n"
        " \"scenario\": {\"name\": \"synthetic\", \"horizon_days\": 20,\n"
        "   \"immune\": {\"lloq_copies_ug\": 5},\n"
        "   \"products\": [{\"name\": \"car\", \"targets\": [{\"antigen\": "
        "\"BCMA\"}]}],\n"
        "   \"engagers\": []}}\n");
    put("summary.json",
        "{\"mode\": \"hybrid\", \"per_replicate\": [{\"final_cells\": 1000,"
        " \"extinction_day\": null, \"lines\": []}]}\n");
    put("timeseries.csv",
        "t_days,variable,value\n"
        "0,tumour_cells,1000\n0,tumour_cells_bm,1000\n0,tumour_cells_em,0\n"
        "0,mprotein_g_dl,3\n0,flc_mg_l,50\n0,cart_copies_ug:car,0\n"
        "0,clone_cells:0,600\n0,clone_cells:1,300\n0,clone_cells:2,100\n"
        "10,tumour_cells,1001\n10,tumour_cells_bm,1001\n10,tumour_cells_em,0\n"
        "10,mprotein_g_dl,1\n10,flc_mg_l,20\n10,cart_copies_ug:car,1000\n"
        "10,clone_cells:0,400\n10,clone_cells:1,400\n10,clone_cells:2,200\n"
        "10,clone_cells:3,1\n"
        "20,tumour_cells,1000\n20,tumour_cells_bm,1000\n20,tumour_cells_em,0\n"
        "20,mprotein_g_dl,2\n20,flc_mg_l,40\n20,cart_copies_ug:car,30\n"
        "20,clone_cells:0,100\n20,clone_cells:1,800\n20,clone_cells:2,100\n");
    put("clones.csv",
        "clone_id,parent_id,born_day,event,cells_final,cells_bm,cells_em,peak_cells,"
        "extinct_day,switched,birth,pdl1,BCMA_density,BCMA_copies\n"
        "0,NA,0,founder:main,100,100,0,600,NA,0,0.05,0.1,600,2\n"
        "1,0,0,mutation:bcma_copy_loss,800,800,0,800,NA,0,0.05,0.2,600,1\n"
        "2,1,0,mutation:bcma_copy_loss,100,100,0,200,NA,0,0.05,0.3,600,0\n"
        "3,0,9,mutation:pdl1_up,0,0,0,1,12,0,0.05,0.9,600,2\n");
    put("events.csv", "t_days,kind,detail\n"
                      "0,cart_infusion,product=car;cells=1e+08\n"
                      "10,response,response=PR;mprotein_g_dl=1\n"
                      "15,progression,\n");
    put("observations.csv", "t_days,assay,quantity,value\n"
                            "0,spep,mprotein_g_dl,3\n10,spep,mprotein_g_dl,0\n");
}

static void
remove_run(void)
{
    static const char *files[] = {"run.json",    "summary.json", "timeseries.csv",
                                  "clones.csv",  "events.csv",   "observations.csv",
                                  "report.json", "report.html"};
    char path[128];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

#define item mw__json_item

static int
count(const yaml_node_t *seq)
{
    int n = mw__json_len(seq);
    assert_true(n >= 0);
    return n;
}

static double
num(yaml_document_t *d, const yaml_node_t *n)
{
    (void) d;
    const char *s = mw__json_scalar(n);
    assert_non_null(s);
    return strcmp(s, "null") == 0 ? NAN : strtod(s, NULL);
}

static const char *
str(yaml_document_t *d, const yaml_node_t *map, const char *key)
{
    const char *s = mw__json_scalar(mw__json_get(d, map, key));
    assert_non_null(s);
    return s;
}

/* The block with id @p id (fails when absent). */
static const yaml_node_t *
block(yaml_document_t *d, const char *id)
{
    const yaml_node_t *blocks = mw__json_get(d, yaml_document_get_root_node(d), "blocks");
    for (int i = 0; item(d, blocks, i) != NULL; i++) {
        if (strcmp(str(d, item(d, blocks, i), "id"), id) == 0) {
            return item(d, blocks, i);
        }
    }
    fail_msg("no block '%s' in report.json", id);
    return NULL;
}

static void
load(yaml_document_t *d)
{
    char path[128], err[256];
    snprintf(path, sizeof(path), "%s/report.json", dir);
    assert_int_equal(mw__json_load(path, d, err, sizeof(err)), 0);
}

static void
write_report(const char *colour_by)
{
    char err[512];
    mw_report_options_t o = {colour_by};
    int r = mw_report_write(dir, &o, err, sizeof(err));
    if (r != 0) {
        fail_msg("mw_report_write: %s", err);
    }
}

/* Band k of the Muller plot at time index j: lower and upper share. */
static void
band_at(yaml_document_t *d, int k, int j, double *lo, double *hi)
{
    const yaml_node_t *b = item(d, mw__json_get(d, block(d, "muller"), "bands"), k);
    assert_non_null(b);
    *lo = num(d, item(d, mw__json_get(d, b, "lower"), j));
    *hi = num(d, item(d, mw__json_get(d, b, "upper"), j));
}

static void
test_muller_layout(void **state)
{
    (void) state;
    yaml_document_t d;
    double lo, hi;
    make_run();
    write_report(NULL);
    load(&d);
    const yaml_node_t *bands = mw__json_get(&d, block(&d, "muller"), "bands");
    assert_int_equal(count(bands), 3); /* clone 3 folded into clone 0 */
    assert_string_equal(str(&d, item(&d, bands, 0), "label"), "clone 0");
    assert_string_equal(str(&d, item(&d, bands, 2), "label"), "clone 2");
    /* t = 0: 600/300/100 of 1000.  Clone 0 spans all; clone 1 sits on top of half
     * of clone 0's own 600 cells; clone 2 on top of half of clone 1's own 300. */
    band_at(&d, 0, 0, &lo, &hi);
    assert_near(lo, 0.0, 1e-9);
    assert_near(hi, 1.0, 1e-6);
    band_at(&d, 1, 0, &lo, &hi);
    assert_near(lo, 0.3, 1e-6);
    assert_near(hi, 0.7, 1e-6);
    band_at(&d, 2, 0, &lo, &hi);
    assert_near(lo, 0.45, 1e-6);
    assert_near(hi, 0.55, 1e-6);
    /* t = 10: clone 0 owns 400 + clone 3's 1 of 1001. */
    band_at(&d, 1, 1, &lo, &hi);
    assert_near(lo, 401.0 / 2 / 1001, 1e-5);
    assert_near(hi, 401.0 / 2 / 1001 + 600.0 / 1001, 1e-5);
    band_at(&d, 2, 1, &lo, &hi);
    assert_near(lo, 401.0 / 2 / 1001 + 200.0 / 1001, 1e-5);
    assert_near(hi, 401.0 / 2 / 1001 + 400.0 / 1001, 1e-5);
    yaml_document_delete(&d);
    remove_run();
}

/* Clone 4 arises from clone 3, which stays below the drawn threshold: clone 4 is
 * drawn inside clone 0, its nearest drawn ancestor, and clone 3's cell stays in 0.
 * Founder 5 is too small to draw and has no drawn ancestor: a gap. */
static void
test_muller_skips_undrawn_ancestor(void **state)
{
    (void) state;
    yaml_document_t d;
    double lo, hi;
    make_run();
    char path[128];
    snprintf(path, sizeof(path), "%s/timeseries.csv", dir);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("10,clone_cells:4,300\n", f); /* out of the file's time order: allowed */
    fputs("0,clone_cells:5,1\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/clones.csv", dir);
    f = fopen(path, "a");
    assert_non_null(f);
    fputs("4,3,9.5,mutation:x,300,300,0,300,NA,0,0.05,0.5,600,2\n", f);
    /* a second founder of 1 cell in 1001: never drawn, no drawn ancestor */
    fputs("5,NA,0,founder:tiny,0,0,0,1,5,0,0.05,0.5,600,2\n", f);
    fclose(f);
    write_report(NULL);
    load(&d);
    const yaml_node_t *bands = mw__json_get(&d, block(&d, "muller"), "bands");
    assert_int_equal(count(bands), 4);
    assert_string_equal(str(&d, item(&d, bands, 3), "label"), "clone 4");
    /* t = 0: clone 5's lineage is left as a gap at the top, shares stay of all
     * 1001 cells. */
    band_at(&d, 0, 0, &lo, &hi);
    assert_near(hi, 1000.0 / 1001, 1e-6);
    /* t = 10 of 1301 cells: clone 0 owns 401, clone 1's subtree 600, clone 4 300. */
    band_at(&d, 1, 1, &lo, &hi);
    assert_near(lo, 200.5 / 1301, 1e-5);
    band_at(&d, 3, 1, &lo, &hi);
    assert_near(lo, (200.5 + 600) / 1301, 1e-5);
    assert_near(hi, (200.5 + 900) / 1301, 1e-5);
    yaml_document_delete(&d);
    remove_run();
}

static void
test_colour_and_antigen(void **state)
{
    (void) state;
    yaml_document_t d;
    make_run();
    write_report(NULL);
    load(&d);
    const yaml_node_t *root = yaml_document_get_root_node(&d);
    /* BCMA is targeted and differs between clones once copies count. */
    assert_string_equal(str(&d, mw__json_get(&d, root, "header"), "colour_by"),
                        "BCMA_density x copies/2 (molecules per cell)");
    const yaml_node_t *scale = mw__json_get(&d, block(&d, "muller"), "colour_scale");
    assert_string_equal(str(&d, scale, "min_label"), "0");
    assert_string_equal(str(&d, scale, "max_label"), "600");
    /* Cell-weighted mean of 600 copies/2 per clone, all clones (3 included). */
    const yaml_node_t *s = item(&d, mw__json_get(&d, block(&d, "antigen"), "series"), 0);
    const yaml_node_t *v = mw__json_get(&d, s, "values");
    assert_near(num(&d, item(&d, v, 0)), 450.0, 1e-3);
    assert_near(num(&d, item(&d, v, 1)), (400 * 600.0 + 600 + 400 * 300) / 1001, 1e-3);
    assert_near(num(&d, item(&d, v, 2)), 300.0, 1e-3);
    yaml_document_delete(&d);

    write_report("pdl1");
    load(&d);
    root = yaml_document_get_root_node(&d);
    assert_string_equal(str(&d, mw__json_get(&d, root, "header"), "colour_by"), "pdl1");
    yaml_document_delete(&d);

    char err[512];
    mw_report_options_t o = {"clone_id"};
    assert_int_equal(mw_report_write(dir, &o, err, sizeof(err)), MW_ERR_BAD_PARAM);
    assert_non_null(strstr(err, "'clone_id' is not a trait column"));
    remove_run();
}

static void
test_clinic_overlay(void **state)
{
    (void) state;
    yaml_document_t d;
    make_run();
    write_report(NULL);
    load(&d);
    /* PR confirmed on day 10 and in force to the last output time. */
    const yaml_node_t *spans = mw__json_get(&d, block(&d, "burden"), "spans");
    assert_int_equal(count(spans), 1);
    assert_near(num(&d, mw__json_get(&d, item(&d, spans, 0), "x0")), 10, 1e-9);
    assert_near(num(&d, mw__json_get(&d, item(&d, spans, 0), "x1")), 20, 1e-9);
    /* Observed M-protein: 3 g/dL measured, then not detected (at the floor). */
    const yaml_node_t *pts = mw__json_get(&d, block(&d, "mprotein"), "points");
    assert_int_equal(count(mw__json_get(&d, item(&d, pts, 0), "x")), 1);
    assert_near(num(&d, item(&d, mw__json_get(&d, item(&d, pts, 0), "y"), 0)), 3, 1e-9);
    assert_near(num(&d, item(&d, mw__json_get(&d, item(&d, pts, 1), "x"), 0)), 10, 1e-9);
    /* The summary reads the implicit line's verdicts from events.csv. */
    const yaml_node_t *rows = mw__json_get(&d, block(&d, "summary"), "rows");
    int found = 0;
    for (int i = 0; item(&d, rows, i) != NULL; i++) {
        const char *k = mw__json_scalar(item(&d, item(&d, rows, i), 0));
        const char *v = mw__json_scalar(item(&d, item(&d, rows, i), 1));
        if (strcmp(k, "best response (from the first infusion or dose)") == 0) {
            assert_string_equal(v, "PR");
            found++;
        }
        if (strcmp(k, "progression-free survival") == 0) {
            assert_string_equal(v, "progression on day 15");
            found++;
        }
    }
    assert_int_equal(found, 2);
    /* Not-detected readings sit at the foot of the axis (whole decades around
     * 1..3 g/dL: 1 to 10). */
    const yaml_node_t *yr = mw__json_get(&d, block(&d, "mprotein"), "y_range");
    assert_near(num(&d, item(&d, yr, 0)), 1, 1e-9);
    assert_near(num(&d, item(&d, mw__json_get(&d, item(&d, pts, 1), "y"), 0)), 1, 1e-9);
    /* CAR-T kinetics: the LLOQ line from run.json, inside the axis (the copies
     * alone, 30 to 1000, would give 10 to 1000). */
    const yaml_node_t *h = mw__json_get(&d, block(&d, "cart"), "hlines");
    assert_near(num(&d, mw__json_get(&d, item(&d, h, 0), "y")), 5, 1e-9);
    yr = mw__json_get(&d, block(&d, "cart"), "y_range");
    assert_near(num(&d, item(&d, yr, 0)), 1, 1e-9);
    yaml_document_delete(&d);
    remove_run();
}

/* Rewrite every input of the hand-made run over the previous one's. */
static void
make_run_files_again(void)
{
    remove_run();
    make_run();
}

static void
expect_error(const char *what)
{
    char err[512];
    int r = mw_report_write(dir, NULL, err, sizeof(err));
    if (r == 0 || strstr(err, what) == NULL) {
        fail_msg("expected an error with '%s', got %d: '%s'", what, r, r ? err : "");
    }
}

static void
test_bad_input(void **state)
{
    (void) state;
    char err[512], path[128];
    make_run();
    put("timeseries.csv",
        "t_days,variable,value\n0,tumour_cells,1000\n0,mprotein_g_dl\n");
    assert_int_equal(mw_report_write(dir, NULL, err, sizeof(err)), MW_ERR_IO);
    assert_non_null(strstr(err, "timeseries.csv:3:1: expected 3 columns"));
    put("timeseries.csv", "t_days,variable,value\n0,tumour_cells,1000\n");
    assert_int_equal(mw_report_write(dir, NULL, err, sizeof(err)), MW_ERR_IO);
    assert_non_null(strstr(err, "no tumour_cells or mprotein_g_dl rows"));
    snprintf(path, sizeof(path), "%s/events.csv", dir);
    unlink(path);
    put("timeseries.csv", "t_days,variable,value\n0,tumour_cells,1\n0,mprotein_g_dl,1\n");
    assert_int_equal(mw_report_write(dir, NULL, err, sizeof(err)), MW_ERR_IO);
    assert_non_null(strstr(err, "events.csv: cannot open"));
    /* A file cut short, garbage where numbers belong, a run.json of another kind,
     * times that go backwards. */
    make_run_files_again();
    put("timeseries.csv",
        "t_days,variable,value\n0,tumour_cells,1000\n0,mprotein_g_dl,3");
    expect_error("the last line has no line break");
    make_run_files_again();
    put("clones.csv",
        "clone_id,parent_id,born_day,event,cells_final,cells_bm,cells_em,"
        "peak_cells,extinct_day,switched,birth\nx,NA,0,founder:a,1,1,0,1,NA,0,1\n");
    expect_error("clones.csv:2: clone_id: 'x' is not a clone number");
    make_run_files_again();
    put("run.json", "[1, 2, 3]\n");
    expect_error("scenario.horizon_days: missing or not a positive number");
    make_run_files_again();
    put("events.csv", "t_days,kind,detail\nNA,progression,\n");
    expect_error("events.csv:2:1: t_days: 'NA' is not a number");
    make_run_files_again();
    put("timeseries.csv", "t_days,variable,value\n5,tumour_cells,1\n5,mprotein_g_dl,1\n"
                          "1,tumour_cells,2\n");
    expect_error("tumour_cells goes back in time");
    /* Nothing half-written is left behind. */
    snprintf(path, sizeof(path), "%s/report.html", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    remove_run();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_muller_layout),
        cmocka_unit_test(test_muller_skips_undrawn_ancestor),
        cmocka_unit_test(test_colour_and_antigen),
        cmocka_unit_test(test_clinic_overlay),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
