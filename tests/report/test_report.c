/* Escaping that keeps user text inert in report.html: HTML character references for
 * the header, and '<' as \u003c for the JSON inside <script>.  Also checks that the
 * embedded uPlot is there, so a broken npm install shows up as a test failure. */
#include <string.h>

#include "testlib.h"
#include "report/report.h"

static void
test_html_escape(void **state)
{
    (void) state;
    char buf[128];
    size_t n = mw__html_escape("<script>alert(1)</script> & \"q\" 'a'", buf, sizeof(buf));
    assert_string_equal(buf, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; "
                             "&#39;a&#39;");
    assert_int_equal(n, strlen(buf));
    /* Plain text and UTF-8 pass through unchanged. */
    mw__html_escape("CAR-T \xc2\xb5g", buf, sizeof(buf));
    assert_string_equal(buf, "CAR-T \xc2\xb5g");
}

static void
test_html_escape_truncates(void **state)
{
    (void) state;
    char buf[6];
    /* snprintf contract: the needed length back, a NUL-terminated prefix written. */
    size_t n = mw__html_escape("a<b", buf, sizeof(buf));
    assert_int_equal(n, strlen("a&lt;b"));
    assert_string_equal(buf, "a&lt;");
    assert_int_equal(mw__html_escape("<<", NULL, 0), 8);
}

static void
test_script_json_escape(void **state)
{
    (void) state;
    char buf[256];
    const char *json = "{\"name\": \"</script><script>alert(1)</script><!--\"}";
    size_t n = mw__script_json_escape(json, buf, sizeof(buf));
    assert_int_equal(n, strlen(buf));
    assert_null(strstr(buf, "</"));
    assert_null(strstr(buf, "<!--"));
    assert_null(strchr(buf, '<'));
    assert_string_equal(buf, "{\"name\": \"\\u003c/script>\\u003cscript>alert(1)"
                             "\\u003c/script>\\u003c!--\"}");
    /* JSON without '<' is copied as it is. */
    mw__script_json_escape("{\"x\": [1, 2e-3]}", buf, sizeof(buf));
    assert_string_equal(buf, "{\"x\": [1, 2e-3]}");
}

static void
test_uplot_embedded(void **state)
{
    (void) state;
    /* The IIFE build defines the global uPlot; the CSS styles .uplot. */
    assert_true(strlen(mw__report_uplot_js) > 20000);
    assert_non_null(strstr(mw__report_uplot_js, "uPlot"));
    assert_non_null(strstr(mw__report_uplot_css, ".uplot"));
    /* An embedded "</script" would end the page's script element early. */
    assert_null(strstr(mw__report_uplot_js, "</script"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escape),
        cmocka_unit_test(test_html_escape_truncates),
        cmocka_unit_test(test_script_json_escape),
        cmocka_unit_test(test_uplot_embedded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
