// UDP transport (RFC 5426): one message per datagram on a connected dgram socket (the server's
// name is resolved once; a connected socket also reports ICMP "port unreachable" as an error).
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connectError, describeCause } from '../errors.ts';

/** The largest UDP payload over IPv4 (65535 − 8 − 20); RFC 5426 §3.2. */
export const UDP_MAX_PAYLOAD = 65_507;
/** RFC 5426 §3.2: every IPv4 receiver must accept datagrams of 480 octets. */
export const UDP_MIN_PAYLOAD = 480;

/**
 * Resolves the host and opens a dgram socket connected to it. Rejects with SYSLOG_CONNECT.
 * `onError` receives errors the socket reports outside a send (e.g. ICMP errors seen on receive).
 */
export async function openUdpSocket(
  host: string,
  port: number,
  onError: (error: Error) => void,
): Promise<dgram.Socket> {
  let address: string;
  let family: number;
  try {
    ({ address, family } = await lookup(host));
  } catch (error) {
    throw connectError(host, port, describeCause(error), error);
  }
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => {
        socket.removeListener('error', reject);
        resolve();
      });
    });
  } catch (error) {
    socket.close();
    throw connectError(host, port, describeCause(error), error);
  }
  socket.on('error', onError);
  return socket;
}
