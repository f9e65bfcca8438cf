/**
 * Errors meant for a person, shared by every layer. The CLI prints their message (no stack trace)
 * and exits with their code. Anything else that escapes a command is a bug and is reported as one.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** Process exit code: 2 for bad input, 1 for a refused or failed operation. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
