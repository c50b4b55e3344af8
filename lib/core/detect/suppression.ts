import { DETECTION_ENV as ENV } from './config-env';
import type { Severity } from '../alert';
import { severityRank } from './alert-factory';
import type { HeldBackRepeat } from './suppression-digest';
import { ImmutrailError } from '../errors';

/**
 * Repeats of one alert (same rule, principal, resource, account, action and
 * outcome: see alertFingerprint) inside a window are not sent again but counted; the
 * next alert sent after the window says how many were held back.
 *
 * The window runs from the last alert actually sent, so a steady stream of
 * repeats produces one message per window, each carrying the count. Every
 * repeat held back is also added to its window's digest, published once
 * after the window ends (suppression-digest.ts), so the count is told even
 * when no later alert comes.
 *
 * Suppression never hides an escalation: inside the window an alert is still
 * sent when its severity is higher than any sent in the window, or when it is
 * a success and the same call failed since the last send (`failedAt`).
 */

export interface SuppressionState {
  /** When the last alert with this fingerprint was sent (ISO 8601). */
  lastSentAt: string;
  /** Repeats suppressed since then. */
  suppressed: number;
  /** The highest severity sent in the current window (absent in states written before it was kept). */
  severity?: Severity;
  /** When the same call by the same principal on the same resource last failed (set on the success fingerprint). */
  failedAt?: string;
}

/** What the window needs to know about the alert being decided. */
export interface SuppressionSubject {
  severity?: Severity;
}

export type SuppressionDecision =
  /** Send; `suppressedBefore` repeats were held back since the previous send (0 when none). */
  | { send: true; suppressedBefore: number; next: SuppressionState }
  /** Held back in the window that started at `windowStart` (the last send). */
  | { send: false; next: SuppressionState; windowStart: string };

export const DEFAULT_SUPPRESS_SECONDS = 900;

export class SuppressionWindow {
  constructor(readonly seconds: number = DEFAULT_SUPPRESS_SECONDS) {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`suppression window must be >= 0 seconds, got ${seconds}`);
  }

  /** Pure: what to do with an alert now, given the stored state for its fingerprint. */
  decide(state: SuppressionState | null, now: Date, alert: SuppressionSubject = {}): SuppressionDecision {
    const sendNow = (): SuppressionDecision => ({
      send: true,
      suppressedBefore: state?.suppressed ?? 0,
      next: { lastSentAt: now.toISOString(), suppressed: 0, ...(alert.severity ? { severity: alert.severity } : {}) },
    });
    if (state === null || this.seconds === 0) return sendNow();
    const last = Date.parse(state.lastSentAt);
    if (Number.isNaN(last)) return sendNow();
    const elapsedMs = now.getTime() - last;
    if (elapsedMs >= this.seconds * 1000) return sendNow();
    if (alert.severity && (state.severity === undefined || severityRank(alert.severity) > severityRank(state.severity))) {
      // Unknown stored severity (an older state) counts as lower: sending once too often beats hiding an escalation.
      return sendNow();
    }
    if (state.failedAt !== undefined) {
      const failed = Date.parse(state.failedAt);
      if (Number.isNaN(failed) || failed >= last) return sendNow();
    }
    return { send: false, next: { ...state, suppressed: state.suppressed + 1 }, windowStart: state.lastSentAt };
  }
}

/**
 * Where suppression state lives between alerts (DynamoDB in the stack, memory
 * in tests). Read and written for all the alerts of a delivery at once: a
 * batch of alerts costs two requests, not two per alert.
 */
export interface SuppressionStore {
  /** The stored states of these fingerprints; absent ones are missing from the map. */
  getMany(fingerprints: readonly string[]): Promise<Map<string, SuppressionState>>;
  putMany(states: ReadonlyMap<string, SuppressionState>): Promise<void>;
  /** Adds repeats held back to their windows' digests; atomic per repeat, so concurrent writers lose none. */
  holdBack(repeats: readonly HeldBackRepeat[]): Promise<void>;
}

/** Suppresses only within one process (one warm Lambda container); for tests and the local demo. */
export function memorySuppressionStore(): SuppressionStore & {
  readonly size: number;
  get(fingerprint: string): SuppressionState | null;
  /** Repeats held back, in order (the digest sweep is a DynamoDB matter: lib/aws/suppression-digests.ts). */
  readonly heldBack: readonly HeldBackRepeat[];
} {
  const m = new Map<string, SuppressionState>();
  const heldBack: HeldBackRepeat[] = [];
  return {
    heldBack,
    async holdBack(repeats) {
      heldBack.push(...repeats);
    },
    async getMany(fps) {
      const out = new Map<string, SuppressionState>();
      for (const fp of fps) {
        const s = m.get(fp);
        if (s) out.set(fp, { ...s });
      }
      return out;
    },
    async putMany(states) {
      for (const [fp, state] of states) m.set(fp, { ...state });
    },
    get(fp) {
      return m.get(fp) ?? null;
    },
    get size() {
      return m.size;
    },
  };
}

export class SuppressionConfigError extends ImmutrailError {
  readonly code = 'SUPPRESSION_CONFIG_INVALID';
}

/** IMMUTRAIL_ALERT_SUPPRESS_SECONDS: whole seconds, 0 disables suppression; default 900. */
export function parseSuppressSeconds(env: Readonly<Record<string, string | undefined>>): number {
  const v = env[ENV.alertSuppressSeconds];
  if (v === undefined || v.trim() === '') return DEFAULT_SUPPRESS_SECONDS;
  if (!/^\d+$/.test(v.trim())) {
    throw new SuppressionConfigError(`${ENV.alertSuppressSeconds}: "${v}" is not a whole number of seconds`);
  }
  return Number(v.trim());
}
