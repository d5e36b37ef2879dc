#!/usr/bin/env bash
# The browser test: headless Chromium (Debian's `chromium`, installed here when missing) loads a
# page from another loopback origin that calls the example server's `process_files` in both
# protocol eras and renders each notification live; a page from an origin not on the server's
# list must be refused. Screenshots and reports go to target/browser-test/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
OUT="$ROOT/target/browser-test"
mkdir -p "$OUT"

if ! command -v chromium >/dev/null 2>&1; then
  echo "browser test: installing chromium"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
SERVER_PORT="$(free_port)"
PAGE_PORT="$(free_port)"

cargo build --locked -q -p examples --example server
"$ROOT/target/debug/examples/server" --bind "127.0.0.1:$SERVER_PORT" \
  --cors-origin "http://localhost:$PAGE_PORT" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$SERVER_PORT/mcp"; then break; fi
  sleep 0.1
done

node --experimental-websocket --no-warnings "$ROOT/tests/browser/browser.mjs" \
  "http://127.0.0.1:$SERVER_PORT/mcp" "$PAGE_PORT" "$OUT"
