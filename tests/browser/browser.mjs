// Headless Chromium in front of the example server, as a web app would use it: a page served
// from another loopback origin calls `process_files` in both protocol eras with fetch, and
// renders each notification as it arrives. Checks: every notification appeared before the
// result, and the first well before it (live, not buffered); `Mcp-Session-Id` was readable;
// a page from an origin not on the server's list is refused. Keeps a screenshot and the
// reports in the output folder.
//
// node --experimental-websocket browser.mjs SERVER_URL ALLOWED_PORT OUT_DIR
// The page is served on 127.0.0.1:ALLOWED_PORT; the server must allow the origin
// http://localhost:ALLOWED_PORT only, so http://127.0.0.1:ALLOWED_PORT is another origin.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [serverUrl, port, out] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const page = readFileSync(join(here, 'page.html'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const pages = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page);
});
await new Promise((r) => pages.listen(Number(port), '127.0.0.1', r));

const profile = mkdtempSync(join(tmpdir(), 'mcp-browser-'));
const chromium = spawn('chromium', [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--window-size=1000,800',
  `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });
let chromiumLog = '';
chromium.stderr.on('data', (d) => { chromiumLog += d; });

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  if (!ok) failures += 1;
}

try {
  const portFile = join(profile, 'DevToolsActivePort');
  for (let i = 0; i < 300 && !existsSync(portFile); i++) await sleep(100);
  if (!existsSync(portFile)) throw new Error(`chromium did not start: ${chromiumLog}`);
  const devtools = readFileSync(portFile, 'utf8').split('\n')[0];
  const targets = await (await fetch(`http://127.0.0.1:${devtools}/json/list`)).json();
  const target = targets.find((t) => t.type === 'page');
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  let next = 0;
  const waiting = new Map();
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.id && waiting.has(message.id)) {
      waiting.get(message.id)(message);
      waiting.delete(message.id);
    }
  };
  const send = (method, params = {}) => new Promise((resolve, reject) => {
    const id = ++next;
    waiting.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
    ws.send(JSON.stringify({ id, method, params }));
  });
  const evaluate = async (expression) =>
    (await send('Runtime.evaluate', { expression, returnByValue: true })).result.value;

  // Loads the page from `origin` and waits for its report.
  async function visit(origin) {
    const url = `${origin}/page.html?server=${encodeURIComponent(serverUrl)}`;
    await send('Page.navigate', { url });
    for (let i = 0; i < 300; i++) {
      await sleep(100);
      if ((await evaluate('document.title')) === 'done') {
        return JSON.parse(await evaluate("document.getElementById('report').textContent"));
      }
    }
    throw new Error(`the page at ${origin} did not finish`);
  }

  await send('Page.enable');
  await send('Runtime.enable');
  const allowed = await visit(`http://localhost:${port}`);
  writeFileSync(join(out, 'allowed-origin.json'), JSON.stringify(allowed, null, 2));
  const shot = await send('Page.captureScreenshot', { format: 'png' });
  writeFileSync(join(out, 'allowed-origin.png'), Buffer.from(shot.data, 'base64'));
  for (const [era, seen] of Object.entries(allowed.eras)) {
    check(!seen.error, `${era}: the allowed origin's calls went through ${seen.error ?? ''}`);
    if (seen.error) continue;
    const notes = seen.events.filter((e) => e.kind !== 'result');
    const result = seen.events.find((e) => e.kind === 'result');
    const logs = notes.filter((e) => e.kind === 'notifications/message').length;
    const progress = notes.filter((e) => e.kind === 'notifications/progress').length;
    check(logs === 3 && progress === 3, `${era}: 3 log and 3 progress notifications (${logs}, ${progress})`);
    check(result?.text === 'Processing complete!', `${era}: the result (${result?.text})`);
    check(seen.events.at(-1) === result, `${era}: every notification appeared before the result`);
    const lead = result && notes.length ? result.at - notes[0].at : 0;
    check(lead >= 600, `${era}: the first notification was rendered ${lead} ms before the result (live)`);
    if (era.startsWith('2025')) check(/^[0-9a-f]{32}$/.test(seen.session ?? ''), `${era}: Mcp-Session-Id readable by the page`);
  }

  const refused = await visit(`http://127.0.0.1:${port}`);
  writeFileSync(join(out, 'refused-origin.json'), JSON.stringify(refused, null, 2));
  const refusedShot = await send('Page.captureScreenshot', { format: 'png' });
  writeFileSync(join(out, 'refused-origin.png'), Buffer.from(refusedShot.data, 'base64'));
  for (const [era, seen] of Object.entries(refused.eras)) {
    check(Boolean(seen.error), `${era}: a page from an origin not on the list is refused (${seen.error ?? 'it was served'})`);
  }
  check(Object.keys(allowed.eras).length === 2 && Object.keys(refused.eras).length === 2, 'both eras tried from both origins');
  ws.close();
} catch (e) {
  check(false, String(e));
} finally {
  chromium.kill();
  pages.close();
  await sleep(200);
  rmSync(profile, { recursive: true, force: true });
}
console.log(failures === 0 ? 'browser: all checks passed' : `browser: ${failures} checks failed`);
process.exit(failures === 0 ? 0 : 1);
