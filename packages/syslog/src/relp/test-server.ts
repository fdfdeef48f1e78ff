// A small RELP server (librelp doc/relp.html) for the sender's tests, on node:net or node:tls,
// 127.0.0.1, port 0: it answers `open`, `syslog` and `close` the way imrelp does, and lets a test
// produce what a real rsyslog will not on demand — an error answer, silence, a drop mid-window.
import net from 'node:net';
import tls from 'node:tls';
import { encodeFrame, RelpFrameParser } from './frame.ts';

/** What the server does with one `syslog` command. */
export type RelpAnswer = 'ok' | 'error' | 'silent' | 'drop';

export interface RelpTestServerOptions {
  tls?: { cert: string; key: string };
  /** The data of the answer to `open`. Default: imrelp's `200 OK` with version 0 and `syslog`. */
  openAnswer?: string;
  /** Decides per message; `index` counts every message received, over all connections. Default 'ok'. */
  answer?: (message: string, index: number) => RelpAnswer;
  /** Answer `close`? Default true. */
  answerClose?: boolean;
}

export interface RelpTestServer {
  port: number;
  /** Every syslog message received, in order, over all connections (duplicates included). */
  messages: string[];
  /** Messages answered `200 OK`. */
  acknowledged: string[];
  /** Connections accepted so far. */
  connections: number;
  /** `close` commands received. */
  closes: number;
  /** Messages received and not answered yet, on the current connections. */
  unanswered(): number;
  /** Sends the answers held back by 'silent' (in order), as `200 OK`. */
  release(): void;
  /** Sends `serverclose` (txnr 0) on every open connection, then closes them. */
  serverClose(): void;
  /** Ends every open connection (FIN) without a word, as a server restart may. */
  endConnections(): void;
  close(): Promise<void>;
}

export const IMRELP_OPEN_ANSWER =
  '200 OK\nrelp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog';

export async function startRelpTestServer(options: RelpTestServerOptions = {}): Promise<RelpTestServer> {
  const sockets = new Set<net.Socket>();
  /** Answers held back by 'silent', per connection. */
  const held = new Map<net.Socket, { txnr: number; message: string }[]>();
  const state = { connections: 0, closes: 0 };
  const messages: string[] = [];
  const acknowledged: string[] = [];
  const answer = options.answer ?? (() => 'ok');

  const onConnection = (socket: net.Socket): void => {
    state.connections++;
    sockets.add(socket);
    held.set(socket, []);
    socket.on('close', () => {
      sockets.delete(socket);
      held.delete(socket);
    });
    socket.on('error', () => {});
    const parser = new RelpFrameParser({ maxDataBytes: 64 * 1024 * 1024 });
    socket.on('data', (chunk: Buffer) => {
      const out: Buffer[] = [];
      for (const frame of parser.push(chunk)) {
        if (frame.command === 'open') {
          out.push(encodeFrame(frame.txnr, 'rsp', options.openAnswer ?? IMRELP_OPEN_ANSWER));
        } else if (frame.command === 'close') {
          state.closes++;
          if (options.answerClose ?? true) out.push(encodeFrame(frame.txnr, 'rsp'));
        } else if (frame.command === 'syslog') {
          const message = frame.data.toString('utf8');
          const what = answer(message, messages.length);
          messages.push(message);
          if (what === 'ok') {
            acknowledged.push(message);
            out.push(encodeFrame(frame.txnr, 'rsp', '200 OK'));
          } else if (what === 'error') {
            out.push(encodeFrame(frame.txnr, 'rsp', '500 message refused by the test server'));
          } else if (what === 'silent') {
            held.get(socket)?.push({ txnr: frame.txnr, message });
          } else {
            if (out.length > 0) socket.write(Buffer.concat(out));
            socket.destroy();
            return;
          }
        }
      }
      if (out.length > 0) socket.write(Buffer.concat(out));
    });
  };

  const server = options.tls
    ? tls.createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, onConnection)
    : net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    port: (server.address() as net.AddressInfo).port,
    messages,
    acknowledged,
    get connections() {
      return state.connections;
    },
    get closes() {
      return state.closes;
    },
    unanswered: () => [...held.values()].reduce((n, answers) => n + answers.length, 0),
    release() {
      for (const [socket, answers] of held) {
        if (answers.length === 0) continue;
        acknowledged.push(...answers.map((a) => a.message));
        socket.write(Buffer.concat(answers.map((a) => encodeFrame(a.txnr, 'rsp', '200 OK'))));
        answers.length = 0;
      }
    },
    serverClose() {
      for (const socket of sockets) socket.end(encodeFrame(0, 'serverclose'));
    },
    endConnections() {
      for (const socket of sockets) socket.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
