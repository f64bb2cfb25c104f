// Emscripten 3.1.6's output loads the .wasm with fetch() whenever fetch exists,
// which fails for file paths under Node 20. Under Node (main thread and
// pthread workers), hide fetch so it reads the file instead.
if (typeof process === 'object' && process.versions && process.versions.node) {
  globalThis.fetch = undefined;
}
