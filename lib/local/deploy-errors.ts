import { ImmutrailError } from '../core/errors';

/** Why deploying the synthesized template on an emulator could not produce a usable local stack. */
export type LocalDeployErrorCode =
  'INVALID_NAME' | 'STACK_CREATE_FAILED' | 'STACK_TIMEOUT' | 'MISSING_OUTPUT' | 'NOT_DEPLOYED' | 'UNRESOLVABLE_VALUE' | 'ROUTE_MISMATCH';

export class LocalDeployError extends ImmutrailError {
  constructor(
    readonly code: LocalDeployErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LocalDeployError';
  }
}
