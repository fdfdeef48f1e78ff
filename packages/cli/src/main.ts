// The `cloudsiem` command line: one binary, one sub-command per part (DESIGN §2).
// Its single error boundary (run-command.ts) turns an error into one clear line and an exit code.
import type { Command } from './cli-error.ts';
import { runCommand } from './run-command.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  up: {
    summary: 'run the main job on the embedded default',
    load: async () => (await import('./commands/up.ts')).up,
  },
  portal: {
    summary: 'the portal alone: store, admin API, agent API',
    load: async () => (await import('./commands/portal.ts')).portal,
  },
  agent: {
    summary: 'the SIEM agent: pull from the portal, send CEF to the SIEM (--token TOKEN)',
    load: async () => (await import('./commands/agent.ts')).agent,
  },
  receive: {
    summary: 'a test SIEM: listen on loopback and print each syslog message',
    load: async () => (await import('./commands/receive.ts')).receive,
  },
  cef: {
    summary: 'cef encode: JSON lines on stdin → CEF lines on stdout',
    load: async () => (await import('./commands/cef.ts')).cef,
  },
  simulate: {
    summary: "push simulated activities to a portal's ingest API",
    load: async () => (await import('./commands/simulate.ts')).simulate,
  },
  connector: {
    summary: 'connector test: fetch one page from an upstream (MDCA, Graph, O365, cloudsiem), store nothing',
    load: async () => (await import('./commands/connector.ts')).connector,
  },
  admin: {
    summary: "admin reset-password: set an admin's password in the database (local only)",
    load: async () => (await import('./commands/admin.ts')).admin,
  },
};

const USAGE = `Usage: cloudsiem <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run 'cloudsiem <command> --help' for the options of one command.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    process.stderr.write(`cloudsiem: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  return runCommand(name, entry.load, rest);
}
