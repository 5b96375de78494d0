// The release build (`.ci/e2e --release`: opt-level z wasm after wasm-opt,
// assets served precompressed), each portal opened cold on its usual device:
// a fresh browser opens the portal's address and signs in with its form, then
// clicks every link of the portal's menu (client-side navigation in the wasm:
// a mark left on `window` must survive each click, a full page load would
// erase it), reloads the last page and clicks back home. Every page must
// hydrate, mark its menu link current, show its heading and no error box,
// and settle; the console must stay clean throughout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, signIn, assertClean, DEMO, DEMO_PASSWORD } from '../tests/helpers.mjs';

const VISITORS = [
  { role: 'patient', portal: '/patient', device: 'phone' },
  { role: 'doctor', portal: '/clinic', device: 'tablet' },
  { role: 'nurse', portal: '/clinic', device: 'tablet' },
  { role: 'receptionist', portal: '/clinic', device: 'tablet' },
  { role: 'admin', portal: '/admin', device: 'desktop' },
];
const MENU = 'nav.portal__nav a';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Waits until the page at `path` is shown, hydrated and settled; answers its heading. */
async function shows(page, path) {
  await page.waitForURL((url) => url.pathname === path);
  await page.locator(`${MENU}[href="${path}"][aria-current="page"]`).waitFor();
  await hydrated(page);
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"], .loading'), null, { timeout: 15000 });
  const heading = (await page.locator('main h1').first().textContent()).trim();
  assert.ok(heading, `${path} shows no heading`);
  assert.equal(await page.locator('main .alert--error').count(), 0, `${path} shows an error`);
  return heading;
}

async function stillSameDocument(page, path) {
  assert.ok(await page.evaluate(() => window.sameDocument), `going to ${path} loaded a new document`);
}

for (const { role, portal, device } of VISITORS) {
  test(`the ${portal} portal, cold, for the ${role}: every menu page, a reload, a clean console`, async () => {
    const { context, page, problems } = await openDevice(browser, device);
    await signIn(page, DEMO[role], DEMO_PASSWORD, portal);
    await shows(page, portal);
    const links = await page.locator(MENU).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(links[0], portal);
    assert.ok(links.length >= 4, `the ${role}'s menu has too few pages: ${links}`);

    await page.evaluate(() => { window.sameDocument = true; });
    for (const path of links.slice(1)) {
      await page.locator(`${MENU}[href="${path}"]`).click();
      await shows(page, path);
      await stillSameDocument(page, path);
    }

    const last = links.at(-1);
    const heading = (await page.locator('main h1').first().textContent()).trim();
    assert.equal((await page.reload()).status(), 200, `${last} reloaded`);
    assert.equal(await shows(page, last), heading, `${last} after a reload`);
    await page.evaluate(() => { window.sameDocument = true; });
    await page.locator(`${MENU}[href="${portal}"]`).click();
    await shows(page, portal);
    await stillSameDocument(page, portal);

    assertClean(problems);
    await context.close();
  });
}
