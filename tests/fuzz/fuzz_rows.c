/* Fuzz target: the patients.csv row parser that `marrow merge` and `--resume` read
 * shard and partial files with (mw__row_parse), on a fixed two-arm trial with a
 * binary and a numeric covariate.  Each input line is one row. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/trial.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mw__spec_t sp;
    if (sp.n_arms == 0) {
        sp.n = 1000;
        sp.end = 1000;
        sp.horizon_days = 1826;
        sp.n_arms = 2;
        snprintf(sp.arm[0], sizeof(sp.arm[0]), "A");
        snprintf(sp.arm[1], sizeof(sp.arm[1]), "B, with a comma");
        sp.n_cov = 2;
        snprintf(sp.cov[0], sizeof(sp.cov[0]), "del17p");
        sp.cov_binary[0] = 1;
        snprintf(sp.cov[1], sizeof(sp.cov[1]), "fitness");
    }
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    for (char *line = text, *next; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        mw__row_t row;
        char why[256];
        (void) mw__row_parse(line, &sp, &row, why, sizeof(why));
    }
    free(text);
    return 0;
}
