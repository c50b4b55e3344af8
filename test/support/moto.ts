import { afterAll, beforeAll } from 'vitest';
import { startMoto, type MotoServer } from '../../lib/local/moto';
import type { AwsTarget } from '../../lib/aws/client-config';

/**
 * Starts one moto_server for the calling test file and stops it afterwards.
 * Use inside a describe block; read `.target` in tests (not at collection time).
 */
export function useMoto(region = 'us-east-1'): { readonly target: AwsTarget } {
  let server: MotoServer | undefined;
  const handle = {
    get target(): AwsTarget {
      if (!server) throw new Error('moto_server is not running (useMoto() must be called in a describe block)');
      return { region, endpoint: server.endpoint };
    },
  };
  beforeAll(async () => {
    server = await startMoto();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return handle;
}
