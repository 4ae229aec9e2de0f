#!/usr/bin/env bash
# Tests bin/ringkv's demo orchestration with a fake `java` (no JVM, no real node):
#   repl/src/test/sh/ringkv-demo-test.sh
# Uses ports DEMO_BASE_PORT.. (default 17301..17303) on 127.0.0.1.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RINGKV="$HERE/../../../../bin/ringkv"
BASE="${DEMO_BASE_PORT:-17301}"
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# scenario NAME: a fresh directory and fake; runs `ringkv demo` there; sets $status, $out, $err, $dir.
scenario() {
  dir="$(mktemp -d "${TMPDIR:-/tmp}/ringkv-demo-test.XXXXXX")"
  mkdir -p "$dir/fake"
  touch "$dir/ringkv.jar"
  status=0
  (cd "$dir" && FAKE_DIR="$dir/fake" RINGKV_JAVA="$HERE/fake-java" RINGKV_JAR="$dir/ringkv.jar" \
    DEMO_BASE_PORT="$BASE" timeout 60 "$RINGKV" demo >"$dir/out" 2>"$dir/err") || status=$?
  out="$(cat "$dir/out")"
  err="$(cat "$dir/err")"
}

all_stopped() {
  local f
  for f in "$dir"/fake/*.pid; do
    if kill -0 "$(cat "$f")" 2>/dev/null; then
      fail "$1: $(basename "$f" .pid) (pid $(cat "$f")) still running"
      kill -KILL "$(cat "$f")" 2>/dev/null || true
    fi
  done
}

echo "== three nodes, the REPL on the first, everything stopped after"
scenario
[[ $status == 0 ]] || fail "status $status, stderr: $err"
[[ "$out" == "fake repl" ]] || fail "stdout: $out"
for n in 1 2 3; do
  [[ -f "$dir/fake/n$n.args" ]] || fail "n$n not started"
  [[ -d "$dir/data/demo/n$n" && -f "$dir/data/demo/n$n/node.log" ]] || fail "n$n data dir or log missing"
done
expected_n1="$(printf '%s\n' node --id n1 --host 127.0.0.1 --port "$BASE" --data-dir ./data/demo/n1 \
  --replication-factor 2 --cluster-name demo)"
[[ "$(sed -n '/^node$/,$p' "$dir/fake/n1.args")" == "$expected_n1" ]] || fail "n1 args: $(cat "$dir/fake/n1.args")"
expected_n3="$(printf '%s\n' node --id n3 --host 127.0.0.1 --port $((BASE + 2)) --data-dir ./data/demo/n3 \
  --replication-factor 2 --cluster-name demo --join "127.0.0.1:$BASE")"
[[ "$(sed -n '/^node$/,$p' "$dir/fake/n3.args")" == "$expected_n3" ]] || fail "n3 args: $(cat "$dir/fake/n3.args")"
grep -qx -- '-Dchronicle.analytics.disable=true' "$dir/fake/n1.args" || fail "no -Dchronicle.analytics.disable=true"
grep -qx -- '--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED' "$dir/fake/n2.args" || fail "no add-exports"
[[ "$(cat "$dir/fake/cli.args")" == "$(printf '%s\n' -H 127.0.0.1 -P "$BASE" --connect-wait 30)" ]] || fail "cli args: $(cat "$dir/fake/cli.args")"
[[ "$err" == *"stopping n1 n2 n3"* ]] || fail "stderr: $err"
all_stopped "happy path"
rm -rf "$dir"

echo "== the REPL opens only once every node is UP"
FAKE_JOINING_POLLS=2 scenario
[[ $status == 0 ]] || fail "status $status, stderr: $err"
[[ "$(cat "$dir/fake/polls")" == 3 ]] || fail "polls: $(cat "$dir/fake/polls" 2>/dev/null), want 2 while JOINING and 1 UP"
[[ -f "$dir/fake/cli.args" ]] || fail "the REPL did not run"
all_stopped "joining"
rm -rf "$dir"

echo "== a node that dies at start: its log tail, and the others stopped"
FAKE_CRASH=n2 scenario
[[ $status == 1 ]] || fail "status $status"
[[ "$err" == *"node n2 exited before opening port $((BASE + 1))"* ]] || fail "stderr: $err"
[[ "$err" == *"boom: replication factor 3 differs"* ]] || fail "no log tail in: $err"
[[ ! -f "$dir/fake/n3.args" ]] || fail "n3 started after n2 failed"
[[ ! -f "$dir/fake/cli.args" ]] || fail "the REPL ran after a node failed"
all_stopped "crash"
rm -rf "$dir"

echo "== a node that ignores SIGTERM gets kill -9; the REPL's status is the demo's"
FAKE_NODE_MODE=stubborn FAKE_CLI_STATUS=1 DEMO_STOP_TIMEOUT=1 DEMO_NODES=2 DEMO_NODE_ARGS="--key-format uuid4" scenario
[[ $status == 1 ]] || fail "status $status, want the REPL's 1"
[[ "$err" == *"n1 (pid"*"did not stop in 1s; kill -9"* ]] || fail "stderr: $err"
[[ ! -f "$dir/fake/n3.args" ]] || fail "DEMO_NODES=2 started n3"
[[ "$(tail -n 2 "$dir/fake/n2.args")" == "$(printf '%s\n' --key-format uuid4)" ]] || fail "DEMO_NODE_ARGS: $(cat "$dir/fake/n2.args")"
all_stopped "stubborn"
rm -rf "$dir"

echo "== a port in use is refused before anything starts"
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); sys.stdout.write("ready\n"); sys.stdout.flush()
sys.stdin.read()' $((BASE + 1)) < <(tail -f /dev/null) > >(read -r _; :) &
blocker=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$((BASE + 1))") 2>/dev/null && break; sleep 0.1; done
scenario
kill "$blocker" 2>/dev/null || true
[[ $status == 1 ]] || fail "status $status"
[[ "$err" == *"port $((BASE + 1)) is already in use"* ]] || fail "stderr: $err"
[[ ! -f "$dir/fake/n1.args" ]] || fail "n1 started although a port was taken"
rm -rf "$dir"

if ((failures)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all demo tests passed"
