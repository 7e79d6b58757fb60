/* Error codes, messages and the diagnostics list for user input. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

const char *
mw_strerror(int code)
{
    switch (code) {
#define MW_X_MSG(name, value, msg)                                                    \
    case value:                                                                       \
        return msg;
        MW_ERROR_LIST(MW_X_MSG)
#undef MW_X_MSG
        case 0:
            return "success";
        default:
            return "unknown error";
    }
}

const char *
mw_err_name(int code)
{
    switch (code) {
#define MW_X_NAME(name, value, msg)                                                   \
    case value:                                                                       \
        return #name;
        MW_ERROR_LIST(MW_X_NAME)
#undef MW_X_NAME
        case 0:
            return "MW_OK";
        default:
            return "MW_ERR_UNKNOWN";
    }
}

void
mw_diags_clear(mw_diags_t *self)
{
    self->n = 0;
    self->n_total = 0;
}

void
mw__diag_add(mw_diags_t *d, int code, const char *file, int line, int col,
             const char *key, const char *fmt, ...)
{
    mw_diag_t *x;
    va_list ap;

    if (d == NULL) {
        return;
    }
    d->n_total++;
    if (d->n >= MW_DIAG_MAX) {
        return;
    }
    x = &d->d[d->n++];
    memset(x, 0, sizeof(*x));
    x->code = code;
    x->line = line;
    x->col = col;
    snprintf(x->file, sizeof(x->file), "%s", file != NULL ? file : "");
    snprintf(x->key, sizeof(x->key), "%s", key != NULL ? key : "");
    va_start(ap, fmt);
    vsnprintf(x->msg, sizeof(x->msg), fmt, ap);
    va_end(ap);
}

void
mw_diags_print(const mw_diags_t *self, FILE *out)
{
    for (int i = 0; i < self->n; i++) {
        const mw_diag_t *x = &self->d[i];
        if (x->line > 0) {
            fprintf(out, "%s:%d:%d: ", x->file, x->line, x->col);
        } else if (x->file[0] != '\0') {
            fprintf(out, "%s: ", x->file);
        }
        if (x->key[0] != '\0') {
            fprintf(out, "%s: ", x->key);
        }
        fprintf(out, "%s\n", x->msg);
    }
    if (self->n_total > self->n) {
        fprintf(out, "(%d more errors not shown)\n", self->n_total - self->n);
    }
}

int
mw__grow(void **array, size_t elem_size, int *capacity, int needed)
{
    int cap = *capacity > 0 ? *capacity : 16;
    void *p;

    if (needed <= *capacity) {
        return 0;
    }
    while (cap < needed) {
        cap *= 2;
    }
    p = realloc(*array, (size_t) cap * elem_size);
    if (p == NULL) {
        return MW_ERR_NO_MEMORY;
    }
    *array = p;
    *capacity = cap;
    return 0;
}
