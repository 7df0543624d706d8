// The field app's enrolment in headless Chromium when the server refuses it: a token at its device
// cap and a revoked token each get a message an officer can act on, in Bahasa Indonesia first.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceKey } from '../src/core/receipt.ts';
import type { TpsCode } from '../src/core/codes.ts';
import { launchChromium } from './support/chromium.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';

const TPS = '16.08.01.1007.001';

describe('field app enrolment refused', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function tryEnrol(token: string): Promise<string> {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
    try {
      const page: Page = await context.newPage();
      await page.goto(`${server.url}/kpps/`);
      await page.fill('#tps', TPS);
      await page.fill('#token', token);
      await page.click('#enrol');
      await page.waitForFunction(
        () => (document.querySelector('#enrol-msg')?.textContent ?? '').length > 0,
      );
      return (await page.textContent('#enrol-msg')) ?? '';
    } finally {
      await context.close();
    }
  }

  it('names the device cap and what to ask the operator', async () => {
    const token = await issueToken(server.store, TPS);
    const who = (await server.store.authenticate(token))!;
    for (let i = 0; i < 2; i++)
      await server.store.enrolDevice({
        tps: TPS as TpsCode,
        publicKey: (await generateDeviceKey()).publicKey,
        label: 'HP lain',
        tokenHash: who.tokenHash,
      });
    const msg = await tryEnrol(token);
    expect(msg).toContain('Pendaftaran ditolak');
    expect(msg).toContain('2 perangkat');
    expect(msg).toContain('operator KPU');
  });

  it('says a revoked token was replaced', async () => {
    const old = await issueToken(server.store, TPS);
    await issueToken(server.store, TPS);
    const msg = await tryEnrol(old);
    expect(msg).toContain('dicabut');
    expect(msg).toContain('token baru');
  });
});
