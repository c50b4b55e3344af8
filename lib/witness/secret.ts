import { ImmutrailError } from '../core/errors';

export class WitnessSecretError extends ImmutrailError {
  readonly code = 'WITNESS_SECRET';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WitnessSecretError';
  }
}

/** The extension's port (its default, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT). */
const EXTENSION_PORT = 2773;

/**
 * Reads the witness's secret through the AWS Parameters and Secrets Lambda
 * Extension (a layer the construct adds): a local HTTP call that the
 * extension answers from its cache or Secrets Manager, authenticated by the
 * function's session token. No Secrets Manager client in the bundle, and the
 * secret never sits in the function's configuration.
 */
export async function secretFromExtension(secretId: string, env: NodeJS.ProcessEnv = process.env, fetchFn: typeof fetch = fetch): Promise<string> {
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? String(EXTENSION_PORT);
  const url = `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
  let res: Response;
  try {
    res = await fetchFn(url, { headers: { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' } });
  } catch (err) {
    throw new WitnessSecretError('the Parameters and Secrets extension did not answer (is its layer on the function?)', { cause: err });
  }
  if (!res.ok) throw new WitnessSecretError(`reading the witness secret failed: HTTP ${res.status}`);
  const body = (await res.json()) as { SecretString?: unknown };
  if (typeof body.SecretString !== 'string') throw new WitnessSecretError('the witness secret has no SecretString');
  return body.SecretString;
}
