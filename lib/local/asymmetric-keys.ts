import { CreateKeyCommand, type KeySpec, type KeyUsageType, type KMSClient } from '@aws-sdk/client-kms';
import type { CfnTemplate } from './cfn-template';
import type { ExistingResource } from './emulator-template';

/** A template key that was created through the SDK instead. */
export interface KeyCreatedBySdk {
  readonly logicalId: string;
  readonly keySpec: string;
  readonly keyUsage: string;
  readonly existing: ExistingResource;
}

/** The template's AWS::KMS::Key resources that are not the symmetric default (e.g. the checkpoint signing key). */
export function asymmetricKeys(template: CfnTemplate): Array<{ logicalId: string; keySpec: string; keyUsage: string; description?: string }> {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::KMS::Key')
    .map(([logicalId, r]) => ({
      logicalId,
      keySpec: String(r.Properties?.KeySpec ?? 'SYMMETRIC_DEFAULT'),
      keyUsage: String(r.Properties?.KeyUsage ?? 'ENCRYPT_DECRYPT'),
      description: typeof r.Properties?.Description === 'string' ? r.Properties.Description : undefined,
    }))
    .filter((k) => k.keySpec !== 'SYMMETRIC_DEFAULT' || k.keyUsage !== 'ENCRYPT_DECRYPT');
}

/**
 * moto's CloudFormation creates every AWS::KMS::Key as a symmetric
 * encryption key, whatever its KeySpec and KeyUsage say: a signing key
 * created that way cannot sign. These keys are created through KMS with the
 * template's spec and usage, to take the template resource's place.
 */
export async function createAsymmetricKeys(kms: KMSClient, template: CfnTemplate): Promise<KeyCreatedBySdk[]> {
  const created: KeyCreatedBySdk[] = [];
  for (const k of asymmetricKeys(template)) {
    const meta = (
      await kms.send(
        new CreateKeyCommand({
          KeySpec: k.keySpec as KeySpec,
          KeyUsage: k.keyUsage as KeyUsageType,
          Description: k.description,
        }),
      )
    ).KeyMetadata!;
    created.push({
      logicalId: k.logicalId,
      keySpec: k.keySpec,
      keyUsage: k.keyUsage,
      // What CloudFormation returns for a key: Ref is the key id, Fn::GetAtt Arn / KeyId.
      existing: { ref: meta.KeyId!, attributes: { Arn: meta.Arn!, KeyId: meta.KeyId! } },
    });
  }
  return created;
}
