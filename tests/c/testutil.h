/* testutil.h — a tiny assertion harness for the C tests: CHECK() records a
 * failure and continues; test_summary() prints "N passed, N failed" and
 * returns the exit code. */
#ifndef GW_TESTUTIL_H
#define GW_TESTUTIL_H

#include <stdio.h>
#include <stddef.h>

extern int gw_test_pass, gw_test_fail;

#define CHECK(cond) do { \
    if (cond) gw_test_pass++; \
    else { gw_test_fail++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)
#define CHECKF(cond, ...) do { \
    if (cond) gw_test_pass++; \
    else { gw_test_fail++; fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
           fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } \
} while (0)

int test_summary(const char *name);
/* Read a whole file; returns malloc'd buffer (NUL-terminated) or NULL. */
unsigned char *test_read_file(const char *path, size_t *len);
/* Deterministic PRNG for tests. */
unsigned test_rand(unsigned *state);
float test_randf(unsigned *state); /* uniform in [-1, 1) */

#endif
