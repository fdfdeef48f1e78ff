import { describe, expect, it } from 'vitest';
import { decode, decodeExtension } from './decode.ts';
import { CefDecodeError } from './errors.ts';

describe('decode', () => {
  it('splits the prefix, the seven header fields and the extension', () => {
    const decoded = decode(
      '<134>2017-11-28T19:24:55.000Z LAB-EUW-ARCTEST CEF:0|MCAS|SIEM_Agent|0.112.68|EVENT_CATEGORY_DELETE_OBJECT|Delete object|0|externalId=x1 rt=1511897095000',
    );
    expect(decoded).toEqual({
      prefix: '<134>2017-11-28T19:24:55.000Z LAB-EUW-ARCTEST ',
      version: 0,
      vendor: 'MCAS',
      product: 'SIEM_Agent',
      deviceVersion: '0.112.68',
      signature: 'EVENT_CATEGORY_DELETE_OBJECT',
      name: 'Delete object',
      severity: '0',
      extension: { externalId: 'x1', rt: '1511897095000' },
    });
  });

  it('accepts a line that starts with CEF: (no syslog prefix) and ignores a trailing LF or CRLF', () => {
    expect(decode('CEF:1|V|P|1|S|N|Low|a=b\n')).toMatchObject({
      prefix: '',
      version: 1,
      severity: 'Low',
      extension: { a: 'b' },
    });
    expect(decode('CEF:0|V|P|1|S|N|3|a=b\r\n').extension).toEqual({ a: 'b' });
  });

  it('unescapes \\\\ and \\| in the header, and does not split on an escaped pipe', () => {
    const decoded = decode('CEF:0|Ac\\|me|P\\\\|1|S\\\\\\|x|N|5|');
    expect(decoded).toMatchObject({
      vendor: 'Ac|me',
      product: 'P\\',
      signature: 'S\\|x',
      name: 'N',
      severity: '5',
    });
    expect(decoded.extension).toEqual({});
  });

  it('keeps values with spaces whole, including the quoted c6a1Label', () => {
    expect(
      decodeExtension('msg=Log on: user a b c suser=x y c6a1Label="Device IPv6 Address" c6a1= cs4='),
    ).toEqual({
      msg: 'Log on: user a b c',
      suser: 'x y',
      c6a1Label: '"Device IPv6 Address"',
      c6a1: '',
      cs4: '',
    });
  });

  it('unescapes \\=, \\\\, \\r and \\n in values, and an escaped = never starts a key', () => {
    expect(
      decodeExtension('cs1=https://h/#/audits?activity.id\\=eq(1,) msg=a \\= b c\\=d x\\\\ y=\\r\\n'),
    ).toEqual({
      cs1: 'https://h/#/audits?activity.id=eq(1,)',
      msg: 'a = b c=d x\\',
      y: '\r\n',
    });
  });

  it('keeps unknown escapes and a trailing backslash as written', () => {
    expect(decodeExtension('a=\\t\\| b=x\\')).toEqual({ a: '\\t\\|', b: 'x\\' });
  });

  it('keeps spaces at the edges of values', () => {
    expect(decodeExtension('a=  b=x  c= ')).toEqual({ a: ' ', b: 'x ', c: ' ' });
  });

  it('accepts keys with dots, dashes, underscores and brackets, and pipes in values', () => {
    expect(decodeExtension('ad.key-1_x[0]=v|w k=1')).toEqual({ 'ad.key-1_x[0]': 'v|w', k: '1' });
  });

  it('is not fooled by a __proto__ key', () => {
    const extension = decodeExtension('__proto__=x a=1');
    expect(extension.__proto__).toBe('x');
    expect(Object.keys(extension)).toEqual(['__proto__', 'a']);
  });

  it.each([
    ['no CEF marker', '2017-01-01T00:00:00Z host hello world'],
    ['too few header fields', 'CEF:0|MCAS|SIEM_Agent|1|sig|name'],
    ['a bad version', 'CEF:x|V|P|1|S|N|0|a=b'],
    ['an extension that is not key=value', 'CEF:0|V|P|1|S|N|0|hello there'],
    ['text before the first key', 'CEF:0|V|P|1|S|N|0|junk a=b'],
  ])('throws CefDecodeError on %s', (_what, line) => {
    expect(() => decode(line)).toThrow(CefDecodeError);
    try {
      decode(line);
    } catch (error) {
      expect(error).toMatchObject({ code: 'CEF_DECODE_INVALID' });
    }
  });
});
