/**
 * Reports in a real browser: one report of each experiment kind (its shipped config shrunk to seconds) opened
 * in Debian's headless chromium at 1,400 x 900 px. Each must open with its verdict, fit the viewport (a wide
 * table scrolls inside its own box, never the page), show no text cut with an ellipsis (HTML or chart labels),
 * and print no number in exponent notation in any table; the verdict's first answer ends on the first screen. Full-page screenshots go to test-artifacts/reports/
 * (gitignored). Skipped, with a visible message, where chromium is missing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import puppeteer from 'puppeteer-core';
import { runExperiment } from '../runner/run.ts';
import { shrink } from './helpers/shrink.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const haveData = existsSync(join(root, '..', 'shared', 'data', 'governor-events', 'compound_governor_bravo.csv'));
const artifacts = join(root, 'test-artifacts', 'reports');

interface PageFindings {
  pageWidth: number;
  viewport: number;
  wide: string[];
  ellipsis: string[];
  cutLabels: string[];
  exponents: string[];
  firstHeading: string | null;
  verdictTop: number | null;
  answerBottom: number | null;
}

/**
 * What the page is checked for, run in the browser. A plain string: tsx compiles functions in this file with
 * helpers (__name) the page does not have.
 */
const PAGE_CHECKS = `(() => {
  const viewport = window.innerWidth;
  const all = [...document.querySelectorAll('body *')];
  const outsideScrollBox = (e) => e.closest('.scroll') === null;
  const label = (e) => e.tagName.toLowerCase() + (typeof e.className === 'string' && e.className ? '.' + e.className : '') + ' (' + Math.round(e.getBoundingClientRect().right) + ' px)';
  return {
    pageWidth: document.documentElement.scrollWidth,
    viewport,
    wide: all.filter((e) => outsideScrollBox(e) && e.getBoundingClientRect().right > viewport + 1).map(label),
    ellipsis: all.filter((e) => getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth).map((e) => e.textContent || ''),
    cutLabels: [...document.querySelectorAll('svg text')].filter((t) => {
      // Cut with an ellipsis, or drawn past the edge of its own chart (clipped there).
      const box = t.getBoundingClientRect();
      const svg = t.closest('svg').getBoundingClientRect();
      return (t.textContent || '').includes('\\u2026') || (box.width > 0 && (box.left < svg.left - 1 || box.right > svg.right + 1 || box.top < svg.top - 1 || box.bottom > svg.bottom + 1));
    }).map((t) => t.textContent || ''),
    exponents: [...document.querySelectorAll('td')].map((td) => td.textContent || '').filter((t) => /(?<![\\w.])\\d+(\\.\\d+)?e[+-]?\\d+(?![\\w.])/.test(t)),
    firstHeading: (document.querySelector('h2') || {}).textContent || null,
    verdictTop: document.querySelector('#verdict') ? document.querySelector('#verdict').getBoundingClientRect().top : null,
    answerBottom: document.querySelector('#verdict p.answer') ? document.querySelector('#verdict p.answer').getBoundingClientRect().bottom : null,
  };
})()`;

/** One config per kind; the loop reads ../shared/data. */
const KINDS: Array<{ kind: string; file: string }> = [
  { kind: 'compare', file: 'protocol-compare.yaml' },
  { kind: 'stress', file: 'quorum-stress.yaml' },
  { kind: 'sweep', file: 'quorum-timelock-sweep.yaml' },
  { kind: 'train', file: 'beanstalk-attack.yaml' },
  { kind: 'search', file: 'design-search.yaml' },
  { kind: 'loop', file: 'closed-loop.yaml' },
];

if (CHROMIUM === undefined) console.log('skipping the browser check of reports: no chromium (apt-get install chromium, or set CHROMIUM)');

(CHROMIUM === undefined ? test.skip : test)('a report of every kind opens with its verdict, fits 1,400 px, cuts no text and prints no exponents', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'daogym-browser-'));
  mkdirSync(artifacts, { recursive: true });
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const failures: string[] = [];
  try {
    for (const { kind, file } of KINDS) {
      const config = shrink(parse(readFileSync(join(root, 'experiments', file), 'utf8')) as Record<string, unknown>);
      if (typeof config.data === 'string' && !haveData) {
        console.log(`  skipping the ${kind} report: it reads ../shared/data, which is missing`);
        continue;
      }
      if (kind === 'compare') config.seeds = 3;
      const path = join(root, 'experiments', `.browser-${file}`);
      writeFileSync(path, stringify(config));
      let report: string;
      try {
        const outcome = await runExperiment(path, { db: join(directory, `${kind}.db`), out: join(directory, kind), workers: 1 });
        report = outcome.reportPath!;
      } finally {
        rmSync(path, { force: true });
      }
      const page = await browser.newPage();
      await page.setViewport({ width: 1400, height: 900 });
      await page.goto(`file://${report}`);
      const found = (await page.evaluate(PAGE_CHECKS)) as PageFindings;
      await page.screenshot({ path: join(artifacts, `${kind}.png`), fullPage: true });
      await page.close();
      const problems = [
        found.pageWidth > found.viewport ? `the page is ${found.pageWidth} px wide` : '',
        found.wide.length > 0 ? `elements wider than the viewport: ${found.wide.slice(0, 5).join(', ')}` : '',
        found.ellipsis.length > 0 ? `text cut with an ellipsis: ${found.ellipsis.slice(0, 3).join(' | ')}` : '',
        found.cutLabels.length > 0 ? `chart labels cut: ${found.cutLabels.slice(0, 3).join(' | ')}` : '',
        found.exponents.length > 0 ? `exponent notation in tables: ${found.exponents.slice(0, 3).join(' | ')}` : '',
        found.firstHeading !== 'Verdict' ? `the first section is '${found.firstHeading}', not the verdict` : '',
        found.verdictTop === null || found.verdictTop > 300 ? `the verdict starts at ${found.verdictTop} px, not on the first screen` : '',
        found.answerBottom === null || found.answerBottom > 900 ? `the verdict's answer ends at ${found.answerBottom} px, below the first screen` : '',
      ].filter((p) => p !== '');
      console.log(`  ${kind}: ${problems.length === 0 ? 'ok' : problems.join('; ')} (screenshot test-artifacts/reports/${kind}.png)`);
      failures.push(...problems.map((p) => `${kind}: ${p}`));
    }
  } finally {
    await browser.close();
    rmSync(directory, { recursive: true, force: true });
  }
  assert.is(failures.length, 0, failures.join('\n'));
});

test.run();
