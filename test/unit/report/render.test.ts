import { describe, expect, it } from 'vitest';
import { barChart } from '../../../lib/report/bar-chart';
import { COLORS, CONTRAST_PAIRS } from '../../../lib/report/colors';
import { accountGaps } from '../../../lib/report/completeness-section';
import { changesByPrincipal } from '../../../lib/report/changes-section';
import { CONTROLS, EVIDENCE } from '../../../lib/report/control-map';
import { esc } from '../../../lib/report/escape';
import { checkpointIntervals } from '../../../lib/report/integrity-section';
import { dayRanges, daysOf, queryParams } from '../../../lib/report/period';
import { renderReport } from '../../../lib/report/render';
import { charts, contrastRatio, externalReferences, headingOrder, pageText, parseReport } from './html-checks';
import { reportData } from './fixture';

describe('report colours', () => {
  it('the contrast function gives WCAG reference values', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it.each(CONTRAST_PAIRS)('%s on %s (%s) passes WCAG AA, 4.5:1', (fg, bg) => {
    expect(contrastRatio(COLORS[fg], COLORS[bg])).toBeGreaterThanOrEqual(4.5);
  });
});

describe('report building blocks', () => {
  it('escapes every character that could end text or an attribute', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(esc(null)).toBe('');
  });

  it('a bar chart has one point per table row, warnings in the warning colour, and its text alternatives', () => {
    const html = barChart({
      id: 'c',
      title: 'T <1>',
      description: 'D',
      labelHeader: 'day',
      valueHeader: 'n',
      points: [
        { label: 'a', value: 3 },
        { label: 'b', value: 0, warn: true },
        { label: 'c', value: 1 },
      ],
    });
    expect(charts(html)).toEqual([{ id: 'c', points: 3, tableRows: 3, title: 'T <1>', desc: 'D' }]);
    const warn = parseReport(html).querySelectorAll('rect.warn');
    expect(warn.map((r) => [r.getAttribute('fill'), r.getAttribute('data-label')])).toEqual([[COLORS.warn, 'b']]);
    // a zero-valued warning still shows
    expect(Number(warn[0].getAttribute('height'))).toBeGreaterThan(0);
  });

  it('a chart with no data is a sentence, not an empty chart', () => {
    const html = barChart({ id: 'e', title: 'Empty', description: '', labelHeader: 'x', valueHeader: 'y', points: [] });
    expect(charts(html)).toEqual([]);
    expect(html).toContain('no data');
  });

  it('period days are inclusive, query bounds end the day after', () => {
    expect(daysOf({ from: '2026-02-27', to: '2026-03-01' })).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(queryParams({ from: '2026-02-27', to: '2026-03-01' })).toEqual({ from: '2026-02-27T00:00:00Z', to: '2026-03-02T00:00:00.000Z' });
  });

  it('runs of consecutive days read as ranges', () => {
    expect(dayRanges(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-03', '2026-03-05', '2026-03-06'])).toEqual([
      '2026-02-27 to 2026-03-01',
      '2026-03-03',
      '2026-03-05 to 2026-03-06',
    ]);
    expect(dayRanges([])).toEqual([]);
  });

  it('checkpoint intervals are minutes between consecutive checkpoints, in time order', () => {
    expect(
      checkpointIntervals([
        { time: '2026-01-01T00:20:00Z', size: 2 },
        { time: '2026-01-01T00:00:00Z', size: 1 },
        { time: '2026-01-01T00:25:30Z', size: 3 },
      ]),
    ).toEqual([
      { at: '2026-01-01T00:20:00Z', minutes: 20 },
      { at: '2026-01-01T00:25:30Z', minutes: 5.5 },
    ]);
  });

  it('an account and region missing a day is a gap', () => {
    const rows = [
      { account: '1', region: 'r', log_day: '2026-01-01' },
      { account: '2', region: 'r', log_day: '2026-01-01' },
      { account: '2', region: 'r', log_day: '2026-01-02' },
    ];
    expect(accountGaps(rows, ['2026-01-01', '2026-01-02'])).toEqual([{ account: '1', region: 'r', days_missing: 1, missing_days: '2026-01-02' }]);
  });

  it('deployer patterns are globs, as the drift detector takes them', () => {
    const rows = [
      { changed_by: 'arn:aws:iam::1:role/deploy-x', changes: 2, out_of_band: 0 },
      { changed_by: 'arn:aws:iam::1:role/Admin', changes: 1, out_of_band: 1 },
    ];
    expect(changesByPrincipal(rows, ['arn:aws:iam::*:role/deploy-*']).map((r) => [r.changed_by, r.role])).toEqual([
      ['arn:aws:iam::1:role/deploy-x', 'deployment pipeline'],
      ['arn:aws:iam::1:role/Admin', 'other principal'],
    ]);
  });
});

describe('the rendered report', () => {
  const html = renderReport(reportData());
  const text = pageText(html);

  it('makes no external reference and runs no script', () => {
    expect(externalReferences(html)).toEqual([]);
  });

  it('has headings in order, one h1 first', () => {
    const { levels, skip } = headingOrder(html);
    expect(skip).toBeNull();
    expect(levels[0]).toBe(1);
    expect(levels.filter((l) => l === 1)).toHaveLength(1);
  });

  it('every chart has as many data points as its table has rows, and a title and description', () => {
    const found = charts(html);
    expect(found.map((c) => c.id).sort()).toEqual(['alerts-per-day', 'checkpoint-cadence', 'coverage-per-day', 'launch-signing', 'out-of-band-per-day']);
    for (const c of found) {
      expect(c.points, c.id).toBeGreaterThan(0);
      expect(c.points, c.id).toBe(c.tableRows);
      expect(c.title && c.desc, c.id).toBeTruthy();
    }
  });

  it('highlights the checkpoint gap over 15 minutes and the day without log files', () => {
    const root = parseReport(html);
    expect(root.querySelectorAll('svg[data-chart="checkpoint-cadence"] rect.warn').map((r) => r.getAttribute('data-value'))).toEqual(['30']);
    expect(root.querySelectorAll('svg[data-chart="coverage-per-day"] rect.warn').map((r) => r.getAttribute('data-label'))).toEqual(['2026-11-20']);
  });

  it('names every control as "evidence for", and never claims compliance', () => {
    for (const c of CONTROLS) {
      expect(text).toContain(`Evidence for ${c.id}`);
      expect(
        Object.values(EVIDENCE).some((ids) => ids.includes(c.id)),
        c.id,
      ).toBe(true);
    }
    expect(
      parseReport(html)
        .querySelectorAll('p.controls')
        .map((p) => p.text),
    ).toHaveLength(Object.keys(EVIDENCE).length);
    for (const p of parseReport(html).querySelectorAll('p.controls')) expect(p.text).toMatch(/^Evidence for: /);
    expect(text).not.toMatch(/complian/i);
  });

  it('lists each out-of-band change with its record, escaping what the archive holds', () => {
    expect(text).toContain('evt-drift');
    expect(text).toContain('alert-1');
    expect(text).toContain('acct-111122223333 / 7');
    expect(html).toContain('manual change &lt;script&gt;');
    expect(html).not.toContain('manual change <script>');
  });

  it('shows the scope: accounts, regions, shards, period and key fingerprint', () => {
    for (const s of ['111122223333', 'eu-west-1', 'acct-111122223333', 'ops', '2026-11-19 to 2026-11-21', '01:02:03']) expect(text).toContain(s);
  });

  it('a failed verification is a warning at the top, in the warning colours', () => {
    const failed = reportData();
    failed.verify = { ...failed.verify, ok: false, problems: [{ code: 'HASH_MISMATCH', message: 'record 3 was altered', shard: 'ops', seq: 3 } as never] };
    const root = parseReport(renderReport(failed));
    const banner = root.querySelector('main > .banner')!;
    expect(banner.classNames).toContain('fail');
    expect(banner.text).toMatch(/verification FAILED/);
    expect(root.querySelector('main')!.childNodes.filter((n) => n.nodeType === 1)[1]).toBe(banner);
    expect(root.querySelector('#integrity')!.text).toContain('record 3 was altered');
  });
});
