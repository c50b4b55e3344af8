/** The results of an --only run laid over the committed ones: the sections that ran replace theirs, the rest is kept. */
export function mergeResults(previous: Record<string, any>, fresh: Record<string, any>, sections: readonly string[]): Record<string, any> {
  const keysOf: Record<string, string[]> = {
    verify: ['verify_records_per_s', 'verify_mb_per_s', 'openssl_mb_per_s', 'verify_vs_openssl_ratio', 'verify'],
    ingest: ['ingest_events_per_s_per_core', 'ingest_vs_parse_hash_ratio', 'ingest'],
    proof: ['proof_storage_reads', 'proof_verify_ms', 'proof'],
    cost: [
      'usd_per_million_events',
      'usd_per_million_events_without_alerts',
      'usd_per_million_events_full_capture',
      'usd_per_million_events_org',
      'events_per_object',
      'live_lane_latency_s',
      'cloudtrail_lake_usd_per_million_events',
      'cost',
    ],
    bundle: ['bundle_bytes', 'init_ms', 'bundle'],
    report: ['report_1m_records_s', 'report'],
    package: ['verify_proof_help_s', 'verify_help_s', 'cli_verify_vs_openssl_ratio', 'package'],
  };
  const out: Record<string, any> = { ...previous };
  // A section still running (or failed) leaves its figures null: the committed ones stay until it has some.
  for (const section of sections) for (const k of keysOf[section] ?? []) if (fresh[k] !== null && fresh[k] !== undefined) out[k] = fresh[k];
  out.prices_checked = fresh.prices_checked;
  const merged = [
    ...(previous.run?.merged ?? []).filter((m: { sections: string[] }) => !m.sections.every((x) => sections.includes(x))),
    { sections: [...sections], ...fresh.run },
  ];
  out.run = { ...previous.run, merged };
  return out;
}
