// temporary measurement script for helper h8 (deleted at the end)
import { DuckDbQueryEngine } from '../../lib/query/duckdb-engine';
async function main(): Promise<void> {
const dir = process.argv[2];
const mode = process.argv[3] ?? 'time';
const t0 = performance.now();
const u0 = process.cpuUsage();
const engine = await DuckDbQueryEngine.fromDirectory(dir);
const t1 = performance.now();
const u1 = process.cpuUsage(u0);
const out: Record<string, unknown> = { stats: { ...engine.stats, foreignKeys: engine.stats.foreignKeys.length }, load_s: ((t1 - t0) / 1000).toFixed(2), cpu_s: ((u1.user + u1.system) / 1e6).toFixed(2) };
if (mode === 'hash') {
  for (const [t, order] of [['records', 'object_key, seq'], ['record_resources', 'object_key, seq, resource_type, resource_id, resource_arn']]) {
    const r = await engine.run({ sql: `SELECT count(*) AS n, md5(string_agg(md5(CAST(x AS VARCHAR)), ',' ORDER BY ${order.split(', ').map((c) => 'x.' + c).join(', ')})) AS h FROM ${t} x` });
    out[t] = r.rows[0];
    const d = await engine.run({ sql: `SELECT string_agg(column_name || ':' || column_type, ',') FROM (DESCRIBE ${t})` });
    out[t + '_types'] = String(d.rows[0][0]).length + ':' + String(d.rows[0][0]).slice(0, 5000);
  }
}
await engine.close();
out.rss_max_mb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify(out, null, 1));

}
void main();
