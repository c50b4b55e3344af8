import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SigmaRuleError } from './errors';
import { compileSigmaRule, type SigmaRule } from './rule';

/** The project's own rules (a copy of SigmaHQ's CloudTrail rules), from the repository root. */
export const DEFAULT_SIGMA_RULE_DIR = resolve(__dirname, '../../../../rules/sigma');

export interface SigmaRuleFolder {
  dir: string;
  origin: 'project' | 'user';
}

export interface SigmaLoadResult {
  /** Sorted by id: the order the detector evaluates and reports them in. */
  rules: SigmaRule[];
  /** Every rule file that could not be used, with the reason. */
  rejected: SigmaRuleError[];
}

/** Parses and compiles one rule file's text. */
export function parseSigmaRule(text: string, file: string, origin = 'user'): SigmaRule {
  const docs = parseAllDocuments(text, { prettyErrors: false });
  if (docs.length === 0) throw new SigmaRuleError('SIGMA_YAML_INVALID', file, 'the file holds no YAML document');
  if (docs.length !== 1) {
    throw new SigmaRuleError('SIGMA_UNSUPPORTED', file, `${docs.length} YAML documents in one file`, 'multi-document YAML');
  }
  const doc = docs[0]!;
  if (doc.errors.length > 0) throw new SigmaRuleError('SIGMA_YAML_INVALID', file, doc.errors[0]!.message);
  return compileSigmaRule(doc.toJS(), file, origin);
}

function ruleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/i.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * Loads every *.yml / *.yaml rule under the folders, in order. A rule with the
 * same id as one from an earlier folder replaces it (a user folder can
 * override a project rule); two rules with one id in the same folder are an
 * error. A folder that does not exist is a configuration error and throws.
 */
export function loadSigmaRules(folders: readonly SigmaRuleFolder[]): SigmaLoadResult {
  const byId = new Map<string, SigmaRule>();
  const rejected: SigmaRuleError[] = [];
  for (const { dir, origin } of folders) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new SigmaRuleError('SIGMA_DIR_MISSING', dir, 'rule folder does not exist');
    }
    const seenHere = new Map<string, string>();
    for (const path of ruleFiles(dir)) {
      const file = relative(dir, path).split(sep).join('/');
      try {
        const rule = parseSigmaRule(readFileSync(path, 'utf8'), file, origin);
        const dup = seenHere.get(rule.id);
        if (dup !== undefined) {
          rejected.push(new SigmaRuleError('SIGMA_DUPLICATE_ID', file, `id ${rule.id} is already used by ${dup}`));
          continue;
        }
        seenHere.set(rule.id, file);
        byId.set(rule.id, rule);
      } catch (e) {
        if (e instanceof SigmaRuleError) rejected.push(e);
        else throw e;
      }
    }
  }
  const rules = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { rules, rejected };
}
