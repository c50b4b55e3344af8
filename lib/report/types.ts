import type { VerifyReport } from '../verify/verify-archive';

/**
 * Everything a report shows, gathered once (gather.ts) and rendered by pure
 * functions (render.ts and the section modules). Rows are plain objects keyed
 * by the named queries' column names, so a reader can rerun the same query.
 */
export type Row = Readonly<Record<string, string | number | boolean | null>>;

export interface ReportPeriod {
  /** First day, inclusive (YYYY-MM-DD, UTC). */
  from: string;
  /** Last day, inclusive (YYYY-MM-DD, UTC). */
  to: string;
}

export interface CheckpointPoint {
  time: string;
  size: number;
}

export interface ReportData {
  period: ReportPeriod;
  generatedAt: string;
  /** Where the archive was read: s3://bucket or a folder. */
  source: string;
  /** SHA-256 of the signing key's public key (DER SubjectPublicKeyInfo), hex. */
  keyFingerprint: string;
  verify: VerifyReport;
  /** Checkpoints signed in the period and the first one after it, oldest first. */
  checkpoints: CheckpointPoint[];
  /** Principals named as the deployment pipeline (--deployer). */
  deployers: readonly string[];
  /** Each named query the report ran, by name: its rows. */
  queries: Readonly<Record<string, readonly Row[]>>;
}

/** The named queries a report runs, all with the period's from and to. */
export const REPORT_QUERIES = [
  'activity-by-account',
  'coverage-by-day',
  'coverage-by-account',
  'changes-by-principal',
  'drift-alerts',
  'launch-signing',
  'unsigned-launches',
  'auditor-tampering-alerts',
  'alerts-by-day',
] as const;
export type ReportQuery = (typeof REPORT_QUERIES)[number];
