#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS — builds every tests/fuzz/fuzz_*.c as a libFuzzer
# target (clang, -DGW_FUZZ=ON, in build-fuzz/) and runs each for SECONDS
# seconds from its seed corpus tests/fuzz/corpus/<target>/ (copied, so the
# committed corpus does not grow). Exits non-zero if any target crashes,
# leaks or fails to build; the crashing input is left in build-fuzz/crashes/.
set -u
SECONDS_EACH="${1:-15}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${GW_FUZZ_BUILD:-$ROOT/build-fuzz}"
JOBS="${JOBS:-2}"
CC_BIN="${CC:-clang}"
case "$CC_BIN" in *clang*) ;; *) CC_BIN=clang ;; esac
command -v "$CC_BIN" >/dev/null || { echo "fuzz: clang not found (apt-get install clang)" >&2; exit 1; }

targets=()
for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
  [ -e "$src" ] || continue
  targets+=("$(basename "$src" .c)")
done
[ "${#targets[@]}" -gt 0 ] || { echo "fuzz: no targets" >&2; exit 1; }

echo "fuzz: building ${targets[*]} in $BUILD"
mkdir -p "$BUILD"
CC="$CC_BIN" cmake -S "$ROOT" -B "$BUILD" -DGW_FUZZ=ON -DCMAKE_BUILD_TYPE=Release >"$BUILD/build.log" 2>&1 \
  && cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}" >>"$BUILD/build.log" 2>&1 \
  || { echo "fuzz: build failed (see $BUILD/build.log)" >&2; tail -30 "$BUILD/build.log" >&2; exit 1; }

status=0
mkdir -p "$BUILD/crashes"
for t in "${targets[@]}"; do
  work="$(mktemp -d)"
  [ -d "$ROOT/tests/fuzz/corpus/$t" ] && cp -r "$ROOT/tests/fuzz/corpus/$t/." "$work/" 2>/dev/null
  log="$BUILD/$t.log"
  if "$BUILD/$t" "$work" -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix="$BUILD/crashes/$t-" -print_final_stats=1 >"$log" 2>&1; then
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')"
    echo "fuzz: $t ok (${runs:-?} runs in ${SECONDS_EACH}s)"
  else
    echo "fuzz: $t FAILED (see $log, inputs in $BUILD/crashes/)" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2
    status=1
  fi
  rm -rf "$work"
done
exit $status
