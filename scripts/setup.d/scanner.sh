#!/usr/bin/env bash
# Installs what the scanner crate's tests and benchmark need (idempotent, quick when done).
#   - Tests: nothing beyond Rust (serial tests open pseudo-terminals with openpty). The test
#     images are committed (scanner/testdata/zxing-blackbox, a subset); the full corpus, for
#     the full-corpus regression and the benchmarks, is $ZXING_BLACKBOX_DIR or else
#     ../shared/corpora/zxing-blackbox beside the repository (scanner/src/corpus.rs).
#   - Benchmark peer: zxing-cpp 3.1.1 from PyPI (scanner/bench/zxing_cpp_bench.py, no numpy).
#     A failure here is only a warning: no test needs it.
#   - Camera feature (`cargo build -p scanner --features camera`, nokhwa/v4l bindgen):
#     libclang-dev. Installed when SCANNER_CAMERA=1 (or any value but 0) is set, since the test
#     suite does not build that feature.
set -euo pipefail

if [ "${SCANNER_CAMERA:-0}" != "0" ] && ! dpkg -s libclang-dev >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends libclang-dev
fi

PY="${PYTHON:-python3}"
if command -v "$PY" >/dev/null 2>&1; then
  if ! "$PY" -c 'import zxingcpp, importlib.metadata as m; assert m.version("zxing-cpp") == "3.1.1"' >/dev/null 2>&1; then
    "$PY" -m pip install --quiet --disable-pip-version-check "zxing-cpp==3.1.1" \
      || "$PY" -m pip install --quiet --disable-pip-version-check --break-system-packages "zxing-cpp==3.1.1" \
      || echo "scanner setup: warning: could not install zxing-cpp (only the benchmark needs it)" >&2
  fi
else
  echo "scanner setup: warning: no $PY (only the benchmark needs it)" >&2
fi
echo "scanner setup: ok"
