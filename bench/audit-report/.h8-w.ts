// temporary (h8)
import { createWriteStream } from 'node:fs';
import { directoryArchiveSource } from '../../lib/query/archive-source';
async function main(): Promise<void> {
  const src = directoryArchiveSource(process.argv[2]);
  const mode = process.argv[3];
  const keys = (await src.listKeys()).filter((k) => k.endsWith('.ndjson'));
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const c0 = cpu(), t0 = performance.now();
  const out = mode.includes('write') ? createWriteStream('/tmp/h8/w.ndjson') : null;
  let next = 0, n = 0;
  const worker = async () => { while (next < keys.length) { const k = keys[next++]; const body = await src.read(k); if (mode.includes('wrap')) { let text = ''; const kj = JSON.stringify(k); for (const line of body.split('\n')) { if (!line) continue; n++; if (mode.includes('parse')) JSON.parse(line); text += `{"key":${kj},"record":${line}}\n`; } if (out && !out.write(text)) await new Promise((r) => out.once('drain', r)); } } };
  await Promise.all(Array.from({ length: 32 }, worker));
  if (out) await new Promise((r) => out.end(r));
  console.log(mode, n, 'cpu', (cpu() - c0).toFixed(2), 'wall', ((performance.now() - t0) / 1000).toFixed(2));
}
void main();
