/*
 * report.html and report.json for a `marrow run` output directory (SPEC.md §10).
 *
 * Every plotted number is computed here and written to report.json; the page holds
 * the same JSON inline and only draws it with uPlot, which is compiled into the
 * binary so the file opens offline.  The directory's CSV files are the only input,
 * so `marrow report DIR` rebuilds the page of an old run without simulating again.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "io/out.h"
#include "report/report.h"

/* Treatment and clinic events drawn as dashed lines; more would hide the curves. */
#define MAX_MARKERS 200
#define HEADER_MAX  4096
/* Log-axis floors: less than one cell is no tumour; a model M-protein can decay
 * towards 1e-26 g/dL, and twenty empty decades would squash the part that matters. */
#define BURDEN_FLOOR   1.0   /* cells */
#define MPROTEIN_FLOOR 1e-3  /* g/dL */

size_t
mw__html_escape(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    for (; *in != '\0'; in++) {
        const char *rep = NULL;
        char one[2] = {*in, '\0'};
        switch (*in) {
            case '&': rep = "&amp;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '"': rep = "&quot;"; break;
            case '\'': rep = "&#39;"; break;
            default: rep = one; break;
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

/* One timeseries variable of replicate 0: (t, value) in file order. */
typedef struct {
    const char *name;
    double *t, *v;
    int n, cap;
} series_t;

typedef struct {
    double t;
    char label[96];
} marker_t;

typedef struct {
    char version[64], command_line[HEADER_MAX], seed[32], hash[80], scenario[256];
    int replicates;
    series_t s[4]; /* total, bm, em, M-protein */
    marker_t *markers;
    int n_markers;
} report_t;

static int
series_push(series_t *s, double t, double v)
{
    if (s->n == s->cap) {
        int cap = s->cap;
        if (mw__grow((void **) &s->t, sizeof(double), &cap, s->n + 1) != 0) {
            return MW_ERR_NO_MEMORY;
        }
        cap = s->cap;
        if (mw__grow((void **) &s->v, sizeof(double), &cap, s->n + 1) != 0) {
            return MW_ERR_NO_MEMORY;
        }
        s->cap = cap;
    }
    s->t[s->n] = t;
    s->v[s->n] = v;
    s->n++;
    return 0;
}

/* @p key's scalar under @p map into @p out, "?" when absent. */
static void
header_field(yaml_document_t *doc, const yaml_node_t *map, const char *key, char *out,
             size_t outlen)
{
    const char *v = mw__json_scalar(mw__json_get(doc, map, key));
    snprintf(out, outlen, "%s", v != NULL ? v : "?");
}

static int
read_header(report_t *r, const char *dir, char *errbuf, size_t errlen)
{
    char path[MW__OUT_PATH_MAX], count[32];
    yaml_document_t doc;
    snprintf(path, sizeof(path), "%s/run.json", dir);
    int ret = mw__json_load(path, &doc, errbuf, errlen);
    if (ret == MW_ERR_IO) {
        mw__seterr(errbuf, errlen, "%s: cannot open (is %s a `marrow run` output directory?)",
                   path, dir);
    }
    if (ret != 0) {
        return ret;
    }
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    header_field(&doc, root, "marrow_version", r->version, sizeof(r->version));
    header_field(&doc, root, "command_line", r->command_line, sizeof(r->command_line));
    header_field(&doc, root, "seed", r->seed, sizeof(r->seed));
    header_field(&doc, root, "scenario_hash", r->hash, sizeof(r->hash));
    header_field(&doc, root, "replicates", count, sizeof(count));
    r->replicates = atoi(count);
    header_field(&doc, mw__json_get(&doc, root, "scenario"), "name", r->scenario,
                 sizeof(r->scenario));
    yaml_document_delete(&doc);
    return 0;
}

/* Split @p line at commas into at most @p max fields (the last keeps its commas). */
static int
split(char *line, char **field, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    field[n++] = line;
    for (char *p = line; *p != '\0' && n < max; p++) {
        if (*p == ',') {
            *p = '\0';
            field[n++] = p + 1;
        }
    }
    return n;
}

/* Rows of replicate 0 of DIR/NAME, as fields after the replicate column. */
typedef int (*row_fn)(report_t *r, char **field, int n);

static int
read_csv(report_t *r, const char *dir, const char *name, int want, row_fn fn,
         char *errbuf, size_t errlen)
{
    char path[MW__OUT_PATH_MAX], *line = NULL, *field[8];
    size_t cap = 0;
    long lineno = 0;
    int with_rep = 0, ret = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        mw__seterr(errbuf, errlen, "%s: cannot open (is %s a `marrow run` output directory?)",
                   path, dir);
        return MW_ERR_IO;
    }
    while (ret == 0 && getline(&line, &cap, f) > 0) {
        lineno++;
        if (lineno == 1) {
            with_rep = strncmp(line, "replicate,", 10) == 0;
            continue;
        }
        int n = split(line, field, want + with_rep);
        if (n != want + with_rep) {
            mw__seterr(errbuf, errlen, "%s:%ld:1: expected %d columns, found %d", path,
                       lineno, want + with_rep, n);
            ret = MW_ERR_IO;
        } else if (!with_rep || strcmp(field[0], "0") == 0) {
            ret = fn(r, field + with_rep, want);
            if (ret != 0) {
                mw__seterr(errbuf, errlen, "%s:%ld: out of memory", path, lineno);
            }
        }
    }
    free(line);
    fclose(f);
    return ret;
}

static int
timeseries_row(report_t *r, char **field, int n)
{
    (void) n;
    for (int i = 0; i < 4; i++) {
        if (strcmp(field[1], r->s[i].name) == 0) {
            return series_push(&r->s[i], strtod(field[0], NULL), strtod(field[2], NULL));
        }
    }
    return 0;
}

static int
events_row(report_t *r, char **field, int n)
{
    (void) n;
    /* Clone births and deaths are many and are the Muller plot's business; single
     * doses (thousands for daily oral drugs) would hide the curves, while the line
     * and phase starts already mark the regimens. */
    if (strncmp(field[1], "clone_", 6) == 0 || strcmp(field[1], "dose") == 0 ||
        r->n_markers >= MAX_MARKERS) {
        return 0;
    }
    if (r->markers == NULL) {
        r->markers = calloc(MAX_MARKERS, sizeof(marker_t));
        if (r->markers == NULL) {
            return MW_ERR_NO_MEMORY;
        }
    }
    marker_t *m = &r->markers[r->n_markers++];
    m->t = strtod(field[0], NULL);
    snprintf(m->label, sizeof(m->label), "%s %s", field[1], field[2]);
    return 0;
}

/* A value on a log axis: finite and at least @p floor, else null (a gap). */
static void
log_num(FILE *f, double x, double floor_)
{
    if (isfinite(x) && x >= floor_) {
        fprintf(f, "%.6g", x);
    } else {
        fputs("null", f);
    }
}

/* Series @p s sampled at the x grid of series @p x (same output times; a time
 * missing from s is a gap). */
static void
aligned(FILE *f, const series_t *x, const series_t *s, double floor_)
{
    int j = 0;
    fputc('[', f);
    for (int i = 0; i < x->n; i++) {
        while (j < s->n && s->t[j] < x->t[i]) {
            j++;
        }
        fputs(i > 0 ? "," : "", f);
        log_num(f, j < s->n && s->t[j] == x->t[i] ? s->v[j] : NAN, floor_);
    }
    fputc(']', f);
}

/* The y range of a log chart: whole decades around the drawn values (those at or
 * above @p floor_), so every gridline is a labelled power of ten. */
static void
decade_range(const report_t *r, int first, int count, double floor_, double *lo,
             double *hi)
{
    double mn = INFINITY, mx = -INFINITY;
    for (int k = first; k < first + count; k++) {
        for (int i = 0; i < r->s[k].n; i++) {
            double v = r->s[k].v[i];
            if (isfinite(v) && v >= floor_) {
                mn = fmin(mn, v);
                mx = fmax(mx, v);
            }
        }
    }
    if (!isfinite(mn)) {
        mn = floor_;
        mx = floor_ * 10;
    }
    *lo = pow(10, floor(log10(mn)));
    *hi = pow(10, ceil(log10(mx)));
    if (*hi <= *lo) {
        *hi = *lo * 10;
    }
}

static void
chart_json(FILE *f, const report_t *r, const char *id, const char *title,
           const char *y_label, const char *note, int first, int count, const char **labels,
           double floor_)
{
    const series_t *x = &r->s[first];
    double lo, hi;
    decade_range(r, first, count, floor_, &lo, &hi);
    fprintf(f, "    {\"id\": \"%s\", \"title\": ", id);
    mw__json_str(f, title);
    fputs(", \"note\": ", f);
    mw__json_str(f, note);
    fputs(", \"x_label\": \"days\", \"y_label\": ", f);
    mw__json_str(f, y_label);
    fprintf(f, ", \"log_y\": true, \"y_range\": [%.6g, %.6g],\n     \"x\": [", lo, hi);
    for (int i = 0; i < x->n; i++) {
        fprintf(f, "%s%.12g", i > 0 ? "," : "", x->t[i]);
    }
    fputs("],\n     \"series\": [", f);
    for (int k = 0; k < count; k++) {
        fprintf(f, "%s\n      {\"label\": ", k > 0 ? "," : "");
        mw__json_str(f, labels[k]);
        fputs(", \"values\": ", f);
        aligned(f, x, &r->s[first + k], floor_);
        fputc('}', f);
    }
    fputs("]}", f);
}

static void
write_json(FILE *f, const report_t *r)
{
    static const char *burden[] = {"total", "bone marrow", "extramedullary"};
    static const char *mprot[] = {"M-protein"};
    char note[512];
    const char *rep = r->replicates > 1 ? " Only replicate 0 of this run is shown." : "";
    fputs("{\n  \"format\": \"marrow-report/1\",\n  \"header\": {\"scenario\": ", f);
    mw__json_str(f, r->scenario);
    fputs(", \"version\": ", f);
    mw__json_str(f, r->version);
    fputs(", \"command_line\": ", f);
    mw__json_str(f, r->command_line);
    fputs(", \"seed\": ", f);
    mw__json_str(f, r->seed);
    fputs(", \"scenario_hash\": ", f);
    mw__json_str(f, r->hash);
    fprintf(f, ", \"replicates\": %d, \"replicate_shown\": 0},\n  \"charts\": [\n",
            r->replicates);
    snprintf(note, sizeof(note),
             "How to read this: each gridline step is a tenfold change in myeloma cells, "
             "so a straight falling line is exponential kill and a flat line is "
             "stable disease; under one cell the line stops.%s", rep);
    chart_json(f, r, "burden", "Tumour burden", "cells", note, 0, 3, burden, BURDEN_FLOOR);
    fputs(",\n", f);
    snprintf(note, sizeof(note),
             "How to read this: serum M-protein in g/dL on a log axis; IMWG counts a "
             "fall of at least 50%% as partial response and a rise of 25%% (and at "
             "least 0.5 g/dL) from the lowest value as progression; values under "
             "0.001 g/dL, far below what electrophoresis or immunofixation detect, are "
             "not drawn.%s", rep);
    chart_json(f, r, "mprotein", "M-protein", "g/dL", note, 3, 1, mprot, MPROTEIN_FLOOR);
    fputs("\n  ],\n  \"markers\": [", f);
    for (int i = 0; i < r->n_markers; i++) {
        fprintf(f, "%s\n    {\"t\": %.12g, \"label\": ", i > 0 ? "," : "", r->markers[i].t);
        mw__json_str(f, r->markers[i].label);
        fputc('}', f);
    }
    fputs("]\n}\n", f);
}

/* The chart kit: draws every chart of the inline JSON, then records what it drew
 * so that a headless browser test can check the page (tests/report). */
static const char page_js[] =
    "(function () {\n"
    "  var data = JSON.parse(document.getElementById('report-data').textContent);\n"
    "  var colours = ['#1b4f72', '#b9770e', '#7d3c98', '#117a65'];\n"
    "  function fmt(v) {\n"
    "    /* uPlot passes null for log ticks it leaves unlabelled. */\n"
    "    if (v == null) return '';\n"
    "    var e = Math.round(Math.log10(v));\n"
    "    return e >= -2 && e < 4 ? String(Number(v.toPrecision(1))) : '1e' + e;\n"
    "  }\n"
    "  /* One gridline per power of ten (every second one past 12 decades). */\n"
    "  function decades(u, ai, min, max) {\n"
    "    var a = Math.round(Math.log10(min)), b = Math.round(Math.log10(max));\n"
    "    var step = Math.max(1, Math.ceil((b - a) / 12)), out = [];\n"
    "    for (var k = a; k <= b; k += step) out.push(Math.pow(10, k));\n"
    "    return out;\n"
    "  }\n"
    "  var markers = data.markers || [];\n"
    "  function drawMarkers(u) {\n"
    "    var c = u.ctx;\n"
    "    c.save();\n"
    "    c.strokeStyle = 'rgba(120,120,120,0.8)';\n"
    "    c.setLineDash([4, 4]);\n"
    "    markers.forEach(function (m) {\n"
    "      var x = u.valToPos(m.t, 'x', true);\n"
    "      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;\n"
    "      c.beginPath(); c.moveTo(x, u.bbox.top); c.lineTo(x, u.bbox.top + u.bbox.height);\n"
    "      c.stroke();\n"
    "    });\n"
    "    c.restore();\n"
    "  }\n"
    "  var width = Math.max(400, Math.min(1100, window.innerWidth - 60));\n"
    "  data.charts.forEach(function (ch) {\n"
    "    var box = document.getElementById('chart-' + ch.id);\n"
    "    var series = [{label: ch.x_label}];\n"
    "    var cols = [ch.x];\n"
    "    ch.series.forEach(function (s, k) {\n"
    "      /* Later series dashed: bone marrow often equals the total exactly. */\n"
    "      series.push({label: s.label, stroke: colours[k % colours.length], width: 2,\n"
    "                   dash: k > 0 ? [8, 4] : undefined, spanGaps: false});\n"
    "      cols.push(s.values);\n"
    "    });\n"
    "    new uPlot({\n"
    "      width: width, height: 340, series: series,\n"
    "      scales: {x: {time: false}, y: {distr: ch.log_y ? 3 : 1,\n"
    "               range: function () { return ch.y_range; }}},\n"
    "      axes: [{label: 'time (' + ch.x_label + ')'},\n"
    "             {label: ch.y_label, size: 70, splits: decades,\n"
    "              values: function (u, splits) { return splits.map(fmt); }}],\n"
    "      hooks: {draw: [drawMarkers]}\n"
    "    }, cols, box);\n"
    "  });\n"
    "  /* uPlot draws in a microtask; count the canvases that got any ink after it. */\n"
    "  setTimeout(function () {\n"
    "    var drawn = 0, all = document.querySelectorAll('canvas');\n"
    "    all.forEach(function (cv) {\n"
    "      var px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;\n"
    "      for (var i = 3; i < px.length; i += 4) {\n"
    "        if (px[i] !== 0) { drawn++; break; }\n"
    "      }\n"
    "    });\n"
    "    document.body.dataset.charts = String(all.length);\n"
    "    document.body.dataset.chartsDrawn = String(drawn);\n"
    "    document.body.dataset.rendered = '1';\n"
    "  }, 50);\n"
    "})();\n";

static int
write_html(FILE *f, const report_t *r, const char *json)
{
    size_t need = mw__script_json_escape(json, NULL, 0);
    char *safe = malloc(need + 1);
    if (safe == NULL) {
        return MW_ERR_NO_MEMORY;
    }
    (void) mw__script_json_escape(json, safe, need + 1);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<title>marrow report: ", f);
    mw__html_fputs(f, r->scenario);
    fputs("</title>\n<style>\n", f);
    fputs(mw__report_uplot_css, f);
    fputs("\nbody{font-family:'DejaVu Sans',sans-serif;margin:24px;color:#222}"
          "h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 4px}"
          "table.hdr td{padding:1px 12px 1px 0;vertical-align:top}"
          "table.hdr td:first-child{color:#666}"
          "code{font-size:13px;word-break:break-all}p.note{color:#444;margin:2px 0 8px;"
          "max-width:1050px}\n</style>\n</head>\n<body>\n"
          "<script>\nwindow.onerror = function (msg) {\n"
          "  document.body.dataset.errors = String(msg);\n};\n"
          "window.addEventListener('unhandledrejection', function (e) {\n"
          "  document.body.dataset.errors = String(e.reason);\n});\n</script>\n", f);
    fputs("<h1>marrow report: ", f);
    mw__html_fputs(f, r->scenario);
    fputs("</h1>\n<table class=\"hdr\">\n<tr><td>scenario</td><td>", f);
    mw__html_fputs(f, r->scenario);
    fputs("</td></tr>\n<tr><td>marrow version</td><td>", f);
    mw__html_fputs(f, r->version);
    fputs("</td></tr>\n<tr><td>command line</td><td><code>", f);
    mw__html_fputs(f, r->command_line);
    fputs("</code></td></tr>\n<tr><td>seed</td><td>", f);
    mw__html_fputs(f, r->seed);
    fputs("</td></tr>\n<tr><td>scenario hash</td><td><code>", f);
    mw__html_fputs(f, r->hash);
    fprintf(f, "</code></td></tr>\n<tr><td>replicates</td><td>%d</td></tr>\n</table>\n",
            r->replicates);
    fputs("<h2>Tumour burden</h2>\n<p class=\"note\" id=\"note-burden\"></p>\n"
          "<div id=\"chart-burden\"></div>\n"
          "<h2>M-protein</h2>\n<p class=\"note\" id=\"note-mprotein\"></p>\n"
          "<div id=\"chart-mprotein\"></div>\n"
          "<p class=\"note\">Dashed vertical lines: treatment and clinic events "
          "(events.csv).  A value of zero (extinct, or below detection) has no place on\n"
          "a log axis and leaves a gap.  Every number drawn here is in report.json.</p>\n", f);
    fputs("<script type=\"application/json\" id=\"report-data\">\n", f);
    fputs(safe, f);
    fputs("</script>\n<script>\n", f);
    fputs(mw__report_uplot_js, f);
    fputs("\n</script>\n<script>\n"
          "(function () {\n"
          "  var d = JSON.parse(document.getElementById('report-data').textContent);\n"
          "  d.charts.forEach(function (ch) {\n"
          "    document.getElementById('note-' + ch.id).textContent = ch.note;\n"
          "  });\n})();\n", f);
    fputs(page_js, f);
    fputs("</script>\n</body>\n</html>\n", f);
    free(safe);
    return 0;
}

int
mw_report_write(const char *dir, char *errbuf, size_t errlen)
{
    static const char *names[] = {"report.json", "report.html"};
    report_t *r = calloc(1, sizeof(*r));
    char *json = NULL;
    size_t json_len = 0;
    FILE *mem = NULL;
    mw__outputs_t out;
    int ret;

    if (r == NULL) {
        mw__seterr(errbuf, errlen, "out of memory");
        return MW_ERR_NO_MEMORY;
    }
    r->s[0].name = "tumour_cells";
    r->s[1].name = "tumour_cells_bm";
    r->s[2].name = "tumour_cells_em";
    r->s[3].name = "mprotein_g_dl";
    ret = read_header(r, dir, errbuf, errlen);
    if (ret == 0) {
        ret = read_csv(r, dir, "timeseries.csv", 3, timeseries_row, errbuf, errlen);
    }
    if (ret == 0) {
        ret = read_csv(r, dir, "events.csv", 3, events_row, errbuf, errlen);
    }
    if (ret == 0 && (r->s[0].n == 0 || r->s[3].n == 0)) {
        mw__seterr(errbuf, errlen,
                   "%s/timeseries.csv: no tumour_cells or mprotein_g_dl rows for "
                   "replicate 0", dir);
        ret = MW_ERR_IO;
    }
    if (ret == 0) {
        mem = open_memstream(&json, &json_len);
        if (mem == NULL) {
            mw__seterr(errbuf, errlen, "out of memory");
            ret = MW_ERR_NO_MEMORY;
        } else {
            write_json(mem, r);
            fclose(mem);
        }
    }
    if (ret == 0) {
        ret = mw__outputs_open(&out, dir, names, 2, errbuf, errlen);
        if (ret == 0) {
            fputs(json, out.f[0]);
            ret = write_html(out.f[1], r, json);
            if (ret != 0) {
                mw__seterr(errbuf, errlen, "out of memory");
            }
        }
        int closed = mw__outputs_close(&out, ret == 0, errbuf, errlen);
        ret = ret != 0 ? ret : closed;
    }
    for (int i = 0; i < 4; i++) {
        free(r->s[i].t);
        free(r->s[i].v);
    }
    free(r->markers);
    free(r);
    free(json);
    return ret;
}
