#!/usr/bin/env bash
# Official MCP clients against examples/server over a real socket: the Python SDK (PyPI `mcp`),
# the TypeScript SDK and the MCP Inspector CLI list the tools, call `add`, and (SDKs) receive every
# `process_files` notification live, before the result. The Python SDK also lists and calls the
# tools examples/plugin_host registers at run time (tool::DynamicTool), in both protocol eras. The Python SDK's stdio client does the
# same with examples/stdio_server as its child process, and its legacy SSE client over the
# HTTP+SSE transport of 2024-11-05 (GET /sse + POST /messages), which examples/server serves too.
# Then the other direction: OUR client (examples/client) against the official Python SDK server
# (tests/interop/python_server.py; Streamable HTTP on the stateless 2026-07-28 wire and on the
# 2025 handshake, and stdio) and TypeScript SDK server (tests/interop/typescript_server.mjs;
# Streamable HTTP and stdio), and against our own server over all three transports. Each call
# runs `process_files` with a per-item delay under `--assert-live 300`: the client exits nonzero
# unless the first notification arrived at least 300 ms before the result. One more check answers
# a 2026-07-28 `input_required` result (an elicitation) from the Python server and retries.
#
#   tests/interop/run.sh            # builds and starts examples/server (and stdio_server) itself
#   URL=http://127.0.0.1:8000/mcp tests/interop/run.sh   # against a running server
#                                   # (legacy endpoint: URL with /mcp -> /sse, or SSE_URL=...)
#   STDIO_SERVER=path/to/binary tests/interop/run.sh      # another stdio server binary
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-runtime-interop"
mkdir -p "$CACHE"

# Python SDK, in a virtualenv of its own.
if [ ! -x "$CACHE/venv/bin/python" ] || ! "$CACHE/venv/bin/python" -c 'import mcp' 2>/dev/null; then
  python3 -m venv "$CACHE/venv"
  "$CACHE/venv/bin/pip" install --quiet --disable-pip-version-check "mcp==2.3.0"
fi
# TypeScript SDK and Inspector, pinned by package-lock.json.
if ! cmp -s "$HERE/package-lock.json" "$CACHE/package-lock.json" || [ ! -d "$CACHE/node_modules" ]; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$CACHE/"
  (cd "$CACHE" && npm ci --no-audit --no-fund --loglevel=error)
fi
cp "$HERE/typescript_client.mjs" "$HERE/typescript_server.mjs" "$CACHE/"

if [ -z "${URL:-}" ]; then
  (cd "$ROOT" && cargo build --quiet -p examples --example server)
  PORT="${INTEROP_PORT:-39218}"
  "$ROOT/target/debug/examples/server" --bind "127.0.0.1:$PORT" >"$CACHE/server.log" 2>&1 &
  SERVER_PID=$!
  trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
  URL="http://127.0.0.1:$PORT/mcp"
  for _ in $(seq 1 100); do curl -s -o /dev/null "$URL" && break; sleep 0.1; done
fi

echo "== Python SDK (mcp.Client)"
"$CACHE/venv/bin/python" "$HERE/python_client.py" "$URL"
echo "== Python SDK: tools registered at run time (examples/plugin_host), both eras"
(cd "$ROOT" && cargo build --quiet -p examples --example plugin_host)
PLUGIN_PORT=39222
"$ROOT/target/debug/examples/plugin_host" --bind "127.0.0.1:$PLUGIN_PORT" >"$CACHE/plugin_host.log" 2>&1 &
PLUGIN_PID=$!
trap 'kill "${SERVER_PID:-}" "$PLUGIN_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PLUGIN_PORT/mcp" && break; sleep 0.1; done
"$CACHE/venv/bin/python" "$HERE/python_dynamic_client.py" "http://127.0.0.1:$PLUGIN_PORT/mcp"
kill "$PLUGIN_PID" 2>/dev/null || true
echo "== Python SDK over the legacy HTTP+SSE transport (sse_client + ClientSession)"
"$CACHE/venv/bin/python" "$HERE/python_sse_client.py" "${SSE_URL:-${URL%/mcp}/sse}"
echo "== Python SDK over stdio (mcp.Client + StdioServerParameters)"
if [ -z "${STDIO_SERVER:-}" ]; then
  (cd "$ROOT" && cargo build --quiet -p examples --example stdio_server)
  STDIO_SERVER="$ROOT/target/debug/examples/stdio_server"
fi
"$CACHE/venv/bin/python" "$HERE/python_stdio_client.py" "$STDIO_SERVER"
echo "== TypeScript SDK"
node "$CACHE/typescript_client.mjs" "$URL"
echo "== MCP Inspector CLI"
INSPECTOR="$CACHE/node_modules/.bin/mcp-inspector-cli"
"$INSPECTOR" --cli "$URL" --transport http --method tools/list | tee "$CACHE/list.json" | grep -q '"process_files"'
"$INSPECTOR" --cli "$URL" --transport http --method tools/call --tool-name add \
  --tool-arg a=2 --tool-arg b=3 | tee "$CACHE/add.json" | grep -q '"text": "5"'
"$INSPECTOR" --cli "$URL" --transport http --method tools/call --tool-name process_files \
  --tool-arg 'items=["a.pdf","b.pdf"]' | grep -q 'Processing complete!'
echo "inspector: listed, called add and process_files"

# Our client against the official SDK servers (fixed loopback ports 39219-39221).
(cd "$ROOT" && cargo build --quiet -p examples --example client)
CLIENT="$ROOT/target/debug/examples/client"
PY_PORT=39219
TS_PORT=39220
"$CACHE/venv/bin/python" "$HERE/python_server.py" http "$PY_PORT" >"$CACHE/python_server.log" 2>&1 &
PY_PID=$!
node "$CACHE/typescript_server.mjs" http "$TS_PORT" >"$CACHE/typescript_server.log" 2>&1 &
TS_PID=$!
trap 'kill "${SERVER_PID:-}" "$PY_PID" "$TS_PID" 2>/dev/null || true' EXIT
for port in "$PY_PORT" "$TS_PORT"; do
  for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$port/mcp" && break; sleep 0.1; done
done
ITEMS='{"items":["a.pdf","b.pdf","c.pdf"],"delay_ms":300}'
live() { # live NAME CLIENT-ARGS...: run process_files, check the result and live arrival
  local name="$1"; shift
  echo "== our client -> $name"
  "$CLIENT" --assert-live 300 "$@" process_files "$ITEMS" | tee "$CACHE/our_client.out"
  grep -q '^\[info\] Processing document 1/3: a.pdf$' "$CACHE/our_client.out"
  grep -q '^progress 3/3' "$CACHE/our_client.out"
  grep -q '^result: Processing complete!$' "$CACHE/our_client.out"
}
live "Python SDK server, Streamable HTTP, 2026-07-28 wire" --wire 2026 "http://127.0.0.1:$PY_PORT/mcp"
live "Python SDK server, Streamable HTTP, 2025 handshake" --wire 2025 "http://127.0.0.1:$PY_PORT/mcp"
live "Python SDK server, stdio" --stdio "$CACHE/venv/bin/python" "$HERE/python_server.py" stdio --
echo "== our client -> Python SDK server, 2026-07-28 input_required (elicitation answered, request retried)"
"$CLIENT" --wire 2026 --accept-elicitation '{"name":"Ada"}' "http://127.0.0.1:$PY_PORT/mcp" greet \
  | tee "$CACHE/our_client.out"
grep -q '^elicitation: Who are you?' "$CACHE/our_client.out"
grep -q '^result: hello Ada$' "$CACHE/our_client.out"
live "TypeScript SDK server, Streamable HTTP (auto: falls back to 2025)" "http://127.0.0.1:$TS_PORT/mcp"
live "TypeScript SDK server, stdio" --stdio node "$CACHE/typescript_server.mjs" stdio --
live "our server, Streamable HTTP (auto: the 2026-07-28 wire)" "$URL"
live "our server, Streamable HTTP, 2025 handshake" --wire 2025 "$URL"
live "our server, legacy HTTP+SSE" --sse "${SSE_URL:-${URL%/mcp}/sse}"
live "our server, stdio" --stdio "$STDIO_SERVER" --

# The Python SDK client as a new user writes it, against our conformance fixtures: elicitation
# and sampling answered by its callbacks mid-call, and a stream our tool closes mid-call
# (SSE polling) resumed by the SDK with Last-Event-ID.
(cd "$ROOT" && cargo build --quiet -p examples --example conformance_server)
ASK_PORT=39221
"$ROOT/target/debug/examples/conformance_server" --bind "127.0.0.1:$ASK_PORT" \
  >"$CACHE/conformance_server.log" 2>&1 &
ASK_PID=$!
trap 'kill "${SERVER_PID:-}" "$PY_PID" "$TS_PID" "$ASK_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$ASK_PORT/mcp" && break; sleep 0.1; done
echo "== Python SDK client: elicitation and sampling callbacks, a resumed stream"
"$CACHE/venv/bin/python" "$HERE/python_ask_client.py" "http://127.0.0.1:$ASK_PORT/mcp"
echo "17 passed, 0 failed"
