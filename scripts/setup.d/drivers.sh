#!/usr/bin/env bash
# What the real hardware drivers need to compile (scripts/test.sh lints the workspace with
# --all-features, so every driver behind a cargo feature is built in CI):
#   - scanner/camera (nokhwa, V4L2 bindings made by bindgen): libclang-dev
#   - printer/usb (rusb → libusb1-sys): libusb-1.0-0-dev, pkg-config
#   - kiosk-app/audio-alsa (alsa-sys): libasound2-dev, pkg-config
# Idempotent: installs only what is missing (Debian packages).
set -euo pipefail
need=()
for p in libclang-dev libusb-1.0-0-dev libasound2-dev pkg-config; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "drivers setup: ok"
