/*
 * Private interface of the report module.
 *
 * A report is report.json, a list of blocks (tables and charts) whose every number
 * is computed in C, and report.html, the same JSON inline with uPlot and
 * report/page.js, which draw it.  patient.c builds the blocks of a `marrow run`
 * directory, trial.c those of a `marrow cohort` directory; kit.c holds what both
 * need: the escaping that keeps user text inert, a small JSON writer with chart
 * helpers, colours and the page itself.
 */
#ifndef MW_REPORT_H
#define MW_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "marrow.h"

/* uPlot 1.6.32 (installed by npm into report/node_modules) and the page's own
 * script and style (report/page.js, page.css), compiled in by CMake
 * (cmake/embed.cmake), NUL-terminated. */
extern const char mw__report_uplot_js[];
extern const char mw__report_uplot_css[];
extern const char mw__report_page_js[];
extern const char mw__report_page_css[];

/* Copy @p in to @p out with & < > " ' replaced by character references, so the text
 * is inert both in element content and in a quoted attribute.  Writes at most
 * @p outlen bytes including the NUL (nothing when outlen is 0); returns the length
 * the whole result needs, without the NUL, as snprintf does. */
size_t mw__html_escape(const char *in, char *out, size_t outlen);

/* Copy JSON text @p in to @p out so that it can sit inside <script>...</script>:
 * every '<' becomes the JSON escape \u003c.  In JSON a '<' can only occur inside a
 * string, where \u003c means the same character, so JSON.parse gives the same value,
 * while "</script>" and "<!--" can no longer end or confuse the script element.
 * Same size contract as mw__html_escape(). */
size_t mw__script_json_escape(const char *in, char *out, size_t outlen);

/* mw__html_escape() of @p s written to @p f. */
void mw__html_fputs(FILE *f, const char *s);

/* ---- JSON writer ------------------------------------------------------------
 * Tracks commas and nesting; @p key is NULL for array items.  Numbers are written
 * with 6 significant digits (a chart needs no more; the CSV files keep full
 * precision) and as null when not finite. */
#define MW__JW_DEPTH 24
typedef struct {
    FILE *f;
    int depth;
    char close[MW__JW_DEPTH];
    int items[MW__JW_DEPTH];
} mw__jw_t;

void mw__jw_init(mw__jw_t *w, FILE *f);
void mw__jw_obj(mw__jw_t *w, const char *key);
void mw__jw_arr(mw__jw_t *w, const char *key);
void mw__jw_end(mw__jw_t *w);
void mw__jw_str(mw__jw_t *w, const char *key, const char *s);
void mw__jw_strf(mw__jw_t *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mw__jw_num(mw__jw_t *w, const char *key, double x);
void mw__jw_bool(mw__jw_t *w, const char *key, int b);
/* An array of @p n numbers, null where a value is not finite or below @p floor_
 * (a gap on a log axis; -INFINITY keeps every finite value). */
void mw__jw_nums(mw__jw_t *w, const char *key, const double *v, int n, double floor_);

/* ---- blocks ------------------------------------------------------------------ */

/* A chart block; NAN in a range means "fit the data". */
typedef struct {
    const char *id, *title, *note, *x_label, *y_label;
    int log_x, log_y;
    double x_range[2], y_range[2];
    int height; /* CSS pixels, 0 = 320 */
} mw__chart_t;

/* Opens the chart's object inside the "blocks" array; close it with mw__jw_end(). */
void mw__chart_begin(mw__jw_t *w, const mw__chart_t *c);
/* Opens a table block with its columns; write rows as arrays of strings with
 * mw__jw_arr(w, NULL) ... mw__jw_end(w), then close "rows" and the block with two
 * mw__jw_end(). */
void mw__table_begin(mw__jw_t *w, const char *id, const char *title, const char *note,
                     const char *const *columns, int n_columns);

/* Line series (inside a "series" array). */
enum { MW__SER_DASH = 1, MW__SER_STEP = 2, MW__SER_POINTS = 4 };
void mw__series(mw__jw_t *w, const char *label, const char *colour, int flags,
                const double *v, int n, double floor_);

/* A filled band between @p lower and @p upper on the chart's x grid (inside a
 * "bands" array); @p step draws it as a step function, like a Kaplan-Meier interval. */
void mw__band(mw__jw_t *w, const char *label, const char *colour, int step,
              const double *lower, const double *upper, int n);
/* A set of points with their own x (inside a "points" array), such as clinic
 * observations over the true curve; y values below @p floor_ are left out. */
void mw__points(mw__jw_t *w, const char *label, const char *colour, const char *shape,
                const double *x, const double *y, int n, double floor_);

/* Shapes (each inside its own array of "shapes": "rects", "segs", "marks", "texts"),
 * reference lines ("vlines", "hlines"), background spans ("spans"), legend entries
 * ("legend") and categorical ticks ("x_ticks", "y_ticks").  Coordinates are data
 * units. */
void mw__rect(mw__jw_t *w, double x0, double x1, double y0, double y1, const char *colour);
void mw__seg(mw__jw_t *w, double x0, double y0, double x1, double y1, const char *colour,
             double width);
/* @p shape: circle, triangle, square, diamond, cross, tick or arrow. */
void mw__mark(mw__jw_t *w, double x, double y, const char *shape, const char *colour,
              double size);
void mw__text(mw__jw_t *w, double x, double y, const char *text);
void mw__refline(mw__jw_t *w, const char *axis, double v, const char *label,
                 const char *colour);
void mw__span(mw__jw_t *w, double x0, double x1, const char *colour);
void mw__legend(mw__jw_t *w, const char *label, const char *colour, const char *shape);
void mw__tick(mw__jw_t *w, double v, const char *label);

/* ---- colours ----------------------------------------------------------------- */

/* The k-th colour of a palette that colour-blind readers can tell apart
 * (Okabe & Ito 2008), for arms, products and series. */
const char *mw__colour(int k);
/* The colour of an IMWG response category (mw_response_t), green for deep
 * responses through to red for progression; @p alpha 0..1. */
void mw__response_colour(int response, double alpha, char *out, size_t len);
/* Viridis at @p t in [0, 1], as "rgb(r,g,b)". */
void mw__viridis(double t, char *out, size_t len);

/* ---- the page ---------------------------------------------------------------- */

/* One row of the header table; @p code marks text shown in a monospace face. */
typedef struct {
    const char *label, *value;
    int code;
} mw__header_row_t;

/* report.html: @p title, the header rows, then the blocks of @p json drawn by
 * page.js.  Every user string is escaped.  0 or MW_ERR_NO_MEMORY. */
int mw__page_write(FILE *f, const char *title, const mw__header_row_t *rows, int n_rows,
                   const char *json);

/* Write @p json and the page built from it into @p dir as report.json and
 * report.html, each to a temporary file renamed into place. */
int mw__report_files(const char *dir, const char *title, const mw__header_row_t *rows,
                     int n_rows, const char *json, char *errbuf, size_t errlen);

/* The two halves of mw_report_write(): a `marrow run` directory and a
 * `marrow cohort` directory. */
int mw__report_patient(const char *dir, const mw_report_options_t *opts, char *errbuf,
                       size_t errlen);
int mw__report_trial(const char *dir, char *errbuf, size_t errlen);

#endif
