// temporary (h8)
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { RECORD_SCHEMA, duckdbType } from '../../lib/query/record-schema';
async function main(): Promise<void> {
  const dir = process.argv[2];
  const files = readdirSync(join(dir, 'records'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const inst = await DuckDBInstance.create(':memory:', process.argv[4] ? { threads: process.argv[4] } : {});
  const c = await inst.connect();
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const rt = duckdbType(RECORD_SCHEMA).replace(/^STRUCT\((.*)\)$/, '$1');
  const cols = `{"chain": ${q(duckdbType((RECORD_SCHEMA as any).fields[0].type))}, "data": ${q(duckdbType((RECORD_SCHEMA as any).fields[1].type))}}`;
  void rt;
  const t0 = performance.now(), c0 = cpu();
  const src = process.argv[3] === 'list' ? `[${files.map(q).join(',')}]` : q('/tmp/h8/wrapped.ndjson');
  const r = await c.runAndReadAll(`SELECT count(*), count(DISTINCT filename) FROM read_json(${src}, format='newline_delimited', columns=${cols}, filename=true, maximum_object_size=${256*1024*1024})`);
  console.log(process.argv[3], r.getRowsJson()[0], ((performance.now() - t0) / 1000).toFixed(2), 's wall', (cpu() - c0).toFixed(2), 's cpu');
}
void main();
