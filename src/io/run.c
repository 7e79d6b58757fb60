/*
 * `marrow run`: simulate replicates of one scenario and write the tidy outputs of
 * SPEC.md §9 (timeseries.csv in long form, clones.csv, tree.nwk, events.csv,
 * summary.json, run.json).  Every file is written under a ".partial" name and
 * renamed only when the whole run succeeded, so a failed or interrupted run never
 * leaves a file that looks complete.  Output depends only on (seed, replicate
 * index, scenario).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cohort/stats.h"
#include "core/core.h"
#include "io/out.h"
#include "tumour/traits.h"

enum { F_TS = 0, F_CLONES, F_TREE, F_EVENTS, F_OBS, F_CELLS, F_SUMMARY, F_RUN, F_N };
static const char *const file_names[F_N] = {"timeseries.csv",   "clones.csv",
                                      "tree.nwk",         "events.csv",
                                      "observations.csv", "single_cells.csv",
                                      "summary.json",     "run.json"};

static void
ts_row(FILE *f, const char *pre, double t, const char *var, double v)
{
    fprintf(f, "%s%.12g,%s,", pre, t, var);
    mw__write_num(f, v);
    fputc('\n', f);
}

/* A name as it appears inside a CSV variable or column name: no separators. */
static const char *
csv_name(const char *name, char *buf, size_t len)
{
    size_t i = 0;
    for (; name[i] != '\0' && i + 1 < len; i++) {
        char c = name[i];
        buf[i] = (c == ',' || c == '"' || c == '\n' || c == '\r' || c == ' ') ? '_' : c;
    }
    buf[i] = '\0';
    return buf;
}

static int
immune_present(const mw_scenario_t *sc)
{
    return sc->immune.n_products > 0 || sc->immune.n_engagers > 0 ||
           sc->immune.t_kill_max > 0 || sc->immune.nk_kill_max > 0;
}

/* CAR-T, endogenous immunity, engagers and toxicity at one output time. */
static void
write_immune(FILE *f, const mw_scenario_t *sc, const mw_sim_t *sim, const char *pre,
             double t)
{
    char var[128], nm[MW_NAME_MAX];
    mw_immune_state_t is;
    mw_toxicity_t tx;

    for (int p = 0; p < sc->immune.n_products; p++) {
        mw_cart_state_t cs;
        const char *n = csv_name(sc->immune.products[p].name, nm, sizeof(nm));
        (void) mw_sim_cart(sim, p, &cs);
        snprintf(var, sizeof(var), "cart_effector:%s", n);
        ts_row(f, pre, t, var, cs.effector);
        snprintf(var, sizeof(var), "cart_memory:%s", n);
        ts_row(f, pre, t, var, cs.memory);
        snprintf(var, sizeof(var), "cart_exhausted:%s", n);
        ts_row(f, pre, t, var, cs.exhausted);
        snprintf(var, sizeof(var), "cart_blood_cells_ul:%s", n);
        ts_row(f, pre, t, var, cs.blood_cells_ul);
        snprintf(var, sizeof(var), "cart_copies_ug:%s", n);
        ts_row(f, pre, t, var, cs.copies_ug);
        snprintf(var, sizeof(var), "antigen_load:%s", n);
        ts_row(f, pre, t, var, cs.antigen_load);
    }
    mw_sim_immune(sim, &is);
    ts_row(f, pre, t, "t_cells", is.t_cells);
    ts_row(f, pre, t, "t_cells_exhausted", is.t_exhausted);
    ts_row(f, pre, t, "nk_cells", is.nk_cells);
    for (int g = 0; g < sc->immune.n_engagers; g++) {
        const char *n = csv_name(sc->immune.engagers[g].name, nm, sizeof(nm));
        snprintf(var, sizeof(var), "engager_ug_ml:%s", n);
        ts_row(f, pre, t, var, is.engager_ug_ml[g]);
        snprintf(var, sizeof(var), "engager_occupancy:%s", n);
        ts_row(f, pre, t, var, is.engager_occupancy[g]);
    }
    mw_sim_toxicity(sim, &tx);
    ts_row(f, pre, t, "cytokine_il6_pg_ml", tx.il6_pg_ml);
    ts_row(f, pre, t, "crs_grade", tx.crs_grade);
    ts_row(f, pre, t, "icans_grade", tx.icans_grade);
}

static void
write_timepoint(FILE *f, const mw_sim_t *sim, const char *pre, double t)
{
    double bm, em;
    mw_markers_t mk;
    int alive = 0;
    char var[64];

    mw_sim_tumour(sim, &bm, &em);
    mw_sim_markers(sim, &mk);
    ts_row(f, pre, t, "tumour_cells", bm + em);
    ts_row(f, pre, t, "tumour_cells_bm", bm);
    ts_row(f, pre, t, "tumour_cells_em", em);
    ts_row(f, pre, t, "il6_pg_ml", mk.il6_pg_ml);
    ts_row(f, pre, t, "mprotein_g_dl", mk.mprotein_g_dl);
    ts_row(f, pre, t, "flc_mg_l", mk.flc_mg_l);
    ts_row(f, pre, t, "sbcma_ng_ml", mk.sbcma_ng_ml);
    ts_row(f, pre, t, "ctdna_hge_ml", mk.ctdna_hge_ml);
    for (int i = 0; i < mw_sim_n_clones(sim); i++) {
        const mw_clone_t *c = mw_sim_clone(sim, i);
        if (c->cells_bm + c->cells_em > 0) {
            alive++;
        }
    }
    ts_row(f, pre, t, "clones_alive", alive);
    for (int i = 0; i < mw_sim_n_clones(sim); i++) {
        const mw_clone_t *c = mw_sim_clone(sim, i);
        double n = c->cells_bm + c->cells_em;
        if (n > 0) {
            snprintf(var, sizeof(var), "clone_cells:%d", c->id);
            ts_row(f, pre, t, var, n);
        }
    }
}

/* Drug concentrations and occupancy, and where the plan stands. */
static void
write_therapy(FILE *f, const mw_scenario_t *sc, const mw_sim_t *sim, const char *pre,
              double t)
{
    char var[128], nm[MW_NAME_MAX];
    mw_therapy_state_t ts;

    for (int d = 0; d < sc->therapy.n_drugs; d++) {
        mw_drug_state_t ds;
        if (mw_sim_drug(sim, d, &ds) != 0 || !ds.in_plan ||
            sc->therapy.drugs[d].route == MW_ROUTE_RADIATION) {
            continue;
        }
        const char *n = csv_name(sc->therapy.drugs[d].name, nm, sizeof(nm));
        snprintf(var, sizeof(var), "drug_ng_ml:%s", n);
        ts_row(f, pre, t, var, ds.conc_ng_ml);
        snprintf(var, sizeof(var), "drug_occupancy:%s", n);
        ts_row(f, pre, t, var, ds.occupancy);
    }
    mw_sim_therapy(sim, &ts);
    ts_row(f, pre, t, "line", ts.line + 1);
    ts_row(f, pre, t, "on_treatment", ts.on_treatment);
}

void
mw__write_timeseries(FILE *f, const mw_scenario_t *sc, const mw_sim_t *sim, const char *pre,
                     double t)
{
    write_timepoint(f, sim, pre, t);
    if (immune_present(sc)) {
        write_immune(f, sc, sim, pre, t);
    }
    if (sc->therapy.n_lines > 0) {
        write_therapy(f, sc, sim, pre, t);
    }
}

static const char *
born_label(const mw_scenario_t *sc, const mw_clone_t *c, char *buf, size_t len)
{
    switch (c->born) {
        case MW_BORN_FOUNDER:
            snprintf(buf, len, "founder:%s",
                     c->id < sc->tumour.n_clones ? sc->tumour.clones[c->id].name : "?");
            break;
        case MW_BORN_MUTATION:
            snprintf(buf, len, "mutation:%s",
                     c->mutation >= 0 && c->mutation < sc->mutation.n_entries
                         ? sc->mutation.catalogue[c->mutation].name
                         : "?");
            break;
        default:
            snprintf(buf, len, "switch");
            break;
    }
    return buf;
}

static void
clones_header(FILE *f, const mw_scenario_t *sc, int with_rep)
{
    char nm[MW_NAME_MAX];
    if (with_rep) {
        fputs("replicate,", f);
    }
    fputs("clone_id,parent_id,born_day,event,cells_final,cells_bm,cells_em,peak_cells,"
          "extinct_day,switched",
          f);
    for (int i = 0; i < mw_n_traits(); i++) {
        fprintf(f, ",%s", mw_trait_name(i));
    }
    for (int a = 0; a < MW_N_ANTIGENS; a++) {
        const char *n = mw_antigen_name(a);
        fprintf(f, ",%s_density,%s_spread,%s_copies,%s_epitope", n, n, n, n);
    }
    /* recognition 0..1 of the clone by each CAR-T product and engager */
    for (int p = 0; p < sc->immune.n_products; p++) {
        fprintf(f, ",recognition:%s", csv_name(sc->immune.products[p].name, nm, sizeof(nm)));
    }
    for (int g = 0; g < sc->immune.n_engagers; g++) {
        fprintf(f, ",recognition:%s", csv_name(sc->immune.engagers[g].name, nm, sizeof(nm)));
    }
    fputc('\n', f);
}

static void
clones_rows(FILE *f, const mw_scenario_t *sc, const mw_sim_t *sim, int rep, int with_rep)
{
    char buf[128];
    for (int i = 0; i < mw_sim_n_clones(sim); i++) {
        const mw_clone_t *c = mw_sim_clone(sim, i);
        if (with_rep) {
            fprintf(f, "%d,", rep);
        }
        fprintf(f, "%d,", c->id);
        if (c->parent >= 0) {
            fprintf(f, "%d", c->parent);
        } else {
            fputs("NA", f);
        }
        fputc(',', f);
        mw__write_num(f, c->born_day);
        fprintf(f, ",%s,", born_label(sc, c, buf, sizeof(buf)));
        mw__write_num(f, c->cells_bm + c->cells_em);
        fputc(',', f);
        mw__write_num(f, c->cells_bm);
        fputc(',', f);
        mw__write_num(f, c->cells_em);
        fputc(',', f);
        mw__write_num(f, c->peak_cells);
        fputc(',', f);
        mw__write_num(f, c->extinct_day);
        fprintf(f, ",%d", c->switched);
        for (int k = 0; k < mw_n_traits(); k++) {
            fputc(',', f);
            mw__write_num(f, mw__trait_get(&c->traits, k));
        }
        for (int a = 0; a < MW_N_ANTIGENS; a++) {
            const mw_antigen_t *ag = &c->traits.antigen[a];
            fputc(',', f);
            mw__write_num(f, ag->density);
            fputc(',', f);
            mw__write_num(f, ag->spread);
            fprintf(f, ",%d,%d", ag->copies, ag->epitope);
        }
        for (int k = 0; k < sc->immune.n_products + sc->immune.n_engagers; k++) {
            fputc(',', f);
            mw__write_num(f, mw_sim_recognition(sim, i, k));
        }
        fputc('\n', f);
    }
}

/* Newick: every clone is a tip labelled c<id>; a clone with descendants is an
 * unlabelled internal node holding its own tip (length 0) and its children's
 * subtrees.  Branch lengths are days between births; founders hang from a root. */
static double
branch_days(const mw_sim_t *sim, int v)
{
    const mw_clone_t *c = mw_sim_clone(sim, v);
    return c->parent >= 0 ? c->born_day - mw_sim_clone(sim, c->parent)->born_day : 0.0;
}

static int
write_newick(FILE *f, const mw_sim_t *sim)
{
    int n = mw_sim_n_clones(sim);
    int *first = malloc((size_t) (n + 1) * sizeof(int));
    int *next = malloc((size_t) (n + 1) * sizeof(int));
    int *stack = malloc((size_t) (n + 1) * sizeof(int));
    int *state = calloc((size_t) (n + 1), sizeof(int));
    int ret = 0;

    if (first == NULL || next == NULL || stack == NULL || state == NULL) {
        ret = MW_ERR_NO_MEMORY;
        goto out;
    }
    /* node n is a virtual root holding the founders */
    for (int i = 0; i <= n; i++) {
        first[i] = -1;
        next[i] = -1;
    }
    for (int i = n - 1; i >= 0; i--) {
        const mw_clone_t *c = mw_sim_clone(sim, i);
        int p = c->parent >= 0 ? c->parent : n;
        next[i] = first[p];
        first[p] = i;
    }
    /* iterative depth-first walk: state 0 = enter, 1 = children done */
    int sp = 0;
    stack[sp++] = n;
    while (sp > 0) {
        int v = stack[sp - 1];
        if (state[v] == 0) {
            state[v] = 1;
            if (v < n && first[v] < 0) {
                /* a leaf clone: print it whole */
                sp--;
                fprintf(f, "c%d:%.12g", v, branch_days(sim, v));
                if (next[v] >= 0) {
                    fputc(',', f);
                }
                continue;
            }
            fputc('(', f);
            if (v < n) {
                fprintf(f, "c%d:0,", v);
            }
            /* push children, then reverse them so the smallest id is on top */
            int base = sp;
            for (int k = first[v]; k >= 0; k = next[k]) {
                stack[sp++] = k;
            }
            for (int a = base, b = sp - 1; a < b; a++, b--) {
                int tmp = stack[a];
                stack[a] = stack[b];
                stack[b] = tmp;
            }
            continue;
        }
        sp--;
        fputc(')', f);
        if (v < n) {
            fprintf(f, ":%.12g", branch_days(sim, v));
            /* a sibling follows if the parent has more children after v */
            if (next[v] >= 0) {
                fputc(',', f);
            }
        }
    }
    fputs(";\n", f);
out:
    free(first);
    free(next);
    free(stack);
    free(state);
    return ret;
}

static void
event_rows(FILE *f, const mw_scenario_t *sc, const mw_sim_t *sim, int rep, int with_rep)
{
    char buf[128];
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (with_rep) {
            fprintf(f, "%d,", rep);
        }
        fprintf(f, "%.12g,%s,", e->t_days, mw_event_name(e->kind));
        switch (e->kind) {
            case MW_EV_CLONE_BORN:
                fprintf(f, "clone=%d;parent=%d;via=%s", e->clone, e->other,
                        born_label(sc, mw_sim_clone(sim, e->clone), buf, sizeof(buf)));
                break;
            case MW_EV_EM_SEEDED:
            case MW_EV_CLONE_EXTINCT:
                fprintf(f, "clone=%d", e->clone);
                break;
            case MW_EV_INFUSION:
            case MW_EV_SAFETY_SWITCH:
                if (e->other >= 0 && e->other < sc->immune.n_products) {
                    fprintf(f, "product=%s;cells=%.6g",
                            csv_name(sc->immune.products[e->other].name, buf, sizeof(buf)),
                            sc->immune.products[e->other].dose_cells);
                }
                break;
            case MW_EV_ENGAGER_DOSE:
                if (e->other >= 0 && e->other < sc->immune.n_engagers) {
                    fprintf(f, "engager=%s",
                            csv_name(sc->immune.engagers[e->other].name, buf, sizeof(buf)));
                }
                break;
            case MW_EV_CRS:
            case MW_EV_ICANS:
                fprintf(f, "grade=%d", e->other);
                break;
            case MW_EV_DOSE:
                if (e->other >= 0 && e->other < sc->therapy.n_drugs) {
                    const mw_drug_t *d = &sc->therapy.drugs[e->other];
                    fprintf(f, "drug=%s;%s=%.6g", csv_name(d->name, buf, sizeof(buf)),
                            d->route == MW_ROUTE_RADIATION ? "gy" : "mg", e->value);
                }
                break;
            case MW_EV_LYMPHODEPLETION:
                if (e->other >= 0 && e->other < sc->therapy.n_drugs) {
                    fprintf(f, "drug=%s",
                            csv_name(sc->therapy.drugs[e->other].name, buf, sizeof(buf)));
                }
                break;
            case MW_EV_POLICY:
                if (e->other >= 0 && e->other < sc->monitoring.n_policies) {
                    const mw_policy_t *p = &sc->monitoring.policies[e->other];
                    fprintf(f, "policy=%s;action=%s;", csv_name(p->name, buf, sizeof(buf)),
                            mw_action_name(p->action));
                    fprintf(f, "quantity=%s;value=%.6g", csv_name(p->quantity, buf, sizeof(buf)),
                            e->value);
                }
                break;
            case MW_EV_RESPONSE:
                fprintf(f, "response=%s", mw_response_name(e->other));
                if (e->value >= 0) {
                    fprintf(f, ";mprotein_g_dl=%.6g", e->value);
                }
                break;
            case MW_EV_LINE_START:
            case MW_EV_APHERESIS:
            case MW_EV_LINE_END:
            case MW_EV_PHASE_START:
            case MW_EV_PROGRESSION:
                if (e->other >= 0 && e->other < sc->therapy.n_lines) {
                    const mw_line_t *l = &sc->therapy.lines[e->other];
                    fprintf(f, "line=%d;name=%s", e->other + 1,
                            csv_name(l->name, buf, sizeof(buf)));
                    if (e->kind == MW_EV_PHASE_START) {
                        int ph = (int) e->value;
                        fprintf(f, ";phase=%d;regimen=%s", ph + 1,
                                ph >= 0 && ph < l->n_phases
                                    ? csv_name(l->phases[ph].regimen, buf, sizeof(buf))
                                    : "");
                    } else if (e->kind == MW_EV_PROGRESSION && e->value >= 0) {
                        fprintf(f, ";mprotein_g_dl=%.6g", e->value);
                    }
                }
                break;
            default:
                break;
        }
        fputc('\n', f);
    }
}

/* observations.csv: what the clinic saw, one row per measured value */
static void
obs_rows(FILE *f, const mw_sim_t *sim, int rep, int with_rep)
{
    char buf[160];
    for (int i = 0; i < mw_sim_n_obs(sim); i++) {
        const mw_obs_t *o = mw_sim_obs(sim, i);
        if (with_rep) {
            fprintf(f, "%d,", rep);
        }
        fprintf(f, "%.12g,%s,%s,", o->t_days, mw_assay_name(o->assay),
                mw_obs_label(sim, o, buf, sizeof(buf)));
        mw__write_num(f, o->value);
        fputc('\n', f);
    }
}

/* single_cells.csv: the cells single-cell sampling captured */
static void
cell_rows(FILE *f, const mw_sim_t *sim, int rep, int with_rep)
{
    for (int i = 0; i < mw_sim_n_cells(sim); i++) {
        const mw_cell_obs_t *x = mw_sim_cell(sim, i);
        if (with_rep) {
            fprintf(f, "%d,", rep);
        }
        fprintf(f, "%.12g,%d,%d,%s,%d", x->t_days, x->sample, i + 1,
                x->compartment == 0 ? "marrow" : "extramedullary", x->clone);
        for (int a = 0; a < MW_N_ANTIGENS; a++) {
            fputc(',', f);
            mw__write_num(f, x->density[a]);
        }
        fputc('\n', f);
    }
}

typedef struct {
    double final_cells, final_bm, final_em, peak_cells, extinction_day;
    int extinct, clones_total, clones_alive;
    int died;
    double death_day;
    mw_cart_pk_t pk[MW_MAX_PRODUCTS];
    mw_toxicity_t tox;
    mw_counters_t counters;
    mw_therapy_state_t ther;
    int lines_started, doses;
    mw_line_response_t resp[MW_MAX_LINES];
} rep_summary_t;

static void
summarise(const mw_scenario_t *sc, const mw_sim_t *sim, rep_summary_t *r)
{
    memset(r, 0, sizeof(*r));
    mw_sim_tumour(sim, &r->final_bm, &r->final_em);
    r->final_cells = r->final_bm + r->final_em;
    r->extinction_day = NAN;
    r->clones_total = mw_sim_n_clones(sim);
    for (int i = 0; i < r->clones_total; i++) {
        const mw_clone_t *c = mw_sim_clone(sim, i);
        if (c->cells_bm + c->cells_em > 0) {
            r->clones_alive++;
        }
    }
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_TUMOUR_EXTINCT) {
            r->extinct = 1;
            r->extinction_day = e->t_days;
        }
    }
    if (r->final_cells > 0) {
        r->extinct = 0;
        r->extinction_day = NAN;
    }
    mw_sim_counters(sim, &r->counters);
    r->death_day = NAN;
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        const mw_event_t *e = mw_sim_event(sim, i);
        if (e->kind == MW_EV_DEATH) {
            r->died = 1;
            r->death_day = e->t_days;
        }
    }
    for (int p = 0; p < sc->immune.n_products; p++) {
        (void) mw_sim_cart_pk(sim, p, &r->pk[p]);
    }
    mw_sim_toxicity(sim, &r->tox);
    mw_sim_therapy(sim, &r->ther);
    for (int i = 0; i < mw_sim_n_events(sim); i++) {
        int k = mw_sim_event(sim, i)->kind;
        r->lines_started += k == MW_EV_LINE_START;
        r->doses += k == MW_EV_DOSE;
    }
    /* Every line the clinic assessed: the plan's, or without a plan the implicit
     * line from the first infusion or engager dose. */
    for (int l = 0; l < MW_MAX_LINES; l++) {
        (void) mw_sim_line_response(sim, l, &r->resp[l]);
    }
}

/* Per line: IMWG best response, time to and duration of response, progression
 * (from what the clinic saw). */
static void
write_response_summary(FILE *f, const rep_summary_t *r)
{
    fputs(",\n     \"lines\": [", f);
    for (int l = 0, first = 1; l < MW_MAX_LINES; l++) {
        const mw_line_response_t *x = &r->resp[l];
        if (!x->started) {
            continue; /* never given (a policy may skip lines) */
        }
        fprintf(f, "%s{\"line\": %d, \"start_day\": ", first ? "" : ", ", l + 1);
        first = 0;
        mw__json_num(f, x->start_day);
        fputs(", \"best_response\": ", f);
        mw__json_str(f, mw_response_name(x->best));
        mw__json_field(f, "time_to_response_days", x->response_day - x->start_day);
        mw__json_field(f, "duration_of_response_days", x->progression_day - x->response_day);
        mw__json_field(f, "progression_day", x->progression_day);
        fputs(", \"relapse_type\": ", f);
        mw__json_str(f, mw_relapse_name(x->relapse_type));
        mw__json_field(f, "end_day", x->end_day);
        fputs(", \"ended_by\": ", f);
        mw__json_str(f, mw_line_end_name(x->ended_by));
        fputs("}", f);
    }
    fputs("]", f);
}

/* Per-replicate CAR-T kinetics and toxicity (inside the replicate's object). */
static void
write_immune_summary(FILE *f, const mw_scenario_t *sc, const rep_summary_t *r)
{
    fprintf(f, ",\n     \"died\": %s, \"death_day\": ", r->died ? "true" : "false");
    mw__json_num(f, r->death_day);
    fprintf(f, ", \"crs_max_grade\": %d, \"icans_max_grade\": %d, \"crs_onset_day\": ",
            r->tox.crs_max, r->tox.icans_max);
    mw__json_num(f, r->tox.crs_onset_day);
    fprintf(f, ", \"tocilizumab\": %d, \"corticosteroids\": %d", r->tox.toci_given,
            r->tox.steroid_given);
    fputs(",\n     \"cart\": [", f);
    for (int p = 0; p < sc->immune.n_products; p++) {
        const mw_cart_pk_t *pk = &r->pk[p];
        fputs(p > 0 ? ", {\"product\": " : "{\"product\": ", f);
        mw__json_str(f, sc->immune.products[p].name);
        fprintf(f, ", \"infused\": %s", pk->infused ? "true" : "false");
        mw__json_field(f, "cmax_copies_ug", pk->cmax);
        mw__json_field(f, "cmax_cells_ul", pk->cmax_cells_ul);
        mw__json_field(f, "tmax_days", pk->tmax_days);
        mw__json_field(f, "auc0_28_copies_ug_days", pk->auc0_28);
        mw__json_field(f, "persistence_days", pk->persistence_days);
        fputs("}", f);
    }
    fputs("]", f);
}

/* The values replicate @p i drew for the keys that vary between patients
 * (@p drawn holds sc->n_variables per replicate). */
static void
write_drawn(FILE *f, const mw_scenario_t *sc, const double *drawn, int i)
{
    fputs(",\n     \"drawn\": {", f);
    for (int k = 0; k < sc->n_variables; k++) {
        fputs(k > 0 ? ", " : "", f);
        mw__json_str(f, sc->variables[k].key);
        fputs(": ", f);
        mw__json_num(f, drawn[(size_t) i * (size_t) sc->n_variables + (size_t) k]);
    }
    fputs("}", f);
}

/* The covariate values replicate @p i drew (@p cov holds sc->n_covariates per
 * replicate). */
static void
write_covariates(FILE *f, const mw_scenario_t *sc, const double *cov, int i)
{
    fputs(",\n     \"covariates\": {", f);
    for (int k = 0; k < sc->n_covariates; k++) {
        fputs(k > 0 ? ", " : "", f);
        mw__json_str(f, sc->covariates[k].name);
        fputs(": ", f);
        mw__json_num(f, cov[(size_t) i * (size_t) sc->n_covariates + (size_t) k]);
    }
    fputs("}", f);
}

static void
write_summary(FILE *f, const mw_scenario_t *sc, const mw_run_options_t *o,
              const rep_summary_t *r, const double *drawn, const double *cov, int n)
{
    double mean = 0, lo, hi;
    int ext = 0;

    fprintf(f, "{\n  \"marrow_version\": \"%s\",\n  \"scenario\": ", mw_version());
    mw__json_str(f, sc->name);
    if (sc->trial.arm >= 0 && sc->trial.arm < sc->trial.n_arms) {
        fputs(",\n  \"arm\": ", f);
        mw__json_str(f, sc->trial.arms[sc->trial.arm].name);
    }
    fprintf(f, ",\n  \"scenario_hash\": \"%016llx\",\n",
            (unsigned long long) mw_scenario_hash(sc));
    fprintf(f, "  \"seed\": %llu,\n  \"mode\": \"%s\",\n  \"replicates\": %d,\n",
            (unsigned long long) o->seed, mw_mode_name(sc->engine.mode), n);
    fprintf(f, "  \"horizon_days\": ");
    mw__json_num(f, sc->horizon_days);
    fprintf(f, ",\n  \"per_replicate\": [\n");
    for (int i = 0; i < n; i++) {
        fprintf(f, "    {\"replicate\": %d, \"final_cells\": ", i);
        mw__json_num(f, r[i].final_cells);
        fputs(", \"final_cells_bm\": ", f);
        mw__json_num(f, r[i].final_bm);
        fputs(", \"final_cells_em\": ", f);
        mw__json_num(f, r[i].final_em);
        fprintf(f, ", \"extinct\": %s, \"extinction_day\": ", r[i].extinct ? "true" : "false");
        mw__json_num(f, r[i].extinction_day);
        fprintf(f, ", \"clones_total\": %d, \"clones_alive\": %d", r[i].clones_total,
                r[i].clones_alive);
        fprintf(f,
                ", \"events\": %llu, \"rejected_candidates\": %llu, \"steps\": %llu, "
                "\"clone_steps\": %llu",
                (unsigned long long) r[i].counters.events,
                (unsigned long long) r[i].counters.rejections,
                (unsigned long long) r[i].counters.steps,
                (unsigned long long) r[i].counters.clone_steps);
        if (drawn != NULL) {
            write_drawn(f, sc, drawn, i);
        }
        if (cov != NULL) {
            write_covariates(f, sc, cov, i);
        }
        if (immune_present(sc)) {
            write_immune_summary(f, sc, &r[i]);
        }
        if (sc->therapy.n_lines > 0) {
            fprintf(f, ",\n     \"lines_started\": %d, \"doses\": %d, \"progressions\": %d",
                    r[i].lines_started, r[i].doses, r[i].ther.progressions);
            mw__json_field(f, "first_progression_day", r[i].ther.first_progression_day);
            write_response_summary(f, &r[i]);
        } else if (r[i].resp[0].started) {
            write_response_summary(f, &r[i]);
        }
        fprintf(f, "}%s\n", i + 1 < n ? "," : "");
        mean += r[i].final_cells;
        ext += r[i].extinct;
    }
    mean /= n;
    if (immune_present(sc)) {
        int any = 0, g3 = 0, icans = 0, died = 0;
        for (int i = 0; i < n; i++) {
            any += r[i].tox.crs_max >= 1;
            g3 += r[i].tox.crs_max >= 3;
            icans += r[i].tox.icans_max >= 1;
            died += r[i].died;
        }
        fputs("  ],\n  \"toxicity\": {", f);
        mw__json_fraction(f, "crs_any", any, n);
        fputs(", ", f);
        mw__json_fraction(f, "crs_grade3plus", g3, n);
        fputs(", ", f);
        mw__json_fraction(f, "icans_any", icans, n);
        fputs(", ", f);
        mw__json_fraction(f, "treatment_related_death", died, n);
        fputs("},\n", f);
    } else {
        fputs("  ],\n", f);
    }
    if (sc->therapy.n_lines > 0) {
        int prog = 0;
        for (int i = 0; i < n; i++) {
            prog += r[i].ther.progressions > 0;
        }
        fputs("  \"therapy\": {", f);
        mw__json_fraction(f, "progressed", prog, n);
        fputs("},\n", f);
    }
    fputs("  \"aggregate\": {\"mean_final_cells\": ", f);
    (void) mw__wilson(ext, n, MW_STATS_Z95, &lo, &hi);
    mw__json_num(f, mean);
    fprintf(f, ", \"extinct\": %d, \"extinct_fraction\": ", ext);
    mw__json_num(f, (double) ext / n);
    fputs(", \"extinct_fraction_wilson95\": [", f);
    mw__json_num(f, lo);
    fputs(", ", f);
    mw__json_num(f, hi);
    fputs("]}\n}\n", f);
}

int
mw_run(const mw_scenario_t *sc, const mw_run_options_t *o, mw_run_result_t *result,
       char *errbuf, size_t errlen)
{
    mw__outputs_t out;
    rep_summary_t *reps = NULL;
    mw_scenario_t *patient = NULL;
    mw_diags_t *diags = NULL;
    double *drawn = NULL, *cov = NULL;
    const int nv = sc->n_variables, nc = sc->n_covariates;
    int ret, with_rep, n = o->replicates;
    double t0 = mw__now_seconds();
    int tty = !o->quiet && isatty(2);

    if (n < 1) {
        mw__seterr(errbuf, errlen, "replicates must be >= 1");
        return MW_ERR_BAD_PARAM;
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
    /* One scenario for every replicate's patient, drawn in turn. */
    reps = calloc((size_t) n, sizeof(*reps));
    patient = malloc(sizeof(*patient));
    if (nv > 0 || nc > 0) {
        diags = malloc(sizeof(*diags));
    }
    if (nv > 0) {
        drawn = calloc((size_t) n * (size_t) nv, sizeof(*drawn));
    }
    if (nc > 0) {
        cov = calloc((size_t) n * (size_t) nc, sizeof(*cov));
    }
    if (reps == NULL || patient == NULL || ((nv > 0 || nc > 0) && diags == NULL) ||
        (nv > 0 && drawn == NULL) || (nc > 0 && cov == NULL)) {
        mw__seterr(errbuf, errlen, "out of memory");
        (void) mw__outputs_close(&out, 0, NULL, 0);
        free(reps);
        free(patient);
        free(diags);
        free(drawn);
        free(cov);
        return MW_ERR_NO_MEMORY;
    }
    with_rep = n > 1;
    fputs(with_rep ? "replicate,t_days,variable,value\n" : "t_days,variable,value\n",
          out.f[F_TS]);
    clones_header(out.f[F_CLONES], sc, with_rep);
    fputs(with_rep ? "replicate,t_days,kind,detail\n" : "t_days,kind,detail\n",
          out.f[F_EVENTS]);
    fputs(with_rep ? "replicate,t_days,assay,quantity,value\n" : "t_days,assay,quantity,value\n",
          out.f[F_OBS]);
    fputs(with_rep ? "replicate,t_days,sample,cell,compartment,clone_id"
                   : "t_days,sample,cell,compartment,clone_id",
          out.f[F_CELLS]);
    for (int a = 0; a < MW_N_ANTIGENS; a++) {
        fprintf(out.f[F_CELLS], ",density:%s", mw_antigen_name(a));
    }
    fputc('\n', out.f[F_CELLS]);

    int last_pct = -1;
    for (int rep = 0; rep < n && ret == 0; rep++) {
        mw_sim_t *sim = NULL;
        const mw_scenario_t *ps = patient;
        ret = mw__patient_draw(sc, o->seed, (uint32_t) rep, patient,
                               nc > 0 ? &cov[(size_t) rep * (size_t) nc] : NULL, diags,
                               "replicate", errbuf, errlen);
        if (ret != 0) {
            break;
        }
        if (nv > 0) {
            for (int k = 0; k < nv; k++) {
                const mw_variable_t *v = &sc->variables[k];
                const char *at = (const char *) patient + v->offset;
                double x;
                if (v->is_int) {
                    int y;
                    memcpy(&y, at, sizeof(y));
                    x = y;
                } else {
                    memcpy(&x, at, sizeof(x));
                }
                drawn[(size_t) rep * (size_t) nv + (size_t) k] = x;
            }
        }
        ret = mw_sim_create(ps, o->seed, (uint32_t) rep, &sim);
        if (ret != 0) {
            mw__seterr(errbuf, errlen, "replicate %d: cannot start: %s", rep,
                       mw_strerror(ret));
            break;
        }
        long k = 0;
        double t = 0;
        char pre[24] = "";
        if (with_rep) {
            snprintf(pre, sizeof(pre), "%d,", rep);
        }
        mw__write_timeseries(out.f[F_TS], ps, sim, pre, 0.0);
        while (t < sc->horizon_days) {
            t = mw__output_time(sc, ++k);
            ret = mw_sim_run_until(sim, t);
            if (ret < 0) {
                mw__seterr(errbuf, errlen, "replicate %d failed at day %g: %s", rep,
                           mw_sim_time(sim), mw_strerror(ret));
                break;
            }
            if (ret == MW_EXIT_DEATH) {
                /* the patient died: the series ends at the day of death */
                mw__write_timeseries(out.f[F_TS], ps, sim, pre, mw_sim_time(sim));
                ret = 0;
                break;
            }
            ret = 0;
            mw__write_timeseries(out.f[F_TS], ps, sim, pre, t);
        }
        if (ret == 0) {
            clones_rows(out.f[F_CLONES], ps, sim, rep, with_rep);
            event_rows(out.f[F_EVENTS], ps, sim, rep, with_rep);
            obs_rows(out.f[F_OBS], sim, rep, with_rep);
            cell_rows(out.f[F_CELLS], sim, rep, with_rep);
            ret = write_newick(out.f[F_TREE], sim);
            summarise(ps, sim, &reps[rep]);
        }
        mw_sim_free(sim);
        if (!o->quiet && n > 1) {
            int pct = (int) (100.0 * (rep + 1) / n);
            if (tty) {
                fprintf(stderr, "\r%d/%d replicates (%d%%)", rep + 1, n, pct);
            } else if (pct / 10 != last_pct / 10) {
                fprintf(stderr, "%d/%d replicates (%d%%)\n", rep + 1, n, pct);
            }
            last_pct = pct;
        }
    }
    if (tty && n > 1) {
        fputc('\n', stderr);
    }
    if (ret == 0) {
        write_summary(out.f[F_SUMMARY], sc, o, reps, drawn, cov, n);
        mw__provenance_t prov = {o->command_line, o->seed, "replicates", n, 1};
        ret = mw__write_run_json(out.f[F_RUN], sc, &prov);
        if (ret != 0) {
            /* a stream error leaves the failed write's errno (ENOSPC, EIO...) */
            mw__seterr(errbuf, errlen, "cannot write run.json: %s",
                       ret == MW_ERR_IO ? strerror(errno) : mw_strerror(ret));
        }
    }
    int cret = mw__outputs_close(&out, ret == 0, ret == 0 ? errbuf : NULL, errlen);
    if (ret == 0) {
        ret = cret;
    }
    if (ret == 0 && result != NULL) {
        result->replicates = n;
        result->mean_final_cells = 0;
        result->n_extinct = 0;
        for (int i = 0; i < n; i++) {
            result->mean_final_cells += reps[i].final_cells / n;
            result->n_extinct += reps[i].extinct;
        }
        result->wall_seconds = mw__now_seconds() - t0;
    }
    free(reps);
    free(patient);
    free(diags);
    free(drawn);
    free(cov);
    return ret;
}
