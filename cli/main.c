/* main.c — gemwasm CLI entry: dispatches to the subcommands in commands.h. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const gw_command commands[] = {
    {"convert", cmd_convert, "convert a Hugging Face checkpoint to GGUF (optionally split, quantized)"},
    {"logits", cmd_logits, "write the logits of every position of a token sequence as .npy"},
    {"generate", cmd_generate, "greedy/sampled continuation of a prompt"},
    {"bench", cmd_bench, "prefill/decode speed and read bandwidth (synthetic model or GGUF)"},
    {"tokenize", cmd_tokenize, "text (lines of JSON strings) -> token ids (JSON arrays)"},
    {"detokenize", cmd_detokenize, "token ids (lines of JSON arrays) -> text (JSON strings)"},
    {"chat", cmd_chat, "interactive chat on the terminal (the model's chat template)"},
    {"perplexity", cmd_perplexity, "perplexity of a model on a text file, as llama.cpp computes it"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
    fprintf(f, "usage: gemwasm <command> [options]   (gemwasm <command> --help for details)\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv) {
    if (argc < 2) { usage(stderr); return 2; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "gemwasm: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
