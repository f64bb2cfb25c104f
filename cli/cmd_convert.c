/* cmd_convert.c — `gemwasm convert HF_DIR -o OUT.gguf --type T
 * [--split-max-size N]`: a Hugging Face checkpoint directory to GGUF (one
 * file, or llama.cpp-style splits), through loader/convert.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "common.h"
#include "convert.h"

static void help(FILE *f) {
    fprintf(f,
            "usage: gemwasm convert HF_DIR -o OUT.gguf [--type f32|f16|bf16|q8_0|q4_0] [--split-max-size SIZE]\n"
            "\n"
            "Converts a Hugging Face checkpoint (config.json + safetensors, single or sharded)\n"
            "of a Gemma 1/2/3 text model to GGUF with llama.cpp's names and metadata.\n"
            "\n"
            "  -o, --output PATH      output .gguf file (with splits: PATH minus .gguf\n"
            "                         + -00001-of-0000N.gguf)\n"
            "  --type T               weight type (default f32); 1-D tensors stay f32, and\n"
            "                         rows whose length is not a multiple of 32 stay f16\n"
            "                         when quantizing\n"
            "  --split-max-size SIZE  at most SIZE bytes of tensor data per file, e.g.\n"
            "                         64M, 2G, 96K (decimal units as in llama.cpp)\n"
            "  -h, --help             this help\n");
}

/* "64M" -> 64000000; 0 on error. */
static uint64_t parse_size(const char *s) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || v == 0 || s[0] == '-') return 0;
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k') mul = 1000, end++;
    else if (*end == 'M' || *end == 'm') mul = 1000 * 1000, end++;
    else if (*end == 'G' || *end == 'g') mul = 1000 * 1000 * 1000, end++;
    if (*end) return 0;
    if (v > UINT64_MAX / mul) return 0;
    return (uint64_t)v * mul;
}

int cmd_convert(int argc, char **argv) {
    const char *dir = NULL, *outp = NULL, *type_s = "f32";
    uint64_t split = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { help(stdout); return 0; }
        else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && has) outp = argv[++i];
        else if (!strcmp(a, "--type") && has) type_s = argv[++i];
        else if (!strcmp(a, "--split-max-size") && has) {
            if (!(split = parse_size(argv[++i]))) return cli_failf("convert", "bad --split-max-size '%s' (e.g. 64M)", argv[i]);
        } else if (a[0] != '-' && !dir) dir = a;
        else { help(stderr); return cli_failf("convert", "unknown or incomplete option '%s'", a); }
    }
    if (!dir || !outp) { help(stderr); return cli_failf("convert", "HF_DIR and -o are required"); }
    gw_convert_opts o = {gw_type_from_name(type_s), split};
    if (o.type < 0 || gw_convert_file_type(o.type) < 0)
        return cli_failf("convert", "unsupported --type '%s' (f32, f16, bf16, q8_0, q4_0)", type_s);
    gw_err err = {0};
    int n_files = 0;
    if (gw_convert_run(dir, outp, &o, &n_files, &err)) return cli_fail("convert", &err);
    printf("wrote %s: %d file%s, %s\n", outp, n_files, n_files == 1 ? "" : "s", type_s);
    return 0;
}
