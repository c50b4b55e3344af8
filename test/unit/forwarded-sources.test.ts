import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { TAMPER_ACTIONS } from '../../lib/core/detect/auditor-tampering';
import { DRIFT_ACTIONS } from '../../lib/core/detect/drift';
import { validateApiCallSources } from '../../lib/contract/event-patterns';
import { ANY_SERVICE_SIGMA_RULES, SIGMA_EVENT_NAME_SERVICES, SIGMA_RULE_SERVICES, forwardedEventSources } from '../../lib/construct/forwarded-sources';

const RULE_DIRS = ['rules/sigma', 'rules/immutrail'].map((d) => resolve(__dirname, '../..', d));
const ruleFiles = RULE_DIRS.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(d, f)),
);

/** Every value of a detection field named `field` (with or without Sigma modifiers), anywhere in the rule's detection. */
function fieldValues(node: unknown, field: string): string[] {
  if (Array.isArray(node)) return node.flatMap((n) => fieldValues(n, field));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([k, v]) =>
    k.split('|')[0] === field ? [v].flat().filter((x): x is string => typeof x === 'string') : fieldValues(v, field),
  );
}

const forwarded = new Set(forwardedEventSources());

// Issue 14: a member forwards only what the detectors need within seconds; everything else comes by the trail lane.
describe('forwardedEventSources', () => {
  it('is a sorted list of valid, distinct CloudTrail eventSources', () => {
    const list = forwardedEventSources();
    expect(list).toEqual([...new Set(list)].sort());
    expect(() => validateApiCallSources(list)).not.toThrow();
    expect(list.length).toBeGreaterThan(10);
  });

  it("includes the service of every call the drift and auditor-tampering detectors look at, and the launches'", () => {
    const keys = [...Object.keys(DRIFT_ACTIONS), ...Object.keys(TAMPER_ACTIONS)];
    const launchTable = /const SCOPE_TYPE[^}]*}/.exec(readFileSync(resolve(__dirname, '../../lib/core/detect/unsigned-launch.ts'), 'utf8'))![0];
    keys.push(...[...launchTable.matchAll(/'([a-z0-9-]+:[A-Za-z]+)'/g)].map((m) => m[1]));
    expect(keys.length).toBeGreaterThan(100);
    const missing = keys.filter((k) => !forwarded.has(`${k.split(':')[0]}.amazonaws.com`));
    expect(missing).toEqual([]);
  });

  it('includes every eventSource a rule under rules/ names, and the service of each rule that names only an eventName', () => {
    expect(ruleFiles.length).toBeGreaterThan(50);
    const problems: string[] = [];
    for (const file of ruleFiles) {
      const detection = (parse(readFileSync(file, 'utf8')) as { detection: unknown }).detection;
      const sources = fieldValues(detection, 'eventSource');
      for (const s of sources) if (!forwarded.has(s)) problems.push(`${basename(file)}: ${s}`);
      if (sources.length > 0 || ANY_SERVICE_SIGMA_RULES.includes(basename(file, '.yml'))) continue;
      const names = fieldValues(detection, 'eventName');
      if (names.length === 0) problems.push(`${basename(file)}: neither eventSource nor eventName; list it in ANY_SERVICE_SIGMA_RULES or forward its service`);
      for (const n of names) {
        const service = SIGMA_EVENT_NAME_SERVICES[n];
        if (!service || !forwarded.has(`${service}.amazonaws.com`)) problems.push(`${basename(file)}: eventName ${n} has no forwarded service`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('lists no Sigma service or any-service rule that no rule needs any more', () => {
    const named = new Set(
      ruleFiles
        .flatMap((f) => fieldValues((parse(readFileSync(f, 'utf8')) as { detection: unknown }).detection, 'eventSource'))
        .map((s) => s.replace(/\.amazonaws\.com$/, '')),
    );
    expect(SIGMA_RULE_SERVICES.filter((s) => !named.has(s))).toEqual([]);
    const files = new Set(ruleFiles.map((f) => basename(f, '.yml')));
    expect(ANY_SERVICE_SIGMA_RULES.filter((r) => !files.has(r))).toEqual([]);
  });

  it('finds a missing source (the check reads the rules, it cannot pass by reading nothing)', () => {
    expect(fieldValues({ sel: { 'eventSource|endswith': ['x.amazonaws.com'], other: { eventSource: 'y.amazonaws.com' } } }, 'eventSource')).toEqual([
      'x.amazonaws.com',
      'y.amazonaws.com',
    ]);
  });
});
