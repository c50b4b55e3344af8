// temporary measurement script for helper h8 (deleted at the end)
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { RECORD_SCHEMA, duckdbType } from '../../lib/query/record-schema';
import { duckdbDialect, recordsPipeline, renderCtes } from '../../lib/query/records-relation';
async function main(): Promise<void> {
  const dir = process.argv[2];
  const variant = process.argv[3] ?? 'base';
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const mark = (() => { let t = performance.now(), c = cpu(); return (label: string) => { const t2 = performance.now(), c2 = cpu(); console.log(label.padEnd(24), ((t2 - t) / 1000).toFixed(2), 's wall', (c2 - c).toFixed(2), 's cpu', Math.round(process.memoryUsage().rss / 1048576), 'MB rss'); t = t2; c = c2; }; })();
  const files = readdirSync(join(dir, 'records'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  let text = '';
  const parts: string[] = [];
  for (const f of files) {
    const key = f.slice(dir.length + 1);
    const body = readFileSync(f, 'utf-8');
    for (const line of body.split('\n')) { if (line === '') continue; if (variant.includes('parse')) JSON.parse(line); parts.push(`{"key":${JSON.stringify(key)},"record":${line}}\n`); }
  }
  text = parts.join('');
  mark('read+wrap');
  writeFileSync('/tmp/h8/wrapped.ndjson', text);
  mark('write');
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  if (variant.includes('pio')) await c.run('SET preserve_insertion_order = false');
  await c.run(`SET TimeZone = 'UTC'`);
  await c.run('CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)');
  const rt = duckdbType(RECORD_SCHEMA);
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const recType = variant.includes('rawvarchar') ? rt.replace('"raw" JSON', '"raw" VARCHAR') : rt;
  const mos = variant.includes('mos16') ? 16 * 1024 * 1024 : 256 * 1024 * 1024;
  await c.run(`CREATE TABLE archive_lines AS SELECT "key" AS object_key, "record"."chain" AS "chain", "record"."data" AS "data" FROM read_json(${q('/tmp/h8/wrapped.ndjson')}, format='newline_delimited', columns={"key": 'VARCHAR', "record": ${q(recType)}}, maximum_object_size=${mos})`);
  mark('read_json table');
  const p = recordsPipeline(duckdbDialect('archive_lines'));
  if (variant.includes('explain')) { const e = await c.runAndReadAll(`EXPLAIN ANALYZE CREATE TABLE records AS\nWITH ${renderCtes(p.ctes)}\n${p.select}`); console.log(e.getRowsJson().map((r) => r.join('\n')).join('\n')); return; }
  await c.run(`CREATE TABLE records AS\nWITH ${renderCtes(p.ctes)}\n${p.select}`);
  mark('records table');
  const r = await c.runAndReadAll('SELECT count(*) FROM records');
  console.log(r.getRowsJson()[0]);
  console.log('maxrss', Math.round(process.resourceUsage().maxRSS / 1024));
}
void main();
