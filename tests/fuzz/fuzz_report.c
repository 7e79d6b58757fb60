/* Fuzz target: everything `marrow report DIR` reads.  The input is a directory in
 * one file: sections that each start with a line "@@ NAME" (run.json, summary.json,
 * timeseries.csv, events.csv, clones.csv, observations.csv for a run; patients.csv,
 * km.csv, trajectories.csv for a cohort) are written into a scratch directory, which
 * is then reported on.  Any input must give a report or an error, never a crash,
 * a hang, a leak or undefined behaviour. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "marrow.h"

static const char *const files[] = {"run.json",     "summary.json", "timeseries.csv",
                                    "events.csv",   "clones.csv",   "observations.csv",
                                    "patients.csv", "km.csv",       "trajectories.csv",
                                    "report.json",  "report.html"};
#define N_FILES (sizeof(files) / sizeof(files[0]))

static char dir[64];

static void
clear(void)
{
    char path[128];
    for (size_t i = 0; i < N_FILES; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
}

static void
cleanup(void)
{
    clear();
    rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "/tmp/mw_fuzz_report_XXXXXX");
        if (mkdtemp(dir) == NULL) {
            abort();
        }
        atexit(cleanup);
    }
    clear();
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    FILE *f = NULL;
    for (char *line = text, *next; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        if (strncmp(line, "@@ ", 3) == 0) {
            if (f != NULL) {
                fclose(f);
                f = NULL;
            }
            for (size_t i = 0; i < N_FILES - 2; i++) {
                if (strcmp(line + 3, files[i]) == 0) {
                    char path[128];
                    snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
                    f = fopen(path, "w");
                }
            }
        } else if (f != NULL) {
            fputs(line, f);
            if (next != NULL) {
                fputc('\n', f);
            }
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    free(text);
    char err[1024] = "";
    char path[128];
    snprintf(path, sizeof(path), "%s/report.html", dir);
    if (mw_report_write(dir, NULL, err, sizeof(err)) != 0) {
        /* a refusal must say why, and leave no page */
        if (err[0] == '\0' || access(path, F_OK) == 0) {
            abort();
        }
    } else if (access(path, F_OK) != 0) {
        abort();
    }
    return 0;
}
