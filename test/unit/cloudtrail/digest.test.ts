import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BucketDigestLookup, parseDigestFile, type TrailObjects } from '../../../lib/cloudtrail/digest';
import { FIXTURE_BUCKET_DIR, fixtureBody, manifest } from './fixtures';

/** The fixture folder as a bucket, counting reads so caching is visible. */
function fixtureObjects(): TrailObjects & { gets: number; lists: number } {
  const keys: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else keys.push(relative(FIXTURE_BUCKET_DIR, p).split(sep).join('/'));
    }
  };
  walk(FIXTURE_BUCKET_DIR);
  const o = {
    gets: 0,
    lists: 0,
    async *list(prefix: string) {
      o.lists++;
      for (const k of keys.sort()) if (k.startsWith(prefix)) yield k;
    },
    async get(key: string) {
      o.gets++;
      return fixtureBody(key);
    },
  };
  return o;
}

describe('CloudTrail digest files', () => {
  it('parses the log files a digest lists with their hashes', () => {
    const d = parseDigestFile(fixtureBody(manifest.digest));
    expect(d.digestEndTime).toBe('2024-08-01T13:00:00Z');
    expect(d.logFiles.map((f) => [f.s3Object, f.hashValue])).toEqual(manifest.files.slice(0, 2).map((f) => [f.key, f.sha256]));
  });

  it('finds the hash CloudTrail recorded for a log file, and nothing for files or buckets it does not list', async () => {
    const objects = fixtureObjects();
    const lookup = new BucketDigestLookup(objects);
    const [first, second, other] = manifest.files;
    expect(await lookup.hashFor(manifest.trailBucket, first.key)).toEqual({ sha256: first.sha256, digestKey: manifest.digest });
    expect(await lookup.hashFor(manifest.trailBucket, second.key)).toEqual({ sha256: second.sha256, digestKey: manifest.digest });
    expect(await lookup.hashFor('another-bucket', first.key)).toBeNull();
    expect(await lookup.hashFor(manifest.trailBucket, other.key)).toBeNull();
    expect(await lookup.hashFor(manifest.trailBucket, 'not/a/trail/key.json.gz')).toBeNull();
    // One read of the digest however many files it covers.
    expect(objects.gets).toBe(1);
  });

  it('ignores digests whose end time cannot cover the file', async () => {
    const objects = fixtureObjects();
    const late = manifest.files[0].key.replace('20240801T1205Z', '20240801T0805Z');
    expect(await new BucketDigestLookup(objects).hashFor(manifest.trailBucket, late)).toBeNull();
    expect(objects.gets).toBe(0);
  });

  it('treats a damaged digest as no evidence', async () => {
    const objects = fixtureObjects();
    objects.get = async () => gzipSync('{"notADigest":true}');
    expect(await new BucketDigestLookup(objects).hashFor(manifest.trailBucket, manifest.files[0].key)).toBeNull();
  });
});
