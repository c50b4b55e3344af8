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
  /** Where the named queries ran: Athena's workgroup and database (`--athena`); absent: DuckDB over the archive. */
  athena?: AthenaCatalog;
  /**
   * The witnesses the report was given (`--witness-key`) and what they cosigned
   * (issue 15). Absent without witness keys: Scope then says witnesses were not checked.
   */
  witnesses?: readonly WitnessSummary[];
}

export interface AthenaCatalog {
  workGroup: string;
  database: string;
}

/** One witness as Scope lists it. */
export interface WitnessSummary {
  /** The witness's key name, as in its cosignature lines. */
  name: string;
  /** Its C2SP key ID (cosignature/v1), hex. */
  keyId: string;
  /** Per shard, the largest shard checkpoint size it validly cosigned; shards it never cosigned are absent. */
  shards: readonly { shard: string; size: number }[];
  /** Valid cosignatures by distinct given witnesses each newest shard checkpoint needed (`--witnesses`). */
  required: number;
  /** The verifier's witness check with the given witnesses passed: no WITNESS_MISSING, WITNESS_SIGNATURE, ROLLBACK or WITNESS_FORK. */
  passed: boolean;
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
