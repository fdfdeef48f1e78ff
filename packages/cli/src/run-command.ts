// The CLI's single error boundary: a sub-command's error becomes one clear line and an exit code.
// Apart from main.ts so that the agent's bundle (agent-main.ts) has it without every other command.
import { CliError, type Command } from './cli-error.ts';

/** Runs one sub-command; an error becomes `cloudsiem NAME: message` on stderr and its exit code. */
export async function runCommand(
  name: string,
  load: () => Promise<Command>,
  argv: string[],
): Promise<number> {
  try {
    const command = await load();
    return await command(argv);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`cloudsiem ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`cloudsiem ${name}: ${message}\n`);
    return 1;
  }
}
