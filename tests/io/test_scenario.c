/*
 * Scenario files: loading YAML and JSON, defaults, every class of error with its
 * file:line:col and key, --set overrides, cross-field validation, the JSON echo
 * (round trip), the provenance hash and the `marrow params` listing.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "testlib.h"

/* The scenario of the format description, every key given. */
static const char full_yaml[] =
    "name: birth-death                # a comment\n"
    "horizon_days: 50\n"
    "output_every_days: 1\n"
    "tumour:\n"
    "  capacity: 1.0e+12\n"
    "  theta: 1\n"
    "  em_capacity: .inf\n"
    "  em_seeding: 0\n"
    "  il6:\n"
    "    basal: 5\n"
    "    gain: 20\n"
    "    ec50: 10\n"
    "    support_max: 0.5\n"
    "  ras_birth_boost: 0.5\n"
    "  ras_niche_relief: 0.5\n"
    "  stem_birth_factor: 0.8\n"
    "  tp53_mu_mult: 10\n"
    "  founding: explicit\n"
    "  grow_to_cells: 1e11\n"
    "  clones:\n"
    "    - name: founder\n"
    "      cells: 100\n"
    "      em_cells: 0\n"
    "      influx: 0\n"
    "      birth: 0.1\n"
    "      death: 0.11\n"
    "      tp53_loss: true\n"
    "      antigens:\n"
    "        BCMA: {density: 670, spread: 0.6, copies: 2, epitope: 0}\n"
    "        gprc5d: {density: 250}\n"
    "mutation:\n"
    "  rate: 1e-7\n"
    "  catalogue:\n"
    "    - name: bcma_loss\n"
    "      weight: 1\n"
    "      fitness_cost: 0\n"
    "      recurrent: false\n"
    "      edits:\n"
    "        BCMA: copy_loss\n"
    "        BCMA.density: x0.5\n"
    "        pdl1: +0.3\n"
    "        efflux: x4\n"
    "        ras: -0.1\n"
    "        bcl2: 2\n"
    "        CD38: epitope:3\n"
    "        hla_loss: true\n"
    "plasticity:\n"
    "  rate: 0.01\n"
    "  back_rate: 0.02\n"
    "  edits: {GPRC5D.density: x0.01}\n"
    "markers:\n"
    "  mprotein: {per_1e11_cells: 3.0, half_life_days: 21}\n"
    "  flc: {per_1e11_cells: 300, half_life_days: 0.125}\n"
    "  sbcma: {per_1e11_cells: 300, ref_density: 670, half_life_days: 1.0}\n"
    "  ctdna: {per_death: 1.0e-6, half_life_days: 0.08}\n"
    "engine:\n"
    "  mode: exact\n"
    "  step_tolerance: 0.02\n"
    "  max_step_days: 7\n"
    "  marker_step_days: 0.05\n"
    "  exact_cell_limit: 1.0e+8\n"
    "  max_clones: 200000\n"
    "  mean_max_depth: 2\n"
    "  mean_rtol: 1.0e-8\n"
    "  mean_atol: 1.0e-6\n";

static const char minimal_yaml[] = "tumour:\n"
                                   "  clones:\n"
                                   "    - cells: 100\n";

static void
load_ok(mw_scenario_t *s, const char *text)
{
    mw_test_scenario(s, text);
}

/* Load @p text (expecting failure) into @p d. */
static void
load_bad(const char *text, mw_diags_t *d)
{
    mw_scenario_t s;

    mw_diags_clear(d);
    mw_scenario_init_defaults(&s);
    int ret = mw_scenario_load_string(&s, text, "bad.yaml", d);
    if (ret == 0) {
        ret = mw_scenario_validate(&s, d);
    }
    assert_int_equal(ret, MW_ERR_CONFIG);
    assert_true(d->n >= 1);
}

/* Assert that @p d holds an error at line:col for @p key whose message contains
 * @p part. */
static void
expect_in(const mw_diags_t *d, int line, int col, const char *key, const char *part)
{
    for (int i = 0; i < d->n; i++) {
        const mw_diag_t *x = &d->d[i];
        if (x->line == line && x->col == col && strcmp(x->key, key) == 0 &&
            strstr(x->msg, part) != NULL) {
            return;
        }
    }
    mw_diags_print(d, stdout);
    fail_msg("no diagnostic %d:%d '%s' containing \"%s\"", line, col, key, part);
}

static void
expect_error(const char *text, int line, int col, const char *key, const char *part)
{
    mw_diags_t d;

    load_bad(text, &d);
    expect_in(&d, line, col, key, part);
    for (int i = 0; i < d.n; i++) {
        if (d.d[i].line > 0) {
            assert_string_equal(d.d[i].file, "bad.yaml");
        }
    }
}

/* The scenario as JSON text (malloc'd). */
static char *
json_of(const mw_scenario_t *s, int indent)
{
    FILE *f = tmpfile();
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(mw_scenario_write_json(s, f, indent), 0);
    n = ftell(f);
    assert_true(n > 0);
    buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void
test_full_scenario(void **state)
{
    mw_scenario_t s;
    (void) state;

    load_ok(&s, full_yaml);
    assert_string_equal(s.name, "birth-death");
    assert_true(s.horizon_days == 50);
    assert_true(s.tumour.capacity == 1e12);
    assert_true(isinf(s.tumour.em_capacity));
    assert_true(s.tumour.il6_basal == 5 && s.tumour.il6_gain == 20);
    assert_true(s.tumour.il6_ec50 == 10 && s.tumour.il6_support_max == 0.5);
    assert_true(s.tumour.stem_birth_factor == 0.8 && s.tumour.tp53_mu_mult == 10);
    assert_int_equal(s.tumour.founding, MW_FOUND_EXPLICIT);
    assert_true(s.tumour.grow_to_cells == 1e11);
    assert_int_equal(s.tumour.n_clones, 1);

    const mw_clone_spec_t *c = &s.tumour.clones[0];
    assert_string_equal(c->name, "founder");
    assert_true(c->cells == 100 && c->em_cells == 0 && c->influx == 0);
    assert_true(c->traits.birth == 0.1 && c->traits.death == 0.11);
    assert_int_equal(c->traits.tp53_loss, 1);
    assert_true(c->traits.antigen[MW_AG_BCMA].density == 670);
    assert_true(c->traits.antigen[MW_AG_BCMA].spread == 0.6);
    assert_int_equal(c->traits.antigen[MW_AG_BCMA].copies, 2);
    assert_true(c->traits.antigen[MW_AG_GPRC5D].density == 250); /* case-insensitive */
    assert_true(c->traits.antigen[MW_AG_GPRC5D].spread == 0.6);  /* default kept */

    assert_true(s.mutation.rate == 1e-7);
    assert_int_equal(s.mutation.n_entries, 1);
    const mw_mutation_t *m = &s.mutation.catalogue[0];
    assert_string_equal(m->name, "bcma_loss");
    assert_true(m->weight == 1 && m->fitness_cost == 0);
    assert_int_equal(m->recurrent, 0);
    assert_int_equal(m->n_edits, 8);
    assert_int_equal(m->edits[0].trait, MW_TRAIT_ANTIGEN);
    assert_int_equal(m->edits[0].antigen, MW_AG_BCMA);
    assert_int_equal(m->edits[0].field, 0);
    assert_int_equal(m->edits[0].op, MW_EDIT_COPY_LOSS);
    assert_int_equal(m->edits[1].field, 1);
    assert_int_equal(m->edits[1].op, MW_EDIT_MUL);
    assert_true(m->edits[1].value == 0.5);
    assert_string_equal(mw_trait_name(m->edits[2].trait), "pdl1");
    assert_int_equal(m->edits[2].op, MW_EDIT_ADD);
    assert_true(m->edits[2].value == 0.3);
    assert_string_equal(mw_trait_name(m->edits[3].trait), "efflux");
    assert_int_equal(m->edits[3].op, MW_EDIT_MUL);
    assert_true(m->edits[3].value == 4);
    assert_int_equal(m->edits[4].op, MW_EDIT_ADD);
    assert_true(m->edits[4].value == -0.1);
    assert_int_equal(m->edits[5].op, MW_EDIT_SET);
    assert_true(m->edits[5].value == 2);
    assert_int_equal(m->edits[6].antigen, MW_AG_CD38);
    assert_int_equal(m->edits[6].op, MW_EDIT_EPITOPE);
    assert_true(m->edits[6].value == 3);
    assert_int_equal(m->edits[7].op, MW_EDIT_SET);
    assert_true(m->edits[7].value == 1);

    assert_true(s.plasticity.rate == 0.01 && s.plasticity.back_rate == 0.02);
    assert_int_equal(s.plasticity.n_edits, 1);
    assert_int_equal(s.plasticity.edits[0].antigen, MW_AG_GPRC5D);
    assert_int_equal(s.plasticity.edits[0].field, 1);
    assert_true(s.plasticity.edits[0].value == 0.01);

    assert_true(s.markers.mprotein_per_1e11 == 3 && s.markers.mprotein_half_life == 21);
    assert_true(s.markers.flc_per_1e11 == 300 && s.markers.flc_half_life == 0.125);
    assert_true(s.markers.sbcma_per_1e11 == 300 && s.markers.sbcma_ref_density == 670);
    assert_true(s.markers.sbcma_half_life == 1.0);
    assert_true(s.markers.ctdna_per_death == 1e-6 && s.markers.ctdna_half_life == 0.08);
    assert_int_equal(s.engine.mode, MW_MODE_EXACT);
    assert_true(s.engine.exact_cell_limit == 1e8);
    assert_int_equal(s.engine.max_clones, 200000);
    assert_int_equal(s.engine.mean_max_depth, 2);
    assert_true(s.engine.mean_rtol == 1e-8 && s.engine.mean_atol == 1e-6);
}

static void
test_defaults(void **state)
{
    mw_scenario_t s, d;
    (void) state;

    mw_scenario_init_defaults(&d);
    assert_string_equal(d.name, "scenario");
    assert_int_equal(d.tumour.n_clones, 0);
    assert_int_equal(d.mutation.n_entries, 0);
    assert_true(d.horizon_days == 365 && d.output_every_days == 1);
    assert_true(isinf(d.tumour.capacity) && isinf(d.tumour.em_capacity));
    assert_true(d.tumour.theta == 1 && d.tumour.grow_to_cells == 1e11);
    assert_true(d.markers.mprotein_half_life == 21);
    assert_int_equal(d.engine.mode, MW_MODE_HYBRID);
    assert_int_equal(d.engine.max_clones, 200000);

    load_ok(&s, minimal_yaml);
    const mw_clone_spec_t *c = &s.tumour.clones[0];
    assert_string_equal(c->name, "clone0");
    assert_true(c->cells == 100);
    assert_true(c->traits.birth == 0.035);
    assert_true(c->traits.death == 0.030);
    assert_true(c->traits.efflux == 1);
    assert_true(c->traits.antigen[MW_AG_BCMA].density == 670);
    assert_true(c->traits.antigen[MW_AG_CD19].density == 0);
    assert_int_equal(c->traits.antigen[MW_AG_BCMA].copies, 2);
    /* Everything but the clone list equals the defaults. */
    assert_true(s.horizon_days == d.horizon_days);
    assert_memory_equal(&s.engine, &d.engine, sizeof(s.engine));
    assert_memory_equal(&s.markers, &d.markers, sizeof(s.markers));
}

static void
test_json_equivalent(void **state)
{
    static const char yaml[] = "name: twin\n"
                               "tumour:\n"
                               "  capacity: 1e12\n"
                               "  clones:\n"
                               "    - {name: a, cells: 1000, birth: 0.2, crbn_loss: 1}\n"
                               "    - name: b\n"
                               "      em_cells: 10\n"
                               "      antigens: {CD38: {density: 1.5e+4, copies: 1}}\n"
                               "mutation:\n"
                               "  rate: 1e-6\n"
                               "  catalogue:\n"
                               "    - {name: m, recurrent: yes, edits: {pdl1: x2}}\n"
                               "engine: {mode: mean}\n";
    static const char json[] =
        "{\"name\": \"twin\", \"tumour\": {\"capacity\": 1e12, \"clones\": [\n"
        "  {\"name\": \"a\", \"cells\": 1000, \"birth\": 0.2, \"crbn_loss\": true},\n"
        "  {\"name\": \"b\", \"em_cells\": 10,\n"
        "   \"antigens\": {\"CD38\": {\"density\": 15000, \"copies\": 1}}}]},\n"
        " \"mutation\": {\"rate\": 1e-6, \"catalogue\": [\n"
        "  {\"name\": \"m\", \"recurrent\": true, \"edits\": {\"pdl1\": \"x2\"}}]},\n"
        " \"engine\": {\"mode\": \"mean\"}}\n";
    mw_scenario_t a, b;
    mw_diags_t d;
    (void) state;

    load_ok(&a, yaml);
    mw_diags_clear(&d);
    mw_scenario_init_defaults(&b);
    assert_int_equal(mw_scenario_load_string(&b, json, "twin.json", &d), 0);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(a.tumour.clones[0].traits.crbn_loss, 1);
    assert_int_equal(a.tumour.clones[1].traits.antigen[MW_AG_CD38].copies, 1);
}

static void
test_list_replaces(void **state)
{
    mw_scenario_t s;
    mw_diags_t d;
    (void) state;

    load_ok(&s, "tumour:\n  clones: [{cells: 1}, {cells: 2}, {cells: 3}]\n");
    mw_diags_clear(&d);
    assert_int_equal(
        mw_scenario_load_string(&s, "tumour: {clones: [{cells: 9}]}\n", "over.yaml", &d),
        0);
    assert_int_equal(s.tumour.n_clones, 1);
    assert_true(s.tumour.clones[0].cells == 9);
    assert_true(s.tumour.clones[1].cells == 0); /* cleared */
}

static void
test_syntax_error(void **state)
{
    (void) state;
    expect_error("name: x\ntumour:\n  capacity: 1\n   theta: 2\n", 4, 9, "",
                 "mapping values are not allowed");
    expect_error("name: x\ntumour: {capacity: 1\n", 3, 1, "", "did not find expected");
}

static void
test_wrong_type(void **state)
{
    (void) state;
    expect_error("horizon_days: high\n", 1, 15, "horizon_days",
                 "expected a number in (0, 100000], got 'high'");
    expect_error("tumour:\n  capacity: high\n", 2, 13, "tumour.capacity",
                 "expected a number >= 1, got 'high'");
    expect_error("tumour:\n  clones:\n    - cells: {a: 1}\n", 3, 14,
                 "tumour.clones[0].cells", "got a mapping");
    expect_error("tumour:\n  clones:\n    - cells: [1]\n", 3, 14,
                 "tumour.clones[0].cells", "got a list");
    expect_error("tumour: 5\n", 1, 9, "tumour", "expected a mapping, got '5'");
    expect_error("tumour:\n  clones: {cells: 1}\n", 2, 11, "tumour.clones",
                 "expected a list of mappings, got a mapping");
    expect_error("tumour:\n  clones:\n    - 7\n", 3, 7, "tumour.clones[0]",
                 "expected a mapping, got '7'");
    expect_error("tumour:\n  clones:\n    - {cells: 1, tp53_loss: maybe}\n", 3, 29,
                 "tumour.clones[0].tp53_loss", "expected true or false");
    expect_error("tumour:\n  clones:\n    - {cells: 1, birth: }\n", 3, 25,
                 "tumour.clones[0].birth", "got nothing");
}

static void
test_trailing_junk(void **state)
{
    (void) state;
    expect_error("engine:\n  max_clones: 42abc\n", 2, 15, "engine.max_clones",
                 "expected an integer in [1, 100000000], got '42abc'");
    expect_error("engine:\n  max_clones: 2.5\n", 2, 15, "engine.max_clones", "got '2.5'");
    expect_error("mutation:\n  rate: 0x10\n", 2, 9, "mutation.rate", "got '0x10'");
    expect_error("mutation:\n  rate: ' 0.1'\n", 2, 9, "mutation.rate", "got ' 0.1'");
}

static void
test_range(void **state)
{
    (void) state;
    expect_error("mutation:\n  rate: -1e-3\n", 2, 9, "mutation.rate",
                 "-1e-3 is outside [0, 1]");
    expect_error("tumour:\n  clones:\n    - {cells: -5}\n", 3, 15,
                 "tumour.clones[0].cells", "-5 is outside [0, 1e+14]");
    expect_error("tumour:\n  clones:\n    - {cells: 1, death: -0.5}\n", 3, 25,
                 "tumour.clones[0].death", "-0.5 is outside [0, 100]");
    expect_error("horizon_days: 0\n", 1, 15, "horizon_days", "0 is outside (0, 100000]");
    expect_error("engine:\n  mean_max_depth: 7\n", 2, 19, "engine.mean_max_depth",
                 "7 is outside [0, 6]");
}

static void
test_nan_inf(void **state)
{
    mw_scenario_t s;
    (void) state;

    expect_error("tumour:\n  theta: nan\n", 2, 10, "tumour.theta",
                 "expected a number in [0.01, 100], got 'nan'");
    expect_error("tumour:\n  theta: .NaN\n", 2, 10, "tumour.theta", "got '.NaN'");
    expect_error("tumour:\n  em_seeding: .inf\n", 2, 15, "tumour.em_seeding",
                 ".inf is outside [0, 1]");
    expect_error("tumour:\n  capacity: -.inf\n", 2, 13, "tumour.capacity",
                 "-.inf is outside [1, inf]");
    /* inf is accepted where the maximum is inf, in any YAML spelling. */
    load_ok(&s, "tumour:\n  capacity: inf\n  em_capacity: .Inf\n"
                "  clones: [{cells: 1}]\n");
    assert_true(isinf(s.tumour.capacity) && isinf(s.tumour.em_capacity));
    load_ok(&s, "tumour:\n  capacity: \".inf\"\n  clones: [{cells: 1}]\n");
    assert_true(isinf(s.tumour.capacity));
}

static void
test_unknown_key(void **state)
{
    (void) state;
    expect_error("tumour:\n  clones:\n    - cells: 1\n      birht: 0.2\n", 4, 7,
                 "tumour.clones[0].birht", "unknown key 'birht'; did you mean 'birth'?");
    expect_error("horizon_day: 3\n", 1, 1, "horizon_day", "did you mean 'horizon_days'?");
    expect_error("Name: 3\n", 1, 1, "Name", "did you mean 'name'?");
    expect_error("tumor:\n  capacity: 3\n", 1, 1, "tumor", "did you mean 'tumour'?");
    expect_error("zzzzzzz: 1\n", 1, 1, "zzzzzzz", "allowed: name, horizon_days");
    expect_error("markers:\n  mprotein: {per_cell: 3}\n", 2, 14,
                 "markers.mprotein.per_cell", "unknown key 'per_cell'");
    expect_error("tumour:\n  capacity.x: 3\n", 2, 3, "tumour.capacity.x", "unknown key");
}

static void
test_unknown_antigen(void **state)
{
    (void) state;
    expect_error("tumour:\n  clones:\n    - cells: 1\n      antigens:\n"
                 "        BCMX: {density: 3}\n",
                 5, 9, "tumour.clones[0].antigens.BCMX",
                 "unknown antigen 'BCMX'; did you mean 'BCMA'?");
    expect_error("tumour:\n  clones:\n    - cells: 1\n      antigens:\n"
                 "        BCMA: {densty: 3}\n",
                 5, 16, "tumour.clones[0].antigens.BCMA.densty",
                 "did you mean 'density'?");
    expect_error("tumour:\n  clones:\n    - cells: 1\n      antigens:\n"
                 "        BCMA: {copies: 3}\n",
                 5, 24, "tumour.clones[0].antigens.BCMA.copies", "3 is outside [0, 2]");
}

static void
test_bad_edit(void **state)
{
    static const char head[] = "mutation:\n  catalogue:\n    - edits:\n";
    char text[256];
    (void) state;

    snprintf(text, sizeof(text), "%s        BCMA: gone\n", head);
    expect_error(text, 4, 15, "mutation.catalogue[0].edits.BCMA",
                 "expected lost, copy_loss, expressed or epitope:<0..1000>, got 'gone'");
    snprintf(text, sizeof(text), "%s        pdl1: xx\n", head);
    expect_error(text, 4, 15, "mutation.catalogue[0].edits.pdl1", "x<factor>");
    snprintf(text, sizeof(text), "%s        pdl1: 2\n", head);
    expect_error(text, 4, 15, "mutation.catalogue[0].edits.pdl1", "2 is outside [0, 1]");
    snprintf(text, sizeof(text), "%s        pdll1: x2\n", head);
    expect_error(text, 4, 9, "mutation.catalogue[0].edits.pdll1", "did you mean 'pdl1'?");
    snprintf(text, sizeof(text), "%s        tp53_loss: x2\n", head);
    expect_error(text, 4, 20, "mutation.catalogue[0].edits.tp53_loss", "true or false");
    snprintf(text, sizeof(text), "%s        BCMA.size: x2\n", head);
    expect_error(text, 4, 9, "mutation.catalogue[0].edits.BCMA.size",
                 "unknown edit target");
    snprintf(text, sizeof(text), "%s        BCMA: epitope:x\n", head);
    expect_error(text, 4, 15, "mutation.catalogue[0].edits.BCMA", "got 'x'");
    snprintf(text, sizeof(text), "%s        pdl1: x2\n        pdl1: x3\n", head);
    expect_error(text, 5, 9, "mutation.catalogue[0].edits.pdl1", "duplicate key");
}

static void
test_too_many(void **state)
{
    static char text[16384];
    size_t used;
    (void) state;

    used = (size_t) snprintf(text, sizeof(text), "tumour:\n  clones:\n");
    for (int i = 0; i < MW_MAX_CLONE_SPECS + 2; i++) {
        used += (size_t) snprintf(text + used, sizeof(text) - used, "    - cells: 1\n");
    }
    char want[64];
    snprintf(want, sizeof(want), "%d entries given; at most %d allowed",
             MW_MAX_CLONE_SPECS + 2, MW_MAX_CLONE_SPECS);
    expect_error(text, 3 + MW_MAX_CLONE_SPECS, 7, "tumour.clones", want);

    used = (size_t) snprintf(text, sizeof(text), "plasticity:\n  edits:\n");
    for (int i = 0; i < MW_MAX_EDITS + 1; i++) {
        used += (size_t) snprintf(text + used, sizeof(text) - used, "    %s: 1\n",
                                  mw_trait_name(i % mw_n_traits()));
    }
    expect_error(text, 3 + MW_MAX_EDITS, 5, "plasticity.edits", "at most 12 edits");
}

static void
test_bad_enum(void **state)
{
    (void) state;
    expect_error("engine:\n  mode: fast\n", 2, 9, "engine.mode",
                 "expected one of hybrid, exact, mean, got 'fast'");
    expect_error("tumour:\n  founding: seeded\n", 2, 13, "tumour.founding",
                 "expected one of explicit, grow");
}

static void
test_duplicate_and_names(void **state)
{
    char text[256];
    (void) state;

    expect_error("name: a\nhorizon_days: 3\nname: b\n", 3, 1, "name",
                 "duplicate key 'name' (first given on line 1)");
    snprintf(text, sizeof(text), "name: %0*d\n", MW_NAME_MAX, 0);
    expect_error(text, 1, 7, "name", "64 characters long; at most 63 allowed");
    expect_error("name: ''\n", 1, 7, "name", "got nothing");
}

static void
test_multiple_errors(void **state)
{
    static const char text[] = "horizon_days: high\n"
                               "tumour:\n"
                               "  clones:\n"
                               "    - birht: 0.2\n"
                               "      death: -1\n"
                               "engine:\n"
                               "  mode: fast\n";
    mw_diags_t d;
    (void) state;

    load_bad(text, &d);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.n_total, 4);
    expect_in(&d, 1, 15, "horizon_days", "got 'high'");
    expect_in(&d, 4, 7, "tumour.clones[0].birht", "did you mean 'birth'?");
    expect_in(&d, 5, 14, "tumour.clones[0].death", "outside [0, 100]");
    expect_in(&d, 7, 9, "engine.mode", "got 'fast'");
    /* File order. */
    for (int i = 1; i < d.n; i++) {
        assert_true(d.d[i].line > d.d[i - 1].line);
    }
}

static void
test_empty_and_top_level(void **state)
{
    mw_diags_t d;
    (void) state;

    load_bad("", &d);
    expect_in(&d, 0, 0, "", "empty scenario: expected a mapping");
    load_bad("# only a comment\n", &d);
    expect_in(&d, 0, 0, "", "empty scenario");
    expect_error("- 1\n- 2\n", 1, 1, "", "expected a mapping of keys at the top level");
    expect_error("name: a\n---\nname: b\n", 3, 1, "", "only one YAML document");
}

static void
test_files(void **state)
{
    char path[] = "/tmp/marrow_test_scenario_XXXXXX";
    mw_scenario_t s;
    mw_diags_t d;
    int fd;
    FILE *f;
    (void) state;

    mw_diags_clear(&d);
    mw_scenario_init_defaults(&s);
    assert_int_equal(mw_scenario_load(&s, "/nonexistent/x.yaml", &d), MW_ERR_CONFIG);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.d[0].file, "/nonexistent/x.yaml");
    assert_non_null(strstr(d.d[0].msg, "cannot open: No such file or directory"));

    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("tumour:\n  clones:\n    - cells: 5\n      birth: fast\n", f);
    fclose(f);
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_load(&s, path, &d), MW_ERR_CONFIG);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.d[0].file, path);
    assert_int_equal(d.d[0].line, 4);
    assert_int_equal(d.d[0].col, 14);

    f = fopen(path, "w");
    assert_non_null(f);
    fputs(full_yaml, f);
    fclose(f);
    mw_diags_clear(&d);
    mw_scenario_init_defaults(&s);
    assert_int_equal(mw_scenario_load(&s, path, &d), 0);
    assert_string_equal(s.name, "birth-death");
    unlink(path);
}

static void
test_validate(void **state)
{
    mw_diags_t d;
    (void) state;

    load_bad("name: no-clones\n", &d);
    expect_in(&d, 0, 0, "tumour.clones", "at least one clone is required");
    load_bad("tumour:\n  clones: [{birth: 0.1}]\n", &d);
    expect_in(&d, 0, 0, "tumour.clones", "the tumour is empty");
    load_bad("tumour:\n  clones: [{cells: 1}]\nmutation:\n  rate: 1e-6\n", &d);
    expect_in(&d, 0, 0, "mutation.catalogue", "rate > 0 needs at least one entry");
    load_bad("tumour:\n  capacity: 100\n  clones: [{cells: 600}, {cells: 600}]\n", &d);
    expect_in(&d, 0, 0, "tumour.clones", "exceeds 10x capacity");
    load_bad("tumour:\n  founding: grow\n  grow_to_cells: 1\n  clones: [{birth: 0.1}]\n",
             &d);
    expect_in(&d, 0, 0, "tumour.grow_to_cells", "grow_to_cells >= 2");

    /* A grown tumour needs no initial cells. */
    mw_scenario_t s;
    load_ok(&s, "tumour:\n  founding: grow\n  clones: [{birth: 0.1}]\n");
    assert_int_equal(s.tumour.founding, MW_FOUND_GROW);

    /* Structs filled by hand are range-checked too. */
    s.tumour.clones[0].traits.death = NAN;
    s.engine.mean_max_depth = 9;
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_validate(&s, &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "tumour.clones[0].death", "outside [0, 100]");
    expect_in(&d, 0, 0, "engine.mean_max_depth", "9 is outside [0, 6]");
}

/* Apply one --set and return its status. */
static int
set1(mw_scenario_t *s, const char *assignment, mw_diags_t *d)
{
    mw_diags_clear(d);
    return mw_scenario_set(s, assignment, d);
}

static void
test_set(void **state)
{
    mw_scenario_t s;
    mw_diags_t d;
    (void) state;

    load_ok(&s, full_yaml);
    assert_int_equal(set1(&s, "horizon_days=100", &d), 0);
    assert_true(s.horizon_days == 100);
    assert_int_equal(set1(&s, "tumour.clones[0].birth=0.2", &d), 0);
    assert_true(s.tumour.clones[0].traits.birth == 0.2);
    assert_int_equal(set1(&s, "tumour.clones[0].crbn_loss = yes", &d), 0);
    assert_int_equal(s.tumour.clones[0].traits.crbn_loss, 1);
    assert_int_equal(set1(&s, "tumour.clones[0].antigens.BCMA.density=300", &d), 0);
    assert_true(s.tumour.clones[0].traits.antigen[MW_AG_BCMA].density == 300);
    assert_int_equal(set1(&s, "tumour.clones[0].antigens.cd38.copies=1", &d), 0);
    assert_int_equal(s.tumour.clones[0].traits.antigen[MW_AG_CD38].copies, 1);
    assert_int_equal(set1(&s, "markers.mprotein.half_life_days=20", &d), 0);
    assert_true(s.markers.mprotein_half_life == 20);
    assert_int_equal(set1(&s, "engine.mode=mean", &d), 0);
    assert_int_equal(s.engine.mode, MW_MODE_MEAN);
    assert_int_equal(set1(&s, "tumour.capacity=inf", &d), 0);
    assert_true(isinf(s.tumour.capacity));
    assert_int_equal(set1(&s, "name=other", &d), 0);
    assert_string_equal(s.name, "other");

    /* Appending: index == count adds an element with defaults. */
    assert_int_equal(set1(&s, "mutation.catalogue[1].weight=3", &d), 0);
    assert_int_equal(s.mutation.n_entries, 2);
    assert_string_equal(s.mutation.catalogue[1].name, "mut1");
    assert_true(s.mutation.catalogue[1].weight == 3);
    assert_int_equal(s.mutation.catalogue[1].n_edits, 0);
    assert_int_equal(set1(&s, "tumour.clones[1].cells=5", &d), 0);
    assert_int_equal(s.tumour.n_clones, 2);
    assert_true(s.tumour.clones[1].traits.death == 0.030);
    assert_int_equal(set1(&s, "tumour.clones[3].cells=5", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "tumour.clones[3].cells", "index 3 is out of range");
    assert_int_equal(s.tumour.n_clones, 2);
    /* A failed append adds nothing. */
    assert_int_equal(set1(&s, "tumour.clones[2].cells=-5", &d), MW_ERR_CONFIG);
    assert_int_equal(s.tumour.n_clones, 2);

    /* Edits: replace in place, or append. */
    assert_int_equal(set1(&s, "mutation.catalogue[0].edits.pdl1=+0.2", &d), 0);
    assert_int_equal(s.mutation.catalogue[0].n_edits, 8);
    assert_int_equal(s.mutation.catalogue[0].edits[2].op, MW_EDIT_ADD);
    assert_true(s.mutation.catalogue[0].edits[2].value == 0.2);
    assert_int_equal(set1(&s, "mutation.catalogue[0].edits.BCMA=lost", &d), 0);
    assert_int_equal(s.mutation.catalogue[0].edits[0].op, MW_EDIT_LOST);
    assert_int_equal(set1(&s, "mutation.catalogue[0].edits.tgfb=x3", &d), 0);
    assert_int_equal(s.mutation.catalogue[0].n_edits, 9);
    assert_int_equal(set1(&s, "plasticity.edits.GPRC5D.density=*0.1", &d), 0);
    assert_int_equal(s.plasticity.n_edits, 1);
    assert_true(s.plasticity.edits[0].value == 0.1);

    /* Errors: file "--set", no line, same messages as in files. */
    assert_int_equal(set1(&s, "tumour.clones[0].birht=0.2", &d), MW_ERR_CONFIG);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.d[0].file, "--set");
    assert_int_equal(d.d[0].line, 0);
    expect_in(&d, 0, 0, "tumour.clones[0].birht", "did you mean 'birth'?");
    assert_int_equal(set1(&s, "horizon_dayz=3", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "horizon_dayz", "did you mean 'horizon_days'?");
    assert_int_equal(set1(&s, "horizon_days=high", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "horizon_days", "got 'high'");
    assert_true(s.horizon_days == 100);
    assert_int_equal(set1(&s, "mutation.rate=-1", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "mutation.rate", "-1 is outside [0, 1]");
    assert_int_equal(set1(&s, "engine.mode=fast", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "engine.mode", "expected one of hybrid, exact, mean");
    assert_int_equal(set1(&s, "mutation.catalogue[0].edits.pdl1=abc", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "mutation.catalogue[0].edits.pdl1", "got 'abc'");
    assert_int_equal(set1(&s, "tumour.clones[0].antigens.BCMX.density=1", &d),
                     MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "tumour.clones[0].antigens.BCMX.density", "did you mean 'BCMA'?");
    assert_int_equal(set1(&s, "tumour=3", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "tumour", "is a section");
    assert_int_equal(set1(&s, "tumour.clones.birth=3", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "tumour.clones.birth", "is a list");
    assert_int_equal(set1(&s, "no-equals-sign", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "", "expected key=value");
}

static void
test_json_round_trip(void **state)
{
    mw_scenario_t s, t;
    mw_diags_t d;
    (void) state;

    load_ok(&s, full_yaml);
    for (int indent = 0; indent <= 2; indent += 2) {
        char *a = json_of(&s, indent), *b;
        mw_diags_clear(&d);
        mw_scenario_init_defaults(&t);
        if (mw_scenario_load_string(&t, a, "echo.json", &d) != 0) {
            mw_diags_print(&d, stdout);
            fail_msg("the JSON echo does not load");
        }
        assert_memory_equal(&s, &t, sizeof(s));
        b = json_of(&t, indent);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }

    /* Values that print long still read back exactly; inf is written as ".inf". */
    s.horizon_days = 0.1 + 0.2;
    s.tumour.clones[0].traits.birth = 1.0 / 3.0;
    s.tumour.capacity = INFINITY;
    char *a = json_of(&s, 2);
    assert_non_null(strstr(a, "\"capacity\": \".inf\""));
    assert_non_null(strstr(a, "\"BCMA.density\": \"x0.5\""));
    assert_non_null(strstr(a, "\"pdl1\": \"+0.3\""));
    assert_non_null(strstr(a, "\"ras\": \"-0.1\""));
    assert_non_null(strstr(a, "\"BCMA\": \"copy_loss\""));
    assert_non_null(strstr(a, "\"CD38\": \"epitope:3\""));
    assert_non_null(strstr(a, "\"hla_loss\": true"));
    mw_diags_clear(&d);
    mw_scenario_init_defaults(&t);
    assert_int_equal(mw_scenario_load_string(&t, a, "echo.json", &d), 0);
    assert_memory_equal(&s, &t, sizeof(s));
    free(a);
}

static void
test_hash(void **state)
{
    mw_scenario_t s, t;
    uint64_t h;
    (void) state;

    load_ok(&s, full_yaml);
    load_ok(&t, full_yaml);
    h = mw_scenario_hash(&s);
    assert_true(h == mw_scenario_hash(&s));
    assert_true(h == mw_scenario_hash(&t));
    t.tumour.clones[0].traits.birth = 0.1000001;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.engine.mode = MW_MODE_MEAN;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.mutation.catalogue[0].edits[3].value = 5;
    assert_true(h != mw_scenario_hash(&t));
}

static char *
params_text(int markdown)
{
    FILE *f = tmpfile();
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(mw_params_write(f, markdown), 0);
    n = ftell(f);
    buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void
test_params(void **state)
{
    char *plain = params_text(0), *md = params_text(1);
    (void) state;

    assert_non_null(strstr(plain, "tumour.clones[].birth"));
    assert_non_null(strstr(plain, "1/day"));
    assert_non_null(strstr(plain, "Ucci 1987"));
    assert_non_null(strstr(plain, "tumour.clones[].antigens.BCMA.density"));
    assert_non_null(strstr(plain, "markers.mprotein.half_life_days"));
    assert_non_null(strstr(plain, "engine.mode"));
    assert_null(strstr(plain, "<trait>"));

    assert_true(
        strncmp(md, "| key | type | unit | default | range | source | doc |\n", 54) == 0);
    assert_non_null(strstr(md, "\n|---|---|---|---|---|---|---|\n"));
    assert_non_null(strstr(md, "| `tumour.clones[].birth` | double | 1/day | 0.035 |"));
    /* Every line of the table has the same number of unescaped cells (the table
     * ends at the first empty line; the drug and regimen libraries follow). */
    for (char *line = md; *line != '\0' && *line != '\n';) {
        char *end = strchr(line, '\n');
        int bars = 0;
        assert_non_null(end);
        for (char *c = line; c < end; c++) {
            bars += *c == '|' && (c == line || c[-1] != '\\');
        }
        assert_int_equal(bars, 8);
        line = end + 1;
    }
    free(plain);
    free(md);
}

/* The immune sections of the format description: products and engagers are top-level
 * lists (sc.immune.products, sc.immune.engagers). */
static const char immune_yaml[] = "tumour:\n"
                                  "  clones:\n"
                                  "    - cells: 1e9\n"
                                  "immune:\n"
                                  "  ld_depth: 0.9\n"
                                  "  costim_41bb: {expansion_max: 1.05}\n"
                                  "products:\n"
                                  "  - name: ide-cel\n"
                                  "    dose_cells: 4.5e8\n"
                                  "    targets:\n"
                                  "      - {antigen: BCMA, d50: 200, hill: 2}\n"
                                  "    costim: 4-1BB\n"
                                  "  - name: dual\n"
                                  "    logic: or\n"
                                  "    costim: CD28\n"
                                  "    armor: il18\n"
                                  "    pd1_ko: true\n"
                                  "    targets:\n"
                                  "      - {antigen: BCMA}\n"
                                  "      - {antigen: GPRC5D, epitope: 2, d50: 500}\n"
                                  "engagers:\n"
                                  "  - name: tec\n"
                                  "    target: {antigen: BCMA, d50: 100}\n"
                                  "    step_up: [{mg_kg: 0.06}, {mg_kg: 0.3}]\n"
                                  "toxicity:\n"
                                  "  crs: {grade1: 20, grade2: 80}\n"
                                  "  toci_at_grade: 2\n";

static void
test_immune_defaults(void **state)
{
    mw_scenario_t d;
    (void) state;

    mw_scenario_init_defaults(&d);
    assert_true(d.immune.kill_max == 1.15);
    assert_true(d.immune.antigen_half_sat == 1e10);
    assert_true(d.immune.effector_half_sat == 1.0e10);
    assert_true(d.immune.costim_41bb.expansion_max == 1.05);
    assert_true(d.immune.costim_41bb.memory_death == 0.0032);
    assert_true(d.immune.costim_cd28.expansion_max == 1.4);
    assert_true(d.immune.costim_cd28.d50_factor == 0.5);
    assert_true(d.immune.ld_day == -3 && d.immune.ld_depth == 0);
    assert_true(d.immune.nk_cells == 1e10 && d.immune.imid_boost == 1);
    assert_int_equal(d.immune.n_products, 0);
    assert_int_equal(d.immune.n_engagers, 0);
    assert_true(d.toxicity.il6_per_kill == 20 && d.toxicity.armor_factor == 1.5);
    assert_true(d.toxicity.crs[0] == 20 && d.toxicity.crs[1] == 80);
    assert_true(d.toxicity.crs[4] == 5000);
    assert_true(d.toxicity.icans[0] == 500 && d.toxicity.icans[4] == 20000);
    assert_int_equal(d.toxicity.toci_at_grade, 2);
    assert_int_equal(d.toxicity.steroid_at_grade, 3);
    assert_true(d.toxicity.steroid_days == 7);
}

static void
test_immune_load(void **state)
{
    mw_scenario_t s;
    (void) state;

    load_ok(&s, immune_yaml);
    assert_true(s.immune.ld_depth == 0.9);
    assert_true(s.immune.kill_max == 1.15); /* default kept */
    assert_int_equal(s.immune.n_products, 2);

    const mw_product_t *a = &s.immune.products[0];
    assert_string_equal(a->name, "ide-cel");
    assert_true(a->dose_cells == 4.5e8);
    assert_int_equal(a->n_targets, 1);
    assert_int_equal(a->targets[0].antigen, MW_AG_BCMA);
    assert_true(a->targets[0].d50 == 200 && a->targets[0].hill == 2);
    assert_int_equal(a->logic, MW_LOGIC_SINGLE);
    assert_int_equal(a->costim, MW_COSTIM_41BB);
    assert_true(isinf(a->switch_day));
    assert_true(a->memory_fraction == 0.3);

    const mw_product_t *b = &s.immune.products[1];
    assert_string_equal(b->name, "dual");
    assert_int_equal(b->logic, MW_LOGIC_OR);
    assert_int_equal(b->costim, MW_COSTIM_CD28);
    assert_int_equal(b->armor, MW_ARMOR_IL18);
    assert_int_equal(b->pd1_ko, 1);
    assert_int_equal(b->tgfbr_dn, 0);
    assert_int_equal(b->n_targets, 2);
    assert_int_equal(b->targets[0].antigen, MW_AG_BCMA);
    assert_true(b->targets[0].d50 == 200); /* element default */
    assert_int_equal(b->targets[1].antigen, MW_AG_GPRC5D);
    assert_int_equal(b->targets[1].epitope, 2);
    assert_true(b->targets[1].d50 == 500);
    assert_true(b->dose_cells == 4.5e8);

    assert_int_equal(s.immune.n_engagers, 1);
    const mw_engager_t *e = &s.immune.engagers[0];
    assert_string_equal(e->name, "tec");
    assert_int_equal(e->target.antigen, MW_AG_BCMA);
    assert_true(e->target.d50 == 100 && e->target.hill == 2);
    assert_int_equal(e->n_step_up, 2);
    assert_true(e->step_up[0].mg_kg == 0.06 && e->step_up[1].mg_kg == 0.3);
    assert_true(e->step_up[2].mg_kg == 0);
    assert_true(e->dose_mg_kg == 1.5 && e->every_days == 7 && isinf(e->stop_day));
    assert_true(e->half_life_days == 7.56);

    assert_true(s.toxicity.crs[0] == 20 && s.toxicity.crs[1] == 80);
    assert_int_equal(s.toxicity.toci_at_grade, 2);

    /* Element defaults without a name: the index is appended. */
    load_ok(&s, "tumour: {clones: [{cells: 1}]}\n"
                "products: [{targets: [{antigen: CD19}]}, {targets: [{antigen: CD38}]}]\n"
                "engagers: [{target: {antigen: GPRC5D}}]\n");
    assert_string_equal(s.immune.products[1].name, "product1");
    assert_int_equal(s.immune.products[0].targets[0].antigen, MW_AG_CD19);
    assert_int_equal(s.immune.products[1].targets[0].antigen, MW_AG_CD38);
    assert_string_equal(s.immune.engagers[0].name, "engager0");
    assert_int_equal(s.immune.engagers[0].target.antigen, MW_AG_GPRC5D);
    assert_true(s.immune.engagers[0].target.d50 == 100);
    assert_int_equal(s.immune.engagers[0].n_step_up, 0);
}

static void
test_immune_errors(void **state)
{
    char want[64];
    (void) state;

    expect_error("products:\n  - targets:\n      - {antigen: BCMZ}\n", 3, 19,
                 "products[0].targets[0].antigen",
                 "expected one of BCMA, GPRC5D, FcRH5, SLAMF7, CD38, CD19, got 'BCMZ'");
    expect_error("products:\n  - targets:\n      - {antigen: BCMA, hil: 2}\n", 3, 25,
                 "products[0].targets[0].hil", "unknown key 'hil'; did you mean 'hill'?");
    expect_error("products:\n  - targets: [{antigen: BCMA}]\n    costm: CD28\n", 3, 5,
                 "products[0].costm", "did you mean 'costim'?");
    expect_error("products:\n  - costim: CD29\n", 2, 13, "products[0].costim",
                 "expected one of 4-1BB, CD28, both, got 'CD29'");
    expect_error("engagers:\n  - target: {antigen: BCMA, d5: 3}\n", 2, 29,
                 "engagers[0].target.d5", "did you mean 'd50'?");
    expect_error("engagers:\n  - step_up: [{mg_kg: -1}]\n", 2, 23,
                 "engagers[0].step_up[0].mg_kg", "-1 is outside [0, 100]");
    expect_error("engagers:\n  - step_up: {mg_kg: 1}\n", 2, 14, "engagers[0].step_up",
                 "expected a list of mappings, got a mapping");
    expect_error("immune:\n  ld_depth: 1\n", 2, 13, "immune.ld_depth",
                 "1 is outside [0, 1)");
    expect_error("immune:\n  ld_depth: x\n", 2, 13, "immune.ld_depth",
                 "expected a number in [0, 1), got 'x'");
    expect_error("immune:\n  costim_41bb: {memory_deth: 1}\n", 2, 17,
                 "immune.costim_41bb.memory_deth", "did you mean 'memory_death'?");
    expect_error("toxicity:\n  crs: {grade6: 1}\n", 2, 9, "toxicity.crs.grade6",
                 "unknown key 'grade6'");
    expect_error("toxicity:\n  toci_at_grade: 6\n", 2, 18, "toxicity.toci_at_grade",
                 "6 is outside [0, 5]");
    snprintf(want, sizeof(want), "%d entries given; at most %d allowed",
             MW_MAX_TARGETS + 1, MW_MAX_TARGETS);
    expect_error("products:\n  - targets: [{d50: 1}, {d50: 2}, {d50: 3}, {d50: 4}]\n", 2,
                 45, "products[0].targets", want);
}

static void
test_immune_validate(void **state)
{
    static const char clone[] = "tumour: {clones: [{cells: 1}]}\n";
    char text[512];
    mw_scenario_t s;
    mw_diags_t d;
    (void) state;

    snprintf(text, sizeof(text),
             "%sproducts:\n  - targets: [{antigen: BCMA}, "
             "{antigen: GPRC5D}]\n",
             clone);
    load_bad(text, &d);
    expect_in(&d, 0, 0, "products[0].targets",
              "logic single takes one target; use or / and for several");
    snprintf(text, sizeof(text),
             "%sproducts:\n  - {name: x}\n  - {logic: and, "
             "targets: [{antigen: CD38}]}\n",
             clone);
    load_bad(text, &d);
    expect_in(&d, 0, 0, "products[0].targets", "at least one target");
    expect_in(&d, 0, 0, "products[1].targets", "logic and needs at least two targets");
    snprintf(text, sizeof(text), "%stoxicity:\n  crs: {grade2: 10}\n", clone);
    load_bad(text, &d);
    expect_in(&d, 0, 0, "toxicity.crs",
              "thresholds must rise strictly from grade1 to grade5; grade2 = 10 is not "
              "above grade1 = 20");
    snprintf(text, sizeof(text), "%stoxicity:\n  icans: {grade5: 6000}\n", clone);
    load_bad(text, &d);
    expect_in(&d, 0, 0, "toxicity.icans", "grade5 = 6000 is not above grade4 = 6000");

    /* Structs filled by hand: nested lists are range-checked too. */
    load_ok(&s, immune_yaml);
    s.immune.products[1].targets[1].antigen = 99;
    s.immune.engagers[0].step_up[1].mg_kg = -2;
    s.immune.ld_depth = 1;
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_validate(&s, &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "products[1].targets[1].antigen", "99 is not a valid choice");
    expect_in(&d, 0, 0, "engagers[0].step_up[1].mg_kg", "-2 is outside [0, 100]");
    expect_in(&d, 0, 0, "immune.ld_depth", "1 is outside [0, 1)");
    load_ok(&s, immune_yaml);
    s.immune.products[0].n_targets = MW_MAX_TARGETS + 1;
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_validate(&s, &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "products[0].targets", "4 entries; expected 0 to 3");
}

static void
test_immune_set(void **state)
{
    mw_scenario_t s;
    mw_diags_t d;
    (void) state;

    load_ok(&s, minimal_yaml);
    /* Two appends in one key: a product, then its first target. */
    assert_int_equal(set1(&s, "products[0].targets[0].antigen=BCMA", &d), 0);
    assert_int_equal(s.immune.n_products, 1);
    assert_string_equal(s.immune.products[0].name, "product0");
    assert_int_equal(s.immune.products[0].n_targets, 1);
    assert_true(s.immune.products[0].targets[0].d50 == 200);
    /* A nested append goes into product 0, not into the product list. */
    assert_int_equal(set1(&s, "products[0].targets[1].antigen=GPRC5D", &d), 0);
    assert_int_equal(s.immune.n_products, 1);
    assert_int_equal(s.immune.products[0].n_targets, 2);
    assert_int_equal(s.immune.products[0].targets[1].antigen, MW_AG_GPRC5D);
    assert_true(s.immune.products[0].targets[1].hill == 2);
    assert_int_equal(s.immune.products[1].n_targets, 0);
    assert_int_equal(set1(&s, "products[0].logic=or", &d), 0);
    assert_int_equal(s.immune.products[0].logic, MW_LOGIC_OR);
    assert_int_equal(set1(&s, "products[0].targets[1].d50=350", &d), 0);
    assert_true(s.immune.products[0].targets[1].d50 == 350);
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_validate(&s, &d), 0);

    /* Out-of-range nested indices name the concrete list. */
    assert_int_equal(set1(&s, "products[0].targets[3].d50=5", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "products[0].targets[3].d50",
              "index 3 is out of range: products[0].targets has 2 entries (index 2 "
              "appends one; at most 3)");
    assert_int_equal(set1(&s, "products[0].targets[7].d50=5", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "products[0].targets[7].d50", "at most 3");
    assert_int_equal(set1(&s, "products[2].targets[0].d50=5", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "products[2].targets[0].d50",
              "index 2 is out of range: products has 1 entries");
    assert_int_equal(s.immune.products[0].n_targets, 2);
    /* A failed nested append adds nothing at either level. */
    assert_int_equal(set1(&s, "products[1].targets[0].d50=-1", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "products[1].targets[0].d50", "-1 is outside (0, 1e+07]");
    assert_int_equal(s.immune.n_products, 1);
    assert_int_equal(s.immune.products[1].n_targets, 0);
    assert_int_equal(set1(&s, "products[1].targets[0].d50=50", &d), 0);
    assert_int_equal(s.immune.n_products, 2);
    assert_string_equal(s.immune.products[1].name, "product1");
    assert_int_equal(s.immune.products[1].n_targets, 1);
    assert_true(s.immune.products[1].targets[0].d50 == 50);
    assert_int_equal(s.immune.products[0].n_targets, 2);

    /* A group inside a list element, and a list below it. */
    assert_int_equal(set1(&s, "engagers[0].target.d50=50", &d), 0);
    assert_int_equal(s.immune.n_engagers, 1);
    assert_string_equal(s.immune.engagers[0].name, "engager0");
    assert_true(s.immune.engagers[0].target.d50 == 50);
    assert_true(s.immune.engagers[0].target.hill == 2);
    assert_int_equal(set1(&s, "engagers[0].step_up[0].mg_kg=0.06", &d), 0);
    assert_int_equal(set1(&s, "engagers[0].step_up[1].mg_kg=0.3", &d), 0);
    assert_int_equal(s.immune.engagers[0].n_step_up, 2);
    assert_true(s.immune.engagers[0].step_up[1].mg_kg == 0.3);
    assert_int_equal(set1(&s, "engagers[0].target.antigen=GPRC5D", &d), 0);
    assert_int_equal(s.immune.engagers[0].target.antigen, MW_AG_GPRC5D);

    /* Groups of the immune and toxicity sections. */
    assert_int_equal(set1(&s, "immune.costim_cd28.d50_factor=0.7", &d), 0);
    assert_true(s.immune.costim_cd28.d50_factor == 0.7);
    assert_int_equal(set1(&s, "toxicity.crs.grade3=400", &d), 0);
    assert_true(s.toxicity.crs[2] == 400);
    assert_int_equal(set1(&s, "immune.ld_depth=0.99", &d), 0);
    assert_int_equal(set1(&s, "immune.ld_depth=1", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "immune.ld_depth", "1 is outside [0, 1)");
    assert_true(s.immune.ld_depth == 0.99);

    /* Errors. */
    assert_int_equal(set1(&s, "products[0].targets[0].antigen=CD99", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "products[0].targets[0].antigen",
              "expected one of BCMA, GPRC5D, FcRH5, SLAMF7, CD38, CD19, got 'CD99'");
    assert_int_equal(set1(&s, "products[0].targets[0].d5=1", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "products[0].targets[0].d5", "did you mean 'd50'?");
    assert_int_equal(set1(&s, "engagers[0].target=3", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "engagers[0].target",
              "'engagers[0].target' is a section; give a full key such as "
              "engagers[0].target.antigen");
    assert_int_equal(set1(&s, "products[0].targets=3", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "products[0].targets",
              "'products[0].targets' is a list; give a full key such as "
              "products[0].targets[0].antigen");
    assert_int_equal(set1(&s, "products[0].logic[0].x=3", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "products[0].logic[0].x", "'logic' is not a list");

    /* The antigen words are the names of mw_antigen_name(), in the same order. */
    for (int a = 0; a < MW_N_ANTIGENS; a++) {
        char buf[80];
        snprintf(buf, sizeof(buf), "products[0].targets[0].antigen=%s",
                 mw_antigen_name(a));
        assert_int_equal(set1(&s, buf, &d), 0);
        assert_int_equal(s.immune.products[0].targets[0].antigen, a);
    }
}

static void
test_immune_round_trip(void **state)
{
    mw_scenario_t s, t;
    mw_diags_t d;
    uint64_t h;
    (void) state;

    load_ok(&s, immune_yaml);
    assert_int_equal(set1(&s, "products[1].switch_day=30", &d), 0);
    char *a = json_of(&s, 2);
    assert_non_null(strstr(a, "\"products\": ["));
    assert_non_null(strstr(a, "\"costim\": \"CD28\""));
    assert_non_null(strstr(a, "\"antigen\": \"GPRC5D\""));
    assert_non_null(strstr(a, "\"step_up\": ["));
    assert_non_null(strstr(a, "\"ld_depth\": 0.9"));
    mw_diags_clear(&d);
    mw_scenario_init_defaults(&t);
    if (mw_scenario_load_string(&t, a, "echo.json", &d) != 0) {
        mw_diags_print(&d, stdout);
        fail_msg("the JSON echo does not load");
    }
    assert_memory_equal(&s, &t, sizeof(s));
    h = mw_scenario_hash(&s);
    assert_true(h == mw_scenario_hash(&t));
    free(a);

    /* Every nested field feeds the hash. */
    t = s;
    t.immune.products[1].targets[1].d50 = 501;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.immune.engagers[0].step_up[1].mg_kg = 0.31;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.immune.engagers[0].target.hill = 3;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.toxicity.icans[2] = 3001;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.immune.costim_41bb.memory_rate = 0.002;
    assert_true(h != mw_scenario_hash(&t));
}

static void
test_immune_params(void **state)
{
    char *plain = params_text(0), *md = params_text(1);
    (void) state;

    assert_non_null(strstr(plain, "immune.costim_41bb.memory_death"));
    assert_non_null(strstr(plain, "Stein 2019: beta (terminal half-life 220 d)"));
    assert_non_null(strstr(plain, "products[].targets[].d50"));
    assert_non_null(strstr(plain, "engagers[].target.d50"));
    assert_non_null(strstr(plain, "engagers[].step_up[].mg_kg"));
    assert_non_null(strstr(plain, "toxicity.crs.grade5"));
    assert_non_null(strstr(plain, "toxicity.icans.grade1"));
    assert_non_null(strstr(plain, "[0, 1)"));
    assert_non_null(strstr(md, "| `products[].name` | string | - | product<i> |"));
    assert_non_null(strstr(md, "| `products[].targets[].antigen` | enum | - | BCMA | "
                               "BCMA\\|GPRC5D\\|FcRH5\\|SLAMF7\\|CD38\\|CD19 |"));
    free(plain);
    free(md);
}

/* ------------------------------------------------------------------------------
 * Drugs, regimens and the treatment plan
 * ---------------------------------------------------------------------------- */

/* A scenario with its own drug, regimen and a two-line plan; library entries are
 * only referred to through the defaults test. */
static const char therapy_yaml[] =
    "tumour:\n"
    "  clones: [{cells: 1e9}]\n"
    "  il6: {cam_ec50: 12}\n"
    "body: {weight_kg: 80, bsa_m2: 1.9}\n"
    "drugs:\n"
    "  - name: testomib\n"
    "    refs: \"Test 2020 J Test\"\n"
    "    route: sc\n"
    "    dose_unit: mg/m2\n"
    "    pk: {volume_l: 500, half_life_h: 40, ka_per_h: 2, bioavailability: 0.9}\n"
    "    pd: {emax: 0.3, ec50_ng_ml: 5, hill: 1.5}\n"
    "    sensitivity: {psmb5_resistance: 0.9, antigen: CD38, bcl2_exponent: -1}\n"
    "    effects: {nk_depletion: 0.2, bcma_fold: 3}\n"
    "  - name: testamide\n"
    "    route: oral\n"
    "    pd: {emax: 0.1}\n"
    "  - name: beam\n"
    "    route: radiation\n"
    "    dose_unit: Gy\n"
    "    effects: {rt_alpha: 0.1, rt_beta: 0.01}\n"
    "regimens:\n"
    "  - name: tst-TT\n"
    "    refs: \"made up\"\n"
    "    cycle_days: 21\n"
    "    cycles: 8\n"
    "    doses:\n"
    "      - {drug: testomib, dose: 1.3, days: \"1,4,8,11\"}\n"
    "      - {drug: testamide, dose: 25, days: 1-14, in_cycles: 1-4}\n"
    "      - {drug: testamide, dose: 10, days: [1, 2, 8, 9], in_cycles: 5-}\n"
    "  - name: tst-RT\n"
    "    cycle_days: 5\n"
    "    cycles: 1\n"
    "    doses: [{drug: beam, dose: 4, days: 1-5}]\n"
    "products:\n"
    "  - {name: cart, targets: [{antigen: BCMA}]}\n"
    "monitoring:\n"
    "  spep: {every_days: 30, cv: 0.02, at_line_start: true}\n"
    "  ctdna: {every_days: 14, depth: 5000}\n"
    "  imwg: {pd_rise: 0.3, pd_abs_g_dl: 0.4, confirm: 1}\n"
    "plan:\n"
    "  start_day: 3\n"
    "  lines:\n"
    "    - name: first line\n"
    "      phases:\n"
    "        - {regimen: tst-TT, cycles: 4}\n"
    "        - {regimen: tst-RT, gap_days: 14, dose_scale: 0.5}\n"
    "    - cart: {product: cart, vein_to_vein_days: 30, bridging: tst-RT, "
    "lymphodepletion: tst-TT, ld_start_day: -6}\n";

/* Index of drug / regimen @p name in @p s, or -1. */
static int
drug_index(const mw_scenario_t *s, const char *name)
{
    for (int i = 0; i < s->therapy.n_drugs; i++) {
        if (strcmp(s->therapy.drugs[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

static int
regimen_index(const mw_scenario_t *s, const char *name)
{
    for (int i = 0; i < s->therapy.n_regimens; i++) {
        if (strcmp(s->therapy.regimens[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

static void
test_therapy_load(void **state)
{
    mw_scenario_t d, s;
    (void) state;

    mw_scenario_init_defaults(&d);
    load_ok(&s, therapy_yaml);
    assert_true(s.body.weight_kg == 80 && s.body.bsa_m2 == 1.9);
    assert_true(s.therapy.cam_il6_half == 12);
    /* New names are appended after the library, in file order. */
    assert_int_equal(s.therapy.n_drugs, d.therapy.n_drugs + 3);
    assert_int_equal(s.therapy.n_regimens, d.therapy.n_regimens + 2);
    assert_memory_equal(s.therapy.drugs, d.therapy.drugs,
                        sizeof(mw_drug_t) * (size_t) d.therapy.n_drugs);
    assert_int_equal(drug_index(&s, "testomib"), d.therapy.n_drugs);
    assert_int_equal(drug_index(&s, "beam"), d.therapy.n_drugs + 2);

    const mw_drug_t *x = &s.therapy.drugs[drug_index(&s, "testomib")];
    assert_string_equal(x->refs, "Test 2020 J Test");
    assert_int_equal(x->route, MW_ROUTE_SC);
    assert_int_equal(x->dose_unit, MW_DOSE_MG_M2);
    assert_true(x->volume_l == 500 && x->half_life_h == 40 && x->ka_per_h == 2);
    assert_true(x->bioavailability == 0.9 && x->infusion_h == 1);
    assert_true(x->emax == 0.3 && x->ec50_ng_ml == 5 && x->hill == 1.5);
    assert_true(x->psmb5_resistance == 0.9 && x->bcl2_exponent == -1);
    assert_int_equal(x->antigen, 1 + MW_AG_CD38);
    assert_true(x->antigen_d50 == 1000 && x->crbn_required == 0);
    assert_true(x->nk_depletion == 0.2 && x->bcma_fold == 3 && x->sbcma_cut == 0);
    /* Defaults of a new drug. */
    x = &s.therapy.drugs[drug_index(&s, "testamide")];
    assert_string_equal(x->refs, "");
    assert_int_equal(x->route, MW_ROUTE_ORAL);
    assert_int_equal(x->dose_unit, MW_DOSE_MG);
    assert_true(x->volume_l == 50 && x->half_life_h == 24 && x->ec50_ng_ml == 1);
    assert_int_equal(x->antigen, 0);
    assert_true(x->bcma_fold == 1 && x->lymphodepletion == 0);

    const mw_regimen_t *r = &s.therapy.regimens[regimen_index(&s, "tst-TT")];
    assert_string_equal(r->refs, "made up");
    assert_int_equal(r->cycle_days, 21);
    assert_int_equal(r->cycles, 8);
    assert_int_equal(r->n_doses, 3);
    assert_string_equal(r->doses[0].drug, "testomib");
    assert_true(r->doses[0].dose == 1.3);
    assert_true(r->doses[0].days == ((1u << 0) | (1u << 3) | (1u << 7) | (1u << 10)));
    assert_int_equal(r->doses[0].first_cycle, 1);
    assert_int_equal(r->doses[0].last_cycle, 0);
    assert_true(r->doses[1].days == (1u << 14) - 1);
    assert_int_equal(r->doses[1].first_cycle, 1);
    assert_int_equal(r->doses[1].last_cycle, 4);
    assert_true(r->doses[2].days == ((1u << 0) | (1u << 1) | (1u << 7) | (1u << 8)));
    assert_int_equal(r->doses[2].first_cycle, 5);
    assert_int_equal(r->doses[2].last_cycle, 0);
    r = &s.therapy.regimens[regimen_index(&s, "tst-RT")];
    assert_int_equal(r->cycle_days, 28 - 23); /* 5, not the default 28 */
    assert_true(r->doses[0].days == 0x1f);

    assert_true(s.therapy.start_day == 3);
    assert_true(s.monitoring.schedule[MW_ASSAY_SPEP].every_days == 30);
    assert_true(s.monitoring.schedule[MW_ASSAY_SPEP].at_line_start == 1);
    assert_true(s.monitoring.spep_cv == 0.02);
    assert_true(s.monitoring.schedule[MW_ASSAY_CTDNA].every_days == 14);
    assert_true(s.monitoring.ctdna_depth == 5000);
    assert_true(s.monitoring.imwg_pd_rise == 0.3 && s.monitoring.imwg_pd_abs == 0.4);
    assert_int_equal(s.monitoring.imwg_confirm, 1);
    assert_int_equal(s.therapy.n_lines, 2);
    const mw_line_t *l = &s.therapy.lines[0];
    assert_string_equal(l->name, "first line");
    assert_int_equal(l->n_phases, 2);
    assert_string_equal(l->phases[0].regimen, "tst-TT");
    assert_int_equal(l->phases[0].cycles, 4);
    assert_true(l->phases[0].gap_days == 0 && l->phases[0].dose_scale == 1);
    assert_int_equal(l->phases[1].cycles, -1);
    assert_true(l->phases[1].gap_days == 14 && l->phases[1].dose_scale == 0.5);
    assert_string_equal(l->cart_product, "");
    assert_string_equal(l->lymphodepletion, "FluCy");
    assert_true(l->vein_to_vein_days == 40 && l->ld_start_day == -5);
    l = &s.therapy.lines[1];
    assert_string_equal(l->name, "line1");
    assert_int_equal(l->n_phases, 0);
    assert_string_equal(l->cart_product, "cart");
    assert_string_equal(l->bridging, "tst-RT");
    assert_string_equal(l->lymphodepletion, "tst-TT");
    assert_true(l->vein_to_vein_days == 30 && l->ld_start_day == -6);

    /* Plan defaults. */
    assert_true(d.body.weight_kg == 70 && d.body.bsa_m2 == 1.8);
    assert_true(d.therapy.cam_il6_half == 10);
    assert_true(d.therapy.start_day == 0);
    assert_true(d.monitoring.schedule[MW_ASSAY_SPEP].every_days == 28);
    assert_true(d.monitoring.schedule[MW_ASSAY_MARROW].every_days == 182);
    assert_true(d.monitoring.schedule[MW_ASSAY_MARROW].at_line_start == 1);
    assert_true(d.monitoring.schedule[MW_ASSAY_CTDNA].every_days == 0);
    assert_true(isinf(d.monitoring.schedule[MW_ASSAY_SPEP].until_day));
    assert_true(d.monitoring.imwg_pd_rise == 0.25 && d.monitoring.imwg_pd_abs == 0.5);
    assert_int_equal(d.monitoring.imwg_confirm, 2);
    assert_int_equal(d.therapy.n_lines, 0);
}

static void
test_keyed_edit(void **state)
{
    mw_scenario_t d, s, t;
    mw_diags_t diags;
    char text[512];
    (void) state;

    /* A later file edits an entry by name: only the keys given change, and a doses
     * list replaces the regimen's doses. */
    load_ok(&s, therapy_yaml);
    t = s;
    mw_diags_clear(&diags);
    assert_int_equal(mw_scenario_load_string(&t,
                                             "drugs:\n"
                                             "  - name: testomib\n"
                                             "    pd: {emax: 0.5}\n"
                                             "    effects: {sbcma_cut: 0.4}\n"
                                             "regimens:\n"
                                             "  - {name: tst-TT, cycles: 6}\n"
                                             "  - name: tst-RT\n"
                                             "    doses: [{drug: beam, dose: 2}]\n",
                                             "edit.yaml", &diags),
                     0);
    assert_int_equal(t.therapy.n_drugs, s.therapy.n_drugs);
    assert_int_equal(t.therapy.n_regimens, s.therapy.n_regimens);
    int k = drug_index(&s, "testomib");
    mw_drug_t want = s.therapy.drugs[k];
    want.emax = 0.5;
    want.sbcma_cut = 0.4;
    assert_memory_equal(&t.therapy.drugs[k], &want, sizeof(want));
    k = regimen_index(&s, "tst-TT");
    mw_regimen_t rwant = s.therapy.regimens[k];
    rwant.cycles = 6;
    assert_memory_equal(&t.therapy.regimens[k], &rwant, sizeof(rwant));
    k = regimen_index(&s, "tst-RT");
    assert_int_equal(t.therapy.regimens[k].cycle_days, 5);
    assert_int_equal(t.therapy.regimens[k].n_doses, 1);
    assert_true(t.therapy.regimens[k].doses[0].dose == 2);
    assert_true(t.therapy.regimens[k].doses[0].days == 1); /* default: day 1 */

    /* The shipped library is edited the same way. */
    mw_scenario_init_defaults(&d);
    assert_true(d.therapy.n_drugs > 0 && d.therapy.n_regimens > 0);
    snprintf(text, sizeof(text),
             "tumour: {clones: [{cells: 1}]}\n"
             "drugs: [{name: %s, pk: {half_life_h: 77}}]\n"
             "regimens: [{name: %s, refs: \"edited\"}]\n",
             d.therapy.drugs[0].name, d.therapy.regimens[0].name);
    load_ok(&s, text);
    assert_int_equal(s.therapy.n_drugs, d.therapy.n_drugs);
    want = d.therapy.drugs[0];
    want.half_life_h = 77;
    assert_memory_equal(&s.therapy.drugs[0], &want, sizeof(want));
    rwant = d.therapy.regimens[0];
    memset(rwant.refs, 0, sizeof(rwant.refs));
    strcpy(rwant.refs, "edited");
    assert_memory_equal(&s.therapy.regimens[0], &rwant, sizeof(rwant));
    assert_memory_equal(&s.therapy.drugs[1], &d.therapy.drugs[1],
                        sizeof(mw_drug_t) * (size_t) (d.therapy.n_drugs - 1));

    /* An empty keyed list changes nothing (a plain list would be cleared). */
    load_ok(&s, "tumour: {clones: [{cells: 1}]}\ndrugs: []\nregimens:\n");
    assert_memory_equal(&s.therapy, &d.therapy, sizeof(d.therapy));
}

static void
test_keyed_errors(void **state)
{
    static char text[8192];
    mw_scenario_t d;
    char want[128];
    size_t used;
    (void) state;

    expect_error("drugs:\n  - route: iv\n    pd: {emax: 1}\n", 2, 5, "drugs[0]",
                 "missing name: each entry of drugs names the entry it edits or adds");
    expect_error("regimens:\n  - {name: A}\n  - {cycles: 2}\n", 3, 5, "regimens[1]",
                 "missing name");
    expect_error("drugs:\n  - {name: a}\n  - {name: a, route: iv}\n", 3, 12, "drugs[a]",
                 "'a' is given twice in this list (first on line 2)");
    expect_error("drugs:\n  - {name: ''}\n", 2, 12, "drugs[0].name", "got nothing");
    expect_error("drugs:\n  - {name: [a]}\n", 2, 12, "drugs[0].name", "got a list");
    expect_error("drugs:\n  - 3\n", 2, 5, "drugs[0]", "expected a mapping with a name");
    expect_error("drugs: {name: a}\n", 1, 8, "drugs",
                 "expected a list of mappings, each with a name, got a mapping");
    /* Errors inside an entry name it. */
    expect_error("drugs:\n  - name: zz\n    pd: {emaxx: 1}\n", 3, 10,
                 "drugs[zz].pd.emaxx", "unknown key 'emaxx'; did you mean 'emax'?");
    expect_error("drugs:\n  - name: zz\n    route: im\n", 3, 12, "drugs[zz].route",
                 "expected one of iv, infusion, oral, sc, radiation, got 'im'");
    expect_error("drugs:\n  - name: zz\n    dose_unit: mg/kg/day\n", 3, 16,
                 "drugs[zz].dose_unit", "expected one of mg, mg/m2, mg/kg, Gy");
    expect_error("drugs:\n  - name: zz\n    sensitivity: {antigen: CD20}\n", 3, 28,
                 "drugs[zz].sensitivity.antigen",
                 "expected one of none, BCMA, GPRC5D, FcRH5, SLAMF7, CD38, CD19");
    expect_error("drugs:\n  - name: zz\n    effects: {lymphodepletion: 1}\n", 3, 32,
                 "drugs[zz].effects.lymphodepletion", "1 is outside [0, 1)");
    expect_error("regimens:\n  - name: zz\n    cycle_days: 65\n", 3, 17,
                 "regimens[zz].cycle_days", "65 is outside [1, 64]");
    /* Text longer than its field is an error, never cut short. */
    used = (size_t) snprintf(text, sizeof(text), "drugs:\n  - name: zz\n    refs: ");
    for (int i = 0; i < MW_REFS_MAX; i++) {
        text[used++] = 'r';
    }
    snprintf(text + used, sizeof(text) - used, "\n");
    expect_error(text, 3, 11, "drugs[zz].refs",
                 "text is 320 characters long; at most 319 allowed");
    expect_error("plan:\n  lines:\n    - phases:\n        - regimen: "
                 "a_regimen_name_that_is_far_too_long_to_fit_in_sixty_three_chars_x\n",
                 4, 20, "plan.lines[0].phases[0].regimen",
                 "name is 65 characters long; at most 63 allowed");

    /* More entries than fit: library entries count. */
    mw_scenario_init_defaults(&d);
    used = (size_t) snprintf(text, sizeof(text), "drugs:\n");
    for (int i = 0; i <= MW_MAX_DRUGS - d.therapy.n_drugs; i++) {
        used += (size_t) snprintf(text + used, sizeof(text) - used, "  - name: d%d\n", i);
    }
    snprintf(want, sizeof(want),
             "no room for 'd%d': at most %d entries, the shipped library included",
             MW_MAX_DRUGS - d.therapy.n_drugs, MW_MAX_DRUGS);
    expect_error(text, 2 + MW_MAX_DRUGS - d.therapy.n_drugs, 5, "drugs", want);
    /* Plain lists inside keep their limits. */
    snprintf(want, sizeof(want), "%d entries given; at most %d allowed",
             MW_MAX_REGIMEN_DOSES + 1, MW_MAX_REGIMEN_DOSES);
    used = (size_t) snprintf(text, sizeof(text), "regimens:\n  - name: r\n    doses:\n");
    for (int i = 0; i <= MW_MAX_REGIMEN_DOSES; i++) {
        used +=
            (size_t) snprintf(text + used, sizeof(text) - used, "      - {dose: 1}\n");
    }
    expect_error(text, 4 + MW_MAX_REGIMEN_DOSES, 9, "regimens[r].doses", want);
}

static void
test_keyed_set(void **state)
{
    mw_scenario_t s, t;
    mw_diags_t d;
    int nd, k;
    (void) state;

    load_ok(&s, therapy_yaml);
    nd = s.therapy.n_drugs;
    /* By name: edits that entry only. */
    t = s;
    assert_int_equal(set1(&t, "drugs[testomib].pd.emax=0.5", &d), 0);
    k = drug_index(&s, "testomib");
    assert_true(t.therapy.drugs[k].emax == 0.5);
    t.therapy.drugs[k].emax = s.therapy.drugs[k].emax;
    assert_memory_equal(&t, &s, sizeof(s));
    assert_int_equal(set1(&t, "regimens[tst-TT].cycles=4", &d), 0);
    assert_int_equal(t.therapy.regimens[regimen_index(&s, "tst-TT")].cycles, 4);
    assert_int_equal(set1(&t, "regimens[tst-TT].doses[1].days=1-21", &d), 0);
    assert_true(t.therapy.regimens[regimen_index(&s, "tst-TT")].doses[1].days ==
                (1u << 21) - 1);
    assert_int_equal(set1(&t, "regimens[ tst-TT ].doses[1].in_cycles=2-3", &d), 0);
    assert_int_equal(t.therapy.regimens[regimen_index(&s, "tst-TT")].doses[1].first_cycle,
                     2);
    assert_int_equal(t.therapy.regimens[regimen_index(&s, "tst-TT")].doses[1].last_cycle,
                     3);
    /* Numeric indexes still work. */
    assert_int_equal(set1(&t, "drugs[0].pk.half_life_h=5", &d), 0);
    assert_true(t.therapy.drugs[0].half_life_h == 5);
    /* A new name appends an entry with the defaults and that name. */
    assert_int_equal(set1(&t, "drugs[newmab].route=iv", &d), 0);
    assert_int_equal(t.therapy.n_drugs, nd + 1);
    assert_string_equal(t.therapy.drugs[nd].name, "newmab");
    assert_int_equal(t.therapy.drugs[nd].route, MW_ROUTE_IV);
    assert_true(t.therapy.drugs[nd].volume_l == 50);
    assert_int_equal(set1(&t, "regimens[tst-NR].doses[0].drug=newmab", &d), 0);
    k = regimen_index(&t, "tst-NR");
    assert_true(k >= 0);
    assert_int_equal(t.therapy.regimens[k].n_doses, 1);
    assert_int_equal(t.therapy.regimens[k].cycle_days, 28);
    assert_string_equal(t.therapy.regimens[k].doses[0].drug, "newmab");
    assert_int_equal(set1(&t, "plan.lines[2].phases[0].regimen=tst-NR", &d), 0);
    assert_int_equal(t.therapy.n_lines, 3);
    assert_string_equal(t.therapy.lines[2].name, "line2");
    /* A product is infused by one line only: line 1 infuses cart. */
    assert_int_equal(set1(&t, "products[1].name=cart2", &d), 0);
    assert_int_equal(set1(&t, "products[1].targets[0].antigen=BCMA", &d), 0);
    assert_int_equal(set1(&t, "plan.lines[2].cart.product=cart2", &d), 0);
    assert_int_equal(set1(&t, "plan.lines[2].cart.bridging=tst-TT", &d), 0);
    assert_int_equal(set1(&t, "plan.lines[2].cart.lymphodepletion=tst-RT", &d), 0);
    assert_int_equal(set1(&t, "body.bsa_m2=2", &d), 0);
    assert_int_equal(set1(&t, "tumour.il6.cam_ec50=20", &d), 0);
    assert_true(t.therapy.cam_il6_half == 20);
    assert_int_equal(set1(&t, "monitoring.imwg.confirm=3", &d), 0);
    assert_int_equal(t.monitoring.imwg_confirm, 3);
    assert_int_equal(set1(&t, "monitoring.flow.every_days=28", &d), 0);
    assert_true(t.monitoring.schedule[MW_ASSAY_FLOW].every_days == 28);

    /* Errors name the key as given; a failed append adds nothing. */
    assert_int_equal(set1(&t, "drugs[other].pd.emax=-1", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "drugs[other].pd.emax", "-1 is outside [0, 100]");
    assert_int_equal(drug_index(&t, "other"), -1);
    assert_int_equal(set1(&t, "drugs[testomib].pd.emaxx=1", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "drugs[testomib].pd.emaxx", "did you mean 'emax'?");
    assert_int_equal(set1(&t, "regimens[tst-TT].doses[1].days=0-3", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "regimens[tst-TT].doses[1].days", "day 0 outside 1..64");
    assert_int_equal(set1(&t, "regimens[tst-TT].doses[9].dose=1", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "regimens[tst-TT].doses[9].dose",
              "index 9 is out of range: regimens[tst-TT].doses has 3 entries");
    assert_int_equal(set1(&t, "drugs.pd.emax=1", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "drugs.pd.emax",
              "'drugs' is a list keyed by name; give a full key such as "
              "drugs[<name>].refs or drugs[0].refs");
    assert_int_equal(set1(&t, "plan.lines[x].name=a", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "plan.lines[x].name", "expected a list index like lines[0]");
    assert_int_equal(set1(&t, "drugs[].route=iv", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "drugs[].route", "expected a list index like drugs[0]");
    assert_int_equal(set1(&t,
                          "drugs[a_drug_name_that_is_far_too_long_to_fit_in_sixty_three_"
                          "chars_xyz].route=iv",
                          &d),
                     MW_ERR_CONFIG);
    expect_in(
        &d, 0, 0,
        "drugs[a_drug_name_that_is_far_too_long_to_fit_in_sixty_three_chars_xyz].route",
        "name is 64 characters long; at most 63 allowed");
    mw_diags_clear(&d);
    if (mw_scenario_validate(&t, &d) != 0) {
        mw_diags_print(&d, stdout);
        fail_msg("the scenario edited with --set does not validate");
    }
    /* Full: no room for one more name. */
    while (t.therapy.n_drugs < MW_MAX_DRUGS) {
        char buf[64];
        snprintf(buf, sizeof(buf), "drugs[x%d].pd.emax=0", t.therapy.n_drugs);
        assert_int_equal(set1(&t, buf, &d), 0);
    }
    assert_int_equal(set1(&t, "drugs[onemore].pd.emax=0", &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "drugs[onemore].pd.emax",
              "no room for a new entry 'onemore': drugs has 32 entries, at most 32");
    assert_int_equal(t.therapy.n_drugs, MW_MAX_DRUGS);
}

static void
test_days_cycles(void **state)
{
    static const struct {
        const char *text;
        uint64_t mask;
        const char *echo;
    } days_ok[] = {
        {"1-21", (1u << 21) - 1, "1-21"},
        {"1,8,15,22", 0x204081, "1,8,15,22"},
        {"1-3,8", 0x87, "1-3,8"},
        {"8", 0x80, "8"},
        {" 1 - 2 , 8, 9 ", 0x183, "1,2,8,9"},
        {"64", (uint64_t) 1 << 63, "64"},
        {"1-64", ~(uint64_t) 0, "1-64"},
        {"3,1", 0x5, "1,3"},
    };
    static const struct {
        const char *text, *msg;
    } days_bad[] = {
        {"0-3", "day 0 outside 1..64"},
        {"65", "day 65 outside 1..64"},
        {"5-2", "range 5-2 runs backwards"},
        {"x", "expected cycle days such as 1-21, 1,8,15,22 or 1-3,8 (days 1..64), got "
              "'x'"},
        {"1,,2", "got '1,,2'"},
        {"1-", "got '1-'"},
        {"-3", "got '-3'"},
        {"1.5", "got '1.5'"},
        {"", "got nothing"},
    };
    static const struct {
        const char *text;
        int first, last;
        const char *echo;
    } cyc_ok[] = {
        {"3", 3, 3, "3"},
        {"1-2", 1, 2, "1-2"},
        {"7-", 7, 0, "7-"},
        {" 2 - ", 2, 0, "2-"},
    };
    static const struct {
        const char *text, *msg;
    } cyc_bad[] = {
        {"0", "cycle 0 outside 1..10000"},
        {"3-0", "cycle 0 outside 1..10000"},
        {"1-10001", "cycle 10001 outside 1..10000"},
        {"5-2", "range 5-2 runs backwards"},
        {"abc", "expected cycles such as 3, 1-8 or 7- (cycle 7 on; cycles 1..10000), got "
                "'abc'"},
        {"1-2-3", "got '1-2-3'"},
    };
    char msg[320], buf[200], text[256];
    uint64_t m;
    int a, b;
    (void) state;

    for (size_t i = 0; i < sizeof(days_ok) / sizeof(days_ok[0]); i++) {
        assert_int_equal(mw__days_parse(days_ok[i].text, &m, msg, sizeof(msg)), 0);
        assert_true(m == days_ok[i].mask);
        mw__days_format(m, buf, sizeof(buf));
        assert_string_equal(buf, days_ok[i].echo);
    }
    for (size_t i = 0; i < sizeof(days_bad) / sizeof(days_bad[0]); i++) {
        assert_int_equal(mw__days_parse(days_bad[i].text, &m, msg, sizeof(msg)),
                         MW_ERR_BAD_VALUE);
        if (strstr(msg, days_bad[i].msg) == NULL) {
            fail_msg("'%s': '%s' lacks '%s'", days_bad[i].text, msg, days_bad[i].msg);
        }
    }
    for (size_t i = 0; i < sizeof(cyc_ok) / sizeof(cyc_ok[0]); i++) {
        assert_int_equal(mw__cycles_parse(cyc_ok[i].text, &a, &b, msg, sizeof(msg)), 0);
        assert_int_equal(a, cyc_ok[i].first);
        assert_int_equal(b, cyc_ok[i].last);
        mw__cycles_format(a, b, buf, sizeof(buf));
        assert_string_equal(buf, cyc_ok[i].echo);
    }
    for (size_t i = 0; i < sizeof(cyc_bad) / sizeof(cyc_bad[0]); i++) {
        assert_int_equal(mw__cycles_parse(cyc_bad[i].text, &a, &b, msg, sizeof(msg)),
                         MW_ERR_BAD_VALUE);
        if (strstr(msg, cyc_bad[i].msg) == NULL) {
            fail_msg("'%s': '%s' lacks '%s'", cyc_bad[i].text, msg, cyc_bad[i].msg);
        }
    }
    /* Every mask prints in a form that reads back the same. */
    for (int i = 0; i < 2000; i++) {
        uint64_t x = (uint64_t) i * UINT64_C(0x9e3779b97f4a7c15);
        x ^= x >> 29;
        if (x == 0) {
            continue;
        }
        mw__days_format(x, buf, sizeof(buf));
        assert_int_equal(mw__days_parse(buf, &m, msg, sizeof(msg)), 0);
        assert_true(m == x);
    }

    /* In files: file:line:col at the value, the same messages. */
    static const char head[] = "regimens:\n  - name: R\n    doses:\n      - days: ";
    snprintf(text, sizeof(text), "%s\"0-3\"\n", head);
    expect_error(text, 4, 15, "regimens[R].doses[0].days", "day 0 outside 1..64");
    snprintf(text, sizeof(text), "%s5-2\n", head);
    expect_error(text, 4, 15, "regimens[R].doses[0].days", "range 5-2 runs backwards");
    snprintf(text, sizeof(text), "%sdaily\n", head);
    expect_error(text, 4, 15, "regimens[R].doses[0].days",
                 "expected cycle days such as 1-21, 1,8,15,22 or 1-3,8 (days 1..64), got "
                 "'daily'");
    snprintf(text, sizeof(text), "%s[1, 0]\n", head);
    expect_error(text, 4, 15, "regimens[R].doses[0].days", "day 0 outside 1..64");
    snprintf(text, sizeof(text), "%s[1, [2]]\n", head);
    expect_error(text, 4, 19, "regimens[R].doses[0].days",
                 "expected a day number, got a list");
    snprintf(text, sizeof(text), "%s[]\n", head);
    expect_error(text, 4, 15, "regimens[R].doses[0].days", "expected at least one day");
    snprintf(text, sizeof(text), "%s{a: 1}\n", head);
    expect_error(text, 4, 15, "regimens[R].doses[0].days",
                 "expected cycle days such as 1-21");
    snprintf(text, sizeof(text), "%s1\n        in_cycles: 5-2\n", head);
    expect_error(text, 5, 20, "regimens[R].doses[0].in_cycles",
                 "range 5-2 runs backwards");
    snprintf(text, sizeof(text), "%s1\n        in_cycles: first\n", head);
    expect_error(
        text, 5, 20, "regimens[R].doses[0].in_cycles",
        "expected cycles such as 3, 1-8 or 7- (cycle 7 on; cycles 1..10000), got "
        "'first'");
}

static void
test_therapy_validate(void **state)
{
    static const char base[] = "tumour: {clones: [{cells: 1}]}\n"
                               "drugs: [{name: bortezomib}, {name: melphalan}]\n";
    char text[1024];
    mw_scenario_t s;
    mw_diags_t d;
    (void) state;

    snprintf(text, sizeof(text),
             "%sregimens:\n  - name: VRd\n    cycle_days: 21\n    doses:\n"
             "      - {drug: bortezmib, dose: 1.3, days: \"1,4,8,11\"}\n"
             "      - {drug: melphalan, dose: 9, days: 1-22}\n"
             "      - {dose: 1}\n"
             "      - {drug: zzzzzzzzzzz}\n",
             base);
    load_bad(text, &d);
    expect_in(&d, 0, 0, "regimens[VRd].doses[0].drug",
              "unknown drug 'bortezmib'; did you mean 'bortezomib'?");
    expect_in(&d, 0, 0, "regimens[VRd].doses[1].days",
              "day 22 is past the end of the 21-day cycle (regimens[VRd].cycle_days)");
    expect_in(&d, 0, 0, "regimens[VRd].doses[2].drug", "no drug given; expected one of ");
    expect_in(&d, 0, 0, "regimens[VRd].doses[3].drug",
              "unknown drug 'zzzzzzzzzzz'; allowed: ");

    snprintf(text, sizeof(text),
             "%sregimens: [{name: VRd, doses: [{drug: bortezomib}]}]\n"
             "products: [{name: cilta-cel, targets: [{antigen: BCMA}]}]\n"
             "plan:\n  lines:\n"
             "    - name: empty\n"
             "    - phases: [{regimen: VRD}, {regimen: PomDex}, {}]\n"
             "    - cart: {product: cilta-cell, bridging: VRx, lymphodepletion: Flu}\n"
             "    - phases: [{regimen: VRd}]\n      cart: {bridging: VRd}\n",
             base);
    load_bad(text, &d);
    expect_in(&d, 0, 0, "plan.lines[0]", "a line needs phases or a cart product");
    expect_in(&d, 0, 0, "plan.lines[1].phases[0].regimen",
              "unknown regimen 'VRD'; did you mean 'VRd'?");
    expect_in(&d, 0, 0, "plan.lines[1].phases[1].regimen", "unknown regimen 'PomDex'");
    expect_in(&d, 0, 0, "plan.lines[1].phases[2].regimen", "no regimen given");
    expect_in(&d, 0, 0, "plan.lines[2].cart.product",
              "unknown product 'cilta-cell'; did you mean 'cilta-cel'?");
    expect_in(&d, 0, 0, "plan.lines[2].cart.bridging",
              "unknown regimen 'VRx'; did you mean 'VRd'?");
    expect_in(&d, 0, 0, "plan.lines[2].cart.lymphodepletion", "unknown regimen 'Flu'");
    expect_in(&d, 0, 0, "plan.lines[3].cart.bridging",
              "bridging is for a CAR-T line: give cart.product too");
    snprintf(text, sizeof(text),
             "%splan:\n  lines: [{cart: {product: cilta-cel, lymphodepletion: ''}}]\n",
             base);
    load_bad(text, &d);
    expect_in(&d, 0, 0, "plan.lines[0].cart.product",
              "unknown product 'cilta-cel': the scenario has no products");

    snprintf(text, sizeof(text),
             "%sdrugs:\n  - {name: rt, route: radiation}\n"
             "  - {name: gy, dose_unit: Gy}\n",
             "tumour: {clones: [{cells: 1}]}\n");
    load_bad(text, &d);
    expect_in(&d, 0, 0, "drugs[rt].dose_unit",
              "route radiation is dosed in Gy: set dose_unit: Gy (got mg)");
    expect_in(&d, 0, 0, "drugs[gy].dose_unit",
              "dose_unit Gy is only for route radiation (route is oral)");

    /* Structs filled by hand (or --set) are checked too. */
    load_ok(&s, therapy_yaml);
    mw_regimen_t *r = &s.therapy.regimens[regimen_index(&s, "tst-TT")];
    r->doses[1].first_cycle = 5;
    r->doses[1].last_cycle = 2;
    r->doses[0].days = 0;
    s.therapy.lines[0].phases[0].cycles = -2;
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_validate(&s, &d), MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "regimens[tst-TT].doses[1].in_cycles",
              "range 5-2 runs backwards");
    expect_in(&d, 0, 0, "regimens[tst-TT].doses[0].days", "no day given");
    expect_in(&d, 0, 0, "plan.lines[0].phases[0].cycles", "-2 is outside [-1, 10000]");
    load_ok(&s, therapy_yaml);
    mw_test_set(&s, "drugs[testamide].name=testomib");
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_validate(&s, &d), MW_ERR_CONFIG);
    char key[64];
    snprintf(key, sizeof(key), "drugs[%d].name", drug_index(&s, "beam") - 1);
    expect_in(&d, 0, 0, key, "'testomib' is also the name of drugs[");
}

static void
test_therapy_round_trip(void **state)
{
    mw_scenario_t s, t;
    mw_diags_t d;
    uint64_t h;
    (void) state;

    load_ok(&s, therapy_yaml);
    char *a = json_of(&s, 2);
    assert_non_null(strstr(a, "\"regimens\": ["));
    assert_non_null(strstr(a, "\"days\": \"1,4,8,11\""));
    assert_non_null(strstr(a, "\"days\": \"1,2,8,9\""));
    assert_non_null(strstr(a, "\"days\": \"1-14\""));
    assert_non_null(strstr(a, "\"in_cycles\": \"5-\""));
    assert_non_null(strstr(a, "\"in_cycles\": \"1-4\""));
    assert_non_null(strstr(a, "\"route\": \"radiation\""));
    assert_non_null(strstr(a, "\"dose_unit\": \"mg/m2\""));
    assert_non_null(strstr(a, "\"antigen\": \"CD38\""));
    assert_non_null(strstr(a, "\"refs\": \"Test 2020 J Test\""));
    assert_non_null(strstr(a, "\"body\": {"));
    assert_non_null(strstr(a, "\"cam_ec50\": 12"));
    assert_non_null(strstr(a, "\"product\": \"cart\""));
    assert_non_null(strstr(a, "\"lymphodepletion\": \"FluCy\""));
    mw_diags_clear(&d);
    mw_scenario_init_defaults(&t);
    if (mw_scenario_load_string(&t, a, "echo.json", &d) != 0) {
        mw_diags_print(&d, stdout);
        fail_msg("the JSON echo does not load");
    }
    assert_memory_equal(&s, &t, sizeof(s));
    h = mw_scenario_hash(&s);
    assert_true(h == mw_scenario_hash(&t));
    free(a);

    /* Every new field feeds the hash. */
    int k = regimen_index(&s, "tst-TT");
    t = s;
    t.therapy.regimens[k].doses[0].days |= 1u << 20;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.therapy.regimens[k].doses[1].last_cycle = 5;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.therapy.regimens[k].refs[0] = 'M';
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.therapy.drugs[0].rt_beta = 0.02;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.therapy.drugs[1].antigen = 3;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.body.bsa_m2 = 1.7;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.therapy.lines[1].ld_start_day = -4;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.therapy.lines[0].phases[1].dose_scale = 0.75;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.monitoring.imwg_confirm = 3;
    assert_true(h != mw_scenario_hash(&t));
    t = s;
    t.therapy.cam_il6_half = 11;
    assert_true(h != mw_scenario_hash(&t));
}

static void
test_library(void **state)
{
    mw_scenario_t s, t;
    mw_diags_t d;
    (void) state;

    /* The shipped libraries load with the defaults, and every regimen's drugs
     * resolve: a minimal scenario validates. */
    load_ok(&s, minimal_yaml);
    assert_true(s.therapy.n_drugs > 0);
    assert_true(s.therapy.n_regimens > 0);
    for (int i = 0; i < s.therapy.n_regimens; i++) {
        const mw_regimen_t *r = &s.therapy.regimens[i];
        for (int k = 0; k < r->n_doses; k++) {
            if (drug_index(&s, r->doses[k].drug) < 0) {
                fail_msg("regimen %s: drug '%s' is not in the library", r->name,
                         r->doses[k].drug);
            }
        }
    }
    /* Defaults are the same every time (nothing kept between calls). */
    mw_scenario_init_defaults(&s);
    mw_scenario_init_defaults(&t);
    assert_memory_equal(&s, &t, sizeof(s));
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_load_string(&t, "name: x\n", "x.yaml", &d), 0);
    assert_memory_equal(&s.therapy, &t.therapy, sizeof(s.therapy));

    /* The library is listed by `marrow params`, plain and Markdown. */
    char *plain = params_text(0), *md = params_text(1), want[160];
    assert_non_null(strstr(plain, "\nDrug library (data/drugs.yaml"));
    assert_non_null(strstr(plain, "\nRegimen library (data/regimens.yaml"));
    assert_non_null(strstr(md, "\n## Drug library\n"));
    assert_non_null(strstr(md, "\n## Regimen library\n"));
    assert_non_null(strstr(md, "| drug | route | dose_unit | volume_l | half_life_h |"));
    snprintf(want, sizeof(want), "| %s | %s |", s.therapy.drugs[0].name,
             s.therapy.drugs[0].route == MW_ROUTE_ORAL ? "oral" : "");
    if (s.therapy.drugs[0].route == MW_ROUTE_ORAL) {
        assert_non_null(strstr(md, want));
    }
    snprintf(want, sizeof(want), "\n### %s\n", s.therapy.regimens[0].name);
    assert_non_null(strstr(md, want));
    snprintf(want, sizeof(want), "\n%s: %d-day cycles", s.therapy.regimens[0].name,
             s.therapy.regimens[0].cycle_days);
    assert_non_null(strstr(plain, want));
    assert_non_null(strstr(plain, "drugs[].sensitivity.crbn_required"));
    assert_non_null(strstr(plain, "regimens[].doses[].in_cycles"));
    assert_non_null(strstr(plain, "plan.lines[].cart.vein_to_vein_days"));
    assert_non_null(strstr(md, "| `drugs` | keyed list | - | data/drugs.yaml |"));
    assert_non_null(strstr(md, "| `regimens[].doses[].days` | days | day | 1 |"));
    free(plain);
    free(md);
}

/* The diagnostic for @p key (which must be there). */
static const mw_diag_t *
diag_of(const mw_diags_t *d, const char *key)
{
    for (int i = 0; i < d->n; i++) {
        if (strcmp(d->d[i].key, key) == 0) {
            return &d->d[i];
        }
    }
    mw_diags_print(d, stdout);
    fail_msg("no diagnostic for '%s'", key);
    return NULL;
}

/* Assert that the diagnostic for @p key is placed at @p file:@p line:@p col. */
static void
expect_place(const mw_diags_t *d, const char *key, const char *file, int line, int col)
{
    const mw_diag_t *x = diag_of(d, key);

    if (strcmp(x->file, file) != 0 || x->line != line || x->col != col) {
        mw_diags_print(d, stdout);
        fail_msg("'%s' is placed at '%s:%d:%d', expected '%s:%d:%d'", key, x->file,
                 x->line, x->col, file, line, col);
    }
}

/* Write @p text to a new temporary file whose name is put in @p path
 * ("/tmp/marrow_test_scenario_XXXXXX"). */
static void
write_temp(char *path, const char *text)
{
    int fd = mkstemp(path);
    FILE *f;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Load file @p path, apply @p sets, validate (which must fail) and place the
 * diagnostics in @p d; @p edit, when not NULL, changes the scenario by hand first. */
static void
load_locate(const char *path, char *const *sets, int n_sets,
            void (*edit)(mw_scenario_t *), mw_diags_t *d)
{
    mw_scenario_t *s = malloc(sizeof(*s));

    assert_non_null(s);
    mw_diags_clear(d);
    mw_scenario_init_defaults(s);
    assert_int_equal(mw_scenario_load(s, path, d), 0);
    for (int i = 0; i < n_sets; i++) {
        assert_int_equal(mw_scenario_set(s, sets[i], d), 0);
    }
    if (edit != NULL) {
        edit(s);
    }
    assert_int_equal(mw_scenario_validate(s, d), MW_ERR_CONFIG);
    mw_diags_locate(d, s, path, sets, n_sets);
    free(s);
}

static void
no_days_in_vrd(mw_scenario_t *s)
{
    s->therapy.regimens[regimen_index(s, "VRd")].doses[0].days = 0;
}

static void
test_locate(void **state)
{
    /* Columns: "      - drug: lenalidomid" has its value at 15; the entry
     * "  - name: \"a[1]\"" starts at 5; "    - cart:" has its key at 7. */
    static const char text[] = "tumour:\n"                                      /* 1 */
                               "  clones: [{cells: 1.0e+9}]\n"                  /* 2 */
                               "drugs:\n"                                       /* 3 */
                               "  - name: \"a[1]\"\n"                           /* 4 */
                               "    route: radiation\n"                         /* 5 */
                               "regimens:\n"                                    /* 6 */
                               "  - name: X\n"                                  /* 7 */
                               "    cycle_days: 21\n"                           /* 8 */
                               "    doses:\n"                                   /* 9 */
                               "      - {drug: bortezomib, dose: 1.3}\n"        /* 10 */
                               "      - drug: lenalidomid\n"                    /* 11 */
                               "        dose: 25\n"                             /* 12 */
                               "products:\n"                                    /* 13 */
                               "  - {name: cart, targets: [{antigen: BCMA}]}\n" /* 14 */
                               "plan:\n"                                        /* 15 */
                               "  lines:\n"                                     /* 16 */
                               "    - phases: [{regimen: X}]\n"                 /* 17 */
                               "    - cart:\n"                                  /* 18 */
                               "        product: cart\n";                       /* 19 */
    char path[] = "/tmp/marrow_test_scenario_XXXXXX", key[64];
    /* Writable, as the command line's are. */
    static char set_text[][48] = {"regimens[FluCy].cycles=0",
                                  "plan.lines[0].phases[1].regimen=Vd",
                                  "drugs[rt].route=radiation",
                                  "regimens[rt-R].doses[0].drug=rt",
                                  "plan.lines[0].phases[2].regimen=rt-R",
                                  "tumour.clones[0].cells=0"};
    char *sets[6];
    mw_scenario_t s;
    mw_diags_t d;
    (void) state;

    for (int i = 0; i < 6; i++) {
        sets[i] = set_text[i];
    }
    write_temp(path, text);
    load_locate(path, sets, 5, NULL, &d);
    /* A value in a list inside a keyed entry: at the value, as a parse error. */
    expect_place(&d, "regimens[X].doses[1].drug", path, 11, 15);
    assert_non_null(strstr(diag_of(&d, "regimens[X].doses[1].drug")->msg,
                           "did you mean 'lenalidomide'?"));
    /* An entry whose name has brackets is reported by index, and found by name. */
    load_ok(&s, minimal_yaml);
    snprintf(key, sizeof(key), "drugs[%d].dose_unit", s.therapy.n_drugs);
    expect_place(&d, key, path, 4, 5);
    /* Given by --set, by its own key or (rt) in an entry --set added. */
    expect_place(&d, "plan.lines[0].phases[1].regimen", "--set", 0, 0);
    expect_place(&d, "drugs[rt].dose_unit", "--set", 0, 0);
    /* Not in the file (a default): at the deepest part that is, the key `cart`. */
    expect_place(&d, "plan.lines[1].cart.lymphodepletion", path, 18, 7);

    /* An entry of the library that the file does not edit: no place. */
    load_locate(path, NULL, 0, no_days_in_vrd, &d);
    expect_place(&d, "regimens[VRd].doses[0].days", "", 0, 0);
    unlink(path);

    /* A key the file does not write at all: no place; a --set below it: --set. */
    char path2[] = "/tmp/marrow_test_scenario_XXXXXX";
    write_temp(path2, "name: x\n");
    load_locate(path2, NULL, 0, NULL, &d);
    expect_place(&d, "tumour.clones", "", 0, 0);
    load_locate(path2, sets + 5, 1, NULL, &d);
    expect_place(&d, "tumour.clones", "--set", 0, 0);
    unlink(path2);
    /* The print form of a --set diagnostic. */
    FILE *f = tmpfile();
    char line[512];
    assert_non_null(f);
    mw_diags_print(&d, f);
    rewind(f);
    assert_non_null(fgets(line, sizeof(line), f));
    assert_string_equal(line, "--set: tumour.clones: the tumour is empty: give some "
                              "clone cells, em_cells or influx\n");
    fclose(f);
}

/* Validate @p s, which must fail with one diagnostic; it is returned in @p d. */
static void
validate_bad(const mw_scenario_t *s, mw_diags_t *d)
{
    mw_diags_clear(d);
    assert_int_equal(mw_scenario_validate(s, d), MW_ERR_CONFIG);
    if (d->n != 1) {
        mw_diags_print(d, stdout);
        fail_msg("%d diagnostics, expected 1", d->n);
    }
}

static void
validate_ok(const mw_scenario_t *s)
{
    mw_diags_t d;

    mw_diags_clear(&d);
    if (mw_scenario_validate(s, &d) != 0) {
        mw_diags_print(&d, stdout);
        fail_msg("the scenario does not validate");
    }
}

static void
test_from_set(void **state)
{
    mw_scenario_t s, t;
    mw_diags_t d;
    (void) state;

    load_ok(&s, minimal_yaml);
    /* A misspelt name adds an unused drug: rejected, with the name meant. */
    t = s;
    mw_test_set(&t, "drugs[bortezomb].pd.emax=0.4");
    validate_bad(&t, &d);
    assert_string_equal(d.d[0].file, "--set");
    expect_in(&d, 0, 0, "drugs[bortezomb]",
              "'bortezomb' is not a drug in the library or the scenario, and no regimen "
              "uses it; did you mean 'bortezomib'? (a new drug needs a regimen that "
              "gives it)");
    t = s;
    mw_test_set(&t, "drugs[zzzzzzzz].route=iv");
    validate_bad(&t, &d);
    expect_in(&d, 0, 0, "drugs[zzzzzzzz]", "no regimen uses it (a new drug");
    /* The same for a regimen no line gives. */
    t = s;
    mw_test_set(&t, "regimens[VRD].cycles=4");
    validate_bad(&t, &d);
    expect_in(&d, 0, 0, "regimens[VRD]",
              "'VRD' is not a regimen in the library or the scenario, and no plan line "
              "uses it; did you mean 'VRd'?");
    /* A new drug that a new regimen gives, in a line: accepted, in any order. */
    t = s;
    mw_test_set(&t, "drugs[newmab].route=iv");
    mw_test_set(&t, "regimens[new-R].doses[0].drug=newmab");
    validate_bad(&t, &d);
    expect_in(&d, 0, 0, "regimens[new-R]", "no plan line uses it");
    mw_test_set(&t, "plan.lines[0].phases[0].regimen=new-R");
    validate_ok(&t);
    assert_int_equal(t.therapy.drugs_from_set, 1u << s.therapy.n_drugs);
    assert_int_equal(t.therapy.regimens_from_set, 1u << s.therapy.n_regimens);
    /* Editing an entry, or adding one by index, is not adding one by name... */
    t = s;
    mw_test_set(&t, "drugs[bortezomib].pd.emax=0.4");
    mw_test_set(&t, "regimens[0].cycles=2");
    assert_int_equal(t.therapy.drugs_from_set, 0);
    assert_int_equal(t.therapy.regimens_from_set, 0);
    validate_ok(&t);
    char buf[64];
    snprintf(buf, sizeof(buf), "drugs[%d].route=iv", s.therapy.n_drugs);
    mw_test_set(&t, buf);
    validate_bad(&t, &d);
    snprintf(buf, sizeof(buf), "drugs[drug%d]", s.therapy.n_drugs);
    expect_in(&d, 0, 0, buf, "no regimen uses it");
    /* ... nor is a file's entry, used or not; and an unused product is fine (its own
     * infusion_day schedules it). */
    load_ok(&t, "tumour: {clones: [{cells: 1}]}\ndrugs: [{name: spare}]\n");
    mw_test_set(&t, "products[0].targets[0].antigen=BCMA");
    validate_ok(&t);
    /* A failed --set adds nothing, so marks nothing. */
    t = s;
    assert_int_equal(set1(&t, "drugs[other].pd.emax=-1", &d), MW_ERR_CONFIG);
    assert_int_equal(t.therapy.drugs_from_set, 0);
}

/* ------------------------------------------------------------------------------
 * Patient variability: a distribution in place of a number
 * ---------------------------------------------------------------------------- */

/* Every distribution, at the top level and inside list elements (a clone, its
 * antigens, a product and its targets, a library drug by name). */
static const char vary_yaml[] =
    "immune:\n"
    "  kill_max: {lognormal: {median: 1.2, sd_log: 0.25}}\n"
    "body:\n"
    "  weight_kg: {normal: {mean: 70, sd: 12, min: 40, max: 120}}\n"
    "markers:\n"
    "  mprotein: {half_life_days: {choice: {values: [21, 7, 14], weights: [2, 1, 1]}}}\n"
    "toxicity:\n"
    "  toci_at_grade: {uniform: {min: 1, max: 4}}\n"
    "tumour:\n"
    "  clones:\n"
    "    - cells: 1e9\n"
    "      birth: {lognormal: {median: 0.05, sd_log: 0.3}}\n"
    "    - cells: 1e8\n"
    "      pdl1: {uniform: {min: 0.1, max: 0.6}}\n"
    "      antigens:\n"
    "        BCMA:\n"
    "          density: {normal: {mean: 500, sd: 100}}\n"
    "          copies: {choice: {values: [2, 1]}}\n"
    "products:\n"
    "  - name: cart\n"
    "    dose_cells: {normal: {mean: 4.5e8, sd: 1e8, min: 1e8}}\n"
    "    targets: [{antigen: BCMA, d50: {uniform: {min: 100, max: 300}}}]\n"
    "drugs:\n"
    "  - name: bortezomib\n"
    "    pd: {emax: {choice: {values: [0.2, 0.4]}}}\n";

/* Offset of @p field in scenario @p s. */
static uint32_t
off_in(const mw_scenario_t *s, const void *field)
{
    return (uint32_t) ((const char *) field - (const char *) s);
}

static void
test_dist_load(void **state)
{
    mw_scenario_t s;
    (void) state;

    load_ok(&s, vary_yaml);
    const int bz = drug_index(&s, "bortezomib");
    const mw_clone_spec_t *c1 = &s.tumour.clones[1];
    const struct {
        const char *key;
        const void *field;
        int dist, is_int;
    } want[] = {
        {"tumour.clones[0].birth", &s.tumour.clones[0].traits.birth, MW_DIST_LOGNORMAL,
         0},
        {"tumour.clones[1].pdl1", &c1->traits.pdl1, MW_DIST_UNIFORM, 0},
        {"tumour.clones[1].antigens.BCMA.density",
         &c1->traits.antigen[MW_AG_BCMA].density, MW_DIST_NORMAL, 0},
        {"tumour.clones[1].antigens.BCMA.copies", &c1->traits.antigen[MW_AG_BCMA].copies,
         MW_DIST_CHOICE, 1},
        {"markers.mprotein.half_life_days", &s.markers.mprotein_half_life, MW_DIST_CHOICE,
         0},
        {"immune.kill_max", &s.immune.kill_max, MW_DIST_LOGNORMAL, 0},
        {"products[0].targets[0].d50", &s.immune.products[0].targets[0].d50,
         MW_DIST_UNIFORM, 0},
        {"products[0].dose_cells", &s.immune.products[0].dose_cells, MW_DIST_NORMAL, 0},
        {"toxicity.toci_at_grade", &s.toxicity.toci_at_grade, MW_DIST_UNIFORM, 1},
        {"body.weight_kg", &s.body.weight_kg, MW_DIST_NORMAL, 0},
        {"drugs[bortezomib].pd.emax", &s.therapy.drugs[bz].emax, MW_DIST_CHOICE, 0},
    };
    const int n = (int) (sizeof(want) / sizeof(want[0]));

    /* One entry per key at the value's offset, in the order of the offsets (not the
     * order of the file). */
    assert_int_equal(s.n_variables, n);
    for (int k = 0; k < n; k++) {
        const mw_variable_t *v = &s.variables[k];
        assert_string_equal(v->key, want[k].key);
        assert_int_equal(v->offset, off_in(&s, want[k].field));
        assert_int_equal(v->dist, want[k].dist);
        assert_int_equal(v->is_int, want[k].is_int);
    }
    /* The parameters as written; the key's range travels with the entry. */
    assert_true(s.variables[5].center == 1.2 && s.variables[5].spread == 0.25);
    assert_true(s.variables[9].min == 40 && s.variables[9].max == 120);
    assert_true(s.variables[9].lo == 0 && s.variables[9].hi == 500);
    assert_int_equal(s.variables[9].range_open, 1); /* weight_kg is (0, 500] */
    assert_int_equal(s.variables[4].n_values, 3);
    assert_true(s.variables[4].weights[0] == 2 && s.variables[4].weights[2] == 1);
    assert_true(isinf(s.variables[2].min) && isinf(s.variables[2].max));
    assert_true(s.variables[10].weights[0] == 1 && s.variables[10].weights[1] == 1);

    /* Base values: median, mean, midpoint (rounded down for an int), first choice. */
    assert_true(s.immune.kill_max == 1.2);
    assert_true(s.body.weight_kg == 70);
    assert_true(s.markers.mprotein_half_life == 21);
    assert_int_equal(s.toxicity.toci_at_grade, 2);
    assert_true(s.tumour.clones[0].traits.birth == 0.05);
    assert_true(c1->traits.pdl1 == 0.35);
    assert_true(c1->traits.antigen[MW_AG_BCMA].density == 500);
    assert_int_equal(c1->traits.antigen[MW_AG_BCMA].copies, 2);
    assert_true(s.immune.products[0].dose_cells == 4.5e8);
    assert_true(s.immune.products[0].targets[0].d50 == 200);
    assert_true(s.therapy.drugs[bz].emax == 0.2);

    /* A scenario without distributions has an empty, zeroed table. */
    load_ok(&s, full_yaml);
    assert_int_equal(s.n_variables, 0);
    for (size_t i = 0; i < sizeof(s.variables); i++) {
        assert_int_equal(((const unsigned char *) s.variables)[i], 0);
    }
}

static void
test_dist_json_hash(void **state)
{
    mw_scenario_t s, t;
    mw_diags_t d;
    (void) state;

    load_ok(&s, vary_yaml);
    char *a = json_of(&s, 2);
    assert_non_null(
        strstr(a, "\"birth\": {\"lognormal\": {\"median\": 0.05, \"sd_log\": 0.3}}"));
    assert_non_null(strstr(a, "\"weight_kg\": {\"normal\": {\"mean\": 70, \"sd\": 12, "
                              "\"min\": 40, \"max\": 120}}"));
    assert_non_null(strstr(a, "\"density\": {\"normal\": {\"mean\": 500, \"sd\": 100}}"));
    assert_non_null(
        strstr(a, "\"toci_at_grade\": {\"uniform\": {\"min\": 1, \"max\": 4}}"));
    assert_non_null(strstr(a,
                           "\"half_life_days\": {\"choice\": {\"values\": [21, 7, 14], "
                           "\"weights\": [2, 1, 1]}}"));
    assert_non_null(strstr(a, "\"emax\": {\"choice\": {\"values\": [0.2, 0.4], "
                              "\"weights\": [1, 1]}}"));
    free(a);
    /* The echo loads back to the same scenario, table included, compact or not. */
    for (int indent = 0; indent <= 2; indent += 2) {
        char *e = json_of(&s, indent), *f;
        mw_diags_clear(&d);
        mw_scenario_init_defaults(&t);
        if (mw_scenario_load_string(&t, e, "echo.json", &d) != 0) {
            mw_diags_print(&d, stdout);
            fail_msg("the JSON echo with distributions does not load");
        }
        assert_memory_equal(&s, &t, sizeof(s));
        f = json_of(&t, indent);
        assert_string_equal(e, f);
        free(e);
        free(f);
    }

    /* The hash covers every parameter of every distribution. */
    const uint64_t h = mw_scenario_hash(&s);
    t = s;
    t.variables[5].spread = 0.26;
    assert_true(mw_scenario_hash(&t) != h);
    t = s;
    t.variables[9].max = 121;
    assert_true(mw_scenario_hash(&t) != h);
    t = s;
    t.variables[4].weights[1] = 2;
    assert_true(mw_scenario_hash(&t) != h);
    t = s;
    t.variables[8].dist = MW_DIST_CHOICE;
    t.variables[8].n_values = 1;
    t.variables[8].values[0] = 2;
    t.variables[8].weights[0] = 1;
    assert_true(mw_scenario_hash(&t) != h);
    /* ... and a distribution differs from its base value as a plain number. */
    t = s;
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_set(&t, "immune.kill_max=1.2", &d), 0);
    assert_true(t.immune.kill_max == s.immune.kill_max);
    assert_true(mw_scenario_hash(&t) != h);
}

static void
test_dist_replace(void **state)
{
    mw_scenario_t s, t;
    mw_diags_t d;
    (void) state;

    /* A list given again replaces the distributions in its elements. */
    load_ok(&s, vary_yaml);
    mw_diags_clear(&d);
    assert_int_equal(
        mw_scenario_load_string(&s, "tumour: {clones: [{cells: 5}]}\n", "later.yaml", &d),
        0);
    assert_int_equal(s.n_variables, 7);
    assert_string_equal(s.variables[0].key, "markers.mprotein.half_life_days");
    assert_string_equal(s.variables[4].key, "toxicity.toci_at_grade");
    assert_string_equal(s.variables[6].key, "drugs[bortezomib].pd.emax");
    for (size_t i = 7 * sizeof(mw_variable_t); i < sizeof(s.variables); i++) {
        assert_int_equal(((const unsigned char *) s.variables)[i], 0);
    }
    /* A later file: a number removes the distribution, a distribution replaces it
     * (in the same place). */
    mw_diags_clear(&d);
    assert_int_equal(mw_scenario_load_string(&s,
                                             "immune: {kill_max: 2}\n"
                                             "toxicity:\n"
                                             "  toci_at_grade: {choice: {values: [3]}}\n"
                                             "drugs:\n"
                                             "  - {name: bortezomib, pd: {emax: 0.5}}\n",
                                             "later.yaml", &d),
                     0);
    assert_true(s.immune.kill_max == 2);
    assert_int_equal(s.n_variables, 5);
    assert_string_equal(s.variables[0].key, "markers.mprotein.half_life_days");
    assert_string_equal(s.variables[1].key, "products[0].targets[0].d50");
    assert_string_equal(s.variables[3].key, "toxicity.toci_at_grade");
    assert_int_equal(s.variables[3].dist, MW_DIST_CHOICE);
    assert_string_equal(s.variables[4].key, "body.weight_kg");
    assert_int_equal(s.toxicity.toci_at_grade, 3);
    assert_true(s.therapy.drugs[drug_index(&s, "bortezomib")].emax == 0.5);

    /* --set with a number removes the key's distribution: trait, antigen field,
     * top-level and library keys alike. */
    load_ok(&s, vary_yaml);
    assert_int_equal(set1(&s, "tumour.clones[0].birth=0.06", &d), 0);
    assert_int_equal(set1(&s, "tumour.clones[1].antigens.BCMA.density=400", &d), 0);
    assert_int_equal(set1(&s, "drugs[bortezomib].pd.emax=0.3", &d), 0);
    assert_int_equal(set1(&s, "body.weight_kg=80", &d), 0);
    assert_int_equal(set1(&s, "products[0].targets[0].d50=150", &d), 0);
    assert_int_equal(s.n_variables, 6);
    for (int k = 0; k < s.n_variables; k++) {
        assert_null(strstr(s.variables[k].key, "birth"));
        assert_null(strstr(s.variables[k].key, "density"));
        assert_null(strstr(s.variables[k].key, "emax"));
        assert_null(strstr(s.variables[k].key, "weight"));
        assert_null(strstr(s.variables[k].key, "d50"));
    }
    assert_true(s.tumour.clones[0].traits.birth == 0.06);
    /* A key set elsewhere keeps its distribution. */
    assert_int_equal(set1(&s, "tumour.clones[1].antigens.BCMA.spread=0.5", &d), 0);
    assert_int_equal(s.n_variables, 6);
    /* --set cannot give a distribution, and says so. */
    assert_int_equal(set1(&s, "immune.kill_max={uniform: {min: 1, max: 2}}", &d),
                     MW_ERR_CONFIG);
    expect_in(&d, 0, 0, "immune.kill_max", "only be given in the scenario file");
    assert_int_equal(s.n_variables, 6);

    /* Removing every distribution leaves the scenario the plain numbers give, byte
     * for byte. */
    load_ok(&s,
            "immune: {kill_max: {lognormal: {median: 1.2, sd_log: 0.25}}}\n"
            "tumour: {clones: [{cells: 1, birth: {uniform: {min: 0.1, max: 0.3}}}]}\n");
    assert_int_equal(set1(&s, "immune.kill_max=1.2", &d), 0);
    assert_int_equal(set1(&s, "tumour.clones[0].birth=0.2", &d), 0);
    load_ok(&t, "immune: {kill_max: 1.2}\ntumour: {clones: [{cells: 1, birth: 0.2}]}\n");
    assert_memory_equal(&s, &t, sizeof(s));
}

static void
test_dist_errors(void **state)
{
    mw_diags_t d;
    (void) state;

    /* An unknown distribution: did you mean, at its name. */
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      birth: {lognorml: {median: 0.1, sd_log: 0.1}}\n",
                 4, 15, "tumour.clones[0].birth",
                 "unknown distribution 'lognorml'; did you mean 'lognormal'?");
    expect_error("tumour:\n  clones:\n    - cells: 1\n      birth: {beta: {a: 1}}\n", 4,
                 14, "tumour.clones[0].birth",
                 "expected a number in [0, 100] or a distribution (lognormal, normal, "
                 "uniform or choice), got a mapping with key 'beta'");
    expect_error(
        "tumour:\n  clones:\n    - cells: 1\n"
        "      pdl1: {uniform: {min: 0.1, max: 0.2}, normal: {mean: 1, sd: 1}}\n",
        4, 13, "tumour.clones[0].pdl1", "got a mapping with 2 keys");
    /* Unknown, missing and malformed parameters. */
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      birth: {lognormal: {median: 0.1, sd_lg: 0.1}}\n",
                 4, 40, "tumour.clones[0].birth.lognormal.sd_lg",
                 "unknown lognormal parameter 'sd_lg'; did you mean 'sd_log'?");
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      birth: {lognormal: {median: 0.1}}\n",
                 4, 15, "tumour.clones[0].birth", "lognormal needs median and sd_log");
    expect_error("tumour:\n  clones:\n    - cells: 1\n      birth: {lognormal: 3}\n", 4,
                 26, "tumour.clones[0].birth.lognormal",
                 "expected a mapping of median, sd_log, got '3'");
    expect_error("body:\n  weight_kg: {uniform: {min: a, max: 80}}\n", 2, 30,
                 "body.weight_kg.uniform.min", "expected a number, got 'a'");
    expect_error("body:\n  weight_kg: {normal: {mean: 70, sd: -1}}\n", 2, 38,
                 "body.weight_kg.normal.sd", "normal sd must be a finite number >= 0");

    /* Support outside the key's range, for each distribution. */
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      pdl1: {uniform: {min: 0.5, max: 2}}\n",
                 4, 39, "tumour.clones[0].pdl1.uniform.max",
                 "uniform max 2 is outside [0, 1], the range of 'tumour.clones[0].pdl1'");
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      pdl1: {normal: {mean: 0.5, sd: 0.1, min: 2, max: 3}}\n",
                 4, 48, "tumour.clones[0].pdl1.normal.min",
                 "normal [min, max] = [2, 3] lies outside [0, 1]");
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      pdl1: {lognormal: {median: 2, sd_log: 0.1}}\n",
                 4, 34, "tumour.clones[0].pdl1.lognormal.median",
                 "lognormal median 2 is outside [0, 1]");
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      pdl1: {choice: {values: [0.1, 0.2, 3]}}\n",
                 4, 42, "tumour.clones[0].pdl1.choice.values",
                 "the 3rd choice value 3 is outside [0, 1]");
    expect_error("horizon_days: 10\ntumour:\n  clones:\n    - cells: 1\n"
                 "      antigens: {BCMA: {copies: {uniform: {min: 0, max: 3}}}}\n",
                 5, 57, "tumour.clones[0].antigens.BCMA.copies.uniform.max",
                 "uniform max 3 is outside [0, 2]");
    /* ... an open end of the range excludes its end point */
    expect_error("body:\n  weight_kg: {uniform: {min: 0, max: 80}}\n", 2, 30,
                 "body.weight_kg.uniform.min", "uniform min 0 is outside (0, 500]");
    /* ... and a range that keeps too little of a normal. */
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      pdl1: {normal: {mean: 0.5, sd: 100}}\n",
                 4, 38, "tumour.clones[0].pdl1.normal.sd",
                 "keeps only 0.4% of its draws");
    expect_error("body:\n  weight_kg: {normal: {mean: 70, sd: 1, min: 80}}\n", 2, 30,
                 "body.weight_kg.normal.mean", "normal mean 70 is outside [min, max]");

    /* Bad weights. */
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      pdl1: {choice: {values: [0.1, 0.2], weights: [1, -1]}}\n",
                 4, 56, "tumour.clones[0].pdl1.choice.weights",
                 "choice weight -1 (the 2nd) must be a finite number >= 0");
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      pdl1: {choice: {values: [0.1, 0.2], weights: [1]}}\n",
                 4, 52, "tumour.clones[0].pdl1.choice.weights",
                 "choice has 2 values but 1 weight; give one weight per value");
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      pdl1: {choice: {values: [0.1, 0.2], weights: [0, 0]}}\n",
                 4, 52, "tumour.clones[0].pdl1.choice.weights",
                 "choice weights must have a finite sum > 0");
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      pdl1: {choice: {values: 0.1}}\n",
                 4, 31, "tumour.clones[0].pdl1.choice.values",
                 "expected a list of numbers, got '0.1'");
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      pdl1: {choice: {values: [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}}\n",
                 4, 64, "tumour.clones[0].pdl1.choice.values",
                 "at most 16 values allowed");

    /* Keys that cannot vary: words, flags, edits, run settings. */
    expect_error("tumour:\n  clones:\n    - name: {uniform: {min: 1, max: 2}}\n"
                 "      cells: 1\n",
                 3, 13, "tumour.clones[0].name",
                 "'tumour.clones[0].name' takes a name of at most 63 characters, not a "
                 "distribution");
    expect_error("engine:\n  mode: {choice: {values: [1, 2]}}\n", 2, 9, "engine.mode",
                 "not a distribution");
    expect_error("tumour:\n  clones:\n    - cells: 1\n"
                 "      tp53_loss: {choice: {values: [0, 1]}}\n",
                 4, 18, "tumour.clones[0].tp53_loss",
                 "takes true or false, not a distribution");
    expect_error("tumour:\n  clones: [{cells: 1}]\nmutation:\n  catalogue:\n"
                 "    - edits: {pdl1: {uniform: {min: 0, max: 1}}}\n",
                 5, 21, "mutation.catalogue[0].edits.pdl1", "not a distribution");
    expect_error("horizon_days: {uniform: {min: 1, max: 2}}\n", 1, 15, "horizon_days",
                 "'horizon_days' is a setting of the run, the same for every patient");
    expect_error("engine:\n  max_step_days: {uniform: {min: 1, max: 2}}\n", 2, 18,
                 "engine.max_step_days", "is a setting of the run");

    /* Integer keys take uniform (integers) and choice only. */
    expect_error(
        "toxicity:\n  toci_at_grade: {lognormal: {median: 2, sd_log: 0.1}}\n", 2, 19,
        "toxicity.toci_at_grade",
        "'toxicity.toci_at_grade' is an integer: it takes uniform or choice, not "
        "lognormal");
    expect_error("toxicity:\n  toci_at_grade: {normal: {mean: 2, sd: 1}}\n", 2, 19,
                 "toxicity.toci_at_grade", "not normal");
    expect_error("toxicity:\n  toci_at_grade: {uniform: {min: 1.5, max: 3}}\n", 2, 34,
                 "toxicity.toci_at_grade.uniform.min",
                 "uniform min 1.5 is not an integer");
    expect_error("toxicity:\n  toci_at_grade: {choice: {values: [1, 2.5]}}\n", 2, 40,
                 "toxicity.toci_at_grade.choice.values", "is not an integer");

    /* At most MW_MAX_VARIABLES keys vary. */
    {
        size_t cap = 100 * (MW_MAX_VARIABLES + 2), used = 0;
        char *y = malloc(cap);
        assert_non_null(y);
        used += (size_t) snprintf(y, cap, "tumour:\n  clones:\n");
        for (int i = 0; i <= MW_MAX_VARIABLES; i++) {
            used += (size_t) snprintf(
                y + used, cap - used,
                "    - {cells: 1, birth: {uniform: {min: 0, max: 1}}}\n");
        }
        load_bad(y, &d);
        expect_in(&d, 3 + MW_MAX_VARIABLES, 25, "tumour.clones[64].birth",
                  "at most 64 keys may vary between patients");
        free(y);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_scenario),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_json_equivalent),
        cmocka_unit_test(test_list_replaces),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_trailing_junk),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_nan_inf),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_unknown_antigen),
        cmocka_unit_test(test_bad_edit),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_bad_enum),
        cmocka_unit_test(test_duplicate_and_names),
        cmocka_unit_test(test_multiple_errors),
        cmocka_unit_test(test_empty_and_top_level),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_immune_defaults),
        cmocka_unit_test(test_immune_load),
        cmocka_unit_test(test_immune_errors),
        cmocka_unit_test(test_immune_validate),
        cmocka_unit_test(test_immune_set),
        cmocka_unit_test(test_immune_round_trip),
        cmocka_unit_test(test_immune_params),
        cmocka_unit_test(test_therapy_load),
        cmocka_unit_test(test_keyed_edit),
        cmocka_unit_test(test_keyed_errors),
        cmocka_unit_test(test_keyed_set),
        cmocka_unit_test(test_days_cycles),
        cmocka_unit_test(test_therapy_validate),
        cmocka_unit_test(test_therapy_round_trip),
        cmocka_unit_test(test_library),
        cmocka_unit_test(test_locate),
        cmocka_unit_test(test_from_set),
        cmocka_unit_test(test_dist_load),
        cmocka_unit_test(test_dist_json_hash),
        cmocka_unit_test(test_dist_replace),
        cmocka_unit_test(test_dist_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
