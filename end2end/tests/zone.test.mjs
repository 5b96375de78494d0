// Times are shown in the hospital's zone, whatever zone the device is set
// to: a server of its own in Asia/Kolkata (UTC+05:30), a browser in
// America/Los_Angeles, and the audit list's times against the UTC instants
// the server stored, converted with the browser's own zone data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, signIn, assertClean, startServer, DEMO, DEMO_PASSWORD } from './helpers.mjs';

const HOSPITAL = 'Asia/Kolkata';
const DEVICE = 'America/Los_Angeles';

let browser, server, base;

before(async () => {
  server = await startServer([], { HMS_TIMEZONE: HOSPITAL });
  base = server.base;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** `at` as the page writes it (`%Y-%m-%d %H:%M`) on the wall clock of `zone`. */
function wallClock(at, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

test('the audit list shows the hospital\'s wall clock on a device set to another zone', async () => {
  const { context, page, problems } = await openDevice(browser, 'desktop', { baseURL: base, timezoneId: DEVICE });
  await signIn(page, DEMO.admin, DEMO_PASSWORD, '/admin');
  await page.locator('nav.portal__nav').waitFor();
  assert.equal(await page.locator('meta[name="hospital-timezone"]').getAttribute('content'), HOSPITAL);

  // The browser's session; the Origin header a same-origin fetch would send.
  const response = await page.request.post(`${base}/api/admin/audit`, {
    headers: { Origin: base },
    data: { query: { user: DEMO.admin, patient: '', action: 'auth.login', from: '', to: '', sort: 'at', descending: true, page: 0 } },
  });
  assert.equal(response.status(), 200);
  const stored = (await response.json()).events.map((e) => e.at);
  assert.ok(stored.length >= 1, 'the sign-in was audited');
  const expected = stored.map((at) => wallClock(at, HOSPITAL));
  assert.notDeepEqual(expected, stored.map((at) => wallClock(at, DEVICE)));

  for (const load of ['cold', 'reload']) {
    if (load === 'cold') await page.goto('/admin/audit?action=auth.login');
    else await page.reload();
    await hydrated(page);
    await page.locator('table tbody tr').first().waitFor();
    const shown = await page.locator('table tbody tr').evaluateAll((rows) => rows
      .filter((r) => r.textContent.includes('admin@'))
      .map((r) => r.querySelector('td').textContent.trim()));
    assert.deepEqual(shown, expected, `${load}: the times at the hospital, not on the device or in UTC`);
  }
  assertClean(problems);
  await context.close();
});
