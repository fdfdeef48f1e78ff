// RELP framing as properties: any message round-trips through encode and the incremental parser,
// however the bytes are cut into chunks; txnr wraps; malformed frames are refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeCommands,
  encodeFrame,
  nextTxnr,
  RELP_MAX_TXNR,
  RelpFrameParser,
  type RelpFrame,
} from './frame.ts';

/** Cuts `data` at the given points (each taken modulo the length) and parses chunk by chunk. */
function parseInChunks(data: Buffer, cuts: number[]): RelpFrame[] {
  const points = [...new Set(cuts.map((c) => (data.length === 0 ? 0 : c % data.length)))].sort(
    (a, b) => a - b,
  );
  const parser = new RelpFrameParser();
  const frames: RelpFrame[] = [];
  let from = 0;
  for (const point of [...points, data.length]) {
    frames.push(...parser.push(data.subarray(from, point)));
    from = point;
  }
  expect(parser.idle).toBe(true);
  return frames;
}

const message = fc.string({ unit: 'binary', maxLength: 300 });
const txnr = fc.integer({ min: 1, max: RELP_MAX_TXNR });

describe('RELP frames', () => {
  it('encode as TXNR SP COMMAND SP DATALEN [SP DATA] LF, DATALEN in UTF-8 bytes', () => {
    expect(encodeFrame(7, 'syslog', 'é\n').toString('utf8')).toBe('7 syslog 3 é\n\n');
    expect(encodeFrame(12, 'close').toString()).toBe('12 close 0\n');
    expect(encodeCommands('syslog', ['a', '', 'bc'], 1).data.toString()).toBe(
      '1 syslog 1 a\n2 syslog 0\n3 syslog 2 bc\n',
    );
  });

  it('round-trip any messages, however the stream is cut (partial reads, many frames per chunk)', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 20 }),
        txnr,
        fc.array(fc.nat(), { maxLength: 30 }),
        (messages, first, cuts) => {
          const { data, frameBytes } = encodeCommands('syslog', messages, first);
          expect(frameBytes.reduce((a, b) => a + b, 0)).toBe(data.length);
          const frames = parseInChunks(data, cuts);
          expect(frames.map((f) => f.data.toString('utf8'))).toEqual(
            // Lone surrogates cannot be encoded in UTF-8; they arrive as U+FFFD, like any UTF-8 writer does.
            messages.map((m) => Buffer.from(m, 'utf8').toString('utf8')),
          );
          expect(frames.every((f) => f.command === 'syslog')).toBe(true);
          let expected = first;
          for (const frame of frames) {
            expect(frame.txnr).toBe(expected);
            expected = nextTxnr(expected);
          }
        },
      ),
    );
  });

  it('round-trip single frames of any command and txnr, including 0 and empty data', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: RELP_MAX_TXNR }),
        fc.stringMatching(/^[A-Za-z]{1,32}$/),
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (n, command, bytes, cuts) => {
          const frames = parseInChunks(encodeFrame(n, command, Buffer.from(bytes)), cuts);
          expect(frames).toEqual([{ txnr: n, command, data: Buffer.from(bytes) }]);
        },
      ),
    );
  });

  it('number transactions 1..999 999 999, then wrap to 1', () => {
    expect(nextTxnr(1)).toBe(2);
    expect(nextTxnr(RELP_MAX_TXNR)).toBe(1);
    const { data } = encodeCommands('syslog', ['a', 'b', 'c'], RELP_MAX_TXNR - 1);
    expect(data.toString()).toBe('999999998 syslog 1 a\n999999999 syslog 1 b\n1 syslog 1 c\n');
    expect(() => encodeFrame(RELP_MAX_TXNR + 1, 'syslog')).toThrow(RangeError);
    fc.assert(
      fc.property(txnr, (n) => {
        const next = nextTxnr(n);
        expect(next >= 1 && next <= RELP_MAX_TXNR).toBe(true);
        expect(next === n + 1 || (n === RELP_MAX_TXNR && next === 1)).toBe(true);
      }),
    );
  });

  it.each([
    ['a 10-digit txnr', '1000000000 rsp 0\n'],
    ['a missing txnr', ' rsp 0\n'],
    ['a command with a digit', '1 rsp2 0\n'],
    ['a command over 32 letters', `1 ${'a'.repeat(33)} 0\n`],
    ['no LF after the data', '1 rsp 2 OKX'],
    ['a space after DATALEN 0', '1 rsp 0 \n'],
    ['no DATALEN', '1 rsp \n'],
    ['data over the limit', '1 rsp 2000000 '],
  ])('refuse %s with SYSLOG_RELP_PROTOCOL, and stay failed', (_what, text) => {
    const parser = new RelpFrameParser();
    expect(() => parser.push(Buffer.from(text))).toThrow(
      expect.objectContaining({ code: 'SYSLOG_RELP_PROTOCOL', retriable: true }),
    );
    expect(() => parser.push(Buffer.from('1 rsp 0\n'))).toThrow(
      expect.objectContaining({ code: 'SYSLOG_RELP_PROTOCOL' }),
    );
  });

  it('keep a frame whose data holds LFs and digits intact (octet counted, not line based)', () => {
    const frames = new RelpFrameParser().push(Buffer.from('5 rsp 10 200 OK\n1 2\n6 serverclose 0\n'));
    expect(frames.map((f) => [f.txnr, f.command, f.data.toString()])).toEqual([
      [5, 'rsp', '200 OK\n1 2'],
      [6, 'serverclose', ''],
    ]);
  });
});
