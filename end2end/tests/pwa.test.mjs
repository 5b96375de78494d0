// The installable PWA: manifest, service worker, installability, offline page
// and the offline indicator; plus the security headers on the page itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchProfile, hydrated, watch, assertClean, BASE_URL } from './helpers.mjs';


test('the manifest has what installation needs', async () => {
  const response = await fetch(`${BASE_URL}/manifest.webmanifest`);
  assert.equal(response.status, 200);
  const manifest = await response.json();
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, '/');
  assert.ok(manifest.name && manifest.short_name && manifest.theme_color);
  const sizes = manifest.icons.map((i) => `${i.sizes}:${i.purpose}`);
  for (const wanted of ['192x192:any', '512x512:any', '512x512:maskable']) {
    assert.ok(sizes.includes(wanted), `missing icon ${wanted} in ${sizes}`);
  }
  for (const icon of manifest.icons) {
    const r = await fetch(`${BASE_URL}${icon.src}`);
    assert.equal(r.status, 200, icon.src);
    assert.equal(r.headers.get('content-type'), 'image/png');
  }
});

test('pages carry the security headers, with a CSP that allows the wasm', async () => {
  const response = await fetch(`${BASE_URL}/`);
  const csp = response.headers.get('content-security-policy');
  assert.match(csp, /'wasm-unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9_-]+'/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(response.headers.get('referrer-policy'));
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const nonce = csp.match(/'nonce-([^']+)'/)[1];
  const html = await response.text();
  assert.ok(html.includes(`nonce="${nonce}"`), 'the hydration script carries the response nonce');
});

test('the service worker installs, Chromium finds the app installable, and offline shows the offline page', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'hms-pwa-'));
  const context = await launchProfile(profile, 'phone');
  const page = context.pages()[0] ?? await context.newPage();
  const problems = watch(page);
  await page.goto('/');
  await hydrated(page);
  const state = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return { scope: registration.scope, active: registration.active?.state, script: registration.active?.scriptURL };
  });
  assert.equal(state.scope, `${BASE_URL}/`);
  assert.ok(state.script.endsWith('/sw.js'));
  assert.ok(['activating', 'activated'].includes(state.active), state.active);

  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, [], JSON.stringify(installabilityErrors));
  const { url, errors } = await cdp.send('Page.getAppManifest');
  assert.ok(url.endsWith('/manifest.webmanifest'));
  assert.deepEqual(errors, []);

  // The worker pre-cached the shell, including the hashed wasm.
  const cached = await page.evaluate(async () => {
    const keys = await caches.keys();
    const cache = await caches.open(keys.find((k) => k.startsWith('hms-shell-')));
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
  assert.ok(cached.some((p) => /^\/pkg\/.+\.wasm$/.test(p)), `cached: ${cached}`);
  assert.ok(cached.includes('/offline.html'));

  // The visible offline indicator, then a navigation while offline.
  await page.reload();
  await hydrated(page);
  await context.setOffline(true);
  await page.getByText('You are offline.').waitFor();
  await page.goto('/register').catch(() => {});
  await page.getByRole('heading', { name: 'You are offline' }).waitFor();
  await context.setOffline(false);
  assertClean(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(p)));
  await context.close();
  rmSync(profile, { recursive: true, force: true });
});
