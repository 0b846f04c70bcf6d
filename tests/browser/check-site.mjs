// Open every page of a static site from file:// in Debian's Chromium and report, as JSON on stdout,
// what a reader's browser meets: console errors, failed or non-file requests, links, horizontal
// scrolling at desktop and phone widths, axe-core violations, the map's shapes and the skip link.
// Usage: node check-site.mjs SITE_DIR OUTPUT_DIR   (screenshots go into OUTPUT_DIR)
// The tests (tests/test_site.py) judge the report; this script only observes.
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// As this machine's network needs: nothing in the background, no QUIC, no sandbox as root.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const WIDTHS = { desktop: 1280, phone: 375 };

const [siteDir, outDir] = process.argv.slice(2).map((p) => path.resolve(p));
if (!siteDir || !outDir || !existsSync(path.join(siteDir, 'index.html'))) {
  console.error('usage: node check-site.mjs SITE_DIR OUTPUT_DIR (SITE_DIR must hold index.html)');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const profile = mkdtempSync(path.join(tmpdir(), 'contratville-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: WIDTHS.desktop, height: 900 },
});
// No request leaves the machine: anything but file:// is aborted (and reported by the listeners).
await context.route((url) => url.protocol !== 'file:', (route) => route.abort('blockedbyclient'));

const report = { chromium: context.browser()?.version() ?? '', pages: {}, links: [], map: null, skipLink: null };
const ids = {};
const names = readdirSync(siteDir).filter((name) => name.endsWith('.html')).sort();
try {
  for (const name of names) {
    report.pages[name] = await checkPage(name);
  }
  report.links = brokenLinks();
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(report, null, 1) + '\n');

async function checkPage(name) {
  const entry = { console: [], pageErrors: [], failed: [], external: [], overflow: {}, axe: {}, title: '', lang: '' };
  const page = await context.newPage();
  page.on('console', (message) => { if (message.type() === 'error') entry.console.push(message.text()); });
  page.on('pageerror', (error) => entry.pageErrors.push(String(error)));
  page.on('request', (request) => { if (!request.url().startsWith('file:')) entry.external.push(request.url()); });
  page.on('requestfailed', (request) => entry.failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  const url = pathToFileURL(path.join(siteDir, name)).href;
  for (const [label, width] of Object.entries(WIDTHS)) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(url, { waitUntil: 'load' });
    entry.overflow[label] = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    entry.axe[label] = await runAxe(page);
    if (name === 'index.html' || name === 'table-signatories.html') {
      const stem = name.replace(/\.html$/, '');
      await page.screenshot({ path: path.join(outDir, `${stem}-${width}.png`), fullPage: true });
    }
  }
  Object.assign(entry, await page.evaluate(() => ({
    title: document.title,
    lang: document.documentElement.lang,
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1])),
    ids: [...document.querySelectorAll('[id]')].map((element) => element.id),
    targets: [...document.querySelectorAll('a[href], link[href], [src]')].map((element) => element.href || element.src),
  })));
  ids[name] = new Set(entry.ids);
  delete entry.ids;
  if (name === 'index.html') {
    report.map = await mapShapes(page);
    report.skipLink = await skipLink(page);
  }
  await page.close();
  return entry;
}

async function runAxe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    // preload: false keeps axe from fetching the style sheets itself (an XHR that file:// forbids).
    const result = await window.axe.run(document, { resultTypes: ['violations'], preload: false });
    return result.violations.map((violation) => ({
      id: violation.id, impact: violation.impact, help: violation.help,
      nodes: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    }));
  });
}

async function mapShapes(page) {
  return page.evaluate(() => [...document.querySelectorAll('svg.carte g.commune')].map((group) => {
    const code = group.dataset.code;
    const shape = group.querySelector('path');
    const label = document.querySelector(`svg.carte text.etiquette[data-code="${code}"]`);
    const box = shape ? shape.getBBox() : { width: 0, height: 0 };
    return {
      code, count: Number(group.dataset.count), title: group.querySelector('title')?.textContent ?? '',
      label: label?.textContent ?? '', labelWidth: label ? label.getBBox().width : 0,
      width: box.width, height: box.height, fill: shape?.getAttribute('fill') ?? '',
    };
  }));
}

async function skipLink(page) {
  await page.setViewportSize({ width: WIDTHS.desktop, height: 900 });
  await page.goto(page.url(), { waitUntil: 'load' });
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    return { text: element.textContent.trim(), href: element.getAttribute('href'), outlineStyle: style.outlineStyle,
      outlineWidth: parseFloat(style.outlineWidth), visible: box.top >= 0 && box.bottom <= innerHeight && box.width > 0 };
  });
  focused.focusAfterEnter = null;
  if (focused.href?.startsWith('#')) {  // follow an in-page link only: the page must stay loaded
    await page.keyboard.press('Enter');
    focused.focusAfterEnter = await page.evaluate(() => document.activeElement.id);
  }
  return focused;
}

function brokenLinks() {
  const broken = [];
  for (const [name, entry] of Object.entries(report.pages)) {
    for (const target of entry.targets) {
      if (!target.startsWith('file:')) continue;
      const [file, fragment] = target.split('#');
      const filePath = fileURLToPath(file);
      const relative = path.relative(siteDir, filePath);
      if (relative.startsWith('..') || !existsSync(filePath) || !statSync(filePath).isFile()) {
        broken.push(`${name}: ${target} (no such file in the site)`);
      } else if (fragment && relative.endsWith('.html') && !ids[relative]?.has(decodeURIComponent(fragment))) {
        broken.push(`${name}: ${target} (no element with id ${fragment})`);
      }
    }
    entry.internalLinks = entry.targets.filter((target) => target.startsWith('file:')).length;
    delete entry.targets;
  }
  return broken;
}
