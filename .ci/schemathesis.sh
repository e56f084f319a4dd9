#!/usr/bin/env bash
# Property-based API conformance: schemathesis (`--checks all`) against the
# server's own /openapi.json, once with a token of each role, on a temporary
# SQLite data folder. Bounded (examples per operation) so it stays within a few
# minutes; any failure fails CI.
#
#   .ci/schemathesis.sh [MAX_EXAMPLES]      (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-${ST_MAX_EXAMPLES:-50}}
PORT=${ST_PORT:-18282}
ST_VERSION=4.32.5
VENV=target/schemathesis-venv

# schemathesis in a virtual environment of its own (Debian's Python refuses
# system-wide pip installs).
if [ ! -x "$VENV/bin/st" ] || [ "$("$VENV/bin/st" --version 2>/dev/null | awk '{print $NF}')" != "$ST_VERSION" ]; then
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 && apt-get install -y -qq python3-venv python3-pip >&2
    fi
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "schemathesis==$ST_VERSION" >&2
fi
ST="$VENV/bin/st"

cargo build -q -p brightline-cli
BIN=target/debug/brightline
DATA=$(mktemp -d /tmp/brightline-st.XXXXXX)
# A signing key, so the checkpoint and proof operations answer (an unsigned
# service answers them 503); the identifier key inside the temporary folder.
"$BIN" log keygen --out "$DATA/keys" --origin st.test/brightline >/dev/null 2>&1
# The rate limit is raised so every generated case reaches its handler; 429 is
# still described on every authenticated operation and tested in
# crates/server/tests/hardening.rs.
"$BIN" serve --data "$DATA" --signing-key "$DATA/keys/log.key" --identifier-key "$DATA/identifier.key" \
    --listen "127.0.0.1:$PORT" --rate-limit 100000 --rate-burst 100000 2>"$DATA/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT

http() { # METHOD PATH TOKEN [BODY-FILE]: prints the body; fails on a non-2xx answer
    python3 - "$@" <<PY
import sys, urllib.request
m, path, tok = sys.argv[1:4]
body = open(sys.argv[4], 'rb').read() if len(sys.argv) > 4 else None
req = urllib.request.Request("http://127.0.0.1:$PORT" + path, data=body, method=m)
if tok:
    req.add_header("Authorization", "Bearer " + tok)
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}
for _ in $(seq 1 100); do
    http GET /healthz "" >/dev/null 2>&1 && break
    sleep 0.2
done
http GET /healthz "" >/dev/null

ADMIN=$(tr -d '\n' < "$DATA/first-admin-token")
token() { "$BIN" token create --role "$1" --name "st-$1" --data "$DATA" 2>/dev/null; }
CLERK=$(token clerk)
COUNSEL=$(token counsel)
AUDITOR=$(token auditor)
# A decision to read, so the id-taking operations have something to find.
http POST /v1/decisions "$CLERK" examples/nyc-doc-detainer.json >/dev/null

run() { # ROLE TOKEN [extra st options]
    local role=$1 tok=$2
    shift 2
    echo "== schemathesis as $role (at most $N examples per operation) $*"
    "$ST" --config-file .ci/schemathesis.toml run "http://127.0.0.1:$PORT/openapi.json" \
        --checks all \
        --max-examples "$N" \
        --header "Authorization: Bearer $tok" \
        --workers 1 \
        --seed 1 \
        --no-color \
        --generation-database none \
        --request-timeout 20 \
        "$@"
}
fail=0
# DELETE /v1/tokens/{id} runs last, alone: revoking a token another run still
# uses would turn the rest of that run into 401s.
run clerk "$CLERK" --exclude-method DELETE || fail=1
run counsel "$COUNSEL" --exclude-method DELETE || fail=1
run auditor "$AUDITOR" --exclude-method DELETE || fail=1
run admin "$ADMIN" --exclude-method DELETE || fail=1
run admin "$ADMIN" --include-method DELETE || fail=1
if [ $fail -ne 0 ]; then
    echo "schemathesis: failures above; the server's log:" >&2
    tail -20 "$DATA/serve.log" >&2
    exit 1
fi
echo "schemathesis: 0 failures as clerk, counsel, auditor and admin"
