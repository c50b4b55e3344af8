import { MANIFEST_NAME, PUBLIC_KEY_NAME, REPORT_NAME, type Manifest } from './layout';

export interface ReadmeInput {
  manifest: Pick<Manifest, 'period' | 'origin' | 'keyFingerprint'>;
  /** The bundle's file name, as the commands name it. */
  bundleName: string;
  records: number;
  checkpoints: number;
  shardNotes: number;
  cosigned: number;
  /** The witness vkey files in the bundle. */
  witnessKeys: readonly string[];
}

/** The flags that make verify --bundle check the witnesses' cosignatures too (none without witness keys). */
const witnessFlags = (r: ReadmeInput): string =>
  r.witnessKeys.map((k) => ` --witness-key ${k}`).join('') + (r.witnessKeys.length ? ` --witnesses ${r.witnessKeys.length}` : '');

function witnessLines(r: ReadmeInput): string {
  if (r.shardNotes === 0) return '';
  const keys = r.witnessKeys.length ? `                 The witnesses' keys: ${r.witnessKeys.join(', ')}.\n` : '';
  return `                 ${r.shardNotes} shard checkpoint(s) under checkpoints/shards/ (each shard is a C2SP
                 tlog-checkpoint log), ${r.cosigned} witness cosignature(s) of them under cosignatures/.
${keys}`;
}

/** The bundle's README.txt: what it holds and the exact commands that check it offline. */
export function renderReadme(r: ReadmeInput): string {
  const { from, to } = r.manifest.period;
  return `immutrail evidence bundle
=========================

Archive origin   ${r.manifest.origin ?? '(no checkpoint)'}
Period           ${from} to ${to} (UTC days, inclusive)
Signing key      SHA-256 ${r.manifest.keyFingerprint}
Contents         ${r.records} batch object(s) under records/, ${r.checkpoints} signed checkpoint(s)
                 under checkpoints/, ${PUBLIC_KEY_NAME}, ${REPORT_NAME} (open it in a browser),
                 ${MANIFEST_NAME} (every file's SHA-256 and size).
${witnessLines(r)}
Trust the key, not the bundle: compare the fingerprint above with one the team
gave you through another channel, e.g.
  openssl pkey -pubin -in ${PUBLIC_KEY_NAME} -outform DER | sha256sum
Better still, check with a public key you obtained yourself instead of the one
in the bundle.

1. Check the whole bundle (no AWS access needed; Node 20 or later)
  npx immutrail verify --bundle ${r.bundleName} --public-key ${PUBLIC_KEY_NAME}${witnessFlags(r)}
  Exit 0: every file matches ${MANIFEST_NAME}, every record hash and link verifies,
  every checkpoint's signature and chain verify${r.witnessKeys.length ? ", and each shard's newest checkpoint\n  carries the witnesses' valid cosignatures" : ''}. Exit 1 names each file and check
  that failed. (Extract ${PUBLIC_KEY_NAME} first: tar -xzf ${r.bundleName} ${PUBLIC_KEY_NAME}${r.witnessKeys.map((k) => ` ${k}`).join('')})
  A witness key, like the signing key, is better obtained from the witness than from the bundle.

2. Or extract it and verify the archive part as a folder
  mkdir bundle && tar -xzf ${r.bundleName} -C bundle
  (cd bundle && sha256sum ${REPORT_NAME} ${PUBLIC_KEY_NAME})   # compare with ${MANIFEST_NAME}
  npx immutrail verify --dir bundle --from ${from} --to ${to} --public-key bundle/${PUBLIC_KEY_NAME}
  The range tells the verifier that records before ${from} are not in the
  bundle. The oldest checkpoint is dated before the period: it names a previous
  checkpoint that is not in the bundle, which verify --dir reports as
  CHECKPOINT_CHAIN for that one checkpoint only (verify --bundle expects it).

3. Check that one record is in a signed checkpoint (inclusion proof)
  The team runs, with access to the archive:
    npx immutrail prove <event-id> --stack <stack> --out proof.json
  and you check the proof file offline:
    npx immutrail verify-proof proof.json --public-key ${PUBLIC_KEY_NAME}
  Every record ID shown in ${REPORT_NAME} can be proven this way. Each line of a
  records/ object is one record; its "id" field is the <event-id>.

Consistency proofs between checkpoints are not in this bundle: building them
needs every record of each shard since its first, and the bundle holds only
the period's. Ask the team for one, and check it offline:
    npx immutrail consistency <old.note> <new.note> --stack <stack> --out consistency.json   (team)
    npx immutrail consistency --proof consistency.json --public-key ${PUBLIC_KEY_NAME}        (you)
`;
}
