#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png: the counter (1920x1080 and 1366x768), the display (1920x1080 and
# portrait 1080x1920), the admin pages (1920x1080) and the phone follow page (360x740), the counter's "why not yet?" panel (1366x768) and the admin page's counter hardware (1366x768), taken by the browser test on the demo office.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.d/web.sh >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/motcua-target}"
export MOTCUA_SCREENSHOTS_DIR="$PWD/docs/screenshots"
mkdir -p "$MOTCUA_SCREENSHOTS_DIR"
cargo test -p queue-server --test web_e2e officer_display_and_admin_in_a_real_browser -- --nocapture
cargo test -p queue-server --test follow_web -- --nocapture
cargo test -p queue-server --test explain_web -- --nocapture
cargo test -p queue-server --test devices_web -- --nocapture
cargo test -p queue-server --test sync_web -- --nocapture
ls -l "$MOTCUA_SCREENSHOTS_DIR"
