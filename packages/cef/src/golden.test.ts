// Microsoft's published SIEM agent samples (fixtures/mcas-compat.jsonl), byte for byte.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from './decode.ts';
import { encodeActivity, encodeAlert } from './encode.ts';
import type { CefActivity, CefAlert } from './records.ts';
import type { CefSettings } from './settings.ts';

interface GoldenVector {
  kind: 'activity' | 'alert';
  record: Record<string, unknown>;
  options: CefSettings;
  expected: string;
  source: string;
}

const vectors = readFileSync(resolve(import.meta.dirname, '../fixtures/mcas-compat.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as GoldenVector);

function encode(vector: GoldenVector): string {
  return vector.kind === 'activity'
    ? encodeActivity(vector.record as unknown as CefActivity, vector.options)
    : encodeAlert(vector.record as unknown as CefAlert, vector.options);
}

describe('golden vectors (Microsoft Defender for Cloud Apps samples)', () => {
  it('has the 12 vectors, activities and alerts', () => {
    expect(vectors).toHaveLength(12);
    expect(new Set(vectors.map((v) => v.kind))).toEqual(new Set(['activity', 'alert']));
  });

  it.each(vectors.map((v, i) => [i + 1, v.kind, v] as const))(
    'vector %i (%s) is reproduced byte for byte',
    (_i, _kind, vector) => {
      expect(encode(vector)).toBe(vector.expected);
    },
  );

  it.each(vectors.map((v, i) => [i + 1, v] as const))(
    'vector %i decodes back to its record',
    (_i, vector) => {
      const decoded = decode(vector.expected);
      const r = vector.record;
      expect(decoded.vendor).toBe('MCAS');
      expect(decoded.product).toBe('SIEM_Agent');
      expect(decoded.deviceVersion).toBe(vector.options.deviceVersion);
      expect(decoded.extension.externalId).toBe(r.id);
      expect(decoded.extension.rt).toBe(String(r.timestamp));
      expect(decoded.extension.msg).toBe(r.description);
      expect(decoded.extension.c6a1Label).toBe('"Device IPv6 Address"');
      if (vector.kind === 'activity') {
        expect(decoded.signature).toBe(r.category);
        expect(decoded.name).toBe(r.action);
        expect(decoded.extension.cs3).toBe((r.targetObjects as string[]).join(','));
        expect(decoded.extension.cs1).toBe(
          `${vector.options.portalUrl}/#/audits?activity.id=eq(${r.id as string},)`,
        );
      } else {
        expect(decoded.signature).toBe(r.type);
        expect(decoded.name).toBe(r.policyName);
        expect(decoded.extension.cs3).toBe((r.relatedActivityIds as string[]).join(','));
        expect(decoded.extension.cs1).toBe(`${vector.options.portalUrl}/#/alerts/${r.id as string}`);
      }
    },
  );
});
