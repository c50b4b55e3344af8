/**
 * SDK client settings shared by every AWS client immutrail builds. With an
 * endpoint (moto_server, LocalStack) it uses path-style S3 and dummy credentials
 * unless real ones are in the environment.
 */
export interface AwsTarget {
  region: string;
  endpoint?: string;
}

export interface SdkClientConfig {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
}

export function clientConfig(target: AwsTarget): SdkClientConfig {
  if (!target.endpoint) return { region: target.region };
  const hasCreds = Boolean(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY);
  return {
    region: target.region,
    endpoint: target.endpoint,
    forcePathStyle: true,
    ...(hasCreds ? {} : { credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
  };
}
