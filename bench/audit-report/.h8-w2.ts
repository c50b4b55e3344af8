// temporary (h8)
import { directoryArchiveSource } from '../../lib/query/archive-source';
import { keyedLines, writeLinesFile } from '../../lib/query/archive-lines-file';
async function main(): Promise<void> {
  const src = directoryArchiveSource(process.argv[2]);
  const mode = process.argv[3];
  const keys = (await src.listKeys()).filter((k) => k.endsWith('.ndjson'));
  const cpu = () => { const u = process.cpuUsage(); return [(u.user / 1e6).toFixed(2), (u.system / 1e6).toFixed(2)]; };
  console.log('before', cpu());
  const t0 = performance.now();
  if (mode === 'full') await writeLinesFile(src, keys, '/tmp/h8/w.ndjson', { concurrency: Number(process.argv[4] ?? 32) });
  else { let next = 0; const w = async () => { while (next < keys.length) { const k = keys[next++]; const b = await src.read(k); if (mode === 'key') keyedLines(k, b); } }; await Promise.all(Array.from({ length: 32 }, w)); }
  console.log(mode, 'cpu', cpu(), 'wall', ((performance.now() - t0) / 1000).toFixed(2));
}
void main();
