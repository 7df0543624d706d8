// Logging in on the review page (/operator/) as a new account does: its one-time password, then
// the new password the page asks for first. Shared by the operator page's browser tests.
import type { Page } from 'playwright-core';

export async function operatorLogin(
  page: Page,
  url: string,
  name: string,
  oneTimePassword: string,
  newPassword: string,
): Promise<void> {
  await page.goto(`${url}/operator/`);
  await page.waitForSelector('#login-form');
  await page.fill('#login-name', name);
  await page.fill('#login-password', oneTimePassword);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#password-form');
  await page.keyboard.type(newPassword);
  await page.keyboard.press('Enter');
}
