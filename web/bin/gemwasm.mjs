#!/usr/bin/env node
// gemwasm.mjs — the Node CLI: runs the same C CLI as build/gemwasm, compiled
// to WebAssembly (web/dist/cli/gemwasm-cli-{mt,st}.js, real files through
// NODERAWFS), so both take the same subcommands and flags and print the same
// output. The threaded build is used when --threads/-t asks for more than one.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

function wantsThreads(argv) {
  for (let i = 0; i < argv.length - 1; i++) {
    if ((argv[i] === '-t' || argv[i] === '--threads') && Number(argv[i + 1]) > 1) return true;
  }
  return false;
}

const variant = wantsThreads(args) ? 'mt' : 'st';
const file = process.env.GEMWASM_CLI_JS || join(here, '..', 'dist', 'cli', `gemwasm-cli-${variant}.js`);
if (!existsSync(file)) {
  console.error(`gemwasm: ${file} is missing: build the wasm first (npm run build)`);
  process.exit(1);
}
const require = createRequire(import.meta.url);
const createCli = require(file);
const mod = await createCli({ thisProgram: 'gemwasm' });
// callMain runs main(); with EXIT_RUNTIME the process exits with its status.
mod.callMain(args);
