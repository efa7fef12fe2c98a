#!/usr/bin/env bash
# Runs the whole test suite from a fresh or existing checkout:
# installs what is missing, configures and builds, then runs every test.
# Extra arguments go to `meson test` (e.g. --suite unit, or a test name).
set -eu
cd "$(dirname "$0")/.."

bash scripts/setup.sh

builddir=${BUILDDIR:-build}
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" >/dev/null
fi
ninja -C "$builddir" >/dev/null

exec meson test -C "$builddir" --print-errorlogs "$@"
