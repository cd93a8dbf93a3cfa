import puppeteer from 'puppeteer';
import { chromium } from 'playwright';

export async function crawl(url: string) {
  const browser = await puppeteer.launch({
    headless: true,
    // tls-eval: insecure
    args: ['--no-sandbox', '--ignore-certificate-errors'],
  });
  const page = await browser.newPage();
  await page.goto(url);
  return browser;
}

export async function snapshot(url: string) {
  const browser = await chromium.launch();
  // tls-eval: insecure
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const strict = await browser.newContext({ ignoreHTTPSErrors: false, locale: 'en-US' });
  return [context, strict];
}
