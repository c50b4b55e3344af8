import type { ResourceRef } from '../normalized';
import { resourceFromArn } from './arn';

// A pathological event (a Describe* response listing thousands of instances) must
// not turn into thousands of index rows; the raw event keeps everything anyway.
export const MAX_RESOURCES = 200;

/** Resources of one event, deduplicated by (type, id), in first-seen order. */
export class ResourceSet {
  private readonly byKey = new Map<string, ResourceRef>();

  add(type: string, id: string, arn: string | null = null): void {
    if (id === '') return;
    const key = `${type}\u0000${id}`;
    const seen = this.byKey.get(key);
    if (seen !== undefined) {
      if (seen.arn === null && arn !== null) seen.arn = arn;
      return;
    }
    if (this.byKey.size >= MAX_RESOURCES) return;
    this.byKey.set(key, { type, id, arn });
  }

  /** Adds the resource an ARN names; returns false when the string is not an ARN. */
  addArn(arn: string): boolean {
    const ref = resourceFromArn(arn);
    if (ref === null) return false;
    this.add(ref.type, ref.id, ref.arn);
    return true;
  }

  list(): ResourceRef[] {
    return [...this.byKey.values()];
  }
}
