/*
 * mw_report_write(): a trial report for a `marrow cohort` directory, a patient
 * report for a `marrow run` one (SPEC.md §10).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <sys/stat.h>

#include "core/core.h"
#include "io/out.h"
#include "report/report.h"

int
mw_report_write(const char *dir, const mw_report_options_t *opts, char *errbuf,
                size_t errlen)
{
    static const mw_report_options_t none = {NULL};
    char path[MW__OUT_PATH_MAX];
    struct stat st;
    snprintf(path, sizeof(path), "%s/patients.csv", dir);
    if (stat(path, &st) == 0) {
        return mw__report_trial(dir, errbuf, errlen);
    }
    return mw__report_patient(dir, opts != NULL ? opts : &none, errbuf, errlen);
}
