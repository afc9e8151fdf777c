#!/usr/bin/env bash
# Runs README.md's two commands as written, so README and reality cannot drift apart again (the demo
# command once failed for every new user while every test passed):
#   1. the test command (the second ```sh block under "## The two commands") must be exactly what
#      .ci/run runs;
#   2. the demo command (the first block) is run verbatim from the repository root in a scratch copy
#      of the tree's demo data directory and must serve the demo office: /healthz answers with the
#      demo office, the printed admin login works, the eight demo services are listed, and it stops
#      cleanly on SIGTERM.
# Called by scripts/test.sh after the tests; runnable on its own.
set -euo pipefail
cd "$(dirname "$0")/.."

blocks() { # prints the sh code blocks of the "The two commands" section, one per line
  awk '/^## The two commands/{s=1; next} /^## /{s=0} s && /^```sh$/{b=1; next} s && /^```$/{b=0; print ""; next} s && b {printf "%s", $0}' README.md
}
demo_cmd="$(blocks | sed -n 1p)"
test_cmd="$(blocks | sed -n 2p)"
fail() { echo "README check FAILED: $*" >&2; exit 1; }
[ -n "$demo_cmd" ] || fail "no demo command block in README.md"
[ -n "$test_cmd" ] || fail "no test command block in README.md"

grep -qxF "$test_cmd" .ci/run || fail ".ci/run does not run the README's test command '$test_cmd'"
echo "README test command is what .ci/run runs: $test_cmd"

# The demo command writes ./demo-office and listens where README says; keep a developer's own demo
# office out of the way and put it back afterwards.
addr="$(grep -oE -- '--listen [^ ]+' <<<"$demo_cmd" | awk '{print $2}')"
[ -n "$addr" ] || fail "the demo command names no --listen address"
if (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null; then
  fail "something already listens on $addr; stop it to check the README's demo command"
fi
saved=""
if [ -e demo-office ]; then saved="demo-office.saved.$$"; mv demo-office "$saved"; fi
log="$(mktemp)"
cleanup() {
  [ -n "${pid:-}" ] && kill -TERM -- "-$pid" 2>/dev/null || true
  rm -rf demo-office
  [ -n "$saved" ] && mv "$saved" demo-office
  rm -f "$log"
}
trap cleanup EXIT

echo "running the README demo command: $demo_cmd"
set -m
bash -c "$demo_cmd" >"$log" 2>&1 &
pid=$!
set +m
base="http://$addr"
for _ in $(seq 1 1800); do # a cold release build on 2 cores takes minutes
  grep -q "^listening on" "$log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "the demo command exited before listening"; }
  sleep 1
done
grep -q "^listening on" "$log" || { tail -20 "$log" >&2; fail "the demo command did not start listening"; }

health="$(curl -fsS "$base/healthz")" || fail "GET /healthz failed"
grep -q '"status":"ok"' <<<"$health" || fail "unexpected /healthz: $health"
user="$(sed -n 's/^Admin login: \([^ ]*\) \/ \(.*\)$/\1/p' "$log")"
password="$(sed -n 's/^Admin login: \([^ ]*\) \/ \(.*\)$/\2/p' "$log")"
[ -n "$user" ] && [ -n "$password" ] || fail "the demo did not print the admin login"
token="$(curl -fsS -XPOST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"$user\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')" \
  || fail "the printed admin login does not work"
services="$(curl -fsS "$base/api/v1/services" -H "authorization: Bearer $token" \
  | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
[ "$services" = 8 ] || fail "the demo office lists $services services, expected 8"
grep -q "enrolment code" "$log" || fail "the demo did not print a kiosk enrolment code"

kill -TERM -- "-$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "the demo server ignored SIGTERM"
pid=""
echo "README demo command serves the demo office ($services services, admin login works) and stops on SIGTERM"
