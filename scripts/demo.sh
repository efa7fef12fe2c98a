#!/usr/bin/env bash
# The main job, on a fresh machine: install, build, then stream a live tone
# through audiostreamsink to a local receiver and check it arrived intact.
# Arguments go to examples/demo.py (e.g. --seconds 10).
set -eu
cd "$(dirname "$0")/.."

bash scripts/setup.sh

builddir=${BUILDDIR:-build}
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" >/dev/null
fi
ninja -C "$builddir" >/dev/null

export GST_PLUGIN_PATH="$PWD/$builddir/plugins/audiostream${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
# the offline STT reference server (tools/), as `meson devenv` has it
export PATH="$PWD/$builddir/tools:$PATH"
exec /usr/bin/python3 examples/demo.py "$@"
