#!/usr/bin/env bash
# The thread-heavy unit tests (frame ring, sink front half) under
# ThreadSanitizer, built with clang in build-tsan/. The one race by design,
# the live ring writer's copy over frames it has claimed, is suppressed in
# tests/sanitizers/tsan.supp; everything else must be clean.
# Extra arguments go to `meson test`.
set -eu
cd "$(dirname "$0")/.."

if ! command -v clang >/dev/null; then
  echo "clang not found: ThreadSanitizer run skipped" >&2
  exit 77
fi

builddir=${TSAN_BUILDDIR:-build-tsan}
if [ ! -f "$builddir/build.ninja" ]; then
  CC=clang meson setup "$builddir" -Db_sanitize=thread -Db_lundef=false \
    >/dev/null
fi
tests="libs/framering libs/sinkfront"
ninja -C "$builddir" $(for t in $tests; do echo "tests/check/${t//\//_}"; done) \
  >/dev/null

export TSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/tsan.supp:halt_on_error=1"
exec meson test -C "$builddir" --no-rebuild --print-errorlogs $tests "$@"
