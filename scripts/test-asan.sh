#!/usr/bin/env bash
# The unit and element tests under AddressSanitizer and LeakSanitizer: memory
# errors and leaks in the elements and the internal library, including 200
# start/stop cycles while connecting, connected and reconnecting.
# Extra arguments go to `meson test`.
set -eu
cd "$(dirname "$0")/.."

bash scripts/setup.sh

builddir=${ASAN_BUILDDIR:-build-asan}
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" -Db_sanitize=address -Db_lundef=false >/dev/null
fi
ninja -C "$builddir" >/dev/null

# Plugins are loaded in-process: the registry scanner is not built with ASan.
export GST_REGISTRY_FORK=no
# libsoup asks GIO's proxy resolver, whose libproxy backend throws C++
# exceptions that ASan cannot intercept in a C program; the tests talk to
# 127.0.0.1 only.
export GIO_USE_PROXY_RESOLVER=dummy
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
exec meson test -C "$builddir" --suite unit --suite element --print-errorlogs \
  --timeout-multiplier 3 "$@"
