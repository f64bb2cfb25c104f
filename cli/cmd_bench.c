/* cmd_bench.c — `gemwasm bench`: prefill and decode speed of a synthetic
 * model of a real shape (random weights made directly in the chosen type)
 * or of a GGUF file, decode speed after N tokens of context (the KV cache
 * filled with noise instead of a long prefill), and the read bandwidth the
 * same process reaches with the same thread pool, so decode can be judged
 * against its bound: decode_efficiency = decode tok/s x weight bytes read
 * per token / bandwidth. Human-readable table or --json.
 *
 * The machine may be shared: every figure is the best of several samples
 * (each decoded token is one sample, the prefill is repeated --reps times,
 * the bandwidth pass 5 times), which filters out time stolen by other
 * processes; the median decode speed is printed beside the best. The
 * decode-at-context and bandwidth measurements run in --rounds rounds, one
 * after the other, so a slow spell does not fall on one of them only. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "model.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#include <emscripten/heap.h>
#else
#include <sys/resource.h>
#endif

#define MAX_CTX 8

static void help(FILE *f) {
    fprintf(f,
            "usage: gemwasm bench (--synthetic SHAPE | -m MODEL) [options]\n"
            "\n"
            "Measures prefill and decode speed and the machine's read bandwidth.\n"
            "\n"
            "  --synthetic SHAPE   gemma-2b | gemma-2-2b | gemma-3-1b | gemma-3-270m |\n"
            "                      recurrentgemma-2b: random weights of that real shape\n"
            "  -m, --model PATH    GGUF file (or any split of a set) instead\n"
            "  --type T            weight type of the synthetic model: q4_0 q8_0 f16 bf16 f32\n"
            "                      (default q8_0)\n"
            "  -t, --threads N     threads (default 1)\n"
            "  --ctx LIST          decode speed after these context lengths (default 256,4096)\n"
            "  --prefill N         tokens of the timed prefill (default 256; 0 = skip)\n"
            "  --decode N          tokens decoded per measurement (default 16)\n"
            "  --batch N           prefill micro-batch (default 64)\n"
            "  --bw-mb N           bandwidth buffer size in MiB (default 512)\n"
            "  --reps N            prefill repetitions, best taken (default 2)\n"
            "  --rounds N          rounds of the decode-at-context and bandwidth measurements,\n"
            "                      taken in turn so slow spells of a shared machine hit them\n"
            "                      alike; samples pooled (default 2)\n"
            "  --seed N            synthetic weights / token ids seed (default 1)\n"
            "  --json              one JSON object on stdout\n"
            "  -h, --help          this help\n");
}

static double now_s(void) {
#ifdef __EMSCRIPTEN__
    return emscripten_get_now() * 1e-3;
#else
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
#endif
}

static uint64_t peak_rss_bytes(void) {
#ifdef __EMSCRIPTEN__
    return (uint64_t)emscripten_get_heap_size();
#else
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (uint64_t)ru.ru_maxrss * 1024u; /* Linux: KiB */
#endif
}

/* Bytes of weights one decode step reads: every tensor of the model, except
 * that an untied token-embedding table contributes one row only. */
static uint64_t weight_bytes_per_token(const gw_model *m) {
    uint64_t b = gw_model_get_info(m)->weight_bytes;
    const gw_tensor *e = m->tok_embd;
    if (e && m->output != e && e->ne[1] > 0) {
        uint64_t eb = e->nbytes ? e->nbytes : gw_type_row_bytes(e->type, e->ne[0]) * (uint64_t)e->ne[1];
        b = b - eb + eb / (uint64_t)e->ne[1];
    }
    return b;
}

/* Best of a few passes of gw_read_buffer over a buffer larger than the caches. */
static double measure_bandwidth(gw_pool *pool, size_t bytes, uint32_t *sink) {
    uint8_t *raw = malloc(bytes + 64);
    if (!raw) return 0.0;
    uint8_t *buf = raw + ((64 - ((uintptr_t)raw & 63)) & 63);
    for (size_t i = 0; i < bytes; i += 4096) memset(buf + i, (int)(i >> 12), bytes - i < 4096 ? bytes - i : 4096);
    double best = 0.0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now_s();
        *sink ^= gw_read_buffer(pool, buf, bytes);
        double dt = now_s() - t0;
        if (dt > 0 && bytes / dt > best) best = (double)bytes / dt;
    }
    free(raw);
    return best;
}

/* s as a JSON string literal (quotes, backslashes, control characters escaped). */
static void print_json_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Decodes toks[0..n) one at a time from the session's position, the
 * per-token times to dt[0..n). */
static int decode_times(gw_session *s, const int32_t *toks, int n, float *logits, double *dt, gw_err *err) {
    for (int i = 0; i < n; i++) {
        double t0 = now_s();
        int rc = gw_session_eval(s, toks + i, 1, logits, 0, err);
        dt[i] = now_s() - t0;
        if (rc) return rc;
    }
    return GW_OK;
}

/* Best and median tokens per second of n per-token times (sorts dt). */
static void tok_s_stats(double *dt, int n, double *best, double *median) {
    qsort(dt, (size_t)n, sizeof *dt, cmp_double);
    *best = dt[0] > 0 ? 1.0 / dt[0] : 0.0;
    *median = dt[n / 2] > 0 ? 1.0 / dt[n / 2] : 0.0;
}

static int parse_ctx_list(const char *s, int *ctx, int *n) {
    *n = 0;
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 0 || v > (1L << 24) || *n >= MAX_CTX) return 0;
        ctx[(*n)++] = (int)v;
        if (*end == ',') end++;
        else if (*end) return 0;
        s = end;
    }
    return *n > 0;
}

int cmd_bench(int argc, char **argv) {
    const char *shape = NULL, *model_path = NULL, *type_s = "q8_0";
    int threads = 1, prefill = 256, decode = 16, batch = 0, bw_mb = 512, seed = 1, json = 0, reps = 2, rounds = 2;
    int ctx[MAX_CTX] = {256, 4096}, n_ctx_list = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { help(stdout); return 0; }
        else if (!strcmp(a, "--synthetic") && has) shape = argv[++i];
        else if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && has) model_path = argv[++i];
        else if (!strcmp(a, "--type") && has) type_s = argv[++i];
        else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--ctx") && has) {
            if (!parse_ctx_list(argv[++i], ctx, &n_ctx_list))
                return cli_failf("bench", "bad --ctx list (comma-separated non-negative ints, at most %d)", MAX_CTX);
        } else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && has) {
            if (!cli_parse_int(argv[++i], &threads) || threads < 1 || threads > 64) return cli_failf("bench", "bad --threads value");
        } else if (!strcmp(a, "--prefill") && has) {
            if (!cli_parse_int(argv[++i], &prefill)) return cli_failf("bench", "bad --prefill value");
        } else if (!strcmp(a, "--decode") && has) {
            if (!cli_parse_int(argv[++i], &decode) || decode < 1) return cli_failf("bench", "bad --decode value");
        } else if (!strcmp(a, "--batch") && has) {
            if (!cli_parse_int(argv[++i], &batch) || batch < 1) return cli_failf("bench", "bad --batch value");
        } else if (!strcmp(a, "--bw-mb") && has) {
            if (!cli_parse_int(argv[++i], &bw_mb) || bw_mb < 1 || bw_mb > 2048) return cli_failf("bench", "bad --bw-mb value");
        } else if (!strcmp(a, "--reps") && has) {
            if (!cli_parse_int(argv[++i], &reps) || reps < 1) return cli_failf("bench", "bad --reps value");
        } else if (!strcmp(a, "--rounds") && has) {
            if (!cli_parse_int(argv[++i], &rounds) || rounds < 1 || rounds > 100) return cli_failf("bench", "bad --rounds value");
        } else if (!strcmp(a, "--seed") && has) {
            if (!cli_parse_int(argv[++i], &seed)) return cli_failf("bench", "bad --seed value");
        } else { help(stderr); return cli_failf("bench", "unknown or incomplete option '%s'", a); }
    }
    if (!shape == !model_path) { help(stderr); return cli_failf("bench", "give exactly one of --synthetic SHAPE and -m MODEL"); }
    const int type = gw_type_from_name(type_s);
    if (shape && (type < 0 || !gw_type_matmul_supported(type)))
        return cli_failf("bench", "--type '%s': use q4_0, q8_0, f16, bf16 or f32", type_s);

    gw_err err = {0};
    gw_model *m = NULL;
    gw_session *s = NULL;
    int32_t *toks = NULL;
    double t_load = now_s();
    int rc = shape ? gw_model_synthetic(shape, type, (uint32_t)seed, &m, &err) : cli_load_model(model_path, &m, &err);
    t_load = now_s() - t_load;
    if (rc) return cli_fail("bench", &err);
    const gw_model_info *info = gw_model_get_info(m);
    const int recurrent = info->arch == GW_ARCH_RECURRENTGEMMA;

    int max_ctx = prefill;
    for (int i = 0; i < n_ctx_list; i++) if (ctx[i] > max_ctx) max_ctx = ctx[i];
    gw_session_opts o = {.n_ctx = max_ctx + decode + 4, .n_threads = threads, .n_batch = batch};
    if (!recurrent && info->n_ctx_train > 0 && o.n_ctx > info->n_ctx_train) o.n_ctx = info->n_ctx_train;
    rc = gw_session_new(m, &o, &s, &err);
    if (rc) { gw_model_free(m); return cli_fail("bench", &err); }
    for (int i = 0; i < n_ctx_list; i++)
        if (!recurrent && ctx[i] + decode + 1 > s->n_ctx) {
            rc = gw_set_err(&err, GW_E_RANGE, "--ctx %d + %d decoded tokens exceeds the model's context %d",
                            ctx[i], decode, s->n_ctx);
            goto done;
        }

    const int n_tok = prefill > decode ? prefill : decode;
    toks = malloc(sizeof(int32_t) * (size_t)(n_tok + 2));
    if (!toks) { rc = gw_set_err(&err, GW_E_NOMEM, "out of memory"); goto done; }
    uint32_t st = (uint32_t)seed * 2654435761u + 1u;
    for (int i = 0; i < n_tok + 2; i++) {
        st ^= st << 13; st ^= st >> 17; st ^= st << 5;
        toks[i] = (int32_t)(st % (uint32_t)info->n_vocab);
    }
    float *logits = malloc(sizeof(float) * (size_t)info->n_vocab);
    double *dt = malloc(sizeof(double) * (size_t)(n_ctx_list * rounds + 1) * (size_t)decode);
    if (!logits || !dt) { rc = gw_set_err(&err, GW_E_NOMEM, "out of memory"); goto done_l; }

    /* warm-up: one token (faults the weights in, starts the threads) */
    if ((rc = gw_session_eval(s, toks, 1, logits, 0, &err))) goto done_l;

    /* prefill of `prefill` tokens (best of reps), then the first `decode`
     * of the same tokens decoded one at a time from position 0, for the ratio */
    double prefill_tok_s = 0, decode0_tok_s = 0, decode0_med = 0;
    if (prefill > 0) {
        for (int r = 0; r < reps; r++) {
            gw_session_reset(s);
            double t0 = now_s();
            if ((rc = gw_session_eval(s, toks, prefill, logits, 0, &err))) goto done_l;
            double v = prefill / (now_s() - t0);
            if (v > prefill_tok_s) prefill_tok_s = v;
        }
        gw_session_reset(s);
        const int n0 = decode < prefill ? decode : prefill;
        if ((rc = decode_times(s, toks, n0, logits, dt, &err))) goto done_l;
        tok_s_stats(dt, n0, &decode0_tok_s, &decode0_med);
    }

    /* decode after each context length, and the bandwidth: `rounds` rounds
     * in turn, samples pooled */
    double dec[MAX_CTX], dec_med[MAX_CTX], bw = 0;
    uint32_t sink = 0;
    for (int r = 0; r < rounds; r++) {
        for (int c = 0; c < n_ctx_list; c++) {
            gw_session_reset(s);
            if (ctx[c] > 0 && (rc = gw_session_fake_context(s, ctx[c], &err))) goto done_l;
            if ((rc = gw_session_eval(s, toks, 1, logits, 0, &err))) goto done_l; /* warm-up */
            if ((rc = decode_times(s, toks + 1, decode, logits, dt + ((size_t)c * rounds + r) * decode, &err)))
                goto done_l;
        }
        const double b = measure_bandwidth(s->pool, (size_t)bw_mb << 20, &sink);
        if (b > bw) bw = b;
    }
    for (int c = 0; c < n_ctx_list; c++) tok_s_stats(dt + (size_t)c * rounds * decode, rounds * decode, &dec[c], &dec_med[c]);
    const uint64_t wbpt = weight_bytes_per_token(m);
    const uint64_t rss = peak_rss_bytes();
#ifdef __EMSCRIPTEN__
    const char *build = "wasm";
#else
    const char *build = "native";
#endif
    const char *simd = gw_kernels_simd_name();
    const char *name = shape ? shape : model_path;
    const char *wtype = shape ? gw_type_name(type) : "file";

    if (json) {
        printf("{\"model\": ");
        print_json_str(name);
        printf(", \"type\": \"%s\", \"arch\": \"%s\", \"build\": \"%s\", \"simd\": \"%s\", "
               "\"threads\": %d, \"load_s\": %.3f, \"prefill_tokens\": %d, \"prefill_tok_s\": %.3f, "
               "\"decode_from_0_tok_s\": %.3f, \"prefill_speedup\": %.2f, \"decode_tokens\": %d, \"rounds\": %d, "
               "\"decode_tok_s\": {",
               wtype, info->arch_name, build, simd, gw_pool_size(s->pool), t_load, prefill,
               prefill_tok_s, decode0_tok_s, decode0_tok_s > 0 ? prefill_tok_s / decode0_tok_s : 0.0, decode, rounds);
        for (int c = 0; c < n_ctx_list; c++) printf("%s\"%d\": %.3f", c ? ", " : "", ctx[c], dec[c]);
        printf("}, \"decode_median_tok_s\": {");
        for (int c = 0; c < n_ctx_list; c++) printf("%s\"%d\": %.3f", c ? ", " : "", ctx[c], dec_med[c]);
        printf("}, \"weight_bytes\": %llu, \"weight_bytes_per_token\": %llu, \"bandwidth_gbs\": %.3f, "
               "\"decode_efficiency\": {",
               (unsigned long long)info->weight_bytes, (unsigned long long)wbpt, bw * 1e-9);
        for (int c = 0; c < n_ctx_list; c++)
            printf("%s\"%d\": %.3f", c ? ", " : "", ctx[c], bw > 0 ? dec[c] * (double)wbpt / bw : 0.0);
        printf("}, \"state_bytes\": %llu, \"peak_rss_bytes\": %llu, \"checksum\": %u}\n",
               (unsigned long long)gw_session_state_bytes(s), (unsigned long long)rss, (unsigned)(sink & 1));
    } else {
        printf("model       %s (%s, %s weights, %.1f MB), built in %.1f s\n", name, info->arch_name, wtype,
               info->weight_bytes / 1e6, t_load);
        printf("build       %s, %s, %d thread(s)\n", build, simd, gw_pool_size(s->pool));
        if (prefill > 0)
            printf("prefill     %d tokens: %.2f tok/s (%.1fx decoding the same tokens one by one: %.2f tok/s)\n",
                   prefill, prefill_tok_s, decode0_tok_s > 0 ? prefill_tok_s / decode0_tok_s : 0.0, decode0_tok_s);
        for (int c = 0; c < n_ctx_list; c++)
            printf("decode      ctx %5d: %.2f tok/s (median %.2f), efficiency %.2f\n", ctx[c], dec[c], dec_med[c],
                   bw > 0 ? dec[c] * (double)wbpt / bw : 0.0);
        printf("bandwidth   %.2f GB/s (read, %d MiB buffer, same pool)\n", bw * 1e-9, bw_mb);
        printf("weights     %.1f MB read per decoded token\n", wbpt / 1e6);
        printf("peak memory %.1f MB%s\n", rss / 1e6, build[0] == 'w' ? " (wasm heap size)" : " (RSS)");
    }
done_l:
    free(logits);
    free(dt);
done:
    free(toks);
    gw_session_free(s);
    gw_model_free(m);
    return rc ? cli_fail("bench", &err) : 0;
}
