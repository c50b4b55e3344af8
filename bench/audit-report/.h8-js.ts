// temporary (h8)
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const files = readdirSync(join(dir, 'records'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
const bodies = files.map((f) => readFileSync(f, 'utf-8'));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
for (const mode of ['split', 'parse', 'wrap', 'parse+wrap', 'split', 'parse', 'wrap', 'parse+wrap']) {
  const c0 = cpu(); let n = 0; let len = 0;
  for (const b of bodies) {
    let text = '';
    for (const line of b.split('\n')) { if (!line) continue; n++; if (mode.includes('parse')) JSON.parse(line); if (mode.includes('wrap')) text += `{"key":"x","record":${line}}\n`; }
    len += text.length;
  }
  console.log(mode.padEnd(12), n, ((cpu() - c0) * 1e6 / n).toFixed(1), 'us/line');
}
