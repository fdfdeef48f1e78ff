import { expect, it } from 'vitest';
import { installCommands } from './install-commands.ts';

const ORIGIN = 'https://portal.example.com';
const SHA = 'ab'.repeat(32);

it('gives Linux, Windows and a plain shell, each downloading from the origin and checking the SHA-256', () => {
  const platforms = installCommands(ORIGIN, SHA);
  expect(platforms.map((p) => p.label)).toEqual(['Linux (systemd)', 'Windows (scheduled task)', 'Shell']);
  for (const { commands } of platforms) {
    expect(commands).toContain(`${ORIGIN}/downloads/cloudsiem-agent.mjs`);
    expect(commands).toContain(SHA);
    expect(commands).toContain('--token-file');
    expect(commands).not.toMatch(/--token\s/);
  }
});

it('installs the systemd unit the portal serves for the file at /opt/cloudsiem', () => {
  const linux = installCommands(ORIGIN, SHA)[0]!.commands;
  expect(linux).toContain(`echo '${SHA}  cloudsiem-agent.mjs' | sha256sum -c -`);
  expect(linux).toContain('/opt/cloudsiem/cloudsiem-agent.mjs');
  expect(linux).toContain(`${ORIGIN}/downloads/cloudsiem-agent.service`);
  // Checked before it is installed: the verify line comes before the install line.
  expect(linux.indexOf('sha256sum -c')).toBeLessThan(linux.indexOf('sudo install -D'));
});

it("writes the Windows task's script with a here-string PowerShell can parse", () => {
  const lines = installCommands(ORIGIN, SHA)[1]!.commands.split('\n');
  const open = lines.findIndex((l) => l.endsWith("@'"));
  const close = lines.indexOf("'@");
  expect(open).toBeGreaterThan(-1);
  expect(close).toBeGreaterThan(open);
  expect(lines.slice(open + 1, close).join('\n')).toContain(
    "'C:\\Program Files\\cloudsiem\\cloudsiem-agent.mjs' --token-file",
  );
});
