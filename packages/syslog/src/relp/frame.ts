// RELP framing (rsyslog's Reliable Event Logging Protocol, librelp doc/relp.html): a frame is
// `TXNR SP COMMAND SP DATALEN [SP DATA] LF`, DATALEN in bytes, no SP DATA when it is 0. Encoding
// and an incremental parser; knows nothing of sockets, sessions or CEF.
import { SyslogError } from '../errors.ts';

/** Transaction numbers run 1..999 999 999, then wrap to 1; 0 is the server's unsolicited `serverclose`. */
export const RELP_MAX_TXNR = 999_999_999;
/** A command is 1 to 32 ASCII letters. */
export const RELP_MAX_COMMAND_LENGTH = 32;
/** DATALEN has at most 9 digits. */
export const RELP_MAX_DATALEN = 999_999_999;

export interface RelpFrame {
  txnr: number;
  command: string;
  data: Buffer;
}

const LF = 0x0a;
const SPACE = 0x20;
const ZERO = 0x30;
const NINE = 0x39;

export function nextTxnr(txnr: number): number {
  return txnr >= RELP_MAX_TXNR ? 1 : txnr + 1;
}

function isLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

function checkHeader(txnr: number, command: string, dataBytes: number): void {
  if (!Number.isInteger(txnr) || txnr < 0 || txnr > RELP_MAX_TXNR) {
    throw new RangeError(`RELP txnr must be an integer from 0 to ${RELP_MAX_TXNR}, got ${txnr}`);
  }
  if (!/^[A-Za-z]{1,32}$/.test(command))
    throw new RangeError(`invalid RELP command ${JSON.stringify(command)}`);
  if (dataBytes > RELP_MAX_DATALEN) throw new RangeError(`RELP data of ${dataBytes} bytes is too long`);
}

/** One frame as bytes. */
export function encodeFrame(txnr: number, command: string, data: string | Buffer = ''): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  checkHeader(txnr, command, body.length);
  const header = body.length === 0 ? `${txnr} ${command} 0` : `${txnr} ${command} ${body.length} `;
  return Buffer.concat([Buffer.from(header, 'latin1'), body, Buffer.from([LF])]);
}

/** Reused for encoding windows of messages; a window needing more gets a one-off buffer. */
const SCRATCH_MAX_BYTES = 16 * 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(0);

export interface EncodedCommands {
  /** The frames, ready for one socket write (a copy: it stays valid after the next call). */
  data: Buffer;
  /** The size of each frame, in order. */
  frameBytes: number[];
}

/**
 * Frames `messages` as consecutive `command` frames numbered from `firstTxnr` (wrapping after
 * 999 999 999). Each message is written straight into a buffer sized for the worst case, once.
 */
export function encodeCommands(
  command: string,
  messages: readonly string[],
  firstTxnr: number,
): EncodedCommands {
  checkHeader(firstTxnr, command, 0);
  let worst = 0;
  // TXNR (9) + SP + command + SP + DATALEN (9) + SP + data (≤ 3 bytes per UTF-16 unit) + LF.
  for (const message of messages) worst += message.length * 3 + command.length + 22;
  let buffer = scratch;
  if (worst > buffer.length) {
    buffer = Buffer.allocUnsafeSlow(worst);
    if (worst <= SCRATCH_MAX_BYTES) scratch = buffer;
  }
  const frameBytes: number[] = [];
  let offset = 0;
  let txnr = firstTxnr;
  for (const message of messages) {
    const start = offset;
    const length = Buffer.byteLength(message, 'utf8');
    if (length > RELP_MAX_DATALEN) throw new RangeError(`RELP data of ${length} bytes is too long`);
    offset += buffer.write(
      length === 0 ? `${txnr} ${command} 0` : `${txnr} ${command} ${length} `,
      offset,
      'latin1',
    );
    if (length > 0) offset += buffer.write(message, offset, 'utf8');
    buffer[offset++] = LF;
    frameBytes.push(offset - start);
    txnr = nextTxnr(txnr);
  }
  return { data: Buffer.from(buffer.subarray(0, offset)), frameBytes };
}

export interface RelpParserOptions {
  /** A frame announcing more data than this is refused (memory bound). Default 1 MiB. */
  maxDataBytes?: number;
}

export const DEFAULT_MAX_RELP_DATA_BYTES = 1024 * 1024;

type State = 'txnr' | 'command' | 'datalen' | 'data' | 'trailer';

/**
 * Incremental parser: `push` takes any chunk and returns the frames it completed; a frame may span
 * chunks and a chunk may hold many frames. A malformed frame throws SYSLOG_RELP_PROTOCOL; the
 * stream cannot be resynchronised after that, so the caller drops the connection.
 */
export class RelpFrameParser {
  readonly #maxDataBytes: number;
  #state: State = 'txnr';
  #digits = 0;
  #txnr = 0;
  #command = '';
  #dataLength = 0;
  #dataParts: Buffer[] = [];
  #dataReceived = 0;
  /** Set once a malformed frame was seen: the stream is unusable. */
  #failed: SyslogError | undefined;

  constructor(options: RelpParserOptions = {}) {
    this.#maxDataBytes = options.maxDataBytes ?? DEFAULT_MAX_RELP_DATA_BYTES;
  }

  push(chunk: Buffer): RelpFrame[] {
    if (this.#failed !== undefined) throw this.#failed;
    const frames: RelpFrame[] = [];
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.#state === 'data') {
        // Data is copied by whole slices: a CEF line is not looked at byte by byte.
        const take = Math.min(this.#dataLength - this.#dataReceived, n - i);
        this.#dataParts.push(chunk.subarray(i, i + take));
        this.#dataReceived += take;
        i += take;
        if (this.#dataReceived === this.#dataLength) this.#state = 'trailer';
        continue;
      }
      const byte = chunk[i++]!;
      switch (this.#state) {
        case 'txnr':
          if (byte >= ZERO && byte <= NINE && this.#digits < 9) {
            this.#txnr = this.#txnr * 10 + byte - ZERO;
            this.#digits++;
          } else if (byte === SPACE && this.#digits > 0) {
            this.#state = 'command';
          } else {
            this.#fail(`bad TXNR (byte 0x${byte.toString(16)})`);
          }
          break;
        case 'command':
          if (isLetter(byte) && this.#command.length < RELP_MAX_COMMAND_LENGTH) {
            this.#command += String.fromCharCode(byte);
          } else if (byte === SPACE && this.#command.length > 0) {
            this.#state = 'datalen';
            this.#digits = 0;
          } else {
            this.#fail(`bad COMMAND (byte 0x${byte.toString(16)})`);
          }
          break;
        case 'datalen':
          if (byte >= ZERO && byte <= NINE && this.#digits < 9) {
            this.#dataLength = this.#dataLength * 10 + byte - ZERO;
            this.#digits++;
          } else if (this.#digits > 0 && this.#dataLength === 0 && byte === LF) {
            frames.push(this.#complete());
          } else if (this.#digits > 0 && this.#dataLength > 0 && byte === SPACE) {
            if (this.#dataLength > this.#maxDataBytes) {
              this.#fail(`DATALEN ${this.#dataLength} is over the limit of ${this.#maxDataBytes} bytes`);
            }
            this.#state = 'data';
          } else {
            this.#fail(`bad DATALEN (byte 0x${byte.toString(16)})`);
          }
          break;
        case 'trailer':
          if (byte !== LF) this.#fail(`no LF after ${this.#dataLength} bytes of data`);
          frames.push(this.#complete());
          break;
      }
    }
    return frames;
  }

  /** True between frames: nothing of a frame is pending. */
  get idle(): boolean {
    return this.#state === 'txnr' && this.#digits === 0;
  }

  #complete(): RelpFrame {
    const data =
      this.#dataParts.length === 1 ? Buffer.from(this.#dataParts[0]!) : Buffer.concat(this.#dataParts);
    const frame = { txnr: this.#txnr, command: this.#command, data };
    this.#state = 'txnr';
    this.#digits = 0;
    this.#txnr = 0;
    this.#command = '';
    this.#dataLength = 0;
    this.#dataParts = [];
    this.#dataReceived = 0;
    return frame;
  }

  #fail(problem: string): never {
    this.#failed = new SyslogError(
      'SYSLOG_RELP_PROTOCOL',
      `malformed RELP frame from the server: ${problem}`,
    );
    throw this.#failed;
  }
}
