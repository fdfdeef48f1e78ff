// Syslog framing over streams, RFC 6587: LF-terminated ("non-transparent") frames and octet
// counting (`MSG-LEN SP MSG`, MSG-LEN in UTF-8 bytes; RFC 5425 uses it for TLS). Incremental
// deframers for receivers, and the size cap of a UDP datagram (RFC 5426). Knows nothing of CEF.
import { SyslogError } from './errors.ts';

export type Framing = 'lf' | 'octet';
export const FRAMINGS: readonly Framing[] = ['lf', 'octet'];

const LF = 0x0a;
const SPACE = 0x20;
const BACKSLASH = 0x5c;

/** LF framing cannot carry a raw LF: it would split the message, or let it forge another one. */
function checkNoLf(message: string): void {
  if (message.includes('\n')) {
    throw new SyslogError(
      'SYSLOG_MESSAGE_INVALID',
      'message contains a raw LF, which LF framing cannot carry (escape it, or use octet counting)',
    );
  }
}

/** One frame as text: `MESSAGE\n`, or `LEN MESSAGE` with LEN the UTF-8 byte length of MESSAGE. */
export function frame(message: string, framing: Framing): string {
  if (framing === 'lf') {
    checkNoLf(message);
    return `${message}\n`;
  }
  return `${Buffer.byteLength(message, 'utf8')} ${message}`;
}

/** Reused for encoding batches; a batch needing more than this gets a one-off buffer. */
const SCRATCH_MAX_BYTES = 16 * 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(0);

/**
 * The frames of many messages as one buffer of the exact size, ready for one socket write.
 * Each message is written once, straight into a scratch buffer sized for the worst case (a UTF-16
 * code unit is at most 3 UTF-8 bytes): no separate byte-count pass, which costs as much as the
 * write itself for strings that are not pure ASCII. Joining the messages first would be slower
 * still: one non-ASCII line makes the whole joined batch a two-byte string.
 */
export function encodeFrames(messages: readonly string[], framing: Framing): Buffer {
  const count = messages.length;
  let worst = 0;
  for (let i = 0; i < count; i++) {
    const message = messages[i]!;
    // LF framing: message + LF. Octet counting: up to 16 digits, a space, the message.
    worst += message.length * 3 + (framing === 'lf' ? 1 : 17);
  }
  let buffer = scratch;
  if (worst > buffer.length) {
    buffer = Buffer.allocUnsafeSlow(worst);
    if (worst <= SCRATCH_MAX_BYTES) scratch = buffer;
  }
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const message = messages[i]!;
    if (framing === 'lf') {
      offset += buffer.write(message, offset, 'utf8');
      buffer[offset++] = LF;
      continue;
    }
    // Octet counting needs the length before the message: leave room for the longest possible
    // count, write the message, then the count; close the gap when the count came out shorter.
    const room = digitCount(message.length * 3) + 1;
    const start = offset + room;
    const length = buffer.write(message, start, 'utf8');
    offset += buffer.write(`${length} `, offset, 'latin1');
    if (offset !== start) buffer.copyWithin(offset, start, start + length);
    offset += length;
  }
  // A raw LF is looked for in the bytes, once all are written (memchr), not in each message: the
  // messages are ropes the encoder concatenated, and searching a rope flattens it first, which
  // cost 16 % of the agent's CPU. Only LFs besides the frames' own may be found.
  if (framing === 'lf' && lfCount(buffer, offset) !== count)
    checkNoLf(messages.find((m) => m.includes('\n'))!);
  // The scratch buffer is reused by the next batch: the socket gets its own copy.
  return buffer === scratch ? Buffer.from(buffer.subarray(0, offset)) : buffer.subarray(0, offset);
}

function lfCount(buffer: Buffer, end: number): number {
  const written = buffer.subarray(0, end);
  let count = 0;
  for (let at = written.indexOf(LF); at !== -1; at = written.indexOf(LF, at + 1)) count++;
  return count;
}

function digitCount(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

export interface DeframerOptions {
  /** A frame longer than this is a SYSLOG_FRAME error (bounds a receiver's memory). Default 1 MiB. */
  maxMessageBytes?: number;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Turns a byte stream back into messages. Chunks may be split anywhere, including inside a
 * multibyte UTF-8 character: frames are cut on bytes and decoded whole. `push` and `end` call
 * `emit` for each complete message, then throw a SYSLOG_FRAME error if the stream is malformed.
 */
export interface Deframer {
  push(chunk: Buffer, emit: (message: string) => void): void;
  /** The stream ended: LF framing emits a last message without its LF; octet counting checks no frame is cut. */
  end(emit: (message: string) => void): void;
}

export function createDeframer(framing: Framing, options: DeframerOptions = {}): Deframer {
  const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return framing === 'lf' ? new LfDeframer(max) : new OctetCountingDeframer(max);
}

function frameError(message: string): SyslogError {
  return new SyslogError('SYSLOG_FRAME', message);
}

class LfDeframer implements Deframer {
  /** Bytes of the current message received so far (no LF in them yet). */
  #parts: Buffer[] = [];
  #partsLength = 0;

  constructor(readonly maxMessageBytes: number) {}

  push(chunk: Buffer, emit: (message: string) => void): void {
    let start = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, start)) {
      if (this.#partsLength === 0) {
        this.#check(lf - start);
        emit(chunk.toString('utf8', start, lf));
      } else {
        this.#check(this.#partsLength + lf - start);
        this.#parts.push(chunk.subarray(start, lf));
        const message = Buffer.concat(this.#parts).toString('utf8');
        this.#parts = [];
        this.#partsLength = 0;
        emit(message);
      }
      start = lf + 1;
    }
    if (start < chunk.length) {
      this.#parts.push(chunk.subarray(start));
      this.#partsLength += chunk.length - start;
      this.#check(this.#partsLength);
    }
  }

  end(emit: (message: string) => void): void {
    if (this.#partsLength === 0) return;
    const message = Buffer.concat(this.#parts).toString('utf8');
    this.#parts = [];
    this.#partsLength = 0;
    emit(message);
  }

  #check(length: number): void {
    if (length > this.maxMessageBytes) {
      throw frameError(`message longer than ${this.maxMessageBytes} bytes without an LF`);
    }
  }
}

class OctetCountingDeframer implements Deframer {
  /** Bytes still expected for the current message; -1 while reading MSG-LEN. */
  #need = -1;
  #length = 0;
  #digits = 0;
  #parts: Buffer[] = [];
  #partsLength = 0;

  constructor(readonly maxMessageBytes: number) {}

  push(chunk: Buffer, emit: (message: string) => void): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#need < 0) {
        const byte = chunk[i++]!;
        if (byte === SPACE && this.#digits > 0) {
          if (this.#length === 0) emit('');
          else this.#need = this.#length;
          this.#length = 0;
          this.#digits = 0;
        } else if (byte >= 0x30 && byte <= 0x39 && !(this.#digits === 1 && this.#length === 0)) {
          // RFC 6587 wants a non-zero first digit; a lone "0" (an empty message) is let through.
          this.#length = this.#length * 10 + (byte - 0x30);
          this.#digits++;
          if (this.#length > this.maxMessageBytes) {
            throw frameError(`frame of ${this.#length}+ bytes is over the limit of ${this.maxMessageBytes}`);
          }
        } else {
          throw frameError(
            `expected an octet count (RFC 6587 MSG-LEN SP), got byte 0x${byte.toString(16).padStart(2, '0')}`,
          );
        }
        continue;
      }
      const take = Math.min(this.#need - this.#partsLength, chunk.length - i);
      if (this.#partsLength === 0 && take === this.#need) {
        emit(chunk.toString('utf8', i, i + take));
        this.#need = -1;
      } else {
        this.#parts.push(chunk.subarray(i, i + take));
        this.#partsLength += take;
        if (this.#partsLength === this.#need) {
          const message = Buffer.concat(this.#parts, this.#partsLength).toString('utf8');
          this.#parts = [];
          this.#partsLength = 0;
          this.#need = -1;
          emit(message);
        }
      }
      i += take;
    }
  }

  end(): void {
    if (this.#need >= 0 || this.#digits > 0) {
      const got = this.#need >= 0 ? `${this.#partsLength} of ${this.#need} bytes` : 'only an octet count';
      this.#need = -1;
      this.#digits = 0;
      this.#length = 0;
      this.#parts = [];
      this.#partsLength = 0;
      throw frameError(`stream ended in the middle of a frame (${got})`);
    }
  }
}

/**
 * The payload of a UDP datagram (RFC 5426: one message per datagram): the message's UTF-8 bytes,
 * cut at the END to at most `maxBytes` — so a syslog header at the start is never cut — never inside
 * a UTF-8 character, and never after an odd run of backslashes (a cut escape such as CEF's `\=`
 * or RFC 5424's `\]` would otherwise leave a dangling `\`).
 */
export function datagramPayload(message: string, maxBytes: number): { payload: Buffer; truncated: boolean } {
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= maxBytes) return { payload: bytes, truncated: false };
  let cut = maxBytes;
  // bytes[cut] exists (length > maxBytes); step back while it continues a character.
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  let backslashes = 0;
  while (backslashes < cut && bytes[cut - 1 - backslashes] === BACKSLASH) backslashes++;
  if (backslashes % 2 === 1) cut--;
  return { payload: bytes.subarray(0, cut), truncated: true };
}
