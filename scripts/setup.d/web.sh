#!/usr/bin/env bash
# What the web page tests need (queue-server/tests/web_e2e.rs): headless Chromium and its WebDriver.
# The announcement tests need nothing beyond the committed clips (sox is used when present).
# Idempotent: installs only what is missing (Debian packages).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v sox >/dev/null 2>&1 || need+=(sox)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-noto-core >/dev/null
fi
chromium --version 2>/dev/null || true
