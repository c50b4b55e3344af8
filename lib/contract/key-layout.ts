/**
 * The S3 key layout CloudTrail delivers to (one source of truth for reconcile,
 * the sweep, digest lookup and backfill):
 *
 *   [<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/
 *       <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
 *   [<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/
 *       <account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<YYYYMMDDTHHmmssZ>[_backfill].json.gz
 *
 * Organization trails add the organization id (o-...) after AWSLogs/.
 */

export type TrailObjectKind = 'log' | 'digest' | 'insight';

export interface TrailObjectKey {
  kind: TrailObjectKind;
  /** The trail's S3 key prefix without a trailing slash; '' when none. */
  prefix: string;
  organizationId: string | null;
  account: string;
  region: string;
  /** The day folder, YYYY-MM-DD (UTC). */
  date: string;
  fileName: string;
  /** The timestamp in the file name as ISO 8601 (log: delivery minute, digest: end of the digested hour); null if absent. */
  fileTime: string | null;
}

const FOLDERS: Readonly<Record<string, TrailObjectKind>> = {
  CloudTrail: 'log',
  'CloudTrail-Digest': 'digest',
  'CloudTrail-Insight': 'insight',
};

const KEY_RE =
  /^(?:(.+)\/)?AWSLogs\/(?:(o-[a-z0-9]{10,32})\/)?(\d{12})\/(CloudTrail|CloudTrail-Digest|CloudTrail-Insight)\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)$/;
const STAMP_RE = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?Z(?:_|\.)/;

function stampOf(fileName: string): string | null {
  const m = STAMP_RE.exec(fileName);
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}Z`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

/** Parses a key of the trail bucket; null when it is not in CloudTrail's layout. */
export function parseTrailKey(key: string): TrailObjectKey | null {
  const m = KEY_RE.exec(key);
  if (!m) return null;
  const fileName = m[9];
  return {
    kind: FOLDERS[m[4]],
    prefix: m[1] ?? '',
    organizationId: m[2] ?? null,
    account: m[3],
    region: m[5],
    date: `${m[6]}-${m[7]}-${m[8]}`,
    fileName,
    fileTime: stampOf(fileName),
  };
}

/** Where CloudTrail's folders start for a trail prefix: "AWSLogs/" or "<prefix>/AWSLogs/". */
export function logsRoot(prefix: string): string {
  const p = prefix.replace(/\/+$/, '');
  return p === '' ? 'AWSLogs/' : `${p}/AWSLogs/`;
}

/** The folder of one account (and organization) below the root, with a trailing slash. */
export function accountRoot(prefix: string, account: string, organizationId: string | null): string {
  return `${logsRoot(prefix)}${organizationId ? `${organizationId}/` : ''}${account}/`;
}

/** The day folder of log or digest files for one account and region. */
export function dayFolder(k: Pick<TrailObjectKey, 'prefix' | 'account' | 'organizationId' | 'region'>, kind: 'log' | 'digest', day: Date): string {
  const folder = kind === 'log' ? 'CloudTrail' : 'CloudTrail-Digest';
  const ymd = day.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${accountRoot(k.prefix, k.account, k.organizationId)}${folder}/${k.region}/${ymd}/`;
}

export const isOrganizationId = (segment: string): boolean => /^o-[a-z0-9]{10,32}$/.test(segment);
export const isAccountId = (segment: string): boolean => /^\d{12}$/.test(segment);

/**
 * Whether a key or local path should be read as a trail log file: in
 * CloudTrail's layout only log files count (digests and Insights are skipped);
 * outside it (copies, exports), any .json or .json.gz that is not a digest.
 */
export function isLogFileCandidate(path: string): boolean {
  const parsed = parseTrailKey(path.replace(/\\/g, '/'));
  if (parsed) return parsed.kind === 'log';
  if (/CloudTrail-(Digest|Insight)/.test(path)) return false;
  return /\.json(\.gz)?$/i.test(path);
}
