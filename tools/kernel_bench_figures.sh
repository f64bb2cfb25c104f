#!/bin/bash
# kernel_bench_figures.sh — runs the `gemwasm bench` matrix behind the table
# in docs/performance.md: gemma-2b q4_0/q8_0 and recurrentgemma-2b, native
# and wasm (Node), 1 and 2 threads; one JSON line per run on stdout.
# usage: tools/kernel_bench_figures.sh [OUTDIR]
#   GEMWASM_NATIVE   native CLI (default build/gemwasm)
#   GEMWASM_CLI_DIR  folder with gemwasm-cli-{st,mt}.js (default web/dist/cli)
set -u
cd "$(dirname "$0")/.."
OUT=${1:-bench-out}; mkdir -p "$OUT"
NATIVE=${GEMWASM_NATIVE:-build/gemwasm}
CLI=${GEMWASM_CLI_DIR:-web/dist/cli}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

native() { "$NATIVE" bench "$@" --json; }
wasm() { # the threaded module for -t > 1, as web/bin/gemwasm.mjs picks it
  local v=st; [[ " $* " == *" -t 2 "* ]] && v=mt
  GEMWASM_CLI_JS=$PWD/$CLI/gemwasm-cli-$v.js node web/bin/gemwasm.mjs bench "$@" --json
}
run() { local name=$1; shift; "$@" > "$OUT/$name.json" 2> "$OUT/$name.err"; echo "$name $(cat "$OUT/$name.json")"; }

for ty in q4_0 q8_0; do
  run gemma-2b-$ty-native-t2 native --synthetic gemma-2b --type $ty -t 2
  run gemma-2b-$ty-wasm-t2 wasm --synthetic gemma-2b --type $ty -t 2
  run gemma-2b-$ty-native-t1 native --synthetic gemma-2b --type $ty -t 1 --prefill 0
  run gemma-2b-$ty-wasm-t1 wasm --synthetic gemma-2b --type $ty -t 1 --prefill 0
done
run recurrentgemma-2b-q4_0-native-t2 native --synthetic recurrentgemma-2b --type q4_0 -t 2 --prefill 64
run recurrentgemma-2b-q4_0-wasm-t2 wasm --synthetic recurrentgemma-2b --type q4_0 -t 2 --prefill 64
