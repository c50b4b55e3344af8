import { checkConsistency } from '../merkle/consistency';
import { emptyRoot } from '../merkle';
import type { AddCheckpoint } from './add-checkpoint';
import type { WitnessRefusalCode } from './errors';

/**
 * The witness's one decision, free of I/O: cosign a checkpoint or refuse it.
 * It follows C2SP tlog-witness add-checkpoint, with refusals as values (the
 * caller alerts and stops following the log; there is no HTTP client to answer).
 */

/** A checkpoint whose log signature has been checked (see CheckpointOpener). */
export interface OpenedCheckpoint {
  origin: string;
  size: number;
  root: Buffer;
  /** The signed text (origin, size, root, extension lines), what a cosignature covers. */
  body: Buffer;
}

/** Opens a note with the log's trusted key(s): the checkpoint, or why not (bad shape, no valid signature). */
export type CheckpointOpener = (note: Buffer) => OpenedCheckpoint | { code: 'WITNESS_MALFORMED' | 'WITNESS_BAD_SIGNATURE'; message: string };

/** What the witness last cosigned for one origin. A log it never cosigned has size 0 and the empty root. */
export interface LogState {
  origin: string;
  size: number;
  root: Buffer;
}

export type Decision =
  | { cosign: true; checkpoint: OpenedCheckpoint; state: LogState }
  | { cosign: false; code: WitnessRefusalCode; message: string; origin: string | null; oldSize: number; newSize: number | null };

export const initialState = (origin: string): LogState => ({ origin, size: 0, root: emptyRoot() });

/**
 * @param state what the witness holds for the origin it expects (initialState for a new log)
 * @param open the log's trusted key(s): the witness trusts a configured key, never one from the log
 */
export function decide(state: LogState, request: AddCheckpoint, open: CheckpointOpener): Decision {
  const refuse = (code: WitnessRefusalCode, message: string, cp?: OpenedCheckpoint): Decision => ({
    cosign: false,
    code,
    message,
    origin: cp?.origin ?? null,
    oldSize: request.oldSize,
    newSize: cp?.size ?? null,
  });
  const cp = open(request.note);
  if ('code' in cp) return refuse(cp.code, cp.message);
  if (cp.origin !== state.origin)
    return refuse('WITNESS_UNKNOWN_ORIGIN', `the checkpoint's origin ${JSON.stringify(cp.origin)} is not ${JSON.stringify(state.origin)}`, cp);
  if (cp.size < state.size) return refuse('WITNESS_ROLLBACK', `the checkpoint has ${cp.size} leaves, fewer than the ${state.size} this witness cosigned`, cp);
  if (request.oldSize > cp.size) return refuse('WITNESS_MALFORMED', `old size ${request.oldSize} is larger than the checkpoint's ${cp.size}`, cp);
  if (request.oldSize !== state.size)
    return refuse('WITNESS_CONFLICT', `the request extends size ${request.oldSize}, this witness last cosigned size ${state.size}`, cp);
  if (request.oldSize === 0 && request.proof.length > 0) return refuse('WITNESS_MALFORMED', 'a request from size 0 carries no proof', cp);
  const verdict = checkConsistency(state.size, cp.size, state.root, cp.root, request.proof);
  if (!verdict.ok) return refuse('WITNESS_INCONSISTENT', `${verdict.reason}: ${verdict.message}`, cp);
  return { cosign: true, checkpoint: cp, state: { origin: cp.origin, size: cp.size, root: cp.root } };
}
