import { accountRoot } from './key-layout';

/**
 * The time windows of the per-account delivery check and the S3 keys that
 * start them. CloudTrail names log files
 *   <root>/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
 * so, below one region's folder, S3's lexicographic order is time order across
 * day folders too: one listing that starts after the key of a moment finds the
 * files delivered since, however many day folders that spans (at 00:30 UTC a
 * 24-hour window starts in yesterday's folder and runs into today's).
 */

export const DEFAULT_ACCOUNT_SILENCE_HOURS = 24;
/** A region or account counts as seen when it delivered in the day before the silence window. */
export const SEEN_HOURS_BEFORE_SILENCE = 24;
/** The watchdog's schedule (the construct's WATCHDOG_INTERVAL); the delivery check runs in the first run of each hour. */
export const WATCHDOG_SCHEDULE_MINUTES = 5;

export interface AccountFolder {
  account: string;
  organizationId: string | null;
}

export interface DeliveryWindow {
  /** A log file at or after this moment means the region delivers. */
  silentSince: Date;
  /** A log file at or after this moment (and before silentSince) means the region was seen and fell silent. */
  seenSince: Date;
}

export function deliveryWindow(now: Date, silenceHours: number): DeliveryWindow {
  const silentSince = new Date(now.getTime() - silenceHours * 3_600_000);
  return { silentSince, seenSince: new Date(silentSince.getTime() - SEEN_HOURS_BEFORE_SILENCE * 3_600_000) };
}

/** The folder of one account's log files in one region, with a trailing slash. */
export function regionLogRoot(prefix: string, folder: AccountFolder, region: string): string {
  return `${accountRoot(prefix, folder.account, folder.organizationId)}CloudTrail/${region}/`;
}

/**
 * The StartAfter key of a listing of `regionLogRoot` that returns the log
 * files named at or after `since` (to the minute: the file names carry no
 * seconds) and nothing older: the day folder and file name prefix of that minute.
 */
export function logFilesSinceKey(prefix: string, folder: AccountFolder, region: string, since: Date): string {
  const iso = since.toISOString();
  const day = iso.slice(0, 10).replace(/-/g, '/');
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  // "…_0930Z" sorts before "…_0930Z_<unique>.json.gz" and after every file of 09:29 or earlier.
  return `${regionLogRoot(prefix, folder, region)}${day}/${folder.account}_CloudTrail_${region}_${stamp}`;
}

/**
 * Whether this watchdog run checks deliveries: once an hour (the first run in
 * it) is enough for a silence measured in hours, and it keeps the S3 listings
 * to 24 runs a day instead of 288. A run that is missed skips one hour.
 */
export function deliveryCheckDue(now: Date, scheduleMinutes = WATCHDOG_SCHEDULE_MINUTES): boolean {
  return now.getUTCMinutes() < scheduleMinutes;
}
