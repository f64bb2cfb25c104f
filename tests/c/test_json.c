/* test_json.c — the strict JSON parser: values, escapes, surrogates, errors
 * with line/column, depth limit, rejection of everything RFC 8259 forbids. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "testutil.h"

static gw_json_doc *parse(const char *s, gw_err *err) {
    gw_json_doc *d = NULL;
    gw_json_parse(s, strlen(s), "t.json", &d, err);
    return d;
}

static int rejects(const char *s) {
    gw_err err;
    gw_json_doc *d = NULL;
    int rc = gw_json_parse(s, strlen(s), "t.json", &d, &err);
    if (rc == GW_OK) { gw_json_doc_free(d); return 0; }
    return d == NULL && rc == GW_E_FORMAT && err.code == GW_E_FORMAT;
}

static void test_values(void) {
    gw_err err;
    gw_json_doc *d = parse(" {\"a\": [1, -2.5, 3e2, true, false, null, \"x\"], \"b\": {}, \"c\": [], \"\": 0} ", &err);
    CHECKF(d != NULL, "%s", err.msg);
    if (!d) return;
    const gw_json *r = gw_json_root(d);
    CHECK(gw_json_kind_of(r) == GW_JSON_OBJECT);
    CHECK(gw_json_len(r) == 4);
    CHECK(!strcmp(gw_json_key_at(r, 0), "a"));
    CHECK(!strcmp(gw_json_key_at(r, 3), ""));
    CHECK(gw_json_key_at(r, 4) == NULL);
    const gw_json *a = gw_json_get(r, "a");
    CHECK(gw_json_kind_of(a) == GW_JSON_ARRAY && gw_json_len(a) == 7);
    CHECK(gw_json_num(gw_json_at(a, 0)) == 1);
    CHECK(gw_json_num(gw_json_at(a, 1)) == -2.5);
    CHECK(gw_json_num(gw_json_at(a, 2)) == 300);
    CHECK(gw_json_kind_of(gw_json_at(a, 3)) == GW_JSON_BOOL && gw_json_bool(gw_json_at(a, 3)) == 1);
    CHECK(gw_json_bool(gw_json_at(a, 4)) == 0);
    CHECK(gw_json_is_null(gw_json_at(a, 5)));
    CHECK(!gw_json_is_null(gw_json_at(a, 0)));
    size_t n;
    CHECK(!strcmp(gw_json_str(gw_json_at(a, 6), &n), "x") && n == 1);
    CHECK(gw_json_at(a, 7) == NULL);
    CHECK(gw_json_str(gw_json_at(a, 0), NULL) == NULL);
    CHECK(gw_json_kind_of(gw_json_get(r, "b")) == GW_JSON_OBJECT && gw_json_len(gw_json_get(r, "b")) == 0);
    CHECK(gw_json_len(gw_json_get(r, "c")) == 0);
    CHECK(gw_json_num(gw_json_get(r, "")) == 0);
    CHECK(gw_json_get(r, "zz") == NULL);
    CHECK(gw_json_get(a, "a") == NULL);
    CHECK(gw_json_get(NULL, "a") == NULL);
    CHECK(gw_json_val_at(r, 1) == gw_json_get(r, "b"));
    gw_json_doc_free(d);

    /* scalars as the root; big and precise numbers */
    d = parse("\"just a string\"", &err);
    CHECK(d && !strcmp(gw_json_str(gw_json_root(d), NULL), "just a string"));
    gw_json_doc_free(d);
    d = parse("[0, -0, 123456789012345678, 1.7976931348623157e308, 5e-324, 0.1, -1E+2, 9007199254740993]", &err);
    CHECKF(d != NULL, "%s", err.msg);
    if (d) {
        const gw_json *v = gw_json_root(d);
        CHECK(gw_json_num(gw_json_at(v, 0)) == 0);
        CHECK(gw_json_num(gw_json_at(v, 2)) == 123456789012345678.0);
        CHECK(gw_json_num(gw_json_at(v, 3)) == 1.7976931348623157e308);
        CHECK(gw_json_num(gw_json_at(v, 4)) > 0);
        CHECK(gw_json_num(gw_json_at(v, 5)) == 0.1);
        CHECK(gw_json_num(gw_json_at(v, 6)) == -100);
        CHECK(gw_json_num(gw_json_at(v, 7)) == 9007199254740992.0);
        gw_json_doc_free(d);
    }
    /* duplicate keys: first wins */
    d = parse("{\"k\": 1, \"k\": 2}", &err);
    CHECK(d && gw_json_num(gw_json_get(gw_json_root(d), "k")) == 1 && gw_json_len(gw_json_root(d)) == 2);
    gw_json_doc_free(d);
    /* BOM is skipped */
    d = parse("\xEF\xBB\xBF[1]", &err);
    CHECK(d && gw_json_len(gw_json_root(d)) == 1);
    gw_json_doc_free(d);
}

static void test_strings(void) {
    gw_err err;
    gw_json_doc *d = parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u2581\\uD83D\\uDE00\", \"nul\\u0000x\", "
                           "\"\xE2\x96\x81\xF0\x9F\x98\x80\", \"\\u0041\\u00\x34\x31\"]", &err);
    CHECKF(d != NULL, "%s", err.msg);
    if (!d) return;
    const gw_json *r = gw_json_root(d);
    size_t n;
    CHECK(!strcmp(gw_json_str(gw_json_at(r, 0), &n), "a\"b\\c/d\b\f\n\r\t") && n == 12);
    CHECK(!strcmp(gw_json_str(gw_json_at(r, 1), &n), "\xC3\xA9\xE2\x96\x81\xF0\x9F\x98\x80") && n == 9);
    const char *s = gw_json_str(gw_json_at(r, 2), &n);
    CHECK(n == 5 && !memcmp(s, "nul\0x", 6));
    CHECK(!strcmp(gw_json_str(gw_json_at(r, 3), &n), "\xE2\x96\x81\xF0\x9F\x98\x80") && n == 7);
    CHECK(!strcmp(gw_json_str(gw_json_at(r, 4), &n), "AA") && n == 2);
    gw_json_doc_free(d);

    /* keys with embedded NUL do not match the shorter C string */
    d = parse("{\"a\\u0000b\": 1, \"a\": 2}", &err);
    CHECK(d && gw_json_num(gw_json_get(gw_json_root(d), "a")) == 2);
    gw_json_doc_free(d);

    /* not NUL-terminated input */
    char buf[4] = {'[', '7', ']', '9'};
    d = NULL;
    CHECK(gw_json_parse(buf, 3, "t", &d, &err) == GW_OK && gw_json_num(gw_json_at(gw_json_root(d), 0)) == 7);
    gw_json_doc_free(d);
}

static void test_rejects(void) {
    const char *bad[] = {
        "", " ", "[", "]", "{", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{a:1}", "{'a':1}",
        "01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "-Infinity", "1e999",
        "tru", "nul", "falsey", "[true false]", "\"abc", "\"a\\x\"", "\"a\\u12\"", "\"\\u12G4\"",
        "\"tab\there\"", "\"nl\nhere\"", "\"\\uD800\"", "\"\\uDC00\"", "\"\\uD800\\u0041\"", "\"\\uD800x\"",
        "\"\xC0\xAF\"", "\"\xED\xA0\x80\"", "\"\xF5\x80\x80\x80\"", "\"\xE2\x96\"", "\"\x80\"",
        "[1] [2]", "{} x", "// c\n1", "/* c */ 1", "{\"a\":1 \"b\":2}", "\"\\",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECKF(rejects(bad[i]), "accepted: %s", bad[i]);
    /* NUL in the middle of the buffer */
    gw_json_doc *d = NULL;
    gw_err err;
    CHECK(gw_json_parse("[1,\0 2]", 7, "t", &d, &err) == GW_E_FORMAT && d == NULL);
    CHECK(gw_json_parse(NULL, 0, "t", &d, &err) == GW_E_FORMAT);
    CHECK(gw_json_parse("1", 1, "t", NULL, &err) == GW_E_INVALID);
}

static void test_errors_located(void) {
    gw_err err;
    gw_json_doc *d = NULL;
    const char *s = "{\n  \"a\": [1, 2,\n    \xC3\xA9x]\n}";
    CHECK(gw_json_parse(s, strlen(s), "cfg.json", &d, &err) == GW_E_FORMAT);
    CHECKF(strstr(err.msg, "cfg.json:3:5:") != NULL, "%s", err.msg);
    s = "{\"a\": \"\\uD800\"}";
    CHECK(gw_json_parse(s, strlen(s), "x.json", &d, &err) == GW_E_FORMAT);
    CHECKF(strstr(err.msg, "x.json:1:8:") && strstr(err.msg, "surrogate"), "%s", err.msg);
    s = "[1,\n2,\n3";
    CHECK(gw_json_parse(s, strlen(s), "y.json", &d, &err) == GW_E_FORMAT);
    CHECKF(strstr(err.msg, "y.json:3:2:") != NULL, "%s", err.msg);
}

static void test_depth(void) {
    enum { N = 600 };
    char *s = malloc(2 * N + 1);
    gw_err err;
    gw_json_doc *d = NULL;
    /* 512 levels are fine */
    for (int i = 0; i < 512; i++) { s[i] = '['; s[512 + i] = ']'; }
    CHECKF(gw_json_parse(s, 1024, "deep", &d, &err) == GW_OK, "%s", err.msg);
    gw_json_doc_free(d);
    d = NULL;
    for (int i = 0; i < N; i++) { s[i] = '['; s[N + i] = ']'; }
    CHECK(gw_json_parse(s, 2 * N, "deep", &d, &err) == GW_E_FORMAT && strstr(err.msg, "deep"));
    for (int i = 0; i < N; i++) { s[2 * i] = '['; s[2 * i + 1] = '{'; }
    CHECK(gw_json_parse(s, 2 * N, "deep", &d, &err) == GW_E_FORMAT);
    free(s);
}

static void test_large(void) {
    /* an object with many members and long arrays: lookup by iteration */
    size_t n = 200000, cap = n * 24 + 16, len = 0;
    char *s = malloc(cap);
    s[len++] = '{';
    for (size_t i = 0; i < n; i++) len += (size_t)snprintf(s + len, cap - len, "%s\"k%zu\":%zu", i ? "," : "", i, i);
    s[len++] = '}';
    gw_json_doc *d = NULL;
    gw_err err;
    CHECKF(gw_json_parse(s, len, "big", &d, &err) == GW_OK, "%s", err.msg);
    if (d) {
        const gw_json *r = gw_json_root(d);
        CHECK(gw_json_len(r) == n);
        int ok = 1;
        char k[32];
        for (size_t i = 0; i < n; i += 997) {
            snprintf(k, sizeof k, "k%zu", i);
            if (strcmp(gw_json_key_at(r, i), k) || gw_json_num(gw_json_val_at(r, i)) != (double)i) ok = 0;
        }
        CHECK(ok);
        CHECK(gw_json_num(gw_json_get(r, "k199999")) == 199999);
    }
    gw_json_doc_free(d);
    free(s);
}

int main(void) {
    test_values();
    test_strings();
    test_rejects();
    test_errors_located();
    test_depth();
    test_large();
    return test_summary("test_json");
}
