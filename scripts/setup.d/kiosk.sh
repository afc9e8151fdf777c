#!/usr/bin/env bash
# Installs what the kiosk-app tests need (idempotent, quick when done).
#   - The Xvfb smoke test starts the real window (winit/X11, software renderer) under its own Xvfb
#     and captures it with ImageMagick's `import`: xvfb, xauth, imagemagick.
#   - winit's X11 backend loads libxkbcommon-x11 and libX11/libXcursor/libXi at run time.
#   - fontconfig: Slint's font lookup; the UI itself uses the bundled Noto Sans (assets/fonts).
#   - libasound2-dev + pkg-config: the display's ALSA sink (feature `audio-alsa`, crate alsa-sys) must
#     compile and link in CI (`cargo clippy --all-features`); libasound2 itself comes with the -dev.
set -euo pipefail

PACKAGES="xvfb xauth imagemagick libxkbcommon-x11-0 libx11-xcb1 libxcursor1 libxi6 libxrandr2 fontconfig libasound2-dev pkg-config"
missing=""
for p in $PACKAGES; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
echo "kiosk setup: ok"
