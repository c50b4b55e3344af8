/**
 * The organization's load on paper: 100 accounts, one billion events a month,
 * a diurnal peak and one hot account. Pure arithmetic, so the simulation and
 * DESIGN.md section 9 start from the same figures (and a test checks them).
 */

export const SECONDS_PER_MONTH = 30 * 24 * 3600;

export interface OrgLoad {
  accounts: number;
  /** Management events in the organization trail a month (all captured: full capture). */
  eventsPerMonth: number;
  /** Peak hour over the monthly average (diurnal: office hours and deploy windows). */
  peakFactor: number;
  /** Share of all traffic from the busiest account. */
  hotShare: number;
  /** Regions each account is active in (CloudTrail writes one file stream per account and region). */
  regionsPerAccount: number;
  /** Share of events that are writes: the live lane forwards these from the member accounts. */
  writeShare: number;
  /** CloudTrail delivers a file per account and region about this often. */
  trailFileIntervalS: number;
  /** Average event-to-delivery delay of a trail file beyond its window's end. */
  trailDeliveryLagS: number;
  /** Firehose buffering: whichever comes first. */
  firehoseWindowS: number;
  firehoseBufferBytes: number;
  /** Bytes of one EventBridge envelope as Firehose receives it (bench/results.json cost run: 1,535). */
  envelopeBytes: number;
}

export const ORG_LOAD: OrgLoad = {
  accounts: 100,
  eventsPerMonth: 1e9,
  peakFactor: 3,
  hotShare: 0.2,
  regionsPerAccount: 2,
  writeShare: 0.15,
  trailFileIntervalS: 300,
  trailDeliveryLagS: 150,
  firehoseWindowS: 30,
  firehoseBufferBytes: 5 * 2 ** 20,
  envelopeBytes: 1535,
};

export interface PaperRates {
  averageEventsPerS: number;
  peakEventsPerS: number;
  /** Peak events/s of the hot account, and of each other account. */
  hotAccountPerS: number;
  otherAccountPerS: number;
  /** Live lane (writes) at peak, all accounts: one Firehose stream in the audit account. */
  liveEventsPerS: number;
  liveBytesPerS: number;
  /** A staged object is written when the window passes or the buffer fills. */
  stagedObjectSeconds: number;
  stagedObjectsPerS: number;
  eventsPerStagedObject: number;
  trailFilesPerS: number;
  /** Events in one hot-account file and one other-account file. */
  hotFileEvents: number;
  otherFileEvents: number;
  /** Object notices on the ingest queue: staged objects and trail files. */
  noticesPerS: number;
}

/** Per-account peak rate: the hot account takes hotShare, the others share the rest equally. */
export function accountRates(load: OrgLoad, totalPerS: number): number[] {
  const other = load.accounts > 1 ? (totalPerS * (1 - load.hotShare)) / (load.accounts - 1) : 0;
  return Array.from({ length: load.accounts }, (_, i) => (i === 0 ? totalPerS * (load.accounts > 1 ? load.hotShare : 1) : other));
}

export function paperRates(load: OrgLoad, factor = 1): PaperRates {
  const averageEventsPerS = load.eventsPerMonth / SECONDS_PER_MONTH;
  const peakEventsPerS = averageEventsPerS * load.peakFactor * factor;
  const [hotAccountPerS, otherAccountPerS = 0] = accountRates(load, peakEventsPerS);
  const liveEventsPerS = peakEventsPerS * load.writeShare;
  const liveBytesPerS = liveEventsPerS * load.envelopeBytes;
  const stagedObjectSeconds = Math.min(load.firehoseWindowS, load.firehoseBufferBytes / liveBytesPerS);
  const stagedObjectsPerS = 1 / stagedObjectSeconds;
  const trailFilesPerS = (load.accounts * load.regionsPerAccount) / load.trailFileIntervalS;
  const perFile = (perS: number) => (perS / load.regionsPerAccount) * load.trailFileIntervalS;
  return {
    averageEventsPerS,
    peakEventsPerS,
    hotAccountPerS,
    otherAccountPerS,
    liveEventsPerS,
    liveBytesPerS,
    stagedObjectSeconds,
    stagedObjectsPerS,
    eventsPerStagedObject: liveEventsPerS * stagedObjectSeconds,
    trailFilesPerS,
    hotFileEvents: perFile(hotAccountPerS),
    otherFileEvents: perFile(otherAccountPerS),
    noticesPerS: stagedObjectsPerS + trailFilesPerS,
  };
}
