import { ListObjectsV2Command, type ListObjectsV2CommandInput, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { mapLimit } from '../core/map-limit';
import { accountRoot, isAccountId, isOrganizationId, logsRoot, parseTrailKey } from '../contract/key-layout';
import { accountsToCheck, type AccountDeliveries, type DeliverySnapshot, type RegionDelivery } from './account-coverage';
import { deliveryWindow, logFilesSinceKey, regionLogRoot, type AccountFolder, type DeliveryWindow } from '../contract/delivery-window';

export interface DeliveryQuery {
  now: Date;
  silenceHours: number;
  expected: readonly string[];
  maxAccounts: number;
}

/** Where the watchdog learns which accounts and regions deliver (S3 in Lambda, anything in tests). */
export interface DeliveriesReader {
  readonly bucket: string;
  snapshot(q: DeliveryQuery): Promise<DeliverySnapshot>;
}

/** Listings run at once; a run of 100 accounts x 17 regions is ~1,800 small requests. */
const CONCURRENCY = 16;
/** Pages of the "seen" listing of one silent region: 10,000 file names, far more than a day of one region's (one per ~5 minutes). */
const MAX_SEEN_PAGES = 10;

type List = (input: Omit<ListObjectsV2CommandInput, 'Bucket'>) => Promise<ListObjectsV2CommandOutput>;

/**
 * Reads which accounts and regions of the trail bucket delivered log files
 * lately, from key names alone (no object is read), independently of the
 * ingest pipeline: what the pipeline never saw still shows here.
 *
 * S3 requests per run (each ListObjectsV2, 1,000 names per page):
 *   1                  AWSLogs/ (accounts of a plain trail, organization folders)
 * + O                  one per organization folder (its member accounts)
 * + A                  one per account folder (its regions)
 * + A x R              one per region: is there a log file since the silence window began? (MaxKeys 1)
 * + S                  one per region without one (S silent or stale regions): its newest file in the day before
 * e.g. 100 accounts x 17 regions, all delivering: 1 + 1 + 100 + 1,700 = 1,802 requests, $0.009 a run at
 * $0.005 per 1,000 LIST requests; run once an hour (deliveryCheckDue), $6.5 a month.
 */
export class TrailDeliveries implements DeliveriesReader {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    /** The trail's key prefix (without AWSLogs/). */
    private readonly prefix = '',
  ) {}

  async snapshot(q: DeliveryQuery): Promise<DeliverySnapshot> {
    let requests = 0;
    const list: List = (input) => {
      requests++;
      return this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, ...input }));
    };
    const folders = await this.accountFolders(list);
    const { check, unchecked } = accountsToCheck([...folders.keys()], q.expected, q.maxAccounts);
    const window = deliveryWindow(q.now, q.silenceHours);
    const pairs = (
      await mapLimit(
        check.flatMap((a) => folders.get(a) ?? []),
        CONCURRENCY,
        (f) => this.regionsOf(list, f),
      )
    ).flat();
    const states = await mapLimit(pairs, CONCURRENCY, ({ folder, region }) => this.regionState(list, folder, region, window));
    const accounts: AccountDeliveries[] = check.map((account) => ({ account, regions: states.filter((_, i) => pairs[i].folder.account === account) }));
    return { accounts, unchecked, requests };
  }

  /** Account folders under AWSLogs/ and under each organization's folder, by account. */
  private async accountFolders(list: List): Promise<Map<string, AccountFolder[]>> {
    const root = logsRoot(this.prefix);
    const out = new Map<string, AccountFolder[]>();
    const add = (account: string, organizationId: string | null) => out.set(account, [...(out.get(account) ?? []), { account, organizationId }]);
    for (const name of await subfolders(list, root)) {
      if (isAccountId(name)) add(name, null);
      else if (isOrganizationId(name)) for (const member of await subfolders(list, `${root}${name}/`)) if (isAccountId(member)) add(member, name);
    }
    return out;
  }

  private async regionsOf(list: List, folder: AccountFolder): Promise<{ folder: AccountFolder; region: string }[]> {
    const base = `${accountRoot(this.prefix, folder.account, folder.organizationId)}CloudTrail/`;
    return (await subfolders(list, base)).map((region) => ({ folder, region }));
  }

  private async regionState(list: List, folder: AccountFolder, region: string, w: DeliveryWindow): Promise<RegionDelivery> {
    const Prefix = regionLogRoot(this.prefix, folder, region);
    const probe = await list({ Prefix, StartAfter: logFilesSinceKey(this.prefix, folder, region, w.silentSince), MaxKeys: 1 });
    if ((probe.Contents ?? []).some((o) => logFileTime(o.Key) !== null)) return { region, state: 'delivering' };
    let newest: string | null = null;
    let token: string | undefined;
    let pages = 0;
    do {
      const start = token ? { ContinuationToken: token } : { StartAfter: logFilesSinceKey(this.prefix, folder, region, w.seenSince) };
      const out = await list({ Prefix, ...start });
      for (const o of out.Contents ?? []) {
        const t = logFileTime(o.Key);
        if (t !== null && (newest === null || t > newest)) newest = t;
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token && ++pages < MAX_SEEN_PAGES);
    // A file that arrived between the probe and this listing: the region delivers after all.
    if (newest !== null && Date.parse(newest) >= Math.floor(w.silentSince.getTime() / 60_000) * 60_000) return { region, state: 'delivering' };
    return newest === null ? { region, state: 'stale' } : { region, state: 'silent', newest };
  }
}

const logFileTime = (key: string | undefined): string | null => {
  const k = key ? parseTrailKey(key) : null;
  return k?.kind === 'log' ? k.fileTime : null;
};

/** The names of the folders directly under `prefix`, every page. */
async function subfolders(list: List, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const out = await list({ Prefix: prefix, Delimiter: '/', ...(token ? { ContinuationToken: token } : {}) });
    for (const p of out.CommonPrefixes ?? []) if (p.Prefix) names.push(p.Prefix.slice(prefix.length, -1));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return names;
}
