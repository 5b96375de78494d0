// Names in every script: patients register on a phone with an Arabic and a
// Chinese name; the front desk finds each by search in its own script and by
// its Latin transliteration; each patient downloads the record PDF, and the
// name is read back out of it with poppler's pdftotext.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, openDevice, hydrated, expectNoHorizontalScroll, assertClean, signIn, unique, DEMO_PASSWORD } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const RECEPTION = 'reception@demo-hospital.example';
// A birth date of its own per run, so earlier runs' patients are not offered as duplicates.
const day = String(1 + (Date.now() % 27)).padStart(2, '0');

const PEOPLE = [
  // `latin` is the name as the search's transliteration (deunicode) spells it:
  // Arabic without its short vowels, Chinese in pinyin.
  { given: 'محمد', family: 'الأحمد', own: 'الأحمد', latin: 'mhmd', birth: `1985-03-${day}`, password: 'cedar lantern river' },
  { given: '伟', family: '王', own: '王伟', latin: 'wang', birth: `1991-08-${day}`, password: 'plum harbour silk' },
];

/**
 * Text as compared: NFC, without the bidi embedding marks pdftotext adds
 * around right-to-left runs, and with the lam-alef ligature's two letters in
 * one order (one glyph stands for both, and pdftotext writes them reversed).
 */
function readable(text) {
  return text.normalize('NFC').replace(/[\u202a-\u202e\u2066-\u2069]/g, '').replaceAll('أل', 'لأ');
}

async function register(person) {
  const { context, page, problems } = await openDevice(browser, 'phone');
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Given name').fill(person.given);
  await page.getByLabel('Family name').fill(person.family);
  // Names are typed and shown in their own direction.
  assert.equal(await page.getByLabel('Given name').getAttribute('dir'), 'auto');
  await page.getByLabel('Date of birth').fill(person.birth);
  await page.getByLabel('Sex (as on your official documents)').selectOption('male');
  await page.getByLabel('E-mail').fill(`${unique('script')}@example.org`);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByLabel('Repeat the password').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/patient');
  await page.getByTestId('mrn').waitFor();
  const mrn = (await page.getByTestId('mrn').textContent()).trim();
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: `test-results/script-${person.own}.png`, fullPage: true });

  // The record as a PDF, read back by pdftotext.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-pdf').click(),
  ]);
  const text = readable(execFileSync('pdftotext', ['-enc', 'UTF-8', await download.path(), '-']).toString());
  for (const word of [person.given, person.family]) {
    assert.ok(text.includes(readable(word)), `${word} not in the PDF:\n${text.slice(0, 400)}`);
  }
  assertClean(problems);
  await context.close();
  return mrn;
}

test('patients with Arabic and Chinese names register, are found by the front desk in both scripts, and read their names in the PDF', async () => {
  const mrns = [];
  for (const person of PEOPLE) mrns.push(await register(person));

  const desk = await openDevice(browser, 'tablet');
  await signIn(desk.page, RECEPTION, DEMO_PASSWORD);
  await desk.page.waitForURL('**/clinic');
  await hydrated(desk.page);
  const box = desk.page.getByLabel('MRN, name, phone, national ID or date of birth');
  for (const [i, person] of PEOPLE.entries()) {
    for (const query of [person.own, person.latin]) {
      await box.fill(query);
      const results = desk.page.getByTestId('search-results');
      await results.getByText(mrns[i]).waitFor();
      // The name is shown in its own direction.
      await results.locator('strong[dir="auto"]', { hasText: person.family }).first().waitFor();
    }
  }
  await expectNoHorizontalScroll(desk.page);
  assertClean(desk.problems);
  await desk.context.close();
});
