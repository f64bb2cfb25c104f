/* commands.h — the subcommands of the gemwasm CLI. The same C code is the
 * native CLI (build/gemwasm) and, compiled to wasm under NODERAWFS, the Node
 * CLI (node web/bin/gemwasm.mjs), so both print the same output. Each
 * command lives in cli/cmd_<name>.c; cli/main.c dispatches. */
#ifndef GW_COMMANDS_H
#define GW_COMMANDS_H

typedef struct gw_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;
} gw_command;

int cmd_logits(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_detokenize(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_perplexity(int argc, char **argv);

#endif
