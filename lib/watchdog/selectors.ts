import type { AdvancedEventSelector, AdvancedFieldSelector, EventSelector } from '@aws-sdk/client-cloudtrail';

/** Whether a trail's selectors log management write events: the events immutrail exists to capture. */
export interface ManagementWriteCoverage {
  covered: 'all' | 'partial' | 'none';
  selectors: 'basic' | 'advanced' | 'none';
  /** Why coverage is partial: event sources left out (KMS, RDS Data API...), as CloudTrail states them. */
  exclusions: string[];
}

const WRITES = new Set(['All', 'WriteOnly']);

function intersect(lists: string[][]): string[] {
  if (lists.length === 0) return [];
  return lists.reduce((acc, l) => acc.filter((x) => l.includes(x)));
}

function basicCoverage(selectors: readonly EventSelector[]): ManagementWriteCoverage {
  // Absent fields take CloudTrail's defaults: management events included, ReadWriteType All.
  const covering = selectors.filter((s) => s.IncludeManagementEvents !== false && WRITES.has(s.ReadWriteType ?? 'All'));
  if (covering.length === 0) return { covered: 'none', selectors: 'basic', exclusions: [] };
  // Several selectors cover together: a source is left out only if every one of them excludes it.
  const exclusions = intersect(covering.map((s) => [...(s.ExcludeManagementEventSources ?? [])])).sort();
  return { covered: exclusions.length > 0 ? 'partial' : 'all', selectors: 'basic', exclusions };
}

/** True when a value passes one field selector (all of its conditions). */
export function fieldAllows(fs: AdvancedFieldSelector | undefined, value: string): boolean {
  if (!fs) return true;
  if (fs.Equals?.length && !fs.Equals.includes(value)) return false;
  if (fs.StartsWith?.length && !fs.StartsWith.some((p) => value.startsWith(p))) return false;
  if (fs.EndsWith?.length && !fs.EndsWith.some((p) => value.endsWith(p))) return false;
  if (fs.NotEquals?.includes(value)) return false;
  if (fs.NotStartsWith?.some((p) => value.startsWith(p))) return false;
  if (fs.NotEndsWith?.some((p) => value.endsWith(p))) return false;
  return true;
}

function sourceRestrictions(fs: AdvancedFieldSelector | undefined): string[] {
  if (!fs) return [];
  return [
    ...(fs.Equals ?? []).map((v) => `only ${v}`),
    ...(fs.StartsWith ?? []).map((v) => `only ${v}*`),
    ...(fs.EndsWith ?? []).map((v) => `only *${v}`),
    ...(fs.NotEquals ?? []),
    ...(fs.NotStartsWith ?? []).map((v) => `${v}*`),
    ...(fs.NotEndsWith ?? []).map((v) => `*${v}`),
  ];
}

function advancedCoverage(selectors: readonly AdvancedEventSelector[]): ManagementWriteCoverage {
  const restrictions: string[][] = [];
  for (const s of selectors) {
    const fields = new Map((s.FieldSelectors ?? []).map((f) => [f.Field ?? '', f]));
    const category = fields.get('eventCategory');
    // A selector without eventCategory is not valid for a trail; it selects no management events.
    if (!category || !fieldAllows(category, 'Management')) continue;
    if (!fieldAllows(fields.get('readOnly'), 'false')) continue;
    restrictions.push(sourceRestrictions(fields.get('eventSource')));
  }
  if (restrictions.length === 0) return { covered: 'none', selectors: 'advanced', exclusions: [] };
  if (restrictions.some((r) => r.length === 0)) return { covered: 'all', selectors: 'advanced', exclusions: [] };
  return { covered: 'partial', selectors: 'advanced', exclusions: [...new Set(restrictions.flat())].sort() };
}

/** Reads GetEventSelectors' answer: a trail uses either basic or advanced selectors. */
export function managementWriteCoverage(resp: { EventSelectors?: EventSelector[]; AdvancedEventSelectors?: AdvancedEventSelector[] }): ManagementWriteCoverage {
  if (resp.AdvancedEventSelectors && resp.AdvancedEventSelectors.length > 0) return advancedCoverage(resp.AdvancedEventSelectors);
  if (resp.EventSelectors && resp.EventSelectors.length > 0) return basicCoverage(resp.EventSelectors);
  return { covered: 'none', selectors: 'none', exclusions: [] };
}
