// Helpers for this package's socket tests: real servers on 127.0.0.1, port 0; polling instead of sleeps.
import net from 'node:net';
export { waitFor } from '../../../test/support/wait.ts';
import { startReceiver, type Receiver, type ReceiverOptions } from './receiver.ts';

/** Polls `value` until it stops changing for `quietMs`. */
export async function waitUntilStable(value: () => number, quietMs = 300): Promise<number> {
  let last = value();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = value();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Collecting {
  receiver: Receiver;
  messages: string[];
  remotes: Set<string>;
}

/** A receiver that keeps every message it gets. */
export async function collectingReceiver(options: Omit<ReceiverOptions, 'onMessage'>): Promise<Collecting> {
  const messages: string[] = [];
  const remotes = new Set<string>();
  const receiver = await startReceiver({
    ...options,
    onMessage: (message, meta) => {
      messages.push(message);
      remotes.add(meta.remote);
    },
  });
  return { receiver, messages, remotes };
}

export interface RawServer {
  port: number;
  /** What each accepted connection received, in accept order. */
  received: string[];
  sockets: net.Socket[];
  close(): Promise<void>;
}

/** A plain TCP server under the test's control: `onConnection` decides what to do with each socket. */
export async function rawServer(
  onConnection: (socket: net.Socket, index: number) => void = () => {},
  options: net.ServerOpts = {},
): Promise<RawServer> {
  const received: string[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer(options, (socket) => {
    const index = sockets.length;
    sockets.push(socket);
    received.push('');
    socket.on('data', (chunk: Buffer) => {
      received[index] += chunk.toString('utf8');
    });
    socket.on('error', () => {});
    onConnection(socket, index);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** The error `promise` rejects with; fails if it resolves. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; retriable?: boolean }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, the promise resolved');
    },
    (error: unknown) => {
      if (!(error instanceof Error)) throw new Error(`rejected with a non-Error: ${String(error)}`);
      return error;
    },
  );
}
