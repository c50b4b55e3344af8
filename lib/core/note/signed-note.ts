import { NoteError } from './errors';

/**
 * C2SP signed-note (c2sp.org/signed-note): a text ending in a newline, a blank
 * line, then one or more lines "— <key name> <base64(key id[4] || signature)>".
 * This module only reads and writes the bytes; verifier.ts checks signatures.
 */
export interface NoteSignature {
  keyName: string;
  /** The 4-byte key ID (big-endian uint32 on the wire). */
  keyId: Buffer;
  signature: Buffer;
}

export interface SignedNote {
  /** The signed text, including its final newline and excluding the blank separator line. */
  text: Buffer;
  signatures: NoteSignature[];
  /** The whole note as given. */
  note: Buffer;
}

/** C2SP requires accepting at least 16; Go's sumdb/note refuses more than 100, and so do we. */
export const MAX_SIGNATURES = 100;

const EM_DASH = '\u2014 ';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Control characters other than newline, anywhere in the note.
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

const malformed = (why: string): NoteError => new NoteError('NOTE_MALFORMED', `malformed note: ${why}`);

/** Key names are non-empty and hold no Unicode space and no "+" (which separates the parts of a verifier key). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

/** Strict RFC 4648 base64 with padding: one spelling per byte string, so a note has one meaning. */
export function decodeBase64(s: string): Buffer | null {
  return BASE64.test(s) ? Buffer.from(s, 'base64') : null;
}

function decodeUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw malformed('not valid UTF-8');
  }
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(EM_DASH)) throw malformed(`"${line}" is not a signature line`);
  const parts = line.slice(EM_DASH.length).split(' ');
  if (parts.length !== 2 || !isValidKeyName(parts[0])) throw malformed(`bad signature line "${line}"`);
  const raw = decodeBase64(parts[1]);
  if (raw === null || raw.length < 5) throw malformed(`bad signature encoding on "${line}"`);
  return { keyName: parts[0], keyId: raw.subarray(0, 4), signature: raw.subarray(4) };
}

/** Splits a note into its text and signature lines. Signatures are not checked here. */
export function parseNote(note: Buffer): SignedNote {
  const s = decodeUtf8(note);
  if (CONTROL.test(s)) throw malformed('contains a control character');
  // The text ends at the last blank line; signature lines never contain one.
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const sigBlock = s.slice(split + 2);
  if (!sigBlock.endsWith('\n')) throw malformed('the last signature line does not end with a newline');
  const lines = sigBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map(parseSignatureLine);
  return { text: Buffer.from(s.slice(0, split + 1), 'utf8'), signatures, note };
}

/** The note bytes: text, blank line, one line per signature. */
export function assembleNote(text: Buffer, signatures: readonly NoteSignature[]): Buffer {
  if (text.length === 0 || text[text.length - 1] !== 0x0a) throw malformed('the text must end with a newline');
  const lines = signatures.map((sig) => {
    if (!isValidKeyName(sig.keyName) || sig.keyId.length !== 4) throw malformed(`bad signer "${sig.keyName}"`);
    return `${EM_DASH}${sig.keyName} ${Buffer.concat([sig.keyId, sig.signature]).toString('base64')}\n`;
  });
  return Buffer.concat([text, Buffer.from('\n' + lines.join(''), 'utf8')]);
}
