#!/usr/bin/env bash
# Fuzzes the speech-to-text server-message parsers (the Deepgram,
# AssemblyAI, Speechmatics, OpenAI and Vosk adapters,
# plugins/stt/stt-*.c) with clang's libFuzzer, AddressSanitizer
# and UndefinedBehaviorSanitizer, for a bounded time.
#
#   bash scripts/fuzz.sh [SECONDS]        default 120
#
# Needs Debian's clang and libclang-rt-14-dev (scripts/setup.sh installs
# them). Builds into $FUZZ_DIR (default build-fuzz/), starts from the seed
# corpus in tests/fuzz/corpus plus whatever earlier runs found (kept in
# $FUZZ_DIR/corpus), and stops at the first crash, leak, hang or
# sanitizer report, leaving the input as $FUZZ_DIR/crash-* (or leak-*,
# timeout-*). To keep a finding as a regression test once it is fixed,
# copy it into tests/fuzz/corpus/: the test suite replays that directory
# (test stt-fuzz-corpus) on every run.
set -eu
cd "$(dirname "$0")/.."

seconds=${1:-120}
out=${FUZZ_DIR:-build-fuzz}
cc=${CC_FUZZ:-clang}

if ! command -v "$cc" >/dev/null; then
  echo "fuzz: $cc not found: install clang and libclang-rt-14-dev" >&2
  exit 77
fi

mkdir -p "$out/corpus"
pkgs="glib-2.0 gobject-2.0 gstreamer-1.0 json-glib-1.0"
# shellcheck disable=SC2046
"$cc" -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I plugins/stt $(pkg-config --cflags $pkgs) \
  plugins/stt/stt-backend.c plugins/stt/stt-deepgram.c \
  plugins/stt/stt-assemblyai.c plugins/stt/stt-speechmatics.c \
  plugins/stt/stt-openai.c plugins/stt/stt-vosk.c \
  plugins/stt/stt-event.c plugins/stt/stt-json.c \
  plugins/stt/stt-request.c \
  tests/fuzz/stt-parsers-fuzz.c \
  $(pkg-config --libs $pkgs) -lm \
  -o "$out/stt-parsers-fuzz"

echo "fuzz: running for ${seconds}s; findings go to $out/" >&2
# -max_len: 64 kB holds any realistic message and keeps the fuzzer fast;
# the 1 MiB size limit itself is covered by the unit tests.
exec "$out/stt-parsers-fuzz" \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -dict=tests/fuzz/json.dict -artifact_prefix="$out/" -print_final_stats=1 \
  "$out/corpus" tests/fuzz/corpus
