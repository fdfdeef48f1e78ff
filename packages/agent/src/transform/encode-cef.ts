// Records → CEF lines with `packages/cef`, per the agent's format settings (DESIGN §4). A record
// the encoder refuses is dropped with its id and reason; the rest of the page goes through.
import {
  CefError,
  createActivityEncoder,
  createAlertEncoder,
  type CefActivity,
  type CefAlert,
} from '@cloudsiem/cef';
import { toCefSettings, type DataType, type FormatSettings } from '@cloudsiem/protocol';

export interface DroppedRecord {
  id: string;
  reason: string;
}

export interface EncodedPage {
  lines: string[];
  dropped: DroppedRecord[];
  /** createdAt of the newest record of the page (the portal's ingest time), for the lag. */
  newestCreatedAt: number | null;
}

export type PageEncoder = (records: readonly Record<string, unknown>[]) => EncodedPage;

export interface EncoderContext {
  /** The host name written when "Include system name" is on. */
  systemName: string;
  portalUrl: string;
  deviceVersion: string;
}

/** One encoder per data type for these settings; built once per config version. */
export function createPageEncoders(
  format: FormatSettings,
  context: EncoderContext,
): Record<DataType, PageEncoder> {
  const settings = toCefSettings(format, context);
  const activity = createActivityEncoder(settings);
  const alert = createAlertEncoder(settings);
  return {
    activities: pageEncoder((record) => activity(record as unknown as CefActivity)),
    alerts: pageEncoder((record) => alert(record as unknown as CefAlert)),
  };
}

function pageEncoder(encode: (record: Record<string, unknown>) => string): PageEncoder {
  return (records) => {
    const lines: string[] = [];
    const dropped: DroppedRecord[] = [];
    let newestCreatedAt: number | null = null;
    for (const record of records) {
      try {
        lines.push(encode(record));
      } catch (error) {
        if (!(error instanceof CefError)) throw error;
        dropped.push({
          id: typeof record.id === 'string' ? record.id.slice(0, 200) : '(no id)',
          reason: error.message,
        });
      }
      const createdAt = record.createdAt;
      if (typeof createdAt === 'number' && (newestCreatedAt === null || createdAt > newestCreatedAt))
        newestCreatedAt = createdAt;
    }
    return { lines, dropped, newestCreatedAt };
  };
}
