/*
 * Private interface of the report module: the escaping that keeps user text (scenario
 * names, command lines) inert inside report.html.  Exposed for the unit tests.
 */
#ifndef MW_REPORT_H
#define MW_REPORT_H

#include <stddef.h>
#include <stdio.h>

/* uPlot 1.6.32, installed by npm into report/node_modules and compiled in by
 * CMake (cmake/embed.cmake), NUL-terminated. */
extern const char mw__report_uplot_js[];
extern const char mw__report_uplot_css[];

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

#endif
