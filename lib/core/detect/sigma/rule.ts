import type { Severity } from '../../alert';
import type { JsonValue } from '../../json';
import { isObject } from '../../json-access';
import { evaluateCondition, parseCondition, type ConditionNode } from './condition';
import { SigmaCompileError, SigmaRuleError, unsupported } from './errors';
import { compileFieldItem, type RecordPredicate } from './field-matcher';

export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';

/** A Sigma rule compiled to a matcher over one raw CloudTrail record. */
export interface SigmaRule {
  /** The rule's `id` (a UUID), or `sigma:<file name>` for rules without one. */
  id: string;
  title: string;
  level: SigmaLevel;
  severity: Severity;
  status: string | null;
  description: string | null;
  tags: string[];
  /** Path of the rule file relative to its folder, e.g. "aws_cloudtrail_disable_logging.yml". */
  file: string;
  /** Which folder it came from: "project" (rules/sigma) or "user". */
  origin: string;
  matches(record: JsonValue): boolean;
}

const LEVELS: readonly SigmaLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];

/** Rules without a level are treated as medium: worth a look, not a page. */
export const DEFAULT_LEVEL: SigmaLevel = 'medium';

export function severityOfLevel(level: SigmaLevel): Severity {
  return level === 'informational' ? 'low' : level;
}

function compileSearch(name: string, value: unknown): RecordPredicate {
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) throw new SigmaCompileError('SIGMA_RULE_INVALID', `search identifier "${name}" is an empty map`);
    const items = entries.map(([k, v]) => compileFieldItem(k, v));
    return (record) => items.every((p) => p(record));
  }
  if (Array.isArray(value) && value.length > 0 && value.every(isObject)) {
    const alternatives = value.map((m, i) => compileSearch(`${name}[${i}]`, m));
    return (record) => alternatives.some((p) => p(record));
  }
  if (Array.isArray(value) && value.length > 0 && value.every((v) => !isObject(v) && !Array.isArray(v))) {
    throw unsupported('keyword search', `search identifier "${name}" is a list of plain values (field-less keywords)`);
  }
  if (typeof value === 'string' || typeof value === 'number') {
    throw unsupported('keyword search', `search identifier "${name}" is a plain value (field-less keyword)`);
  }
  throw new SigmaCompileError('SIGMA_RULE_INVALID', `search identifier "${name}" must be a map or a list of maps`);
}

function conditionText(v: unknown): string {
  if (typeof v === 'string' && v.trim() !== '') return v;
  // Old-style lists of conditions mean any of them.
  if (Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === 'string' && c.trim() !== '')) {
    return v.map((c) => `(${c as string})`).join(' or ');
  }
  throw new SigmaCompileError('SIGMA_RULE_INVALID', 'detection.condition must be a non-empty string');
}

function optionalString(doc: Record<string, unknown>, key: string): string | null {
  const v = doc[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new SigmaCompileError('SIGMA_RULE_INVALID', `"${key}" must be a string`);
  return v;
}

function ruleBody(doc: unknown, file: string, origin: string): SigmaRule {
  if (!isObject(doc)) throw new SigmaCompileError('SIGMA_RULE_INVALID', 'a rule must be a YAML map');
  if (doc.action !== undefined) throw unsupported('rule collection', `"action: ${String(doc.action)}" documents are not supported`);
  if (doc.correlation !== undefined || doc.type === 'correlation') {
    throw unsupported('correlation rule', 'correlation rules need state across events');
  }
  if (doc.filter !== undefined && doc.detection === undefined) throw unsupported('filter rule', 'Sigma filters are not supported');
  const title = optionalString(doc, 'title');
  if (!title) throw new SigmaCompileError('SIGMA_RULE_INVALID', 'missing "title"');
  const status = optionalString(doc, 'status');
  if (status === 'unsupported') throw unsupported('status "unsupported"', 'the rule declares itself unusable as is');

  const logsource = doc.logsource;
  if (!isObject(logsource)) throw new SigmaCompileError('SIGMA_RULE_INVALID', 'missing "logsource"');
  const product = String(logsource.product ?? '').toLowerCase();
  const service = String(logsource.service ?? '').toLowerCase();
  if (product !== 'aws' || service !== 'cloudtrail') {
    throw new SigmaCompileError('SIGMA_LOGSOURCE', `logsource product "${product}" service "${service}" is not product aws, service cloudtrail`);
  }

  const level = doc.level === undefined || doc.level === null ? DEFAULT_LEVEL : doc.level;
  if (typeof level !== 'string' || !LEVELS.includes(level as SigmaLevel)) {
    throw new SigmaCompileError('SIGMA_RULE_INVALID', `level ${JSON.stringify(level)} is not one of ${LEVELS.join(', ')}`);
  }

  const detection = doc.detection;
  if (!isObject(detection)) throw new SigmaCompileError('SIGMA_RULE_INVALID', 'missing "detection"');
  if (detection.timeframe !== undefined) throw unsupported('timeframe', 'time windows need state across events');
  const condition = conditionText(detection.condition);
  const searches = new Map<string, RecordPredicate>();
  for (const [name, value] of Object.entries(detection)) {
    if (name === 'condition') continue;
    searches.set(name, compileSearch(name, value));
  }
  const tree: ConditionNode = parseCondition(condition, [...searches.keys()]);

  const id = optionalString(doc, 'id') ?? `sigma:${file.replace(/^.*\//, '').replace(/\.ya?ml$/i, '')}`;
  const tags = Array.isArray(doc.tags) ? doc.tags.filter((t): t is string => typeof t === 'string') : [];
  return {
    id,
    title,
    level: level as SigmaLevel,
    severity: severityOfLevel(level as SigmaLevel),
    status,
    description: optionalString(doc, 'description'),
    tags,
    file,
    origin,
    matches(record) {
      // Each search identifier is evaluated at most once per record.
      const memo = new Map<string, boolean>();
      return evaluateCondition(tree, (name) => {
        let hit = memo.get(name);
        if (hit === undefined) {
          hit = searches.get(name)!(record);
          memo.set(name, hit);
        }
        return hit;
      });
    },
  };
}

/** Compiles a parsed rule document; every failure is a SigmaRuleError naming the file. */
export function compileSigmaRule(doc: unknown, file: string, origin = 'user'): SigmaRule {
  try {
    return ruleBody(doc, file, origin);
  } catch (e) {
    if (e instanceof SigmaCompileError) throw new SigmaRuleError(e.code, file, e.reason, e.construct);
    throw e;
  }
}
