// Argument parsing shared by the sub-commands: node:util parseArgs, with every problem
// turned into a CliError (exit code 2) that names the option.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './cli-error.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  }
}

/** Parses a TCP/UDP port number, 0–65535. */
export function parsePort(text: string | undefined, option: string): number {
  const port = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || port > 65535) {
    throw new CliError(`${option} must be a port number from 0 to 65535, got ${JSON.stringify(text ?? '')}`);
  }
  return port;
}

/** Checks a value against a fixed list of choices. */
export function parseChoice<T extends string>(
  text: string | undefined,
  choices: readonly T[],
  option: string,
  fallback?: T,
): T {
  if (text === undefined && fallback !== undefined) return fallback;
  if (text !== undefined && (choices as readonly string[]).includes(text)) return text as T;
  throw new CliError(`${option} must be one of ${choices.join(', ')}, got ${JSON.stringify(text ?? '')}`);
}

/** Reads a certificate or key file named by an option; a problem names the option and the file. */
export function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot read ${option} ${file}: ${reason}`);
  }
}
