/*
 * Adaptive treatment policies (SPEC.md §6): conditions on observed quantities and
 * the plan's position.  Deliberately without the engine's header: a policy gets
 * its readings and a view of the plan, nothing else (docs/model.md §9.4).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/policy.h"
#include "core/core.h"

const char *
mw_action_name(int action)
{
    static const char *names[MW_N_ACTIONS] = {"next_line",   "start_line", "stop",
                                              "safety_switch", "tocilizumab", "steroids",
                                              "monitor",     "add_regimen", "resume"};
    return action >= 0 && action < MW_N_ACTIONS ? names[action] : "unknown";
}

const char *
mw__quantity_base(int q)
{
    static const char *names[MW_N_QUANTITIES] = {
        "mprotein_g_dl",     "ife_positive",   "flc_involved_mg_l",
        "flc_uninvolved_mg_l", "flc_ratio",    "marrow_pc_pct",
        "mrd_fraction",      "mrd_positive",   "flow_tumour_cells",
        "antigen_median",    "antigen_negative_fraction", "pdl1_high_fraction",
        "vaf",               "vaf",            "ctdna_detected",
        "emd_seen",          "cart_cells_ul",  "cart_copies_ug",
        "cart_exhausted_fraction", "t_cells_ul", "nk_cells_ul",
        "cytokine_il6_pg_ml", "crs_grade",     "icans_grade",
        "il10_pg_ml",        "tgfb_ng_ml",     "cells_captured",
        "specific_lysis",
    };
    return q >= 0 && q < MW_N_QUANTITIES ? names[q] : "unknown";
}

/* Which quantities take an index after a colon, and of what. */
enum { IDX_NONE = 0, IDX_ANTIGEN, IDX_VAF, IDX_PRODUCT };

static int
index_kind(int q)
{
    switch (q) {
        case MW_Q_ANTIGEN_MEDIAN:
        case MW_Q_ANTIGEN_NEGATIVE:
            return IDX_ANTIGEN;
        case MW_Q_VAF_CLONE:
        case MW_Q_VAF_MUTATION:
            return IDX_VAF;
        case MW_Q_CART_CELLS_UL:
        case MW_Q_CART_COPIES_UG:
        case MW_Q_CART_EXHAUSTED:
        case MW_Q_SPECIFIC_LYSIS:
            return IDX_PRODUCT;
        default:
            return IDX_NONE;
    }
}

int
mw__quantity_parse(const mw_scenario_t *sc, const char *label, int *q, int *index)
{
    const char *colon = strchr(label, ':');
    size_t n = colon != NULL ? (size_t) (colon - label) : strlen(label);
    const char *rest = colon != NULL ? colon + 1 : "";

    for (int k = 0; k < MW_N_QUANTITIES; k++) {
        const char *b = mw__quantity_base(k);
        if (strlen(b) != n || strncmp(b, label, n) != 0) {
            continue;
        }
        int kind = index_kind(k);
        if ((kind == IDX_NONE) != (colon == NULL)) {
            return MW_ERR_BAD_VALUE;
        }
        *q = k;
        *index = -1;
        switch (kind) {
            case IDX_ANTIGEN:
                for (int a = 0; a < MW_N_ANTIGENS; a++) {
                    if (strcmp(mw_antigen_name(a), rest) == 0) {
                        *index = a;
                    }
                }
                break;
            case IDX_VAF:
                for (int e = 0; e < sc->mutation.n_entries; e++) {
                    if (strcmp(sc->mutation.catalogue[e].name, rest) == 0) {
                        *q = MW_Q_VAF_MUTATION;
                        *index = e;
                    }
                }
                if (*index < 0 && rest[0] == 'c' && rest[1] >= '0' && rest[1] <= '9') {
                    char *end;
                    long c = strtol(rest + 1, &end, 10);
                    if (*end == '\0' && c < sc->tumour.n_clones) {
                        *q = MW_Q_VAF_CLONE;
                        *index = (int) c;
                    }
                }
                break;
            case IDX_PRODUCT:
                for (int p = 0; p < sc->immune.n_products; p++) {
                    if (strcmp(sc->immune.products[p].name, rest) == 0) {
                        *index = p;
                    }
                }
                break;
            default:
                return 0;
        }
        return *index >= 0 ? 0 : MW_ERR_BAD_VALUE;
    }
    return MW_ERR_BAD_VALUE;
}

void
mw__policy_push(mw_policy_state_t *st, double t, double value)
{
    st->t_last = t;
    if (st->n == MW_POLICY_RING) {
        memmove(st->v, st->v + 1, (MW_POLICY_RING - 1) * sizeof(st->v[0]));
        st->n--;
    }
    st->v[st->n++] = value;
}

int
mw__policy_due(const mw_policy_t *p, const mw_policy_state_t *st, const mw_policy_view_t *v,
               double *value)
{
    const int k = p->visits > 0 ? p->visits : 1;

    /* a rule acts on a fresh reading only: a visit that did not measure its
     * quantity leaves it alone */
    if ((p->once && st->fired > 0) || (p->line > 0 && v->line != p->line - 1) ||
        (p->treated == 1 && !v->treated) || (p->treated == 2 && v->treated) ||
        st->n < k + (p->rising ? 1 : 0) || !(st->t_last == v->t)) {
        return 0;
    }
    for (int i = st->n - k; i < st->n; i++) {
        double x = st->v[i];
        if (!(x > p->above || x < p->below)) {
            return 0;
        }
        if (p->rising && !(x > st->v[i - 1])) {
            return 0;
        }
    }
    *value = st->v[st->n - 1];
    return 1;
}
