#!/usr/bin/env bash
# Crash test of the decision log: kill -9 `brightline serve` while it is under
# load, restart it, and check that every decision the server acknowledged is in
# the log with the hash it was acknowledged with, and that `log verify` passes
# against the log's own signed checkpoint and one taken before the kills.
#
#   scripts/crash.sh [ROUNDS]        (default 3)
#
# Needs wrk and python3. Builds the release binary if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
PORT=${PORT:-18182}
BIN=${BIN:-target/release/brightline}
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }
[ "$BIN" = target/release/brightline ] && cargo build --release -q -p brightline-cli
DIR=$(mktemp -d /tmp/brightline-crash.XXXXXX)
DATA=$DIR/data
"$BIN" log keygen --out "$DIR/keys" --origin crash.test/brightline >/dev/null 2>&1
ACKS="$DIR/acks.txt"
: > "$ACKS"
mkdir -p "$DATA"
PID=
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true; }
trap cleanup EXIT
start() {
    "$BIN" serve --data "$DATA" --signing-key "$DIR/keys/log.key" --identifier-key "$DIR/identifier.key" --listen 127.0.0.1:$PORT 2>>"$DIR/serve.log" &
    PID=$!
    for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0; sleep 0.1; done
    echo "server did not start" >&2; exit 1
}
start
TOKEN=$("$BIN" token create --role clerk --name crash --data "$DATA" 2>/dev/null)
AUDITOR=$("$BIN" token create --role auditor --name crash-audit --data "$DATA" 2>/dev/null)
BODY=$(tr -d '\n' < examples/nyc-doc-detainer.json)
curl -fs -H "Authorization: Bearer $AUDITOR" "http://127.0.0.1:$PORT/v1/log/checkpoint" > "$DIR/before.checkpoint"
# Each wrk thread appends "id hash" for every 200 answer, unbuffered, so the
# file holds exactly what the server acknowledged before it died.
cat > "$DIR/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.body = [[$BODY]]
local f
function init(args)
  f = io.open("$ACKS", "a")
  f:setvbuf("no")
end
function response(status, headers, body)
  if status == 200 then
    local h = body:match('"entry_hash":"(%x+)"')
    local id = body:match('[,{]"id":(%d+)')
    f:write(id .. " " .. h .. "\n")
  end
end
LUA
for round in $(seq 1 "$ROUNDS"); do
    wrk -t2 -c32 -d6s -s "$DIR/post.lua" "http://127.0.0.1:$PORT/v1/decisions" >"$DIR/wrk-$round.txt" 2>&1 &
    WRK=$!
    sleep 3
    kill -9 "$PID"
    wait "$PID" 2>/dev/null || true
    echo "round $round: killed the server (kill -9) under load after 3 s; $(wc -l < "$ACKS") decisions acknowledged so far"
    wait "$WRK" || true
    start
done
echo "restarted; checking the log"
python3 - "$ACKS" "http://127.0.0.1:$PORT" "$AUDITOR" <<'PY'
import json, sys, urllib.request
acks_file, base, token = sys.argv[1:]
acks = {}
for line in open(acks_file):
    i, h = line.split()
    acks[int(i)] = h
logged, decisions, after = {}, set(), 0
while True:
    req = urllib.request.Request(f"{base}/v1/log?after={after}&limit=1000", headers={"Authorization": f"Bearer {token}"})
    page = json.load(urllib.request.urlopen(req))
    if not page["entries"]:
        break
    for e in page["entries"]:
        logged[e["seq"]] = e["entry_hash"]
        if e["kind"] == "decision":
            decisions.add(e["seq"])
        after = e["seq"]
missing = [i for i in acks if i not in logged]
changed = [i for i in acks if i in logged and logged[i] != acks[i]]
print(f"acknowledged: {len(acks)}; in the log: {len(logged)} entries; acknowledged but missing: {len(missing)}; hash differs: {len(changed)}")
print(f"decisions logged but never acknowledged (in flight at the kill): {len(decisions - set(acks))}")
sys.exit(1 if missing or changed or not acks else 0)
PY
kill "$PID"; wait "$PID" 2>/dev/null || true
PID=
"$BIN" log verify --data "$DATA" --public-key "$DIR/keys/log.pub" --checkpoint "$DIR/before.checkpoint"
rm -rf "$DIR"
