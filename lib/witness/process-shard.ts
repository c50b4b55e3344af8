import { emptyRoot } from '../core/merkle';
import { parseAddCheckpoint, type AddCheckpoint } from '../core/witness/add-checkpoint';
import { decide, type Decision, type LogState } from '../core/witness/decide';
import type { WitnessRefusalCode } from '../core/witness/errors';
import { proofFromTiles, tileReaderOf } from '../prove/tile-tree';
import { cosignedNote } from './cosigned-note';
import { requestStem, shardOrigin } from './layout';
import type { WitnessState } from './state-store';
import type { WitnessDeps } from './witness-deps';

export interface ShardOutcome {
  shard: string;
  cosigned: number;
  /** Set when this run refused a request, or an earlier refusal still stands. */
  refused?: WitnessRefusalCode;
  /** Another run advanced the state first; this one stopped for the shard. */
  raced?: boolean;
}

const logState = (origin: string, s: WitnessState | null): LogState =>
  s === null || s.size === 0 ? { origin, size: 0, root: emptyRoot() } : { origin, size: s.size, root: Buffer.from(s.root, 'base64') };

/** Stores the cosigned note for `state` (rebuilt from its request and time), offers the copy, marks it published. */
async function publish(deps: WitnessDeps, state: WitnessState, request: AddCheckpoint): Promise<void> {
  const { shard, stem } = requestStem(state.lastKey)!;
  const note = cosignedNote(request.note, deps.keyName, deps.key, state.time);
  await deps.store.put(shard, stem, note);
  await deps.store.offer(shard, stem, note).catch((err: unknown) => deps.onOfferError?.(err, shard, stem));
  await deps.states.markPublished(state);
}

async function readRequest(deps: WitnessDeps, key: string): Promise<AddCheckpoint | string> {
  return parseAddCheckpoint(await deps.source.read(key));
}

/** Alerts first, then records the refusal: a crash in between alerts twice rather than never. */
async function refuse(deps: WitnessDeps, state: WitnessState | null, key: string, d: Extract<Decision, { cosign: false }>, origin: string): Promise<void> {
  const refusal = { code: d.code, message: d.message, key, at: (deps.clock ?? (() => new Date()))().toISOString() };
  await deps.alert({ ...refusal, origin, witness: deps.keyName, cosignedSize: state?.size ?? 0, requestOldSize: d.oldSize, requestNewSize: d.newSize });
  await deps.states.refuse(origin, refusal);
}

const malformed = (message: string): Extract<Decision, { cosign: false }> => ({
  cosign: false,
  code: 'WITNESS_MALFORMED',
  message,
  origin: null,
  oldSize: 0,
  newSize: null,
});

/**
 * A request that extends a size this witness never cosigned: the request for
 * that size was never written (the seal's tile step failed) or the witness
 * started on a log that already had checkpoints. The witness then proves the
 * step from its own size itself, from the archive's tiles (tlog-witness: the
 * log would answer a 409 with such a proof). The proof is still checked
 * against the witness's root, so tiles are not trusted. Null when not a gap or
 * when the tiles cannot be read (the refusal then stands).
 */
async function bridgeGap(deps: WitnessDeps, shard: string, cosignedSize: number, req: AddCheckpoint, d: Decision): Promise<AddCheckpoint | null> {
  if (d.cosign || d.code !== 'WITNESS_CONFLICT' || d.newSize === null || req.oldSize <= cosignedSize) return null;
  try {
    const proof = await proofFromTiles(tileReaderOf({ get: (k) => deps.source.read(k) }), shard, cosignedSize, d.newSize);
    return { ...req, oldSize: cosignedSize, proof };
  } catch {
    return null;
  }
}

/**
 * Cosigns, in size order, every request of one shard after the last one
 * processed. The state moves by compare-and-swap before the cosignature is
 * stored, so two runs can never both release a cosignature from the same
 * state (C2SP tlog-witness: check and update atomically). A refusal stops
 * the shard for good (until a person clears it).
 */
export async function processShard(deps: WitnessDeps, shard: string): Promise<ShardOutcome> {
  const origin = shardOrigin(deps.archiveOrigin, shard);
  let state = await deps.states.get(origin);
  if (state?.refusal) return { shard, cosigned: 0, refused: state.refusal.code };
  if (state && !state.published) {
    const req = await readRequest(deps, state.lastKey);
    if (typeof req !== 'string') await publish(deps, state, req);
  }
  let cosigned = 0;
  for (const key of await deps.source.requestsAfter(shard, state?.lastKey ?? '')) {
    if (!requestStem(key)) continue;
    let req = await readRequest(deps, key);
    let d = typeof req === 'string' ? malformed(req) : decide(logState(origin, state), req, deps.open);
    const bridged = typeof req === 'string' ? null : await bridgeGap(deps, shard, state?.size ?? 0, req, d);
    if (bridged) [req, d] = [bridged, decide(logState(origin, state), bridged, deps.open)];
    if (!d.cosign) {
      await refuse(deps, state, key, d, origin);
      return { shard, cosigned, refused: d.code };
    }
    const now = Math.floor((deps.clock ?? (() => new Date()))().getTime() / 1000);
    const next: WitnessState = {
      origin,
      size: d.state.size,
      root: d.state.root.toString('base64'),
      lastKey: key,
      time: Math.max(now, state?.time ?? 0),
      published: false,
    };
    if (!(await deps.states.advance(state, next))) return { shard, cosigned, raced: true };
    await publish(deps, next, req as AddCheckpoint);
    state = next;
    cosigned++;
  }
  return { shard, cosigned };
}
