/* Private helpers shared by every module: error tracing and small utilities. */
#ifndef MW_CORE_H
#define MW_CORE_H

#include <stdio.h>
#include <stdlib.h>
#include "marrow.h"

#ifdef MW_TRACE_ERRORS
#define mw__trace_error(err)                                                          \
    (fprintf(stderr, "marrow: %s at %s:%d\n", mw_err_name(err), __FILE__, __LINE__), \
     (err))
#else
#define mw__trace_error(err) (err)
#endif

/* Cheap invariant that stays on in release builds (tskit's tsk_bug_assert). */
#define mw__bug_assert(cond)                                                          \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "marrow: internal bug: %s at %s:%d\n", #cond, __FILE__,   \
                    __LINE__);                                                        \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* Append a diagnostic (printf-style message).  Counts it even when full. */
void mw__diag_add(mw_diags_t *d, int code, const char *file, int line, int col,
                  const char *key, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Grow an array by doubling; returns 0 or MW_ERR_NO_MEMORY (array untouched). */
int mw__grow(void **array, size_t elem_size, int *capacity, int needed);

#endif
