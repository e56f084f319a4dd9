#!/usr/bin/env bash
# Load test of `brightline serve` with its SQLite decision log, on loopback.
# Measures logged decisions per second and latency percentiles with wrk, then
# checks that the log holds every acknowledged decision and that its chain verifies.
#
#   scripts/load.sh [SECONDS] [CONNECTIONS]     (defaults: 20 s, 8 connections)
#
# Needs wrk (apt-get install -y wrk). Builds the release binary if needed;
# BIN=path runs another build instead (to compare two in one sitting), and
# SERVE_ARGS replaces the extra `serve` flags. All requests use one token, so
# the per-token rate limit is raised out of the way (its check still runs).
# SIGN=1 starts the service with a signing key (a checkpoint per commit) and
# verifies against it.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-20}
CONN=${2:-8}
PORT=${PORT:-18181}
SERVE_ARGS=${SERVE_ARGS---rate-limit 1000000 --rate-burst 1000000}
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }
if [ -z "${BIN:-}" ]; then
  BIN=target/release/brightline
  cargo build --release -q -p brightline-cli
fi
DATA=$(mktemp -d /tmp/brightline-load.XXXXXX)
SIGNING=()
VERIFY=()
if [ "${SIGN:-0}" = 1 ]; then
  "$BIN" log keygen --out "$DATA/keys" --origin load.test/brightline >/dev/null 2>&1
  SIGNING=(--signing-key "$DATA/keys/log.key" --identifier-key "$DATA/identifier.key")
  VERIFY=(--public-key "$DATA/keys/log.pub")
fi
# shellcheck disable=SC2086 # SERVE_ARGS is a list of flags
"$BIN" serve --data "$DATA" "${SIGNING[@]}" --listen 127.0.0.1:$PORT $SERVE_ARGS 2>"$DATA/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
TOKEN=$("$BIN" token create --role clerk --name load --data "$DATA" 2>/dev/null)
AUDITOR=$("$BIN" token create --role auditor --name load-audit --data "$DATA" 2>/dev/null)
BODY=$(tr -d '\n' < examples/nyc-doc-detainer.json | sed 's/"subject": {/"subject": {"booking_number": "B-LOAD-1",/')
cat > "$DATA/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$BODY]]
done = function(summary, latency, requests)
  io.write(string.format("LOAD: %d requests in %.1f s = %.0f req/s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; non-2xx %d, socket errors %d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
echo "cores: $(nproc); $CONN connections, ${DUR}s; log: SQLite WAL, synchronous=FULL in $DATA; signed: ${SIGN:-0}"
wrk -t2 -c"$CONN" -d"${DUR}s" --latency -s "$DATA/post.lua" "http://127.0.0.1:$PORT/v1/decisions" | tee "$DATA/wrk.txt"
ENTRIES=$(curl -fs "http://127.0.0.1:$PORT/healthz" | sed 's/.*"entries":\([0-9]*\).*/\1/')
echo "log entries: $ENTRIES"
curl -fs -H "Authorization: Bearer $AUDITOR" "http://127.0.0.1:$PORT/metrics" | grep -E '^brightline_log_commit_batch_size_(sum|count)|decisions_total' || true
kill $PID; wait $PID 2>/dev/null || true
trap - EXIT
"$BIN" log verify --data "$DATA" "${VERIFY[@]}"
rm -rf "$DATA" "$DATA.identifier.key"
