// Errors the CLI boundary turns into one line and an exit code (DESIGN §2: 2 = bad arguments).

/** A sub-command: takes its arguments, resolves to the process exit code. */
export type Command = (argv: string[]) => Promise<number>;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
