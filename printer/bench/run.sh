#!/usr/bin/env bash
# Printer benchmark: time to build the sample ticket's bytes in Rust (criterion) and with python-escpos
# 3.1 (printer/bench/python_escpos_ticket.py), in the same run, with the ratio; then bytes per ticket.
# Usage: printer/bench/run.sh   (from anywhere; needs python-escpos==3.1, see scripts/setup.d/printer.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/motcua-target}"
PY="${PYTHON:-python3}"

cargo bench --quiet -p printer --bench ticket -- --warm-up-time 2 --measurement-time 5 >/dev/null
py_json="$("$PY" printer/bench/python_escpos_ticket.py --iterations "${PY_ITER:-200}" 2>/dev/null)"

"$PY" - "$CARGO_TARGET_DIR/criterion" "$py_json" <<'PYEOF'
import json, sys, os
crit, py = sys.argv[1], json.loads(sys.argv[2])
def rust_us(name):
    with open(os.path.join(crit, name, "new", "estimates.json")) as f:
        e = json.load(f)
    return e["mean"]["point_estimate"] / 1000.0, e["mean"]["confidence_interval"]
print(f"python {py['python']}, python-escpos {py['python_escpos']}, Pillow {py['pillow']}")
print("| ticket (80 mm) | Rust printer crate | python-escpos 3.1 | ratio |")
print("|---|---:|---:|---:|")
for mode, key in (("raster", "raster"), ("cp1258", "cp1258")):
    r, ci = rust_us(f"ticket_{mode}_80")
    p = py[f"{key}_us"]
    print(f"| {mode} | {r:.1f} µs (95% CI {ci['lower_bound']/1000:.1f}-{ci['upper_bound']/1000:.1f}) | {p:.1f} µs | {p / r:.0f}x |")
for name in ("ticket_tcvn3_80", "ticket_ascii_80", "ticket_raster_58"):
    r, _ = rust_us(name)
    print(f"| {name} (Rust only) | {r:.1f} µs | | |")
print(f"python-escpos bytes: raster {py['raster_bytes']}, cp1258 {py['cp1258_bytes']}")
PYEOF

cargo run --quiet --release -p printer --example ticket_sizes
