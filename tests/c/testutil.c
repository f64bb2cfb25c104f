/* testutil.c — see testutil.h */
#include <stdlib.h>

#include "testutil.h"

int gw_test_pass, gw_test_fail;

int test_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, gw_test_pass, gw_test_fail);
    return gw_test_fail ? 1 : 0;
}

unsigned char *test_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    if (buf) { buf[n] = 0; if (len) *len = (size_t)n; }
    fclose(f);
    return buf;
}

unsigned test_rand(unsigned *s) {
    *s ^= *s << 13; *s ^= *s >> 17; *s ^= *s << 5;
    return *s;
}

float test_randf(unsigned *s) { return (float)((test_rand(s) >> 8) * (1.0 / 8388608.0)) * 2.0f - 1.0f; }
