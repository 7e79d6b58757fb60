/*
 * What the patient and trial reports share: escaping, a JSON writer with chart
 * helpers, colours, and the HTML page that carries the JSON, uPlot and page.js.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "io/out.h"
#include "report/report.h"

size_t
mw__html_escape(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    for (; *in != '\0'; in++) {
        const char *rep = NULL;
        char one[2] = {*in, '\0'};
        switch (*in) {
            case '&':
                rep = "&amp;";
                break;
            case '<':
                rep = "&lt;";
                break;
            case '>':
                rep = "&gt;";
                break;
            case '"':
                rep = "&quot;";
                break;
            case '\'':
                rep = "&#39;";
                break;
            default:
                rep = one;
                break;
        }
        for (; *rep != '\0'; rep++, n++) {
            if (n + 1 < outlen) {
                out[n] = *rep;
            }
        }
    }
    if (outlen > 0) {
        out[n < outlen ? n : outlen - 1] = '\0';
    }
    return n;
}

size_t
mw__script_json_escape(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    for (; *in != '\0'; in++) {
        const char *rep = *in == '<' ? "\\u003c" : NULL;
        char one[2] = {*in, '\0'};
        for (rep = rep != NULL ? rep : one; *rep != '\0'; rep++, n++) {
            if (n + 1 < outlen) {
                out[n] = *rep;
            }
        }
    }
    if (outlen > 0) {
        out[n < outlen ? n : outlen - 1] = '\0';
    }
    return n;
}

void
mw__html_fputs(FILE *f, const char *s)
{
    char buf[256];
    /* Escape in pieces so that any length fits a fixed buffer: one input byte
     * gives at most 6 output bytes. */
    while (*s != '\0') {
        char piece[40];
        size_t k = strlen(s) < sizeof(piece) - 1 ? strlen(s) : sizeof(piece) - 1;
        memcpy(piece, s, k);
        piece[k] = '\0';
        (void) mw__html_escape(piece, buf, sizeof(buf));
        fputs(buf, f);
        s += k;
    }
}

/* ---- JSON writer ------------------------------------------------------------ */

void
mw__jw_init(mw__jw_t *w, FILE *f)
{
    memset(w, 0, sizeof(*w));
    w->f = f;
}

/* The comma, newline and key before a value at the current depth. */
static void
jw_key(mw__jw_t *w, const char *key)
{
    if (w->items[w->depth]++ > 0) {
        fputc(',', w->f);
    }
    if (w->depth <= 2) {
        fprintf(w->f, "\n%*s", 2 * w->depth, "");
    }
    if (key != NULL) {
        mw__json_str(w->f, key);
        fputs(": ", w->f);
    }
}

static void
jw_open(mw__jw_t *w, const char *key, char open, char close)
{
    if (w->depth > 0 || w->items[0] > 0) {
        jw_key(w, key);
    }
    fputc(open, w->f);
    if (w->depth + 1 < MW__JW_DEPTH) {
        w->depth++;
        w->close[w->depth] = close;
        w->items[w->depth] = 0;
    }
}

void
mw__jw_obj(mw__jw_t *w, const char *key)
{
    jw_open(w, key, '{', '}');
}

void
mw__jw_arr(mw__jw_t *w, const char *key)
{
    jw_open(w, key, '[', ']');
}

void
mw__jw_end(mw__jw_t *w)
{
    if (w->depth > 0) {
        fputc(w->close[w->depth--], w->f);
    }
    if (w->depth == 0) {
        fputc('\n', w->f);
    }
}

void
mw__jw_str(mw__jw_t *w, const char *key, const char *s)
{
    jw_key(w, key);
    mw__json_str(w->f, s != NULL ? s : "");
}

void
mw__jw_strf(mw__jw_t *w, const char *key, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    mw__jw_str(w, key, buf);
}

static void
jw_value(FILE *f, double x)
{
    if (isfinite(x)) {
        fprintf(f, "%.6g", x);
    } else {
        fputs("null", f);
    }
}

void
mw__jw_num(mw__jw_t *w, const char *key, double x)
{
    jw_key(w, key);
    jw_value(w->f, x);
}

void
mw__jw_bool(mw__jw_t *w, const char *key, int b)
{
    jw_key(w, key);
    fputs(b ? "true" : "false", w->f);
}

void
mw__jw_nums(mw__jw_t *w, const char *key, const double *v, int n, double floor_)
{
    jw_key(w, key);
    fputc('[', w->f);
    for (int i = 0; i < n; i++) {
        if (i > 0) {
            fputc(',', w->f);
        }
        jw_value(w->f, v[i] >= floor_ ? v[i] : NAN);
    }
    fputc(']', w->f);
}

/* ---- blocks ------------------------------------------------------------------ */

static void
range(mw__jw_t *w, const char *key, const double r[2])
{
    if (isfinite(r[0]) && isfinite(r[1])) {
        mw__jw_nums(w, key, r, 2, -INFINITY);
    }
}

void
mw__chart_begin(mw__jw_t *w, const mw__chart_t *c)
{
    mw__jw_obj(w, NULL);
    mw__jw_str(w, "type", "chart");
    mw__jw_str(w, "id", c->id);
    mw__jw_str(w, "title", c->title);
    mw__jw_str(w, "note", c->note);
    mw__jw_str(w, "x_label", c->x_label);
    mw__jw_str(w, "y_label", c->y_label);
    mw__jw_bool(w, "log_x", c->log_x);
    mw__jw_bool(w, "log_y", c->log_y);
    range(w, "x_range", c->x_range);
    range(w, "y_range", c->y_range);
    mw__jw_num(w, "height", c->height > 0 ? c->height : 320);
}

void
mw__table_begin(mw__jw_t *w, const char *id, const char *title, const char *note,
                const char *const *columns, int n_columns)
{
    mw__jw_obj(w, NULL);
    mw__jw_str(w, "type", "table");
    mw__jw_str(w, "id", id);
    mw__jw_str(w, "title", title);
    mw__jw_str(w, "note", note);
    mw__jw_arr(w, "columns");
    for (int i = 0; i < n_columns; i++) {
        mw__jw_str(w, NULL, columns[i]);
    }
    mw__jw_end(w);
    mw__jw_arr(w, "rows");
}

void
mw__series(mw__jw_t *w, const char *label, const char *colour, int flags, const double *v,
           int n, double floor_)
{
    mw__jw_obj(w, NULL);
    mw__jw_str(w, "label", label);
    mw__jw_str(w, "colour", colour);
    if (flags & MW__SER_DASH) {
        mw__jw_bool(w, "dash", 1);
    }
    if (flags & MW__SER_STEP) {
        mw__jw_bool(w, "step", 1);
    }
    if (flags & MW__SER_POINTS) {
        mw__jw_bool(w, "points_only", 1);
    }
    mw__jw_nums(w, "values", v, n, floor_);
    mw__jw_end(w);
}

void
mw__band(mw__jw_t *w, const char *label, const char *colour, int step,
         const double *lower, const double *upper, int n)
{
    mw__jw_obj(w, NULL);
    mw__jw_str(w, "label", label);
    mw__jw_str(w, "colour", colour);
    mw__jw_bool(w, "step", step);
    mw__jw_nums(w, "lower", lower, n, -INFINITY);
    mw__jw_nums(w, "upper", upper, n, -INFINITY);
    mw__jw_end(w);
}

void
mw__points(mw__jw_t *w, const char *label, const char *colour, const char *shape,
           const double *x, const double *y, int n, double floor_)
{
    mw__jw_obj(w, NULL);
    mw__jw_str(w, "label", label);
    mw__jw_str(w, "colour", colour);
    mw__jw_str(w, "shape", shape);
    mw__jw_arr(w, "x");
    for (int i = 0; i < n; i++) {
        if (isfinite(x[i]) && isfinite(y[i]) && y[i] >= floor_) {
            mw__jw_num(w, NULL, x[i]);
        }
    }
    mw__jw_end(w);
    mw__jw_arr(w, "y");
    for (int i = 0; i < n; i++) {
        if (isfinite(x[i]) && isfinite(y[i]) && y[i] >= floor_) {
            mw__jw_num(w, NULL, y[i]);
        }
    }
    mw__jw_end(w);
    mw__jw_end(w);
}

void
mw__rect(mw__jw_t *w, double x0, double x1, double y0, double y1, const char *colour)
{
    mw__jw_obj(w, NULL);
    mw__jw_num(w, "x0", x0);
    mw__jw_num(w, "x1", x1);
    mw__jw_num(w, "y0", y0);
    mw__jw_num(w, "y1", y1);
    mw__jw_str(w, "colour", colour);
    mw__jw_end(w);
}

void
mw__seg(mw__jw_t *w, double x0, double y0, double x1, double y1, const char *colour,
        double width)
{
    mw__jw_obj(w, NULL);
    mw__jw_num(w, "x0", x0);
    mw__jw_num(w, "y0", y0);
    mw__jw_num(w, "x1", x1);
    mw__jw_num(w, "y1", y1);
    mw__jw_str(w, "colour", colour);
    mw__jw_num(w, "width", width);
    mw__jw_end(w);
}

void
mw__mark(mw__jw_t *w, double x, double y, const char *shape, const char *colour,
         double size)
{
    mw__jw_obj(w, NULL);
    mw__jw_num(w, "x", x);
    mw__jw_num(w, "y", y);
    mw__jw_str(w, "shape", shape);
    mw__jw_str(w, "colour", colour);
    mw__jw_num(w, "size", size);
    mw__jw_end(w);
}

void
mw__text(mw__jw_t *w, double x, double y, const char *text)
{
    mw__jw_obj(w, NULL);
    mw__jw_num(w, "x", x);
    mw__jw_num(w, "y", y);
    mw__jw_str(w, "text", text);
    mw__jw_end(w);
}

void
mw__refline(mw__jw_t *w, const char *axis, double v, const char *label,
            const char *colour)
{
    mw__jw_obj(w, NULL);
    mw__jw_num(w, axis, v);
    if (label != NULL) {
        mw__jw_str(w, "label", label);
    }
    if (colour != NULL) {
        mw__jw_str(w, "colour", colour);
    }
    mw__jw_end(w);
}

void
mw__span(mw__jw_t *w, double x0, double x1, const char *colour)
{
    mw__jw_obj(w, NULL);
    mw__jw_num(w, "x0", x0);
    mw__jw_num(w, "x1", x1);
    mw__jw_str(w, "colour", colour);
    mw__jw_end(w);
}

void
mw__legend(mw__jw_t *w, const char *label, const char *colour, const char *shape)
{
    mw__jw_obj(w, NULL);
    mw__jw_str(w, "label", label);
    mw__jw_str(w, "colour", colour);
    mw__jw_str(w, "shape", shape != NULL ? shape : "box");
    mw__jw_end(w);
}

void
mw__tick(mw__jw_t *w, double v, const char *label)
{
    mw__jw_obj(w, NULL);
    mw__jw_num(w, "v", v);
    mw__jw_str(w, "label", label);
    mw__jw_end(w);
}

/* ---- colours ----------------------------------------------------------------- */

const char *
mw__colour(int k)
{
    /* Okabe & Ito (2008), "Color Universal Design", without black and yellow
     * (too faint on white), blue first. */
    static const char *pal[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                "#E69F00", "#56B4E9", "#8C564B", "#7F7F7F"};
    return pal[(k % 8 + 8) % 8];
}

void
mw__response_colour(int response, double alpha, char *out, size_t len)
{
    /* ColorBrewer RdYlGn, from PD (red) to sCR (dark green); NE grey. */
    static const int rgb[][3] = {{215, 48, 39},   {253, 174, 97},  {254, 224, 139},
                                 {217, 239, 139}, {166, 217, 106}, {102, 189, 99},
                                 {26, 152, 80}};
    const int grey[3] = {170, 170, 170};
    const int *c =
        response >= MW_RESP_PD && response <= MW_RESP_SCR ? rgb[response] : grey;
    snprintf(out, len, "rgba(%d,%d,%d,%.2f)", c[0], c[1], c[2], alpha);
}

void
mw__viridis(double t, char *out, size_t len)
{
    /* Nine stops of matplotlib's viridis, linearly interpolated. */
    static const double v[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},
                                   {44, 113, 142}, {33, 144, 141}, {39, 173, 129},
                                   {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
    t = isfinite(t) ? fmin(1.0, fmax(0.0, t)) : 0.0;
    double x = t * 8.0;
    int i = (int) floor(x);
    i = i > 7 ? 7 : i;
    double f = x - i;
    int c[3];
    for (int k = 0; k < 3; k++) {
        c[k] = (int) lround(v[i][k] + f * (v[i + 1][k] - v[i][k]));
    }
    snprintf(out, len, "rgb(%d,%d,%d)", c[0], c[1], c[2]);
}

/* ---- the page ---------------------------------------------------------------- */

int
mw__page_write(FILE *f, const char *title, const mw__header_row_t *rows, int n_rows,
               const char *json)
{
    size_t need = mw__script_json_escape(json, NULL, 0);
    char *safe = malloc(need + 1);
    if (safe == NULL) {
        return MW_ERR_NO_MEMORY;
    }
    (void) mw__script_json_escape(json, safe, need + 1);
    fputs(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
        f);
    mw__html_fputs(f, title);
    fputs("</title>\n<style>\n", f);
    fputs(mw__report_uplot_css, f);
    fputs("\n", f);
    fputs(mw__report_page_css, f);
    fputs("</style>\n</head>\n<body>\n"
          "<script>\nwindow.onerror = function (msg) {\n"
          "  document.body.dataset.errors = String(msg);\n};\n"
          "window.addEventListener('unhandledrejection', function (e) {\n"
          "  document.body.dataset.errors = String(e.reason);\n});\n</script>\n<h1>",
          f);
    mw__html_fputs(f, title);
    fputs("</h1>\n<table class=\"hdr\">\n", f);
    for (int i = 0; i < n_rows; i++) {
        fputs("<tr><td>", f);
        mw__html_fputs(f, rows[i].label);
        fputs(rows[i].code ? "</td><td><code>" : "</td><td>", f);
        mw__html_fputs(f, rows[i].value);
        fputs(rows[i].code ? "</code></td></tr>\n" : "</td></tr>\n", f);
    }
    fputs(
        "</table>\n<nav id=\"contents\"></nav>\n<div id=\"report\"></div>\n"
        "<p class=\"note\">Every number drawn on this page is in report.json beside it, "
        "and each chart's data downloads as CSV.</p>\n"
        "<script type=\"application/json\" id=\"report-data\">\n",
        f);
    fputs(safe, f);
    fputs("</script>\n<script>\n", f);
    fputs(mw__report_uplot_js, f);
    fputs("\n</script>\n<script>\n", f);
    fputs(mw__report_page_js, f);
    fputs("</script>\n</body>\n</html>\n", f);
    free(safe);
    return 0;
}

int
mw__report_files(const char *dir, const char *title, const mw__header_row_t *rows,
                 int n_rows, const char *json, char *errbuf, size_t errlen)
{
    static const char *names[] = {"report.json", "report.html"};
    mw__outputs_t out;
    int ret = mw__outputs_open(&out, dir, names, 2, errbuf, errlen);
    if (ret == 0) {
        fputs(json, out.f[0]);
        ret = mw__page_write(out.f[1], title, rows, n_rows, json);
        if (ret != 0) {
            mw__seterr(errbuf, errlen, "out of memory");
        }
    }
    int closed = mw__outputs_close(&out, ret == 0, errbuf, errlen);
    return ret != 0 ? ret : closed;
}
