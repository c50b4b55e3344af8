import type { CheckpointOpener } from '../core/witness/decide';
import type { WitnessKey } from '../core/witness/ed25519-key';
import type { RequestSource } from './audit-source';
import type { CosignedStore } from './cosigned-store';
import type { RefusalAlerter } from './refusal-alert';
import type { WitnessStateStore } from './state-store';

/** Everything a witness run uses; lib/witness/runtime.ts builds it from the Lambda's environment. */
export interface WitnessDeps {
  source: RequestSource;
  states: WitnessStateStore;
  store: CosignedStore;
  alert: RefusalAlerter;
  /** Opens shard notes with the archive's configured public key. */
  open: CheckpointOpener;
  key: WitnessKey;
  keyName: string;
  /** The archive's origin; shard `s` is the log `<archiveOrigin>/<s>`. */
  archiveOrigin: string;
  clock?: () => Date;
  /** The copy offered to the audit bucket failed (its policy may not allow it): logged, not fatal. */
  onOfferError?: (err: unknown, shard: string, stem: string) => void;
}
