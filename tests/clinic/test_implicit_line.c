/* A scenario without a plan is assessed as one implicit line (line 0): it starts at
 * the first CAR-T infusion or engager dose (day 0 when that is earlier or when
 * nothing is given), its IMWG response and progression come from the clinic's
 * visits as a plan line's would, and the first progression is what
 * mw_sim_therapy reports (cohort PFS).  Nothing moves on after it: there is no
 * line 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define SEED 7

/* A BCMA engager against 1e11 marrow cells (M-protein about 3 g/dL: measurable). */
static const char *engager_yaml =
    "name: implicit-engager\n"
    "horizon_days: 365\n"
    "output_every_days: 7\n"
    "tumour:\n"
    "  capacity: 2.0e+11\n"
    "  clones:\n"
    "    - {name: main, cells: 1.0e+11, birth: 0.05, death: 0.02}\n"
    "engagers:\n"
    "  - name: tec\n"
    "    target: {antigen: BCMA, d50: 100, hill: 2}\n"
    "    start_day: 0\n"
    "    step_up: [{mg_kg: 0.06}, {mg_kg: 0.3}]\n";

/* Untreated, growing: a line of observation from day 0 that ends in progression. */
static const char *untreated_yaml =
    "name: implicit-untreated\n"
    "horizon_days: 365\n"
    "output_every_days: 7\n"
    "tumour:\n"
    "  capacity: 1.0e+12\n"
    "  clones:\n"
    "    - {name: main, cells: 5.0e+10, birth: 0.03, death: 0.02}\n";

/* A CAR-T infused on day 40 that misses a BCMA-null subclone, with flow every 28
 * days: the relapse is typed on the product's target. */
static const char *cart_yaml =
    "name: implicit-cart\n"
    "horizon_days: 400\n"
    "output_every_days: 7\n"
    "tumour:\n"
    "  capacity: 2.0e+11\n"
    "  clones:\n"
    "    - {name: main, cells: 1.0e+11, birth: 0.035, death: 0.015}\n"
    "    - name: bcma-null\n"
    "      cells: 1.0e+8\n"
    "      birth: 0.035\n"
    "      death: 0.015\n"
    "      antigens: {BCMA: {copies: 0}}\n"
    "immune: {ld_day: 37, ld_depth: 0.9}\n"
    "products:\n"
    "  - {name: car, dose_cells: 4.5e+8, infusion_day: 40, targets: [{antigen: BCMA}]}\n"
    "monitoring:\n"
    "  flow: {every_days: 28}\n";

static int
count_events(const mw_sim_t *sim, int kind, double *first)
{
    int n = 0;
    *first = NAN;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == kind) {
            if (n++ == 0) {
                *first = e->t_days;
            }
        }
    }
    return n;
}

static mw_sim_t *
run_to_horizon(const mw_scenario_t *sc, uint32_t rep)
{
    mw_sim_t *sim = NULL;
    assert_int_equal(mw_sim_create(sc, SEED, rep, &sim), 0);
    int ret = mw_sim_run_until(sim, sc->horizon_days);
    assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
    return sim;
}

/* The engager patient responds: line 0 started on day 0, a confirmed response >= PR
 * dated at a visit, response events logged, no line 1, and no progression yet
 * while the tumour is still far below its starting size. */
static void
test_engager_response(void **state)
{
    (void) state;
    mw_scenario_t *sc = malloc(sizeof(*sc));
    mw_line_response_t lr;
    mw_therapy_state_t th;
    double first;

    mw_test_scenario(sc, engager_yaml);
    mw_sim_t *sim = run_to_horizon(sc, 0);
    assert_int_equal(mw_sim_line_response(sim, 0, &lr), 0);
    assert_int_equal(lr.started, 1);
    assert_true(lr.start_day == 0.0);
    assert_true(lr.best >= MW_RESP_PR);
    /* the first response >= PR is dated at an electrophoresis visit (every 28 d) */
    assert_true(lr.response_day > 0 && fmod(lr.response_day, 28.0) == 0.0);
    assert_true(count_events(sim, MW_EV_RESPONSE, &first) >= 2);
    assert_true(first > 0); /* day 0 is the baseline, not a response */
    assert_int_equal(mw_sim_line_response(sim, 1, &lr), 0);
    assert_int_equal(lr.started, 0);
    mw_sim_therapy(sim, &th);
    assert_int_equal(th.line, -1); /* the plan has no line: the therapy state is untouched */
    mw_sim_free(sim);
    free(sc);
}

/* Untreated growth progresses: the line's IMWG progression date is the therapy's
 * first progression (what cohort PFS reads), one progression event on line 0,
 * dated at the first of the two confirming visits, which it precedes by 28 days. */
static void
test_untreated_progression(void **state)
{
    (void) state;
    mw_scenario_t *sc = malloc(sizeof(*sc));
    mw_line_response_t lr;
    mw_therapy_state_t th;
    double first;

    mw_test_scenario(sc, untreated_yaml);
    for (uint32_t rep = 0; rep < 3; rep++) {
        mw_sim_t *sim = run_to_horizon(sc, rep);
        assert_int_equal(mw_sim_line_response(sim, 0, &lr), 0);
        assert_int_equal(lr.started, 1);
        assert_true(lr.start_day == 0.0);
        assert_true(lr.progression_day > 0);
        assert_int_equal(lr.ended_by, MW_LINE_PROGRESSION);
        assert_int_equal(lr.relapse_type, MW_RELAPSE_MEDULLARY);
        mw_sim_therapy(sim, &th);
        assert_int_equal(th.progressions, 1);
        assert_true(th.first_progression_day == lr.progression_day);
        assert_int_equal(count_events(sim, MW_EV_PROGRESSION, &first), 1);
        assert_true(first == lr.progression_day + 28.0); /* confirmed at the next visit */
        for (int i = 0; i < mw_sim_n_events(sim); i++) {
            const mw_event_t *e = mw_sim_event(sim, i);
            if (e->kind == MW_EV_PROGRESSION) {
                assert_int_equal(e->other, 0);
            }
            assert_int_not_equal(e->kind, MW_EV_LINE_START); /* no plan line starts */
        }
        mw_sim_free(sim);
    }
    free(sc);
}

/* A CAR-T infused on day 40: the line starts then (the baseline is the disease the
 * product meets, so no response is confirmed before it), and the relapse from the
 * BCMA-null subclone is typed antigen-negative by flow on the product's target. */
static void
test_cart_late_start_and_relapse_type(void **state)
{
    (void) state;
    mw_scenario_t *sc = malloc(sizeof(*sc));
    mw_line_response_t lr;
    mw_therapy_state_t th;
    double first;

    mw_test_scenario(sc, cart_yaml);
    mw_sim_t *sim = run_to_horizon(sc, 0);
    assert_int_equal(mw_sim_line_response(sim, 0, &lr), 0);
    assert_int_equal(lr.started, 1);
    assert_true(lr.start_day == 40.0);
    assert_true(count_events(sim, MW_EV_RESPONSE, &first) >= 1);
    assert_true(first > 40.0);
    assert_true(lr.best >= MW_RESP_PR);
    assert_true(lr.progression_day > 40.0);
    assert_int_equal(lr.relapse_type, MW_RELAPSE_ANTIGEN_NEGATIVE);
    mw_sim_therapy(sim, &th);
    assert_true(th.first_progression_day == lr.progression_day);
    mw_sim_free(sim);

    /* with a plan of the same product the plan's line is the one assessed */
    mw_test_set(sc, "plan.lines[0].cart.product=car");
    sim = run_to_horizon(sc, 0);
    assert_int_equal(mw_sim_line_response(sim, 0, &lr), 0);
    assert_int_equal(lr.started, 1);
    assert_true(lr.start_day == 0.0); /* apheresis at the plan's start */
    assert_int_equal(count_events(sim, MW_EV_LINE_START, &first), 1);
    mw_sim_free(sim);
    free(sc);
}

/* The implicit line's record depends only on (seed, patient, scenario). */
static void
test_deterministic(void **state)
{
    (void) state;
    mw_scenario_t *sc = malloc(sizeof(*sc));
    mw_line_response_t a, b;

    mw_test_scenario(sc, engager_yaml);
    mw_sim_t *s1 = run_to_horizon(sc, 3), *s2 = run_to_horizon(sc, 3);
    assert_int_equal(mw_sim_line_response(s1, 0, &a), 0);
    assert_int_equal(mw_sim_line_response(s2, 0, &b), 0);
    assert_int_equal(a.best, b.best);
    assert_true(a.response_day == b.response_day);
    assert_int_equal(mw_sim_n_obs(s1), mw_sim_n_obs(s2));
    mw_sim_free(s1);
    mw_sim_free(s2);
    free(sc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engager_response),
        cmocka_unit_test(test_untreated_progression),
        cmocka_unit_test(test_cart_late_start_and_relapse_type),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
