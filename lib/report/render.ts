import { renderAlerts } from './alerts-section';
import { renderChanges } from './changes-section';
import { renderCompleteness } from './completeness-section';
import { renderControlMap, SECTION_TITLES, type SectionId } from './control-map';
import { esc } from './escape';
import { renderIntegrity } from './integrity-section';
import { renderLaunches } from './launches-section';
import { queryParams } from './period';
import { renderScope } from './scope-section';
import { STYLE } from './style';
import { renderTampering } from './tampering-section';
import { REPORT_QUERIES, type ReportData } from './types';

const SECTIONS: readonly [SectionId, (d: ReportData) => string][] = [
  ['scope', renderScope],
  ['integrity', renderIntegrity],
  ['completeness', renderCompleteness],
  ['changes', renderChanges],
  ['launches', renderLaunches],
  ['tampering', renderTampering],
  ['alerts', renderAlerts],
];

function banner(d: ReportData): string {
  return d.verify.ok
    ? `<p class="banner ok" role="status">The archive verified: no record was altered, removed or inserted, and every checkpoint signature is valid.</p>`
    : `<p class="banner fail" role="alert">WARNING: verification FAILED (${d.verify.problems.length} problem(s)). The archive does not match its signed checkpoints: records may have been altered or removed. Treat the figures below as unproven; see Integrity.</p>`;
}

/** How to get every figure again: the same named queries, the same verifier. */
function reproduce(d: ReportData): string {
  const p = queryParams(d.period);
  // The same engine the report used: Athena's rows can differ from a local copy that is out of date.
  const where = d.athena ? `--athena --workgroup ${d.athena.workGroup} --database ${d.athena.database}` : '--dir ARCHIVE';
  const lines = [
    `immutrail verify --dir ARCHIVE --public-key KEY.pem`,
    ...REPORT_QUERIES.map((q) => `immutrail query ${q} ${where} --param from=${p.from} --param to=${p.to}`),
  ];
  return `<section id="reproduce" aria-labelledby="reproduce-h">\n<h2 id="reproduce-h">How to check these figures</h2>\n<p>Every table and chart above is the result of one of the commands below, run on the same archive (ARCHIVE: a copy of the archive bucket, KEY.pem: the public key whose fingerprint is in Scope).</p>\n<pre><code>${lines.map(esc).join('\n')}</code></pre>\n</section>`;
}

/** The whole report as one self-contained HTML page: inline style and SVG, no script, no request. */
export function renderReport(d: ReportData): string {
  const title = `Audit log evidence, ${d.period.from} to ${d.period.to}`;
  const nav = `<nav aria-label="Sections"><ul>${[...SECTIONS.map(([id]) => [id, SECTION_TITLES[id]]), ['controls', 'Control map'], ['reproduce', 'How to check these figures']].map(([id, t]) => `<li><a href="#${id}">${esc(t)}</a></li>`).join('')}</ul></nav>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${esc(title)}</h1>
${banner(d)}
<p class="note">Generated ${esc(d.generatedAt)} by immutrail from ${esc(d.source)}. Times are UTC.</p>
${nav}
${SECTIONS.map(([, render]) => render(d)).join('\n')}
${renderControlMap()}
${reproduce(d)}
</main>
</body>
</html>
`;
}
