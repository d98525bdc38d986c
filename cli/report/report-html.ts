import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type ReportData } from './report-data';

/**
 * The self-contained page of `lifeboat report --html`: uPlot's script and stylesheet, the report
 * data as JSON and the page's script (report-page.mjs), all inline: the page opens from a file, an
 * e-mail attachment or an air-gapped machine without fetching anything.
 */

const UPLOT_DIST = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
const PAGE_SCRIPT = path.join(__dirname, 'report-page.mjs');

/** JSON that cannot end the <script> element it sits in (`</script>` in a plan name) or open a comment. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Script text inline: `</script` inside it would end the element early. */
const inlineScript = (text: string) => text.replace(/<\/script/gi, '<\\/script');

export function reportHtml(data: ReportData): string {
  const uplotJs = readFileSync(path.join(UPLOT_DIST, 'uPlot.iife.min.js'), 'utf8');
  const uplotCss = readFileSync(path.join(UPLOT_DIST, 'uPlot.min.css'), 'utf8');
  const page = readFileSync(PAGE_SCRIPT, 'utf8');
  const title = `Lifeboat report: ${data.environment}, ${data.generatedAt.slice(0, 16).replace('T', ' ')} UTC`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // No network: nothing but what is inline may load.
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; script-src \'unsafe-inline\'; style-src \'unsafe-inline\'; img-src data:">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${uplotCss}</style>`,
    '<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}h2{border-bottom:1px solid #ccc}.chart{margin:1em 0 2em}.empty,.problem{color:#a33}</style>',
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    '<p>Read from the catalogs by <code>lifeboat report --html</code> (docs/RUNBOOKS.md, "Report"). Times are UTC.</p>',
    '<div id="charts"></div>',
    `<script>${inlineScript(uplotJs)}</script>`,
    `<script type="application/json" id="lifeboat-report-data">${scriptSafeJson(data)}</script>`,
    `<script type="module">${inlineScript(page)}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
