// How the agent reaches the portal (DESIGN §6): through a real HTTP CONNECT proxy (tinyproxy) with
// --proxy, over HTTPS with a private CA given by --ca-file, and what it says and does when that
// cannot work: a malformed --proxy (exit 2), an untrusted certificate and a portal without TLS 1.2
// (exit 1, each with one line naming the cause and the fix).
import { expect, it } from 'vitest';
import { startLegacyTlsServer } from '../support/legacy-tls-server.ts';
import { startTinyproxy } from '../support/tinyproxy.ts';
import { toolOrSkip } from '../support/tools.ts';
import {
  activity,
  CLOSED_SYSLOG,
  describeWithSyslogNg,
  exitLine,
  ids,
  onCleanup,
  startAgent,
  startPortal,
} from './harness.ts';

const tinyproxyTool = toolOrSkip('tinyproxy');

describeWithSyslogNg('agent to portal', (suite) => {
  it.skipIf(tinyproxyTool === undefined).each([
    { scheme: 'HTTP', tls: false },
    { scheme: 'HTTPS', tls: true },
  ])(
    'delivers from an $scheme portal through tinyproxy with --proxy, every request tunnelled by CONNECT',
    async ({ tls }) => {
      const [{ portal, token, file }, proxy] = await Promise.all([
        suite.startPortalAndSyslogNg({ portal: tls ? { tls: suite.certs } : {} }),
        startTinyproxy(tinyproxyTool!),
      ]);
      onCleanup(() => proxy.stop());
      const records = ids('proxied', 50).map((id) => activity(id));
      await portal.api.ingest('activities', records);
      const agent = startAgent(token, [
        '--proxy',
        `127.0.0.1:${proxy.port}`,
        ...(tls ? ['--ca-file', suite.certs.caFile] : []),
      ]);
      await agent.waitForDelivery(file, records, { detail: () => `tinyproxy log:\n${proxy.log()}` });
      // The agent reached the portal through the proxy only: every CONNECT names the portal.
      const connects = proxy.connects();
      expect(connects.length).toBeGreaterThan(0);
      expect(new Set(connects)).toEqual(new Set([new URL(portal.url).host]));
      expect(agent.logs().find((l) => l.msg === 'Agent started')?.proxy).toBe(`127.0.0.1:${proxy.port}`);
    },
  );

  it('exits 2 on a malformed --proxy, saying so', async () => {
    const portal = await startPortal();
    const { token } = await portal.api.createAgent({ syslog: CLOSED_SYSLOG });
    for (const proxy of [
      '127.0.0.1:notaport',
      'http://user:secret@proxy.example.com:3128',
      'socks5://127.0.0.1:1080',
    ]) {
      const exit = await startAgent(token, ['--proxy', proxy]).exit();
      expect(exit.code, proxy).toBe(2);
      expect(exitLine(exit)).toMatch(/^cloudsiem agent: Invalid proxy address /);
      expect(exitLine(exit)).toContain(JSON.stringify(proxy));
    }
  });

  it('delivers from an HTTPS portal whose certificate is signed by the CA given with --ca-file', async () => {
    const { portal, token, file } = await suite.startPortalAndSyslogNg({ portal: { tls: suite.certs } });
    expect(portal.publicUrl).toMatch(/^https:\/\//);
    const records = ids('tls-portal', 50).map((id) => activity(id));
    await portal.api.ingest('activities', records);
    const agent = startAgent(token, ['--ca-file', suite.certs.caFile]);
    const events = await agent.waitForDelivery(file, records);
    // The links in the lines point at the HTTPS portal the token names.
    expect(events[0]!.cef.extension.cs1).toBe(
      `${portal.publicUrl}/#/audits?activity.id=eq(${events[0]!.externalId},)`,
    );
  });

  it('exits 1 against an HTTPS portal it cannot trust, pointing at --ca-file', async () => {
    const portal = await startPortal({ tls: suite.certs });
    const { token } = await portal.api.createAgent({ syslog: CLOSED_SYSLOG });
    const exit = await startAgent(token).exit();
    expect(exit.code).toBe(1);
    const line = exitLine(exit);
    expect(line).toMatch(/^cloudsiem agent: TLS handshake with the portal .* failed/);
    expect(line).toContain("the portal's certificate is not trusted: pass its CA with --ca-file FILE");
    expect(line).toMatch(/\[PORTAL_TLS\]$/);
  });

  it('exits 1 against a portal that offers only TLS 1.0/1.1, saying it lacks TLS 1.2', async () => {
    const [portal, legacy] = await Promise.all([
      startPortal({ tls: suite.certs }),
      startLegacyTlsServer(suite.certs),
    ]);
    onCleanup(() => legacy.close());
    const { token } = await portal.api.createAgent({ syslog: CLOSED_SYSLOG });
    // The CA is trusted, so the protocol version is the only thing wrong.
    const exit = await startAgent(token, [
      '--portal-url',
      legacy.url,
      '--ca-file',
      suite.certs.caFile,
    ]).exit();
    expect(exit.code).toBe(1);
    const line = exitLine(exit);
    expect(line).toContain(legacy.url);
    expect(line).toContain('the portal does not offer TLS 1.2 or later, which this agent requires');
    expect(line).toMatch(/\[PORTAL_TLS\]$/);
    expect(legacy.handshakeErrors().length).toBeGreaterThan(0);
  });
});
