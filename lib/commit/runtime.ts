import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { trustedKeyFromDer, type TrustedKey } from '../core/trusted-key';
import { DEFAULT_SIGMA_RULE_DIR, allAttestationKeyIds, loadSigmaRules, parseDetectionConfig, runDetectors, type DetectionContext } from '../core/detect';
import type { SigmaRuleFolder } from '../core/detect/sigma/loader';
import type { AlertOutbox } from '../aws/alert-outbox';
import { AttestationStore } from '../aws/attestation-store';
import { ChainStore } from '../aws/chain-store';
import { clientConfig, type AwsTarget } from '../aws/client-config';
import { ENV, optionalEnv, requireEnv } from '../contract/runtime-config';
import { alertOutboxFromEnv, archiveWriterFromEnv } from '../aws/runtime-clients';
import type { CommitDeps } from './commit';

/** Everything the ingest path needs, built once per Lambda container (or once per demo run). */
export interface IngestRuntime {
  /** The outbox as `alerts` takes detector alerts (deliver) and alerts committed on their own (publish: backfill, reconcile). */
  deps: CommitDeps & { alerts: AlertOutbox };
  /** Sigma rule files that could not be loaded, with reasons (logged at init). */
  rejectedRules: string[];
  ddb: DynamoDBClient;
  table: string;
}

/** immutrail's own rules (rules/immutrail, next to rules/sigma in the repository). */
const REPO_IMMUTRAIL_RULE_DIR = join(DEFAULT_SIGMA_RULE_DIR, '..', 'immutrail');

export function sigmaFolders(env: NodeJS.ProcessEnv): SigmaRuleFolder[] {
  // In the Lambda bundle the rules sit next to the handler; in the repository, under rules/.
  const bundled = join(__dirname, 'rules', 'sigma');
  const dir = optionalEnv(ENV.sigmaRuleDir, env) ?? (existsSync(bundled) ? bundled : DEFAULT_SIGMA_RULE_DIR);
  // The project's rules: SigmaHQ's copies (rules/sigma), then immutrail's own (rules/immutrail).
  // An IMMUTRAIL_SIGMA_RULE_DIR override replaces only the SigmaHQ folder.
  const bundledOwn = join(__dirname, 'rules', 'immutrail');
  const own = existsSync(bundledOwn) ? bundledOwn : REPO_IMMUTRAIL_RULE_DIR;
  const folders: SigmaRuleFolder[] = [
    { dir, origin: 'project' },
    { dir: own, origin: 'project' },
  ];
  const user = optionalEnv(ENV.userSigmaRuleDir, env);
  if (user) folders.push({ dir: user, origin: 'user' });
  return folders;
}

async function attestationKeys(kms: KMSClient, keyIds: readonly string[]): Promise<TrustedKey[]> {
  return Promise.all(
    keyIds.map(async (keyId) => {
      const out = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      if (!out.PublicKey) throw new Error(`KMS returned no public key for attestation key ${keyId}`);
      return trustedKeyFromDer(keyId, out.PublicKey);
    }),
  );
}

export async function ingestRuntime(env: NodeJS.ProcessEnv = process.env, target?: AwsTarget): Promise<IngestRuntime> {
  const aws = target ?? { region: env.AWS_REGION ?? 'us-east-1' };
  const ddb = new DynamoDBClient(clientConfig(aws));
  const table = requireEnv(ENV.table, env);
  const config = parseDetectionConfig(env);
  const sigma = loadSigmaRules(sigmaFolders(env));
  const context: DetectionContext = {
    config,
    attestations: new AttestationStore(ddb, table),
    // Every account's keys: runDetectors gives each account only its own (contextForAccount).
    trustedKeys: await attestationKeys(new KMSClient(clientConfig(aws)), allAttestationKeyIds(config)),
    sigmaRules: sigma.rules,
  };
  const outbox = alertOutboxFromEnv(env, aws, ddb, table);
  return {
    ddb,
    table,
    rejectedRules: sigma.rejected.map((e) => e.message),
    deps: {
      store: new ChainStore(ddb, table),
      archive: archiveWriterFromEnv(env, aws),
      origin: requireEnv(ENV.origin, env),
      detect: (record) => runDetectors(record, context),
      alerts: outbox,
    },
  };
}
