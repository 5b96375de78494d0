// First load of each portal's landing page, cold, on a slow phone network:
// what the browser downloads (bytes as served, per type, and raw) and how long
// until the page is interactive (the wasm has hydrated: `body[data-hydrated]`,
// set by frontend/src/lib.rs and awaited by the e2e tests' `hydrated()`).
//
//   make bench-first-load            # builds release, starts it, runs this
//   HMS_BIN=…/release/hms LEPTOS_SITE_ROOT=…/site-release node bench/first-load.mjs
//   BASE_URL=http://127.0.0.1:3000 node bench/first-load.mjs   # an already running server
//
// Environment: RUNS (loads per page, default 3; the median is reported),
// JSON_OUT (a file for every run's raw figures), CHROMIUM.
//
// Conditions (docs/benchmarks.md, "First load per portal"): a new browser
// context per load (no cookies but the session, no HTTP cache, no service
// worker: its precache would add the assets a second time), the cache disabled
// over CDP, CDP's network emulation at 1.6 Mbit/s down (200,000 B/s), 750 kbit/s
// up, 150 ms latency, and the CPU 4× slower. Signing in happens before the
// throttling and is not measured. Bytes as served are `encodedDataLength` from
// `Network.loadingFinished` (body as sent, with compression, plus response
// headers); raw bytes are the decoded body (`Network.dataReceived`). Times are
// milliseconds since the browser sent the page's request, up to the moment
// the wasm set `body[data-hydrated]`.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { DEMO, DEVICES, apiSignIn, watch } from '../tests/helpers.mjs';

const RUNS = Number(process.env.RUNS ?? 3);
const NETWORK = { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750 };
const CPU_SLOWDOWN = 4;
const PAGES = [
  { path: '/', who: null, device: 'phone' },
  { path: '/patient', who: 'patient', device: 'phone' },
  { path: '/clinic', who: 'doctor', device: 'tablet' },
  { path: '/admin', who: 'admin', device: 'desktop' },
];
const LAUNCH = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-quic', '--no-first-run',
  ],
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

/** Starts `$HMS_BIN serve` on a fresh SQLite database with demo data, as .ci/e2e does. */
async function startServer() {
  const bin = process.env.HMS_BIN;
  if (!bin) throw new Error('set HMS_BIN (the release hms binary) and LEPTOS_SITE_ROOT, or BASE_URL');
  const data = mkdtempSync(join(tmpdir(), 'hms-bench-'));
  // The sign-in codes this run has used (tests/helpers.mjs): a fresh server takes any.
  process.env.HMS_E2E_STEPS = join(data, 'totp-steps.json');
  const port = await freePort();
  const log = [];
  const child = spawn(bin, ['--data-dir', data, 'serve', '--bind', `127.0.0.1:${port}`, '--seed-demo'], {
    env: { ...process.env, LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? 'target/site' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => log.push(d));
  child.stderr.on('data', (d) => log.push(d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`hms exited:\n${Buffer.concat(log).toString()}`);
    try { if ((await fetch(`${base}/readyz`)).ok) break; } catch { /* not yet */ }
    if (i > 300) throw new Error('hms did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    rmSync(data, { recursive: true, force: true });
  };
  return { base, stop };
}

function kind(url, mimeType) {
  const path = new URL(url).pathname;
  if (path.endsWith('.wasm') || mimeType === 'application/wasm') return 'wasm';
  if (path.endsWith('.js') || mimeType.includes('javascript')) return 'js';
  if (path.endsWith('.css') || mimeType === 'text/css') return 'css';
  if (path.startsWith('/api/')) return 'api';
  if (mimeType === 'text/html') return 'html';
  return 'other';
}

const sessions = {};
/** The cookies of a session signed in as `who`, made once per account: a
 * staff sign-in takes a code, and the server takes each code once. */
async function signedIn(browser, base, who) {
  if (!sessions[who]) {
    const context = await browser.newContext({ baseURL: base });
    await apiSignIn(context, DEMO[who], { origin: base });
    sessions[who] = await context.storageState();
    await context.close();
  }
  return sessions[who];
}

/** One cold load of `page.path`; the figures at the moment the page hydrated. */
async function loadOnce(browser, base, spec) {
  const storageState = spec.who ? await signedIn(browser, base, spec.who) : undefined;
  const context = await browser.newContext({
    ...DEVICES[spec.device], baseURL: base, serviceWorkers: 'block', storageState,
  });
  try {
    const page = await context.newPage();
    const problems = watch(page);
    // Records when frontend::hydrate marks the body, in the page's own clock
    // (milliseconds since navigation start), before any page script runs.
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.body?.hasAttribute('data-hydrated')) {
          window.__hydratedAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.clearBrowserCache');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', NETWORK);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    const requests = new Map();
    // The clock starts when the browser sends the page's request. (The page's
    // own navigation and resource timings leave out the emulated latency, so
    // network times come from CDP's timestamps, and hydration from the page's
    // wall clock against the request's.)
    let sent = null;
    let firstByte = null;
    let wasmDone = null;
    cdp.on('Network.requestWillBeSent', (e) => {
      if (e.type === 'Document' && sent === null) sent = { id: e.requestId, wall: e.wallTime * 1000, ts: e.timestamp };
    });
    cdp.on('Network.responseReceived', (e) => {
      const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      if (sent && e.requestId === sent.id) firstByte = (e.timestamp - sent.ts) * 1000;
      requests.set(e.requestId, {
        path: new URL(e.response.url).pathname,
        kind: kind(e.response.url, e.response.mimeType),
        status: e.response.status,
        encoding: headers['content-encoding'] ?? 'identity',
        served: null,
        raw: 0,
      });
    });
    cdp.on('Network.dataReceived', (e) => { const r = requests.get(e.requestId); if (r) r.raw += e.dataLength; });
    cdp.on('Network.loadingFinished', (e) => {
      const r = requests.get(e.requestId);
      if (!r) return;
      r.served = e.encodedDataLength;
      if (r.kind === 'wasm' && sent) wasmDone = Math.max(wasmDone ?? 0, (e.timestamp - sent.ts) * 1000);
    });

    const response = await page.goto(spec.path, { waitUntil: 'commit', timeout: 180_000 });
    if (response.status() !== 200) throw new Error(`${spec.path}: HTTP ${response.status()}`);
    const landed = new URL(page.url()).pathname;
    await page.waitForSelector('body[data-hydrated]', { state: 'attached', timeout: 180_000 });
    const hydratedWall = await page.evaluate(() => performance.timeOrigin + window.__hydratedAt);
    // Milliseconds since the page's request was sent; the wasm's time is its
    // last byte (of every wasm file, when there are several).
    const timing = { firstByte, wasmDownloaded: wasmDone, hydrated: hydratedWall - sent.wall };
    const snapshot = [...requests.values()].map((r) => ({ ...r }));
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    if (problems.length) process.stderr.write(`${spec.path}: the browser reported problems:\n  ${problems.join('\n  ')}\n`);
    return { path: spec.path, landed, timing, requests: snapshot, problems };
  } finally {
    await context.close();
  }
}

function summarise(run) {
  const byKind = {};
  for (const r of run.requests) {
    const k = (byKind[r.kind] ??= { served: 0, raw: 0, count: 0, encodings: new Set() });
    k.served += r.served ?? 0;
    k.raw += r.raw;
    k.count += 1;
    k.encodings.add(r.encoding);
  }
  const total = Object.values(byKind).reduce((s, k) => s + k.served, 0);
  const assets = ['wasm', 'js', 'css'].reduce((s, k) => s + (byKind[k]?.served ?? 0), 0);
  return { ...run, byKind, total, assets };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const fmt = (n) => (n == null ? '—' : Math.round(n).toLocaleString('en-US'));

const server = process.env.BASE_URL ? { base: process.env.BASE_URL, stop: async () => {} } : await startServer();
const browser = await chromium.launch(LAUNCH);
const all = [];
try {
  // One unmeasured load first, so the server's first-request costs stay out.
  await loadOnce(browser, server.base, PAGES[0]);
  for (const spec of PAGES) {
    for (let i = 0; i < RUNS; i++) {
      const run = summarise(await loadOnce(browser, server.base, spec));
      all.push(run);
      process.stderr.write(`${spec.path} run ${i + 1}: ${fmt(run.total)} B served, hydrated at ${fmt(run.timing.hydrated)} ms\n`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
}

const KINDS = ['html', 'js', 'wasm', 'css', 'api', 'other'];
const lines = [];
lines.push(`Network ${NETWORK.downloadThroughput * 8 / 1e6} Mbit/s down, ${NETWORK.uploadThroughput * 8 / 1e3} kbit/s up, ${NETWORK.latency} ms latency; CPU ${CPU_SLOWDOWN}× slower; median of ${RUNS} cold loads.`);
lines.push('');
lines.push('| Page | Served total (B) | ' + KINDS.map((k) => `${k} served / raw (B)`).join(' | ') + ' | Wasm files | Encodings | First byte (ms) | Wasm downloaded (ms) | Hydrated (ms) |');
lines.push('|---|---:|' + KINDS.map(() => '---:').join('|') + '|---:|---|---:|---:|---:|');
for (const spec of PAGES) {
  const runs = all.filter((r) => r.path === spec.path);
  const med = (f) => median(runs.map(f));
  const cells = KINDS.map((k) => {
    if (!runs.some((r) => r.byKind[k])) return '—';
    return `${fmt(med((r) => r.byKind[k]?.served ?? 0))} / ${fmt(med((r) => r.byKind[k]?.raw ?? 0))}`;
  });
  const encodings = [...new Set(runs.flatMap((r) => ['wasm', 'js', 'css'].flatMap((k) => [...(r.byKind[k]?.encodings ?? [])])))].join(', ');
  const who = spec.who ? ` (${spec.who}, ${spec.device})` : ` (signed out, ${spec.device})`;
  lines.push(`| \`${spec.path}\`${who} | ${fmt(med((r) => r.total))} | ${cells.join(' | ')} | ${fmt(med((r) => r.byKind.wasm?.count ?? 0))} | ${encodings} | ${fmt(med((r) => r.timing.firstByte))} | ${fmt(med((r) => r.timing.wasmDownloaded))} | ${fmt(med((r) => r.timing.hydrated))} |`);
}
console.log(lines.join('\n'));
if (process.env.JSON_OUT) {
  writeFileSync(process.env.JSON_OUT, JSON.stringify(all, (k, v) => (v instanceof Set ? [...v] : v), 2));
}
