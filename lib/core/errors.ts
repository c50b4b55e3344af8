/**
 * The base of every error immutrail throws on purpose. `code` is stable (tests,
 * callers and the CLI branch on it, never on the message); `cause` keeps what
 * was caught underneath. Anything thrown that is not an ImmutrailError is a
 * bug or the environment (the SDK, the file system), which the CLI tells apart.
 *
 * Each subclass keeps its own `name` assignment: the Lambda bundles are
 * minified, so deriving the name from the class would print mangled names.
 */
export abstract class ImmutrailError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
