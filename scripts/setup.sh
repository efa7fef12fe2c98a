#!/usr/bin/env bash
# Install every Debian package the build, the tests and the demo need.
# Idempotent: prints nothing and touches nothing when all are present.
set -eu

packages=(
  build-essential pkg-config meson ninja-build
  libglib2.0-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  python3-numpy python3-matplotlib
  snapserver snapclient
  pulseaudio gstreamer1.0-pulseaudio
  libsoup-3.0-dev libjson-glib-dev glib-networking python3-websockets python3-gst-1.0
  libpocketsphinx-dev pocketsphinx-en-us espeak-ng clang libclang-rt-14-dev
  gstreamer1.0-plugins-bad gstreamer1.0-x fonts-dejavu-core openssl liburing-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
else
  sudo=
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
