// Drives a headless Chromium for tests/e2e/test_console.py: one JSON command
// a line on stdin, one JSON answer a line on stdout.
//   {"cmd": "goto", "url": ...}
//   {"cmd": "waitFor", "selector": ..., "text": ..., "absent": false, "timeout": ms}
//       -> {"ok": true, "ms": <time until it held>}
//   {"cmd": "text", "selector": ...}            -> {"ok": true, "text": ...}
//   {"cmd": "click", "selector": ..., "dialogs": ["accept" | "dismiss" | <prompt text>, ...]}
//   {"cmd": "screenshot", "path": ..., "dark": false}
//   {"cmd": "downloads", "path": ...}          downloads go to that folder
//   {"cmd": "eval", "js": ...}                  -> {"ok": true, "value": ...}
//   {"cmd": "type", "text": ...}                keystrokes to the focused element
//   {"cmd": "press", "key": ...}                one key ("Enter")
//   {"cmd": "quit"}
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const puppeteer = require('puppeteer-core');

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fargo-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`],
    defaultViewport: { width: 1366, height: 800 },
  });
  const page = await browser.newPage();
  const dialogs = [];
  const seenDialogs = [];
  page.on('dialog', async (d) => {
    seenDialogs.push(d.message());
    const how = dialogs.length ? dialogs.shift() : 'dismiss';
    if (how === 'dismiss') await d.dismiss();
    else if (how === 'accept') await d.accept();
    else await d.accept(String(how));
  });
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const c = JSON.parse(line);
    try {
      if (c.cmd === 'goto') {
        const resp = await page.goto(c.url, { waitUntil: 'load' });
        out({ ok: true, status: resp ? resp.status() : 0 });
      } else if (c.cmd === 'waitFor') {
        const t0 = Date.now();
        await page.waitForFunction((sel, text, absent) => {
          const els = [...document.querySelectorAll(sel)];
          const hit = els.some((e) => text == null || e.textContent.includes(text));
          return absent ? !hit : hit;
        }, { timeout: c.timeout || 10000, polling: 20 }, c.selector, c.text ?? null, !!c.absent);
        out({ ok: true, ms: Date.now() - t0 });
      } else if (c.cmd === 'text') {
        out({ ok: true, text: await page.$$eval(c.selector, (els) => els.map((e) => e.textContent).join('\n')) });
      } else if (c.cmd === 'click') {
        dialogs.push(...(c.dialogs || []));
        seenDialogs.length = 0;
        await page.click(c.selector);
        await new Promise((r) => setTimeout(r, 300));
        out({ ok: true, dialogs: seenDialogs.slice() });
      } else if (c.cmd === 'screenshot') {
        await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: c.dark ? 'dark' : 'light' }]);
        await new Promise((r) => setTimeout(r, 100));
        await page.screenshot({ path: c.path, fullPage: false });
        await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
        out({ ok: true });
      } else if (c.cmd === 'downloads') {
        const cdp = await page.createCDPSession();
        await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: c.path });
        out({ ok: true });
      } else if (c.cmd === 'eval') {
        out({ ok: true, value: await page.evaluate(c.js) });
      } else if (c.cmd === 'type') {
        await page.keyboard.type(c.text);
        out({ ok: true });
      } else if (c.cmd === 'press') {
        await page.keyboard.press(c.key);
        out({ ok: true });
      } else if (c.cmd === 'quit') {
        out({ ok: true, errors: consoleErrors });
        break;
      } else {
        out({ ok: false, error: `unknown command ${c.cmd}` });
      }
    } catch (e) {
      out({ ok: false, error: String(e && e.message || e) });
    }
  }
  rl.close();
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(0);
})().catch((e) => { process.stdout.write(JSON.stringify({ ok: false, error: String(e) }) + '\n'); process.exit(1); });
