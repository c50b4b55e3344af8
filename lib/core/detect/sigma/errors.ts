import { ImmutrailError } from '../../errors';

export type SigmaErrorCode =
  /** Not YAML, or YAML with errors. */
  | 'SIGMA_YAML_INVALID'
  /** Valid YAML that is not a valid Sigma rule (missing title, bad level...). */
  | 'SIGMA_RULE_INVALID'
  /** A valid Sigma construct this engine does not implement. */
  | 'SIGMA_UNSUPPORTED'
  /** A rule for another log source than product aws / service cloudtrail. */
  | 'SIGMA_LOGSOURCE'
  /** The condition does not parse or names unknown search identifiers. */
  | 'SIGMA_CONDITION_INVALID'
  /** Two rules in one folder share an id. */
  | 'SIGMA_DUPLICATE_ID'
  /** A configured rule folder does not exist. */
  | 'SIGMA_DIR_MISSING';

/** Why one rule file could not be loaded; the message always starts with the file. */
export class SigmaRuleError extends ImmutrailError {
  constructor(
    readonly code: SigmaErrorCode,
    readonly file: string,
    readonly reason: string,
    /** For SIGMA_UNSUPPORTED: the construct, e.g. `modifier "base64offset"`. */
    readonly construct: string | null = null,
  ) {
    super(`${file}: ${construct ? `unsupported ${construct}: ` : ''}${reason}`);
    this.name = 'SigmaRuleError';
  }
}

/** Thrown while compiling a rule's parts, before the file name is known; the compiler attaches it. */
export class SigmaCompileError extends ImmutrailError {
  constructor(
    readonly code: SigmaErrorCode,
    readonly reason: string,
    readonly construct: string | null = null,
  ) {
    super(reason);
    this.name = 'SigmaCompileError';
  }
}

export function unsupported(construct: string, reason: string): SigmaCompileError {
  return new SigmaCompileError('SIGMA_UNSUPPORTED', reason, construct);
}
