import { inspect } from 'node:util';
import { ImmutrailError } from '../core/errors';
import { EXIT, UsageError } from './errors';

/** Node's codes for a network that is down or a host that does not answer. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
/** Node's codes for a path the user gave that cannot be read or written. */
const PATH_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS']);
/** SDK errors raised before AWS answers: no credentials, no region, no answer in time. */
const SDK_CLIENT_ERRORS = new Set(['CredentialsProviderError', 'TokenProviderError', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * The environment, not immutrail, is at fault: AWS answered with an error
 * (access denied, no such bucket; the SDK attaches `$metadata` to every service
 * error), the SDK found no credentials, the network failed, or a path cannot be
 * used. Duck-typed so that the CLI's error handling loads no SDK client.
 */
export function isUnreachable(err: unknown, depth = 0): boolean {
  if (!isObject(err) || depth > 4) return false;
  if (isObject(err.$metadata)) return true;
  if (typeof err.name === 'string' && SDK_CLIENT_ERRORS.has(err.name)) return true;
  if (typeof err.code === 'string' && (NETWORK_CODES.has(err.code) || PATH_CODES.has(err.code))) return true;
  return isUnreachable(err.cause, depth + 1);
}

/** What an internal error is called in its one line: its stable code, else its class. */
function errorLabel(err: unknown): string {
  if (err instanceof ImmutrailError) return err.code;
  if (err instanceof Error) return err.name;
  return typeof err;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/**
 * Prints why a command failed and returns its exit code. Bad usage and an
 * unreachable archive exit 2 (the user can fix them); anything else is a bug
 * and exits 3, so that it never reads as "archive unreachable". One line
 * either way; `debug` adds the stack and causes (of any error, usage included).
 */
export function errorExit(err: unknown, debug: boolean, write: (text: string) => void): number {
  const usage = err instanceof UsageError || isUnreachable(err);
  write(usage ? `immutrail: ${messageOf(err)}\n` : `immutrail: internal error (${errorLabel(err)}): ${oneLine(messageOf(err))}\n`);
  if (debug) write(`${inspect(err, { depth: 4 })}\n`);
  return usage ? EXIT.USAGE : EXIT.INTERNAL;
}
