import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDeframer, datagramPayload, encodeFrames, frame, type Framing } from './framing.ts';
import { SyslogError } from './errors.ts';

/** Feeds `bytes` to a deframer in the given chunks and collects the messages. */
function deframe(framing: Framing, bytes: Buffer, cuts: number[] = [], maxMessageBytes?: number): string[] {
  const deframer = createDeframer(framing, { maxMessageBytes });
  const messages: string[] = [];
  const emit = (message: string): void => void messages.push(message);
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    deframer.push(bytes.subarray(start, cut), emit);
    start = cut;
  }
  deframer.push(bytes.subarray(start), emit);
  deframer.end(emit);
  return messages;
}

// Any code point, astral ones included (U+1F600 is 4 UTF-8 bytes, 2 UTF-16 units).
const text = fc.string({ unit: 'binary', maxLength: 60 });
const textWithoutLf = text.map((s) => s.replaceAll('\n', ' '));
const cutsOf = (length: number) => fc.array(fc.integer({ min: 0, max: length }), { maxLength: 12 });

describe('frame', () => {
  it('terminates a message with LF', () => {
    expect(frame('CEF:0|a', 'lf')).toBe('CEF:0|a\n');
  });

  it('prefixes the octet count in UTF-8 bytes, not UTF-16 units', () => {
    expect(frame('abc', 'octet')).toBe('3 abc');
    expect(frame('é', 'octet')).toBe('2 é');
    expect(frame('😀', 'octet')).toBe('4 😀');
    expect(frame('', 'octet')).toBe('0 ');
  });

  it('refuses a raw LF under LF framing, where it would forge a second message', () => {
    expect(() => frame('a\nCEF:0|forged', 'lf')).toThrow(SyslogError);
    expect(() => encodeFrames(['ok', 'a\nb'], 'lf')).toThrow(/raw LF/);
    expect(frame('a\nb', 'octet')).toBe('3 a\nb');
  });
});

describe('deframers', () => {
  it('LF frames re-parse to the same messages, for any chunk splits', () => {
    fc.assert(
      fc.property(
        fc.array(textWithoutLf, { minLength: 1, maxLength: 20 }).chain((messages) => {
          const bytes = encodeFrames(messages, 'lf');
          return fc.tuple(fc.constant(messages), fc.constant(bytes), cutsOf(bytes.length));
        }),
        ([messages, bytes, cuts]) => {
          expect(deframe('lf', bytes, cuts)).toEqual(messages);
        },
      ),
    );
  });

  it('octet-counted frames re-parse to the same messages, for any chunk splits, LF included', () => {
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 20 }).chain((messages) => {
          const bytes = encodeFrames(messages, 'octet');
          return fc.tuple(fc.constant(messages), fc.constant(bytes), cutsOf(bytes.length));
        }),
        ([messages, bytes, cuts]) => {
          expect(deframe('octet', bytes, cuts)).toEqual(messages);
        },
      ),
    );
  });

  it('encodeFrames writes exactly the concatenation of frame()', () => {
    fc.assert(
      fc.property(
        fc.array(textWithoutLf, { maxLength: 10 }),
        fc.constantFrom<Framing>('lf', 'octet'),
        (ms, f) => {
          expect(encodeFrames(ms, f).toString('utf8')).toBe(ms.map((m) => frame(m, f)).join(''));
        },
      ),
    );
  });

  it('gives every batch its own bytes, though batches are encoded in one reused buffer', () => {
    const first = encodeFrames(['first batch', 'é'], 'octet');
    const second = encodeFrames(['second batch, longer', '😀'], 'octet');
    expect(first.toString('utf8')).toBe('11 first batch2 é');
    expect(second.toString('utf8')).toBe('20 second batch, longer4 😀');
  });

  it.each<Framing>(['lf', 'octet'])('encodes big messages exactly (%s)', (f) => {
    const messages = ['é'.repeat(3_000_000), 'a'.repeat(2_500_000), '😀 end'];
    const bytes = encodeFrames(messages, f);
    expect(bytes.equals(Buffer.from(messages.map((m) => frame(m, f)).join(''), 'utf8'))).toBe(true);
    expect(deframe(f, bytes, [], 10_000_000)).toEqual(messages);
  });

  it('reassembles a 4-byte character split across three chunks', () => {
    const bytes = Buffer.from('7 a😀b\n', 'utf8');
    // "6 a" | first two bytes of U+1F600 | the rest
    expect(deframe('octet', bytes, [3, 5])).toEqual(['a😀b\n']);
    const lf = Buffer.from('x😀\ny\n', 'utf8');
    expect(deframe('lf', lf, [2, 3, 4])).toEqual(['x😀', 'y']);
  });

  it('emits a last LF message that lacks its LF when the stream ends', () => {
    expect(deframe('lf', Buffer.from('a\nb'))).toEqual(['a', 'b']);
  });

  it.each([
    ['0 abc', /octet count/],
    ['01 a', /octet count/],
    [' a', /octet count/],
    ['x a', /octet count/],
    ['12', /middle of a frame/],
    ['5 abc', /middle of a frame/],
  ])('rejects the malformed octet stream %j', (input, message) => {
    expect(() => deframe('octet', Buffer.from(input))).toThrow(message);
  });

  it('emits the complete messages before the malformed frame', () => {
    const messages: string[] = [];
    const deframer = createDeframer('octet');
    expect(() => deframer.push(Buffer.from('2 ok3 abcX'), (m) => void messages.push(m))).toThrow(SyslogError);
    expect(messages).toEqual(['ok', 'abc']);
  });

  it('bounds a frame by maxMessageBytes', () => {
    expect(() => deframe('octet', Buffer.from('11 hello world'), [], 10)).toThrow(/over the limit of 10/);
    expect(deframe('octet', Buffer.from('10 helloworld'), [], 10)).toEqual(['helloworld']);
    expect(() => deframe('lf', Buffer.from('hello world\n'), [4], 10)).toThrow(/longer than 10 bytes/);
    expect(() => deframe('lf', Buffer.from('hello world'), [4], 10)).toThrow(/longer than 10 bytes/);
    expect(deframe('lf', Buffer.from('helloworld\n'), [4], 10)).toEqual(['helloworld']);
  });
});

describe('datagramPayload', () => {
  it('leaves a message that fits alone', () => {
    expect(datagramPayload('abc', 3)).toEqual({ payload: Buffer.from('abc'), truncated: false });
  });

  it('cuts at the end, before a multibyte character rather than inside it', () => {
    // 'é' is 2 bytes: 4 + 2 + 2 = 8 bytes, cut to 7 keeps 'head' + 'é'.
    const { payload, truncated } = datagramPayload('headéé', 7);
    expect(truncated).toBe(true);
    expect(payload.toString('utf8')).toBe('headé');
  });

  it('does not leave a dangling backslash of a cut escape', () => {
    expect(datagramPayload('msg=a\\=b', 6).payload.toString()).toBe('msg=a');
    expect(datagramPayload('msg=\\\\b', 6).payload.toString()).toBe('msg=\\\\');
    expect(datagramPayload('m=\\\\\\=', 5).payload.toString()).toBe('m=\\\\');
  });

  it('returns a prefix of the message, within the limit, cut at most 4 bytes short', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.integer({ min: 1, max: 200 }),
        (message, max) => {
          const { payload, truncated } = datagramPayload(message, max);
          const kept = payload.toString('utf8');
          const size = Buffer.byteLength(message);
          expect(truncated).toBe(size > max);
          expect(message.startsWith(kept)).toBe(true);
          expect(payload.length).toBeLessThanOrEqual(max);
          if (truncated) {
            expect(payload.length).toBeGreaterThanOrEqual(max - 4);
            expect(/(^|[^\\])(\\\\)*\\$/.test(kept)).toBe(false);
          }
        },
      ),
    );
  });
});
