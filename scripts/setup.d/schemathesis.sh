#!/usr/bin/env bash
# Installs schemathesis (pinned), which scripts/schemathesis.sh uses to fuzz the queue server's HTTP API
# against its own OpenAPI document. Idempotent and quick when the pinned version is already there.
set -euo pipefail

VERSION="4.32.5"
PY="${PYTHON:-python3}"
if ! "$PY" -c "import importlib.metadata as m; assert m.version('schemathesis') == '$VERSION'" >/dev/null 2>&1; then
  "$PY" -m pip install --quiet --disable-pip-version-check "schemathesis==$VERSION" \
    || "$PY" -m pip install --quiet --disable-pip-version-check --break-system-packages "schemathesis==$VERSION"
fi
echo "schemathesis setup: ok ($VERSION)"
