/* Adaptive policies (SPEC.md §6): the condition logic on readings alone, and, in a
 * patient, that a policy acts at the visit whose observations meet it, with the
 * observed value it saw, and never on the hidden state. */
#include <stdio.h>
#include <string.h>

#include "clinic/policy.h"
#include "testlib.h"

static mw_policy_t
rule(double above, double below, int visits, int rising)
{
    mw_policy_t p;
    memset(&p, 0, sizeof(p));
    p.above = above;
    p.below = below;
    p.visits = visits;
    p.rising = rising;
    p.once = 1;
    return p;
}

static int
due(const mw_policy_t *p, const double *v, int n, int line)
{
    mw_policy_state_t st;
    mw_policy_view_t view = {n - 1.0, line, 1};
    double x;
    memset(&st, 0, sizeof(st));
    for (int i = 0; i < n; i++) {
        mw__policy_push(&st, i, v[i]);
    }
    return mw__policy_due(p, &st, &view, &x);
}

static void
test_conditions(void **state)
{
    (void) state;
    const double neg2[] = {1, 0, 0}, neg1[] = {0, 1, 0}, rise[] = {5, 6, 7}, flat[] = {5, 7, 7};
    mw_policy_t p = rule(INFINITY, 0.5, 2, 0); /* MRD negative twice */
    assert_true(due(&p, neg2, 3, 0));
    assert_false(due(&p, neg1, 3, 0));
    assert_false(due(&p, neg2, 2, 0)); /* only one reading below so far */
    p = rule(4.0, -INFINITY, 2, 1);     /* above 4 and rising on two readings */
    assert_true(due(&p, rise, 3, 0));
    assert_false(due(&p, flat, 3, 0));
    assert_false(due(&p, rise, 2, 0)); /* rising needs one reading before */
    p.line = 2;                        /* only during line 2 */
    assert_false(due(&p, rise, 3, 0));
    assert_true(due(&p, rise, 3, 1));
    /* once: a state that has fired does not fire again */
    mw_policy_state_t st;
    mw_policy_view_t view = {2, 1, 1};
    double x;
    memset(&st, 0, sizeof(st));
    for (int i = 0; i < 3; i++) {
        mw__policy_push(&st, i, rise[i]);
    }
    st.fired = 1;
    assert_false(mw__policy_due(&p, &st, &view, &x));
    p.once = 0;
    assert_true(mw__policy_due(&p, &st, &view, &x));
    assert_true(x == 7);
    /* only on a fresh reading: a later visit that did not measure it leaves it */
    view.t = 3;
    assert_false(mw__policy_due(&p, &st, &view, &x));
    view.t = 2;
    /* treatment: on / off */
    p.treated = 2;
    assert_false(mw__policy_due(&p, &st, &view, &x));
    view.treated = 0;
    assert_true(mw__policy_due(&p, &st, &view, &x));
    p.treated = 1;
    assert_false(mw__policy_due(&p, &st, &view, &x));
}

static void
test_quantity_labels(void **state)
{
    (void) state;
    mw_scenario_t sc;
    int q, i;
    mw_test_scenario(&sc, "tumour:\n  clones: [{name: a, cells: 1.0e+9}]\n"
                          "mutation:\n  rate: 1.0e-9\n  catalogue: [{name: CRBN, edits: "
                          "{crbn_loss: true}}]\n");
    assert_int_equal(mw__quantity_parse(&sc, "mrd_positive", &q, &i), 0);
    assert_int_equal(q, MW_Q_MRD_POSITIVE);
    assert_int_equal(mw__quantity_parse(&sc, "antigen_negative_fraction:BCMA", &q, &i), 0);
    assert_true(q == MW_Q_ANTIGEN_NEGATIVE && i == MW_AG_BCMA);
    assert_int_equal(mw__quantity_parse(&sc, "vaf:CRBN", &q, &i), 0);
    assert_true(q == MW_Q_VAF_MUTATION && i == 0);
    assert_int_equal(mw__quantity_parse(&sc, "vaf:c0", &q, &i), 0);
    assert_true(q == MW_Q_VAF_CLONE && i == 0);
    assert_int_not_equal(mw__quantity_parse(&sc, "vaf:c1", &q, &i), 0); /* one founder */
    assert_int_not_equal(mw__quantity_parse(&sc, "mrd_positive:BCMA", &q, &i), 0);
    assert_int_not_equal(mw__quantity_parse(&sc, "antigen_median", &q, &i), 0);
    assert_int_not_equal(mw__quantity_parse(&sc, "tumour_cells", &q, &i), 0);
}

/* MRD-guided stop of maintenance: a shrinking tumour under a maintenance drug; the
 * policy stops treatment at the second consecutive MRD-negative aspirate.  The stop
 * must fall on that visit, and carry the reading it saw. */
static void
test_mrd_guided_stop(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_test_scenario(&sc,
                     "horizon_days: 720\n"
                     "tumour:\n  clones: [{name: a, cells: 1.0e+9, birth: 0.02, death: 0.01, "
                     "niche_dependence: 0}]\n"
                     "drugs:\n  - {name: maint, route: iv, pk: {volume_l: 10, half_life_h: 1000},"
                     " pd: {emax: 0.06, ec50_ng_ml: 10}}\n"
                     "regimens:\n  - {name: M, cycle_days: 28, cycles: 0, doses: [{drug: maint, "
                     "dose: 100, days: 1}]}\n"
                     "plan:\n  lines: [{phases: [{regimen: M}]}]\n"
                     "monitoring:\n  marrow: {every_days: 28}\n"
                     "policies:\n  - name: stop-on-mrd\n    when: {quantity: mrd_positive, "
                     "below: 0.5, visits: 2}\n    do: {action: stop}\n");
    mw_sim_t *sim;
    assert_int_equal(mw_sim_create(&sc, 3, 0, &sim), 0);
    int ret = mw_sim_run_until(sim, 720);
    assert_true(ret == 0 || ret == MW_EXIT_EXTINCT);
    double t_stop = NAN, value = NAN;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_POLICY) {
            assert_true(t_stop != t_stop); /* once: still unset */
            t_stop = e->t_days;
            value = e->value;
        }
    }
    assert_true(t_stop == t_stop); /* fired */
    /* the two MRD readings up to the stop were negative, the one before positive */
    double last[3] = {NAN, NAN, NAN};
    int doses_after = 0;
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *o = mw_sim_obs(sim, i);
        if (o->quantity == MW_Q_MRD_POSITIVE && o->t_days <= t_stop) {
            last[0] = last[1];
            last[1] = last[2];
            last[2] = o->value;
        }
    }
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        doses_after += e->kind == MW_EV_DOSE && e->t_days > t_stop;
    }
    printf("  stopped on day %g after MRD readings %g, %g, %g\n", t_stop, last[0], last[1],
           last[2]);
    assert_true(last[0] == 1 && last[1] == 0 && last[2] == 0 && value == 0);
    assert_int_equal(doses_after, 0);
    mw_sim_free(sim);
}

/* add_regimen: dexamethasone joins lenalidomide from the visit that fired the rule;
 * lenalidomide goes on. */
static void
test_add_regimen(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_test_scenario(&sc, "horizon_days: 200\n"
                          "tumour:\n  clones: [{name: a, cells: 5.0e+10, birth: 0.03, "
                          "death: 0.02}]\n"
                          "plan:\n  lines: [{phases: [{regimen: R}]}]\n"
                          "policies:\n  - name: add-dex\n    when: {quantity: mprotein_g_dl, "
                          "above: 1.0}\n    do: {action: add_regimen, regimen: bridging-Dex}\n");
    mw_sim_t *sim;
    assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
    assert_int_equal(mw_sim_run_until(sim, 200), 0);
    double t_fire = -1, first_dex = -1;
    int len_before = 0, len_after = 0, dex = 0;
    int d_len = -1, d_dex = -1;
    for (int d = 0; d < sc.therapy.n_drugs; d++) {
        d_len = strcmp(sc.therapy.drugs[d].name, "lenalidomide") == 0 ? d : d_len;
        d_dex = strcmp(sc.therapy.drugs[d].name, "dexamethasone") == 0 ? d : d_dex;
    }
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_POLICY) {
            t_fire = e->t_days;
        } else if (e->kind == MW_EV_DOSE && e->other == d_dex) {
            first_dex = first_dex < 0 ? e->t_days : first_dex;
            dex++;
        } else if (e->kind == MW_EV_DOSE && e->other == d_len) {
            len_before += t_fire < 0;
            len_after += t_fire >= 0;
        }
    }
    printf("  rule fired on day %g; dexamethasone doses %d from day %g; lenalidomide %d "
           "before, %d after\n",
           t_fire, dex, first_dex, len_before, len_after);
    assert_true(t_fire >= 0 && first_dex == t_fire && dex > 0);
    assert_true(len_before > 0 && len_after > 0);
    mw_therapy_state_t ts;
    mw_sim_therapy(sim, &ts);
    assert_true(ts.on_treatment);
    mw_sim_free(sim);
}

static int
count_kind(const mw_sim_t *sim, int kind, double *first)
{
    int n = 0;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == kind) {
            *first = n++ == 0 ? e->t_days : *first;
        }
    }
    return n;
}

/* Regressions from review: a policy firing on a line's start assays acts on the
 * plan that day; imaging at a line's start is its baseline (no "new lesion" from
 * disease already there); progression on the last line cancels a CAR-T infusion
 * still to come; an added regimen that fires again does not stack doses. */
static void
test_plan_edges(void **state)
{
    (void) state;
    mw_scenario_t sc;
    mw_sim_t *sim;
    double t;

    mw_test_scenario(&sc, "horizon_days: 60\n"
                          "tumour: {clones: [{name: a, cells: 5.0e+10, birth: 0.035, "
                          "death: 0.025}]}\n"
                          "plan:\n  start_day: 5\n  lines:\n"
                          "    - {name: l1, phases: [{regimen: R-maintenance}]}\n"
                          "    - {name: l2, phases: [{regimen: Rd}]}\n"
                          "policies: [{name: nxt, when: {quantity: marrow_pc_pct, above: 0}, "
                          "do: {action: next_line}}]\n");
    assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
    assert_int_equal(mw_sim_run_until(sim, 60), 0);
    assert_int_equal(count_kind(sim, MW_EV_PHASE_START, &t), 2);
    mw_therapy_state_t ts;
    mw_sim_therapy(sim, &ts);
    assert_int_equal(ts.line, 1);
    int late = 0;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        late += e->kind == MW_EV_PHASE_START && e->t_days != 5;
    }
    assert_int_equal(late, 0); /* line 2's phase starts on day 5, not at a later stop */
    mw_sim_free(sim);

    mw_test_scenario(&sc, "horizon_days: 200\n"
                          "tumour: {clones: [{name: a, cells: 5.0e+10, em_cells: 5.0e+9, "
                          "birth: 0.035, death: 0.025}]}\n"
                          "monitoring: {imaging: {every_days: 56, from_day: 28, "
                          "at_line_start: true}}\n"
                          "plan: {lines: [{phases: [{regimen: R-maintenance}]}]}\n");
    assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
    assert_int_equal(mw_sim_run_until(sim, 200), 0);
    assert_int_equal(count_kind(sim, MW_EV_PROGRESSION, &t), 0);
    mw_sim_free(sim);

    mw_test_scenario(&sc, "horizon_days: 120\n"
                          "tumour: {clones: [{name: fast, cells: 1.0e+10, birth: 0.2, "
                          "death: 0.02, crbn_loss: true}]}\n"
                          "immune: {t_cells: 1.0e+9, nk_cells: 1.0e+9}\n"
                          "products: [{name: p, dose_cells: 4.5e+8, targets: [{antigen: BCMA}]}]\n"
                          "monitoring: {spep: {every_days: 7}}\n"
                          "plan: {lines: [{cart: {product: p, vein_to_vein_days: 90}}]}\n");
    assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
    int ret = mw_sim_run_until(sim, 120);
    assert_true(ret == 0);
    assert_int_equal(count_kind(sim, MW_EV_PROGRESSION, &t), 1);
    assert_true(t < 90);
    assert_int_equal(count_kind(sim, MW_EV_INFUSION, &t), 0);
    mw_sim_free(sim);

    mw_test_scenario(&sc, "horizon_days: 120\n"
                          "tumour: {clones: [{name: a, cells: 5.0e+10, birth: 0.035, "
                          "death: 0.025}]}\n"
                          "regimens: [{name: DexLong, cycle_days: 56, cycles: 0, doses: "
                          "[{drug: dexamethasone, dose: 40, days: 1-56}]}]\n"
                          "plan: {lines: [{phases: [{regimen: R-maintenance}]}]}\n"
                          "policies: [{name: add, when: {quantity: mprotein_g_dl, above: 0}, "
                          "once: false, do: {action: add_regimen, regimen: DexLong}}]\n");
    assert_int_equal(mw_sim_create(&sc, 1, 0, &sim), 0);
    assert_int_equal(mw_sim_run_until(sim, 120), 0);
    int dex = 0, d = -1;
    for (int k = 0; k < sc.therapy.n_drugs; k++) {
        d = strcmp(sc.therapy.drugs[k].name, "dexamethasone") == 0 ? k : d;
    }
    double first = -1;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_DOSE && e->other == d) {
            first = first < 0 ? e->t_days : first;
            dex++;
        }
    }
    /* one dose a day from the first firing to the horizon, no more */
    printf("  added dexamethasone: %d doses from day %g\n", dex, first);
    assert_int_equal(dex, (int) (120 - first) + 1);
    mw_sim_free(sim);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_quantity_labels),
        cmocka_unit_test(test_mrd_guided_stop),
        cmocka_unit_test(test_add_regimen),
        cmocka_unit_test(test_plan_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
