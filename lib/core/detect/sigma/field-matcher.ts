import { BlockList, isIP } from 'node:net';
import type { JsonValue } from '../../json';
import { SigmaCompileError, unsupported } from './errors';
import { fieldValues, scalarStrings } from './field-path';
import { escapeRegExp, parseWildcards, piecesToRegExp, type Piece } from './wildcard';

/** A compiled `field|modifiers: value(s)` item of a search identifier. */
export type RecordPredicate = (record: JsonValue) => boolean;

type Transform = 'contains' | 'startswith' | 'endswith';
type Compare = 'lt' | 'lte' | 'gt' | 'gte';

const TRANSFORMS: readonly string[] = ['contains', 'startswith', 'endswith'];
const COMPARES: readonly string[] = ['lt', 'lte', 'gt', 'gte'];
const REGEX_FLAGS: readonly string[] = ['i', 'm', 's'];
export const SUPPORTED_MODIFIERS: readonly string[] = [...TRANSFORMS, 'all', 'cased', 're', ...REGEX_FLAGS, 'cidr', ...COMPARES, 'exists', 'fieldref'];

/** Sigma modifiers that exist but are not implemented, with why they do not apply here. */
const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  base64: 'base64-encoded matching is not implemented',
  base64offset: 'base64-offset matching is not implemented',
  wide: 'UTF-16 matching is not implemented (CloudTrail is JSON text)',
  utf16: 'UTF-16 matching is not implemented (CloudTrail is JSON text)',
  utf16le: 'UTF-16 matching is not implemented (CloudTrail is JSON text)',
  utf16be: 'UTF-16 matching is not implemented (CloudTrail is JSON text)',
  windash: 'Windows command-line dash variants do not apply to CloudTrail',
  expand: 'placeholder expansion needs a pipeline configuration, which this engine does not have',
  minute: 'time part modifiers are not implemented',
  hour: 'time part modifiers are not implemented',
  day: 'time part modifiers are not implemented',
  week: 'time part modifiers are not implemented',
  month: 'time part modifiers are not implemented',
  year: 'time part modifiers are not implemented',
};

type Scalar = string | number | boolean | null;

interface Modifiers {
  transform: Transform | null;
  all: boolean;
  cased: boolean;
  re: boolean;
  reFlags: string;
  cidr: boolean;
  compare: Compare | null;
  exists: boolean;
  fieldref: boolean;
}

function parseModifiers(field: string, mods: readonly string[]): Modifiers {
  const m: Modifiers = { transform: null, all: false, cased: false, re: false, reFlags: '', cidr: false, compare: null, exists: false, fieldref: false };
  const seen = new Set<string>();
  for (const mod of mods) {
    if (seen.has(mod)) throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}" repeats modifier "${mod}"`);
    seen.add(mod);
    if (KNOWN_UNSUPPORTED[mod]) throw unsupported(`modifier "${mod}"`, `${KNOWN_UNSUPPORTED[mod]} (field "${field}")`);
    if (!SUPPORTED_MODIFIERS.includes(mod)) {
      throw unsupported(`modifier "${mod}"`, `unknown modifier on field "${field}"; supported: ${SUPPORTED_MODIFIERS.join(', ')}`);
    }
    if (TRANSFORMS.includes(mod)) {
      if (m.transform) throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}" combines "${m.transform}" and "${mod}"`);
      m.transform = mod as Transform;
    } else if (COMPARES.includes(mod)) {
      if (m.compare) throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}" combines "${m.compare}" and "${mod}"`);
      m.compare = mod as Compare;
    } else if (REGEX_FLAGS.includes(mod)) {
      m.reFlags += mod;
    } else if (mod === 'all') m.all = true;
    else if (mod === 'cased') m.cased = true;
    else if (mod === 're') m.re = true;
    else if (mod === 'cidr') m.cidr = true;
    else if (mod === 'exists') m.exists = true;
    else if (mod === 'fieldref') m.fieldref = true;
  }
  const kinds = [m.re, m.cidr, m.compare !== null, m.exists, m.fieldref || m.transform !== null].filter(Boolean).length;
  if (kinds > 1) throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}" combines incompatible modifiers: ${mods.join('|')}`);
  if (m.reFlags && !m.re) throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}": modifiers i/m/s only apply to "re"`);
  if (m.cased && (m.re || m.cidr || m.compare || m.exists)) {
    throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}": "cased" only applies to string matching`);
  }
  return m;
}

function valueList(field: string, value: unknown): Scalar[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}" has an empty value list`);
  for (const v of list) {
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
      throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}" has a value that is not a string, number, boolean or null`);
    }
  }
  return list as Scalar[];
}

type ValueTest = (values: JsonValue[], record: JsonValue) => boolean;

function wrapPieces(pieces: Piece[], transform: Transform | null): Piece[] {
  const any: Piece = { any: true };
  if (transform === 'contains') return [any, ...pieces, any];
  if (transform === 'startswith') return [...pieces, any];
  if (transform === 'endswith') return [any, ...pieces];
  return pieces;
}

function stringTest(field: string, v: Scalar, m: Modifiers): ValueTest {
  if (v === null) {
    if (m.transform || m.re || m.cidr || m.compare || m.fieldref) {
      throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}": null cannot be combined with modifiers`);
    }
    // null: the field is absent or null.
    return (values) => values.every((x) => x === null);
  }
  if (m.exists) {
    if (typeof v !== 'boolean') throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}|exists" needs true or false`);
    return (values) => values.some((x) => x !== null) === v;
  }
  if (m.re) {
    if (typeof v !== 'string') throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}|re" needs a string`);
    let re: RegExp;
    try {
      re = new RegExp(v, m.reFlags);
    } catch (e) {
      throw unsupported(`regular expression ${JSON.stringify(v)}`, `field "${field}": ${(e as Error).message}`);
    }
    return (values) => scalarStrings(values).some((s) => re.test(s));
  }
  if (m.cidr) {
    if (typeof v !== 'string') throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}|cidr" needs a CIDR string`);
    const [net, bits, ...rest] = v.split('/');
    const family = isIP(net ?? '');
    const prefix = Number(bits);
    if (family === 0 || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}|cidr": "${v}" is not a CIDR range`);
    }
    const list = new BlockList();
    list.addSubnet(net!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return (values) =>
      scalarStrings(values).some((s) => {
        const f = isIP(s);
        return f !== 0 && list.check(s, f === 4 ? 'ipv4' : 'ipv6');
      });
  }
  if (m.compare) {
    if (typeof v !== 'number') throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}|${m.compare}" needs a number`);
    const cmp = m.compare;
    return (values) =>
      scalarStrings(values).some((s) => {
        if (s.trim() === '') return false;
        const n = Number(s);
        if (Number.isNaN(n)) return false;
        return cmp === 'lt' ? n < v : cmp === 'lte' ? n <= v : cmp === 'gt' ? n > v : n >= v;
      });
  }
  if (m.fieldref) {
    if (typeof v !== 'string') throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}|fieldref" needs a field name`);
    const other = v;
    const transform = m.transform;
    const flags = m.cased ? '' : 'i';
    return (values, record) => {
      const refs = scalarStrings(fieldValues(record, other));
      const mine = scalarStrings(values);
      return refs.some((r) => {
        const body = escapeRegExp(r);
        const src = transform === 'contains' ? body : transform === 'startswith' ? `^${body}` : transform === 'endswith' ? `${body}$` : `^${body}$`;
        const re = new RegExp(src, flags);
        return mine.some((s) => re.test(s));
      });
    };
  }
  const pattern = piecesToRegExp(wrapPieces(parseWildcards(String(v)), m.transform), m.cased);
  return (values) => scalarStrings(values).some((s) => pattern.test(s));
}

/** Compiles one `field|mod|mod: value-or-list` entry of a search map. */
export function compileFieldItem(key: string, value: unknown): RecordPredicate {
  const [field, ...mods] = key.split('|');
  if (field === undefined || field === '') {
    throw unsupported('keyword search', `"${key}" has no field name; field-less (keyword) searches are not supported`);
  }
  const m = parseModifiers(field, mods);
  const values = valueList(field, value);
  if (m.exists && values.length !== 1) throw new SigmaCompileError('SIGMA_RULE_INVALID', `field "${field}|exists" takes one value`);
  const tests = values.map((v) => stringTest(field, v, m));
  return (record) => {
    const vals = fieldValues(record, field);
    return m.all ? tests.every((t) => t(vals, record)) : tests.some((t) => t(vals, record));
  };
}
