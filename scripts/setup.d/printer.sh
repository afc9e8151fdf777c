#!/usr/bin/env bash
# Installs what the printer crate's tests and benchmark runner need (idempotent, quick when done):
#   zbarimg (QR/CODE128/EAN-13 oracle), tesseract + Vietnamese model (raster OCR oracle),
#   python-escpos 3.1 (golden bytes, cp1258/TCVN-3 tables, peer for the benchmark; brings Pillow).
# Serial tests use a pseudo-terminal pair opened in-process (openpty), so no socat is needed.
# The committed font (assets/fonts/NotoSans-*.ttf) came from Debian's fonts-noto-core; not needed here.
set -euo pipefail

need_apt=()
command -v zbarimg >/dev/null 2>&1 || need_apt+=(zbar-tools)
command -v tesseract >/dev/null 2>&1 || need_apt+=(tesseract-ocr)
[ -e /usr/share/tesseract-ocr/5/tessdata/vie.traineddata ] || [ -e /usr/share/tesseract-ocr/4.00/tessdata/vie.traineddata ] \
  || need_apt+=(tesseract-ocr-vie)

if [ "${#need_apt[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import escpos, importlib.metadata as m; assert m.version("python-escpos") == "3.1"' >/dev/null 2>&1; then
  "$PY" -m pip install --quiet --disable-pip-version-check "python-escpos==3.1" \
    || "$PY" -m pip install --quiet --disable-pip-version-check --break-system-packages "python-escpos==3.1"
fi
echo "printer setup: ok"
