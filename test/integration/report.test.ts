import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lib/aws/client-config';
import { S3Source } from '../../lib/aws/s3-source';
import type { LocalStack } from '../../lib/local/provision';
import { CONTROLS } from '../../lib/report/control-map';
import { exportArchive } from '../support/archive-env';
import { cli } from '../support/cli';
import { useMoto } from '../support/moto';
import { buildReportArchive } from '../support/report-archive';
import { charts, externalReferences, headingOrder, pageText, parseReport } from '../unit/report/html-checks';

describe('immutrail report over an archive written by the real ingest and seal path', () => {
  const moto = useMoto();
  let stack: LocalStack;
  let work: string;
  let pem: string;
  let where: string[];
  let yesterday: string;
  let today: string;
  let tomorrow: string;

  beforeAll(async () => {
    ({ stack, work, pem, where, yesterday, today, tomorrow } = await buildReportArchive(moto.target));
  }, 180_000);

  describe('an intact archive', () => {
    let html: string;
    let result: Awaited<ReturnType<typeof cli>>;

    beforeAll(async () => {
      const out = join(work, 'report.html');
      result = await cli('report', ...where, '--from', yesterday, '--to', tomorrow, '--deployer', 'arn:aws:iam::*:role/deploy-*', '--out', out);
      html = readFileSync(out, 'utf8');
    }, 60_000);

    it('exits 0 and says where the report is', () => {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^verified; report written to .*report\.html\n$/);
      expect(parseReport(html).querySelector('.banner')!.classNames).toContain('ok');
    });

    it('references nothing outside the file', () => {
      expect(externalReferences(html)).toEqual([]);
    });

    it('has headings in order', () => {
      expect(headingOrder(html).skip).toBeNull();
    });

    it('every chart has data points, as many as its table has rows', () => {
      const found = charts(html);
      expect(found.map((c) => c.id).sort()).toEqual(['alerts-per-day', 'checkpoint-cadence', 'coverage-per-day', 'launch-signing', 'out-of-band-per-day']);
      for (const c of found) {
        expect(c.points, c.id).toBeGreaterThan(0);
        expect(c.points, c.id).toBe(c.tableRows);
      }
    });

    it('marks the days without log files as gaps, and the recovered event', () => {
      const root = parseReport(html);
      expect(root.querySelectorAll('svg[data-chart="coverage-per-day"] rect.warn').map((r) => r.getAttribute('data-label'))).toEqual([yesterday, tomorrow]);
      expect(root.querySelector(`svg[data-chart="coverage-per-day"] rect[data-label="${today}"]`)!.getAttribute('data-value')).toBe('1');
      expect(root.querySelector('#completeness')!.text).toMatch(/archived then: 1 in this period/);
    });

    it('lists the out-of-band change with its record, and not the pipeline change', () => {
      const changes = root().querySelector('#changes')!.text;
      expect(changes).toContain('sg-admin');
      expect(changes).not.toContain('sg-deploy');
      expect(changes).toMatch(/deployment pipeline/);
      expect(changes).toMatch(/acct-111122223333 \/ \d+|[a-z0-9-]+ \/ \d+/);
    });

    it('counts the unsigned launch, the tampering attempt and the alerts', () => {
      expect(root().querySelector('svg[data-chart="launch-signing"] rect[data-label="unsigned"]')!.getAttribute('data-value')).toBe('1');
      expect(root().querySelector('#tampering')!.text).toMatch(/StopLogging|org-trail/);
      expect(root().querySelector('#alerts')!.text).toMatch(/drift/);
    });

    it('names the scope and words each control as evidence for it', () => {
      const text = pageText(html);
      for (const s of ['111122223333', 'eu-west-1', `${yesterday} to ${tomorrow}`]) expect(text).toContain(s);
      expect(text).toMatch(/SHA-256 of the public key\)\s*([0-9a-f]{2}:){31}[0-9a-f]{2}/);
      for (const c of CONTROLS) expect(text).toContain(`Evidence for ${c.id}`);
      expect(text).not.toMatch(/complian/i);
    });

    const root = () => parseReport(html);
  });

  it('a tampered copy gives exit 1, a report all the same, and the warning at its top', async () => {
    const dir = join(work, 'copy');
    await exportArchive({ source: new S3Source(new S3Client(clientConfig(moto.target)), stack.bucket) }, dir);
    const batch = readdirSync(join(dir, 'records'), { recursive: true })
      .map(String)
      .find((p) => p.endsWith('.ndjson') && readFileSync(join(dir, 'records', p), 'utf8').includes('sg-admin'))!;
    const path = join(dir, 'records', batch);
    writeFileSync(path, readFileSync(path, 'utf8').replace('203.0.113.10', '198.51.100.66'));
    const out = join(work, 'tampered.html');
    const r = await cli('report', '--dir', dir, '--public-key', pem, '--from', today, '--to', today, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^VERIFICATION FAILED; report written to/);
    const page = parseReport(readFileSync(out, 'utf8'));
    const banner = page.querySelector('main > .banner')!;
    expect(banner.classNames).toContain('fail');
    expect(banner.text).toMatch(/WARNING: verification FAILED/);
    expect(page.querySelector('#integrity')!.text).toMatch(/FAILED/);
  }, 60_000);

  it('exits 2 with a one-line reason for bad dates, a missing archive and an unwritable output', async () => {
    const out = join(work, 'x.html');
    const cases = [
      [['--dir', work, '--public-key', pem, '--from', '2026-13-01', '--to', today, '--out', out], /--from must be a date/],
      [['--dir', work, '--public-key', pem, '--from', today, '--to', yesterday, '--out', out], /is after --to/],
      [['--dir', join(work, 'nowhere'), '--public-key', pem, '--from', today, '--to', today, '--out', out], /holds no records\//],
      [
        ['--endpoint', moto.target.endpoint!, '--bucket', 'no-such-bucket', '--public-key', pem, '--from', today, '--to', today, '--out', out],
        /no-such-bucket/,
      ],
      [[...where, '--from', today, '--to', today, '--out', join(work, 'missing-folder', 'r.html')], /cannot write /],
    ] as const;
    for (const [args, reason] of cases) {
      const r = await cli('report', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(reason);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  }, 60_000);
});
