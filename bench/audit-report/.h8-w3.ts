// temporary (h8)
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { directoryArchiveSource } from '../../lib/query/archive-source';
async function main(): Promise<void> {
  const dir = process.argv[2];
  const src = directoryArchiveSource(dir);
  const keys = (await src.listKeys()).filter((k) => k.endsWith('.ndjson'));
  const cpu = () => { const u = process.cpuUsage(); return [(u.user / 1e6).toFixed(2), (u.system / 1e6).toFixed(2)]; };
  console.log('before', cpu());
  const t0 = performance.now();
  const fh = await open('/tmp/h8/w3.ndjson', 'w');
  let next = 0; let chain: Promise<unknown> = Promise.resolve();
  const w = async () => { while (next < keys.length) { const k = keys[next++]; const b = await readFile(join(dir, k));
    const tag = Buffer.from(`{"immutrail:object_key":${JSON.stringify(k)},`);
    const parts: Buffer[] = []; let s = 0;
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, s)) { parts.push(tag, b.subarray(s + 1, i + 1)); s = i + 1; }
    const p = chain.then(() => fh.writev(parts)); chain = p; await p; } };
  await Promise.all(Array.from({ length: 32 }, w));
  await fh.close();
  console.log('bytes', 'cpu', cpu(), 'wall', ((performance.now() - t0) / 1000).toFixed(2));
}
void main();
